//! The relay of the outbox to NATS JetStream, when `[nats]` is configured: on the replica
//! holding its lease, events after the relay's cursor are published a page at a time, each
//! as a CloudEvent (structured JSON) with its event id as `Nats-Msg-Id`, and the cursor moves
//! once JetStream acknowledged the whole page. Publication is at least once: a relay that
//! stops between publishing and moving the cursor is followed by one that publishes the page
//! again, and JetStream drops what it already holds by id (its duplicate window). Other
//! replicas only ask for the lease, so one relay runs at a time.

pub(crate) mod nats;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use consult_domain::outbox::{self, OutboxEvent};
use consult_store::EventFilter;

use crate::services::Core;
use crate::settings::NatsSettings;
use nats::{Connection, Credentials, NatsError, Outgoing};

/// The lease's name.
const LEASE_NAME: &str = "event-relay";
/// The relay's cursor's name.
pub(crate) const CURSOR_NAME: &str = "nats";
/// How long the lease lasts unless renewed: how long events wait when the relay's replica
/// dies.
const LEASE: Duration = Duration::from_secs(10);
/// How often the relay looks for new events.
const EVERY: Duration = Duration::from_millis(200);
/// How long it waits after NATS or the database failed.
const BACKOFF: Duration = Duration::from_secs(2);
/// Events published before their acknowledgements are awaited.
const PAGE: u64 = 256;
/// How long NATS has to connect, answer or acknowledge a page.
const NATS_TIMEOUT: Duration = Duration::from_secs(10);
/// A relay catching up renews its lease at least this often.
const RENEW_EVERY: Duration = Duration::from_secs(3);
/// The CloudEvents extension attribute carrying the event's position (the `sequence`
/// extension).
const SEQUENCE: &str = "sequence";

/// What the relay has done since this process started.
#[derive(Debug, Default)]
pub(crate) struct RelayCounts {
    /// Events JetStream stored.
    pub(crate) published: AtomicU64,
    /// Events JetStream already held (published again after a relay stopped mid-page).
    pub(crate) duplicates: AtomicU64,
    /// Events removed by the retention before the relay published them.
    pub(crate) missed: AtomicU64,
}

