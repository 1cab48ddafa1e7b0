//! Resources: the rooms, equipment and people the studio books (kinds are data: edit_bay,
//! color_suite, mix_theater, vfx_seat, ingest_station, person, …).
//!
//! Who may: everyone with `ViewStudio` lists them (the cost rate only with `ViewRates`);
//! `ManageResources` adds, edits and archives them. Lowering a capacity below what confirmed
//! bookings hold is refused on the `capacity` field, naming those bookings.
use crate::audit::{record, AuditEvent};
use crate::{access, AppError, Context, FieldErrors, Result};
use postflow_core::access::{can, Action, Actor};
use postflow_core::money::{Currency, Money};
use postflow_store::studio::{Resource, ResourceInput};

/// A resource as typed into the form or sent to the API (text, validated here).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResourceDraft {
    pub name: String,
    pub kind: String,
    pub notes: String,
    /// Whole units, at least 1 (empty: 1).
    pub capacity: String,
    /// Per hour, e.g. `95.00` (empty: no rate).
    pub cost_rate: String,
    /// ISO 4217, e.g. `EUR` (needed with a rate).
    pub currency: String,
    /// The person it is, by user id (empty: not a person).
    pub user_id: String,
    /// Comma-separated.
    pub skills: String,
    /// `studio` (default) or `always`.
    pub calendar: String,
}

impl ResourceDraft {
    /// The draft of an existing resource (to edit it).
    pub fn of(r: &Resource) -> ResourceDraft {
        ResourceDraft {
            name: r.name.clone(),
            kind: r.kind.clone(),
            notes: r.notes.clone().unwrap_or_default(),
            capacity: r.capacity.to_string(),
            cost_rate: match (r.cost_rate_minor, r.cost_currency.as_deref()) {
                (Some(minor), Some(code)) => Currency::parse(code)
                    .map(|c| amount_text(Money::from_minor(minor, c)))
                    .unwrap_or_default(),
                _ => String::new(),
            },
            currency: r.cost_currency.clone().unwrap_or_default(),
            user_id: r.user_id.map(|u| u.to_string()).unwrap_or_default(),
            skills: r.skill_list().join(", "),
            calendar: r.calendar.clone(),
        }
    }

    fn validate(&self) -> Result<ResourceInput> {
        let mut errors = FieldErrors::default();
        let name = self.name.trim().to_string();
        if name.is_empty() || name.chars().count() > 80 {
            errors.add("name", "give a name of 1 to 80 characters");
        }
        let kind = postflow_core::booking::kind_key(&self.kind);
        if kind.is_empty()
            || kind.len() > 40
            || !kind
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            errors.add(
                "kind",
                format!(
                    "{:?} is not a kind; use letters, digits and _ (edit_bay, color_suite, person…)",
                    self.kind.trim()
                ),
            );
        }
        let capacity = match self.capacity.trim() {
            "" => 1,
            text => match text.parse::<i64>() {
                Ok(n) if (1..=1000).contains(&n) => n,
                Ok(n) if n < 1 => {
                    errors.add(
                        "capacity",
                        format!("capacity must be at least 1 (got {n}): a resource holds at least one booking"),
                    );
                    1
                }
                _ => {
                    errors.add(
                        "capacity",
                        format!("{text:?} is not a capacity; give whole units from 1 to 1000"),
                    );
                    1
                }
            },
        };
        let cost_rate = match (self.cost_rate.trim(), self.currency.trim()) {
            ("", _) => None,
            (_, "") => {
                errors.add("currency", "give the rate's currency, e.g. EUR");
                None
            }
            (amount, code) => match Currency::parse(code) {
                Err(e) => {
                    errors.add("currency", e.to_string());
                    None
                }
                Ok(currency) => match Money::parse(amount, currency) {
                    Ok(m) if m.minor >= 0 => Some((m.minor, currency.code().to_string())),
                    Ok(_) => {
                        errors.add("cost_rate", "a rate cannot be negative");
                        None
                    }
                    Err(e) => {
                        errors.add("cost_rate", e.to_string());
                        None
                    }
                },
            },
        };
        let user_id = match self.user_id.trim() {
            "" => None,
            text => match text.parse::<i64>() {
                Ok(id) if id > 0 => Some(id),
                _ => {
                    errors.add("user_id", format!("{text:?} is not a user id"));
                    None
                }
            },
        };
        let mut skills: Vec<String> = Vec::new();
        for s in self.skills.split(',') {
            let s = s.trim().to_ascii_lowercase();
            if s.is_empty() || skills.contains(&s) {
                continue;
            }
            if s.len() > 40 || s.contains(['"', '<', '>']) {
                errors.add(
                    "skills",
                    format!("{s:?} is not a skill (up to 40 plain characters)"),
                );
            }
            skills.push(s);
        }
        let calendar = match self.calendar.trim() {
            "" | "studio" => "studio",
            "always" => "always",
            other => {
                errors.add(
                    "calendar",
                    format!("{other:?} is not a calendar; use studio or always"),
                );
                "studio"
            }
        };
        let notes = Some(self.notes.trim().to_string()).filter(|n| !n.is_empty());
        errors.into_result()?;
        Ok(ResourceInput {
            name,
            kind,
            notes,
            capacity,
            cost_rate,
            user_id,
            skills,
            calendar: calendar.into(),
        })
    }
}

