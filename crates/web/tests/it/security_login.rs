//! The sign-in throttle and the bound on password hashing, over real HTTP against a spawned
//! server, on SQLite and on a real PostgreSQL.

use crate::common::*;
use postflow_web::demo::DEMO_PASSWORD;
use postflow_web::WebConfig;
use reqwest::StatusCode;

/// A client holding the sign-in form's CSRF cookie, and the token to post with it.
async fn login_form(app: &TestApp) -> (reqwest::Client, String) {
    let c = client();
    let csrf = csrf_of(&c, &format!("{}/login", app.base)).await;
    (c, csrf)
}

async fn post_login(
    app: &TestApp,
    (c, csrf): &(reqwest::Client, String),
    email: &str,
    password: &str,
    forwarded_for: Option<&str>,
) -> reqwest::Response {
    let mut req = c.post(format!("{}/login", app.base)).form(&[
        ("csrf", csrf.as_str()),
        ("email", email),
        ("password", password),
    ]);
    if let Some(xff) = forwarded_for {
        req = req.header("x-forwarded-for", xff);
    }
    req.send().await.unwrap()
}

async fn sign_in_status(app: &TestApp, email: &str, password: &str) -> StatusCode {
    post_login(app, &login_form(app).await, email, password, None)
        .await
        .status()
}

