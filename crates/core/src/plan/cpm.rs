//! The critical path method: early and late dates, float and the critical path(s) of a task network.
//!
//! # Units and conventions
//! Everything counts in working days, as offsets from day 0 (see [`super::calendar`]). A task
//! occupies `[es, ef)`: `ef = es + duration`, exclusive, so a 3-day task starting on day 0
//! finishes at 3 and its successor can start on day 3. Zero-duration tasks are milestones
//! (`es == ef`). A dependency's `lag` is added to the predecessor's date; a negative lag is a lead.
//!
//! * FS (finish-to-start): `succ.es ≥ pred.ef + lag`
//! * SS (start-to-start): `succ.es ≥ pred.es + lag`
//! * FF (finish-to-finish): `succ.ef ≥ pred.ef + lag`
//!
//! # Algorithm
//! Tasks and dependencies are indexed into arrays (compressed successor and predecessor lists), then
//! sorted topologically with Kahn's algorithm; whatever is left over contains a cycle, which is found
//! by walking back through unsorted predecessors and reported in dependency order. Everything is
//! O(tasks + dependencies).
//!
//! * **Forward pass** (topological order): `es = max(0, start_no_earlier, every dependency's bound)`.
//!   No task starts before day 0, so a lead never pulls work before the project start. The project
//!   `finish` is the largest `ef` (0 for an empty plan). `driving` lists the predecessors whose
//!   dependency bound equals `es` (ties included).
//! * **Backward pass** (reverse order): `lf = min(finish, finish_by, every successor's bound)`, where
//!   FS gives `succ.ls − lag`, SS gives `succ.ls − lag + duration` and FF gives `succ.lf − lag`.
//!   Capping every task at the project finish (not only those without successors) matters for SS and
//!   FF: a long task that merely starts a short one still has to end by the finish. `ls = lf − duration`.
//! * **Total float** `= ls − es = lf − ef`. It is never negative unless a `finish_by` cannot be met;
//!   then it is negative on exactly the tasks that lead into the late date (and by how much it is late).
//! * **Free float** is how far a task can slip without moving any successor's early dates, the project
//!   finish or its own `finish_by`: the minimum over its dependencies of their slack in the early
//!   schedule (FS: `succ.es − (ef + lag)`, SS: `succ.es − (es + lag)`, FF: `succ.ef − (ef + lag)`),
//!   `finish − ef` and `finish_by − ef`, capped by the total float (a `finish_by` downstream can
//!   leave less room than the early schedule shows). **It is clamped at 0**: lateness is what total
//!   float reports, and a task that overruns its own date has no room to slip, not "negative room".
//!   Hence `0 ≤ free_float ≤ max(total_float, 0)`.
//! * **Critical** means `total_float ≤ 0`. `critical_path` is every critical task ordered by
//!   `(es, ef, input order)`. `critical_paths` are the chains of critical tasks linked by binding
//!   dependencies (a critical predecessor that drives a critical successor), from a chain start (no
//!   critical driver) to a chain end (drives no critical task), in input order, at most
//!   [`MAX_CRITICAL_PATHS`]. Without `finish_by` and `start_no_earlier`, every chain starts on day 0
//!   and ends at the project finish.
use super::DependencyKind;
use std::collections::HashMap;

/// How many critical chains [`Schedule::critical_paths`] lists at most (networks with many parallel
/// critical branches have exponentially many chains).
pub const MAX_CRITICAL_PATHS: usize = 32;

/// A task as the schedule sees it: an id, a duration and optional date constraints, all in
/// working-day offsets. `finish_by` is an exclusive finish offset (see
/// [`super::WorkingCalendar::finish_day_by`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanTask {
    pub id: String,
    pub duration: i64,
    pub start_no_earlier: Option<i64>,
    pub finish_by: Option<i64>,
}

impl PlanTask {
    /// A task with no date constraints.
    pub fn new(id: impl Into<String>, duration: i64) -> Self {
        PlanTask {
            id: id.into(),
            duration,
            start_no_earlier: None,
            finish_by: None,
        }
    }
}

/// `to` depends on `from`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dependency {
    pub from: String,
    pub to: String,
    pub kind: DependencyKind,
    pub lag: i64,
}

impl Dependency {
    pub fn new(
        from: impl Into<String>,
        to: impl Into<String>,
        kind: DependencyKind,
        lag: i64,
    ) -> Self {
        Dependency {
            from: from.into(),
            to: to.into(),
            kind,
            lag,
        }
    }

