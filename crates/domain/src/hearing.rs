//! Hearings (听证会) on a consultation, and their time rules: the notice of time, place and
//! matters published at least [`RULE_NOTICE_DAYS`] days before a hearing on a government
//! rule's draft (Rules Regulation art. 16) and before the hearing in every case; the list of
//! participants published before it is held; the materials delivered to each participant at
//! least [`MATERIALS_DAYS`] days before (Decree 713 art. 16); after the hearing, the record
//! (笔录) entered and confirmed by each participant (art. 17). A catalogue item that requires a
//! hearing holds the deliberation gate until one of its consultation's hearings has a record
//! every participant confirmed ([`hearing_gate`]).
//!
//! Days are calendar days between local (Asia/Shanghai) dates, the day of the act not counted
//! and the hearing's day not either: a notice on 9 September is 30 days before a hearing on 9
//! October, holidays in between included. Neither regulation moves these limits for days off;
//! a notice or a delivery on a holiday counts on the day it is made.

use chrono::{DateTime, Days, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::comment::{Channel, NewComment, SubmitterCategory};
use crate::window::{local_date, official_date};
use crate::{
    Consultation, ConsultationKind, ConsultationState, DomainError, PreconditionViolation,
};

/// Days before a hearing on a rule's draft by which its notice is published.
pub const RULE_NOTICE_DAYS: u64 = 30;
/// Days before a hearing by which each participant has its materials.
pub const MATERIALS_DAYS: u64 = 7;
/// Longest place, matters or selection method, in characters.
pub const HEARING_TEXT_MAX_CHARS: usize = 2_000;
/// Longest record, in characters.
pub const RECORD_MAX_CHARS: usize = 500_000;

/// What an officer plans: when and where, on what, and how participants are chosen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HearingPlan {
    /// When it is held.
    pub held_at: DateTime<Utc>,
    /// Where.
    pub place: String,
    /// The matters heard (听证事项).
    pub matters: String,
    /// How participants are chosen (参加人遴选办法).
    pub selection_method: String,
}

/// One participant of a hearing. The name is private (never published); the category is.
/// It is never serialised either: the store seals names apart, and audit events carry none.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Participant {
    /// Its id within the hearing.
    pub id: String,
    /// Whom it represents.
    pub category: SubmitterCategory,
    /// Its name (private).
    #[serde(skip)]
    pub name: String,
    /// When the materials were delivered.
    pub materials_delivered_at: Option<DateTime<Utc>>,
    /// When it confirmed (signed) the record.
    pub confirmed_at: Option<DateTime<Utc>>,
}

/// The record of a hearing (听证笔录).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HearingRecord {
    /// Its text.
    pub text: String,
    /// Who entered it.
    pub entered_by: String,
    /// When.
    pub entered_at: DateTime<Utc>,
}

/// A hearing on a consultation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hearing {
    /// Its id.
    pub id: String,
    /// The consultation.
    pub consultation_id: String,
    /// When, where, on what, and how participants are chosen.
    pub plan: HearingPlan,
    /// When its notice was published.
    pub notice_published_at: Option<DateTime<Utc>>,
    /// When its list of participants was published.
    pub participants_published_at: Option<DateTime<Utc>>,
    /// Its participants.
    pub participants: Vec<Participant>,
    /// Its record, once entered.
    pub record: Option<HearingRecord>,
}

/// How far a hearing has got, derived from what is recorded and the time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum HearingStage {
    /// Its time came without a notice: it could not be held (and never counts as held).
    Lapsed,
    /// Planned; the notice is not published.
    Planned,
    /// The notice is published.
    Announced,
    /// The list of participants is published too.
    ParticipantsPublished,
    /// Its time has come; no record yet.
    Held,
    /// The record is entered; not every participant has confirmed it.
    Recorded,
    /// Every participant confirmed the record.
    Confirmed,
}

