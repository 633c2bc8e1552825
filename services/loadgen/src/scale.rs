//! `consult-loadgen --scale N`: the scale benchmark of issue 12 (item 7). It is a measurement,
//! not a test: it starts its own `consultd` (built with `--features test-clock`, so that it can
//! move the server's clock past the window's close) on a fresh database, fills one consultation
//! with N comments of realistic length from several channels and submitter categories, then
//! times every step an officer takes up to the published report and its downloads, sampling the
//! server's RSS every 100 ms throughout, and prints each figure beside its target with ✓ or ✗.
//!
//! Every call has a generous deadline and a failed step is reported (status code, elapsed) rather
//! than ending the run, so that one slow or broken step does not hide the figures of the others.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Read, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use clap::Args;
use consult_api::google::longrunning::{self, operations_client::OperationsClient};
use consult_api::pb;
use consult_api::pb::comment_service_client::CommentServiceClient;
use consult_api::pb::consultation_service_client::ConsultationServiceClient;
use consult_api::pb::feedback_service_client::FeedbackServiceClient;
use consult_api::testing::test_clock_service_client::TestClockServiceClient;
use prost::Message;
use tonic::transport::Channel;
use tonic::{Request, Status};

/// Options of the scale benchmark; `--scale N` turns it on.
#[derive(Args, Debug)]
pub(crate) struct ScaleArgs {
    /// Runs the scale benchmark with N comments instead of a surge: starts its own consultd on a
    /// fresh database and times ingest, lists, answering, gate, decision, publication and
    /// downloads (see the README, "Scale benchmark"). Ignores --addr.
    #[arg(long, value_name = "N")]
    pub(crate) scale: Option<usize>,
    /// The consultd to start, built with `--features test-clock` [default: `consultd` beside
    /// this binary].
    #[arg(long, value_name = "PATH")]
    consultd: Option<PathBuf>,
    /// The consultctl whose `comment export` is timed [default: `consultctl` beside this binary].
    #[arg(long, value_name = "PATH")]
    consultctl: Option<PathBuf>,
    /// `sqlite` (a fresh file in a temporary directory) or the URL of an empty PostgreSQL
    /// database, e.g. `postgres://postgres@localhost/consult_scale`.
    #[arg(long, default_value = "sqlite")]
    database: String,
    /// Steps to run after ingest, comma-separated, in this order: analyze, moderate, list,
    /// search, progress, bulk, gate, decision, publish, report, download, export; or `all`.
    /// `analyze` refreshes PostgreSQL's planner statistics (`ANALYZE` through `psql`), as
    /// autovacuum does after a large ingest: a server with autovacuum off keeps an empty
    /// table's statistics and plans every search for a few thousand rows.
    #[arg(long, value_delimiter = ',', default_value = "all")]
    steps: Vec<String>,
    /// SubmitComment calls in flight during ingest.
    #[arg(long, default_value_t = 64)]
    ingest_concurrency: usize,
    /// Comments hidden one by one (step moderate).
    #[arg(long, default_value_t = 50)]
    hide: usize,
    /// Opinion groups formed and answered (step moderate).
    #[arg(long, default_value_t = 20)]
    groups: usize,
    /// Comments in each opinion group.
    #[arg(long, default_value_t = 10)]
    group_size: usize,
    /// Page size of the single list pages timed at the first, middle and last position (the walk
    /// through every page uses 1000, the most the server allows).
    #[arg(long, default_value_t = 50)]
    page_size: i32,
    /// Deadline of every call in seconds; also the server's request timeout.
    #[arg(long, default_value_t = 1800)]
    deadline_secs: u64,
    /// The no-op ingest rate (comments/s) measured with `--baseline`, to print ingest's ratio.
    #[arg(long, value_name = "COMMENTS_PER_S")]
    noop_rate: Option<f64>,
    /// Seed of the generated comments (the same seed makes the same comments).
    #[arg(long, default_value_t = 12)]
    scale_seed: u64,
    /// Keeps the temporary directory (database, server settings and log) instead of removing it.
    #[arg(long)]
    keep_temp: bool,
    /// A top-level server setting as TOML, e.g. `suggestion_assigner_interval_ms = 0`; may be
    /// given more than once.
    #[arg(long, value_name = "KEY = VALUE")]
    server_setting: Vec<String>,
}

/// The steps after ingest, in the order they run.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Step {
    Analyze,
    Moderate,
    List,
    Search,
    Progress,
    Bulk,
    Gate,
    Decision,
    Publish,
    Report,
    Download,
    Export,
}

const STEPS: [(Step, &str); 12] = [
    (Step::Analyze, "analyze"),
    (Step::Moderate, "moderate"),
    (Step::List, "list"),
    (Step::Search, "search"),
    (Step::Progress, "progress"),
    (Step::Bulk, "bulk"),
    (Step::Gate, "gate"),
    (Step::Decision, "decision"),
    (Step::Publish, "publish"),
    (Step::Report, "report"),
    (Step::Download, "download"),
    (Step::Export, "export"),
];

fn parse_steps(names: &[String]) -> Result<Vec<Step>, String> {
    let mut out = Vec::new();
    for n in names {
        let n = n.trim().to_ascii_lowercase();
        if n == "all" {
            return Ok(STEPS.iter().map(|(s, _)| *s).collect());
        }
        match STEPS.iter().find(|(_, name)| *name == n) {
            Some((s, _)) => out.push(*s),
            None => {
                let known: Vec<&str> = STEPS.iter().map(|(_, n)| *n).collect();
                return Err(format!("unknown step {n:?}; steps: {}", known.join(", ")));
            }
        }
    }
    Ok(out)
}

// The dev tokens of deploy/dev.toml, whose principals the benchmark's server is given.
const OFFICER: &str = "dev-officer-fgw";
const CALLERS: [(pb::Channel, &str); 3] = [
    (pb::Channel::Portal, "dev-portal"),
    (pb::Channel::Wechat, "dev-wechat"),
    (pb::Channel::Hotline12345, "dev-hotline"),
];
const DEV_TOML: &str = include_str!("../../../deploy/dev.toml");

/// A reply larger than this grows with the number of comments (at 100,000 comments it is less
/// than a byte each); small replies are the target.
const SMALL_REPLY: u64 = 64 << 10;
/// Largest reply the benchmark decodes (a FULL report at a million comments is large).
const MAX_DECODE: usize = u32::MAX as usize;
/// The most `ListComments` returns in one page (`crates/server/src/pagination.rs`).
const WALK_PAGE: i32 = 1000;
/// Monday 2 March 2026, 09:00 in Beijing: the server's clock when the consultation opens.
const OPENS_UNIX: i64 = 1_772_413_200;

