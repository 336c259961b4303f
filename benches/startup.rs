//! Time from starting the real binary in a pseudo-terminal to its first frame (step 1 on
//! screen). The goal is 30 ms; the first frame never waits for the network, so the KMS URL
//! points at a host that is never contacted.

use std::io::Read;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use portable_pty::{CommandBuilder, PtySize, native_pty_system};

fn first_frame() -> Duration {
    let pty = native_pty_system()
        .openpty(PtySize {
            rows: 24,
            cols: 80,
            pixel_width: 0,
            pixel_height: 0,
        })
        .expect("open a pty");
    let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_kms-connect"));
    cmd.env_clear();
    cmd.env("TERM", "xterm-256color");
    cmd.env("KMS_API_URL", "https://kms.example.invalid");
    cmd.env("KMS_TOKEN", "not-used");
    cmd.env("KMS_PROJECT_ID", "p1");
    cmd.env(
        "KMS_CONNECT_CONFIG_DIR",
        std::env::temp_dir().join("kms-connect-bench"),
    );
    let mut reader = pty.master.try_clone_reader().expect("reader");
    let start = Instant::now();
    let mut child = pty.slave.spawn_command(cmd).expect("spawn");
    let mut seen = Vec::new();
    let mut buf = [0u8; 16384];
    let elapsed = loop {
        let n = reader.read(&mut buf).expect("read");
        assert!(n > 0, "the app ended before drawing");
        seen.extend_from_slice(&buf[..n]);
        if seen.windows(4).any(|w| w == b"Pick") {
            break start.elapsed();
        }
    };
    let _ = child.kill();
    let _ = child.wait();
    elapsed
}

fn startup(c: &mut Criterion) {
    let mut group = c.benchmark_group("startup");
    group.sample_size(20);
    group.bench_function("first frame in an 80x24 pty", |b| {
        b.iter_custom(|iters| (0..iters).map(|_| first_frame()).sum())
    });
    group.finish();
}

criterion_group!(benches, startup);
criterion_main!(benches);
