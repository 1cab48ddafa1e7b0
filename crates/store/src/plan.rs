//! Plans as rows: stages, tasks, dependencies, assignees, the picture-lock history, the studio's
//! working calendar and saved templates. The schedule itself is computed in `core::plan`.
use crate::entities::{
    calendar_day, plan_event, plan_stage, plan_template, project, studio_setting, task,
    task_assignee, task_dependency,
};
use crate::{map_unique, now, Repo, Result, StoreError};
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};

pub use crate::entities::calendar_day::Model as CalendarDay;
pub use crate::entities::plan_event::Model as PlanEvent;
pub use crate::entities::plan_stage::Model as PlanStage;
pub use crate::entities::plan_template::Model as SavedTemplate;
pub use crate::entities::task::Model as Task;
pub use crate::entities::task_dependency::Model as TaskDependency;

/// Everything a task row holds that a person edits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskInput {
    pub key: String,
    pub name: String,
    pub stage: String,
    pub position: i64,
    pub duration_days: i64,
    pub duration_hours: Option<i64>,
    pub status: String,
    pub resource_kind: Option<String>,
    pub skill: Option<String>,
    pub checklist_json: String,
    pub milestone: Option<String>,
    pub editorial: bool,
    pub notes: String,
    pub percent_complete: i64,
    pub start_no_earlier: Option<NaiveDate>,
    pub finish_by: Option<NaiveDate>,
    pub actual_start: Option<NaiveDate>,
    pub actual_finish: Option<NaiveDate>,
}

impl TaskInput {
    pub fn of(t: &Task) -> TaskInput {
        TaskInput {
            key: t.key.clone(),
            name: t.name.clone(),
            stage: t.stage.clone(),
            position: t.position,
            duration_days: t.duration_days,
            duration_hours: t.duration_hours,
            status: t.status.clone(),
            resource_kind: t.resource_kind.clone(),
            skill: t.skill.clone(),
            checklist_json: t.checklist.clone(),
            milestone: t.milestone.clone(),
            editorial: t.editorial,
            notes: t.notes.clone(),
            percent_complete: t.percent_complete,
            start_no_earlier: t.start_no_earlier,
            finish_by: t.finish_by,
            actual_start: t.actual_start,
            actual_finish: t.actual_finish,
        }
    }
}

/// A project's whole plan as stored, read in four queries.
#[derive(Debug, Clone, Default)]
pub struct PlanRows {
    pub stages: Vec<PlanStage>,
    pub tasks: Vec<Task>,
    pub dependencies: Vec<TaskDependency>,
    /// (task id, user id) pairs.
    pub assignees: Vec<(i64, i64)>,
}

