//! Time, timers, timesheets, rate cards, budgets and invoices under `/api/v1`. Every handler is
//! a use case of `postflow_app::time` or `postflow_app::billing`; amounts travel as exact
//! decimal strings, never floats.
use crate::api_error::{ApiError, ApiJson, ApiPath, ErrorDto};
use crate::auth::ApiUser;
use crate::guard;
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use postflow_api_types::{
    BudgetDto, BudgetInputDto, BudgetLineDto, ClientBillingInputDto, DraftRequestDto, InvoiceDto,
    InvoiceLineDto, InvoiceSeriesInputDto, IssueDto, LineInputDto, RateCardDto, RateCardInputDto,
    RateDto, RateInputDto, TaxGroupDto, TermsInputDto, TimeEntryDto, TimeEntryInputDto, TimerDto,
    TimerStartDto, TimesheetDto,
};
use postflow_app::billing::{self, DraftRequest, InvoiceView, LineDraft, RateDraft};
use postflow_app::time::{self, EntryDraft, TimerDraft, WeekSheet};
use postflow_core::money::Money;
use postflow_store::billing::TimeEntry;
use std::collections::HashMap;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(log_time))
        .routes(routes!(edit_entry, delete_entry))
        .routes(routes!(current_timer, start_timer))
        .routes(routes!(stop_timer))
        .routes(routes!(timesheet))
        .routes(routes!(approve_timesheet))
        .routes(routes!(rate_cards, create_rate_card))
        .routes(routes!(add_rate))
        .routes(routes!(budget, set_budget))
        .routes(routes!(invoices))
        .routes(routes!(generate_draft))
        .routes(routes!(invoice))
        .routes(routes!(add_line))
        .routes(routes!(issue))
        .routes(routes!(credit_note))
        .routes(routes!(mark_paid))
        .routes(routes!(create_series))
        .routes(routes!(set_client_billing))
        .routes(routes!(set_terms))
}

/// A decimal amount without the currency code (`311.67`).
pub(crate) fn decimal(m: Money) -> String {
    let s = m.to_string();
    s.rsplit_once(' ').map(|(a, _)| a.to_string()).unwrap_or(s)
}

async fn entry_dtos(
    state: &AppState,
    entries: &[TimeEntry],
) -> Result<Vec<TimeEntryDto>, ApiError> {
    let activities: HashMap<i64, String> = state
        .store
        .activities()
        .await?
        .into_iter()
        .map(|a| (a.id, a.name))
        .collect();
    let mut codes: HashMap<i64, String> = HashMap::new();
    let mut out = Vec::with_capacity(entries.len());
    for e in entries {
        if let std::collections::hash_map::Entry::Vacant(slot) = codes.entry(e.project_id) {
            let code = state
                .store
                .project_by_id(e.project_id)
                .await?
                .map(|p| p.code)
                .unwrap_or_default();
            slot.insert(code);
        }
        out.push(TimeEntryDto {
            id: e.id,
            user_id: e.user_id,
            project_code: codes[&e.project_id].clone(),
            activity: activities.get(&e.activity_id).cloned().unwrap_or_default(),
            date: e.work_date.to_string(),
            minutes: e.minutes,
            billable: e.billable,
            note: e.note.clone(),
            invoice_id: e.invoice_id,
        });
    }
    Ok(out)
}

#[utoipa::path(post, path = "/time/entries", request_body = TimeEntryInputDto,
    responses((status = 201, body = TimeEntryDto), (status = 400, body = ErrorDto), (status = 409, body = ErrorDto)))]
async fn log_time(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiJson(input): ApiJson<TimeEntryInputDto>,
) -> Result<(StatusCode, Json<TimeEntryDto>), ApiError> {
    let actor = guard::actor_for(&state, &user).await?;
    let entry = time::log_time(
        &state.app(),
        &actor,
        &EntryDraft {
            project_code: input.project_code,
            user_id: input.user_id,
            task_key: input.task_key,
            activity_id: input.activity_id,
            date: input.date,
            duration: input.duration,
            billable: input.billable,
            note: input.note,
        },
    )
    .await?;
    let mut dto = entry_dtos(&state, &[entry]).await?;
    Ok((StatusCode::CREATED, Json(dto.remove(0))))
}

