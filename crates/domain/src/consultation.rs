//! A consultation and its lifecycle: DRAFT → SCHEDULED → OPEN → CLOSED, or WITHDRAWN.
//! Every transition checks its rule here and returns what changed; storage only records it.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::calendar::Calendar;
use crate::comment::Channel;
use crate::decision::DecisionDocument;
use crate::error::{DomainError, PreconditionViolation, Violations};
use crate::names::vocabulary;
use crate::window::{earliest_close, show_local};

vocabulary! {
    /// What kind of decision is consulted on (事项类型).
    ConsultationKind {
        /// 重大行政决策
        MajorDecision = "MAJOR_DECISION", "重大行政决策";
        /// 规章
        Rule = "RULE", "规章";
        /// 行政规范性文件
        NormativeDocument = "NORMATIVE_DOCUMENT", "行政规范性文件";
        /// 涉企政策
        EnterprisePolicy = "ENTERPRISE_POLICY", "涉企政策";
        /// 规划
        Plan = "PLAN", "规划";
    }
}

vocabulary! {
    /// Where a consultation is in its lifecycle.
    ConsultationState {
        /// Editable, not public.
        Draft = "DRAFT", "草稿";
        /// Published, waiting for `opens_at`.
        Scheduled = "SCHEDULED", "待开始";
        /// Accepting comments.
        Open = "OPEN", "征求意见中";
        /// Comments are frozen; officers answer them.
        Closed = "CLOSED", "已截止";
        /// Every comment answered; may go to the decision meeting.
        ReadyForDeliberation = "READY_FOR_DELIBERATION", "待上会";
        /// The decision document is recorded.
        Decided = "DECIDED", "已决策";
        /// The feedback report is public.
        FeedbackPublished = "FEEDBACK_PUBLISHED", "已反馈";
        /// Withdrawn with a reason.
        Withdrawn = "WITHDRAWN", "已撤回";
    }
}

/// Longest title, in characters.
pub const TITLE_MAX_CHARS: usize = 200;
/// Longest reason (shortening, extension, withdrawal), in characters.
pub const REASON_MAX_CHARS: usize = 2_000;
/// Longest material text (draft, basis, explanation), in characters.
pub const MATERIAL_MAX_CHARS: usize = 500_000;
/// How far in the past a requested `opens_at` may lie and still mean "now".
pub const OPENS_AT_GRACE: Duration = Duration::minutes(5);

/// One extension of the window, as shown publicly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Extension {
    /// `closes_at` before the extension.
    pub previous_closes_at: DateTime<Utc>,
    /// `closes_at` after the extension.
    pub closes_at: DateTime<Utc>,
    /// Why the window was extended.
    pub reason: String,
    /// The officer who extended it.
    pub extended_by: String,
    /// When it was extended.
    pub extended_at: DateTime<Utc>,
}

/// A draft decision open (or to be opened) for public comment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Consultation {
    /// Identifier, the `{id}` of `consultations/{id}`.
    pub id: String,
    /// Responsible department (承办部门) code.
    pub department: String,
    /// Kind of decision.
    pub kind: ConsultationKind,
    /// Title of the draft.
    pub title: String,
    /// The draft text (决策草案).
    pub draft_text: String,
    /// Its legal basis (决策依据).
    pub basis: String,
    /// The drafting explanation (起草说明).
    pub explanation: String,
    /// Channels on which comments are collected.
    pub channels: Vec<Channel>,
    /// Start of the window.
    pub opens_at: Option<DateTime<Utc>>,
    /// End of the window (exclusive).
    pub closes_at: Option<DateTime<Utc>>,
    /// Why the window is shorter than 30 days; only settable before publication.
    pub shortened_reason: String,
    /// Stored state; `Scheduled` turns `Open` by time alone, see [`Consultation::state`].
    pub stored_state: ConsultationState,
    /// Extensions of the window, oldest first.
    pub extensions: Vec<Extension>,
    /// Why it was withdrawn.
    pub withdrawal_reason: String,
    /// Warnings recorded at publication (e.g. an unknown calendar year).
    pub warnings: Vec<String>,
    /// The officer who created it.
    pub created_by: String,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// Publication time.
    pub published_at: Option<DateTime<Utc>>,
    /// Formal close.
    pub closed_at: Option<DateTime<Utc>>,
    /// Withdrawal time.
    pub withdrawn_at: Option<DateTime<Utc>>,
    /// When the deliberation gate was passed.
    pub ready_at: Option<DateTime<Utc>>,
    /// The decision document, once recorded.
    pub decision: Option<DecisionDocument>,
    /// Last day on which the feedback report is due (20 working days after the decision).
    pub feedback_due_on: Option<NaiveDate>,
    /// Latest published version of the feedback report (0: none yet).
    pub feedback_version: u32,
    /// First publication of the feedback report.
    pub feedback_published_at: Option<DateTime<Utc>>,
    /// The decision catalogue item it carries out, `catalogues/{catalogue}/items/{item}`, or
    /// empty; a `MAJOR_DECISION` needs one at publication.
    #[serde(default)]
    pub catalogue_item: String,
    /// That item as its catalogue named it at publication, e.g.
    /// `南昌市人民政府2026年度重大行政决策事项目录（第1版）：南昌市养犬管理规定`; the report shows it.
    #[serde(default)]
    pub catalogue_item_label: String,
}

