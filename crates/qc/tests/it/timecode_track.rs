//! Continuity of the QuickTime timecode (`tmcd`) track on files made by ffmpeg.
//!
//! ffmpeg writes a `tmcd` track as one sample (one frame number for the whole programme), which
//! is continuous by construction. A track with several samples comes from looping the input
//! (`-stream_loop N … -c copy -copy_unknown -write_tmcd 0`): each loop copies the sample again, so
//! the timecode jumps back to the start at every loop — a real discontinuity, made by ffmpeg only.
//! To make a several-sample track that *is* continuous (or jumps forward), and to mark a copied
//! track drop-frame (the copy loses that flag), [`mov`] edits bytes of such a file in place.
use postflow_qc::profile::parse_profile;
use postflow_qc::report::{Check, CheckStatus, QcReport};
use postflow_qc::{run_qc, QcOptions, Verdict};
use std::path::{Path, PathBuf};

/// In-place edits of an ffmpeg-made MOV. Nothing is inserted or removed, so every size and
/// offset in the file (box sizes, `stco` chunk offsets) stays valid.
mod mov {
    use std::path::Path;
    use std::process::Command;

    /// Where each sample of stream `stream` starts in the file, as ffprobe reports it.
    pub fn sample_positions(file: &Path, stream: u32) -> Vec<u64> {
        let out = Command::new("ffprobe")
            .args(["-v", "error", "-select_streams", &stream.to_string()])
            .args(["-show_entries", "packet=pos", "-of", "csv=p=0"])
            .arg(file)
            .output()
            .expect("ffprobe runs");
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| l.trim().trim_end_matches(',').parse().ok())
            .collect()
    }

    /// Overwrites the frame number of `tmcd` sample `n` (a 32-bit big-endian count of frames
    /// since 00:00:00:00) with `frame`.
    pub fn set_tmcd_frame(file: &Path, stream: u32, n: usize, frame: u32) {
        let pos = sample_positions(file, stream)[n] as usize;
        let mut bytes = std::fs::read(file).unwrap();
        bytes[pos..pos + 4].copy_from_slice(&frame.to_be_bytes());
        std::fs::write(file, bytes).unwrap();
    }

    /// Sets the drop-frame bit (flags & 1) of the `tmcd` sample description, found at
    /// moov/trak/mdia/minf/stbl/stsd. A `tmcd` entry is: size(4) type(4) reserved(6)
    /// data_reference_index(2) reserved(4) flags(4) timescale(4) frame_duration(4) frames(1) …
    pub fn set_tmcd_drop_frame(file: &Path) {
        let mut bytes = std::fs::read(file).unwrap();
        let at = find_tmcd_entry(&bytes, 0, bytes.len(), 0).expect("a tmcd sample description");
        bytes[at + 23] |= 1;
        std::fs::write(file, bytes).unwrap();
    }

    /// Walks the boxes in `b[start..end]`, descending into the containers on the way to `stsd`.
    fn find_tmcd_entry(b: &[u8], start: usize, end: usize, depth: u32) -> Option<usize> {
        let mut pos = start;
        while pos + 8 <= end && depth < 8 {
            let size = u32::from_be_bytes(b[pos..pos + 4].try_into().ok()?) as usize;
            let kind = &b[pos + 4..pos + 8];
            let size = if size == 0 { end - pos } else { size };
            if size < 8 || pos + size > end {
                return None;
            }
            match kind {
                b"moov" | b"trak" | b"mdia" | b"minf" | b"stbl" => {
                    if let Some(at) = find_tmcd_entry(b, pos + 8, pos + size, depth + 1) {
                        return Some(at);
                    }
                }
                b"stsd" => {
                    // Full box: version/flags(4) and entry count(4), then the entries.
                    let mut e = pos + 16;
                    while e + 8 <= pos + size {
                        let esize = u32::from_be_bytes(b[e..e + 4].try_into().ok()?) as usize;
                        if &b[e + 4..e + 8] == b"tmcd" {
                            return Some(e);
                        }
                        if esize < 8 {
                            break;
                        }
                        e += esize;
                    }
                }
                _ => {}
            }
            pos += size;
        }
        None
    }
}

