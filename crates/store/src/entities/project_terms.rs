//! A project's commercial terms.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "project_terms")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub project_id: i64,
    /// time_and_materials, fixed_fee or fixed_fee_with_overflow.
    pub kind: String,
    pub fee_minor: Option<i64>,
    pub included_minutes: Option<i64>,
    pub included_rounds: i64,
    pub extra_round_minor: Option<i64>,
    pub rounds_used: i64,
    pub day_minutes: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
