//! `consult.v1.EventService`: the outbox streamed to other systems. A watcher reads from where
//! it asks (checked by the domain against what is retained), then polls for newly committed
//! events; positions are gap-free in commit order, so reading "after the last position seen"
//! never skips an event that commits later. Bookmarks tell a filtered watcher how far it has
//! read.

use std::sync::Arc;
use std::time::{Duration, Instant};

use consult_api::pb;
use consult_api::pb::event_service_server::EventService;
use consult_domain::DomainError;
use consult_domain::outbox::{self, EventType, OutboxEvent, Start};
use consult_store::EventFilter;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Request, Response, Status};

use super::{Core, public};
use crate::convert::timestamp;
use crate::error::ApiError;

/// How often a watcher looks for newly committed events.
const POLL: Duration = Duration::from_millis(200);
/// How often a watcher gets a bookmark.
pub(crate) const BOOKMARK_EVERY: Duration = Duration::from_secs(5);
/// How often each replica removes events past their retention.
pub(crate) const TRIM_EVERY: Duration = Duration::from_secs(2);
/// Most events read at once.
const PAGE: u64 = 256;

/// The stream of one watcher.
pub(crate) type EventStream = ReceiverStream<Result<pb::WatchEventsResponse, Status>>;

/// The event service.
pub(crate) struct Events(pub(crate) Arc<Core>);

grpc_service! {
    EventService for Events {}
    streaming {
        watch_events(pb::WatchEventsRequest) -> WatchEventsStream = EventStream;
    }
}

fn to_proto(e: OutboxEvent) -> pb::WatchEventsResponse {
    pb::WatchEventsResponse {
        kind: Some(pb::watch_events_response::Kind::Event(pb::Event {
            id: e.id,
            source: outbox::SOURCE.to_owned(),
            spec_version: outbox::SPEC_VERSION.to_owned(),
            r#type: e.event_type.code().to_owned(),
            subject: e.subject,
            time: Some(timestamp(e.time)),
            data_content_type: outbox::DATA_CONTENT_TYPE.to_owned(),
            data: e.data,
            department: e.department,
            cursor: e.position.to_string(),
        })),
    }
}

fn bookmark(cursor: i64) -> pb::WatchEventsResponse {
    pb::WatchEventsResponse {
        kind: Some(pb::watch_events_response::Kind::Bookmark(pb::Bookmark {
            cursor: cursor.to_string(),
        })),
    }
}

/// Where the request asks to start.
fn start_of(req: &pb::WatchEventsRequest) -> Result<Start, DomainError> {
    match pb::WatchStart::try_from(req.start).unwrap_or_default() {
        pb::WatchStart::Now => Ok(Start::Now),
        pb::WatchStart::Beginning => Ok(Start::Beginning),
        pb::WatchStart::Cursor => req.cursor.trim().parse::<i64>().map(Start::After).map_err(
            |_| {
                DomainError::invalid(
                    "cursor",
                    "游标应为本服务给出的事件或书签的 cursor (a cursor from an event or bookmark)",
                )
            },
        ),
        pb::WatchStart::Unspecified => Err(DomainError::invalid(
            "start",
            "须指定起点：NOW、BEGINNING 或 CURSOR (start is required)",
        )),
    }
}

fn filter_of(req: &pb::WatchEventsRequest) -> Result<EventFilter, DomainError> {
    let types = req
        .types
        .iter()
        .enumerate()
        .map(|(i, t)| {
            EventType::from_code(t.trim()).ok_or_else(|| {
                DomainError::invalid(
                    format!("types[{i}]"),
                    format!("未知的事件类型 {t} (unknown event type)"),
                )
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let department = Some(req.department.trim())
        .filter(|d| !d.is_empty())
        .map(str::to_owned);
    Ok(EventFilter { types, department })
}

impl Events {
    async fn watch_events(
        &self,
        request: Request<pb::WatchEventsRequest>,
    ) -> Result<EventStream, ApiError> {
        let (_, req) = public(&self.0.auth, request)?;
        let start = start_of(&req)?;
        let filter = filter_of(&req)?;
        let retained = self.0.store.events_retained().await?;
        let mut after = outbox::resume_after(start, retained)?;
        let store = self.0.store.clone();
        let (tx, rx) = mpsc::channel(PAGE as usize);
        tokio::spawn(async move {
            let mut bookmarked = Instant::now();
            loop {
                // The newest position first: every event up to it is committed, so once those
                // matching are sent the watcher has seen everything up to it.
                let newest = match store.events_retained().await {
                    Ok(r) => r.newest,
                    Err(e) => {
                        let _ = tx.send(Err(Status::from(ApiError::from(e)))).await;
                        return;
                    }
                };
                let mut full = false;
                while after < newest {
                    let page = match store.events_after(after, newest, PAGE, &filter).await {
                        Ok(page) => page,
                        Err(e) => {
                            let _ = tx.send(Err(Status::from(ApiError::from(e)))).await;
                            return;
                        }
                    };
                    full = page.len() as u64 == PAGE;
                    let last = page.last().map(|e| e.position);
                    for e in page {
                        if tx.send(Ok(to_proto(e))).await.is_err() {
                            return;
                        }
                    }
                    after = match last {
                        Some(p) if full => p,
                        _ => newest,
                    };
                    if !full {
                        break;
                    }
                }
                if bookmarked.elapsed() >= BOOKMARK_EVERY {
                    if tx.send(Ok(bookmark(after))).await.is_err() {
                        return;
                    }
                    bookmarked = Instant::now();
                }
                if !full {
                    tokio::select! {
                        () = tokio::time::sleep(POLL) => {}
                        () = tx.closed() => return,
                    }
                }
            }
        });
        Ok(ReceiverStream::new(rx))
    }
}
