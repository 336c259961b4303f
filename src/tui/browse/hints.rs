//! The browser's keys for the footer and the help, per view.

use super::View;
use crate::tui::hint::{KeyHint, help_only, hint};
use crate::tui::model::State;

pub fn hints(state: &State) -> Vec<KeyHint> {
    let b = &state.browse;
    let acts = [
        hint("c", "rotate"),
        hint("e", "edit"),
        hint("d", "delete"),
        hint("y", "copy ID"),
    ];
    match b.view {
        View::List if b.filtering => vec![
            hint("type", "filter"),
            hint("Enter", "done"),
            hint("↑↓", "move"),
            hint("Esc", "clear filter"),
        ],
        View::List => {
            // Only keys that do something now: an empty list has nothing to open, act on,
            // move through, filter or sort.
            let selected = b.selected_row();
            let mut v = Vec::new();
            if selected.is_some() {
                v.push(hint("Enter", "details"));
                v.push(help_only("→/l", "details"));
            }
            if !b.rows.is_empty() {
                v.push(hint("/", "filter"));
            }
            match selected {
                // An app this version does not know can only have its ID copied.
                Some(row) if row.app.is_some() => {
                    v.extend(acts);
                    v.push(help_only("S", "set up a Secret Sync"));
                }
                Some(_) => v.push(hint("y", "copy ID")),
                None => {}
            }
            let filtered = !b.filter.is_empty() || b.app_filter.is_some();
            if filtered && selected.is_none() {
                // Nothing matches: clearing the filters is what the screen asks for.
                v.push(hint("Esc", "clear the filters"));
            }
            v.push(hint("n", "new"));
            if !b.rows.is_empty() {
                v.extend([hint("a", "app filter"), hint("s", "sort")]);
            }
            v.extend([hint("r", "refresh"), hint("p", "project")]);
            if selected.is_some() {
                v.push(hint("↑↓/jk PgUp/PgDn", "move"));
                v.push(help_only("g/G/Home/End", "first / last"));
            }
            match (filtered, selected.is_some()) {
                (false, _) => v.push(hint("Esc", "back to the wizard")),
                (true, true) => v.push(hint("Esc", "clear the filters")),
                (true, false) => {}
            }
            v
        }
        View::Details => {
            let mut v = Vec::new();
            let syncs = b.selected_row().map_or(0, |r| b.syncs.of(&r.conn.id).len());
            if syncs > 0 {
                v.extend([hint("Tab", "sync"), hint("r", "run"), hint("x", "del sync")]);
                v.push(help_only("Shift-Tab", "previous sync"));
                // At 80 columns the sync keys leave room for Esc or for y, not both: the way
                // back stays, copying the ID moves to the help (the list's footer has it).
                v.extend(acts.map(|h| match h.key {
                    "y" => help_only(h.key, h.action),
                    _ => h,
                }));
            } else {
                v.extend(acts);
            }
            v.push(help_only("S", "set up a Secret Sync"));
            v.push(hint("Esc", "back"));
            v.push(help_only("←/h", "back to the list"));
            v.push(help_only("↑↓/jk", "previous / next connection"));
            v.push(help_only("PgDn/Space/PgUp", "scroll the details"));
            v
        }
        View::Rotate => match &b.rotate {
            Some(r) if r.testing.is_some() => vec![hint("Esc", "cancel the test")],
            Some(r) if r.saving.is_some() => vec![hint("Esc", "stop waiting")],
            Some(r) if r.outcome.as_ref().is_some_and(|o| o.ok) => vec![
                hint("Enter", "save"),
                hint("r", "test again"),
                hint("e/Esc", "edit"),
            ],
            Some(r) if r.outcome.is_some() => vec![
                hint("Enter/e", "fix"),
                hint("a", "save anyway"),
                hint("r", "test again"),
            ],
            _ => {
                let mut v = vec![
                    hint("Tab/↑↓", "move"),
                    hint("Enter", "next/test"),
                    hint("Ctrl-S", "test"),
                    hint("Esc", "back"),
                    help_only("Shift-Tab", "previous field"),
                ];
                if state.session.demo.is_some() {
                    v.insert(3, hint("F2", "demo values"));
                }
                v
            }
        },
        View::Edit if b.edit.as_ref().is_some_and(|e| e.saving.is_some()) => {
            vec![hint("Esc", "stop waiting")]
        }
        View::Edit => vec![
            hint("Tab/↑↓", "move"),
            hint("Enter", "next/save"),
            hint("Ctrl-S", "save"),
            hint("Esc", "back"),
            help_only("Shift-Tab", "previous field"),
        ],
        View::Delete if b.delete.as_ref().is_some_and(|d| d.running.is_some()) => {
            vec![hint("Esc", "stop waiting")]
        }
        View::Delete => vec![
            hint("type", "the name"),
            hint("Enter", "delete"),
            hint("Esc", "back"),
        ],
        View::DeleteSync if b.syncs.delete.as_ref().is_some_and(|d| d.running.is_some()) => {
            vec![hint("Esc", "stop waiting")]
        }
        View::DeleteSync => vec![
            hint("type", "the name"),
            hint("Tab", "remove secrets too"),
            help_only("Shift-Tab", "remove secrets too"),
            hint("Enter", "delete"),
            hint("Esc", "back"),
        ],
        View::Result => vec![
            hint("Enter/Esc", "back to the list"),
            help_only("Space", "back to the list"),
        ],
    }
}
