//! Quotes as rows: the quote (state, buyer and seller as quoted, totals) and its priced lines,
//! each with the stage and minutes it budgets; and the budget alerts already sent, one row per
//! crossing, so a crossing is announced once (the unique index decides between two writers).
use crate::entities::{budget_alert_sent, quote, quote_line, stage_budget};
use crate::{now, Repo, Result, StoreError};
use chrono::{DateTime, NaiveDate, Utc};
use postflow_core::billing::{InvoiceTotals, Quantity};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

pub use crate::entities::quote::Model as Quote;
pub use crate::entities::quote_line::Model as QuoteLine;

/// A quote's life: a draft the producer edits, sent to the client, then accepted (it becomes
/// the budget), declined, or superseded by a later accepted quote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuoteState {
    Draft,
    Sent,
    Accepted,
    Declined,
    Superseded,
}

impl QuoteState {
    pub fn as_str(self) -> &'static str {
        match self {
            QuoteState::Draft => "draft",
            QuoteState::Sent => "sent",
            QuoteState::Accepted => "accepted",
            QuoteState::Declined => "declined",
            QuoteState::Superseded => "superseded",
        }
    }
    pub fn parse(s: &str) -> Option<QuoteState> {
        [
            QuoteState::Draft,
            QuoteState::Sent,
            QuoteState::Accepted,
            QuoteState::Declined,
            QuoteState::Superseded,
        ]
        .into_iter()
        .find(|q| q.as_str() == s)
    }
}

impl Quote {
    pub fn state(&self) -> Result<QuoteState> {
        QuoteState::parse(&self.state)
            .ok_or_else(|| StoreError::Corrupt(format!("quote {} state {:?}", self.id, self.state)))
    }
    pub fn label(&self) -> String {
        format!("Quote {}", self.number)
    }
}

