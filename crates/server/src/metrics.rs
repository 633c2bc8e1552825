//! What operators read on `/metrics` of the HTTP listener, in Prometheus' text exposition
//! format (0.0.4): RPCs by method and code with latency histograms, submissions accepted and
//! refused by reason, the comment writer's batch sizes and queue, the database pool, and the
//! outbox's newest position. Counted in memory per process; every replica serves its own.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::Duration;

use tonic::Code;

/// Upper bounds of the latency buckets, in seconds.
const LATENCY_BUCKETS: [f64; 14] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// Upper bounds of the buckets of a report's publication, in seconds: a county's report takes
/// a fraction of a second, a national one with a million comments minutes.
const PUBLICATION_BUCKETS: [f64; 11] = [
    0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0,
];

/// A histogram with fixed buckets.
#[derive(Debug, Clone)]
struct Histogram {
    bounds: &'static [f64],
    /// Observations at or below each bound (not cumulative).
    buckets: Vec<u64>,
    count: u64,
    sum: f64,
}

impl Histogram {
    fn new(bounds: &'static [f64]) -> Self {
        Self {
            bounds,
            buckets: vec![0; bounds.len()],
            count: 0,
            sum: 0.0,
        }
    }

    fn observe(&mut self, seconds: f64) {
        if let Some(i) = self.bounds.iter().position(|b| seconds <= *b) {
            self.buckets[i] += 1;
        }
        self.count += 1;
        self.sum += seconds;
    }

    /// Its samples under `name`, each with `labels` (`k="v",…`, possibly empty).
    fn render(&self, out: &mut String, name: &str, labels: &str) {
        let sep = if labels.is_empty() { "" } else { "," };
        let mut cumulative = 0;
        for (bound, n) in self.bounds.iter().zip(&self.buckets) {
            cumulative += n;
            let _ = writeln!(
                out,
                "{name}_bucket{{{labels}{sep}le=\"{bound}\"}} {cumulative}"
            );
        }
        let _ = writeln!(
            out,
            "{name}_bucket{{{labels}{sep}le=\"+Inf\"}} {}",
            self.count
        );
        let _ = writeln!(out, "{name}_sum{{{labels}}} {}", self.sum);
        let _ = writeln!(out, "{name}_count{{{labels}}} {}", self.count);
    }
}

/// The counters of one process.
#[derive(Debug, Default)]
pub(crate) struct Metrics {
    /// By service, method and status code.
    rpcs: Mutex<BTreeMap<(&'static str, &'static str, &'static str), Histogram>>,
    /// Submissions by outcome (`accepted`, `refused`) and reason.
    submissions: Mutex<BTreeMap<(&'static str, String), u64>>,
    /// Reports published, by kind (`publish`, `correct`): how long building and committing
    /// each took.
    publications: Mutex<BTreeMap<&'static str, Histogram>>,
}

/// What is read at scrape time rather than counted.
#[derive(Debug, Clone, Default)]
pub(crate) struct Gauges {
    /// Comments queued for the writer.
    pub(crate) writer_queue: u64,
    /// Batch sizes the writer committed: (upper bound, batches) not cumulative, then sum and
    /// count.
    pub(crate) writer_batches: (Vec<(u64, u64)>, u64, u64),
    /// Open connections of the read pool, and how many of them are idle.
    pub(crate) pool: (u32, u32),
    /// Database errors the store met.
    pub(crate) database_errors: u64,
    /// The newest position of the outbox.
    pub(crate) events_newest: i64,
    /// Seconds since the newest event was written (0 without events).
    pub(crate) events_age_seconds: f64,
    /// With a relay to NATS: the position up to which JetStream acknowledged every event, and
    /// what the relay did in this process (published, duplicates, missed).
    pub(crate) relay: Option<(i64, [u64; 3])>,
}

fn code_name(code: Code) -> &'static str {
    match code {
        Code::Ok => "OK",
        Code::Cancelled => "CANCELLED",
        Code::Unknown => "UNKNOWN",
        Code::InvalidArgument => "INVALID_ARGUMENT",
        Code::DeadlineExceeded => "DEADLINE_EXCEEDED",
        Code::NotFound => "NOT_FOUND",
        Code::AlreadyExists => "ALREADY_EXISTS",
        Code::PermissionDenied => "PERMISSION_DENIED",
        Code::ResourceExhausted => "RESOURCE_EXHAUSTED",
        Code::FailedPrecondition => "FAILED_PRECONDITION",
        Code::Aborted => "ABORTED",
        Code::OutOfRange => "OUT_OF_RANGE",
        Code::Unimplemented => "UNIMPLEMENTED",
        Code::Internal => "INTERNAL",
        Code::Unavailable => "UNAVAILABLE",
        Code::DataLoss => "DATA_LOSS",
        Code::Unauthenticated => "UNAUTHENTICATED",
    }
}

impl Metrics {
    /// One call of `service`/`method` answered with `code` after `took`.
    pub(crate) fn rpc(
        &self,
        service: &'static str,
        method: &'static str,
        code: Code,
        took: Duration,
    ) {
        if let Ok(mut rpcs) = self.rpcs.lock() {
            rpcs.entry((service, method, code_name(code)))
                .or_insert_with(|| Histogram::new(&LATENCY_BUCKETS))
                .observe(took.as_secs_f64());
        }
    }

