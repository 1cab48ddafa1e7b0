//! Resource-constrained project scheduling (RCPSP): start days for activities that respect every
//! dependency (with lags) and never use more of a renewable resource on a day than it has.
//!
//! # Units and conventions
//! The same as [`super::cpm`]: working-day offsets from day 0, an activity occupies
//! `[start, start + duration)` (finish exclusive), and a [`Dependency`] from `p` to `s` means
//! FS `s.start ≥ p.finish + lag`, SS `s.start ≥ p.start + lag`, FF `s.finish ≥ p.finish + lag`.
//! No activity starts before day 0 or before its `release`. An activity uses `demand[r]` units of
//! resource `r` on every day it occupies; a zero-duration activity (a milestone) uses nothing.
//! A resource has a constant `capacity`, optionally overridden day by day by `calendar`
//! (`calendar[t]` units on day `t`, 0 for a day off; days past the calendar have `capacity`).
//! `due` is soft: it tightens the priority of an activity and ties between equally short
//! schedules go to the one with the least total lateness. `priority` (higher first) ranks
//! activities before any priority rule does.
//!
//! # Algorithm
//! 1. **Checks** ([`Problem::validate`]): unknown or duplicate ids, negative durations or demands,
//!    a resource with capacity ≤ 0, a demand above a capacity, a dependency cycle (named in
//!    dependency order) and absurd horizons are refused with an [`RcpspError`]; nothing panics.
//! 2. **Bounds**: a CPM forward/backward pass (releases and lags included) gives earliest and
//!    latest dates; the lower bound is the largest of the critical path, per resource the
//!    energy bound `⌈Σ duration·demand / capacity⌉` (constant capacities only), and a
//!    disjunctive (clique) bound: activities that pairwise cannot overlap (an FS chain with
//!    lags ≥ 0, or demands above a constant capacity together) need their summed durations
//!    between the smallest head and the smallest tail; cliques are grown greedily by decreasing
//!    duration from every activity (up to 600 activities).
//! 3. **Serial schedule-generation scheme** (SGS): activities are taken in the order of an
//!    *activity list* (a topological order) and each is put at the earliest day that satisfies its
//!    dependencies on those already placed and leaves enough of every resource on each of its days.
//! 4. **Priority rules** give the first lists: latest finish (LFT, tightened by `due`), latest
//!    start (the CPM late start), most total successors (MTS) and greatest rank positional weight
//!    (GRPW); then regret-biased random sampling on LFT fills the initial population.
//! 5. **Forward–backward improvement** (double justification, Valls et al. 2005) on *every*
//!    schedule: activities are shifted as late as possible in order of decreasing finish (the
//!    makespan stays), then as early as possible in order of increasing start. Each shift keeps
//!    the schedule feasible, so the result is never worse; it is repeated while it helps. The
//!    activity list is then rewritten in the order of the improved starts.
//! 6. **Genetic algorithm** on activity lists (Hartmann 1998) until the iteration budget is spent:
//!    two-point crossover of two tournament-selected parents (children stay topological), an
//!    insertion mutation on half the children (one activity moves to a random place between its
//!    last predecessor and its first successor in the list), steady-state replacement of the
//!    worst member unless the child duplicates a member's schedule, keeping the best schedule
//!    seen. Population 40 and a restart (keeping the best, re-sampled on LFT or late start)
//!    after 200·40 schedules without improvement up to 40 activities; 60 and 100·60 above. It
//!    stops early when the makespan reaches the lower bound (then it is proven optimal).
//! 7. **Re-plans** ([`replan`]) start from the previous plan: repairs over the previous start
//!    order keep every previous start that is still feasible and push only what the change
//!    forces (holding the untouched activities' slots with tolerances from 0 days to never
//!    displacing), then a restore pass moves activities back to their previous starts wherever
//!    the makespan and lateness allow. Candidates compare by makespan, then lateness, then the
//!    number of activities moved, so the search replaces the repair only with a shorter (or
//!    less late) plan.
//!
//! The budget is counted in *schedules* (each SGS pass and each justification pass counts one),
//! not in time: core reads no clock, so the result depends only on the problem, seed and budget.
use super::{Dependency, DependencyKind};
use std::collections::{BinaryHeap, HashMap};
use std::fmt;

/// No schedule may need more days than this (a guard against inputs that would need huge
/// day-by-day capacity tables).
pub const MAX_HORIZON: i64 = 1_000_000;

/// Something to schedule. `demand[r]` is per day, in units of resource `r` of [`Problem::resources`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Activity {
    pub id: String,
    pub duration: i64,
    pub demand: Vec<i64>,
    /// The activity starts on this day or later.
    pub release: i64,
    /// Soft exclusive finish day (see the module docs).
    pub due: Option<i64>,
    /// Higher is scheduled first when the rules would otherwise hesitate.
    pub priority: i64,
}

impl Activity {
    /// An activity with the given demands, released on day 0, without due date or priority.
    pub fn new(id: impl Into<String>, duration: i64, demand: Vec<i64>) -> Self {
        Activity {
            id: id.into(),
            duration,
            demand,
            release: 0,
            due: None,
            priority: 0,
        }
    }
}

/// A renewable resource: `capacity` units every day, unless `calendar` says otherwise for a day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resource {
    pub id: String,
    pub capacity: i64,
    pub calendar: Vec<i64>,
}

impl Resource {
    pub fn new(id: impl Into<String>, capacity: i64) -> Self {
        Resource {
            id: id.into(),
            capacity,
            calendar: Vec::new(),
        }
    }

    /// Units available on day `t`.
    pub fn capacity_on(&self, t: i64) -> i64 {
        usize::try_from(t)
            .ok()
            .and_then(|i| self.calendar.get(i).copied())
            .unwrap_or(self.capacity)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Problem {
    pub activities: Vec<Activity>,
    pub dependencies: Vec<Dependency>,
    pub resources: Vec<Resource>,
}

/// How long to search and from which seed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    pub seed: u64,
    /// How many schedules to generate at most (see the module docs); at least the priority rules
    /// are always tried.
    pub iterations: u64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            seed: 1,
            iterations: 5_000,
        }
    }
}

/// A feasible plan: `starts[i]` is the start day of `problem.activities[i]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Solution {
    pub starts: Vec<i64>,
    /// The largest exclusive finish (0 without activities).
    pub makespan: i64,
    /// No feasible schedule is shorter than this.
    pub lower_bound: i64,
    /// `makespan == lower_bound`: no schedule can be shorter.
    pub proven_optimal: bool,
    /// Total days late over the activities with a due day.
    pub lateness: i64,
    /// How many schedules were generated.
    pub schedules: u64,
}

