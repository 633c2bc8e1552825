//! Answering the public: moderation, dispositions (采纳情况), concentrated opinions and the
//! deliberation gate. Every refusal names the rule; storage only records what these functions decide.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::comment::{Comment, SubmitterCategory};
use crate::consultation::{
    Consultation, ConsultationKind, ConsultationState, REASON_MAX_CHARS, is_meaningful,
};
use crate::error::{DomainError, PreconditionViolation, Violations};
use crate::names::vocabulary;

vocabulary! {
    /// Why an officer hid a comment (spec 5, moderation).
    HideReason {
        /// 垃圾信息、广告
        Spam = "SPAM", "垃圾信息";
        /// 辱骂、人身攻击
        Abuse = "ABUSE", "辱骂攻击";
        /// 违法违规内容
        Unlawful = "UNLAWFUL", "违法违规内容";
        /// 泄露他人隐私
        PrivacyExposure = "PRIVACY_EXPOSURE", "泄露他人隐私";
    }
}

vocabulary! {
    /// The officer's answer to a comment (采纳情况).
    Outcome {
        /// 采纳
        Adopted = "ADOPTED", "采纳";
        /// 部分采纳
        PartiallyAdopted = "PARTIALLY_ADOPTED", "部分采纳";
        /// 未采纳
        NotAdopted = "NOT_ADOPTED", "未采纳";
        /// 不属于征求意见范围
        OutOfScope = "OUT_OF_SCOPE", "不属于征求意见范围";
    }
}

impl Outcome {
    /// Whether an answer with this outcome takes something into the draft.
    pub fn adopts(self) -> bool {
        matches!(self, Outcome::Adopted | Outcome::PartiallyAdopted)
    }
}

/// How many comment ids a refusal lists before it only counts.
pub const LISTED_IDS: usize = 5;
/// Longest concentrated-opinion summary, in characters.
pub const SUMMARY_MAX_CHARS: usize = 2_000;
/// Longest moderation note, in characters.
pub const NOTE_MAX_CHARS: usize = 500;

/// Why and by whom a comment was hidden. The comment itself is never deleted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Moderation {
    /// The category of the reason, counted in the report.
    pub reason: HideReason,
    /// The officer's note (internal).
    pub note: String,
    /// The officer who hid it.
    pub hidden_by: String,
    /// When.
    pub hidden_at: DateTime<Utc>,
}

impl Moderation {
    /// A hiding by `officer` now, its note trimmed and at most [`NOTE_MAX_CHARS`] long.
    pub fn new(
        reason: HideReason,
        note: &str,
        officer: &str,
        now: DateTime<Utc>,
    ) -> Result<Self, DomainError> {
        let note = note.trim();
        if note.chars().count() > NOTE_MAX_CHARS {
            return Err(DomainError::invalid(
                "note",
                format!("不能超过{NOTE_MAX_CHARS}个字符 (at most {NOTE_MAX_CHARS} characters)"),
            ));
        }
        Ok(Self {
            reason,
            note: note.to_owned(),
            hidden_by: officer.to_owned(),
            hidden_at: now,
        })
    }
}

/// An answer as an officer writes it, checked for the reasons the outcome needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answer {
    /// Adopted or not.
    pub outcome: Outcome,
    /// Why not adopted (NOT_ADOPTED, OUT_OF_SCOPE) or what was not adopted and why (PARTIALLY_ADOPTED).
    pub reason: String,
    /// What was adopted: the clause changed or the part taken over.
    pub adopted_content: String,
}

