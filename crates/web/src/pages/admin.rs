//! Admin: users (admins only) and client companies (admins and producers), with the audit trail.
use super::{
    confirm_page, confirmed, render, render_status, token_rows, Chrome, FieldErrors, TokenRow,
};
use crate::auth::{self, CurrentUser, Posted};
use crate::guard;
use crate::{AppError, AppState};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use postflow_app::accounts::{self, CompanyRef, UserDraft};
use postflow_app::clients::{self, ClientDraft};
use postflow_app::AppError as UseCaseError;
use postflow_core::access::{Action, Role};
use serde::Deserialize;
use std::collections::HashMap;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin", get(admin_home))
        .route("/admin/users", get(users).post(create_user))
        .route("/admin/users/new", get(new_user))
        .route("/admin/users/{id}", get(edit_user).post(update_user))
        .route("/admin/users/{id}/password", post(reset_password))
        .route("/admin/users/{id}/disable", post(disable_user))
        .route("/admin/users/{id}/enable", post(enable_user))
        .route(
            "/admin/users/{id}/tokens/{token_id}/revoke",
            post(revoke_user_token),
        )
        .route("/admin/clients", get(clients).post(create_client))
        .route("/admin/clients/new", get(new_client))
        .route("/admin/clients/{id}", get(edit_client).post(update_client))
        .route("/admin/clients/{id}/archive", post(archive_client))
        .route("/admin/clients/{id}/unarchive", post(unarchive_client))
}

async fn admin_home(State(state): State<AppState>, who: CurrentUser) -> Result<Response, AppError> {
    let actor = guard::actor_for(&state, &who.user).await?;
    if guard::require(&actor, Action::ManageUsers).is_ok() {
        Ok(Redirect::to("/admin/users").into_response())
    } else {
        guard::require(&actor, Action::ManageClients)?;
        Ok(Redirect::to("/admin/clients").into_response())
    }
}

async fn require(state: &AppState, who: &CurrentUser, action: Action) -> Result<(), AppError> {
    let actor = guard::actor_for(state, &who.user).await?;
    guard::require(&actor, action)
}

// --- confirmation of destructive one-click actions -------------------------------------------

// --- users ---------------------------------------------------------------------------------------

struct UserRow {
    id: i64,
    name: String,
    email: String,
    role: &'static str,
    company: String,
    disabled: bool,
}

#[derive(Template)]
#[template(path = "admin_users.html")]
struct UsersPage {
    chrome: Chrome,
    users: Vec<UserRow>,
    audit: Vec<(String, String, String)>,
    new_password: Option<(String, String)>,
    is_admin: bool,
}

async fn users_page(
    state: &AppState,
    who: &CurrentUser,
    new_password: Option<(String, String)>,
) -> Result<Response, AppError> {
    let companies: HashMap<i64, String> = state
        .store
        .list_clients(true)
        .await?
        .into_iter()
        .map(|c| (c.id, c.name))
        .collect();
    let all = state.store.list_users().await?;
    let names: HashMap<i64, String> = all.iter().map(|u| (u.id, u.name.clone())).collect();
    let users = all
        .into_iter()
        .map(|u| UserRow {
            id: u.id,
            role: u.role().as_str(),
            company: u
                .client_id
                .and_then(|c| companies.get(&c).cloned())
                .unwrap_or_default(),
            name: u.name,
            email: u.email,
            disabled: u.disabled,
        })
        .collect();
    let audit = state
        .store
        .recent_audit(25)
        .await?
        .into_iter()
        .map(|a| {
            let who = a
                .user_id
                .and_then(|id| names.get(&id).cloned())
                .unwrap_or_else(|| "system".into());
            (a.at.format("%Y-%m-%d %H:%M").to_string(), who, a.detail)
        })
        .collect();
    render(&UsersPage {
        chrome: Chrome::new(who, "Admin"),
        users,
        audit,
        new_password,
        is_admin: true,
    })
}

