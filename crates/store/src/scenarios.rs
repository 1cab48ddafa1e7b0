//! What-if plans as saved proposals: written once, then applied or discarded exactly once.
use crate::entities::plan_scenario;
use crate::{now, Repo, Result, StoreError};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

pub use crate::entities::plan_scenario::Model as PlanScenario;

impl<C: ConnectionTrait> Repo<C> {
    pub async fn insert_scenario(
        &self,
        proposal_json: String,
        created_by: Option<i64>,
    ) -> Result<PlanScenario> {
        Ok(plan_scenario::ActiveModel {
            status: Set("proposed".into()),
            proposal: Set(proposal_json),
            created_by: Set(created_by),
            created_at: Set(now()),
            decided_by: Set(None),
            decided_at: Set(None),
            ..Default::default()
        }
        .insert(self.conn())
        .await?)
    }

    pub async fn scenario(&self, id: i64) -> Result<PlanScenario> {
        plan_scenario::Entity::find_by_id(id)
            .one(self.conn())
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("scenario {id}")))
    }

    /// The newest scenarios first.
    pub async fn list_scenarios(&self, limit: u64) -> Result<Vec<PlanScenario>> {
        Ok(plan_scenario::Entity::find()
            .order_by_desc(plan_scenario::Column::Id)
            .limit(limit)
            .all(self.conn())
            .await?)
    }

    /// Moves a proposed scenario to `status` (applied or discarded). Only one decision wins:
    /// the update is conditional on the row still being proposed, so two producers deciding at
    /// once get one success and one [`StoreError::Conflict`].
    pub async fn decide_scenario(&self, id: i64, status: &str, by: Option<i64>) -> Result<()> {
        let done = plan_scenario::Entity::update_many()
            .col_expr(plan_scenario::Column::Status, status.into())
            .col_expr(plan_scenario::Column::DecidedBy, by.into())
            .col_expr(plan_scenario::Column::DecidedAt, now().into())
            .filter(plan_scenario::Column::Id.eq(id))
            .filter(plan_scenario::Column::Status.eq("proposed"))
            .exec(self.conn())
            .await?;
        if done.rows_affected == 1 {
            Ok(())
        } else {
            let current = self.scenario(id).await?;
            Err(StoreError::Conflict(format!(
                "scenario {id} was already {}",
                current.status
            )))
        }
    }
}
