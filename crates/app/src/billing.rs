//! Billing as producers do it: rate cards, clients' billing details, project terms and stage
//! budgets, invoice series, drafts generated from approved time, edited lines, issue (the
//! number), credit notes, payment. Every change needs `ManageBilling` and reads nothing a
//! client may see; the arithmetic is `core::billing`'s.
//!
//! A draft for a period bills the project's billable, approved (week locked) entries of the
//! period that are on no invoice yet, priced by the client's rate card first and then the
//! studio's (the first card of no client), under the project's terms, plus the fixed-fee
//! instalments asked for and the extra revision rounds not billed before. Unapproved time is
//! left for a later draft and counted in [`Draft::unapproved_entries`]. The entries a draft
//! bills (or its fee covers) are tied to it and freed again if the draft is deleted or the
//! invoice is credited.
use crate::audit::{record, AuditEvent};
use crate::{access, AppError, Context, FieldErrors, Result};
use chrono::NaiveDate;
use postflow_core::access::{authorize, Action, Actor};
use postflow_core::billing::budget::{self, Actual, Budget, BudgetStatus};
use postflow_core::billing::rates::{rate_for, room_rate, RateCard, RateKind, RateUnit, Work};
use postflow_core::billing::terms::{
    booked_minutes, period_lines, Commercial, PeriodInput, PricedFacility, PricedWork, Terms,
};
use postflow_core::billing::{
    price_invoice, InvoiceTotals, LineInput, Quantity, Rounding, TaxGroup, TaxRate,
};
use postflow_core::money::{Currency, Money};
use postflow_store::billing::{
    ClientBilling, ClientBillingInput, Invoice, InvoiceKind, InvoiceLine, InvoiceSeries,
    NewInvoice, NewRate, ProjectTerms, SeriesInput, TermsInput, TimeFilter,
};
use postflow_store::studio::Project;
use postflow_store::{ConnectionTrait, Repo, StoreError};
use std::collections::{BTreeMap, HashMap};

/// The studio setting that holds the rounding rule (`half_up` when unset).
pub const ROUNDING_SETTING: &str = "billing.rounding";

pub(crate) fn billing_permit(actor: &Actor) -> Result<postflow_core::access::Permit> {
    Ok(authorize(actor, Action::ManageBilling, None)?)
}

fn audited(actor: &Actor) -> Option<i64> {
    access::audited_user(actor)
}

pub(crate) fn currency_of(code: &str) -> Result<Currency> {
    Currency::parse(code).map_err(|e| AppError::Store(StoreError::Corrupt(e.to_string())))
}

pub async fn rounding<C: ConnectionTrait>(repo: &Repo<C>) -> Result<Rounding> {
    match repo.studio_setting(ROUNDING_SETTING).await? {
        None => Ok(Rounding::HalfUp),
        Some(v) => Rounding::parse(&v).ok_or_else(|| {
            AppError::Store(StoreError::Corrupt(format!("{ROUNDING_SETTING} {v:?}")))
        }),
    }
}

/// Sets the studio's rounding rule.
pub async fn set_rounding(ctx: &Context, actor: &Actor, rule: &str) -> Result<Rounding> {
    let permit = billing_permit(actor)?;
    let parsed = Rounding::parse(rule)
        .ok_or_else(|| AppError::field("rounding", "choose half_up, half_even, up or down"))?;
    let tx = ctx.store.begin().await?;
    tx.set_studio_setting(ROUNDING_SETTING, parsed.as_str())
        .await?;
    let event = AuditEvent::BillingChanged {
        entity: "setting",
        id: 0,
        verb: "update",
        detail: format!("invoice lines round {}", parsed.as_str()),
    };
    record(&tx, audited(permit.actor()), event).await?;
    tx.commit().await?;
    Ok(parsed)
}

// --- rate cards -------------------------------------------------------------------------------

pub async fn create_rate_card(
    ctx: &Context,
    actor: &Actor,
    name: &str,
    client_id: Option<i64>,
    currency: &str,
) -> Result<i64> {
    let permit = billing_permit(actor)?;
    let mut errors = FieldErrors::default();
    if name.trim().is_empty() {
        errors.add("name", "give the rate card a name");
    }
    let currency = Currency::parse(currency)
        .map_err(|e| errors.add("currency", e.to_string()))
        .ok();
    errors.into_result()?;
    let tx = ctx.store.begin().await?;
    let card = tx
        .create_rate_card(name, client_id, currency.unwrap_or(Currency::EUR))
        .await
        .map_err(|e| match e {
            StoreError::Duplicate { .. } => AppError::field(
                "name",
                format!("a rate card {:?} exists already", name.trim()),
            ),
            other => other.into(),
        })?;
    let event = AuditEvent::BillingChanged {
        entity: "rate_card",
        id: card.id,
        verb: "create",
        detail: format!("created the rate card {}", card.name),
    };
    record(&tx, audited(permit.actor()), event).await?;
    tx.commit().await?;
    Ok(card.id)
}

/// A rate as typed: kind `sell`/`cost`, unit `hour`/`day`, an amount like `150.00`, and any of
/// person, role, activity or room it is for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RateDraft {
    pub kind: String,
    pub unit: String,
    pub person_id: Option<i64>,
    pub role: String,
    pub activity: String,
    pub room_id: Option<i64>,
    pub amount: String,
    pub effective_from: String,
}

pub async fn add_rate(
    ctx: &Context,
    actor: &Actor,
    card_id: i64,
    draft: &RateDraft,
) -> Result<i64> {
    let permit = billing_permit(actor)?;
    let tx = ctx.store.begin().await?;
    let card = tx
        .rate_card_rows()
        .await?
        .into_iter()
        .find(|c| c.id == card_id)
        .ok_or_else(|| AppError::NotFound(format!("rate card {card_id}")))?;
    let currency = currency_of(&card.currency)?;
    let mut errors = FieldErrors::default();
    let kind = RateKind::parse(&draft.kind);
    if kind.is_none() {
        errors.add("kind", "choose sell or cost");
    }
    let unit = RateUnit::parse(&draft.unit);
    if unit.is_none() {
        errors.add("unit", "choose hour or day");
    }
    let amount = match Money::parse(&draft.amount, currency) {
        Ok(m) if m.minor >= 0 => Some(m),
        Ok(_) => {
            errors.add("amount", "a rate cannot be negative");
            None
        }
        Err(e) => {
            errors.add("amount", e.to_string());
            None
        }
    };
    let from = match crate::date_input(&draft.effective_from) {
        Ok(Some(d)) => Some(d),
        Ok(None) => {
            errors.add("effective_from", "give the date the rate takes effect");
            None
        }
        Err(e) => {
            errors.add("effective_from", e);
            None
        }
    };
    let opt = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_string());
    if draft.person_id.is_none()
        && opt(&draft.role).is_none()
        && opt(&draft.activity).is_none()
        && draft.room_id.is_none()
    {
        errors.add(
            "activity",
            "say whom or what the rate is for: a person, role, activity or room",
        );
    }
    if draft.room_id.is_some() && (draft.person_id.is_some() || opt(&draft.activity).is_some()) {
        errors.add("room", "a room rate is for the room alone");
    }
    errors.into_result()?;
    let (Some(kind), Some(unit), Some(amount), Some(from)) = (kind, unit, amount, from) else {
        unreachable!("refused above");
    };
    let rate = tx
        .add_rate(NewRate {
            card_id,
            kind,
            unit,
            person_id: draft.person_id,
            role: opt(&draft.role),
            activity: opt(&draft.activity),
            room_id: draft.room_id,
            amount_minor: amount.minor,
            effective_from: from,
        })
        .await?;
    let what = opt(&draft.activity)
        .or(opt(&draft.role))
        .or(draft.person_id.map(|p| format!("person {p}")))
        .or(draft.room_id.map(|r| format!("room {r}")))
        .unwrap_or_default();
    let event = AuditEvent::BillingChanged {
        entity: "rate_card",
        id: card_id,
        verb: "update",
        detail: format!(
            "{} {} rate {amount} per {} for {what} from {from}",
            card.name,
            kind.as_str(),
            unit.as_str()
        ),
    };
    record(&tx, audited(permit.actor()), event).await?;
    tx.commit().await?;
    Ok(rate.id)
}

