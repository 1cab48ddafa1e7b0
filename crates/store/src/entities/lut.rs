use sea_orm::entity::prelude::*;

/// A `.cube` LUT in a project's library.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "luts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub project_id: i64,
    /// Unique per project.
    pub name: String,
    /// camera, creative or delivery.
    pub kind: String,
    /// 1 or 3.
    pub dimension: i64,
    /// Points per axis.
    pub size: i64,
    /// The `.cube` text as uploaded (it parsed when stored).
    #[sea_orm(column_type = "Text")]
    pub body: String,
    pub created_at: DateTimeUtc,
    pub created_by: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
