//! Quotes (estimates): priced from the project's plan and a rate card by
//! [`postflow_core::billing::quote`], kept as a draft the producer adjusts (lines, discount),
//! sent to the client, then accepted or declined by the client or the producer. **An accepted
//! quote becomes the project's budget**: its hours and net money per stage (and their sum as
//! the whole project, `*`) replace the stage budgets, a quote accepted before is superseded,
//! and the budget alerts start counting afresh. Each change is one transaction with its audit
//! event.
//!
//! Who sees what: drafting, editing and sending need `ManageBilling`; the client of the project
//! sees its sent and decided quotes (never drafts) with sell prices only — no rate card, no
//! cost rates, no planned minutes per stage — and may accept or decline a sent one.
//!
//! A task is quoted at its planned hours (its hours, or its days at the terms' day length) as
//! the activity chosen for its stage (or the activity whose name starts like the stage's key or
//! name — `color` → "Color grading" —, else the stage's name), with its skill as the role.
use crate::audit::{record, AuditEvent};
use crate::billing::{
    billing_permit, cards_for, client_billing_of, core_terms, currency_of, parse_line, rounding,
    LineDraft,
};
use crate::{access, AppError, Context, Result};
use chrono::{NaiveDate, Utc};
use postflow_core::access::{can, Action, Actor, Role};
use postflow_core::billing::quote::{quote as price_quote, PlannedTask};
use postflow_core::billing::rates::RateCard;
use postflow_core::billing::terms::{Commercial, Terms};
use postflow_core::billing::{price_invoice, LineInput, Quantity, Rounding, TaxGroup, TaxRate};
use postflow_core::money::{Currency, Money};
use postflow_store::quotes::{LineBudget, NewQuote, Quote, QuoteLine, QuoteState};
use postflow_store::studio::Project;
use postflow_store::{ConnectionTrait, Repo, StoreError};
use std::collections::BTreeMap;

/// What a quote is made from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QuoteRequest {
    pub title: String,
    /// The rate card to price with (none: the client's card, then the studio's).
    pub rate_card_id: Option<i64>,
    /// (stage key, activity name) for the stages whose activity is chosen.
    pub activities: Vec<(String, String)>,
    /// Days the quote is valid (none: no end).
    pub valid_days: Option<i64>,
    /// The day the rates are taken on (none: today).
    pub date: Option<NaiveDate>,
}

/// A quote as shown: its lines, the VAT breakdown and whether the reader is staff (sees stage
/// and planned hours per line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuoteView {
    pub quote: Quote,
    pub project: Project,
    pub lines: Vec<QuoteLine>,
    pub groups: Vec<TaxGroup>,
    pub currency: Currency,
    pub internal: bool,
    pub rate_card: Option<String>,
}

impl QuoteView {
    pub fn money(&self, minor: i64) -> Money {
        Money::from_minor(minor, self.currency)
    }
}

fn corrupt(e: impl ToString) -> AppError {
    AppError::Store(StoreError::Corrupt(e.to_string()))
}

fn line_input(line: &QuoteLine, currency: Currency) -> Result<LineInput> {
    Ok(LineInput {
        description: line.description.clone(),
        quantity: line.quantity()?,
        unit_price: Money::from_minor(line.unit_price_minor, currency),
        discount_bp: line.discount_bp.clamp(0, 10_000) as u32,
        tax: TaxRate::from_basis_points(line.tax_bp.clamp(0, 10_000) as u32).map_err(corrupt)?,
    })
}

/// The planned minutes a quantity stands for (what the line budgets).
fn minutes_of(q: Quantity, day_minutes: i64) -> i64 {
    match q {
        Quantity::Minutes(m) => m,
        Quantity::DaysMilli(d) => d * day_minutes / 1000,
        Quantity::UnitsMilli(_) => 0,
    }
}

