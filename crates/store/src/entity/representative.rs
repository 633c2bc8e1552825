//! The `representatives` table: each unit's register of public representatives.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "representatives")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub department: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub category: String,
    pub active: bool,
    /// JSON of the representative, name and contact left out.
    pub document: String,
    /// `{"name": …, "contact": …}`, sealed under `private_key_id`.
    pub details: String,
    pub private_key_id: String,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
