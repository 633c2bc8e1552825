//! Answering counted, not loaded: the database counts a consultation's comments by the columns
//! answering depends on, and progress, the deliberation gate and the report's totals are decided
//! from those counts alone, whatever the number of comments.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use super::{AnsweringView, HideReason, LISTED_IDS, Outcome, Progress};
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

/// Where a comment stands in answering, as officers filter lists by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnsweringStatus {
    /// Not hidden.
    Visible,
    /// Hidden by moderation.
    Hidden,
    /// Visible, answered directly or through its group.
    Answered,
    /// Visible, without an answer.
    Unanswered,
    /// Visible and grouped.
    Grouped,
}

impl TallyRow {
    /// Whether these comments stand at `status`.
    pub fn stand_at(&self, status: AnsweringStatus) -> bool {
        let visible = self.hide_reason.is_none();
        match status {
            AnsweringStatus::Visible => visible,
            AnsweringStatus::Hidden => !visible,
            AnsweringStatus::Grouped => visible && self.grouped,
            AnsweringStatus::Answered => visible && self.outcome.is_some(),
            AnsweringStatus::Unanswered => visible && self.outcome.is_none(),
        }
    }
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

/// Comments alike in their stored answering columns, as the database counts them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCount {
    /// Why they are hidden (`None`: visible).
    pub hide_reason: Option<HideReason>,
    /// Their concentrated opinion, if any.
    pub group_id: Option<String>,
    /// Their own answer's outcome (set aside while they are grouped).
    pub own_outcome: Option<Outcome>,
    /// Who submitted them.
    pub submitter_category: SubmitterCategory,
    /// How they came.
    pub channel: Channel,
    /// How many.
    pub count: u64,
}

