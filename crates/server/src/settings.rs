//! Server settings, read by `consultd` from a TOML file and the environment.
//! Defaults run a development server on an embedded SQLite file.

use std::net::SocketAddr;
use std::path::PathBuf;

use serde::Deserialize;

use crate::limits::RateLimit;

/// Everything the server needs to start.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// gRPC listen address.
    pub listen: SocketAddr,
    /// Listen address of the public web pages (reports, receipt lookup).
    pub http_listen: SocketAddr,
    /// `sqlite:PATH` or `postgres://…`.
    pub database_url: String,
    /// Key that signs page tokens; random per process when unset (tokens then end with it).
    pub page_token_secret: Option<String>,
    /// State Council notices for years after the built-in 2019-2026, in holiday-cn JSON.
    pub calendar_files: Vec<PathBuf>,
    /// Most comments committed in one transaction (1 disables group commit).
    pub comment_batch_size: usize,
    /// SQLite: a search reads the comments passing its other filters one by one when fewer
    /// than √(page size × the consultation's comments) do, but never more than this many, and
    /// walks the trigram index otherwise.
    pub search_reads_filtered_below: u64,
    /// How often, in milliseconds, new comments are compared with those before them and
    /// placed in suggestions (on the replica holding the assigner's lease); 0 turns it off,
    /// leaving suggestions to be computed on demand.
    pub suggestion_assigner_interval_ms: u64,
    /// Consultations with more comments than this are not kept up to date (their clusters are
    /// held in memory, about 1 KiB per comment: 100 MiB at the default); their suggestions are
    /// computed on demand.
    pub suggestion_assigner_most_comments: u64,
    /// Who may call, each with the SHA-256 of its bearer token.
    pub principals: Vec<PrincipalSettings>,
    /// Per-caller limit on SubmitComment (`[submit_rate_limit]` with `per_second`, `burst`).
    pub submit_rate_limit: crate::limits::RateLimit,
    /// Longest a call may run before it is answered `DEADLINE_EXCEEDED`, in seconds.
    pub request_timeout_seconds: u64,
    /// Most concurrent calls (HTTP/2 streams) on one connection.
    pub max_concurrent_streams: u32,
    /// Largest request message accepted, in bytes.
    pub max_request_bytes: usize,
    /// Largest canonical JSON a `FULL` view of a feedback report carries in one message, in
    /// bytes; a larger report is read by its summary and downloaded whole.
    pub full_report_max_bytes: usize,
    /// Seconds a new gRPC connection has to send the HTTP/2 preface (with TLS: to finish its
    /// handshake) before it is closed.
    pub connection_preface_timeout_seconds: u64,
    /// Seconds a request to the public pages has to send its complete headers before the
    /// connection is closed; an idle keep-alive connection is closed after as long.
    pub http_header_timeout_seconds: u64,
    /// How often the database is pinged, in milliseconds (at least 100); `grpc.health.v1`
    /// and `/readyz` follow the answer.
    pub health_check_interval_ms: u64,
    /// How long events for other systems are kept, in hours (at least 1): a watcher whose
    /// cursor is older must resynchronise.
    pub event_retention_hours: u64,
    /// How often at most other systems are told how many comments each consultation received
    /// (a `consultation.comments_received` event, numbers only), in seconds; 0: never.
    pub comment_count_interval_seconds: u64,
    /// `development` accepts the static tokens of `principals`; `production` refuses them and
    /// accepts signed tokens (`[jwt]`) only.
    pub mode: Mode,
    /// Signed tokens (JWT) from the identity provider.
    pub jwt: Option<JwtSettings>,
    /// TLS for gRPC; with `client_ca_file`, calling systems must present a certificate of that
    /// CA (mutual TLS).
    pub tls: Option<TlsSettings>,
    /// Keys that seal submitters' names, organisations and contacts in the database; unset in
    /// development: a built-in key whose bytes are public (production refuses it).
    pub private_data: Option<PrivateDataSettings>,
    /// The public site: who runs it, shown on every page (`[site]` with `government`,
    /// `site_code`, `icp_record`, `police_record`), and its comment form.
    pub site: SiteSettings,
    /// The relay of events to NATS JetStream; off unless set.
    pub nats: Option<NatsSettings>,
    /// OpenTelemetry traces; off unless set.
    pub traces: Option<TraceSettings>,
}

/// Where traces go: an OpenTelemetry collector taking OTLP over HTTP (JSON), usually one beside
/// the service. `OTEL_EXPORTER_OTLP_ENDPOINT` sets the endpoint too.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TraceSettings {
    /// `http://host:port` of the collector's OTLP/HTTP receiver (`/v1/traces` is added).
    pub endpoint: String,
    /// The `service.name` of the spans.
    #[serde(default = "default_trace_service_name")]
    pub service_name: String,
    /// How long a span waits at most before its batch is sent, in milliseconds (a batch also
    /// goes once it holds 512 spans, and what is held when the server stops).
    #[serde(default = "default_trace_export_interval")]
    pub export_interval_ms: u64,
}