    /// Finish-to-start without lag, the common case.
    pub fn fs(from: impl Into<String>, to: impl Into<String>) -> Self {
        Self::new(from, to, DependencyKind::FinishToStart, 0)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TaskSchedule {
    pub id: String,
    pub es: i64,
    pub ef: i64,
    pub ls: i64,
    pub lf: i64,
    pub total_float: i64,
    pub free_float: i64,
    pub critical: bool,
    /// Predecessors whose dependency sets this task's early dates.
    pub driving: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Schedule {
    /// In input order.
    pub tasks: Vec<TaskSchedule>,
    /// The project's exclusive finish offset: the largest `ef`.
    pub finish: i64,
    pub critical_path: Vec<String>,
    pub critical_paths: Vec<Vec<String>>,
}

impl Schedule {
    /// The task with this id (a linear search: for every task, zip `tasks` with the input, which
    /// is in the same order).
    pub fn task(&self, id: &str) -> Option<&TaskSchedule> {
        self.tasks.iter().find(|t| t.id == id)
    }

    /// Whether some date cannot be met (some task has negative float).
    pub fn is_late(&self) -> bool {
        self.tasks.iter().any(|t| t.total_float < 0)
    }

    /// The tasks with negative float, in input order: those that make a date impossible.
    pub fn late_tasks(&self) -> Vec<&TaskSchedule> {
        self.tasks.iter().filter(|t| t.total_float < 0).collect()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error("task {0:?} is listed twice")]
    DuplicateTask(String),
    #[error("unknown task {task:?} (referenced by {referenced_by})")]
    UnknownTask { task: String, referenced_by: String },
    #[error("task {0:?} depends on itself")]
    SelfDependency(String),
    #[error("task {task:?} has a negative duration ({duration} days)")]
    NegativeDuration { task: String, duration: i64 },
    #[error("dependency cycle: {}", cycle_text(.0))]
    Cycle(Vec<String>),
}

/// "a → b → c → a": the cycle in dependency order, back to its first task.
fn cycle_text(ids: &[String]) -> String {
    let mut parts: Vec<&str> = ids.iter().map(String::as_str).collect();
    if let Some(first) = ids.first() {
        parts.push(first);
    }
    parts.join(" → ")
}

/// One dependency between task indices.
#[derive(Debug, Clone, Copy)]
struct Edge {
    from: usize,
    to: usize,
    kind: DependencyKind,
    lag: i64,
}

/// The validated, topologically sorted network: what the passes run over. Building it is the
/// part that hashes ids; re-solving after a duration change only needs [`Network::solve`].
#[derive(Debug, Clone)]
pub struct Network {
    ids: Vec<String>,
    durations: Vec<i64>,
    start_no_earlier: Vec<Option<i64>>,
    finish_by: Vec<Option<i64>>,
    edges: Vec<Edge>,
    /// Edge indices grouped by `to` (`pred_start[i]..pred_start[i+1]`) and by `from`.
    pred_edges: Vec<usize>,
    pred_start: Vec<usize>,
    succ_edges: Vec<usize>,
    succ_start: Vec<usize>,
    order: Vec<usize>,
}

impl Network {
    pub fn new(tasks: &[PlanTask], dependencies: &[Dependency]) -> Result<Network, PlanError> {
        let mut index: HashMap<&str, usize> = HashMap::with_capacity(tasks.len());
        for (i, t) in tasks.iter().enumerate() {
            if index.insert(t.id.as_str(), i).is_some() {
                return Err(PlanError::DuplicateTask(t.id.clone()));
            }
            if t.duration < 0 {
                return Err(PlanError::NegativeDuration {
                    task: t.id.clone(),
                    duration: t.duration,
                });
            }
        }
        let lookup = |id: &str, d: &Dependency| {
            index
                .get(id)
                .copied()
                .ok_or_else(|| PlanError::UnknownTask {
                    task: id.to_string(),
                    referenced_by: format!("the dependency {} → {}", d.from, d.to),
                })
        };
        let mut edges = Vec::with_capacity(dependencies.len());
        for d in dependencies {
            let from = lookup(&d.from, d)?;
            let to = lookup(&d.to, d)?;
            if from == to {
                return Err(PlanError::SelfDependency(d.from.clone()));
            }
            edges.push(Edge {
                from,
                to,
                kind: d.kind,
                lag: d.lag,
            });
        }
        let n = tasks.len();
        let (pred_start, pred_edges) = group(n, &edges, |e| e.to);
        let (succ_start, succ_edges) = group(n, &edges, |e| e.from);

        // Kahn's algorithm, taking ready tasks in input order for a stable result.
        let mut waiting: Vec<usize> = (0..n).map(|i| pred_start[i + 1] - pred_start[i]).collect();
        let mut order: Vec<usize> = (0..n).filter(|i| waiting[*i] == 0).collect();
        let mut next = 0;
        while next < order.len() {
            let i = order[next];
            next += 1;
            for &e in &succ_edges[succ_start[i]..succ_start[i + 1]] {
                let to = edges[e].to;
                waiting[to] -= 1;
                if waiting[to] == 0 {
                    order.push(to);
                }
            }
        }
        if order.len() < n {
            let cycle = find_cycle(&waiting, &edges, &pred_edges, &pred_start);
            return Err(PlanError::Cycle(
                cycle.into_iter().map(|i| tasks[i].id.clone()).collect(),
            ));
        }
        Ok(Network {
            ids: tasks.iter().map(|t| t.id.clone()).collect(),
            durations: tasks.iter().map(|t| t.duration).collect(),
            start_no_earlier: tasks.iter().map(|t| t.start_no_earlier).collect(),
            finish_by: tasks.iter().map(|t| t.finish_by).collect(),
            edges,
            pred_edges,
            pred_start,
            succ_edges,
            succ_start,
            order,
        })
    }

    /// The index of a task id (input order).
    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.ids.iter().position(|t| t == id)
    }

    /// Changes one task's duration (input index); the order stays valid, so re-solving is two passes.
    pub fn set_duration(&mut self, task: usize, duration: i64) -> Result<(), PlanError> {
        if duration < 0 {
            return Err(PlanError::NegativeDuration {
                task: self.ids[task].clone(),
                duration,
            });
        }
        self.durations[task] = duration;
        Ok(())
    }

    /// Runs the forward and backward passes.
    pub fn solve(&self) -> Schedule {
        let n = self.ids.len();
        let dur = &self.durations;
        let mut es = vec![0i64; n];
        let mut ef = vec![0i64; n];
        for &i in &self.order {
            let mut start = self.start_no_earlier[i].unwrap_or(0).max(0);
            for &e in self.preds(i) {
                start = start.max(self.early_bound(e, &es, &ef));
            }
            es[i] = start;
            ef[i] = start + dur[i];
        }
        let finish = ef.iter().copied().max().unwrap_or(0);

        let mut ls = vec![0i64; n];
        let mut lf = vec![0i64; n];
        for &i in self.order.iter().rev() {
            let mut late = self.finish_by[i].map_or(finish, |f| f.min(finish));
            for &e in self.succs(i) {
                let edge = self.edges[e];
                let bound = match edge.kind {
                    DependencyKind::FinishToStart => ls[edge.to] - edge.lag,
                    DependencyKind::StartToStart => ls[edge.to] - edge.lag + dur[i],
                    DependencyKind::FinishToFinish => lf[edge.to] - edge.lag,
                };
                late = late.min(bound);
            }
            lf[i] = late;
            ls[i] = late - dur[i];
        }

        let mut tasks = Vec::with_capacity(n);
        let mut critical = vec![false; n];
        for i in 0..n {
            let total_float = ls[i] - es[i];
            let mut free = self.finish_by[i].map_or(finish, |f| f.min(finish)) - ef[i];
            for &e in self.succs(i) {
                let edge = self.edges[e];
                let slack = match edge.kind {
                    DependencyKind::FinishToStart => es[edge.to] - (ef[i] + edge.lag),
                    DependencyKind::StartToStart => es[edge.to] - (es[i] + edge.lag),
                    DependencyKind::FinishToFinish => ef[edge.to] - (ef[i] + edge.lag),
                };
                free = free.min(slack);
            }
            critical[i] = total_float <= 0;
            let driving = self
                .preds(i)
                .iter()
                .filter(|&&e| self.early_bound(e, &es, &ef) == es[i])
                .map(|&e| self.ids[self.edges[e].from].clone())
                .collect();
            tasks.push(TaskSchedule {
                id: self.ids[i].clone(),
                es: es[i],
                ef: ef[i],
                ls: ls[i],
                lf: lf[i],
                total_float,
                // Never more room than the late schedule leaves, never negative.
                free_float: free.min(total_float).max(0),
                critical: critical[i],
                driving,
            });
        }

        let mut on_path: Vec<usize> = (0..n).filter(|i| critical[*i]).collect();
        on_path.sort_by_key(|&i| (es[i], ef[i], i));
        let critical_path = on_path.iter().map(|&i| self.ids[i].clone()).collect();
        let critical_paths = self.critical_chains(&critical, &es, &ef);
        Schedule {
            tasks,
            finish,
            critical_path,
            critical_paths,
        }
    }

    fn preds(&self, i: usize) -> &[usize] {
        &self.pred_edges[self.pred_start[i]..self.pred_start[i + 1]]
    }

    fn succs(&self, i: usize) -> &[usize] {
        &self.succ_edges[self.succ_start[i]..self.succ_start[i + 1]]
    }

    /// The earliest start that edge `e` allows its successor.
    fn early_bound(&self, e: usize, es: &[i64], ef: &[i64]) -> i64 {
        let edge = self.edges[e];
        match edge.kind {
            DependencyKind::FinishToStart => ef[edge.from] + edge.lag,
            DependencyKind::StartToStart => es[edge.from] + edge.lag,
            DependencyKind::FinishToFinish => ef[edge.from] + edge.lag - self.durations[edge.to],
        }
    }

    /// Whether edge `e` links two critical tasks and sets its successor's early start.
    fn binding(&self, e: usize, critical: &[bool], es: &[i64], ef: &[i64]) -> bool {
        let edge = self.edges[e];
        critical[edge.from] && critical[edge.to] && self.early_bound(e, es, ef) == es[edge.to]
    }

    fn critical_chains(&self, critical: &[bool], es: &[i64], ef: &[i64]) -> Vec<Vec<String>> {
        let n = self.ids.len();
        // Binding successors of each critical task, deduplicated (parallel edges give one link).
        let mut next: Vec<Vec<usize>> = vec![Vec::new(); n];
        let mut driven = vec![false; n];
        for e in 0..self.edges.len() {
            if self.binding(e, critical, es, ef) {
                let Edge { from, to, .. } = self.edges[e];
                if !next[from].contains(&to) {
                    next[from].push(to);
                }
                driven[to] = true;
            }
        }
        for list in &mut next {
            list.sort_unstable();
        }
        let mut chains = Vec::new();
        // Depth-first from each chain start, with an explicit stack of (task, next child).
        for startt in (0..n).filter(|&i| critical[i] && !driven[i]) {
            let mut path = vec![startt];
            let mut cursor = vec![0usize];
            while let Some(&top) = path.last() {
                if chains.len() >= MAX_CRITICAL_PATHS {
                    return chains;
                }
                let depth = path.len() - 1;
                if next[top].is_empty() {
                    chains.push(path.iter().map(|&i| self.ids[i].clone()).collect());
                    path.pop();
                    cursor.pop();
                } else if cursor[depth] < next[top].len() {
                    let child = next[top][cursor[depth]];
                    cursor[depth] += 1;
                    path.push(child);
                    cursor.push(0);
                } else {
                    path.pop();
                    cursor.pop();
                }
            }
        }
        chains
    }
}

/// Groups edge indices by a key (a task index): (start offsets of length n + 1, edge indices).
fn group(n: usize, edges: &[Edge], key: impl Fn(&Edge) -> usize) -> (Vec<usize>, Vec<usize>) {
    let mut start = vec![0usize; n + 1];
    for e in edges {
        start[key(e) + 1] += 1;
    }
    for i in 0..n {
        start[i + 1] += start[i];
    }
    let mut fill = start.clone();
    let mut grouped = vec![0usize; edges.len()];
    for (idx, e) in edges.iter().enumerate() {
        let k = key(e);
        grouped[fill[k]] = idx;
        fill[k] += 1;
    }
    (start, grouped)
}

/// A cycle among the tasks Kahn's algorithm could not sort (`waiting > 0`), in dependency order,
/// starting from its task that comes first in the input.
fn find_cycle(
    waiting: &[usize],
    edges: &[Edge],
    pred_edges: &[usize],
    pred_start: &[usize],
) -> Vec<usize> {
    // Every unsorted task has an unsorted predecessor, so walking back through them must repeat.
    let first = waiting
        .iter()
        .position(|w| *w > 0)
        .expect("an unsorted task");
    let mut seen_at = vec![usize::MAX; waiting.len()];
    let mut walk = Vec::new();
    let mut current = first;
    while seen_at[current] == usize::MAX {
        seen_at[current] = walk.len();
        walk.push(current);
        current = pred_edges[pred_start[current]..pred_start[current + 1]]
            .iter()
            .map(|&e| edges[e].from)
            .find(|&p| waiting[p] > 0)
            .expect("an unsorted task has an unsorted predecessor");
    }
    let mut cycle = walk.split_off(seen_at[current]);
    cycle.reverse();
    let lowest = (0..cycle.len()).min_by_key(|&k| cycle[k]).unwrap_or(0);
    cycle.rotate_left(lowest);
    cycle
}

/// Computes the schedule of a task network; see the module docs for the conventions.
pub fn schedule(tasks: &[PlanTask], dependencies: &[Dependency]) -> Result<Schedule, PlanError> {
    Ok(Network::new(tasks, dependencies)?.solve())
}
