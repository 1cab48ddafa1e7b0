//! A client's billing details: legal name, address, VAT id, currency, tax rate, rate card.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "client_billing")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub client_id: i64,
    pub legal_name: String,
    #[sea_orm(column_type = "Text")]
    pub address: String,
    pub tax_id: String,
    pub currency: String,
    pub tax_bp: i64,
    pub rate_card_id: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
