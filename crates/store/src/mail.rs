//! E-mail: the outbox, preferences and digest items (m0016_mail). Mail rows are written on the
//! transaction of the change that notifies, so an SMTP server that is down loses nothing; senders
//! claim due rows under a lease with a conditional update, like the webhook outbox.
use crate::entities::{mail_digest_item, mail_outbox, mail_preference};
use crate::{now, Repo, Result, StoreError};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};

pub use crate::entities::mail_digest_item::Model as DigestItem;
pub use crate::entities::mail_outbox::Model as OutboxMail;

/// What became of one send attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MailOutcome {
    Sent,
    RetryAt(DateTime<Utc>),
    Failed,
}

/// Who a mail goes to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recipient {
    pub email: String,
    pub name: String,
    pub disabled: bool,
}

impl<C: ConnectionTrait> Repo<C> {
    pub async fn mail_recipient(&self, user_id: i64) -> Result<Option<Recipient>> {
        Ok(crate::entities::user::Entity::find_by_id(user_id)
            .one(self.conn())
            .await?
            .map(|u| Recipient {
                email: u.email,
                name: u.name,
                disabled: u.disabled,
            }))
    }

    /// Queues one mail (on the caller's transaction), due at once.
    pub async fn queue_mail(
        &self,
        user_id: Option<i64>,
        to: &str,
        subject: &str,
        body: &str,
        link: Option<&str>,
    ) -> Result<OutboxMail> {
        let at = now();
        Ok(mail_outbox::ActiveModel {
            user_id: Set(user_id),
            to_address: Set(to.to_string()),
            subject: Set(subject.to_string()),
            body: Set(body.to_string()),
            link: Set(link.map(str::to_string)),
            status: Set("queued".into()),
            attempts: Set(0),
            next_attempt_at: Set(at),
            lease_until: Set(None),
            last_error: Set(None),
            created_at: Set(at),
            sent_at: Set(None),
            ..Default::default()
        }
        .insert(self.conn())
        .await?)
    }

    /// The newest mails first (all of them, or one person's).
    pub async fn outbox_mails(&self, user_id: Option<i64>, limit: u64) -> Result<Vec<OutboxMail>> {
        let mut q = mail_outbox::Entity::find();
        if let Some(u) = user_id {
            q = q.filter(mail_outbox::Column::UserId.eq(u));
        }
        Ok(q.order_by_desc(mail_outbox::Column::Id)
            .limit(limit)
            .all(self.conn())
            .await?)
    }

