//! OpenTelemetry traces over OTLP/HTTP (JSON), when `[traces] endpoint` is set; off by
//! default, and then no span is even made. Every gRPC call is a server span named after its
//! method (`consult.v1.CommentService/SubmitComment`) with the semantic conventions' `rpc.*`
//! attributes; a caller's W3C `traceparent` metadata makes it a child of the caller's span,
//! so a portal's trace goes on into this service. Spans are [`OtlpLayer`]'s: a
//! `tracing-subscriber` layer that gives each span its ids, and on close hands it to a task
//! that posts batches to the collector, and what it holds once more when the server stops
//! ([`flush`]). Traces are best effort: a full queue or an unreachable collector drops spans
//! (counted in the log), never slows a call.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rand::RngCore;
use tokio::sync::{mpsc, oneshot};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Span, Subscriber};
use tracing_subscriber::Layer;
use tracing_subscriber::layer::Context;
use tracing_subscriber::registry::LookupSpan;

/// Spans waiting for the exporter; more are dropped.
const QUEUE: usize = 8_192;
/// Most spans in one request to the collector.
const BATCH: usize = 512;
/// How long the collector has to answer.
const EXPORT_TIMEOUT: Duration = Duration::from_secs(10);
/// Span kinds of OTLP.
const KIND_INTERNAL: i64 = 1;
const KIND_SERVER: i64 = 2;

/// Whether spans are made at all: set once, when the layer is installed.
static ENABLED: AtomicBool = AtomicBool::new(false);
/// Spans dropped because the queue was full or the collector failed.
static DROPPED: AtomicU64 = AtomicU64::new(0);

/// A W3C trace context: the trace and the span within it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TraceContext {
    /// 16 bytes, never all zero.
    pub trace_id: [u8; 16],
    /// 8 bytes, never all zero.
    pub span_id: [u8; 8],
}

/// A `traceparent` header (`00-<trace id>-<parent id>-<flags>`), if well formed.
pub fn parse_traceparent(header: &str) -> Option<TraceContext> {
    let parts: Vec<&str> = header.trim().split('-').collect();
    let [version, trace, parent, flags, rest @ ..] = parts.as_slice() else {
        return None;
    };
    // Version 00 has exactly four parts; a later version may add some after them.
    let known = *version == "00";
    if version.len() != 2 || *version == "ff" || (known && !rest.is_empty()) || flags.len() != 2 {
        return None;
    }
    let lower_hex = |s: &str| {
        s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    };
    if ![version, trace, parent, flags].iter().all(|p| lower_hex(p)) {
        return None;
    }
    let trace_id: [u8; 16] = hex::decode(trace).ok()?.try_into().ok()?;
    let span_id: [u8; 8] = hex::decode(parent).ok()?.try_into().ok()?;
    if trace_id == [0; 16] || span_id == [0; 8] {
        return None;
    }
    Some(TraceContext { trace_id, span_id })
}

/// The span of a gRPC call of `service`'s `method` (as the macro names them: `CommentService`,
/// `submit_comment`), child of the caller's span when its metadata carries `traceparent`;
/// `Span::none()` while traces are off.
pub(crate) fn rpc_span(
    service: &str,
    method: &str,
    metadata: &tonic::metadata::MetadataMap,
) -> Span {
    if !ENABLED.load(Ordering::Relaxed) {
        return Span::none();
    }
    let method = pascal_case(method);
    let parent = metadata
        .get("traceparent")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    tracing::info_span!(
        target: "consult::rpc",
        "rpc",
        otel.name = %format_args!("consult.v1.{service}/{method}"),
        otel.kind = "server",
        otel.status_code = tracing::field::Empty,
        otel.status_message = tracing::field::Empty,
        rpc.system = "grpc",
        rpc.service = %format_args!("consult.v1.{service}"),
        rpc.method = %method,
        rpc.grpc.status_code = tracing::field::Empty,
        traceparent = parent,
    )
}

/// Records how the call of `span` was answered.
pub(crate) fn answered<T>(span: &Span, answer: &Result<T, tonic::Status>) {
    if span.is_none() {
        return;
    }
    match answer {
        Ok(_) => {
            span.record("rpc.grpc.status_code", 0_i64);
        }
        Err(status) => {
            span.record("rpc.grpc.status_code", status.code() as i64);
            span.record("otel.status_code", "ERROR");
            span.record("otel.status_message", status.message());
        }
    }
}

