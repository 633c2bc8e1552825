//! Events for other systems: written with the changes they report by three replicas at once,
//! read by watchers as CloudEvents in commit order, resumed from a cursor without a gap, and
//! refused once a cursor is older than the retention.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use consult_api::pb;
use consult_api::pb::event_service_client::EventServiceClient;
use consult_e2e::{Replicas, TestServer, UNLIMITED, assert_status, authed, beijing, draft, token};
use tonic::Code;
use tonic::Streaming;

fn watch(start: pb::WatchStart, cursor: &str) -> pb::WatchEventsRequest {
    pb::WatchEventsRequest {
        start: start as i32,
        cursor: cursor.into(),
        ..Default::default()
    }
}

async fn open(
    server: &TestServer,
    request: pb::WatchEventsRequest,
) -> Streaming<pb::WatchEventsResponse> {
    EventServiceClient::new(server.channel.clone())
        .watch_events(authed(token::PORTAL, request))
        .await
        .unwrap()
        .into_inner()
}

/// The next `n` events of `stream` (bookmarks skipped), failing after 30 s.
async fn next_events(stream: &mut Streaming<pb::WatchEventsResponse>, n: usize) -> Vec<pb::Event> {
    let mut events = Vec::new();
    while events.len() < n {
        let message = tokio::time::timeout(Duration::from_secs(30), stream.message())
            .await
            .unwrap_or_else(|_| panic!("only {} of {n} events came: {events:?}", events.len()))
            .unwrap()
            .expect("the stream ended");
        if let Some(pb::watch_events_response::Kind::Event(e)) = message.kind {
            events.push(e);
        }
    }
    events
}

fn position(e: &pb::Event) -> i64 {
    e.cursor.parse().unwrap()
}

/// Waits for every task.
async fn all<T>(tasks: Vec<tokio::task::JoinHandle<T>>) -> Vec<T> {
    let mut done = Vec::new();
    for t in tasks {
        done.push(t.await.unwrap());
    }
    done
}

/// Six consultations published, extended and closed, the changes spread over the replicas
/// and made at once: 24 events (each opening at once).
async fn lifecycle_on_every_replica(replicas: &Replicas) -> Vec<String> {
    let publish = (0..6)
        .map(|i| {
            let mut api = replicas[i % 3].consultations();
            tokio::spawn(async move {
                let c = api
                    .create_consultation(authed(
                        token::OFFICER_FGW,
                        pb::CreateConsultationRequest {
                            consultation: Some(draft(&format!(
                                "关于第{i}项事项的通知（征求意见稿）"
                            ))),
                        },
                    ))
                    .await
                    .unwrap()
                    .into_inner();
                api.publish_consultation(authed(
                    token::OFFICER_FGW,
                    pb::PublishConsultationRequest { name: c.name },
                ))
                .await
                .unwrap()
                .into_inner()
            })
        })
        .collect();
    let published = all(publish).await;
    let extend = published
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let mut api = replicas[(i + 1) % 3].consultations();
            let mut until = c.closes_at.unwrap();
            until.seconds += 10 * 86_400;
            let name = c.name.clone();
            tokio::spawn(async move {
                api.extend_consultation(authed(
                    token::OFFICER_FGW,
                    pb::ExtendConsultationRequest {
                        name,
                        closes_at: Some(until),
                        reason: "意见较多，延长征求意见期十天".into(),
                    },
                ))
                .await
                .unwrap();
            })
        })
        .collect();
    all(extend).await;
    replicas.set_time(beijing("2026-06-01 10:00")).await;
    let names: Vec<String> = published.iter().map(|c| c.name.clone()).collect();
    let close = names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let mut api = replicas[(i + 2) % 3].consultations();
            let name = name.clone();
            tokio::spawn(async move {
                api.close_consultation(authed(
                    token::OFFICER_FGW,
                    pb::CloseConsultationRequest { name },
                ))
                .await
                .unwrap();
            })
        })
        .collect();
    all(close).await;
    names
}

