//! Users, sessions, API tokens and the login throttle.
use crate::entities::{api_token, login_throttle, session, user};
use crate::{map_unique, now, Repo, Result, StoreError};
use chrono::{DateTime, Utc};
use postflow_core::access::Role;
use sea_orm::sea_query::{Expr, OnConflict, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set, TransactionSession, TransactionTrait,
};

pub use crate::entities::api_token::Model as ApiToken;
pub use crate::entities::session::Model as Session;
/// The `users` row as stored, password hash included. Only this module reads it; everyone
/// else gets a [`User`].
pub use crate::entities::user::Model as UserRow;

/// A person's account as the rest of the program sees it: no password hash. The sign-in and
/// password checks read the hash on purpose, with [`Repo::password_hash_of`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub role: String,
    pub client_id: Option<i64>,
    pub title: Option<String>,
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
}

impl From<UserRow> for User {
    fn from(row: UserRow) -> User {
        User {
            id: row.id,
            email: row.email,
            name: row.name,
            role: row.role,
            client_id: row.client_id,
            title: row.title,
            disabled: row.disabled,
            created_at: row.created_at,
        }
    }
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub email: String,
    pub name: String,
    pub role: Role,
    pub client_id: Option<i64>,
    pub title: Option<String>,
    pub password_hash: String,
}

impl User {
    pub fn role(&self) -> Role {
        // Only `Role::as_str` values are ever written; an unknown value gets the least power.
        Role::parse(&self.role).unwrap_or(Role::Client)
    }
}

impl<C: ConnectionTrait + TransactionTrait> Repo<C> {
    pub async fn create_user(&self, new: NewUser) -> Result<User> {
        let email = new.email.trim().to_lowercase();
        let row = user::ActiveModel {
            email: Set(email.clone()),
            name: Set(new.name),
            role: Set(new.role.as_str().to_string()),
            client_id: Set(new.client_id),
            title: Set(new.title),
            password_hash: Set(new.password_hash),
            disabled: Set(false),
            created_at: Set(now()),
            ..Default::default()
        };
        row.insert(self.conn())
            .await
            .map(User::from)
            .map_err(|e| map_unique(e, "email", &email))
    }

    pub async fn count_users(&self) -> Result<u64> {
        Ok(user::Entity::find().count(self.conn()).await?)
    }

    pub async fn user_by_email(&self, email: &str) -> Result<Option<User>> {
        Ok(user::Entity::find()
            .filter(user::Column::Email.eq(email.trim().to_lowercase()))
            .one(self.conn())
            .await?
            .map(User::from))
    }

    pub async fn user_by_id(&self, id: i64) -> Result<Option<User>> {
        Ok(user::Entity::find_by_id(id)
            .one(self.conn())
            .await?
            .map(User::from))
    }

    /// The stored password hash (PHC string) of an account, for checking a password.
    pub async fn password_hash_of(&self, id: i64) -> Result<Option<String>> {
        Ok(user::Entity::find_by_id(id)
            .one(self.conn())
            .await?
            .map(|row| row.password_hash))
    }

    pub async fn list_users(&self) -> Result<Vec<User>> {
        Ok(user::Entity::find()
            .order_by_asc(user::Column::Name)
            .all(self.conn())
            .await?
            .into_iter()
            .map(User::from)
            .collect())
    }

