//! The clustering benchmark: generates the labelled corpus, clusters each draft's comments (as
//! the service clusters each consultation's) from scratch and one comment at a time, and prints per campaign the share of its members in its largest cluster,
//! then organic comments and hard negatives merged into a campaign, exact duplicates found,
//! times and memory.
//!
//!     cargo run --release -p consult-corpus --bin cluster-bench -- [COMMENTS] [SEED] [--batch-only] [--similarity-only]
//!
//! `--batch-only` skips clustering one comment at a time (at a million it takes minutes);
//! `--similarity-only` clusters from scratch without rare phrases (as comments placed one at a
//! time are), to compare. `CLUSTER_BENCH_EXPLAIN=1` shows organic comments merged into a
//! campaign and the pairs of small campaigns missed.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use consult_corpus::{CampaignKind, Label, Shape, generate};
use consult_domain::similarity::{
    ClusterIndex, Phrases, Signature, cluster, cluster_with_phrases, normalise,
};

fn main() {
    let (flags, mut args): (Vec<String>, Vec<String>) =
        std::env::args().skip(1).partition(|a| a.starts_with("--"));
    args.reverse();
    let n: usize = args
        .pop()
        .and_then(|a| a.replace('_', "").parse().ok())
        .unwrap_or(100_000);
    let seed: u64 = args.pop().and_then(|a| a.parse().ok()).unwrap_or(2021);
    let batch_only = flags.iter().any(|f| f == "--batch-only");
    let with_phrases = !flags.iter().any(|f| f == "--similarity-only");
    let started = Instant::now();
    let corpus = generate(seed, &Shape::benchmark(n));
    let texts: Vec<&str> = corpus.comments.iter().map(|c| c.text.as_str()).collect();
    let chars: usize = texts.iter().map(|t| t.chars().count()).sum();
    println!(
        "corpus: {} comments (seed {seed}), {:.0} characters on average, generated in {:.1} s; \
         RSS {}",
        texts.len(),
        chars as f64 / texts.len() as f64,
        started.elapsed().as_secs_f64(),
        rss()
    );

    // Baseline: reading every text once through the normaliser.
    let threads = std::thread::available_parallelism().map_or(1, |p| p.get());
    let baseline = timed(|| {
        parallel(&texts, threads, |t| normalise(t).len());
    });
    let (signed, signing) = timed_value(|| {
        parallel(&texts, threads, |t| {
            let chars = normalise(t);
            (
                Signature::of_normalised(&chars),
                Phrases::of_normalised(&chars),
            )
        })
    });
    let (signatures, phrases): (Vec<Signature>, Vec<Phrases>) = signed.into_iter().unzip();
    // As the service does, each draft (consultation) is clustered on its own.
    let drafts = corpus
        .comments
        .iter()
        .map(|c| c.draft)
        .max()
        .map_or(0, |d| d + 1);
    let of_draft: Vec<Vec<usize>> = (0..drafts)
        .map(|d| {
            (0..texts.len())
                .filter(|&i| corpus.comments[i].draft == d)
                .collect()
        })
        .collect();
    let clusters = |with_phrases: bool| {
        let mut labels = vec![0u32; texts.len()];
        for positions in &of_draft {
            let part: Vec<Signature> = positions.iter().map(|&i| signatures[i].clone()).collect();
            let part_labels = if with_phrases {
                let part_phrases: Vec<Phrases> =
                    positions.iter().map(|&i| phrases[i].clone()).collect();
                cluster_with_phrases(&part, &part_phrases)
            } else {
                cluster(&part)
            };
            for (k, label) in part_labels.into_iter().enumerate() {
                labels[positions[k]] = positions[label as usize] as u32;
            }
        }
        labels
    };
    let (batch, clustering) = timed_value(|| clusters(with_phrases));
    println!(
        "from scratch on {threads} threads: signatures {:.2} s ({:.1}× normalising alone, {:.2} s), \
         clustering {:.2} s, total {:.2} s; RSS {}",
        signing.as_secs_f64(),
        signing.as_secs_f64() / baseline.as_secs_f64().max(1e-9),
        baseline.as_secs_f64(),
        clustering.as_secs_f64(),
        (signing + clustering).as_secs_f64(),
        rss()
    );

    // One comment at a time, as they arrive: signature and assignment.
    if !batch_only {
        let mut indexes: Vec<ClusterIndex> = (0..drafts).map(|_| ClusterIndex::new()).collect();
        let mut each = Vec::with_capacity(texts.len());
        let whole = Instant::now();
        for (t, c) in texts.iter().zip(&corpus.comments) {
            let at = Instant::now();
            indexes[c.draft].add(Signature::of(t));
            each.push(at.elapsed());
        }
        let whole = whole.elapsed();
        // One at a time, comments are joined by similarity alone (how rare a phrase is
        // depends on every comment).
        let similar = if with_phrases {
            clusters(false)
        } else {
            batch.clone()
        };
        each.sort();
        let mut incremental = vec![0u32; texts.len()];
        for (positions, index) in of_draft.iter().zip(&mut indexes) {
            for (k, label) in index.labels().into_iter().enumerate() {
                incremental[positions[k]] = positions[label as usize] as u32;
            }
        }
        println!(
            "one at a time: {:.1} µs per comment on average, p99 {:.1} µs, worst {:.1} ms; \
             same clusters as from scratch by similarity alone: {}; RSS {}",
            whole.as_secs_f64() * 1e6 / texts.len() as f64,
            each[each.len() * 99 / 100].as_secs_f64() * 1e6,
            each.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
            if incremental == similar { "yes" } else { "NO" },
            rss()
        );
        drop(indexes);
    }

    // Scores.
    let mut main_cluster = Vec::new();
    println!("\ncampaign  kind        members  in its largest cluster  cluster size");
    let mut worst: f64 = 1.0;
    for (k, c) in corpus.campaigns.iter().enumerate() {
        let mut counts: HashMap<u32, usize> = HashMap::new();
        for (i, g) in corpus.comments.iter().enumerate() {
            if g.label == Label::Campaign(k) {
                *counts.entry(batch[i]).or_default() += 1;
            }
        }
        let (label, most) = counts
            .iter()
            .max_by_key(|(l, n)| (**n, std::cmp::Reverse(**l)))
            .map(|(l, n)| (*l, *n))
            .unwrap_or_default();
        main_cluster.push(label);
        let size = batch.iter().filter(|l| **l == label).count();
        let share = most as f64 / c.members as f64;
        worst = worst.min(share);
        println!(
            "{k:>8}  {:<10}  {:>7}  {:>21.3}{}  {size:>12}",
            match c.kind {
                CampaignKind::MailMerge => "mail-merge",
                CampaignKind::Sincere => "sincere",
            },
            c.members,
            share,
            if share >= 0.95 { " ✓" } else { " ✗" },
        );
    }
    let campaign_clusters: std::collections::HashSet<u32> = main_cluster.iter().copied().collect();
    let share_merged = |wanted: fn(&Label) -> bool| {
        let (mut total, mut merged) = (0usize, 0usize);
        for (i, g) in corpus.comments.iter().enumerate() {
            if wanted(&g.label) {
                total += 1;
                if campaign_clusters.contains(&batch[i]) {
                    merged += 1;
                }
            }
        }
        (merged, total)
    };
    let (organic_merged, organic) = share_merged(|l| *l == Label::Organic);
    let (negatives_merged, negatives) = share_merged(|l| matches!(l, Label::HardNegative(_)));
    let (mut duplicates, mut found) = (0usize, 0usize);
    for (i, g) in corpus.comments.iter().enumerate() {
        if let Label::Duplicate(of) = g.label {
            duplicates += 1;
            if batch[i] == batch[of] {
                found += 1;
            }
        }
    }
    if std::env::var_os("CLUSTER_BENCH_EXPLAIN").is_some() {
        // A few organic comments merged into a campaign, each with its most similar member
        // of that cluster.
        let mut shown = 0;
        for (i, g) in corpus.comments.iter().enumerate() {
            if g.label != Label::Organic || !campaign_clusters.contains(&batch[i]) {
                continue;
            }
            let best = (0..corpus.comments.len())
                .filter(|&k| k != i && batch[k] == batch[i])
                .max_by(|&a, &b| {
                    signatures[i]
                        .similarity(&signatures[a])
                        .total_cmp(&signatures[i].similarity(&signatures[b]))
                });
            if let Some(k) = best {
                println!(
                    "\norganic {i}: {}\n  {:.2} with {k} ({:?}): {}",
                    g.text,
                    signatures[i].similarity(&signatures[k]),
                    corpus.comments[k].label,
                    corpus.comments[k].text
                );
            }
            shown += 1;
            if shown == 6 {
                break;
            }
        }
    }
    if std::env::var_os("CLUSTER_BENCH_EXPLAIN").is_some() {
        // Campaigns of at most 12 members missed: each member's cluster, text, and the
        // similarity of every pair.
        for (k, c) in corpus.campaigns.iter().enumerate() {
            let members: Vec<usize> = (0..corpus.comments.len())
                .filter(|&i| corpus.comments[i].label == Label::Campaign(k))
                .collect();
            let most = members
                .iter()
                .filter(|&&i| batch[i] == main_cluster[k])
                .count();
            if members.len() > 12 || most as f64 >= 0.95 * c.members as f64 {
                continue;
            }
            println!(
                "\ncampaign {k} ({:?}), {most} of {} together:",
                c.kind, c.members
            );
            for &i in &members {
                println!("  {i} [cluster {}] {}", batch[i], corpus.comments[i].text);
            }
            for (x, &a) in members.iter().enumerate() {
                let row: Vec<String> = members
                    .iter()
                    .take(x)
                    .map(|&b| {
                        format!(
                            "{:.2}{}",
                            signatures[a].similarity(&signatures[b]),
                            if signatures[a].is_similar(&signatures[b]) {
                                "*"
                            } else {
                                " "
                            }
                        )
                    })
                    .collect();
                println!("  {a:>7} {}", row.join(" "));
            }
        }
    }
    let pct = |a: usize, b: usize| 100.0 * a as f64 / b.max(1) as f64;
    println!(
        "\nworst campaign: {worst:.3} of its members in its largest cluster (target ≥ 0.95) {}",
        if worst >= 0.95 { "✓" } else { "✗" }
    );
    println!(
        "organic comments merged into a campaign: {organic_merged} of {organic} ({:.2} %, target ≤ 0.5 %) {}",
        pct(organic_merged, organic),
        if pct(organic_merged, organic) <= 0.5 {
            "✓"
        } else {
            "✗"
        }
    );
    println!(
        "hard negatives merged into a campaign: {negatives_merged} of {negatives} ({:.2} %, target ≤ 5 %) {}",
        pct(negatives_merged, negatives),
        if pct(negatives_merged, negatives) <= 5.0 {
            "✓"
        } else {
            "✗"
        }
    );
    println!(
        "exact duplicates found: {found} of {duplicates} ({:.2} %, target ≥ 99 %) {}",
        pct(found, duplicates),
        if pct(found, duplicates) >= 99.0 {
            "✓"
        } else {
            "✗"
        }
    );
    println!(
        "clustering from scratch: {:.2} s (target ≤ 30 s at 1,000,000) {}",
        (signing + clustering).as_secs_f64(),
        if (signing + clustering).as_secs_f64() <= 30.0 * texts.len() as f64 / 1e6 {
            "✓"
        } else {
            "✗"
        }
    );
}

fn timed(f: impl FnOnce()) -> Duration {
    let at = Instant::now();
    f();
    at.elapsed()
}

fn timed_value<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let at = Instant::now();
    let v = f();
    (v, at.elapsed())
}

/// `f` of every text, on `threads` threads, in order.
fn parallel<T: Send>(texts: &[&str], threads: usize, f: impl Fn(&str) -> T + Sync) -> Vec<T> {
    let chunk = texts.len().div_ceil(threads.max(1)).max(1);
    std::thread::scope(|s| {
        let handles: Vec<_> = texts
            .chunks(chunk)
            .map(|part| s.spawn(|| part.iter().map(|t| f(t)).collect::<Vec<T>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    })
}

/// This process's resident and peak resident memory, from /proc.
fn rss() -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<u64>().ok())
            .unwrap_or(0)
    };
    format!(
        "{} MiB (peak {} MiB)",
        field("VmRSS:") / 1024,
        field("VmHWM:") / 1024
    )
}
