//! The permission matrix against the running server: every RPC the API declares, called by
//! every kind of caller, is admitted or refused as spec section 10 says. The RPCs come from the
//! descriptor set, so a new RPC without an expectation here fails this test.

use std::collections::BTreeMap;
use std::str::FromStr;

use bytes::{Buf, BufMut};
use consult_e2e::{TestServer, beijing, token};
use prost::Message;
use tonic::Code;
use tonic::codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder};
use tonic::codegen::http::uri::PathAndQuery;

/// Sends and receives message bytes as they are, so that any RPC can be called by name.
#[derive(Default, Clone)]
pub(crate) struct Raw;

impl Codec for Raw {
    type Encode = Vec<u8>;
    type Decode = Vec<u8>;
    type Encoder = Raw;
    type Decoder = Raw;
    fn encoder(&mut self) -> Raw {
        Raw
    }
    fn decoder(&mut self) -> Raw {
        Raw
    }
}

impl Encoder for Raw {
    type Item = Vec<u8>;
    type Error = tonic::Status;
    fn encode(&mut self, item: Vec<u8>, dst: &mut EncodeBuf<'_>) -> Result<(), tonic::Status> {
        dst.put_slice(&item);
        Ok(())
    }
}

impl Decoder for Raw {
    type Item = Vec<u8>;
    type Error = tonic::Status;
    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<Vec<u8>>, tonic::Status> {
        let mut v = vec![0; src.remaining()];
        src.copy_to_slice(&mut v);
        Ok(Some(v))
    }
}

/// Who spec section 10 lets call each RPC: `*` anyone, `P` any principal, `O` officers,
/// `OA` officers and auditors, `S` calling systems and officers, `A` auditors, `D`
/// administrators, `DA` administrators and auditors.
pub(crate) const EXPECTED: &[(&str, &str)] = &[
    ("ConsultationService/CreateConsultation", "O"),
    ("ConsultationService/GetConsultation", "*"),
    ("ConsultationService/ListConsultations", "*"),
    ("ConsultationService/UpdateConsultation", "O"),
    ("ConsultationService/PublishConsultation", "O"),
    ("ConsultationService/ExtendConsultation", "O"),
    ("ConsultationService/CloseConsultation", "O"),
    ("ConsultationService/WithdrawConsultation", "O"),
    ("ConsultationService/MarkReadyForDeliberation", "O"),
    ("ConsultationService/RecordDecision", "O"),
    ("ConsultationService/ListFeedbackDue", "OA"),
    ("CommentService/SubmitComment", "S"),
    ("CommentService/GetComment", "OA"),
    ("CommentService/ListComments", "OA"),
    ("CommentService/ListClauses", "OA"),
    ("CommentService/LookupComment", "*"),
    ("CommentService/HideComment", "O"),
    ("CommentService/BulkHideComments", "O"),
    ("CommentService/StartBulkHideComments", "O"),
    ("CommentService/UnhideComment", "O"),
    ("CommentService/RedactComment", "O"),
    ("CommentService/AnswerComment", "O"),
    ("FeedbackService/CreateOpinionGroup", "O"),
    ("FeedbackService/GetOpinionGroup", "OA"),
    ("FeedbackService/ListOpinionGroups", "OA"),
    ("FeedbackService/UpdateOpinionGroup", "O"),
    ("FeedbackService/AddOpinionGroupMembers", "O"),
    ("FeedbackService/RemoveOpinionGroupMembers", "O"),
    ("FeedbackService/DeleteOpinionGroup", "O"),
    ("FeedbackService/AnswerOpinionGroup", "O"),
    ("FeedbackService/BulkAnswerComments", "O"),
    ("FeedbackService/BatchAnswer", "O"),
    ("FeedbackService/GetAnsweringProgress", "OA"),
    ("FeedbackService/ListDispositionRevisions", "OA"),
    ("FeedbackService/PreviewFeedbackReport", "OA"),
    ("FeedbackService/PublishFeedbackReport", "O"),
    ("FeedbackService/CorrectFeedbackReport", "O"),
    ("FeedbackService/GetFeedbackReport", "*"),
    ("FeedbackService/ListFeedbackReports", "*"),
    ("FeedbackService/ListFeedbackReportEntries", "*"),
    ("FeedbackService/DownloadFeedbackReport", "*"),
    ("FeedbackService/StartBulkAnswerComments", "O"),
    ("FeedbackService/StartPublishFeedbackReport", "O"),
    ("FeedbackService/StartCorrectFeedbackReport", "O"),
    ("SuggestionService/StartComputeSuggestions", "O"),
    ("SuggestionService/ListSuggestions", "OA"),
    ("SuggestionService/GetSuggestion", "OA"),
    ("SuggestionService/AcceptSuggestion", "O"),
    ("SuggestionService/SplitSuggestion", "O"),
    ("SuggestionService/DismissSuggestion", "O"),
    ("AnswerTemplateService/CreateAnswerTemplate", "O"),
    ("AnswerTemplateService/GetAnswerTemplate", "OA"),
    ("AnswerTemplateService/ListAnswerTemplates", "OA"),
    ("AnswerTemplateService/UpdateAnswerTemplate", "O"),
    ("AnswerTemplateService/DeleteAnswerTemplate", "O"),
    ("Operations/ListOperations", "OA"),
    ("Operations/GetOperation", "P"),
    ("Operations/DeleteOperation", "O"),
    ("Operations/CancelOperation", "O"),
    ("Operations/WaitOperation", "P"),
    ("CallerService/GetCaller", "P"),
    ("AuditService/ListAuditEvents", "A"),
    ("AuditService/VerifyAuditChain", "A"),
    ("DepartmentService/CreateDepartment", "D"),
    ("DepartmentService/GetDepartment", "*"),
    ("DepartmentService/ListDepartments", "*"),
    ("DepartmentService/UpdateDepartment", "D"),
    ("CatalogueService/CreateCatalogue", "D"),
    ("CatalogueService/GetCatalogue", "*"),
    ("CatalogueService/ListCatalogues", "*"),
    ("CatalogueService/ListCatalogueVersions", "*"),
    ("CatalogueService/UpdateCatalogue", "D"),
    ("CatalogueService/PublishCatalogue", "D"),
    ("CatalogueService/AdjustCatalogue", "D"),
    ("HearingService/PlanHearing", "O"),
    ("HearingService/GetHearing", "*"),
    ("HearingService/ListHearings", "*"),
    ("HearingService/PublishHearingNotice", "O"),
    ("HearingService/AddHearingParticipant", "O"),
    ("HearingService/PublishHearingParticipants", "O"),
    ("HearingService/RecordMaterialsDelivered", "O"),
    ("HearingService/EnterHearingRecord", "O"),
    ("HearingService/ConfirmHearingRecord", "O"),
    ("HearingService/RecordHearingOpinion", "O"),
    ("MeetingService/RecordMeeting", "O"),
    ("MeetingService/GetMeeting", "*"),
    ("MeetingService/ListMeetings", "*"),
    ("MeetingService/RecordMeetingOpinion", "O"),
    ("CalendarService/LoadCalendarYear", "D"),
    ("CalendarService/ListCalendarYears", "*"),
    ("RepresentativeService/CreateRepresentative", "O"),
    ("RepresentativeService/ListRepresentatives", "*"),
    ("RepresentativeService/SetRepresentativeActive", "O"),
    ("EventService/WatchEvents", "P"),
    ("CallingSystemService/CreateCallingSystem", "D"),
    ("CallingSystemService/GetCallingSystem", "DA"),
    ("CallingSystemService/ListCallingSystems", "DA"),
    ("CallingSystemService/UpdateCallingSystem", "D"),
    ("CallingSystemService/IssueCallingSystemToken", "D"),
];

