//! Sync step 4: the sync's name (suggested, slug rules) and description.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

use super::{line_input, wrapped};
use crate::apps::sync_spec;
use crate::tui::sync::SyncFlow;
use crate::tui::theme::Theme;

pub fn render(f: &SyncFlow, theme: &Theme, frame: &mut Frame, area: Rect) {
    let d = &f.details;
    let w = area.width;
    let mut lines = vec![
        Line::from("Name the sync: lowercase letters, digits and hyphens, unique in the project."),
        Line::default(),
        line_input("Name", &d.name, d.focus == 0, 12, theme),
    ];
    match sync_spec::validate_name(&d.name.text()) {
        Err(m) => lines.extend(wrapped("    ✗ ", &m, theme.error(), w)),
        Ok(_) if d.suggested => lines.extend(wrapped(
            "    ",
            "Suggested from the connection and the environment.",
            theme.dim(),
            w,
        )),
        Ok(_) => lines.push(Line::default()),
    }
    lines.push(line_input(
        "Description",
        &d.description,
        d.focus == 1,
        12,
        theme,
    ));
    lines.extend(wrapped(
        "    ",
        "Optional, at most 256 characters.",
        theme.dim(),
        w,
    ));
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), area);
}
