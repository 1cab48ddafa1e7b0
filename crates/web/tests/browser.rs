//! The pages in a real headless Chromium (driven through chromedriver): the demo producer signs
//! in and sees the projects; a client signs in and sees only their company's projects.
//! Set POSTFLOW_SCREENSHOT_DIR to keep PNG screenshots of what the browser rendered.
mod common;

use common::*;
use fantoccini::{ClientBuilder, Locator};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Driver {
    child: Child,
    port: u16,
    _profile: tempfile::TempDir,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn which(candidates: &[&str]) -> Option<String> {
    candidates
        .iter()
        .find(|c| std::path::Path::new(c).exists())
        .map(|c| c.to_string())
}

fn start_chromedriver() -> Driver {
    let exe = std::env::var("CHROMEDRIVER")
        .ok()
        .or_else(|| which(&["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]))
        .expect(
            "chromedriver not found; install the chromium-driver package (scripts/test does this)",
        );
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(exe)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    // Wait until it accepts connections (bounded; it normally takes a few hundred ms).
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "chromedriver did not start listening within 20 s"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    Driver {
        child,
        port,
        _profile: tempfile::tempdir().unwrap(),
    }
}

async fn browser(driver: &Driver) -> fantoccini::Client {
    let chromium = std::env::var("CHROMIUM").ok().or_else(|| {
        which(&[
            "/usr/bin/chromium",
            "/usr/bin/chromium-browser",
            "/usr/bin/google-chrome",
        ])
    });
    let mut opts = serde_json::json!({
        "args": [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
            "--window-size=1366,900",
            format!("--user-data-dir={}", driver._profile.path().display()),
        ]
    });
    if let Some(bin) = chromium {
        opts["binary"] = serde_json::Value::String(bin);
    }
    let mut caps = serde_json::Map::new();
    caps.insert("goog:chromeOptions".into(), opts);
    // Several TLS backends are linked into the test; pick one explicitly (chromedriver is plain HTTP).
    let _ = rustls::crypto::ring::default_provider().install_default();
    ClientBuilder::rustls()
        .expect("TLS setup")
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .expect("connect to chromedriver")
}

async fn screenshot(b: &fantoccini::Client, name: &str) {
    if let Ok(dir) = std::env::var("POSTFLOW_SCREENSHOT_DIR") {
        let png = b.screenshot().await.unwrap();
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(format!("{dir}/{name}.png"), png).unwrap();
    }
}

async fn sign_in(b: &fantoccini::Client, base: &str, email: &str) {
    b.goto(&format!("{base}/login")).await.unwrap();
    b.find(Locator::Id("email"))
        .await
        .unwrap()
        .send_keys(email)
        .await
        .unwrap();
    b.find(Locator::Id("password"))
        .await
        .unwrap()
        .send_keys(postflow_web::demo::DEMO_PASSWORD)
        .await
        .unwrap();
    b.find(Locator::Id("sign-in"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.wait()
        .for_element(Locator::Css("nav.side"))
        .await
        .unwrap();
}

async fn project_codes(b: &fantoccini::Client) -> Vec<String> {
    let mut codes = Vec::new();
    for row in b
        .find_all(Locator::Css(
            "#projects-table tbody tr.project-row td:first-child a",
        ))
        .await
        .unwrap()
    {
        codes.push(row.text().await.unwrap());
    }
    codes.sort();
    codes
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn producer_and_client_in_chromium() {
    let app = spawn_app(Backend::Sqlite).await;
    let driver = start_chromedriver();

    let b = browser(&driver).await;
    // A wrong password shows the generic message in the page.
    b.goto(&format!("{}/login", app.base)).await.unwrap();
    b.find(Locator::Id("email"))
        .await
        .unwrap()
        .send_keys("producer@demo.postflow")
        .await
        .unwrap();
    b.find(Locator::Id("password"))
        .await
        .unwrap()
        .send_keys("not-it")
        .await
        .unwrap();
    b.find(Locator::Id("sign-in"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let err = b
        .wait()
        .for_element(Locator::Id("login-error"))
        .await
        .unwrap();
    assert_eq!(err.text().await.unwrap(), "Email or password is wrong.");
    screenshot(&b, "login-error").await;

    sign_in(&b, &app.base, "producer@demo.postflow").await;
    b.goto(&format!("{}/projects", app.base)).await.unwrap();
    assert_eq!(
        project_codes(&b).await,
        vec!["ACME-BRAND", "ACME-SPRING", "LUMEN-NOVA", "NB-HARBOUR"]
    );
    // The quick filter narrows the table in the page.
    b.find(Locator::Css("input[data-filter]"))
        .await
        .unwrap()
        .send_keys("harbour")
        .await
        .unwrap();
    let mut visible = Vec::new();
    for row in b
        .find_all(Locator::Css("#projects-table tbody tr"))
        .await
        .unwrap()
    {
        if row.is_displayed().await.unwrap() {
            visible.push(row.text().await.unwrap());
        }
    }
    assert_eq!(visible.len(), 1, "{visible:?}");
    assert!(visible[0].contains("NB-HARBOUR"));
    screenshot(&b, "producer-projects").await;
    b.goto(&format!("{}/", app.base)).await.unwrap();
    screenshot(&b, "producer-dashboard").await;
    b.goto(&format!("{}/projects/NB-HARBOUR", app.base))
        .await
        .unwrap();
    screenshot(&b, "producer-project").await;
    b.goto(&format!("{}/admin/clients", app.base))
        .await
        .unwrap();
    screenshot(&b, "producer-clients").await;
    for (path, heading) in [
        ("/media", "Media"),
        ("/qc", "QC"),
        ("/resources", "Resources"),
    ] {
        b.goto(&format!("{}{path}", app.base)).await.unwrap();
        let h1 = b
            .find(Locator::Css("main h1"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(h1.starts_with(heading), "{path}: {h1}");
        screenshot(&b, &format!("producer{}", path.replace('/', "-"))).await;
    }
    b.close().await.unwrap();

    let b = browser(&driver).await;
    sign_in(&b, &app.base, "client@acme.example").await;
    b.goto(&format!("{}/projects", app.base)).await.unwrap();
    assert_eq!(project_codes(&b).await, vec!["ACME-BRAND", "ACME-SPRING"]);
    let nav = b
        .find(Locator::Css("nav.side"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!nav.contains("Billing") && !nav.contains("Admin"), "{nav}");
    screenshot(&b, "client-projects").await;
    b.goto(&format!("{}/projects/NB-HARBOUR", app.base))
        .await
        .unwrap();
    let body = b
        .find(Locator::Css("body"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(body.contains("404"), "{body}");
    b.close().await.unwrap();
}
