//! Profile rules applied to the probe and the analysis: each rule becomes a [`Check`] with what
//! was expected, what was measured and a sentence saying what to fix. Pure.
use crate::analysis::Analysis;
use crate::layout::{layout_matches, DeclaredLayout};
use crate::probe::{Probe, ScanType};
use crate::profile::{parse_resolution, Continuity, Profile, Severity, TimecodeRules};
use crate::report::{Check, CheckStatus, Event, EventKind, Position};
use crate::timecode_track::TimecodeTrack;
use postflow_core::timecode::{FrameRate, Timecode};

/// What the checks look at.
#[derive(Debug, Clone, Copy)]
pub struct CheckInput<'a> {
    pub probe: &'a Probe,
    pub analysis: &'a Analysis,
    pub decode_errors: &'a [String],
    /// The deliverable's declared mix format; overrides the profile's `audio.layouts`.
    pub declared_layout: Option<&'a DeclaredLayout>,
    /// The programme length the deliverable should have; overrides `duration.expected_s`.
    pub expected_duration_s: Option<f64>,
    /// The file's QuickTime/MP4 timecode track, when it has one.
    pub timecode_track: Option<&'a TimecodeTrack>,
}

struct Out {
    profile: String,
    checks: Vec<Check>,
}

impl Out {
    fn push(
        &mut self,
        id: &str,
        status: CheckStatus,
        expected: impl Into<String>,
        measured: impl Into<String>,
        message: impl Into<String>,
    ) {
        self.checks.push(Check {
            id: id.to_string(),
            profile: self.profile.clone(),
            status,
            expected: expected.into(),
            measured: measured.into(),
            message: message.into(),
        });
    }

    /// A pass/fail check; `sev` turns a failure into a warning.
    fn test(
        &mut self,
        id: &str,
        ok: bool,
        sev: Severity,
        expected: impl Into<String>,
        measured: impl Into<String>,
        fix: &str,
    ) {
        let status = match (ok, sev) {
            (true, _) => CheckStatus::Pass,
            (false, Severity::Fail) => CheckStatus::Fail,
            (false, Severity::Warn) => CheckStatus::Warn,
        };
        let msg = if ok {
            "OK".to_string()
        } else {
            fix.to_string()
        };
        self.push(id, status, expected, measured, msg);
    }

    fn unknown(&mut self, id: &str, expected: impl Into<String>, why: &str) {
        self.push(id, CheckStatus::Warn, expected, "unknown", why);
    }
}

fn one_of(list: &[String]) -> String {
    list.join(" or ")
}

fn matches_any(list: &[String], v: &str) -> bool {
    list.iter().any(|x| x.eq_ignore_ascii_case(v))
}

fn opt(v: Option<f64>, unit: &str) -> String {
    v.map(|x| format!("{x:.1} {unit}"))
        .unwrap_or_else(|| "none".into())
}

fn secs(s: f64) -> String {
    format!("{s:.2} s")
}

