//! Search that answers in milliseconds on a studio's whole history: a covering index so the
//! database ranks postings without touching the table, and the BM25 collection statistics kept
//! per (project, audience) as the documents are indexed, instead of summed over every document
//! on every query.
use super::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0019_search_speed"
    }
}

#[derive(DeriveIden)]
enum SearchPostings {
    Table,
    Term,
    Audience,
    ProjectId,
    DocKind,
    DocId,
    Tf,
    DocLen,
}

#[derive(DeriveIden)]
enum SearchDocs {
    Table,
    ProjectId,
    Audience,
    Length,
}

#[derive(DeriveIden)]
enum SearchStats {
    Table,
    Id,
    ProjectId,
    Audience,
    Documents,
    TotalLength,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_search_postings_term")
                    .table(SearchPostings::Table)
                    .to_owned(),
            )
            .await?;
        // Every column a ranking query reads, in the order it seeks: term, then the reader's
        // scope, then the document; tf and length ride along so no row is fetched.
        manager
            .create_index(
                Index::create()
                    .name("idx_search_postings_rank")
                    .table(SearchPostings::Table)
                    .col(SearchPostings::Term)
                    .col(SearchPostings::Audience)
                    .col(SearchPostings::ProjectId)
                    .col(SearchPostings::DocKind)
                    .col(SearchPostings::DocId)
                    .col(SearchPostings::Tf)
                    .col(SearchPostings::DocLen)
                    .take(),
            )
            .await?;
        // Looking a term up in one document may start from either end — the document (this
        // index, which unindexing needs too) or the term (the one above) — so both cover.
        manager
            .drop_index(
                Index::drop()
                    .name("idx_search_postings_doc")
                    .table(SearchPostings::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_search_postings_doc_cover")
                    .table(SearchPostings::Table)
                    .col(SearchPostings::DocKind)
                    .col(SearchPostings::DocId)
                    .col(SearchPostings::Term)
                    .col(SearchPostings::Audience)
                    .col(SearchPostings::ProjectId)
                    .col(SearchPostings::Tf)
                    .col(SearchPostings::DocLen)
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SearchStats::Table)
                    .col(id_pk(SearchStats::Id))
                    .col(int64(SearchStats::ProjectId))
                    .col(text(SearchStats::Audience))
                    .col(int64(SearchStats::Documents))
                    .col(int64(SearchStats::TotalLength))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_search_stats_scope")
                    .table(SearchStats::Table)
                    .col(SearchStats::ProjectId)
                    .col(SearchStats::Audience)
                    .unique()
                    .take(),
            )
            .await?;
        // The statistics of what is already indexed.
        let backfill = Query::insert()
            .into_table(SearchStats::Table)
            .columns([
                SearchStats::ProjectId,
                SearchStats::Audience,
                SearchStats::Documents,
                SearchStats::TotalLength,
            ])
            .select_from(
                Query::select()
                    .column(SearchDocs::ProjectId)
                    .column(SearchDocs::Audience)
                    .expr(Expr::col(SearchDocs::Length).count())
                    .expr(Expr::col(SearchDocs::Length).sum())
                    .from(SearchDocs::Table)
                    .group_by_col(SearchDocs::ProjectId)
                    .group_by_col(SearchDocs::Audience)
                    .take(),
            )
            .map_err(|e| DbErr::Migration(e.to_string()))?
            .take();
        manager.exec_stmt(backfill).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(SearchStats::Table).if_exists().take())
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("idx_search_postings_doc_cover")
                    .table(SearchPostings::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_search_postings_doc")
                    .table(SearchPostings::Table)
                    .col(SearchPostings::DocKind)
                    .col(SearchPostings::DocId)
                    .take(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("idx_search_postings_rank")
                    .table(SearchPostings::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_search_postings_term")
                    .table(SearchPostings::Table)
                    .col(SearchPostings::Term)
                    .col(SearchPostings::ProjectId)
                    .take(),
            )
            .await?;
        Ok(())
    }
}