/// Every card with its rates (`ViewRates`).
pub async fn rate_cards(ctx: &Context, actor: &Actor) -> Result<Vec<RateCard>> {
    authorize(actor, Action::ViewRates, None)?;
    let mut cards = Vec::new();
    for row in ctx.store.rate_card_rows().await? {
        if let Some(card) = ctx.store.rate_card(row.id).await? {
            cards.push(card);
        }
    }
    Ok(cards)
}

// --- clients, terms, budgets ------------------------------------------------------------------

/// A client's billing details as typed; `tax` is a percentage (`19`, `7.7`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientBillingDraft {
    pub legal_name: String,
    pub address: String,
    pub tax_id: String,
    pub currency: String,
    pub tax: String,
    pub rate_card_id: Option<i64>,
}

pub async fn set_client_billing(
    ctx: &Context,
    actor: &Actor,
    client_id: i64,
    draft: &ClientBillingDraft,
) -> Result<ClientBilling> {
    let permit = billing_permit(actor)?;
    let mut errors = FieldErrors::default();
    if draft.legal_name.trim().is_empty() {
        errors.add("legal_name", "give the name invoices are addressed to");
    }
    let currency = Currency::parse(&draft.currency)
        .map_err(|e| errors.add("currency", e.to_string()))
        .ok();
    let tax = TaxRate::parse_percent(&draft.tax)
        .map_err(|e| errors.add("tax", e.to_string()))
        .ok();
    errors.into_result()?;
    let tx = ctx.store.begin().await?;
    let client = tx
        .client_by_id(client_id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("client {client_id}")))?;
    let saved = tx
        .set_client_billing(ClientBillingInput {
            client_id,
            legal_name: draft.legal_name.trim().into(),
            address: draft.address.trim().into(),
            tax_id: draft.tax_id.trim().into(),
            currency: currency.unwrap_or(Currency::EUR).code().into(),
            tax_bp: tax.unwrap_or(TaxRate::ZERO).basis_points() as i64,
            rate_card_id: draft.rate_card_id,
        })
        .await?;
    let event = AuditEvent::BillingChanged {
        entity: "client",
        id: client_id,
        verb: "update",
        detail: format!("billing details of {}", client.code),
    };
    record(&tx, audited(permit.actor()), event).await?;
    tx.commit().await?;
    Ok(saved)
}

/// A project's terms as typed: `kind` is `time_and_materials`, `fixed_fee` or
/// `fixed_fee_with_overflow`; amounts in the client's currency; hours like durations.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TermsDraft {
    pub kind: String,
    pub fee: String,
    pub included_hours: String,
    pub included_rounds: u32,
    pub extra_round_price: String,
    pub rounds_used: u32,
}

fn parse_hours(text: &str) -> std::result::Result<i64, String> {
    let t = text.trim();
    let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
    if whole.is_empty()
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
        || frac.len() > 2
        || whole.len() > 7
    {
        return Err(format!("{t:?} is not a number of hours"));
    }
    let hundredths: i64 = format!("{whole}{frac:0<2}")
        .parse()
        .map_err(|_| "too many hours")?;
    Ok(hundredths * 60 / 100)
}

pub async fn set_terms(
    ctx: &Context,
    actor: &Actor,
    project_code: &str,
    draft: &TermsDraft,
) -> Result<ProjectTerms> {
    billing_permit(actor)?;
    let tx = ctx.store.begin().await?;
    let (project, permit) =
        access::project_in(&tx, actor, project_code, Action::EditProject).await?;
    let billing = client_billing_of(&tx, &project).await?;
    let currency = currency_of(&billing.currency)?;
    let mut errors = FieldErrors::default();
    let money = |field: &'static str, text: &str, errors: &mut FieldErrors| -> Option<i64> {
        if text.trim().is_empty() {
            return None;
        }
        match Money::parse(text, currency) {
            Ok(m) if m.minor >= 0 => Some(m.minor),
            Ok(_) => {
                errors.add(field, "an amount cannot be negative");
                None
            }
            Err(e) => {
                errors.add(field, e.to_string());
                None
            }
        }
    };
    let fee = money("fee", &draft.fee, &mut errors);
    let extra = money("extra_round_price", &draft.extra_round_price, &mut errors);
    let included = if draft.included_hours.trim().is_empty() {
        None
    } else {
        parse_hours(&draft.included_hours)
            .map_err(|e| errors.add("included_hours", e))
            .ok()
    };
    match draft.kind.trim() {
        "time_and_materials" => {}
        "fixed_fee" => {
            if fee.is_none() {
                errors.add("fee", "a fixed fee needs its amount");
            }
        }
        "fixed_fee_with_overflow" => {
            if fee.is_none() {
                errors.add("fee", "a fixed fee needs its amount");
            }
            if included.is_none() {
                errors.add("included_hours", "say how many hours the fee includes");
            }
        }
        _ => errors.add(
            "kind",
            "choose time_and_materials, fixed_fee or fixed_fee_with_overflow",
        ),
    }
    errors.into_result()?;
    let terms = tx
        .set_project_terms(TermsInput {
            project_id: project.id,
            kind: draft.kind.trim().into(),
            fee_minor: fee,
            included_minutes: included,
            included_rounds: draft.included_rounds as i64,
            extra_round_minor: extra,
            rounds_used: draft.rounds_used as i64,
            day_minutes: 480,
        })
        .await?;
    let event = AuditEvent::BillingChanged {
        entity: "project",
        id: project.id,
        verb: "update",
        detail: format!("terms of {}: {}", project.code, terms.kind),
    };
    record(&tx, audited(permit.actor()), event).await?;
    crate::budget_alerts::announce(&tx, project.id).await?;
    tx.commit().await?;
    Ok(terms)
}

/// Sets a stage's budget (`stage` is the plan's stage key; `*` is the whole project).
pub async fn set_stage_budget(
    ctx: &Context,
    actor: &Actor,
    project_code: &str,
    stage: &str,
    hours: &str,
    sell: &str,
) -> Result<()> {
    billing_permit(actor)?;
    let tx = ctx.store.begin().await?;
    let (project, permit) =
        access::project_in(&tx, actor, project_code, Action::EditProject).await?;
    let currency = currency_of(&client_billing_of(&tx, &project).await?.currency)?;
    let mut errors = FieldErrors::default();
    if stage.trim().is_empty() {
        errors.add("stage", "name the stage (or * for the whole project)");
    }
    let minutes = (!hours.trim().is_empty())
        .then(|| parse_hours(hours).map_err(|e| errors.add("hours", e)).ok())
        .flatten();
    let money = (!sell.trim().is_empty())
        .then(|| {
            Money::parse(sell, currency)
                .map_err(|e| errors.add("sell", e.to_string()))
                .ok()
        })
        .flatten();
    errors.into_result()?;
    tx.set_stage_budget(project.id, stage, minutes, money.map(|m| m.minor))
        .await?;
    let event = AuditEvent::BillingChanged {
        entity: "project",
        id: project.id,
        verb: "update",
        detail: format!("budget of {} stage {}", project.code, stage.trim()),
    };
    record(&tx, audited(permit.actor()), event).await?;
    tx.commit().await?;
    Ok(())
}

pub(crate) async fn client_billing_of<C: ConnectionTrait>(
    repo: &Repo<C>,
    project: &Project,
) -> Result<ClientBilling> {
    repo.client_billing(project.client_id).await?.ok_or_else(|| {
        AppError::Conflict(format!(
            "the client of {} has no billing details yet; add its legal name, address, VAT id, currency and tax rate first",
            project.code
        ))
    })
}

