//! The timecode track of a QuickTime/MP4 file (`tmcd`) and its continuity.
//!
//! A `tmcd` track holds samples that are each one 32-bit big-endian frame number (frames since
//! `00:00:00:00`, counted drop-frame-aware) with a start time and a duration. A continuous track
//! has one sample, or samples where each one's frame number equals the previous one's plus the
//! previous one's duration in frames; anything else is a break in the timecode.
//!
//! [`read_timecode_track`] runs ffprobe (a child with a timeout) to list the samples;
//! [`parse_tmcd_packets`] and [`find_breaks`] are pure and unit-tested on recorded output.
use crate::process::{ffprobe_bin, run_with_timeout, stderr_tail};
use postflow_core::timecode::{FrameRate, Timecode};
pub use postflow_qc_model::timecode_track::{TimecodeBreak, TimecodeTrack, MAX_LISTED_BREAKS};
use serde::Deserialize;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// One `tmcd` sample as ffprobe lists it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TmcdSample {
    /// Start, in the stream's time base.
    pub pts: i64,
    /// Length, in the stream's time base (absent for some last samples).
    pub duration: Option<i64>,
    /// The frame number the sample carries.
    pub frame: u32,
}

/// The samples and stream facts of one `tmcd` stream.
#[derive(Debug, Clone, PartialEq)]
pub struct TmcdPackets {
    /// The stream's time base as (num, den).
    pub time_base: (u64, u64),
    /// The track's own rate (ffprobe's `avg_frame_rate` of the stream), when sane.
    pub frame_rate: Option<FrameRate>,
    /// The stream's `timecode` tag (";" before the frames marks drop-frame).
    pub timecode_tag: Option<String>,
    pub samples: Vec<TmcdSample>,
}