/// Applies one profile.
pub fn evaluate(profile: &Profile, input: &CheckInput) -> Vec<Check> {
    let mut o = Out {
        profile: profile.name.clone(),
        checks: Vec::new(),
    };
    let p = input.probe;
    let a = input.analysis;

    o.test(
        "file.decodes",
        input.decode_errors.is_empty(),
        Severity::Fail,
        "decodes without errors",
        if input.decode_errors.is_empty() {
            "clean".to_string()
        } else {
            format!(
                "{} error(s): {}",
                input.decode_errors.len(),
                input.decode_errors[0]
            )
        },
        "The file has decode errors (truncated or corrupt); re-export or re-copy it.",
    );

    if let Some(c) = &profile.container {
        if !c.formats.is_empty() {
            let fmts: Vec<&str> = p.container.split(',').collect();
            let ok = c.formats.iter().any(|f| fmts.contains(&f.as_str()));
            o.test(
                "container.format",
                ok,
                Severity::Fail,
                one_of(&c.formats),
                &p.container,
                "Rewrap the file in an accepted container.",
            );
        }
        if c.faststart == Some(true) {
            match p.moov_before_mdat {
                Some(ok) => o.test(
                    "container.faststart",
                    ok,
                    Severity::Fail,
                    "moov before mdat",
                    if ok { "moov first" } else { "moov after mdat" },
                    "Remux with `-movflags +faststart` so playback can start before the download ends.",
                ),
                None => o.unknown("container.faststart", "moov before mdat", "Not an MP4/MOV file, so fast start cannot be checked."),
            }
        }
    }

    if let Some(f) = &profile.file {
        if let (Some(max), Some(size)) = (f.max_size_mb, p.size_bytes) {
            let mb = size as f64 / 1e6;
            o.test(
                "file.size",
                mb <= max,
                Severity::Fail,
                format!("<= {max} MB"),
                format!("{mb:.1} MB"),
                "Re-encode at a lower bit rate to fit the size limit.",
            );
        }
    }

    video_checks(profile, input, &mut o);
    audio_checks(profile, input, &mut o);
    loudness_checks(profile, input, &mut o);
    timecode_checks(profile, input, &mut o);

    // Duration: the programme (after head bars/tone) against the expected length.
    let dur = profile.duration.as_ref();
    let expected = input.expected_duration_s.or(dur.and_then(|d| d.expected_s));
    let measured = a.programme.end_s - a.programme.start_s;
    if let Some(exp) = expected {
        let tol = dur
            .map(|d| d.tolerance_s)
            .unwrap_or(0.0)
            .max(a.programme.frame_s);
        o.test(
            "duration.expected",
            (measured - exp).abs() <= tol + 1e-6,
            Severity::Fail,
            format!("{} ± {}", secs(exp), secs(tol)),
            secs(measured),
            "The programme length differs from the expected length; check the export range.",
        );
    }
    if let Some(d) = dur {
        if let Some(min) = d.min_s {
            o.test(
                "duration.min",
                measured >= min,
                Severity::Fail,
                format!(">= {}", secs(min)),
                secs(measured),
                "The programme is shorter than the platform allows.",
            );
        }
        if let Some(max) = d.max_s {
            o.test(
                "duration.max",
                measured <= max,
                Severity::Fail,
                format!("<= {}", secs(max)),
                secs(measured),
                "The programme is longer than the platform allows; trim it.",
            );
        }
    }

    event_checks(profile, input, &mut o);

    for m in &profile.manual {
        o.push(
            &format!("manual.{}", m.id),
            CheckStatus::Manual,
            &m.text,
            "to be signed off",
            "A person checks this and signs it off.",
        );
    }
    o.checks
}

