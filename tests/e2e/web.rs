//! The public pages from a running `consultd`: what is served before and after publication,
//! the downloads and their hash, receipt lookup, and the pages as headless Chromium renders them.

use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::Duration;
use consult_api::pb;
use consult_e2e::{TestServer, authed, beijing, comment, draft, http_get, token};
use sha2::{Digest, Sha256};

/// Personal data planted in comments; none of it may reach a public page.
const PLANTED: &[&str] = &[
    "13912345678",
    "139 1234 5678",
    "wang.fang@example.com",
    "11010519491231002X",
    "0791-86712345",
    "解放路123号",
];

/// What the scenario left behind.
struct Published {
    name: String,
    id: String,
    draft_name: String,
    receipts: Vec<String>,
    hidden_receipt: String,
    submitted: usize,
}

fn submit(parent: &str, c: pb::Comment, request_id: String) -> pb::SubmitCommentRequest {
    pb::SubmitCommentRequest {
        parent: parent.into(),
        comment: Some(c),
        request_id,
        validate_only: false,
    }
}

/// A consultation with comments carrying personal data, answered, decided and published (v1).
async fn publish_scenario(server: &TestServer) -> Published {
    let mut api = server.consultations();
    let mut comments = server.comments();
    let mut feedback = server.feedback();
    let mut d = draft("关于优化城区公交线路的实施方案（征求意见稿）");
    d.kind = pb::ConsultationKind::Plan as i32;
    d.channels = vec![pb::Channel::Portal as i32, pb::Channel::Symposium as i32];
    let c = api
        .create_consultation(authed(
            token::OFFICER_FGW,
            pb::CreateConsultationRequest {
                consultation: Some(d),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    let c = api
        .publish_consultation(authed(
            token::OFFICER_FGW,
            pb::PublishConsultationRequest {
                name: c.name.clone(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    let unpublished = api
        .create_consultation(authed(
            token::OFFICER_FGW,
            pb::CreateConsultationRequest {
                consultation: Some(draft("尚未发布的草稿：内部讨论稿")),
            },
        ))
        .await
        .unwrap()
        .into_inner();

    let texts = [
        "建议增加夜班公交，我的电话13912345678，欢迎回访。".to_owned(),
        "早高峰班次太少，可以联系我 139 1234 5678。".to_owned(),
        "希望在地铁站设置公交接驳，邮箱 wang.fang@example.com".to_owned(),
        "本人身份证号11010519491231002X，住在解放路123号，门口站台缺少雨棚。".to_owned(),
        "单位座机0791-86712345，建议延长末班车时间。".to_owned(),
        "票价应当保持不变。".to_owned(),
    ];
    let mut receipts = Vec::new();
    let mut ids = Vec::new();
    for (i, t) in texts.iter().enumerate() {
        let mut k = comment(pb::Channel::Portal, t);
        if i == 5 {
            k.submitter = Some(pb::Submitter {
                name: "李四".into(),
                organization: "城东公交乘客协会".into(),
                contact: "13700001111".into(),
            });
            k.submitter_category = pb::SubmitterCategory::SocialOrganization as i32;
            k.publish_name_consent = true;
        } else {
            k.submitter = Some(pb::Submitter {
                name: "王芳".into(),
                organization: String::new(),
                contact: "13800002222".into(),
            });
        }
        let saved = comments
            .submit_comment(authed(
                token::PORTAL,
                submit(&c.name, k, format!("web-{i}")),
            ))
            .await
            .unwrap()
            .into_inner();
        receipts.push(saved.receipt_code.clone());
        ids.push(saved.name);
    }
    let spam = comments
        .submit_comment(authed(
            token::PORTAL,
            submit(
                &c.name,
                comment(pb::Channel::Portal, "代开发票，请加微信"),
                "web-spam".into(),
            ),
        ))
        .await
        .unwrap()
        .into_inner();
    let symposium = comments
        .submit_comment(authed(
            token::OFFICER_FGW,
            submit(
                &c.name,
                {
                    let mut k = comment(pb::Channel::Symposium, "座谈会上专家建议优化线网结构。");
                    k.submitter_category = pb::SubmitterCategory::Expert as i32;
                    k
                },
                "web-symposium".into(),
            ),
        ))
        .await
        .unwrap()
        .into_inner();
    ids.push(symposium.name);

    server
        .set_time(beijing("2026-04-02 00:00") + Duration::minutes(1))
        .await;
    api.close_consultation(authed(
        token::OFFICER_FGW,
        pb::CloseConsultationRequest {
            name: c.name.clone(),
        },
    ))
    .await
    .unwrap();
    comments
        .hide_comment(authed(
            token::OFFICER_FGW,
            pb::HideCommentRequest {
                name: spam.name.clone(),
                reason: pb::HideReason::Spam as i32,
                note: "广告".into(),
            },
        ))
        .await
        .unwrap();
    feedback
        .create_opinion_group(authed(
            token::OFFICER_FGW,
            pb::CreateOpinionGroupRequest {
                parent: c.name.clone(),
                opinion_group: Some(pb::OpinionGroup {
                    summary: "增加夜间和早高峰班次".into(),
                    ..Default::default()
                }),
                comments: vec![ids[0].clone(), ids[1].clone()],
            },
        ))
        .await
        .unwrap();
    let groups = feedback
        .list_opinion_groups(authed(
            token::OFFICER_FGW,
            pb::ListOpinionGroupsRequest {
                parent: c.name.clone(),
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner();
    feedback
        .answer_opinion_group(authed(
            token::OFFICER_FGW,
            pb::AnswerOpinionGroupRequest {
                name: groups.opinion_groups[0].name.clone(),
                disposition: Some(pb::Disposition {
                    outcome: pb::Outcome::PartiallyAdopted as i32,
                    adopted_content: "早高峰加密3条线路班次".into(),
                    reason: "夜班线路客流不足，暂不开通".into(),
                    ..Default::default()
                }),
            },
        ))
        .await
        .unwrap();
    feedback
        .bulk_answer_comments(authed(
            token::OFFICER_FGW,
            pb::BulkAnswerCommentsRequest {
                parent: c.name.clone(),
                disposition: Some(pb::Disposition {
                    outcome: pb::Outcome::NotAdopted as i32,
                    reason: "与线网规划不符，将在下一轮规划中研究".into(),
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
    api.mark_ready_for_deliberation(authed(
        token::OFFICER_FGW,
        pb::MarkReadyForDeliberationRequest {
            name: c.name.clone(),
        },
    ))
    .await
    .unwrap();
    server.set_time(beijing("2026-04-10 15:00")).await;
    api.record_decision(authed(
        token::OFFICER_FGW,
        pb::RecordDecisionRequest {
            name: c.name.clone(),
            decision: Some(pb::Decision {
                number: "洪府发〔2026〕12号".into(),
                title: "关于优化城区公交线路的决定".into(),
                decide_date: "2026-04-10".into(),
                ..Default::default()
            }),
        },
    ))
    .await
    .unwrap();
    feedback
        .publish_feedback_report(authed(
            token::OFFICER_FGW,
            pb::PublishFeedbackReportRequest {
                name: c.name.clone(),
            },
        ))
        .await
        .unwrap();
    Published {
        id: c.name.trim_start_matches("consultations/").to_owned(),
        name: c.name,
        draft_name: unpublished.name,
        receipts,
        hidden_receipt: spam.receipt_code,
        submitted: texts.len() + 2,
    }
}

fn assert_no_personal_data(page: &str, what: &str) {
    for p in PLANTED {
        assert!(!page.contains(p), "{what} shows {p:?}");
    }
    for private in ["王芳", "13800002222", "13700001111", "李四"] {
        assert!(
            !page.contains(private),
            "{what} shows the private {private:?}"
        );
    }
}

#[tokio::test]
async fn an_open_consultation_says_how_long_is_left_and_how_many_took_part() {
    let server = TestServer::start_at(beijing("2026-03-02 10:00")).await;
    let c = crate::published(&server, "关于延长公园开放时间的方案（征求意见稿）").await;
    for i in 0..3 {
        server
            .comments()
            .submit_comment(authed(
                token::PORTAL,
                submit(
                    &c.name,
                    comment(pb::Channel::Portal, "建议夏季延长到22点。"),
                    format!("open-{i}"),
                ),
            ))
            .await
            .unwrap();
    }
    let id = c.name.trim_start_matches("consultations/");
    let page = http_get(&format!("{}/consultations/{id}", server.http)).await;
    // Its comment form carries a request id of this visitor's: no shared cache keeps it.
    assert!(page.text().contains("name=\"request_id\""));
    assert_eq!(page.header("cache-control"), Some("private, no-store"));
    let page = page.text();
    // Opened 2 March 10:00, closing at the end of 1 April: 31 days, today included.
    assert!(
        page.contains("距截止还有 <strong>31</strong> 天（截止时间：2026年4月1日 24:00）"),
        "{page}"
    );
    assert!(page.contains("已收到意见 <strong>3</strong> 条"));
    assert!(page.contains("政府网站、12345热线、信函") || page.contains("参与方式"));
    server.set_time(beijing("2026-04-01 23:00")).await;
    let page = http_get(&format!("{}/consultations/{id}", server.http))
        .await
        .text();
    assert!(page.contains("距截止还有 <strong>1</strong> 天"), "{page}");
    server.set_time(beijing("2026-04-02 08:00")).await;
    let page = http_get(&format!("{}/consultations/{id}", server.http)).await;
    // Closed, without a form: the same for everyone, kept a minute.
    assert_eq!(page.header("cache-control"), Some("public, max-age=60"));
    let page = page.text();
    assert!(!page.contains("name=\"request_id\""));
    assert!(!page.contains("距截止还有") && page.contains("本事项共收到意见 3 条"));
}

#[tokio::test]
async fn every_public_page_says_who_runs_the_site() {
    let server = TestServer::start_with(
        beijing("2026-03-02 10:00"),
        r#"
[site]
government = "南昌市人民政府"
site_code = "3601000001"
icp_record = "赣ICP备05004567号"
police_record = "赣公网安备 36010202000123号"
"#,
    )
    .await;
    let p = publish_scenario(&server).await;
    let base = &server.http;
    for (path, status) in [
        ("/".to_owned(), 200),
        (format!("/consultations/{}", p.id), 200),
        (format!("/consultations/{}/feedback", p.id), 200),
        (format!("/consultations/{}/feedback/v1.html", p.id), 200),
        (format!("/receipt?code={}", p.receipts[0]), 200),
        ("/receipt".to_owned(), 200),
        ("/consultations/01ZZZZZZZZZZZZZZZZZZZZZZZZ".to_owned(), 404),
    ] {
        let page = http_get(&format!("{base}{path}")).await;
        assert_eq!(page.status, status, "{path}");
        let html = page.text();
        for shown in [
            "南昌市人民政府 · 公开征求意见",
            "主办单位：南昌市人民政府",
            "网站标识码：3601000001",
            "赣ICP备05004567号",
            "赣公网安备 36010202000123号",
        ] {
            assert!(html.contains(shown), "{path} lacks {shown}");
        }
    }
    // The decided report drops the draft mark from its title and dates read officially.
    let report = http_get(&format!("{base}/consultations/{}/feedback", p.id))
        .await
        .text();
    assert!(report.contains("关于《关于优化城区公交线路的实施方案》公开征求意见采纳情况的反馈"));
    assert!(report.contains("2026年4月10日"), "official date style");
    assert!(!report.contains("2026年04月10日"));
}

#[tokio::test]
async fn public_pages_serve_only_what_is_published() {
    let server = TestServer::start_at(beijing("2026-03-02 10:00")).await;
    let p = publish_scenario(&server).await;
    let base = &server.http;

    let list = http_get(&format!("{base}/")).await;
    assert_eq!(list.status, 200);
    assert!(
        list.header("content-type")
            .unwrap()
            .contains("text/html; charset=utf-8")
    );
    let html = list.text();
    assert!(html.contains("关于优化城区公交线路的实施方案（征求意见稿）"));
    assert!(
        !html.contains("尚未发布的草稿"),
        "a draft is listed publicly"
    );
    let draft_id = p.draft_name.trim_start_matches("consultations/");
    assert_eq!(
        http_get(&format!("{base}/consultations/{draft_id}"))
            .await
            .status,
        404
    );
    assert_eq!(
        http_get(&format!("{base}/consultations/{draft_id}/feedback"))
            .await
            .status,
        404
    );

    let page = http_get(&format!("{base}/consultations/{}", p.id)).await;
    assert_eq!(page.status, 200);
    // The same for everyone but the type size: any cache keeps it a minute, by that cookie.
    assert_eq!(page.header("cache-control"), Some("public, max-age=60"));
    assert_eq!(page.header("vary"), Some("Cookie"));
    let page = page.text();
    assert!(page.contains("决策草案") && page.contains("查看意见采纳情况反馈"));

    // The JSON download is the canonical text: its hash is the published one.
    let report = server
        .feedback()
        .get_feedback_report(pb::GetFeedbackReportRequest {
            name: format!("{}/feedbackReports/latest", p.name),
            view: pb::FeedbackReportView::Full as i32,
        })
        .await
        .unwrap()
        .into_inner();
    let json = http_get(&format!(
        "{base}/consultations/{}/feedback/latest.json",
        p.id
    ))
    .await;
    assert_eq!(json.status, 200);
    let digest = hex::encode(Sha256::digest(&json.body));
    assert_eq!(digest, report.sha256);
    assert_eq!(
        json.header("x-content-sha256"),
        Some(report.sha256.as_str())
    );
    assert_eq!(json.text(), report.canonical_json);
    // The latest report is kept a minute; a numbered version for good, tagged by its hash.
    assert_eq!(json.header("cache-control"), Some("public, max-age=60"));
    let tag = format!("\"{}\"", report.sha256);
    assert_eq!(json.header("etag"), Some(tag.as_str()));
    let v1 = format!("{base}/consultations/{}/feedback/v1.json", p.id);
    let numbered = http_get(&v1).await;
    assert_eq!(
        numbered.header("cache-control"),
        Some("public, max-age=31536000, immutable")
    );
    assert_eq!(numbered.body, json.body);
    // A reader holding it asks again and gets nothing to download.
    let again = consult_e2e::http_request("GET", &v1, &[("If-None-Match", &tag)], b"").await;
    assert_eq!(again.status, 304);
    assert!(again.body.is_empty());
    assert_eq!(again.header("etag"), Some(tag.as_str()));
    let stale = consult_e2e::http_request("GET", &v1, &[("If-None-Match", "\"0000\"")], b"").await;
    assert_eq!((stale.status, stale.body.len()), (200, json.body.len()));
    let parsed: serde_json::Value = serde_json::from_slice(&json.body).unwrap();
    assert_eq!(parsed["totals"]["received"], p.submitted);
    assert_eq!(parsed["totals"]["hidden"], 1);
    assert_no_personal_data(&json.text(), "the JSON download");

    let csv = http_get(&format!("{base}/consultations/{}/feedback/v1.csv", p.id)).await;
    assert_eq!(csv.status, 200);
    assert_eq!(
        csv.header("etag"),
        Some(format!("\"{}.csv\"", report.sha256).as_str())
    );
    assert!(csv.header("content-type").unwrap().starts_with("text/csv"));
    assert!(
        csv.header("content-disposition")
            .unwrap()
            .contains("attachment")
    );
    assert_eq!(
        &csv.body[..3],
        b"\xEF\xBB\xBF",
        "CSV starts with a UTF-8 BOM"
    );
    let text = csv.text();
    let rows = text.trim_end().split("\r\n").count();
    assert_eq!(
        rows,
        1 + p.submitted - 1,
        "a header and one row per published comment"
    );
    assert!(text.contains("部分采纳") && text.contains("城东公交乘客协会"));
    assert_no_personal_data(&text, "the CSV download");

    let html = http_get(&format!("{base}/consultations/{}/feedback", p.id)).await;
    assert_eq!(html.status, 200);
    let html = html.text();
    assert!(html.contains("公开征求意见采纳情况的反馈"));
    assert!(html.contains(&report.sha256));
    assert!(html.contains("139****5678"));
    assert_no_personal_data(&html, "the report page");
    let missing = http_get(&format!("{base}/consultations/{}/feedback/v9.html", p.id)).await;
    assert_eq!(missing.status, 404);
    assert_eq!(
        missing.header("cache-control"),
        Some("no-store"),
        "not kept once published"
    );
    assert_eq!(
        http_get(&format!("{base}/consultations/{}/feedback/v1.exe", p.id))
            .await
            .status,
        404
    );

    // The same files over gRPC, streamed in pieces, for systems and tools that do not browse.
    for (format, file) in [
        (pb::ReportFileFormat::Unspecified, "v1.json"),
        (pb::ReportFileFormat::Json, "latest.json"),
        (pb::ReportFileFormat::Csv, "v1.csv"),
        (pb::ReportFileFormat::Html, "v1.html"),
    ] {
        let version = if file.starts_with("latest") {
            "latest"
        } else {
            "1"
        };
        let mut stream = server
            .feedback()
            .download_feedback_report(pb::DownloadFeedbackReportRequest {
                name: format!("{}/feedbackReports/{version}", p.name),
                format: format as i32,
            })
            .await
            .unwrap()
            .into_inner();
        let (mut body, mut pieces) = (Vec::new(), Vec::new());
        while let Some(piece) = stream.message().await.unwrap() {
            assert!(piece.data.len() <= 1 << 20, "a piece of {file} over 1 MiB");
            pieces.push((piece.version, piece.sha256));
            body.extend_from_slice(&piece.data);
        }
        assert_eq!(pieces[0], (1, report.sha256.clone()), "{file}");
        assert!(
            pieces[1..].iter().all(|(v, h)| *v == 0 && h.is_empty()),
            "only the first piece names the version"
        );
        let served = http_get(&format!("{base}/consultations/{}/feedback/{file}", p.id)).await;
        assert!(
            body == served.body,
            "{file} over gRPC differs from the download"
        );
    }
    let download = |name: String, format: i32| {
        let mut feedback = server.feedback();
        async move {
            feedback
                .download_feedback_report(pb::DownloadFeedbackReportRequest { name, format })
                .await
                .map(|_| ())
        }
    };
    let unknown = download(format!("{}/feedbackReports/1", p.name), 9)
        .await
        .unwrap_err();
    assert_eq!(unknown.code(), tonic::Code::InvalidArgument);
    let violations = tonic_types::StatusExt::get_details_bad_request(&unknown).unwrap();
    assert_eq!(violations.field_violations[0].field, "format");
    let missing = download(format!("{}/feedbackReports/9", p.name), 1)
        .await
        .unwrap_err();
    assert_eq!(missing.code(), tonic::Code::NotFound);
    let unpublished = download(format!("{}/feedbackReports/latest", p.draft_name), 1)
        .await
        .unwrap_err();
    assert_eq!(unpublished.code(), tonic::Code::NotFound);
    let malformed = download("consultations/x/reports/1".into(), 1)
        .await
        .unwrap_err();
    assert_eq!(malformed.code(), tonic::Code::InvalidArgument);

    // Receipts: the answer shows after publication; hidden ones say so; forged ones are refused.
    let r = http_get(&format!("{base}/receipt?code={}", p.receipts[5])).await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header("cache-control"),
        Some("private, no-store"),
        "a receipt looked up is one person's"
    );
    let r = r.text();
    assert!(r.contains("未采纳") && r.contains("与线网规划不符"), "{r}");
    let r = http_get(&format!("{base}/receipt?code={}", p.receipts[0])).await;
    let r = r.text();
    assert!(r.contains("部分采纳") && r.contains("139****5678"), "{r}");
    assert_no_personal_data(&r, "a receipt page");
    let r = http_get(&format!("{base}/receipt?code={}", p.hidden_receipt))
        .await
        .text();
    assert!(r.contains("依规不予公开"));
    assert!(
        !r.contains("代开发票"),
        "a hidden comment's text is not public: {r}"
    );
    // Typed as people read it: lower case, no hyphens.
    let typed = p.receipts[0].to_lowercase().replace('-', "");
    let r = http_get(&format!("{base}/receipt?code={typed}")).await;
    assert_eq!(r.status, 200);
    assert!(r.text().contains(p.receipts[0].as_str()));
    assert_eq!(
        http_get(&format!("{base}/receipt?code=ZZZZ-ZZZZ-ZZZZ"))
            .await
            .status,
        404
    );
    let malformed = http_get(&format!("{base}/receipt?code=%3Cscript%3E")).await;
    assert_eq!(malformed.status, 400);
    let malformed = malformed.text();
    assert!(
        malformed.contains("12 位字母和数字") && !malformed.contains("<script>"),
        "{malformed}"
    );
    assert_eq!(http_get(&format!("{base}/receipt")).await.status, 200);
}

pub(crate) fn chromium() -> Option<PathBuf> {
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
}

pub(crate) fn screenshots_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("target")
        .join("screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn chromium_args(profile: &Path) -> Vec<String> {
    [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        "--lang=zh-CN",
    ]
    .iter()
    .map(|s| s.to_string())
    .chain([format!("--user-data-dir={}", profile.display())])
    .collect()
}

/// The DOM after Chromium loaded and laid out `url`, and a screenshot of it.
pub(crate) fn render(browser: &Path, url: &str, shot: &Path) -> String {
    let profile = std::env::temp_dir().join(format!("consult-chromium-{}", rand::random::<u64>()));
    let dom = Command::new(browser)
        .args(chromium_args(&profile))
        .arg("--dump-dom")
        .arg(url)
        .output()
        .expect("run chromium");
    assert!(dom.status.success(), "chromium --dump-dom {url} failed");
    let shot_run = Command::new(browser)
        .args(chromium_args(&profile))
        .arg("--window-size=1280,2400")
        .arg(format!("--screenshot={}", shot.display()))
        .arg(url)
        .output()
        .expect("run chromium");
    assert!(
        shot_run.status.success(),
        "chromium --screenshot {url} failed"
    );
    let _ = std::fs::remove_dir_all(&profile);
    let png = std::fs::read(shot).unwrap();
    assert!(
        png.starts_with(b"\x89PNG"),
        "{} is not a PNG",
        shot.display()
    );
    String::from_utf8(dom.stdout).unwrap()
}

#[tokio::test]
async fn chromium_renders_the_public_pages() {
    let Some(browser) = chromium() else {
        // The browser is installed by .ci/run; CI must never pass without it.
        assert!(
            std::env::var_os("CI").is_none(),
            "CI needs Debian's chromium package (installed by .ci/run)"
        );
        eprintln!("chromium not installed: skipping the browser test (apt-get install chromium)");
        return;
    };
    let server = TestServer::start_at(beijing("2026-03-02 10:00")).await;
    let p = publish_scenario(&server).await;
    let base = server.http.clone();
    let dir = screenshots_dir();
    let id = p.id.clone();
    let pages = tokio::task::spawn_blocking(move || {
        [
            ("list", format!("{base}/")),
            ("consultation", format!("{base}/consultations/{id}")),
            ("report", format!("{base}/consultations/{id}/feedback")),
            ("receipt", format!("{base}/receipt?code={}", p.receipts[3])),
        ]
        .map(|(what, url)| {
            let dom = render(&browser, &url, &dir.join(format!("{what}.png")));
            (what, dom)
        })
    })
    .await
    .unwrap();
    for (what, dom) in &pages {
        assert!(dom.contains("lang=\"zh-CN\""), "{what}: language");
        assert_no_personal_data(dom, what);
    }
    let report = &pages[2].1;
    // Decided: the title no longer carries its （征求意见稿）.
    assert!(report.contains("关于《关于优化城区公交线路的实施方案》公开征求意见采纳情况的反馈"));
    assert!(report.contains("<caption>按渠道统计</caption>"));
    // Counts as rendered: 8 received, 1 hidden, 7 published comment rows.
    assert!(report.contains("共收到意见 <strong>8</strong> 条，公开 7 条，依规不予公开 1 条"));
    assert!(report.contains("公开的意见及答复（共 7 条）"));
    assert!(report.contains("139****5678") && report.contains("w***@example.com"));
    assert!(report.contains("洪府发〔2026〕12号"));
    let receipt = &pages[3].1;
    assert!(
        receipt.contains("110***********002X"),
        "ID masked on the receipt page"
    );
    assert!(
        !receipt.contains("<script"),
        "pages work without JavaScript"
    );
}
