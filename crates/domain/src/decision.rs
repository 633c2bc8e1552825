//! After the window: the deliberation gate, the decision document, and publishing the feedback
//! report within 20 working days (Disclosure Regulation art. 26), with versioned corrections.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::answering::tally::AnsweringTally;
use crate::calendar::Calendar;
use crate::consultation::{Consultation, ConsultationState, check_reason, is_meaningful};
use crate::error::{DomainError, Violations};
use crate::hearing::{Hearing, hearing_gate};
use crate::window::local_date;

/// Working days after the decision date within which the feedback report is due.
pub const FEEDBACK_DUE_WORKING_DAYS: u32 = 20;
/// Longest decision number or title, in characters.
pub const DECISION_FIELD_MAX_CHARS: usize = 200;

/// The decision document (决策文件) that ends the consultation's deliberation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionDocument {
    /// Document number (文号), e.g. `赣府发〔2026〕12号`.
    pub number: String,
    /// Title of the document.
    pub title: String,
    /// Date of the decision, local (Asia/Shanghai).
    pub decided_on: NaiveDate,
    /// The officer who recorded it.
    pub recorded_by: String,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
    /// Where the decision's full text is published (`https://…`); empty when not given.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub text_url: String,
}

/// The decision document as an officer records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecisionFields<'a> {
    /// 文号.
    pub number: &'a str,
    /// Title.
    pub title: &'a str,
    /// Where its full text is published; may be empty.
    pub text_url: &'a str,
    /// Local date of the decision.
    pub decided_on: NaiveDate,
}

/// Longest address of a decision's published text.
pub const TEXT_URL_MAX_CHARS: usize = 500;

/// Checks the address of a published text: `http(s)://` and nothing a page could misuse.
pub fn check_text_url(url: &str) -> Result<String, &'static str> {
    let url = url.trim();
    if url.is_empty() {
        return Ok(String::new());
    }
    let lower = url.to_ascii_lowercase();
    let host = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"));
    match host {
        Some(h)
            if !h.is_empty()
                && !h.starts_with('/')
                && url.chars().count() <= TEXT_URL_MAX_CHARS
                && url.chars().all(|c| {
                    c.is_ascii_graphic() && !matches!(c, '"' | '<' | '>' | '\\' | '`')
                }) =>
        {
            Ok(url.to_owned())
        }
        _ => Err(
            "须为以 https:// 或 http:// 开头的网址，不超过500个字符 (must be an http(s) URL of at most 500 characters)",
        ),
    }
}

/// What the gate needs to know of hearings: whether the consultation's catalogue item requires
/// one, and the consultation's hearings.
#[derive(Debug, Clone, Copy, Default)]
pub struct HearingsNeeded<'a> {
    /// The catalogue item requires a hearing (是否听证).
    pub required: bool,
    /// The consultation's hearings.
    pub held: &'a [Hearing],
}

/// Where a decided consultation stands with its feedback deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FeedbackDeadline {
    /// Due on this day or later.
    Due(NaiveDate),
    /// Past this day and not yet published.
    Overdue(NaiveDate),
    /// The calendar of the due year is not loaded: due on this day by weekends alone, to be
    /// confirmed once the year's notice is loaded.
    Provisional(NaiveDate),
    /// The date cannot be computed.
    Unknown,
}

impl Consultation {
    /// Passes the deliberation gate (上会前置条件): every visible comment and group answered,
    /// for enterprise policies both kinds of business input, and, when the catalogue item
    /// requires a hearing, a hearing whose record every participant confirmed.
    pub fn mark_ready(
        &mut self,
        tally: &AnsweringTally,
        hearings: HearingsNeeded<'_>,
        now: DateTime<Utc>,
    ) -> Result<(), DomainError> {
        let state = self.state(now);
        if state != ConsultationState::Closed {
            return Err(DomainError::precondition(
                "NOT_CLOSED",
                format!("consultations/{}", self.id),
                format!(
                    "只有已截止的事项可以提交上会，当前状态为{} (only a CLOSED consultation can become READY_FOR_DELIBERATION; it is {})",
                    state.label(),
                    state.code()
                ),
            ));
        }
        let mut missing = tally.missing_for_deliberation(self);
        missing.extend(hearing_gate(
            &self.id,
            hearings.required,
            hearings.held,
            now,
        ));
        if !missing.is_empty() {
            return Err(DomainError::FailedPrecondition(missing));
        }
        self.stored_state = ConsultationState::ReadyForDeliberation;
        self.ready_at = Some(now);
        self.updated_at = now;
        Ok(())
    }

