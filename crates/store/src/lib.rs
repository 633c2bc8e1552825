//! Persistence of consultations, comments and the audit log on SQLite or PostgreSQL.
//! Every change is one transaction that also appends its audit event.

mod accountability;
mod answering;
mod archive;
mod assigning;
mod audit;
mod bulk;
mod calendar;
mod calling_systems;
mod catalogues;
mod comments;
mod consultations;
mod counting;
mod departments;
mod fault;
mod hearings;
mod meetings;
mod operations;
mod outbox;
mod pool;
mod private_data;
mod publishing;
mod representatives;
mod resealing;
mod search;
mod suggestions;
mod templates;
mod write;
// The derive macros generate public items that stay inside this crate.
#[allow(unreachable_pub)]
mod entity;

use consult_domain::DomainError;
use consult_migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, DatabaseConnection};

pub use answering::{Answering, CommentScope, DispositionRevision};
pub use assigning::LoadedAssigner;
pub use audit::{AuditEvent, AuditFilter, AuditRecord, AuditVerification};
pub use bulk::BulkDone;
pub use calendar::{LoadedYear, YearLoaded};
pub use catalogues::CatalogueView;
pub use comments::{
    CLAUSE_LISTING_OTHERS, ClauseCounts, CommentFilter, CommentWriter, ListedComment, Submission,
    WriterConfig, WriterStats, WriterTask,
};
pub use consult_domain::answering::tally::AnsweringStatus;
pub use consult_domain::report::ReportVersion;
pub use consultations::ConsultationFilter;
pub use fault::{Constraint, UnavailableCause, database_errors};
pub use operations::{
    NewOperation, OperationFailure, OperationKind, OperationOutcome, OperationProgress,
    OperationRun, StoredOperation,
};
pub use outbox::EventFilter;
pub use private_data::{KeyError, PrivateDataKeys};
pub use publishing::{Parts, PublishedVersion, StoredEdition, TextCursor};
pub use resealing::{DigestProgress, KeyUsage, ResealProgress};
pub use sea_orm::{DbBackend, DbErr};
pub use search::READ_FILTERED_BELOW as SEARCH_READS_FILTERED_BELOW;
pub use suggestions::{
    AcceptInto, RepeatedText, SharedContact, SuggestionDetail, SuggestionsComputed,
};

/// Why a storage operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A domain rule refused the change; nothing was written.
    #[error(transparent)]
    Domain(#[from] DomainError),
    /// The database cannot take the change now (unreachable, restarting, full, busy); the
    /// transaction was rolled back, or its commit's answer was lost. Retrying is safe:
    /// submissions are idempotent on their request id.
    #[error("{} ({detail})", cause.message())]
    Unavailable {
        /// Why.
        cause: UnavailableCause,
        /// The database's own words, for the log only.
        detail: String,
    },
    /// A concurrent change won a race that the database settled (a lost conditional update,
    /// a taken unique key, a deadlock); nothing was written, and a retry decides afresh.
    #[error("{0}")]
    Conflict(String, Option<Constraint>),
    /// The database refused a statement for a reason that is the store's bug; rolled back.
    #[error("数据库错误 (database error): {0}")]
    Database(DbErr),
    /// A stored row could not be read back into the domain.
    #[error("存储数据无法解析 (stored data is corrupt): {0}")]
    Corrupt(String),
    /// Private fields cannot be sealed or opened with the configured keys.
    #[error("个人信息密钥错误 (private data keys): {0}")]
    Keys(String),
    /// A long-running operation was cancelled; its transaction was rolled back.
    #[error("操作已取消 (the operation was cancelled)")]
    Cancelled,
    /// The comment writer is no longer running (the server is shutting down).
    #[error("服务正在停止 (the comment writer has stopped)")]
    WriterStopped,
    /// The database cannot serve consult as configured; found at start-up, before any change.
    #[error("数据库不适用 (the database cannot serve consult): {0}")]
    UnsuitableDatabase(String),
}

impl From<DbErr> for StoreError {
    fn from(e: DbErr) -> Self {
        fault::classify(e)
    }
}

impl StoreError {
    /// Whether a retry of the same request may succeed without any change on the caller's side.
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Unavailable { .. } | Self::Conflict(..))
    }

    /// The same failure, for each caller of a batch that failed as a whole.
    pub(crate) fn for_another_caller(&self) -> StoreError {
        match self {
            Self::Unavailable { cause, detail } => Self::Unavailable {
                cause: *cause,
                detail: detail.clone(),
            },
            Self::Conflict(message, constraint) => Self::Conflict(message.clone(), *constraint),
            Self::WriterStopped => Self::WriterStopped,
            other => Self::Database(DbErr::Custom(other.to_string())),
        }
    }
}

/// How often a serving process checkpoints SQLite's write-ahead log.
pub const WAL_CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_millis(250);

