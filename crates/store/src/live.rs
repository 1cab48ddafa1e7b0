//! The audit log read forward by id, for live updates: every server polls the same table from
//! the last id it sent, so several servers on one PostgreSQL need no shared in-memory bus.
use crate::entities::audit;
use crate::studio::AuditEntry;
use crate::{Repo, Result};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

impl<C: ConnectionTrait> Repo<C> {
    /// The newest audit id (0 on an empty log).
    pub async fn last_audit_id(&self) -> Result<i64> {
        Ok(audit::Entity::find()
            .order_by_desc(audit::Column::Id)
            .one(self.conn())
            .await?
            .map(|a| a.id)
            .unwrap_or(0))
    }

    /// Audit entries after `after` about one of `entities`, oldest first, at most `limit`.
    pub async fn audit_after(
        &self,
        after: i64,
        entities: &[&str],
        limit: u64,
    ) -> Result<Vec<AuditEntry>> {
        Ok(audit::Entity::find()
            .filter(audit::Column::Id.gt(after))
            .filter(audit::Column::Entity.is_in(entities.iter().copied()))
            .order_by_asc(audit::Column::Id)
            .limit(limit)
            .all(self.conn())
            .await?)
    }
}
