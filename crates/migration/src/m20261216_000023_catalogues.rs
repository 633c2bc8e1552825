//! The decision catalogue (重大行政决策事项目录): each version of a government's yearly
//! catalogue is a row, its items a JSON list (tens per year, read and written whole); a
//! consultation names the catalogue item it carries out.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::ConnectionTrait;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum Catalogues {
    Table,
    Id,
    Version,
    Government,
    Year,
    Title,
    State,
    Items,
    ApprovalDocumentNumber,
    ApprovedOn,
    AdjustmentReason,
    DraftedBy,
    PublishedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Catalogues::Table)
                    .col(ColumnDef::new(Catalogues::Id).string_len(64).not_null())
                    .col(ColumnDef::new(Catalogues::Version).integer().not_null())
                    .col(
                        ColumnDef::new(Catalogues::Government)
                            .string_len(100)
                            .not_null(),
                    )
                    .col(ColumnDef::new(Catalogues::Year).integer().not_null())
                    .col(ColumnDef::new(Catalogues::Title).text().not_null())
                    .col(ColumnDef::new(Catalogues::State).string_len(32).not_null())
                    .col(ColumnDef::new(Catalogues::Items).text().not_null())
                    .col(
                        ColumnDef::new(Catalogues::ApprovalDocumentNumber)
                            .text()
                            .not_null(),
                    )
                    .col(ColumnDef::new(Catalogues::ApprovedOn).date().null())
                    .col(
                        ColumnDef::new(Catalogues::AdjustmentReason)
                            .text()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Catalogues::DraftedBy)
                            .string_len(200)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Catalogues::PublishedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(Catalogues::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    // One row per version: two adjustments started at once cannot both be
                    // version n + 1.
                    .primary_key(
                        Index::create()
                            .name("pk_catalogues")
                            .col(Catalogues::Id)
                            .col(Catalogues::Version),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_catalogues_year")
                    .table(Catalogues::Table)
                    .col(Catalogues::Year)
                    .col(Catalogues::Id)
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        db.execute_unprepared(
            "ALTER TABLE consultations ADD COLUMN catalogue_item TEXT NOT NULL DEFAULT ''",
        )
        .await?;
        // The item as the catalogue named it when the consultation was published, for the
        // report (which is hashed, and must not change when the catalogue is adjusted later).
        db.execute_unprepared(
            "ALTER TABLE consultations ADD COLUMN catalogue_item_label TEXT NOT NULL DEFAULT ''",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared("ALTER TABLE consultations DROP COLUMN catalogue_item_label")
            .await?;
        db.execute_unprepared("ALTER TABLE consultations DROP COLUMN catalogue_item")
            .await?;
        manager
            .drop_table(Table::drop().table(Catalogues::Table).to_owned())
            .await
    }
}