/// Runs the benchmark with `n` comments and prints its table.
pub(crate) async fn run(n: usize, args: &ScaleArgs) -> Result<(), Box<dyn std::error::Error>> {
    let steps = parse_steps(&args.steps)?;
    let beside = |name: &str| -> Result<PathBuf, std::io::Error> {
        Ok(std::env::current_exe()?.with_file_name(name))
    };
    let consultd = match &args.consultd {
        Some(p) => p.clone(),
        None => beside("consultd")?,
    };
    let consultctl = match &args.consultctl {
        Some(p) => p.clone(),
        None => beside("consultctl")?,
    };
    let dir = std::env::temp_dir().join(format!("consult-scale-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let database_url = if args.database == "sqlite" {
        format!("sqlite://{}/consult.db", dir.display())
    } else {
        args.database.clone()
    };
    println!(
        "scale benchmark: {n} comments, consultd {}, database {}, steps {:?}",
        consultd.display(),
        if args.database == "sqlite" {
            "SQLite (fresh file)"
        } else {
            "PostgreSQL"
        },
        steps
    );
    let server = Server::start(
        &consultd,
        &dir,
        &database_url,
        args.deadline_secs,
        &args.server_setting,
    )?;
    let rss = Rss::sample(server.pid(), Duration::from_millis(100));
    let mut bench = Bench::new(&server, rss.clone(), args).await?;
    let outcome = bench.run(n, &steps, &consultctl, &dir).await;
    rss.stop();
    let exited = server.exited();
    bench.finish(exited.as_deref());
    if let Some(row) = assigner_row(&dir.join("consultd.log")) {
        bench.push(row);
    }
    bench.print_table();
    if let Err(e) = &outcome {
        println!("the benchmark stopped early: {e}");
    }
    if exited.is_some() {
        println!("last lines of the server's log:\n{}", server.log_tail(20));
    }
    drop(server);
    if args.keep_temp {
        println!("kept {}", dir.display());
    } else {
        let _ = std::fs::remove_dir_all(&dir);
    }
    outcome
}

/// A `consultd` of the benchmark's own: stopped when dropped.
struct Server {
    child: Child,
    grpc: String,
    http: String,
    log: PathBuf,
}

impl Server {
    fn start(
        bin: &Path,
        dir: &Path,
        database_url: &str,
        deadline_secs: u64,
        extra: &[String],
    ) -> Result<Self, String> {
        // The dev principals, a request timeout as long as the benchmark's deadlines (so that a
        // slow step is measured rather than cut at the default 60 s), and no submission limit.
        let principals = DEV_TOML
            .find("[[principals]]")
            .map(|i| &DEV_TOML[i..])
            .ok_or("deploy/dev.toml has no principals")?;
        let config = dir.join("consultd.toml");
        std::fs::write(
            &config,
            format!(
                "page_token_secret = \"scale-benchmark\"\nrequest_timeout_seconds = {deadline_secs}\n\
                 max_concurrent_streams = 256\n{}\n\n[submit_rate_limit]\nper_second = 1000000.0\n\
                 burst = 1000000\n\n{principals}",
                extra.join("\n")
            ),
        )
        .map_err(|e| format!("write {}: {e}", config.display()))?;
        let log = dir.join("consultd.log");
        let stderr = std::fs::File::create(&log).map_err(|e| e.to_string())?;
        let mut child = Command::new(bin)
            .args(["--listen", "127.0.0.1:0", "--http-listen", "127.0.0.1:0"])
            .args(["--log-format", "json", "--config"])
            .arg(&config)
            .arg("--database-url")
            .arg(database_url)
            // The assigner's passes, for the row on suggestions kept up to date.
            .env("RUST_LOG", "warn,consult_server::assigning=debug")
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .map_err(|e| format!("start {}: {e}", bin.display()))?;
        let mut lines = Vec::new();
        if let Some(out) = child.stdout.take() {
            let mut reader = BufReader::new(out);
            for _ in 0..2 {
                let mut l = String::new();
                if reader.read_line(&mut l).unwrap_or(0) == 0 {
                    break;
                }
                lines.push(l.trim().to_owned());
            }
        }
        let grpc = lines
            .first()
            .and_then(|l| l.strip_prefix("consultd listening on "))
            .map(|a| format!("http://{a}"));
        let http = lines
            .get(1)
            .and_then(|l| l.strip_prefix("consultd public pages on "))
            .map(str::to_owned);
        let mut server = Server {
            child,
            grpc: grpc.unwrap_or_default(),
            http: http.unwrap_or_default(),
            log,
        };
        if server.grpc.is_empty() || server.http.is_empty() {
            let tail = server.log_tail(20);
            let _ = server.child.kill();
            return Err(format!(
                "{} did not start ({lines:?}):\n{tail}",
                bin.display()
            ));
        }
        Ok(server)
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// How the server ended, if it did (killed by the OOM killer, say).
    fn exited(&self) -> Option<String> {
        let status = Path::new("/proc").join(self.pid().to_string()).join("stat");
        // A zombie (exited, not yet reaped by us) shows state Z.
        match std::fs::read_to_string(status) {
            Ok(s) if !s.contains(") Z ") => None,
            _ => Some("consultd is no longer running".to_owned()),
        }
    }

    fn log_tail(&self, n: usize) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(n)..].join("\n")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The resident set of a process, sampled from `/proc/PID/status` on a thread of its own: the
/// peak over the whole run and over the current step.
struct Rss {
    pid: u32,
    peak_kb: AtomicU64,
    step_peak_kb: AtomicU64,
    hwm_kb: AtomicU64,
    stop: AtomicBool,
}

impl Rss {
    fn sample(pid: u32, every: Duration) -> Arc<Self> {
        let rss = Arc::new(Rss {
            pid,
            peak_kb: AtomicU64::new(0),
            step_peak_kb: AtomicU64::new(0),
            hwm_kb: AtomicU64::new(0),
            stop: AtomicBool::new(false),
        });
        let sampler = rss.clone();
        std::thread::spawn(move || {
            while !sampler.stop.load(Ordering::Relaxed) {
                sampler.take();
                std::thread::sleep(every);
            }
        });
        rss
    }

    /// Reads the status once; false when the process is gone.
    fn take(&self) -> bool {
        let Some((rss, hwm)) = vm_status(self.pid) else {
            return false;
        };
        self.peak_kb.fetch_max(rss, Ordering::Relaxed);
        self.step_peak_kb.fetch_max(rss, Ordering::Relaxed);
        self.hwm_kb.fetch_max(hwm, Ordering::Relaxed);
        true
    }

    /// Starts a step: its peak is counted from now.
    fn begin_step(&self) {
        self.step_peak_kb.store(0, Ordering::Relaxed);
        self.take();
    }

    /// The peak since the step began.
    fn step_peak(&self) -> u64 {
        self.take();
        self.step_peak_kb.load(Ordering::Relaxed)
    }

    fn stop(&self) {
        self.take();
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// VmRSS and VmHWM of a process, in KiB.
fn vm_status(pid: u32) -> Option<(u64, u64)> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}

/// The value of the numeric field `name` in a JSON log line, read without a JSON parser.
fn log_number(line: &str, name: &str) -> Option<f64> {
    let at = line.find(&format!("\"{name}\":"))? + name.len() + 3;
    let rest = &line[at..];
    let end = rest
        .find(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '-' | '+')))
        .unwrap_or(rest.len());
    rest[..end].parse().ok()
}

/// What the server's suggestion assigner logged while the benchmark ran: comments placed as
/// they arrived and the time per comment of its passes (each pass places up to 4,096 new
/// comments in transactions of 256), against the target of 1 ms per comment.
fn assigner_row(log: &std::path::Path) -> Option<Row> {
    let text = std::fs::read_to_string(log).ok()?;
    let (mut comments, mut micros, mut worst, mut passes) = (0.0, 0.0, 0.0f64, 0);
    for line in text
        .lines()
        .filter(|l| l.contains("suggestion assigner placed"))
    {
        let (Some(n), Some(ms), Some(each)) = (
            log_number(line, "compared"),
            log_number(line, "ms"),
            log_number(line, "us_per_comment"),
        ) else {
            continue;
        };
        comments += n;
        micros += ms * 1e3;
        worst = worst.max(each);
        passes += 1;
    }
    if passes == 0 {
        return None;
    }
    let mean = micros / comments;
    Some(Row {
        step: "assign".into(),
        figure: format!(
            "{comments:.0} comments placed in suggestions as they arrived: {mean:.0} µs each on \
             average, {worst:.0} µs in the slowest of {passes} passes"
        ),
        target: "< 1 ms per comment".into(),
        ok: Some(mean < 1_000.0),
        reply: None,
        rss_kb: None,
    })
}

/// One line of the result table.
struct Row {
    step: String,
    figure: String,
    target: String,
    /// ✓ or ✗ against the target; none when there is no target.
    ok: Option<bool>,
    /// The reply's encoded size, and whether it stays small (for replies that must not grow).
    reply: Option<(u64, Option<bool>)>,
    /// The server's peak RSS during the step, KiB.
    rss_kb: Option<u64>,
}

/// What one call did.
struct Call<T> {
    elapsed: Duration,
    result: Result<T, Status>,
}

impl<T: Message> Call<T> {
    fn bytes(&self) -> Option<u64> {
        self.result.as_ref().ok().map(|r| r.encoded_len() as u64)
    }
}

/// The state of a run: the clients, the sampler, the rows so far.
struct Bench {
    channels: Vec<Channel>,
    http: String,
    grpc: String,
    rss: Arc<Rss>,
    rows: Vec<Row>,
    deadline: Duration,
    args: Work,
}

/// How much work the steps do, from the command line.
struct Work {
    concurrency: usize,
    hide: usize,
    groups: usize,
    group_size: usize,
    page_size: i32,
    noop_rate: Option<f64>,
    seed: u64,
    /// The PostgreSQL database's URL (none on SQLite), for `ANALYZE`.
    postgres: Option<String>,
}

impl Bench {
    async fn new(
        server: &Server,
        rss: Arc<Rss>,
        args: &ScaleArgs,
    ) -> Result<Self, Box<dyn std::error::Error>> {
        let mut channels = Vec::new();
        for _ in 0..4 {
            channels.push(Channel::from_shared(server.grpc.clone())?.connect().await?);
        }
        Ok(Bench {
            channels,
            http: server.http.clone(),
            grpc: server.grpc.clone(),
            rss,
            rows: Vec::new(),
            deadline: Duration::from_secs(args.deadline_secs),
            args: Work {
                concurrency: args.ingest_concurrency.max(1),
                hide: args.hide,
                groups: args.groups,
                group_size: args.group_size.max(2),
                page_size: args.page_size.clamp(1, WALK_PAGE),
                noop_rate: args.noop_rate,
                seed: args.scale_seed,
                postgres: (args.database != "sqlite").then(|| args.database.clone()),
            },
        })
    }

    fn consultations(&self) -> ConsultationServiceClient<Channel> {
        ConsultationServiceClient::new(self.channels[0].clone())
            .max_decoding_message_size(MAX_DECODE)
    }

    fn comments(&self) -> CommentServiceClient<Channel> {
        CommentServiceClient::new(self.channels[1].clone()).max_decoding_message_size(MAX_DECODE)
    }

    fn feedback(&self) -> FeedbackServiceClient<Channel> {
        FeedbackServiceClient::new(self.channels[2].clone()).max_decoding_message_size(MAX_DECODE)
    }

    /// A request as the officer, with the benchmark's deadline.
    fn req<T>(&self, message: T) -> Request<T> {
        request(OFFICER, message, self.deadline)
    }

    /// Starts a long-running operation and follows it until it is done; times the whole and
    /// gives its response (or its error, as the call would have failed).
    async fn operation<T, F>(&self, start: F) -> Call<T>
    where
        T: Message + Default,
        F: std::future::Future<Output = Result<tonic::Response<longrunning::Operation>, Status>>,
    {
        let t = Instant::now();
        let result = async {
            let mut op = start.await?.into_inner();
            let mut operations = OperationsClient::new(self.channels[2].clone());
            while !op.done {
                op = operations
                    .wait_operation(self.req(longrunning::WaitOperationRequest {
                        name: op.name.clone(),
                        timeout: Some(prost_types::Duration {
                            seconds: 5,
                            nanos: 0,
                        }),
                    }))
                    .await?
                    .into_inner();
            }
            match op.result {
                Some(longrunning::operation::Result::Response(any)) => {
                    T::decode(any.value.as_slice())
                        .map_err(|e| Status::internal(format!("operation response: {e}")))
                }
                Some(longrunning::operation::Result::Error(e)) => {
                    Err(Status::new(tonic::Code::from(e.code), e.message))
                }
                None => Err(Status::internal("operation done without a result")),
            }
        }
        .await;
        Call {
            elapsed: t.elapsed(),
            result,
        }
    }

    /// Runs a call under the deadline and times it.
    async fn call<T, F>(&self, f: F) -> Call<T>
    where
        F: std::future::Future<Output = Result<tonic::Response<T>, Status>>,
    {
        let t = Instant::now();
        let result = match tokio::time::timeout(self.deadline + Duration::from_secs(5), f).await {
            Ok(r) => r.map(tonic::Response::into_inner),
            Err(_) => Err(Status::deadline_exceeded("the benchmark's deadline passed")),
        };
        Call {
            elapsed: t.elapsed(),
            result,
        }
    }

    fn push(&mut self, row: Row) {
        print_row(&row);
        self.rows.push(row);
    }

    /// A row for a timed call: its time against `limit`, its reply size (checked to stay small
    /// when `small_reply`), and the server's peak RSS during it.
    fn push_call<T: Message>(
        &mut self,
        step: &str,
        call: &Call<T>,
        limit: Option<Duration>,
        small_reply: bool,
    ) {
        let rss_kb = Some(self.rss.step_peak());
        let (figure, ok) = match &call.result {
            Ok(_) => (
                ms(call.elapsed),
                limit.map(|l| call.elapsed < l).or(Some(true)),
            ),
            Err(s) => (failed(s, call.elapsed), Some(false)),
        };
        let reply = call
            .bytes()
            .map(|b| (b, small_reply.then_some(b < SMALL_REPLY)));
        self.push(Row {
            step: step.to_owned(),
            figure,
            target: limit.map(|l| format!("< {}", ms(l))).unwrap_or_default(),
            ok: if limit.is_some() || call.result.is_err() {
                ok
            } else {
                None
            },
            reply,
            rss_kb,
        });
    }

    async fn run(
        &mut self,
        n: usize,
        steps: &[Step],
        consultctl: &Path,
        dir: &Path,
    ) -> Result<(), Box<dyn std::error::Error>> {
        let mut clock = TestClockServiceClient::new(self.channels[0].clone());
        let set = |seconds: i64| consult_api::testing::SetTimeRequest {
            time: Some(prost_types::Timestamp { seconds, nanos: 0 }),
        };
        if let Err(s) = clock.set_time(set(OPENS_UNIX)).await {
            return Err(format!(
                "the server has no test clock ({:?}: {}); build it with `cargo build --release -p consultd --features test-clock`",
                s.code(),
                s.message()
            )
            .into());
        }
        let parent = self.open_consultation().await?;
        let id = parent.trim_start_matches("consultations/").to_owned();
        let picked = self.ingest(&parent, n).await;
        // Past the window's close, as the officers' work begins.
        let c = self
            .consultations()
            .get_consultation(self.req(pb::GetConsultationRequest {
                name: parent.clone(),
            }))
            .await?
            .into_inner();
        let after_close = c.closes_at.map(|t| t.seconds).unwrap_or(OPENS_UNIX) + 3_600;
        clock.set_time(set(after_close)).await?;
        self.rss.begin_step();
        let mut api = self.consultations();
        let close = self
            .call(
                api.close_consultation(self.req(pb::CloseConsultationRequest {
                    name: parent.clone(),
                })),
            )
            .await;
        self.push_call("close the consultation", &close, None, true);

        let mut report_rows = None;
        for step in steps {
            self.rss.begin_step();
            match step {
                Step::Analyze => self.analyze().await,
                Step::Moderate => self.moderate(&parent, &picked).await,
                Step::List => self.lists(&parent).await,
                Step::Search => self.searches(&parent).await,
                Step::Progress => {
                    self.progress(&parent, "answering progress, before answering")
                        .await
                }
                Step::Bulk => self.bulk(&parent).await,
                Step::Gate => {
                    self.progress(&parent, "answering progress, before the gate")
                        .await;
                    self.rss.begin_step();
                    let mut api = self.consultations();
                    let gate = self
                        .call(api.mark_ready_for_deliberation(self.req(
                            pb::MarkReadyForDeliberationRequest {
                                name: parent.clone(),
                            },
                        )))
                        .await;
                    self.push_call(
                        "gate (MarkReadyForDeliberation)",
                        &gate,
                        Some(Duration::from_millis(200)),
                        true,
                    );
                }
                Step::Decision => {
                    let mut api = self.consultations();
                    let decision = self
                        .call(api.record_decision(self.req(pb::RecordDecisionRequest {
                            name: parent.clone(),
                            decision: Some(pb::Decision {
                                number: "规模测试〔2026〕1号".into(),
                                title: "关于促进民营经济高质量发展若干措施的决定".into(),
                                decide_date: beijing_date(after_close),
                                ..Default::default()
                            }),
                        })))
                        .await;
                    self.push_call("record the decision", &decision, None, true);
                }
                Step::Publish => {
                    let mut feedback = self.feedback();
                    let publish: Call<pb::FeedbackReport> = self
                        .operation(feedback.start_publish_feedback_report(self.req(
                            pb::StartPublishFeedbackReportRequest {
                                name: parent.clone(),
                            },
                        )))
                        .await;
                    self.push_call(
                        "publish the feedback report (operation)",
                        &publish,
                        Some(Duration::from_secs(10)),
                        true,
                    );
                }
                Step::Report => report_rows = self.report(&parent).await,
                Step::Download => self.downloads(&id, report_rows).await,
                Step::Export => {
                    for format in ["csv", "json"] {
                        self.rss.begin_step();
                        self.export(consultctl, dir, &id, format).await;
                    }
                    self.rss.begin_step();
                    self.report_export(consultctl, dir, &id).await;
                }
            }
        }
        Ok(())
    }

    /// PostgreSQL's `ANALYZE` of the whole database, timed; nothing on SQLite (its planner
    /// reads no statistics the benchmark's steps depend on).
    async fn analyze(&mut self) {
        let Some(url) = self.args.postgres.clone() else {
            return;
        };
        let started = Instant::now();
        let ran = tokio::task::spawn_blocking(move || {
            Command::new("psql")
                .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", "ANALYZE"])
                .arg(&url)
                .output()
        })
        .await;
        let figure = match ran {
            Ok(Ok(out)) if out.status.success() => ms(started.elapsed()),
            Ok(Ok(out)) => format!("failed: {}", String::from_utf8_lossy(&out.stderr).trim()),
            Ok(Err(e)) => format!("psql did not start: {e}"),
            Err(e) => format!("failed: {e}"),
        };
        self.push(Row {
            step: "ANALYZE (PostgreSQL statistics, as autovacuum would)".into(),
            figure,
            target: String::new(),
            ok: None,
            reply: None,
            rss_kb: None,
        });
    }

    async fn open_consultation(&self) -> Result<String, Box<dyn std::error::Error>> {
        let mut api = self.consultations();
        let draft: String = (1..=30)
            .map(|k| {
                format!(
                    "第{}条 {}\n",
                    chinese_number(k),
                    FRAGMENTS[k as usize % FRAGMENTS.len()]
                )
            })
            .collect();
        let c = api
            .create_consultation(self.req(pb::CreateConsultationRequest {
                consultation: Some(pb::Consultation {
                    title: "关于促进民营经济高质量发展的若干措施（征求意见稿）".into(),
                    kind: pb::ConsultationKind::EnterprisePolicy as i32,
                    draft_text: draft,
                    basis: "《优化营商环境条例》第六十二条".into(),
                    channels: CALLERS.iter().map(|(c, _)| *c as i32).collect(),
                    ..Default::default()
                }),
            }))
            .await?
            .into_inner();
        let c = api
            .publish_consultation(self.req(pb::PublishConsultationRequest { name: c.name }))
            .await?
            .into_inner();
        Ok(c.name)
    }

    /// Submits `n` comments from `concurrency` workers over four connections, printing progress
    /// every five seconds; returns the names of the comments picked to hide and to group.
    async fn ingest(&mut self, parent: &str, n: usize) -> Picked {
        let plan = Arc::new(Plan::new(
            n,
            self.args.hide,
            self.args.groups * self.args.group_size,
        ));
        let next = Arc::new(AtomicUsize::new(0));
        let done = Arc::new(AtomicUsize::new(0));
        let seed = self.args.seed;
        self.rss.begin_step();
        let started = Instant::now();
        let mut workers = Vec::new();
        for w in 0..self.args.concurrency {
            let mut client = CommentServiceClient::new(self.channels[w % 4].clone());
            let (parent, plan, next, done) =
                (parent.to_owned(), plan.clone(), next.clone(), done.clone());
            let deadline = self.deadline;
            workers.push(tokio::spawn(async move {
                let mut latencies = Vec::new();
                let mut picked = Vec::new();
                let mut failures: Vec<(tonic::Code, String)> = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= plan.n {
                        break;
                    }
                    let (token, comment) = generate(seed, i as u64);
                    let req = pb::SubmitCommentRequest {
                        parent: parent.clone(),
                        comment: Some(comment),
                        request_id: format!("scale-{seed}-{i}"),
                        validate_only: false,
                    };
                    let t = Instant::now();
                    match client.submit_comment(request(token, req, deadline)).await {
                        Ok(c) => {
                            latencies.push(t.elapsed());
                            if plan.role(i).is_some() {
                                picked.push((i, c.into_inner().name));
                            }
                        }
                        Err(s) => failures.push((s.code(), s.message().to_owned())),
                    }
                    done.fetch_add(1, Ordering::Relaxed);
                }
                (latencies, picked, failures)
            }));
        }
        let reporter = {
            let (done, rss) = (done.clone(), self.rss.clone());
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(Duration::from_secs(5)).await;
                    let d = done.load(Ordering::Relaxed);
                    let s = started.elapsed().as_secs_f64();
                    println!(
                        "  ingest: {d}/{n} in {s:.0} s, {:.0} comments/s, server RSS {}",
                        d as f64 / s,
                        mib(rss.peak_kb.load(Ordering::Relaxed))
                    );
                }
            })
        };
        let mut latencies = Vec::with_capacity(n);
        let mut picked = Picked::default();
        let mut failures = Vec::new();
        for w in workers {
            match w.await {
                Ok((l, p, f)) => {
                    latencies.extend(l);
                    for (i, name) in p {
                        match plan.role(i) {
                            Some(Role::Hide) => picked.hide.push(name),
                            Some(Role::Group) => picked.group.push(name),
                            None => {}
                        }
                    }
                    failures.extend(f);
                }
                Err(e) => failures.push((tonic::Code::Internal, format!("worker panicked: {e}"))),
            }
        }
        reporter.abort();
        let elapsed = started.elapsed();
        latencies.sort_unstable();
        let rate = latencies.len() as f64 / elapsed.as_secs_f64();
        let mut figure = format!(
            "{} comments in {:.1} s: {} comments/s, p50 {}, p99 {}",
            latencies.len(),
            elapsed.as_secs_f64(),
            thousands(rate as u64),
            ms(percentile(&latencies, 0.50)),
            ms(percentile(&latencies, 0.99)),
        );
        if let Some((code, message)) = failures.first() {
            let _ = write!(
                figure,
                "; {} FAILED, first {code:?}: {message}",
                failures.len()
            );
        }
        let (target, ok) = match self.args.noop_rate {
            Some(noop) => {
                let ratio = rate / noop;
                let _ = write!(figure, "; {ratio:.2} × the no-op rate {noop:.0}/s");
                ("≥ 0.6 × no-op".to_owned(), Some(ratio >= 0.6))
            }
            None => {
                figure.push_str("; no-op rate not given (--noop-rate)");
                ("≥ 0.6 × no-op".to_owned(), None)
            }
        };
        let rss_kb = Some(self.rss.step_peak());
        self.push(Row {
            step: format!("ingest {n} comments"),
            figure,
            target,
            ok: if failures.is_empty() { ok } else { Some(false) },
            reply: None,
            rss_kb,
        });
        picked.group.sort();
        picked
    }

    /// Hides a few comments one by one, forms a few opinion groups and answers them.
    async fn moderate(&mut self, parent: &str, picked: &Picked) {
        let mut comments = self.comments();
        let t = Instant::now();
        let mut failure = None;
        for name in &picked.hide {
            let call = self
                .call(comments.hide_comment(self.req(pb::HideCommentRequest {
                    name: name.clone(),
                    reason: pb::HideReason::Spam as i32,
                    note: "规模测试".into(),
                })))
                .await;
            if let Err(s) = call.result {
                failure = Some(failed(&s, call.elapsed));
                break;
            }
        }
        let elapsed = t.elapsed();
        let hidden = picked.hide.len();
        let rss_kb = Some(self.rss.step_peak());
        self.push(Row {
            step: format!("hide {hidden} comments one by one"),
            figure: failure.clone().unwrap_or_else(|| {
                format!(
                    "{} in all, {} each",
                    ms(elapsed),
                    ms(elapsed / hidden.max(1) as u32)
                )
            }),
            target: String::new(),
            ok: failure.as_ref().map(|_| false),
            reply: None,
            rss_kb,
        });

        self.rss.begin_step();
        let mut feedback = self.feedback();
        let t = Instant::now();
        let mut failure = None;
        let mut formed = 0;
        for members in picked
            .group
            .chunks(self.args.group_size)
            .filter(|m| m.len() >= 2)
        {
            let group = self
                .call(
                    feedback.create_opinion_group(self.req(pb::CreateOpinionGroupRequest {
                        parent: parent.to_owned(),
                        opinion_group: Some(pb::OpinionGroup {
                            summary: "建议延长政策过渡期，减轻中小企业负担".into(),
                            ..Default::default()
                        }),
                        comments: members.to_vec(),
                    })),
                )
                .await;
            let g = match group.result {
                Ok(g) => g,
                Err(s) => {
                    failure = Some(failed(&s, group.elapsed));
                    break;
                }
            };
            let answer = self
                .call(
                    feedback.answer_opinion_group(self.req(pb::AnswerOpinionGroupRequest {
                        name: g.name,
                        disposition: Some(pb::Disposition {
                            outcome: pb::Outcome::Adopted as i32,
                            adopted_content: "第五条增加六个月过渡期".into(),
                            ..Default::default()
                        }),
                    })),
                )
                .await;
            if let Err(s) = answer.result {
                failure = Some(failed(&s, answer.elapsed));
                break;
            }
            formed += 1;
        }
        let elapsed = t.elapsed();
        let rss_kb = Some(self.rss.step_peak());
        self.push(Row {
            step: format!(
                "form and answer {formed} opinion groups of {}",
                self.args.group_size
            ),
            figure: failure.clone().unwrap_or_else(|| {
                format!(
                    "{} in all, {} each",
                    ms(elapsed),
                    ms(elapsed / formed.max(1) as u32)
                )
            }),
            target: String::new(),
            ok: failure.as_ref().map(|_| false),
            reply: None,
            rss_kb,
        });
    }

    /// For each filter: every page of 1000 in turn (the figures of a full read), then a page of
    /// `page_size` at the first, middle and last position, each the worst of three calls.
    /// Searches of the comments' text, first page of the page size, each query ten times:
    /// per query the worst call, and the 95th percentile over every call of the queries of
    /// three characters or more beside the median of a first page with no filter (the
    /// baseline, measured in the same step).
    async fn searches(&mut self, parent: &str) {
        const CALLS: usize = 10;
        let target = Duration::from_millis(50);
        let searches: [(&str, &str, pb::ListCommentsRequest); 10] = [
            ("common phrase", "一网通办", Default::default()),
            (
                "long phrase",
                "希望设置不少于六个月的过渡期",
                Default::default(),
            ),
            ("two words", "融资 转贷资金", Default::default()),
            (
                "phrase + 12345 + 第五条",
                "过渡期",
                pb::ListCommentsRequest {
                    channel: pb::Channel::Hotline12345 as i32,
                    clause_reference: "第五条".into(),
                    ..Default::default()
                },
            ),
            (
                "phrase + enterprise + unanswered",
                "免申即享",
                pb::ListCommentsRequest {
                    submitter_category: pb::SubmitterCategory::Enterprise as i32,
                    status: pb::CommentStatus::Unanswered as i32,
                    ..Default::default()
                },
            ),
            (
                "phrase + hidden (few match)",
                "过渡期",
                pb::ListCommentsRequest {
                    status: pb::CommentStatus::Hidden as i32,
                    ..Default::default()
                },
            ),
            ("absent phrase", "城市更新条例", Default::default()),
            (
                "present + absent word",
                "一网通办 城市更新",
                Default::default(),
            ),
            ("two characters (scan)", "补贴", Default::default()),
            ("two characters absent (scan)", "猫狗", Default::default()),
        ];
        let mut client = self.comments();
        let page_size = self.args.page_size;
        let page = |query: &str, filter: &pb::ListCommentsRequest| pb::ListCommentsRequest {
            parent: parent.to_owned(),
            page_size,
            query: query.to_owned(),
            ..filter.clone()
        };
        self.rss.begin_step();
        let mut baseline = Vec::new();
        for _ in 0..CALLS {
            let call = self
                .call(client.list_comments(self.req(page("", &Default::default()))))
                .await;
            if call.result.is_ok() {
                baseline.push(call.elapsed);
            }
        }
        baseline.sort();
        let baseline = percentile(&baseline, 0.5);
        let mut indexed = Vec::new();
        for (label, query, filter) in searches {
            self.rss.begin_step();
            let mut times = Vec::new();
            let mut found = 0;
            let mut failure = None;
            for _ in 0..CALLS {
                let call = self
                    .call(client.list_comments(self.req(page(query, &filter))))
                    .await;
                match call.result {
                    Ok(r) => {
                        found = r.comments.len();
                        times.push(call.elapsed);
                    }
                    Err(s) => {
                        failure = Some(failed(&s, call.elapsed));
                        break;
                    }
                }
            }
            times.sort();
            let worst = times.last().copied().unwrap_or_default();
            let short = query.split_whitespace().all(|w| w.chars().count() < 3);
            if !short {
                indexed.extend(times.iter().copied());
            }
            let figure = match &failure {
                Some(f) => f.clone(),
                None => format!(
                    "{found} found; median {}, worst {}",
                    ms(percentile(&times, 0.5)),
                    ms(worst)
                ),
            };
            let rss_kb = Some(self.rss.step_peak());
            self.push(Row {
                step: format!("search “{query}”, {label}"),
                figure,
                target: if short {
                    "—".to_owned()
                } else {
                    format!("< {}", ms(target))
                },
                ok: (!short).then_some(failure.is_none() && worst < target),
                reply: None,
                rss_kb,
            });
        }
        indexed.sort();
        let p95 = percentile(&indexed, 0.95);
        self.push(Row {
            step: "search p95, queries of 3+ characters".to_owned(),
            figure: format!(
                "{} over {} calls; list page with no filter {} ({:.1}×)",
                ms(p95),
                indexed.len(),
                ms(baseline),
                p95.as_secs_f64() / baseline.as_secs_f64().max(1e-9)
            ),
            target: format!("< {}", ms(target)),
            ok: Some(p95 < target),
            reply: None,
            rss_kb: None,
        });
    }

    async fn lists(&mut self, parent: &str) {
        let filters: [(&str, pb::ListCommentsRequest); 4] = [
            ("no filter", pb::ListCommentsRequest::default()),
            (
                "channel 12345 + clause 第五条",
                pb::ListCommentsRequest {
                    channel: pb::Channel::Hotline12345 as i32,
                    clause_reference: "第五条".into(),
                    ..Default::default()
                },
            ),
            (
                "enterprise + unanswered",
                pb::ListCommentsRequest {
                    submitter_category: pb::SubmitterCategory::Enterprise as i32,
                    status: pb::CommentStatus::Unanswered as i32,
                    ..Default::default()
                },
            ),
            (
                "matches nothing (clause 第九百九十九条)",
                pb::ListCommentsRequest {
                    clause_reference: "第九百九十九条".into(),
                    ..Default::default()
                },
            ),
        ];
        let limit = Duration::from_millis(20);
        for (label, filter) in filters {
            let base = pb::ListCommentsRequest {
                parent: parent.to_owned(),
                ..filter
            };
            self.rss.begin_step();
            let mut client = self.comments();
            // The token of the page starting after each 1000 rows.
            let mut tokens = vec![String::new()];
            let mut times = Vec::new();
            let mut rows = 0usize;
            let mut failure = None;
            let started = Instant::now();
            loop {
                let token = tokens.last().cloned().unwrap_or_default();
                let call = self
                    .call(client.list_comments(self.req(pb::ListCommentsRequest {
                        page_size: WALK_PAGE,
                        page_token: token,
                        ..base.clone()
                    })))
                    .await;
                match call.result {
                    Ok(page) => {
                        times.push(call.elapsed);
                        rows += page.comments.len();
                        if page.next_page_token.is_empty() {
                            break;
                        }
                        tokens.push(page.next_page_token);
                    }
                    Err(s) => {
                        failure = Some(failed(&s, call.elapsed));
                        break;
                    }
                }
            }
            let elapsed = started.elapsed();
            let worst = times.iter().max().copied().unwrap_or_default();
            let mut figure = format!(
                "{} pages, {rows} rows in {:.2} s ({} rows/s); first {}, middle {}, last {}, worst {}",
                times.len(),
                elapsed.as_secs_f64(),
                thousands((rows as f64 / elapsed.as_secs_f64()) as u64),
                ms(times.first().copied().unwrap_or_default()),
                ms(times.get(times.len() / 2).copied().unwrap_or_default()),
                ms(times.last().copied().unwrap_or_default()),
                ms(worst),
            );
            if let Some(f) = &failure {
                let _ = write!(figure, "; then {f}");
            }
            let rss_kb = Some(self.rss.step_peak());
            self.push(Row {
                step: format!("list every page of {WALK_PAGE}, {label}"),
                figure,
                target: format!("each < {}", ms(limit)),
                ok: Some(failure.is_none() && worst < limit),
                reply: None,
                rss_kb,
            });
            if failure.is_some() {
                continue;
            }
            // A filter that fits one page of 1000: its positions in pages of the page size.
            let small = self.args.page_size;
            if tokens.len() == 1 && rows > small as usize {
                loop {
                    let token = tokens.last().cloned().unwrap_or_default();
                    let call = self
                        .call(client.list_comments(self.req(pb::ListCommentsRequest {
                            page_size: small,
                            page_token: token,
                            ..base.clone()
                        })))
                        .await;
                    match call.result {
                        Ok(page) if !page.next_page_token.is_empty() => {
                            tokens.push(page.next_page_token)
                        }
                        _ => break,
                    }
                }
            }
            // Pages of the page size at the first, middle and last position (tokens carry the
            // filters, not the page size).
            let mut positions = vec![("first", String::new())];
            if tokens.len() > 1 {
                positions.push(("middle", tokens[tokens.len() / 2].clone()));
                positions.push(("last", tokens[tokens.len() - 1].clone()));
            }
            for (position, token) in positions {
                self.rss.begin_step();
                let mut worst: Option<Call<pb::ListCommentsResponse>> = None;
                for _ in 0..3 {
                    let call = self
                        .call(client.list_comments(self.req(pb::ListCommentsRequest {
                            page_size: self.args.page_size,
                            page_token: token.clone(),
                            ..base.clone()
                        })))
                        .await;
                    let failed = call.result.is_err();
                    if worst
                        .as_ref()
                        .is_none_or(|w| failed || call.elapsed > w.elapsed)
                    {
                        worst = Some(call);
                    }
                    if failed {
                        break;
                    }
                }
                if let Some(call) = worst {
                    self.push_call(
                        &format!(
                            "list page of {} at {position}, {label} (worst of 3)",
                            self.args.page_size
                        ),
                        &call,
                        Some(limit),
                        false,
                    );
                }
            }
        }
    }

    async fn progress(&mut self, parent: &str, step: &str) {
        let mut feedback = self.feedback();
        let call = self
            .call(
                feedback.get_answering_progress(self.req(pb::GetAnsweringProgressRequest {
                    name: parent.to_owned(),
                })),
            )
            .await;
        self.push_call(step, &call, Some(Duration::from_millis(200)), true);
        if let Ok(p) = &call.result {
            println!(
                "    (received {}, hidden {}, answered {}, unanswered {}, grouped {}, ready {})",
                p.received, p.hidden, p.answered, p.unanswered, p.grouped, p.ready_for_deliberation
            );
        }
    }

    async fn bulk(&mut self, parent: &str) {
        let mut feedback = self.feedback();
        let call: Call<pb::BulkAnswerCommentsResponse> = self
            .operation(feedback.start_bulk_answer_comments(self.req(
                pb::StartBulkAnswerCommentsRequest {
                    bulk_answer: Some(pb::BulkAnswerCommentsRequest {
                        parent: parent.to_owned(),
                        disposition: Some(pb::Disposition {
                            outcome: pb::Outcome::NotAdopted as i32,
                            reason: "与上位法规定不一致，且已有相关配套措施".into(),
                            ..Default::default()
                        }),
                        target: Some(pb::bulk_answer_comments_request::Target::Selection(
                            pb::CommentSelection {
                                only_unanswered: true,
                                ..Default::default()
                            },
                        )),
                        validate_only: false,
                    }),
                },
            )))
            .await;
        let answered = call.result.as_ref().map(|r| r.answered_count).ok();
        self.push_call(
            &format!(
                "bulk answer all unanswered, as an operation{}",
                answered.map(|a| format!(" ({a})")).unwrap_or_default()
            ),
            &call,
            Some(Duration::from_secs(30)),
            true,
        );

        // A list filter that now matches nothing: the worst of three calls.
        self.rss.begin_step();
        let mut comments = self.comments();
        let mut worst: Option<Call<pb::ListCommentsResponse>> = None;
        for _ in 0..3 {
            let call = self
                .call(comments.list_comments(self.req(pb::ListCommentsRequest {
                    parent: parent.to_owned(),
                    status: pb::CommentStatus::Unanswered as i32,
                    page_size: 50,
                    ..Default::default()
                })))
                .await;
            if worst
                .as_ref()
                .is_none_or(|w| w.result.is_ok() && call.elapsed > w.elapsed)
            {
                worst = Some(call);
            }
        }
        if let Some(call) = worst {
            self.push_call(
                "list unanswered once all are answered (matches nothing)",
                &call,
                Some(Duration::from_millis(20)),
                true,
            );
        }
    }

    /// The published report over gRPC: its BASIC view, then every published comment through
    /// `ListFeedbackReportEntries` in pages of 1,000; returns how many comments it lists.
    async fn report(&mut self, parent: &str) -> Option<u64> {
        let name = format!("{parent}/feedbackReports/1");
        self.rss.begin_step();
        let mut feedback = self.feedback();
        let call = self
            .call(
                feedback.get_feedback_report(self.req(pb::GetFeedbackReportRequest {
                    name: name.clone(),
                    view: pb::FeedbackReportView::Basic as i32,
                })),
            )
            .await;
        self.push_call("read the published report, BASIC view", &call, None, true);

        self.rss.begin_step();
        let t = Instant::now();
        let (mut rows, mut pages, mut largest, mut page_token) = (0u64, 0u64, 0u64, String::new());
        let failure = loop {
            let page = self
                .call(feedback.list_feedback_report_entries(self.req(
                    pb::ListFeedbackReportEntriesRequest {
                        parent: name.clone(),
                        page_size: 1000,
                        page_token: page_token.clone(),
                    },
                )))
                .await;
            match page.result {
                Ok(p) => {
                    rows += p.comments.len() as u64;
                    pages += 1;
                    largest = largest.max(p.encoded_len() as u64);
                    if p.next_page_token.is_empty() {
                        break None;
                    }
                    page_token = p.next_page_token;
                }
                Err(e) => break Some(e),
            }
        };
        let elapsed = t.elapsed();
        let rss_kb = Some(self.rss.step_peak());
        let (figure, ok) = match &failure {
            None => (
                format!(
                    "{rows} comments in {} ({:.0} rows/s, {pages} pages)",
                    ms(elapsed),
                    rows as f64 / elapsed.as_secs_f64().max(1e-9)
                ),
                None,
            ),
            Some(e) => (failed(e, elapsed), Some(false)),
        };
        self.push(Row {
            step: "read the published comments, ListFeedbackReportEntries".to_owned(),
            figure,
            target: String::new(),
            ok,
            reply: Some((largest, Some(largest < 4 << 20))),
            rss_kb,
        });
        failure.is_none().then_some(rows)
    }

    /// The public pages' downloads of the report: bytes, time and rows/s.
    async fn downloads(&mut self, id: &str, report_rows: Option<u64>) {
        let mut rows = report_rows;
        for format in ["csv", "json", "html"] {
            self.rss.begin_step();
            let path = format!("/consultations/{id}/feedback/latest.{format}");
            let got = http_download(&self.http, &path, self.deadline).await;
            let rss_kb = Some(self.rss.step_peak());
            let csv = format == "csv";
            let (figure, ok) = match got {
                Ok(d) if d.status == 200 => {
                    if csv {
                        // The CSV's records less its header: one per published comment.
                        rows = Some(d.csv_records.saturating_sub(1));
                    }
                    let per_s = rows.map(|r| r as f64 / d.elapsed.as_secs_f64());
                    (
                        format!(
                            "{} in {}, first byte after {}; {}",
                            bytes(d.body_bytes),
                            ms(d.elapsed),
                            ms(d.first_byte),
                            match (rows, per_s) {
                                (Some(r), Some(p)) => {
                                    format!("{r} rows, {} rows/s", thousands(p as u64))
                                }
                                _ => "rows unknown".to_owned(),
                            }
                        ),
                        if csv {
                            Some(per_s.is_some_and(|p| p >= 100_000.0))
                        } else {
                            None
                        },
                    )
                }
                Ok(d) => (
                    format!("FAILED: HTTP {} after {}", d.status, ms(d.elapsed)),
                    Some(false),
                ),
                Err(e) => (format!("FAILED: {e}"), Some(false)),
            };
            self.push(Row {
                step: format!("download latest.{format} (public pages)"),
                figure,
                target: if csv {
                    "≥ 100,000 rows/s".to_owned()
                } else {
                    String::new()
                },
                ok,
                reply: None,
                rss_kb,
            });
        }
    }

    /// Runs `consultctl ARGS --out OUT` as the benchmark's officer, with no configuration of
    /// the machine's, sampling its peak RSS and CPU time.
    async fn run_consultctl(
        &self,
        consultctl: &Path,
        dir: &Path,
        args: &[&str],
        out: &Path,
    ) -> Result<Watched, String> {
        let spawned = Command::new(consultctl)
            .args(args)
            .arg("--out")
            .arg(out)
            .args(["--server", self.grpc.as_str(), "--token", OFFICER])
            .env_remove("CONSULT_SERVER")
            .env_remove("CONSULT_TOKEN")
            .env_remove("CONSULT_CA_CERT")
            .env_remove("CONSULT_CTL_CONFIG")
            .env("HOME", dir)
            .env("XDG_CONFIG_HOME", dir)
            .env("NO_COLOR", "1")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn();
        match spawned {
            Ok(child) => tokio::task::spawn_blocking(move || watch(child))
                .await
                .map_err(|e| e.to_string())
                .and_then(|r| r),
            Err(e) => Err(format!("start {}: {e}", consultctl.display())),
        }
    }

    /// `consultctl report export` of the latest version as JSON (streamed, checked against its
    /// hash): MB/s and consultctl's peak RSS, which must not grow with the report.
    async fn report_export(&mut self, consultctl: &Path, dir: &Path, id: &str) {
        let out = dir.join("report.json");
        let started = Instant::now();
        let result = self
            .run_consultctl(
                consultctl,
                dir,
                &["report", "export", id, "--format", "json"],
                &out,
            )
            .await;
        let elapsed = started.elapsed();
        let rss_kb = Some(self.rss.step_peak());
        let (figure, ok) = match result {
            Ok(w) if w.code == Some(0) => {
                let size = std::fs::metadata(&out).map(|m| m.len()).unwrap_or(0);
                (
                    format!(
                        "{} in {:.2} s: {}/s; consultctl peak RSS {}",
                        bytes(size),
                        elapsed.as_secs_f64(),
                        bytes((size as f64 / elapsed.as_secs_f64()) as u64),
                        mib(w.peak_kb)
                    ),
                    Some(w.peak_kb < 64 << 10),
                )
            }
            Ok(w) => (
                format!(
                    "consultctl exited {:?}: {}",
                    w.code,
                    w.stderr.lines().last().unwrap_or_default()
                ),
                Some(false),
            ),
            Err(e) => (format!("FAILED after {}: {e}", ms(elapsed)), Some(false)),
        };
        let _ = std::fs::remove_file(&out);
        self.push(Row {
            step: "consultctl report export --format json".to_owned(),
            figure,
            target: "streams: RSS < 64 MiB".to_owned(),
            ok,
            reply: None,
            rss_kb,
        });
    }

    /// `consultctl comment export` of every comment to a file: rows/s and consultctl's peak RSS.
    async fn export(&mut self, consultctl: &Path, dir: &Path, id: &str, format: &str) {
        let out = dir.join(format!("export.{format}"));
        let started = Instant::now();
        let result = self
            .run_consultctl(
                consultctl,
                dir,
                &["comment", "export", id, "--format", format],
                &out,
            )
            .await;
        let elapsed = started.elapsed();
        let rss_kb = Some(self.rss.step_peak());
        let counted = match &result {
            Ok(w) if w.code == Some(0) => count_file(&out, format),
            Ok(w) => Err(format!(
                "consultctl exited {:?}: {}",
                w.code,
                w.stderr.lines().last().unwrap_or_default()
            )),
            Err(e) => Err(e.clone()),
        };
        let (peak, cpu) = result
            .as_ref()
            .map(|w| (w.peak_kb, w.cpu))
            .unwrap_or_default();
        let (figure, ok) = match counted {
            Ok((size, rows)) => {
                let per_s = rows as f64 / elapsed.as_secs_f64();
                // What consultctl itself could sustain: its rows per second of its own CPU.
                let per_cpu_s = rows as f64 / cpu.as_secs_f64().max(0.01);
                (
                    format!(
                        "{rows} rows, {} in {:.2} s: {} rows/s; consultctl CPU {:.2} s ({} rows per CPU-second), peak RSS {}",
                        bytes(size),
                        elapsed.as_secs_f64(),
                        thousands(per_s as u64),
                        cpu.as_secs_f64(),
                        thousands(per_cpu_s as u64),
                        mib(peak)
                    ),
                    (format == "csv").then_some(per_s >= 100_000.0 && peak < 64 << 10),
                )
            }
            Err(e) => (format!("FAILED after {}: {e}", ms(elapsed)), Some(false)),
        };
        let _ = std::fs::remove_file(&out);
        self.push(Row {
            step: format!("consultctl comment export --format {format}"),
            figure,
            target: if format == "csv" {
                "≥ 100,000 rows/s, RSS < 64 MiB".to_owned()
            } else {
                String::new()
            },
            ok,
            reply: None,
            rss_kb,
        });
    }

    /// The rows of the whole run: the server's peak RSS throughout.
    fn finish(&mut self, exited: Option<&str>) {
        let peak = self.rss.peak_kb.load(Ordering::Relaxed);
        let hwm = self.rss.hwm_kb.load(Ordering::Relaxed);
        let mut figure = format!("{} (sampled every 100 ms; VmHWM {})", mib(peak), mib(hwm));
        if let Some(e) = exited {
            let _ = write!(figure, "; {e}");
        }
        self.push(Row {
            step: "server RSS peak, whole run".to_owned(),
            figure,
            target: "< 300 MiB".to_owned(),
            ok: Some(peak.max(hwm) < 300 << 10 && exited.is_none()),
            reply: None,
            rss_kb: None,
        });
    }

    fn print_table(&self) {
        println!("\n=== scale benchmark ===");
        let headers = ["step", "figure", "target", "", "reply", "server RSS"];
        let cells: Vec<[String; 6]> = self.rows.iter().map(cells).collect();
        let mut widths = headers.map(width);
        for c in &cells {
            for (i, cell) in c.iter().enumerate() {
                widths[i] = widths[i].max(width(cell));
            }
        }
        let line = |c: &[String]| {
            let mut s = String::new();
            for (i, cell) in c.iter().enumerate() {
                let pad = widths[i].saturating_sub(width(cell));
                let _ = write!(s, "{cell}{}  ", " ".repeat(pad));
            }
            s.trim_end().to_owned()
        };
        println!("{}", line(&headers.map(str::to_owned)));
        for c in &cells {
            println!("{}", line(c));
        }
        let passed = self.rows.iter().filter(|r| r.ok == Some(true)).count();
        let failed = self.rows.iter().filter(|r| r.ok == Some(false)).count();
        println!("{passed} targets met, {failed} missed");
        let _ = std::io::stdout().flush();
    }
}

