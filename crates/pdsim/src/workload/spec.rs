//! What the workload produces: one request's arrival, prompt and output length.

use crate::prefix::Prompt;
use crate::time::Nanos;

/// Largest prompt or output length and shared prefix accepted, in tokens: lengths are
/// drawn below it, so token arithmetic cannot overflow (validation refuses configs above).
pub const MAX_TOKENS: u32 = 16_000_000;

/// One generated or replayed request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RequestSpec {
    /// Id, in arrival order from 0.
    pub id: u64,
    /// Arrival time.
    pub arrival: Nanos,
    /// The prompt.
    pub prompt: Prompt,
    /// Output tokens (at least 1).
    pub output_tokens: u32,
}
