//! The FTS5 index of comment texts (SQLite) rebuilt so that each entry's rowid is its comment's
//! rowid: a search can then check the comments passing its other filters against the index by
//! rowid, in the same statement, instead of reading each one's text (`LIKE`). Comments are
//! never deleted, so their rowids have no gaps and a `VACUUM`, which may renumber the rowids of
//! a table without an `INTEGER PRIMARY KEY`, keeps them. PostgreSQL has nothing to change.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend};

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

/// The index and its trigger, with the entry's rowid taken from the comment's.
const CREATE: [&str; 3] = [
    "CREATE VIRTUAL TABLE comments_fts USING fts5(content, \
     comment_id UNINDEXED, consultation_id UNINDEXED, tokenize = 'trigram')",
    "CREATE TRIGGER comments_fts_insert AFTER INSERT ON comments BEGIN \
     INSERT INTO comments_fts (rowid, content, comment_id, consultation_id) \
     VALUES (new.rowid, new.content, new.id, new.consultation_id); END",
    "INSERT INTO comments_fts (rowid, content, comment_id, consultation_id) \
     SELECT rowid, content, id, consultation_id FROM comments ORDER BY rowid",
];

/// As migration 15 left them: the index numbering its entries itself.
const CREATE_BEFORE: [&str; 3] = [
    "CREATE VIRTUAL TABLE comments_fts USING fts5(content, \
     comment_id UNINDEXED, consultation_id UNINDEXED, tokenize = 'trigram')",
    "CREATE TRIGGER comments_fts_insert AFTER INSERT ON comments BEGIN \
     INSERT INTO comments_fts (content, comment_id, consultation_id) \
     VALUES (new.content, new.id, new.consultation_id); END",
    "INSERT INTO comments_fts (content, comment_id, consultation_id) \
     SELECT content, id, consultation_id FROM comments ORDER BY id",
];

async fn rebuild(manager: &SchemaManager<'_>, create: [&str; 3]) -> Result<(), DbErr> {
    let db = manager.get_connection();
    if db.get_database_backend() != DatabaseBackend::Sqlite {
        return Ok(());
    }
    db.execute_unprepared("DROP TRIGGER comments_fts_insert")
        .await?;
    db.execute_unprepared("DROP TABLE comments_fts").await?;
    for statement in create {
        db.execute_unprepared(statement).await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// In one transaction on one connection: statement by statement on SQLite's pool, a
    /// connection that had read the schema before the old trigger was dropped still saw it
    /// ("trigger comments_fts_insert already exists"), and a failure halfway would leave no
    /// index at all.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        rebuild(manager, CREATE).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        rebuild(manager, CREATE_BEFORE).await
    }
}
