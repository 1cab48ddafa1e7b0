//! Time a person spent on a project.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "time_entries")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub user_id: i64,
    pub project_id: i64,
    pub task_id: Option<i64>,
    pub activity_id: i64,
    pub work_date: Date,
    pub minutes: i64,
    pub billable: bool,
    #[sea_orm(column_type = "Text")]
    pub note: String,
    /// The invoice (draft or issued) whose lines bill it.
    pub invoice_id: Option<i64>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
