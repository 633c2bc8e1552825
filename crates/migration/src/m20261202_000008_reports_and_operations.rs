//! A published comment's place in its report version, found by its id (so that a receipt links
//! to its row of the paged report page), and a version's summary read without its comments; long-running operations, kept where every replica sees
//! them; and one of the two identical audit indexes dropped, since every comment accepted paid
//! for both.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub(crate) struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261202_000008_reports_and_operations"
    }
}

#[derive(DeriveIden)]
enum FeedbackReportParts {
    Table,
    ConsultationId,
    Version,
    CommentId,
}

#[derive(DeriveIden)]
enum Operations {
    Table,
    Id,
    Kind,
    ConsultationId,
    RequestedBy,
    Actor,
    Request,
    Done,
    CancelRequested,
    ProgressDone,
    ProgressTotal,
    Outcome,
    ErrorCode,
    ErrorMessage,
    ErrorDetails,
    Owner,
    LeaseUntil,
    Attempts,
    CreatedAt,
    UpdatedAt,
    EndedAt,
}

#[derive(DeriveIden)]
enum AuditEvents {
    Table,
    ConsultationId,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name("idx_report_parts_comment")
                    .table(FeedbackReportParts::Table)
                    .col(FeedbackReportParts::ConsultationId)
                    .col(FeedbackReportParts::Version)
                    .col(FeedbackReportParts::CommentId)
                    .to_owned(),
            )
            .await?;
        // A version's summary (everything but its published comments) read without walking
        // the comments: the frames and adopted changes alone, in order.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE INDEX idx_report_parts_summary ON feedback_report_parts \
                 (consultation_id, version, seq) WHERE kind <> 1",
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Operations::Table)
                    .col(string_len(Operations::Id, 32).primary_key())
                    .col(string_len(Operations::Kind, 40))
                    .col(string_len(Operations::ConsultationId, 32))
                    .col(string_len(Operations::RequestedBy, 128))
                    .col(text(Operations::Actor))
                    .col(blob(Operations::Request))
                    .col(boolean(Operations::Done))
                    .col(boolean(Operations::CancelRequested))
                    .col(big_integer(Operations::ProgressDone))
                    .col(big_integer(Operations::ProgressTotal))
                    .col(text_null(Operations::Outcome))
                    .col(integer_null(Operations::ErrorCode))
                    .col(text_null(Operations::ErrorMessage))
                    .col(blob_null(Operations::ErrorDetails))
                    .col(string_len_null(Operations::Owner, 64))
                    .col(timestamp_with_time_zone_null(Operations::LeaseUntil))
                    .col(integer(Operations::Attempts))
                    .col(timestamp_with_time_zone(Operations::CreatedAt))
                    .col(timestamp_with_time_zone(Operations::UpdatedAt))
                    .col(timestamp_with_time_zone_null(Operations::EndedAt))
                    .to_owned(),
            )
            .await?;
        // Runners look for operations not done; readers list a consultation's.
        manager
            .create_index(
                Index::create()
                    .name("idx_operations_pending")
                    .table(Operations::Table)
                    .col(Operations::Done)
                    .col(Operations::CreatedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_operations_consultation")
                    .table(Operations::Table)
                    .col(Operations::ConsultationId)
                    .col(Operations::Id)
                    .to_owned(),
            )
            .await?;
        // `idx_audit_events_consultation` (the foundation's) covers the same columns in the
        // same order: appends and chain walks use it.
        manager
            .drop_index(
                Index::drop()
                    .name("idx_audit_events_consultation_id")
                    .table(AuditEvents::Table)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name("idx_audit_events_consultation_id")
                    .table(AuditEvents::Table)
                    .col(AuditEvents::ConsultationId)
                    .col(AuditEvents::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(Operations::Table).to_owned())
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("idx_report_parts_summary")
                    .table(FeedbackReportParts::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("idx_report_parts_comment")
                    .table(FeedbackReportParts::Table)
                    .to_owned(),
            )
            .await
    }
}
