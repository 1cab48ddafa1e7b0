//! Static colour bars inside a programme are a frozen picture, as ffmpeg's freezedetect says,
//! and are reported as bars there; bars at the head stay the line-up.
use postflow_qc::report::{EventKind, Position};
use postflow_qc::{run_qc, DetectSettings, ProfileSet, QcOptions};
use std::path::Path;
use std::process::Command;

const FRAME: f64 = 0.04;

/// Moving picture with `bars` seconds of static SMPTE bars spliced in after `before` seconds.
fn programme_with_bars(dir: &Path, lead_bars: f64, before: f64, bars: f64, after: f64) -> String {
    let out = dir.join("bars.mov").display().to_string();
    let mut inputs = Vec::new();
    let mut parts = Vec::new();
    for (src, dur) in [
        ("smptebars", lead_bars),
        ("testsrc2", before),
        ("smptebars", bars),
        ("testsrc2", after),
    ] {
        if dur > 0.0 {
            parts.push(format!("[{}:v]", parts.len()));
            inputs.push(format!("{src}=size=320x180:rate=25:duration={dur}"));
        }
    }
    let mut args: Vec<String> = Vec::new();
    for i in &inputs {
        args.extend(["-f".into(), "lavfi".into(), "-i".into(), i.clone()]);
    }
    let graph = format!("{}concat=n={}:v=1:a=0[v]", parts.concat(), parts.len());
    args.extend(
        [
            "-filter_complex",
            &graph,
            "-map",
            "[v]",
            "-c:v",
            "ffv1",
            &out,
        ]
        .map(String::from),
    );
    crate::common::ffmpeg(&args.iter().map(String::as_str).collect::<Vec<_>>());
    out
}

/// freezedetect's intervals (start, end) in seconds at the given noise ratio and duration.
fn freezedetect(file: &str, noise: f64, min_s: f64) -> Vec<(f64, f64)> {
    let out = Command::new("ffmpeg")
        .args(["-nostdin", "-hide_banner", "-nostats", "-i", file, "-vf"])
        .arg(format!("freezedetect=n={noise}:d={min_s}"))
        .args(["-f", "null", "-"])
        .output()
        .expect("ffmpeg runs");
    let log = String::from_utf8_lossy(&out.stderr);
    let value = |l: &str, key: &str| -> Option<f64> {
        l.split(key).nth(1).and_then(|v| v.trim().parse().ok())
    };
    let mut starts = Vec::new();
    let mut ends = Vec::new();
    for l in log.lines() {
        if let Some(v) = value(l, "freeze_start:") {
            starts.push(v);
        }
        if let Some(v) = value(l, "freeze_end:") {
            ends.push(v);
        }
    }
    starts.into_iter().zip(ends).collect()
}

fn near(got: f64, want: f64, what: &str) {
    assert!(
        (got - want).abs() <= FRAME + 1e-6,
        "{what}: got {got:.3}, want {want:.3} ± one frame"
    );
}

#[test]
fn static_bars_mid_programme_are_a_freeze_where_freezedetect_finds_one() {
    let dir = tempfile::tempdir().unwrap();
    let file = programme_with_bars(dir.path(), 0.0, 4.0, 3.0, 4.0);
    let d = DetectSettings::default();
    let reference = freezedetect(&file, d.freeze_noise, d.freeze_min_s);
    assert_eq!(reference.len(), 1, "freezedetect: {reference:?}");

    let set = ProfileSet::builtin();
    let opts = QcOptions::new(vec![set.get("basic").unwrap().clone()]);
    let r = run_qc(Path::new(&file), &opts, &mut |_| {}).unwrap();
    let freezes: Vec<_> = r
        .events
        .iter()
        .filter(|e| e.kind == EventKind::Freeze)
        .collect();
    assert_eq!(
        freezes.len(),
        reference.len(),
        "ours: {freezes:?}, ffmpeg: {reference:?}"
    );
    near(freezes[0].start_s, reference[0].0, "freeze start");
    near(freezes[0].end_s, reference[0].1, "freeze end");
    assert_eq!(freezes[0].position, Position::Programme);

    let bars: Vec<_> = r
        .events
        .iter()
        .filter(|e| e.kind == EventKind::Bars)
        .collect();
    assert_eq!(bars.len(), 1, "{bars:?}");
    near(bars[0].start_s, 4.0, "bars start");
    near(bars[0].end_s, 7.0, "bars end");
    assert_eq!(bars[0].position, Position::Programme);
    assert_eq!(
        r.programme.start_s, 0.0,
        "mid-programme bars are not a line-up"
    );
}

#[test]
fn head_bars_stay_the_line_up_and_are_no_freeze() {
    let dir = tempfile::tempdir().unwrap();
    let file = programme_with_bars(dir.path(), 3.0, 5.0, 0.0, 0.0);
    let set = ProfileSet::builtin();
    let opts = QcOptions::new(vec![set.get("basic").unwrap().clone()]);
    let r = run_qc(Path::new(&file), &opts, &mut |_| {}).unwrap();
    assert!(
        !r.events.iter().any(|e| e.kind == EventKind::Freeze),
        "{:?}",
        r.events
    );
    let bars: Vec<_> = r
        .events
        .iter()
        .filter(|e| e.kind == EventKind::Bars)
        .collect();
    assert_eq!(bars.len(), 1, "{bars:?}");
    assert_eq!(bars[0].position, Position::Head);
    near(r.programme.start_s, 3.0, "programme start");
}
