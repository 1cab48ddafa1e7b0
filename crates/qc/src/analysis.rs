//! From decoded statistics to reports and events: head/tail/programme classification, silence per
//! channel, clipping, black, freeze and out-of-range runs. Pure.
use crate::audio::{head_tone, ChannelData, Windows};
use crate::decode::{AudioData, Decoded};
use crate::layout::bs1770_weight;
use crate::loudness::{summarise, ChannelEnergy, SUBBLOCKS_PER_S};
use crate::probe::Probe;
use crate::report::{
    AudioReport, ChannelReport, Event, EventKind, PhaseReport, Position, Programme, VideoReport,
};
use crate::video::{black_runs, freeze_runs, runs, FrameStat, PictureSettings};
use serde::{Deserialize, Serialize};

/// Detection thresholds for events (the checks then apply each profile's duration limits).
///
/// The defaults follow ffmpeg's blackdetect, freezedetect and silencedetect and EBU R 103; a
/// delivery profile's `[detection]` table overrides them (see [`crate::profile::DetectionRules`]
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

const WIN_S: f64 = 1.0 / SUBBLOCKS_PER_S as f64;

fn db(v: f64) -> Option<f64> {
    (v > 0.0).then(|| 20.0 * v.log10())
}

/// Everything derived from one decode pass.
#[derive(Debug, Clone)]
pub struct Analysis {
    pub audio: Vec<AudioReport>,
    pub video: Option<VideoReport>,
    pub events: Vec<Event>,
    pub programme: Programme,
}

/// Loudness and channel figures of one stream.
pub fn audio_report(a: &AudioData, layout: &str, settings: &DetectSettings) -> AudioReport {
    let weights: Vec<f64> = a.channel_names.iter().map(|n| bs1770_weight(n)).collect();
    let energies: Vec<ChannelEnergy> = a.channels.iter().map(|c| c.energy.clone()).collect();
    let (loudness, timeline) =
        summarise(&energies, &weights, a.sample_rate, settings.timeline_points);
    let threshold = 10f64.powf(settings.silence_threshold_db / 20.0) as f32;
    let channels = a
        .channels
        .iter()
        .zip(&a.channel_names)
        .map(|(c, name)| ChannelReport {
            name: name.clone(),
            peak_dbfs: db(c.energy.sample_peak as f64),
            true_peak_dbtp: db(c.energy.true_peak as f64),
            rms_dbfs: db(c.mean_square.sqrt()).map(|v| v + 3.0103),
            silent: c.energy.sample_peak < threshold,
            clipped_samples: c.windows.clipped.iter().map(|v| *v as u64).sum(),
        })
        .collect();
    let phase = a
        .pairs
        .iter()
        .map(|(l, r, c)| PhaseReport {
            left: a.channel_names.get(*l).cloned().unwrap_or_default(),
            right: a.channel_names.get(*r).cloned().unwrap_or_default(),
            correlation: *c,
        })
        .collect();
    let duration_s = a
        .channels
        .first()
        .map(|c| c.samples as f64 / a.sample_rate.max(1) as f64)
        .unwrap_or(0.0);
    // Tone counts only when every non-LFE channel carries it.
    let tones: Vec<_> = a
        .channels
        .iter()
        .zip(&a.channel_names)
        .filter(|(_, n)| *n != "LFE")
        .map(|(c, _)| head_tone(&c.windows))
        .collect();
    let head_tone = if !tones.is_empty() && tones.iter().all(Option::is_some) {
        tones
            .into_iter()
            .flatten()
            .min_by(|a, b| a.duration_s.total_cmp(&b.duration_s))
    } else {
        None
    };
    AudioReport {
        stream_index: a.stream_index,
        layout: layout.to_string(),
        sample_rate: a.sample_rate,
        duration_s,
        loudness,
        timeline,
        channels,
        phase,
        head_tone,
    }
}

fn window_runs(
    w: &Windows,
    min_windows: usize,
    pred: impl Fn(usize) -> bool,
) -> Vec<(usize, usize)> {
    let idx: Vec<usize> = (0..w.peak.len()).collect();
    runs(&idx, min_windows, |i| pred(*i))
}

