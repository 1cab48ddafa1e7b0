//! One decode pass: a single ffmpeg process decodes the file once and writes the first video
//! stream (scaled down to 8-bit YUV 4:2:0) and every audio stream (32-bit float PCM) into FIFOs
//! in a private temporary directory; one thread per FIFO reads and analyses, with audio channels
//! spread over worker threads. ffmpeg is killed when it stalls or when this function returns.
//! Audio-only PCM WAV files skip ffmpeg and are read directly.
use crate::audio::{ChannelAnalyzer, ChannelData, PairCorrelation};
use crate::detection::DetectSettings;
use crate::error::QcError;
use crate::layout;
use crate::probe::Probe;
use crate::process::{ffmpeg_bin, ChildGuard};
use crate::video::PictureAnalyzer;
use crossbeam_channel::{bounded, Receiver};
use std::fs::{File, OpenOptions};
use std::io::Read;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How the decode pass runs (what it detects is [`DetectSettings`]).
#[derive(Debug, Clone)]
pub struct DecodeOptions {
    /// ffmpeg is killed when no decoded data arrives for this long.
    pub stall_timeout: Duration,
    /// Worker threads for audio channels per stream (0 = number of CPUs).
    pub audio_threads: usize,
    /// Skip the video stream (loudness-only runs).
    pub skip_video: bool,
}

impl Default for DecodeOptions {
    fn default() -> Self {
        DecodeOptions {
            stall_timeout: Duration::from_secs(120),
            audio_threads: 0,
            skip_video: false,
        }
    }
}

/// The decoded analysis of one audio stream.
#[derive(Debug, Clone)]
pub struct AudioData {
    pub stream_index: u32,
    pub sample_rate: u32,
    pub channel_names: Vec<String>,
    pub channels: Vec<ChannelData>,
    /// (left, right, correlation) for each L/R pair of the layout.
    pub pairs: Vec<(usize, usize, Option<f64>)>,
}

/// The decoded analysis of the first video stream.
#[derive(Debug, Clone)]
pub struct VideoData {
    pub stream_index: u32,
    pub width: usize,
    pub height: usize,
    pub analyzer: PictureAnalyzer,
}

/// Everything one pass produced.
#[derive(Debug, Clone)]
pub struct Decoded {
    pub video: Option<VideoData>,
    pub audio: Vec<AudioData>,
    /// ffmpeg's error lines (a clean decode has none).
    pub decode_errors: Vec<String>,
}

/// Little-endian PCM sample formats the readers convert to f32.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PcmFormat {
    S16,
    S24,
    S32,
    F32,
}

impl PcmFormat {
    pub fn from_codec(codec: &str) -> Option<Self> {
        match codec {
            "pcm_s16le" => Some(PcmFormat::S16),
            "pcm_s24le" => Some(PcmFormat::S24),
            "pcm_s32le" => Some(PcmFormat::S32),
            "pcm_f32le" => Some(PcmFormat::F32),
            _ => None,
        }
    }

    pub fn bytes(self) -> usize {
        match self {
            PcmFormat::S16 => 2,
            PcmFormat::S24 => 3,
            PcmFormat::S32 | PcmFormat::F32 => 4,
        }
    }

    #[inline]
    fn sample(self, s: &[u8]) -> f32 {
        match self {
            PcmFormat::S16 => i16::from_le_bytes([s[0], s[1]]) as f32 / 32768.0,
            PcmFormat::S24 => (i32::from_le_bytes([0, s[0], s[1], s[2]]) >> 8) as f32 / 8_388_608.0,
            PcmFormat::S32 => i32::from_le_bytes([s[0], s[1], s[2], s[3]]) as f32 / 2_147_483_648.0,
            PcmFormat::F32 => f32::from_le_bytes([s[0], s[1], s[2], s[3]]),
        }
    }
}

