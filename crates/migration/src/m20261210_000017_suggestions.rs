//! Suggested concentrated opinions: clusters of near-duplicate comments an officer accepts,
//! splits or dismisses, and each comment's current suggestion.

use sea_orm_migration::sea_orm::ConnectionTrait;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum Suggestions {
    Table,
    Id,
    ConsultationId,
    State,
    Members,
    RepresentativeId,
    SimilarityLow,
    SimilarityMedian,
    OutlierIds,
    OpinionGroupId,
    DecidedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Comments {
    Table,
    SuggestionId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Suggestions::Table)
                    .col(string_len(Suggestions::Id, 32).primary_key())
                    .col(string_len(Suggestions::ConsultationId, 64))
                    .col(string_len(Suggestions::State, 16))
                    .col(big_integer(Suggestions::Members))
                    .col(string_len(Suggestions::RepresentativeId, 64))
                    .col(double(Suggestions::SimilarityLow))
                    .col(double(Suggestions::SimilarityMedian))
                    // JSON array of comment ids.
                    .col(text(Suggestions::OutlierIds))
                    .col(string_len_null(Suggestions::OpinionGroupId, 64))
                    .col(string_len_null(Suggestions::DecidedBy, 200))
                    .col(timestamp_with_time_zone(Suggestions::CreatedAt))
                    .col(timestamp_with_time_zone(Suggestions::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_suggestions_consultation")
                    .table(Suggestions::Table)
                    .col(Suggestions::ConsultationId)
                    .col(Suggestions::State)
                    .col(Suggestions::Members)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Comments::Table)
                    .add_column(string_len_null(Comments::SuggestionId, 32))
                    .to_owned(),
            )
            .await?;
        // Partial: most comments of most consultations are in no suggestion.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE INDEX idx_comments_suggestion ON comments (suggestion_id, id) \
                 WHERE suggestion_id IS NOT NULL",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP INDEX idx_comments_suggestion")
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Comments::Table)
                    .drop_column(Comments::SuggestionId)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(Suggestions::Table).to_owned())
            .await
    }
}