pub(crate) fn core_terms(t: &ProjectTerms, billing: &ClientBilling) -> Result<Terms> {
    let currency = currency_of(&billing.currency)?;
    let money = |m: Option<i64>| m.map(|v| Money::from_minor(v, currency));
    let corrupt = || {
        AppError::Store(StoreError::Corrupt(format!(
            "terms of project {}",
            t.project_id
        )))
    };
    let commercial = match t.kind.as_str() {
        "time_and_materials" => Commercial::TimeAndMaterials,
        "fixed_fee" => Commercial::FixedFee {
            fee: money(t.fee_minor).ok_or_else(corrupt)?,
        },
        "fixed_fee_with_overflow" => Commercial::FixedFeeWithOverflow {
            fee: money(t.fee_minor).ok_or_else(corrupt)?,
            included_minutes: t.included_minutes.ok_or_else(corrupt)?,
        },
        _ => return Err(corrupt()),
    };
    Ok(Terms {
        commercial,
        currency,
        included_rounds: t.included_rounds.max(0) as u32,
        extra_round_price: money(t.extra_round_minor),
        tax: TaxRate::from_basis_points(billing.tax_bp.clamp(0, 10_000) as u32)
            .map_err(|_| corrupt())?,
        day_minutes: t.day_minutes,
    })
}

/// The cards asked for a client's work: its own card first, then the studio's.
pub(crate) async fn cards_for<C: ConnectionTrait>(
    repo: &Repo<C>,
    billing: &ClientBilling,
) -> Result<Vec<RateCard>> {
    let mut cards = Vec::new();
    if let Some(id) = billing.rate_card_id {
        if let Some(c) = repo.rate_card(id).await? {
            cards.push(c);
        }
    }
    if let Some(studio) = repo.studio_rate_card().await? {
        if !cards.iter().any(|c| c.id == studio.id) {
            cards.push(studio);
        }
    }
    Ok(cards)
}

// --- invoices ---------------------------------------------------------------------------------

pub async fn create_series(
    ctx: &Context,
    actor: &Actor,
    input: SeriesInput,
) -> Result<InvoiceSeries> {
    let permit = billing_permit(actor)?;
    let mut errors = FieldErrors::default();
    if input.code.trim().is_empty() {
        errors.add("code", "give the series a code, such as 2026");
    }
    if input.seller_name.trim().is_empty() {
        errors.add("seller_name", "give the seller's legal name");
    }
    if input.seller_tax_id.trim().is_empty() {
        errors.add(
            "seller_tax_id",
            "give the seller's VAT id (EU invoices must carry it)",
        );
    }
    errors.into_result()?;
    let tx = ctx.store.begin().await?;
    let series = tx.create_invoice_series(input).await.map_err(|e| match e {
        StoreError::Duplicate { value, .. } => {
            AppError::field("code", format!("a series {value:?} exists already"))
        }
        other => other.into(),
    })?;
    let event = AuditEvent::BillingChanged {
        entity: "invoice_series",
        id: series.id,
        verb: "create",
        detail: format!("created the invoice series {}", series.code),
    };
    record(&tx, audited(permit.actor()), event).await?;
    tx.commit().await?;
    Ok(series)
}

/// What a draft for a period, or up to a reached milestone, is generated from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DraftRequest {
    pub project_code: String,
    pub series_code: String,
    /// The period's first day; with a milestone it may be empty: the day after the project's
    /// last invoiced period (or its first day of work).
    pub from: String,
    /// The period's last day; empty with a milestone (its day ends the period).
    pub to: String,
    /// A reached milestone to bill up to, by task key or milestone kind (`picture_lock`);
    /// empty: bill the period `from`–`to`.
    pub milestone: String,
    /// Fixed-fee instalments to bill: label and share of the fee in percent (`50`).
    pub instalments: Vec<(String, String)>,
    /// Days until payment is due (none: no due date).
    pub due_days: Option<i64>,
}

/// A generated draft.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    pub invoice: Invoice,
    pub totals: InvoiceTotals,
    /// Billable entries of the period left out because their week is not approved.
    pub unapproved_entries: usize,
}

fn required_date(errors: &mut FieldErrors, field: &'static str, text: &str) -> Option<NaiveDate> {
    match crate::date_input(text) {
        Ok(Some(d)) => Some(d),
        Ok(None) => {
            errors.add(field, "give a date");
            None
        }
        Err(e) => {
            errors.add(field, e);
            None
        }
    }
}

/// Generates a draft invoice for a period (rules in the module docs).
pub async fn generate_draft(ctx: &Context, actor: &Actor, req: &DraftRequest) -> Result<Draft> {
    billing_permit(actor)?;
    let mut errors = FieldErrors::default();
    let milestone = req.milestone.trim();
    let from = if milestone.is_empty() || !req.from.trim().is_empty() {
        required_date(&mut errors, "from", &req.from)
    } else {
        None
    };
    let to = if milestone.is_empty() {
        required_date(&mut errors, "to", &req.to)
    } else {
        if !req.to.trim().is_empty() {
            errors.add(
                "to",
                "a milestone ends the period on the day it was reached; leave the end empty",
            );
        }
        None
    };
    if let (Some(f), Some(t)) = (from, to) {
        if t < f {
            errors.add("to", "the period ends before it starts");
        }
    }
    let mut instalments = Vec::new();
    for (label, share) in &req.instalments {
        match TaxRate::parse_percent(share) {
            Ok(p) if !label.trim().is_empty() => {
                instalments.push((label.trim().to_string(), p.basis_points()))
            }
            _ => errors.add(
                "instalments",
                format!("{label:?}: give a label and a share of the fee from 0 to 100 %"),
            ),
        }
    }
    errors.into_result()?;
    let tx = ctx.store.begin().await?;
    let (project, permit) =
        access::project_in(&tx, actor, &req.project_code, Action::EditProject).await?;
    // A second producer drafting the same project waits here, then finds the time billed.
    tx.lock_project_billing(project.id).await?;
    let (from, to) = if milestone.is_empty() {
        (from.unwrap_or_default(), to.unwrap_or_default())
    } else {
        let reached = reached_milestone(&tx, &project, milestone).await?;
        let from = match from {
            Some(f) => f,
            None => first_unbilled_day(&tx, &project).await?.unwrap_or(reached),
        };
        if reached < from {
            return Err(AppError::field(
                "from",
                format!(
                    "the milestone was reached on {reached}, before the period starts ({from})"
                ),
            ));
        }
        (from, reached)
    };
    let billing = client_billing_of(&tx, &project).await?;
    let terms_row = tx.project_terms(project.id).await?.ok_or_else(|| {
        AppError::Conflict(format!(
            "{} has no commercial terms yet; set fixed fee or time and materials first",
            project.code
        ))
    })?;
    let terms = core_terms(&terms_row, &billing)?;
    let series = tx
        .invoice_series_by_code(&req.series_code)
        .await?
        .ok_or_else(|| {
            AppError::field(
                "series",
                format!("there is no invoice series {:?}", req.series_code.trim()),
            )
        })?;
    let rule = rounding(&tx).await?;
    let cards = cards_for(&tx, &billing).await?;
    let card_refs: Vec<&RateCard> = cards.iter().collect();
    let entries = tx
        .time_entries(&TimeFilter {
            project_id: Some(project.id),
            from: Some(from),
            to: Some(to),
            billable_only: true,
            uninvoiced_only: true,
            ..Default::default()
        })
        .await?;
    let approved: std::collections::HashSet<(i64, NaiveDate)> =
        tx.approved_weeks(from, to).await?.into_iter().collect();
    let activities: HashMap<i64, String> = tx
        .activities()
        .await?
        .into_iter()
        .map(|a| (a.id, a.name))
        .collect();
    let mut titles: HashMap<i64, Option<String>> = HashMap::new();
    let mut work = Vec::new();
    let mut unapproved = 0;
    for e in &entries {
        if !approved.contains(&(e.user_id, postflow_store::billing::week_start(e.work_date))) {
            unapproved += 1;
            continue;
        }
        if let std::collections::hash_map::Entry::Vacant(slot) = titles.entry(e.user_id) {
            let title = tx.user_by_id(e.user_id).await?.and_then(|u| u.title);
            slot.insert(title);
        }
        let activity = activities.get(&e.activity_id).cloned().unwrap_or_default();
        let rate = rate_for(
            &card_refs,
            RateKind::Sell,
            &Work {
                date: e.work_date,
                person_id: e.user_id,
                role: titles.get(&e.user_id).and_then(|t| t.as_deref()),
                activity: &activity,
            },
        )
        .map_err(|err| AppError::Conflict(err.to_string()))?;
        work.push(PricedWork {
            entry_id: e.id,
            date: e.work_date,
            activity,
            minutes: e.minutes,
            rate: rate.amount,
            unit: rate.unit,
        });
    }
    let facility =
        priced_facility(&tx, &card_refs, project.id, from, to, terms.day_minutes).await?;
    let input = PeriodInput {
        work,
        facility,
        minutes_before: tx.billable_minutes_before(project.id, from).await?,
        instalments,
        rounds_used: terms_row.rounds_used.max(0) as u32,
        extra_rounds_billed: tx.extra_rounds_billed(project.id).await?.max(0) as u32,
    };
    let lines =
        period_lines(&terms, &input, rule).map_err(|e| AppError::Conflict(e.to_string()))?;
    let totals = price_invoice(terms.currency, &lines.lines, rule)
        .map_err(|e| AppError::Conflict(e.to_string()))?;
    let invoice = tx
        .create_invoice(NewInvoice {
            series_id: series.id,
            kind: InvoiceKind::Invoice,
            credit_of: None,
            client_id: project.client_id,
            project_id: Some(project.id),
            currency: terms.currency.code().into(),
            rounding: rule.as_str().into(),
            period_from: Some(from),
            period_to: Some(to),
            supply_date: Some(to),
            due_date: req.due_days.map(|d| to + chrono::Duration::days(d)),
            buyer_name: billing.legal_name.clone(),
            buyer_address: billing.address.clone(),
            buyer_tax_id: billing.tax_id.clone(),
            extra_rounds: lines.extra_rounds as i64,
            created_by: audited(permit.actor()),
        })
        .await?;
    let invoice = tx.replace_invoice_lines(invoice.id, &totals).await?;
    let mut tied: Vec<i64> = lines.billed_entries.clone();
    tied.extend(&lines.covered_entries);
    tied.sort();
    tied.dedup();
    tx.set_entries_invoice(&tied, Some(invoice.id)).await?;
    tx.set_bookings_invoice(&lines.billed_bookings, Some(invoice.id))
        .await?;
    let event = AuditEvent::BillingChanged {
        entity: "invoice",
        id: invoice.id,
        verb: "create",
        detail: format!(
            "drafted an invoice to {} for {} {from}–{to}: {}",
            billing.legal_name, project.code, totals.gross
        ),
    };
    record(&tx, audited(permit.actor()), event).await?;
    tx.commit().await?;
    Ok(Draft {
        invoice,
        totals,
        unapproved_entries: unapproved,
    })
}

