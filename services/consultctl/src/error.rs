//! What can go wrong, each with the exit code scripts rely on, and gRPC statuses turned into
//! one readable sentence naming the rule or the field.

use tonic::{Code, Status};
use tonic_types::StatusExt;

/// Exit codes, documented in `--help`.
pub(crate) mod exit {
    /// Anything else.
    pub(crate) const OTHER: u8 = 1;
    /// The command line or an input file is wrong.
    pub(crate) const USAGE: u8 = 2;
    /// The consultation, comment, group or report does not exist.
    pub(crate) const NOT_FOUND: u8 = 3;
    /// A rule of the consultation refused the change.
    pub(crate) const REFUSED: u8 = 4;
    /// Missing, wrong or insufficient credentials.
    pub(crate) const DENIED: u8 = 5;
    /// The server could not be reached.
    pub(crate) const UNREACHABLE: u8 = 6;
}

/// A failure of one command.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CliError {
    /// The command line or a local file is wrong; nothing was sent.
    #[error("{0}")]
    Usage(String),
    /// The server answered with an error.
    #[error("{}", describe(.0))]
    Rpc(Box<Status>),
    /// No connection.
    #[error("无法连接服务器 {server}：{reason} (server unreachable)")]
    Unreachable { server: String, reason: String },
    /// Problems found in an input file, already printed row by row.
    #[error("{message}")]
    Rows { message: String, code: u8 },
    /// Reading or writing a local file.
    #[error("{path}：{source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    /// A check that did not pass, already printed (e.g. the gate).
    #[error("{0}")]
    NotReady(String),
}

impl From<Status> for CliError {
    fn from(s: Status) -> Self {
        CliError::Rpc(Box::new(s))
    }
}

impl CliError {
    /// The exit code for this failure.
    pub(crate) fn exit_code(&self) -> u8 {
        match self {
            CliError::Usage(_) => exit::USAGE,
            CliError::Rows { code, .. } => *code,
            CliError::Unreachable { .. } => exit::UNREACHABLE,
            CliError::Io { .. } => exit::OTHER,
            CliError::NotReady(_) => exit::REFUSED,
            CliError::Rpc(s) => code_exit(s.code()),
        }
    }

    pub(crate) fn io(path: &std::path::Path, source: std::io::Error) -> Self {
        CliError::Io {
            path: path.display().to_string(),
            source,
        }
    }
}

/// The exit code for a gRPC status code.
pub(crate) fn code_exit(code: Code) -> u8 {
    match code {
        Code::InvalidArgument | Code::OutOfRange => exit::USAGE,
        Code::NotFound => exit::NOT_FOUND,
        Code::FailedPrecondition | Code::AlreadyExists | Code::Aborted => exit::REFUSED,
        Code::PermissionDenied | Code::Unauthenticated => exit::DENIED,
        Code::Unavailable | Code::DeadlineExceeded => exit::UNREACHABLE,
        _ => exit::OTHER,
    }
}

fn code_label(code: Code) -> &'static str {
    match code {
        Code::InvalidArgument => "输入有误",
        Code::NotFound => "未找到",
        Code::AlreadyExists => "已存在",
        Code::FailedPrecondition => "不符合办理规则",
        Code::PermissionDenied => "无权办理",
        Code::Unauthenticated => "身份未认证",
        Code::Unavailable => "服务暂时不可用",
        Code::DeadlineExceeded => "请求超时",
        Code::ResourceExhausted => "请求过于频繁",
        _ => "服务器错误",
    }
}

/// One problem a status reports, for per-row reporting: (field or subject, rule, text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Problem {
    pub(crate) field: String,
    pub(crate) rule: String,
    pub(crate) text: String,
}

/// The individual problems in a status's `google.rpc` details, or none.
pub(crate) fn problems(status: &Status) -> Vec<Problem> {
    let details = status.get_error_details();
    let mut out = Vec::new();
    if let Some(bad) = details.bad_request() {
        for v in &bad.field_violations {
            out.push(Problem {
                field: v.field.clone(),
                rule: String::new(),
                text: v.description.clone(),
            });
        }
    }
    if let Some(pre) = details.precondition_failure() {
        for v in &pre.violations {
            out.push(Problem {
                field: v.subject.clone(),
                rule: v.r#type.clone(),
                text: v.description.clone(),
            });
        }
    }
    out
}

/// A status as one readable sentence: what kind of refusal, then each rule or field.
pub(crate) fn describe(status: &Status) -> String {
    let found = problems(status);
    let mut out = format!("{}：", code_label(status.code()));
    if found.is_empty() {
        out.push_str(status.message());
        if let Some(info) = status
            .get_error_details()
            .resource_info()
            .filter(|i| !i.resource_name.is_empty() && !status.message().contains(&i.resource_name))
        {
            out.push_str(&format!("（{}）", info.resource_name));
        }
    } else {
        let parts: Vec<String> = found
            .iter()
            .map(|p| {
                let mut s = p.text.clone();
                let mut tags = Vec::new();
                if !p.rule.is_empty() {
                    tags.push(format!("规则 {}", p.rule));
                }
                if !p.field.is_empty() {
                    tags.push(format!("字段 {}", p.field));
                }
                if !tags.is_empty() {
                    s.push_str(&format!(" [{}]", tags.join("，")));
                }
                s
            })
            .collect();
        out.push_str(&parts.join("；"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use tonic_types::{ErrorDetails, StatusExt};

    #[test]
    fn a_precondition_names_its_rule_and_subject() {
        let mut d = ErrorDetails::new();
        d.add_precondition_failure_violation(
            "NO_EARLY_CLOSE",
            "consultations/X",
            "征求意见期尚未届满，不能提前截止",
        );
        let s = Status::with_error_details(Code::FailedPrecondition, "refused", d);
        assert_eq!(
            describe(&s),
            "不符合办理规则：征求意见期尚未届满，不能提前截止 [规则 NO_EARLY_CLOSE，字段 consultations/X]"
        );
        assert_eq!(CliError::from(s).exit_code(), exit::REFUSED);
    }

    #[test]
    fn a_bad_request_names_each_field() {
        let mut d = ErrorDetails::new();
        d.add_bad_request_violation("reason", "须填写理由");
        d.add_bad_request_violation("title", "标题不能为空");
        let s = Status::with_error_details(Code::InvalidArgument, "bad", d);
        assert_eq!(
            describe(&s),
            "输入有误：须填写理由 [字段 reason]；标题不能为空 [字段 title]"
        );
        assert_eq!(CliError::from(s).exit_code(), exit::USAGE);
    }

    #[test]
    fn a_plain_status_keeps_its_message() {
        let s = Status::not_found("consultations/X 不存在");
        assert_eq!(describe(&s), "未找到：consultations/X 不存在");
        assert_eq!(CliError::from(s).exit_code(), exit::NOT_FOUND);
        assert_eq!(
            CliError::from(Status::unavailable("down")).exit_code(),
            exit::UNREACHABLE
        );
        assert_eq!(
            CliError::from(Status::unauthenticated("no")).exit_code(),
            exit::DENIED
        );
    }
}
