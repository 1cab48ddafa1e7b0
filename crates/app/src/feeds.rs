//! Calendar feeds: a private `.ics` URL per person, room and project that calendar apps
//! subscribe to, and the studio's time zone the feeds write times in.
//!
//! The token is the only secret: it is shown once (in the URL) and only its SHA-256 is stored,
//! like an API token. A fetch carries no session, so the feed is rendered with the permissions
//! of a person re-checked at every fetch — the subject for a person's feed, the creator for a
//! room or project feed. Revoking the feed, disabling that person or taking away their access to
//! the project ends the feed (it answers "not found").
use crate::access::{self, actor_in, audited_user};
use crate::audit::{self, AuditEvent};
use crate::{AppError, Context, Result};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use postflow_core::access::{can, Action, Actor, Role};
use postflow_core::booking::BookingStatus;
use postflow_core::ical::{self, Calendar, Event, EventStatus, EventTime};
use postflow_store::bookings::{Booking, BookingFilter};
use postflow_store::feeds::CalendarFeed;
use postflow_store::{ConnectionTrait, Repo, TransactionTrait};
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// The studio setting holding the IANA time zone feeds write times in.
pub const TIME_ZONE_SETTING: &str = "time_zone";

/// What a feed shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedSubject {
    /// A person's assigned tasks and the bookings of the resources that are them.
    Person(i64),
    /// A room's (or any resource's) bookings.
    Room(i64),
    /// A project's milestones, tasks and bookings, by code.
    Project(String),
}

impl FeedSubject {
    fn kind(&self) -> &'static str {
        match self {
            FeedSubject::Person(_) => "person",
            FeedSubject::Room(_) => "room",
            FeedSubject::Project(_) => "project",
        }
    }
}

/// A feed as lists show it (never its token).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FeedSummary {
    pub id: i64,
    /// person, room or project.
    pub kind: String,
    pub subject_id: i64,
    /// The person's name, the room's name or the project's code and name.
    pub subject: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub last_fetched_at: Option<DateTime<Utc>>,
    pub revoked: bool,
}

/// A feed just created: its summary and the URL path with the token, shown this once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFeed {
    pub feed: FeedSummary,
    /// `/feeds/<token>.ics`.
    pub path: String,
}

fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn new_token() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 24];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// The token of a `/feeds/<token>.ics` path segment, if it looks like one.
pub fn token_of(segment: &str) -> Option<&str> {
    let token = segment.strip_suffix(".ics").unwrap_or(segment);
    (token.len() == 48 && token.bytes().all(|b| b.is_ascii_hexdigit())).then_some(token)
}

/// The studio's time zone (UTC until an admin sets one).
pub async fn studio_time_zone(ctx: &Context) -> Result<Tz> {
    time_zone_in(&ctx.store).await
}

pub(crate) async fn time_zone_in<C: ConnectionTrait>(repo: &Repo<C>) -> Result<Tz> {
    Ok(repo
        .studio_setting(TIME_ZONE_SETTING)
        .await?
        .and_then(|name| name.parse::<Tz>().ok())
        .unwrap_or(Tz::UTC))
}

