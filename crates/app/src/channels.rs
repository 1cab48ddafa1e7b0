//! Project channels: one internal channel (the studio's people on the project) and one client
//! channel (the client too) per project, created on first use. Posting, replying, editing
//! (the earlier body kept), promoting a message to a decision or to a plan task, attaching
//! catalogued media — each one transaction with its audit event (webhook type `message.*`),
//! the search index and the mentioned people's inbox written on it too.
use crate::access::{self, audited_user};
use crate::audit::{self, AuditEvent};
use crate::{AppError, Context, Result};
use postflow_core::access::{authorize, Action, Actor, Denied, Role};
use postflow_core::booking::kind_key;
use postflow_core::channels::{handle_names, parse_mentions, term_frequencies};
use postflow_store::channels::{Channel, Decision, Message, MessageEdit, CLIENT, INTERNAL};
use postflow_store::studio::Project;
use postflow_store::{ConnectionTrait, Repo, TransactionTrait};
use std::collections::{BTreeSet, HashMap};

/// The longest message body accepted.
pub const MAX_BODY_CHARS: usize = 20_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelKind {
    Internal,
    Client,
}

impl ChannelKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChannelKind::Internal => INTERNAL,
            ChannelKind::Client => CLIENT,
        }
    }

    pub fn parse(s: &str) -> Option<ChannelKind> {
        match s {
            INTERNAL => Some(ChannelKind::Internal),
            CLIENT => Some(ChannelKind::Client),
            _ => None,
        }
    }

    /// What reading and posting in the channel takes.
    pub fn action(self) -> Action {
        match self {
            ChannelKind::Internal => Action::ViewInternal,
            ChannelKind::Client => Action::PostMessage,
        }
    }

    /// The channel's page under `/projects/CODE/`.
    pub fn page(self) -> &'static str {
        match self {
            ChannelKind::Internal => "channel",
            ChannelKind::Client => "client-channel",
        }
    }
}

/// A message as pages and the API show it.
#[derive(Debug, Clone)]
pub struct MessageView {
    pub message: Message,
    pub author: String,
    pub mentions: Vec<String>,
    pub attachments: Vec<i64>,
    pub edits: usize,
}

#[derive(Debug, Clone)]
pub struct ChannelView {
    pub project: Project,
    pub kind: ChannelKind,
    pub messages: Vec<MessageView>,
    pub decisions: Vec<Decision>,
    /// Whether the actor may promote messages to decisions.
    pub may_decide: bool,
}

#[derive(Debug, Clone, Default)]
pub struct PostInput {
    pub body: String,
    pub reply_to: Option<i64>,
    /// Catalogued media file ids.
    pub attachments: Vec<i64>,
}

/// The channel's latest 200 messages and the project's decisions made in it.
pub async fn view(
    ctx: &Context,
    actor: &Actor,
    code: &str,
    kind: ChannelKind,
) -> Result<ChannelView> {
    let (project, _) = access::project(ctx, actor, code, kind.action()).await?;
    let channel = ctx.store.channel(project.id, kind.as_str()).await?;
    let messages = ctx.store.messages_of(channel.id, 200).await?;
    let ids: Vec<i64> = messages.iter().map(|m| m.id).collect();
    let mentions = ctx.store.mentions_of(&ids).await?;
    let attachments = ctx.store.attachments_of(&ids).await?;
    let names = people_names(ctx, actor).await?;
    let name_of = |id: Option<i64>| match id {
        Some(id) => names.get(&id).cloned().unwrap_or_else(|| "someone".into()),
        None => "postflow".into(),
    };
    let mut out = Vec::new();
    for m in messages {
        let edits = ctx.store.message_edits(m.id).await?.len();
        out.push(MessageView {
            author: name_of(m.author_id),
            mentions: mentions
                .iter()
                .filter(|x| x.message_id == m.id)
                .map(|x| match (&x.department, x.user_id) {
                    (Some(d), _) => d.clone(),
                    (None, u) => name_of(u),
                })
                .collect(),
            attachments: attachments
                .iter()
                .filter(|a| a.message_id == m.id)
                .map(|a| a.media_file_id)
                .collect(),
            edits,
            message: m,
        });
    }
    let in_channel: BTreeSet<i64> = ids.iter().copied().collect();
    let decisions = ctx
        .store
        .decisions_of(project.id)
        .await?
        .into_iter()
        .filter(|d| d.message_id.is_some_and(|m| in_channel.contains(&m)))
        .collect();
    let may_decide =
        authorize(actor, Action::RecordDecision, Some(access::scope(&project))).is_ok();
    Ok(ChannelView {
        project,
        kind,
        messages: out,
        decisions,
        may_decide,
    })
}

