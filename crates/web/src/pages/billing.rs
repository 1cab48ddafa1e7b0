//! Billing: the invoice list with the form that drafts one for a period, a draft's page
//! (add and remove lines, issue, delete), an issued invoice's page (credit note, mark paid),
//! the printable invoice with the EU VAT particulars, and the CSV of its lines. Producers
//! only (`ViewBilling` to look, `ManageBilling` to change).
use super::time::outcome;
use super::{render, Chrome};
use crate::auth::{self, CurrentUser, Posted};
use crate::{guard, AppError, AppState};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use postflow_app::billing::{self, DraftRequest, InvoiceView, LineDraft};
use postflow_core::access::Action;
use postflow_core::billing::TaxRate;
use postflow_store::billing::Invoice;
use serde::Deserialize;
use std::collections::HashMap;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/billing", get(billing_page))
        .route("/billing/drafts", post(generate))
        .route("/billing/reports", get(reports_page))
        .route("/billing/series", post(create_series))
        .route("/billing/clients", post(set_client_billing))
        .route("/billing/terms", post(set_terms))
        .route("/billing/rate-cards", post(create_rate_card))
        .route("/billing/rates", post(add_rate))
        .route("/billing/reports.csv", get(reports_csv))
        .route("/billing/invoices/{id}", get(invoice_page))
        .route("/billing/invoices/{id}/print", get(print_page))
        .route("/billing/invoices/{id}/lines.csv", get(lines_csv))
        .route("/billing/invoices/{id}/invoice.pdf", get(invoice_pdf))
        .route("/billing/invoices/{id}/lines", post(add_line))
        .route(
            "/billing/invoices/{id}/lines/{position}/remove",
            post(remove_line),
        )
        .route("/billing/invoices/{id}/issue", post(issue))
        .route("/billing/invoices/{id}/credit-note", post(credit_note))
        .route("/billing/invoices/{id}/paid", post(mark_paid))
        .route("/billing/invoices/{id}/delete", post(delete_draft))
}

struct ListRow {
    id: i64,
    label: String,
    kind: String,
    state: String,
    buyer: String,
    gross: String,
    issue_date: String,
}

struct Choice {
    value: String,
    label: String,
}

#[derive(Template)]
#[template(path = "billing.html")]
struct BillingPage {
    chrome: Chrome,
    rows: Vec<ListRow>,
    projects: Vec<Choice>,
    series: Vec<Choice>,
    can_manage: bool,
    clients: Vec<Choice>,
    cards: Vec<Choice>,
    /// Reached milestones a draft may bill up to (`CODE/key`).
    milestones: Vec<Choice>,
    /// Rooms and equipment a facility rate may be for.
    rooms: Vec<Choice>,
    rates: Vec<(String, String, String, String, String)>,
}

fn money(minor: i64, currency: &str) -> String {
    match postflow_core::money::Currency::parse(currency) {
        Ok(c) => postflow_core::money::Money::from_minor(minor, c).to_string(),
        Err(_) => format!("{minor} {currency}"),
    }
}

fn row(i: &Invoice) -> ListRow {
    ListRow {
        id: i.id,
        label: i.label(),
        kind: if i.kind == "credit_note" {
            "credit note".into()
        } else {
            "invoice".into()
        },
        state: i.state.clone(),
        buyer: i.buyer_name.clone(),
        gross: money(i.gross_minor, &i.currency),
        issue_date: i.issue_date.map(|d| d.to_string()).unwrap_or_default(),
    }
}