impl<C: ConnectionTrait> Repo<C> {
    /// Bumps the project's plan version if it is still `expected`. Every plan change calls
    /// this first inside its transaction: it refuses an edit made from a stale page and, by
    /// writing the project row, makes concurrent plan changes of one project queue up.
    pub async fn claim_plan_version(&self, project_id: i64, expected: Option<i64>) -> Result<i64> {
        let mut update = project::Entity::update_many()
            .col_expr(
                project::Column::PlanVersion,
                Expr::col(project::Column::PlanVersion).add(1),
            )
            .filter(project::Column::Id.eq(project_id));
        if let Some(v) = expected {
            update = update.filter(project::Column::PlanVersion.eq(v));
        }
        let result = update.exec(self.conn()).await?;
        let current = project::Entity::find_by_id(project_id)
            .one(self.conn())
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("project {project_id}")))?;
        if result.rows_affected == 0 {
            return Err(StoreError::Conflict(
                "someone else changed this plan since you loaded it; reload the page and apply your change again"
                    .to_string(),
            ));
        }
        Ok(current.plan_version)
    }

    pub async fn set_plan_settings(
        &self,
        project_id: i64,
        template_key: Option<String>,
        revision_buffer_percent: i64,
        hours_per_day: i64,
    ) -> Result<()> {
        project::Entity::update_many()
            .col_expr(project::Column::TemplateKey, Expr::value(template_key))
            .col_expr(
                project::Column::RevisionBufferPercent,
                Expr::value(revision_buffer_percent),
            )
            .col_expr(project::Column::HoursPerDay, Expr::value(hours_per_day))
            .filter(project::Column::Id.eq(project_id))
            .exec(self.conn())
            .await?;
        Ok(())
    }

    pub async fn set_project_start_date(&self, project_id: i64, start: NaiveDate) -> Result<()> {
        project::Entity::update_many()
            .col_expr(project::Column::StartDate, Expr::value(Some(start)))
            .filter(project::Column::Id.eq(project_id))
            .exec(self.conn())
            .await?;
        Ok(())
    }

    pub async fn set_project_owner(&self, project_id: i64, owner_id: Option<i64>) -> Result<()> {
        project::Entity::update_many()
            .col_expr(project::Column::OwnerId, Expr::value(owner_id))
            .filter(project::Column::Id.eq(project_id))
            .exec(self.conn())
            .await?;
        Ok(())
    }

    pub async fn set_picture_lock(
        &self,
        project_id: i64,
        locked: Option<(DateTime<Utc>, Option<i64>)>,
    ) -> Result<()> {
        let (at, by) = match locked {
            Some((at, by)) => (Some(at), by),
            None => (None, None),
        };
        project::Entity::update_many()
            .col_expr(project::Column::PictureLockedAt, Expr::value(at))
            .col_expr(project::Column::PictureLockedBy, Expr::value(by))
            .filter(project::Column::Id.eq(project_id))
            .exec(self.conn())
            .await?;
        Ok(())
    }

    pub async fn add_plan_event(
        &self,
        project_id: i64,
        kind: &str,
        user_id: Option<i64>,
        reason: &str,
    ) -> Result<PlanEvent> {
        Ok(plan_event::ActiveModel {
            project_id: Set(project_id),
            kind: Set(kind.to_string()),
            user_id: Set(user_id),
            reason: Set(reason.to_string()),
            at: Set(now()),
            ..Default::default()
        }
        .insert(self.conn())
        .await?)
    }

    pub async fn plan_events(&self, project_id: i64) -> Result<Vec<PlanEvent>> {
        Ok(plan_event::Entity::find()
            .filter(plan_event::Column::ProjectId.eq(project_id))
            .order_by_asc(plan_event::Column::Id)
            .all(self.conn())
            .await?)
    }

    pub async fn add_stage(
        &self,
        project_id: i64,
        key: &str,
        name: &str,
        position: i64,
    ) -> Result<PlanStage> {
        plan_stage::ActiveModel {
            project_id: Set(project_id),
            key: Set(key.to_string()),
            name: Set(name.to_string()),
            position: Set(position),
            ..Default::default()
        }
        .insert(self.conn())
        .await
        .map_err(|e| map_unique(e, "stage key", key))
    }

    pub async fn insert_task(&self, project_id: i64, input: TaskInput) -> Result<Task> {
        let t = now();
        let key = input.key.clone();
        task::ActiveModel {
            project_id: Set(project_id),
            key: Set(input.key),
            name: Set(input.name),
            stage: Set(input.stage),
            position: Set(input.position),
            duration_days: Set(input.duration_days),
            duration_hours: Set(input.duration_hours),
            status: Set(input.status),
            resource_kind: Set(input.resource_kind),
            skill: Set(input.skill),
            checklist: Set(input.checklist_json),
            milestone: Set(input.milestone),
            editorial: Set(input.editorial),
            notes: Set(input.notes),
            percent_complete: Set(input.percent_complete),
            start_no_earlier: Set(input.start_no_earlier),
            finish_by: Set(input.finish_by),
            actual_start: Set(input.actual_start),
            actual_finish: Set(input.actual_finish),
            created_at: Set(t),
            updated_at: Set(t),
            ..Default::default()
        }
        .insert(self.conn())
        .await
        .map_err(|e| map_unique(e, "task key", &key))
    }

    pub async fn update_task(&self, task_id: i64, input: TaskInput) -> Result<Task> {
        let key = input.key.clone();
        task::ActiveModel {
            id: Set(task_id),
            key: Set(input.key),
            name: Set(input.name),
            stage: Set(input.stage),
            position: Set(input.position),
            duration_days: Set(input.duration_days),
            duration_hours: Set(input.duration_hours),
            status: Set(input.status),
            resource_kind: Set(input.resource_kind),
            skill: Set(input.skill),
            checklist: Set(input.checklist_json),
            milestone: Set(input.milestone),
            editorial: Set(input.editorial),
            notes: Set(input.notes),
            percent_complete: Set(input.percent_complete),
            start_no_earlier: Set(input.start_no_earlier),
            finish_by: Set(input.finish_by),
            actual_start: Set(input.actual_start),
            actual_finish: Set(input.actual_finish),
            updated_at: Set(now()),
            ..Default::default()
        }
        .update(self.conn())
        .await
        .map_err(|e| map_unique(e, "task key", &key))
    }

    /// Deletes a task with its dependencies and assignees.
    pub async fn delete_task(&self, task_id: i64) -> Result<()> {
        task_dependency::Entity::delete_many()
            .filter(
                task_dependency::Column::FromTaskId
                    .eq(task_id)
                    .or(task_dependency::Column::ToTaskId.eq(task_id)),
            )
            .exec(self.conn())
            .await?;
        task_assignee::Entity::delete_many()
            .filter(task_assignee::Column::TaskId.eq(task_id))
            .exec(self.conn())
            .await?;
        task::Entity::delete_by_id(task_id)
            .exec(self.conn())
            .await?;
        Ok(())
    }

    pub async fn task_by_key(&self, project_id: i64, key: &str) -> Result<Option<Task>> {
        Ok(task::Entity::find()
            .filter(task::Column::ProjectId.eq(project_id))
            .filter(task::Column::Key.eq(key))
            .one(self.conn())
            .await?)
    }

    pub async fn insert_dependency(
        &self,
        project_id: i64,
        from_task_id: i64,
        to_task_id: i64,
        kind: &str,
        lag_days: i64,
    ) -> Result<TaskDependency> {
        task_dependency::ActiveModel {
            project_id: Set(project_id),
            from_task_id: Set(from_task_id),
            to_task_id: Set(to_task_id),
            kind: Set(kind.to_string()),
            lag_days: Set(lag_days),
            ..Default::default()
        }
        .insert(self.conn())
        .await
        .map_err(|e| map_unique(e, "dependency", &format!("{from_task_id}→{to_task_id}")))
    }

    pub async fn delete_dependency(&self, project_id: i64, dependency_id: i64) -> Result<bool> {
        let r = task_dependency::Entity::delete_many()
            .filter(task_dependency::Column::Id.eq(dependency_id))
            .filter(task_dependency::Column::ProjectId.eq(project_id))
            .exec(self.conn())
            .await?;
        Ok(r.rows_affected > 0)
    }

    pub async fn set_task_assignees(&self, task_id: i64, user_ids: &[i64]) -> Result<()> {
        task_assignee::Entity::delete_many()
            .filter(task_assignee::Column::TaskId.eq(task_id))
            .exec(self.conn())
            .await?;
        let mut unique = user_ids.to_vec();
        unique.sort_unstable();
        unique.dedup();
        for user_id in unique {
            task_assignee::Entity::insert(task_assignee::ActiveModel {
                task_id: Set(task_id),
                user_id: Set(user_id),
            })
            .exec(self.conn())
            .await?;
        }
        Ok(())
    }

    /// The plans of the given projects (one project for its page, every open one for the
    /// studio views), in four queries however many projects there are.
    pub async fn plans_of(&self, project_ids: &[i64]) -> Result<PlanRows> {
        if project_ids.is_empty() {
            return Ok(PlanRows::default());
        }
        let ids = project_ids.to_vec();
        let stages = plan_stage::Entity::find()
            .filter(plan_stage::Column::ProjectId.is_in(ids.clone()))
            .order_by_asc(plan_stage::Column::ProjectId)
            .order_by_asc(plan_stage::Column::Position)
            .all(self.conn())
            .await?;
        let tasks = task::Entity::find()
            .filter(task::Column::ProjectId.is_in(ids.clone()))
            .order_by_asc(task::Column::ProjectId)
            .order_by_asc(task::Column::Position)
            .order_by_asc(task::Column::Id)
            .all(self.conn())
            .await?;
        let dependencies = task_dependency::Entity::find()
            .filter(task_dependency::Column::ProjectId.is_in(ids))
            .order_by_asc(task_dependency::Column::Id)
            .all(self.conn())
            .await?;
        let task_ids: Vec<i64> = tasks.iter().map(|t| t.id).collect();
        let mut assignees = Vec::new();
        // Bounded IN lists: SQLite allows 32,766 parameters, PostgreSQL 65,535.
        for chunk in task_ids.chunks(10_000) {
            let rows = task_assignee::Entity::find()
                .filter(task_assignee::Column::TaskId.is_in(chunk.to_vec()))
                .all(self.conn())
                .await?;
            assignees.extend(rows.into_iter().map(|r| (r.task_id, r.user_id)));
        }
        Ok(PlanRows {
            stages,
            tasks,
            dependencies,
            assignees,
        })
    }

    /// Ids of the tasks a person is assigned to.
    pub async fn task_ids_assigned_to(&self, user_id: i64) -> Result<Vec<i64>> {
        Ok(task_assignee::Entity::find()
            .filter(task_assignee::Column::UserId.eq(user_id))
            .all(self.conn())
            .await?
            .into_iter()
            .map(|r| r.task_id)
            .collect())
    }

    pub async fn studio_setting(&self, key: &str) -> Result<Option<String>> {
        Ok(studio_setting::Entity::find_by_id(key.to_string())
            .one(self.conn())
            .await?
            .map(|r| r.value))
    }

    pub async fn set_studio_setting(&self, key: &str, value: &str) -> Result<()> {
        studio_setting::Entity::insert(studio_setting::ActiveModel {
            key: Set(key.to_string()),
            value: Set(value.to_string()),
        })
        .on_conflict(
            OnConflict::column(studio_setting::Column::Key)
                .update_column(studio_setting::Column::Value)
                .to_owned(),
        )
        .exec(self.conn())
        .await?;
        Ok(())
    }

    /// Studio holidays (`user_id` None) and, when asked, every person's days off.
    pub async fn calendar_days(&self, with_personal: bool) -> Result<Vec<CalendarDay>> {
        let mut q = calendar_day::Entity::find();
        if !with_personal {
            q = q.filter(calendar_day::Column::UserId.is_null());
        }
        Ok(q.order_by_asc(calendar_day::Column::Day)
            .all(self.conn())
            .await?)
    }

    pub async fn add_calendar_day(
        &self,
        user_id: Option<i64>,
        day: NaiveDate,
        label: &str,
    ) -> Result<CalendarDay> {
        Ok(calendar_day::ActiveModel {
            user_id: Set(user_id),
            day: Set(day),
            label: Set(label.to_string()),
            ..Default::default()
        }
        .insert(self.conn())
        .await?)
    }

    pub async fn delete_calendar_day(&self, id: i64) -> Result<Option<CalendarDay>> {
        let row = calendar_day::Entity::find_by_id(id)
            .one(self.conn())
            .await?;
        if row.is_some() {
            calendar_day::Entity::delete_by_id(id)
                .exec(self.conn())
                .await?;
        }
        Ok(row)
    }

    pub async fn save_template(
        &self,
        key: &str,
        name: &str,
        source: &str,
        created_by: Option<i64>,
    ) -> Result<SavedTemplate> {
        plan_template::ActiveModel {
            key: Set(key.to_string()),
            name: Set(name.to_string()),
            source: Set(source.to_string()),
            created_by: Set(created_by),
            created_at: Set(now()),
            ..Default::default()
        }
        .insert(self.conn())
        .await
        .map_err(|e| map_unique(e, "template key", key))
    }

    pub async fn saved_templates(&self) -> Result<Vec<SavedTemplate>> {
        Ok(plan_template::Entity::find()
            .order_by_asc(plan_template::Column::Key)
            .all(self.conn())
            .await?)
    }
}
