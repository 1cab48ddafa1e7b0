//! The chain from logged time to a paid invoice on both stores, with every amount computed by
//! hand: a fixed fee with hourly overflow and an extra revision round, a client's own rate
//! card, a person's rate that takes effect mid-period, VAT per rate; and the refusals (negative
//! and over-long durations, locked weeks, a second timer, a missing rate, an issued invoice
//! changed), each leaving nothing behind.

use crate::support::{actor, client, user};
use chrono::{NaiveDate, TimeZone, Utc};
use postflow_app::billing::{
    self, ClientBillingDraft, DraftRequest, LineDraft, RateDraft, TermsDraft,
};
use postflow_app::time::{self, EntryDraft, TimerDraft};
use postflow_app::{AppError, Context};
use postflow_core::access::{Action, Role};
use postflow_core::project::{Code, ProjectStatus};
use postflow_store::accounts::NewUser;
use postflow_store::billing::{SeriesInput, TimeFilter};
use postflow_store::studio::ProjectInput;
use postflow_store::Store;

backends!(
    time_to_paid_invoice_with_fixed_fee_overflow_and_extra_rounds,
    reports_match_a_seeded_week_with_known_utilization_and_profitability,
    confirmed_bookings_are_proposed_and_logged_with_the_hours_worked,
    racing_entries_and_drafts_never_exceed_a_day_or_bill_twice,
    facility_bookings_are_billed_once_at_the_rooms_rate,
);

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

async fn person(store: &Store, email: &str, title: &str) -> postflow_store::accounts::User {
    store
        .create_user(NewUser {
            email: email.into(),
            name: email.split('@').next().unwrap().into(),
            role: Role::Artist,
            client_id: None,
            title: Some(title.into()),
            password_hash: "x".into(),
        })
        .await
        .unwrap()
}

fn entry(activity_id: i64, date: &str, duration: &str, billable: bool) -> EntryDraft {
    EntryDraft {
        project_code: "ACME-SPOT".into(),
        user_id: None,
        task_key: String::new(),
        activity_id,
        date: date.into(),
        duration: duration.into(),
        billable,
        note: String::new(),
    }
}

fn message(e: AppError) -> String {
    match e {
        AppError::Invalid(f) => f.0.values().cloned().collect::<Vec<_>>().join("; "),
        other => other.to_string(),
    }
}