/// Edits an entry with the checks of logging one: one's own, or anyone's for a producer; an
/// entry in an approved (locked) week or on an invoice is a 409. The person stays the entry's.
#[utoipa::path(put, path = "/time/entries/{id}", params(("id" = i64, Path, description = "Entry id")), request_body = TimeEntryInputDto,
    responses((status = 200, body = TimeEntryDto), (status = 400, body = ErrorDto), (status = 404, body = ErrorDto), (status = 409, body = ErrorDto)))]
async fn edit_entry(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<TimeEntryInputDto>,
) -> Result<Json<TimeEntryDto>, ApiError> {
    let actor = guard::actor_for(&state, &user).await?;
    let entry = time::edit_entry(
        &state.app(),
        &actor,
        id,
        &EntryDraft {
            project_code: input.project_code,
            user_id: None,
            task_key: input.task_key,
            activity_id: input.activity_id,
            date: input.date,
            duration: input.duration,
            billable: input.billable,
            note: input.note,
        },
    )
    .await?;
    let mut dto = entry_dtos(&state, &[entry]).await?;
    Ok(Json(dto.remove(0)))
}

#[utoipa::path(delete, path = "/time/entries/{id}", params(("id" = i64, Path, description = "Entry id")),
    responses((status = 204), (status = 404, body = ErrorDto), (status = 409, body = ErrorDto)))]
async fn delete_entry(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    let actor = guard::actor_for(&state, &user).await?;
    time::delete_entry(&state.app(), &actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

fn timer_dto(state_code: String, t: &postflow_store::billing::Timer) -> TimerDto {
    TimerDto {
        project_code: state_code,
        activity_id: t.activity_id,
        note: t.note.clone(),
        started_at: t.started_at.to_rfc3339(),
    }
}

/// The caller's running timer (`null` when none runs).
#[utoipa::path(get, path = "/time/timer", responses((status = 200, body = Option<TimerDto>)))]
async fn current_timer(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> Result<Json<Option<TimerDto>>, ApiError> {
    let actor = guard::actor_for(&state, &user).await?;
    let Some(t) = time::current_timer(&state.app(), &actor).await? else {
        return Ok(Json(None));
    };
    let code = state
        .store
        .project_by_id(t.project_id)
        .await?
        .map(|p| p.code)
        .unwrap_or_default();
    Ok(Json(Some(timer_dto(code, &t))))
}

/// Starts the caller's timer; one already running is a 409 (it is never stopped for you).
#[utoipa::path(post, path = "/time/timer", request_body = TimerStartDto,
    responses((status = 201, body = TimerDto), (status = 409, body = ErrorDto)))]
async fn start_timer(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiJson(input): ApiJson<TimerStartDto>,
) -> Result<(StatusCode, Json<TimerDto>), ApiError> {
    let actor = guard::actor_for(&state, &user).await?;
    let code = input.project_code.clone();
    let t = time::start_timer(
        &state.app(),
        &actor,
        &TimerDraft {
            project_code: input.project_code,
            activity_id: input.activity_id,
            note: input.note,
        },
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(timer_dto(code.trim().to_string(), &t)),
    ))
}

/// Stops the caller's timer into a time entry.
#[utoipa::path(post, path = "/time/timer/stop", responses((status = 201, body = TimeEntryDto), (status = 409, body = ErrorDto)))]
async fn stop_timer(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> Result<(StatusCode, Json<TimeEntryDto>), ApiError> {
    let actor = guard::actor_for(&state, &user).await?;
    let entry = time::stop_timer(&state.app(), &actor).await?;
    let mut dto = entry_dtos(&state, &[entry]).await?;
    Ok((StatusCode::CREATED, Json(dto.remove(0))))
}

async fn sheet_dto(state: &AppState, w: WeekSheet) -> Result<TimesheetDto, ApiError> {
    Ok(TimesheetDto {
        user_id: w.user_id,
        week_start: w.week_start.to_string(),
        per_day: w.per_day.to_vec(),
        total_minutes: w.total,
        approved: w.approved,
        entries: entry_dtos(state, &w.entries).await?,
    })
}

fn date(text: &str) -> Result<chrono::NaiveDate, ApiError> {
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
        crate::AppError::BadRequest(format!("{text:?} is not a date; use YYYY-MM-DD")).into()
    })
}