/// The fields an officer writes on a draft; `None` leaves a field unchanged.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DraftChanges {
    /// New title.
    pub title: Option<String>,
    /// New kind.
    pub kind: Option<ConsultationKind>,
    /// New draft text.
    pub draft_text: Option<String>,
    /// New basis.
    pub basis: Option<String>,
    /// New explanation.
    pub explanation: Option<String>,
    /// New channels.
    pub channels: Option<Vec<Channel>>,
    /// New start (outer `Some(None)` clears it).
    pub opens_at: Option<Option<DateTime<Utc>>>,
    /// New end (outer `Some(None)` clears it).
    pub closes_at: Option<Option<DateTime<Utc>>>,
    /// New shortening reason.
    pub shortened_reason: Option<String>,
    /// New catalogue item (empty: none).
    pub catalogue_item: Option<String>,
}

impl Consultation {
    /// A new draft of `department`, created by `officer` at `now`.
    pub fn create(
        id: String,
        department: String,
        kind: ConsultationKind,
        changes: DraftChanges,
        officer: &str,
        now: DateTime<Utc>,
    ) -> Result<Self, DomainError> {
        let mut v = Violations::new();
        if changes.title.as_deref().is_none_or(|t| t.trim().is_empty()) {
            v.push("consultation.title", "标题不能为空 (title is required)");
        }
        if department.trim().is_empty() {
            v.push(
                "consultation.department",
                "承办部门不能为空 (department is required)",
            );
        }
        v.finish()?;
        let mut c = Consultation {
            id,
            department,
            kind,
            title: String::new(),
            draft_text: String::new(),
            basis: String::new(),
            explanation: String::new(),
            channels: Vec::new(),
            opens_at: None,
            closes_at: None,
            shortened_reason: String::new(),
            stored_state: ConsultationState::Draft,
            extensions: Vec::new(),
            withdrawal_reason: String::new(),
            warnings: Vec::new(),
            created_by: officer.to_owned(),
            created_at: now,
            updated_at: now,
            published_at: None,
            closed_at: None,
            withdrawn_at: None,
            ready_at: None,
            decision: None,
            feedback_due_on: None,
            feedback_version: 0,
            feedback_published_at: None,
            catalogue_item: String::new(),
            catalogue_item_label: String::new(),
        };
        c.apply(changes)?;
        Ok(c)
    }

    /// Whole days until the close while comments are taken, a part of a day counting as one
    /// (`1` until the last minute); `None` when not open or past the close.
    pub fn days_left(&self, now: DateTime<Utc>) -> Option<u64> {
        self.closes_at
            .filter(|close| self.state(now) == ConsultationState::Open && *close > now)
            .map(|close| {
                (close - now)
                    .num_minutes()
                    .max(0)
                    .unsigned_abs()
                    .div_ceil(24 * 60)
            })
    }

    /// The state at `now`: a published consultation is open once `opens_at` has come.
    pub fn state(&self, now: DateTime<Utc>) -> ConsultationState {
        match (self.stored_state, self.opens_at) {
            (ConsultationState::Scheduled, Some(o)) if now >= o => ConsultationState::Open,
            (s, _) => s,
        }
    }

    /// Whether the public may see it: once published, even if later withdrawn.
    pub fn is_public(&self) -> bool {
        self.published_at.is_some()
    }

