//! SMPTE timecode over rational frame rates, with drop-frame counting done right for 29.97 and 59.94.
//!
//! A [`Timecode`] is a frame count since `00:00:00:00` at a [`FrameRate`], plus whether its label is
//! drop-frame. Labels are derived from the count, so a value can never name a frame that drop-frame
//! skips (`00:01:00;00` at 29.97 DF does not exist) or a frame number past the rate's timebase.
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Errors from parsing or building frame rates and timecodes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimecodeError {
    #[error("frame rate `{0}` is not a positive number or ratio such as 25, 29.97 or 30000/1001")]
    BadFrameRate(String),
    #[error("timecode `{0}` is not of the form HH:MM:SS:FF (or HH:MM:SS;FF for drop-frame)")]
    BadFormat(String),
    #[error("timecode `{tc}` is out of range: {why}")]
    OutOfRange { tc: String, why: String },
    #[error("drop-frame timecode needs a 29.97 or 59.94 rate, not {0}")]
    DropFrameUnsupported(FrameRate),
    #[error("timecode `{tc}` names a frame that drop-frame skips (frames 0..{dropped} at minutes not divisible by 10)")]
    DroppedLabel { tc: String, dropped: u32 },
}

/// A frame rate as a reduced ratio, e.g. 30000/1001 for "29.97".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct FrameRate {
    num: u32,
    den: u32,
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

impl FrameRate {
    pub const FPS_23_976: FrameRate = FrameRate {
        num: 24000,
        den: 1001,
    };
    pub const FPS_24: FrameRate = FrameRate { num: 24, den: 1 };
    pub const FPS_25: FrameRate = FrameRate { num: 25, den: 1 };
    pub const FPS_29_97: FrameRate = FrameRate {
        num: 30000,
        den: 1001,
    };
    pub const FPS_30: FrameRate = FrameRate { num: 30, den: 1 };
    pub const FPS_50: FrameRate = FrameRate { num: 50, den: 1 };
    pub const FPS_59_94: FrameRate = FrameRate {
        num: 60000,
        den: 1001,
    };
    pub const FPS_60: FrameRate = FrameRate { num: 60, den: 1 };

    /// A rate `num/den`, reduced. Both must be positive.
    pub fn new(num: u32, den: u32) -> Result<Self, TimecodeError> {
        if num == 0 || den == 0 {
            return Err(TimecodeError::BadFrameRate(format!("{num}/{den}")));
        }
        let g = gcd(num as u64, den as u64) as u32;
        Ok(FrameRate {
            num: num / g,
            den: den / g,
        })
    }

    pub fn num(self) -> u32 {
        self.num
    }
    pub fn den(self) -> u32 {
        self.den
    }
    pub fn as_f64(self) -> f64 {
        self.num as f64 / self.den as f64
    }

    /// The integer frame count per timecode second (30 for 29.97, 24 for 23.976).
    pub fn timebase(self) -> u32 {
        ((self.num as u64 + self.den as u64 / 2) / self.den as u64).max(1) as u32
    }

    /// Frames dropped from the label count each minute (except every tenth) in drop-frame:
    /// 2 at 29.97, 4 at 59.94; `None` for rates where drop-frame is not defined.
    pub fn drop_frames_per_minute(self) -> Option<u32> {
        match (self.num, self.den) {
            (30000, 1001) => Some(2),
            (60000, 1001) => Some(4),
            _ => None,
        }
    }

    /// Seconds of real time for `frames` frames.
    pub fn frames_to_seconds(self, frames: u64) -> f64 {
        frames as f64 * self.den as f64 / self.num as f64
    }

    /// The frame that contains the instant `seconds` (floor).
    pub fn seconds_to_frames(self, seconds: f64) -> u64 {
        if seconds.is_finite() && seconds > 0.0 {
            (seconds * self.num as f64 / self.den as f64 + 1e-9).floor() as u64
        } else {
            0
        }
    }
}

