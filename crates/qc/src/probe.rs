//! Media probe (F6): typed metadata from ffprobe's JSON.
//!
//! [`parse_ffprobe_json`] is pure and tested on recorded fixtures; [`probe_file`] runs ffprobe as a
//! child with a timeout and also reads an MP4's top-level box order (moov before mdat).
use crate::error::QcError;
use crate::layout;
use crate::process::{ffprobe_bin, run_with_timeout, stderr_tail};
use postflow_core::timecode::FrameRate;
pub use postflow_qc_model::probe::{AudioStream, OtherStream, Probe, ScanType, VideoStream};
use serde::Deserialize;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

// ffprobe's JSON, as loosely as it comes: numbers are often strings, anything may be missing.
#[derive(Deserialize)]
struct RawProbe {
    #[serde(default)]
    streams: Vec<RawStream>,
    format: Option<RawFormat>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawFormat {
    format_name: Option<String>,
    format_long_name: Option<String>,
    duration: Option<String>,
    size: Option<String>,
    bit_rate: Option<String>,
    tags: std::collections::BTreeMap<String, serde_json::Value>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawStream {
    index: u32,
    codec_type: Option<String>,
    codec_name: Option<String>,
    codec_long_name: Option<String>,
    codec_tag_string: Option<String>,
    profile: Option<String>,
    width: Option<u32>,
    height: Option<u32>,
    sample_aspect_ratio: Option<String>,
    display_aspect_ratio: Option<String>,
    r_frame_rate: Option<String>,
    avg_frame_rate: Option<String>,
    field_order: Option<String>,
    pix_fmt: Option<String>,
    bits_per_raw_sample: Option<String>,
    bits_per_sample: Option<u32>,
    color_range: Option<String>,
    color_primaries: Option<String>,
    color_transfer: Option<String>,
    color_space: Option<String>,
    nb_frames: Option<String>,
    duration: Option<String>,
    bit_rate: Option<String>,
    sample_rate: Option<String>,
    sample_fmt: Option<String>,
    channels: Option<u32>,
    channel_layout: Option<String>,
    disposition: Option<serde_json::Value>,
    tags: std::collections::BTreeMap<String, serde_json::Value>,
}

fn tag(tags: &std::collections::BTreeMap<String, serde_json::Value>, key: &str) -> Option<String> {
    tags.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .and_then(|(_, v)| v.as_str().map(str::to_string))
        .filter(|s| !s.trim().is_empty())
}

fn num<T: std::str::FromStr>(s: &Option<String>) -> Option<T> {
    s.as_deref().and_then(|v| v.trim().parse().ok())
}

fn rate(s: &Option<String>) -> Option<FrameRate> {
    s.as_deref()
        .and_then(|v| v.parse::<FrameRate>().ok())
        // ffprobe writes 0/0 for "none" and container timebases like 90000/1 for junk.
        .filter(|r| r.as_f64() > 0.0 && r.as_f64() < 1000.0)
}

fn known(s: &Option<String>) -> Option<String> {
    s.clone().filter(|v| !v.is_empty() && v != "unknown")
}

/// Bit depth from the pixel format name (yuv422p10le → 10, yuv420p → 8).
fn pix_fmt_depth(p: &str) -> Option<u32> {
    let digits: String = p
        .trim_end_matches("le")
        .trim_end_matches("be")
        .chars()
        .rev()
        .take_while(|c| c.is_ascii_digit())
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    match digits.parse::<u32>() {
        Ok(d) if (9..=16).contains(&d) => Some(d),
        _ if p.starts_with("yuv")
            || p.starts_with("gray")
            || p.starts_with("nv")
            || p.starts_with("rgb")
            || p.starts_with("bgr") =>
        {
            Some(8)
        }
        _ => None,
    }
}

/// Parses `ffprobe -print_format json -show_format -show_streams` output. Pure.
pub fn parse_ffprobe_json(json: &str) -> Result<Probe, String> {
    let raw: RawProbe = serde_json::from_str(json).map_err(|e| e.to_string())?;
    let fmt = raw.format.unwrap_or_default();
    let mut p = Probe {
        container: fmt.format_name.clone().unwrap_or_default(),
        container_long: fmt.format_long_name.clone().unwrap_or_default(),
        duration_s: num(&fmt.duration).filter(|d: &f64| d.is_finite() && *d >= 0.0),
        size_bytes: num(&fmt.size),
        bit_rate: num(&fmt.bit_rate),
        moov_before_mdat: None,
        start_timecode: None,
        reel: tag(&fmt.tags, "reel_name").or_else(|| tag(&fmt.tags, "reel")),
        video: vec![],
        audio: vec![],
        other: vec![],
    };
    let mut tc_data = None;
    let mut tc_video = None;
    for s in raw.streams {
        let attached_pic = s
            .disposition
            .as_ref()
            .and_then(|d| d.get("attached_pic"))
            .and_then(|v| v.as_i64())
            == Some(1);
        match s.codec_type.as_deref() {
            Some("video") if !attached_pic => {
                let frame_rate = rate(&s.r_frame_rate);
                let avg = rate(&s.avg_frame_rate);
                let vfr = match (frame_rate, avg) {
                    (Some(r), Some(a)) => (r.as_f64() - a.as_f64()).abs() / r.as_f64() > 0.002,
                    _ => false,
                };
                let scan = match s.field_order.as_deref() {
                    Some("progressive") => ScanType::Progressive,
                    Some("tt") | Some("tb") => ScanType::InterlacedTff,
                    Some("bb") | Some("bt") => ScanType::InterlacedBff,
                    _ => ScanType::Unknown,
                };
                if tc_video.is_none() {
                    tc_video = tag(&s.tags, "timecode");
                }
                if p.reel.is_none() {
                    p.reel = tag(&s.tags, "reel_name");
                }
                let bit_depth = num(&s.bits_per_raw_sample)
                    .filter(|d: &u32| *d > 0)
                    .or_else(|| s.pix_fmt.as_deref().and_then(pix_fmt_depth));
                p.video.push(VideoStream {
                    index: s.index,
                    codec: s.codec_name.clone().unwrap_or_else(|| "unknown".into()),
                    codec_long: s.codec_long_name.clone().unwrap_or_default(),
                    profile: known(&s.profile),
                    width: s.width.unwrap_or(0),
                    height: s.height.unwrap_or(0),
                    sample_aspect: known(&s.sample_aspect_ratio),
                    display_aspect: known(&s.display_aspect_ratio),
                    frame_rate,
                    avg_frame_rate: avg,
                    variable_frame_rate: vfr,
                    scan,
                    pix_fmt: known(&s.pix_fmt),
                    bit_depth,
                    color_range: known(&s.color_range),
                    color_primaries: known(&s.color_primaries),
                    color_transfer: known(&s.color_transfer),
                    color_matrix: known(&s.color_space),
                    frames: num(&s.nb_frames),
                    duration_s: num(&s.duration),
                    bit_rate: num(&s.bit_rate),
                });
            }
            Some("audio") => {
                let channels = s.channels.unwrap_or(0);
                let layout = known(&s.channel_layout)
                    .unwrap_or_else(|| layout::default_layout(channels as usize).to_string());
                let bit_depth = num(&s.bits_per_raw_sample)
                    .filter(|d: &u32| *d > 0)
                    .or(s.bits_per_sample.filter(|d| *d > 0));
                p.audio.push(AudioStream {
                    index: s.index,
                    codec: s.codec_name.clone().unwrap_or_else(|| "unknown".into()),
                    codec_long: s.codec_long_name.clone().unwrap_or_default(),
                    profile: known(&s.profile),
                    sample_rate: num(&s.sample_rate).unwrap_or(0),
                    channels,
                    channel_names: layout::channel_names(&layout, channels as usize),
                    layout,
                    bit_depth,
                    sample_fmt: known(&s.sample_fmt),
                    duration_s: num(&s.duration),
                    bit_rate: num(&s.bit_rate),
                    language: tag(&s.tags, "language").filter(|l| l != "und"),
                });
            }
            other => {
                let tag_str = s.codec_tag_string.clone();
                if tag_str.as_deref() == Some("tmcd") || tag(&s.tags, "timecode").is_some() {
                    if tc_data.is_none() {
                        tc_data = tag(&s.tags, "timecode");
                    }
                    if p.reel.is_none() {
                        p.reel = tag(&s.tags, "reel_name");
                    }
                }
                p.other.push(OtherStream {
                    index: s.index,
                    kind: other
                        .unwrap_or(if attached_pic {
                            "attachment"
                        } else {
                            "unknown"
                        })
                        .to_string(),
                    codec: s.codec_name.clone(),
                    tag: tag_str,
                });
            }
        }
    }
    p.start_timecode = tc_data.or(tc_video).or_else(|| tag(&fmt.tags, "timecode"));
    Ok(p)
}

/// Runs ffprobe on `path` (killed after `timeout`) and parses its output.
pub fn probe_file(path: &Path, timeout: Duration) -> Result<Probe, QcError> {
    let meta = std::fs::metadata(path).map_err(|cause| QcError::Open {
        path: path.to_path_buf(),
        cause,
    })?;
    if !meta.is_file() {
        return Err(QcError::Open {
            path: path.to_path_buf(),
            cause: std::io::Error::other("not a regular file"),
        });
    }
    let mut cmd = Command::new(ffprobe_bin());
    cmd.args([
        "-v",
        "error",
        "-print_format",
        "json",
        "-show_format",
        "-show_streams",
    ])
    .arg(path);
    let out = run_with_timeout(cmd, timeout, path)?;
    if !out.status.success() {
        return Err(QcError::Unreadable {
            path: path.to_path_buf(),
            detail: stderr_tail(&out.stderr, 2),
        });
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let mut probe = parse_ffprobe_json(&text).map_err(|detail| QcError::ProbeJson {
        path: path.to_path_buf(),
        detail,
    })?;
    if probe.video.is_empty() && probe.audio.is_empty() {
        return Err(QcError::NoStreams {
            path: path.to_path_buf(),
        });
    }
    if probe.size_bytes.is_none() {
        probe.size_bytes = Some(meta.len());
    }
    if probe.is_mp4_family() {
        probe.moov_before_mdat = moov_before_mdat(path).ok().flatten();
    }
    Ok(probe)
}

/// Walks the top-level boxes of an ISO-BMFF file: `Some(true)` when `moov` precedes `mdat`.
pub fn moov_before_mdat(path: &Path) -> std::io::Result<Option<bool>> {
    let mut f = std::fs::File::open(path)?;
    let len = f.metadata()?.len();
    let mut pos = 0u64;
    for _ in 0..10_000 {
        if pos + 8 > len {
            break;
        }
        f.seek(SeekFrom::Start(pos))?;
        let mut h = [0u8; 16];
        f.read_exact(&mut h[..8])?;
        let mut size = u32::from_be_bytes([h[0], h[1], h[2], h[3]]) as u64;
        let kind = [h[4], h[5], h[6], h[7]];
        if size == 1 {
            f.read_exact(&mut h[8..16])?;
            size = u64::from_be_bytes([h[8], h[9], h[10], h[11], h[12], h[13], h[14], h[15]]);
        } else if size == 0 {
            size = len - pos;
        }
        match &kind {
            b"moov" => return Ok(Some(true)),
            b"mdat" => return Ok(Some(false)),
            _ => {}
        }
        if size < 8 {
            break;
        }
        pos += size;
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pix_fmt_depths() {
        assert_eq!(pix_fmt_depth("yuv422p10le"), Some(10));
        assert_eq!(pix_fmt_depth("yuv420p"), Some(8));
        assert_eq!(pix_fmt_depth("yuv444p12be"), Some(12));
        assert_eq!(pix_fmt_depth("gray"), Some(8));
    }

    #[test]
    fn junk_json_is_an_error_not_a_panic() {
        assert!(parse_ffprobe_json("not json").is_err());
        let p = parse_ffprobe_json("{}").unwrap();
        assert!(p.video.is_empty() && p.audio.is_empty());
        let p = parse_ffprobe_json(
            r#"{"streams":[{"index":0,"codec_type":"video","r_frame_rate":"0/0"}]}"#,
        )
        .unwrap();
        assert_eq!(p.video[0].frame_rate, None);
    }
}
