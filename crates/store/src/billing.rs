//! Billing as rows: activities, time entries, the running timers (one per person, by a unique
//! index), weekly timesheets and their approval, rate cards, clients' billing details,
//! projects' terms and stage budgets, invoice series, invoices and their lines.
//!
//! **Invoice numbers** are assigned only by [`crate::Tx::issue_invoice`], inside the issuing
//! transaction: it locks the series row and takes its `next_number`, the same way the job
//! claim and the QC gate serialise writers — `SELECT … FOR UPDATE` on PostgreSQL, and on
//! SQLite the write lock `Store::begin` already took with `BEGIN IMMEDIATE`. A rolled-back
//! issue gives its number back with the rest of the transaction, so numbers have no gaps and
//! are never used twice; a unique index on (series, number) backs that up.
use crate::entities::{
    activity, client_billing, invoice, invoice_line, invoice_series, project_terms, rate,
    rate_card, stage_budget, time_entry, timer, timesheet,
};
use crate::{map_unique, now, Repo, Result, StoreError};
use chrono::{DateTime, NaiveDate, Utc};
use postflow_core::billing::rates::{
    Rate as CoreRate, RateCard as CoreRateCard, RateKind, RateUnit,
};
use postflow_core::billing::{InvoiceTotals, Quantity};
use postflow_core::money::{Currency, Money};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};

pub use crate::entities::activity::Model as Activity;
pub use crate::entities::client_billing::Model as ClientBilling;
pub use crate::entities::invoice::Model as Invoice;
pub use crate::entities::invoice_line::Model as InvoiceLine;
pub use crate::entities::invoice_series::Model as InvoiceSeries;
pub use crate::entities::project_terms::Model as ProjectTerms;
pub use crate::entities::stage_budget::Model as StageBudget;
pub use crate::entities::time_entry::Model as TimeEntry;
pub use crate::entities::timer::Model as Timer;
pub use crate::entities::timesheet::Model as Timesheet;

