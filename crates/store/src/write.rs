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
//! The per-process gate on SQLite only saves SQLite's busy handler from polling; it is never
//! what an invariant rests on.

use std::ops::Deref;
use std::sync::Arc;

use consult_domain::Consultation;
use sea_orm::sea_query::LockType;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, DbBackend, EntityTrait, IntoActiveModel,
    QueryFilter, QueryOrder, QuerySelect, SqliteTransactionMode, TransactionOptions,
    TransactionTrait,
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

/// The gate of a SQLite store; PostgreSQL has none.
pub(crate) fn gate_for(backend: DbBackend) -> Option<Arc<Mutex<()>>> {
    (backend == DbBackend::Sqlite).then(|| Arc::new(Mutex::new(())))
}

impl Store {
    /// Begins a write transaction (see the module docs).
    pub(crate) async fn begin_write(&self) -> Result<WriteTxn, StoreError> {
        let gate = match &self.write_gate {
            Some(g) => Some(g.clone().lock_owned().await),
            None => None,
        };
        let txn = match self.backend() {
            DbBackend::Sqlite => {
                self.db
                    .begin_with_options(TransactionOptions {
                        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                        ..TransactionOptions::default()
                    })
                    .await?
            }
            _ => self.db.begin().await?,
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
