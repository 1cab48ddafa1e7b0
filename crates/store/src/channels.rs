//! Project channels and the search index (m0015_channels).
//!
//! The index is an inverted index in ordinary tables — `search_docs` (one row per document: its
//! kind, id, project, audience and length), `search_postings` (term → document, term frequency,
//! under a covering index) and `search_stats` (documents and total length per project and
//! audience) — written by [`Repo::index_document`] on the caller's transaction. Ranking runs in
//! the database as one query built with sea-query ([`Repo::search_top`]), the same statement on
//! SQLite and PostgreSQL, evaluating the BM25 expression of `postflow_core::channels::Bm25`.
use crate::entities::{
    channel, decision, message, message_attachment, message_edit, message_mention, search_doc,
    search_posting, search_stat,
};
use crate::{now, Repo, Result, StoreError};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, JoinType, OnConflict, Order, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

pub use crate::entities::channel::Model as Channel;
pub use crate::entities::decision::Model as Decision;
pub use crate::entities::message::Model as Message;
pub use crate::entities::message_attachment::Model as Attachment;
pub use crate::entities::message_edit::Model as MessageEdit;
pub use crate::entities::message_mention::Model as Mention;

/// Who may find a document: everyone on the project's staff (`internal`), or the client too.
pub const INTERNAL: &str = "internal";
pub const CLIENT: &str = "client";

/// How many expansions of a prefix a search considers (in term order).
pub const MAX_EXPANSIONS: usize = 64;

/// One ranking query: the postings of `driver` are walked; each of `others` must also match
/// the document (any of a group's terms — a prefix's expansions — the best one counting).
/// Weights are BM25's idf·(k1+1) per term; see `postflow_core::channels::Bm25`.
#[derive(Debug, Clone)]
pub struct RankQuery<'a> {
    pub driver: (&'a str, f64),
    pub others: &'a [Vec<(String, f64)>],
    pub saturation: f64,
    pub length_factor: f64,
    pub scope: &'a SearchScope,
    pub limit: u64,
}

/// A ranked document.
#[derive(Debug, Clone, PartialEq)]
pub struct RankedDoc {
    pub doc_kind: String,
    pub doc_id: i64,
    pub score: f64,
}

/// Which documents a search may return.
#[derive(Debug, Clone, Default)]
pub struct SearchScope {
    /// `None`: every project.
    pub projects: Option<Vec<i64>>,
    /// The audiences the reader belongs to (`internal`, `client`).
    pub audiences: Vec<String>,
}