impl Answer {
    /// Checks that each outcome carries what spec section 6 requires. `field` prefixes the
    /// violations (e.g. `disposition`).
    pub fn parse(
        outcome: Outcome,
        reason: &str,
        adopted_content: &str,
        field: &str,
    ) -> Result<Self, DomainError> {
        let reason = reason.trim();
        let adopted = adopted_content.trim();
        let mut v = Violations::new();
        for (name, text) in [("reason", reason), ("adopted_content", adopted)] {
            if text.chars().count() > REASON_MAX_CHARS {
                v.push(
                    format!("{field}.{name}"),
                    format!(
                        "不能超过{REASON_MAX_CHARS}个字符 (at most {REASON_MAX_CHARS} characters)"
                    ),
                );
            }
        }
        match outcome {
            Outcome::NotAdopted | Outcome::OutOfScope if !is_meaningful(reason) => v.push(
                format!("{field}.reason"),
                format!(
                    "{}的意见必须说明理由（未采纳的意见说明理由） ({} needs a reason)",
                    outcome.label(),
                    outcome.code()
                ),
            ),
            Outcome::PartiallyAdopted => {
                if !is_meaningful(adopted) {
                    v.push(
                        format!("{field}.adopted_content"),
                        "部分采纳须写明采纳了哪些内容 (PARTIALLY_ADOPTED must say what was adopted)",
                    );
                }
                if !is_meaningful(reason) {
                    v.push(
                        format!("{field}.reason"),
                        "部分采纳须写明未采纳的部分及理由 (PARTIALLY_ADOPTED must say what was not adopted and why)",
                    );
                }
            }
            _ => {}
        }
        v.finish()?;
        Ok(Self {
            outcome,
            reason: reason.to_owned(),
            adopted_content: adopted.to_owned(),
        })
    }

    /// Whether the answer has what its outcome needs; answers parsed by [`Answer::parse`] always do.
    pub fn is_complete(&self) -> bool {
        match self.outcome {
            Outcome::Adopted => true,
            Outcome::NotAdopted | Outcome::OutOfScope => is_meaningful(&self.reason),
            Outcome::PartiallyAdopted => {
                is_meaningful(&self.reason) && is_meaningful(&self.adopted_content)
            }
        }
    }
}

/// An answer as recorded, with its officer and time. Revisions are kept by storage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Disposition {
    /// The answer.
    #[serde(flatten)]
    pub answer: Answer,
    /// The officer who answered.
    pub answered_by: String,
    /// When.
    pub answered_at: DateTime<Utc>,
}

/// A concentrated opinion (较为集中的意见): comments saying the same thing, answered once.
/// Membership is recorded on the comments (`Comment::group_id`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpinionGroup {
    /// Identifier, the `{group}` of `consultations/{c}/opinionGroups/{group}`.
    pub id: String,
    /// The consultation.
    pub consultation_id: String,
    /// The officer's summary of what the comments say (published).
    pub summary: String,
    /// The group's answer, taken by every member.
    pub disposition: Option<Disposition>,
    /// The officer who formed it.
    pub created_by: String,
    /// When.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// Fewest comments a concentrated opinion holds: a single comment is answered on its own.
pub const GROUP_MIN_MEMBERS: u64 = 2;

impl OpinionGroup {
    /// Checks that a group formed of `comments` holds enough of them.
    pub fn check_new_members(comments: usize) -> Result<(), DomainError> {
        if (comments as u64) < GROUP_MIN_MEMBERS {
            return Err(DomainError::invalid(
                "comments",
                format!(
                    "集中意见至少包含{GROUP_MIN_MEMBERS}条意见 (a concentrated opinion needs at \
                     least {GROUP_MIN_MEMBERS} comments)"
                ),
            ));
        }
        Ok(())
    }

    /// Checks that the group keeps enough visible members after a change; otherwise the officer
    /// dissolves it instead.
    pub fn check_remaining_members(&self, visible_members: u64) -> Result<(), DomainError> {
        if visible_members < GROUP_MIN_MEMBERS {
            return Err(DomainError::precondition(
                "GROUP_TOO_SMALL",
                self.name(),
                format!(
                    "移出后集中意见只剩{visible_members}条意见，至少须保留{GROUP_MIN_MEMBERS}条；\
                     如不再需要该组，请解散它（consultctl group dissolve）(a concentrated opinion \
                     keeps at least {GROUP_MIN_MEMBERS} comments; dissolve it with \
                     DeleteOpinionGroup instead)"
                ),
            ));
        }
        Ok(())
    }

    /// Checks that the group may be dissolved now: while opinion groups may change.
    pub fn check_dissolvable(
        &self,
        consultation: &Consultation,
        now: DateTime<Utc>,
    ) -> Result<(), DomainError> {
        consultation.check_grouping(now)
    }

