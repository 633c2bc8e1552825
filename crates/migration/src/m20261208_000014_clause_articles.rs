//! Each comment's clause reference read as an article number (`5`, `第5条`, `第五条` are all 5),
//! so that list filters, bulk answers and the listing of a draft's articles compare clauses
//! by index however people wrote them. References that name no article stay NULL and are
//! compared as written.

use consult_domain::clause::article_number;
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, Statement, TryGetable};

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum Comments {
    Table,
    ClauseArticle,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Comments::Table)
                    .add_column(ColumnDef::new(Comments::ClauseArticle).integer().null())
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        let backend = db.get_database_backend();
        // One statement per distinct reference: a consultation has tens of ways of writing its
        // articles, not one per comment.
        let references = db
            .query_all_raw(Statement::from_string(
                backend,
                "SELECT DISTINCT clause_reference FROM comments WHERE clause_reference <> ''",
            ))
            .await?;
        for row in references {
            let reference = String::try_get_by_index(&row, 0).map_err(DbErr::from)?;
            let Some(n) = article_number(&reference) else {
                continue;
            };
            let update = Query::update()
                .table(Comments::Table)
                .value(Comments::ClauseArticle, n as i32)
                .and_where(Expr::col(Alias::new("clause_reference")).eq(reference))
                .to_owned();
            manager.exec_stmt(update).await?;
        }
        db.execute_unprepared(
            "CREATE INDEX idx_comments_clause_article ON comments \
             (consultation_id, clause_article, id) WHERE clause_article IS NOT NULL",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP INDEX idx_comments_clause_article")
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Comments::Table)
                    .drop_column(Comments::ClauseArticle)
                    .to_owned(),
            )
            .await
    }
}
