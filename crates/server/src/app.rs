//! Builds the server from settings: storage, the comment writer, services, health, reflection.
//! Binding port 0 and reading `local_addr` is how tests run the real server.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use consult_api::google::longrunning::operations_server::OperationsServer;
use consult_api::pb::answer_template_service_server::AnswerTemplateServiceServer;
use consult_api::pb::audit_service_server::AuditServiceServer;
use consult_api::pb::calendar_service_server::CalendarServiceServer;
use consult_api::pb::caller_service_server::CallerServiceServer;
use consult_api::pb::calling_system_service_server::CallingSystemServiceServer;
use consult_api::pb::catalogue_service_server::CatalogueServiceServer;
use consult_api::pb::comment_service_server::CommentServiceServer;
use consult_api::pb::consultation_service_server::ConsultationServiceServer;
use consult_api::pb::department_service_server::DepartmentServiceServer;
use consult_api::pb::event_service_server::EventServiceServer;
use consult_api::pb::feedback_service_server::FeedbackServiceServer;
use consult_api::pb::hearing_service_server::HearingServiceServer;
use consult_api::pb::meeting_service_server::MeetingServiceServer;
use consult_api::pb::representative_service_server::RepresentativeServiceServer;
use consult_api::pb::suggestion_service_server::SuggestionServiceServer;
use consult_domain::{Calendar, Clock};
use consult_store::{CommentWriter, PrivateDataKeys, Store, WriterConfig, WriterTask};
use tokio::net::TcpListener;
use tonic::server::NamedService;
use tonic::transport::Server;

use crate::auth::Authenticator;
use crate::health::Readiness;
use crate::pagination::PageTokens;
use crate::services::Core;
use crate::services::audit::Audit;
use crate::services::calendar::Calendars;
use crate::services::caller::Caller;
use crate::services::calling_systems::CallingSystems;
use crate::services::catalogues::Catalogues;
use crate::services::comments::Comments;
use crate::services::consultations::Consultations;
use crate::services::departments::Departments;
use crate::services::events::Events;
use crate::services::feedback::Feedback;
use crate::services::hearings::Hearings;
use crate::services::meetings::Meetings;
use crate::services::operations::LongRunning;
use crate::services::representatives::Representatives;
use crate::services::suggestions::Suggestions;
use crate::services::templates::Templates;
use crate::settings::Settings;

