//! Headless Chromium for the browser tests: chromedriver on a free port, a fresh profile, the
//! flags this machine's closed network needs.
use fantoccini::ClientBuilder;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Driver {
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

pub fn start_chromedriver() -> Driver {
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

pub async fn browser(driver: &Driver) -> fantoccini::Client {
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

/// Fills and sends the sign-in form on the current page.
pub async fn submit_sign_in(b: &fantoccini::Client, email: &str, password: &str) {
    use fantoccini::Locator;
    b.find(Locator::Id("email"))
        .await
        .unwrap()
        .send_keys(email)
        .await
        .unwrap();
    b.find(Locator::Id("password"))
        .await
        .unwrap()
        .send_keys(password)
        .await
        .unwrap();
    b.find(Locator::Id("sign-in"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

/// Opens `/login?next=NEXT` and signs in as a demo person.
pub async fn sign_in(b: &fantoccini::Client, base: &str, email: &str, next: &str) {
    b.goto(&format!("{base}/login?next={next}")).await.unwrap();
    submit_sign_in(b, email, postflow_web::demo::DEMO_PASSWORD).await;
}

/// Keeps a PNG of what the browser shows when POSTFLOW_SCREENSHOT_DIR is set.
pub async fn screenshot(b: &fantoccini::Client, name: &str) {
    if let Ok(dir) = std::env::var("POSTFLOW_SCREENSHOT_DIR") {
        let png = b.screenshot().await.unwrap();
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(format!("{dir}/{name}.png"), png).unwrap();
    }
}
