//! The in-app inbox.
use crate::entities::notification;
use crate::{now, Repo, Result};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};

pub use crate::entities::notification::Model as Notification;

impl<C: ConnectionTrait> Repo<C> {
    pub async fn notify(
        &self,
        user_id: i64,
        title: &str,
        body: &str,
        link: &str,
    ) -> Result<Notification> {
        Ok(notification::ActiveModel {
            user_id: Set(user_id),
            title: Set(title.to_string()),
            body: Set(body.to_string()),
            link: Set(link.to_string()),
            created_at: Set(now()),
            read_at: Set(None),
            ..Default::default()
        }
        .insert(self.conn())
        .await?)
    }

    /// A person's notifications, newest first.
    pub async fn notifications_of(&self, user_id: i64, limit: u64) -> Result<Vec<Notification>> {
        Ok(notification::Entity::find()
            .filter(notification::Column::UserId.eq(user_id))
            .order_by_desc(notification::Column::Id)
            .limit(limit)
            .all(self.conn())
            .await?)
    }

    pub async fn unread_notifications(&self, user_id: i64) -> Result<u64> {
        Ok(notification::Entity::find()
            .filter(notification::Column::UserId.eq(user_id))
            .filter(notification::Column::ReadAt.is_null())
            .count(self.conn())
            .await?)
    }

    /// Marks one of the person's notifications read (`Some(id)`), or all of them; returns how
    /// many changed. Another person's notification is never touched.
    pub async fn mark_notifications_read(&self, user_id: i64, id: Option<i64>) -> Result<u64> {
        let mut q = notification::Entity::update_many()
            .col_expr(notification::Column::ReadAt, Expr::value(now()))
            .filter(notification::Column::UserId.eq(user_id))
            .filter(notification::Column::ReadAt.is_null());
        if let Some(id) = id {
            q = q.filter(notification::Column::Id.eq(id));
        }
        Ok(q.exec(self.conn()).await?.rows_affected)
    }
}