fn video_checks(profile: &Profile, input: &CheckInput, o: &mut Out) {
    let Some(r) = &profile.video else { return };
    let Some(v) = input.probe.video.first() else {
        o.test(
            "video.present",
            !r.required,
            Severity::Fail,
            if r.required {
                "a video stream"
            } else {
                "optional"
            },
            "none",
            "The profile needs picture; deliver a file with a video stream.",
        );
        return;
    };
    if !r.codecs.is_empty() {
        o.test(
            "video.codec",
            matches_any(&r.codecs, &v.codec),
            Severity::Fail,
            one_of(&r.codecs),
            &v.codec,
            "Re-encode with an accepted video codec.",
        );
    }
    if !r.profiles.is_empty() {
        let prof = v.profile.clone().unwrap_or_else(|| "unknown".into());
        o.test(
            "video.profile",
            matches_any(&r.profiles, &prof),
            Severity::Fail,
            one_of(&r.profiles),
            &prof,
            "Re-encode with an accepted codec profile.",
        );
    }
    if !r.resolutions.is_empty() {
        let ok = r
            .resolutions
            .iter()
            .filter_map(|s| parse_resolution(s))
            .any(|(w, h)| w == v.width && h == v.height);
        o.test(
            "video.resolution",
            ok,
            Severity::Fail,
            one_of(&r.resolutions),
            format!("{}x{}", v.width, v.height),
            "Scale or re-export at an accepted resolution.",
        );
    }
    let rate = v.avg_frame_rate.or(v.frame_rate);
    if !r.frame_rates.is_empty() {
        let wanted: Vec<FrameRate> = r
            .frame_rates
            .iter()
            .filter_map(|s| s.parse().ok())
            .collect();
        match rate {
            Some(fr) => o.test(
                "video.frame_rate",
                wanted.contains(&fr),
                Severity::Fail,
                one_of(&r.frame_rates),
                fr.to_string(),
                "Export at an accepted frame rate (no rate conversion in delivery).",
            ),
            None => o.unknown(
                "video.frame_rate",
                one_of(&r.frame_rates),
                "ffprobe reports no frame rate.",
            ),
        }
    }
    if !r.allow_vfr {
        o.test("video.constant_frame_rate", !v.variable_frame_rate, Severity::Fail, "constant frame rate",
            if v.variable_frame_rate { format!("variable (base {}, average {})", v.frame_rate.map(|f| f.to_string()).unwrap_or_default(), v.avg_frame_rate.map(|f| f.to_string()).unwrap_or_default()) } else { "constant".into() },
            "The file has a variable frame rate (phone or screen capture); conform it to a constant rate.");
    }
    if !r.scan.is_empty() {
        let scan = match v.scan {
            ScanType::Progressive => "progressive",
            ScanType::InterlacedTff | ScanType::InterlacedBff => "interlaced",
            ScanType::Unknown => "unknown",
        };
        if scan == "unknown" {
            o.unknown(
                "video.scan",
                one_of(&r.scan),
                "The file does not say whether it is interlaced.",
            );
        } else {
            o.test(
                "video.scan",
                r.scan.iter().any(|s| s == scan),
                Severity::Fail,
                one_of(&r.scan),
                scan,
                "Export with the accepted scan type.",
            );
        }
    }
    if !r.pix_fmts.is_empty() {
        let pf = v.pix_fmt.clone().unwrap_or_default();
        o.test(
            "video.pix_fmt",
            matches_any(&r.pix_fmts, &pf),
            Severity::Fail,
            one_of(&r.pix_fmts),
            pf,
            "Export with an accepted pixel format.",
        );
    }
    if let Some(min) = r.min_bit_depth {
        match v.bit_depth {
            Some(d) => o.test(
                "video.bit_depth",
                d >= min,
                Severity::Fail,
                format!(">= {min} bit"),
                format!("{d} bit"),
                "Export at the required bit depth.",
            ),
            None => o.unknown(
                "video.bit_depth",
                format!(">= {min} bit"),
                "ffprobe reports no bit depth.",
            ),
        }
    }
    for (id, list, val) in [
        (
            "video.color_primaries",
            &r.color_primaries,
            &v.color_primaries,
        ),
        ("video.color_transfer", &r.color_transfer, &v.color_transfer),
        ("video.color_matrix", &r.color_matrix, &v.color_matrix),
    ] {
        if list.is_empty() {
            continue;
        }
        match val {
            Some(x) => o.test(
                id,
                matches_any(list, x),
                Severity::Fail,
                one_of(list),
                x,
                "Tag (or convert) the colour space the spec asks for.",
            ),
            None => o.push(
                id,
                CheckStatus::Warn,
                one_of(list),
                "untagged",
                "The file carries no colour tag; players will guess. Tag it on export.",
            ),
        }
    }
    if !r.display_aspect.is_empty() {
        let dar = v.display_aspect.clone().unwrap_or_default();
        o.test(
            "video.display_aspect",
            matches_any(&r.display_aspect, &dar),
            Severity::Fail,
            one_of(&r.display_aspect),
            dar,
            "Fix the display aspect ratio.",
        );
    }
    if let (Some(max), Some(br)) = (r.max_bit_rate_mbps, v.bit_rate.or(input.probe.bit_rate)) {
        let mbps = br as f64 / 1e6;
        o.test(
            "video.bit_rate",
            mbps <= max,
            Severity::Fail,
            format!("<= {max} Mb/s"),
            format!("{mbps:.1} Mb/s"),
            "Re-encode at a lower bit rate.",
        );
    }
}

