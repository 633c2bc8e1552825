//! Private fields sealed at rest: each comment names the key that sealed its submitter's name,
//! organisation and contact; NULL marks a row written in plain text before sealing existed.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum Comments {
    Table,
    PrivateKeyId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Comments::Table)
                    .add_column(string_len_null(Comments::PrivateKeyId, 64))
                    .to_owned(),
            )
            .await?;
        // Re-sealing after a key rotation looks for rows under any other key.
        manager
            .create_index(
                Index::create()
                    .name("idx_comments_private_key_id")
                    .table(Comments::Table)
                    .col(Comments::PrivateKeyId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_comments_private_key_id")
                    .table(Comments::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Comments::Table)
                    .drop_column(Comments::PrivateKeyId)
                    .to_owned(),
            )
            .await
    }
}
