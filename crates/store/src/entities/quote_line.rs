//! One line of a quote: its amounts as priced, and the stage and planned minutes it budgets.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "quote_lines")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub quote_id: i64,
    pub position: i64,
    /// The plan's stage key the line budgets; empty for a line of no stage.
    pub stage: String,
    /// The hours (in minutes) the line budgets for its stage.
    pub minutes: i64,
    #[sea_orm(column_type = "Text")]
    pub description: String,
    /// minutes, days_milli or units_milli.
    pub quantity_unit: String,
    pub quantity_amount: i64,
    pub unit_price_minor: i64,
    pub discount_bp: i64,
    pub tax_bp: i64,
    pub net_minor: i64,
    pub tax_minor: i64,
    pub gross_minor: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