/// Whether a span is exported: those made for traces (targets under `consult::`), not
/// libraries' spans nor the spans the log uses to give its lines context, which would be
/// noise in a trace.
pub fn exported(metadata: &tracing::Metadata<'_>) -> bool {
    metadata.is_span() && metadata.target().starts_with("consult::")
}

/// `submit_comment` → `SubmitComment`.
fn pascal_case(snake: &str) -> String {
    snake
        .split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// An attribute's value.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    Str(String),
    Int(i64),
    Bool(bool),
    Double(f64),
}

impl Value {
    fn to_json(&self) -> serde_json::Value {
        match self {
            // OTLP's JSON carries 64-bit integers as strings.
            Value::Str(s) => serde_json::json!({ "stringValue": s }),
            Value::Int(i) => serde_json::json!({ "intValue": i.to_string() }),
            Value::Bool(b) => serde_json::json!({ "boolValue": b }),
            Value::Double(d) => serde_json::json!({ "doubleValue": d }),
        }
    }
}

/// A span while open, kept in its extensions.
#[derive(Debug, Clone)]
struct SpanRecord {
    context: TraceContext,
    parent: Option<[u8; 8]>,
    name: String,
    kind: i64,
    start: SystemTime,
    attributes: Vec<(String, Value)>,
    error: Option<String>,
}

/// A closed span, for the exporter.
#[derive(Debug, Clone)]
struct FinishedSpan {
    record: SpanRecord,
    end: SystemTime,
}

/// Reads a span's fields into its record; `otel.*` and `traceparent` are instructions, the
/// rest attributes.
struct Fields<'a> {
    record: &'a mut SpanRecord,
    remote: &'a mut Option<TraceContext>,
}

impl Fields<'_> {
    fn set(&mut self, field: &Field, value: Value) {
        match (field.name(), value) {
            ("traceparent", Value::Str(s)) => *self.remote = parse_traceparent(&s),
            ("otel.name", Value::Str(s)) => self.record.name = s,
            ("otel.kind", Value::Str(s)) => {
                self.record.kind = if s == "server" {
                    KIND_SERVER
                } else {
                    KIND_INTERNAL
                }
            }
            ("otel.status_code", Value::Str(s)) => {
                if s == "ERROR" && self.record.error.is_none() {
                    self.record.error = Some(String::new());
                }
            }
            ("otel.status_message", Value::Str(s)) => self.record.error = Some(s),
            (name, value) => {
                self.record.attributes.retain(|(k, _)| k != name);
                self.record.attributes.push((name.to_owned(), value));
            }
        }
    }
}

impl Visit for Fields<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.set(field, Value::Str(value.to_owned()));
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.set(field, Value::Int(value));
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.set(field, Value::Int(i64::try_from(value).unwrap_or(i64::MAX)));
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.set(field, Value::Bool(value));
    }
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.set(field, Value::Double(value));
    }
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.set(field, Value::Str(format!("{value:?}")));
    }
}

/// The layer that makes spans for OTLP.
pub struct OtlpLayer {
    spans: mpsc::Sender<FinishedSpan>,
}

fn random_nonzero<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    while bytes == [0u8; N] {
        rand::rng().fill_bytes(&mut bytes);
    }
    bytes
}

