//! What a database error means for the caller: the one place where SQLite result codes,
//! PostgreSQL SQLSTATEs and constraint names become storage errors. A storage fault the caller
//! may retry (the database is unreachable, restarting, out of space or busy) is `Unavailable`;
//! a race the database settled is `Conflict`; anything else is a bug and stays `Database`.

use std::ops::Deref;

use sea_orm::{DbErr, RuntimeErr, sqlx};

use crate::StoreError;

/// Why the database cannot take a change now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnavailableCause {
    /// No connection: the server is down, restarting or unreachable, or the pool timed out.
    Unreachable,
    /// The disk (or the database's quota) is full.
    StorageFull,
    /// The storage reported an I/O error.
    Io,
    /// The database stayed locked or short of resources for longer than the wait allowed.
    Busy,
    /// The database accepts reads only (a standby, a read-only file).
    ReadOnly,
}

impl UnavailableCause {
    /// Chinese first, English after, for the caller.
    pub fn message(self) -> &'static str {
        match self {
            Self::Unreachable => "数据库暂时无法连接，请稍后重试 (database unreachable; retry)",
            Self::StorageFull => {
                "存储空间已满，未能保存，请稍后重试 (storage is full; nothing was saved; retry later)"
            }
            Self::Io => "存储读写故障，未能保存，请稍后重试 (storage I/O error; retry later)",
            Self::Busy => "数据库繁忙，请稍后重试 (database busy; retry)",
            Self::ReadOnly => "数据库暂时只读，请稍后重试 (database is read-only; retry later)",
        }
    }

    /// A stable machine-readable reason (`google.rpc.ErrorInfo.reason`).
    pub fn reason(self) -> &'static str {
        match self {
            Self::Unreachable => "DATABASE_UNREACHABLE",
            Self::StorageFull => "STORAGE_FULL",
            Self::Io => "STORAGE_IO_ERROR",
            Self::Busy => "DATABASE_BUSY",
            Self::ReadOnly => "DATABASE_READ_ONLY",
        }
    }

    /// How long a client should wait before retrying.
    pub fn retry_after(self) -> std::time::Duration {
        std::time::Duration::from_millis(match self {
            Self::Busy => 200,
            Self::Unreachable | Self::Io | Self::ReadOnly => 1_000,
            Self::StorageFull => 5_000,
        })
    }
}

/// A unique constraint of the schema and what its violation means. Constraint names are
/// PostgreSQL's; SQLite names the columns instead, so each entry carries both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Constraint {
    /// `uq_comments_request`: the caller's request id was taken by a concurrent submission.
    CommentRequest,
    /// The receipt code drawn is already in use.
    ReceiptCode,
    /// `audit_chain_heads` primary key, or a head that moved since it was read: another writer
    /// appended to the same audit chain.
    AuditChainHead,
    /// `feedback_reports` primary key: this version of the report was published concurrently.
    ReportVersion,
    /// `answer_templates` primary key: a template of this name was written concurrently.
    AnswerTemplate,
    /// `catalogues` primary key: this version of a catalogue was created concurrently (two
    /// adjustments started at once).
    CatalogueVersion,
    /// `uq_calling_systems_token`: another calling system was registered with this token at
    /// the same time.
    CallingSystemToken,
    /// `uq_calling_systems_certificate`: likewise with this certificate common name.
    CallingSystemCertificate,
}

impl Constraint {
    const ALL: [Constraint; 8] = [
        Constraint::CommentRequest,
        Constraint::ReceiptCode,
        Constraint::AuditChainHead,
        Constraint::ReportVersion,
        Constraint::AnswerTemplate,
        Constraint::CatalogueVersion,
        Constraint::CallingSystemToken,
        Constraint::CallingSystemCertificate,
    ];

