//! Each unit's register of public representatives: the category public, the name and contact
//! sealed (one sealed JSON per row, under the private-data key).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum Representatives {
    Table,
    Department,
    Id,
    Category,
    Active,
    Document,
    Details,
    PrivateKeyId,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Representatives::Table)
                    .col(
                        ColumnDef::new(Representatives::Department)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Representatives::Id)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Representatives::Category)
                            .string_len(32)
                            .not_null(),
                    )
                    .col(ColumnDef::new(Representatives::Active).boolean().not_null())
                    .col(ColumnDef::new(Representatives::Document).text().not_null())
                    .col(ColumnDef::new(Representatives::Details).text().not_null())
                    .col(
                        ColumnDef::new(Representatives::PrivateKeyId)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Representatives::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .name("pk_representatives")
                            .col(Representatives::Department)
                            .col(Representatives::Id),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Representatives::Table).to_owned())
            .await
    }
}