/// Builds reports and events from a decode pass.
pub fn analyse(probe: &Probe, decoded: &Decoded, settings: &DetectSettings) -> Analysis {
    let mut events = Vec::new();
    let mut audio = Vec::new();
    for a in &decoded.audio {
        let layout = probe
            .audio
            .iter()
            .find(|s| s.index == a.stream_index)
            .map(|s| s.layout.clone())
            .unwrap_or_default();
        audio.push(audio_report(a, &layout, settings));
    }

    let mut video = None;
    let mut frame_s = WIN_S;
    let mut head_bars_s = 0.0;
    let mut video_duration = 0.0;
    if let Some(v) = &decoded.video {
        let pv = probe.video.iter().find(|s| s.index == v.stream_index);
        let rate = pv.and_then(|s| s.avg_frame_rate.or(s.frame_rate));
        frame_s = rate.map(|r| 1.0 / r.as_f64()).unwrap_or(0.04);
        let frames: &[FrameStat] = &v.analyzer.frames;
        let s = v.analyzer.settings();
        video_duration = frames.len() as f64 * frame_s;
        let min_freeze = (settings.freeze_min_s / frame_s).round().max(2.0) as usize;
        let bars = runs(frames, 1, |f| f.bars);
        // Bars at the top of the file are the line-up; bars anywhere else are a fault in the
        // programme, reported as bars there (when at least as long as a freeze) and as a freeze.
        let head_bars = bars.first().copied().filter(|(a, _)| *a == 0);
        if let Some((_, end)) = head_bars {
            head_bars_s = end as f64 * frame_s;
            events.push(ev(EventKind::Bars, 0.0, head_bars_s, None, None));
        }
        for &(a, b) in bars.iter().skip(usize::from(head_bars.is_some())) {
            if b - a >= min_freeze {
                events.push(ev(
                    EventKind::Bars,
                    a as f64 * frame_s,
                    b as f64 * frame_s,
                    None,
                    None,
                ));
            }
        }
        for (a, b) in black_runs(frames, &s) {
            events.push(ev(
                EventKind::Black,
                a as f64 * frame_s,
                b as f64 * frame_s,
                None,
                None,
            ));
        }
        let blacks = black_runs(frames, &s);
        for (a, b) in freeze_runs(frames, &s, min_freeze) {
            // A black stretch is also a still picture; report it once, as black. The head's
            // line-up bars too; bars inside the programme stay a freeze, as freezedetect says.
            let covered = blacks
                .iter()
                .chain(head_bars.iter())
                .any(|(x, y)| *x <= a + 1 && *y >= b);
            if !covered {
                events.push(ev(
                    EventKind::Freeze,
                    a as f64 * frame_s,
                    b as f64 * frame_s,
                    None,
                    None,
                ));
            }
        }
        let thr = s.out_of_range_ratio as f32;
        for (a, b) in runs(frames, 1, |f| f.luma_out > thr && !f.bars) {
            events.push(ev(
                EventKind::LumaRange,
                a as f64 * frame_s,
                b as f64 * frame_s,
                None,
                None,
            ));
        }
        for (a, b) in runs(frames, 1, |f| f.chroma_out > thr && !f.bars) {
            events.push(ev(
                EventKind::ChromaRange,
                a as f64 * frame_s,
                b as f64 * frame_s,
                None,
                None,
            ));
        }
        video = Some(VideoReport {
            stream_index: v.stream_index,
            frames: frames.len() as u64,
            frame_rate: rate,
            duration_s: video_duration,
            analysed_width: v.width as u32,
            analysed_height: v.height as u32,
            head_bars_s,
            black_frames: frames
                .iter()
                .filter(|f| f.black_ratio as f64 >= s.black_picture_ratio)
                .count() as u64,
            out_of_range_frames: frames
                .iter()
                .filter(|f| (f.luma_out > thr || f.chroma_out > thr) && !f.bars)
                .count() as u64,
        });
    }

    let threshold = 10f64.powf(settings.silence_threshold_db / 20.0) as f32;
    let min_sil = (settings.silence_min_s / WIN_S).round().max(1.0) as usize;
    let mut head_tone_s: f64 = 0.0;
    for (a, rep) in decoded.audio.iter().zip(&audio) {
        if let Some(t) = &rep.head_tone {
            head_tone_s = head_tone_s.max(t.duration_s);
            events.push(ev(
                EventKind::Tone,
                0.0,
                t.duration_s,
                None,
                Some(a.stream_index),
            ));
        }
        let chans: &[ChannelData] = &a.channels;
        let Some(first) = chans.first() else { continue };
        let n = chans
            .iter()
            .map(|c| c.windows.peak.len())
            .min()
            .unwrap_or(0);
        let silent =
            |c: &ChannelData, i: usize| c.windows.peak.get(i).is_some_and(|p| *p < threshold);
        let all_silent = |i: usize| i < n && chans.iter().all(|c| silent(c, i));
        let whole = window_runs(&first.windows, min_sil, all_silent);
        for (s, e) in &whole {
            events.push(ev(
                EventKind::Silence,
                *s as f64 * WIN_S,
                *e as f64 * WIN_S,
                None,
                Some(a.stream_index),
            ));
        }
        for (c, name) in chans.iter().zip(&a.channel_names) {
            // Per-channel silence where the other channels still play.
            for (s, e) in window_runs(&c.windows, min_sil, |i| silent(c, i) && !all_silent(i)) {
                events.push(Event {
                    channel: Some(name.clone()),
                    ..ev(
                        EventKind::Silence,
                        s as f64 * WIN_S,
                        e as f64 * WIN_S,
                        None,
                        Some(a.stream_index),
                    )
                });
            }
            let merge = (settings.clip_merge_s / WIN_S).round() as usize;
            let mut clip: Option<(usize, usize)> = None;
            let flush = |r: (usize, usize), events: &mut Vec<Event>| {
                events.push(Event {
                    channel: Some(name.clone()),
                    ..ev(
                        EventKind::Clip,
                        r.0 as f64 * WIN_S,
                        r.1 as f64 * WIN_S,
                        None,
                        Some(a.stream_index),
                    )
                });
            };
            for (i, v) in c.windows.clipped.iter().enumerate() {
                if *v == 0 {
                    continue;
                }
                clip = match clip {
                    Some((s, e)) if i <= e + merge => Some((s, i + 1)),
                    Some(r) => {
                        flush(r, &mut events);
                        Some((i, i + 1))
                    }
                    None => Some((i, i + 1)),
                };
            }
            if let Some(r) = clip {
                flush(r, &mut events);
            }
        }
    }

    let audio_duration = audio.iter().map(|a| a.duration_s).fold(0.0, f64::max);
    let end = if video_duration > 0.0 {
        video_duration
    } else {
        audio_duration
    };
    let programme = Programme {
        start_s: head_bars_s.max(head_tone_s),
        end_s: end,
        frame_s,
    };
    for e in &mut events {
        e.position = classify(e, &programme);
    }
    events.sort_by(|a, b| {
        a.start_s
            .total_cmp(&b.start_s)
            .then(a.end_s.total_cmp(&b.end_s))
    });
    Analysis {
        audio,
        video,
        events,
        programme,
    }
}