impl<C: ConnectionTrait> Repo<C> {
    /// The project's channel of `kind`, created on first use.
    pub async fn channel(&self, project_id: i64, kind: &str) -> Result<Channel> {
        channel::Entity::insert(channel::ActiveModel {
            project_id: Set(project_id),
            kind: Set(kind.to_string()),
            created_at: Set(now()),
            ..Default::default()
        })
        .on_conflict(
            OnConflict::columns([channel::Column::ProjectId, channel::Column::Kind])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(self.conn())
        .await?;
        channel::Entity::find()
            .filter(channel::Column::ProjectId.eq(project_id))
            .filter(channel::Column::Kind.eq(kind))
            .one(self.conn())
            .await?
            .ok_or_else(|| StoreError::NotFound("channel".into()))
    }

    pub async fn channel_by_id(&self, id: i64) -> Result<Option<Channel>> {
        Ok(channel::Entity::find_by_id(id).one(self.conn()).await?)
    }

    pub async fn insert_message(
        &self,
        channel: &Channel,
        author_id: Option<i64>,
        body: &str,
        reply_to: Option<i64>,
    ) -> Result<Message> {
        Ok(message::ActiveModel {
            channel_id: Set(channel.id),
            project_id: Set(channel.project_id),
            author_id: Set(author_id),
            body: Set(body.to_string()),
            reply_to: Set(reply_to),
            created_at: Set(now()),
            edited_at: Set(None),
            ..Default::default()
        }
        .insert(self.conn())
        .await?)
    }

    pub async fn message_by_id(&self, id: i64) -> Result<Option<Message>> {
        Ok(message::Entity::find_by_id(id).one(self.conn()).await?)
    }

    pub async fn messages_by_ids(&self, ids: &[i64]) -> Result<Vec<Message>> {
        Ok(message::Entity::find()
            .filter(message::Column::Id.is_in(ids.iter().copied()))
            .all(self.conn())
            .await?)
    }

    /// A channel's latest `limit` messages, oldest first.
    pub async fn messages_of(&self, channel_id: i64, limit: u64) -> Result<Vec<Message>> {
        let mut rows = message::Entity::find()
            .filter(message::Column::ChannelId.eq(channel_id))
            .order_by_desc(message::Column::Id)
            .limit(limit)
            .all(self.conn())
            .await?;
        rows.reverse();
        Ok(rows)
    }

    /// Replaces a message's body, keeping the previous one in its edit history.
    pub async fn edit_message(
        &self,
        id: i64,
        editor_id: Option<i64>,
        body: &str,
    ) -> Result<Message> {
        let old = self
            .message_by_id(id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("message {id}")))?;
        let at = now();
        message_edit::ActiveModel {
            message_id: Set(id),
            editor_id: Set(editor_id),
            previous_body: Set(old.body.clone()),
            edited_at: Set(at),
            ..Default::default()
        }
        .insert(self.conn())
        .await?;
        let mut a: message::ActiveModel = old.into();
        a.body = Set(body.to_string());
        a.edited_at = Set(Some(at));
        Ok(a.update(self.conn()).await?)
    }

    /// A message's earlier bodies, oldest first.
    pub async fn message_edits(&self, message_id: i64) -> Result<Vec<MessageEdit>> {
        Ok(message_edit::Entity::find()
            .filter(message_edit::Column::MessageId.eq(message_id))
            .order_by_asc(message_edit::Column::Id)
            .all(self.conn())
            .await?)
    }

    /// Records that a message mentions a person (`user_id`) or a department.
    pub async fn add_mention(
        &self,
        message_id: i64,
        user_id: Option<i64>,
        department: Option<&str>,
    ) -> Result<Mention> {
        Ok(message_mention::ActiveModel {
            message_id: Set(message_id),
            user_id: Set(user_id),
            department: Set(department.map(str::to_string)),
            ..Default::default()
        }
        .insert(self.conn())
        .await?)
    }

    pub async fn mentions_of(&self, message_ids: &[i64]) -> Result<Vec<Mention>> {
        Ok(message_mention::Entity::find()
            .filter(message_mention::Column::MessageId.is_in(message_ids.iter().copied()))
            .order_by_asc(message_mention::Column::Id)
            .all(self.conn())
            .await?)
    }

    pub async fn add_attachment(&self, message_id: i64, media_file_id: i64) -> Result<Attachment> {
        Ok(message_attachment::ActiveModel {
            message_id: Set(message_id),
            media_file_id: Set(media_file_id),
            ..Default::default()
        }
        .insert(self.conn())
        .await?)
    }

    pub async fn attachments_of(&self, message_ids: &[i64]) -> Result<Vec<Attachment>> {
        Ok(message_attachment::Entity::find()
            .filter(message_attachment::Column::MessageId.is_in(message_ids.iter().copied()))
            .order_by_asc(message_attachment::Column::Id)
            .all(self.conn())
            .await?)
    }

    pub async fn insert_decision(
        &self,
        project_id: i64,
        message_id: Option<i64>,
        decided_by: Option<i64>,
        text: &str,
    ) -> Result<Decision> {
        Ok(decision::ActiveModel {
            project_id: Set(project_id),
            message_id: Set(message_id),
            decided_by: Set(decided_by),
            decided_at: Set(now()),
            text: Set(text.to_string()),
            ..Default::default()
        }
        .insert(self.conn())
        .await?)
    }

