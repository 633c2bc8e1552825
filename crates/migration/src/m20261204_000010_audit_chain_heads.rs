//! The heads of the audit chains in a table of their own: one row for the whole log (chain
//! `''`) and one per consultation, each holding the hash of its newest event. An append moves a
//! head with a conditional update (`WHERE hash = <the head read>`), so that two writers
//! appending after the same head cannot both commit, as the unique indexes on the links
//! guaranteed before. Those indexes are dropped: their keys are hashes, so every appended
//! event wrote two pages at random places of the index (about half of what a submission wrote
//! to the log), where a head row is rewritten once per transaction.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub(crate) struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261204_000010_audit_chain_heads"
    }
}

#[derive(DeriveIden)]
enum AuditChainHeads {
    Table,
    Chain,
    Hash,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AuditChainHeads::Table)
                    .col(string_len(AuditChainHeads::Chain, 32).primary_key())
                    .col(string_len(AuditChainHeads::Hash, 64))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        // Events not yet chained (empty hash) are sealed at start-up, which sets the heads.
        db.execute_unprepared(
            "INSERT INTO audit_chain_heads (chain, hash) \
             SELECT '', hash FROM audit_events \
             WHERE id = (SELECT MAX(id) FROM audit_events WHERE hash <> '')",
        )
        .await?;
        db.execute_unprepared(
            "INSERT INTO audit_chain_heads (chain, hash) \
             SELECT e.consultation_id, e.hash FROM audit_events e \
             JOIN (SELECT consultation_id, MAX(id) AS id FROM audit_events \
                   WHERE hash <> '' AND consultation_id IS NOT NULL \
                   GROUP BY consultation_id) newest ON e.id = newest.id",
        )
        .await?;
        db.execute_unprepared("DROP INDEX uq_audit_events_consultation_link")
            .await?;
        db.execute_unprepared("DROP INDEX uq_audit_events_global_link")
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
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
        manager
            .drop_table(Table::drop().table(AuditChainHeads::Table).to_owned())
            .await
    }
}
