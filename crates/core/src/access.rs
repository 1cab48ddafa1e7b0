//! Who may do what. This is the one place the permission rules live: every page, API route, CLI
//! verb and use case asks [`authorize`] (or [`can`]) before touching anything, and the nav shows
//! exactly the sections [`can`] opens. A [`Permit`] can only be made here, so a use case that takes
//! one cannot run unchecked.
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Runs the installation: users, client companies, everything a producer can do.
    Admin,
    /// Runs projects, the schedule and billing; sees rates and costs.
    Producer,
    /// Editor, colorist, sound, VFX: sees assigned projects, logs time; no rates.
    Artist,
    /// Belongs to one client company; sees only that company's projects, never rates or costs.
    Client,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Admin, Role::Producer, Role::Artist, Role::Client];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Producer => "producer",
            Role::Artist => "artist",
            Role::Client => "client",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s.trim().to_ascii_lowercase())
    }

    /// Studio staff (everyone but client users).
    pub fn is_staff(self) -> bool {
        self != Role::Client
    }
}

/// The person asking, as far as permissions are concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user_id: i64,
    pub role: Role,
    /// Set for client users: the company whose projects they may see.
    pub client_id: Option<i64>,
    /// Projects the person is assigned to (matters for artists).
    pub member_of: Vec<i64>,
}

/// The facts about a project that decide who may see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProjectScope {
    pub project_id: i64,
    pub client_id: i64,
}

/// Everything somebody may be allowed to do. Project actions are decided with the project's
/// [`ProjectScope`]; studio actions without one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    // --- on one project ---
    /// See the project at all (a project one may not see answers "not found").
    ViewProject,
    /// Change its details, members, deliverables; archive it.
    EditProject,
    /// See who works on it (artist names, roles).
    ViewTeam,
    /// See the studio's internal notes, the audit trail and ingest logs of the project.
    ViewInternal,
    /// See where copies sit on studio storage (volume names, paths).
    ViewInternalPaths,
    /// Attach a QC run to one of its deliverables.
    UploadQc,
    /// Sign a manual QC item of a deliverable's run.
    SignQc,
    /// Set the "QC passed" milestone of a deliverable.
    MarkQcPassed,
    /// Record an ingest or verification in the project's catalog.
    RecordCatalog,
    /// See the project's plan: tasks, dependencies, the Gantt, who does what.
    ViewPlan,
    /// Change the plan: tasks, durations, dependencies, dates.
    EditPlan,
    /// Report progress on the project's tasks: status, percent done, checklist items.
    ReportProgress,
    /// Sign off picture lock, or unlock it with a reason.
    LockPicture,
    /// Log one's own time on the project (entries and the running timer).
    LogTime,
    /// Read and post in the project's client channel (the internal one needs `ViewInternal`).
    PostMessage,
    /// Promote a channel message to a decision of the project.
    RecordDecision,
    /// Approve a deliverable that passed QC, or ask for changes (the client's word, or a
    /// producer recording it for them).
    ApproveDelivery,
    // --- studio-wide ---
    CreateProject,
    /// See rates, costs and margins.
    ViewRates,
    ManageClients,
    ManageUsers,
    /// Register and edit storage volumes.
    ManageStorage,
    /// Set the studio's working week and holidays, and anyone's days off.
    ManageCalendar,
    /// Open the studio's internal sections: schedule, resources, media, QC.
    ViewStudio,
    /// Open billing.
    ViewBilling,
    /// Open the admin section (clients; users for admins).
    OpenAdmin,
    /// Read the studio-wide audit log.
    ViewAudit,
    /// Add, edit and archive bookable resources (rooms, equipment, people as resources).
    ManageResources,
    /// Book resources for projects, move, confirm and cancel bookings.
    ManageBookings,
    /// Approve anyone's weekly timesheet (which locks it).
    ApproveTime,
    /// Keep rate cards, terms and budgets; draft, issue and credit invoices.
    ManageBilling,
}

impl Action {
    pub const ALL: [Action; 31] = [
        Action::ViewProject,
        Action::EditProject,
        Action::ViewTeam,
        Action::ViewInternal,
        Action::ViewInternalPaths,
        Action::UploadQc,
        Action::SignQc,
        Action::MarkQcPassed,
        Action::RecordCatalog,
        Action::ViewPlan,
        Action::EditPlan,
        Action::ReportProgress,
        Action::LockPicture,
        Action::CreateProject,
        Action::ViewRates,
        Action::ManageClients,
        Action::ManageUsers,
        Action::ManageStorage,
        Action::ManageCalendar,
        Action::ViewStudio,
        Action::ViewBilling,
        Action::OpenAdmin,
        Action::ViewAudit,
        Action::ManageResources,
        Action::ManageBookings,
        Action::LogTime,
        Action::ApproveTime,
        Action::ManageBilling,
        Action::PostMessage,
        Action::RecordDecision,
        Action::ApproveDelivery,
    ];