/// How each person is named to `actor` in channels, decisions and edit histories: a client
/// sees the studio's people by their role ("Colorist"), not their name, unless the studio
/// shows artists' names in the portal; their own company's people by name.
pub async fn people_names(ctx: &Context, actor: &Actor) -> Result<HashMap<i64, String>> {
    let hide_staff =
        actor.role == Role::Client && !crate::portal::settings(&ctx.store).await?.show_artist_names;
    Ok(ctx
        .store
        .list_users()
        .await?
        .into_iter()
        .map(|u| {
            let name = if hide_staff && u.role() != Role::Client {
                u.title
                    .clone()
                    .filter(|t| !t.trim().is_empty())
                    .unwrap_or_else(|| "Studio team".into())
            } else {
                u.name.clone()
            };
            (u.id, name)
        })
        .collect())
}

fn check_body(body: &str) -> Result<String> {
    let body = body.trim();
    if body.is_empty() {
        return Err(AppError::field("body", "write a message"));
    }
    if body.contains('\0') {
        return Err(AppError::field(
            "body",
            "a message cannot hold NUL characters",
        ));
    }
    if body.chars().count() > MAX_BODY_CHARS {
        return Err(AppError::field(
            "body",
            format!("a message holds at most {MAX_BODY_CHARS} characters"),
        ));
    }
    Ok(body.to_string())
}

/// Who the body's mentions name: people who may read the channel, and departments (a
/// resource kind or skill of people who may). A handle naming nobody is refused, by name.
async fn resolve_mentions<C: ConnectionTrait + TransactionTrait>(
    repo: &Repo<C>,
    project: &Project,
    kind: ChannelKind,
    body: &str,
) -> Result<(BTreeSet<i64>, Vec<(Option<i64>, Option<String>)>)> {
    let mentions = parse_mentions(body);
    if mentions.is_empty() {
        return Ok((BTreeSet::new(), Vec::new()));
    }
    let users = repo.list_users().await?;
    let resources = repo.resources(false).await?;
    let mut told = BTreeSet::new();
    let mut rows = Vec::new();
    for m in mentions {
        let mut readers = Vec::new();
        let mut named_someone = false;
        for u in users.iter().filter(|u| !u.disabled) {
            if handle_names(&m.handle, &u.email, &u.name) {
                named_someone = true;
                let actor = access::actor_in(repo, u).await?;
                if authorize(&actor, kind.action(), Some(access::scope(project))).is_ok() {
                    readers.push(u.id);
                }
            }
        }
        if !readers.is_empty() {
            for id in readers {
                told.insert(id);
                rows.push((Some(id), None));
            }
            continue;
        }
        if named_someone {
            return Err(AppError::field(
                "body",
                format!(
                    "@{} cannot read this channel, so they cannot be mentioned here",
                    m.handle
                ),
            ));
        }
        let dept = kind_key(&m.handle);
        let mut members = Vec::new();
        for r in &resources {
            let Some(uid) = r.user_id else { continue };
            let in_dept = kind_key(&r.kind) == dept
                || r.skills
                    .split(',')
                    .any(|s| !s.trim().is_empty() && kind_key(s) == dept);
            if !in_dept {
                continue;
            }
            if let Some(u) = users.iter().find(|u| u.id == uid && !u.disabled) {
                let actor = access::actor_in(repo, u).await?;
                if authorize(&actor, kind.action(), Some(access::scope(project))).is_ok() {
                    members.push(uid);
                }
            }
        }
        if members.is_empty() {
            return Err(AppError::field(
                "body",
                format!(
                    "@{} names nobody: no person (e-mail name or full name) or department who can read this channel",
                    m.handle
                ),
            ));
        }
        told.extend(members);
        rows.push((None, Some(dept)));
    }
    Ok((told, rows))
}

async fn index_message<C: ConnectionTrait>(
    repo: &Repo<C>,
    m: &Message,
    kind: ChannelKind,
) -> postflow_store::Result<()> {
    let (tf, len) = term_frequencies(&m.body);
    repo.index_document("message", m.id, m.project_id, kind.as_str(), &tf, len)
        .await
}

