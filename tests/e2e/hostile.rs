//! Hostile input over the wire: markup, SQL, zero-width and right-to-left characters and huge
//! texts get a clean status and lose nothing; what is accepted is shown escaped on the pages.

use consult_api::pb;
use consult_e2e::{TestServer, authed, beijing, comment, http_get, token};
use tonic::Code;

const HOSTILE: &[&str] = &[
    "<script>alert('x')</script>建议增加夜间公交",
    "\"><img src=x onerror=alert(1)>",
    "'; DROP TABLE comments; --",
    "\u{202e}txt.exe\u{202c} 右到左",
    "\u{200b}\u{200d}\u{feff}零宽字符",
    "\\xff\\xfe\\ud800 转义的无效序列",
    "🙂👍🏽 表情",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_text_gets_a_clean_status_and_is_escaped_on_the_pages() {
    let server = TestServer::start_at(beijing("2026-03-02 10:00")).await;
    let c = crate::published(&server, "关于夜间公交线路的方案（征求意见稿）").await;
    let mut accepted = 0i64;
    let mut receipts = Vec::new();
    let huge = "长".repeat(100_000);
    let texts: Vec<&str> = HOSTILE.iter().copied().chain([huge.as_str(), ""]).collect();
    for (i, text) in texts.iter().enumerate() {
        let before = server.table_count("comments").await;
        let r = server
            .comments()
            .submit_comment(authed(
                token::PORTAL,
                pb::SubmitCommentRequest {
                    parent: c.name.clone(),
                    comment: Some(comment(pb::Channel::Portal, text)),
                    request_id: format!("hostile-{i}"),
                    validate_only: false,
                },
            ))
            .await;
        match r {
            Ok(saved) => {
                accepted += 1;
                receipts.push((saved.into_inner().receipt_code, *text));
            }
            Err(s) => {
                assert_eq!(s.code(), Code::InvalidArgument, "{text:?}: {s:?}");
                assert!(!s.message().is_empty());
                assert_eq!(
                    server.table_count("comments").await,
                    before,
                    "refused yet written"
                );
            }
        }
        // Hostile text as resource names and tokens is refused cleanly too.
        let r = server
            .comments()
            .get_comment(authed(
                token::OFFICER_FGW,
                pb::GetCommentRequest {
                    name: format!("{}/comments/{text}", c.name),
                },
            ))
            .await
            .unwrap_err();
        assert!(
            matches!(r.code(), Code::InvalidArgument | Code::NotFound),
            "{r:?}"
        );
        let r = server
            .comments()
            .list_comments(authed(
                token::OFFICER_FGW,
                pb::ListCommentsRequest {
                    parent: c.name.clone(),
                    page_token: text.to_string(),
                    ..Default::default()
                },
            ))
            .await;
        if !text.is_empty() {
            assert_eq!(r.unwrap_err().code(), Code::InvalidArgument, "{text:?}");
        }
    }
    assert_eq!(
        accepted,
        HOSTILE.len() as i64,
        "every hostile but well-sized text is kept"
    );
    assert_eq!(server.table_count("comments").await, accepted);

    // The receipt page shows the text escaped: no markup of the submitter's reaches a browser.
    for (code, text) in &receipts {
        let page = http_get(&format!("{}/receipt?code={code}", server.http)).await;
        assert_eq!(page.status, 200);
        let html = page.text();
        assert!(!html.contains("<script"), "{text:?}");
        assert!(!html.contains("<img"), "{text:?}");
        if text.starts_with("<script>") {
            assert!(html.contains("&lt;script&gt;"), "{html}");
        }
    }
}
