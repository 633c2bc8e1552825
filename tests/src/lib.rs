//! Harness for black-box tests: builds `consultd` with the test clock, runs it on port 0
//! against a fresh SQLite file or PostgreSQL database, and hands out authenticated clients.
//!
//! Set `CONSULT_E2E_DATABASE_URL=postgres://127.0.0.1:5432/test` to run against PostgreSQL;
//! each server then gets its own database, created from that one and dropped afterwards.
//!
//! For fault tests: [`Replicas`] runs several servers on one database, [`pg::PgCluster`] is a
//! PostgreSQL server of the test's own (to stop, restart and kill), [`fs::SmallFs`] a tmpfs that
//! fills up, and [`load::Load`] keeps submissions flowing while things break.

#![allow(clippy::unwrap_used, missing_docs)]

pub mod browser;
pub mod fs;
pub mod load;
pub mod nats;
pub mod pg;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use chrono_tz::Asia::Shanghai;
use consult_api::pb;
use consult_api::pb::comment_service_client::CommentServiceClient;
use consult_api::pb::consultation_service_client::ConsultationServiceClient;
use consult_api::pb::feedback_service_client::FeedbackServiceClient;
use consult_api::testing::test_clock_service_client::TestClockServiceClient;
use sea_orm::{ConnectionTrait, Database, Statement};
use sha2::{Digest, Sha256};
use tonic::transport::Channel;
use tonic::{Code, Request, Status};

/// Bearer tokens of the principals every test server knows.
pub mod token {
    pub const OFFICER_FGW: &str = "e2e-officer-fgw";
    pub const OFFICER_JTJ: &str = "e2e-officer-jtj";
    pub const PORTAL: &str = "e2e-portal";
    pub const HOTLINE: &str = "e2e-hotline";
    pub const WECHAT: &str = "e2e-wechat";
    pub const ADMIN: &str = "e2e-admin";
    pub const AUDITOR: &str = "e2e-auditor";
}

/// The lower-case hex SHA-256 of a bearer token, as the service stores and configures it.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn principals_toml() -> String {
    let rows = [
        (
            "officer-fgw",
            "officer",
            "department = \"fgw\"",
            token::OFFICER_FGW,
        ),
        (
            "officer-jtj",
            "officer",
            "department = \"jtj\"",
            token::OFFICER_JTJ,
        ),
        (
            "portal",
            "calling_system",
            "channels = [\"PORTAL\"]",
            token::PORTAL,
        ),
        (
            "hotline-12345",
            "calling_system",
            "channels = [\"HOTLINE_12345\"]",
            token::HOTLINE,
        ),
        (
            "wechat",
            "calling_system",
            "channels = [\"WECHAT\"]",
            token::WECHAT,
        ),
        ("admin", "administrator", "", token::ADMIN),
        ("auditor", "auditor", "", token::AUDITOR),
    ];
    rows.iter()
        .map(|(id, role, extra, tok)| {
            format!(
                "[[principals]]\nid = \"{id}\"\nrole = \"{role}\"\n{extra}\ntoken_sha256 = \"{}\"\n\n",
                hex::encode(Sha256::digest(tok.as_bytes()))
            )
        })
        .collect()
}

/// A file of the test TLS fixtures (a private CA, a server certificate for 127.0.0.1 and
/// client certificates of that CA and of an unknown one).
pub fn tls_fixture(name: &str) -> String {
    format!("{}/fixtures/tls/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// A binary of the workspace built by cargo, as cargo reports its path.
fn cargo_binary(package: &str, features: &[&str]) -> PathBuf {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut args = vec![
        "build",
        "-p",
        package,
        "--message-format=json-render-diagnostics",
    ];
    for f in features {
        args.extend(["--features", f]);
    }
    let out = Command::new(cargo)
        .args(&args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stderr(Stdio::inherit())
        .output()
        .unwrap_or_else(|e| panic!("run cargo build for {package}: {e}"));
    assert!(out.status.success(), "cargo {args:?} failed");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .rev()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["reason"] == "compiler-artifact" && v["target"]["name"] == package)
        .find_map(|v| v["executable"].as_str().map(PathBuf::from))
        .unwrap_or_else(|| panic!("cargo reported no executable for {package}"))
}

/// The `consultd` binary built with the `test-clock` feature (built once per test run), or the
/// one `CONSULT_E2E_CONSULTD` names (built with that feature beforehand), e.g. so that builds of
/// other checkouts sharing the target directory cannot swap it mid-run.
pub fn consultd_binary() -> PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| match std::env::var_os("CONSULT_E2E_CONSULTD") {
        Some(path) => PathBuf::from(path),
        None => cargo_binary("consultd", &["test-clock"]),
    })
    .clone()
}