fn audio_checks(profile: &Profile, input: &CheckInput, o: &mut Out) {
    let Some(r) = &profile.audio else { return };
    let streams = &input.probe.audio;
    if streams.is_empty() {
        o.test(
            "audio.present",
            !r.required,
            Severity::Fail,
            if r.required {
                "an audio stream"
            } else {
                "optional"
            },
            "none",
            "The profile needs sound; deliver a file with audio.",
        );
        return;
    }
    for s in streams {
        let sid = |k: &str| {
            if streams.len() > 1 {
                format!("audio.{k}[{}]", s.index)
            } else {
                format!("audio.{k}")
            }
        };
        if !r.codecs.is_empty() {
            o.test(
                &sid("codec"),
                matches_any(&r.codecs, &s.codec),
                Severity::Fail,
                one_of(&r.codecs),
                &s.codec,
                "Re-encode the audio with an accepted codec.",
            );
        }
        if !r.profiles.is_empty() {
            let prof = s.profile.clone().unwrap_or_else(|| "unknown".into());
            o.test(
                &sid("profile"),
                matches_any(&r.profiles, &prof),
                Severity::Fail,
                one_of(&r.profiles),
                &prof,
                "Re-encode with an accepted audio profile (e.g. AAC-LC).",
            );
        }
        if !r.sample_rates.is_empty() {
            let list: Vec<String> = r.sample_rates.iter().map(|x| format!("{x} Hz")).collect();
            o.test(
                &sid("sample_rate"),
                r.sample_rates.contains(&s.sample_rate),
                Severity::Fail,
                one_of(&list),
                format!("{} Hz", s.sample_rate),
                "Resample the audio to an accepted rate.",
            );
        }
        if let Some(min) = r.min_bit_depth {
            match s.bit_depth {
                Some(d) => o.test(
                    &sid("bit_depth"),
                    d >= min,
                    Severity::Fail,
                    format!(">= {min} bit"),
                    format!("{d} bit"),
                    "Deliver audio at the required bit depth.",
                ),
                None => o.unknown(
                    &sid("bit_depth"),
                    format!(">= {min} bit"),
                    "The codec has no fixed bit depth.",
                ),
            }
        }
    }

    // Mix formats (F13): declared layouts, one per stream in order.
    let declared: Vec<String> = match input.declared_layout {
        Some(d) => d.0.clone(),
        None => r
            .layouts
            .iter()
            .flat_map(|l| DeclaredLayout::parse(l).map(|d| d.0).unwrap_or_default())
            .collect(),
    };
    if !declared.is_empty() {
        let actual: Vec<String> = streams
            .iter()
            .map(|s| format!("{} ({} ch)", s.layout, s.channels))
            .collect();
        let ok = declared.len() == streams.len()
            && declared
                .iter()
                .zip(streams)
                .all(|(d, s)| layout_matches(d, &s.layout, s.channels as usize));
        o.test("audio.layout", ok, Severity::Fail, declared.join(" + "), actual.join(" + "), "The audio streams do not match the declared mix formats; check the stream order and channel layouts.");
    }
    if r.no_silent_channels {
        for rep in &input.analysis.audio {
            let silent: Vec<&str> = rep
                .channels
                .iter()
                .filter(|c| c.silent)
                .map(|c| c.name.as_str())
                .collect();
            let only_lfe = silent.iter().all(|n| *n == "LFE");
            let status = if silent.is_empty() {
                CheckStatus::Pass
            } else if only_lfe {
                CheckStatus::Warn
            } else {
                CheckStatus::Fail
            };
            o.push(
                &format!("audio.silent_channels[{}]", rep.stream_index),
                status,
                "no silent channel",
                if silent.is_empty() {
                    "all channels carry sound".to_string()
                } else {
                    format!("silent: {}", silent.join(", "))
                },
                match status {
                    CheckStatus::Pass => "OK",
                    CheckStatus::Warn => {
                        "The LFE channel is silent; fine if the mix has no low-frequency effects."
                    }
                    _ => "A channel is silent for the whole programme; check the mix routing.",
                },
            );
        }
    }
    if let Some(min) = r.phase_min_correlation {
        for rep in &input.analysis.audio {
            for ph in &rep.phase {
                if let Some(c) = ph.correlation {
                    o.test(
                        &format!("audio.phase[{}:{}/{}]", rep.stream_index, ph.left, ph.right),
                        c >= min,
                        Severity::Fail,
                        format!("correlation >= {min:.2}"),
                        format!("{c:.2}"),
                        "The pair is out of phase (one channel inverted); check the polarity in the mix.",
                    );
                }
            }
        }
    }
}