async fn time_to_paid_invoice_with_fixed_fee_overflow_and_extra_rounds(store: &Store) {
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
    let mia_user = person(store, "mia@studio.test", "Colorist").await;
    let eddie_user = person(store, "eddie@studio.test", "Editor").await;
    for u in [&mia_user, &eddie_user] {
        store.add_project_member(project.id, u.id).await.unwrap();
    }
    let mia = actor(store, &mia_user).await;
    let eddie = actor(store, &eddie_user).await;
    let client_user = user(store, "cleo@acme.test", Role::Client, Some(acme)).await;
    let cleo = actor(store, &client_user).await;

    // --- the studio's data: activities, rate cards, the client's billing details, terms ----
    let activities = time::seed_activities(&ctx, &paula).await.unwrap();
    let id_of = |name: &str| activities.iter().find(|a| a.name == name).unwrap().id;
    let (editing, grading, admin, mix) = (
        id_of("Editing"),
        id_of("Color grading"),
        id_of("Admin"),
        id_of("Mix"),
    );
    assert!(matches!(
        time::seed_activities(&ctx, &mia).await,
        Err(AppError::Forbidden(Action::ManageBilling))
    ));

    let studio_card = billing::create_rate_card(&ctx, &paula, "Studio 2026", None, "EUR")
        .await
        .unwrap();
    let rate = |activity: &str, amount: &str, from: &str| RateDraft {
        kind: "sell".into(),
        unit: "hour".into(),
        activity: activity.into(),
        amount: amount.into(),
        effective_from: from.into(),
        ..Default::default()
    };
    billing::add_rate(
        &ctx,
        &paula,
        studio_card,
        &rate("Editing", "90.00", "2026-01-01"),
    )
    .await
    .unwrap();
    billing::add_rate(
        &ctx,
        &paula,
        studio_card,
        &rate("Color grading", "150.00", "2026-01-01"),
    )
    .await
    .unwrap();
    // Mia's own grading rate from the second week of November.
    let mut mias = rate("Color grading", "170.00", "2026-11-09");
    mias.person_id = Some(mia_user.id);
    billing::add_rate(&ctx, &paula, studio_card, &mias)
        .await
        .unwrap();
    let err = billing::add_rate(&ctx, &paula, studio_card, &rate("", "-5", "someday"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, AppError::Invalid(f) if f.0.len() == 3),
        "{err:?}"
    );
    // Acme's negotiated editing rate.
    let acme_card = billing::create_rate_card(&ctx, &paula, "Acme 2026", Some(acme), "EUR")
        .await
        .unwrap();
    billing::add_rate(
        &ctx,
        &paula,
        acme_card,
        &rate("Editing", "80.00", "2026-01-01"),
    )
    .await
    .unwrap();
    // Clients and artists never see rates.
    for who in [&cleo, &mia] {
        assert!(matches!(
            billing::rate_cards(&ctx, who).await,
            Err(AppError::Forbidden(Action::ViewRates))
        ));
    }

    let terms = TermsDraft {
        kind: "fixed_fee_with_overflow".into(),
        fee: "10000.00".into(),
        included_hours: "10".into(),
        included_rounds: 2,
        extra_round_price: "500.00".into(),
        rounds_used: 3,
    };
    let err = billing::set_terms(&ctx, &paula, "ACME-SPOT", &terms)
        .await
        .unwrap_err();
    assert!(message(err).contains("no billing details"));
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
            rate_card_id: Some(acme_card),
        },
    )
    .await
    .unwrap();
    billing::set_terms(&ctx, &paula, "ACME-SPOT", &terms)
        .await
        .unwrap();
    billing::create_series(
        &ctx,
        &paula,
        SeriesInput {
            code: "2026".into(),
            prefix: "PF-2026-".into(),
            seller_name: "Postflow Studio GmbH".into(),
            seller_address: "Hauptstr. 1, 10115 Berlin".into(),
            seller_tax_id: "DE123456789".into(),
        },
    )
    .await
    .unwrap();

    // --- time ----------------------------------------------------------------------------
    time::log_time(&ctx, &eddie, &entry(editing, "2026-11-02", "4:00", true))
        .await
        .unwrap();
    time::log_time(&ctx, &eddie, &entry(editing, "2026-11-03", "3.5h", true))
        .await
        .unwrap();
    time::log_time(&ctx, &mia, &entry(grading, "2026-11-04", "2:00", true))
        .await
        .unwrap();
    time::log_time(&ctx, &mia, &entry(admin, "2026-11-04", "1:00", false))
        .await
        .unwrap();
    time::log_time(&ctx, &mia, &entry(grading, "2026-11-10", "2h 20m", true))
        .await
        .unwrap();
    time::log_time(&ctx, &eddie, &entry(editing, "2026-11-10", "70m", true))
        .await
        .unwrap();
    time::log_time(&ctx, &eddie, &entry(editing, "2026-11-16", "1:00", true))
        .await
        .unwrap();

    // Bad entries: refused with a clear message, nothing saved.
    let count = || async {
        store
            .time_entries(&TimeFilter::default())
            .await
            .unwrap()
            .len()
    };
    assert_eq!(count().await, 7);
    let refusals = [
        (entry(editing, "2026-11-05", "-1:00", true), "negative"),
        (entry(editing, "2026-11-05", "25:00", true), "24 hours"),
        (entry(editing, "2026-11-05", "", true), "give a duration"),
        (entry(editing, "5.11.2026", "1:00", true), "not a date"),
    ];
    for (draft, words) in refusals {
        let err = message(time::log_time(&ctx, &eddie, &draft).await.unwrap_err());
        assert!(err.contains(words), "{err}");
    }
    // 4:00 logged on the 2nd: 20:01 more would make the day longer than 24 hours.
    let err = message(
        time::log_time(&ctx, &eddie, &entry(editing, "2026-11-02", "20:01", true))
            .await
            .unwrap_err(),
    );
    assert!(
        err.contains("24:01") && err.contains("a day has 24 hours"),
        "{err}"
    );
    // Someone else's time, or time on a project one is not on, is not the artist's to log.
    let mut for_mia = entry(editing, "2026-11-05", "1:00", true);
    for_mia.user_id = Some(mia_user.id);
    assert!(matches!(
        time::log_time(&ctx, &eddie, &for_mia).await,
        Err(AppError::Forbidden(Action::ApproveTime))
    ));
    assert!(matches!(
        time::log_time(&ctx, &cleo, &entry(editing, "2026-11-05", "1:00", true)).await,
        Err(AppError::Forbidden(Action::LogTime))
    ));
    assert_eq!(count().await, 7);

    // --- approval locks weeks ------------------------------------------------------------
    assert!(matches!(
        time::approve_week(&ctx, &mia, mia_user.id, d("2026-11-02")).await,
        Err(AppError::Forbidden(Action::ApproveTime))
    ));
    assert!(matches!(
        time::week(&ctx, &mia, Some(eddie_user.id), d("2026-11-02")).await,
        Err(AppError::Forbidden(_))
    ));
    for u in [mia_user.id, eddie_user.id] {
        for w in ["2026-11-02", "2026-11-11"] {
            time::approve_week(&ctx, &paula, u, d(w)).await.unwrap();
        }
    }
    let week = time::week(&ctx, &mia, None, d("2026-11-05")).await.unwrap();
    assert!(week.approved);
    assert_eq!((week.per_day[2], week.total), (180, 180));
    let err = message(
        time::log_time(&ctx, &mia, &entry(grading, "2026-11-06", "1:00", true))
            .await
            .unwrap_err(),
    );
    assert!(err.contains("approved and locked"), "{err}");
    let locked = week.entries[0].id;
    assert!(message(time::delete_entry(&ctx, &mia, locked).await.unwrap_err()).contains("locked"));
    assert_eq!(count().await, 7);

    // --- the timer: one at a time, stopped into an entry -----------------------------------
    let nine = Utc.with_ymd_and_hms(2026, 11, 18, 9, 0, 0).unwrap();
    let timer = TimerDraft {
        project_code: "ACME-SPOT".into(),
        activity_id: editing,
        note: "conform".into(),
    };
    time::start_timer_at(&ctx, &eddie, &timer, nine)
        .await
        .unwrap();
    let err = message(
        time::start_timer_at(&ctx, &eddie, &timer, nine)
            .await
            .unwrap_err(),
    );
    assert!(
        err.contains("already running on ACME-SPOT since 09:00"),
        "{err}"
    );
    let stopped = time::stop_timer_at(&ctx, &eddie, nine + chrono::Duration::seconds(95 * 60 + 20))
        .await
        .unwrap();
    assert_eq!(
        (stopped.minutes, stopped.work_date, stopped.billable),
        (95, d("2026-11-18"), true)
    );
    assert!(time::current_timer(&ctx, &eddie).await.unwrap().is_none());
    assert!(message(time::stop_timer(&ctx, &eddie).await.unwrap_err()).contains("no timer"));
    // A stop into a locked week is refused and the timer keeps running.
    let locked_day = Utc.with_ymd_and_hms(2026, 11, 5, 9, 0, 0).unwrap();
    time::start_timer_at(&ctx, &mia, &timer, locked_day)
        .await
        .unwrap();
    let err = message(
        time::stop_timer_at(&ctx, &mia, locked_day + chrono::Duration::hours(1))
            .await
            .unwrap_err(),
    );
    assert!(err.contains("locked"), "{err}");
    assert!(time::current_timer(&ctx, &mia).await.unwrap().is_some());
    time::discard_timer(&ctx, &mia).await.unwrap();

    // --- the draft -----------------------------------------------------------------------
    let request = DraftRequest {
        project_code: "ACME-SPOT".into(),
        series_code: "2026".into(),
        from: "2026-11-01".into(),
        to: "2026-11-30".into(),
        instalments: vec![("First instalment (50 %)".into(), "50".into())],
        due_days: Some(30),
        milestone: String::new(),
    };
    assert!(matches!(
        billing::generate_draft(&ctx, &mia, &request).await,
        Err(AppError::Forbidden(_))
    ));
    let draft = billing::generate_draft(&ctx, &paula, &request)
        .await
        .unwrap();
    // Eddie's weeks of the 16th are not approved: his two entries there wait.
    assert_eq!(draft.unapproved_entries, 2);
    assert_eq!(draft.invoice.number, None);
    assert_eq!(draft.invoice.buyer_tax_id, "IE1234567T");
    assert_eq!(draft.invoice.seller_tax_id, "DE123456789");
    // The fee includes 600 minutes, used in the order worked: Eddie 240 + 210, Mia 120, then
    // 30 of Mia's 140 on the 10th. Billed beyond: Mia 110 min at her 170.00 (from the 9th) =
    // 311.666… → 311.67; Eddie 70 min at Acme's 80.00 = 93.333… → 93.33. Rounds: 3 done, 2
    // included → 1 × 500.00. Net 5000 + 311.67 + 93.33 + 500 = 5905.00; VAT 19 % of the
    // taxable 5905.00 = 1121.95; 7026.95 in all.
    let minor: Vec<(i64, i64, i64)> = draft
        .totals
        .lines
        .iter()
        .map(|l| (l.net.minor, l.tax.minor, l.gross.minor))
        .collect();
    assert_eq!(
        minor,
        vec![
            (500_000, 95_000, 595_000),
            // 59.2173 and 17.7327 are truncated to 59.21 and 17.73; the cent left over of the
            // 1121.95 goes to the larger remainder.
            (31_167, 5_922, 37_089),
            (9_333, 1_773, 11_106),
            (50_000, 9_500, 59_500),
        ]
    );
    assert_eq!(
        (
            draft.invoice.net_minor,
            draft.invoice.tax_minor,
            draft.invoice.gross_minor
        ),
        (590_500, 112_195, 702_695)
    );
    assert_eq!(draft.totals.groups.len(), 1);
    assert_eq!(draft.totals.groups[0].taxable.minor, 590_500);
    let id = draft.invoice.id;

    // A shipped drive as an expense line.
    let expense = LineDraft {
        description: "Drive shipping".into(),
        quantity: "1".into(),
        unit: "piece".into(),
        unit_price: "45.00".into(),
        discount: String::new(),
        tax: String::new(),
    };
    let totals = billing::add_line(&ctx, &paula, id, &expense).await.unwrap();
    // 5950.00 net, VAT 1130.50, 7080.50.
    assert_eq!(
        (totals.net.minor, totals.tax.minor, totals.gross.minor),
        (595_000, 113_050, 708_050)
    );
    let bad = LineDraft {
        quantity: "lots".into(),
        ..expense.clone()
    };
    assert!(
        message(billing::add_line(&ctx, &paula, id, &bad).await.unwrap_err())
            .contains("not a quantity")
    );

    // A billed activity without a rate: the draft is refused naming it, nothing is saved.
    time::log_time(&ctx, &mia, &entry(mix, "2026-11-17", "1:00", true))
        .await
        .unwrap();
    time::approve_week(&ctx, &paula, mia_user.id, d("2026-11-17"))
        .await
        .unwrap();
    let before = store.list_invoices(None).await.unwrap().len();
    let err = message(
        billing::generate_draft(
            &ctx,
            &paula,
            &DraftRequest {
                from: "2026-11-16".into(),
                to: "2026-11-22".into(),
                instalments: vec![],
                ..request.clone()
            },
        )
        .await
        .unwrap_err(),
    );
    assert!(
        err.contains("no sell rate for activity \"Mix\" on 2026-11-17"),
        "{err}"
    );
    assert_eq!(store.list_invoices(None).await.unwrap().len(), before);

    // --- issue, immutability, credit note, payment ---------------------------------------
    let issued = billing::issue(&ctx, &paula, id, d("2026-12-01"))
        .await
        .unwrap();
    assert_eq!(issued.number_text.as_deref(), Some("PF-2026-0001"));
    assert_eq!(issued.gross_minor, 708_050);
    let err = message(
        billing::add_line(&ctx, &paula, id, &expense)
            .await
            .unwrap_err(),
    );
    assert!(err.contains("credit note"), "{err}");
    assert!(message(
        billing::issue(&ctx, &paula, id, d("2026-12-02"))
            .await
            .unwrap_err()
    )
    .contains("already issued"));
    let csv = billing::invoice_csv(&ctx, &paula, id).await.unwrap();
    assert!(csv.lines().nth(2).unwrap().starts_with("PF-2026-0001,2026-12-01,2,Color grading (beyond the hours included in the fee),1.83,h,170.00,0,19,311.67,59.22,370.89,EUR"), "{csv}");
    assert!(matches!(
        billing::invoice_view(&ctx, &cleo, id).await,
        Err(AppError::Forbidden(Action::ViewBilling))
    ));

    // The time billed is tied to the invoice; the credit note frees it for billing again.
    let billed = |inv: i64| async move {
        store
            .time_entries(&TimeFilter::default())
            .await
            .unwrap()
            .iter()
            .filter(|e| e.invoice_id == Some(inv))
            .count()
    };
    assert_eq!(billed(id).await, 5);
    let note = billing::credit_note(&ctx, &paula, id).await.unwrap();
    assert_eq!(note.gross_minor, -708_050);
    assert!(
        message(billing::credit_note(&ctx, &paula, id).await.unwrap_err())
            .contains("already has a credit note")
    );
    let note = billing::issue(&ctx, &paula, note.id, d("2026-12-03"))
        .await
        .unwrap();
    assert_eq!(note.number_text.as_deref(), Some("PF-2026-0002"));
    assert_eq!(billed(id).await, 0);
    let paid = billing::mark_paid(&ctx, &paula, id).await.unwrap();
    assert_eq!(paid.state, "paid");

    // Every change above left its line in the audit log.
    let audit = store.recent_audit(200).await.unwrap();
    for words in [
        "issued invoice PF-2026-0001",
        "issued credit note PF-2026-0002",
        "approved mia's week of 2026-11-02",
        "marked PF-2026-0001 paid",
        "stopped the timer: 1:35",
    ] {
        assert!(
            audit.iter().any(|a| a.detail.contains(words)),
            "no audit line {words:?}"
        );
    }

    // Budgets: hours and money against the stage budget, and the rounds alert.
    billing::set_stage_budget(&ctx, &paula, "ACME-SPOT", "*", "15", "2000.00")
        .await
        .unwrap();
    let (report, alerts) = billing::budget_report(&ctx, &paula, "ACME-SPOT")
        .await
        .unwrap();
    // 240+210+120+60+140+70+60+95+60 = 1055 minutes of 900: over budget in hours.
    assert_eq!(report[0].actual.minutes, 1055);
    assert_eq!(report[0].hours_percent, Some(117));
    assert!(alerts.iter().any(|a| a
        .message()
        .contains("over budget: 117 % of its budgeted hours")));
    assert!(alerts
        .iter()
        .any(|a| a.message() == "3 revision rounds done, 2 included: 1 extra"));

    // The burn: running totals per day with time, ending at the report's actuals.
    let (_, _, burn) = billing::budget_overview(&ctx, &paula, "ACME-SPOT")
        .await
        .unwrap();
    let entries = store
        .time_entries(&TimeFilter {
            project_id: Some(project.id),
            ..Default::default()
        })
        .await
        .unwrap();
    let days: std::collections::BTreeSet<NaiveDate> = entries.iter().map(|e| e.work_date).collect();
    assert_eq!(
        burn.points.iter().map(|p| p.date).collect::<Vec<_>>(),
        days.into_iter().collect::<Vec<_>>()
    );
    let first_day = burn.points[0].date;
    let first_minutes: i64 = entries
        .iter()
        .filter(|e| e.work_date == first_day)
        .map(|e| e.minutes)
        .sum();
    assert_eq!(burn.points[0].minutes, first_minutes);
    assert!(burn
        .points
        .windows(2)
        .all(|w| w[0].minutes <= w[1].minutes && w[0].sell.minor <= w[1].sell.minor));
    let last = burn.points.last().unwrap();
    assert_eq!(
        (last.minutes, last.sell, last.cost),
        (1055, report[0].actual.sell, report[0].actual.cost)
    );
    assert_eq!(
        (burn.budget_minutes, burn.budget_sell.map(|m| m.minor)),
        (Some(900), Some(200_000))
    );
}

