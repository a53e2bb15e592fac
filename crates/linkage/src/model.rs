//! Fellegi–Sunter: for each comparison level, m = P(level | same person) and
//! u = P(level | different people); a pair's match weight is log2(λ/(1-λ)) + Σ log2(m/u).
//!
//! Learning without labels: u from random pairs (almost all of which are different people),
//! m and λ by expectation–maximisation over the blocked candidate pairs. Exact and
//! transliteration-equal name agreements are adjusted for how common the name is (agreeing on
//! "Mohammed" is weaker evidence than agreeing on a rare name).

// Comparisons are addressed by index across parallel arrays (levels, m, u, counts).
#![allow(clippy::needless_range_loop)]

use crate::LinkageError;
use crate::compare::{COMPARISONS, FAMILY, GIVEN, N, Vector};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Level {
    pub label: String,
    pub m: f64,
    pub u: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Comparison {
    pub name: String,
    pub levels: Vec<Level>,
}

/// A model that can be saved, inspected and loaded again (`--model`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Model {
    pub format: String,
    /// Prior probability that a candidate pair is the same person.
    pub lambda: f64,
    /// Pairs with a match probability at or above this are linked.
    pub threshold: f64,
    pub comparisons: Vec<Comparison>,
    /// u of sex, nationality and place of birth among different people *whose names agree*:
    /// such people come from the same places far more often than random pairs (names follow
    /// origin), so agreement on these fields is weaker evidence then.
    #[serde(default)]
    pub u_when_names_agree: Vec<Vec<f64>>,
}

/// Comparisons whose u depends on name agreement.
pub const NAME_DEPENDENT: [usize; 3] = [crate::compare::SEX, crate::compare::NATIONALITY, crate::compare::PLACE];

pub const FORMAT: &str = "palermo-linkage-model-v2";

/// Given-name level from which a pair with the same family name reads as relatives.
const RELATIVES_GIVEN_FROM: u8 = 4;
/// What relatives share: phone, place of birth, date of birth (twins).
const RELATIVES_SHARE: [usize; 3] = [crate::compare::PHONE, crate::compare::PLACE, crate::compare::DOB];
/// The most a shared value may count for between relatives, in bits.
const RELATIVES_CAP: f64 = 1.0;
const FLOOR: f64 = 1e-6;

/// The family pattern: the same family name, clearly different given names.
fn is_relatives(v: &Vector) -> bool {
    matches!((v[GIVEN], v[FAMILY]), (Some(g), Some(f)) if g >= RELATIVES_GIVEN_FROM && f <= 1)
}

/// A level's weight `bf` for comparison `c`, capped where relatives share the value.
fn capped_for_relatives(bf: f64, c: usize, relatives: bool) -> f64 {
    if relatives && RELATIVES_SHARE.contains(&c) { bf.min(RELATIVES_CAP) } else { bf }
}

/// What one EM session estimated.
#[derive(Debug, Clone)]
pub struct Session {
    /// m per comparison and level (fixed comparisons keep their starting values).
    pub m: Vec<Vec<f64>>,
    /// The share of matches among the session's pairs.
    pub lambda: f64,
    pub iterations: usize,
    /// Level frequencies among the pairs judged not to match.
    pub u_non_match: Vec<Vec<f64>>,
}

/// How common each name value is, for the term-frequency adjustment.
#[derive(Debug, Default, Clone)]
pub struct TermFrequencies {
    pub given_key: HashMap<String, f64>,
    pub given_skeleton: HashMap<String, f64>,
    pub family_key: HashMap<String, f64>,
    pub family_skeleton: HashMap<String, f64>,
    /// Σ tf² of each table: the chance that two random records agree on the field.
    pub sum_sq: [f64; 4],
}

impl TermFrequencies {
    pub fn of(records: &[crate::record::Prepared]) -> Self {
        let mut t = TermFrequencies::default();
        let n = records.len().max(1) as f64;
        for r in records {
            if let Some(g) = &r.given {
                *t.given_key.entry(g.key.clone()).or_default() += 1.0 / n;
                *t.given_skeleton.entry(g.skeleton.clone()).or_default() += 1.0 / n;
            }
            if let Some(f) = &r.family {
                *t.family_key.entry(f.key.clone()).or_default() += 1.0 / n;
                *t.family_skeleton.entry(f.skeleton.clone()).or_default() += 1.0 / n;
            }
        }
        let sq = |m: &HashMap<String, f64>| m.values().map(|x| x * x).sum::<f64>();
        t.sum_sq = [sq(&t.given_key), sq(&t.given_skeleton), sq(&t.family_key), sq(&t.family_skeleton)];
        t
    }
}

