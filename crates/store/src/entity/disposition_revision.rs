//! The `disposition_revisions` table: every answer ever given, append-only.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "disposition_revisions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub consultation_id: String,
    /// Resource name of the comment or group answered.
    pub subject: String,
    pub action: String,
    /// JSON of the disposition; `None` when it was cleared.
    pub disposition: Option<String>,
    pub recorded_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
