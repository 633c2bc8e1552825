//! Write transactions, and what makes their invariants hold with any number of writers in any
//! number of processes: the database, never a lock of this process.
//!
//! - On SQLite a write transaction begins `IMMEDIATE`: it holds the database's single write
//!   lock from its first read, so what it reads is what it writes over, across processes too.
//! - On PostgreSQL (READ COMMITTED) a transaction locks the consultation rows it depends on
//!   before reading them: `FOR NO KEY UPDATE` to change a consultation, `FOR SHARE` to add
//!   comments to it. A close therefore waits for intake in flight, and intake after the close
//!   reads the closed row.
//! - State changes are conditional updates (`WHERE state = <the state read>`), so a change
//!   decided on a stale row writes nothing.
//! - Audit appends are serialised by the database (see `audit`); they come last in every
//!   transaction, after all row locks, so that lock waits cannot form a cycle.
//!
//! On SQLite a process writes on one connection of its own, behind a gate that saves SQLite's
//! busy handler from polling and keeps that connection's page cache valid from one transaction
//! to the next. Both are speed; neither is what an invariant rests on.

use std::ops::Deref;
use std::sync::Arc;

use consult_domain::Consultation;
use sea_orm::sea_query::LockType;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DatabaseTransaction, DbBackend, EntityTrait,
    IntoActiveModel, QueryFilter, QueryOrder, QuerySelect, SqliteTransactionMode,
    TransactionOptions, TransactionTrait,
};
use tokio::sync::{Mutex, OwnedMutexGuard};

use crate::consultations::to_row;
use crate::entity::consultation;
use crate::{Store, StoreError};

/// An open write transaction, holding the SQLite gate if there is one.
pub(crate) struct WriteTxn {
    txn: DatabaseTransaction,
    _gate: Option<OwnedMutexGuard<()>>,
}

impl Deref for WriteTxn {
    type Target = DatabaseTransaction;

    fn deref(&self) -> &DatabaseTransaction {
        &self.txn
    }
}

impl WriteTxn {
    /// Commits; only an `Ok` here means the change is stored.
    pub(crate) async fn commit(self) -> Result<(), StoreError> {
        Ok(self.txn.commit().await?)
    }
}

/// How a transaction depends on a consultation row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RowLock {
    /// It adds to the consultation (comments): many may, none while it changes.
    Share,
    /// It changes the consultation or what hangs on it.
    Update,
}

/// Where a store's write transactions begin.
#[derive(Clone)]
pub(crate) struct Writers {
    /// SQLite only: writers of this process queue here rather than in SQLite's busy handler,
    /// which polls.
    gate: Option<Arc<Mutex<()>>>,
    /// SQLite only: the pool of one connection writes go through (see
    /// [`crate::pool::connect_writer`]); `None`: the store's own pool.
    connection: Option<DatabaseConnection>,
}

impl Writers {
    /// The writers of a store on `backend`, writing on `connection` if given.
    pub(crate) fn new(backend: DbBackend, connection: Option<DatabaseConnection>) -> Self {
        Self {
            gate: (backend == DbBackend::Sqlite).then(|| Arc::new(Mutex::new(()))),
            connection,
        }
    }

    /// Closes the writer connection, if there is one of its own.
    pub(crate) async fn close(self) -> Result<(), StoreError> {
        match self.connection {
            Some(c) => Ok(c.close().await?),
            None => Ok(()),
        }
    }
}

impl Store {
    /// Begins a write transaction (see the module docs).
    pub(crate) async fn begin_write(&self) -> Result<WriteTxn, StoreError> {
        let gate = match &self.writers.gate {
            Some(g) => Some(g.clone().lock_owned().await),
            None => None,
        };
        let db = self.writers.connection.as_ref().unwrap_or(&self.db);
        let txn = match self.backend() {
            DbBackend::Sqlite => {
                db.begin_with_options(TransactionOptions {
                    sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                    ..TransactionOptions::default()
                })
                .await?
            }
            _ => db.begin().await?,
        };
        Ok(WriteTxn { txn, _gate: gate })
    }
}

/// Reads consultation rows, locked as `lock` says, in id order (so that two transactions
/// locking several rows take them in the same order).
pub(crate) async fn lock_consultations<'a>(
    txn: &DatabaseTransaction,
    ids: impl IntoIterator<Item = &'a str>,
    lock: RowLock,
) -> Result<Vec<consultation::Model>, StoreError> {
    let ids: std::collections::BTreeSet<&str> = ids.into_iter().collect();
    let lock = match lock {
        RowLock::Share => LockType::Share,
        // NO KEY: foreign-key checks of comments being inserted need not wait for it.
        RowLock::Update => LockType::NoKeyUpdate,
    };
    Ok(consultation::Entity::find()
        .filter(consultation::Column::Id.is_in(ids))
        .order_by_asc(consultation::Column::Id)
        .lock(lock)
        .all(txn)
        .await?)
}

/// Writes `after` over `before` only if the row still holds the state `before` was read in;
/// otherwise writes nothing and reports the lost race.
pub(crate) async fn update_consultation(
    txn: &DatabaseTransaction,
    before: &Consultation,
    after: &Consultation,
) -> Result<(), StoreError> {
    let done = consultation::Entity::update_many()
        .set(to_row(after).into_active_model().reset_all())
        .filter(consultation::Column::Id.eq(before.id.clone()))
        .filter(consultation::Column::State.eq(before.stored_state.code()))
        .exec(txn)
        .await?;
    if done.rows_affected == 1 {
        Ok(())
    } else {
        Err(StoreError::Conflict(
            format!(
                "征求意见 consultations/{} 的状态已被并发修改，请重试 (the consultation changed concurrently; retry)",
                before.id
            ),
            None,
        ))
    }
}