/// Posts a message (a reply when `reply_to` is set) in the project's channel.
pub async fn post(
    ctx: &Context,
    actor: &Actor,
    code: &str,
    kind: ChannelKind,
    input: &PostInput,
) -> Result<Message> {
    let (project, _) = access::project(ctx, actor, code, kind.action()).await?;
    let body = check_body(&input.body)?;
    let tx = ctx.store.begin().await?;
    let channel = tx.channel(project.id, kind.as_str()).await?;
    if let Some(r) = input.reply_to {
        let parent = tx.message_by_id(r).await?;
        if parent.is_none_or(|p| p.channel_id != channel.id) {
            return Err(AppError::field(
                "reply_to",
                format!("message {r} is not in this channel"),
            ));
        }
    }
    let (told, rows) = resolve_mentions(&tx, &project, kind, &body).await?;
    for &file in &input.attachments {
        // A file of another project (or none) is one the channel's readers may not see.
        if tx.media_file_project(file).await? != Some(Some(project.id)) {
            return Err(AppError::field(
                "attachments",
                format!(
                    "media file {file} is not a catalogued file of {} that you may see",
                    project.code
                ),
            ));
        }
    }
    let message = tx
        .insert_message(&channel, audited_user(actor), &body, input.reply_to)
        .await?;
    for (user, dept) in &rows {
        tx.add_mention(message.id, *user, dept.as_deref()).await?;
    }
    for &file in &input.attachments {
        tx.add_attachment(message.id, file).await?;
    }
    tell(&tx, &project, kind, actor, &told, &message).await?;
    index_message(&tx, &message, kind).await?;
    let verb = if input.reply_to.is_some() {
        "replied"
    } else {
        "posted"
    };
    audit::record(
        &tx,
        audited_user(actor),
        AuditEvent::MessageChanged {
            message_id: message.id,
            verb: "create",
            detail: format!(
                "{verb} in the {} channel of {}",
                kind.as_str(),
                project.code
            ),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(message)
}

async fn tell<C: ConnectionTrait>(
    repo: &Repo<C>,
    project: &Project,
    kind: ChannelKind,
    actor: &Actor,
    told: &BTreeSet<i64>,
    message: &Message,
) -> postflow_store::Result<()> {
    let link = format!("/projects/{}/{}#m{}", project.code, kind.page(), message.id);
    let preview: String = message.body.chars().take(140).collect();
    for &user in told.iter().filter(|&&u| u != actor.user_id) {
        repo.notify(
            user,
            &format!("You were mentioned in {}", project.code),
            &preview,
            &link,
        )
        .await?;
    }
    Ok(())
}

/// The message, its channel and project, with `action` authorised on it (and the channel's own
/// rule): a message the actor may not read is "not found".
async fn load<C: ConnectionTrait>(
    repo: &Repo<C>,
    actor: &Actor,
    message_id: i64,
    action: Option<Action>,
) -> Result<(Message, Channel, ChannelKind, Project)> {
    let not_found = || AppError::NotFound(format!("message {message_id}"));
    let message = repo
        .message_by_id(message_id)
        .await?
        .ok_or_else(not_found)?;
    let channel = repo
        .channel_by_id(message.channel_id)
        .await?
        .ok_or_else(not_found)?;
    let kind = ChannelKind::parse(&channel.kind).ok_or_else(not_found)?;
    let project = repo
        .project_by_id(channel.project_id)
        .await?
        .ok_or_else(not_found)?;
    let scope = Some(access::scope(&project));
    authorize(actor, kind.action(), scope).map_err(|_| not_found())?;
    if let Some(a) = action {
        authorize(actor, a, scope).map_err(|d| match d {
            Denied::Hidden => not_found(),
            Denied::Forbidden(a) => AppError::Forbidden(a),
        })?;
    }
    Ok((message, channel, kind, project))
}

/// Edits one's own message; the earlier body stays in its history. Newly mentioned people are
/// told.
pub async fn edit(ctx: &Context, actor: &Actor, message_id: i64, body: &str) -> Result<Message> {
    let body = check_body(body)?;
    let tx = ctx.store.begin().await?;
    let (old, _, kind, project) = load(&tx, actor, message_id, None).await?;
    if old.author_id != Some(actor.user_id) {
        return Err(AppError::Conflict(
            "only the person who wrote a message can edit it".into(),
        ));
    }
    let (told, rows) = resolve_mentions(&tx, &project, kind, &body).await?;
    let before: BTreeSet<(Option<i64>, Option<String>)> = tx
        .mentions_of(&[message_id])
        .await?
        .into_iter()
        .map(|m| (m.user_id, m.department))
        .collect();
    let (earlier, _) = resolve_mentions(&tx, &project, kind, &old.body)
        .await
        .unwrap_or_default();
    for row in rows.iter().filter(|r| !before.contains(r)) {
        tx.add_mention(message_id, row.0, row.1.as_deref()).await?;
    }
    let message = tx
        .edit_message(message_id, audited_user(actor), &body)
        .await?;
    let new_people: BTreeSet<i64> = told.difference(&earlier).copied().collect();
    tell(&tx, &project, kind, actor, &new_people, &message).await?;
    index_message(&tx, &message, kind).await?;
    audit::record(
        &tx,
        audited_user(actor),
        AuditEvent::MessageChanged {
            message_id,
            verb: "update",
            detail: format!(
                "edited a message in the {} channel of {}",
                kind.as_str(),
                project.code
            ),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(message)
}

/// A message's earlier bodies, oldest first.
pub async fn history(ctx: &Context, actor: &Actor, message_id: i64) -> Result<Vec<MessageEdit>> {
    load(&ctx.store, actor, message_id, None).await?;
    Ok(ctx.store.message_edits(message_id).await?)
}

/// Promotes a message to a decision of the project: who (the actor), when (now) and what was
/// decided (`text`, or the message itself when empty).
pub async fn decide(ctx: &Context, actor: &Actor, message_id: i64, text: &str) -> Result<Decision> {
    let tx = ctx.store.begin().await?;
    let (message, _, kind, project) =
        load(&tx, actor, message_id, Some(Action::RecordDecision)).await?;
    let text = match text.trim() {
        "" => message.body.clone(),
        t => check_body(t)?,
    };
    let decision = tx
        .insert_decision(project.id, Some(message.id), audited_user(actor), &text)
        .await?;
    let (tf, len) = term_frequencies(&text);
    tx.index_document("decision", decision.id, project.id, kind.as_str(), &tf, len)
        .await?;
    audit::record(
        &tx,
        audited_user(actor),
        AuditEvent::MessageChanged {
            message_id,
            verb: "decide",
            detail: format!("recorded a decision of {}: {text}", project.code),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(decision)
}

/// Promotes a message to a task of the project's plan, through the plan's own use case (its
/// rules and audit event); the task is then indexed for search and the promotion audited.
/// Empty draft fields are filled from the message: key `msg-<id>`, name its first line, one
/// working day, the plan's first stage.
pub async fn promote_to_task(
    ctx: &Context,
    actor: &Actor,
    message_id: i64,
    mut draft: crate::plan::TaskDraft,
) -> Result<i64> {
    let (message, _, _, project) =
        load(&ctx.store, actor, message_id, Some(Action::EditPlan)).await?;
    if draft.key.trim().is_empty() {
        draft.key = format!("msg-{message_id}");
    }
    if draft.name.trim().is_empty() {
        draft.name = message
            .body
            .lines()
            .next()
            .unwrap_or("")
            .chars()
            .take(120)
            .collect();
    }
    if draft.duration.trim().is_empty() {
        draft.duration = "1".into();
    }
    let rows = ctx.store.plans_of(&[project.id]).await?;
    if draft.stage.trim().is_empty() {
        draft.stage = rows
            .stages
            .first()
            .map(|s| s.key.clone())
            .unwrap_or_default();
    }
    if draft.notes.trim().is_empty() {
        draft.notes = message.body.clone();
    }
    crate::plan::add_task(ctx, actor, &project.code, None, &draft).await?;
    let tx = ctx.store.begin().await?;
    let task = tx
        .plans_of(&[project.id])
        .await?
        .tasks
        .into_iter()
        .find(|t| t.key == draft.key.trim())
        .ok_or_else(|| AppError::NotFound(format!("task {}", draft.key)))?;
    let (tf, len) = term_frequencies(&format!("{} {}", task.name, draft.notes));
    tx.index_document("task", task.id, project.id, INTERNAL, &tf, len)
        .await?;
    audit::record(
        &tx,
        audited_user(actor),
        AuditEvent::MessageChanged {
            message_id,
            verb: "task",
            detail: format!("made a message of {} the task {}", project.code, task.key),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(task.id)
}

/// One message as its own page shows it (edit form and history): the message with its author,
/// mentions and attachments, its channel's kind and project. A message the actor may not read
/// is "not found".
pub async fn message_at(
    ctx: &Context,
    actor: &Actor,
    message_id: i64,
) -> Result<(MessageView, ChannelKind, Project)> {
    let (message, _, kind, project) = load(&ctx.store, actor, message_id, None).await?;
    let view = view(ctx, actor, &project.code, kind).await?;
    let found = view
        .messages
        .into_iter()
        .find(|m| m.message.id == message_id);
    let shown = match found {
        Some(m) => m,
        None => MessageView {
            author: match message.author_id {
                Some(id) => people_names(ctx, actor)
                    .await?
                    .remove(&id)
                    .unwrap_or_else(|| "someone".into()),
                None => "postflow".into(),
            },
            mentions: Vec::new(),
            attachments: ctx
                .store
                .attachments_of(&[message_id])
                .await?
                .into_iter()
                .map(|a| a.media_file_id)
                .collect(),
            edits: ctx.store.message_edits(message_id).await?.len(),
            message,
        },
    };
    Ok((shown, kind, project))
}