impl fmt::Display for FrameRate {
    /// "25", "29.97", "23.976", or "num/den" for anything else.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.den == 1 {
            write!(f, "{}", self.num)
        } else if self.den == 1001 && self.num.is_multiple_of(1000) {
            let s = format!("{:.3}", self.as_f64());
            write!(f, "{}", s.trim_end_matches('0'))
        } else {
            write!(f, "{}/{}", self.num, self.den)
        }
    }
}

impl From<FrameRate> for String {
    fn from(r: FrameRate) -> String {
        format!("{}/{}", r.num, r.den)
    }
}

impl TryFrom<String> for FrameRate {
    type Error = TimecodeError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl FromStr for FrameRate {
    type Err = TimecodeError;
    /// Accepts "30000/1001", "25", "29.97", "23.976", "59.94" (decimal NTSC rates map to x/1001).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || TimecodeError::BadFrameRate(s.to_string());
        let t = s.trim();
        if let Some((n, d)) = t.split_once('/') {
            let n: u32 = n.trim().parse().map_err(|_| bad())?;
            let d: u32 = d.trim().parse().map_err(|_| bad())?;
            return FrameRate::new(n, d).map_err(|_| bad());
        }
        if let Ok(n) = t.parse::<u32>() {
            return FrameRate::new(n, 1).map_err(|_| bad());
        }
        let v: f64 = t.parse().map_err(|_| bad())?;
        if !(v.is_finite() && v > 0.0 && v < 1.0e6) {
            return Err(bad());
        }
        // 29.97 and friends are the NTSC x/1001 rates, written short.
        let ntsc = (v * 1001.0 / 1000.0).round();
        if ntsc >= 1.0 && (ntsc * 1000.0 / 1001.0 - v).abs() < 0.006 {
            return FrameRate::new(ntsc as u32 * 1000, 1001).map_err(|_| bad());
        }
        let milli = (v * 1000.0).round() as u64;
        let g = gcd(milli, 1000);
        let (n, d) = (milli / g, 1000 / g);
        FrameRate::new(u32::try_from(n).map_err(|_| bad())?, d as u32).map_err(|_| bad())
    }
}

/// A position in a programme: a frame count since `00:00:00:00` at a rate, labelled drop-frame or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Timecode {
    frames: u64,
    rate: FrameRate,
    drop_frame: bool,
}

/// The parts of a timecode label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimecodeParts {
    pub hours: u32,
    pub minutes: u32,
    pub seconds: u32,
    pub frames: u32,
}

impl Timecode {
    /// Frames in 24 hours of labels (the label space wraps there).
    pub fn frames_per_day(rate: FrameRate, drop_frame: bool) -> u64 {
        let tb = rate.timebase() as u64;
        match (drop_frame, rate.drop_frames_per_minute()) {
            (true, Some(d)) => 24 * 6 * (tb * 600 - 9 * d as u64),
            _ => 24 * 3600 * tb,
        }
    }

    /// The timecode of frame number `frames` (0 = 00:00:00:00).
    pub fn from_frames(
        frames: u64,
        rate: FrameRate,
        drop_frame: bool,
    ) -> Result<Self, TimecodeError> {
        if drop_frame && rate.drop_frames_per_minute().is_none() {
            return Err(TimecodeError::DropFrameUnsupported(rate));
        }
        if frames >= Self::frames_per_day(rate, drop_frame) {
            return Err(TimecodeError::OutOfRange {
                tc: format!("frame {frames}"),
                why: "past 24 hours".into(),
            });
        }
        Ok(Timecode {
            frames,
            rate,
            drop_frame,
        })
    }