impl<S> Layer<S> for OtlpLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        if !exported(attrs.metadata()) {
            return;
        }
        let Some(span) = ctx.span(id) else {
            return;
        };
        let mut record = SpanRecord {
            context: TraceContext {
                trace_id: [0; 16],
                span_id: random_nonzero(),
            },
            parent: None,
            name: attrs.metadata().name().to_owned(),
            kind: KIND_INTERNAL,
            start: SystemTime::now(),
            attributes: Vec::new(),
            error: None,
        };
        let mut remote = None;
        attrs.record(&mut Fields {
            record: &mut record,
            remote: &mut remote,
        });
        let local_parent = span
            .scope()
            .skip(1)
            .find_map(|p| p.extensions().get::<SpanRecord>().map(|r| r.context));
        // The caller's context wins: a call is a child of the span that made it.
        match remote.or(local_parent) {
            Some(parent) => {
                record.context.trace_id = parent.trace_id;
                record.parent = Some(parent.span_id);
            }
            None => record.context.trace_id = random_nonzero(),
        }
        span.extensions_mut().insert(record);
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else {
            return;
        };
        let mut extensions = span.extensions_mut();
        if let Some(record) = extensions.get_mut::<SpanRecord>() {
            let mut remote = None;
            values.record(&mut Fields {
                record,
                remote: &mut remote,
            });
        }
    }

    fn on_close(&self, id: Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(&id) else {
            return;
        };
        let Some(record) = span.extensions_mut().remove::<SpanRecord>() else {
            return;
        };
        let finished = FinishedSpan {
            record,
            end: SystemTime::now(),
        };
        if self.spans.try_send(finished).is_err() {
            DROPPED.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Where spans go: `http://host:port`, to which `/v1/traces` is added.
#[derive(Debug, Clone)]
struct Endpoint {
    authority: String,
    path: String,
}

fn endpoint_of(url: &str) -> Result<Endpoint, String> {
    let rest = url.trim().strip_prefix("http://").ok_or_else(|| {
        format!(
            "traces: endpoint {url:?}: expected http://host:port (send to a collector beside \
             the service; TLS to a remote one is the collector's)"
        )
    })?;
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    if authority.is_empty() {
        return Err(format!("traces: endpoint {url:?}: no host"));
    }
    let path = path.trim_end_matches('/');
    Ok(Endpoint {
        authority: if authority.contains(':') {
            authority.to_owned()
        } else {
            format!("{authority}:80")
        },
        path: if path.is_empty() {
            "/v1/traces".to_owned()
        } else {
            format!("/{path}/v1/traces")
        },
    })
}

/// The layer to install and the task that exports its spans to `endpoint` as `service_name`
/// (spawn it on the runtime); a span waits `every` at most for its batch to go. Fails on an
/// endpoint it cannot use.
pub fn otlp(
    endpoint: &str,
    service_name: &str,
    every: Duration,
) -> Result<
    (
        OtlpLayer,
        impl std::future::Future<Output = ()> + Send + 'static,
    ),
    String,
> {
    let endpoint = endpoint_of(endpoint)?;
    let (tx, rx) = mpsc::channel(QUEUE);
    ENABLED.store(true, Ordering::Relaxed);
    let resource = serde_json::json!({
        "attributes": [
            {"key": "service.name", "value": {"stringValue": service_name}},
            {"key": "service.version", "value": {"stringValue": env!("CARGO_PKG_VERSION")}},
            {"key": "service.instance.id", "value": {"stringValue": instance_id()}},
        ]
    });
    Ok((
        OtlpLayer { spans: tx },
        export(endpoint, resource, rx, every),
    ))
}

/// This process, among the replicas.
fn instance_id() -> &'static str {
    static ID: OnceLock<String> = OnceLock::new();
    ID.get_or_init(|| ulid::Ulid::new().to_string())
}

/// The exporter's flush requests, once it runs.
static FLUSHES: OnceLock<mpsc::Sender<oneshot::Sender<()>>> = OnceLock::new();

/// Sends what the exporter holds now and waits for it, `within` at most: called once the server
/// has stopped, so that the spans of its last calls are not lost with the process.
pub async fn flush(within: Duration) {
    let Some(flushes) = FLUSHES.get() else {
        return;
    };
    let (done, sent) = oneshot::channel();
    if flushes.send(done).await.is_ok() {
        let _ = tokio::time::timeout(within, sent).await;
    }
}

async fn export(
    endpoint: Endpoint,
    resource: serde_json::Value,
    mut rx: mpsc::Receiver<FinishedSpan>,
    every: Duration,
) {
    let (flush_tx, mut flushes) = mpsc::channel::<oneshot::Sender<()>>(1);
    let _ = FLUSHES.set(flush_tx);
    let mut batch = Vec::with_capacity(BATCH);
    let mut failing_since: Option<std::time::Instant> = None;
    loop {
        let mut flush = None;
        tokio::select! {
            span = rx.recv() => match span {
                Some(span) => batch.push(span),
                None => return,
            },
            Some(done) = flushes.recv() => flush = Some(done),
        }
        // A batch fills for `every` at most, unless a flush is asked for meanwhile.
        let deadline = tokio::time::Instant::now() + every;
        while flush.is_none() && batch.len() < BATCH {
            tokio::select! {
                span = tokio::time::timeout_at(deadline, rx.recv()) => match span {
                    Ok(Some(span)) => batch.push(span),
                    Ok(None) | Err(_) => break,
                },
                Some(done) = flushes.recv() => flush = Some(done),
            }
        }
        if flush.is_some() {
            while let Ok(span) = rx.try_recv() {
                batch.push(span);
            }
        }
        for spans in batch.chunks(BATCH) {
            send(&endpoint, &resource, spans, &mut failing_since).await;
        }
        batch.clear();
        if let Some(done) = flush {
            let _ = done.send(());
        }
    }
}

/// Posts `spans`; on failure they are dropped and counted.
async fn send(
    endpoint: &Endpoint,
    resource: &serde_json::Value,
    spans: &[FinishedSpan],
    failing_since: &mut Option<std::time::Instant>,
) {
    let body = request_body(resource, spans);
    match tokio::time::timeout(EXPORT_TIMEOUT, post(endpoint, body)).await {
        Ok(Ok(())) => {
            if failing_since.take().is_some() {
                tracing::info!(target: "exporter", "traces: the collector takes spans again");
            }
        }
        outcome => {
            DROPPED.fetch_add(spans.len() as u64, Ordering::Relaxed);
            let why = match outcome {
                Ok(Err(e)) => e,
                _ => "no answer in time".to_owned(),
            };
            // Once a minute at most, so that a collector that is down does not flood the log.
            if failing_since.is_none_or(|t| t.elapsed() > Duration::from_secs(60)) {
                *failing_since = Some(std::time::Instant::now());
                tracing::warn!(
                    target: "exporter",
                    error = %why,
                    dropped = DROPPED.load(Ordering::Relaxed),
                    "traces: spans not exported"
                );
            }
        }
    }
}

fn unix_nanos(t: SystemTime) -> String {
    t.duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos())
        .to_string()
}

