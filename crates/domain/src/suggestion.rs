//! Suggested concentrated opinions (建议的集中意见): clusters of near-duplicate comments found by
//! [`crate::similarity`], which an officer accepts as an opinion group (a new one, or merged into
//! an existing one), splits, or dismisses. A suggestion only proposes: no comment changes until
//! an officer accepts it, and then exactly as if the officer had grouped the comments by hand.
//!
//! The rules here take counts the store makes with set-based SQL ([`MemberCensus`]), never the
//! members themselves, so that accepting a campaign of 400,000 comments costs what accepting
//! five does.

pub mod assigning;

use chrono::{DateTime, Utc};

use crate::answering::bulk::Affected;
use crate::answering::{GROUP_MIN_MEMBERS, OpinionGroup};
use crate::events::{
    AuditPayload, SuggestionAcceptedV1, SuggestionDismissedV1, SuggestionSplitV1,
    SuggestionsComputedV1,
};
use crate::names::vocabulary;
use crate::{Consultation, DomainError};

vocabulary! {
    /// Where an officer has got with a suggestion.
    SuggestionState {
        /// Not yet looked at: 待处理
        Open = "OPEN", "待处理";
        /// Accepted as an opinion group: 已采用
        Accepted = "ACCEPTED", "已采用";
        /// Not one opinion after all: 已忽略
        Dismissed = "DISMISSED", "已忽略";
    }
}

/// The fewest comments a computed cluster needs to be suggested: two copies are more often a
/// retry than a concentrated opinion (exact retries are found anyway by idempotency keys).
pub const SUGGESTION_MIN_MEMBERS: u64 = 3;

/// The members least like the representative kept with a suggestion.
pub const SUGGESTION_OUTLIERS: usize = 5;

/// Whether a comment is among those suggestions are made of: visible and in no opinion group
/// (a hidden comment is answered by its reason, a grouped one with its group).
pub fn is_comparable(hidden: bool, grouped: bool) -> bool {
    !hidden && !grouped
}

/// Whether a comment arriving may be placed in a suggestion: comparable, and in none yet.
pub fn may_be_placed(hidden: bool, grouped: bool, suggested: bool) -> bool {
    is_comparable(hidden, grouped) && !suggested
}

/// Whether a change made a comment comparable again (shown again, or released from a group):
/// suggestions kept up to date as comments arrive must then take it in.
pub fn became_comparable(before: &crate::Comment, after: &crate::Comment) -> bool {
    let comparable = |c: &crate::Comment| is_comparable(!c.is_visible(), c.group_id.is_some());
    !comparable(before) && comparable(after)
}

/// A suggested concentrated opinion.
#[derive(Debug, Clone, PartialEq)]
pub struct Suggestion {
    /// Its id.
    pub id: String,
    /// The consultation.
    pub consultation_id: String,
    /// Open, accepted or dismissed.
    pub state: SuggestionState,
    /// Members when computed (or split).
    pub members: u64,
    /// The member most like the others (its id).
    pub representative_id: String,
    /// The lowest estimated similarity of a member to the representative.
    pub similarity_low: f64,
    /// The median estimated similarity of the members to the representative.
    pub similarity_median: f64,
    /// The members least like the representative (ids), most different first.
    pub outlier_ids: Vec<String>,
    /// The group it was accepted as.
    pub opinion_group_id: Option<String>,
    /// Who accepted or dismissed it.
    pub decided_by: Option<String>,
    /// When it was computed.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// What has become of a suggestion's members since it was computed, counted by the store.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MemberCensus {
    /// Members in all.
    pub members: u64,
    /// Members hidden since.
    pub hidden: u64,
    /// Members put in an opinion group since.
    pub grouped: u64,
    /// Members answered with an outcome other than the target group's answer.
    pub conflicting: u64,
}

impl MemberCensus {
    /// Members that can still join a group.
    pub fn available(&self) -> u64 {
        self.members.saturating_sub(self.hidden + self.grouped)
    }
}

impl Suggestion {
    /// `consultations/{consultation}/suggestions/{suggestion}`.
    pub fn name(&self) -> String {
        format!(
            "consultations/{}/suggestions/{}",
            self.consultation_id, self.id
        )
    }

    fn check_open(&self) -> Result<(), DomainError> {
        if self.state == SuggestionState::Open {
            return Ok(());
        }
        Err(DomainError::precondition(
            "SUGGESTION_DECIDED",
            self.name(),
            format!(
                "该建议已处理（{}），不能再次处理 (the suggestion is already {})",
                self.state.label(),
                self.state.code()
            ),
        ))
    }

