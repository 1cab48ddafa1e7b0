//! The QC result: plain serde types, stable as JSON (schema `postflow.qc/1`), so the web app can
//! store a [`QcReport`] as one JSON document and read it back.
use crate::audio::Tone;
use crate::detection::DetectSettings;
use crate::loudness::{Loudness, LoudnessTimeline};
use crate::probe::Probe;
use crate::timecode_track::TimecodeTrack;
use postflow_core::timecode::FrameRate;
use serde::{Deserialize, Serialize};

pub const SCHEMA: &str = "postflow.qc/1";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Pass,
    Fail,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckStatus {
    Pass,
    Fail,
    Warn,
    /// A person has to verify and sign this off.
    Manual,
}

/// One check of one profile: what the profile expects, what the file has.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Check {
    /// Stable id, e.g. "loudness.integrated", "video.codec", "manual.safe_title".
    pub id: String,
    /// The profile that asked for it.
    pub profile: String,
    pub status: CheckStatus,
    pub expected: String,
    pub measured: String,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    Black,
    Freeze,
    Silence,
    Clip,
    /// Frames with luma outside the legal range.
    LumaRange,
    /// Frames with chroma outside the legal range.
    ChromaRange,
    /// Colour bars at the head.
    Bars,
    /// Line-up tone at the head.
    Tone,
}

/// Where an event sits: in the head (before the programme), the programme, or the tail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Position {
    Head,
    Programme,
    Tail,
}

/// A detected stretch of something, in seconds from the start of the file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub kind: EventKind,
    pub start_s: f64,
    pub end_s: f64,
    /// Channel name for per-channel audio events ("FL", "LFE" …); absent for whole-stream events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    /// Audio stream index (ffprobe numbering) for audio events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream: Option<u32>,
    pub position: Position,
    /// Source timecode of `start_s` and `end_s` when the file has a start timecode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timecode_in: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timecode_out: Option<String>,
}

impl Event {
    pub fn duration_s(&self) -> f64 {
        self.end_s - self.start_s
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChannelReport {
    pub name: String,
    pub peak_dbfs: Option<f64>,
    pub true_peak_dbtp: Option<f64>,
    pub rms_dbfs: Option<f64>,
    /// Below the silence threshold for the whole stream.
    pub silent: bool,
    pub clipped_samples: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PhaseReport {
    pub left: String,
    pub right: String,
    /// Pearson correlation over the programme; about −1 means one channel is inverted.
    pub correlation: Option<f64>,
}

/// One audio stream (one programme mix: stereo, 5.1 …).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AudioReport {
    pub stream_index: u32,
    pub layout: String,
    pub sample_rate: u32,
    pub duration_s: f64,
    pub loudness: Loudness,
    pub timeline: LoudnessTimeline,
    pub channels: Vec<ChannelReport>,
    pub phase: Vec<PhaseReport>,
    pub head_tone: Option<Tone>,
}

/// The analysed video stream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VideoReport {
    pub stream_index: u32,
    pub frames: u64,
    pub frame_rate: Option<FrameRate>,
    pub duration_s: f64,
    /// The reduced size the picture checks ran at.
    pub analysed_width: u32,
    pub analysed_height: u32,
    /// Colour bars from the first frame on, in seconds (0 when none).
    pub head_bars_s: f64,
    pub black_frames: u64,
    pub out_of_range_frames: u64,
}

/// Where the programme starts and ends after head bars/tone, in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Programme {
    pub start_s: f64,
    pub end_s: f64,
    /// Length of one video frame (or 10 ms for audio-only files): the timing resolution.
    pub frame_s: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LoudnessTarget {
    pub target_lufs: f64,
    pub tolerance_lu: f64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub pass: u32,
    pub fail: u32,
    pub warn: u32,
    pub manual: u32,
}

/// The whole QC result of one file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QcReport {
    pub schema: String,
    pub file: String,
    /// `fail` when any check failed; warnings and manual items do not fail a file.
    pub status: Verdict,
    pub profiles: Vec<String>,
    pub summary: Summary,
    /// Loudness of the first audio stream (the main programme); all null without audio.
    pub loudness: Loudness,
    /// The first profile's loudness target, for plots.
    pub loudness_target: Option<LoudnessTarget>,
    pub events: Vec<Event>,
    pub checks: Vec<Check>,
    pub probe: Probe,
    pub audio: Vec<AudioReport>,
    pub video: Option<VideoReport>,
    pub programme: Programme,
    /// ffmpeg's error lines during the decode (a clean file has none).
    pub decode_errors: Vec<String>,
    pub postflow_version: String,
    pub elapsed_s: f64,
    /// The QuickTime/MP4 timecode track and its breaks; null when the file has none. (Added
    /// after the first release of `postflow.qc/1`; absent in older documents.)
    #[serde(default)]
    pub timecode_track: Option<TimecodeTrack>,
    /// The detection thresholds this run used. (Added after the first release; absent in
    /// older documents.)
    #[serde(default)]
    pub detection: Option<DetectionUsed>,
}

/// The thresholds of a run and which profile asked for each one that is not the default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DetectionUsed {
    #[serde(flatten)]
    pub settings: DetectSettings,
    /// Setting key → the profile whose `[detection]` value was used (defaults are not listed).
    #[serde(default)]
    pub set_by: std::collections::BTreeMap<String, String>,
}

impl QcReport {
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|_| "{}".into())
    }

    pub fn from_json(s: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(s)
    }

    /// Sets `status` and `summary` from the checks.
    pub fn tally(&mut self) {
        let mut s = Summary::default();
        for c in &self.checks {
            match c.status {
                CheckStatus::Pass => s.pass += 1,
                CheckStatus::Fail => s.fail += 1,
                CheckStatus::Warn => s.warn += 1,
                CheckStatus::Manual => s.manual += 1,
            }
        }
        self.summary = s;
        self.status = if s.fail > 0 {
            Verdict::Fail
        } else {
            Verdict::Pass
        };
    }
}
