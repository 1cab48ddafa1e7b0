//! Detection thresholds: the values event detection runs with, their keys, ranges and which
//! way is more sensitive. Pure data, shared by the decoder, the analysis, the profiles and the
//! report (so none of them depends on another for it).
use crate::video::PictureSettings;
use serde::{Deserialize, Serialize};

/// Detection thresholds for events (the checks then apply each profile's duration limits).
///
/// The defaults follow ffmpeg's blackdetect, freezedetect and silencedetect and EBU R 103; a
/// delivery profile's `[detection]` table overrides them (see `profile::DetectionRules`
/// and [`DetectSettings::for_profiles`]). The key names here are the profile's key names.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DetectSettings {
    /// blackdetect `pix_th`: a pixel is black below this fraction of the luma range above black.
    pub black_pixel_threshold: f64,
    /// blackdetect `pic_th`: a frame is black when this fraction of its pixels is black.
    pub black_picture_ratio: f64,
    /// freezedetect `n` as a ratio: a mean absolute frame difference below this is "no change".
    pub freeze_noise: f64,
    /// freezedetect `d`: shortest freeze reported.
    pub freeze_min_s: f64,
    /// Legal 8-bit luma and chroma codes (EBU R 103: −1 % … 103 % → luma 5…246, chroma 4…245).
    pub luma_min: u8,
    pub luma_max: u8,
    pub chroma_min: u8,
    pub chroma_max: u8,
    /// A frame is out of range when more than this fraction of its pixels is (EBU R 103: 1 %).
    pub out_of_range_ratio: f64,
    /// silencedetect `noise`: a 10 ms window is silent when its peak is below this.
    pub silence_threshold_db: f64,
    /// Shortest silence reported.
    pub silence_min_s: f64,
    /// A sample at or above this level counts as clipped (in runs of 3 or more).
    pub clip_level_dbfs: f64,
    /// Clipped windows closer than this merge into one event.
    pub clip_merge_s: f64,
    /// Points in each loudness timeline (how the report plots, not what it detects).
    #[serde(skip)]
    pub timeline_points: usize,
}

impl Default for DetectSettings {
    fn default() -> Self {
        let p = PictureSettings::default();
        DetectSettings {
            black_pixel_threshold: p.black_pixel_threshold,
            black_picture_ratio: p.black_picture_ratio,
            freeze_noise: p.freeze_noise,
            freeze_min_s: 2.0,
            luma_min: p.luma_min,
            luma_max: p.luma_max,
            chroma_min: p.chroma_min,
            chroma_max: p.chroma_max,
            out_of_range_ratio: p.out_of_range_ratio,
            silence_threshold_db: -60.0,
            silence_min_s: 1.0,
            clip_level_dbfs: -0.01,
            clip_merge_s: 0.5,
            timeline_points: 1200,
        }
    }
}

/// Which way a setting makes detection more sensitive (report more events).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sensitive {
    /// A higher value reports more (e.g. the silence threshold).
    Higher,
    /// A lower value reports more (e.g. the shortest freeze).
    Lower,
}

/// One detection setting as a profile names it: its range and which way is more sensitive.
#[derive(Debug, Clone, Copy)]
pub struct SettingSpec {
    pub key: &'static str,
    pub min: f64,
    pub max: f64,
    /// Whether `min` itself is excluded.
    pub min_exclusive: bool,
    /// Whether the value must be a whole number (the 8-bit code values).
    pub integer: bool,
    pub unit: &'static str,
    pub sensitive: Sensitive,
}

const fn spec(
    key: &'static str,
    min: f64,
    min_exclusive: bool,
    max: f64,
    unit: &'static str,
    sensitive: Sensitive,
) -> SettingSpec {
    SettingSpec {
        key,
        min,
        max,
        min_exclusive,
        integer: false,
        unit,
        sensitive,
    }
}

const fn code(key: &'static str, sensitive: Sensitive) -> SettingSpec {
    SettingSpec {
        key,
        min: 0.0,
        max: 255.0,
        min_exclusive: false,
        integer: true,
        unit: "(8-bit code)",
        sensitive,
    }
}

