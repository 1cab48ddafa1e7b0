use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "plan_scenarios")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// proposed, applied or discarded.
    pub status: String,
    /// The proposal as JSON (the application layer's `Proposal`).
    #[sea_orm(column_type = "Text")]
    pub proposal: String,
    pub created_by: Option<i64>,
    pub created_at: DateTimeUtc,
    pub decided_by: Option<i64>,
    pub decided_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