impl Model {
    /// Starting values before learning.
    pub fn initial(threshold: f64) -> Self {
        let m_prior: [&[f64]; N] = [
            &[0.80, 0.08, 0.05, 0.04, 0.03],
            &[0.80, 0.08, 0.05, 0.04, 0.03],
            &[0.70, 0.04, 0.05, 0.03, 0.08, 0.05, 0.05],
            &[0.97, 0.03],
            &[0.95, 0.05],
            &[0.80, 0.10, 0.10],
            &[0.90, 0.10],
        ];
        let comparisons = COMPARISONS
            .iter()
            .zip(m_prior)
            .map(|((name, labels), m)| Comparison {
                name: (*name).to_owned(),
                levels: labels.iter().zip(m).map(|(l, m)| Level { label: (*l).to_owned(), m: *m, u: 1.0 / labels.len() as f64 }).collect(),
            })
            .collect();
        Model { format: FORMAT.into(), lambda: 0.1, threshold, comparisons, u_when_names_agree: Vec::new() }
    }

    pub fn check(&self) -> Result<(), LinkageError> {
        if self.format != FORMAT {
            return Err(LinkageError::Model(format!("format must be {FORMAT}")));
        }
        if self.comparisons.len() != N
            || self.comparisons.iter().zip(COMPARISONS).any(|(c, (n, l))| c.name != *n || c.levels.len() != l.len())
        {
            return Err(LinkageError::Model("comparisons do not match this version of Palermo".into()));
        }
        if !(0.0..1.0).contains(&self.lambda) || !(0.0..=1.0).contains(&self.threshold) {
            return Err(LinkageError::Model("lambda must be in (0, 1) and threshold in [0, 1]".into()));
        }
        Ok(())
    }

    /// Estimate u from comparison vectors of random pairs.
    pub fn learn_u(&mut self, random_pairs: &[Vector]) {
        for (c, comp) in self.comparisons.iter_mut().enumerate() {
            let mut counts = vec![1.0; comp.levels.len()]; // add-one smoothing
            for v in random_pairs {
                if let Some(l) = v[c]
                    && let Some(x) = counts.get_mut(usize::from(l))
                {
                    *x += 1.0;
                }
            }
            let total: f64 = counts.iter().sum();
            for (lvl, n) in comp.levels.iter_mut().zip(counts) {
                lvl.u = (n / total).max(FLOOR);
            }
        }
    }

    fn log_bf(&self, c: usize, level: u8) -> f64 {
        self.comparisons
            .get(c)
            .and_then(|comp| comp.levels.get(usize::from(level)))
            .map(|l| (l.m.max(FLOOR) / l.u.max(FLOOR)).log2())
            .unwrap_or(0.0)
    }

    /// One EM session (as Splink does): over pairs blocked on some comparisons, estimate m of
    /// the *other* comparisons and the share λ of matches among these pairs, with u fixed (from
    /// random pairs) and the blocked comparisons' m fixed — their agreement was forced by the
    /// blocking and says nothing here.
    /// `names_tf`: each pair's term-frequency adjustments of given and family name (or empty):
    /// without them, people who share a common name and, by chance, a birth date read as matches.
    pub fn em_session(&self, candidates: &[Vector], names_tf: &[[f64; 2]], fixed: &[usize], max_iter: usize) -> Session {
        let mut m: Vec<Vec<f64>> = self.comparisons.iter().map(|c| c.levels.iter().map(|l| l.m).collect()).collect();
        let u: Vec<Vec<f64>> = self.comparisons.iter().map(|c| c.levels.iter().map(|l| l.u.max(FLOOR)).collect()).collect();
        let mut lambda: f64 = 0.3;
        let mut u_non_match = u.clone();
        if candidates.is_empty() {
            return Session { m, lambda, iterations: 0, u_non_match };
        }
        for iter in 0..max_iter {
            let prior = (lambda / (1.0 - lambda)).log2();
            let mut sum_p = 0.0;
            let mut counts: Vec<Vec<f64>> = m.iter().map(|row| vec![0.01; row.len()]).collect();
            let mut non: Vec<Vec<f64>> = m.iter().map(|row| vec![0.01; row.len()]).collect();
            // log2(m/u) of every level, once per iteration rather than once per pair.
            let table: Vec<Vec<f64>> =
                m.iter().zip(&u).map(|(mm, uu)| mm.iter().zip(uu).map(|(x, y)| (x.max(FLOOR) / y).log2()).collect()).collect();
            for (i, v) in candidates.iter().enumerate() {
                let mut w = prior;
                if let Some(adjust) = names_tf.get(i) {
                    for (c, x) in [GIVEN, FAMILY].into_iter().zip(adjust) {
                        if !fixed.contains(&c) {
                            w += x;
                        }
                    }
                }
                let relatives = is_relatives(v);
                for c in 0..N {
                    if fixed.contains(&c) {
                        continue;
                    }
                    if let Some(l) = v[c] {
                        let l = usize::from(l);
                        if let Some(&bf) = table.get(c).and_then(|r| r.get(l)) {
                            w += capped_for_relatives(bf, c, relatives);
                        }
                    }
                }
                let p = 1.0 / (1.0 + (-w).exp2());
                sum_p += p;
                for c in 0..N {
                    if let Some(l) = v[c] {
                        if let Some(x) = counts.get_mut(c).and_then(|r| r.get_mut(usize::from(l))) {
                            *x += p;
                        }
                        if let Some(x) = non.get_mut(c).and_then(|r| r.get_mut(usize::from(l))) {
                            *x += 1.0 - p;
                        }
                    }
                }
            }
            let new_lambda = (sum_p / candidates.len() as f64).clamp(1e-4, 0.9999);
            let mut change = (new_lambda - lambda).abs();
            lambda = new_lambda;
            u_non_match = non
                .into_iter()
                .map(|row| {
                    let t: f64 = row.iter().sum();
                    row.into_iter().map(|x| (x / t).max(FLOOR)).collect()
                })
                .collect();
            for (c, row) in counts.into_iter().enumerate() {
                if fixed.contains(&c) {
                    continue;
                }
                let total: f64 = row.iter().sum();
                if let Some(target) = m.get_mut(c) {
                    for (slot, n) in target.iter_mut().zip(row) {
                        let v = (n / total).max(FLOOR);
                        change = change.max((v - *slot).abs());
                        *slot = v;
                    }
                }
            }
            if change < 1e-4 {
                return Session { m, lambda, iterations: iter + 1, u_non_match };
            }
        }
        Session { m, lambda, iterations: max_iter, u_non_match }
    }

