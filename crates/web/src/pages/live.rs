//! `GET /events?project=CODE&kinds=plan,booking,message`: server-sent events for open pages.
//! Each server polls the audit log by id every second from the last id it sent
//! (`app::live`), so several servers on one PostgreSQL need no shared bus; only events the
//! signed-in person may see are sent (kind, action, project, audit id — never the entry's
//! detail). Without `project` the stream is the studio-wide one (the resource board). A
//! reconnecting browser sends `Last-Event-ID` and resumes after it. The person is re-read on
//! every poll: disabled, the stream ends.
use crate::auth::CurrentUser;
use crate::{guard, AppError, AppState};
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::routing::get;
use axum::Router;
use futures_util::stream::{self, Stream, StreamExt};
use postflow_app::live;
use std::collections::HashMap;
use std::convert::Infallible;
use std::time::Duration;

pub fn routes() -> Router<AppState> {
    Router::new().route("/events", get(events))
}

/// How often each open stream looks at the audit log.
const POLL: Duration = Duration::from_secs(1);

async fn events(
    State(state): State<AppState>,
    who: CurrentUser,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, AppError> {
    let actor = guard::actor_for(&state, &who.user).await?;
    let resume = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok());
    let sub = live::subscribe(
        &state.app(),
        &actor,
        q.get("project").map(String::as_str),
        q.get("kinds").map(String::as_str).unwrap_or(""),
        resume,
    )
    .await?;
    let user_id = who.user.id;
    let polls = stream::unfold((state, sub), move |(state, mut sub)| async move {
        tokio::time::sleep(POLL).await;
        let user = state.store.user_by_id(user_id).await.ok().flatten()?;
        if user.disabled {
            return None;
        }
        let actor = guard::actor_for(&state, &user).await.ok()?;
        let events = match live::next_events(&state.app(), &actor, &mut sub).await {
            Ok(events) => events,
            Err(e) => {
                tracing::warn!(error = %e, "live events could not be read");
                Vec::new()
            }
        };
        Some((stream::iter(events), (state, sub)))
    });
    let events = polls.flatten().map(|e| {
        let data = serde_json::json!({
            "id": e.id,
            "kind": e.kind,
            "action": e.action,
            "project": e.project,
        });
        Ok(Event::default()
            .event(e.kind)
            .id(e.id.to_string())
            .data(data.to_string()))
    });
    Ok(Sse::new(events).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}