/// A person's week (the caller's own, or anyone's for producers); `date` is any day of it.
#[utoipa::path(get, path = "/time/timesheets/{user_id}/{date}",
    params(("user_id" = i64, Path, description = "Whose week"), ("date" = String, Path, description = "Any day of the week, YYYY-MM-DD")),
    responses((status = 200, body = TimesheetDto), (status = 403, body = ErrorDto)))]
async fn timesheet(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath((user_id, day)): ApiPath<(i64, String)>,
) -> Result<Json<TimesheetDto>, ApiError> {
    let actor = guard::actor_for(&state, &user).await?;
    let w = time::week(&state.app(), &actor, Some(user_id), date(&day)?).await?;
    Ok(Json(sheet_dto(&state, w).await?))
}

/// Approves (and locks) a person's week. Producers only.
#[utoipa::path(post, path = "/time/timesheets/{user_id}/{date}/approve",
    params(("user_id" = i64, Path, description = "Whose week"), ("date" = String, Path, description = "Any day of the week, YYYY-MM-DD")),
    responses((status = 200, body = TimesheetDto), (status = 403, body = ErrorDto), (status = 409, body = ErrorDto)))]
async fn approve_timesheet(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath((user_id, day)): ApiPath<(i64, String)>,
) -> Result<Json<TimesheetDto>, ApiError> {
    let actor = guard::actor_for(&state, &user).await?;
    let day = date(&day)?;
    time::approve_week(&state.app(), &actor, user_id, day).await?;
    let w = time::week(&state.app(), &actor, Some(user_id), day).await?;
    Ok(Json(sheet_dto(&state, w).await?))
}

fn card_dto(c: postflow_core::billing::rates::RateCard) -> RateCardDto {
    RateCardDto {
        id: c.id,
        name: c.name,
        client_id: c.client_id,
        rates: c
            .rates
            .into_iter()
            .map(|r| RateDto {
                id: r.id,
                kind: r.kind.as_str().into(),
                unit: r.unit.as_str().into(),
                person_id: r.person_id,
                role: r.role,
                activity: r.activity,
                room_id: r.room_id,
                amount: decimal(r.amount),
                currency: r.amount.currency.code().into(),
                effective_from: r.effective_from.to_string(),
            })
            .collect(),
    }
}

/// Every rate card with its rates. Producers only: artists and clients never see rates.
#[utoipa::path(get, path = "/rate-cards", responses((status = 200, body = Vec<RateCardDto>), (status = 403, body = ErrorDto)))]
async fn rate_cards(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> Result<Json<Vec<RateCardDto>>, ApiError> {
    let actor = guard::actor_for(&state, &user).await?;
    let cards = billing::rate_cards(&state.app(), &actor).await?;
    Ok(Json(cards.into_iter().map(card_dto).collect()))
}

#[utoipa::path(post, path = "/rate-cards", request_body = RateCardInputDto,
    responses((status = 201, body = RateCardDto), (status = 400, body = ErrorDto), (status = 403, body = ErrorDto)))]
async fn create_rate_card(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiJson(input): ApiJson<RateCardInputDto>,
) -> Result<(StatusCode, Json<RateCardDto>), ApiError> {
    let actor = guard::actor_for(&state, &user).await?;
    let id = billing::create_rate_card(
        &state.app(),
        &actor,
        &input.name,
        input.client_id,
        &input.currency,
    )
    .await?;
    let card = state
        .store
        .rate_card(id)
        .await?
        .ok_or(crate::AppError::NotFound)?;
    Ok((StatusCode::CREATED, Json(card_dto(card))))
}

#[utoipa::path(post, path = "/rate-cards/{id}/rates", params(("id" = i64, Path, description = "Rate card id")), request_body = RateInputDto,
    responses((status = 201, body = RateCardDto), (status = 400, body = ErrorDto), (status = 404, body = ErrorDto)))]
