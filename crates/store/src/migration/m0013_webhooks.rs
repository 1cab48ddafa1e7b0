//! Webhooks: endpoints subscribed to event types, and the durable outbox of deliveries written in
//! the same transaction as the change they announce.
use super::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0013_webhooks"
    }
}

#[derive(DeriveIden)]
enum WebhookEndpoints {
    Table,
    Id,
    Url,
    Secret,
    EventTypes,
    Active,
    Description,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum WebhookDeliveries {
    Table,
    Id,
    EndpointId,
    MessageId,
    EventType,
    Payload,
    State,
    Attempts,
    NextAttemptAt,
    LeaseUntil,
    LastStatus,
    LastError,
    CreatedAt,
    DeliveredAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(WebhookEndpoints::Table)
                    .col(id_pk(WebhookEndpoints::Id))
                    .col(text(WebhookEndpoints::Url))
                    .col(text(WebhookEndpoints::Secret))
                    .col(text(WebhookEndpoints::EventTypes))
                    .col(
                        ColumnDef::new(WebhookEndpoints::Active)
                            .boolean()
                            .not_null()
                            .default(true)
                            .take(),
                    )
                    .col(text(WebhookEndpoints::Description))
                    .col(int64_null(WebhookEndpoints::CreatedBy))
                    .col(at(WebhookEndpoints::CreatedAt))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(WebhookDeliveries::Table)
                    .col(id_pk(WebhookDeliveries::Id))
                    .col(int64(WebhookDeliveries::EndpointId))
                    .col(text(WebhookDeliveries::MessageId))
                    .col(text(WebhookDeliveries::EventType))
                    .col(ColumnDef::new(WebhookDeliveries::Payload).text().not_null())
                    .col(text(WebhookDeliveries::State))
                    .col(int64(WebhookDeliveries::Attempts))
                    .col(at(WebhookDeliveries::NextAttemptAt))
                    .col(at_null(WebhookDeliveries::LeaseUntil))
                    .col(int64_null(WebhookDeliveries::LastStatus))
                    .col(text_null(WebhookDeliveries::LastError))
                    .col(at(WebhookDeliveries::CreatedAt))
                    .col(at_null(WebhookDeliveries::DeliveredAt))
                    .foreign_key(&mut fk(
                        WebhookDeliveries::Table,
                        WebhookDeliveries::EndpointId,
                        WebhookEndpoints::Table,
                        WebhookEndpoints::Id,
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_webhook_deliveries_due")
                    .table(WebhookDeliveries::Table)
                    .col(WebhookDeliveries::State)
                    .col(WebhookDeliveries::NextAttemptAt)
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_webhook_deliveries_endpoint")
                    .table(WebhookDeliveries::Table)
                    .col(WebhookDeliveries::EndpointId)
                    .take(),
            )
            .await?;
        Ok(())
    }
}
