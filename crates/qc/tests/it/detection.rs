//! One-pass detection on files made by ffmpeg with black, freeze and silence at known times.
use postflow_qc::report::{EventKind, Position};
use postflow_qc::{run_qc, DeclaredLayout, ProfileSet, QcOptions, Verdict};

const FRAME: f64 = 0.04;

fn near(got: f64, want: f64, what: &str) {
    assert!(
        (got - want).abs() <= FRAME + 1e-6,
        "{what}: got {got:.3}, want {want:.3} ± one frame"
    );
}

#[test]
fn black_freeze_silence_phase_and_silent_channel_are_found() {
    let dir = tempfile::tempdir().unwrap();
    let file = crate::common::programme(dir.path());
    let set = ProfileSet::builtin();
    let mut opts = QcOptions::new(vec![set.get("basic").unwrap().clone()]);
    opts.declared_layout = DeclaredLayout::parse("stereo+5.1");
    let r = run_qc(&file, &opts, &mut |_| {}).unwrap();

    let black: Vec<_> = r
        .events
        .iter()
        .filter(|e| e.kind == EventKind::Black)
        .collect();
    assert_eq!(black.len(), 1, "{black:?}");
    near(black[0].start_s, 3.0, "black start");
    near(black[0].end_s, 4.0, "black end");
    assert_eq!(black[0].position, Position::Programme);
    assert_eq!(black[0].timecode_in.as_deref(), Some("10:00:03:00"));

    let freeze: Vec<_> = r
        .events
        .iter()
        .filter(|e| e.kind == EventKind::Freeze)
        .collect();
    assert_eq!(freeze.len(), 1, "{freeze:?}");
    near(freeze[0].start_s, 6.0, "freeze start");
    near(freeze[0].end_s, 8.6, "freeze end");

    let stereo_index = r.probe.audio[0].index;
    let silence: Vec<_> = r
        .events
        .iter()
        .filter(|e| {
            e.kind == EventKind::Silence && e.stream == Some(stereo_index) && e.channel.is_none()
        })
        .collect();
    assert_eq!(silence.len(), 1, "{silence:?}");
    near(silence[0].start_s, 5.0, "silence start");
    near(silence[0].end_s, 7.0, "silence end");

    // The 5.1 mix: FR inverted against FL, BR silent.
    let surround = &r.audio[1];
    let fl_fr = surround.phase.iter().find(|p| p.left == "FL").unwrap();
    assert!(fl_fr.correlation.unwrap() < -0.9);
    assert!(
        surround
            .channels
            .iter()
            .find(|c| c.name == "BR")
            .unwrap()
            .silent
    );
    let failed: Vec<&str> = r
        .checks
        .iter()
        .filter(|c| c.status == postflow_qc::CheckStatus::Fail)
        .map(|c| c.id.as_str())
        .collect();
    assert!(
        failed.iter().any(|id| id.starts_with("audio.phase")),
        "{failed:?}"
    );
    assert!(
        failed
            .iter()
            .any(|id| id.starts_with("audio.silent_channels")),
        "{failed:?}"
    );
    assert!(failed.contains(&"black.programme"), "{failed:?}");
    assert_eq!(r.status, Verdict::Fail);

    // The stored JSON reads back to the same report.
    let json = r.to_json();
    let back = postflow_qc::QcReport::from_json(&json).unwrap();
    assert_eq!(back.to_json(), json);
    assert_eq!(back.events, r.events);
    let html = postflow_qc::render_html(&r);
    assert!(html.contains("<svg") && html.contains("FAIL"));
    // Self-contained: no scripts, stylesheets or images from elsewhere.
    assert!(!html.contains("<script") && !html.contains("<link") && !html.contains("src="));
}

