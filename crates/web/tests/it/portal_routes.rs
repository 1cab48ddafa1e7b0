//! Route by route: every GET page of the app, visited as a client and as an artist over the demo
//! studio plus what a client must never see — a cost rate and a sell rate, an issued invoice,
//! studio volume names and a path on them in a QC report, probe strings, an internal task note,
//! an internal channel message, artists' names. Pages they may not open answer 403/404; pages
//! they may open carry none of those strings. The list of routes is checked against the page
//! modules' source, so a GET route added without being listed here fails the test.
use crate::common::*;
use postflow_app::access::local_operator;
use postflow_core::project::Code;
use reqwest::StatusCode;
use std::collections::BTreeSet;

/// What the seeding left behind, for the visits.
pub struct Seeded {
    pub ready_id: i64,
    pub ready_run: i64,
    pub failing_id: i64,
    pub invoice_id: i64,
    pub message_id: i64,
    pub task_key: String,
    pub resource_id: i64,
    /// Texts a client must never see.
    pub secret_for_client: Vec<String>,
    /// Texts an artist must never see (rates, costs, invoices).
    pub secret_for_artist: Vec<String>,
}

const INTERNAL_NOTE: &str = "Client is difficult, pad the grade by two days";
const INTERNAL_MESSAGE: &str = "Internal only: the agency's budget is nearly gone";
const VOLUME_PATH: &str = "/Volumes/RAID-A/ACME-SPRING/deliver/spring_master_v2.mp4";

fn qc_report(path: &std::path::Path, profile: &str) -> postflow_qc_model::QcReport {
    let profiles = postflow_qc::ProfileSet::builtin();
    let p = profiles.get(profile).unwrap().clone();
    let json = postflow_qc::run_qc(path, &postflow_qc::QcOptions::new(vec![p]), &mut |_| {})
        .unwrap()
        .to_json();
    postflow_qc_model::QcReport::from_json(&json).unwrap()
}

