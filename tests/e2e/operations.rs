//! Long-running operations (AIP-151): a bulk answer and a publication started on one replica
//! by a caller that then goes away, followed, awaited and read on another; failures and
//! cancellation that leave nothing half done; who may see an operation.

use consult_api::google::longrunning::{
    self, operation::Result as OpResult, operations_client::OperationsClient,
};
use consult_api::pb;
use consult_api::pb::bulk_answer_comments_request::Target;
use consult_e2e::{
    Replicas, TestServer, UNLIMITED, assert_status, authed, beijing, http_get, token,
};
use prost::Message;
use sha2::{Digest, Sha256};
use tonic::Code;

const COMMENTS: usize = 300;

fn operations(server: &TestServer) -> OperationsClient<tonic::transport::Channel> {
    OperationsClient::new(server.channel.clone())
}

fn not_adopted() -> pb::Disposition {
    pb::Disposition {
        outcome: pb::Outcome::NotAdopted as i32,
        reason: "停放区由区级规划统一确定".into(),
        ..Default::default()
    }
}

/// Every unanswered comment of `parent`, NOT_ADOPTED with one reason.
pub(crate) fn all_unanswered(parent: &str) -> pb::BulkAnswerCommentsRequest {
    pb::BulkAnswerCommentsRequest {
        parent: parent.into(),
        disposition: Some(not_adopted()),
        target: Some(Target::Selection(pb::CommentSelection {
            only_unanswered: true,
            ..Default::default()
        })),
        validate_only: false,
    }
}

/// A caller on its own connection, dropped once the operation's name is back: the operation
/// must not depend on it.
async fn start_and_hang_up(server: &TestServer, request: StartRequest) -> longrunning::Operation {
    let channel = tonic::transport::Channel::from_shared(server.grpc.clone())
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut feedback = pb::feedback_service_client::FeedbackServiceClient::new(channel);
    let op = match request {
        StartRequest::Bulk(b) => feedback
            .start_bulk_answer_comments(authed(
                token::OFFICER_FGW,
                pb::StartBulkAnswerCommentsRequest {
                    bulk_answer: Some(b),
                },
            ))
            .await
            .unwrap(),
        StartRequest::Publish(name) => feedback
            .start_publish_feedback_report(authed(
                token::OFFICER_FGW,
                pb::StartPublishFeedbackReportRequest { name },
            ))
            .await
            .unwrap(),
        StartRequest::Correct(correction) => feedback
            .start_correct_feedback_report(authed(
                token::OFFICER_FGW,
                pb::StartCorrectFeedbackReportRequest {
                    correction: Some(correction),
                },
            ))
            .await
            .unwrap(),
    }
    .into_inner();
    drop(feedback);
    assert!(op.name.starts_with("operations/"), "{}", op.name);
    op
}

enum StartRequest {
    Bulk(pb::BulkAnswerCommentsRequest),
    Publish(String),
    Correct(pb::CorrectFeedbackReportRequest),
}

/// Waits on `server` until the operation is done (a minute at most).
pub(crate) async fn wait_done(server: &TestServer, name: &str) -> longrunning::Operation {
    for _ in 0..12 {
        let op = operations(server)
            .wait_operation(authed(
                token::OFFICER_FGW,
                longrunning::WaitOperationRequest {
                    name: name.into(),
                    timeout: Some(prost_types::Duration {
                        seconds: 5,
                        nanos: 0,
                    }),
                },
            ))
            .await
            .unwrap()
            .into_inner();
        if op.done {
            return op;
        }
    }
    panic!("{name} not done within a minute");
}

pub(crate) fn metadata(op: &longrunning::Operation) -> pb::OperationMetadata {
    let any = op.metadata.as_ref().expect("metadata");
    assert_eq!(
        any.type_url,
        "type.googleapis.com/consult.v1.OperationMetadata"
    );
    pb::OperationMetadata::decode(any.value.as_slice()).unwrap()
}

