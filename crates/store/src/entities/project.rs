use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "projects")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub code: String,
    pub name: String,
    pub client_id: i64,
    pub status: String,
    pub start_date: Option<Date>,
    pub due_date: Option<Date>,
    pub archived: bool,
    /// Optimistic concurrency: every update bumps it, a stale form is refused.
    pub version: i64,
    /// The producer responsible for the project.
    pub owner_id: Option<i64>,
    /// The template the plan was made from (`commercial`, a studio template's key, …).
    pub template_key: Option<String>,
    /// Extra time planned for revision rounds, as a percentage of editorial durations.
    pub revision_buffer_percent: i64,
    /// Working hours in a day, for tasks planned in hours.
    pub hours_per_day: i64,
    /// Set when the producer signs off picture lock; cleared by a recorded unlock.
    pub picture_locked_at: Option<DateTimeUtc>,
    pub picture_locked_by: Option<i64>,
    /// Bumped by every plan change, so an edit made from a stale page is refused.
    pub plan_version: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::client::Entity",
        from = "Column::ClientId",
        to = "super::client::Column::Id"
    )]
    Client,
}

impl Related<super::client::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Client.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
