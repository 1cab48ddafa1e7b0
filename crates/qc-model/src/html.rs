//! The HTML report (F18): verdict first, every check with expected vs measured, a loudness plot
//! and an event timeline as inline SVG. One self-contained file, no external assets, printable.
use crate::report::{CheckStatus, Event, EventKind, QcReport, Verdict};
use std::fmt::Write;

fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

fn num(v: Option<f64>, unit: &str) -> String {
    v.map(|x| format!("{x:.1} {unit}"))
        .unwrap_or_else(|| "—".into())
}

fn clock(s: f64) -> String {
    let s = s.max(0.0);
    let h = (s / 3600.0) as u64;
    let m = ((s % 3600.0) / 60.0) as u64;
    let sec = s % 60.0;
    format!("{h:02}:{m:02}:{sec:05.2}")
}

const CSS: &str = r#"
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d2330;margin:0;padding:24px 32px;max-width:1100px}
h1{font-size:20px;margin:0 0 4px} h2{font-size:16px;margin:28px 0 8px;border-bottom:1px solid #d8dce3;padding-bottom:4px}
.verdict{display:flex;align-items:center;gap:16px;padding:16px 20px;border-radius:8px;margin:12px 0 8px}
.verdict.pass{background:#e6f4ea;border:2px solid #1e7e34}.verdict.fail{background:#fdecea;border:2px solid #b3261e}
.verdict .big{font-size:28px;font-weight:700;letter-spacing:.04em}
.pass .big{color:#1e7e34}.fail .big{color:#b3261e}
.meta{color:#555;font-size:13px}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{text-align:left;padding:5px 8px;border-bottom:1px solid #e6e8ec;vertical-align:top}
th{background:#f4f5f7;font-weight:600}
.st{font-weight:700;text-transform:uppercase;font-size:11px;padding:2px 6px;border-radius:4px;white-space:nowrap}
.st.pass{background:#e6f4ea;color:#1e7e34}.st.fail{background:#fdecea;color:#b3261e}
.st.warn{background:#fff4e5;color:#8a5300}.st.manual{background:#e8eefc;color:#1a4fb4}
.box{border:1px solid #ddd;width:14px;height:14px;display:inline-block;vertical-align:middle}
.kv td:first-child{color:#555;width:220px}
svg{display:block;width:100%;height:auto} .mono{font-family:ui-monospace,Menlo,Consolas,monospace}
@media print{body{padding:0;max-width:none;font-size:11px}h2{break-after:avoid}tr,svg{break-inside:avoid}
.verdict{-webkit-print-color-adjust:exact;print-color-adjust:exact}.st{-webkit-print-color-adjust:exact;print-color-adjust:exact}}
"#;

/// Renders the report as one self-contained HTML page.
pub fn render_html(r: &QcReport) -> String {
    let mut h = String::new();
    let verdict = match r.status {
        Verdict::Pass => "pass",
        Verdict::Fail => "fail",
    };
    let name = std::path::Path::new(&r.file)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| r.file.clone());
    let _ = write!(
        h,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>QC {} — {}</title><style>{CSS}</style></head><body>",
        esc(verdict.to_uppercase().as_str()),
        esc(&name)
    );
    let _ = write!(
        h,
        "<h1>QC report: {}</h1><div class=\"meta mono\">{}</div>",
        esc(&name),
        esc(&r.file)
    );
    let s = r.summary;
    let _ = write!(
        h,
        "<div class=\"verdict {verdict}\"><span class=\"big\">{}</span><span>{} failed · {} warnings · {} passed · {} manual items to sign off<br><span class=\"meta\">Profiles: {} · postflow {} · analysed in {:.1} s</span></span></div>",
        verdict.to_uppercase(),
        s.fail,
        s.warn,
        s.pass,
        s.manual,
        esc(&r.profiles.join(", ")),
        esc(&r.postflow_version),
        r.elapsed_s
    );

    // Checks: failures first, then warnings, manual items, passes.
    h.push_str("<h2>Checks</h2><table><tr><th>Status</th><th>Check</th><th>Expected</th><th>Measured</th><th>Note</th></tr>");
    let rank = |c: CheckStatus| match c {
        CheckStatus::Fail => 0,
        CheckStatus::Warn => 1,
        CheckStatus::Manual => 2,
        CheckStatus::Pass => 3,
    };
    let mut checks: Vec<_> = r.checks.iter().collect();
    checks.sort_by_key(|c| rank(c.status));
    for c in checks {
        let st = match c.status {
            CheckStatus::Pass => "pass",
            CheckStatus::Fail => "fail",
            CheckStatus::Warn => "warn",
            CheckStatus::Manual => "manual",
        };
        let note = if c.status == CheckStatus::Manual {
            format!("<span class=\"box\"></span> {}", esc(&c.message))
        } else {
            esc(&c.message)
        };
        let _ = write!(
            h,
            "<tr><td><span class=\"st {st}\">{st}</span></td><td class=\"mono\">{}<br><span class=\"meta\">{}</span></td><td>{}</td><td>{}</td><td>{note}</td></tr>",
            esc(&c.id),
            esc(&c.profile),
            esc(&c.expected),
            esc(&c.measured)
        );
    }
    h.push_str("</table>");

    // Loudness.
    if !r.audio.is_empty() {
        h.push_str("<h2>Loudness (ITU-R BS.1770-4 / EBU R 128)</h2><table><tr><th>Stream</th><th>Integrated</th><th>LRA</th><th>True peak</th><th>Max momentary</th><th>Max short-term</th><th>Channels</th></tr>");
        for a in &r.audio {
            let l = &a.loudness;
            let chans: Vec<String> = a
                .channels
                .iter()
                .map(|c| {
                    format!(
                        "{} {}{}",
                        c.name,
                        num(c.true_peak_dbtp, "dBTP"),
                        if c.silent { " (silent)" } else { "" }
                    )
                })
                .collect();
            let _ = write!(
                h,
                "<tr><td>#{} {}</td><td><b>{}</b></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"meta\">{}</td></tr>",
                a.stream_index,
                esc(&a.layout),
                num(l.integrated_lufs, "LUFS"),
                num(l.lra_lu, "LU"),
                num(l.true_peak_dbtp, "dBTP"),
                num(l.max_momentary_lufs, "LUFS"),
                num(l.max_short_term_lufs, "LUFS"),
                esc(&chans.join(" · "))
            );
        }
        h.push_str("</table>");
        if let Some(a) = r.audio.first() {
            h.push_str(&loudness_svg(r, a));
        }
    }

    h.push_str("<h2>Timeline</h2>");
    h.push_str(&timeline_svg(r));
    if r.events.is_empty() {
        h.push_str("<p>No black, freeze, silence, clipping or out-of-range picture found.</p>");
    } else {
        h.push_str("<table><tr><th>Event</th><th>Where</th><th>Start</th><th>End</th><th>Duration</th><th>Timecode</th></tr>");
        for e in r.events.iter().take(500) {
            let who = match (&e.channel, e.stream) {
                (Some(c), Some(s)) => format!(" ({c}, stream {s})"),
                (None, Some(s)) => format!(" (stream {s})"),
                _ => String::new(),
            };
            let tc = match (&e.timecode_in, &e.timecode_out) {
                (Some(a), Some(b)) => format!("{a} – {b}"),
                _ => "—".into(),
            };
            let _ = write!(
                h,
                "<tr><td>{}{}</td><td>{:?}</td><td class=\"mono\">{}</td><td class=\"mono\">{}</td><td>{:.2} s</td><td class=\"mono\">{}</td></tr>",
                kind_name(e.kind),
                esc(&who),
                e.position,
                clock(e.start_s),
                clock(e.end_s),
                e.duration_s(),
                esc(&tc)
            );
        }
        if r.events.len() > 500 {
            let _ = write!(
                h,
                "<tr><td colspan=6>… and {} more (see the JSON)</td></tr>",
                r.events.len() - 500
            );
        }
        h.push_str("</table>");
    }

    timecode_section(&mut h, r);
    detection_section(&mut h, r);

    // Probe.
    let p = &r.probe;
    h.push_str("<h2>File</h2><table class=\"kv\">");
    let mut kv = |k: &str, v: String| {
        let _ = write!(h, "<tr><td>{}</td><td>{}</td></tr>", esc(k), esc(&v));
    };
    kv(
        "Container",
        format!("{} ({})", p.container_long, p.container),
    );
    kv(
        "Duration",
        p.duration_s.map(clock).unwrap_or_else(|| "—".into()),
    );
    kv(
        "Size",
        p.size_bytes
            .map(|b| format!("{:.1} MB", b as f64 / 1e6))
            .unwrap_or_default(),
    );
    kv(
        "Start timecode",
        p.start_timecode.clone().unwrap_or_else(|| "none".into()),
    );
    if let Some(reel) = &p.reel {
        kv("Reel", reel.clone());
    }
    for v in &p.video {
        kv(
            &format!("Video #{}", v.index),
            format!(
                "{} {} · {}x{} ({}) · {} fps · {:?} · {} · {} bit · {}/{}/{}",
                v.codec,
                v.profile.clone().unwrap_or_default(),
                v.width,
                v.height,
                v.display_aspect.clone().unwrap_or_default(),
                v.frame_rate
                    .map(|f| f.to_string())
                    .unwrap_or_else(|| "?".into()),
                v.scan,
                v.pix_fmt.clone().unwrap_or_default(),
                v.bit_depth
                    .map(|d| d.to_string())
                    .unwrap_or_else(|| "?".into()),
                v.color_primaries.clone().unwrap_or_else(|| "?".into()),
                v.color_transfer.clone().unwrap_or_else(|| "?".into()),
                v.color_matrix.clone().unwrap_or_else(|| "?".into()),
            ),
        );
    }
    for a in &p.audio {
        kv(
            &format!("Audio #{}", a.index),
            format!(
                "{} · {} Hz · {} bit · {} ch ({})",
                a.codec,
                a.sample_rate,
                a.bit_depth
                    .map(|d| d.to_string())
                    .unwrap_or_else(|| "?".into()),
                a.channels,
                a.layout
            ),
        );
    }
    if !r.decode_errors.is_empty() {
        kv(
            "Decode errors",
            r.decode_errors
                .iter()
                .take(5)
                .cloned()
                .collect::<Vec<_>>()
                .join(" | "),
        );
    }
    h.push_str("</table></body></html>\n");
    h
}

/// The timecode track: where it starts and every break, with expected vs found timecode.
fn timecode_section(h: &mut String, r: &QcReport) {
    let Some(t) = &r.timecode_track else {
        return;
    };
    h.push_str("<h2>Timecode track</h2>");
    if let Some(e) = &t.error {
        let _ = write!(h, "<p>The timecode track could not be read: {}</p>", esc(e));
        return;
    }
    let _ = write!(
        h,
        "<p>Starts at <span class=\"mono\">{}</span> · {} sample{} · {} fps{} · <b>{}</b></p>",
        esc(t.start.as_deref().unwrap_or("—")),
        t.samples,
        if t.samples == 1 { "" } else { "s" },
        t.frame_rate
            .map(|f| f.to_string())
            .unwrap_or_else(|| "?".into()),
        if t.drop_frame { " drop-frame" } else { "" },
        if t.break_count == 0 {
            "continuous".to_string()
        } else {
            format!(
                "{} break{}",
                t.break_count,
                if t.break_count == 1 { "" } else { "s" }
            )
        }
    );
    if !t.breaks.is_empty() {
        h.push_str("<table><tr><th>Sample</th><th>At</th><th>Expected timecode</th><th>Track says</th></tr>");
        for b in &t.breaks {
            let _ = write!(
                h,
                "<tr><td>{}</td><td class=\"mono\">{}</td><td class=\"mono\">{}</td><td class=\"mono\">{}</td></tr>",
                b.sample,
                clock(b.at_s),
                esc(&b.expected),
                esc(&b.found)
            );
        }
        if t.break_count > t.breaks.len() as u64 {
            let _ = write!(
                h,
                "<tr><td colspan=4>… and {} more</td></tr>",
                t.break_count - t.breaks.len() as u64
            );
        }
        h.push_str("</table>");
    }
}

/// The thresholds that decided what counts as black, frozen, silent, clipped or out of range.
fn detection_section(h: &mut String, r: &QcReport) {
    let Some(d) = &r.detection else {
        return;
    };
    h.push_str("<h2>Detection thresholds</h2><table class=\"kv\">");
    for s in crate::detection::SETTINGS {
        let Some(v) = d.settings.get(s.key) else {
            continue;
        };
        let who = d
            .set_by
            .get(s.key)
            .map(|p| format!("profile {p}"))
            .unwrap_or_else(|| "default".into());
        let _ = write!(
            h,
            "<tr><td class=\"mono\">{}</td><td>{} {} <span class=\"meta\">({})</span></td></tr>",
            esc(s.key),
            v,
            esc(s.unit),
            esc(&who)
        );
    }
    h.push_str("</table><p class=\"meta\">With several profiles, each threshold is the most sensitive any of them asks for.</p>");
}

fn kind_name(k: EventKind) -> &'static str {
    match k {
        EventKind::Black => "Black",
        EventKind::Freeze => "Freeze",
        EventKind::Silence => "Silence",
        EventKind::Clip => "Clipping",
        EventKind::LumaRange => "Luma out of range",
        EventKind::ChromaRange => "Chroma out of range",
        EventKind::Bars => "Colour bars",
        EventKind::Tone => "Line-up tone",
    }
}

fn kind_colour(k: EventKind) -> &'static str {
    match k {
        EventKind::Black => "#222",
        EventKind::Freeze => "#6f42c1",
        EventKind::Silence => "#0b7285",
        EventKind::Clip => "#d9480f",
        EventKind::LumaRange | EventKind::ChromaRange => "#c2255c",
        EventKind::Bars | EventKind::Tone => "#868e96",
    }
}

const W: f64 = 1000.0;
const LEFT: f64 = 48.0;

fn loudness_svg(r: &QcReport, a: &crate::report::AudioReport) -> String {
    let t = &a.timeline;
    let n = t.momentary.len().max(t.short_term.len());
    if n == 0 || t.step_s <= 0.0 {
        return String::new();
    }
    let dur = n as f64 * t.step_s;
    let (top, bottom) = (0.0f64, -60.0f64);
    let hgt = 260.0;
    let x = |s: f64| LEFT + (s / dur) * (W - LEFT - 10.0);
    let y = |l: f64| 10.0 + (top - l.clamp(bottom, top)) / (top - bottom) * (hgt - 30.0);
    let mut s = format!("<svg viewBox=\"0 0 {W} {hgt}\" role=\"img\" aria-label=\"Loudness over time\" xmlns=\"http://www.w3.org/2000/svg\" font-size=\"11\" font-family=\"sans-serif\">");
    if let Some(tg) = r.loudness_target {
        let (hi, lo) = (
            tg.target_lufs + tg.tolerance_lu,
            tg.target_lufs - tg.tolerance_lu,
        );
        let _ = write!(s, "<rect x=\"{LEFT}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"#2f9e44\" opacity=\"0.15\"/>", y(hi), W - LEFT - 10.0, (y(lo) - y(hi)).max(1.0));
        let _ = write!(s, "<line x1=\"{LEFT}\" x2=\"{:.1}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"#2f9e44\" stroke-dasharray=\"4 3\"/><text x=\"{:.1}\" y=\"{:.1}\" fill=\"#2f9e44\" text-anchor=\"end\">target {:.1}</text>", W - 10.0, y(tg.target_lufs), y(tg.target_lufs), W - 12.0, y(tg.target_lufs) - 3.0, tg.target_lufs);
    }
    for l in (0..=6).map(|i| -(i as f64) * 10.0) {
        let _ = write!(s, "<line x1=\"{LEFT}\" x2=\"{:.1}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"#e6e8ec\"/><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"#555\">{l}</text>", W - 10.0, y(l), y(l), LEFT - 4.0, y(l) + 4.0);
    }
    time_axis(&mut s, dur, hgt - 4.0, x);
    for (vals, colour, width, label) in [
        (&t.momentary, "#74c0fc", 1.0, "momentary"),
        (&t.short_term, "#1864ab", 1.6, "short-term"),
    ] {
        let mut d = String::new();
        let mut pen = false;
        for (i, v) in vals.iter().enumerate() {
            match v {
                Some(l) => {
                    let _ = write!(
                        d,
                        "{}{:.1},{:.1}",
                        if pen { " L" } else { " M" },
                        x((i as f64 + 0.5) * t.step_s),
                        y(*l as f64)
                    );
                    pen = true;
                }
                None => pen = false,
            }
        }
        let _ = write!(s, "<path d=\"{d}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"{width}\"><title>{label}</title></path>");
    }
    let _ = write!(s, "<text x=\"{:.1}\" y=\"12\" fill=\"#555\">LUFS · <tspan fill=\"#74c0fc\">momentary</tspan> · <tspan fill=\"#1864ab\">short-term</tspan></text></svg>", LEFT + 4.0);
    s
}

fn timeline_svg(r: &QcReport) -> String {
    let dur = r
        .programme
        .end_s
        .max(r.events.iter().map(|e| e.end_s).fold(0.0, f64::max));
    if dur <= 0.0 {
        return String::new();
    }
    let lanes = [
        (EventKind::Bars, "Bars/tone"),
        (EventKind::Black, "Black"),
        (EventKind::Freeze, "Freeze"),
        (EventKind::Silence, "Silence"),
        (EventKind::Clip, "Clipping"),
        (EventKind::LumaRange, "Out of range"),
    ];
    let lane = |k: EventKind| match k {
        EventKind::Tone => 0,
        EventKind::ChromaRange => 5,
        k => lanes.iter().position(|(l, _)| *l == k).unwrap_or(0),
    };
    let row = 20.0;
    let hgt = 20.0 + row * lanes.len() as f64;
    let x = |s: f64| 90.0 + (s / dur) * (W - 100.0);
    let mut s = format!("<svg viewBox=\"0 0 {W} {hgt}\" role=\"img\" aria-label=\"Event timeline\" xmlns=\"http://www.w3.org/2000/svg\" font-size=\"11\" font-family=\"sans-serif\">");
    for (i, (_, name)) in lanes.iter().enumerate() {
        let yy = 4.0 + i as f64 * row;
        let _ = write!(s, "<rect x=\"90\" y=\"{yy}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"#f4f5f7\"/><text x=\"84\" y=\"{:.1}\" text-anchor=\"end\" fill=\"#555\">{name}</text>", W - 100.0, row - 6.0, yy + row / 2.0 + 1.0);
    }
    if r.programme.start_s > 0.0 {
        let _ = write!(s, "<line x1=\"{0:.1}\" x2=\"{0:.1}\" y1=\"0\" y2=\"{1:.1}\" stroke=\"#2f9e44\" stroke-dasharray=\"3 2\"><title>programme start {2}</title></line>", x(r.programme.start_s), hgt - 16.0, clock(r.programme.start_s));
    }
    for e in r.events.iter().take(5000) {
        let yy = 4.0 + lane(e.kind) as f64 * row;
        let w = (x(e.end_s) - x(e.start_s)).max(1.5);
        let _ = write!(s, "<rect x=\"{:.2}\" y=\"{yy}\" width=\"{w:.2}\" height=\"{:.1}\" fill=\"{}\"><title>{}</title></rect>", x(e.start_s), row - 6.0, kind_colour(e.kind), esc(&event_title(e)));
    }
    time_axis(&mut s, dur, hgt - 2.0, x);
    s.push_str("</svg>");
    s
}

/// Six time labels along the bottom of a plot.
fn time_axis(s: &mut String, dur: f64, y: f64, x: impl Fn(f64) -> f64) {
    for i in 0..=5 {
        let ts = dur * i as f64 / 5.0;
        let _ = write!(
            s,
            "<text x=\"{:.1}\" y=\"{y:.1}\" text-anchor=\"middle\" fill=\"#555\">{}</text>",
            x(ts),
            clock(ts)
        );
    }
}

fn event_title(e: &Event) -> String {
    let tc = match (&e.timecode_in, &e.timecode_out) {
        (Some(a), Some(b)) => format!(" [{a} – {b}]"),
        _ => String::new(),
    };
    format!(
        "{}{} {}–{} ({:.2} s){tc}",
        kind_name(e.kind),
        e.channel
            .as_ref()
            .map(|c| format!(" {c}"))
            .unwrap_or_default(),
        clock(e.start_s),
        clock(e.end_s),
        e.duration_s()
    )
}