/// Columns a text takes in a terminal: two for each Chinese character, near enough.
fn width(s: &str) -> usize {
    s.chars().map(|c| if c >= '\u{2E80}' { 2 } else { 1 }).sum()
}

fn cells(r: &Row) -> [String; 6] {
    [
        r.step.clone(),
        r.figure.clone(),
        r.target.clone(),
        mark(r.ok).to_owned(),
        r.reply
            .map(|(b, small)| format!("{} {}", bytes(b), mark(small)).trim().to_owned())
            .unwrap_or_default(),
        r.rss_kb.map(mib).unwrap_or_default(),
    ]
}

fn print_row(r: &Row) {
    let c = cells(r);
    let mut s = format!("{} {}: {}", c[3], c[0], c[1]);
    if !c[2].is_empty() {
        let _ = write!(s, " [target {}]", c[2]);
    }
    if !c[4].is_empty() {
        let _ = write!(s, " [reply {}]", c[4]);
    }
    if !c[5].is_empty() {
        let _ = write!(s, " [server RSS {}]", c[5]);
    }
    println!("{}", s.trim_start());
}

fn mark(ok: Option<bool>) -> &'static str {
    match ok {
        Some(true) => "✓",
        Some(false) => "✗",
        None => "",
    }
}

/// A request carrying `token`, with a deadline the server also sees (`grpc-timeout`).
fn request<T>(token: &str, message: T, deadline: Duration) -> Request<T> {
    let mut r = Request::new(message);
    r.set_timeout(deadline);
    if let Ok(v) = format!("Bearer {token}").parse() {
        r.metadata_mut().insert("authorization", v);
    }
    r
}

