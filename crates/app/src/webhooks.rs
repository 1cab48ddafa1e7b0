//! Webhooks: admins subscribe endpoints to event families; every audited change queues one
//! delivery per subscribed endpoint **in the change's own transaction** (the durable outbox —
//! see [`outbox`], called by [`crate::audit::record`]), and the server's sender (web crate) signs
//! and posts them per the Standard Webhooks specification, retrying with exponential backoff.
//!
//! Event types are `<family>.<action>` from the audit line (`booking.create`, `plan.update`,
//! `invoice.issue`, …); an endpoint subscribes to families (`booking,plan`) or to `*`. The body
//! is `{"type", "timestamp", "data": {"entity", "entity_id", "action", "detail", "actor_id"}}`.
use crate::access::{self, audited_user};
use crate::audit::{self, AuditEvent};
use crate::{AppError, Context, Result};
use postflow_core::access::{Action, Actor};
use postflow_store::webhooks::{WebhookDelivery, WebhookEndpoint};
use postflow_store::{ConnectionTrait, Repo};

/// The families people subscribe to (any audit entity works; these are the ones offered).
pub const EVENT_FAMILIES: &[&str] = &[
    "project",
    "plan",
    "booking",
    "resource",
    "deliverable",
    "qc",
    "invoice",
    "time",
    "job",
    "lut",
    "calendar",
    "client",
    "message",
];

/// How many attempts a delivery gets before it is marked failed.
pub const MAX_ATTEMPTS: i64 = 8;

fn new_secret() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 24];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!("whsec_{}", base64_std(&bytes))
}