fn loudness_checks(profile: &Profile, input: &CheckInput, o: &mut Out) {
    let Some(r) = &profile.loudness else { return };
    let reps = &input.analysis.audio;
    if reps.is_empty() {
        if r.target_lufs.is_some() {
            o.unknown(
                "loudness.integrated",
                opt(r.target_lufs, "LUFS"),
                "The file has no audio to measure.",
            );
        }
        return;
    }
    let note = |fix: &str| {
        if r.note.is_empty() {
            fix.to_string()
        } else {
            format!("{fix} ({})", r.note)
        }
    };
    for rep in reps {
        let sfx = if reps.len() > 1 {
            format!("[{}]", rep.stream_index)
        } else {
            String::new()
        };
        let l = &rep.loudness;
        if let Some(t) = r.target_lufs {
            let exp = format!("{t:.1} LUFS ± {:.1} LU", r.tolerance_lu);
            match l.integrated_lufs {
                Some(i) => o.test(
                    &format!("loudness.integrated{sfx}"),
                    (i - t).abs() <= r.tolerance_lu + 0.05,
                    r.severity,
                    exp,
                    format!("{i:.1} LUFS"),
                    &note(&format!(
                        "Programme loudness is {:+.1} LU off target; normalise the mix.",
                        i - t
                    )),
                ),
                None => o.push(
                    &format!("loudness.integrated{sfx}"),
                    CheckStatus::Fail,
                    exp,
                    "silent",
                    "The programme has no measurable loudness (silent or under 400 ms).",
                ),
            }
        }
        if let Some(max) = r.max_true_peak_dbtp {
            let tp = l.true_peak_dbtp;
            o.test(
                &format!("loudness.true_peak{sfx}"),
                tp.is_none_or(|v| v <= max + 0.05),
                r.severity,
                format!("<= {max:.1} dBTP"),
                opt(tp, "dBTP"),
                "True peak is too high; run a true-peak limiter on the mix.",
            );
        }
        if let Some(max) = r.max_lra_lu {
            o.test(
                &format!("loudness.lra{sfx}"),
                l.lra_lu.is_none_or(|v| v <= max),
                r.severity,
                format!("<= {max:.1} LU"),
                opt(l.lra_lu, "LU"),
                "Loudness range is too wide for this platform; compress the mix.",
            );
        }
        if let Some(max) = r.max_short_term_lufs {
            o.test(
                &format!("loudness.max_short_term{sfx}"),
                l.max_short_term_lufs.is_none_or(|v| v <= max + 0.05),
                r.severity,
                format!("<= {max:.1} LUFS"),
                opt(l.max_short_term_lufs, "LUFS"),
                "Short-term loudness peaks too high; tame the loudest passages.",
            );
        }
        if let Some(max) = r.max_momentary_lufs {
            o.test(
                &format!("loudness.max_momentary{sfx}"),
                l.max_momentary_lufs.is_none_or(|v| v <= max + 0.05),
                r.severity,
                format!("<= {max:.1} LUFS"),
                opt(l.max_momentary_lufs, "LUFS"),
                "Momentary loudness peaks too high.",
            );
        }
    }
    if r.gating == "dialogue" {
        o.push("loudness.dialogue_gated", CheckStatus::Manual, "dialogue-gated measurement", "not automated", "Measure dialogue-gated loudness with a dialogue-intelligence meter and sign it off; the programme-gated figure above is the fallback.");
    }
}

