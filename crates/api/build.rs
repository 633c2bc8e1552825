//! Compiles `proto/` with protox (no system protoc) and adds validation attributes.

use std::path::PathBuf;

use prost::Message;

/// Messages that derive `validator::Validate`.
const VALIDATED: &[&str] = &[
    ".consult.v1.Consultation",
    ".consult.v1.CreateConsultationRequest",
    ".consult.v1.GetConsultationRequest",
    ".consult.v1.ListConsultationsRequest",
    ".consult.v1.UpdateConsultationRequest",
    ".consult.v1.PublishConsultationRequest",
    ".consult.v1.ExtendConsultationRequest",
    ".consult.v1.CloseConsultationRequest",
    ".consult.v1.WithdrawConsultationRequest",
    ".consult.v1.Submitter",
    ".consult.v1.Comment",
    ".consult.v1.SubmitCommentRequest",
    ".consult.v1.GetCommentRequest",
    ".consult.v1.ListCommentsRequest",
    ".consult.v1.ListClausesRequest",
    ".consult.v1.LookupCommentRequest",
    ".consult.v1.HideCommentRequest",
    ".consult.v1.BulkHideCommentsRequest",
    ".consult.v1.StartBulkHideCommentsRequest",
    ".consult.v1.CreateAnswerTemplateRequest",
    ".consult.v1.GetAnswerTemplateRequest",
    ".consult.v1.ListAnswerTemplatesRequest",
    ".consult.v1.UpdateAnswerTemplateRequest",
    ".consult.v1.DeleteAnswerTemplateRequest",
    ".consult.v1.UnhideCommentRequest",
    ".consult.v1.AnswerCommentRequest",
    ".consult.v1.RedactCommentRequest",
    ".consult.v1.Disposition",
    ".consult.v1.Decision",
    ".consult.v1.MarkReadyForDeliberationRequest",
    ".consult.v1.RecordDecisionRequest",
    ".consult.v1.ListFeedbackDueRequest",
    ".consult.v1.OpinionGroup",
    ".consult.v1.CreateOpinionGroupRequest",
    ".consult.v1.GetOpinionGroupRequest",
    ".consult.v1.ListOpinionGroupsRequest",
    ".consult.v1.UpdateOpinionGroupRequest",
    ".consult.v1.AddOpinionGroupMembersRequest",
    ".consult.v1.RemoveOpinionGroupMembersRequest",
    ".consult.v1.DeleteOpinionGroupRequest",
    ".consult.v1.AnswerOpinionGroupRequest",
    ".consult.v1.BulkAnswerCommentsRequest",
    ".consult.v1.GetAnsweringProgressRequest",
    ".consult.v1.BatchAnswerRequest",
    ".consult.v1.ListDispositionRevisionsRequest",
    ".consult.v1.PreviewFeedbackReportRequest",
    ".consult.v1.PublishFeedbackReportRequest",
    ".consult.v1.CorrectFeedbackReportRequest",
    ".consult.v1.GetFeedbackReportRequest",
    ".consult.v1.ListFeedbackReportsRequest",
    ".consult.v1.ListFeedbackReportEntriesRequest",
    ".consult.v1.DownloadFeedbackReportRequest",
    ".consult.v1.StartBulkAnswerCommentsRequest",
    ".consult.v1.StartPublishFeedbackReportRequest",
    ".consult.v1.StartCorrectFeedbackReportRequest",
    ".consult.v1.GetCallerRequest",
    ".consult.v1.Department",
    ".consult.v1.CreateDepartmentRequest",
    ".consult.v1.GetDepartmentRequest",
    ".consult.v1.ListDepartmentsRequest",
    ".consult.v1.UpdateDepartmentRequest",
    ".consult.v1.CallingSystem",
    ".consult.v1.CreateCallingSystemRequest",
    ".consult.v1.GetCallingSystemRequest",
    ".consult.v1.ListCallingSystemsRequest",
    ".consult.v1.UpdateCallingSystemRequest",
    ".consult.v1.IssueCallingSystemTokenRequest",
    ".consult.v1.WatchEventsRequest",
    ".consult.v1.ListAuditEventsRequest",
    ".consult.v1.VerifyAuditChainRequest",
    ".consult.v1.StartComputeSuggestionsRequest",
    ".consult.v1.ListSuggestionsRequest",
    ".consult.v1.GetSuggestionRequest",
    ".consult.v1.AcceptSuggestionRequest",
    ".consult.v1.SplitSuggestionRequest",
    ".consult.v1.DismissSuggestionRequest",
    ".consult.v1.Catalogue",
    ".consult.v1.CatalogueItem",
    ".consult.v1.CatalogueApproval",
    ".consult.v1.CreateCatalogueRequest",
    ".consult.v1.GetCatalogueRequest",
    ".consult.v1.ListCataloguesRequest",
    ".consult.v1.ListCatalogueVersionsRequest",
    ".consult.v1.UpdateCatalogueRequest",
    ".consult.v1.PublishCatalogueRequest",
    ".consult.v1.AdjustCatalogueRequest",
    ".consult.v1.Hearing",
    ".consult.v1.HearingParticipant",
    ".consult.v1.PlanHearingRequest",
    ".consult.v1.GetHearingRequest",
    ".consult.v1.ListHearingsRequest",
    ".consult.v1.PublishHearingNoticeRequest",
    ".consult.v1.AddHearingParticipantRequest",
    ".consult.v1.PublishHearingParticipantsRequest",
    ".consult.v1.RecordMaterialsDeliveredRequest",
    ".consult.v1.EnterHearingRecordRequest",
    ".consult.v1.ConfirmHearingRecordRequest",
    ".consult.v1.RecordHearingOpinionRequest",
    ".consult.v1.Meeting",
    ".consult.v1.MeetingAttendees",
    ".consult.v1.RecordMeetingRequest",
    ".consult.v1.GetMeetingRequest",
    ".consult.v1.ListMeetingsRequest",
    ".consult.v1.RecordMeetingOpinionRequest",
    ".consult.v1.LoadCalendarYearRequest",
    ".consult.v1.ListCalendarYearsRequest",
    ".consult.v1.Representative",
    ".consult.v1.CreateRepresentativeRequest",
    ".consult.v1.ListRepresentativesRequest",
    ".consult.v1.SetRepresentativeActiveRequest",
];