    /// Whether the action concerns one project (and is decided with its scope).
    pub fn is_on_project(self) -> bool {
        use Action::*;
        matches!(
            self,
            ViewProject
                | EditProject
                | ViewTeam
                | ViewInternal
                | ViewInternalPaths
                | UploadQc
                | SignQc
                | MarkQcPassed
                | RecordCatalog
                | ViewPlan
                | EditPlan
                | ReportProgress
                | LockPicture
                | LogTime
                | PostMessage
                | RecordDecision
                | ApproveDelivery
        )
    }

    /// A short phrase for refusals: "you may not <phrase>".
    pub fn phrase(self) -> &'static str {
        use Action::*;
        match self {
            ViewProject => "see this project",
            EditProject => "change this project",
            ViewTeam => "see this project's team",
            ViewInternal => "see the studio's internal records of this project",
            ViewInternalPaths => "see where this project's media is stored",
            UploadQc => "attach QC runs to this project's deliverables",
            SignQc => "sign QC items of this project",
            MarkQcPassed => "mark this project's deliverables QC passed",
            RecordCatalog => "record media in this project's catalog",
            ViewPlan => "see this project's plan",
            EditPlan => "change this project's plan",
            ReportProgress => "report progress on this project's tasks",
            LockPicture => "sign off or unlock this project's picture lock",
            CreateProject => "create projects",
            ViewRates => "see rates and costs",
            ManageClients => "manage client companies",
            ManageUsers => "manage users",
            ManageStorage => "manage storage volumes",
            ManageCalendar => "change the studio's calendar",
            ViewStudio => "open the studio's internal pages",
            ViewBilling => "open billing",
            OpenAdmin => "open the admin section",
            ViewAudit => "read the audit log",
            ManageResources => "manage the studio's resources",
            ManageBookings => "book the studio's resources",
            LogTime => "log time on this project",
            ApproveTime => "approve timesheets",
            ManageBilling => "manage rates, budgets and invoices",
            PostMessage => "post in this project's channel",
            RecordDecision => "record decisions of this project",
            ApproveDelivery => "approve this project's deliverables",
        }
    }
}

/// Whether the actor may see the project at all.
fn sees(actor: &Actor, project: Option<ProjectScope>) -> bool {
    let Some(p) = project else { return false };
    match actor.role {
        Role::Admin | Role::Producer => true,
        Role::Artist => actor.member_of.contains(&p.project_id),
        Role::Client => actor.client_id == Some(p.client_id),
    }
}

/// Decides whether `actor` may perform `action` (on `project`, when the action concerns one).
/// A project action asked without a project is refused.
pub fn can(actor: &Actor, action: Action, project: Option<ProjectScope>) -> bool {
    use Action::*;
    use Role::*;
    if action.is_on_project() && !sees(actor, project) {
        return false;
    }
    match (actor.role, action) {
        (Admin, _) => true,
        (Producer, ManageUsers) => false,
        (Producer, _) => true,
        // Artists work on the projects they are assigned to: they see the team and the internal
        // records, run QC and ingests, sign manual QC items; the producer decides "QC passed".
        (
            Artist,
            ViewProject | ViewTeam | ViewInternal | ViewInternalPaths | UploadQc | SignQc
            | RecordCatalog | ViewPlan | ReportProgress | LogTime | PostMessage | RecordDecision,
        ) => true,
        (Artist, ViewStudio) => true,
        (Artist, _) => false,
        (Client, ViewProject | PostMessage | ApproveDelivery) => true,
        (Client, _) => false,
    }
}

/// Whether the actor sees every project of the studio (not only assigned or own-company ones).
pub fn sees_every_project(actor: &Actor) -> bool {
    matches!(actor.role, Role::Admin | Role::Producer)
}

/// Why a request was refused. `Hidden` means the project does not exist as far as the actor is
/// concerned (answered as "not found", so nobody can probe for other companies' projects).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    #[error("not found")]
    Hidden,
    #[error("you may not {}", .0.phrase())]
    Forbidden(Action),
}

/// Proof that [`authorize`] allowed `action` for `actor` (on `project`). Only this module can make
/// one; use cases take a `Permit` so they cannot be reached without the check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Permit {
    actor: Actor,
    action: Action,
    project: Option<ProjectScope>,
}

