use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "bookings")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub resource_id: i64,
    pub project_id: i64,
    pub task_id: Option<i64>,
    /// The half-open range [starts_at, ends_at) in UTC.
    pub starts_at: DateTimeUtc,
    pub ends_at: DateTimeUtc,
    /// Units of the resource's capacity it takes (1 unless it says otherwise).
    pub units: i64,
    /// planning, preliminary or confirmed.
    pub status: String,
    #[sea_orm(column_type = "Text")]
    pub note: String,
    pub created_by: Option<i64>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// The invoice that bills this booking's facility time, if one does.
    pub invoice_id: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
