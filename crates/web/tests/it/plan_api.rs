//! Plans over HTTP on both stores: a project created from a template through the API answers
//! with its computed schedule; changes are refused with the cycle named, a stale version is a
//! conflict, a client sees no plan; and the plan page's forms re-plan and keep refused input.

use crate::common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

postflow_testkit::app_backends!(
    a_project_created_from_a_template_answers_with_its_schedule,
    bad_plan_changes_are_refused_and_nothing_is_saved,
    the_plan_page_moves_a_task_and_keeps_a_refused_form,
);

async fn token(app: &TestApp, email: &str) -> String {
    let c = signed_in(app, email).await;
    create_token(app, &c).await
}

async fn api(
    c: &reqwest::Client,
    token: &str,
    method: reqwest::Method,
    url: String,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut req = c.request(method, url).bearer_auth(token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let r = req.send().await.unwrap();
    let status = r.status();
    let text = r.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

async fn acme_id(app: &TestApp) -> i64 {
    app.store
        .list_clients(false)
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.code == "ACME")
        .unwrap()
        .id
}

async fn create_planned(app: &TestApp, token: &str, code: &str, due: &str) -> Value {
    let c = reqwest::Client::new();
    let (status, plan) = api(
        &c,
        token,
        reqwest::Method::POST,
        format!("{}/api/v1/projects", app.base),
        Some(json!({
            "code": code, "name": "Summer spot", "client_id": acme_id(app).await,
            "start_date": "2027-03-01", "due_date": due, "template": "commercial"
        })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{plan}");
    plan
}

async fn a_project_created_from_a_template_answers_with_its_schedule(app: TestApp) {
    let t = token(&app, "producer@demo.postflow").await;
    let plan = create_planned(&app, &t, "SUMMER", "2027-06-30").await;
    let tasks = plan["tasks"].as_array().unwrap();
    assert!(tasks.len() >= 10);
    assert_eq!(plan["start"], "2027-03-01");
    assert_eq!(plan["at_risk"], false);
    let critical: Vec<&str> = plan["critical_path"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k.as_str().unwrap())
        .collect();
    assert!(!critical.is_empty());
    let finish = tasks
        .iter()
        .map(|t| t["ef_day"].as_i64().unwrap())
        .max()
        .unwrap();
    for task in tasks {
        let d = task["duration_days"].as_i64().unwrap() + task["buffer_days"].as_i64().unwrap();
        let (es, ef, ls, lf) = (
            task["es_day"].as_i64().unwrap(),
            task["ef_day"].as_i64().unwrap(),
            task["ls_day"].as_i64().unwrap(),
            task["lf_day"].as_i64().unwrap(),
        );
        assert_eq!(ef - es, d, "{task}");
        assert_eq!(lf - ls, d, "{task}");
        assert_eq!(task["total_float_days"].as_i64().unwrap(), ls - es);
        assert!(lf <= finish);
        assert_eq!(
            task["critical"].as_bool().unwrap(),
            critical.contains(&task["key"].as_str().unwrap()),
            "{task}"
        );
    }
    // Every dependency holds in the early schedule.
    let by_key = |k: &str| tasks.iter().find(|t| t["key"] == k).unwrap();
    for dep in plan["dependencies"].as_array().unwrap() {
        let (a, b) = (
            by_key(dep["from"].as_str().unwrap()),
            by_key(dep["to"].as_str().unwrap()),
        );
        let lag = dep["lag_days"].as_i64().unwrap();
        let get = |t: &Value, f: &str| t[f].as_i64().unwrap();
        match dep["type"].as_str().unwrap() {
            "FS" => assert!(get(b, "es_day") >= get(a, "ef_day") + lag, "{dep}"),
            "SS" => assert!(get(b, "es_day") >= get(a, "es_day") + lag, "{dep}"),
            "FF" => assert!(get(b, "ef_day") >= get(a, "ef_day") + lag, "{dep}"),
            other => panic!("type {other}"),
        }
    }
    let kinds: Vec<&str> = plan["milestones"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["kind"].as_str().unwrap())
        .collect();
    for k in ["picture_lock", "qc_passed", "delivered", "archived"] {
        assert!(kinds.contains(&k), "{kinds:?}");
    }
    // The same plan reads back, and is in the OpenAPI document.
    let c = reqwest::Client::new();
    let (status, again) = api(
        &c,
        &t,
        reqwest::Method::GET,
        format!("{}/api/v1/projects/SUMMER/plan", app.base),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(again["tasks"], plan["tasks"]);
    let spec: Value = c
        .get(format!("{}/api/v1/openapi.json", app.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        spec["paths"]["/api/v1/projects/{code}/plan"]["get"].is_object(),
        "plan not documented"
    );
}

async fn bad_plan_changes_are_refused_and_nothing_is_saved(app: TestApp) {
    let t = token(&app, "producer@demo.postflow").await;
    let plan = create_planned(&app, &t, "SUMMER", "").await;
    let c = reqwest::Client::new();
    let base = format!("{}/api/v1/projects/SUMMER/plan", app.base);
    let deps = plan["dependencies"].as_array().unwrap();
    // Closing a loop: the last task back to the first is a cycle.
    let first = deps[0]["from"].as_str().unwrap().to_string();
    let second = deps[0]["to"].as_str().unwrap().to_string();
    let (status, err) = api(
        &c,
        &t,
        reqwest::Method::POST,
        format!("{base}/dependencies"),
        Some(json!({"from": second, "to": first, "type": "FS"})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{err}");
    assert_eq!(err["code"], "invalid");
    let msg = err["fields"]["dependency"].as_str().unwrap_or_default();
    assert!(
        msg.contains("cycle") && msg.contains(&first) && msg.contains(&second),
        "{err}"
    );
    // A negative duration names the field.
    let (status, err) = api(&c, &t, reqwest::Method::POST, format!("{base}/tasks"),
        Some(json!({"key": "extra", "name": "Extra", "stage": plan["tasks"][0]["stage"], "duration": -2}))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{err}");
    assert!(
        err["fields"]["duration"]
            .as_str()
            .unwrap()
            .contains("negative"),
        "{err}"
    );
    // An unknown field is refused, not ignored.
    let (status, err) = api(
        &c,
        &t,
        reqwest::Method::POST,
        format!("{base}/tasks"),
        Some(json!({"key": "extra", "name": "Extra", "duraton": 2})),
    )
    .await;
    assert!(status.is_client_error(), "{err}");
    // A change made from an old version is a conflict.
    let version = plan["plan_version"].as_i64().unwrap();
    let key = plan["tasks"][1]["key"].as_str().unwrap().to_string();
    let (status, _) = api(
        &c,
        &t,
        reqwest::Method::POST,
        format!("{base}/tasks/{key}/move"),
        Some(json!({"duration_days": 5, "plan_version": version})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, err) = api(
        &c,
        &t,
        reqwest::Method::POST,
        format!("{base}/tasks/{key}/move"),
        Some(json!({"duration_days": 9, "plan_version": version})),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{err}");
    let (_, now) = api(&c, &t, reqwest::Method::GET, base.clone(), None).await;
    assert_eq!(
        now["dependencies"], plan["dependencies"],
        "a refused dependency was saved"
    );
    let moved = now["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["key"] == key.as_str())
        .unwrap()
        .clone();
    assert_eq!(moved["duration_days"], 5);
    // An unknown template creates no project.
    let (status, err) = api(&c, &t, reqwest::Method::POST, format!("{}/api/v1/projects", app.base),
        Some(json!({"code": "NOPE", "name": "Nope", "client_id": acme_id(&app).await, "template": "comercial"}))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{err}");
    let code = postflow_core::project::Code::parse("NOPE").unwrap();
    assert!(app.store.project_by_code(&code).await.unwrap().is_none());
    // A client sees no plan, an artist cannot change one.
    let client = token(&app, "client@acme.example").await;
    let (status, _) = api(
        &c,
        &client,
        reqwest::Method::GET,
        format!("{}/api/v1/projects/ACME-SPRING/plan", app.base),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let artist = token(&app, "editor@demo.postflow").await;
    let (status, _) = api(
        &c,
        &artist,
        reqwest::Method::GET,
        format!("{}/api/v1/projects/ACME-SPRING/plan", app.base),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = api(
        &c,
        &artist,
        reqwest::Method::POST,
        format!(
            "{}/api/v1/projects/ACME-SPRING/plan/tasks/{key}/move",
            app.base
        ),
        Some(json!({"duration_days": 2})),
    )
    .await;
    assert!(
        matches!(status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
        "{status}"
    );
}

async fn the_plan_page_moves_a_task_and_keeps_a_refused_form(app: TestApp) {
    let t = token(&app, "producer@demo.postflow").await;
    let plan = create_planned(&app, &t, "SUMMER", "2027-04-30").await;
    let c = signed_in(&app, "producer@demo.postflow").await;
    let page = format!("{}/projects/SUMMER/plan", app.base);
    let html = c.get(&page).send().await.unwrap().text().await.unwrap();
    assert!(
        html.contains("<svg") && html.contains("class=\"bar"),
        "no Gantt"
    );
    assert!(
        html.contains("id=\"on-track\""),
        "a fitting plan shows as on track"
    );
    let csrf = input_value(&html, "csrf").unwrap();
    let version = plan["plan_version"].to_string();
    // Moving a critical task a month later: the page re-plans and says the project is at risk.
    let critical = plan["critical_path"][1].as_str().unwrap().to_string();
    let r = c
        .post(format!("{page}/tasks/{critical}/move"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("version", version.as_str()),
            ("start", "2027-04-26"),
            ("duration_days", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let html = c.get(&page).send().await.unwrap().text().await.unwrap();
    assert!(
        html.contains("id=\"at-risk\""),
        "moving a critical task past the due date shows no risk"
    );
    assert!(html.contains("2027-04-30"));
    // A cycle from the dependency form comes back with the reason and the input kept.
    let deps = plan["dependencies"].as_array().unwrap();
    let (from, to) = (
        deps[0]["to"].as_str().unwrap(),
        deps[0]["from"].as_str().unwrap(),
    );
    let version = (plan["plan_version"].as_i64().unwrap() + 1).to_string();
    let r = c
        .post(format!("{page}/dependencies"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("version", version.as_str()),
            ("from", from),
            ("to", to),
            ("type", "SS"),
            ("lag_days", "3"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("id=\"dependency-error\"") && html.contains("cycle"),
        "no reason shown"
    );
    assert!(html.contains("name=\"lag_days\" size=\"4\" placeholder=\"lag\" aria-label=\"Lag in working days (negative: lead)\" value=\"3\""), "the lag typed was lost");
    // An artist on the project sees the plan but no forms to change it.
    let artist = signed_in(&app, "editor@demo.postflow").await;
    let html = artist
        .get(format!("{}/projects/ACME-SPRING/plan", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("<svg") && !html.contains("id=\"move-form\""));
}
