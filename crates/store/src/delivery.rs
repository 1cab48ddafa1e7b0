//! Deliverables, QC runs attached to them, signed manual checks and the "QC passed" milestone.
use crate::entities::{deliverable, qc_run, qc_signoff};
use crate::{now, Repo, Result, StoreError};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};

pub use crate::entities::deliverable::Model as Deliverable;
pub use crate::entities::qc_run::Model as QcRun;
pub use crate::entities::qc_signoff::Model as QcSignoff;

#[derive(Debug, Clone)]
pub struct DeliverableInput {
    pub project_id: i64,
    pub name: String,
    pub profiles: Vec<String>,
    pub layout: Option<String>,
}

impl Deliverable {
    pub fn profile_names(&self) -> Vec<String> {
        self.profiles
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect()
    }
}

impl<C: sea_orm::ConnectionTrait> Repo<C> {
    pub async fn create_deliverable(&self, input: DeliverableInput) -> Result<Deliverable> {
        Ok(deliverable::ActiveModel {
            project_id: Set(input.project_id),
            name: Set(input.name),
            profiles: Set(input.profiles.join(",")),
            layout: Set(input.layout),
            created_at: Set(now()),
            qc_passed_at: Set(None),
            qc_passed_by: Set(None),
            ..Default::default()
        }
        .insert(self.conn())
        .await?)
    }

    pub async fn set_deliverable_owner_and_due(
        &self,
        id: i64,
        owner_id: Option<i64>,
        due_date: Option<chrono::NaiveDate>,
    ) -> Result<()> {
        use sea_orm::sea_query::Expr;
        deliverable::Entity::update_many()
            .col_expr(deliverable::Column::OwnerId, Expr::value(owner_id))
            .col_expr(deliverable::Column::DueDate, Expr::value(due_date))
            .filter(deliverable::Column::Id.eq(id))
            .exec(self.conn())
            .await?;
        Ok(())
    }

    pub async fn deliverables_of(&self, project_id: i64) -> Result<Vec<Deliverable>> {
        Ok(deliverable::Entity::find()
            .filter(deliverable::Column::ProjectId.eq(project_id))
            .order_by_asc(deliverable::Column::Id)
            .all(self.conn())
            .await?)
    }

    /// A deliverable, only if it belongs to `project_id` (so a URL cannot mix projects).
    pub async fn deliverable_in(&self, project_id: i64, id: i64) -> Result<Option<Deliverable>> {
        Ok(deliverable::Entity::find_by_id(id)
            .filter(deliverable::Column::ProjectId.eq(project_id))
            .one(self.conn())
            .await?)
    }

    pub async fn qc_runs_of(&self, deliverable_id: i64) -> Result<Vec<QcRun>> {
        Ok(qc_run::Entity::find()
            .filter(qc_run::Column::DeliverableId.eq(deliverable_id))
            .order_by_desc(qc_run::Column::Id)
            .all(self.conn())
            .await?)
    }

    /// The newest run, with its report.
    pub async fn latest_qc_run(&self, deliverable_id: i64) -> Result<Option<QcRun>> {
        Ok(qc_run::Entity::find()
            .filter(qc_run::Column::DeliverableId.eq(deliverable_id))
            .order_by_desc(qc_run::Column::Id)
            .one(self.conn())
            .await?)
    }

    /// The newest run's verdict (`pass`/`fail`) without reading its report, for lists.
    pub async fn latest_qc_status(&self, deliverable_id: i64) -> Result<Option<String>> {
        use sea_orm::QuerySelect;
        Ok(qc_run::Entity::find()
            .select_only()
            .column(qc_run::Column::Status)
            .filter(qc_run::Column::DeliverableId.eq(deliverable_id))
            .order_by_desc(qc_run::Column::Id)
            .into_tuple::<String>()
            .one(self.conn())
            .await?)
    }

    pub async fn qc_run_in(&self, deliverable_id: i64, run_id: i64) -> Result<Option<QcRun>> {
        Ok(qc_run::Entity::find_by_id(run_id)
            .filter(qc_run::Column::DeliverableId.eq(deliverable_id))
            .one(self.conn())
            .await?)
    }

    /// Signs a manual check of a run; signing twice keeps the first signature.
    pub async fn sign_off(
        &self,
        run_id: i64,
        check_id: &str,
        user_id: i64,
        note: String,
    ) -> Result<()> {
        let existing = qc_signoff::Entity::find()
            .filter(qc_signoff::Column::QcRunId.eq(run_id))
            .filter(qc_signoff::Column::CheckId.eq(check_id))
            .one(self.conn())
            .await?;
        if existing.is_none() {
            qc_signoff::ActiveModel {
                qc_run_id: Set(run_id),
                check_id: Set(check_id.to_string()),
                signed_by: Set(user_id),
                signed_at: Set(now()),
                note: Set(note),
                ..Default::default()
            }
            .insert(self.conn())
            .await?;
        }
        Ok(())
    }

