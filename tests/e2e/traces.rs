//! OpenTelemetry traces: with `[traces] endpoint` set, each gRPC call reaches an OTLP/HTTP
//! receiver (a plain HTTP server of the test's, reading what a collector would) as a server
//! span named after its method, child of the caller's span when the call carries
//! `traceparent`, with its status.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use consult_api::pb;
use consult_e2e::{TestServer, UNLIMITED, authed, beijing, comment, token};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Every request body posted to `/v1/traces`, parsed.
type Received = Arc<Mutex<Vec<serde_json::Value>>>;

/// An OTLP/HTTP receiver on a free port.
async fn receiver() -> (u16, Received) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let received: Received = Arc::default();
    let store = received.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let store = store.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 8192];
                let (head_end, length) = loop {
                    let n = socket.read(&mut chunk).await.unwrap();
                    assert!(n > 0, "connection closed mid-request");
                    buf.extend_from_slice(&chunk[..n]);
                    if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                        let head = String::from_utf8_lossy(&buf[..end]).to_lowercase();
                        assert!(head.starts_with("post /v1/traces http/1.1"), "{head}");
                        assert!(head.contains("content-type: application/json"), "{head}");
                        let length = head
                            .lines()
                            .find_map(|l| l.strip_prefix("content-length: "))
                            .expect("a content length")
                            .trim()
                            .parse::<usize>()
                            .unwrap();
                        break (end + 4, length);
                    }
                };
                while buf.len() < head_end + length {
                    let n = socket.read(&mut chunk).await.unwrap();
                    assert!(n > 0, "connection closed mid-body");
                    buf.extend_from_slice(&chunk[..n]);
                }
                let body: serde_json::Value =
                    serde_json::from_slice(&buf[head_end..head_end + length]).unwrap();
                store.lock().unwrap().push(body);
                socket
                    .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}")
                    .await
                    .unwrap();
            });
        }
    });
    (port, received)
}