/// Sets the studio's time zone from an IANA name (`Europe/London`).
pub async fn set_studio_time_zone(ctx: &Context, actor: &Actor, name: &str) -> Result<Tz> {
    access::studio(actor, Action::ManageCalendar)?;
    let tz: Tz = name.trim().parse().map_err(|_| {
        AppError::field(
            "time_zone",
            format!(
                "{:?} is not a time zone; use an IANA name such as Europe/London or America/Los_Angeles",
                name.trim()
            ),
        )
    })?;
    let tx = ctx.store.begin().await?;
    tx.set_studio_setting(TIME_ZONE_SETTING, tz.name()).await?;
    audit::record(
        &tx,
        audited_user(actor),
        AuditEvent::CalendarChanged {
            detail: format!("set the studio's time zone to {}", tz.name()),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(tz)
}

/// Who may manage feeds of others (and see every feed): whoever manages the studio calendar.
fn manages_feeds(actor: &Actor) -> bool {
    can(actor, Action::ManageCalendar, None)
}

/// Checks the actor may have a feed of `subject` and returns (subject id, what it is called).
async fn check_subject<C: ConnectionTrait + TransactionTrait>(
    repo: &Repo<C>,
    actor: &Actor,
    subject: &FeedSubject,
) -> Result<(i64, String)> {
    match subject {
        FeedSubject::Person(user_id) => {
            let person = repo
                .user_by_id(*user_id)
                .await?
                .filter(|u| !u.disabled)
                .ok_or_else(|| AppError::NotFound(format!("person {user_id}")))?;
            if person.id != actor.user_id && !manages_feeds(actor) {
                return Err(AppError::Forbidden(Action::ManageCalendar));
            }
            if person.role() == Role::Client {
                return Err(AppError::field(
                    "subject",
                    "clients have no tasks or bookings of their own; subscribe to a project instead",
                ));
            }
            Ok((person.id, person.name))
        }
        FeedSubject::Room(resource_id) => {
            access::studio(actor, Action::ViewStudio)?;
            let room = repo
                .resource_by_id(*resource_id)
                .await?
                .filter(|r| !r.archived)
                .ok_or_else(|| AppError::NotFound(format!("resource {resource_id}")))?;
            Ok((room.id, room.name))
        }
        FeedSubject::Project(code) => {
            let (project, _) = access::project_in(repo, actor, code, Action::ViewPlan).await?;
            Ok((project.id, format!("{} {}", project.code, project.name)))
        }
    }
}

/// Creates a feed and returns its URL path (with the token) this once.
pub async fn create_feed(ctx: &Context, actor: &Actor, subject: FeedSubject) -> Result<NewFeed> {
    let tx = ctx.store.begin().await?;
    let (subject_id, name) = check_subject(&tx, actor, &subject).await?;
    let token = new_token();
    let feed = tx
        .create_calendar_feed(hash(&token), subject.kind(), subject_id, actor.user_id)
        .await?;
    audit::record(
        &tx,
        audited_user(actor),
        AuditEvent::CalendarChanged {
            detail: format!(
                "created calendar feed {} of {} {name}",
                feed.id,
                subject.kind()
            ),
        },
    )
    .await?;
    let summary = summarise(&tx, &feed).await?;
    tx.commit().await?;
    Ok(NewFeed {
        feed: summary,
        path: format!("/feeds/{token}.ics"),
    })
}

async fn summarise<C: ConnectionTrait + TransactionTrait>(
    repo: &Repo<C>,
    feed: &CalendarFeed,
) -> Result<FeedSummary> {
    let subject = match feed.subject_kind.as_str() {
        "person" => repo.user_by_id(feed.subject_id).await?.map(|u| u.name),
        "room" => repo.resource_by_id(feed.subject_id).await?.map(|r| r.name),
        _ => repo
            .project_by_id(feed.subject_id)
            .await?
            .map(|p| format!("{} {}", p.code, p.name)),
    }
    .unwrap_or_else(|| format!("{} {} (gone)", feed.subject_kind, feed.subject_id));
    let created_by = repo
        .user_by_id(feed.created_by)
        .await?
        .map(|u| u.name)
        .unwrap_or_else(|| "the system".into());
    Ok(FeedSummary {
        id: feed.id,
        kind: feed.subject_kind.clone(),
        subject_id: feed.subject_id,
        subject,
        created_by,
        created_at: feed.created_at,
        last_fetched_at: feed.last_fetched_at,
        revoked: feed.revoked_at.is_some(),
    })
}

/// The feeds the actor created or that show them; a calendar manager sees every feed.
pub async fn list_feeds(ctx: &Context, actor: &Actor) -> Result<Vec<FeedSummary>> {
    let mut out = Vec::new();
    for feed in ctx.store.list_calendar_feeds(None).await? {
        let mine = feed.created_by == actor.user_id
            || (feed.subject_kind == "person" && feed.subject_id == actor.user_id);
        if mine || manages_feeds(actor) {
            out.push(summarise(&ctx.store, &feed).await?);
        }
    }
    Ok(out)
}

/// Revokes a feed: its URL answers "not found" from now on.
pub async fn revoke_feed(ctx: &Context, actor: &Actor, id: i64) -> Result<()> {
    let tx = ctx.store.begin().await?;
    let feed = tx
        .calendar_feed(id)
        .await
        .map_err(|_| AppError::NotFound(format!("calendar feed {id}")))?;
    let mine = feed.created_by == actor.user_id
        || (feed.subject_kind == "person" && feed.subject_id == actor.user_id);
    if !mine && !manages_feeds(actor) {
        return Err(AppError::NotFound(format!("calendar feed {id}")));
    }
    tx.revoke_calendar_feed(id).await?;
    audit::record(
        &tx,
        audited_user(actor),
        AuditEvent::CalendarChanged {
            detail: format!("revoked calendar feed {id} ({})", feed.subject_kind),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The `.ics` text of a live feed, or `None` when the token is unknown, revoked, or its person
/// has lost the access it needs.
pub async fn render_feed(ctx: &Context, token: &str, now: DateTime<Utc>) -> Result<Option<String>> {
    let Some(feed) = ctx.store.live_calendar_feed(&hash(token)).await? else {
        return Ok(None);
    };
    let reader_id = if feed.subject_kind == "person" {
        feed.subject_id
    } else {
        feed.created_by
    };
    let Some(reader) = ctx
        .store
        .user_by_id(reader_id)
        .await?
        .filter(|u| !u.disabled)
    else {
        return Ok(None);
    };
    let actor = actor_in(&ctx.store, &reader).await?;
    let today = now.date_naive();
    let host = "postflow";
    let subject = match feed.subject_kind.as_str() {
        "person" => FeedSubject::Person(feed.subject_id),
        "room" => FeedSubject::Room(feed.subject_id),
        _ => match ctx.store.project_by_id(feed.subject_id).await? {
            Some(p) => FeedSubject::Project(p.code.to_string()),
            None => return Ok(None),
        },
    };
    let name = match check_subject(&ctx.store, &actor, &subject).await {
        Ok((_, name)) => name,
        Err(AppError::Store(e)) => return Err(AppError::Store(e)),
        Err(_) => return Ok(None),
    };
    // Bookings from three months back to a year ahead: what a calendar app shows.
    let window = BookingFilter {
        from: Some(now - Duration::days(92)),
        to: Some(now + Duration::days(366)),
        ..Default::default()
    };
    let mut events = Vec::new();
    match &subject {
        FeedSubject::Person(user_id) => {
            for item in crate::plan::my_work(ctx, &actor, today).await? {
                events.push(task_event(
                    host,
                    &item.code,
                    &item.task.name,
                    item.task.id,
                    item.task.forecast.start,
                    item.task.forecast.end,
                    &item.task.notes,
                ));
            }
            let rooms: Vec<i64> = ctx
                .store
                .resources(false)
                .await?
                .into_iter()
                .filter(|r| r.user_id == Some(*user_id))
                .map(|r| r.id)
                .collect();
            for resource_id in rooms {
                let bookings = ctx
                    .store
                    .list_bookings(&BookingFilter {
                        resource_id: Some(resource_id),
                        ..window.clone()
                    })
                    .await?;
                push_bookings(ctx, &mut events, host, &bookings).await?;
            }
        }
        FeedSubject::Room(resource_id) => {
            let bookings = ctx
                .store
                .list_bookings(&BookingFilter {
                    resource_id: Some(*resource_id),
                    ..window.clone()
                })
                .await?;
            push_bookings(ctx, &mut events, host, &bookings).await?;
        }
        FeedSubject::Project(code) => {
            let view = crate::plan::view(ctx, &actor, code, today).await?;
            for m in &view.milestones {
                let (day, label) = match m.actual {
                    Some(actual) => (actual, "reached"),
                    None => (m.forecast, "forecast"),
                };
                events.push(Event {
                    uid: format!("milestone-{}-{}@{host}", view.project_id, m.task_key),
                    summary: format!("◆ {} · {} ({label})", view.code, m.name),
                    description: Some(format!(
                        "Planned {}, forecast {}{}",
                        m.planned,
                        m.forecast,
                        if m.late { " — late" } else { "" }
                    )),
                    location: None,
                    when: EventTime::Days {
                        first: day,
                        last: day,
                    },
                    status: Some(if m.actual.is_some() {
                        EventStatus::Confirmed
                    } else {
                        EventStatus::Tentative
                    }),
                    categories: vec!["milestone".into()],
                    last_modified: None,
                });
            }
            for t in view.tasks.iter().filter(|t| t.milestone.is_none()) {
                events.push(task_event(
                    host,
                    &view.code,
                    &t.name,
                    t.id,
                    t.forecast.start,
                    t.forecast.end,
                    &t.notes,
                ));
            }
            let bookings = ctx
                .store
                .list_bookings(&BookingFilter {
                    project_id: Some(view.project_id),
                    ..window.clone()
                })
                .await?;
            push_bookings(ctx, &mut events, host, &bookings).await?;
        }
    }
    let calendar = Calendar {
        name: format!("postflow · {name}"),
        time_zone: studio_time_zone(ctx).await?,
        events,
    };
    Ok(Some(ical::render_calendar(&calendar, now)))
}

fn task_event(
    host: &str,
    code: &str,
    name: &str,
    id: i64,
    first: NaiveDate,
    last: NaiveDate,
    notes: &str,
) -> Event {
    Event {
        uid: format!("task-{id}@{host}"),
        summary: format!("{code} · {name}"),
        description: (!notes.trim().is_empty()).then(|| notes.trim().to_string()),
        location: None,
        when: EventTime::Days { first, last },
        status: None,
        categories: vec!["task".into()],
        last_modified: None,
    }
}

async fn push_bookings(
    ctx: &Context,
    events: &mut Vec<Event>,
    host: &str,
    bookings: &[Booking],
) -> Result<()> {
    let mut codes: HashMap<i64, String> = HashMap::new();
    let mut rooms: HashMap<i64, String> = HashMap::new();
    for b in bookings {
        if !codes.contains_key(&b.project_id) {
            let code = ctx
                .store
                .project_by_id(b.project_id)
                .await?
                .map(|p| p.code.to_string())
                .unwrap_or_default();
            codes.insert(b.project_id, code);
        }
        if !rooms.contains_key(&b.resource_id) {
            let room = ctx
                .store
                .resource_by_id(b.resource_id)
                .await?
                .map(|r| r.name)
                .unwrap_or_default();
            rooms.insert(b.resource_id, room);
        }
        let status = b.booking_status()?;
        let room = &rooms[&b.resource_id];
        let note = b.note.trim();
        events.push(Event {
            uid: format!("booking-{}@{host}", b.id),
            summary: if note.is_empty() {
                format!("{} · {room}", codes[&b.project_id])
            } else {
                format!("{} · {room} · {note}", codes[&b.project_id])
            },
            description: Some(format!("{} booking of {room}", status.as_str())),
            location: Some(room.clone()),
            when: EventTime::Span {
                start: b.starts_at,
                end: b.ends_at,
            },
            status: Some(match status {
                BookingStatus::Confirmed => EventStatus::Confirmed,
                BookingStatus::Planning | BookingStatus::Preliminary => EventStatus::Tentative,
            }),
            categories: vec![status.as_str().to_string()],
            last_modified: None,
        });
    }
    Ok(())
}