/// Seeds a QC'd, passed deliverable (awaiting the client), a failing one, an issued invoice, an
/// internal note and message, on top of the demo studio.
pub async fn seed(app: &TestApp) -> Seeded {
    let ctx = postflow_app::Context::new(app.store.clone());
    let op = local_operator();
    let project = app
        .store
        .project_by_code(&Code::parse("ACME-SPRING").unwrap())
        .await
        .unwrap()
        .unwrap();
    let ds = app.store.deliverables_of(project.id).await.unwrap();
    let ready = ds.iter().find(|d| d.name.starts_with("YouTube")).unwrap();
    let failing = ds.iter().find(|d| d.name.starts_with("Instagram")).unwrap();
    let producer = app
        .store
        .user_by_email("producer@demo.postflow")
        .await
        .unwrap()
        .unwrap();

    // Real files QC'd by the runner; the report names the file where it sits on a studio volume.
    let dir = tempfile::tempdir().unwrap();
    let master = dir.path().join("spring_master_v2.mp4");
    postflow_testkit::media::web_master(&master, 3, "high");
    let mut good = qc_report(&master, "youtube");
    good.file = VOLUME_PATH.into();
    let probe_string = good.probe.container_long.clone();
    let recorded = postflow_app::delivery::record_qc_run(&ctx, &op, "ACME-SPRING", ready.id, good)
        .await
        .unwrap();
    let ready_run = app.store.latest_qc_run(ready.id).await.unwrap().unwrap().id;
    let _ = recorded;
    app.store
        .mark_qc_passed(
            ready.id,
            ready_run,
            producer.id,
            "QC passed (test)".into(),
            |_, _, _| std::result::Result::Ok(()),
        )
        .await
        .unwrap();
    let mut bad = qc_report(&master, "instagram");
    bad.file = VOLUME_PATH.replace("v2", "v1");
    postflow_app::delivery::record_qc_run(&ctx, &op, "ACME-SPRING", failing.id, bad)
        .await
        .unwrap();

    // An internal note on a task and a message in the internal channel.
    let plan = postflow_app::plan::view(&ctx, &op, "ACME-SPRING", chrono::Utc::now().date_naive())
        .await
        .unwrap();
    let task = plan.tasks.iter().find(|t| t.milestone.is_none()).unwrap();
    let mut draft = postflow_app::plan::TaskDraft::of(task);
    draft.notes = INTERNAL_NOTE.into();
    postflow_app::plan::update_task(&ctx, &op, "ACME-SPRING", &task.key, None, &draft)
        .await
        .unwrap();
    let message = postflow_app::channels::post(
        &ctx,
        &op,
        "ACME-SPRING",
        postflow_app::channels::ChannelKind::Internal,
        &postflow_app::channels::PostInput {
            body: INTERNAL_MESSAGE.into(),
            reply_to: None,
            attachments: vec![],
        },
    )
    .await
    .unwrap();

    // The editor writes in the client channel and the producer makes it a decision: the
    // client reads both, the editor named by role, not by name (the setting is off).
    let editor_actor = app
        .store
        .list_users()
        .await
        .unwrap()
        .into_iter()
        .find(|u| u.name == "Elena Editor")
        .unwrap();
    let editor_actor = postflow_app::access::actor_for(&ctx, &editor_actor)
        .await
        .unwrap();
    let to_client = postflow_app::channels::post(
        &ctx,
        &editor_actor,
        "ACME-SPRING",
        postflow_app::channels::ChannelKind::Client,
        &postflow_app::channels::PostInput {
            body: "The warmer grade is on the review link".into(),
            reply_to: None,
            attachments: vec![],
        },
    )
    .await
    .unwrap();
    let producer_actor = postflow_app::access::actor_for(&ctx, &producer)
        .await
        .unwrap();
    postflow_app::channels::decide(&ctx, &producer_actor, to_client.id, "Warmer grade agreed")
        .await
        .unwrap();

    // A sell rate, approved billable time and an issued invoice to Acme.
    use postflow_app::billing::{self, ClientBillingDraft, DraftRequest, RateDraft, TermsDraft};
    use postflow_app::time::{self, EntryDraft};
    let activities = time::seed_activities(&ctx, &op).await.unwrap();
    let editing = activities.iter().find(|a| a.name == "Editing").unwrap().id;
    let card = billing::create_rate_card(&ctx, &op, "Studio", None, "EUR")
        .await
        .unwrap();
    let rate = RateDraft {
        kind: "sell".into(),
        unit: "hour".into(),
        activity: "Editing".into(),
        amount: "97.35".into(),
        effective_from: "2026-01-01".into(),
        ..Default::default()
    };
    billing::add_rate(&ctx, &op, card, &rate).await.unwrap();
    billing::set_client_billing(
        &ctx,
        &op,
        project.client_id,
        &ClientBillingDraft {
            legal_name: "Acme Productions Ltd".into(),
            address: "Dublin".into(),
            tax_id: "IE9876543W".into(),
            currency: "EUR".into(),
            tax: "19".into(),
            rate_card_id: None,
        },
    )
    .await
    .unwrap();
    billing::set_terms(
        &ctx,
        &op,
        "ACME-SPRING",
        &TermsDraft {
            kind: "time_and_materials".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    billing::create_series(
        &ctx,
        &op,
        postflow_store::billing::SeriesInput {
            code: "2026".into(),
            prefix: "PF-".into(),
            seller_name: "Demo Post GmbH".into(),
            seller_address: "Berlin".into(),
            seller_tax_id: "DE123456789".into(),
        },
    )
    .await
    .unwrap();
    let editor = app
        .store
        .user_by_email("editor@demo.postflow")
        .await
        .unwrap()
        .unwrap();
    let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 2).unwrap();
    time::log_time(
        &ctx,
        &op,
        &EntryDraft {
            project_code: "ACME-SPRING".into(),
            user_id: Some(editor.id),
            activity_id: editing,
            date: "2026-11-02".into(),
            duration: "7:30".into(),
            billable: true,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    time::approve_week(&ctx, &op, editor.id, day).await.unwrap();
    let draft = billing::generate_draft(
        &ctx,
        &op,
        &DraftRequest {
            project_code: "ACME-SPRING".into(),
            series_code: "2026".into(),
            from: "2026-11-01".into(),
            to: "2026-11-30".into(),
            instalments: vec![],
            due_days: Some(30),
            milestone: String::new(),
        },
    )
    .await
    .unwrap();
    let invoice = billing::issue(
        &ctx,
        &op,
        draft.invoice.id,
        day + chrono::Duration::days(28),
    )
    .await
    .unwrap();
    let resource_id = app.store.list_resources().await.unwrap()[0].id;
    // Catalogued media on two studio volumes (the demo registers them).
    {
        use postflow_core::integrity::{CopyState, VolumeLabel};
        use postflow_store::catalog::*;
        let at = chrono::Utc::now();
        let volumes = ["RAID-A", "SHUTTLE-07"];
        let record = CatalogRecord {
            kind: EventKind::Ingest,
            project: Some("ACME-SPRING".into()),
            source: "/Volumes/SHUTTLE-07/A001".into(),
            at,
            volumes: volumes
                .iter()
                .map(|v| VolumeRef {
                    label: VolumeLabel::parse(v).unwrap(),
                    path: format!("/Volumes/{v}"),
                })
                .collect(),
            files: vec![RecordedFile {
                path: "A001/Clips/A001C001.mov".into(),
                size: Some(2_000_000),
                modified: Some(at),
                checksums: [("xxh64".to_string(), "0123456789abcdef".to_string())].into(),
                original_path: None,
                copies: volumes
                    .iter()
                    .map(|v| RecordedCopy {
                        volume: VolumeLabel::parse(v).unwrap(),
                        path_on_volume: format!("/Volumes/{v}/A001/Clips/A001C001.mov"),
                        state: CopyState::Verified,
                        verified_at: Some(at),
                    })
                    .collect(),
            }],
            complete: true,
            report: serde_json::json!({}),
        };
        app.store
            .record_catalog(None, "seed", &record)
            .await
            .unwrap();
    }

    let artists = [
        "Elena Editor",
        "Sam Assistant",
        "Carlos Colorist",
        "Mia Mixer",
        "Victor VFX",
    ];
    let for_artist: Vec<String> = [
        "97.35",  // the sell rate
        "125.00", // the colorist's cost rate
        "Acme Productions Ltd",
        "IE9876543W",
        invoice.number_text.as_deref().unwrap(),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let mut for_client = for_artist.clone();
    // A client sees their own invoice only on the portal when the studio allows it (off here).
    for_client.extend(
        [
            "RAID-A",
            "SHUTTLE-07",
            "LTO-000123",
            "/Volumes/",
            INTERNAL_NOTE,
            INTERNAL_MESSAGE,
            probe_string.as_str(),
        ]
        .iter()
        .map(|s| s.to_string()),
    );
    for_client.extend(artists.iter().map(|s| s.to_string()));
    Seeded {
        ready_id: ready.id,
        ready_run,
        failing_id: failing.id,
        invoice_id: invoice.id,
        message_id: message.id,
        task_key: task.key.clone(),
        resource_id,
        secret_for_client: for_client,
        secret_for_artist: for_artist,
    }
}

/// What a person may get from a page: `Ok` (200, and clean), `Deny` (403 or 404), `Any` (no
/// server error; whatever it shows is clean — redirects and refusals included).
#[derive(Clone, Copy, Debug, PartialEq)]
enum May {
    Ok,
    Deny,
    Any,
}
use May::*;

/// Every GET page route: (route as registered, what a client may, what an artist may).
const ROUTES: &[(&str, May, May)] = &[
    ("/", Ok, Ok),
    ("/login", Any, Any),
    ("/account", Ok, Ok),
    ("/account/notifications", Any, Any),
    ("/admin", Deny, Deny),
    ("/admin/users", Deny, Deny),
    ("/admin/users/new", Deny, Deny),
    ("/admin/users/{id}", Deny, Deny),
    ("/admin/clients", Deny, Deny),
    ("/admin/clients/new", Deny, Deny),
    ("/admin/clients/{id}", Deny, Deny),
    ("/admin/webhooks", Deny, Deny),
    ("/admin/webhooks/{id}", Deny, Deny),
    ("/admin/mail", Deny, Deny),
    ("/billing", Deny, Deny),
    ("/billing/reports", Deny, Deny),
    ("/billing/reports.csv", Deny, Deny),
    ("/billing/invoices/{id}", Deny, Deny),
    ("/billing/invoices/{id}/print", Deny, Deny),
    ("/billing/invoices/{id}/lines.csv", Deny, Deny),
    ("/billing/invoices/{id}/invoice.pdf", Deny, Deny),
    ("/projects/{code}/channel", Deny, Ok),
    ("/projects/{code}/client-channel", Any, Any),
    ("/messages/{id}", Deny, Any),
    ("/search", Any, Any),
    ("/qc", Deny, Ok),
    ("/projects/{code}/deliverables/{id}", Any, Ok),
    (
        "/projects/{code}/deliverables/{id}/runs/{run}/report",
        Any,
        Ok,
    ),
    ("/projects.csv", Any, Any),
    ("/projects/{code}/plan/tasks.csv", Deny, Ok),
    ("/projects/{code}/media.csv", Any, Ok),
    ("/bookings.csv", Deny, Any),
    ("/qc.csv", Deny, Any),
    ("/calendar-feeds", Any, Any),
    ("/feeds/{file}", Deny, Deny),
    ("/inbox", Ok, Ok),
    ("/inbox/unread", Ok, Ok),
    ("/jobs", Deny, Ok),
    ("/projects/{code}/jobs", Deny, Any),
    ("/projects/{code}/relinks.csv", Deny, Any),
    ("/events", Any, Any),
    ("/media", Deny, Ok),
    ("/projects/{code}/media", Any, Ok),
    ("/projects/{code}/plan", Deny, Ok),
    ("/projects/{code}/plan/tasks/{key}", Deny, Ok),
    ("/schedule", Deny, Ok),
    ("/my-work", Deny, Ok),
    ("/portal", Ok, Ok),
    ("/portal/deliverables/{id}/report", Ok, Ok),
    ("/projects", Ok, Ok),
    ("/projects/new", Deny, Deny),
    ("/projects/{code}", Ok, Ok),
    ("/projects/{code}/edit", Deny, Deny),
    // Quotes are sent to the client to accept or decline.
    ("/projects/{code}/billing", Any, Deny),
    ("/projects/{code}/quotes/{id}", Any, Deny),
    ("/projects/{code}/quotes/{id}/print", Any, Deny),
    ("/projects/{code}/quotes/{id}/quote.pdf", Any, Deny),
    ("/resources", Deny, Any),
    ("/resources/{id}", Deny, Any),
    ("/board", Deny, Any),
    ("/schedule/scenarios", Deny, Any),
    ("/schedule/scenarios/{id}", Deny, Any),
    ("/time", Deny, Ok),
];

/// The GET routes the page modules register, read from their source: `.route("…", get(` and
/// `.route("…", post(…).get(`, whitespace-insensitive.
fn registered_get_routes() -> BTreeSet<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/pages");
    let mut out = BTreeSet::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let src: String = std::fs::read_to_string(&path)
            .unwrap()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let mut rest = src.as_str();
        while let Some(at) = rest.find(".route(") {
            rest = &rest[at + ".route(".len()..];
            let Some(open) = rest.find('"') else { break };
            let after = &rest[open + 1..];
            let Some(close) = after.find('"') else { break };
            let route = &after[..close];
            // The method chain up to the next route.
            let tail = &after[close..];
            let chain_end = [tail.find(".route("), tail.find('}'), tail.find(';')]
                .into_iter()
                .flatten()
                .min()
                .unwrap_or(tail.len());
            let chain = tail[..chain_end].replace(' ', "");
            if chain.starts_with("\",get(") || chain.contains(".get(") {
                out.insert(route.to_string());
            }
        }
    }
    out
}

struct Visit<'a> {
    code: &'a str,
    s: &'a Seeded,
}

fn url_for(route: &str, v: &Visit) -> String {
    let id = if route.contains("/deliverables/") || route.starts_with("/portal/") {
        v.s.ready_id.to_string()
    } else if route.starts_with("/billing/invoices/") {
        v.s.invoice_id.to_string()
    } else if route.starts_with("/messages/") {
        v.s.message_id.to_string()
    } else if route.starts_with("/resources/") {
        v.s.resource_id.to_string()
    } else {
        "1".to_string()
    };
    let mut url = route
        .replace("{code}", v.code)
        .replace("{id}", &id)
        .replace("{run}", &v.s.ready_run.to_string())
        .replace("{key}", &v.s.task_key)
        .replace("{file}", "not-a-feed.ics");
    if route == "/search" {
        url.push_str("?q=budget");
    }
    url
}

async fn check_as(app: &TestApp, s: &Seeded, email: &str, client: bool, other_project: &str) {
    let c = signed_in(app, email).await;
    let secrets = if client {
        &s.secret_for_client
    } else {
        &s.secret_for_artist
    };
    let mut problems = Vec::new();
    let registered = registered_get_routes();
    for (route, as_client, as_artist) in ROUTES {
        if !registered.contains(*route) {
            continue; // listed for a page another change has not brought yet
        }
        let may = if client { *as_client } else { *as_artist };
        let mut visits = vec![(
            url_for(
                route,
                &Visit {
                    code: "ACME-SPRING",
                    s,
                },
            ),
            may,
        )];
        if route.contains("{code}") {
            // Another company's project (a client), a project one is not on (an artist).
            visits.push((
                url_for(
                    route,
                    &Visit {
                        code: other_project,
                        s,
                    },
                ),
                Deny,
            ));
        }
        for (url, may) in visits {
            let r = c.get(format!("{}{url}", app.base)).send().await.unwrap();
            let status = r.status();
            if route == &"/events" {
                // A stream of server-sent events: the status only.
                if status.is_server_error() {
                    problems.push(format!("{email} {url}: {status}"));
                }
                continue;
            }
            let body = r.text().await.unwrap_or_default();
            let ok = match may {
                Ok => status == StatusCode::OK,
                Deny => status == StatusCode::FORBIDDEN || status == StatusCode::NOT_FOUND,
                Any => !status.is_server_error(),
            };
            if !ok {
                problems.push(format!("{email} {url}: {status}, expected {may:?}"));
            }
            for secret in secrets {
                if body.contains(secret.as_str()) {
                    problems.push(format!("{email} {url} ({status}) shows {secret:?}"));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

async fn every_page_as_client_and_artist(app: TestApp) {
    let s = seed(&app).await;
    // Every GET page is classified here.
    let listed: BTreeSet<String> = ROUTES.iter().map(|r| r.0.to_string()).collect();
    let unlisted: Vec<String> = registered_get_routes()
        .difference(&listed)
        .cloned()
        .collect();
    assert!(
        unlisted.is_empty(),
        "GET routes not in portal_routes::ROUTES (say what a client and an artist may): {unlisted:?}"
    );
    check_as(&app, &s, "client@acme.example", true, "NB-HARBOUR").await;
    check_as(&app, &s, "editor@demo.postflow", false, "LUMEN-NOVA").await;
}

/// The client's portal itself: the timeline, the pending approval, plain verdicts, the
/// printable summary; an approval through the API, recorded, audited and told to the producer.
async fn portal_shows_and_records_approvals(app: TestApp) {
    let s = seed(&app).await;
    let c = signed_in(&app, "client@acme.example").await;
    let home = c.get(format!("{}/", app.base)).send().await.unwrap();
    assert_eq!(home.status(), StatusCode::OK);
    let html = home.text().await.unwrap();
    assert!(html.contains("id=\"timeline-ACME-SPRING\""), "timeline SVG");
    assert!(html.contains("class=\"today\""));
    assert!(html.contains(&format!("id=\"approval-{}\"", s.ready_id)));
    // The client channel names the studio's people by role until the studio shows names.
    let channel_url = format!("{}/projects/ACME-SPRING/client-channel", app.base);
    let page = c
        .get(&channel_url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("The warmer grade is on the review link"));
    assert!(page.contains("Warmer grade agreed"));
    assert!(!page.contains("Elena Editor") && !page.contains("Priya Producer"));
    assert!(page.contains("<strong>Editor</strong>"), "named by title");
    let ctx = postflow_app::Context::new(app.store.clone());
    postflow_app::portal::set_settings(
        &ctx,
        &local_operator(),
        postflow_app::portal::PortalSettings {
            show_artist_names: true,
            show_invoices: false,
        },
    )
    .await
    .unwrap();
    let page = c
        .get(&channel_url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Elena Editor"),
        "named once the studio allows it"
    );
    postflow_app::portal::set_settings(&ctx, &local_operator(), Default::default())
        .await
        .unwrap();
    assert!(html.contains("Passed QC — ready for your approval"));
    assert!(html.contains("Needs fixes:"), "the failing cut-down");
    assert!(html.contains("/projects/ACME-SPRING/client-channel"));
    assert!(!html.contains("Elena Editor") && html.contains("Editor"));
    assert!(!html.contains("id=\"invoices\""), "invoices off by default");
    let report = c
        .get(format!(
            "{}/portal/deliverables/{}/report",
            app.base, s.failing_id
        ))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(report.contains("What needs fixing") && report.contains("spring_master_v1.mp4"));

    // Asking for changes without saying what is refused, the input kept.
    let csrf = input_value(&html, "csrf").unwrap();
    let r = c
        .post(format!(
            "{}/portal/deliverables/{}/approval",
            app.base, s.ready_id
        ))
        .form(&[
            ("csrf", csrf.as_str()),
            ("decision", "changes"),
            ("comment", " "),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.text().await.unwrap().contains("Say what should change"));

    // Approved through the API.
    let token = create_token(&app, &c).await;
    let api = reqwest::Client::new();
    let portal: serde_json::Value = api
        .get(format!("{}/api/v1/portal", app.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(portal["awaiting_approval"][0]["id"], s.ready_id);
    assert!(portal["projects"][0]["milestones"].as_array().is_some());
    let r = api
        .post(format!(
            "{}/api/v1/deliverables/{}/approval",
            app.base, s.ready_id
        ))
        .bearer_auth(&token)
        .json(&serde_json::json!({"decision": "approve", "comment": "Lovely, thank you"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let again = api
        .post(format!(
            "{}/api/v1/deliverables/{}/approval",
            app.base, s.ready_id
        ))
        .bearer_auth(&token)
        .json(&serde_json::json!({"decision": "approve"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        again.status(),
        StatusCode::CONFLICT,
        "answered once per QC pass"
    );
    let failing = api
        .post(format!(
            "{}/api/v1/deliverables/{}/approval",
            app.base, s.failing_id
        ))
        .bearer_auth(&token)
        .json(&serde_json::json!({"decision": "approve"}))
        .send()
        .await
        .unwrap();
    assert_eq!(failing.status(), StatusCode::CONFLICT, "not passed QC yet");

    // Audited, and the producer told.
    let audit = app.store.recent_audit(50).await.unwrap();
    assert!(audit
        .iter()
        .any(|a| a.action == "approve" && a.entity == "deliverable"));
    let producer = app
        .store
        .user_by_email("producer@demo.postflow")
        .await
        .unwrap()
        .unwrap();
    let inbox = app.store.notifications_of(producer.id, 10).await.unwrap();
    assert!(
        inbox.iter().any(|n| n.title.contains("approved")),
        "{inbox:?}"
    );
    // Another company's client cannot answer for Acme.
    let nb = signed_in(&app, "client@northbridge.example").await;
    let nb_token = create_token(&app, &nb).await;
    let r = api
        .post(format!(
            "{}/api/v1/deliverables/{}/approval",
            app.base, s.ready_id
        ))
        .bearer_auth(&nb_token)
        .json(&serde_json::json!({"decision": "changes", "comment": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

postflow_testkit::app_backends!(
    every_page_as_client_and_artist,
    portal_shows_and_records_approvals
);
