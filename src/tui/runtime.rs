//! The event loop: terminal events, worker results, a spinner tick while busy, and signals.
//! Draws only after something happened, so an idle wizard uses no CPU.

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
    let mut sigterm = signal(SignalKind::terminate())?;
    let mut sighup = signal(SignalKind::hangup())?;
    let mut sigint = signal(SignalKind::interrupt())?;
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
    terminal.draw(|f| view(&state, &theme, f))?;
    // Lets the end-to-end tests check that a panic restores the terminal; debug builds only.
    #[cfg(debug_assertions)]
    if std::env::var_os("KMS_CONNECT_TEST_PANIC").is_some() {
        panic!("panic requested by KMS_CONNECT_TEST_PANIC");
    }
    let first = if config.browse && !config.signin.show {
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
            _ = tick.tick(), if state.is_busy() => Msg::Tick,
            // Numbers as in signal(7), the same on every Unix this runs on.
            _ = sigterm.recv() => { ended = Ended::Signal(15); break }
            _ = sighup.recv() => { ended = Ended::Signal(1); break }
            _ = sigint.recv() => { ended = Ended::Signal(2); break }
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