/// How long calls in flight may run on after a shutdown signal.
const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(5);

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// The configuration is inconsistent.
    #[error("configuration: {0}")]
    Config(String),
    /// The database could not be opened or migrated.
    #[error("database: {0}")]
    Database(#[from] consult_store::StoreError),
    /// The listen address could not be bound.
    #[error("listen: {0}")]
    Listen(#[from] std::io::Error),
    /// The gRPC server failed.
    #[error("server: {0}")]
    Serve(#[from] tonic::transport::Error),
}

/// A server bound to its socket, ready to run.
pub struct Application {
    listener: TcpListener,
    http_listener: TcpListener,
    core: Arc<Core>,
    writer_task: WriterTask,
    /// Deadline of every call, streams per connection and largest request.
    limits: (std::time::Duration, u32, usize),
    tls: Option<tonic::transport::ServerTlsConfig>,
    /// How long a new gRPC connection may take to send its preface (or finish its TLS
    /// handshake), and a page request its headers.
    preface_timeout: std::time::Duration,
    header_timeout: std::time::Duration,
    /// How often the database is pinged for the health status.
    health_interval: std::time::Duration,
    /// How suggestions are kept up to date as comments arrive; `None`: they are not.
    assigner: Option<crate::assigning::AssignerSettings>,
    /// Where events are relayed; `None`: nowhere.
    nats: Option<crate::settings::NatsSettings>,
    #[cfg(feature = "test-clock")]
    test_clock: Arc<crate::clock::ManualClock>,
}

/// The server's TLS configuration from its files, read at start-up so that a bad path or key
/// stops the server instead of failing the first call.
fn load_tls(
    t: &crate::settings::TlsSettings,
) -> Result<tonic::transport::ServerTlsConfig, StartupError> {
    use tonic::transport::{Certificate, Identity, ServerTlsConfig};
    let read = |p: &std::path::Path| {
        std::fs::read(p).map_err(|e| StartupError::Config(format!("tls: {}: {e}", p.display())))
    };
    let mut config = ServerTlsConfig::new()
        .identity(Identity::from_pem(read(&t.cert_file)?, read(&t.key_file)?));
    if let Some(ca) = &t.client_ca_file {
        config = config.client_ca_root(Certificate::from_pem(read(ca)?));
    }
    Ok(config)
}

/// The keys of private fields from their files. Production needs configured keys and refuses
/// the built-in development key; development without `[private_data]` uses that key.
pub fn load_private_data_keys(settings: &Settings) -> Result<PrivateDataKeys, StartupError> {
    use crate::settings::Mode;
    let Some(pd) = &settings.private_data else {
        return match settings.mode {
            Mode::Production => Err(StartupError::Config(
                "private_data: 生产模式必须配置个人信息加密密钥 (production needs [private_data] keys)"
                    .into(),
            )),
            Mode::Development => {
                tracing::warn!(
                    "no [private_data] keys: private fields are sealed with the public development key"
                );
                Ok(PrivateDataKeys::development())
            }
        };
    };
    let mut keys = Vec::with_capacity(pd.keys.len());
    for k in &pd.keys {
        let text = std::fs::read_to_string(&k.key_file).map_err(|e| {
            StartupError::Config(format!(
                "private_data key {}: {}: {e}",
                k.id,
                k.key_file.display()
            ))
        })?;
        warn_if_readable_by_others(&k.key_file);
        let bytes = PrivateDataKeys::parse_key_text(&k.id, &text)
            .map_err(|e| StartupError::Config(format!("{}: {e}", k.key_file.display())))?;
        keys.push((k.id.clone(), bytes));
    }
    let keys = PrivateDataKeys::new(&pd.current_key, keys)
        .map_err(|e| StartupError::Config(format!("private_data: {e}")))?;
    if settings.mode == Mode::Production {
        keys.refuse_development_key()
            .map_err(|e| StartupError::Config(format!("private_data: {e}")))?;
    }
    Ok(keys)
}

#[cfg(unix)]
fn warn_if_readable_by_others(path: &std::path::Path) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(meta) = std::fs::metadata(path)
        && meta.permissions().mode() & 0o077 != 0
    {
        tracing::warn!(file = %path.display(), "private data key file is readable by group or others; chmod 600");
    }
}

#[cfg(not(unix))]
fn warn_if_readable_by_others(_: &std::path::Path) {}

fn load_calendar(settings: &Settings) -> Result<Calendar, StartupError> {
    let mut calendar = Calendar::built_in();
    for path in &settings.calendar_files {
        let text = std::fs::read_to_string(path)
            .map_err(|e| StartupError::Config(format!("{}: {e}", path.display())))?;
        let year = calendar
            .load_notice(&text)
            .map_err(|e| StartupError::Config(format!("{}: {e}", path.display())))?;
        tracing::info!(year, file = %path.display(), "holiday notice loaded");
    }
    Ok(calendar)
}

impl Application {
    /// Opens the database, migrates it, starts the comment writer and binds the listener.
    pub async fn build(settings: Settings) -> Result<Self, StartupError> {
        let auth = Authenticator::from_settings(&settings).map_err(StartupError::Config)?;
        let calendar = load_calendar(&settings)?;
        let keys = load_private_data_keys(&settings)?;
        // A relay that could never connect is a mistake in the file: say so now, not in a log
        // line every two seconds.
        if let Some(n) = &settings.nats {
            crate::relay::nats::address_of(&n.url)
                .map_err(|e| StartupError::Config(e.to_string()))?;
        }
        let mut store = Store::open(&settings.database_url, keys).await?;
        store.set_search_reads_filtered_below(settings.search_reads_filtered_below);
        // Years loaded at run time are known before the first call is served.
        let calendars = Arc::new(crate::calendar::SharedCalendar::new(calendar));
        calendars.refresh(&store).await?;
        let (writer, writer_task) = CommentWriter::start(
            store.clone(),
            WriterConfig {
                max_batch: settings.comment_batch_size,
                ..WriterConfig::default()
            },
        );
        let key = match &settings.page_token_secret {
            Some(s) if !s.is_empty() => s.as_bytes().to_vec(),
            _ => rand::random::<[u8; 32]>().to_vec(),
        };

        #[cfg(feature = "test-clock")]
        let test_clock = Arc::new(crate::clock::ManualClock::new(chrono::Utc::now()));
        #[cfg(feature = "test-clock")]
        let clock: Arc<dyn Clock> = test_clock.clone();
        #[cfg(not(feature = "test-clock"))]
        let clock: Arc<dyn Clock> = Arc::new(crate::clock::SystemClock);

        let listener = TcpListener::bind(settings.listen).await?;
        let http_listener = TcpListener::bind(settings.http_listen).await?;
        let preface_timeout =
            std::time::Duration::from_secs(settings.connection_preface_timeout_seconds.max(1));
        let tls = match &settings.tls {
            // The handshake of a client that sent a ClientHello and then stalled is bounded too.
            Some(t) => Some(load_tls(t)?.timeout(preface_timeout)),
            None => None,
        };
        Ok(Self {
            listener,
            http_listener,
            core: Arc::new(Core {
                store,
                writer,
                clock,
                calendars,
                auth,
                pages: PageTokens::new(key),
                submit_limiter: crate::limits::Limiter::new(settings.submit_rate_limit),
                full_report_max_bytes: settings.full_report_max_bytes,
                operations: crate::operations::Operations::new(),
                site: settings.site.site(),
                form: crate::web::CommentFormSettings::from_settings(&settings.site)
                    .map_err(StartupError::Config)?,
                metrics: crate::metrics::Metrics::default(),
                comment_count_interval: (settings.comment_count_interval_seconds > 0).then(|| {
                    chrono::Duration::seconds(
                        i64::try_from(settings.comment_count_interval_seconds)
                            .unwrap_or(i64::MAX / 4_000),
                    )
                }),
                event_relay: settings
                    .nats
                    .as_ref()
                    .map(|_| crate::relay::RelayCounts::default()),
                event_retention: chrono::Duration::hours(
                    i64::try_from(settings.event_retention_hours.max(1)).unwrap_or(i64::MAX / 4),
                ),
            }),
            writer_task,
            tls,
            preface_timeout,
            header_timeout: std::time::Duration::from_secs(
                settings.http_header_timeout_seconds.max(1),
            ),
            health_interval: std::time::Duration::from_millis(
                settings.health_check_interval_ms.max(100),
            ),
            assigner: (settings.suggestion_assigner_interval_ms > 0).then(|| {
                crate::assigning::AssignerSettings {
                    every: std::time::Duration::from_millis(
                        settings.suggestion_assigner_interval_ms,
                    ),
                    most_comments: settings.suggestion_assigner_most_comments,
                }
            }),
            nats: settings.nats.clone(),
            limits: (
                std::time::Duration::from_secs(settings.request_timeout_seconds.max(1)),
                settings.max_concurrent_streams.max(1),
                settings.max_request_bytes.max(64 * 1024),
            ),
            #[cfg(feature = "test-clock")]
            test_clock,
        })
    }

    /// The bound address (its port is the real one when configured with port 0).
    pub fn local_addr(&self) -> Result<SocketAddr, StartupError> {
        Ok(self.listener.local_addr()?)
    }

    /// The bound address of the public web pages.
    pub fn http_addr(&self) -> Result<SocketAddr, StartupError> {
        Ok(self.http_listener.local_addr()?)
    }

    /// Serves until `shutdown` resolves, reports NOT_SERVING, lets in-flight calls finish, then
    /// flushes the writer.
    pub async fn run_until(
        mut self,
        shutdown: impl Future<Output = ()>,
    ) -> Result<(), StartupError> {
        let (health, health_service) = tonic_health::server::health_reporter();
        let readiness = Arc::new(
            Readiness::new(
                health,
                vec![
                    "",
                    ConsultationServiceServer::<Consultations>::NAME,
                    CommentServiceServer::<Comments>::NAME,
                    FeedbackServiceServer::<Feedback>::NAME,
                    SuggestionServiceServer::<Suggestions>::NAME,
                    AnswerTemplateServiceServer::<Templates>::NAME,
                    CallerServiceServer::<Caller>::NAME,
                    DepartmentServiceServer::<Departments>::NAME,
                    CallingSystemServiceServer::<CallingSystems>::NAME,
                    EventServiceServer::<Events>::NAME,
                    CatalogueServiceServer::<Catalogues>::NAME,
                    HearingServiceServer::<Hearings>::NAME,
                    MeetingServiceServer::<Meetings>::NAME,
                    CalendarServiceServer::<Calendars>::NAME,
                    RepresentativeServiceServer::<Representatives>::NAME,
                    AuditServiceServer::<Audit>::NAME,
                    OperationsServer::<LongRunning>::NAME,
                ],
                crate::health::PROBE_TIMEOUT,
            )
            .await,
        );

        let reflection_v1 = tonic_reflection::server::Builder::configure()
            .register_encoded_file_descriptor_set(consult_api::FILE_DESCRIPTOR_SET)
            .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
            .build_v1()
            .map_err(|e| StartupError::Config(e.to_string()))?;
        let reflection_v1alpha = tonic_reflection::server::Builder::configure()
            .register_encoded_file_descriptor_set(consult_api::FILE_DESCRIPTOR_SET)
            .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
            .build_v1alpha()
            .map_err(|e| StartupError::Config(e.to_string()))?;

        let (timeout, streams, max_request) = self.limits;
        let mut builder = Server::builder();
        if let Some(tls) = self.tls.clone() {
            builder = builder
                .tls_config(tls)
                .map_err(|e| StartupError::Config(format!("tls: {e}")))?;
        }
        let router = builder
            .timeout(timeout)
            .max_concurrent_streams(Some(streams))
            .http2_keepalive_interval(Some(crate::transport::HTTP2_KEEPALIVE_INTERVAL))
            .http2_keepalive_timeout(Some(crate::transport::HTTP2_KEEPALIVE_TIMEOUT))
            .trace_fn(|req| tracing::info_span!("grpc", method = %req.uri().path()))
            .add_service(health_service)
            .add_service(reflection_v1)
            .add_service(reflection_v1alpha)
            .add_service(
                ConsultationServiceServer::new(Consultations(self.core.clone()))
                    .max_decoding_message_size(max_request),
            )
            .add_service(
                CommentServiceServer::new(Comments(self.core.clone()))
                    .max_decoding_message_size(max_request),
            )
            .add_service(
                FeedbackServiceServer::new(Feedback(self.core.clone()))
                    .max_decoding_message_size(max_request),
            )
            .add_service(SuggestionServiceServer::new(Suggestions(self.core.clone())))
            .add_service(AnswerTemplateServiceServer::new(Templates(
                self.core.clone(),
            )))
            .add_service(CallerServiceServer::new(Caller(self.core.clone())))
            .add_service(DepartmentServiceServer::new(Departments(self.core.clone())))
            .add_service(CallingSystemServiceServer::new(CallingSystems(
                self.core.clone(),
            )))
            .add_service(EventServiceServer::new(Events(self.core.clone())))
            .add_service(CatalogueServiceServer::new(Catalogues(self.core.clone())))
            .add_service(HearingServiceServer::new(Hearings(self.core.clone())))
            .add_service(MeetingServiceServer::new(Meetings(self.core.clone())))
            .add_service(CalendarServiceServer::new(Calendars(self.core.clone())))
            .add_service(RepresentativeServiceServer::new(Representatives(
                self.core.clone(),
            )))
            .add_service(AuditServiceServer::new(Audit(self.core.clone())))
            .add_service(OperationsServer::new(LongRunning(self.core.clone())));
        #[cfg(feature = "test-clock")]
        let router = router.add_service(
            consult_api::testing::test_clock_service_server::TestClockServiceServer::new(
                crate::services::test_clock::TestClock(self.test_clock.clone()),
            ),
        );

        let store = self.core.store.clone();
        let resealer = tokio::spawn(reseal_in_background(store.clone(), self.core.clock.clone()));
        let calendars = tokio::spawn({
            let core = self.core.clone();
            async move {
                loop {
                    tokio::time::sleep(crate::calendar::REFRESH).await;
                    if let Err(e) = core.calendars.refresh(&core.store).await {
                        tracing::warn!(error = %e, "cannot read the holiday notices loaded at run time");
                    }
                }
            }
        });
        // Openings and comment counts announced, events past their retention removed; every
        // replica tries, the first finds them.
        let event_trimmer = tokio::spawn({
            let core = self.core.clone();
            async move {
                loop {
                    tokio::time::sleep(crate::services::events::TRIM_EVERY).await;
                    let now = core.clock.now();
                    let before = now - core.event_retention;
                    // Scheduled consultations whose opening time has come are announced.
                    if let Err(e) = core.store.announce_openings(now, before).await {
                        tracing::warn!(error = %e, "cannot announce consultations that opened");
                    }
                    // Comments received, counted once an interval.
                    if let Some(interval) = core.comment_count_interval
                        && let Err(e) = core
                            .store
                            .announce_comment_counts(now, interval, before)
                            .await
                    {
                        tracing::warn!(error = %e, "cannot count the comments received");
                    }
                    match core.store.trim_events(before).await {
                        Ok(0) => {}
                        Ok(n) => tracing::info!(removed = n, "events past their retention removed"),
                        Err(e) => {
                            tracing::warn!(error = %e, "cannot remove events past their retention")
                        }
                    }
                }
            }
        });
        // Operations started here or left by a stopped replica; a stop mid-way rolls back and
        // another replica (or the next start) takes the operation up once its lease runs out.
        let operations = tokio::spawn(crate::operations::run(self.core.clone()));
        let checkpoints = store.spawn_wal_checkpoints();
        let assigner = self
            .assigner
            .map(|a| tokio::spawn(crate::assigning::run(self.core.clone(), a)));
        // Events relayed to NATS by the replica holding the relay's lease.
        let relay = self
            .nats
            .take()
            .map(|n| tokio::spawn(crate::relay::run(self.core.clone(), n)));
        let health_task = tokio::spawn({
            let (readiness, store) = (readiness.clone(), store.clone());
            let every = self.health_interval;
            async move {
                readiness
                    .follow(every, move || {
                        let store = store.clone();
                        async move { store.ping().await }
                    })
                    .await;
            }
        });
        // Graceful shutdown waits for clients to hang up; idle keep-alive connections may never
        // do so, so in-flight calls get a bounded grace period and the rest are dropped.
        let (stopping, mut stop_seen) = tokio::sync::watch::channel(false);
        let signal = {
            let readiness = readiness.clone();
            async move {
                shutdown.await;
                // Balancers watching health stop sending before the listeners close.
                readiness.shut_down().await;
                let _ = stopping.send(true);
            }
        };
        let pages = crate::web::router(self.core.clone())
            .route("/readyz", crate::health::readyz(readiness.subscribe()))
            .route("/metrics", crate::metrics::route(self.core.clone()))
            .layer(axum::middleware::from_fn(crate::web::cache_policy));
        let web = tokio::spawn(crate::transport::serve_pages(
            self.http_listener,
            pages,
            self.header_timeout,
            stop_seen.clone(),
        ));
        let incoming = crate::transport::grpc_connections(self.listener, self.preface_timeout);
        let serve = router.serve_with_incoming_shutdown(incoming, signal);
        let grace_over = async move {
            let _ = stop_seen.changed().await;
            tokio::time::sleep(SHUTDOWN_GRACE).await;
        };
        tokio::select! {
            served = serve => served?,
            () = grace_over => tracing::warn!("grace period over; dropping open connections"),
        }
        // The pages stop with the same signal; open page loads get the same grace.
        if tokio::time::timeout(SHUTDOWN_GRACE, web).await.is_err() {
            tracing::warn!("public pages did not stop in time");
        }
        // A batch cut short rolls back whole; the next start carries on.
        resealer.abort();
        calendars.abort();
        event_trimmer.abort();
        operations.abort();
        if let Some(a) = assigner {
            a.abort();
        }
        if let Some(r) = relay {
            r.abort();
        }
        if let Some(c) = checkpoints {
            c.abort();
        }
        health_task.abort();
        // Connection tasks may still hold handles to the writer, so stop it explicitly.
        self.writer_task.finish().await;
        store.close().await?;
        tracing::info!("stopped");
        Ok(())
    }
}

/// Comments re-sealed per transaction: small enough that submissions waiting for the write
/// gate are held up for milliseconds, not seconds.
const RESEAL_BATCH: u64 = 500;

/// Re-seals private fields left in plain text or under an older key, a batch at a time, then
/// gives comments stored before contact digests existed their digest.
async fn reseal_in_background(store: Store, clock: Arc<dyn Clock>) {
    reseal(&store, clock).await;
    digest_contacts(&store).await;
}

/// Computes the contact digests of comments stored before they existed, a batch at a time.
async fn digest_contacts(store: &Store) {
    let mut done = 0u64;
    loop {
        match store.digest_contacts_batch(RESEAL_BATCH).await {
            Ok(p) if p.digested == 0 => break,
            Ok(p) => done += p.digested,
            Err(e) => {
                tracing::error!(error = %e, "computing contact digests failed; retrying in 10 s");
                tokio::time::sleep(std::time::Duration::from_secs(10)).await;
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    if done > 0 {
        tracing::info!(
            comments = done,
            "contact digests computed for older comments"
        );
    }
}

/// Re-seals private fields left in plain text or under an older key, a batch at a time.
async fn reseal(store: &Store, clock: Arc<dyn Clock>) {
    match store.reseal_hearings(clock.now()).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(
            hearings = n,
            "hearing participants re-sealed under the current key"
        ),
        Err(e) => tracing::error!(error = %e, "cannot re-seal hearing participants"),
    }
    match store.reseal_representatives(clock.now()).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(
            representatives = n,
            "public representatives re-sealed under the current key"
        ),
        Err(e) => tracing::error!(error = %e, "cannot re-seal public representatives"),
    }
    let waiting = match store.comments_to_reseal().await {
        Ok(0) => return,
        Ok(n) => n,
        Err(e) => {
            tracing::error!(error = %e, "cannot count comments to re-seal");
            return;
        }
    };
    tracing::info!(
        comments = waiting,
        "re-sealing private fields under the current key"
    );
    let mut done = 0u64;
    let mut after: Option<String> = None;
    loop {
        match store
            .reseal_batch(after.as_deref(), RESEAL_BATCH, clock.now())
            .await
        {
            Ok(p) if p.resealed == 0 => break,
            Ok(p) => {
                done += p.resealed;
                after = p.last_id;
            }
            Err(e) => {
                tracing::error!(error = %e, "re-sealing failed; retrying in 10 s");
                tokio::time::sleep(std::time::Duration::from_secs(10)).await;
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    tracing::info!(
        comments = done,
        "private fields re-sealed under the current key"
    );
}

/// Opens the database of `database_url` (running pending migrations) and verifies the audit
/// log's hash chains, without serving anything: `consultd audit verify`.
pub async fn verify_audit_log(
    settings: &Settings,
    consultation_id: Option<&str>,
) -> Result<consult_store::AuditVerification, StartupError> {
    let store = Store::open(&settings.database_url, load_private_data_keys(settings)?).await?;
    let found = store.verify_audit(consultation_id).await?;
    store.close().await?;
    Ok(found)
}

/// Opens the database of `database_url` and writes the archive of one consultation as JSON:
/// `consultd archive export`.
pub async fn export_archive(
    settings: &Settings,
    consultation_id: &str,
) -> Result<String, StartupError> {
    let store = Store::open(&settings.database_url, load_private_data_keys(settings)?).await?;
    let archive = store.archive(consultation_id, chrono::Utc::now()).await?;
    store.close().await?;
    serde_json::to_string_pretty(&archive).map_err(|e| StartupError::Config(e.to_string()))
}

/// Comments per sealing key, and how many still wait for the current key:
/// `consultd keys status`.
pub async fn private_data_status(
    settings: &Settings,
) -> Result<(String, Vec<consult_store::KeyUsage>), StartupError> {
    let keys = load_private_data_keys(settings)?;
    let current = keys.current().to_owned();
    let store = Store::open(&settings.database_url, keys).await?;
    let usage = store.key_usage().await?;
    store.close().await?;
    Ok((current, usage))
}