impl Permit {
    pub fn actor(&self) -> &Actor {
        &self.actor
    }
    pub fn action(&self) -> Action {
        self.action
    }
    pub fn project(&self) -> Option<ProjectScope> {
        self.project
    }
    /// The project the permit is for (for project actions).
    pub fn project_id(&self) -> Option<i64> {
        self.project.map(|p| p.project_id)
    }
    /// Whether this permit covers `action` on `project`: the same check, or a further one
    /// the same actor passes. Use cases call this to refuse a permit meant for something else.
    pub fn covers(&self, action: Action, project: Option<i64>) -> Result<(), Denied> {
        let same_project = project.is_none() || project == self.project_id();
        if self.action == action && same_project {
            return Ok(());
        }
        if same_project && can(&self.actor, action, self.project) {
            return Ok(());
        }
        Err(Denied::Forbidden(action))
    }
    /// Asks for a further action on the same project with the same actor.
    pub fn also(&self, action: Action) -> bool {
        can(&self.actor, action, self.project)
    }
}

/// Checks `action` and hands out the [`Permit`] that proves it. For project actions, a project
/// the actor may not even see is [`Denied::Hidden`].
pub fn authorize(
    actor: &Actor,
    action: Action,
    project: Option<ProjectScope>,
) -> Result<Permit, Denied> {
    if action.is_on_project() && !sees(actor, project) {
        return Err(Denied::Hidden);
    }
    if !can(actor, action, project) {
        return Err(Denied::Forbidden(action));
    }
    Ok(Permit {
        actor: actor.clone(),
        action,
        project,
    })
}

/// A section of the app's navigation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Section {
    pub label: &'static str,
    pub href: &'static str,
    /// The studio action that opens it (`None`: every signed-in person).
    pub opened_by: Option<Action>,
}

/// Every section, in nav order.
pub const SECTIONS: [Section; 11] = [
    Section {
        label: "Dashboard",
        href: "/",
        opened_by: None,
    },
    Section {
        label: "Projects",
        href: "/projects",
        opened_by: None,
    },
    Section {
        label: "My work",
        href: "/my-work",
        opened_by: Some(Action::ViewStudio),
    },
    Section {
        label: "Time",
        href: "/time",
        opened_by: Some(Action::ViewStudio),
    },
    Section {
        label: "Schedule",
        href: "/schedule",
        opened_by: Some(Action::ViewStudio),
    },
    Section {
        label: "Resources",
        href: "/resources",
        opened_by: Some(Action::ViewStudio),
    },
    Section {
        label: "Media",
        href: "/media",
        opened_by: Some(Action::ViewStudio),
    },
    Section {
        label: "Jobs",
        href: "/jobs",
        opened_by: Some(Action::ViewStudio),
    },
    Section {
        label: "QC",
        href: "/qc",
        opened_by: Some(Action::ViewStudio),
    },
    Section {
        label: "Billing",
        href: "/billing",
        opened_by: Some(Action::ViewBilling),
    },
    Section {
        label: "Admin",
        href: "/admin",
        opened_by: Some(Action::OpenAdmin),
    },
];

