//! Hearings (听证会): one row per hearing of a consultation, the hearing a JSON document (read
//! and written whole; a consultation has one or two) and its participants' names sealed apart;
//! comments voiced at a meeting name it.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::ConnectionTrait;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum Hearings {
    Table,
    ConsultationId,
    Id,
    HeldAt,
    Document,
    ParticipantNames,
    PrivateKeyId,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Hearings::Table)
                    .col(
                        ColumnDef::new(Hearings::ConsultationId)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(ColumnDef::new(Hearings::Id).string_len(64).not_null())
                    .col(
                        ColumnDef::new(Hearings::HeldAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(ColumnDef::new(Hearings::Document).text().not_null())
                    .col(ColumnDef::new(Hearings::ParticipantNames).text().not_null())
                    .col(
                        ColumnDef::new(Hearings::PrivateKeyId)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Hearings::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .name("pk_hearings")
                            .col(Hearings::ConsultationId)
                            .col(Hearings::Id),
                    )
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        db.execute_unprepared("ALTER TABLE comments ADD COLUMN meeting TEXT NULL")
            .await?;
        // Opinions are counted per meeting for the report; sent-in comments (nearly all) stay
        // out of the index.
        db.execute_unprepared(
            "CREATE INDEX idx_comments_meeting ON comments (consultation_id, meeting) \
             WHERE meeting IS NOT NULL",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared("DROP INDEX idx_comments_meeting")
            .await?;
        db.execute_unprepared("ALTER TABLE comments DROP COLUMN meeting")
            .await?;
        manager
            .drop_table(Table::drop().table(Hearings::Table).to_owned())
            .await
    }
}