async fn users(State(state): State<AppState>, who: CurrentUser) -> Result<Response, AppError> {
    require(&state, &who, Action::ManageUsers).await?;
    users_page(&state, &who, None).await
}

#[derive(Deserialize, Default, Clone)]
struct UserForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    client_id: String,
    #[serde(default)]
    title: String,
}

#[derive(Template)]
#[template(path = "user_form.html")]
struct UserFormPage {
    chrome: Chrome,
    heading: String,
    action: String,
    form: UserForm,
    errors: FieldErrors,
    general_error: Option<String>,
    clients: Vec<(i64, String)>,
    roles: Vec<&'static str>,
    editing: bool,
    disabled: bool,
    user_id: i64,
    tokens: Vec<TokenRow>,
}

/// One of the user's API tokens as the admin's edit page lists it.
impl UserFormPage {
    fn err(&self, field: &str) -> &str {
        self.errors.get(field)
    }
    fn has_err(&self, field: &str) -> bool {
        !self.errors.get(field).is_empty()
    }
    /// The first field with an error takes the focus.
    fn focus(&self, field: &str) -> bool {
        ["name", "email", "role", "client_id", "title"]
            .into_iter()
            .find(|f| self.has_err(f))
            == Some(field)
    }
}

async fn client_choices(state: &AppState) -> Result<Vec<(i64, String)>, AppError> {
    Ok(state
        .store
        .list_clients(false)
        .await?
        .into_iter()
        .map(|c| (c.id, c.name))
        .collect())
}

#[allow(clippy::too_many_arguments)]
async fn user_form(
    state: &AppState,
    who: &CurrentUser,
    status: StatusCode,
    heading: String,
    action: String,
    form: UserForm,
    errors: FieldErrors,
    general_error: Option<String>,
    editing: bool,
    disabled: bool,
) -> Result<Response, AppError> {
    let general_error = general_error.or_else(|| errors.summary());
    // The edit page's form posts to /admin/users/{id}; its tokens are listed under it.
    let user_id = action
        .strip_prefix("/admin/users/")
        .and_then(|id| id.parse::<i64>().ok())
        .unwrap_or(0);
    let tokens = if editing {
        token_rows(state, user_id).await?
    } else {
        Vec::new()
    };
    render_status(
        status,
        &UserFormPage {
            chrome: Chrome::new(who, "Admin"),
            heading,
            action,
            form,
            errors,
            general_error,
            clients: client_choices(state).await?,
            roles: Role::ALL.iter().map(|r| r.as_str()).collect(),
            editing,
            disabled,
            user_id,
            tokens,
        },
    )
}

async fn new_user(State(state): State<AppState>, who: CurrentUser) -> Result<Response, AppError> {
    require(&state, &who, Action::ManageUsers).await?;
    let form = UserForm {
        role: "artist".into(),
        ..Default::default()
    };
    user_form(
        &state,
        &who,
        StatusCode::OK,
        "New user".into(),
        "/admin/users".into(),
        form,
        FieldErrors::default(),
        None,
        false,
        false,
    )
    .await
}