    pub async fn signoffs_of(&self, run_id: i64) -> Result<Vec<QcSignoff>> {
        Ok(qc_signoff::Entity::find()
            .filter(qc_signoff::Column::QcRunId.eq(run_id))
            .order_by_asc(qc_signoff::Column::Id)
            .all(self.conn())
            .await?)
    }

    /// Locks a deliverable's row until the transaction ends (`SELECT … FOR UPDATE` on
    /// PostgreSQL; on SQLite the transaction already holds the write lock, see [`crate::Store::begin`]).
    pub async fn lock_deliverable(&self, deliverable_id: i64) -> Result<Option<Deliverable>> {
        use sea_orm::QuerySelect;
        Ok(deliverable::Entity::find_by_id(deliverable_id)
            .lock_exclusive()
            .one(self.conn())
            .await?)
    }
}

/// What the milestone was set on: the run and the signatures the gate saw.
#[derive(Debug, Clone)]
pub struct QcPassed {
    pub run: QcRun,
    pub signoffs: Vec<QcSignoff>,
}

impl crate::Tx {
    /// Records a QC run. A new run re-opens the milestone: "QC passed" always refers to the
    /// latest run. Only on a transaction, so the run and the re-opened milestone (and the
    /// caller's audit line) are one change: never a new run under an old "QC passed".
    pub async fn record_qc_run(
        &self,
        deliverable_id: i64,
        file_name: String,
        passed: bool,
        report_json: String,
        by: Option<i64>,
    ) -> Result<QcRun> {
        let run = qc_run::ActiveModel {
            deliverable_id: Set(deliverable_id),
            file_name: Set(file_name),
            status: Set(if passed { "pass" } else { "fail" }.to_string()),
            report_json: Set(report_json),
            created_at: Set(now()),
            created_by: Set(by),
            ..Default::default()
        }
        .insert(self.conn())
        .await?;
        deliverable::Entity::update_many()
            .col_expr(
                deliverable::Column::QcPassedAt,
                Expr::value(Option::<chrono::DateTime<chrono::Utc>>::None),
            )
            .col_expr(
                deliverable::Column::QcPassedBy,
                Expr::value(Option::<i64>::None),
            )
            .filter(deliverable::Column::Id.eq(deliverable_id))
            .exec(self.conn())
            .await?;
        Ok(run)
    }
}

impl crate::Store {
    /// [`Tx::record_qc_run`](crate::Tx::record_qc_run) in a transaction of its own, for callers
    /// that write nothing else with it.
    pub async fn record_qc_run(
        &self,
        deliverable_id: i64,
        file_name: String,
        passed: bool,
        report_json: String,
        by: Option<i64>,
    ) -> Result<QcRun> {
        let tx = self.begin().await?;
        let run = tx
            .record_qc_run(deliverable_id, file_name, passed, report_json, by)
            .await?;
        tx.commit().await?;
        Ok(run)
    }

    /// Marks the milestone reached, atomically: in one transaction it locks the deliverable,
    /// re-reads its latest run and that run's signatures, asks `gate` about exactly those, and
    /// sets the milestone. A run recorded meanwhile, one other than `reviewed_run_id`, or a
    /// gate that refuses (its sentence) is a [`StoreError::Conflict`] and changes nothing.
    /// The audit entry `audit_detail` commits with it.
    pub async fn mark_qc_passed(
        &self,
        deliverable_id: i64,
        reviewed_run_id: i64,
        user_id: i64,
        audit_detail: String,
        gate: impl FnOnce(&Deliverable, &QcRun, &[QcSignoff]) -> std::result::Result<(), String>,
    ) -> Result<QcPassed> {
        let tx = self.begin().await?;
        let d = tx
            .lock_deliverable(deliverable_id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("deliverable {deliverable_id}")))?;
        let Some(run) = tx.latest_qc_run(deliverable_id).await? else {
            return Err(StoreError::Conflict(
                "no QC run has been recorded for this deliverable".into(),
            ));
        };
        if run.id != reviewed_run_id {
            return Err(StoreError::Conflict(
                "a newer QC run was recorded meanwhile; review it and try again".into(),
            ));
        }
        let signoffs = tx.signoffs_of(run.id).await?;
        gate(&d, &run, &signoffs).map_err(StoreError::Conflict)?;
        deliverable::Entity::update_many()
            .col_expr(deliverable::Column::QcPassedAt, Expr::value(Some(now())))
            .col_expr(deliverable::Column::QcPassedBy, Expr::value(Some(user_id)))
            .filter(deliverable::Column::Id.eq(deliverable_id))
            .exec(tx.conn())
            .await?;
        tx.audit(
            Some(user_id),
            "milestone",
            "deliverable",
            Some(deliverable_id),
            audit_detail,
        )
        .await?;
        tx.commit().await?;
        Ok(QcPassed { run, signoffs })
    }
}