    /// Records (or, before publication, revises) the decision document and computes the due
    /// date of the feedback report.
    pub fn record_decision(
        &mut self,
        fields: DecisionFields<'_>,
        officer: &str,
        now: DateTime<Utc>,
        calendar: &Calendar,
    ) -> Result<(), DomainError> {
        let state = self.state(now);
        if !matches!(
            state,
            ConsultationState::ReadyForDeliberation | ConsultationState::Decided
        ) {
            return Err(DomainError::precondition(
                "NOT_READY_FOR_DELIBERATION",
                format!("consultations/{}", self.id),
                format!(
                    "通过上会前置检查后才能记录决策，当前状态为{} (a decision is recorded after READY_FOR_DELIBERATION; it is {})",
                    state.label(),
                    state.code()
                ),
            ));
        }
        let document = self.parse_decision(fields, officer, now)?;
        self.apply_decision(document, calendar);
        self.stored_state = ConsultationState::Decided;
        self.updated_at = now;
        Ok(())
    }

    fn parse_decision(
        &self,
        fields: DecisionFields<'_>,
        officer: &str,
        now: DateTime<Utc>,
    ) -> Result<DecisionDocument, DomainError> {
        let DecisionFields {
            number,
            title,
            text_url,
            decided_on,
        } = fields;
        let mut v = Violations::new();
        for (field, text, what) in [
            ("decision.number", number, "文号"),
            ("decision.title", title, "标题"),
        ] {
            let t = text.trim();
            if !is_meaningful(t) {
                v.push(
                    field,
                    format!("必须填写决策文件{what} ({field} is required)"),
                );
            } else if t.chars().count() > DECISION_FIELD_MAX_CHARS {
                v.push(
                    field,
                    format!("不能超过{DECISION_FIELD_MAX_CHARS}个字符 (at most {DECISION_FIELD_MAX_CHARS} characters)"),
                );
            }
        }
        let today = local_date(now);
        if decided_on > today {
            v.push(
                "decision.decide_date",
                format!("决策日期{decided_on}晚于今天{today} (the decision date is in the future)"),
            );
        }
        if let Some(closed) = self.closed_at.map(local_date)
            && decided_on < closed
        {
            v.push(
                "decision.decide_date",
                format!(
                    "决策日期{decided_on}早于征求意见截止日{closed} (the decision date is before the consultation closed)"
                ),
            );
        }
        let text_url = v.take(
            check_text_url(text_url).map_err(|e| DomainError::invalid("decision.text_uri", e)),
        );
        v.finish()?;
        Ok(DecisionDocument {
            number: number.trim().to_owned(),
            title: title.trim().to_owned(),
            decided_on,
            recorded_by: officer.to_owned(),
            recorded_at: now,
            text_url: text_url.unwrap_or_default(),
        })
    }

    fn apply_decision(&mut self, document: DecisionDocument, calendar: &Calendar) {
        let due = calendar.add_working_days(document.decided_on, FEEDBACK_DUE_WORKING_DAYS);
        self.warnings.retain(|w| !w.starts_with(DUE_UNKNOWN));
        match due {
            Ok(d) => self.feedback_due_on = Some(d),
            Err(e) => {
                self.feedback_due_on = None;
                self.warnings.push(format!(
                    "{DUE_UNKNOWN}：{e} (calendar unknown: the feedback due date cannot be computed)"
                ));
            }
        }
        self.decision = Some(document);
    }

    /// Where the feedback deadline stands on local day `today`; `None` before a decision or
    /// after publication. A due date not yet stored is computed with `calendar` as it is now:
    /// confirmed if the year's notice has been loaded since the decision, provisional if not.
    pub fn feedback_deadline(
        &self,
        today: NaiveDate,
        calendar: &Calendar,
    ) -> Option<FeedbackDeadline> {
        if self.stored_state != ConsultationState::Decided {
            return None;
        }
        let due = self.feedback_due_on.map(Ok).or_else(|| {
            let decided_on = self.decision.as_ref()?.decided_on;
            Some(
                calendar
                    .add_working_days(decided_on, FEEDBACK_DUE_WORKING_DAYS)
                    .map_err(|_| {
                        calendar.provisional_working_days(decided_on, FEEDBACK_DUE_WORKING_DAYS)
                    }),
            )
        });
        Some(match due {
            Some(Ok(d)) if today > d => FeedbackDeadline::Overdue(d),
            Some(Ok(d)) => FeedbackDeadline::Due(d),
            Some(Err(Some(d))) => FeedbackDeadline::Provisional(d),
            Some(Err(None)) | None => FeedbackDeadline::Unknown,
        })
    }