const CONSULTATION_NAME: &str =
    r#"#[validate(custom(function = "crate::rules::consultation_name"))]"#;
const COMMENT_NAME: &str = r#"#[validate(custom(function = "crate::rules::comment_name"))]"#;
const PAGE_SIZE: &str = r#"#[validate(range(min = 0, max = 1000, message = "page_size 须在 0 到 1000 之间 (page_size must be 0-1000)"))]"#;
const PAGE_TOKEN: &str = r#"#[validate(length(max = 512, message = "page_token 无效 (page_token is not one this server issued)"))]"#;
const REASON: &str = r#"#[validate(length(max = 2000, message = "理由不能超过2000个字符 (reason has at most 2000 characters)"))]"#;
const DEPARTMENT: &str = r#"#[validate(length(max = 64, message = "部门代码不能超过64个字符 (department code has at most 64 characters)"))]"#;
/// Presence of nested messages is checked where requests are converted into domain commands.
const NESTED: &str = r#"#[validate(nested)]"#;
const GROUP_NAME: &str = r#"#[validate(custom(function = "crate::rules::opinion_group_name"))]"#;
const SUGGESTION_NAME: &str = r#"#[validate(custom(function = "crate::rules::suggestion_name"))]"#;
const COMMENT_NAMES: &str = r#"#[validate(custom(function = "crate::rules::comment_names"))]"#;
const ANSWER_TEXT: &str =
    r#"#[validate(length(max = 2000, message = "不能超过2000个字符 (at most 2000 characters)"))]"#;
const DECISION_TEXT: &str =
    r#"#[validate(length(max = 200, message = "不能超过200个字符 (at most 200 characters)"))]"#;
const PRIVATE_FIELD: &str =
    r#"#[validate(length(max = 1000, message = "不能超过1000个字符 (at most 1000 characters)"))]"#;

const CATALOGUE_TEXT: &str =
    r#"#[validate(length(max = 2000, message = "不能超过500个字符 (at most 500 characters)"))]"#;
const HEARING_TEXT: &str =
    r#"#[validate(length(max = 8000, message = "不能超过2000个字符 (at most 2000 characters)"))]"#;