/// The `consultctl` binary (built once per test run).
pub fn consultctl_binary() -> PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| cargo_binary("consultctl", &[])).clone()
}

/// What one run of `consultctl` did.
#[derive(Debug)]
pub struct CtlRun {
    /// Exit code.
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl CtlRun {
    /// Standard output as JSON (for `-o json` runs).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("consultctl printed no JSON ({e}): {self:?}"))
    }

    /// Asserts the exit code, showing everything when it differs.
    #[track_caller]
    pub fn expect(self, code: i32) -> Self {
        assert_eq!(self.code, code, "consultctl exit code: {self:#?}");
        self
    }
}

/// Runs `consultctl` with `args` against `server` (a gRPC URL) as the holder of `token`, with
/// no settings file or environment of the machine leaking in.
pub async fn consultctl(server: &str, token: Option<&str>, args: &[&str]) -> CtlRun {
    let home = std::env::temp_dir().join("consult-e2e-ctl-home");
    std::fs::create_dir_all(&home).unwrap();
    let mut cmd = tokio::process::Command::new(consultctl_binary());
    cmd.args(args)
        .env_remove("CONSULT_SERVER")
        .env_remove("CONSULT_TOKEN")
        .env_remove("CONSULT_CA_CERT")
        .env_remove("CONSULT_CTL_CONFIG")
        .env("XDG_CONFIG_HOME", &home)
        .env("HOME", &home)
        .env("CONSULT_SERVER", server)
        .env("NO_COLOR", "1");
    if let Some(t) = token {
        cmd.env("CONSULT_TOKEN", t);
    }
    let out = cmd.output().await.expect("run consultctl");
    CtlRun {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).expect("consultctl printed UTF-8"),
        stderr: String::from_utf8(out.stderr).expect("consultctl printed UTF-8 errors"),
    }
}

/// The test key for private fields (see `fixtures/private-data/README.md`).
fn private_data_fixture(name: &str) -> String {
    format!(
        "{}/fixtures/private-data/{name}",
        env!("CARGO_MANIFEST_DIR")
    )
}

/// Writes a settings file for `consultd`: `settings` (top-level keys first, then tables), the
/// test key for private fields unless `settings` configures its own, and the test principals.
pub fn write_config(settings: &str) -> PathBuf {
    let config = std::env::temp_dir().join(format!("consult-e2e-{}.toml", rand::random::<u64>()));
    let keys = if settings.contains("[private_data]") {
        String::new()
    } else {
        format!(
            "[private_data]\ncurrent_key = \"e2e\"\n[[private_data.keys]]\nid = \"e2e\"\nkey_file = \"{}\"\n",
            private_data_fixture("e2e.key")
        )
    };
    std::fs::write(
        &config,
        format!(
            "page_token_secret = \"e2e\"\n{settings}\n\n{keys}\n{}",
            principals_toml()
        ),
    )
    .unwrap();
    config
}

/// Runs `consultd` with `args` (a subcommand, say) to its end: exit code and what it printed.
pub async fn consultd_run(args: &[&str]) -> (i32, String) {
    let out = tokio::process::Command::new(consultd_binary())
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .await
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
    )
}

/// Which database a test server uses.
enum Db {
    Sqlite {
        dir: PathBuf,
    },
    Postgres {
        admin_url: String,
        name: String,
    },
    /// Handed on to a restarted server.
    Moved,
    /// Someone else's: another server of [`Replicas`], a [`pg::PgCluster`], a file the test made.
    External,
}

