//! Answering and publishing: moderation, dispositions and their revisions, concentrated
//! opinions, the decision, and the published versions of the feedback report.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum Consultations {
    Table,
    Id,
    ReadyAt,
    Decision,
    FeedbackDueOn,
    FeedbackVersion,
    FeedbackPublishedAt,
}

#[derive(DeriveIden)]
enum Comments {
    Table,
    Moderation,
    GroupId,
    Disposition,
}

#[derive(DeriveIden)]
enum OpinionGroups {
    Table,
    Id,
    ConsultationId,
    Summary,
    Disposition,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum DispositionRevisions {
    Table,
    Id,
    ConsultationId,
    Subject,
    Action,
    Disposition,
    RecordedAt,
}

#[derive(DeriveIden)]
enum FeedbackReports {
    Table,
    ConsultationId,
    Version,
    Content,
    Sha256,
    PublishedBy,
    PublishedAt,
    CorrectionReason,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per ALTER TABLE.
        for col in [
            timestamp_with_time_zone_null(Consultations::ReadyAt),
            text_null(Consultations::Decision),
            string_len_null(Consultations::FeedbackDueOn, 10),
            integer(Consultations::FeedbackVersion)
                .default(0)
                .to_owned(),
            timestamp_with_time_zone_null(Consultations::FeedbackPublishedAt),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Consultations::Table)
                        .add_column(col)
                        .to_owned(),
                )
                .await?;
        }
        for col in [
            text_null(Comments::Moderation),
            string_len_null(Comments::GroupId, 32),
            text_null(Comments::Disposition),
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
            .create_table(
                Table::create()
                    .table(OpinionGroups::Table)
                    .col(string_len(OpinionGroups::Id, 32).primary_key())
                    .col(string_len(OpinionGroups::ConsultationId, 32))
                    .col(text(OpinionGroups::Summary))
                    .col(text_null(OpinionGroups::Disposition))
                    .col(string_len(OpinionGroups::CreatedBy, 128))
                    .col(timestamp_with_time_zone(OpinionGroups::CreatedAt))
                    .col(timestamp_with_time_zone(OpinionGroups::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_opinion_groups_consultation")
                            .from(OpinionGroups::Table, OpinionGroups::ConsultationId)
                            .to(Consultations::Table, Consultations::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_opinion_groups_consultation")
                    .table(OpinionGroups::Table)
                    .col(OpinionGroups::ConsultationId)
                    .col(OpinionGroups::Id)
                    .to_owned(),
            )
            .await?;

        // Append-only: every answer ever given, so that revisions can be shown.
        manager
            .create_table(
                Table::create()
                    .table(DispositionRevisions::Table)
                    .col(big_pk_auto(DispositionRevisions::Id))
                    .col(string_len(DispositionRevisions::ConsultationId, 32))
                    .col(string_len(DispositionRevisions::Subject, 160))
                    .col(string_len(DispositionRevisions::Action, 64))
                    .col(text_null(DispositionRevisions::Disposition))
                    .col(timestamp_with_time_zone(DispositionRevisions::RecordedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_disposition_revisions_subject")
                    .table(DispositionRevisions::Table)
                    .col(DispositionRevisions::Subject)
                    .col(DispositionRevisions::Id)
                    .to_owned(),
            )
            .await?;

        // Published versions are inserted once and never updated.
        manager
            .create_table(
                Table::create()
                    .table(FeedbackReports::Table)
                    .col(string_len(FeedbackReports::ConsultationId, 32))
                    .col(integer(FeedbackReports::Version))
                    .col(text(FeedbackReports::Content))
                    .col(string_len(FeedbackReports::Sha256, 64))
                    .col(string_len(FeedbackReports::PublishedBy, 128))
                    .col(timestamp_with_time_zone(FeedbackReports::PublishedAt))
                    .col(text(FeedbackReports::CorrectionReason))
                    .primary_key(
                        Index::create()
                            .col(FeedbackReports::ConsultationId)
                            .col(FeedbackReports::Version),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_feedback_reports_consultation")
                            .from(FeedbackReports::Table, FeedbackReports::ConsultationId)
                            .to(Consultations::Table, Consultations::Id),
                    )
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            FeedbackReports::Table.into_iden(),
            DispositionRevisions::Table.into_iden(),
            OpinionGroups::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(t).to_owned())
                .await?;
        }
        for c in [
            Comments::Moderation.into_iden(),
            Comments::GroupId.into_iden(),
            Comments::Disposition.into_iden(),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Comments::Table)
                        .drop_column(c)
                        .to_owned(),
                )
                .await?;
        }
        for c in [
            Consultations::ReadyAt.into_iden(),
            Consultations::Decision.into_iden(),
            Consultations::FeedbackDueOn.into_iden(),
            Consultations::FeedbackVersion.into_iden(),
            Consultations::FeedbackPublishedAt.into_iden(),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Consultations::Table)
                        .drop_column(c)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
