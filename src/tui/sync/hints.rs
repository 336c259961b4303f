//! The Secret Sync flow's keys for the footer and the `?` help, per step. The footer keeps the
//! few that fit at 80 columns; the rest are in the help only, grouped so it fits 24 rows.

use super::Mode;
use crate::tui::hint::{KeyHint, help_only, hint};
use crate::tui::model::State;
use crate::tui::msg::SyncStep;

/// The list keys every picker of the flow shares (besides ↑↓).
const LIST_MOVES: KeyHint = help_only("jk g/G/Home/End PgUp/PgDn", "move / first / last / page");

pub fn hints(state: &State) -> Vec<KeyHint> {
    let Some(f) = state.sync.as_ref() else {
        return Vec::new();
    };
    let d = &f.destination;
    match f.step {
        SyncStep::Source if f.source.loading.is_some() => vec![hint("Esc", "stop")],
        SyncStep::Source => vec![
            hint("↑↓", "environment"),
            hint("Tab", "path"),
            hint("Enter", "next"),
            hint("Esc", "back"),
            help_only("r", "reload the environments"),
            LIST_MOVES,
            help_only("→/Shift-Tab", "to the path (↑ from it: the list)"),
        ],
        SyncStep::Destination
            if d.listing.is_some() || d.checking.is_some() || d.lazy_loading.is_some() =>
        {
            vec![hint("Esc", "stop")]
        }
        SyncStep::Destination if d.secret.is_some() => {
            vec![hint("Enter", "list with it"), hint("Esc", "cancel")]
        }
        SyncStep::Destination if d.checks.as_ref().is_some_and(|c| c.ok()) => vec![
            hint("Enter", "options"),
            hint("r", "check again"),
            hint("Esc", "change"),
        ],
        SyncStep::Destination if d.checks.is_some() => vec![
            hint("Enter/Esc", "change"),
            hint("a", "go on anyway"),
            hint("r", "check again"),
        ],
        SyncStep::Destination if d.mode == Mode::Manual => {
            let mut v = vec![
                hint("Tab", "move"),
                hint("Enter", "next"),
                hint("Esc", "back"),
                hint("Ctrl-T", "type the credential"),
            ];
            if f.credential.is_some() {
                v.push(hint("Ctrl-P", "pick from lists"));
            }
            v.push(help_only("Shift-Tab/↑↓", "previous / next field"));
            v
        }
        SyncStep::Destination if d.picker.filtering => vec![
            hint("type", "filter"),
            hint("Enter", "choose"),
            hint("↑↓", "move"),
            hint("Esc", "clear filter"),
            help_only("PgUp/PgDn", "page"),
        ],
        SyncStep::Destination => {
            let mut v = vec![
                hint("↑↓", "move"),
                hint("Enter", "choose"),
                help_only("Space", "mark several (Octopus scope values)"),
                hint("/", "filter"),
                hint("m", "enter IDs"),
                hint("Esc", "back"),
                help_only("r", "list again"),
                LIST_MOVES,
            ];
            if d.list_error.is_some() {
                // The credential was refused: type another one and list with it.
                v.insert(5, hint("Ctrl-T", "type the credential"));
            }
            v
        }
        SyncStep::Options => vec![
            hint("Tab/↑↓", "move"),
            hint("←→/Space", "change"),
            hint("Enter", "next"),
            hint("Esc", "back"),
            help_only("Shift-Tab", "previous field"),
        ],
        SyncStep::Details => vec![
            hint("Tab", "move"),
            hint("Enter", "review"),
            hint("Esc", "back"),
            help_only("Shift-Tab/↑↓", "the other field"),
        ],
        SyncStep::Review if f.run.creating.is_some() => vec![hint("Esc", "stop waiting")],
        SyncStep::Review if f.run.polling.is_some() => vec![hint("Esc", "stop watching")],
        SyncStep::Review if f.run.created.is_some() => {
            let mut v = vec![hint("Enter", "finish")];
            if !f.run.done() {
                v.push(hint("w", "watch again"));
            }
            v.push(help_only("Esc", "finish"));
            v
        }
        SyncStep::Review => vec![
            hint("Enter", "create"),
            hint("e/Esc", "edit"),
            help_only("c", "create"),
        ],
    }
}