async fn billing_page(
    State(state): State<AppState>,
    who: CurrentUser,
) -> Result<Response, AppError> {
    let actor = guard::actor_for(&state, &who.user).await?;
    let invoices = billing::invoices(&state.app(), &actor).await?;
    let visible = guard::visible_projects(&state, &actor, false).await?;
    let projects = visible
        .iter()
        .map(|p| Choice {
            value: p.code.clone(),
            label: format!("{} {}", p.code, p.name),
        })
        .collect();
    // Reached milestones to bill up to, as `CODE/key` so the project is unambiguous.
    let ids: Vec<i64> = visible.iter().map(|p| p.id).collect();
    let plan = state.store.plans_of(&ids).await?;
    let mut milestones: Vec<(chrono::NaiveDate, Choice)> = plan
        .tasks
        .iter()
        .filter(|t| t.milestone.is_some())
        .filter_map(|t| {
            let reached = t.actual_finish?;
            let code = &visible.iter().find(|p| p.id == t.project_id)?.code;
            Some((
                reached,
                Choice {
                    value: format!("{code}/{}", t.key),
                    label: format!("{code} — {} (reached {reached})", t.name),
                },
            ))
        })
        .collect();
    milestones.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.label.cmp(&b.1.label)));
    let milestones = milestones.into_iter().map(|(_, c)| c).collect();
    let series = state
        .store
        .invoice_series_list()
        .await?
        .into_iter()
        .map(|s| Choice {
            value: s.code.clone(),
            label: format!("{} ({}…)", s.code, s.prefix),
        })
        .collect();
    let clients = state
        .store
        .list_clients(false)
        .await?
        .into_iter()
        .map(|c| Choice {
            value: c.id.to_string(),
            label: format!("{} {}", c.code, c.name),
        })
        .collect();
    let rooms: Vec<Choice> = state
        .store
        .list_resources()
        .await?
        .into_iter()
        .filter(|r| r.user_id.is_none() && !r.archived)
        .map(|r| Choice {
            value: r.id.to_string(),
            label: r.name,
        })
        .collect();
    let room_name = |id: i64| {
        rooms
            .iter()
            .find(|r| r.value == id.to_string())
            .map(|r| r.label.clone())
            .unwrap_or_else(|| format!("room {id}"))
    };
    let mut cards = Vec::new();
    let mut rates = Vec::new();
    for card in billing::rate_cards(&state.app(), &actor).await? {
        cards.push(Choice {
            value: card.id.to_string(),
            label: card.name.clone(),
        });
        for r in &card.rates {
            let what = [
                r.person_id.map(|p| format!("person {p}")),
                r.role.clone(),
                r.activity.clone(),
                r.room_id.map(room_name),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(", ");
            rates.push((
                card.name.clone(),
                r.kind.as_str().to_string(),
                what,
                format!("{} / {}", r.amount, r.unit.as_str()),
                r.effective_from.to_string(),
            ));
        }
    }
    render(&BillingPage {
        chrome: Chrome::new(&who, "Billing"),
        rows: invoices.iter().map(row).collect(),
        projects,
        series,
        can_manage: postflow_core::access::can(&actor, Action::ManageBilling, None),
        clients,
        cards,
        milestones,
        rooms,
        rates,
    })
}

#[derive(Deserialize)]
struct DraftForm {
    #[serde(default)]
    project: String,
    #[serde(default)]
    series: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    /// `CODE/key` of a reached milestone, or empty.
    #[serde(default)]
    milestone: String,
    #[serde(default)]
    instalment_label: String,
    #[serde(default)]
    instalment_percent: String,
    #[serde(default)]
    due_days: String,
}

async fn generate(
    State(state): State<AppState>,
    posted: Posted<DraftForm>,
) -> Result<Response, AppError> {
    let Posted { who, form } = posted;
    let actor = guard::actor_for(&state, &who.user).await?;
    let mut instalments = Vec::new();
    if !form.instalment_label.trim().is_empty() || !form.instalment_percent.trim().is_empty() {
        instalments.push((
            form.instalment_label.clone(),
            form.instalment_percent.clone(),
        ));
    }
    let request = DraftRequest {
        project_code: form.project.clone(),
        series_code: form.series.clone(),
        from: form.from.clone(),
        to: form.to.clone(),
        instalments,
        due_days: form.due_days.trim().parse().ok(),
        // The choice names its project; one of another project is left whole, so the
        // refusal names it.
        milestone: match form.milestone.split_once('/') {
            Some((code, key)) if code == form.project.trim() => key.to_string(),
            _ => form.milestone.trim().to_string(),
        },
    };
    match billing::generate_draft(&state.app(), &actor, &request).await {
        Ok(draft) => {
            let mut note = format!("Draft created: {}.", draft.totals.gross);
            if draft.unapproved_entries > 0 {
                note.push_str(&format!(
                    " {} billable entries of the period wait for their week's approval.",
                    draft.unapproved_entries
                ));
            }
            Ok(auth::redirect_with_flash(
                &format!("/billing/invoices/{}", draft.invoice.id),
                &note,
                state.config.secure_cookies,
            ))
        }
        Err(e) => outcome(&state, "/billing", Err::<(), _>(e), |_| String::new()),
    }
}