#[test]
fn loudness_agrees_with_ffmpeg_ebur128() {
    let dir = tempfile::tempdir().unwrap();
    let f = crate::common::path(dir.path(), "music.wav");
    let p = f.display().to_string();
    // Programme-like material: pink noise and a tone whose level moves, in 5.1.
    crate::common::ffmpeg(&[
        "-f", "lavfi", "-i", "anoisesrc=color=pink:sample_rate=48000:amplitude=0.25:duration=20:seed=7",
        "-f", "lavfi", "-i", "sine=frequency=997:sample_rate=48000:duration=20",
        "-filter_complex",
        "[0:a]volume='0.2+0.8*abs(sin(t/2))':eval=frame[n];[n][1:a]amix=inputs=2:weights=1 0.5:normalize=0,\
         pan=5.1|c0=c0|c1=0.8*c0|c2=0.6*c0|c3=0.5*c0|c4=0.4*c0|c5=0.35*c0[a]",
        "-map", "[a]", "-c:a", "pcm_s24le", &p,
    ]);
    let out = std::process::Command::new("ffmpeg")
        .args([
            "-nostdin",
            "-hide_banner",
            "-nostats",
            "-i",
            &p,
            "-af",
            "ebur128=peak=true",
            "-f",
            "null",
            "-",
        ])
        .output()
        .unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    let summary = &log[log.rfind("Summary:").expect("ebur128 summary")..];
    let value = |key: &str| -> f64 {
        let i = summary.find(key).unwrap() + key.len();
        summary[i..]
            .split_whitespace()
            .next()
            .unwrap()
            .parse()
            .unwrap()
    };
    let (i, lra, tp) = (value("I:"), value("LRA:"), value("Peak:"));
    let ours = postflow_qc::measure_loudness(&f, 2).unwrap();
    let l = &ours[0].loudness;
    // Tolerances: integrated 0.1 LU (ffmpeg prints 0.1 steps), LRA 0.5 LU (ffmpeg bins short-term
    // loudness in 0.1 LU histogram steps), true peak 0.3 dB (different interpolators).
    assert!(
        (l.integrated_lufs.unwrap() - i).abs() <= 0.1,
        "I {:?} vs ffmpeg {i}",
        l.integrated_lufs
    );
    assert!(
        (l.lra_lu.unwrap() - lra).abs() <= 0.5,
        "LRA {:?} vs ffmpeg {lra}",
        l.lra_lu
    );
    assert!(
        (l.true_peak_dbtp.unwrap() - tp).abs() <= 0.3,
        "TP {:?} vs ffmpeg {tp}",
        l.true_peak_dbtp
    );
}

#[test]
fn head_bars_tone_and_black_are_head_not_programme() {
    let dir = tempfile::tempdir().unwrap();
    let f = crate::common::path(dir.path(), "bars.mov");
    let p = f.display().to_string();
    // 2 s bars and -18 dBFS tone (ffmpeg's sine default amplitude is 1/8), 1 s black and silence, 3 s programme, 1 s black tail.
    crate::common::ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "smptehdbars=size=320x180:rate=25:duration=2",
        "-f",
        "lavfi",
        "-i",
        "color=black:size=320x180:rate=25:duration=1",
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=320x180:rate=25:duration=3",
        "-f",
        "lavfi",
        "-i",
        "color=black:size=320x180:rate=25:duration=1",
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=1000:sample_rate=48000:duration=2",
        "-f",
        "lavfi",
        "-i",
        "anullsrc=r=48000:cl=mono:d=1",
        "-f",
        "lavfi",
        "-i",
        "anoisesrc=color=pink:sample_rate=48000:amplitude=0.2:duration=4:seed=1",
        "-filter_complex",
        "[0:v][1:v][2:v][3:v]concat=n=4:v=1:a=0,format=yuv422p10le[v];\
         [4:a]aformat=sample_rates=48000:channel_layouts=mono[t];\
         [5:a]aformat=sample_rates=48000:channel_layouts=mono[s];\
         [t][s][6:a]concat=n=3:v=0:a=1,pan=stereo|c0=c0|c1=c0[a]",
        "-map",
        "[v]",
        "-map",
        "[a]",
        "-c:v",
        "prores",
        "-c:a",
        "pcm_s24le",
        "-timecode",
        "00:59:58:00",
        &p,
    ]);
    let mut profile = ProfileSet::builtin().get("basic").unwrap().clone();
    profile.bars_tone = Some(postflow_qc::profile::BarsToneRules {
        bars_required: true,
        tone_required: true,
        min_s: 1.5,
        tone_level_dbfs: Some(-18.0),
        tone_tolerance_db: 0.5,
    });
    let r = run_qc(&f, &QcOptions::new(vec![profile]), &mut |_| {}).unwrap();
    let v = r.video.as_ref().unwrap();
    near(v.head_bars_s, 2.0, "bars");
    let tone = r.audio[0].head_tone.as_ref().expect("tone found");
    assert!((tone.level_dbfs + 18.0).abs() < 0.2, "{tone:?}");
    near(r.programme.start_s, 2.0, "programme start");
    let black: Vec<_> = r
        .events
        .iter()
        .filter(|e| e.kind == EventKind::Black)
        .collect();
    assert_eq!(black.len(), 2, "{black:?}");
    assert_eq!(black[0].position, Position::Head);
    near(black[0].start_s, 2.0, "head black");
    assert_eq!(black[1].position, Position::Tail);
    near(black[1].start_s, 6.0, "tail black");
    for id in [
        "bars.present",
        "tone.present",
        "tone.level",
        "black.programme",
    ] {
        let c = r.checks.iter().find(|c| c.id == id).unwrap();
        assert_eq!(c.status, postflow_qc::CheckStatus::Pass, "{c:?}");
    }
}

