//! `postflow ingest`, `verify` and `volume` recording into the media catalog, as a wrangler runs
//! them: the real binary, real files, a real store (SQLite, PostgreSQL) or a real server.
use postflow_core::integrity::{Shortfall, Standing};
use postflow_core::project::{Code, ProjectStatus};
use postflow_store::studio::{ClientInput, ProjectInput};
use postflow_store::{Location, Store};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn postflow(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_postflow"))
        .args(args)
        .env_remove("POSTFLOW_DATA_DIR")
        .env_remove("POSTFLOW_DATABASE_URL")
        .env_remove("POSTFLOW_SERVER")
        .env_remove("POSTFLOW_TOKEN")
        .output()
        .expect("postflow runs")
}

fn text(o: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn card(root: &Path) -> PathBuf {
    let card = root.join("A001");
    for (i, name) in ["Clips/A001C001.mov", "Clips/A001C002.mov", "A001.xml"]
        .iter()
        .enumerate()
    {
        let p = card.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, vec![i as u8 + 7; 50_000 + i * 1000]).unwrap();
    }
    card
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Runtime::new().unwrap()
}

async fn project(store: &Store, code: &str) -> i64 {
    let c = store
        .create_client(ClientInput {
            code: Code::parse("CATCO").unwrap(),
            name: "Catalog Co".into(),
            contact_email: None,
        })
        .await
        .unwrap();
    store
        .create_project(ProjectInput {
            code: Code::parse(code).unwrap(),
            name: "Catalogued".into(),
            client_id: c.id,
            status: ProjectStatus::Ingest,
            start_date: None,
            due_date: None,
        })
        .await
        .unwrap()
        .id
}

fn cp_r(from: &Path, to: &Path) {
    let ok = Command::new("cp")
        .arg("-a")
        .arg(from)
        .arg(to)
        .status()
        .unwrap();
    assert!(ok.success());
}

