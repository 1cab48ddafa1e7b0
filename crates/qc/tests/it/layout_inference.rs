//! An unlabelled multichannel WAV (plain WAVE_FORMAT_PCM, no channel mask) is measured with the
//! layout BS.1770 and libebur128 assume: 5 channels L R C Ls Rs, surrounds at +1.5 dB.
use postflow_qc::measure_loudness;
use std::path::{Path, PathBuf};
use std::process::Command;

/// ffmpeg's samples in a WAV header written by hand: format tag 1 (PCM), so no channel mask
/// (ffmpeg's own muxer always writes WAVE_FORMAT_EXTENSIBLE with a mask past two channels).
fn unlabelled_wav(dir: &Path, channels: u16, pan: &str) -> PathBuf {
    let raw = dir.join("raw.pcm");
    crate::common::ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "anoisesrc=color=pink:sample_rate=48000:amplitude=0.3:duration=10:seed=3",
        "-filter_complex",
        pan,
        "-f",
        "s16le",
        raw.to_str().unwrap(),
    ]);
    let data = std::fs::read(&raw).unwrap();
    let (rate, bits) = (48_000u32, 16u16);
    let block = channels * bits / 8;
    let mut wav = Vec::with_capacity(44 + data.len());
    wav.extend_from_slice(b"RIFF");
    wav.extend_from_slice(&(36 + data.len() as u32).to_le_bytes());
    wav.extend_from_slice(b"WAVEfmt ");
    wav.extend_from_slice(&16u32.to_le_bytes());
    wav.extend_from_slice(&1u16.to_le_bytes());
    wav.extend_from_slice(&channels.to_le_bytes());
    wav.extend_from_slice(&rate.to_le_bytes());
    wav.extend_from_slice(&(rate * block as u32).to_le_bytes());
    wav.extend_from_slice(&block.to_le_bytes());
    wav.extend_from_slice(&bits.to_le_bytes());
    wav.extend_from_slice(b"data");
    wav.extend_from_slice(&(data.len() as u32).to_le_bytes());
    wav.extend_from_slice(&data);
    let out = dir.join(format!("unlabelled{channels}.wav"));
    std::fs::write(&out, wav).unwrap();
    out
}

/// Integrated loudness as ffmpeg's ebur128 filter reports it (one decimal).
fn ffmpeg_integrated(file: &Path) -> f64 {
    let out = Command::new("ffmpeg")
        .args(["-nostdin", "-hide_banner", "-nostats", "-i"])
        .arg(file)
        .args(["-af", "ebur128", "-f", "null", "-"])
        .output()
        .expect("ffmpeg runs");
    let log = String::from_utf8_lossy(&out.stderr);
    let summary = log.rsplit("Summary:").next().unwrap();
    let line = summary
        .lines()
        .find(|l| l.trim_start().starts_with("I:"))
        .unwrap_or_else(|| panic!("no integrated loudness in ffmpeg's log: {log}"));
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

fn probed_layout(file: &Path) -> String {
    let out = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-show_entries",
            "stream=channel_layout",
            "-of",
            "csv=p=0",
        ])
        .arg(file)
        .output()
        .expect("ffprobe runs");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[test]
fn an_unlabelled_five_channel_wav_weights_channels_four_and_five_as_surrounds() {
    let dir = tempfile::tempdir().unwrap();
    // Quiet fronts, loud surrounds: weighting the surrounds as fronts reads ~1.4 LU low.
    let file = unlabelled_wav(
        dir.path(),
        5,
        "pan=5c|c0=0.1*c0|c1=0.1*c0|c2=0.1*c0|c3=c0|c4=c0",
    );
    assert_eq!(
        probed_layout(&file),
        "unknown",
        "the test file must carry no layout"
    );

    let reference = ffmpeg_integrated(&file);
    let audio = measure_loudness(&file, 1).unwrap();
    let ours = audio[0].loudness.integrated_lufs.unwrap();
    assert!(
        (ours - reference).abs() <= 0.1,
        "integrated {ours:.2} LUFS, ffmpeg's ebur128 says {reference:.1} LUFS"
    );
    let names: Vec<_> = audio[0].channels.iter().map(|c| c.name.clone()).collect();
    assert_eq!(names, ["FL", "FR", "FC", "BL", "BR"]);
}

#[test]
fn an_unlabelled_six_channel_wav_excludes_the_fourth_channel_as_lfe() {
    let dir = tempfile::tempdir().unwrap();
    let file = unlabelled_wav(
        dir.path(),
        6,
        "pan=6c|c0=0.1*c0|c1=0.1*c0|c2=0.1*c0|c3=c0|c4=0.5*c0|c5=0.5*c0",
    );
    let reference = ffmpeg_integrated(&file);
    let audio = measure_loudness(&file, 1).unwrap();
    let ours = audio[0].loudness.integrated_lufs.unwrap();
    assert!(
        (ours - reference).abs() <= 0.1,
        "integrated {ours:.2} LUFS, ffmpeg's ebur128 says {reference:.1} LUFS"
    );
}