pub(super) struct LineRow {
    pub(super) position: i64,
    pub(super) description: String,
    pub(super) quantity: String,
    pub(super) unit: String,
    pub(super) unit_price: String,
    pub(super) discount: String,
    pub(super) tax: String,
    pub(super) net: String,
    pub(super) gross: String,
}

pub(super) struct GroupRow {
    pub(super) rate: String,
    pub(super) taxable: String,
    pub(super) tax: String,
}

/// What both the invoice page and the printable invoice show (a quote prints through it too,
/// with `is_quote` set: `issue_date` is then the quote's date and `supply` its validity).
pub(super) struct Shown {
    pub(super) id: i64,
    pub(super) title: String,
    pub(super) label: String,
    pub(super) is_draft: bool,
    pub(super) is_issued: bool,
    pub(super) is_credit: bool,
    pub(super) state: String,
    pub(super) credit_of: Option<String>,
    pub(super) issue_date: String,
    pub(super) supply: String,
    pub(super) due_date: String,
    pub(super) seller_name: String,
    pub(super) seller_address: String,
    pub(super) seller_tax_id: String,
    pub(super) buyer_name: String,
    pub(super) buyer_address: String,
    pub(super) buyer_tax_id: String,
    pub(super) lines: Vec<LineRow>,
    pub(super) groups: Vec<GroupRow>,
    pub(super) net: String,
    pub(super) tax: String,
    pub(super) gross: String,
    pub(super) is_quote: bool,
}

pub(super) fn pct(bp: i64) -> String {
    TaxRate::from_basis_points(bp.clamp(0, 10_000) as u32)
        .unwrap_or(TaxRate::ZERO)
        .to_string()
}

async fn shown(state: &AppState, v: &InvoiceView) -> Result<Shown, AppError> {
    let i = &v.invoice;
    let credit_of = match i.credit_of {
        Some(id) => state.store.invoice(id).await?.map(|o| o.label()),
        None => None,
    };
    let supply = match (i.period_from, i.period_to) {
        (Some(f), Some(t)) if f != t => format!("{f} – {t}"),
        _ => i.supply_date.map(|d| d.to_string()).unwrap_or_default(),
    };
    let is_credit = i.kind == "credit_note";
    Ok(Shown {
        id: i.id,
        title: if is_credit {
            "Credit note".into()
        } else {
            "Invoice".into()
        },
        label: i.label(),
        is_draft: i.is_draft(),
        is_issued: i.state == "issued",
        is_credit,
        is_quote: false,
        state: i.state.clone(),
        credit_of,
        issue_date: i
            .issue_date
            .map(|d| d.to_string())
            .unwrap_or_else(|| "not issued".into()),
        supply,
        due_date: i.due_date.map(|d| d.to_string()).unwrap_or_default(),
        seller_name: i.seller_name.clone(),
        seller_address: i.seller_address.clone(),
        seller_tax_id: i.seller_tax_id.clone(),
        buyer_name: i.buyer_name.clone(),
        buyer_address: i.buyer_address.clone(),
        buyer_tax_id: i.buyer_tax_id.clone(),
        lines: v
            .lines
            .iter()
            .map(|l| {
                let q = l
                    .quantity()
                    .unwrap_or(postflow_core::billing::Quantity::UnitsMilli(0));
                LineRow {
                    position: l.position,
                    description: l.description.clone(),
                    quantity: q.display_amount(),
                    unit: q.unit_name().into(),
                    unit_price: v.money(l.unit_price_minor).to_string(),
                    discount: if l.discount_bp == 0 {
                        String::new()
                    } else {
                        pct(l.discount_bp)
                    },
                    tax: pct(l.tax_bp),
                    net: v.money(l.net_minor).to_string(),
                    gross: v.money(l.gross_minor).to_string(),
                }
            })
            .collect(),
        groups: v
            .groups
            .iter()
            .map(|g| GroupRow {
                rate: g.rate.to_string(),
                taxable: g.taxable.to_string(),
                tax: g.tax.to_string(),
            })
            .collect(),
        net: v.money(i.net_minor).to_string(),
        tax: v.money(i.tax_minor).to_string(),
        gross: v.money(i.gross_minor).to_string(),
    })
}

