//! People's accounts: the one email rule, the one password rule, argon2id hashing, and the use
//! cases that add people, set their passwords and disable them — for the admin pages and the
//! `postflow user` verbs alike.
use crate::access::audited_user;
use crate::audit::{record, AuditEvent};
use crate::{AppError, Context, FieldErrors, Result};
use argon2::password_hash::{rand_core::OsRng, PasswordHasher, SaltString};
use argon2::Argon2;
use postflow_core::access::{authorize, Action, Actor, Role};
use postflow_store::accounts::{NewUser, User};
use postflow_store::StoreError;

/// Passwords shorter than this are refused everywhere.
pub const MIN_PASSWORD_CHARS: usize = 10;
/// Longer input is refused before hashing (argon2 of a megabyte is a denial of service).
pub const MAX_PASSWORD_BYTES: usize = 1024;
/// Addresses longer than this are refused (RFC 5321 allows 254).
pub const MAX_EMAIL_BYTES: usize = 254;

/// The one email rule: trimmed, lower-cased, `local@domain` with no spaces, at most 254 bytes.
pub fn normalize_email(input: &str) -> std::result::Result<String, String> {
    let email = input.trim().to_lowercase();
    let shown = || {
        let mut s: String = input.trim().chars().take(60).collect();
        if input.trim().chars().count() > 60 {
            s.push('…');
        }
        format!("{s:?} is not an email address")
    };
    if email.len() > MAX_EMAIL_BYTES {
        return Err(format!(
            "an email address has at most {MAX_EMAIL_BYTES} characters"
        ));
    }
    match email.split_once('@') {
        Some((local, domain))
            if !local.is_empty()
                && !domain.is_empty()
                && !domain.contains('@')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !email.chars().any(|c| c.is_whitespace() || c.is_control()) =>
        {
            Ok(email)
        }
        _ => Err(shown()),
    }
}

/// The one password rule.
pub fn password_problem(password: &str) -> Option<String> {
    if password.len() > MAX_PASSWORD_BYTES {
        Some(format!("use at most {MAX_PASSWORD_BYTES} characters"))
    } else if password.chars().count() < MIN_PASSWORD_CHARS {
        Some(format!("use at least {MIN_PASSWORD_CHARS} characters"))
    } else {
        None
    }
}

/// A password that passed the rule, hashed with argon2id and a random salt. Only
/// [`hash_new_password`] makes one, so no account gets a password the rule refused.
#[derive(Clone)]
pub struct NewPasswordHash(String);

impl std::fmt::Debug for NewPasswordHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPasswordHash(…)")
    }
}

/// Checks `password` against the rule and hashes it (slow on purpose: run it off the async
/// threads). The refusal names the field `field`.
pub fn hash_new_password(password: &str, field: &'static str) -> Result<NewPasswordHash> {
    if let Some(problem) = password_problem(password) {
        return Err(AppError::field(field, problem));
    }
    Ok(NewPasswordHash(hash_password(password)?))
}

/// Hashes a password with argon2id and a random salt (PHC string), without the rule (for
/// throwaway values such as the hash an unknown email is checked against).
pub fn hash_password(password: &str) -> Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::Store(StoreError::Corrupt(format!("password hashing failed: {e}"))))
}

/// An account's stored password hash, read only to check a password (signing in, changing
/// one's own). Opaque and never printed: it goes to the password check and nowhere else.
pub struct StoredPassword(String);

impl StoredPassword {
    /// The PHC string, for the password check.
    pub fn into_phc(self) -> String {
        self.0
    }
}

impl std::fmt::Debug for StoredPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StoredPassword(..)")
    }
}

/// The stored password of the signed-in person, to check their current one.
pub async fn stored_password(ctx: &Context, user_id: i64) -> Result<Option<StoredPassword>> {
    Ok(ctx
        .store
        .password_hash_of(user_id)
        .await?
        .map(StoredPassword))
}

/// The account an email names and its stored password, for signing in.
pub async fn sign_in_candidate(
    ctx: &Context,
    email: &str,
) -> Result<Option<(User, StoredPassword)>> {
    let Some(user) = ctx.store.user_by_email(email).await? else {
        return Ok(None);
    };
    Ok(stored_password(ctx, user.id)
        .await?
        .map(|password| (user, password)))
}

