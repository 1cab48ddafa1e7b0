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

/// Parses one profile; errors name the file, the line and the offending key.
pub fn parse_profile(file: &str, text: &str) -> Result<Profile, QcError> {
    let p: Profile = toml::from_str(text).map_err(|e| {
        let line = e
            .span()
            .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
        let msg = e.message().trim().to_string();
        QcError::Profile {
            file: file.to_string(),
            detail: match line {
                Some(l) => format!("line {l}: {msg}"),
                None => msg,
            },
        }
    })?;
    validate(file, &p)?;
    validate_detection(file, text, &p)?;
    Ok(p)
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