/// A resource as listed: the cost rate only for those who may see rates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceView {
    pub resource: Resource,
    pub cost_rate: Option<Money>,
    /// The linked person's name.
    pub person: Option<String>,
}

/// `95.00` of `95.00 EUR`.
fn amount_text(m: Money) -> String {
    m.to_string()
        .split(' ')
        .next()
        .unwrap_or_default()
        .to_string()
}

fn not_found(id: i64) -> AppError {
    AppError::NotFound(format!("resource {id}"))
}

async fn check_person(ctx: &Context, input: &ResourceInput) -> Result<()> {
    if let Some(u) = input.user_id {
        if ctx.store.user_by_id(u).await?.is_none() {
            return Err(AppError::field("user_id", format!("there is no user {u}")));
        }
    }
    Ok(())
}

pub async fn create(ctx: &Context, actor: &Actor, draft: &ResourceDraft) -> Result<Resource> {
    let permit = access::studio(actor, Action::ManageResources)?;
    let input = draft.validate()?;
    check_person(ctx, &input).await?;
    let tx = ctx.store.begin().await?;
    let resource = tx.insert_resource(input).await?;
    let event = AuditEvent::ResourceChanged {
        resource_id: resource.id,
        verb: "create",
        detail: format!(
            "added resource {} ({}, capacity {})",
            resource.name, resource.kind, resource.capacity
        ),
    };
    record(&tx, access::audited_user(permit.actor()), event).await?;
    tx.commit().await?;
    Ok(resource)
}

pub async fn edit(
    ctx: &Context,
    actor: &Actor,
    id: i64,
    draft: &ResourceDraft,
) -> Result<Resource> {
    let permit = access::studio(actor, Action::ManageResources)?;
    let input = draft.validate()?;
    check_person(ctx, &input).await?;
    let tx = ctx.store.begin().await?;
    if tx.resource_by_id(id).await?.is_none() {
        return Err(not_found(id));
    }
    let resource = match tx.update_resource_checked(id, input).await? {
        Ok(r) => r,
        Err(refused) => {
            let ids: Vec<String> = refused
                .conflicts_with
                .iter()
                .map(|b| format!("#{b}"))
                .collect();
            return Err(AppError::field(
                "capacity",
                format!(
                    "confirmed bookings {} hold more than {} at once; move or cancel them first",
                    ids.join(", "),
                    refused.capacity
                ),
            ));
        }
    };
    let event = AuditEvent::ResourceChanged {
        resource_id: id,
        verb: "update",
        detail: format!("edited resource {}", resource.name),
    };
    record(&tx, access::audited_user(permit.actor()), event).await?;
    tx.commit().await?;
    Ok(resource)
}

/// Archives (or restores) a resource: it leaves the lists and takes no new bookings; its
/// bookings stay.
pub async fn archive(ctx: &Context, actor: &Actor, id: i64, archived: bool) -> Result<Resource> {
    let permit = access::studio(actor, Action::ManageResources)?;
    let tx = ctx.store.begin().await?;
    if tx.resource_by_id(id).await?.is_none() {
        return Err(not_found(id));
    }
    let resource = tx.set_resource_archived(id, archived).await?;
    let verb = if archived { "archive" } else { "restore" };
    let event = AuditEvent::ResourceChanged {
        resource_id: id,
        verb,
        detail: format!("{verb}d resource {}", resource.name),
    };
    record(&tx, access::audited_user(permit.actor()), event).await?;
    tx.commit().await?;
    Ok(resource)
}

fn view(
    actor: &Actor,
    r: Resource,
    people: &std::collections::BTreeMap<i64, String>,
) -> ResourceView {
    let cost_rate = if can(actor, Action::ViewRates, None) {
        match (r.cost_rate_minor, r.cost_currency.as_deref()) {
            (Some(minor), Some(code)) => Currency::parse(code)
                .ok()
                .map(|c| Money::from_minor(minor, c)),
            _ => None,
        }
    } else {
        None
    };
    let person = r.user_id.and_then(|u| people.get(&u).cloned());
    ResourceView {
        resource: r,
        cost_rate,
        person,
    }
}

async fn people(ctx: &Context) -> Result<std::collections::BTreeMap<i64, String>> {
    Ok(ctx
        .store
        .list_users()
        .await?
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect())
}

/// The resources by kind and name (archived ones too when asked).
pub async fn list(ctx: &Context, actor: &Actor, with_archived: bool) -> Result<Vec<ResourceView>> {
    access::studio(actor, Action::ViewStudio)?;
    let names = people(ctx).await?;
    Ok(ctx
        .store
        .resources(with_archived)
        .await?
        .into_iter()
        .map(|r| view(actor, r, &names))
        .collect())
}

/// One resource.
pub async fn get(ctx: &Context, actor: &Actor, id: i64) -> Result<ResourceView> {
    access::studio(actor, Action::ViewStudio)?;
    let r = ctx
        .store
        .resource_by_id(id)
        .await?
        .ok_or_else(|| not_found(id))?;
    let names = people(ctx).await?;
    Ok(view(actor, r, &names))
}
