use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "deliverables")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub project_id: i64,
    pub name: String,
    /// Delivery profile names (comma-separated), e.g. `ebu-r128`.
    pub profiles: String,
    /// Declared mix format: stereo, 5.1, 7.1, stereo+5.1 …
    pub layout: Option<String>,
    pub created_at: DateTimeUtc,
    pub qc_passed_at: Option<DateTimeUtc>,
    pub qc_passed_by: Option<i64>,
    /// Who sees the deliverable through.
    pub owner_id: Option<i64>,
    pub due_date: Option<Date>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