/// An OTLP `ExportTraceServiceRequest` in its JSON encoding.
fn request_body(resource: &serde_json::Value, spans: &[FinishedSpan]) -> Vec<u8> {
    let spans: Vec<serde_json::Value> = spans
        .iter()
        .map(|s| {
            let r = &s.record;
            let mut span = serde_json::json!({
                "traceId": hex::encode(r.context.trace_id),
                "spanId": hex::encode(r.context.span_id),
                "name": r.name,
                "kind": r.kind,
                "startTimeUnixNano": unix_nanos(r.start),
                "endTimeUnixNano": unix_nanos(s.end),
                "attributes": r.attributes.iter().map(|(k, v)| {
                    serde_json::json!({"key": k, "value": v.to_json()})
                }).collect::<Vec<_>>(),
                "status": match &r.error {
                    Some(message) => serde_json::json!({"code": 2, "message": message}),
                    None => serde_json::json!({"code": 0}),
                },
            });
            if let Some(parent) = r.parent {
                span["parentSpanId"] = hex::encode(parent).into();
            }
            span
        })
        .collect();
    serde_json::json!({
        "resourceSpans": [{
            "resource": resource,
            "scopeSpans": [{
                "scope": {"name": "consultd", "version": env!("CARGO_PKG_VERSION")},
                "spans": spans,
            }]
        }]
    })
    .to_string()
    .into_bytes()
}

