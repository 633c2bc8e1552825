//! A partial index of the comments whose contact digest is still to be computed (stored before
//! migration 19 added the column): the background pass that computes them finds them through it
//! without reading the table, and once it is done the index is empty, since every comment stored
//! since is written with its digest (an empty string for a blank contact).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::ConnectionTrait;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Both SQLite and PostgreSQL take a partial index in the same words.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE INDEX idx_comments_digest_pending ON comments (id) \
                 WHERE contact_digest IS NULL",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP INDEX idx_comments_digest_pending")
            .await?;
        Ok(())
    }
}
