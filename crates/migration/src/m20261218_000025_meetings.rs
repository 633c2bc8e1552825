//! Meetings other than hearings (symposiums, field visits, expert reviews, decision meetings
//! attended by the public): one row per meeting, the meeting a JSON document; the department
//! and time beside it for the yearly count of decision meetings with public attendance.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum Meetings {
    Table,
    ConsultationId,
    Id,
    Kind,
    Department,
    HeldAt,
    Document,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Meetings::Table)
                    .col(
                        ColumnDef::new(Meetings::ConsultationId)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(ColumnDef::new(Meetings::Id).string_len(64).not_null())
                    .col(ColumnDef::new(Meetings::Kind).string_len(32).not_null())
                    .col(
                        ColumnDef::new(Meetings::Department)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Meetings::HeldAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(ColumnDef::new(Meetings::Document).text().not_null())
                    .col(
                        ColumnDef::new(Meetings::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .name("pk_meetings")
                            .col(Meetings::ConsultationId)
                            .col(Meetings::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_meetings_department_held")
                    .table(Meetings::Table)
                    .col(Meetings::Department)
                    .col(Meetings::HeldAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Meetings::Table).to_owned())
            .await
    }
}