    /// The project's decisions, newest first.
    pub async fn decisions_of(&self, project_id: i64) -> Result<Vec<Decision>> {
        Ok(decision::Entity::find()
            .filter(decision::Column::ProjectId.eq(project_id))
            .order_by_desc(decision::Column::Id)
            .all(self.conn())
            .await?)
    }

    pub async fn decisions_by_ids(&self, ids: &[i64]) -> Result<Vec<Decision>> {
        Ok(decision::Entity::find()
            .filter(decision::Column::Id.is_in(ids.iter().copied()))
            .all(self.conn())
            .await?)
    }

    /// (Re)indexes one document: its earlier postings go, the new ones (term, frequency) and
    /// its length are written, and the collection statistics follow. Call it on the
    /// transaction that writes the document.
    pub async fn index_document(
        &self,
        kind: &str,
        doc_id: i64,
        project_id: i64,
        audience: &str,
        terms: &std::collections::BTreeMap<String, i64>,
        length: i64,
    ) -> Result<()> {
        self.unindex_document(kind, doc_id).await?;
        search_doc::ActiveModel {
            doc_kind: Set(kind.to_string()),
            doc_id: Set(doc_id),
            project_id: Set(project_id),
            audience: Set(audience.to_string()),
            length: Set(length),
            ..Default::default()
        }
        .insert(self.conn())
        .await?;
        self.count_in_stats(project_id, audience, 1, length).await?;
        let rows: Vec<search_posting::ActiveModel> = terms
            .iter()
            .map(|(term, tf)| search_posting::ActiveModel {
                term: Set(term.clone()),
                doc_kind: Set(kind.to_string()),
                doc_id: Set(doc_id),
                project_id: Set(project_id),
                audience: Set(audience.to_string()),
                tf: Set(*tf),
                doc_len: Set(length),
                ..Default::default()
            })
            .collect();
        // Bounded batches keep every statement under SQLite's parameter limit.
        for chunk in rows.chunks(100) {
            search_posting::Entity::insert_many(chunk.to_vec())
                .exec_without_returning(self.conn())
                .await?;
        }
        Ok(())
    }

    pub async fn unindex_document(&self, kind: &str, doc_id: i64) -> Result<()> {
        let existing = search_doc::Entity::find()
            .filter(search_doc::Column::DocKind.eq(kind))
            .filter(search_doc::Column::DocId.eq(doc_id))
            .one(self.conn())
            .await?;
        let Some(doc) = existing else {
            return Ok(());
        };
        search_posting::Entity::delete_many()
            .filter(search_posting::Column::DocKind.eq(kind))
            .filter(search_posting::Column::DocId.eq(doc_id))
            .exec(self.conn())
            .await?;
        search_doc::Entity::delete_by_id(doc.id)
            .exec(self.conn())
            .await?;
        self.count_in_stats(doc.project_id, &doc.audience, -1, -doc.length)
            .await
    }

    /// Adds to one (project, audience)'s statistics — an upsert, so concurrent writers on
    /// PostgreSQL serialize on the row instead of racing to create it.
    async fn count_in_stats(
        &self,
        project_id: i64,
        audience: &str,
        documents: i64,
        length: i64,
    ) -> Result<()> {
        use search_stat::Column as S;
        search_stat::Entity::insert(search_stat::ActiveModel {
            project_id: Set(project_id),
            audience: Set(audience.to_string()),
            documents: Set(documents),
            total_length: Set(length),
            ..Default::default()
        })
        .on_conflict(
            OnConflict::columns([S::ProjectId, S::Audience])
                .value(
                    S::Documents,
                    Expr::col((search_stat::Entity, S::Documents)).add(documents),
                )
                .value(
                    S::TotalLength,
                    Expr::col((search_stat::Entity, S::TotalLength)).add(length),
                )
                .to_owned(),
        )
        .exec_without_returning(self.conn())
        .await?;
        Ok(())
    }