    /// Whether the published window is shorter than the 30-day minimum.
    pub fn is_shortened(&self, calendar: &Calendar) -> bool {
        match (self.opens_at, self.original_closes_at()) {
            (Some(o), Some(c)) => c < earliest_close(o, calendar).closes_at,
            _ => false,
        }
    }

    /// `closes_at` as first published, before any extension.
    pub fn original_closes_at(&self) -> Option<DateTime<Utc>> {
        self.extensions
            .first()
            .map(|e| e.previous_closes_at)
            .or(self.closes_at)
    }

    /// Edits a draft; only a `DRAFT` may change.
    pub fn update(&mut self, changes: DraftChanges, now: DateTime<Utc>) -> Result<(), DomainError> {
        if self.stored_state != ConsultationState::Draft {
            return Err(DomainError::precondition(
                "NOT_A_DRAFT",
                format!("consultations/{}", self.id),
                format!(
                    "只有草稿可以修改，当前状态为{} (only a DRAFT can be updated; it is {}); 缩短理由等发布前材料不能在发布后补充",
                    self.state(now).label(),
                    self.state(now).code()
                ),
            ));
        }
        self.apply(changes)?;
        self.updated_at = now;
        Ok(())
    }

    fn apply(&mut self, ch: DraftChanges) -> Result<(), DomainError> {
        let mut v = Violations::new();
        if let Some(t) = &ch.title {
            let t = t.trim();
            if t.is_empty() {
                v.push("consultation.title", "标题不能为空 (title is required)");
            } else if t.chars().count() > TITLE_MAX_CHARS {
                v.push(
                    "consultation.title",
                    format!("标题不能超过{TITLE_MAX_CHARS}个字符 (title too long)"),
                );
            }
        }
        for (field, text) in [
            ("consultation.draft_text", &ch.draft_text),
            ("consultation.basis", &ch.basis),
            ("consultation.explanation", &ch.explanation),
        ] {
            if text
                .as_ref()
                .is_some_and(|t| t.chars().count() > MATERIAL_MAX_CHARS)
            {
                v.push(
                    field,
                    format!("不能超过{MATERIAL_MAX_CHARS}个字符 (text too long)"),
                );
            }
        }
        if let Some(r) = &ch.shortened_reason
            && r.chars().count() > REASON_MAX_CHARS
        {
            v.push(
                "consultation.shortened_reason",
                format!("不能超过{REASON_MAX_CHARS}个字符 (reason too long)"),
            );
        }
        if let Some(item) = &ch.catalogue_item
            && !item.trim().is_empty()
            && catalogue_item_of(item.trim()).is_none()
        {
            v.push(
                "consultation.catalogue_item",
                "目录事项应为 catalogues/{目录标识}/items/{事项} (expected catalogues/{catalogue}/items/{item})",
            );
        }
        if let Some(chs) = &ch.channels {
            let mut seen = chs.clone();
            seen.sort();
            seen.dedup();
            if seen.len() != chs.len() {
                v.push(
                    "consultation.channels",
                    "渠道重复 (a channel is listed twice)",
                );
            }
        }
        let opens = ch.opens_at.unwrap_or(self.opens_at);
        let closes = ch.closes_at.unwrap_or(self.closes_at);
        if let (Some(o), Some(c)) = (opens, closes)
            && c <= o
        {
            v.push(
                "consultation.closes_at",
                format!(
                    "截止时间{}必须晚于开始时间{} (closes_at must be after opens_at)",
                    show_local(c),
                    show_local(o)
                ),
            );
        }
        v.finish()?;
        if let Some(t) = ch.title {
            self.title = t.trim().to_owned();
        }
        if let Some(k) = ch.kind {
            self.kind = k;
        }
        if let Some(t) = ch.draft_text {
            self.draft_text = t;
        }
        if let Some(t) = ch.basis {
            self.basis = t;
        }
        if let Some(t) = ch.explanation {
            self.explanation = t;
        }
        if let Some(c) = ch.channels {
            self.channels = c;
        }
        self.opens_at = opens;
        self.closes_at = closes;
        if let Some(r) = ch.shortened_reason {
            self.shortened_reason = r.trim().to_owned();
        }
        if let Some(item) = ch.catalogue_item {
            self.catalogue_item = item.trim().to_owned();
        }
        Ok(())
    }

