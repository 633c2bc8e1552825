//! Private fields at rest: submitters' names, organisations and contacts never reach the
//! database in plain text, only the owning department and auditors read them, keys rotate.

use std::path::{Path, PathBuf};
use std::time::Duration;

use consult_api::pb;
use consult_e2e::{
    TestServer, assert_status, authed, beijing, comment, consultd_run, token, write_config,
};
use tonic::Code;

const NAME: &str = "欧阳明远";
const ORGANIZATION: &str = "明远生态农业合作社";
const PHONE: &str = "13987654321";
const EMAIL: &str = "ouyang.mingyuan@example.cn";
/// Comment text is not private (it is published, masked): the control that the bytes of the
/// database are really being read.
const CONTENT_MARKER: &str = "建议增设社区口袋公园";

/// A key file of its own, written by `consultd keys generate`.
async fn new_key(dir: &Path, id: &str) -> PathBuf {
    let path = dir.join(format!("{id}.key"));
    let (code, said) = consultd_run(&["keys", "generate", "--out", path.to_str().unwrap()]).await;
    assert_eq!(code, 0, "{said}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "key file readable by others: {mode:o}");
    }
    // Never overwritten.
    let (code, _) = consultd_run(&["keys", "generate", "--out", path.to_str().unwrap()]).await;
    assert_ne!(code, 0);
    path
}

fn keys_toml(current: &str, keys: &[(&str, &Path)]) -> String {
    let mut out = format!("[private_data]\ncurrent_key = \"{current}\"\n");
    for (id, path) in keys {
        out += &format!(
            "[[private_data.keys]]\nid = \"{id}\"\nkey_file = \"{}\"\n",
            path.display()
        );
    }
    out
}

fn private_comment(i: usize) -> pb::Comment {
    let mut c = comment(pb::Channel::Portal, &format!("{CONTENT_MARKER}，第{i}条"));
    c.submitter = Some(pb::Submitter {
        name: format!("{NAME}{i}"),
        organization: ORGANIZATION.into(),
        contact: if i.is_multiple_of(2) {
            PHONE.into()
        } else {
            EMAIL.into()
        },
    });
    c.publish_name_consent = false;
    c
}

async fn submit(server: &TestServer, parent: &str, i: usize) -> pb::Comment {
    server
        .comments()
        .submit_comment(authed(
            token::PORTAL,
            pb::SubmitCommentRequest {
                parent: parent.into(),
                comment: Some(private_comment(i)),
                request_id: format!("private-{i}"),
                validate_only: false,
            },
        ))
        .await
        .unwrap()
        .into_inner()
}

async fn get(server: &TestServer, caller: &str, name: &str) -> Result<pb::Comment, tonic::Status> {
    server
        .comments()
        .get_comment(authed(caller, pb::GetCommentRequest { name: name.into() }))
        .await
        .map(|r| r.into_inner())
}

/// Every private value, as it would appear in bytes if stored plainly.
fn private_values() -> Vec<String> {
    vec![NAME.into(), ORGANIZATION.into(), PHONE.into(), EMAIL.into()]
}