impl Db {
    async fn create() -> (Self, String) {
        let suffix: u64 = rand::random();
        match std::env::var("CONSULT_E2E_DATABASE_URL") {
            Ok(admin_url) if admin_url.starts_with("postgres") => {
                let name = format!("consult_e2e_{suffix:016x}");
                let admin = Database::connect(&admin_url)
                    .await
                    .unwrap_or_else(|e| panic!("PostgreSQL at {admin_url} is unreachable: {e}"));
                admin
                    .execute_unprepared(&format!("CREATE DATABASE {name}"))
                    .await
                    .unwrap();
                admin.close().await.unwrap();
                let url = match admin_url.rsplit_once('/') {
                    Some((base, _)) => format!("{base}/{name}"),
                    None => panic!("CONSULT_E2E_DATABASE_URL needs a database path"),
                };
                (Self::Postgres { admin_url, name }, url)
            }
            _ => {
                let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                    .join("../target/e2e-tmp")
                    .join(format!("e2e-{suffix:016x}"));
                std::fs::create_dir_all(&dir).unwrap();
                let url = format!("sqlite://{}/consult.db", dir.display());
                (Self::Sqlite { dir }, url)
            }
        }
    }

    fn drop_blocking(&self) {
        match self {
            Db::Moved | Db::External => {}
            Db::Sqlite { dir } => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Db::Postgres { admin_url, name } => {
                let (url, name) = (admin_url.clone(), name.clone());
                // Drop runs outside any runtime; use a small one of our own.
                let _ = std::thread::spawn(move || {
                    let rt = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .unwrap();
                    rt.block_on(async {
                        if let Ok(admin) = Database::connect(&url).await {
                            let _ = admin
                                .execute_unprepared(&format!(
                                    "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                                ))
                                .await;
                        }
                    });
                })
                .join();
            }
        }
    }
}

/// A running `consultd`, with its own database unless started with [`TestServer::start_on`].
pub struct TestServer {
    child: Child,
    db: Db,
    pub database_url: String,
    pub channel: Channel,
    /// Base URL of the public pages, e.g. `http://127.0.0.1:41234`.
    pub http: String,
    /// URL of the gRPC endpoint, e.g. `http://127.0.0.1:41233`.
    pub grpc: String,
    /// One connection for the counting helpers, opened on first use.
    counter: tokio::sync::OnceCell<sea_orm::DatabaseConnection>,
    /// The settings it was started with, for `consultd` subcommands on its database.
    settings: String,
    /// Where its log goes when not to the test's stderr; its end is shown if the test fails.
    log: Option<PathBuf>,
}

/// A fresh file for a server's log, under the tests' temporary directory (removed with the
/// server unless `CONSULT_E2E_KEEP_LOGS` is set).
fn log_file() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/e2e-tmp/logs");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(format!("consultd-{:016x}.log", rand::random::<u64>()))
}

impl TestServer {
    /// Starts a server whose clock reads `start`, with submission limits out of the way.
    pub async fn start_at(start: DateTime<Utc>) -> Self {
        Self::start_with(start, UNLIMITED).await
    }

    /// Starts a server with more settings (TOML: top-level keys first, then tables), followed
    /// by the test principals.
    pub async fn start_with(start: DateTime<Utc>, settings: &str) -> Self {
        let (db, database_url) = Db::create().await;
        Self::spawn(db, database_url, start, settings, None).await
    }

    /// Starts a server whose address space is capped at `bytes` (`prlimit --as`, with glibc's
    /// malloc arenas limited to 2 so that reserved but unused memory does not count against
    /// it): an allocation beyond the cap fails, so a server that held a whole consultation in
    /// memory would fail where this one must not.
    pub async fn start_with_address_space(
        start: DateTime<Utc>,
        settings: &str,
        bytes: u64,
    ) -> Self {
        let (db, database_url) = Db::create().await;
        Self::spawn_capped(
            db,
            database_url,
            start,
            settings,
            Some(log_file()),
            Some(bytes),
        )
        .await
    }

    /// The most memory this server has held (its peak resident set, `VmHWM`), in bytes.
    pub fn peak_resident_bytes(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .expect("VmHWM in /proc/PID/status")
            * 1024
    }

    /// Starts a server on a database it does not own (a file in a [`fs::SmallFs`], a
    /// [`pg::PgCluster`], the database of another server): dropping it leaves the database be.
    /// Its log goes to a file (fault tests make servers log every refusal), whose end is shown
    /// if the test fails.
    pub async fn start_on(database_url: &str, start: DateTime<Utc>, settings: &str) -> Self {
        let log = Some(log_file());
        Self::spawn(Db::External, database_url.to_owned(), start, settings, log).await
    }

