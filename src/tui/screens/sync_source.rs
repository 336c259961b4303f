//! Sync step 1: the source, one of the project's environments and a secret path.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::{line_input, spinner, window, wrapped};
use crate::sanitize::{clean_line, clean_short};
use crate::tui::model::State;
use crate::tui::sync::SyncFlow;
use crate::tui::theme::Theme;

pub fn render(state: &State, f: &SyncFlow, theme: &Theme, frame: &mut Frame, area: Rect) {
    let s = &f.source;
    let mut lines = vec![
        Line::from(format!(
            "Which secrets go to {}: one environment of the project and a folder.",
            f.dest.name()
        )),
        Line::from(Span::styled(
            format!("  Connection {}", clean_short(&f.target.name, 60)),
            theme.dim(),
        )),
        Line::default(),
        Line::from(Span::styled("Environment", theme.heading())),
    ];
    if s.loading.is_some() {
        lines.push(Line::from(format!(
            "{} Loading the project's environments…",
            spinner(state)
        )));
    } else if let Some(g) = &s.error {
        lines.extend(wrapped(
            "✗ ",
            &clean_line(&g.headline),
            theme.error(),
            area.width,
        ));
        if let Some(h) = &g.hint {
            lines.extend(wrapped("  ", &clean_line(h), theme.dim(), area.width));
        }
        lines.push(Line::from("  r loads the list again."));
    } else if s.envs.is_empty() {
        lines.push(Line::from("  The project has no environments."));
    } else {
        // Room for the list: the body minus the lines above and the path below.
        let room = usize::from(area.height)
            .saturating_sub(lines.len() + 4)
            .max(1);
        for i in window(s.envs.len(), s.selected, room) {
            let e = &s.envs[i];
            let here = i == s.selected;
            let style = if here && s.focus == 0 {
                theme.selected()
            } else {
                ratatui::style::Style::new()
            };
            lines.push(Line::from(Span::styled(
                format!(
                    "{}{}  ({})",
                    if here { "> " } else { "  " },
                    clean_short(&e.name, 40),
                    clean_short(&e.slug, 30)
                ),
                style,
            )));
        }
    }
    lines.push(Line::default());
    lines.push(line_input("Secret path", &s.path, s.focus == 1, 12, theme));
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), area);
}