    /// The PostgreSQL constraint (index) name.
    pub fn name(self) -> &'static str {
        match self {
            Self::CommentRequest => "uq_comments_request",
            Self::ReceiptCode => "comments_receipt_code_key",
            Self::AuditChainHead => "audit_chain_heads_pkey",
            Self::ReportVersion => "feedback_reports_pkey",
            Self::AnswerTemplate => "answer_templates_pkey",
            Self::CatalogueVersion => "pk_catalogues",
            Self::CallingSystemToken => "uq_calling_systems_token",
            Self::CallingSystemCertificate => "uq_calling_systems_certificate",
        }
    }

    /// The columns SQLite names in `UNIQUE constraint failed: …`.
    fn sqlite_columns(self) -> &'static str {
        match self {
            Self::CommentRequest => "comments.submitted_by, comments.request_id",
            Self::ReceiptCode => "comments.receipt_code",
            Self::AuditChainHead => "audit_chain_heads.chain",
            Self::ReportVersion => "feedback_reports.consultation_id, feedback_reports.version",
            Self::AnswerTemplate => "answer_templates.department, answer_templates.template_id",
            Self::CatalogueVersion => "catalogues.id, catalogues.version",
            Self::CallingSystemToken => "calling_systems.token_sha256",
            Self::CallingSystemCertificate => "calling_systems.certificate_common_name",
        }
    }

    fn from_postgres(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.name() == name)
    }

    fn from_sqlite_message(message: &str) -> Option<Self> {
        let columns = message.rsplit_once("failed: ")?.1.trim();
        Self::ALL
            .into_iter()
            .find(|c| c.sqlite_columns() == columns)
    }

    /// What the violation means: every one of them is a race that a retry decides afresh.
    pub(crate) fn conflict(self) -> StoreError {
        StoreError::Conflict(
            match self {
                Self::CommentRequest => {
                    "同一 request_id 的意见正由另一请求同时提交 (the same request_id is being submitted concurrently)"
                }
                Self::ReceiptCode => "回执码冲突 (receipt code collision)",
                Self::AuditChainHead => {
                    "审计日志正由另一写入者追加 (the audit log was appended concurrently)"
                }
                Self::ReportVersion => {
                    "该版本的反馈报告已由另一请求发布 (this report version was published concurrently)"
                }
                Self::AnswerTemplate => {
                    "同名答复模板正由另一请求同时创建 (a template of this name is being created concurrently)"
                }
                Self::CatalogueVersion => {
                    "该目录的这一版本正由另一请求同时创建 (this catalogue version is being created concurrently)"
                }
                Self::CallingSystemToken => {
                    "该令牌正由另一调用系统同时登记 (this token is being registered to another calling system concurrently)"
                }
                Self::CallingSystemCertificate => {
                    "该证书通用名正由另一调用系统同时登记 (this certificate common name is being registered concurrently)"
                }
            }
            .to_owned(),
            Some(self),
        )
    }
}

/// SQLite primary result codes (the low byte of an extended code).
mod sqlite_code {
    pub(super) const BUSY: i32 = 5;
    pub(super) const LOCKED: i32 = 6;
    pub(super) const NOMEM: i32 = 7;
    pub(super) const READONLY: i32 = 8;
    pub(super) const IOERR: i32 = 10;
    pub(super) const FULL: i32 = 13;
    pub(super) const CANTOPEN: i32 = 14;
    pub(super) const PROTOCOL: i32 = 15;
    pub(super) const CONSTRAINT: i32 = 19;
}

/// What a database error means.
/// Database errors met since the process started, whatever they meant (for metrics).
static DATABASE_ERRORS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// How many database errors the store has met since the process started.
pub fn database_errors() -> u64 {
    DATABASE_ERRORS.load(std::sync::atomic::Ordering::Relaxed)
}

