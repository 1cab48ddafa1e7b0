//! The client portal: what a client of the studio sees of their projects — the timeline of
//! milestones (planned, forecast, actual), the deliverables with a verdict in plain words, what
//! awaits their approval, issued invoices when the studio shows them — and their answer on a
//! deliverable that passed QC (approve, or ask for changes with a comment).
//!
//! Invariant: nothing here hands a page internal records. The read model is built from plain
//! fields chosen for clients (no notes, channels, rates, costs, hours, volumes, paths, probe
//! strings); people appear by their role unless the studio allows their names.
use crate::access;
use crate::audit::{record, AuditEvent};
use crate::{AppError, Context, Result};
use chrono::{DateTime, NaiveDate, Utc};
use postflow_core::access::{authorize, Action, Actor, Denied, Role};
use postflow_core::plan::MilestoneKind;
use postflow_qc_model::{Check, CheckStatus, QcReport, Verdict};
use postflow_store::delivery::Deliverable;
use postflow_store::portal::{DeliverableApproval, NewApproval};
use postflow_store::{ConnectionTrait, Repo};
use serde::Serialize;
use std::collections::HashMap;

/// Studio setting: show artists' names to clients (`true`), or only their roles (unset).
pub const SHOW_ARTIST_NAMES_SETTING: &str = "portal.show_artist_names";
/// Studio setting: show clients their issued invoices (`true`), or none (unset).
pub const SHOW_INVOICES_SETTING: &str = "portal.show_invoices";

/// The portal's switches; both off until an admin or producer turns them on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct PortalSettings {
    pub show_artist_names: bool,
    pub show_invoices: bool,
}

pub async fn settings<C: ConnectionTrait>(repo: &Repo<C>) -> Result<PortalSettings> {
    let on = |v: Option<String>| v.is_some_and(|v| v == "true");
    Ok(PortalSettings {
        show_artist_names: on(repo.studio_setting(SHOW_ARTIST_NAMES_SETTING).await?),
        show_invoices: on(repo.studio_setting(SHOW_INVOICES_SETTING).await?),
    })
}

