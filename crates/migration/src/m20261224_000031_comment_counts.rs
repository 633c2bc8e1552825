//! The comment count announced last for each consultation (`consultation.comments_received`
//! events): comments in all at that count and when, so that the next count says how many came
//! since and comes no sooner than an interval later.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum CommentCounts {
    Table,
    ConsultationId,
    Total,
    AnnouncedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CommentCounts::Table)
                    .col(string_len(CommentCounts::ConsultationId, 32).primary_key())
                    .col(big_integer(CommentCounts::Total))
                    .col(timestamp_with_time_zone(CommentCounts::AnnouncedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(CommentCounts::Table).to_owned())
            .await
    }
}
