//! Connecting to SQLite or PostgreSQL, with the rule that keeps the pool healthy: a connection
//! goes back to the pool only when it is alive, outside any transaction, with nothing pending.
//! Any other connection is closed and the next transaction gets a fresh one — after SQLite
//! rolled a transaction back by itself ("database or disk is full"), after a failed COMMIT,
//! after a broken socket. Reusing such a connection turned later BEGINs into savepoints of a
//! transaction that never committed, and held the write lock until a restart.

use std::time::Duration;

use sea_orm::sqlx::{self, Connection};
use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbErr};

use crate::StoreError;

/// How long a caller waits for a connection before the database counts as unavailable: long
/// enough for a busy pool, short enough that clients hear `UNAVAILABLE` well within their
/// deadline while the database restarts.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);
/// How long opening a connection may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long SQLite waits for another process's write lock before giving up.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(10);
/// WAL pages (4 KiB) beyond which a committing writer checkpoints by itself. SQLite's default
/// (1,000) made every few submission batches, and the first write after a bulk answer, copy
/// the log into the database before answering; a serving process checkpoints in the
/// background instead ([`crate::Store::spawn_wal_checkpoints`]) and this is only the bound for
/// processes that do not (64 MiB).
const SQLITE_AUTOCHECKPOINT_PAGES: &str = "16384";

/// Pages of its own cache the SQLite writer connection keeps (as `cache_size`, negative:
/// KiB): the indexes a submission touches at random places (receipt codes, request keys) stay
/// in it at a million comments instead of being read again for every batch.
const SQLITE_WRITER_CACHE_KIB: &str = "-65536";

/// Opens a pool on `url` (`sqlite:PATH`, `sqlite::memory:` or `postgres://…`).
pub(crate) async fn connect(url: &str) -> Result<DatabaseConnection, StoreError> {
    let mut opts = ConnectOptions::new(url.to_owned());
    opts.sqlx_logging(false)
        .acquire_timeout(ACQUIRE_TIMEOUT)
        .connect_timeout(CONNECT_TIMEOUT);
    if url.starts_with("sqlite:") {
        ensure_sqlite_parent(url)?;
        opts.max_connections(8).min_connections(1);
        sqlite_options(&mut opts, None);
    } else {
        opts.max_connections(16).min_connections(1);
        opts.map_sqlx_postgres_pool_opts(|o| {
            o.after_release(|conn, _| Box::pin(async move { Ok(postgres_reusable(conn).await) }))
        });
    }
    Ok(Database::connect(opts).await?)
}

/// SQLite only: the one connection this process writes on, or `None` where a second pool
/// would not see the same database (`sqlite::memory:`) and on PostgreSQL. SQLite drops a
/// connection's whole page cache when it finds that another connection wrote since its last
/// transaction; writes hopping from one pooled connection to the next therefore read every
/// page they touch again (39 KB per submitted comment), where one writer keeps its cache.
pub(crate) async fn connect_writer(url: &str) -> Result<Option<DatabaseConnection>, StoreError> {
    if !url.starts_with("sqlite:") || url.contains(":memory:") || url.contains("mode=memory") {
        return Ok(None);
    }
    let mut opts = ConnectOptions::new(url.to_owned());
    opts.sqlx_logging(false)
        .acquire_timeout(ACQUIRE_TIMEOUT)
        .connect_timeout(CONNECT_TIMEOUT)
        .max_connections(1)
        .min_connections(1);
    sqlite_options(&mut opts, Some(SQLITE_WRITER_CACHE_KIB));
    Ok(Some(Database::connect(opts).await?))
}

fn sqlite_options(opts: &mut ConnectOptions, cache_size: Option<&'static str>) {
    // A connection is checked when it comes back (below), and a local file does not go away
    // while it sits in the pool: checking it again on the way out only cost a round trip to
    // SQLite's thread on every transaction.
    opts.test_before_acquire(false);
    opts.map_sqlx_sqlite_opts(move |o| {
        use sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
        let o = o
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // Comments are evidence that the public was heard: FULL survives power loss.
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(SQLITE_BUSY_TIMEOUT)
            .pragma("wal_autocheckpoint", SQLITE_AUTOCHECKPOINT_PAGES)
            .foreign_keys(true);
        match cache_size {
            Some(kib) => o.pragma("cache_size", kib),
            None => o,
        }
    });
    opts.map_sqlx_sqlite_pool_opts(|o| {
        o.after_release(|conn, _| Box::pin(async move { Ok(sqlite_reusable(conn).await) }))
    });
}