/// 8 s at 25 fps: dark grey (luma 42, above blackdetect's default black level of 37) at 3–4 s;
/// a stereo 440 Hz tone at −18 dBFS that drops to −50 dBFS (above the default −60 dB silence
/// threshold) at 5–7 s and rises to −0.3 dBFS (below the default −0.01 dBFS clip level) at
/// 1–1.5 s.
fn near_misses(dir: &std::path::Path) -> std::path::PathBuf {
    let f = crate::common::path(dir, "near-misses.mov");
    crate::common::ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=320x180:rate=25:duration=8",
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=440:sample_rate=48000:duration=8",
        "-filter_complex",
        "[0:v]drawbox=color=0x1E1E1E:t=fill:enable='gte(t,3)*lt(t,4)'[v];\
         [1:a]volume=-32dB:enable='gte(t,5)*lt(t,7)',volume=17.7dB:enable='gte(t,1)*lt(t,1.5)',\
         pan=stereo|c0=c0|c1=c0[a]",
        "-map",
        "[v]",
        "-map",
        "[a]",
        "-c:v",
        "ffv1",
        "-c:a",
        "pcm_s24le",
        &f.display().to_string(),
    ]);
    f
}

const TIGHT: &str = r#"
name = "tight"
title = "Tight thresholds"

[detection]
black_pixel_threshold = 0.15
silence_threshold_db = -45
clip_level_dbfs = -0.5

[black]
programme_max_s = 0.5

[silence]
programme_max_s = 1.0

[clipping]
max_events = 0
"#;

#[test]
fn a_profile_with_tighter_thresholds_finds_what_the_defaults_miss() {
    use postflow_qc::profile::parse_profile;
    use postflow_qc::CheckStatus;
    let dir = tempfile::tempdir().unwrap();
    let f = near_misses(dir.path());
    let kinds = |r: &postflow_qc::QcReport, k: EventKind| -> Vec<(f64, f64)> {
        r.events
            .iter()
            .filter(|e| e.kind == k)
            .map(|e| (e.start_s, e.end_s))
            .collect()
    };
    let basic = ProfileSet::builtin().get("basic").unwrap().clone();
    let r = run_qc(&f, &QcOptions::new(vec![basic.clone()]), &mut |_| {}).unwrap();
    for k in [EventKind::Black, EventKind::Silence, EventKind::Clip] {
        assert!(
            kinds(&r, k).is_empty(),
            "default found {k:?}: {:?}",
            r.events
        );
    }
    let d = r.detection.as_ref().unwrap();
    assert_eq!(d.settings, postflow_qc::DetectSettings::default());
    assert!(d.set_by.is_empty());

    let tight = parse_profile("tight.toml", TIGHT).unwrap();
    let r = run_qc(&f, &QcOptions::new(vec![tight.clone()]), &mut |_| {}).unwrap();
    let black = kinds(&r, EventKind::Black);
    assert_eq!(black.len(), 1, "{black:?}");
    near(black[0].0, 3.0, "black start");
    near(black[0].1, 4.0, "black end");
    let silence: Vec<_> = r
        .events
        .iter()
        .filter(|e| e.kind == EventKind::Silence && e.channel.is_none())
        .collect();
    assert_eq!(silence.len(), 1, "{silence:?}");
    near(silence[0].start_s, 5.0, "silence start");
    near(silence[0].end_s, 7.0, "silence end");
    let clips = kinds(&r, EventKind::Clip);
    assert_eq!(clips.len(), 2, "one per channel: {clips:?}");
    for (a, b) in clips {
        near(a, 1.0, "clip start");
        near(b, 1.5, "clip end");
    }
    for id in ["black.programme", "silence.programme"] {
        let c = r.checks.iter().find(|c| c.id == id).unwrap();
        assert_eq!(c.status, CheckStatus::Fail, "{c:?}");
    }
    assert_eq!(r.status, Verdict::Fail);

    // With basic too, the tighter threshold still decides (the most sensitive one wins), and
    // the report says which profile asked for it — in the JSON and in the HTML.
    let r = run_qc(&f, &QcOptions::new(vec![basic, tight]), &mut |_| {}).unwrap();
    assert_eq!(kinds(&r, EventKind::Black).len(), 1);
    let j: serde_json::Value = serde_json::from_str(&r.to_json()).unwrap();
    assert_eq!(j["detection"]["silence_threshold_db"], -45.0);
    assert_eq!(j["detection"]["freeze_min_s"], 2.0);
    assert_eq!(j["detection"]["set_by"]["black_pixel_threshold"], "tight");
    assert!(j["detection"].get("timeline_points").is_none());
    let html = postflow_qc::render_html(&r);
    assert!(html.contains("Detection thresholds") && html.contains("profile tight"));

    // Reports stored before these fields existed still read back.
    let mut old = j.clone();
    let o = old.as_object_mut().unwrap();
    o.remove("detection");
    o.remove("timecode_track");
    let back = postflow_qc::QcReport::from_json(&old.to_string()).unwrap();
    assert!(back.detection.is_none() && back.timecode_track.is_none());
}

