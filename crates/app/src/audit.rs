//! The audit trail's events as types: each use case writes exactly one, in its own transaction,
//! so a change is never recorded without its event nor an event without its change.
use postflow_store::{ConnectionTrait, Repo, Result};

/// Something that happened, worth a line in the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditEvent {
    ProjectCreated {
        project_id: i64,
        code: String,
    },
    ProjectEdited {
        project_id: i64,
        code: String,
    },
    ProjectArchived {
        project_id: i64,
        code: String,
        archived: bool,
    },
    MemberAdded {
        project_id: i64,
        code: String,
        user_id: i64,
        name: String,
    },
    MemberRemoved {
        project_id: i64,
        code: String,
        user_id: i64,
        name: String,
    },
    VolumeRegistered {
        volume_id: i64,
        label: String,
        updated: bool,
    },
    DeliverableAdded {
        deliverable_id: i64,
        name: String,
        code: String,
    },
    QcRunRecorded {
        deliverable_id: i64,
        name: String,
        code: String,
        /// `pass` or `fail`, recomputed from the checks.
        status: String,
    },
    ClientSaved {
        client_id: i64,
        code: String,
        name: String,
    },
    ClientArchived {
        client_id: i64,
        name: String,
        archived: bool,
    },
    UserAdded {
        user_id: i64,
        email: String,
        role: postflow_core::access::Role,
    },
    UserEdited {
        user_id: i64,
        email: String,
        role: postflow_core::access::Role,
    },
    PasswordReset {
        user_id: i64,
        email: String,
    },
    TokenRevoked {
        token_id: i64,
        email: String,
        by_owner: bool,
    },
    UserDisabled {
        user_id: i64,
        email: String,
        disabled: bool,
    },
    /// Any change to a project's tasks, dependencies or plan settings, described.
    TaskChanged {
        project_id: i64,
        detail: String,
    },
    PlanFromTemplate {
        project_id: i64,
        code: String,
        template: String,
        tasks: usize,
    },
    PictureLock {
        project_id: i64,
        code: String,
        locked: bool,
        reason: String,
    },
    TemplateSaved {
        key: String,
        code: String,
    },
    CalendarChanged {
        detail: String,
    },
    /// Time logged, edited or deleted, a timer started or stopped, a week approved.
    TimeChanged {
        entry_id: Option<i64>,
        verb: &'static str,
        detail: String,
    },
    /// A rate card, rate, client's billing details, terms, budget or invoice changed; an invoice
    /// drafted, issued (with its number), paid or credited.
    BillingChanged {
        entity: &'static str,
        id: i64,
        verb: &'static str,
        detail: String,
    },
    JobEnqueued {
        job_id: i64,
        kind: String,
        project_code: Option<String>,
    },
    JobCancelled {
        job_id: i64,
        kind: String,
        was_running: bool,
    },
    JobRetried {
        job_id: i64,
        kind: String,
    },
    /// A `.cube` LUT added to a project's library.
    LutAdded {
        project_id: i64,
        code: String,
        name: String,
        kind: String,
    },
    /// A resource added (`create`), edited (`update`), archived or restored.
    ResourceChanged {
        resource_id: i64,
        verb: &'static str,
        detail: String,
    },
    /// A booking made (`create`), moved or re-statused (`update`) or cancelled (`cancel`).
    BookingChanged {
        booking_id: i64,
        verb: &'static str,
        detail: String,
    },
    /// A channel message posted (`create`), edited (`update`), promoted to a decision
    /// (`decide`) or to a task (`task`). Webhook event type `message.<verb>`.
    MessageChanged {
        message_id: i64,
        verb: &'static str,
        detail: String,
    },
    /// A deliverable that passed QC approved (`approve`) or sent back with a comment
    /// (`request_changes`) — by the client, or a producer recording their word.
    DeliverableApproval {
        deliverable_id: i64,
        code: String,
        name: String,
        approved: bool,
        comment: String,
    },
    /// One of the studio's settings changed (the client portal's switches), described.
    StudioSettingChanged {
        detail: String,
    },
}

