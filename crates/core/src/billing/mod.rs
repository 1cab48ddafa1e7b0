//! Billing arithmetic, exact and pure: invoice lines and their totals, rate cards, commercial
//! terms, budgets. Money is [`Money`] (integer minor units); quantities are integers too —
//! time in whole minutes, other quantities in thousandths — so every amount is an exact ratio
//! of integers until it is rounded.
//!
//! ## The rounding rules
//! - A line's net is `unit price × quantity × (1 − discount)`, computed exactly in `i128` and
//!   rounded **once** to the minor unit with the studio's [`Rounding`] (half-up by default).
//! - Tax follows EU VAT practice (Directive 2006/112/EC, art. 226 (8)–(10)): it is computed
//!   **per tax rate on the taxable amount at that rate** (the sum of the nets of the lines at
//!   that rate), rounded once per rate. Per-line tax would drift from it by up to half a cent a
//!   line.
//! - So that the lines still add up, each rate's tax is shared out over its lines by the
//!   largest-remainder method: a line's tax is its exact share rounded down, and the cents left
//!   over go to the lines with the largest remainders (ties to the earlier line). A line's
//!   gross is net + its share; the invoice total is the sum of the line grosses **and** the sum
//!   of the taxable amounts plus the per-rate taxes, to the cent (tests/it/billing_properties.rs).
use crate::money::{Currency, Money, MoneyError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

pub mod budget;
pub mod quote;
pub mod rates;
pub mod reports;
pub mod terms;

/// How an exact amount becomes whole minor units. Negative amounts (credit notes, discounts)
/// round symmetrically: `HalfUp` of −0.5 ¢ is −1 ¢.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rounding {
    /// Half away from zero (commercial rounding): 0.5 → 1, 0.49 → 0.
    #[default]
    HalfUp,
    /// Half to even (banker's rounding): 0.5 → 0, 1.5 → 2.
    HalfEven,
    /// Away from zero: any fraction → the next cent.
    Up,
    /// Toward zero: the fraction is dropped.
    Down,
}

impl Rounding {
    pub const ALL: [Rounding; 4] = [
        Rounding::HalfUp,
        Rounding::HalfEven,
        Rounding::Up,
        Rounding::Down,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Rounding::HalfUp => "half_up",
            Rounding::HalfEven => "half_even",
            Rounding::Up => "up",
            Rounding::Down => "down",
        }
    }

    pub fn parse(s: &str) -> Option<Rounding> {
        Rounding::ALL.into_iter().find(|r| r.as_str() == s.trim())
    }

    /// `numerator / denominator` rounded to an integer with this rule (`denominator` > 0).
    pub fn divide(self, numerator: i128, denominator: i128) -> i128 {
        debug_assert!(denominator > 0);
        let q = numerator / denominator; // truncates toward zero
        let r = numerator % denominator; // same sign as numerator
        if r == 0 {
            return q;
        }
        let away = q + numerator.signum();
        let twice = 2 * r.abs();
        match self {
            Rounding::Down => q,
            Rounding::Up => away,
            Rounding::HalfUp => {
                if twice >= denominator {
                    away
                } else {
                    q
                }
            }
            Rounding::HalfEven => match twice.cmp(&denominator) {
                std::cmp::Ordering::Greater => away,
                std::cmp::Ordering::Less => q,
                std::cmp::Ordering::Equal => {
                    if q % 2 == 0 {
                        q
                    } else {
                        away
                    }
                }
            },
        }
    }
}

/// A tax rate in basis points (hundredths of a percent): 19 % is 1900, 5.5 % is 550, 8.1 % is
/// 810. Every EU VAT rate is a whole number of basis points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct TaxRate(u32);

impl TaxRate {
    pub const ZERO: TaxRate = TaxRate(0);

    /// 0..=100 %.
    pub fn from_basis_points(bp: u32) -> Result<TaxRate, BillingError> {
        if bp > 10_000 {
            return Err(BillingError::TaxRate(format!("{bp} basis points")));
        }
        Ok(TaxRate(bp))
    }

