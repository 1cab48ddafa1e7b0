//! EBU Tech 3341 (loudness meters) and Tech 3342 (loudness range) test cases, synthesised from
//! their published definitions, against the published expected values and tolerances.
//!
//! Cases 7 and 8 of 3341 and 5 and 6 of 3342 are authentic programme excerpts distributed only as
//! files by the EBU; they cannot be synthesised and are not here. Cases 11 and 14 ("live"
//! short-term and momentary meters) are checked on the meter's time series, the one the report
//! plots, at the instants where the published values occur. Cases 10/13 are file sets of
//! bursts at varying offsets; they are synthesised as such bursts. Cases 20–23 are intersample
//! peaks at four sub-sample offsets; they are synthesised as a band-limited burst whose crest
//! lies at offsets 0, 1/4, 1/2 and 3/4 of a sample.
use postflow_qc::loudness::{sliding_loudness, summarise, LoudnessMeter, LoudnessTimeline};
use postflow_qc::DetectSettings;

const FS: u32 = 48000;

/// Interleaved stereo (or `channels`-wide) 1 kHz sine segments: (dBFS per channel, seconds).
fn tone(segments: &[(&[f64], f64)]) -> Vec<f32> {
    let mut out = Vec::new();
    let mut n = 0u64;
    for (levels, secs) in segments {
        let len = (secs * FS as f64).round() as u64;
        for _ in 0..len {
            let s = (std::f64::consts::TAU * 1000.0 * n as f64 / FS as f64).sin();
            for l in levels.iter() {
                out.push(if *l <= -200.0 {
                    0.0
                } else {
                    (10f64.powf(l / 20.0) * s) as f32
                });
            }
            n += 1;
        }
    }
    out
}

fn stereo(segments: &[(f64, f64)]) -> Vec<f32> {
    let segs: Vec<([f64; 2], f64)> = segments.iter().map(|(l, s)| ([*l, *l], *s)).collect();
    let refs: Vec<(&[f64], f64)> = segs.iter().map(|(l, s)| (&l[..], *s)).collect();
    tone(&refs)
}

fn meter(weights: Vec<f64>, x: &[f32]) -> LoudnessMeter {
    let mut m = LoudnessMeter::new(FS, weights);
    m.push_interleaved(x);
    m
}

fn within(got: Option<f64>, want: f64, tol: f64, what: &str) {
    let g = got.unwrap_or_else(|| panic!("{what}: no value"));
    assert!(
        (g - want).abs() <= tol,
        "{what}: got {g:.3}, want {want} ± {tol}"
    );
}

#[test]
fn tech3341_case1_and_2_calibration() {
    for (level, want) in [(-23.0, -23.0), (-33.0, -33.0)] {
        let (l, _) = meter(vec![1.0, 1.0], &stereo(&[(level, 20.0)])).finish();
        within(l.integrated_lufs, want, 0.1, "I");
        within(l.max_momentary_lufs, want, 0.1, "M");
        within(l.max_short_term_lufs, want, 0.1, "S");
    }
}

#[test]
fn tech3341_case3_to_5_gating() {
    let cases: [&[(f64, f64)]; 3] = [
        &[(-36.0, 10.0), (-23.0, 60.0), (-36.0, 10.0)],
        &[
            (-72.0, 10.0),
            (-36.0, 10.0),
            (-23.0, 60.0),
            (-36.0, 10.0),
            (-72.0, 10.0),
        ],
        &[(-26.0, 20.0), (-20.0, 20.1), (-26.0, 20.0)],
    ];
    for (i, c) in cases.iter().enumerate() {
        let (l, _) = meter(vec![1.0, 1.0], &stereo(c)).finish();
        within(l.integrated_lufs, -23.0, 0.1, &format!("case {}", i + 3));
    }
}

#[test]
fn tech3341_case6_five_channel_weights() {
    // L, R, C, Ls, Rs: surrounds weighted +1.5 dB (1.41).
    let x = tone(&[(&[-28.0, -28.0, -24.0, -30.0, -30.0], 20.0)]);
    let (l, _) = meter(vec![1.0, 1.0, 1.0, 1.41, 1.41], &x).finish();
    within(l.integrated_lufs, -23.0, 0.1, "case 6");
    // The same as 5.1 with a silent LFE (weight 0).
    let x = tone(&[(&[-28.0, -28.0, -24.0, -200.0, -30.0, -30.0], 20.0)]);
    let (l, _) = meter(vec![1.0, 1.0, 1.0, 0.0, 1.41, 1.41], &x).finish();
    within(l.integrated_lufs, -23.0, 0.1, "case 6 as 5.1");
}

