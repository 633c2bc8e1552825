//! Events for other systems (the outbox): a consultation published, extended, closed,
//! withdrawn, made ready for deliberation or decided, its report published or corrected, a
//! catalogue published. Each is written in the transaction of the change it reports, so none
//! is lost or invented, at a position that is gap-free in commit order; watchers read them as
//! CloudEvents 1.0 and resume from a position (their cursor). Events carry no personal data.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::DomainError;
use crate::names::vocabulary;

/// The CloudEvents `source` of every event this service writes.
pub const SOURCE: &str = "/consult";
/// The CloudEvents `specversion`.
pub const SPEC_VERSION: &str = "1.0";
/// The CloudEvents `datacontenttype` of every event's data.
pub const DATA_CONTENT_TYPE: &str = "application/json";
/// What every event type begins with (reverse DNS of the service).
pub const TYPE_PREFIX: &str = "cn.gov.consult.";

vocabulary! {
    /// What an event reports: its CloudEvents `type`, versioned with its payload.
    EventType {
        /// A consultation published (scheduled or open at once).
        ConsultationPublished = "cn.gov.consult.consultation.published.v1", "征求意见已发布";
        /// Its window opened: at publication when it opens at once, else when its opening
        /// time comes.
        ConsultationOpened = "cn.gov.consult.consultation.opened.v1", "征求意见已开始";
        /// Its window extended.
        ConsultationExtended = "cn.gov.consult.consultation.extended.v1", "征求意见期已延长";
        /// Its window closed.
        ConsultationClosed = "cn.gov.consult.consultation.closed.v1", "征求意见已截止";
        /// Withdrawn.
        ConsultationWithdrawn = "cn.gov.consult.consultation.withdrawn.v1", "征求意见已撤回";
        /// Every comment answered and the hearing rules met: ready for deliberation.
        ConsultationReadyForDeliberation = "cn.gov.consult.consultation.ready_for_deliberation.v1", "已提请审议";
        /// The decision recorded.
        ConsultationDecided = "cn.gov.consult.consultation.decided.v1", "已作出决定";
        /// The feedback report published.
        ReportPublished = "cn.gov.consult.feedback_report.published.v1", "意见采纳情况已公布";
        /// A corrected version of the report published.
        ReportCorrected = "cn.gov.consult.feedback_report.corrected.v1", "意见采纳情况已更正";
        /// A version of a decision catalogue published.
        CataloguePublished = "cn.gov.consult.catalogue.published.v1", "决策事项目录已公布";
    }
}

impl EventType {
    /// The event an audited action reports, if it is one other systems follow.
    pub fn of_action(action: &str) -> Option<Self> {
        Some(match action {
            "consultation.publish" => Self::ConsultationPublished,
            "consultation.extend" => Self::ConsultationExtended,
            "consultation.close" => Self::ConsultationClosed,
            "consultation.withdraw" => Self::ConsultationWithdrawn,
            "consultation.ready" => Self::ConsultationReadyForDeliberation,
            "consultation.decide" => Self::ConsultationDecided,
            "feedback.publish" => Self::ReportPublished,
            "feedback.correct" => Self::ReportCorrected,
            "catalogue.publish" => Self::CataloguePublished,
            _ => return None,
        })
    }
}

/// The data of an event, version 1: what a portal needs to update its page without asking,
/// and nothing about any person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventDataV1 {
    /// The resource the change was made to, e.g. `consultations/01J…`.
    pub resource: String,
    /// The consultation concerned, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consultation: Option<String>,
    /// Its title.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub title: String,
    /// Its department's code.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub department: String,
    /// Its state after the change (a stored code, e.g. `CLOSED`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// When its window closes, after the change.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub closes_at: Option<DateTime<Utc>>,
}

/// An event as stored and served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEvent {
    /// Gap-free, in commit order; a watcher's cursor is the last position it has seen.
    pub position: i64,
    /// Unique id (CloudEvents `id`; JetStream's message id for de-duplication).
    pub id: String,
    /// Its type.
    pub event_type: EventType,
    /// The resource it is about (CloudEvents `subject`).
    pub subject: String,
    /// The department concerned (empty for a government-wide change), for filtering.
    pub department: String,
    /// When the change was made.
    pub time: DateTime<Utc>,
    /// JSON of its data ([`EventDataV1`]).
    pub data: String,
}

