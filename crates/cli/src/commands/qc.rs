//! `postflow qc` and `postflow bench qc`.
//!
//! `postflow qc FILE [--profile NAME ...] [--profile-file F ...] [--json] [--report out.html]`
//! exits 0 when every check passes (warnings and manual items do not fail), 1 when a check
//! fails, 2 on an error (unreadable file, unknown profile, profile typo).
//!
//! `--json` prints the report (schema `postflow.qc/1`, see `postflow_qc::report::QcReport`):
//!
//! ```json
//! {
//!   "schema": "postflow.qc/1",
//!   "file": "master.mov",
//!   "status": "pass" | "fail",
//!   "profiles": ["ebu-r128"],
//!   "summary": {"pass": 20, "fail": 1, "warn": 0, "manual": 2},
//!   "loudness": {"integrated_lufs": -23.1, "lra_lu": 6.2, "true_peak_dbtp": -1.4,
//!                "sample_peak_dbfs": -1.6, "max_momentary_lufs": -15.0,
//!                "max_short_term_lufs": -18.2, "gate_lufs": -33.1},
//!   "loudness_target": {"target_lufs": -23.0, "tolerance_lu": 0.5} | null,
//!   "events": [{"kind": "black"|"freeze"|"silence"|"clip"|"luma_range"|"chroma_range"|"bars"|"tone",
//!               "start_s": 3.0, "end_s": 4.0, "channel": "FL"?, "stream": 1?,
//!               "position": "head"|"programme"|"tail",
//!               "timecode_in": "10:00:03:00"?, "timecode_out": "10:00:04:00"?}],
//!   "checks": [{"id": "loudness.integrated", "profile": "ebu-r128",
//!               "status": "pass"|"fail"|"warn"|"manual",
//!               "expected": "-23.0 LUFS ± 0.5 LU", "measured": "-23.1 LUFS", "message": "OK"}],
//!   "probe": {"container": "mov,mp4,…", "duration_s": 600.0, "start_timecode": "10:00:00:00",
//!             "reel": "A001", "video": [{"codec": "prores", "profile": "HQ", "width": 1920,
//!             "height": 1080, "frame_rate": "25/1", "scan": "progressive", "pix_fmt": "…",
//!             "bit_depth": 10, "color_primaries": "bt709", …}],
//!             "audio": [{"codec": "pcm_s24le", "sample_rate": 48000, "channels": 6,
//!             "layout": "5.1", "bit_depth": 24, …}], …},
//!   "audio": [{"stream_index": 1, "layout": "5.1", "loudness": {…},
//!              "timeline": {"step_s": 0.5, "momentary": [..], "short_term": [..]},
//!              "channels": [{"name": "FL", "peak_dbfs": …, "true_peak_dbtp": …, "silent": false, …}],
//!              "phase": [{"left": "FL", "right": "FR", "correlation": 0.93}], "head_tone": null}],
//!   "video": {"frames": 15000, "frame_rate": "25/1", "analysed_width": 480, …} | null,
//!   "programme": {"start_s": 0.0, "end_s": 600.0, "frame_s": 0.04},
//!   "decode_errors": [], "postflow_version": "0.1.0", "elapsed_s": 71.2,
//!   "timecode_track": {"stream_index": 2, "frame_rate": "25/1", "drop_frame": false,
//!                      "samples": 3, "start": "10:00:00:00", "break_count": 1,
//!                      "breaks": [{"sample": 1, "at_s": 2.0, "expected": "10:00:02:00",
//!                                  "found": "10:00:00:00", "expected_frame": 900050,
//!                                  "found_frame": 900000}], "error": null} | null,
//!   "detection": {"black_pixel_threshold": 0.1, "black_picture_ratio": 0.98,
//!                 "freeze_noise": 0.001, "freeze_min_s": 2.0, "luma_min": 5, "luma_max": 246,
//!                 "chroma_min": 4, "chroma_max": 245, "out_of_range_ratio": 0.01,
//!                 "silence_threshold_db": -60.0, "silence_min_s": 1.0,
//!                 "clip_level_dbfs": -0.01, "clip_merge_s": 0.5,
//!                 "set_by": {"silence_threshold_db": "studio"}}
//! }
//! ```
//!
//! `timecode_track` and `detection` were added to `postflow.qc/1` later; readers treat them as
//! optional. `timecode_track` is null when the file has no QuickTime/MP4 timecode track (the
//! `timecode.continuity` check then says "no timecode track"). `detection` holds the thresholds
//! the run used: each profile's `[detection]` table (or the default) asks for a value, and with
//! several profiles the most sensitive ask wins; `set_by` names the profile behind each value
//! that is not the default.
use anyhow::Context;
use clap::Args;
use postflow_qc::{
    profile::ProfileSet, render_html, DeclaredLayout, Progress, QcOptions, QcReport, Verdict,
};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

