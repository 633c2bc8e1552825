//! Answering or hiding many comments at once, as a plan: the command decides which comments
//! take the answer or are hidden — by a definition the database evaluates, never by every
//! comment in memory — and what the audit log records of it: the definition, the count and a
//! digest of the ids, not a row per comment.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{Answer, Disposition, HideReason, Moderation};
use crate::clause::Clause;
use crate::comment::{Channel, Comment, SubmitterCategory};
use crate::consultation::Consultation;
use crate::error::{DomainError, PreconditionViolation};
use crate::events::{AuditPayload, CommentsAnsweredV1, CommentsHiddenV1};
use crate::search::SearchText;

/// Most comment names a bulk answer's reply lists; beyond it the reply gives the count and the
/// digest only, so that it does not grow with the consultation.
pub const REPLY_LISTS_AT_MOST: u64 = 1_000;

/// A filter over a consultation's comments, as officers select them for a bulk answer or hide.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Selection {
    /// Only this channel.
    pub channel: Option<Channel>,
    /// Only this category of submitter.
    pub submitter_category: Option<SubmitterCategory>,
    /// Only comments about this clause, however their submitters wrote it (`5`, `第五条`).
    pub clause_reference: Option<String>,
    /// Only comments without an answer of their own.
    pub only_unanswered: bool,
    /// Only comments containing every word of this query. Absent from the audit records of
    /// selections without one, which keep their bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<SearchText>,
}

impl Selection {
    /// The clause the selection is limited to; a blank reference limits nothing.
    pub fn clause(&self) -> Option<Clause> {
        self.clause_reference.as_deref().and_then(Clause::parse)
    }

    /// Whether `c` matches the filter (before answerability).
    pub fn matches(&self, c: &Comment) -> bool {
        self.channel.is_none_or(|ch| c.body.channel == ch)
            && self
                .submitter_category
                .is_none_or(|cat| c.body.submitter_category == cat)
            && self
                .clause()
                .is_none_or(|clause| clause.matches(&c.body.clause_reference))
            && !(self.only_unanswered && c.disposition.is_some())
            && self
                .query
                .as_ref()
                .is_none_or(|q| q.matches(c.body.content.as_str()))
    }
}

/// A set of a consultation's comments defined by their stored columns: what the store turns
/// into SQL, and [`CommentCondition::holds`] states on one comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommentCondition<'a> {
    /// The consultation.
    pub consultation_id: &'a str,
    /// Only these ids (sorted).
    pub ids: Option<&'a [String]>,
    /// Only visible comments outside any concentrated opinion.
    pub answerable: bool,
    /// Only those matching the selection.
    pub selection: Option<&'a Selection>,
}

impl CommentCondition<'_> {
    /// Whether `c` is in the set.
    pub fn holds(&self, c: &Comment) -> bool {
        c.consultation_id == self.consultation_id
            && self.ids.is_none_or(|ids| ids.binary_search(&c.id).is_ok())
            && !(self.answerable && (!c.is_visible() || c.group_id.is_some()))
            && self.selection.is_none_or(|s| s.matches(c))
    }
}

/// Which comments a bulk answer or hide is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CommentTarget {
    /// Exactly these comment ids (sorted, distinct), every one of which must take a direct
    /// answer: all or nothing.
    Listed(Vec<String>),
    /// The comments matching a selection that are visible and not in a concentrated opinion
    /// (those that can take a direct answer); the others are left alone.
    Selected(Selection),
}

impl CommentTarget {
    /// The comments listed (none for a selection), which the store loads to check.
    pub fn listed(&self) -> &[String] {
        match self {
            CommentTarget::Listed(ids) => ids,
            CommentTarget::Selected(_) => &[],
        }
    }
}

/// The plan of a bulk answer: every comment the target chooses gets `disposition`, and a
/// revision recording it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkAnswer {
    /// The consultation.
    pub consultation_id: String,
    /// Which comments.
    pub target: CommentTarget,
    /// The answer they get.
    pub disposition: Disposition,
}

/// What a set-wise change touched: how many comments, and the SHA-256 of their ids, sorted and
/// each followed by a newline, so that an auditor can check a claimed list against the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Affected {
    /// How many comments.
    pub count: u64,
    /// Hex SHA-256 of the sorted ids, one per line.
    pub ids_sha256: String,
}

/// Builds an [`Affected`] from ids given in ascending order.
#[derive(Debug, Clone, Default)]
pub struct AffectedDigest {
    hasher: Sha256,
    count: u64,
}

impl AffectedDigest {
    /// Adds the next id (ids must come in ascending order).
    pub fn push(&mut self, id: &str) {
        self.hasher.update(id.as_bytes());
        self.hasher.update(b"\n");
        self.count += 1;
    }

    /// How many ids so far.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// The result.
    pub fn finish(self) -> Affected {
        Affected {
            count: self.count,
            ids_sha256: hex::encode(self.hasher.finalize()),
        }
    }
}

/// Changes, in id order, every comment `condition` holds for; returns what it touched.
fn apply_to(
    condition: CommentCondition<'_>,
    comments: &mut [Comment],
    mut change: impl FnMut(&mut Comment),
) -> Affected {
    let mut chosen: Vec<&mut Comment> =
        comments.iter_mut().filter(|c| condition.holds(c)).collect();
    chosen.sort_by(|a, b| a.id.cmp(&b.id));
    let mut digest = AffectedDigest::default();
    for c in chosen {
        digest.push(&c.id);
        change(c);
    }
    digest.finish()
}