fn timecode_checks(profile: &Profile, input: &CheckInput, o: &mut Out) {
    let Some(r) = &profile.timecode else { return };
    start_timecode_checks(r, input, o);
    continuity_check(r, input, o);
}

/// The timecode track runs on without a jump from its first sample to its last.
fn continuity_check(r: &TimecodeRules, input: &CheckInput, o: &mut Out) {
    const ID: &str = "timecode.continuity";
    const EXPECTED: &str = "a continuous timecode track";
    let sev = match r.continuity {
        Continuity::Off => return,
        Continuity::Fail => Severity::Fail,
        Continuity::Warn => Severity::Warn,
    };
    let Some(t) = input.timecode_track else {
        let why = match &input.probe.start_timecode {
            Some(tc) => format!("The file has a start timecode ({tc}) but no timecode track, so only the start could be checked, not its continuity."),
            None => "The file has no timecode track, so timecode continuity cannot be checked.".to_string(),
        };
        o.push(ID, CheckStatus::Warn, EXPECTED, "no timecode track", why);
        return;
    };
    if let Some(e) = &t.error {
        o.push(
            ID,
            CheckStatus::Warn,
            EXPECTED,
            "unreadable",
            format!("The timecode track could not be read ({e}); check the file with ffprobe."),
        );
        return;
    }
    if t.frame_rate.is_none() {
        o.unknown(
            ID,
            EXPECTED,
            "No frame rate to count the timecode track in.",
        );
        return;
    }
    if t.samples == 0 {
        o.push(
            ID,
            CheckStatus::Warn,
            EXPECTED,
            "empty timecode track",
            "The timecode track has no samples; only the start timecode in the metadata could be checked.",
        );
        return;
    }
    let start = t.start.clone().unwrap_or_default();
    let measured = if t.break_count == 0 {
        format!(
            "continuous from {start} ({} sample{})",
            t.samples,
            if t.samples == 1 { "" } else { "s" }
        )
    } else {
        let mut parts: Vec<String> = t
            .breaks
            .iter()
            .take(3)
            .map(|b| {
                format!(
                    "at {} ({:.2} s) the track says {}",
                    b.expected, b.at_s, b.found
                )
            })
            .collect();
        if t.break_count > 3 {
            parts.push(format!("and {} more", t.break_count - 3));
        }
        format!(
            "{} break{}: {}",
            t.break_count,
            if t.break_count == 1 { "" } else { "s" },
            parts.join("; ")
        )
    };
    o.test(
        ID,
        t.break_count == 0,
        sev,
        format!("{EXPECTED} from {start}"),
        measured,
        "The timecode track jumps (an edit or a re-stripe left a break); re-export the programme with continuous timecode.",
    );
}