/// A 2 s 160x90 picture with timecode `tc` at `rate`, in `name` (MOV, MP4 or MKV by extension).
fn clip(dir: &Path, name: &str, rate: &str, tc: Option<&str>) -> PathBuf {
    let f = dir.join(name);
    let mut args = vec![
        "-f".to_string(),
        "lavfi".into(),
        "-i".into(),
        format!("testsrc2=size=160x90:rate={rate}:duration=2"),
        "-c:v".into(),
        "mpeg4".into(),
    ];
    match tc {
        Some(tc) => args.extend(["-timecode".to_string(), tc.to_string()]),
        None => args.extend(["-write_tmcd".to_string(), "0".to_string()]),
    }
    args.push(f.display().to_string());
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    crate::common::ffmpeg(&refs);
    f
}

/// `src` played `1 + loops` times in a row, its `tmcd` sample copied once per loop.
fn looped(dir: &Path, src: &Path, loops: u32, name: &str) -> PathBuf {
    let f = dir.join(name);
    crate::common::ffmpeg(&[
        "-stream_loop",
        &loops.to_string(),
        "-i",
        &src.display().to_string(),
        "-map",
        "0",
        "-c",
        "copy",
        "-copy_unknown",
        "-write_tmcd",
        "0",
        &f.display().to_string(),
    ]);
    f
}

fn profile(continuity: &str) -> postflow_qc::Profile {
    let text = format!(
        "name = \"tc\"\ntitle = \"Timecode\"\n[timecode]\nrequired = true\ncontinuity = \"{continuity}\"\n"
    );
    parse_profile("tc.toml", &text).unwrap()
}

fn qc(file: &Path, continuity: &str) -> QcReport {
    run_qc(
        file,
        &QcOptions::new(vec![profile(continuity)]),
        &mut |_| {},
    )
    .unwrap()
}

fn check<'a>(r: &'a QcReport, id: &str) -> &'a Check {
    r.checks
        .iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("no {id} in {:#?}", r.checks))
}

#[test]
fn a_looped_track_fails_at_each_jump_with_expected_and_found_timecode() {
    let dir = tempfile::tempdir().unwrap();
    let a = clip(dir.path(), "a.mov", "25", Some("10:00:00:00"));
    let f = looped(dir.path(), &a, 2, "looped.mov");

    let r = qc(&f, "fail");
    let t = r.timecode_track.as_ref().expect("a timecode track");
    assert_eq!(t.samples, 3);
    assert_eq!(t.start.as_deref(), Some("10:00:00:00"));
    assert_eq!(t.break_count, 2);
    let at: Vec<(f64, &str, &str)> = t
        .breaks
        .iter()
        .map(|b| (b.at_s, b.expected.as_str(), b.found.as_str()))
        .collect();
    assert_eq!(
        at,
        [
            (2.0, "10:00:02:00", "10:00:00:00"),
            (4.0, "10:00:02:00", "10:00:00:00")
        ]
    );
    let c = check(&r, "timecode.continuity");
    assert_eq!(c.status, CheckStatus::Fail, "{c:?}");
    assert!(c.expected.contains("continuous"), "{c:?}");
    assert!(
        c.measured.starts_with("2 breaks")
            && c.measured
                .contains("at 10:00:02:00 (2.00 s) the track says 10:00:00:00"),
        "{c:?}"
    );
    assert_eq!(r.status, Verdict::Fail);

    // The profile may only warn: the break is still reported, the file passes.
    let r = qc(&f, "warn");
    assert_eq!(check(&r, "timecode.continuity").status, CheckStatus::Warn);
    assert_eq!(r.status, Verdict::Pass, "{:#?}", r.checks);
    // … or not check at all.
    let r = qc(&f, "off");
    assert!(r.checks.iter().all(|c| c.id != "timecode.continuity"));

    // The JSON carries the breaks; the HTML report lists them.
    let j: serde_json::Value = serde_json::from_str(&qc(&f, "fail").to_json()).unwrap();
    assert_eq!(j["timecode_track"]["break_count"], 2);
    assert_eq!(j["timecode_track"]["breaks"][0]["found"], "10:00:00:00");
    let html = postflow_qc::render_html(&r);
    assert!(html.contains("Timecode track") && html.contains("10:00:02:00"));
}