    pub async fn update_user(
        &self,
        id: i64,
        name: String,
        role: Role,
        client_id: Option<i64>,
        title: Option<String>,
    ) -> Result<User> {
        let existing = user::Entity::find_by_id(id)
            .one(self.conn())
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("user {id}")))?;
        let mut row: user::ActiveModel = existing.into();
        row.name = Set(name);
        row.role = Set(role.as_str().to_string());
        row.client_id = Set(client_id);
        row.title = Set(title);
        Ok(User::from(row.update(self.conn()).await?))
    }

    /// Sets a new password (an admin reset or `postflow user`): every session of the account
    /// ends and every API token is revoked, in one transaction. Returns how many tokens it revoked.
    pub async fn set_password_hash(&self, id: i64, hash: String) -> Result<u64> {
        self.replace_password(id, hash, None).await
    }

    /// The person changed their own password: their other sessions end (the one they are using
    /// stays), and every API token is revoked, since a new password is how people answer a leak.
    pub async fn set_own_password_hash(
        &self,
        id: i64,
        hash: String,
        current_session_hash: &str,
    ) -> Result<u64> {
        self.replace_password(id, hash, Some(current_session_hash))
            .await
    }

    async fn replace_password(
        &self,
        id: i64,
        hash: String,
        keep_session: Option<&str>,
    ) -> Result<u64> {
        let tx = self.conn().begin().await?;
        let changed = user::Entity::update_many()
            .col_expr(user::Column::PasswordHash, Expr::value(hash))
            .filter(user::Column::Id.eq(id))
            .exec(&tx)
            .await?;
        if changed.rows_affected == 0 {
            return Err(StoreError::NotFound(format!("user {id}")));
        }
        let mut sessions = session::Entity::delete_many().filter(session::Column::UserId.eq(id));
        if let Some(keep) = keep_session {
            sessions = sessions.filter(session::Column::IdHash.ne(keep));
        }
        sessions.exec(&tx).await?;
        let revoked = revoke_all_tokens(&tx, id).await?;
        tx.commit().await?;
        Ok(revoked)
    }

    /// Disabling ends every session and revokes every API token (re-enabling revives neither).
    pub async fn set_user_disabled(&self, id: i64, disabled: bool) -> Result<()> {
        let tx = self.conn().begin().await?;
        let changed = user::Entity::update_many()
            .col_expr(user::Column::Disabled, Expr::value(disabled))
            .filter(user::Column::Id.eq(id))
            .exec(&tx)
            .await?;
        if changed.rows_affected == 0 {
            return Err(StoreError::NotFound(format!("user {id}")));
        }
        if disabled {
            session::Entity::delete_many()
                .filter(session::Column::UserId.eq(id))
                .exec(&tx)
                .await?;
            revoke_all_tokens(&tx, id).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    // --- sessions -------------------------------------------------------------------------

    pub async fn create_session(
        &self,
        id_hash: String,
        user_id: i64,
        csrf_token: String,
        expires_at: DateTime<Utc>,
    ) -> Result<Session> {
        let row = session::ActiveModel {
            id_hash: Set(id_hash),
            user_id: Set(user_id),
            csrf_token: Set(csrf_token),
            created_at: Set(now()),
            expires_at: Set(expires_at),
        };
        Ok(row.insert(self.conn()).await?)
    }

    /// A live session and its (enabled) user, or `None`.
    pub async fn session_user(&self, id_hash: &str) -> Result<Option<(Session, User)>> {
        let Some(s) = session::Entity::find_by_id(id_hash.to_string())
            .one(self.conn())
            .await?
        else {
            return Ok(None);
        };
        if s.expires_at <= now() {
            session::Entity::delete_by_id(id_hash.to_string())
                .exec(self.conn())
                .await?;
            return Ok(None);
        }
        match self.user_by_id(s.user_id).await? {
            Some(u) if !u.disabled => Ok(Some((s, u))),
            _ => Ok(None),
        }
    }

    pub async fn delete_session(&self, id_hash: &str) -> Result<()> {
        session::Entity::delete_by_id(id_hash.to_string())
            .exec(self.conn())
            .await?;
        Ok(())
    }

    pub async fn delete_expired_sessions(&self) -> Result<u64> {
        Ok(session::Entity::delete_many()
            .filter(session::Column::ExpiresAt.lte(now()))
            .exec(self.conn())
            .await?
            .rows_affected)
    }

    // --- API tokens -----------------------------------------------------------------------

    pub async fn create_api_token(
        &self,
        user_id: i64,
        name: String,
        token_hash: String,
    ) -> Result<ApiToken> {
        let row = api_token::ActiveModel {
            user_id: Set(user_id),
            name: Set(name),
            token_hash: Set(token_hash),
            created_at: Set(now()),
            last_used_at: Set(None),
            revoked_at: Set(None),
            ..Default::default()
        };
        Ok(row.insert(self.conn()).await?)
    }

    pub async fn list_api_tokens(&self, user_id: i64) -> Result<Vec<ApiToken>> {
        Ok(api_token::Entity::find()
            .filter(api_token::Column::UserId.eq(user_id))
            .order_by_desc(api_token::Column::CreatedAt)
            .all(self.conn())
            .await?)
    }

    /// Revokes one of the user's own tokens.
    pub async fn revoke_api_token(&self, user_id: i64, token_id: i64) -> Result<()> {
        let t = api_token::Entity::find_by_id(token_id)
            .filter(api_token::Column::UserId.eq(user_id))
            .one(self.conn())
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("API token {token_id}")))?;
        let mut row: api_token::ActiveModel = t.into();
        row.revoked_at = Set(Some(now()));
        row.update(self.conn()).await?;
        Ok(())
    }

    /// The enabled user owning a live (not revoked) token; records its use.
    pub async fn user_by_token_hash(&self, token_hash: &str) -> Result<Option<User>> {
        let Some(t) = api_token::Entity::find()
            .filter(api_token::Column::TokenHash.eq(token_hash))
            .filter(api_token::Column::RevokedAt.is_null())
            .one(self.conn())
            .await?
        else {
            return Ok(None);
        };
        let user_id = t.user_id;
        let mut row: api_token::ActiveModel = t.into();
        row.last_used_at = Set(Some(now()));
        row.update(self.conn()).await?;
        Ok(self.user_by_id(user_id).await?.filter(|u| !u.disabled))
    }

    // --- login throttle -------------------------------------------------------------------

    /// Counts one sign-in attempt against `key` *before* the password is checked, in one
    /// `INSERT … ON CONFLICT DO UPDATE` (so parallel attempts cannot read the same count), and
    /// says whether the password may be checked. The first `free_attempts` within an hour are
    /// admitted; each further one locks the key for a doubling delay (15 s … 15 min) and is itself
    /// admitted only once the previous lock has run out. A successful sign-in clears the key
    /// ([`Store::clear_login_failures`]); rows idle for an hour are deleted here.
    pub async fn admit_login_attempt(&self, key: &str, free_attempts: i32) -> Result<Attempt> {
        use login_throttle::Column as C;
        use sea_orm::sea_query::ExprTrait;
        let t = now();
        let key = stored_throttle_key(key);
        let window_start = t - throttle_window();
        let col = |c: C| Expr::col((login_throttle::Entity, c));
        let stale = col(C::LastFailureAt).lt(window_start);
        let next_count =
            Expr::case(stale.clone(), Expr::value(1i32)).finally(col(C::Failures).add(1i32));
        let no_lock = Expr::value(Option::<DateTime<Utc>>::None);
        // The lock this attempt sets, by its number within the window (the same rule as
        // `lock_after`, spelled as one CASE so the row is read and written by one statement).
        let mut next_lock = Expr::case(stale, no_lock.clone())
            .case(col(C::Failures).add(1i32).lte(free_attempts), no_lock);
        let mut attempt = free_attempts + 1;
        while lock_after(attempt, free_attempts) < MAX_LOCK_SECS {
            next_lock = next_lock.case(
                col(C::Failures).add(1i32).eq(attempt),
                Expr::value(t + chrono::Duration::seconds(lock_after(attempt, free_attempts))),
            );
            attempt += 1;
        }
        let next_lock =
            next_lock.finally(Expr::value(t + chrono::Duration::seconds(MAX_LOCK_SECS)));
        let first_lock = (1 > free_attempts)
            .then(|| t + chrono::Duration::seconds(lock_after(1, free_attempts)));
        let mut on_conflict = OnConflict::column(C::Key);
        on_conflict
            .value(C::Failures, next_count)
            .value(C::LastFailureAt, Expr::value(t))
            .value(C::LockedUntil, next_lock)
            // A locked key is not counted again: the attempt is refused without a row.
            .action_and_where(col(C::LockedUntil).is_null().or(col(C::LockedUntil).lte(t)));
        let upsert = Query::insert()
            .into_table(login_throttle::Entity)
            .columns([C::Key, C::Failures, C::LastFailureAt, C::LockedUntil])
            .values_panic([
                Expr::value(key.clone()),
                Expr::value(1i32),
                Expr::value(t),
                Expr::value(first_lock),
            ])
            .on_conflict(on_conflict)
            .returning_col(C::Failures)
            .to_owned();
        let admitted = self.conn().query_one(&upsert).await?;
        login_throttle::Entity::delete_many()
            .filter(C::LastFailureAt.lt(window_start))
            .exec(self.conn())
            .await?;
        if let Some(row) = admitted {
            return Ok(Attempt::Admitted {
                attempts: row.try_get("", "failures")?,
            });
        }
        let until = login_throttle::Entity::find_by_id(key)
            .one(self.conn())
            .await?
            .and_then(|r| r.locked_until)
            .unwrap_or(t);
        Ok(Attempt::Locked { until })
    }

    /// Attempts counted against `key` within the window (0 when none).
    pub async fn login_attempts(&self, key: &str) -> Result<i32> {
        let row = login_throttle::Entity::find_by_id(stored_throttle_key(key))
            .one(self.conn())
            .await?;
        Ok(row
            .filter(|r| r.last_failure_at > now() - throttle_window())
            .map_or(0, |r| r.failures))
    }

    /// How many keys the throttle holds (expired ones are deleted as attempts come in).
    pub async fn login_throttle_rows(&self) -> Result<u64> {
        Ok(login_throttle::Entity::find().count(self.conn()).await?)
    }

    pub async fn clear_login_failures(&self, key: &str) -> Result<()> {
        login_throttle::Entity::delete_by_id(stored_throttle_key(key))
            .exec(self.conn())
            .await?;
        Ok(())
    }
}

