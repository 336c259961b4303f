//! The terminal guard: raw mode, alternate screen and bracketed paste on entry, all undone on
//! drop, on panic, and on signals (the runtime turns those into a normal exit).

use std::io::{Write, stdout};
use std::sync::atomic::{AtomicBool, Ordering};

use crossterm::event::{DisableBracketedPaste, EnableBracketedPaste};
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use crossterm::{cursor, execute};

/// Whether the terminal is in the wizard's modes. The panic hook and the guard's drop both
/// restore; the second must do nothing, or leaving the alternate screen again moves the cursor
/// back over what the panic printed.
static ACTIVE: AtomicBool = AtomicBool::new(false);

pub struct TerminalGuard {
    restored: bool,
}

impl TerminalGuard {
    pub fn enter() -> std::io::Result<TerminalGuard> {
        install_panic_hook();
        enable_raw_mode()?;
        ACTIVE.store(true, Ordering::SeqCst);
        let guard = TerminalGuard { restored: false };
        execute!(
            stdout(),
            EnterAlternateScreen,
            EnableBracketedPaste,
            cursor::Hide
        )?;
        Ok(guard)
    }

    pub fn restore(&mut self) {
        if !self.restored {
            restore_terminal();
            self.restored = true;
        }
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        self.restore();
    }
}

/// Puts the terminal back as it was. Safe to call more than once: only the first call after
/// [`TerminalGuard::enter`] writes anything.
pub fn restore_terminal() {
    if !ACTIVE.swap(false, Ordering::SeqCst) {
        return;
    }
    let mut out = stdout();
    let _ = execute!(
        out,
        DisableBracketedPaste,
        LeaveAlternateScreen,
        cursor::Show
    );
    let _ = disable_raw_mode();
    let _ = out.flush();
}

/// Installs the one panic hook (once; `main` calls it first thing, the guard again). A panic
/// on the main thread ends the program: the terminal is restored first, then one plain line
/// goes to stderr, cleaned of control characters and of every secret the process holds (a
/// panic message may quote server text). A worker's panic while the wizard is drawn is caught
/// and shown in the wizard; printing it here would scribble over the screen.
pub fn install_panic_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            let on_main = std::thread::current().name() == Some("main");
            if !on_main && ACTIVE.load(Ordering::SeqCst) {
                return;
            }
            if on_main {
                restore_terminal();
            }
            let payload = info
                .payload()
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| info.payload().downcast_ref::<String>().cloned())
                .unwrap_or_default();
            // `println!` to a pipe whose reader went away (`| head`): not a bug, and nothing
            // more to say; end as a process killed by SIGPIPE ends.
            if payload.starts_with("failed printing to stdout") && payload.contains("Broken pipe") {
                std::process::exit(141);
            }
            let at = info
                .location()
                .map(|l| format!("{}:{}", l.file(), l.line()))
                .unwrap_or_default();
            let mut err = std::io::stderr().lock();
            let _ = writeln!(err, "{}", panic_line(&payload, &at));
        }));
    });
}

/// The line a panic prints: what happened, where, and to report it.
pub fn panic_line(payload: &str, at: &str) -> String {
    let what = crate::sanitize::clean_short(&crate::sanitize::scrub_held_nonblocking(payload), 200);
    let at = crate::sanitize::clean_short(at, 80);
    format!("kms-connect stopped on a bug ({what}) at {at}. Please report it.")
}

/// Why the wizard cannot run here, if it cannot: `message` when stdin or stdout is not a
/// terminal; a pointer at the subcommands when the terminal cannot draw the screens (no cursor
/// movement, no alternate screen), which would otherwise show a broken layout.
pub fn refusal(message: &str) -> Option<String> {
    use std::io::IsTerminal;
    if !std::io::stdin().is_terminal() || !std::io::stdout().is_terminal() {
        return Some(message.to_owned());
    }
    if std::env::var("TERM").is_ok_and(|t| t == "dumb") {
        return Some(
            "This terminal (TERM=dumb) cannot show the wizard. Use the subcommands instead: \
             kms-connect --help (e.g. kms-connect create, kms-connect list)."
                .to_owned(),
        );
    }
    None
}
