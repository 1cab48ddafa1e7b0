//! The media job kinds run by a real `postflow worker --drain` child over a store of each
//! backend, on sources made by ffmpeg with a start timecode and a reel name: proxies keep the
//! source's start timecode, reel and file stem in the chosen codec and size, and land on the
//! project's relink list with both checksums; a corrupt source fails with one sentence and
//! leaves no file; review copies are browser-playable MP4s whose burnt-in timecode counts.
use postflow_core::project::{Code, ProjectStatus};
use postflow_store::jobs::{Job, JobState, NewJob};
use postflow_store::studio::{ClientInput, ProjectInput};
use postflow_store::{Location, Store};
use postflow_testkit::media::ffmpeg;
use std::path::{Path, PathBuf};
use std::process::Command;

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// A store of one backend with a project, and the worker's store arguments.
struct Studio {
    rt: tokio::runtime::Runtime,
    store: Store,
    args: Vec<String>,
    project_id: i64,
    _keep: postflow_testkit::store::TestStore,
}

impl Studio {
    fn open(postgres: bool) -> Studio {
        let rt = rt();
        let t = rt.block_on(async {
            if postgres {
                postflow_testkit::store::postgresql().await
            } else {
                postflow_testkit::store::sqlite().await
            }
        });
        let args = match &t.location {
            Location::SqliteDir(dir) => vec!["--data-dir".into(), dir.display().to_string()],
            Location::Url(url) => vec!["--database-url".into(), url.clone()],
        };
        let store = t.store.clone();
        let project_id = rt.block_on(async {
            let client = store
                .create_client(ClientInput {
                    code: Code::parse("MEDIA").unwrap(),
                    name: "Media Co".into(),
                    contact_email: None,
                })
                .await
                .unwrap();
            store
                .create_project(ProjectInput {
                    code: Code::parse("MED-01").unwrap(),
                    name: "Proxies".into(),
                    client_id: client.id,
                    status: ProjectStatus::Ingest,
                    start_date: None,
                    due_date: None,
                })
                .await
                .unwrap()
                .id
        });
        Studio {
            rt,
            store,
            args,
            project_id,
            _keep: t,
        }
    }

    fn enqueue(&self, kind: &str, payload: serde_json::Value) -> i64 {
        let mut job = NewJob::new(kind, payload.to_string());
        job.project_id = Some(self.project_id);
        job.max_attempts = 1;
        self.rt.block_on(self.store.enqueue(job)).unwrap().id
    }

    /// Runs one worker until the queue is empty.
    fn drain(&self) {
        let out = Command::new(env!("CARGO_BIN_EXE_postflow"))
            .arg("worker")
            .args(&self.args)
            .args(["--drain", "--kinds", "proxy,review_copy", "--poll-ms", "50"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "worker: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn job(&self, id: i64) -> Job {
        self.rt.block_on(self.store.job(id)).unwrap().unwrap()
    }
}

/// 2 s of 25 fps 640x360 picture and a tone, with start timecode 01:02:03:04 and reel A001.
fn source(dir: &Path, name: &str) -> PathBuf {
    let out = dir.join(name);
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=640x360:rate=25:duration=2",
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=440:sample_rate=48000:duration=2",
        "-c:v",
        "ffv1",
        "-c:a",
        "pcm_s16le",
        "-timecode",
        "01:02:03:04",
        "-metadata:s:v:0",
        "reel_name=A001",
        out.to_str().unwrap(),
    ]);
    out
}

fn probe(path: &Path) -> serde_json::Value {
    let out = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-print_format",
            "json",
            "-show_format",
            "-show_streams",
        ])
        .arg(path)
        .output()
        .unwrap();
    assert!(out.status.success(), "ffprobe {}", path.display());
    serde_json::from_slice(&out.stdout).unwrap()
}

fn streams<'a>(p: &'a serde_json::Value, kind: &str) -> Vec<&'a serde_json::Value> {
    p["streams"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["codec_type"] == kind)
        .collect()
}

fn tag(s: &serde_json::Value, key: &str) -> Option<String> {
    s["tags"][key].as_str().map(String::from)
}

fn xxh64(path: &Path) -> String {
    let data = std::fs::read(path).unwrap();
    format!(
        "xxh64:{}",
        postflow_ingest::hash::hash_bytes(postflow_ingest::hash::HashAlgorithm::Xxh64, &data)
    )
}

