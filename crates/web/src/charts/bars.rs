//! Horizontal bar charts for the reports: one row per person, project, activity or stage, a
//! main bar and an optional comparison bar under it (cost against revenue, budget against
//! actual), and an optional shaded target band (utilization's 80–90 %).
//!
//! Geometry: a 200 px label column, then the bars scaled so the largest value of the chart
//! (or the band's top, whichever is larger) fills 420 px; rows are 28 px, the comparison bar
//! is the lower third of its row. Negative values draw from zero as zero-width bars (their
//! text still says the figure). Classes and `data-*` attributes are stable for tests.
use super::escape;

/// One row: the main value and, optionally, what it is compared with.
#[derive(Debug, Clone, PartialEq)]
pub struct BarRow {
    pub label: String,
    pub value: f64,
    /// Shown as text at the end of the bar (`32:00 h`, `4540.00 EUR`).
    pub text: String,
    pub compare: Option<f64>,
    pub compare_text: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct BarChart {
    /// A stable id for the `<svg>` (`chart-utilization`).
    pub id: String,
    pub title: String,
    pub rows: Vec<BarRow>,
    /// What the main and the comparison bars mean, for the legend.
    pub legend: (String, Option<String>),
    /// A shaded band on the value axis (e.g. 80.0–90.0 for utilization in percent).
    pub band: Option<(f64, f64)>,
}

const LABEL_W: f64 = 200.0;
const BAR_W: f64 = 420.0;
const ROW_H: f64 = 28.0;
const TOP: f64 = 36.0;

pub fn render_bars(chart: &BarChart) -> String {
    let max = chart
        .rows
        .iter()
        .flat_map(|r| [r.value, r.compare.unwrap_or(0.0)])
        .chain(chart.band.map(|b| b.1))
        .fold(0.0_f64, f64::max);
    let scale = if max > 0.0 { BAR_W / max } else { 0.0 };
    let x = |v: f64| LABEL_W + (v.max(0.0) * scale);
    let height = TOP + ROW_H * chart.rows.len().max(1) as f64 + 12.0;
    let width = LABEL_W + BAR_W + 140.0;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart bars\" id=\"{}\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" role=\"img\" aria-label=\"{}\">",
        escape(&chart.id),
        escape(&chart.title)
    );
    svg.push_str(&format!(
        "<title>{}</title><text x=\"0\" y=\"14\" class=\"chart-title\" font-weight=\"bold\">{}</text>",
        escape(&chart.title),
        escape(&chart.title)
    ));
    // Legend.
    svg.push_str(&format!(
        "<rect x=\"{LABEL_W}\" y=\"20\" width=\"10\" height=\"10\" fill=\"#3b6ea5\"/><text x=\"{}\" y=\"29\" font-size=\"11\">{}</text>",
        LABEL_W + 14.0,
        escape(&chart.legend.0)
    ));
    if let Some(second) = &chart.legend.1 {
        svg.push_str(&format!(
            "<rect x=\"{}\" y=\"20\" width=\"10\" height=\"10\" fill=\"#c98b2b\"/><text x=\"{}\" y=\"29\" font-size=\"11\">{}</text>",
            LABEL_W + 160.0,
            LABEL_W + 174.0,
            escape(second)
        ));
    }
    if let Some((lo, hi)) = chart.band {
        svg.push_str(&format!(
            "<rect class=\"band\" data-band=\"{lo}-{hi}\" x=\"{:.1}\" y=\"{TOP}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"#5a9e5a\" fill-opacity=\"0.18\"><title>target {lo}–{hi}</title></rect>",
            x(lo),
            (x(hi) - x(lo)).max(0.0),
            ROW_H * chart.rows.len().max(1) as f64
        ));
    }
    if chart.rows.is_empty() {
        svg.push_str(&format!(
            "<text x=\"{LABEL_W}\" y=\"{}\" class=\"empty\" font-size=\"12\">nothing in this period</text>",
            TOP + 18.0
        ));
    }
    for (i, r) in chart.rows.iter().enumerate() {
        let y = TOP + ROW_H * i as f64;
        let main_h = if r.compare.is_some() { 14.0 } else { 20.0 };
        svg.push_str(&format!(
            "<g class=\"bar-row\" data-label=\"{}\" data-value=\"{}\"><text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\" font-size=\"12\">{}</text>",
            escape(&r.label),
            r.value,
            LABEL_W - 8.0,
            y + 15.0,
            escape(&r.label)
        ));
        svg.push_str(&format!(
            "<rect class=\"bar\" x=\"{LABEL_W}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{main_h}\" fill=\"#3b6ea5\"><title>{}: {}</title></rect>",
            y + 2.0,
            x(r.value) - LABEL_W,
            escape(&r.label),
            escape(&r.text)
        ));
        svg.push_str(&format!(
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\">{}</text>",
            x(r.value) + 4.0,
            y + 2.0 + main_h - 3.0,
            escape(&r.text)
        ));
        if let Some(c) = r.compare {
            let text = r.compare_text.clone().unwrap_or_default();
            svg.push_str(&format!(
                "<rect class=\"compare\" data-value=\"{c}\" x=\"{LABEL_W}\" y=\"{:.1}\" width=\"{:.1}\" height=\"8\" fill=\"#c98b2b\"><title>{}: {}</title></rect><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\">{}</text>",
                y + 18.0,
                x(c) - LABEL_W,
                escape(&r.label),
                escape(&text),
                x(c) + 4.0,
                y + 25.0,
                escape(&text)
            ));
        }
        svg.push_str("</g>");
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_largest_value_and_escape_labels() {
        let chart = BarChart {
            id: "chart-x".into(),
            title: "Hours <by> activity".into(),
            rows: vec![
                BarRow {
                    label: "Grading & color".into(),
                    value: 32.0,
                    text: "32:00".into(),
                    compare: None,
                    compare_text: None,
                },
                BarRow {
                    label: "Edit".into(),
                    value: 16.0,
                    text: "16:00".into(),
                    compare: Some(-3.0),
                    compare_text: Some("loss".into()),
                },
            ],
            legend: ("hours".into(), None),
            band: Some((80.0, 90.0)),
        };
        let svg = render_bars(&chart);
        // The band's 90 is the largest value: 32 → 32 × 420 / 90.
        assert!(
            svg.contains("width=\"149.3\" height=\"14\"")
                || svg.contains("width=\"149.3\" height=\"20\""),
            "{svg}"
        );
        assert!(svg.contains("Grading &amp; color") && svg.contains("Hours &lt;by&gt; activity"));
        assert!(
            svg.contains("class=\"compare\" data-value=\"-3\" x=\"200\" y=\"82.0\" width=\"0.0\""),
            "{svg}"
        );
        assert!(render_bars(&BarChart {
            rows: vec![],
            ..chart
        })
        .contains("nothing in this period"));
    }
}
