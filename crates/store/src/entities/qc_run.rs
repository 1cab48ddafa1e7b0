use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "qc_runs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub deliverable_id: i64,
    pub file_name: String,
    /// pass or fail
    pub status: String,
    /// The whole QC report as JSON (the `postflow qc --json` shape).
    #[sea_orm(column_type = "Text")]
    pub report_json: String,
    pub created_at: DateTimeUtc,
    pub created_by: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