    /// Builds from label parts, rejecting frames past the timebase and labels drop-frame skips.
    pub fn from_parts(
        p: TimecodeParts,
        rate: FrameRate,
        drop_frame: bool,
    ) -> Result<Self, TimecodeError> {
        let label = format_parts(p, drop_frame);
        let tb = rate.timebase();
        let range = |why: String| TimecodeError::OutOfRange {
            tc: label.clone(),
            why,
        };
        if p.hours >= 24 {
            return Err(range("hours must be below 24".into()));
        }
        if p.minutes >= 60 || p.seconds >= 60 {
            return Err(range("minutes and seconds must be below 60".into()));
        }
        if p.frames >= tb {
            return Err(range(format!("frames must be below {tb} at {rate} fps")));
        }
        let minutes = p.hours as u64 * 60 + p.minutes as u64;
        let nominal = (minutes * 60 + p.seconds as u64) * tb as u64 + p.frames as u64;
        let frames = if drop_frame {
            let d = rate
                .drop_frames_per_minute()
                .ok_or(TimecodeError::DropFrameUnsupported(rate))?;
            if p.seconds == 0 && !p.minutes.is_multiple_of(10) && p.frames < d {
                return Err(TimecodeError::DroppedLabel {
                    tc: label,
                    dropped: d,
                });
            }
            nominal - d as u64 * (minutes - minutes / 10)
        } else {
            nominal
        };
        Self::from_frames(frames, rate, drop_frame)
    }

    /// Parses "HH:MM:SS:FF" (non-drop) or "HH:MM:SS;FF" / "HH:MM:SS.FF" / "HH;MM;SS;FF" (drop-frame).
    pub fn parse(s: &str, rate: FrameRate) -> Result<Self, TimecodeError> {
        let t = s.trim();
        let bad = || TimecodeError::BadFormat(s.to_string());
        let bytes = t.as_bytes();
        if bytes.len() != 11
            || ![2, 5, 8]
                .iter()
                .all(|&i| matches!(bytes[i], b':' | b';' | b'.'))
        {
            return Err(bad());
        }
        let drop_frame = label_is_drop_frame(t);
        let num = |r: std::ops::Range<usize>| -> Result<u32, TimecodeError> {
            let part = &t[r];
            if part.bytes().all(|b| b.is_ascii_digit()) {
                part.parse().map_err(|_| bad())
            } else {
                Err(bad())
            }
        };
        let parts = TimecodeParts {
            hours: num(0..2)?,
            minutes: num(3..5)?,
            seconds: num(6..8)?,
            frames: num(9..11)?,
        };
        Self::from_parts(parts, rate, drop_frame)
    }

    pub fn frames(self) -> u64 {
        self.frames
    }
    pub fn rate(self) -> FrameRate {
        self.rate
    }
    pub fn is_drop_frame(self) -> bool {
        self.drop_frame
    }

    /// Real time since `00:00:00:00` in seconds (for 29.97 DF, 01:00:00;00 is 3600.0 s within 3.6 ms).
    pub fn seconds(self) -> f64 {
        self.rate.frames_to_seconds(self.frames)
    }

    /// This timecode moved by `delta` frames, wrapping at 24 hours.
    pub fn offset(self, delta: i64) -> Timecode {
        let day = Self::frames_per_day(self.rate, self.drop_frame) as i128;
        let f = (self.frames as i128 + delta as i128).rem_euclid(day) as u64;
        Timecode { frames: f, ..self }
    }

    /// The label parts of this frame.
    pub fn parts(self) -> TimecodeParts {
        let tb = self.rate.timebase() as u64;
        let mut f = self.frames;
        if self.drop_frame {
            if let Some(d) = self.rate.drop_frames_per_minute() {
                let d = d as u64;
                let per_10min = tb * 600 - 9 * d;
                let per_min = tb * 60 - d;
                let tens = f / per_10min;
                let rem = f % per_10min;
                f += 9 * d * tens;
                if rem > d {
                    f += d * ((rem - d) / per_min);
                }
            }
        }
        TimecodeParts {
            hours: (f / (tb * 3600)) as u32,
            minutes: (f / (tb * 60) % 60) as u32,
            seconds: (f / tb % 60) as u32,
            frames: (f % tb) as u32,
        }
    }
}