fn default_trace_export_interval() -> u64 {
    1_000
}

fn default_trace_service_name() -> String {
    "consultd".into()
}

/// Where events are relayed: a NATS server with JetStream. The relay publishes each event to
/// `subject_prefix` followed by its type (`consult.events.consultation.closed.v1`) with its id
/// as `Nats-Msg-Id`; it creates the stream if missing.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NatsSettings {
    /// `nats://host:port` of a server of the cluster.
    pub url: String,
    /// The JetStream stream the events go to.
    #[serde(default = "default_nats_stream")]
    pub stream: String,
    /// What the events' subjects begin with.
    #[serde(default = "default_nats_subject_prefix")]
    pub subject_prefix: String,
    /// A token, if the server wants one (`CONSULT_NATS_TOKEN` overrides it).
    #[serde(default)]
    pub token: Option<String>,
    /// A user, if the server wants one, with `password`.
    #[serde(default)]
    pub user: Option<String>,
    /// The user's password (`CONSULT_NATS_PASSWORD` overrides it).
    #[serde(default)]
    pub password: Option<String>,
    /// How long a stream the relay creates remembers message ids, in seconds: a page published
    /// again within it is dropped as duplicate.
    #[serde(default = "default_nats_duplicate_window")]
    pub duplicate_window_seconds: u64,
}

fn default_nats_stream() -> String {
    "CONSULT_EVENTS".into()
}

fn default_nats_subject_prefix() -> String {
    "consult.events".into()
}

fn default_nats_duplicate_window() -> u64 {
    // Far longer than a relay takes to take over from one that stopped (its lease, 10 s).
    3_600
}

/// The public site: its identity, as government websites must show it, and its comment form.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SiteSettings {
    /// The government that runs it, e.g. `南昌市人民政府`.
    pub government: String,
    /// 网站标识码.
    pub site_code: String,
    /// ICP filing number.
    pub icp_record: String,
    /// Public-security filing number.
    pub police_record: String,
    /// The comment form on the page of an open consultation that takes comments on the
    /// `PORTAL` channel; on by default. Off where the government's own portal collects them.
    pub comment_form: bool,
    /// How often one address may send the form: a few at once, then slowly, so that a script
    /// cannot flood a consultation while a family or an office behind one address still can
    /// take part.
    pub form_rate_limit: RateLimit,
    /// The request header in which a trusted reverse proxy passes the client's address (e.g.
    /// `X-Forwarded-For`, whose last entry is taken); empty: the connection's own peer.
    pub client_address_header: String,
}

impl Default for SiteSettings {
    fn default() -> Self {
        SiteSettings {
            government: String::new(),
            site_code: String::new(),
            icp_record: String::new(),
            police_record: String::new(),
            comment_form: true,
            form_rate_limit: RateLimit {
                per_second: 0.1,
                burst: 10,
            },
            client_address_header: String::new(),
        }
    }
}

impl SiteSettings {
    /// As the pages render it.
    pub fn site(&self) -> consult_render::Site {
        consult_render::Site {
            government: self.government.trim().to_owned(),
            site_code: self.site_code.trim().to_owned(),
            icp_record: self.icp_record.trim().to_owned(),
            police_record: self.police_record.trim().to_owned(),
        }
    }
}

/// The keys of private fields at rest. To rotate: add a new key, make it `current_key`,
/// restart; rows are re-sealed in the background; remove the old key once
/// `consultd keys status` shows none under it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrivateDataSettings {
    /// Id of the key that seals new values.
    pub current_key: String,
    /// Every key rows may still be sealed with.
    pub keys: Vec<PrivateKeySettings>,
}

/// One key: 32 random bytes, base64 or hex, in a file readable by the server only
/// (`consultd keys generate` writes one).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrivateKeySettings {
    /// Stable id, stored beside every row sealed with the key.
    pub id: String,
    /// The file holding the key.
    pub key_file: PathBuf,
}

/// The server's certificate and, for mutual TLS, the CA of client certificates.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsSettings {
    /// PEM certificate chain of the server.
    pub cert_file: PathBuf,
    /// PEM private key of the server.
    pub key_file: PathBuf,
    /// PEM CA certificate(s) that client certificates must chain to; unset: no client
    /// certificate is asked for.
    #[serde(default)]
    pub client_ca_file: Option<PathBuf>,
}

/// How strict the server is about credentials.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Static bearer tokens from the settings file are accepted.
    #[default]
    Development,
    /// Only signed tokens.
    Production,
}

/// Where signed tokens come from and how they are checked.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JwtSettings {
    /// Required `iss`.
    pub issuer: String,
    /// Required `aud`: this service.
    pub audience: String,
    /// Clock skew tolerated on `exp` and `nbf`, in seconds (at most 300).
    #[serde(default = "default_leeway")]
    pub leeway_seconds: u64,
    /// Verification keys, PEM public keys in files.
    pub keys: Vec<JwtKeySettings>,
}

