//! A quote (estimate) for a project: draft (editable), sent, accepted, declined or superseded.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "quotes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub project_id: i64,
    /// 1, 2, … per project.
    pub number: i64,
    pub title: String,
    /// draft, sent, accepted, declined or superseded.
    pub state: String,
    pub rate_card_id: Option<i64>,
    pub currency: String,
    pub rounding: String,
    pub valid_until: Option<Date>,
    pub seller_name: String,
    #[sea_orm(column_type = "Text")]
    pub seller_address: String,
    pub seller_tax_id: String,
    pub buyer_name: String,
    #[sea_orm(column_type = "Text")]
    pub buyer_address: String,
    pub buyer_tax_id: String,
    pub net_minor: i64,
    pub tax_minor: i64,
    pub gross_minor: i64,
    pub created_by: Option<i64>,
    pub created_at: DateTimeUtc,
    pub sent_at: Option<DateTimeUtc>,
    pub decided_at: Option<DateTimeUtc>,
    pub decided_by: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
