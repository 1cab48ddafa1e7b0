//! Planning: tasks, dependencies, working calendars and the critical path method.
//!
//! The vocabulary here (statuses, dependency kinds, milestone kinds) is shared by templates, the
//! store, the pages and the API; `calendar` maps working-day offsets to dates and `cpm` computes
//! the schedule. Everything is pure: the caller loads a plan, asks for its schedule, shows it.
use serde::{Deserialize, Serialize};
use std::fmt;

pub mod calendar;
pub mod cpm;
pub mod psplib;
pub mod rcpsp;

pub use calendar::{CalendarError, WorkingCalendar};
pub use cpm::{schedule, Dependency, PlanError, PlanTask, Schedule, TaskSchedule};

/// How a dependency ties two tasks: finish-to-start, start-to-start or finish-to-finish.
/// The lag (in working days) is added to the predecessor's date; a negative lag is a lead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum DependencyKind {
    #[serde(rename = "FS")]
    FinishToStart,
    #[serde(rename = "SS")]
    StartToStart,
    #[serde(rename = "FF")]
    FinishToFinish,
}

impl DependencyKind {
    pub const ALL: [DependencyKind; 3] = [
        DependencyKind::FinishToStart,
        DependencyKind::StartToStart,
        DependencyKind::FinishToFinish,
    ];

    /// The two-letter code used in files, the API and the store: `FS`, `SS`, `FF`.
    pub fn as_str(self) -> &'static str {
        match self {
            DependencyKind::FinishToStart => "FS",
            DependencyKind::StartToStart => "SS",
            DependencyKind::FinishToFinish => "FF",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            DependencyKind::FinishToStart => "finish-to-start",
            DependencyKind::StartToStart => "start-to-start",
            DependencyKind::FinishToFinish => "finish-to-finish",
        }
    }

    /// Accepts the code in any case (`fs`, `SS`).
    pub fn parse(s: &str) -> Option<DependencyKind> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(s.trim()))
    }
}

impl fmt::Display for DependencyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a task is in its life. `Approved` counts as done for progress and forecasts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    NotStarted,
    InProgress,
    InReview,
    Approved,
    Blocked,
}

impl TaskStatus {
    pub const ALL: [TaskStatus; 5] = [
        TaskStatus::NotStarted,
        TaskStatus::InProgress,
        TaskStatus::InReview,
        TaskStatus::Approved,
        TaskStatus::Blocked,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TaskStatus::NotStarted => "not_started",
            TaskStatus::InProgress => "in_progress",
            TaskStatus::InReview => "in_review",
            TaskStatus::Approved => "approved",
            TaskStatus::Blocked => "blocked",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            TaskStatus::NotStarted => "Not started",
            TaskStatus::InProgress => "In progress",
            TaskStatus::InReview => "In review",
            TaskStatus::Approved => "Approved",
            TaskStatus::Blocked => "Blocked",
        }
    }

    pub fn parse(s: &str) -> Option<TaskStatus> {
        Self::ALL.into_iter().find(|t| t.as_str() == s.trim())
    }

    pub fn is_done(self) -> bool {
        self == TaskStatus::Approved
    }
}

/// The dates every department watches. `Custom` milestones carry their own name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MilestoneKind {
    PictureLock,
    ColorFinish,
    SoundDelivered,
    VfxFinal,
    QcPassed,
    Delivered,
    Archived,
    Custom,
}

impl MilestoneKind {
    pub const ALL: [MilestoneKind; 8] = [
        MilestoneKind::PictureLock,
        MilestoneKind::ColorFinish,
        MilestoneKind::SoundDelivered,
        MilestoneKind::VfxFinal,
        MilestoneKind::QcPassed,
        MilestoneKind::Delivered,
        MilestoneKind::Archived,
        MilestoneKind::Custom,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MilestoneKind::PictureLock => "picture_lock",
            MilestoneKind::ColorFinish => "color_finish",
            MilestoneKind::SoundDelivered => "sound_delivered",
            MilestoneKind::VfxFinal => "vfx_final",
            MilestoneKind::QcPassed => "qc_passed",
            MilestoneKind::Delivered => "delivered",
            MilestoneKind::Archived => "archived",
            MilestoneKind::Custom => "custom",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            MilestoneKind::PictureLock => "Picture lock",
            MilestoneKind::ColorFinish => "Color finish",
            MilestoneKind::SoundDelivered => "Sound delivered",
            MilestoneKind::VfxFinal => "VFX final",
            MilestoneKind::QcPassed => "QC passed",
            MilestoneKind::Delivered => "Delivered",
            MilestoneKind::Archived => "Archived",
            MilestoneKind::Custom => "Milestone",
        }
    }

    pub fn parse(s: &str) -> Option<MilestoneKind> {
        Self::ALL.into_iter().find(|m| m.as_str() == s.trim())
    }
}

/// A task's length as planned: whole working days, or hours for short jobs (a conform, a QC pass).
/// The schedule counts in working days; hours round up to whole days of `hours_per_day`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskDuration {
    Days(u32),
    Hours(u32),
}

impl TaskDuration {
    pub fn working_days(self, hours_per_day: u32) -> i64 {
        match self {
            TaskDuration::Days(d) => i64::from(d),
            TaskDuration::Hours(h) => i64::from(h.div_ceil(hours_per_day.max(1))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for k in DependencyKind::ALL {
            assert_eq!(DependencyKind::parse(&k.as_str().to_lowercase()), Some(k));
        }
        for s in TaskStatus::ALL {
            assert_eq!(TaskStatus::parse(s.as_str()), Some(s));
        }
        for m in MilestoneKind::ALL {
            assert_eq!(MilestoneKind::parse(m.as_str()), Some(m));
        }
        assert_eq!(TaskStatus::parse("done"), None);
    }

    #[test]
    fn hours_round_up_to_working_days() {
        assert_eq!(TaskDuration::Hours(4).working_days(8), 1);
        assert_eq!(TaskDuration::Hours(9).working_days(8), 2);
        assert_eq!(TaskDuration::Days(3).working_days(8), 3);
    }
}
