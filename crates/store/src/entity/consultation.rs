//! The `consultations` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "consultations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub department: String,
    pub kind: String,
    pub title: String,
    pub draft_text: String,
    pub basis: String,
    pub explanation: String,
    /// JSON array of channel codes.
    pub channels: String,
    pub opens_at: Option<DateTimeUtc>,
    pub closes_at: Option<DateTimeUtc>,
    pub shortened_reason: String,
    pub state: String,
    /// JSON array of extensions.
    pub extensions: String,
    pub withdrawal_reason: String,
    /// JSON array of strings.
    pub warnings: String,
    pub created_by: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub published_at: Option<DateTimeUtc>,
    pub closed_at: Option<DateTimeUtc>,
    pub withdrawn_at: Option<DateTimeUtc>,
    pub ready_at: Option<DateTimeUtc>,
    /// JSON of the decision document.
    pub decision: Option<String>,
    /// `YYYY-MM-DD`, so that it sorts and compares as text on both databases.
    pub feedback_due_on: Option<String>,
    pub feedback_version: i32,
    pub feedback_published_at: Option<DateTimeUtc>,
    /// `catalogues/{catalogue}/items/{item}`, or empty (migration 23).
    pub catalogue_item: String,
    pub catalogue_item_label: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
