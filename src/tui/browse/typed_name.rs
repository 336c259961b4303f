//! The name a person types to confirm a delete (a connection, a sync): edited like every other
//! line (the shell keys, undo), compared after a trim as the server trims names.

use crossterm::event::KeyEvent;

use crate::sanitize::clean_short;
use crate::tui::line_text::LineText;

#[derive(Debug, Clone, Default)]
pub struct TypedName {
    editor: LineText,
    /// The editor's text, kept beside it so drawing and comparing copy nothing.
    typed: String,
}

impl TypedName {
    pub fn as_str(&self) -> &str {
        &self.typed
    }

    pub fn matches(&self, name: &str) -> bool {
        self.typed.trim() == name
    }

    pub fn input(&mut self, key: KeyEvent) {
        if self.editor.input(key) {
            self.typed = self.editor.text();
        }
    }

    /// Pasted text, already cleaned of control characters.
    pub fn paste(&mut self, clean: &str) {
        self.editor.insert(clean);
        self.typed = self.editor.text();
    }

    pub fn clear(&mut self) {
        self.editor.clear();
        self.typed.clear();
    }

    /// Why Enter did not delete: nothing typed yet, or a name that does not match. `what` is
    /// the thing's kind as the sentence needs it ("connection's", "sync's").
    pub fn refusal(&self, what: &str, name: &str) -> String {
        let name = clean_short(name, 40);
        if self.typed.trim().is_empty() {
            format!("Type the {what} name ({name}) to delete it.")
        } else {
            format!("The name does not match: type {name} exactly to delete it.")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::{KeyCode, KeyModifiers};

    fn key(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, modifiers)
    }

    #[test]
    fn edits_like_a_shell_line_and_matches_after_a_trim() {
        let mut t = TypedName::default();
        t.paste(" old-name ");
        assert!(!t.matches("new-name"));
        assert_eq!(
            t.refusal("sync's", "new-name"),
            "The name does not match: type new-name exactly to delete it."
        );
        t.input(key(KeyCode::Char('u'), KeyModifiers::CONTROL));
        assert_eq!(t.as_str(), "");
        assert_eq!(
            t.refusal("sync's", "new-name"),
            "Type the sync's name (new-name) to delete it."
        );
        for c in "new-name ".chars() {
            t.input(key(KeyCode::Char(c), KeyModifiers::NONE));
        }
        assert!(t.matches("new-name"));
        t.input(key(KeyCode::Char('w'), KeyModifiers::CONTROL));
        assert!(
            !t.matches("new-name"),
            "Ctrl-W took the last word: {:?}",
            t.as_str()
        );
    }
}
