//! Project templates as data: the stage plan a new project starts from.
//!
//! A template is a TOML file (the shipped ones live in `crates/app/templates/` and are compiled
//! in; a studio can save its own with [`to_toml`]). [`parse`] refuses anything it would have to
//! guess about — an unknown field, a stage or predecessor that does not exist, a cycle — with the
//! file, the line and the task named, so a hand-edited file is fixed in one look.
//!
//! The format, by example:
//!
//! ```toml
//! key = "commercial"
//! name = "Commercial"
//! description = "A 30–60 second spot with its cutdowns."
//! typical_length = "3–4 weeks"
//! revision_buffer_percent = 25      # optional, default 25
//! hours_per_day = 8                 # optional, default 8: how `hours = …` become working days
//!
//! [[stage]]
//! key = "edit"
//! name = "Assembly & rough cut"
//!
//! [checklists]                      # named lists that tasks refer to
//! picture_lock = ["Timecode starts at 01:00:00:00", "…"]
//!
//! [[task]]
//! key = "rough_cut"
//! name = "Rough cut"
//! stage = "edit"
//! days = 2                          # or `hours = 4`; exactly one of them
//! resource = "edit bay"             # the kind of room or seat the task books
//! skill = "editor"
//! after = ["assembly"]              # finish-to-start, no lag
//! editorial = true                  # frozen once picture is locked
//! checklist = "picture_lock"        # a name from [checklists], or an inline list
//! notes = "…"
//!
//! [[task.depends]]                  # any other dependency: FS, SS or FF with a lag in working days
//! task = "selects"
//! type = "SS"
//! lag = 1
//! ```
//!
//! A milestone is a task with `milestone = "picture_lock"` (or another [`MilestoneKind`]) and no
//! duration (or `days = 0`).
use postflow_core::plan::{
    schedule, Dependency, DependencyKind, MilestoneKind, PlanError, PlanTask, TaskDuration,
};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::ops::Range;
use toml::Spanned;

pub const DEFAULT_REVISION_BUFFER_PERCENT: u32 = 25;
pub const DEFAULT_HOURS_PER_DAY: u32 = 8;
/// Longest key accepted for a template, stage, task or checklist.
pub const MAX_KEY_LEN: usize = 48;

