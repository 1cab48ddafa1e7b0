//! The media job kinds: `proxy` (edit proxies an NLE relinks to the originals) and
//! `review_copy` (browser-playable H.264/AAC with burnt-in timecode). The ffmpeg command lines
//! are built by pure functions ([`proxy_args`], [`review_args`]) from the probed source, so they
//! can be read and tested without running anything; [`run_ffmpeg`] runs one with
//! `-progress pipe:1` and turns its progress into the job's.
//!
//! A job writes to a hidden temporary name in the destination folder and renames it into place
//! only when ffmpeg succeeded, so nothing half-written ever sits under the final name; every
//! failure removes the temporary file. Probing uses `postflow-qc`'s ffprobe (with its timeout).
use super::worker::{JobError, JobHandler, JobRun};
use postflow_core::timecode::FrameRate;
use postflow_ingest::hash::{HashAlgorithm, Hasher};
use postflow_qc::probe::{probe_file, Probe};
use postflow_qc::profile::EncodeSettings;
use postflow_store::media::NewRelink;
use postflow_store::BoxFuture;
use serde::Deserialize;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};

/// ffmpeg is stopped when it reports no progress for this long (a stalled volume or a hang).
const STALL: Duration = Duration::from_secs(120);

/// A proxy codec an NLE reads natively.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProxyCodec {
    /// ProRes 422 Proxy (`prores_ks` profile 0).
    ProresProxy,
    /// ProRes 422 LT (`prores_ks` profile 1).
    ProresLt,
    /// Avid DNxHR LB.
    DnxhrLb,
    /// H.264 (libx264).
    H264,
}

impl ProxyCodec {
    pub const ALL: [ProxyCodec; 4] = [
        ProxyCodec::ProresProxy,
        ProxyCodec::ProresLt,
        ProxyCodec::DnxhrLb,
        ProxyCodec::H264,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            ProxyCodec::ProresProxy => "prores_proxy",
            ProxyCodec::ProresLt => "prores_lt",
            ProxyCodec::DnxhrLb => "dnxhr_lb",
            ProxyCodec::H264 => "h264",
        }
    }
    pub fn parse(s: &str) -> Option<ProxyCodec> {
        ProxyCodec::ALL.into_iter().find(|c| c.as_str() == s)
    }
    fn video_args(self) -> &'static [&'static str] {
        match self {
            ProxyCodec::ProresProxy => &[
                "-c:v",
                "prores_ks",
                "-profile:v",
                "0",
                "-pix_fmt",
                "yuv422p10le",
            ],
            ProxyCodec::ProresLt => &[
                "-c:v",
                "prores_ks",
                "-profile:v",
                "1",
                "-pix_fmt",
                "yuv422p10le",
            ],
            ProxyCodec::DnxhrLb => &[
                "-c:v",
                "dnxhd",
                "-profile:v",
                "dnxhr_lb",
                "-pix_fmt",
                "yuv422p",
            ],
            ProxyCodec::H264 => &[
                "-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-pix_fmt", "yuv420p",
            ],
        }
    }
    fn audio_args(self) -> &'static [&'static str] {
        match self {
            ProxyCodec::H264 => &["-c:a", "aac", "-b:a", "192k"],
            // Intra proxies carry PCM, as cameras' own proxies do and every NLE reads.
            _ => &["-c:a", "pcm_s16le"],
        }
    }
}

/// What a media job needs to know about its source, from ffprobe.
#[derive(Clone, Debug, PartialEq)]
pub struct SourceFacts {
    pub width: u32,
    pub height: u32,
    pub rate: Option<FrameRate>,
    pub duration_s: Option<f64>,
    pub start_timecode: Option<String>,
    pub reel: Option<String>,
    pub has_audio: bool,
}

impl SourceFacts {
    pub fn from_probe(path: &Path, probe: &Probe) -> Result<SourceFacts, String> {
        let video = probe
            .video
            .first()
            .ok_or_else(|| format!("{} has no picture to make a proxy from", path.display()))?;
        Ok(SourceFacts {
            width: video.width,
            height: video.height,
            rate: video.frame_rate.or(video.avg_frame_rate),
            duration_s: probe.duration_s.or(video.duration_s),
            start_timecode: probe.start_timecode.clone(),
            reel: probe.reel.clone(),
            has_audio: !probe.audio.is_empty(),
        })
    }
}

/// `width / divisor` rounded down to an even number (4:2:0 and 4:2:2 need even sizes), at least 2.
pub fn scaled(size: u32, divisor: u32) -> u32 {
    ((size / divisor.max(1)) & !1).max(2)
}

/// A path ffmpeg's filter graph takes literally: only files postflow names itself go there, so
/// anything outside a plain character set is refused instead of escaped twice.
fn filter_path(path: &Path) -> Result<String, String> {
    let s = path.display().to_string();
    if s.chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '.' | '_' | '-'))
    {
        Ok(s)
    } else {
        Err(format!(
            "the temporary folder {s} has characters ffmpeg's filters cannot take; set TMPDIR to a plain path"
        ))
    }
}

/// A LUT to apply, written to a `.cube` file for ffmpeg.
#[derive(Clone, Debug)]
pub struct LutFile {
    pub path: PathBuf,
    pub three_d: bool,
}

fn lut_filter(lut: &LutFile) -> Result<String, String> {
    let f = if lut.three_d { "lut3d" } else { "lut1d" };
    Ok(format!("{f}=file={}", filter_path(&lut.path)?))
}