fn default_leeway() -> u64 {
    30
}

/// One verification key.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JwtKeySettings {
    /// The `kid` tokens signed with it carry, if the provider sets one.
    #[serde(default)]
    pub id: Option<String>,
    /// `EdDSA` or `RS256`.
    pub algorithm: String,
    /// PEM file of the public key.
    pub public_key_file: PathBuf,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 50051)),
            http_listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            database_url: "sqlite://data/consult.db".to_owned(),
            page_token_secret: None,
            calendar_files: Vec::new(),
            comment_batch_size: 256,
            search_reads_filtered_below: consult_store::SEARCH_READS_FILTERED_BELOW,
            suggestion_assigner_interval_ms: 1_000,
            suggestion_assigner_most_comments: 100_000,
            principals: Vec::new(),
            submit_rate_limit: crate::limits::RateLimit::default(),
            request_timeout_seconds: 60,
            max_concurrent_streams: 256,
            max_request_bytes: 16 * 1024 * 1024,
            full_report_max_bytes: 32 * 1024 * 1024,
            connection_preface_timeout_seconds: 10,
            http_header_timeout_seconds: 10,
            health_check_interval_ms: 1000,
            event_retention_hours: 24 * 30,
            comment_count_interval_seconds: 300,
            mode: Mode::Development,
            jwt: None,
            tls: None,
            private_data: None,
            site: SiteSettings::default(),
            nats: None,
            traces: None,
        }
    }
}

/// The role names used in configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoleName {
    /// Portal, WeChat, 12345 and other submitting systems.
    CallingSystem,
    /// An officer of a department.
    Officer,
    /// An administrator.
    Administrator,
    /// An auditor.
    Auditor,
}

/// One principal: who it is and how its token hashes.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrincipalSettings {
    /// Stable id, recorded in audit events and as the submitter of comments.
    pub id: String,
    /// Its role.
    pub role: RoleName,
    /// Department code, for officers.
    #[serde(default)]
    pub department: Option<String>,
    /// Bound channels (codes such as `PORTAL`), for calling systems.
    #[serde(default)]
    pub channels: Vec<String>,
    /// Lower-case hex SHA-256 of the bearer token; the token itself is never stored.
    #[serde(default)]
    pub token_sha256: Option<String>,
    /// For calling systems behind mutual TLS: the common name of their client certificate
    /// (issued by `[tls] client_ca_file`), which then identifies them without a token.
    #[serde(default)]
    pub certificate_common_name: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example(name: &str) -> Settings {
        let path = format!("{}/../../deploy/{name}", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        toml::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    #[test]
    fn the_shipped_settings_files_parse() {
        let dev = example("dev.toml");
        assert_eq!(dev.mode, Mode::Development);
        assert!(dev.private_data.is_none());
        let prod = example("production.example.toml");
        assert_eq!(prod.mode, Mode::Production);
        assert!(prod.jwt.is_some());
        assert!(
            prod.tls
                .as_ref()
                .is_some_and(|t| t.client_ca_file.is_some())
        );
        let keys = prod.private_data.as_ref().expect("production keys");
        assert!(keys.keys.iter().any(|k| k.id == keys.current_key));
        assert!(
            prod.principals
                .iter()
                .all(|p| p.token_sha256.is_none() && p.certificate_common_name.is_some())
        );
        // The example's identities are consistent as far as they can be without its files.
        let without_files = Settings {
            jwt: None,
            mode: Mode::Development,
            ..prod
        };
        crate::auth::Authenticator::from_settings(&without_files).expect("principals");
    }

    #[test]
    fn the_kubernetes_config_map_holds_settings_that_parse() {
        let path = format!(
            "{}/../../deploy/kubernetes/configmap.yaml",
            env!("CARGO_MANIFEST_DIR")
        );
        let yaml = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        // The block under `consultd.toml: |`, indented by four spaces.
        let (_, block) = yaml
            .split_once("consultd.toml: |\n")
            .expect("the settings block");
        let text: String = block
            .lines()
            .map(|l| l.strip_prefix("    ").unwrap_or(l.trim_start()))
            .collect::<Vec<_>>()
            .join("\n");
        let s: Settings = toml::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
        assert_eq!(s.mode, Mode::Production);
        assert_eq!(s.listen.port(), 50051);
        assert_eq!(s.http_listen.port(), 8080);
        assert!(
            s.page_token_secret.is_none(),
            "secrets come from the Secret"
        );
        assert!(s.jwt.is_some() && s.private_data.is_some());
        let nats = s.nats.expect("events relayed");
        assert!(
            nats.password.is_none(),
            "the password comes from the Secret"
        );
        assert_eq!(nats.duplicate_window_seconds, 3_600);
        assert!(s.traces.is_some_and(|t| t.endpoint.starts_with("http://")));
    }
}
