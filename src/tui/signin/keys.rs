//! The keys of the sign-in screens (footer and `?` help).

use super::{IdField, Stage};
use crate::tui::hint::{KeyHint, hint};
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
        Stage::Server => vec![hint("↑↓/jk", "move"), hint("Enter", "check & go on")],
        Stage::Identity => {
            let mut v = vec![
                hint("Tab/↑↓", "move"),
                hint("Enter", "next/sign in"),
                hint("Ctrl-S", "sign in"),
            ];
            match s.focused() {
                IdField::Method => v.push(hint("←→", "method")),
                IdField::Remember => v.push(hint("Space", "remember")),
                _ => {}
            }
            v.push(hint("Esc", "server"));
            v
        }
    };
    if s.stage == Stage::Server && s.return_to.is_some() {
        h.push(hint("Esc", "back"));
    }
    h
}
