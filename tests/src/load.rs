//! Submissions kept flowing while a test breaks things: a few workers, each sending one
//! comment at a time with a request id of its own, recording what every call was told.
//! Bounded in count and in time; every call has a deadline of its own.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use consult_api::pb;
use consult_api::pb::comment_service_client::CommentServiceClient;
use tonic::Code;
use tonic::transport::Channel;

use crate::authed;

/// What one submission was told.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The request id it was sent with (unique within the load).
    pub request_id: String,
    /// What it sent.
    pub comment: pb::Comment,
    /// Which of the load's channels (replica) it went to.
    pub target: usize,
    /// When the call was sent and when its answer came.
    pub sent: Instant,
    pub answered: Instant,
    /// The comment, or the refusal.
    pub result: Result<pb::Comment, Refusal>,
}

/// A refused (or failed) call.
#[derive(Debug, Clone)]
pub struct Refusal {
    pub code: Code,
    pub message: String,
    /// Whether the status carried a `google.rpc.RetryInfo` detail.
    pub retry_info: bool,
    /// The call got no status from the server (transport failure or our own deadline).
    pub no_answer: bool,
}

impl Refusal {
    fn of(s: &tonic::Status) -> Self {
        use tonic_types::StatusExt;
        Self {
            code: s.code(),
            message: s.message().to_owned(),
            retry_info: s.get_details_retry_info().is_some(),
            // A status made by the client (connection refused or reset) has no server message
            // of ours; tonic marks transport errors with a source.
            no_answer: std::error::Error::source(s).is_some(),
        }
    }
}

/// Makes the `n`th comment of the load.
pub type MakeComment = Arc<dyn Fn(u64) -> pb::Comment + Send + Sync>;

/// How a load runs.
#[derive(Clone)]
pub struct LoadSpec {
    /// Consultation commented on.
    pub parent: String,
    /// Bearer token of the submitter.
    pub token: &'static str,
    /// Prefix of the request ids, unique per load.
    pub prefix: String,
    /// Workers per channel, each with one call in flight.
    pub workers_per_target: usize,
    /// Most submissions in all.
    pub max_total: u64,
    /// The load stops by itself after this long.
    pub max_duration: Duration,
    /// Deadline of one call.
    pub call_timeout: Duration,
    /// Pause after a refused call, so a failing server is not spun on.
    pub pause_after_refusal: Duration,
    /// Makes the comments.
    pub make: MakeComment,
}

/// Running load; [`Load::stop`] ends it and hands back every outcome.
pub struct Load {
    stop: Arc<AtomicBool>,
    acked: Arc<AtomicU64>,
    refused: Arc<AtomicU64>,
    /// Workers not yet finished.
    live: Arc<AtomicU64>,
    tasks: tokio::task::JoinSet<Vec<Outcome>>,
}

