//! Matching benchmark: builds the index over a synthetic register and runs typo'd searches.
//!
//! `cargo run --release -p ecaf-bench --bin matching -- --people 1000000 --queries 5000`
//! Options: `--people N` (default 100000), `--queries N` (default 5000), `--seed N`
//! (default 42), `--show-misses N` (print up to N searches whose person was not first),
//! `--concentrated` (names spread as where a few communities' names dominate),
//! `--duplicate-check N` (time the import's near-miss check for the first N people: every
//! block a search reads, against only the name-and-date blocks the check reads).

use ecaf_bench::population::{Frequencies, Population};
use ecaf_bench::queries::{self, Perturbation};
use ecaf_domain::matching::{Candidate, MatchIndex, MatchQuery};
use std::collections::BTreeMap;
use std::time::Instant;

fn rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmRSS:")).and_then(|l| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|kb| kb.parse::<f64>().ok())
            })
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

fn arg(args: &[String], name: &str, default: u64) -> u64 {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(default)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--help" || a == "-h") {
        println!(
            "matching [--people N] [--queries N] [--seed N] [--show-misses N] [--concentrated] \
             [--duplicate-check N]"
        );
        return;
    }
    let people = arg(&args, "--people", 100_000) as usize;
    let query_count = arg(&args, "--queries", 5_000) as usize;
    let seed = arg(&args, "--seed", 42);
    let show_misses = arg(&args, "--show-misses", 0) as usize;
    let duplicate_check = arg(&args, "--duplicate-check", 0) as usize;
    let frequencies = if args.iter().any(|a| a == "--concentrated") {
        Frequencies::Concentrated
    } else {
        Frequencies::England
    };

    let t = Instant::now();
    let population = Population::generate_with(people, seed, frequencies);
    let generate_s = t.elapsed().as_secs_f64();
    let queries = queries::generate(&population, query_count, seed);
    println!(
        "population: {} people, {} distinct names, {} postcodes, {} twin pairs, {} double-barrelled, {} with other names (generated in {:.1}s)",
        population.people.len(),
        population.names.len(),
        population.postcodes.len(),
        population.twin_pairs,
        population.hyphenated,
        population.with_other_name,
        generate_s
    );

    let rss_before = rss_mb();
    let t = Instant::now();
    let index = MatchIndex::build(population.people.iter().map(|p| population.record(p)));
    let build_s = t.elapsed().as_secs_f64();
    let rss_after = rss_mb();
    println!(
        "index: {} people built in {:.1}s; RSS {:.0} MB after build ({:.0} MB before: population and queries; index ≈ {:.0} MB)",
        index.len(),
        build_s,
        rss_after,
        rss_before,
        rss_after - rss_before
    );

    if duplicate_check > 0 {
        let records: Vec<_> = population
            .people
            .iter()
            .take(duplicate_check)
            .map(|p| population.record(p))
            .collect();
        let likely = |found: Vec<Candidate>| -> usize {
            found.iter().filter(|c| c.is_likely_same_person()).count()
        };
        let t = Instant::now();
        let every_block: usize = records
            .iter()
            .map(|r| likely(index.search(&MatchQuery::from(r), 4)))
            .sum();
        let every_block_s = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let name_and_date: usize = records
            .iter()
            .map(|r| likely(index.likely_duplicates_of(r, 4)))
            .sum();
        let name_and_date_s = t.elapsed().as_secs_f64();
        println!(
            "duplicate check of {} people (one core): every block {:.1}s ({} likely, self included), \
             name-and-date blocks only {:.1}s ({} likely)",
            records.len(),
            every_block_s,
            every_block,
            name_and_date_s,
            name_and_date
        );
    }

    let mut latencies = Vec::with_capacity(queries.len());
    let (mut at1, mut at5, mut false_top1, mut none) = (0usize, 0usize, 0usize, 0usize);
    let (mut ambiguous, mut ambiguous_at1) = (0usize, 0usize);
    let mut by_kind: BTreeMap<Perturbation, (usize, usize, usize)> = BTreeMap::new();
    let mut misses = 0;
    for q in &queries {
        let t = Instant::now();
        let results = index.search(&q.query, 5);
        latencies.push(t.elapsed().as_secs_f64() * 1000.0);
        let rank = results.iter().position(|c| c.id == q.truth);
        let first = rank == Some(0);
        at1 += usize::from(first);
        at5 += usize::from(rank.is_some());
        none += usize::from(results.is_empty());
        if !first && !results.is_empty() {
            false_top1 += 1;
        }
        if q.ambiguous {
            ambiguous += 1;
            ambiguous_at1 += usize::from(first);
        }
        for k in &q.perturbations {
            let e = by_kind.entry(*k).or_default();
            e.0 += 1;
            e.1 += usize::from(first);
            e.2 += usize::from(rank.is_some());
        }
        if !first && misses < show_misses {
            misses += 1;
            let truth = population.record(&population.people[(q.truth - 1) as usize]);
            println!(
                "\nMISS {:?} ambiguous={} rank={:?}\n  query {:?}\n  truth {:?}",
                q.perturbations, q.ambiguous, rank, q.query, truth
            );
            for c in results.iter().take(3) {
                let r = population.record(&population.people[(c.id - 1) as usize]);
                println!(
                    "  got {} {:.1} {} | {} {} {:?} {:?}",
                    c.id,
                    c.score,
                    c.explanation(),
                    r.given_name,
                    r.family_name,
                    r.date_of_birth,
                    r.postcode
                );
            }
        }
    }
    latencies.sort_by(f64::total_cmp);
    let n = queries.len().max(1) as f64;
    println!("\nqueries: {}", queries.len());
    println!("recall@1: {:.4}", at1 as f64 / n);
    println!("recall@5: {:.4}", at5 as f64 / n);
    println!(
        "false matches in top 1: {} ({:.4}); no result: {}",
        false_top1,
        false_top1 as f64 / n,
        none
    );
    println!(
        "inherently ambiguous queries: {} (truth first in {} of them); recall@1 without them: {:.4}",
        ambiguous,
        ambiguous_at1,
        (at1 - ambiguous_at1) as f64 / (n - ambiguous as f64).max(1.0)
    );
    println!(
        "latency ms: p50 {:.3}  p95 {:.3}  p99 {:.3}  max {:.3}",
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.95),
        percentile(&latencies, 0.99),
        latencies.last().copied().unwrap_or(0.0)
    );
    println!("\nby perturbation (queries, recall@1, recall@5):");
    for (k, (count, first, top5)) in by_kind {
        println!(
            "  {:<22} {:>6}  {:.4}  {:.4}",
            format!("{k:?}"),
            count,
            first as f64 / count.max(1) as f64,
            top5 as f64 / count.max(1) as f64
        );
    }
}
