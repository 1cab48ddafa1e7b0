use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "resources")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub name: String,
    /// edit_bay, color_suite, mix_theater, vfx_seat, person, … (data, not code).
    pub kind: String,
    pub notes: Option<String>,
    pub archived: bool,
    /// How many bookings it holds at once (seats of a VFX room); at least 1.
    pub capacity: i64,
    /// The cost of one hour in integer minor units of `cost_currency` (billing reads it).
    pub cost_rate_minor: Option<i64>,
    pub cost_currency: Option<String>,
    /// A person as a resource: their days off apply to it.
    pub user_id: Option<i64>,
    /// Comma-separated skills (`grading,conform`).
    pub skills: String,
    /// `studio` (the studio's week, holidays and the person's days off) or `always` (every day).
    pub calendar: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
