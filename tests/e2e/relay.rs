//! The relay of events to NATS JetStream with a real `nats-server -js`: one replica relays at a
//! time; every event reaches the stream once, as a CloudEvent with its id as `Nats-Msg-Id`,
//! through a relay that stopped between publishing and recording its cursor, the kill of the
//! relay's replica, the other replica's takeover and the killed one's return.

use std::time::Duration;

use consult_api::pb;
use consult_e2e::nats::{JetStream, NatsServer};
use consult_e2e::{Replicas, TestServer, UNLIMITED, authed, beijing, http_get, token};

const STREAM: &str = "E2E_EVENTS";

/// Consultations `numbers` published (opening at once) and extended: three events each.
async fn publish_and_extend(server: &TestServer, numbers: std::ops::Range<usize>) {
    let mut api = server.consultations();
    for i in numbers {
        let c = crate::published(server, &format!("关于第{i}项事项的通知（征求意见稿）")).await;
        let mut until = c.closes_at.unwrap();
        until.seconds += 10 * 86_400;
        api.extend_consultation(authed(
            token::OFFICER_FGW,
            pb::ExtendConsultationRequest {
                name: c.name,
                closes_at: Some(until),
                reason: "意见较多，延长征求意见期十天".into(),
            },
        ))
        .await
        .unwrap();
    }
}

/// Waits until the stream holds `n` messages and the relay's cursor is at `n`.
async fn relayed(js: &mut JetStream, server: &TestServer, n: u64) {
    let deadline = std::time::Instant::now() + Duration::from_secs(45);
    loop {
        let held = js.count(STREAM).await;
        let cursor = server
            .query_count("SELECT COALESCE(MAX(position), 0) AS n FROM event_relays")
            .await;
        if held == n && cursor == n as i64 {
            return;
        }
        assert!(held <= n, "the stream holds {held} messages for {n} events");
        assert!(
            std::time::Instant::now() < deadline,
            "after 45 s the stream holds {held} of {n} events, the cursor is at {cursor}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// What the relay of `server`'s process did: (stored, duplicate).
async fn relay_counts(server: &TestServer) -> (u64, u64) {
    let text = http_get(&format!("{}/metrics", server.http)).await.text();
    let count = |outcome: &str| {
        text.lines()
            .find_map(|l| {
                l.strip_prefix(&format!(
                    "consult_event_relay_events_total{{outcome=\"{outcome}\"}} "
                ))
            })
            .unwrap_or_else(|| panic!("no relay counts in\n{text}"))
            .parse::<u64>()
            .unwrap()
    };
    (count("stored"), count("duplicate"))
}

#[tokio::test]
async fn every_event_reaches_jetstream_once_across_a_replay_a_kill_and_a_takeover() {
    if !consult_e2e::nats::available() {
        return;
    }
    let nats = NatsServer::start().await;
    let start = beijing("2026-03-02 10:00");
    let settings = format!(
        "{UNLIMITED}\n[nats]\nurl = \"{}\"\nstream = \"{STREAM}\"\n",
        nats.url()
    );
    let mut replicas = Replicas::start(2, start, &settings).await;
    let mut js = JetStream::connect(nats.port).await;

    // Nine events, made on both replicas, relayed by one of them.
    publish_and_extend(&replicas[0], 0..2).await;
    publish_and_extend(&replicas[1], 2..3).await;
    relayed(&mut js, &replicas[0], 9).await;
    let counts = [
        relay_counts(&replicas[0]).await,
        relay_counts(&replicas[1]).await,
    ];
    assert_eq!(
        counts.iter().map(|c| c.0).sum::<u64>(),
        9,
        "each event stored once: {counts:?}"
    );
    let relaying = counts.iter().position(|c| c.0 == 9).unwrap_or_else(|| {
        panic!("one replica relays while it holds the lease: {counts:?}");
    });
    let other = 1 - relaying;

    // A relay that stopped after publishing and before recording its cursor: the next
    // publishes the same events again, and JetStream keeps one of each.
    replicas[0]
        .execute_sql("UPDATE event_relays SET position = 2")
        .await;
    publish_and_extend(&replicas[other], 3..4).await;
    relayed(&mut js, &replicas[0], 12).await;
    assert_eq!(
        relay_counts(&replicas[relaying]).await,
        (12, 7),
        "events 3 to 9 published again as duplicates"
    );

    // The relay's replica killed: the other takes over once the lease lapses (its clock moved
    // past it) and relays what is made meanwhile.
    replicas.kill(relaying);
    let later = start + chrono::Duration::seconds(30);
    replicas[other].set_time(later).await;
    publish_and_extend(&replicas[other], 4..6).await;
    relayed(&mut js, &replicas[other], 18).await;
    assert_eq!(relay_counts(&replicas[other]).await.0, 6);

    // The killed replica back: still one relay, nothing twice.
    replicas.start_again(relaying, later).await;
    publish_and_extend(&replicas[relaying], 6..7).await;
    relayed(&mut js, &replicas[relaying], 21).await;
    assert_eq!(
        relay_counts(&replicas[relaying]).await,
        (0, 0),
        "the lease stays with the replica that took over"
    );

    // What a consumer reads: each event once, in the outbox's order, as a CloudEvent.
    let ids = replicas[0]
        .query_strings("SELECT id AS v FROM events ORDER BY position")
        .await;
    assert_eq!(ids.len(), 21);
    let messages = js.messages(STREAM).await;
    let message_ids: Vec<&str> = messages
        .iter()
        .map(|m| m.headers["Nats-Msg-Id"].as_str())
        .collect();
    assert_eq!(message_ids, ids, "each event once, in order");
    for (position, m) in (1..).zip(&messages) {
        let ce = &m.data;
        assert_eq!(ce["id"], m.headers["Nats-Msg-Id"].as_str());
        assert_eq!(ce["specversion"], "1.0");
        assert_eq!(ce["source"], "/consult");
        assert_eq!(ce["sequence"], position.to_string());
        let t = ce["type"].as_str().unwrap();
        assert_eq!(
            m.subject,
            format!(
                "consult.events.{}",
                t.strip_prefix("cn.gov.consult.").unwrap()
            )
        );
        assert!(ce["data"]["consultation"].is_string(), "{ce}");
        assert_eq!(
            m.headers["Content-Type"],
            "application/cloudevents+json; charset=utf-8"
        );
    }
    let kinds: Vec<&str> = messages[..3]
        .iter()
        .map(|m| m.data["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "cn.gov.consult.consultation.published.v1",
            "cn.gov.consult.consultation.opened.v1",
            "cn.gov.consult.consultation.extended.v1"
        ]
    );
    // The stream the relay made: every event subject, ids remembered for an hour.
    let config = js.config(STREAM).await;
    assert_eq!(config["subjects"], serde_json::json!(["consult.events.>"]));
    assert_eq!(config["duplicate_window"], 3_600_000_000_000_u64);
}

#[tokio::test]
async fn a_nats_address_the_relay_cannot_use_stops_the_start_naming_it() {
    let config = consult_e2e::write_config(
        "listen = \"127.0.0.1:0\"\nhttp_listen = \"127.0.0.1:0\"\n[nats]\nurl = \"nats://relay:secret@nats:4222\"\n",
    );
    let (code, printed) = consult_e2e::consultd_run(&["--config", config.to_str().unwrap()]).await;
    let _ = std::fs::remove_file(&config);
    assert_ne!(code, 0, "{printed}");
    assert!(
        printed.contains("[nats] url") && printed.contains("expected nats://host:port"),
        "{printed}"
    );
}