/// A project's stage plan before it has dates: stages, tasks and how they depend on each other.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlanTemplate {
    /// Short identifier, e.g. `commercial`.
    pub key: String,
    pub name: String,
    pub description: String,
    /// What a producer should expect, e.g. "3–4 weeks".
    pub typical_length: String,
    /// Added on top of the computed schedule for notes rounds (0–100).
    pub revision_buffer_percent: u32,
    /// How many hours make a working day, for tasks planned in hours.
    pub hours_per_day: u32,
    pub stages: Vec<StageTemplate>,
    pub tasks: Vec<TaskTemplate>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StageTemplate {
    pub key: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TaskTemplate {
    pub key: String,
    pub name: String,
    /// The key of one of the template's stages.
    pub stage: String,
    pub duration: TaskDuration,
    /// The kind of room or seat it books: "edit bay", "color suite", "mix theater", …
    pub resource_kind: Option<String>,
    /// Who does it: "editor", "colorist", "re-recording mixer", …
    pub skill: Option<String>,
    pub depends_on: Vec<DependencyTemplate>,
    /// The checklist items, resolved (a named list is copied in).
    pub checklist: Vec<String>,
    /// Set on a zero-duration task that marks a milestone.
    pub milestone: Option<MilestoneKind>,
    /// Editorial work, frozen by picture lock.
    pub editorial: bool,
    pub notes: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DependencyTemplate {
    /// The predecessor's task key.
    pub task: String,
    pub kind: DependencyKind,
    /// Working days added to the predecessor's date; negative is a lead.
    pub lag_days: i64,
}

impl PlanTemplate {
    pub fn task(&self, key: &str) -> Option<&TaskTemplate> {
        self.tasks.iter().find(|t| t.key == key)
    }

    pub fn stage(&self, key: &str) -> Option<&StageTemplate> {
        self.stages.iter().find(|s| s.key == key)
    }

    /// The task that marks a milestone, if the template has one.
    pub fn milestone(&self, kind: MilestoneKind) -> Option<&TaskTemplate> {
        self.tasks.iter().find(|t| t.milestone == Some(kind))
    }

    /// The network the critical path method runs over: each task in plain working days (hours
    /// rounded up to whole days), without the revision buffer.
    pub fn network(&self) -> (Vec<PlanTask>, Vec<Dependency>) {
        let tasks = self
            .tasks
            .iter()
            .map(|t| PlanTask::new(t.key.clone(), t.duration.working_days(self.hours_per_day)))
            .collect();
        let deps = self
            .tasks
            .iter()
            .flat_map(|t| {
                t.depends_on
                    .iter()
                    .map(|d| Dependency::new(d.task.clone(), t.key.clone(), d.kind, d.lag_days))
            })
            .collect();
        (tasks, deps)
    }
}

impl TaskTemplate {
    pub fn is_milestone(&self) -> bool {
        self.milestone.is_some()
    }
}

/// Why a template file was refused. Every variant names the file, the line and column, and the
/// task (when the fault is inside one).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    /// Not valid TOML, a field the format does not have, or a value of the wrong type.
    Syntax {
        source_name: String,
        line: usize,
        column: usize,
        task: Option<String>,
        message: String,
    },
    /// Well-formed TOML whose content does not make a plan.
    Invalid {
        source_name: String,
        line: usize,
        column: usize,
        task: Option<String>,
        /// The field at fault, e.g. `stage` or `depends.lag`.
        field: String,
        message: String,
    },
    /// The dependencies loop back on themselves; `cycle` is in dependency order.
    Cycle {
        source_name: String,
        line: usize,
        column: usize,
        cycle: Vec<String>,
    },
}

impl TemplateError {
    pub fn source_name(&self) -> &str {
        match self {
            TemplateError::Syntax { source_name, .. }
            | TemplateError::Invalid { source_name, .. }
            | TemplateError::Cycle { source_name, .. } => source_name,
        }
    }

    /// 1-based line of the offending text.
    pub fn line(&self) -> usize {
        match self {
            TemplateError::Syntax { line, .. }
            | TemplateError::Invalid { line, .. }
            | TemplateError::Cycle { line, .. } => *line,
        }
    }

    /// 1-based column (in characters) of the offending text.
    pub fn column(&self) -> usize {
        match self {
            TemplateError::Syntax { column, .. }
            | TemplateError::Invalid { column, .. }
            | TemplateError::Cycle { column, .. } => *column,
        }
    }

    /// The key of the task at fault, when there is one (for a cycle, its first task).
    pub fn task(&self) -> Option<&str> {
        match self {
            TemplateError::Syntax { task, .. } | TemplateError::Invalid { task, .. } => {
                task.as_deref()
            }
            TemplateError::Cycle { cycle, .. } => cycle.first().map(String::as_str),
        }
    }
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "template {}, line {}, column {}: ",
            self.source_name(),
            self.line(),
            self.column()
        )?;
        match self {
            TemplateError::Syntax { task, message, .. } => {
                if let Some(t) = task {
                    write!(f, "in task \"{t}\": ")?;
                }
                f.write_str(message)
            }
            TemplateError::Invalid {
                task,
                field,
                message,
                ..
            } => {
                match task {
                    Some(t) => write!(f, "task \"{t}\", field `{field}`: ")?,
                    None => write!(f, "field `{field}`: ")?,
                }
                f.write_str(message)
            }
            TemplateError::Cycle { cycle, .. } => {
                let mut chain: Vec<&str> = cycle.iter().map(String::as_str).collect();
                if let Some(first) = cycle.first() {
                    chain.push(first);
                }
                write!(
                    f,
                    "the dependencies form a cycle: {}; remove one of these dependencies",
                    chain.join(" → ")
                )
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The file format. Fields carry their spans so a refusal can name the line.

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTemplate {
    key: Spanned<String>,
    name: Spanned<String>,
    #[serde(default)]
    description: String,
    #[serde(default)]
    typical_length: String,
    revision_buffer_percent: Option<Spanned<i64>>,
    hours_per_day: Option<Spanned<i64>>,
    #[serde(default)]
    stage: Vec<RawStage>,
    #[serde(default)]
    checklists: BTreeMap<String, Spanned<Vec<Spanned<String>>>>,
    #[serde(default)]
    task: Vec<RawTask>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStage {
    key: Spanned<String>,
    name: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTask {
    key: Spanned<String>,
    name: Spanned<String>,
    stage: Spanned<String>,
    days: Option<Spanned<i64>>,
    hours: Option<Spanned<i64>>,
    resource: Option<Spanned<String>>,
    skill: Option<Spanned<String>>,
    #[serde(default)]
    after: Vec<Spanned<String>>,
    #[serde(default)]
    depends: Vec<RawDependency>,
    checklist: Option<Spanned<RawChecklist>>,
    milestone: Option<Spanned<String>>,
    #[serde(default)]
    editorial: bool,
    #[serde(default)]
    notes: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDependency {
    task: Spanned<String>,
    #[serde(rename = "type")]
    kind: Option<Spanned<String>>,
    lag: Option<Spanned<i64>>,
}

/// `checklist = "picture_lock"` (a name from `[checklists]`) or `checklist = ["…", "…"]`.
enum RawChecklist {
    Named(String),
    Items(Vec<String>),
}

impl<'de> Deserialize<'de> for RawChecklist {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = RawChecklist;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("the name of a list in [checklists], or a list of items")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<RawChecklist, E> {
                Ok(RawChecklist::Named(v.to_string()))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<RawChecklist, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element::<String>()? {
                    items.push(item);
                }
                Ok(RawChecklist::Items(items))
            }
        }
        d.deserialize_any(Visitor)
    }
}

/// Turns byte spans into line/column and builds the errors of one file.
struct Source<'a> {
    name: &'a str,
    text: &'a str,
}

impl Source<'_> {
    fn position(&self, span: &Range<usize>) -> (usize, usize) {
        let at = floor_char_boundary(self.text, span.start);
        let before = &self.text[..at];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = self.text[line_start..at].chars().count() + 1;
        (line, column)
    }

    fn invalid(
        &self,
        span: &Range<usize>,
        task: Option<&str>,
        field: &str,
        message: impl Into<String>,
    ) -> TemplateError {
        let (line, column) = self.position(span);
        TemplateError::Invalid {
            source_name: self.name.to_string(),
            line,
            column,
            task: task.map(str::to_string),
            field: field.to_string(),
            message: message.into(),
        }
    }

    fn syntax(&self, e: &toml::de::Error) -> TemplateError {
        let span = e.span().unwrap_or(0..0);
        let (line, column) = self.position(&span);
        TemplateError::Syntax {
            source_name: self.name.to_string(),
            line,
            column,
            task: enclosing_task(self.text, span.start),
            message: sentence(e.message()),
        }
    }
}

fn floor_char_boundary(text: &str, mut at: usize) -> usize {
    at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// toml's messages start lower-case and may span lines; ours are one line.
fn sentence(message: &str) -> String {
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The key of the `[[task]]` table that contains byte `at`, read from the raw text (used when the
/// file did not parse, so there is no structure to ask).
fn enclosing_task(text: &str, at: usize) -> Option<String> {
    let at = floor_char_boundary(text, at);
    let mut header_start = None;
    let mut offset = 0;
    // Every line that starts at or before `at`: a missing-field error points at the header.
    for line in text.split_inclusive('\n') {
        if offset > at {
            break;
        }
        let t = line.trim();
        if t.starts_with('[') {
            let name = t
                .trim_start_matches('[')
                .split(']')
                .next()
                .unwrap_or("")
                .trim();
            if name == "task" {
                header_start = Some(offset);
            } else if name != "task.depends" {
                header_start = None;
            }
        }
        offset += line.len();
    }
    let start = header_start?;
    // The task's own `key = "…"` line: after its header, before the next table header.
    for line in text[start..].lines().skip(1) {
        let t = line.trim();
        if t.starts_with('[') {
            break;
        }
        if let Some(rest) = t.strip_prefix("key") {
            if let Some(value) = rest.trim_start().strip_prefix('=') {
                let v = value.trim();
                let v = v.split('#').next().unwrap_or(v).trim();
                return Some(v.trim_matches(|c| c == '"' || c == '\'').to_string());
            }
        }
    }
    None
}

/// A key is lower-case ASCII letters, digits, `_` and `-`, starting with a letter.
pub fn key_problem(key: &str) -> Option<String> {
    if key.is_empty() {
        return Some("must not be empty".into());
    }
    if key.len() > MAX_KEY_LEN {
        return Some(format!("{key:?} is longer than {MAX_KEY_LEN} characters"));
    }
    let ok_first = key.chars().next().is_some_and(|c| c.is_ascii_lowercase());
    let ok_rest = key
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
    if !ok_first || !ok_rest {
        return Some(format!(
            "{key:?} is not a key: use lower-case letters, digits, `_` or `-`, starting with a letter"
        ));
    }
    None
}

fn non_empty(
    src: &Source<'_>,
    value: &Spanned<String>,
    task: Option<&str>,
    field: &str,
) -> Result<String, TemplateError> {
    let v = value.get_ref().trim();
    if v.is_empty() {
        return Err(src.invalid(&value.span(), task, field, "must not be empty"));
    }
    Ok(v.to_string())
}

/// Parses and validates one template. `source_name` (a file name, or "template" for an upload)
/// is what the errors name.
pub fn parse(source_name: &str, text: &str) -> Result<PlanTemplate, TemplateError> {
    let src = Source {
        name: source_name,
        text,
    };
    let raw: RawTemplate = toml::from_str(text).map_err(|e| src.syntax(&e))?;

    if let Some(why) = key_problem(raw.key.get_ref()) {
        return Err(src.invalid(&raw.key.span(), None, "key", why));
    }
    let name = non_empty(&src, &raw.name, None, "name")?;
    let revision_buffer_percent = match &raw.revision_buffer_percent {
        None => DEFAULT_REVISION_BUFFER_PERCENT,
        Some(v) => match u32::try_from(*v.get_ref()) {
            Ok(p) if p <= 100 => p,
            _ => {
                return Err(src.invalid(
                    &v.span(),
                    None,
                    "revision_buffer_percent",
                    format!("{} is not a percentage from 0 to 100", v.get_ref()),
                ))
            }
        },
    };
    let hours_per_day = match &raw.hours_per_day {
        None => DEFAULT_HOURS_PER_DAY,
        Some(v) => match u32::try_from(*v.get_ref()) {
            Ok(h) if (1..=24).contains(&h) => h,
            _ => {
                return Err(src.invalid(
                    &v.span(),
                    None,
                    "hours_per_day",
                    format!("{} is not a number of hours from 1 to 24", v.get_ref()),
                ))
            }
        },
    };

    let mut stages = Vec::with_capacity(raw.stage.len());
    for s in &raw.stage {
        let key = s.key.get_ref();
        if let Some(why) = key_problem(key) {
            return Err(src.invalid(&s.key.span(), None, "stage.key", why));
        }
        if stages.iter().any(|x: &StageTemplate| &x.key == key) {
            return Err(src.invalid(
                &s.key.span(),
                None,
                "stage.key",
                format!("stage \"{key}\" is defined twice"),
            ));
        }
        stages.push(StageTemplate {
            key: key.clone(),
            name: non_empty(&src, &s.name, None, "stage.name")?,
        });
    }
    if stages.is_empty() {
        return Err(src.invalid(
            &raw.key.span(),
            None,
            "stage",
            "the template has no stages; add at least one [[stage]] table",
        ));
    }

    let mut checklists: HashMap<&str, Vec<String>> = HashMap::new();
    for (list_name, items) in &raw.checklists {
        if let Some(why) = key_problem(list_name) {
            return Err(src.invalid(&items.span(), None, "checklists", why));
        }
        checklists.insert(list_name, checklist_items(&src, items.get_ref(), None)?);
    }

    // Keys first, so a dependency may point at a task defined further down.
    let mut task_keys: HashSet<&str> = HashSet::new();
    for t in &raw.task {
        let key = t.key.get_ref();
        if let Some(why) = key_problem(key) {
            return Err(src.invalid(&t.key.span(), Some(key), "key", why));
        }
        if !task_keys.insert(key) {
            return Err(src.invalid(
                &t.key.span(),
                Some(key),
                "key",
                format!("task \"{key}\" is defined twice"),
            ));
        }
    }
    if raw.task.is_empty() {
        return Err(src.invalid(
            &raw.key.span(),
            None,
            "task",
            "the template has no tasks; add at least one [[task]] table",
        ));
    }

    let mut tasks = Vec::with_capacity(raw.task.len());
    let mut milestones: HashMap<MilestoneKind, &str> = HashMap::new();
    for t in &raw.task {
        let key = t.key.get_ref().as_str();
        let here = Some(key);
        let name = non_empty(&src, &t.name, here, "name")?;
        let stage = t.stage.get_ref();
        if !stages.iter().any(|s| &s.key == stage) {
            let known: Vec<&str> = stages.iter().map(|s| s.key.as_str()).collect();
            return Err(src.invalid(
                &t.stage.span(),
                here,
                "stage",
                format!(
                    "stage \"{stage}\" is not one of this template's stages ({})",
                    known.join(", ")
                ),
            ));
        }

        let milestone = match &t.milestone {
            None => None,
            Some(m) => {
                let Some(kind) = MilestoneKind::parse(m.get_ref()) else {
                    let known: Vec<&str> = MilestoneKind::ALL.iter().map(|k| k.as_str()).collect();
                    return Err(src.invalid(
                        &m.span(),
                        here,
                        "milestone",
                        format!(
                            "\"{}\" is not a milestone; use one of {}",
                            m.get_ref(),
                            known.join(", ")
                        ),
                    ));
                };
                if kind != MilestoneKind::Custom {
                    if let Some(other) = milestones.insert(kind, key) {
                        return Err(src.invalid(
                            &m.span(),
                            here,
                            "milestone",
                            format!(
                                "task \"{other}\" already marks the {} milestone; a template has one of each",
                                kind.as_str()
                            ),
                        ));
                    }
                }
                Some(kind)
            }
        };

        let duration = task_duration(&src, t, milestone.is_some())?;

        let resource_kind = optional_text(&src, &t.resource, here, "resource")?;
        let skill = optional_text(&src, &t.skill, here, "skill")?;

        let mut depends_on = Vec::with_capacity(t.after.len() + t.depends.len());
        let mut dep_spans = Vec::with_capacity(depends_on.capacity());
        for a in &t.after {
            depends_on.push(DependencyTemplate {
                task: a.get_ref().clone(),
                kind: DependencyKind::FinishToStart,
                lag_days: 0,
            });
            dep_spans.push(("after", a.span(), a.span()));
        }
        for d in &t.depends {
            let kind = match &d.kind {
                None => DependencyKind::FinishToStart,
                Some(k) => DependencyKind::parse(k.get_ref()).ok_or_else(|| {
                    src.invalid(
                        &k.span(),
                        here,
                        "depends.type",
                        format!(
                            "\"{}\" is not a dependency type; use FS (finish-to-start), SS (start-to-start) or FF (finish-to-finish)",
                            k.get_ref()
                        ),
                    )
                })?,
            };
            let lag_span = d.lag.as_ref().map_or(d.task.span(), |l| l.span());
            depends_on.push(DependencyTemplate {
                task: d.task.get_ref().clone(),
                kind,
                lag_days: d.lag.as_ref().map_or(0, |l| *l.get_ref()),
            });
            dep_spans.push(("depends.task", d.task.span(), lag_span));
        }
        for (i, (dep, (field, span, _))) in depends_on.iter().zip(&dep_spans).enumerate() {
            if dep.task == key {
                return Err(src.invalid(
                    span,
                    here,
                    field,
                    format!("task \"{key}\" depends on itself"),
                ));
            }
            if !task_keys.contains(dep.task.as_str()) {
                return Err(src.invalid(
                    span,
                    here,
                    field,
                    format!(
                        "depends on \"{}\", which is not a task of this template",
                        dep.task
                    ),
                ));
            }
            if depends_on[..i]
                .iter()
                .any(|d| d.task == dep.task && d.kind == dep.kind)
            {
                return Err(src.invalid(
                    span,
                    here,
                    field,
                    format!(
                        "the {} dependency on \"{}\" is listed twice",
                        dep.kind, dep.task
                    ),
                ));
            }
        }

        let checklist = match &t.checklist {
            None => Vec::new(),
            Some(c) => match c.get_ref() {
                RawChecklist::Named(list) => match checklists.get(list.as_str()) {
                    Some(items) => items.clone(),
                    None => {
                        let mut known: Vec<&str> = checklists.keys().copied().collect();
                        known.sort_unstable();
                        let known = if known.is_empty() {
                            "the template has no [checklists]".to_string()
                        } else {
                            format!("the named checklists are {}", known.join(", "))
                        };
                        return Err(src.invalid(
                            &c.span(),
                            here,
                            "checklist",
                            format!("there is no checklist \"{list}\"; {known}"),
                        ));
                    }
                },
                RawChecklist::Items(items) => {
                    if let Some(blank) = items.iter().position(|i| i.trim().is_empty()) {
                        return Err(src.invalid(
                            &c.span(),
                            here,
                            "checklist",
                            format!("item {} is empty", blank + 1),
                        ));
                    }
                    items.iter().map(|i| i.trim().to_string()).collect()
                }
            },
        };

        tasks.push((
            TaskTemplate {
                key: key.to_string(),
                name,
                stage: stage.clone(),
                duration,
                resource_kind,
                skill,
                depends_on,
                checklist,
                milestone,
                editorial: t.editorial,
                notes: t.notes.trim().to_string(),
            },
            dep_spans,
        ));
    }

    // A lag longer than the whole plan is a typo (days for hours, an extra zero).
    let total_days: i64 = tasks
        .iter()
        .map(|(t, _)| t.duration.working_days(hours_per_day))
        .sum();
    for (t, spans) in &tasks {
        for (dep, (_, _, lag_span)) in t.depends_on.iter().zip(spans) {
            if dep.lag_days.abs() > total_days {
                return Err(src.invalid(
                    lag_span,
                    Some(&t.key),
                    "depends.lag",
                    format!(
                        "a lag of {} working days on \"{}\" is longer than all the template's tasks together ({total_days} days)",
                        dep.lag_days, dep.task
                    ),
                ));
            }
        }
    }

    let template = PlanTemplate {
        key: raw.key.get_ref().clone(),
        name,
        description: raw.description.trim().to_string(),
        typical_length: raw.typical_length.trim().to_string(),
        revision_buffer_percent,
        hours_per_day,
        stages,
        tasks: tasks.into_iter().map(|(t, _)| t).collect(),
    };

    let (plan_tasks, deps) = template.network();
    if let Err(e) = schedule(&plan_tasks, &deps) {
        let at = |task: &str| {
            raw.task
                .iter()
                .find(|t| t.key.get_ref() == task)
                .map_or(raw.key.span(), |t| t.key.span())
        };
        let message = e.to_string();
        return Err(match e {
            PlanError::Cycle(cycle) => {
                let (line, column) = src.position(&at(cycle.first().map_or("", String::as_str)));
                TemplateError::Cycle {
                    source_name: source_name.to_string(),
                    line,
                    column,
                    cycle,
                }
            }
            // Validated above; kept so a change in core's rules still names the task.
            PlanError::DuplicateTask(t)
            | PlanError::SelfDependency(t)
            | PlanError::NegativeDuration { task: t, .. }
            | PlanError::UnknownTask { task: t, .. } => {
                src.invalid(&at(&t), Some(&t), "depends", message)
            }
        });
    }
    Ok(template)
}

fn checklist_items(
    src: &Source<'_>,
    items: &[Spanned<String>],
    task: Option<&str>,
) -> Result<Vec<String>, TemplateError> {
    items
        .iter()
        .map(|i| non_empty(src, i, task, "checklists"))
        .collect()
}

fn optional_text(
    src: &Source<'_>,
    value: &Option<Spanned<String>>,
    task: Option<&str>,
    field: &str,
) -> Result<Option<String>, TemplateError> {
    value
        .as_ref()
        .map(|v| non_empty(src, v, task, field))
        .transpose()
}

fn task_duration(
    src: &Source<'_>,
    t: &RawTask,
    is_milestone: bool,
) -> Result<TaskDuration, TemplateError> {
    let key = t.key.get_ref().as_str();
    let (field, value) = match (&t.days, &t.hours) {
        (Some(_), Some(h)) => {
            return Err(src.invalid(
                &h.span(),
                Some(key),
                "hours",
                "a task has either `days` or `hours`, not both",
            ))
        }
        (Some(d), None) => ("days", d),
        (None, Some(h)) => ("hours", h),
        (None, None) if is_milestone => return Ok(TaskDuration::Days(0)),
        (None, None) => {
            return Err(src.invalid(
                &t.key.span(),
                Some(key),
                "days",
                "the task has no duration; give `days = …` or `hours = …`",
            ))
        }
    };
    let n = *value.get_ref();
    let span = value.span();
    if is_milestone {
        if n != 0 {
            return Err(src.invalid(
                &span,
                Some(key),
                field,
                format!("a milestone takes no time; remove `{field} = {n}` or the `milestone`"),
            ));
        }
    } else if n <= 0 {
        return Err(src.invalid(
            &span,
            Some(key),
            field,
            format!(
                "{n} {field} is not a duration; a task takes at least 1 (only a milestone takes 0)"
            ),
        ));
    }
    let n = u32::try_from(n)
        .ok()
        .filter(|n| *n <= 100_000)
        .ok_or_else(|| src.invalid(&span, Some(key), field, format!("{n} {field} is too long")))?;
    Ok(if field == "days" {
        TaskDuration::Days(n)
    } else {
        TaskDuration::Hours(n)
    })
}

// ---------------------------------------------------------------------------------------------
// Writing a template back out.

/// A TOML string literal with the escapes TOML needs.
fn quoted(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

fn string_list(items: &[String], indent: &str) -> String {
    if items.is_empty() {
        return "[]".into();
    }
    let one_line = format!(
        "[{}]",
        items
            .iter()
            .map(|i| quoted(i))
            .collect::<Vec<_>>()
            .join(", ")
    );
    if one_line.len() <= 72 {
        return one_line;
    }
    let mut out = String::from("[\n");
    for i in items {
        out.push_str(indent);
        out.push_str("    ");
        out.push_str(&quoted(i));
        out.push_str(",\n");
    }
    out.push_str(indent);
    out.push(']');
    out
}

/// The template as a TOML file [`parse`] reads back to the same template: how a studio saves a
/// plan of its own. Checklists are written inline, finish-to-start dependencies without lag as
/// `after`.
pub fn to_toml(t: &PlanTemplate) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let _ = writeln!(out, "key = {}", quoted(&t.key));
    let _ = writeln!(out, "name = {}", quoted(&t.name));
    let _ = writeln!(out, "description = {}", quoted(&t.description));
    let _ = writeln!(out, "typical_length = {}", quoted(&t.typical_length));
    let _ = writeln!(
        out,
        "revision_buffer_percent = {}",
        t.revision_buffer_percent
    );
    let _ = writeln!(out, "hours_per_day = {}", t.hours_per_day);
    for s in &t.stages {
        let _ = writeln!(out, "\n[[stage]]");
        let _ = writeln!(out, "key = {}", quoted(&s.key));
        let _ = writeln!(out, "name = {}", quoted(&s.name));
    }
    for task in &t.tasks {
        let _ = writeln!(out, "\n[[task]]");
        let _ = writeln!(out, "key = {}", quoted(&task.key));
        let _ = writeln!(out, "name = {}", quoted(&task.name));
        let _ = writeln!(out, "stage = {}", quoted(&task.stage));
        match task.duration {
            TaskDuration::Days(d) => {
                let _ = writeln!(out, "days = {d}");
            }
            TaskDuration::Hours(h) => {
                let _ = writeln!(out, "hours = {h}");
            }
        }
        if let Some(m) = task.milestone {
            let _ = writeln!(out, "milestone = {}", quoted(m.as_str()));
        }
        if let Some(r) = &task.resource_kind {
            let _ = writeln!(out, "resource = {}", quoted(r));
        }
        if let Some(s) = &task.skill {
            let _ = writeln!(out, "skill = {}", quoted(s));
        }
        // The leading plain finish-to-start dependencies become `after`; the rest keep their
        // order as [[task.depends]] tables, so the list reads back exactly.
        let plain = task
            .depends_on
            .iter()
            .take_while(|d| d.kind == DependencyKind::FinishToStart && d.lag_days == 0)
            .count();
        if plain > 0 {
            let keys: Vec<String> = task.depends_on[..plain]
                .iter()
                .map(|d| d.task.clone())
                .collect();
            let _ = writeln!(out, "after = {}", string_list(&keys, ""));
        }
        if task.editorial {
            let _ = writeln!(out, "editorial = true");
        }
        if !task.checklist.is_empty() {
            let _ = writeln!(out, "checklist = {}", string_list(&task.checklist, ""));
        }
        if !task.notes.is_empty() {
            let _ = writeln!(out, "notes = {}", quoted(&task.notes));
        }
        for d in &task.depends_on[plain..] {
            let _ = writeln!(out, "\n[[task.depends]]");
            let _ = writeln!(out, "task = {}", quoted(&d.task));
            let _ = writeln!(out, "type = {}", quoted(d.kind.as_str()));
            let _ = writeln!(out, "lag = {}", d.lag_days);
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// The shipped templates.

/// The templates shipped in the binary: (file name, TOML).
pub const BUILTIN: &[(&str, &str)] = &[
    (
        "commercial.toml",
        include_str!("../templates/commercial.toml"),
    ),
    (
        "documentary.toml",
        include_str!("../templates/documentary.toml"),
    ),
    ("feature.toml", include_str!("../templates/feature.toml")),
];

/// The shipped templates, parsed. The tests prove each one parses, so this cannot panic in a
/// released build.
pub fn builtin() -> Vec<PlanTemplate> {
    BUILTIN
        .iter()
        .map(|(file, text)| {
            parse(file, text).unwrap_or_else(|e| panic!("shipped template is broken: {e}"))
        })
        .collect()
}

/// One shipped template by its key (`commercial`, `documentary`, `feature`).
pub fn builtin_named(key: &str) -> Option<PlanTemplate> {
    builtin().into_iter().find(|t| t.key == key)
}