async fn add_rate(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<RateInputDto>,
) -> Result<(StatusCode, Json<RateCardDto>), ApiError> {
    let actor = guard::actor_for(&state, &user).await?;
    billing::add_rate(
        &state.app(),
        &actor,
        id,
        &RateDraft {
            kind: input.kind,
            unit: input.unit,
            person_id: input.person_id,
            role: input.role,
            activity: input.activity,
            room_id: input.room_id,
            amount: input.amount,
            effective_from: input.effective_from,
        },
    )
    .await?;
    let card = state
        .store
        .rate_card(id)
        .await?
        .ok_or(crate::AppError::NotFound)?;
    Ok((StatusCode::CREATED, Json(card_dto(card))))
}

async fn budget_dto(
    state: &AppState,
    actor: &postflow_core::access::Actor,
    code: &str,
) -> Result<BudgetDto, ApiError> {
    let (lines, alerts) = billing::budget_report(&state.app(), actor, code).await?;
    Ok(BudgetDto {
        project_code: code.trim().to_string(),
        lines: lines
            .into_iter()
            .map(|s| BudgetLineDto {
                name: s.budget.name.clone(),
                budget_minutes: s.budget.minutes,
                budget_sell: s.budget.sell.map(decimal),
                actual_minutes: s.actual.minutes,
                actual_sell: decimal(s.actual.sell),
                actual_cost: decimal(s.actual.cost),
                hours_percent: s.hours_percent,
                money_percent: s.money_percent,
                forecast_minutes: s.forecast_minutes,
            })
            .collect(),
        alerts: alerts.iter().map(|a| a.message()).collect(),
    })
}

/// A project's budgets against actuals, with alerts. Producers only.
#[utoipa::path(get, path = "/projects/{code}/budget", params(("code" = String, Path, description = "Project code")),
    responses((status = 200, body = BudgetDto), (status = 403, body = ErrorDto), (status = 404, body = ErrorDto)))]
async fn budget(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<BudgetDto>, ApiError> {
    let actor = guard::actor_for(&state, &user).await?;
    Ok(Json(budget_dto(&state, &actor, &code).await?))
}

/// Sets one stage's budget (hours and/or money).
#[utoipa::path(put, path = "/projects/{code}/budget", params(("code" = String, Path, description = "Project code")), request_body = BudgetInputDto,
    responses((status = 200, body = BudgetDto), (status = 400, body = ErrorDto), (status = 403, body = ErrorDto)))]
async fn set_budget(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(code): ApiPath<String>,
    ApiJson(input): ApiJson<BudgetInputDto>,
) -> Result<Json<BudgetDto>, ApiError> {
    let actor = guard::actor_for(&state, &user).await?;
    billing::set_stage_budget(
        &state.app(),
        &actor,
        &code,
        &input.stage,
        &input.hours,
        &input.sell,
    )
    .await?;
    Ok(Json(budget_dto(&state, &actor, &code).await?))
}

pub(crate) fn invoice_dto(v: &InvoiceView) -> InvoiceDto {
    let i = &v.invoice;
    InvoiceDto {
        id: i.id,
        number: i.number_text.clone(),
        kind: i.kind.clone(),
        state: i.state.clone(),
        credit_of: i.credit_of,
        currency: v.currency.code().into(),
        issue_date: i.issue_date.map(|d| d.to_string()),
        supply_date: i.supply_date.map(|d| d.to_string()),
        due_date: i.due_date.map(|d| d.to_string()),
        seller_name: i.seller_name.clone(),
        seller_tax_id: i.seller_tax_id.clone(),
        buyer_name: i.buyer_name.clone(),
        buyer_tax_id: i.buyer_tax_id.clone(),
        net: decimal(v.money(i.net_minor)),
        tax: decimal(v.money(i.tax_minor)),
        gross: decimal(v.money(i.gross_minor)),
        lines: v
            .lines
            .iter()
            .map(|l| {
                let q = l
                    .quantity()
                    .unwrap_or(postflow_core::billing::Quantity::UnitsMilli(0));
                InvoiceLineDto {
                    position: l.position,
                    description: l.description.clone(),
                    quantity: q.display_amount(),
                    unit: q.unit_name().into(),
                    unit_price: decimal(v.money(l.unit_price_minor)),
                    discount_bp: l.discount_bp,
                    tax_bp: l.tax_bp,
                    net: decimal(v.money(l.net_minor)),
                    tax: decimal(v.money(l.tax_minor)),
                    gross: decimal(v.money(l.gross_minor)),
                }
            })
            .collect(),
        tax_groups: v
            .groups
            .iter()
            .map(|g| TaxGroupDto {
                tax_bp: g.rate.basis_points() as i64,
                taxable: decimal(g.taxable),
                tax: decimal(g.tax),
            })
            .collect(),
    }
}