impl Consultation {
    /// Plans a bulk answer. `listed` holds the comments a [`CommentTarget::Listed`] names (the
    /// store loads them; each must exist); for a selection it is empty.
    pub fn bulk_answer(
        &self,
        target: CommentTarget,
        listed: &[Comment],
        answer: Answer,
        officer: &str,
        now: DateTime<Utc>,
    ) -> Result<BulkAnswer, DomainError> {
        self.check_answering(now)?;
        if let CommentTarget::Listed(ids) = &target {
            for id in ids {
                if !listed.iter().any(|c| c.id == *id) {
                    return Err(DomainError::not_found(format!(
                        "consultations/{}/comments/{id}",
                        self.id
                    )));
                }
            }
            // All or nothing: every comment that cannot take the answer is named.
            let refused: Vec<_> = listed
                .iter()
                .filter_map(|c| c.check_answerable().err())
                .flat_map(|e| match e {
                    DomainError::FailedPrecondition(v) => v,
                    _ => Vec::new(),
                })
                .collect();
            if !refused.is_empty() {
                return Err(DomainError::FailedPrecondition(refused));
            }
        }
        Ok(BulkAnswer {
            consultation_id: self.id.clone(),
            target,
            disposition: Disposition {
                answer,
                answered_by: officer.to_owned(),
                answered_at: now,
            },
        })
    }
}

impl BulkAnswer {
    /// The comments the plan gives its answer to, as conditions on their stored columns.
    pub fn condition(&self) -> CommentCondition<'_> {
        match &self.target {
            CommentTarget::Listed(ids) => CommentCondition {
                consultation_id: &self.consultation_id,
                ids: Some(ids),
                answerable: false,
                selection: None,
            },
            // Only those that take a direct answer (Comment::check_answerable).
            CommentTarget::Selected(s) => CommentCondition {
                consultation_id: &self.consultation_id,
                ids: None,
                answerable: true,
                selection: Some(s),
            },
        }
    }

    /// Applies the plan to comments held in memory (the model the store's SQL must equal).
    pub fn apply(&self, comments: &mut [Comment]) -> Affected {
        apply_to(self.condition(), comments, |c| {
            c.disposition = Some(self.disposition.clone());
        })
    }

    /// The audit record of the plan once the store has run it.
    pub fn audit(&self, affected: Affected) -> AuditPayload {
        AuditPayload::CommentsAnswered(CommentsAnsweredV1 {
            target: self.target.clone(),
            disposition: self.disposition.clone(),
            affected,
        })
    }
}

/// The plan of a bulk hide: every comment the target chooses is hidden with one moderation
/// record. Comments in a concentrated opinion are left to it (a group keeps two visible
/// members), and hidden ones keep their first reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkHide {
    /// The consultation.
    pub consultation_id: String,
    /// Which comments.
    pub target: CommentTarget,
    /// Why, by whom and when.
    pub moderation: Moderation,
}

impl Consultation {
    /// Plans a bulk hide. `listed` holds the comments a [`CommentTarget::Listed`] names (each
    /// must exist, be visible and be outside any concentrated opinion: all or nothing); for a
    /// selection it is empty.
    pub fn bulk_hide(
        &self,
        target: CommentTarget,
        listed: &[Comment],
        reason: HideReason,
        note: &str,
        officer: &str,
        now: DateTime<Utc>,
    ) -> Result<BulkHide, DomainError> {
        self.check_moderation(now, false)?;
        let moderation = Moderation::new(reason, note, officer, now)?;
        if let CommentTarget::Listed(ids) = &target {
            for id in ids {
                if !listed.iter().any(|c| c.id == *id) {
                    return Err(DomainError::not_found(format!(
                        "consultations/{}/comments/{id}",
                        self.id
                    )));
                }
            }
            let mut refused = Vec::new();
            for c in listed {
                if let Some(m) = &c.moderation {
                    refused.push(PreconditionViolation::new(
                        "ALREADY_HIDDEN",
                        c.name(),
                        format!(
                            "该意见已因“{}”被屏蔽 (the comment is already hidden as {})",
                            m.reason.label(),
                            m.reason.code()
                        ),
                    ));
                } else if let Err(DomainError::FailedPrecondition(v)) = c.check_answerable() {
                    // In a concentrated opinion: taken out of it first, so that the group
                    // keeps two visible members.
                    refused.extend(v);
                }
            }
            if !refused.is_empty() {
                return Err(DomainError::FailedPrecondition(refused));
            }
        }
        Ok(BulkHide {
            consultation_id: self.id.clone(),
            target,
            moderation,
        })
    }
}

impl BulkHide {
    /// The comments the plan hides, as conditions on their stored columns: visible ones outside
    /// any concentrated opinion.
    pub fn condition(&self) -> CommentCondition<'_> {
        CommentCondition {
            consultation_id: &self.consultation_id,
            ids: match &self.target {
                CommentTarget::Listed(ids) => Some(ids),
                CommentTarget::Selected(_) => None,
            },
            answerable: true,
            selection: match &self.target {
                CommentTarget::Listed(_) => None,
                CommentTarget::Selected(s) => Some(s),
            },
        }
    }

    /// Applies the plan to comments held in memory (the model the store's SQL must equal).
    pub fn apply(&self, comments: &mut [Comment]) -> Affected {
        apply_to(self.condition(), comments, |c| {
            c.moderation = Some(self.moderation.clone());
        })
    }

    /// The audit record of the plan once the store has run it.
    pub fn audit(&self, affected: Affected) -> AuditPayload {
        AuditPayload::CommentsHidden(CommentsHiddenV1 {
            target: self.target.clone(),
            reason: self.moderation.reason,
            note: self.moderation.note.clone(),
            affected,
        })
    }
}
