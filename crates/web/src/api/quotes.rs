//! Quotes under `/api/v1`: a project's quotes, drafting one from the plan, reading one, and
//! sending, accepting and declining it. Every handler is a use case of `postflow_app::quotes`;
//! amounts are exact decimal strings. A client reads only sent and decided quotes of its own
//! projects, without the stage and planned hours of each line.
use super::billing::decimal;
use crate::api_error::{ApiError, ApiJson, ApiPath, ErrorDto};
use crate::auth::ApiUser;
use crate::guard;
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use postflow_app::quotes::{self, QuoteRequest, QuoteView};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(project_quotes, create_quote))
        .routes(routes!(quote))
        .routes(routes!(send_quote))
        .routes(routes!(accept_quote))
        .routes(routes!(decline_quote))
}

/// One priced line of a quote.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct QuoteLineDto {
    pub position: i64,
    pub description: String,
    /// Hours (two decimals), days or pieces, as printed.
    pub quantity: String,
    /// h, day or pc
    pub unit: String,
    pub unit_price: String,
    pub discount_bp: i64,
    pub tax_bp: i64,
    pub net: String,
    pub tax: String,
    pub gross: String,
    /// The plan's stage the line budgets (staff only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stage: Option<String>,
    /// The minutes it budgets for that stage (staff only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub budget_minutes: Option<i64>,
}

/// The VAT of one rate on a quote.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct QuoteTaxGroupDto {
    pub tax_bp: i64,
    pub taxable: String,
    pub tax: String,
}

/// A quote: draft, sent, accepted, declined or superseded.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct QuoteDto {
    pub id: i64,
    pub project_code: String,
    /// 1, 2, … per project.
    pub number: i64,
    pub title: String,
    /// draft, sent, accepted, declined or superseded
    pub state: String,
    pub currency: String,
    pub valid_until: Option<String>,
    pub sent_at: Option<String>,
    pub decided_at: Option<String>,
    pub buyer_name: String,
    pub net: String,
    pub tax: String,
    pub gross: String,
    pub lines: Vec<QuoteLineDto>,
    pub tax_groups: Vec<QuoteTaxGroupDto>,
}

/// The stage and the activity it is quoted as.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct StageActivityDto {
    pub stage: String,
    pub activity: String,
}

/// What a quote is drafted from: the project's plan priced at a rate card.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct QuoteInputDto {
    #[serde(default)]
    pub title: String,
    /// The rate card (none: the client's, then the studio's).
    #[serde(default)]
    pub rate_card_id: Option<i64>,
    /// Activities chosen per stage; other stages are guessed from their key or name.
    #[serde(default)]
    pub activities: Vec<StageActivityDto>,
    /// Days the quote stays valid.
    #[serde(default)]
    pub valid_days: Option<i64>,
    /// The day the rates are taken on (YYYY-MM-DD; default today).
    #[serde(default)]
    pub date: Option<String>,
}

fn quote_dto(v: &QuoteView) -> QuoteDto {
    let q = &v.quote;
    let lines = v
        .lines
        .iter()
        .map(|l| {
            let qty = l
                .quantity()
                .unwrap_or(postflow_core::billing::Quantity::UnitsMilli(0));
            QuoteLineDto {
                position: l.position,
                description: l.description.clone(),
                quantity: qty.display_amount(),
                unit: qty.unit_name().into(),
                unit_price: decimal(v.money(l.unit_price_minor)),
                discount_bp: l.discount_bp,
                tax_bp: l.tax_bp,
                net: decimal(v.money(l.net_minor)),
                tax: decimal(v.money(l.tax_minor)),
                gross: decimal(v.money(l.gross_minor)),
                stage: v.internal.then(|| l.stage.clone()),
                budget_minutes: v.internal.then_some(l.minutes),
            }
        })
        .collect();
    QuoteDto {
        id: q.id,
        project_code: v.project.code.clone(),
        number: q.number,
        title: q.title.clone(),
        state: q.state.clone(),
        currency: q.currency.clone(),
        valid_until: q.valid_until.map(|d| d.to_string()),
        sent_at: q.sent_at.map(|d| d.to_rfc3339()),
        decided_at: q.decided_at.map(|d| d.to_rfc3339()),
        buyer_name: q.buyer_name.clone(),
        net: decimal(v.money(q.net_minor)),
        tax: decimal(v.money(q.tax_minor)),
        gross: decimal(v.money(q.gross_minor)),
        lines,
        tax_groups: v
            .groups
            .iter()
            .map(|g| QuoteTaxGroupDto {
                tax_bp: g.rate.basis_points() as i64,
                taxable: decimal(g.taxable),
                tax: decimal(g.tax),
            })
            .collect(),
    }
}

