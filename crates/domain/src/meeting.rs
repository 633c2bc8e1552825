//! Meetings other than hearings where a consultation hears the public: symposiums (座谈会),
//! field visits (实地走访) and expert reviews (专家论证) before the decision, whose opinions
//! become comments on the matching channel, answered like any other; and the decision meeting
//! that representatives of the public attend (列席), recorded with who attended, by category,
//! and how the opinions they voiced there were handled ("代表列席和意见发表采纳情况向社会公开").
//!
//! Attendees are counted by category; a name is kept only with its holder's consent to
//! publication, so that everything recorded of a meeting is public.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::comment::{Channel, NewComment, SubmitterCategory};
use crate::error::Violations;
use crate::names::vocabulary;
use crate::representative::Representative;
use crate::{Consultation, ConsultationState, DomainError};

/// Longest title, opinions summary or handling, in characters.
pub const MEETING_TEXT_MAX_CHARS: usize = 2_000;
/// Most attendees' categories or consented names of one meeting.
pub const MEETING_MAX_ATTENDEE_ROWS: usize = 200;

vocabulary! {
    /// What kind of meeting.
    MeetingKind {
        /// 座谈会
        Symposium = "SYMPOSIUM", "座谈会";
        /// 实地走访
        FieldVisit = "FIELD_VISIT", "实地走访";
        /// 专家论证
        ExpertReview = "EXPERT_REVIEW", "专家论证";
        /// The decision meeting, attended by representatives of the public: 决策会议列席
        DecisionMeeting = "DECISION_MEETING", "决策会议列席";
    }
}

impl MeetingKind {
    /// The channel of the opinions heard at it.
    pub fn channel(self) -> Channel {
        match self {
            Self::Symposium => Channel::Symposium,
            Self::FieldVisit => Channel::FieldVisit,
            Self::ExpertReview => Channel::ExpertReview,
            Self::DecisionMeeting => Channel::MeetingAttendance,
        }
    }

    /// Whether its opinions are comments answered before the deliberation gate (all but the
    /// decision meeting, which comes after it).
    pub fn takes_comments(self) -> bool {
        self != Self::DecisionMeeting
    }
}

/// Attendees of one category.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attendees {
    /// Whom they represent.
    pub category: SubmitterCategory,
    /// How many attended.
    pub count: u32,
    /// Names of those who consented to their publication.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub consented_names: Vec<String>,
    /// Representatives invited from the unit's register (their ids) who attended: each counts
    /// in this category.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub representatives: Vec<String>,
}

/// What an officer records of a meeting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeetingRecord {
    /// What kind.
    pub kind: MeetingKind,
    /// When it was held.
    pub held_at: DateTime<Utc>,
    /// Its title, e.g. `企业代表座谈会`.
    pub title: String,
    /// Who attended, by category.
    pub attendees: Vec<Attendees>,
    /// For a decision meeting: what the attending representatives said (意见发表情况).
    pub opinions_summary: String,
    /// For a decision meeting: how it was handled (采纳情况).
    pub handling: String,
    /// The register of the consultation's department, against which invited representatives
    /// are checked (empty when none is named).
    pub register: Vec<Representative>,
}

/// A meeting of a consultation, as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Meeting {
    /// Its id.
    pub id: String,
    /// The consultation.
    pub consultation_id: String,
    /// What kind.
    pub kind: MeetingKind,
    /// When it was held.
    pub held_at: DateTime<Utc>,
    /// Its title.
    pub title: String,
    /// Who attended, by category.
    pub attendees: Vec<Attendees>,
    /// For a decision meeting: what the attending representatives said.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub opinions_summary: String,
    /// For a decision meeting: how it was handled.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub handling: String,
    /// The officer who recorded it.
    pub recorded_by: String,
    /// When.
    pub recorded_at: DateTime<Utc>,
}