async fn create_user(
    State(state): State<AppState>,
    posted: Posted<UserForm>,
) -> Result<Response, AppError> {
    let Posted { who, form } = posted;
    let actor = guard::actor_for(&state, &who.user).await?;
    let draft = UserDraft {
        name: form.name.clone(),
        email: form.email.clone(),
        role: form.role.clone(),
        company: CompanyRef::Id(form.client_id.clone()),
        title: form.title.clone(),
    };
    let password = auth::generate_password();
    let hash = state
        .passwords
        .hash_new(password.clone(), "password")
        .await?;
    match accounts::create_user(&state.app(), &actor, &draft, hash).await {
        Ok(u) => users_page(&state, &who, Some((u.email, password))).await,
        Err(UseCaseError::Invalid(errors)) => {
            let status = if errors.get("email").contains("already has an account") {
                StatusCode::CONFLICT
            } else {
                StatusCode::BAD_REQUEST
            };
            user_form(
                &state,
                &who,
                status,
                "New user".into(),
                "/admin/users".into(),
                form,
                errors,
                None,
                false,
                false,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

async fn edit_user(
    State(state): State<AppState>,
    who: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    require(&state, &who, Action::ManageUsers).await?;
    let u = state
        .store
        .user_by_id(id)
        .await?
        .ok_or(AppError::NotFound)?;
    let form = UserForm {
        name: u.name.clone(),
        email: u.email.clone(),
        role: u.role().as_str().into(),
        client_id: u.client_id.map(|c| c.to_string()).unwrap_or_default(),
        title: u.title.clone().unwrap_or_default(),
    };
    user_form(
        &state,
        &who,
        StatusCode::OK,
        format!("Edit {}", u.name),
        format!("/admin/users/{id}"),
        form,
        FieldErrors::default(),
        None,
        true,
        u.disabled,
    )
    .await
}

async fn update_user(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    posted: Posted<UserForm>,
) -> Result<Response, AppError> {
    let Posted { who, mut form } = posted;
    let actor = guard::actor_for(&state, &who.user).await?;
    require(&state, &who, Action::ManageUsers).await?;
    let u = state
        .store
        .user_by_id(id)
        .await?
        .ok_or(AppError::NotFound)?;
    form.email = u.email.clone();
    let draft = UserDraft {
        name: form.name.clone(),
        email: u.email.clone(),
        role: form.role.clone(),
        company: CompanyRef::Id(form.client_id.clone()),
        title: form.title.clone(),
    };
    match accounts::update_user(&state.app(), &actor, id, &draft).await {
        Ok(_) => Ok(auth::redirect_with_flash(
            "/admin/users",
            &format!("Saved {}.", u.email),
            state.config.secure_cookies,
        )),
        Err(UseCaseError::Invalid(errors)) => {
            let (heading, action) = (format!("Edit {}", u.name), format!("/admin/users/{id}"));
            user_form(
                &state,
                &who,
                StatusCode::BAD_REQUEST,
                heading,
                action,
                form,
                errors,
                None,
                true,
                u.disabled,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

async fn reset_password(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    posted: Posted<HashMap<String, String>>,
) -> Result<Response, AppError> {
    require(&state, &posted.who, Action::ManageUsers).await?;
    let u = state
        .store
        .user_by_id(id)
        .await?
        .ok_or(AppError::NotFound)?;
    let password = auth::generate_password();
    let hash = state
        .passwords
        .hash_new(password.clone(), "password")
        .await?;
    let actor = guard::actor_for(&state, &posted.who.user).await?;
    accounts::reset_password(&state.app(), &actor, u.id, hash).await?;
    users_page(&state, &posted.who, Some((u.email, password))).await
}

async fn set_disabled(
    state: AppState,
    id: i64,
    posted: Posted<HashMap<String, String>>,
    disabled: bool,
) -> Result<Response, AppError> {
    require(&state, &posted.who, Action::ManageUsers).await?;
    if id == posted.who.user.id && disabled {
        return Err(AppError::BadRequest(
            "You cannot disable your own account.".into(),
        ));
    }
    let u = state
        .store
        .user_by_id(id)
        .await?
        .ok_or(AppError::NotFound)?;
    if disabled && !confirmed(&posted.form) {
        return confirm_page(
            &posted.who,
            "Admin",
            format!("Disable {}?", u.name),
            format!(
                "{} ({}) can no longer sign in; their sessions end and their API tokens are revoked for good.",
                u.name, u.email
            ),
            format!("/admin/users/{id}/disable"),
            "Disable account",
            format!("/admin/users/{id}"),
        );
    }
    let actor = guard::actor_for(&state, &posted.who.user).await?;
    accounts::set_disabled(&state.app(), &actor, id, disabled).await?;
    let message = if disabled {
        format!(
            "Disabled {}; their sessions ended and their API tokens were revoked.",
            u.email
        )
    } else {
        format!("Enabled {}. Their old API tokens stay revoked.", u.email)
    };
    Ok(auth::redirect_with_flash(
        "/admin/users",
        &message,
        state.config.secure_cookies,
    ))
}

async fn revoke_user_token(
    State(state): State<AppState>,
    Path((id, token_id)): Path<(i64, i64)>,
    posted: Posted<HashMap<String, String>>,
) -> Result<Response, AppError> {
    require(&state, &posted.who, Action::ManageUsers).await?;
    let u = state
        .store
        .user_by_id(id)
        .await?
        .ok_or(AppError::NotFound)?;
    let actor = guard::actor_for(&state, &posted.who.user).await?;
    accounts::revoke_token(&state.app(), &actor, id, token_id).await?;
    Ok(auth::redirect_with_flash(
        &format!("/admin/users/{id}"),
        &format!("Revoked an API token of {}.", u.email),
        state.config.secure_cookies,
    ))
}

async fn disable_user(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    posted: Posted<HashMap<String, String>>,
) -> Result<Response, AppError> {
    set_disabled(state, id, posted, true).await
}

async fn enable_user(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    posted: Posted<HashMap<String, String>>,
) -> Result<Response, AppError> {
    set_disabled(state, id, posted, false).await
}

// --- client companies ----------------------------------------------------------------------------

struct ClientRow {
    id: i64,
    code: String,
    name: String,
    contact: String,
    projects: i64,
    archived: bool,
}

#[derive(Template)]
#[template(path = "clients.html")]
struct ClientsPage {
    chrome: Chrome,
    clients: Vec<ClientRow>,
    is_admin: bool,
    /// The client portal's switches (artist names, invoices), set on this page.
    portal: postflow_app::portal::PortalSettings,
}

async fn clients(State(state): State<AppState>, who: CurrentUser) -> Result<Response, AppError> {
    require(&state, &who, Action::ManageClients).await?;
    let open_projects = state.store.open_project_counts().await?;
    let clients = state
        .store
        .list_clients(true)
        .await?
        .into_iter()
        .map(|c| ClientRow {
            projects: open_projects.get(&c.id).copied().unwrap_or(0),
            id: c.id,
            code: c.code,
            name: c.name,
            contact: c.contact_email.unwrap_or_default(),
            archived: c.archived,
        })
        .collect();
    render(&ClientsPage {
        chrome: Chrome::new(&who, "Admin"),
        clients,
        is_admin: who.user.role() == Role::Admin,
        portal: postflow_app::portal::settings(&state.store).await?,
    })
}

#[derive(Deserialize, Default, Clone)]
struct ClientForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    contact_email: String,
}

impl ClientForm {
    fn draft(&self) -> ClientDraft {
        ClientDraft {
            code: self.code.clone(),
            name: self.name.clone(),
            contact_email: self.contact_email.clone(),
        }
    }
}

#[derive(Template)]
#[template(path = "client_form.html")]
struct ClientFormPage {
    chrome: Chrome,
    heading: String,
    action: String,
    form: ClientForm,
    errors: FieldErrors,
    general_error: Option<String>,
}

impl ClientFormPage {
    fn err(&self, field: &str) -> &str {
        self.errors.get(field)
    }
    fn has_err(&self, field: &str) -> bool {
        !self.errors.get(field).is_empty()
    }
    /// The first field with an error takes the focus.
    fn focus(&self, field: &str) -> bool {
        ["code", "name", "contact_email"]
            .into_iter()
            .find(|f| self.has_err(f))
            == Some(field)
    }
}

fn client_form(
    who: &CurrentUser,
    status: StatusCode,
    heading: String,
    action: String,
    form: ClientForm,
    errors: FieldErrors,
) -> Result<Response, AppError> {
    let general_error = errors.summary();
    render_status(
        status,
        &ClientFormPage {
            chrome: Chrome::new(who, "Admin"),
            heading,
            action,
            form,
            errors,
            general_error,
        },
    )
}

async fn new_client(State(state): State<AppState>, who: CurrentUser) -> Result<Response, AppError> {
    require(&state, &who, Action::ManageClients).await?;
    client_form(
        &who,
        StatusCode::OK,
        "New client company".into(),
        "/admin/clients".into(),
        ClientForm::default(),
        FieldErrors::default(),
    )
}

async fn save_client(
    state: &AppState,
    who: &CurrentUser,
    id: Option<i64>,
    form: ClientForm,
) -> Result<Response, AppError> {
    require(state, who, Action::ManageClients).await?;
    let (heading, action) = match id {
        Some(id) => (
            "Edit client company".to_string(),
            format!("/admin/clients/{id}"),
        ),
        None => (
            "New client company".to_string(),
            "/admin/clients".to_string(),
        ),
    };
    let actor = guard::actor_for(state, &who.user).await?;
    match clients::save(&state.app(), &actor, id, &form.draft()).await {
        Ok(c) => Ok(auth::redirect_with_flash(
            "/admin/clients",
            &format!("Saved client {} ({}).", c.name, c.code),
            state.config.secure_cookies,
        )),
        Err(UseCaseError::Invalid(errors)) => {
            let status = if errors.get("code").contains("already used") {
                StatusCode::CONFLICT
            } else {
                StatusCode::BAD_REQUEST
            };
            client_form(who, status, heading, action, form, errors)
        }
        Err(e) => Err(e.into()),
    }
}

async fn create_client(
    State(state): State<AppState>,
    posted: Posted<ClientForm>,
) -> Result<Response, AppError> {
    save_client(&state, &posted.who, None, posted.form).await
}

async fn edit_client(
    State(state): State<AppState>,
    who: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    require(&state, &who, Action::ManageClients).await?;
    let c = state
        .store
        .client_by_id(id)
        .await?
        .ok_or(AppError::NotFound)?;
    let form = ClientForm {
        code: c.code,
        name: c.name,
        contact_email: c.contact_email.unwrap_or_default(),
    };
    client_form(
        &who,
        StatusCode::OK,
        "Edit client company".into(),
        format!("/admin/clients/{id}"),
        form,
        FieldErrors::default(),
    )
}

async fn update_client(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    posted: Posted<ClientForm>,
) -> Result<Response, AppError> {
    save_client(&state, &posted.who, Some(id), posted.form).await
}

async fn archive_client(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    posted: Posted<HashMap<String, String>>,
) -> Result<Response, AppError> {
    if !confirmed(&posted.form) {
        require(&state, &posted.who, Action::ManageClients).await?;
        let c = state
            .store
            .client_by_id(id)
            .await?
            .ok_or(AppError::NotFound)?;
        return confirm_page(
            &posted.who,
            "Admin",
            format!("Archive {}?", c.name),
            format!(
                "{} ({}) leaves the lists of clients; its projects and records are kept and it can be restored.",
                c.name, c.code
            ),
            format!("/admin/clients/{id}/archive"),
            "Archive client",
            "/admin/clients".into(),
        );
    }
    set_client_archived(&state, id, &posted.who, true).await
}

async fn unarchive_client(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    posted: Posted<HashMap<String, String>>,
) -> Result<Response, AppError> {
    set_client_archived(&state, id, &posted.who, false).await
}

async fn set_client_archived(
    state: &AppState,
    id: i64,
    who: &CurrentUser,
    archived: bool,
) -> Result<Response, AppError> {
    require(state, who, Action::ManageClients).await?;
    let actor = guard::actor_for(state, &who.user).await?;
    let client = clients::set_archived(&state.app(), &actor, id, archived).await?;
    let (name, done) = (client.name, if archived { "archived" } else { "restored" });
    Ok(auth::redirect_with_flash(
        "/admin/clients",
        &format!("{name} {done}."),
        state.config.secure_cookies,
    ))
}