fn failed(s: &Status, elapsed: Duration) -> String {
    let message: String = s.message().chars().take(160).collect();
    format!("FAILED {:?} after {}: {message}", s.code(), ms(elapsed))
}

fn ms(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1e3;
    if ms < 10.0 {
        format!("{ms:.2} ms")
    } else if ms < 10_000.0 {
        format!("{ms:.1} ms")
    } else {
        format!("{:.1} s", ms / 1e3)
    }
}

fn mib(kb: u64) -> String {
    format!("{:.0} MiB", kb as f64 / 1024.0)
}

fn bytes(b: u64) -> String {
    match b {
        b if b < 10 << 10 => format!("{b} B"),
        b if b < 10 << 20 => format!("{:.1} KiB", b as f64 / 1024.0),
        b => format!("{:.1} MiB", b as f64 / (1 << 20) as f64),
    }
}

fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// The Beijing date of a Unix time, `YYYY-MM-DD`.
fn beijing_date(unix: i64) -> String {
    chrono::DateTime::from_timestamp(unix, 0)
        .unwrap_or_default()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .format("%Y-%m-%d")
        .to_string()
}

/// What a picked comment is for.
#[derive(Clone, Copy)]
enum Role {
    Hide,
    Group,
}

/// Which comments, by their index of submission, are hidden and grouped: spread over the whole
/// consultation, so that the officer's work touches old and new rows alike.
struct Plan {
    n: usize,
    roles: HashMap<usize, Role>,
}

