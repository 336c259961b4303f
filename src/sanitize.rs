//! Strings that came from a server or a provider are hostile until cleaned: an escape sequence
//! drawn as-is could move the cursor, retitle the window or hide text. Everything received is
//! passed through here before it reaches the screen or stdout/stderr.

/// Removes control characters (C0, DEL, C1) and bidirectional overrides. Newlines and tabs
/// become spaces so the result is always one line.
pub fn clean_line(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\n' | '\r' | '\t' => out.push(' '),
            c if is_unsafe(c) => {}
            c => out.push(c),
        }
    }
    out
}

/// Like [`clean_line`], but keeps line breaks (for multi-line text such as instructions).
pub fn clean_text(s: &str) -> String {
    s.chars()
        .filter_map(|c| match c {
            '\n' => Some('\n'),
            '\t' => Some(' '),
            c if is_unsafe(c) => None,
            c => Some(c),
        })
        .collect()
}

/// Cleans and shortens to at most `max` characters, adding an ellipsis when cut.
pub fn clean_short(s: &str, max: usize) -> String {
    let cleaned = clean_line(s);
    if cleaned.chars().count() <= max {
        return cleaned;
    }
    let mut cut: String = cleaned.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// Pretty JSON for stdout with every character [`clean_line`] would strip written as a
/// `\uXXXX` escape. serde_json already escapes C0; DEL, C1 and the bidi controls it passes
/// through raw, and a terminal showing `--json` output would act on them. Outside strings JSON
/// is plain ASCII, so escaping in the serialized text changes nothing else: the value parses
/// back identical.
pub fn json_pretty<T: serde::Serialize + ?Sized>(value: &T) -> String {
    let text = serde_json::to_string_pretty(value).unwrap_or_default();
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        // A raw newline can only be the pretty printer's own (strings have theirs escaped).
        if c != '\n' && is_unsafe(c) {
            // All of them are in the Basic Multilingual Plane: one escape each.
            out.push_str(&format!("\\u{:04x}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out
}

/// Control characters and every `Bidi_Control` character of Unicode's PropList.txt
/// (U+061C, U+200E-F, U+202A-E, U+2066-9).
/// As [`json_pretty`] of the whole array, written element by element: a list of thousands of
/// connections never becomes one serialized string (twice: raw, then escaped). The output is
/// byte for byte what [`json_pretty`] gives for the array.
pub fn write_json_array<T: serde::Serialize>(
    out: &mut impl std::io::Write,
    items: impl IntoIterator<Item = T>,
) -> std::io::Result<()> {
    let mut first = true;
    for item in items {
        out.write_all(if first { b"[\n" } else { b",\n" })?;
        first = false;
        let text = json_pretty(&item);
        for (i, line) in text.split('\n').enumerate() {
            if i > 0 {
                out.write_all(b"\n")?;
            }
            out.write_all(b"  ")?;
            out.write_all(line.as_bytes())?;
        }
    }
    out.write_all(if first { b"[]\n" } else { b"\n]\n" })
}

fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{61C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
        )
}

/// True when `s` holds anything [`clean_line`] would remove or change: such a value is not
/// what the screen shows, so it must not be copied or used as-is.
pub fn has_controls(s: &str) -> bool {
    s.chars().any(is_unsafe)
}

/// Every secret this process holds (KMS tokens, client secrets, provider secrets), so that
/// text from a server that echoes one, or a panic message, can be scrubbed of it. Only ever
/// compared against, never printed.
static HELD: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

/// Shorter than this, a "secret" would match ordinary words.
const MIN_SECRET_CHARS: usize = 4;

/// Remembers a secret the process now holds (its trimmed form, and as JSON would escape it).
pub fn hold_secret(secret: &str) {
    let s = secret.trim();
    if s.chars().count() < MIN_SECRET_CHARS {
        return;
    }
    let escaped = serde_json::to_string(s).unwrap_or_default();
    let escaped = escaped.trim_matches('"').to_owned();
    let mut held = HELD
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    for form in [s.to_owned(), escaped] {
        if !held.contains(&form) {
            held.push(form);
        }
    }
}

/// `text` with every held secret replaced by `[secret]`. Waits for the list if another thread
/// is adding to it: a server answer must never be hidden just because two requests finished at
/// once (that turned valid JSON errors into "not JSON" under load).
pub fn scrub_held(text: &str) -> String {
    let held = HELD
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    replace_held(text, &held)
}

/// [`scrub_held`] for the panic hook, which must never block: the panicking thread may be the
/// one holding the lock. Then it hides the whole text.
pub fn scrub_held_nonblocking(text: &str) -> String {
    match HELD.try_lock() {
        Ok(held) => replace_held(text, &held),
        Err(std::sync::TryLockError::Poisoned(p)) => replace_held(text, &p.into_inner()),
        Err(std::sync::TryLockError::WouldBlock) => "[hidden]".into(),
    }
}

fn replace_held(text: &str, held: &[String]) -> String {
    let mut out = text.to_owned();
    for secret in held.iter() {
        if out.contains(secret.as_str()) {
            out = out.replace(secret.as_str(), "[secret]");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrubbing_while_other_threads_hold_secrets_never_hides_the_text() {
        let writers: Vec<_> = (0..4)
            .map(|t| {
                std::thread::spawn(move || {
                    for i in 0..2000 {
                        hold_secret(&format!("race-secret-{t}-{i}"));
                    }
                })
            })
            .collect();
        for _ in 0..2000 {
            assert_eq!(scrub_held("{\"message\":\"ok\"}"), "{\"message\":\"ok\"}");
        }
        for w in writers {
            w.join().unwrap();
        }
    }

    #[test]
    fn strips_escape_sequences_and_c1_controls() {
        let hostile = "ok\x1b]0;pwned\x07\x1b[2J\u{9b}31m done\u{202E}";
        assert_eq!(clean_line(hostile), "ok]0;pwned[2J31m done");
    }

    #[test]
    fn newlines_become_spaces_in_one_line_mode() {
        assert_eq!(clean_line("a\r\nb\tc"), "a  b c");
        assert_eq!(clean_text("a\nb\x07"), "a\nb");
    }

    #[test]
    fn json_escapes_what_serde_passes_raw_and_parses_back_the_same() {
        let hostile = "a\u{7f}b\u{9b}31m\u{202e}c\u{2066}d\x1b[2J";
        let value = serde_json::json!({ "name": hostile, "ok": "plain é ✓" });
        let text = json_pretty(&value);
        assert!(
            text.contains(r"a\u007fb\u009b31m\u202ec\u2066d\u001b[2J"),
            "{text}"
        );
        assert!(text.chars().all(|c| !is_unsafe(c) || c == '\n'), "{text:?}");
        assert!(text.contains("plain é ✓"));
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, value);
        // Without anything to escape it is exactly serde_json's output.
        let plain = serde_json::json!({ "a": [1, "x"] });
        assert_eq!(
            json_pretty(&plain),
            serde_json::to_string_pretty(&plain).unwrap()
        );
    }

    #[test]
    fn every_bidi_control_is_stripped_in_lines_text_and_json() {
        let all = "\u{61c}\u{200e}\u{200f}\u{202a}\u{202b}\u{202c}\u{202d}\u{202e}\u{2066}\u{2067}\u{2068}\u{2069}";
        assert_eq!(clean_line(&format!("a{all}b")), "ab");
        assert_eq!(clean_text(&format!("a{all}\nb")), "a\nb");
        assert!(json_pretty(&format!("a{all}")).contains("\\u061c"));
        assert!(has_controls("x\u{61c}") && !has_controls("plain é"));
    }

    #[test]
    fn held_secrets_are_scrubbed() {
        hold_secret("  held-secret-77  ");
        hold_secret("ab");
        assert_eq!(scrub_held("x held-secret-77 y ab"), "x [secret] y ab");
    }

    #[test]
    fn a_json_array_written_piece_by_piece_is_json_pretty_of_the_whole() {
        for items in [
            vec![],
            vec![serde_json::json!({ "a": [1, { "b": "\u{9b}x" }], "c": {} })],
            vec![
                serde_json::json!({ "a": 1 }),
                serde_json::json!("s"),
                serde_json::json!([]),
            ],
        ] {
            let mut out = Vec::new();
            write_json_array(&mut out, &items).unwrap();
            let whole = format!("{}\n", json_pretty(&items));
            assert_eq!(String::from_utf8(out).unwrap(), whole);
        }
    }

    #[test]
    fn short_adds_ellipsis() {
        assert_eq!(clean_short("abcdef", 4), "abc…");
        assert_eq!(clean_short("abc", 4), "abc");
    }
}
