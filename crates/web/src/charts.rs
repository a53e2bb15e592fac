//! Charts as SVG rendered on the server: readable without JavaScript, with a title and a
//! description for screen readers, and always next to a table with the same numbers.

use palermo_service::report::Chart;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

/// A horizontal bar chart. A bar that is not published (suppressed) is drawn as "x" with no bar.
pub fn bar_chart(c: &Chart, id: u32) -> String {
    let label_w = 260.0;
    let bar_w = 360.0;
    let row_h = 26.0;
    let top = 30.0;
    let max = c.bars.iter().filter_map(|(_, v)| *v).max().unwrap_or(0).max(1) as f64;
    let height = top + row_h * c.bars.len() as f64 + 10.0;
    let width = label_w + bar_w + 90.0;
    let desc = c
        .bars
        .iter()
        .map(|(l, v)| format!("{}: {}", l, v.map_or_else(|| "not published".to_owned(), |n| format!("{n} {}", c.unit))))
        .collect::<Vec<_>>()
        .join("; ");
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" class=\"chart\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" aria-labelledby=\"chart-{id}-title chart-{id}-desc\">\
         <title id=\"chart-{id}-title\">{}</title><desc id=\"chart-{id}-desc\">{}</desc>\
         <text x=\"0\" y=\"18\" font-size=\"14\" font-weight=\"bold\" fill=\"#1a1a1a\">{}</text>",
        esc(&c.title),
        esc(&desc),
        esc(&c.title)
    );
    for (i, (label, value)) in c.bars.iter().enumerate() {
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

    #[test]
    fn labels_are_escaped_and_suppressed_bars_marked() {
        let c = Chart { title: "A <b>".into(), unit: "n".into(), bars: vec![("x&y".into(), Some(5)), ("z".into(), None)] };
        let svg = bar_chart(&c, 1);
        assert!(svg.contains("A &lt;b&gt;") && svg.contains("x&amp;y") && !svg.contains("<b>"));
        assert!(svg.contains("z: not published"));
        assert_eq!(svg.matches("<rect").count(), 1);
    }
}