#[tokio::test]
async fn watchers_see_every_event_once_in_commit_order_and_resume_from_their_cursor() {
    let replicas = Replicas::start(3, beijing("2026-03-02 10:00"), UNLIMITED).await;
    // A watcher from now, started before anything happens, sees what follows.
    let mut live = open(&replicas[2], watch(pb::WatchStart::Now, "")).await;
    let names = lifecycle_on_every_replica(&replicas).await;

    // From the beginning: every event once, positions gap-free, each consultation's events
    // in the order they were made.
    let mut stream = open(&replicas[0], watch(pb::WatchStart::Beginning, "")).await;
    let events = next_events(&mut stream, 24).await;
    let positions: Vec<i64> = events.iter().map(position).collect();
    assert_eq!(
        positions,
        (1..=24).collect::<Vec<_>>(),
        "gap-free, in order"
    );
    let ids: BTreeSet<&str> = events.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids.len(), 24, "one id per event");
    let mut by_consultation: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for e in &events {
        assert_eq!(
            (e.source.as_str(), e.spec_version.as_str()),
            ("/consult", "1.0")
        );
        assert_eq!(e.data_content_type, "application/json");
        assert!(e.time.is_some());
        assert_eq!(e.department, "fgw");
        let data: serde_json::Value = serde_json::from_str(&e.data).unwrap();
        assert_eq!(data["consultation"], e.subject.as_str(), "{data}");
        assert!(!e.data.contains("张三"), "no personal data");
        by_consultation
            .entry(e.subject.as_str())
            .or_default()
            .push(e.r#type.as_str());
    }
    assert_eq!(by_consultation.len(), 6);
    for name in &names {
        assert_eq!(
            by_consultation[name.as_str()],
            [
                "cn.gov.consult.consultation.published.v1",
                "cn.gov.consult.consultation.opened.v1",
                "cn.gov.consult.consultation.extended.v1",
                "cn.gov.consult.consultation.closed.v1"
            ],
            "{name}"
        );
    }
    // The closed event carries the state after the change.
    let closed = events
        .iter()
        .find(|e| e.r#type.ends_with("closed.v1"))
        .unwrap();
    assert!(
        closed.data.contains("\"state\":\"CLOSED\""),
        "{}",
        closed.data
    );
    // The live watcher saw the same events, in the same order.
    let seen: Vec<String> = next_events(&mut live, 24)
        .await
        .iter()
        .map(|e| e.id.clone())
        .collect();
    let every: Vec<String> = events.iter().map(|e| e.id.clone()).collect();
    assert_eq!(seen, every);

    // A watcher that stops after 7 events and resumes from its cursor on another replica
    // misses nothing of what came meanwhile.
    let mut first = open(&replicas[1], watch(pb::WatchStart::Beginning, "")).await;
    let read = next_events(&mut first, 7).await;
    drop(first);
    let cursor = read.last().unwrap().cursor.clone();
    let withdraw = names
        .iter()
        .take(3)
        .enumerate()
        .map(|(i, name)| {
            let mut api = replicas[i].consultations();
            let name = name.clone();
            tokio::spawn(async move {
                api.withdraw_consultation(authed(
                    token::OFFICER_FGW,
                    pb::WithdrawConsultationRequest {
                        name,
                        reason: "上位法已修改，本草案不再推进".into(),
                    },
                ))
                .await
                .is_ok()
            })
        })
        .collect();
    let withdrawn = all(withdraw).await.into_iter().filter(|ok| *ok).count();
    let mut resumed = open(&replicas[2], watch(pb::WatchStart::Cursor, &cursor)).await;
    let rest = next_events(&mut resumed, 24 - 7 + withdrawn).await;
    let positions: Vec<i64> = rest.iter().map(position).collect();
    assert_eq!(
        positions,
        (8..=24 + withdrawn as i64).collect::<Vec<_>>(),
        "resumed without a gap"
    );

    // Filters: only closures, of this department; a bookmark carries the cursor reached.
    let mut closures = open(
        &replicas[0],
        pb::WatchEventsRequest {
            start: pb::WatchStart::Beginning as i32,
            types: vec!["cn.gov.consult.consultation.closed.v1".into()],
            department: "fgw".into(),
            ..Default::default()
        },
    )
    .await;
    let only = next_events(&mut closures, 6).await;
    assert!(only.iter().all(|e| e.r#type.ends_with("closed.v1")));
    let bookmark = loop {
        let m = tokio::time::timeout(Duration::from_secs(30), closures.message())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        match m.kind {
            Some(pb::watch_events_response::Kind::Bookmark(b)) => break b,
            Some(pb::watch_events_response::Kind::Event(e)) => {
                assert!(e.r#type.ends_with("closed.v1"), "{e:?}")
            }
            None => {}
        }
    };
    assert_eq!(bookmark.cursor, (24 + withdrawn).to_string());

    // Bad requests are named.
    let mut client = EventServiceClient::new(replicas[0].channel.clone());
    assert_status(
        client
            .watch_events(authed(token::PORTAL, pb::WatchEventsRequest::default()))
            .await,
        Code::InvalidArgument,
        "start",
    );
    assert_status(
        client
            .watch_events(authed(
                token::PORTAL,
                pb::WatchEventsRequest {
                    start: pb::WatchStart::Now as i32,
                    types: vec!["consultation.closed".into()],
                    ..Default::default()
                },
            ))
            .await,
        Code::InvalidArgument,
        "types[0]",
    );
    assert_status(
        client
            .watch_events(authed(
                token::PORTAL,
                watch(pb::WatchStart::Cursor, "999999"),
            ))
            .await,
        Code::InvalidArgument,
        "cursor",
    );
    assert_status(
        client
            .watch_events(authed(token::PORTAL, watch(pb::WatchStart::Cursor, "abc")))
            .await,
        Code::InvalidArgument,
        "cursor",
    );
    // The public has no identity to watch with.
    assert_status(
        client.watch_events(watch(pb::WatchStart::Now, "")).await,
        Code::Unauthenticated,
        "",
    );
}

#[tokio::test]
async fn a_cursor_older_than_the_retention_is_refused_naming_the_oldest() {
    let settings = format!("event_retention_hours = 24\n{UNLIMITED}");
    let server = TestServer::start_with(beijing("2026-03-02 10:00"), &settings).await;
    let first = crate::published(&server, "关于第一项事项的通知（征求意见稿）").await;
    let mut stream = open(&server, watch(pb::WatchStart::Beginning, "")).await;
    let old = next_events(&mut stream, 1).await;
    assert_eq!(old[0].subject, first.name);
    drop(stream);
    // Two days later the first event is past its retention; a new one is not.
    server.set_time(beijing("2026-03-04 10:00")).await;
    let second = crate::published(&server, "关于第二项事项的通知（征求意见稿）").await;
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while server.table_count("events").await > 2 {
        assert!(std::time::Instant::now() < deadline, "never trimmed");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let refused = assert_status(
        EventServiceClient::new(server.channel.clone())
            .watch_events(authed(
                token::OFFICER_FGW,
                watch(pb::WatchStart::Cursor, "0"),
            ))
            .await,
        Code::FailedPrecondition,
        "CURSOR_EXPIRED",
    );
    assert!(
        refused.message().contains("最早可用游标为 2"),
        "{}",
        refused.message()
    );
    // From the oldest cursor it names, the watcher reads on.
    let mut resumed = open(&server, watch(pb::WatchStart::Cursor, "2")).await;
    let rest = next_events(&mut resumed, 1).await;
    assert_eq!(rest[0].subject, second.name);
}

#[tokio::test]
async fn a_scheduled_consultation_is_announced_when_its_opening_time_comes() {
    let server = TestServer::start_at(beijing("2026-03-02 10:00")).await;
    let mut d = draft("关于城市绿化管理的办法（征求意见稿）");
    d.opens_at = Some(consult_e2e::ts(beijing("2026-03-05 09:00")));
    let c = crate::published_draft(&server, d).await;
    let mut stream = open(&server, watch(pb::WatchStart::Beginning, "")).await;
    let published = next_events(&mut stream, 1).await;
    assert!(published[0].r#type.ends_with("published.v1"));
    assert!(published[0].data.contains("\"state\":\"SCHEDULED\""));
    // Nothing more until the opening time; then it is announced once, dated when it opened.
    let early = tokio::time::timeout(Duration::from_secs(3), stream.message()).await;
    assert!(
        early.is_err()
            || !matches!(
                early.unwrap().unwrap().unwrap().kind,
                Some(pb::watch_events_response::Kind::Event(_))
            ),
        "announced before its time"
    );
    server.set_time(beijing("2026-03-05 09:30")).await;
    let opened = next_events(&mut stream, 1).await;
    assert_eq!(opened[0].r#type, "cn.gov.consult.consultation.opened.v1");
    assert_eq!(opened[0].subject, c.name);
    assert_eq!(
        opened[0].time,
        Some(consult_e2e::ts(beijing("2026-03-05 09:00")))
    );
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(server.table_count("events").await, 2, "announced once");
}

#[tokio::test]
async fn comments_are_counted_in_events_once_an_interval_without_anything_personal() {
    let settings = format!("comment_count_interval_seconds = 60\n{UNLIMITED}");
    let server = TestServer::start_with(beijing("2026-03-02 10:00"), &settings).await;
    let c = crate::published(&server, "关于优化营商环境的若干措施（征求意见稿）").await;
    let only_counts = pb::WatchEventsRequest {
        types: vec!["cn.gov.consult.consultation.comments_received.v1".into()],
        ..watch(pb::WatchStart::Beginning, "")
    };
    let mut stream = open(&server, only_counts).await;
    let submit = |from: usize, to: usize| {
        let mut api = server.comments();
        let parent = c.name.clone();
        async move {
            for i in from..to {
                api.submit_comment(authed(
                    token::PORTAL,
                    pb::SubmitCommentRequest {
                        parent: parent.clone(),
                        comment: Some(consult_e2e::comment(
                            pb::Channel::Portal,
                            &format!("第{i}条意见：建议延长公示时间"),
                        )),
                        request_id: format!("count-{i}"),
                        validate_only: false,
                    },
                ))
                .await
                .unwrap();
            }
        }
    };
    // A burst of forty comments: one count, not forty events.
    submit(0, 40).await;
    let first = next_events(&mut stream, 1).await.remove(0);
    assert_eq!(first.subject, c.name);
    let data: serde_json::Value = serde_json::from_str(&first.data).unwrap();
    let (received, total) = (
        data["comments_received"].as_i64(),
        data["comments_total"].as_i64().unwrap(),
    );
    // The writer may commit the burst in batches on either side of a count.
    assert!(received.is_some_and(|n| (1..=40).contains(&n)), "{data}");
    assert_eq!(data["comments_total"], data["comments_received"], "{data}");
    assert!(data.get("counted_since").is_none(), "{data}");
    for personal in ["张三", "13800138000", "建议延长"] {
        assert!(!first.data.contains(personal), "{}", first.data);
    }
    // More within the interval wait for it; counted once it is over, since the last count.
    submit(40, 50).await;
    tokio::time::sleep(Duration::from_secs(5)).await;
    let counts = "SELECT COUNT(*) AS n FROM events WHERE type LIKE '%comments_received%'";
    assert_eq!(server.query_count(counts).await, 1, "one count an interval");
    server.set_time(beijing("2026-03-02 10:01")).await;
    let second = next_events(&mut stream, 1).await.remove(0);
    let data: serde_json::Value = serde_json::from_str(&second.data).unwrap();
    assert_eq!(data["comments_total"], 50, "{data}");
    assert_eq!(
        data["comments_received"].as_i64(),
        Some(50 - total),
        "{data}"
    );
    assert_eq!(
        data["counted_since"]
            .as_str()
            .map(|t| t.parse::<chrono::DateTime<chrono::Utc>>().unwrap()),
        Some(beijing("2026-03-02 10:00")),
        "{data}"
    );
    // Nothing new, nothing said, however long it is.
    server.set_time(beijing("2026-03-03 10:00")).await;
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(server.query_count(counts).await, 2);
}