/// The day a milestone of the project (task key or milestone kind) was reached; one not
/// reached yet, or not in the plan, is refused naming it.
async fn reached_milestone<C: ConnectionTrait>(
    tx: &Repo<C>,
    project: &Project,
    milestone: &str,
) -> Result<NaiveDate> {
    let plan = tx.plans_of(&[project.id]).await?;
    let found = plan
        .tasks
        .iter()
        .filter(|t| t.milestone.is_some())
        .find(|t| t.key == milestone || t.milestone.as_deref() == Some(milestone))
        .ok_or_else(|| {
            AppError::field(
                "milestone",
                format!(
                    "{} has no milestone {milestone:?} in its plan",
                    project.code
                ),
            )
        })?;
    found.actual_finish.ok_or_else(|| {
        AppError::Conflict(format!(
            "{} is not reached yet; mark it reached on the plan, or bill a period",
            found.name
        ))
    })
}

/// Where a milestone invoice's period starts: the day after the latest period of the
/// project's invoices that no credit note undid, else the earliest of its start date, its
/// first day of logged time and its first booking (`None`: nothing to go by).
async fn first_unbilled_day<C: ConnectionTrait>(
    tx: &Repo<C>,
    project: &Project,
) -> Result<Option<NaiveDate>> {
    let invoices: Vec<Invoice> = tx
        .list_invoices(Some(project.client_id))
        .await?
        .into_iter()
        .filter(|i| i.project_id == Some(project.id))
        .collect();
    let credited: std::collections::HashSet<i64> =
        invoices.iter().filter_map(|i| i.credit_of).collect();
    let last = invoices
        .iter()
        .filter(|i| i.credit_of.is_none() && !credited.contains(&i.id))
        .filter_map(|i| i.period_to)
        .max();
    if let Some(last) = last {
        return Ok(Some(last + chrono::Duration::days(1)));
    }
    let first_work = tx
        .time_entries(&TimeFilter {
            project_id: Some(project.id),
            ..Default::default()
        })
        .await?
        .first()
        .map(|e| e.work_date);
    let clock = crate::bookings::studio_clock(tx).await?;
    let first_booking = tx
        .list_bookings(&postflow_store::bookings::BookingFilter {
            project_id: Some(project.id),
            limit: Some(1),
            ..Default::default()
        })
        .await?
        .first()
        .map(|b| clock.local(b.starts_at).date());
    Ok([project.start_date, first_work, first_booking]
        .into_iter()
        .flatten()
        .min())
}

/// The project's confirmed room bookings starting in the period (studio dates `from`–`to`)
/// that no invoice bills yet, at their facility rates. A room no card prices is not charged
/// for; a room priced on a card but not on the booking's date is an error naming it.
async fn priced_facility<C: ConnectionTrait>(
    tx: &Repo<C>,
    cards: &[&RateCard],
    project_id: i64,
    from: NaiveDate,
    to: NaiveDate,
    day_minutes: i64,
) -> Result<Vec<PricedFacility>> {
    let clock = crate::bookings::studio_clock(tx).await?;
    let end = clock.day_start(to + chrono::Duration::days(1));
    let mut priced = Vec::new();
    for (booking, room) in tx
        .unbilled_facility_bookings(project_id, clock.day_start(from), end)
        .await?
    {
        let charged = cards.iter().any(|c| {
            c.rates
                .iter()
                .any(|r| r.kind == RateKind::Sell && r.room_id == Some(room.id))
        });
        if !charged {
            continue;
        }
        let (start, end) = (clock.local(booking.starts_at), clock.local(booking.ends_at));
        let rate = room_rate(cards, RateKind::Sell, room.id, &room.name, start.date())
            .map_err(|e| AppError::Conflict(e.to_string()))?;
        priced.push(PricedFacility {
            booking_id: booking.id,
            date: start.date(),
            room: room.name.clone(),
            minutes: booked_minutes(start, end, day_minutes) * booking.units.max(1),
            rate: rate.amount,
            unit: rate.unit,
        });
    }
    Ok(priced)
}

/// A line as a producer types it: quantity with its unit (`hour`, `day`, `piece`), a price,
/// an optional discount and tax rate in percent (empty: the client's rate).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LineDraft {
    pub description: String,
    pub quantity: String,
    pub unit: String,
    pub unit_price: String,
    pub discount: String,
    pub tax: String,
}

fn line_input(line: &InvoiceLine, currency: Currency) -> Result<LineInput> {
    Ok(LineInput {
        description: line.description.clone(),
        quantity: line.quantity()?,
        unit_price: Money::from_minor(line.unit_price_minor, currency),
        discount_bp: line.discount_bp.clamp(0, 10_000) as u32,
        tax: TaxRate::from_basis_points(line.tax_bp.clamp(0, 10_000) as u32)
            .map_err(|e| AppError::Store(StoreError::Corrupt(e.to_string())))?,
    })
}

fn parse_milli(text: &str) -> Option<i64> {
    let t = text.trim();
    let (neg, body) = t.strip_prefix('-').map(|r| (true, r)).unwrap_or((false, t));
    let (whole, frac) = body.split_once('.').unwrap_or((body, ""));
    if whole.is_empty() || whole.len() > 9 || frac.len() > 3 {
        return None;
    }
    if !whole.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let v: i64 = format!("{whole}{frac:0<3}").parse().ok()?;
    Some(if neg { -v } else { v })
}