impl Plan {
    fn new(n: usize, hide: usize, group: usize) -> Self {
        let mut roles = HashMap::new();
        let spread = |count: usize, offset: usize| {
            (0..count.min(n / 3)).map(move |k| (k * (n / count.max(1)) + offset) % n.max(1))
        };
        for i in spread(group, 2) {
            roles.insert(i, Role::Group);
        }
        for i in spread(hide, 1) {
            roles.entry(i).or_insert(Role::Hide);
        }
        Plan { n, roles }
    }

    fn role(&self, i: usize) -> Option<Role> {
        self.roles.get(&i).copied()
    }
}

/// Names of the comments picked to hide and to group.
#[derive(Default)]
struct Picked {
    hide: Vec<String>,
    group: Vec<String>,
}

/// Sentences officers read in comments on an enterprise policy, joined to realistic lengths.
const FRAGMENTS: [&str; 24] = [
    "建议进一步明确适用范围，避免基层执行中出现理解偏差。",
    "现行规定对中小企业负担较重，希望设置不少于六个月的过渡期。",
    "申请材料过多，建议推行一网通办，减少重复提交。",
    "对于首次轻微违法行为，建议依法不予处罚，以教育引导为主。",
    "希望在政府采购中为民营企业预留一定份额，并公开执行情况。",
    "融资难、融资贵的问题依然突出，建议设立应急转贷资金。",
    "惠企政策应当免申即享，由部门主动推送，而不是企业层层申报。",
    "建议建立涉企检查统一平台，同一事项原则上一年只查一次。",
    "拖欠民营企业账款的问题应纳入政府绩效考核，并定期通报。",
    "本条中“相关部门”的表述不够具体，建议列明牵头单位和配合单位。",
    "建议对新设立的科技型企业给予三年房租补贴。",
    "行业协会可以在标准制定中发挥更大作用，建议明确参与程序。",
    "政策发布后应同步出台解读材料和办事指南，方便企业理解。",
    "建议将企业信用修复的办理时限压缩至五个工作日以内。",
    "对于招投标中设置不合理门槛排斥民营企业的做法，应明确禁止。",
    "建议在产业园区设立企业服务专员，一对一解决实际困难。",
    "人才引进政策应覆盖民营企业的技术骨干，而不仅限于国有单位。",
    "电价、气价等要素成本仍然偏高，希望出台阶段性减免措施。",
    "第十二条规定的奖励标准偏低，建议结合本地财力适当提高。",
    "建议明确政策的兑现时限，逾期未兑现的应当说明理由。",
    "数据共享不足导致企业反复提交证明，建议部门间互认。",
    "希望对小微企业的用工社保补贴延续执行至明年年底。",
    "建议听取更多一线企业意见后再修改完善本办法。",
    "总体赞成本措施，期待尽快出台并抓好落实。",
];