/// The ffmpeg arguments (after the binary) for a proxy of `source` into `out` (a temporary
/// name, so the container is named with `-f mov`): scaled by `divisor`, in `codec`, with the
/// source's start timecode and reel name, first video and every audio stream.
pub fn proxy_args(
    source: &Path,
    facts: &SourceFacts,
    divisor: u32,
    codec: ProxyCodec,
    lut: Option<&LutFile>,
    out: &Path,
) -> Result<Vec<String>, String> {
    let mut a: Vec<String> = ["-nostdin", "-hide_banner", "-v", "error", "-y"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    a.extend(["-progress", "pipe:1", "-nostats"].map(String::from));
    a.push("-i".into());
    a.push(source.display().to_string());
    a.extend(["-map", "0:v:0", "-map", "0:a?"].map(String::from));
    let (width, height) = (scaled(facts.width, divisor), scaled(facts.height, divisor));
    if codec == ProxyCodec::DnxhrLb && (width < 256 || height < 120) {
        return Err(format!(
            "DNxHR needs a picture of at least 256x120 and this proxy would be {width}x{height}; choose 1/2 or another codec"
        ));
    }
    let mut filters = Vec::new();
    if let Some(lut) = lut {
        filters.push(lut_filter(lut)?);
    }
    filters.push(format!("scale={width}:{height}"));
    a.push("-vf".into());
    a.push(filters.join(","));
    a.extend(codec.video_args().iter().map(|s| s.to_string()));
    if facts.has_audio {
        a.extend(codec.audio_args().iter().map(|s| s.to_string()));
    }
    push_identity(&mut a, facts);
    a.extend(["-f", "mov"].map(String::from));
    a.push(out.display().to_string());
    Ok(a)
}

/// Start timecode and reel name, where an NLE looks for them (the `tmcd` track).
fn push_identity(a: &mut Vec<String>, facts: &SourceFacts) {
    if let Some(tc) = &facts.start_timecode {
        a.push("-timecode".into());
        a.push(tc.clone());
    }
    if let Some(reel) = &facts.reel {
        a.push("-metadata:s:v:0".into());
        a.push(format!("reel_name={reel}"));
        a.push("-metadata".into());
        a.push(format!("reel_name={reel}"));
    }
}

/// Options of a review copy.
#[derive(Clone, Debug, Default)]
pub struct ReviewOptions {
    /// Output height (even); `None`: the source's, at most 1080.
    pub height: Option<u32>,
    /// A file holding the watermark text (drawtext reads it, so no text is ever parsed as a
    /// filter).
    pub watermark_file: Option<PathBuf>,
}

/// The ffmpeg arguments for a review copy: H.264 High/yuv420p + AAC stereo in MP4 with the
/// index first (`+faststart`), timecode burnt in at the bottom (from the source's start
/// timecode, counting at its rate), an optional watermark across the middle.
pub fn review_args(
    source: &Path,
    facts: &SourceFacts,
    opts: &ReviewOptions,
    lut: Option<&LutFile>,
    out: &Path,
) -> Result<Vec<String>, String> {
    let mut a: Vec<String> = [
        "-nostdin",
        "-hide_banner",
        "-v",
        "error",
        "-y",
        "-progress",
        "pipe:1",
        "-nostats",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    a.push("-i".into());
    a.push(source.display().to_string());
    a.extend(["-map", "0:v:0", "-map", "0:a:0?"].map(String::from));
    let height = opts.height.unwrap_or_else(|| facts.height.min(1080)).max(2) & !1;
    let rate = facts
        .rate
        .ok_or("the source has no frame rate, so its timecode cannot be burnt in")?;
    let tc = facts
        .start_timecode
        .clone()
        .unwrap_or_else(|| "00:00:00:00".into());
    if !tc
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, ':' | ';' | '.'))
    {
        return Err(format!(
            "the source's start timecode {tc:?} is not HH:MM:SS:FF"
        ));
    }
    let mut filters = Vec::new();
    if let Some(lut) = lut {
        filters.push(lut_filter(lut)?);
    }
    filters.push(format!("scale=-2:{height}"));
    let font_size = (height / 18).max(10);
    filters.push(format!(
        "drawtext=font=monospace:timecode='{}':rate={}/{}:fontsize={font_size}:fontcolor=white:box=1:boxcolor=black@0.7:boxborderw=4:x=(w-tw)/2:y=h-th-{}",
        tc.replace(':', "\\:"),
        rate.num(),
        rate.den(),
        font_size / 2
    ));
    if let Some(wm) = &opts.watermark_file {
        filters.push(format!(
            "drawtext=font=sans:textfile={}:fontsize={}:fontcolor=white@0.35:x=(w-tw)/2:y=(h-th)/2",
            filter_path(wm)?,
            (height / 8).max(12)
        ));
    }
    filters.push("format=yuv420p".into());
    a.push("-vf".into());
    a.push(filters.join(","));
    a.extend(
        [
            "-c:v",
            "libx264",
            "-profile:v",
            "high",
            "-preset",
            "veryfast",
            "-crf",
            "23",
            "-pix_fmt",
            "yuv420p",
        ]
        .map(String::from),
    );
    if facts.has_audio {
        a.extend(["-c:a", "aac", "-b:a", "192k", "-ac", "2", "-ar", "48000"].map(String::from));
    }
    a.extend(["-movflags", "+faststart", "-f", "mp4"].map(String::from));
    a.push(out.display().to_string());
    Ok(a)
}

/// Microseconds of output written, from one `-progress` line (`out_time_us=…`; older ffmpegs
/// name the same value `out_time_ms`).
pub fn progress_us(line: &str) -> Option<u64> {
    let (key, value) = line.trim().split_once('=')?;
    match key {
        "out_time_us" | "out_time_ms" => value.trim().parse().ok(),
        _ => None,
    }
}

/// Per mille done, from microseconds written and the source's duration.
pub fn per_mille(done_us: u64, duration_s: Option<f64>) -> i64 {
    match duration_s {
        Some(d) if d > 0.0 => ((done_us as f64 / (d * 1e6)) * 1000.0).clamp(0.0, 999.0) as i64,
        _ => 0,
    }
}

