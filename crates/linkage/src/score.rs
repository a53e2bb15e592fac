//! Pairwise precision, recall and F1 of a clustering against the truth.

use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scores {
    pub true_pairs: u64,
    pub predicted_pairs: u64,
    pub correct_pairs: u64,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
}

fn pairs(n: u64) -> u64 {
    n * n.saturating_sub(1) / 2
}

/// `truth` and `predicted` give a cluster label per record, in the same record order.
pub fn pairwise<T: std::hash::Hash + Eq, P: std::hash::Hash + Eq>(truth: &[T], predicted: &[P]) -> Scores {
    let mut t: HashMap<&T, u64> = HashMap::new();
    let mut p: HashMap<&P, u64> = HashMap::new();
    let mut both: HashMap<(&T, &P), u64> = HashMap::new();
    for (a, b) in truth.iter().zip(predicted) {
        *t.entry(a).or_default() += 1;
        *p.entry(b).or_default() += 1;
        *both.entry((a, b)).or_default() += 1;
    }
    let true_pairs: u64 = t.values().map(|&n| pairs(n)).sum();
    let predicted_pairs: u64 = p.values().map(|&n| pairs(n)).sum();
    let correct_pairs: u64 = both.values().map(|&n| pairs(n)).sum();
    let precision = if predicted_pairs == 0 { 1.0 } else { correct_pairs as f64 / predicted_pairs as f64 };
    let recall = if true_pairs == 0 { 1.0 } else { correct_pairs as f64 / true_pairs as f64 };
    let f1 = if precision + recall == 0.0 { 0.0 } else { 2.0 * precision * recall / (precision + recall) };
    Scores { true_pairs, predicted_pairs, correct_pairs, precision, recall, f1 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_answer() {
        // truth: {0,1,2} {3}; predicted: {0,1} {2,3}
        let s = pairwise(&[1, 1, 1, 2], &["a", "a", "b", "b"]);
        assert_eq!((s.true_pairs, s.predicted_pairs, s.correct_pairs), (3, 2, 1));
        assert!((s.precision - 0.5).abs() < 1e-9);
        assert!((s.recall - 1.0 / 3.0).abs() < 1e-9);
    }
}
