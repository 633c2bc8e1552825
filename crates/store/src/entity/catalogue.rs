//! The `catalogues` table: one row per version of a decision catalogue.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "catalogues")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub version: i32,
    pub government: String,
    pub year: i32,
    pub title: String,
    pub state: String,
    /// JSON list of the version's items.
    pub items: String,
    pub approval_document_number: String,
    pub approved_on: Option<Date>,
    pub adjustment_reason: String,
    pub drafted_by: String,
    pub published_at: Option<DateTimeUtc>,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