/// Whether a SQLite connection may serve the next transaction.
pub(crate) async fn sqlite_reusable(conn: &mut sqlx::SqliteConnection) -> bool {
    // sqlx's count can disagree with SQLite's own state; SQLite refuses BEGIN inside a
    // transaction, which makes it the authoritative check. Both statements go in one round
    // trip and are free (a deferred BEGIN touches no file); they run after anything queued
    // before them, such as the rollback of a dropped transaction, so that sqlx's count read
    // next is final too.
    if sqlx::raw_sql("BEGIN; ROLLBACK")
        .execute(&mut *conn)
        .await
        .is_err()
    {
        return false;
    }
    !conn.is_in_transaction()
}

/// Whether a PostgreSQL connection may serve the next transaction.
async fn postgres_reusable(conn: &mut sqlx::PgConnection) -> bool {
    // The ping flushes a rollback queued by a dropped transaction and proves the socket lives.
    conn.ping().await.is_ok() && !conn.is_in_transaction()
}

/// Runs `f` while holding a lock that only one process on this database can hold, so that
/// replicas starting together migrate and seal the log one after another. SQLite needs none:
/// its migrations run in transactions under its single writer lock.
pub(crate) async fn exclusively<T, F>(db: &DatabaseConnection, f: F) -> Result<T, StoreError>
where
    F: AsyncFnOnce() -> Result<T, StoreError>,
{
    if db.get_database_backend() != sea_orm::DbBackend::Postgres {
        return f().await;
    }
    let mut holder = db
        .get_postgres_connection_pool()
        .acquire()
        .await
        .map_err(|e| DbErr::Conn(sea_orm::RuntimeErr::SqlxError(e.into())))?;
    let lock = |sql: &'static str| sqlx::query(sql).bind(STARTUP_LOCK);
    lock("SELECT pg_advisory_lock($1)")
        .execute(&mut *holder)
        .await
        .map_err(|e| DbErr::Exec(sea_orm::RuntimeErr::SqlxError(e.into())))?;
    let out = f().await;
    // Closing the session would release it too; unlocking keeps the connection reusable.
    if lock("SELECT pg_advisory_unlock($1)")
        .execute(&mut *holder)
        .await
        .is_err()
    {
        holder.close_on_drop();
    }
    out
}

/// PostgreSQL only: refuses a database whose character type is `C` (or `POSIX`). `pg_trgm`
/// takes trigrams of letters and digits only, and under `C` no Chinese character is a letter:
/// every search would silently find nothing.
pub(crate) async fn check_character_type(db: &DatabaseConnection) -> Result<(), StoreError> {
    let Some(ctype) = postgres_text(
        db,
        "SELECT datctype FROM pg_database WHERE datname = current_database()",
    )
    .await?
    else {
        return Ok(());
    };
    if refuses_character_type(&ctype) {
        return Err(StoreError::UnsuitableDatabase(format!(
            "数据库的 LC_CTYPE 为 {ctype}，中文文本无法建立检索索引；请用 UTF-8 字符类型（如 \
             C.UTF-8、zh_CN.UTF-8）新建数据库 (the database's LC_CTYPE is {ctype}: Chinese \
             text yields no trigrams and searches would find nothing; create the database with \
             a UTF-8 character type, e.g. CREATE DATABASE consult TEMPLATE template0 ENCODING \
             'UTF8' LC_CTYPE 'C.UTF-8' LC_COLLATE 'C.UTF-8')"
        )));
    }
    Ok(())
}

/// PostgreSQL only: warns when autovacuum is off. The planner then keeps the statistics of an
/// empty table while a consultation fills it: at a million comments a search for a common
/// phrase read every comment containing it through the trigram index and sorted them (6.3 s)
/// instead of walking the comments in order (under 1 ms once `ANALYZE comments` had run).
pub(crate) async fn warn_without_autovacuum(db: &DatabaseConnection) -> Result<(), StoreError> {
    let setting = postgres_text(
        db,
        "SELECT setting FROM pg_settings WHERE name = 'autovacuum'",
    )
    .await?;
    if setting.as_deref() == Some("off") {
        tracing::warn!(
            "PostgreSQL 的 autovacuum 已关闭：请定期执行 ANALYZE comments，否则检索和列表会按过时的统计选择查询计划              (autovacuum is off: run ANALYZE regularly, or searches and lists are planned on stale statistics)"
        );
    }
    Ok(())
}

