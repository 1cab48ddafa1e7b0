//! The figures of the studio reports, from plain totals: utilization (billable hours over
//! available hours, judged against the 80–90 % target band) and profitability (revenue against
//! cost). The caller sums the entries and invoices; the rules of what counts are here.
use crate::money::Money;
use serde::{Deserialize, Serialize};

/// The target band of utilization, in percent (inclusive).
pub const TARGET_BAND: (i64, i64) = (80, 90);

/// One person's time in a period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonTime {
    pub name: String,
    pub billable_minutes: i64,
    pub logged_minutes: i64,
    /// Working minutes the person had in the period (working days × day length).
    pub available_minutes: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Band {
    Below,
    Within,
    Above,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Utilization {
    pub person: PersonTime,
    /// Billable / available, in tenths of a percent (rounded half up); `None` with no
    /// available time.
    pub permille: Option<i64>,
    pub band: Option<Band>,
}

/// Utilization of one person: billable minutes over available minutes.
pub fn utilization(person: PersonTime) -> Utilization {
    let permille = (person.available_minutes > 0).then(|| {
        let n = person.billable_minutes as i128 * 1000;
        let d = person.available_minutes as i128;
        ((2 * n + d) / (2 * d)) as i64
    });
    let band = permille.map(|p| {
        if p < TARGET_BAND.0 * 10 {
            Band::Below
        } else if p > TARGET_BAND.1 * 10 {
            Band::Above
        } else {
            Band::Within
        }
    });
    Utilization {
        person,
        permille,
        band,
    }
}

/// What a person without a title counts under in the department report.
pub const NO_DEPARTMENT: &str = "No department";

/// Utilization per department: each department's people's billable, logged and available
/// minutes summed (so a department's figure is its billable hours over its available hours,
/// not an average of percentages), by department name. A person's department is their title
/// (`Colorist`, `Editor`), compared without case; none: [`NO_DEPARTMENT`].
pub fn department_utilization<'a>(
    people: impl IntoIterator<Item = (Option<&'a str>, &'a PersonTime)>,
) -> Vec<Utilization> {
    let mut departments: std::collections::BTreeMap<String, PersonTime> = Default::default();
    for (title, time) in people {
        let name = title
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .unwrap_or(NO_DEPARTMENT);
        let sum = departments
            .entry(name.to_lowercase())
            .or_insert_with(|| PersonTime {
                name: name.to_string(),
                billable_minutes: 0,
                logged_minutes: 0,
                available_minutes: 0,
            });
        sum.billable_minutes += time.billable_minutes;
        sum.logged_minutes += time.logged_minutes;
        sum.available_minutes += time.available_minutes;
    }
    departments.into_values().map(utilization).collect()
}

/// A project's money in a period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profitability {
    pub project: String,
    /// Net invoiced (issued invoices less credit notes).
    pub revenue: Money,
    /// Logged time at cost rates.
    pub cost: Money,
    pub margin: Money,
    /// Margin over revenue in tenths of a percent; `None` without revenue.
    pub margin_permille: Option<i64>,
}

pub fn profitability(project: &str, revenue: Money, cost: Money) -> Profitability {
    let margin = Money::from_minor(revenue.minor - cost.minor, revenue.currency);
    let margin_permille = (revenue.minor != 0).then(|| {
        let n = margin.minor as i128 * 1000;
        let d = revenue.minor as i128;
        crate::billing::Rounding::HalfUp.divide(n * d.signum(), d.abs()) as i64
    });
    Profitability {
        project: project.to_string(),
        revenue,
        cost,
        margin,
        margin_permille,
    }
}

/// `84.4 %` for 844 per mille.
pub fn permille_text(p: i64) -> String {
    let sign = if p < 0 { "-" } else { "" };
    format!("{sign}{}.{} %", p.abs() / 10, p.abs() % 10)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;

    fn person(billable: i64, available: i64) -> PersonTime {
        PersonTime {
            name: "Mia".into(),
            billable_minutes: billable,
            logged_minutes: billable,
            available_minutes: available,
        }
    }

    #[test]
    fn utilization_is_judged_against_the_target_band() {
        // 40 h available in a week: 32 h billable is 80 %, 36 h 90 %, 37 h 92.5 %.
        let u = |b: i64| utilization(person(b * 60, 2400));
        assert_eq!(
            (u(32).permille, u(32).band),
            (Some(800), Some(Band::Within))
        );
        assert_eq!(u(36).band, Some(Band::Within));
        assert_eq!((u(37).permille, u(37).band), (Some(925), Some(Band::Above)));
        assert_eq!(u(31).band, Some(Band::Below));
        assert_eq!(utilization(person(10, 0)).permille, None);
        assert_eq!(permille_text(925), "92.5 %");
    }

    #[test]
    fn a_department_sums_its_peoples_hours_before_dividing() {
        let mia = person(36 * 60, 2400);
        let max = person(20 * 60, 2400);
        let eddie = person(30 * 60, 2400);
        let intern = person(0, 1200);
        let d = department_utilization([
            (Some("Colorist"), &mia),
            (Some("colorist "), &max),
            (Some("Editor"), &eddie),
            (None, &intern),
        ]);
        let figures: Vec<(&str, i64, i64, Option<i64>)> = d
            .iter()
            .map(|u| {
                (
                    u.person.name.as_str(),
                    u.person.billable_minutes,
                    u.person.available_minutes,
                    u.permille,
                )
            })
            .collect();
        // Colorists: 56 h of 80 h = 70 %; editors 30 of 40 = 75 %.
        assert_eq!(
            figures,
            vec![
                ("Colorist", 56 * 60, 4800, Some(700)),
                ("Editor", 30 * 60, 2400, Some(750)),
                (NO_DEPARTMENT, 0, 1200, Some(0)),
            ]
        );
    }

    #[test]
    fn margin_over_revenue() {
        let eur = |m| Money::from_minor(m, Currency::EUR);
        let p = profitability("ACME", eur(100_000), eur(60_000));
        assert_eq!((p.margin, p.margin_permille), (eur(40_000), Some(400)));
        let loss = profitability("ACME", eur(30_000), eur(45_000));
        assert_eq!(loss.margin_permille, Some(-500));
        assert_eq!(profitability("X", eur(0), eur(5)).margin_permille, None);
    }
}
