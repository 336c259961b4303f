//! Sync step 3: the options: initial sync behaviour, key schema, keep destination secrets,
//! auto-sync.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::{line_input, wrapped};
use crate::apps::sync_spec::{self, Destination};
use crate::tui::sync::SyncFlow;
use crate::tui::theme::Theme;

/// TeamCity returns password parameters empty: an import brings names only.
pub const TEAMCITY_IMPORT_CAVEAT: &str = "TeamCity sends password parameters back empty: an import creates empty secrets in KMS (names only).";

pub fn render(f: &SyncFlow, theme: &Theme, frame: &mut Frame, area: Rect) {
    let o = &f.options;
    let w = area.width;
    let mark = |on: bool| if on { "[x]" } else { "[ ]" };
    let focus = |i: usize| o.focus == i;
    let pointer = |i: usize| if focus(i) { "> " } else { "  " };
    let style = |i: usize| {
        if focus(i) {
            theme.selected()
        } else {
            ratatui::style::Style::new()
        }
    };
    let initial = match o.initial {
        Some(i) => i.label().to_owned(),
        None => "choose one (← →)".to_owned(),
    };
    let fixed = !f.dest.can_import();
    let mut lines = vec![Line::from(Span::styled(
        format!(
            "{}Initial sync    {}{}",
            pointer(0),
            initial,
            if fixed {
                "  (the only choice here)"
            } else {
                ""
            }
        ),
        style(0),
    ))];
    if fixed {
        lines.extend(wrapped(
            "    ",
            &format!(
                "{} cannot import: KMS overwrites the destination.",
                f.dest.name()
            ),
            theme.dim(),
            w,
        ));
    } else if f.dest == Destination::TeamCity {
        lines.extend(wrapped("    ⚠ ", TEAMCITY_IMPORT_CAVEAT, theme.warn(), w));
    }
    lines.push(Line::default());
    lines.push(line_input("Key schema", &o.key_schema, focus(1), 14, theme));
    let schema = f.key_schema();
    match schema.as_deref().map(sync_spec::validate_key_schema) {
        Some(Err(m)) => lines.extend(wrapped("    ✗ ", &m, theme.error(), w)),
        Some(Ok(s)) => {
            let example = sync_spec::apply_key_schema(Some(&s), "DB_URL", &f.environment_slug());
            lines.extend(wrapped(
                "    ",
                &format!("A secret DB_URL becomes {example}; the sync manages only names of this shape."),
                theme.dim(),
                w,
            ));
            if let Some(warn) = sync_spec::key_schema_warning(f.dest, &s) {
                lines.extend(wrapped("    ⚠ ", &warn, theme.warn(), w));
            }
        }
        None => lines.extend(wrapped(
            "    ⚠ ",
            "No key schema: the first sync may delete every destination variable KMS does not have.",
            theme.warn(),
            w,
        )),
    }
    lines.push(Line::default());
    lines.push(Line::from(Span::styled(
        format!(
            "{}{} Keep destination secrets (never delete at the destination)",
            pointer(2),
            mark(o.keep_destination)
        ),
        style(2),
    )));
    lines.push(Line::from(Span::styled(
        format!(
            "{}{} Auto-sync (sync again whenever the secrets change)",
            pointer(3),
            mark(o.auto_sync)
        ),
        style(3),
    )));
    lines.push(Line::default());
    lines.extend(wrapped(
        "",
        &f.dest
            .first_sync_effect(o.initial, schema.as_deref(), o.keep_destination),
        theme.dim(),
        w,
    ));
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), area);
}