/// The last non-empty lines of ffmpeg's stderr, for a message.
fn tail(stderr: &str, lines: usize) -> String {
    let v: Vec<&str> = stderr
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let s = v[v.len().saturating_sub(lines)..].join("; ");
    if s.is_empty() {
        "no message".into()
    } else {
        s
    }
}

/// Runs ffmpeg with `args`, reporting progress through `on_progress(per_mille)`. The child is
/// killed when this future is dropped (a cancelled or given-back job) or stalls for [`STALL`].
pub async fn run_ffmpeg(
    args: &[String],
    duration_s: Option<f64>,
    mut on_progress: impl FnMut(i64),
) -> Result<(), String> {
    let bin = postflow_qc::process::ffmpeg_bin();
    let mut child = tokio::process::Command::new(&bin)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| {
            format!("`{bin}` could not be started ({e}); install ffmpeg or set POSTFLOW_FFMPEG")
        })?;
    let mut stderr = child.stderr.take().expect("stderr is piped");
    let errors = tokio::spawn(async move {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text).await;
        text
    });
    let mut lines = BufReader::new(child.stdout.take().expect("stdout is piped")).lines();
    loop {
        match tokio::time::timeout(STALL, lines.next_line()).await {
            Err(_) => {
                let _ = child.kill().await;
                return Err(format!(
                    "ffmpeg made no progress for {} s and was stopped; the source may be on a stalled volume",
                    STALL.as_secs()
                ));
            }
            Ok(Ok(Some(line))) => {
                if let Some(us) = progress_us(&line) {
                    on_progress(per_mille(us, duration_s));
                }
            }
            Ok(Ok(None)) | Ok(Err(_)) => break,
        }
    }
    let status = child
        .wait()
        .await
        .map_err(|e| format!("cannot wait for ffmpeg: {e}"))?;
    let stderr = errors.await.unwrap_or_default();
    if status.success() {
        Ok(())
    } else if stderr.contains("No space left on device") {
        Err("the destination is full (No space left on device)".into())
    } else {
        Err(tail(&stderr, 3))
    }
}

/// A temporary file in the destination folder that is removed unless it was renamed into place.
struct Partial {
    path: PathBuf,
    kept: bool,
}

impl Partial {
    fn new(dest_dir: &Path, final_name: &str) -> Partial {
        Partial {
            path: dest_dir.join(format!(
                ".{final_name}.partial-{:08x}",
                rand::random::<u32>()
            )),
            kept: false,
        }
    }
    /// Flushes the file to disk and renames it to `target` (same folder, so atomic).
    fn persist(mut self, target: &Path) -> Result<(), String> {
        std::fs::File::open(&self.path)
            .and_then(|f| f.sync_all())
            .map_err(|e| format!("cannot flush {}: {e}", self.path.display()))?;
        std::fs::rename(&self.path, target).map_err(|e| {
            format!(
                "cannot rename {} to {}: {e}",
                self.path.display(),
                target.display()
            )
        })?;
        self.kept = true;
        Ok(())
    }
}

