//! Bad input gives a clear error or a failed check, never a panic or a hang.
use postflow_qc::{run_qc, CheckStatus, ProfileSet, QcError, QcOptions};

fn basic() -> QcOptions {
    QcOptions::new(vec![ProfileSet::builtin().get("basic").unwrap().clone()])
}

#[test]
fn missing_garbage_and_empty_files_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.mov");
    let e = run_qc(&missing, &basic(), &mut |_| {}).unwrap_err();
    assert!(matches!(e, QcError::Open { .. }), "{e}");
    assert!(e.to_string().contains("nope.mov"));

    let junk = dir.path().join("junk.mov");
    std::fs::write(&junk, b"this is not a movie at all, just text").unwrap();
    let e = run_qc(&junk, &basic(), &mut |_| {}).unwrap_err();
    assert!(matches!(e, QcError::Unreadable { .. }), "{e}");
    assert!(
        e.to_string().starts_with(&junk.display().to_string()),
        "{e}"
    );

    let empty = dir.path().join("empty.wav");
    std::fs::write(&empty, b"").unwrap();
    assert!(run_qc(&empty, &basic(), &mut |_| {}).is_err());
}

#[test]
fn a_truncated_file_is_analysed_as_far_as_it_goes_and_fails_the_decode_check() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("cut.mkv");
    crate::common::ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=320x180:rate=25:duration=4",
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=440:sample_rate=48000:duration=4",
        "-c:v",
        "mpeg4",
        "-c:a",
        "pcm_s16le",
        &f.display().to_string(),
    ]);
    let bytes = std::fs::read(&f).unwrap();
    std::fs::write(&f, &bytes[..bytes.len() / 2]).unwrap();
    match run_qc(&f, &basic(), &mut |_| {}) {
        Ok(r) => {
            let d = r.checks.iter().find(|c| c.id == "file.decodes").unwrap();
            let frames = r.video.as_ref().map(|v| v.frames).unwrap_or(0);
            assert!(
                d.status == CheckStatus::Fail || frames < 100,
                "{d:?} frames {frames}"
            );
        }
        Err(e) => assert!(e.to_string().contains("cut.mkv"), "{e}"),
    }
}

#[test]
fn audio_only_and_video_only_files_fail_only_what_the_profile_requires() {
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("a.wav");
    crate::common::ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=1000:sample_rate=48000:duration=2",
        "-ac",
        "2",
        &wav.display().to_string(),
    ]);
    let r = run_qc(&wav, &basic(), &mut |_| {}).unwrap();
    assert!(r.video.is_none());
    assert!(r.loudness.integrated_lufs.is_some());
    // A profile that needs picture fails the audio-only file with a reason.
    let yt = QcOptions::new(vec![ProfileSet::builtin().get("youtube").unwrap().clone()]);
    let r = run_qc(&wav, &yt, &mut |_| {}).unwrap();
    let c = r.checks.iter().find(|c| c.id == "video.present").unwrap();
    assert_eq!(c.status, CheckStatus::Fail);

    let mov = dir.path().join("v.mkv");
    crate::common::ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=160x90:rate=25:duration=2",
        "-c:v",
        "ffv1",
        &mov.display().to_string(),
    ]);
    let r = run_qc(&mov, &yt, &mut |_| {}).unwrap();
    assert!(r.audio.is_empty());
    assert_eq!(r.loudness.integrated_lufs, None);
    assert_eq!(
        r.checks
            .iter()
            .find(|c| c.id == "audio.present")
            .unwrap()
            .status,
        CheckStatus::Fail
    );
}

#[test]
fn variable_frame_rate_is_a_failed_check() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("vfr.mp4");
    // Frames at uneven times: 25 fps with every third frame dropped and timestamps kept.
    crate::common::ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=160x90:rate=25:duration=3",
        "-vf",
        "select='not(eq(mod(n,3),2))'",
        "-fps_mode",
        "vfr",
        "-c:v",
        "mpeg4",
        &f.display().to_string(),
    ]);
    let yt = QcOptions::new(vec![ProfileSet::builtin().get("youtube").unwrap().clone()]);
    let r = run_qc(&f, &yt, &mut |_| {}).unwrap();
    let c = r
        .checks
        .iter()
        .find(|c| c.id == "video.constant_frame_rate")
        .unwrap();
    assert_eq!(c.status, CheckStatus::Fail, "{c:?} {:?}", r.probe.video);
}

#[test]
fn an_unknown_codec_is_an_error_or_failed_check_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    // A WAV header claiming a format tag no decoder knows.
    let mut wav = Vec::new();
    wav.extend(b"RIFF");
    wav.extend(&(36u32 + 4800).to_le_bytes());
    wav.extend(b"WAVEfmt ");
    wav.extend(&16u32.to_le_bytes());
    wav.extend(&0x7777u16.to_le_bytes());
    wav.extend(&2u16.to_le_bytes());
    wav.extend(&48000u32.to_le_bytes());
    wav.extend(&(48000u32 * 4).to_le_bytes());
    wav.extend(&4u16.to_le_bytes());
    wav.extend(&16u16.to_le_bytes());
    wav.extend(b"data");
    wav.extend(&4800u32.to_le_bytes());
    wav.extend(vec![0u8; 4800]);
    let f = dir.path().join("odd.wav");
    std::fs::write(&f, wav).unwrap();
    match run_qc(&f, &basic(), &mut |_| {}) {
        Ok(r) => assert!(
            r.checks.iter().any(|c| c.status == CheckStatus::Fail),
            "{:?}",
            r.checks
        ),
        Err(e) => assert!(e.to_string().contains("odd.wav"), "{e}"),
    }
}
