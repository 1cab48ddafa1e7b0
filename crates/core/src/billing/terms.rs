//! A project's commercial terms and what they make billable: the lines a draft invoice for a
//! period starts from.
//!
//! - **Time and materials**: every approved billable minute of the period, at its sell rate.
//! - **Fixed fee**: the instalments the producer bills (a share of the fee each); time is
//!   tracked against the budget but not billed.
//! - **Fixed fee with hourly overflow**: instalments as for a fixed fee, plus the billable
//!   minutes beyond the included ones, at their sell rates. The included minutes are used up in
//!   the order the work was done (date, then entry), across all periods: the minutes of
//!   earlier periods count first.
//!
//! In every kind, revision rounds beyond the included ones are billed at the price per extra
//! round, each round once (the rounds billed on earlier invoices are not billed again).
//! Time lines are grouped per activity and rate, so a line reads "Color grading, 12.50 h at
//! 150.00" and is rounded once.
//!
//! **Facility time** — the confirmed bookings of rooms and equipment — is billed under time and
//! materials at the room's facility rate, one line per room and rate ("Color Suite 1 —
//! facility, 16.00 h at 95.00"). A fixed fee (with or without overflow) prices the suites it
//! needs, so there the bookings are covered and not billed.
use super::rates::RateUnit;
use super::{BillingError, LineInput, Quantity, Rounding, TaxRate};
use crate::money::{Currency, Money};
use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Commercial {
    TimeAndMaterials,
    FixedFee { fee: Money },
    FixedFeeWithOverflow { fee: Money, included_minutes: i64 },
}

impl Commercial {
    pub fn as_str(&self) -> &'static str {
        match self {
            Commercial::TimeAndMaterials => "time_and_materials",
            Commercial::FixedFee { .. } => "fixed_fee",
            Commercial::FixedFeeWithOverflow { .. } => "fixed_fee_with_overflow",
        }
    }

    pub fn fee(&self) -> Option<Money> {
        match self {
            Commercial::TimeAndMaterials => None,
            Commercial::FixedFee { fee } | Commercial::FixedFeeWithOverflow { fee, .. } => {
                Some(*fee)
            }
        }
    }
}

/// What the client agreed to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Terms {
    pub commercial: Commercial,
    pub currency: Currency,
    pub included_rounds: u32,
    /// `None`: extra rounds are not billed.
    pub extra_round_price: Option<Money>,
    /// The tax rate of the project's lines (the client's).
    pub tax: TaxRate,
    /// How long a day is when work is billed at a daily rate.
    pub day_minutes: i64,
}

/// One approved, billable time entry with the sell rate that applies to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PricedWork {
    pub entry_id: i64,
    pub date: NaiveDate,
    pub activity: String,
    pub minutes: i64,
    pub rate: Money,
    pub unit: RateUnit,
}

/// One confirmed booking of a room with the facility rate that applies to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PricedFacility {
    pub booking_id: i64,
    /// The day it starts on, in the studio's time zone.
    pub date: NaiveDate,
    pub room: String,
    pub minutes: i64,
    pub rate: Money,
    pub unit: RateUnit,
}

/// What a draft for one period is made of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeriodInput {
    /// The approved billable work of the period (any order).
    pub work: Vec<PricedWork>,
    /// The period's confirmed, not yet billed bookings of priced rooms (any order).
    pub facility: Vec<PricedFacility>,
    /// Billable minutes of this project before the period (they use up included minutes first).
    pub minutes_before: i64,
    /// Fixed-fee instalments to bill now: a label and the share of the fee in basis points.
    pub instalments: Vec<(String, u32)>,
    /// Revision rounds done so far, and how many extra rounds earlier invoices billed.
    pub rounds_used: u32,
    pub extra_rounds_billed: u32,
}

/// The generated lines and the entries they bill.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeriodLines {
    pub lines: Vec<LineInput>,
    /// Entries whose minutes are on a line, fully or in part.
    pub billed_entries: Vec<i64>,
    /// Entries whose minutes the fixed fee covers (fully or in part).
    pub covered_entries: Vec<i64>,
    /// Bookings whose facility time is on a line.
    pub billed_bookings: Vec<i64>,
    pub extra_rounds: u32,
}

/// The amount of an instalment: `share_bp` basis points of `fee`, rounded once.
pub fn instalment(fee: Money, share_bp: u32, rounding: Rounding) -> Result<Money, BillingError> {
    let minor = rounding.divide(fee.minor as i128 * share_bp as i128, 10_000);
    Ok(Money::from_minor(
        i64::try_from(minor).map_err(|_| BillingError::Overflow)?,
        fee.currency,
    ))
}

