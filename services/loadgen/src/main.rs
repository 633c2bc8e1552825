//! `consult-loadgen`: a mass-comment surge against a running `consultd`, optionally followed by
//! answering and publishing them all; prints comments/s, p50/p99 latency and each step's time.

mod baseline;
mod scale;

use std::time::{Duration, Instant};

use clap::Parser;
use consult_api::pb;
use consult_api::pb::comment_service_client::CommentServiceClient;
use consult_api::pb::consultation_service_client::ConsultationServiceClient;
use consult_api::pb::feedback_service_client::FeedbackServiceClient;
use consult_api::testing::test_clock_service_client::TestClockServiceClient;
use tonic::Request;
use tonic::transport::Channel;

/// Load generator for SubmitComment.
#[derive(Parser)]
#[command(name = "consult-loadgen", version, about)]
struct Args {
    /// Server address.
    #[arg(long, default_value = "http://127.0.0.1:50051")]
    addr: String,
    /// Calls in flight at once.
    #[arg(long, default_value_t = 64)]
    concurrency: usize,
    /// Comments to submit in total.
    #[arg(long, default_value_t = 20_000)]
    total: usize,
    /// HTTP/2 connections shared by the workers.
    #[arg(long, default_value_t = 4)]
    connections: usize,
    /// Bearer token of a calling system bound to the PORTAL channel.
    #[arg(long, env = "CONSULT_PORTAL_TOKEN", default_value = "dev-portal")]
    token: String,
    /// Consultation to comment on; when absent one is created and published.
    #[arg(long)]
    consultation: Option<String>,
    /// Officer token used to create that consultation.
    #[arg(long, env = "CONSULT_OFFICER_TOKEN", default_value = "dev-officer-fgw")]
    officer_token: String,
    /// Then close, moderate, group, answer in bulk, pass the gate, decide and publish the
    /// report, timing each step. Needs a server built with `--features test-clock`.
    #[arg(long)]
    answer: bool,
    /// Also measure a no-op `CommentService` served in this process, in alternating rounds
    /// with the server, and print both rates and their ratio.
    #[arg(long)]
    baseline: bool,
    /// Rounds of each with `--baseline`.
    #[arg(long, default_value_t = 3)]
    rounds: usize,
    #[command(flatten)]
    scale: scale::ScaleArgs,
}

fn authed<T>(token: &str, message: T) -> Request<T> {
    let mut r = Request::new(message);
    if let Ok(v) = format!("Bearer {token}").parse() {
        r.metadata_mut().insert("authorization", v);
    }
    r
}

async fn open_consultation(channel: Channel, token: &str) -> Result<String, tonic::Status> {
    let mut api = ConsultationServiceClient::new(channel);
    let c = api
        .create_consultation(authed(
            token,
            pb::CreateConsultationRequest {
                consultation: Some(pb::Consultation {
                    title: "压力测试：城市交通管理办法（征求意见稿）".into(),
                    kind: pb::ConsultationKind::Rule as i32,
                    draft_text: "第一条 为加强城市交通管理，制定本办法。".into(),
                    basis: "《中华人民共和国道路交通安全法》".into(),
                    channels: vec![pb::Channel::Portal as i32],
                    ..Default::default()
                }),
            },
        ))
        .await?
        .into_inner();
    let c = api
        .publish_consultation(authed(
            token,
            pb::PublishConsultationRequest { name: c.name },
        ))
        .await?
        .into_inner();
    Ok(c.name)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

async fn connect(addr: &str, n: usize) -> Result<Vec<Channel>, Box<dyn std::error::Error>> {
    let mut channels = Vec::new();
    for _ in 0..n.max(1) {
        channels.push(Channel::from_shared(addr.to_owned())?.connect().await?);
    }
    Ok(channels)
}

/// What one surge measured.
struct Surge {
    accepted: usize,
    elapsed: Duration,
    p50: Duration,
    p99: Duration,
    failures: usize,
    names: Vec<String>,
}

impl Surge {
    fn rate(&self) -> f64 {
        self.accepted as f64 / self.elapsed.as_secs_f64()
    }

    fn line(&self, concurrency: usize) -> String {
        format!(
            "{} comments in {:.2} s at concurrency {}: {:.0} comments/s, p50 {:.1} ms, p99 {:.1} ms, {} failed",
            self.accepted,
            self.elapsed.as_secs_f64(),
            concurrency,
            self.rate(),
            self.p50.as_secs_f64() * 1e3,
            self.p99.as_secs_f64() * 1e3,
            self.failures
        )
    }
}

/// `args.total` comments on `parent` from `args.concurrency` workers sharing `channels`.
async fn surge(
    channels: &[Channel],
    parent: &str,
    args: &Args,
) -> Result<Surge, Box<dyn std::error::Error>> {
    let run: u64 = rand::random();
    let per_worker = args.total.div_ceil(args.concurrency.max(1));
    let started = Instant::now();
    let mut workers = Vec::new();
    for w in 0..args.concurrency.max(1) {
        let mut client = CommentServiceClient::new(channels[w % channels.len()].clone());
        let (parent, token) = (parent.to_owned(), args.token.clone());
        let count = per_worker.min(args.total.saturating_sub(w * per_worker));
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(count);
            let mut names = Vec::with_capacity(count);
            let mut failures = 0usize;
            for i in 0..count {
                let req = pb::SubmitCommentRequest {
                    parent: parent.clone(),
                    comment: Some(pb::Comment {
                        channel: pb::Channel::Portal as i32,
                        submitter_category: pb::SubmitterCategory::Citizen as i32,
                        content: format!(
                            "第{w}组第{i}条意见：建议优化早晚高峰公交班次，增设非机动车道。"
                        ),
                        ..Default::default()
                    }),
                    request_id: format!("load-{run:016x}-{w}-{i}"),
                    validate_only: false,
                };
                let t = Instant::now();
                match client.submit_comment(authed(&token, req)).await {
                    Ok(c) => {
                        latencies.push(t.elapsed());
                        names.push(c.into_inner().name);
                    }
                    Err(_) => failures += 1,
                }
            }
            (latencies, failures, names)
        }));
    }
    let mut latencies = Vec::with_capacity(args.total);
    let mut failures = 0;
    let mut names = Vec::with_capacity(args.total);
    for w in workers {
        let (l, f, n) = w.await?;
        latencies.extend(l);
        failures += f;
        names.extend(n);
    }
    let elapsed = started.elapsed();
    latencies.sort_unstable();
    Ok(Surge {
        accepted: latencies.len(),
        elapsed,
        p50: percentile(&latencies, 0.50),
        p99: percentile(&latencies, 0.99),
        failures,
        names,
    })
}