    /// Stores the due date of a decided consultation whose date was unknown, now that
    /// `calendar` knows the year; returns whether it did.
    pub fn confirm_feedback_due(&mut self, calendar: &Calendar) -> bool {
        if self.stored_state != ConsultationState::Decided || self.feedback_due_on.is_some() {
            return false;
        }
        let Some(decided_on) = self.decision.as_ref().map(|d| d.decided_on) else {
            return false;
        };
        match calendar.add_working_days(decided_on, FEEDBACK_DUE_WORKING_DAYS) {
            Ok(d) => {
                self.feedback_due_on = Some(d);
                self.warnings.retain(|w| !w.starts_with(DUE_UNKNOWN));
                true
            }
            Err(_) => false,
        }
    }

    /// Whether the feedback report may be previewed: any time after the formal close.
    pub fn check_preview(&self, now: DateTime<Utc>) -> Result<(), DomainError> {
        let state = self.state(now);
        if matches!(
            state,
            ConsultationState::Closed
                | ConsultationState::ReadyForDeliberation
                | ConsultationState::Decided
                | ConsultationState::FeedbackPublished
        ) {
            return Ok(());
        }
        Err(DomainError::precondition(
            "NOT_CLOSED",
            format!("consultations/{}", self.id),
            format!(
                "征求意见正式截止后才能预览反馈，当前状态为{} (the report can be previewed after the formal close; it is {})",
                state.label(),
                state.code()
            ),
        ))
    }

    /// Publishes the feedback report (version 1) once the decision is recorded.
    pub fn publish_feedback(&mut self, now: DateTime<Utc>) -> Result<u32, DomainError> {
        let state = self.state(now);
        if state != ConsultationState::Decided {
            let hint = if state == ConsultationState::FeedbackPublished {
                "反馈已公开，如需更正请发布更正版本 (already published; publish a correction instead)"
            } else {
                "须先记录决策文件 (record the decision first)"
            };
            return Err(DomainError::precondition(
                "NOT_DECIDED",
                format!("consultations/{}", self.id),
                format!(
                    "决策文件出台后才能公开采纳情况反馈，当前状态为{}；{hint} (feedback is published after the decision; it is {})",
                    state.label(),
                    state.code()
                ),
            ));
        }
        self.stored_state = ConsultationState::FeedbackPublished;
        self.feedback_version = 1;
        self.feedback_published_at = Some(now);
        self.updated_at = now;
        Ok(1)
    }

    /// Publishes a corrected version with a reason; earlier versions stay as they were. A
    /// corrected decision document may come with it.
    pub fn correct_feedback(
        &mut self,
        reason: &str,
        decision: Option<DecisionFields<'_>>,
        officer: &str,
        now: DateTime<Utc>,
        calendar: &Calendar,
    ) -> Result<u32, DomainError> {
        let state = self.state(now);
        if state != ConsultationState::FeedbackPublished {
            return Err(DomainError::precondition(
                "NOT_PUBLISHED",
                format!("consultations/{}", self.id),
                format!(
                    "只有已公开的反馈可以更正，当前状态为{} (only a published report can be corrected; it is {})",
                    state.label(),
                    state.code()
                ),
            ));
        }
        check_reason(reason, "更正必须说明理由 (a correction needs a reason)")?;
        if let Some(fields) = decision {
            let document = self.parse_decision(fields, officer, now)?;
            // The deadline was met or missed by the first publication; it is kept for the record.
            let due = self.feedback_due_on;
            self.apply_decision(document, calendar);
            self.feedback_due_on = due;
        }
        self.feedback_version += 1;
        self.updated_at = now;
        Ok(self.feedback_version)
    }
}

const DUE_UNKNOWN: &str = "反馈期限无法计算";

/// The publication deadline spelled out for people, e.g. for refusals and pages.
pub fn show_deadline(d: FeedbackDeadline) -> String {
    match d {
        FeedbackDeadline::Due(d) => format!("应于{d}前公开反馈"),
        FeedbackDeadline::Overdue(d) => format!("已超过反馈期限{d}"),
        FeedbackDeadline::Provisional(d) => {
            format!("暂按周末推算应于{d}前公开反馈（节假日安排载入后确定）")
        }
        FeedbackDeadline::Unknown => "节假日安排未载入，反馈期限未知".to_owned(),
    }
}
