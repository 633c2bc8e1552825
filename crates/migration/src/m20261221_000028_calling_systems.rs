//! The register of calling systems administrators keep at run time, and departments that can
//! be disabled. A token digest or a certificate common name names one system at most: unique
//! indexes (several NULLs allowed on both databases) refuse a second holder even when two
//! replicas register at once.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum CallingSystems {
    Table,
    Id,
    DisplayName,
    Channels,
    TokenSha256,
    CertificateCommonName,
    Disabled,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Departments {
    Table,
    Disabled,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CallingSystems::Table)
                    .col(string_len(CallingSystems::Id, 64).primary_key())
                    .col(string_len(CallingSystems::DisplayName, 400))
                    .col(text(CallingSystems::Channels))
                    .col(string_len_null(CallingSystems::TokenSha256, 64))
                    .col(string_len_null(CallingSystems::CertificateCommonName, 256))
                    .col(boolean(CallingSystems::Disabled))
                    .col(timestamp_with_time_zone(CallingSystems::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_calling_systems_token")
                    .table(CallingSystems::Table)
                    .col(CallingSystems::TokenSha256)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_calling_systems_certificate")
                    .table(CallingSystems::Table)
                    .col(CallingSystems::CertificateCommonName)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Departments::Table)
                    .add_column(boolean(Departments::Disabled).default(false))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Departments::Table)
                    .drop_column(Departments::Disabled)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(CallingSystems::Table).to_owned())
            .await
    }
}
