//! The `consultctl` binary against a running `consultd`: a whole consultation from the command
//! line, answers files with bad rows, and the exit codes and messages scripts rely on.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use consult_api::pb;
use consult_e2e::{CtlRun, TestServer, authed, beijing, comment, consultctl, http_get, token};

const OPENED: &str = "2026-03-02 10:00";
const AFTER_WINDOW: &str = "2026-04-02 09:00";

/// A fresh directory for one test's files.
pub(crate) fn workdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("consult-e2e-{name}-{}", rand::random::<u64>()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn ctl(server: &TestServer, args: &[&str]) -> CtlRun {
    consultctl(&server.grpc, Some(token::OFFICER_FGW), args).await
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Creates and publishes a consultation from a TOML file through the CLI; returns its id.
async fn create_and_publish(server: &TestServer, dir: &Path, title: &str) -> String {
    std::fs::write(
        dir.join("草案.txt"),
        "第一条 为进一步优化营商环境，制定本措施。\n第五条 过渡期为三个月。\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("draft.toml"),
        format!(
            "title = \"{title}\"\nkind = \"规章\"\ndraft_file = \"草案.txt\"\nbasis = \"《优化营商环境条例》\"\nchannels = [\"portal\", \"wechat\", \"hotline_12345\", \"letter\"]\n"
        ),
    )
    .unwrap();
    let created = ctl(
        server,
        &[
            "consultation",
            "create",
            "--file",
            path(&dir.join("draft.toml")),
            "-o",
            "json",
        ],
    )
    .await
    .expect(0)
    .json();
    assert_eq!(created["title"], title);
    assert_eq!(created["state"], "CONSULTATION_STATE_DRAFT");
    assert!(
        created["draftText"]
            .as_str()
            .unwrap()
            .contains("过渡期为三个月")
    );
    let id = created["name"]
        .as_str()
        .unwrap()
        .trim_start_matches("consultations/")
        .to_owned();
    let published = ctl(server, &["consultation", "publish", &id])
        .await
        .expect(0);
    assert!(published.stdout.contains("已发布"), "{published:?}");
    id
}

/// Submits `n` comments over gRPC from three channels, 16 at a time; returns their names.
async fn submit_many(server: &TestServer, id: &str, n: usize) -> Vec<String> {
    let next = Arc::new(AtomicUsize::new(0));
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..16 {
        let next = next.clone();
        let parent = format!("consultations/{id}");
        let mut client = server.comments();
        workers.spawn(async move {
            let mut saved = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n {
                    break;
                }
                let (caller, channel) = match i % 3 {
                    0 => (token::PORTAL, pb::Channel::Portal),
                    1 => (token::WECHAT, pb::Channel::Wechat),
                    _ => (token::HOTLINE, pb::Channel::Hotline12345),
                };
                let mut c = comment(channel, &format!("第{i}条意见：建议将过渡期延长至六个月"));
                c.clause_reference = if i.is_multiple_of(2) {
                    "第五条"
                } else {
                    "第一条"
                }
                .into();
                let saved_comment = client
                    .submit_comment(authed(
                        caller,
                        pb::SubmitCommentRequest {
                            parent: parent.clone(),
                            comment: Some(c),
                            request_id: format!("ctl-{i}"),
                            validate_only: false,
                        },
                    ))
                    .await
                    .unwrap()
                    .into_inner();
                saved.push((i, saved_comment.name));
            }
            saved
        });
    }
    let mut names = vec![String::new(); n];
    while let Some(done) = workers.join_next().await {
        for (i, name) in done.unwrap() {
            names[i] = name;
        }
    }
    names
}

async fn progress(server: &TestServer, id: &str) -> pb::AnsweringProgress {
    server
        .feedback()
        .get_answering_progress(authed(
            token::OFFICER_FGW,
            pb::GetAnsweringProgressRequest {
                name: format!("consultations/{id}"),
            },
        ))
        .await
        .unwrap()
        .into_inner()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_whole_consultation_from_the_command_line() {
    const N: usize = 5000;
    let server = TestServer::start_at(beijing(OPENED)).await;
    let dir = workdir("ctl-whole");

    let me = ctl(&server, &["whoami", "-o", "json"])
        .await
        .expect(0)
        .json();
    assert_eq!(me["principal"], "officer-fgw");
    assert_eq!(me["role"], "PRINCIPAL_ROLE_OFFICER");
    assert_eq!(me["department"], "fgw");
    let me = ctl(&server, &["whoami"]).await.expect(0);
    assert!(me.stdout.contains("承办部门工作人员"), "{me:?}");

    let id = create_and_publish(
        &server,
        &dir,
        "关于促进民营经济发展的若干措施（征求意见稿）",
    )
    .await;
    let listed = ctl(&server, &["consultation", "list", "--state", "征求意见中"])
        .await
        .expect(0);
    assert!(
        listed.stdout.contains("关于促进民营经济发展的若干措施"),
        "{listed:?}"
    );
    assert!(listed.stdout.contains(&id));

    let submitted = Instant::now();
    let names = submit_many(&server, &id, N).await;
    eprintln!("submitted {N} comments in {:?}", submitted.elapsed());

    // No early close: refused by a rule, exit code 4, with the rule named.
    let early = ctl(&server, &["consultation", "close", &id])
        .await
        .expect(4);
    assert!(early.stderr.contains("NO_EARLY_CLOSE"), "{early:?}");

    server.set_time(beijing(AFTER_WINDOW)).await;
    let closed = ctl(&server, &["consultation", "close", &id])
        .await
        .expect(0);
    assert!(closed.stdout.contains("已截止"), "{closed:?}");

    // The gate is not passed yet: exit 4 and what is missing.
    let gate = ctl(&server, &["gate", "check", &id]).await.expect(4);
    assert!(gate.stdout.contains("尚不满足上会前置条件"), "{gate:?}");
    assert!(gate.stdout.contains(&N.to_string()), "{gate:?}");

    // Filters: the hotline's comments about 第五条.
    let filtered = ctl(
        &server,
        &[
            "comment",
            "list",
            &id,
            "--channel",
            "12345热线",
            "--clause",
            "第五条",
            "--all",
            "-o",
            "json",
        ],
    )
    .await
    .expect(0)
    .json();
    let expected = (0..N).filter(|i| i % 3 == 2 && i % 2 == 0).count();
    assert_eq!(filtered.as_array().unwrap().len(), expected);

    // Export the comments, fill the outcome column as an officer would, import it back.
    let exported = dir.join("意见.csv");
    ctl(
        &server,
        &["comment", "export", &id, "--out", path(&exported)],
    )
    .await
    .expect(0);
    let text = std::fs::read_to_string(&exported).unwrap();
    assert!(text.starts_with('\u{feff}'));
    let mut reader =
        csv::ReaderBuilder::new().from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let head = reader.headers().unwrap().clone();
    assert_eq!(&head[0], "意见编号");
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), N);
    let mut answers = String::from("意见编号,采纳情况,理由,采纳内容\n");
    let mut expected_outcomes = std::collections::BTreeMap::<&str, i64>::new();
    let mut outcome_of = std::collections::HashMap::new();
    for (i, r) in rows.iter().enumerate() {
        let (outcome, reason, adopted) = match i % 4 {
            0 => ("采纳", "", ""),
            1 => ("未采纳", "与上位法规定不一致", ""),
            2 => ("部分采纳", "过渡期不宜超过六个月", "第五条过渡期改为六个月"),
            _ => ("不属于征求意见范围", "属于其他部门职责", ""),
        };
        *expected_outcomes.entry(outcome).or_default() += 1;
        outcome_of.insert(r[0].to_owned(), (i % 4, reason));
        answers.push_str(&format!("{},{outcome},{reason},{adopted}\n", &r[0]));
    }
    let answers_file = dir.join("答复.csv");
    std::fs::write(&answers_file, &answers).unwrap();

    let dry = ctl(
        &server,
        &["answer", "csv", &id, path(&answers_file), "--dry-run"],
    )
    .await
    .expect(0);
    assert!(dry.stdout.contains("检查通过"), "{dry:?}");
    assert_eq!(
        progress(&server, &id).await.answered,
        0,
        "a dry run writes nothing"
    );
    assert_eq!(server.table_count("disposition_revisions").await, 0);

    let started = Instant::now();
    let done = ctl(
        &server,
        &["answer", "csv", &id, path(&answers_file), "-o", "json"],
    )
    .await
    .expect(0)
    .json();
    eprintln!("answered {N} rows from CSV in {:?}", started.elapsed());
    assert_eq!(done["written"], N);
    assert_eq!(done["unanswered"], 0);
    let p = progress(&server, &id).await;
    assert_eq!((p.answered, p.unanswered), (N as i64, 0));
    for c in &p.by_outcome {
        assert_eq!(
            Some(&c.count),
            expected_outcomes.get(c.label.as_str()),
            "{c:?}"
        );
    }
    // Spot-check one answer on the server.
    let one = server
        .comments()
        .get_comment(authed(
            token::OFFICER_FGW,
            pb::GetCommentRequest {
                name: names[1].clone(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    let d = one.disposition.unwrap();
    let (kind, reason) = outcome_of[names[1].rsplit('/').next().unwrap()];
    let outcome = [
        pb::Outcome::Adopted,
        pb::Outcome::NotAdopted,
        pb::Outcome::PartiallyAdopted,
        pb::Outcome::OutOfScope,
    ][kind];
    assert_eq!((d.outcome, d.reason.as_str()), (outcome as i32, reason));

    ctl(&server, &["gate", "check", &id]).await.expect(0);
    ctl(&server, &["gate", "pass", &id]).await.expect(0);
    let decided = ctl(
        &server,
        &[
            "decision",
            "record",
            &id,
            "--number",
            "洪府发〔2026〕12号",
            "--title",
            "关于促进民营经济发展的若干措施",
            "--date",
            "2026-04-02",
        ],
    )
    .await
    .expect(0);
    assert!(decided.stdout.contains("前公开反馈"), "{decided:?}");
    let due = ctl(&server, &["due", "--within", "60", "-o", "json"])
        .await
        .expect(0)
        .json();
    assert!(
        due["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["consultation"] == format!("consultations/{id}"))
    );

    let preview = ctl(&server, &["report", "preview", &id]).await.expect(0);
    assert!(preview.stdout.contains("预览稿"), "{preview:?}");
    let published = ctl(&server, &["report", "publish", &id, "-o", "json"])
        .await
        .expect(0)
        .json();
    assert_eq!(published["version"], 1);
    let sha = published["sha256"].as_str().unwrap().to_owned();

    // Every export equals what the public pages serve, byte for byte.
    for (format, file) in [("json", "v1.json"), ("csv", "v1.csv"), ("html", "v1.html")] {
        let out = dir.join(file);
        ctl(
            &server,
            &[
                "report",
                "export",
                &id,
                "--format",
                format,
                "--out",
                path(&out),
            ],
        )
        .await
        .expect(0);
        let local = std::fs::read(&out).unwrap();
        let served = http_get(&format!(
            "{}/consultations/{id}/feedback/{file}",
            server.http
        ))
        .await;
        assert_eq!(served.status, 200);
        assert!(
            local == served.body,
            "the exported {format} differs from the public page's"
        );
    }
    let json = std::fs::read(dir.join("v1.json")).unwrap();
    use sha2::Digest;
    assert_eq!(hex::encode(sha2::Sha256::digest(&json)), sha);
    let report: serde_json::Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(report["totals"]["received"], N);

    // A correction is a second version; the first stays exportable and unchanged.
    ctl(
        &server,
        &["report", "correct", &id, "--reason", "更正决策文件标题"],
    )
    .await
    .expect(0);
    let versions = ctl(&server, &["report", "versions", &id]).await.expect(0);
    assert!(
        versions.stdout.contains("第2版") && versions.stdout.contains("更正决策文件标题"),
        "{versions:?}"
    );
    let again = dir.join("again-v1.json");
    ctl(
        &server,
        &[
            "report",
            "export",
            &id,
            "--version",
            "1",
            "--out",
            path(&again),
        ],
    )
    .await
    .expect(0);
    assert_eq!(std::fs::read(&again).unwrap(), json);

    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_answers_file_is_reported_row_by_row_and_nothing_is_written() {
    let server = TestServer::start_at(beijing(OPENED)).await;
    let dir = workdir("ctl-bad");
    let id = create_and_publish(&server, &dir, "关于调整公交线路的方案（征求意见稿）").await;
    let names = submit_many(&server, &id, 6).await;
    let short: Vec<&str> = names
        .iter()
        .map(|n| n.rsplit('/').next().unwrap())
        .collect();
    server.set_time(beijing(AFTER_WINDOW)).await;
    ctl(&server, &["consultation", "close", &id])
        .await
        .expect(0);
    let hidden = ctl(
        &server,
        &[
            "comment", "hide", &id, short[3], "--reason", "abuse", "--note", "辱骂",
        ],
    )
    .await
    .expect(0);
    assert!(hidden.stdout.contains("辱骂攻击"), "{hidden:?}");

    // Line 2 unknown id, 3 no reason, 4 typo, 5 hidden comment, 6 fine.
    let bad = format!(
        "\u{feff}意见编号,采纳情况,理由\r\n01ZZZZZZZZZZZZZZZZZZZZZZZZ,采纳,\r\n{},未采纳,\r\n{},采纲,\r\n{},采纳,\r\n{},采纳,\r\n",
        short[0], short[1], short[3], short[4]
    );
    let file = dir.join("bad.csv");
    std::fs::write(&file, bad).unwrap();
    let run = ctl(&server, &["answer", "csv", &id, path(&file)])
        .await
        .expect(2);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 5, "a header and four problem rows: {run:?}");
    assert!(
        lines[1].trim_start().starts_with("2 ") && lines[1].contains("NOT_FOUND"),
        "{run:?}"
    );
    assert!(
        lines[2].trim_start().starts_with("3 ") && lines[2].contains("未采纳须填写理由"),
        "{run:?}"
    );
    assert!(
        lines[3].trim_start().starts_with("4 ") && lines[3].contains("采纲"),
        "{run:?}"
    );
    assert!(
        lines[4].trim_start().starts_with("5 ") && lines[4].contains(short[3]),
        "{run:?}"
    );
    assert!(run.stderr.contains("未写入任何数据"), "{run:?}");
    assert_eq!(progress(&server, &id).await.answered, 0);
    assert_eq!(server.table_count("disposition_revisions").await, 0);

    // The same as JSON; refusals by rules only exit with 4.
    let rules_only = format!(
        "id,outcome,reason\n01ZZZZZZZZZZZZZZZZZZZZZZZZ,adopted,\n{},adopted,\n",
        short[3]
    );
    std::fs::write(&file, rules_only).unwrap();
    let run = ctl(&server, &["answer", "csv", &id, path(&file), "-o", "json"])
        .await
        .expect(4)
        .json();
    let problems = run["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 2);
    assert_eq!(problems[0]["line"], 2);
    assert_eq!(problems[0]["rule"], "NOT_FOUND");
    assert_eq!(problems[1]["line"], 3);
    assert_eq!(run["written"], 0);

    // A GBK file, as saved by a spreadsheet program on Chinese Windows, is read as such.
    let good = format!(
        "意见编号,采纳情况,理由\r\n{},未采纳,与上位法规定不一致\r\n{},采纳,\r\n",
        short[0], short[1]
    );
    let (gbk, _, _) = encoding_rs::GBK.encode(&good);
    std::fs::write(&file, &gbk).unwrap();
    let strict = ctl(
        &server,
        &["answer", "csv", &id, path(&file), "--encoding", "utf8"],
    )
    .await
    .expect(2);
    assert!(strict.stderr.contains("UTF-8"), "{strict:?}");
    assert_eq!(progress(&server, &id).await.answered, 0);
    let run = ctl(&server, &["answer", "csv", &id, path(&file)])
        .await
        .expect(0);
    assert!(run.stderr.contains("GBK"), "{run:?}");
    assert!(run.stdout.contains("已写入 2 条答复"), "{run:?}");
    let one = server
        .comments()
        .get_comment(authed(
            token::OFFICER_FGW,
            pb::GetCommentRequest {
                name: names[0].clone(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(one.disposition.unwrap().reason, "与上位法规定不一致");

    // Lists filter by answering status.
    for (status, count) in [
        ("hidden", 1),
        ("answered", 2),
        ("unanswered", 3),
        ("visible", 5),
    ] {
        let listed = ctl(
            &server,
            &["comment", "list", &id, "--status", status, "-o", "json"],
        )
        .await
        .expect(0)
        .json();
        assert_eq!(listed.as_array().unwrap().len(), count, "status {status}");
    }
    // A list cut at its limit says that more match and how to see them; a whole one does not.
    let cut = ctl(
        &server,
        &[
            "comment", "list", &id, "--status", "visible", "--limit", "2", "-o", "json",
        ],
    )
    .await
    .expect(0);
    assert_eq!(cut.json().as_array().unwrap().len(), 2);
    assert!(
        cut.stderr.contains("仅显示前 2 条") && cut.stderr.contains("--all"),
        "{cut:?}"
    );
    for whole in [
        vec![
            "comment", "list", &id, "--status", "visible", "--limit", "5",
        ],
        vec!["comment", "list", &id, "--status", "visible", "--all"],
    ] {
        let run = ctl(&server, &whole).await.expect(0);
        assert!(!run.stderr.contains("仅显示前"), "{whole:?}: {run:?}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exit_codes_and_messages_scripts_rely_on() {
    let server = TestServer::start_at(beijing(OPENED)).await;

    // Not found: 3, with the resource named.
    let missing = ctl(
        &server,
        &["consultation", "show", "01ZZZZZZZZZZZZZZZZZZZZZZZZ"],
    )
    .await
    .expect(3);
    assert!(
        missing.stderr.contains("未找到") && missing.stderr.contains("01ZZZZZZZZZZZZZZZZZZZZZZZZ"),
        "{missing:?}"
    );
    // No credential: 5.
    let anonymous = consultctl(&server.grpc, None, &["whoami"]).await.expect(5);
    assert!(anonymous.stderr.contains("身份未认证"), "{anonymous:?}");
    // Another department's officer: 5.
    let dir = workdir("ctl-codes");
    let id = create_and_publish(&server, &dir, "关于调整停车收费标准的方案").await;
    let other = consultctl(
        &server.grpc,
        Some(token::OFFICER_JTJ),
        &["consultation", "withdraw", &id, "--reason", "测试"],
    )
    .await
    .expect(5);
    assert!(other.stderr.contains("无权办理"), "{other:?}");
    // Bad input caught locally, and by the server: 2, naming the field.
    let typo = ctl(&server, &["comment", "list", &id, "--channel", "网站"])
        .await
        .expect(2);
    assert!(typo.stderr.contains("渠道“网站”无法识别"), "{typo:?}");
    let empty_reason = ctl(
        &server,
        &[
            "consultation",
            "extend",
            &id,
            "--until",
            "2026-05-01",
            "--reason",
            "",
        ],
    )
    .await
    .expect(2);
    assert!(
        empty_reason.stderr.contains("字段 reason"),
        "{empty_reason:?}"
    );
    // Usage: 2.
    ctl(&server, &["consultation", "frobnicate"])
        .await
        .expect(2);
    // Unreachable: 6.
    let closed_port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let down = consultctl(
        &format!("http://127.0.0.1:{closed_port}"),
        Some(token::OFFICER_FGW),
        &["whoami"],
    )
    .await
    .expect(6);
    assert!(down.stderr.contains("无法连接服务器"), "{down:?}");
    // Completions need no server.
    let completions = consultctl(
        &format!("http://127.0.0.1:{closed_port}"),
        None,
        &["completions", "bash"],
    )
    .await
    .expect(0);
    assert!(
        completions.stdout.contains("consultctl") && completions.stdout.contains("consultation")
    );
    // Help teaches with examples.
    let help = ctl(&server, &["answer", "csv", "--help"]).await.expect(0);
    assert!(
        help.stdout.contains("示例") && help.stdout.contains("--dry-run"),
        "{help:?}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn groups_and_single_answers_from_the_command_line() {
    let server = TestServer::start_at(beijing(OPENED)).await;
    let dir = workdir("ctl-groups");
    let id = create_and_publish(&server, &dir, "关于夜间施工管理的规定（征求意见稿）").await;
    let names = submit_many(&server, &id, 9).await;
    let short: Vec<&str> = names
        .iter()
        .map(|n| n.rsplit('/').next().unwrap())
        .collect();
    server.set_time(beijing(AFTER_WINDOW)).await;
    ctl(&server, &["consultation", "close", &id])
        .await
        .expect(0);

    let group = ctl(
        &server,
        &[
            "group",
            "create",
            &id,
            "--summary",
            "建议限制夜间施工",
            short[0],
            short[1],
            "-o",
            "json",
        ],
    )
    .await
    .expect(0)
    .json();
    assert_eq!(group["memberCount"], 2);
    let gid = group["name"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    let added = ctl(&server, &["group", "add", &id, &gid, short[2], short[3]])
        .await
        .expect(0);
    assert!(added.stdout.contains("现有 4 条"), "{added:?}");
    let removed = ctl(
        &server,
        &["group", "remove", &id, &format!("g:{gid}"), short[3]],
    )
    .await
    .expect(0);
    assert!(removed.stdout.contains("现有 3 条"), "{removed:?}");
    ctl(
        &server,
        &[
            "group",
            "summary",
            &id,
            &gid,
            "--summary",
            "建议夜间22时后禁止施工",
        ],
    )
    .await
    .expect(0);
    // 部分采纳 needs what was adopted.
    let incomplete = ctl(
        &server,
        &[
            "answer",
            "group",
            &id,
            &gid,
            "--outcome",
            "部分采纳",
            "--reason",
            "理由",
        ],
    )
    .await
    .expect(2);
    assert!(
        incomplete.stderr.contains("adopted_content"),
        "{incomplete:?}"
    );
    ctl(
        &server,
        &[
            "answer",
            "group",
            &id,
            &gid,
            "--outcome",
            "部分采纳",
            "--adopted",
            "第三条增加夜间施工时段限制",
            "--reason",
            "应急抢修除外",
        ],
    )
    .await
    .expect(0);
    ctl(
        &server,
        &[
            "answer",
            "comment",
            &id,
            short[3],
            "--outcome",
            "未采纳",
            "--reason",
            "与上位法规定不一致",
        ],
    )
    .await
    .expect(0);
    ctl(
        &server,
        &["answer", "comment", &id, short[3], "--outcome", "采纳"],
    )
    .await
    .expect(0);
    let revisions = ctl(
        &server,
        &["comment", "revisions", &id, short[3], "-o", "json"],
    )
    .await
    .expect(0)
    .json();
    assert_eq!(revisions["revisions"].as_array().unwrap().len(), 2);
    // Everything else still unanswered, by filter.
    let bulk = ctl(
        &server,
        &[
            "answer",
            "filter",
            &id,
            "--only-unanswered",
            "--outcome",
            "不属于征求意见范围",
            "--reason",
            "属于物业管理事项",
        ],
    )
    .await
    .expect(0);
    assert!(bulk.stdout.contains("已答复 5 条意见"), "{bulk:?}");
    let groups = ctl(&server, &["group", "list", &id]).await.expect(0);
    assert!(
        groups.stdout.contains("建议夜间22时后禁止施工") && groups.stdout.contains("部分采纳"),
        "{groups:?}"
    );
    let p = progress(&server, &id).await;
    assert_eq!((p.answered, p.unanswered, p.grouped), (9, 0, 3));
    let members = ctl(
        &server,
        &["comment", "list", &id, "--group", &gid, "-o", "json"],
    )
    .await
    .expect(0)
    .json();
    assert_eq!(members.as_array().unwrap().len(), 3);
    std::fs::remove_dir_all(&dir).unwrap();
}