    /// Refuses a suggestion whose members changed since it was computed, saying what changed.
    pub fn check_fresh(&self, census: &MemberCensus) -> Result<(), DomainError> {
        if census.hidden == 0 && census.grouped == 0 && census.members == self.members {
            return Ok(());
        }
        let mut changes = Vec::new();
        if census.hidden > 0 {
            changes.push((
                format!("{}条意见已被屏蔽", census.hidden),
                format!("{} hidden", census.hidden),
            ));
        }
        if census.grouped > 0 {
            changes.push((
                format!("{}条意见已归入集中意见", census.grouped),
                format!("{} grouped", census.grouped),
            ));
        }
        if census.members != self.members {
            changes.push((
                format!("成员由{}条变为{}条", self.members, census.members),
                format!("members {} → {}", self.members, census.members),
            ));
        }
        let (zh, en): (Vec<_>, Vec<_>) = changes.into_iter().unzip();
        Err(DomainError::precondition(
            "SUGGESTION_STALE",
            self.name(),
            format!(
                "建议计算后成员有变化：{}；请重新计算建议或拆分后再处理 (the suggestion changed since it \
                 was computed: {}; recompute suggestions or split it first)",
                zh.join("，"),
                en.join(", ")
            ),
        ))
    }

    /// Accepts the suggestion as `group` (new when `merged` is false): every member joins it.
    /// Returns the audit payload once the store knows what the members were.
    pub fn accept(
        &mut self,
        consultation: &Consultation,
        census: &MemberCensus,
        group: &OpinionGroup,
        merged: bool,
        officer: &str,
        now: DateTime<Utc>,
    ) -> Result<(), DomainError> {
        consultation.check_grouping(now)?;
        self.check_open()?;
        self.check_fresh(census)?;
        if group.consultation_id != self.consultation_id {
            return Err(DomainError::invalid(
                "opinion_group",
                "集中意见属于另一征求意见事项 (the group belongs to another consultation)",
            ));
        }
        if census.conflicting > 0 {
            let outcome = group
                .disposition
                .as_ref()
                .map(|d| d.answer.outcome.label())
                .unwrap_or_default();
            return Err(DomainError::precondition(
                "CONFLICTING_DISPOSITION",
                self.name(),
                format!(
                    "建议中有{}条意见的答复与集中意见的答复“{outcome}”冲突；请先统一答复 ({} members \
                     are answered differently from the group)",
                    census.conflicting, census.conflicting
                ),
            ));
        }
        if !merged {
            OpinionGroup::check_new_members(census.available() as usize)?;
        }
        self.state = SuggestionState::Accepted;
        self.opinion_group_id = Some(group.id.clone());
        self.decided_by = Some(officer.to_owned());
        self.updated_at = now;
        Ok(())
    }

    /// The audit payload of an acceptance the store has run.
    pub fn accepted(&self, group: &OpinionGroup, merged: bool, affected: Affected) -> AuditPayload {
        AuditPayload::SuggestionAccepted(SuggestionAcceptedV1 {
            suggestion: self.name(),
            opinion_group: group.name(),
            merged,
            affected,
        })
    }

    /// Dismisses the suggestion: its members are not one opinion. They stay as they are and are
    /// not suggested together again.
    pub fn dismiss(
        &mut self,
        consultation: &Consultation,
        officer: &str,
        now: DateTime<Utc>,
    ) -> Result<AuditPayload, DomainError> {
        consultation.check_grouping(now)?;
        self.check_open()?;
        self.state = SuggestionState::Dismissed;
        self.decided_by = Some(officer.to_owned());
        self.updated_at = now;
        Ok(AuditPayload::SuggestionDismissed(SuggestionDismissedV1 {
            suggestion: self.name(),
            members: self.members,
        }))
    }

