//! Where each relay of the outbox has got to: the position up to which every event was
//! acknowledged by its destination (e.g. NATS JetStream). A relay resumes after it, so an
//! event is published at least once; the destination's de-duplication by event id makes a
//! second publication harmless.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum EventRelays {
    Table,
    Name,
    Position,
    RelayedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(EventRelays::Table)
                    .col(string_len(EventRelays::Name, 64).primary_key())
                    .col(big_integer(EventRelays::Position))
                    .col(timestamp_with_time_zone(EventRelays::RelayedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(EventRelays::Table).to_owned())
            .await
    }
}