/// The terms a quote is priced under: the project's, or time and materials at the client's
/// tax rate when it has none yet.
async fn quote_terms<C: ConnectionTrait>(repo: &Repo<C>, project: &Project) -> Result<Terms> {
    let billing = client_billing_of(repo, project).await?;
    match repo.project_terms(project.id).await? {
        Some(t) => core_terms(&t, &billing),
        None => Ok(Terms {
            commercial: Commercial::TimeAndMaterials,
            currency: currency_of(&billing.currency)?,
            included_rounds: 0,
            extra_round_price: None,
            tax: TaxRate::from_basis_points(billing.tax_bp.clamp(0, 10_000) as u32)
                .map_err(corrupt)?,
            day_minutes: 480,
        }),
    }
}

/// The activity a stage is quoted as when none is chosen (see the module docs).
pub fn guess_activity(stage_key: &str, stage_name: &str, activities: &[String]) -> String {
    let key = stage_key.trim().to_lowercase();
    let first = stage_name
        .split(|c: char| !c.is_alphanumeric())
        .next()
        .unwrap_or("")
        .to_lowercase();
    for probe in [key.as_str(), first.as_str()] {
        if probe.len() < 3 {
            continue;
        }
        if let Some(a) = activities
            .iter()
            .find(|a| a.to_lowercase().starts_with(probe))
        {
            return a.clone();
        }
    }
    stage_name.trim().to_string()
}

async fn project_of<C: ConnectionTrait>(
    repo: &Repo<C>,
    actor: &Actor,
    quote: &Quote,
) -> Result<Project> {
    let not_found = || AppError::NotFound(format!("quote {}", quote.id));
    let project = repo
        .project_by_id(quote.project_id)
        .await?
        .ok_or_else(not_found)?;
    access::project_in(repo, actor, &project.code, Action::ViewProject)
        .await
        .map_err(|_| not_found())?;
    Ok(project)
}

/// The quote for a reader: staff with `ManageBilling` see every quote of a project they see;
/// the project's client sees sent and decided ones; anyone else is told it does not exist.
async fn readable<C: ConnectionTrait>(
    repo: &Repo<C>,
    actor: &Actor,
    quote_id: i64,
    lock: bool,
) -> Result<(Quote, Project, bool)> {
    let not_found = || AppError::NotFound(format!("quote {quote_id}"));
    let quote = if lock {
        repo.lock_quote(quote_id).await.map_err(|e| match e {
            StoreError::NotFound(_) => not_found(),
            other => other.into(),
        })?
    } else {
        repo.quote(quote_id).await?.ok_or_else(not_found)?
    };
    let project = project_of(repo, actor, &quote).await?;
    let internal = can(actor, Action::ManageBilling, None);
    let client = actor.role == Role::Client && actor.client_id == Some(project.client_id);
    if !internal && !(client && quote.state()? != QuoteState::Draft) {
        return Err(not_found());
    }
    Ok((quote, project, internal))
}

async fn view_of<C: ConnectionTrait>(
    repo: &Repo<C>,
    quote: Quote,
    project: Project,
    internal: bool,
) -> Result<QuoteView> {
    let currency = currency_of(&quote.currency)?;
    let lines = repo.quote_lines(quote.id).await?;
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
    let rate_card = match (internal, quote.rate_card_id) {
        (true, Some(id)) => repo.rate_card(id).await?.map(|c| c.name),
        _ => None,
    };
    Ok(QuoteView {
        quote,
        project,
        lines,
        groups,
        currency,
        internal,
        rate_card,
    })
}

