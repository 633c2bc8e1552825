//! The department dimension of the permission matrix: every RPC that acts on a consultation is
//! called with a well-formed request on one of the fgw department's consultations, by an fgw
//! officer (admitted, whatever the state rules then say) and a jtj officer (PERMISSION_DENIED,
//! and nothing written). RPCs come from the descriptor set: a new one without a row fails.

use std::str::FromStr;

use consult_api::pb;
use consult_e2e::{TestServer, authed, beijing, comment, draft, token, ts};
use prost::Message;
use tonic::Code;
use tonic::codegen::http::uri::PathAndQuery;

use crate::matrix::{EXPECTED, Raw, declared};

/// How an RPC relates to departments.
enum Row {
    /// Acts on the fgw consultation named in this request.
    Departmental(Vec<u8>),
    /// Touches no department's resource (public data, the caller itself, the audit log).
    NotDepartmental(&'static str),
}

fn answer() -> pb::Disposition {
    pb::Disposition {
        outcome: pb::Outcome::NotAdopted as i32,
        reason: "与上位法规定不一致".into(),
        ..Default::default()
    }
}

fn decision() -> pb::Decision {
    pb::Decision {
        number: "X府规〔2026〕3号".into(),
        title: "关于城市绿化管理的办法".into(),
        decide_date: "2026-05-20".into(),
        ..Default::default()
    }
}

async fn call(server: &TestServer, rpc: &str, body: &[u8], tok: &str) -> Code {
    let mut grpc = tonic::client::Grpc::new(server.channel.clone());
    let mut request = tonic::Request::new(body.to_vec());
    request
        .metadata_mut()
        .insert("authorization", format!("Bearer {tok}").parse().unwrap());
    grpc.ready().await.unwrap();
    let package = match rpc.starts_with("Operations/") {
        true => "google.longrunning",
        false => "consult.v1",
    };
    let path = PathAndQuery::from_str(&format!("/{package}.{rpc}")).unwrap();
    match grpc.unary(request, path, Raw).await {
        Ok(_) => Code::Ok,
        Err(s) => s.code(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn officers_of_another_department_are_refused_on_every_rpc() {
    const TEMPLATE: &str = "departments/fgw/answerTemplates/上位法";
    let server = TestServer::start_at(beijing("2026-03-02 10:00")).await;
    let crate::Fixture {
        draft: draft_c,
        open,
        comments,
        group,
    } = crate::fixture(&server).await;
    // The first two are grouped; the other two are free to answer, group or hide.
    let comments: Vec<String> = comments.into_iter().map(|c| c.name).collect();
    let c = &open.name;
    // No suggestion exists: the department check comes before the lookup.
    let suggestion = format!("{c}/suggestions/01KS0000000000000000000000");
    // Planned by the fgw officer's own PlanHearing row, before the rows that change it.
    let hearing = format!("{c}/hearings/h1");
    // An operation of fgw's (a bulk answer of a comment that does not exist, which fails).
    let unknown_comment = format!("{c}/comments/01HZZZZZZZZZZZZZZZZZZZZZZZ");
    // Hides an advertisement flood, validating only: the same request called and started.
    let hide_flood = pb::BulkHideCommentsRequest {
        parent: c.clone(),
        reason: pb::HideReason::Spam as i32,
        target: Some(pb::bulk_hide_comments_request::Target::Selection(
            pb::CommentSelection {
                query: "代开发票".into(),
                ..Default::default()
            },
        )),
        validate_only: true,
        ..Default::default()
    };
    let bulk_of_unknown = pb::BulkAnswerCommentsRequest {
        parent: c.clone(),
        disposition: Some(answer()),
        target: Some(pb::bulk_answer_comments_request::Target::Comments(
            pb::CommentList {
                comments: vec![unknown_comment],
            },
        )),
        validate_only: false,
    };
    let mut operations = Vec::new();
    for _ in 0..2 {
        let op = server
            .feedback()
            .start_bulk_answer_comments(authed(
                token::OFFICER_FGW,
                pb::StartBulkAnswerCommentsRequest {
                    bulk_answer: Some(bulk_of_unknown.clone()),
                },
            ))
            .await
            .unwrap()
            .into_inner();
        operations.push(op.name);
    }
    // One to cancel, one to delete (the own department's delete succeeds).
    let (to_cancel, to_delete) = (operations[0].clone(), operations[1].clone());
    let rows: Vec<(&str, Row)> = vec![
        (
            "ConsultationService/CreateConsultation",
            Row::Departmental(
                pb::CreateConsultationRequest {
                    consultation: Some(pb::Consultation {
                        department: "fgw".into(),
                        ..draft("以发改委名义起草")
                    }),
                }
                .encode_to_vec(),
            ),
        ),
        (
            "ConsultationService/GetConsultation",
            Row::Departmental(
                pb::GetConsultationRequest {
                    name: draft_c.name.clone(),
                }
                .encode_to_vec(),
            ),
        ),
        (
            "ConsultationService/ListConsultations",
            Row::NotDepartmental("lists what the caller may read; drafts checked below"),
        ),
        (
            "ConsultationService/UpdateConsultation",
            Row::Departmental(
                pb::UpdateConsultationRequest {
                    consultation: Some(pb::Consultation {
                        name: draft_c.name.clone(),
                        title: "关于城市绿化管理的办法（修改稿）".into(),
                        ..Default::default()
                    }),
                    update_mask: Some(prost_types::FieldMask {
                        paths: vec!["title".into()],
                    }),
                }
                .encode_to_vec(),
            ),
        ),
        (
            "ConsultationService/PublishConsultation",
            Row::Departmental(
                pb::PublishConsultationRequest {
                    name: draft_c.name.clone(),
                }
                .encode_to_vec(),
            ),
        ),
        (
            "ConsultationService/ExtendConsultation",
            Row::Departmental(
                pb::ExtendConsultationRequest {
                    name: c.clone(),
                    closes_at: Some(consult_e2e::ts(beijing("2026-06-30 18:00"))),
                    reason: "意见较多，延长征求期".into(),
                }
                .encode_to_vec(),
            ),
        ),
        (
            "ConsultationService/CloseConsultation",
            Row::Departmental(pb::CloseConsultationRequest { name: c.clone() }.encode_to_vec()),
        ),
        (
            "ConsultationService/WithdrawConsultation",
            // Well formed, but the fgw officer's own call is left out below: it would end the
            // consultation the other rows need.
            Row::Departmental(
                pb::WithdrawConsultationRequest {
                    name: c.clone(),
                    reason: "政策调整".into(),
                }
                .encode_to_vec(),
            ),
        ),
        (
            "ConsultationService/MarkReadyForDeliberation",
            Row::Departmental(
                pb::MarkReadyForDeliberationRequest { name: c.clone() }.encode_to_vec(),
            ),
        ),
        (
            "ConsultationService/RecordDecision",
            Row::Departmental(
                pb::RecordDecisionRequest {
                    name: c.clone(),
                    decision: Some(decision()),
                }
                .encode_to_vec(),
            ),
        ),
        (
            "ConsultationService/ListFeedbackDue",
            Row::Departmental(
                pb::ListFeedbackDueRequest {
                    within_days: 30,
                    department: "fgw".into(),
                }
                .encode_to_vec(),
            ),
        ),
        (
            "CommentService/SubmitComment",
            Row::Departmental(
                pb::SubmitCommentRequest {
                    parent: c.clone(),
                    comment: Some(comment(pb::Channel::Email, "电子邮件转录的意见")),
                    request_id: "dept-officer-entry".into(),
                    validate_only: false,
                }
                .encode_to_vec(),
            ),
        ),
        (
            "CommentService/GetComment",
            Row::Departmental(
                pb::GetCommentRequest {
                    name: comments[2].clone(),
                }
                .encode_to_vec(),
            ),
        ),
        (
            "CommentService/ListComments",
            Row::Departmental(
                pb::ListCommentsRequest {
                    parent: c.clone(),
                    ..Default::default()
                }
                .encode_to_vec(),
            ),
        ),
        (
            "CommentService/ListClauses",
            Row::Departmental(pb::ListClausesRequest { parent: c.clone() }.encode_to_vec()),
        ),
        (
            "CommentService/LookupComment",
            Row::NotDepartmental("anyone looks up their own receipt"),
        ),
        (
            "CommentService/HideComment",
            Row::Departmental(
                pb::HideCommentRequest {
                    name: comments[3].clone(),
                    reason: pb::HideReason::Spam as i32,
                    note: "广告".into(),
                }
                .encode_to_vec(),
            ),
        ),
        (
            "CommentService/BulkHideComments",
            Row::Departmental(hide_flood.encode_to_vec()),
        ),
        (
            "CommentService/StartBulkHideComments",
            Row::Departmental(
                pb::StartBulkHideCommentsRequest {
                    bulk_hide: Some(hide_flood.clone()),
                }
                .encode_to_vec(),
            ),
        ),
        (
            "CommentService/UnhideComment",
            Row::Departmental(
                pb::UnhideCommentRequest {
                    name: comments[3].clone(),
                }
                .encode_to_vec(),
            ),
        ),
        (
            "CommentService/RedactComment",
            Row::Departmental(
                pb::RedactCommentRequest {
                    name: comments[3].clone(),
                    redactions: vec![pb::Redaction {
                        start: 0,
                        end: 1,
                        reason: pb::RedactionReason::ThirdPartyPrivacy as i32,
                    }],
                }
                .encode_to_vec(),
            ),
        ),
        (
            "CommentService/AnswerComment",
            Row::Departmental(
                pb::AnswerCommentRequest {
                    name: comments[2].clone(),
                    disposition: Some(answer()),
                }
                .encode_to_vec(),
            ),
        ),
        (
            "FeedbackService/CreateOpinionGroup",
            Row::Departmental(
                pb::CreateOpinionGroupRequest {
                    parent: c.clone(),
                    opinion_group: Some(pb::OpinionGroup {
                        summary: "关于养护的意见".into(),
                        ..Default::default()
                    }),
                    comments: vec![comments[2].clone(), comments[3].clone()],
                }
                .encode_to_vec(),
            ),
        ),
        (
            "FeedbackService/GetOpinionGroup",
            Row::Departmental(
                pb::GetOpinionGroupRequest {
                    name: group.clone(),
                }
                .encode_to_vec(),
            ),
        ),
        (
            "FeedbackService/ListOpinionGroups",
            Row::Departmental(
                pb::ListOpinionGroupsRequest {
                    parent: c.clone(),
                    ..Default::default()
                }
                .encode_to_vec(),
            ),
        ),
        (
            "FeedbackService/UpdateOpinionGroup",
            Row::Departmental(
                pb::UpdateOpinionGroupRequest {
                    opinion_group: Some(pb::OpinionGroup {
                        name: group.clone(),
                        summary: "关于绿地率和养护的意见".into(),
                        ..Default::default()
                    }),
                    update_mask: Some(prost_types::FieldMask {
                        paths: vec!["summary".into()],
                    }),
                }
                .encode_to_vec(),
            ),
        ),
        (
            "FeedbackService/AddOpinionGroupMembers",
            Row::Departmental(
                pb::AddOpinionGroupMembersRequest {
                    name: group.clone(),
                    comments: vec![comments[2].clone()],
                }
                .encode_to_vec(),
            ),
        ),
        (
            "FeedbackService/RemoveOpinionGroupMembers",
            Row::Departmental(
                pb::RemoveOpinionGroupMembersRequest {
                    name: group.clone(),
                    comments: vec![comments[2].clone()],
                }
                .encode_to_vec(),
            ),
        ),
        (
            "FeedbackService/DeleteOpinionGroup",
            Row::Departmental(
                pb::DeleteOpinionGroupRequest {
                    name: group.clone(),
                }
                .encode_to_vec(),
            ),
        ),
        (
            "FeedbackService/AnswerOpinionGroup",
            Row::Departmental(
                pb::AnswerOpinionGroupRequest {
                    name: group.clone(),
                    disposition: Some(answer()),
                }
                .encode_to_vec(),
            ),
        ),
        (
            "FeedbackService/BulkAnswerComments",
            Row::Departmental(
                pb::BulkAnswerCommentsRequest {
                    parent: c.clone(),
                    disposition: Some(answer()),
                    target: Some(pb::bulk_answer_comments_request::Target::Comments(
                        pb::CommentList {
                            comments: vec![comments[2].clone()],
                        },
                    )),
                    validate_only: false,
                }
                .encode_to_vec(),
            ),
        ),
        (
            "FeedbackService/BatchAnswer",
            Row::Departmental(
                pb::BatchAnswerRequest {
                    parent: c.clone(),
                    answers: vec![pb::AnswerItem {
                        name: comments[2].clone(),
                        disposition: Some(answer()),
                    }],
                    validate_only: false,
                }
                .encode_to_vec(),
            ),
        ),
        (
            "FeedbackService/GetAnsweringProgress",
            Row::Departmental(pb::GetAnsweringProgressRequest { name: c.clone() }.encode_to_vec()),
        ),
        (
            "FeedbackService/ListDispositionRevisions",
            Row::Departmental(
                pb::ListDispositionRevisionsRequest {
                    parent: comments[2].clone(),
                }
                .encode_to_vec(),
            ),
        ),
        (
            "FeedbackService/PreviewFeedbackReport",
            Row::Departmental(
                pb::PreviewFeedbackReportRequest {
                    name: c.clone(),
                    view: 0,
                }
                .encode_to_vec(),
            ),
        ),
        (
            "FeedbackService/PublishFeedbackReport",
            Row::Departmental(pb::PublishFeedbackReportRequest { name: c.clone() }.encode_to_vec()),
        ),
        (
            "FeedbackService/CorrectFeedbackReport",
            Row::Departmental(
                pb::CorrectFeedbackReportRequest {
                    name: c.clone(),
                    reason: "更正决定文号".into(),
                    decision: Some(decision()),
                }
                .encode_to_vec(),
            ),
        ),
        (
            "FeedbackService/GetFeedbackReport",
            Row::NotDepartmental("published reports are public"),
        ),
        (
            "FeedbackService/ListFeedbackReports",
            Row::NotDepartmental("published reports are public"),
        ),
        (
            "FeedbackService/ListFeedbackReportEntries",
            Row::NotDepartmental("published reports are public"),
        ),
        (
            "FeedbackService/DownloadFeedbackReport",
            Row::NotDepartmental("published reports are public"),
        ),
        (
            "FeedbackService/StartBulkAnswerComments",
            Row::Departmental(
                pb::StartBulkAnswerCommentsRequest {
                    bulk_answer: Some(bulk_of_unknown.clone()),
                }
                .encode_to_vec(),
            ),
        ),
        (
            "FeedbackService/StartPublishFeedbackReport",
            Row::Departmental(
                pb::StartPublishFeedbackReportRequest { name: c.clone() }.encode_to_vec(),
            ),
        ),
        (
            "FeedbackService/StartCorrectFeedbackReport",
            Row::Departmental(
                pb::StartCorrectFeedbackReportRequest {
                    correction: Some(pb::CorrectFeedbackReportRequest {
                        name: c.clone(),
                        reason: "更正决定文号".into(),
                        decision: Some(decision()),
                    }),
                }
                .encode_to_vec(),
            ),
        ),
        (
            "SuggestionService/StartComputeSuggestions",
            // On the draft: refused by its state before an operation starts, so that no
            // operation's work lands while a later row counts what a refusal wrote.
            Row::Departmental(
                pb::StartComputeSuggestionsRequest {
                    parent: draft_c.name.clone(),
                }
                .encode_to_vec(),
            ),
        ),
        (
            "SuggestionService/ListSuggestions",
            Row::Departmental(
                pb::ListSuggestionsRequest {
                    parent: c.clone(),
                    ..Default::default()
                }
                .encode_to_vec(),
            ),
        ),
        (
            "SuggestionService/GetSuggestion",
            Row::Departmental(
                pb::GetSuggestionRequest {
                    name: suggestion.clone(),
                }
                .encode_to_vec(),
            ),
        ),
        (
            "SuggestionService/AcceptSuggestion",
            Row::Departmental(
                pb::AcceptSuggestionRequest {
                    name: suggestion.clone(),
                    into: Some(pb::accept_suggestion_request::Into::Summary(
                        "恢复原公交线路".into(),
                    )),
                }
                .encode_to_vec(),
            ),
        ),
        (
            "SuggestionService/SplitSuggestion",
            Row::Departmental(
                pb::SplitSuggestionRequest {
                    name: suggestion.clone(),
                    comments: comments[..2].to_vec(),
                }
                .encode_to_vec(),
            ),
        ),
        (
            "SuggestionService/DismissSuggestion",
            Row::Departmental(
                pb::DismissSuggestionRequest {
                    name: suggestion.clone(),
                }
                .encode_to_vec(),
            ),
        ),
        (
            "AnswerTemplateService/CreateAnswerTemplate",
            Row::Departmental(
                pb::CreateAnswerTemplateRequest {
                    parent: "departments/fgw".into(),
                    answer_template_id: "上位法".into(),
                    answer_template: Some(pb::AnswerTemplate {
                        disposition: Some(answer()),
                        ..Default::default()
                    }),
                }
                .encode_to_vec(),
            ),
        ),
        (
            "AnswerTemplateService/GetAnswerTemplate",
            Row::Departmental(
                pb::GetAnswerTemplateRequest {
                    name: TEMPLATE.into(),
                }
                .encode_to_vec(),
            ),
        ),
        (
            "AnswerTemplateService/ListAnswerTemplates",
            Row::Departmental(
                pb::ListAnswerTemplatesRequest {
                    parent: "departments/fgw".into(),
                }
                .encode_to_vec(),
            ),
        ),
        (
            "AnswerTemplateService/UpdateAnswerTemplate",
            Row::Departmental(
                pb::UpdateAnswerTemplateRequest {
                    answer_template: Some(pb::AnswerTemplate {
                        name: TEMPLATE.into(),
                        description: "常用".into(),
                        ..Default::default()
                    }),
                    update_mask: Some(prost_types::FieldMask {
                        paths: vec!["description".into()],
                    }),
                }
                .encode_to_vec(),
            ),
        ),
        (
            "AnswerTemplateService/DeleteAnswerTemplate",
            Row::Departmental(
                pb::DeleteAnswerTemplateRequest {
                    name: TEMPLATE.into(),
                }
                .encode_to_vec(),
            ),
        ),
        (
            "Operations/ListOperations",
            Row::Departmental(
                consult_api::google::longrunning::ListOperationsRequest {
                    name: c.clone(),
                    ..Default::default()
                }
                .encode_to_vec(),
            ),
        ),
        (
            "Operations/GetOperation",
            Row::NotDepartmental("shown to officers of its department; any principal may ask"),
        ),
        (
            "Operations/WaitOperation",
            Row::NotDepartmental("shown to officers of its department; any principal may ask"),
        ),
        (
            "Operations/CancelOperation",
            Row::Departmental(
                consult_api::google::longrunning::CancelOperationRequest { name: to_cancel }
                    .encode_to_vec(),
            ),
        ),
        (
            "Operations/DeleteOperation",
            Row::Departmental(
                consult_api::google::longrunning::DeleteOperationRequest { name: to_delete }
                    .encode_to_vec(),
            ),
        ),
        (
            "CallerService/GetCaller",
            Row::NotDepartmental("the caller itself"),
        ),
        (
            "DepartmentService/CreateDepartment",
            Row::NotDepartmental("the registry is the government's, kept by administrators"),
        ),
        (
            "DepartmentService/GetDepartment",
            Row::NotDepartmental("the registry is public"),
        ),
        (
            "DepartmentService/ListDepartments",
            Row::NotDepartmental("the registry is public"),
        ),
        (
            "DepartmentService/UpdateDepartment",
            Row::NotDepartmental("the registry is the government's, kept by administrators"),
        ),
        (
            "CatalogueService/CreateCatalogue",
            Row::NotDepartmental("the catalogue is the government's, kept by administrators"),
        ),
        (
            "CatalogueService/GetCatalogue",
            Row::NotDepartmental("published catalogues are public"),
        ),
        (
            "CatalogueService/ListCatalogues",
            Row::NotDepartmental("published catalogues are public"),
        ),
        (
            "CatalogueService/ListCatalogueVersions",
            Row::NotDepartmental("published catalogues are public"),
        ),
        (
            "CatalogueService/UpdateCatalogue",
            Row::NotDepartmental("the catalogue is the government's, kept by administrators"),
        ),
        (
            "CatalogueService/PublishCatalogue",
            Row::NotDepartmental("the catalogue is the government's, kept by administrators"),
        ),
        (
            "CatalogueService/AdjustCatalogue",
            Row::NotDepartmental("the catalogue is the government's, kept by administrators"),
        ),
        (
            "HearingService/PlanHearing",
            Row::Departmental(
                pb::PlanHearingRequest {
                    parent: c.clone(),
                    hearing_id: "h1".into(),
                    hearing: Some(pb::Hearing {
                        held_at: Some(ts(beijing("2026-05-10 09:30"))),
                        place: "市政府第一会议室".into(),
                        matters: "收费标准".into(),
                        selection_method: "自愿报名，随机抽取".into(),
                        ..Default::default()
                    }),
                }
                .encode_to_vec(),
            ),
        ),
        (
            "HearingService/GetHearing",
            Row::NotDepartmental("a hearing's notice is public"),
        ),
        (
            "HearingService/ListHearings",
            Row::NotDepartmental("a hearing's notice is public"),
        ),
        (
            "HearingService/PublishHearingNotice",
            Row::Departmental(
                pb::PublishHearingNoticeRequest {
                    name: hearing.clone(),
                }
                .encode_to_vec(),
            ),
        ),
        (
            "HearingService/AddHearingParticipant",
            Row::Departmental(
                pb::AddHearingParticipantRequest {
                    parent: hearing.clone(),
                    participant: Some(pb::HearingParticipant {
                        category: pb::SubmitterCategory::Citizen as i32,
                        display_name: "张三".into(),
                        ..Default::default()
                    }),
                }
                .encode_to_vec(),
            ),
        ),
        (
            "HearingService/PublishHearingParticipants",
            Row::Departmental(
                pb::PublishHearingParticipantsRequest {
                    name: hearing.clone(),
                }
                .encode_to_vec(),
            ),
        ),
        (
            "HearingService/RecordMaterialsDelivered",
            Row::Departmental(
                pb::RecordMaterialsDeliveredRequest {
                    name: format!("{hearing}/participants/1"),
                    delivered_time: Some(ts(beijing("2026-03-02 09:00"))),
                }
                .encode_to_vec(),
            ),
        ),
        (
            "HearingService/EnterHearingRecord",
            Row::Departmental(
                pb::EnterHearingRecordRequest {
                    name: hearing.clone(),
                    text: "听证笔录".into(),
                }
                .encode_to_vec(),
            ),
        ),
        (
            "HearingService/ConfirmHearingRecord",
            Row::Departmental(
                pb::ConfirmHearingRecordRequest {
                    name: format!("{hearing}/participants/1"),
                }
                .encode_to_vec(),
            ),
        ),
        (
            "HearingService/RecordHearingOpinion",
            Row::Departmental(
                pb::RecordHearingOpinionRequest {
                    parent: hearing.clone(),
                    comment: Some(pb::Comment {
                        submitter_category: pb::SubmitterCategory::Citizen as i32,
                        content: "建议降低收费标准".into(),
                        ..Default::default()
                    }),
                    request_id: "hearing-opinion-1".into(),
                }
                .encode_to_vec(),
            ),
        ),
        (
            "MeetingService/RecordMeeting",
            Row::Departmental(
                pb::RecordMeetingRequest {
                    parent: c.clone(),
                    meeting_id: "m1".into(),
                    meeting: Some(pb::Meeting {
                        kind: pb::MeetingKind::Symposium as i32,
                        held_at: Some(ts(beijing("2026-03-02 09:00"))),
                        title: "企业代表座谈会".into(),
                        attendees: vec![pb::MeetingAttendees {
                            category: pb::SubmitterCategory::Enterprise as i32,
                            count: 5,
                            consented_names: Vec::new(),
                            representatives: Vec::new(),
                        }],
                        ..Default::default()
                    }),
                }
                .encode_to_vec(),
            ),
        ),
        (
            "MeetingService/GetMeeting",
            Row::NotDepartmental("what is recorded of a meeting is public"),
        ),
        (
            "MeetingService/ListMeetings",
            Row::NotDepartmental("what is recorded of a meeting is public"),
        ),
        (
            "MeetingService/RecordMeetingOpinion",
            Row::Departmental(
                pb::RecordMeetingOpinionRequest {
                    parent: format!("{c}/meetings/m1"),
                    comment: Some(pb::Comment {
                        submitter_category: pb::SubmitterCategory::Enterprise as i32,
                        content: "建议延长过渡期".into(),
                        ..Default::default()
                    }),
                    request_id: "meeting-opinion-1".into(),
                }
                .encode_to_vec(),
            ),
        ),
        (
            "RepresentativeService/CreateRepresentative",
            Row::Departmental(
                pb::CreateRepresentativeRequest {
                    parent: "departments/fgw".into(),
                    representative_id: "r1".into(),
                    representative: Some(pb::Representative {
                        category: pb::SubmitterCategory::Enterprise as i32,
                        display_name: "赵经理".into(),
                        ..Default::default()
                    }),
                }
                .encode_to_vec(),
            ),
        ),
        (
            "RepresentativeService/ListRepresentatives",
            Row::NotDepartmental("the counts are public; entries only for the department"),
        ),
        (
            "RepresentativeService/SetRepresentativeActive",
            Row::Departmental(
                pb::SetRepresentativeActiveRequest {
                    name: "departments/fgw/representatives/r1".into(),
                    active: false,
                }
                .encode_to_vec(),
            ),
        ),
        (
            "EventService/WatchEvents",
            Row::NotDepartmental("public events, for any principal"),
        ),
        (
            "CallingSystemService/CreateCallingSystem",
            Row::NotDepartmental("administrators only: the register of calling systems"),
        ),
        (
            "CallingSystemService/GetCallingSystem",
            Row::NotDepartmental("administrators and auditors only"),
        ),
        (
            "CallingSystemService/ListCallingSystems",
            Row::NotDepartmental("administrators and auditors only"),
        ),
        (
            "CallingSystemService/UpdateCallingSystem",
            Row::NotDepartmental("administrators only: the register of calling systems"),
        ),
        (
            "CallingSystemService/IssueCallingSystemToken",
            Row::NotDepartmental("administrators only: the register of calling systems"),
        ),
        (
            "CalendarService/LoadCalendarYear",
            Row::NotDepartmental("the calendar is the government's, kept by administrators"),
        ),
        (
            "CalendarService/ListCalendarYears",
            Row::NotDepartmental("the calendar is public"),
        ),
        (
            "AuditService/ListAuditEvents",
            Row::NotDepartmental("auditors only, every department"),
        ),
        (
            "AuditService/VerifyAuditChain",
            Row::NotDepartmental("auditors only, every department"),
        ),
    ];

    // Listing (before the fgw officer's own calls publish the draft): another department's drafts are not listed, even when asked for by department.
    let listed = server
        .consultations()
        .list_consultations(authed(
            token::OFFICER_JTJ,
            pb::ListConsultationsRequest {
                department: "fgw".into(),
                page_size: 100,
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert!(
        listed.consultations.iter().all(|x| x.name != draft_c.name),
        "jtj sees fgw's draft"
    );
    let own = server
        .consultations()
        .list_consultations(authed(
            token::OFFICER_FGW,
            pb::ListConsultationsRequest {
                page_size: 100,
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert!(own.consultations.iter().any(|x| x.name == draft_c.name));

    let declared = declared();
    assert_eq!(declared.len(), rows.len(), "RPCs declared vs rows here");
    let mut departmental = 0;
    for rpc in &declared {
        let (_, row) = rows
            .iter()
            .find(|(r, _)| r == rpc)
            .unwrap_or_else(|| panic!("{rpc} has no department row in this test"));
        let body = match row {
            Row::Departmental(body) => body,
            Row::NotDepartmental(why) => {
                // Only RPCs open to everyone, to any principal or to auditors may skip this.
                let audience = EXPECTED.iter().find(|(r, _)| r == rpc).unwrap().1;
                assert!(
                    matches!(audience, "*" | "P" | "A" | "D" | "DA"),
                    "{rpc} is for {audience} but marked not departmental ({why})"
                );
                continue;
            }
        };
        // The other department first: refused, and nothing written. An operation an earlier
        // row started may still be writing: let it finish before counting.
        server.operations_settled().await;
        let before = server.row_counts().await;
        let code = call(&server, rpc, body, token::OFFICER_JTJ).await;
        assert_eq!(code, Code::PermissionDenied, "jtj officer calling {rpc}");
        assert_eq!(
            server.row_counts().await,
            before,
            "{rpc} wrote on a refusal"
        );
        // The own department is admitted; the state rules may still say no.
        if rpc != "ConsultationService/WithdrawConsultation" {
            let code = call(&server, rpc, body, token::OFFICER_FGW).await;
            assert!(
                !matches!(code, Code::PermissionDenied | Code::Unauthenticated),
                "fgw officer calling {rpc} got {code:?}"
            );
        }
        departmental += 1;
    }
    assert_eq!(departmental, 64);
}
