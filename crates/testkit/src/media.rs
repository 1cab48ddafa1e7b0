//! Test media made by ffmpeg from its test sources (`lavfi`), in a directory the test owns.
use std::path::{Path, PathBuf};
use std::process::Command;

/// Runs ffmpeg quietly, overwriting; panics with ffmpeg's words when it fails.
pub fn ffmpeg(args: &[&str]) {
    let out = Command::new("ffmpeg")
        .args(["-nostdin", "-hide_banner", "-v", "error", "-y"])
        .args(args)
        .output()
        .expect("ffmpeg must be installed (scripts/test installs it)");
    assert!(
        out.status.success(),
        "ffmpeg {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// 10 s of 25 fps moving picture with black at 3.0–4.0 s and a freeze at 6.0–8.6 s, a stereo
/// 440 Hz tone silent at 5.0–7.0 s, and a 5.1 mix whose FR is inverted and whose BR is silent.
pub fn programme(dir: &Path) -> PathBuf {
    let out = dir.join("programme.mov");
    let p = out.display().to_string();
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=320x180:rate=25:duration=10",
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=440:sample_rate=48000:duration=10",
        "-f",
        "lavfi",
        "-i",
        "anoisesrc=color=pink:sample_rate=48000:amplitude=0.3:duration=10:seed=3",
        "-filter_complex",
        "[0:v]drawbox=color=black:t=fill:enable='gte(t,3)*lt(t,4)',split[v1][v2];\
         [v1][v2]freezeframes=first=150:last=214:replace=150[v];\
         [1:a]volume=0.5,volume=0:enable='gte(t,5)*lt(t,7)',pan=stereo|c0=c0|c1=c0[st];\
         [2:a]pan=5.1|c0=c0|c1=-1*c0|c2=0.7*c0|c3=0.3*c0|c4=0.5*c0|c5=0*c0[s51]",
        "-map",
        "[v]",
        "-map",
        "[st]",
        "-map",
        "[s51]",
        "-c:v",
        "ffv1",
        "-c:a",
        "pcm_s24le",
        "-timecode",
        "10:00:00:00",
        &p,
    ]);
    out
}

/// A short H.264/AAC MP4 (640x360 25 fps, 1 kHz stereo, BT.709, fast start) as web platforms
/// take it; `h264_profile` decides whether YouTube's codec profile check passes ("high" does,
/// "baseline" does not).
pub fn web_master(path: &Path, seconds: u32, h264_profile: &str) {
    let seconds = seconds.to_string();
    let out = path.display().to_string();
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=640x360:rate=25",
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=1000:sample_rate=48000",
        "-t",
        &seconds,
        "-c:v",
        "libx264",
        "-profile:v",
        h264_profile,
        "-pix_fmt",
        "yuv420p",
        "-color_primaries",
        "bt709",
        "-color_trc",
        "bt709",
        "-colorspace",
        "bt709",
        "-c:a",
        "aac",
        "-ar",
        "48000",
        "-ac",
        "2",
        "-movflags",
        "+faststart",
        &out,
    ]);
}

/// A master for loudness tests: `seconds` of 640x360 25 fps moving picture (ffv1) with a
/// 1 kHz stereo tone `gain_db` below ffmpeg's sine (about -21 LUFS at 0 dB) as 24-bit PCM, start
/// timecode 10:00:00:00; with `black_from_s`, four seconds of black from there.
pub fn tone_master(path: &Path, seconds: u32, gain_db: f64, black_from_s: Option<u32>) {
    let vf = match black_from_s {
        Some(s) => format!(
            "drawbox=color=black:t=fill:enable='gte(t,{s})*lt(t,{})'",
            s + 4
        ),
        None => "null".into(),
    };
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        &format!("testsrc2=size=640x360:rate=25:duration={seconds}"),
        "-f",
        "lavfi",
        "-i",
        &format!("sine=frequency=1000:sample_rate=48000:duration={seconds}"),
        "-vf",
        &vf,
        "-af",
        &format!("volume={gain_db}dB,pan=stereo|c0=c0|c1=c0"),
        "-c:v",
        "ffv1",
        "-c:a",
        "pcm_s24le",
        "-timecode",
        "10:00:00:00",
        path.to_str().expect("a UTF-8 test path"),
    ]);
}