#[test]
fn tech3341_case9_short_term_is_constant_after_3s() {
    let mut segs = Vec::new();
    for _ in 0..20 {
        segs.push((-20.0, 1.34));
        segs.push((-30.0, 1.66));
    }
    let (e, w, sr) = meter(vec![1.0, 1.0], &stereo(&segs)).finish_energies();
    let s = sliding_loudness(&e, &w, sr, 3.0, 0.01);
    assert!(!s.is_empty());
    for v in s {
        within(v, -23.0, 0.1, "case 9 S");
    }
    // The plotted short-term series is constant too (it starts once 3 s are in).
    let t = report_timeline(&stereo(&segs));
    let from = t.index_at(3.0).unwrap();
    assert!(t.short_term[..from].iter().all(Option::is_none));
    for (i, v) in t.short_term.iter().enumerate().skip(from) {
        within(
            v.map(f64::from),
            -23.0,
            0.1,
            &format!("case 9 timeline point {i}"),
        );
    }
}

#[test]
fn tech3341_case10_max_short_term_of_bursts() {
    // A 3 s burst at -23 LUFS placed at awkward offsets in silence.
    for offset in [0.0, 0.1234, 0.5, 1.0071, 2.3333] {
        let x = stereo(&[(-300.0, offset), (-23.0, 3.0), (-300.0, 2.0)]);
        let (l, _) = meter(vec![1.0, 1.0], &x).finish();
        within(
            l.max_short_term_lufs,
            -23.0,
            0.1,
            &format!("case 10 offset {offset}"),
        );
    }
}

#[test]
fn tech3341_case12_momentary_is_constant_after_1s() {
    let mut segs = Vec::new();
    for _ in 0..25 {
        segs.push((-20.0, 0.18));
        segs.push((-30.0, 0.22));
    }
    let (e, w, sr) = meter(vec![1.0, 1.0], &stereo(&segs)).finish_energies();
    let m = sliding_loudness(&e, &w, sr, 0.4, 0.01);
    // From 1 s on: window start at 0.6 s.
    for v in m.into_iter().skip(60) {
        within(v, -23.0, 0.1, "case 12 M");
    }
    // The plotted momentary series, from the first point wholly after 1 s.
    let t = report_timeline(&stereo(&segs));
    for (i, v) in t
        .momentary
        .iter()
        .enumerate()
        .skip(t.index_at(1.0).unwrap() + 1)
    {
        within(
            v.map(f64::from),
            -23.0,
            0.1,
            &format!("case 12 timeline point {i}"),
        );
    }
}

#[test]
fn tech3341_case13_max_momentary_of_bursts() {
    for offset in [0.0, 0.0117, 0.3, 1.005] {
        let x = stereo(&[(-300.0, offset), (-23.0, 0.4), (-300.0, 1.0)]);
        let (l, _) = meter(vec![1.0, 1.0], &x).finish();
        within(
            l.max_momentary_lufs,
            -23.0,
            0.1,
            &format!("case 13 offset {offset}"),
        );
    }
}

/// One segment of a live-meter case: where it starts and ends, where its tone ends (the instant
/// the meter's window holds exactly the tone) and the value the meter must show.
struct Segment {
    start_s: f64,
    end_s: f64,
    tone_end_s: f64,
    want: f64,
}

/// Cases 11 and 14: 20 segments of `seg_s`; segment i is i·`step_s` of silence, `tone_s` of
/// 1 kHz at −38+i dBFS, then silence to the end of the segment.
fn live_meter_case(seg_s: f64, step_s: f64, tone_s: f64) -> (Vec<f32>, Vec<Segment>) {
    let mut parts = Vec::new();
    let mut segments = Vec::new();
    for i in 0..20 {
        let (lead, level) = (i as f64 * step_s, -38.0 + i as f64);
        parts.extend([
            (-300.0, lead),
            (level, tone_s),
            (-300.0, seg_s - lead - tone_s),
        ]);
        let start_s = i as f64 * seg_s;
        segments.push(Segment {
            start_s,
            end_s: start_s + seg_s,
            tone_end_s: start_s + lead + tone_s,
            want: level,
        });
    }
    (stereo(&parts), segments)
}

