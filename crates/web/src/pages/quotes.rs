//! A project's billing page (its budget against actuals with the alerts, its quotes and the
//! form that drafts one from the plan), a quote's page (lines, discount, send; accept or
//! decline for the client), and the printable quote and its PDF — printed through the
//! invoice's print template and PDF writer. The client sees only sent and decided quotes,
//! with sell prices only.
use super::billing::{html_to_pdf, pct, GroupRow, LineRow, PrintPage, Shown};
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
use postflow_app::billing::{self, LineDraft};
use postflow_app::quotes::{self, QuoteLineDraft, QuoteRequest, QuoteView};
use postflow_core::access::{can, Action};
use postflow_core::money::{Currency, Money};
use std::collections::HashMap;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/projects/{code}/billing", get(project_billing))
        .route("/projects/{code}/quotes", post(create))
        .route("/projects/{code}/quotes/{id}", get(quote_page))
        .route("/projects/{code}/quotes/{id}/print", get(print_page))
        .route("/projects/{code}/quotes/{id}/quote.pdf", get(quote_pdf))
        .route("/projects/{code}/quotes/{id}/lines", post(add_line))
        .route(
            "/projects/{code}/quotes/{id}/lines/{position}/remove",
            post(remove_line),
        )
        .route("/projects/{code}/quotes/{id}/discount", post(discount))
        .route("/projects/{code}/quotes/{id}/send", post(send))
        .route("/projects/{code}/quotes/{id}/accept", post(accept))
        .route("/projects/{code}/quotes/{id}/decline", post(decline))
}

fn quote_path(code: &str, id: i64) -> String {
    format!("/projects/{code}/quotes/{id}")
}

fn money(minor: i64, currency: &str) -> String {
    match Currency::parse(currency) {
        Ok(c) => Money::from_minor(minor, c).to_string(),
        Err(_) => format!("{minor} {currency}"),
    }
}

fn hours(minutes: i64) -> String {
    format!("{}:{:02}", minutes / 60, minutes % 60)
}

struct QuoteRow {
    id: i64,
    label: String,
    title: String,
    state: String,
    gross: String,
    sent: String,
}

struct BudgetRow {
    name: String,
    hours: String,
    actual_hours: String,
    hours_percent: String,
    money: String,
    actual_money: String,
    money_percent: String,
    actual_cost: String,
    forecast: String,
    over: bool,
}

struct StageChoice {
    key: String,
    name: String,
    activity: String,
}

#[derive(Template)]
#[template(path = "project_billing.html")]
struct ProjectBillingPage {
    chrome: Chrome,
    code: String,
    name: String,
    can_manage: bool,
    quotes: Vec<QuoteRow>,
    budget: Vec<BudgetRow>,
    alerts: Vec<String>,
    stages: Vec<StageChoice>,
    activities: Vec<String>,
    cards: Vec<(String, String)>,
    budget_error: Option<String>,
    /// The burn chart (SVG), with a budget or time to show.
    burn: Option<String>,
}

/// The burn chart's view of a project's spend.
fn burn_chart(code: &str, burn: &billing::Burn) -> crate::charts::burn::BurnChart {
    use crate::charts::burn::{BurnChart, BurnDay};
    let major = super::billing::major_units;
    BurnChart {
        id: "chart-burn".into(),
        title: format!("{code}: spend against budget"),
        days: burn
            .points
            .iter()
            .map(|p| BurnDay {
                date: p.date,
                sell: major(p.sell),
                cost: major(p.cost),
                sell_text: p.sell.to_string(),
                cost_text: p.cost.to_string(),
            })
            .collect(),
        budget: burn.budget_sell.map(|b| (major(b), b.to_string())),
        // Nothing spent forecasts nothing: no line at zero.
        forecast: burn
            .forecast_sell
            .filter(|f| f.minor > 0)
            .map(|f| (major(f), f.to_string())),
    }
}

