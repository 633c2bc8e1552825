//! What the audit log records of changes that touch many comments, as typed payloads: one
//! variant per event type and version, stored as the event's `after` with its `event` tag.
//! A change records its definition, its count and a digest — never a row per comment.

use serde::{Deserialize, Serialize};

use crate::answering::Disposition;
use crate::answering::bulk::{Affected, AnswerTarget};
use crate::decision::DecisionDocument;

/// The payload of an audit event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event")]
pub enum AuditPayload {
    /// Comments given one answer at once.
    #[serde(rename = "comments.answered.v1")]
    CommentsAnswered(CommentsAnsweredV1),
    /// A version of the feedback report published (the first, or a correction).
    #[serde(rename = "feedback_report.published.v1")]
    ReportPublished(ReportPublishedV1),
}

/// A bulk answer, version 1.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommentsAnsweredV1 {
    /// Which comments were asked for.
    pub target: AnswerTarget,
    /// The answer given.
    pub disposition: Disposition,
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