/// The `data` chunk of a RIFF/RF64 WAVE file: (offset, length; `None` = to the end).
fn wav_data(f: &mut File) -> std::io::Result<Option<(u64, Option<u64>)>> {
    use std::io::{Seek, SeekFrom};
    let mut h = [0u8; 12];
    f.read_exact(&mut h)?;
    if !(&h[0..4] == b"RIFF" || &h[0..4] == b"RF64") || &h[8..12] != b"WAVE" {
        return Ok(None);
    }
    let mut pos = 12u64;
    for _ in 0..64 {
        f.seek(SeekFrom::Start(pos))?;
        let mut c = [0u8; 8];
        if f.read(&mut c)? < 8 {
            return Ok(None);
        }
        let size = u32::from_le_bytes([c[4], c[5], c[6], c[7]]) as u64;
        if &c[0..4] == b"data" {
            // RF64 and streamed files write 0xFFFFFFFF (or 0): read to the end.
            let len = (size != 0xFFFF_FFFF && size != 0).then_some(size);
            return Ok(Some((pos + 8, len)));
        }
        pos += 8 + size + (size & 1);
    }
    Ok(None)
}

/// Audio-only PCM WAV is read directly: no ffmpeg process, no pipe copy.
fn decode_wav_natively(
    path: &Path,
    probe: &Probe,
    opts: &DecodeOptions,
    clip_level: f32,
) -> Option<Decoded> {
    use std::io::{Seek, SeekFrom};
    let a = match (
        probe.container.as_str(),
        probe.video.is_empty() || opts.skip_video,
        probe.audio.as_slice(),
    ) {
        ("wav", true, [a]) => a,
        _ => return None,
    };
    let format = PcmFormat::from_codec(&a.codec)?;
    let mut f = File::open(path).ok()?;
    let (offset, len) = wav_data(&mut f).ok()??;
    f.seek(SeekFrom::Start(offset)).ok()?;
    let reader: Box<dyn Read + Send> = match len {
        Some(l) => Box::new(f.take(l)),
        None => Box::new(f),
    };
    let threads = if opts.audio_threads == 0 {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2)
    } else {
        opts.audio_threads
    };
    let done = AtomicU64::new(0);
    let cancel = AtomicBool::new(false);
    let data = read_audio(
        Some(reader),
        format,
        a.index,
        a.sample_rate,
        a.channels as usize,
        a.channel_names.clone(),
        threads,
        clip_level,
        &done,
        &cancel,
    );
    Some(Decoded {
        video: None,
        audio: vec![data],
        decode_errors: vec![],
    })
}

/// The analysis size: about a quarter of the width, even dimensions, aspect kept.
pub fn analysis_size(width: u32, height: u32) -> (usize, usize) {
    let (w, h) = (width.max(2) as usize, height.max(2) as usize);
    let tw = ((w / 4).clamp(16.min(w), w) / 2 * 2).max(2);
    let th = ((h * tw / w) / 2 * 2).max(2);
    (tw, th)
}