async fn project_billing(
    State(state): State<AppState>,
    who: CurrentUser,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    let actor = guard::actor_for(&state, &who.user).await?;
    let app = state.app();
    let (project, _) =
        postflow_app::access::project(&app, &actor, &code, Action::ViewProject).await?;
    let list = quotes::quotes(&app, &actor, &code).await?;
    let can_manage = can(&actor, Action::ManageBilling, None);
    let quotes: Vec<QuoteRow> = list
        .iter()
        .map(|q| QuoteRow {
            id: q.id,
            label: q.label(),
            title: q.title.clone(),
            state: q.state.clone(),
            gross: money(q.gross_minor, &q.currency),
            sent: q
                .sent_at
                .map(|d| d.date_naive().to_string())
                .unwrap_or_default(),
        })
        .collect();
    let (mut budget, mut alerts, mut stages, mut activities, mut cards) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut budget_error = None;
    let mut burn = None;
    if can_manage {
        match billing::budget_overview(&app, &actor, &code).await {
            Ok((report, found, spent)) => {
                if !report.is_empty() || !spent.points.is_empty() {
                    burn = Some(crate::charts::burn::render_burn(&burn_chart(
                        project.code.as_ref(),
                        &spent,
                    )));
                }
                for s in report {
                    let c = s.actual.sell.currency;
                    budget.push(BudgetRow {
                        name: s.budget.name.clone(),
                        hours: s.budget.minutes.map(hours).unwrap_or_default(),
                        actual_hours: hours(s.actual.minutes),
                        hours_percent: s
                            .hours_percent
                            .map(|p| format!("{p} %"))
                            .unwrap_or_default(),
                        money: s.budget.sell.map(|m| m.to_string()).unwrap_or_default(),
                        actual_money: Money::from_minor(s.actual.sell.minor, c).to_string(),
                        money_percent: s
                            .money_percent
                            .map(|p| format!("{p} %"))
                            .unwrap_or_default(),
                        actual_cost: Money::from_minor(s.actual.cost.minor, c).to_string(),
                        forecast: s.forecast_sell.map(|m| m.to_string()).unwrap_or_default(),
                        over: s.hours_percent.unwrap_or(0) >= 100
                            || s.money_percent.unwrap_or(0) >= 100,
                    });
                }
                alerts = found.iter().map(|a| a.message()).collect();
            }
            Err(e) => budget_error = Some(e.to_string()),
        }
        stages = quotes::stage_activities(&app, &actor, &code)
            .await?
            .into_iter()
            .map(|(key, name, activity)| StageChoice {
                key,
                name,
                activity,
            })
            .collect();
        activities = postflow_app::time::activities(&app)
            .await?
            .into_iter()
            .map(|a| a.name)
            .collect();
        cards = billing::rate_cards(&app, &actor)
            .await?
            .into_iter()
            .filter(|c| c.client_id.is_none() || c.client_id == Some(project.client_id))
            .map(|c| (c.id.to_string(), c.name))
            .collect();
    }
    render(&ProjectBillingPage {
        chrome: Chrome::new(&who, "Projects"),
        code: project.code.to_string(),
        name: project.name.clone(),
        can_manage,
        quotes,
        budget,
        alerts,
        stages,
        activities,
        cards,
        budget_error,
        burn,
    })
}

async fn create(
    State(state): State<AppState>,
    Path(code): Path<String>,
    posted: Posted<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let Posted { who, form } = posted;
    let actor = guard::actor_for(&state, &who.user).await?;
    let field = |k: &str| {
        form.get(k)
            .map(|s| s.trim().to_string())
            .unwrap_or_default()
    };
    let back = format!("/projects/{code}/billing");
    let rate_card_id = match field("rate_card").as_str() {
        "" => None,
        t => match t.parse::<i64>() {
            Ok(v) => Some(v),
            Err(_) => {
                return outcome(
                    &state,
                    &back,
                    Err::<(), _>(postflow_app::AppError::field(
                        "rate_card",
                        "choose a rate card",
                    )),
                    |_| String::new(),
                )
            }
        },
    };
    let valid_days = field("valid_days").parse::<i64>().ok();
    let activities = form
        .iter()
        .filter_map(|(k, v)| {
            k.strip_prefix("activity_")
                .map(|s| (s.to_string(), v.clone()))
        })
        .collect();
    let req = QuoteRequest {
        title: field("title"),
        rate_card_id,
        activities,
        valid_days,
        date: None,
    };
    match quotes::create_quote(&state.app(), &actor, &code, &req).await {
        Ok(v) => Ok(auth::redirect_with_flash(
            &quote_path(&code, v.quote.id),
            &format!(
                "{} drafted: {}. Adjust it, then send it to the client.",
                v.quote.label(),
                v.money(v.quote.gross_minor)
            ),
            state.config.secure_cookies,
        )),
        Err(e) => outcome(&state, &back, Err::<(), _>(e), |_| String::new()),
    }
}