impl HearingStage {
    /// The stage in Chinese, for officers and the report.
    pub fn label(self) -> &'static str {
        match self {
            Self::Lapsed => "未发布公告，未举行",
            Self::Planned => "已计划",
            Self::Announced => "已公告",
            Self::ParticipantsPublished => "已公布参加人",
            Self::Held => "已举行，待录入笔录",
            Self::Recorded => "笔录待确认",
            Self::Confirmed => "笔录已确认",
        }
    }
}

/// The local date `days` before `d`.
fn days_before(d: NaiveDate, days: u64) -> NaiveDate {
    d.checked_sub_days(Days::new(days))
        .unwrap_or(NaiveDate::MIN)
}

/// Whether `at` is at least `days` calendar days before the local date of `held_at`.
fn early_enough(at: DateTime<Utc>, held_at: DateTime<Utc>, days: u64) -> bool {
    local_date(at) <= days_before(local_date(held_at), days)
}

impl Hearing {
    /// Plans a hearing on `consultation`: only before it goes to the decision meeting, for a
    /// time to come.
    pub fn plan(
        consultation: &Consultation,
        id: String,
        plan: HearingPlan,
        now: DateTime<Utc>,
    ) -> Result<Self, DomainError> {
        let mut v = crate::error::Violations::new();
        v.require_text("place", "听证地点", &plan.place, HEARING_TEXT_MAX_CHARS);
        v.require_text("matters", "听证事项", &plan.matters, HEARING_TEXT_MAX_CHARS);
        v.require_text(
            "selection_method",
            "参加人遴选办法",
            &plan.selection_method,
            HEARING_TEXT_MAX_CHARS,
        );
        if plan.held_at <= now {
            v.push(
                "held_at",
                "听证会时间应晚于当前时间 (held_at must be in the future)",
            );
        }
        v.finish()?;
        check_consultation(consultation, now)?;
        Ok(Self {
            id,
            consultation_id: consultation.id.clone(),
            plan,
            notice_published_at: None,
            participants_published_at: None,
            participants: Vec::new(),
            record: None,
        })
    }

    /// The resource name of the hearing.
    pub fn name(&self) -> String {
        format!(
            "consultations/{}/hearings/{}",
            self.consultation_id, self.id
        )
    }

    /// Where the hearing has got at `now`.
    pub fn stage(&self, now: DateTime<Utc>) -> HearingStage {
        match &self.record {
            Some(_) if self.is_confirmed() => HearingStage::Confirmed,
            Some(_) => HearingStage::Recorded,
            None if now >= self.plan.held_at && self.notice_published_at.is_none() => {
                HearingStage::Lapsed
            }
            None if now >= self.plan.held_at => HearingStage::Held,
            None if self.participants_published_at.is_some() => HearingStage::ParticipantsPublished,
            None if self.notice_published_at.is_some() => HearingStage::Announced,
            None => HearingStage::Planned,
        }
    }

    /// Whether every participant confirmed the entered record.
    pub fn is_confirmed(&self) -> bool {
        self.record.is_some()
            && !self.participants.is_empty()
            && self.participants.iter().all(|p| p.confirmed_at.is_some())
    }

    fn before_the_hearing(&self, what: &str, now: DateTime<Utc>) -> Result<(), DomainError> {
        if now >= self.plan.held_at {
            return Err(DomainError::precondition(
                "HEARING_ALREADY_HELD",
                self.name(),
                format!(
                    "听证会已于{}举行，不能再{what} (the hearing has been held)",
                    crate::window::show_local(self.plan.held_at)
                ),
            ));
        }
        Ok(())
    }