    /// Stops this server and starts another on the same database with `settings`, its clock
    /// reading `start`.
    pub async fn restart_with(mut self, start: DateTime<Utc>, settings: &str) -> Self {
        self.terminate();
        self.respawn(start, settings).await
    }

    /// Kills this server with SIGKILL (no shutdown of any kind) and starts another on the same
    /// database with the same settings, its clock reading `start`.
    pub async fn kill_and_restart(mut self, start: DateTime<Utc>) -> Self {
        self.kill();
        self.start_again(start).await
    }

    /// Starts a new server on this one's database with the same settings, its clock reading
    /// `start`, once this one has exited (see [`TestServer::kill`]).
    pub async fn start_again(self, start: DateTime<Utc>) -> Self {
        let settings = self.settings.clone();
        self.respawn(start, &settings).await
    }

    /// Starts a new server on this one's database (which it takes over); this one has exited.
    async fn respawn(mut self, start: DateTime<Utc>, settings: &str) -> Self {
        let db = std::mem::replace(&mut self.db, Db::Moved);
        let url = self.database_url.clone();
        // The new server appends to the old one's log.
        let log = self.log.take();
        drop(self);
        Self::spawn(db, url, start, settings, log).await
    }

    /// The settings this server was started with.
    pub fn settings(&self) -> &str {
        &self.settings
    }

    /// The process id of this server.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The SQLite file of this server and its write-ahead log, if it runs on SQLite.
    pub fn sqlite_files(&self) -> Option<Vec<PathBuf>> {
        match &self.db {
            Db::Sqlite { dir } => Some(
                ["consult.db", "consult.db-wal", "consult.db-shm"]
                    .iter()
                    .map(|f| dir.join(f))
                    .filter(|p| p.exists())
                    .collect(),
            ),
            _ => None,
        }
    }

    async fn spawn(
        db: Db,
        database_url: String,
        start: DateTime<Utc>,
        settings: &str,
        log: Option<PathBuf>,
    ) -> Self {
        Self::spawn_capped(db, database_url, start, settings, log, None).await
    }

    async fn spawn_capped(
        db: Db,
        database_url: String,
        start: DateTime<Utc>,
        settings: &str,
        log: Option<PathBuf>,
        address_space: Option<u64>,
    ) -> Self {
        let config = write_config(settings);
        let stderr = match &log {
            Some(path) => Stdio::from(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                    .unwrap(),
            ),
            None => Stdio::inherit(),
        };
        // prlimit sets the limit and then executes consultd in its own process.
        let mut command = match address_space {
            Some(bytes) => {
                let mut c = Command::new("prlimit");
                c.arg(format!("--as={bytes}"))
                    .arg("--")
                    .arg(consultd_binary())
                    .env("MALLOC_ARENA_MAX", "2");
                c
            }
            None => Command::new(consultd_binary()),
        };
        let mut child = command
            .args(["--listen", "127.0.0.1:0", "--http-listen", "127.0.0.1:0"])
            .args(["--log-format", "json"])
            .arg("--config")
            .arg(&config)
            .arg("--database-url")
            .arg(&database_url)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .expect("spawn consultd");
        let stdout = child.stdout.take().unwrap();
        // Until it is up, a failure stops the process and drops the database all the same.
        let mut starting = Starting {
            child: Some(child),
            db: Some(db),
            log,
        };
        // consultd prints its gRPC address, then the address of its public pages.
        let lines = tokio::task::spawn_blocking(move || {
            let mut reader = BufReader::new(stdout);
            let mut lines = [String::new(), String::new()];
            for l in &mut lines {
                reader.read_line(l)?;
            }
            Ok::<_, std::io::Error>(lines)
        })
        .await;
        let _ = std::fs::remove_file(&config);
        let lines = lines.unwrap().unwrap();
        let addr = lines[0]
            .trim()
            .strip_prefix("consultd listening on ")
            .unwrap_or_else(|| panic!("consultd did not start: {lines:?}"))
            .to_owned();
        let http = lines[1]
            .trim()
            .strip_prefix("consultd public pages on ")
            .unwrap_or_else(|| panic!("consultd did not serve its pages: {lines:?}"))
            .to_owned();
        // With TLS on, the harness connects as a calling system of the test CA would.
        let tls = settings.contains("[tls]");
        let scheme = if tls { "https" } else { "http" };
        let mut endpoint = Channel::from_shared(format!("{scheme}://{addr}"))
            .unwrap()
            .connect_timeout(Duration::from_secs(5));
        if tls {
            let mut config = tonic::transport::ClientTlsConfig::new()
                .ca_certificate(tonic::transport::Certificate::from_pem(
                    std::fs::read(tls_fixture("ca.pem")).unwrap(),
                ))
                .domain_name("localhost");
            if settings.contains("client_ca_file") {
                // A certificate of the CA that no calling system is registered to: the harness
                // then speaks with whatever token each call carries.
                config = config.identity(tonic::transport::Identity::from_pem(
                    std::fs::read(tls_fixture("office.pem")).unwrap(),
                    std::fs::read(tls_fixture("office.key")).unwrap(),
                ));
            }
            endpoint = endpoint.tls_config(config).unwrap();
        }
        let channel = endpoint.connect().await.unwrap();
        let server = Self {
            child: starting.child.take().unwrap(),
            db: starting.db.take().unwrap(),
            log: starting.log.take(),
            database_url,
            channel,
            http,
            grpc: format!("{scheme}://{addr}"),
            counter: tokio::sync::OnceCell::new(),
            settings: settings.to_owned(),
        };
        server.set_time(start).await;
        server
    }