/// 200 guesses at once on one account: exactly the five free attempts and the one that locks
/// are checked (401), every other one is refused as locked (429 with Retry-After), none fails.
async fn parallel_guesses_are_counted_atomically(backend: Backend) {
    let config = WebConfig {
        // Room for all 200 in the queue, so the throttle alone decides.
        password_checks: Some((2, 400)),
        ..WebConfig::default()
    };
    let app = std::sync::Arc::new(spawn_app_with(backend, config).await);
    let mut forms = Vec::new();
    for _ in 0..200 {
        forms.push(login_form(&app).await);
    }
    let guesses: Vec<_> = forms
        .into_iter()
        .map(|form| {
            let app = app.clone();
            tokio::spawn(async move {
                let r = post_login(&app, &form, "vfx@demo.postflow", "guess", None).await;
                (r.status(), r.headers().contains_key("retry-after"))
            })
        })
        .collect();
    let (mut checked, mut locked) = (0, 0);
    for g in guesses {
        match g.await.unwrap() {
            (StatusCode::UNAUTHORIZED, _) => checked += 1,
            (StatusCode::TOO_MANY_REQUESTS, true) => locked += 1,
            other => panic!("a guess was answered {other:?}"),
        }
    }
    assert_eq!((checked, locked), (6, 194));
    // Locked now, even with the right password.
    assert_eq!(
        sign_in_status(&app, "vfx@demo.postflow", DEMO_PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_guesses_are_counted_atomically_on_sqlite() {
    parallel_guesses_are_counted_atomically(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_guesses_are_counted_atomically_on_postgresql() {
    parallel_guesses_are_counted_atomically(Backend::Postgres).await;
}

/// With one password check at a time and one waiting, a burst of sign-ins is answered 401 or
/// 503 + Retry-After, never 500; the bound is what keeps argon2's memory flat.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_sign_ins_is_bounded_and_never_fails() {
    let config = WebConfig {
        password_checks: Some((1, 1)),
        ..WebConfig::default()
    };
    let app = std::sync::Arc::new(spawn_app_with(Backend::Sqlite, config).await);
    let mut forms = Vec::new();
    for _ in 0..60 {
        forms.push(login_form(&app).await);
    }
    let burst: Vec<_> = forms
        .into_iter()
        .enumerate()
        .map(|(i, form)| {
            let app = app.clone();
            tokio::spawn(async move {
                let email = format!("nobody{i}@example.com");
                let r = post_login(&app, &form, &email, "guess", None).await;
                (r.status(), r.headers().contains_key("retry-after"))
            })
        })
        .collect();
    for b in burst {
        match b.await.unwrap() {
            (StatusCode::UNAUTHORIZED, _) | (StatusCode::SERVICE_UNAVAILABLE, true) => {}
            other => panic!("a sign-in was answered {other:?}"),
        }
    }
    // The server is fine afterwards.
    assert_eq!(
        sign_in_status(&app, "producer@demo.postflow", DEMO_PASSWORD).await,
        StatusCode::SEE_OTHER
    );
}

/// A 1.5 MB "email" is refused before it reaches the throttle table.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_overlong_email_is_refused_and_not_stored() {
    let app = spawn_app(Backend::Sqlite).await;
    let huge = format!("{}@example.com", "x".repeat(1_500_000));
    let r = post_login(&app, &login_form(&app).await, &huge, "guess", None).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let body = r.text().await.unwrap();
    assert!(body.contains("Email or password is wrong."));
    assert!(body.len() < 100_000, "the email was echoed back");
    assert_eq!(app.store.login_throttle_rows().await.unwrap(), 0);
}

/// A success forgets the address's failed attempts; one person's typos lock their own account,
/// not everyone else signing in from the same address (an office behind one proxy).
async fn typos_lock_the_account_not_the_office(backend: Backend) {
    let app = spawn_app(backend).await;
    for _ in 0..3 {
        sign_in_status(&app, "editor@demo.postflow", "typo").await;
    }
    assert_eq!(
        app.store.login_attempts("address:127.0.0.1").await.unwrap(),
        3
    );
    assert_eq!(
        sign_in_status(&app, "editor@demo.postflow", DEMO_PASSWORD).await,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        app.store.login_attempts("address:127.0.0.1").await.unwrap(),
        0
    );
    assert_eq!(
        app.store
            .login_attempts("account:editor@demo.postflow")
            .await
            .unwrap(),
        0
    );

    // Thirty failures from one address (more than the old per-address limit of twenty)…
    for _ in 0..8 {
        sign_in_status(&app, "mixer@demo.postflow", "typo").await;
    }
    for i in 0..22 {
        sign_in_status(&app, &format!("left{i}@demo.postflow"), "typo").await;
    }
    // …lock the mistyped account, and nobody else.
    assert_eq!(
        sign_in_status(&app, "mixer@demo.postflow", DEMO_PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        sign_in_status(&app, "colorist@demo.postflow", DEMO_PASSWORD).await,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typos_lock_the_account_not_the_office_on_sqlite() {
    typos_lock_the_account_not_the_office(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typos_lock_the_account_not_the_office_on_postgresql() {
    typos_lock_the_account_not_the_office(Backend::Postgres).await;
}

/// `X-Forwarded-For` names the client only when the request comes from a configured proxy.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forwarded_for_is_believed_only_from_a_trusted_proxy() {
    let behind_proxy = spawn_app_with(
        Backend::Sqlite,
        WebConfig {
            trusted_proxies: vec!["127.0.0.1".parse().unwrap()],
            ..WebConfig::default()
        },
    )
    .await;
    let form = login_form(&behind_proxy).await;
    post_login(
        &behind_proxy,
        &form,
        "vfx@demo.postflow",
        "typo",
        Some("198.51.100.7"),
    )
    .await;
    let attempts = |app: &TestApp, key: &'static str| {
        let store = app.store.clone();
        async move { store.login_attempts(key).await.unwrap() }
    };
    assert_eq!(attempts(&behind_proxy, "address:198.51.100.7").await, 1);
    assert_eq!(attempts(&behind_proxy, "address:127.0.0.1").await, 0);

    // Without --trusted-proxy the header is anyone's claim and is ignored.
    let direct = spawn_app(Backend::Sqlite).await;
    let form = login_form(&direct).await;
    post_login(
        &direct,
        &form,
        "vfx@demo.postflow",
        "typo",
        Some("198.51.100.7"),
    )
    .await;
    assert_eq!(attempts(&direct, "address:198.51.100.7").await, 0);
    assert_eq!(attempts(&direct, "address:127.0.0.1").await, 1);
}
