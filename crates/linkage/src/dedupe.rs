//! The whole pipeline: prepare → block → compare → learn (or load) the model → score →
//! cluster. Uses every core for preparation and comparison.

use crate::block::Blocks;
use crate::cluster::cluster;
use crate::compare::{Vector, compare};
use crate::model::{Model, NameRarity, TermFrequencies, Weights};
use crate::record::{Prepared, Record};
use crate::rng::Rng;

/// Stages reported to a progress display.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Prepare,
    Block,
    Compare,
    Learn,
    Cluster,
}

#[derive(Debug, Clone)]
pub struct Options {
    /// Match probability at which two records are linked.
    pub threshold: f64,
    /// Every pair inside a cluster must match at least at this probability.
    pub floor: f64,
    /// A model to use instead of learning one.
    pub model: Option<Model>,
    pub random_pairs: usize,
    /// Pairs of each learning session compared at most (a random sample).
    pub session_sample: usize,
    /// Return the scored pairs (at or above `floor`) in the outcome, for review.
    pub keep_scored: bool,
    pub seed: u64,
}

impl Default for Options {
    fn default() -> Self {
        Options { threshold: 0.9, floor: 0.1, model: None, random_pairs: 300_000, session_sample: 500_000, keep_scored: false, seed: 1 }
    }
}

#[derive(Debug, Clone)]
pub struct Outcome {
    /// Cluster number per input record.
    pub clusters: Vec<usize>,
    pub model: Model,
    pub candidate_pairs: usize,
    pub linked_pairs: usize,
    pub em_iterations: usize,
    /// Candidate pairs with their match probability, at or above the floor, when asked for.
    pub scored: Vec<(u32, u32, f64)>,
}

fn threads() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2)
}

/// Run `f` over `items` in contiguous chunks on every core; results in input order.
pub fn par_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    par_map_with(items, || (), |_, x| f(x))
}

