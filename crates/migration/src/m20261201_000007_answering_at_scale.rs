//! Answering at scale: the outcome and the hiding reason become columns beside their JSON, so
//! that progress, the deliberation gate and the report's totals are `COUNT … GROUP BY` over an
//! index instead of every comment read into memory; published reports are stored as parts (one
//! per published comment or adopted change) so that they are written, hashed and served as a
//! stream and read by page.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum Comments {
    Table,
    ConsultationId,
    HideReason,
    GroupId,
    Outcome,
    Channel,
    SubmitterCategory,
    Id,
}

#[derive(DeriveIden)]
enum OpinionGroups {
    Table,
    Outcome,
}

#[derive(DeriveIden)]
enum FeedbackReportParts {
    Table,
    ConsultationId,
    Version,
    Seq,
    Kind,
    CommentId,
    Body,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for col in [
            string_len_null(Comments::HideReason, 32),
            string_len_null(Comments::Outcome, 32),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Comments::Table)
                        .add_column(col)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(OpinionGroups::Table)
                    .add_column(string_len_null(OpinionGroups::Outcome, 32))
                    .to_owned(),
            )
            .await?;

        // The columns mirror the JSON already stored; the codes are the JSON's enum values.
        let db = manager.get_connection();
        let field = |column: &str, path: &str| match manager.get_database_backend() {
            sea_orm_migration::sea_orm::DbBackend::Postgres => {
                format!("(({column})::json ->> '{path}')")
            }
            _ => format!("json_extract({column}, '$.{path}')"),
        };
        db.execute_unprepared(&format!(
            "UPDATE comments SET hide_reason = {} WHERE moderation IS NOT NULL",
            field("moderation", "reason")
        ))
        .await?;
        db.execute_unprepared(&format!(
            "UPDATE comments SET outcome = {} WHERE disposition IS NOT NULL",
            field("disposition", "outcome")
        ))
        .await?;
        db.execute_unprepared(&format!(
            "UPDATE opinion_groups SET outcome = {} WHERE disposition IS NOT NULL",
            field("disposition", "outcome")
        ))
        .await?;

        // Answering status of a consultation's comments, read by index alone: progress, the
        // gate, the report's totals and the status filters. New comments all land at the
        // (consultation, NULL, NULL, NULL) end, so intake appends rather than scatters.
        manager
            .create_index(
                Index::create()
                    .name("idx_comments_answering")
                    .table(Comments::Table)
                    .col(Comments::ConsultationId)
                    .col(Comments::HideReason)
                    .col(Comments::GroupId)
                    .col(Comments::Outcome)
                    .col(Comments::SubmitterCategory)
                    .col(Comments::Channel)
                    .to_owned(),
            )
            .await?;
        // What is still to answer, in id order: the gate's examples and the `UNANSWERED` list
        // filter find them without passing over the answered ones. (Partial: the same
        // statement on SQLite and PostgreSQL; queries repeat its condition.)
        db.execute_unprepared(
            "CREATE INDEX idx_comments_unanswered ON comments (consultation_id, id) \
             WHERE hide_reason IS NULL AND group_id IS NULL AND outcome IS NULL",
        )
        .await?;
        // Members of a group, without scanning its consultation.
        manager
            .create_index(
                Index::create()
                    .name("idx_comments_group")
                    .table(Comments::Table)
                    .col(Comments::GroupId)
                    .col(Comments::Id)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(FeedbackReportParts::Table)
                    .col(string_len(FeedbackReportParts::ConsultationId, 32))
                    .col(integer(FeedbackReportParts::Version))
                    .col(big_integer(FeedbackReportParts::Seq))
                    .col(small_integer(FeedbackReportParts::Kind))
                    .col(string_len_null(FeedbackReportParts::CommentId, 32))
                    .col(text(FeedbackReportParts::Body))
                    .primary_key(
                        Index::create()
                            .col(FeedbackReportParts::ConsultationId)
                            .col(FeedbackReportParts::Version)
                            .col(FeedbackReportParts::Seq),
                    )
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(FeedbackReportParts::Table).to_owned())
            .await?;
        for name in [
            "idx_comments_group",
            "idx_comments_unanswered",
            "idx_comments_answering",
        ] {
            manager
                .drop_index(Index::drop().name(name).table(Comments::Table).to_owned())
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(OpinionGroups::Table)
                    .drop_column(OpinionGroups::Outcome)
                    .to_owned(),
            )
            .await?;
        for c in [Comments::Outcome, Comments::HideReason] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Comments::Table)
                        .drop_column(c)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
