//! Readiness: whether this server can do its work, which is whether its database answers.
//! `grpc.health.v1` (the overall service "" and every consult service) and `/readyz` report
//! it; `/healthz` stays a liveness check (the process answers). On shutdown everything goes
//! NOT_SERVING for good, before calls in flight are drained, so balancers stop sending.

use std::fmt::Display;
use std::future::Future;
use std::time::Duration;

use axum::http::StatusCode;
use axum::routing::{MethodRouter, get};
use tokio::sync::{Mutex, watch};
use tonic_health::ServingStatus;
use tonic_health::server::HealthReporter;

/// Longest a database ping may take before the database counts as unreachable.
pub(crate) const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// The serving status of a server, published to `grpc.health.v1` and to `/readyz`.
pub(crate) struct Readiness {
    reporter: HealthReporter,
    /// "" and the fully qualified name of every service that follows the database.
    services: Vec<&'static str>,
    probe_timeout: Duration,
    /// Set at shutdown; held while publishing, so that a probe finishing late cannot undo it.
    stopped: Mutex<bool>,
    /// Whether serving, as last published.
    ready: watch::Sender<bool>,
}

impl Readiness {
    /// Starts SERVING: the server only starts once its database has answered.
    pub(crate) async fn new(
        reporter: HealthReporter,
        services: Vec<&'static str>,
        probe_timeout: Duration,
    ) -> Self {
        let readiness = Self {
            reporter,
            services,
            probe_timeout,
            stopped: Mutex::new(false),
            ready: watch::channel(true).0,
        };
        readiness.publish(true).await;
        readiness
    }

    /// Whether the server is ready, as it changes.
    pub(crate) fn subscribe(&self) -> watch::Receiver<bool> {
        self.ready.subscribe()
    }

    /// Runs one probe (failing it if it takes longer than the probe timeout) and publishes the
    /// outcome; returns the new status when it changed, logging each change once.
    pub(crate) async fn check<E: Display>(
        &self,
        probe: impl Future<Output = Result<(), E>>,
    ) -> Option<bool> {
        let outcome = match tokio::time::timeout(self.probe_timeout, probe).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(e.to_string()),
            Err(_) => Err(format!("no answer within {:?}", self.probe_timeout)),
        };
        let stopped = self.stopped.lock().await;
        let up = outcome.is_ok();
        if *stopped || *self.ready.borrow() == up {
            return None;
        }
        self.publish(up).await;
        match outcome {
            Err(e) => tracing::warn!(error = %e, "database unreachable: health NOT_SERVING"),
            Ok(()) => tracing::info!("database answers again: health SERVING"),
        }
        Some(up)
    }

    /// Probes every `every` for ever (the first probe after one interval: the database has
    /// just answered at start-up).
    pub(crate) async fn follow<F, P, E>(&self, every: Duration, probe: F)
    where
        F: Fn() -> P,
        P: Future<Output = Result<(), E>>,
        E: Display,
    {
        let mut ticks = tokio::time::interval(every);
        // A probe that takes longer than the interval delays the next rather than bunching them.
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        ticks.tick().await;
        loop {
            ticks.tick().await;
            self.check(probe()).await;
        }
    }

    /// NOT_SERVING for good: later probes change nothing.
    pub(crate) async fn shut_down(&self) {
        let mut stopped = self.stopped.lock().await;
        *stopped = true;
        self.publish(false).await;
    }

    async fn publish(&self, up: bool) {
        let status = if up {
            ServingStatus::Serving
        } else {
            ServingStatus::NotServing
        };
        for service in &self.services {
            self.reporter.set_service_status(service, status).await;
        }
        self.ready.send_replace(up);
    }
}

