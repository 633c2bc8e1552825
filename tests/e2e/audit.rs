//! The audit log over gRPC: auditors list it and verify its hash chains; an event edited or
//! deleted directly in the database is found, by the RPC and by `consultd audit verify`.

use consult_api::pb;
use consult_e2e::{TestServer, assert_status, authed, beijing, comment, consultd_binary, token};
use tonic::Code;

async fn verify(server: &TestServer, consultation: &str) -> pb::AuditChainVerification {
    server
        .audit()
        .verify_audit_chain(authed(
            token::AUDITOR,
            pb::VerifyAuditChainRequest {
                consultation: consultation.into(),
            },
        ))
        .await
        .unwrap()
        .into_inner()
}

/// `consultd audit verify` on the server's database: exit code and what it printed.
async fn verify_offline(server: &TestServer) -> (i32, String) {
    let out = tokio::process::Command::new(consultd_binary())
        .args(["audit", "verify", "--database-url", &server.database_url])
        .output()
        .await
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_audit_chain_finds_a_record_edited_behind_the_servers_back() {
    let server = TestServer::start_at(beijing("2026-03-02 10:00")).await;
    let c = crate::published(&server, "关于城市绿化管理的办法（征求意见稿）").await;
    let other = crate::published(&server, "关于公共停车场收费的通知（征求意见稿）").await;
    for (i, parent) in [&c.name, &other.name, &c.name, &c.name].iter().enumerate() {
        server
            .comments()
            .submit_comment(authed(
                token::PORTAL,
                pb::SubmitCommentRequest {
                    parent: (*parent).clone(),
                    comment: Some(comment(pb::Channel::Portal, &format!("第{i}条意见"))),
                    request_id: format!("audit-{i}"),
                },
            ))
            .await
            .unwrap();
    }

    // Only auditors read or verify the log.
    let denied = server
        .audit()
        .verify_audit_chain(authed(
            token::OFFICER_FGW,
            pb::VerifyAuditChainRequest::default(),
        ))
        .await;
    assert_status(denied, Code::PermissionDenied, "审计");

    let whole = verify(&server, "").await;
    assert!(whole.intact, "{whole:?}");
    let total = server.table_count("audit_events").await;
    assert_eq!(whole.events_checked, total);
    let one = verify(&server, &c.name).await;
    assert!(one.intact);
    assert!(one.events_checked >= 5, "{one:?}");
    let (code, said) = verify_offline(&server).await;
    assert_eq!(code, 0, "{said}");
    assert!(said.contains(&format!("已核验 {total} 条事件")), "{said}");

    // Auditors list by consultation and by actor.
    let events = server
        .audit()
        .list_audit_events(authed(
            token::AUDITOR,
            pb::ListAuditEventsRequest {
                consultation: c.name.clone(),
                actor: "portal".into(),
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .events;
    assert_eq!(events.len(), 3);
    assert!(
        events
            .iter()
            .all(|e| e.action == "comment.submit" && e.consultation == c.name)
    );
    assert!(
        events
            .windows(2)
            .all(|w| w[0].id < w[1].id && w[1].prev_hash == w[0].hash)
    );

    // Someone with database access rewrites what a submission recorded.
    let victim = events[1].id;
    let changed = server
        .execute_sql(&format!(
            "UPDATE audit_events SET after = '{{\"channel\":\"WECHAT\"}}' WHERE id = {victim}"
        ))
        .await;
    assert_eq!(changed, 1);
    let found = verify(&server, "").await;
    assert!(!found.intact);
    assert_eq!(found.broken_event_id, victim);
    assert_eq!(found.broken_chain, c.name);
    assert!(found.problem.contains("被修改"), "{found:?}");
    let found = verify(&server, &c.name).await;
    assert_eq!(found.broken_event_id, victim);
    // The other consultation's chain does not pass through the edited event.
    assert!(verify(&server, &other.name).await.intact);
    let (code, said) = verify_offline(&server).await;
    assert_eq!(code, 1, "{said}");
    assert!(
        said.contains(&format!("第 {victim} 条事件处断链")),
        "{said}"
    );

    // Deleting the edited event instead leaves a gap the next event's links expose.
    server
        .execute_sql(&format!("DELETE FROM audit_events WHERE id = {victim}"))
        .await;
    let found = verify(&server, "").await;
    assert!(!found.intact);
    assert_eq!(found.broken_event_id, events[2].id);
}
