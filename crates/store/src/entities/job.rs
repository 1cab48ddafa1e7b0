use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "jobs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub kind: String,
    /// JSON text, read by the job kind's handler.
    #[sea_orm(column_type = "Text")]
    pub payload: String,
    pub project_id: Option<i64>,
    /// Higher runs first.
    pub priority: i64,
    /// queued, running, succeeded, failed or cancelled.
    pub state: String,
    pub attempts: i64,
    pub max_attempts: i64,
    /// A queued job is not claimed before this (retry backoff).
    pub run_after: DateTimeUtc,
    pub lease_owner: Option<String>,
    pub lease_expires_at: Option<DateTimeUtc>,
    pub heartbeat_at: Option<DateTimeUtc>,
    /// A running job asked to stop; its worker sees it on the next heartbeat.
    pub cancel_requested: bool,
    /// 0–1000 (per mille).
    pub progress: i64,
    #[sea_orm(column_type = "Text", nullable)]
    pub message: Option<String>,
    pub created_at: DateTimeUtc,
    pub started_at: Option<DateTimeUtc>,
    pub finished_at: Option<DateTimeUtc>,
    pub created_by: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
