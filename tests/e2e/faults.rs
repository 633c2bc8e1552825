//! Faults under load (issue 11): the disk fills, PostgreSQL restarts or dies, `consultd` is
//! killed. Whatever happens, a comment answered OK is stored; a refusal is `UNAVAILABLE` (or
//! `RESOURCE_EXHAUSTED` for a full disk) that a retry with the same request id resolves; the
//! server recovers by itself; health says NOT_SERVING while the database is away; the audit
//! log stays intact.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use consult_api::pb;
use consult_e2e::fs::SmallFs;
use consult_e2e::load::{
    Findings, Load, LoadSpec, Outcome, portal_comment, refusal_summary, status_summary,
};
use consult_e2e::pg::{self, PgCluster, StopMode};
use consult_e2e::{TestServer, UNLIMITED, authed, beijing, suite_on_postgres, token};
use tonic::Code;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_types::StatusExt;

use crate::published;

const START: &str = "2026-03-02 10:00";

fn id_of(name: &str) -> &str {
    name.rsplit('/').next().unwrap()
}

fn spec(parent: &str, prefix: &str, workers: usize) -> LoadSpec {
    LoadSpec {
        parent: parent.into(),
        token: token::PORTAL,
        prefix: prefix.into(),
        workers_per_target: workers,
        max_total: 100_000,
        max_duration: Duration::from_secs(90),
        call_timeout: Duration::from_secs(30),
        pause_after_refusal: Duration::from_millis(20),
        make: Arc::new(portal_comment),
    }
}

/// Ids of the comments stored for consultation `cid`.
async fn stored_ids(server: &TestServer, cid: &str) -> BTreeSet<String> {
    server
        .query_strings(&format!(
            "SELECT id AS v FROM comments WHERE consultation_id = '{cid}'"
        ))
        .await
        .into_iter()
        .collect()
}

/// Every comment answered OK is among `stored`.
fn check_acknowledged_stored(
    findings: &mut Findings,
    outcomes: &[Outcome],
    stored: &BTreeSet<String>,
    when: &str,
) {
    let acked: Vec<&str> = outcomes
        .iter()
        .filter_map(|o| o.result.as_ref().ok())
        .map(|c| id_of(&c.name))
        .collect();
    let lost: Vec<&&str> = acked.iter().filter(|id| !stored.contains(**id)).collect();
    findings.check(lost.is_empty(), || {
        format!(
            "{when}: {} of {} acknowledged comments are not stored, e.g. {:?}",
            lost.len(),
            acked.len(),
            &lost[..lost.len().min(5)]
        )
    });
}

/// Sends each outcome's request again (same request id, same content), 16 at a time.
async fn resend(
    server: &TestServer,
    parent: &str,
    outcomes: Vec<&Outcome>,
) -> Vec<(Outcome, Result<pb::Comment, tonic::Status>)> {
    let mut out = Vec::new();
    for chunk in outcomes.chunks(16) {
        let mut calls = tokio::task::JoinSet::new();
        for o in chunk {
            let (mut client, o, parent) = (server.comments(), (*o).clone(), parent.to_owned());
            calls.spawn(async move {
                let r = client
                    .submit_comment(authed(
                        token::PORTAL,
                        pb::SubmitCommentRequest {
                            parent,
                            comment: Some(o.comment.clone()),
                            request_id: o.request_id.clone(),
                            validate_only: false,
                        },
                    ))
                    .await
                    .map(|r| r.into_inner());
                (o, r)
            });
        }
        while let Some(r) = calls.join_next().await {
            out.push(r.unwrap());
        }
    }
    out
}