async fn view(
    state: &AppState,
    actor: &postflow_core::access::Actor,
    id: i64,
) -> Result<Json<InvoiceDto>, ApiError> {
    let v = billing::invoice_view(&state.app(), actor, id).await?;
    Ok(Json(invoice_dto(&v)))
}

/// Every invoice and credit note, newest first (without lines). Producers only.
#[utoipa::path(get, path = "/invoices", responses((status = 200, body = Vec<InvoiceDto>), (status = 403, body = ErrorDto)))]
async fn invoices(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> Result<Json<Vec<InvoiceDto>>, ApiError> {
    let actor = guard::actor_for(&state, &user).await?;
    let mut out = Vec::new();
    for i in billing::invoices(&state.app(), &actor).await? {
        let mut dto = invoice_dto(&billing::invoice_view(&state.app(), &actor, i.id).await?);
        dto.lines.clear();
        out.push(dto);
    }
    Ok(Json(out))
}

/// Generates a draft for a period from approved billable time, fixed-fee instalments and
/// extra revision rounds, under the project's terms.
#[utoipa::path(post, path = "/invoices/drafts", request_body = DraftRequestDto,
    responses((status = 201, body = InvoiceDto), (status = 400, body = ErrorDto), (status = 409, body = ErrorDto)))]
async fn generate_draft(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiJson(input): ApiJson<DraftRequestDto>,
) -> Result<(StatusCode, Json<InvoiceDto>), ApiError> {
    let actor = guard::actor_for(&state, &user).await?;
    let draft = billing::generate_draft(
        &state.app(),
        &actor,
        &DraftRequest {
            project_code: input.project_code,
            series_code: input.series_code,
            from: input.from,
            to: input.to,
            instalments: input
                .instalments
                .into_iter()
                .map(|i| (i.label, i.percent))
                .collect(),
            due_days: input.due_days,
            milestone: input.milestone.unwrap_or_default(),
        },
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        view(&state, &actor, draft.invoice.id).await?,
    ))
}

#[utoipa::path(get, path = "/invoices/{id}", params(("id" = i64, Path, description = "Invoice id")),
    responses((status = 200, body = InvoiceDto), (status = 404, body = ErrorDto)))]
async fn invoice(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<InvoiceDto>, ApiError> {
    let actor = guard::actor_for(&state, &user).await?;
    view(&state, &actor, id).await
}

/// Adds a line (expense, discount, correction) to a draft; an issued invoice is a 409.
#[utoipa::path(post, path = "/invoices/{id}/lines", params(("id" = i64, Path, description = "Invoice id")), request_body = LineInputDto,
    responses((status = 200, body = InvoiceDto), (status = 400, body = ErrorDto), (status = 409, body = ErrorDto)))]
async fn add_line(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<LineInputDto>,
) -> Result<Json<InvoiceDto>, ApiError> {
    let actor = guard::actor_for(&state, &user).await?;
    billing::add_line(
        &state.app(),
        &actor,
        id,
        &LineDraft {
            description: input.description,
            quantity: input.quantity,
            unit: input.unit,
            unit_price: input.unit_price,
            discount: input.discount,
            tax: input.tax,
        },
    )
    .await?;
    view(&state, &actor, id).await
}

