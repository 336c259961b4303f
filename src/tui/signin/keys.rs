//! The keys of the sign-in screens (footer and `?` help).

use super::{IdField, Stage};
use crate::tui::hint::{KeyHint, help_only, hint};
use crate::tui::model::State;

pub fn hints(state: &State) -> Vec<KeyHint> {
    let s = &state.signin;
    if s.busy() {
        return vec![hint("Esc", "cancel")];
    }
    let mut h = match s.stage {
        Stage::Server if s.on_custom() => vec![
            hint("type", "the URL"),
            hint("Enter", "check & go on"),
            hint("↑", "other servers"),
        ],
        Stage::Server => vec![
            hint("↑↓/jk", "move"),
            hint("Enter", "check & go on"),
            help_only("Tab", "next server"),
            help_only("g/G/Home/End", "first / last"),
        ],
        Stage::Identity => {
            let mut v = vec![
                hint("Tab/↑↓", "move"),
                hint("Enter", "next/sign in"),
                hint("Ctrl-S", "sign in"),
            ];
            match s.focused() {
                IdField::Method => v.extend([hint("←→", "method"), help_only("Space", "method")]),
                IdField::Remember => v.push(hint("Space", "remember")),
                _ => {}
            }
            v.push(hint("Esc", "server"));
            v.push(help_only("Shift-Tab", "previous field"));
            v
        }
    };
    if s.stage == Stage::Server && s.return_to.is_some() {
        h.push(hint("Esc", "back"));
    }
    h
}
