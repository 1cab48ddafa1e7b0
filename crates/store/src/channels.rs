//! Project channels and the search index (m0015_channels).
//!
//! The index is an inverted index in ordinary tables — `search_docs` (one row per document: its
//! kind, id, project, audience and length) and `search_postings` (term → document, term
//! frequency) — written by [`Repo::index_document`] on the caller's transaction, so SQLite and
//! PostgreSQL run the same queries and rank in Rust (`postflow_core::channels::rank`).
use crate::entities::{
    channel, decision, message, message_attachment, message_edit, message_mention, search_doc,
    search_posting,
};
use crate::{now, Repo, Result, StoreError};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};

pub use crate::entities::channel::Model as Channel;
pub use crate::entities::decision::Model as Decision;
pub use crate::entities::message::Model as Message;
pub use crate::entities::message_attachment::Model as Attachment;
pub use crate::entities::message_edit::Model as MessageEdit;
pub use crate::entities::message_mention::Model as Mention;
pub use crate::entities::search_posting::Model as PostingRow;

/// Who may find a document: everyone on the project's staff (`internal`), or the client too.
pub const INTERNAL: &str = "internal";
pub const CLIENT: &str = "client";

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
    /// its length are written. Call it on the transaction that writes the document.
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
        search_posting::Entity::delete_many()
            .filter(search_posting::Column::DocKind.eq(kind))
            .filter(search_posting::Column::DocId.eq(doc_id))
            .exec(self.conn())
            .await?;
        search_doc::Entity::delete_many()
            .filter(search_doc::Column::DocKind.eq(kind))
            .filter(search_doc::Column::DocId.eq(doc_id))
            .exec(self.conn())
            .await?;
        Ok(())
    }

    /// The postings of `term` (every term starting with it when `prefix`) within `scope`.
    pub async fn postings(
        &self,
        term: &str,
        prefix: bool,
        scope: &SearchScope,
    ) -> Result<Vec<PostingRow>> {
        let mut q = search_posting::Entity::find();
        q = if prefix {
            // The range lets either database walk the term index; LIKE keeps it exact whatever
            // the collation (terms are letters and digits only, so nothing needs escaping).
            let mut upper: Vec<char> = term.chars().collect();
            let range = match upper.pop().and_then(|c| char::from_u32(c as u32 + 1)) {
                Some(next) => {
                    upper.push(next);
                    Some(upper.into_iter().collect::<String>())
                }
                None => None,
            };
            let mut c = Condition::all()
                .add(search_posting::Column::Term.gte(term))
                .add(search_posting::Column::Term.like(format!("{term}%")));
            if let Some(r) = range {
                c = c.add(search_posting::Column::Term.lt(r));
            }
            q.filter(c)
        } else {
            q.filter(search_posting::Column::Term.eq(term))
        };
        if let Some(p) = &scope.projects {
            q = q.filter(search_posting::Column::ProjectId.is_in(p.iter().copied()));
        }
        q = q.filter(search_posting::Column::Audience.is_in(scope.audiences.iter().cloned()));
        Ok(q.all(self.conn()).await?)
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

    /// (documents, total length) within `scope`, for BM25's statistics.
    pub async fn search_stats(&self, scope: &SearchScope) -> Result<(i64, i64)> {
        let mut q = search_doc::Entity::find()
            .select_only()
            .column_as(search_doc::Column::Id.count(), "documents")
            .column_as(
                Expr::cust("CAST(COALESCE(SUM(length), 0) AS BIGINT)"),
                "total",
            )
            .filter(search_doc::Column::Audience.is_in(scope.audiences.iter().cloned()));
        if let Some(p) = &scope.projects {
            q = q.filter(search_doc::Column::ProjectId.is_in(p.iter().copied()));
        }
        let row: Option<(i64, i64)> = q.into_tuple().one(self.conn()).await?;
        Ok(row.unwrap_or((0, 0)))
    }
}
