//! Listing every destination a credential can reach, through all pages, against the sandbox
//! on 127.0.0.1: Bitbucket's 120 repositories (pages fetched concurrently once the first
//! page gives the count) and Northflank's 105 projects behind cursors (one after another: a
//! cursor names only the next page). What it measures is our side: requests, parsing, tree.

use criterion::{Criterion, criterion_group, criterion_main};
use kms_connect::apps::destinations;
use kms_connect::apps::{AppSpec, ConnectionInput, ProviderEndpoints, RawInput, validate};
use kms_connect::sandbox::{Sandbox, demo};
use secrecy::SecretString;

fn input(slug: &str, target: &str, secret: &str) -> ConnectionInput {
    let raw = RawInput {
        name: format!("{slug}-bench"),
        description: String::new(),
        target: target.to_owned(),
        secret: SecretString::from(secret.to_owned()),
    };
    validate::connection(AppSpec::by_slug(slug).unwrap(), &raw).unwrap()
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let sb = rt.block_on(Sandbox::start()).unwrap();
    let http = kms_connect::http::client(false, true).unwrap();
    let endpoints = ProviderEndpoints::default()
        .with_app("bitbucket", &sb.bitbucket_api)
        .with_app("northflank", &sb.northflank_api);
    let bitbucket = input("bitbucket", demo::BITBUCKET_EMAIL, demo::BITBUCKET_TOKEN);
    let northflank = input("northflank", "", demo::NORTHFLANK_TOKEN);
    c.bench_function(
        "list Bitbucket destinations (120 repositories, pages at once)",
        |b| {
            b.iter(|| {
                rt.block_on(destinations::list(&http, &bitbucket, &endpoints))
                    .unwrap()
            })
        },
    );
    c.bench_function(
        "list Northflank destinations (105 projects, cursor pages)",
        |b| {
            b.iter(|| {
                rt.block_on(destinations::list(&http, &northflank, &endpoints))
                    .unwrap()
            })
        },
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
