//! Who may do what. This is the one place the permission rules live; every page and API route
//! asks [`can`] (through the web crate's guard) before touching a project.
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    ViewProject,
    EditProject,
    CreateProject,
    ViewRates,
    ManageClients,
    ManageUsers,
    ViewStudio,
}

/// Decides whether `actor` may perform `action` (on `project`, when the action concerns one).
pub fn can(actor: &Actor, action: Action, project: Option<ProjectScope>) -> bool {
    use Action::*;
    use Role::*;
    match (actor.role, action) {
        (Admin, _) => true,
        (Producer, ManageUsers) => false,
        (Producer, _) => true,
        (Artist, ViewProject) => project.is_some_and(|p| actor.member_of.contains(&p.project_id)),
        (Artist, ViewStudio) => true,
        (Artist, _) => false,
        (Client, ViewProject) => match (project, actor.client_id) {
            (Some(p), Some(c)) => p.client_id == c,
            _ => false,
        },
        (Client, _) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(role: Role, client_id: Option<i64>, member_of: Vec<i64>) -> Actor {
        Actor {
            user_id: 1,
            role,
            client_id,
            member_of,
        }
    }

    #[test]
    fn clients_see_only_their_company() {
        let c = actor(Role::Client, Some(7), vec![]);
        let own = ProjectScope {
            project_id: 1,
            client_id: 7,
        };
        let other = ProjectScope {
            project_id: 2,
            client_id: 8,
        };
        assert!(can(&c, Action::ViewProject, Some(own)));
        assert!(!can(&c, Action::ViewProject, Some(other)));
        assert!(!can(&c, Action::EditProject, Some(own)));
        assert!(!can(&c, Action::ViewRates, None));
        assert!(!can(&c, Action::ViewStudio, None));
        // A client account without a company sees nothing.
        assert!(!can(
            &actor(Role::Client, None, vec![]),
            Action::ViewProject,
            Some(own)
        ));
    }

    #[test]
    fn artists_see_assigned_projects_without_rates() {
        let a = actor(Role::Artist, None, vec![1]);
        assert!(can(
            &a,
            Action::ViewProject,
            Some(ProjectScope {
                project_id: 1,
                client_id: 7
            })
        ));
        assert!(!can(
            &a,
            Action::ViewProject,
            Some(ProjectScope {
                project_id: 2,
                client_id: 7
            })
        ));
        assert!(!can(&a, Action::ViewRates, None));
        assert!(!can(
            &a,
            Action::EditProject,
            Some(ProjectScope {
                project_id: 1,
                client_id: 7
            })
        ));
    }

    #[test]
    fn producers_run_projects_but_not_users() {
        let p = actor(Role::Producer, None, vec![]);
        assert!(can(
            &p,
            Action::EditProject,
            Some(ProjectScope {
                project_id: 9,
                client_id: 1
            })
        ));
        assert!(can(&p, Action::ViewRates, None));
        assert!(!can(&p, Action::ManageUsers, None));
        assert!(can(
            &actor(Role::Admin, None, vec![]),
            Action::ManageUsers,
            None
        ));
    }
}
