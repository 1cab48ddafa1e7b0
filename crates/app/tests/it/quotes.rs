//! Quotes on both stores, every amount computed by hand: a quote from a seeded plan (hours and
//! days, an activity rate, a role rate, a day rate, VAT per rate, the included rounds), a
//! discount, sending it, the client's view (no drafts, no stages or planned hours), accepting
//! it (it becomes the budget per stage and for the project), and a later accepted quote
//! superseding it; and the refusals.

use chrono::NaiveDate;
use postflow_app::billing::{self, ClientBillingDraft, LineDraft, RateDraft, TermsDraft};
use postflow_app::plan::{self, TaskDraft};
use postflow_app::quotes::{self, QuoteLineDraft, QuoteRequest};
use postflow_app::time::{self, EntryDraft};
use postflow_app::{AppError, Context};
use postflow_core::access::{Actor, Role};
use postflow_core::project::{Code, ProjectStatus};
use postflow_store::studio::ProjectInput;
use postflow_store::Store;

use crate::support::{actor, client, user};

backends!(
    a_quote_from_the_plan_adds_up_and_accepted_becomes_the_budget,
    quotes_refuse_what_they_must,
    budget_crossings_reach_the_producer_once,
);

struct Seeded {
    ctx: Context,
    paula: Actor,
    cleo: Actor,
    eddie: Actor,
}

fn task(key: &str, stage: &str, duration: &str, skill: &str) -> TaskDraft {
    TaskDraft {
        key: key.into(),
        name: key.replace('_', " "),
        stage: stage.into(),
        duration: duration.into(),
        status: String::new(),
        skill: skill.into(),
        ..Default::default()
    }
}