#[derive(Template)]
#[template(path = "invoice.html")]
struct InvoicePage {
    chrome: Chrome,
    inv: Shown,
    can_manage: bool,
}

#[derive(Template)]
#[template(path = "invoice_print.html")]
pub(super) struct PrintPage {
    pub(super) inv: Shown,
}

async fn invoice_page(
    State(state): State<AppState>,
    who: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let actor = guard::actor_for(&state, &who.user).await?;
    let v = billing::invoice_view(&state.app(), &actor, id).await?;
    render(&InvoicePage {
        chrome: Chrome::new(&who, "Billing"),
        inv: shown(&state, &v).await?,
        can_manage: postflow_core::access::can(&actor, Action::ManageBilling, None),
    })
}

async fn print_page(
    State(state): State<AppState>,
    who: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let actor = guard::actor_for(&state, &who.user).await?;
    let v = billing::invoice_view(&state.app(), &actor, id).await?;
    render(&PrintPage {
        inv: shown(&state, &v).await?,
    })
}

async fn lines_csv(
    State(state): State<AppState>,
    who: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let actor = guard::actor_for(&state, &who.user).await?;
    let csv = billing::invoice_csv(&state.app(), &actor, id).await?;
    let name = state
        .store
        .invoice(id)
        .await?
        .map(|i| i.label())
        .unwrap_or_default()
        .replace(' ', "-");
    Ok(super::exports::csv_response(
        &format!("{name}-lines.csv"),
        csv,
    ))
}

#[derive(Deserialize)]
struct LineForm {
    #[serde(default)]
    description: String,
    #[serde(default)]
    quantity: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    unit_price: String,
    #[serde(default)]
    discount: String,
    #[serde(default)]
    tax: String,
}

fn page_of(id: i64) -> String {
    format!("/billing/invoices/{id}")
}

async fn add_line(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    posted: Posted<LineForm>,
) -> Result<Response, AppError> {
    let Posted { who, form } = posted;
    let actor = guard::actor_for(&state, &who.user).await?;
    let draft = LineDraft {
        description: form.description,
        quantity: form.quantity,
        unit: form.unit,
        unit_price: form.unit_price,
        discount: form.discount,
        tax: form.tax,
    };
    let result = billing::add_line(&state.app(), &actor, id, &draft).await;
    outcome(&state, &page_of(id), result, |t| {
        format!("Line added; the invoice is now {}.", t.gross)
    })
}

async fn remove_line(
    State(state): State<AppState>,
    Path((id, position)): Path<(i64, usize)>,
    posted: Posted<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let actor = guard::actor_for(&state, &posted.who.user).await?;
    let result = billing::remove_line(&state.app(), &actor, id, position).await;
    outcome(&state, &page_of(id), result, |t| {
        format!("Line removed; the invoice is now {}.", t.gross)
    })
}

#[derive(Deserialize)]
struct IssueForm {
    #[serde(default)]
    issue_date: String,
}

async fn issue(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    posted: Posted<IssueForm>,
) -> Result<Response, AppError> {
    let Posted { who, form } = posted;
    let actor = guard::actor_for(&state, &who.user).await?;
    let day = match form.issue_date.trim() {
        "" => chrono::Utc::now().date_naive(),
        t => chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d")
            .map_err(|_| AppError::BadRequest(format!("{t:?} is not a date; use YYYY-MM-DD")))?,
    };
    let result = billing::issue(&state.app(), &actor, id, day).await;
    outcome(&state, &page_of(id), result, |i| {
        format!("Issued as {}.", i.label())
    })
}