    /// `consultations/{c}/opinionGroups/{id}`.
    pub fn name(&self) -> String {
        format!(
            "consultations/{}/opinionGroups/{}",
            self.consultation_id, self.id
        )
    }

    /// A new, unanswered group with `summary`.
    pub fn create(
        id: String,
        consultation: &Consultation,
        summary: &str,
        officer: &str,
        now: DateTime<Utc>,
    ) -> Result<Self, DomainError> {
        consultation.check_grouping(now)?;
        let summary = parse_summary(summary)?;
        Ok(Self {
            id,
            consultation_id: consultation.id.clone(),
            summary,
            disposition: None,
            created_by: officer.to_owned(),
            created_at: now,
            updated_at: now,
        })
    }

    /// Rewrites the summary while grouping is still open.
    pub fn set_summary(
        &mut self,
        consultation: &Consultation,
        summary: &str,
        now: DateTime<Utc>,
    ) -> Result<(), DomainError> {
        consultation.check_grouping(now)?;
        self.summary = parse_summary(summary)?;
        self.updated_at = now;
        Ok(())
    }

    /// Answers the group; every member takes this answer.
    pub fn answer(
        &mut self,
        consultation: &Consultation,
        answer: Answer,
        officer: &str,
        now: DateTime<Utc>,
    ) -> Result<(), DomainError> {
        consultation.check_answering(now)?;
        self.disposition = Some(Disposition {
            answer,
            answered_by: officer.to_owned(),
            answered_at: now,
        });
        self.updated_at = now;
        Ok(())
    }
}

fn parse_summary(summary: &str) -> Result<String, DomainError> {
    let s = summary.trim();
    if !is_meaningful(s) {
        return Err(DomainError::invalid(
            "opinion_group.summary",
            "集中意见须有概括说明 (a concentrated opinion needs a summary)",
        ));
    }
    if s.chars().count() > SUMMARY_MAX_CHARS {
        return Err(DomainError::invalid(
            "opinion_group.summary",
            format!("不能超过{SUMMARY_MAX_CHARS}个字符 (at most {SUMMARY_MAX_CHARS} characters)"),
        ));
    }
    Ok(s.to_owned())
}

impl Consultation {
    /// Comments are answered from the formal close on. Once the feedback report is published,
    /// answers revised are a pending correction: the public keeps reading the published ones
    /// until a corrected version is published from the revised answers.
    pub fn check_answering(&self, now: DateTime<Utc>) -> Result<(), DomainError> {
        let state = self.state(now);
        match state {
            ConsultationState::Closed
            | ConsultationState::ReadyForDeliberation
            | ConsultationState::Decided
            | ConsultationState::FeedbackPublished => Ok(()),
            _ => Err(DomainError::precondition(
                "NOT_CLOSED",
                format!("consultations/{}", self.id),
                format!(
                    "征求意见正式截止后才能答复，当前状态为{} (comments are answered after the formal close; it is {})",
                    state.label(),
                    state.code()
                ),
            )),
        }
    }

    /// Concentrated opinions are formed while comments come in and until the deliberation gate.
    pub fn check_grouping(&self, now: DateTime<Utc>) -> Result<(), DomainError> {
        let state = self.state(now);
        if matches!(state, ConsultationState::Open | ConsultationState::Closed) {
            return Ok(());
        }
        Err(DomainError::precondition(
            "GROUPING_CLOSED",
            format!("consultations/{}", self.id),
            format!(
                "只有征求意见中或已截止（上会前）的事项可以归并集中意见，当前状态为{} (opinion groups change only while OPEN or CLOSED; it is {})",
                state.label(),
                state.code()
            ),
        ))
    }

    fn check_moderation(&self, now: DateTime<Utc>, unhide: bool) -> Result<(), DomainError> {
        let state = self.state(now);
        let allowed = match state {
            ConsultationState::Open
            | ConsultationState::Closed
            | ConsultationState::ReadyForDeliberation
            | ConsultationState::Decided => true,
            // A comment exposing someone's data may still be taken out of the next version.
            ConsultationState::FeedbackPublished => !unhide,
            _ => false,
        };
        if allowed {
            return Ok(());
        }
        Err(DomainError::precondition(
            "MODERATION_CLOSED",
            format!("consultations/{}", self.id),
            if unhide {
                format!(
                    "反馈公开后不能恢复已屏蔽的意见，当前状态为{} (unhide is possible only before the report is published; it is {})",
                    state.label(),
                    state.code()
                )
            } else {
                format!(
                    "当前状态{}不能屏蔽意见 (comments cannot be hidden while {})",
                    state.label(),
                    state.code()
                )
            },
        ))
    }
}

