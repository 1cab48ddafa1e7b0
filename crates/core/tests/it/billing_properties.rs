//! Properties of invoice arithmetic over random lines, rates, tax rates and rounding rules:
//! every line is rounded once and lands where its rule says, the per-rate taxes are exact,
//! and the lines add up to the invoice total to the cent, tax included.
use postflow_core::billing::{price_invoice, LineInput, Quantity, Rounding, TaxRate};
use postflow_core::money::{Currency, Money};
use proptest::prelude::*;

fn quantity() -> impl Strategy<Value = Quantity> {
    prop_oneof![
        (-600i64..20_000).prop_map(Quantity::Minutes),
        (0i64..50_000).prop_map(Quantity::DaysMilli),
        (-5_000i64..100_000).prop_map(Quantity::UnitsMilli),
    ]
}

fn tax() -> impl Strategy<Value = TaxRate> {
    prop_oneof![
        Just(0u32),
        Just(550),
        Just(700),
        Just(770),
        Just(810),
        Just(1900),
        Just(2000),
        Just(2100),
        Just(2500),
        0u32..=10_000,
    ]
    .prop_map(|bp| TaxRate::from_basis_points(bp).unwrap())
}

fn line() -> impl Strategy<Value = LineInput> {
    (
        quantity(),
        -1_000_000i64..5_000_000,
        prop_oneof![Just(0u32), 0u32..=10_000],
        tax(),
    )
        .prop_map(|(quantity, price, discount_bp, tax)| LineInput {
            description: "work".into(),
            quantity,
            unit_price: Money::from_minor(price, Currency::EUR),
            discount_bp,
            tax,
        })
}

fn rounding() -> impl Strategy<Value = Rounding> {
    prop_oneof![
        Just(Rounding::HalfUp),
        Just(Rounding::HalfEven),
        Just(Rounding::Up),
        Just(Rounding::Down),
    ]
}

/// The exact net of a line as numerator / denominator of a minor unit.
fn exact_net(line: &LineInput) -> (i128, i128) {
    let (n, d) = match line.quantity {
        Quantity::Minutes(m) => (m as i128, 60),
        Quantity::DaysMilli(v) | Quantity::UnitsMilli(v) => (v as i128, 1000),
    };
    (
        line.unit_price.minor as i128 * n * (10_000 - line.discount_bp as i128),
        d * 10_000,
    )
}

/// Whether `rounded` is what `rule` makes of `n / d`, checked from the definitions.
fn lands_right(rounded: i128, n: i128, d: i128, rule: Rounding) -> bool {
    let diff = rounded * d - n; // (rounded − exact) × d
    match rule {
        Rounding::Down => diff.abs() < d && (diff == 0 || diff.signum() == -n.signum()),
        Rounding::Up => diff.abs() < d && (diff == 0 || diff.signum() == n.signum()),
        Rounding::HalfUp => {
            2 * diff.abs() < d || (2 * diff.abs() == d && diff.signum() == n.signum())
        }
        Rounding::HalfEven => 2 * diff.abs() < d || (2 * diff.abs() == d && rounded % 2 == 0),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn lines_add_up_to_the_total_tax_included(
        lines in prop::collection::vec(line(), 0..25),
        rule in rounding(),
    ) {
        let t = price_invoice(Currency::EUR, &lines, rule).unwrap();
        prop_assert_eq!(t.lines.len(), lines.len());
        let sum = |f: fn(&postflow_core::billing::PricedLine) -> i64| -> i64 {
            t.lines.iter().map(f).sum()
        };
        prop_assert_eq!(sum(|l| l.net.minor), t.net.minor);
        prop_assert_eq!(sum(|l| l.tax.minor), t.tax.minor);
        prop_assert_eq!(sum(|l| l.gross.minor), t.gross.minor);
        prop_assert_eq!(t.net.minor + t.tax.minor, t.gross.minor);
        for l in &t.lines {
            // Rounded once, by the rule, from the exact product.
            let (n, d) = exact_net(&l.input);
            prop_assert!(lands_right(l.net.minor as i128, n, d, rule), "{:?} → {}", l.input, l.net);
            prop_assert_eq!(l.net.minor + l.tax.minor, l.gross.minor);
        }
        // Each rate's tax is its taxable amount's, rounded once; its lines' shares add up to it
        // and each share is within a cent of the line's exact tax.
        let mut groups_net = 0i64;
        for g in &t.groups {
            let members: Vec<_> = t.lines.iter().filter(|l| l.input.tax == g.rate).collect();
            let taxable: i64 = members.iter().map(|l| l.net.minor).sum();
            prop_assert_eq!(taxable, g.taxable.minor);
            let bp = g.rate.basis_points() as i128;
            prop_assert!(lands_right(g.tax.minor as i128, taxable as i128 * bp, 10_000, rule));
            prop_assert_eq!(members.iter().map(|l| l.tax.minor).sum::<i64>(), g.tax.minor);
            for l in members {
                let exact = l.net.minor as i128 * bp;
                prop_assert!((l.tax.minor as i128 * 10_000 - exact).abs() < 10_000 * 2,
                    "share {} of {} at {}", l.tax, l.net, g.rate);
            }
            groups_net += g.taxable.minor;
        }
        prop_assert_eq!(groups_net, t.net.minor);
    }

    #[test]
    fn tax_rate_text_never_panics_and_reads_back(text in "\\PC{0,12}", bp in 0u32..=10_000) {
        let _ = TaxRate::parse_percent(&text);
        let rate = TaxRate::from_basis_points(bp).unwrap();
        let shown = rate.to_string();
        prop_assert_eq!(TaxRate::parse_percent(&shown).unwrap(), rate);
    }
}