pub(crate) fn parse_line(
    draft: &LineDraft,
    currency: Currency,
    default_tax: TaxRate,
) -> Result<LineInput> {
    let mut errors = FieldErrors::default();
    if draft.description.trim().is_empty() {
        errors.add("description", "describe the line");
    }
    let quantity = match (draft.unit.trim(), parse_milli(&draft.quantity)) {
        (_, None) => {
            errors.add(
                "quantity",
                format!(
                    "{:?} is not a quantity; write it like 2 or 1.5",
                    draft.quantity.trim()
                ),
            );
            None
        }
        ("hour", Some(v)) => {
            if (v * 60) % 1000 != 0 {
                errors.add("quantity", "hours must come to whole minutes");
            }
            Some(Quantity::Minutes(v * 60 / 1000))
        }
        ("day", Some(v)) => Some(Quantity::DaysMilli(v)),
        ("piece" | "", Some(v)) => Some(Quantity::UnitsMilli(v)),
        (_, Some(_)) => {
            errors.add("unit", "choose hour, day or piece");
            None
        }
    };
    let price = Money::parse(&draft.unit_price, currency)
        .map_err(|e| errors.add("unit_price", e.to_string()))
        .ok();
    let discount = if draft.discount.trim().is_empty() {
        Some(0)
    } else {
        TaxRate::parse_percent(&draft.discount)
            .map(|d| d.basis_points())
            .map_err(|_| errors.add("discount", "give a discount from 0 to 100 %"))
            .ok()
    };
    let tax = if draft.tax.trim().is_empty() {
        Some(default_tax)
    } else {
        TaxRate::parse_percent(&draft.tax)
            .map_err(|e| errors.add("tax", e.to_string()))
            .ok()
    };
    errors.into_result()?;
    let (Some(quantity), Some(unit_price), Some(discount_bp), Some(tax)) =
        (quantity, price, discount, tax)
    else {
        unreachable!("refused above");
    };
    Ok(LineInput {
        description: draft.description.trim().into(),
        quantity,
        unit_price,
        discount_bp,
        tax,
    })
}

/// Changes a draft's lines: `edit` gets the current lines and returns the new ones.
async fn change_lines(
    ctx: &Context,
    actor: &Actor,
    invoice_id: i64,
    verb_detail: &str,
    edit: impl FnOnce(Vec<LineInput>, Currency, TaxRate) -> Result<Vec<LineInput>>,
) -> Result<InvoiceTotals> {
    let permit = billing_permit(actor)?;
    let tx = ctx.store.begin().await?;
    let invoice = tx.lock_invoice(invoice_id).await?;
    if !invoice.is_draft() {
        return Err(AppError::Conflict(format!(
            "invoice {} is issued and cannot be changed; issue a credit note to correct it",
            invoice.label()
        )));
    }
    let currency = currency_of(&invoice.currency)?;
    let default_tax = match tx.client_billing(invoice.client_id).await? {
        Some(b) => {
            TaxRate::from_basis_points(b.tax_bp.clamp(0, 10_000) as u32).unwrap_or(TaxRate::ZERO)
        }
        None => TaxRate::ZERO,
    };
    let mut lines = Vec::new();
    for l in tx.invoice_lines(invoice_id).await? {
        lines.push(line_input(&l, currency)?);
    }
    let lines = edit(lines, currency, default_tax)?;
    let rule = Rounding::parse(&invoice.rounding).unwrap_or_default();
    let totals =
        price_invoice(currency, &lines, rule).map_err(|e| AppError::Conflict(e.to_string()))?;
    tx.replace_invoice_lines(invoice_id, &totals).await?;
    let event = AuditEvent::BillingChanged {
        entity: "invoice",
        id: invoice_id,
        verb: "update",
        detail: format!("{verb_detail} on {}; now {}", invoice.label(), totals.gross),
    };
    record(&tx, audited(permit.actor()), event).await?;
    tx.commit().await?;
    Ok(totals)
}

/// Adds a line (an expense, a discount as a negative price, a correction) to a draft.
pub async fn add_line(
    ctx: &Context,
    actor: &Actor,
    invoice_id: i64,
    draft: &LineDraft,
) -> Result<InvoiceTotals> {
    let detail = format!("added the line {:?}", draft.description.trim());
    change_lines(
        ctx,
        actor,
        invoice_id,
        &detail,
        |mut lines, currency, tax| {
            lines.push(parse_line(draft, currency, tax)?);
            Ok(lines)
        },
    )
    .await
}

/// Replaces line `position` (1-based) of a draft.
pub async fn edit_line(
    ctx: &Context,
    actor: &Actor,
    invoice_id: i64,
    position: usize,
    draft: &LineDraft,
) -> Result<InvoiceTotals> {
    let detail = format!("changed line {position}");
    change_lines(
        ctx,
        actor,
        invoice_id,
        &detail,
        |mut lines, currency, tax| {
            let slot = lines
                .get_mut(position.wrapping_sub(1))
                .ok_or_else(|| AppError::NotFound(format!("line {position}")))?;
            *slot = parse_line(draft, currency, tax)?;
            Ok(lines)
        },
    )
    .await
}

/// Removes line `position` (1-based) of a draft.
pub async fn remove_line(
    ctx: &Context,
    actor: &Actor,
    invoice_id: i64,
    position: usize,
) -> Result<InvoiceTotals> {
    let detail = format!("removed line {position}");
    change_lines(ctx, actor, invoice_id, &detail, |mut lines, _, _| {
        if position == 0 || position > lines.len() {
            return Err(AppError::NotFound(format!("line {position}")));
        }
        lines.remove(position - 1);
        Ok(lines)
    })
    .await
}

/// Issues a draft: it gets the series' next number and never changes again. Issuing a credit
/// note frees the credited invoice's time for billing again.
pub async fn issue(
    ctx: &Context,
    actor: &Actor,
    invoice_id: i64,
    issue_date: NaiveDate,
) -> Result<Invoice> {
    let permit = billing_permit(actor)?;
    let tx = ctx.store.begin().await?;
    let issued = tx
        .issue_invoice(invoice_id, issue_date)
        .await
        .map_err(|e| match e {
            StoreError::NotFound(_) => AppError::NotFound(format!("invoice {invoice_id}")),
            other => other.into(),
        })?;
    if let Some(original) = issued.credit_of {
        tx.free_billed_by(original).await?;
    }
    let event = AuditEvent::BillingChanged {
        entity: "invoice",
        id: issued.id,
        verb: "issue",
        detail: format!(
            "issued {} {} to {}: {}",
            if issued.credit_of.is_some() {
                "credit note"
            } else {
                "invoice"
            },
            issued.label(),
            issued.buyer_name,
            Money::from_minor(issued.gross_minor, currency_of(&issued.currency)?)
        ),
    };
    record(&tx, audited(permit.actor()), event).await?;
    tx.commit().await?;
    Ok(issued)
}

