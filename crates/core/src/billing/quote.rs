//! Quotes (estimates) from a project's plan: the planned hours of every task priced at the sell
//! rate of its activity and role, one line per stage and activity (and rate), each rounded once
//! and taxed per rate by [`price_invoice`] — so a quote adds up exactly like an invoice. The
//! included revision rounds are a line of their own at no charge, so the client reads them on
//! the quote; extra rounds are priced by the terms when they happen.
use super::rates::{rate_for, RateCard, RateKind, RateUnit, Work};
use super::terms::Terms;
use super::{price_invoice, BillingError, InvoiceTotals, LineInput, Quantity, Rounding};
use crate::money::Money;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One planned task as the quote sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedTask {
    /// The stage key (`color`) budgets are kept under.
    pub stage: String,
    /// The stage's name as the client reads it (`Color`).
    pub stage_name: String,
    pub activity: String,
    pub role: Option<String>,
    pub minutes: i64,
}

/// A priced line with the stage and planned minutes it stands for (the budget it becomes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuoteLine {
    /// The stage key; empty for the revision-rounds line.
    pub stage: String,
    pub minutes: i64,
    pub net: Money,
    pub tax: Money,
    pub gross: Money,
    pub input: LineInput,
}

/// A quote's lines and totals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quote {
    pub lines: Vec<QuoteLine>,
    pub totals: InvoiceTotals,
}

impl Quote {
    /// Planned minutes and net money per stage key, in stage order of first appearance — what
    /// an accepted quote makes the stage budgets.
    pub fn stage_budgets(&self) -> Vec<(String, i64, Money)> {
        let mut out: Vec<(String, i64, Money)> = Vec::new();
        for l in self.lines.iter().filter(|l| !l.stage.is_empty()) {
            match out.iter_mut().find(|(s, _, _)| *s == l.stage) {
                Some((_, m, money)) => {
                    *m += l.minutes;
                    money.minor += l.net.minor;
                }
                None => out.push((l.stage.clone(), l.minutes, l.net)),
            }
        }
        out
    }
}