/// Why a problem cannot be scheduled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RcpspError {
    DuplicateActivity(String),
    DuplicateResource(String),
    UnknownActivity {
        dependency: usize,
        id: String,
    },
    SelfDependency(String),
    NegativeDuration(String),
    NegativeRelease(String),
    DemandCount {
        activity: String,
        expected: usize,
        found: usize,
    },
    NegativeDemand {
        activity: String,
        resource: String,
    },
    NoCapacity(String),
    NegativeCalendar {
        resource: String,
        day: usize,
    },
    DemandAboveCapacity {
        activity: String,
        resource: String,
        demand: i64,
        capacity: i64,
    },
    Cycle(Vec<String>),
    HorizonTooLong(i64),
}

impl fmt::Display for RcpspError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RcpspError::DuplicateActivity(id) => write!(f, "activity {id:?} is listed twice"),
            RcpspError::DuplicateResource(id) => write!(f, "resource {id:?} is listed twice"),
            RcpspError::UnknownActivity { dependency, id } => {
                write!(f, "dependency {} names an unknown activity {id:?}", dependency + 1)
            }
            RcpspError::SelfDependency(id) => write!(f, "activity {id:?} depends on itself"),
            RcpspError::NegativeDuration(id) => {
                write!(f, "activity {id:?} has a negative duration")
            }
            RcpspError::NegativeRelease(id) => {
                write!(f, "activity {id:?} is released before day 0")
            }
            RcpspError::DemandCount { activity, expected, found } => write!(
                f,
                "activity {activity:?} gives {found} resource demands, there are {expected} resources"
            ),
            RcpspError::NegativeDemand { activity, resource } => write!(
                f,
                "activity {activity:?} has a negative demand for resource {resource:?}"
            ),
            RcpspError::NoCapacity(id) => {
                write!(f, "resource {id:?} has no capacity (it must be at least 1)")
            }
            RcpspError::NegativeCalendar { resource, day } => write!(
                f,
                "resource {resource:?} has a negative capacity on day {day}"
            ),
            RcpspError::DemandAboveCapacity { activity, resource, demand, capacity } => write!(
                f,
                "activity {activity:?} needs {demand} of resource {resource:?}, which has only {capacity}"
            ),
            RcpspError::Cycle(ids) => {
                write!(f, "the dependencies form a cycle: {}", ids.join(" → "))
            }
            RcpspError::HorizonTooLong(days) => write!(
                f,
                "the plan could need up to {days} days, more than the {MAX_HORIZON} the scheduler handles"
            ),
        }
    }
}

impl std::error::Error for RcpspError {}

/// What [`verify`] found wrong with a schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Violation {
    StartCount {
        expected: usize,
        found: usize,
    },
    BeforeRelease {
        activity: String,
        start: i64,
        release: i64,
    },
    Dependency {
        index: usize,
        from: String,
        to: String,
    },
    OverCapacity {
        resource: String,
        day: i64,
        used: i64,
        capacity: i64,
    },
    WrongMakespan {
        claimed: i64,
        actual: i64,
    },
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Violation::StartCount { expected, found } => {
                write!(f, "{found} starts for {expected} activities")
            }
            Violation::BeforeRelease { activity, start, release } => write!(
                f,
                "activity {activity:?} starts on day {start}, before its release on day {release}"
            ),
            Violation::Dependency { index, from, to } => {
                write!(f, "dependency {} ({from} → {to}) is not met", index + 1)
            }
            Violation::OverCapacity { resource, day, used, capacity } => write!(
                f,
                "resource {resource:?} is used {used} times on day {day}, its capacity is {capacity}"
            ),
            Violation::WrongMakespan { claimed, actual } => {
                write!(f, "the makespan is {actual}, not {claimed}")
            }
        }
    }
}

/// The earliest start a dependency allows its successor, given the predecessor's start.
fn bound_from_pred(
    kind: DependencyKind,
    lag: i64,
    pred_start: i64,
    pred_dur: i64,
    dur: i64,
) -> i64 {
    match kind {
        DependencyKind::FinishToStart => pred_start.saturating_add(pred_dur).saturating_add(lag),
        DependencyKind::StartToStart => pred_start.saturating_add(lag),
        DependencyKind::FinishToFinish => pred_start
            .saturating_add(pred_dur)
            .saturating_add(lag)
            .saturating_sub(dur),
    }
}

/// Checks a schedule on its own (no solver state, any input: arithmetic saturates): starts count, releases, every dependency with
/// its lag, every resource on every day, and that `makespan` is the largest finish.
pub fn verify(problem: &Problem, solution: &Solution) -> Result<(), Violation> {
    verify_starts(problem, &solution.starts)?;
    let actual = makespan_of(problem, &solution.starts);
    if actual != solution.makespan {
        return Err(Violation::WrongMakespan {
            claimed: solution.makespan,
            actual,
        });
    }
    Ok(())
}

/// [`verify`] for bare start days (no makespan to check).
pub fn verify_starts(problem: &Problem, starts: &[i64]) -> Result<(), Violation> {
    let acts = &problem.activities;
    if starts.len() != acts.len() {
        return Err(Violation::StartCount {
            expected: acts.len(),
            found: starts.len(),
        });
    }
    for (a, &s) in acts.iter().zip(starts) {
        let release = a.release.max(0);
        if s < release {
            return Err(Violation::BeforeRelease {
                activity: a.id.clone(),
                start: s,
                release,
            });
        }
    }
    let index: HashMap<&str, usize> = acts
        .iter()
        .enumerate()
        .map(|(i, a)| (a.id.as_str(), i))
        .collect();
    for (k, d) in problem.dependencies.iter().enumerate() {
        let violation = || Violation::Dependency {
            index: k,
            from: d.from.clone(),
            to: d.to.clone(),
        };
        let (Some(&p), Some(&s)) = (index.get(d.from.as_str()), index.get(d.to.as_str())) else {
            return Err(violation());
        };
        let need = bound_from_pred(d.kind, d.lag, starts[p], acts[p].duration, acts[s].duration);
        if starts[s] < need {
            return Err(violation());
        }
    }
    // Day-by-day usage from a sorted list of (day, +/- demand) events per resource.
    for (r, res) in problem.resources.iter().enumerate() {
        let mut events: Vec<(i64, i64)> = Vec::new();
        for (a, &s) in acts.iter().zip(starts) {
            let dem = a.demand.get(r).copied().unwrap_or(0);
            if dem != 0 && a.duration > 0 {
                events.push((s, dem));
                events.push((s.saturating_add(a.duration), -dem));
            }
        }
        events.sort_unstable();
        let mut used = 0;
        let mut i = 0;
        while i < events.len() {
            let day = events[i].0;
            while i < events.len() && events[i].0 == day {
                used += events[i].1;
                i += 1;
            }
            let until = events.get(i).map_or(day, |e| e.0);
            if used > 0 {
                // Capacity can change day by day inside [day, until) only where the calendar is.
                let calendar_end = i64::try_from(res.calendar.len()).unwrap_or(i64::MAX);
                let mut t = day;
                while t < until {
                    let capacity = res.capacity_on(t);
                    if used > capacity {
                        return Err(Violation::OverCapacity {
                            resource: res.id.clone(),
                            day: t,
                            used,
                            capacity,
                        });
                    }
                    t = if t >= calendar_end { until } else { t + 1 };
                }
            }
        }
    }
    Ok(())
}

