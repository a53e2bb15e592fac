//! The published statistics as the pages say them: tables through the disclosure gate and
//! tables of programme data, their titles, headers and labels in the reader's language
//! (`palermo_service::report::Words`), ready for one piece of markup
//! (`templates/released_table.html`).

use crate::i18n::Tr;
use palermo_service::report::{Figure, PlainTable, StatTable, Words};

/// The title of a table or chart: the message `st-<key>` with the year and the other arguments.
pub fn title(t: &Tr, w: &Words) -> String {
    let year = w.year.to_string();
    let mut args: Vec<(&str, &str)> = vec![("year", &year)];
    args.extend(w.args.iter().map(|(k, v)| (*k, v.as_str())));
    t.get_with(&format!("st-{}", w.key), &args)
}

/// One label of a table, chart or column: a code of `list` (`first:second` for two-part codes
/// such as `sex:female`), else one of the general words (`c-stat-all`), else as it is.
pub fn said(t: &Tr, list: &str, code: &str) -> String {
    let one = |list: &str, code: &str| {
        let general = || t.label("stat", code);
        if list.is_empty() {
            return general();
        }
        let l = t.label(list, code);
        if l == code { general() } else { l }
    };
    match list.split_once(':') {
        Some((first, second)) => match code.split_once(':') {
            Some((a, b)) => format!("{}{}{}", one(first, a), t.colon(), one(second, b)),
            None => one(first, code),
        },
        None => one(list, code),
    }
}

/// A figure of the implementation report: what it counts and its value, in the reader's language.
pub fn figure(t: &Tr, f: &Figure) -> (String, String) {
    let value = match f.rule {
        Some(rule) => t.get1(&format!("rf-{rule}"), "n", &f.value),
        None => f.value.clone(),
    };
    (t.get(&format!("rf-{}", f.key)), value)
}

/// A table as the page shows it: every text in the reader's language, every cell as published
/// (a number, or x where the gate hid it).
#[derive(Debug, Clone)]
pub struct Shown {
    /// The `id` of the `<table>` ("" for none).
    pub id: String,
    pub class: &'static str,
    pub title: String,
    /// The column headers, the row headers' column first (empty for a plain table).
    pub cols: Vec<String>,
    /// Each row: its header ("" for a plain table) and its cells, the row's total last.
    pub rows: Vec<(String, Vec<String>)>,
}

impl Shown {
    /// A table through the gate. Its totals are the last column and, when it has several rows,
    /// the last row.
    pub fn released(t: &Tr, s: &StatTable, id: &str) -> Self {
        let r = &s.table;
        let total = t.get("r-total");
        let mut cols = vec![String::new()];
        cols.extend(r.col_labels.iter().map(|c| said(t, s.words.cols, c)));
        cols.push(total.clone());
        let mut rows: Vec<(String, Vec<String>)> = r
            .row_labels
            .iter()
            .zip(&r.cells)
            .zip(&r.row_totals)
            .map(|((label, cells), row_total)| {
                let mut out: Vec<String> = cells.iter().map(ToString::to_string).collect();
                out.push(row_total.to_string());
                (said(t, s.words.rows, label), out)
            })
            .collect();
        if r.row_labels.len() > 1 {
            let mut out: Vec<String> = r.col_totals.iter().map(ToString::to_string).collect();
            out.push(r.total.to_string());
            rows.push((total, out));
        }
        Self { id: id.to_owned(), class: "released", title: title(t, &s.words), cols, rows }
    }

    /// A table of programme data, published as it is; a coded column's cell may hold several
    /// codes separated by commas.
    pub fn plain(t: &Tr, p: &PlainTable) -> Self {
        let cols = p.header.iter().map(|h| t.get(&format!("st-col-{h}"))).collect();
        let rows = p
            .rows
            .iter()
            .map(|row| {
                let cells = row
                    .iter()
                    .enumerate()
                    .map(|(i, cell)| match p.lists.get(i).copied().unwrap_or("") {
                        "" => cell.clone(),
                        list => cell.split(',').map(|c| said(t, list, c.trim())).collect::<Vec<_>>().join(t.list_separator()),
                    })
                    .collect();
                (String::new(), cells)
            })
            .collect();
        Self { id: String::new(), class: "plain", title: title(t, &p.words), cols, rows }
    }
}

/// Whether a cell holds a calendar date as the tables write it (YYYY-MM-DD): shown as a `<time>`,
/// left to right and never broken at its hyphens (in an Arabic table it was, at the line's end).
pub fn is_date(cell: &str) -> bool {
    let b = cell.as_bytes();
    b.len() == 10 && b.iter().enumerate().all(|(i, c)| if i == 4 || i == 7 { *c == b'-' } else { c.is_ascii_digit() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use palermo_stats::{Policy, Table};

    #[test]
    fn dates_in_cells() {
        assert!(is_date("2001-09-06"));
        for not in ["2001-09-6", "2001/09/06", "12", "", "x", "2001-09-06T00", "٢٠٠١-٠٩-٠٦"] {
            assert!(!is_date(not), "{not}");
        }
    }

    fn table() -> StatTable {
        let t = Table {
            title: "Victims detected by form of exploitation, 2026".into(),
            row_labels: vec!["sexual_exploitation".into(), "forced_labour".into()],
            col_labels: vec!["women".into(), "other_or_unknown".into()],
            cells: vec![vec![12, 3], vec![20, 0]],
        };
        let r = palermo_stats::release(&t, &Policy { threshold: 11, round_to: None }).unwrap();
        StatTable::new(r, Words::new("victims-by-form", 2026, "stat-victim-form", "stat-glotip-group"))
    }

    #[test]
    fn a_released_table_reads_in_the_readers_language_with_the_gates_cells() {
        let fr = Shown::released(&Tr::new("fr"), &table(), "by-form");
        assert!(fr.title.contains("2026") && !fr.title.contains("Victims"), "{}", fr.title);
        assert_eq!(fr.rows.len(), 3, "two rows and the totals");
        assert_eq!(fr.rows[2].0, "Total");
        assert!(!fr.rows[0].0.contains('_') && !fr.cols[1].contains('_'), "{:?} {:?}", fr.rows[0].0, fr.cols);
        assert_eq!(fr.rows[0].1, ["x", "x", "15"], "the 3 hidden, and the 12 (with the row's total it would give the 3 away)");
        let en = Shown::released(&Tr::new("en"), &table(), "by-form");
        assert_eq!(en.rows[0].0, "Sexual exploitation");
    }

    #[test]
    fn labels_fall_back_to_the_general_words_then_to_the_code() {
        let en = Tr::new("en");
        assert_eq!(said(&en, "service-kind", "all"), "All");
        assert_eq!(said(&en, "stat-dimension:stat-group", "sex:female"), "Sex: Female");
        assert_eq!(said(&en, "stat-dimension:stat-group", "nationality:ROU"), "Nationality: ROU");
        assert_eq!(said(&en, "", "XVR"), "XVR");
        assert_eq!(said(&en, "", "unknown"), "Unknown");
    }
}
