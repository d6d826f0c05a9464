//! KV transfer links. Without contention every transfer takes
//! `base latency + bytes per rank / bandwidth`. With contention, the transfers into one
//! decode instance share its ingress bandwidth equally (processor sharing) once their base
//! latency has passed.

use crate::engine::request::ReqId;
use crate::time::Nanos;

/// The ingress link of one decode instance under contention.
#[derive(Debug, Default)]
pub struct SharedLink {
    /// (request, bytes still to move per rank).
    active: Vec<(ReqId, f64)>,
    updated_at: Nanos,
    /// Bumped on every change, so a wake-up scheduled before it is recognized as stale.
    pub generation: u64,
}

impl SharedLink {
    /// Drains the active transfers up to `now` at `bytes_per_ns` shared equally.
    fn advance(&mut self, now: Nanos, bytes_per_ns: f64) {
        if !self.active.is_empty() {
            let share = bytes_per_ns * (now - self.updated_at) as f64 / self.active.len() as f64;
            for (_, left) in &mut self.active {
                *left = (*left - share).max(0.0);
            }
        }
        self.updated_at = now;
    }

    /// Adds a transfer of `bytes` per rank at `now`; returns the next wake-up time.
    pub fn join(&mut self, now: Nanos, id: ReqId, bytes: f64, bytes_per_ns: f64) -> Option<Nanos> {
        self.advance(now, bytes_per_ns);
        self.active.push((id, bytes));
        self.generation += 1;
        self.next_wake(now, bytes_per_ns)
    }

    /// At a wake-up: removes and returns the finished transfers (in join order) and the
    /// next wake-up time.
    pub fn wake(
        &mut self,
        now: Nanos,
        bytes_per_ns: f64,
        finished: &mut Vec<ReqId>,
    ) -> Option<Nanos> {
        self.advance(now, bytes_per_ns);
        // Anything within half a byte of done is done: the wake-up time was rounded up.
        self.active.retain(|&(id, left)| {
            let done = left < 0.5;
            if done {
                finished.push(id);
            }
            !done
        });
        self.generation += 1;
        self.next_wake(now, bytes_per_ns)
    }

    fn next_wake(&self, now: Nanos, bytes_per_ns: f64) -> Option<Nanos> {
        let least = self.active.iter().map(|&(_, left)| left).reduce(f64::min)?;
        let ns = libm::ceil(least * self.active.len() as f64 / bytes_per_ns).max(1.0);
        Some(now.saturating_add(ns as Nanos))
    }
}

/// Time to move `bytes` at `bytes_per_ns` alone on the link, rounded up.
pub fn solo_time(bytes: f64, bytes_per_ns: f64) -> Nanos {
    let ns = libm::ceil(bytes / bytes_per_ns);
    if ns >= Nanos::MAX as f64 {
        Nanos::MAX
    } else {
        ns as Nanos
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_equal_transfers_take_twice_as_long_together() {
        let mut link = SharedLink::default();
        // 25 GB/s = 25 bytes/ns; 1000 bytes alone take 40 ns.
        assert_eq!(link.join(0, 0, 1000.0, 25.0), Some(40));
        assert_eq!(link.join(0, 1, 1000.0, 25.0), Some(80));
        let mut done = Vec::new();
        assert_eq!(link.wake(80, 25.0, &mut done), None);
        assert_eq!(done, vec![0, 1]);
    }

    #[test]
    fn a_late_joiner_slows_the_first() {
        let mut link = SharedLink::default();
        link.join(0, 0, 1000.0, 25.0);
        // After 20 ns, 500 bytes are left; sharing halves the rate: 40 ns more.
        assert_eq!(link.join(20, 1, 1000.0, 25.0), Some(60));
        let mut done = Vec::new();
        // At 60 the first is done; the second has 500 left, alone: 20 ns.
        assert_eq!(link.wake(60, 25.0, &mut done), Some(80));
        assert_eq!(done, vec![0]);
    }
}
