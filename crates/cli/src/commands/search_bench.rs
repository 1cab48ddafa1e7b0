//! `postflow bench search`: the channels' full-text search on a seeded corpus, on SQLite and
//! PostgreSQL, beside PostgreSQL's own full-text search (`to_tsvector`/`ts_rank` over a GIN
//! index of the same messages) as the peer, and the fan-out cost of one post (3 mentions in a
//! project of 50 people: message, mentions, attachments check, inbox rows, search index, audit
//! and webhook outbox — `app::channels::post`, one transaction).
//!
//! The corpus is generated with a fixed seed (splitmix64, so the same on every machine and
//! build): sentences of a post-production vocabulary drawn with a Zipf-like skew, replies,
//! and `@mentions` of the project's people and departments.
use anyhow::{bail, Context};
use clap::Args;
use postflow_app::channels::{self, ChannelKind, PostInput};
use postflow_app::{access, search, Context as AppContext};
use postflow_core::access::Role;
use postflow_core::channels::term_frequencies;
use postflow_store::accounts::NewUser;
use postflow_store::{Location, Store};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use std::process::ExitCode;
use std::time::{Duration, Instant};

#[derive(Debug, Args)]
pub struct BenchSearchArgs {
    /// Messages seeded into each store.
    #[arg(long, default_value_t = 100_000)]
    pub messages: usize,
    /// URL of an empty PostgreSQL database. Without it a throwaway cluster is started from the
    /// system's `initdb`/`pg_ctl` (set POSTFLOW_PG_BIN to their folder); none found: SQLite only.
    #[arg(long)]
    pub postgres: Option<String>,
    /// SQLite only.
    #[arg(long)]
    pub no_postgres: bool,
    /// Timed runs of each query (after one warm-up run).
    #[arg(long, default_value_t = 30)]
    pub runs: usize,
    /// Posts timed for the fan-out figure.
    #[arg(long, default_value_t = 50)]
    pub posts: usize,
    /// Print the figures as JSON.
    #[arg(long)]
    pub json: bool,
    /// Keep the seeded SQLite store in this folder (to inspect query plans) instead of a
    /// temporary one.
    #[arg(long, value_name = "DIR")]
    pub keep_sqlite: Option<std::path::PathBuf>,
}

/// The queries: common and rare words, two and three words (every word must match), a prefix.
const QUERIES: &[&str] = &[
    "grade",
    "harbour",
    "conform edl",
    "final mix approved",
    "vfx shot",
    "subtitles",
    "colo",
    "client review notes",
];

/// splitmix64: a fixed-seed generator that is the same everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// An index skewed toward the start (Zipf-like: rank r about 1/r).
    fn skewed(&mut self, n: usize) -> usize {
        let u = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        (((n as f64 + 1.0).powf(u) - 1.0) as usize).min(n - 1)
    }
}

const COMMON: &[&str] = &[
    "the", "is", "to", "we", "on", "for", "and", "a", "in", "of", "it", "this", "that", "please",
    "can", "you", "check", "now", "today", "tomorrow", "after", "before", "with", "from", "still",
    "looks", "need", "again", "next", "done", "ready", "sent", "back",
];