#[derive(Debug, Args)]
pub struct QcArgs {
    /// The media file to check.
    #[arg(required_unless_present = "list_profiles")]
    pub file: Option<PathBuf>,
    /// Delivery profile to check against (repeatable); default the deliverable's profiles with
    /// --deliverable, else "basic".
    #[arg(long = "profile", short = 'p', value_name = "NAME")]
    pub profiles: Vec<String>,
    /// A profile TOML file to load and check against (repeatable).
    #[arg(long, value_name = "FILE")]
    pub profile_file: Vec<PathBuf>,
    /// A directory of studio profile TOML files (adds to the built-in ones).
    #[arg(long, env = "POSTFLOW_PROFILES_DIR", value_name = "DIR")]
    pub profiles_dir: Option<PathBuf>,
    /// Print the report as JSON on stdout.
    #[arg(long)]
    pub json: bool,
    /// Write the HTML report here.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// List the available profiles and exit.
    #[arg(long)]
    pub list_profiles: bool,
    /// The deliverable's declared mix format, e.g. "stereo", "5.1", "stereo+5.1".
    #[arg(long, value_name = "LAYOUT")]
    pub layout: Option<String>,
    /// Expected programme length in seconds.
    #[arg(long, value_name = "SECONDS")]
    pub expect_duration: Option<f64>,
    /// Attach the result to a project's deliverable on the server: PROJECT/ID (as shown on the
    /// deliverable's page). Needs --server and --token.
    #[arg(long, value_name = "PROJECT/ID", requires_all = ["server", "token"], help_heading = "Attach to a deliverable")]
    pub deliverable: Option<String>,
    /// The postflow server, e.g. https://postflow.lan.
    #[arg(
        long,
        env = "POSTFLOW_SERVER",
        value_name = "URL",
        help_heading = "Attach to a deliverable"
    )]
    pub server: Option<String>,
    /// A personal API token (from your account page) of someone on the project.
    #[arg(
        long,
        env = "POSTFLOW_TOKEN",
        value_name = "TOKEN",
        hide_env_values = true,
        help_heading = "Attach to a deliverable"
    )]
    pub token: Option<String>,
}

/// `PROJECT/ID` of `--deliverable`, checked before any work is done.
fn parse_deliverable(s: &str) -> anyhow::Result<(String, i64)> {
    let parsed = s.rsplit_once('/').and_then(|(code, id)| {
        let code = postflow_core::project::Code::parse(code).ok()?;
        Some((code.to_string(), id.trim().parse::<i64>().ok()?))
    });
    parsed.with_context(|| format!("--deliverable {s:?} is not PROJECT/ID, e.g. ACME-SPRING/3 (see the deliverable's page)"))
}

/// Posts the report to the deliverable; the verdict there is recomputed from the checks.
fn attach(
    server: &str,
    token: &str,
    code: &str,
    id: i64,
    report: &QcReport,
) -> anyhow::Result<postflow_api_types::QcRunDto> {
    let base = server.trim_end_matches('/');
    let url = format!("{base}/api/v1/projects/{code}/deliverables/{id}/qc-runs");
    let resp = super::catalog::http()?
        .post(&url)
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(report.to_json())
        .send();
    super::catalog::api_result(base, resp)
}

