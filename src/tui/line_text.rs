//! Shell-like editing of one line of text, shared by every text field (the form, the sign-in,
//! the browser's dialogs) and the browse filter. Built on ratatui-textarea's own key handling,
//! with the few keys where it differs from a shell line remapped:
//!
//! | key | does |
//! | --- | --- |
//! | Ctrl-A / Home, Ctrl-E / End | start / end of the line |
//! | Ctrl-B / ←, Ctrl-F / → | one character back / forward |
//! | Alt-B, Alt-F (Ctrl-←, Ctrl-→) | one word back / forward |
//! | Backspace / Ctrl-H, Delete / Ctrl-D | delete the character before / under the cursor |
//! | Ctrl-W, Alt-Backspace | delete the word before the cursor |
//! | Alt-D | delete the word after the cursor |
//! | Ctrl-U | delete to the start of the line (textarea: undo) |
//! | Ctrl-K | delete to the end of the line |
//! | Ctrl-Y | put back what Ctrl-U/K/W deleted |
//! | Ctrl-Z, Ctrl-R | undo, redo (none for a secret: it keeps no history) |
//!
//! Enter, Tab and the textarea's multi-line and scrolling keys never reach the text: a field is
//! one line, and those keys belong to the screen.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui_textarea::{CursorMove, TextArea};

/// The keys the help overlay and the README list for text fields.
pub const KEYS: &[(&str, &str)] = &[
    ("Ctrl-A / Ctrl-E", "start / end of the line"),
    ("Alt-B / Alt-F", "one word back / forward"),
    ("Ctrl-W", "delete the word before the cursor"),
    ("Ctrl-U / Ctrl-K", "delete to the start / to the end"),
    ("Ctrl-Y", "put back what was deleted"),
    ("Ctrl-Z / Ctrl-R", "undo / redo"),
];

/// Applies one key to a one-line text area; true when the text changed.
pub fn edit(ta: &mut TextArea<'_>, key: KeyEvent) -> bool {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    let alt = key.modifiers.contains(KeyModifiers::ALT);
    match key.code {
        // One line: no newline, no tab; the screen's keys are not the text's.
        KeyCode::Enter | KeyCode::Tab | KeyCode::BackTab | KeyCode::Esc => false,
        KeyCode::Up | KeyCode::Down | KeyCode::PageUp | KeyCode::PageDown => false,
        KeyCode::Char('u') if ctrl && !alt => ta.delete_line_by_head(),
        KeyCode::Char('z') if ctrl && !alt => ta.undo(),
        KeyCode::Char('a') if ctrl && !alt => {
            ta.move_cursor(CursorMove::Head);
            false
        }
        KeyCode::Char('e') if ctrl && !alt => {
            ta.move_cursor(CursorMove::End);
            false
        }
        // As readline: to the end of this (or the next) word, not to the next word's start.
        KeyCode::Char('f') if alt && !ctrl => word_end(ta),
        KeyCode::Right if ctrl && !alt => word_end(ta),
        // The textarea's multi-line and scrolling chords (newline, line up/down, page, cut
        // and copy of a selection) have no meaning in one line.
        KeyCode::Char('m' | 'j' | 'n' | 'p' | 'v' | 'x' | 'c') if ctrl => false,
        KeyCode::Char('n' | 'p' | 'v' | '<' | '>') if alt => false,
        _ => ta.input(key),
    }
}

fn word_end(ta: &mut TextArea<'_>) -> bool {
    let len = ta.lines().first().map_or(0, |l| l.chars().count());
    ta.move_cursor(CursorMove::WordEnd);
    if ta.cursor().1 < len {
        ta.move_cursor(CursorMove::Forward);
    }
    false
}

/// One line of text with shell-like editing, for inputs that are not form fields (the browse
/// filter). The text area keeps the cursor and the undo history.
#[derive(Clone, Default)]
pub struct LineText {
    ta: TextArea<'static>,
}

