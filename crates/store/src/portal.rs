//! The client portal's records: approvals of deliverables (m0017_portal).
use crate::entities::deliverable_approval;
use crate::{now, Repo, Result};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use std::collections::HashMap;

pub use crate::entities::deliverable_approval::Model as DeliverableApproval;

/// An answer to record.
#[derive(Debug, Clone)]
pub struct NewApproval {
    pub deliverable_id: i64,
    /// `approved` or `changes_requested`.
    pub decision: String,
    pub comment: String,
    pub user_id: Option<i64>,
    pub qc_passed_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl<C: ConnectionTrait> Repo<C> {
    pub async fn record_approval(&self, a: NewApproval) -> Result<DeliverableApproval> {
        Ok(deliverable_approval::ActiveModel {
            deliverable_id: Set(a.deliverable_id),
            decision: Set(a.decision),
            comment: Set(a.comment),
            user_id: Set(a.user_id),
            qc_passed_at: Set(a.qc_passed_at),
            created_at: Set(now()),
            ..Default::default()
        }
        .insert(self.conn())
        .await?)
    }

    /// A deliverable by id alone (the caller checks its project).
    pub async fn deliverable_by_id(&self, id: i64) -> Result<Option<crate::delivery::Deliverable>> {
        Ok(crate::entities::deliverable::Entity::find_by_id(id)
            .one(self.conn())
            .await?)
    }

    /// Every answer on one deliverable, newest first.
    pub async fn approvals_of(&self, deliverable_id: i64) -> Result<Vec<DeliverableApproval>> {
        Ok(deliverable_approval::Entity::find()
            .filter(deliverable_approval::Column::DeliverableId.eq(deliverable_id))
            .order_by_desc(deliverable_approval::Column::Id)
            .all(self.conn())
            .await?)
    }

    /// The newest answer of each of `deliverable_ids` (one query).
    pub async fn latest_approvals(
        &self,
        deliverable_ids: &[i64],
    ) -> Result<HashMap<i64, DeliverableApproval>> {
        if deliverable_ids.is_empty() {
            return Ok(HashMap::new());
        }
        let rows = deliverable_approval::Entity::find()
            .filter(deliverable_approval::Column::DeliverableId.is_in(deliverable_ids.to_vec()))
            .order_by_asc(deliverable_approval::Column::Id)
            .all(self.conn())
            .await?;
        Ok(rows.into_iter().map(|r| (r.deliverable_id, r)).collect())
    }
}