#[derive(Deserialize)]
struct RawOut {
    #[serde(default)]
    packets: Vec<RawPacket>,
    #[serde(default)]
    streams: Vec<RawStream>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawPacket {
    pts: Option<serde_json::Value>,
    duration: Option<serde_json::Value>,
    data: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawStream {
    time_base: Option<String>,
    avg_frame_rate: Option<String>,
    tags: std::collections::BTreeMap<String, serde_json::Value>,
}

/// A number ffprobe printed as a number or a string ("N/A" and junk are `None`).
fn int(v: &Option<serde_json::Value>) -> Option<i64> {
    match v.as_ref()? {
        serde_json::Value::Number(n) => n.as_i64(),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// The bytes of ffprobe's `-show_data` hex dump ("00000000: 000d bba0   ....").
pub fn hexdump_bytes(dump: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for line in dump.lines() {
        let Some((_, rest)) = line.split_once(": ") else {
            continue;
        };
        // The hex column is 16 bytes wide: 8 groups of 4 digits and their spaces (40 chars);
        // the ASCII column after it is not data.
        let hex: String = rest
            .chars()
            .take(40)
            .filter(|c| !c.is_whitespace())
            .collect();
        let digits = hex.as_bytes();
        for pair in digits.chunks(2) {
            let Ok(s) = std::str::from_utf8(pair) else {
                return out;
            };
            match u8::from_str_radix(s, 16) {
                Ok(b) if pair.len() == 2 => out.push(b),
                _ => return out,
            }
        }
    }
    out
}

/// Parses `ffprobe -select_streams N -show_entries stream=time_base,avg_frame_rate:
/// stream_tags=timecode:packet=pts,duration,data -show_data -of json`. Pure.
pub fn parse_tmcd_packets(json: &str) -> Result<TmcdPackets, String> {
    let raw: RawOut = serde_json::from_str(json).map_err(|e| e.to_string())?;
    let stream = raw.streams.into_iter().next().unwrap_or_default();
    let time_base = stream
        .time_base
        .as_deref()
        .and_then(|t| t.split_once('/'))
        .and_then(|(n, d)| Some((n.trim().parse::<u64>().ok()?, d.trim().parse::<u64>().ok()?)))
        .filter(|(n, d)| *n > 0 && *d > 0)
        .ok_or("the timecode stream has no time base")?;
    let frame_rate = stream
        .avg_frame_rate
        .as_deref()
        .and_then(|r| r.parse::<FrameRate>().ok())
        .filter(|r| r.as_f64() >= 1.0 && r.as_f64() < 1000.0);
    let timecode_tag = stream
        .tags
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("timecode"))
        .and_then(|(_, v)| v.as_str().map(str::to_string));
    let mut samples = Vec::with_capacity(raw.packets.len());
    for (i, p) in raw.packets.iter().enumerate() {
        let bytes = p.data.as_deref().map(hexdump_bytes).unwrap_or_default();
        let Some(b) = bytes.get(..4) else {
            return Err(format!(
                "timecode sample {i} holds {} bytes, not a 4-byte frame number",
                bytes.len()
            ));
        };
        let pts = int(&p.pts).ok_or_else(|| format!("timecode sample {i} has no time stamp"))?;
        samples.push(TmcdSample {
            pts,
            duration: int(&p.duration).filter(|d| *d > 0),
            frame: u32::from_be_bytes([b[0], b[1], b[2], b[3]]),
        });
    }
    Ok(TmcdPackets {
        time_base,
        frame_rate,
        timecode_tag,
        samples,
    })
}

/// A timecode label for `frame` (wrapped at 24 hours), or the bare number without a rate.
pub fn label(frame: u64, rate: Option<FrameRate>, drop_frame: bool) -> String {
    let Some(rate) = rate else {
        return format!("frame {frame}");
    };
    let df = drop_frame && rate.drop_frames_per_minute().is_some();
    let day = Timecode::frames_per_day(rate, df);
    Timecode::from_frames(frame % day.max(1), rate, df)
        .map(|t| t.to_string())
        .unwrap_or_else(|_| format!("frame {frame}"))
}

/// Every sample whose frame number does not follow from the sample before it. Pure.
///
/// A sample's length in frames is its duration (or, when absent, the gap to the next sample)
/// times the time base times the frame rate, rounded; labels count modulo 24 hours.
pub fn find_breaks(
    p: &TmcdPackets,
    rate: Option<FrameRate>,
    drop_frame: bool,
) -> (Vec<TimecodeBreak>, u64) {
    let mut breaks = Vec::new();
    let mut count = 0u64;
    let Some(rate) = rate else {
        return (breaks, 0);
    };
    let df = drop_frame && rate.drop_frames_per_minute().is_some();
    let day = Timecode::frames_per_day(rate, df).max(1) as u128;
    let (tb_num, tb_den) = (p.time_base.0 as u128, p.time_base.1 as u128);
    let (r_num, r_den) = (rate.num() as u128, rate.den() as u128);
    // frames = ticks · tb_num/tb_den · r_num/r_den, rounded to the nearest frame.
    let to_frames = |ticks: i64| -> u128 {
        let t = ticks.max(0) as u128;
        let den = tb_den * r_den;
        t.saturating_mul(tb_num)
            .saturating_mul(r_num)
            .saturating_add(den / 2)
            / den
    };
    for (i, w) in p.samples.windows(2).enumerate() {
        let (prev, cur) = (w[0], w[1]);
        let ticks = prev.duration.unwrap_or(cur.pts.saturating_sub(prev.pts));
        let expected = ((prev.frame as u128).saturating_add(to_frames(ticks)) % day) as u64;
        let found = cur.frame as u64 % day as u64;
        if expected != found {
            count += 1;
            if breaks.len() < MAX_LISTED_BREAKS {
                breaks.push(TimecodeBreak {
                    sample: i as u64 + 1,
                    at_s: cur.pts as f64 * tb_num as f64 / tb_den as f64,
                    expected: label(expected, Some(rate), df),
                    found: label(found, Some(rate), df),
                    expected_frame: expected,
                    found_frame: found,
                });
            }
        }
    }
    (breaks, count)
}

/// Builds the report of a parsed track. `video_rate` is the picture's rate; the track's own rate
/// is used where the two disagree (the frame numbers count the track's frames).
pub fn summarise(
    stream_index: u32,
    p: &TmcdPackets,
    video_rate: Option<FrameRate>,
    drop_frame_hint: bool,
) -> TimecodeTrack {
    let rate = match (p.frame_rate, video_rate) {
        (Some(t), Some(v)) if (t.as_f64() - v.as_f64()).abs() / v.as_f64() < 0.001 => Some(v),
        (Some(t), _) => Some(t),
        (None, v) => v,
    };
    let drop_frame = p
        .timecode_tag
        .as_deref()
        .map(postflow_core::timecode::label_is_drop_frame)
        .unwrap_or(drop_frame_hint)
        && rate.is_some_and(|r| r.drop_frames_per_minute().is_some());
    let (breaks, break_count) = find_breaks(p, rate, drop_frame);
    TimecodeTrack {
        stream_index,
        frame_rate: rate,
        drop_frame,
        samples: p.samples.len() as u64,
        start: p
            .samples
            .first()
            .map(|s| label(s.frame as u64, rate, drop_frame)),
        breaks,
        break_count,
        error: None,
    }
}

/// Lists the samples of `tmcd` stream `stream_index` of `path` with ffprobe (killed after
/// `timeout`) and checks them. ffprobe seeks straight to each sample, so this reads kilobytes,
/// not the file. A track that cannot be read is reported with `error` set.
pub fn read_timecode_track(
    path: &Path,
    stream_index: u32,
    video_rate: Option<FrameRate>,
    drop_frame_hint: bool,
    timeout: Duration,
) -> TimecodeTrack {
    let failed = |error: String| TimecodeTrack {
        stream_index,
        frame_rate: video_rate,
        drop_frame: drop_frame_hint,
        samples: 0,
        start: None,
        breaks: vec![],
        break_count: 0,
        error: Some(error),
    };
    let mut cmd = Command::new(ffprobe_bin());
    cmd.args(["-v", "error", "-select_streams"])
        .arg(stream_index.to_string())
        .args([
            "-show_entries",
            "stream=time_base,avg_frame_rate:stream_tags=timecode:packet=pts,duration,data",
            "-show_data",
            "-of",
            "json",
        ])
        .arg(path);
    let out = match run_with_timeout(cmd, timeout, path) {
        Ok(o) => o,
        Err(e) => return failed(e.to_string()),
    };
    if !out.status.success() {
        return failed(format!(
            "ffprobe could not list the timecode samples: {}",
            stderr_tail(&out.stderr, 2)
        ));
    }
    match parse_tmcd_packets(&String::from_utf8_lossy(&out.stdout)) {
        Ok(p) => summarise(stream_index, &p, video_rate, drop_frame_hint),
        Err(e) => failed(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Recorded: `ffmpeg -stream_loop 2 -i a.mov -map 0 -c copy -copy_unknown -write_tmcd 0`
    /// of a 2 s 25 fps file with timecode 10:00:00:00: three samples, all 10:00:00:00.
    const LOOPED: &str = r#"{
        "packets": [
            {"pts": 0, "duration": 25600, "data": "\n00000000: 000d bba0                                ....\n"},
            {"pts": 25600, "duration": 25600, "data": "\n00000000: 000d bba0                                ....\n"},
            {"pts": 51200, "duration": 25600, "data": "\n00000000: 000d bba0                                ....\n"}
        ],
        "programs": [],
        "streams": [{"index": 1, "avg_frame_rate": "12800/512", "time_base": "1/12800",
                     "tags": {"timecode": "10:00:00:00"}}]
    }"#;

    #[test]
    fn a_looped_track_breaks_where_each_loop_starts() {
        let p = parse_tmcd_packets(LOOPED).unwrap();
        assert_eq!(p.samples.len(), 3);
        assert_eq!(p.samples[0].frame, 900_000);
        let t = summarise(1, &p, Some(FrameRate::FPS_25), false);
        assert_eq!(t.start.as_deref(), Some("10:00:00:00"));
        assert_eq!(t.break_count, 2);
        let b = &t.breaks[0];
        assert_eq!((b.sample, b.at_s), (1, 2.0));
        assert_eq!(b.expected, "10:00:02:00");
        assert_eq!(b.found, "10:00:00:00");
        assert_eq!(t.breaks[1].expected, "10:00:02:00");
    }

    #[test]
    fn a_counting_track_is_continuous_and_wraps_at_midnight() {
        let last = 24 * 3600 * 25 - 50; // 23:59:58:00
        let json = format!(
            r#"{{"packets": [
                {{"pts": 0, "duration": 50, "data": "00000000: {:04x} {:04x}"}},
                {{"pts": 50, "data": "00000000: 0000 0000"}}],
                "streams": [{{"time_base": "1/25", "avg_frame_rate": "25/1"}}]}}"#,
            last >> 16,
            last & 0xffff
        );
        let p = parse_tmcd_packets(&json).unwrap();
        let t = summarise(2, &p, None, false);
        assert_eq!(t.start.as_deref(), Some("23:59:58:00"));
        assert_eq!(t.break_count, 0, "{t:?}");
    }

    #[test]
    fn drop_frame_labels_skip_the_dropped_numbers() {
        // 00:00:58;00 at 29.97 DF is frame 1740; 60 frames later is 00:01:00;02, not ;00.
        let json = r#"{"packets": [
            {"pts": 0, "duration": 60060, "data": "00000000: 0000 06cc"},
            {"pts": 60060, "duration": 60060, "data": "00000000: 0000 06cc"}],
            "streams": [{"time_base": "1/30000", "avg_frame_rate": "30000/1001",
                         "tags": {"timecode": "00:00:58;00"}}]}"#;
        let p = parse_tmcd_packets(json).unwrap();
        let t = summarise(1, &p, Some(FrameRate::FPS_29_97), false);
        assert!(t.drop_frame);
        assert_eq!(t.breaks[0].expected, "00:01:00;02");
        assert_eq!(t.breaks[0].found, "00:00:58;00");
    }

    #[test]
    fn junk_never_panics() {
        assert!(parse_tmcd_packets("not json").is_err());
        assert!(parse_tmcd_packets("{}").is_err());
        let short = r#"{"packets": [{"pts": 0, "data": "00000000: 00ff"}],
                        "streams": [{"time_base": "1/25"}]}"#;
        assert!(parse_tmcd_packets(short).unwrap_err().contains("2 bytes"));
        let odd = r#"{"packets": [{"pts": "N/A", "data": "00000000: 0000 0001"}],
                      "streams": [{"time_base": "1/0"}]}"#;
        assert!(parse_tmcd_packets(odd).is_err());
        assert_eq!(hexdump_bytes("garbage: zz"), Vec::<u8>::new());
        assert_eq!(hexdump_bytes("00000000: 0a0b 0c  ..."), vec![10, 11, 12]);
        // Without any rate nothing can be compared, and nothing is claimed.
        let p = TmcdPackets {
            time_base: (1, 25),
            frame_rate: None,
            timecode_tag: None,
            samples: vec![],
        };
        assert_eq!(find_breaks(&p, None, true), (vec![], 0));
        assert_eq!(label(5, None, false), "frame 5");
    }
}