/// The minutes of facility time a booking from `start` to `end` (the studio's wall clock)
/// bills: a booking of whole days (midnight to midnight) bills a working day of `day_minutes`
/// per day, as a suite booked "for the day" is; any other booking its length.
pub fn booked_minutes(start: NaiveDateTime, end: NaiveDateTime, day_minutes: i64) -> i64 {
    let midnight = chrono::NaiveTime::MIN;
    if end <= start {
        return 0;
    }
    if start.time() == midnight && end.time() == midnight {
        return (end.date() - start.date()).num_days() * day_minutes;
    }
    (end - start).num_minutes()
}

/// `minutes` as the quantity of a line priced per `unit`: days to the thousandth, as printed,
/// so quantity × price is the line's net.
fn quantity_of(unit: RateUnit, minutes: i64, day_minutes: i64) -> Quantity {
    match unit {
        RateUnit::Hour => Quantity::Minutes(minutes),
        RateUnit::Day => Quantity::DaysMilli(
            Rounding::HalfUp.divide(minutes as i128 * 1000, day_minutes as i128) as i64,
        ),
    }
}

/// The draft lines for a period under `terms` (rules in the module docs).
pub fn period_lines(
    terms: &Terms,
    input: &PeriodInput,
    rounding: Rounding,
) -> Result<PeriodLines, BillingError> {
    if terms.day_minutes <= 0 {
        return Err(BillingError::Line {
            line: 0,
            description: "day length".into(),
            reason: "a day must be longer than 0 minutes".into(),
        });
    }
    let mut lines = Vec::new();
    let mut billed_entries = Vec::new();
    let mut covered_entries = Vec::new();
    if let Some(fee) = terms.commercial.fee() {
        for (label, share) in &input.instalments {
            let amount = instalment(fee, *share, rounding)?;
            lines.push(LineInput {
                description: label.clone(),
                quantity: Quantity::units(1),
                unit_price: amount,
                discount_bp: 0,
                tax: terms.tax,
            });
        }
    }
    // Minutes still included in the fee, spent in the order the work was done.
    let mut included_left = match terms.commercial {
        Commercial::TimeAndMaterials => 0,
        Commercial::FixedFee { .. } => i64::MAX,
        Commercial::FixedFeeWithOverflow {
            included_minutes, ..
        } => (included_minutes - input.minutes_before.max(0)).max(0),
    };
    let mut work: Vec<&PricedWork> = input.work.iter().collect();
    work.sort_by_key(|w| (w.date, w.entry_id));
    // (activity, unit, rate) → minutes, in first-seen order for a stable invoice.
    let mut groups: Vec<((String, RateUnit, i64), i64)> = Vec::new();
    for w in work {
        if w.rate.currency != terms.currency {
            return Err(BillingError::Currency {
                line: 0,
                invoice: terms.currency.code().into(),
                line_currency: w.rate.currency.code().into(),
            });
        }
        let covered = w.minutes.min(included_left).max(0);
        included_left -= covered;
        let billed = w.minutes - covered;
        if covered > 0 {
            covered_entries.push(w.entry_id);
        }
        if billed <= 0 {
            continue;
        }
        billed_entries.push(w.entry_id);
        let key = (w.activity.clone(), w.unit, w.rate.minor);
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, minutes)) => *minutes += billed,
            None => groups.push((key, billed)),
        }
    }
    let overflow = matches!(terms.commercial, Commercial::FixedFeeWithOverflow { .. });
    for ((activity, unit, rate), minutes) in groups {
        let quantity = quantity_of(unit, minutes, terms.day_minutes);
        let description = if overflow {
            format!("{activity} (beyond the hours included in the fee)")
        } else {
            activity
        };
        lines.push(LineInput {
            description,
            quantity,
            unit_price: Money::from_minor(rate, terms.currency),
            discount_bp: 0,
            tax: terms.tax,
        });
    }
    let mut billed_bookings = Vec::new();
    if terms.commercial == Commercial::TimeAndMaterials {
        let mut facility: Vec<&PricedFacility> = input.facility.iter().collect();
        facility.sort_by_key(|f| (f.date, f.booking_id));
        // (room, unit, rate) → minutes, in first-seen order.
        let mut rooms: Vec<((String, RateUnit, i64), i64)> = Vec::new();
        for f in facility {
            if f.rate.currency != terms.currency {
                return Err(BillingError::Currency {
                    line: 0,
                    invoice: terms.currency.code().into(),
                    line_currency: f.rate.currency.code().into(),
                });
            }
            if f.minutes <= 0 {
                continue;
            }
            billed_bookings.push(f.booking_id);
            let key = (f.room.clone(), f.unit, f.rate.minor);
            match rooms.iter_mut().find(|(k, _)| *k == key) {
                Some((_, minutes)) => *minutes += f.minutes,
                None => rooms.push((key, f.minutes)),
            }
        }
        for ((room, unit, rate), minutes) in rooms {
            lines.push(LineInput {
                description: format!("{room} — facility"),
                quantity: quantity_of(unit, minutes, terms.day_minutes),
                unit_price: Money::from_minor(rate, terms.currency),
                discount_bp: 0,
                tax: terms.tax,
            });
        }
    }
    let extra_rounds = input
        .rounds_used
        .saturating_sub(terms.included_rounds)
        .saturating_sub(input.extra_rounds_billed);
    if let (Some(price), true) = (terms.extra_round_price, extra_rounds > 0) {
        lines.push(LineInput {
            description: format!(
                "Extra revision rounds ({} included, {} done)",
                terms.included_rounds, input.rounds_used
            ),
            quantity: Quantity::units(extra_rounds as i64),
            unit_price: price,
            discount_bp: 0,
            tax: terms.tax,
        });
    }
    Ok(PeriodLines {
        lines,
        billed_entries,
        covered_entries,
        billed_bookings,
        extra_rounds: if terms.extra_round_price.is_some() {
            extra_rounds
        } else {
            0
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::billing::price_invoice;

    fn eur(minor: i64) -> Money {
        Money::from_minor(minor, Currency::EUR)
    }

    fn d(day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, day).unwrap()
    }

    fn work(id: i64, day: u32, activity: &str, minutes: i64, rate: i64) -> PricedWork {
        PricedWork {
            entry_id: id,
            date: d(day),
            activity: activity.into(),
            minutes,
            rate: eur(rate),
            unit: RateUnit::Hour,
        }
    }

    #[test]
    fn fixed_fee_with_overflow_bills_the_minutes_beyond_and_extra_rounds_once() {
        let terms = Terms {
            commercial: Commercial::FixedFeeWithOverflow {
                fee: eur(1_000_000),
                included_minutes: 600,
            },
            currency: Currency::EUR,
            included_rounds: 2,
            extra_round_price: Some(eur(50_000)),
            tax: TaxRate::from_basis_points(1900).unwrap(),
            day_minutes: 480,
        };
        let input = PeriodInput {
            facility: vec![],
            // 120 min were billed earlier: 480 included minutes are left.
            work: vec![
                work(3, 4, "color grading", 300, 15_000),
                work(1, 2, "editing", 240, 9_000),
                work(2, 3, "editing", 90, 9_000),
            ],
            minutes_before: 120,
            instalments: vec![("Second instalment (50 %)".into(), 5000)],
            rounds_used: 4,
            extra_rounds_billed: 1,
        };
        let out = period_lines(&terms, &input, Rounding::HalfUp).unwrap();
        // editing 240 + 90 = 330 covered; grading: 150 covered, 150 billed.
        assert_eq!(out.billed_entries, vec![3]);
        assert_eq!(out.covered_entries, vec![1, 2, 3]);
        assert_eq!(out.lines.len(), 3);
        assert_eq!(out.lines[0].unit_price, eur(500_000));
        assert_eq!(out.lines[1].quantity, Quantity::Minutes(150));
        assert_eq!(out.extra_rounds, 1);
        let totals = price_invoice(Currency::EUR, &out.lines, Rounding::HalfUp).unwrap();
        // 5000.00 + 2.5 h × 150.00 = 375.00 + 1 × 500.00 = 5875.00; VAT 19 % = 1116.25; 6991.25 in all.
        assert_eq!(totals.net, eur(587_500));
        assert_eq!(totals.tax, eur(111_625));
        assert_eq!(totals.gross, eur(699_125));
    }

    #[test]
    fn time_and_materials_groups_per_activity_and_rate() {
        let terms = Terms {
            commercial: Commercial::TimeAndMaterials,
            currency: Currency::EUR,
            included_rounds: 0,
            extra_round_price: None,
            tax: TaxRate::ZERO,
            day_minutes: 480,
        };
        let mut day = work(9, 5, "mix", 720, 120_000);
        day.unit = RateUnit::Day;
        let input = PeriodInput {
            facility: vec![],
            work: vec![
                work(1, 2, "editing", 20, 9_000),
                work(2, 3, "editing", 20, 9_000),
                work(3, 3, "editing", 20, 9_500),
                day,
            ],
            minutes_before: 0,
            instalments: vec![("ignored: no fee".into(), 10_000)],
            rounds_used: 3,
            extra_rounds_billed: 0,
        };
        let out = period_lines(&terms, &input, Rounding::HalfUp).unwrap();
        let q: Vec<Quantity> = out.lines.iter().map(|l| l.quantity).collect();
        assert_eq!(
            q,
            vec![
                Quantity::Minutes(40),
                Quantity::Minutes(20),
                Quantity::DaysMilli(1500)
            ]
        );
        let totals = price_invoice(Currency::EUR, &out.lines, Rounding::HalfUp).unwrap();
        // 40 min at 90 = 60.00, 20 min at 95 = 31.67, 1.5 days at 1200 = 1800.00
        assert_eq!(totals.net, eur(6_000 + 3_167 + 180_000));
        assert_eq!(out.extra_rounds, 0);
    }

    fn room(
        id: i64,
        day: u32,
        room: &str,
        minutes: i64,
        rate: i64,
        unit: RateUnit,
    ) -> PricedFacility {
        PricedFacility {
            booking_id: id,
            date: d(day),
            room: room.into(),
            minutes,
            rate: eur(rate),
            unit,
        }
    }

    #[test]
    fn facility_time_is_billed_per_room_and_rate_under_time_and_materials_only() {
        let mut terms = Terms {
            commercial: Commercial::TimeAndMaterials,
            currency: Currency::EUR,
            included_rounds: 0,
            extra_round_price: None,
            tax: TaxRate::from_basis_points(1900).unwrap(),
            day_minutes: 480,
        };
        let input = PeriodInput {
            facility: vec![
                room(12, 4, "Suite 1", 240, 9_500, RateUnit::Hour),
                room(11, 3, "Suite 1", 90, 9_500, RateUnit::Hour),
                room(13, 5, "Mix A", 600, 80_000, RateUnit::Day),
                room(14, 5, "Suite 1", 0, 9_500, RateUnit::Hour),
            ],
            work: vec![work(1, 2, "color grading", 60, 15_000)],
            minutes_before: 0,
            instalments: vec![],
            rounds_used: 0,
            extra_rounds_billed: 0,
        };
        let out = period_lines(&terms, &input, Rounding::HalfUp).unwrap();
        let lines: Vec<(&str, Quantity)> = out
            .lines
            .iter()
            .map(|l| (l.description.as_str(), l.quantity))
            .collect();
        assert_eq!(
            lines,
            vec![
                ("color grading", Quantity::Minutes(60)),
                ("Suite 1 — facility", Quantity::Minutes(330)),
                ("Mix A — facility", Quantity::DaysMilli(1250)),
            ]
        );
        assert_eq!(out.billed_bookings, vec![11, 12, 13]);
        let totals = price_invoice(Currency::EUR, &out.lines, Rounding::HalfUp).unwrap();
        // 1 h × 150 = 150.00; 5.5 h × 95 = 522.50; 1.25 days × 800 = 1000.00 → 1672.50 net,
        // 19 % = 317.78 (317.775 half-up), 1990.28 gross.
        assert_eq!(totals.net, eur(167_250));
        assert_eq!(totals.gross, eur(199_028));

        terms.commercial = Commercial::FixedFee {
            fee: eur(1_000_000),
        };
        let out = period_lines(&terms, &input, Rounding::HalfUp).unwrap();
        assert!(out.lines.is_empty(), "a fixed fee covers the suites");
        assert!(out.billed_bookings.is_empty());
    }

    #[test]
    fn whole_booked_days_bill_a_working_day_each() {
        let t = |day: u32, h: u32, m: u32| d(day).and_hms_opt(h, m, 0).unwrap();
        assert_eq!(booked_minutes(t(2, 0, 0), t(5, 0, 0), 480), 3 * 480);
        assert_eq!(booked_minutes(t(2, 9, 0), t(2, 13, 30), 480), 270);
        assert_eq!(booked_minutes(t(2, 9, 0), t(3, 0, 0), 480), 15 * 60);
        assert_eq!(booked_minutes(t(3, 0, 0), t(2, 0, 0), 480), 0);
    }

    #[test]
    fn a_facility_rate_in_another_currency_is_refused() {
        let terms = Terms {
            commercial: Commercial::TimeAndMaterials,
            currency: Currency::EUR,
            included_rounds: 0,
            extra_round_price: None,
            tax: TaxRate::ZERO,
            day_minutes: 480,
        };
        let mut f = room(1, 2, "Suite 1", 60, 9_500, RateUnit::Hour);
        f.rate = Money::from_minor(9_500, Currency::USD);
        let input = PeriodInput {
            facility: vec![f],
            work: vec![],
            minutes_before: 0,
            instalments: vec![],
            rounds_used: 0,
            extra_rounds_billed: 0,
        };
        assert!(matches!(
            period_lines(&terms, &input, Rounding::HalfUp),
            Err(BillingError::Currency { .. })
        ));
    }
}
