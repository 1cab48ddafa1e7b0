//! The burn chart of a project's budget: what its logged time has spent so far (sell and cost,
//! running totals per day with time), against the budget, its 80 % mark and the forecast at
//! completion.
//!
//! Geometry: a 70 px value axis, a 560 px plot, 200 px tall; time runs left to right from the
//! first day with time to the last, money bottom to top from zero to a little over the largest
//! of the budget, the forecast and the spend. The spend is a step line (it changes only on days
//! with time); budget, 80 % and forecast are horizontal lines with their figure. Classes and
//! `data-*` attributes are stable for tests.
use super::escape;
use chrono::NaiveDate;

/// One day's running totals, in major units (95.5 for 95.50 EUR).
#[derive(Debug, Clone, PartialEq)]
pub struct BurnDay {
    pub date: NaiveDate,
    pub sell: f64,
    pub cost: f64,
    /// `1520.00 EUR` and so on, for the tooltip.
    pub sell_text: String,
    pub cost_text: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct BurnChart {
    pub id: String,
    pub title: String,
    pub days: Vec<BurnDay>,
    /// The budget and its text (`5000.00 EUR`), if the project has one in money.
    pub budget: Option<(f64, String)>,
    pub forecast: Option<(f64, String)>,
}

const LEFT: f64 = 70.0;
const PLOT_W: f64 = 560.0;
const PLOT_H: f64 = 200.0;
const TOP: f64 = 36.0;
const SELL: &str = "#3b6ea5";
const COST: &str = "#c98b2b";

pub fn render_burn(chart: &BurnChart) -> String {
    let width = LEFT + PLOT_W + 170.0;
    let height = TOP + PLOT_H + 30.0;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart burn\" id=\"{}\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" role=\"img\" aria-label=\"{}\"><title>{}</title><text x=\"0\" y=\"14\" class=\"chart-title\" font-weight=\"bold\">{}</text>",
        escape(&chart.id),
        escape(&chart.title),
        escape(&chart.title),
        escape(&chart.title)
    );
    svg.push_str(&format!(
        "<rect x=\"{LEFT}\" y=\"20\" width=\"10\" height=\"10\" fill=\"{SELL}\"/><text x=\"{}\" y=\"29\" font-size=\"11\">spent (sell)</text><rect x=\"{}\" y=\"20\" width=\"10\" height=\"10\" fill=\"{COST}\"/><text x=\"{}\" y=\"29\" font-size=\"11\">cost</text>",
        LEFT + 14.0,
        LEFT + 110.0,
        LEFT + 124.0
    ));
    let bottom = TOP + PLOT_H;
    svg.push_str(&format!(
        "<line x1=\"{LEFT}\" y1=\"{bottom}\" x2=\"{}\" y2=\"{bottom}\" stroke=\"#888\"/><line x1=\"{LEFT}\" y1=\"{TOP}\" x2=\"{LEFT}\" y2=\"{bottom}\" stroke=\"#888\"/>",
        LEFT + PLOT_W
    ));
    let top_value = chart
        .days
        .iter()
        .flat_map(|d| [d.sell, d.cost])
        .chain(chart.budget.as_ref().map(|b| b.0))
        .chain(chart.forecast.as_ref().map(|f| f.0))
        .fold(0.0_f64, f64::max)
        * 1.1;
    let y = |v: f64| {
        if top_value > 0.0 {
            bottom - v.max(0.0) / top_value * PLOT_H
        } else {
            bottom
        }
    };
    let mut level = |class: &str, value: f64, text: &str, color: &str, dash: &str| {
        svg.push_str(&format!(
            "<g class=\"{class}\" data-value=\"{value}\"><line x1=\"{LEFT}\" y1=\"{:.1}\" x2=\"{}\" y2=\"{:.1}\" stroke=\"{color}\" stroke-dasharray=\"{dash}\"/><text x=\"{}\" y=\"{:.1}\" font-size=\"11\" fill=\"{color}\">{}</text></g>",
            y(value),
            LEFT + PLOT_W,
            y(value),
            LEFT + PLOT_W + 6.0,
            y(value) + 4.0,
            escape(text)
        ));
    };
    if let Some((budget, text)) = &chart.budget {
        level(
            "budget",
            *budget,
            &format!("budget {text}"),
            "#b03030",
            "6 3",
        );
        level("budget-80", budget * 0.8, "80 %", "#b07030", "2 3");
    }
    if let Some((forecast, text)) = &chart.forecast {
        level(
            "forecast",
            *forecast,
            &format!("forecast {text}"),
            "#555",
            "1 3",
        );
    }
    let (Some(first), Some(last)) = (chart.days.first(), chart.days.last()) else {
        svg.push_str(&format!(
            "<text x=\"{}\" y=\"{}\" class=\"empty\" font-size=\"12\">no time logged yet</text></svg>",
            LEFT + 10.0,
            bottom - 10.0
        ));
        return svg;
    };
    let span = (last.date - first.date).num_days().max(1) as f64;
    // A single day draws as a short flat line rather than a point.
    let x = |d: NaiveDate| LEFT + (d - first.date).num_days() as f64 / span * PLOT_W;
    // Dates under the axis: first, last, and the middle when there is room.
    let mut ticks = vec![first.date, last.date];
    if span >= 14.0 {
        ticks.push(first.date + chrono::Duration::days((span / 2.0) as i64));
    }
    for (i, d) in ticks.iter().enumerate() {
        let anchor = match i {
            0 => "start",
            1 => "end",
            _ => "middle",
        };
        svg.push_str(&format!(
            "<text x=\"{:.1}\" y=\"{}\" font-size=\"10\" text-anchor=\"{anchor}\">{d}</text>",
            x(*d),
            bottom + 14.0
        ));
    }
    for (class, color, value) in [
        (
            "spent-sell",
            SELL,
            (|d: &BurnDay| d.sell) as fn(&BurnDay) -> f64,
        ),
        ("spent-cost", COST, |d: &BurnDay| d.cost),
    ] {
        // Steps: flat until the next day with time, then up.
        let mut path = format!("M{:.1},{:.1}", x(first.date), y(value(first)));
        for pair in chart.days.windows(2) {
            path.push_str(&format!(
                " H{:.1} V{:.1}",
                x(pair[1].date),
                y(value(&pair[1]))
            ));
        }
        if chart.days.len() == 1 {
            path.push_str(&format!(" H{:.1}", LEFT + 8.0));
        }
        svg.push_str(&format!(
            "<path class=\"{class}\" d=\"{path}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"2\"/>"
        ));
    }
    for d in &chart.days {
        svg.push_str(&format!(
            "<circle class=\"burn-day\" data-date=\"{}\" data-sell=\"{}\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"3\" fill=\"{SELL}\"><title>{}: {} spent, {} cost</title></circle>",
            d.date,
            d.sell,
            x(d.date),
            y(d.sell),
            d.date,
            escape(&d.sell_text),
            escape(&d.cost_text)
        ));
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32, sell: f64) -> BurnDay {
        BurnDay {
            date: NaiveDate::from_ymd_opt(2026, 11, d).unwrap(),
            sell,
            cost: sell / 2.0,
            sell_text: format!("{sell:.2} EUR"),
            cost_text: format!("{:.2} EUR", sell / 2.0),
        }
    }

