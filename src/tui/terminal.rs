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

fn install_panic_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            // The wizard runs on the main thread: its panic ends the program, so restore first
            // and let the message land on a normal screen. A worker's panic is caught and shown
            // in the wizard; printing it here would scribble over the screen.
            if std::thread::current().name() == Some("main") {
                restore_terminal();
                previous(info);
            }
        }));
    });
}