/// The text `query` answers on PostgreSQL (its first column of its first row); `None` on
/// another database or when it answers no row.
async fn postgres_text(db: &DatabaseConnection, query: &str) -> Result<Option<String>, StoreError> {
    use sea_orm::{ConnectionTrait, Statement};

    if db.get_database_backend() != sea_orm::DbBackend::Postgres {
        return Ok(None);
    }
    let row = db
        .query_one_raw(Statement::from_string(
            sea_orm::DbBackend::Postgres,
            query.to_owned(),
        ))
        .await?;
    Ok(match row {
        Some(row) => Some(row.try_get_by_index(0)?),
        None => None,
    })
}

/// Whether a PostgreSQL `LC_CTYPE` leaves Chinese characters out of trigrams.
fn refuses_character_type(ctype: &str) -> bool {
    matches!(ctype.trim(), "C" | "POSIX")
}

/// The advisory lock key replicas take while migrating (an arbitrary constant of this schema).
const STARTUP_LOCK: i64 = 0x636f_6e73_756c_7401;

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

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};

    fn temp_db() -> (std::path::PathBuf, SqliteConnectOptions) {
        let dir = std::env::temp_dir().join(format!("consult-pool-{}", rand::random::<u64>()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let opts = SqliteConnectOptions::new()
            .filename(dir.join("t.db"))
            .create_if_missing(true)
            .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
            .busy_timeout(Duration::from_millis(200));
        (dir, opts)
    }

    #[test]
    fn only_the_c_and_posix_character_types_are_refused() {
        for refused in ["C", "POSIX", " C "] {
            assert!(refuses_character_type(refused), "{refused}");
        }
        for taken in ["C.UTF-8", "C.utf8", "en_US.UTF-8", "zh_CN.UTF-8"] {
            assert!(!refuses_character_type(taken), "{taken}");
        }
    }

    #[tokio::test]
    async fn a_clean_connection_is_reused_and_one_left_in_a_transaction_is_not() {
        let (dir, opts) = temp_db();
        let mut conn = sqlx::SqliteConnection::connect_with(&opts)
            .await
            .expect("connect");
        assert!(sqlite_reusable(&mut conn).await, "a fresh connection");
        // What SQLite leaves behind when sqlx's count and SQLite's state disagree: a
        // transaction sqlx does not know about.
        sqlx::raw_sql("BEGIN IMMEDIATE")
            .execute(&mut conn)
            .await
            .expect("begin");
        assert!(!sqlite_reusable(&mut conn).await, "inside a transaction");
        drop(conn);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[tokio::test]
    async fn the_pool_closes_a_connection_that_errored_inside_a_transaction() {
        let (dir, opts) = temp_db();
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .after_release(|conn, _| Box::pin(async move { Ok(sqlite_reusable(conn).await) }))
            .connect_with(opts.clone())
            .await
            .expect("pool");
        sqlx::raw_sql("CREATE TABLE t (x INTEGER)")
            .execute(&pool)
            .await
            .expect("create");
        {
            // A write transaction left open on a pooled connection, as after an error that the
            // transaction manager did not see.
            let mut conn = pool.acquire().await.expect("acquire");
            sqlx::raw_sql("BEGIN IMMEDIATE; INSERT INTO t VALUES (1)")
                .execute(&mut *conn)
                .await
                .expect("write");
        }
        // The connection was closed, not pooled: its lock is gone, so another connection to
        // the same file writes at once, and the pool's next connection starts clean.
        tokio::time::sleep(Duration::from_millis(50)).await;
        let mut other = sqlx::SqliteConnection::connect_with(&opts)
            .await
            .expect("connect");
        sqlx::raw_sql("INSERT INTO t VALUES (2)")
            .execute(&mut other)
            .await
            .expect("the write lock was released with the closed connection");
        let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM t")
            .fetch_one(&pool)
            .await
            .expect("count");
        assert_eq!(
            rows, 1,
            "the uncommitted row was rolled back, the other kept"
        );
        pool.close().await;
        let _ = std::fs::remove_dir_all(dir);
    }
}
