//! The single mapping from domain and storage errors to gRPC statuses with `google.rpc` details.
//! Callers get the code, a Chinese-first message and machine-readable details they can act on.

use consult_domain::{DomainError, FieldViolation};
use consult_store::StoreError;
use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt};
use validator::{ValidationErrors, ValidationErrorsKind};

/// Why an RPC failed, before it becomes a `Status`.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A rule or input check refused the call.
    #[error(transparent)]
    Domain(#[from] DomainError),
    /// Storage failed; the caller sees `UNAVAILABLE` or `INTERNAL`, never the database's text.
    #[error(transparent)]
    Store(StoreError),
    /// The caller exceeded its rate limit; `RESOURCE_EXHAUSTED` with a `RetryInfo` delay.
    #[error("rate limited for {caller}; retry after {retry_after:?}")]
    RateLimited {
        /// The principal held back.
        caller: String,
        /// When its next token is there.
        retry_after: std::time::Duration,
    },
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Domain(d) => ApiError::Domain(d),
            other => ApiError::Store(other),
        }
    }
}

impl From<ValidationErrors> for ApiError {
    fn from(e: ValidationErrors) -> Self {
        let mut out = Vec::new();
        flatten(&e, "", &mut out);
        ApiError::Domain(DomainError::InvalidArgument(out))
    }
}

fn flatten(errors: &ValidationErrors, prefix: &str, out: &mut Vec<FieldViolation>) {
    for (field, kind) in errors.errors() {
        let path = if prefix.is_empty() {
            field.to_string()
        } else {
            format!("{prefix}.{field}")
        };
        match kind {
            ValidationErrorsKind::Field(list) => {
                for e in list {
                    let description = e
                        .message
                        .as_ref()
                        .map(|m| m.to_string())
                        .unwrap_or_else(|| format!("无效 (invalid: {})", e.code));
                    out.push(FieldViolation::new(path.clone(), description));
                }
            }
            ValidationErrorsKind::Struct(inner) => flatten(inner, &path, out),
            ValidationErrorsKind::List(items) => {
                for (i, inner) in items {
                    flatten(inner, &format!("{path}[{i}]"), out);
                }
            }
        }
    }
}

impl From<ApiError> for Status {
    fn from(e: ApiError) -> Self {
        match e {
            ApiError::Domain(d) => domain_status(d),
            ApiError::Store(StoreError::WriterStopped) => retryable(
                Code::Unavailable,
                "服务正在停止，请稍后重试 (server is shutting down; retry)",
                "SERVER_STOPPING",
                std::time::Duration::from_secs(1),
            ),
            ApiError::Store(StoreError::Unavailable { cause, detail }) => {
                tracing::warn!(cause = cause.reason(), error = %detail, "storage unavailable");
                retryable(
                    Code::Unavailable,
                    cause.message(),
                    cause.reason(),
                    cause.retry_after(),
                )
            }
            ApiError::Store(StoreError::Conflict(message, constraint)) => {
                tracing::info!(constraint = constraint.map(|c| c.name()), %message, "lost a race; caller may retry");
                // ABORTED: a concurrency conflict, to be retried by the caller (AIP-194).
                retryable(
                    Code::Aborted,
                    &message,
                    constraint.map_or("CONCURRENT_CHANGE", |c| c.name()),
                    std::time::Duration::from_millis(50),
                )
            }
            ApiError::Store(StoreError::Cancelled) => Status::cancelled(
                "操作已按请求取消，未作任何更改 (the operation was cancelled; nothing was changed)",
            ),
            ApiError::RateLimited {
                caller,
                retry_after,
            } => {
                let mut details = ErrorDetails::new();
                details.set_retry_info(Some(retry_after));
                details.add_quota_failure_violation(
                    caller.as_str(),
                    "每个接入方提交意见的速率有上限 (per-caller submission rate limit)",
                );
                Status::with_error_details(
                    Code::ResourceExhausted,
                    format!(
                        "提交过于频繁，请在 {} 毫秒后重试 (rate limit exceeded for {caller}; retry after {} ms)",
                        retry_after.as_millis().max(1),
                        retry_after.as_millis().max(1)
                    ),
                    details,
                )
            }
            ApiError::Store(other) => {
                tracing::error!(error = %other, "storage failure");
                Status::internal("服务内部错误，请稍后重试 (internal storage error; retry later)")
            }
        }
    }
}

