//! Three `consultd` processes on one database (issue 11): whichever replica a call reaches,
//! an acknowledged comment is stored once, a request id means one comment, a consultation
//! closes once and admits nothing after its close, and the audit log stays one chain.
//!
//! On SQLite the replicas share one file in WAL mode (several processes, each writing with
//! `BEGIN IMMEDIATE` and a busy timeout); on PostgreSQL this is the real deployment.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use consult_api::pb;
use consult_e2e::load::{Findings, Load, LoadSpec, refusal_summary, status_summary};
use consult_e2e::{
    Replicas, TestServer, UNLIMITED, authed, beijing, comment, draft, from_ts, token, ts,
};
use tokio::sync::Barrier;
use tokio::task::JoinSet;
use tonic::{Code, Status};

use crate::published;

const START: &str = "2026-03-02 10:00";

fn id_of(name: &str) -> &str {
    name.rsplit('/').next().unwrap()
}

async fn submit(
    server: &TestServer,
    who: &str,
    parent: &str,
    body: pb::Comment,
    request_id: &str,
) -> Result<pb::Comment, Status> {
    server
        .comments()
        .submit_comment(authed(
            who,
            pb::SubmitCommentRequest {
                parent: parent.into(),
                comment: Some(body),
                request_id: request_id.into(),
                validate_only: false,
            },
        ))
        .await
        .map(|r| r.into_inner())
}

fn letter(content: &str, postmark: DateTime<Utc>) -> pb::Comment {
    let mut c = comment(pb::Channel::Letter, content);
    c.submitter_category = pb::SubmitterCategory::Enterprise as i32;
    c.postmarked_at = Some(ts(postmark));
    c
}

fn show(r: &Result<pb::Comment, Status>) -> String {
    match r {
        Ok(c) => format!("OK {}", c.name),
        Err(s) => format!("{:?} {:?}", s.code(), s.message()),
    }
}

/// Events of an action on a consultation, counted in the database.
async fn events(server: &TestServer, consultation_id: &str, action: &str) -> i64 {
    server
        .query_count(&format!(
            "SELECT COUNT(*) AS n FROM audit_events WHERE consultation_id = '{consultation_id}' AND action = '{action}'"
        ))
        .await
}

