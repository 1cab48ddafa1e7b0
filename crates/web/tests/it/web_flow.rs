//! The web app end to end over HTTP, on SQLite and on a real PostgreSQL.

use crate::common::*;
use reqwest::StatusCode;

async fn get(c: &reqwest::Client, url: String) -> (StatusCode, String) {
    let r = c.get(url).send().await.unwrap();
    (r.status(), r.text().await.unwrap())
}

async fn whole_flow(app: TestApp) {
    // Health and the sign-in wall.
    let anon = client();
    assert_eq!(
        get(&anon, format!("{}/healthz", app.base)).await.0,
        StatusCode::OK
    );
    let r = anon
        .get(format!("{}/projects", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // The deep link is kept for after the sign-in.
    assert_eq!(r.headers()["location"], "/login?next=/projects");

    sign_in_errors_are_generic_and_throttled(&app).await;
    session_cookie_is_locked_down(&app).await;
    producer_sees_everything_and_edits(&app).await;
    malformed_form_names_the_field_and_keeps_input(&app).await;
    forms_without_csrf_are_refused(&app).await;
    concurrent_edit_is_refused(&app).await;
    artist_sees_assigned_projects_only(&app).await;
    client_sees_only_their_company_on_every_route(&app).await;
    api_tokens_and_permissions(&app).await;
    admin_manages_users(&app).await;
}

async fn sign_in_errors_are_generic_and_throttled(app: &TestApp) {
    let c = client();
    let csrf = csrf_of(&c, &format!("{}/login", app.base)).await;
    let wrong_pw = c
        .post(format!("{}/login", app.base))
        .form(&[
            ("csrf", csrf.as_str()),
            ("email", "producer@demo.postflow"),
            ("password", "nope"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_pw.status(), StatusCode::UNAUTHORIZED);
    let body_known = wrong_pw.text().await.unwrap();
    assert!(body_known.contains("Email or password is wrong."));
    // The email typed is kept in the form.
    assert!(body_known.contains("value=\"producer@demo.postflow\""));
    let csrf = csrf_of(&c, &format!("{}/login", app.base)).await;
    let unknown = c
        .post(format!("{}/login", app.base))
        .form(&[
            ("csrf", csrf.as_str()),
            ("email", "nobody@demo.postflow"),
            ("password", "nope"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);
    assert!(unknown
        .text()
        .await
        .unwrap()
        .contains("Email or password is wrong."));

    // Repeated failures lock the account for a while, even with the right password then.
    let victim = "vfx@demo.postflow";
    for _ in 0..6 {
        login(app, &c, victim, "wrong-password").await;
    }
    assert_eq!(
        login(app, &c, victim, postflow_web::demo::DEMO_PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    app.store
        .clear_login_failures(&format!("account:{victim}"))
        .await
        .unwrap();
    app.store
        .clear_login_failures("address:127.0.0.1")
        .await
        .unwrap();
    assert_eq!(
        login(app, &c, victim, postflow_web::demo::DEMO_PASSWORD).await,
        StatusCode::SEE_OTHER
    );

    // A login form without its CSRF cookie is refused.
    let bare = client();
    let r = bare
        .post(format!("{}/login", app.base))
        .form(&[
            ("csrf", "forged"),
            ("email", "producer@demo.postflow"),
            ("password", postflow_web::demo::DEMO_PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

async fn session_cookie_is_locked_down(app: &TestApp) {
    let c = client();
    let csrf = csrf_of(&c, &format!("{}/login", app.base)).await;
    let r = c
        .post(format!("{}/login", app.base))
        .form(&[
            ("csrf", csrf.as_str()),
            ("email", "producer@demo.postflow"),
            ("password", postflow_web::demo::DEMO_PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    let cookies: Vec<String> = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect();
    let session = cookies
        .iter()
        .find(|c| c.starts_with("pf_session="))
        .unwrap_or_else(|| panic!("session cookie missing: {} {cookies:?}", r.status()));
    assert!(
        session.contains("HttpOnly") && session.contains("SameSite=Lax"),
        "{session}"
    );
    assert!(r.headers().contains_key("x-request-id"));
}

async fn producer_sees_everything_and_edits(app: &TestApp) {
    let c = signed_in(app, "producer@demo.postflow").await;
    let (status, html) = get(&c, format!("{}/projects", app.base)).await;
    assert_eq!(status, StatusCode::OK);
    for code in ["ACME-SPRING", "ACME-BRAND", "NB-HARBOUR", "LUMEN-NOVA"] {
        assert!(html.contains(code), "producer should see {code}");
    }
    // Filter by status on the server.
    let (_, filtered) = get(&c, format!("{}/projects?status=finishing", app.base)).await;
    assert!(filtered.contains("NB-HARBOUR") && !filtered.contains("ACME-SPRING"));
    // Create a project.
    let csrf = csrf_of(&c, &format!("{}/projects/new", app.base)).await;
    let acme = app
        .store
        .list_clients(false)
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.code == "ACME")
        .unwrap();
    let r = c
        .post(format!("{}/projects", app.base))
        .form(&[
            ("csrf", csrf.as_str()),
            ("code", "acme-teaser"),
            ("name", "Acme teaser"),
            ("client_id", &acme.id.to_string()),
            ("status", "bidding"),
            ("start_date", "2026-12-01"),
            ("due_date", "2026-12-20"),
            ("version", "0"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/projects/ACME-TEASER");
    let (status, html) = get(&c, format!("{}/projects/ACME-TEASER", app.base)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Acme teaser") && html.contains("2026-12-20"));
    // Archive it: gone from the default list, visible with "include archived".
    let csrf = csrf_of(&c, &format!("{}/projects/ACME-TEASER", app.base)).await;
    let r = c
        .post(format!("{}/projects/ACME-TEASER/archive", app.base))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(!get(&c, format!("{}/projects", app.base))
        .await
        .1
        .contains("ACME-TEASER"));
    assert!(get(&c, format!("{}/projects?archived=1", app.base))
        .await
        .1
        .contains("ACME-TEASER"));
    // The studio schedule is built: every open project with its next milestone, and the Gantt.
    let (status, html) = get(&c, format!("{}/schedule", app.base)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("Studio Gantt") && html.contains("<svg"),
        "{html}"
    );
}

async fn malformed_form_names_the_field_and_keeps_input(app: &TestApp) {
    let c = signed_in(app, "producer@demo.postflow").await;
    let csrf = csrf_of(&c, &format!("{}/projects/new", app.base)).await;
    let r = c
        .post(format!("{}/projects", app.base))
        .form(&[
            ("csrf", csrf.as_str()),
            ("code", "NEW-ONE"),
            ("name", "Typed by hand"),
            ("client_id", ""),
            ("status", "editorial"),
            ("start_date", "2026-13-45"),
            ("due_date", ""),
            ("version", "0"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let html = r.text().await.unwrap();
    assert!(html.contains("start date"), "the summary names the field");
    assert!(
        html.contains("2026-13-45") && html.contains("is not a date; use YYYY-MM-DD"),
        "the field says what is wrong"
    );
    assert!(html.contains("choose a client"));
    assert!(
        html.contains("value=\"Typed by hand\"")
            && html.contains("value=\"NEW-ONE\"")
            && html.contains("value=\"2026-13-45\"")
    );
    assert!(app
        .store
        .project_by_code(&postflow_core::project::Code::parse("NEW-ONE").unwrap())
        .await
        .unwrap()
        .is_none());
}

async fn forms_without_csrf_are_refused(app: &TestApp) {
    let c = signed_in(app, "producer@demo.postflow").await;
    let r = c
        .post(format!("{}/projects/ACME-SPRING/archive", app.base))
        .form(&[("csrf", "forged")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let p = app
        .store
        .project_by_code(&postflow_core::project::Code::parse("ACME-SPRING").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert!(!p.archived);
}

async fn concurrent_edit_is_refused(app: &TestApp) {
    let a = signed_in(app, "producer@demo.postflow").await;
    let b = signed_in(app, "coord@demo.postflow").await;
    let url = format!("{}/projects/LUMEN-NOVA/edit", app.base);
    let html_a = a.get(&url).send().await.unwrap().text().await.unwrap();
    let html_b = b.get(&url).send().await.unwrap().text().await.unwrap();
    let submit = |html: &str, name: &str| {
        let mut f: Vec<(String, String)> = [
            "csrf",
            "code",
            "client_id",
            "version",
            "start_date",
            "due_date",
        ]
        .iter()
        .map(|k| (k.to_string(), input_value(html, k).unwrap_or_default()))
        .collect();
        f.push(("name".into(), name.into()));
        f.push(("status".into(), "editorial".into()));
        f
    };
    // client_id is a select; take it from the store.
    let p = app
        .store
        .project_by_code(&postflow_core::project::Code::parse("LUMEN-NOVA").unwrap())
        .await
        .unwrap()
        .unwrap();
    let fix = |mut f: Vec<(String, String)>| {
        f.retain(|(k, _)| k != "client_id");
        f.push(("client_id".into(), p.client_id.to_string()));
        f
    };
    let r1 = a
        .post(&url)
        .form(&fix(submit(&html_a, "Nova (edit A)")))
        .send()
        .await
        .unwrap();
    assert_eq!(r1.status(), StatusCode::SEE_OTHER);
    let r2 = b
        .post(&url)
        .form(&fix(submit(&html_b, "Nova (edit B)")))
        .send()
        .await
        .unwrap();
    assert_eq!(r2.status(), StatusCode::CONFLICT);
    let body = r2.text().await.unwrap();
    assert!(body.contains("someone else changed this project"));
    assert!(
        body.contains("value=\"Nova (edit B)\""),
        "B's input is kept"
    );
    let now = app.store.project_by_id(p.id).await.unwrap().unwrap();
    assert_eq!(now.name, "Nova (edit A)");
}

async fn artist_sees_assigned_projects_only(app: &TestApp) {
    let c = signed_in(app, "colorist@demo.postflow").await;
    let (_, html) = get(&c, format!("{}/projects", app.base)).await;
    assert!(html.contains("NB-HARBOUR"));
    assert!(!html.contains("ACME-SPRING"));
    assert_eq!(
        get(&c, format!("{}/projects/ACME-SPRING", app.base))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get(&c, format!("{}/projects/NB-HARBOUR/edit", app.base))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        get(&c, format!("{}/admin", app.base)).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        get(&c, format!("{}/admin/users", app.base)).await.0,
        StatusCode::FORBIDDEN
    );
}

/// Every project route, GET and POST, answers 404 to a client asking for another company's
/// project — the same as for a project that does not exist.
async fn client_sees_only_their_company_on_every_route(app: &TestApp) {
    let c = signed_in(app, "client@acme.example").await;
    let (_, html) = get(&c, format!("{}/projects", app.base)).await;
    assert!(html.contains("ACME-SPRING") && html.contains("ACME-BRAND"));
    assert!(!html.contains("NB-HARBOUR") && !html.contains("LUMEN-NOVA"));
    let (_, dash) = get(&c, format!("{}/", app.base)).await;
    assert!(!dash.contains("NB-HARBOUR"));
    assert_eq!(
        get(&c, format!("{}/projects/ACME-SPRING", app.base))
            .await
            .0,
        StatusCode::OK
    );

    let csrf = csrf_of(&c, &format!("{}/projects/ACME-SPRING", app.base)).await;
    let someone = app
        .store
        .user_by_email("editor@demo.postflow")
        .await
        .unwrap()
        .unwrap()
        .id;
    for code in ["NB-HARBOUR", "LUMEN-NOVA", "DOES-NOT-EXIST"] {
        for path in [
            format!("/projects/{code}"),
            format!("/projects/{code}/edit"),
        ] {
            assert_eq!(
                get(&c, format!("{}{path}", app.base)).await.0,
                StatusCode::NOT_FOUND,
                "GET {path}"
            );
        }
        for path in [
            format!("/projects/{code}/edit"),
            format!("/projects/{code}/archive"),
            format!("/projects/{code}/unarchive"),
            format!("/projects/{code}/members"),
            format!("/projects/{code}/members/{someone}/remove"),
        ] {
            let r = c
                .post(format!("{}{path}", app.base))
                .form(&[
                    ("csrf", csrf.as_str()),
                    ("user_id", &someone.to_string()),
                    ("name", "x"),
                    ("code", code),
                ])
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::NOT_FOUND, "POST {path}");
        }
    }
    // Their own project can be seen but not changed; studio sections stay closed.
    assert_eq!(
        get(&c, format!("{}/projects/ACME-SPRING/edit", app.base))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    for path in [
        "/schedule",
        "/resources",
        "/my-work",
        "/projects/ACME-SPRING/plan",
        "/admin",
        "/admin/clients",
        "/admin/users",
    ] {
        assert_eq!(
            get(&c, format!("{}{path}", app.base)).await.0,
            StatusCode::FORBIDDEN,
            "GET {path}"
        );
    }
    // The team (with internal titles) is not shown to clients.
    assert!(!get(&c, format!("{}/projects/ACME-SPRING", app.base))
        .await
        .1
        .contains("Elena Editor"));
}

async fn api_tokens_and_permissions(app: &TestApp) {
    let anon = client();
    let r = anon
        .get(format!("{}/api/v1/projects", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(r.text().await.unwrap().contains("Bearer"));
    let spec: serde_json::Value = anon
        .get(format!("{}/api/v1/openapi.json", app.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(spec["openapi"].as_str().unwrap().starts_with("3."));
    assert!(spec["paths"]["/api/v1/projects/{code}"].is_object());

    let producer = signed_in(app, "producer@demo.postflow").await;
    let token = create_token(app, &producer).await;
    let me: serde_json::Value = anon
        .get(format!("{}/api/v1/me", app.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["role"], "producer");
    let list: serde_json::Value = anon
        .get(format!("{}/api/v1/projects", app.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(list.as_array().unwrap().len() >= 4);

    let client_user = signed_in(app, "client@northbridge.example").await;
    let ctoken = create_token(app, &client_user).await;
    let list: serde_json::Value = anon
        .get(format!("{}/api/v1/projects", app.base))
        .bearer_auth(&ctoken)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let codes: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, vec!["NB-HARBOUR"]);
    let r = anon
        .get(format!("{}/api/v1/projects/ACME-SPRING", app.base))
        .bearer_auth(&ctoken)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let clients: serde_json::Value = anon
        .get(format!("{}/api/v1/clients", app.base))
        .bearer_auth(&ctoken)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(clients.as_array().unwrap().len(), 1);

    // Revoked tokens stop working.
    let t = app
        .store
        .list_api_tokens(
            app.store
                .user_by_email("producer@demo.postflow")
                .await
                .unwrap()
                .unwrap()
                .id,
        )
        .await
        .unwrap();
    let csrf = csrf_of(&producer, &format!("{}/account", app.base)).await;
    producer
        .post(format!("{}/account/tokens/{}/revoke", app.base, t[0].id))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    let r = anon
        .get(format!("{}/api/v1/me", app.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}

async fn admin_manages_users(app: &TestApp) {
    let c = signed_in(app, "admin@demo.postflow").await;
    let csrf = csrf_of(&c, &format!("{}/admin/users/new", app.base)).await;
    // A client user without a company is refused, with the input kept.
    let r = c
        .post(format!("{}/admin/users", app.base))
        .form(&[
            ("csrf", csrf.as_str()),
            ("name", "New Client"),
            ("email", "new@client.example"),
            ("role", "client"),
            ("client_id", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("must belong to a client company")
            && html.contains("value=\"new@client.example\"")
    );
    let r = c
        .post(format!("{}/admin/users", app.base))
        .form(&[
            ("csrf", csrf.as_str()),
            ("name", "Dana Dailies"),
            ("email", "dana@demo.postflow"),
            ("role", "artist"),
            ("client_id", ""),
            ("title", "DIT"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    let pw = html
        .split("id=\"one-time-password\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_string();
    let dana = client();
    assert_eq!(
        login(app, &dana, "dana@demo.postflow", &pw).await,
        StatusCode::SEE_OTHER
    );
    // Disabling ends the session at once.
    let id = app
        .store
        .user_by_email("dana@demo.postflow")
        .await
        .unwrap()
        .unwrap()
        .id;
    c.post(format!("{}/admin/users/{id}/disable", app.base))
        .form(&[("csrf", csrf.as_str()), ("confirmed", "yes")])
        .send()
        .await
        .unwrap();
    let r = dana
        .get(format!("{}/projects", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // Producers cannot manage users.
    let p = signed_in(app, "producer@demo.postflow").await;
    assert_eq!(
        get(&p, format!("{}/admin/users", app.base)).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        get(&p, format!("{}/admin/clients", app.base)).await.0,
        StatusCode::OK
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn web_app_on_sqlite() {
    whole_flow(spawn_app(Backend::Sqlite).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn web_app_on_postgresql() {
    whole_flow(spawn_app(Backend::Postgres).await).await;
}