fn makespan_of(problem: &Problem, starts: &[i64]) -> i64 {
    problem
        .activities
        .iter()
        .zip(starts)
        .map(|(a, s)| s.saturating_add(a.duration))
        .max()
        .unwrap_or(0)
        .max(0)
}

/// A small deterministic generator (SplitMix64): core takes no dependency for randomness.
#[derive(Debug, Clone)]
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n` (n > 0).
    fn below(&mut self, n: usize) -> usize {
        ((self.next() >> 11) % (n as u64)) as usize
    }
    fn chance(&mut self, p: f64) -> bool {
        ((self.next() >> 11) as f64) / ((1u64 << 53) as f64) < p
    }
}

/// An arc of the indexed network: the other end, the kind and the lag.
#[derive(Debug, Clone, Copy)]
struct Arc {
    other: usize,
    kind: DependencyKind,
    lag: i64,
}

/// The validated problem, indexed for the search.
struct Model<'a> {
    problem: &'a Problem,
    dur: Vec<i64>,
    release: Vec<i64>,
    preds: Vec<Vec<Arc>>,
    succs: Vec<Vec<Arc>>,
    /// Resources each activity uses, with the demand: `(resource, demand)`.
    uses: Vec<Vec<(usize, i64)>>,
    topo: Vec<usize>,
}

impl Problem {
    /// Refuses what cannot be scheduled (see [`RcpspError`]).
    pub fn validate(&self) -> Result<(), RcpspError> {
        Model::new(self).map(|_| ())
    }
}

impl<'a> Model<'a> {
    fn new(problem: &'a Problem) -> Result<Self, RcpspError> {
        let acts = &problem.activities;
        let n = acts.len();
        let nres = problem.resources.len();
        let mut seen = HashMap::new();
        for r in &problem.resources {
            if seen.insert(r.id.as_str(), ()).is_some() {
                return Err(RcpspError::DuplicateResource(r.id.clone()));
            }
            if r.capacity <= 0 {
                return Err(RcpspError::NoCapacity(r.id.clone()));
            }
            if let Some(day) = r.calendar.iter().position(|&c| c < 0) {
                return Err(RcpspError::NegativeCalendar {
                    resource: r.id.clone(),
                    day,
                });
            }
        }
        let mut index = HashMap::with_capacity(n);
        let mut uses = Vec::with_capacity(n);
        for (i, a) in acts.iter().enumerate() {
            if index.insert(a.id.as_str(), i).is_some() {
                return Err(RcpspError::DuplicateActivity(a.id.clone()));
            }
            if a.duration < 0 {
                return Err(RcpspError::NegativeDuration(a.id.clone()));
            }
            if a.release < 0 {
                return Err(RcpspError::NegativeRelease(a.id.clone()));
            }
            if a.demand.len() != nres {
                return Err(RcpspError::DemandCount {
                    activity: a.id.clone(),
                    expected: nres,
                    found: a.demand.len(),
                });
            }
            let mut used = Vec::new();
            for (r, (&dem, res)) in a.demand.iter().zip(&problem.resources).enumerate() {
                if dem < 0 {
                    return Err(RcpspError::NegativeDemand {
                        activity: a.id.clone(),
                        resource: res.id.clone(),
                    });
                }
                if dem > res.capacity {
                    return Err(RcpspError::DemandAboveCapacity {
                        activity: a.id.clone(),
                        resource: res.id.clone(),
                        demand: dem,
                        capacity: res.capacity,
                    });
                }
                if dem > 0 && a.duration > 0 {
                    used.push((r, dem));
                }
            }
            uses.push(used);
        }
        let mut preds = vec![Vec::new(); n];
        let mut succs = vec![Vec::new(); n];
        for (k, d) in problem.dependencies.iter().enumerate() {
            let find = |id: &str| {
                index
                    .get(id)
                    .copied()
                    .ok_or_else(|| RcpspError::UnknownActivity {
                        dependency: k,
                        id: id.to_string(),
                    })
            };
            let (p, s) = (find(&d.from)?, find(&d.to)?);
            if p == s {
                return Err(RcpspError::SelfDependency(d.from.clone()));
            }
            succs[p].push(Arc {
                other: s,
                kind: d.kind,
                lag: d.lag,
            });
            preds[s].push(Arc {
                other: p,
                kind: d.kind,
                lag: d.lag,
            });
        }
        // Every schedule the search builds fits in this many days (everything in a row).
        let mut horizon: i64 = 0;
        let mut add = |x: i64| horizon = horizon.saturating_add(x.max(0));
        for a in acts {
            add(a.duration);
            add(a.release);
        }
        for d in &problem.dependencies {
            add(d.lag.saturating_abs());
        }
        for r in &problem.resources {
            add(r.calendar.len() as i64);
        }
        if horizon > MAX_HORIZON {
            return Err(RcpspError::HorizonTooLong(horizon));
        }
        let topo = topological_order(n, &preds, &succs).map_err(|cycle| {
            RcpspError::Cycle(cycle.into_iter().map(|i| acts[i].id.clone()).collect())
        })?;
        Ok(Model {
            problem,
            dur: acts.iter().map(|a| a.duration).collect(),
            release: acts.iter().map(|a| a.release).collect(),
            preds,
            succs,
            uses,
            topo,
        })
    }

    fn n(&self) -> usize {
        self.dur.len()
    }

    /// Earliest start from the dependencies on activities already placed (`starts[p] >= 0`).
    fn earliest_from_preds(&self, i: usize, starts: &[i64]) -> i64 {
        let mut es = self.release[i];
        for a in &self.preds[i] {
            let ps = starts[a.other];
            if ps >= 0 {
                es = es.max(bound_from_pred(
                    a.kind,
                    a.lag,
                    ps,
                    self.dur[a.other],
                    self.dur[i],
                ));
            }
        }
        es.max(0)
    }

    /// Latest start the successors (all placed) allow.
    fn latest_from_succs(&self, i: usize, starts: &[i64], cap: i64) -> i64 {
        let d = self.dur[i];
        let mut ls = cap - d;
        for a in &self.succs[i] {
            let ss = starts[a.other];
            let sd = self.dur[a.other];
            let bound = match a.kind {
                DependencyKind::FinishToStart => ss - a.lag - d,
                DependencyKind::StartToStart => ss - a.lag,
                DependencyKind::FinishToFinish => ss + sd - a.lag - d,
            };
            ls = ls.min(bound);
        }
        ls
    }

    /// CPM early starts (no resources) and late starts against `finish`.
    fn cpm(&self) -> (Vec<i64>, i64) {
        let mut es = vec![-1; self.n()];
        for &i in &self.topo {
            es[i] = self.earliest_from_preds(i, &es);
        }
        let finish = (0..self.n())
            .map(|i| es[i] + self.dur[i])
            .max()
            .unwrap_or(0)
            .max(0);
        (es, finish)
    }

    fn late_starts(&self, finish: i64) -> Vec<i64> {
        let mut ls = vec![0; self.n()];
        for &i in self.topo.iter().rev() {
            ls[i] = self.latest_from_succs(i, &ls, finish);
        }
        ls
    }

    fn lower_bound(&self, cpm_finish: i64) -> i64 {
        let mut lb = cpm_finish;
        for (r, res) in self.problem.resources.iter().enumerate() {
            if !res.calendar.is_empty() {
                continue;
            }
            let energy: i64 = (0..self.n())
                .map(|i| {
                    self.uses[i]
                        .iter()
                        .filter(|u| u.0 == r)
                        .map(|u| u.1 * self.dur[i])
                        .sum::<i64>()
                })
                .sum();
            lb = lb.max((energy + res.capacity - 1) / res.capacity);
        }
        lb
    }

    /// A disjunctive (clique) bound: activities that pairwise cannot overlap — an FS chain with
    /// lags ≥ 0 between them, or demands on one resource (constant capacity) above it together —
    /// run one after another, so the makespan is at least the smallest head (CPM early start)
    /// plus their durations plus the smallest tail (the longest path after a finish). Cliques
    /// are grown greedily by decreasing duration, from every activity as seed on small
    /// problems. Skipped (0) on more than 600 activities, where re-plans must stay fast.
    fn clique_bound(&self, es: &[i64], ls: &[i64], cpm_finish: i64) -> i64 {
        let n = self.n();
        if n > 600 {
            return 0;
        }
        let words = n.div_ceil(64);
        // reach[i]: the FS/lag ≥ 0 successors of i, transitively.
        let mut reach = vec![0u64; n * words];
        for &i in self.topo.iter().rev() {
            for a in &self.succs[i] {
                if a.kind != DependencyKind::FinishToStart || a.lag < 0 {
                    continue;
                }
                let j = a.other;
                reach[i * words + j / 64] |= 1 << (j % 64);
                for w in 0..words {
                    let bits = reach[j * words + w];
                    reach[i * words + w] |= bits;
                }
            }
        }
        let has = |i: usize, j: usize| reach[i * words + j / 64] >> (j % 64) & 1 == 1;
        let caps: Vec<Option<i64>> = self
            .problem
            .resources
            .iter()
            .map(|r| r.calendar.is_empty().then_some(r.capacity))
            .collect();
        let apart = |i: usize, j: usize| {
            has(i, j)
                || has(j, i)
                || self.uses[i].iter().any(|&(r, d)| {
                    caps[r]
                        .is_some_and(|c| self.uses[j].iter().any(|&(r2, d2)| r2 == r && d + d2 > c))
                })
        };
        let mut order: Vec<usize> = (0..n).filter(|&i| self.dur[i] > 0).collect();
        order.sort_by_key(|&i| (std::cmp::Reverse(self.dur[i]), i));
        let tail = |i: usize| cpm_finish - ls[i] - self.dur[i];
        let seeds = if n <= 200 {
            order.len()
        } else {
            order.len().min(20)
        };
        let mut best = 0;
        let mut clique = Vec::new();
        for &seed in order.iter().take(seeds) {
            clique.clear();
            clique.push(seed);
            for &j in &order {
                if j != seed && clique.iter().all(|&c| apart(c, j)) {
                    clique.push(j);
                }
            }
            let total: i64 = clique.iter().map(|&c| self.dur[c]).sum();
            let head = clique.iter().map(|&c| es[c]).min().unwrap_or(0);
            let tail = clique.iter().map(|&c| tail(c)).min().unwrap_or(0).max(0);
            best = best.max(head + total + tail);
        }
        best
    }
}

/// Kahn's algorithm; on a cycle, the activities of one cycle in dependency order.
fn topological_order(
    n: usize,
    preds: &[Vec<Arc>],
    succs: &[Vec<Arc>],
) -> Result<Vec<usize>, Vec<usize>> {
    let mut indeg: Vec<usize> = preds.iter().map(Vec::len).collect();
    let mut ready: Vec<usize> = (0..n).rev().filter(|&i| indeg[i] == 0).collect();
    let mut order = Vec::with_capacity(n);
    while let Some(i) = ready.pop() {
        order.push(i);
        for a in &succs[i] {
            indeg[a.other] -= 1;
            if indeg[a.other] == 0 {
                ready.push(a.other);
            }
        }
    }
    if order.len() == n {
        return Ok(order);
    }
    // Walk back through unsorted predecessors until an activity repeats: that loop is a cycle.
    let start = (0..n).find(|&i| indeg[i] > 0).unwrap_or(0);
    let mut path = vec![start];
    let mut pos = HashMap::from([(start, 0usize)]);
    let mut cur = start;
    loop {
        let Some(p) = preds[cur].iter().map(|a| a.other).find(|&p| indeg[p] > 0) else {
            return Err(path);
        };
        if let Some(&k) = pos.get(&p) {
            let mut cycle: Vec<usize> = path[k..].to_vec();
            cycle.reverse();
            cycle.push(cycle[0]);
            return Err(cycle);
        }
        pos.insert(p, path.len());
        path.push(p);
        cur = p;
    }
}

/// Free capacity day by day (`free[r][t]`, grown as needed from the calendars; days past the
/// table have the calendar's capacity), so a fit test is one array read per resource and day.
struct Profile<'a> {
    resources: &'a [Resource],
    /// Capacity per day for the days grown so far (the calendar, then `capacity`).
    base: Vec<Vec<i64>>,
    free: Vec<Vec<i64>>,
}

impl<'a> Profile<'a> {
    fn new(resources: &'a [Resource]) -> Self {
        Profile {
            resources,
            base: vec![Vec::new(); resources.len()],
            free: vec![Vec::new(); resources.len()],
        }
    }

    fn clear(&mut self) {
        for (f, b) in self.free.iter_mut().zip(&self.base) {
            f.copy_from_slice(b);
        }
    }

    /// Grows the tables of resource `r` to cover days `0..end`.
    #[inline]
    fn ensure(&mut self, r: usize, end: i64) {
        let end = end.max(0) as usize;
        let len = self.free[r].len();
        if len < end {
            let target = end.max(2 * len).max(64);
            let res = &self.resources[r];
            let b = &mut self.base[r];
            b.extend((len..target).map(|t| res.capacity_on(t as i64)));
            self.free[r].extend_from_slice(&b[len..target]);
        }
    }

    fn add(&mut self, uses: &[(usize, i64)], start: i64, dur: i64, sign: i64) {
        for &(r, dem) in uses {
            self.ensure(r, start + dur);
            for x in &mut self.free[r][start as usize..(start + dur) as usize] {
                *x -= sign * dem;
            }
        }
    }

    /// Whether `[t, t + dur)` has room for `uses`.
    fn fits(&mut self, uses: &[(usize, i64)], t: i64, dur: i64) -> bool {
        for &(r, _) in uses {
            self.ensure(r, t + dur);
        }
        (t..t + dur).all(|tau| !self.blocked(uses, tau))
    }

    #[inline]
    fn blocked(&self, uses: &[(usize, i64)], tau: i64) -> bool {
        uses.iter()
            .any(|&(r, dem)| self.free[r][tau as usize] < dem)
    }

    /// The first day `t` in `from..` where `[t, t + dur)` has room for `uses`. Always exists:
    /// demands fit the capacity and days past the calendars and the usage have full capacity.
    /// Each day is looked at once.
    fn earliest_fit(&mut self, uses: &[(usize, i64)], from: i64, dur: i64) -> i64 {
        if uses.is_empty() {
            return from;
        }
        // Days below `covered` exist in every table used; grow them only past it (this loop
        // is most of the solver's time).
        let covered_by = |p: &Self| {
            uses.iter()
                .map(|&(r, _)| p.free[r].len() as i64)
                .min()
                .unwrap_or(0)
        };
        let mut covered = covered_by(self);
        let mut t = from;
        let mut k = t;
        loop {
            if k >= t + dur {
                return t;
            }
            if k >= covered {
                for &(r, _) in uses {
                    self.ensure(r, k + 1);
                }
                covered = covered_by(self);
            }
            if self.blocked(uses, k) {
                t = k + 1;
            }
            k += 1;
        }
    }

    /// The last day `t` in `from..=to` where `[t, t + dur)` has room, if any.
    fn latest_fit(&mut self, uses: &[(usize, i64)], from: i64, to: i64, dur: i64) -> Option<i64> {
        if to < from {
            return None;
        }
        for &(r, _) in uses {
            self.ensure(r, to + dur);
        }
        let mut t = to;
        let mut k = t + dur - 1;
        loop {
            if k < t {
                return Some(t);
            }
            if self.blocked(uses, k) {
                t = k - dur;
                if t < from {
                    return None;
                }
            }
            k -= 1;
        }
    }
}

/// One evaluated activity list.
#[derive(Clone)]
struct Individual {
    list: Vec<usize>,
    starts: Vec<i64>,
    makespan: i64,
    lateness: i64,
    /// Activities whose start differs from the previous plan's (re-plans only, else 0).
    moved: usize,
}

impl Individual {
    /// Shorter first, then less late, then (re-plans) fewer activities moved.
    fn key(&self) -> (i64, i64, usize) {
        (self.makespan, self.lateness, self.moved)
    }
}

struct Search<'a> {
    model: &'a Model<'a>,
    profile: Profile<'a>,
    schedules: u64,
    /// `related[i * n + j]`: a dependency links i and j (either way); bounds insertion mutations.
    related: Vec<bool>,
    /// The previous plan's starts when re-planning.
    previous: Option<&'a [i64]>,
}

impl<'a> Search<'a> {
    /// Serial SGS: each activity of `list` (a topological order) at its earliest feasible day.
    fn decode(&mut self, list: &[usize]) -> Vec<i64> {
        let m = self.model;
        self.schedules += 1;
        self.profile.clear();
        let mut starts = vec![-1; m.n()];
        for &i in list {
            let es = m.earliest_from_preds(i, &starts);
            let s = if m.uses[i].is_empty() {
                es
            } else {
                self.profile.earliest_fit(&m.uses[i], es, m.dur[i])
            };
            self.profile.add(&m.uses[i], s, m.dur[i], 1);
            starts[i] = s;
        }
        starts
    }

    /// Rebuilds the profile for a full schedule.
    fn load(&mut self, starts: &[i64]) {
        self.profile.clear();
        for (i, &s) in starts.iter().enumerate() {
            self.profile
                .add(&self.model.uses[i], s, self.model.dur[i], 1);
        }
    }

    /// Double justification: right shifts by decreasing finish, then left shifts by increasing
    /// start, while the makespan shrinks. Every shift keeps the schedule feasible.
    fn justify(&mut self, starts: &mut [i64]) {
        let m = self.model;
        let n = m.n();
        let mut makespan = makespan_of(m.problem, starts);
        let mut order: Vec<usize> = (0..n).collect();
        loop {
            self.schedules += 2;
            self.load(starts);
            order
                .sort_unstable_by_key(|&i| std::cmp::Reverse((starts[i] + m.dur[i], starts[i], i)));
            for &i in &order {
                let hi = m.latest_from_succs(i, starts, makespan);
                if hi <= starts[i] {
                    continue;
                }
                let uses = &m.uses[i];
                self.profile.add(uses, starts[i], m.dur[i], -1);
                let t = if uses.is_empty() {
                    hi
                } else {
                    self.profile
                        .latest_fit(uses, starts[i], hi, m.dur[i])
                        .unwrap_or(starts[i])
                };
                self.profile.add(uses, t, m.dur[i], 1);
                starts[i] = t;
            }
            order.sort_unstable_by_key(|&i| (starts[i], starts[i] + m.dur[i], i));
            for &i in &order {
                let lo = m.earliest_from_preds(i, starts);
                if lo >= starts[i] {
                    continue;
                }
                let uses = &m.uses[i];
                self.profile.add(uses, starts[i], m.dur[i], -1);
                // The current day fits, so the search ends at the latest there.
                let t = if uses.is_empty() {
                    lo
                } else {
                    self.profile.earliest_fit(uses, lo, m.dur[i])
                };
                self.profile.add(uses, t, m.dur[i], 1);
                starts[i] = t;
            }
            let new = makespan_of(m.problem, starts);
            if new >= makespan {
                return;
            }
            makespan = new;
        }
    }

    fn lateness(&self, starts: &[i64]) -> i64 {
        let acts = &self.model.problem.activities;
        acts.iter()
            .zip(starts)
            .filter_map(|(a, s)| {
                a.due
                    .map(|due| (s + a.duration).saturating_sub(due).clamp(0, MAX_HORIZON))
            })
            .sum()
    }

    fn moved(&self, starts: &[i64]) -> usize {
        self.previous
            .map_or(0, |p| p.iter().zip(starts).filter(|(a, b)| a != b).count())
    }

    /// The re-plan's first schedules: the serial SGS over the previous start order, except that
    /// an activity keeps its previous start whenever that is still feasible (dependencies on the
    /// activities already placed, release, resources), so only what the change pushes moves; it
    /// is not justified (justification would move untouched work too). A pushed activity goes
    /// to the first gap that leaves the previous slots of the activities not yet placed alone,
    /// unless that gap is more than `tolerance` days later than the first day it could take by
    /// displacing one of them (then it takes that day, and the displaced one is pushed in turn).
    fn repair(&mut self, list: &[usize], previous: &[i64], tolerance: i64) -> Individual {
        let m = self.model;
        self.schedules += 1;
        self.profile.clear();
        let mut held = Profile::new(&m.problem.resources);
        for &i in list {
            if previous[i] >= m.release[i] {
                held.add(&m.uses[i], previous[i], m.dur[i], 1);
            }
        }
        let mut starts = vec![-1; m.n()];
        for &i in list {
            let es = m.earliest_from_preds(i, &starts);
            let old = previous[i];
            let (uses, dur) = (&m.uses[i], m.dur[i]);
            if old >= m.release[i] {
                held.add(uses, old, dur, -1);
            }
            let s = if old >= es && held.fits(uses, old, dur) {
                old
            } else if uses.is_empty() {
                es
            } else {
                let free = self.profile.earliest_fit(uses, es, dur);
                let gap = held.earliest_fit(uses, es, dur);
                if gap <= free.saturating_add(tolerance) {
                    gap
                } else {
                    free
                }
            };
            self.profile.add(uses, s, dur, 1);
            held.add(uses, s, dur, 1);
            starts[i] = s;
        }
        Individual {
            makespan: makespan_of(m.problem, &starts),
            lateness: self.lateness(&starts),
            moved: self.moved(&starts),
            list: list.to_vec(),
            starts,
        }
    }

    /// Moves activities back to their previous starts, in previous start order and repeated while
    /// it helps, wherever that keeps the schedule feasible (dependencies both ways, release,
    /// resources), the makespan and the lateness: a re-plan then moves only what it must.
    fn restore(&mut self, ind: &mut Individual, previous: &[i64]) {
        let m = self.model;
        let n = m.n();
        let acts = &m.problem.activities;
        let late = |i: usize, s: i64| {
            acts[i]
                .due
                .map_or(0, |due| (s + m.dur[i]).saturating_sub(due).max(0))
        };
        let mut starts = std::mem::take(&mut ind.starts);
        self.schedules += 1;
        self.load(&starts);
        let makespan = ind.makespan;
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_unstable_by_key(|&i| (previous[i], i));
        loop {
            let mut changed = false;
            for &i in &order {
                let (old, dur) = (previous[i], m.dur[i]);
                if starts[i] == old
                    || old < m.release[i]
                    || old + dur > makespan
                    || late(i, old) > late(i, starts[i])
                    || old < m.earliest_from_preds(i, &starts)
                    || old > m.latest_from_succs(i, &starts, makespan)
                {
                    continue;
                }
                let uses = &m.uses[i];
                self.profile.add(uses, starts[i], dur, -1);
                if self.profile.fits(uses, old, dur) {
                    starts[i] = old;
                    changed = true;
                }
                self.profile.add(uses, starts[i], dur, 1);
            }
            if !changed {
                break;
            }
        }
        ind.lateness = self.lateness(&starts);
        ind.moved = self.moved(&starts);
        ind.starts = starts;
    }

    /// Decodes, justifies and rewrites the list in the order of the improved starts.
    fn evaluate(&mut self, list: &[usize]) -> Individual {
        let mut starts = self.decode(list);
        self.justify(&mut starts);
        let position: Vec<i64> = {
            let mut p = vec![0; list.len()];
            for (k, &i) in list.iter().enumerate() {
                p[i] = k as i64;
            }
            p
        };
        // Sorting by (start, old position) is topological unless lags let a successor start
        // before its predecessor; then the ready-list order below is used.
        let mut sorted: Vec<usize> = (0..list.len()).collect();
        sorted.sort_unstable_by_key(|&i| (starts[i], position[i]));
        let list = if self.is_topological(&sorted) {
            sorted
        } else {
            let keys: Vec<(i64, i64)> = (0..list.len()).map(|i| (starts[i], position[i])).collect();
            self.list_by_keys(&keys)
        };
        Individual {
            makespan: makespan_of(self.model.problem, &starts),
            lateness: self.lateness(&starts),
            moved: self.moved(&starts),
            list,
            starts,
        }
    }

    fn is_topological(&self, list: &[usize]) -> bool {
        let mut pos = vec![0usize; list.len()];
        for (k, &i) in list.iter().enumerate() {
            pos[i] = k;
        }
        self.model
            .succs
            .iter()
            .enumerate()
            .all(|(i, succ)| succ.iter().all(|a| pos[a.other] > pos[i]))
    }

    /// The topological order that always takes the ready activity with the smallest key.
    fn list_by_keys<K: Ord + Copy>(&self, keys: &[K]) -> Vec<usize> {
        let m = self.model;
        let mut indeg: Vec<usize> = m.preds.iter().map(Vec::len).collect();
        let mut heap: BinaryHeap<std::cmp::Reverse<(K, usize)>> = (0..m.n())
            .filter(|&i| indeg[i] == 0)
            .map(|i| std::cmp::Reverse((keys[i], i)))
            .collect();
        let mut list = Vec::with_capacity(m.n());
        while let Some(std::cmp::Reverse((_, i))) = heap.pop() {
            list.push(i);
            for a in &m.succs[i] {
                indeg[a.other] -= 1;
                if indeg[a.other] == 0 {
                    heap.push(std::cmp::Reverse((keys[a.other], a.other)));
                }
            }
        }
        list
    }

    /// Regret-biased random sampling: among ready activities, pick with probability proportional
    /// to `(max_key − key + 1)²` (smaller keys, e.g. latest finish, preferred).
    fn sample_list(&self, keys: &[i64], rng: &mut Rng) -> Vec<usize> {
        let m = self.model;
        let mut indeg: Vec<usize> = m.preds.iter().map(Vec::len).collect();
        let mut ready: Vec<usize> = (0..m.n()).filter(|&i| indeg[i] == 0).collect();
        let mut list = Vec::with_capacity(m.n());
        let mut weights = Vec::new();
        while !ready.is_empty() {
            let worst = ready.iter().map(|&i| keys[i]).max().unwrap_or(0);
            weights.clear();
            weights.extend(ready.iter().map(|&i| {
                let regret = (worst - keys[i]) as f64 + 1.0;
                regret * regret
            }));
            let total: f64 = weights.iter().sum();
            let mut x = (rng.next() >> 11) as f64 / ((1u64 << 53) as f64) * total;
            let mut pick = ready.len() - 1;
            for (k, w) in weights.iter().enumerate() {
                if x < *w {
                    pick = k;
                    break;
                }
                x -= w;
            }
            let i = ready.swap_remove(pick);
            list.push(i);
            for a in &m.succs[i] {
                indeg[a.other] -= 1;
                if indeg[a.other] == 0 {
                    ready.push(a.other);
                }
            }
        }
        list
    }

    /// Two-point crossover (Hartmann): the head from `mother`, the middle in `father`'s order,
    /// the rest in `mother`'s order. Both parents are topological, so is the child.
    fn crossover(&self, mother: &[usize], father: &[usize], rng: &mut Rng) -> Vec<usize> {
        let n = mother.len();
        let mut q1 = rng.below(n + 1);
        let mut q2 = rng.below(n + 1);
        if q1 > q2 {
            std::mem::swap(&mut q1, &mut q2);
        }
        let mut taken = vec![false; n];
        let mut child = Vec::with_capacity(n);
        for &i in &mother[..q1] {
            taken[i] = true;
            child.push(i);
        }
        for &i in father {
            if child.len() >= q2 {
                break;
            }
            if !taken[i] {
                taken[i] = true;
                child.push(i);
            }
        }
        for &i in mother {
            if !taken[i] {
                taken[i] = true;
                child.push(i);
            }
        }
        child
    }

    /// Insertion mutation: one activity moves to a random position between its last
    /// predecessor and its first successor in the list (so the list stays topological).
    fn shift_mutate(&self, list: &mut Vec<usize>, rng: &mut Rng) {
        let n = list.len();
        if n < 2 {
            return;
        }
        let k = rng.below(n);
        let i = list[k];
        let mut lo = k;
        while lo > 0 && !self.related[list[lo - 1] * n + i] {
            lo -= 1;
        }
        let mut hi = k;
        while hi + 1 < n && !self.related[list[hi + 1] * n + i] {
            hi += 1;
        }
        let to = lo + rng.below(hi - lo + 1);
        let x = list.remove(k);
        list.insert(to, x);
    }
}

/// Schedules `problem` (see the module docs for the algorithm). The result always passes
/// [`verify`]; the same problem, seed and budget give the same schedule.
pub fn solve(problem: &Problem, options: Options) -> Result<Solution, RcpspError> {
    solve_until(problem, options, &mut |_| false)
}

/// [`solve`] with a guard the caller controls: `stop(schedules)` is asked before each new
/// schedule, and the search ends with the best schedule so far once it answers `true`. The
/// caller's clock lives here (core reads none): with a guard that never fires the result is the
/// deterministic one of [`solve`].
pub fn solve_until(
    problem: &Problem,
    options: Options,
    stop: &mut dyn FnMut(u64) -> bool,
) -> Result<Solution, RcpspError> {
    search(problem, options, None, stop)
}

/// Re-plans after a small change (a booking moved, a duration edited): the previous starts
/// (`previous[i]` for `problem.activities[i]`, e.g. the last [`Solution::starts`]) give the
/// first activity list. Repairs of that order keep every previous start that is still feasible
/// and move only what the change pushes; a restore pass puts moved activities back where it
/// can (see the module docs, step 7). The search then replaces the repair only with a strictly
/// shorter (or less late) schedule; among equally good ones the fewest moved activities win.
/// Each repair and restore counts one schedule; with a small budget a re-plan costs a few
/// schedules instead of a full search. Deterministic like [`solve`].
pub fn replan(
    problem: &Problem,
    previous: &[i64],
    options: Options,
) -> Result<Solution, RcpspError> {
    search(problem, options, Some(previous), &mut |_| false)
}

/// How many days later than the first day it could take by displacing an untouched activity
/// a pushed one may go to leave the untouched ones alone, per repair (see `Search::repair`).
const REPAIR_TOLERANCES: [i64; 8] = [0, 2, 4, 6, 10, 20, 50, MAX_HORIZON];

fn search(
    problem: &Problem,
    options: Options,
    warm_start: Option<&[i64]>,
    stop: &mut dyn FnMut(u64) -> bool,
) -> Result<Solution, RcpspError> {
    let model = Model::new(problem)?;
    let n = model.n();
    let (cpm_es, cpm_finish) = model.cpm();
    let lower_bound = model.lower_bound(cpm_finish).max(model.clique_bound(
        &cpm_es,
        &model.late_starts(cpm_finish),
        cpm_finish,
    ));
    if n == 0 {
        return Ok(Solution {
            starts: Vec::new(),
            makespan: 0,
            lower_bound: 0,
            proven_optimal: true,
            lateness: 0,
            schedules: 0,
        });
    }
    let mut related = vec![false; n * n];
    for (i, succ) in model.succs.iter().enumerate() {
        for a in succ {
            related[i * n + a.other] = true;
            related[a.other * n + i] = true;
        }
    }
    let mut search = Search {
        model: &model,
        profile: Profile::new(&problem.resources),
        schedules: 0,
        related,
        previous: warm_start.filter(|p| p.len() == n),
    };
    let mut rng = Rng(options.seed ^ 0x5DEE_CE66_D1CE_4E5B);

    // Priority rules (smaller key first; the activity's own priority comes before the rule).
    let ls = model.late_starts(cpm_finish);
    let lf: Vec<i64> = (0..n)
        .map(|i| {
            let f = ls[i] + model.dur[i];
            problem.activities[i].due.map_or(f, |d| f.min(d))
        })
        .collect();
    let mut total_succ = vec![0i64; n];
    {
        // Transitive successor counts with bitsets, in reverse topological order.
        let words = n.div_ceil(64);
        let mut reach = vec![0u64; n * words];
        for &i in model.topo.iter().rev() {
            for a in &model.succs[i] {
                let j = a.other;
                reach[i * words + j / 64] |= 1 << (j % 64);
                for w in 0..words {
                    let bits = reach[j * words + w];
                    reach[i * words + w] |= bits;
                }
            }
            total_succ[i] = reach[i * words..(i + 1) * words]
                .iter()
                .map(|w| i64::from(w.count_ones()))
                .sum();
        }
    }
    let grpw: Vec<i64> = (0..n)
        .map(|i| {
            model.dur[i]
                + model.succs[i]
                    .iter()
                    .map(|a| model.dur[a.other])
                    .sum::<i64>()
        })
        .collect();
    let prio = |i: usize| -problem.activities[i].priority;
    let rules: [Vec<(i64, i64, i64)>; 4] = [
        (0..n).map(|i| (prio(i), lf[i], ls[i])).collect(),
        (0..n).map(|i| (prio(i), ls[i], lf[i])).collect(),
        (0..n).map(|i| (prio(i), -total_succ[i], lf[i])).collect(),
        (0..n).map(|i| (prio(i), -grpw[i], lf[i])).collect(),
    ];

    let budget = options.iterations.max(1);
    let mut population: Vec<Individual> = Vec::new();
    let mut best: Option<Individual> = None;
    let consider = |ind: &Individual, best: &mut Option<Individual>| {
        if best.as_ref().is_none_or(|b| ind.key() < b.key()) {
            *best = Some(ind.clone());
        }
    };
    let mut done = |best: &Option<Individual>, schedules: u64| {
        best.as_ref()
            .is_some_and(|b| b.makespan <= lower_bound && b.lateness == 0)
            || schedules >= budget
            || stop(schedules)
    };
    if let Some(previous) = warm_start.filter(|p| p.len() == n) {
        let list = search.list_by_keys(previous);
        // Repairs that hold the untouched activities' slots more or less firmly (the last
        // one never displaces any): each keeps what it can, the best by (makespan, lateness,
        // moved) is the one to beat.
        for tolerance in REPAIR_TOLERANCES {
            let mut ind = search.repair(&list, previous, tolerance);
            search.restore(&mut ind, previous);
            let nothing_moved = ind.moved == 0;
            consider(&ind, &mut best);
            if nothing_moved || done(&best, search.schedules) {
                break;
            }
        }
        if !done(&best, search.schedules) {
            let ind = search.evaluate(&list);
            consider(&ind, &mut best);
            population.push(ind);
        }
    }
    for keys in &rules {
        // A warm start may end within its budget; a cold one always tries every rule.
        if warm_start.is_some() && done(&best, search.schedules) {
            break;
        }
        let list = search.list_by_keys(keys);
        let ind = search.evaluate(&list);
        consider(&ind, &mut best);
        population.push(ind);
    }
    // Small problems converge fast and gain from frequent restarts; larger ones from a larger
    // population searched longer (measured on j30 against j60 and j120).
    let small = n <= 40;
    let pop_size = (if small { 40 } else { 60 }).min(2 * n).max(4);
    let sample_keys: Vec<i64> = (0..n)
        .map(|i| lf[i] - 1000 * problem.activities[i].priority.clamp(-1000, 1000))
        .collect();
    let ls_keys: Vec<i64> = (0..n)
        .map(|i| ls[i] - 1000 * problem.activities[i].priority.clamp(-1000, 1000))
        .collect();
    while population.len() < pop_size && !done(&best, search.schedules) {
        let list = search.sample_list(&sample_keys, &mut rng);
        let ind = search.evaluate(&list);
        consider(&ind, &mut best);
        population.push(ind);
    }
    // Half the children get one insertion mutation (measured better than neighbour swaps).
    let shift_rate = 0.5;
    // Restart the population (keeping the best) when the best has not improved for a while:
    // a converged population only re-finds the same schedules.
    // Measured on all of j30 at 1 s: restarting after 25 populations' worth of schedules
    // without a better one found 472 optima of 480, after 200 found 475 (400: 475, 1000:
    // fewer); on j60 (every 8th) 100 beat 30 and 300.
    let stall = if small { 200 } else { 100 } * pop_size as u64;
    let mut improved_at = search.schedules;
    let mut best_key = best.as_ref().map(Individual::key);
    let mut restarts = 0u64;
    while !done(&best, search.schedules) {
        if search.schedules - improved_at > stall {
            restarts += 1;
            improved_at = search.schedules;
            population.sort_by_key(Individual::key);
            population.truncate(1);
            // Alternate the biasing rule between restarts: LFT, then the CPM late start.
            let keys: &Vec<i64> = if restarts % 2 == 1 {
                &ls_keys
            } else {
                &sample_keys
            };
            while population.len() < pop_size && !done(&best, search.schedules) {
                let list = search.sample_list(keys, &mut rng);
                let ind = search.evaluate(&list);
                consider(&ind, &mut best);
                population.push(ind);
            }
            continue;
        }
        let pick = |rng: &mut Rng, population: &[Individual]| {
            let a = rng.below(population.len());
            let b = rng.below(population.len());
            if population[a].key() <= population[b].key() {
                a
            } else {
                b
            }
        };
        let m = pick(&mut rng, &population);
        let f = pick(&mut rng, &population);
        let mut child = search.crossover(&population[m].list, &population[f].list, &mut rng);
        if rng.chance(shift_rate) {
            search.shift_mutate(&mut child, &mut rng);
        }
        let ind = search.evaluate(&child);
        consider(&ind, &mut best);
        let worst = (0..population.len())
            .max_by_key(|&k| population[k].key())
            .unwrap_or(0);
        let duplicate = population.iter().any(|p| p.starts == ind.starts);
        if !duplicate && ind.key() <= population[worst].key() {
            population[worst] = ind;
        }
        let key = best.as_ref().map(Individual::key);
        if key < best_key {
            best_key = key;
            improved_at = search.schedules;
        }
    }
    let mut best = best.unwrap_or_else(|| search.evaluate(&model.topo));
    if let Some(previous) = search.previous {
        search.restore(&mut best, previous);
    }
    Ok(Solution {
        makespan: best.makespan,
        lower_bound,
        proven_optimal: best.makespan <= lower_bound,
        lateness: best.lateness,
        schedules: search.schedules,
        starts: best.starts,
    })
}