    /// The indexed terms starting with `prefix`, in term order, at most [`MAX_EXPANSIONS`]:
    /// one index seek each, however many postings the terms have.
    pub async fn search_expansions(&self, prefix: &str) -> Result<Vec<String>> {
        let mut upper: Vec<char> = prefix.chars().collect();
        let upper = upper
            .pop()
            .and_then(|c| char::from_u32(c as u32 + 1))
            .map(|next| {
                upper.push(next);
                upper.into_iter().collect::<String>()
            });
        let mut found: Vec<String> = Vec::new();
        while found.len() < MAX_EXPANSIONS {
            let mut q = search_posting::Entity::find()
                .select_only()
                .column_as(search_posting::Column::Term.min(), "term");
            q = match found.last() {
                Some(last) => q.filter(search_posting::Column::Term.gt(last.as_str())),
                None => q.filter(search_posting::Column::Term.gte(prefix)),
            };
            if let Some(u) = &upper {
                q = q.filter(search_posting::Column::Term.lt(u.as_str()));
            }
            let next: Option<Option<String>> = q.into_tuple().one(self.conn()).await?;
            match next.flatten() {
                // The range walks the index in the database's collation; the prefix test keeps
                // the answer exact whatever that collation is.
                Some(term) if term.starts_with(prefix) => found.push(term),
                _ => break,
            }
        }
        Ok(found)
    }

    /// How many documents within `scope` hold `term` (one posting per term and document).
    pub async fn search_document_frequency(&self, term: &str, scope: &SearchScope) -> Result<i64> {
        // A bare COUNT over the covering index: no row is read.
        let mut q = search_posting::Entity::find()
            .select_only()
            .column_as(Expr::cust("CAST(COUNT(*) AS BIGINT)"), "n")
            .filter(search_posting::Column::Term.eq(term))
            .filter(search_posting::Column::Audience.is_in(scope.audiences.iter().cloned()));
        if let Some(p) = &scope.projects {
            q = q.filter(search_posting::Column::ProjectId.is_in(p.iter().copied()));
        }
        let n: Option<i64> = q.into_tuple().one(self.conn()).await?;
        Ok(n.unwrap_or(0))
    }