/// The package of the services the API serves besides `consult.v1`'s own.
const LONGRUNNING: &str = "google.longrunning";

/// Every RPC the API serves (`consult.v1` and `google.longrunning.Operations`) as
/// `Service/Method`, from the descriptor set.
pub(crate) fn declared() -> Vec<String> {
    let set = prost_types::FileDescriptorSet::decode(consult_api::FILE_DESCRIPTOR_SET).unwrap();
    set.file
        .iter()
        .filter(|f| f.package() == "consult.v1" || f.package() == LONGRUNNING)
        .flat_map(|f| f.service.iter())
        .flat_map(|s| {
            s.method
                .iter()
                .map(|m| format!("{}/{}", s.name(), m.name()))
        })
        .collect()
}

fn admitted(expected: &str, role: &str) -> bool {
    match (expected, role) {
        ("*", _) => true,
        (_, "public") => false,
        ("P", _) => true,
        ("O", r) => r == "officer",
        ("OA", r) => r == "officer" || r == "auditor",
        ("S", r) => r == "officer" || r == "calling_system",
        ("A", r) => r == "auditor",
        ("D", r) => r == "administrator",
        ("DA", r) => r == "administrator" || r == "auditor",
        other => panic!("unknown expectation {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_rpc_admits_exactly_the_roles_of_section_10() {
    let server = TestServer::start_at(beijing("2026-03-02 10:00")).await;
    let expected: BTreeMap<&str, &str> = EXPECTED.iter().copied().collect();
    let rpcs = declared();
    assert_eq!(rpcs.len(), EXPECTED.len(), "RPCs declared vs expectations");
    let callers = [
        ("public", None),
        ("officer", Some(token::OFFICER_FGW)),
        ("calling_system", Some(token::PORTAL)),
        ("administrator", Some(token::ADMIN)),
        ("auditor", Some(token::AUDITOR)),
    ];
    let mut grpc = tonic::client::Grpc::new(server.channel.clone());
    let mut checked = 0;
    for rpc in &rpcs {
        let want = expected
            .get(rpc.as_str())
            .unwrap_or_else(|| panic!("{rpc} has no expectation in this test"));
        for (role, tok) in callers {
            // An empty message: the permission check comes before anything looks at it.
            let mut request = tonic::Request::new(Vec::<u8>::new());
            if let Some(t) = tok {
                request
                    .metadata_mut()
                    .insert("authorization", format!("Bearer {t}").parse().unwrap());
            }
            grpc.ready().await.unwrap();
            let package = match rpc.starts_with("Operations/") {
                true => LONGRUNNING,
                false => "consult.v1",
            };
            let path = PathAndQuery::from_str(&format!("/{package}.{rpc}")).unwrap();
            let code = match grpc.unary(request, path, Raw).await {
                Ok(_) => Code::Ok,
                Err(s) => s.code(),
            };
            let refused = matches!(code, Code::PermissionDenied | Code::Unauthenticated);
            assert_eq!(
                !refused,
                admitted(want, role),
                "{role} calling {rpc} got {code:?}"
            );
            if refused && role == "public" {
                assert_eq!(code, Code::Unauthenticated, "{rpc} without a credential");
            }
            assert_ne!(code, Code::Unimplemented, "{rpc}");
            checked += 1;
        }
    }
    assert_eq!(checked, EXPECTED.len() * 5);
}