impl Comment {
    /// Whether the comment counts for answering and publication (not hidden).
    pub fn is_visible(&self) -> bool {
        self.moderation.is_none()
    }

    /// Hides the comment with a reason; it is kept and counted by reason in the report.
    pub fn hide(
        &mut self,
        consultation: &Consultation,
        reason: HideReason,
        note: &str,
        officer: &str,
        now: DateTime<Utc>,
    ) -> Result<(), DomainError> {
        consultation.check_moderation(now, false)?;
        let moderation = Moderation::new(reason, note, officer, now)?;
        if let Some(m) = &self.moderation {
            return Err(DomainError::precondition(
                "ALREADY_HIDDEN",
                self.name(),
                format!(
                    "该意见已因“{}”被屏蔽 (the comment is already hidden as {})",
                    m.reason.label(),
                    m.reason.code()
                ),
            ));
        }
        self.moderation = Some(moderation);
        Ok(())
    }

    /// Shows a hidden comment again. Once the gate is passed it must already carry an answer,
    /// directly or through its group, so that the gate stays true.
    pub fn unhide(
        &mut self,
        consultation: &Consultation,
        group: Option<&OpinionGroup>,
        now: DateTime<Utc>,
    ) -> Result<(), DomainError> {
        consultation.check_moderation(now, true)?;
        if self.moderation.is_none() {
            return Err(DomainError::precondition(
                "NOT_HIDDEN",
                self.name(),
                "该意见未被屏蔽 (the comment is not hidden)",
            ));
        }
        let past_gate = matches!(
            consultation.state(now),
            ConsultationState::ReadyForDeliberation | ConsultationState::Decided
        );
        if past_gate && effective_disposition(self, group).is_none() {
            return Err(DomainError::precondition(
                "WOULD_BE_UNANSWERED",
                self.name(),
                "事项已通过上会前置检查，恢复的意见必须已有答复 (past the deliberation gate, only an answered comment can be shown again)",
            ));
        }
        self.moderation = None;
        Ok(())
    }

    /// Answers the comment directly. Hidden comments are not answered; grouped ones take their
    /// group's answer.
    pub fn answer(
        &mut self,
        consultation: &Consultation,
        answer: Answer,
        officer: &str,
        now: DateTime<Utc>,
    ) -> Result<(), DomainError> {
        consultation.check_answering(now)?;
        self.check_answerable()?;
        self.disposition = Some(Disposition {
            answer,
            answered_by: officer.to_owned(),
            answered_at: now,
        });
        Ok(())
    }

    /// Why this comment cannot take a direct answer, if it cannot.
    pub fn check_answerable(&self) -> Result<(), DomainError> {
        if let Some(m) = &self.moderation {
            return Err(DomainError::precondition(
                "COMMENT_HIDDEN",
                self.name(),
                format!(
                    "该意见已因“{}”被屏蔽，不参与答复；如需答复请先取消屏蔽 (a hidden comment is not answered; unhide it first)",
                    m.reason.label()
                ),
            ));
        }
        if let Some(g) = &self.group_id {
            return Err(DomainError::precondition(
                "IN_OPINION_GROUP",
                self.name(),
                format!(
                    "该意见属于集中意见 consultations/{}/opinionGroups/{g}，按该组统一答复，不能单独答复；如需单独答复请先移出该组 (a grouped comment takes its group's answer)",
                    self.consultation_id
                ),
            ));
        }
        Ok(())
    }

