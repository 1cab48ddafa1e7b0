//! Rate cards: sell and cost rates per hour or day, for a named person, a role, an activity or
//! a room, effective from a date. Which rate applies is decided here and nowhere else.
//!
//! The rule: cards are asked in the order given (a client's own card before the studio's);
//! the first card with a matching rate decides. Inside a card, a rate matches when each field
//! it sets (person, role, activity) equals the work's; the most specific match wins — a
//! person counts 4, an activity 2, a role 1, so "Mia, grading" beats "Mia" beats "grading"
//! beats "colorist" — then, of equally specific ones, the latest `effective_from` on or before
//! the work's date (a new rate never reaches back to earlier work), then an hourly rate over a
//! daily one, then the lower id. Room rates match only rooms.
use super::BillingError;
use crate::money::Money;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RateKind {
    /// What the client pays.
    Sell,
    /// What the hour costs the studio.
    Cost,
}

impl RateKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RateKind::Sell => "sell",
            RateKind::Cost => "cost",
        }
    }
    pub fn parse(s: &str) -> Option<RateKind> {
        [RateKind::Sell, RateKind::Cost]
            .into_iter()
            .find(|k| k.as_str() == s.trim())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RateUnit {
    Hour,
    Day,
}

impl RateUnit {
    pub fn as_str(self) -> &'static str {
        match self {
            RateUnit::Hour => "hour",
            RateUnit::Day => "day",
        }
    }
    pub fn parse(s: &str) -> Option<RateUnit> {
        [RateUnit::Hour, RateUnit::Day]
            .into_iter()
            .find(|k| k.as_str() == s.trim())
    }
}

/// One rate of a card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rate {
    pub id: i64,
    pub kind: RateKind,
    pub unit: RateUnit,
    pub person_id: Option<i64>,
    pub role: Option<String>,
    pub activity: Option<String>,
    pub room_id: Option<i64>,
    pub amount: Money,
    pub effective_from: NaiveDate,
}

/// A rate card: the studio's (no client) or one client's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateCard {
    pub id: i64,
    pub name: String,
    pub client_id: Option<i64>,
    pub rates: Vec<Rate>,
}

/// The work a rate is looked up for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Work<'a> {
    pub date: NaiveDate,
    pub person_id: i64,
    /// The person's role or title on the card's terms (`colorist`), if any.
    pub role: Option<&'a str>,
    pub activity: &'a str,
}

fn same(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

/// How specific `rate` is for `work`, or `None` when it does not match.
fn specificity(rate: &Rate, work: &Work) -> Option<u8> {
    if rate.room_id.is_some() {
        return None;
    }
    let mut score = 0;
    if let Some(p) = rate.person_id {
        if p != work.person_id {
            return None;
        }
        score += 4;
    }
    if let Some(a) = &rate.activity {
        if !same(a, work.activity) {
            return None;
        }
        score += 2;
    }
    if let Some(r) = &rate.role {
        if !work.role.is_some_and(|w| same(r, w)) {
            return None;
        }
        score += 1;
    }
    Some(score)
}

fn best<'c>(rates: impl Iterator<Item = (&'c Rate, u8)>, date: NaiveDate) -> Option<&'c Rate> {
    rates
        .filter(|(r, _)| r.effective_from <= date)
        .max_by(|(a, sa), (b, sb)| {
            sa.cmp(sb)
                .then(a.effective_from.cmp(&b.effective_from))
                .then((a.unit == RateUnit::Hour).cmp(&(b.unit == RateUnit::Hour)))
                .then(b.id.cmp(&a.id))
        })
        .map(|(r, _)| r)
}

fn card_names(cards: &[&RateCard]) -> String {
    if cards.is_empty() {
        return "no rate card".into();
    }
    let names: Vec<String> = cards.iter().map(|c| format!("{:?}", c.name)).collect();
    format!("rate card {}", names.join(" or "))
}

/// The rate of `kind` that applies to `work` (rule in the module docs), or an error naming the
/// activity, the date and the cards asked.
pub fn rate_for<'c>(
    cards: &[&'c RateCard],
    kind: RateKind,
    work: &Work,
) -> Result<&'c Rate, BillingError> {
    for card in cards {
        let found = best(
            card.rates
                .iter()
                .filter(|r| r.kind == kind)
                .filter_map(|r| specificity(r, work).map(|s| (r, s))),
            work.date,
        );
        if let Some(rate) = found {
            return Ok(rate);
        }
    }
    Err(BillingError::NoRate {
        kind: kind.as_str(),
        what: format!("activity {:?}", work.activity),
        date: work.date,
        cards: card_names(cards),
    })
}

