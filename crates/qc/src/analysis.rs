//! From decoded statistics to reports and events: head/tail/programme classification, silence per
//! channel, clipping, black, freeze and out-of-range runs. Pure.
use crate::audio::{head_tone, ChannelData, Windows};
use crate::decode::{AudioData, Decoded};
pub use crate::detection::{DetectSettings, Sensitive, SettingSpec, SETTINGS};
use crate::layout::bs1770_weight;
use crate::loudness::{summarise, ChannelEnergy, SUBBLOCKS_PER_S};
use crate::probe::Probe;
use crate::report::{
    AudioReport, ChannelReport, Event, EventKind, PhaseReport, Position, Programme, VideoReport,
};
use crate::video::{black_runs, freeze_runs, runs, FrameStat};
pub use postflow_qc_model::analysis::Analysis;

const WIN_S: f64 = 1.0 / SUBBLOCKS_PER_S as f64;

fn db(v: f64) -> Option<f64> {
    (v > 0.0).then(|| 20.0 * v.log10())
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