/// Where a watcher starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    /// The oldest event retained.
    Beginning,
    /// After the newest event written so far.
    Now,
    /// After the event at this position (a cursor the watcher kept).
    After(i64),
}

/// The positions retained: the oldest (if any is) and the newest ever written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retained {
    /// The oldest position still stored, if any.
    pub oldest: Option<i64>,
    /// The newest position ever written (0 before the first event).
    pub newest: i64,
}

impl Retained {
    /// The cursor that resumes at the oldest event still stored.
    pub fn oldest_cursor(&self) -> i64 {
        self.oldest.map_or(self.newest, |o| o - 1)
    }
}

/// The position after which a watcher starting at `start` reads. A cursor older than the
/// retention is `FAILED_PRECONDITION` naming the oldest cursor available (the watcher has
/// missed events and must resynchronise); one beyond the newest position never came from here.
pub fn resume_after(start: Start, retained: Retained) -> Result<i64, DomainError> {
    match start {
        Start::Beginning => Ok(retained.oldest_cursor()),
        Start::Now => Ok(retained.newest),
        Start::After(cursor) if cursor > retained.newest || cursor < 0 => {
            Err(DomainError::invalid(
                "cursor",
                format!(
                    "游标 {cursor} 不是本服务给出的（最新位置为 {}）(the cursor is beyond the newest event, {})",
                    retained.newest, retained.newest
                ),
            ))
        }
        Start::After(cursor) if cursor < retained.oldest_cursor() => {
            Err(DomainError::precondition(
                "CURSOR_EXPIRED",
                format!("cursor {cursor}"),
                format!(
                    "游标 {cursor} 之后的事件已超过保留期被清除，最早可用游标为 {}，请重新同步后从该处继续 (events after this cursor are past retention; the oldest available cursor is {})",
                    retained.oldest_cursor(),
                    retained.oldest_cursor()
                ),
            ))
        }
        Start::After(cursor) => Ok(cursor),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_map_to_versioned_types() {
        assert_eq!(
            EventType::of_action("consultation.close").map(EventType::code),
            Some("cn.gov.consult.consultation.closed.v1")
        );
        assert_eq!(EventType::of_action("comment.submit"), None);
        assert_eq!(EventType::of_action("consultation.update"), None);
        for t in EventType::ALL {
            assert!(t.code().starts_with(TYPE_PREFIX) && t.code().ends_with(".v1"));
            assert_eq!(EventType::from_code(t.code()), Some(*t));
        }
    }

    #[test]
    fn watchers_start_where_they_ask_within_the_retention() {
        let retained = Retained {
            oldest: Some(41),
            newest: 90,
        };
        assert_eq!(resume_after(Start::Beginning, retained), Ok(40));
        assert_eq!(resume_after(Start::Now, retained), Ok(90));
        assert_eq!(resume_after(Start::After(40), retained), Ok(40));
        assert_eq!(resume_after(Start::After(90), retained), Ok(90));
        match resume_after(Start::After(39), retained) {
            Err(DomainError::FailedPrecondition(v)) => {
                assert_eq!(v[0].rule, "CURSOR_EXPIRED");
                assert!(v[0].description.contains("40"), "{}", v[0].description);
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            resume_after(Start::After(91), retained),
            Err(DomainError::InvalidArgument(_))
        ));
        // Everything trimmed: the beginning is now; an old cursor has missed events.
        let trimmed = Retained {
            oldest: None,
            newest: 90,
        };
        assert_eq!(resume_after(Start::Beginning, trimmed), Ok(90));
        assert!(resume_after(Start::After(89), trimmed).is_err());
        // Nothing ever written: every start is 0.
        let empty = Retained {
            oldest: None,
            newest: 0,
        };
        assert_eq!(resume_after(Start::After(0), empty), Ok(0));
    }
}