fn start_timecode_checks(r: &TimecodeRules, input: &CheckInput, o: &mut Out) {
    let p = input.probe;
    let Some(tc) = &p.start_timecode else {
        o.test(
            "timecode.present",
            !r.required,
            Severity::Fail,
            "a start timecode",
            "none",
            "The file has no timecode track; export with source timecode.",
        );
        return;
    };
    let rate = p
        .video
        .first()
        .and_then(|v| v.avg_frame_rate.or(v.frame_rate));
    let Some(rate) = rate else {
        o.unknown(
            "timecode.start",
            one_of(&r.start),
            "No frame rate to interpret the timecode with.",
        );
        return;
    };
    let parsed = Timecode::parse(tc, rate);
    let valid = parsed.is_ok();
    o.test(
        "timecode.valid",
        valid,
        Severity::Fail,
        format!("a valid timecode at {rate} fps"),
        tc,
        &match &parsed {
            Err(e) => format!("The start timecode is invalid: {e}."),
            Ok(_) => String::new(),
        },
    );
    let Ok(start) = parsed else { return };
    if !r.start.is_empty() {
        let ok = r
            .start
            .iter()
            .any(|s| Timecode::parse(s, rate).is_ok_and(|t| t.frames() == start.frames()));
        o.test(
            "timecode.start",
            ok,
            Severity::Fail,
            one_of(&r.start),
            start.to_string(),
            "The programme starts at the wrong timecode; set the sequence start timecode.",
        );
    }
    if let Some(df) = &r.drop_frame {
        let supports = rate.drop_frames_per_minute().is_some();
        let (ok, exp) = match df.as_str() {
            "required" => (start.is_drop_frame(), "drop-frame"),
            "forbidden" => (!start.is_drop_frame(), "non-drop-frame"),
            _ => (
                start.is_drop_frame() == supports,
                if supports {
                    "drop-frame (29.97/59.94)"
                } else {
                    "non-drop-frame"
                },
            ),
        };
        o.test(
            "timecode.drop_frame",
            ok,
            Severity::Fail,
            exp,
            if start.is_drop_frame() {
                "drop-frame"
            } else {
                "non-drop-frame"
            },
            "The timecode's drop-frame flag does not match the spec; re-stripe the timecode.",
        );
    }
}

fn longest(events: &[&Event]) -> f64 {
    events.iter().map(|e| e.duration_s()).fold(0.0, f64::max)
}