/// After the fault: every refused request, sent again, succeeds; every acknowledged request
/// sent again is answered with the original comment and writes nothing; then the comments
/// are exactly one per request id and one `comment.submit` event each.
async fn check_retries_resolve(
    findings: &mut Findings,
    server: &TestServer,
    parent: &str,
    outcomes: &[Outcome],
) {
    let cid = id_of(parent);
    let refused: Vec<&Outcome> = outcomes.iter().filter(|o| o.result.is_err()).collect();
    let total = refused.len();
    let failed: Vec<(String, tonic::Status)> = resend(server, parent, refused)
        .await
        .into_iter()
        .filter_map(|(o, r)| r.err().map(|s| (o.request_id, s)))
        .collect();
    findings.check(failed.is_empty(), || {
        format!(
            "{} of {total} refused requests failed again when retried after the fault: {}; e.g. {:?}",
            failed.len(),
            status_summary(failed.iter().map(|(_, s)| s)),
            failed.iter().take(3).map(|(id, _)| id).collect::<Vec<_>>()
        )
    });
    let before = (
        server.table_count("comments").await,
        server.table_count("audit_events").await,
    );
    let acked: Vec<&Outcome> = outcomes.iter().filter(|o| o.result.is_ok()).collect();
    let mut differ = Vec::new();
    for (o, r) in resend(server, parent, acked).await {
        let original = o.result.as_ref().unwrap();
        match r {
            Ok(c) if c.name == original.name && c.receipt_code == original.receipt_code => {}
            Ok(c) => differ.push(format!(
                "{}: first {} ({}), now {} ({})",
                o.request_id, original.name, original.receipt_code, c.name, c.receipt_code
            )),
            Err(s) => differ.push(format!(
                "{}: {:?} {:?}",
                o.request_id,
                s.code(),
                s.message()
            )),
        }
    }
    findings.check(differ.is_empty(), || {
        format!(
            "{} acknowledged requests sent again were not answered with the original, e.g. {:?}",
            differ.len(),
            &differ[..differ.len().min(5)]
        )
    });
    let after = (
        server.table_count("comments").await,
        server.table_count("audit_events").await,
    );
    findings.check(before == after, || {
        format!("re-sending acknowledged requests wrote rows: (comments, audit events) {before:?} → {after:?}")
    });
    let requests: BTreeSet<&str> = outcomes.iter().map(|o| o.request_id.as_str()).collect();
    let stored = server
        .query_count(&format!(
            "SELECT COUNT(*) AS n FROM comments WHERE consultation_id = '{cid}' AND request_id LIKE 'load-%'"
        ))
        .await;
    findings.check(stored == requests.len() as i64, || {
        format!(
            "{stored} comments stored for {} distinct request ids of the load",
            requests.len()
        )
    });
    let comments = server
        .query_count(&format!(
            "SELECT COUNT(*) AS n FROM comments WHERE consultation_id = '{cid}'"
        ))
        .await;
    let events = server
        .query_count(&format!(
            "SELECT COUNT(*) AS n FROM audit_events WHERE consultation_id = '{cid}' AND action = 'comment.submit'"
        ))
        .await;
    findings.check(comments == events, || {
        format!("{comments} comments but {events} comment.submit audit events")
    });
}

async fn check_audit_intact(findings: &mut Findings, server: &TestServer, when: &str) {
    let (code, said) = server.consultd(&["audit", "verify"]).await;
    findings.check(code == 0 && said.contains("intact"), || {
        format!("{when}: consultd audit verify: exit {code}: {said}")
    });
}

/// Whether a refusal is the honest "not now, retry" of a storage outage.
fn is_unavailable(o: &Outcome) -> bool {
    matches!(&o.result, Err(r) if r.code == Code::Unavailable && r.retry_info && !r.no_answer)
}