fn format_parts(p: TimecodeParts, drop_frame: bool) -> String {
    let sep = if drop_frame { ';' } else { ':' };
    format!(
        "{:02}:{:02}:{:02}{sep}{:02}",
        p.hours, p.minutes, p.seconds, p.frames
    )
}

impl fmt::Display for Timecode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_parts(self.parts(), self.drop_frame))
    }
}

impl Serialize for Timecode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

/// Whether a timecode label is written drop-frame: `;` or `.` before the frames
/// (`01:00:00;00`), as SMPTE 12M and ffprobe's `timecode` tags write it.
pub fn label_is_drop_frame(label: &str) -> bool {
    let t = label.trim();
    t.rfind([':', ';', '.'])
        .is_some_and(|i| matches!(t.as_bytes()[i], b';' | b'.'))
}

#[cfg(test)]
mod tests {
    #[test]
    fn labels_say_whether_they_are_drop_frame() {
        for df in ["01:00:00;00", "00:59:59.29", "01;00;00;02", " 00:00:00;00 "] {
            assert!(label_is_drop_frame(df), "{df}");
        }
        for ndf in ["01:00:00:00", "10:00:00:00", "", "0100"] {
            assert!(!label_is_drop_frame(ndf), "{ndf}");
        }
    }

    use super::*;

    fn tc(s: &str, r: FrameRate) -> Timecode {
        Timecode::parse(s, r).unwrap()
    }

    #[test]
    fn rates_parse_from_decimals_and_ratios() {
        assert_eq!("29.97".parse::<FrameRate>().unwrap(), FrameRate::FPS_29_97);
        assert_eq!(
            "30000/1001".parse::<FrameRate>().unwrap(),
            FrameRate::FPS_29_97
        );
        assert_eq!(
            "23.976".parse::<FrameRate>().unwrap(),
            FrameRate::FPS_23_976
        );
        assert_eq!("59.94".parse::<FrameRate>().unwrap(), FrameRate::FPS_59_94);
        assert_eq!("50/2".parse::<FrameRate>().unwrap(), FrameRate::FPS_25);
        assert_eq!(
            "12.5".parse::<FrameRate>().unwrap(),
            FrameRate::new(25, 2).unwrap()
        );
        assert!("0/0".parse::<FrameRate>().is_err());
        assert!("abc".parse::<FrameRate>().is_err());
        assert_eq!(FrameRate::FPS_29_97.to_string(), "29.97");
        assert_eq!(FrameRate::FPS_23_976.to_string(), "23.976");
        assert_eq!(FrameRate::FPS_25.timebase(), 25);
        assert_eq!(FrameRate::FPS_23_976.timebase(), 24);
    }

    #[test]
    fn drop_frame_skips_two_labels_each_minute_except_tenths() {
        let r = FrameRate::FPS_29_97;
        let before = tc("00:00:59;29", r);
        assert_eq!(before.offset(1).to_string(), "00:01:00;02");
        assert_eq!(tc("00:09:59;29", r).offset(1).to_string(), "00:10:00;00");
        assert!(matches!(
            Timecode::parse("00:01:00;00", r),
            Err(TimecodeError::DroppedLabel { .. })
        ));
        assert!(Timecode::parse("00:10:00;00", r).is_ok());
        // One hour of DF labels is 107892 frames: real time 3599.9964 s.
        assert_eq!(tc("01:00:00;00", r).frames(), 107_892);
        assert!((tc("01:00:00;00", r).seconds() - 3600.0).abs() < 0.004);
        // 59.94 drops four.
        let r60 = FrameRate::FPS_59_94;
        assert_eq!(tc("00:00:59;59", r60).offset(1).to_string(), "00:01:00;04");
        assert_eq!(tc("01:00:00;00", r60).frames(), 215_784);
    }