/// The sections the actor's nav shows: derived from [`can`], so the nav never offers a page
/// that would refuse.
pub fn nav_sections(actor: &Actor) -> Vec<Section> {
    SECTIONS
        .into_iter()
        .filter(|s| s.opened_by.is_none_or(|a| can(actor, a, None)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use Action::*;

    const OWN: ProjectScope = ProjectScope {
        project_id: 1,
        client_id: 7,
    };
    const OTHER: ProjectScope = ProjectScope {
        project_id: 2,
        client_id: 9,
    };

    /// The people of the table: each role, artists and clients on and off the project.
    fn people() -> Vec<(&'static str, Actor)> {
        let a = |role, client_id, member_of: Vec<i64>| Actor {
            user_id: 1,
            role,
            client_id,
            member_of,
        };
        vec![
            ("admin", a(Role::Admin, None, vec![])),
            ("producer", a(Role::Producer, None, vec![])),
            ("artist on project", a(Role::Artist, None, vec![1])),
            ("artist elsewhere", a(Role::Artist, None, vec![3])),
            ("client of project", a(Role::Client, Some(7), vec![])),
            ("client elsewhere", a(Role::Client, Some(8), vec![])),
            ("client without company", a(Role::Client, None, vec![])),
        ]
    }

    /// The whole rule as one table: for each action, who may do it (on project OWN for project
    /// actions). Every role × action pair is checked against it; adding an action without a
    /// row fails the test.
    fn expected(action: Action) -> &'static [&'static str] {
        const STAFF_ON_PROJECT: &[&str] = &["admin", "producer", "artist on project"];
        const RUNS_BUSINESS: &[&str] = &["admin", "producer"];
        match action {
            ViewProject => &[
                "admin",
                "producer",
                "artist on project",
                "client of project",
            ],
            EditProject => RUNS_BUSINESS,
            ViewTeam => STAFF_ON_PROJECT,
            ViewInternal => STAFF_ON_PROJECT,
            ViewInternalPaths => STAFF_ON_PROJECT,
            UploadQc => STAFF_ON_PROJECT,
            SignQc => STAFF_ON_PROJECT,
            MarkQcPassed => RUNS_BUSINESS,
            RecordCatalog => STAFF_ON_PROJECT,
            ViewPlan => STAFF_ON_PROJECT,
            EditPlan => RUNS_BUSINESS,
            ReportProgress => STAFF_ON_PROJECT,
            LockPicture => RUNS_BUSINESS,
            CreateProject => RUNS_BUSINESS,
            ViewRates => RUNS_BUSINESS,
            ManageClients => RUNS_BUSINESS,
            ManageUsers => &["admin"],
            ManageStorage => RUNS_BUSINESS,
            ManageCalendar => RUNS_BUSINESS,
            ViewStudio => &["admin", "producer", "artist on project", "artist elsewhere"],
            ViewBilling => RUNS_BUSINESS,
            OpenAdmin => RUNS_BUSINESS,
            ViewAudit => RUNS_BUSINESS,
            ManageResources => RUNS_BUSINESS,
            ManageBookings => RUNS_BUSINESS,
            LogTime => STAFF_ON_PROJECT,
            ApproveTime => RUNS_BUSINESS,
            ManageBilling => RUNS_BUSINESS,
            PostMessage => &[
                "admin",
                "producer",
                "artist on project",
                "client of project",
            ],
            RecordDecision => STAFF_ON_PROJECT,
            ApproveDelivery => &["admin", "producer", "client of project"],
        }
    }

    #[test]
    fn every_role_and_action_matches_the_table() {
        let mut mismatches = Vec::new();
        for action in Action::ALL {
            let allowed = expected(action);
            for (who, actor) in people() {
                let scope = action.is_on_project().then_some(OWN);
                let got = can(&actor, action, scope);
                if got != allowed.contains(&who) {
                    mismatches.push(format!("{who} × {action:?}: got {got}"));
                }
                // authorize agrees with can, and hides what cannot be seen.
                match authorize(&actor, action, scope) {
                    Ok(p) => {
                        assert!(got);
                        assert_eq!(p.action(), action);
                    }
                    Err(Denied::Hidden) => {
                        assert!(action.is_on_project() && !can(&actor, ViewProject, scope))
                    }
                    Err(Denied::Forbidden(a)) => assert!(!got && a == action),
                }
            }
        }
        assert!(mismatches.is_empty(), "{mismatches:#?}");
    }

    #[test]
    fn project_actions_need_a_project_the_actor_sees() {
        for (who, actor) in people() {
            for action in Action::ALL.into_iter().filter(|a| a.is_on_project()) {
                assert!(
                    !can(&actor, action, None),
                    "{who} × {action:?} without a project"
                );
                if actor.role == Role::Artist || actor.role == Role::Client {
                    assert!(
                        !can(&actor, action, Some(OTHER)),
                        "{who} × {action:?} on another project"
                    );
                }
            }
        }
    }

    #[test]
    fn a_permit_covers_only_what_its_actor_may_do() {
        let (_, artist) = people().remove(2);
        let permit = authorize(&artist, UploadQc, Some(OWN)).unwrap();
        assert!(permit.covers(UploadQc, Some(1)).is_ok());
        assert!(permit.covers(SignQc, Some(1)).is_ok());
        assert_eq!(
            permit.covers(MarkQcPassed, Some(1)),
            Err(Denied::Forbidden(MarkQcPassed))
        );
        assert_eq!(
            permit.covers(UploadQc, Some(2)),
            Err(Denied::Forbidden(UploadQc))
        );
    }

    #[test]
    fn the_nav_offers_only_sections_that_open() {
        let labels = |i: usize| -> Vec<&str> {
            nav_sections(&people()[i].1)
                .iter()
                .map(|s| s.label)
                .collect()
        };
        assert_eq!(labels(0).len(), SECTIONS.len());
        assert!(!labels(2).contains(&"Admin") && labels(2).contains(&"My work"));
        assert_eq!(labels(4), vec!["Dashboard", "Projects"]);
    }
}