#[test]
fn at_29_97_drop_frame_black_is_found_within_a_frame_and_told_in_drop_frame_timecode() {
    let dir = tempfile::tempdir().unwrap();
    let f = crate::common::path(dir.path(), "ntsc.mov");
    // Frames 1800–1829 black: 60.06 s to 61.061 s, i.e. 00:01:00;02 to 00:01:01;02 from
    // 00:00:00;00 (drop-frame skips the labels ;00 and ;01 of minute 1).
    crate::common::ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=160x90:rate=30000/1001:duration=63",
        "-vf",
        "drawbox=color=black:t=fill:enable='between(n,1800,1829)'",
        "-c:v",
        "mpeg4",
        "-q:v",
        "5",
        "-timecode",
        "00:00:00;00",
        &f.display().to_string(),
    ]);
    let r = run_qc(
        &f,
        &QcOptions::new(vec![ProfileSet::builtin().get("basic").unwrap().clone()]),
        &mut |_| {},
    )
    .unwrap();
    let frame = 1001.0 / 30000.0;
    let black: Vec<_> = r
        .events
        .iter()
        .filter(|e| e.kind == EventKind::Black)
        .collect();
    assert_eq!(black.len(), 1, "{black:?}");
    let b = black[0];
    assert!((b.start_s - 1800.0 * frame).abs() <= frame + 1e-6, "{b:?}");
    assert!((b.end_s - 1830.0 * frame).abs() <= frame + 1e-6, "{b:?}");
    assert_eq!(b.timecode_in.as_deref(), Some("00:01:00;02"));
    assert_eq!(b.timecode_out.as_deref(), Some("00:01:01;02"));
}

#[test]
fn the_programme_length_excludes_head_bars_and_is_checked_against_the_expected_length() {
    let dir = tempfile::tempdir().unwrap();
    let f = crate::common::path(dir.path(), "bars-then-programme.mov");
    // 2 s of bars, then 5 s of programme.
    crate::common::ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "smptehdbars=size=320x180:rate=25:duration=2",
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=320x180:rate=25:duration=5",
        "-filter_complex",
        "[0:v][1:v]concat=n=2:v=1:a=0[v]",
        "-map",
        "[v]",
        "-c:v",
        "ffv1",
        &f.display().to_string(),
    ]);
    let basic = ProfileSet::builtin().get("basic").unwrap().clone();
    let status = |expected: f64| {
        let mut opts = QcOptions::new(vec![basic.clone()]);
        opts.expected_duration_s = Some(expected);
        let r = run_qc(&f, &opts, &mut |_| {}).unwrap();
        let c = r
            .checks
            .iter()
            .find(|c| c.id == "duration.expected")
            .unwrap()
            .clone();
        (c.status, c.measured)
    };
    assert_eq!(
        status(5.0),
        (postflow_qc::CheckStatus::Pass, "5.00 s".to_string())
    );
    assert_eq!(status(6.0).0, postflow_qc::CheckStatus::Fail);
    assert_eq!(status(7.0).0, postflow_qc::CheckStatus::Fail);
}