impl std::fmt::Debug for LineText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // A masked one holds a secret: its length only.
        if self.ta.mask_char().is_some() {
            return write!(f, "LineText({} chars, masked)", self.text().chars().count());
        }
        f.debug_tuple("LineText").field(&self.text()).finish()
    }
}

impl LineText {
    pub fn text(&self) -> String {
        self.ta.lines().join("")
    }

    /// A line for a secret: drawn as dots, with no undo history keeping old copies.
    pub fn masked() -> Self {
        let mut ta = TextArea::default();
        ta.set_mask_char(crate::tui::form::MASK);
        ta.set_max_histories(0);
        LineText { ta }
    }

    /// The text as drawn, split at the cursor: dots for a masked line.
    pub fn shown_at_cursor(&self) -> (String, String) {
        let (a, b) = self.split_at_cursor();
        match self.ta.mask_char() {
            Some(m) => (
                std::iter::repeat_n(m, a.chars().count()).collect(),
                std::iter::repeat_n(m, b.chars().count()).collect(),
            ),
            None => (a, b),
        }
    }

    /// Applies one key; true when the text changed.
    pub fn input(&mut self, key: KeyEvent) -> bool {
        edit(&mut self.ta, key)
    }

    /// Inserts text at the cursor, without line breaks or control characters.
    pub fn insert(&mut self, text: &str) -> bool {
        let one_line: String = text.chars().filter(|c| !c.is_control()).collect();
        self.ta.insert_str(one_line)
    }

    pub fn clear(&mut self) {
        self.ta = TextArea::default();
    }

    /// The cursor's position, in characters.
    pub fn cursor(&self) -> usize {
        self.ta.cursor().1
    }

    /// The text split at the cursor, for drawing a cursor mark between.
    pub fn split_at_cursor(&self) -> (String, String) {
        let text = self.text();
        let at = self.cursor();
        (
            text.chars().take(at).collect(),
            text.chars().skip(at).collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, modifiers)
    }

    fn typed(text: &str) -> LineText {
        let mut l = LineText::default();
        l.insert(text);
        l
    }

    const C: KeyModifiers = KeyModifiers::CONTROL;
    const A: KeyModifiers = KeyModifiers::ALT;

    #[test]
    fn ctrl_u_clears_to_the_start_and_ctrl_z_undoes_it() {
        let mut l = typed("hello world");
        l.input(key(KeyCode::Left, KeyModifiers::NONE));
        assert!(l.input(key(KeyCode::Char('u'), C)));
        assert_eq!(l.text(), "d");
        assert!(l.input(key(KeyCode::Char('z'), C)));
        assert_eq!(l.text(), "hello world");
    }

    #[test]
    fn ctrl_a_e_move_and_ctrl_k_kills_to_the_end() {
        let mut l = typed("hello world");
        l.input(key(KeyCode::Char('a'), C));
        assert_eq!(l.cursor(), 0);
        l.input(key(KeyCode::Char('f'), A));
        l.input(key(KeyCode::Char('k'), C));
        assert_eq!(l.text(), "hello");
        l.input(key(KeyCode::Char('a'), C));
        l.input(key(KeyCode::Char('e'), C));
        assert_eq!(l.cursor(), 5);
    }

    #[test]
    fn ctrl_w_deletes_a_word_and_alt_b_moves_back_one() {
        let mut l = typed("one two three");
        l.input(key(KeyCode::Char('w'), C));
        assert_eq!(l.text(), "one two ");
        l.input(key(KeyCode::Char('b'), A));
        assert_eq!(l.cursor(), 4);
    }

    #[test]
    fn enter_tab_and_the_multi_line_chords_change_nothing() {
        let mut l = typed("abc");
        for k in [
            key(KeyCode::Enter, KeyModifiers::NONE),
            key(KeyCode::Tab, KeyModifiers::NONE),
            key(KeyCode::Char('m'), C),
            key(KeyCode::Char('j'), C),
        ] {
            assert!(!l.input(k));
        }
        assert_eq!(l.text(), "abc");
    }
}