/// The throttle's answer for one sign-in attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    /// Counted (`attempts` within the window, this one included): check the password.
    Admitted { attempts: i32 },
    /// Locked until then: refuse without checking the password.
    Locked { until: DateTime<Utc> },
}

/// Attempts are remembered for an hour after the last one.
fn throttle_window() -> chrono::Duration {
    chrono::Duration::hours(1)
}

const MAX_LOCK_SECS: i64 = 15 * 60;

/// Seconds of lock set by attempt number `attempt` (15 s doubling, at most 15 min; 0 while free).
pub fn lock_after(attempt: i32, free_attempts: i32) -> i64 {
    if attempt <= free_attempts {
        return 0;
    }
    let over = (attempt - free_attempts - 1).min(10) as u32;
    (15i64 * 2i64.pow(over)).min(MAX_LOCK_SECS)
}

/// Keys are stored at most this long: the key embeds what a stranger typed.
pub const MAX_THROTTLE_KEY_BYTES: usize = 255;

fn stored_throttle_key(key: &str) -> String {
    let mut end = key.len().min(MAX_THROTTLE_KEY_BYTES);
    while !key.is_char_boundary(end) {
        end -= 1;
    }
    key[..end].to_string()
}

async fn revoke_all_tokens(db: &impl ConnectionTrait, user_id: i64) -> Result<u64> {
    Ok(api_token::Entity::update_many()
        .col_expr(api_token::Column::RevokedAt, Expr::value(Some(now())))
        .filter(api_token::Column::UserId.eq(user_id))
        .filter(api_token::Column::RevokedAt.is_null())
        .exec(db)
        .await?
        .rows_affected)
}
