//! `postflow qc` on real files made by ffmpeg: exit codes 0/1/2, JSON shape, HTML report.
use postflow_testkit::media::ffmpeg;
use std::path::Path;
use std::process::{Command, Output};

fn postflow(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_postflow"))
        .args(args)
        .env_remove("POSTFLOW_PROFILES_DIR")
        .output()
        .expect("postflow runs")
}

/// 4 s, 320x180 25 fps, stereo 1 kHz at -23 dBFS (-23 LUFS), timecode 10:00:00:00.
fn clean_file(dir: &Path) -> String {
    let f = dir.join("clean.mov").display().to_string();
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=320x180:rate=25:duration=4",
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=1000:sample_rate=48000:duration=4",
        "-filter_complex",
        "[1:a]volume=-4.94dB:precision=double,pan=stereo|c0=c0|c1=c0[a]",
        "-map",
        "0:v",
        "-map",
        "[a]",
        "-c:v",
        "prores",
        "-c:a",
        "pcm_s24le",
        "-timecode",
        "10:00:00:00",
        &f,
    ]);
    f
}

const STUDIO_PROFILE: &str = r#"
name = "studio-test"
title = "Studio test spec"

[video]
codecs = ["prores"]
resolutions = ["320x180"]
frame_rates = ["25"]

[audio]
sample_rates = [48000]
layouts = ["stereo"]

[loudness]
target_lufs = -23.0
tolerance_lu = 0.5
max_true_peak_dbtp = -1.0

[timecode]
start = ["10:00:00:00"]
drop_frame = "forbidden"

[[manual]]
id = "safe_title"
text = "Titles inside the safe area"
"#;

