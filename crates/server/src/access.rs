//! The permission matrix (spec section 10) as one table: which roles may call each RPC at all.
//! Every call passes it before its handler runs; handlers then check the department.

use consult_domain::actor::{Role, authenticated};
use consult_domain::{Actor, DomainError};
use tonic::Request;

use crate::auth::Authenticator;

/// Who may call an RPC. Department checks (an officer acts on their own department's
/// consultations only; drafts are read by their department and auditors) follow in handlers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Audience {
    /// Anyone, with or without a credential (published data, receipt lookup).
    Anyone,
    /// Any authenticated principal.
    Principals,
    /// Officers (of the consultation's department).
    Officers,
    /// Officers (of the department) and auditors: internal reads.
    OfficersAndAuditors,
    /// Calling systems (on their bound channels) and officers (entering offline channels).
    Submitters,
    /// Auditors only.
    Auditors,
    /// Administrators only: the registries (departments).
    Administrators,
    /// Administrators and auditors: the register of calling systems.
    AdministratorsAndAuditors,
}

use Audience::*;

/// Every RPC of `consult.v1`, by service trait and method (snake case, as in the handlers).
pub(crate) const MATRIX: &[(&str, &str, Audience)] = &[
    ("ConsultationService", "create_consultation", Officers),
    ("ConsultationService", "get_consultation", Anyone),
    ("ConsultationService", "list_consultations", Anyone),
    ("ConsultationService", "update_consultation", Officers),
    ("ConsultationService", "publish_consultation", Officers),
    ("ConsultationService", "extend_consultation", Officers),
    ("ConsultationService", "close_consultation", Officers),
    ("ConsultationService", "withdraw_consultation", Officers),
    (
        "ConsultationService",
        "mark_ready_for_deliberation",
        Officers,
    ),
    ("ConsultationService", "record_decision", Officers),
    (
        "ConsultationService",
        "list_feedback_due",
        OfficersAndAuditors,
    ),
    ("CommentService", "submit_comment", Submitters),
    ("CommentService", "get_comment", OfficersAndAuditors),
    ("CommentService", "list_comments", OfficersAndAuditors),
    ("CommentService", "list_clauses", OfficersAndAuditors),
    ("CommentService", "lookup_comment", Anyone),
    ("CommentService", "hide_comment", Officers),
    ("CommentService", "bulk_hide_comments", Officers),
    ("CommentService", "start_bulk_hide_comments", Officers),
    ("CommentService", "unhide_comment", Officers),
    ("CommentService", "redact_comment", Officers),
    ("CommentService", "answer_comment", Officers),
    ("FeedbackService", "create_opinion_group", Officers),
    ("FeedbackService", "get_opinion_group", OfficersAndAuditors),
    (
        "FeedbackService",
        "list_opinion_groups",
        OfficersAndAuditors,
    ),
    ("FeedbackService", "update_opinion_group", Officers),
    ("FeedbackService", "add_opinion_group_members", Officers),
    ("FeedbackService", "remove_opinion_group_members", Officers),
    ("FeedbackService", "delete_opinion_group", Officers),
    ("FeedbackService", "answer_opinion_group", Officers),
    ("FeedbackService", "bulk_answer_comments", Officers),
    ("FeedbackService", "batch_answer", Officers),
    (
        "FeedbackService",
        "get_answering_progress",
        OfficersAndAuditors,
    ),
    (
        "FeedbackService",
        "list_disposition_revisions",
        OfficersAndAuditors,
    ),
    (
        "FeedbackService",
        "preview_feedback_report",
        OfficersAndAuditors,
    ),
    ("FeedbackService", "publish_feedback_report", Officers),
    ("FeedbackService", "correct_feedback_report", Officers),
    ("FeedbackService", "get_feedback_report", Anyone),
    ("FeedbackService", "list_feedback_reports", Anyone),
    ("FeedbackService", "list_feedback_report_entries", Anyone),
    ("FeedbackService", "download_feedback_report", Anyone),
    ("FeedbackService", "start_bulk_answer_comments", Officers),
    ("FeedbackService", "start_publish_feedback_report", Officers),
    ("FeedbackService", "start_correct_feedback_report", Officers),
    ("SuggestionService", "start_compute_suggestions", Officers),
    ("SuggestionService", "list_suggestions", OfficersAndAuditors),
    ("SuggestionService", "get_suggestion", OfficersAndAuditors),
    ("SuggestionService", "accept_suggestion", Officers),
    ("SuggestionService", "split_suggestion", Officers),
    ("SuggestionService", "dismiss_suggestion", Officers),
    ("AnswerTemplateService", "create_answer_template", Officers),
    (
        "AnswerTemplateService",
        "get_answer_template",
        OfficersAndAuditors,
    ),
    (
        "AnswerTemplateService",
        "list_answer_templates",
        OfficersAndAuditors,
    ),
    ("AnswerTemplateService", "update_answer_template", Officers),
    ("AnswerTemplateService", "delete_answer_template", Officers),
    // Handlers show an operation to its requester, officers of its department and auditors.
    ("Operations", "list_operations", OfficersAndAuditors),
    ("Operations", "get_operation", Principals),
    ("Operations", "delete_operation", Officers),
    ("Operations", "cancel_operation", Officers),
    ("Operations", "wait_operation", Principals),
    ("CallerService", "get_caller", Principals),
    ("AuditService", "list_audit_events", Auditors),
    ("AuditService", "verify_audit_chain", Auditors),
    ("DepartmentService", "create_department", Administrators),
    ("DepartmentService", "get_department", Anyone),
    ("DepartmentService", "list_departments", Anyone),
    ("DepartmentService", "update_department", Administrators),
    ("EventService", "watch_events", Principals),
    (
        "CallingSystemService",
        "create_calling_system",
        Administrators,
    ),
    (
        "CallingSystemService",
        "get_calling_system",
        AdministratorsAndAuditors,
    ),
    (
        "CallingSystemService",
        "list_calling_systems",
        AdministratorsAndAuditors,
    ),
    (
        "CallingSystemService",
        "update_calling_system",
        Administrators,
    ),
    (
        "CallingSystemService",
        "issue_calling_system_token",
        Administrators,
    ),
    ("CatalogueService", "create_catalogue", Administrators),
    ("CatalogueService", "get_catalogue", Anyone),
    ("CatalogueService", "list_catalogues", Anyone),
    ("CatalogueService", "list_catalogue_versions", Anyone),
    ("CatalogueService", "update_catalogue", Administrators),
    ("CatalogueService", "publish_catalogue", Administrators),
    ("CatalogueService", "adjust_catalogue", Administrators),
    ("HearingService", "plan_hearing", Officers),
    ("HearingService", "get_hearing", Anyone),
    ("HearingService", "list_hearings", Anyone),
    ("HearingService", "publish_hearing_notice", Officers),
    ("HearingService", "add_hearing_participant", Officers),
    ("HearingService", "publish_hearing_participants", Officers),
    ("HearingService", "record_materials_delivered", Officers),
    ("HearingService", "enter_hearing_record", Officers),
    ("HearingService", "confirm_hearing_record", Officers),
    ("HearingService", "record_hearing_opinion", Officers),
    ("MeetingService", "record_meeting", Officers),
    ("MeetingService", "get_meeting", Anyone),
    ("MeetingService", "list_meetings", Anyone),
    ("MeetingService", "record_meeting_opinion", Officers),
    ("CalendarService", "load_calendar_year", Administrators),
    ("CalendarService", "list_calendar_years", Anyone),
    ("RepresentativeService", "create_representative", Officers),
    ("RepresentativeService", "list_representatives", Anyone),
    (
        "RepresentativeService",
        "set_representative_active",
        Officers,
    ),
];