    /// Puts the comment into `group`. A direct answer that conflicts with the group's is refused;
    /// one that agrees (or meets an unanswered group) gives way to the group's.
    pub fn join(
        &mut self,
        consultation: &Consultation,
        group: &OpinionGroup,
        now: DateTime<Utc>,
    ) -> Result<(), DomainError> {
        consultation.check_grouping(now)?;
        if group.consultation_id != self.consultation_id {
            return Err(DomainError::invalid(
                "comments",
                format!(
                    "{} 不属于该征求意见事项 (the comment belongs to another consultation)",
                    self.name()
                ),
            ));
        }
        match &self.group_id {
            Some(g) if *g == group.id => return Ok(()),
            Some(g) => {
                return Err(DomainError::precondition(
                    "ALREADY_GROUPED",
                    self.name(),
                    format!(
                        "该意见已属于集中意见 {g}，请先移出 (the comment is already in another group)"
                    ),
                ));
            }
            None => {}
        }
        if self.moderation.is_some() {
            return Err(DomainError::precondition(
                "COMMENT_HIDDEN",
                self.name(),
                "已屏蔽的意见不能归入集中意见 (a hidden comment cannot join a group)",
            ));
        }
        if let (Some(own), Some(theirs)) = (&self.disposition, &group.disposition)
            && own.answer.outcome != theirs.answer.outcome
        {
            return Err(DomainError::precondition(
                "CONFLICTING_DISPOSITION",
                self.name(),
                format!(
                    "该意见已答复为“{}”，与集中意见的答复“{}”冲突；请先统一答复 (the comment's answer {} conflicts with the group's {})",
                    own.answer.outcome.label(),
                    theirs.answer.outcome.label(),
                    own.answer.outcome.code(),
                    theirs.answer.outcome.code()
                ),
            ));
        }
        self.group_id = Some(group.id.clone());
        self.disposition = None;
        Ok(())
    }

    /// Takes the comment out of its group; it is then unanswered until answered directly.
    pub fn leave(
        &mut self,
        consultation: &Consultation,
        group_id: &str,
        now: DateTime<Utc>,
    ) -> Result<(), DomainError> {
        consultation.check_grouping(now)?;
        if self.group_id.as_deref() != Some(group_id) {
            return Err(DomainError::precondition(
                "NOT_IN_GROUP",
                self.name(),
                format!("该意见不属于集中意见 {group_id} (the comment is not in this group)"),
            ));
        }
        self.group_id = None;
        Ok(())
    }
}

/// The answer that applies to `comment`: its group's if grouped, else its own.
pub fn effective_disposition<'a>(
    comment: &'a Comment,
    group: Option<&'a OpinionGroup>,
) -> Option<&'a Disposition> {
    match &comment.group_id {
        Some(_) => group.and_then(|g| g.disposition.as_ref()),
        None => comment.disposition.as_ref(),
    }
}

/// How far answering has come (the officer's progress view).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    /// Every comment received.
    pub received: u64,
    /// Comments hidden by moderation.
    pub hidden: u64,
    /// Visible comments with an answer (direct or through their group).
    pub answered: u64,
    /// Visible comments still without an answer.
    pub unanswered: u64,
    /// Visible comments in a concentrated opinion.
    pub grouped: u64,
    /// Concentrated opinions with at least one visible member.
    pub groups: u64,
    /// Of those, the answered ones.
    pub groups_answered: u64,
    /// Hidden comments by reason.
    pub hidden_by_reason: BTreeMap<HideReason, u64>,
    /// Visible comments by outcome.
    pub by_outcome: BTreeMap<Outcome, u64>,
}

/// The comments and groups of one consultation, as answering sees them.
#[derive(Debug, Clone, Copy)]
pub struct AnsweringView<'a> {
    /// Every comment of the consultation.
    pub comments: &'a [Comment],
    /// Every opinion group of the consultation.
    pub groups: &'a [OpinionGroup],
}

impl<'a> AnsweringView<'a> {
    /// Groups by id.
    pub fn group_index(&self) -> HashMap<&'a str, &'a OpinionGroup> {
        self.groups.iter().map(|g| (g.id.as_str(), g)).collect()
    }

