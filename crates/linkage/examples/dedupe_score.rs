//! Dedupe a generated file and score it against its truth, without the `palermo` binary:
//! `cargo run --release -p palermo-linkage --example dedupe_score -- records.csv truth.csv`.
//! Prints candidate pairs, wall time, precision, recall and F1 (for tuning the blocking and
//! the model; the figures of record come from `palermo link dedupe` + `palermo link score`).

use palermo_linkage::{csvio, dedupe, score};
use std::fs::File;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(records), Some(truth)) = (args.get(1), args.get(2)) else {
        return Err("usage: dedupe_score records.csv truth.csv".into());
    };
    let recs = csvio::read_records(records, File::open(records)?)?;
    let t = csvio::read_labels(truth, File::open(truth)?)?;
    let start = std::time::Instant::now();
    // Each stage's start on stderr, with the time since the run began.
    let last = std::sync::Mutex::new(None);
    let out = dedupe::run(&recs, &dedupe::Options::default(), &|stage, _, _| {
        if let Ok(mut l) = last.lock()
            && *l != Some(stage)
        {
            eprintln!("{:>8.2} s {stage:?}", start.elapsed().as_secs_f64());
            *l = Some(stage);
        }
    });
    let secs = start.elapsed().as_secs_f64();
    let tv: Vec<Option<&String>> = recs.iter().map(|r| t.get(&r.id)).collect();
    let s = score::pairwise(&tv, &out.clusters);
    println!(
        "n {} candidates {} linked {} lambda {:.3e} time {secs:.2} s precision {:.4} recall {:.4} F1 {:.4}",
        recs.len(),
        out.candidate_pairs,
        out.linked_pairs,
        out.model.lambda,
        s.precision,
        s.recall,
        s.f1
    );
    Ok(())
}