/// `GET /readyz`: 200 while the server is ready, 503 while its database is unreachable or it
/// is stopping.
pub(crate) fn readyz(ready: watch::Receiver<bool>) -> MethodRouter {
    get(move || {
        let up = *ready.borrow();
        async move {
            if up {
                (StatusCode::OK, "ok")
            } else {
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "未就绪：数据库无法访问或服务正在停止 (not ready: database unreachable or shutting down)",
                )
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    use tonic::Request;
    use tonic_health::pb::HealthCheckRequest;
    use tonic_health::pb::health_server::Health;
    use tonic_health::server::HealthService;

    use super::*;

    const SERVICES: [&str; 2] = ["", "consult.v1.CommentService"];

    async fn statuses(service: &HealthService) -> Vec<i32> {
        let mut out = Vec::new();
        for name in SERVICES {
            let reply = service
                .check(Request::new(HealthCheckRequest {
                    service: name.into(),
                }))
                .await
                .expect("registered service");
            out.push(reply.into_inner().status);
        }
        out
    }

    const SERVING: i32 = ServingStatus::Serving as i32;
    const NOT_SERVING: i32 = ServingStatus::NotServing as i32;

    /// A probe that succeeds while `up` is set and fails otherwise.
    fn database(up: &Arc<AtomicBool>) -> impl Fn() -> std::future::Ready<Result<(), String>> {
        let up = up.clone();
        move || {
            std::future::ready(if up.load(Ordering::SeqCst) {
                Ok(())
            } else {
                Err("connection refused".to_owned())
            })
        }
    }

    #[tokio::test]
    async fn status_follows_the_probe_and_changes_only_on_transitions() {
        let reporter = HealthReporter::new();
        let service = HealthService::from_health_reporter(reporter.clone());
        let readiness = Readiness::new(reporter, SERVICES.to_vec(), PROBE_TIMEOUT).await;
        let ready = readiness.subscribe();
        let up = Arc::new(AtomicBool::new(true));
        let probe = database(&up);

        assert_eq!(statuses(&service).await, [SERVING, SERVING]);
        assert_eq!(readiness.check(probe()).await, None);

        up.store(false, Ordering::SeqCst);
        assert_eq!(readiness.check(probe()).await, Some(false));
        assert_eq!(statuses(&service).await, [NOT_SERVING, NOT_SERVING]);
        assert!(!*ready.borrow());
        // Still down: no second transition (and no second log line).
        assert_eq!(readiness.check(probe()).await, None);

        up.store(true, Ordering::SeqCst);
        assert_eq!(readiness.check(probe()).await, Some(true));
        assert_eq!(statuses(&service).await, [SERVING, SERVING]);
        assert!(*ready.borrow());
    }

    #[tokio::test]
    async fn a_probe_without_answer_counts_as_down() {
        let reporter = HealthReporter::new();
        let service = HealthService::from_health_reporter(reporter.clone());
        let readiness =
            Readiness::new(reporter, SERVICES.to_vec(), Duration::from_millis(50)).await;
        let hung = std::future::pending::<Result<(), String>>();
        assert_eq!(readiness.check(hung).await, Some(false));
        assert_eq!(statuses(&service).await, [NOT_SERVING, NOT_SERVING]);
    }

    #[tokio::test]
    async fn shutdown_is_final() {
        let reporter = HealthReporter::new();
        let service = HealthService::from_health_reporter(reporter.clone());
        let readiness = Readiness::new(reporter, SERVICES.to_vec(), PROBE_TIMEOUT).await;
        let ready = readiness.subscribe();
        readiness.shut_down().await;
        assert_eq!(statuses(&service).await, [NOT_SERVING, NOT_SERVING]);
        assert!(!*ready.borrow());
        // The database still answers, but a stopping server must not advertise itself again.
        assert_eq!(
            readiness
                .check(std::future::ready(Ok::<_, String>(())))
                .await,
            None
        );
        assert_eq!(statuses(&service).await, [NOT_SERVING, NOT_SERVING]);
    }

    /// GET `path` on `addr` over HTTP/1.1: the status code and the body.
    async fn get(addr: std::net::SocketAddr, path: &str) -> (u16, String) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
        let request = format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).await.expect("send");
        let mut raw = String::new();
        stream.read_to_string(&mut raw).await.expect("read");
        let status = raw
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .expect("status line");
        let body = raw.split_once("\r\n\r\n").map(|(_, b)| b.to_owned());
        (status, body.unwrap_or_default())
    }

    #[tokio::test]
    async fn readyz_answers_503_while_not_ready() {
        let reporter = HealthReporter::new();
        let readiness = Readiness::new(reporter, SERVICES.to_vec(), PROBE_TIMEOUT).await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("address");
        let pages = axum::Router::new().route("/readyz", readyz(readiness.subscribe()));
        let (stop, stopping) = watch::channel(false);
        let server = tokio::spawn(crate::transport::serve_pages(
            listener,
            pages,
            Duration::from_secs(10),
            stopping,
        ));

        assert_eq!(get(addr, "/readyz").await, (200, "ok".to_owned()));
        let up = Arc::new(AtomicBool::new(false));
        assert_eq!(readiness.check(database(&up)()).await, Some(false));
        let (status, body) = get(addr, "/readyz").await;
        assert_eq!(status, 503);
        assert!(body.contains("数据库无法访问"), "{body}");
        up.store(true, Ordering::SeqCst);
        readiness.check(database(&up)()).await;
        assert_eq!(get(addr, "/readyz").await.0, 200);

        stop.send_replace(true);
        server.await.expect("pages stop when told");
    }
}
