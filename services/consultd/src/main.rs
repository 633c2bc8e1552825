//! `consultd`: the consult gRPC server. Reads settings, starts logging, serves until a signal.
//! Everything else lives in `consult-server`.

use std::io::{IsTerminal, Read};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use consult_server::settings::TraceSettings;
use consult_server::{Application, Settings};

/// 公开征求意见服务 — the consult gRPC server.
#[derive(Parser)]
#[command(name = "consultd", version, about, long_about = None)]
struct Cli {
    /// Address to serve gRPC on [default: 127.0.0.1:50051].
    #[arg(long, env = "CONSULT_LISTEN")]
    listen: Option<SocketAddr>,
    /// Address of the public web pages [default: 127.0.0.1:8080].
    #[arg(long, env = "CONSULT_HTTP_LISTEN")]
    http_listen: Option<SocketAddr>,
    /// `sqlite:PATH` or `postgres://…` [default: sqlite://data/consult.db].
    #[arg(long, env = "DATABASE_URL", global = true)]
    database_url: Option<String>,
    /// TOML settings file (principals, calendar files, page token secret).
    #[arg(long, env = "CONSULT_CONFIG", global = true)]
    config: Option<PathBuf>,
    /// Log format: `pretty` for a terminal, `json` for collectors; `auto` picks by stderr.
    #[arg(long, env = "CONSULT_LOG_FORMAT", value_enum, default_value_t = LogFormat::Auto)]
    log_format: LogFormat,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Clone, Copy, ValueEnum)]
