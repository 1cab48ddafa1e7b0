//! What ffprobe says about a file, as the report stores it. Running ffprobe and parsing its
//! JSON stay in `postflow-qc`.
use postflow_core::timecode::FrameRate;
use serde::{Deserialize, Serialize};

/// Everything QC needs to know about a file before decoding it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Probe {
    /// ffprobe's `format_name`, e.g. "mov,mp4,m4a,3gp,3g2,mj2".
    pub container: String,
    pub container_long: String,
    pub duration_s: Option<f64>,
    pub size_bytes: Option<u64>,
    pub bit_rate: Option<u64>,
    /// MP4/MOV: whether the `moov` box comes before `mdat` ("fast start"); `None` for other formats.
    pub moov_before_mdat: Option<bool>,
    /// Start timecode from the timecode track, the video stream or the container, as written.
    pub start_timecode: Option<String>,
    pub reel: Option<String>,
    pub video: Vec<VideoStream>,
    pub audio: Vec<AudioStream>,
    /// Streams that are neither audio nor video (timecode, data, subtitles).
    pub other: Vec<OtherStream>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScanType {
    Progressive,
    /// Interlaced, top field first.
    InterlacedTff,
    /// Interlaced, bottom field first.
    InterlacedBff,
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VideoStream {
    pub index: u32,
    pub codec: String,
    pub codec_long: String,
    pub profile: Option<String>,
    pub width: u32,
    pub height: u32,
    pub sample_aspect: Option<String>,
    pub display_aspect: Option<String>,
    /// The stream's base rate (`r_frame_rate`).
    pub frame_rate: Option<FrameRate>,
    /// The average rate (`avg_frame_rate`); differs from `frame_rate` in variable-frame-rate files.
    pub avg_frame_rate: Option<FrameRate>,
    pub variable_frame_rate: bool,
    pub scan: ScanType,
    pub pix_fmt: Option<String>,
    pub bit_depth: Option<u32>,
    pub color_range: Option<String>,
    pub color_primaries: Option<String>,
    pub color_transfer: Option<String>,
    pub color_matrix: Option<String>,
    pub frames: Option<u64>,
    pub duration_s: Option<f64>,
    pub bit_rate: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AudioStream {
    pub index: u32,
    pub codec: String,
    pub codec_long: String,
    pub profile: Option<String>,
    pub sample_rate: u32,
    pub channels: u32,
    /// ffmpeg's layout name ("stereo", "5.1", "5.1(side)"), or "unknown".
    pub layout: String,
    /// Channel names in stream order (ffmpeg's order for the layout).
    pub channel_names: Vec<String>,
    pub bit_depth: Option<u32>,
    pub sample_fmt: Option<String>,
    pub duration_s: Option<f64>,
    pub bit_rate: Option<u64>,
    pub language: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OtherStream {
    pub index: u32,
    pub kind: String,
    pub codec: Option<String>,
    pub tag: Option<String>,
}

impl Probe {
    pub fn is_mp4_family(&self) -> bool {
        self.container.split(',').any(|f| f == "mp4" || f == "mov")
    }

    /// The index of the first QuickTime/MP4 timecode (`tmcd`) track, if the file has one.
    pub fn timecode_track_index(&self) -> Option<u32> {
        self.other
            .iter()
            .find(|s| s.tag.as_deref() == Some("tmcd"))
            .map(|s| s.index)
    }
}