/// The Monday of the week `date` is in: timesheets are weeks from Monday.
pub fn week_start(date: NaiveDate) -> NaiveDate {
    use chrono::Datelike;
    date - chrono::Duration::days(date.weekday().num_days_from_monday() as i64)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTimeEntry {
    pub user_id: i64,
    pub project_id: i64,
    pub task_id: Option<i64>,
    pub activity_id: i64,
    pub work_date: NaiveDate,
    pub minutes: i64,
    pub billable: bool,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTimer {
    pub user_id: i64,
    pub project_id: i64,
    pub task_id: Option<i64>,
    pub activity_id: i64,
    pub note: String,
    pub started_at: DateTime<Utc>,
}

/// Which entries to list (every part narrows).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TimeFilter {
    pub user_id: Option<i64>,
    pub project_id: Option<i64>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub billable_only: bool,
    /// Only entries on no invoice yet.
    pub uninvoiced_only: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRate {
    pub card_id: i64,
    pub kind: RateKind,
    pub unit: RateUnit,
    pub person_id: Option<i64>,
    pub role: Option<String>,
    pub activity: Option<String>,
    pub room_id: Option<i64>,
    pub amount_minor: i64,
    pub effective_from: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientBillingInput {
    pub client_id: i64,
    pub legal_name: String,
    pub address: String,
    pub tax_id: String,
    pub currency: String,
    pub tax_bp: i64,
    pub rate_card_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TermsInput {
    pub project_id: i64,
    pub kind: String,
    pub fee_minor: Option<i64>,
    pub included_minutes: Option<i64>,
    pub included_rounds: i64,
    pub extra_round_minor: Option<i64>,
    pub rounds_used: i64,
    pub day_minutes: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeriesInput {
    pub code: String,
    pub prefix: String,
    pub seller_name: String,
    pub seller_address: String,
    pub seller_tax_id: String,
}

/// A draft as the generator or a producer starts it; the seller comes from the series.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewInvoice {
    pub series_id: i64,
    pub kind: InvoiceKind,
    pub credit_of: Option<i64>,
    pub client_id: i64,
    pub project_id: Option<i64>,
    pub currency: String,
    pub rounding: String,
    pub period_from: Option<NaiveDate>,
    pub period_to: Option<NaiveDate>,
    pub supply_date: Option<NaiveDate>,
    pub due_date: Option<NaiveDate>,
    pub buyer_name: String,
    pub buyer_address: String,
    pub buyer_tax_id: String,
    pub extra_rounds: i64,
    pub created_by: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvoiceKind {
    Invoice,
    CreditNote,
}

impl InvoiceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            InvoiceKind::Invoice => "invoice",
            InvoiceKind::CreditNote => "credit_note",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvoiceState {
    Draft,
    Issued,
    Paid,
}

impl InvoiceState {
    pub fn as_str(self) -> &'static str {
        match self {
            InvoiceState::Draft => "draft",
            InvoiceState::Issued => "issued",
            InvoiceState::Paid => "paid",
        }
    }
    pub fn parse(s: &str) -> Option<InvoiceState> {
        [
            InvoiceState::Draft,
            InvoiceState::Issued,
            InvoiceState::Paid,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

impl Invoice {
    pub fn state(&self) -> Result<InvoiceState> {
        InvoiceState::parse(&self.state).ok_or_else(|| {
            StoreError::Corrupt(format!("invoice {} state {:?}", self.id, self.state))
        })
    }
    pub fn is_draft(&self) -> bool {
        self.state == InvoiceState::Draft.as_str()
    }
    /// The number as printed, or "draft".
    pub fn label(&self) -> String {
        self.number_text
            .clone()
            .unwrap_or_else(|| format!("draft {}", self.id))
    }
}

impl InvoiceLine {
    pub fn quantity(&self) -> Result<Quantity> {
        Ok(match self.quantity_unit.as_str() {
            "minutes" => Quantity::Minutes(self.quantity_amount),
            "days_milli" => Quantity::DaysMilli(self.quantity_amount),
            "units_milli" => Quantity::UnitsMilli(self.quantity_amount),
            other => {
                return Err(StoreError::Corrupt(format!(
                    "invoice line {} quantity unit {other:?}",
                    self.id
                )))
            }
        })
    }
}

fn quantity_columns(q: Quantity) -> (&'static str, i64) {
    match q {
        Quantity::Minutes(v) => ("minutes", v),
        Quantity::DaysMilli(v) => ("days_milli", v),
        Quantity::UnitsMilli(v) => ("units_milli", v),
    }
}

fn corrupt_currency(code: &str) -> StoreError {
    StoreError::Corrupt(format!("currency {code:?}"))
}

impl<C: ConnectionTrait> Repo<C> {
    // --- activities ------------------------------------------------------------------------

    pub async fn create_activity(&self, name: &str, billable: bool) -> Result<Activity> {
        activity::ActiveModel {
            name: Set(name.trim().to_string()),
            billable: Set(billable),
            archived: Set(false),
            ..Default::default()
        }
        .insert(self.conn())
        .await
        .map_err(|e| map_unique(e, "activity", name))
    }

    pub async fn activities(&self) -> Result<Vec<Activity>> {
        Ok(activity::Entity::find()
            .order_by_asc(activity::Column::Name)
            .all(self.conn())
            .await?)
    }

    pub async fn activity_by_id(&self, id: i64) -> Result<Option<Activity>> {
        Ok(activity::Entity::find_by_id(id).one(self.conn()).await?)
    }

    // --- time entries ----------------------------------------------------------------------

    pub async fn insert_time_entry(&self, new: NewTimeEntry) -> Result<TimeEntry> {
        Ok(time_entry::ActiveModel {
            user_id: Set(new.user_id),
            project_id: Set(new.project_id),
            task_id: Set(new.task_id),
            activity_id: Set(new.activity_id),
            work_date: Set(new.work_date),
            minutes: Set(new.minutes),
            billable: Set(new.billable),
            note: Set(new.note),
            invoice_id: Set(None),
            created_at: Set(now()),
            ..Default::default()
        }
        .insert(self.conn())
        .await?)
    }

    pub async fn time_entry(&self, id: i64) -> Result<Option<TimeEntry>> {
        Ok(time_entry::Entity::find_by_id(id).one(self.conn()).await?)
    }

    /// Rewrites an entry's project, task, activity, day, minutes, billable flag and note (its
    /// person and invoice stay).
    pub async fn update_time_entry(
        &self,
        entry: TimeEntry,
        new: NewTimeEntry,
    ) -> Result<TimeEntry> {
        let mut a: time_entry::ActiveModel = entry.into();
        a.project_id = Set(new.project_id);
        a.task_id = Set(new.task_id);
        a.activity_id = Set(new.activity_id);
        a.work_date = Set(new.work_date);
        a.minutes = Set(new.minutes);
        a.billable = Set(new.billable);
        a.note = Set(new.note);
        Ok(a.update(self.conn()).await?)
    }

    pub async fn delete_time_entry(&self, id: i64) -> Result<()> {
        time_entry::Entity::delete_by_id(id)
            .exec(self.conn())
            .await?;
        Ok(())
    }

    /// Minutes the person logged on `date`, leaving out entry `except` (the one being edited).
    pub async fn minutes_on_day(
        &self,
        user_id: i64,
        date: NaiveDate,
        except: Option<i64>,
    ) -> Result<i64> {
        let mut q = time_entry::Entity::find()
            .filter(time_entry::Column::UserId.eq(user_id))
            .filter(time_entry::Column::WorkDate.eq(date));
        if let Some(id) = except {
            q = q.filter(time_entry::Column::Id.ne(id));
        }
        Ok(q.all(self.conn()).await?.iter().map(|e| e.minutes).sum())
    }

    pub async fn time_entries(&self, f: &TimeFilter) -> Result<Vec<TimeEntry>> {
        let mut q = time_entry::Entity::find();
        if let Some(u) = f.user_id {
            q = q.filter(time_entry::Column::UserId.eq(u));
        }
        if let Some(p) = f.project_id {
            q = q.filter(time_entry::Column::ProjectId.eq(p));
        }
        if let Some(d) = f.from {
            q = q.filter(time_entry::Column::WorkDate.gte(d));
        }
        if let Some(d) = f.to {
            q = q.filter(time_entry::Column::WorkDate.lte(d));
        }
        if f.billable_only {
            q = q.filter(time_entry::Column::Billable.eq(true));
        }
        if f.uninvoiced_only {
            q = q.filter(time_entry::Column::InvoiceId.is_null());
        }
        Ok(q.order_by_asc(time_entry::Column::WorkDate)
            .order_by_asc(time_entry::Column::Id)
            .all(self.conn())
            .await?)
    }

    /// Marks entries as billed by `invoice_id` (or frees them with `None`).
    pub async fn set_entries_invoice(&self, ids: &[i64], invoice_id: Option<i64>) -> Result<()> {
        if ids.is_empty() {
            return Ok(());
        }
        time_entry::Entity::update_many()
            .col_expr(time_entry::Column::InvoiceId, Expr::value(invoice_id))
            .filter(time_entry::Column::Id.is_in(ids.iter().copied()))
            .exec(self.conn())
            .await?;
        Ok(())
    }

    /// Billable minutes of a project worked before `date`, on any invoice or none (they use up
    /// a fee's included hours first).
    pub async fn billable_minutes_before(&self, project_id: i64, date: NaiveDate) -> Result<i64> {
        Ok(time_entry::Entity::find()
            .filter(time_entry::Column::ProjectId.eq(project_id))
            .filter(time_entry::Column::Billable.eq(true))
            .filter(time_entry::Column::WorkDate.lt(date))
            .all(self.conn())
            .await?
            .iter()
            .map(|e| e.minutes)
            .sum())
    }

    // --- timers ----------------------------------------------------------------------------

    /// Starts the person's timer; a second one is refused by the store's unique index, so two
    /// starts at once cannot both win.
    pub async fn start_timer(&self, new: NewTimer) -> Result<Timer> {
        timer::ActiveModel {
            user_id: Set(new.user_id),
            project_id: Set(new.project_id),
            task_id: Set(new.task_id),
            activity_id: Set(new.activity_id),
            note: Set(new.note),
            started_at: Set(new.started_at),
            ..Default::default()
        }
        .insert(self.conn())
        .await
        .map_err(|e| match map_unique(e, "timer", "") {
            StoreError::Duplicate { .. } => {
                StoreError::Conflict("a timer is already running; stop it first".into())
            }
            other => other,
        })
    }

    pub async fn timer_of(&self, user_id: i64) -> Result<Option<Timer>> {
        Ok(timer::Entity::find()
            .filter(timer::Column::UserId.eq(user_id))
            .one(self.conn())
            .await?)
    }

    /// Removes and returns the person's running timer.
    pub async fn take_timer(&self, user_id: i64) -> Result<Option<Timer>> {
        let Some(t) = self.timer_of(user_id).await? else {
            return Ok(None);
        };
        let gone = timer::Entity::delete_by_id(t.id).exec(self.conn()).await?;
        // Another stop got there first.
        Ok((gone.rows_affected == 1).then_some(t))
    }

    // --- timesheets ------------------------------------------------------------------------

    pub async fn timesheet(&self, user_id: i64, week: NaiveDate) -> Result<Option<Timesheet>> {
        Ok(timesheet::Entity::find()
            .filter(timesheet::Column::UserId.eq(user_id))
            .filter(timesheet::Column::WeekStart.eq(week_start(week)))
            .one(self.conn())
            .await?)
    }

    /// Whether the week holding `date` is approved (and so locked) for the person.
    pub async fn week_locked(&self, user_id: i64, date: NaiveDate) -> Result<bool> {
        Ok(self
            .timesheet(user_id, date)
            .await?
            .is_some_and(|t| t.approved_at.is_some()))
    }

    /// Approves a person's week; approving it again keeps the first approval.
    pub async fn approve_timesheet(
        &self,
        user_id: i64,
        week: NaiveDate,
        approved_by: Option<i64>,
    ) -> Result<Timesheet> {
        let week = week_start(week);
        timesheet::Entity::insert(timesheet::ActiveModel {
            user_id: Set(user_id),
            week_start: Set(week),
            approved_by: Set(approved_by),
            approved_at: Set(Some(now())),
            ..Default::default()
        })
        .on_conflict(
            OnConflict::columns([timesheet::Column::UserId, timesheet::Column::WeekStart])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(self.conn())
        .await?;
        let sheet = self
            .timesheet(user_id, week)
            .await?
            .ok_or_else(|| StoreError::NotFound("timesheet".into()))?;
        if sheet.approved_at.is_none() {
            let mut a: timesheet::ActiveModel = sheet.into();
            a.approved_by = Set(approved_by);
            a.approved_at = Set(Some(now()));
            return Ok(a.update(self.conn()).await?);
        }
        Ok(sheet)
    }

    /// The approved weeks among `users` between two dates (for billing only approved time).
    pub async fn approved_weeks(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<(i64, NaiveDate)>> {
        Ok(timesheet::Entity::find()
            .filter(timesheet::Column::WeekStart.gte(week_start(from)))
            .filter(timesheet::Column::WeekStart.lte(to))
            .filter(timesheet::Column::ApprovedAt.is_not_null())
            .all(self.conn())
            .await?
            .into_iter()
            .map(|t| (t.user_id, t.week_start))
            .collect())
    }

    // --- rate cards ------------------------------------------------------------------------

    pub async fn create_rate_card(
        &self,
        name: &str,
        client_id: Option<i64>,
        currency: Currency,
    ) -> Result<rate_card::Model> {
        rate_card::ActiveModel {
            name: Set(name.trim().to_string()),
            client_id: Set(client_id),
            currency: Set(currency.code().to_string()),
            created_at: Set(now()),
            ..Default::default()
        }
        .insert(self.conn())
        .await
        .map_err(|e| map_unique(e, "rate card", name))
    }

    pub async fn add_rate(&self, new: NewRate) -> Result<rate::Model> {
        Ok(rate::ActiveModel {
            card_id: Set(new.card_id),
            kind: Set(new.kind.as_str().into()),
            unit: Set(new.unit.as_str().into()),
            person_id: Set(new.person_id),
            role: Set(new.role),
            activity: Set(new.activity),
            room_id: Set(new.room_id),
            amount_minor: Set(new.amount_minor),
            effective_from: Set(new.effective_from),
            ..Default::default()
        }
        .insert(self.conn())
        .await?)
    }

    pub async fn rate_card_rows(&self) -> Result<Vec<rate_card::Model>> {
        Ok(rate_card::Entity::find()
            .order_by_asc(rate_card::Column::Name)
            .all(self.conn())
            .await?)
    }

    /// A card with its rates, as core reads it.
    pub async fn rate_card(&self, id: i64) -> Result<Option<CoreRateCard>> {
        let Some(card) = rate_card::Entity::find_by_id(id).one(self.conn()).await? else {
            return Ok(None);
        };
        let currency =
            Currency::parse(&card.currency).map_err(|_| corrupt_currency(&card.currency))?;
        let rows = rate::Entity::find()
            .filter(rate::Column::CardId.eq(id))
            .order_by_asc(rate::Column::Id)
            .all(self.conn())
            .await?;
        let mut rates = Vec::with_capacity(rows.len());
        for r in rows {
            rates.push(CoreRate {
                id: r.id,
                kind: RateKind::parse(&r.kind).ok_or_else(|| {
                    StoreError::Corrupt(format!("rate {} kind {:?}", r.id, r.kind))
                })?,
                unit: RateUnit::parse(&r.unit).ok_or_else(|| {
                    StoreError::Corrupt(format!("rate {} unit {:?}", r.id, r.unit))
                })?,
                person_id: r.person_id,
                role: r.role,
                activity: r.activity,
                room_id: r.room_id,
                amount: Money::from_minor(r.amount_minor, currency),
                effective_from: r.effective_from,
            });
        }
        Ok(Some(CoreRateCard {
            id: card.id,
            name: card.name,
            client_id: card.client_id,
            rates,
        }))
    }

    /// The studio's default card: the first card of no client, by name.
    pub async fn studio_rate_card(&self) -> Result<Option<CoreRateCard>> {
        let first = rate_card::Entity::find()
            .filter(rate_card::Column::ClientId.is_null())
            .order_by_asc(rate_card::Column::Name)
            .one(self.conn())
            .await?;
        match first {
            Some(c) => self.rate_card(c.id).await,
            None => Ok(None),
        }
    }

    // --- clients' billing details, terms, budgets --------------------------------------------

    pub async fn set_client_billing(&self, input: ClientBillingInput) -> Result<ClientBilling> {
        client_billing::Entity::insert(client_billing::ActiveModel {
            client_id: Set(input.client_id),
            legal_name: Set(input.legal_name),
            address: Set(input.address),
            tax_id: Set(input.tax_id),
            currency: Set(input.currency),
            tax_bp: Set(input.tax_bp),
            rate_card_id: Set(input.rate_card_id),
            ..Default::default()
        })
        .on_conflict(
            OnConflict::column(client_billing::Column::ClientId)
                .update_columns([
                    client_billing::Column::LegalName,
                    client_billing::Column::Address,
                    client_billing::Column::TaxId,
                    client_billing::Column::Currency,
                    client_billing::Column::TaxBp,
                    client_billing::Column::RateCardId,
                ])
                .to_owned(),
        )
        .exec(self.conn())
        .await?;
        self.client_billing(input.client_id)
            .await?
            .ok_or_else(|| StoreError::NotFound("client billing".into()))
    }

    pub async fn client_billing(&self, client_id: i64) -> Result<Option<ClientBilling>> {
        Ok(client_billing::Entity::find()
            .filter(client_billing::Column::ClientId.eq(client_id))
            .one(self.conn())
            .await?)
    }

    pub async fn set_project_terms(&self, input: TermsInput) -> Result<ProjectTerms> {
        project_terms::Entity::insert(project_terms::ActiveModel {
            project_id: Set(input.project_id),
            kind: Set(input.kind),
            fee_minor: Set(input.fee_minor),
            included_minutes: Set(input.included_minutes),
            included_rounds: Set(input.included_rounds),
            extra_round_minor: Set(input.extra_round_minor),
            rounds_used: Set(input.rounds_used),
            day_minutes: Set(input.day_minutes),
            ..Default::default()
        })
        .on_conflict(
            OnConflict::column(project_terms::Column::ProjectId)
                .update_columns([
                    project_terms::Column::Kind,
                    project_terms::Column::FeeMinor,
                    project_terms::Column::IncludedMinutes,
                    project_terms::Column::IncludedRounds,
                    project_terms::Column::ExtraRoundMinor,
                    project_terms::Column::RoundsUsed,
                    project_terms::Column::DayMinutes,
                ])
                .to_owned(),
        )
        .exec(self.conn())
        .await?;
        self.project_terms(input.project_id)
            .await?
            .ok_or_else(|| StoreError::NotFound("project terms".into()))
    }

    pub async fn project_terms(&self, project_id: i64) -> Result<Option<ProjectTerms>> {
        Ok(project_terms::Entity::find()
            .filter(project_terms::Column::ProjectId.eq(project_id))
            .one(self.conn())
            .await?)
    }

    pub async fn set_stage_budget(
        &self,
        project_id: i64,
        name: &str,
        minutes: Option<i64>,
        sell_minor: Option<i64>,
    ) -> Result<()> {
        stage_budget::Entity::insert(stage_budget::ActiveModel {
            project_id: Set(project_id),
            name: Set(name.trim().to_string()),
            minutes: Set(minutes),
            sell_minor: Set(sell_minor),
            ..Default::default()
        })
        .on_conflict(
            OnConflict::columns([stage_budget::Column::ProjectId, stage_budget::Column::Name])
                .update_columns([
                    stage_budget::Column::Minutes,
                    stage_budget::Column::SellMinor,
                ])
                .to_owned(),
        )
        .exec(self.conn())
        .await?;
        Ok(())
    }

    pub async fn stage_budgets(&self, project_id: i64) -> Result<Vec<StageBudget>> {
        Ok(stage_budget::Entity::find()
            .filter(stage_budget::Column::ProjectId.eq(project_id))
            .order_by_asc(stage_budget::Column::Id)
            .all(self.conn())
            .await?)
    }

    // --- invoices --------------------------------------------------------------------------

    pub async fn create_invoice_series(&self, input: SeriesInput) -> Result<InvoiceSeries> {
        invoice_series::ActiveModel {
            code: Set(input.code.trim().to_string()),
            prefix: Set(input.prefix),
            next_number: Set(1),
            seller_name: Set(input.seller_name),
            seller_address: Set(input.seller_address),
            seller_tax_id: Set(input.seller_tax_id),
            ..Default::default()
        }
        .insert(self.conn())
        .await
        .map_err(|e| map_unique(e, "invoice series", &input.code))
    }

    pub async fn invoice_series_by_code(&self, code: &str) -> Result<Option<InvoiceSeries>> {
        Ok(invoice_series::Entity::find()
            .filter(invoice_series::Column::Code.eq(code.trim()))
            .one(self.conn())
            .await?)
    }

    pub async fn invoice_series_list(&self) -> Result<Vec<InvoiceSeries>> {
        Ok(invoice_series::Entity::find()
            .order_by_asc(invoice_series::Column::Code)
            .all(self.conn())
            .await?)
    }

    /// A new draft (no number, no lines); the seller is copied from the series.
    pub async fn create_invoice(&self, new: NewInvoice) -> Result<Invoice> {
        let series = invoice_series::Entity::find_by_id(new.series_id)
            .one(self.conn())
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("invoice series {}", new.series_id)))?;
        Ok(invoice::ActiveModel {
            series_id: Set(new.series_id),
            number: Set(None),
            number_text: Set(None),
            kind: Set(new.kind.as_str().into()),
            state: Set(InvoiceState::Draft.as_str().into()),
            credit_of: Set(new.credit_of),
            client_id: Set(new.client_id),
            project_id: Set(new.project_id),
            currency: Set(new.currency),
            rounding: Set(new.rounding),
            period_from: Set(new.period_from),
            period_to: Set(new.period_to),
            supply_date: Set(new.supply_date),
            issue_date: Set(None),
            due_date: Set(new.due_date),
            seller_name: Set(series.seller_name),
            seller_address: Set(series.seller_address),
            seller_tax_id: Set(series.seller_tax_id),
            buyer_name: Set(new.buyer_name),
            buyer_address: Set(new.buyer_address),
            buyer_tax_id: Set(new.buyer_tax_id),
            extra_rounds: Set(new.extra_rounds),
            net_minor: Set(0),
            tax_minor: Set(0),
            gross_minor: Set(0),
            created_by: Set(new.created_by),
            created_at: Set(now()),
            issued_at: Set(None),
            paid_at: Set(None),
            ..Default::default()
        }
        .insert(self.conn())
        .await?)
    }

    pub async fn invoice(&self, id: i64) -> Result<Option<Invoice>> {
        Ok(invoice::Entity::find_by_id(id).one(self.conn()).await?)
    }

    /// Locks a person's row until the transaction ends, so their day's hours and their running
    /// timer are checked and written by one transaction at a time. (SQLite ignores the lock
    /// clause; its BEGIN IMMEDIATE already made us the only writer.)
    pub async fn lock_person_time(&self, user_id: i64) -> Result<()> {
        crate::entities::user::Entity::find_by_id(user_id)
            .lock_exclusive()
            .one(self.conn())
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("user {user_id}")))?;
        Ok(())
    }

    /// Locks a project's row until the transaction ends, so two producers drafting invoices
    /// for it take turns and no time is billed twice.
    pub async fn lock_project_billing(&self, project_id: i64) -> Result<()> {
        crate::entities::project::Entity::find_by_id(project_id)
            .lock_exclusive()
            .one(self.conn())
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("project {project_id}")))?;
        Ok(())
    }

    /// Locks an invoice's row until the transaction ends (see the module docs).
    pub async fn lock_invoice(&self, id: i64) -> Result<Invoice> {
        invoice::Entity::find_by_id(id)
            .lock_exclusive()
            .one(self.conn())
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("invoice {id}")))
    }

    pub async fn invoice_lines(&self, invoice_id: i64) -> Result<Vec<InvoiceLine>> {
        Ok(invoice_line::Entity::find()
            .filter(invoice_line::Column::InvoiceId.eq(invoice_id))
            .order_by_asc(invoice_line::Column::Position)
            .order_by_asc(invoice_line::Column::Id)
            .all(self.conn())
            .await?)
    }

    /// Replaces a draft's lines and totals with `totals` (priced by core). An issued invoice
    /// is refused: it never changes.
    pub async fn replace_invoice_lines(
        &self,
        invoice_id: i64,
        totals: &InvoiceTotals,
    ) -> Result<Invoice> {
        let inv = self.lock_invoice(invoice_id).await?;
        if !inv.is_draft() {
            return Err(StoreError::Conflict(format!(
                "invoice {} is {}; an issued invoice cannot be changed — issue a credit note instead",
                inv.label(),
                inv.state
            )));
        }
        invoice_line::Entity::delete_many()
            .filter(invoice_line::Column::InvoiceId.eq(invoice_id))
            .exec(self.conn())
            .await?;
        if !totals.lines.is_empty() {
            let rows = totals.lines.iter().enumerate().map(|(i, l)| {
                let (unit, amount) = quantity_columns(l.input.quantity);
                invoice_line::ActiveModel {
                    invoice_id: Set(invoice_id),
                    position: Set(i as i64 + 1),
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
            invoice_line::Entity::insert_many(rows)
                .exec(self.conn())
                .await?;
        }
        let mut a: invoice::ActiveModel = inv.into();
        a.net_minor = Set(totals.net.minor);
        a.tax_minor = Set(totals.tax.minor);
        a.gross_minor = Set(totals.gross.minor);
        Ok(a.update(self.conn()).await?)
    }

    /// Frees the time entries and bookings an invoice billed (its draft is deleted, or a credit
    /// note undid it), so the next draft bills them again.
    pub async fn free_billed_by(&self, invoice_id: i64) -> Result<()> {
        time_entry::Entity::update_many()
            .col_expr(
                time_entry::Column::InvoiceId,
                Expr::value(Option::<i64>::None),
            )
            .filter(time_entry::Column::InvoiceId.eq(invoice_id))
            .exec(self.conn())
            .await?;
        self.free_bookings_of_invoice(invoice_id).await
    }

    /// Deletes a draft and frees its time entries and bookings.
    pub async fn delete_draft(&self, invoice_id: i64) -> Result<()> {
        let inv = self.lock_invoice(invoice_id).await?;
        if !inv.is_draft() {
            return Err(StoreError::Conflict(format!(
                "invoice {} is issued; it cannot be deleted",
                inv.label()
            )));
        }
        self.free_billed_by(invoice_id).await?;
        invoice::Entity::delete_by_id(invoice_id)
            .exec(self.conn())
            .await?;
        Ok(())
    }

    pub async fn list_invoices(&self, client_id: Option<i64>) -> Result<Vec<Invoice>> {
        let mut q = invoice::Entity::find();
        if let Some(c) = client_id {
            q = q.filter(invoice::Column::ClientId.eq(c));
        }
        Ok(q.order_by_desc(invoice::Column::Id)
            .all(self.conn())
            .await?)
    }

    /// Extra revision rounds the project's invoices bill (credit notes count negative).
    pub async fn extra_rounds_billed(&self, project_id: i64) -> Result<i64> {
        Ok(invoice::Entity::find()
            .filter(invoice::Column::ProjectId.eq(project_id))
            .all(self.conn())
            .await?
            .iter()
            .map(|i| i.extra_rounds)
            .sum())
    }

    pub async fn count_invoice_lines(&self, invoice_id: i64) -> Result<u64> {
        Ok(invoice_line::Entity::find()
            .filter(invoice_line::Column::InvoiceId.eq(invoice_id))
            .count(self.conn())
            .await?)
    }
}

impl crate::Tx {
    /// Issues a draft: takes the series' next number under the series row's lock (module
    /// docs), stamps the issue date and makes the invoice immutable. Only on a transaction, so
    /// the number, the state and the caller's audit line are one change. A draft with no lines
    /// or an invoice already issued is refused.
    pub async fn issue_invoice(&self, invoice_id: i64, issue_date: NaiveDate) -> Result<Invoice> {
        let inv = self.lock_invoice(invoice_id).await?;
        if !inv.is_draft() {
            return Err(StoreError::Conflict(format!(
                "invoice {} is already {}; it keeps its number",
                inv.label(),
                inv.state
            )));
        }
        if self.count_invoice_lines(invoice_id).await? == 0 {
            return Err(StoreError::Conflict(
                "an invoice with no lines cannot be issued; add a line first".into(),
            ));
        }
        // SQLite ignores the lock clause; its BEGIN IMMEDIATE already made us the only writer.
        let series = invoice_series::Entity::find_by_id(inv.series_id)
            .lock_exclusive()
            .one(self.conn())
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("invoice series {}", inv.series_id)))?;
        let number = series.next_number;
        let text = format!("{}{number:04}", series.prefix);
        let mut s: invoice_series::ActiveModel = series.into();
        s.next_number = Set(number + 1);
        s.update(self.conn()).await?;
        let mut a: invoice::ActiveModel = inv.into();
        a.number = Set(Some(number));
        a.number_text = Set(Some(text));
        a.state = Set(InvoiceState::Issued.as_str().into());
        a.issue_date = Set(Some(issue_date));
        a.issued_at = Set(Some(now()));
        Ok(a.update(self.conn()).await?)
    }

    /// Marks an issued invoice paid.
    pub async fn mark_invoice_paid(&self, invoice_id: i64, at: DateTime<Utc>) -> Result<Invoice> {
        let inv = self.lock_invoice(invoice_id).await?;
        match inv.state()? {
            InvoiceState::Issued => {}
            InvoiceState::Draft => {
                return Err(StoreError::Conflict(format!(
                    "invoice {} is a draft; issue it before marking it paid",
                    inv.label()
                )))
            }
            InvoiceState::Paid => {
                return Err(StoreError::Conflict(format!(
                    "invoice {} is already paid",
                    inv.label()
                )))
            }
        }
        let mut a: invoice::ActiveModel = inv.into();
        a.state = Set(InvoiceState::Paid.as_str().into());
        a.paid_at = Set(Some(at));
        Ok(a.update(self.conn()).await?)
    }
}

/// The series row as read for tests and pages (its counter is the next number to assign).
pub async fn next_number_of<C: ConnectionTrait>(repo: &Repo<C>, series_id: i64) -> Result<i64> {
    Ok(invoice_series::Entity::find_by_id(series_id)
        .select_only()
        .column(invoice_series::Column::NextNumber)
        .into_tuple::<i64>()
        .one(repo.conn())
        .await?
        .unwrap_or(1))
}
