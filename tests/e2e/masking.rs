//! The masking corpus (`crates/domain/tests/data/pii-corpus.tsv`) end to end: every comment
//! submitted through gRPC, then read back the ways the public can read it — `LookupComment`
//! without credentials, the receipt page, and the published report as JSON, CSV and HTML —
//! each scored for secrets hidden and look-alikes kept. And officers' redactions, from
//! consultctl to every public view.

use std::collections::{BTreeSet, HashMap};

use chrono::Duration;
use consult_api::pb;
use consult_e2e::{TestServer, authed, beijing, consultctl, draft, http_get, token};
use tonic::Code;

use crate::corpus::{self, Entry, Score};

/// The published report's files and pages, by name.
struct Outputs(Vec<(&'static str, String)>);

/// Reverses the escaping of the HTML pages, so that text is compared as written.
fn unescape(html: &str) -> String {
    html.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
}

async fn open_consultation(server: &TestServer, title: &str) -> String {
    let mut d = draft(title);
    d.kind = pb::ConsultationKind::Plan as i32;
    crate::published_draft(server, d).await.name
}

async fn submit(server: &TestServer, parent: &str, entry: &Entry) -> pb::Comment {
    server
        .comments()
        .submit_comment(authed(
            token::PORTAL,
            pb::SubmitCommentRequest {
                parent: parent.into(),
                comment: Some(pb::Comment {
                    channel: pb::Channel::Portal as i32,
                    submitter_category: pb::SubmitterCategory::Citizen as i32,
                    submitter: Some(pb::Submitter {
                        name: entry.name.clone(),
                        organization: entry.organization.clone(),
                        contact: "13800138000".into(),
                    }),
                    content: entry.text.clone(),
                    publish_name_consent: entry.consent,
                    ..Default::default()
                }),
                request_id: format!("corpus-{}", entry.line),
                validate_only: false,
            },
        ))
        .await
        .unwrap_or_else(|s| panic!("line {}: {s:?}", entry.line))
        .into_inner()
}

async fn lookup(server: &TestServer, receipt: &str) -> pb::CommentReceipt {
    server
        .comments()
        .lookup_comment(pb::LookupCommentRequest {
            receipt_code: receipt.into(),
        })
        .await
        .unwrap()
        .into_inner()
}

/// Closes, answers every comment, decides and publishes version 1.
async fn publish(server: &TestServer, name: &str) {
    server
        .set_time(beijing("2026-04-02 00:00") + Duration::minutes(1))
        .await;
    crate::close(server, name).await;
    server
        .feedback()
        .bulk_answer_comments(authed(
            token::OFFICER_FGW,
            pb::BulkAnswerCommentsRequest {
                parent: name.into(),
                disposition: Some(pb::Disposition {
                    outcome: pb::Outcome::NotAdopted as i32,
                    reason: "与上位法规定不一致，暂不采纳".into(),
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
        ))
        .await
        .unwrap();
    server.set_time(beijing("2026-04-10 15:00")).await;
    crate::decide_and_publish(
        server,
        name,
        ("洪府发〔2026〕12号", "关于印发实施方案的通知", "2026-04-10"),
    )
    .await;
}

async fn outputs(server: &TestServer, id: &str, version: &str) -> Outputs {
    let base = &server.http;
    let mut out = Vec::new();
    for (what, path) in [
        ("report JSON", format!("feedback/{version}.json")),
        ("report CSV", format!("feedback/{version}.csv")),
        ("report HTML", format!("feedback/{version}.html")),
        ("report page", "feedback".to_owned()),
    ] {
        let r = http_get(&format!("{base}/consultations/{id}/{path}")).await;
        assert_eq!(r.status, 200, "{what}");
        out.push((what, unescape(&r.text())));
    }
    Outputs(out)
}

/// Secrets of the corpus found in a whole output. A secret that is also published legitimately
/// elsewhere (a name its bearer consented to publish on another comment, a look-alike) does
/// not count.
fn leaks(text: &str, entries: &[Entry]) -> BTreeSet<String> {
    let mut published_elsewhere: BTreeSet<&str> = BTreeSet::new();
    for e in entries.iter().filter(|e| e.consent) {
        published_elsewhere.insert(&e.name);
        published_elsewhere.insert(&e.organization);
    }
    for e in entries {
        published_elsewhere.extend(e.keeps.iter().map(String::as_str));
    }
    entries
        .iter()
        .flat_map(|e| &e.secrets)
        .map(|(_, secret)| secret.as_str())
        .filter(|s| !published_elsewhere.iter().any(|p| p.contains(s)))
        .filter(|s| text.contains(s))
        .map(str::to_owned)
        .collect()
}

#[tokio::test]
async fn every_public_view_of_the_corpus_is_masked() {
    let server = TestServer::start_at(beijing("2026-03-02 10:00")).await;
    let name = open_consultation(&server, "关于老旧小区改造的实施方案（征求意见稿）").await;
    let id = name.trim_start_matches("consultations/").to_owned();
    let entries = corpus::entries();
    let mut by_id: HashMap<String, &Entry> = HashMap::new();
    let mut lookups = Score::default();
    let mut receipt_pages = Score::default();
    for entry in &entries {
        let saved = submit(&server, &name, entry).await;
        // The calling system is told what it sent, unmasked: it is the submitter's channel.
        assert_eq!(saved.content, entry.text, "line {}", entry.line);
        let receipt = lookup(&server, &saved.receipt_code).await;
        lookups.add(entry, &receipt.content);
        let page = http_get(&format!(
            "{}/receipt?code={}",
            server.http, saved.receipt_code
        ))
        .await;
        assert_eq!(page.status, 200);
        let page = unescape(&page.text());
        receipt_pages.add_page(entry, &page);
        by_id.insert(saved.name.rsplit('/').next().unwrap().to_owned(), entry);
    }
    println!("LookupComment:\n{}", lookups.summary());
    println!("receipt page:\n{}", receipt_pages.summary());
    lookups.assert_meets_targets("LookupComment");
    receipt_pages.assert_meets_targets("the receipt page");

    publish(&server, &name).await;
    let files = outputs(&server, &id, "v1").await;
    let json: serde_json::Value = serde_json::from_str(&files.0[0].1).unwrap();
    let comments = json["comments"].as_array().unwrap();
    assert_eq!(comments.len(), entries.len());
    let mut report = Score::default();
    for c in comments {
        let entry = by_id[c["id"].as_str().unwrap()];
        report.add(entry, c["content"].as_str().unwrap());
    }
    println!("report JSON, per comment:\n{}", report.summary());
    report.assert_meets_targets("the report's comments");
    for (what, text) in &files.0 {
        let leaked = leaks(text, &entries);
        assert!(leaked.is_empty(), "{what} publishes {leaked:?}");
    }
}

/// `consultctl comment redact` on a comment naming a neighbour; the public views.
async fn public_views(server: &TestServer, id: &str, receipt: &str) -> Vec<(&'static str, String)> {
    let mut views = vec![
        ("LookupComment", lookup(server, receipt).await.content),
        (
            "receipt page",
            unescape(
                &http_get(&format!("{}/receipt?code={receipt}", server.http))
                    .await
                    .text(),
            ),
        ),
    ];
    let report = http_get(&format!(
        "{}/consultations/{id}/feedback/latest.json",
        server.http
    ))
    .await;
    if report.status == 200 {
        views.push(("report JSON", report.text()));
        for v in ["csv", "html"] {
            let r = http_get(&format!(
                "{}/consultations/{id}/feedback/latest.{v}",
                server.http
            ))
            .await;
            views.push(("report file", unescape(&r.text())));
        }
    }
    views
}

#[tokio::test]
async fn officers_redact_spans_from_every_public_view() {
    let server = TestServer::start_at(beijing("2026-03-02 10:00")).await;
    let name = open_consultation(&server, "关于加强物业管理的若干措施（征求意见稿）").await;
    let id = name.trim_start_matches("consultations/").to_owned();
    let text = "隔壁单元的赵大勇天天在楼道里堆杂物，物业不管。另外某某物业公司去年账目有问题。";
    let entry = Entry {
        line: 0,
        name: "王芳".into(),
        organization: String::new(),
        consent: false,
        text: text.into(),
        secrets: Vec::new(),
        keeps: Vec::new(),
    };
    let saved = submit(&server, &name, &entry).await;
    let comment_id = saved.name.rsplit('/').next().unwrap().to_owned();
    let ctl = |args: Vec<String>| {
        let server = &server;
        async move {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            consultctl(&server.grpc, Some(token::OFFICER_FGW), &args).await
        }
    };
    let redact = |extra: &[&str]| {
        let mut args: Vec<String> = ["comment", "redact", id.as_str(), comment_id.as_str()]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        args.extend(extra.iter().map(|s| (*s).to_owned()));
        args
    };

    // Not in the text: refused by consultctl before anything is sent.
    let run = ctl(redact(&[
        "--text",
        "张三",
        "--reason",
        "third_party_privacy",
    ]))
    .await;
    assert_ne!(run.code, 0);
    assert!(run.stderr.contains("意见原文中没有"), "{run:?}");

    // A neighbour's name, which no cue word introduces.
    let run = ctl(redact(&[
        "--text",
        "赵大勇",
        "--reason",
        "third_party_privacy",
    ]))
    .await;
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("隔壁单元的[已隐去]天天"), "{run:?}");
    // A second span joins the first; the officer still reads the whole text.
    let run = ctl(redact(&[
        "--span",
        "25..31",
        "--reason",
        "defamation",
        "-o",
        "json",
    ]))
    .await;
    assert_eq!(run.code, 0, "{run:?}");
    let shown = run.json();
    assert_eq!(shown["content"], text);
    assert_eq!(shown["redactions"].as_array().unwrap().len(), 2);
    let published = "隔壁单元的[已隐去]天天在楼道里堆杂物，物业不管。另外[已隐去]去年账目有问题。";
    assert_eq!(shown["publishedContent"], published);

    for (what, view) in public_views(&server, &id, &saved.receipt_code).await {
        assert!(view.contains(published), "{what}: {view}");
        assert!(!view.contains("赵大勇"), "{what}");
    }

    // Overlapping spans are bad input, named, and change nothing.
    let mut comments = server.comments();
    let span = |start, end| pb::Redaction {
        start,
        end,
        reason: pb::RedactionReason::Other as i32,
    };
    let refused = comments
        .redact_comment(authed(
            token::OFFICER_FGW,
            pb::RedactCommentRequest {
                name: saved.name.clone(),
                redactions: vec![span(0, 6), span(5, 8), span(30, 99)],
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::InvalidArgument, "{refused:?}");
    assert!(refused.message().contains("redactions[2]"), "{refused:?}");
    let missing_reason = comments
        .redact_comment(authed(
            token::OFFICER_FGW,
            pb::RedactCommentRequest {
                name: saved.name.clone(),
                redactions: vec![pb::Redaction {
                    start: 0,
                    end: 2,
                    reason: 0,
                }],
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(missing_reason.code(), Code::InvalidArgument);
    assert!(missing_reason.message().contains("redactions[0].reason"));
    // Nobody else may redact: a calling system, and an officer of another department.
    for caller in [token::PORTAL, token::OFFICER_JTJ] {
        let denied = comments
            .redact_comment(authed(
                caller,
                pb::RedactCommentRequest {
                    name: saved.name.clone(),
                    redactions: Vec::new(),
                },
            ))
            .await
            .unwrap_err();
        assert_eq!(denied.code(), Code::PermissionDenied, "{caller}");
    }
    assert_eq!(
        lookup(&server, &saved.receipt_code).await.content,
        published
    );

    // The audit log records the spans and reasons, never the redacted words.
    let events = server
        .audit()
        .list_audit_events(authed(
            token::AUDITOR,
            pb::ListAuditEventsRequest {
                consultation: name.clone(),
                page_size: 1000,
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .events;
    let redactions: Vec<_> = events
        .iter()
        .filter(|e| e.action == "comment.redact")
        .collect();
    assert_eq!(redactions.len(), 2);
    for e in &redactions {
        assert_eq!(e.actor, "officer-fgw");
        assert!(
            e.after_json.contains("THIRD_PARTY_PRIVACY"),
            "{}",
            e.after_json
        );
        assert!(!e.after_json.contains("赵大勇") && !e.before_json.contains("赵大勇"));
    }

    // Published: the report leaves the spans out; they can be widened, not lifted.
    publish(&server, &name).await;
    for (what, view) in public_views(&server, &id, &saved.receipt_code).await {
        assert!(view.contains(published), "{what}: {view}");
        assert!(
            !view.contains("赵大勇") && !view.contains("某某物业公司"),
            "{what}"
        );
    }
    let run = ctl(redact(&["--clear"])).await;
    assert_ne!(run.code, 0);
    assert!(run.stderr.contains("REDACTION_PUBLISHED"), "{run:?}");
    let run = ctl(redact(&["--text", "楼道", "--reason", "other"])).await;
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        lookup(&server, &saved.receipt_code).await.content,
        "隔壁单元的[已隐去]天天在[已隐去]里堆杂物，物业不管。另外[已隐去]去年账目有问题。"
    );
}