/// Checks the audit log from every side: `consultd audit verify`, the RPC on every replica,
/// and no fork in the chains (two events after the same event).
async fn check_one_audit_chain(replicas: &Replicas, findings: &mut Findings) {
    let total = replicas[0].table_count("audit_events").await;
    let (code, said) = replicas[0].consultd(&["audit", "verify"]).await;
    findings.check(code == 0 && said.contains("intact"), || {
        format!("consultd audit verify: exit {code}: {said}")
    });
    for (i, s) in replicas.iter().enumerate() {
        let v = s
            .audit()
            .verify_audit_chain(authed(
                token::AUDITOR,
                pb::VerifyAuditChainRequest::default(),
            ))
            .await;
        match v {
            Ok(v) => {
                let v = v.into_inner();
                findings.check(v.intact && v.events_checked == total, || {
                    format!("VerifyAuditChain on replica {i}: {v:?} ({total} events in the table)")
                });
            }
            Err(s) => findings.push(format!("VerifyAuditChain on replica {i}: {s:?}")),
        }
    }
    let forks = replicas[0]
        .query_count(
            "SELECT COUNT(*) AS n FROM (SELECT global_prev_hash FROM audit_events \
             GROUP BY global_prev_hash HAVING COUNT(*) > 1) AS forks",
        )
        .await;
    findings.check(forks == 0, || {
        format!("{forks} global_prev_hash value(s) shared by several audit events: the global chain forked")
    });
    let forks = replicas[0]
        .query_count(
            "SELECT COUNT(*) AS n FROM (SELECT consultation_id, prev_hash FROM audit_events \
             WHERE consultation_id IS NOT NULL \
             GROUP BY consultation_id, prev_hash HAVING COUNT(*) > 1) AS forks",
        )
        .await;
    findings.check(forks == 0, || {
        format!("{forks} prev_hash value(s) shared by several events of one consultation: a consultation's chain forked")
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_request_id_sent_to_three_replicas_at_once_makes_one_comment() {
    let replicas = Replicas::start(3, beijing(START), UNLIMITED).await;
    let c = published(&replicas[0], "关于优化营商环境的若干措施（征求意见稿）").await;
    const KEYS: usize = 50;

    // Each request id goes to all three replicas at the same moment, with the same content;
    // with each, an unrelated submission goes to one of them.
    let barrier = Arc::new(Barrier::new(KEYS * 4));
    let mut calls = JoinSet::new();
    for k in 0..KEYS {
        for (i, server) in replicas.iter().enumerate() {
            let (mut client, barrier, parent) =
                (server.comments(), barrier.clone(), c.name.clone());
            calls.spawn(async move {
                let body = comment(pb::Channel::Portal, &format!("第{k}条重复提交的意见"));
                barrier.wait().await;
                let r = client
                    .submit_comment(authed(
                        token::PORTAL,
                        pb::SubmitCommentRequest {
                            parent,
                            comment: Some(body),
                            request_id: format!("same-{k}"),
                            validate_only: false,
                        },
                    ))
                    .await
                    .map(|r| r.into_inner());
                (Some(k), i, r)
            });
        }
        let server = &replicas[k % 3];
        let (mut client, barrier, parent) = (server.comments(), barrier.clone(), c.name.clone());
        calls.spawn(async move {
            let body = comment(pb::Channel::Portal, &format!("第{k}条无关的意见"));
            barrier.wait().await;
            let r = client
                .submit_comment(authed(
                    token::PORTAL,
                    pb::SubmitCommentRequest {
                        parent,
                        comment: Some(body),
                        request_id: format!("other-{k}"),
                        validate_only: false,
                    },
                ))
                .await
                .map(|r| r.into_inner());
            (None, k % 3, r)
        });
    }

    let mut findings = Findings::default();
    let mut by_key: BTreeMap<usize, Vec<(usize, pb::Comment)>> = BTreeMap::new();
    let mut others = BTreeSet::new();
    let mut failed = Vec::new();
    while let Some(joined) = calls.join_next().await {
        let (key, replica, r) = joined.unwrap();
        match (key, r) {
            (Some(k), Ok(c)) => by_key.entry(k).or_default().push((replica, c)),
            (None, Ok(c)) => {
                others.insert(c.name);
            }
            (key, Err(s)) => failed.push((
                key.map_or("an unrelated submission".into(), |k| format!("same-{k}")),
                replica,
                s,
            )),
        }
    }
    findings.check(failed.is_empty(), || {
        format!(
            "{} of {} calls failed: {}; e.g. {:?}",
            failed.len(),
            KEYS * 4,
            status_summary(failed.iter().map(|(_, _, s)| s)),
            failed
                .iter()
                .take(3)
                .map(|(what, replica, _)| format!("{what} on replica {replica}"))
                .collect::<Vec<_>>()
        )
    });
    let mut names = BTreeSet::new();
    for (k, answers) in &by_key {
        let first = &answers[0].1;
        for (replica, c) in answers {
            findings.check(
                c.name == first.name && c.receipt_code == first.receipt_code,
                || {
                    format!(
                        "same-{k}: replica {replica} answered {} ({}), replica {} answered {} ({})",
                        c.name, c.receipt_code, answers[0].0, first.name, first.receipt_code
                    )
                },
            );
            names.insert(c.name.clone());
        }
    }
    findings.check(names.len() == by_key.len(), || {
        format!(
            "{} request ids answered OK gave {} different comments",
            by_key.len(),
            names.len()
        )
    });
    let stored = replicas[0].table_count("comments").await;
    findings.check(stored == (KEYS * 2) as i64, || {
        format!("{stored} comments stored for {KEYS} repeated and {KEYS} unrelated submissions")
    });
    let submit_events = events(&replicas[0], id_of(&c.name), "comment.submit").await;
    findings.check(submit_events == stored, || {
        format!("{submit_events} comment.submit audit events for {stored} comments")
    });
    findings.check(others.len() == KEYS, || {
        format!(
            "{} of {KEYS} unrelated submissions answered OK",
            others.len()
        )
    });
    findings.assert_none("one request id on three replicas");
}

/// Which replica answered, what it was sent, what it said.
type Answer = (usize, String, Result<pb::Comment, Status>);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_request_id_with_different_content_on_two_replicas_is_one_comment_and_one_conflict() {
    let replicas = Replicas::start(3, beijing(START), UNLIMITED).await;
    let c = published(&replicas[0], "关于调整城市公交票价的方案（征求意见稿）").await;
    const KEYS: usize = 20;

    let barrier = Arc::new(Barrier::new(KEYS * 3));
    let mut calls = JoinSet::new();
    for k in 0..KEYS {
        // Replicas 0 and 1 get one request id with different content; replica 2 an unrelated one.
        for (i, server) in replicas.iter().enumerate() {
            let (mut client, barrier, parent) =
                (server.comments(), barrier.clone(), c.name.clone());
            let (request_id, content) = match i {
                0 => (
                    format!("clash-{k}"),
                    format!("甲：第{k}条意见，建议降低票价。"),
                ),
                1 => (
                    format!("clash-{k}"),
                    format!("乙：第{k}条意见，建议维持票价。"),
                ),
                _ => (format!("other-{k}"), format!("丙：第{k}条无关的意见。")),
            };
            calls.spawn(async move {
                let body = comment(pb::Channel::Portal, &content);
                barrier.wait().await;
                let r = client
                    .submit_comment(authed(
                        token::PORTAL,
                        pb::SubmitCommentRequest {
                            parent,
                            comment: Some(body),
                            request_id: request_id.clone(),
                            validate_only: false,
                        },
                    ))
                    .await
                    .map(|r| r.into_inner());
                (request_id, i, content, r)
            });
        }
    }
    let mut findings = Findings::default();
    let mut clashes: BTreeMap<String, Vec<Answer>> = BTreeMap::new();
    let mut unrelated_failed = Vec::new();
    while let Some(joined) = calls.join_next().await {
        let (request_id, i, content, r) = joined.unwrap();
        if request_id.starts_with("other-") {
            if let Err(s) = r {
                unrelated_failed.push(s);
            }
        } else {
            clashes.entry(request_id).or_default().push((i, content, r));
        }
    }
    findings.check(unrelated_failed.is_empty(), || {
        format!(
            "{} of {KEYS} unrelated submissions (on replica 2) failed: {}",
            unrelated_failed.len(),
            status_summary(&unrelated_failed)
        )
    });
    for (request_id, answers) in &clashes {
        let ok: Vec<_> = answers.iter().filter(|(_, _, r)| r.is_ok()).collect();
        let conflicts = answers
            .iter()
            .filter(|(_, _, r)| matches!(r, Err(s) if s.code() == Code::AlreadyExists))
            .count();
        let shown: Vec<String> = answers
            .iter()
            .map(|(i, _, r)| format!("replica {i}: {}", show(r)))
            .collect();
        findings.check(ok.len() == 1 && conflicts == 1, || {
            format!("{request_id}: expected one OK and one ALREADY_EXISTS, got {shown:?}")
        });
        // What is stored is what the OK answer said, read back through the third replica.
        if let [(_, content, Ok(saved))] = ok.as_slice() {
            let read = replicas[2]
                .comments()
                .get_comment(authed(
                    token::OFFICER_FGW,
                    pb::GetCommentRequest {
                        name: saved.name.clone(),
                    },
                ))
                .await;
            match read {
                Ok(r) => findings.check(&r.get_ref().content == content, || {
                    format!(
                        "{request_id}: answered OK with {content:?} but stored {:?}",
                        r.get_ref().content
                    )
                }),
                Err(s) => findings.push(format!("{request_id}: GetComment {}: {s:?}", saved.name)),
            }
        }
    }
    let stored = replicas[0].table_count("comments").await;
    findings.check(stored == (KEYS * 2) as i64, || {
        format!(
            "{stored} comments stored for {KEYS} clashing request ids and {KEYS} unrelated ones"
        )
    });
    findings.assert_none("one request id with two contents on two replicas");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closing_on_several_replicas_while_letters_arrive_closes_once_and_admits_nothing_after() {
    let replicas = Replicas::start(3, beijing(START), UNLIMITED).await;
    let c = published(&replicas[0], "关于规范住宅小区物业服务的规定（征求意见稿）").await;
    let cid = id_of(&c.name).to_owned();
    let closes_at = from_ts(c.closes_at.as_ref().unwrap());
    // Online channels have stopped; letters posted in time are still entered until the close.
    replicas
        .set_time(closes_at + chrono::Duration::days(1))
        .await;
    let postmark = closes_at - chrono::Duration::hours(1);

    let load = Load::start(
        replicas.iter().map(|s| s.channel.clone()).collect(),
        LoadSpec {
            parent: c.name.clone(),
            token: token::OFFICER_FGW,
            prefix: "letter".into(),
            workers_per_target: 4,
            max_total: 20_000,
            max_duration: Duration::from_secs(40),
            call_timeout: Duration::from_secs(20),
            pause_after_refusal: Duration::from_millis(5),
            make: Arc::new(move |n| {
                letter(&format!("企业来信第{n}封：建议明确物业费标准。"), postmark)
            }),
        },
    );
    load.expect_accepted(
        60,
        Duration::from_secs(20),
        "letters did not flow before the close",
    )
    .await;

    // Two officers on each replica close at the same moment.
    let barrier = Arc::new(Barrier::new(6));
    let mut closes = JoinSet::new();
    for server in replicas.iter().chain(replicas.iter()) {
        let (mut api, barrier, name) = (server.consultations(), barrier.clone(), c.name.clone());
        closes.spawn(async move {
            barrier.wait().await;
            let r = api
                .close_consultation(authed(
                    token::OFFICER_FGW,
                    pb::CloseConsultationRequest { name },
                ))
                .await;
            (r.map(|r| r.into_inner()), Instant::now())
        });
    }
    let mut close_results = Vec::new();
    while let Some(r) = closes.join_next().await {
        close_results.push(r.unwrap());
    }
    // Letters keep coming for a while after the close.
    let refused_at_close = load.refused();
    load.wait_for(Duration::from_secs(10), |_, refused| {
        refused >= refused_at_close + 60
    })
    .await;
    let outcomes = load.stop().await;

    let mut findings = Findings::default();
    let closed: Vec<_> = close_results.iter().filter(|(r, _)| r.is_ok()).collect();
    let shown: Vec<String> = close_results
        .iter()
        .map(|(r, _)| match r {
            Ok(c) => format!("OK state {}", c.state),
            Err(s) => format!("{:?} {:?}", s.code(), s.message()),
        })
        .collect();
    findings.check(closed.len() == 1, || {
        format!("{} of 6 racing closes succeeded: {shown:?}", closed.len())
    });
    findings.check(
        close_results
            .iter()
            .all(|(r, _)| r.is_ok() || matches!(r, Err(s) if s.code() == Code::FailedPrecondition)),
        || format!("a losing close was not FAILED_PRECONDITION: {shown:?}"),
    );
    let close_events = events(&replicas[0], &cid, "consultation.close").await;
    findings.check(close_events == 1, || {
        format!("{close_events} consultation.close audit events")
    });
    let after_close = replicas[0]
        .query_count(&format!(
            "SELECT COUNT(*) AS n FROM audit_events WHERE consultation_id = '{cid}' \
             AND action = 'comment.submit' AND id > (SELECT MIN(id) FROM audit_events \
             WHERE consultation_id = '{cid}' AND action = 'consultation.close')"
        ))
        .await;
    findings.check(after_close == 0, || {
        format!("{after_close} comment.submit events recorded after the consultation.close event")
    });

    let acked: BTreeSet<String> = outcomes
        .iter()
        .filter_map(|o| o.result.as_ref().ok())
        .map(|c| id_of(&c.name).to_owned())
        .collect();
    let stored: BTreeSet<String> = replicas[0]
        .query_strings(&format!(
            "SELECT id AS v FROM comments WHERE consultation_id = '{cid}'"
        ))
        .await
        .into_iter()
        .collect();
    let submit_events = events(&replicas[0], &cid, "comment.submit").await;
    findings.check(stored.len() as i64 == submit_events, || {
        format!(
            "{} comments stored, {submit_events} comment.submit events",
            stored.len()
        )
    });
    let lost: Vec<_> = acked.difference(&stored).collect();
    findings.check(lost.is_empty(), || {
        format!(
            "{} acknowledged letters not stored, e.g. {:?}",
            lost.len(),
            &lost[..lost.len().min(5)]
        )
    });
    let unacknowledged: Vec<_> = stored.difference(&acked).collect();
    findings.check(unacknowledged.is_empty(), || {
        format!(
            "{} letters stored that no call was told of (refused or unanswered), e.g. {:?}",
            unacknowledged.len(),
            &unacknowledged[..unacknowledged.len().min(5)]
        )
    });
    // Refusals are the close's, and every letter sent once the close was answered is refused.
    let bad: Vec<_> = outcomes
        .iter()
        .filter(|o| matches!(&o.result, Err(r) if r.code != Code::FailedPrecondition))
        .collect();
    findings.check(bad.is_empty(), || {
        format!(
            "{} letters refused other than FAILED_PRECONDITION: {}",
            bad.len(),
            refusal_summary(bad.iter().copied())
        )
    });
    if let [(_, closed_at)] = closed.as_slice() {
        let late: Vec<_> = outcomes
            .iter()
            .filter(|o| o.sent > *closed_at && o.result.is_ok())
            .collect();
        findings.check(late.is_empty(), || {
            format!(
                "{} letters sent after the close was answered were accepted, e.g. {:?} on replica {}",
                late.len(),
                late[0].result.as_ref().unwrap().name,
                late[0].target
            )
        });
        let after = outcomes.iter().filter(|o| o.sent > *closed_at).count();
        findings.check(after > 0, || "no letter was sent after the close".into());
    }
    findings.check(
        !acked.is_empty() && outcomes.iter().any(|o| o.result.is_err()),
        || "the load did not straddle the close".into(),
    );
    // And now, on every replica, a letter is refused.
    for (i, server) in replicas.iter().enumerate() {
        let r = submit(
            server,
            token::OFFICER_FGW,
            &c.name,
            letter("正式截止后才登记的来信", postmark),
            &format!("after-close-{i}"),
        )
        .await;
        findings.check(
            matches!(&r, Err(s) if s.code() == Code::FailedPrecondition),
            || format!("a letter after the close on replica {i}: {}", show(&r)),
        );
    }
    findings.assert_none("closing while letters arrive on three replicas");
}

/// What each kind of call said, by kind, for the report.
#[derive(Default)]
struct Tally {
    failures: Vec<String>,
}

impl Tally {
    fn ok<T>(&mut self, what: &str, r: Result<tonic::Response<T>, Status>) -> Option<T> {
        match r {
            Ok(r) => Some(r.into_inner()),
            Err(s) => {
                self.failures
                    .push(format!("{what}: {:?} {:?}", s.code(), s.message()));
                None
            }
        }
    }
}

/// One replica's share of the concurrent writes while the consultation `shared` is open.
async fn writes_while_open(
    server: &TestServer,
    i: usize,
    shared: &str,
    barrier: &Barrier,
) -> (Tally, Vec<String>) {
    let mut t = Tally::default();
    let (mut api, mut comments, mut feedback) =
        (server.consultations(), server.comments(), server.feedback());
    barrier.wait().await;
    // A consultation of its own: created, published, extended.
    let created = t.ok(
        &format!("replica {i}: CreateConsultation"),
        api.create_consultation(authed(
            token::OFFICER_FGW,
            pb::CreateConsultationRequest {
                consultation: Some(draft(&format!("第{i}号征求意见稿"))),
            },
        ))
        .await,
    );
    if let Some(own) = created {
        let opened = t.ok(
            &format!("replica {i}: PublishConsultation"),
            api.publish_consultation(authed(
                token::OFFICER_FGW,
                pb::PublishConsultationRequest {
                    name: own.name.clone(),
                },
            ))
            .await,
        );
        if let Some(opened) = opened {
            let later = from_ts(opened.closes_at.as_ref().unwrap()) + chrono::Duration::days(5);
            t.ok(
                &format!("replica {i}: ExtendConsultation"),
                api.extend_consultation(authed(
                    token::OFFICER_FGW,
                    pb::ExtendConsultationRequest {
                        name: own.name,
                        closes_at: Some(ts(later)),
                        reason: "意见较多，延长征求意见期".into(),
                    },
                ))
                .await,
            );
        }
    }
    // Comments on the shared consultation, a group of two, one hidden.
    let mut mine = Vec::new();
    for n in 0..10 {
        if let Some(c) = t.ok(
            &format!("replica {i}: SubmitComment {n}"),
            comments
                .submit_comment(authed(
                    token::PORTAL,
                    pb::SubmitCommentRequest {
                        parent: shared.into(),
                        comment: Some(comment(
                            pb::Channel::Portal,
                            &format!("副本{i}的第{n}条意见"),
                        )),
                        request_id: format!("kinds-{i}-{n}"),
                        validate_only: false,
                    },
                ))
                .await,
        ) {
            mine.push(c.name);
        }
    }
    if mine.len() == 10 {
        t.ok(
            &format!("replica {i}: CreateOpinionGroup"),
            feedback
                .create_opinion_group(authed(
                    token::OFFICER_FGW,
                    pb::CreateOpinionGroupRequest {
                        parent: shared.into(),
                        opinion_group: Some(pb::OpinionGroup {
                            summary: format!("副本{i}的集中意见"),
                            ..Default::default()
                        }),
                        comments: vec![mine[0].clone(), mine[1].clone()],
                    },
                ))
                .await,
        );
        t.ok(
            &format!("replica {i}: HideComment"),
            comments
                .hide_comment(authed(
                    token::OFFICER_FGW,
                    pb::HideCommentRequest {
                        name: mine[2].clone(),
                        reason: pb::HideReason::Spam as i32,
                        note: "广告".into(),
                    },
                ))
                .await,
        );
    }
    (t, mine)
}

/// Consultations that every replica extends at once.
const CONTESTED: usize = 4;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writes_of_every_kind_on_three_replicas_keep_one_audit_chain() {
    let replicas = Replicas::start(3, beijing(START), UNLIMITED).await;
    let shared = published(&replicas[0], "关于加强城市排水管理的办法（征求意见稿）").await;
    // Consultations that all three replicas extend at once, each to another date.
    let mut contested = Vec::new();
    for n in 0..CONTESTED {
        contested.push(
            published(
                &replicas[n % 3],
                &format!("关于规范共享单车停放的通知（第{n}稿）"),
            )
            .await,
        );
    }
    let mut findings = Findings::default();

    // While open: every replica writes every kind at once.
    let barrier = Arc::new(Barrier::new(3 + 3 * CONTESTED));
    let replicas = Arc::new(replicas);
    let mut work = JoinSet::new();
    for i in 0..3 {
        let (r, b, shared) = (replicas.clone(), barrier.clone(), shared.name.clone());
        work.spawn(async move {
            let (t, mine) = writes_while_open(&r[i], i, &shared, &b).await;
            (t.failures, mine, None)
        });
        for (n, c) in contested.iter().enumerate() {
            let (r, b, name) = (replicas.clone(), barrier.clone(), c.name.clone());
            let later =
                from_ts(c.closes_at.as_ref().unwrap()) + chrono::Duration::days(i as i64 + 1);
            work.spawn(async move {
                b.wait().await;
                let r = r[i]
                    .consultations()
                    .extend_consultation(authed(
                        token::OFFICER_FGW,
                        pb::ExtendConsultationRequest {
                            name,
                            closes_at: Some(ts(later)),
                            reason: format!("第{i}位承办人延期"),
                        },
                    ))
                    .await;
                (
                    Vec::new(),
                    Vec::new(),
                    Some((n, i, r.map(|r| r.into_inner()))),
                )
            });
        }
    }
    let mut visible = Vec::new();
    let mut extends = Vec::new();
    while let Some(joined) = work.join_next().await {
        let (failures, mine, extend) = joined.unwrap();
        for f in failures {
            findings.push(f);
        }
        // Comments 3.. of each replica are neither grouped nor hidden.
        visible.extend(mine.into_iter().skip(3));
        extends.extend(extend);
    }
    // Each extension answered OK is recorded, in the consultation and in the log: none is
    // lost to another replica's write of the same row.
    for (n, c) in contested.iter().enumerate() {
        let answers: Vec<_> = extends.iter().filter(|(m, _, _)| *m == n).collect();
        let shown: Vec<String> = answers
            .iter()
            .map(|(_, i, r)| match r {
                Ok(c) => format!("replica {i}: OK, {} extension(s)", c.extensions.len()),
                Err(s) => format!("replica {i}: {:?} {:?}", s.code(), s.message()),
            })
            .collect();
        let extended = answers.iter().filter(|(_, _, r)| r.is_ok()).count();
        findings.check(
            answers.iter().all(|(_, _, r)| {
                r.is_ok() || matches!(r, Err(s) if s.code() == Code::FailedPrecondition)
            }),
            || format!("racing extensions of {}: {shown:?}", c.name),
        );
        let now = replicas[2]
            .consultations()
            .get_consultation(authed(
                token::OFFICER_FGW,
                pb::GetConsultationRequest {
                    name: c.name.clone(),
                },
            ))
            .await
            .unwrap()
            .into_inner();
        let extend_events = events(&replicas[0], id_of(&c.name), "consultation.extend").await;
        findings.check(
            extended >= 1
                && now.extensions.len() == extended
                && extend_events == extended as i64,
            || {
                format!(
                    "{}: {extended} of 3 racing extensions answered OK ({shown:?}), the consultation lists {} extension(s), {extend_events} consultation.extend events",
                    c.name,
                    now.extensions.len()
                )
            },
        );
    }

    // After the window: close on all three at once (one wins), then answer from all three.
    let closes_at = from_ts(shared.closes_at.as_ref().unwrap());
    replicas
        .set_time(closes_at + chrono::Duration::hours(1))
        .await;
    let barrier = Arc::new(Barrier::new(3));
    let mut closes = JoinSet::new();
    for i in 0..3 {
        let (replicas, barrier, name) = (replicas.clone(), barrier.clone(), shared.name.clone());
        closes.spawn(async move {
            barrier.wait().await;
            replicas[i]
                .consultations()
                .close_consultation(authed(
                    token::OFFICER_FGW,
                    pb::CloseConsultationRequest { name },
                ))
                .await
                .map(|r| r.into_inner())
        });
    }
    let mut close_results = Vec::new();
    while let Some(r) = closes.join_next().await {
        close_results.push(r.unwrap());
    }
    let closed = close_results.iter().filter(|r| r.is_ok()).count();
    findings.check(closed == 1, || {
        format!(
            "{closed} of 3 racing closes succeeded: {:?}",
            close_results
                .iter()
                .map(|r| r
                    .as_ref()
                    .map(|c| c.state)
                    .map_err(|s| (s.code(), s.message().to_owned())))
                .collect::<Vec<_>>()
        )
    });

    let barrier = Arc::new(Barrier::new(visible.len() + 3));
    let mut answers = JoinSet::new();
    let everyone_answers = visible.first().cloned();
    for (n, name) in visible.iter().cloned().enumerate() {
        let (replicas, barrier) = (replicas.clone(), barrier.clone());
        answers.spawn(async move {
            barrier.wait().await;
            let r = replicas[n % 3]
                .comments()
                .answer_comment(authed(
                    token::OFFICER_FGW,
                    pb::AnswerCommentRequest {
                        name: name.clone(),
                        disposition: Some(pb::Disposition {
                            outcome: pb::Outcome::Adopted as i32,
                            ..Default::default()
                        }),
                    },
                ))
                .await;
            (
                format!("AnswerComment {name} on replica {}", n % 3),
                r.map(|_| ()),
            )
        });
    }
    // One comment answered (revised) from all three at once.
    for i in 0..3 {
        let (replicas, barrier, name) =
            (replicas.clone(), barrier.clone(), everyone_answers.clone());
        answers.spawn(async move {
            barrier.wait().await;
            let Some(name) = name else {
                return ("no comment to answer".into(), Ok(()));
            };
            let r = replicas[i]
                .comments()
                .answer_comment(authed(
                    token::OFFICER_FGW,
                    pb::AnswerCommentRequest {
                        name: name.clone(),
                        disposition: Some(pb::Disposition {
                            outcome: pb::Outcome::NotAdopted as i32,
                            reason: format!("第{i}位承办人：与上位法不一致"),
                            ..Default::default()
                        }),
                    },
                ))
                .await;
            (
                format!("revising AnswerComment {name} on replica {i}"),
                r.map(|_| ()),
            )
        });
    }
    while let Some(joined) = answers.join_next().await {
        let (what, r) = joined.unwrap();
        if let Err(s) = r {
            findings.push(format!("{what}: {:?} {:?}", s.code(), s.message()));
        }
    }

    check_one_audit_chain(&replicas, &mut findings).await;
    replicas[0].assert_counts_agree().await;
    findings.assert_none("writes of every kind on three replicas");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_comment_written_through_one_replica_is_read_through_another() {
    let replicas = Replicas::start(3, beijing(START), UNLIMITED).await;
    let c = published(&replicas[1], "关于推进老旧小区加装电梯的意见（征求意见稿）").await;
    for (writer, reader) in [(0, 1), (1, 2), (2, 0)] {
        let saved = submit(
            &replicas[writer],
            token::PORTAL,
            &c.name,
            comment(
                pb::Channel::Portal,
                &format!("经副本{writer}提交：建议政府补贴加装电梯。"),
            ),
            &format!("cross-{writer}"),
        )
        .await
        .unwrap();
        let read = replicas[reader]
            .comments()
            .get_comment(authed(
                token::OFFICER_FGW,
                pb::GetCommentRequest {
                    name: saved.name.clone(),
                },
            ))
            .await
            .unwrap_or_else(|s| panic!("replica {reader} cannot read {}: {s:?}", saved.name))
            .into_inner();
        assert_eq!(read, saved, "written on replica {writer}, read on {reader}");
        let receipt = replicas[reader]
            .comments()
            .lookup_comment(pb::LookupCommentRequest {
                receipt_code: saved.receipt_code.clone(),
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(receipt.comment, saved.name);
        // A retry through a third replica is the same comment.
        let third = 3 - writer - reader;
        let again = submit(
            &replicas[third],
            token::PORTAL,
            &c.name,
            comment(
                pb::Channel::Portal,
                &format!("经副本{writer}提交：建议政府补贴加装电梯。"),
            ),
            &format!("cross-{writer}"),
        )
        .await
        .unwrap();
        assert_eq!(again.name, saved.name);
        assert_eq!(again.receipt_code, saved.receipt_code);
    }
    assert_eq!(replicas[2].table_count("comments").await, 3);
    // Each replica lists all of them, in the order received.
    for server in replicas.iter() {
        let listed = server
            .comments()
            .list_comments(authed(
                token::OFFICER_FGW,
                pb::ListCommentsRequest {
                    parent: c.name.clone(),
                    ..Default::default()
                },
            ))
            .await
            .unwrap()
            .into_inner()
            .comments;
        assert_eq!(listed.len(), 3);
    }
}