/// Sets the portal's switches (people who manage client companies).
pub async fn set_settings(ctx: &Context, actor: &Actor, s: PortalSettings) -> Result<()> {
    access::studio(actor, Action::ManageClients)?;
    let tx = ctx.store.begin().await?;
    let text = |b: bool| if b { "true" } else { "false" };
    tx.set_studio_setting(SHOW_ARTIST_NAMES_SETTING, text(s.show_artist_names))
        .await?;
    tx.set_studio_setting(SHOW_INVOICES_SETTING, text(s.show_invoices))
        .await?;
    let onoff = |b: bool| if b { "on" } else { "off" };
    record(
        &tx,
        access::audited_user(actor),
        AuditEvent::StudioSettingChanged {
            detail: format!(
                "client portal: artist names {}, invoices {}",
                onoff(s.show_artist_names),
                onoff(s.show_invoices)
            ),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A milestone as the client's timeline shows it.
#[derive(Debug, Clone, Serialize)]
pub struct PortalMilestone {
    pub name: String,
    /// `picture_lock`, `delivered`, … (for styling).
    pub kind: &'static str,
    pub planned: NaiveDate,
    pub forecast: NaiveDate,
    pub actual: Option<NaiveDate>,
    /// Forecast later than planned, in working days.
    pub slip_days: i64,
}

/// A client's answer on a deliverable.
#[derive(Debug, Clone, Serialize)]
pub struct ApprovalView {
    pub approved: bool,
    pub comment: String,
    /// Who answered: their name (a client's own company, or the producer who recorded it).
    pub by: String,
    pub at: DateTime<Utc>,
    /// Given on the deliverable's current "QC passed" (an older answer is history).
    pub current: bool,
}

/// Where a deliverable stands, in words a client reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    /// No QC run yet.
    InProgress,
    /// The latest run failed: the problems say what.
    NeedsFixes,
    /// Checked and fine; the studio's final review is still open.
    InReview,
    /// Passed QC (the studio set the milestone): ready, awaiting the client's answer.
    Ready,
    /// Passed QC and approved by the client.
    Approved,
    /// Passed QC, and the client asked for changes.
    ChangesRequested,
}

#[derive(Debug, Clone, Serialize)]
pub struct PortalDeliverable {
    pub id: i64,
    pub project_code: String,
    pub name: String,
    pub due: Option<NaiveDate>,
    pub state: DeliveryState,
    /// "Passed QC — ready", "Needs fixes: audio too loud (−12.1 LUFS, limit −14)".
    pub verdict: String,
    /// Each failed check in plain words.
    pub problems: Vec<String>,
    /// The latest QC run, whose printable report the client may open.
    pub run_id: Option<i64>,
    pub checked_at: Option<DateTime<Utc>>,
    pub approval: Option<ApprovalView>,
    /// Passed QC and not answered yet on this pass.
    pub awaiting_approval: bool,
}

/// Someone on the project as the client sees them: a role, and a name where the studio allows.
#[derive(Debug, Clone, Serialize)]
pub struct PortalPerson {
    pub role: String,
    pub name: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PortalProject {
    pub code: String,
    pub name: String,
    pub status: String,
    pub start: NaiveDate,
    pub due: Option<NaiveDate>,
    pub planned_finish: Option<NaiveDate>,
    pub forecast_finish: Option<NaiveDate>,
    pub milestones: Vec<PortalMilestone>,
    pub deliverables: Vec<PortalDeliverable>,
    pub team: Vec<PortalPerson>,
}

/// An issued invoice or credit note addressed to the client (never a draft, never its lines).
#[derive(Debug, Clone, Serialize)]
pub struct PortalInvoice {
    pub id: i64,
    pub number: String,
    pub kind: String,
    pub project_code: Option<String>,
    pub issue_date: Option<NaiveDate>,
    pub due_date: Option<NaiveDate>,
    /// Total including VAT, formatted with its currency ("1250.00 EUR").
    pub total: String,
    pub paid: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Portal {
    pub today: NaiveDate,
    pub projects: Vec<PortalProject>,
    pub invoices: Vec<PortalInvoice>,
    pub settings: PortalSettings,
}

impl Portal {
    /// Every deliverable waiting for the client's answer.
    pub fn awaiting(&self) -> Vec<&PortalDeliverable> {
        self.projects
            .iter()
            .flat_map(|p| &p.deliverables)
            .filter(|d| d.awaiting_approval)
            .collect()
    }
}

/// The portal of the actor: every project they may see (a client's company's; staff see theirs).
pub async fn home(ctx: &Context, actor: &Actor, today: NaiveDate) -> Result<Portal> {
    let settings = settings(&ctx.store).await?;
    let projects = access::visible_projects(ctx, actor, false).await?;
    let users: HashMap<i64, postflow_store::accounts::User> = ctx
        .store
        .list_users()
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
    let mut out = Vec::new();
    for p in &projects {
        let permit = authorize(actor, Action::ViewProject, Some(access::scope(p)))?;
        let plan = crate::plan::view_for_portal(ctx, &permit, p, today).await?;
        let milestones = plan
            .milestones
            .iter()
            .filter(|m| m.kind != MilestoneKind::Archived)
            .map(|m| PortalMilestone {
                name: m.name.clone(),
                kind: m.kind.as_str(),
                planned: m.planned,
                forecast: m.forecast,
                actual: m.actual,
                slip_days: m.slip_days,
            })
            .collect();
        let ds = ctx.store.deliverables_of(p.id).await?;
        let ids: Vec<i64> = ds.iter().map(|d| d.id).collect();
        let answers = ctx.store.latest_approvals(&ids).await?;
        let mut deliverables = Vec::new();
        for d in &ds {
            deliverables.push(deliverable_view(ctx, &p.code, d, answers.get(&d.id), &users).await?);
        }
        let mut team: Vec<PortalPerson> = Vec::new();
        for uid in ctx.store.project_member_ids(p.id).await? {
            let Some(u) = users.get(&uid) else { continue };
            if u.disabled || u.role() == Role::Client {
                continue;
            }
            team.push(PortalPerson {
                role: u
                    .title
                    .clone()
                    .filter(|t| !t.trim().is_empty())
                    .unwrap_or_else(|| "Studio team".into()),
                name: settings.show_artist_names.then(|| u.name.clone()),
            });
        }
        team.sort_by(|a, b| a.role.cmp(&b.role));
        out.push(PortalProject {
            code: p.code.clone(),
            name: p.name.clone(),
            status: p.status().label().to_string(),
            start: plan.start,
            due: p.due_date,
            planned_finish: plan.planned_finish,
            forecast_finish: plan.forecast_finish,
            milestones,
            deliverables,
            team,
        });
    }
    let invoices = match (settings.show_invoices, actor.client_id) {
        (true, Some(client_id)) if actor.role == Role::Client => {
            invoices_of(&ctx.store, client_id, &projects).await?
        }
        _ => Vec::new(),
    };
    Ok(Portal {
        today,
        projects: out,
        invoices,
        settings,
    })
}

async fn invoices_of<C: ConnectionTrait>(
    repo: &Repo<C>,
    client_id: i64,
    projects: &[postflow_store::studio::Project],
) -> Result<Vec<PortalInvoice>> {
    let codes: HashMap<i64, String> = projects.iter().map(|p| (p.id, p.code.clone())).collect();
    Ok(repo
        .list_invoices(Some(client_id))
        .await?
        .into_iter()
        .filter(|i| i.client_id == client_id && i.state != "draft" && i.number_text.is_some())
        .map(|i| PortalInvoice {
            id: i.id,
            number: i.number_text.clone().unwrap_or_default(),
            kind: if i.kind == "credit_note" {
                "Credit note"
            } else {
                "Invoice"
            }
            .to_string(),
            project_code: i.project_id.and_then(|p| codes.get(&p).cloned()),
            issue_date: i.issue_date,
            due_date: i.due_date,
            total: match postflow_core::money::Currency::parse(&i.currency) {
                Ok(c) => postflow_core::money::Money::from_minor(i.gross_minor, c).to_string(),
                Err(_) => format!("{} {}", i.gross_minor, i.currency),
            },
            paid: i.state == "paid",
        })
        .collect())
}

async fn deliverable_view(
    ctx: &Context,
    code: &str,
    d: &Deliverable,
    answer: Option<&DeliverableApproval>,
    users: &HashMap<i64, postflow_store::accounts::User>,
) -> Result<PortalDeliverable> {
    let run = ctx.store.latest_qc_run(d.id).await?;
    let report = match &run {
        Some(r) => Some(crate::delivery::stored_report(r)?),
        None => None,
    };
    let approval = answer.map(|a| ApprovalView {
        approved: a.decision == "approved",
        comment: a.comment.clone(),
        by: a
            .user_id
            .and_then(|u| users.get(&u))
            .map(|u| u.name.clone())
            .unwrap_or_else(|| "the studio".into()),
        at: a.created_at,
        current: d.qc_passed_at.is_some() && a.qc_passed_at == d.qc_passed_at,
    });
    let problems = report.as_ref().map(plain_problems).unwrap_or_default();
    let current = approval.as_ref().filter(|a| a.current);
    let state = match (&report, d.qc_passed_at, current) {
        (_, Some(_), Some(a)) if a.approved => DeliveryState::Approved,
        (_, Some(_), Some(_)) => DeliveryState::ChangesRequested,
        (_, Some(_), None) => DeliveryState::Ready,
        (None, None, _) => DeliveryState::InProgress,
        (Some(r), None, _) if r.status == Verdict::Fail => DeliveryState::NeedsFixes,
        (Some(_), None, _) => DeliveryState::InReview,
    };
    let verdict = match state {
        DeliveryState::InProgress => "In progress — not checked yet".to_string(),
        DeliveryState::NeedsFixes if problems.is_empty() => "Needs fixes".to_string(),
        DeliveryState::NeedsFixes => format!("Needs fixes: {}", problems.join("; ")),
        DeliveryState::InReview => "Checked — final review at the studio".to_string(),
        DeliveryState::Ready => "Passed QC — ready for your approval".to_string(),
        DeliveryState::Approved => "Passed QC — approved".to_string(),
        DeliveryState::ChangesRequested => "Passed QC — you asked for changes".to_string(),
    };
    Ok(PortalDeliverable {
        id: d.id,
        project_code: code.to_string(),
        name: d.name.clone(),
        due: d.due_date,
        state,
        verdict,
        problems: if state == DeliveryState::NeedsFixes {
            problems
        } else {
            Vec::new()
        },
        run_id: run.as_ref().map(|r| r.id),
        checked_at: run.as_ref().map(|r| r.created_at),
        awaiting_approval: state == DeliveryState::Ready,
        approval,
    })
}

/// A number as people write it: one decimal unless whole, with a real minus sign.
fn plain_number(x: f64) -> String {
    let t = if (x - x.round()).abs() < 0.05 {
        format!("{:.0}", x.round())
    } else {
        format!("{x:.1}")
    };
    t.replace('-', "−")
}

/// The first number in a measured or expected text ("-12.1 LUFS" → -12.1).
fn first_number(s: &str) -> Option<f64> {
    let start = s.find(|c: char| c.is_ascii_digit() || c == '-' || c == '+')?;
    let rest = &s[start..];
    let end = rest
        .char_indices()
        .skip(1)
        .find(|(_, c)| !(c.is_ascii_digit() || *c == '.'))
        .map(|(i, _)| i)
        .unwrap_or(rest.len());
    rest[..end].parse().ok()
}

/// Each failed check of a report in words a client reads, without codes (duplicates once).
pub fn plain_problems(r: &QcReport) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for c in r.checks.iter().filter(|c| c.status == CheckStatus::Fail) {
        let p = plain_problem(c);
        if !out.contains(&p) {
            out.push(p);
        }
    }
    out
}

/// One failed check in plain words.
pub fn plain_problem(c: &Check) -> String {
    let id = c.id.split('[').next().unwrap_or(&c.id);
    let needs = |what: &str| format!("{what} is {}; it should be {}", c.measured, c.expected);
    match id {
        "loudness.integrated" => match (first_number(&c.measured), first_number(&c.expected)) {
            (Some(m), Some(t)) if m > t => format!(
                "audio too loud ({} LUFS, limit {})",
                plain_number(m),
                plain_number(t)
            ),
            (Some(m), Some(t)) => format!(
                "audio too quiet ({} LUFS, target {})",
                plain_number(m),
                plain_number(t)
            ),
            _ => "the audio's loudness could not be measured".into(),
        },
        "loudness.true_peak" | "loudness.max_true_peak" => match first_number(&c.measured) {
            Some(m) => format!("audio peaks too high ({} dBTP)", plain_number(m)),
            None => "audio peaks too high".into(),
        },
        "loudness.range" | "loudness.lra" => {
            "the audio's loudness range is outside the limit".into()
        }
        "audio.clipping" => "audio distorts (clipping)".into(),
        "audio.present" => "the file has no sound".into(),
        "audio.layout" => "the audio channels are not the agreed mix".into(),
        "video.present" => "the file has no picture".into(),
        "video.resolution" => needs("the picture size"),
        "video.frame_rate" | "video.constant_frame_rate" => needs("the frame rate"),
        "video.display_aspect" => needs("the picture shape"),
        "duration.expected" | "duration.min" | "duration.max" => needs("the running time"),
        "black.head" | "black.head_max" | "black.tail" | "black.tail_max" => {
            "the black at the start or end is not the agreed length".into()
        }
        "black.programme" => "unexpected black picture in the programme".into(),
        "freeze.programme" => "the picture freezes in the programme".into(),
        "silence.programme" | "silence.head" | "silence.tail" => {
            "the sound drops out (silence)".into()
        }
        "video.legal_range" => "picture levels outside the broadcast-safe range".into(),
        "bars.present" | "tone.present" | "tone.level" => {
            "line-up bars and tone are missing or wrong".into()
        }
        "file.decodes" => "the file could not be played through".into(),
        id if id.starts_with("timecode.") => "the timecode is not as agreed".into(),
        id if id.starts_with("audio.phase") => "the audio is out of phase".into(),
        id if id.starts_with("video.")
            || id.starts_with("container.")
            || id.starts_with("file.") =>
        {
            "the file's format is not what the delivery needs (the studio re-exports it)".into()
        }
        _ => "a technical check failed (the studio fixes it)".into(),
    }
}

/// A client's answer on a deliverable that passed QC. Approving needs no comment; asking for
/// changes does. Recorded with who and when, audited, and the project's producer (and the
/// deliverable's owner) told in the inbox — all in one transaction.
pub async fn decide(
    ctx: &Context,
    actor: &Actor,
    deliverable_id: i64,
    approve: bool,
    comment: &str,
) -> Result<DeliverableApproval> {
    let comment = comment.trim();
    let not_found = || AppError::NotFound(format!("deliverable {deliverable_id}"));
    let tx = ctx.store.begin().await?;
    let d = tx
        .lock_deliverable(deliverable_id)
        .await?
        .ok_or_else(not_found)?;
    let project = tx
        .project_by_id(d.project_id)
        .await?
        .ok_or_else(not_found)?;
    authorize(
        actor,
        Action::ApproveDelivery,
        Some(access::scope(&project)),
    )
    .map_err(|e| match e {
        Denied::Hidden => not_found(),
        Denied::Forbidden(a) => AppError::Forbidden(a),
    })?;
    if !approve && comment.is_empty() {
        return Err(AppError::field(
            "comment",
            "Say what should change, so the studio knows what to fix.",
        ));
    }
    if comment.chars().count() > 4000 {
        return Err(AppError::field(
            "comment",
            "Keep the comment under 4000 characters.",
        ));
    }
    let Some(passed_at) = d.qc_passed_at else {
        return Err(AppError::Conflict(format!(
            "{} has not passed QC yet; it can be approved once the studio has checked it.",
            d.name
        )));
    };
    if let Some(last) = tx.approvals_of(d.id).await?.into_iter().next() {
        if last.qc_passed_at == Some(passed_at) {
            let what = if last.decision == "approved" {
                "approved"
            } else {
                "asked for changes to"
            };
            return Err(AppError::Conflict(format!(
                "This delivery of {} was already answered: {what} on {}.",
                d.name,
                last.created_at.format("%Y-%m-%d %H:%M UTC")
            )));
        }
    }
    let user = access::audited_user(actor);
    let saved = tx
        .record_approval(NewApproval {
            deliverable_id: d.id,
            decision: if approve {
                "approved"
            } else {
                "changes_requested"
            }
            .into(),
            comment: comment.to_string(),
            user_id: user,
            qc_passed_at: Some(passed_at),
        })
        .await?;
    let who = match user {
        Some(u) => tx
            .user_by_id(u)
            .await?
            .map(|u| u.name)
            .unwrap_or_else(|| "The client".into()),
        None => "The studio".into(),
    };
    let (title, body) = if approve {
        (
            format!("{who} approved {}", d.name),
            if comment.is_empty() {
                format!("{} / {} is approved.", project.code, d.name)
            } else {
                format!("{} / {} is approved: {comment}", project.code, d.name)
            },
        )
    } else {
        (
            format!("{who} asked for changes to {}", d.name),
            format!("{} / {}: {comment}", project.code, d.name),
        )
    };
    let mut told: Vec<i64> = project.owner_id.into_iter().chain(d.owner_id).collect();
    if told.is_empty() {
        // No producer named on the project: every producer hears of it.
        told = tx
            .list_users()
            .await?
            .into_iter()
            .filter(|u| !u.disabled && u.role() == Role::Producer)
            .map(|u| u.id)
            .collect();
    }
    told.sort_unstable();
    told.dedup();
    let link = format!("/projects/{}/deliverables/{}", project.code, d.id);
    for u in told.into_iter().filter(|u| Some(*u) != user) {
        tx.notify(u, &title, &body, &link).await?;
    }
    record(
        &tx,
        user,
        AuditEvent::DeliverableApproval {
            deliverable_id: d.id,
            code: project.code.clone(),
            name: d.name.clone(),
            approved: approve,
            comment: comment.to_string(),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(saved)
}

/// A deliverable's latest QC report for the client's printable page, checked on the project.
pub async fn report(
    ctx: &Context,
    actor: &Actor,
    deliverable_id: i64,
) -> Result<(PortalDeliverable, QcReport, String)> {
    let not_found = || AppError::NotFound(format!("deliverable {deliverable_id}"));
    let d = ctx
        .store
        .deliverable_by_id(deliverable_id)
        .await?
        .ok_or_else(not_found)?;
    let project = ctx
        .store
        .project_by_id(d.project_id)
        .await?
        .ok_or_else(not_found)?;
    authorize(actor, Action::ViewProject, Some(access::scope(&project)))
        .map_err(|_| not_found())?;
    let run = ctx.store.latest_qc_run(d.id).await?.ok_or_else(not_found)?;
    let report = crate::delivery::stored_report(&run)?;
    let users: HashMap<i64, postflow_store::accounts::User> = ctx
        .store
        .list_users()
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
    let answers = ctx.store.latest_approvals(&[d.id]).await?;
    let view = deliverable_view(ctx, &project.code, &d, answers.get(&d.id), &users).await?;
    Ok((view, report, project.name))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(id: &str, expected: &str, measured: &str) -> Check {
        Check {
            id: id.into(),
            profile: "youtube".into(),
            status: CheckStatus::Fail,
            expected: expected.into(),
            measured: measured.into(),
            message: "raw".into(),
        }
    }

    #[test]
    fn failed_checks_read_in_plain_words() {
        assert_eq!(
            plain_problem(&check(
                "loudness.integrated",
                "-14.0 LUFS ± 1.0 LU",
                "-12.1 LUFS"
            )),
            "audio too loud (−12.1 LUFS, limit −14)"
        );
        assert_eq!(
            plain_problem(&check(
                "loudness.integrated[1]",
                "-23.0 LUFS ± 0.5 LU",
                "-30.4 LUFS"
            )),
            "audio too quiet (−30.4 LUFS, target −23)"
        );
        assert_eq!(
            plain_problem(&check("video.resolution", "1080x1920", "1920x1080")),
            "the picture size is 1920x1080; it should be 1080x1920"
        );
        assert!(!plain_problem(&check("video.pix_fmt", "yuv420p", "yuv422p10le")).contains("yuv"));
    }
}
