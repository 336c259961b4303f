//! A progress line on stderr while a long request waits (create: the KMS server checks the
//! credential and retries that check up to 3 times). Only on a terminal: a pipe or CI log gets
//! no carriage-return noise, just the result.

use std::future::Future;
use std::io::{IsTerminal, Write};
use std::time::Duration;

/// Runs `work`, counting the seconds up on stderr as `label… N s` when stderr is a terminal;
/// the line is erased when the work ends.
pub async fn counting<F: Future>(label: &str, work: F) -> F::Output {
    let stderr = std::io::stderr();
    if !stderr.is_terminal() {
        return work.await;
    }
    let show = |secs: u64| {
        let mut e = std::io::stderr().lock();
        let _ = write!(e, "\r\x1b[K{label}… {secs} s");
        let _ = e.flush();
    };
    tokio::pin!(work);
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    let mut secs = 0u64;
    let out = loop {
        tokio::select! {
            out = &mut work => break out,
            _ = tick.tick() => {
                show(secs);
                secs += 1;
            }
        }
    };
    let mut e = std::io::stderr().lock();
    let _ = write!(e, "\r\x1b[K");
    let _ = e.flush();
    out
}