    /// One call answered: counted by its code, and a submission by its outcome.
    pub(crate) fn answered<T>(
        &self,
        service: &'static str,
        method: &'static str,
        answer: &Result<T, tonic::Status>,
        started: std::time::Instant,
    ) {
        let code = answer
            .as_ref()
            .map_or_else(tonic::Status::code, |_| Code::Ok);
        self.rpc(service, method, code, started.elapsed());
        if method == "submit_comment" {
            self.submission(answer.as_ref().err().map(refusal_reason));
        }
    }

    /// One submission accepted, or refused for `reason` (a rule such as `NOT_OPEN`, or the
    /// status code).
    pub(crate) fn submission(&self, refused: Option<String>) {
        if let Ok(mut s) = self.submissions.lock() {
            let key = match refused {
                None => ("accepted", String::new()),
                Some(reason) => ("refused", reason),
            };
            *s.entry(key).or_default() += 1;
        }
    }

    /// A version of a report published (`kind`: `publish`, `correct`) after `took`.
    pub(crate) fn report_published(&self, kind: &'static str, took: Duration) {
        if let Ok(mut p) = self.publications.lock() {
            p.entry(kind)
                .or_insert_with(|| Histogram::new(&PUBLICATION_BUCKETS))
                .observe(took.as_secs_f64());
        }
    }