const WORDS: &[&str] = &[
    "grade",
    "shot",
    "cut",
    "edit",
    "mix",
    "sound",
    "colour",
    "color",
    "conform",
    "edl",
    "xml",
    "aaf",
    "render",
    "export",
    "proxy",
    "proxies",
    "master",
    "deliverable",
    "deliverables",
    "client",
    "review",
    "notes",
    "note",
    "approved",
    "approval",
    "final",
    "version",
    "draft",
    "timeline",
    "reel",
    "reels",
    "scene",
    "scenes",
    "take",
    "takes",
    "vfx",
    "plate",
    "plates",
    "comp",
    "roto",
    "tracking",
    "cleanup",
    "titles",
    "subtitles",
    "captions",
    "credits",
    "music",
    "cue",
    "cues",
    "dialogue",
    "adr",
    "foley",
    "stems",
    "loudness",
    "lufs",
    "peak",
    "broadcast",
    "netflix",
    "imf",
    "dcp",
    "prores",
    "dnxhr",
    "h264",
    "lut",
    "luts",
    "look",
    "warmer",
    "cooler",
    "contrast",
    "skin",
    "tones",
    "sky",
    "harbour",
    "beach",
    "night",
    "day",
    "interior",
    "exterior",
    "drone",
    "interview",
    "archive",
    "footage",
    "stock",
    "licence",
    "rights",
    "budget",
    "invoice",
    "schedule",
    "deadline",
    "milestone",
    "lock",
    "picture",
    "unlock",
    "rough",
    "fine",
    "online",
    "offline",
    "ingest",
    "card",
    "cards",
    "backup",
    "checksum",
    "mhl",
    "volume",
    "drive",
    "lto",
    "qc",
    "report",
    "fail",
    "pass",
    "flash",
    "black",
    "frames",
    "freeze",
    "silence",
    "clipping",
    "levels",
    "legal",
    "gamut",
    "hdr",
    "sdr",
    "rec709",
    "p3",
    "pq",
    "hlg",
    "trim",
    "pass",
    "session",
    "suite",
    "bay",
    "booking",
    "producer",
    "director",
    "editor",
    "colorist",
    "mixer",
    "artist",
    "agency",
    "brand",
    "logo",
    "packshot",
    "endboard",
    "supers",
    "legal",
    "disclaimer",
    "spring",
    "campaign",
    "spot",
    "cutdown",
    "cutdowns",
    "teaser",
    "trailer",
    "episode",
    "pilot",
    "feature",
    "documentary",
    "festival",
    "screening",
    "premiere",
    "feedback",
    "changes",
    "fixes",
    "shot0420",
    "sc12",
    "sc07",
    "reel3",
    "v12",
    "v13",
    "v14",
    "monday",
    "tuesday",
    "friday",
];

const DEPARTMENTS: &[&str] = &["color", "sound", "edit", "vfx", "online"];

const FIRST: &[&str] = &[
    "Alice", "Bruno", "Chloe", "Dario", "Elena", "Felix", "Greta", "Hugo", "Ines", "Jonas",
];
const LAST: &[&str] = &["Moreau", "Keller", "Santos", "Novak", "Berg"];

/// One message body: a few clauses of skewed vocabulary, sometimes with mentions.
fn body(rng: &mut Rng, handles: &[String]) -> String {
    let mut words: Vec<String> = Vec::new();
    let clauses = 1 + rng.below(3);
    for c in 0..clauses {
        let n = 4 + rng.below(9);
        for i in 0..n {
            let w = if rng.below(3) == 0 {
                COMMON[rng.skewed(COMMON.len())]
            } else {
                WORDS[rng.skewed(WORDS.len())]
            };
            if i == 0 && c == 0 {
                let mut cs = w.chars();
                let first: String = cs
                    .next()
                    .map(|f| f.to_uppercase().collect())
                    .unwrap_or_default();
                words.push(first + cs.as_str());
            } else {
                words.push(w.to_string());
            }
        }
        if let Some(last) = words.last_mut() {
            last.push(if c + 1 == clauses { '.' } else { ',' });
        }
    }
    match rng.below(10) {
        0..=2 => words.insert(0, format!("@{}", handles[rng.below(handles.len())])),
        3 => words.push(format!("@{}", DEPARTMENTS[rng.below(DEPARTMENTS.len())])),
        _ => {}
    }
    words.join(" ")
}

/// A throwaway PostgreSQL cluster from the system's binaries, stopped on drop (as the test
/// kit's, which shipped code does not link).
struct Cluster {
    dir: tempfile::TempDir,
    bin: std::path::PathBuf,
    run_as: Option<&'static str>,
    port: u16,
}

impl Cluster {
    fn find_bin() -> Option<std::path::PathBuf> {
        if let Ok(dir) = std::env::var("POSTFLOW_PG_BIN") {
            return Some(dir.into());
        }
        let mut found: Vec<std::path::PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
            .map(|rd| rd.flatten().map(|e| e.path().join("bin")).collect())
            .unwrap_or_default();
        found.sort();
        found
            .into_iter()
            .rev()
            .find(|p| p.join("initdb").exists())
            .or_else(|| {
                std::env::var("PATH")
                    .unwrap_or_default()
                    .split(':')
                    .map(std::path::PathBuf::from)
                    .find(|d| d.join("initdb").exists())
            })
    }