fn proxies_keep_timecode_reel_and_stem_in_the_chosen_codec_and_size(postgres: bool) {
    let studio = Studio::open(postgres);
    let dir = tempfile::tempdir().unwrap();
    let card = dir.path().join("A001");
    std::fs::create_dir_all(&card).unwrap();
    let src = source(&card, "A001C001.mov");
    // The catalog knows the original (as an ingest recorded it), so the relink list carries
    // its checksum.
    let record: postflow_store::catalog::CatalogRecord =
        serde_json::from_value(serde_json::json!({
            "kind": "ingest", "project": "MED-01", "source": "/card", "at": chrono::Utc::now(),
            "volumes": [{"label": "RAID-1", "path": "/raid"}],
            "files": [{"path": "A001/A001C001.mov", "checksums": {"xxh64": "00000000deadbeef"},
                       "copies": [{"volume": "RAID-1", "path_on_volume": "A001/A001C001.mov",
                                   "state": "verified", "verified_at": chrono::Utc::now()}]}],
            "complete": true,
        }))
        .unwrap();
    studio
        .rt
        .block_on(studio.store.record_catalog(None, "test", &record))
        .unwrap();

    // (codec, scale, ffprobe codec_name, ffprobe profile, width, height)
    let cases = [
        ("prores_proxy", "1/2", "prores", "Proxy", 320, 180),
        ("prores_lt", "1/4", "prores", "LT", 160, 90),
        ("dnxhr_lb", "1/2", "dnxhd", "DNXHR LB", 320, 180),
        ("h264", "1/4", "h264", "", 160, 90),
    ];
    let mut jobs = Vec::new();
    for (codec, scale, ..) in cases {
        let dest = dir.path().join(format!("proxies-{codec}"));
        jobs.push((
            studio.enqueue(
                "proxy",
                serde_json::json!({"source": src, "dest_dir": dest, "codec": codec, "scale": scale}),
            ),
            dest,
        ));
    }
    studio.drain();

    for (id, _) in &jobs {
        let job = studio.job(*id);
        assert_eq!(job.job_state().unwrap(), JobState::Succeeded, "{job:?}");
    }
    let relinks = studio
        .rt
        .block_on(studio.store.relinks(Some(studio.project_id)))
        .unwrap();
    assert_eq!(relinks.len(), cases.len(), "{relinks:?}");
    for ((codec, _, name, profile, w, h), (id, dest)) in cases.iter().zip(&jobs) {
        let job = studio.job(*id);
        assert_eq!(
            job.job_state().unwrap(),
            JobState::Succeeded,
            "{codec}: {job:?}"
        );
        assert_eq!(job.progress, 1000);
        let proxy = dest.join("A001C001.mov");
        let entries: Vec<_> = std::fs::read_dir(dest).unwrap().collect();
        assert_eq!(
            entries.len(),
            1,
            "{codec}: only the proxy, no temporary file"
        );
        let p = probe(&proxy);
        let v = streams(&p, "video");
        assert_eq!(v[0]["codec_name"], *name, "{codec}");
        if !profile.is_empty() {
            assert_eq!(v[0]["profile"], *profile, "{codec}");
        }
        assert_eq!(
            (v[0]["width"].as_i64(), v[0]["height"].as_i64()),
            (Some(*w), Some(*h))
        );
        let tmcd = streams(&p, "data");
        assert_eq!(tmcd.len(), 1, "{codec}: one timecode track");
        assert_eq!(
            tag(tmcd[0], "timecode").as_deref(),
            Some("01:02:03:04"),
            "{codec}"
        );
        assert_eq!(
            tag(tmcd[0], "reel_name").as_deref(),
            Some("A001"),
            "{codec}"
        );
        assert_eq!(
            streams(&p, "audio").len(),
            1,
            "{codec}: the sound comes along"
        );

        let line = relinks
            .iter()
            .find(|r| Path::new(&r.proxy_path) == proxy)
            .unwrap_or_else(|| panic!("{codec}: no relink line for {}", proxy.display()));
        assert_eq!(Path::new(&line.original_path), src);
        assert_eq!(
            line.original_checksum.as_deref(),
            Some("xxh64:00000000deadbeef")
        );
        assert_eq!(line.proxy_checksum, xxh64(&proxy));
        assert_eq!(line.start_timecode.as_deref(), Some("01:02:03:04"));
        assert_eq!(line.codec, *codec);
    }
}