#[derive(Debug, Args)]
pub struct BenchQcArgs {
    /// Length of the generated 1080p25 ProRes master, in minutes.
    #[arg(long, default_value_t = 10.0)]
    pub minutes: f64,
    /// Length of the 48 kHz 5.1 WAV for the loudness-only comparison, in minutes.
    #[arg(long, default_value_t = 60.0)]
    pub wav_minutes: f64,
    /// Where to keep the generated media (reused on the next run); default a temp dir.
    #[arg(long)]
    pub dir: Option<PathBuf>,
}

fn load_profiles(args: &QcArgs) -> anyhow::Result<(ProfileSet, Vec<String>)> {
    let mut set = ProfileSet::builtin();
    if let Some(d) = &args.profiles_dir {
        set.add_dir(d)?;
    }
    let mut chosen = args.profiles.clone();
    for f in &args.profile_file {
        chosen.push(set.add_file(f)?);
    }
    Ok((set, chosen))
}

/// The deliverable as the server has it (its profiles and declared mix format), read before
/// the QC runs so the run is evaluated against what the deliverable needs.
fn fetch_deliverable(
    server: &str,
    token: &str,
    code: &str,
    id: i64,
) -> anyhow::Result<postflow_api_types::DeliverableDto> {
    let base = server.trim_end_matches('/');
    let url = format!("{base}/api/v1/projects/{code}/deliverables");
    let resp = super::catalog::http()?.get(&url).bearer_auth(token).send();
    let list: Vec<postflow_api_types::DeliverableDto> = super::catalog::api_result(base, resp)?;
    list.into_iter().find(|d| d.id == id).with_context(|| {
        format!("project {code} on {base} has no deliverable {id}; check the PROJECT/ID on the deliverable's page")
    })
}