/// A week whose figures are known: Mia logs 32 h billable grading and 4 h admin, Eddie 38 h
/// billable editing, in a week of 5 working days (40 h available each).
async fn reports_match_a_seeded_week_with_known_utilization_and_profitability(store: &Store) {
    use postflow_core::billing::reports::Band;
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
    let mia_user = person(store, "mia@studio.test", "Colorist").await;
    let eddie_user = person(store, "eddie@studio.test", "Editor").await;
    // A second editor who logs nothing this week: the department's hours, not an average.
    person(store, "nico@studio.test", "editor").await;
    for u in [&mia_user, &eddie_user] {
        store.add_project_member(project.id, u.id).await.unwrap();
    }
    let (mia, eddie) = (
        actor(store, &mia_user).await,
        actor(store, &eddie_user).await,
    );
    let activities = time::seed_activities(&ctx, &paula).await.unwrap();
    let id_of = |name: &str| activities.iter().find(|a| a.name == name).unwrap().id;
    let card = billing::create_rate_card(&ctx, &paula, "Studio", None, "EUR")
        .await
        .unwrap();
    let rate = |kind: &str, activity: &str, person_id: Option<i64>, amount: &str| RateDraft {
        kind: kind.into(),
        unit: "hour".into(),
        activity: activity.into(),
        person_id,
        amount: amount.into(),
        effective_from: "2026-01-01".into(),
        ..Default::default()
    };
    for r in [
        rate("sell", "Color grading", None, "150.00"),
        rate("sell", "Editing", None, "90.00"),
        rate("cost", "", Some(mia_user.id), "60.00"),
        rate("cost", "Editing", None, "40.00"),
    ] {
        billing::add_rate(&ctx, &paula, card, &r).await.unwrap();
    }
    billing::set_client_billing(
        &ctx,
        &paula,
        acme,
        &ClientBillingDraft {
            legal_name: "Acme Films Ltd".into(),
            address: "Dublin".into(),
            tax_id: "IE1".into(),
            currency: "EUR".into(),
            tax: "0".into(),
            rate_card_id: None,
        },
    )
    .await
    .unwrap();
    let terms = TermsDraft {
        kind: "time_and_materials".into(),
        ..Default::default()
    };
    billing::set_terms(&ctx, &paula, "ACME-SPOT", &terms)
        .await
        .unwrap();
    billing::create_series(
        &ctx,
        &paula,
        SeriesInput {
            code: "R".into(),
            prefix: "R-".into(),
            seller_name: "Studio".into(),
            seller_address: "Berlin".into(),
            seller_tax_id: "DE1".into(),
        },
    )
    .await
    .unwrap();
    for day in ["2026-11-02", "2026-11-03", "2026-11-04", "2026-11-05"] {
        time::log_time(
            &ctx,
            &mia,
            &entry(id_of("Color grading"), day, "8:00", true),
        )
        .await
        .unwrap();
        time::log_time(&ctx, &eddie, &entry(id_of("Editing"), day, "8:00", true))
            .await
            .unwrap();
    }
    time::log_time(
        &ctx,
        &mia,
        &entry(id_of("Admin"), "2026-11-06", "4:00", false),
    )
    .await
    .unwrap();
    time::log_time(
        &ctx,
        &eddie,
        &entry(id_of("Editing"), "2026-11-06", "6:00", true),
    )
    .await
    .unwrap();
    for u in [mia_user.id, eddie_user.id] {
        time::approve_week(&ctx, &paula, u, d("2026-11-02"))
            .await
            .unwrap();
    }
    let request = DraftRequest {
        project_code: "ACME-SPOT".into(),
        series_code: "R".into(),
        from: "2026-11-02".into(),
        to: "2026-11-08".into(),
        instalments: vec![],
        due_days: None,
        milestone: String::new(),
    };
    let draft = billing::generate_draft(&ctx, &paula, &request)
        .await
        .unwrap();
    billing::issue(&ctx, &paula, draft.invoice.id, d("2026-11-06"))
        .await
        .unwrap();

    assert!(matches!(
        billing::reports(&ctx, &mia, d("2026-11-02"), d("2026-11-08")).await,
        Err(AppError::Forbidden(Action::ViewRates))
    ));
    let r = billing::reports(&ctx, &paula, d("2026-11-02"), d("2026-11-08"))
        .await
        .unwrap();
    let u: Vec<(&str, i64, i64, Option<i64>, Option<Band>)> = r
        .utilization
        .iter()
        .map(|u| {
            (
                u.person.name.as_str(),
                u.person.billable_minutes,
                u.person.available_minutes,
                u.permille,
                u.band,
            )
        })
        .collect();
    assert_eq!(
        u,
        vec![
            ("eddie", 38 * 60, 40 * 60, Some(950), Some(Band::Above)),
            ("mia", 32 * 60, 40 * 60, Some(800), Some(Band::Within)),
            ("nico", 0, 40 * 60, Some(0), Some(Band::Below)),
        ]
    );
    // Colorists 32 of 40 h = 80 %; editors (38 + 0) of 80 h = 47.5 %.
    let departments: Vec<(&str, i64, i64, Option<i64>)> = r
        .departments
        .iter()
        .map(|u| {
            (
                u.person.name.as_str(),
                u.person.billable_minutes,
                u.person.available_minutes,
                u.permille,
            )
        })
        .collect();
    assert_eq!(
        departments,
        vec![
            ("Colorist", 32 * 60, 40 * 60, Some(800)),
            ("Editor", 38 * 60, 80 * 60, Some(475)),
        ]
    );
    // Revenue: 32 h × 150.00 + 38 h × 90.00 = 8220.00. Cost: Mia's 36 h at her 60.00 =
    // 2160.00, Eddie's 38 h of editing at 40.00 = 1520.00; margin 4540.00 = 55.2 %.
    assert_eq!(r.profitability.len(), 1);
    let p = &r.profitability[0];
    assert_eq!(
        (
            p.revenue.minor,
            p.cost.minor,
            p.margin.minor,
            p.margin_permille
        ),
        (822_000, 368_000, 454_000, Some(552))
    );
    let hours: Vec<(&str, i64, i64)> = r
        .by_activity
        .iter()
        .map(|a| (a.activity.as_str(), a.minutes, a.billable_minutes))
        .collect();
    assert_eq!(
        hours,
        vec![
            ("Admin", 240, 0),
            ("Color grading", 1920, 1920),
            ("Editing", 2280, 2280)
        ]
    );
    let csv = billing::reports_csv(&r);
    assert!(csv.contains("utilization,mia,percent,80.0\n"), "{csv}");
    assert!(
        csv.contains("department_utilization,Editor,percent,47.5\n"),
        "{csv}"
    );
    assert!(
        csv.contains("profitability,ACME-SPOT,margin,4540.00 EUR\n"),
        "{csv}"
    );
    // A week outside has no figures but the people and their available time.
    let later = billing::reports(&ctx, &paula, d("2026-11-09"), d("2026-11-13"))
        .await
        .unwrap();
    assert!(later.profitability.is_empty() && later.by_activity.is_empty());
    assert_eq!(later.utilization[0].permille, Some(0));
}