// ---------------------------------------------------------------------------------------------
// Disk full

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_refuses_with_unavailable_and_loses_no_acknowledged_comment() {
    if suite_on_postgres() {
        eprintln!(
            "skipped: the full-disk test fills a SQLite database; it runs in the SQLite pass"
        );
        return;
    }
    const ROOMY_KIB: u64 = 64 * 1024;
    let fs = match SmallFs::mount(ROOMY_KIB) {
        Ok(fs) => fs,
        Err(why) if std::env::var_os("CI").is_some() => {
            panic!("CI must run the full-disk test: {why}")
        }
        Err(why) => {
            eprintln!("skipped: {why}; the full-disk test runs as root (and always in CI)");
            return;
        }
    };
    let url = format!("sqlite://{}/consult.db", fs.path().display());
    let server = TestServer::start_on(&url, beijing(START), UNLIMITED).await;
    let c = published(&server, "关于完善社区养老服务的实施意见（征求意见稿）").await;
    let cid = id_of(&c.name).to_owned();
    // Some comments first, so that the tables have pages; then room for a few hundred more.
    for n in 0..20 {
        server
            .comments()
            .submit_comment(authed(
                token::PORTAL,
                pb::SubmitCommentRequest {
                    parent: c.name.clone(),
                    comment: Some(portal_comment(n)),
                    request_id: format!("warm-{n}"),
                    validate_only: false,
                },
            ))
            .await
            .unwrap();
    }
    let (used, _) = fs.usage();
    let tight_kib = used / 1024 + 768;
    fs.resize(tight_kib);

    let load = Load::start(vec![server.channel.clone()], spec(&c.name, "load", 32));
    let filled = load
        .wait_for(Duration::from_secs(40), |_, refused| refused > 0)
        .await;
    let acked_before_full = load.acked();
    assert!(
        filled,
        "the {tight_kib} KiB filesystem never filled: {} accepted, {:?} used/available",
        load.acked(),
        fs.usage()
    );
    // It stays full for a while under load; then the space comes back, the load still running.
    load.wait_for(Duration::from_secs(5), |_, refused| refused >= 300)
        .await;
    let refused_while_full = load.refused();
    fs.resize(ROOMY_KIB);
    let acked_at_growth = load.acked();
    let recovered = load
        .wait_for(Duration::from_secs(30), |ok, _| ok >= acked_at_growth + 300)
        .await;
    let outcomes = load.stop().await;

    let mut findings = Findings::default();
    eprintln!(
        "full disk: {acked_before_full} accepted before it filled, {refused_while_full} refused while full, {} accepted and {} refused in all",
        outcomes.iter().filter(|o| o.result.is_ok()).count(),
        outcomes.iter().filter(|o| o.result.is_err()).count()
    );
    findings.check(acked_before_full > 0, || {
        "nothing was accepted before the disk filled".into()
    });
    let wrong: Vec<&Outcome> = outcomes
        .iter()
        .filter(|o| match &o.result {
            Ok(_) => false,
            Err(r) => {
                !matches!(r.code, Code::Unavailable | Code::ResourceExhausted)
                    || r.no_answer
                    || r.message.chars().next().is_none_or(|ch| ch.is_ascii())
            }
        })
        .collect();
    findings.check(wrong.is_empty(), || {
        format!(
            "{} refusals while the disk was full were not UNAVAILABLE/RESOURCE_EXHAUSTED with a Chinese-first message: {}",
            wrong.len(),
            refusal_summary(wrong.iter().copied())
        )
    });
    findings.check(recovered, || {
        format!(
            "the server did not recover once space was back: {} accepted in 30 s after growing the filesystem",
            load_acked_since(&outcomes, acked_at_growth)
        )
    });
    // New submissions go through on the same server, one after another.
    for n in 0..20 {
        let r = server
            .comments()
            .submit_comment(authed(
                token::PORTAL,
                pb::SubmitCommentRequest {
                    parent: c.name.clone(),
                    comment: Some(portal_comment(1_000_000 + n)),
                    request_id: format!("after-{n}"),
                    validate_only: false,
                },
            ))
            .await;
        if let Err(s) = r {
            findings.push(format!(
                "new submission {n} once space was back: {:?} {:?}",
                s.code(),
                s.message()
            ));
            break;
        }
    }
    check_acknowledged_stored(
        &mut findings,
        &outcomes,
        &stored_ids(&server, &cid).await,
        "after the disk filled",
    );
    check_retries_resolve(&mut findings, &server, &c.name, &outcomes).await;

    // And after a restart, all of it is still there.
    let server = server.restart_with(beijing(START), UNLIMITED).await;
    check_acknowledged_stored(
        &mut findings,
        &outcomes,
        &stored_ids(&server, &cid).await,
        "after a restart",
    );
    check_audit_intact(
        &mut findings,
        &server,
        "after the disk filled and a restart",
    )
    .await;
    // On failure the server goes first, then what it ran on, as the test unwinds.
    server.assert_counts_agree().await;
    findings.assert_none("full disk under load");
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL restarts and dies

#[derive(Debug, Clone, Copy)]
enum Outage {
    Restart(StopMode),
    KillPostmaster,
}

async fn database_outage_under_load(outage: Outage) {
    if let Some(why) = pg::skip_reason() {
        eprintln!("skipped: {why}");
        return;
    }
    let cluster = PgCluster::start().await;
    let server = TestServer::start_on(&cluster.url(), beijing(START), UNLIMITED).await;
    let c = published(&server, "关于加强餐饮油烟污染防治的通知（征求意见稿）").await;
    let cid = id_of(&c.name).to_owned();

    let load = Load::start(vec![server.channel.clone()], spec(&c.name, "load", 16));
    load.expect_accepted(200, Duration::from_secs(20), "the load did not get going")
        .await;
    let down_at = Instant::now();
    match outage {
        Outage::Restart(mode) => cluster.restart(mode).await,
        Outage::KillPostmaster => {
            cluster.kill_postmaster().await;
            // Down for a moment, as it would be before a supervisor restarts it.
            tokio::time::sleep(Duration::from_millis(500)).await;
            cluster.start_again().await;
        }
    }
    let up_after = down_at.elapsed();
    let acked_when_up = load.acked();
    let recovered = load
        .wait_for(Duration::from_secs(30), |ok, _| ok >= acked_when_up + 100)
        .await;
    let outcomes = load.stop().await;

    let mut findings = Findings::default();
    let refused: Vec<&Outcome> = outcomes.iter().filter(|o| o.result.is_err()).collect();
    eprintln!(
        "{outage:?}: database back after {up_after:?}; {} accepted, {} refused: {}",
        outcomes.len() - refused.len(),
        refused.len(),
        refusal_summary(refused.iter().copied())
    );
    findings.check(recovered, || {
        format!(
            "the server did not recover by itself within 30 s of the database's return: {} accepted since",
            load_acked_since(&outcomes, acked_when_up)
        )
    });
    let wrong: Vec<&Outcome> = refused
        .iter()
        .copied()
        .filter(|o| !is_unavailable(o))
        .collect();
    findings.check(wrong.is_empty(), || {
        format!(
            "{} of {} refusals during the outage were not UNAVAILABLE with RetryInfo: {}",
            wrong.len(),
            refused.len(),
            refusal_summary(wrong.iter().copied())
        )
    });
    check_acknowledged_stored(
        &mut findings,
        &outcomes,
        &stored_ids(&server, &cid).await,
        "after the outage",
    );
    check_retries_resolve(&mut findings, &server, &c.name, &outcomes).await;
    check_audit_intact(&mut findings, &server, "after the outage").await;
    // On failure the server goes first, then what it ran on, as the test unwinds.
    server.assert_counts_agree().await;
    findings.assert_none(&format!("PostgreSQL {outage:?} under load"));
}

fn load_acked_since(outcomes: &[Outcome], before: u64) -> u64 {
    (outcomes.iter().filter(|o| o.result.is_ok()).count() as u64).saturating_sub(before)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_fast_restart_under_load_loses_no_acknowledged_comment() {
    database_outage_under_load(Outage::Restart(StopMode::Fast)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_immediate_restart_under_load_loses_no_acknowledged_comment() {
    database_outage_under_load(Outage::Restart(StopMode::Immediate)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_killed_under_load_loses_no_acknowledged_comment() {
    database_outage_under_load(Outage::KillPostmaster).await;
}

/// The answer of `call`, or DEADLINE_EXCEEDED once `limit` has passed without one.
async fn within<T>(
    limit: Duration,
    call: impl std::future::Future<Output = Result<T, tonic::Status>>,
) -> Result<T, tonic::Status> {
    tokio::time::timeout(limit, call).await.unwrap_or_else(|_| {
        Err(tonic::Status::deadline_exceeded(format!(
            "no answer within {limit:?} (the test's deadline)"
        )))
    })
}

/// Polls overall health until it reads `want`, at most `limit`; the last answer.
async fn wait_for_health(
    server: &TestServer,
    want: ServingStatus,
    limit: Duration,
) -> Result<ServingStatus, tonic::Status> {
    let until = Instant::now() + limit;
    let mut now = Err(tonic::Status::unknown("not asked"));
    // Ten a second at most: bounded in count as well as in time.
    for _ in 0..limit.as_millis() / 100 + 1 {
        now = within(Duration::from_secs(5), server.health_status()).await;
        if matches!(now, Ok(s) if s == want) || Instant::now() >= until {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    now
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_is_not_serving_and_calls_unavailable_while_postgres_is_down() {
    if let Some(why) = pg::skip_reason() {
        eprintln!("skipped: {why}");
        return;
    }
    let cluster = PgCluster::start().await;
    let server = TestServer::start_on(&cluster.url(), beijing(START), UNLIMITED).await;
    let c = published(&server, "关于推行生活垃圾定时定点投放的通知（征求意见稿）").await;
    let mut findings = Findings::default();
    let health = server.health_status().await;
    assert!(
        matches!(health, Ok(ServingStatus::Serving)),
        "health before the outage: {health:?}"
    );

    cluster.stop(StopMode::Fast).await;
    let health = wait_for_health(&server, ServingStatus::NotServing, Duration::from_secs(20)).await;
    findings.check(matches!(health, Ok(ServingStatus::NotServing)), || {
        format!("health 20 s after the database stopped: {health:?} (want NOT_SERVING)")
    });
    // Calls that need the database say UNAVAILABLE with a retry delay, not INTERNAL.
    let submit = || {
        let mut client = server.comments();
        let parent = c.name.clone();
        async move {
            client
                .submit_comment(authed(
                    token::PORTAL,
                    pb::SubmitCommentRequest {
                        parent,
                        comment: Some(portal_comment(1)),
                        request_id: "while-down".into(),
                        validate_only: false,
                    },
                ))
                .await
        }
    };
    let submitted = within(Duration::from_secs(15), submit()).await;
    let read = within(
        Duration::from_secs(15),
        server.consultations().get_consultation(authed(
            token::OFFICER_FGW,
            pb::GetConsultationRequest {
                name: c.name.clone(),
            },
        )),
    )
    .await;
    for (what, status) in [
        ("SubmitComment", submitted.err()),
        ("GetConsultation", read.err()),
    ] {
        match status {
            None => findings.push(format!("{what} succeeded with the database down")),
            Some(s) => findings.check(
                s.code() == Code::Unavailable && s.get_details_retry_info().is_some(),
                || format!("{what} with the database down: {:?} {:?} (want UNAVAILABLE with RetryInfo)", s.code(), s.message()),
            ),
        }
    }

    cluster.start_again().await;
    let health = wait_for_health(&server, ServingStatus::Serving, Duration::from_secs(20)).await;
    findings.check(matches!(health, Ok(ServingStatus::Serving)), || {
        format!("health 20 s after the database came back: {health:?} (want SERVING)")
    });
    // The same request, sent again, now goes through.
    let mut again = None;
    let until = Instant::now() + Duration::from_secs(30);
    for _ in 0..60 {
        let r = within(Duration::from_secs(10), submit()).await;
        let done = r.is_ok();
        again = Some(r);
        if done || Instant::now() >= until {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    findings.check(matches!(again, Some(Ok(_))), || {
        format!(
            "a submission 30 s after the database came back: {:?}",
            again.map(|r| r.map_err(|s| (s.code(), s.message().to_owned())))
        )
    });
    // On failure the server goes first, then what it ran on, as the test unwinds.
    findings.assert_none("health while PostgreSQL is down");
}

// ---------------------------------------------------------------------------------------------
// consultd killed

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_killed_under_load_loses_no_acknowledged_comment() {
    let server = TestServer::start_at(beijing(START)).await;
    let c = published(&server, "关于促进夜间经济发展的若干措施（征求意见稿）").await;
    let cid = id_of(&c.name).to_owned();

    let load = Load::start(vec![server.channel.clone()], spec(&c.name, "load", 16));
    load.expect_accepted(400, Duration::from_secs(30), "the load did not get going")
        .await;
    // SIGKILL with calls in flight; then a new server on the same database.
    let mut server = server;
    server.kill();
    let outcomes = load.stop().await;
    let server = server.start_again(beijing(START)).await;

    let mut findings = Findings::default();
    let acked = outcomes.iter().filter(|o| o.result.is_ok()).count();
    eprintln!(
        "kill -9: {acked} accepted before the kill, {} cut off: {}",
        outcomes.len() - acked,
        refusal_summary(&outcomes)
    );
    check_acknowledged_stored(
        &mut findings,
        &outcomes,
        &stored_ids(&server, &cid).await,
        "after the kill",
    );
    check_retries_resolve(&mut findings, &server, &c.name, &outcomes).await;
    check_audit_intact(&mut findings, &server, "after the kill").await;
    // The new server takes new comments.
    let r = server
        .comments()
        .submit_comment(authed(
            token::PORTAL,
            pb::SubmitCommentRequest {
                parent: c.name.clone(),
                comment: Some(portal_comment(9_999_999)),
                request_id: "after-kill".into(),
                validate_only: false,
            },
        ))
        .await;
    findings.check(r.is_ok(), || {
        format!("a new comment after the restart: {r:?}")
    });
    server.assert_counts_agree().await;
    findings.assert_none("consultd killed under load");
}
