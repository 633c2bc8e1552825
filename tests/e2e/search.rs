//! Officers search a consultation's comments: phrases through the trigram index, one- and
//! two-character words by reading the consultation, every filter combined, paged; on SQLite
//! and, with `CONSULT_E2E_DATABASE_URL`, PostgreSQL.

use consult_api::pb;
use consult_e2e::{TestServer, assert_status, authed, beijing, comment, consultctl, token};
use tonic::Code;

use crate::published;

/// What the test comments say: a campaign phrase, a rebuttal quoting it, unrelated texts.
fn text_of(i: usize) -> String {
    match i % 6 {
        0 => format!("强烈建议延长过渡期至六个月，第{i}号意见"),
        1 => format!("反对延长过渡期，现行三个月足够，编号{i}"),
        2 => format!("票价应当下调，地铁与公交换乘优惠，编号{i}"),
        3 => format!("Metro fares should fall by 50% ({i})"),
        4 => format!("希望增加夜班公交线路{i}"),
        _ => format!("其他意见：停车收费{i}"),
    }
}

async fn search(
    server: &TestServer,
    parent: &str,
    query: &str,
    channel: pb::Channel,
    page_size: i32,
) -> Vec<String> {
    let mut client = server.comments();
    let mut found = Vec::new();
    let mut page_token = String::new();
    loop {
        let page = client
            .list_comments(authed(
                token::OFFICER_FGW,
                pb::ListCommentsRequest {
                    parent: parent.to_owned(),
                    page_size,
                    page_token: page_token.clone(),
                    channel: channel as i32,
                    query: query.to_owned(),
                    ..Default::default()
                },
            ))
            .await
            .unwrap()
            .into_inner();
        found.extend(page.comments.into_iter().map(|c| c.content));
        if page.next_page_token.is_empty() {
            return found;
        }
        page_token = page.next_page_token;
    }
}

#[tokio::test]
async fn search_finds_phrases_and_short_words_with_every_filter_and_nothing_that_is_absent() {
    // A small consultation: its comments are read one by one.
    finds_what_it_should(TestServer::start_at(beijing("2026-03-02 10:00")).await).await;
}

#[tokio::test]
async fn search_through_the_trigram_index_finds_the_same() {
    // On SQLite, the index is walked whenever comments pass the other filters.
    let settings = format!(
        "search_reads_filtered_below = 0\n{}",
        consult_e2e::UNLIMITED
    );
    finds_what_it_should(TestServer::start_with(beijing("2026-03-02 10:00"), &settings).await)
        .await;
}