/// Posts one request over a new HTTP/1.1 connection.
async fn post(endpoint: &Endpoint, body: Vec<u8>) -> Result<(), String> {
    use http_body_util::{BodyExt, Full};
    let stream = tokio::net::TcpStream::connect(&endpoint.authority)
        .await
        .map_err(|e| format!("{}: {e}", endpoint.authority))?;
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .map_err(|e| e.to_string())?;
    let driver = tokio::spawn(connection);
    let request = hyper::Request::post(&endpoint.path)
        .header(hyper::header::HOST, &endpoint.authority)
        .header(hyper::header::CONTENT_TYPE, "application/json")
        .body(Full::new(bytes::Bytes::from(body)))
        .map_err(|e| e.to_string())?;
    let response = sender
        .send_request(request)
        .await
        .map_err(|e| e.to_string())?;
    let status = response.status();
    // Read the answer to its end so that the connection closes cleanly.
    let _ = response.into_body().collect().await;
    drop(sender);
    driver.abort();
    if status.is_success() {
        Ok(())
    } else {
        Err(format!("the collector answered {status}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracing_subscriber::layer::SubscriberExt;

    #[test]
    fn traceparents_are_read_as_the_w3c_says() {
        let good = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        let c = parse_traceparent(good).unwrap();
        assert_eq!(hex::encode(c.trace_id), "4bf92f3577b34da6a3ce929d0e0e4736");
        assert_eq!(hex::encode(c.span_id), "00f067aa0ba902b7");
        for bad in [
            "",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
        ] {
            assert_eq!(parse_traceparent(bad), None, "{bad}");
        }
        // A later version may carry more after the flags.
        assert!(
            parse_traceparent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x")
                .is_some()
        );
    }

    #[test]
    fn endpoints_get_the_traces_path() {
        let e = endpoint_of("http://otel-collector:4318").unwrap();
        assert_eq!(
            (e.authority.as_str(), e.path.as_str()),
            ("otel-collector:4318", "/v1/traces")
        );
        let e = endpoint_of("http://gw.internal/otlp/").unwrap();
        assert_eq!(
            (e.authority.as_str(), e.path.as_str()),
            ("gw.internal:80", "/otlp/v1/traces")
        );
        assert!(endpoint_of("https://collector:4318").is_err());
        assert_eq!(pascal_case("submit_comment"), "SubmitComment");
    }

    #[tokio::test]
    async fn spans_take_the_callers_trace_and_nest_and_encode_as_otlp_json() {
        let (tx, mut rx) = mpsc::channel(16);
        let subscriber = tracing_subscriber::registry().with(OtlpLayer { spans: tx });
        tracing::subscriber::with_default(subscriber, || {
            let outer = tracing::info_span!(
                target: "consult::rpc",
                "rpc",
                otel.name = "consult.v1.CommentService/SubmitComment",
                otel.kind = "server",
                otel.status_code = tracing::field::Empty,
                otel.status_message = tracing::field::Empty,
                rpc.grpc.status_code = tracing::field::Empty,
                traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            );
            outer.in_scope(|| {
                let inner =
                    tracing::info_span!(target: "consult::store", "commit", comments = 3_u64);
                drop(inner);
            });
            outer.record("rpc.grpc.status_code", 9_i64);
            outer.record("otel.status_code", "ERROR");
            outer.record("otel.status_message", "征求意见已截止");
            // Another library's span is not this service's to export, nor a span the log uses.
            drop(tracing::info_span!(target: "h2", "poll"));
            drop(tracing::info_span!(target: "consult_server::app", "grpc"));
        });
        let inner = rx.try_recv().unwrap();
        let outer = rx.try_recv().unwrap();
        assert!(rx.try_recv().is_err(), "two spans only");
        assert_eq!(outer.record.context.trace_id, inner.record.context.trace_id);
        assert_eq!(inner.record.parent, Some(outer.record.context.span_id));
        assert_eq!(
            hex::encode(outer.record.parent.unwrap()),
            "00f067aa0ba902b7"
        );
        let resource = serde_json::json!({"attributes": []});
        let body: serde_json::Value =
            serde_json::from_slice(&request_body(&resource, &[outer])).unwrap();
        let span = &body["resourceSpans"][0]["scopeSpans"][0]["spans"][0];
        assert_eq!(span["traceId"], "4bf92f3577b34da6a3ce929d0e0e4736");
        assert_eq!(span["parentSpanId"], "00f067aa0ba902b7");
        assert_eq!(span["name"], "consult.v1.CommentService/SubmitComment");
        assert_eq!(span["kind"], 2);
        assert_eq!(span["status"]["code"], 2);
        assert_eq!(span["status"]["message"], "征求意见已截止");
        let code = span["attributes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["key"] == "rpc.grpc.status_code")
            .unwrap();
        assert_eq!(code["value"]["intValue"], "9");
    }
}
