//! Client companies, projects and their members, rooms and the audit log.
use crate::entities::{audit, client, project, project_member, resource};
use crate::{map_unique, now, Repo, Result, StoreError};
use chrono::NaiveDate;
use postflow_core::project::{Code, ProjectStatus};
use sea_orm::sea_query::{Expr, ExprTrait};

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};

pub use crate::entities::audit::Model as AuditEntry;
pub use crate::entities::client::Model as Client;
pub use crate::entities::project::Model as Project;
pub use crate::entities::resource::Model as Resource;

/// A resource's details as the store writes them (validated by the application layer).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResourceInput {
    pub name: String,
    pub kind: String,
    pub notes: Option<String>,
    /// At least 1.
    pub capacity: i64,
    /// Per hour, in integer minor units, with its currency.
    pub cost_rate: Option<(i64, String)>,
    pub user_id: Option<i64>,
    pub skills: Vec<String>,
    /// `studio` or `always`.
    pub calendar: String,
}

impl Default for ResourceInput {
    fn default() -> Self {
        ResourceInput {
            name: String::new(),
            kind: String::new(),
            notes: None,
            capacity: 1,
            cost_rate: None,
            user_id: None,
            skills: Vec::new(),
            calendar: "studio".into(),
        }
    }
}

impl ResourceInput {
    fn apply(self, row: &mut resource::ActiveModel) {
        row.name = Set(self.name);
        row.kind = Set(self.kind);
        row.notes = Set(self.notes);
        row.capacity = Set(Ord::max(self.capacity, 1));
        let (rate, currency) = self.cost_rate.unzip();
        row.cost_rate_minor = Set(rate);
        row.cost_currency = Set(currency);
        row.user_id = Set(self.user_id);
        row.skills = Set(self.skills.join(","));
        row.calendar = Set(self.calendar);
    }
}

impl Resource {
    /// The skills as a list (stored comma-separated).
    pub fn skill_list(&self) -> Vec<String> {
        self.skills
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect()
    }
}

#[derive(Debug, Clone)]
pub struct ClientInput {
    pub code: Code,
    pub name: String,
    pub contact_email: Option<String>,
}

#[derive(Debug, Clone)]
pub struct ProjectInput {
    pub code: Code,
    pub name: String,
    pub client_id: i64,
    pub status: ProjectStatus,
    pub start_date: Option<NaiveDate>,
    pub due_date: Option<NaiveDate>,
}

/// Which projects to list. `None` means no restriction on that axis.
#[derive(Debug, Clone, Default)]
pub struct ProjectFilter {
    pub client_id: Option<i64>,
    /// Only projects this user is a member of.
    pub member_user_id: Option<i64>,
    pub include_archived: bool,
}

impl Project {
    /// The project's status. Rows are checked when read ([`checked`]), so this never guesses.
    pub fn status(&self) -> ProjectStatus {
        ProjectStatus::parse(&self.status).unwrap_or(ProjectStatus::Bidding)
    }
}

/// Refuses a row whose status this build does not know (written by a newer postflow or by
/// hand) instead of showing it as something it is not.
fn checked(p: Project) -> Result<Project> {
    match ProjectStatus::parse(&p.status) {
        Some(_) => Ok(p),
        None => Err(StoreError::Corrupt(format!(
            "project {} has the unknown status {:?}; it was written by a newer postflow or edited by hand",
            p.code, p.status
        ))),
    }
}

/// One page of the project list, filtered and ordered by the database.
#[derive(Debug, Clone, Default)]
pub struct ProjectListQuery {
    pub filter: ProjectFilter,
    pub status: Option<ProjectStatus>,
    /// Matches code, name or client name, any case; `%` and `_` literally.
    pub search: String,
    pub limit: u64,
    pub offset: u64,
}

/// A row of the project list: the project with its client's name (one joined query).
#[derive(Debug, Clone)]
pub struct ProjectListRow {
    pub project: Project,
    pub client_name: String,
}

/// Rows of a list page and how many match in all.
#[derive(Debug, Clone)]
pub struct ListPage<T> {
    pub rows: Vec<T>,
    pub total: u64,
}

impl<C: ConnectionTrait> Repo<C> {
    // --- client companies -------------------------------------------------------------------