impl Load {
    /// Starts the workers on `targets` (one channel per server).
    pub fn start(targets: Vec<Channel>, spec: LoadSpec) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let acked = Arc::new(AtomicU64::new(0));
        let refused = Arc::new(AtomicU64::new(0));
        let issued = Arc::new(AtomicU64::new(0));
        let live = Arc::new(AtomicU64::new(0));
        let until = Instant::now() + spec.max_duration;
        let mut tasks = tokio::task::JoinSet::new();
        for (target, channel) in targets.into_iter().enumerate() {
            for _ in 0..spec.workers_per_target {
                let (stop, acked, refused, issued, live, spec) = (
                    stop.clone(),
                    acked.clone(),
                    refused.clone(),
                    issued.clone(),
                    live.clone(),
                    spec.clone(),
                );
                live.fetch_add(1, Ordering::SeqCst);
                let mut client = CommentServiceClient::new(channel.clone());
                tasks.spawn(async move {
                    let mut out = Vec::new();
                    while !stop.load(Ordering::SeqCst) && Instant::now() < until {
                        let n = issued.fetch_add(1, Ordering::SeqCst);
                        if n >= spec.max_total {
                            break;
                        }
                        let request_id = format!("{}-{n}", spec.prefix);
                        let comment = (spec.make)(n);
                        let request = pb::SubmitCommentRequest {
                            parent: spec.parent.clone(),
                            comment: Some(comment.clone()),
                            request_id: request_id.clone(),
                            validate_only: false,
                        };
                        let sent = Instant::now();
                        let answer = tokio::time::timeout(
                            spec.call_timeout,
                            client.submit_comment(authed(spec.token, request)),
                        )
                        .await;
                        let result = match answer {
                            Ok(Ok(c)) => Ok(c.into_inner()),
                            Ok(Err(s)) => Err(Refusal::of(&s)),
                            Err(_) => Err(Refusal {
                                code: Code::DeadlineExceeded,
                                message: format!(
                                    "no answer within {:?} (the test's deadline)",
                                    spec.call_timeout
                                ),
                                retry_info: false,
                                no_answer: true,
                            }),
                        };
                        let ok = result.is_ok();
                        out.push(Outcome {
                            request_id,
                            comment,
                            target,
                            sent,
                            answered: Instant::now(),
                            result,
                        });
                        if ok {
                            acked.fetch_add(1, Ordering::SeqCst);
                        } else {
                            refused.fetch_add(1, Ordering::SeqCst);
                            tokio::time::sleep(spec.pause_after_refusal).await;
                        }
                    }
                    live.fetch_sub(1, Ordering::SeqCst);
                    out
                });
            }
        }
        Self {
            stop,
            acked,
            refused,
            live,
            tasks,
        }
    }

    /// Calls answered OK so far.
    pub fn acked(&self) -> u64 {
        self.acked.load(Ordering::SeqCst)
    }

    /// Calls refused or failed so far.
    pub fn refused(&self) -> u64 {
        self.refused.load(Ordering::SeqCst)
    }

    /// Whether any worker still runs.
    pub fn running(&self) -> bool {
        self.live.load(Ordering::SeqCst) > 0
    }

    /// Waits until `done(acked, refused)` holds, at most `limit`; whether it held.
    pub async fn wait_for(&self, limit: Duration, done: impl Fn(u64, u64) -> bool) -> bool {
        let until = Instant::now() + limit;
        // Fifty looks a second at most: bounded in count as well as in time.
        for _ in 0..limit.as_millis() / 20 + 1 {
            if done(self.acked(), self.refused()) {
                return true;
            }
            if Instant::now() >= until || !self.running() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        done(self.acked(), self.refused())
    }

    /// Waits until `n` submissions were accepted; fails the test, saying `what`, when that
    /// takes longer than `limit`.
    pub async fn expect_accepted(&self, n: u64, limit: Duration, what: &str) {
        let flowing = self.wait_for(limit, |ok, _| ok >= n).await;
        assert!(
            flowing,
            "{what}: {} accepted, {} refused",
            self.acked(),
            self.refused()
        );
    }

    /// Stops the workers after their call in flight and returns every outcome.
    pub async fn stop(mut self) -> Vec<Outcome> {
        self.stop.store(true, Ordering::SeqCst);
        let mut all = Vec::new();
        while let Some(r) = self.tasks.join_next().await {
            all.extend(r.expect("a load worker panicked"));
        }
        all.sort_by_key(|o| o.sent);
        all
    }
}

impl Drop for Load {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        self.tasks.abort_all();
    }
}

/// A citizen's portal comment, numbered.
pub fn portal_comment(n: u64) -> pb::Comment {
    crate::comment(
        pb::Channel::Portal,
        &format!("第{n}条意见：建议在社区增设便民服务点，方便老年人办事。"),
    )
}

/// Problems found by a test, reported together at the end so one run shows every symptom.
#[derive(Debug, Default)]
pub struct Findings(Vec<String>);

impl Findings {
    /// Records `problem` unless `ok`.
    pub fn check(&mut self, ok: bool, problem: impl FnOnce() -> String) {
        if !ok {
            self.0.push(problem());
        }
    }

    /// Records a problem.
    pub fn push(&mut self, problem: String) {
        self.0.push(problem);
    }

    /// Whether nothing was found.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Fails the test listing the problems (the first 30), if there are any.
    #[track_caller]
    pub fn assert_none(self, what: &str) {
        const SHOWN: usize = 30;
        let more = match self.0.len().saturating_sub(SHOWN) {
            0 => String::new(),
            n => format!("\n … and {n} more"),
        };
        assert!(
            self.0.is_empty(),
            "{what}: {} problem(s)\n - {}{more}",
            self.0.len(),
            self.0[..self.0.len().min(SHOWN)].join("\n - ")
        );
    }
}

/// Failed calls counted by code and message: `"3× Internal \"…\"; 1× Unavailable \"…\""`.
pub fn status_summary<'a>(statuses: impl IntoIterator<Item = &'a tonic::Status>) -> String {
    let mut counts: std::collections::BTreeMap<(String, String), usize> = Default::default();
    for s in statuses {
        let message: String = s.message().chars().take(160).collect();
        *counts
            .entry((format!("{:?}", s.code()), message))
            .or_default() += 1;
    }
    counts
        .into_iter()
        .map(|((code, message), n)| format!("{n}× {code} {message:?}"))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Counts of refusals by code and message, for failure messages: `[(code, message, n)]`.
pub fn refusal_summary<'a>(outcomes: impl IntoIterator<Item = &'a Outcome>) -> String {
    let mut counts: std::collections::BTreeMap<(String, String), usize> = Default::default();
    for o in outcomes {
        if let Err(r) = &o.result {
            let message: String = r.message.chars().take(160).collect();
            *counts
                .entry((
                    format!(
                        "{:?}{}",
                        r.code,
                        if r.retry_info { "+RetryInfo" } else { "" }
                    ),
                    message,
                ))
                .or_default() += 1;
        }
    }
    counts
        .into_iter()
        .map(|((code, message), n)| format!("{n}× {code} {message:?}"))
        .collect::<Vec<_>>()
        .join("; ")
}