/// A one-time password to hand to someone: four groups of five characters from the OS's
/// random source, without look-alikes (`xk3mp-…`), easy to read out and type.
pub fn generate_password() -> String {
    use rand::RngCore;
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut rng = rand::rngs::OsRng;
    let mut out = String::new();
    for group in 0..4 {
        if group > 0 {
            out.push('-');
        }
        for _ in 0..5 {
            out.push(ALPHABET[(rng.next_u32() as usize) % ALPHABET.len()] as char);
        }
    }
    out
}

/// Which company a client user belongs to, as a form (id) or the CLI (code) names it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum CompanyRef {
    #[default]
    None,
    Id(String),
    Code(String),
}

/// A person as typed into the admin form or given to `postflow user add`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserDraft {
    pub name: String,
    pub email: String,
    pub role: String,
    pub company: CompanyRef,
    pub title: String,
}

/// The draft, checked.
#[derive(Debug, Clone)]
pub struct ValidUser {
    pub name: String,
    pub email: String,
    pub role: Role,
    pub client_id: Option<i64>,
    pub title: Option<String>,
}

impl UserDraft {
    pub async fn validate(&self, ctx: &Context) -> Result<ValidUser> {
        let mut errors = FieldErrors::default();
        let name = self.name.trim().to_string();
        if name.is_empty() {
            errors.add("name", "enter the person's name");
        } else if name.chars().count() > 200 {
            errors.add("name", "use at most 200 characters");
        }
        let email = normalize_email(&self.email)
            .map_err(|m| errors.add("email", m))
            .ok();
        let role = Role::parse(&self.role);
        if role.is_none() {
            errors.add(
                "role",
                format!(
                    "unknown role {:?}; choose admin, producer, artist or client",
                    self.role
                ),
            );
        }
        let clients = ctx.store.list_clients(true).await?;
        let client_id = match &self.company {
            CompanyRef::None => None,
            CompanyRef::Id(v) if v.trim().is_empty() => None,
            CompanyRef::Id(v) => match v.trim().parse::<i64>() {
                Ok(id) if clients.iter().any(|c| c.id == id) => Some(id),
                _ => {
                    errors.add("client_id", "choose a client company from the list");
                    None
                }
            },
            CompanyRef::Code(code) => {
                let wanted = code.trim().to_ascii_uppercase();
                match clients.iter().find(|c| c.code == wanted) {
                    Some(c) => Some(c.id),
                    None => {
                        errors.add(
                            "client_id",
                            format!("no client company has the code {wanted}; create it first"),
                        );
                        None
                    }
                }
            }
        };
        match (role, client_id) {
            (Some(Role::Client), None) if errors.get("client_id").is_empty() => {
                errors.add("client_id", "a client user must belong to a client company")
            }
            (Some(r), Some(_)) if r != Role::Client => {
                errors.add("client_id", "only client users belong to a client company")
            }
            _ => {}
        }
        let title = Some(self.title.trim().to_string()).filter(|t| !t.is_empty());
        match (role, email) {
            (Some(role), Some(email)) if errors.is_empty() => Ok(ValidUser {
                name,
                email,
                role,
                client_id,
                title,
            }),
            _ => Err(AppError::Invalid(errors)),
        }
    }
}

fn email_taken(e: StoreError) -> AppError {
    match e {
        StoreError::Duplicate { value, .. } => {
            AppError::field("email", format!("{value} already has an account"))
        }
        other => other.into(),
    }
}

/// Adds a person. Only admins (and the local operator) manage users.
pub async fn create_user(
    ctx: &Context,
    actor: &Actor,
    draft: &UserDraft,
    password: NewPasswordHash,
) -> Result<User> {
    let permit = authorize(actor, Action::ManageUsers, None)?;
    let valid = draft.validate(ctx).await?;
    let tx = ctx.store.begin().await?;
    let user = tx
        .create_user(NewUser {
            email: valid.email,
            name: valid.name,
            role: valid.role,
            client_id: valid.client_id,
            title: valid.title,
            password_hash: password.0,
        })
        .await
        .map_err(email_taken)?;
    let event = AuditEvent::UserAdded {
        user_id: user.id,
        email: user.email.clone(),
        role: valid.role,
    };
    record(&tx, audited_user(permit.actor()), event).await?;
    tx.commit().await?;
    Ok(user)
}