pub(crate) fn classify(e: DbErr) -> StoreError {
    DATABASE_ERRORS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let unavailable = |cause| StoreError::Unavailable {
        cause,
        detail: e.to_string(),
    };
    let sqlx_error = match &e {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => {
            return unavailable(UnavailableCause::Unreachable);
        }
        DbErr::Exec(RuntimeErr::SqlxError(s)) | DbErr::Query(RuntimeErr::SqlxError(s)) => s.clone(),
        _ => return StoreError::Database(e),
    };
    match sqlx_error.deref() {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::Protocol(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed
        | sqlx::Error::BeginFailed => unavailable(UnavailableCause::Unreachable),
        sqlx::Error::Database(db) => {
            let code = db.code().map(|c| c.into_owned()).unwrap_or_default();
            let meaning = if db
                .try_downcast_ref::<sqlx::postgres::PgDatabaseError>()
                .is_some()
            {
                postgres(&code, db.constraint())
            } else {
                sqlite(&code, db.message())
            };
            match meaning {
                Meaning::Unavailable(cause) => unavailable(cause),
                Meaning::Conflict(c) => conflict_of(c, e),
                Meaning::Bug => StoreError::Database(e),
            }
        }
        _ => StoreError::Database(e),
    }
}

fn conflict_of(c: Option<Constraint>, e: DbErr) -> StoreError {
    match c {
        Some(c) => c.conflict(),
        None => StoreError::Conflict(
            format!("并发修改冲突，请重试 (concurrent change; retry): {e}"),
            None,
        ),
    }
}

/// What one database's error code says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Meaning {
    Unavailable(UnavailableCause),
    /// A race: a known constraint, or (None) a serialisation failure or deadlock.
    Conflict(Option<Constraint>),
    Bug,
}

fn postgres(sqlstate: &str, constraint: Option<&str>) -> Meaning {
    use UnavailableCause::*;
    match sqlstate {
        // unique_violation: a known constraint is a race; an unknown one is a bug.
        "23505" => match constraint.and_then(Constraint::from_postgres) {
            Some(c) => Meaning::Conflict(Some(c)),
            None => Meaning::Bug,
        },
        // serialization_failure, deadlock_detected
        "40001" | "40P01" => Meaning::Conflict(None),
        // disk_full
        "53100" => Meaning::Unavailable(StorageFull),
        // admin_shutdown, crash_shutdown, cannot_connect_now, database_dropped
        "57P01" | "57P02" | "57P03" | "57P04" => Meaning::Unavailable(Unreachable),
        // lock_not_available, query_canceled (statement timeout)
        "55P03" | "57014" => Meaning::Unavailable(Busy),
        // read_only_sql_transaction (a standby after fail-over)
        "25006" => Meaning::Unavailable(ReadOnly),
        // connection_exception, insufficient_resources, system_error (I/O)
        s if s.starts_with("08") => Meaning::Unavailable(Unreachable),
        s if s.starts_with("53") => Meaning::Unavailable(Busy),
        s if s.starts_with("58") => Meaning::Unavailable(Io),
        _ => Meaning::Bug,
    }
}

