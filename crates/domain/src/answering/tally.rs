//! Answering counted, not loaded: the database counts a consultation's comments by the columns
//! answering depends on, and progress, the deliberation gate and the report's totals are decided
//! from those counts alone, whatever the number of comments.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{AnsweringView, HideReason, LISTED_IDS, Outcome, Progress, effective_disposition};
use crate::comment::{Channel, SubmitterCategory};
use crate::consultation::{Consultation, ConsultationKind};
use crate::error::PreconditionViolation;

/// Comments alike in everything answering counts, and how many there are.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct TallyRow {
    /// Why they are hidden (`None`: visible).
    pub hide_reason: Option<HideReason>,
    /// Whether they belong to a concentrated opinion.
    pub grouped: bool,
    /// The answer that applies: the group's for grouped comments, else their own.
    pub outcome: Option<Outcome>,
    /// Who submitted them.
    pub submitter_category: SubmitterCategory,
    /// How they came.
    pub channel: Channel,
    /// How many.
    pub count: u64,
}

/// A concentrated opinion as counted.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct GroupTally {
    /// The group's id.
    pub id: String,
    /// Its visible members.
    pub visible_members: u64,
    /// Whether it has an answer.
    pub answered: bool,
}

/// A consultation's comments counted by answering status.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnsweringTally {
    /// One row per distinct combination, in any order.
    pub rows: Vec<TallyRow>,
    /// Every group with at least one visible member.
    pub groups: Vec<GroupTally>,
    /// The first [`LISTED_IDS`] + 1 visible, ungrouped, unanswered comment ids, in id order:
    /// what a refusal names as examples.
    pub unanswered_sample: Vec<String>,
}

impl AnsweringTally {
    /// The tally of comments held in memory (what the database's counts must equal).
    pub fn of(view: AnsweringView<'_>) -> Self {
        let groups = view.group_index();
        let mut rows = BTreeMap::<(Option<HideReason>, bool, Option<Outcome>, _, _), u64>::new();
        let mut members = BTreeMap::<&str, u64>::new();
        let mut unanswered = Vec::new();
        for c in view.comments {
            let reason = c.moderation.as_ref().map(|m| m.reason);
            let group = c.group_id.as_deref().and_then(|g| groups.get(g).copied());
            let outcome = effective_disposition(c, group).map(|d| d.answer.outcome);
            *rows
                .entry((
                    reason,
                    c.group_id.is_some(),
                    outcome,
                    c.body.submitter_category,
                    c.body.channel,
                ))
                .or_default() += 1;
            if reason.is_none() {
                if let Some(g) = group {
                    *members.entry(&g.id).or_default() += 1;
                } else if c.group_id.is_none() && outcome.is_none() {
                    unanswered.push(c.id.clone());
                }
            }
        }
        unanswered.sort();
        unanswered.truncate(LISTED_IDS + 1);
        let mut groups: Vec<GroupTally> = view
            .groups
            .iter()
            .filter_map(|g| {
                members.get(g.id.as_str()).map(|n| GroupTally {
                    id: g.id.clone(),
                    visible_members: *n,
                    answered: g.disposition.is_some(),
                })
            })
            .collect();
        groups.sort();
        Self {
            rows: rows
                .into_iter()
                .map(
                    |((hide_reason, grouped, outcome, submitter_category, channel), count)| {
                        TallyRow {
                            hide_reason,
                            grouped,
                            outcome,
                            submitter_category,
                            channel,
                            count,
                        }
                    },
                )
                .collect(),
            groups,
            unanswered_sample: unanswered,
        }
    }

    fn visible(&self) -> impl Iterator<Item = &TallyRow> {
        self.rows.iter().filter(|r| r.hide_reason.is_none())
    }

    /// Every comment received.
    pub fn received(&self) -> u64 {
        self.rows.iter().map(|r| r.count).sum()
    }

    /// Visible comments with neither a group nor an answer.
    pub fn unanswered_ungrouped(&self) -> u64 {
        self.visible()
            .filter(|r| !r.grouped && r.outcome.is_none())
            .map(|r| r.count)
            .sum()
    }

    /// The progress of answering.
    pub fn progress(&self) -> Progress {
        let mut p = Progress {
            received: self.received(),
            ..Progress::default()
        };
        for r in &self.rows {
            if let Some(reason) = r.hide_reason {
                p.hidden += r.count;
                *p.hidden_by_reason.entry(reason).or_default() += r.count;
                continue;
            }
            if r.grouped {
                p.grouped += r.count;
            }
            match r.outcome {
                Some(o) => {
                    p.answered += r.count;
                    *p.by_outcome.entry(o).or_default() += r.count;
                }
                None => p.unanswered += r.count,
            }
        }
        p.groups = self.groups.len() as u64;
        p.groups_answered = self.groups.iter().filter(|g| g.answered).count() as u64;
        p
    }

    /// Whether a visible comment came from submitters of `category`.
    pub fn heard_from(&self, category: SubmitterCategory) -> bool {
        self.visible()
            .any(|r| r.submitter_category == category && r.count > 0)
    }

    /// What the deliberation gate finds missing (empty when it may be passed). Answers are
    /// complete by construction ([`super::Answer::parse`]), so only their absence is counted.
    pub fn missing_for_deliberation(
        &self,
        consultation: &Consultation,
    ) -> Vec<PreconditionViolation> {
        let subject = format!("consultations/{}", consultation.id);
        let mut missing = Vec::new();
        let unanswered = self.unanswered_ungrouped();
        if unanswered > 0 {
            missing.push(PreconditionViolation::new(
                "UNANSWERED_COMMENTS",
                subject.clone(),
                format!(
                    "尚有{unanswered}条意见未答复，例如：{} ({unanswered} comments have no disposition)",
                    listed(&self.unanswered_sample, unanswered),
                ),
            ));
        }
        let groups: Vec<String> = self
            .groups
            .iter()
            .filter(|g| !g.answered)
            .map(|g| g.id.clone())
            .collect();
        if !groups.is_empty() {
            let n = groups.len() as u64;
            missing.push(PreconditionViolation::new(
                "UNANSWERED_OPINION_GROUPS",
                subject.clone(),
                format!(
                    "尚有{n}个集中意见未答复：{} ({n} opinion groups have no disposition)",
                    listed(&groups, n),
                ),
            ));
        }
        if consultation.kind == ConsultationKind::EnterprisePolicy {
            if !self.heard_from(SubmitterCategory::Enterprise) {
                missing.push(PreconditionViolation::new(
                    "NO_ENTERPRISE_INPUT",
                    subject.clone(),
                    "涉企政策须听取企业意见：尚无来自企业的意见或座谈记录 (an ENTERPRISE_POLICY needs input from an ENTERPRISE)",
                ));
            }
            if !self.heard_from(SubmitterCategory::IndustryAssociation) {
                missing.push(PreconditionViolation::new(
                    "NO_INDUSTRY_ASSOCIATION_INPUT",
                    subject,
                    "涉企政策须听取行业协会商会意见：尚无来自行业协会商会的意见或座谈记录 (an ENTERPRISE_POLICY needs input from an INDUSTRY_ASSOCIATION)",
                ));
            }
        }
        missing
    }
}

/// The first ids of `total`, as a refusal lists them.
fn listed(sample: &[String], total: u64) -> String {
    let mut s = sample
        .iter()
        .take(LISTED_IDS)
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join("、");
    let shown = sample.len().min(LISTED_IDS) as u64;
    if total > shown {
        s.push_str(&format!(" 等 (and {} more)", total - shown));
    }
    s
}