impl AnsweringTally {
    /// The tally of stored counts: a grouped comment takes its group's answer (none if the
    /// group is unknown), and a group counts its visible members. `group_outcomes` holds every
    /// group of the consultation; `unanswered_sample` the first visible, ungrouped comment ids
    /// without an own answer.
    pub fn count(
        stored: impl IntoIterator<Item = StoredCount>,
        group_outcomes: &HashMap<String, Option<Outcome>>,
        mut unanswered_sample: Vec<String>,
    ) -> Self {
        let mut rows = BTreeMap::<_, u64>::new();
        let mut members = BTreeMap::<String, u64>::new();
        for s in stored {
            let group = s.group_id.as_ref().map(|g| (g, group_outcomes.get(g)));
            let outcome = match group {
                None => s.own_outcome,
                Some((_, known)) => known.copied().flatten(),
            };
            if let Some((g, Some(_))) = group
                && s.hide_reason.is_none()
            {
                *members.entry(g.clone()).or_default() += s.count;
            }
            *rows
                .entry((
                    s.hide_reason,
                    s.group_id.is_some(),
                    outcome,
                    s.submitter_category,
                    s.channel,
                ))
                .or_default() += s.count;
        }
        unanswered_sample.truncate(LISTED_IDS + 1);
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
            groups: members
                .into_iter()
                .map(|(id, visible_members)| GroupTally {
                    answered: matches!(group_outcomes.get(&id), Some(Some(_))),
                    id,
                    visible_members,
                })
                .collect(),
            unanswered_sample,
        }
    }

    /// The tally of comments held in memory, counted as the database counts their rows.
    pub fn of(view: AnsweringView<'_>) -> Self {
        let group_outcomes = view
            .groups
            .iter()
            .map(|g| {
                (
                    g.id.clone(),
                    g.disposition.as_ref().map(|d| d.answer.outcome),
                )
            })
            .collect();
        let mut unanswered: Vec<String> = view
            .comments
            .iter()
            .filter(|c| c.is_visible() && c.group_id.is_none() && c.disposition.is_none())
            .map(|c| c.id.clone())
            .collect();
        unanswered.sort();
        let stored = view.comments.iter().map(|c| StoredCount {
            hide_reason: c.moderation.as_ref().map(|m| m.reason),
            group_id: c.group_id.clone(),
            own_outcome: c.disposition.as_ref().map(|d| d.answer.outcome),
            submitter_category: c.body.submitter_category,
            channel: c.body.channel,
            count: 1,
        });
        Self::count(stored, &group_outcomes, unanswered)
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

    /// Whether any comment came by `channel`, from submitters of `category` and stands at
    /// `status` (each `None`: whichever).
    pub fn any_comment(
        &self,
        channel: Option<Channel>,
        category: Option<SubmitterCategory>,
        status: Option<AnsweringStatus>,
    ) -> bool {
        self.rows.iter().any(|r| {
            r.count > 0
                && channel.is_none_or(|ch| r.channel == ch)
                && category.is_none_or(|cat| r.submitter_category == cat)
                && status.is_none_or(|st| r.stand_at(st))
        })
    }

    /// How many comments match the filter.
    pub fn count_comments(
        &self,
        channel: Option<Channel>,
        category: Option<SubmitterCategory>,
        status: Option<AnsweringStatus>,
    ) -> u64 {
        self.rows
            .iter()
            .filter(|r| {
                channel.is_none_or(|ch| r.channel == ch)
                    && category.is_none_or(|cat| r.submitter_category == cat)
                    && status.is_none_or(|st| r.stand_at(st))
            })
            .map(|r| r.count)
            .sum()
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

#[cfg(test)]
mod tests {
    use super::*;

    fn stored(
        hide_reason: Option<HideReason>,
        group_id: Option<&str>,
        own_outcome: Option<Outcome>,
        channel: Channel,
    ) -> StoredCount {
        StoredCount {
            hide_reason,
            group_id: group_id.map(str::to_owned),
            own_outcome,
            submitter_category: SubmitterCategory::Citizen,
            channel,
            count: 2,
        }
    }

    #[test]
    fn a_grouped_comment_stands_where_its_group_does() {
        let groups = HashMap::from([
            ("answered".to_owned(), Some(Outcome::NotAdopted)),
            ("pending".to_owned(), None),
        ]);
        let own = Some(Outcome::Adopted);
        let in_pending = AnsweringTally::count(
            [stored(None, Some("pending"), own, Channel::Portal)],
            &groups,
            Vec::new(),
        );
        assert!(in_pending.any_comment(None, None, Some(AnsweringStatus::Unanswered)));
        assert!(in_pending.any_comment(None, None, Some(AnsweringStatus::Grouped)));
        assert!(!in_pending.any_comment(None, None, Some(AnsweringStatus::Answered)));
        let in_answered = AnsweringTally::count(
            [stored(None, Some("answered"), None, Channel::Portal)],
            &groups,
            Vec::new(),
        );
        assert!(in_answered.any_comment(None, None, Some(AnsweringStatus::Answered)));
        assert!(!in_answered.any_comment(None, None, Some(AnsweringStatus::Unanswered)));
    }

    #[test]
    fn hidden_comments_stand_nowhere_but_hidden() {
        let hidden = AnsweringTally::count(
            [stored(Some(HideReason::Spam), None, None, Channel::Letter)],
            &HashMap::new(),
            Vec::new(),
        );
        assert!(hidden.any_comment(Some(Channel::Letter), None, Some(AnsweringStatus::Hidden)));
        assert!(hidden.any_comment(None, Some(SubmitterCategory::Citizen), None));
        for status in [
            AnsweringStatus::Visible,
            AnsweringStatus::Answered,
            AnsweringStatus::Unanswered,
            AnsweringStatus::Grouped,
        ] {
            assert!(!hidden.any_comment(None, None, Some(status)), "{status:?}");
        }
        assert!(!hidden.any_comment(Some(Channel::Portal), None, None));
        assert!(!hidden.any_comment(None, Some(SubmitterCategory::Enterprise), None));
    }
}