/// Ingest to two drives, then an off-site LTO copy verified: the catalog follows, on whichever
/// store the flags name.
fn two_drives_then_lto(store_flag: &str, store_value: &str, location: Location) {
    let tmp = tempfile::tempdir().unwrap();
    let src = card(&tmp.path().join("cards"));
    let (raid1, raid2) = (tmp.path().join("RAID-1"), tmp.path().join("RAID-2"));
    std::fs::create_dir_all(&raid1).unwrap();
    std::fs::create_dir_all(&raid2).unwrap();
    let rt = rt();
    let store = rt.block_on(Store::open(&location)).unwrap();
    let pid = rt.block_on(project(&store, "CAT"));

    let args = [
        "ingest",
        s(&src),
        "--dest",
        s(&raid1),
        "--dest",
        s(&raid2),
        "--project",
        "CAT",
        store_flag,
        store_value,
    ];
    let o = postflow(&args);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("catalog: recorded 3 files, 6 verified"),
        "{}",
        text(&o)
    );
    assert!(err.contains("new volume RAID-1 registered"), "{}", text(&o));

    let status = rt.block_on(store.project_status(pid)).unwrap();
    assert_eq!(status.standing, Standing::NotCompliant);
    assert_eq!(status.failing.len(), 3);
    assert!(status.failing[0]
        .reasons
        .contains(&Shortfall::TooFewCopies { verified: 2 }));
    // Running the same ingest again (a resume) updates, never duplicates.
    let o = postflow(&args);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let media = rt.block_on(store.project_media(pid)).unwrap();
    assert_eq!(media.len(), 3);
    assert!(media.iter().all(|m| m.copies.len() == 2));
    assert!(media[0].checksums().contains_key("xxh64"));
    assert_eq!(media[0].file.path, "A001/A001.xml");

    // A third copy on an off-site LTO tape, registered and verified: compliant.
    let o = postflow(&[
        "volume",
        "add",
        "LTO-000123",
        "--kind",
        "lto",
        "--site",
        "offsite",
        "--capacity",
        "18TB",
        store_flag,
        store_value,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let lto = tmp.path().join("LTO-000123");
    std::fs::create_dir_all(&lto).unwrap();
    cp_r(&raid1.join("A001"), &lto);
    let o = postflow(&[
        "verify",
        s(&lto.join("A001")),
        "--project",
        "CAT",
        store_flag,
        store_value,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let status = rt.block_on(store.project_status(pid)).unwrap();
    assert_eq!(status.standing, Standing::Compliant, "{status:?}");

    // A bit flipped on the tape: verify names it, the catalog stops counting that copy.
    let clip = lto.join("A001/Clips/A001C002.mov");
    let mut bytes = std::fs::read(&clip).unwrap();
    bytes[100] ^= 1;
    std::fs::write(&clip, bytes).unwrap();
    let o = postflow(&[
        "verify",
        s(&lto.join("A001")),
        "--project",
        "CAT",
        store_flag,
        store_value,
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let status = rt.block_on(store.project_status(pid)).unwrap();
    assert_eq!(status.standing, Standing::NotCompliant);
    assert_eq!(status.failing.len(), 1);
    assert_eq!(status.failing[0].path, "A001/Clips/A001C002.mov");

    let o = postflow(&["volume", "list", "--json", store_flag, store_value]);
    let list: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let tape = list
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["label"] == "LTO-000123")
        .unwrap();
    assert_eq!(tape["files_held"], 2);
    assert_eq!(tape["location"], "offsite");
    assert_eq!(tape["capacity_bytes"], 18_000_000_000_000i64);
}

#[test]
fn catalog_on_sqlite_from_ingest_and_verify() {
    let data = tempfile::tempdir().unwrap();
    let dir = data.path().join("data");
    two_drives_then_lto("--data-dir", s(&dir), Location::SqliteDir(dir.clone()));
}

#[test]
fn catalog_on_postgresql_from_ingest_and_verify() {
    let pg = postflow_testkit::TempPostgres::start().expect("start PostgreSQL");
    let url = rt().block_on(pg.create_database("cli")).unwrap();
    two_drives_then_lto("--database-url", &url, Location::Url(url.clone()));
}

#[test]
fn without_store_flags_ingest_records_nothing_and_says_so() {
    let help = postflow(&["ingest", "--help"]);
    assert!(String::from_utf8_lossy(&help.stdout)
        .contains("nothing is recorded unless --data-dir, --database-url or --server is given"));
    let tmp = tempfile::tempdir().unwrap();
    let src = card(&tmp.path().join("cards"));
    let dest = tmp.path().join("RAID-1");
    std::fs::create_dir_all(&dest).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_postflow"))
        .args(["ingest", s(&src), "--dest", s(&dest)])
        .current_dir(tmp.path())
        .env_remove("POSTFLOW_DATA_DIR")
        .env_remove("POSTFLOW_DATABASE_URL")
        .env_remove("POSTFLOW_SERVER")
        .env_remove("POSTFLOW_TOKEN")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(!String::from_utf8_lossy(&o.stderr).contains("catalog"));
    assert!(
        !tmp.path().join("postflow-data").exists(),
        "a store was created"
    );
}

#[test]
fn a_catalog_that_cannot_be_reached_is_reported_before_anything_is_copied() {
    let tmp = tempfile::tempdir().unwrap();
    let src = card(&tmp.path().join("cards"));
    let dest = tmp.path().join("RAID-1");
    std::fs::create_dir_all(&dest).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("postgres://wrangler:secret@127.0.0.1:{port}/postflow");
    let o = postflow(&[
        "ingest",
        s(&src),
        "--dest",
        s(&dest),
        "--project",
        "CAT",
        "--database-url",
        &url,
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.starts_with("error: cannot open the catalog to check project CAT"),
        "{err}"
    );
    assert!(err.contains("nothing was done"), "{err}");
    assert!(!err.contains("secret"), "{err}");
    assert!(
        !dest.join("A001").exists(),
        "copied although the catalog was unreachable"
    );

    // Bad flag combinations are refused before anything is copied.
    let other = tmp.path().join("RAID-9");
    std::fs::create_dir_all(&other).unwrap();
    let o = postflow(&[
        "ingest",
        s(&src),
        "--dest",
        s(&other),
        "--server",
        "http://127.0.0.1:9",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stderr).contains("needs --token"));
    assert!(!other.join("A001").exists());
}

/// The defect: a card recorded without `--project` whose paths match another project's files
/// replaced that project's checksums and failed its good copies. Now a recording run must name
/// an existing project before anything is copied, and never touches another project's files.
#[test]
fn a_recording_ingest_names_its_project_before_copying_and_leaves_other_projects_alone() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let rt = rt();
    let store = rt
        .block_on(Store::open(&Location::SqliteDir(data.clone())))
        .unwrap();
    let pid = rt.block_on(project(&store, "FIRST"));
    rt.block_on(store.clone().close()).unwrap();

    let src = card(&tmp.path().join("cards"));
    let raid1 = tmp.path().join("RAID-1");
    std::fs::create_dir_all(&raid1).unwrap();
    let o = postflow(&[
        "ingest",
        s(&src),
        "--dest",
        s(&raid1),
        "--project",
        "FIRST",
        "--data-dir",
        s(&data),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let snapshot = || {
        let store = rt
            .block_on(Store::open(&Location::SqliteDir(data.clone())))
            .unwrap();
        let media = rt.block_on(store.project_media(pid)).unwrap();
        rt.block_on(store.close()).unwrap();
        media
            .iter()
            .map(|m| {
                let copies: Vec<(String, String)> = m
                    .copies
                    .iter()
                    .map(|c| (c.volume.label.clone(), c.copy.status.clone()))
                    .collect();
                (m.file.path.clone(), m.file.checksums.clone(), copies)
            })
            .collect::<Vec<_>>()
    };
    let before = snapshot();
    assert_eq!(before.len(), 3);

    // Another shoot's card with the same relative paths and other content.
    let other = tmp.path().join("other");
    let other_card = other.join("A001");
    for name in ["Clips/A001C001.mov", "Clips/A001C002.mov", "A001.xml"] {
        let p = other_card.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, b"another shoot, another day").unwrap();
    }
    let raid2 = tmp.path().join("RAID-2");
    std::fs::create_dir_all(&raid2).unwrap();
    let o = postflow(&[
        "ingest",
        s(&other_card),
        "--dest",
        s(&raid2),
        "--data-dir",
        s(&data),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.starts_with("error: recording this ingest in the catalog needs --project CODE"),
        "{err}"
    );
    assert!(
        !raid2.join("A001").exists(),
        "copied before the project was named"
    );

    let o = postflow(&[
        "ingest",
        s(&other_card),
        "--dest",
        s(&raid2),
        "--project",
        "NOSUCH",
        "--data-dir",
        s(&data),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("project NOSUCH is not in the catalog"),
        "{}",
        text(&o)
    );
    assert!(
        !raid2.join("A001").exists(),
        "copied for an unknown project"
    );

    // Verify records the same way.
    let o = postflow(&["verify", s(&raid1.join("A001")), "--data-dir", s(&data)]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stderr).contains("needs --project CODE"));

    // Named for a second project, it lands there and FIRST's catalog is as it was.
    let store = rt
        .block_on(Store::open(&Location::SqliteDir(data.clone())))
        .unwrap();
    let second = rt.block_on(async {
        let client = store.list_clients(true).await.unwrap()[0].id;
        store
            .create_project(ProjectInput {
                code: Code::parse("SECOND").unwrap(),
                name: "Second shoot".into(),
                client_id: client,
                status: ProjectStatus::Ingest,
                start_date: None,
                due_date: None,
            })
            .await
            .unwrap()
            .id
    });
    rt.block_on(store.close()).unwrap();
    let o = postflow(&[
        "ingest",
        s(&other_card),
        "--dest",
        s(&raid2),
        "--project",
        "second",
        "--data-dir",
        s(&data),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(snapshot(), before, "FIRST's catalog entries changed");
    let store = rt
        .block_on(Store::open(&Location::SqliteDir(data.clone())))
        .unwrap();
    let media = rt.block_on(store.project_media(second)).unwrap();
    assert_eq!(media.len(), 3);
    assert!(media
        .iter()
        .all(|m| m.copies.len() == 1 && m.copies[0].volume.label == "RAID-2"));
    rt.block_on(store.close()).unwrap();
}

/// A sampled verification records only the files it re-read, and never as a complete run.
#[test]
fn a_sampled_verify_is_recorded_as_a_sample() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let rt = rt();
    let store = rt
        .block_on(Store::open(&Location::SqliteDir(data.clone())))
        .unwrap();
    let pid = rt.block_on(project(&store, "SAMPLED"));
    rt.block_on(store.clone().close()).unwrap();
    let src = tmp.path().join("cards/S001");
    for i in 0..12u8 {
        let p = src.join(format!("f{i:02}.bin"));
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, vec![i; 2000]).unwrap();
    }
    let raid = tmp.path().join("RAID-1");
    std::fs::create_dir_all(&raid).unwrap();
    let o = postflow(&[
        "ingest",
        s(&src),
        "--dest",
        s(&raid),
        "--project",
        "SAMPLED",
        "--data-dir",
        s(&data),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let lto = tmp.path().join("LTO-7");
    std::fs::create_dir_all(&lto).unwrap();
    cp_r(&raid.join("S001"), &lto);
    let o = postflow(&[
        "verify",
        s(&lto.join("S001")),
        "--sample",
        "25",
        "--project",
        "SAMPLED",
        "--data-dir",
        s(&data),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("sample only: 3 of 12"),
        "{}",
        text(&o)
    );

    let store = rt
        .block_on(Store::open(&Location::SqliteDir(data.clone())))
        .unwrap();
    let events = rt.block_on(store.catalog_events(Some(pid), 5)).unwrap();
    assert_eq!(events[0].kind, "verify");
    assert!(
        !events[0].complete,
        "a sample was recorded as a complete verification"
    );
    let media = rt.block_on(store.project_media(pid)).unwrap();
    let on_tape = media
        .iter()
        .filter(|m| m.copies.iter().any(|c| c.volume.label == "LTO-7"))
        .count();
    assert_eq!(
        on_tape, 3,
        "only the files the sample re-read count on the tape"
    );
    rt.block_on(store.close()).unwrap();
}

#[test]
fn catalog_through_the_server_with_a_token() {
    let tmp = tempfile::tempdir().unwrap();
    let rt = rt();
    // The real app on a seeded SQLite store, served on this runtime.
    let app = rt.block_on(postflow_testkit::server::spawn_app(
        postflow_testkit::server::Backend::Sqlite,
    ));
    let (store, base) = (app.store.clone(), app.base.clone());
    let token_for = |email: &str| {
        let u = rt.block_on(store.user_by_email(email)).unwrap().unwrap();
        let token = format!("pft_cli_{}", u.id);
        rt.block_on(store.create_api_token(
            u.id,
            "cli".into(),
            postflow_web::auth::sha256_hex(&token),
        ))
        .unwrap();
        token
    };
    let producer = token_for("producer@demo.postflow");
    let client = token_for("client@acme.example");

    let src = card(&tmp.path().join("cards"));
    let dest = tmp.path().join("SHUTTLE-7");
    std::fs::create_dir_all(&dest).unwrap();
    // A client's token sees the project but may not record: the copies are fine, the catalog
    // is not updated, and the exit code says so apart from a failed copy.
    let o = postflow(&[
        "ingest",
        s(&src),
        "--dest",
        s(&dest),
        "--project",
        "ACME-SPRING",
        "--server",
        &base,
        "--token",
        &client,
    ]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("the catalog was not updated"), "{err}");
    assert!(err.contains("studio staff"), "{err}");
    assert!(err.contains("exit code 3"), "{err}");
    assert!(String::from_utf8_lossy(&o.stdout).starts_with("COMPLETE"));
    assert!(dest.join("A001/Clips/A001C001.mov").exists());
    assert!(rt
        .block_on(store.volume_by_label("SHUTTLE-7"))
        .unwrap()
        .is_none());

    let o = postflow(&[
        "ingest",
        s(&src),
        "--dest",
        s(&dest),
        "--project",
        "ACME-SPRING",
        "--server",
        &base,
        "--token",
        &producer,
        "--volume",
        "SHUTTLE 7",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let p = rt
        .block_on(store.project_by_code(&Code::parse("ACME-SPRING").unwrap()))
        .unwrap()
        .unwrap();
    let media = rt.block_on(store.project_media(p.id)).unwrap();
    assert_eq!(media.len(), 3);
    assert_eq!(media[0].copies[0].volume.label, "SHUTTLE 7");
    let events = rt.block_on(store.catalog_events(Some(p.id), 5)).unwrap();
    assert_eq!(events[0].who, "producer@demo.postflow");

    // Volumes through the server too.
    let o = postflow(&[
        "volume", "add", "CLOUD-1", "--kind", "cloud", "--site", "offsite", "--server", &base,
        "--token", &producer,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let o = postflow(&["volume", "list", "--server", &base, "--token", &producer]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("CLOUD-1") && out.contains("SHUTTLE 7"),
        "{}",
        text(&o)
    );
    // The verify of that copy through the server, with a bad token: one clear sentence.
    let o = postflow(&[
        "verify",
        s(&dest.join("A001")),
        "--project",
        "ACME-SPRING",
        "--server",
        &base,
        "--token",
        "pft_wrong",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stderr).contains("did not accept the token"));
}

/// A copy made by another tool gets its history with `verify --create`; the catalog learns its
/// hashes, and a later bit flip fails the copy without replacing the file's recorded hash.
#[test]
fn verify_create_starts_a_history_on_a_plain_copy() {
    let tmp = tempfile::tempdir().unwrap();
    let src = card(&tmp.path().join("cards"));
    let nas = tmp.path().join("NAS-1");
    std::fs::create_dir_all(&nas).unwrap();
    cp_r(&src, &nas);
    let copy = nas.join("A001");
    let data = tmp.path().join("data");
    let rt = rt();
    let store = rt
        .block_on(Store::open(&Location::SqliteDir(data.clone())))
        .unwrap();
    let pid = rt.block_on(project(&store, "PLAIN"));
    rt.block_on(store.clone().close()).unwrap();

    // Without --create there is nothing to verify against, and the error says what to do.
    let o = postflow(&["verify", s(&copy)]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("postflow verify --create"),
        "{}",
        text(&o)
    );
    assert!(!copy.join("ascmhl").exists());

    let o = postflow(&[
        "verify",
        s(&copy),
        "--create",
        "--json",
        "--project",
        "PLAIN",
        "--data-dir",
        s(&data),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(report["ok"], true);
    assert_eq!(report["files"].as_array().unwrap().len(), 3);
    assert!(
        report["files"][0]["hashes"][0]["value"].is_string(),
        "{report}"
    );
    assert!(copy.join("ascmhl/ascmhl_chain.xml").exists());

    let store = rt
        .block_on(Store::open(&Location::SqliteDir(data.clone())))
        .unwrap();
    let media = rt.block_on(store.project_media(pid)).unwrap();
    assert_eq!(media.len(), 3);
    let sums: Vec<String> = media
        .iter()
        .map(|m| m.checksums()["xxh64"].clone())
        .collect();
    assert!(media.iter().all(|m| m.copies.len() == 1
        && m.copies[0].volume.label == "NAS-1"
        && m.copies[0].state() == postflow_core::integrity::CopyState::Verified));
    rt.block_on(store.clone().close()).unwrap();

    // From now on a plain verify checks against that history.
    let clip = copy.join("Clips/A001C002.mov");
    let mut bytes = std::fs::read(&clip).unwrap();
    bytes[10] ^= 0x40;
    std::fs::write(&clip, bytes).unwrap();
    let o = postflow(&[
        "verify",
        s(&copy),
        "--project",
        "PLAIN",
        "--data-dir",
        s(&data),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("changed: Clips/A001C002.mov"),
        "{}",
        text(&o)
    );
    let store = rt
        .block_on(Store::open(&Location::SqliteDir(data)))
        .unwrap();
    let media = rt.block_on(store.project_media(pid)).unwrap();
    let after: Vec<String> = media
        .iter()
        .map(|m| m.checksums()["xxh64"].clone())
        .collect();
    assert_eq!(after, sums, "the damaged copy's hash is not the file's");
    let damaged = media
        .iter()
        .find(|m| m.file.path == "A001/Clips/A001C002.mov")
        .unwrap();
    assert_eq!(
        damaged.copies[0].state(),
        postflow_core::integrity::CopyState::Failed
    );
}
