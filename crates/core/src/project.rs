//! Client companies and projects: the codes people type and the states a project moves through.
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodeError {
    #[error("a code must not be empty")]
    Empty,
    #[error("{0:?} is too long; use at most 16 characters")]
    TooLong(String),
    #[error(
        "{0:?} may only contain letters A–Z, digits, '-' and '_', and must start with a letter"
    )]
    BadCharacters(String),
}

/// A short code such as `ACME` or `NB-DOC24`, used in file names, folders and URLs.
/// Stored upper-case; parsing normalises case so `acme` and `ACME` are the same project.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Code(String);

impl Code {
    pub fn parse(input: &str) -> Result<Code, CodeError> {
        let s = input.trim().to_ascii_uppercase();
        if s.is_empty() {
            return Err(CodeError::Empty);
        }
        if s.chars().count() > 16 {
            return Err(CodeError::TooLong(input.to_string()));
        }
        let mut chars = s.chars();
        let first_ok = chars.next().is_some_and(|c| c.is_ascii_uppercase());
        if !first_ok
            || !s
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-' || c == '_')
        {
            return Err(CodeError::BadCharacters(input.to_string()));
        }
        Ok(Code(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Code {
    type Error = CodeError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Code::parse(&value)
    }
}

impl From<Code> for String {
    fn from(c: Code) -> String {
        c.0
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where a project stands. The order is the usual order of a post-production job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProjectStatus {
    Bidding,
    Ingest,
    Editorial,
    Locked,
    Finishing,
    Delivered,
    Archived,
}

impl ProjectStatus {
    pub const ALL: [ProjectStatus; 7] = [
        ProjectStatus::Bidding,
        ProjectStatus::Ingest,
        ProjectStatus::Editorial,
        ProjectStatus::Locked,
        ProjectStatus::Finishing,
        ProjectStatus::Delivered,
        ProjectStatus::Archived,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ProjectStatus::Bidding => "bidding",
            ProjectStatus::Ingest => "ingest",
            ProjectStatus::Editorial => "editorial",
            ProjectStatus::Locked => "locked",
            ProjectStatus::Finishing => "finishing",
            ProjectStatus::Delivered => "delivered",
            ProjectStatus::Archived => "archived",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ProjectStatus::Bidding => "Bidding",
            ProjectStatus::Ingest => "Ingest",
            ProjectStatus::Editorial => "Editorial",
            ProjectStatus::Locked => "Picture locked",
            ProjectStatus::Finishing => "Finishing",
            ProjectStatus::Delivered => "Delivered",
            ProjectStatus::Archived => "Archived",
        }
    }

    pub fn parse(s: &str) -> Option<ProjectStatus> {
        ProjectStatus::ALL
            .into_iter()
            .find(|st| st.as_str() == s.trim())
    }
}

/// Due date must not precede the start date.
pub fn check_date_order(
    start: Option<chrono::NaiveDate>,
    due: Option<chrono::NaiveDate>,
) -> Result<(), String> {
    match (start, due) {
        (Some(s), Some(d)) if d < s => {
            Err(format!("the due date {d} is before the start date {s}"))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_normalised_and_checked() {
        assert_eq!(Code::parse(" acme-24 ").unwrap().as_str(), "ACME-24");
        assert_eq!(Code::parse(""), Err(CodeError::Empty));
        assert!(matches!(
            Code::parse("1ACME"),
            Err(CodeError::BadCharacters(_))
        ));
        assert!(matches!(
            Code::parse("AC ME"),
            Err(CodeError::BadCharacters(_))
        ));
        assert!(matches!(
            Code::parse("ABCDEFGHIJKLMNOPQ"),
            Err(CodeError::TooLong(_))
        ));
    }

    #[test]
    fn statuses_round_trip() {
        for s in ProjectStatus::ALL {
            assert_eq!(ProjectStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(ProjectStatus::parse("nope"), None);
    }
}
