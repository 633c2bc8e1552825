//! The outbox of events for other systems. Positions come from `event_head`, moved in the
//! transaction that writes the event while the audit chain's lock is held (SQLite's write lock
//! on one process), so they are gap-free in commit order on any number of replicas: a
//! transaction that rolls back takes its positions with it, and none commits out of order.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum Events {
    Table,
    Position,
    Id,
    Type,
    Subject,
    Department,
    Time,
    Data,
}

#[derive(DeriveIden)]
enum EventHead {
    Table,
    Id,
    Position,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Events::Table)
                    .col(big_integer(Events::Position).primary_key())
                    .col(string_len_uniq(Events::Id, 36))
                    .col(string_len(Events::Type, 100))
                    .col(string_len(Events::Subject, 300))
                    .col(string_len(Events::Department, 64))
                    .col(timestamp_with_time_zone(Events::Time))
                    .col(text(Events::Data))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(EventHead::Table)
                    .col(integer(EventHead::Id).primary_key())
                    .col(big_integer(EventHead::Position))
                    .to_owned(),
            )
            .await?;
        manager
            .exec_stmt(
                Query::insert()
                    .into_table(EventHead::Table)
                    .columns([EventHead::Id, EventHead::Position])
                    .values_panic([1.into(), 0i64.into()])
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(EventHead::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Events::Table).to_owned())
            .await
    }
}
