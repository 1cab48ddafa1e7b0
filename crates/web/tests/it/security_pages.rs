//! Redirects after sign-in, security headers, credentials that end with a password change or
//! a disabled account, and the account/admin forms, over real HTTP against a spawned server.

use crate::common::*;
use postflow_web::demo::DEMO_PASSWORD;
use reqwest::StatusCode;

async fn sign_in_with_next(app: &TestApp, c: &reqwest::Client, next: &str) -> reqwest::Response {
    let csrf = csrf_of(c, &format!("{}/login", app.base)).await;
    c.post(format!("{}/login", app.base))
        .form(&[
            ("csrf", csrf.as_str()),
            ("email", "producer@demo.postflow"),
            ("password", DEMO_PASSWORD),
            ("next", next),
        ])
        .send()
        .await
        .unwrap()
}

fn location(r: &reqwest::Response) -> &str {
    r.headers()["location"].to_str().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_redirects_only_to_paths_on_this_site() {
    let app = spawn_app(Backend::Sqlite).await;
    for bad in [
        "/\t/evil.example/",
        "/%09/evil.example/",
        "//evil.example/",
        "/\\evil.example/",
        "https://evil.example/",
        "/\nSet-Cookie: x=1",
        "/a\r\nLocation: https://evil.example/",
    ] {
        let c = client();
        let r = sign_in_with_next(&app, &c, bad).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "next={bad:?}");
        assert_eq!(location(&r), "/", "next={bad:?}");
        // Signed in: the session works.
        let home = c.get(format!("{}/", app.base)).send().await.unwrap();
        assert_eq!(home.status(), StatusCode::OK, "next={bad:?}");
    }
    let c = client();
    let r = sign_in_with_next(&app, &c, "/projects/ACME-SPRING?tab=media").await;
    assert_eq!(location(&r), "/projects/ACME-SPRING?tab=media");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deep_link_survives_the_sign_in() {
    let app = spawn_app(Backend::Sqlite).await;
    let c = client();
    let r = c
        .get(format!("{}/projects/ACME-SPRING", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/login?next=/projects/ACME-SPRING");
    let form = c
        .get(format!("{}{}", app.base, location(&r)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        input_value(&form, "next").as_deref(),
        Some("/projects/ACME-SPRING")
    );
    let r = sign_in_with_next(&app, &c, "/projects/ACME-SPRING").await;
    assert_eq!(location(&r), "/projects/ACME-SPRING");
    // A hostile next in the query never reaches the form.
    let form = c
        .get(format!("{}/login?next=//evil.example/", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(input_value(&form, "next").as_deref(), Some("/"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_carries_the_security_headers() {
    let app = spawn_app(Backend::Sqlite).await;
    let c = signed_in(&app, "admin@demo.postflow").await;
    let anon = client();
    let check = |r: &reqwest::Response, what: &str| {
        let h = r.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("default-src 'self'"), "{what}: {csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{what}: {csp}");
        assert!(
            csp.contains("script-src 'self'") && !csp.contains("script-src 'self' 'unsafe"),
            "{what}: {csp}"
        );
        assert_eq!(h["x-frame-options"], "DENY", "{what}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{what}");
        assert_eq!(h["referrer-policy"], "same-origin", "{what}");
    };
    for path in [
        "/",
        "/projects",
        "/admin/users",
        "/account",
        "/static/app.js",
        "/api/v1/openapi.json",
    ] {
        let r = c.get(format!("{}{path}", app.base)).send().await.unwrap();
        assert!(r.status().is_success(), "{path}: {}", r.status());
        check(&r, path);
    }
    let r = anon
        .get(format!("{}/login", app.base))
        .send()
        .await
        .unwrap();
    check(&r, "/login");
    assert_eq!(r.headers()["cache-control"], "no-store");
    let r = anon
        .get(format!("{}/projects", app.base))
        .send()
        .await
        .unwrap();
    check(&r, "redirect to sign-in");
    // Pages with secrets are never stored.
    let r = c.get(format!("{}/account", app.base)).send().await.unwrap();
    assert_eq!(r.headers()["cache-control"], "no-store");
    let csrf = csrf_of(&c, &format!("{}/account", app.base)).await;
    let r = c
        .post(format!("{}/account/tokens", app.base))
        .form(&[("csrf", csrf.as_str()), ("name", "ci")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["cache-control"], "no-store");
    assert!(r.text().await.unwrap().contains("pft_"));
    // The pages need no inline script (the CSP would block it).
    let html = c
        .get(format!("{}/admin/users", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        !html.contains("<script>") && !html.contains(" onclick="),
        "inline script on a page"
    );
}

async fn me_status(app: &TestApp, token: &str) -> StatusCode {
    client()
        .get(format!("{}/api/v1/me", app.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
}

async fn user_id(app: &TestApp, email: &str) -> i64 {
    app.store.user_by_email(email).await.unwrap().unwrap().id
}

/// Tokens end with a password change, an admin reset and disabling, and do not come back on
/// re-enabling; an admin lists and revokes anyone's tokens on the page and over the API.
async fn credentials_end_when_they_should(backend: Backend) {
    let app = spawn_app(backend).await;
    let editor = signed_in(&app, "editor@demo.postflow").await;
    let other_session = signed_in(&app, "editor@demo.postflow").await;

    // Own password change: this session stays, the other ends, the token stops working.
    let token = create_token(&app, &editor).await;
    assert_eq!(me_status(&app, &token).await, StatusCode::OK);
    let csrf = csrf_of(&editor, &format!("{}/account", app.base)).await;
    let r = editor
        .post(format!("{}/account/password", app.base))
        .form(&[
            ("csrf", csrf.as_str()),
            ("current", DEMO_PASSWORD),
            ("new_password", "a much longer password"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/account");
    assert_eq!(me_status(&app, &token).await, StatusCode::UNAUTHORIZED);
    let page = editor
        .get(format!("{}/account", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page
        .text()
        .await
        .unwrap()
        .contains("your API token was revoked"));
    let gone = other_session
        .get(format!("{}/account", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), StatusCode::SEE_OTHER);

    // Admin reset.
    let token = create_token(&app, &editor).await;
    let admin = signed_in(&app, "admin@demo.postflow").await;
    let id = user_id(&app, "editor@demo.postflow").await;
    let csrf = csrf_of(&admin, &format!("{}/admin/users/{id}", app.base)).await;
    let r = admin
        .post(format!("{}/admin/users/{id}/password", app.base))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(me_status(&app, &token).await, StatusCode::UNAUTHORIZED);

    // Disable, then enable: the token stays dead.
    let mixer = signed_in(&app, "mixer@demo.postflow").await;
    let token = create_token(&app, &mixer).await;
    let mixer_id = user_id(&app, "mixer@demo.postflow").await;
    for action in ["disable", "enable"] {
        let r = admin
            .post(format!("{}/admin/users/{mixer_id}/{action}", app.base))
            .form(&[("csrf", csrf.as_str()), ("confirmed", "yes")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{action}");
    }
    assert_eq!(me_status(&app, &token).await, StatusCode::UNAUTHORIZED);

    // An admin sees and revokes another user's tokens, on the page and over the API.
    let colorist = signed_in(&app, "colorist@demo.postflow").await;
    let on_page = create_token(&app, &colorist).await;
    let over_api = create_token(&app, &colorist).await;
    let colorist_id = user_id(&app, "colorist@demo.postflow").await;
    let page = admin
        .get(format!("{}/admin/users/{colorist_id}", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let tokens = app.store.list_api_tokens(colorist_id).await.unwrap();
    assert_eq!(tokens.len(), 2);
    let revoke_url = format!("/admin/users/{colorist_id}/tokens/{}/revoke", tokens[1].id);
    assert!(page.contains(&revoke_url), "the edit page lists the tokens");
    let r = admin
        .post(format!("{}{revoke_url}", app.base))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(me_status(&app, &on_page).await, StatusCode::UNAUTHORIZED);
    assert_eq!(me_status(&app, &over_api).await, StatusCode::OK);

    let admin_token = create_token(&app, &admin).await;
    let api = client();
    let list: serde_json::Value = api
        .get(format!("{}/api/v1/users/{colorist_id}/tokens", app.base))
        .bearer_auth(&admin_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let live: Vec<i64> = list
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["revoked_at"].is_null())
        .map(|t| t["id"].as_i64().unwrap())
        .collect();
    assert_eq!(live.len(), 1);
    let r = api
        .post(format!(
            "{}/api/v1/users/{colorist_id}/tokens/{}/revoke",
            app.base, live[0]
        ))
        .bearer_auth(&admin_token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(me_status(&app, &over_api).await, StatusCode::UNAUTHORIZED);
    // The OpenAPI document lists both.
    let doc: serde_json::Value = api
        .get(format!("{}/api/v1/openapi.json", app.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let paths: Vec<&String> = doc["paths"].as_object().unwrap().keys().collect();
    for p in [
        "/api/v1/users/{id}/tokens",
        "/api/v1/users/{id}/tokens/{token_id}/revoke",
    ] {
        assert!(
            paths.iter().any(|k| k.as_str() == p),
            "{p} missing from {paths:?}"
        );
    }
    // Nobody else may.
    let producer = signed_in(&app, "producer@demo.postflow").await;
    let producer_token = create_token(&app, &producer).await;
    let r = api
        .get(format!("{}/api/v1/users/{colorist_id}/tokens", app.base))
        .bearer_auth(&producer_token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credentials_end_when_they_should_on_sqlite() {
    credentials_end_when_they_should(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credentials_end_when_they_should_on_postgresql() {
    credentials_end_when_they_should(Backend::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_password_form_shows_errors_beside_the_fields() {
    let app = spawn_app(Backend::Sqlite).await;
    let c = signed_in(&app, "editor@demo.postflow").await;
    let csrf = csrf_of(&c, &format!("{}/account", app.base)).await;
    let post = |current: &'static str, new: &'static str| {
        let c = c.clone();
        let url = format!("{}/account/password", app.base);
        let csrf = csrf.clone();
        async move {
            let r = c
                .post(url)
                .form(&[
                    ("csrf", csrf.as_str()),
                    ("current", current),
                    ("new_password", new),
                ])
                .send()
                .await
                .unwrap();
            (r.status(), r.text().await.unwrap())
        }
    };
    // Wrong current password: said beside that field, which takes the focus; the new one is kept.
    let (status, html) = post("wrong", "a good long new password").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        html.contains("<h1>Your account</h1>"),
        "the account page, not a bare error page"
    );
    let current = field_tag(&html, "current");
    assert!(
        current.contains("aria-invalid=\"true\"") && current.contains("autofocus"),
        "{current}"
    );
    assert!(html.contains("id=\"current-error\">the current password is wrong<"));
    assert!(field_tag(&html, "new_password").contains("value=\"a good long new password\""));
    // Too short: beside the new password.
    let (status, html) = post(DEMO_PASSWORD, "short").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let new = field_tag(&html, "new_password");
    assert!(
        new.contains("aria-invalid=\"true\"") && new.contains("autofocus"),
        "{new}"
    );
    assert!(!field_tag(&html, "current").contains("autofocus"));
    assert!(html.contains("id=\"new_password-error\">use at least 10 characters<"));
    // The password was not changed by either.
    let editor = app
        .store
        .user_by_email("editor@demo.postflow")
        .await
        .unwrap()
        .unwrap();
    assert!(!app
        .store
        .password_hash_of(editor.id)
        .await
        .unwrap()
        .unwrap()
        .is_empty());
    assert_eq!(
        login(&app, &client(), "editor@demo.postflow", DEMO_PASSWORD).await,
        StatusCode::SEE_OTHER
    );
}

/// The `<input …>` or `<select …>` tag of the field named `name`.
fn field_tag<'a>(html: &'a str, name: &str) -> &'a str {
    let at = html
        .find(&format!("name=\"{name}\""))
        .unwrap_or_else(|| panic!("no field {name}"));
    let start = html[..at].rfind('<').unwrap();
    let end = at + html[at..].find('>').unwrap();
    &html[start..=end]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_forms_focus_the_error_confirm_destruction_and_flash_success() {
    let app = spawn_app(Backend::Sqlite).await;
    let admin = signed_in(&app, "admin@demo.postflow").await;
    let csrf = csrf_of(&admin, &format!("{}/admin/users/new", app.base)).await;

    // The first field with an error has the focus; the input is kept.
    let r = admin
        .post(format!("{}/admin/users", app.base))
        .form(&[
            ("csrf", csrf.as_str()),
            ("name", "Dana"),
            ("email", "not an email"),
            ("role", "artist"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let html = r.text().await.unwrap();
    assert!(field_tag(&html, "email").contains("autofocus"));
    assert!(!field_tag(&html, "name").contains("autofocus"));
    assert!(field_tag(&html, "name").contains("value=\"Dana\""));
    let r = admin
        .post(format!("{}/admin/clients", app.base))
        .form(&[
            ("csrf", csrf.as_str()),
            ("code", "NEWCO"),
            ("name", ""),
            ("contact_email", "x"),
        ])
        .send()
        .await
        .unwrap();
    let html = r.text().await.unwrap();
    assert!(field_tag(&html, "name").contains("autofocus"));
    assert!(field_tag(&html, "code").contains("value=\"NEWCO\""));

    // Saving flashes once.
    let r = admin
        .post(format!("{}/admin/clients", app.base))
        .form(&[
            ("csrf", csrf.as_str()),
            ("code", "NEWCO"),
            ("name", "New Co"),
            ("contact_email", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/admin/clients");
    let page = admin
        .get(format!("{}/admin/clients", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("role=\"status\">Saved client New Co (NEWCO).<"),
        "no flash"
    );
    let again = admin
        .get(format!("{}/admin/clients", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        !again.contains("Saved client New Co"),
        "the flash showed twice"
    );

    // Disabling asks first (the no-JavaScript path: a confirmation page), then acts.
    let mixer = user_id(&app, "mixer@demo.postflow").await;
    let edit = admin
        .get(format!("{}/admin/users/{mixer}", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(edit.contains("data-confirm=\"Disable this account?"));
    let r = admin
        .post(format!("{}/admin/users/{mixer}/disable", app.base))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let confirm = r.text().await.unwrap();
    assert!(confirm.contains("name=\"confirmed\" value=\"yes\""));
    assert!(!app.store.user_by_id(mixer).await.unwrap().unwrap().disabled);
    let r = admin
        .post(format!("{}/admin/users/{mixer}/disable", app.base))
        .form(&[("csrf", csrf.as_str()), ("confirmed", "yes")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(app.store.user_by_id(mixer).await.unwrap().unwrap().disabled);
    let page = admin
        .get(format!("{}/admin/users", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Disabled mixer@demo.postflow"));

    // Archiving a client too.
    let acme = app
        .store
        .list_clients(true)
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.code == "ACME")
        .unwrap();
    let list = admin
        .get(format!("{}/admin/clients", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(list.contains("data-confirm=\"Archive Acme Films?"));
    let r = admin
        .post(format!("{}/admin/clients/{}/archive", app.base, acme.id))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        !app.store
            .client_by_id(acme.id)
            .await
            .unwrap()
            .unwrap()
            .archived
    );
    let r = admin
        .post(format!("{}/admin/clients/{}/archive", app.base, acme.id))
        .form(&[("csrf", csrf.as_str()), ("confirmed", "yes")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(
        app.store
            .client_by_id(acme.id)
            .await
            .unwrap()
            .unwrap()
            .archived
    );
}
