//! One key and what it does, as the footer and the `?` help list it.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyHint {
    pub key: &'static str,
    pub action: &'static str,
    /// Shown in the footer too; the rest only in the `?` help (the footer has one line).
    pub in_footer: bool,
}

pub(crate) const fn hint(key: &'static str, action: &'static str) -> KeyHint {
    KeyHint {
        key,
        action,
        in_footer: true,
    }
}

/// A key listed only in the help.
pub(crate) const fn help_only(key: &'static str, action: &'static str) -> KeyHint {
    KeyHint {
        key,
        action,
        in_footer: false,
    }
}