/// Standard base64 with padding (what Standard Webhooks secrets and signatures use).
pub fn base64_std(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Checks an endpoint URL: http(s), a host, and not this server itself (`own_origin` is the
/// `host[:port]` the request reached us on). Returns the URL trimmed.
pub fn check_url(url: &str, own_origin: Option<&str>) -> std::result::Result<String, String> {
    let url = url.trim();
    let rest = if let Some(r) = url.strip_prefix("https://") {
        r
    } else if let Some(r) = url.strip_prefix("http://") {
        r
    } else {
        return Err("the URL must start with https:// or http://".into());
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let authority = authority.rsplit('@').next().unwrap_or("");
    if authority.is_empty() || authority.contains(char::is_whitespace) {
        return Err("the URL names no host".into());
    }
    if let Some(own) = own_origin {
        let with_default_port = |a: &str, default: &str| {
            if a.rsplit_once(':')
                .is_some_and(|(_, p)| p.chars().all(|c| c.is_ascii_digit()))
                && !a.ends_with(']')
            {
                a.to_ascii_lowercase()
            } else {
                format!("{}:{default}", a.to_ascii_lowercase())
            }
        };
        let default = if url.starts_with("https://") {
            "443"
        } else {
            "80"
        };
        if with_default_port(authority, default) == with_default_port(own, default) {
            return Err("the URL points at this postflow server itself; give the receiving service's address".into());
        }
    }
    Ok(url.to_string())
}

/// The families typed in a form or API body: comma-separated, `*` for all.
fn parse_families(text: &str) -> std::result::Result<String, String> {
    let list: Vec<String> = text
        .split([',', ' '])
        .map(|s| s.trim().to_ascii_lowercase())
        .filter(|s| !s.is_empty())
        .collect();
    if list.is_empty() {
        return Err(format!(
            "choose the events to send: * or some of {}",
            EVENT_FAMILIES.join(", ")
        ));
    }
    if list.iter().any(|f| f == "*") {
        return Ok("*".into());
    }
    for f in &list {
        if !f.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
            return Err(format!("{f:?} is not an event family"));
        }
    }
    Ok(list.join(","))
}

/// A new endpoint and its signing secret, shown this once.
#[derive(Debug, Clone)]
pub struct NewEndpoint {
    pub endpoint: WebhookEndpoint,
    pub secret: String,
}

/// Admins add endpoints.
pub async fn create_endpoint(
    ctx: &Context,
    actor: &Actor,
    url: &str,
    events: &str,
    description: &str,
    own_origin: Option<&str>,
) -> Result<NewEndpoint> {
    access::studio(actor, Action::ManageUsers)?;
    let mut errors = crate::FieldErrors::default();
    let url = check_url(url, own_origin)
        .map_err(|e| errors.add("url", e))
        .ok();
    let families = parse_families(events)
        .map_err(|e| errors.add("events", e))
        .ok();
    errors.into_result()?;
    let (Some(url), Some(families)) = (url, families) else {
        return Err(AppError::Conflict("the input was refused".into()));
    };
    let secret = new_secret();
    let tx = ctx.store.begin().await?;
    let endpoint = tx
        .create_webhook_endpoint(
            url.clone(),
            secret.clone(),
            families,
            description.trim().to_string(),
            audited_user(actor),
        )
        .await?;
    audit::record(
        &tx,
        audited_user(actor),
        AuditEvent::CalendarChanged {
            detail: format!("added webhook endpoint {} ({url})", endpoint.id),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(NewEndpoint { endpoint, secret })
}

pub async fn endpoints(ctx: &Context, actor: &Actor) -> Result<Vec<WebhookEndpoint>> {
    access::studio(actor, Action::ManageUsers)?;
    Ok(ctx.store.webhook_endpoints().await?)
}

pub async fn set_active(ctx: &Context, actor: &Actor, id: i64, active: bool) -> Result<()> {
    access::studio(actor, Action::ManageUsers)?;
    let tx = ctx.store.begin().await?;
    tx.set_webhook_endpoint_active(id, active).await?;
    audit::record(
        &tx,
        audited_user(actor),
        AuditEvent::CalendarChanged {
            detail: format!(
                "{} webhook endpoint {id}",
                if active { "enabled" } else { "disabled" }
            ),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn deliveries(
    ctx: &Context,
    actor: &Actor,
    endpoint_id: i64,
) -> Result<Vec<WebhookDelivery>> {
    access::studio(actor, Action::ManageUsers)?;
    ctx.store.webhook_endpoint(endpoint_id).await?;
    Ok(ctx.store.webhook_deliveries(endpoint_id, 200).await?)
}

/// Sends a delivery again (from the delivery log).
pub async fn replay(ctx: &Context, actor: &Actor, delivery_id: i64) -> Result<WebhookDelivery> {
    access::studio(actor, Action::ManageUsers)?;
    Ok(ctx.store.replay_webhook_delivery(delivery_id).await?)
}

/// Queues the deliveries of one audited change on the change's transaction: one per active
/// endpoint subscribed to its family. Called by [`crate::audit::record`] only.
pub(crate) async fn outbox<C: ConnectionTrait>(
    repo: &Repo<C>,
    user_id: Option<i64>,
    row: (&str, &str, Option<i64>, &str),
) -> postflow_store::Result<()> {
    let (action, entity, entity_id, detail) = row;
    let endpoints = repo.webhook_endpoints().await?;
    let subscribed: Vec<&WebhookEndpoint> = endpoints
        .iter()
        .filter(|e| e.active)
        .filter(|e| e.event_types == "*" || e.event_types.split(',').any(|f| f == entity))
        .collect();
    if subscribed.is_empty() {
        return Ok(());
    }
    let now = chrono::Utc::now();
    let event_type = format!("{entity}.{action}");
    let payload = serde_json::json!({
        "type": event_type,
        "timestamp": now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "data": {
            "entity": entity,
            "entity_id": entity_id,
            "action": action,
            "detail": detail,
            "actor_id": user_id,
        }
    })
    .to_string();
    for e in subscribed {
        let message_id = {
            use rand::RngCore;
            let mut b = [0u8; 12];
            rand::rngs::OsRng.fill_bytes(&mut b);
            format!("msg_{}", hex::encode(b))
        };
        repo.enqueue_webhook_delivery(e.id, message_id, event_type.clone(), payload.clone())
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_must_be_http_and_not_this_server() {
        assert!(check_url("ftp://x.example/h", None).is_err());
        assert!(check_url("https:///path", None).is_err());
        assert_eq!(
            check_url(" https://hooks.example/in ", None).unwrap(),
            "https://hooks.example/in"
        );
        assert!(check_url("http://127.0.0.1:8080/hook", Some("127.0.0.1:8080")).is_err());
        assert!(check_url("http://LOCALHOST/hook", Some("localhost:80")).is_err());
        assert!(check_url("http://127.0.0.1:9999/hook", Some("127.0.0.1:8080")).is_ok());
    }
}