/// The server and a no-op `CommentService` in this process, driven alike in alternating
/// rounds; the ratio of the median rates is what the server makes of what the machine allows.
async fn compare_with_baseline(args: &Args) -> Result<(), Box<dyn std::error::Error>> {
    let noop = format!("http://{}", baseline::serve().await?);
    let noop_channels = connect(&noop, args.connections).await?;
    let channels = connect(&args.addr, args.connections).await?;
    let parent = match &args.consultation {
        Some(name) => name.clone(),
        None => open_consultation(channels[0].clone(), &args.officer_token).await?,
    };
    let (mut noop_rates, mut rates) = (Vec::new(), Vec::new());
    for round in 1..=args.rounds.max(1) {
        let n = surge(&noop_channels, &parent, args).await?;
        println!("round {round} no-op:  {}", n.line(args.concurrency));
        noop_rates.push(n.rate());
        let s = surge(&channels, &parent, args).await?;
        println!("round {round} server: {}", s.line(args.concurrency));
        if s.failures > 0 {
            return Err(format!("{} submissions failed", s.failures).into());
        }
        rates.push(s.rate());
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        let m = v.len() / 2;
        if v.len() % 2 == 1 {
            v[m]
        } else {
            (v[m - 1] + v[m]) / 2.0
        }
    };
    let (n, s) = (median(&mut noop_rates), median(&mut rates));
    println!(
        "median: no-op {n:.0}/s, server {s:.0}/s, ratio {:.2}",
        s / n
    );
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    if let Some(n) = args.scale.scale {
        return scale::run(n, &args.scale).await;
    }
    if args.baseline {
        return compare_with_baseline(&args).await;
    }
    let channels = connect(&args.addr, args.connections).await?;
    let parent = match &args.consultation {
        Some(name) => name.clone(),
        None => open_consultation(channels[0].clone(), &args.officer_token).await?,
    };
    let surge = surge(&channels, &parent, &args).await?;
    println!("{}", surge.line(args.concurrency));
    if surge.failures > 0 {
        std::process::exit(1);
    }
    let names = surge.names;
    if args.answer {
        answer_all(channels[0].clone(), &args.officer_token, &parent, names).await?;
    }
    Ok(())
}

/// Times one step and prints it.
async fn step<T, F: std::future::Future<Output = Result<T, tonic::Status>>>(
    what: &str,
    f: F,
) -> Result<T, tonic::Status> {
    let t = Instant::now();
    let out = f.await?;
    println!("{what}: {:.1} ms", t.elapsed().as_secs_f64() * 1e3);
    Ok(out)
}