    fn run(&self, tool: &str, args: &[&str]) -> anyhow::Result<()> {
        let exe = self.bin.join(tool);
        let out = match self.run_as {
            Some(u) => std::process::Command::new("runuser")
                .args(["-u", u, "--"])
                .arg(&exe)
                .args(args)
                .output(),
            None => std::process::Command::new(&exe).args(args).output(),
        }
        .with_context(|| format!("cannot run {}", exe.display()))?;
        if !out.status.success() {
            bail!(
                "{tool} failed: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Ok(())
    }

    fn start() -> anyhow::Result<Option<Cluster>> {
        let Some(bin) = Cluster::find_bin() else {
            return Ok(None);
        };
        let dir = tempfile::Builder::new()
            .prefix("postflow-bench-pg-")
            .tempdir()?;
        let root = std::process::Command::new("id")
            .arg("-u")
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
            .unwrap_or(false);
        let run_as = root.then_some("postgres");
        if let Some(u) = run_as {
            std::process::Command::new("chown")
                .args(["-R", u])
                .arg(dir.path())
                .status()?;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let c = Cluster {
            dir,
            bin,
            run_as,
            port,
        };
        let data = c.dir.path().join("data");
        let data = data.to_string_lossy();
        c.run(
            "initdb",
            &[
                "-D",
                &data,
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
            ],
        )?;
        let opts = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c shared_buffers=256MB",
            c.dir.path().display()
        );
        let log = c.dir.path().join("server.log");
        c.run(
            "pg_ctl",
            &[
                "-D",
                &data,
                "-l",
                &log.to_string_lossy(),
                "-o",
                &opts,
                "-w",
                "start",
            ],
        )?;
        Ok(Some(c))
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let data = self.dir.path().join("data");
        let _ = self.run(
            "pg_ctl",
            &[
                "-D",
                &data.to_string_lossy(),
                "-m",
                "immediate",
                "-w",
                "stop",
            ],
        );
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// (p50, p95) in milliseconds.
fn percentiles(mut v: Vec<f64>) -> (f64, f64) {
    v.sort_by(|a, b| a.total_cmp(b));
    let at = |p: f64| v[((v.len() as f64 - 1.0) * p).round() as usize];
    (at(0.5), at(0.95))
}

#[derive(serde::Serialize)]
struct StoreFigures {
    store: String,
    seed_seconds: f64,
    postings: i64,
    /// query → (p50 ms, p95 ms, hits)
    queries: Vec<(String, f64, f64, usize)>,
    /// PostgreSQL's own full-text search on the same messages (PostgreSQL only).
    peer: Vec<(String, f64, f64, usize)>,
    fanout_p50_ms: f64,
    fanout_p95_ms: f64,
}

/// Seeds the demo studio, a project of 50 people and `n` messages; returns the seconds taken.
async fn seed(store: &Store, n: usize) -> anyhow::Result<(f64, String, Vec<String>)> {
    let started = Instant::now();
    let today = chrono::Utc::now().date_naive();
    postflow_app::demo::seed(store, today)
        .await
        .map_err(|e| anyhow::anyhow!("cannot seed the demo studio: {e}"))?;
    let projects = store.list_projects(&Default::default()).await?;
    let bench = projects
        .first()
        .context("the demo studio has no project")?
        .clone();
    // 50 people on the first project (artists, members), with a department each.
    let mut handles = Vec::new();
    let mut people = Vec::new();
    for i in 0..50 {
        let name = format!(
            "{} {} {i}",
            FIRST[i % FIRST.len()],
            LAST[(i / FIRST.len()) % LAST.len()]
        );
        let email = format!("person{i}@bench.example");
        let u = store
            .create_user(NewUser {
                email: email.clone(),
                name,
                role: Role::Artist,
                client_id: None,
                title: None,
                // No password hash: nobody can sign in as a benchmark person.
                password_hash: "!".into(),
            })
            .await?;
        store.add_project_member(bench.id, u.id).await?;
        handles.push(format!("person{i}"));
        people.push(u.id);
    }
    let mut rng = Rng(0x5EED_0000_0000_0001);
    let mut chans = Vec::new();
    for p in &projects {
        chans.push((
            store.channel(p.id, "internal").await?,
            "internal",
            p.id == bench.id,
        ));
        chans.push((store.channel(p.id, "client").await?, "client", false));
    }
    let mut written = 0;
    let mut recent: Vec<(i64, i64)> = Vec::new(); // (channel, message)
    while written < n {
        let tx = store.begin().await?;
        for _ in 0..500.min(n - written) {
            // Half of the messages in the 50-person project's internal channel.
            let (chan, audience, is_bench) = if rng.below(2) == 0 {
                &chans[0]
            } else {
                &chans[rng.below(chans.len())]
            };
            let text = body(&mut rng, &handles);
            let reply_to = if rng.below(4) == 0 {
                recent
                    .iter()
                    .rev()
                    .take(20)
                    .find(|(c, _)| *c == chan.id)
                    .map(|(_, m)| *m)
            } else {
                None
            };
            let author = people[rng.below(people.len())];
            let m = tx
                .insert_message(chan, Some(author), &text, reply_to)
                .await?;
            if *is_bench {
                for h in postflow_core::channels::parse_mentions(&text) {
                    if let Some(i) = handles.iter().position(|x| *x == h.handle) {
                        tx.add_mention(m.id, Some(people[i]), None).await?;
                    } else {
                        tx.add_mention(m.id, None, Some(&h.handle)).await?;
                    }
                }
            }
            let (tf, len) = term_frequencies(&text);
            tx.index_document("message", m.id, chan.project_id, audience, &tf, len)
                .await?;
            recent.push((chan.id, m.id));
            if recent.len() > 200 {
                recent.drain(..100);
            }
        }
        tx.commit().await?;
        written += 500.min(n - written);
    }
    Ok((started.elapsed().as_secs_f64(), bench.code, handles))
}

async fn measure(
    store: Store,
    label: &str,
    n: usize,
    runs: usize,
    posts: usize,
) -> anyhow::Result<StoreFigures> {
    eprintln!("{label}: seeding {n} messages …");
    let (seed_seconds, code, handles) = seed(&store, n).await?;
    let postings: Vec<i64> = {
        let row = store
            .connection()
            .query_one_raw(Statement::from_string(
                store.connection().get_database_backend(),
                "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM search_postings",
            ))
            .await?
            .context("no count")?;
        vec![row.try_get::<i64>("", "n")?]
    };
    if store.connection().get_database_backend() == DbBackend::Postgres {
        // What autovacuum does after a bulk load (and what the peer's table gets below):
        // statistics for the planner and the visibility map that lets index-only scans skip
        // the table.
        store
            .connection()
            .execute_unprepared("VACUUM ANALYZE search_postings, search_docs, search_stats")
            .await?;
    }
    let ctx = AppContext::new(store.clone());
    let operator = access::local_operator();
    eprintln!("{label}: {seed_seconds:.1} s to seed; querying …");
    let mut queries = Vec::new();
    for q in QUERIES {
        let hits = search::search(&ctx, &operator, q).await?.len();
        let mut times = Vec::new();
        for _ in 0..runs {
            let t = Instant::now();
            search::search(&ctx, &operator, q).await?;
            times.push(ms(t.elapsed()));
        }
        let (p50, p95) = percentiles(times);
        queries.push((q.to_string(), p50, p95, hits));
    }
    let mut peer = Vec::new();
    if store.connection().get_database_backend() == DbBackend::Postgres {
        eprintln!("{label}: building the tsvector GIN index for the peer …");
        let db = store.connection();
        db.execute_unprepared(
            "CREATE TABLE bench_fts AS SELECT id, body, to_tsvector('english', body) AS tsv FROM messages",
        )
        .await?;
        db.execute_unprepared("CREATE INDEX bench_fts_tsv ON bench_fts USING GIN (tsv)")
            .await?;
        db.execute_unprepared("ANALYZE bench_fts").await?;
        for q in QUERIES {
            let words: Vec<&str> = q.split_whitespace().collect();
            let tsq = words
                .iter()
                .enumerate()
                .map(|(i, w)| {
                    if i + 1 == words.len() {
                        format!("{w}:*")
                    } else {
                        w.to_string()
                    }
                })
                .collect::<Vec<_>>()
                .join(" & ");
            let sql = "SELECT id, ts_headline('english', body, q) AS snippet FROM (\
                 SELECT id, body, q, ts_rank(tsv, q) AS rank FROM bench_fts, to_tsquery('english', $1) q \
                 WHERE tsv @@ q ORDER BY rank DESC LIMIT 20) best ORDER BY rank DESC";
            let stmt =
                || Statement::from_sql_and_values(DbBackend::Postgres, sql, [tsq.clone().into()]);
            let hits = db.query_all_raw(stmt()).await?.len();
            let mut times = Vec::new();
            for _ in 0..runs {
                let t = Instant::now();
                db.query_all_raw(stmt()).await?;
                times.push(ms(t.elapsed()));
            }
            let (p50, p95) = percentiles(times);
            peer.push((q.to_string(), p50, p95, hits));
        }
    }
    // Fan-out: one post with 3 mentions in the project of 50 people.
    let poster = store
        .user_by_email("person0@bench.example")
        .await?
        .context("the benchmark poster is missing")?;
    let actor = access::actor_for(&ctx, &poster).await?;
    let mut times = Vec::new();
    for i in 0..posts.max(1) {
        let text = format!(
            "@{} @{} @{} the harbour grade v{i} is ready for review",
            handles[1 + i % 16],
            handles[17 + i % 16],
            handles[33 + i % 16]
        );
        let t = Instant::now();
        channels::post(
            &ctx,
            &actor,
            &code,
            ChannelKind::Internal,
            &PostInput {
                body: text,
                ..Default::default()
            },
        )
        .await?;
        times.push(ms(t.elapsed()));
    }
    let (fanout_p50_ms, fanout_p95_ms) = percentiles(times);
    Ok(StoreFigures {
        store: label.to_string(),
        seed_seconds,
        postings: postings[0],
        queries,
        peer,
        fanout_p50_ms,
        fanout_p95_ms,
    })
}

pub fn run_bench_search(args: BenchSearchArgs) -> anyhow::Result<ExitCode> {
    if args.messages == 0 || args.runs == 0 {
        bail!("--messages and --runs must be at least 1");
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    rt.block_on(async move {
        let mut figures = Vec::new();
        let dir = tempfile::Builder::new().prefix("postflow-bench-search-").tempdir()?;
        let sqlite_dir = match &args.keep_sqlite {
            Some(keep) => keep.clone(),
            None => dir.path().join("data"),
        };
        let sqlite = Store::open(&Location::SqliteDir(sqlite_dir))
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        figures.push(measure(sqlite, "sqlite", args.messages, args.runs, args.posts).await?);
        let mut _cluster = None;
        let pg_url = if args.no_postgres {
            None
        } else if let Some(url) = &args.postgres {
            Some(url.clone())
        } else {
            match Cluster::start()? {
                Some(c) => {
                    let url = c.url();
                    _cluster = Some(c);
                    Some(url)
                }
                None => {
                    eprintln!("no PostgreSQL binaries found (initdb): SQLite only; pass --postgres URL");
                    None
                }
            }
        };
        if let Some(url) = pg_url {
            let pg = Store::open(&Location::Url(url))
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            figures.push(measure(pg, "postgresql", args.messages, args.runs, args.posts).await?);
        }
        if args.json {
            println!("{}", serde_json::to_string_pretty(&figures)?);
            return Ok(ExitCode::SUCCESS);
        }
        println!(
            "search over {} messages per store, {} timed runs per query (p50 / p95 ms, top 20 with snippets)",
            args.messages, args.runs
        );
        for f in &figures {
            println!(
                "{}: seeded in {:.1} s, {} postings",
                f.store, f.seed_seconds, f.postings
            );
        }
        let mut header = format!("{:<22}", "query");
        for f in &figures {
            header.push_str(&format!(" {:>22}", format!("{} p50/p95", f.store)));
        }
        let peer = figures.iter().find(|f| !f.peer.is_empty());
        if peer.is_some() {
            header.push_str(&format!(" {:>24}", "pg ts_rank p50/p95"));
        }
        header.push_str("   hits");
        println!("{header}");
        for (i, q) in QUERIES.iter().enumerate() {
            let mut line = format!("{:<22}", format!("{q:?}"));
            for f in &figures {
                let (_, p50, p95, _) = &f.queries[i];
                line.push_str(&format!(" {:>22}", format!("{p50:.1} / {p95:.1}")));
            }
            if let Some(p) = peer {
                let (_, p50, p95, _) = &p.peer[i];
                line.push_str(&format!(" {:>24}", format!("{p50:.1} / {p95:.1}")));
            }
            let hits: Vec<String> = figures
                .iter()
                .map(|f| f.queries[i].3.to_string())
                .chain(peer.map(|p| p.peer[i].3.to_string()))
                .collect();
            line.push_str(&format!("   {}", hits.join("/")));
            println!("{line}");
        }
        for f in &figures {
            println!(
                "fan-out, {}: one post with 3 mentions to a project of 50 people (message, mentions, inbox, index, audit, outbox): p50 {:.1} ms, p95 {:.1} ms",
                f.store, f.fanout_p50_ms, f.fanout_p95_ms
            );
        }
        Ok(ExitCode::SUCCESS)
    })
}