/// Resource names (and ids) parsed where requests are converted: only their length here.
const PARSED_NAME: &str =
    r#"#[validate(length(max = 300, message = "资源名称格式不正确 (malformed name)"))]"#;
const CATALOGUE_NAME: &str =
    r#"#[validate(length(max = 200, message = "资源名称格式不正确 (malformed name)"))]"#;

/// Field attributes; domain parsing checks the same fields again after cleaning.
const FIELDS: &[(&str, &str)] = &[
    (
        ".consult.v1.LoadCalendarYearRequest.notice",
        r#"#[validate(length(max = 200000, message = "节假日文件不能超过200000个字符 (the notice has at most 200,000 characters)"))]"#,
    ),
    (".consult.v1.Representative.display_name", PRIVATE_FIELD),
    (".consult.v1.Representative.contact", PRIVATE_FIELD),
    (
        ".consult.v1.CreateRepresentativeRequest.parent",
        PARSED_NAME,
    ),
    (
        ".consult.v1.CreateRepresentativeRequest.representative_id",
        PARSED_NAME,
    ),
    (
        ".consult.v1.CreateRepresentativeRequest.representative",
        NESTED,
    ),
    (".consult.v1.ListRepresentativesRequest.parent", PARSED_NAME),
    (
        ".consult.v1.SetRepresentativeActiveRequest.name",
        PARSED_NAME,
    ),
    (".consult.v1.Meeting.title", HEARING_TEXT),
    (".consult.v1.Meeting.opinions_summary", HEARING_TEXT),
    (".consult.v1.Meeting.handling", HEARING_TEXT),
    (".consult.v1.Meeting.attendees", NESTED),
    (
        ".consult.v1.MeetingAttendees.representatives",
        r#"#[validate(length(max = 1000, message = "代表过多 (too many representatives)"))]"#,
    ),
    (
        ".consult.v1.MeetingAttendees.consented_names",
        r#"#[validate(length(max = 1000, message = "姓名过多 (too many names)"))]"#,
    ),
    (".consult.v1.RecordMeetingRequest.parent", CONSULTATION_NAME),
    (".consult.v1.RecordMeetingRequest.meeting_id", PARSED_NAME),
    (".consult.v1.RecordMeetingRequest.meeting", NESTED),
    (".consult.v1.GetMeetingRequest.name", PARSED_NAME),
    (".consult.v1.ListMeetingsRequest.parent", CONSULTATION_NAME),
    (
        ".consult.v1.RecordMeetingOpinionRequest.parent",
        PARSED_NAME,
    ),
    (".consult.v1.RecordMeetingOpinionRequest.comment", NESTED),
    (
        ".consult.v1.RecordMeetingOpinionRequest.request_id",
        r#"#[validate(custom(function = "crate::rules::request_id"))]"#,
    ),
    (".consult.v1.Hearing.place", HEARING_TEXT),
    (".consult.v1.Hearing.matters", HEARING_TEXT),
    (".consult.v1.Hearing.selection_method", HEARING_TEXT),
    (".consult.v1.HearingParticipant.display_name", PRIVATE_FIELD),
    (".consult.v1.PlanHearingRequest.parent", CONSULTATION_NAME),
    (".consult.v1.PlanHearingRequest.hearing_id", PARSED_NAME),
    (".consult.v1.PlanHearingRequest.hearing", NESTED),
    (".consult.v1.GetHearingRequest.name", PARSED_NAME),
    (".consult.v1.ListHearingsRequest.parent", CONSULTATION_NAME),
    (".consult.v1.PublishHearingNoticeRequest.name", PARSED_NAME),
    (
        ".consult.v1.AddHearingParticipantRequest.parent",
        PARSED_NAME,
    ),
    (
        ".consult.v1.AddHearingParticipantRequest.participant",
        NESTED,
    ),
    (
        ".consult.v1.PublishHearingParticipantsRequest.name",
        PARSED_NAME,
    ),
    (
        ".consult.v1.RecordMaterialsDeliveredRequest.name",
        CATALOGUE_NAME,
    ),
    (".consult.v1.EnterHearingRecordRequest.name", PARSED_NAME),
    (
        ".consult.v1.EnterHearingRecordRequest.text",
        r#"#[validate(length(max = 2000000, message = "笔录不能超过500000个字符 (the record has at most 500,000 characters)"))]"#,
    ),
    (".consult.v1.ConfirmHearingRecordRequest.name", PARSED_NAME),
    (
        ".consult.v1.RecordHearingOpinionRequest.parent",
        PARSED_NAME,
    ),
    (".consult.v1.RecordHearingOpinionRequest.comment", NESTED),
    (
        ".consult.v1.RecordHearingOpinionRequest.request_id",
        r#"#[validate(custom(function = "crate::rules::request_id"))]"#,
    ),
    (".consult.v1.Catalogue.title", CATALOGUE_TEXT),
    (".consult.v1.Catalogue.government", CATALOGUE_TEXT),
    (".consult.v1.Catalogue.items", NESTED),
    (".consult.v1.Catalogue.approval", NESTED),
    (".consult.v1.Catalogue.name", CATALOGUE_NAME),
    (".consult.v1.CatalogueItem.title", CATALOGUE_TEXT),
    (".consult.v1.CatalogueItem.name", CATALOGUE_NAME),
    (".consult.v1.CatalogueItem.department", DEPARTMENT),
    (
        ".consult.v1.CatalogueApproval.document_number",
        CATALOGUE_TEXT,
    ),
    (
        ".consult.v1.CatalogueApproval.approve_date",
        r#"#[validate(custom(function = "crate::rules::local_date"))]"#,
    ),
    (".consult.v1.CreateCatalogueRequest.catalogue", NESTED),
    (
        ".consult.v1.CreateCatalogueRequest.catalogue_id",
        r#"#[validate(length(max = 64, message = "目录标识不能超过64个字符 (catalogue_id has at most 64 characters)"))]"#,
    ),
    (".consult.v1.GetCatalogueRequest.name", CATALOGUE_NAME),
    (
        ".consult.v1.ListCatalogueVersionsRequest.name",
        CATALOGUE_NAME,
    ),
    (".consult.v1.UpdateCatalogueRequest.catalogue", NESTED),
    (".consult.v1.PublishCatalogueRequest.name", CATALOGUE_NAME),
    (".consult.v1.PublishCatalogueRequest.approval", NESTED),
    (".consult.v1.AdjustCatalogueRequest.name", CATALOGUE_NAME),
    (".consult.v1.AdjustCatalogueRequest.reason", CATALOGUE_TEXT),
    (
        ".consult.v1.Consultation.title",
        r#"#[validate(length(max = 200, message = "标题不能超过200个字符 (title has at most 200 characters)"))]"#,
    ),
    (".consult.v1.Consultation.department", DEPARTMENT),
    (".consult.v1.Consultation.shortened_reason", REASON),
    (".consult.v1.CreateConsultationRequest.consultation", NESTED),
    (".consult.v1.GetConsultationRequest.name", CONSULTATION_NAME),
    (".consult.v1.ListConsultationsRequest.page_size", PAGE_SIZE),
    (
        ".consult.v1.ListConsultationsRequest.page_token",
        PAGE_TOKEN,
    ),
    (
        ".consult.v1.ListConsultationsRequest.department",
        DEPARTMENT,
    ),
    (".consult.v1.UpdateConsultationRequest.consultation", NESTED),
    (
        ".consult.v1.PublishConsultationRequest.name",
        CONSULTATION_NAME,
    ),
    (
        ".consult.v1.ExtendConsultationRequest.name",
        CONSULTATION_NAME,
    ),
    (".consult.v1.ExtendConsultationRequest.reason", REASON),
    (
        ".consult.v1.CloseConsultationRequest.name",
        CONSULTATION_NAME,
    ),
    (
        ".consult.v1.WithdrawConsultationRequest.name",
        CONSULTATION_NAME,
    ),
    (".consult.v1.WithdrawConsultationRequest.reason", REASON),
    (".consult.v1.Submitter.name", PRIVATE_FIELD),
    (".consult.v1.Submitter.organization", PRIVATE_FIELD),
    (".consult.v1.Submitter.contact", PRIVATE_FIELD),
    (".consult.v1.Comment.submitter", r#"#[validate(nested)]"#),
    (
        ".consult.v1.Comment.content",
        r#"#[validate(length(max = 20000, message = "意见内容不能超过5000个字符 (content has at most 5000 characters)"))]"#,
    ),
    (".consult.v1.Comment.clause_reference", PRIVATE_FIELD),
    (".consult.v1.SubmitCommentRequest.parent", CONSULTATION_NAME),
    (".consult.v1.SubmitCommentRequest.comment", NESTED),
    (
        ".consult.v1.SubmitCommentRequest.request_id",
        r#"#[validate(custom(function = "crate::rules::request_id"))]"#,
    ),
    (".consult.v1.GetCommentRequest.name", COMMENT_NAME),
    (".consult.v1.ListCommentsRequest.parent", CONSULTATION_NAME),
    (".consult.v1.ListClausesRequest.parent", CONSULTATION_NAME),
    (".consult.v1.ListCommentsRequest.page_size", PAGE_SIZE),
    (".consult.v1.ListCommentsRequest.page_token", PAGE_TOKEN),
    (
        ".consult.v1.ListCommentsRequest.clause_reference",
        PRIVATE_FIELD,
    ),
    (
        ".consult.v1.ListCommentsRequest.suggestion",
        r#"#[validate(custom(function = "crate::rules::optional_suggestion_name"))]"#,
    ),
    (
        ".consult.v1.ListCommentsRequest.opinion_group",
        r#"#[validate(custom(function = "crate::rules::optional_opinion_group_name"))]"#,
    ),
    (
        ".consult.v1.LookupCommentRequest.receipt_code",
        r#"#[validate(length(max = 64, message = "回执码格式不正确 (receipt code is malformed)"))]"#,
    ),
    (".consult.v1.HideCommentRequest.name", COMMENT_NAME),
    (
        ".consult.v1.HideCommentRequest.note",
        r#"#[validate(length(max = 500, message = "备注不能超过500个字符 (note has at most 500 characters)"))]"#,
    ),
    (
        ".consult.v1.BulkHideCommentsRequest.parent",
        CONSULTATION_NAME,
    ),
    (
        ".consult.v1.BulkHideCommentsRequest.note",
        r#"#[validate(length(max = 500, message = "备注不能超过500个字符 (note has at most 500 characters)"))]"#,
    ),
    (".consult.v1.UnhideCommentRequest.name", COMMENT_NAME),
    (".consult.v1.AnswerCommentRequest.name", COMMENT_NAME),
    (
        ".consult.v1.CreateCallingSystemRequest.calling_system",
        NESTED,
    ),
    (
        ".consult.v1.UpdateCallingSystemRequest.calling_system",
        NESTED,
    ),
    (".consult.v1.CallingSystem.name", PARSED_NAME),
    (".consult.v1.CallingSystem.id", PARSED_NAME),
    (
        ".consult.v1.CallingSystem.display_name",
        r#"#[validate(length(max = 400, message = "名称不能超过100个字符 (at most 100 characters)"))]"#,
    ),
    (
        ".consult.v1.CallingSystem.channels",
        r#"#[validate(length(max = 32, message = "渠道过多 (too many channels)"))]"#,
    ),
    (
        ".consult.v1.CallingSystem.token_sha256",
        r#"#[validate(length(max = 128, message = "令牌摘要须为64位十六进制 (64 hex digits)"))]"#,
    ),
    (
        ".consult.v1.CallingSystem.certificate_common_name",
        r#"#[validate(length(max = 256, message = "证书通用名不超过64个字符 (at most 64 characters)"))]"#,
    ),
    (".consult.v1.GetCallingSystemRequest.name", PARSED_NAME),
    (".consult.v1.WatchEventsRequest.cursor", PARSED_NAME),
    (".consult.v1.WatchEventsRequest.department", DEPARTMENT),
    (
        ".consult.v1.WatchEventsRequest.types",
        r#"#[validate(length(max = 32, message = "类型过多 (too many types)"))]"#,
    ),
    (
        ".consult.v1.IssueCallingSystemTokenRequest.name",
        PARSED_NAME,
    ),
    (".consult.v1.CreateDepartmentRequest.department", NESTED),
    (".consult.v1.UpdateDepartmentRequest.department", NESTED),
    (".consult.v1.Department.code", DEPARTMENT),
    (
        ".consult.v1.Department.display_name",
        r#"#[validate(length(max = 400, message = "部门全称不能超过100个字符 (at most 100 characters)"))]"#,
    ),
    (
        ".consult.v1.Department.government",
        r#"#[validate(length(max = 400, message = "不能超过100个字符 (at most 100 characters)"))]"#,
    ),
    (
        ".consult.v1.GetDepartmentRequest.name",
        r#"#[validate(length(max = 80, message = "资源名称格式不正确 (malformed name)"))]"#,
    ),
    (".consult.v1.RedactCommentRequest.name", COMMENT_NAME),
    (".consult.v1.AnswerCommentRequest.disposition", NESTED),
    (".consult.v1.Disposition.reason", ANSWER_TEXT),
    (".consult.v1.Disposition.adopted_content", ANSWER_TEXT),
    (".consult.v1.Decision.number", DECISION_TEXT),
    (".consult.v1.Decision.title", DECISION_TEXT),
    (
        ".consult.v1.Decision.decide_date",
        r#"#[validate(custom(function = "crate::rules::local_date"))]"#,
    ),
    (
        ".consult.v1.MarkReadyForDeliberationRequest.name",
        CONSULTATION_NAME,
    ),
    (".consult.v1.RecordDecisionRequest.name", CONSULTATION_NAME),
    (".consult.v1.RecordDecisionRequest.decision", NESTED),
    (
        ".consult.v1.ListFeedbackDueRequest.within_days",
        r#"#[validate(range(min = 0, max = 366, message = "within_days 须在 0 到 366 之间 (within_days must be 0-366)"))]"#,
    ),
    (".consult.v1.ListFeedbackDueRequest.department", DEPARTMENT),
    (
        ".consult.v1.OpinionGroup.summary",
        r#"#[validate(length(max = 2000, message = "概括不能超过2000个字符 (summary has at most 2000 characters)"))]"#,
    ),
    (
        ".consult.v1.CreateOpinionGroupRequest.parent",
        CONSULTATION_NAME,
    ),
    (
        ".consult.v1.CreateOpinionGroupRequest.opinion_group",
        NESTED,
    ),
    (
        ".consult.v1.CreateOpinionGroupRequest.comments",
        COMMENT_NAMES,
    ),
    (".consult.v1.GetOpinionGroupRequest.name", GROUP_NAME),
    (
        ".consult.v1.ListOpinionGroupsRequest.parent",
        CONSULTATION_NAME,
    ),
    (".consult.v1.ListOpinionGroupsRequest.page_size", PAGE_SIZE),
    (
        ".consult.v1.ListOpinionGroupsRequest.page_token",
        PAGE_TOKEN,
    ),
    (
        ".consult.v1.UpdateOpinionGroupRequest.opinion_group",
        NESTED,
    ),
    (".consult.v1.AddOpinionGroupMembersRequest.name", GROUP_NAME),
    (
        ".consult.v1.AddOpinionGroupMembersRequest.comments",
        COMMENT_NAMES,
    ),
    (
        ".consult.v1.RemoveOpinionGroupMembersRequest.name",
        GROUP_NAME,
    ),
    (
        ".consult.v1.RemoveOpinionGroupMembersRequest.comments",
        COMMENT_NAMES,
    ),
    (".consult.v1.DeleteOpinionGroupRequest.name", GROUP_NAME),
    (".consult.v1.AnswerOpinionGroupRequest.name", GROUP_NAME),
    (".consult.v1.AnswerOpinionGroupRequest.disposition", NESTED),
    (
        ".consult.v1.BulkAnswerCommentsRequest.parent",
        CONSULTATION_NAME,
    ),
    (".consult.v1.BulkAnswerCommentsRequest.disposition", NESTED),
    (".consult.v1.BatchAnswerRequest.parent", CONSULTATION_NAME),
    (
        ".consult.v1.GetAnsweringProgressRequest.name",
        CONSULTATION_NAME,
    ),
    (
        ".consult.v1.ListDispositionRevisionsRequest.parent",
        r#"#[validate(custom(function = "crate::rules::answer_subject_name"))]"#,
    ),
    (
        ".consult.v1.PreviewFeedbackReportRequest.name",
        CONSULTATION_NAME,
    ),
    (
        ".consult.v1.PublishFeedbackReportRequest.name",
        CONSULTATION_NAME,
    ),
    (
        ".consult.v1.CorrectFeedbackReportRequest.name",
        CONSULTATION_NAME,
    ),
    (".consult.v1.CorrectFeedbackReportRequest.reason", REASON),
    (".consult.v1.CorrectFeedbackReportRequest.decision", NESTED),
    (
        ".consult.v1.GetFeedbackReportRequest.name",
        r#"#[validate(custom(function = "crate::rules::feedback_report_name"))]"#,
    ),
    (
        ".consult.v1.ListFeedbackReportsRequest.parent",
        CONSULTATION_NAME,
    ),
    (
        ".consult.v1.ListFeedbackReportEntriesRequest.parent",
        r#"#[validate(custom(function = "crate::rules::feedback_report_name"))]"#,
    ),
    (
        ".consult.v1.DownloadFeedbackReportRequest.name",
        r#"#[validate(custom(function = "crate::rules::feedback_report_name"))]"#,
    ),
    (
        ".consult.v1.StartBulkAnswerCommentsRequest.bulk_answer",
        NESTED,
    ),
    (".consult.v1.StartBulkHideCommentsRequest.bulk_hide", NESTED),
    (
        ".consult.v1.StartPublishFeedbackReportRequest.name",
        CONSULTATION_NAME,
    ),
    (
        ".consult.v1.StartCorrectFeedbackReportRequest.correction",
        NESTED,
    ),
    (
        ".consult.v1.ListFeedbackReportEntriesRequest.page_size",
        PAGE_SIZE,
    ),
    (
        ".consult.v1.ListFeedbackReportEntriesRequest.page_token",
        PAGE_TOKEN,
    ),
    (
        ".consult.v1.StartComputeSuggestionsRequest.parent",
        CONSULTATION_NAME,
    ),
    (
        ".consult.v1.ListSuggestionsRequest.parent",
        CONSULTATION_NAME,
    ),
    (".consult.v1.ListSuggestionsRequest.page_size", PAGE_SIZE),
    (".consult.v1.ListSuggestionsRequest.page_token", PAGE_TOKEN),
    (".consult.v1.GetSuggestionRequest.name", SUGGESTION_NAME),
    (".consult.v1.AcceptSuggestionRequest.name", SUGGESTION_NAME),
    (".consult.v1.SplitSuggestionRequest.name", SUGGESTION_NAME),
    (".consult.v1.SplitSuggestionRequest.comments", COMMENT_NAMES),
    (".consult.v1.DismissSuggestionRequest.name", SUGGESTION_NAME),
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../proto");
    println!("cargo:rerun-if-changed={}", root.display());
    let out = PathBuf::from(std::env::var("OUT_DIR")?);

    let public = protox::compile(
        [
            "consult/v1/consultation.proto",
            "consult/v1/comment.proto",
            "consult/v1/feedback.proto",
            "consult/v1/caller.proto",
            "consult/v1/department.proto",
            "consult/v1/audit.proto",
            "consult/v1/suggestion.proto",
            "consult/v1/answer_template.proto",
            "consult/v1/catalogue.proto",
            "consult/v1/hearing.proto",
            "consult/v1/meeting.proto",
            "consult/v1/calendar.proto",
            "consult/v1/representative.proto",
            "consult/v1/calling_system.proto",
            "consult/v1/event.proto",
            "google/longrunning/operations.proto",
        ],
        [&root],
    )?;
    std::fs::write(
        out.join("consult_v1_descriptor.bin"),
        public.encode_to_vec(),
    )?;
    let mut config = tonic_prost_build::configure().codec_path("crate::codec::ConsultCodec");
    for message in VALIDATED {
        config = config.message_attribute(*message, "#[derive(validator::Validate)]");
    }
    for (field, attr) in FIELDS {
        config = config.field_attribute(*field, *attr);
    }
    // Type names let clients print any message as proto JSON through its descriptor.
    let mut names = tonic_prost_build::Config::new();
    names.enable_type_names();
    config.compile_fds_with_config(public, names)?;

    let testing = protox::compile(["consult/testing/v1/test_clock.proto"], [&root])?;
    std::fs::write(
        out.join("consult_testing_v1_descriptor.bin"),
        testing.encode_to_vec(),
    )?;
    tonic_prost_build::configure().compile_fds(testing)?;
    Ok(())
}