/// Drafts a quote from the project's plan (rules in the module docs).
pub async fn create_quote(
    ctx: &Context,
    actor: &Actor,
    project_code: &str,
    req: &QuoteRequest,
) -> Result<QuoteView> {
    billing_permit(actor)?;
    let tx = ctx.store.begin().await?;
    let (project, permit) =
        access::project_in(&tx, actor, project_code, Action::EditProject).await?;
    let billing = client_billing_of(&tx, &project).await?;
    let terms = quote_terms(&tx, &project).await?;
    let rule = rounding(&tx).await?;
    let mut cards: Vec<RateCard> = Vec::new();
    if let Some(id) = req.rate_card_id {
        let card = tx
            .rate_card(id)
            .await?
            .ok_or_else(|| AppError::field("rate_card", format!("there is no rate card {id}")))?;
        if card.client_id.is_some_and(|c| c != project.client_id) {
            return Err(AppError::field(
                "rate_card",
                format!("the rate card {:?} is another client's", card.name),
            ));
        }
        cards.push(card);
    } else {
        cards = cards_for(&tx, &billing).await?;
    }
    if cards.is_empty() {
        return Err(AppError::field(
            "rate_card",
            "there is no rate card yet; make one with the sell rates to quote at",
        ));
    }
    let refs: Vec<&RateCard> = cards.iter().collect();
    let plan = tx.plans_of(&[project.id]).await?;
    let activities: Vec<String> = tx.activities().await?.into_iter().map(|a| a.name).collect();
    let chosen: BTreeMap<String, String> = req
        .activities
        .iter()
        .filter(|(_, a)| !a.trim().is_empty())
        .map(|(s, a)| (s.trim().to_string(), a.trim().to_string()))
        .collect();
    let mut tasks = Vec::new();
    for t in plan.tasks.iter().filter(|t| t.milestone.is_none()) {
        let stage_name = plan
            .stages
            .iter()
            .find(|s| s.key == t.stage)
            .map(|s| s.name.clone())
            .unwrap_or_else(|| t.stage.clone());
        let minutes = match t.duration_hours {
            Some(h) => h * 60,
            None => t.duration_days * terms.day_minutes,
        };
        let activity = chosen
            .get(&t.stage)
            .cloned()
            .unwrap_or_else(|| guess_activity(&t.stage, &stage_name, &activities));
        tasks.push(PlannedTask {
            stage: t.stage.clone(),
            stage_name,
            activity,
            role: t.skill.clone().filter(|s| !s.trim().is_empty()),
            minutes,
        });
    }
    // Stages in plan order, not the order tasks happen to be listed in.
    let order: Vec<&str> = plan.stages.iter().map(|s| s.key.as_str()).collect();
    tasks.sort_by_key(|t| {
        order
            .iter()
            .position(|k| *k == t.stage)
            .unwrap_or(usize::MAX)
    });
    if tasks.iter().all(|t| t.minutes <= 0) {
        return Err(AppError::Conflict(format!(
            "the plan of {} has no planned hours to quote; add tasks with durations first",
            project.code
        )));
    }
    let date = req.date.unwrap_or_else(|| Utc::now().date_naive());
    let priced = price_quote(&tasks, &refs, date, &terms, rule)
        .map_err(|e| AppError::Conflict(e.to_string()))?;
    let series = tx.invoice_series_list().await?;
    let seller = series.first();
    let title = if req.title.trim().is_empty() {
        format!("{} — {}", project.code, project.name)
    } else {
        req.title.trim().to_string()
    };
    let quote = tx
        .create_quote(NewQuote {
            project_id: project.id,
            title,
            rate_card_id: cards.first().map(|c| c.id),
            currency: terms.currency.code().into(),
            rounding: rule.as_str().into(),
            valid_until: req
                .valid_days
                .filter(|d| *d > 0)
                .map(|d| date + chrono::Duration::days(d)),
            seller_name: seller.map(|s| s.seller_name.clone()).unwrap_or_default(),
            seller_address: seller.map(|s| s.seller_address.clone()).unwrap_or_default(),
            seller_tax_id: seller.map(|s| s.seller_tax_id.clone()).unwrap_or_default(),
            buyer_name: billing.legal_name.clone(),
            buyer_address: billing.address.clone(),
            buyer_tax_id: billing.tax_id.clone(),
            created_by: access::audited_user(permit.actor()),
        })
        .await?;
    let budgets: Vec<LineBudget> = priced
        .lines
        .iter()
        .map(|l| LineBudget {
            stage: l.stage.clone(),
            minutes: l.minutes,
        })
        .collect();
    let quote = tx
        .replace_quote_lines(quote.id, &priced.totals, &budgets)
        .await?;
    let event = AuditEvent::BillingChanged {
        entity: "quote",
        id: quote.id,
        verb: "create",
        detail: format!(
            "drafted {} for {}: {}",
            quote.label(),
            project.code,
            priced.totals.gross
        ),
    };
    record(&tx, access::audited_user(permit.actor()), event).await?;
    let view = view_of(&tx, quote, project, true).await?;
    tx.commit().await?;
    Ok(view)
}