enum LogFormat {
    Auto,
    Pretty,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Prints the SHA-256 to put in `token_sha256` for a bearer token read from stdin.
    HashToken,
    /// The audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Archives of consultations (Decree 713 art. 33).
    #[command(subcommand)]
    Archive(ArchiveCommand),
    /// Keys that seal submitters' private fields in the database.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Writes a checked copy of the database while the service runs: SQLite copied from one
    /// snapshot and its audit log verified; PostgreSQL dumped with `pg_dump --format=custom`
    /// and read back with `pg_restore --list`. Restore: SQLite, start consultd on the file;
    /// PostgreSQL, `createdb NEW && pg_restore --no-owner -d NEW FILE`.
    Backup {
        /// The file to write; an existing file is never overwritten.
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Writes a new random key (32 bytes, base64) to a file only its owner can read.
    Generate {
        /// The key file to create; an existing file is never overwritten.
        #[arg(long)]
        out: PathBuf,
    },
    /// How many comments each key seals and how many still wait for the current key.
    Status,
}

async fn keys(cli: &Cli, command: &KeysCommand) -> ExitCode {
    match command {
        KeysCommand::Generate { out } => match write_new_key(out) {
            Ok(()) => {
                println!("已生成密钥 {} (key written)", out.display());
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("consultd keys generate: {}: {e}", out.display());
                ExitCode::FAILURE
            }
        },
        KeysCommand::Status => {
            let settings = match load_settings(cli) {
                Ok(s) => s,
                Err(e) => {
                    eprintln!("consultd keys status: {e}");
                    return ExitCode::from(2);
                }
            };
            match consult_server::private_data_status(&settings).await {
                Ok((current, usage)) => {
                    let mut waiting = 0;
                    for u in &usage {
                        let label = match &u.key_id {
                            Some(id) if *id == current => format!("{id}（当前 current）"),
                            Some(id) => id.clone(),
                            None => "明文 (plaintext)".to_owned(),
                        };
                        if u.key_id.as_deref() != Some(current.as_str()) {
                            waiting += u.comments;
                        }
                        println!("{label}\t{} 条意见 (comments)", u.comments);
                    }
                    println!(
                        "待用当前密钥 {current} 重新加密：{waiting} 条 (waiting to be re-sealed)"
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("consultd keys status: {e}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}

fn write_new_key(out: &std::path::Path) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(out)?;
    writeln!(
        file,
        "{}",
        consult_server::PrivateDataKeys::generate_key_text()
    )?;
    file.sync_all()
}

#[derive(Subcommand)]
enum ArchiveCommand {
    /// Writes one consultation's complete record, with a manifest of SHA-256 hashes, to a file.
    Export {
        /// The consultation's id.
        #[arg(long)]
        consultation: String,
        /// The archive file to write.
        #[arg(long)]
        out: PathBuf,
    },
    /// Checks an archive file offline: every part, the manifest and the audit chain; exits 1
    /// naming the first thing found wrong.
    Verify {
        /// The archive file.
        file: PathBuf,
    },
}

async fn archive(cli: &Cli, command: &ArchiveCommand) -> ExitCode {
    match command {
        ArchiveCommand::Export { consultation, out } => {
            let settings = match load_settings(cli) {
                Ok(s) => s,
                Err(e) => {
                    eprintln!("consultd archive export: {e}");
                    return ExitCode::from(2);
                }
            };
            let id = consultation.trim_start_matches("consultations/");
            match consult_server::export_archive(&settings, id).await {
                Ok(text) => match std::fs::write(out, text) {
                    Ok(()) => {
                        println!("已写入归档 {} (archive written)", out.display());
                        ExitCode::SUCCESS
                    }
                    Err(e) => {
                        eprintln!("consultd archive export: {}: {e}", out.display());
                        ExitCode::FAILURE
                    }
                },
                Err(e) => {
                    eprintln!("consultd archive export: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        ArchiveCommand::Verify { file } => {
            let text = match std::fs::read(file) {
                Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
                Err(e) => {
                    eprintln!("consultd archive verify: {}: {e}", file.display());
                    return ExitCode::from(2);
                }
            };
            match consult_server::verify_archive(&text) {
                Ok(v) => {
                    println!(
                        "归档完好：consultations/{}，{} 个部分，审计事件 {} 条链接完好 (archive intact)",
                        v.consultation_id, v.parts, v.audit_events
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    println!("归档校验失败：{e}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}

/// `consultd backup`: opens the database directly, beside a running server or without one.
async fn backup(cli: &Cli, out: &std::path::Path) -> ExitCode {
    let settings = match load_settings(cli) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("consultd backup: {e}");
            return ExitCode::from(2);
        }
    };
    match consult_server::backup::backup(&settings, out).await {
        Ok(done) => {
            println!(
                "已备份到 {}（{} 字节，已核验 {}）(backup written and checked)",
                done.file.display(),
                done.bytes,
                done.checked
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("consultd backup: {e}");
            ExitCode::FAILURE
        }
    }
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Verifies the hash chains of the audit log in the database; exits 1 at the first broken
    /// link, naming it.
    Verify {
        /// Only this consultation's chain (its id); default: the whole log.
        #[arg(long)]
        consultation: Option<String>,
    },
}

/// `consultd audit verify`: reads the database directly, so it also works with the server down.
async fn audit_verify(cli: &Cli, consultation: Option<&str>) -> ExitCode {
    let settings = match load_settings(cli) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("consultd audit verify: {e}");
            return ExitCode::from(2);
        }
    };
    match consult_server::verify_audit_log(&settings, consultation).await {
        Ok(found) => match found.broken {
            None => {
                println!(
                    "审计日志完整：已核验 {} 条事件 (audit log intact)",
                    found.checked
                );
                ExitCode::SUCCESS
            }
            Some(b) => {
                println!(
                    "审计日志在第 {} 条事件处断链（{}）：{}；此前 {} 条事件完好",
                    b.event_id, b.chain, b.problem, found.checked
                );
                ExitCode::FAILURE
            }
        },
        Err(e) => {
            eprintln!("consultd audit verify: {e}");
            ExitCode::from(2)
        }
    }
}

/// Logs to standard error, and spans to an OpenTelemetry collector when `traces` says where
/// (its exporter spawned here); fails on an endpoint it cannot use.
fn init_logging(format: LogFormat, traces: Option<&TraceSettings>) -> Result<(), String> {
    use tracing_subscriber::Layer;
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;

    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let json = match format {
        LogFormat::Json => true,
        LogFormat::Pretty => false,
        LogFormat::Auto => !std::io::stderr().is_terminal(),
    };
    // Spans go to the collector whatever the log level: each layer has its own filter.
    let otlp = match traces {
        Some(t) => {
            let (layer, exporter) = consult_server::traces::otlp(
                &t.endpoint,
                &t.service_name,
                std::time::Duration::from_millis(t.export_interval_ms.max(1)),
            )?;
            tokio::spawn(exporter);
            Some(layer.with_filter(tracing_subscriber::filter::filter_fn(
                consult_server::traces::exported,
            )))
        }
        None => None,
    };
    let fmt = tracing_subscriber::fmt::layer().with_writer(std::io::stderr);
    let registry = tracing_subscriber::registry().with(otlp);
    if json {
        registry.with(fmt.json().with_filter(filter)).init();
    } else {
        registry.with(fmt.with_filter(filter)).init();
    }
    Ok(())
}

fn load_settings(cli: &Cli) -> Result<Settings, String> {
    let mut settings = match &cli.config {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?
        }
        None => Settings::default(),
    };
    if let Some(listen) = cli.listen {
        settings.listen = listen;
    }
    if let Some(http) = cli.http_listen {
        settings.http_listen = http;
    }
    if let Some(url) = &cli.database_url {
        settings.database_url = url.clone();
    }
    if let Ok(secret) = std::env::var("CONSULT_PAGE_TOKEN_SECRET") {
        settings.page_token_secret = Some(secret);
    }
    if let Ok(endpoint) = std::env::var("OTEL_EXPORTER_OTLP_ENDPOINT")
        && !endpoint.trim().is_empty()
    {
        let mut traces = settings.traces.take().unwrap_or_else(|| TraceSettings {
            endpoint: String::new(),
            service_name: "consultd".to_owned(),
            export_interval_ms: 1_000,
        });
        traces.endpoint = endpoint;
        settings.traces = Some(traces);
    }
    if let Some(nats) = settings.nats.as_mut() {
        if let Ok(token) = std::env::var("CONSULT_NATS_TOKEN") {
            nats.token = Some(token);
        }
        if let Ok(password) = std::env::var("CONSULT_NATS_PASSWORD") {
            nats.password = Some(password);
        }
    }
    Ok(settings)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutdown requested; finishing calls in flight");
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(Command::HashToken) = cli.command {
        let mut token = String::new();
        if std::io::stdin().read_to_string(&mut token).is_err() || token.trim().is_empty() {
            eprintln!("consultd hash-token: give the token on standard input");
            return ExitCode::from(2);
        }
        println!("{}", consult_server::auth::hash_token(token.trim()));
        return ExitCode::SUCCESS;
    }
    if let Some(Command::Audit(AuditCommand::Verify { consultation })) = &cli.command {
        return audit_verify(&cli, consultation.as_deref()).await;
    }
    if let Some(Command::Archive(command)) = &cli.command {
        return archive(&cli, command).await;
    }
    if let Some(Command::Keys(command)) = &cli.command {
        return keys(&cli, command).await;
    }
    if let Some(Command::Backup { out }) = &cli.command {
        return backup(&cli, out).await;
    }
    let settings = match load_settings(&cli) {
        Ok(s) => s,
        Err(e) => {
            let _ = init_logging(cli.log_format, None);
            tracing::error!("{e}");
            return ExitCode::from(2);
        }
    };
    if let Err(e) = init_logging(cli.log_format, settings.traces.as_ref()) {
        let _ = init_logging(cli.log_format, None);
        tracing::error!("{e}");
        return ExitCode::from(2);
    }
    let app = match Application::build(settings).await {
        Ok(app) => app,
        Err(e) => {
            tracing::error!(error = %e, "cannot start");
            return ExitCode::FAILURE;
        }
    };
    match app.local_addr() {
        Ok(addr) => {
            // One machine-readable line on stdout, for scripts and tests that start port 0.
            println!("consultd listening on {addr}");
            tracing::info!(%addr, "serving gRPC");
        }
        Err(e) => tracing::warn!(error = %e, "cannot read the bound address"),
    }
    match app.http_addr() {
        Ok(addr) => {
            println!("consultd public pages on http://{addr}");
            tracing::info!(%addr, "serving public pages");
        }
        Err(e) => tracing::warn!(error = %e, "cannot read the bound web address"),
    }
    let served = app.run_until(shutdown_signal()).await;
    // The spans of the last calls go before the process does.
    consult_server::traces::flush(std::time::Duration::from_secs(3)).await;
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "server failed");
            ExitCode::FAILURE
        }
    }
}