    /// Publishes the notice (time, place, matters): before the hearing, and for a rule's
    /// draft at least [`RULE_NOTICE_DAYS`] days before it.
    pub fn publish_notice(
        &mut self,
        consultation: &Consultation,
        now: DateTime<Utc>,
    ) -> Result<(), DomainError> {
        check_consultation(consultation, now)?;
        if self.notice_published_at.is_some() {
            return Err(DomainError::precondition(
                "NOTICE_ALREADY_PUBLISHED",
                self.name(),
                "听证公告已发布 (the notice is already published)",
            ));
        }
        self.before_the_hearing("发布公告", now)?;
        if consultation.kind == ConsultationKind::Rule
            && !early_enough(now, self.plan.held_at, RULE_NOTICE_DAYS)
        {
            let latest = days_before(local_date(self.plan.held_at), RULE_NOTICE_DAYS);
            let earliest_hearing = local_date(now)
                .checked_add_days(Days::new(RULE_NOTICE_DAYS))
                .unwrap_or(NaiveDate::MAX);
            return Err(DomainError::precondition(
                "HEARING_NOTICE_TOO_LATE",
                self.name(),
                format!(
                    "规章草案的听证会应当在举行{RULE_NOTICE_DAYS}日前公布时间、地点和内容（《规章制定程序条例》第十六条）：\
                     {}举行的听证会最迟应于{}公告；今日公告的，听证会最早于{}举行 \
                     (a hearing on a rule's draft is announced at least {RULE_NOTICE_DAYS} days before)",
                    official_date(local_date(self.plan.held_at)),
                    official_date(latest),
                    official_date(earliest_hearing),
                ),
            ));
        }
        self.notice_published_at = Some(now);
        Ok(())
    }

    /// Adds a participant, while the list is not yet published; participants are numbered in
    /// the order they are added (1, 2, …), the number their name is known by in public.
    pub fn add_participant(
        &mut self,
        category: SubmitterCategory,
        name: &str,
        now: DateTime<Utc>,
    ) -> Result<&Participant, DomainError> {
        let mut v = crate::error::Violations::new();
        v.require_text("name", "参加人姓名", name, 100);
        v.finish()?;
        self.before_the_hearing("增加参加人", now)?;
        if self.participants_published_at.is_some() {
            return Err(DomainError::precondition(
                "PARTICIPANTS_ALREADY_PUBLISHED",
                self.name(),
                "参加人名单已公布，不能再增加参加人 (the list of participants is published)",
            ));
        }
        self.participants.push(Participant {
            id: (self.participants.len() + 1).to_string(),
            category,
            name: name.trim().to_owned(),
            materials_delivered_at: None,
            confirmed_at: None,
        });
        Ok(self.participants.last().expect("just pushed"))
    }

    /// Publishes the list of participants: after the notice, before the hearing, with at
    /// least one participant.
    pub fn publish_participants(&mut self, now: DateTime<Utc>) -> Result<(), DomainError> {
        self.before_the_hearing("公布参加人名单", now)?;
        if self.notice_published_at.is_none() {
            return Err(DomainError::precondition(
                "NOTICE_NOT_PUBLISHED",
                self.name(),
                "请先发布听证公告 (publish the notice first)",
            ));
        }
        if self.participants.is_empty() {
            return Err(DomainError::precondition(
                "NO_PARTICIPANTS",
                self.name(),
                "参加人名单为空 (the hearing has no participants)",
            ));
        }
        if self.participants_published_at.is_some() {
            return Err(DomainError::precondition(
                "PARTICIPANTS_ALREADY_PUBLISHED",
                self.name(),
                "参加人名单已公布 (the list of participants is already published)",
            ));
        }
        self.participants_published_at = Some(now);
        Ok(())
    }

    fn participant_mut(&mut self, id: &str) -> Result<&mut Participant, DomainError> {
        let name = format!("{}/participants/{id}", self.name());
        self.participants
            .iter_mut()
            .find(|p| p.id == id)
            .ok_or_else(|| DomainError::not_found(name))
    }

