//! The event loop: terminal events, worker results, a spinner tick while busy, and signals.
//! Draws only after something happened (and once a minute for the clock), so an idle wizard
//! uses next to no CPU.

use std::time::Duration;

use crossterm::event::{Event, EventStream};
use futures::StreamExt;
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;

use super::model::{Session, State};
use super::msg::{Msg, Scope, Step};
use super::signin::job::Account;
use super::signin::{SignIn, Start};
use super::state::update;
use super::terminal::TerminalGuard;
use super::theme::Theme;
use super::view::view;
use super::worker::Worker;
use crate::config::Reach;

pub struct TuiConfig {
    pub session: Session,
    pub scope: Option<Scope>,
    pub reach: Reach,
    /// Open on the list of existing connections instead of the wizard.
    pub browse: bool,
    /// The scope's project was given by flag or environment (maybe as a slug): find it in
    /// the project list before using it.
    pub check_scope: bool,
    pub signin: SignInConfig,
}

/// Where the sign-in starts, whether it is the first screen, and what the worker saves to.
#[derive(Debug, Clone, Default)]
pub struct SignInConfig {
    pub start: Start,
    pub show: bool,
    /// Said on the first screen when the sign-in is shown (e.g. the saved sign-in expired).
    pub note: Option<String>,
    pub account: Account,
}

/// How the wizard ended: the user quit, or a signal stopped it (its number, for the exit
/// status a shell expects: 128 + n).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    Quit,
    Signal(i32),
}

impl Ended {
    pub fn exit_code(self) -> i32 {
        match self {
            Ended::Quit => 0,
            Ended::Signal(n) => 128 + n,
        }
    }
}

/// Every signal whose default action ends the process and that a handler may catch
/// (signal(7); SIGKILL and SIGSTOP cannot be caught, and SIGSEGV, SIGBUS, SIGFPE, SIGILL and
/// SIGABRT mean the process itself is broken). Each ends the wizard like a quit, the terminal
/// restored, with exit status 128 + n. SIGPIPE too: Rust ignores it at start, but a wizard
/// whose terminal is gone has nothing left to do.
#[cfg(target_os = "linux")]
const ENDING_SIGNALS: &[i32] = &[
    1,  // SIGHUP
    2,  // SIGINT
    3,  // SIGQUIT
    5,  // SIGTRAP
    10, // SIGUSR1
    12, // SIGUSR2
    13, // SIGPIPE
    14, // SIGALRM
    15, // SIGTERM
    16, // SIGSTKFLT
    24, // SIGXCPU
    25, // SIGXFSZ
    26, // SIGVTALRM
    27, // SIGPROF
    29, // SIGIO
    30, // SIGPWR
    31, // SIGSYS
];
#[cfg(not(target_os = "linux"))]
const ENDING_SIGNALS: &[i32] = &[1, 2, 3, 5, 13, 14, 15, 24, 25, 26, 27, 30, 31];

/// The numbers of [`ENDING_SIGNALS`] as they arrive.
fn ending_signals() -> std::io::Result<mpsc::UnboundedReceiver<i32>> {
    let (tx, rx) = mpsc::unbounded_channel();
    for &n in ENDING_SIGNALS {
        let mut stream = signal(SignalKind::from_raw(n))?;
        let tx = tx.clone();
        tokio::spawn(async move {
            while stream.recv().await.is_some() {
                if tx.send(n).is_err() {
                    break;
                }
            }
        });
    }
    Ok(rx)
}

/// What a session changed on the server, as printed when the wizard ends.
pub fn summary(changes: &[String]) -> String {
    let mut out = String::from("kms-connect changed in this session:");
    for c in changes {
        out.push_str("\n  ");
        out.push_str(c);
    }
    out
}

/// Runs the wizard until the user quits or a signal arrives. The terminal is restored on
/// every way out.
pub async fn run(config: TuiConfig) -> anyhow::Result<Ended> {
    let theme = Theme::from_env();
    let mut signals = ending_signals()?;
    let mut guard = TerminalGuard::enter()?;
    let mut terminal = Terminal::new(CrosstermBackend::new(std::io::stdout()))?;
    // No terminal.clear(): it asks the terminal for the cursor position and waits for the
    // answer, which a slow SSH link makes slow. The alternate screen starts empty anyway.

    let (tx, mut results) = mpsc::unbounded_channel();
    let in_clear = config.reach.credentials.is_some()
        && crate::kms::client::sends_in_clear(&config.reach.api_base);
    let mut worker = Worker::new(config.reach, tx).with_account(config.signin.account);
    let mut state = State::new(config.session, config.scope);
    state.signin = SignIn::new(config.signin.start);
    if config.signin.show {
        state.step = Step::SignIn;
        state.notice = config.signin.note;
    } else if in_clear {
        state.notice = Some(crate::kms::client::IN_CLEAR_WARNING.into());
    }
    let size = terminal.size()?;
    update(&mut state, Msg::Resize(size.width, size.height));
    let started = std::time::Instant::now();
    let now = || super::msg::Now {
        elapsed: started.elapsed(),
        unix: crate::config::now_secs(),
    };
    update(&mut state, Msg::Tick(now()));
    terminal.draw(|f| view(&state, &theme, f))?;
    // Lets the end-to-end tests check that a panic restores the terminal; debug builds only.
    #[cfg(debug_assertions)]
    if std::env::var_os("KMS_CONNECT_TEST_PANIC").is_some() {
        panic!("panic requested by KMS_CONNECT_TEST_PANIC");
    }
    state.scope_check = config.check_scope && !config.signin.show;
    let first = if config.browse && !config.signin.show && !state.scope_check {
        super::browse::actions::open(&mut state)
    } else {
        // After a sign-in, choosing the project leads to the browser.
        state.browse.wanted = config.browse;
        state.start()
    };
    for effect in first {
        worker.run(effect);
    }

    let mut ended = Ended::Quit;
    let mut events = EventStream::new();
    let mut tick = tokio::time::interval(Duration::from_millis(120));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    // Once a minute even when idle, so "3 h ago" in the browser does not go stale.
    let mut minute = tokio::time::interval(Duration::from_secs(60));
    minute.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        let msg = tokio::select! {
            ev = events.next() => match ev {
                Some(Ok(Event::Key(k))) => Msg::Key(k),
                Some(Ok(Event::Paste(p))) => Msg::Paste(p),
                Some(Ok(Event::Resize(w, h))) => Msg::Resize(w, h),
                Some(Ok(_)) => continue,
                // The terminal went away (e.g. the SSH link dropped): stop.
                Some(Err(_)) | None => break,
            },
            Some(msg) = results.recv() => msg,
            _ = tick.tick(), if state.is_busy() => Msg::Tick(now()),
            _ = minute.tick() => Msg::Tick(now()),
            Some(n) = signals.recv() => { ended = Ended::Signal(n); break }
        };
        for effect in update(&mut state, msg) {
            worker.run(effect);
        }
        if state.quit {
            break;
        }
        terminal.draw(|f| view(&state, &theme, f))?;
    }
    worker.cancel_all();
    guard.restore();
    // On the normal screen, what this session changed: the alternate screen is gone now.
    if !state.changes.is_empty() {
        println!("{}", summary(&state.changes));
    }
    if state.interrupted {
        ended = Ended::Signal(2);
    }
    Ok(ended)
}