/// Drafts a credit note for an issued invoice: every line negated, same buyer and series.
pub async fn credit_note(ctx: &Context, actor: &Actor, invoice_id: i64) -> Result<Invoice> {
    let permit = billing_permit(actor)?;
    let tx = ctx.store.begin().await?;
    let original = tx.lock_invoice(invoice_id).await?;
    if original.is_draft() {
        return Err(AppError::Conflict(format!(
            "{} is a draft; change or delete it instead of crediting it",
            original.label()
        )));
    }
    if original.kind == InvoiceKind::CreditNote.as_str() {
        return Err(AppError::Conflict(
            "a credit note cannot be credited".into(),
        ));
    }
    let already = tx
        .list_invoices(Some(original.client_id))
        .await?
        .into_iter()
        .any(|i| i.credit_of == Some(invoice_id));
    if already {
        return Err(AppError::Conflict(format!(
            "{} already has a credit note",
            original.label()
        )));
    }
    let currency = currency_of(&original.currency)?;
    let mut lines = Vec::new();
    for l in tx.invoice_lines(invoice_id).await? {
        let mut input = line_input(&l, currency)?;
        input.quantity = match input.quantity {
            Quantity::Minutes(v) => Quantity::Minutes(-v),
            Quantity::DaysMilli(v) => Quantity::DaysMilli(-v),
            Quantity::UnitsMilli(v) => Quantity::UnitsMilli(-v),
        };
        lines.push(input);
    }
    let rule = Rounding::parse(&original.rounding).unwrap_or_default();
    let totals =
        price_invoice(currency, &lines, rule).map_err(|e| AppError::Conflict(e.to_string()))?;
    let note = tx
        .create_invoice(NewInvoice {
            series_id: original.series_id,
            kind: InvoiceKind::CreditNote,
            credit_of: Some(invoice_id),
            client_id: original.client_id,
            project_id: original.project_id,
            currency: original.currency.clone(),
            rounding: original.rounding.clone(),
            period_from: original.period_from,
            period_to: original.period_to,
            supply_date: original.supply_date,
            due_date: None,
            buyer_name: original.buyer_name.clone(),
            buyer_address: original.buyer_address.clone(),
            buyer_tax_id: original.buyer_tax_id.clone(),
            extra_rounds: -original.extra_rounds,
            created_by: audited(permit.actor()),
        })
        .await?;
    let note = tx.replace_invoice_lines(note.id, &totals).await?;
    let event = AuditEvent::BillingChanged {
        entity: "invoice",
        id: note.id,
        verb: "create",
        detail: format!(
            "drafted a credit note for {}: {}",
            original.label(),
            totals.gross
        ),
    };
    record(&tx, audited(permit.actor()), event).await?;
    tx.commit().await?;
    Ok(note)
}

pub async fn mark_paid(ctx: &Context, actor: &Actor, invoice_id: i64) -> Result<Invoice> {
    let permit = billing_permit(actor)?;
    let tx = ctx.store.begin().await?;
    let paid = tx.mark_invoice_paid(invoice_id, chrono::Utc::now()).await?;
    let event = AuditEvent::BillingChanged {
        entity: "invoice",
        id: invoice_id,
        verb: "pay",
        detail: format!("marked {} paid", paid.label()),
    };
    record(&tx, audited(permit.actor()), event).await?;
    tx.commit().await?;
    Ok(paid)
}

/// Deletes a draft and frees its time.
pub async fn delete_draft(ctx: &Context, actor: &Actor, invoice_id: i64) -> Result<()> {
    let permit = billing_permit(actor)?;
    let tx = ctx.store.begin().await?;
    tx.delete_draft(invoice_id).await?;
    let event = AuditEvent::BillingChanged {
        entity: "invoice",
        id: invoice_id,
        verb: "delete",
        detail: format!("deleted draft {invoice_id}"),
    };
    record(&tx, audited(permit.actor()), event).await?;
    tx.commit().await?;
    Ok(())
}

/// An invoice as shown and printed: its lines, the VAT breakdown per rate, the totals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceView {
    pub invoice: Invoice,
    pub lines: Vec<InvoiceLine>,
    pub groups: Vec<TaxGroup>,
    pub currency: Currency,
}

impl InvoiceView {
    pub fn money(&self, minor: i64) -> Money {
        Money::from_minor(minor, self.currency)
    }
}

/// One invoice (`ViewBilling`).
pub async fn invoice_view(ctx: &Context, actor: &Actor, invoice_id: i64) -> Result<InvoiceView> {
    authorize(actor, Action::ViewBilling, None)?;
    let invoice = ctx
        .store
        .invoice(invoice_id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("invoice {invoice_id}")))?;
    let currency = currency_of(&invoice.currency)?;
    let lines = ctx.store.invoice_lines(invoice_id).await?;
    let mut by_rate: BTreeMap<i64, (i64, i64)> = BTreeMap::new();
    for l in &lines {
        let g = by_rate.entry(l.tax_bp).or_default();
        g.0 += l.net_minor;
        g.1 += l.tax_minor;
    }
    let groups = by_rate
        .into_iter()
        .map(|(bp, (net, tax))| TaxGroup {
            rate: TaxRate::from_basis_points(bp.clamp(0, 10_000) as u32).unwrap_or(TaxRate::ZERO),
            taxable: Money::from_minor(net, currency),
            tax: Money::from_minor(tax, currency),
        })
        .collect();
    Ok(InvoiceView {
        invoice,
        lines,
        groups,
        currency,
    })
}

/// Every invoice, newest first (`ViewBilling`).
pub async fn invoices(ctx: &Context, actor: &Actor) -> Result<Vec<Invoice>> {
    authorize(actor, Action::ViewBilling, None)?;
    Ok(ctx.store.list_invoices(None).await?)
}

/// The lines of an invoice as CSV for accounting (`ViewBilling`): one row per line with the
/// invoice number, the quantity in its unit and every amount in decimal.
pub async fn invoice_csv(ctx: &Context, actor: &Actor, invoice_id: i64) -> Result<String> {
    let view = invoice_view(ctx, actor, invoice_id).await?;
    let mut out = String::from(
        "invoice,issue_date,position,description,quantity,unit,unit_price,discount_percent,tax_percent,net,tax,gross,currency\n",
    );
    let amount = |minor: i64| {
        let s = view.money(minor).to_string();
        s.rsplit_once(' ').map(|(a, _)| a.to_string()).unwrap_or(s)
    };
    for l in &view.lines {
        let q = l.quantity()?;
        let field = postflow_core::csv::field;
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{},{},{},{},{},{}\n",
            field(&view.invoice.label()),
            view.invoice
                .issue_date
                .map(|d| d.to_string())
                .unwrap_or_default(),
            l.position,
            field(&l.description),
            q.display_amount(),
            q.unit_name(),
            amount(l.unit_price_minor),
            TaxRate::from_basis_points(l.discount_bp.clamp(0, 10_000) as u32)
                .unwrap_or(TaxRate::ZERO)
                .to_string()
                .trim_end_matches(" %"),
            TaxRate::from_basis_points(l.tax_bp.clamp(0, 10_000) as u32)
                .unwrap_or(TaxRate::ZERO)
                .to_string()
                .trim_end_matches(" %"),
            amount(l.net_minor),
            amount(l.tax_minor),
            amount(l.gross_minor),
            view.currency.code(),
        ));
    }
    Ok(out)
}

// --- budgets ----------------------------------------------------------------------------------

/// A project's budgets against its actual time (`ViewRates`): per stage budget (the stage of
/// each entry's task; `*` is the whole project), hours, sell value at the rate cards, cost at
/// the cost rates, forecast from the tasks' progress, and the alerts (80 %, 100 %, rounds).
pub async fn budget_report(
    ctx: &Context,
    actor: &Actor,
    project_code: &str,
) -> Result<(Vec<BudgetStatus>, Vec<budget::Alert>)> {
    let (report, alerts, _) = budget_overview(ctx, actor, project_code).await?;
    Ok((report, alerts))
}

/// The budgets of a project against its actuals on `repo` (a transaction or the store), each
/// with its stage key (`*` for the whole project), and the alerts (see [`budget_report`]).
pub(crate) async fn budget_statuses<C: ConnectionTrait + postflow_store::TransactionTrait>(
    repo: &Repo<C>,
    project: &Project,
) -> Result<(Vec<(String, BudgetStatus)>, Vec<budget::Alert>)> {
    let (report, alerts, _) = budget_and_burn(repo, project).await?;
    Ok((report, alerts))
}

/// A project's spend up to and including one day with time logged: running totals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BurnPoint {
    pub date: NaiveDate,
    pub minutes: i64,
    /// Billable time at sell rates.
    pub sell: Money,
    /// All time at cost rates.
    pub cost: Money,
}

/// A project's burn: what its logged time has spent, day by day, against its budget and the
/// forecast at completion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Burn {
    pub points: Vec<BurnPoint>,
    /// The whole-project budget (its `*` line, else the stages' sum when each has one).
    pub budget_minutes: Option<i64>,
    pub budget_sell: Option<Money>,
    /// Where the sell figure lands at the tasks' progress so far (none without progress).
    pub forecast_sell: Option<Money>,
}