async fn finds_what_it_should(server: TestServer) {
    let c = published(&server, "公共交通票价调整方案（征求意见稿）").await;
    // Another consultation saying the same: never in this one's results.
    let other = published(&server, "另一份方案（征求意见稿）").await;
    let mut client = server.comments();
    let mut submitted = Vec::new();
    for i in 0..120 {
        let (tok, channel) = if i % 4 == 0 {
            (token::HOTLINE, pb::Channel::Hotline12345)
        } else {
            (token::PORTAL, pb::Channel::Portal)
        };
        let text = text_of(i);
        client
            .submit_comment(authed(
                tok,
                pb::SubmitCommentRequest {
                    parent: c.name.clone(),
                    comment: Some(comment(channel, &text)),
                    request_id: format!("search-{i}"),
                    validate_only: false,
                },
            ))
            .await
            .unwrap();
        submitted.push((text, channel));
    }
    client
        .submit_comment(authed(
            token::PORTAL,
            pb::SubmitCommentRequest {
                parent: other.name.clone(),
                comment: Some(comment(pb::Channel::Portal, &text_of(0))),
                request_id: "other".into(),
                validate_only: false,
            },
        ))
        .await
        .unwrap();

    let expect = |words: &[&str], channel: pb::Channel| -> Vec<String> {
        submitted
            .iter()
            .filter(|(t, ch)| {
                let folded = t.to_lowercase();
                words.iter().all(|w| folded.contains(&w.to_lowercase()))
                    && (channel == pb::Channel::Unspecified || *ch == channel)
            })
            .map(|(t, _)| t.clone())
            .collect()
    };
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    for (query, words) in [
        // A phrase: the campaign and the rebuttal quoting it.
        ("延长过渡期", vec!["延长过渡期"]),
        // Two words, both required, one of them too short for trigrams.
        ("延长过渡期 反对", vec!["延长过渡期", "反对"]),
        // Two characters alone: a scan, not an empty answer.
        ("票价", vec!["票价"]),
        ("夜", vec!["夜"]),
        // Case aside, and a wildcard character taken literally.
        ("METRO", vec!["metro"]),
        ("50%", vec!["50%"]),
        ("50_", vec!["50_"]),
    ] {
        for channel in [pb::Channel::Unspecified, pb::Channel::Hotline12345] {
            let expected = expect(&words, channel);
            let found = search(&server, &c.name, query, channel, 7).await;
            assert_eq!(
                sorted(found.clone()),
                sorted(expected.clone()),
                "query {query:?}, channel {channel:?}"
            );
            assert_eq!(
                found.len(),
                found
                    .iter()
                    .collect::<std::collections::BTreeSet<_>>()
                    .len(),
                "a page repeated a comment for {query:?}"
            );
            if query != "50_" && channel == pb::Channel::Unspecified {
                assert!(!expected.is_empty(), "the fixture has {query:?}");
            }
        }
    }
    // Absent text, long or short, finds nothing, and says so without an error.
    for absent in ["城市更新条例", "猫", "延长过渡期 城市更新"] {
        assert!(
            search(&server, &c.name, absent, pb::Channel::Unspecified, 50)
                .await
                .is_empty(),
            "{absent}"
        );
    }

    // A query of 10,000 characters is refused naming the field.
    let refused = client
        .list_comments(authed(
            token::OFFICER_FGW,
            pb::ListCommentsRequest {
                parent: c.name.clone(),
                query: "延".repeat(10_000),
                ..Default::default()
            },
        ))
        .await;
    assert_status(refused, Code::InvalidArgument, "query");
    // A page token of one search does not continue another.
    let first = client
        .list_comments(authed(
            token::OFFICER_FGW,
            pb::ListCommentsRequest {
                parent: c.name.clone(),
                page_size: 2,
                query: "延长过渡期".into(),
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert!(!first.next_page_token.is_empty());
    let other_search = client
        .list_comments(authed(
            token::OFFICER_FGW,
            pb::ListCommentsRequest {
                parent: c.name.clone(),
                page_size: 2,
                page_token: first.next_page_token,
                query: "票价".into(),
                ..Default::default()
            },
        ))
        .await;
    assert_status(other_search, Code::InvalidArgument, "page_token");

    // consultctl searches the same way.
    let id = c.name.trim_start_matches("consultations/");
    let run = consultctl(
        &server.grpc,
        Some(token::OFFICER_FGW),
        &[
            "comment",
            "list",
            id,
            "--search",
            "反对 延长过渡期",
            "--all",
            "-o",
            "json",
        ],
    )
    .await
    .expect(0)
    .json();
    let listed: Vec<String> = run
        .as_array()
        .expect("a list")
        .iter()
        .map(|c| c["content"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(
        sorted(listed),
        sorted(expect(&["反对", "延长过渡期"], pb::Channel::Unspecified))
    );
}

#[tokio::test]
async fn postgres_with_the_c_character_type_is_refused_at_start_up() {
    use sea_orm::{ConnectionTrait, Database};

    // Only PostgreSQL has a character type; the SQLite pass has nothing to check here.
    let Ok(admin_url) = std::env::var("CONSULT_E2E_DATABASE_URL") else {
        return;
    };
    if !consult_e2e::suite_on_postgres() {
        return;
    }
    let name = format!("consult_e2e_ctype_{:016x}", rand::random::<u64>());
    let admin = Database::connect(&admin_url).await.unwrap();
    admin
        .execute_unprepared(&format!(
            "CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'"
        ))
        .await
        .unwrap();
    let url = format!("{}/{name}", admin_url.rsplit_once('/').unwrap().0);
    let config = consult_e2e::write_config("");
    let (code, said) = consult_e2e::consultd_run(&[
        "--listen",
        "127.0.0.1:0",
        "--http-listen",
        "127.0.0.1:0",
        "--config",
        config.to_str().unwrap(),
        "--database-url",
        &url,
    ])
    .await;
    let db = Database::connect(&url).await.unwrap();
    let tables = db
        .query_all_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Postgres,
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'",
        ))
        .await
        .unwrap()
        .len();
    db.close().await.unwrap();
    admin
        .execute_unprepared(&format!("DROP DATABASE {name}"))
        .await
        .unwrap();
    assert_ne!(code, 0, "{said}");
    assert!(
        said.contains("LC_CTYPE") && said.contains("C.UTF-8"),
        "{said}"
    );
    assert_eq!(tables, 0, "refused before migrating: {said}");
}
