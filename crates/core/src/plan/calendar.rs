//! Working calendars: which dates are working days, and the mapping between dates and
//! working-day offsets that the schedule counts in.
//!
//! Day 0 is the first working day on or after the calendar's start date. Offset `n` is the n-th
//! working day after it (negative offsets count back before day 0). A date that is not a working
//! day has no offset of its own: [`WorkingCalendar::day_on_or_after`] rounds it forward (a "start
//! no earlier than" reading) and [`WorkingCalendar::finish_day_by`] rounds it back (a "finished by
//! the end of" reading).
//!
//! Every mapping is week arithmetic plus binary searches over the sorted holidays, so a call costs
//! O(log holidays) (O(log² holidays) for [`WorkingCalendar::date_of_day`]) whatever the offset;
//! schedules of thousands of tasks map every task's dates.
use chrono::{Datelike, Duration, NaiveDate, Weekday};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error("the working week has no working days")]
    NoWorkingDays,
    #[error("unknown weekday {0:?} (expected mon, tue, wed, thu, fri, sat or sun)")]
    UnknownWeekday(String),
}

/// A studio's (or a person's) working week and holidays, anchored at a start date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkingCalendar {
    start: NaiveDate,
    /// `working[d]` for d = days since Monday.
    working: [bool; 7],
    /// `before[d]`: working weekdays among the d weekdays Monday..(Monday + d), exclusive.
    before: [i64; 8],
    per_week: i64,
    /// Holidays that fall on working weekdays, sorted and unique (others change nothing).
    holidays: Vec<NaiveDate>,
    /// The Monday on or before `start`: the origin of the raw (holiday-blind) count.
    origin: NaiveDate,
    /// Working days (holidays counted) in [origin, start): day 0's index from the origin.
    day0_index: i64,
}

impl WorkingCalendar {
    /// Day 0 is the first working day on or after `start`.
    pub fn new(
        start: NaiveDate,
        working_days: &[Weekday],
        holidays: &[NaiveDate],
    ) -> Result<Self, CalendarError> {
        let mut working = [false; 7];
        for d in working_days {
            working[d.num_days_from_monday() as usize] = true;
        }
        if !working.iter().any(|w| *w) {
            return Err(CalendarError::NoWorkingDays);
        }
        let mut before = [0i64; 8];
        for d in 0..7 {
            before[d + 1] = before[d] + i64::from(working[d]);
        }
        let mut hol: Vec<NaiveDate> = holidays
            .iter()
            .copied()
            .filter(|h| working[h.weekday().num_days_from_monday() as usize])
            .collect();
        hol.sort_unstable();
        hol.dedup();
        let mut cal = WorkingCalendar {
            start,
            working,
            before,
            per_week: before[7],
            holidays: hol,
            origin: start,
            day0_index: 0,
        };
        cal.origin = start - Duration::days(i64::from(start.weekday().num_days_from_monday()));
        // Working days before `start` = the index of the first working day on or after it.
        cal.day0_index = cal.raw_before(start) - cal.holidays_before(start);
        Ok(cal)
    }

    /// "mon", "Mon", "monday" … → Weekday.
    pub fn parse_weekday(s: &str) -> Result<Weekday, CalendarError> {
        let lower = s.trim().to_ascii_lowercase();
        const NAMES: [(&str, &str, Weekday); 7] = [
            ("mon", "monday", Weekday::Mon),
            ("tue", "tuesday", Weekday::Tue),
            ("wed", "wednesday", Weekday::Wed),
            ("thu", "thursday", Weekday::Thu),
            ("fri", "friday", Weekday::Fri),
            ("sat", "saturday", Weekday::Sat),
            ("sun", "sunday", Weekday::Sun),
        ];
        NAMES
            .iter()
            .find(|(short, long, _)| lower == *short || lower == *long)
            .map(|(_, _, d)| *d)
            .ok_or_else(|| CalendarError::UnknownWeekday(s.to_string()))
    }

