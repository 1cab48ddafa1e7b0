//! The app as tests meet it: a real server on 127.0.0.1:0 over a real store (SQLite in a temp dir, or a
//! throwaway PostgreSQL cluster), seeded with the demo studio, driven over HTTP.
use crate::TempPostgres;
use postflow_store::{Location, Store};
use postflow_web::WebConfig;
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    pub base: String,
    pub store: Store,
    _dir: tempfile::TempDir,
    _pg: Option<TempPostgres>,
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, WebConfig::default()).await
}

/// A server with a non-default configuration (trusted proxies, password-check bounds).
pub async fn spawn_app_with(backend: Backend, config: WebConfig) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let (location, pg) = match backend {
        Backend::Sqlite => (Location::SqliteDir(dir.path().join("data")), None),
        Backend::Postgres => {
            let pg = TempPostgres::start().expect("start a throwaway PostgreSQL cluster");
            let url = pg.create_database("web").await.unwrap();
            (Location::Url(url), Some(pg))
        }
    };
    let store = Store::open(&location).await.unwrap();
    postflow_web::demo::seed(&store, chrono::Utc::now().date_naive())
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let served = store.clone();
    tokio::spawn(async move {
        postflow_web::serve(listener, served, config, async {
            let _ = rx.await;
        })
        .await
        .unwrap();
    });
    TestApp {
        base,
        store,
        _dir: dir,
        _pg: pg,
        _shutdown: tx,
    }
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The value of `<input … name="NAME" value="…">` in a page.
pub fn input_value(html: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker)? + marker.len();
    let end = html[start..].find('"')?;
    Some(html[start..start + end].to_string())
}

pub async fn csrf_of(c: &reqwest::Client, url: &str) -> String {
    let html = c.get(url).send().await.unwrap().text().await.unwrap();
    input_value(&html, "csrf").unwrap_or_else(|| panic!("no csrf field on {url}"))
}

/// Signs in through the login form; returns the response status.
pub async fn login(
    app: &TestApp,
    c: &reqwest::Client,
    email: &str,
    password: &str,
) -> reqwest::StatusCode {
    let csrf = csrf_of(c, &format!("{}/login", app.base)).await;
    c.post(format!("{}/login", app.base))
        .form(&[
            ("csrf", csrf.as_str()),
            ("email", email),
            ("password", password),
            ("next", "/projects"),
        ])
        .send()
        .await
        .unwrap()
        .status()
}

pub async fn signed_in(app: &TestApp, email: &str) -> reqwest::Client {
    let c = client();
    let status = login(app, &c, email, postflow_web::demo::DEMO_PASSWORD).await;
    assert_eq!(status, reqwest::StatusCode::SEE_OTHER, "sign-in of {email}");
    c
}

/// Creates a personal API token through the account page, as a user does; returns it.
pub async fn create_token(app: &TestApp, c: &reqwest::Client) -> String {
    let csrf = csrf_of(c, &format!("{}/account", app.base)).await;
    let html = c
        .post(format!("{}/account/tokens", app.base))
        .form(&[("csrf", csrf.as_str()), ("name", "test token")])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let start = html.find("pft_").expect("the new token is shown once");
    html[start..].split('<').next().unwrap().to_string()
}

/// One test per case per backend against a spawned app: `case::sqlite` and `case::postgresql`,
/// each calling `case(TestApp)` on a fresh seeded server. With `backend:` first, the case gets
/// the [`Backend`] instead and spawns its own server (for a non-default configuration).
#[macro_export]
macro_rules! app_backends {
    (backend: $($case:ident),* $(,)?) => {$(
        mod $case {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$case($crate::server::Backend::Sqlite).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgresql() {
                super::$case($crate::server::Backend::Postgres).await;
            }
        }
    )*};
    ($($case:ident),* $(,)?) => {$(
        mod $case {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$case($crate::server::spawn_app($crate::server::Backend::Sqlite).await)
                    .await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgresql() {
                super::$case($crate::server::spawn_app($crate::server::Backend::Postgres).await)
                    .await;
            }
        }
    )*};
}