    /// Take u of the name-dependent comparisons from the non-matches of a name-blocked session.
    pub fn set_u_when_names_agree(&mut self, u: &[Vec<f64>]) {
        self.u_when_names_agree = u.to_vec();
    }

    /// Take m of comparison `c` from a session's estimate.
    pub fn set_m(&mut self, c: usize, m: &[f64]) {
        if let Some(comp) = self.comparisons.get_mut(c) {
            for (lvl, v) in comp.levels.iter_mut().zip(m) {
                lvl.m = *v;
            }
        }
    }

    /// The match weight of a pair, with term-frequency adjustment of name agreements (for one
    /// pair; many pairs: [`Weights`]).
    pub fn weight(&self, v: &Vector, a: &crate::record::Prepared, tf: &TermFrequencies) -> f64 {
        Weights::of(self).weight(v, &NameRarity::of(a, tf))
    }

    pub fn probability(weight: f64) -> f64 {
        1.0 / (1.0 + (-weight).exp2())
    }
}

/// A model's weights in tables, for scoring many pairs: log2(m/u) of every level computed once.
#[derive(Debug, Clone)]
pub struct Weights {
    prior: f64,
    /// log2(m/u) per comparison and level.
    table: Vec<Vec<f64>>,
    /// The same with u among different people whose names agree, where the model has it.
    when_names_agree: Vec<Option<Vec<f64>>>,
}

/// How rare a record's names are: the term-frequency adjustment of an exact (0) and a
/// transliteration-equal (1) agreement, for the given and the family name.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct NameRarity(pub [[f64; 2]; 2]);

impl NameRarity {
    pub fn of(a: &crate::record::Prepared, tf: &TermFrequencies) -> Self {
        NameRarity([GIVEN, FAMILY].map(|c| [0, 1].map(|l| tf_adjustment(c, l, a, tf))))
    }

    /// What the adjustment adds to the given and the family name comparison of a pair whose
    /// first record this is.
    pub fn names(&self, v: &Vector) -> [f64; 2] {
        [GIVEN, FAMILY].map(|c| v[c].map_or(0.0, |l| self.of_level(c, l)))
    }

    fn of_level(&self, c: usize, level: u8) -> f64 {
        let field = match c {
            GIVEN => 0,
            FAMILY => 1,
            _ => return 0.0,
        };
        self.0.get(field).and_then(|r| r.get(usize::from(level))).copied().unwrap_or(0.0)
    }
}

impl Weights {
    pub fn of(model: &Model) -> Self {
        let table = (0..N)
            .map(|c| {
                model.comparisons.get(c).map(|comp| (0..comp.levels.len()).map(|l| model.log_bf(c, l as u8)).collect()).unwrap_or_default()
            })
            .collect();
        let when_names_agree = (0..N)
            .map(|c| {
                let comp = model.comparisons.get(c)?;
                let u = model.u_when_names_agree.get(c)?;
                NAME_DEPENDENT
                    .contains(&c)
                    .then(|| comp.levels.iter().zip(u).map(|(l, u)| (l.m.max(FLOOR) / u.max(FLOOR)).log2()).collect())
            })
            .collect();
        Weights { prior: (model.lambda / (1.0 - model.lambda)).log2(), table, when_names_agree }
    }