/// Decodes `path` once and runs every analysis with the picture and clip thresholds of
/// `detect`. `progress` gets seconds of media done.
pub fn decode_and_analyse(
    path: &Path,
    probe: &Probe,
    opts: &DecodeOptions,
    detect: &DetectSettings,
    progress: &mut dyn FnMut(f64),
) -> Result<Decoded, QcError> {
    let clip_level = detect.clip_level();
    if let Some(d) = decode_wav_natively(path, probe, opts, clip_level) {
        if d.audio
            .iter()
            .any(|a| a.channels.iter().any(|c| c.samples > 0))
        {
            progress(d.audio[0].channels[0].samples as f64 / d.audio[0].sample_rate.max(1) as f64);
            return Ok(d);
        }
    }
    let dir = tempfile::Builder::new()
        .prefix("postflow-qc-")
        .tempdir()
        .map_err(|cause| QcError::Io {
            path: std::env::temp_dir(),
            cause,
        })?;
    let mut cmd = Command::new(ffmpeg_bin());
    cmd.args(["-nostdin", "-hide_banner", "-nostats", "-v", "error", "-i"])
        .arg(path);
    let mut fifos: Vec<PathBuf> = Vec::new();

    let video = if opts.skip_video {
        None
    } else {
        probe.video.first()
    };
    let mut video_plan = None;
    if let Some(v) = video {
        let (w, h) = analysis_size(v.width, v.height);
        let fifo = dir.path().join("video.yuv");
        cmd.args(["-map", &format!("0:{}", v.index), "-an", "-sn", "-dn"])
            .args([
                "-vf",
                &format!("scale={w}:{h}:flags=neighbor,format=yuv420p"),
            ])
            .args(["-f", "rawvideo", "-pix_fmt", "yuv420p", "-y"])
            .arg(&fifo);
        fifos.push(fifo.clone());
        video_plan = Some((v.index, w, h, fifo));
    }
    let mut audio_plans = Vec::new();
    for (i, a) in probe.audio.iter().enumerate() {
        if a.channels == 0 || a.sample_rate == 0 {
            continue;
        }
        let fifo = dir.path().join(format!("audio{i}.f32"));
        cmd.args(["-map", &format!("0:{}", a.index), "-vn", "-sn", "-dn"])
            .args(["-c:a", "pcm_f32le", "-ac", &a.channels.to_string()])
            .args(["-ar", &a.sample_rate.to_string(), "-f", "f32le", "-y"])
            .arg(&fifo);
        fifos.push(fifo.clone());
        audio_plans.push((
            a.index,
            a.sample_rate,
            a.channels as usize,
            a.channel_names.clone(),
            fifo,
        ));
    }
    if fifos.is_empty() {
        return Err(QcError::NoStreams {
            path: path.to_path_buf(),
        });
    }
    make_fifos(&fifos, path)?;

    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = ChildGuard::spawn(cmd)?;
    let stderr = child.child_mut().stderr.take();
    let err_lines = Arc::new(Mutex::new(Vec::<String>::new()));
    let err_thread = {
        let lines = err_lines.clone();
        std::thread::spawn(move || {
            let mut s = String::new();
            if let Some(mut e) = stderr {
                let _ = e.read_to_string(&mut s);
            }
            if let Ok(mut l) = lines.lock() {
                l.extend(
                    s.lines()
                        .map(str::to_string)
                        .filter(|x| !x.trim().is_empty())
                        .take(200),
                );
            }
        })
    };

    let opened: Vec<Arc<AtomicBool>> = fifos
        .iter()
        .map(|_| Arc::new(AtomicBool::new(false)))
        .collect();
    // Media time done per reader, in microseconds: drives progress and the stall watchdog.
    let done_us: Vec<Arc<AtomicU64>> = fifos.iter().map(|_| Arc::new(AtomicU64::new(0))).collect();
    let cancel = Arc::new(AtomicBool::new(false));
    let mut slot = 0;

    let video_thread = video_plan.map(|(index, w, h, fifo)| {
        let (op, done, cancel) = (opened[slot].clone(), done_us[slot].clone(), cancel.clone());
        slot += 1;
        let rate = video
            .and_then(|v| v.avg_frame_rate.or(v.frame_rate))
            .map(|r| r.as_f64())
            .unwrap_or(25.0);
        let settings = detect.picture();

        std::thread::spawn(move || -> VideoData {
            let mut an = PictureAnalyzer::new(w, h, settings);
            let file = File::open(&fifo);
            op.store(true, Ordering::SeqCst);
            if let Ok(mut f) = file {
                let mut buf = vec![0u8; PictureAnalyzer::frame_bytes(w, h)];
                while !cancel.load(Ordering::Relaxed) && read_full(&mut f, &mut buf) == buf.len() {
                    an.process(&buf);
                    done.store(
                        (an.frames.len() as f64 / rate * 1e6) as u64,
                        Ordering::Relaxed,
                    );
                }
            }
            VideoData {
                stream_index: index,
                width: w,
                height: h,
                analyzer: an,
            }
        })
    });

    let threads = if opts.audio_threads == 0 {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2)
    } else {
        opts.audio_threads
    };
    let mut audio_threads = Vec::new();
    for (index, sr, nc, names, fifo) in audio_plans {
        let (op, done, cancel) = (opened[slot].clone(), done_us[slot].clone(), cancel.clone());
        slot += 1;
        audio_threads.push(std::thread::spawn(move || -> AudioData {
            let file = File::open(&fifo)
                .ok()
                .map(|f| Box::new(f) as Box<dyn Read + Send>);
            op.store(true, Ordering::SeqCst);
            read_audio(
                file,
                PcmFormat::F32,
                index,
                sr,
                nc,
                names,
                threads,
                clip_level,
                &done,
                &cancel,
            )
        }));
    }

    // Wait for ffmpeg, reporting progress and killing it if decoded data stops arriving.
    let start = Instant::now();
    let mut last_total = 0u64;
    let mut last_change = start;
    let stall = opts.stall_timeout;
    let mut stalled = false;
    let status = child.wait_while(|| {
        let vals: Vec<u64> = done_us.iter().map(|d| d.load(Ordering::Relaxed)).collect();
        let total: u64 = vals.iter().sum();
        if total != last_total {
            last_total = total;
            last_change = Instant::now();
            progress(*vals.iter().min().unwrap_or(&0) as f64 / 1e6);
        }
        if last_change.elapsed() > stall {
            stalled = true;
            return false;
        }
        true
    });
    // A reader still blocked opening its FIFO (ffmpeg failed before opening it) is released by
    // opening the write end ourselves; closing it gives the reader end-of-file.
    loop {
        let mut all = true;
        for (f, op) in fifos.iter().zip(&opened) {
            if !op.load(Ordering::SeqCst) {
                all = false;
                let _ = OpenOptions::new()
                    .write(true)
                    .custom_flags(libc::O_NONBLOCK)
                    .open(f);
            }
        }
        if all {
            break;
        }
        std::thread::park_timeout(Duration::from_millis(5));
    }
    if stalled {
        cancel.store(true, Ordering::SeqCst);
    }
    let video_data = video_thread.and_then(|t| t.join().ok());
    let audio_data: Vec<AudioData> = audio_threads
        .into_iter()
        .filter_map(|t| t.join().ok())
        .collect();
    let _ = err_thread.join();
    progress(
        done_us
            .iter()
            .map(|d| d.load(Ordering::Relaxed))
            .min()
            .unwrap_or(0) as f64
            / 1e6,
    );
    let errors = err_lines.lock().map(|l| l.clone()).unwrap_or_default();
    if stalled {
        return Err(QcError::Timeout {
            path: path.to_path_buf(),
            tool: "ffmpeg".into(),
            seconds: stall.as_secs(),
        });
    }
    let decoded_nothing = video_data
        .as_ref()
        .is_none_or(|v| v.analyzer.frames.is_empty())
        && audio_data
            .iter()
            .all(|a| a.channels.iter().all(|c| c.samples == 0));
    let failed = !status.is_some_and(|s| s.success());
    if decoded_nothing {
        return Err(QcError::Decode {
            path: path.to_path_buf(),
            detail: if errors.is_empty() {
                "ffmpeg produced no frames or samples".into()
            } else {
                errors
                    .iter()
                    .rev()
                    .take(2)
                    .rev()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join("; ")
            },
        });
    }
    let mut decode_errors = errors;
    if failed {
        decode_errors.push("ffmpeg exited with an error status".into());
    }
    Ok(Decoded {
        video: video_data,
        audio: audio_data,
        decode_errors,
    })
}

