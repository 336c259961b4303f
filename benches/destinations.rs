//! A destination picker with 1,000 entries (e.g. Bitbucket repositories): filtering on each
//! keystroke must take well under 2 ms (issue 14's speed goal).

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use kms_connect::apps::destinations::{Node, filter};

fn nodes() -> Vec<Node> {
    (0..1_000)
        .map(|i| Node {
            id: format!("repo-{i:04}"),
            name: format!(
                "acme/service-{i:04}-{}",
                ["api", "web", "worker", "infra"][i % 4]
            ),
            kind: "repository",
            children: Vec::new(),
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let list = nodes();
    // What the user types, one keystroke at a time: each prefix is filtered anew.
    let typed = "worker-09";
    c.bench_function("filter 1,000 destinations per keystroke (9 keys)", |b| {
        b.iter(|| {
            for end in 1..=typed.len() {
                black_box(filter(black_box(&list), &typed[..end]));
            }
        })
    });
    c.bench_function("filter 1,000 destinations, one keystroke", |b| {
        b.iter(|| black_box(filter(black_box(&list), "WORK")))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