/// The facility rate of a room on `date`.
pub fn room_rate<'c>(
    cards: &[&'c RateCard],
    kind: RateKind,
    room_id: i64,
    room_name: &str,
    date: NaiveDate,
) -> Result<&'c Rate, BillingError> {
    for card in cards {
        let found = best(
            card.rates
                .iter()
                .filter(|r| r.kind == kind && r.room_id == Some(room_id))
                .map(|r| (r, 0)),
            date,
        );
        if let Some(rate) = found {
            return Ok(rate);
        }
    }
    Err(BillingError::NoRate {
        kind: kind.as_str(),
        what: format!("room {room_name:?}"),
        date,
        cards: card_names(cards),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn rate(
        id: i64,
        person: Option<i64>,
        role: Option<&str>,
        activity: Option<&str>,
        eur: i64,
        from: &str,
    ) -> Rate {
        Rate {
            id,
            kind: RateKind::Sell,
            unit: RateUnit::Hour,
            person_id: person,
            role: role.map(Into::into),
            activity: activity.map(Into::into),
            room_id: None,
            amount: Money::from_minor(eur * 100, Currency::EUR),
            effective_from: d(from),
        }
    }

    fn work<'a>(date: &str, person: i64, role: Option<&'a str>, activity: &'a str) -> Work<'a> {
        Work {
            date: d(date),
            person_id: person,
            role,
            activity,
        }
    }

    #[test]
    fn the_most_specific_rate_in_effect_wins() {
        let studio = RateCard {
            id: 1,
            name: "Studio 2026".into(),
            client_id: None,
            rates: vec![
                rate(1, None, Some("colorist"), None, 120, "2026-01-01"),
                rate(2, None, None, Some("Color grading"), 150, "2026-01-01"),
                rate(3, Some(7), None, None, 170, "2026-01-01"),
                rate(4, Some(7), None, Some("color grading"), 200, "2026-01-01"),
                rate(5, None, None, Some("color grading"), 160, "2026-11-01"),
            ],
        };
        let cards = [&studio];
        let amount = |w: &Work| rate_for(&cards, RateKind::Sell, w).unwrap().amount.minor / 100;
        assert_eq!(amount(&work("2026-10-01", 7, None, "color grading")), 200);
        assert_eq!(amount(&work("2026-10-01", 7, None, "editing")), 170);
        assert_eq!(
            amount(&work("2026-10-01", 8, Some("colorist"), "color grading")),
            150
        );
        // The new grading rate applies from its date only.
        assert_eq!(amount(&work("2026-11-01", 8, None, "color grading")), 160);
        assert_eq!(
            amount(&work("2026-10-01", 8, Some("Colorist"), "editing")),
            120
        );
        let err =
            rate_for(&cards, RateKind::Sell, &work("2026-10-01", 8, None, "mix")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "no sell rate for activity \"mix\" on 2026-10-01 in rate card \"Studio 2026\"; add one to the rate card before billing it"
        );
        // Before any rate took effect there is none.
        assert!(rate_for(
            &cards,
            RateKind::Sell,
            &work("2025-12-31", 7, None, "editing")
        )
        .is_err());
        assert!(rate_for(
            &cards,
            RateKind::Cost,
            &work("2026-10-01", 7, None, "editing")
        )
        .is_err());
    }

    #[test]
    fn a_client_card_comes_first_and_rooms_have_their_own_rates() {
        let studio = RateCard {
            id: 1,
            name: "Studio".into(),
            client_id: None,
            rates: vec![
                rate(1, None, None, Some("editing"), 90, "2026-01-01"),
                Rate {
                    room_id: Some(3),
                    ..rate(2, None, None, None, 250, "2026-01-01")
                },
            ],
        };
        let acme = RateCard {
            id: 2,
            name: "Acme".into(),
            client_id: Some(5),
            rates: vec![rate(3, None, None, Some("editing"), 80, "2026-01-01")],
        };
        let cards = [&acme, &studio];
        let w = work("2026-05-05", 1, None, "editing");
        assert_eq!(rate_for(&cards, RateKind::Sell, &w).unwrap().id, 3);
        assert_eq!(rate_for(&[&studio], RateKind::Sell, &w).unwrap().id, 1);
        assert_eq!(
            room_rate(&cards, RateKind::Sell, 3, "Suite 1", d("2026-05-05"))
                .unwrap()
                .id,
            2
        );
        let err = room_rate(&cards, RateKind::Sell, 4, "Mix A", d("2026-05-05")).unwrap_err();
        assert!(err.to_string().contains("room \"Mix A\""), "{err}");
        // A room rate never prices a person's work.
        let only_room = RateCard {
            rates: vec![studio.rates[1].clone()],
            ..studio.clone()
        };
        assert!(rate_for(&[&only_room], RateKind::Sell, &w).is_err());
    }
}