    pub fn consultations(&self) -> ConsultationServiceClient<Channel> {
        ConsultationServiceClient::new(self.channel.clone())
    }

    pub fn comments(&self) -> CommentServiceClient<Channel> {
        CommentServiceClient::new(self.channel.clone())
    }

    pub fn audit(&self) -> consult_api::pb::audit_service_client::AuditServiceClient<Channel> {
        consult_api::pb::audit_service_client::AuditServiceClient::new(self.channel.clone())
    }

    pub fn feedback(&self) -> FeedbackServiceClient<Channel> {
        FeedbackServiceClient::new(self.channel.clone())
    }

    pub fn hearings(
        &self,
    ) -> consult_api::pb::hearing_service_client::HearingServiceClient<Channel> {
        consult_api::pb::hearing_service_client::HearingServiceClient::new(self.channel.clone())
    }

    pub fn suggestions(
        &self,
    ) -> consult_api::pb::suggestion_service_client::SuggestionServiceClient<Channel> {
        consult_api::pb::suggestion_service_client::SuggestionServiceClient::new(
            self.channel.clone(),
        )
    }

    pub fn answer_templates(
        &self,
    ) -> consult_api::pb::answer_template_service_client::AnswerTemplateServiceClient<Channel> {
        consult_api::pb::answer_template_service_client::AnswerTemplateServiceClient::new(
            self.channel.clone(),
        )
    }

    pub fn health(&self) -> tonic_health::pb::health_client::HealthClient<Channel> {
        tonic_health::pb::health_client::HealthClient::new(self.channel.clone())
    }

    /// The overall health (`grpc.health.v1.Health/Check` of service `""`), or why it failed.
    pub async fn health_status(
        &self,
    ) -> Result<tonic_health::pb::health_check_response::ServingStatus, Status> {
        let r = self
            .health()
            .check(tonic_health::pb::HealthCheckRequest {
                service: String::new(),
            })
            .await?
            .into_inner();
        Ok(r.status())
    }

    /// The helpers' own connection to the server's database, opened on first use.
    async fn db(&self) -> &sea_orm::DatabaseConnection {
        self.counter
            .get_or_init(|| async { Database::connect(&self.database_url).await.unwrap() })
            .await
    }

    /// Rows in `table`, read straight from the database.
    pub async fn table_count(&self, table: &str) -> i64 {
        self.query_count(&format!("SELECT COUNT(*) AS n FROM {table}"))
            .await
    }

    /// Runs a `consultd` subcommand on this server's database, with this server's settings.
    pub async fn consultd(&self, args: &[&str]) -> (i32, String) {
        let config = write_config(&self.settings);
        let config_arg = config.to_string_lossy().into_owned();
        let mut all = args.to_vec();
        all.extend([
            "--config",
            &config_arg,
            "--database-url",
            &self.database_url,
        ]);
        let out = consultd_run(&all).await;
        let _ = std::fs::remove_file(&config);
        out
    }