async fn credit_note(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    posted: Posted<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let actor = guard::actor_for(&state, &posted.who.user).await?;
    match billing::credit_note(&state.app(), &actor, id).await {
        Ok(note) => Ok(auth::redirect_with_flash(
            &page_of(note.id),
            "Credit note drafted; issue it to number it.",
            state.config.secure_cookies,
        )),
        Err(e) => outcome(&state, &page_of(id), Err::<(), _>(e), |_| String::new()),
    }
}

async fn mark_paid(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    posted: Posted<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let actor = guard::actor_for(&state, &posted.who.user).await?;
    let result = billing::mark_paid(&state.app(), &actor, id).await;
    outcome(&state, &page_of(id), result, |i| {
        format!("{} marked paid.", i.label())
    })
}

async fn delete_draft(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    posted: Posted<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let actor = guard::actor_for(&state, &posted.who.user).await?;
    let result = billing::delete_draft(&state.app(), &actor, id).await;
    match result {
        Ok(()) => Ok(auth::redirect_with_flash(
            "/billing",
            "Draft deleted.",
            state.config.secure_cookies,
        )),
        Err(e) => outcome(&state, &page_of(id), Err::<(), _>(e), |_| String::new()),
    }
}

/// How long Chromium may take to print one invoice before it is killed.
const PDF_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// The Chromium that prints PDFs: `POSTFLOW_CHROMIUM`, else the usual install paths.
fn chromium() -> Option<std::path::PathBuf> {
    if let Some(p) = std::env::var_os("POSTFLOW_CHROMIUM") {
        return Some(p.into());
    }
    [
        "/usr/bin/chromium",
        "/usr/bin/chromium-browser",
        "/usr/bin/google-chrome",
    ]
    .into_iter()
    .map(std::path::PathBuf::from)
    .find(|p| p.exists())
}