/// Every span received so far.
fn spans(received: &Received) -> Vec<serde_json::Value> {
    received
        .lock()
        .unwrap()
        .iter()
        .flat_map(|body| {
            body["resourceSpans"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .flat_map(|rs| {
            assert_eq!(
                rs["resource"]["attributes"][0],
                serde_json::json!({"key": "service.name", "value": {"stringValue": "consultd"}})
            );
            rs["scopeSpans"].as_array().cloned().unwrap_or_default()
        })
        .flat_map(|ss| ss["spans"].as_array().cloned().unwrap_or_default())
        .collect()
}

/// The span of trace `trace_id`, waiting up to 20 s for it.
async fn span_of(received: &Received, trace_id: &str) -> serde_json::Value {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(s) = spans(received)
            .into_iter()
            .find(|s| s["traceId"] == trace_id)
        {
            return s;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no span of trace {trace_id} in {:?}",
            spans(received)
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn attribute<'a>(span: &'a serde_json::Value, key: &str) -> &'a serde_json::Value {
    span["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["key"] == key)
        .map(|a| &a["value"])
        .unwrap_or_else(|| panic!("no {key} in {span}"))
}

fn traced<T>(message: T, traceparent: &str) -> tonic::Request<T> {
    let mut r = authed(token::PORTAL, message);
    r.metadata_mut()
        .insert("traceparent", traceparent.parse().unwrap());
    r
}

#[tokio::test]
async fn calls_become_server_spans_in_their_callers_trace() {
    let (port, received) = receiver().await;
    let settings = format!("{UNLIMITED}\n[traces]\nendpoint = \"http://127.0.0.1:{port}\"\n");
    let server = TestServer::start_with(beijing("2026-03-02 10:00"), &settings).await;
    let c = crate::published(&server, "关于优化营商环境的若干措施（征求意见稿）").await;

    let (accepted_trace, caller_span) = ("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7");
    server
        .comments()
        .submit_comment(traced(
            pb::SubmitCommentRequest {
                parent: c.name.clone(),
                comment: Some(comment(pb::Channel::Portal, "建议增加停车位")),
                request_id: "traced-1".into(),
                validate_only: false,
            },
            &format!("00-{accepted_trace}-{caller_span}-01"),
        ))
        .await
        .unwrap();
    let refused_trace = "0af7651916cd43dd8448eb211c80319c";
    let refused = server
        .comments()
        .submit_comment(traced(
            pb::SubmitCommentRequest {
                parent: "consultations/01JZZZZZZZZZZZZZZZZZZZZZZZ".into(),
                comment: Some(comment(pb::Channel::Portal, "建议增加停车位")),
                request_id: "traced-2".into(),
                validate_only: false,
            },
            &format!("00-{refused_trace}-b7ad6b7169203331-01"),
        ))
        .await
        .unwrap_err();

    let span = span_of(&received, accepted_trace).await;
    assert_eq!(span["name"], "consult.v1.CommentService/SubmitComment");
    assert_eq!(span["kind"], 2, "a server span");
    assert_eq!(
        span["parentSpanId"], caller_span,
        "the caller's span is its parent"
    );
    assert_eq!(span["status"]["code"], 0);
    assert_eq!(attribute(&span, "rpc.system")["stringValue"], "grpc");
    assert_eq!(
        attribute(&span, "rpc.service")["stringValue"],
        "consult.v1.CommentService"
    );
    assert_eq!(
        attribute(&span, "rpc.method")["stringValue"],
        "SubmitComment"
    );
    assert_eq!(attribute(&span, "rpc.grpc.status_code")["intValue"], "0");
    let start: u128 = span["startTimeUnixNano"].as_str().unwrap().parse().unwrap();
    let end: u128 = span["endTimeUnixNano"].as_str().unwrap().parse().unwrap();
    assert!(start > 0 && end >= start, "{span}");
    assert!(
        !span.to_string().contains("建议增加停车位"),
        "no comment text in spans"
    );

    let span = span_of(&received, refused_trace).await;
    assert_eq!(span["status"]["code"], 2, "an error");
    assert_eq!(
        attribute(&span, "rpc.grpc.status_code")["intValue"],
        (refused.code() as i32).to_string()
    );

    // A call without a trace starts its own.
    let own = spans(&received)
        .into_iter()
        .find(|s| s["name"] == "consult.v1.ConsultationService/PublishConsultation")
        .expect("the publication's span");
    assert!(own.get("parentSpanId").is_none(), "{own}");
    assert_eq!(own["traceId"].as_str().unwrap().len(), 32);
    assert_ne!(own["traceId"], accepted_trace);
}

// Several threads: the receiver answers while the test waits for the server to exit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_spans_held_when_the_server_stops_are_sent_before_it_exits() {
    let (port, received) = receiver().await;
    // Batches would wait a minute: only the flush at the stop can send this one.
    let settings = format!(
        "{UNLIMITED}\n[traces]\nendpoint = \"http://127.0.0.1:{port}\"\nexport_interval_ms = 60000\n"
    );
    let mut server = TestServer::start_with(beijing("2026-03-02 10:00"), &settings).await;
    let last_trace = "5b8aa5a2d2c872e8321cf37308d69df2";
    server
        .consultations()
        .list_consultations(traced(
            pb::ListConsultationsRequest::default(),
            &format!("00-{last_trace}-00f067aa0ba902b7-01"),
        ))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(spans(&received).is_empty(), "nothing sent before the stop");
    assert!(server.terminate().success());
    // Sent before the process exited: nothing is left to send it now.
    let last = span_of(&received, last_trace).await;
    assert_eq!(
        last["name"],
        "consult.v1.ConsultationService/ListConsultations"
    );
}

#[tokio::test]
async fn an_endpoint_the_exporter_cannot_use_stops_the_start_naming_it() {
    for (endpoint, says) in [
        ("https://collector:4318", "expected http://host:port"),
        ("http:///v1", "no host"),
    ] {
        let config = consult_e2e::write_config(&format!(
            "listen = \"127.0.0.1:0\"\nhttp_listen = \"127.0.0.1:0\"\n[traces]\nendpoint = \"{endpoint}\"\n"
        ));
        let (code, printed) =
            consult_e2e::consultd_run(&["--config", config.to_str().unwrap()]).await;
        let _ = std::fs::remove_file(&config);
        assert_eq!(code, 2, "{printed}");
        assert!(
            printed.contains("traces: endpoint") && printed.contains(says),
            "{printed}"
        );
    }
}