/// A status the caller may retry unchanged: `RetryInfo` says when, `ErrorInfo` says why.
fn retryable(code: Code, message: &str, reason: &str, retry_after: std::time::Duration) -> Status {
    let mut details = ErrorDetails::new();
    details.set_retry_info(Some(retry_after));
    details.set_error_info(reason, "consult.gov.cn", []);
    Status::with_error_details(code, bounded(message, MESSAGE_MAX_BYTES), details)
}

/// Statuses travel in HTTP/2 trailers, and common clients (hyper's, tonic's) refuse header
/// blocks over 16 KiB: the message and the details are bounded so that the caller always gets
/// the status instead of a protocol error. Chinese text triples when percent-encoded.
const MESSAGE_MAX_BYTES: usize = 1_000;
/// Longest text of one detail (a field name, a description, a resource).
const DETAIL_MAX_BYTES: usize = 300;
/// Violations listed before the rest are summarised as one.
const DETAILS_BUDGET_BYTES: usize = 4_000;

/// `s` cut to at most `max` bytes at a character boundary, marked when cut.
fn bounded(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    let mut end = max.saturating_sub('…'.len_utf8());
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

/// Keeps the first violations within the budget and says how many more there were.
fn within_budget<T>(items: Vec<T>, size: impl Fn(&T) -> usize) -> (Vec<T>, usize) {
    let total = items.len();
    let mut used = 0;
    let kept: Vec<T> = items
        .into_iter()
        .take_while(|i| {
            used += size(i);
            used <= DETAILS_BUDGET_BYTES
        })
        .collect();
    let more = total - kept.len();
    (kept, more)
}

fn domain_status(e: DomainError) -> Status {
    let message = bounded(&e.to_string(), MESSAGE_MAX_BYTES);
    let detail = |s: &str| bounded(s, DETAIL_MAX_BYTES);
    let more_text =
        |n: usize| format!("另有 {n} 处问题未列出，请修正以上问题后重试 ({n} more not listed)");
    match e {
        DomainError::InvalidArgument(fields) => {
            let mut d = ErrorDetails::new();
            let (fields, more) = within_budget(fields, |f| {
                f.field.len().min(DETAIL_MAX_BYTES) + f.description.len().min(DETAIL_MAX_BYTES)
            });
            for f in fields {
                d.add_bad_request_violation(detail(&f.field), detail(&f.description));
            }
            if more > 0 {
                d.add_bad_request_violation("…", more_text(more));
            }
            Status::with_error_details(Code::InvalidArgument, message, d)
        }
        DomainError::FailedPrecondition(rules) => {
            let mut d = ErrorDetails::new();
            let (rules, more) = within_budget(rules, |r| {
                r.rule.len()
                    + r.subject.len().min(DETAIL_MAX_BYTES)
                    + r.description.len().min(DETAIL_MAX_BYTES)
            });
            for r in rules {
                d.add_precondition_failure_violation(
                    detail(r.rule),
                    detail(&r.subject),
                    detail(&r.description),
                );
            }
            if more > 0 {
                d.add_precondition_failure_violation("…", "…", more_text(more));
            }
            Status::with_error_details(Code::FailedPrecondition, message, d)
        }
        DomainError::NotFound { resource } => Status::with_error_details(
            Code::NotFound,
            message,
            ErrorDetails::with_resource_info(
                resource_type(&resource),
                detail(&resource),
                "",
                "不存在",
            ),
        ),
        DomainError::AlreadyExists { resource, .. } => Status::with_error_details(
            Code::AlreadyExists,
            message,
            ErrorDetails::with_resource_info(
                resource_type(&resource),
                detail(&resource),
                "",
                "已存在",
            ),
        ),
        DomainError::PermissionDenied { .. } => Status::permission_denied(message),
        DomainError::Unauthenticated { .. } => Status::unauthenticated(message),
    }
}

fn resource_type(name: &str) -> &'static str {
    if name.contains("/comments/") {
        "consult.v1.Comment"
    } else if name.starts_with("consultations/") {
        "consult.v1.Consultation"
    } else {
        "consult.v1.CommentReceipt"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_argument_carries_field_violations() {
        let s: Status = ApiError::from(DomainError::invalid("comment.content", "too long")).into();
        assert_eq!(s.code(), Code::InvalidArgument);
        let br = s.get_details_bad_request().expect("bad request details");
        assert_eq!(br.field_violations[0].field, "comment.content");
    }

    #[test]
    fn failed_precondition_carries_the_rule() {
        let s: Status = ApiError::from(DomainError::precondition(
            "NO_EARLY_CLOSE",
            "consultations/x",
            "早",
        ))
        .into();
        assert_eq!(s.code(), Code::FailedPrecondition);
        let pf = s.get_details_precondition_failure().expect("details");
        assert_eq!(pf.violations[0].r#type, "NO_EARLY_CLOSE");
    }

    #[test]
    fn huge_errors_stay_small_enough_for_http2_trailers() {
        let long = "界".repeat(100_000);
        let fields: Vec<_> = (0..2_000)
            .map(|i| consult_domain::FieldViolation {
                field: format!("answers[{i}].{long}"),
                description: long.clone(),
            })
            .collect();
        let s: Status = ApiError::from(DomainError::InvalidArgument(fields)).into();
        assert_eq!(s.code(), Code::InvalidArgument);
        assert!(
            s.message().len() <= MESSAGE_MAX_BYTES,
            "{}",
            s.message().len()
        );
        assert!(s.details().len() <= 6_000, "{}", s.details().len());
        let br = s.get_details_bad_request().expect("bad request details");
        let last = br.field_violations.last().unwrap();
        assert_eq!(last.field, "…");
        assert!(
            last.description
                .contains(&format!("{} 处", 2_000 - (br.field_violations.len() - 1)))
        );
        assert!(br.field_violations[0].field.starts_with("answers[0]."));

        let rules: Vec<_> = (0..500)
            .map(|i| consult_domain::PreconditionViolation {
                rule: "COMMENT_HIDDEN",
                subject: format!("consultations/c/comments/{i}{long}"),
                description: long.clone(),
            })
            .collect();
        let s: Status = ApiError::from(DomainError::FailedPrecondition(rules)).into();
        assert!(s.details().len() <= 6_000, "{}", s.details().len());
        let s: Status = ApiError::from(DomainError::not_found(long.clone())).into();
        assert!(s.message().len() <= MESSAGE_MAX_BYTES && s.details().len() <= 2_000);
        // A short message is untouched; a cut one ends on a whole character.
        assert_eq!(bounded("意见", 10), "意见");
        let cut = bounded(&long, 10);
        assert!(cut.ends_with('…') && cut.len() <= 10, "{cut}");
    }

    #[test]
    fn storage_errors_do_not_leak_database_text() {
        let e = ApiError::from(StoreError::Database(sea_orm_err()));
        let s: Status = e.into();
        assert_eq!(s.code(), Code::Internal);
        assert!(!s.message().contains("secret-table"));
    }

    #[test]
    fn storage_unavailability_is_retryable_and_never_internal() {
        use consult_store::UnavailableCause;
        for cause in [
            UnavailableCause::Unreachable,
            UnavailableCause::StorageFull,
            UnavailableCause::Io,
            UnavailableCause::Busy,
            UnavailableCause::ReadOnly,
        ] {
            let s: Status = ApiError::from(StoreError::Unavailable {
                cause,
                detail: "secret-table: disk I/O".into(),
            })
            .into();
            assert_eq!(s.code(), Code::Unavailable);
            assert_eq!(s.message(), cause.message());
            assert!(!s.message().contains("secret-table"));
            let retry = s.get_details_retry_info().expect("RetryInfo");
            assert_eq!(retry.retry_delay, Some(cause.retry_after()));
            assert_eq!(
                s.get_details_error_info().expect("ErrorInfo").reason,
                cause.reason()
            );
        }
        let s: Status = ApiError::from(StoreError::Conflict(
            "并发".into(),
            Some(consult_store::Constraint::CommentRequest),
        ))
        .into();
        assert_eq!(s.code(), Code::Aborted);
        assert!(s.get_details_retry_info().is_some());
        assert_eq!(
            s.get_details_error_info().expect("ErrorInfo").reason,
            "uq_comments_request"
        );
    }

    fn sea_orm_err() -> consult_store::DbErr {
        consult_store::DbErr::Custom("secret-table is broken".into())
    }
}
