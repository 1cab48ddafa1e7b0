//! The security and form behaviour in a real headless Chromium (through chromedriver): the
//! pages' script still runs under the Content-Security-Policy, a deep link survives the sign-in,
//! the errored field has the focus, one-click destruction asks first and a save flashes once.
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

async fn sign_in_from_form(b: &fantoccini::Client, email: &str, password: &str) {
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

async fn focused_name(b: &fantoccini::Client) -> String {
    b.execute(
        "return document.activeElement.name || document.activeElement.id",
        vec![],
    )
    .await
    .unwrap()
    .as_str()
    .unwrap_or("")
    .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn security_and_forms_in_chromium() {
    let app = spawn_app(Backend::Sqlite).await;
    let driver = start_chromedriver();
    let b = browser(&driver).await;

    // A deep link: sign in, land where the link pointed.
    b.goto(&format!("{}/projects/ACME-SPRING", app.base))
        .await
        .unwrap();
    b.wait().for_element(Locator::Id("sign-in")).await.unwrap();
    sign_in_from_form(&b, "admin@demo.postflow", postflow_web::demo::DEMO_PASSWORD).await;
    b.wait()
        .for_element(Locator::Css("nav.side"))
        .await
        .unwrap();
    assert!(b
        .current_url()
        .await
        .unwrap()
        .path()
        .ends_with("/projects/ACME-SPRING"));

    // The page's script ran under the CSP (it makes sortable headers focusable).
    b.goto(&format!("{}/admin/users", app.base)).await.unwrap();
    let tab = b
        .execute(
            "return document.querySelector('th[data-sort]').tabIndex",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(tab.as_i64(), Some(0), "app.js did not run");

    // A wrong current password: the page says so beside the field, which has the focus.
    b.goto(&format!("{}/account", app.base)).await.unwrap();
    b.find(Locator::Id("current"))
        .await
        .unwrap()
        .send_keys("wrong")
        .await
        .unwrap();
    b.find(Locator::Id("new_password"))
        .await
        .unwrap()
        .send_keys("a long new password")
        .await
        .unwrap();
    b.find(Locator::Css("form[action='/account/password'] button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.wait()
        .for_element(Locator::Id("current-error"))
        .await
        .unwrap();
    assert_eq!(focused_name(&b).await, "current");
    assert_eq!(
        b.find(Locator::Id("new_password"))
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some("a long new password")
    );

    // Disabling asks first: dismissed, nothing happens; accepted, it is done at once.
    let mixer = app
        .store
        .user_by_email("mixer@demo.postflow")
        .await
        .unwrap()
        .unwrap()
        .id;
    b.goto(&format!("{}/admin/users/{mixer}", app.base))
        .await
        .unwrap();
    let disable = Locator::Css("form[action$='/disable'] button");
    b.find(disable).await.unwrap().click().await.unwrap();
    assert!(b
        .get_alert_text()
        .await
        .unwrap()
        .starts_with("Disable this account?"));
    b.dismiss_alert().await.unwrap();
    assert!(!app.store.user_by_id(mixer).await.unwrap().unwrap().disabled);
    b.find(disable).await.unwrap().click().await.unwrap();
    b.accept_alert().await.unwrap();
    b.wait()
        .for_element(Locator::Css("main .flash[role=status]"))
        .await
        .unwrap();
    assert!(app.store.user_by_id(mixer).await.unwrap().unwrap().disabled);
    let flash = b
        .find(Locator::Css("main .flash[role=status]"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(flash.starts_with("Disabled mixer@demo.postflow"), "{flash}");
    // Shown once.
    b.refresh().await.unwrap();
    b.wait()
        .for_element(Locator::Css("#users-table"))
        .await
        .unwrap();
    assert!(b
        .find_all(Locator::Css("main .flash[role=status]"))
        .await
        .unwrap()
        .is_empty());

    b.close().await.unwrap();
}