#[test]
fn a_file_that_meets_its_profile_exits_0_with_the_documented_json() {
    let dir = tempfile::tempdir().unwrap();
    let f = clean_file(dir.path());
    let prof = dir.path().join("studio.toml");
    std::fs::write(&prof, STUDIO_PROFILE).unwrap();
    let html = dir.path().join("report.html");
    let out = postflow(&[
        "qc",
        &f,
        "--profile-file",
        prof.to_str().unwrap(),
        "--json",
        "--report",
        html.to_str().unwrap(),
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let j: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(j["status"], "pass");
    for k in [
        "integrated_lufs",
        "lra_lu",
        "true_peak_dbtp",
        "max_momentary_lufs",
        "max_short_term_lufs",
    ] {
        assert!(j["loudness"].get(k).is_some(), "loudness.{k} missing");
    }
    let i = j["loudness"]["integrated_lufs"].as_f64().unwrap();
    assert!((i + 23.0).abs() < 0.2, "{i}");
    assert!(j["events"].is_array());
    let checks = j["checks"].as_array().unwrap();
    for c in checks {
        for k in ["id", "status", "expected", "measured", "message"] {
            assert!(c.get(k).is_some(), "check without {k}: {c}");
        }
    }
    assert!(checks
        .iter()
        .any(|c| c["id"] == "timecode.start" && c["status"] == "pass"));
    assert!(checks
        .iter()
        .any(|c| c["id"] == "manual.safe_title" && c["status"] == "manual"));
    assert_eq!(j["probe"]["video"][0]["codec"], "prores");
    assert_eq!(j["probe"]["start_timecode"], "10:00:00:00");
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.starts_with("<!doctype html>") && page.contains("PASS") && page.contains("<svg"));
}

#[test]
fn a_failing_check_exits_1_and_names_it() {
    let dir = tempfile::tempdir().unwrap();
    let f = clean_file(dir.path());
    // EBU R 128 wants 1920x1080 among other things.
    let out = postflow(&["qc", &f, "--profile", "ebu-r128"]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.starts_with("FAIL"), "{stdout}");
    assert!(stdout.contains("video.resolution"), "{stdout}");
    // A declared 5.1 mix on a stereo file fails the layout check.
    let out = postflow(&["qc", &f, "--layout", "5.1", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let layout = j["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "audio.layout")
        .unwrap()
        .clone();
    assert_eq!(layout["status"], "fail", "{layout}");
}

#[test]
fn errors_exit_2_with_one_clear_sentence() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.mov");
    let out = postflow(&["qc", missing.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("error: ") && err.contains("missing.mov"),
        "{err}"
    );

    let out = postflow(&[
        "qc",
        missing.to_str().unwrap(),
        "--profile",
        "no-such-profile",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--list-profiles"));

    let typo = dir.path().join("typo.toml");
    std::fs::write(
        &typo,
        "name = \"t\"\ntitle = \"T\"\n[loudness]\ntarget_lufs = -23.0\ntolerence_lu = 1\n",
    )
    .unwrap();
    let out = postflow(&[
        "qc",
        missing.to_str().unwrap(),
        "--profile-file",
        typo.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("typo.toml") && err.contains("line 5") && err.contains("tolerence_lu"),
        "{err}"
    );

    let junk = dir.path().join("junk.mp4");
    std::fs::write(&junk, vec![7u8; 10_000]).unwrap();
    let out = postflow(&["qc", junk.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("junk.mp4"));
}

#[test]
fn list_profiles_names_the_built_in_specs() {
    let out = postflow(&["qc", "--list-profiles"]);
    assert_eq!(out.status.code(), Some(0));
    let s = String::from_utf8_lossy(&out.stdout);
    for name in [
        "basic",
        "youtube",
        "netflix-master",
        "ebu-r128",
        "atsc-a85",
        "instagram",
        "tiktok",
    ] {
        assert!(s.contains(name), "{name} missing from {s}");
    }
}

/// 6 s of 440 Hz at −18 dBFS, down to −50 dBFS from 2 to 4 s: quiet, but not silent by the
/// −60 dB default.
fn quiet_passage_file(dir: &Path) -> String {
    let f = dir.join("quiet.mov").display().to_string();
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=320x180:rate=25:duration=6",
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=440:sample_rate=48000:duration=6",
        "-filter_complex",
        "[1:a]volume=-32dB:enable='gte(t,2)*lt(t,4)',pan=stereo|c0=c0|c1=c0[a]",
        "-map",
        "0:v",
        "-map",
        "[a]",
        "-c:v",
        "prores",
        "-c:a",
        "pcm_s24le",
        &f,
    ]);
    f
}

#[test]
fn a_profile_file_with_tighter_detection_finds_the_quiet_passage() {
    let dir = tempfile::tempdir().unwrap();
    let f = quiet_passage_file(dir.path());
    let silences = |j: &serde_json::Value| -> Vec<serde_json::Value> {
        j["events"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["kind"] == "silence")
            .cloned()
            .collect()
    };
    let out = postflow(&["qc", &f, "--json"]);
    assert_eq!(out.status.code(), Some(0));
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(silences(&j).is_empty(), "{}", j["events"]);
    assert_eq!(j["detection"]["silence_threshold_db"], -60.0);

    let prof = dir.path().join("radio.toml");
    std::fs::write(
        &prof,
        "name = \"radio\"\ntitle = \"Radio\"\n[detection]\nsilence_threshold_db = -45\n\
         [silence]\nprogramme_max_s = 1.0\n",
    )
    .unwrap();
    let out = postflow(&["qc", &f, "--profile-file", prof.to_str().unwrap(), "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let s = silences(&j);
    let whole: Vec<_> = s.iter().filter(|e| e.get("channel").is_none()).collect();
    assert_eq!(whole.len(), 1, "{s:?}");
    let (a, b) = (
        whole[0]["start_s"].as_f64().unwrap(),
        whole[0]["end_s"].as_f64().unwrap(),
    );
    assert!(
        (a - 2.0).abs() <= 0.04 && (b - 4.0).abs() <= 0.04,
        "{a}–{b}"
    );
    assert_eq!(j["detection"]["silence_threshold_db"], -45.0);
    assert_eq!(j["detection"]["set_by"]["silence_threshold_db"], "radio");
    assert!(j["checks"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["id"] == "silence.programme" && c["status"] == "fail"));

    // The human summary names where the threshold came from.
    let out = postflow(&["qc", &f, "--profile-file", prof.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("silence_threshold_db -45 (radio)"),
        "{stdout}"
    );

    // A threshold out of range is an error naming the file, the line and the key.
    std::fs::write(
        &prof,
        "name = \"radio\"\ntitle = \"Radio\"\n[detection]\nsilence_threshold_db = 10\n",
    )
    .unwrap();
    let out = postflow(&["qc", &f, "--profile-file", prof.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("radio.toml")
            && err.contains("line 4")
            && err.contains("detection.silence_threshold_db"),
        "{err}"
    );
}

#[test]
fn a_break_in_the_timecode_track_fails_the_studio_profile() {
    let dir = tempfile::tempdir().unwrap();
    let clean = clean_file(dir.path());
    // Played twice in a row: the copied timecode sample starts again at 10:00:00:00 after 4 s.
    let twice = dir.path().join("twice.mov").display().to_string();
    ffmpeg(&[
        "-stream_loop",
        "1",
        "-i",
        &clean,
        "-map",
        "0",
        "-c",
        "copy",
        "-copy_unknown",
        "-write_tmcd",
        "0",
        &twice,
    ]);
    let prof = dir.path().join("studio.toml");
    std::fs::write(&prof, STUDIO_PROFILE).unwrap();
    let out = postflow(&["qc", &twice, "--profile-file", prof.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("timecode.continuity"), "{stdout}");
    assert!(
        stdout.contains("at 4.00 s expected 10:00:04:00, the track says 10:00:00:00"),
        "{stdout}"
    );
    // The file as exported is continuous.
    let out = postflow(&[
        "qc",
        &clean,
        "--profile-file",
        prof.to_str().unwrap(),
        "--json",
    ]);
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(j["timecode_track"]["break_count"], 0);
    assert!(j["checks"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["id"] == "timecode.continuity" && c["status"] == "pass"));
}
