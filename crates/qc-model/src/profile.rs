//! Delivery profiles as data (F17): TOML files naming the checks and limits of a delivery spec.
//!
//! The built-in profiles are embedded from `crates/qc-model/profiles/*.toml`; studios add their own with
//! `--profile-file` or a profiles directory. Unknown keys are errors, reported with file and line.
use crate::detection::{DetectSettings, SETTINGS};
use crate::error::QcError;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// One delivery spec.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// Short name used on the command line, e.g. "ebu-r128".
    pub name: String,
    pub title: String,
    #[serde(default)]
    pub description: String,
    pub container: Option<ContainerRules>,
    pub video: Option<VideoRules>,
    pub audio: Option<AudioRules>,
    pub loudness: Option<LoudnessRules>,
    pub timecode: Option<TimecodeRules>,
    pub duration: Option<DurationRules>,
    pub black: Option<BlackRules>,
    pub freeze: Option<FreezeRules>,
    pub silence: Option<SilenceRules>,
    pub clipping: Option<ClipRules>,
    pub levels: Option<LevelRules>,
    pub bars_tone: Option<BarsToneRules>,
    pub file: Option<FileRules>,
    /// Detection thresholds for this delivery (defaults where absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detection: Option<DetectionRules>,
    /// Checks a person signs off (captions spelling, safe title area …).
    #[serde(default)]
    pub manual: Vec<ManualItem>,
    /// How a master for this delivery is encoded (`delivery_encode` jobs); profiles without it
    /// cannot be encoded for — their masters come from the finishing suite.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encode: Option<EncodeSettings>,
}

/// `[encode]`: the settings of a delivery encode. Absent fields keep the source's value (size,
/// rate, channels) or the codec's default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EncodeSettings {
    /// One of [`VIDEO_CODECS`].
    pub codec: String,
    /// mp4, mov or mxf.
    pub container: String,
    /// WIDTHxHEIGHT; default: the source's.
    pub resolution: Option<String>,
    /// e.g. "25", "23.976", "30000/1001"; default: the source's.
    pub frame_rate: Option<String>,
    /// e.g. yuv420p, yuv422p10le; default: the codec's usual one.
    pub pixel_format: Option<String>,
    /// Video bitrate, e.g. "8M" or "12000k"; default: constant quality (H.264/HEVC) or the
    /// codec's own rate (ProRes, DNxHR).
    pub bitrate: Option<String>,
    /// One of [`AUDIO_CODECS`]; default: aac in mp4, pcm_s24le otherwise.
    pub audio_codec: Option<String>,
    /// Hz; default 48000.
    pub audio_rate: Option<u32>,
    /// Default: the source's.
    pub audio_channels: Option<u32>,
    /// e.g. "320k" (aac only).
    pub audio_bitrate: Option<String>,
    /// Integrated loudness the audio is normalised to (ffmpeg `loudnorm`, two passes).
    pub loudness_target_lufs: Option<f64>,
    /// The true-peak ceiling of that normalisation (default -1 dBTP).
    pub true_peak_dbtp: Option<f64>,
    /// The loudness range target of that normalisation (default 20 LU; a programme whose range
    /// is wider is compressed dynamically rather than turned up or down as a whole).
    pub loudness_range_lu: Option<f64>,
}

/// The video codecs `[encode] codec` may name.
pub const VIDEO_CODECS: &[&str] = &[
    "h264",
    "hevc",
    "prores_proxy",
    "prores_lt",
    "prores_422",
    "prores_hq",
    "prores_4444",
    "dnxhr_lb",
    "dnxhr_sq",
    "dnxhr_hq",
    "dnxhr_hqx",
];
/// The containers `[encode] container` may name.
pub const CONTAINERS: &[&str] = &["mp4", "mov", "mxf"];
/// The audio codecs `[encode] audio_codec` may name.
pub const AUDIO_CODECS: &[&str] = &["aac", "pcm_s16le", "pcm_s24le", "pcm_s32le"];

impl EncodeSettings {
    pub fn audio_codec(&self) -> &str {
        match &self.audio_codec {
            Some(c) => c,
            None if self.container == "mp4" => "aac",
            None => "pcm_s24le",
        }
    }
}