    /// The number a `SELECT COUNT(*) AS n …` query returns, read straight from the database.
    pub async fn query_count(&self, sql: &str) -> i64 {
        let db = self.db().await;
        let row = db
            .query_one_raw(Statement::from_string(
                db.get_database_backend(),
                sql.to_owned(),
            ))
            .await
            .unwrap()
            .unwrap();
        row.try_get::<i64>("", "n").unwrap()
    }

    /// The first column (named `v`, text) of every row a query returns, read straight from
    /// the database, e.g. `SELECT id AS v FROM comments`.
    pub async fn query_strings(&self, sql: &str) -> Vec<String> {
        let db = self.db().await;
        db.query_all_raw(Statement::from_string(
            db.get_database_backend(),
            sql.to_owned(),
        ))
        .await
        .unwrap()
        .iter()
        .map(|row| row.try_get::<String>("", "v").unwrap())
        .collect()
    }

    /// Runs a statement directly on the server's database, behind its back (tamper tests).
    pub async fn execute_sql(&self, sql: &str) -> u64 {
        let db = self.db().await;
        db.execute_raw(Statement::from_string(
            db.get_database_backend(),
            sql.to_owned(),
        ))
        .await
        .unwrap()
        .rows_affected()
    }

    pub async fn set_time(&self, t: DateTime<Utc>) {
        TestClockServiceClient::new(self.channel.clone())
            .set_time(consult_api::testing::SetTimeRequest { time: Some(ts(t)) })
            .await
            .unwrap();
    }

    /// Asserts that the answering counts the server maintains equal a count of the comments
    /// themselves, for every consultation, read straight from the database.
    pub async fn assert_counts_agree(&self) {
        let maintained = self
            .query_strings(
                "SELECT consultation_id || '|' || hide_reason || '|' || group_id || '|' || \
                 outcome || '|' || submitter_category || '|' || channel || '|' || \
                 CAST(n AS TEXT) AS v FROM answering_counts WHERE n <> 0 ORDER BY 1",
            )
            .await;
        let counted = self
            .query_strings(
                "SELECT consultation_id || '|' || COALESCE(hide_reason, '') || '|' || \
                 COALESCE(group_id, '') || '|' || COALESCE(outcome, '') || '|' || \
                 submitter_category || '|' || channel || '|' || CAST(COUNT(*) AS TEXT) AS v \
                 FROM comments GROUP BY consultation_id, hide_reason, group_id, outcome, \
                 submitter_category, channel ORDER BY 1",
            )
            .await;
        assert_eq!(
            maintained, counted,
            "the maintained answering counts differ from the comments"
        );
    }

    /// Rows in each table, read straight from the database, to prove a refusal wrote nothing.
    pub async fn row_counts(&self) -> [i64; 3] {
        let mut out = [0; 3];
        for (i, table) in ["consultations", "comments", "audit_events"]
            .iter()
            .enumerate()
        {
            out[i] = self.table_count(table).await;
        }
        out
    }

