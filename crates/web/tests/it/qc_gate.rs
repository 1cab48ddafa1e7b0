//! QC results attached to a project's deliverables, manual items signed by a person, and the
//! "QC passed" milestone reachable only when both hold — on real files QC'd by postflow-qc.

use crate::common::*;
use reqwest::StatusCode;
use std::path::Path;

/// A short H.264/AAC MP4; `h264_profile` decides whether YouTube's codec profile check passes.
fn make_master(path: &Path, h264_profile: &str) {
    postflow_testkit::media::web_master(path, 4, h264_profile);
}

fn qc_json(path: &Path) -> String {
    let profiles = postflow_qc::ProfileSet::builtin();
    let youtube = profiles.get("youtube").unwrap().clone();
    let report = postflow_qc::run_qc(
        path,
        &postflow_qc::QcOptions::new(vec![youtube]),
        &mut |_| {},
    )
    .unwrap();
    report.to_json()
}

async fn post_form(
    c: &reqwest::Client,
    url: String,
    form: &[(&str, &str)],
) -> (StatusCode, String) {
    let r = c.post(url).form(form).send().await.unwrap();
    (r.status(), r.text().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qc_passed_needs_passing_checks_and_signed_manual_items() {
    let app = spawn_app(Backend::Sqlite).await;
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("spring_master_v2.mp4");
    let bad = dir.path().join("spring_master_v1.mp4");
    make_master(&good, "high");
    make_master(&bad, "baseline");
    let (good_json, bad_json) = (qc_json(&good), qc_json(&bad));

    let producer = signed_in(&app, "producer@demo.postflow").await;
    let base = format!("{}/projects/ACME-SPRING", app.base);
    let csrf = csrf_of(&producer, &base).await;
    let (status, _) = post_form(
        &producer,
        format!("{base}/deliverables"),
        &[
            ("csrf", &csrf),
            ("name", "YouTube master"),
            ("profile", "youtube"),
            ("layout", "stereo"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let project = app
        .store
        .project_by_code(&postflow_core::project::Code::parse("ACME-SPRING").unwrap())
        .await
        .unwrap()
        .unwrap();
    let d = app
        .store
        .deliverables_of(project.id)
        .await
        .unwrap()
        .into_iter()
        .find(|d| d.name == "YouTube master")
        .expect("the deliverable just added");
    let page = format!("{base}/deliverables/{}", d.id);

    // Before any run the milestone is blocked.
    let (status, html) = post_form(
        &producer,
        format!("{page}/qc-passed"),
        &[("csrf", &csrf), ("run_id", "0")],
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(html.contains("no QC run has been recorded"));

    // A failing master, uploaded through the API.
    let token = create_token(&app, &producer).await;
    let api = reqwest::Client::new();
    let upload = |json: String| {
        let api = api.clone();
        let url = format!(
            "{}/api/v1/projects/ACME-SPRING/deliverables/{}/qc-runs",
            app.base, d.id
        );
        let token = token.clone();
        async move {
            api.post(url)
                .bearer_auth(token)
                .header("content-type", "application/json")
                .body(json)
                .send()
                .await
                .unwrap()
        }
    };
    let r = upload(bad_json.clone()).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(
        body["status"], "fail",
        "baseline H.264 fails YouTube's profile check"
    );
    let run_id = body["run_id"].as_i64().unwrap().to_string();
    let (status, html) = post_form(
        &producer,
        format!("{page}/qc-passed"),
        &[("csrf", &csrf), ("run_id", &run_id)],
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        html.contains("automated checks failed") && html.contains("video.profile"),
        "{html}"
    );

    // A tampered verdict is not believed: the checks decide.
    let mut tampered: serde_json::Value = serde_json::from_str(&bad_json).unwrap();
    tampered["status"] = "pass".into();
    let body: serde_json::Value = upload(tampered.to_string()).await.json().await.unwrap();
    assert_eq!(body["status"], "fail");
    // Garbage is refused with a sentence.
    let r = upload("{\"not\":\"a report\"}".into()).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.text().await.unwrap().contains("not a postflow QC report"));

    // A passing master: automated checks pass, but the manual items still need a person.
    let r = upload(good_json).await;
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["status"], "pass", "{body}");
    let run_id = body["run_id"].as_i64().unwrap().to_string();
    let (status, html) = post_form(
        &producer,
        format!("{page}/qc-passed"),
        &[("csrf", &csrf), ("run_id", &run_id)],
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        html.contains("manual check manual.captions is not signed off"),
        "{html}"
    );

    // The client of another company cannot even see it; the own client can see but not sign.
    let other = signed_in(&app, "client@northbridge.example").await;
    let other_csrf = csrf_of(&other, &format!("{}/account", app.base)).await;
    assert_eq!(
        other.get(&page).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        other
            .get(format!("{page}/runs/{run_id}/report"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );
    for action in ["signoff", "qc-passed"] {
        let (status, _) = post_form(
            &other,
            format!("{page}/{action}"),
            &[
                ("csrf", &other_csrf),
                ("run_id", &run_id),
                ("check_id", "manual.captions"),
            ],
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{action}");
    }
    let own = signed_in(&app, "client@acme.example").await;
    let own_csrf = csrf_of(&own, &page).await;
    assert_eq!(
        own.get(&page).send().await.unwrap().status(),
        StatusCode::OK
    );
    let (status, _) = post_form(
        &own,
        format!("{page}/signoff"),
        &[
            ("csrf", &own_csrf),
            ("run_id", &run_id),
            ("check_id", "manual.captions"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // The editor on the project signs both manual items; then the producer reaches the milestone.
    let editor = signed_in(&app, "editor@demo.postflow").await;
    let ed_csrf = csrf_of(&editor, &page).await;
    for item in ["manual.captions", "manual.thumbnail"] {
        let (status, _) = post_form(
            &editor,
            format!("{page}/signoff"),
            &[("csrf", &ed_csrf), ("run_id", &run_id), ("check_id", item)],
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "sign {item}");
    }
    let (status, _) = post_form(
        &editor,
        format!("{page}/signoff"),
        &[
            ("csrf", &ed_csrf),
            ("run_id", &run_id),
            ("check_id", "video.codec"),
        ],
    )
    .await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "only manual items are signed"
    );
    let (status, _) = post_form(
        &editor,
        format!("{page}/qc-passed"),
        &[("csrf", &ed_csrf), ("run_id", &run_id)],
    )
    .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "artists do not set milestones"
    );
    let (status, _) = post_form(
        &producer,
        format!("{page}/qc-passed"),
        &[("csrf", &csrf), ("run_id", &run_id)],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let html = producer
        .get(&page)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("QC passed on") && html.contains("signed by Elena Editor"));
    let report = producer
        .get(format!("{page}/runs/{run_id}/report"))
        .send()
        .await
        .unwrap();
    assert_eq!(report.status(), StatusCode::OK);
    assert!(report.text().await.unwrap().contains("<svg"));

    // The API shows the milestone; a new run re-opens it.
    let list: serde_json::Value = api
        .get(format!(
            "{}/api/v1/projects/ACME-SPRING/deliverables",
            app.base
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ours = list
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == d.id)
        .unwrap();
    assert!(
        ours["qc_passed_at"].is_string() && ours["blockers"].as_array().unwrap().is_empty(),
        "{list}"
    );
    upload(bad_json).await;
    let after = app.store.deliverables_of(project.id).await.unwrap();
    assert!(after
        .iter()
        .find(|x| x.id == d.id)
        .unwrap()
        .qc_passed_at
        .is_none());
}

fn qc_json_with(path: &Path, profile: &str) -> serde_json::Value {
    let profiles = postflow_qc::ProfileSet::builtin();
    let p = profiles.get(profile).unwrap().clone();
    let report =
        postflow_qc::run_qc(path, &postflow_qc::QcOptions::new(vec![p]), &mut |_| {}).unwrap();
    serde_json::from_str(&report.to_json()).unwrap()
}

/// A project's new YouTube deliverable, a producer and an API upload for it.
struct Gate {
    producer: reqwest::Client,
    csrf: String,
    page: String,
    runs_url: String,
    token: String,
}

impl Gate {
    async fn new(app: &TestApp, name: &str) -> Gate {
        let producer = signed_in(app, "producer@demo.postflow").await;
        let base = format!("{}/projects/ACME-SPRING", app.base);
        let csrf = csrf_of(&producer, &base).await;
        let (status, _) = post_form(
            &producer,
            format!("{base}/deliverables"),
            &[
                ("csrf", &csrf),
                ("name", name),
                ("profile", "youtube"),
                ("layout", "stereo"),
            ],
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let project = app
            .store
            .project_by_code(&postflow_core::project::Code::parse("ACME-SPRING").unwrap())
            .await
            .unwrap()
            .unwrap();
        let d = app
            .store
            .deliverables_of(project.id)
            .await
            .unwrap()
            .into_iter()
            .find(|d| d.name == name)
            .unwrap();
        let token = create_token(app, &producer).await;
        Gate {
            producer,
            csrf,
            page: format!("{base}/deliverables/{}", d.id),
            runs_url: format!(
                "{}/api/v1/projects/ACME-SPRING/deliverables/{}/qc-runs",
                app.base, d.id
            ),
            token,
        }
    }

    /// Uploads a report; returns the run id.
    async fn upload(&self, report: &serde_json::Value) -> String {
        let r = reqwest::Client::new()
            .post(&self.runs_url)
            .bearer_auth(&self.token)
            .json(report)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED);
        let body: serde_json::Value = r.json().await.unwrap();
        body["run_id"].as_i64().unwrap().to_string()
    }

    async fn sign_manual_items(&self, run_id: &str) {
        for item in ["manual.captions", "manual.thumbnail"] {
            let (status, _) = post_form(
                &self.producer,
                format!("{}/signoff", self.page),
                &[("csrf", &self.csrf), ("run_id", run_id), ("check_id", item)],
            )
            .await;
            assert_eq!(status, StatusCode::SEE_OTHER, "sign {item}");
        }
    }

    async fn mark(&self, run_id: &str) -> (StatusCode, String) {
        post_form(
            &self.producer,
            format!("{}/qc-passed", self.page),
            &[("csrf", &self.csrf), ("run_id", run_id)],
        )
        .await
    }
}

async fn a_run_of_another_profile_or_without_checks_does_not_pass(backend: Backend) {
    let app = spawn_app(backend).await;
    let dir = tempfile::tempdir().unwrap();
    let master = dir.path().join("master.mp4");
    make_master(&master, "high");
    let g = Gate::new(&app, "YouTube master").await;

    // Evaluated against `basic` (what `qc --deliverable` used to default to): every check of
    // that run passes, but it says nothing about YouTube's rules.
    let basic = qc_json_with(&master, "basic");
    assert_eq!(basic["status"], "pass");
    let run = g.upload(&basic).await;
    let (status, html) = g.mark(&run).await;
    assert_eq!(status, StatusCode::CONFLICT, "{html}");
    assert!(
        html.contains("not evaluated against profile youtube"),
        "{html}"
    );

    // A YouTube report whose checks were dropped.
    let mut empty = qc_json_with(&master, "youtube");
    empty["checks"] = serde_json::json!([]);
    let run = g.upload(&empty).await;
    let (status, html) = g.mark(&run).await;
    assert_eq!(status, StatusCode::CONFLICT, "{html}");
    assert!(
        html.contains("lacks check video.codec of profile youtube"),
        "{html}"
    );

    // A report with one passing check removed is caught too.
    let mut partial = qc_json_with(&master, "youtube");
    partial["checks"]
        .as_array_mut()
        .unwrap()
        .retain(|c| c["id"] != "video.profile");
    let run = g.upload(&partial).await;
    g.sign_manual_items(&run).await;
    let (status, html) = g.mark(&run).await;
    assert_eq!(status, StatusCode::CONFLICT, "{html}");
    assert!(html.contains("lacks check video.profile"), "{html}");

    // The whole YouTube run, signed, passes.
    let run = g.upload(&qc_json_with(&master, "youtube")).await;
    g.sign_manual_items(&run).await;
    let (status, html) = g.mark(&run).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{html}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_of_another_profile_or_without_checks_does_not_pass_on_sqlite() {
    a_run_of_another_profile_or_without_checks_does_not_pass(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_of_another_profile_or_without_checks_does_not_pass_on_postgresql() {
    a_run_of_another_profile_or_without_checks_does_not_pass(Backend::Postgres).await;
}

async fn a_run_attached_after_the_page_was_loaded_makes_the_mark_refuse(backend: Backend) {
    let app = spawn_app(backend).await;
    let dir = tempfile::tempdir().unwrap();
    let master = dir.path().join("master.mp4");
    make_master(&master, "high");
    let report = qc_json_with(&master, "youtube");
    let g = Gate::new(&app, "YouTube master").await;
    let reviewed = g.upload(&report).await;
    g.sign_manual_items(&reviewed).await;
    // The producer loads the page: the form carries the run they review.
    let html = g
        .producer
        .get(&g.page)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains(&format!("value=\"{reviewed}\"")), "{html}");
    // Meanwhile a new (passing, but unsigned and unreviewed) run is attached.
    let newer = g.upload(&report).await;
    assert_ne!(newer, reviewed);
    let (status, html) = g.mark(&reviewed).await;
    assert_eq!(status, StatusCode::CONFLICT, "{html}");
    assert!(html.contains("A newer QC run arrived"), "{html}");
    let d = app
        .store
        .latest_qc_run(g.page.rsplit('/').next().unwrap().parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(d.id.to_string(), newer);
    let html = g
        .producer
        .get(&g.page)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!html.contains("QC passed on"), "{html}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_attached_after_the_page_was_loaded_makes_the_mark_refuse_on_sqlite() {
    a_run_attached_after_the_page_was_loaded_makes_the_mark_refuse(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_attached_after_the_page_was_loaded_makes_the_mark_refuse_on_postgresql() {
    a_run_attached_after_the_page_was_loaded_makes_the_mark_refuse(Backend::Postgres).await;
}