/// The meter reads `want` ±0.1 at the tone's end and nowhere in the segment more, on the fine
/// (10 ms) series and on the timeline the report plots.
fn check_live_meter(
    what: &str,
    fine: &[Option<f64>],
    window_s: f64,
    timeline: &LoudnessTimeline,
    pick: impl Fn((Option<f32>, Option<f32>)) -> Option<f32>,
    segments: &[Segment],
) {
    for (i, seg) in segments.iter().enumerate() {
        // Fine series: value k belongs to the window ending at k·10 ms + window.
        let end = |k: usize| k as f64 * 0.01 + window_s;
        let inside: Vec<f64> = fine
            .iter()
            .enumerate()
            .filter(|(k, _)| end(*k) > seg.start_s + 1e-9 && end(*k) <= seg.end_s + 1e-9)
            .filter_map(|(_, v)| *v)
            .collect();
        let max = inside.iter().cloned().fold(f64::MIN, f64::max);
        within(
            Some(max),
            seg.want,
            0.1,
            &format!("{what} segment {i}: max"),
        );
        let k = ((seg.tone_end_s - window_s) / 0.01).round() as usize;
        within(
            fine[k],
            seg.want,
            0.1,
            &format!("{what} segment {i}: at the tone's end"),
        );

        // The plotted timeline: the point covering the tone's end, and the segment's points.
        let at = pick(timeline.at(seg.tone_end_s)).map(f64::from);
        within(
            at,
            seg.want,
            0.1,
            &format!("{what} timeline segment {i}: at {:.2} s", seg.tone_end_s),
        );
        let (a, b) = (
            timeline.index_at(seg.start_s + 1e-6).unwrap_or(0),
            timeline.index_at(seg.end_s).unwrap_or(0),
        );
        let seg_max = (a..=b)
            .filter_map(|j| {
                pick((
                    timeline.momentary.get(j).copied().flatten(),
                    timeline.short_term.get(j).copied().flatten(),
                ))
            })
            .fold(f32::MIN, f32::max);
        within(
            Some(seg_max as f64),
            seg.want,
            0.1,
            &format!("{what} timeline segment {i}: max"),
        );
    }
}

/// The timeline exactly as a QC report builds it (same points as `DetectSettings::default()`).
fn report_timeline(x: &[f32]) -> LoudnessTimeline {
    let (e, w, sr) = meter(vec![1.0, 1.0], x).finish_energies();
    summarise(&e, &w, sr, DetectSettings::default().timeline_points).1
}

#[test]
fn tech3341_case11_live_short_term_meter_reads_each_tone() {
    // Max S per 6 s segment: −38.0, −37.0, …, −19.0 LUFS ±0.1, in turn.
    let (x, segments) = live_meter_case(6.0, 0.15, 3.0);
    let (e, w, sr) = meter(vec![1.0, 1.0], &x).finish_energies();
    let fine = sliding_loudness(&e, &w, sr, 3.0, 0.01);
    check_live_meter(
        "case 11 S",
        &fine,
        3.0,
        &report_timeline(&x),
        |(_, s)| s,
        &segments,
    );
}

#[test]
fn tech3341_case14_live_momentary_meter_reads_each_tone() {
    // Max M per 0.8 s segment: −38.0, −37.0, …, −19.0 LUFS ±0.1, in turn.
    let (x, segments) = live_meter_case(0.8, 0.02, 0.4);
    let (e, w, sr) = meter(vec![1.0, 1.0], &x).finish_energies();
    let fine = sliding_loudness(&e, &w, sr, 0.4, 0.01);
    check_live_meter(
        "case 14 M",
        &fine,
        0.4,
        &report_timeline(&x),
        |(m, _)| m,
        &segments,
    );
}

/// The live-meter cases through a real QC run on a WAV made by ffmpeg: the report's timeline.
#[test]
fn tech3341_case11_and_14_in_the_report_of_a_wav() {
    let dir = tempfile::tempdir().unwrap();
    for (case, (seg_s, step_s, tone_s)) in [(11, (6.0, 0.15, 3.0)), (14, (0.8, 0.02, 0.4))] {
        let (x, segments) = live_meter_case(seg_s, step_s, tone_s);
        let raw = dir.path().join(format!("case{case}.f32"));
        let wav = dir.path().join(format!("case{case}.wav"));
        let bytes: Vec<u8> = x.iter().flat_map(|v| v.to_le_bytes()).collect();
        std::fs::write(&raw, bytes).unwrap();
        let out = std::process::Command::new("ffmpeg")
            .args([
                "-nostdin", "-v", "error", "-y", "-f", "f32le", "-ar", "48000", "-ac", "2", "-i",
            ])
            .arg(&raw)
            .args(["-c:a", "pcm_f32le"])
            .arg(&wav)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let report = postflow_qc::measure_loudness(&wav, 1).unwrap();
        let t = &report[0].timeline;
        for (i, seg) in segments.iter().enumerate() {
            let (m, s) = t.at(seg.tone_end_s);
            let got = if case == 11 { s } else { m };
            within(
                got.map(f64::from),
                seg.want,
                0.1,
                &format!("case {case} report timeline segment {i}"),
            );
        }
    }
}

