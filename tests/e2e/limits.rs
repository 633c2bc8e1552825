//! Per-caller limits: a calling system that floods SubmitComment is told to slow down with
//! RESOURCE_EXHAUSTED and a retry delay, while another caller's comments keep going through.

use std::time::Duration;

use consult_api::pb;
use consult_e2e::{TestServer, authed, beijing, comment, token};
use tonic::Code;
use tonic_types::StatusExt;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_caller_flooding_does_not_hold_back_the_others() {
    let server = TestServer::start_with(
        beijing("2026-03-02 10:00"),
        "[submit_rate_limit]\nper_second = 20.0\nburst = 20\n",
    )
    .await;
    let c = crate::published(&server, "关于优化公交线网的方案（征求意见稿）").await;

    // The hotline system sends 300 comments as fast as it can, 30 at a time.
    let flood = {
        let parent = c.name.clone();
        let client = server.comments();
        tokio::spawn(async move {
            let mut tasks = tokio::task::JoinSet::new();
            for w in 0..30 {
                let (parent, mut client) = (parent.clone(), client.clone());
                tasks.spawn(async move {
                    let (mut ok, mut limited, mut retry) = (0, 0, Duration::ZERO);
                    for i in 0..10 {
                        let r = client
                            .submit_comment(authed(
                                token::HOTLINE,
                                pb::SubmitCommentRequest {
                                    parent: parent.clone(),
                                    comment: Some(comment(pb::Channel::Hotline12345, "刷屏")),
                                    request_id: format!("flood-{w}-{i}"),
                                    validate_only: false,
                                },
                            ))
                            .await;
                        match r {
                            Ok(_) => ok += 1,
                            Err(s) => {
                                assert_eq!(s.code(), Code::ResourceExhausted, "{s:?}");
                                assert!(s.message().contains("提交过于频繁"), "{s:?}");
                                let info = s.get_details_retry_info().expect("a retry delay");
                                retry = info.retry_delay.unwrap_or_default();
                                limited += 1;
                            }
                        }
                    }
                    (ok, limited, retry)
                });
            }
            let (mut ok, mut limited, mut retry) = (0, 0, Duration::ZERO);
            while let Some(r) = tasks.join_next().await {
                let (o, l, d) = r.unwrap();
                ok += o;
                limited += l;
                retry = retry.max(d);
            }
            (ok, limited, retry)
        })
    };

    // Meanwhile the portal submits at 10 a second, under its own limit: every one goes through.
    let mut portal = server.comments();
    for i in 0..20 {
        portal
            .submit_comment(authed(
                token::PORTAL,
                pb::SubmitCommentRequest {
                    parent: c.name.clone(),
                    comment: Some(comment(pb::Channel::Portal, &format!("市民意见{i}"))),
                    request_id: format!("steady-{i}"),
                    validate_only: false,
                },
            ))
            .await
            .unwrap_or_else(|s| panic!("the portal was held back by the hotline's flood: {s:?}"));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let (ok, limited, retry) = flood.await.unwrap();
    assert_eq!(ok + limited, 300);
    assert!(limited > 0, "the flood was never limited");
    // A burst of 20 and 20 a second for the flood's few seconds: far fewer than 300 pass.
    assert!((20..200).contains(&ok), "{ok} accepted of the flood");
    assert!(
        retry > Duration::ZERO && retry <= Duration::from_millis(50),
        "{retry:?}"
    );
    // Nothing refused was written: exactly what was accepted is there.
    assert_eq!(server.table_count("comments").await, 20 + ok);
}
