//! Users, sessions, API tokens and the login throttle.
use crate::entities::{api_token, login_throttle, session, user};
use crate::{map_unique, now, Result, Store, StoreError};
use chrono::{DateTime, Utc};
use postflow_core::access::Role;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set,
};

pub use crate::entities::api_token::Model as ApiToken;
pub use crate::entities::session::Model as Session;
pub use crate::entities::user::Model as User;

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

impl Store {
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
        row.insert(self.connection())
            .await
            .map_err(|e| map_unique(e, "email", &email))
    }

    pub async fn count_users(&self) -> Result<u64> {
        Ok(user::Entity::find().count(self.connection()).await?)
    }

    pub async fn user_by_email(&self, email: &str) -> Result<Option<User>> {
        Ok(user::Entity::find()
            .filter(user::Column::Email.eq(email.trim().to_lowercase()))
            .one(self.connection())
            .await?)
    }

    pub async fn user_by_id(&self, id: i64) -> Result<Option<User>> {
        Ok(user::Entity::find_by_id(id).one(self.connection()).await?)
    }

    pub async fn list_users(&self) -> Result<Vec<User>> {
        Ok(user::Entity::find()
            .order_by_asc(user::Column::Name)
            .all(self.connection())
            .await?)
    }

    pub async fn update_user(
        &self,
        id: i64,
        name: String,
        role: Role,
        client_id: Option<i64>,
        title: Option<String>,
    ) -> Result<User> {
        let existing = self
            .user_by_id(id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("user {id}")))?;
        let mut row: user::ActiveModel = existing.into();
        row.name = Set(name);
        row.role = Set(role.as_str().to_string());
        row.client_id = Set(client_id);
        row.title = Set(title);
        Ok(row.update(self.connection()).await?)
    }

    pub async fn set_password_hash(&self, id: i64, hash: String) -> Result<()> {
        let existing = self
            .user_by_id(id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("user {id}")))?;
        let mut row: user::ActiveModel = existing.into();
        row.password_hash = Set(hash);
        row.update(self.connection()).await?;
        // A new password ends every open session of that account.
        session::Entity::delete_many()
            .filter(session::Column::UserId.eq(id))
            .exec(self.connection())
            .await?;
        Ok(())
    }

    pub async fn set_user_disabled(&self, id: i64, disabled: bool) -> Result<()> {
        let existing = self
            .user_by_id(id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("user {id}")))?;
        let mut row: user::ActiveModel = existing.into();
        row.disabled = Set(disabled);
        row.update(self.connection()).await?;
        if disabled {
            session::Entity::delete_many()
                .filter(session::Column::UserId.eq(id))
                .exec(self.connection())
                .await?;
        }
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
        Ok(row.insert(self.connection()).await?)
    }

    /// A live session and its (enabled) user, or `None`.
    pub async fn session_user(&self, id_hash: &str) -> Result<Option<(Session, User)>> {
        let Some(s) = session::Entity::find_by_id(id_hash.to_string())
            .one(self.connection())
            .await?
        else {
            return Ok(None);
        };
        if s.expires_at <= now() {
            session::Entity::delete_by_id(id_hash.to_string())
                .exec(self.connection())
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
            .exec(self.connection())
            .await?;
        Ok(())
    }

    pub async fn delete_expired_sessions(&self) -> Result<u64> {
        Ok(session::Entity::delete_many()
            .filter(session::Column::ExpiresAt.lte(now()))
            .exec(self.connection())
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
        Ok(row.insert(self.connection()).await?)
    }

    pub async fn list_api_tokens(&self, user_id: i64) -> Result<Vec<ApiToken>> {
        Ok(api_token::Entity::find()
            .filter(api_token::Column::UserId.eq(user_id))
            .order_by_desc(api_token::Column::CreatedAt)
            .all(self.connection())
            .await?)
    }

    /// Revokes one of the user's own tokens.
    pub async fn revoke_api_token(&self, user_id: i64, token_id: i64) -> Result<()> {
        let t = api_token::Entity::find_by_id(token_id)
            .filter(api_token::Column::UserId.eq(user_id))
            .one(self.connection())
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("API token {token_id}")))?;
        let mut row: api_token::ActiveModel = t.into();
        row.revoked_at = Set(Some(now()));
        row.update(self.connection()).await?;
        Ok(())
    }

    /// The enabled user owning a live (not revoked) token; records its use.
    pub async fn user_by_token_hash(&self, token_hash: &str) -> Result<Option<User>> {
        let Some(t) = api_token::Entity::find()
            .filter(api_token::Column::TokenHash.eq(token_hash))
            .filter(api_token::Column::RevokedAt.is_null())
            .one(self.connection())
            .await?
        else {
            return Ok(None);
        };
        let user_id = t.user_id;
        let mut row: api_token::ActiveModel = t.into();
        row.last_used_at = Set(Some(now()));
        row.update(self.connection()).await?;
        Ok(self.user_by_id(user_id).await?.filter(|u| !u.disabled))
    }

    // --- login throttle -------------------------------------------------------------------

    /// When the key is locked, until when.
    pub async fn throttle_locked_until(&self, key: &str) -> Result<Option<DateTime<Utc>>> {
        let row = login_throttle::Entity::find_by_id(key.to_string())
            .one(self.connection())
            .await?;
        Ok(row.and_then(|r| r.locked_until).filter(|t| *t > now()))
    }

    /// Counts a failed login; after `free_attempts` failures each further one locks the key for
    /// a doubling delay (capped at 15 minutes). Failures older than an hour are forgotten.
    pub async fn record_login_failure(&self, key: &str, free_attempts: i32) -> Result<()> {
        let t = now();
        let existing = login_throttle::Entity::find_by_id(key.to_string())
            .one(self.connection())
            .await?;
        let failures = match &existing {
            Some(r) if t - r.last_failure_at < chrono::Duration::hours(1) => r.failures + 1,
            _ => 1,
        };
        let locked_until = (failures > free_attempts).then(|| {
            let over = (failures - free_attempts - 1).min(10) as u32;
            let secs = (15i64 * 2i64.pow(over)).min(15 * 60);
            t + chrono::Duration::seconds(secs)
        });
        let row = login_throttle::ActiveModel {
            key: Set(key.to_string()),
            failures: Set(failures),
            last_failure_at: Set(t),
            locked_until: Set(locked_until),
        };
        if existing.is_some() {
            row.update(self.connection()).await?;
        } else {
            row.insert(self.connection()).await?;
        }
        Ok(())
    }

    pub async fn clear_login_failures(&self, key: &str) -> Result<()> {
        login_throttle::Entity::delete_by_id(key.to_string())
            .exec(self.connection())
            .await?;
        Ok(())
    }
}