/// A steady sine at `freq_ratio`·fs; it fades in over 20 ms so the start is not a step (a step
/// from silence rings above the sine's crest in any band-limited interpolator).
fn true_peak_of(freq_ratio: f64, phase_deg: f64, amp_db: f64) -> f64 {
    let a = 10f64.powf(amp_db / 20.0);
    let fade = 960.0;
    let x: Vec<f32> = (0..FS as usize)
        .flat_map(|n| {
            let g = if (n as f64) < fade {
                0.5 - 0.5 * (std::f64::consts::PI * n as f64 / fade).cos()
            } else {
                1.0
            };
            let v = (g
                * a
                * (std::f64::consts::TAU * freq_ratio * n as f64 + phase_deg.to_radians()).sin())
                as f32;
            [v, v]
        })
        .collect();
    let (l, _) = meter(vec![1.0, 1.0], &x).finish();
    l.true_peak_dbtp.unwrap()
}

fn tp_within(got: f64, want: f64, what: &str) {
    assert!(
        got <= want + 0.2 && got >= want - 0.4,
        "{what}: got {got:.3} dBTP, want {want} +0.2/-0.4"
    );
}

#[test]
fn tech3341_case15_to_19_true_peak() {
    tp_within(true_peak_of(0.25, 0.0, -6.0), -6.0, "case 15 fs/4 0°");
    tp_within(true_peak_of(0.25, 45.0, -6.0), -6.0, "case 16 fs/4 45°");
    tp_within(
        true_peak_of(1.0 / 6.0, 60.0, -6.0),
        -6.0,
        "case 17 fs/6 60°",
    );
    tp_within(true_peak_of(0.125, 67.5, -6.0), -6.0, "case 18 fs/8 67.5°");
    // Samples at 0 dBFS, the crest between them at +3 dB.
    tp_within(
        true_peak_of(0.25, 45.0, 20.0 * 2f64.sqrt().log10()),
        3.0,
        "case 19 fs/4 45° +3",
    );
}

#[test]
fn tech3341_case20_to_23_intersample_offsets() {
    // A Hann-windowed 10 kHz burst whose crest (0 dBFS) falls k/4 of a sample after sample 2400.
    for k in 0..4 {
        let t0 = 2400.0 + k as f64 / 4.0;
        let x: Vec<f32> = (0..4800)
            .flat_map(|n| {
                let t = n as f64 - t0;
                let env = if t.abs() < 960.0 {
                    0.5 * (1.0 + (std::f64::consts::PI * t / 960.0).cos())
                } else {
                    0.0
                };
                let v = (env * (std::f64::consts::TAU * 10000.0 / FS as f64 * t).cos()) as f32;
                [v, v]
            })
            .collect();
        let (l, _) = meter(vec![1.0, 1.0], &x).finish();
        tp_within(
            l.true_peak_dbtp.unwrap(),
            0.0,
            &format!("case {} offset {k}/4", 20 + k),
        );
    }
}

#[test]
fn tech3342_case1_to_4_loudness_range() {
    let cases: [(&[(f64, f64)], f64); 4] = [
        (&[(-20.0, 20.0), (-30.0, 20.0)], 10.0),
        (&[(-20.0, 20.0), (-15.0, 20.0)], 5.0),
        (&[(-40.0, 20.0), (-20.0, 20.0)], 20.0),
        (
            &[
                (-50.0, 20.0),
                (-35.0, 20.0),
                (-20.0, 20.0),
                (-35.0, 20.0),
                (-50.0, 20.0),
            ],
            15.0,
        ),
    ];
    for (i, (segs, want)) in cases.iter().enumerate() {
        let (l, _) = meter(vec![1.0, 1.0], &stereo(segs)).finish();
        within(l.lra_lu, *want, 1.0, &format!("3342 case {}", i + 1));
    }
}

#[test]
fn k_weighting_works_at_other_rates() {
    // The same -23 dBFS stereo tone reads -23 LUFS at 44.1 and 96 kHz too.
    for sr in [44100u32, 96000, 32000] {
        let x: Vec<f32> = (0..sr as usize * 10)
            .flat_map(|n| {
                let v = (10f64.powf(-23.0 / 20.0)
                    * (std::f64::consts::TAU * 1000.0 * n as f64 / sr as f64).sin())
                    as f32;
                [v, v]
            })
            .collect();
        let mut m = LoudnessMeter::new(sr, vec![1.0, 1.0]);
        m.push_interleaved(&x);
        let (l, _) = m.finish();
        within(l.integrated_lufs, -23.0, 0.1, &format!("{sr} Hz"));
    }
}
