//! Reads the single-mode PSPLIB `.sm` format (Kolisch & Sprecher, 1996) into an RCPSP
//! [`Problem`]: jobs `1..=n` (ids are the job numbers as text), finish-to-start dependencies
//! without lag, renewable resources `R1..`.
//!
//! Text in, problem out: no IO here. Every refusal names the 1-based line it is about.
use super::rcpsp::{Activity, Problem, Resource};
use super::{Dependency, DependencyKind};
use std::fmt;

/// Why a `.sm` text was refused: the line (1-based; 0 when the file ends too early) and what is
/// wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PsplibError {
    pub line: usize,
    pub message: String,
}

impl fmt::Display for PsplibError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}", self.message)
        } else {
            write!(f, "line {}: {}", self.line, self.message)
        }
    }
}

impl std::error::Error for PsplibError {}

fn err(line: usize, message: impl Into<String>) -> PsplibError {
    PsplibError {
        line,
        message: message.into(),
    }
}

/// The numbers of a whitespace-separated line, or an error naming the line.
fn numbers(line_no: usize, text: &str) -> Result<Vec<i64>, PsplibError> {
    text.split_whitespace()
        .map(|w| {
            w.parse::<i64>()
                .map_err(|_| err(line_no, format!("{w:?} is not a whole number")))
        })
        .collect()
}

/// The number after the colon of a `label : value` line.
fn value_after_colon(line_no: usize, text: &str) -> Result<i64, PsplibError> {
    let after = text.split_once(':').map(|(_, v)| v).unwrap_or("");
    let word = after.split_whitespace().next().unwrap_or("");
    word.parse::<i64>().map_err(|_| {
        err(
            line_no,
            format!("expected a number after the colon, found {word:?}"),
        )
    })
}

/// Parses a single-mode PSPLIB instance.
pub fn parse_sm(text: &str) -> Result<Problem, PsplibError> {
    let lines: Vec<(usize, &str)> = text.lines().enumerate().map(|(i, l)| (i + 1, l)).collect();
    let find = |prefix: &str| {
        lines
            .iter()
            .position(|(_, l)| l.trim_start().starts_with(prefix))
            .ok_or_else(|| err(0, format!("no {prefix:?} line in the file")))
    };
    let jobs_at = find("jobs (incl. supersource/sink )")?;
    let (jobs_line, jobs_text) = lines[jobs_at];
    let jobs = value_after_colon(jobs_line, jobs_text)?;
    if !(1..=100_000).contains(&jobs) {
        return Err(err(
            jobs_line,
            format!("{jobs} jobs is not a sensible job count"),
        ));
    }
    let jobs = jobs as usize;
    let renew_at = find("- renewable")?;
    let (renew_line, renew_text) = lines[renew_at];
    let renewable = value_after_colon(renew_line, renew_text)?;
    if !(0..=1000).contains(&renewable) {
        return Err(err(
            renew_line,
            format!("{renewable} renewable resources is not sensible"),
        ));
    }
    let renewable = renewable as usize;
    for label in ["- nonrenewable", "- doubly constrained"] {
        let at = find(label)?;
        let (line_no, text) = lines[at];
        if value_after_colon(line_no, text)? != 0 {
            return Err(err(
                line_no,
                "only renewable resources are supported (single-mode RCPSP)",
            ));
        }
    }

    // The rows of a table: the lines after its header (and an optional dashed rule) up to the
    // next line of asterisks.
    let table = |title: &str| -> Result<Vec<(usize, &str)>, PsplibError> {
        let at = find(title)?;
        let mut rows = Vec::new();
        let mut k = at + 2; // skip the title and the column header
        if lines
            .get(k)
            .is_some_and(|(_, l)| l.trim_start().starts_with('-'))
        {
            k += 1;
        }
        while let Some(&(no, l)) = lines.get(k) {
            if l.trim_start().starts_with('*') {
                break;
            }
            if !l.trim().is_empty() {
                rows.push((no, l));
            }
            k += 1;
        }
        Ok(rows)
    };

    let prec = table("PRECEDENCE RELATIONS:")?;
    if prec.len() != jobs {
        let line = prec
            .last()
            .map_or(lines[find("PRECEDENCE RELATIONS:")?].0, |r| r.0);
        return Err(err(
            line,
            format!("{} precedence rows for {jobs} jobs", prec.len()),
        ));
    }
    let mut dependencies = Vec::new();
    for (k, &(no, text)) in prec.iter().enumerate() {
        let v = numbers(no, text)?;
        if v.len() < 3 {
            return Err(err(
                no,
                "expected job number, mode count, successor count and successors",
            ));
        }
        if v[0] != (k + 1) as i64 {
            return Err(err(
                no,
                format!("expected job {}, found job {}", k + 1, v[0]),
            ));
        }
        if v[1] != 1 {
            return Err(err(
                no,
                format!(
                    "job {} has {} modes; only single-mode files are supported",
                    v[0], v[1]
                ),
            ));
        }
        let count = v[2];
        if count < 0 || v.len() as i64 != 3 + count {
            return Err(err(
                no,
                format!(
                    "job {} announces {count} successors but lists {}",
                    v[0],
                    v.len() - 3
                ),
            ));
        }
        for &s in &v[3..] {
            if !(1..=jobs as i64).contains(&s) {
                return Err(err(
                    no,
                    format!("successor {s} is not a job of this file (1..{jobs})"),
                ));
            }
            dependencies.push(Dependency {
                from: v[0].to_string(),
                to: s.to_string(),
                kind: DependencyKind::FinishToStart,
                lag: 0,
            });
        }
    }

    let req = table("REQUESTS/DURATIONS:")?;
    if req.len() != jobs {
        let line = req
            .last()
            .map_or(lines[find("REQUESTS/DURATIONS:")?].0, |r| r.0);
        return Err(err(
            line,
            format!("{} request rows for {jobs} jobs", req.len()),
        ));
    }
    let mut activities = Vec::with_capacity(jobs);
    for (k, &(no, text)) in req.iter().enumerate() {
        let v = numbers(no, text)?;
        if v.len() != 3 + renewable {
            return Err(err(
                no,
                format!(
                    "expected job, mode, duration and {renewable} requests, found {} numbers",
                    v.len()
                ),
            ));
        }
        if v[0] != (k + 1) as i64 {
            return Err(err(
                no,
                format!("expected job {}, found job {}", k + 1, v[0]),
            ));
        }
        if v[2] < 0 {
            return Err(err(no, format!("job {} has a negative duration", v[0])));
        }
        if let Some(d) = v[3..].iter().find(|&&d| d < 0) {
            return Err(err(no, format!("job {} has a negative request {d}", v[0])));
        }
        activities.push(Activity::new(v[0].to_string(), v[2], v[3..].to_vec()));
    }

    let avail_at = find("RESOURCEAVAILABILITIES:")?;
    let Some(&(no, text)) = lines.get(avail_at + 2) else {
        return Err(err(0, "the file ends before the resource availabilities"));
    };
    let caps = numbers(no, text)?;
    if caps.len() != renewable {
        return Err(err(
            no,
            format!("expected {renewable} availabilities, found {}", caps.len()),
        ));
    }
    let resources = caps
        .iter()
        .enumerate()
        .map(|(r, &c)| Resource::new(format!("R{}", r + 1), c))
        .collect();
    Ok(Problem {
        activities,
        dependencies,
        resources,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_name_the_line() {
        assert_eq!(parse_sm("").unwrap_err().line, 0);
        let text = "jobs (incl. supersource/sink ):  x\n";
        assert_eq!(parse_sm(text).unwrap_err().line, 1);
    }
}
