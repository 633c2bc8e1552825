//! Consultations, comments and the audit log.
//! Times are `timestamp with time zone` holding UTC; JSON values are stored as text.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum Consultations {
    Table,
    Id,
    Department,
    Kind,
    Title,
    DraftText,
    Basis,
    Explanation,
    Channels,
    OpensAt,
    ClosesAt,
    ShortenedReason,
    State,
    Extensions,
    WithdrawalReason,
    Warnings,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
    PublishedAt,
    ClosedAt,
    WithdrawnAt,
}

#[derive(DeriveIden)]
enum Comments {
    Table,
    Id,
    ConsultationId,
    Channel,
    SubmitterCategory,
    SubmitterName,
    SubmitterOrganization,
    SubmitterContact,
    Content,
    ClauseReference,
    PostmarkedAt,
    PublishNameConsent,
    ReceivedAt,
    ReceiptCode,
    SubmittedBy,
    RequestId,
    RequestDigest,
}

#[derive(DeriveIden)]
enum AuditEvents {
    Table,
    Id,
    ConsultationId,
    Actor,
    Action,
    Subject,
    Before,
    After,
    OccurredAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Consultations::Table)
                    .col(string_len(Consultations::Id, 32).primary_key())
                    .col(string_len(Consultations::Department, 64))
                    .col(string_len(Consultations::Kind, 32))
                    .col(text(Consultations::Title))
                    .col(text(Consultations::DraftText))
                    .col(text(Consultations::Basis))
                    .col(text(Consultations::Explanation))
                    .col(text(Consultations::Channels))
                    .col(timestamp_with_time_zone_null(Consultations::OpensAt))
                    .col(timestamp_with_time_zone_null(Consultations::ClosesAt))
                    .col(text(Consultations::ShortenedReason))
                    .col(string_len(Consultations::State, 32))
                    .col(text(Consultations::Extensions))
                    .col(text(Consultations::WithdrawalReason))
                    .col(text(Consultations::Warnings))
                    .col(string_len(Consultations::CreatedBy, 128))
                    .col(timestamp_with_time_zone(Consultations::CreatedAt))
                    .col(timestamp_with_time_zone(Consultations::UpdatedAt))
                    .col(timestamp_with_time_zone_null(Consultations::PublishedAt))
                    .col(timestamp_with_time_zone_null(Consultations::ClosedAt))
                    .col(timestamp_with_time_zone_null(Consultations::WithdrawnAt))
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            ("idx_consultations_department", Consultations::Department),
            ("idx_consultations_state", Consultations::State),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(Consultations::Table)
                        .col(col)
                        .to_owned(),
                )
                .await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(Comments::Table)
                    .col(string_len(Comments::Id, 32).primary_key())
                    .col(string_len(Comments::ConsultationId, 32))
                    .col(string_len(Comments::Channel, 32))
                    .col(string_len(Comments::SubmitterCategory, 32))
                    .col(text(Comments::SubmitterName))
                    .col(text(Comments::SubmitterOrganization))
                    .col(text(Comments::SubmitterContact))
                    .col(text(Comments::Content))
                    .col(text(Comments::ClauseReference))
                    .col(timestamp_with_time_zone_null(Comments::PostmarkedAt))
                    .col(boolean(Comments::PublishNameConsent))
                    .col(timestamp_with_time_zone(Comments::ReceivedAt))
                    .col(string_len_uniq(Comments::ReceiptCode, 16))
                    .col(string_len(Comments::SubmittedBy, 128))
                    .col(string_len(Comments::RequestId, 128))
                    .col(string_len(Comments::RequestDigest, 64))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_comments_consultation")
                            .from(Comments::Table, Comments::ConsultationId)
                            .to(Consultations::Table, Consultations::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_comments_consultation_id")
                    .table(Comments::Table)
                    .col(Comments::ConsultationId)
                    .col(Comments::Id)
                    .to_owned(),
            )
            .await?;
        // One request key per submitting principal: the idempotency guarantee lives in the schema.
        manager
            .create_index(
                Index::create()
                    .name("uq_comments_request")
                    .table(Comments::Table)
                    .col(Comments::SubmittedBy)
                    .col(Comments::RequestId)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AuditEvents::Table)
                    .col(big_pk_auto(AuditEvents::Id))
                    .col(string_len_null(AuditEvents::ConsultationId, 32))
                    .col(string_len(AuditEvents::Actor, 128))
                    .col(string_len(AuditEvents::Action, 64))
                    .col(text(AuditEvents::Subject))
                    .col(text_null(AuditEvents::Before))
                    .col(text_null(AuditEvents::After))
                    .col(timestamp_with_time_zone(AuditEvents::OccurredAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_audit_events_consultation")
                    .table(AuditEvents::Table)
                    .col(AuditEvents::ConsultationId)
                    .col(AuditEvents::Id)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            AuditEvents::Table.into_iden(),
            Comments::Table.into_iden(),
            Consultations::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(t).to_owned())
                .await?;
        }
        Ok(())
    }
}