    pub async fn create_client(&self, input: ClientInput) -> Result<Client> {
        let code = input.code.to_string();
        client::ActiveModel {
            code: Set(code.clone()),
            name: Set(input.name),
            contact_email: Set(input.contact_email),
            archived: Set(false),
            created_at: Set(now()),
            ..Default::default()
        }
        .insert(self.conn())
        .await
        .map_err(|e| map_unique(e, "client code", &code))
    }

    pub async fn update_client(&self, id: i64, input: ClientInput) -> Result<Client> {
        let existing = self
            .client_by_id(id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("client {id}")))?;
        let code = input.code.to_string();
        let mut row: client::ActiveModel = existing.into();
        row.code = Set(code.clone());
        row.name = Set(input.name);
        row.contact_email = Set(input.contact_email);
        row.update(self.conn())
            .await
            .map_err(|e| map_unique(e, "client code", &code))
    }

    pub async fn set_client_archived(&self, id: i64, archived: bool) -> Result<()> {
        let existing = self
            .client_by_id(id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("client {id}")))?;
        let mut row: client::ActiveModel = existing.into();
        row.archived = Set(archived);
        row.update(self.conn()).await?;
        Ok(())
    }

    pub async fn client_by_id(&self, id: i64) -> Result<Option<Client>> {
        Ok(client::Entity::find_by_id(id).one(self.conn()).await?)
    }

    /// How many open (not archived) projects each client company has, counted by the database.
    pub async fn open_project_counts(&self) -> Result<std::collections::HashMap<i64, i64>> {
        use sea_orm::QuerySelect;
        let rows: Vec<(i64, i64)> = project::Entity::find()
            .select_only()
            .column(project::Column::ClientId)
            .column_as(project::Column::Id.count(), "open_projects")
            .filter(project::Column::Archived.eq(false))
            .group_by(project::Column::ClientId)
            .into_tuple()
            .all(self.conn())
            .await?;
        Ok(rows.into_iter().collect())
    }

    pub async fn list_clients(&self, include_archived: bool) -> Result<Vec<Client>> {
        let mut q = client::Entity::find().order_by_asc(client::Column::Name);
        if !include_archived {
            q = q.filter(client::Column::Archived.eq(false));
        }
        Ok(q.all(self.conn()).await?)
    }

    // --- projects ---------------------------------------------------------------------------

    pub async fn create_project(&self, input: ProjectInput) -> Result<Project> {
        if self.client_by_id(input.client_id).await?.is_none() {
            return Err(StoreError::NotFound(format!("client {}", input.client_id)));
        }
        let code = input.code.to_string();
        let t = now();
        project::ActiveModel {
            code: Set(code.clone()),
            name: Set(input.name),
            client_id: Set(input.client_id),
            status: Set(input.status.as_str().to_string()),
            start_date: Set(input.start_date),
            due_date: Set(input.due_date),
            archived: Set(false),
            version: Set(1),
            created_at: Set(t),
            updated_at: Set(t),
            ..Default::default()
        }
        .insert(self.conn())
        .await
        .map_err(|e| map_unique(e, "project code", &code))
    }

    /// Updates a project only if nobody changed it since `expected_version` was read, so two
    /// people editing at once cannot silently overwrite each other.
    pub async fn update_project(
        &self,
        id: i64,
        expected_version: i64,
        input: ProjectInput,
    ) -> Result<Project> {
        if self.client_by_id(input.client_id).await?.is_none() {
            return Err(StoreError::NotFound(format!("client {}", input.client_id)));
        }
        let code = input.code.to_string();
        let result = project::Entity::update_many()
            .col_expr(project::Column::Code, Expr::value(code.clone()))
            .col_expr(project::Column::Name, Expr::value(input.name))
            .col_expr(project::Column::ClientId, Expr::value(input.client_id))
            .col_expr(project::Column::Status, Expr::value(input.status.as_str()))
            .col_expr(project::Column::StartDate, Expr::value(input.start_date))
            .col_expr(project::Column::DueDate, Expr::value(input.due_date))
            .col_expr(project::Column::UpdatedAt, Expr::value(now()))
            .col_expr(
                project::Column::Version,
                Expr::col(project::Column::Version).add(1),
            )
            .filter(project::Column::Id.eq(id))
            .filter(project::Column::Version.eq(expected_version))
            .exec(self.conn())
            .await
            .map_err(|e| map_unique(e, "project code", &code))?;
        if result.rows_affected == 0 {
            return match self.project_by_id(id).await? {
                None => Err(StoreError::NotFound(format!("project {id}"))),
                Some(_) => Err(StoreError::Conflict(
                    "someone else changed this project while you were editing; reload it and apply your change again"
                        .to_string(),
                )),
            };
        }
        self.project_by_id(id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("project {id}")))
    }

    pub async fn set_project_archived(&self, id: i64, archived: bool) -> Result<()> {
        let result = project::Entity::update_many()
            .col_expr(project::Column::Archived, Expr::value(archived))
            .col_expr(project::Column::UpdatedAt, Expr::value(now()))
            .col_expr(
                project::Column::Version,
                Expr::col(project::Column::Version).add(1),
            )
            .filter(project::Column::Id.eq(id))
            .exec(self.conn())
            .await?;
        if result.rows_affected == 0 {
            return Err(StoreError::NotFound(format!("project {id}")));
        }
        Ok(())
    }

    pub async fn project_by_id(&self, id: i64) -> Result<Option<Project>> {
        project::Entity::find_by_id(id)
            .one(self.conn())
            .await?
            .map(checked)
            .transpose()
    }

    pub async fn project_by_code(&self, code: &Code) -> Result<Option<Project>> {
        project::Entity::find()
            .filter(project::Column::Code.eq(code.as_str()))
            .one(self.conn())
            .await?
            .map(checked)
            .transpose()
    }

    /// The project list as one joined, filtered, paginated query (no per-row lookups).
    pub async fn project_list(&self, query: &ProjectListQuery) -> Result<ListPage<ProjectListRow>> {
        use sea_orm::sea_query::{Func, Query};
        use sea_orm::{PaginatorTrait, QuerySelect};
        let f = &query.filter;
        let mut q = project::Entity::find().find_also_related(client::Entity);
        if let Some(c) = f.client_id {
            q = q.filter(project::Column::ClientId.eq(c));
        }
        if !f.include_archived {
            q = q.filter(project::Column::Archived.eq(false));
        }
        if let Some(u) = f.member_user_id {
            q = q.filter(
                project::Column::Id.in_subquery(
                    Query::select()
                        .column(project_member::Column::ProjectId)
                        .from(project_member::Entity)
                        .and_where(project_member::Column::UserId.eq(u))
                        .to_owned(),
                ),
            );
        }
        if let Some(st) = query.status {
            q = q.filter(project::Column::Status.eq(st.as_str()));
        }
        if !query.search.trim().is_empty() {
            let lower = |c: sea_orm::sea_query::SimpleExpr| Expr::expr(Func::lower(c));
            let pattern = crate::catalog::contains_pattern(&query.search);
            q = q.filter(
                sea_orm::Condition::any()
                    .add(
                        lower(Expr::col((project::Entity, project::Column::Code)).into())
                            .like(pattern.clone()),
                    )
                    .add(
                        lower(Expr::col((project::Entity, project::Column::Name)).into())
                            .like(pattern.clone()),
                    )
                    .add(
                        lower(Expr::col((client::Entity, client::Column::Name)).into())
                            .like(pattern),
                    ),
            );
        }
        let total = q.clone().count(self.conn()).await?;
        let rows = q
            .order_by_asc(project::Column::DueDate)
            .order_by_asc(project::Column::Code)
            .limit(Ord::max(query.limit, 1))
            .offset(query.offset)
            .all(self.conn())
            .await?;
        let rows = rows
            .into_iter()
            .map(|(p, c)| {
                Ok(ProjectListRow {
                    project: checked(p)?,
                    client_name: c.map(|c| c.name).unwrap_or_default(),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(ListPage { rows, total })
    }

    pub async fn list_projects(&self, filter: &ProjectFilter) -> Result<Vec<Project>> {
        let mut q = project::Entity::find()
            .order_by_asc(project::Column::DueDate)
            .order_by_asc(project::Column::Code);
        if let Some(c) = filter.client_id {
            q = q.filter(project::Column::ClientId.eq(c));
        }
        if !filter.include_archived {
            q = q.filter(project::Column::Archived.eq(false));
        }
        if let Some(u) = filter.member_user_id {
            let ids = self.project_ids_of_member(u).await?;
            q = q.filter(project::Column::Id.is_in(ids));
        }
        q.all(self.conn()).await?.into_iter().map(checked).collect()
    }

    pub async fn add_project_member(&self, project_id: i64, user_id: i64) -> Result<()> {
        let exists = project_member::Entity::find_by_id((project_id, user_id))
            .one(self.conn())
            .await?;
        if exists.is_none() {
            project_member::ActiveModel {
                project_id: Set(project_id),
                user_id: Set(user_id),
            }
            .insert(self.conn())
            .await?;
        }
        Ok(())
    }

    pub async fn remove_project_member(&self, project_id: i64, user_id: i64) -> Result<()> {
        project_member::Entity::delete_by_id((project_id, user_id))
            .exec(self.conn())
            .await?;
        Ok(())
    }

    pub async fn project_ids_of_member(&self, user_id: i64) -> Result<Vec<i64>> {
        Ok(project_member::Entity::find()
            .filter(project_member::Column::UserId.eq(user_id))
            .all(self.conn())
            .await?
            .into_iter()
            .map(|m| m.project_id)
            .collect())
    }

    pub async fn project_member_ids(&self, project_id: i64) -> Result<Vec<i64>> {
        Ok(project_member::Entity::find()
            .filter(project_member::Column::ProjectId.eq(project_id))
            .all(self.conn())
            .await?
            .into_iter()
            .map(|m| m.user_id)
            .collect())
    }

    // --- rooms and other resources -----------------------------------------------------------

    pub async fn create_resource(
        &self,
        name: String,
        kind: String,
        notes: Option<String>,
    ) -> Result<Resource> {
        self.insert_resource(ResourceInput {
            name,
            kind,
            notes,
            ..ResourceInput::default()
        })
        .await
    }

    pub async fn insert_resource(&self, input: ResourceInput) -> Result<Resource> {
        let mut row = resource::ActiveModel {
            archived: Set(false),
            ..Default::default()
        };
        input.apply(&mut row);
        Ok(row.insert(self.conn()).await?)
    }

    /// Rewrites a resource's details (not its archived flag). Lowering the capacity below what
    /// confirmed bookings hold is refused by [`crate::Tx::update_resource_checked`]; this is the
    /// plain write it uses.
    pub(crate) async fn write_resource(&self, id: i64, input: ResourceInput) -> Result<Resource> {
        let found = self
            .resource_by_id(id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("resource {id}")))?;
        let mut row: resource::ActiveModel = found.into();
        input.apply(&mut row);
        Ok(row.update(self.conn()).await?)
    }

    pub async fn set_resource_archived(&self, id: i64, archived: bool) -> Result<Resource> {
        let found = self
            .resource_by_id(id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("resource {id}")))?;
        let mut row: resource::ActiveModel = found.into();
        row.archived = Set(archived);
        Ok(row.update(self.conn()).await?)
    }

    pub async fn resource_by_id(&self, id: i64) -> Result<Option<Resource>> {
        Ok(resource::Entity::find_by_id(id).one(self.conn()).await?)
    }

    /// The resources in use (not archived), by kind and name.
    pub async fn list_resources(&self) -> Result<Vec<Resource>> {
        self.resources(false).await
    }

    /// Every resource by kind and name; archived ones only when asked.
    pub async fn resources(&self, with_archived: bool) -> Result<Vec<Resource>> {
        let mut q = resource::Entity::find();
        if !with_archived {
            q = q.filter(resource::Column::Archived.eq(false));
        }
        Ok(q.order_by_asc(resource::Column::Kind)
            .order_by_asc(resource::Column::Name)
            .order_by_asc(resource::Column::Id)
            .all(self.conn())
            .await?)
    }

    // --- audit log --------------------------------------------------------------------------

    pub async fn audit(
        &self,
        user_id: Option<i64>,
        action: &str,
        entity: &str,
        entity_id: Option<i64>,
        detail: String,
    ) -> Result<()> {
        audit::ActiveModel {
            at: Set(now()),
            user_id: Set(user_id),
            action: Set(action.to_string()),
            entity: Set(entity.to_string()),
            entity_id: Set(entity_id),
            detail: Set(detail),
            ..Default::default()
        }
        .insert(self.conn())
        .await?;
        Ok(())
    }

    pub async fn recent_audit(&self, limit: u64) -> Result<Vec<AuditEntry>> {
        use sea_orm::QuerySelect;
        Ok(audit::Entity::find()
            .order_by_desc(audit::Column::Id)
            .limit(limit)
            .all(self.conn())
            .await?)
    }
}