/// A project's quotes, newest first: all for producers, the sent and decided ones for its
/// client.
#[utoipa::path(get, path = "/projects/{code}/quotes", params(("code" = String, Path, description = "Project code")),
    responses((status = 200, body = Vec<QuoteDto>), (status = 403, body = ErrorDto), (status = 404, body = ErrorDto)))]
async fn project_quotes(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<Vec<QuoteDto>>, ApiError> {
    let actor = guard::actor_for(&state, &user).await?;
    let app = state.app();
    let mut out = Vec::new();
    for q in quotes::quotes(&app, &actor, &code).await? {
        out.push(quote_dto(&quotes::quote_view(&app, &actor, q.id).await?));
    }
    Ok(Json(out))
}

/// Drafts a quote from the project's plan: planned hours per stage and activity at the rate
/// card's sell rates, each line rounded once, VAT per rate.
#[utoipa::path(post, path = "/projects/{code}/quotes", params(("code" = String, Path, description = "Project code")), request_body = QuoteInputDto,
    responses((status = 201, body = QuoteDto), (status = 400, body = ErrorDto), (status = 403, body = ErrorDto), (status = 404, body = ErrorDto), (status = 409, body = ErrorDto)))]
async fn create_quote(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(code): ApiPath<String>,
    ApiJson(input): ApiJson<QuoteInputDto>,
) -> Result<(StatusCode, Json<QuoteDto>), ApiError> {
    let actor = guard::actor_for(&state, &user).await?;
    let date = match input.date.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(t) => Some(
            chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d").map_err(|_| {
                postflow_app::AppError::field(
                    "date",
                    format!("{t:?} is not a date; use YYYY-MM-DD"),
                )
            })?,
        ),
    };
    let req = QuoteRequest {
        title: input.title,
        rate_card_id: input.rate_card_id,
        activities: input
            .activities
            .into_iter()
            .map(|a| (a.stage, a.activity))
            .collect(),
        valid_days: input.valid_days,
        date,
    };
    let v = quotes::create_quote(&state.app(), &actor, &code, &req).await?;
    Ok((StatusCode::CREATED, Json(quote_dto(&v))))
}

/// One quote with its lines.
#[utoipa::path(get, path = "/quotes/{id}", params(("id" = i64, Path, description = "Quote id")),
    responses((status = 200, body = QuoteDto), (status = 404, body = ErrorDto)))]
async fn quote(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<QuoteDto>, ApiError> {
    let actor = guard::actor_for(&state, &user).await?;
    Ok(Json(quote_dto(
        &quotes::quote_view(&state.app(), &actor, id).await?,
    )))
}

/// Sends a draft to the client (it no longer changes).
#[utoipa::path(post, path = "/quotes/{id}/send", params(("id" = i64, Path, description = "Quote id")),
    responses((status = 200, body = QuoteDto), (status = 403, body = ErrorDto), (status = 404, body = ErrorDto), (status = 409, body = ErrorDto)))]
async fn send_quote(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<QuoteDto>, ApiError> {
    let actor = guard::actor_for(&state, &user).await?;
    Ok(Json(quote_dto(
        &quotes::send_quote(&state.app(), &actor, id).await?,
    )))
}

/// Accepts a sent quote (the client or a producer): it becomes the project's budget.
#[utoipa::path(post, path = "/quotes/{id}/accept", params(("id" = i64, Path, description = "Quote id")),
    responses((status = 200, body = QuoteDto), (status = 403, body = ErrorDto), (status = 404, body = ErrorDto), (status = 409, body = ErrorDto)))]
async fn accept_quote(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<QuoteDto>, ApiError> {
    let actor = guard::actor_for(&state, &user).await?;
    Ok(Json(quote_dto(
        &quotes::decide_quote(&state.app(), &actor, id, true).await?,
    )))
}

/// Declines a sent quote (the client or a producer).
#[utoipa::path(post, path = "/quotes/{id}/decline", params(("id" = i64, Path, description = "Quote id")),
    responses((status = 200, body = QuoteDto), (status = 403, body = ErrorDto), (status = 404, body = ErrorDto), (status = 409, body = ErrorDto)))]
async fn decline_quote(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<QuoteDto>, ApiError> {
    let actor = guard::actor_for(&state, &user).await?;
    Ok(Json(quote_dto(
        &quotes::decide_quote(&state.app(), &actor, id, false).await?,
    )))
}
