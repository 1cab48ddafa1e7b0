//! Billing rows on both stores: gap-free invoice numbers under concurrent issues, one running
//! timer per person, issued invoices that never change, approved weeks that lock, rate cards
//! read back as core reads them.
use chrono::NaiveDate;
use postflow_core::access::Role;
use postflow_core::billing::rates::{RateKind, RateUnit};
use postflow_core::billing::{price_invoice, LineInput, Quantity, Rounding, TaxRate};
use postflow_core::money::{Currency, Money};
use postflow_core::project::{Code, ProjectStatus};
use postflow_store::accounts::NewUser;
use postflow_store::billing::{
    next_number_of, InvoiceKind, NewInvoice, NewRate, NewTimeEntry, NewTimer, SeriesInput,
};
use postflow_store::studio::{ClientInput, ProjectInput};
use postflow_store::{Store, StoreError};
use postflow_testkit::backends;

backends!(
    concurrent_issues_take_numbers_one_to_n_without_gaps_or_duplicates,
    a_person_has_one_running_timer,
    an_issued_invoice_never_changes_and_an_empty_one_is_not_issued,
    an_approved_week_is_locked_and_rate_cards_read_back,
);

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

struct Fixture {
    user_id: i64,
    client_id: i64,
    project_id: i64,
    series_id: i64,
    activity_id: i64,
}

async fn fixture(store: &Store) -> Fixture {
    let user = store
        .create_user(NewUser {
            email: "mia@studio.test".into(),
            name: "Mia".into(),
            role: Role::Artist,
            client_id: None,
            title: Some("Colorist".into()),
            password_hash: "h".into(),
        })
        .await
        .unwrap();
    let client = store
        .create_client(ClientInput {
            code: Code::parse("ACME").unwrap(),
            name: "Acme Films".into(),
            contact_email: None,
        })
        .await
        .unwrap();
    let project = store
        .create_project(ProjectInput {
            code: Code::parse("ACME-SPOT").unwrap(),
            name: "Spring spot".into(),
            client_id: client.id,
            status: ProjectStatus::Editorial,
            start_date: None,
            due_date: None,
        })
        .await
        .unwrap();
    let series = store
        .create_invoice_series(SeriesInput {
            code: "2026".into(),
            prefix: "PF-2026-".into(),
            seller_name: "Postflow Studio GmbH".into(),
            seller_address: "Hauptstr. 1, Berlin".into(),
            seller_tax_id: "DE123456789".into(),
        })
        .await
        .unwrap();
    let activity = store.create_activity("Color grading", true).await.unwrap();
    Fixture {
        user_id: user.id,
        client_id: client.id,
        project_id: project.id,
        series_id: series.id,
        activity_id: activity.id,
    }
}

async fn draft_with_a_line(store: &Store, f: &Fixture, euros: i64) -> i64 {
    let inv = store
        .create_invoice(NewInvoice {
            series_id: f.series_id,
            kind: InvoiceKind::Invoice,
            credit_of: None,
            client_id: f.client_id,
            project_id: Some(f.project_id),
            currency: "EUR".into(),
            rounding: "half_up".into(),
            period_from: None,
            period_to: None,
            supply_date: Some(d("2026-11-30")),
            due_date: None,
            buyer_name: "Acme Films Ltd".into(),
            buyer_address: "1 Main St".into(),
            buyer_tax_id: "GB999".into(),
            extra_rounds: 0,
            created_by: None,
        })
        .await
        .unwrap();
    let totals = price_invoice(
        Currency::EUR,
        &[LineInput {
            description: "Grading".into(),
            quantity: Quantity::units(1),
            unit_price: Money::from_minor(euros * 100, Currency::EUR),
            discount_bp: 0,
            tax: TaxRate::from_basis_points(1900).unwrap(),
        }],
        Rounding::HalfUp,
    )
    .unwrap();
    store.replace_invoice_lines(inv.id, &totals).await.unwrap();
    inv.id
}

async fn concurrent_issues_take_numbers_one_to_n_without_gaps_or_duplicates(store: &Store) {
    let f = fixture(store).await;
    const N: usize = 12;
    let mut drafts = Vec::new();
    for i in 0..N + 3 {
        drafts.push(draft_with_a_line(store, &f, 100 + i as i64).await);
    }
    // Drafts have no number.
    assert!(store
        .invoice(drafts[0])
        .await
        .unwrap()
        .unwrap()
        .number
        .is_none());
    let mut tasks = Vec::new();
    for (i, id) in drafts.iter().copied().enumerate() {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let tx = store.begin().await.unwrap();
            let issued = tx.issue_invoice(id, d("2026-12-01")).await.unwrap();
            if i >= N {
                // Three producers give up after taking a number: it must come back.
                drop(tx);
                return None;
            }
            tx.commit().await.unwrap();
            Some(issued.number.unwrap())
        }));
    }
    let mut numbers = Vec::new();
    for t in tasks {
        if let Some(n) = t.await.unwrap() {
            numbers.push(n);
        }
    }
    numbers.sort();
    assert_eq!(numbers, (1..=N as i64).collect::<Vec<_>>());
    assert_eq!(
        next_number_of(&**store, f.series_id).await.unwrap(),
        N as i64 + 1
    );
    // The rolled-back drafts are still drafts, and issue with the next numbers.
    let tx = store.begin().await.unwrap();
    let again = tx.issue_invoice(drafts[N], d("2026-12-02")).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(again.number, Some(N as i64 + 1));
    assert_eq!(again.number_text.as_deref(), Some("PF-2026-0013"));
    assert_eq!(again.seller_tax_id, "DE123456789");
}