const SURNAMES: [&str; 12] = [
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙",
];

/// 1-99 in Chinese numerals, as clauses are numbered: 五, 十二, 二十.
fn chinese_number(k: u32) -> String {
    const DIGITS: [&str; 10] = ["〇", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    let (tens, ones) = ((k / 10) as usize, (k % 10) as usize);
    let mut s = String::new();
    if tens > 1 {
        s.push_str(DIGITS[tens]);
    }
    if tens > 0 {
        s.push('十');
    }
    if ones > 0 || tens == 0 {
        s.push_str(DIGITS[ones]);
    }
    s
}

/// A well-mixed 64-bit hash (SplitMix64), so that comment `i` is the same in every run.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// Comment `i`: its calling system's token and the comment. Channels 55% portal, 25% WeChat,
/// 20% 12345; categories mostly citizens, with enterprises (12%) and industry associations
/// (6%) so that an ENTERPRISE_POLICY passes its gate; 60% name a clause (第一条…第三十条);
/// 50-800 characters, most of them short.
fn generate(seed: u64, i: u64) -> (&'static str, pb::Comment) {
    let mut h = mix(seed ^ mix(i));
    let mut next = move || {
        h = mix(h);
        h
    };
    let (channel, token) = match next() % 100 {
        0..55 => CALLERS[0],
        55..80 => CALLERS[1],
        _ => CALLERS[2],
    };
    use pb::SubmitterCategory as Cat;
    let category = match next() % 100 {
        0..70 => Cat::Citizen,
        70..82 => Cat::Enterprise,
        82..88 => Cat::IndustryAssociation,
        88..92 => Cat::Expert,
        92..94 => Cat::Deputy,
        94..96 => Cat::SocialOrganization,
        96..98 => Cat::GovernmentBody,
        _ => Cat::Media,
    };
    let organization = match category {
        Cat::Enterprise => format!("某某{}科技有限公司", next() % 1000),
        Cat::IndustryAssociation => "市中小企业发展促进会".to_owned(),
        Cat::Citizen | Cat::Expert | Cat::Deputy => String::new(),
        _ => "市营商环境研究中心".to_owned(),
    };
    let clause = if next() % 10 < 6 {
        format!("第{}条", chinese_number(1 + (next() % 30) as u32))
    } else {
        String::new()
    };
    // u² leans towards short comments: 300 characters on average, up to 800.
    let u = (next() % 10_000) as f64 / 10_000.0;
    let len = 50 + (750.0 * u * u) as usize;
    let mut content = if clause.is_empty() {
        String::new()
    } else {
        format!("关于{clause}：")
    };
    while content.chars().count() < len {
        content.push_str(FRAGMENTS[(next() % FRAGMENTS.len() as u64) as usize]);
    }
    let mut content: String = content.chars().take(len - 1).collect();
    content.push('。');
    let comment = pb::Comment {
        channel: channel as i32,
        submitter_category: category as i32,
        submitter: Some(pb::Submitter {
            name: format!(
                "{}某{}",
                SURNAMES[(next() % SURNAMES.len() as u64) as usize],
                next() % 100
            ),
            organization,
            contact: format!("138{:08}", next() % 100_000_000),
        }),
        content,
        clause_reference: clause,
        publish_name_consent: next().is_multiple_of(2),
        ..Default::default()
    };
    (token, comment)
}

/// What a download from the public pages did.
struct Download {
    status: u16,
    body_bytes: u64,
    /// Records of the body read as CSV (a quoted line break does not end a record).
    csv_records: u64,
    first_byte: Duration,
    elapsed: Duration,
}

/// Counts the records of CSV text fed in pieces.
#[derive(Default)]
struct CsvRecords {
    quoted: bool,
    records: u64,
}

impl CsvRecords {
    fn feed(&mut self, bytes: &[u8]) {
        for b in bytes {
            match b {
                b'"' => self.quoted = !self.quoted,
                b'\n' if !self.quoted => self.records += 1,
                _ => {}
            }
        }
    }
}

/// GETs `path` from the public pages over HTTP/1.0 (so that the body ends with the
/// connection, without chunks), counting the body as it arrives rather than keeping it.
async fn http_download(base: &str, path: &str, deadline: Duration) -> Result<Download, String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let host = base.trim_start_matches("http://").trim_end_matches('/');
    let work = async {
        let started = Instant::now();
        let mut stream = tokio::net::TcpStream::connect(host)
            .await
            .map_err(|e| format!("connect {host}: {e}"))?;
        stream
            .write_all(format!("GET {path} HTTP/1.0\r\nHost: {host}\r\n\r\n").as_bytes())
            .await
            .map_err(|e| e.to_string())?;
        let mut buf = vec![0u8; 256 << 10];
        let mut head = Vec::new();
        let mut status = None;
        let mut first_byte = None;
        let mut counter = CsvRecords::default();
        let mut body_bytes = 0u64;
        loop {
            let got = stream.read(&mut buf).await.map_err(|e| e.to_string())?;
            if got == 0 {
                break;
            }
            first_byte.get_or_insert_with(|| started.elapsed());
            let mut chunk = &buf[..got];
            if status.is_none() {
                head.extend_from_slice(chunk);
                let Some(end) = head.windows(4).position(|w| w == b"\r\n\r\n") else {
                    continue;
                };
                let text = String::from_utf8_lossy(&head[..end]).into_owned();
                status = Some(
                    text.split(' ')
                        .nth(1)
                        .and_then(|s| s.parse::<u16>().ok())
                        .ok_or_else(|| format!("no HTTP status in {text:?}"))?,
                );
                let rest = head[end + 4..].to_vec();
                counter.feed(&rest);
                body_bytes += rest.len() as u64;
                head.clear();
                chunk = &[];
            }
            counter.feed(chunk);
            body_bytes += chunk.len() as u64;
        }
        Ok(Download {
            status: status.ok_or("the connection closed before the headers")?,
            body_bytes,
            csv_records: counter.records,
            first_byte: first_byte.unwrap_or_default(),
            elapsed: started.elapsed(),
        })
    };
    tokio::time::timeout(deadline, work)
        .await
        .map_err(|_| format!("no answer within {}", ms(deadline)))?
}

