//! Each comment's contact digest (a keyed hash of the submitter's contact), so that the comments
//! sharing one contact can be counted while every contact stays sealed.

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
        // No index of its own: digests are counted among a suggestion's members, which the
        // suggestion index finds, and an index of random digests would cost every intake a
        // random page write.
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
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