async fn a_person_has_one_running_timer(store: &Store) {
    let f = fixture(store).await;
    let timer = |note: &str| NewTimer {
        user_id: f.user_id,
        project_id: f.project_id,
        task_id: None,
        activity_id: f.activity_id,
        note: note.into(),
        started_at: chrono::Utc::now(),
    };
    // Two starts at once: exactly one wins, the other is a clear conflict.
    let (a, b) = tokio::join!(store.start_timer(timer("a")), store.start_timer(timer("b")));
    let wins = [a.is_ok(), b.is_ok()].iter().filter(|w| **w).count();
    assert_eq!(wins, 1);
    let err = a.err().or(b.err()).unwrap();
    assert!(
        matches!(&err, StoreError::Conflict(m) if m.contains("already running")),
        "{err}"
    );
    let taken = store.take_timer(f.user_id).await.unwrap().unwrap();
    assert!(store.take_timer(f.user_id).await.unwrap().is_none());
    assert!(store.timer_of(f.user_id).await.unwrap().is_none());
    assert!(["a", "b"].contains(&taken.note.as_str()));
    store.start_timer(timer("c")).await.unwrap();
}

async fn an_issued_invoice_never_changes_and_an_empty_one_is_not_issued(store: &Store) {
    let f = fixture(store).await;
    let empty = draft_with_a_line(store, &f, 10).await;
    store
        .replace_invoice_lines(
            empty,
            &price_invoice(Currency::EUR, &[], Rounding::HalfUp).unwrap(),
        )
        .await
        .unwrap();
    let tx = store.begin().await.unwrap();
    let err = tx.issue_invoice(empty, d("2026-12-01")).await.unwrap_err();
    assert!(err.to_string().contains("no lines"), "{err}");
    drop(tx);
    assert_eq!(next_number_of(&**store, f.series_id).await.unwrap(), 1);

    let id = draft_with_a_line(store, &f, 250).await;
    let draft = store.invoice(id).await.unwrap().unwrap();
    assert_eq!(
        (draft.net_minor, draft.tax_minor, draft.gross_minor),
        (25_000, 4_750, 29_750)
    );
    let tx = store.begin().await.unwrap();
    let err = tx
        .mark_invoice_paid(id, chrono::Utc::now())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("issue it before"), "{err}");
    let issued = tx.issue_invoice(id, d("2026-12-01")).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(issued.number, Some(1));

    let other = price_invoice(Currency::EUR, &[], Rounding::HalfUp).unwrap();
    let err = store.replace_invoice_lines(id, &other).await.unwrap_err();
    assert!(err.to_string().contains("credit note"), "{err}");
    assert!(store.delete_draft(id).await.is_err());
    assert_eq!(store.invoice_lines(id).await.unwrap().len(), 1);
    let tx = store.begin().await.unwrap();
    assert!(tx.issue_invoice(id, d("2026-12-05")).await.is_err());
    let paid = tx.mark_invoice_paid(id, chrono::Utc::now()).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(paid.state, "paid");
    assert_eq!(paid.number, Some(1));
}

async fn an_approved_week_is_locked_and_rate_cards_read_back(store: &Store) {
    let f = fixture(store).await;
    let entry = store
        .insert_time_entry(NewTimeEntry {
            user_id: f.user_id,
            project_id: f.project_id,
            task_id: None,
            activity_id: f.activity_id,
            work_date: d("2026-11-04"),
            minutes: 300,
            billable: true,
            note: "grade".into(),
        })
        .await
        .unwrap();
    assert_eq!(
        store
            .minutes_on_day(f.user_id, d("2026-11-04"), None)
            .await
            .unwrap(),
        300
    );
    assert_eq!(
        store
            .minutes_on_day(f.user_id, d("2026-11-04"), Some(entry.id))
            .await
            .unwrap(),
        0
    );
    assert!(!store.week_locked(f.user_id, d("2026-11-04")).await.unwrap());
    // Approving any day of the week approves the week from Monday 2 November.
    let sheet = store
        .approve_timesheet(f.user_id, d("2026-11-06"), None)
        .await
        .unwrap();
    assert_eq!(sheet.week_start, d("2026-11-02"));
    assert!(store.week_locked(f.user_id, d("2026-11-08")).await.unwrap());
    assert!(!store.week_locked(f.user_id, d("2026-11-09")).await.unwrap());
    let again = store
        .approve_timesheet(f.user_id, d("2026-11-02"), None)
        .await
        .unwrap();
    assert_eq!(again.id, sheet.id);

    let card = store
        .create_rate_card("Studio 2026", None, Currency::EUR)
        .await
        .unwrap();
    assert!(matches!(
        store
            .create_rate_card("Studio 2026", None, Currency::EUR)
            .await,
        Err(StoreError::Duplicate { .. })
    ));
    store
        .add_rate(NewRate {
            card_id: card.id,
            kind: RateKind::Sell,
            unit: RateUnit::Hour,
            person_id: None,
            role: None,
            activity: Some("Color grading".into()),
            room_id: None,
            amount_minor: 15_000,
            effective_from: d("2026-01-01"),
        })
        .await
        .unwrap();
    let read = store.studio_rate_card().await.unwrap().unwrap();
    assert_eq!(read.rates.len(), 1);
    assert_eq!(
        read.rates[0].amount,
        Money::from_minor(15_000, Currency::EUR)
    );
    assert_eq!(read.rates[0].activity.as_deref(), Some("Color grading"));
}
