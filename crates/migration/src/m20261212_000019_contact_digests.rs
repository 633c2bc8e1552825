//! Each comment's contact digest (a keyed hash of the submitter's contact), so that the comments
//! sharing one contact can be counted while every contact stays sealed.

use sea_orm_migration::sea_orm::ConnectionTrait;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum Comments {
    Table,
    ContactDigest,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Comments::Table)
                    .add_column(string_len_null(Comments::ContactDigest, 64))
                    .to_owned(),
            )
            .await?;
        // Partial: comments without a contact (hotline notes, letters without one) are many.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE INDEX idx_comments_contact_digest ON comments \
                 (consultation_id, contact_digest) WHERE contact_digest IS NOT NULL",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP INDEX idx_comments_contact_digest")
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Comments::Table)
                    .drop_column(Comments::ContactDigest)
                    .to_owned(),
            )
            .await
    }
}
