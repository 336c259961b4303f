//! Strings as the KMS server (Node.js, zod) sees them: one trim and one length for every field
//! the server trims or limits, used by the client's validation and by the sandbox's.
//!
//! The server's schemas are `z.string().trim()…max(n)` (Infisical
//! `backend/src/services/app-connection/app-connection-schemas.ts`,
//! `*-connection-schemas.ts`). zod's `trim` is `String.prototype.trim` and its `max` counts
//! `String.length`, i.e. UTF-16 code units (an emoji is 2).

/// ECMA-262 `WhiteSpace` (TAB, VT, FF, SP, NBSP, ZWNBSP U+FEFF and every `Zs` space) and
/// `LineTerminator` (LF, CR, LS, PS): what `String.prototype.trim` strips. Rust's `trim`
/// differs: it keeps U+FEFF and strips U+0085, which JavaScript keeps.
pub fn is_js_space(c: char) -> bool {
    matches!(
        c,
        '\u{0009}'
            | '\u{000A}'
            | '\u{000B}'
            | '\u{000C}'
            | '\u{000D}'
            | '\u{0020}'
            | '\u{00A0}'
            | '\u{1680}'
            | '\u{2000}'
            ..='\u{200A}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202F}'
                | '\u{205F}'
                | '\u{3000}'
                | '\u{FEFF}'
    )
}

/// `String.prototype.trim`.
pub fn trim(s: &str) -> &str {
    s.trim_matches(is_js_space)
}

/// `String.prototype.length`: UTF-16 code units.
pub fn len(s: &str) -> usize {
    s.encode_utf16().count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_what_javascript_trims_and_nothing_else() {
        assert_eq!(trim("\u{FEFF}\u{00A0} ci \u{3000}\u{2028}"), "ci");
        assert_eq!(trim("\u{2007}ci\u{202F}"), "ci");
        // NEL is White_Space for Rust but not for JavaScript.
        assert_eq!(trim("\u{0085}ci"), "\u{0085}ci");
        // Zero-width space is not a space (it is Cf).
        assert_eq!(trim("\u{200B}ci"), "\u{200B}ci");
    }

    #[test]
    fn counts_utf16_code_units() {
        assert_eq!(len("abc"), 3);
        assert_eq!(len("é"), 1);
        assert_eq!(len("🔑"), 2);
    }
}