fn event_checks(profile: &Profile, input: &CheckInput, o: &mut Out) {
    let ev = &input.analysis.events;
    let of = |k: EventKind, pos: Position| -> Vec<&Event> {
        ev.iter()
            .filter(|e| {
                e.kind == k && e.position == pos && (k != EventKind::Silence || e.channel.is_none())
            })
            .collect()
    };
    let fmt_list = |v: &[&Event]| -> String {
        if v.is_empty() {
            return "none".into();
        }
        let mut s: Vec<String> = v
            .iter()
            .take(3)
            .map(|e| format!("{:.2}–{:.2} s", e.start_s, e.end_s))
            .collect();
        if v.len() > 3 {
            s.push(format!("and {} more", v.len() - 3));
        }
        s.join(", ")
    };
    let has_video = input.analysis.video.is_some();
    if let (Some(r), true) = (&profile.black, has_video) {
        let head = longest(&of(EventKind::Black, Position::Head));
        let tail = longest(&of(EventKind::Black, Position::Tail));
        if let Some(min) = r.head_min_s {
            o.test(
                "black.head",
                head + 1e-6 >= min,
                Severity::Fail,
                format!(">= {}", secs(min)),
                secs(head),
                "Add the required black at the head.",
            );
        }
        if let Some(max) = r.head_max_s {
            o.test(
                "black.head_max",
                head <= max + 1e-6,
                Severity::Fail,
                format!("<= {}", secs(max)),
                secs(head),
                "Too much black at the head; trim it.",
            );
        }
        if let Some(min) = r.tail_min_s {
            o.test(
                "black.tail",
                tail + 1e-6 >= min,
                Severity::Fail,
                format!(">= {}", secs(min)),
                secs(tail),
                "Add the required black at the tail.",
            );
        }
        if let Some(max) = r.tail_max_s {
            o.test(
                "black.tail_max",
                tail <= max + 1e-6,
                Severity::Fail,
                format!("<= {}", secs(max)),
                secs(tail),
                "Too much black at the tail; trim it.",
            );
        }
        if let Some(max) = r.programme_max_s {
            let bad: Vec<&Event> = of(EventKind::Black, Position::Programme)
                .into_iter()
                .filter(|e| e.duration_s() > max + 1e-6)
                .collect();
            o.test(
                "black.programme",
                bad.is_empty(),
                Severity::Fail,
                format!("no black longer than {}", secs(max)),
                fmt_list(&bad),
                "Unexpected black inside the programme; check the edit for gaps.",
            );
        }
    }
    if let (Some(r), true) = (&profile.freeze, has_video) {
        if let Some(max) = r.programme_max_s {
            let bad: Vec<&Event> = of(EventKind::Freeze, Position::Programme)
                .into_iter()
                .filter(|e| e.duration_s() > max + 1e-6)
                .collect();
            o.test(
                "freeze.programme",
                bad.is_empty(),
                r.severity,
                format!("no freeze longer than {}", secs(max)),
                fmt_list(&bad),
                "Frozen picture inside the programme; check for a held frame or a missing clip.",
            );
        }
    }
    if let (Some(r), false) = (&profile.silence, input.analysis.audio.is_empty()) {
        if let Some(max) = r.programme_max_s {
            let bad: Vec<&Event> = of(EventKind::Silence, Position::Programme)
                .into_iter()
                .filter(|e| e.duration_s() > max + 1e-6)
                .collect();
            o.test(
                "silence.programme",
                bad.is_empty(),
                r.severity,
                format!("no silence longer than {}", secs(max)),
                fmt_list(&bad),
                "Unexpected silence inside the programme; check for dropped audio.",
            );
        }
        for (id, pos, lim) in [
            ("silence.head", Position::Head, r.head_max_s),
            ("silence.tail", Position::Tail, r.tail_max_s),
        ] {
            if let Some(max) = lim {
                let l = longest(&of(EventKind::Silence, pos));
                o.test(
                    id,
                    l <= max + 1e-6,
                    r.severity,
                    format!("<= {}", secs(max)),
                    secs(l),
                    "Too much silence at the edge of the programme.",
                );
            }
        }
    }
    if let (Some(r), false) = (&profile.clipping, input.analysis.audio.is_empty()) {
        let clips: Vec<&Event> = ev.iter().filter(|e| e.kind == EventKind::Clip).collect();
        o.test(
            "audio.clipping",
            clips.len() as u32 <= r.max_events,
            r.severity,
            format!("<= {} clipped passages", r.max_events),
            format!("{} ({})", clips.len(), fmt_list(&clips)),
            "The audio clips (runs of full-scale samples); fix the mix or limiter.",
        );
    }
    if let (Some(r), true) = (&profile.levels, has_video) {
        let bad: Vec<&Event> = ev
            .iter()
            .filter(|e| {
                matches!(e.kind, EventKind::LumaRange | EventKind::ChromaRange)
                    && e.duration_s() > r.max_out_of_range_s + 1e-6
            })
            .collect();
        o.test(
            "video.legal_range",
            bad.is_empty(),
            r.severity,
            "luma and chroma within EBU R 103 limits",
            fmt_list(&bad),
            "Picture levels leave the broadcast-legal range; apply a legaliser in the grade.",
        );
    }
    if let Some(r) = &profile.bars_tone {
        if r.bars_required {
            let bars = input
                .analysis
                .video
                .as_ref()
                .map(|v| v.head_bars_s)
                .unwrap_or(0.0);
            o.test(
                "bars.present",
                bars + 1e-6 >= r.min_s,
                Severity::Fail,
                format!("colour bars at the head, >= {}", secs(r.min_s)),
                secs(bars),
                "Add colour bars at the head.",
            );
        }
        if r.tone_required {
            let tone = input
                .analysis
                .audio
                .first()
                .and_then(|a| a.head_tone.clone());
            let dur = tone.as_ref().map(|t| t.duration_s).unwrap_or(0.0);
            o.test(
                "tone.present",
                dur + 1e-6 >= r.min_s,
                Severity::Fail,
                format!("line-up tone at the head, >= {}", secs(r.min_s)),
                secs(dur),
                "Add line-up tone at the head.",
            );
            if let (Some(level), Some(t)) = (r.tone_level_dbfs, tone) {
                o.test(
                    "tone.level",
                    (t.level_dbfs - level).abs() <= r.tone_tolerance_db,
                    Severity::Fail,
                    format!("{level:.1} dBFS ± {:.1}", r.tone_tolerance_db),
                    format!("{:.1} dBFS at {:.0} Hz", t.level_dbfs, t.frequency_hz),
                    "Line-up tone is at the wrong level.",
                );
            }
        }
    }
}
