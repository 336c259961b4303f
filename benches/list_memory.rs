//! `kms-connect list --json` of 10,000 connections: its peak resident memory (goal: under
//! 40 MB), and how long it takes. A hostile-answers server (tests/common/hostile.rs) plays
//! the KMS; the real binary runs against it. Peak RSS is read from /proc (VmHWM, which only
//! grows) while the process runs, so it is a lower bound within one poll.

#[path = "../tests/common/hostile.rs"]
mod hostile;

use std::process::Stdio;

use criterion::{Criterion, criterion_group, criterion_main};
use hostile::{Answer, Hostile};
use serde_json::json;

const COUNT: usize = 10_000;

fn server() -> Hostile {
    Hostile::start(|r| {
        if r.path == "/api/status" {
            return Answer::json(200, json!({ "message": "Ok" }));
        }
        Answer::Stream(Box::new(|out| {
            out.write_all(b"{\"appConnections\":[")?;
            for i in 0..COUNT {
                let c = json!({ "id": format!("00000000-0000-4000-8000-{i:012}"),
                    "name": format!("connection-{i}"), "description": "A realistic row, with a description",
                    "app": "teamcity", "method": "access-token",
                    "credentials": { "instanceUrl": "https://ci.example.com" }, "version": 1,
                    "orgId": "6f03caa1-a5de-43ce-b127-95a145d3464c",
                    "projectId": "7ffbb072-2575-495a-b5b0-127f88caef78",
                    "createdAt": "2025-11-02T09:00:00.000Z", "updatedAt": "2025-11-10T10:30:00.000Z",
                    "credentialsHash": "0".repeat(64), "isPlatformManagedCredentials": false });
                if i > 0 {
                    out.write_all(b",")?;
                }
                out.write_all(c.to_string().as_bytes())?;
            }
            out.write_all(b"]}")
        }))
    })
}

/// Runs `list --json` once; its peak RSS in KiB.
fn list_once(server: &Hostile, dir: &std::path::Path) -> u64 {
    let mut cmd = hostile::binary(dir);
    cmd.env("KMS_API_URL", &server.url)
        .env("KMS_TOKEN", "bench-token-0000")
        .env("KMS_PROJECT_ID", "7ffbb072-2575-495a-b5b0-127f88caef78")
        .args(["list", "--json"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut child = cmd.spawn().expect("spawn");
    let status = format!("/proc/{}/status", child.id());
    let mut peak = 0;
    loop {
        if let Ok(text) = std::fs::read_to_string(&status)
            && let Some(kb) = text
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        {
            peak = peak.max(kb);
        }
        if child.try_wait().expect("wait").is_some() {
            return peak;
        }
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
}

fn list_json(c: &mut Criterion) {
    let server = server();
    let dir = tempfile::tempdir().unwrap();
    let peak = list_once(&server, dir.path());
    println!(
        "list --json of {COUNT} connections: peak RSS {:.1} MB (goal: under 40 MB)",
        peak as f64 / 1024.0
    );
    let mut group = c.benchmark_group("list");
    group.sample_size(10);
    group.bench_function("list --json of 10,000 connections", |b| {
        b.iter(|| list_once(&server, dir.path()))
    });
    group.finish();
}

criterion_group!(benches, list_json);
criterion_main!(benches);