/// Prices `tasks` at the cards' sell rates on `date` under `terms`. A task whose activity (and
/// role) has no sell rate refuses the whole quote with an error naming the activity.
pub fn quote(
    tasks: &[PlannedTask],
    cards: &[&RateCard],
    date: NaiveDate,
    terms: &Terms,
    rounding: Rounding,
) -> Result<Quote, BillingError> {
    if terms.day_minutes <= 0 {
        return Err(BillingError::Line {
            line: 0,
            description: "day length".into(),
            reason: "a day must be longer than 0 minutes".into(),
        });
    }
    // (stage position, activity, rate id) → (stage key, stage name, minutes, unit, amount)
    let mut stage_order: Vec<&str> = Vec::new();
    let mut groups: BTreeMap<(usize, String, i64), (String, String, i64, RateUnit, Money)> =
        BTreeMap::new();
    for t in tasks.iter().filter(|t| t.minutes > 0) {
        let work = Work {
            date,
            // No person is planned yet: only role and activity rates apply (ids start at 1).
            person_id: 0,
            role: t.role.as_deref(),
            activity: &t.activity,
        };
        let rate = rate_for(cards, RateKind::Sell, &work)?;
        if rate.amount.currency != terms.currency {
            return Err(BillingError::Currency {
                line: 0,
                invoice: terms.currency.code().into(),
                line_currency: rate.amount.currency.code().into(),
            });
        }
        let position = match stage_order.iter().position(|s| *s == t.stage) {
            Some(p) => p,
            None => {
                stage_order.push(&t.stage);
                stage_order.len() - 1
            }
        };
        let g = groups
            .entry((position, t.activity.trim().to_string(), rate.id))
            .or_insert((
                t.stage.clone(),
                t.stage_name.clone(),
                0,
                rate.unit,
                rate.amount,
            ));
        g.2 += t.minutes;
    }
    let mut inputs = Vec::new();
    let mut meta = Vec::new();
    for ((_, activity, _), (stage, stage_name, minutes, unit, amount)) in groups {
        let quantity = match unit {
            RateUnit::Hour => Quantity::Minutes(minutes),
            RateUnit::Day => Quantity::DaysMilli(
                rounding.divide(minutes as i128 * 1000, terms.day_minutes as i128) as i64,
            ),
        };
        inputs.push(LineInput {
            description: format!("{stage_name}: {activity}"),
            quantity,
            unit_price: amount,
            discount_bp: 0,
            tax: terms.tax,
        });
        meta.push((stage, minutes));
    }
    if terms.included_rounds > 0 {
        inputs.push(LineInput {
            description: format!("Revision rounds included: {}", terms.included_rounds),
            quantity: Quantity::units(terms.included_rounds as i64),
            unit_price: Money::from_minor(0, terms.currency),
            discount_bp: 0,
            tax: terms.tax,
        });
        meta.push((String::new(), 0));
    }
    let totals = price_invoice(terms.currency, &inputs, rounding)?;
    let lines = totals
        .lines
        .iter()
        .zip(meta)
        .map(|(p, (stage, minutes))| QuoteLine {
            stage,
            minutes,
            net: p.net,
            tax: p.tax,
            gross: p.gross,
            input: p.input.clone(),
        })
        .collect();
    Ok(Quote { lines, totals })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::billing::rates::Rate;
    use crate::billing::terms::Commercial;
    use crate::billing::TaxRate;
    use crate::money::Currency;

    fn eur(minor: i64) -> Money {
        Money::from_minor(minor, Currency::EUR)
    }

    fn card() -> RateCard {
        let rate = |id, activity: &str, amount, unit| Rate {
            id,
            kind: RateKind::Sell,
            unit,
            person_id: None,
            role: None,
            activity: Some(activity.into()),
            room_id: None,
            amount: eur(amount),
            effective_from: NaiveDate::from_ymd_opt(2020, 1, 1).unwrap(),
        };
        RateCard {
            id: 1,
            name: "Studio".into(),
            client_id: None,
            rates: vec![
                rate(1, "Editing", 9_500, RateUnit::Hour),
                rate(2, "Color", 120_000, RateUnit::Day),
            ],
        }
    }

    fn terms() -> Terms {
        Terms {
            commercial: Commercial::TimeAndMaterials,
            currency: Currency::EUR,
            included_rounds: 2,
            extra_round_price: Some(eur(50_000)),
            tax: TaxRate::from_basis_points(1900).unwrap(),
            day_minutes: 480,
        }
    }

    fn task(stage: &str, activity: &str, minutes: i64) -> PlannedTask {
        PlannedTask {
            stage: stage.into(),
            stage_name: stage.to_uppercase(),
            activity: activity.into(),
            role: None,
            minutes,
        }
    }

    #[test]
    fn lines_per_stage_and_activity_add_up_to_the_cent() {
        let c = card();
        let q = quote(
            &[
                task("edit", "Editing", 20 * 60),
                task("edit", "Editing", 7 * 60 + 20),
                task("color", "Color", 12 * 60),
            ],
            &[&c],
            NaiveDate::from_ymd_opt(2026, 3, 2).unwrap(),
            &terms(),
            Rounding::HalfUp,
        )
        .unwrap();
        // 27h20m × 95.00 = 2596.67 (2596.666… rounded once); 1.5 days × 1200.00 = 1800.00.
        assert_eq!(q.lines[0].net, eur(259_667));
        assert_eq!(q.lines[1].net, eur(180_000));
        assert_eq!(q.lines[2].net, eur(0));
        assert_eq!(q.totals.net, eur(439_667));
        assert_eq!(q.totals.tax, eur(83_537)); // 19 % of 4396.67 = 835.3673
        assert_eq!(q.totals.gross, eur(523_204));
        let sum: i64 = q.lines.iter().map(|l| l.gross.minor).sum();
        assert_eq!(sum, q.totals.gross.minor);
        assert_eq!(
            q.stage_budgets(),
            vec![
                ("edit".into(), 1640, eur(259_667)),
                ("color".into(), 720, eur(180_000))
            ]
        );
    }

    #[test]
    fn an_activity_without_a_rate_is_named() {
        let c = card();
        let err = quote(
            &[task("sound", "Sound design", 60)],
            &[&c],
            NaiveDate::from_ymd_opt(2026, 3, 2).unwrap(),
            &terms(),
            Rounding::HalfUp,
        )
        .unwrap_err();
        assert!(err.to_string().contains("\"Sound design\""), "{err}");
    }
}
