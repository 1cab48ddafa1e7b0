use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tasks")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub project_id: i64,
    /// Short key unique in the project (`fine_cut`), used in URLs, the API and dependencies.
    pub key: String,
    pub name: String,
    /// The stage key the task belongs to.
    pub stage: String,
    pub position: i64,
    /// Working days the task takes (derived from `duration_hours` when it is planned in hours).
    pub duration_days: i64,
    pub duration_hours: Option<i64>,
    pub status: String,
    pub resource_kind: Option<String>,
    pub skill: Option<String>,
    /// JSON list of checklist items with their done state.
    #[sea_orm(column_type = "Text")]
    pub checklist: String,
    /// Set for milestone tasks: `picture_lock`, `delivered`, …
    pub milestone: Option<String>,
    /// Editorial work is frozen by picture lock.
    pub editorial: bool,
    #[sea_orm(column_type = "Text")]
    pub notes: String,
    pub percent_complete: i64,
    /// Moved on the Gantt: the task may not start before this day.
    pub start_no_earlier: Option<Date>,
    /// Must be finished by the end of this day (a fixed date).
    pub finish_by: Option<Date>,
    pub actual_start: Option<Date>,
    pub actual_finish: Option<Date>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
