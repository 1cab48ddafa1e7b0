//! EBU Tech 3341 (loudness meters) and Tech 3342 (loudness range) test cases, synthesised from
//! their published definitions, against the published expected values and tolerances.
//!
//! Cases 7 and 8 of 3341 and 5 and 6 of 3342 are authentic programme excerpts distributed only as
//! files by the EBU; they cannot be synthesised and are not here. Cases 10/13 are file sets of
//! bursts at varying offsets; they are synthesised as such bursts. Cases 20–23 are intersample
//! peaks at four sub-sample offsets; they are synthesised as a band-limited burst whose crest
//! lies at offsets 0, 1/4, 1/2 and 3/4 of a sample.
use postflow_qc::loudness::{sliding_loudness, LoudnessMeter};

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