/// The audience of an RPC, if it has a row.
pub(crate) fn audience(service: &str, method: &str) -> Option<Audience> {
    MATRIX
        .iter()
        .find(|(s, m, _)| *s == service && *m == method)
        .map(|(_, _, a)| *a)
}

/// Whether `actor` belongs to `audience`.
pub(crate) fn admits(audience: Audience, actor: Option<&Actor>) -> Result<(), DomainError> {
    if audience == Anyone {
        return Ok(());
    }
    let actor = authenticated(actor)?;
    let ok = matches!(
        (audience, &actor.role),
        (Anyone | Principals, _)
            | (Officers, Role::Officer { .. })
            | (OfficersAndAuditors, Role::Officer { .. } | Role::Auditor)
            | (
                Submitters,
                Role::Officer { .. } | Role::CallingSystem { .. }
            )
            | (Auditors, Role::Auditor)
            | (Administrators, Role::Administrator)
            | (
                AdministratorsAndAuditors,
                Role::Administrator | Role::Auditor
            )
    );
    if ok {
        Ok(())
    } else {
        Err(DomainError::denied(match audience {
            Officers => {
                "只有承办部门的工作人员可以办理征求意见事项 (only officers of the responsible department may do this)"
            }
            OfficersAndAuditors => {
                "只有承办部门的工作人员和审计人员可以查阅 (only officers of the responsible department and auditors may read this)"
            }
            Submitters => {
                "管理员和审计员不能提交意见 (administrators and auditors cannot submit comments; calling systems and officers only)"
            }
            Auditors => "只有审计人员可以查阅审计日志 (only auditors read the audit log)",
            Administrators => {
                "只有系统管理员可以维护部门名录 (only administrators keep the registries)"
            }
            AdministratorsAndAuditors => {
                "只有系统管理员和审计人员可以查阅调用系统 (only administrators and auditors read the register of calling systems)"
            }
            Anyone | Principals => "无权调用 (not permitted)",
        }))
    }
}