/// What a watched child did.
struct Watched {
    code: Option<i32>,
    /// Peak RSS, KiB.
    peak_kb: u64,
    /// User and system CPU time.
    cpu: Duration,
    stderr: String,
}

/// Waits for a child while sampling its peak RSS and its CPU time every 10 ms (the last 10 ms
/// may be missed: a reaped process has no `/proc` entry left to read).
fn watch(mut child: Child) -> Result<Watched, String> {
    let pid = child.id();
    let mut stderr = child.stderr.take();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        if let Some(e) = stderr.as_mut() {
            let _ = e.read_to_string(&mut s);
        }
        s
    });
    let (mut peak_kb, mut cpu) = (0, Duration::ZERO);
    let status = loop {
        if let Some((rss, hwm)) = vm_status(pid) {
            peak_kb = peak_kb.max(rss).max(hwm);
        }
        cpu = cpu_time(pid).unwrap_or(cpu).max(cpu);
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(e) => return Err(e.to_string()),
        }
    };
    Ok(Watched {
        code: status.code(),
        peak_kb,
        cpu,
        stderr: reader.join().unwrap_or_default(),
    })
}

/// User plus system CPU time of a process, from `/proc/PID/stat` (in clock ticks of 1/100 s,
/// the value of `_SC_CLK_TCK` on Linux).
fn cpu_time(pid: u32) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name, which may hold spaces: state is the first, utime the 12th.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

