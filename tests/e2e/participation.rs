//! Taking part and reading the outcome as a citizen does: the comment form on an open
//! consultation's page (plain HTTP and in Chromium without JavaScript), the larger-type mode,
//! and a 300-comment report at desktop and phone widths, printed to PDF and checked with
//! axe-core, with screenshots and PDFs under `target/screenshots`.

use chrono::Duration;
use consult_api::pb;
use consult_e2e::browser::{self, Driver, Window};
use consult_e2e::{
    TestServer, authed, beijing, comment, draft, http_get, http_post_form, http_request, token,
};

/// The hidden idempotency key of the form on `page`.
fn form_request_id(page: &str) -> String {
    let at = page
        .find(r#"name="request_id" value=""#)
        .expect("the page has the comment form");
    let rest = &page[at + r#"name="request_id" value=""#.len()..];
    rest[..rest.find('"').unwrap()].to_owned()
}

fn location(r: &consult_e2e::HttpResponse) -> String {
    r.header("location").unwrap_or_default().to_owned()
}

#[tokio::test]
async fn the_comment_form_submits_through_the_portal_path_once_per_form() {
    let server = TestServer::start_with(
        beijing("2026-03-02 10:00"),
        "[site]\nform_rate_limit = { per_second = 0.001, burst = 3 }\n",
    )
    .await;
    let c = crate::published(&server, "关于优化城区停车管理的办法（征求意见稿）").await;
    let id = c.name.trim_start_matches("consultations/").to_owned();
    let base = &server.http;
    let page = http_get(&format!("{base}/consultations/{id}")).await.text();
    assert!(page.contains(&format!(r#"action="/consultations/{id}/comments""#)));
    assert!(page.contains("在线提交意见") && page.contains("不公开"));
    let key = form_request_id(&page);
    assert!(key.starts_with("web-") && key.len() > 20, "{key}");
    // Each rendering has its own key.
    let again = http_get(&format!("{base}/consultations/{id}")).await.text();
    assert_ne!(form_request_id(&again), key);

    let url = format!("{base}/consultations/{id}/comments");
    let fields = [
        ("request_id", key.as_str()),
        (
            "content",
            "建议第五条增加夜间路内停车免费时段，方便老旧小区居民。",
        ),
        ("clause_reference", "第五条"),
        ("submitter_category", "CITIZEN"),
        ("name", "陈晓东"),
        ("contact", "13612345678"),
        ("website", ""),
    ];
    let first = http_post_form(&url, &fields).await;
    assert_eq!(first.status, 303, "{}", first.text());
    let to = location(&first);
    assert!(
        to.starts_with("/receipt?code=") && to.ends_with("&new=1"),
        "{to}"
    );
    let code = to["/receipt?code=".len()..to.len() - "&new=1".len()].to_owned();
    // A double click or a reload sends the same form again: the same comment, not a second.
    let retry = http_post_form(&url, &fields).await;
    assert_eq!(location(&retry), to);
    assert_eq!(server.table_count("comments").await, 1);
    let receipt = http_get(&format!("{base}{to}")).await;
    assert_eq!(receipt.status, 200);
    let receipt = receipt.text();
    assert!(
        receipt.contains("提交成功") && receipt.contains(&code),
        "{receipt}"
    );
    // Stored as a portal comment, its private fields kept out of the public text.
    let looked_up = server
        .comments()
        .lookup_comment(pb::LookupCommentRequest {
            receipt_code: code.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(looked_up.channel, pb::Channel::Portal as i32);
    let stored = server
        .comments()
        .get_comment(authed(
            token::OFFICER_FGW,
            pb::GetCommentRequest {
                name: looked_up.comment.clone(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(stored.submitted_by, "public-site-form");
    assert_eq!(stored.clause_reference, "第五条");
    assert_eq!(stored.submitter.unwrap().name, "陈晓东");
    assert!(!receipt.contains("陈晓东") && !receipt.contains("13612345678"));

    // A script that fills in every field, the hidden one too, is refused and stores nothing.
    let fresh = form_request_id(&http_get(&format!("{base}/consultations/{id}")).await.text());
    let bot = http_post_form(
        &url,
        &[
            ("request_id", fresh.as_str()),
            ("content", "优惠办理停车月卡，详情请访问网站"),
            ("website", "http://spam.example"),
        ],
    )
    .await;
    assert_eq!(bot.status, 400);
    assert!(bot.text().contains("未被受理"));
    assert_eq!(server.table_count("comments").await, 1);

    // An empty opinion is sent back with what to fix, the rest of the form kept.
    let empty = http_post_form(
        &url,
        &[
            ("request_id", fresh.as_str()),
            ("content", "   "),
            ("organization", "城南停车协会"),
        ],
    )
    .await;
    assert_eq!(empty.status, 400);
    let empty = empty.text();
    assert!(
        empty.contains("提交未成功") && empty.contains("意见内容："),
        "{empty}"
    );
    assert!(empty.contains(r#"value="城南停车协会""#));
    assert_eq!(server.table_count("comments").await, 1);

    // Three tries from this address used the burst: the next one waits.
    let limited = http_post_form(
        &url,
        &[
            ("request_id", fresh.as_str()),
            ("content", "建议增加停车位。"),
        ],
    )
    .await;
    assert_eq!(limited.status, 429);
    assert!(limited.header("retry-after").is_some());
    assert!(limited.text().contains("过于频繁"));
    assert_eq!(server.table_count("comments").await, 1);

    // A consultation that does not take comments on the site has no form, and refuses one.
    let mut letters_only = draft("关于地名命名的方案（征求意见稿）");
    letters_only.channels = vec![pb::Channel::Letter as i32];
    let other = crate::published_draft(&server, letters_only).await;
    let other_id = other.name.trim_start_matches("consultations/");
    let other_page = http_get(&format!("{base}/consultations/{other_id}"))
        .await
        .text();
    assert!(!other_page.contains("<form"), "no form without PORTAL");
}

#[tokio::test]
async fn the_larger_type_is_a_link_and_a_cookie() {
    let server = TestServer::start_at(beijing("2026-03-02 10:00")).await;
    let base = &server.http;
    let plain = http_get(&format!("{base}/receipt")).await.text();
    assert!(plain.contains("<body>") && plain.contains("/display?size=large&amp;back=/receipt"));
    let switch = http_get(&format!("{base}/display?size=large&back=/receipt")).await;
    assert_eq!(switch.status, 303);
    assert_eq!(location(&switch), "/receipt");
    let cookie = switch.header("set-cookie").unwrap().to_owned();
    assert!(cookie.starts_with("consult_size=large;"), "{cookie}");
    let large = http_request(
        "GET",
        &format!("{base}/receipt"),
        &[("Cookie", "consult_size=large")],
        b"",
    )
    .await
    .text();
    assert!(large.contains(r#"<body class="large">"#));
    assert!(large.contains("标准字号"));
    // Only a path on this site is a way back.
    for evil in [
        "//evil.example/",
        "https://evil.example/",
        "/\\evil.example",
    ] {
        let r = http_get(&format!(
            "{base}/display?size=large&back={}",
            consult_e2e::form_encode(evil)
        ))
        .await;
        assert_eq!(location(&r), "/", "{evil}");
    }
}

#[tokio::test]
async fn a_citizen_takes_part_in_chromium_without_javascript() {
    if !browser::available() {
        return;
    }
    let server = TestServer::start_at(beijing("2026-03-02 10:00")).await;
    let c = crate::published(&server, "关于优化城区停车管理的办法（征求意见稿）").await;
    let id = c.name.trim_start_matches("consultations/").to_owned();
    let page = format!("{}/consultations/{id}", server.http);
    let driver = Driver::start().await;
    let phone = driver
        .session(Window {
            width: 390,
            height: 844,
            phone: true,
            javascript: false,
        })
        .await;
    phone.goto(&page).await;
    phone
        .type_into("#content", "建议在医院周边增设临时停车位，第五条应写明。")
        .await;
    phone.type_into("#clause", "第五条").await;
    let dir = browser::artefacts_dir();
    phone.screenshot(&dir.join("form-phone.png")).await;
    let url = phone
        .click_and_leave("form.comment button[type=submit]")
        .await;
    assert!(
        url.contains("/receipt?code=") && url.ends_with("&new=1"),
        "{url}"
    );
    let receipt = phone.source().await;
    assert!(receipt.contains("提交成功"), "{receipt}");
    phone.screenshot(&dir.join("form-receipt-phone.png")).await;
    phone.close().await;
    assert_eq!(server.table_count("comments").await, 1);

    // The page with its form passes the accessibility rules.
    let desktop = driver
        .session(Window {
            width: 1280,
            height: 1000,
            phone: false,
            javascript: true,
        })
        .await;
    desktop.goto(&page).await;
    assert_serious_free(&desktop, "consultation with its form").await;
    desktop.close().await;
}

/// No axe-core violation of serious or critical impact.
async fn assert_serious_free(session: &browser::Session, what: &str) {
    let violations = session.axe_violations().await;
    let serious: Vec<_> = violations
        .iter()
        .filter(|v| matches!(v["impact"].as_str(), Some("serious" | "critical")))
        .collect();
    assert!(serious.is_empty(), "{what}: {serious:#?}");
    if !violations.is_empty() {
        eprintln!("{what}: minor axe findings: {violations:?}");
    }
}

/// A tiny deterministic generator, so that the 300 comments are the same in every run.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) % n as u64) as usize
    }
}

const OPENINGS: [&str; 6] = [
    "我是附近小区的居民，",
    "作为每天通勤的上班族，",
    "我家老人经常坐公交，",
    "看了征求意见稿，",
    "",
    "我在城东开小店，",
];
const BODIES: [&str; 8] = [
    "早晚高峰车太挤，等车经常超过二十分钟，希望增加班次。",
    "地铁站出来没有公交接驳，走到最近的站台要十几分钟，下雨天很不方便。",
    "票价不宜上调，低收入群体和老年人出行负担会加重。",
    "部分站台没有雨棚和座椅，老人等车很辛苦，建议统一改造。",
    "线路调整后学校附近的站点被取消了，孩子上学要多走很远。",
    "夜里十点以后基本没有公交，下夜班的人只能打车，成本太高。",
    "建议在电子站牌上显示实时到站时间，方便大家安排出行。",
    "公交专用道经常被社会车辆占用，应当加强执法。",
];
const CLOSINGS: [&str; 5] = [
    "谢谢！",
    "希望能够采纳。",
    "恳请相关部门认真考虑群众的实际困难，尽快拿出切实可行的办法。",
    "",
    "以上意见供参考。",
];

/// A consultation with 300 comments like a city's bus-network consultation: four campaigns of
/// very different sizes answered as concentrated opinions, the rest answered one by one (some
/// adopting the same change), decided and published. Returns its id.
async fn three_hundred_comments(server: &TestServer) -> String {
    let mut d = draft("关于优化城区公交线网的实施方案（征求意见稿）");
    d.kind = pb::ConsultationKind::Plan as i32;
    let c = crate::published_draft(server, d).await;
    let mut rng = Lcg(2026);
    let mut names = Vec::new();
    for i in 0..300 {
        let clause = ["第五条", "第5条", "第 七 条", "", "第十二条"][rng.next(5)];
        let mut text = String::new();
        text.push_str(OPENINGS[rng.next(OPENINGS.len())]);
        for _ in 0..1 + rng.next(3) {
            text.push_str(BODIES[rng.next(BODIES.len())]);
        }
        text.push_str(CLOSINGS[rng.next(CLOSINGS.len())]);
        let mut k = comment(pb::Channel::Portal, &text);
        k.clause_reference = clause.into();
        let saved = server
            .comments()
            .submit_comment(authed(
                token::PORTAL,
                pb::SubmitCommentRequest {
                    parent: c.name.clone(),
                    comment: Some(k),
                    request_id: format!("r300-{i}"),
                    validate_only: false,
                },
            ))
            .await
            .unwrap()
            .into_inner();
        names.push(saved.name);
    }
    server
        .set_time(beijing("2026-04-02 00:00") + Duration::minutes(1))
        .await;
    crate::close(server, &c.name).await;
    let mut feedback = server.feedback();
    let mut next = 0;
    let campaigns = [
        (
            90,
            "增加早晚高峰班次",
            pb::Outcome::Adopted,
            "第五条：早晚高峰发车间隔缩短至8分钟",
            "",
        ),
        (
            45,
            "票价不应上调",
            pb::Outcome::NotAdopted,
            "",
            "票价按成本监审结果确定，另设老年人和低收入群体优惠",
        ),
        (
            25,
            "增开夜班公交",
            pb::Outcome::PartiallyAdopted,
            "第七条：增开3条夜班线路，运营至次日1时",
            "其余线路客流不足，暂不开通",
        ),
        (
            8,
            "取消公交专用道",
            pb::Outcome::OutOfScope,
            "",
            "专用道设置不属于本方案调整范围",
        ),
    ];
    for (size, summary, outcome, adopted, reason) in campaigns {
        let members: Vec<String> = names[next..next + size].to_vec();
        next += size;
        let group = feedback
            .create_opinion_group(authed(
                token::OFFICER_FGW,
                pb::CreateOpinionGroupRequest {
                    parent: c.name.clone(),
                    opinion_group: Some(pb::OpinionGroup {
                        summary: summary.into(),
                        ..Default::default()
                    }),
                    comments: members,
                },
            ))
            .await
            .unwrap()
            .into_inner();
        feedback
            .answer_opinion_group(authed(
                token::OFFICER_FGW,
                pb::AnswerOpinionGroupRequest {
                    name: group.name,
                    disposition: Some(pb::Disposition {
                        outcome: outcome as i32,
                        adopted_content: adopted.into(),
                        reason: reason.into(),
                        ..Default::default()
                    }),
                },
            ))
            .await
            .unwrap();
    }
    let changes = [
        "在地铁站出入口设置公交接驳站",
        "在地铁站出入口设置公交接驳站。",
        "电子站牌显示实时到站时间",
    ];
    let reasons = [
        "该站点客流不足，暂不调整",
        "已纳入下一年度站台改造计划统筹考虑",
        "与轨道交通线路重复，暂不增设",
    ];
    for (i, name) in names[next..].iter().enumerate() {
        let disposition = if i % 3 == 0 {
            pb::Disposition {
                outcome: pb::Outcome::Adopted as i32,
                adopted_content: changes[i % changes.len()].into(),
                ..Default::default()
            }
        } else {
            pb::Disposition {
                outcome: pb::Outcome::NotAdopted as i32,
                reason: reasons[i % reasons.len()].into(),
                ..Default::default()
            }
        };
        server
            .comments()
            .answer_comment(authed(
                token::OFFICER_FGW,
                pb::AnswerCommentRequest {
                    name: name.clone(),
                    disposition: Some(disposition),
                },
            ))
            .await
            .unwrap();
    }
    server.set_time(beijing("2026-04-10 15:00")).await;
    crate::decide_and_publish(
        server,
        &c.name,
        (
            "洪府发〔2026〕30号",
            "关于优化城区公交线网的通知",
            "2026-04-10",
        ),
    )
    .await;
    c.name.trim_start_matches("consultations/").to_owned()
}

#[tokio::test]
async fn a_300_comment_report_reads_on_a_phone_prints_compactly_and_passes_axe() {
    let server = TestServer::start_at(beijing("2026-03-02 10:00")).await;
    // Boxed: the scenario's future is large for the test thread's stack.
    let id = Box::pin(three_hundred_comments(&server)).await;
    let base = server.http.clone();
    let report_url = format!("{base}/consultations/{id}/feedback");

    // The summary first, then the changes grouped by article, each distinct change once.
    let page = http_get(&report_url).await.text();
    let digest = page.find("你们说 · 我们做").expect("the summary");
    assert!(digest < page.find("一、基本情况").unwrap());
    assert!(page.contains("增加早晚高峰班次</a> <span class=\"count\">（90 条）"));
    // 第五条 and 第5条 are one article; the group's change counts its 90 members.
    let changes = &page[page.find("五、根据意见作出的修改").unwrap()..];
    let changes = &changes[..changes.find("六、逐条意见及答复").unwrap()];
    // 40 comments adopted one of three changes (two worded alike) under one of five
    // references: each article lists each change once.
    for article in changes.split("<h3>").skip(1) {
        assert!(
            article.matches("在地铁站出入口设置公交接驳站").count() <= 1,
            "{article}"
        );
    }
    let listed = changes.matches("<li>").count();
    assert!(listed <= 4 * 2 + 2, "{listed} lines for 42 adopted answers");
    assert!(!changes.contains("第5条") && !changes.contains("第 七 条"));
    // The group's change names its article in its text: it counts there, most asked first.
    let first_article = changes.find("<h3>").unwrap();
    assert!(
        changes[first_article..].starts_with("<h3>第五条"),
        "most-asked first: {changes}"
    );
    // A grouped comment points to its group's answer instead of repeating it: the answer is
    // in the group table, the summary and the changes, not on each of the 90 members.
    assert!(page.contains("同集中意见："));
    // Under its article's heading a change does not name the article again.
    assert!(
        page.contains("<strong>第五条</strong>：早晚高峰发车间隔缩短至8分钟"),
        "{page}"
    );
    assert!(!changes.contains("】第五条："), "{changes}");
    assert!(page.matches("早晚高峰发车间隔缩短至8分钟").count() <= 3);

    if !browser::available() {
        return;
    }
    Box::pin(report_in_chromium(&base, &id, &report_url)).await;
}

/// The 300-comment report as Chromium shows, prints and checks it at 1280 and 390 px.
async fn report_in_chromium(base: &str, id: &str, report_url: &str) {
    let dir = browser::artefacts_dir();
    let driver = Driver::start().await;
    let desktop = driver
        .session(Window {
            width: 1280,
            height: 2400,
            phone: false,
            javascript: true,
        })
        .await;
    desktop.goto(report_url).await;
    desktop.screenshot(&dir.join("report-300-1280.png")).await;
    assert_serious_free(&desktop, "report page").await;
    for (what, path) in [
        ("list", "/".to_owned()),
        ("consultation", format!("/consultations/{id}")),
        ("receipt lookup", "/receipt".to_owned()),
    ] {
        desktop.goto(&format!("{base}{path}")).await;
        assert_serious_free(&desktop, what).await;
    }
    // The whole report printed on A4: at most a page per 25 comments.
    desktop.goto(&format!("{report_url}/v1.html")).await;
    let pdf = desktop.print_a4().await;
    std::fs::write(dir.join("report-300.pdf"), &pdf).unwrap();
    let pages = browser::pdf_pages(&pdf);
    eprintln!("300 comments print on {pages} A4 pages");
    assert!(pages > 0 && pages <= 300 / 25, "{pages} pages");
    desktop.close().await;

    let phone = driver
        .session(Window {
            width: 390,
            height: 844,
            phone: true,
            javascript: true,
        })
        .await;
    phone.goto(report_url).await;
    phone.screenshot(&dir.join("report-300-390.png")).await;
    let layout = phone
        .execute(
            "const row = document.querySelector('table.answers tbody tr');
             const small = [...document.querySelectorAll('header nav a, nav.pages a, p.downloads a, button')]
               .filter(e => e.offsetParent !== null)
               .filter(e => e.getBoundingClientRect().height < 44)
               .map(e => e.outerHTML);
             return { row: getComputedStyle(row).display,
                      overflow: document.documentElement.scrollWidth - window.innerWidth,
                      small };",
            serde_json::json!([]),
        )
        .await;
    assert_eq!(layout["row"], "block", "each comment is a card: {layout}");
    assert!(
        layout["overflow"].as_i64().unwrap() <= 0,
        "no sideways scrolling: {layout}"
    );
    assert_eq!(
        layout["small"].as_array().unwrap().len(),
        0,
        "tap targets of 44 px: {layout}"
    );
    assert_serious_free(&phone, "report page on a phone").await;
    phone.close().await;
}