/// The database, and the keys of private fields.
#[derive(Clone)]
pub struct Store {
    db: DatabaseConnection,
    /// Where write transactions begin (see `write`).
    writers: write::Writers,
    /// Seal and open submitters' private fields.
    keys: PrivateDataKeys,
    /// See [`SEARCH_READS_FILTERED_BELOW`].
    search_reads_filtered_below: u64,
}

impl Store {
    /// Connects to `url` (`sqlite:PATH`, `sqlite::memory:` or `postgres://…`) and migrates it;
    /// `keys` seal private fields and must include every key rows are still sealed with.
    pub async fn open(url: &str, keys: PrivateDataKeys) -> Result<Self, StoreError> {
        let db = pool::connect(url).await?;
        pool::check_character_type(&db).await?;
        pool::warn_without_autovacuum(&db).await?;
        // Replicas starting together take turns: one migrates, the others find it done.
        let sealed = pool::exclusively(&db, async || {
            Migrator::up(&db, None).await?;
            audit::seal_unchained(&db).await
        })
        .await?;
        if sealed > 0 {
            tracing::info!(
                events = sealed,
                "chained audit events written before hash chaining"
            );
        }
        let store = Self {
            writers: write::Writers::new(
                db.get_database_backend(),
                pool::connect_writer(url).await?,
            ),
            db,
            keys,
            search_reads_filtered_below: SEARCH_READS_FILTERED_BELOW,
        };
        store.check_keys().await?;
        Ok(store)
    }

    /// SQLite: below how many comments passing a search's other filters they are read one by
    /// one instead of walking the trigram index (0: always the index).
    pub fn set_search_reads_filtered_below(&mut self, n: u64) {
        self.search_reads_filtered_below = n;
    }

    /// Open connections of the read pool, and how many of them are idle.
    pub fn pool_connections(&self) -> (u32, u32) {
        let (size, idle) = match self.backend() {
            DbBackend::Postgres => {
                let p = self.db.get_postgres_connection_pool();
                (p.size(), p.num_idle())
            }
            DbBackend::Sqlite => {
                let p = self.db.get_sqlite_connection_pool();
                (p.size(), p.num_idle())
            }
            _ => (0, 0),
        };
        (size, u32::try_from(idle).unwrap_or(u32::MAX))
    }

    /// Which database this is.
    pub fn backend(&self) -> DbBackend {
        self.db.get_database_backend()
    }

    /// Checks that the database answers.
    pub async fn ping(&self) -> Result<(), StoreError> {
        Ok(self.db.ping().await?)
    }

    /// SQLite only: checkpoints the write-ahead log every [`WAL_CHECKPOINT_EVERY`] on a
    /// connection of its own, without waiting for readers or writers (`PASSIVE`), so that
    /// writers commit without copying the log into the database themselves. Runs until the
    /// task is aborted; `None` on PostgreSQL.
    pub fn spawn_wal_checkpoints(&self) -> Option<tokio::task::JoinHandle<()>> {
        if self.backend() != DbBackend::Sqlite {
            return None;
        }
        let db = self.db.clone();
        Some(tokio::spawn(async move {
            let mut failing = false;
            loop {
                tokio::time::sleep(WAL_CHECKPOINT_EVERY).await;
                match db
                    .execute_unprepared("PRAGMA wal_checkpoint(PASSIVE)")
                    .await
                {
                    Ok(_) => failing = false,
                    // Said once per spell (a full disk fails every attempt); the writers'
                    // own errors are what callers hear.
                    Err(e) if !failing => {
                        failing = true;
                        tracing::warn!(error = %e, "WAL checkpoint failed");
                    }
                    Err(_) => {}
                }
            }
        }))
    }

    /// Closes the connection pools.
    pub async fn close(self) -> Result<(), StoreError> {
        self.writers.close().await?;
        Ok(self.db.close().await?)
    }
}

fn corrupt(what: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(what.to_string())
}

impl Store {
    /// SQLite only: writes a consistent copy of the database to `out` while it serves
    /// (`VACUUM INTO`, SQLite's online copy: it reads one snapshot, so writers carry on and the
    /// copy holds exactly the transactions committed before it began).
    pub async fn copy_sqlite_into(&self, out: &std::path::Path) -> Result<(), StoreError> {
        if self.backend() != DbBackend::Sqlite {
            return Err(StoreError::UnsuitableDatabase(
                "只有 SQLite 数据库可以这样复制；PostgreSQL 请用 pg_dump (only SQLite is copied this way; use pg_dump for PostgreSQL)".into(),
            ));
        }
        self.db
            .execute_raw(sea_orm::Statement::from_sql_and_values(
                DbBackend::Sqlite,
                "VACUUM INTO ?",
                [out.display().to_string().into()],
            ))
            .await?;
        Ok(())
    }
}
