//! What the audit log records of changes that touch many comments, as typed payloads: one
//! variant per event type and version, stored as the event's `after` with its `event` tag.
//! A change records its definition, its count and a digest — never a row per comment.

use serde::{Deserialize, Serialize};

use crate::answering::bulk::{Affected, CommentTarget};
use crate::answering::{Disposition, HideReason};
use crate::decision::DecisionDocument;

/// The payload of an audit event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event")]
pub enum AuditPayload {
    /// Comments given one answer at once.
    #[serde(rename = "comments.answered.v1")]
    CommentsAnswered(CommentsAnsweredV1),
    /// Comments hidden at once.
    #[serde(rename = "comments.hidden.v1")]
    CommentsHidden(CommentsHiddenV1),
    /// A version of the feedback report published (the first, or a correction).
    #[serde(rename = "feedback_report.published.v1")]
    ReportPublished(ReportPublishedV1),
    /// A consultation's suggestions computed afresh.
    #[serde(rename = "suggestions.computed.v1")]
    SuggestionsComputed(SuggestionsComputedV1),
    /// A suggestion accepted as an opinion group, new or existing.
    #[serde(rename = "suggestion.accepted.v1")]
    SuggestionAccepted(SuggestionAcceptedV1),
    /// Members of a suggestion split off into a suggestion of their own.
    #[serde(rename = "suggestion.split.v1")]
    SuggestionSplit(SuggestionSplitV1),
    /// A suggestion dismissed: its members are not one opinion.
    #[serde(rename = "suggestion.dismissed.v1")]
    SuggestionDismissed(SuggestionDismissedV1),
}

/// Suggestions computed from scratch, version 1.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SuggestionsComputedV1 {
    /// Comments compared (visible, ungrouped, not in a dismissed suggestion).
    pub comments_compared: u64,
    /// Open suggestions replaced.
    pub suggestions_replaced: u64,
    /// Suggestions found.
    pub suggestions: u64,
    /// Comments in them.
    pub comments_suggested: u64,
}

/// A suggestion accepted, version 1.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SuggestionAcceptedV1 {
    /// The suggestion's name.
    pub suggestion: String,
    /// The opinion group its members joined.
    pub opinion_group: String,
    /// Whether the group existed before (a merge).
    pub merged: bool,
    /// The members that joined.
    pub affected: Affected,
}

/// A suggestion split, version 1.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SuggestionSplitV1 {
    /// The suggestion split.
    pub suggestion: String,
    /// The new suggestion of the members split off.
    pub split_off_as: String,
    /// The members split off.
    pub affected: Affected,
}

/// A suggestion dismissed, version 1.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SuggestionDismissedV1 {
    /// The suggestion's name.
    pub suggestion: String,
    /// Its members when dismissed.
    pub members: u64,
}

/// A bulk answer, version 1.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommentsAnsweredV1 {
    /// Which comments were asked for.
    pub target: CommentTarget,
    /// The answer given.
    pub disposition: Disposition,
    /// What it touched.
    pub affected: Affected,
}

/// A bulk hide, version 1.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommentsHiddenV1 {
    /// Which comments were asked for.
    pub target: CommentTarget,
    /// The reason's category (a code).
    pub reason: HideReason,
    /// The officer's note.
    pub note: String,
    /// What it touched.
    pub affected: Affected,
}

/// A published version of the feedback report, version 1.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportPublishedV1 {
    /// The consultation's state before (a code).
    pub previous_state: String,
    /// The version published.
    pub version: u32,
    /// SHA-256 of its canonical JSON.
    pub sha256: String,
    /// Bytes of its canonical JSON.
    pub bytes: u64,
    /// Published comments in it.
    pub comments: u64,
    /// Why it corrects the previous version (empty for the first).
    pub correction_reason: String,
    /// The decision document it reports on.
    pub decision: Option<DecisionDocument>,
}