/// The check every call passes first: a valid credential (if any is given) of a role the
/// matrix admits. An RPC without a row is refused, never let through.
pub(crate) fn check<T>(
    service: &str,
    method: &str,
    auth: &Authenticator,
    request: &Request<T>,
) -> Result<(), DomainError> {
    let actor = auth.actor(request)?;
    let audience = audience(service, method).ok_or_else(|| {
        tracing::error!(
            service,
            method,
            "RPC without a row in the permission matrix"
        );
        DomainError::denied("该接口未列入权限表 (this RPC has no permission row)")
    })?;
    admits(audience, actor.as_ref())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use consult_domain::Channel;
    use prost::Message;

    fn snake(s: &str) -> String {
        let mut out = String::new();
        for (i, c) in s.chars().enumerate() {
            if c.is_ascii_uppercase() {
                if i > 0 {
                    out.push('_');
                }
                out.push(c.to_ascii_lowercase());
            } else {
                out.push(c);
            }
        }
        out
    }

    /// Every RPC the API declares, from its descriptor set.
    fn declared() -> Vec<(String, String)> {
        let set = prost_types::FileDescriptorSet::decode(consult_api::FILE_DESCRIPTOR_SET).unwrap();
        set.file
            .iter()
            .filter(|f| ["consult.v1", "google.longrunning"].contains(&f.package()))
            .flat_map(|f| f.service.iter())
            .flat_map(|s| {
                s.method
                    .iter()
                    .map(|m| (s.name().to_owned(), snake(m.name())))
            })
            .collect()
    }

    #[test]
    fn every_rpc_has_exactly_one_row_and_every_row_an_rpc() {
        let rpcs = declared();
        assert!(rpcs.len() >= 37, "{}", rpcs.len());
        for (s, m) in &rpcs {
            let rows = MATRIX
                .iter()
                .filter(|(rs, rm, _)| rs == s && rm == m)
                .count();
            assert_eq!(rows, 1, "{s}/{m} needs exactly one row in access::MATRIX");
        }
        for (s, m, _) in MATRIX {
            assert!(
                rpcs.iter().any(|(rs, rm)| rs == s && rm == m),
                "row {s}/{m} names no RPC"
            );
        }
    }

    fn actors() -> Vec<(&'static str, Option<Actor>)> {
        let a = |id: &str, role| {
            Some(Actor {
                id: id.into(),
                role,
            })
        };
        vec![
            ("public", None),
            (
                "officer",
                a(
                    "o",
                    Role::Officer {
                        department: "fgw".into(),
                    },
                ),
            ),
            (
                "calling_system",
                a(
                    "p",
                    Role::CallingSystem {
                        channels: vec![Channel::Portal],
                    },
                ),
            ),
            ("administrator", a("ad", Role::Administrator)),
            ("auditor", a("au", Role::Auditor)),
        ]
    }

    #[test]
    fn every_rpc_by_every_role_matches_spec_section_10() {
        for (service, method, audience) in MATRIX {
            for (who, actor) in actors() {
                let allowed = admits(*audience, actor.as_ref()).is_ok();
                let writes = !matches!(
                    *audience,
                    Anyone
                        | Principals
                        | OfficersAndAuditors
                        | Auditors
                        | AdministratorsAndAuditors
                );
                let expected = match who {
                    "public" => *audience == Anyone,
                    // Calling systems submit and read public data; nothing else.
                    "calling_system" => matches!(*audience, Anyone | Principals | Submitters),
                    // Administrators keep the registries, not consultations.
                    "administrator" => matches!(
                        *audience,
                        Anyone | Principals | Administrators | AdministratorsAndAuditors
                    ),
                    // Auditors read everything and change nothing.
                    "auditor" => !writes,
                    // Officers do everything but read the audit log and keep the registries
                    // (the register of calling systems, credentials included, is not theirs
                    // to read either).
                    _ => !matches!(
                        *audience,
                        Auditors | Administrators | AdministratorsAndAuditors
                    ),
                };
                assert_eq!(allowed, expected, "{who} calling {service}/{method}");
            }
        }
    }

    #[test]
    fn refusals_say_who_is_missing() {
        let e = admits(Officers, None).unwrap_err();
        assert!(matches!(e, DomainError::Unauthenticated { .. }));
        let auditor = Actor {
            id: "au".into(),
            role: Role::Auditor,
        };
        let e = admits(Officers, Some(&auditor)).unwrap_err();
        assert!(e.to_string().contains("only officers"), "{e}");
    }
}