    /// The best `limit` documents for one ranking query, best first (ties: the newer document
    /// first). The database walks the driver's postings through the covering index, looks each
    /// other term up on the same document (in the order given: put the rarest first) and sums
    /// the BM25 parts; nothing else is read.
    pub async fn search_top(&self, rq: &RankQuery<'_>) -> Result<Vec<RankedDoc>> {
        use search_posting::Column as P;
        let d = Alias::new("d");
        // w · tf / (tf + saturation + length_factor · doc_len) for one joined posting.
        let part = |alias: &Alias, weight: Expr| -> Expr {
            let tf = Expr::col((alias.clone(), P::Tf));
            weight.mul(tf.clone()).div(
                tf.add(Expr::val(rq.saturation))
                    .add(Expr::val(rq.length_factor).mul(Expr::col((alias.clone(), P::DocLen)))),
            )
        };
        let mut score = part(&d, Expr::val(rq.driver.1));
        let mut q = Query::select();
        q.from_as(search_posting::Entity, d.clone());
        let mut grouped = false;
        for (i, group) in rq.others.iter().enumerate() {
            let a = Alias::new(format!("p{i}"));
            let weight = match group.as_slice() {
                [(_, w)] => Expr::val(*w),
                _ => {
                    // One joined row per matching expansion: MAX over the rows keeps the best.
                    grouped = true;
                    let mut case = Expr::case(
                        Expr::col((a.clone(), P::Term)).eq(group[0].0.as_str()),
                        group[0].1,
                    );
                    for (t, w) in &group[1..] {
                        case = case.case(Expr::col((a.clone(), P::Term)).eq(t.as_str()), *w);
                    }
                    case.finally(0.0).into()
                }
            };
            score = score.add(part(&a, weight));
            // CROSS JOIN with the match in WHERE: SQLite keeps the driver as the outer loop
            // (it has no statistics to choose by); PostgreSQL plans it as any inner join.
            q.and_where(
                Expr::col((a.clone(), P::Term)).is_in(group.iter().map(|(t, _)| t.clone())),
            )
            .and_where(Expr::col((a.clone(), P::Audience)).equals((d.clone(), P::Audience)))
            .and_where(Expr::col((a.clone(), P::ProjectId)).equals((d.clone(), P::ProjectId)))
            .and_where(Expr::col((a.clone(), P::DocKind)).equals((d.clone(), P::DocKind)))
            .and_where(Expr::col((a.clone(), P::DocId)).equals((d.clone(), P::DocId)));
            q.join_as(
                JoinType::CrossJoin,
                search_posting::Entity,
                a,
                sea_orm::Condition::all(),
            );
        }
        q.expr_as(Expr::col((d.clone(), P::DocKind)), Alias::new("doc_kind"))
            .expr_as(Expr::col((d.clone(), P::DocId)), Alias::new("doc_id"))
            .and_where(Expr::col((d.clone(), P::Term)).eq(rq.driver.0))
            .and_where(
                Expr::col((d.clone(), P::Audience)).is_in(rq.scope.audiences.iter().cloned()),
            );
        if let Some(p) = &rq.scope.projects {
            q.and_where(Expr::col((d.clone(), P::ProjectId)).is_in(p.iter().copied()));
        }
        if grouped {
            q.expr_as(Func::max(score), Alias::new("score"))
                .group_by_col((d.clone(), P::DocKind))
                .group_by_col((d.clone(), P::DocId));
        } else {
            q.expr_as(score, Alias::new("score"));
        }
        q.order_by_expr(Expr::col(Alias::new("score")), Order::Desc)
            .order_by_expr(Expr::col((d.clone(), P::DocId)), Order::Desc)
            .limit(rq.limit);
        let rows = self.conn().query_all(&q).await?;
        rows.iter()
            .map(|r| {
                Ok(RankedDoc {
                    doc_kind: r.try_get("", "doc_kind")?,
                    doc_id: r.try_get("", "doc_id")?,
                    score: r.try_get("", "score")?,
                })
            })
            .collect()
    }

    /// The project a catalogued media file belongs to: `None` when no such file exists,
    /// `Some(None)` for a file of no project.
    pub async fn media_file_project(&self, id: i64) -> Result<Option<Option<i64>>> {
        Ok(crate::entities::media_file::Entity::find_by_id(id)
            .one(self.conn())
            .await?
            .map(|f| f.project_id))
    }

    /// The projects of indexed tasks.
    pub async fn search_task_projects(&self, task_ids: &[i64]) -> Result<Vec<i64>> {
        Ok(search_doc::Entity::find()
            .filter(search_doc::Column::DocKind.eq("task"))
            .filter(search_doc::Column::DocId.is_in(task_ids.iter().copied()))
            .all(self.conn())
            .await?
            .into_iter()
            .map(|d| d.project_id)
            .collect())
    }

    /// (documents, total length) within `scope`, for BM25's statistics: a sum over the few
    /// (project, audience) rows the index keeps, not over the documents.
    pub async fn search_stats(&self, scope: &SearchScope) -> Result<(i64, i64)> {
        let mut q = search_stat::Entity::find()
            .filter(search_stat::Column::Audience.is_in(scope.audiences.iter().cloned()));
        if let Some(p) = &scope.projects {
            q = q.filter(search_stat::Column::ProjectId.is_in(p.iter().copied()));
        }
        Ok(q.all(self.conn())
            .await?
            .iter()
            .fold((0, 0), |(n, len), s| {
                (n + s.documents, len + s.total_length)
            }))
    }
}
