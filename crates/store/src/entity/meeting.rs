//! The `meetings` table: one row per recorded meeting of a consultation.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "meetings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub consultation_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// Code of the meeting's kind.
    pub kind: String,
    /// The consultation's department, for yearly counts.
    pub department: String,
    pub held_at: DateTimeUtc,
    /// JSON of the meeting.
    pub document: String,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
