//! Project pages over HTTP: removing someone from a team asks first (also without JavaScript),
//! and the project list is searched and paged by the server.

use crate::common::*;
use reqwest::StatusCode;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn removing_a_team_member_asks_first() {
    let app = spawn_app(Backend::Sqlite).await;
    let c = signed_in(&app, "producer@demo.postflow").await;
    let code = postflow_core::project::Code::parse("ACME-SPRING").unwrap();
    let project = app.store.project_by_code(&code).await.unwrap().unwrap();
    let members = app.store.project_member_ids(project.id).await.unwrap();
    let someone = *members.first().expect("the demo project has a team");
    let url = format!("{}/projects/ACME-SPRING/members/{someone}/remove", app.base);
    let page = c
        .get(format!("{}/projects/ACME-SPRING", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("data-confirm=\"Remove "),
        "the button asks in the browser"
    );
    let csrf = input_value(&page, "csrf").unwrap();

    // Without confirmation (no JavaScript ran): a page that asks, and nobody is removed.
    let r = c
        .post(&url)
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(html.contains("Remove from team"), "{html}");
    assert!(app
        .store
        .project_member_ids(project.id)
        .await
        .unwrap()
        .contains(&someone));

    let r = c
        .post(&url)
        .form(&[("csrf", csrf.as_str()), ("confirmed", "yes")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(!app
        .store
        .project_member_ids(project.id)
        .await
        .unwrap()
        .contains(&someone));
    let audit = app.store.recent_audit(1).await.unwrap();
    assert!(
        audit[0].detail.starts_with("removed "),
        "{}",
        audit[0].detail
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_project_list_is_searched_and_paged_by_the_server() {
    let app = spawn_app(Backend::Sqlite).await;
    let c = signed_in(&app, "producer@demo.postflow").await;
    let ctx = postflow_app::Context::new(app.store.clone());
    let producer = app
        .store
        .user_by_email("producer@demo.postflow")
        .await
        .unwrap()
        .unwrap();
    let actor = postflow_app::access::actor_for(&ctx, &producer)
        .await
        .unwrap();
    let client_id = app.store.list_clients(false).await.unwrap()[0].id;
    for i in 0..60 {
        let draft = postflow_app::projects::ProjectDraft {
            code: format!("BULK-{i:03}"),
            name: format!("Bulk spot {i}"),
            client_id: client_id.to_string(),
            status: "bidding".into(),
            ..Default::default()
        };
        postflow_app::projects::create(&ctx, &actor, &draft)
            .await
            .unwrap();
    }
    let page = |q: &str| {
        let c = c.clone();
        let url = format!("{}/projects?{q}", app.base);
        async move { c.get(url).send().await.unwrap().text().await.unwrap() }
    };
    let first = page("q=bulk").await;
    assert_eq!(first.matches("class=\"project-row\"").count(), 50);
    assert!(first.contains("Page 1 of 2 · 60 projects"), "pager shown");
    assert!(first.contains("rel=\"next\""));
    let second = page("q=bulk&page=2").await;
    assert_eq!(second.matches("class=\"project-row\"").count(), 10);
    assert!(second.contains("BULK-059") && !second.contains("BULK-000"));
    let one = page("q=spot+42").await;
    assert_eq!(one.matches("class=\"project-row\"").count(), 1);
    assert!(!one.contains("rel=\"next\""));
}

/// A refused deliverable comes back on the project page with the reason beside the form, the
/// input kept and the focus on the refused field; nothing is created.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_deliverable_keeps_its_input() {
    let app = spawn_app(Backend::Sqlite).await;
    let c = signed_in(&app, "producer@demo.postflow").await;
    let code = postflow_core::project::Code::parse("ACME-BRAND").unwrap();
    let project = app.store.project_by_code(&code).await.unwrap().unwrap();
    let before = app.store.deliverables_of(project.id).await.unwrap().len();
    let csrf = csrf_of(&c, &format!("{}/projects/ACME-BRAND", app.base)).await;
    let r = c
        .post(format!("{}/projects/ACME-BRAND/deliverables", app.base))
        .form(&[
            ("csrf", csrf.as_str()),
            ("name", "Cinema DCP reel 1"),
            ("profile", "youtube"),
            ("layout", "9.1.6"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("value=\"Cinema DCP reel 1\""),
        "the name is kept"
    );
    assert!(
        html.contains("<option value=\"youtube\" selected"),
        "the profile is kept"
    );
    assert!(
        html.contains("layout: &quot;9.1.6&quot; is not one of")
            || html.contains("layout: &#34;9.1.6&#34; is not one of"),
        "{html}"
    );
    assert!(html.contains("aria-label=\"Mix format\" aria-invalid=\"true\" aria-describedby=\"deliverable-error\" autofocus"));
    assert_eq!(
        app.store.deliverables_of(project.id).await.unwrap().len(),
        before
    );

    let r = c
        .post(format!("{}/projects/ACME-BRAND/deliverables", app.base))
        .form(&[
            ("csrf", csrf.as_str()),
            ("name", "Cinema DCP reel 1"),
            ("profile", "youtube"),
            ("layout", "5.1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.store.deliverables_of(project.id).await.unwrap().len(),
        before + 1
    );
    assert_eq!(
        app.store.recent_audit(1).await.unwrap()[0].detail,
        "added deliverable Cinema DCP reel 1 to ACME-BRAND"
    );
}