/// The budget report and the burn of a project together (one pass over its time).
pub async fn budget_overview(
    ctx: &Context,
    actor: &Actor,
    project_code: &str,
) -> Result<(Vec<BudgetStatus>, Vec<budget::Alert>, Burn)> {
    authorize(actor, Action::ViewRates, None)?;
    let (project, _) = access::project(ctx, actor, project_code, Action::ViewProject).await?;
    let (report, alerts, burn) = budget_and_burn(&ctx.store, &project).await?;
    Ok((report.into_iter().map(|(_, s)| s).collect(), alerts, burn))
}

async fn budget_and_burn<C: ConnectionTrait + postflow_store::TransactionTrait>(
    repo: &Repo<C>,
    project: &Project,
) -> Result<(Vec<(String, BudgetStatus)>, Vec<budget::Alert>, Burn)> {
    let billing = client_billing_of(repo, project).await?;
    let currency = currency_of(&billing.currency)?;
    let cards = cards_for(repo, &billing).await?;
    let refs: Vec<&RateCard> = cards.iter().collect();
    let activities: HashMap<i64, String> = repo
        .activities()
        .await?
        .into_iter()
        .map(|a| (a.id, a.name))
        .collect();
    let plan = repo.plans_of(&[project.id]).await?;
    let tasks: HashMap<i64, (String, i64)> = plan
        .tasks
        .iter()
        .map(|t| (t.id, (t.stage.clone(), t.percent_complete)))
        .collect();
    let entries = repo
        .time_entries(&TimeFilter {
            project_id: Some(project.id),
            ..Default::default()
        })
        .await?;
    let zero = Actual {
        minutes: 0,
        sell: Money::from_minor(0, currency),
        cost: Money::from_minor(0, currency),
    };
    let mut per_stage: HashMap<String, Actual> = HashMap::new();
    let mut per_day: BTreeMap<NaiveDate, Actual> = BTreeMap::new();
    let mut titles: HashMap<i64, Option<String>> = HashMap::new();
    for e in &entries {
        if let std::collections::hash_map::Entry::Vacant(slot) = titles.entry(e.user_id) {
            slot.insert(repo.user_by_id(e.user_id).await?.and_then(|u| u.title));
        }
        let activity = activities.get(&e.activity_id).cloned().unwrap_or_default();
        let work = Work {
            date: e.work_date,
            person_id: e.user_id,
            role: titles.get(&e.user_id).and_then(|t| t.as_deref()),
            activity: &activity,
        };
        let value = |kind| -> Money {
            match rate_for(&refs, kind, &work) {
                Ok(r) => {
                    let per = if r.unit == RateUnit::Day { 480 } else { 60 };
                    r.amount.mul_ratio(e.minutes, per).unwrap_or(zero.sell)
                }
                Err(_) => zero.sell,
            }
        };
        let sell = if e.billable {
            value(RateKind::Sell)
        } else {
            zero.sell
        };
        let cost = value(RateKind::Cost);
        let stage = e
            .task_id
            .and_then(|t| tasks.get(&t))
            .map(|(s, _)| s.clone())
            .unwrap_or_default();
        for key in [stage, "*".to_string()] {
            let a = per_stage.entry(key).or_insert(zero);
            a.minutes += e.minutes;
            a.sell.minor += sell.minor;
            a.cost.minor += cost.minor;
        }
        let day = per_day.entry(e.work_date).or_insert(zero);
        day.minutes += e.minutes;
        day.sell.minor += sell.minor;
        day.cost.minor += cost.minor;
    }
    let progress = |stage: &str| -> u32 {
        let in_stage: Vec<i64> = tasks
            .values()
            .filter(|(s, _)| stage == "*" || s == stage)
            .map(|(_, p)| *p)
            .collect();
        if in_stage.is_empty() {
            return 0;
        }
        (in_stage.iter().sum::<i64>() * 10 / in_stage.len() as i64).clamp(0, 1000) as u32
    };
    let mut report = Vec::new();
    let mut alerts = Vec::new();
    for b in repo.stage_budgets(project.id).await? {
        let actual = per_stage.get(&b.name).copied().unwrap_or(zero);
        let status = budget::status(
            &Budget {
                name: if b.name == "*" {
                    project.code.clone()
                } else {
                    b.name.clone()
                },
                minutes: b.minutes,
                sell: b.sell_minor.map(|m| Money::from_minor(m, currency)),
            },
            actual,
            progress(&b.name),
        );
        alerts.extend(status.alerts.clone());
        report.push((b.name.clone(), status));
    }
    if let Some(t) = repo.project_terms(project.id).await? {
        alerts.extend(budget::rounds_alert(
            t.rounds_used.max(0) as u32,
            t.included_rounds.max(0) as u32,
        ));
    }
    let mut running = zero;
    let points = per_day
        .into_iter()
        .map(|(date, day)| {
            running.minutes += day.minutes;
            running.sell.minor += day.sell.minor;
            running.cost.minor += day.cost.minor;
            BurnPoint {
                date,
                minutes: running.minutes,
                sell: running.sell,
                cost: running.cost,
            }
        })
        .collect();
    let whole = report.iter().find(|(key, _)| key == "*").map(|(_, s)| s);
    let stages: Vec<&BudgetStatus> = report
        .iter()
        .filter(|(key, _)| key != "*")
        .map(|(_, s)| s)
        .collect();
    // The whole-project line, else the stages' sum when every stage has the figure.
    let total = |f: &dyn Fn(&BudgetStatus) -> Option<i64>| -> Option<i64> {
        match whole {
            Some(w) => f(w),
            None if stages.is_empty() => None,
            None => stages.iter().map(|s| f(s)).sum(),
        }
    };
    let money = |minor: i64| Money::from_minor(minor, currency);
    let burn = Burn {
        points,
        budget_minutes: total(&|s| s.budget.minutes),
        budget_sell: total(&|s| s.budget.sell.map(|m| m.minor)).map(money),
        forecast_sell: total(&|s| s.forecast_sell.map(|m| m.minor)).map(money),
    };
    Ok((report, alerts, burn))
}

// --- reports ----------------------------------------------------------------------------------

/// Hours of one activity in a period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityHours {
    pub activity: String,
    pub minutes: i64,
    pub billable_minutes: i64,
}

/// The studio's reports for a period (`ViewRates`): utilization per person, profitability
/// and budgets per project, hours by activity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StudioReport {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub utilization: Vec<postflow_core::billing::reports::Utilization>,
    /// Utilization per department (the people's titles), by name.
    pub departments: Vec<postflow_core::billing::reports::Utilization>,
    pub profitability: Vec<postflow_core::billing::reports::Profitability>,
    pub by_activity: Vec<ActivityHours>,
    /// (project code, its budgets against actuals).
    pub budgets: Vec<(String, Vec<BudgetStatus>)>,
}

/// Minutes of a working day in the reports (available time = working days × this).
pub const REPORT_DAY_MINUTES: i64 = 480;

