//! Arrivals drawn ahead of the simulation. A generated open-loop workload's requests do not
//! depend on what the simulation does with them, so a caller with threads (the CLI) can
//! draw them on another core while the simulation runs, and hand them over in batches. The
//! core stays single-threaded: it only pulls batches from an iterator, and the requests are
//! the same ones, in the same order, as the simulation would draw itself.

use std::hash::{DefaultHasher, Hasher};

use crate::{Error, Validated};

use super::spec::RequestSpec;

/// Requests a batch holds: enough that handing one over costs nothing next to drawing them
/// (each request takes tens of nanoseconds), few enough that the batches in flight stay in
/// cache.
pub(super) const BATCH_REQUESTS: usize = 1024;

/// Requests drawn ahead, in order. Only [`Arrivals`](super::Arrivals) makes them, so a
/// simulation takes them as its own draws: it checks only that they belong to its config
/// and come in order.
#[derive(Debug)]
pub struct ArrivalBatch {
    key: u64,
    specs: Vec<RequestSpec>,
}

impl ArrivalBatch {
    pub(super) fn new(key: u64, specs: Vec<RequestSpec>) -> Self {
        Self { key, specs }
    }

    /// Requests in the batch.
    pub fn len(&self) -> usize {
        self.specs.len()
    }

    /// Whether the batch holds no request.
    pub fn is_empty(&self) -> bool {
        self.specs.is_empty()
    }
}

/// Which config's arrivals a batch holds: the seed, the request cap and the workload, the
/// only inputs of the draws.
pub(super) fn key_of(validated: &Validated<'_>) -> u64 {
    let config = validated.config();
    let mut hasher = DefaultHasher::new();
    hasher.write_u64(config.seed);
    hasher.write_u64(config.limits.max_requests);
    // Serializing a validated workload cannot fail; an empty key part would still only
    // weaken the check, not change a run.
    hasher.write(&serde_json::to_vec(&config.workload).unwrap_or_default());
    hasher.finish()
}

/// The simulation's side: hands out the requests of the batches in order, and stops at the
/// first batch of another config or request out of order (the run then fails with
/// [`AheadReader::error`]).
pub(crate) struct AheadReader<'a> {
    batches: Box<dyn Iterator<Item = ArrivalBatch> + 'a>,
    current: std::vec::IntoIter<RequestSpec>,
    key: u64,
    next_id: u64,
    error: Option<Error>,
}

impl std::fmt::Debug for AheadReader<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AheadReader")
            .field("next_id", &self.next_id)
            .field("error", &self.error)
            .finish_non_exhaustive()
    }
}

impl<'a> AheadReader<'a> {
    pub(crate) fn new(
        validated: &Validated<'_>,
        batches: impl Iterator<Item = ArrivalBatch> + 'a,
    ) -> Self {
        Self {
            batches: Box::new(batches),
            current: Vec::new().into_iter(),
            key: key_of(validated),
            next_id: 0,
            error: None,
        }
    }

    /// The next request, or `None` when the batches are exhausted or one was wrong.
    pub(crate) fn next_request(&mut self) -> Option<RequestSpec> {
        let spec = match self.current.next() {
            Some(spec) => spec,
            None => {
                let batch = self.batches.next()?;
                if batch.key != self.key {
                    return self.fail("a batch drawn for another config");
                }
                self.current = batch.specs.into_iter();
                self.current.next()?
            }
        };
        if spec.id != self.next_id {
            let message = format!(
                "request {} where request {} was due (batches out of order or missing)",
                spec.id, self.next_id
            );
            return self.fail(message);
        }
        self.next_id += 1;
        Some(spec)
    }

    fn fail(&mut self, message: impl std::fmt::Display) -> Option<RequestSpec> {
        self.error = Some(Error::invalid("arrivals", message));
        self.current = Vec::new().into_iter();
        self.batches = Box::new(std::iter::empty());
        None
    }

    /// Why the batches were refused, if they were.
    pub(crate) fn error(&mut self) -> Option<Error> {
        self.error.take()
    }
}
