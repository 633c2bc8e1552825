//! One successor per chain link: each hash may be the previous hash of one event only, overall
//! and within a consultation, so that two writers appending after the same head cannot both
//! commit — a fork of the audit log becomes impossible instead of unlikely. Events written
//! before chaining (empty hash) are sealed at start-up and take no part until then.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Partial unique indexes: the same statements on SQLite and PostgreSQL.
        let db = manager.get_connection();
        db.execute_unprepared(
            "CREATE UNIQUE INDEX uq_audit_events_global_link \
             ON audit_events (global_prev_hash) WHERE hash <> ''",
        )
        .await?;
        db.execute_unprepared(
            "CREATE UNIQUE INDEX uq_audit_events_consultation_link \
             ON audit_events (consultation_id, prev_hash) \
             WHERE hash <> '' AND consultation_id IS NOT NULL",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared("DROP INDEX uq_audit_events_consultation_link")
            .await?;
        db.execute_unprepared("DROP INDEX uq_audit_events_global_link")
            .await?;
        Ok(())
    }
}