impl Drop for Partial {
    fn drop(&mut self) {
        if !self.kept {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

fn xxh64_of(path: &Path) -> Result<String, String> {
    let mut f =
        std::fs::File::open(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut h = Hasher::new(HashAlgorithm::Xxh64);
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f
            .read(&mut buf)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(format!("xxh64:{}", h.finish()))
}

/// Probes the source (on a blocking thread: ffprobe runs under `postflow-qc`'s timeout).
async fn probe_source(source: &Path) -> Result<SourceFacts, JobError> {
    if !source.is_file() {
        return Err(JobError::permanent(format!(
            "the source {} does not exist or is not a file",
            source.display()
        )));
    }
    let path = source.to_path_buf();
    let probe = tokio::task::spawn_blocking(move || probe_file(&path, Duration::from_secs(60)))
        .await
        .map_err(|e| format!("probing stopped: {e}"))?;
    // A source ffprobe cannot read stays unreadable: fail now rather than retry.
    let probe = probe.map_err(|e| JobError::permanent(e.to_string()))?;
    SourceFacts::from_probe(source, &probe).map_err(JobError::permanent)
}

fn stem_of(source: &Path) -> Result<String, JobError> {
    source
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .filter(|s| !s.is_empty())
        .ok_or_else(|| {
            JobError::permanent(format!("the source {} has no file name", source.display()))
        })
}

fn ensure_dir(dir: &Path) -> Result<(), JobError> {
    std::fs::create_dir_all(dir).map_err(|e| {
        JobError::from(format!(
            "cannot create the destination folder {}: {e}",
            dir.display()
        ))
    })
}

/// Writes the job's LUT (from its project's library) to a `.cube` file for ffmpeg.
async fn lut_for(
    run: &JobRun,
    lut_id: Option<i64>,
    dir: &Path,
) -> Result<Option<LutFile>, JobError> {
    let Some(id) = lut_id else {
        return Ok(None);
    };
    let (dimension, body) = run
        .queue
        .lut(&run.job, &run.worker, id)
        .await
        .map_err(|e| format!("cannot read LUT {id}: {e}"))?
        .ok_or_else(|| {
            JobError::permanent(format!("LUT {id} is not in this job's project's library"))
        })?;
    let path = dir.join(format!("lut-{id}.cube"));
    std::fs::write(&path, &body).map_err(|e| format!("cannot write the LUT for ffmpeg: {e}"))?;
    Ok(Some(LutFile {
        path,
        three_d: dimension == 3,
    }))
}

fn scratch_dir() -> Result<tempfile::TempDir, JobError> {
    tempfile::Builder::new()
        .prefix("postflow-media-")
        .tempdir()
        .map_err(|e| JobError::from(format!("cannot make a temporary folder: {e}")))
}

/// Runs `args` (writing `partial`), then renames it to `target`; every failure leaves no file
/// under either name.
async fn encode_into_place(
    run: &JobRun,
    args: &[String],
    facts: &SourceFacts,
    source: &Path,
    partial: Partial,
    target: &Path,
) -> Result<(), JobError> {
    run.log(&format!("ffmpeg {}", args.join(" "))).await?;
    let result = run_ffmpeg(args, facts.duration_s, |p| {
        run.set_progress(p, "encoding");
    })
    .await;
    if let Err(e) = result {
        return Err(JobError::from(format!(
            "ffmpeg could not encode {}: {e}",
            source.display()
        )));
    }
    partial.persist(target).map_err(JobError::from)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProxyPayload {
    source: PathBuf,
    /// Default: a `proxies` folder beside the source.
    #[serde(default)]
    dest_dir: Option<PathBuf>,
    /// "1/2" or "1/4".
    #[serde(default = "half")]
    scale: String,
    #[serde(default = "prores_proxy")]
    codec: String,
    #[serde(default)]
    lut_id: Option<i64>,
}

fn half() -> String {
    "1/2".into()
}
fn prores_proxy() -> String {
    "prores_proxy".into()
}

/// `proxy`: `<dest>/<stem>.mov` at 1/2 or 1/4 size in ProRes Proxy/LT, DNxHR LB or H.264,
/// keeping start timecode, reel and stem; a line in the project's relink list.
pub struct Proxy;

impl JobHandler for Proxy {
    fn kind(&self) -> &'static str {
        "proxy"
    }
    fn run<'a>(&'a self, run: &'a JobRun) -> BoxFuture<'a, Result<(), JobError>> {
        Box::pin(async move {
            let p: ProxyPayload = super::worker::payload(&run.job)?;
            let divisor = match p.scale.as_str() {
                "1/2" => 2,
                "1/4" => 4,
                other => {
                    return Err(JobError::permanent(format!(
                        "scale {other:?} is not one of 1/2, 1/4"
                    )))
                }
            };
            let codec = ProxyCodec::parse(&p.codec).ok_or_else(|| {
                JobError::permanent(format!(
                    "codec {:?} is not one of prores_proxy, prores_lt, dnxhr_lb, h264",
                    p.codec
                ))
            })?;
            let facts = probe_source(&p.source).await?;
            let stem = stem_of(&p.source)?;
            let dest_dir = p
                .dest_dir
                .clone()
                .unwrap_or_else(|| p.source.parent().unwrap_or(Path::new(".")).join("proxies"));
            ensure_dir(&dest_dir)?;
            let scratch = scratch_dir()?;
            let lut = lut_for(run, p.lut_id, scratch.path()).await?;
            let name = format!("{stem}.mov");
            let target = dest_dir.join(&name);
            let partial = Partial::new(&dest_dir, &name);
            let args = proxy_args(
                &p.source,
                &facts,
                divisor,
                codec,
                lut.as_ref(),
                &partial.path,
            )
            .map_err(JobError::permanent)?;
            encode_into_place(run, &args, &facts, &p.source, partial, &target).await?;
            record(
                run,
                "proxy",
                &p.source,
                &target,
                &facts,
                codec.as_str(),
                divisor,
            )
            .await
        })
    }
}

/// Hashes the written file and puts it on the relink list.
async fn record(
    run: &JobRun,
    kind: &str,
    source: &Path,
    target: &Path,
    facts: &SourceFacts,
    codec: &str,
    divisor: u32,
) -> Result<(), JobError> {
    let t = target.to_path_buf();
    let proxy_checksum = tokio::task::spawn_blocking(move || xxh64_of(&t))
        .await
        .map_err(|e| format!("hashing stopped: {e}"))??;
    run.queue
        .record_relink(
            &run.job,
            &run.worker,
            NewRelink {
                project_id: run.job.project_id,
                job_id: Some(run.job.id),
                kind: kind.into(),
                original_path: source.display().to_string(),
                original_checksum: None,
                proxy_path: target.display().to_string(),
                proxy_checksum: proxy_checksum.clone(),
                start_timecode: facts.start_timecode.clone(),
                reel: facts.reel.clone(),
                codec: codec.into(),
                width: scaled(facts.width, divisor) as i64,
                height: scaled(facts.height, divisor) as i64,
            },
        )
        .await
        .map_err(|e| format!("cannot record the relink line: {e}"))?;
    run.log(&format!("wrote {} ({proxy_checksum})", target.display()))
        .await?;
    Ok(())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReviewPayload {
    source: PathBuf,
    /// Default: a `review` folder beside the source.
    #[serde(default)]
    dest_dir: Option<PathBuf>,
    /// Output height; default the source's, at most 1080.
    #[serde(default)]
    height: Option<u32>,
    #[serde(default)]
    watermark: Option<String>,
    #[serde(default)]
    lut_id: Option<i64>,
}

/// `review_copy`: `<dest>/<stem>.mp4`, H.264/AAC with fast start, burnt-in timecode and an
/// optional watermark.
pub struct ReviewCopy;

impl JobHandler for ReviewCopy {
    fn kind(&self) -> &'static str {
        "review_copy"
    }
    fn run<'a>(&'a self, run: &'a JobRun) -> BoxFuture<'a, Result<(), JobError>> {
        Box::pin(async move {
            let p: ReviewPayload = super::worker::payload(&run.job)?;
            if let Some(h) = p.height {
                if !(16..=4320).contains(&h) {
                    return Err(JobError::permanent(format!(
                        "height {h} is not between 16 and 4320"
                    )));
                }
            }
            let facts = probe_source(&p.source).await?;
            let stem = stem_of(&p.source)?;
            let dest_dir = p
                .dest_dir
                .clone()
                .unwrap_or_else(|| p.source.parent().unwrap_or(Path::new(".")).join("review"));
            ensure_dir(&dest_dir)?;
            let scratch = scratch_dir()?;
            let lut = lut_for(run, p.lut_id, scratch.path()).await?;
            let watermark_file = match p.watermark.as_deref().map(str::trim) {
                Some(text) if !text.is_empty() => {
                    let f = scratch.path().join("watermark.txt");
                    std::fs::write(&f, text)
                        .map_err(|e| format!("cannot write the watermark text: {e}"))?;
                    Some(f)
                }
                _ => None,
            };
            let opts = ReviewOptions {
                height: p.height,
                watermark_file,
            };
            let name = format!("{stem}.mp4");
            let target = dest_dir.join(&name);
            let partial = Partial::new(&dest_dir, &name);
            let args = review_args(&p.source, &facts, &opts, lut.as_ref(), &partial.path)
                .map_err(JobError::permanent)?;
            encode_into_place(run, &args, &facts, &p.source, partial, &target).await?;
            let height = opts.height.unwrap_or_else(|| facts.height.min(1080)) & !1;
            let divisor_facts = SourceFacts {
                width: (facts.width as u64 * height as u64 / facts.height.max(1) as u64) as u32
                    & !1,
                height,
                ..facts.clone()
            };
            record(
                run,
                "review_copy",
                &p.source,
                &target,
                &divisor_facts,
                "h264",
                1,
            )
            .await
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> SourceFacts {
        SourceFacts {
            width: 1920,
            height: 1080,
            rate: Some(FrameRate::new(25, 1).unwrap()),
            duration_s: Some(10.0),
            start_timecode: Some("10:00:00:00".into()),
            reel: Some("A001".into()),
            has_audio: true,
        }
    }

    #[test]
    fn a_proxy_keeps_timecode_and_reel_and_scales_to_even_sizes() {
        let a = proxy_args(
            Path::new("/m/A001C001.mov"),
            &facts(),
            4,
            ProxyCodec::DnxhrLb,
            None,
            Path::new("/p/.x"),
        )
        .unwrap()
        .join(" ");
        assert!(a.contains("-timecode 10:00:00:00"), "{a}");
        assert!(a.contains("reel_name=A001"), "{a}");
        assert!(a.contains("scale=480:270"), "{a}");
        assert!(a.contains("-profile:v dnxhr_lb"), "{a}");
        assert_eq!(scaled(180, 4), 44);
    }

    #[test]
    fn progress_lines_become_per_mille() {
        assert_eq!(progress_us("out_time_us=5000000"), Some(5_000_000));
        assert_eq!(progress_us("out_time_ms=5000000"), Some(5_000_000));
        assert_eq!(progress_us("frame=12"), None);
        assert_eq!(progress_us("out_time_us=N/A"), None);
        assert_eq!(per_mille(5_000_000, Some(10.0)), 500);
        assert_eq!(per_mille(50_000_000, Some(10.0)), 999);
        assert_eq!(per_mille(1, None), 0);
    }

    #[test]
    fn a_filter_path_with_odd_characters_is_refused() {
        assert!(filter_path(Path::new("/tmp/a'b:c")).is_err());
        assert!(filter_path(Path::new("/tmp/postflow-media-x/lut-1.cube")).is_ok());
    }
}

#[derive(Debug, clap::Args)]
pub struct BenchProxyArgs {
    /// Seconds of 1920x1080 25 fps test picture (with sound, timecode and reel) to encode.
    #[arg(long, default_value_t = 10)]
    pub seconds: u32,
    /// Proxy codec: prores_proxy, prores_lt, dnxhr_lb or h264.
    #[arg(long, default_value = "prores_proxy")]
    pub codec: String,
    /// Runs of each; the median is compared.
    #[arg(long, default_value_t = 3)]
    pub runs: usize,
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

/// `postflow bench proxy`: the same proxy ffmpeg command run by hand and through a `proxy` job
/// (queued on a temporary SQLite store, claimed and run by an in-process worker, hashed and put
/// on the relink list), side by side; the ratio is the queue's and the job's overhead.
pub fn run_bench_proxy(args: BenchProxyArgs) -> anyhow::Result<std::process::ExitCode> {
    use super::worker::{Registry, Worker, WorkerConfig};
    use anyhow::{bail, Context as _};
    use postflow_store::jobs::{Backoff, JobState, NewJob};
    use std::time::Instant;
    let codec = ProxyCodec::parse(&args.codec).with_context(|| {
        format!(
            "--codec {:?} is not one of prores_proxy, prores_lt, dnxhr_lb, h264",
            args.codec
        )
    })?;
    if args.runs == 0 || args.seconds == 0 {
        bail!("--runs and --seconds must be at least 1");
    }
    let dir = tempfile::tempdir().context("cannot make a temporary folder")?;
    let source = dir.path().join("B001C001.mov");
    let made = std::process::Command::new(postflow_qc::process::ffmpeg_bin())
        .args(["-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i"])
        .arg(format!(
            "testsrc2=size=1920x1080:rate=25:duration={}",
            args.seconds
        ))
        .args(["-f", "lavfi", "-i"])
        .arg(format!(
            "sine=frequency=440:sample_rate=48000:duration={}",
            args.seconds
        ))
        .args([
            "-c:v",
            "ffv1",
            "-c:a",
            "pcm_s16le",
            "-timecode",
            "10:00:00:00",
            "-metadata:s:v:0",
            "reel_name=B001",
        ])
        .arg(&source)
        .output()
        .context("cannot run ffmpeg to make the source")?;
    if !made.status.success() {
        bail!(
            "ffmpeg could not make the benchmark source: {}",
            tail(&String::from_utf8_lossy(&made.stderr), 2)
        );
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async move {
        let probe = probe_file(&source, Duration::from_secs(60))?;
        let facts = SourceFacts::from_probe(&source, &probe).map_err(anyhow::Error::msg)?;
        let by_hand_dir = dir.path().join("by-hand");
        std::fs::create_dir_all(&by_hand_dir)?;
        let store = postflow_store::Store::open(&postflow_store::Location::SqliteDir(
            dir.path().join("data"),
        ))
        .await?;
        let mut by_hand = Vec::new();
        let mut as_job = Vec::new();
        for run in 0..args.runs {
            let out = by_hand_dir.join(format!("B001C001-{run}.mov"));
            let cmd = proxy_args(&source, &facts, 2, codec, None, &out).map_err(anyhow::Error::msg)?;
            let started = Instant::now();
            run_ffmpeg(&cmd, facts.duration_s, |_| {})
                .await
                .map_err(anyhow::Error::msg)?;
            by_hand.push(started.elapsed().as_secs_f64());

            let dest = dir.path().join(format!("job-{run}"));
            let payload = serde_json::json!({
                "source": source, "dest_dir": dest, "codec": codec.as_str(), "scale": "1/2"
            });
            let started = Instant::now();
            let job = store.enqueue(NewJob::new("proxy", payload.to_string())).await?;
            let worker = Worker {
                queue: super::queue::Queue::Store(store.clone()),
                registry: Registry::builtin(),
                config: WorkerConfig {
                    id: format!("bench-proxy-{run}"),
                    kinds: vec!["proxy".into()],
                    concurrency: 1,
                    lease: Duration::from_secs(60),
                    heartbeat: Duration::from_secs(2),
                    poll: Duration::from_millis(50),
                    grace: Duration::from_secs(5),
                    drain: true,
                    backoff: Backoff::default(),
                    verbose: false,
                },
                claim_times: None,
                refused: Default::default(),
            };
            let (_stop_tx, stop) = tokio::sync::watch::channel(false);
            worker.run(stop).await;
            as_job.push(started.elapsed().as_secs_f64());
            let done = store.job(job.id).await?.context("the benchmark job vanished")?;
            if done.job_state()? != JobState::Succeeded {
                bail!(
                    "the proxy job did not succeed: {}",
                    done.message.unwrap_or_default()
                );
            }
        }
        let (hand, job) = (median(by_hand.clone()), median(as_job.clone()));
        println!(
            "bench proxy: {} s of 1920x1080 25 fps ffv1 + PCM → {} at 1/2 (960x540), {} runs each",
            args.seconds,
            codec.as_str(),
            args.runs
        );
        println!(
            "  ffmpeg by hand:   median {hand:.3} s  ({})",
            by_hand.iter().map(|t| format!("{t:.3}")).collect::<Vec<_>>().join(", ")
        );
        println!(
            "  as a proxy job:   median {job:.3} s  ({}) — queue, claim, probe, encode, rename, xxh64, relink line",
            as_job.iter().map(|t| format!("{t:.3}")).collect::<Vec<_>>().join(", ")
        );
        println!("  ratio job / by hand: {:.3}× (target ≤ 1.05×)", job / hand);
        Ok(std::process::ExitCode::SUCCESS)
    })
}

/// The ffmpeg output options of a delivery encode from a profile's `[encode]` table: the
/// container (ffmpeg's `-f` name and the file extension) and the codec, size, rate and audio
/// options. Loudness normalisation is not here: it needs the source measured first
/// ([`measure_loudness`], [`loudnorm_filter`]).
pub fn encode_args(e: &EncodeSettings) -> Result<(&'static str, Vec<String>), String> {
    let mut a: Vec<String> = Vec::new();
    let mut push = |xs: &[&str]| a.extend(xs.iter().map(|x| x.to_string()));
    let (encoder_opts, default_pix): (Vec<&str>, &str) = match e.codec.as_str() {
        "h264" => (vec!["-c:v", "libx264", "-preset", "veryfast"], "yuv420p"),
        "hevc" => (
            vec!["-c:v", "libx265", "-preset", "fast", "-tag:v", "hvc1"],
            "yuv420p",
        ),
        "prores_proxy" => (vec!["-c:v", "prores_ks", "-profile:v", "0"], "yuv422p10le"),
        "prores_lt" => (vec!["-c:v", "prores_ks", "-profile:v", "1"], "yuv422p10le"),
        "prores_422" => (vec!["-c:v", "prores_ks", "-profile:v", "2"], "yuv422p10le"),
        "prores_hq" => (vec!["-c:v", "prores_ks", "-profile:v", "3"], "yuv422p10le"),
        "prores_4444" => (vec!["-c:v", "prores_ks", "-profile:v", "4"], "yuv444p10le"),
        "dnxhr_lb" => (vec!["-c:v", "dnxhd", "-profile:v", "dnxhr_lb"], "yuv422p"),
        "dnxhr_sq" => (vec!["-c:v", "dnxhd", "-profile:v", "dnxhr_sq"], "yuv422p"),
        "dnxhr_hq" => (vec!["-c:v", "dnxhd", "-profile:v", "dnxhr_hq"], "yuv422p"),
        "dnxhr_hqx" => (
            vec!["-c:v", "dnxhd", "-profile:v", "dnxhr_hqx"],
            "yuv422p10le",
        ),
        other => {
            return Err(format!(
                "the encode codec {other:?} is not one postflow encodes"
            ))
        }
    };
    push(&encoder_opts);
    let pix = e.pixel_format.as_deref().unwrap_or(default_pix);
    push(&["-pix_fmt", pix]);
    if e.codec == "h264" && pix == "yuv420p" {
        push(&["-profile:v", "high"]);
    }
    match (&e.bitrate, e.codec.as_str()) {
        (Some(b), "h264" | "hevc") => {
            let bits = postflow_qc::profile::parse_bitrate(b)
                .ok_or_else(|| format!("the encode bitrate {b:?} is not a bitrate"))?;
            push(&["-b:v", &bits.to_string(), "-maxrate", &bits.to_string()]);
            push(&["-bufsize", &(bits * 2).to_string()]);
        }
        (None, "h264") => push(&["-crf", "18"]),
        (None, "hevc") => push(&["-crf", "20"]),
        // ProRes and DNxHR have their profile's own rate.
        _ => {}
    }
    let mut filters = Vec::new();
    if let Some(r) = &e.resolution {
        let (w, h) = postflow_qc::profile::parse_resolution(r)
            .ok_or_else(|| format!("the encode resolution {r:?} is not WIDTHxHEIGHT"))?;
        // Fitted inside and padded: a 16:9 master for a 9:16 delivery is letterboxed, not
        // stretched.
        filters.push(format!(
            "scale={w}:{h}:force_original_aspect_ratio=decrease,pad={w}:{h}:(ow-iw)/2:(oh-ih)/2,setsar=1"
        ));
    }
    if !filters.is_empty() {
        push(&["-vf", &filters.join(",")]);
    }
    if let Some(r) = &e.frame_rate {
        let rate: FrameRate = r
            .parse()
            .map_err(|why| format!("the encode frame rate {r:?}: {why}"))?;
        push(&["-r", &format!("{}/{}", rate.num(), rate.den())]);
    }
    push(&[
        "-color_primaries",
        "bt709",
        "-color_trc",
        "bt709",
        "-colorspace",
        "bt709",
    ]);
    let audio = e.audio_codec();
    push(&["-c:a", audio]);
    if audio == "aac" {
        push(&["-b:a", e.audio_bitrate.as_deref().unwrap_or("320k")]);
    }
    push(&["-ar", &e.audio_rate.unwrap_or(48000).to_string()]);
    if let Some(c) = e.audio_channels {
        push(&["-ac", &c.to_string()]);
    }
    let container = match e.container.as_str() {
        "mp4" => {
            push(&["-movflags", "+faststart"]);
            "mp4"
        }
        "mov" => "mov",
        "mxf" => "mxf",
        other => {
            return Err(format!(
                "the encode container {other:?} is not one postflow writes"
            ))
        }
    };
    Ok((container, a))
}

/// What ffmpeg's `loudnorm` measured of a source (its first pass).
#[derive(Debug, Clone, PartialEq)]
pub struct LoudnormMeasure {
    pub input_i: f64,
    pub input_tp: f64,
    pub input_lra: f64,
    pub input_thresh: f64,
    pub target_offset: f64,
}

/// The JSON block `loudnorm=print_format=json` prints at the end of ffmpeg's stderr.
pub fn parse_loudnorm_json(stderr: &str) -> Result<LoudnormMeasure, String> {
    let start = stderr
        .rfind("{")
        .ok_or("ffmpeg's loudnorm printed no measurement")?;
    let end = stderr[start..]
        .find('}')
        .map(|e| start + e + 1)
        .ok_or("ffmpeg's loudnorm measurement is cut short")?;
    let v: serde_json::Value = serde_json::from_str(&stderr[start..end])
        .map_err(|e| format!("ffmpeg's loudnorm measurement is not JSON ({e})"))?;
    let get = |k: &str| -> Result<f64, String> {
        v[k].as_str()
            .and_then(|s| s.trim().parse::<f64>().ok())
            .ok_or_else(|| format!("ffmpeg's loudnorm measurement has no {k}"))
    };
    Ok(LoudnormMeasure {
        input_i: get("input_i")?,
        input_tp: get("input_tp")?,
        input_lra: get("input_lra")?,
        input_thresh: get("input_thresh")?,
        target_offset: get("target_offset")?,
    })
}

/// Target loudness, true-peak ceiling and loudness range of a normalisation.
fn loudnorm_targets(e: &EncodeSettings) -> Option<(f64, f64, f64)> {
    Some((
        e.loudness_target_lufs?,
        e.true_peak_dbtp.unwrap_or(-1.0),
        e.loudness_range_lu.unwrap_or(20.0),
    ))
}

/// The second pass: `loudnorm` told what the first pass measured, so it applies one gain to the
/// whole programme (linear) when the ceiling allows. loudnorm works at 192 kHz; the encode's
/// `-ar` brings it back to the delivery's rate.
pub fn loudnorm_filter(e: &EncodeSettings, m: &LoudnormMeasure) -> Option<String> {
    let (i, tp, lra) = loudnorm_targets(e)?;
    Some(format!(
        "loudnorm=I={i}:TP={tp}:LRA={lra}:measured_I={}:measured_TP={}:measured_LRA={}:measured_thresh={}:offset={}:linear=true:print_format=none",
        m.input_i,
        m.input_tp,
        m.input_lra,
        m.input_thresh,
        m.target_offset,
    ))
}

/// The first pass: ffmpeg's `loudnorm` measures the source's first audio stream. `None` when
/// the source has no audio, or audio too quiet to measure (silence cannot be turned up).
pub async fn measure_loudness(
    source: &Path,
    e: &EncodeSettings,
) -> Result<Option<LoudnormMeasure>, String> {
    let Some((i, tp, lra)) = loudnorm_targets(e) else {
        return Ok(None);
    };
    let bin = postflow_qc::process::ffmpeg_bin();
    let out = tokio::process::Command::new(&bin)
        .args(["-nostdin", "-hide_banner", "-nostats", "-i"])
        .arg(source)
        .args(["-map", "0:a:0?", "-vn", "-af"])
        .arg(format!(
            "loudnorm=I={i}:TP={tp}:LRA={lra}:print_format=json"
        ))
        .args(["-f", "null", "-"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .output()
        .await
        .map_err(|e| {
            format!("`{bin}` could not be started ({e}); install ffmpeg or set POSTFLOW_FFMPEG")
        })?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        return Err(format!(
            "ffmpeg could not measure the loudness of {}: {}",
            source.display(),
            tail(&stderr, 3)
        ));
    }
    if !stderr.contains("input_i") {
        return Ok(None); // no audio stream
    }
    let m = parse_loudnorm_json(&stderr)?;
    Ok(m.input_i.is_finite().then_some(m))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DeliveryPayload {
    source: PathBuf,
    deliverable_id: i64,
    /// Default: a `deliverables` folder beside the source.
    #[serde(default)]
    dest_dir: Option<PathBuf>,
}

/// `delivery_encode`: encodes a master for a deliverable with its first profile's `[encode]`
/// settings (loudness normalised in two `loudnorm` passes when the table sets a target), runs
/// QC against every profile of the deliverable — our own meter checks the loudness — and
/// attaches the run (`app::delivery::record_qc_run`, which keeps the deliverable open when it
/// fails), on a worker on the database or through the server's API alike. A failed QC fails the
/// job for good, naming the failed checks.
pub struct DeliveryEncode;

impl JobHandler for DeliveryEncode {
    fn kind(&self) -> &'static str {
        "delivery_encode"
    }
    fn run<'a>(&'a self, run: &'a JobRun) -> BoxFuture<'a, Result<(), JobError>> {
        Box::pin(async move {
            use postflow_qc::{DeclaredLayout, QcOptions, Verdict};
            let p: DeliveryPayload = super::worker::payload(&run.job)?;
            let target = run
                .queue
                .encode_target(&run.job, &run.worker, p.deliverable_id)
                .await
                .map_err(|e| format!("cannot read the deliverable: {e}"))?
                .map_err(JobError::permanent)?;
            let first = target
                .profiles
                .first()
                .ok_or_else(|| JobError::permanent("the deliverable names no delivery profile"))?;
            let settings = first.encode.clone().ok_or_else(|| {
                JobError::permanent(format!(
                    "the delivery profile {:?} has no [encode] settings; encode its master in the finishing suite and run postflow qc on it",
                    first.name
                ))
            })?;
            let (container, encode) = encode_args(&settings).map_err(JobError::permanent)?;
            let facts = probe_source(&p.source).await?;
            let stem = stem_of(&p.source)?;
            let dest_dir = p.dest_dir.clone().unwrap_or_else(|| {
                p.source
                    .parent()
                    .unwrap_or(Path::new("."))
                    .join("deliverables")
            });
            ensure_dir(&dest_dir)?;
            let loudnorm = if settings.loudness_target_lufs.is_some() {
                run.set_progress(0, "measuring loudness");
                match measure_loudness(&p.source, &settings)
                    .await
                    .map_err(JobError::from)?
                {
                    Some(m) => {
                        run.log(&format!(
                            "loudness measured: {:.1} LUFS integrated, {:.1} dBTP, LRA {:.1} LU",
                            m.input_i, m.input_tp, m.input_lra
                        ))
                        .await?;
                        loudnorm_filter(&settings, &m)
                    }
                    None => {
                        run.log("no audio loud enough to measure; loudness left as it is")
                            .await?;
                        None
                    }
                }
            } else {
                None
            };
            let name = format!("{stem}_{}.{container}", first.name);
            let dest = dest_dir.join(&name);
            let partial = Partial::new(&dest_dir, &name);
            let mut args: Vec<String> = [
                "-nostdin",
                "-hide_banner",
                "-v",
                "error",
                "-y",
                "-progress",
                "pipe:1",
                "-nostats",
                "-i",
            ]
            .map(String::from)
            .to_vec();
            args.push(p.source.display().to_string());
            args.extend(["-map", "0:v:0", "-map", "0:a?"].map(String::from));
            args.extend(encode);
            if let Some(f) = loudnorm {
                args.extend(["-af".to_string(), f]);
            }
            push_identity(&mut args, &facts);
            args.extend(["-f".to_string(), container.to_string()]);
            args.push(partial.path.display().to_string());
            encode_into_place(run, &args, &facts, &p.source, partial, &dest).await?;

            run.set_progress(999, "checking");
            let mut opts = QcOptions::new(target.profiles.clone());
            if let Some(l) = &target.layout {
                opts.declared_layout = DeclaredLayout::parse(l);
            }
            let file = dest.clone();
            let report =
                tokio::task::spawn_blocking(move || postflow_qc::run_qc(&file, &opts, &mut |_| {}))
                    .await
                    .map_err(|e| format!("QC stopped: {e}"))?
                    .map_err(|e| JobError::from(format!("QC could not read the encode: {e}")))?;
            let failed: Vec<String> = report
                .checks
                .iter()
                .filter(|c| c.status == postflow_qc::CheckStatus::Fail)
                .map(|c| c.id.clone())
                .collect();
            let passed = report.status == Verdict::Pass;
            let run_id = run
                .queue
                .attach_qc_run(&target, report)
                .await
                .map_err(|e| format!("cannot attach the QC run: {e}"))?;
            run.log(&format!(
                "wrote {}; QC run {run_id} attached to {}/{}: {}",
                dest.display(),
                target.code,
                target.deliverable_id,
                if passed { "pass" } else { "fail" }
            ))
            .await?;
            if passed {
                Ok(())
            } else {
                Err(JobError::permanent(format!(
                    "the encode failed QC ({}); the deliverable stays open",
                    failed.join(", ")
                )))
            }
        })
    }
}