/// "8M", "12000k", "2500000": a bitrate ffmpeg reads, in bits per second.
pub fn parse_bitrate(s: &str) -> Option<u64> {
    let t = s.trim();
    let (digits, scale) = match t.chars().last()? {
        'k' | 'K' => (&t[..t.len() - 1], 1_000.0),
        'm' | 'M' => (&t[..t.len() - 1], 1_000_000.0),
        _ => (t, 1.0),
    };
    let v: f64 = digits.parse().ok()?;
    (v.is_finite() && v > 0.0).then_some((v * scale) as u64)
}

/// How a failed rule counts: `fail` fails QC, `warn` only warns.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    #[default]
    Fail,
    Warn,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContainerRules {
    /// Accepted formats as ffprobe names them ("mov", "mp4", "mxf", "matroska").
    #[serde(default)]
    pub formats: Vec<String>,
    /// MP4/MOV: the `moov` box must precede `mdat` (progressive download / "fast start").
    pub faststart: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VideoRules {
    #[serde(default = "yes")]
    pub required: bool,
    #[serde(default)]
    pub codecs: Vec<String>,
    /// Codec profiles as ffprobe names them ("High", "HQ", "Main 10").
    #[serde(default)]
    pub profiles: Vec<String>,
    /// "1920x1080" …
    #[serde(default)]
    pub resolutions: Vec<String>,
    /// "25", "29.97", "30000/1001" …
    #[serde(default)]
    pub frame_rates: Vec<String>,
    /// "progressive" and/or "interlaced".
    #[serde(default)]
    pub scan: Vec<String>,
    #[serde(default)]
    pub pix_fmts: Vec<String>,
    pub min_bit_depth: Option<u32>,
    #[serde(default)]
    pub color_primaries: Vec<String>,
    #[serde(default)]
    pub color_transfer: Vec<String>,
    #[serde(default)]
    pub color_matrix: Vec<String>,
    #[serde(default)]
    pub display_aspect: Vec<String>,
    #[serde(default)]
    pub allow_vfr: bool,
    pub max_bit_rate_mbps: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AudioRules {
    #[serde(default = "yes")]
    pub required: bool,
    #[serde(default)]
    pub codecs: Vec<String>,
    #[serde(default)]
    pub profiles: Vec<String>,
    #[serde(default)]
    pub sample_rates: Vec<u32>,
    pub min_bit_depth: Option<u32>,
    /// Declared mix formats, one per audio stream in order: ["stereo", "5.1"] or ["stereo+5.1"].
    #[serde(default)]
    pub layouts: Vec<String>,
    #[serde(default = "yes")]
    pub no_silent_channels: bool,
    /// An L/R pair correlating below this is reported as phase-inverted.
    pub phase_min_correlation: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoudnessRules {
    pub target_lufs: Option<f64>,
    #[serde(default = "one")]
    pub tolerance_lu: f64,
    /// "programme" (BS.1770 gating over everything) or "dialogue" (not automatable here: a manual
    /// item is added and the programme figure checked against `target_lufs`).
    #[serde(default = "programme")]
    pub gating: String,
    pub max_true_peak_dbtp: Option<f64>,
    pub max_lra_lu: Option<f64>,
    pub max_short_term_lufs: Option<f64>,
    pub max_momentary_lufs: Option<f64>,
    #[serde(default)]
    pub severity: Severity,
    /// Free text shown with the check, e.g. where a figure comes from.
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimecodeRules {
    #[serde(default = "yes")]
    pub required: bool,
    /// Expected start, e.g. "10:00:00:00"; several are allowed (with and without bars).
    #[serde(default)]
    pub start: Vec<String>,
    /// "required", "forbidden" or "as_rate" (drop-frame exactly when the rate is 29.97/59.94).
    pub drop_frame: Option<String>,
    /// How a break in the timecode track counts: "fail" (default), "warn" or "off".
    #[serde(default)]
    pub continuity: Continuity,
}

/// How the timecode track's continuity is checked.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Continuity {
    /// A break fails QC.
    #[default]
    Fail,
    /// A break only warns.
    Warn,
    /// Not checked.
    Off,
}

/// The `[detection]` table: thresholds that decide what counts as black, frozen, silent,
/// clipped or out of range for this delivery. Every key is optional (the default applies); the
/// keys, ranges and meanings are [`SETTINGS`] / [`crate::DetectSettings`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DetectionRules {
    pub black_pixel_threshold: Option<f64>,
    pub black_picture_ratio: Option<f64>,
    pub freeze_noise: Option<f64>,
    pub freeze_min_s: Option<f64>,
    pub luma_min: Option<f64>,
    pub luma_max: Option<f64>,
    pub chroma_min: Option<f64>,
    pub chroma_max: Option<f64>,
    pub out_of_range_ratio: Option<f64>,
    pub silence_threshold_db: Option<f64>,
    pub silence_min_s: Option<f64>,
    pub clip_level_dbfs: Option<f64>,
    pub clip_merge_s: Option<f64>,
}

impl DetectionRules {
    /// The value set for a key, if any.
    pub fn get(&self, key: &str) -> Option<f64> {
        match key {
            "black_pixel_threshold" => self.black_pixel_threshold,
            "black_picture_ratio" => self.black_picture_ratio,
            "freeze_noise" => self.freeze_noise,
            "freeze_min_s" => self.freeze_min_s,
            "luma_min" => self.luma_min,
            "luma_max" => self.luma_max,
            "chroma_min" => self.chroma_min,
            "chroma_max" => self.chroma_max,
            "out_of_range_ratio" => self.out_of_range_ratio,
            "silence_threshold_db" => self.silence_threshold_db,
            "silence_min_s" => self.silence_min_s,
            "clip_level_dbfs" => self.clip_level_dbfs,
            "clip_merge_s" => self.clip_merge_s,
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DurationRules {
    pub expected_s: Option<f64>,
    #[serde(default)]
    pub tolerance_s: f64,
    pub min_s: Option<f64>,
    pub max_s: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BlackRules {
    pub head_min_s: Option<f64>,
    pub head_max_s: Option<f64>,
    pub tail_min_s: Option<f64>,
    pub tail_max_s: Option<f64>,
    /// Longest black allowed inside the programme (0 = none of any length).
    pub programme_max_s: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FreezeRules {
    /// Longest freeze allowed inside the programme.
    pub programme_max_s: Option<f64>,
    #[serde(default)]
    pub severity: Severity,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SilenceRules {
    /// Longest silence (all channels of a stream) allowed inside the programme.
    pub programme_max_s: Option<f64>,
    pub head_max_s: Option<f64>,
    pub tail_max_s: Option<f64>,
    #[serde(default)]
    pub severity: Severity,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClipRules {
    #[serde(default)]
    pub max_events: u32,
    #[serde(default)]
    pub severity: Severity,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LevelRules {
    /// Longest run of frames with out-of-range luma or chroma allowed (EBU R 103 gamut).
    #[serde(default)]
    pub max_out_of_range_s: f64,
    #[serde(default)]
    pub severity: Severity,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BarsToneRules {
    #[serde(default)]
    pub bars_required: bool,
    #[serde(default)]
    pub tone_required: bool,
    #[serde(default = "ten")]
    pub min_s: f64,
    pub tone_level_dbfs: Option<f64>,
    #[serde(default = "half")]
    pub tone_tolerance_db: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileRules {
    pub max_size_mb: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManualItem {
    pub id: String,
    pub text: String,
}

fn yes() -> bool {
    true
}
fn one() -> f64 {
    1.0
}
fn ten() -> f64 {
    10.0
}
fn half() -> f64 {
    0.5
}
fn programme() -> String {
    "programme".into()
}

/// The profiles shipped in the binary: (file name, TOML).
pub const BUILTIN: &[(&str, &str)] = &[
    ("basic.toml", include_str!("../profiles/basic.toml")),
    ("youtube.toml", include_str!("../profiles/youtube.toml")),
    (
        "netflix-master.toml",
        include_str!("../profiles/netflix-master.toml"),
    ),
    ("ebu-r128.toml", include_str!("../profiles/ebu-r128.toml")),
    ("atsc-a85.toml", include_str!("../profiles/atsc-a85.toml")),
    ("instagram.toml", include_str!("../profiles/instagram.toml")),
    ("tiktok.toml", include_str!("../profiles/tiktok.toml")),
];

/// The line of `key = …` inside `[table]` of a TOML text, for error messages.
fn line_of(text: &str, table: &str, key: &str) -> Option<usize> {
    let mut inside = false;
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if t.starts_with('[') {
            inside = t.trim_start_matches('[').trim_end_matches(']').trim() == table;
        } else if inside
            && t.strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        {
            return Some(i + 1);
        }
    }
    None
}

/// `table.key` of the `key = …` on line `line` (1-based) of a TOML text.
fn key_at(text: &str, line: usize) -> Option<String> {
    let lines: Vec<&str> = text.lines().collect();
    let key = lines.get(line.checked_sub(1)?)?.split_once('=')?.0.trim();
    if key.is_empty() || key.starts_with('[') {
        return None;
    }
    let table = lines[..line - 1]
        .iter()
        .rev()
        .map(|l| l.trim())
        .find(|l| l.starts_with('['))
        .map(|l| l.trim_matches(|c| c == '[' || c == ']').trim().to_string());
    Some(match table {
        Some(t) => format!("{t}.{key}"),
        None => key.to_string(),
    })
}

/// Parses one profile; errors name the file, the line and the offending key.
pub fn parse_profile(file: &str, text: &str) -> Result<Profile, QcError> {
    let p: Profile = toml::from_str(text).map_err(|e| {
        let line = e
            .span()
            .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
        let msg = e.message().trim().to_string();
        // A wrong type ("expected u32") does not say whose; the line does.
        let field = line
            .and_then(|l| key_at(text, l))
            .filter(|k| !msg.contains(k.rsplit('.').next().unwrap_or(k)))
            .map(|k| format!("{k}: "))
            .unwrap_or_default();
        QcError::Profile {
            file: file.to_string(),
            detail: match line {
                Some(l) => format!("line {l}: {field}{msg}"),
                None => msg,
            },
        }
    })?;
    validate(file, &p)?;
    validate_detection(file, text, &p)?;
    validate_encode(file, text, &p)?;
    Ok(p)
}

fn validate_encode(file: &str, text: &str, p: &Profile) -> Result<(), QcError> {
    let Some(e) = &p.encode else {
        return Ok(());
    };
    let err = |key: &str, why: String| {
        let at = line_of(text, "encode", key)
            .map(|l| format!("line {l}: "))
            .unwrap_or_default();
        QcError::Profile {
            file: file.to_string(),
            detail: format!("{at}encode.{key}: {why}"),
        }
    };
    let one_of = |key: &str, v: &str, allowed: &[&str]| {
        if allowed.contains(&v) {
            Ok(())
        } else {
            Err(err(
                key,
                format!("`{v}` is not one of {}", allowed.join(", ")),
            ))
        }
    };
    one_of("codec", &e.codec, VIDEO_CODECS)?;
    one_of("container", &e.container, CONTAINERS)?;
    if let Some(c) = &e.audio_codec {
        one_of("audio_codec", c, AUDIO_CODECS)?;
    }
    if e.container == "mp4" && (e.codec.starts_with("prores") || e.codec.starts_with("dnxhr")) {
        return Err(err(
            "container",
            format!("{} does not go in mp4; use mov or mxf", e.codec),
        ));
    }
    if e.container == "mp4" && e.audio_codec().starts_with("pcm") {
        return Err(err(
            "audio_codec",
            format!(
                "{} does not go in mp4; use aac or a mov/mxf container",
                e.audio_codec()
            ),
        ));
    }
    if let Some(r) = &e.resolution {
        match parse_resolution(r) {
            Some((w, h))
                if w >= 16 && h >= 16 && w <= 16384 && h <= 16384 && w % 2 == 0 && h % 2 == 0 => {}
            _ => {
                return Err(err(
                    "resolution",
                    format!("`{r}` is not WIDTHxHEIGHT with even sizes from 16 to 16384"),
                ))
            }
        }
    }
    if let Some(r) = &e.frame_rate {
        r.parse::<postflow_core::timecode::FrameRate>()
            .map_err(|why| err("frame_rate", format!("`{r}`: {why}")))?;
    }
    if let Some(f) = &e.pixel_format {
        let plausible = !f.is_empty()
            && f.len() <= 32
            && f.starts_with(|c: char| c.is_ascii_lowercase())
            && f.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !plausible {
            return Err(err(
                "pixel_format",
                format!("`{f}` is not a pixel format name such as yuv420p or yuv422p10le"),
            ));
        }
    }
    for (key, v) in [("bitrate", &e.bitrate), ("audio_bitrate", &e.audio_bitrate)] {
        if let Some(b) = v {
            if parse_bitrate(b).is_none() {
                return Err(err(
                    key,
                    format!("`{b}` is not a bitrate such as 8M, 320k or 2500000"),
                ));
            }
        }
    }
    if let Some(r) = e.audio_rate {
        if ![32000, 44100, 48000, 96000].contains(&r) {
            return Err(err(
                "audio_rate",
                format!("{r} is not 32000, 44100, 48000 or 96000"),
            ));
        }
    }
    if let Some(c) = e.audio_channels {
        if !(1..=16).contains(&c) {
            return Err(err("audio_channels", format!("{c} is not 1 to 16")));
        }
    }
    if let Some(l) = e.loudness_target_lufs {
        if !(-70.0..=-5.0).contains(&l) {
            return Err(err(
                "loudness_target_lufs",
                format!("{l} is not a loudness from -70 to -5 LUFS"),
            ));
        }
    }
    if let Some(t) = e.true_peak_dbtp {
        if !(-9.0..=0.0).contains(&t) {
            return Err(err(
                "true_peak_dbtp",
                format!("{t} is not a true peak from -9 to 0 dBTP"),
            ));
        }
        if e.loudness_target_lufs.is_none() {
            return Err(err(
                "true_peak_dbtp",
                "is the ceiling of a loudness normalisation; set loudness_target_lufs too".into(),
            ));
        }
    }
    if let Some(r) = e.loudness_range_lu {
        if !(1.0..=20.0).contains(&r) {
            return Err(err(
                "loudness_range_lu",
                format!("{r} is not a loudness range from 1 to 20 LU"),
            ));
        }
    }
    Ok(())
}

fn validate_detection(file: &str, text: &str, p: &Profile) -> Result<(), QcError> {
    let Some(d) = &p.detection else {
        return Ok(());
    };
    let err = |key: &str, why: String| {
        let at = line_of(text, "detection", key)
            .map(|l| format!("line {l}: "))
            .unwrap_or_default();
        QcError::Profile {
            file: file.to_string(),
            detail: format!("{at}detection.{key}: {why}"),
        }
    };
    for s in SETTINGS {
        if let Some(why) = d.get(s.key).and_then(|v| s.check(v)) {
            return Err(err(s.key, why));
        }
    }
    let base = DetectSettings::default();
    for (lo, hi) in [("luma_min", "luma_max"), ("chroma_min", "chroma_max")] {
        let v = |k: &str| d.get(k).or(base.get(k)).unwrap_or(0.0);
        if v(lo) >= v(hi) {
            let key = if d.get(lo).is_some() { lo } else { hi };
            return Err(err(
                key,
                format!("{lo} ({}) must be below {hi} ({})", v(lo), v(hi)),
            ));
        }
    }
    Ok(())
}

fn validate(file: &str, p: &Profile) -> Result<(), QcError> {
    let err = |detail: String| QcError::Profile {
        file: file.to_string(),
        detail,
    };
    if p.name.trim().is_empty() || p.name.contains(char::is_whitespace) {
        return Err(err(format!("`name` must be one word, not {:?}", p.name)));
    }
    if let Some(v) = &p.video {
        for r in &v.frame_rates {
            r.parse::<postflow_core::timecode::FrameRate>()
                .map_err(|e| err(format!("video.frame_rates: {e}")))?;
        }
        for r in &v.resolutions {
            parse_resolution(r)
                .ok_or_else(|| err(format!("video.resolutions: `{r}` is not WIDTHxHEIGHT")))?;
        }
        for s in &v.scan {
            if s != "progressive" && s != "interlaced" {
                return Err(err(format!(
                    "video.scan: `{s}` is not progressive or interlaced"
                )));
            }
        }
    }
    if let Some(a) = &p.audio {
        for l in &a.layouts {
            crate::layout::DeclaredLayout::parse(l)
                .ok_or_else(|| err(format!("audio.layouts: `{l}` is not a known layout (mono, stereo, 5.1, 7.1, stereo+5.1 …)")))?;
        }
    }
    if let Some(l) = &p.loudness {
        if l.gating != "programme" && l.gating != "dialogue" {
            return Err(err(format!(
                "loudness.gating: `{}` is not programme or dialogue",
                l.gating
            )));
        }
    }
    if let Some(t) = &p.timecode {
        if let Some(d) = &t.drop_frame {
            if !["required", "forbidden", "as_rate"].contains(&d.as_str()) {
                return Err(err(format!(
                    "timecode.drop_frame: `{d}` is not required, forbidden or as_rate"
                )));
            }
        }
        for s in &t.start {
            let ok = s.len() == 11
                && s.bytes().enumerate().all(|(i, b)| {
                    if i % 3 == 2 {
                        b == b':' || b == b';'
                    } else {
                        b.is_ascii_digit()
                    }
                });
            if !ok {
                return Err(err(format!("timecode.start: `{s}` is not HH:MM:SS:FF")));
            }
        }
    }
    Ok(())
}

pub fn parse_resolution(s: &str) -> Option<(u32, u32)> {
    let (w, h) = s.trim().split_once(['x', 'X', '×'])?;
    Some((w.trim().parse().ok()?, h.trim().parse().ok()?))
}

/// Built-in profiles plus any `*.toml` in `dirs` (later ones replace earlier ones by name).
#[derive(Debug, Clone, Default)]
pub struct ProfileSet {
    pub profiles: Vec<(String, Profile)>,
}

impl ProfileSet {
    pub fn builtin() -> Self {
        let mut s = ProfileSet::default();
        for (file, text) in BUILTIN {
            // Built-ins are tested to parse; a broken one is skipped rather than panicking.
            if let Ok(p) = parse_profile(&format!("builtin:{file}"), text) {
                s.insert(format!("builtin:{file}"), p);
            }
        }
        s
    }

    pub fn insert(&mut self, source: String, p: Profile) {
        self.profiles.retain(|(_, q)| q.name != p.name);
        self.profiles.push((source, p));
    }

    /// Adds every `*.toml` in `dir` (sorted by name).
    pub fn add_dir(&mut self, dir: &Path) -> Result<(), QcError> {
        let rd = std::fs::read_dir(dir).map_err(|cause| QcError::Io {
            path: dir.to_path_buf(),
            cause,
        })?;
        let mut files: Vec<_> = rd
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        files.sort();
        for f in files {
            self.add_file(&f)?;
        }
        Ok(())
    }

    /// Adds one profile file and returns its name.
    pub fn add_file(&mut self, file: &Path) -> Result<String, QcError> {
        let text = std::fs::read_to_string(file).map_err(|cause| QcError::Io {
            path: file.to_path_buf(),
            cause,
        })?;
        let p = parse_profile(&file.display().to_string(), &text)?;
        let name = p.name.clone();
        self.insert(file.display().to_string(), p);
        Ok(name)
    }

    pub fn get(&self, name: &str) -> Result<&Profile, QcError> {
        self.profiles
            .iter()
            .map(|(_, p)| p)
            .find(|p| p.name == name)
            .ok_or_else(|| QcError::UnknownProfile {
                name: name.to_string(),
            })
    }
}

impl DetectSettings {
    /// The thresholds for a run against several profiles.
    ///
    /// Each profile asks for its own `[detection]` value of a setting, or `base`'s where it sets
    /// none; the run uses the most sensitive of those asks (the one that reports the most), so
    /// every event any one profile's thresholds would find is found, and each profile's checks
    /// then judge those events by its own limits. Returns the settings and, for each setting a
    /// profile decided, that profile's name.
    pub fn for_profiles(
        base: &DetectSettings,
        profiles: &[crate::profile::Profile],
    ) -> (DetectSettings, std::collections::BTreeMap<String, String>) {
        let mut out = *base;
        let mut set_by = std::collections::BTreeMap::new();
        for s in SETTINGS {
            let Some(default) = base.get(s.key) else {
                continue;
            };
            let mut best: Option<(f64, &str)> = None;
            for p in profiles {
                let v = p
                    .detection
                    .as_ref()
                    .and_then(|d| d.get(s.key))
                    .map(|v| (v, p.name.as_str()));
                let (v, who) = v.unwrap_or((default, ""));
                if best.is_none_or(|(b, _)| s.more_sensitive(v, b)) {
                    best = Some((v, who));
                }
            }
            if let Some((v, who)) = best {
                out.set(s.key, v);
                if !who.is_empty() && v != default {
                    set_by.insert(s.key.to_string(), who.to_string());
                }
            }
        }
        (out, set_by)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_encode(encode: &str) -> Result<Profile, QcError> {
        parse_profile(
            "studio.toml",
            &format!("name = \"studio\"\ntitle = \"Studio\"\n\n[encode]\n{encode}\n"),
        )
    }

    #[test]
    fn encode_settings_are_read_from_the_profile() {
        let p = with_encode(
            "codec = \"prores_hq\"\ncontainer = \"mov\"\nresolution = \"1920x1080\"\nframe_rate = \"25\"\npixel_format = \"yuv422p10le\"\naudio_codec = \"pcm_s24le\"\naudio_rate = 48000\naudio_channels = 2\nbitrate = \"180M\"\nloudness_target_lufs = -23\ntrue_peak_dbtp = -1",
        )
        .unwrap();
        let e = p.encode.unwrap();
        assert_eq!(e.codec, "prores_hq");
        assert_eq!(e.loudness_target_lufs, Some(-23.0));
        assert_eq!(e.true_peak_dbtp, Some(-1.0));
        assert_eq!(
            parse_bitrate(e.bitrate.as_deref().unwrap()),
            Some(180_000_000)
        );
        let builtin = ProfileSet::builtin();
        let ebu = builtin.get("ebu-r128").unwrap().encode.clone().unwrap();
        assert_eq!(ebu.loudness_target_lufs, Some(-23.0));
        assert!(builtin.get("youtube").unwrap().encode.is_some());
    }

    #[test]
    fn a_bad_encode_field_is_named_with_its_line() {
        let cases = [
            ("codec = \"xvid\"\ncontainer = \"mov\"", "line 5: encode.codec: `xvid` is not one of h264"),
            ("codec = \"h264\"\ncontainer = \"avi\"", "line 6: encode.container: `avi`"),
            ("codec = \"h264\"\ncontainer = \"mp4\"\nloudness_target_lufs = 3", "line 7: encode.loudness_target_lufs: 3 is not a loudness"),
            ("codec = \"h264\"\ncontainer = \"mp4\"\nloudness_target_lufs = -23\ntrue_peak_dbtp = 2", "line 8: encode.true_peak_dbtp: 2 is not a true peak"),
            ("codec = \"h264\"\ncontainer = \"mp4\"\nframe_rate = \"fast\"", "line 7: encode.frame_rate: `fast`"),
            ("codec = \"h264\"\ncontainer = \"mp4\"\nresolution = \"1920x\"", "line 7: encode.resolution"),
            ("codec = \"h264\"\ncontainer = \"mp4\"\nbitrate = \"lots\"", "line 7: encode.bitrate: `lots`"),
            ("codec = \"h264\"\ncontainer = \"mp4\"\naudio_rate = \"48k\"", "line 7: encode.audio_rate: "),
            ("codec = \"h264\"\ncontainer = \"mp4\"\nloudnes_target = -23", "line 7: unknown field `loudnes_target`"),
            ("codec = \"prores_hq\"\ncontainer = \"mp4\"", "encode.container: prores_hq does not go in mp4"),
        ];
        for (encode, expected) in cases {
            let e = with_encode(encode).unwrap_err().to_string();
            assert!(
                e.contains("studio.toml") && e.contains(expected),
                "{encode:?} → {e}"
            );
        }
    }

    #[test]
    fn every_builtin_profile_parses() {
        for (file, text) in BUILTIN {
            parse_profile(file, text).unwrap_or_else(|e| panic!("{e}"));
        }
        // The commented [detection] example in basic.toml states the defaults and parses.
        let (_, basic) = BUILTIN.iter().find(|(f, _)| *f == "basic.toml").unwrap();
        let example: String = basic
            .lines()
            .skip_while(|l| !l.starts_with("# [detection]"))
            .map(|l| l.trim_start_matches("# "))
            .collect::<Vec<_>>()
            .join("\n");
        let p = parse_profile(
            "example",
            &format!("name = \"e\"\ntitle = \"E\"\n{example}"),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let d = p.detection.unwrap();
        let defaults = DetectSettings::default();
        for s in SETTINGS {
            assert_eq!(d.get(s.key), defaults.get(s.key), "{}", s.key);
        }
        assert_eq!(ProfileSet::builtin().profiles.len(), BUILTIN.len());
    }

    #[test]
    fn a_typo_names_file_line_and_key() {
        let text =
            "name = \"x\"\ntitle = \"X\"\n\n[loudness]\ntarget_lufs = -23.0\ntolerence_lu = 1.0\n";
        let e = parse_profile("studio/x.toml", text)
            .unwrap_err()
            .to_string();
        assert!(e.contains("studio/x.toml"), "{e}");
        assert!(e.contains("line 6"), "{e}");
        assert!(e.contains("tolerence_lu"), "{e}");
    }

    #[test]
    fn detection_typos_and_out_of_range_values_name_file_line_and_key() {
        let head = "name = \"x\"\ntitle = \"X\"\n\n[detection]\nsilence_threshold_db = -50\n";
        let p = parse_profile("studio/x.toml", head).unwrap();
        assert_eq!(p.detection.unwrap().silence_threshold_db, Some(-50.0));

        let e = parse_profile(
            "studio/x.toml",
            &format!("{head}silence_treshold_db = -40\n"),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("studio/x.toml") && e.contains("line 6"), "{e}");
        assert!(e.contains("silence_treshold_db"), "{e}");

        for (line, key) in [
            ("black_picture_ratio = 1.5", "detection.black_picture_ratio"),
            ("freeze_min_s = 0", "detection.freeze_min_s"),
            (
                "silence_threshold_db = 6.0",
                "detection.silence_threshold_db",
            ),
            ("clip_level_dbfs = nan", "detection.clip_level_dbfs"),
            ("luma_max = 246.5", "detection.luma_max"),
            ("luma_min = 250", "detection.luma_min"),
        ] {
            let text = format!("name = \"x\"\ntitle = \"X\"\n[detection]\n{line}\n");
            let e = parse_profile("y.toml", &text).unwrap_err().to_string();
            assert!(
                e.starts_with("y.toml:") && e.contains("line 4") && e.contains(key),
                "{line}: {e}"
            );
        }
        let e = parse_profile(
            "y.toml",
            "name = \"x\"\ntitle = \"X\"\n[detection]\nluma_max = 300\n",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("luma_max") && e.contains("out of range"), "{e}");
    }

    #[test]
    fn several_profiles_use_the_most_sensitive_threshold_of_each() {
        use crate::detection::DetectSettings;
        let p = |name: &str, det: &str| {
            parse_profile(
                "p.toml",
                &format!("name = \"{name}\"\ntitle = \"T\"\n[detection]\n{det}\n"),
            )
            .unwrap()
        };
        let quiet = p("quiet", "silence_threshold_db = -70\nfreeze_min_s = 4");
        let strict = p(
            "strict",
            "silence_threshold_db = -45\nblack_picture_ratio = 0.9",
        );
        let base = DetectSettings::default();

        // One profile: its own values, even the less sensitive ones.
        let (d, by) = DetectSettings::for_profiles(&base, std::slice::from_ref(&quiet));
        assert_eq!((d.silence_threshold_db, d.freeze_min_s), (-70.0, 4.0));
        assert_eq!(by.get("freeze_min_s").map(String::as_str), Some("quiet"));

        // Together: the most sensitive ask per setting; a profile that sets nothing asks for the
        // default, so the default beats a less sensitive value.
        let (d, by) = DetectSettings::for_profiles(&base, &[quiet, strict]);
        assert_eq!(d.silence_threshold_db, -45.0);
        assert_eq!(d.black_picture_ratio, 0.9);
        assert_eq!(d.freeze_min_s, base.freeze_min_s);
        assert_eq!(
            by.get("silence_threshold_db").map(String::as_str),
            Some("strict")
        );
        assert!(!by.contains_key("freeze_min_s"), "{by:?}");
        assert_eq!(DetectSettings::for_profiles(&base, &[]).0, base);
    }

    #[test]
    fn timecode_continuity_is_fail_warn_or_off() {
        let t = |v: &str| {
            parse_profile(
                "t.toml",
                &format!("name = \"t\"\ntitle = \"T\"\n[timecode]\ncontinuity = \"{v}\"\n"),
            )
        };
        assert_eq!(
            t("warn").unwrap().timecode.unwrap().continuity,
            Continuity::Warn
        );
        let e = t("sometimes").unwrap_err().to_string();
        assert!(e.contains("line 4") && e.contains("sometimes"), "{e}");
    }

    #[test]
    fn bad_values_are_named() {
        let text = "name = \"x\"\ntitle = \"X\"\n[video]\nframe_rates = [\"fast\"]\n";
        let e = parse_profile("x.toml", text).unwrap_err().to_string();
        assert!(e.contains("video.frame_rates"), "{e}");
        let text = "name = \"x\"\ntitle = \"X\"\n[audio]\nlayouts = [\"9.3\"]\n";
        assert!(parse_profile("x.toml", text).is_err());
    }
}