    #[test]
    fn spend_steps_up_to_the_budget_line_and_the_svg_is_well_formed() {
        let chart = BurnChart {
            id: "chart-burn".into(),
            title: "Burn <ACME>".into(),
            days: vec![day(2, 100.0), day(4, 400.0), day(12, 900.0)],
            budget: Some((1000.0, "1000.00 EUR".into())),
            forecast: Some((1200.0, "1200.00 EUR".into())),
        };
        let svg = render_burn(&chart);
        assert!(svg.contains("Burn &lt;ACME&gt;"));
        assert_eq!(svg.matches("class=\"burn-day\"").count(), 3);
        assert!(svg.contains("class=\"budget\" data-value=\"1000\""));
        assert!(svg.contains("class=\"budget-80\" data-value=\"800\""));
        assert!(svg.contains("budget 1000.00 EUR") && svg.contains("forecast 1200.00 EUR"));
        // The top of the scale is 1.1 × the forecast: 1320 → 200 px; 900 sits at 136.4 px up.
        let expected_y = TOP + PLOT_H - 900.0 / 1320.0 * PLOT_H;
        assert!(
            svg.contains(&format!("cy=\"{expected_y:.1}\"")),
            "{expected_y:.1} in {svg}"
        );
        let mut reader = quick_xml::Reader::from_str(&svg);
        loop {
            match reader.read_event() {
                Ok(quick_xml::events::Event::Eof) => break,
                Ok(_) => {}
                Err(e) => panic!("not well-formed: {e}"),
            }
        }
    }

    #[test]
    fn no_time_says_so_under_the_budget_line() {
        let svg = render_burn(&BurnChart {
            id: "chart-burn".into(),
            title: "Burn".into(),
            days: vec![],
            budget: Some((500.0, "500.00 EUR".into())),
            forecast: None,
        });
        assert!(svg.contains("no time logged yet"));
        assert!(
            svg.contains("budget 500.00 EUR"),
            "the budget shows before any time"
        );
    }
}
