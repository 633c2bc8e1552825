//! Suggestions kept up to date as comments arrive: each comment stored from now on awaits
//! comparison with those before it (`awaiting_comparison`, found through a partial index that
//! empties as the assigner catches up; comments stored before stay with what computing from
//! scratch made of them); a consultation's `suggestions_revision` counts officers' changes to
//! its suggestions, so that an assigner knows when what it holds is out of date; and `leases`
//! let one replica at a time do a piece of background work.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::ConnectionTrait;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared(
            "ALTER TABLE comments ADD COLUMN awaiting_comparison BOOLEAN NOT NULL DEFAULT FALSE",
        )
        .await?;
        // Both SQLite and PostgreSQL take a partial index in the same words; queries repeat the
        // condition as written (SQLite uses a partial index only for the very same term).
        db.execute_unprepared(
            "CREATE INDEX idx_comments_awaiting_comparison ON comments (consultation_id, id) \
             WHERE awaiting_comparison = TRUE",
        )
        .await?;
        db.execute_unprepared(
            "ALTER TABLE consultations ADD COLUMN suggestions_revision BIGINT NOT NULL DEFAULT 0",
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(Leases::Table)
                    .col(
                        ColumnDef::new(Leases::Name)
                            .string()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Leases::Holder).string().not_null())
                    .col(
                        ColumnDef::new(Leases::HeldUntil)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Leases::Table).to_owned())
            .await?;
        let db = manager.get_connection();
        db.execute_unprepared("DROP INDEX idx_comments_awaiting_comparison")
            .await?;
        db.execute_unprepared("ALTER TABLE consultations DROP COLUMN suggestions_revision")
            .await?;
        db.execute_unprepared("ALTER TABLE comments DROP COLUMN awaiting_comparison")
            .await?;
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Leases {
    Table,
    Name,
    Holder,
    HeldUntil,
}
