//! Audio facts a report carries. Finding them stays in `postflow-qc`.
use serde::{Deserialize, Serialize};

/// Line-up tone found at the head of a stream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tone {
    pub duration_s: f64,
    pub frequency_hz: f64,
    /// Sine peak level (AES17: a full-scale sine reads 0 dBFS).
    pub level_dbfs: f64,
}