pub(crate) fn response<M: Message + Default + prost::Name>(op: &longrunning::Operation) -> M {
    match &op.result {
        Some(OpResult::Response(any)) => {
            assert_eq!(
                any.type_url,
                format!("type.googleapis.com/{}", M::full_name())
            );
            M::decode(any.value.as_slice()).unwrap()
        }
        other => panic!("{} ended with {other:?}", op.name),
    }
}

async fn progress(server: &TestServer, name: &str) -> pb::AnsweringProgress {
    server
        .feedback()
        .get_answering_progress(authed(
            token::OFFICER_FGW,
            pb::GetAnsweringProgressRequest { name: name.into() },
        ))
        .await
        .unwrap()
        .into_inner()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operations_outlive_their_callers_and_are_read_on_another_replica() {
    let replicas = Replicas::start(2, beijing("2026-03-02 10:00"), UNLIMITED).await;
    let (a, b) = (&replicas[0], &replicas[1]);
    let c = crate::published_draft(a, crate::scale::plan_on_the_portal()).await;
    crate::scale::submit_many(a, &c.name, COMMENTS).await;
    replicas.set_time(beijing("2026-04-02 09:00")).await;
    crate::close(a, &c.name).await;

    // Started on A by a caller who hangs up; awaited and read on B.
    let started = start_and_hang_up(a, StartRequest::Bulk(all_unanswered(&c.name))).await;
    let meta = metadata(&started);
    assert_eq!(meta.kind, "bulkAnswerComments");
    assert_eq!(meta.target, c.name);
    let done = wait_done(b, &started.name).await;
    let answered: pb::BulkAnswerCommentsResponse = response(&done);
    assert_eq!(answered.answered_count, COMMENTS as i64);
    assert_eq!(answered.comments.len(), COMMENTS, "at most 1,000 are named");
    let meta = metadata(&done);
    assert_eq!(meta.progress_done, COMMENTS as i64);
    assert!(meta.end_time.is_some() && meta.attempts == 1, "{meta:?}");
    let p = progress(b, &c.name).await;
    assert_eq!((p.answered, p.unanswered), (COMMENTS as i64, 0));

    // The gate and the decision as usual, then the publication as an operation, on B.
    let mut api = b.consultations();
    api.mark_ready_for_deliberation(authed(
        token::OFFICER_FGW,
        pb::MarkReadyForDeliberationRequest {
            name: c.name.clone(),
        },
    ))
    .await
    .unwrap();
    api.record_decision(authed(
        token::OFFICER_FGW,
        pb::RecordDecisionRequest {
            name: c.name.clone(),
            decision: Some(pb::Decision {
                number: "某府发〔2026〕3号".into(),
                title: "关于规范共享单车停放的通告".into(),
                decide_date: "2026-04-02".into(),
                ..Default::default()
            }),
        },
    ))
    .await
    .unwrap();
    let started = start_and_hang_up(b, StartRequest::Publish(c.name.clone())).await;
    let done = wait_done(a, &started.name).await;
    let report: pb::FeedbackReport = response(&done);
    assert_eq!(report.version, 1);
    assert_eq!(report.totals.as_ref().unwrap().published, COMMENTS as i64);
    assert_eq!(metadata(&done).progress_total, COMMENTS as i64);
    let id = c.name.rsplit('/').next().unwrap();
    let json = http_get(&format!("{}/consultations/{id}/feedback/v1.json", a.http)).await;
    assert_eq!(hex::encode(Sha256::digest(&json.body)), report.sha256);

    // A correction the rules refuse is refused when asked, not as a failed operation; one
    // they allow runs on A, started by a caller who hangs up, and is awaited on B.
    let refused = b
        .feedback()
        .start_correct_feedback_report(authed(
            token::OFFICER_FGW,
            pb::StartCorrectFeedbackReportRequest {
                correction: Some(pb::CorrectFeedbackReportRequest {
                    name: c.name.clone(),
                    reason: " ".into(),
                    decision: None,
                }),
            },
        ))
        .await;
    assert_status(refused, Code::InvalidArgument, "reason");
    let reason = "更正第3条意见的答复";
    let corrected = start_and_hang_up(
        a,
        StartRequest::Correct(pb::CorrectFeedbackReportRequest {
            name: c.name.clone(),
            reason: reason.into(),
            decision: None,
        }),
    )
    .await;
    assert_eq!(metadata(&corrected).kind, "correctFeedbackReport");
    let done = wait_done(b, &corrected.name).await;
    let v2: pb::FeedbackReport = response(&done);
    assert_eq!(v2.version, 2);
    assert_eq!(v2.totals.as_ref().unwrap().published, COMMENTS as i64);
    assert_ne!(v2.sha256, report.sha256);
    let json = http_get(&format!("{}/consultations/{id}/feedback/v2.json", b.http)).await;
    assert_eq!(hex::encode(Sha256::digest(&json.body)), v2.sha256);
    let versions = b
        .feedback()
        .list_feedback_reports(pb::ListFeedbackReportsRequest {
            parent: c.name.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .versions;
    assert_eq!(
        versions
            .iter()
            .map(|v| (v.version, v.correction_reason.as_str()))
            .collect::<Vec<_>>(),
        [(1, ""), (2, reason)]
    );

    // All three are listed on the consultation, on either replica; an auditor reads them too.
    let listed = operations(b)
        .list_operations(authed(
            token::AUDITOR,
            longrunning::ListOperationsRequest {
                name: c.name.clone(),
                page_size: 2,
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(listed.operations.len(), 2);
    let rest = operations(b)
        .list_operations(authed(
            token::AUDITOR,
            longrunning::ListOperationsRequest {
                name: c.name.clone(),
                page_token: listed.next_page_token,
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(rest.operations.len(), 1);
    assert!(rest.next_page_token.is_empty());
    let kinds: Vec<String> = listed
        .operations
        .iter()
        .chain(&rest.operations)
        .map(|o| metadata(o).kind)
        .collect();
    assert_eq!(
        kinds,
        [
            "bulkAnswerComments",
            "publishFeedbackReport",
            "correctFeedbackReport"
        ]
    );

    // Another department's officer is refused; a calling system sees nothing; a deleted
    // operation is gone.
    let get = |tok: &'static str| {
        let mut client = operations(a);
        let name = started.name.clone();
        async move {
            client
                .get_operation(authed(tok, longrunning::GetOperationRequest { name }))
                .await
        }
    };
    assert_eq!(
        get(token::OFFICER_JTJ).await.unwrap_err().code(),
        Code::PermissionDenied
    );
    assert_eq!(get(token::PORTAL).await.unwrap_err().code(), Code::NotFound);
    // An auditor reads operations but neither cancels nor deletes them.
    for denied in [
        operations(b)
            .delete_operation(authed(
                token::AUDITOR,
                longrunning::DeleteOperationRequest {
                    name: started.name.clone(),
                },
            ))
            .await,
        operations(b)
            .cancel_operation(authed(
                token::AUDITOR,
                longrunning::CancelOperationRequest {
                    name: started.name.clone(),
                },
            ))
            .await,
    ] {
        assert_eq!(denied.unwrap_err().code(), Code::PermissionDenied);
    }
    operations(b)
        .delete_operation(authed(
            token::OFFICER_FGW,
            longrunning::DeleteOperationRequest {
                name: started.name.clone(),
            },
        ))
        .await
        .unwrap();
    assert_eq!(
        get(token::OFFICER_FGW).await.unwrap_err().code(),
        Code::NotFound
    );
    replicas[0].assert_counts_agree().await;
}

#[tokio::test]
async fn a_failed_or_cancelled_operation_changes_nothing() {
    let server = TestServer::start_with(beijing("2026-03-02 10:00"), UNLIMITED).await;
    let c = crate::published_draft(&server, crate::scale::plan_on_the_portal()).await;
    let names = crate::scale::submit_many(&server, &c.name, COMMENTS).await;
    server.set_time(beijing("2026-04-02 09:00")).await;
    crate::close(&server, &c.name).await;

    // Refused at once: a publication the state rules forbid, another department's bulk.
    let refused = server
        .feedback()
        .start_publish_feedback_report(authed(
            token::OFFICER_FGW,
            pb::StartPublishFeedbackReportRequest {
                name: c.name.clone(),
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::FailedPrecondition, "{refused:?}");
    let refused = server
        .feedback()
        .start_bulk_answer_comments(authed(
            token::OFFICER_JTJ,
            pb::StartBulkAnswerCommentsRequest {
                bulk_answer: Some(all_unanswered(&c.name)),
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::PermissionDenied, "{refused:?}");

    // Fails while running (a listed comment does not exist): all or nothing, the status kept.
    let mut listed = names[..5].to_vec();
    listed.push(format!("{}/comments/01HZZZZZZZZZZZZZZZZZZZZZZZ", c.name));
    let started = start_and_hang_up(
        &server,
        StartRequest::Bulk(pb::BulkAnswerCommentsRequest {
            parent: c.name.clone(),
            disposition: Some(not_adopted()),
            target: Some(Target::Comments(pb::CommentList { comments: listed })),
            validate_only: false,
        }),
    )
    .await;
    let done = wait_done(&server, &started.name).await;
    match &done.result {
        Some(OpResult::Error(status)) => {
            assert_ne!(status.code, Code::Ok as i32);
            assert!(
                status.message.contains("01HZZZZZZZZZZZZZZZZZZZZZZZ"),
                "{status:?}"
            );
        }
        other => panic!("expected an error, got {other:?}"),
    }
    assert_eq!(progress(&server, &c.name).await.answered, 0);

    // Cancelled straight after its start: either it was cancelled and answered nothing, or it
    // had already finished and answered all.
    let started = start_and_hang_up(&server, StartRequest::Bulk(all_unanswered(&c.name))).await;
    operations(&server)
        .cancel_operation(authed(
            token::OFFICER_FGW,
            longrunning::CancelOperationRequest {
                name: started.name.clone(),
            },
        ))
        .await
        .unwrap();
    let done = wait_done(&server, &started.name).await;
    let answered = progress(&server, &c.name).await.answered;
    match &done.result {
        Some(OpResult::Error(status)) => {
            assert_eq!(status.code, Code::Cancelled as i32, "{status:?}");
            assert_eq!(answered, 0, "a cancelled operation answered nothing");
        }
        Some(OpResult::Response(_)) => assert_eq!(answered, COMMENTS as i64),
        None => panic!("done without a result"),
    }
    // An unknown operation is NOT_FOUND; a malformed name INVALID_ARGUMENT.
    let missing = operations(&server)
        .wait_operation(authed(
            token::OFFICER_FGW,
            longrunning::WaitOperationRequest {
                name: "operations/01HZZZZZZZZZZZZZZZZZZZZZZZ".into(),
                timeout: Some(prost_types::Duration {
                    seconds: 0,
                    nanos: 0,
                }),
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(missing.code(), Code::NotFound);
    let malformed = operations(&server)
        .get_operation(authed(
            token::OFFICER_FGW,
            longrunning::GetOperationRequest {
                name: "operations/../x".into(),
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(malformed.code(), Code::InvalidArgument);
    server.assert_counts_agree().await;
}

#[tokio::test]
async fn malformed_entry_and_operation_requests_are_refused_by_field() {
    let server = TestServer::start_at(beijing("2026-03-02 10:00")).await;
    let c = crate::published(&server, "关于规范共享单车停放的通告（征求意见稿）").await;
    let entries = |parent: String, page_size: i32, page_token: &str| {
        let mut feedback = server.feedback();
        let request = pb::ListFeedbackReportEntriesRequest {
            parent,
            page_size,
            page_token: page_token.into(),
        };
        async move { feedback.list_feedback_report_entries(request).await }
    };
    let latest = format!("{}/feedbackReports/latest", c.name);
    assert_status(
        entries(c.name.clone(), 0, "").await,
        Code::InvalidArgument,
        "parent",
    );
    assert_status(
        entries(latest.clone(), 1001, "").await,
        Code::InvalidArgument,
        "page_size",
    );
    assert_status(
        entries(latest.clone(), 0, "bm90LWEtdG9rZW4tb2YtdGhpcy1zZXJ2ZXI").await,
        Code::InvalidArgument,
        "page_token",
    );
    // A consultation without a published report has no entries to list.
    assert_status(
        entries(latest, 0, "").await,
        Code::NotFound,
        "feedbackReports",
    );

    let start = server
        .feedback()
        .start_bulk_answer_comments(authed(
            token::OFFICER_FGW,
            pb::StartBulkAnswerCommentsRequest { bulk_answer: None },
        ))
        .await;
    assert_status(start, Code::InvalidArgument, "parent");

    // A correction names what it corrects, by a well-formed name and with a dated decision.
    let correct = |correction: Option<pb::CorrectFeedbackReportRequest>| {
        let mut feedback = server.feedback();
        async move {
            feedback
                .start_correct_feedback_report(authed(
                    token::OFFICER_FGW,
                    pb::StartCorrectFeedbackReportRequest { correction },
                ))
                .await
        }
    };
    assert_status(correct(None).await, Code::InvalidArgument, "correction");
    assert_status(
        correct(Some(pb::CorrectFeedbackReportRequest {
            name: "consultations/../x".into(),
            reason: "更正答复".into(),
            decision: None,
        }))
        .await,
        Code::InvalidArgument,
        "correction.name",
    );
    assert_status(
        correct(Some(pb::CorrectFeedbackReportRequest {
            name: c.name.clone(),
            reason: "更正决定文号".into(),
            decision: Some(pb::Decision {
                number: "某府发〔2026〕4号".into(),
                title: "关于规范共享单车停放的通告".into(),
                decide_date: "2026-13-40".into(),
                ..Default::default()
            }),
        }))
        .await,
        Code::InvalidArgument,
        "decide_date",
    );
    // Well formed, but the report is not published: refused by the rule, not later.
    assert_status(
        correct(Some(pb::CorrectFeedbackReportRequest {
            name: c.name.clone(),
            reason: "更正答复".into(),
            decision: None,
        }))
        .await,
        Code::FailedPrecondition,
        "NOT_PUBLISHED",
    );

    let list = |request: longrunning::ListOperationsRequest| {
        let mut client = operations(&server);
        async move {
            client
                .list_operations(authed(token::OFFICER_FGW, request))
                .await
        }
    };
    assert_status(
        list(longrunning::ListOperationsRequest {
            name: c.name.clone(),
            filter: "done = true".into(),
            ..Default::default()
        })
        .await,
        Code::InvalidArgument,
        "filter",
    );
    assert_status(
        list(longrunning::ListOperationsRequest {
            name: c.name.clone(),
            page_size: -1,
            ..Default::default()
        })
        .await,
        Code::InvalidArgument,
        "page_size",
    );
    assert_status(
        list(longrunning::ListOperationsRequest {
            name: "operations".into(),
            ..Default::default()
        })
        .await,
        Code::InvalidArgument,
        "name",
    );
    let wait = operations(&server)
        .wait_operation(authed(
            token::OFFICER_FGW,
            longrunning::WaitOperationRequest {
                name: "operations/01HZZZZZZZZZZZZZZZZZZZZZZZ".into(),
                timeout: Some(prost_types::Duration {
                    seconds: -1,
                    nanos: 0,
                }),
            },
        ))
        .await;
    assert_status(wait, Code::InvalidArgument, "timeout");
}