/// [`par_map`] with a state of each thread's own, made by `init` (a cache, say).
pub fn par_map_with<T: Sync, S, R: Send>(items: &[T], init: impl Fn() -> S + Sync, f: impl Fn(&mut S, &T) -> R + Sync) -> Vec<R> {
    let chunk = items.len().div_ceil(threads()).max(1);
    std::thread::scope(|s| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|c| {
                s.spawn(|| {
                    let mut state = init();
                    c.iter().map(|x| f(&mut state, x)).collect::<Vec<R>>()
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().unwrap_or_default()).collect()
    })
}

/// At most `max` pairs, drawn at random.
fn sample_of(mut pairs: Vec<(u32, u32)>, max: usize, rng: &mut Rng) -> Vec<(u32, u32)> {
    if pairs.len() <= max {
        return pairs;
    }
    for i in 0..max {
        let j = i + rng.below(pairs.len() - i);
        pairs.swap(i, j);
    }
    pairs.truncate(max);
    pairs
}

pub fn run(records: &[Record], options: &Options, progress: &dyn Fn(Stage, usize, usize)) -> Outcome {
    let n = records.len();
    progress(Stage::Prepare, 0, n);
    let prepared: Vec<Prepared> = par_map(records, Prepared::of);
    let tf = TermFrequencies::of(&prepared);
    // How rare each record's names are, once per record (for learning and for scoring).
    let rarity: Vec<NameRarity> = par_map(&prepared, |p| NameRarity::of(p, &tf));
    progress(Stage::Block, 0, n);
    let blocks = Blocks::of(&prepared, crate::block::keys);
    let upper = blocks.pairs_with_repeats();
    // The candidate pairs are drawn in parts of about 8 million (64 MB), so that at a million
    // records they are never all held at once.
    let parts = u32::try_from(upper / 8_000_000 + 1).unwrap_or(u32::MAX);
    progress(Stage::Compare, 0, upper);
    let get = |i: u32| prepared.get(i as usize);

    let mut em_iterations = 0;
    let model = match &options.model {
        Some(m) => m.clone(),
        None => {
            progress(Stage::Learn, 0, 1);
            let mut model = Model::initial(options.threshold);
            let mut rng = Rng::new(options.seed);
            let sample: Vec<(u32, u32)> = if n < 2 {
                Vec::new()
            } else {
                (0..options.random_pairs.min(n * (n - 1) / 2))
                    .map(|_| {
                        let a = rng.below(n) as u32;
                        let mut b = rng.below(n) as u32;
                        if a == b {
                            b = (b + 1) % n as u32;
                        }
                        (a, b)
                    })
                    .collect()
            };
            let random: Vec<Vector> = par_map(&sample, |&(a, b)| match (get(a), get(b)) {
                (Some(x), Some(y)) => compare(x, y),
                _ => [None; crate::compare::N],
            });
            model.learn_u(&random);
            // Two sessions, each learning what its blocking did not force.
            let compare_all = |pairs: &[(u32, u32)]| -> (Vec<Vector>, Vec<[f64; 2]>) {
                par_map(pairs, |&(a, b)| match (get(a), get(b), rarity.get(a as usize)) {
                    (Some(x), Some(y), Some(r)) => {
                        let v = compare(x, y);
                        (v, r.names(&v))
                    }
                    _ => ([None; crate::compare::N], [0.0; 2]),
                })
                .into_iter()
                .unzip()
            };
            // Learning needs level counts, not every pair: a random sample of each session's pairs.
            let dob_pairs = crate::block::pairs_by(&prepared, crate::block::dob_keys);
            let name_pairs = crate::block::pairs_by(&prepared, crate::block::name_keys);
            let (dob_total, name_total) = (dob_pairs.len(), name_pairs.len());
            let by_dob = compare_all(&sample_of(dob_pairs, options.session_sample, &mut rng));
            let by_name = compare_all(&sample_of(name_pairs, options.session_sample, &mut rng));
            let a = model.em_session(&by_dob.0, &by_dob.1, &[crate::compare::DOB], 60);
            // Within a name block, people who are not the same still share sex, nationality and
            // place far more than random pairs do (names follow them): hold those fixed too.
            use crate::compare::{FAMILY, GIVEN, NATIONALITY, PLACE, SEX};
            let b = model.em_session(&by_name.0, &by_name.1, &[GIVEN, FAMILY, SEX, NATIONALITY, PLACE], 60);
            em_iterations = a.iterations + b.iterations;
            let (m_a, m_b, lambda_a, lambda_b) = (&a.m, &b.m, a.lambda, b.lambda);
            model.set_u_when_names_agree(&b.u_non_match);
            for c in 0..crate::compare::N {
                let mix: Vec<f64> = match c {
                    crate::compare::DOB => m_b.get(c).cloned().unwrap_or_default(),
                    crate::compare::PHONE => {
                        m_a.get(c).zip(m_b.get(c)).map(|(x, y)| x.iter().zip(y).map(|(p, q)| (p + q) / 2.0).collect()).unwrap_or_default()
                    }
                    _ => m_a.get(c).cloned().unwrap_or_default(),
                };
                model.set_m(c, &mix);
            }
            // The prior for a random pair: matches found by the sessions over all pairs, allowing
            // for the matches each blocking misses.
            let all_pairs = (n as f64) * (n as f64 - 1.0) / 2.0;
            let matches = (lambda_a * dob_total as f64).max(lambda_b * name_total as f64) / 0.8;
            model.lambda = (matches / all_pairs.max(1.0)).clamp(1e-9, 0.5);
            model
        }
    };

    let weights = Weights::of(&model);
    let pair_probability = |a: u32, b: u32| -> Option<f64> {
        let (x, y) = (get(a)?, get(b)?);
        Some(Model::probability(weights.weight(&compare(x, y), rarity.get(a as usize)?)))
    };
    // Compare and score every candidate pair in parallel chunks, part by part, keeping only the
    // pairs worth keeping: nothing per pair is held for the whole run.
    progress(Stage::Compare, 0, upper);
    let keep_from = if options.keep_scored { options.floor.min(model.threshold) } else { model.threshold };
    let mut kept: Vec<Vec<(u32, u32, f64)>> = Vec::new();
    let mut candidates = 0usize;
    for part in 0..parts {
        let pairs = blocks.pairs(part, parts);
        candidates += pairs.len();
        let chunks: Vec<&[(u32, u32)]> = pairs.chunks(65_536).collect();
        kept.extend(par_map(&chunks, |chunk| {
            chunk
                .iter()
                .filter_map(|&(a, b)| {
                    let p = pair_probability(a, b)?;
                    (p >= keep_from).then_some((a, b, p))
                })
                .collect::<Vec<_>>()
        }));
        progress(Stage::Compare, candidates, upper);
    }
    drop(blocks);
    let scored: Vec<(u32, u32, f64)> = kept.into_iter().flatten().collect();
    progress(Stage::Cluster, 0, candidates);
    let edges: Vec<(u32, u32, f64)> = scored.iter().filter(|e| e.2 >= model.threshold).copied().collect();
    let linked_pairs = edges.len();
    let score = |a: u32, b: u32| pair_probability(a, b).unwrap_or(0.0);
    let clusters = cluster(n, edges, model.threshold, options.floor, score);
    progress(Stage::Cluster, candidates, candidates);
    Outcome { clusters, model, candidate_pairs: candidates, linked_pairs, em_iterations, scored }
}
