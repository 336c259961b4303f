//! Copy to the clipboard with OSC 52: the terminal does the copying, so it works over SSH.
//! Inside tmux the sequence is also sent wrapped for passthrough, since tmux only forwards
//! a plain one when `set-clipboard` is on.

use std::io::Write;

use base64::Engine;

/// The escape sequences that ask the terminal to put `text` on the clipboard; none for text
/// holding control characters (never an escape sequence built from unchecked text, even
/// base64-encoded: it would not be what the screen shows).
pub fn sequences(text: &str, in_tmux: bool) -> Vec<String> {
    if crate::sanitize::has_controls(text) {
        return Vec::new();
    }
    let encoded = base64::engine::general_purpose::STANDARD.encode(text);
    let plain = format!("\x1b]52;c;{encoded}\x07");
    let mut out = vec![plain.clone()];
    if in_tmux {
        // DCS passthrough: every ESC inside is doubled.
        out.push(format!(
            "\x1bPtmux;{}\x1b\\",
            plain.replace('\x1b', "\x1b\x1b")
        ));
    }
    out
}

pub fn copy(text: &str) {
    let in_tmux = std::env::var_os("TMUX").is_some();
    let mut out = std::io::stdout().lock();
    for seq in sequences(text, in_tmux) {
        // Best effort: a terminal that ignores OSC 52 still has the ID on screen.
        let _ = out.write_all(seq.as_bytes());
    }
    let _ = out.flush();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_with_controls_is_never_put_in_a_sequence() {
        assert!(sequences("id\x1b]52;c;eA==\x07", false).is_empty());
        assert!(sequences("id\n", true).is_empty());
        assert!(sequences("id\u{61c}", true).is_empty());
    }

    #[test]
    fn osc52_carries_base64_text() {
        assert_eq!(sequences("abc", false), ["\x1b]52;c;YWJj\x07"]);
        let tmux = sequences("abc", true);
        assert_eq!(tmux[1], "\x1bPtmux;\x1b\x1b]52;c;YWJj\x07\x1b\\");
    }
}