/// A line of a quote as the producer types it: an invoice line and the stage it budgets.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QuoteLineDraft {
    pub line: LineDraft,
    /// The plan's stage key (empty: the line budgets no stage).
    pub stage: String,
}

/// Changes a draft quote's lines: `edit` gets the current lines with what they budget.
async fn change_lines(
    ctx: &Context,
    actor: &Actor,
    quote_id: i64,
    verb_detail: &str,
    edit: impl FnOnce(
        Vec<(LineInput, LineBudget)>,
        Currency,
        TaxRate,
        i64,
    ) -> Result<Vec<(LineInput, LineBudget)>>,
) -> Result<QuoteView> {
    let permit = billing_permit(actor)?;
    let tx = ctx.store.begin().await?;
    let (quote, project, _) = readable(&tx, actor, quote_id, true).await?;
    if quote.state()? != QuoteState::Draft {
        return Err(AppError::Conflict(format!(
            "{} is {}; only a draft quote can be changed — make a new quote instead",
            quote.label(),
            quote.state
        )));
    }
    let currency = currency_of(&quote.currency)?;
    let terms = quote_terms(&tx, &project).await?;
    let mut lines = Vec::new();
    for l in tx.quote_lines(quote_id).await? {
        let budget = LineBudget {
            stage: l.stage.clone(),
            minutes: l.minutes,
        };
        lines.push((line_input(&l, currency)?, budget));
    }
    let lines = edit(lines, currency, terms.tax, terms.day_minutes)?;
    let rule = Rounding::parse(&quote.rounding).unwrap_or_default();
    let inputs: Vec<LineInput> = lines.iter().map(|(l, _)| l.clone()).collect();
    let budgets: Vec<LineBudget> = lines.into_iter().map(|(_, b)| b).collect();
    let totals =
        price_invoice(currency, &inputs, rule).map_err(|e| AppError::Conflict(e.to_string()))?;
    let quote = tx.replace_quote_lines(quote_id, &totals, &budgets).await?;
    let event = AuditEvent::BillingChanged {
        entity: "quote",
        id: quote_id,
        verb: "update",
        detail: format!("{verb_detail} on {}; now {}", quote.label(), totals.gross),
    };
    record(&tx, access::audited_user(permit.actor()), event).await?;
    let view = view_of(&tx, quote, project, true).await?;
    tx.commit().await?;
    Ok(view)
}

fn drafted(
    draft: &QuoteLineDraft,
    currency: Currency,
    tax: TaxRate,
    day_minutes: i64,
) -> Result<(LineInput, LineBudget)> {
    let input = parse_line(&draft.line, currency, tax)?;
    let stage = draft.stage.trim().to_string();
    let minutes = if stage.is_empty() {
        0
    } else {
        minutes_of(input.quantity, day_minutes)
    };
    Ok((input, LineBudget { stage, minutes }))
}

/// Adds a line to a draft quote.
pub async fn add_quote_line(
    ctx: &Context,
    actor: &Actor,
    quote_id: i64,
    draft: &QuoteLineDraft,
) -> Result<QuoteView> {
    let detail = format!("added the line {:?}", draft.line.description.trim());
    change_lines(ctx, actor, quote_id, &detail, |mut lines, c, t, d| {
        lines.push(drafted(draft, c, t, d)?);
        Ok(lines)
    })
    .await
}

/// Replaces line `position` (1-based) of a draft quote; the hours it budgets follow its new
/// quantity.
pub async fn edit_quote_line(
    ctx: &Context,
    actor: &Actor,
    quote_id: i64,
    position: usize,
    draft: &QuoteLineDraft,
) -> Result<QuoteView> {
    let detail = format!("changed line {position}");
    change_lines(ctx, actor, quote_id, &detail, |mut lines, c, t, d| {
        let slot = lines
            .get_mut(position.wrapping_sub(1))
            .ok_or_else(|| AppError::NotFound(format!("line {position}")))?;
        *slot = drafted(draft, c, t, d)?;
        Ok(lines)
    })
    .await
}

