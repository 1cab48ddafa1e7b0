//! The QuickTime/MP4 timecode track (`tmcd`) as the report stores it. Listing its samples with
//! ffprobe and finding the breaks stay in `postflow-qc`.
use postflow_core::timecode::FrameRate;
use serde::{Deserialize, Serialize};

/// At most this many breaks are listed in a report (all are counted).
pub const MAX_LISTED_BREAKS: usize = 100;

/// What the timecode track holds, for the report and the continuity check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimecodeTrack {
    /// ffprobe's index of the `tmcd` stream.
    pub stream_index: u32,
    /// The rate the frame numbers count in (the track's own, or the video's).
    pub frame_rate: Option<FrameRate>,
    pub drop_frame: bool,
    /// Number of samples in the track (1 for a track written in one go).
    pub samples: u64,
    /// The first sample's timecode.
    pub start: Option<String>,
    /// Every break, in track order (at most [`MAX_LISTED_BREAKS`]).
    pub breaks: Vec<TimecodeBreak>,
    /// How many breaks there are in all.
    pub break_count: u64,
    /// Why the track could not be read (then nothing else is known).
    pub error: Option<String>,
}

/// One place where the track's timecode does not continue from the sample before.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimecodeBreak {
    /// Index of the sample that breaks (0-based).
    pub sample: u64,
    /// Where that sample starts, in seconds of the track.
    pub at_s: f64,
    /// The timecode a continuous track would have here.
    pub expected: String,
    /// The timecode the track has here.
    pub found: String,
    pub expected_frame: u64,
    pub found_frame: u64,
}
