//! Reading and writing the linkage CSV files. Input: UTF-8 with a header, an `id` column and any
//! of `given_name, family_name, sex, date_of_birth, nationality, place_of_birth, phone`; other
//! columns are ignored, empty means missing.

use crate::LinkageError;
use crate::record::Record;
use std::io::{Read, Write};

const FIELDS: [&str; 7] = ["given_name", "family_name", "sex", "date_of_birth", "nationality", "place_of_birth", "phone"];

fn input_err(file: &str, message: impl Into<String>) -> LinkageError {
    LinkageError::Input { file: file.to_owned(), message: message.into() }
}

/// Read person records. Errors name the file, the line and what is wrong.
pub fn read_records(name: &str, input: impl Read) -> Result<Vec<Record>, LinkageError> {
    let mut rdr = csv::ReaderBuilder::new().flexible(false).from_reader(input);
    let headers = rdr.headers().map_err(|e| input_err(name, format!("header: {e}")))?.clone();
    let col = |h: &str| headers.iter().position(|x| x.trim().eq_ignore_ascii_case(h));
    let id_col = col("id").ok_or_else(|| input_err(name, "the header has no `id` column"))?;
    let cols: Vec<Option<usize>> = FIELDS.iter().map(|f| col(f)).collect();
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (i, row) in rdr.records().enumerate() {
        let row = row.map_err(|e| input_err(name, format!("line {}: {e}", i + 2)))?;
        let id = row.get(id_col).unwrap_or("").trim().to_owned();
        if id.is_empty() {
            return Err(input_err(name, format!("line {}: empty id", i + 2)));
        }
        if !seen.insert(id.clone()) {
            return Err(input_err(name, format!("line {}: id {id:?} appears twice", i + 2)));
        }
        let get =
            |k: usize| cols.get(k).copied().flatten().and_then(|c| row.get(c)).map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned);
        out.push(Record {
            id,
            given_name: get(0),
            family_name: get(1),
            sex: get(2),
            date_of_birth: get(3),
            nationality: get(4),
            place_of_birth: get(5),
            phone: get(6),
        });
    }
    Ok(out)
}

/// A cell that a spreadsheet would run as a formula gets a leading apostrophe.
pub fn formula_safe(s: &str) -> std::borrow::Cow<'_, str> {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) { std::borrow::Cow::Owned(format!("'{s}")) } else { std::borrow::Cow::Borrowed(s) }
}

pub fn write_records(out: impl Write, records: &[Record]) -> Result<(), LinkageError> {
    let mut w = csv::Writer::from_writer(out);
    let mut header = vec!["id"];
    header.extend(FIELDS);
    w.write_record(&header).map_err(|e| LinkageError::Io(e.into()))?;
    for r in records {
        // Input data, written as is (a leading '+' of a phone number is data, not a formula).
        let f = |v: &Option<String>| v.as_deref().unwrap_or("").to_owned();
        w.write_record([
            r.id.clone(),
            f(&r.given_name),
            f(&r.family_name),
            f(&r.sex),
            f(&r.date_of_birth),
            f(&r.nationality),
            f(&r.place_of_birth),
            f(&r.phone),
        ])
        .map_err(|e| LinkageError::Io(e.into()))?;
    }
    w.flush()?;
    Ok(())
}

/// `id,cluster_id` rows. Cluster ids are the first record id of each cluster.
pub fn write_clusters(out: impl Write, records: &[Record], clusters: &[usize]) -> Result<(), LinkageError> {
    let mut first: std::collections::HashMap<usize, &str> = std::collections::HashMap::new();
    for (r, c) in records.iter().zip(clusters) {
        first.entry(*c).or_insert(&r.id);
    }
    let mut w = csv::Writer::from_writer(out);
    w.write_record(["id", "cluster_id"]).map_err(|e| LinkageError::Io(e.into()))?;
    for (r, c) in records.iter().zip(clusters) {
        let cid = first.get(c).copied().unwrap_or(&r.id);
        w.write_record([formula_safe(&r.id).as_ref(), formula_safe(cid).as_ref()]).map_err(|e| LinkageError::Io(e.into()))?;
    }
    w.flush()?;
    Ok(())
}

/// Read a two-column `id,<label>` file (clusters or ground truth) into a map.
pub fn read_labels(name: &str, input: impl Read) -> Result<std::collections::HashMap<String, String>, LinkageError> {
    let mut rdr = csv::Reader::from_reader(input);
    let mut out = std::collections::HashMap::new();
    for (i, row) in rdr.records().enumerate() {
        let row = row.map_err(|e| input_err(name, format!("line {}: {e}", i + 2)))?;
        let (Some(id), Some(label)) = (row.get(0), row.get(1)) else {
            return Err(input_err(name, format!("line {}: expected id,label", i + 2)));
        };
        out.insert(id.trim_start_matches('\'').to_owned(), label.trim_start_matches('\'').to_owned());
    }
    Ok(out)
}