fn make_fifos(fifos: &[PathBuf], path: &Path) -> Result<(), QcError> {
    let out = Command::new("mkfifo")
        .arg("-m")
        .arg("600")
        .args(fifos)
        .stdin(Stdio::null())
        .output()
        .map_err(|cause| QcError::ToolMissing {
            tool: "mkfifo".into(),
            cause,
        })?;
    if !out.status.success() {
        return Err(QcError::Io {
            path: path.to_path_buf(),
            cause: std::io::Error::other(format!(
                "could not create FIFOs in the temp directory: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            )),
        });
    }
    Ok(())
}

/// Reads until `buf` is full or the stream ends; returns bytes read.
fn read_full(r: &mut impl Read, buf: &mut [u8]) -> usize {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => break,
        }
    }
    n
}

struct Worker {
    channels: Vec<(usize, ChannelAnalyzer)>,
    pairs: Vec<(usize, usize, PairCorrelation)>,
}

/// Reads interleaved f32 audio and fans planar chunks out to worker threads (channels split
/// between them), so K-weighting and true-peak interpolation use every core.
#[allow(clippy::too_many_arguments)]
pub fn read_audio(
    file: Option<Box<dyn Read + Send>>,
    format: PcmFormat,
    index: u32,
    sample_rate: u32,
    nc: usize,
    names: Vec<String>,
    threads: usize,
    clip_level: f32,
    done: &AtomicU64,
    cancel: &AtomicBool,
) -> AudioData {
    let n_workers = threads.clamp(1, nc.max(1));
    let pairs = layout::phase_pairs(&names);
    let mut workers: Vec<Worker> = (0..n_workers)
        .map(|_| Worker {
            channels: vec![],
            pairs: vec![],
        })
        .collect();
    for c in 0..nc {
        workers[c % n_workers]
            .channels
            .push((c, ChannelAnalyzer::with_clip_level(sample_rate, clip_level)));
    }
    for &(l, r) in &pairs {
        workers[l % n_workers]
            .pairs
            .push((l, r, PairCorrelation::default()));
    }
    let mut senders = Vec::new();
    let mut handles: Vec<JoinHandle<Worker>> = Vec::new();
    for mut w in workers {
        let (tx, rx): (_, Receiver<Arc<Vec<u8>>>) = bounded(3);
        senders.push(tx);
        // Each worker converts its own channels out of the interleaved bytes, so conversion
        // runs in parallel too.
        handles.push(std::thread::spawn(move || {
            let stride = format.bytes() * nc;
            let mut planes: Vec<Vec<f32>> = vec![Vec::new(); nc];
            let mut wanted = vec![false; nc];
            for (c, _) in &w.channels {
                wanted[*c] = true;
            }
            for (l, r, _) in &w.pairs {
                wanted[*l] = true;
                wanted[*r] = true;
            }
            for chunk in rx {
                let frames = chunk.len() / stride.max(1);
                for (c, plane) in planes.iter_mut().enumerate() {
                    if !wanted[c] {
                        continue;
                    }
                    plane.clear();
                    let off = c * format.bytes();
                    plane.extend(
                        chunk[..frames * stride]
                            .chunks_exact(stride)
                            .map(|f| format.sample(&f[off..off + format.bytes()])),
                    );
                }
                for (c, a) in w.channels.iter_mut() {
                    a.process(&planes[*c]);
                }
                for (l, r, p) in w.pairs.iter_mut() {
                    p.process(&planes[*l], &planes[*r]);
                }
            }
            w
        }));
    }
    if let Some(mut f) = file {
        // Half a second of audio per chunk.
        let frames = (sample_rate as usize / 2).max(1);
        let bps = format.bytes();
        let mut buf = vec![0u8; frames * nc * bps];
        let mut total_frames = 0u64;
        loop {
            if cancel.load(Ordering::Relaxed) {
                break;
            }
            let n = read_full(&mut f, &mut buf);
            let got = n / (bps * nc);
            if got == 0 {
                break;
            }
            let chunk = Arc::new(buf[..got * nc * bps].to_vec());
            for tx in &senders {
                if tx.send(chunk.clone()).is_err() {
                    break;
                }
            }
            total_frames += got as u64;
            done.store(
                (total_frames as f64 / sample_rate as f64 * 1e6) as u64,
                Ordering::Relaxed,
            );
            if n < buf.len() {
                break;
            }
        }
    }
    drop(senders);
    let mut channels: Vec<Option<ChannelData>> = (0..nc).map(|_| None).collect();
    let mut corr = Vec::new();
    for h in handles {
        if let Ok(w) = h.join() {
            for (c, a) in w.channels {
                channels[c] = Some(a.finish());
            }
            for (l, r, p) in w.pairs {
                corr.push((l, r, p.correlation()));
            }
        }
    }
    corr.sort_by_key(|(l, _, _)| *l);
    AudioData {
        stream_index: index,
        sample_rate,
        channel_names: names,
        channels: channels
            .into_iter()
            .map(Option::unwrap_or_default)
            .collect(),
        pairs: corr,
    }
}