    /// The exposition, counters and `gauges` together.
    pub(crate) fn render(&self, gauges: &Gauges) -> String {
        let mut out = String::new();
        out.push_str(
            "# HELP consult_rpc_requests_total gRPC calls answered, by method and status code.\n",
        );
        out.push_str("# TYPE consult_rpc_requests_total counter\n");
        let rpcs = self.rpcs.lock().map(|r| r.clone()).unwrap_or_default();
        for ((service, method, code), h) in &rpcs {
            let _ = writeln!(
                out,
                "consult_rpc_requests_total{{service=\"{service}\",method=\"{method}\",code=\"{code}\"}} {}",
                h.count
            );
        }
        out.push_str("# HELP consult_rpc_duration_seconds Time to answer a gRPC call (a stream: to its first answer).\n");
        out.push_str("# TYPE consult_rpc_duration_seconds histogram\n");
        for ((service, method, code), h) in &rpcs {
            let labels = format!("service=\"{service}\",method=\"{method}\",code=\"{code}\"");
            h.render(&mut out, "consult_rpc_duration_seconds", &labels);
        }
        out.push_str("# HELP consult_report_publication_seconds Time to build and commit a version of a feedback report, by kind (publish, correct).\n");
        out.push_str("# TYPE consult_report_publication_seconds histogram\n");
        let publications = self
            .publications
            .lock()
            .map(|p| p.clone())
            .unwrap_or_default();
        for (kind, h) in &publications {
            h.render(
                &mut out,
                "consult_report_publication_seconds",
                &format!("kind=\"{kind}\""),
            );
        }
        out.push_str(
            "# HELP consult_submissions_total Comments submitted, accepted or refused by reason.\n",
        );
        out.push_str("# TYPE consult_submissions_total counter\n");
        let submissions = self
            .submissions
            .lock()
            .map(|s| s.clone())
            .unwrap_or_default();
        for ((outcome, reason), n) in &submissions {
            let _ = writeln!(
                out,
                "consult_submissions_total{{outcome=\"{outcome}\",reason=\"{}\"}} {n}",
                escape(reason)
            );
        }
        out.push_str("# HELP consult_writer_queue_depth Comments waiting for the writer.\n");
        out.push_str("# TYPE consult_writer_queue_depth gauge\n");
        let _ = writeln!(out, "consult_writer_queue_depth {}", gauges.writer_queue);
        out.push_str(
            "# HELP consult_writer_batch_size Comments committed per writer transaction.\n",
        );
        out.push_str("# TYPE consult_writer_batch_size histogram\n");
        let (buckets, sum, count) = &gauges.writer_batches;
        let mut cumulative = 0;
        for (bound, n) in buckets {
            cumulative += n;
            let _ = writeln!(
                out,
                "consult_writer_batch_size_bucket{{le=\"{bound}\"}} {cumulative}"
            );
        }
        let _ = writeln!(
            out,
            "consult_writer_batch_size_bucket{{le=\"+Inf\"}} {count}"
        );
        let _ = writeln!(out, "consult_writer_batch_size_sum {sum}");
        let _ = writeln!(out, "consult_writer_batch_size_count {count}");
        out.push_str("# HELP consult_db_pool_connections Open connections of the read pool.\n");
        out.push_str("# TYPE consult_db_pool_connections gauge\n");
        let _ = writeln!(out, "consult_db_pool_connections {}", gauges.pool.0);
        out.push_str(
            "# HELP consult_db_pool_idle_connections Idle connections of the read pool.\n",
        );
        out.push_str("# TYPE consult_db_pool_idle_connections gauge\n");
        let _ = writeln!(out, "consult_db_pool_idle_connections {}", gauges.pool.1);
        out.push_str(
            "# HELP consult_db_errors_total Database errors met (unavailable, conflicts, bugs).\n",
        );
        out.push_str("# TYPE consult_db_errors_total counter\n");
        let _ = writeln!(out, "consult_db_errors_total {}", gauges.database_errors);
        out.push_str("# HELP consult_events_newest_position The newest position of the outbox.\n");
        out.push_str("# TYPE consult_events_newest_position gauge\n");
        let _ = writeln!(
            out,
            "consult_events_newest_position {}",
            gauges.events_newest
        );
        out.push_str("# HELP consult_events_newest_age_seconds Seconds since the newest event was written.\n");
        out.push_str("# TYPE consult_events_newest_age_seconds gauge\n");
        let _ = writeln!(
            out,
            "consult_events_newest_age_seconds {}",
            gauges.events_age_seconds
        );
        if let Some((cursor, [published, duplicates, missed])) = gauges.relay {
            out.push_str("# HELP consult_event_relay_position The position up to which NATS JetStream acknowledged every event.\n");
            out.push_str("# TYPE consult_event_relay_position gauge\n");
            let _ = writeln!(out, "consult_event_relay_position {cursor}");
            out.push_str("# HELP consult_event_relay_lag_events Events written and not yet acknowledged by NATS JetStream.\n");
            out.push_str("# TYPE consult_event_relay_lag_events gauge\n");
            let _ = writeln!(
                out,
                "consult_event_relay_lag_events {}",
                (gauges.events_newest - cursor).max(0)
            );
            out.push_str("# HELP consult_event_relay_events_total Events the relay handled in this process: stored by JetStream, already held (published again), or removed by the retention before they were relayed.\n");
            out.push_str("# TYPE consult_event_relay_events_total counter\n");
            for (outcome, n) in [
                ("stored", published),
                ("duplicate", duplicates),
                ("missed", missed),
            ] {
                let _ = writeln!(
                    out,
                    "consult_event_relay_events_total{{outcome=\"{outcome}\"}} {n}"
                );
            }
        }
        out
    }
}

/// `GET /metrics`: the counters of this process and what the store reports now.
pub(crate) fn route(core: std::sync::Arc<crate::services::Core>) -> axum::routing::MethodRouter {
    axum::routing::get(move || {
        let core = core.clone();
        async move {
            let writer = core.writer.stats();
            let (events_newest, events_age_seconds) = match (
                core.store.events_retained().await,
                core.store.newest_event_time().await,
            ) {
                (Ok(r), Ok(t)) => (
                    r.newest,
                    t.map_or(0.0, |t| {
                        (core.clock.now() - t).num_milliseconds().max(0) as f64 / 1000.0
                    }),
                ),
                _ => (-1, -1.0),
            };
            let relay = match &core.event_relay {
                Some(counts) => {
                    use std::sync::atomic::Ordering::Relaxed;
                    let cursor = core
                        .store
                        .relay_cursor(crate::relay::CURSOR_NAME)
                        .await
                        .unwrap_or(-1);
                    Some((
                        cursor,
                        [
                            counts.published.load(Relaxed),
                            counts.duplicates.load(Relaxed),
                            counts.missed.load(Relaxed),
                        ],
                    ))
                }
                None => None,
            };
            let gauges = Gauges {
                relay,
                writer_queue: writer.queued,
                writer_batches: (writer.batch_sizes, writer.taken, writer.batches),
                pool: core.store.pool_connections(),
                database_errors: consult_store::database_errors(),
                events_newest,
                events_age_seconds,
            };
            (
                [(
                    axum::http::header::CONTENT_TYPE,
                    "text/plain; version=0.0.4; charset=utf-8",
                )],
                core.metrics.render(&gauges),
            )
        }
    })
}

/// Why a submission was refused: the rule it broke, else its status code.
fn refusal_reason(status: &tonic::Status) -> String {
    use tonic_types::StatusExt;
    status
        .get_details_precondition_failure()
        .and_then(|p| p.violations.first().map(|v| v.r#type.clone()))
        .unwrap_or_else(|| code_name(status.code()).to_owned())
}

/// A label value as the format wants it.
fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_and_histograms_render_cumulatively() {
        let m = Metrics::default();
        m.rpc(
            "CommentService",
            "submit_comment",
            Code::Ok,
            Duration::from_millis(3),
        );
        m.rpc(
            "CommentService",
            "submit_comment",
            Code::Ok,
            Duration::from_millis(40),
        );
        m.rpc(
            "CommentService",
            "submit_comment",
            Code::FailedPrecondition,
            Duration::from_millis(1),
        );
        m.submission(None);
        m.submission(Some("NOT_OPEN".into()));
        m.report_published("publish", Duration::from_millis(700));
        let text = m.render(&Gauges {
            writer_batches: (vec![(1, 2), (4, 1)], 6, 3),
            ..Gauges::default()
        });
        assert!(text.contains("consult_rpc_requests_total{service=\"CommentService\",method=\"submit_comment\",code=\"OK\"} 2"), "{text}");
        assert!(text.contains("code=\"OK\",le=\"0.005\"} 1"), "{text}");
        assert!(text.contains("code=\"OK\",le=\"0.05\"} 2"), "{text}");
        assert!(text.contains("code=\"OK\",le=\"+Inf\"} 2"), "{text}");
        assert!(
            text.contains(
                "consult_report_publication_seconds_bucket{kind=\"publish\",le=\"0.5\"} 0"
            ),
            "{text}"
        );
        assert!(
            text.contains("consult_report_publication_seconds_bucket{kind=\"publish\",le=\"1\"} 1"),
            "{text}"
        );
        assert!(text.contains("consult_report_publication_seconds_count{kind=\"publish\"} 1"));
        assert!(
            text.contains("consult_submissions_total{outcome=\"refused\",reason=\"NOT_OPEN\"} 1")
        );
        assert!(
            text.contains("consult_writer_batch_size_bucket{le=\"4\"} 3"),
            "{text}"
        );
        assert!(text.contains("consult_writer_batch_size_sum 6"));
    }
}