    /// Publishes a draft: checks every material and the window rule (spec 3, 4).
    pub fn publish(&mut self, now: DateTime<Utc>, calendar: &Calendar) -> Result<(), DomainError> {
        let subject = format!("consultations/{}", self.id);
        if self.stored_state != ConsultationState::Draft {
            return Err(DomainError::precondition(
                "NOT_A_DRAFT",
                subject,
                format!(
                    "只有草稿可以发布，当前状态为{} (only a DRAFT can be published; it is {})",
                    self.state(now).label(),
                    self.state(now).code()
                ),
            ));
        }
        let mut missing = Vec::new();
        let mut need = |ok: bool, field: &str, what: &str| {
            if !ok {
                missing.push(PreconditionViolation::new(
                    "MATERIAL_MISSING",
                    format!("consultation.{field}"),
                    format!("发布前必须提供{what} (publishing requires {field})"),
                ));
            }
        };
        need(!self.title.trim().is_empty(), "title", "标题");
        need(!self.draft_text.trim().is_empty(), "draft_text", "决策草案");
        need(
            !self.basis.trim().is_empty() || !self.explanation.trim().is_empty(),
            "basis",
            "决策依据或起草说明",
        );
        need(!self.department.trim().is_empty(), "department", "承办部门");
        need(!self.channels.is_empty(), "channels", "意见征集渠道");

        let opens_at = match self.opens_at {
            None => now,
            Some(o) if o >= now => o,
            Some(o) if now - o <= OPENS_AT_GRACE => now,
            Some(o) => {
                missing.push(PreconditionViolation::new(
                    "OPENS_AT_IN_PAST",
                    "consultation.opens_at",
                    format!(
                        "开始时间{}已过，发布时开始时间不能早于当前时间{} (opens_at is in the past)",
                        show_local(o),
                        show_local(now)
                    ),
                ));
                o
            }
        };
        let earliest = earliest_close(opens_at, calendar);
        let closes_at = self.closes_at.unwrap_or(earliest.closes_at);
        if closes_at <= opens_at {
            missing.push(PreconditionViolation::new(
                "WINDOW_EMPTY",
                "consultation.closes_at",
                "截止时间必须晚于开始时间 (closes_at must be after opens_at)",
            ));
        } else if closes_at < earliest.closes_at && !is_meaningful(&self.shortened_reason) {
            missing.push(PreconditionViolation::new(
                "WINDOW_TOO_SHORT",
                "consultation.closes_at",
                format!(
                    "征求意见期限一般不少于30日：{}开始的征求意见最早应于{}截止，{}截止须在发布前填写缩短期限的理由 (window shorter than 30 days needs a shortened_reason set before publication; earliest close {})",
                    show_local(opens_at),
                    show_local(earliest.closes_at),
                    show_local(closes_at),
                    earliest.closes_at.to_rfc3339()
                ),
            ));
        }
        if !missing.is_empty() {
            return Err(DomainError::FailedPrecondition(missing));
        }
        if let Some(year) = earliest.unknown_year {
            self.warnings.push(format!(
                "{year}年节假日安排尚未载入，未核对截止日是否为法定休假日 (calendar unknown for {year}: holiday roll-forward not checked)"
            ));
        }
        self.opens_at = Some(opens_at);
        self.closes_at = Some(closes_at);
        self.stored_state = ConsultationState::Scheduled;
        self.published_at = Some(now);
        self.updated_at = now;
        Ok(())
    }

