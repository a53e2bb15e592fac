//! Charts as SVG rendered on the server: readable without JavaScript, with a title and a
//! description for screen readers, and always next to a table with the same numbers. Titles,
//! bar labels and units are said in the reader's language (`crate::published`).

use crate::i18n::Tr;
use crate::published::{said, title};
use palermo_service::report::Chart;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

/// A horizontal bar chart. A bar that is not published (suppressed) is drawn as "x" with no bar.
pub fn bar_chart(c: &Chart, id: u32, t: &Tr) -> String {
    let label_w = 260.0;
    let bar_w = 360.0;
    let row_h = 26.0;
    let top = 30.0;
    let max = c.bars.iter().filter_map(|(_, v)| *v).max().unwrap_or(0).max(1) as f64;
    let height = top + row_h * c.bars.len() as f64 + 10.0;
    let width = label_w + bar_w + 90.0;
    let heading = title(t, &c.words);
    let unit = t.get(&format!("st-unit-{}", c.unit));
    let hidden = t.get("st-not-published");
    let labels: Vec<String> = c.bars.iter().map(|(l, _)| said(t, c.words.rows, l)).collect();
    let desc = labels
        .iter()
        .zip(&c.bars)
        .map(|(l, (_, v))| format!("{}: {}", l, v.map_or_else(|| hidden.clone(), |n| format!("{n} {unit}"))))
        .collect::<Vec<_>>()
        .join("; ");
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" class=\"chart\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" aria-labelledby=\"chart-{id}-title chart-{id}-desc\">\
         <title id=\"chart-{id}-title\">{}</title><desc id=\"chart-{id}-desc\">{}</desc>\
         <text x=\"0\" y=\"18\" font-size=\"14\" font-weight=\"bold\" fill=\"#1a1a1a\">{}</text>",
        esc(&heading),
        esc(&desc),
        esc(&heading)
    );
    for (i, (label, (_, value))) in labels.iter().zip(&c.bars).enumerate() {
        let y = top + row_h * i as f64;
        let short: String = label.chars().take(38).collect();
        out.push_str(&format!(
            "<text x=\"{}\" y=\"{}\" font-size=\"12\" text-anchor=\"end\" fill=\"#1a1a1a\">{}</text>",
            label_w - 8.0,
            y + 16.0,
            esc(&short)
        ));
        match value {
            Some(v) => {
                let w = (*v as f64 / max * bar_w).max(1.0);
                out.push_str(&format!(
                    "<rect x=\"{label_w}\" y=\"{}\" width=\"{w:.1}\" height=\"{}\" fill=\"#1f5f8b\"/><text x=\"{:.1}\" y=\"{}\" font-size=\"12\" fill=\"#1a1a1a\">{v}</text>",
                    y + 4.0,
                    row_h - 8.0,
                    label_w + w + 6.0,
                    y + 16.0
                ));
            }
            None => out.push_str(&format!("<text x=\"{}\" y=\"{}\" font-size=\"12\" fill=\"#555\">x</text>", label_w + 6.0, y + 16.0)),
        }
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use palermo_service::report::Words;

    #[test]
    fn labels_are_escaped_and_suppressed_bars_marked() {
        let c = Chart {
            title: String::new(),
            words: Words::new("campaign-reach", 2026, "", ""),
            unit: "people".into(),
            bars: vec![("x&y <b>".into(), Some(5)), ("z".into(), None)],
        };
        let svg = bar_chart(&c, 1, &Tr::new("en"));
        assert!(svg.contains("x&amp;y &lt;b&gt;") && !svg.contains("<b>"), "{svg}");
        assert!(svg.contains("z: not published") && svg.contains("5 people"), "{svg}");
        assert_eq!(svg.matches("<rect").count(), 1);
    }

    #[test]
    fn a_chart_speaks_the_readers_language() {
        let c = Chart {
            title: "Median hours from sending a referral to its answer, 2026".into(),
            words: Words::new("response-chart", 2026, "service-kind", ""),
            unit: "hours".into(),
            bars: vec![("accommodation".into(), Some(30)), ("all".into(), None)],
        };
        let fr = bar_chart(&c, 1, &Tr::new("fr"));
        assert!(!fr.contains("Median hours") && !fr.contains("accommodation") && !fr.contains(">all<"), "{fr}");
        assert!(fr.contains("2026") && fr.contains("30 heures"), "{fr}");
    }
}