#[test]
fn proxies_keep_timecode_reel_and_stem_sqlite() {
    proxies_keep_timecode_reel_and_stem_in_the_chosen_codec_and_size(false);
}

#[test]
fn proxies_keep_timecode_reel_and_stem_postgresql() {
    proxies_keep_timecode_reel_and_stem_in_the_chosen_codec_and_size(true);
}

/// A truncated source fails the job for good with one sentence naming it, and neither the
/// proxy nor a temporary file is left in the destination.
#[test]
fn a_corrupt_source_fails_clearly_and_leaves_no_file() {
    let studio = Studio::open(false);
    let dir = tempfile::tempdir().unwrap();
    let good = source(dir.path(), "good.mov");
    let bytes = std::fs::read(&good).unwrap();
    let bad = dir.path().join("B002C003.mov");
    // The header's first kilobytes only: no sample table, nothing decodable.
    std::fs::write(&bad, &bytes[..bytes.len().min(2048)]).unwrap();
    let dest = dir.path().join("proxies");
    let id = studio.enqueue(
        "proxy",
        serde_json::json!({"source": bad, "dest_dir": dest, "codec": "prores_proxy"}),
    );
    studio.drain();
    let job = studio.job(id);
    assert_eq!(job.job_state().unwrap(), JobState::Failed, "{job:?}");
    let message = job.message.unwrap_or_default();
    assert!(message.contains("B002C003.mov"), "{message}");
    assert!(!message.contains('\n'), "one sentence: {message}");
    let left: Vec<_> = std::fs::read_dir(&dest)
        .map(|d| d.map(|e| e.unwrap().file_name()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "files left behind: {left:?}");
    assert!(studio
        .rt
        .block_on(studio.store.relinks(Some(studio.project_id)))
        .unwrap()
        .is_empty());
}

/// `postflow job relinks --project` prints the relink list as CSV: a header and one line per
/// proxy naming the original, its catalog checksum (empty when unknown) and the proxy's.
#[test]
fn the_relink_list_exports_as_csv() {
    let studio = Studio::open(false);
    let dir = tempfile::tempdir().unwrap();
    let src = source(dir.path(), "C005.mov");
    let dest = dir.path().join("proxies");
    studio.enqueue(
        "proxy",
        serde_json::json!({"source": src, "dest_dir": dest}),
    );
    studio.drain();
    let out = Command::new(env!("CARGO_BIN_EXE_postflow"))
        .args(["job", "relinks", "--project", "MED-01"])
        .args(&studio.args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(lines[0].starts_with("original_path,original_checksum,proxy_path,proxy_checksum"));
    let proxy = dest.join("C005.mov");
    let expected = format!(
        "{},,{},{},01:02:03:04,A001,proxy,prores_proxy,320,180,",
        src.display(),
        proxy.display(),
        xxh64(&proxy)
    );
    assert!(
        lines[1].starts_with(&expected),
        "{}\nwanted {expected}",
        lines[1]
    );

    let unknown = Command::new(env!("CARGO_BIN_EXE_postflow"))
        .args(["job", "relinks", "--project", "NOPE-1"])
        .args(&studio.args)
        .output()
        .unwrap();
    assert!(!unknown.status.success());
    let err = String::from_utf8_lossy(&unknown.stderr);
    assert!(err.contains("NOPE-1"), "{err}");
}

/// `count` frames from `first` of `path`, cropped to `crop` (an ffmpeg crop expression), as
/// 8-bit grey.
fn grey_frames(path: &Path, first: u32, count: u32, crop: &str) -> Vec<Vec<u8>> {
    let out = Command::new("ffmpeg")
        .args(["-nostdin", "-v", "error", "-i"])
        .arg(path)
        .args([
            "-vf",
            &format!(
                "select=between(n\\,{first}\\,{})*1,crop={crop}",
                first + count - 1
            ),
            "-vsync",
            "0",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "gray",
            "-",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let size = out.stdout.len() / count as usize;
    out.stdout.chunks(size).map(|c| c.to_vec()).collect()
}

/// A review copy is H.264 High yuv420p + AAC stereo in an MP4 with its index first; the
/// burnt-in timecode at the bottom changes from frame to frame while the (static) picture
/// above it does not, and the watermark is drawn.
#[test]
fn a_review_copy_plays_in_a_browser_and_its_burnt_in_timecode_counts() {
    let studio = Studio::open(false);
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("R001.mov");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "color=c=gray:size=640x360:rate=25:duration=2",
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=440:sample_rate=48000:duration=2",
        "-c:v",
        "ffv1",
        "-c:a",
        "pcm_s16le",
        "-timecode",
        "01:02:03:04",
        src.to_str().unwrap(),
    ]);
    let plain_dest = dir.path().join("plain");
    let marked_dest = dir.path().join("marked");
    let plain = studio.enqueue(
        "review_copy",
        serde_json::json!({"source": src, "dest_dir": plain_dest}),
    );
    let marked = studio.enqueue(
        "review_copy",
        serde_json::json!({"source": src, "dest_dir": marked_dest, "watermark": "CLIENT: ACME 'draft'"}),
    );
    studio.drain();
    for id in [plain, marked] {
        let job = studio.job(id);
        assert_eq!(job.job_state().unwrap(), JobState::Succeeded, "{job:?}");
    }
    let copy = plain_dest.join("R001.mp4");
    let p = probe(&copy);
    assert!(p["format"]["format_name"].as_str().unwrap().contains("mp4"));
    let v = streams(&p, "video");
    assert_eq!(v[0]["codec_name"], "h264");
    assert_eq!(v[0]["profile"], "High");
    assert_eq!(v[0]["pix_fmt"], "yuv420p");
    let a = streams(&p, "audio");
    assert_eq!(a[0]["codec_name"], "aac");
    assert_eq!(a[0]["channels"], 2);
    assert_eq!(
        postflow_qc::probe::moov_before_mdat(&copy).unwrap(),
        Some(true),
        "fast start"
    );

    let bottom = "iw:ih/6:0:ih*5/6";
    let top = "iw:ih/4:0:0";
    let tc = grey_frames(&copy, 0, 2, bottom);
    assert_eq!(tc.len(), 2);
    assert_ne!(tc[0], tc[1], "the burnt-in timecode changes between frames");
    assert!(
        tc[0].iter().any(|&p| p > 200),
        "white timecode digits are drawn"
    );
    let picture = grey_frames(&copy, 0, 2, top);
    let diff = picture[0]
        .iter()
        .zip(&picture[1])
        .map(|(a, b)| (*a as i32 - *b as i32).abs())
        .max()
        .unwrap();
    assert!(
        diff <= 3,
        "the static picture above stays (max difference {diff})"
    );

    // The watermark changes the middle of the picture; the plain copy's middle is grey.
    let middle = "iw/2:ih/6:iw/4:ih*5/12";
    let plain_mid = &grey_frames(&copy, 0, 1, middle)[0];
    let marked_mid = &grey_frames(&marked_dest.join("R001.mp4"), 0, 1, middle)[0];
    let changed = plain_mid
        .iter()
        .zip(marked_mid)
        .filter(|(a, b)| (**a as i32 - **b as i32).abs() > 20)
        .count();
    assert!(
        changed > 100,
        "the watermark is drawn ({changed} pixels differ)"
    );
}

/// One frame of `path` (the first) as 8-bit RGB, `width` pixels wide.
fn rgb_frame(path: &Path) -> Vec<u8> {
    let out = Command::new("ffmpeg")
        .args(["-nostdin", "-v", "error", "-i"])
        .arg(path)
        .args(["-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// A 9³ LUT that swaps red and blue and bends them (blue' = √red, red' = blue², green kept).
fn bending_cube() -> String {
    let n = 9;
    let mut s = format!("TITLE \"bend\"\nLUT_3D_SIZE {n}\n");
    for b in 0..n {
        for g in 0..n {
            for r in 0..n {
                let (r, g, b) = (
                    r as f64 / (n - 1) as f64,
                    g as f64 / (n - 1) as f64,
                    b as f64 / (n - 1) as f64,
                );
                s.push_str(&format!("{:.6} {:.6} {:.6}\n", b * b, g, r.sqrt()));
            }
        }
    }
    s
}

/// A LUT from the project's library is applied to proxies and review copies: each flat patch
/// of the output is `core::lut::apply_tetrahedral` of the source's patch (within the codecs'
/// rounding), and far from the untransformed colour.
#[test]
fn a_library_lut_is_applied_to_proxies_and_review_copies() {
    use postflow_app::{access::local_operator, media, Context};
    let studio = Studio::open(false);
    let ctx = Context::new(studio.store.clone());
    let lut = studio
        .rt
        .block_on(media::add_lut(
            &ctx,
            &local_operator(),
            "MED-01",
            &media::LutDraft {
                name: "Bend".into(),
                kind: "creative".into(),
                file_name: "bend.cube".into(),
                text: bending_cube(),
            },
        ))
        .unwrap();
    let parsed = postflow_core::lut::parse_cube("bend", &bending_cube()).unwrap();

    // Four flat patches of 320x180 each, in RGB so the LUT sees exactly these values.
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("P001.mov");
    let colours = ["0x336699", "0xcc3311", "0x22bb44", "0xe0e0e0"];
    let mut args: Vec<String> = Vec::new();
    for c in colours {
        args.extend(["-f", "lavfi", "-i"].map(String::from));
        args.push(format!("color=c={c}:size=320x180:rate=25:duration=1"));
    }
    args.extend(
        [
            "-filter_complex",
            "[0][1]hstack[top];[2][3]hstack[bottom];[top][bottom]vstack,format=gbrp",
            "-c:v",
            "ffv1",
            "-timecode",
            "00:00:10:00",
        ]
        .map(String::from),
    );
    args.push(src.display().to_string());
    ffmpeg(&args.iter().map(String::as_str).collect::<Vec<_>>());

    let proxies = dir.path().join("proxies");
    let review = dir.path().join("review");
    let plain = dir.path().join("plain");
    let ids = [
        studio.enqueue(
            "proxy",
            serde_json::json!({"source": src, "dest_dir": proxies, "codec": "prores_lt", "lut_id": lut.id}),
        ),
        studio.enqueue(
            "review_copy",
            serde_json::json!({"source": src, "dest_dir": review, "lut_id": lut.id}),
        ),
        studio.enqueue(
            "proxy",
            serde_json::json!({"source": src, "dest_dir": plain, "codec": "prores_lt"}),
        ),
    ];
    studio.drain();
    for id in ids {
        let job = studio.job(id);
        assert_eq!(job.job_state().unwrap(), JobState::Succeeded, "{job:?}");
    }
    let source_rgb = rgb_frame(&src);
    let centre = |frame: &[u8], width: usize, x: usize, y: usize| {
        let i = (y * width + x) * 3;
        [frame[i], frame[i + 1], frame[i + 2]]
    };
    for (out, width, height, tolerance) in [
        (proxies.join("P001.mov"), 320usize, 180usize, 6i32),
        // H.264 4:2:0 at CRF 23 rounds more; the patches are flat, so still close.
        (review.join("P001.mp4"), 640, 360, 10),
    ] {
        let frame = rgb_frame(&out);
        let untouched = rgb_frame(&plain.join("P001.mov"));
        for (px, py) in [(0.25, 0.25), (0.75, 0.25), (0.25, 0.6), (0.75, 0.6)] {
            let s = centre(
                &source_rgb,
                640,
                (640.0 * px) as usize,
                (360.0 * py) as usize,
            );
            let want = parsed.apply_tetrahedral([
                s[0] as f32 / 255.0,
                s[1] as f32 / 255.0,
                s[2] as f32 / 255.0,
            ]);
            let got = centre(
                &frame,
                width,
                (width as f64 * px) as usize,
                (height as f64 * py) as usize,
            );
            for ch in 0..3 {
                let w = (want[ch] * 255.0).round() as i32;
                assert!(
                    (got[ch] as i32 - w).abs() <= tolerance,
                    "{}: patch at {px},{py} channel {ch}: got {got:?}, LUT says {w} (source {s:?})",
                    out.display()
                );
            }
            let plain_px = centre(
                &untouched,
                320,
                (320.0 * px) as usize,
                (180.0 * py) as usize,
            );
            let moved: i32 = (0..3)
                .map(|ch| (got[ch] as i32 - plain_px[ch] as i32).abs())
                .sum();
            if s[0] != s[2] {
                assert!(
                    moved > 30,
                    "the LUT changed the patch ({got:?} vs {plain_px:?})"
                );
            }
        }
    }
}