    /// Records that participant `id` received the materials at `delivered_at`: at least
    /// [`MATERIALS_DAYS`] days before the hearing, and not in the future.
    pub fn record_materials_delivered(
        &mut self,
        id: &str,
        delivered_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<(), DomainError> {
        if delivered_at > now {
            return Err(DomainError::invalid(
                "delivered_at",
                "送达时间不能晚于当前时间 (delivered_at is in the future)",
            ));
        }
        let held_at = self.plan.held_at;
        let hearing = self.name();
        let p = self.participant_mut(id)?;
        if !early_enough(delivered_at, held_at, MATERIALS_DAYS) {
            return Err(DomainError::precondition(
                "MATERIALS_TOO_LATE",
                format!("{hearing}/participants/{id}"),
                format!(
                    "听证会材料应当于召开听证会{MATERIALS_DAYS}日前送达参加人（《重大行政决策程序暂行条例》第十六条）：\
                     {}举行的听证会最迟应于{}送达，{}送达已不足{MATERIALS_DAYS}日 \
                     (materials reach each participant at least {MATERIALS_DAYS} days before the hearing)",
                    official_date(local_date(held_at)),
                    official_date(days_before(local_date(held_at), MATERIALS_DAYS)),
                    official_date(local_date(delivered_at)),
                ),
            ));
        }
        p.materials_delivered_at = Some(delivered_at);
        Ok(())
    }

    /// Enters the record once the hearing is held: its notice and list of participants were
    /// published and every participant had the materials. May be corrected until a
    /// participant confirms it.
    pub fn enter_record(
        &mut self,
        text: &str,
        officer: &str,
        now: DateTime<Utc>,
    ) -> Result<(), DomainError> {
        let mut v = crate::error::Violations::new();
        v.require_text("record", "听证笔录", text, RECORD_MAX_CHARS);
        v.finish()?;
        let mut missing = Vec::new();
        if now < self.plan.held_at {
            missing.push(PreconditionViolation::new(
                "HEARING_NOT_HELD",
                self.name(),
                format!(
                    "听证会将于{}举行，举行后才能录入笔录 (the hearing has not been held)",
                    crate::window::show_local(self.plan.held_at)
                ),
            ));
        }
        if self.notice_published_at.is_none() {
            missing.push(PreconditionViolation::new(
                "NOTICE_NOT_PUBLISHED",
                self.name(),
                "听证公告未发布 (the notice was never published)",
            ));
        }
        if self.participants_published_at.is_none() {
            missing.push(PreconditionViolation::new(
                "PARTICIPANTS_NOT_PUBLISHED",
                self.name(),
                "参加人名单未公布 (the list of participants was never published)",
            ));
        }
        for p in self
            .participants
            .iter()
            .filter(|p| p.materials_delivered_at.is_none())
        {
            missing.push(PreconditionViolation::new(
                "MATERIALS_NOT_DELIVERED",
                format!("{}/participants/{}", self.name(), p.id),
                format!(
                    "参加人{}（{}）的听证会材料未登记送达 (no delivery of materials recorded)",
                    p.id,
                    p.category.label()
                ),
            ));
        }
        if self.participants.iter().any(|p| p.confirmed_at.is_some()) {
            missing.push(PreconditionViolation::new(
                "RECORD_CONFIRMED",
                self.name(),
                "参加人已确认笔录，不能再修改 (participants have confirmed the record)",
            ));
        }
        if !missing.is_empty() {
            return Err(DomainError::FailedPrecondition(missing));
        }
        self.record = Some(HearingRecord {
            text: text.trim().to_owned(),
            entered_by: officer.to_owned(),
            entered_at: now,
        });
        Ok(())
    }

    /// Whether opinions voiced at the hearing may be recorded at `now`, as comments on the
    /// `HEARING` channel linked to it: once it is held (its notice published), and until the
    /// consultation goes to the decision meeting, whatever its window.
    pub fn admit_opinion(
        &self,
        consultation: &Consultation,
        now: DateTime<Utc>,
    ) -> Result<(), DomainError> {
        check_consultation(consultation, now)?;
        if now < self.plan.held_at {
            return Err(DomainError::precondition(
                "HEARING_NOT_HELD",
                self.name(),
                format!(
                    "听证会将于{}举行，举行后才能登记听证意见 (the hearing has not been held)",
                    crate::window::show_local(self.plan.held_at)
                ),
            ));
        }
        if self.notice_published_at.is_none() {
            return Err(DomainError::precondition(
                "NOTICE_NOT_PUBLISHED",
                self.name(),
                "听证公告未发布，该听证会不能登记意见 (the notice was never published)",
            ));
        }
        Ok(())
    }

    /// An opinion voiced at the hearing, as the comment recording it: on the `HEARING` channel,
    /// linked to the hearing.
    pub fn opinion(&self, mut comment: NewComment) -> Result<NewComment, DomainError> {
        if comment.channel != Channel::Hearing {
            return Err(DomainError::invalid(
                "comment.channel",
                "听证意见的渠道为听证会 (an opinion voiced at a hearing is on the HEARING channel)",
            ));
        }
        comment.meeting = Some(self.name());
        Ok(comment)
    }

    /// Whether the public may read of the hearing: once its notice is published.
    pub fn is_public(&self) -> bool {
        self.notice_published_at.is_some()
    }

    /// The hearing as the public reads it: `None` before its notice; its participants only
    /// once their list is published, and then without names; never the record (its stage is
    /// the hearing's own, see [`Hearing::stage`]).
    pub fn public_view(&self) -> Option<Hearing> {
        if !self.is_public() {
            return None;
        }
        let mut h = self.clone();
        h.record = None;
        if h.participants_published_at.is_none() {
            h.participants.clear();
        }
        for p in &mut h.participants {
            p.name.clear();
        }
        Some(h)
    }

    /// Records that participant `id` confirmed (signed) the record.
    pub fn confirm_record(&mut self, id: &str, now: DateTime<Utc>) -> Result<(), DomainError> {
        if self.record.is_none() {
            return Err(DomainError::precondition(
                "NO_RECORD",
                self.name(),
                "笔录尚未录入 (the record is not entered yet)",
            ));
        }
        let p = self.participant_mut(id)?;
        if p.confirmed_at.is_some() {
            return Err(DomainError::precondition(
                "ALREADY_CONFIRMED",
                format!("participants/{id}"),
                "该参加人已确认笔录 (this participant has already confirmed the record)",
            ));
        }
        p.confirmed_at = Some(now);
        Ok(())
    }
}

/// Hearings are planned and prepared only until the consultation goes to the decision meeting.
fn check_consultation(consultation: &Consultation, now: DateTime<Utc>) -> Result<(), DomainError> {
    match consultation.state(now) {
        ConsultationState::Draft
        | ConsultationState::Scheduled
        | ConsultationState::Open
        | ConsultationState::Closed => Ok(()),
        other => Err(DomainError::precondition(
            "CONSULTATION_PAST_HEARINGS",
            format!("consultations/{}", consultation.id),
            format!(
                "事项处于“{}”状态，不能再安排听证 (hearings are held before the decision meeting)",
                other.label()
            ),
        )),
    }
}

/// What the deliberation gate needs of hearings: when the consultation's catalogue item
/// requires a hearing, one of `hearings` with a record every participant confirmed; otherwise
/// what is missing, named after the hearing that got furthest.
pub fn hearing_gate(
    consultation_id: &str,
    hearing_required: bool,
    hearings: &[Hearing],
    now: DateTime<Utc>,
) -> Option<PreconditionViolation> {
    if !hearing_required || hearings.iter().any(Hearing::is_confirmed) {
        return None;
    }
    let furthest = hearings.iter().max_by_key(|h| h.stage(now));
    let (subject, description) = match furthest {
        None => (
            format!("consultations/{consultation_id}"),
            "决策事项目录要求听证，尚未安排听证会 (the catalogue requires a hearing; none is planned)"
                .to_owned(),
        ),
        Some(h) => {
            let unconfirmed: Vec<String> = h
                .participants
                .iter()
                .filter(|p| p.confirmed_at.is_none())
                .map(|p| format!("{}（{}）", p.id, p.category.label()))
                .collect();
            let what = match h.stage(now) {
                HearingStage::Recorded => {
                    format!("笔录尚待参加人确认：{}", unconfirmed.join("、"))
                }
                HearingStage::Held => "听证会已举行，笔录尚未录入".to_owned(),
                stage => format!("听证会{}，尚未举行", stage.label()),
            };
            (
                h.name(),
                format!(
                    "决策事项目录要求听证：{what} (the catalogue requires a hearing with a record every participant confirmed)"
                ),
            )
        }
    };
    Some(PreconditionViolation::new(
        "HEARING_REQUIRED",
        subject,
        description,
    ))
}

#[cfg(test)]
mod tests;