    /// The match weight of a pair whose first record's names are this rare.
    pub fn weight(&self, v: &Vector, rarity: &NameRarity) -> f64 {
        let mut w = self.prior;
        let names_agree = matches!((v[GIVEN], v[FAMILY]), (Some(g), Some(f)) if g <= 2 && f <= 2);
        // The family pattern: the same family name, clearly different given names. Relatives share
        // a household's phone and a birthplace (twins a birth date) far more often than random
        // pairs do, so agreement on those says little here.
        let relatives = is_relatives(v);
        for c in 0..N {
            let Some(l) = v[c] else { continue };
            let mut bf = capped_for_relatives(self.table.get(c).and_then(|r| r.get(usize::from(l))).copied().unwrap_or(0.0), c, relatives);
            if names_agree && let Some(x) = self.when_names_agree.get(c).and_then(|r| r.as_ref()).and_then(|r| r.get(usize::from(l))) {
                bf = *x;
            }
            w += bf + rarity.of_level(c, l);
        }
        w
    }
}

/// Term-frequency adjustment of an exact or transliteration-equal name agreement: replace the
/// average u of the level with the frequency of this very value. Agreeing on a value v among
/// non-matches has probability tf(v)² / Σ tf², among matches tf(v): the level's weight changes by
/// log2(Σ tf² / tf(v)). (With crossed names the value read here may be the other field: a small,
/// conservative error.)
fn tf_adjustment(c: usize, level: u8, a: &crate::record::Prepared, tf: &TermFrequencies) -> f64 {
    let name = match c {
        GIVEN => a.given.as_ref().map(|n| (n, (&tf.given_key, tf.sum_sq[0]), (&tf.given_skeleton, tf.sum_sq[1]))),
        FAMILY => a.family.as_ref().map(|n| (n, (&tf.family_key, tf.sum_sq[2]), (&tf.family_skeleton, tf.sum_sq[3]))),
        _ => None,
    };
    let Some((keys, by_key, by_skel)) = name else { return 0.0 };
    if level > 1 {
        return 0.0;
    }
    let (freq, sum_sq) = if level == 0 { (by_key.0.get(&keys.key), by_key.1) } else { (by_skel.0.get(&keys.skeleton), by_skel.1) };
    freq.map_or(0.0, |freq| (sum_sq.max(FLOOR) / freq.max(FLOOR)).log2().clamp(-5.0, 5.0))
}

/// How many records the shipped model was learned from (`data/default-model.json`).
pub const DEFAULT_MODEL_RECORDS: usize = 100_000;

/// The model shipped with Palermo, learned by `palermo link dedupe --save-model` on 100,000
/// records of the project's generator (seed 2; docs/LINKAGE.md), for registers too small to
/// learn from. Its prior is rescaled to `n` records: the number of true pairs grows with the
/// number of records, the number of all pairs with its square.
pub fn default_model(n: usize) -> Result<Model, LinkageError> {
    let mut m: Model = serde_json::from_str(include_str!("../data/default-model.json")).map_err(|e| LinkageError::Model(e.to_string()))?;
    m.check()?;
    let scale = (DEFAULT_MODEL_RECORDS as f64 - 1.0) / (n.max(2) as f64 - 1.0);
    m.lambda = (m.lambda * scale).clamp(1e-9, 0.5);
    Ok(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_model_loads_and_its_prior_follows_the_register_size() {
        let full = default_model(DEFAULT_MODEL_RECORDS).unwrap();
        let small = default_model(1_000).unwrap();
        assert_eq!(full.comparisons, small.comparisons);
        let ratio = small.lambda / full.lambda;
        assert!((ratio - 99_999.0 / 999.0).abs() < 1e-6, "{ratio}");
        assert!(default_model(0).unwrap().lambda <= 0.5);
    }

    #[test]
    fn a_shared_household_does_not_make_relatives_one_person() {
        let m = default_model(DEFAULT_MODEL_RECORDS).unwrap();
        let (a, tf) = (crate::record::Prepared::default(), TermFrequencies::default());
        // Same family name, birth date, place, phone and nationality; given names clearly differ.
        let twins: Vector = [Some(4), Some(0), Some(0), Some(0), Some(0), Some(0), Some(0)];
        assert!(Model::probability(m.weight(&twins, &a, &tf)) < 0.5);
        // The same evidence with the given names agreeing is one person.
        let same: Vector = [Some(0), Some(0), Some(0), Some(0), Some(0), Some(0), Some(0)];
        assert!(Model::probability(m.weight(&same, &a, &tf)) > 0.99);
    }
}
