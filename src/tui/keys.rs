//! Key hints: one list per screen feeds both the footer and the `?` help.

pub use super::hint::KeyHint;
pub(crate) use super::hint::{help_only, hint};
use super::model::State;
use super::msg::Step;

/// The keys that work on the current screen, most useful first.
pub fn hints(state: &State) -> Vec<KeyHint> {
    let mut h = match state.step {
        Step::SignIn => super::signin::hints(state),
        Step::Project if state.projects.loading.is_some() => {
            vec![hint("Esc", "stop waiting"), hint("r", "retry")]
        }
        Step::Project if state.projects.filtering => vec![
            hint("type", "filter"),
            hint("Enter", "choose"),
            hint("↑↓", "move"),
            hint("Esc", "clear filter"),
        ],
        Step::Project => vec![
            hint("↑↓/jk", "move"),
            help_only("g/G/Home/End", "first / last"),
            hint("Enter", "choose"),
            help_only("Esc", "back"),
            hint("/", "filter"),
            hint("r", "reload"),
        ],
        Step::Pick if state.apps.filtering => {
            vec![
                hint("type", "filter"),
                hint("Enter", "pick"),
                hint("↑↓", "move"),
                hint("Esc", "clear filter"),
            ]
        }
        // Enter is in the help only: the footer keeps room for q (quit) at 80 columns.
        Step::Pick => vec![
            hint("↑↓/jk", "move"),
            help_only("Enter", "pick"),
            help_only("g/G/Home/End", "first / last"),
            hint("/", "filter"),
            hint("b", "browse"),
            hint("p", "project"),
            hint("s", "sign in"),
        ],
        Step::Instructions => {
            let mut v = vec![hint("Enter", "fill the form"), hint("↑↓/PgDn", "scroll")];
            if state.chosen_use().is_some() {
                v.push(hint("s", "other scopes"));
            }
            v.push(hint("Esc", "back"));
            v.extend([
                help_only("→/l", "fill the form"),
                help_only("←/h", "back"),
                help_only("j/k", "scroll"),
                help_only("Space", "page down"),
                help_only("PgUp", "page up"),
                help_only("Home/g", "top"),
            ]);
            v
        }
        Step::Form => {
            let mut v = vec![
                hint("Tab/↑↓", "move"),
                hint("Enter", "next/test"),
                hint("Ctrl-S", "test"),
            ];
            if state.session.demo.is_some() {
                v.push(hint("F2", "demo values"));
            }
            if state.chosen_use().is_some() {
                v.push(hint("F3", "other use"));
            }
            v.extend([
                hint("Esc", "back"),
                hint("→", "take suggested name"),
                help_only("Shift-Tab", "previous field"),
            ]);
            v
        }
        Step::Test if state.test.running.is_some() => vec![hint("Esc", "cancel")],
        Step::Test if state.test.outcome.as_ref().is_some_and(|o| o.ok) => {
            vec![
                hint("Enter", "review"),
                hint("r", "test again"),
                hint("e/Esc", "edit"),
            ]
        }
        Step::Test => vec![
            hint("Enter/e", "fix"),
            hint("a", "create anyway"),
            hint("r", "test again"),
            help_only("Esc", "back to the form"),
        ],
        Step::Review if state.create.running.is_some() => vec![hint("Esc", "stop waiting")],
        Step::Review => vec![
            hint("Enter", "create"),
            hint("e/Esc", "edit"),
            help_only("c", "create"),
        ],
        Step::Done => {
            let mut v = Vec::new();
            if state.can_sync() {
                v.push(hint("s", "sync"));
            }
            v.extend([
                hint("y", "copy ID"),
                hint("b", "browse"),
                hint("n", "create another"),
                hint("Enter/q", "quit"),
            ]);
            v
        }
        Step::Browse => super::browse::hints::hints(state),
        Step::Sync(_) => super::sync::hints(state),
    };
    if state.text_focus() {
        // The shell-like editing keys every text field has, in the help only.
        h.push(help_only("←→ Home/End", "move in the text"));
        h.extend(
            super::line_text::KEYS
                .iter()
                .map(|&(key, action)| help_only(key, action)),
        );
        h.push(hint("F1", "help"));
    } else {
        h.push(hint("?", "help"));
        h.push(help_only("F1", "help"));
        if state.step != Step::Done {
            h.push(hint("q", "quit"));
        }
    }
    h.push(hint("Ctrl-C", "quit"));
    h
}