    /// Splits `found` of the `listed` comments off into a new open suggestion `new_id`; both
    /// parts keep at least two members. `found` counts the listed comments that are members.
    pub fn split(
        &mut self,
        consultation: &Consultation,
        listed: usize,
        found: u64,
        new_id: String,
        now: DateTime<Utc>,
    ) -> Result<Suggestion, DomainError> {
        consultation.check_grouping(now)?;
        self.check_open()?;
        if found != listed as u64 {
            return Err(DomainError::invalid(
                "comments",
                format!(
                    "所列{listed}条意见中有{}条不是该建议的成员 ({} of the {listed} listed \
                     comments are not members)",
                    listed as u64 - found.min(listed as u64),
                    listed as u64 - found.min(listed as u64)
                ),
            ));
        }
        let rest = self.members.saturating_sub(found);
        if found < GROUP_MIN_MEMBERS || rest < GROUP_MIN_MEMBERS {
            return Err(DomainError::invalid(
                "comments",
                format!(
                    "拆分后两部分都至少须有{GROUP_MIN_MEMBERS}条意见（拆出{found}条，余下{rest}条）\
                     (both parts keep at least {GROUP_MIN_MEMBERS} comments: {found} split off, \
                     {rest} left)"
                ),
            ));
        }
        self.members = rest;
        self.updated_at = now;
        Ok(Suggestion {
            id: new_id,
            consultation_id: self.consultation_id.clone(),
            state: SuggestionState::Open,
            members: found,
            representative_id: String::new(),
            similarity_low: 0.0,
            similarity_median: 0.0,
            outlier_ids: Vec::new(),
            opinion_group_id: None,
            decided_by: None,
            created_at: now,
            updated_at: now,
        })
    }

    /// The audit payload of a split the store has run.
    pub fn split_off(&self, part: &Suggestion, affected: Affected) -> AuditPayload {
        AuditPayload::SuggestionSplit(SuggestionSplitV1 {
            suggestion: self.name(),
            split_off_as: part.name(),
            affected,
        })
    }
}

/// Checks that suggestions of `consultation` may be computed now: while opinion groups may
/// change.
pub fn check_computable(
    consultation: &Consultation,
    now: DateTime<Utc>,
) -> Result<(), DomainError> {
    consultation.check_grouping(now)
}

/// The audit payload of a computation.
pub fn computed(
    comments_compared: u64,
    suggestions_replaced: u64,
    suggestions: u64,
    comments_suggested: u64,
) -> AuditPayload {
    AuditPayload::SuggestionsComputed(SuggestionsComputedV1 {
        comments_compared,
        suggestions_replaced,
        suggestions,
        comments_suggested,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn suggestion(members: u64) -> Suggestion {
        let at = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap();
        Suggestion {
            id: "S1".into(),
            consultation_id: "C1".into(),
            state: SuggestionState::Open,
            members,
            representative_id: "a".into(),
            similarity_low: 0.5,
            similarity_median: 0.8,
            outlier_ids: vec![],
            opinion_group_id: None,
            decided_by: None,
            created_at: at,
            updated_at: at,
        }
    }

    #[test]
    fn a_stale_suggestion_names_what_changed() {
        let s = suggestion(10);
        assert!(
            s.check_fresh(&MemberCensus {
                members: 10,
                ..MemberCensus::default()
            })
            .is_ok()
        );
        let err = s
            .check_fresh(&MemberCensus {
                members: 10,
                hidden: 1,
                grouped: 2,
                conflicting: 0,
            })
            .unwrap_err();
        let DomainError::FailedPrecondition(v) = err else {
            panic!("not a precondition: {err:?}")
        };
        assert_eq!(v[0].rule, "SUGGESTION_STALE");
        assert_eq!(v[0].subject, "consultations/C1/suggestions/S1");
        assert!(
            v[0].description.contains("1条意见已被屏蔽"),
            "{}",
            v[0].description
        );
        assert!(
            v[0].description.contains("2条意见已归入集中意见"),
            "{}",
            v[0].description
        );
    }

    #[test]
    fn a_split_keeps_two_members_on_each_side_and_only_members() {
        let (c, at) = crate::answering::tests::closed(crate::ConsultationKind::Plan);
        let mut s = suggestion(5);
        s.consultation_id = c.id.clone();
        let e = s.split(&c, 3, 2, "S2".into(), at).unwrap_err();
        assert!(matches!(&e, DomainError::InvalidArgument(v) if v[0].field == "comments"));
        let e = s.split(&c, 4, 4, "S2".into(), at).unwrap_err();
        assert!(format!("{e}").contains("余下1条"), "{e}");
        let part = s.split(&c, 2, 2, "S2".into(), at).unwrap();
        assert_eq!((s.members, part.members), (3, 2));
        assert_eq!(part.state, SuggestionState::Open);
    }

    #[test]
    fn a_decided_suggestion_cannot_be_decided_again() {
        let (c, at) = crate::answering::tests::closed(crate::ConsultationKind::Plan);
        let mut s = suggestion(5);
        s.dismiss(&c, "officer", at).unwrap();
        assert_eq!(s.state, SuggestionState::Dismissed);
        let e = s.dismiss(&c, "officer", at).unwrap_err();
        assert!(
            matches!(&e, DomainError::FailedPrecondition(v) if v[0].rule == "SUGGESTION_DECIDED")
        );
    }
}
