//! Live updates for open pages: the audit log read forward by id (`store::live`), each entry
//! turned into a short event (kind, action, project code, audit id) only when the actor may see
//! it — a plan change needs `ViewPlan` on its project, a booking `ViewStudio`, a channel message
//! what reading its channel needs (the internal channel: `ViewInternal`), so a client's stream
//! never carries internal channel messages. The entry's detail is never sent; the page fetches
//! itself again through its own checked route.
use crate::{access, AppError, Context, Result};
use postflow_core::access::{authorize, Action, Actor};
use postflow_store::studio::Project;

/// The kinds a page can follow, with the audit entity each one reads.
pub const KINDS: &[(&str, &str)] = &[
    ("plan", "plan"),
    ("booking", "booking"),
    ("message", "message"),
];

/// One event as the stream sends it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LiveEvent {
    /// The audit id (the stream's event id; a reconnect resumes after it).
    pub id: i64,
    /// plan, booking or message.
    pub kind: &'static str,
    /// The audit action (`update`, `create`, `lock`, …).
    pub action: String,
    /// The project's code; none for a booking on a project the actor may not see.
    pub project: Option<String>,
}

/// What one open page follows, and where it is in the log.
#[derive(Debug, Clone)]
pub struct Subscription {
    project: Option<Project>,
    kinds: Vec<&'static str>,
    /// The last audit id looked at.
    pub last_id: i64,
}

/// Opens a subscription: `project` (a code) needs `ViewProject` on it (an unknown or hidden
/// project is "not found"); without one, the studio-wide stream needs `ViewStudio`. `kinds` is a
/// comma list of [`KINDS`] (empty: all). `resume_after` (the browser's `Last-Event-ID`) resumes
/// after that id; otherwise the stream starts at the newest entry.
pub async fn subscribe(
    ctx: &Context,
    actor: &Actor,
    project: Option<&str>,
    kinds: &str,
    resume_after: Option<i64>,
) -> Result<Subscription> {
    let project = match project.map(str::trim).filter(|c| !c.is_empty()) {
        Some(code) => Some(
            access::project(ctx, actor, code, Action::ViewProject)
                .await?
                .0,
        ),
        None => {
            access::studio(actor, Action::ViewStudio)?;
            None
        }
    };
    let mut chosen = Vec::new();
    for k in kinds.split(',').map(str::trim).filter(|k| !k.is_empty()) {
        match KINDS.iter().find(|(name, _)| *name == k) {
            Some((name, _)) if !chosen.contains(name) => chosen.push(*name),
            Some(_) => {}
            None => {
                return Err(AppError::field(
                    "kinds",
                    format!("there is no live event kind {k:?}; use plan, booking or message"),
                ))
            }
        }
    }
    if chosen.is_empty() {
        chosen = KINDS.iter().map(|(k, _)| *k).collect();
    }
    let newest = ctx.store.last_audit_id().await?;
    let last_id = match resume_after {
        Some(id) if id >= 0 && id <= newest => id,
        _ => newest,
    };
    Ok(Subscription {
        project,
        kinds: chosen,
        last_id,
    })
}

/// The events after the subscription's position that the actor may see (at most 200 entries
/// are read per call); moves the position past every entry read, shown or not.
pub async fn next_events(
    ctx: &Context,
    actor: &Actor,
    sub: &mut Subscription,
) -> Result<Vec<LiveEvent>> {
    let entities: Vec<&str> = KINDS
        .iter()
        .filter(|(k, _)| sub.kinds.contains(k))
        .map(|(_, e)| *e)
        .collect();
    let rows = ctx.store.audit_after(sub.last_id, &entities, 200).await?;
    let mut out = Vec::new();
    for row in rows {
        sub.last_id = sub.last_id.max(row.id);
        let Some(id) = row.entity_id else { continue };
        let (kind, project, action) = match row.entity.as_str() {
            "plan" => ("plan", ctx.store.project_by_id(id).await?, Action::ViewPlan),
            "booking" => {
                let Some(b) = ctx.store.booking(id).await? else {
                    // Cancelled: the row is gone; the studio-wide board still hears of it.
                    if sub.project.is_none() && authorize(actor, Action::ViewStudio, None).is_ok() {
                        out.push(LiveEvent {
                            id: row.id,
                            kind: "booking",
                            action: row.action.clone(),
                            project: None,
                        });
                    }
                    continue;
                };
                (
                    "booking",
                    ctx.store.project_by_id(b.project_id).await?,
                    Action::ViewStudio,
                )
            }
            "message" => {
                let Some(m) = ctx.store.message_by_id(id).await? else {
                    continue;
                };
                let Some(c) = ctx.store.channel_by_id(m.channel_id).await? else {
                    continue;
                };
                let Some(kind) = crate::channels::ChannelKind::parse(&c.kind) else {
                    continue;
                };
                (
                    "message",
                    ctx.store.project_by_id(c.project_id).await?,
                    kind.action(),
                )
            }
            _ => continue,
        };
        let Some(project) = project else { continue };
        if let Some(p) = &sub.project {
            if p.id != project.id {
                continue;
            }
        }
        let scope = Some(access::scope(&project));
        let sees_project = authorize(actor, Action::ViewProject, scope).is_ok();
        let sees_event = sees_project && authorize(actor, action, scope).is_ok();
        if sees_event {
            out.push(LiveEvent {
                id: row.id,
                kind,
                action: row.action,
                project: Some(project.code.to_string()),
            });
        } else if kind == "booking"
            && sub.project.is_none()
            && authorize(actor, Action::ViewStudio, None).is_ok()
        {
            // The board shows another company's booking as "booked": it changes, not whose.
            out.push(LiveEvent {
                id: row.id,
                kind,
                action: row.action,
                project: None,
            });
        }
    }
    Ok(out)
}