/// Text columns of `table` that contain `needle`, read with SQL.
async fn rows_containing(server: &TestServer, table: &str, columns: &[&str], needle: &str) -> i64 {
    let condition = columns
        .iter()
        .map(|c| format!("\"{c}\" LIKE '%{needle}%'"))
        .collect::<Vec<_>>()
        .join(" OR ");
    server
        .query_count(&format!(
            "SELECT COUNT(*) AS n FROM {table} WHERE {condition}"
        ))
        .await
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn private_fields_are_sealed_in_the_database() {
    let dir = tempdir();
    let key = new_key(&dir, "2026-11").await;
    let server = TestServer::start_with(
        beijing("2026-03-02 10:00"),
        &format!(
            "[submit_rate_limit]\nper_second = 1000000.0\nburst = 1000000\n{}",
            keys_toml("2026-11", &[("2026-11", &key)])
        ),
    )
    .await;
    let c = crate::published(&server, "关于城市公园管理的规定（征求意见稿）").await;
    let mut submitted = Vec::new();
    for i in 0..6 {
        submitted.push(submit(&server, &c.name, i).await);
    }
    // The owning department and auditors read the private fields, in full.
    for caller in [token::OFFICER_FGW, token::AUDITOR] {
        let got = get(&server, caller, &submitted[2].name).await.unwrap();
        let s = got.submitter.unwrap();
        assert_eq!(s.name, format!("{NAME}2"));
        assert_eq!(s.organization, ORGANIZATION);
        assert_eq!(s.contact, PHONE);
    }
    // Another department does not; the receipt lookup shows none of them.
    assert_status(
        get(&server, token::OFFICER_JTJ, &submitted[2].name).await,
        Code::PermissionDenied,
        "部门",
    );
    let receipt = server
        .comments()
        .lookup_comment(pb::LookupCommentRequest {
            receipt_code: submitted[2].receipt_code.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    assert!(!format!("{receipt:?}").contains(NAME), "{receipt:?}");

    // Straight from the database: no private value in any column of comments or audit events,
    // every row names its key, while the published comment text is there in plain.
    for v in private_values() {
        assert_eq!(
            rows_containing(
                &server,
                "comments",
                &[
                    "submitter_name",
                    "submitter_organization",
                    "submitter_contact",
                    "request_digest"
                ],
                &v
            )
            .await,
            0,
            "{v} stored in plain text"
        );
        assert_eq!(
            rows_containing(&server, "audit_events", &["before", "after"], &v).await,
            0,
            "{v} in the audit log"
        );
    }
    assert_eq!(
        server
            .query_count("SELECT COUNT(*) AS n FROM comments WHERE private_key_id = '2026-11'")
            .await,
        6
    );
    assert_eq!(
        rows_containing(&server, "comments", &["content"], CONTENT_MARKER).await,
        6
    );

    // On SQLite, the bytes of the database file and its write-ahead log themselves.
    if let Some(files) = server.sqlite_files() {
        let bytes: Vec<u8> = files
            .iter()
            .flat_map(|f| std::fs::read(f).unwrap())
            .collect();
        assert!(
            contains(&bytes, CONTENT_MARKER),
            "control: the files were read"
        );
        for v in private_values() {
            assert!(!contains(&bytes, &v), "{v} found in the SQLite files");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_rotate_without_losing_a_name() {
    let dir = tempdir();
    let old = new_key(&dir, "k1").await;
    let new = new_key(&dir, "k2").await;
    let start = beijing("2026-03-02 10:00");
    let limits = "[submit_rate_limit]\nper_second = 1000000.0\nburst = 1000000\n";
    let server = TestServer::start_with(
        start,
        &format!("{limits}{}", keys_toml("k1", &[("k1", &old)])),
    )
    .await;
    let c = crate::published(&server, "关于老旧小区改造的实施意见（征求意见稿）").await;
    let mut submitted = Vec::new();
    for i in 0..4 {
        submitted.push(submit(&server, &c.name, i).await);
    }
    // A row written before sealing existed: plain text and no key.
    let legacy = &submitted[3];
    let legacy_id = legacy.name.rsplit('/').next().unwrap();
    assert_eq!(
        server
            .execute_sql(&format!(
                "UPDATE comments SET submitter_name = '王五', submitter_organization = '', \
                 submitter_contact = '13700001111', private_key_id = NULL WHERE id = '{legacy_id}'"
            ))
            .await,
        1
    );

    // New key current, old key kept: everything reads, and rows move to k2 in the background.
    let rotated = format!("{limits}{}", keys_toml("k2", &[("k1", &old), ("k2", &new)]));
    let server = server.restart_with(start, &rotated).await;
    let during = get(&server, token::OFFICER_FGW, &submitted[0].name)
        .await
        .unwrap();
    assert_eq!(during.submitter.unwrap().name, format!("{NAME}0"));
    let later = submit(&server, &c.name, 10).await;
    let not_current =
        "SELECT COUNT(*) AS n FROM comments WHERE private_key_id IS NULL OR private_key_id <> 'k2'";
    let mut waited = Duration::ZERO;
    while server.query_count(not_current).await > 0 {
        assert!(
            waited < Duration::from_secs(20),
            "re-sealing did not finish"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
        waited += Duration::from_millis(100);
    }
    let (code, said) = server.consultd(&["keys", "status"]).await;
    assert_eq!(code, 0, "{said}");
    assert!(said.contains("k2（当前 current）\t5 条意见"), "{said}");
    assert!(said.contains("重新加密：0 条"), "{said}");
    assert_eq!(
        rows_containing(
            &server,
            "comments",
            &["submitter_name", "submitter_contact"],
            "王五"
        )
        .await
            + rows_containing(&server, "comments", &["submitter_contact"], "13700001111").await,
        0,
        "the plain-text row was sealed"
    );
    // Re-sealing is in the audit log, and the chains still hold.
    assert!(
        server
            .query_count(
                "SELECT COUNT(*) AS n FROM audit_events WHERE action = 'private_data.reseal'"
            )
            .await
            >= 1
    );
    let (code, said) = server.consultd(&["audit", "verify"]).await;
    assert_eq!(code, 0, "{said}");

    // With the old key gone every name still reads, and a retried submission is still
    // recognised as the same request (its digest was re-keyed too).
    let only_new = format!("{limits}{}", keys_toml("k2", &[("k2", &new)]));
    let server = server.restart_with(start, &only_new).await;
    for (i, s) in submitted.iter().enumerate().take(3) {
        let got = get(&server, token::AUDITOR, &s.name).await.unwrap();
        assert_eq!(got.submitter.unwrap().name, format!("{NAME}{i}"));
    }
    let got = get(&server, token::OFFICER_FGW, &legacy.name)
        .await
        .unwrap();
    let s = got.submitter.unwrap();
    assert_eq!(
        (s.name.as_str(), s.contact.as_str()),
        ("王五", "13700001111")
    );
    let got = get(&server, token::OFFICER_FGW, &later.name).await.unwrap();
    assert_eq!(got.submitter.unwrap().name, format!("{NAME}10"));
    let before = server.row_counts().await;
    let retried = submit(&server, &c.name, 1).await;
    assert_eq!(retried.name, submitted[1].name);
    assert_eq!(server.row_counts().await, before, "a retry writes nothing");

    // A server missing a key that rows are sealed with refuses to start, naming it.
    let config = write_config(&format!("{limits}{}", keys_toml("k1", &[("k1", &old)])));
    let (code, said) = consultd_run(&[
        "--listen",
        "127.0.0.1:0",
        "--http-listen",
        "127.0.0.1:0",
        "--config",
        config.to_str().unwrap(),
        "--database-url",
        &server.database_url,
    ])
    .await;
    assert_ne!(code, 0, "{said}");
    assert!(
        said.contains("k2") && said.contains("private_data"),
        "{said}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn production_needs_keys_of_its_own() {
    let dir = tempdir();
    let db = format!("sqlite://{}/prod.db", dir.display());
    // Production with signed tokens but no [private_data] keys: refused before anything opens.
    let bare = dir.join("bare.toml");
    std::fs::write(
        &bare,
        format!(
            "mode = \"production\"\n[jwt]\nissuer = \"i\"\naudience = \"a\"\n\
             [[jwt.keys]]\nalgorithm = \"EdDSA\"\npublic_key_file = \"{}/fixtures/jwt/ed25519-public.pem\"\n",
            env!("CARGO_MANIFEST_DIR")
        ),
    )
    .unwrap();
    let (code, said) = consultd_run(&[
        "--listen",
        "127.0.0.1:0",
        "--http-listen",
        "127.0.0.1:0",
        "--config",
        bare.to_str().unwrap(),
        "--database-url",
        &db,
    ])
    .await;
    assert_ne!(code, 0, "{said}");
    assert!(said.contains("private_data"), "{said}");
    // A key file that is not 32 bytes names the file.
    let short = dir.join("short.key");
    std::fs::write(&short, "c2hvcnQ=\n").unwrap();
    let bad = dir.join("bad.toml");
    std::fs::write(&bad, keys_toml("s", &[("s", &short)])).unwrap();
    let (code, said) = consultd_run(&[
        "keys",
        "status",
        "--config",
        bad.to_str().unwrap(),
        "--database-url",
        &db,
    ])
    .await;
    assert_ne!(code, 0, "{said}");
    assert!(said.contains("short.key") && said.contains("32"), "{said}");
}

fn tempdir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("consult-keys-{:016x}", rand::random::<u64>()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