pub fn run_qc(args: QcArgs) -> anyhow::Result<ExitCode> {
    let (set, mut chosen) = load_profiles(&args)?;
    if args.list_profiles {
        let mut out = std::io::stdout().lock();
        for (source, p) in &set.profiles {
            // A closed pipe (`| head`) is not an error worth a panic.
            let _ = writeln!(
                out,
                "{:<16} {}\n{:<16} {}\n{:<16} ({})",
                p.name, p.title, "", p.description, "", source
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    let Some(file) = args.file.clone() else {
        anyhow::bail!("no file given; run `postflow qc FILE`");
    };
    let attach_to = args
        .deliverable
        .as_deref()
        .map(parse_deliverable)
        .transpose()?;
    // A run attached to a deliverable is evaluated against every profile of the deliverable
    // (after any asked for), and its declared mix format unless --layout says otherwise.
    let mut layout = args.layout.clone();
    if let (Some((code, id)), Some(server), Some(token)) = (&attach_to, &args.server, &args.token) {
        let d = fetch_deliverable(server, token, code, *id).map_err(|e| {
            e.context(format!("the QC result was not attached to {code}/{id}: the deliverable's profiles could not be read from the server, so the QC did not run"))
        })?;
        for p in d.profiles {
            if !chosen.contains(&p) {
                chosen.push(p);
            }
        }
        if layout.is_none() {
            layout = d.layout;
        }
    }
    if chosen.is_empty() {
        chosen.push("basic".into());
    }
    let mut profiles = Vec::new();
    for name in &chosen {
        profiles.push(set.get(name)?.clone());
    }
    let mut opts = QcOptions::new(profiles);
    if let Some(l) = &layout {
        opts.declared_layout = Some(DeclaredLayout::parse(l).with_context(|| {
            format!("--layout `{l}` is not a known layout; use mono, stereo, 5.1, 7.1 or combinations like stereo+5.1")
        })?);
    }
    opts.expected_duration_s = args.expect_duration;

    let bar = std::io::stderr().is_terminal().then(|| {
        let b = indicatif::ProgressBar::new(1000);
        b.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} QC {bar:40} {percent:>3}% {msg} (eta {eta})",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        b
    });
    let mut on_progress = |p: Progress| {
        if let Some(b) = &bar {
            if let Some(t) = p.total_s.filter(|t| *t > 0.0) {
                b.set_position((p.done_s / t * 1000.0).clamp(0.0, 1000.0) as u64);
            }
            b.set_message(format!("{:.0} s", p.done_s));
        }
    };
    let report = postflow_qc::run_qc(&file, &opts, &mut on_progress);
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let report = report?;

    if let Some(path) = &args.report {
        std::fs::write(path, render_html(&report)).with_context(|| {
            format!(
                "{}: could not write the HTML report; check the directory exists and is writable",
                path.display()
            )
        })?;
    }
    if args.json {
        let _ = writeln!(std::io::stdout().lock(), "{}", report.to_json());
    } else {
        print_human(&report);
    }
    if let (Some((code, id)), Some(server), Some(token)) = (attach_to, &args.server, &args.token) {
        let run = attach(server, token, &code, id, &report).map_err(|e| {
            e.context(format!("the QC result was not attached to {code}/{id} (the QC itself ran; run the same command again to attach it)"))
        })?;
        eprintln!(
            "Attached as QC run {} ({}) to {code}/{id}: {}{}",
            run.run_id,
            run.status,
            server.trim_end_matches('/'),
            run.url
        );
    }
    Ok(match report.status {
        Verdict::Pass => ExitCode::SUCCESS,
        Verdict::Fail => ExitCode::from(1),
    })
}

fn print_human(r: &QcReport) {
    use postflow_qc::CheckStatus;
    let mut out = std::io::stdout().lock();
    let s = r.summary;
    let _ = writeln!(
        out,
        "{}  {}  ({} failed, {} warnings, {} passed, {} manual)  profiles: {}",
        match r.status {
            Verdict::Pass => "PASS",
            Verdict::Fail => "FAIL",
        },
        r.file,
        s.fail,
        s.warn,
        s.pass,
        s.manual,
        r.profiles.join(", ")
    );
    let f = |v: Option<f64>| v.map(|x| format!("{x:.1}")).unwrap_or_else(|| "-".into());
    let l = &r.loudness;
    if !r.audio.is_empty() {
        let _ = writeln!(
            out,
            "loudness  I {} LUFS  LRA {} LU  TP {} dBTP  max M {} / S {} LUFS",
            f(l.integrated_lufs),
            f(l.lra_lu),
            f(l.true_peak_dbtp),
            f(l.max_momentary_lufs),
            f(l.max_short_term_lufs)
        );
    }
    for c in &r.checks {
        let tag = match c.status {
            CheckStatus::Pass => continue,
            CheckStatus::Fail => "FAIL",
            CheckStatus::Warn => "warn",
            CheckStatus::Manual => "todo",
        };
        let _ = writeln!(
            out,
            "  {tag}  {:<28} expected {}; measured {}. {}",
            c.id, c.expected, c.measured, c.message
        );
    }
    if let Some(t) = &r.timecode_track {
        if t.break_count > 0 {
            let _ = writeln!(
                out,
                "timecode track from {}: {} break(s)",
                t.start.as_deref().unwrap_or("?"),
                t.break_count
            );
            for b in t.breaks.iter().take(5) {
                let _ = writeln!(
                    out,
                    "  at {:.2} s expected {}, the track says {}",
                    b.at_s, b.expected, b.found
                );
            }
        }
    }
    if let Some(d) = &r.detection {
        if !d.set_by.is_empty() {
            let set: Vec<String> = d
                .set_by
                .iter()
                .filter_map(|(k, p)| d.settings.get(k).map(|v| format!("{k} {v} ({p})")))
                .collect();
            let _ = writeln!(
                out,
                "detection thresholds from profiles: {}",
                set.join(", ")
            );
        }
    }
    let n = r.events.len();
    if n > 0 {
        let _ = writeln!(out, "{n} event(s):");
        for e in r.events.iter().take(20) {
            let _ = writeln!(
                out,
                "  {:?} {:?} {:.2}–{:.2} s{}{}{}",
                e.kind,
                e.position,
                e.start_s,
                e.end_s,
                e.stream.map(|s| format!(" stream {s}")).unwrap_or_default(),
                e.channel
                    .as_ref()
                    .map(|c| format!(" {c}"))
                    .unwrap_or_default(),
                e.timecode_in
                    .as_ref()
                    .map(|t| format!(" @ {t}"))
                    .unwrap_or_default()
            );
        }
        if n > 20 {
            let _ = writeln!(out, "  … {} more (use --json)", n - 20);
        }
    }
}

fn ffmpeg(args: &[&str]) -> anyhow::Result<()> {
    let out = Command::new("ffmpeg")
        .args(["-nostdin", "-hide_banner", "-v", "error", "-y"])
        .args(args)
        .stdin(Stdio::null())
        .output()
        .context("ffmpeg could not be started; install ffmpeg")?;
    if !out.status.success() {
        anyhow::bail!(
            "ffmpeg failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(())
}

fn timed(what: &str, f: impl FnOnce() -> anyhow::Result<()>) -> anyhow::Result<f64> {
    eprintln!("running: {what}");
    let t = Instant::now();
    f()?;
    let s = t.elapsed().as_secs_f64();
    eprintln!("  {s:.1} s");
    Ok(s)
}

fn generate_master(path: &Path, minutes: f64) -> anyhow::Result<()> {
    let d = format!("{}", minutes * 60.0);
    eprintln!(
        "generating {} ({minutes} min 1080p25 ProRes 422 HQ, 5.1 + stereo PCM) …",
        path.display()
    );
    ffmpeg(&[
        "-f", "lavfi", "-i", &format!("testsrc2=size=1920x1080:rate=25:duration={d}"),
        "-f", "lavfi", "-i", &format!("anoisesrc=color=pink:sample_rate=48000:amplitude=0.2:duration={d}:seed=1"),
        "-f", "lavfi", "-i", &format!("sine=frequency=440:sample_rate=48000:duration={d}"),
        "-filter_complex",
        "[1:a]volume='0.4+0.6*abs(sin(t/7))':eval=frame[n];[n][2:a]amix=inputs=2:weights=1 0.3:normalize=0,asplit=2[n1][n2];\
         [n1]pan=5.1|c0=c0|c1=0.8*c0|c2=0.7*c0|c3=0.5*c0|c4=0.6*c0|c5=0.55*c0[a51];\
         [n2]pan=stereo|c0=c0|c1=0.9*c0[a20]",
        "-map", "0:v", "-map", "[a51]", "-map", "[a20]",
        "-c:v", "prores", "-profile:v", "3", "-pix_fmt", "yuv422p10le",
        "-c:a", "pcm_s24le", "-timecode", "10:00:00:00", &path.display().to_string(),
    ])
}

pub fn run_bench_qc(args: BenchQcArgs) -> anyhow::Result<ExitCode> {
    let tmp;
    let dir = match &args.dir {
        Some(d) => {
            std::fs::create_dir_all(d).with_context(|| {
                format!("{}: could not create the bench directory", d.display())
            })?;
            d.clone()
        }
        None => {
            tmp = tempfile::tempdir().context("could not create a temporary directory")?;
            tmp.path().to_path_buf()
        }
    };
    let master = dir.join(format!("qc-bench-{}min.mov", args.minutes));
    if !master.exists() {
        let part = dir.join("qc-bench-partial.mov");
        generate_master(&part, args.minutes)?;
        std::fs::rename(&part, &master)?;
    }
    let wav = dir.join(format!("qc-bench-{}min-5.1.wav", args.wav_minutes));
    if !wav.exists() {
        let part = dir.join("qc-bench-partial.wav");
        let d = format!("{}", args.wav_minutes * 60.0);
        eprintln!(
            "generating {} ({} min 48 kHz 24-bit 5.1 WAV) …",
            wav.display(),
            args.wav_minutes
        );
        ffmpeg(&[
            "-f", "lavfi", "-i", &format!("anoisesrc=color=pink:sample_rate=48000:amplitude=0.2:duration={d}:seed=2"),
            "-af", "volume='0.3+0.7*abs(sin(t/11))':eval=frame,pan=5.1|c0=c0|c1=0.9*c0|c2=0.7*c0|c3=0.4*c0|c4=0.5*c0|c5=0.5*c0",
            "-c:a", "pcm_s24le", "-rf64", "auto", &part.display().to_string(),
        ])?;
        std::fs::rename(&part, &wav)?;
    }
    let m = master.display().to_string();
    let w = wav.display().to_string();

    let mut qc_report = None;
    let t_qc = timed(
        "postflow full QC (probe + one decode pass + all analyses + checks)",
        || {
            let set = ProfileSet::builtin();
            let opts = QcOptions::new(vec![set.get("basic")?.clone()]);
            qc_report = Some(postflow_qc::run_qc(&master, &opts, &mut |_| {})?);
            Ok(())
        },
    )?;
    let t_decode = timed("ffmpeg decode only (-f null -)", || {
        ffmpeg(&["-i", &m, "-map", "0:v:0", "-map", "0:a", "-f", "null", "-"])
    })?;
    let graph = "[0:v:0]blackdetect=d=0:pix_th=0.10,freezedetect=n=0.001:d=2[v];\
                 [0:a:0]silencedetect=n=-60dB:d=1,ebur128=peak=true[a0];\
                 [0:a:1]silencedetect=n=-60dB:d=1,ebur128=peak=true[a1]";
    let t_graph = timed(
        "ffmpeg blackdetect+freezedetect+silencedetect+ebur128=peak=true",
        || {
            ffmpeg(&[
                "-i",
                &m,
                "-filter_complex",
                graph,
                "-map",
                "[v]",
                "-map",
                "[a0]",
                "-map",
                "[a1]",
                "-f",
                "null",
                "-",
            ])
        },
    )?;
    let mut wav_loud = None;
    let t_loud = timed("postflow loudness only, 5.1 WAV", || {
        wav_loud = postflow_qc::measure_loudness(&wav, 0)?
            .into_iter()
            .next()
            .map(|a| a.loudness);
        Ok(())
    })?;
    let t_ebur = timed("ffmpeg ebur128=peak=true, 5.1 WAV", || {
        ffmpeg(&["-i", &w, "-af", "ebur128=peak=true", "-f", "null", "-"])
    })?;

    println!(
        "postflow bench qc — {} min 1080p25 ProRes 422 HQ + 5.1 + stereo; {} min 48 kHz 5.1 WAV",
        args.minutes, args.wav_minutes
    );
    println!("{:<58} {:>9}", "run", "seconds");
    println!(
        "{:<58} {:>9.1}",
        "postflow qc (full: probe, decode once, all analyses)", t_qc
    );
    println!("{:<58} {:>9.1}", "ffmpeg decode only (-f null -)", t_decode);
    println!(
        "{:<58} {:>9.1}",
        "ffmpeg black+freeze+silence+ebur128=peak=true graph", t_graph
    );
    println!("{:<58} {:>9.1}", "postflow loudness only (WAV)", t_loud);
    println!("{:<58} {:>9.1}", "ffmpeg ebur128=peak=true (WAV)", t_ebur);
    println!("ratios:");
    println!(
        "  full QC / ffmpeg decode-only      {:.2}x   (target <= 1.20)",
        t_qc / t_decode
    );
    println!(
        "  full QC / ffmpeg filter graph     {:.2}x   (target < 1.00)",
        t_qc / t_graph
    );
    println!(
        "  ffmpeg ebur128 / postflow loudness {:.2}x faster (target >= 2.00)",
        t_ebur / t_loud
    );
    if let Some(r) = &qc_report {
        let l = &r.loudness;
        println!(
            "master: {} checks, {} events; I {:.1} LUFS, TP {:.1} dBTP",
            r.checks.len(),
            r.events.len(),
            l.integrated_lufs.unwrap_or(f64::NAN),
            l.true_peak_dbtp.unwrap_or(f64::NAN)
        );
    }
    if let Some(l) = wav_loud {
        println!(
            "wav: I {:.1} LUFS, LRA {:.1} LU, TP {:.1} dBTP",
            l.integrated_lufs.unwrap_or(f64::NAN),
            l.lra_lu.unwrap_or(f64::NAN),
            l.true_peak_dbtp.unwrap_or(f64::NAN)
        );
    }
    Ok(ExitCode::SUCCESS)
}