    /// Parses `19`, `19 %`, `5.5` or `8.10` (percent, at most two decimals).
    pub fn parse_percent(text: &str) -> Result<TaxRate, BillingError> {
        let refused = || BillingError::TaxRate(text.to_string());
        let t = text.trim().trim_end_matches('%').trim();
        let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
        if whole.is_empty()
            || whole.len() > 3
            || frac.len() > 2
            || !whole.bytes().all(|b| b.is_ascii_digit())
            || !frac.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(refused());
        }
        let whole: u32 = whole.parse().map_err(|_| refused())?;
        let frac: u32 = format!("{frac:0<2}").parse().map_err(|_| refused())?;
        TaxRate::from_basis_points(whole * 100 + frac).map_err(|_| refused())
    }

    pub fn basis_points(self) -> u32 {
        self.0
    }
}

impl fmt::Display for TaxRate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (whole, frac) = (self.0 / 100, self.0 % 100);
        if frac == 0 {
            write!(f, "{whole} %")
        } else if frac % 10 == 0 {
            write!(f, "{whole}.{} %", frac / 10)
        } else {
            write!(f, "{whole}.{frac:02} %")
        }
    }
}

/// How much of something a line sells, exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "unit", content = "amount", rename_all = "snake_case")]
pub enum Quantity {
    /// Time, in whole minutes, priced per hour.
    Minutes(i64),
    /// Days in thousandths (1.5 days = 1500), priced per day.
    DaysMilli(i64),
    /// Pieces (rounds, instalments, expenses) in thousandths (1 = 1000), priced per piece.
    UnitsMilli(i64),
}

impl Quantity {
    /// The quantity as `numerator / denominator` of the priced unit.
    fn ratio(self) -> (i128, i128) {
        match self {
            Quantity::Minutes(m) => (m as i128, 60),
            Quantity::DaysMilli(d) => (d as i128, 1000),
            Quantity::UnitsMilli(u) => (u as i128, 1000),
        }
    }

    pub fn units(n: i64) -> Quantity {
        Quantity::UnitsMilli(n.saturating_mul(1000))
    }

    pub fn unit_name(self) -> &'static str {
        match self {
            Quantity::Minutes(_) => "h",
            Quantity::DaysMilli(_) => "day",
            Quantity::UnitsMilli(_) => "pc",
        }
    }

    /// `7.50`, `1.5`, `2`: hours with two decimals, the others with up to three.
    pub fn display_amount(self) -> String {
        fn milli(v: i64) -> String {
            let sign = if v < 0 { "-" } else { "" };
            let a = v.unsigned_abs();
            let frac = format!("{:03}", a % 1000);
            let frac = frac.trim_end_matches('0');
            if frac.is_empty() {
                format!("{sign}{}", a / 1000)
            } else {
                format!("{sign}{}.{frac}", a / 1000)
            }
        }
        match self {
            Quantity::Minutes(m) => {
                let sign = if m < 0 { "-" } else { "" };
                let a = m.unsigned_abs();
                // Hours to two decimals for reading; the amount is computed from the minutes.
                let hundredths = (a * 100 + 30) / 60;
                format!("{sign}{}.{:02}", hundredths / 100, hundredths % 100)
            }
            Quantity::DaysMilli(v) | Quantity::UnitsMilli(v) => milli(v),
        }
    }
}

/// One line as the producer (or the generator) writes it, before any rounding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineInput {
    pub description: String,
    pub quantity: Quantity,
    /// Per hour for minutes, per day for days, per piece for units.
    pub unit_price: Money,
    /// 0..=10000 basis points off this line.
    pub discount_bp: u32,
    pub tax: TaxRate,
}

/// A line with its exact, rounded amounts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PricedLine {
    pub input: LineInput,
    /// Rounded once.
    pub net: Money,
    /// This line's share of its rate's tax.
    pub tax: Money,
    /// net + tax.
    pub gross: Money,
}

