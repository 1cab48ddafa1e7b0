//! A throwaway PostgreSQL cluster for tests, started from the system's binaries (`initdb` +
//! `pg_ctl`) on a free port in a temporary directory, stopped and removed on drop. Tests need no
//! server running beforehand.
use sea_orm::{ConnectionTrait, Database};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;

pub struct TempPostgres {
    dir: tempfile::TempDir,
    bin: PathBuf,
    port: u16,
    run_as: Option<&'static str>,
}

fn find_pg_bin() -> Result<PathBuf, String> {
    if let Ok(dir) = std::env::var("POSTFLOW_PG_BIN") {
        return Ok(PathBuf::from(dir));
    }
    let mut candidates: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|rd| rd.flatten().map(|e| e.path().join("bin")).collect())
        .unwrap_or_default();
    candidates.sort();
    if let Some(found) = candidates
        .into_iter()
        .rev()
        .find(|p| p.join("initdb").exists())
    {
        return Ok(found);
    }
    for dir in std::env::var("PATH").unwrap_or_default().split(':') {
        if Path::new(dir).join("initdb").exists() {
            return Ok(PathBuf::from(dir));
        }
    }
    Err("PostgreSQL server binaries (initdb, pg_ctl) not found; install the `postgresql` package or set POSTFLOW_PG_BIN".into())
}

fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

impl TempPostgres {
    /// Starts a fresh cluster. PostgreSQL refuses to run as root, so as root the cluster runs as
    /// the `postgres` system user.
    pub fn start() -> Result<TempPostgres, String> {
        let bin = find_pg_bin()?;
        let dir = tempfile::Builder::new()
            .prefix("postflow-pg-")
            .tempdir()
            .map_err(|e| e.to_string())?;
        let run_as = running_as_root().then_some("postgres");
        if let Some(user) = run_as {
            let ok = Command::new("chown")
                .arg("-R")
                .arg(user)
                .arg(dir.path())
                .status()
                .map_err(|e| e.to_string())?;
            if !ok.success() {
                return Err(format!(
                    "cannot hand {} to the {user} user",
                    dir.path().display()
                ));
            }
        }
        let mut pg = TempPostgres {
            dir,
            bin,
            port: 0,
            run_as,
        };
        let data = pg.dir.path().join("data");
        pg.run(
            "initdb",
            &[
                "-D",
                &data.to_string_lossy(),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
            ],
        )?;
        let log = pg.dir.path().join("server.log");
        // A free port is found by binding and releasing it, so a test starting at the same moment
        // can take it first; the server then fails to bind and is started again on another port.
        let mut last_error = String::new();
        for _ in 0..5 {
            pg.port = free_port()?;
            let opts = format!(
                "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c synchronous_commit=off",
                pg.port,
                pg.dir.path().display()
            );
            match pg.run(
                "pg_ctl",
                &[
                    "-D",
                    &data.to_string_lossy(),
                    "-l",
                    &log.to_string_lossy(),
                    "-o",
                    &opts,
                    "-w",
                    "-t",
                    "120",
                    "start",
                ],
            ) {
                Ok(()) => return Ok(pg),
                Err(e) => {
                    let server_log = std::fs::read_to_string(&log).unwrap_or_default();
                    last_error = format!("{e}\nserver log:\n{server_log}");
                }
            }
        }
        Err(last_error)
    }

    fn run(&self, tool: &str, args: &[&str]) -> Result<(), String> {
        let exe = self.bin.join(tool);
        let output = match self.run_as {
            Some(user) => Command::new("runuser")
                .arg("-u")
                .arg(user)
                .arg("--")
                .arg(&exe)
                .args(args)
                .output(),
            None => Command::new(&exe).args(args).output(),
        }
        .map_err(|e| format!("cannot run {}: {e}", exe.display()))?;
        if !output.status.success() {
            return Err(format!(
                "{tool} failed: {}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            ));
        }
        Ok(())
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    /// Creates an empty database and returns its URL.
    pub async fn create_database(&self, name: &str) -> Result<String, String> {
        let admin = Database::connect(self.url("postgres"))
            .await
            .map_err(|e| e.to_string())?;
        admin
            .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
            .await
            .map_err(|e| e.to_string())?;
        admin.close().await.map_err(|e| e.to_string())?;
        Ok(self.url(name))
    }
}

impl Drop for TempPostgres {
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

fn free_port() -> Result<u16, String> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| e.to_string())
}
