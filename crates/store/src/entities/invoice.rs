//! An invoice or credit note: draft (no number), issued (numbered, immutable) or paid.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "invoices")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub series_id: i64,
    pub number: Option<i64>,
    pub number_text: Option<String>,
    /// invoice or credit_note.
    pub kind: String,
    /// draft, issued or paid.
    pub state: String,
    pub credit_of: Option<i64>,
    pub client_id: i64,
    pub project_id: Option<i64>,
    pub currency: String,
    pub rounding: String,
    pub period_from: Option<Date>,
    pub period_to: Option<Date>,
    pub supply_date: Option<Date>,
    pub issue_date: Option<Date>,
    pub due_date: Option<Date>,
    pub seller_name: String,
    #[sea_orm(column_type = "Text")]
    pub seller_address: String,
    pub seller_tax_id: String,
    pub buyer_name: String,
    #[sea_orm(column_type = "Text")]
    pub buyer_address: String,
    pub buyer_tax_id: String,
    pub extra_rounds: i64,
    pub net_minor: i64,
    pub tax_minor: i64,
    pub gross_minor: i64,
    pub created_by: Option<i64>,
    pub created_at: DateTimeUtc,
    pub issued_at: Option<DateTimeUtc>,
    pub paid_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