struct QuoteLineRow {
    row: LineRow,
    stage: String,
    hours: String,
}

#[derive(Template)]
#[template(path = "quote.html")]
struct QuotePage {
    chrome: Chrome,
    code: String,
    q: Shown,
    lines: Vec<QuoteLineRow>,
    internal: bool,
    can_decide: bool,
    rate_card: String,
    stages: Vec<String>,
}

/// The quote the path names, or not found when it is another project's.
async fn view(
    state: &AppState,
    who: &CurrentUser,
    code: &str,
    id: i64,
) -> Result<QuoteView, AppError> {
    let actor = guard::actor_for(state, &who.user).await?;
    let v = quotes::quote_view(&state.app(), &actor, id).await?;
    if !v.project.code.as_str().eq_ignore_ascii_case(code.trim()) {
        return Err(postflow_app::AppError::NotFound(format!("quote {id}")).into());
    }
    Ok(v)
}

fn shown(v: &QuoteView) -> Shown {
    let q = &v.quote;
    Shown {
        id: q.id,
        title: "Quote".into(),
        label: format!("{} · {}", q.label(), v.project.code),
        is_draft: q.state == "draft",
        is_issued: false,
        is_credit: false,
        is_quote: true,
        state: q.state.clone(),
        credit_of: None,
        issue_date: q.sent_at.unwrap_or(q.created_at).date_naive().to_string(),
        supply: q.valid_until.map(|d| d.to_string()).unwrap_or_default(),
        due_date: String::new(),
        seller_name: q.seller_name.clone(),
        seller_address: q.seller_address.clone(),
        seller_tax_id: q.seller_tax_id.clone(),
        buyer_name: q.buyer_name.clone(),
        buyer_address: q.buyer_address.clone(),
        buyer_tax_id: q.buyer_tax_id.clone(),
        lines: v.lines.iter().map(|l| line_row(v, l)).collect(),
        groups: v
            .groups
            .iter()
            .map(|g| GroupRow {
                rate: g.rate.to_string(),
                taxable: g.taxable.to_string(),
                tax: g.tax.to_string(),
            })
            .collect(),
        net: v.money(q.net_minor).to_string(),
        tax: v.money(q.tax_minor).to_string(),
        gross: v.money(q.gross_minor).to_string(),
    }
}

fn line_row(v: &QuoteView, l: &postflow_store::quotes::QuoteLine) -> LineRow {
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
}

async fn quote_page(
    State(state): State<AppState>,
    who: CurrentUser,
    Path((code, id)): Path<(String, i64)>,
) -> Result<Response, AppError> {
    let v = view(&state, &who, &code, id).await?;
    let actor = guard::actor_for(&state, &who.user).await?;
    let lines = v
        .lines
        .iter()
        .map(|l| QuoteLineRow {
            row: line_row(&v, l),
            stage: l.stage.clone(),
            hours: if l.stage.is_empty() {
                String::new()
            } else {
                hours(l.minutes)
            },
        })
        .collect();
    let mut stages: Vec<String> = v
        .lines
        .iter()
        .filter(|l| !l.stage.is_empty())
        .map(|l| l.stage.clone())
        .collect();
    stages.dedup();
    let client = actor.role == postflow_core::access::Role::Client;
    render(&QuotePage {
        chrome: Chrome::new(&who, "Projects"),
        code: v.project.code.to_string(),
        q: shown(&v),
        lines,
        internal: v.internal,
        can_decide: v.quote.state == "sent" && (v.internal || client),
        rate_card: v.rate_card.clone().unwrap_or_default(),
        stages,
    })
}

