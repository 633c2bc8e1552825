//! The `opinion_groups` table: concentrated opinions.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "opinion_groups")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub consultation_id: String,
    pub summary: String,
    /// JSON of the group's current disposition.
    pub disposition: Option<String>,
    /// Code of the disposition's outcome, mirroring `disposition` for counting.
    pub outcome: Option<String>,
    pub created_by: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