async fn confirmed_bookings_are_proposed_and_logged_with_the_hours_worked(store: &Store) {
    use postflow_store::bookings::{BookingStatus, NewBooking};
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
    let mia_user = person(store, "mia@studio.test", "Colorist").await;
    store
        .add_project_member(project.id, mia_user.id)
        .await
        .unwrap();
    let mia = actor(store, &mia_user).await;
    let grading = time::seed_activities(&ctx, &paula)
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.name == "Color grading")
        .unwrap()
        .id;
    let suite = store
        .insert_resource(postflow_store::studio::ResourceInput {
            name: "Mia".into(),
            kind: "person".into(),
            capacity: 1,
            user_id: Some(mia_user.id),
            calendar: "always".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let at = |h: u32| Utc.with_ymd_and_hms(2026, 11, 18, h, 0, 0).unwrap();
    let tx = store.begin().await.unwrap();
    let mut ids = Vec::new();
    for (status, start, end) in [
        (BookingStatus::Confirmed, 9, 17),
        (BookingStatus::Preliminary, 17, 19),
    ] {
        let b = tx
            .insert_booking(NewBooking {
                resource_id: suite.id,
                project_id: project.id,
                task_id: None,
                starts_at: at(start),
                ends_at: at(end),
                units: 1,
                status,
                note: String::new(),
                created_by: None,
            })
            .await
            .unwrap()
            .unwrap();
        ids.push(b.id);
    }
    tx.commit().await.unwrap();
    // Only the confirmed booking is proposed, with its booked 8 hours.
    let proposed = time::proposals(&ctx, &mia, d("2026-11-16")).await.unwrap();
    assert_eq!(proposed.len(), 1);
    assert_eq!(
        (
            proposed[0].booking_id,
            proposed[0].minutes,
            proposed[0].date
        ),
        (ids[0], 480, d("2026-11-18"))
    );
    assert!(time::proposals(&ctx, &paula, d("2026-11-16"))
        .await
        .unwrap()
        .is_empty());
    // Mia worked 7 hours of it.
    let entry = time::confirm_proposal(&ctx, &mia, ids[0], grading, "7:00")
        .await
        .unwrap();
    assert_eq!(
        (entry.minutes, entry.work_date, entry.project_id),
        (420, d("2026-11-18"), project.id)
    );
    assert!(time::proposals(&ctx, &mia, d("2026-11-18"))
        .await
        .unwrap()
        .is_empty());
    let again = time::confirm_proposal(&ctx, &mia, ids[0], grading, "")
        .await
        .unwrap_err();
    assert!(message(again).contains("not a confirmed booking of yours waiting"));
    let preliminary = time::confirm_proposal(&ctx, &mia, ids[1], grading, "")
        .await
        .unwrap_err();
    assert!(matches!(preliminary, AppError::Conflict(_)));
}

/// Many requests at once, as on a busy PostgreSQL server: eight 4-hour entries for one person's
/// day (exactly six fit in 24 hours), four timers started together (one runs), and two
/// producers drafting the same period (each entry lands on one invoice only).
async fn racing_entries_and_drafts_never_exceed_a_day_or_bill_twice(store: &Store) {
    let ctx = Context::new(store.clone());
    let paula = actor(
        store,
        &user(store, "paula@studio.test", Role::Producer, None).await,
    )
    .await;
    let pete = actor(
        store,
        &user(store, "pete@studio.test", Role::Producer, None).await,
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
    let eddie_user = person(store, "eddie@studio.test", "Editor").await;
    store
        .add_project_member(project.id, eddie_user.id)
        .await
        .unwrap();
    let eddie = actor(store, &eddie_user).await;
    let activities = time::seed_activities(&ctx, &paula).await.unwrap();
    let editing = activities.iter().find(|a| a.name == "Editing").unwrap().id;

    let logged =
        at_once((0..8).map(|_| {
            let (ctx, eddie) = (ctx.clone(), eddie.clone());
            async move {
                time::log_time(&ctx, &eddie, &entry(editing, "2026-11-02", "4:00", true)).await
            }
        }))
        .await;
    let (fitted, refused): (Vec<_>, Vec<_>) = logged.into_iter().partition(|r| r.is_ok());
    let refused: Vec<String> = refused
        .into_iter()
        .filter_map(|r| r.err())
        .map(message)
        .collect();
    assert_eq!(fitted.len(), 6, "{refused:?}");
    assert!(
        refused.iter().all(|m| m.contains("a day has 24 hours")),
        "{refused:?}"
    );
    let minutes: i64 = store
        .time_entries(&TimeFilter::default())
        .await
        .unwrap()
        .iter()
        .map(|e| e.minutes)
        .sum();
    assert_eq!(minutes, 24 * 60);

    let at = Utc.with_ymd_and_hms(2026, 11, 3, 9, 0, 0).unwrap();
    let started = at_once((0..4).map(|_| {
        let (ctx, eddie) = (ctx.clone(), eddie.clone());
        async move {
            let draft = TimerDraft {
                project_code: "ACME-SPOT".into(),
                activity_id: editing,
                ..Default::default()
            };
            time::start_timer_at(&ctx, &eddie, &draft, at).await
        }
    }))
    .await;
    assert_eq!(
        started.iter().filter(|r| r.is_ok()).count(),
        1,
        "{started:?}"
    );

    // Billing for the week: terms, details, a rate, a series, the week approved.
    let card = billing::create_rate_card(&ctx, &paula, "Studio", None, "EUR")
        .await
        .unwrap();
    billing::add_rate(
        &ctx,
        &paula,
        card,
        &RateDraft {
            kind: "sell".into(),
            unit: "hour".into(),
            activity: "Editing".into(),
            amount: "90.00".into(),
            effective_from: "2026-01-01".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
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
            ..Default::default()
        },
    )
    .await
    .unwrap();
    billing::create_series(
        &ctx,
        &paula,
        SeriesInput {
            code: "2026".into(),
            prefix: "PF-2026-".into(),
            seller_name: "Postflow Studio GmbH".into(),
            seller_address: "Hauptstr. 1, 10115 Berlin".into(),
            seller_tax_id: "DE123456789".into(),
        },
    )
    .await
    .unwrap();
    time::approve_week(&ctx, &paula, eddie_user.id, d("2026-11-02"))
        .await
        .unwrap();
    let request = DraftRequest {
        project_code: "ACME-SPOT".into(),
        series_code: "2026".into(),
        from: "2026-11-01".into(),
        to: "2026-11-30".into(),
        instalments: vec![],
        due_days: Some(30),
        milestone: String::new(),
    };
    let drafts = at_once([paula, pete].into_iter().map(|producer| {
        let (ctx, request) = (ctx.clone(), request.clone());
        async move { billing::generate_draft(&ctx, &producer, &request).await }
    }))
    .await;
    let drafts: Vec<_> = drafts.into_iter().filter_map(Result::ok).collect();
    let billed: Vec<i64> = drafts.iter().map(|d| d.totals.net.minor).collect();
    // 24 h × 90.00 once, whichever producer came first; the other draft bills nothing.
    assert_eq!(billed.iter().sum::<i64>(), 24 * 9000, "{billed:?}");
    let entries = store.time_entries(&TimeFilter::default()).await.unwrap();
    assert!(entries.iter().all(|e| e.invoice_id.is_some()));
    let invoices: std::collections::BTreeSet<i64> =
        entries.iter().filter_map(|e| e.invoice_id).collect();
    assert_eq!(invoices.len(), 1, "every entry on one invoice");
}

/// Confirmed room bookings become facility lines under time and materials, at the room's
/// rate on the booking's date in the studio's time zone, each booking once: a whole booked day
/// bills a working day, a preliminary booking, a person's booking and an unpriced room bill
/// nothing; a billed booking cannot be moved; deleting the draft or crediting the issued
/// invoice frees the bookings for the next one.
async fn facility_bookings_are_billed_once_at_the_rooms_rate(store: &Store) {
    use postflow_app::bookings::{self, BookingEdit, BookingError};
    use postflow_store::bookings::{BookingStatus, NewBooking};
    use postflow_store::studio::ResourceInput;
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
    // Berlin: a booking at 23:30 UTC on 30 November is on 1 December there.
    postflow_app::feeds::set_studio_time_zone(&ctx, &paula, "Europe/Berlin")
        .await
        .unwrap();
    let room = |name: &str, kind: &str, user_id: Option<i64>| ResourceInput {
        name: name.into(),
        kind: kind.into(),
        capacity: 2,
        user_id,
        calendar: "always".into(),
        ..Default::default()
    };
    let suite = store
        .insert_resource(room("Suite 1", "color_suite", None))
        .await
        .unwrap();
    let mix = store
        .insert_resource(room("Mix A", "mix_theater", None))
        .await
        .unwrap();
    let ingest = store
        .insert_resource(room("Ingest 1", "ingest_station", None))
        .await
        .unwrap();
    let mia_user = person(store, "mia@studio.test", "Colorist").await;
    let mia = store
        .insert_resource(room("Mia", "person", Some(mia_user.id)))
        .await
        .unwrap();

    let card = billing::create_rate_card(&ctx, &paula, "Studio", None, "EUR")
        .await
        .unwrap();
    for (room_id, unit, amount, from) in [
        (suite.id, "hour", "95.00", "2026-01-01"),
        (suite.id, "hour", "110.00", "2026-11-16"),
        (mix.id, "day", "800.00", "2026-01-01"),
        (mia.id, "hour", "1.00", "2026-01-01"),
    ] {
        billing::add_rate(
            &ctx,
            &paula,
            card,
            &RateDraft {
                kind: "sell".into(),
                unit: unit.into(),
                room_id: Some(room_id),
                amount: amount.into(),
                effective_from: from.into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    }
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
            ..Default::default()
        },
    )
    .await
    .unwrap();
    billing::create_series(
        &ctx,
        &paula,
        SeriesInput {
            code: "2026".into(),
            prefix: "PF-2026-".into(),
            seller_name: "Postflow Studio GmbH".into(),
            seller_address: "Hauptstr. 1, 10115 Berlin".into(),
            seller_tax_id: "DE123456789".into(),
        },
    )
    .await
    .unwrap();

    let utc =
        |m: u32, d: u32, h: u32, min: u32| Utc.with_ymd_and_hms(2026, m, d, h, min, 0).unwrap();
    let tx = store.begin().await.unwrap();
    let mut booked = Vec::new();
    for (resource, start, end, units, status) in [
        // Suite 1, 09:00–13:30 Berlin (UTC+1) on 10 Nov at 95.00: 4.5 h.
        (
            suite.id,
            utc(11, 10, 8, 0),
            utc(11, 10, 12, 30),
            1,
            BookingStatus::Confirmed,
        ),
        // Suite 1, two seats for 2 h on 17 Nov at the new 110.00: 4 h.
        (
            suite.id,
            utc(11, 17, 13, 0),
            utc(11, 17, 15, 0),
            2,
            BookingStatus::Confirmed,
        ),
        // Mix A, the whole of 18 and 19 Nov (Berlin midnight to midnight): 2 working days.
        (
            mix.id,
            utc(11, 17, 23, 0),
            utc(11, 19, 23, 0),
            1,
            BookingStatus::Confirmed,
        ),
        // Pencilled, a person, an unpriced room: nothing billed.
        (
            suite.id,
            utc(11, 20, 9, 0),
            utc(11, 20, 12, 0),
            1,
            BookingStatus::Preliminary,
        ),
        (
            mia.id,
            utc(11, 20, 9, 0),
            utc(11, 20, 12, 0),
            1,
            BookingStatus::Confirmed,
        ),
        (
            ingest.id,
            utc(11, 20, 9, 0),
            utc(11, 20, 12, 0),
            1,
            BookingStatus::Confirmed,
        ),
        // 1 December in Berlin: outside November's invoice.
        (
            suite.id,
            utc(11, 30, 23, 30),
            utc(12, 1, 1, 30),
            1,
            BookingStatus::Confirmed,
        ),
    ] {
        let b = tx
            .insert_booking(NewBooking {
                resource_id: resource,
                project_id: project.id,
                task_id: None,
                starts_at: start,
                ends_at: end,
                units,
                status,
                note: String::new(),
                created_by: None,
            })
            .await
            .unwrap()
            .unwrap();
        booked.push(b.id);
    }
    tx.commit().await.unwrap();

    let november = DraftRequest {
        project_code: "ACME-SPOT".into(),
        series_code: "2026".into(),
        from: "2026-11-01".into(),
        to: "2026-11-30".into(),
        instalments: vec![],
        due_days: Some(30),
        milestone: String::new(),
    };
    let draft = billing::generate_draft(&ctx, &paula, &november)
        .await
        .unwrap();
    let lines: Vec<(String, String, i64)> = draft
        .totals
        .lines
        .iter()
        .map(|l| {
            (
                l.input.description.clone(),
                format!("{:?}", l.input.quantity),
                l.net.minor,
            )
        })
        .collect();
    assert_eq!(
        lines,
        vec![
            ("Suite 1 — facility".into(), "Minutes(270)".into(), 42_750),
            ("Suite 1 — facility".into(), "Minutes(240)".into(), 44_000),
            ("Mix A — facility".into(), "DaysMilli(2000)".into(), 160_000),
        ],
        "4.5 h × 95.00, 4 h × 110.00, 2 days × 800.00"
    );
    // 2467.50 net, 19 % VAT 468.83 (468.825 half-up), 2936.33 gross.
    assert_eq!(draft.totals.net.minor, 246_750);
    assert_eq!(draft.totals.tax.minor, 46_883);
    assert_eq!(draft.totals.gross.minor, 293_633);
    let invoice_of = |id: i64| {
        let store = store.clone();
        async move { store.booking(id).await.unwrap().unwrap().invoice_id }
    };
    for (i, id) in booked.iter().enumerate() {
        let expected = (i < 3).then_some(draft.invoice.id);
        assert_eq!(invoice_of(*id).await, expected, "booking {i}");
    }

    // Billed: it cannot be moved or cancelled.
    let moved = bookings::change(
        &ctx,
        &paula,
        booked[0],
        &BookingEdit {
            end: Some("2026-11-10T14:00:00Z".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&moved, BookingError::App(AppError::Conflict(m)) if m.contains("draft invoice")),
        "{moved}"
    );
    assert!(matches!(
        bookings::cancel(&ctx, &paula, booked[2]).await,
        Err(AppError::Conflict(_))
    ));

    // A second draft finds nothing left to bill; deleting the first frees the bookings.
    let second = billing::generate_draft(&ctx, &paula, &november)
        .await
        .unwrap();
    assert!(second.totals.lines.is_empty());
    billing::delete_draft(&ctx, &paula, second.invoice.id)
        .await
        .unwrap();
    billing::delete_draft(&ctx, &paula, draft.invoice.id)
        .await
        .unwrap();
    assert_eq!(invoice_of(booked[0]).await, None);
    let again = billing::generate_draft(&ctx, &paula, &november)
        .await
        .unwrap();
    assert_eq!(again.totals.gross.minor, 293_633);

    // Issued, it names the invoice; a credit note frees the bookings to be billed anew.
    let issued = billing::issue(&ctx, &paula, again.invoice.id, d("2026-12-01"))
        .await
        .unwrap();
    let refused = bookings::cancel(&ctx, &paula, booked[1]).await.unwrap_err();
    assert!(refused.to_string().contains(&issued.label()), "{refused}");
    let credit = billing::credit_note(&ctx, &paula, issued.id).await.unwrap();
    billing::issue(&ctx, &paula, credit.id, d("2026-12-02"))
        .await
        .unwrap();
    assert_eq!(invoice_of(booked[1]).await, None);

    // Up to a reached milestone: the period runs from the project's start (the plan's, 2 Nov;
    // before its first booking) to the day it was reached; one not reached, one not in the plan, and one before the next period refused.
    postflow_app::plan::plan_from_template(
        &ctx,
        &paula,
        "ACME-SPOT",
        "commercial",
        "2026-11-02",
        d("2026-11-02"),
    )
    .await
    .unwrap();
    let plan = store.plans_of(&[project.id]).await.unwrap();
    let mut milestones = plan
        .tasks
        .iter()
        .filter(|t| t.milestone.is_some() && t.milestone.as_deref() != Some("picture_lock"));
    let (reached, later) = (
        milestones.next().expect("the template has milestones"),
        milestones.next().expect("and a second one"),
    );
    postflow_app::plan::report_progress(
        &ctx,
        &paula,
        "ACME-SPOT",
        &reached.key,
        &postflow_app::plan::ProgressDraft {
            status: "approved".into(),
            percent_complete: "100".into(),
            checklist_done: None,
        },
        d("2026-11-20"),
    )
    .await
    .unwrap();
    let up_to = |milestone: &str| DraftRequest {
        project_code: "ACME-SPOT".into(),
        series_code: "2026".into(),
        from: String::new(),
        to: String::new(),
        milestone: milestone.into(),
        instalments: vec![],
        due_days: Some(30),
    };
    let at_milestone = billing::generate_draft(&ctx, &paula, &up_to(&reached.key))
        .await
        .unwrap();
    assert_eq!(
        (
            at_milestone.invoice.period_from,
            at_milestone.invoice.period_to,
            at_milestone.invoice.supply_date
        ),
        (
            Some(d("2026-11-02")),
            Some(d("2026-11-20")),
            Some(d("2026-11-20"))
        )
    );
    assert_eq!(
        at_milestone.totals.gross.minor, 293_633,
        "the three bookings again"
    );
    let not_yet = billing::generate_draft(&ctx, &paula, &up_to(&later.key))
        .await
        .unwrap_err();
    assert!(
        matches!(&not_yet, AppError::Conflict(m) if m.contains("is not reached yet")),
        "{not_yet}"
    );
    let unknown = billing::generate_draft(&ctx, &paula, &up_to("wrap_party"))
        .await
        .unwrap_err();
    assert!(message(unknown).contains("no milestone \"wrap_party\""));
    // The next period starts on 21 November, after the milestone: refused, naming both days.
    let again = billing::generate_draft(&ctx, &paula, &up_to(&reached.key))
        .await
        .unwrap_err();
    assert!(
        message(again).contains("reached on 2026-11-20"),
        "the period after it"
    );
    let both = DraftRequest {
        to: "2026-11-30".into(),
        ..up_to(&reached.key)
    };
    assert!(message(
        billing::generate_draft(&ctx, &paula, &both)
            .await
            .unwrap_err()
    )
    .contains("leave the end empty"));
    billing::delete_draft(&ctx, &paula, at_milestone.invoice.id)
        .await
        .unwrap();

    // A room priced only from a later date cannot be billed before it: a clear refusal.
    billing::add_rate(
        &ctx,
        &paula,
        card,
        &RateDraft {
            kind: "sell".into(),
            unit: "hour".into(),
            room_id: Some(ingest.id),
            amount: "40.00".into(),
            effective_from: "2026-12-01".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let err = billing::generate_draft(&ctx, &paula, &november)
        .await
        .unwrap_err();
    assert!(message(err).contains("room \"Ingest 1\""));
}

/// Runs the futures on the runtime's threads at once; their results in order.
async fn at_once<T: Send + 'static>(
    work: impl IntoIterator<Item = impl std::future::Future<Output = T> + Send + 'static>,
) -> Vec<T> {
    let handles: Vec<_> = work.into_iter().map(tokio::spawn).collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.expect("the task ran"));
    }
    out
}