    /// The progress of answering.
    pub fn progress(&self) -> Progress {
        let groups = self.group_index();
        let mut p = Progress {
            received: self.comments.len() as u64,
            ..Progress::default()
        };
        let mut live_groups: BTreeMap<&str, bool> = BTreeMap::new();
        for c in self.comments {
            if let Some(m) = &c.moderation {
                p.hidden += 1;
                *p.hidden_by_reason.entry(m.reason).or_default() += 1;
                continue;
            }
            let group = c.group_id.as_deref().and_then(|g| groups.get(g).copied());
            if let Some(g) = group {
                p.grouped += 1;
                live_groups.insert(&g.id, g.disposition.is_some());
            }
            match effective_disposition(c, group) {
                Some(d) => {
                    p.answered += 1;
                    *p.by_outcome.entry(d.answer.outcome).or_default() += 1;
                }
                None => p.unanswered += 1,
            }
        }
        p.groups = live_groups.len() as u64;
        p.groups_answered = live_groups.values().filter(|a| **a).count() as u64;
        p
    }

    /// What the deliberation gate finds missing (empty when it may be passed).
    pub fn missing_for_deliberation(
        &self,
        consultation: &Consultation,
    ) -> Vec<PreconditionViolation> {
        let subject = format!("consultations/{}", consultation.id);
        let groups = self.group_index();
        let mut unanswered = Vec::new();
        let mut incomplete = Vec::new();
        let mut unanswered_groups: BTreeMap<&str, ()> = BTreeMap::new();
        let mut enterprise = false;
        let mut association = false;
        for c in self.comments.iter().filter(|c| c.is_visible()) {
            match c.body.submitter_category {
                SubmitterCategory::Enterprise => enterprise = true,
                SubmitterCategory::IndustryAssociation => association = true,
                _ => {}
            }
            let group = c.group_id.as_deref().and_then(|g| groups.get(g).copied());
            match effective_disposition(c, group) {
                None => match (&c.group_id, group) {
                    (Some(_), Some(g)) => {
                        unanswered_groups.insert(&g.id, ());
                    }
                    _ => unanswered.push(c.id.as_str()),
                },
                Some(d) if !d.answer.is_complete() => incomplete.push(c.id.as_str()),
                Some(_) => {}
            }
        }
        let mut missing = Vec::new();
        if !unanswered.is_empty() {
            missing.push(PreconditionViolation::new(
                "UNANSWERED_COMMENTS",
                subject.clone(),
                format!(
                    "尚有{}条意见未答复，例如：{} ({} comments have no disposition)",
                    unanswered.len(),
                    first_ids(&unanswered),
                    unanswered.len()
                ),
            ));
        }
        if !unanswered_groups.is_empty() {
            let ids: Vec<&str> = unanswered_groups.keys().copied().collect();
            missing.push(PreconditionViolation::new(
                "UNANSWERED_OPINION_GROUPS",
                subject.clone(),
                format!(
                    "尚有{}个集中意见未答复：{} ({} opinion groups have no disposition)",
                    ids.len(),
                    first_ids(&ids),
                    ids.len()
                ),
            ));
        }
        if !incomplete.is_empty() {
            missing.push(PreconditionViolation::new(
                "MISSING_REASON",
                subject.clone(),
                format!(
                    "{}条未采纳或部分采纳的意见缺少理由，例如：{} ({} answers lack a required reason)",
                    incomplete.len(),
                    first_ids(&incomplete),
                    incomplete.len()
                ),
            ));
        }
        if consultation.kind == ConsultationKind::EnterprisePolicy {
            if !enterprise {
                missing.push(PreconditionViolation::new(
                    "NO_ENTERPRISE_INPUT",
                    subject.clone(),
                    "涉企政策须听取企业意见：尚无来自企业的意见或座谈记录 (an ENTERPRISE_POLICY needs input from an ENTERPRISE)",
                ));
            }
            if !association {
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

fn first_ids(ids: &[&str]) -> String {
    let mut s = ids
        .iter()
        .take(LISTED_IDS)
        .copied()
        .collect::<Vec<_>>()
        .join("、");
    if ids.len() > LISTED_IDS {
        s.push_str(&format!(" 等 (and {} more)", ids.len() - LISTED_IDS));
    }
    s
}

pub mod bulk;
pub mod tally;

#[cfg(test)]
pub(crate) mod tests;