#[test]
fn several_samples_that_count_on_pass_and_a_forward_jump_fails() {
    let dir = tempfile::tempdir().unwrap();
    let a = clip(dir.path(), "a.mov", "25", Some("10:00:00:00"));
    let f = looped(dir.path(), &a, 2, "counted.mov");
    let stream = qc(&f, "fail").timecode_track.unwrap().stream_index;
    // 10:00:00:00 is frame 900000 at 25 fps; each sample lasts 2 s = 50 frames.
    mov::set_tmcd_frame(&f, stream, 1, 900_050);
    mov::set_tmcd_frame(&f, stream, 2, 900_100);
    let r = qc(&f, "fail");
    let c = check(&r, "timecode.continuity");
    assert_eq!(c.status, CheckStatus::Pass, "{c:?}");
    assert_eq!(c.measured, "continuous from 10:00:00:00 (3 samples)");

    // The third sample jumps three seconds ahead: 10:00:07:00 where 10:00:04:00 belongs.
    mov::set_tmcd_frame(&f, stream, 2, 900_175);
    let r = qc(&f, "fail");
    let t = r.timecode_track.as_ref().unwrap();
    assert_eq!(t.break_count, 1);
    let b = &t.breaks[0];
    assert_eq!(
        (b.sample, b.at_s, b.expected.as_str(), b.found.as_str()),
        (2, 4.0, "10:00:04:00", "10:00:07:00")
    );
    assert_eq!(check(&r, "timecode.continuity").status, CheckStatus::Fail);
}

#[test]
fn drop_frame_breaks_are_told_in_drop_frame_timecode() {
    let dir = tempfile::tempdir().unwrap();
    let a = clip(dir.path(), "df.mov", "30000/1001", Some("00:00:58;00"));
    let f = looped(dir.path(), &a, 1, "df-looped.mov");
    // The copied track lost its drop-frame flag; put it back.
    mov::set_tmcd_drop_frame(&f);
    let r = qc(&f, "fail");
    assert_eq!(r.probe.start_timecode.as_deref(), Some("00:00:58;00"));
    let t = r.timecode_track.as_ref().unwrap();
    assert!(t.drop_frame);
    // 60 frames after 00:00:58;00 is 00:01:00;02: drop-frame skips ;00 and ;01 at minute 1.
    let b = &t.breaks[0];
    assert_eq!(
        (b.expected.as_str(), b.found.as_str()),
        ("00:01:00;02", "00:00:58;00")
    );
    assert!((b.at_s - 2.002).abs() < 1e-6, "{b:?}");
}

#[test]
fn a_track_written_in_one_go_is_continuous_in_mov_and_mp4() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["one.mov", "one.mp4"] {
        let f = clip(dir.path(), name, "25", Some("01:00:00:00"));
        let r = qc(&f, "fail");
        let c = check(&r, "timecode.continuity");
        assert_eq!(c.status, CheckStatus::Pass, "{name}: {c:?}");
        assert_eq!(c.measured, "continuous from 01:00:00:00 (1 sample)");
        assert_eq!(r.status, Verdict::Pass, "{name}: {:#?}", r.checks);
    }
}

#[test]
fn without_a_timecode_track_the_check_says_so() {
    let dir = tempfile::tempdir().unwrap();
    // A MOV with no timecode at all.
    let f = clip(dir.path(), "none.mov", "25", None);
    let r = qc(&f, "fail");
    assert!(r.timecode_track.is_none());
    let c = check(&r, "timecode.continuity");
    assert_eq!(
        (c.status, c.measured.as_str()),
        (CheckStatus::Warn, "no timecode track")
    );
    assert_eq!(check(&r, "timecode.present").status, CheckStatus::Fail);

    // Matroska carries a start timecode as a tag, but no track to follow.
    let f = clip(dir.path(), "tagged.mkv", "25", Some("10:00:00:00"));
    let r = qc(&f, "fail");
    assert_eq!(r.probe.start_timecode.as_deref(), Some("10:00:00:00"));
    let c = check(&r, "timecode.continuity");
    assert_eq!(c.status, CheckStatus::Warn, "{c:?}");
    assert_eq!(c.measured, "no timecode track");
    assert!(
        c.message.contains("10:00:00:00") && c.message.contains("continuity"),
        "{c:?}"
    );
}