impl AuditEvent {
    /// (action, entity, entity id, detail) as the audit log stores them.
    pub fn row(&self) -> (&'static str, &'static str, Option<i64>, String) {
        use AuditEvent::*;
        match self {
            TimeChanged {
                entry_id,
                verb,
                detail,
            } => (verb, "time_entry", *entry_id, detail.clone()),
            BillingChanged {
                entity,
                id,
                verb,
                detail,
            } => (verb, entity, Some(*id), detail.clone()),
            JobEnqueued {
                job_id,
                kind,
                project_code,
            } => {
                let detail = match project_code {
                    Some(code) => format!("queued {kind} job {job_id} for {code}"),
                    None => format!("queued {kind} job {job_id}"),
                };
                ("create", "job", Some(*job_id), detail)
            }
            JobCancelled {
                job_id,
                kind,
                was_running,
            } => {
                let detail = if *was_running {
                    format!("asked the worker to stop {kind} job {job_id}")
                } else {
                    format!("cancelled {kind} job {job_id}")
                };
                ("cancel", "job", Some(*job_id), detail)
            }
            ResourceChanged {
                resource_id,
                verb,
                detail,
            } => (verb, "resource", Some(*resource_id), detail.clone()),
            BookingChanged {
                booking_id,
                verb,
                detail,
            } => (verb, "booking", Some(*booking_id), detail.clone()),
            MessageChanged {
                message_id,
                verb,
                detail,
            } => (verb, "message", Some(*message_id), detail.clone()),
            DeliverableApproval {
                deliverable_id,
                code,
                name,
                approved,
                comment,
            } => {
                let (verb, what) = if *approved {
                    ("approve", "approved")
                } else {
                    ("request_changes", "asked for changes to")
                };
                let detail = if comment.is_empty() {
                    format!("{what} {code} / {name}")
                } else {
                    format!("{what} {code} / {name}: {comment}")
                };
                (verb, "deliverable", Some(*deliverable_id), detail)
            }
            StudioSettingChanged { detail } => ("update", "studio_setting", None, detail.clone()),
            JobRetried { job_id, kind } => (
                "retry",
                "job",
                Some(*job_id),
                format!("queued {kind} job {job_id} again"),
            ),
            LutAdded {
                project_id,
                code,
                name,
                kind,
            } => (
                "create",
                "lut",
                Some(*project_id),
                format!("added the {kind} LUT {name:?} to {code}"),
            ),
            TaskChanged { project_id, detail } => {
                ("update", "plan", Some(*project_id), detail.clone())
            }
            PlanFromTemplate {
                project_id,
                code,
                template,
                tasks,
            } => (
                "create",
                "plan",
                Some(*project_id),
                format!("planned {code} from the {template} template ({tasks} tasks)"),
            ),
            PictureLock {
                project_id,
                code,
                locked,
                reason,
            } => {
                if *locked {
                    (
                        "lock",
                        "plan",
                        Some(*project_id),
                        format!("signed off picture lock of {code}"),
                    )
                } else {
                    (
                        "unlock",
                        "plan",
                        Some(*project_id),
                        format!("unlocked picture of {code}: {reason}"),
                    )
                }
            }
            TemplateSaved { key, code } => (
                "create",
                "template",
                None,
                format!("saved the plan of {code} as template {key}"),
            ),
            QcRunRecorded {
                deliverable_id,
                name,
                code,
                status,
            } => (
                "qc",
                "deliverable",
                Some(*deliverable_id),
                format!("QC {status} for {code} / {name}"),
            ),
            CalendarChanged { detail } => ("update", "calendar", None, detail.clone()),
            ProjectCreated { project_id, code } => (
                "create",
                "project",
                Some(*project_id),
                format!("created project {code}"),
            ),
            ProjectEdited { project_id, code } => (
                "update",
                "project",
                Some(*project_id),
                format!("edited project {code}"),
            ),
            ProjectArchived {
                project_id,
                code,
                archived,
            } => {
                let verb = if *archived { "archive" } else { "restore" };
                (
                    verb,
                    "project",
                    Some(*project_id),
                    format!("{verb}d project {code}"),
                )
            }
            MemberAdded {
                project_id,
                code,
                name,
                ..
            } => (
                "update",
                "project",
                Some(*project_id),
                format!("added {name} to {code}"),
            ),
            MemberRemoved {
                project_id,
                code,
                name,
                ..
            } => (
                "update",
                "project",
                Some(*project_id),
                format!("removed {name} from {code}"),
            ),
            UserAdded {
                user_id,
                email,
                role,
            } => (
                "create",
                "user",
                Some(*user_id),
                format!("added {email} as {}", role.as_str()),
            ),
            UserEdited {
                user_id,
                email,
                role,
            } => (
                "update",
                "user",
                Some(*user_id),
                format!("edited {email} ({})", role.as_str()),
            ),
            TokenRevoked {
                token_id,
                email,
                by_owner,
            } => {
                let detail = if *by_owner {
                    format!("{email} revoked API token {token_id}")
                } else {
                    format!("revoked API token {token_id} of {email}")
                };
                ("revoke", "api_token", Some(*token_id), detail)
            }
            PasswordReset { user_id, email } => (
                "update",
                "user",
                Some(*user_id),
                format!("password of {email} set; their sessions and API tokens ended"),
            ),
            UserDisabled {
                user_id,
                email,
                disabled,
            } => {
                let verb = if *disabled { "disabled" } else { "enabled" };
                ("update", "user", Some(*user_id), format!("{verb} {email}"))
            }
            ClientSaved {
                client_id,
                code,
                name,
            } => (
                "save",
                "client",
                Some(*client_id),
                format!("saved client {name} ({code})"),
            ),
            ClientArchived {
                client_id,
                name,
                archived,
            } => {
                let (verb, done) = if *archived {
                    ("archive", "archived")
                } else {
                    ("restore", "restored")
                };
                (
                    verb,
                    "client",
                    Some(*client_id),
                    format!("{done} client {name}"),
                )
            }
            DeliverableAdded {
                deliverable_id,
                name,
                code,
            } => (
                "create",
                "deliverable",
                Some(*deliverable_id),
                format!("added deliverable {name} to {code}"),
            ),
            VolumeRegistered {
                volume_id,
                label,
                updated,
            } => {
                let what = if *updated {
                    "updated volume"
                } else {
                    "registered volume"
                };
                (
                    "upsert",
                    "volume",
                    Some(*volume_id),
                    format!("{what} {label}"),
                )
            }
        }
    }
}

/// Writes `event` as done by `user_id` (None: the system), on the use case's transaction.
pub async fn record<C: ConnectionTrait>(
    repo: &Repo<C>,
    user_id: Option<i64>,
    event: AuditEvent,
) -> Result<()> {
    let (action, entity, entity_id, detail) = event.row();
    // The webhook outbox is written on the same transaction: the event goes out exactly when
    // the change commits.
    crate::webhooks::outbox(repo, user_id, (action, entity, entity_id, &detail)).await?;
    repo.audit(user_id, action, entity, entity_id, detail).await
}