/// Issues a draft: it takes the series' next number and never changes again.
#[utoipa::path(post, path = "/invoices/{id}/issue", params(("id" = i64, Path, description = "Invoice id")), request_body = IssueDto,
    responses((status = 200, body = InvoiceDto), (status = 409, body = ErrorDto)))]
async fn issue(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<IssueDto>,
) -> Result<Json<InvoiceDto>, ApiError> {
    let actor = guard::actor_for(&state, &user).await?;
    let day = if input.issue_date.trim().is_empty() {
        chrono::Utc::now().date_naive()
    } else {
        date(input.issue_date.trim())?
    };
    billing::issue(&state.app(), &actor, id, day).await?;
    view(&state, &actor, id).await
}

/// Drafts a credit note for an issued invoice (every line negated).
#[utoipa::path(post, path = "/invoices/{id}/credit-note", params(("id" = i64, Path, description = "Invoice id")),
    responses((status = 201, body = InvoiceDto), (status = 409, body = ErrorDto)))]
async fn credit_note(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<(StatusCode, Json<InvoiceDto>), ApiError> {
    let actor = guard::actor_for(&state, &user).await?;
    let note = billing::credit_note(&state.app(), &actor, id).await?;
    Ok((StatusCode::CREATED, view(&state, &actor, note.id).await?))
}

#[utoipa::path(post, path = "/invoices/{id}/paid", params(("id" = i64, Path, description = "Invoice id")),
    responses((status = 200, body = InvoiceDto), (status = 409, body = ErrorDto)))]
async fn mark_paid(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<InvoiceDto>, ApiError> {
    let actor = guard::actor_for(&state, &user).await?;
    billing::mark_paid(&state.app(), &actor, id).await?;
    view(&state, &actor, id).await
}

/// Creates an invoice series (its counter starts at 1). Producers only.
#[utoipa::path(post, path = "/invoice-series", request_body = InvoiceSeriesInputDto,
    responses((status = 204), (status = 400, body = ErrorDto), (status = 403, body = ErrorDto)))]
async fn create_series(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiJson(input): ApiJson<InvoiceSeriesInputDto>,
) -> Result<StatusCode, ApiError> {
    let actor = guard::actor_for(&state, &user).await?;
    billing::create_series(
        &state.app(),
        &actor,
        postflow_store::billing::SeriesInput {
            code: input.code,
            prefix: input.prefix,
            seller_name: input.seller_name,
            seller_address: input.seller_address,
            seller_tax_id: input.seller_tax_id,
        },
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Sets a client's billing details (legal name, address, VAT id, currency, tax rate, card).
#[utoipa::path(put, path = "/clients/{id}/billing", params(("id" = i64, Path, description = "Client id")), request_body = ClientBillingInputDto,
    responses((status = 204), (status = 400, body = ErrorDto), (status = 404, body = ErrorDto)))]
async fn set_client_billing(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<ClientBillingInputDto>,
) -> Result<StatusCode, ApiError> {
    let actor = guard::actor_for(&state, &user).await?;
    billing::set_client_billing(
        &state.app(),
        &actor,
        id,
        &billing::ClientBillingDraft {
            legal_name: input.legal_name,
            address: input.address,
            tax_id: input.tax_id,
            currency: input.currency,
            tax: input.tax,
            rate_card_id: input.rate_card_id,
        },
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Sets a project's commercial terms.
#[utoipa::path(put, path = "/projects/{code}/terms", params(("code" = String, Path, description = "Project code")), request_body = TermsInputDto,
    responses((status = 204), (status = 400, body = ErrorDto), (status = 409, body = ErrorDto)))]
async fn set_terms(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(code): ApiPath<String>,
    ApiJson(input): ApiJson<TermsInputDto>,
) -> Result<StatusCode, ApiError> {
    let actor = guard::actor_for(&state, &user).await?;
    billing::set_terms(
        &state.app(),
        &actor,
        &code,
        &billing::TermsDraft {
            kind: input.kind,
            fee: input.fee,
            included_hours: input.included_hours,
            included_rounds: input.included_rounds,
            extra_round_price: input.extra_round_price,
            rounds_used: input.rounds_used,
        },
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
