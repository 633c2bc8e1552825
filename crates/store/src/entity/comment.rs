//! The `comments` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "comments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub consultation_id: String,
    pub channel: String,
    pub submitter_category: String,
    pub submitter_name: String,
    pub submitter_organization: String,
    pub submitter_contact: String,
    pub content: String,
    pub clause_reference: String,
    /// The article `clause_reference` names (`第五条` → 5); `None`: it names no article.
    pub clause_article: Option<i32>,
    pub postmarked_at: Option<DateTimeUtc>,
    pub publish_name_consent: bool,
    /// The meeting where it was voiced (`consultations/{c}/hearings/{h}`); `None`: sent in.
    pub meeting: Option<String>,
    pub received_at: DateTimeUtc,
    pub receipt_code: String,
    pub submitted_by: String,
    pub request_id: String,
    /// SHA-256 of the submission, to tell a retry from a conflicting reuse of its key.
    pub request_digest: String,
    /// JSON of the moderation, when hidden.
    pub moderation: Option<String>,
    pub group_id: Option<String>,
    /// JSON of the comment's own current disposition.
    pub disposition: Option<String>,
    /// Code of the moderation's reason, mirroring `moderation` for counting by index.
    pub hide_reason: Option<String>,
    /// Code of the own disposition's outcome, mirroring `disposition` for counting by index.
    pub outcome: Option<String>,
    /// Key that sealed the three submitter fields; `None`: they are plain text (older rows).
    pub private_key_id: Option<String>,
    /// JSON of the spans an officer took out of publication; `None`: none.
    pub redactions: Option<String>,
    /// The suggestion (of near-duplicates) the comment was last placed in; `None`: none.
    pub suggestion_id: Option<String>,
    /// Keyed digest of the submitter's contact under the sealing key; `None`: no contact, or a
    /// row from before digests.
    pub contact_digest: Option<String>,
    /// Whether the comment still awaits comparison with those before it for suggestions (set
    /// for every comment stored since migration 22, cleared by the assigner).
    pub awaiting_comparison: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