/// After the surge: everything an officer does until the report is public.
async fn answer_all(
    channel: Channel,
    token: &str,
    parent: &str,
    mut names: Vec<String>,
) -> Result<(), Box<dyn std::error::Error>> {
    let mut api = ConsultationServiceClient::new(channel.clone());
    let mut comments = CommentServiceClient::new(channel.clone());
    let mut feedback =
        FeedbackServiceClient::new(channel.clone()).max_decoding_message_size(256 << 20);
    let mut clock = TestClockServiceClient::new(channel);
    names.sort();
    let c = api
        .get_consultation(pb::GetConsultationRequest {
            name: parent.to_owned(),
        })
        .await?
        .into_inner();
    let closes = c.closes_at.ok_or("consultation has no closes_at")?;
    clock
        .set_time(consult_api::testing::SetTimeRequest {
            time: Some(prost_types::Timestamp {
                seconds: closes.seconds + 3_600,
                nanos: 0,
            }),
        })
        .await?;
    step(
        "close",
        api.close_consultation(authed(
            token,
            pb::CloseConsultationRequest {
                name: parent.to_owned(),
            },
        )),
    )
    .await?;
    let hide = names.len() / 100;
    let t = Instant::now();
    for n in &names[..hide] {
        comments
            .hide_comment(authed(
                token,
                pb::HideCommentRequest {
                    name: n.clone(),
                    reason: pb::HideReason::Spam as i32,
                    note: String::new(),
                },
            ))
            .await?;
    }
    println!(
        "hide {hide} comments one by one: {:.1} ms",
        t.elapsed().as_secs_f64() * 1e3
    );
    let grouped = &names[hide..hide + names.len() / 20];
    let t = Instant::now();
    let mut groups = 0;
    for members in grouped.chunks(50).filter(|m| m.len() >= 2) {
        let g = feedback
            .create_opinion_group(authed(
                token,
                pb::CreateOpinionGroupRequest {
                    parent: parent.to_owned(),
                    opinion_group: Some(pb::OpinionGroup {
                        summary: "建议优化早晚高峰公交班次".into(),
                        ..Default::default()
                    }),
                    comments: members.to_vec(),
                },
            ))
            .await?
            .into_inner();
        feedback
            .answer_opinion_group(authed(
                token,
                pb::AnswerOpinionGroupRequest {
                    name: g.name,
                    disposition: Some(pb::Disposition {
                        outcome: pb::Outcome::Adopted as i32,
                        adopted_content: "早晚高峰加密班次".into(),
                        ..Default::default()
                    }),
                },
            ))
            .await?;
        groups += 1;
    }
    println!(
        "form and answer {groups} opinion groups of {} comments: {:.1} ms",
        grouped.len(),
        t.elapsed().as_secs_f64() * 1e3
    );
    let bulk = step(
        "bulk answer the rest",
        feedback.bulk_answer_comments(authed(
            token,
            pb::BulkAnswerCommentsRequest {
                parent: parent.to_owned(),
                disposition: Some(pb::Disposition {
                    outcome: pb::Outcome::NotAdopted as i32,
                    reason: "与上位法规定不一致".into(),
                    ..Default::default()
                }),
                target: Some(pb::bulk_answer_comments_request::Target::Selection(
                    pb::CommentSelection {
                        only_unanswered: true,
                        ..Default::default()
                    },
                )),
                validate_only: false,
            },
        )),
    )
    .await?
    .into_inner();
    println!("  ({} comments answered)", bulk.answered_count);
    step(
        "answering progress",
        feedback.get_answering_progress(authed(
            token,
            pb::GetAnsweringProgressRequest {
                name: parent.to_owned(),
            },
        )),
    )
    .await?;
    step(
        "deliberation gate",
        api.mark_ready_for_deliberation(authed(
            token,
            pb::MarkReadyForDeliberationRequest {
                name: parent.to_owned(),
            },
        )),
    )
    .await?;
    let today = beijing_date(closes.seconds + 3_600);
    step(
        "record decision",
        api.record_decision(authed(
            token,
            pb::RecordDecisionRequest {
                name: parent.to_owned(),
                decision: Some(pb::Decision {
                    number: "压测〔2026〕1号".into(),
                    title: "压力测试决定".into(),
                    decide_date: today,
                    ..Default::default()
                }),
            },
        )),
    )
    .await?;
    let report = step(
        "publish feedback report",
        feedback.publish_feedback_report(authed(
            token,
            pb::PublishFeedbackReportRequest {
                name: parent.to_owned(),
            },
        )),
    )
    .await?
    .into_inner();
    let full = step(
        "read the published report (full view)",
        feedback.get_feedback_report(pb::GetFeedbackReportRequest {
            name: report.name.clone(),
            view: pb::FeedbackReportView::Full as i32,
        }),
    )
    .await?
    .into_inner();
    println!(
        "  (version {}, {} comments, {} bytes of canonical JSON, sha256 {})",
        full.version,
        full.comments.len(),
        full.canonical_json.len(),
        full.sha256
    );
    Ok(())
}

/// The Beijing date of a Unix time, `YYYY-MM-DD`.
fn beijing_date(unix: i64) -> String {
    chrono::DateTime::from_timestamp(unix, 0)
        .unwrap_or_default()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .format("%Y-%m-%d")
        .to_string()
}