fn sqlite(extended_code: &str, message: &str) -> Meaning {
    use UnavailableCause::*;
    let Ok(code) = extended_code.parse::<i32>() else {
        return Meaning::Bug;
    };
    match code & 0xff {
        sqlite_code::FULL => Meaning::Unavailable(StorageFull),
        sqlite_code::IOERR => Meaning::Unavailable(Io),
        sqlite_code::BUSY | sqlite_code::LOCKED | sqlite_code::NOMEM => Meaning::Unavailable(Busy),
        sqlite_code::READONLY => Meaning::Unavailable(ReadOnly),
        sqlite_code::CANTOPEN | sqlite_code::PROTOCOL => Meaning::Unavailable(Unreachable),
        sqlite_code::CONSTRAINT => match Constraint::from_sqlite_message(message) {
            Some(c) => Meaning::Conflict(Some(c)),
            None => Meaning::Bug,
        },
        _ => Meaning::Bug,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_constraint_is_found_by_its_postgres_name_and_its_sqlite_columns() {
        for c in Constraint::ALL {
            assert_eq!(
                postgres("23505", Some(c.name())),
                Meaning::Conflict(Some(c))
            );
            let message = format!("UNIQUE constraint failed: {}", c.sqlite_columns());
            // 2067 is SQLITE_CONSTRAINT_UNIQUE, 1555 SQLITE_CONSTRAINT_PRIMARYKEY.
            assert_eq!(sqlite("2067", &message), Meaning::Conflict(Some(c)));
            assert_eq!(sqlite("1555", &message), Meaning::Conflict(Some(c)));
        }
    }

    #[test]
    fn an_unknown_constraint_is_a_bug_not_a_retry() {
        assert_eq!(postgres("23505", Some("some_other_key")), Meaning::Bug);
        assert_eq!(postgres("23505", None), Meaning::Bug);
        assert_eq!(
            sqlite("2067", "UNIQUE constraint failed: comments.content"),
            Meaning::Bug
        );
        // A foreign key or NOT NULL violation is a bug in the store, never the caller's retry.
        assert_eq!(
            postgres("23503", Some("fk_comments_consultation")),
            Meaning::Bug
        );
        assert_eq!(sqlite("787", "FOREIGN KEY constraint failed"), Meaning::Bug);
    }

    #[test]
    fn storage_faults_are_retryable_and_say_which() {
        use UnavailableCause::*;
        // SQLITE_FULL; SQLITE_IOERR_WRITE (778) and SQLITE_IOERR_FSYNC (1034).
        assert_eq!(
            sqlite("13", "database or disk is full"),
            Meaning::Unavailable(StorageFull)
        );
        assert_eq!(sqlite("778", "disk I/O error"), Meaning::Unavailable(Io));
        assert_eq!(sqlite("1034", "disk I/O error"), Meaning::Unavailable(Io));
        // SQLITE_BUSY, SQLITE_BUSY_SNAPSHOT (517), SQLITE_LOCKED.
        assert_eq!(
            sqlite("5", "database is locked"),
            Meaning::Unavailable(Busy)
        );
        assert_eq!(
            sqlite("517", "database is locked"),
            Meaning::Unavailable(Busy)
        );
        assert_eq!(
            sqlite("6", "database table is locked"),
            Meaning::Unavailable(Busy)
        );
        assert_eq!(
            sqlite("8", "attempt to write a readonly database"),
            Meaning::Unavailable(ReadOnly)
        );
        assert_eq!(
            sqlite("14", "unable to open database file"),
            Meaning::Unavailable(Unreachable)
        );
        assert_eq!(postgres("57P01", None), Meaning::Unavailable(Unreachable));
        assert_eq!(postgres("57P03", None), Meaning::Unavailable(Unreachable));
        assert_eq!(postgres("08006", None), Meaning::Unavailable(Unreachable));
        assert_eq!(postgres("53100", None), Meaning::Unavailable(StorageFull));
        assert_eq!(postgres("53300", None), Meaning::Unavailable(Busy));
        assert_eq!(postgres("58030", None), Meaning::Unavailable(Io));
        assert_eq!(postgres("25006", None), Meaning::Unavailable(ReadOnly));
        assert_eq!(postgres("40001", None), Meaning::Conflict(None));
        assert_eq!(postgres("40P01", None), Meaning::Conflict(None));
        // A syntax error or an undefined column is ours.
        assert_eq!(postgres("42601", None), Meaning::Bug);
        assert_eq!(postgres("42703", None), Meaning::Bug);
        assert_eq!(sqlite("1", "no such column: x"), Meaning::Bug);
        assert_eq!(sqlite("not a number", "?"), Meaning::Bug);
    }

    #[test]
    fn connection_level_errors_are_unavailable() {
        use sea_orm::ConnAcquireErr;
        for e in [
            DbErr::ConnectionAcquire(ConnAcquireErr::Timeout),
            DbErr::ConnectionAcquire(ConnAcquireErr::ConnectionClosed),
            DbErr::Conn(RuntimeErr::Internal("refused".into())),
            DbErr::Query(RuntimeErr::SqlxError(sqlx::Error::PoolTimedOut.into())),
            DbErr::Exec(RuntimeErr::SqlxError(
                sqlx::Error::Io(std::io::Error::from(std::io::ErrorKind::ConnectionReset)).into(),
            )),
            DbErr::Exec(RuntimeErr::SqlxError(sqlx::Error::WorkerCrashed.into())),
        ] {
            match classify(e) {
                StoreError::Unavailable { cause, .. } => {
                    assert_eq!(cause, UnavailableCause::Unreachable)
                }
                other => panic!("expected Unavailable, got {other:?}"),
            }
        }
        assert!(matches!(
            classify(DbErr::Custom("a bug".into())),
            StoreError::Database(_)
        ));
    }
}