async fn print_page(
    State(state): State<AppState>,
    who: CurrentUser,
    Path((code, id)): Path<(String, i64)>,
) -> Result<Response, AppError> {
    let v = view(&state, &who, &code, id).await?;
    render(&PrintPage { inv: shown(&v) })
}

async fn quote_pdf(
    State(state): State<AppState>,
    who: CurrentUser,
    Path((code, id)): Path<(String, i64)>,
) -> Result<Response, AppError> {
    let v = view(&state, &who, &code, id).await?;
    let page = PrintPage { inv: shown(&v) };
    let name = format!("{}-{}", v.project.code, v.quote.label().replace(' ', "-"));
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

async fn add_line(
    State(state): State<AppState>,
    Path((code, id)): Path<(String, i64)>,
    posted: Posted<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let Posted { who, form } = posted;
    let actor = guard::actor_for(&state, &who.user).await?;
    let f = |k: &str| form.get(k).cloned().unwrap_or_default();
    let draft = QuoteLineDraft {
        line: LineDraft {
            description: f("description"),
            quantity: f("quantity"),
            unit: f("unit"),
            unit_price: f("unit_price"),
            discount: f("discount"),
            tax: f("tax"),
        },
        stage: f("stage"),
    };
    let result = quotes::add_quote_line(&state.app(), &actor, id, &draft).await;
    outcome(&state, &quote_path(&code, id), result, |v| {
        format!(
            "Line added; the quote is now {}.",
            v.money(v.quote.gross_minor)
        )
    })
}

async fn remove_line(
    State(state): State<AppState>,
    Path((code, id, position)): Path<(String, i64, usize)>,
    posted: Posted<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let actor = guard::actor_for(&state, &posted.who.user).await?;
    let result = quotes::remove_quote_line(&state.app(), &actor, id, position).await;
    outcome(&state, &quote_path(&code, id), result, |v| {
        format!(
            "Line removed; the quote is now {}.",
            v.money(v.quote.gross_minor)
        )
    })
}

async fn discount(
    State(state): State<AppState>,
    Path((code, id)): Path<(String, i64)>,
    posted: Posted<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let Posted { who, form } = posted;
    let actor = guard::actor_for(&state, &who.user).await?;
    let pct = form.get("discount").cloned().unwrap_or_default();
    let result = quotes::set_quote_discount(&state.app(), &actor, id, &pct).await;
    outcome(&state, &quote_path(&code, id), result, |v| {
        format!(
            "Discount set; the quote is now {}.",
            v.money(v.quote.gross_minor)
        )
    })
}

async fn send(
    State(state): State<AppState>,
    Path((code, id)): Path<(String, i64)>,
    posted: Posted<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let actor = guard::actor_for(&state, &posted.who.user).await?;
    let result = quotes::send_quote(&state.app(), &actor, id).await;
    outcome(&state, &quote_path(&code, id), result, |v| {
        format!(
            "{} sent to {}; they see it on this page.",
            v.quote.label(),
            v.quote.buyer_name
        )
    })
}

async fn accept(
    State(state): State<AppState>,
    Path((code, id)): Path<(String, i64)>,
    posted: Posted<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let actor = guard::actor_for(&state, &posted.who.user).await?;
    let result = quotes::decide_quote(&state.app(), &actor, id, true).await;
    outcome(&state, &quote_path(&code, id), result, |v| {
        format!(
            "{} accepted; it is the project's budget now.",
            v.quote.label()
        )
    })
}

async fn decline(
    State(state): State<AppState>,
    Path((code, id)): Path<(String, i64)>,
    posted: Posted<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let actor = guard::actor_for(&state, &posted.who.user).await?;
    let result = quotes::decide_quote(&state.app(), &actor, id, false).await;
    outcome(&state, &quote_path(&code, id), result, |v| {
        format!("{} declined.", v.quote.label())
    })
}