/// Acme's spot: edit (3 days + 10 h), color (2 days), sound (3 h of effects + 5 h of mix by a
/// mixer); the studio's card: editing 92.35/h, grading 1200.00/day, sound design 85.00/h and
/// 110.00/h for a mixer; 19 % VAT; two revision rounds included.
async fn seed(store: &Store) -> Seeded {
    let ctx = Context::new(store.clone());
    let paula = actor(
        store,
        &user(store, "paula@studio.test", Role::Producer, None).await,
    )
    .await;
    let acme = client(store, "ACME").await;
    let project = store
        .create_project(ProjectInput {
            code: Code::parse("ACME-SPOT").unwrap(),
            name: "Spring spot".into(),
            client_id: acme,
            status: ProjectStatus::Editorial,
            start_date: None,
            due_date: None,
        })
        .await
        .unwrap();
    store
        .set_project_owner(project.id, Some(paula.user_id))
        .await
        .unwrap();
    for (i, (key, name)) in [("edit", "Edit"), ("color", "Color"), ("sound", "Sound")]
        .into_iter()
        .enumerate()
    {
        store
            .add_stage(project.id, key, name, i as i64 + 1)
            .await
            .unwrap();
    }
    // Listed out of stage order on purpose: lines follow the plan's stages.
    for t in [
        task("grade", "color", "2d", "colorist"),
        task("assembly", "edit", "3d", "editor"),
        task("fine_cut", "edit", "10h", "editor"),
        task("sfx", "sound", "3h", ""),
        task("mix", "sound", "5h", "mixer"),
    ] {
        plan::add_task(&ctx, &paula, "ACME-SPOT", None, &t)
            .await
            .unwrap();
    }
    time::seed_activities(&ctx, &paula).await.unwrap();
    let card = billing::create_rate_card(&ctx, &paula, "Studio 2026", None, "EUR")
        .await
        .unwrap();
    let rate = |activity: &str, role: &str, unit: &str, amount: &str| RateDraft {
        kind: "sell".into(),
        unit: unit.into(),
        role: role.into(),
        activity: activity.into(),
        amount: amount.into(),
        effective_from: "2026-01-01".into(),
        ..Default::default()
    };
    for r in [
        rate("Editing", "", "hour", "92.35"),
        rate("Color grading", "", "day", "1200.00"),
        rate("Sound design", "", "hour", "85.00"),
        rate("Sound design", "mixer", "hour", "110.00"),
    ] {
        billing::add_rate(&ctx, &paula, card, &r).await.unwrap();
    }
    // A cost rate the client must never see.
    let mut cost = rate("Editing", "", "hour", "41.00");
    cost.kind = "cost".into();
    billing::add_rate(&ctx, &paula, card, &cost).await.unwrap();
    billing::set_client_billing(
        &ctx,
        &paula,
        acme,
        &ClientBillingDraft {
            legal_name: "Acme Films Ltd".into(),
            address: "1 Main Street, Dublin".into(),
            tax_id: "IE1234567T".into(),
            currency: "EUR".into(),
            tax: "19".into(),
            rate_card_id: None,
        },
    )
    .await
    .unwrap();
    billing::set_terms(
        &ctx,
        &paula,
        "ACME-SPOT",
        &TermsDraft {
            kind: "time_and_materials".into(),
            included_rounds: 2,
            extra_round_price: "500.00".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let cleo = actor(
        store,
        &user(store, "cleo@acme.test", Role::Client, Some(acme)).await,
    )
    .await;
    let eddie_user = user(store, "eddie@studio.test", Role::Artist, None).await;
    store
        .add_project_member(project.id, eddie_user.id)
        .await
        .unwrap();
    let eddie = actor(store, &eddie_user).await;
    Seeded {
        ctx,
        paula,
        cleo,
        eddie,
    }
}

fn request() -> QuoteRequest {
    QuoteRequest {
        title: "Spring spot, full post".into(),
        valid_days: Some(30),
        date: NaiveDate::from_ymd_opt(2026, 11, 2),
        ..Default::default()
    }
}

async fn budgets(store: &Store) -> Vec<(String, Option<i64>, Option<i64>)> {
    let p = store
        .project_by_code(&Code::parse("ACME-SPOT").unwrap())
        .await
        .unwrap()
        .unwrap();
    let mut b: Vec<_> = store
        .stage_budgets(p.id)
        .await
        .unwrap()
        .into_iter()
        .map(|b| (b.name, b.minutes, b.sell_minor))
        .collect();
    b.sort();
    b
}

async fn a_quote_from_the_plan_adds_up_and_accepted_becomes_the_budget(store: &Store) {
    let s = seed(store).await;
    let v = quotes::create_quote(&s.ctx, &s.paula, "ACME-SPOT", &request())
        .await
        .unwrap();
    let lines: Vec<(&str, &str, i64, i64)> = v
        .lines
        .iter()
        .map(|l| {
            (
                l.description.as_str(),
                l.stage.as_str(),
                l.minutes,
                l.net_minor,
            )
        })
        .collect();
    // edit: 3 days × 480 min + 10 h = 34 h × 92.35 = 3139.90
    // color: 2 days = 960 min at 1200.00/day = 2400.00
    // sound: 3 h × 85.00 = 255.00 (no role) and 5 h × 110.00 = 550.00 (the mixer's rate)
    // the two included rounds at no charge
    assert_eq!(
        lines,
        vec![
            ("Edit: Editing", "edit", 2040, 313_990),
            ("Color: Color grading", "color", 960, 240_000),
            ("Sound: Sound design", "sound", 180, 25_500),
            ("Sound: Sound design", "sound", 300, 55_000),
            ("Revision rounds included: 2", "", 0, 0),
        ]
    );
    // net 6344.90; VAT 19 % of it = 1205.531 → 1205.53; total 7550.43
    assert_eq!(
        (v.quote.net_minor, v.quote.tax_minor, v.quote.gross_minor),
        (634_490, 120_553, 755_043)
    );
    let sum: i64 = v.lines.iter().map(|l| l.gross_minor).sum();
    assert_eq!(sum, v.quote.gross_minor);
    assert_eq!(v.quote.state, "draft");
    assert_eq!(v.quote.number, 1);
    assert_eq!(v.quote.valid_until, NaiveDate::from_ymd_opt(2026, 12, 2));
    assert!(v.internal);

    // The client does not see a draft; the artist sees no quote at all.
    assert!(matches!(
        quotes::quote_view(&s.ctx, &s.cleo, v.quote.id).await,
        Err(AppError::NotFound(_))
    ));
    assert!(quotes::quotes(&s.ctx, &s.cleo, "ACME-SPOT")
        .await
        .unwrap()
        .is_empty());
    assert!(quotes::quote_view(&s.ctx, &s.eddie, v.quote.id)
        .await
        .is_err());

    // 10 % off every line: 2825.91 + 2160.00 + 229.50 + 495.00 = 5710.41; VAT 1084.9779 →
    // 1084.98; total 6795.39.
    let v = quotes::set_quote_discount(&s.ctx, &s.paula, v.quote.id, "10")
        .await
        .unwrap();
    assert_eq!(
        (v.quote.net_minor, v.quote.tax_minor, v.quote.gross_minor),
        (571_041, 108_498, 679_539)
    );
    // A line added and removed again changes nothing in the end.
    let extra = QuoteLineDraft {
        line: LineDraft {
            description: "Conform".into(),
            quantity: "2".into(),
            unit: "hour".into(),
            unit_price: "90.00".into(),
            discount: "10".into(),
            tax: String::new(),
        },
        stage: "edit".into(),
    };
    let added = quotes::add_quote_line(&s.ctx, &s.paula, v.quote.id, &extra)
        .await
        .unwrap();
    assert_eq!(added.lines.len(), 6);
    assert_eq!(
        (added.lines[5].minutes, added.lines[5].net_minor),
        (120, 16_200)
    );
    let v = quotes::remove_quote_line(&s.ctx, &s.paula, v.quote.id, 6)
        .await
        .unwrap();
    assert_eq!(v.quote.gross_minor, 679_539);
    // Only billing staff change quotes.
    assert!(
        quotes::set_quote_discount(&s.ctx, &s.cleo, v.quote.id, "50")
            .await
            .is_err()
    );

    // Sent: the client sees it, sell prices only.
    let sent = quotes::send_quote(&s.ctx, &s.paula, v.quote.id)
        .await
        .unwrap();
    assert_eq!(sent.quote.state, "sent");
    let seen = quotes::quote_view(&s.ctx, &s.cleo, v.quote.id)
        .await
        .unwrap();
    assert!(!seen.internal);
    assert_eq!(seen.rate_card, None);
    assert_eq!(seen.quote.gross_minor, 679_539);
    assert_eq!(
        quotes::quotes(&s.ctx, &s.cleo, "ACME-SPOT")
            .await
            .unwrap()
            .len(),
        1
    );
    // A sent quote no longer changes.
    let err = quotes::set_quote_discount(&s.ctx, &s.paula, v.quote.id, "20")
        .await
        .unwrap_err();
    assert!(
        matches!(err, AppError::Conflict(ref m) if m.contains("only a draft")),
        "{err:?}"
    );
    // The artist may not decide it.
    assert!(quotes::decide_quote(&s.ctx, &s.eddie, v.quote.id, true)
        .await
        .is_err());

    // The client accepts: the budget per stage is its hours and discounted net money.
    assert!(budgets(store).await.is_empty());
    let accepted = quotes::decide_quote(&s.ctx, &s.cleo, v.quote.id, true)
        .await
        .unwrap();
    assert_eq!(accepted.quote.state, "accepted");
    assert_eq!(accepted.quote.decided_by, Some(s.cleo.user_id));
    assert_eq!(
        budgets(store).await,
        vec![
            ("*".into(), Some(3480), Some(571_041)),
            ("color".into(), Some(960), Some(216_000)),
            ("edit".into(), Some(2040), Some(282_591)),
            ("sound".into(), Some(480), Some(72_450)),
        ]
    );
    let (report, _) = billing::budget_report(&s.ctx, &s.paula, "ACME-SPOT")
        .await
        .unwrap();
    assert_eq!(report.len(), 4);
    // Deciding twice is refused.
    assert!(matches!(
        quotes::decide_quote(&s.ctx, &s.cleo, v.quote.id, false).await,
        Err(AppError::Conflict(_))
    ));

    // A second quote without the discount, accepted by the producer, supersedes the first.
    let second = quotes::create_quote(&s.ctx, &s.paula, "ACME-SPOT", &request())
        .await
        .unwrap();
    assert_eq!(second.quote.number, 2);
    quotes::send_quote(&s.ctx, &s.paula, second.quote.id)
        .await
        .unwrap();
    quotes::decide_quote(&s.ctx, &s.paula, second.quote.id, true)
        .await
        .unwrap();
    let first = quotes::quote_view(&s.ctx, &s.paula, v.quote.id)
        .await
        .unwrap();
    assert_eq!(first.quote.state, "superseded");
    assert_eq!(
        budgets(store).await,
        vec![
            ("*".into(), Some(3480), Some(634_490)),
            ("color".into(), Some(960), Some(240_000)),
            ("edit".into(), Some(2040), Some(313_990)),
            ("sound".into(), Some(480), Some(80_500)),
        ]
    );
    // A third, declined, leaves the budget alone.
    let third = quotes::create_quote(&s.ctx, &s.paula, "ACME-SPOT", &request())
        .await
        .unwrap();
    quotes::send_quote(&s.ctx, &s.paula, third.quote.id)
        .await
        .unwrap();
    let declined = quotes::decide_quote(&s.ctx, &s.cleo, third.quote.id, false)
        .await
        .unwrap();
    assert_eq!(declined.quote.state, "declined");
    assert_eq!(
        budgets(store).await[0],
        ("*".into(), Some(3480), Some(634_490))
    );
}

async fn quotes_refuse_what_they_must(store: &Store) {
    let s = seed(store).await;
    // A stage whose activity has no rate names the activity, and nothing is saved.
    let mut req = request();
    req.activities = vec![("color".into(), "VFX".into())];
    let err = quotes::create_quote(&s.ctx, &s.paula, "ACME-SPOT", &req)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("\"VFX\""), "{err}");
    assert!(quotes::quotes(&s.ctx, &s.paula, "ACME-SPOT")
        .await
        .unwrap()
        .is_empty());
    // Clients and artists cannot draft one.
    for who in [&s.cleo, &s.eddie] {
        assert!(quotes::create_quote(&s.ctx, who, "ACME-SPOT", &request())
            .await
            .is_err());
    }
    // Accepting a draft is refused: it must be sent first.
    let v = quotes::create_quote(&s.ctx, &s.paula, "ACME-SPOT", &request())
        .await
        .unwrap();
    let err = quotes::decide_quote(&s.ctx, &s.paula, v.quote.id, true)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("send it"), "{err}");
    // A bad line is refused by field, the quote unchanged.
    let bad = QuoteLineDraft {
        line: LineDraft {
            description: String::new(),
            quantity: "x".into(),
            unit: "hour".into(),
            unit_price: "1".into(),
            ..Default::default()
        },
        stage: String::new(),
    };
    assert!(matches!(
        quotes::add_quote_line(&s.ctx, &s.paula, v.quote.id, &bad).await,
        Err(AppError::Invalid(_))
    ));
    let again = quotes::quote_view(&s.ctx, &s.paula, v.quote.id)
        .await
        .unwrap();
    assert_eq!(again.lines.len(), 5);
    // Someone else's client is told it does not exist.
    let other = client(store, "OTHER").await;
    let oscar = actor(
        store,
        &user(store, "oscar@other.test", Role::Client, Some(other)).await,
    )
    .await;
    quotes::send_quote(&s.ctx, &s.paula, v.quote.id)
        .await
        .unwrap();
    assert!(quotes::quote_view(&s.ctx, &oscar, v.quote.id)
        .await
        .is_err());
    assert!(quotes::decide_quote(&s.ctx, &oscar, v.quote.id, true)
        .await
        .is_err());
}