/// The size of an export and its rows: CSV records less the header, or the elements of a
/// pretty-printed JSON array (lines that are exactly `  {`).
fn count_file(path: &Path, format: &str) -> Result<(u64, u64), String> {
    let file = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let size = file.metadata().map_err(|e| e.to_string())?.len();
    let mut reader = BufReader::with_capacity(1 << 20, file);
    if format == "csv" {
        let mut counter = CsvRecords::default();
        loop {
            let buf = reader.fill_buf().map_err(|e| e.to_string())?;
            if buf.is_empty() {
                break;
            }
            counter.feed(buf);
            let n = buf.len();
            reader.consume(n);
        }
        Ok((size, counter.records.saturating_sub(1)))
    } else {
        let mut line = Vec::new();
        let mut rows = 0;
        while reader
            .read_until(b'\n', &mut line)
            .map_err(|e| e.to_string())?
            > 0
        {
            if line == b"  {\n" {
                rows += 1;
            }
            line.clear();
        }
        Ok((size, rows))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_assigner_row_adds_up_the_passes_logged() {
        let dir = std::env::temp_dir().join(format!("scale-log-{}", rand::random::<u64>()));
        std::fs::create_dir_all(&dir).expect("dir");
        let log = dir.join("consultd.log");
        let pass = |n: u32, ms: f64| {
            format!(
                r#"{{"level":"DEBUG","fields":{{"message":"suggestion assigner placed new comments","consultation":"C","compared":{n},"held":9,"ms":{ms},"us_per_comment":{}}}}}"#,
                ms * 1e3 / f64::from(n)
            )
        };
        std::fs::write(
            &log,
            [
                pass(100, 5.0),
                r#"{"level":"WARN"}"#.to_owned(),
                pass(300, 45.0),
            ]
            .join("\n"),
        )
        .expect("log");
        let row = assigner_row(&log).expect("a row");
        assert!(row.figure.starts_with("400 comments"), "{}", row.figure);
        assert!(row.figure.contains("125 µs each"), "{}", row.figure);
        assert!(
            row.figure.contains("150 µs in the slowest of 2"),
            "{}",
            row.figure
        );
        assert_eq!(row.ok, Some(true));
        assert_eq!(log_number(r#"{"ms":1.5e-3,"x":2}"#, "ms"), Some(0.0015));
        std::fs::remove_dir_all(&dir).expect("clean");
    }

    #[test]
    fn comments_are_the_same_for_a_seed_and_of_realistic_length() {
        let mut enterprise = 0;
        let mut association = 0;
        for i in 0..2_000 {
            let (token, c) = generate(7, i);
            assert_eq!(generate(7, i).1, c);
            let chars = c.content.chars().count();
            assert!((50..=800).contains(&chars), "{chars} characters");
            assert!(
                CALLERS
                    .iter()
                    .any(|(ch, t)| *t == token && *ch as i32 == c.channel)
            );
            if !c.clause_reference.is_empty() {
                assert!(
                    c.content
                        .starts_with(&format!("关于{}", c.clause_reference))
                );
            }
            match c.submitter_category() {
                pb::SubmitterCategory::Enterprise => enterprise += 1,
                pb::SubmitterCategory::IndustryAssociation => association += 1,
                _ => {}
            }
        }
        assert!(enterprise > 100 && association > 50);
    }

    #[test]
    fn clauses_are_numbered_as_in_a_draft() {
        let got: Vec<String> = [1, 5, 10, 12, 20, 21, 30].map(chinese_number).to_vec();
        assert_eq!(got, ["一", "五", "十", "十二", "二十", "二十一", "三十"]);
    }

    #[test]
    fn a_quoted_line_break_does_not_end_a_csv_record() {
        let mut c = CsvRecords::default();
        c.feed(b"a,b\r\n\"x\ny\",\"say \"\"hi");
        c.feed(b"\"\"\"\r\nlast,row\r\n");
        assert_eq!(c.records, 3);
    }

    #[test]
    fn picks_are_spread_and_distinct() {
        let plan = Plan::new(1_000, 10, 40);
        let hidden = plan
            .roles
            .values()
            .filter(|r| matches!(r, Role::Hide))
            .count();
        let grouped = plan
            .roles
            .values()
            .filter(|r| matches!(r, Role::Group))
            .count();
        assert_eq!((hidden, grouped), (10, 40));
        assert!(plan.roles.keys().all(|i| *i < 1_000));
        assert_eq!(parse_steps(&["all".into()]).unwrap().len(), STEPS.len());
        assert!(parse_steps(&["list".into(), "nope".into()]).is_err());
    }
}