fn ev(
    kind: EventKind,
    start_s: f64,
    end_s: f64,
    channel: Option<String>,
    stream: Option<u32>,
) -> Event {
    Event {
        kind,
        start_s,
        end_s,
        channel,
        stream,
        position: Position::Programme,
        timecode_in: None,
        timecode_out: None,
    }
}

/// Head: starts at the top of the file or right after the bars/tone; tail: runs to the end.
fn classify(e: &Event, p: &Programme) -> Position {
    let tol = p.frame_s * 1.5;
    let line_up = match e.kind {
        EventKind::Tone => true,
        EventKind::Bars => e.start_s <= tol,
        _ => false,
    };
    if line_up || e.start_s <= tol || (p.start_s > 0.0 && (e.start_s - p.start_s).abs() <= tol) {
        Position::Head
    } else if e.end_s >= p.end_s - tol {
        Position::Tail
    } else {
        Position::Programme
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_at_the_edges_are_head_and_tail() {
        let p = Programme {
            start_s: 0.0,
            end_s: 10.0,
            frame_s: 0.04,
        };
        let e = |s, t| ev(EventKind::Black, s, t, None, None);
        assert_eq!(classify(&e(0.0, 1.0), &p), Position::Head);
        assert_eq!(classify(&e(4.0, 5.0), &p), Position::Programme);
        assert_eq!(classify(&e(9.0, 10.0), &p), Position::Tail);
        let with_bars = Programme { start_s: 3.0, ..p };
        assert_eq!(classify(&e(3.0, 4.0), &with_bars), Position::Head);
    }
}
