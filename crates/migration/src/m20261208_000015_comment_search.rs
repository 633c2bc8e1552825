//! Full-text search of comments. Chinese is not split into words, so both databases index
//! character trigrams: SQLite an FTS5 table with the trigram tokenizer (the bundled SQLite's:
//! older system libraries answer some trigram queries wrongly), kept by a trigger since a
//! comment's text never changes once stored and comments are never deleted; PostgreSQL a GIN
//! `pg_trgm` index that `ILIKE` uses.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend};

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        match db.get_database_backend() {
            DatabaseBackend::Sqlite => {
                // The index's rowid orders search results and pages them.
                db.execute_unprepared(
                    "CREATE VIRTUAL TABLE comments_fts USING fts5(content, \
                     comment_id UNINDEXED, consultation_id UNINDEXED, tokenize = 'trigram')",
                )
                .await?;
                db.execute_unprepared(
                    "CREATE TRIGGER comments_fts_insert AFTER INSERT ON comments BEGIN \
                     INSERT INTO comments_fts (content, comment_id, consultation_id) \
                     VALUES (new.content, new.id, new.consultation_id); END",
                )
                .await?;
                db.execute_unprepared(
                    "INSERT INTO comments_fts (content, comment_id, consultation_id) \
                     SELECT content, id, consultation_id FROM comments ORDER BY id",
                )
                .await?;
            }
            DatabaseBackend::Postgres => {
                db.execute_unprepared("CREATE EXTENSION IF NOT EXISTS pg_trgm")
                    .await?;
                db.execute_unprepared(
                    "CREATE INDEX idx_comments_content_trgm ON comments \
                     USING gin (content gin_trgm_ops)",
                )
                .await?;
            }
            other => {
                return Err(DbErr::Migration(format!(
                    "comment search is built for SQLite and PostgreSQL, not {other:?}"
                )));
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if db.get_database_backend() == DatabaseBackend::Sqlite {
            db.execute_unprepared("DROP TRIGGER comments_fts_insert")
                .await?;
            db.execute_unprepared("DROP TABLE comments_fts").await?;
        } else {
            db.execute_unprepared("DROP INDEX idx_comments_content_trgm")
                .await?;
        }
        Ok(())
    }
}
