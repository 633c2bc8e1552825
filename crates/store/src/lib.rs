//! Persistence of consultations, comments and the audit log on SQLite or PostgreSQL.
//! Every change is one transaction that also appends its audit event.

mod answering;
mod archive;
mod audit;
mod comments;
mod consultations;
mod private_data;
mod resealing;
// The derive macros generate public items that stay inside this crate.
#[allow(unreachable_pub)]
mod entity;

use std::sync::Arc;
use std::time::Duration;

use consult_domain::DomainError;
use consult_migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbBackend};
use tokio::sync::Mutex;

pub use answering::{Answering, CommentScope, DispositionRevision};
pub use audit::{AuditEvent, AuditFilter, AuditRecord, AuditVerification};
pub use comments::{
    AnsweringStatus, CommentFilter, CommentWriter, Submission, WriterConfig, WriterTask,
};
pub use consult_domain::report::ReportVersion;
pub use consultations::ConsultationFilter;
pub use private_data::{KeyError, PrivateDataKeys};
pub use resealing::{KeyUsage, ResealProgress};
pub use sea_orm::DbErr;

/// Why a storage operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A domain rule refused the change; nothing was written.
    #[error(transparent)]
    Domain(#[from] DomainError),
    /// The database failed; the transaction was rolled back.
    #[error("数据库错误 (database error): {0}")]
    Database(#[from] DbErr),
    /// A stored row could not be read back into the domain.
    #[error("存储数据无法解析 (stored data is corrupt): {0}")]
    Corrupt(String),
    /// Private fields cannot be sealed or opened with the configured keys.
    #[error("个人信息密钥错误 (private data keys): {0}")]
    Keys(String),
    /// The comment writer is no longer running (the server is shutting down).
    #[error("服务正在停止 (the comment writer has stopped)")]
    WriterStopped,
}

/// The database and the lock that serialises writers.
#[derive(Clone)]
pub struct Store {
    db: DatabaseConnection,
    /// SQLite has one writer; taking this lock first keeps deferred transactions from
    /// failing with SQLITE_BUSY when they upgrade to writing. PostgreSQL takes it too, so that
    /// a comment and a state change of the same consultation never interleave.
    write_gate: Arc<Mutex<()>>,
    /// Seal and open submitters' private fields.
    keys: PrivateDataKeys,
}

impl Store {
    /// Connects to `url` (`sqlite:PATH`, `sqlite::memory:` or `postgres://…`) and migrates it;
    /// `keys` seal private fields and must include every key rows are still sealed with.
    pub async fn open(url: &str, keys: PrivateDataKeys) -> Result<Self, StoreError> {
        let mut opts = ConnectOptions::new(url.to_owned());
        opts.sqlx_logging(false)
            .acquire_timeout(Duration::from_secs(10))
            .connect_timeout(Duration::from_secs(10));
        if url.starts_with("sqlite:") {
            ensure_sqlite_parent(url)?;
            opts.max_connections(8).min_connections(1);
            opts.map_sqlx_sqlite_opts(|o| {
                use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
                o.create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    // Comments are evidence that the public was heard: FULL survives power loss.
                    .synchronous(SqliteSynchronous::Full)
                    .busy_timeout(Duration::from_secs(10))
                    .foreign_keys(true)
            });
        } else {
            opts.max_connections(16).min_connections(1);
        }
        let db = Database::connect(opts).await?;
        Migrator::up(&db, None).await?;
        let sealed = audit::seal_unchained(&db).await?;
        if sealed > 0 {
            tracing::info!(
                events = sealed,
                "chained audit events written before hash chaining"
            );
        }
        let store = Self {
            db,
            write_gate: Arc::new(Mutex::new(())),
            keys,
        };
        store.check_keys().await?;
        Ok(store)
    }

    /// Which database this is.
    pub fn backend(&self) -> DbBackend {
        self.db.get_database_backend()
    }

    /// Checks that the database answers.
    pub async fn ping(&self) -> Result<(), StoreError> {
        Ok(self.db.ping().await?)
    }

    /// Closes the connection pool.
    pub async fn close(self) -> Result<(), StoreError> {
        Ok(self.db.close().await?)
    }
}

fn ensure_sqlite_parent(url: &str) -> Result<(), StoreError> {
    let path = url
        .trim_start_matches("sqlite:")
        .trim_start_matches("//")
        .split('?')
        .next()
        .unwrap_or_default();
    if path.is_empty() || path == ":memory:" {
        return Ok(());
    }
    if let Some(parent) = std::path::Path::new(path).parent()
        && !parent.as_os_str().is_empty()
    {
        std::fs::create_dir_all(parent)
            .map_err(|e| DbErr::Custom(format!("cannot create {}: {e}", parent.display())))?;
    }
    Ok(())
}

fn corrupt(what: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(what.to_string())
}
