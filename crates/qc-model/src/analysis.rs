//! What the checks read besides the probe: the measurements of one decode pass (or of a stored
//! report, for the gate). Producing them stays in `postflow-qc`.
use crate::report::{AudioReport, Event, Programme, VideoReport};

/// Everything derived from one decode pass.
#[derive(Debug, Clone)]
pub struct Analysis {
    pub audio: Vec<AudioReport>,
    pub video: Option<VideoReport>,
    pub events: Vec<Event>,
    pub programme: Programme,
}