    /// Waits until no long-running operation is left unfinished, so that counting rows
    /// afterwards sees no work still landing in the background.
    pub async fn operations_settled(&self) {
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        loop {
            let running = self
                .query_count("SELECT COUNT(*) AS n FROM operations WHERE NOT done")
                .await;
            if running == 0 {
                return;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "{running} operations still running after 60 s"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Stops the server with SIGTERM and waits for it to exit.
    pub fn terminate(&mut self) -> std::process::ExitStatus {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        self.child.wait().unwrap()
    }

    /// Kills the server with SIGKILL, as a crash or the OOM killer would, and waits for it.
    pub fn kill(&mut self) -> std::process::ExitStatus {
        let _ = self.child.kill();
        self.child.wait().unwrap()
    }
}

/// A server being started: stopped (its log shown) and its database dropped if starting fails.
struct Starting {
    child: Option<Child>,
    db: Option<Db>,
    log: Option<PathBuf>,
}

impl Drop for Starting {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        if let Some(db) = self.db.take() {
            db.drop_blocking();
        }
        if let Some(path) = self.log.take() {
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            eprintln!("--- log of the consultd that did not start ---\n{text}");
            let _ = std::fs::remove_file(path);
        }
    }
}

/// The settings of [`TestServer::start_at`]: submission limits out of the way.
pub const UNLIMITED: &str = "[submit_rate_limit]\nper_second = 1000000.0\nburst = 1000000\n";

/// Whether this pass of the suite runs on PostgreSQL (`CONSULT_E2E_DATABASE_URL=postgres…`).
pub fn suite_on_postgres() -> bool {
    std::env::var("CONSULT_E2E_DATABASE_URL").is_ok_and(|u| u.starts_with("postgres"))
}

/// Several `consultd` processes on one database, as deployed behind a load balancer: each has
/// its own ports and clock; the first owns the database, which goes when the last one stops.
pub struct Replicas {
    servers: Vec<TestServer>,
}

impl Replicas {
    /// Starts `n` servers on one fresh database (SQLite in WAL mode, or PostgreSQL when the
    /// suite runs on it), their clocks reading `start`. The first migrates the database before
    /// the others start.
    pub async fn start(n: usize, start: DateTime<Utc>, settings: &str) -> Self {
        assert!(n >= 1, "at least one replica");
        // Every replica logs to a file (shown if the test fails): races make them log a lot.
        let (db, url) = Db::create().await;
        let first = TestServer::spawn(db, url.clone(), start, settings, Some(log_file())).await;
        let mut servers = vec![first];
        for _ in 1..n {
            servers.push(TestServer::start_on(&url, start, settings).await);
        }
        Self { servers }
    }

    /// Kills replica `i` with SIGKILL (see [`TestServer::kill`]); it stays down until
    /// [`Replicas::start_again`].
    pub fn kill(&mut self, i: usize) {
        self.servers[i].kill();
    }

    /// Starts replica `i` again, after [`Replicas::kill`], with the same settings and its clock
    /// reading `start`.
    pub async fn start_again(&mut self, i: usize, start: DateTime<Utc>) {
        let server = self.servers.remove(i);
        let server = server.start_again(start).await;
        self.servers.insert(i, server);
    }

    /// Sets the clock of every replica (each process has its own).
    pub async fn set_time(&self, t: DateTime<Utc>) {
        for s in &self.servers {
            s.set_time(t).await;
        }
    }
}

impl std::ops::Deref for Replicas {
    type Target = [TestServer];
    fn deref(&self) -> &[TestServer] {
        &self.servers
    }
}

impl Drop for Replicas {
    fn drop(&mut self) {
        // The others first: the first one's drop removes the database they use.
        while let Some(s) = self.servers.pop() {
            drop(s);
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let Some(path) = &self.log {
            if std::thread::panicking() {
                let text = std::fs::read_to_string(path).unwrap_or_default();
                let lines: Vec<&str> = text.lines().collect();
                eprintln!(
                    "--- last lines of the log of consultd {} ({} lines in all) ---\n{}",
                    self.grpc,
                    lines.len(),
                    lines[lines.len().saturating_sub(20)..].join("\n")
                );
            }
            if std::env::var_os("CONSULT_E2E_KEEP_LOGS").is_some() {
                eprintln!("log of consultd {} kept in {}", self.grpc, path.display());
            } else {
                let _ = std::fs::remove_file(path);
            }
        }
        self.db.drop_blocking();
    }
}

/// A request carrying `token` as its bearer credential.
pub fn authed<T>(token: &str, message: T) -> Request<T> {
    let mut r = Request::new(message);
    r.metadata_mut()
        .insert("authorization", format!("Bearer {token}").parse().unwrap());
    r
}

/// A wire timestamp.
pub fn ts(t: DateTime<Utc>) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: t.timestamp(),
        nanos: t.timestamp_subsec_nanos() as i32,
    }
}

/// A wire timestamp back to chrono.
pub fn from_ts(t: &prost_types::Timestamp) -> DateTime<Utc> {
    DateTime::from_timestamp(t.seconds, t.nanos as u32).unwrap()
}

/// An instant given as Beijing local time, `YYYY-MM-DD HH:MM`.
pub fn beijing(s: &str) -> DateTime<Utc> {
    let naive = chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap();
    Shanghai
        .from_local_datetime(&naive)
        .single()
        .unwrap()
        .with_timezone(&Utc)
}

/// A complete draft of department `fgw`, collecting on the portal, 12345 and letters.
pub fn draft(title: &str) -> pb::Consultation {
    pb::Consultation {
        title: title.into(),
        kind: pb::ConsultationKind::EnterprisePolicy as i32,
        draft_text: "第一条 为进一步优化营商环境，制定本措施。".into(),
        basis: "《优化营商环境条例》第六十二条".into(),
        channels: vec![
            pb::Channel::Portal as i32,
            pb::Channel::Hotline12345 as i32,
            pb::Channel::Letter as i32,
        ],
        ..Default::default()
    }
}

/// A citizen's comment on `channel`.
pub fn comment(channel: pb::Channel, content: &str) -> pb::Comment {
    pb::Comment {
        channel: channel as i32,
        submitter_category: pb::SubmitterCategory::Citizen as i32,
        submitter: Some(pb::Submitter {
            name: "张三".into(),
            organization: String::new(),
            contact: "13800138000".into(),
        }),
        content: content.into(),
        ..Default::default()
    }
}

/// Asserts a status code and that the message or details mention `needle`.
pub fn assert_status(
    result: Result<impl std::fmt::Debug, Status>,
    code: Code,
    needle: &str,
) -> Status {
    let status = match result {
        Ok(v) => panic!("expected {code:?} mentioning {needle:?}, got Ok({v:?})"),
        Err(s) => s,
    };
    assert_eq!(status.code(), code, "{status:?}");
    let details = format!("{:?}", tonic_types::StatusExt::get_error_details(&status));
    assert!(
        status.message().contains(needle) || details.contains(needle),
        "expected {needle:?} in {:?} / {details}",
        status.message()
    );
    status
}

/// A response of the public pages.
#[derive(Debug)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8(self.body.clone()).expect("UTF-8 body")
    }
}