/// Removes line `position` (1-based) of a draft quote.
pub async fn remove_quote_line(
    ctx: &Context,
    actor: &Actor,
    quote_id: i64,
    position: usize,
) -> Result<QuoteView> {
    let detail = format!("removed line {position}");
    change_lines(ctx, actor, quote_id, &detail, |mut lines, _, _, _| {
        if position == 0 || position > lines.len() {
            return Err(AppError::NotFound(format!("line {position}")));
        }
        lines.remove(position - 1);
        Ok(lines)
    })
    .await
}

/// Gives every line of a draft quote the same discount (percent, `10` or `7.5`; empty or `0`
/// takes it off). The budget follows the discounted money.
pub async fn set_quote_discount(
    ctx: &Context,
    actor: &Actor,
    quote_id: i64,
    percent: &str,
) -> Result<QuoteView> {
    let bp = if percent.trim().is_empty() {
        0
    } else {
        TaxRate::parse_percent(percent)
            .map_err(|_| AppError::field("discount", "give a discount from 0 to 100 %"))?
            .basis_points()
    };
    let detail = format!(
        "set a discount of {} on every line",
        TaxRate::from_basis_points(bp).unwrap_or(TaxRate::ZERO)
    );
    change_lines(ctx, actor, quote_id, &detail, |mut lines, _, _, _| {
        for (l, _) in lines.iter_mut() {
            l.discount_bp = bp;
        }
        Ok(lines)
    })
    .await
}

/// Sends a draft quote to the client: from now on the client sees it and it no longer changes.
pub async fn send_quote(ctx: &Context, actor: &Actor, quote_id: i64) -> Result<QuoteView> {
    let permit = billing_permit(actor)?;
    let tx = ctx.store.begin().await?;
    let (quote, project, _) = readable(&tx, actor, quote_id, true).await?;
    if quote.state()? != QuoteState::Draft {
        return Err(AppError::Conflict(format!(
            "{} is {} already; only a draft can be sent",
            quote.label(),
            quote.state
        )));
    }
    if tx.quote_lines(quote_id).await?.is_empty() {
        return Err(AppError::Conflict(format!(
            "{} has no lines; add what it quotes before sending it",
            quote.label()
        )));
    }
    let quote = tx
        .set_quote_state(
            quote,
            QuoteState::Sent,
            access::audited_user(permit.actor()),
            Utc::now(),
        )
        .await?;
    let event = AuditEvent::BillingChanged {
        entity: "quote",
        id: quote_id,
        verb: "send",
        detail: format!(
            "sent {} of {} to {}: {}",
            quote.label(),
            project.code,
            quote.buyer_name,
            Money::from_minor(quote.gross_minor, currency_of(&quote.currency)?)
        ),
    };
    record(&tx, access::audited_user(permit.actor()), event).await?;
    let view = view_of(&tx, quote, project, true).await?;
    tx.commit().await?;
    Ok(view)
}