impl QuoteLine {
    pub fn quantity(&self) -> Result<Quantity> {
        Ok(match self.quantity_unit.as_str() {
            "minutes" => Quantity::Minutes(self.quantity_amount),
            "days_milli" => Quantity::DaysMilli(self.quantity_amount),
            "units_milli" => Quantity::UnitsMilli(self.quantity_amount),
            other => {
                return Err(StoreError::Corrupt(format!(
                    "quote line {} quantity unit {other:?}",
                    self.id
                )))
            }
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewQuote {
    pub project_id: i64,
    pub title: String,
    pub rate_card_id: Option<i64>,
    pub currency: String,
    pub rounding: String,
    pub valid_until: Option<NaiveDate>,
    pub seller_name: String,
    pub seller_address: String,
    pub seller_tax_id: String,
    pub buyer_name: String,
    pub buyer_address: String,
    pub buyer_tax_id: String,
    pub created_by: Option<i64>,
}

/// What a line budgets: its stage key (empty: none) and planned minutes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LineBudget {
    pub stage: String,
    pub minutes: i64,
}

fn quantity_columns(q: Quantity) -> (&'static str, i64) {
    match q {
        Quantity::Minutes(v) => ("minutes", v),
        Quantity::DaysMilli(v) => ("days_milli", v),
        Quantity::UnitsMilli(v) => ("units_milli", v),
    }
}

impl<C: ConnectionTrait> Repo<C> {
    /// A new draft numbered after the project's last quote (no lines yet).
    pub async fn create_quote(&self, new: NewQuote) -> Result<Quote> {
        let last = quote::Entity::find()
            .filter(quote::Column::ProjectId.eq(new.project_id))
            .order_by_desc(quote::Column::Number)
            .one(self.conn())
            .await?
            .map(|q| q.number)
            .unwrap_or(0);
        Ok(quote::ActiveModel {
            project_id: Set(new.project_id),
            number: Set(last + 1),
            title: Set(new.title),
            state: Set(QuoteState::Draft.as_str().into()),
            rate_card_id: Set(new.rate_card_id),
            currency: Set(new.currency),
            rounding: Set(new.rounding),
            valid_until: Set(new.valid_until),
            seller_name: Set(new.seller_name),
            seller_address: Set(new.seller_address),
            seller_tax_id: Set(new.seller_tax_id),
            buyer_name: Set(new.buyer_name),
            buyer_address: Set(new.buyer_address),
            buyer_tax_id: Set(new.buyer_tax_id),
            net_minor: Set(0),
            tax_minor: Set(0),
            gross_minor: Set(0),
            created_by: Set(new.created_by),
            created_at: Set(now()),
            sent_at: Set(None),
            decided_at: Set(None),
            decided_by: Set(None),
            ..Default::default()
        }
        .insert(self.conn())
        .await?)
    }

    pub async fn quote(&self, id: i64) -> Result<Option<Quote>> {
        Ok(quote::Entity::find_by_id(id).one(self.conn()).await?)
    }

    /// Locks a quote's row until the transaction ends (`SELECT … FOR UPDATE` on PostgreSQL;
    /// SQLite's writer already holds the database lock).
    pub async fn lock_quote(&self, id: i64) -> Result<Quote> {
        quote::Entity::find_by_id(id)
            .lock_exclusive()
            .one(self.conn())
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("quote {id}")))
    }

    /// A project's quotes, newest first.
    pub async fn quotes_of(&self, project_id: i64) -> Result<Vec<Quote>> {
        Ok(quote::Entity::find()
            .filter(quote::Column::ProjectId.eq(project_id))
            .order_by_desc(quote::Column::Number)
            .all(self.conn())
            .await?)
    }

    pub async fn quote_lines(&self, quote_id: i64) -> Result<Vec<QuoteLine>> {
        Ok(quote_line::Entity::find()
            .filter(quote_line::Column::QuoteId.eq(quote_id))
            .order_by_asc(quote_line::Column::Position)
            .order_by_asc(quote_line::Column::Id)
            .all(self.conn())
            .await?)
    }

    /// Replaces a draft's lines (`budgets[i]` belongs to `totals.lines[i]`) and totals. A sent
    /// or decided quote is refused: the client may have read it.
    pub async fn replace_quote_lines(
        &self,
        quote_id: i64,
        totals: &InvoiceTotals,
        budgets: &[LineBudget],
    ) -> Result<Quote> {
        let q = self.lock_quote(quote_id).await?;
        if q.state()? != QuoteState::Draft {
            return Err(StoreError::Conflict(format!(
                "{} is {}; only a draft quote can be changed — make a new quote instead",
                q.label(),
                q.state
            )));
        }
        quote_line::Entity::delete_many()
            .filter(quote_line::Column::QuoteId.eq(quote_id))
            .exec(self.conn())
            .await?;
        if !totals.lines.is_empty() {
            let rows = totals.lines.iter().enumerate().map(|(i, l)| {
                let (unit, amount) = quantity_columns(l.input.quantity);
                let b = budgets.get(i).cloned().unwrap_or_default();
                quote_line::ActiveModel {
                    quote_id: Set(quote_id),
                    position: Set(i as i64 + 1),
                    stage: Set(b.stage),
                    minutes: Set(b.minutes),
                    description: Set(l.input.description.clone()),
                    quantity_unit: Set(unit.into()),
                    quantity_amount: Set(amount),
                    unit_price_minor: Set(l.input.unit_price.minor),
                    discount_bp: Set(l.input.discount_bp as i64),
                    tax_bp: Set(l.input.tax.basis_points() as i64),
                    net_minor: Set(l.net.minor),
                    tax_minor: Set(l.tax.minor),
                    gross_minor: Set(l.gross.minor),
                    ..Default::default()
                }
            });
            quote_line::Entity::insert_many(rows)
                .exec(self.conn())
                .await?;
        }
        let mut a: quote::ActiveModel = q.into();
        a.net_minor = Set(totals.net.minor);
        a.tax_minor = Set(totals.tax.minor);
        a.gross_minor = Set(totals.gross.minor);
        Ok(a.update(self.conn()).await?)
    }

    /// Moves a (locked) quote to `state`; `sent` stamps `sent_at`, a decision `decided_*`.
    pub async fn set_quote_state(
        &self,
        q: Quote,
        state: QuoteState,
        by: Option<i64>,
        at: DateTime<Utc>,
    ) -> Result<Quote> {
        let mut a: quote::ActiveModel = q.into();
        a.state = Set(state.as_str().into());
        match state {
            QuoteState::Sent => a.sent_at = Set(Some(at)),
            QuoteState::Accepted | QuoteState::Declined => {
                a.decided_at = Set(Some(at));
                a.decided_by = Set(by);
            }
            _ => {}
        }
        Ok(a.update(self.conn()).await?)
    }

    /// Marks the project's accepted quotes other than `keep` superseded; returns how many.
    pub async fn supersede_accepted_quotes(&self, project_id: i64, keep: i64) -> Result<u64> {
        Ok(quote::Entity::update_many()
            .col_expr(
                quote::Column::State,
                Expr::value(QuoteState::Superseded.as_str()),
            )
            .filter(quote::Column::ProjectId.eq(project_id))
            .filter(quote::Column::State.eq(QuoteState::Accepted.as_str()))
            .filter(quote::Column::Id.ne(keep))
            .exec(self.conn())
            .await?
            .rows_affected)
    }

    /// Removes every stage budget of a project (an accepted quote replaces them all).
    pub async fn clear_stage_budgets(&self, project_id: i64) -> Result<()> {
        stage_budget::Entity::delete_many()
            .filter(stage_budget::Column::ProjectId.eq(project_id))
            .exec(self.conn())
            .await?;
        Ok(())
    }

    // --- budget alerts sent --------------------------------------------------------------

    /// Records that a crossing was announced; `false` when it had been already (by this or a
    /// concurrent transaction — the unique index decides, and nothing is aborted).
    pub async fn claim_budget_alert(
        &self,
        project_id: i64,
        budget_name: &str,
        measure: &str,
        threshold: i64,
    ) -> Result<bool> {
        let res = budget_alert_sent::Entity::insert(budget_alert_sent::ActiveModel {
            project_id: Set(project_id),
            budget_name: Set(budget_name.to_string()),
            measure: Set(measure.to_string()),
            threshold: Set(threshold),
            sent_at: Set(now()),
            ..Default::default()
        })
        .on_conflict(
            OnConflict::columns([
                budget_alert_sent::Column::ProjectId,
                budget_alert_sent::Column::BudgetName,
                budget_alert_sent::Column::Measure,
                budget_alert_sent::Column::Threshold,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(self.conn())
        .await?;
        Ok(res > 0)
    }

    /// The crossings announced for a project.
    pub async fn budget_alerts_sent(
        &self,
        project_id: i64,
    ) -> Result<Vec<budget_alert_sent::Model>> {
        Ok(budget_alert_sent::Entity::find()
            .filter(budget_alert_sent::Column::ProjectId.eq(project_id))
            .order_by_asc(budget_alert_sent::Column::Id)
            .all(self.conn())
            .await?)
    }

    /// Forgets the announced crossings (a new budget starts counting afresh).
    pub async fn clear_budget_alerts(&self, project_id: i64) -> Result<()> {
        budget_alert_sent::Entity::delete_many()
            .filter(budget_alert_sent::Column::ProjectId.eq(project_id))
            .exec(self.conn())
            .await?;
        Ok(())
    }
}
