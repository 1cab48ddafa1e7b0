//! `postflow serve`, `demo` and `user` as a user runs them: the real binary, real stores.
use postflow_store::{Location, Store};
use postflow_testkit::TempPostgres;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

fn postflow() -> Command {
    Command::new(env!("CARGO_BIN_EXE_postflow"))
}

/// A running `postflow` whose output lines arrive on a channel.
struct Running {
    child: Child,
    lines: mpsc::Receiver<String>,
}

impl Running {
    fn start(mut cmd: Command) -> Running {
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (tx, rx) = mpsc::channel();
        for stream in [
            Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
            Box::new(child.stderr.take().unwrap()),
        ] {
            let tx = tx.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    let _ = tx.send(line);
                }
            });
        }
        Running { child, lines: rx }
    }

    /// Waits (bounded) for a line containing `needle`; returns the lines seen until then.
    fn wait_for(&self, needle: &str) -> Vec<String> {
        let mut seen = Vec::new();
        loop {
            match self.lines.recv_timeout(Duration::from_secs(120)) {
                Ok(line) => {
                    let hit = line.contains(needle);
                    seen.push(line);
                    if hit {
                        return seen;
                    }
                }
                Err(_) => panic!("no line containing {needle:?}; saw {seen:?}"),
            }
        }
    }

    fn terminate(mut self) -> std::process::ExitStatus {
        Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status()
            .unwrap();
        self.child.wait().unwrap()
    }
}

fn url_in(lines: &[String]) -> String {
    let line = lines.iter().find(|l| l.contains("http://")).unwrap();
    let start = line.find("http://").unwrap();
    line[start..]
        .split_whitespace()
        .next()
        .unwrap()
        .trim_end_matches('/')
        .to_string()
}