impl Meeting {
    /// Records a meeting held on `consultation`: a symposium, field visit or expert review
    /// while its opinions can still be answered before the gate (published, not yet ready for
    /// deliberation); the decision meeting once the gate is passed, before the report.
    pub fn record(
        consultation: &Consultation,
        id: String,
        r: MeetingRecord,
        officer: &str,
        now: DateTime<Utc>,
    ) -> Result<Self, DomainError> {
        let mut v = Violations::new();
        v.require_text(
            "meeting.title",
            "会议名称",
            &r.title,
            MEETING_TEXT_MAX_CHARS,
        );
        if r.held_at > now {
            v.push(
                "meeting.held_at",
                "会议尚未举行，举行后再登记 (held_at is in the future)",
            );
        }
        if r.attendees.is_empty() || r.attendees.iter().all(|a| a.count == 0) {
            v.push(
                "meeting.attendees",
                "须登记参会人员类别和人数 (attendees by category are required)",
            );
        }
        if r.attendees.len() > MEETING_MAX_ATTENDEE_ROWS {
            v.push(
                "meeting.attendees",
                format!("最多{MEETING_MAX_ATTENDEE_ROWS}类 (at most {MEETING_MAX_ATTENDEE_ROWS})"),
            );
        }
        let mut attendees: Vec<Attendees> = Vec::new();
        for (i, a) in r.attendees.iter().enumerate() {
            let names: Vec<String> = a
                .consented_names
                .iter()
                .map(|n| n.trim().to_owned())
                .filter(|n| !n.is_empty())
                .collect();
            if names.len() > a.count as usize {
                v.push(
                    format!("meeting.attendees[{i}].consented_names"),
                    "公开姓名的人数多于参会人数 (more names than attendees)",
                );
            }
            if names.iter().any(|n| n.chars().count() > 100) {
                v.push(
                    format!("meeting.attendees[{i}].consented_names"),
                    "姓名不能超过100个字符 (a name has at most 100 characters)",
                );
            }
            if a.representatives.len() > a.count as usize {
                v.push(
                    format!("meeting.attendees[{i}].representatives"),
                    "代表库中的代表多于参会人数 (more representatives than attendees)",
                );
            }
            for (j, id) in a.representatives.iter().enumerate() {
                // Listed already: earlier in this row, or in an earlier row.
                let listed = a.representatives[..j].contains(id)
                    || r.attendees[..i]
                        .iter()
                        .any(|x| x.representatives.contains(id));
                let why = match r.register.iter().find(|p| p.id == *id) {
                    None => Some(format!("代表库中没有代表 {id} (not in the register)")),
                    Some(p) if !p.active => Some(format!("代表 {id} 已停用 (inactive)")),
                    Some(p) if p.category != a.category => Some(format!(
                        "代表 {id} 属于“{}”类别 (of another category)",
                        p.category.label()
                    )),
                    Some(_) if listed => Some(format!("代表 {id} 重复 (listed twice)")),
                    Some(_) => None,
                };
                if let Some(why) = why {
                    v.push(format!("meeting.attendees[{i}].representatives"), why);
                }
            }
            match attendees.iter_mut().find(|x| x.category == a.category) {
                Some(_) => v.push(
                    format!("meeting.attendees[{i}].category"),
                    "同一类别只登记一次 (one row per category)",
                ),
                None => attendees.push(Attendees {
                    category: a.category,
                    count: a.count,
                    consented_names: names,
                    representatives: a.representatives.clone(),
                }),
            }
        }
        if r.kind == MeetingKind::DecisionMeeting {
            v.require_text(
                "meeting.opinions_summary",
                "意见发表情况",
                &r.opinions_summary,
                MEETING_TEXT_MAX_CHARS,
            );
            v.require_text(
                "meeting.handling",
                "采纳情况",
                &r.handling,
                MEETING_TEXT_MAX_CHARS,
            );
        } else if !r.opinions_summary.trim().is_empty() || !r.handling.trim().is_empty() {
            v.push(
                "meeting.opinions_summary",
                "座谈会等会议的意见逐条登记为意见并答复 (opinions of this meeting are recorded as comments)",
            );
        }
        v.finish()?;
        let state = consultation.state(now);
        let allowed = if r.kind.takes_comments() {
            matches!(state, ConsultationState::Open | ConsultationState::Closed)
        } else {
            matches!(
                state,
                ConsultationState::ReadyForDeliberation | ConsultationState::Decided
            )
        };
        if !allowed {
            return Err(DomainError::precondition(
                "MEETING_OUT_OF_STAGE",
                format!("consultations/{}", consultation.id),
                if r.kind.takes_comments() {
                    format!(
                        "{}在征求意见期间或截止后、上会前登记，事项当前为“{}” (recorded between publication and the gate)",
                        r.kind.label(),
                        state.label()
                    )
                } else {
                    format!(
                        "决策会议列席在通过上会前置条件后、公开反馈前登记，事项当前为“{}” (recorded between the gate and the report)",
                        state.label()
                    )
                },
            ));
        }
        Ok(Self {
            id,
            consultation_id: consultation.id.clone(),
            kind: r.kind,
            held_at: r.held_at,
            title: r.title.trim().to_owned(),
            attendees,
            opinions_summary: r.opinions_summary.trim().to_owned(),
            handling: r.handling.trim().to_owned(),
            recorded_by: officer.to_owned(),
            recorded_at: now,
        })
    }

    /// The resource name of the meeting.
    pub fn name(&self) -> String {
        format!(
            "consultations/{}/meetings/{}",
            self.consultation_id, self.id
        )
    }

    /// How many attended.
    pub fn attendance(&self) -> u32 {
        self.attendees.iter().map(|a| a.count).sum()
    }

    /// An opinion voiced at the meeting, as the comment recording it: on the meeting's
    /// channel, linked to it.
    pub fn opinion(&self, mut comment: NewComment) -> Result<NewComment, DomainError> {
        if comment.channel != self.kind.channel() {
            return Err(DomainError::invalid(
                "comment.channel",
                format!(
                    "该会议的意见渠道为{} (the meeting's channel is {})",
                    self.kind.channel().label(),
                    self.kind.channel().code()
                ),
            ));
        }
        comment.meeting = Some(self.name());
        Ok(comment)
    }

    /// Whether opinions voiced at the meeting may be recorded at `now`: only for meetings
    /// before the gate, while it is not passed.
    pub fn admit_opinion(
        &self,
        consultation: &Consultation,
        now: DateTime<Utc>,
    ) -> Result<(), DomainError> {
        if !self.kind.takes_comments() {
            return Err(DomainError::precondition(
                "MEETING_TAKES_NO_COMMENTS",
                self.name(),
                "决策会议列席代表的意见登记在会议记录的“意见发表情况”中 (a decision meeting's opinions are summarised on it)",
            ));
        }
        let state = consultation.state(now);
        if !matches!(state, ConsultationState::Open | ConsultationState::Closed) {
            return Err(DomainError::precondition(
                "CONSULTATION_PAST_MEETINGS",
                format!("consultations/{}", consultation.id),
                format!(
                    "事项处于“{}”状态，会议意见应在上会前登记 (opinions are recorded before the gate)",
                    state.label()
                ),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