    #[test]
    fn non_drop_counts_plainly_and_rejects_bad_labels() {
        let r = FrameRate::FPS_25;
        assert_eq!(tc("10:00:00:00", r).frames(), 900_000);
        assert_eq!(tc("01:00:00:00", r).to_string(), "01:00:00:00");
        assert!(Timecode::parse("01:00:00:25", r).is_err());
        assert!(Timecode::parse("24:00:00:00", r).is_err());
        assert!(Timecode::parse("1:00:00:00", r).is_err());
        assert!(
            Timecode::parse("01:00:00;00", r).is_err(),
            "DF label at 25 fps"
        );
        assert!(Timecode::parse("01:60:00:00", r).is_err());
        assert_eq!(tc("23:59:59:24", r).offset(1).to_string(), "00:00:00:00");
    }

    const RATES: [(FrameRate, bool); 10] = [
        (FrameRate::FPS_23_976, false),
        (FrameRate::FPS_24, false),
        (FrameRate::FPS_25, false),
        (FrameRate::FPS_29_97, false),
        (FrameRate::FPS_29_97, true),
        (FrameRate::FPS_30, false),
        (FrameRate::FPS_50, false),
        (FrameRate::FPS_59_94, true),
        (FrameRate::FPS_59_94, false),
        (FrameRate::FPS_60, false),
    ];

    /// Frame numbers to check: every frame around each minute boundary of the first 11 minutes and
    /// the last minute of the day, plus a pseudo-random spread over the day.
    fn sample_frames(rate: FrameRate, df: bool) -> Vec<u64> {
        let day = Timecode::frames_per_day(rate, df);
        let tb = rate.timebase() as u64;
        let mut v: Vec<u64> = (0..tb * 60 * 11).collect();
        v.extend(day - tb * 60..day);
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            v.push(x % day);
        }
        v
    }

    // Property: frames -> label -> frames is the identity, and consecutive frames have strictly
    // increasing labels whose only gaps are the dropped labels at the top of a non-tenth minute.
    #[test]
    fn frames_label_frames_round_trips_and_labels_increase() {
        for (rate, df) in RATES {
            let day = Timecode::frames_per_day(rate, df);
            for f in sample_frames(rate, df) {
                let t = Timecode::from_frames(f, rate, df).unwrap();
                let back = Timecode::parse(&t.to_string(), rate).unwrap();
                assert_eq!(back.frames(), f, "{rate} df={df} {t}");
                assert_eq!(back.is_drop_frame(), df);
                if f + 1 < day {
                    let key = |p: TimecodeParts| (p.hours, p.minutes, p.seconds, p.frames);
                    let (a, b) = (t.parts(), t.offset(1).parts());
                    assert!(key(b) > key(a), "{rate} df={df} frame {f}");
                    let tb = rate.timebase();
                    let plain_next = if a.frames + 1 < tb {
                        (a.hours, a.minutes, a.seconds, a.frames + 1)
                    } else {
                        let s = (a.hours * 3600 + a.minutes * 60 + a.seconds) + 1;
                        (s / 3600, s / 60 % 60, s % 60, 0)
                    };
                    if key(b) != plain_next {
                        // The only gaps are the dropped labels at the top of a non-tenth minute.
                        let d = rate.drop_frames_per_minute().unwrap_or(0);
                        assert!(df && b.seconds == 0 && b.minutes % 10 != 0 && b.frames == d);
                    }
                }
            }
        }
    }

    #[test]
    fn parse_never_panics_on_junk() {
        for s in [
            "",
            "::::",
            "99:99:99:99",
            "01:00:00:0",
            "01:00:00::0",
            "01:00:00;\u{e9}",
            "ab:cd:ef:gh",
            "01:00:00:00:00",
        ] {
            let _ = Timecode::parse(s, FrameRate::FPS_29_97);
            let _ = s.parse::<FrameRate>();
        }
        assert!(Timecode::parse("01:00:0\u{e9}", FrameRate::FPS_25).is_err());
    }
}
