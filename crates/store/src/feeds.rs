//! Calendar feeds: the private `.ics` URLs (only the token's SHA-256 is stored), their subjects
//! and revocation.
use crate::entities::calendar_feed;
use crate::{now, Repo, Result, StoreError};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};

pub use crate::entities::calendar_feed::Model as CalendarFeed;

impl<C: ConnectionTrait> Repo<C> {
    pub async fn create_calendar_feed(
        &self,
        token_hash: String,
        subject_kind: &str,
        subject_id: i64,
        created_by: i64,
    ) -> Result<CalendarFeed> {
        let row = calendar_feed::ActiveModel {
            token_hash: Set(token_hash),
            subject_kind: Set(subject_kind.to_string()),
            subject_id: Set(subject_id),
            created_by: Set(created_by),
            created_at: Set(now()),
            last_fetched_at: Set(None),
            revoked_at: Set(None),
            ..Default::default()
        };
        Ok(row.insert(self.conn()).await?)
    }

    /// Live and revoked feeds, newest first; `subject` narrows to one (kind, id).
    pub async fn list_calendar_feeds(
        &self,
        subject: Option<(&str, i64)>,
    ) -> Result<Vec<CalendarFeed>> {
        let mut q = calendar_feed::Entity::find();
        if let Some((kind, id)) = subject {
            q = q
                .filter(calendar_feed::Column::SubjectKind.eq(kind))
                .filter(calendar_feed::Column::SubjectId.eq(id));
        }
        Ok(q.order_by_desc(calendar_feed::Column::CreatedAt)
            .order_by_desc(calendar_feed::Column::Id)
            .all(self.conn())
            .await?)
    }

    pub async fn calendar_feed(&self, id: i64) -> Result<CalendarFeed> {
        calendar_feed::Entity::find_by_id(id)
            .one(self.conn())
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("calendar feed {id}")))
    }

    /// The live (not revoked) feed of a token hash; records the fetch.
    pub async fn live_calendar_feed(&self, token_hash: &str) -> Result<Option<CalendarFeed>> {
        let Some(feed) = calendar_feed::Entity::find()
            .filter(calendar_feed::Column::TokenHash.eq(token_hash))
            .filter(calendar_feed::Column::RevokedAt.is_null())
            .one(self.conn())
            .await?
        else {
            return Ok(None);
        };
        let mut row: calendar_feed::ActiveModel = feed.into();
        row.last_fetched_at = Set(Some(now()));
        Ok(Some(row.update(self.conn()).await?))
    }

    /// Revokes a feed; revoking a revoked feed changes nothing.
    pub async fn revoke_calendar_feed(&self, id: i64) -> Result<CalendarFeed> {
        let feed = self.calendar_feed(id).await?;
        if feed.revoked_at.is_some() {
            return Ok(feed);
        }
        let mut row: calendar_feed::ActiveModel = feed.into();
        row.revoked_at = Set(Some(now()));
        Ok(row.update(self.conn()).await?)
    }
}