/// A CLK file (`palermo link encode`): header `id,palermo-clk-v3` (or
/// `id,palermo-clk-v3-salted-birth-year`), then one id and base64 filter per line. Returns the
/// file's salting with its rows. A file of another format is refused: its filters would not line up.
pub fn read_clks(name: &str, input: impl Read) -> Result<(crate::clk::Salt, Vec<(String, crate::clk::Clk)>), LinkageError> {
    let mut rdr = csv::Reader::from_reader(input);
    let header = rdr.headers().map_err(|e| input_err(name, format!("line 1: {e}")))?;
    let Some(salt) = header.get(1).and_then(crate::clk::Salt::of_format) else {
        return Err(input_err(
            name,
            format!(
                "line 1: expected the header id,{} or id,{} (a file from `palermo link encode` of this version); found {:?}. Both sides must encode with the same schema",
                crate::clk::FORMAT,
                crate::clk::FORMAT_SALTED_BY_BIRTH_YEAR,
                header.iter().collect::<Vec<_>>().join(",")
            ),
        ));
    };
    let mut out = Vec::new();
    for (i, row) in rdr.records().enumerate() {
        let row = row.map_err(|e| input_err(name, format!("line {}: {e}", i + 2)))?;
        let (Some(id), Some(clk)) = (row.get(0), row.get(1)) else {
            return Err(input_err(name, format!("line {}: expected id,clk", i + 2)));
        };
        let Some(c) = crate::clk::from_base64(clk) else {
            return Err(input_err(name, format!("line {}: the clk column is not a base64 {}-bit filter", i + 2, crate::clk::BITS)));
        };
        out.push((id.trim_start_matches('\'').to_owned(), c));
    }
    Ok((salt, out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn errors_name_the_line() {
        let e = read_records("in.csv", "id,given_name\n1,Ana\n1,Bo\n".as_bytes()).unwrap_err().to_string();
        assert!(e.contains("line 3") && e.contains("twice"), "{e}");
        let e = read_records("in.csv", "name\nAna\n".as_bytes()).unwrap_err().to_string();
        assert!(e.contains("no `id` column"));
    }

    #[test]
    fn clk_files_of_another_format_are_refused() {
        let e = read_clks("a.csv", "id,clk\n1,AAAA\n".as_bytes()).unwrap_err().to_string();
        assert!(e.contains("a.csv: line 1") && e.contains("id,palermo-clk-v3"), "{e}");
        let e = read_clks("a.csv", "id,palermo-clk-v3\n1,AAAA\n".as_bytes()).unwrap_err().to_string();
        assert!(e.contains("line 2") && e.contains("1024-bit"), "{e}");
        let filter = crate::clk::to_base64(&[7; crate::clk::WORDS]);
        let ok = read_clks("a.csv", format!("id,palermo-clk-v3\n'=x,{filter}\n").as_bytes()).unwrap();
        assert_eq!(ok, (crate::clk::Salt::None, vec![("=x".to_owned(), [7; crate::clk::WORDS])]));
        let salted = read_clks("a.csv", format!("id,palermo-clk-v3-salted-birth-year-bands\nx,{filter}\n").as_bytes()).unwrap();
        assert_eq!(salted.0, crate::clk::Salt::BirthYear);
        // Salted by single years (the first salting, replaced by the two bands): its name bits
        // would not line up with either format's, so it is refused, naming what is read.
        let e = read_clks("a.csv", format!("id,palermo-clk-v3-salted-birth-year\nx,{filter}\n").as_bytes()).unwrap_err().to_string();
        assert!(e.contains("line 1") && e.contains("id,palermo-clk-v3-salted-birth-year-bands"), "{e}");
    }

    #[test]
    fn output_is_formula_safe() {
        let recs = vec![Record { id: "=cmd()".into(), ..Default::default() }];
        let mut out = Vec::new();
        write_clusters(&mut out, &recs, &[0]).unwrap();
        assert!(String::from_utf8(out).unwrap().contains("'=cmd()"));
    }

    proptest! {
        /// The CSV reader never panics, whatever the bytes.
        #[test]
        fn reader_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            let _ = read_records("fuzz.csv", &bytes[..]);
            let _ = read_labels("fuzz.csv", &bytes[..]);
            let _ = read_clks("fuzz.csv", &bytes[..]);
        }

        #[test]
        fn reader_never_panics_on_text(s in "(id|given_name|family_name|date_of_birth|,|\"|\n|[a-zа-яا-ي0-9 -]){0,200}") {
            if let Ok(recs) = read_records("fuzz.csv", s.as_bytes()) {
                let prepared: Vec<_> = recs.iter().map(crate::record::Prepared::of).collect();
                let _ = crate::block::candidate_pairs(&prepared);
            }
        }
    }
}
