//! `/metrics` on the HTTP listener parses as Prometheus' text format, and its counters move
//! with traffic.

use consult_api::pb;
use consult_e2e::{TestServer, authed, beijing, comment, http_get, token};

/// The samples of one scrape.
async fn scrape(server: &TestServer) -> prometheus_parse::Scrape {
    let page = http_get(&format!("{}/metrics", server.http)).await;
    assert_eq!(page.status, 200);
    assert!(
        page.header("content-type")
            .is_some_and(|c| c.starts_with("text/plain; version=0.0.4")),
        "{:?}",
        page.headers
    );
    let text = page.text();
    prometheus_parse::Scrape::parse(text.lines().map(|l| Ok(l.to_owned())))
        .unwrap_or_else(|e| panic!("not the text format: {e}\n{text}"))
}

/// The value of the sample `name` whose labels include `labels` (0 when absent).
fn value(s: &prometheus_parse::Scrape, name: &str, labels: &[(&str, &str)]) -> f64 {
    s.samples
        .iter()
        .filter(|x| x.metric == name)
        .filter(|x| labels.iter().all(|(k, v)| x.labels.get(k) == Some(*v)))
        .map(|x| match &x.value {
            prometheus_parse::Value::Counter(v)
            | prometheus_parse::Value::Gauge(v)
            | prometheus_parse::Value::Untyped(v) => *v,
            prometheus_parse::Value::Histogram(h) => h.iter().map(|b| b.count).fold(0.0, f64::max),
            prometheus_parse::Value::Summary(_) => 0.0,
        })
        .sum()
}

#[tokio::test]
async fn metrics_parse_and_move_with_traffic() {
    let server = TestServer::start_at(beijing("2026-03-02 10:00")).await;
    let c = crate::published(&server, "关于优化营商环境的若干措施（征求意见稿）").await;
    let before = scrape(&server).await;
    let submit = |i: usize| pb::SubmitCommentRequest {
        parent: c.name.clone(),
        comment: Some(comment(pb::Channel::Portal, &format!("第{i}条意见"))),
        request_id: format!("m-{i}"),
        validate_only: false,
    };
    for i in 0..5 {
        server
            .comments()
            .submit_comment(authed(token::PORTAL, submit(i)))
            .await
            .unwrap();
    }
    // Refused: on a channel the portal is not bound to.
    let mut off = submit(9);
    off.comment.as_mut().unwrap().channel = pb::Channel::Wechat as i32;
    let refused = server
        .comments()
        .submit_comment(authed(token::PORTAL, off))
        .await;
    assert!(refused.is_err());
    let after = scrape(&server).await;

    let ok = [("method", "submit_comment"), ("code", "OK")];
    assert_eq!(
        value(&after, "consult_rpc_requests_total", &ok)
            - value(&before, "consult_rpc_requests_total", &ok),
        5.0
    );
    let denied = [("method", "submit_comment"), ("code", "PERMISSION_DENIED")];
    assert_eq!(value(&after, "consult_rpc_requests_total", &denied), 1.0);
    assert_eq!(
        value(&after, "consult_rpc_duration_seconds", &ok)
            - value(&before, "consult_rpc_duration_seconds", &ok),
        5.0,
        "the histogram counts every call"
    );
    assert_eq!(
        value(
            &after,
            "consult_submissions_total",
            &[("outcome", "accepted")]
        ) - value(
            &before,
            "consult_submissions_total",
            &[("outcome", "accepted")]
        ),
        5.0
    );
    assert_eq!(
        value(
            &after,
            "consult_submissions_total",
            &[("outcome", "refused"), ("reason", "PERMISSION_DENIED")]
        ),
        1.0
    );
    assert!(
        value(&after, "consult_writer_batch_size", &[])
            >= value(&before, "consult_writer_batch_size", &[]) + 1.0,
        "the writer committed batches"
    );
    assert!(value(&after, "consult_db_pool_connections", &[]) >= 1.0);
    assert_eq!(
        value(&after, "consult_events_newest_position", &[]),
        2.0,
        "published and opened"
    );
}

#[tokio::test]
async fn a_report_published_is_timed() {
    let server = TestServer::start_at(beijing("2026-03-02 10:00")).await;
    let publish = [("kind", "publish")];
    let before = scrape(&server).await;
    assert_eq!(
        value(
            &before,
            "consult_report_publication_seconds_count",
            &publish
        ),
        0.0
    );
    crate::answered_and_published(&server).await;
    let after = scrape(&server).await;
    assert_eq!(
        value(&after, "consult_report_publication_seconds_count", &publish),
        1.0
    );
    assert!(value(&after, "consult_report_publication_seconds_sum", &publish) > 0.0);
}