/// Every detection setting a profile's `[detection]` table may set, in report order.
pub const SETTINGS: &[SettingSpec] = &[
    spec(
        "black_pixel_threshold",
        0.0,
        false,
        1.0,
        "of the luma range",
        Sensitive::Higher,
    ),
    spec(
        "black_picture_ratio",
        0.0,
        true,
        1.0,
        "of the pixels",
        Sensitive::Lower,
    ),
    spec(
        "freeze_noise",
        0.0,
        true,
        1.0,
        "mean difference",
        Sensitive::Higher,
    ),
    spec("freeze_min_s", 0.0, true, 3600.0, "s", Sensitive::Lower),
    code("luma_min", Sensitive::Higher),
    code("luma_max", Sensitive::Lower),
    code("chroma_min", Sensitive::Higher),
    code("chroma_max", Sensitive::Lower),
    spec(
        "out_of_range_ratio",
        0.0,
        false,
        1.0,
        "of the pixels",
        Sensitive::Lower,
    ),
    spec(
        "silence_threshold_db",
        -140.0,
        false,
        -1.0,
        "dBFS",
        Sensitive::Higher,
    ),
    spec("silence_min_s", 0.0, true, 3600.0, "s", Sensitive::Lower),
    spec(
        "clip_level_dbfs",
        -20.0,
        false,
        0.0,
        "dBFS",
        Sensitive::Lower,
    ),
    spec("clip_merge_s", 0.0, false, 60.0, "s", Sensitive::Lower),
];

impl SettingSpec {
    /// `None` when `v` is allowed, else why not (one phrase).
    pub fn check(&self, v: f64) -> Option<String> {
        let low_ok = if self.min_exclusive {
            v > self.min
        } else {
            v >= self.min
        };
        if !v.is_finite() || !low_ok || v > self.max {
            let open = if self.min_exclusive { "above" } else { "from" };
            return Some(format!(
                "{v} is out of range; use a value {open} {} up to {} {}",
                self.min, self.max, self.unit
            ));
        }
        if self.integer && v.fract() != 0.0 {
            return Some(format!("{v} is not a whole number from 0 to 255"));
        }
        None
    }

    /// Whether `a` reports more than `b`.
    pub fn more_sensitive(&self, a: f64, b: f64) -> bool {
        match self.sensitive {
            Sensitive::Higher => a > b,
            Sensitive::Lower => a < b,
        }
    }
}

impl DetectSettings {
    /// The value of a setting by its profile key (`None` for an unknown key).
    pub fn get(&self, key: &str) -> Option<f64> {
        Some(match key {
            "black_pixel_threshold" => self.black_pixel_threshold,
            "black_picture_ratio" => self.black_picture_ratio,
            "freeze_noise" => self.freeze_noise,
            "freeze_min_s" => self.freeze_min_s,
            "luma_min" => self.luma_min as f64,
            "luma_max" => self.luma_max as f64,
            "chroma_min" => self.chroma_min as f64,
            "chroma_max" => self.chroma_max as f64,
            "out_of_range_ratio" => self.out_of_range_ratio,
            "silence_threshold_db" => self.silence_threshold_db,
            "silence_min_s" => self.silence_min_s,
            "clip_level_dbfs" => self.clip_level_dbfs,
            "clip_merge_s" => self.clip_merge_s,
            _ => return None,
        })
    }

    /// Sets a setting by its profile key; values are validated by the profile parser.
    pub fn set(&mut self, key: &str, v: f64) {
        let byte = v.clamp(0.0, 255.0) as u8;
        match key {
            "black_pixel_threshold" => self.black_pixel_threshold = v,
            "black_picture_ratio" => self.black_picture_ratio = v,
            "freeze_noise" => self.freeze_noise = v,
            "freeze_min_s" => self.freeze_min_s = v,
            "luma_min" => self.luma_min = byte,
            "luma_max" => self.luma_max = byte,
            "chroma_min" => self.chroma_min = byte,
            "chroma_max" => self.chroma_max = byte,
            "out_of_range_ratio" => self.out_of_range_ratio = v,
            "silence_threshold_db" => self.silence_threshold_db = v,
            "silence_min_s" => self.silence_min_s = v,
            "clip_level_dbfs" => self.clip_level_dbfs = v,
            "clip_merge_s" => self.clip_merge_s = v,
            _ => {}
        }
    }

    /// The picture analyser's settings.
    pub fn picture(&self) -> PictureSettings {
        PictureSettings {
            black_pixel_threshold: self.black_pixel_threshold,
            black_picture_ratio: self.black_picture_ratio,
            freeze_noise: self.freeze_noise,
            luma_min: self.luma_min,
            luma_max: self.luma_max,
            chroma_min: self.chroma_min,
            chroma_max: self.chroma_max,
            out_of_range_ratio: self.out_of_range_ratio,
        }
    }

    /// The clip level as a linear sample magnitude.
    pub fn clip_level(&self) -> f32 {
        10f64.powf(self.clip_level_dbfs / 20.0) as f32
    }
}