fn logged(task: &str, activity_id: i64, date: &str, duration: &str) -> EntryDraft {
    EntryDraft {
        project_code: "ACME-SPOT".into(),
        user_id: None,
        task_key: task.into(),
        activity_id,
        date: date.into(),
        duration: duration.into(),
        billable: true,
        note: String::new(),
    }
}

async fn budget_crossings_reach_the_producer_once(store: &Store) {
    let s = seed(store).await;
    let v = quotes::create_quote(&s.ctx, &s.paula, "ACME-SPOT", &request())
        .await
        .unwrap();
    quotes::send_quote(&s.ctx, &s.paula, v.quote.id)
        .await
        .unwrap();
    quotes::decide_quote(&s.ctx, &s.cleo, v.quote.id, true)
        .await
        .unwrap();
    let editing = time::activities(&s.ctx)
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.name == "Editing")
        .unwrap()
        .id;
    let inbox = || async {
        let mut n: Vec<(String, String)> = store
            .notifications_of(s.paula.user_id, 100)
            .await
            .unwrap()
            .into_iter()
            .map(|n| (n.title, n.body))
            .collect();
        n.sort();
        n
    };
    // The edit stage is budgeted 34 h and 3139.90. 20 h: 58 %, nothing to say.
    time::log_time(
        &s.ctx,
        &s.eddie,
        &logged("assembly", editing, "2026-11-02", "10:00"),
    )
    .await
    .unwrap();
    time::log_time(
        &s.ctx,
        &s.eddie,
        &logged("assembly", editing, "2026-11-03", "10:00"),
    )
    .await
    .unwrap();
    assert!(inbox().await.is_empty());
    // 28 h: 82 % of the hours and of the money (28 × 92.35 = 2585.80 of 3139.90).
    time::log_time(
        &s.ctx,
        &s.eddie,
        &logged("fine_cut", editing, "2026-11-04", "8:00"),
    )
    .await
    .unwrap();
    assert_eq!(
        inbox().await,
        vec![
            (
                "ACME-SPOT near budget".into(),
                "edit has used 82 % of its budgeted hours".into()
            ),
            (
                "ACME-SPOT near budget".into(),
                "edit has used 82 % of its budgeted money".into()
            ),
        ]
    );
    // 29 h (85 %): the same crossing, not told again.
    time::log_time(
        &s.ctx,
        &s.eddie,
        &logged("fine_cut", editing, "2026-11-05", "1:00"),
    )
    .await
    .unwrap();
    assert_eq!(inbox().await.len(), 2);
    // 35 h: 102 % — over budget, told once per measure.
    time::log_time(
        &s.ctx,
        &s.eddie,
        &logged("fine_cut", editing, "2026-11-05", "6:00"),
    )
    .await
    .unwrap();
    let told = inbox().await;
    assert_eq!(told.len(), 4, "{told:?}");
    // Each crossing is mailed to the producer too (right away: no preference chosen).
    let mailed: Vec<String> = s
        .ctx
        .store
        .outbox_mails(Some(s.paula.user_id), 50)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.subject)
        .collect();
    assert_eq!(
        mailed.iter().filter(|m| m.ends_with("over budget")).count(),
        2,
        "{mailed:?}"
    );
    assert_eq!(
        mailed.iter().filter(|m| m.ends_with("near budget")).count(),
        2,
        "{mailed:?}"
    );
    assert!(told.contains(&(
        "ACME-SPOT over budget".into(),
        "edit is over budget: 102 % of its budgeted hours used".into()
    )));
    // Approving the week crosses nothing new.
    time::approve_week(
        &s.ctx,
        &s.paula,
        s.eddie.user_id,
        NaiveDate::from_ymd_opt(2026, 11, 2).unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(inbox().await.len(), 4);
    // The dashboard shows what is crossed now: 100 % hides 80 %.
    let shown = postflow_app::budget_alerts::dashboard_alerts(&s.ctx, &s.paula)
        .await
        .unwrap();
    let mut what: Vec<(String, &str, i64)> = shown
        .iter()
        .map(|c| (c.budget.clone(), c.measure, c.threshold))
        .collect();
    what.sort();
    assert_eq!(
        what,
        vec![("edit".into(), "hours", 100), ("edit".into(), "money", 100)]
    );
    // Clients and artists see no budget alerts.
    for who in [&s.cleo, &s.eddie] {
        assert!(postflow_app::budget_alerts::dashboard_alerts(&s.ctx, who)
            .await
            .unwrap()
            .is_empty());
    }
    // A third revision round of two included: told once.
    let terms = TermsDraft {
        kind: "time_and_materials".into(),
        included_rounds: 2,
        extra_round_price: "500.00".into(),
        rounds_used: 3,
        ..Default::default()
    };
    billing::set_terms(&s.ctx, &s.paula, "ACME-SPOT", &terms)
        .await
        .unwrap();
    billing::set_terms(&s.ctx, &s.paula, "ACME-SPOT", &terms)
        .await
        .unwrap();
    let told = inbox().await;
    assert_eq!(told.len(), 5, "{told:?}");
    assert!(told
        .iter()
        .any(|(_, b)| b == "ACME-SPOT: 3 revision rounds done, 2 included: 1 extra"));
}
