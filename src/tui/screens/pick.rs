//! Step 1: pick an app.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::tui::model::State;
use crate::tui::theme::Theme;

pub fn render(state: &State, theme: &Theme, frame: &mut Frame, area: Rect) {
    let apps = &state.apps;
    let mut lines = vec![
        Line::from("Which app should Hanzo KMS send secrets to?"),
        Line::default(),
    ];
    let visible = apps.visible();
    if apps.filtering || !apps.filter.is_empty() {
        let text = if apps.filtering {
            let (before, after) = apps.filter_text.split_at_cursor();
            format!("{before}▏{after}")
        } else {
            apps.filter.clone()
        };
        lines.push(Line::from(vec![
            Span::styled("Filter: ", theme.dim()),
            Span::raw(text),
        ]));
        lines.push(Line::default());
    }
    if visible.is_empty() {
        lines.push(Line::from(Span::styled(
            "No app matches the filter. Esc clears it.",
            theme.warn(),
        )));
    }
    for (i, app) in visible.iter().enumerate() {
        let selected = i == apps.selected;
        let marker = if selected { "> " } else { "  " };
        let name_style = if selected {
            theme.selected()
        } else {
            Style::new().add_modifier(ratatui::style::Modifier::BOLD)
        };
        lines.push(Line::from(vec![
            Span::styled(format!("{marker}{:<16}", app.name), name_style),
            Span::raw(" "),
            Span::styled(
                app.tagline,
                if selected { Style::new() } else { theme.dim() },
            ),
        ]));
    }
    frame.render_widget(Paragraph::new(lines), area);
}
