//! Answer templates: the reasons a department gives again and again, under short names.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum AnswerTemplates {
    Table,
    Department,
    TemplateId,
    Outcome,
    Reason,
    AdoptedContent,
    Description,
    CreatedBy,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AnswerTemplates::Table)
                    .col(string_len(AnswerTemplates::Department, 64))
                    .col(string_len(AnswerTemplates::TemplateId, 160))
                    .col(string_len(AnswerTemplates::Outcome, 32))
                    .col(text(AnswerTemplates::Reason))
                    .col(text(AnswerTemplates::AdoptedContent))
                    .col(text(AnswerTemplates::Description))
                    .col(string_len(AnswerTemplates::CreatedBy, 200))
                    .col(timestamp_with_time_zone(AnswerTemplates::UpdatedAt))
                    .primary_key(
                        Index::create()
                            .col(AnswerTemplates::Department)
                            .col(AnswerTemplates::TemplateId),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AnswerTemplates::Table).to_owned())
            .await
    }
}
