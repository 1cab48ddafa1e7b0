//! postflow-qc: media probe, one-pass analysis (loudness, black, freeze, silence, clipping) and
//! delivery-profile checks.
//!
//! Invariant: ffmpeg/ffprobe are only ever run as child processes with a timeout, killed on drop;
//! all analysis is Rust over decoded sample streams and never touches the store or HTTP.
//!
//! Code map (the report, profiles, checks, gate and HTML are `postflow-qc-model`'s, re-exported
//! here): [`probe`] (ffprobe → typed metadata), [`decode`] (the one ffmpeg pass, FIFOs,
//! reader/worker threads), [`loudness`] / [`audio`] / [`video`] (pure analysis), [`analysis`]
//! (events, head/tail), [`profile`] + `profiles/*.toml` (delivery specs as data), [`checks`]
//! (rules → pass/fail), [`timecode_track`] (the `tmcd` track's samples and breaks), [`report`]
//! (the stored JSON shape) and [`html`] (the report people read).
//!
//! Entry points: [`run_qc`] for a file and profiles → [`QcReport`]; [`render_html`] for the page;
//! [`measure_loudness`] for loudness only.
pub mod analysis;
pub mod audio;
pub mod decode;
pub mod loudness;
pub mod probe;
pub mod process;
pub mod timecode_track;
pub mod video;

// The pure model (report, profiles, checks, gate, HTML) lives in postflow-qc-model; its modules
// and names stay reachable here under their old paths.
pub use postflow_qc_model::{checks, detection, error, gate, html, layout, profile, report};
pub use postflow_qc_model::{
    render_html, Check, CheckStatus, DeclaredLayout, DetectSettings, Event, EventKind, Profile,
    ProfileSet, QcError, QcReport, Verdict,
};

pub use decode::DecodeOptions;
pub use loudness::Loudness;

use postflow_core::timecode::Timecode;
use std::path::Path;
use std::time::{Duration, Instant};

/// Everything a QC run needs besides the file. Built explicitly by the caller.
#[derive(Debug, Clone)]
pub struct QcOptions {
    /// Profiles to check against, in order; the first one's loudness target is plotted.
    pub profiles: Vec<Profile>,
    /// The deliverable's declared mix format (overrides the profiles' `audio.layouts`).
    pub declared_layout: Option<DeclaredLayout>,
    /// The expected programme length (overrides the profiles' `duration.expected_s`).
    pub expected_duration_s: Option<f64>,
    /// Default detection thresholds; each profile's `[detection]` table overrides them and
    /// several profiles combine as [`DetectSettings::for_profiles`] says.
    pub detect: DetectSettings,
    pub decode: DecodeOptions,
    pub probe_timeout: Duration,
}

impl QcOptions {
    pub fn new(profiles: Vec<Profile>) -> Self {
        QcOptions {
            profiles,
            declared_layout: None,
            expected_duration_s: None,
            detect: DetectSettings::default(),
            decode: DecodeOptions::default(),
            probe_timeout: Duration::from_secs(60),
        }
    }
}

/// Progress of a run: seconds of media analysed out of the total (when known).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Progress {
    pub done_s: f64,
    pub total_s: Option<f64>,
}

/// Probes, decodes once, analyses and checks `path` against every profile in `opts`.
///
/// Fails only when the file cannot be read at all (missing, not media, no streams, decoder
/// produced nothing, timeout); everything else is a check in the report.
pub fn run_qc(
    path: &Path,
    opts: &QcOptions,
    progress: &mut dyn FnMut(Progress),
) -> Result<QcReport, QcError> {
    let t0 = Instant::now();
    let probe = probe::probe_file(path, opts.probe_timeout)?;
    let (detect, set_by) = DetectSettings::for_profiles(&opts.detect, &opts.profiles);
    let rate = probe
        .video
        .first()
        .and_then(|v| v.avg_frame_rate.or(v.frame_rate));
    let timecode_track = probe.timecode_track_index().map(|index| {
        let df = probe
            .start_timecode
            .as_deref()
            .is_some_and(postflow_core::timecode::label_is_drop_frame);
        timecode_track::read_timecode_track(path, index, rate, df, opts.probe_timeout)
    });
    let total_s = probe.duration_s;
    let decoded = decode::decode_and_analyse(path, &probe, &opts.decode, &detect, &mut |done_s| {
        progress(Progress { done_s, total_s })
    })?;
    let mut a = analysis::analyse(&probe, &decoded, &detect);

    // Source timecode for each event, when the file has a valid start timecode.
    if let (Some(tc), Some(rate)) = (&probe.start_timecode, rate) {
        if let Ok(start) = Timecode::parse(tc, rate) {
            for e in &mut a.events {
                let f_in = rate.seconds_to_frames(e.start_s + 1e-6) as i64;
                let f_out = rate.seconds_to_frames(e.end_s + 1e-6) as i64;
                e.timecode_in = Some(start.offset(f_in).to_string());
                e.timecode_out = Some(start.offset(f_out).to_string());
            }
        }
    }

    let input = checks::CheckInput {
        probe: &probe,
        analysis: &a,
        decode_errors: &decoded.decode_errors,
        declared_layout: opts.declared_layout.as_ref(),
        expected_duration_s: opts.expected_duration_s,
        timecode_track: timecode_track.as_ref(),
    };
    let mut all = Vec::new();
    for p in &opts.profiles {
        all.extend(checks::evaluate(p, &input));
    }
    let loudness_target = opts.profiles.iter().find_map(|p| {
        p.loudness.as_ref().and_then(|l| {
            l.target_lufs.map(|t| report::LoudnessTarget {
                target_lufs: t,
                tolerance_lu: l.tolerance_lu,
            })
        })
    });
    let mut report = QcReport {
        schema: report::SCHEMA.to_string(),
        file: path.display().to_string(),
        status: Verdict::Pass,
        profiles: opts.profiles.iter().map(|p| p.name.clone()).collect(),
        summary: Default::default(),
        loudness: a
            .audio
            .first()
            .map(|x| x.loudness.clone())
            .unwrap_or_default(),
        loudness_target,
        events: a.events,
        checks: all,
        probe,
        audio: a.audio,
        video: a.video,
        programme: a.programme,
        decode_errors: decoded.decode_errors,
        postflow_version: env!("CARGO_PKG_VERSION").to_string(),
        elapsed_s: t0.elapsed().as_secs_f64(),
        timecode_track,
        detection: Some(report::DetectionUsed {
            settings: detect,
            set_by,
        }),
    };
    report.tally();
    Ok(report)
}

/// Loudness of every audio stream of `path` (no picture analysis): for `bench` and scripts.
pub fn measure_loudness(path: &Path, threads: usize) -> Result<Vec<report::AudioReport>, QcError> {
    let probe = probe::probe_file(path, Duration::from_secs(60))?;
    let opts = DecodeOptions {
        skip_video: true,
        audio_threads: threads,
        ..DecodeOptions::default()
    };
    let detect = DetectSettings::default();
    let decoded = decode::decode_and_analyse(path, &probe, &opts, &detect, &mut |_| {})?;
    let a = analysis::analyse(&probe, &decoded, &detect);
    Ok(a.audio)
}