    pub async fn outbox_mail(&self, id: i64) -> Result<OutboxMail> {
        mail_outbox::Entity::find_by_id(id)
            .one(self.conn())
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("mail {id}")))
    }

    /// Claims up to `limit` mails due at `at` (queued and due, or sending with an expired
    /// lease) for `lease_seconds`; a row another sender took in between is skipped.
    pub async fn claim_mails(
        &self,
        at: DateTime<Utc>,
        limit: u64,
        lease_seconds: i64,
    ) -> Result<Vec<OutboxMail>> {
        let due = mail_outbox::Entity::find()
            .filter(
                Condition::any()
                    .add(
                        Condition::all()
                            .add(mail_outbox::Column::Status.eq("queued"))
                            .add(mail_outbox::Column::NextAttemptAt.lte(at)),
                    )
                    .add(
                        Condition::all()
                            .add(mail_outbox::Column::Status.eq("sending"))
                            .add(mail_outbox::Column::LeaseUntil.lt(at)),
                    ),
            )
            .order_by_asc(mail_outbox::Column::NextAttemptAt)
            .order_by_asc(mail_outbox::Column::Id)
            .limit(limit)
            .all(self.conn())
            .await?;
        let until = at + chrono::Duration::seconds(lease_seconds);
        let mut claimed = Vec::new();
        for m in due {
            let taken = mail_outbox::Entity::update_many()
                .col_expr(mail_outbox::Column::Status, Expr::value("sending"))
                .col_expr(mail_outbox::Column::LeaseUntil, Expr::value(until))
                .filter(mail_outbox::Column::Id.eq(m.id))
                .filter(mail_outbox::Column::Status.eq(m.status.clone()))
                .filter(mail_outbox::Column::Attempts.eq(m.attempts))
                .exec(self.conn())
                .await?;
            if taken.rows_affected == 1 {
                claimed.push(OutboxMail {
                    status: "sending".into(),
                    lease_until: Some(until),
                    ..m
                });
            }
        }
        Ok(claimed)
    }

    /// Records one attempt: sent, queued again at a later time, or failed for good.
    pub async fn record_mail_attempt(
        &self,
        id: i64,
        error: Option<String>,
        outcome: MailOutcome,
    ) -> Result<()> {
        let m = self.outbox_mail(id).await?;
        let mut row: mail_outbox::ActiveModel = m.clone().into();
        row.attempts = Set(m.attempts + 1);
        row.last_error = Set(error);
        row.lease_until = Set(None);
        match outcome {
            MailOutcome::Sent => {
                row.status = Set("sent".into());
                row.sent_at = Set(Some(now()));
            }
            MailOutcome::RetryAt(at) => {
                row.status = Set("queued".into());
                row.next_attempt_at = Set(at);
            }
            MailOutcome::Failed => row.status = Set("failed".into()),
        }
        row.update(self.conn()).await?;
        Ok(())
    }

    /// A person's preferences as (category, mode); categories without a row are not listed.
    pub async fn mail_preferences(&self, user_id: i64) -> Result<Vec<(String, String)>> {
        Ok(mail_preference::Entity::find()
            .filter(mail_preference::Column::UserId.eq(user_id))
            .order_by_asc(mail_preference::Column::Category)
            .all(self.conn())
            .await?
            .into_iter()
            .map(|p| (p.category, p.mode))
            .collect())
    }

    pub async fn set_mail_preference(
        &self,
        user_id: i64,
        category: &str,
        mode: &str,
    ) -> Result<()> {
        let existing = mail_preference::Entity::find()
            .filter(mail_preference::Column::UserId.eq(user_id))
            .filter(mail_preference::Column::Category.eq(category))
            .one(self.conn())
            .await?;
        match existing {
            Some(p) => {
                let mut row: mail_preference::ActiveModel = p.into();
                row.mode = Set(mode.to_string());
                row.update(self.conn()).await?;
            }
            None => {
                mail_preference::ActiveModel {
                    user_id: Set(user_id),
                    category: Set(category.to_string()),
                    mode: Set(mode.to_string()),
                    ..Default::default()
                }
                .insert(self.conn())
                .await?;
            }
        }
        Ok(())
    }

    pub async fn add_digest_item(
        &self,
        user_id: i64,
        category: &str,
        subject: &str,
        body: &str,
        link: Option<&str>,
    ) -> Result<DigestItem> {
        Ok(mail_digest_item::ActiveModel {
            user_id: Set(user_id),
            category: Set(category.to_string()),
            subject: Set(subject.to_string()),
            body: Set(body.to_string()),
            link: Set(link.map(str::to_string)),
            created_at: Set(now()),
            mail_id: Set(None),
            ..Default::default()
        }
        .insert(self.conn())
        .await?)
    }

    /// Every item still waiting for a digest, oldest first.
    pub async fn waiting_digest_items(&self) -> Result<Vec<DigestItem>> {
        Ok(mail_digest_item::Entity::find()
            .filter(mail_digest_item::Column::MailId.is_null())
            .order_by_asc(mail_digest_item::Column::UserId)
            .order_by_asc(mail_digest_item::Column::Id)
            .all(self.conn())
            .await?)
    }

    /// Ties waiting items to the digest mail that carries them; returns how many were still
    /// waiting (fewer than asked means another server bundled some first).
    pub async fn mark_digest_items(&self, ids: &[i64], mail_id: i64) -> Result<u64> {
        Ok(mail_digest_item::Entity::update_many()
            .col_expr(mail_digest_item::Column::MailId, Expr::value(mail_id))
            .filter(mail_digest_item::Column::Id.is_in(ids.iter().copied()))
            .filter(mail_digest_item::Column::MailId.is_null())
            .exec(self.conn())
            .await?
            .rows_affected)
    }
}
