//! Client companies: create, edit, archive — producers and admins, each change audited with it.
use crate::access::audited_user;
use crate::accounts::normalize_email;
use crate::audit::{record, AuditEvent};
use crate::{AppError, Context, FieldErrors, Result};
use postflow_core::access::{authorize, Action, Actor};
use postflow_core::project::Code;
use postflow_store::studio::{Client, ClientInput};
use postflow_store::StoreError;

/// A company as typed into the form.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientDraft {
    pub code: String,
    pub name: String,
    pub contact_email: String,
}

impl ClientDraft {
    pub fn of(c: &Client) -> ClientDraft {
        ClientDraft {
            code: c.code.clone(),
            name: c.name.clone(),
            contact_email: c.contact_email.clone().unwrap_or_default(),
        }
    }

    pub fn validate(&self) -> Result<ClientInput> {
        let mut errors = FieldErrors::default();
        let code = Code::parse(&self.code)
            .map_err(|e| errors.add("code", e.to_string()))
            .ok();
        let name = self.name.trim().to_string();
        if name.is_empty() {
            errors.add("name", "enter the company's name");
        } else if name.chars().count() > 200 {
            errors.add("name", "use at most 200 characters");
        }
        let contact_email = match self.contact_email.trim() {
            "" => None,
            given => normalize_email(given)
                .map_err(|m| errors.add("contact_email", m))
                .ok(),
        };
        match code {
            Some(code) if errors.is_empty() => Ok(ClientInput {
                code,
                name,
                contact_email,
            }),
            _ => Err(AppError::Invalid(errors)),
        }
    }
}

fn code_taken(e: StoreError) -> AppError {
    match e {
        StoreError::Duplicate { value, .. } => {
            AppError::field("code", format!("{value} is already used by another client"))
        }
        other => other.into(),
    }
}

/// Creates the company (`id` None) or saves changes to it.
pub async fn save(
    ctx: &Context,
    actor: &Actor,
    id: Option<i64>,
    draft: &ClientDraft,
) -> Result<Client> {
    let permit = authorize(actor, Action::ManageClients, None)?;
    let input = draft.validate()?;
    let tx = ctx.store.begin().await?;
    let client = match id {
        Some(id) => tx.update_client(id, input).await.map_err(code_taken)?,
        None => tx.create_client(input).await.map_err(code_taken)?,
    };
    let event = AuditEvent::ClientSaved {
        client_id: client.id,
        code: client.code.clone(),
        name: client.name.clone(),
    };
    record(&tx, audited_user(permit.actor()), event).await?;
    tx.commit().await?;
    Ok(client)
}

pub async fn set_archived(ctx: &Context, actor: &Actor, id: i64, archived: bool) -> Result<Client> {
    let permit = authorize(actor, Action::ManageClients, None)?;
    let tx = ctx.store.begin().await?;
    let client = tx
        .client_by_id(id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("client {id}")))?;
    tx.set_client_archived(id, archived).await?;
    let event = AuditEvent::ClientArchived {
        client_id: id,
        name: client.name.clone(),
        archived,
    };
    record(&tx, audited_user(permit.actor()), event).await?;
    tx.commit().await?;
    Ok(client)
}
