//! `consult-loadgen`: a mass-comment surge against a running `consultd`.
//! Submits comments over gRPC at a fixed concurrency and prints comments/s and p50/p99 latency.

use std::time::{Duration, Instant};

use clap::Parser;
use consult_api::pb;
use consult_api::pb::comment_service_client::CommentServiceClient;
use consult_api::pb::consultation_service_client::ConsultationServiceClient;
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

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let mut channels = Vec::new();
    for _ in 0..args.connections.max(1) {
        channels.push(Channel::from_shared(args.addr.clone())?.connect().await?);
    }
    let parent = match &args.consultation {
        Some(name) => name.clone(),
        None => open_consultation(channels[0].clone(), &args.officer_token).await?,
    };
    let run: u64 = rand::random();
    let per_worker = args.total.div_ceil(args.concurrency.max(1));
    let started = Instant::now();
    let mut workers = Vec::new();
    for w in 0..args.concurrency.max(1) {
        let mut client = CommentServiceClient::new(channels[w % channels.len()].clone());
        let (parent, token) = (parent.clone(), args.token.clone());
        let count = per_worker.min(args.total.saturating_sub(w * per_worker));
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(count);
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
                };
                let t = Instant::now();
                match client.submit_comment(authed(&token, req)).await {
                    Ok(_) => latencies.push(t.elapsed()),
                    Err(_) => failures += 1,
                }
            }
            (latencies, failures)
        }));
    }
    let mut latencies = Vec::with_capacity(args.total);
    let mut failures = 0;
    for w in workers {
        let (l, f) = w.await?;
        latencies.extend(l);
        failures += f;
    }
    let elapsed = started.elapsed();
    latencies.sort_unstable();
    println!(
        "{} comments in {:.2} s at concurrency {}: {:.0} comments/s, p50 {:.1} ms, p99 {:.1} ms, {} failed",
        latencies.len(),
        elapsed.as_secs_f64(),
        args.concurrency,
        latencies.len() as f64 / elapsed.as_secs_f64(),
        percentile(&latencies, 0.50).as_secs_f64() * 1e3,
        percentile(&latencies, 0.99).as_secs_f64() * 1e3,
        failures
    );
    if failures > 0 {
        std::process::exit(1);
    }
    Ok(())
}