/// The reports for `from..=to` (rules in `core::billing::reports`): available time is the
/// studio calendar's working days in the period × 8 h; revenue is the net of the invoices and
/// credit notes issued in the period; cost is every logged minute at its cost rate (none:
/// zero).
pub async fn reports(
    ctx: &Context,
    actor: &Actor,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<StudioReport> {
    use postflow_core::billing::reports::{
        department_utilization, profitability, utilization, PersonTime,
    };
    authorize(actor, Action::ViewRates, None)?;
    if to < from {
        return Err(AppError::field("to", "the period ends before it starts"));
    }
    let store = &ctx.store;
    let calendar = crate::plan::studio_calendar(store, from).await?;
    let working_days = calendar.working_days_between(from, to + chrono::Duration::days(1));
    let available = working_days * REPORT_DAY_MINUTES;
    let entries = store
        .time_entries(&TimeFilter {
            from: Some(from),
            to: Some(to),
            ..Default::default()
        })
        .await?;
    let activities: HashMap<i64, String> = store
        .activities()
        .await?
        .into_iter()
        .map(|a| (a.id, a.name))
        .collect();
    let users = store.list_users().await?;

    // Utilization: every artist, and anyone else who logged time.
    let mut people: BTreeMap<i64, (String, i64, i64)> = BTreeMap::new();
    for u in &users {
        if u.role() == postflow_core::access::Role::Artist && !u.disabled {
            people.insert(u.id, (u.name.clone(), 0, 0));
        }
    }
    let mut by_activity: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    for e in &entries {
        let name = users
            .iter()
            .find(|u| u.id == e.user_id)
            .map(|u| u.name.clone())
            .unwrap_or_default();
        let p = people.entry(e.user_id).or_insert((name, 0, 0));
        p.2 += e.minutes;
        if e.billable {
            p.1 += e.minutes;
        }
        let a = by_activity
            .entry(activities.get(&e.activity_id).cloned().unwrap_or_default())
            .or_default();
        a.0 += e.minutes;
        if e.billable {
            a.1 += e.minutes;
        }
    }
    let titled: Vec<(Option<String>, PersonTime)> = people
        .into_iter()
        .map(|(id, (name, billable, logged))| {
            let title = users
                .iter()
                .find(|u| u.id == id)
                .and_then(|u| u.title.clone());
            let time = PersonTime {
                name,
                billable_minutes: billable,
                logged_minutes: logged,
                available_minutes: available,
            };
            (title, time)
        })
        .collect();
    let departments = department_utilization(titled.iter().map(|(t, p)| (t.as_deref(), p)));
    let mut util: Vec<_> = titled.into_iter().map(|(_, p)| utilization(p)).collect();
    util.sort_by(|a, b| a.person.name.cmp(&b.person.name));

    // Profitability per project with time or invoices in the period.
    let mut projects: BTreeMap<i64, (i64, i64, Option<Currency>)> = BTreeMap::new();
    for i in store.list_invoices(None).await? {
        let issued = i.issue_date.is_some_and(|d| d >= from && d <= to);
        if let (true, Some(p)) = (issued, i.project_id) {
            let row = projects.entry(p).or_default();
            row.0 += i.net_minor;
            row.2 = Some(currency_of(&i.currency)?);
        }
    }
    let mut titles: HashMap<i64, Option<String>> = HashMap::new();
    let mut cards_of: HashMap<i64, (Vec<RateCard>, Currency)> = HashMap::new();
    for e in &entries {
        if let std::collections::hash_map::Entry::Vacant(slot) = cards_of.entry(e.project_id) {
            let project = store.project_by_id(e.project_id).await?;
            let billing = match &project {
                Some(p) => store.client_billing(p.client_id).await?,
                None => None,
            };
            let (cards, currency) = match billing {
                Some(b) => (cards_for(store, &b).await?, currency_of(&b.currency)?),
                None => {
                    let studio: Vec<RateCard> =
                        store.studio_rate_card().await?.into_iter().collect();
                    let currency = studio
                        .first()
                        .and_then(|c| c.rates.first())
                        .map(|r| r.amount.currency)
                        .unwrap_or(Currency::EUR);
                    (studio, currency)
                }
            };
            slot.insert((cards, currency));
        }
        if let std::collections::hash_map::Entry::Vacant(slot) = titles.entry(e.user_id) {
            slot.insert(
                users
                    .iter()
                    .find(|u| u.id == e.user_id)
                    .and_then(|u| u.title.clone()),
            );
        }
        let (cards, currency) = &cards_of[&e.project_id];
        let refs: Vec<&RateCard> = cards.iter().collect();
        let activity = activities.get(&e.activity_id).cloned().unwrap_or_default();
        let work = Work {
            date: e.work_date,
            person_id: e.user_id,
            role: titles.get(&e.user_id).and_then(|t| t.as_deref()),
            activity: &activity,
        };
        let cost = match rate_for(&refs, RateKind::Cost, &work) {
            Ok(r) => {
                let per = if r.unit == RateUnit::Day {
                    REPORT_DAY_MINUTES
                } else {
                    60
                };
                r.amount
                    .mul_ratio(e.minutes, per)
                    .map(|m| m.minor)
                    .unwrap_or(0)
            }
            Err(_) => 0,
        };
        let row = projects.entry(e.project_id).or_default();
        row.1 += cost;
        row.2.get_or_insert(*currency);
    }
    let mut profit = Vec::new();
    for (project_id, (revenue, cost, currency)) in projects {
        let code = store
            .project_by_id(project_id)
            .await?
            .map(|p| p.code)
            .unwrap_or_default();
        let c = currency.unwrap_or(Currency::EUR);
        profit.push(profitability(
            &code,
            Money::from_minor(revenue, c),
            Money::from_minor(cost, c),
        ));
    }

    let mut budgets = Vec::new();
    for p in crate::access::visible_projects(ctx, actor, false).await? {
        if store.stage_budgets(p.id).await?.is_empty() {
            continue;
        }
        if let Ok((lines, _)) = budget_report(ctx, actor, &p.code).await {
            budgets.push((p.code.clone(), lines));
        }
    }
    Ok(StudioReport {
        from,
        to,
        utilization: util,
        departments,
        profitability: profit,
        by_activity: by_activity
            .into_iter()
            .map(|(activity, (minutes, billable_minutes))| ActivityHours {
                activity,
                minutes,
                billable_minutes,
            })
            .collect(),
        budgets,
    })
}

/// The reports as CSV, one section per report, each row with its figures.
pub fn reports_csv(r: &StudioReport) -> String {
    use postflow_core::billing::reports::permille_text;
    let mut out = format!("report,name,figure,value\nperiod,{},{},\n", r.from, r.to);
    let q = postflow_core::csv::field;
    for u in &r.utilization {
        let n = q(&u.person.name);
        out.push_str(&format!(
            "utilization,{n},billable_hours,{}\n",
            crate::time::hours_minutes(u.person.billable_minutes)
        ));
        out.push_str(&format!(
            "utilization,{n},available_hours,{}\n",
            crate::time::hours_minutes(u.person.available_minutes)
        ));
        out.push_str(&format!(
            "utilization,{n},percent,{}\n",
            u.permille
                .map(|p| permille_text(p).trim_end_matches(" %").to_string())
                .unwrap_or_default()
        ));
    }
    for u in &r.departments {
        let n = q(&u.person.name);
        out.push_str(&format!(
            "department_utilization,{n},billable_hours,{}\n",
            crate::time::hours_minutes(u.person.billable_minutes)
        ));
        out.push_str(&format!(
            "department_utilization,{n},available_hours,{}\n",
            crate::time::hours_minutes(u.person.available_minutes)
        ));
        out.push_str(&format!(
            "department_utilization,{n},percent,{}\n",
            u.permille
                .map(|p| permille_text(p).trim_end_matches(" %").to_string())
                .unwrap_or_default()
        ));
    }
    for p in &r.profitability {
        let n = q(&p.project);
        for (figure, m) in [
            ("revenue", p.revenue),
            ("cost", p.cost),
            ("margin", p.margin),
        ] {
            out.push_str(&format!("profitability,{n},{figure},{}\n", m));
        }
    }
    for a in &r.by_activity {
        let n = q(&a.activity);
        out.push_str(&format!(
            "hours_by_activity,{n},hours,{}\n",
            crate::time::hours_minutes(a.minutes)
        ));
        out.push_str(&format!(
            "hours_by_activity,{n},billable_hours,{}\n",
            crate::time::hours_minutes(a.billable_minutes)
        ));
    }
    for (code, lines) in &r.budgets {
        for s in lines {
            let n = q(&format!("{code} {}", s.budget.name));
            if let Some(m) = s.budget.minutes {
                out.push_str(&format!(
                    "budget,{n},budget_hours,{}\n",
                    crate::time::hours_minutes(m)
                ));
            }
            out.push_str(&format!(
                "budget,{n},actual_hours,{}\n",
                crate::time::hours_minutes(s.actual.minutes)
            ));
            if let Some(m) = s.budget.sell {
                out.push_str(&format!("budget,{n},budget_sell,{m}\n"));
            }
            out.push_str(&format!("budget,{n},actual_sell,{}\n", s.actual.sell));
        }
    }
    out
}