    /// Moves `closes_at` later while the window is running (spec 3.5).
    pub fn extend(
        &mut self,
        new_closes_at: DateTime<Utc>,
        reason: &str,
        officer: &str,
        now: DateTime<Utc>,
    ) -> Result<(), DomainError> {
        let subject = format!("consultations/{}", self.id);
        let state = self.state(now);
        if !matches!(
            state,
            ConsultationState::Scheduled | ConsultationState::Open
        ) {
            return Err(DomainError::precondition(
                "NOT_OPEN",
                subject,
                format!(
                    "只有已发布且未截止的征求意见可以延期，当前状态为{} (only a SCHEDULED or OPEN consultation can be extended; it is {})",
                    state.label(),
                    state.code()
                ),
            ));
        }
        check_reason(reason, "延期必须说明理由 (an extension needs a reason)")?;
        let Some(current) = self.closes_at else {
            return Err(DomainError::precondition(
                "NOT_OPEN",
                subject,
                "没有截止时间 (no closes_at)",
            ));
        };
        if now >= current {
            return Err(DomainError::precondition(
                "WINDOW_ENDED",
                subject,
                format!(
                    "征求意见已于{}截止，不能再延期 (the window ended at {})",
                    show_local(current),
                    current.to_rfc3339()
                ),
            ));
        }
        if new_closes_at <= current {
            return Err(DomainError::precondition(
                "EXTENSION_NOT_LATER",
                "closes_at",
                format!(
                    "延期后的截止时间{}必须晚于当前截止时间{}；发布后不能缩短征求意见期 (closes_at may only move later than {})",
                    show_local(new_closes_at),
                    show_local(current),
                    current.to_rfc3339()
                ),
            ));
        }
        self.extensions.push(Extension {
            previous_closes_at: current,
            closes_at: new_closes_at,
            reason: reason.trim().to_owned(),
            extended_by: officer.to_owned(),
            extended_at: now,
        });
        self.closes_at = Some(new_closes_at);
        self.updated_at = now;
        Ok(())
    }

    /// Formally closes the window; never before `closes_at` (no early close).
    pub fn close(&mut self, now: DateTime<Utc>) -> Result<(), DomainError> {
        let subject = format!("consultations/{}", self.id);
        let state = self.state(now);
        if state != ConsultationState::Open {
            return Err(DomainError::precondition(
                "NOT_OPEN",
                subject,
                format!(
                    "只有征求意见中的事项可以截止，当前状态为{} (only an OPEN consultation can be closed; it is {})",
                    state.label(),
                    state.code()
                ),
            ));
        }
        let closes_at = self.closes_at.unwrap_or(now);
        if now < closes_at {
            return Err(DomainError::precondition(
                "NO_EARLY_CLOSE",
                subject,
                format!(
                    "征求意见期至{}，不能提前截止 (cannot close before closes_at {})",
                    show_local(closes_at),
                    closes_at.to_rfc3339()
                ),
            ));
        }
        self.stored_state = ConsultationState::Closed;
        self.closed_at = Some(now);
        self.updated_at = now;
        Ok(())
    }

    /// Withdraws with a reason, from DRAFT, SCHEDULED, OPEN or CLOSED.
    pub fn withdraw(&mut self, reason: &str, now: DateTime<Utc>) -> Result<(), DomainError> {
        let state = self.state(now);
        if !matches!(
            state,
            ConsultationState::Draft
                | ConsultationState::Scheduled
                | ConsultationState::Open
                | ConsultationState::Closed
        ) {
            return Err(DomainError::precondition(
                "CANNOT_WITHDRAW",
                format!("consultations/{}", self.id),
                format!(
                    "当前状态{}不能撤回 (a {} consultation cannot be withdrawn)",
                    state.label(),
                    state.code()
                ),
            ));
        }
        check_reason(reason, "撤回必须说明理由 (a withdrawal needs a reason)")?;
        self.stored_state = ConsultationState::Withdrawn;
        self.withdrawal_reason = reason.trim().to_owned();
        self.withdrawn_at = Some(now);
        self.updated_at = now;
        Ok(())
    }
}

/// Checks the `reason` field of a request: meaningful (else `missing`) and not too long.
pub fn check_reason(reason: &str, missing: &str) -> Result<(), DomainError> {
    if !is_meaningful(reason) {
        return Err(DomainError::invalid("reason", missing));
    }
    if reason.chars().count() > REASON_MAX_CHARS {
        return Err(DomainError::invalid(
            "reason",
            format!("理由不能超过{REASON_MAX_CHARS}个字符 (reason too long)"),
        ));
    }
    Ok(())
}

/// The catalogue and item of `catalogues/{catalogue}/items/{item}`.
pub fn catalogue_item_of(name: &str) -> Option<(&str, &str)> {
    let (catalogue, item) = name.strip_prefix("catalogues/")?.split_once("/items/")?;
    let plain = |s: &str| !s.is_empty() && s.len() <= 64 && !s.contains('/');
    (plain(catalogue) && plain(item)).then_some((catalogue, item))
}

/// A reason counts when it has at least two letters or ideographs (not only punctuation).
pub fn is_meaningful(reason: &str) -> bool {
    reason.chars().filter(|c| c.is_alphanumeric()).count() >= 2
}

#[cfg(test)]
mod tests;
