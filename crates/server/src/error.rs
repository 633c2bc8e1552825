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
            ApiError::Store(StoreError::WriterStopped) => {
                Status::unavailable("服务正在停止，请稍后重试 (server is shutting down; retry)")
            }
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

fn domain_status(e: DomainError) -> Status {
    let message = e.to_string();
    match e {
        DomainError::InvalidArgument(fields) => {
            let mut d = ErrorDetails::new();
            for f in fields {
                d.add_bad_request_violation(f.field, f.description);
            }
            Status::with_error_details(Code::InvalidArgument, message, d)
        }
        DomainError::FailedPrecondition(rules) => {
            let mut d = ErrorDetails::new();
            for r in rules {
                d.add_precondition_failure_violation(r.rule, r.subject, r.description);
            }
            Status::with_error_details(Code::FailedPrecondition, message, d)
        }
        DomainError::NotFound { resource } => Status::with_error_details(
            Code::NotFound,
            message,
            ErrorDetails::with_resource_info(resource_type(&resource), resource, "", "不存在"),
        ),
        DomainError::AlreadyExists { resource, .. } => Status::with_error_details(
            Code::AlreadyExists,
            message,
            ErrorDetails::with_resource_info(resource_type(&resource), resource, "", "已存在"),
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
    fn storage_errors_do_not_leak_database_text() {
        let e = ApiError::from(StoreError::Database(sea_orm_err()));
        let s: Status = e.into();
        assert_eq!(s.code(), Code::Internal);
        assert!(!s.message().contains("secret-table"));
    }

    fn sea_orm_err() -> consult_store::DbErr {
        consult_store::DbErr::Custom("secret-table is broken".into())
    }
}
