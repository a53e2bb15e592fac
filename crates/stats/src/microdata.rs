//! k-anonymity for de-identified microdata (the CTDC method): every released record shares its
//! whole combination of values with at least `k − 1` others. Records in smaller classes lose
//! values group by group (the most identifying first, as the caller orders the groups); those
//! still alone when every group is blanked are not released at all.

use std::collections::HashMap;

/// What the gate did to a file of records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct KReport {
    pub k: usize,
    /// Records released.
    pub released: usize,
    /// Values replaced by the missing marker.
    pub suppressed_values: usize,
    /// Records not released because no suppression made them common enough.
    pub dropped_records: usize,
}

fn class_sizes<'a>(rows: &'a [Vec<String>], cols: &[usize]) -> HashMap<Vec<&'a str>, usize> {
    let mut sizes: HashMap<Vec<&str>, usize> = HashMap::new();
    for r in rows {
        *sizes.entry(key(r, cols)).or_default() += 1;
    }
    sizes
}

fn key<'a>(r: &'a [String], cols: &[usize]) -> Vec<&'a str> {
    cols.iter().map(|c| r.get(*c).map_or("", String::as_str)).collect()
}

/// Make `rows` k-anonymous over every column named in `groups`. Each group is a set of columns
/// blanked together (a one-hot family and its joined column, say); groups are tried in order.
/// Columns not in any group are released as they are and must not identify anyone.
pub fn k_anonymise(rows: &mut Vec<Vec<String>>, groups: &[Vec<usize>], k: usize, missing: &str) -> KReport {
    let k = k.max(1);
    let cols: Vec<usize> = groups.iter().flatten().copied().collect();
    let mut report = KReport { k, ..KReport::default() };
    for group in groups {
        let small: Vec<bool> = {
            let sizes = class_sizes(rows, &cols);
            rows.iter().map(|r| sizes.get(&key(r, &cols)).copied().unwrap_or(0) < k).collect()
        };
        for (r, is_small) in rows.iter_mut().zip(small) {
            if !is_small {
                continue;
            }
            for c in group {
                if let Some(v) = r.get_mut(*c)
                    && v != missing
                {
                    *v = missing.to_owned();
                    report.suppressed_values += 1;
                }
            }
        }
    }
    let keep: Vec<bool> = {
        let sizes = class_sizes(rows, &cols);
        rows.iter().map(|r| sizes.get(&key(r, &cols)).copied().unwrap_or(0) >= k).collect()
    };
    let before = rows.len();
    let mut it = keep.into_iter();
    rows.retain(|_| it.next().unwrap_or(false));
    report.dropped_records = before - rows.len();
    report.released = rows.len();
    report
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn rows(v: &[&[&str]]) -> Vec<Vec<String>> {
        v.iter().map(|r| r.iter().map(|s| (*s).to_owned()).collect()).collect()
    }

    #[test]
    fn a_unique_citizenship_is_blanked_and_the_record_kept() {
        let mut r = rows(&[&["F", "RO"], &["F", "RO"], &["F", "RO"], &["F", "MD"], &["F", "-"], &["F", "-"]]);
        let rep = k_anonymise(&mut r, &[vec![1], vec![0]], 3, "-");
        assert_eq!(rep.suppressed_values, 1);
        assert_eq!(rep.dropped_records, 0);
        assert!(r.iter().all(|x| x[1] != "MD"));
    }

    #[test]
    fn a_record_alone_after_every_group_is_dropped() {
        let mut r = rows(&[&["F", "RO"], &["F", "RO"], &["M", "MD"]]);
        let rep = k_anonymise(&mut r, &[vec![1]], 2, "-");
        assert_eq!(rep.dropped_records, 1);
        assert_eq!(rep.released, 2);
        assert!(r.iter().all(|x| x[0] == "F"));
    }

    fn value() -> impl Strategy<Value = String> {
        prop_oneof![Just("a".to_owned()), Just("b".to_owned()), Just("c".to_owned()), "[d-z]{1}"]
    }

    proptest! {
        /// Whatever the records, every released combination is shared by at least k records,
        /// and nothing is added.
        #[test]
        fn every_released_combination_is_shared_by_k(
            data in proptest::collection::vec(proptest::collection::vec(value(), 4), 0..80),
            k in 1usize..12,
        ) {
            let mut r = data.clone();
            let rep = k_anonymise(&mut r, &[vec![3], vec![1, 2], vec![0]], k, "-");
            prop_assert!(r.len() <= data.len());
            prop_assert_eq!(rep.released + rep.dropped_records, data.len());
            let sizes = class_sizes(&r, &[0, 1, 2, 3]);
            for row in &r {
                prop_assert!(sizes[&key(row, &[0, 1, 2, 3])] >= k, "{:?}", row);
            }
        }
    }
}