/// Why a round of relaying stopped.
#[derive(Debug, thiserror::Error)]
enum RelayError {
    #[error(transparent)]
    Nats(#[from] NatsError),
    #[error("event relay: {0}")]
    Store(#[from] consult_store::StoreError),
    #[error("event relay: JetStream refused event {id}: {reason}")]
    Refused { id: String, reason: String },
}

/// Runs until aborted.
pub(crate) async fn run(core: Arc<Core>, settings: NatsSettings) {
    let owner = core.operations.owner().to_owned();
    let lease = chrono::Duration::from_std(LEASE).unwrap_or(chrono::Duration::MAX);
    let Some(counts) = core.event_relay.as_ref() else {
        return;
    };
    let mut connection: Option<Connection> = None;
    let mut rest = EVERY;
    loop {
        tokio::time::sleep(rest).await;
        rest = EVERY;
        match core
            .store
            .hold_lease(LEASE_NAME, &owner, core.clock.now(), lease)
            .await
        {
            Ok(true) => {}
            Ok(false) => {
                connection = None;
                continue;
            }
            Err(e) => {
                tracing::warn!(error = %e, "event relay: lease not renewed");
                connection = None;
                rest = BACKOFF;
                continue;
            }
        }
        let c = match connection.as_mut() {
            Some(c) => c,
            None => match prepare(&settings).await {
                Ok(c) => {
                    tracing::info!(url = %settings.url, stream = %settings.stream, "event relay: connected");
                    connection.insert(c)
                }
                Err(e) => {
                    tracing::warn!(error = %e, "event relay: cannot reach JetStream");
                    rest = BACKOFF;
                    continue;
                }
            },
        };
        if let Err(e) = relay(&core, counts, c, &settings).await {
            tracing::warn!(error = %e, "event relay: stopped; will resume from its cursor");
            connection = None;
            rest = BACKOFF;
        }
    }
}

/// Connects and makes sure the stream exists: one the relay creates takes every subject under
/// the prefix and remembers message ids for the duplicate window; one that exists is left as
/// its operators configured it.
async fn prepare(settings: &NatsSettings) -> Result<Connection, NatsError> {
    let credentials = Credentials {
        token: settings.token.clone(),
        user: settings.user.clone(),
        password: settings.password.clone(),
    };
    let mut c = Connection::connect(&settings.url, &credentials, NATS_TIMEOUT).await?;
    let info = c
        .request(
            &format!("$JS.API.STREAM.INFO.{}", settings.stream),
            b"",
            NATS_TIMEOUT,
        )
        .await?;
    let info: serde_json::Value = serde_json::from_slice(&info.payload)
        .map_err(|e| NatsError::Protocol(format!("stream info: {e}")))?;
    match info["error"]["code"].as_u64() {
        None => return Ok(c),
        Some(404) => {}
        Some(_) => return Err(NatsError::Server(info["error"].to_string())),
    }
    let config = serde_json::json!({
        "name": settings.stream,
        "subjects": [format!("{}.>", settings.subject_prefix)],
        "retention": "limits",
        "storage": "file",
        "discard": "old",
        "num_replicas": 1,
        "duplicate_window": settings.duplicate_window_seconds.max(1) * 1_000_000_000,
    });
    let created = c
        .request(
            &format!("$JS.API.STREAM.CREATE.{}", settings.stream),
            config.to_string().as_bytes(),
            NATS_TIMEOUT,
        )
        .await?;
    let created: serde_json::Value = serde_json::from_slice(&created.payload)
        .map_err(|e| NatsError::Protocol(format!("stream create: {e}")))?;
    if created.get("error").is_some() {
        return Err(NatsError::Server(created["error"].to_string()));
    }
    tracing::info!(stream = %settings.stream, "event relay: stream created");
    Ok(c)
}

/// Publishes what is after the cursor, a page at a time, until nothing is left or the lease
/// wants renewing.
async fn relay(
    core: &Core,
    counts: &RelayCounts,
    c: &mut Connection,
    settings: &NatsSettings,
) -> Result<(), RelayError> {
    let started = Instant::now();
    let store = &core.store;
    let all = EventFilter::default();
    loop {
        let cursor = store.relay_cursor(CURSOR_NAME).await?;
        let retained = store.events_retained().await?;
        // Events removed by the retention before they were relayed are gone for good: say so
        // and go on from what remains.
        let kept_from = retained.oldest.map_or(retained.newest, |o| o - 1);
        let after = if cursor < kept_from {
            let missed = kept_from - cursor;
            tracing::error!(
                from = cursor + 1,
                to = kept_from,
                "event relay: events past their retention were never relayed"
            );
            counts
                .missed
                .fetch_add(u64::try_from(missed).unwrap_or(0), Ordering::Relaxed);
            kept_from
        } else {
            cursor
        };
        if after >= retained.newest {
            if after != cursor {
                store
                    .advance_relay_cursor(CURSOR_NAME, after, core.clock.now())
                    .await?;
            }
            return Ok(());
        }
        let page = store
            .events_after(after, retained.newest, PAGE, &all)
            .await?;
        let Some(last) = page.last().map(|e| e.position) else {
            return Ok(());
        };
        let messages: Vec<Outgoing> = page.iter().map(|e| to_message(e, settings)).collect();
        let acks = c.publish_all(&messages, NATS_TIMEOUT).await?;
        for (event, ack) in page.iter().zip(&acks) {
            match acknowledged(ack) {
                Ok(true) => counts.duplicates.fetch_add(1, Ordering::Relaxed),
                Ok(false) => counts.published.fetch_add(1, Ordering::Relaxed),
                Err(reason) => {
                    return Err(RelayError::Refused {
                        id: event.id.clone(),
                        reason,
                    });
                }
            };
        }
        store
            .advance_relay_cursor(CURSOR_NAME, last, core.clock.now())
            .await?;
        if (page.len() as u64) < PAGE || started.elapsed() >= RENEW_EVERY {
            return Ok(());
        }
    }
}

/// Whether JetStream's answer stores the event: `Ok(duplicate)`, or why not.
fn acknowledged(ack: &nats::Reply) -> Result<bool, String> {
    if ack.status == Some(503) {
        return Err("no stream takes the subject".into());
    }
    let v: serde_json::Value =
        serde_json::from_slice(&ack.payload).map_err(|e| format!("unreadable ack: {e}"))?;
    if let Some(error) = v.get("error") {
        return Err(error.to_string());
    }
    if v.get("seq").is_none() {
        return Err(format!("unexpected ack: {v}"));
    }
    Ok(v["duplicate"].as_bool() == Some(true))
}

/// The subject of an event: the prefix, then its type without the reverse-DNS part
/// (`consult.events.consultation.closed.v1`).
pub(crate) fn subject_of(e: &OutboxEvent, prefix: &str) -> String {
    let code = e.event_type.code();
    let short = code.strip_prefix(outbox::TYPE_PREFIX).unwrap_or(code);
    format!("{prefix}.{short}")
}

/// An event as a structured-mode CloudEvent, with its id as JetStream's message id.
fn to_message(e: &OutboxEvent, settings: &NatsSettings) -> Outgoing {
    let data: serde_json::Value =
        serde_json::from_str(&e.data).unwrap_or_else(|_| e.data.clone().into());
    let mut ce = serde_json::json!({
        "specversion": outbox::SPEC_VERSION,
        "id": e.id,
        "source": outbox::SOURCE,
        "type": e.event_type.code(),
        "subject": e.subject,
        "time": e.time.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "datacontenttype": outbox::DATA_CONTENT_TYPE,
        "department": e.department,
        "data": data,
    });
    ce[SEQUENCE] = e.position.to_string().into();
    Outgoing {
        subject: subject_of(e, &settings.subject_prefix),
        headers: vec![
            ("Nats-Msg-Id", e.id.clone()),
            (
                "Content-Type",
                "application/cloudevents+json; charset=utf-8".to_owned(),
            ),
        ],
        payload: ce.to_string().into_bytes(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use consult_domain::outbox::EventType;

    fn event() -> OutboxEvent {
        OutboxEvent {
            position: 7,
            id: "01JDEMO".into(),
            event_type: EventType::ConsultationClosed,
            subject: "consultations/c1".into(),
            department: "fgw".into(),
            time: chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap(),
            data: r#"{"resource":"consultations/c1","state":"CLOSED"}"#.into(),
        }
    }

    #[test]
    fn an_event_becomes_a_structured_cloudevent_under_its_type_subject() {
        let settings: NatsSettings = toml::from_str("url = \"nats://127.0.0.1:4222\"").unwrap();
        let m = to_message(&event(), &settings);
        assert_eq!(m.subject, "consult.events.consultation.closed.v1");
        assert_eq!(m.headers[0], ("Nats-Msg-Id", "01JDEMO".to_owned()));
        let ce: serde_json::Value = serde_json::from_slice(&m.payload).unwrap();
        assert_eq!(ce["specversion"], "1.0");
        assert_eq!(ce["type"], "cn.gov.consult.consultation.closed.v1");
        assert_eq!(ce["sequence"], "7");
        assert_eq!(ce["data"]["state"], "CLOSED", "data is JSON, not a string");
        assert_eq!(ce["time"], "2027-01-15T08:00:00.000Z");
    }

    #[test]
    fn acknowledgements_tell_stored_duplicate_and_refused_apart() {
        let ack = |payload: &str| nats::Reply {
            status: None,
            payload: payload.as_bytes().to_vec(),
        };
        assert_eq!(
            acknowledged(&ack(r#"{"stream":"CONSULT","seq":3}"#)),
            Ok(false)
        );
        assert_eq!(
            acknowledged(&ack(r#"{"stream":"CONSULT","seq":3,"duplicate":true}"#)),
            Ok(true)
        );
        assert!(acknowledged(&ack(r#"{"error":{"code":503,"description":"x"}}"#)).is_err());
        assert!(
            acknowledged(&nats::Reply {
                status: Some(503),
                payload: Vec::new()
            })
            .is_err()
        );
    }
}
