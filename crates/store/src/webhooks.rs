//! Webhook endpoints and the delivery outbox. A delivery row is written in the transaction of the
//! change it announces (so no event is lost across a crash or restart, and none is sent for a
//! change that rolled back); senders claim due rows under a lease with a conditional update, so
//! two servers never send one attempt twice at once.
use crate::entities::{webhook_delivery, webhook_endpoint};
use crate::{now, Repo, Result, StoreError};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};

pub use crate::entities::webhook_delivery::Model as WebhookDelivery;
pub use crate::entities::webhook_endpoint::Model as WebhookEndpoint;

impl<C: ConnectionTrait> Repo<C> {
    pub async fn create_webhook_endpoint(
        &self,
        url: String,
        secret: String,
        event_types: String,
        description: String,
        created_by: Option<i64>,
    ) -> Result<WebhookEndpoint> {
        Ok(webhook_endpoint::ActiveModel {
            url: Set(url),
            secret: Set(secret),
            event_types: Set(event_types),
            active: Set(true),
            description: Set(description),
            created_by: Set(created_by),
            created_at: Set(now()),
            ..Default::default()
        }
        .insert(self.conn())
        .await?)
    }

    pub async fn webhook_endpoints(&self) -> Result<Vec<WebhookEndpoint>> {
        Ok(webhook_endpoint::Entity::find()
            .order_by_asc(webhook_endpoint::Column::Id)
            .all(self.conn())
            .await?)
    }

    pub async fn webhook_endpoint(&self, id: i64) -> Result<WebhookEndpoint> {
        webhook_endpoint::Entity::find_by_id(id)
            .one(self.conn())
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("webhook endpoint {id}")))
    }

    pub async fn set_webhook_endpoint_active(&self, id: i64, active: bool) -> Result<()> {
        let mut row: webhook_endpoint::ActiveModel = self.webhook_endpoint(id).await?.into();
        row.active = Set(active);
        row.update(self.conn()).await?;
        Ok(())
    }

    /// Queues one delivery (on the caller's transaction).
    pub async fn enqueue_webhook_delivery(
        &self,
        endpoint_id: i64,
        message_id: String,
        event_type: String,
        payload: String,
    ) -> Result<WebhookDelivery> {
        let at = now();
        Ok(webhook_delivery::ActiveModel {
            endpoint_id: Set(endpoint_id),
            message_id: Set(message_id),
            event_type: Set(event_type),
            payload: Set(payload),
            state: Set("pending".into()),
            attempts: Set(0),
            next_attempt_at: Set(at),
            lease_until: Set(None),
            last_status: Set(None),
            last_error: Set(None),
            created_at: Set(at),
            delivered_at: Set(None),
            ..Default::default()
        }
        .insert(self.conn())
        .await?)
    }

    /// The newest deliveries of an endpoint first.
    pub async fn webhook_deliveries(
        &self,
        endpoint_id: i64,
        limit: u64,
    ) -> Result<Vec<WebhookDelivery>> {
        Ok(webhook_delivery::Entity::find()
            .filter(webhook_delivery::Column::EndpointId.eq(endpoint_id))
            .order_by_desc(webhook_delivery::Column::Id)
            .limit(limit)
            .all(self.conn())
            .await?)
    }

    pub async fn webhook_delivery(&self, id: i64) -> Result<WebhookDelivery> {
        webhook_delivery::Entity::find_by_id(id)
            .one(self.conn())
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("webhook delivery {id}")))
    }

    /// Claims up to `limit` due deliveries (pending and due, or sending with an expired lease)
    /// for `lease` seconds. Each row is taken by a conditional update, so a row claimed by
    /// another sender in between is skipped rather than sent twice.
    pub async fn claim_webhook_deliveries(
        &self,
        limit: u64,
        lease_seconds: i64,
    ) -> Result<Vec<WebhookDelivery>> {
        let at = now();
        let due = webhook_delivery::Entity::find()
            .filter(
                Condition::any()
                    .add(
                        Condition::all()
                            .add(webhook_delivery::Column::State.eq("pending"))
                            .add(webhook_delivery::Column::NextAttemptAt.lte(at)),
                    )
                    .add(
                        Condition::all()
                            .add(webhook_delivery::Column::State.eq("sending"))
                            .add(webhook_delivery::Column::LeaseUntil.lt(at)),
                    ),
            )
            .order_by_asc(webhook_delivery::Column::NextAttemptAt)
            .order_by_asc(webhook_delivery::Column::Id)
            .limit(limit)
            .all(self.conn())
            .await?;
        let until = at + chrono::Duration::seconds(lease_seconds);
        let mut claimed = Vec::new();
        for d in due {
            let taken = webhook_delivery::Entity::update_many()
                .col_expr(webhook_delivery::Column::State, Expr::value("sending"))
                .col_expr(webhook_delivery::Column::LeaseUntil, Expr::value(until))
                .filter(webhook_delivery::Column::Id.eq(d.id))
                .filter(webhook_delivery::Column::State.eq(d.state.clone()))
                .filter(webhook_delivery::Column::Attempts.eq(d.attempts))
                .exec(self.conn())
                .await?;
            if taken.rows_affected == 1 {
                claimed.push(WebhookDelivery {
                    state: "sending".into(),
                    lease_until: Some(until),
                    ..d
                });
            }
        }
        Ok(claimed)
    }

    /// Records one attempt: delivered, or pending again at `retry_at`, or failed for good.
    pub async fn record_webhook_attempt(
        &self,
        id: i64,
        status: Option<i64>,
        error: Option<String>,
        outcome: AttemptOutcome,
    ) -> Result<()> {
        let d = self.webhook_delivery(id).await?;
        let mut row: webhook_delivery::ActiveModel = d.clone().into();
        row.attempts = Set(d.attempts + 1);
        row.last_status = Set(status);
        row.last_error = Set(error);
        row.lease_until = Set(None);
        match outcome {
            AttemptOutcome::Delivered => {
                row.state = Set("delivered".into());
                row.delivered_at = Set(Some(now()));
            }
            AttemptOutcome::RetryAt(at) => {
                row.state = Set("pending".into());
                row.next_attempt_at = Set(at);
            }
            AttemptOutcome::Failed => row.state = Set("failed".into()),
        }
        row.update(self.conn()).await?;
        Ok(())
    }

    /// Sends a delivery again from the start (a replay from the delivery log).
    pub async fn replay_webhook_delivery(&self, id: i64) -> Result<WebhookDelivery> {
        let mut row: webhook_delivery::ActiveModel = self.webhook_delivery(id).await?.into();
        row.state = Set("pending".into());
        row.attempts = Set(0);
        row.next_attempt_at = Set(now());
        row.lease_until = Set(None);
        row.delivered_at = Set(None);
        Ok(row.update(self.conn()).await?)
    }
}

/// What one attempt came to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttemptOutcome {
    Delivered,
    RetryAt(DateTime<Utc>),
    Failed,
}