/// Sets someone's password (an admin's reset): all their sessions and API tokens end.
pub async fn reset_password(
    ctx: &Context,
    actor: &Actor,
    user_id: i64,
    password: NewPasswordHash,
) -> Result<User> {
    let permit = authorize(actor, Action::ManageUsers, None)?;
    let tx = ctx.store.begin().await?;
    let user = tx
        .user_by_id(user_id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("user {user_id}")))?;
    tx.set_password_hash(user.id, password.0).await?;
    record(
        &tx,
        audited_user(permit.actor()),
        AuditEvent::PasswordReset {
            user_id,
            email: user.email.clone(),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(user)
}

/// Disables (or enables again) an account. Disabling ends its sessions and API tokens; an
/// admin cannot disable themselves (someone must be left to undo it).
pub async fn set_disabled(
    ctx: &Context,
    actor: &Actor,
    user_id: i64,
    disabled: bool,
) -> Result<User> {
    let permit = authorize(actor, Action::ManageUsers, None)?;
    if disabled && permit.actor().user_id == user_id {
        return Err(AppError::Conflict(
            "you cannot disable your own account; ask another admin".into(),
        ));
    }
    let tx = ctx.store.begin().await?;
    let user = tx
        .user_by_id(user_id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("user {user_id}")))?;
    tx.set_user_disabled(user.id, disabled).await?;
    record(
        &tx,
        audited_user(permit.actor()),
        AuditEvent::UserDisabled {
            user_id,
            email: user.email.clone(),
            disabled,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(user)
}

/// Changes a person's name, role, company and title (the email is their sign-in and stays).
/// An admin cannot take away their own admin role (someone must be left to undo it).
pub async fn update_user(
    ctx: &Context,
    actor: &Actor,
    user_id: i64,
    draft: &UserDraft,
) -> Result<User> {
    let permit = authorize(actor, Action::ManageUsers, None)?;
    let existing = ctx
        .store
        .user_by_id(user_id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("user {user_id}")))?;
    let draft = UserDraft {
        email: existing.email.clone(),
        ..draft.clone()
    };
    let valid = draft.validate(ctx).await?;
    if permit.actor().user_id == user_id && valid.role != Role::Admin {
        return Err(AppError::field(
            "role",
            "you cannot remove your own admin role; ask another admin",
        ));
    }
    let tx = ctx.store.begin().await?;
    tx.update_user(
        user_id,
        valid.name,
        valid.role,
        valid.client_id,
        valid.title,
    )
    .await?;
    let event = AuditEvent::UserEdited {
        user_id,
        email: existing.email.clone(),
        role: valid.role,
    };
    record(&tx, audited_user(permit.actor()), event).await?;
    tx.commit().await?;
    Ok(tx_user(ctx, user_id).await?)
}

async fn tx_user(ctx: &Context, user_id: i64) -> Result<User> {
    ctx.store
        .user_by_id(user_id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("user {user_id}")))
}

/// Revokes one of `user_id`'s API tokens: people revoke their own, admins anyone's. A token of
/// someone else that an actor may not manage is "not found", like any token that does not exist.
pub async fn revoke_token(
    ctx: &Context,
    actor: &Actor,
    user_id: i64,
    token_id: i64,
) -> Result<postflow_store::accounts::ApiToken> {
    if actor.user_id != user_id {
        authorize(actor, Action::ManageUsers, None)?;
    }
    let not_found = || AppError::NotFound(format!("API token {token_id}"));
    let tx = ctx.store.begin().await?;
    let owner = tx.user_by_id(user_id).await?.ok_or_else(not_found)?;
    tx.revoke_api_token(user_id, token_id).await?;
    let token = tx
        .list_api_tokens(user_id)
        .await?
        .into_iter()
        .find(|t| t.id == token_id)
        .ok_or_else(not_found)?;
    let event = AuditEvent::TokenRevoked {
        token_id,
        email: owner.email.clone(),
        by_owner: actor.user_id == user_id,
    };
    record(&tx, audited_user(actor), event).await?;
    tx.commit().await?;
    Ok(token)
}
