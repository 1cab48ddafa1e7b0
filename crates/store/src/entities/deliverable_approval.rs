//! A client's answer on a deliverable that passed QC: `approved` or `changes_requested`.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "deliverable_approvals")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub deliverable_id: i64,
    /// `approved` or `changes_requested`.
    pub decision: String,
    #[sea_orm(column_type = "Text")]
    pub comment: String,
    pub user_id: Option<i64>,
    /// The "QC passed" the answer was given on (a later one re-opens the question).
    pub qc_passed_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