/// Prints `html` to PDF with headless Chromium (a child process with a timeout, killed on
/// drop), in a private temporary directory removed afterwards.
pub(super) async fn html_to_pdf(html: &str) -> Result<Vec<u8>, AppError> {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let Some(exe) = chromium() else {
        return Err(AppError::Conflict(
            "PDF export needs Chromium on the server (set POSTFLOW_CHROMIUM); print the printable invoice from your browser instead".into(),
        ));
    };
    let dir = std::env::temp_dir().join(format!(
        "postflow-pdf-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
    let internal = |what: &str, e: std::io::Error| AppError::Internal(format!("{what}: {e}"));
    tokio::fs::create_dir_all(&dir)
        .await
        .map_err(|e| internal("PDF work directory", e))?;
    let result = async {
        let page = dir.join("invoice.html");
        let pdf = dir.join("invoice.pdf");
        tokio::fs::write(&page, html)
            .await
            .map_err(|e| internal("PDF page", e))?;
        let mut child = tokio::process::Command::new(&exe);
        child
            .arg("--headless")
            .arg("--no-sandbox")
            .arg("--disable-gpu")
            .arg("--disable-dev-shm-usage")
            .arg("--no-first-run")
            .arg("--no-pdf-header-footer")
            .arg(format!("--user-data-dir={}", dir.join("profile").display()))
            .arg(format!("--print-to-pdf={}", pdf.display()))
            .arg(format!("file://{}", page.display()))
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .kill_on_drop(true);
        let run = child.output();
        let out = tokio::time::timeout(PDF_TIMEOUT, run)
            .await
            .map_err(|_| {
                AppError::Internal("Chromium did not print the invoice within 60 s".into())
            })?
            .map_err(|e| internal("starting Chromium", e))?;
        match tokio::fs::read(&pdf).await {
            Ok(bytes) if out.status.success() && bytes.starts_with(b"%PDF-") => Ok(bytes),
            _ => Err(AppError::Internal(format!(
                "Chromium could not print the invoice: {}",
                String::from_utf8_lossy(&out.stderr)
                    .lines()
                    .last()
                    .unwrap_or("no output")
            ))),
        }
    }
    .await;
    let _ = tokio::fs::remove_dir_all(&dir).await;
    result
}

/// The printable invoice as a PDF (`ViewBilling`).
async fn invoice_pdf(
    State(state): State<AppState>,
    who: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let actor = guard::actor_for(&state, &who.user).await?;
    let v = billing::invoice_view(&state.app(), &actor, id).await?;
    let page = PrintPage {
        inv: shown(&state, &v).await?,
    };
    let name = v.invoice.label().replace(' ', "-");
    let bytes = html_to_pdf(&page.render()?).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}.pdf\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

#[derive(Deserialize, Default)]
struct ReportQuery {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

/// The period asked for; by default the current month so far.
fn period(q: &ReportQuery) -> Result<(chrono::NaiveDate, chrono::NaiveDate), AppError> {
    use chrono::Datelike;
    let today = chrono::Utc::now().date_naive();
    let parse = |t: &str, default: chrono::NaiveDate| -> Result<chrono::NaiveDate, AppError> {
        if t.trim().is_empty() {
            return Ok(default);
        }
        chrono::NaiveDate::parse_from_str(t.trim(), "%Y-%m-%d").map_err(|_| {
            AppError::BadRequest(format!("{:?} is not a date; use YYYY-MM-DD", t.trim()))
        })
    };
    let first = today.with_day(1).unwrap_or(today);
    Ok((parse(&q.from, first)?, parse(&q.to, today)?))
}

#[derive(Template)]
#[template(path = "billing_reports.html")]
struct ReportsPage {
    chrome: Chrome,
    from: String,
    to: String,
    charts: Vec<String>,
    utilization: Vec<(String, String, String, String, &'static str)>,
    departments: Vec<(String, String, String, String, &'static str)>,
    profitability: Vec<(String, String, String, String, String)>,
}

/// A utilization chart: one bar per person or department against the 80–90 % band.
fn utilization_chart(
    id: &str,
    title: &str,
    rows: &[postflow_core::billing::reports::Utilization],
) -> crate::charts::bars::BarChart {
    use crate::charts::bars::{BarChart, BarRow};
    use postflow_core::billing::reports::permille_text;
    BarChart {
        id: id.into(),
        title: title.into(),
        rows: rows
            .iter()
            .map(|u| BarRow {
                label: u.person.name.clone(),
                value: u.permille.unwrap_or(0) as f64 / 10.0,
                text: u
                    .permille
                    .map(permille_text)
                    .unwrap_or_else(|| "no working days".into()),
                compare: None,
                compare_text: None,
            })
            .collect(),
        legend: ("utilization %".into(), None),
        band: Some((80.0, 90.0)),
    }
}

/// Utilization as table rows: name, billable, available, percent, the band in words.
fn utilization_rows(
    rows: &[postflow_core::billing::reports::Utilization],
) -> Vec<(String, String, String, String, &'static str)> {
    use postflow_app::time::hours_minutes;
    use postflow_core::billing::reports::{permille_text, Band};
    rows.iter()
        .map(|u| {
            (
                u.person.name.clone(),
                hours_minutes(u.person.billable_minutes),
                hours_minutes(u.person.available_minutes),
                u.permille.map(permille_text).unwrap_or_default(),
                match u.band {
                    Some(Band::Below) => "below target",
                    Some(Band::Within) => "on target",
                    Some(Band::Above) => "above target",
                    None => "",
                },
            )
        })
        .collect()
}

/// An amount in major units (95.5 for 95.50 EUR), for a chart's scale.
pub(crate) fn major_units(m: postflow_core::money::Money) -> f64 {
    m.minor as f64 / 10f64.powi(m.currency.minor_digits() as i32)
}

fn hours(minutes: i64) -> f64 {
    minutes as f64 / 60.0
}

fn report_charts(r: &billing::StudioReport) -> Vec<String> {
    use crate::charts::bars::{render_bars, BarChart, BarRow};
    use postflow_app::time::hours_minutes;
    use postflow_core::billing::reports::permille_text;
    let utilization = utilization_chart(
        "chart-utilization",
        "Utilization: billable hours / available hours (target 80–90 %)",
        &r.utilization,
    );
    let departments = utilization_chart(
        "chart-departments",
        "Utilization per department (people's titles)",
        &r.departments,
    );
    let money = major_units;
    let profit = BarChart {
        id: "chart-profitability".into(),
        title: "Profitability: revenue invoiced and cost of the time logged".into(),
        rows: r
            .profitability
            .iter()
            .map(|p| BarRow {
                label: p.project.clone(),
                value: money(p.revenue),
                text: format!(
                    "{} (margin {}{})",
                    p.revenue,
                    p.margin,
                    p.margin_permille
                        .map(|m| format!(", {}", permille_text(m)))
                        .unwrap_or_default()
                ),
                compare: Some(money(p.cost)),
                compare_text: Some(format!("cost {}", p.cost)),
            })
            .collect(),
        legend: ("revenue".into(), Some("cost".into())),
        band: None,
    };
    let activity = BarChart {
        id: "chart-activity".into(),
        title: "Hours by activity".into(),
        rows: r
            .by_activity
            .iter()
            .map(|a| BarRow {
                label: a.activity.clone(),
                value: hours(a.minutes),
                text: format!("{} h", hours_minutes(a.minutes)),
                compare: Some(hours(a.billable_minutes)),
                compare_text: Some(format!("{} h billable", hours_minutes(a.billable_minutes))),
            })
            .collect(),
        legend: ("hours".into(), Some("billable".into())),
        band: None,
    };
    let budget = BarChart {
        id: "chart-budget".into(),
        title: "Budget against actual hours per stage".into(),
        rows: r
            .budgets
            .iter()
            .flat_map(|(code, lines)| {
                lines.iter().map(move |s| BarRow {
                    label: format!("{code} {}", s.budget.name),
                    value: hours(s.actual.minutes),
                    text: format!(
                        "{} h{}",
                        hours_minutes(s.actual.minutes),
                        s.hours_percent
                            .map(|p| format!(" ({p} %)"))
                            .unwrap_or_default()
                    ),
                    compare: s.budget.minutes.map(hours),
                    compare_text: s
                        .budget
                        .minutes
                        .map(|m| format!("budget {} h", hours_minutes(m))),
                })
            })
            .collect(),
        legend: ("actual".into(), Some("budget".into())),
        band: None,
    };
    [utilization, departments, profit, activity, budget]
        .iter()
        .map(render_bars)
        .collect()
}

async fn reports_page(
    State(state): State<AppState>,
    who: CurrentUser,
    axum::extract::Query(q): axum::extract::Query<ReportQuery>,
) -> Result<Response, AppError> {
    use postflow_core::billing::reports::permille_text;
    let actor = guard::actor_for(&state, &who.user).await?;
    let (from, to) = period(&q)?;
    let r = billing::reports(&state.app(), &actor, from, to).await?;
    render(&ReportsPage {
        chrome: Chrome::new(&who, "Billing"),
        from: from.to_string(),
        to: to.to_string(),
        charts: report_charts(&r),
        utilization: utilization_rows(&r.utilization),
        departments: utilization_rows(&r.departments),
        profitability: r
            .profitability
            .iter()
            .map(|p| {
                (
                    p.project.clone(),
                    p.revenue.to_string(),
                    p.cost.to_string(),
                    p.margin.to_string(),
                    p.margin_permille.map(permille_text).unwrap_or_default(),
                )
            })
            .collect(),
    })
}

async fn reports_csv(
    State(state): State<AppState>,
    who: CurrentUser,
    axum::extract::Query(q): axum::extract::Query<ReportQuery>,
) -> Result<Response, AppError> {
    let actor = guard::actor_for(&state, &who.user).await?;
    let (from, to) = period(&q)?;
    let r = billing::reports(&state.app(), &actor, from, to).await?;
    Ok(super::exports::csv_response(
        &format!("reports-{from}-{to}.csv"),
        billing::reports_csv(&r),
    ))
}

#[derive(Deserialize)]
struct SeriesForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    prefix: String,
    #[serde(default)]
    seller_name: String,
    #[serde(default)]
    seller_address: String,
    #[serde(default)]
    seller_tax_id: String,
}

async fn create_series(
    State(state): State<AppState>,
    posted: Posted<SeriesForm>,
) -> Result<Response, AppError> {
    let Posted { who, form } = posted;
    let actor = guard::actor_for(&state, &who.user).await?;
    let input = postflow_store::billing::SeriesInput {
        code: form.code,
        prefix: form.prefix,
        seller_name: form.seller_name,
        seller_address: form.seller_address,
        seller_tax_id: form.seller_tax_id,
    };
    let result = billing::create_series(&state.app(), &actor, input).await;
    outcome(&state, "/billing", result, |s| {
        format!("Invoice series {} created.", s.code)
    })
}

#[derive(Deserialize)]
struct ClientBillingForm {
    client: i64,
    #[serde(default)]
    legal_name: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    tax_id: String,
    #[serde(default)]
    currency: String,
    #[serde(default)]
    tax: String,
    #[serde(default)]
    rate_card: String,
}

async fn set_client_billing(
    State(state): State<AppState>,
    posted: Posted<ClientBillingForm>,
) -> Result<Response, AppError> {
    let Posted { who, form } = posted;
    let actor = guard::actor_for(&state, &who.user).await?;
    let draft = billing::ClientBillingDraft {
        legal_name: form.legal_name,
        address: form.address,
        tax_id: form.tax_id,
        currency: form.currency,
        tax: form.tax,
        rate_card_id: form.rate_card.trim().parse().ok(),
    };
    let result = billing::set_client_billing(&state.app(), &actor, form.client, &draft).await;
    outcome(&state, "/billing", result, |b| {
        format!("Billing details of {} saved.", b.legal_name)
    })
}

#[derive(Deserialize)]
struct TermsForm {
    #[serde(default)]
    project: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    fee: String,
    #[serde(default)]
    included_hours: String,
    #[serde(default)]
    included_rounds: String,
    #[serde(default)]
    extra_round_price: String,
    #[serde(default)]
    rounds_used: String,
}

async fn set_terms(
    State(state): State<AppState>,
    posted: Posted<TermsForm>,
) -> Result<Response, AppError> {
    let Posted { who, form } = posted;
    let actor = guard::actor_for(&state, &who.user).await?;
    let count = |t: &str, field: &'static str| -> Result<u32, postflow_app::AppError> {
        match t.trim() {
            "" => Ok(0),
            t => t.parse().map_err(|_| {
                postflow_app::AppError::field(field, format!("{t:?} is not a number of rounds"))
            }),
        }
    };
    let result = async {
        let draft = billing::TermsDraft {
            kind: form.kind.clone(),
            fee: form.fee.clone(),
            included_hours: form.included_hours.clone(),
            included_rounds: count(&form.included_rounds, "included_rounds")?,
            extra_round_price: form.extra_round_price.clone(),
            rounds_used: count(&form.rounds_used, "rounds_used")?,
        };
        billing::set_terms(&state.app(), &actor, &form.project, &draft).await
    }
    .await;
    outcome(&state, "/billing", result, |t| {
        format!("Terms saved: {}.", t.kind.replace('_', " "))
    })
}

#[derive(Deserialize)]
struct CardForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    client: String,
    #[serde(default)]
    currency: String,
}

async fn create_rate_card(
    State(state): State<AppState>,
    posted: Posted<CardForm>,
) -> Result<Response, AppError> {
    let Posted { who, form } = posted;
    let actor = guard::actor_for(&state, &who.user).await?;
    let result = billing::create_rate_card(
        &state.app(),
        &actor,
        &form.name,
        form.client.trim().parse().ok(),
        &form.currency,
    )
    .await;
    outcome(&state, "/billing", result, |_| {
        format!("Rate card {} created.", form.name.trim())
    })
}

#[derive(Deserialize)]
struct RateForm {
    card: i64,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    person: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    activity: String,
    #[serde(default)]
    room: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    effective_from: String,
}

async fn add_rate(
    State(state): State<AppState>,
    posted: Posted<RateForm>,
) -> Result<Response, AppError> {
    let Posted { who, form } = posted;
    let actor = guard::actor_for(&state, &who.user).await?;
    let draft = postflow_app::billing::RateDraft {
        kind: form.kind,
        unit: form.unit,
        person_id: form.person.trim().parse().ok(),
        role: form.role,
        activity: form.activity,
        room_id: form.room.trim().parse().ok(),
        amount: form.amount,
        effective_from: form.effective_from,
    };
    let result = billing::add_rate(&state.app(), &actor, form.card, &draft).await;
    outcome(&state, "/billing", result, |_| "Rate added.".into())
}
