//! One rate of a card: sell or cost, per hour or day, effective from a date.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "rates")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub card_id: i64,
    /// sell or cost.
    pub kind: String,
    /// hour or day.
    pub unit: String,
    pub person_id: Option<i64>,
    pub role: Option<String>,
    pub activity: Option<String>,
    pub room_id: Option<i64>,
    pub amount_minor: i64,
    pub effective_from: Date,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
