//! Budgets against actuals: how much of a stage's hours and money is used, the forecast at
//! completion, and the alerts a producer must see (80 % and 100 % of a budget, revision rounds
//! beyond the included ones).
use crate::money::Money;
use serde::{Deserialize, Serialize};

/// A stage's (or the whole project's) budget; either part may be absent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Budget {
    pub name: String,
    pub minutes: Option<i64>,
    pub sell: Option<Money>,
}

/// What was spent against it: approved and unapproved time alike, so the alert comes early.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actual {
    pub minutes: i64,
    pub sell: Money,
    pub cost: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Alert {
    /// A budget is 80 % used (and not yet 100 %).
    NearBudget {
        name: String,
        measure: Measure,
        percent: i64,
    },
    /// A budget is used up or exceeded.
    OverBudget {
        name: String,
        measure: Measure,
        percent: i64,
    },
    /// More revision rounds than the terms include.
    ExtraRounds { used: u32, included: u32 },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    Hours,
    Money,
}

impl Alert {
    pub fn message(&self) -> String {
        let what = |m: &Measure| match m {
            Measure::Hours => "hours",
            Measure::Money => "money",
        };
        match self {
            Alert::NearBudget {
                name,
                measure,
                percent,
            } => format!(
                "{name} has used {percent} % of its budgeted {}",
                what(measure)
            ),
            Alert::OverBudget {
                name,
                measure,
                percent,
            } => format!(
                "{name} is over budget: {percent} % of its budgeted {} used",
                what(measure)
            ),
            Alert::ExtraRounds { used, included } => format!(
                "{used} revision rounds done, {included} included: {} extra",
                used.saturating_sub(*included)
            ),
        }
    }
}

/// One budget line of the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BudgetStatus {
    pub budget: Budget,
    pub actual: Actual,
    /// Used share in whole percent, rounded down (so "80 %" means at least 80 %).
    pub hours_percent: Option<i64>,
    pub money_percent: Option<i64>,
    /// Actuals scaled up by progress: what the stage will have used when done.
    pub forecast_minutes: Option<i64>,
    pub forecast_sell: Option<Money>,
    pub alerts: Vec<Alert>,
}

fn percent(used: i64, budget: i64) -> Option<i64> {
    (budget > 0).then(|| (used as i128 * 100 / budget as i128) as i64)
}

/// Scales `actual` to completion from `progress_permille` (0–1000 done): `None` before any
/// progress, when there is nothing to extrapolate from.
pub fn forecast_at_completion(actual: i64, progress_permille: u32) -> Option<i64> {
    if progress_permille == 0 {
        return None;
    }
    let p = progress_permille.min(1000) as i128;
    i64::try_from((actual as i128 * 1000 + p / 2) / p).ok()
}

/// A budget's status: percentages, forecast and alerts (80 % and 100 % of hours and money).
pub fn status(budget: &Budget, actual: Actual, progress_permille: u32) -> BudgetStatus {
    let hours_percent = budget.minutes.and_then(|m| percent(actual.minutes, m));
    let money_percent = budget
        .sell
        .and_then(|s| percent(actual.sell.minor, s.minor));
    let mut alerts = Vec::new();
    for (measure, p) in [
        (Measure::Hours, hours_percent),
        (Measure::Money, money_percent),
    ] {
        let Some(p) = p else { continue };
        let name = budget.name.clone();
        if p >= 100 {
            alerts.push(Alert::OverBudget {
                name,
                measure,
                percent: p,
            });
        } else if p >= 80 {
            alerts.push(Alert::NearBudget {
                name,
                measure,
                percent: p,
            });
        }
    }
    BudgetStatus {
        budget: budget.clone(),
        actual,
        hours_percent,
        money_percent,
        forecast_minutes: forecast_at_completion(actual.minutes, progress_permille),
        forecast_sell: forecast_at_completion(actual.sell.minor, progress_permille)
            .map(|m| Money::from_minor(m, actual.sell.currency)),
        alerts,
    }
}

/// The alert for revision rounds beyond the included ones.
pub fn rounds_alert(used: u32, included: u32) -> Option<Alert> {
    (used > included).then_some(Alert::ExtraRounds { used, included })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;

    fn eur(minor: i64) -> Money {
        Money::from_minor(minor, Currency::EUR)
    }

    #[test]
    fn alerts_at_80_and_100_percent_and_a_forecast_from_progress() {
        let budget = Budget {
            name: "Grading".into(),
            minutes: Some(600),
            sell: Some(eur(150_000)),
        };
        let at = |minutes, sell| Actual {
            minutes,
            sell: eur(sell),
            cost: eur(0),
        };
        assert!(status(&budget, at(479, 119_999), 500).alerts.is_empty());
        let s = status(&budget, at(480, 150_000), 500);
        assert_eq!(s.hours_percent, Some(80));
        assert_eq!(
            s.alerts,
            vec![
                Alert::NearBudget {
                    name: "Grading".into(),
                    measure: Measure::Hours,
                    percent: 80
                },
                Alert::OverBudget {
                    name: "Grading".into(),
                    measure: Measure::Money,
                    percent: 100
                }
            ]
        );
        assert_eq!(s.forecast_minutes, Some(960));
        assert_eq!(s.forecast_sell, Some(eur(300_000)));
        assert_eq!(status(&budget, at(10, 0), 0).forecast_minutes, None);
        assert_eq!(
            s.alerts[1].message(),
            "Grading is over budget: 100 % of its budgeted money used"
        );
        assert_eq!(rounds_alert(2, 2), None);
        assert_eq!(
            rounds_alert(3, 2).unwrap().message(),
            "3 revision rounds done, 2 included: 1 extra"
        );
    }
}
