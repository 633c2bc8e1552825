//! The State Council holiday notices administrators load at run time, one row per year (the
//! years built into the binary need none): every replica reads them, so a year loaded on one
//! is known to all without a restart.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum CalendarYears {
    Table,
    Year,
    Notice,
    LoadedBy,
    LoadedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CalendarYears::Table)
                    .col(
                        ColumnDef::new(CalendarYears::Year)
                            .integer()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(CalendarYears::Notice).text().not_null())
                    .col(
                        ColumnDef::new(CalendarYears::LoadedBy)
                            .string_len(200)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(CalendarYears::LoadedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(CalendarYears::Table).to_owned())
            .await
    }
}