/// The client (or a producer) accepts or declines a sent quote. Accepting makes it the
/// project's budget (module docs).
pub async fn decide_quote(
    ctx: &Context,
    actor: &Actor,
    quote_id: i64,
    accept: bool,
) -> Result<QuoteView> {
    let tx = ctx.store.begin().await?;
    let (quote, project, internal) = readable(&tx, actor, quote_id, true).await?;
    // Only the producer side (`ManageBilling`) and the project's own client may decide; a
    // client reaching this far is the project's client (`readable` checked it).
    if !internal && actor.role != Role::Client {
        return Err(AppError::Forbidden(Action::ManageBilling));
    }
    let verb = if accept { "accepted" } else { "declined" };
    match quote.state()? {
        QuoteState::Sent => {}
        QuoteState::Draft => {
            return Err(AppError::Conflict(format!(
                "{} is a draft; send it to the client before it can be {verb}",
                quote.label()
            )))
        }
        _ => {
            return Err(AppError::Conflict(format!(
                "{} is {} already",
                quote.label(),
                quote.state
            )))
        }
    }
    let by = access::audited_user(actor);
    let state = if accept {
        QuoteState::Accepted
    } else {
        QuoteState::Declined
    };
    let quote = tx.set_quote_state(quote, state, by, Utc::now()).await?;
    let mut detail = format!("{verb} {} of {}", quote.label(), project.code);
    if accept {
        let superseded = tx.supersede_accepted_quotes(project.id, quote.id).await?;
        let lines = tx.quote_lines(quote.id).await?;
        let mut stages: Vec<(String, i64, i64)> = Vec::new();
        for l in lines.iter().filter(|l| !l.stage.is_empty()) {
            match stages.iter_mut().find(|(s, _, _)| *s == l.stage) {
                Some((_, m, n)) => {
                    *m += l.minutes;
                    *n += l.net_minor;
                }
                None => stages.push((l.stage.clone(), l.minutes, l.net_minor)),
            }
        }
        tx.clear_stage_budgets(project.id).await?;
        let (mut all_minutes, mut all_net) = (0, 0);
        for (stage, minutes, net) in &stages {
            tx.set_stage_budget(project.id, stage, Some(*minutes), Some(*net))
                .await?;
            all_minutes += minutes;
            all_net += net;
        }
        tx.set_stage_budget(project.id, "*", Some(all_minutes), Some(all_net))
            .await?;
        tx.clear_budget_alerts(project.id).await?;
        detail.push_str(&format!(
            "; it is the budget now ({} stages{})",
            stages.len(),
            if superseded > 0 {
                ", superseding the quote accepted before"
            } else {
                ""
            }
        ));
    }
    let event = AuditEvent::BillingChanged {
        entity: "quote",
        id: quote_id,
        verb: if accept { "accept" } else { "decline" },
        detail,
    };
    record(&tx, by, event).await?;
    let view = view_of(&tx, quote, project, internal).await?;
    tx.commit().await?;
    Ok(view)
}

/// One quote as the reader may see it.
pub async fn quote_view(ctx: &Context, actor: &Actor, quote_id: i64) -> Result<QuoteView> {
    let (quote, project, internal) = readable(&ctx.store, actor, quote_id, false).await?;
    view_of(&ctx.store, quote, project, internal).await
}

/// A project's quotes, newest first: all of them for billing staff, the sent and decided ones
/// for its client, none for anyone else.
pub async fn quotes(ctx: &Context, actor: &Actor, project_code: &str) -> Result<Vec<Quote>> {
    let (project, _) = access::project(ctx, actor, project_code, Action::ViewProject).await?;
    let internal = can(actor, Action::ManageBilling, None);
    let client = actor.role == Role::Client && actor.client_id == Some(project.client_id);
    if !internal && !client {
        return Err(AppError::Forbidden(Action::ManageBilling));
    }
    let all = ctx.store.quotes_of(project.id).await?;
    Ok(all
        .into_iter()
        .filter(|q| internal || q.state != QuoteState::Draft.as_str())
        .collect())
}

/// The stages of a project's plan with the activity each is quoted as by default (for the form).
pub async fn stage_activities(
    ctx: &Context,
    actor: &Actor,
    project_code: &str,
) -> Result<Vec<(String, String, String)>> {
    billing_permit(actor)?;
    let (project, _) = access::project(ctx, actor, project_code, Action::ViewProject).await?;
    let plan = ctx.store.plans_of(&[project.id]).await?;
    let activities: Vec<String> = ctx
        .store
        .activities()
        .await?
        .into_iter()
        .map(|a| a.name)
        .collect();
    Ok(plan
        .stages
        .iter()
        .map(|s| {
            (
                s.key.clone(),
                s.name.clone(),
                guess_activity(&s.key, &s.name, &activities),
            )
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stages_guess_their_activity_by_key_or_name() {
        let acts: Vec<String> = ["Editing", "Color grading", "Sound design", "VFX", "Ingest"]
            .into_iter()
            .map(String::from)
            .collect();
        assert_eq!(
            guess_activity("edit", "Assembly & rough cut", &acts),
            "Editing"
        );
        assert_eq!(guess_activity("color", "Color", &acts), "Color grading");
        assert_eq!(guess_activity("vfx", "VFX & graphics", &acts), "VFX");
        assert_eq!(
            guess_activity("lock", "Fine cut & picture lock", &acts),
            "Fine cut & picture lock"
        );
        assert_eq!(minutes_of(Quantity::DaysMilli(1500), 480), 720);
    }
}