    /// A person's calendar: the studio's plus their own days off.
    pub fn with_days_off(&self, days_off: &[NaiveDate]) -> WorkingCalendar {
        let weekdays: Vec<Weekday> = (0..7)
            .filter(|d| self.working[*d])
            .map(|d| Weekday::try_from(d as u8).expect("0..7 is a weekday"))
            .collect();
        let mut all = self.holidays.clone();
        all.extend_from_slice(days_off);
        WorkingCalendar::new(self.start, &weekdays, &all).expect("the studio week has working days")
    }

    pub fn start(&self) -> NaiveDate {
        self.start
    }

    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        self.working[date.weekday().num_days_from_monday() as usize]
            && self.holidays.binary_search(&date).is_err()
    }

    /// The date of working-day offset `day` (negative offsets count back before day 0).
    pub fn date_of_day(&self, day: i64) -> NaiveDate {
        // The answer is the working weekday with raw index `target + k - k0`, where k is the
        // number of holidays before it. Raising k by one moves the candidate one working weekday
        // on, past at most one holiday, so "holidays before candidate(k)" minus k never rises:
        // binary-search the first k where it reaches zero, then step over a run of holidays.
        let target = self.day0_index + day;
        let k0 = self.holidays.partition_point(|h| *h < self.origin) as i64;
        let candidate = |k: i64| self.raw_date_of(target + k - k0);
        let excess = |k: i64| self.holidays.partition_point(|h| *h < candidate(k)) as i64 - k;
        let (mut lo, mut hi) = (0i64, self.holidays.len() as i64);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if excess(mid) <= 0 {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        let mut k = lo;
        while self.holidays.binary_search(&candidate(k)).is_ok() {
            k += 1;
        }
        candidate(k)
    }

    /// Offset of the first working day on or after `date` (a "start no earlier than" constraint).
    pub fn day_on_or_after(&self, date: NaiveDate) -> i64 {
        // The count of working days strictly before `date` is the index of the first working day
        // on or after it.
        self.raw_before(date) - self.holidays_before(date) - self.day0_index
    }

    /// Exclusive finish offset for "finished by the end of `date`": 1 + offset of the last working
    /// day on or before `date`.
    pub fn finish_day_by(&self, date: NaiveDate) -> i64 {
        self.day_on_or_after(date + Duration::days(1))
    }

    /// The last working date of work that ends (exclusive) at offset `day`, i.e.
    /// `date_of_day(day - 1)`; for display.
    pub fn last_working_date(&self, day: i64) -> NaiveDate {
        self.date_of_day(day - 1)
    }

    /// Working days in [from, to) (negative when `to` is before `from`).
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> i64 {
        self.day_on_or_after(to) - self.day_on_or_after(from)
    }

    /// Working weekdays (holidays ignored) in [origin, date); negative before the origin.
    fn raw_before(&self, date: NaiveDate) -> i64 {
        let days = (date - self.origin).num_days();
        let weeks = days.div_euclid(7);
        let rest = days.rem_euclid(7) as usize;
        weeks * self.per_week + self.before[rest]
    }

    /// Holidays strictly before `date`, relative to the origin (negative for holidays before it).
    fn holidays_before(&self, date: NaiveDate) -> i64 {
        let at_date = self.holidays.partition_point(|h| *h < date) as i64;
        let at_origin = self.holidays.partition_point(|h| *h < self.origin) as i64;
        at_date - at_origin
    }

    /// The working weekday (holidays ignored) with raw index `index` from the origin.
    fn raw_date_of(&self, index: i64) -> NaiveDate {
        let weeks = index.div_euclid(self.per_week);
        let mut rest = index.rem_euclid(self.per_week);
        let mut offset = 0usize;
        for d in 0..7 {
            if self.working[d] {
                if rest == 0 {
                    offset = d;
                    break;
                }
                rest -= 1;
            }
        }
        self.origin + Duration::days(weeks * 7 + offset as i64)
    }
}
