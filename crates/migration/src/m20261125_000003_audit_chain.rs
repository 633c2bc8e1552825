//! The audit log's hash chains: each event keeps the hash of the previous event of its
//! consultation, of the previous event overall, and its own. Older rows are sealed at start-up.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum AuditEvents {
    Table,
    Id,
    ConsultationId,
    PrevHash,
    GlobalPrevHash,
    Hash,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per ALTER TABLE.
        for col in [
            string_len(AuditEvents::PrevHash, 64).default("").to_owned(),
            string_len(AuditEvents::GlobalPrevHash, 64)
                .default("")
                .to_owned(),
            string_len(AuditEvents::Hash, 64).default("").to_owned(),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(AuditEvents::Table)
                        .add_column(col)
                        .to_owned(),
                )
                .await?;
        }
        // The newest event of a consultation is looked up at every append.
        manager
            .create_index(
                Index::create()
                    .name("idx_audit_events_consultation_id")
                    .table(AuditEvents::Table)
                    .col(AuditEvents::ConsultationId)
                    .col(AuditEvents::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_audit_events_consultation_id")
                    .table(AuditEvents::Table)
                    .to_owned(),
            )
            .await?;
        for col in [
            AuditEvents::PrevHash,
            AuditEvents::GlobalPrevHash,
            AuditEvents::Hash,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(AuditEvents::Table)
                        .drop_column(col)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