/// The taxable amount and tax of one rate (the EU VAT breakdown).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxGroup {
    pub rate: TaxRate,
    pub taxable: Money,
    pub tax: Money,
}

/// An invoice's amounts: its lines, the breakdown per rate and the totals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceTotals {
    pub currency: Currency,
    pub lines: Vec<PricedLine>,
    /// By rate, lowest first.
    pub groups: Vec<TaxGroup>,
    pub net: Money,
    pub tax: Money,
    pub gross: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BillingError {
    #[error("{0:?} is not a tax rate; give a percentage from 0 to 100 with at most two decimals, such as 19 or 5.5")]
    TaxRate(String),
    #[error("line {line} ({description:?}): {reason}")]
    Line {
        line: usize,
        description: String,
        reason: String,
    },
    #[error("the invoice is in {invoice} but line {line} is priced in {line_currency}")]
    Currency {
        line: usize,
        invoice: String,
        line_currency: String,
    },
    #[error("no {kind} rate for {what} on {date} in {cards}; add one to the rate card before billing it")]
    NoRate {
        kind: &'static str,
        what: String,
        date: chrono::NaiveDate,
        cards: String,
    },
    #[error("the amounts are too large to compute exactly")]
    Overflow,
    #[error(transparent)]
    Money(#[from] MoneyError),
}

fn to_i64(v: i128) -> Result<i64, BillingError> {
    i64::try_from(v).map_err(|_| BillingError::Overflow)
}

/// A line's net: the exact product rounded once.
pub fn line_net(line: &LineInput, rounding: Rounding) -> Result<Money, BillingError> {
    if line.discount_bp > 10_000 {
        return Err(BillingError::Line {
            line: 0,
            description: line.description.clone(),
            reason: format!(
                "a discount of {} basis points is more than 100 %",
                line.discount_bp
            ),
        });
    }
    let (qn, qd) = line.quantity.ratio();
    let numerator = (line.unit_price.minor as i128)
        .checked_mul(qn)
        .and_then(|v| v.checked_mul(10_000 - line.discount_bp as i128))
        .ok_or(BillingError::Overflow)?;
    let minor = to_i64(rounding.divide(numerator, qd * 10_000))?;
    Ok(Money::from_minor(minor, line.unit_price.currency))
}

/// Prices the lines of an invoice in `currency` and totals them (the rules are in the module
/// docs). An empty invoice totals zero; refusing to *issue* one is the caller's rule.
pub fn price_invoice(
    currency: Currency,
    lines: &[LineInput],
    rounding: Rounding,
) -> Result<InvoiceTotals, BillingError> {
    let mut nets = Vec::with_capacity(lines.len());
    for (i, line) in lines.iter().enumerate() {
        if line.unit_price.currency != currency {
            return Err(BillingError::Currency {
                line: i + 1,
                invoice: currency.code().into(),
                line_currency: line.unit_price.currency.code().into(),
            });
        }
        let net = line_net(line, rounding).map_err(|e| match e {
            BillingError::Line {
                description,
                reason,
                ..
            } => BillingError::Line {
                line: i + 1,
                description,
                reason,
            },
            other => other,
        })?;
        nets.push(net.minor);
    }
    // Per rate: the taxable amount, its tax rounded once, then the tax shared out over the lines.
    let mut by_rate: BTreeMap<TaxRate, Vec<usize>> = BTreeMap::new();
    for (i, line) in lines.iter().enumerate() {
        by_rate.entry(line.tax).or_default().push(i);
    }
    let mut line_tax = vec![0i64; lines.len()];
    let mut groups = Vec::with_capacity(by_rate.len());
    for (rate, members) in &by_rate {
        let taxable: i128 = members.iter().map(|&i| nets[i] as i128).sum();
        let bp = rate.basis_points() as i128;
        let tax = rounding.divide(taxable * bp, 10_000);
        share_out(tax, members, &nets, bp, &mut line_tax);
        groups.push(TaxGroup {
            rate: *rate,
            taxable: Money::from_minor(to_i64(taxable)?, currency),
            tax: Money::from_minor(to_i64(tax)?, currency),
        });
    }
    let mut priced = Vec::with_capacity(lines.len());
    for (i, line) in lines.iter().enumerate() {
        let gross = nets[i]
            .checked_add(line_tax[i])
            .ok_or(BillingError::Overflow)?;
        priced.push(PricedLine {
            input: line.clone(),
            net: Money::from_minor(nets[i], currency),
            tax: Money::from_minor(line_tax[i], currency),
            gross: Money::from_minor(gross, currency),
        });
    }
    let sum = |f: fn(&TaxGroup) -> i64| -> Result<i64, BillingError> {
        to_i64(groups.iter().map(|g| f(g) as i128).sum())
    };
    let net = sum(|g| g.taxable.minor)?;
    let tax = sum(|g| g.tax.minor)?;
    Ok(InvoiceTotals {
        currency,
        lines: priced,
        groups,
        net: Money::from_minor(net, currency),
        tax: Money::from_minor(tax, currency),
        gross: Money::from_minor(
            net.checked_add(tax).ok_or(BillingError::Overflow)?,
            currency,
        ),
    })
}

/// Shares `tax` (already rounded) over `members` in proportion to their nets: each gets its
/// exact share truncated, and the remaining cents go one each to the largest remainders.
fn share_out(tax: i128, members: &[usize], nets: &[i64], bp: i128, out: &mut [i64]) {
    let mut given: i128 = 0;
    let mut remainders = Vec::with_capacity(members.len());
    for &i in members {
        let exact = nets[i] as i128 * bp; // in 1/10000 of a minor unit
        let share = exact / 10_000; // toward zero
        out[i] = share as i64;
        given += share;
        remainders.push((exact - share * 10_000, i));
    }
    let mut left = tax - given;
    if left == 0 {
        return;
    }
    let step: i64 = if left > 0 { 1 } else { -1 };
    // Positive leftovers go to the largest positive remainders, negative ones to the most
    // negative; earlier lines first on ties. Stable sort keeps the line order.
    if left > 0 {
        remainders.sort_by_key(|r| std::cmp::Reverse(r.0));
    } else {
        remainders.sort_by_key(|r| r.0);
    }
    // |left| ≤ number of members (each truncation loses < 1 and the rounding adds ≤ 1), but
    // loop round-robin so no input can leave cents unassigned.
    let n = remainders.len();
    let mut k = 0;
    while left != 0 && n > 0 {
        out[remainders[k % n].1] += step;
        left -= step as i128;
        k += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eur(s: &str) -> Money {
        Money::parse(s, Currency::EUR).unwrap()
    }

    fn line(q: Quantity, price: &str, tax_bp: u32) -> LineInput {
        LineInput {
            description: "x".into(),
            quantity: q,
            unit_price: eur(price),
            discount_bp: 0,
            tax: TaxRate::from_basis_points(tax_bp).unwrap(),
        }
    }

    #[test]
    fn rounding_modes_on_halves_and_negatives() {
        let cases: [(i128, i128, [i128; 4]); 6] = [
            // n, d, [half_up, half_even, up, down]
            (5, 10, [1, 0, 1, 0]),
            (15, 10, [2, 2, 2, 1]),
            (-5, 10, [-1, 0, -1, 0]),
            (-15, 10, [-2, -2, -2, -1]),
            (1, 3, [0, 0, 1, 0]),
            (2, 3, [1, 1, 1, 0]),
        ];
        for (n, d, want) in cases {
            for (mode, w) in Rounding::ALL.into_iter().zip(want) {
                assert_eq!(mode.divide(n, d), w, "{n}/{d} {mode:?}");
            }
        }
    }

    #[test]
    fn hours_are_minutes_priced_per_hour_and_rounded_once() {
        // 7 h 20 min at 85.00/h = 623.333… → 623.33; 10 min at 0.10/h = 0.01666… → 0.02.
        let a = line(Quantity::Minutes(440), "85.00", 1900);
        assert_eq!(line_net(&a, Rounding::HalfUp).unwrap(), eur("623.33"));
        let b = line(Quantity::Minutes(10), "0.10", 1900);
        assert_eq!(line_net(&b, Rounding::HalfUp).unwrap(), eur("0.02"));
        assert_eq!(line_net(&b, Rounding::Down).unwrap(), eur("0.01"));
        // 1.5 days at 640.00 less 10 %: 864.00
        let mut c = line(Quantity::DaysMilli(1500), "640.00", 1900);
        c.discount_bp = 1000;
        assert_eq!(line_net(&c, Rounding::HalfUp).unwrap(), eur("864.00"));
    }

    #[test]
    fn tax_is_per_rate_and_shared_so_lines_add_up() {
        // Three lines of 0.05 at 19 %: per line 0.0095 each → 0.01 × 3 = 0.03, but the tax of
        // the taxable 0.15 is 0.0285 → 0.03; shares: 0,0,0 truncated, 3 cents left → one each.
        let lines = vec![
            line(Quantity::units(1), "0.05", 1900),
            line(Quantity::units(1), "0.05", 1900),
            line(Quantity::units(1), "0.05", 1900),
            line(Quantity::units(2), "10.00", 700),
        ];
        let t = price_invoice(Currency::EUR, &lines, Rounding::HalfUp).unwrap();
        assert_eq!(t.groups.len(), 2);
        assert_eq!(t.groups[0].rate.basis_points(), 700);
        assert_eq!(t.groups[0].taxable, eur("20.00"));
        assert_eq!(t.groups[0].tax, eur("1.40"));
        assert_eq!(t.groups[1].taxable, eur("0.15"));
        assert_eq!(t.groups[1].tax, eur("0.03"));
        assert_eq!(t.net, eur("20.15"));
        assert_eq!(t.tax, eur("1.43"));
        assert_eq!(t.gross, eur("21.58"));
        let sum: i64 = t.lines.iter().map(|l| l.gross.minor).sum();
        assert_eq!(sum, t.gross.minor);
    }

    #[test]
    fn bad_lines_are_refused_by_number() {
        let mut l = line(Quantity::units(1), "1.00", 1900);
        l.discount_bp = 12_000;
        let err = price_invoice(
            Currency::EUR,
            &[line(Quantity::units(1), "1", 0), l],
            Rounding::HalfUp,
        )
        .unwrap_err();
        assert!(err.to_string().starts_with("line 2"), "{err}");
        let usd = LineInput {
            unit_price: Money::from_minor(100, Currency::USD),
            ..line(Quantity::units(1), "1", 0)
        };
        let err = price_invoice(Currency::EUR, &[usd], Rounding::HalfUp).unwrap_err();
        assert!(err.to_string().contains("USD"), "{err}");
    }

    #[test]
    fn tax_rates_parse_as_percent() {
        assert_eq!(TaxRate::parse_percent("19").unwrap().basis_points(), 1900);
        assert_eq!(TaxRate::parse_percent("5.5 %").unwrap().basis_points(), 550);
        assert_eq!(TaxRate::parse_percent("8.10").unwrap().to_string(), "8.1 %");
        for bad in ["", "abc", "101", "1.234", "-5", "19.%x"] {
            assert!(TaxRate::parse_percent(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn quantities_display_for_reading() {
        assert_eq!(Quantity::Minutes(450).display_amount(), "7.50");
        assert_eq!(Quantity::Minutes(20).display_amount(), "0.33");
        assert_eq!(Quantity::DaysMilli(1500).display_amount(), "1.5");
        assert_eq!(Quantity::units(3).display_amount(), "3");
    }
}