async fn login(base: &str, email: &str, password: &str) -> reqwest::Client {
    let c = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let html = c
        .get(format!("{base}/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker).unwrap() + marker.len();
    let csrf = &html[start..start + html[start..].find('"').unwrap()];
    let r = c
        .post(format!("{base}/login"))
        .form(&[
            ("csrf", csrf),
            ("email", email),
            ("password", password),
            ("next", "/projects"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        reqwest::StatusCode::SEE_OTHER,
        "sign-in of {email}"
    );
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_start_creates_an_admin_once_and_shuts_down_gracefully() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut cmd = postflow();
    cmd.args(["serve", "--bind", "127.0.0.1:0", "--data-dir"])
        .arg(&data);
    let server = Running::start(cmd);
    let lines = server.wait_for("postflow is serving on");
    let pw_line = lines
        .iter()
        .position(|l| l.contains("one-time password"))
        .expect("password announced");
    let password = lines[pw_line + 2].trim().to_string();
    let base = url_in(&lines);
    let c = login(&base, "admin@localhost", &password).await;
    let r = c.get(format!("{base}/admin/users")).send().await.unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::OK);
    assert!(
        server.terminate().success(),
        "SIGTERM ends the server cleanly"
    );
    assert!(data.join("postflow.db").exists());

    // Second start: the admin exists, no new password is printed.
    let mut cmd = postflow();
    cmd.args(["serve", "--bind", "127.0.0.1:0", "--data-dir"])
        .arg(&data);
    let server = Running::start(cmd);
    let lines = server.wait_for("postflow is serving on");
    assert!(
        !lines.iter().any(|l| l.contains("one-time password")),
        "{lines:?}"
    );
    server.terminate();
}

#[test]
fn unreachable_database_is_one_sentence_naming_the_redacted_url() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = postflow()
        .args([
            "serve",
            "--bind",
            "127.0.0.1:0",
            "--database-url",
            &format!("postgres://studio:hunter22@127.0.0.1:{port}/postflow"),
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    let first = err.lines().next().unwrap_or_default();
    assert!(
        first.starts_with("error: cannot open the database at postgres://studio:***@127.0.0.1:"),
        "{err}"
    );
    assert!(!err.contains("hunter22"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_from_a_newer_postflow_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let store = Store::open(&Location::SqliteDir(data.clone()))
        .await
        .unwrap();
    store.set_schema_generation_for_test(999).await.unwrap();
    store.close().await.unwrap();
    let out = postflow()
        .args(["user", "list", "--data-dir"])
        .arg(&data)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("written by a newer postflow") && err.contains("upgrade postflow"),
        "{err}"
    );
}

#[test]
fn user_commands_manage_accounts() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let run = |args: &[&str]| {
        postflow()
            .args(args)
            .arg("--data-dir")
            .arg(&data)
            .output()
            .unwrap()
    };
    let out = run(&[
        "user",
        "add",
        "ed@studio.test",
        "--name",
        "Ed Editor",
        "--role",
        "artist",
        "--title",
        "Editor",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("One-time password: "));
    // Wrong flags are refused with a clear sentence and a non-zero exit code.
    let out = run(&[
        "user",
        "add",
        "x@studio.test",
        "--name",
        "X",
        "--role",
        "wizard",
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown role \"wizard\""));
    let out = run(&[
        "user",
        "add",
        "c@client.test",
        "--name",
        "C",
        "--role",
        "client",
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("--client: a client user must belong to a client company"));
    let out = run(&[
        "user",
        "add",
        "ed@studio.test",
        "--name",
        "Again",
        "--role",
        "artist",
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("already has an account"));

    let out = run(&["user", "disable", "ed@studio.test"]);
    assert!(out.status.success());
    let out = run(&["user", "list", "--json"]);
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(list[0]["email"], "ed@studio.test");
    assert_eq!(list[0]["disabled"], true);
    let pw = dir.path().join("pw.txt");
    std::fs::write(&pw, "a-long-enough-password\n").unwrap();
    let out = postflow()
        .args(["user", "passwd", "ed@studio.test", "--password-file"])
        .arg(&pw)
        .arg("--data-dir")
        .arg(&data)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_on_postgresql_behaves_the_same() {
    let pg = TempPostgres::start().expect("start a throwaway PostgreSQL cluster");
    let url = pg.create_database("serve").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let pw = dir.path().join("admin-pw");
    std::fs::write(&pw, "correct-horse-battery\n").unwrap();
    let mut cmd = postflow();
    cmd.args(["serve", "--bind", "127.0.0.1:0", "--admin-password-file"])
        .arg(&pw)
        .env("POSTFLOW_DATABASE_URL", &url);
    let server = Running::start(cmd);
    let lines = server.wait_for("postflow is serving on");
    assert!(
        lines.iter().any(|l| l.contains("postgresql store")),
        "{lines:?}"
    );
    let base = url_in(&lines);
    let c = login(&base, "admin@localhost", "correct-horse-battery").await;
    assert_eq!(
        c.get(format!("{base}/projects"))
            .send()
            .await
            .unwrap()
            .status(),
        reqwest::StatusCode::OK
    );
    assert!(server.terminate().success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_serves_a_seeded_studio() {
    let mut cmd = postflow();
    cmd.args(["demo", "--bind", "127.0.0.1:0"]);
    let demo = Running::start(cmd);
    let lines = demo.wait_for("client@northbridge.example");
    let base = url_in(&lines);
    let c = login(&base, "producer@demo.postflow", "postflow-demo").await;
    let html = c
        .get(format!("{base}/projects"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("NB-HARBOUR") && html.contains("ACME-SPRING"));
    let tmp_line = lines
        .iter()
        .find(|l| l.contains("Throwaway data in"))
        .unwrap();
    let tmp = tmp_line
        .split("Throwaway data in ")
        .nth(1)
        .unwrap()
        .split(" (removed")
        .next()
        .unwrap()
        .to_string();
    assert!(std::path::Path::new(&tmp).exists());
    assert!(demo.terminate().success());
    assert!(
        !std::path::Path::new(&tmp).exists(),
        "the throwaway studio is removed on exit"
    );
}
