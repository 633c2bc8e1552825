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
        /// Comments received by a consultation since its previous count: numbers only, at
        /// most once per interval (see [`comments_counted`]).
        CommentsReceived = "cn.gov.consult.consultation.comments_received.v1", "收到公众意见";
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
    /// For comments received: how many since the previous count, how many in all, and since
    /// when.
    #[serde(skip_serializing_if = "Option::is_none", flatten)]
    pub comments: Option<CommentCount>,
}

/// Comments received by a consultation over an interval: numbers, never who or what.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommentCount {
    /// Received since `counted_since`.
    pub comments_received: i64,
    /// Received in all.
    pub comments_total: i64,
    /// When the previous count was announced (absent for the first).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub counted_since: Option<DateTime<Utc>>,
}

/// The comment count announced last for a consultation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CountAnnounced {
    /// Comments in all at that count.
    pub total: i64,
    /// When.
    pub at: DateTime<Utc>,
}

/// The count of comments to announce for a consultation now holding `total` comments, if one
/// is due: when comments came since the previous count and that count is at least `interval`
/// old. So other systems learn how a consultation is going without one event per comment (a
/// surge of a million comments is a few events an interval) and without anything personal.
pub fn comments_counted(
    total: i64,
    previous: Option<CountAnnounced>,
    now: DateTime<Utc>,
    interval: chrono::Duration,
) -> Option<CommentCount> {
    let announced = previous.map_or(0, |p| p.total);
    if total <= announced || previous.is_some_and(|p| now < p.at + interval) {
        return None;
    }
    Some(CommentCount {
        comments_received: total - announced,
        comments_total: total,
        counted_since: previous.map(|p| p.at),
    })
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
    fn comments_are_counted_once_an_interval_and_only_when_some_came() {
        let t0 = DateTime::from_timestamp(1_800_000_000, 0).unwrap_or_default();
        let five = chrono::Duration::minutes(5);
        // None yet: nothing to say.
        assert_eq!(comments_counted(0, None, t0, five), None);
        // The first comments: counted at once.
        assert_eq!(
            comments_counted(3, None, t0, five),
            Some(CommentCount {
                comments_received: 3,
                comments_total: 3,
                counted_since: None
            })
        );
        let previous = Some(CountAnnounced { total: 3, at: t0 });
        // More within the interval: they wait.
        assert_eq!(
            comments_counted(10, previous, t0 + chrono::Duration::minutes(4), five),
            None
        );
        // The interval over: the new ones since the previous count.
        assert_eq!(
            comments_counted(10, previous, t0 + five, five),
            Some(CommentCount {
                comments_received: 7,
                comments_total: 10,
                counted_since: Some(t0)
            })
        );
        // None came: nothing, however long it was.
        assert_eq!(
            comments_counted(3, previous, t0 + chrono::Duration::days(1), five),
            None
        );
    }

    #[test]
    fn a_count_is_numbers_beside_the_consultation() {
        let data = EventDataV1 {
            resource: "consultations/c1".into(),
            consultation: Some("consultations/c1".into()),
            title: "关于某事项的通知".into(),
            department: "fgw".into(),
            state: Some("OPEN".into()),
            closes_at: None,
            comments: Some(CommentCount {
                comments_received: 7,
                comments_total: 10,
                counted_since: None,
            }),
        };
        let json = serde_json::to_value(&data).unwrap_or_default();
        assert_eq!(json["comments_received"], 7);
        assert_eq!(json["comments_total"], 10);
        assert!(json.get("counted_since").is_none());
        let back: EventDataV1 = serde_json::from_value(json).unwrap_or_else(|_| data.clone());
        assert_eq!(back, data);
    }

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