/// GET `url` (`http://host:port/path`) over a plain HTTP/1.1 connection.
pub async fn http_get(url: &str) -> HttpResponse {
    http_request("GET", url, &[], b"").await
}

/// POST `fields` to `url` as a form (`application/x-www-form-urlencoded`), as a browser does.
pub async fn http_post_form(url: &str, fields: &[(&str, &str)]) -> HttpResponse {
    let body = fields
        .iter()
        .map(|(k, v)| format!("{}={}", form_encode(k), form_encode(v)))
        .collect::<Vec<_>>()
        .join("&");
    http_request(
        "POST",
        url,
        &[("Content-Type", "application/x-www-form-urlencoded")],
        body.as_bytes(),
    )
    .await
}

/// Percent-encodes a form value (spaces as `+`).
pub fn form_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' => {
                out.push(char::from(b))
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// One request over a plain HTTP/1.1 connection, closed after the response.
pub async fn http_request(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> HttpResponse {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let rest = url.strip_prefix("http://").expect("http URL");
    let (host, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let mut stream = tokio::net::TcpStream::connect(host).await.unwrap();
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n");
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    if method != "GET" {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(body).await.unwrap();
    // Until the connection closes, or until the body its Content-Length announces is in:
    // some servers (chromedriver) keep the connection open despite `Connection: close`.
    let mut raw = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = stream.read(&mut buf).await.unwrap();
        if n == 0 {
            break;
        }
        raw.extend_from_slice(&buf[..n]);
        if let Some(split) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&raw[..split]).to_ascii_lowercase();
            let length = head
                .split("\r\n")
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok());
            if length.is_some_and(|len| raw.len() >= split + 4 + len) {
                break;
            }
        }
    }
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("header end");
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .expect("status line");
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    let chunked = headers
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    if chunked {
        body = dechunk(&body);
    }
    HttpResponse {
        status,
        headers,
        body,
    }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(end) = data.windows(2).position(|w| w == b"\r\n") {
        let size = usize::from_str_radix(
            String::from_utf8_lossy(&data[..end])
                .split(';')
                .next()
                .unwrap()
                .trim(),
            16,
        )
        .unwrap();
        if size == 0 {
            break;
        }
        let start = end + 2;
        out.extend_from_slice(&data[start..start + size]);
        data = &data[start + size + 2..];
    }
    out
}
