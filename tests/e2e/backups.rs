//! The restore drill: a backup taken while the service takes comments, restored into a fresh
//! database, served again with its audit log intact and its published report's hash unchanged.

use std::path::PathBuf;

use consult_api::pb;
use consult_e2e::{TestServer, UNLIMITED, authed, beijing, comment, token};

/// A fresh, empty database of the suite's kind (a file name, or a new PostgreSQL database
/// created through the suite's admin URL) and a closure-free way to name it.
async fn fresh_database(dir: &std::path::Path) -> String {
    match std::env::var("CONSULT_E2E_DATABASE_URL") {
        Ok(admin) if admin.starts_with("postgres") => {
            let name = format!("consult_restore_{:016x}", rand::random::<u64>());
            let (status, out) = run(
                "psql",
                &[&admin, "-q", "-c", &format!("CREATE DATABASE {name}")],
            )
            .await;
            assert_eq!(status, 0, "{out}");
            let (base, _) = admin.rsplit_once('/').unwrap();
            format!("{base}/{name}")
        }
        _ => format!("sqlite://{}", dir.join("restored.db").display()),
    }
}

async fn run(program: &str, args: &[&str]) -> (i32, String) {
    let out = tokio::process::Command::new(program)
        .args(args)
        .output()
        .await
        .unwrap_or_else(|e| panic!("{program}: {e}"));
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_while_serving_restores_with_its_audit_log_and_report_intact() {
    let server = TestServer::start_at(beijing("2026-03-02 10:00")).await;
    // A consultation carried to its published report; another opens and keeps taking
    // comments during the backup.
    let (_, report) = crate::answered_and_published(&server).await;
    let open = crate::published(&server, "关于城市绿化管理的办法（征求意见稿）").await;

    // Comments keep arriving while the backup is taken.
    let mut comments = server.comments();
    let parent = open.name.clone();
    let writer = tokio::spawn(async move {
        let mut acknowledged = 0u32;
        for i in 0..200 {
            let sent = comments
                .submit_comment(authed(
                    token::PORTAL,
                    pb::SubmitCommentRequest {
                        parent: parent.clone(),
                        comment: Some(comment(pb::Channel::Portal, &format!("备份期间的意见{i}"))),
                        request_id: format!("during-{i}"),
                        validate_only: false,
                    },
                ))
                .await;
            match sent {
                Ok(_) => acknowledged += 1,
                Err(e) => panic!("refused during the backup: {e:?}"),
            }
        }
        acknowledged
    });
    let before = server.table_count("comments").await;
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../target/e2e-tmp")
        .join(format!("backup-{:016x}", rand::random::<u64>()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("consult.backup");
    let file_arg = file.display().to_string();
    let (status, out) = server.consultd(&["backup", "--out", &file_arg]).await;
    assert_eq!(status, 0, "{out}");
    assert!(out.contains("已备份"), "{out}");
    assert_eq!(writer.await.unwrap(), 200, "the service kept answering");
    // A second backup never overwrites the first.
    let (status, out) = server.consultd(&["backup", "--out", &file_arg]).await;
    assert_ne!(status, 0, "{out}");
    assert!(out.contains("不会覆盖"), "{out}");

    // Restored into a fresh database and served.
    let url = fresh_database(&dir).await;
    if url.starts_with("postgres") {
        let (status, out) = run("pg_restore", &["--no-owner", "-d", &url, &file_arg]).await;
        assert_eq!(status, 0, "{out}");
    } else {
        std::fs::copy(&file, dir.join("restored.db")).unwrap();
    }
    let restored = TestServer::start_on(&url, beijing("2026-04-02 10:00"), UNLIMITED).await;
    let (status, out) = restored.consultd(&["audit", "verify"]).await;
    assert_eq!(status, 0, "{out}");
    assert!(out.contains("审计日志完整"), "{out}");
    let again = restored
        .feedback()
        .get_feedback_report(authed(
            token::OFFICER_FGW,
            pb::GetFeedbackReportRequest {
                name: report.name.clone(),
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        again.sha256, report.sha256,
        "the published hash is unchanged"
    );
    // Everything acknowledged before the backup began is in it.
    assert!(restored.table_count("comments").await >= before);
    let _ = std::fs::remove_dir_all(&dir);
    if let (Ok(admin), true) = (
        std::env::var("CONSULT_E2E_DATABASE_URL"),
        url.starts_with("postgres"),
    ) {
        drop(restored);
        let name = url.rsplit('/').next().unwrap_or_default().to_owned();
        let _ = run(
            "psql",
            &[
                &admin,
                "-q",
                "-c",
                &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
            ],
        )
        .await;
    }
}
