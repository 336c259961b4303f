//! Sign-in, first screen: which KMS server (checked with `GET /api/status` before going on).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::form::field_line;
use super::{spinner, wrapped};
use crate::tui::model::State;
use crate::tui::theme::Theme;

const LABEL: usize = 22;

pub fn render(state: &State, theme: &Theme, frame: &mut Frame, area: Rect) {
    let s = &state.signin;
    let mut lines = vec![
        Line::from("Which KMS server do you use? kms-connect checks that it answers first."),
        Line::default(),
    ];
    for (i, choice) in s.servers.iter().enumerate() {
        let selected = i == s.selected;
        let marker = if selected { "> " } else { "  " };
        let style = if selected {
            theme.selected()
        } else {
            Style::new()
        };
        lines.push(Line::from(vec![
            Span::styled(format!("{marker}{:<LABEL$}", choice.label), style),
            Span::styled(
                format!(" {}", choice.url),
                if selected { Style::new() } else { theme.dim() },
            ),
        ]));
    }
    let on_custom = s.on_custom();
    let marker = if on_custom { "> " } else { "  " };
    let mut custom = vec![
        Span::styled(
            format!("{marker}{:<LABEL$}", "Another server"),
            if on_custom {
                theme.selected()
            } else {
                Style::new()
            },
        ),
        Span::raw(" "),
    ];
    let room = area.width.saturating_sub(LABEL as u16 + 4);
    custom.extend(field_line(&s.custom_view(), room, on_custom, theme).spans);
    lines.push(Line::from(custom));
    lines.push(Line::default());
    if s.probing.is_some() {
        let url = s
            .checked
            .as_ref()
            .map_or(String::new(), |(_, base)| format!("{base}/status"));
        lines.push(Line::from(format!("{} Checking {url}…", spinner(state))));
        lines.push(Line::from(Span::styled("  Esc cancels.", theme.dim())));
    } else if let Some(g) = &s.error {
        lines.extend(wrapped("✗ ", &g.headline, theme.error(), area.width));
        if let Some(h) = &g.hint {
            lines.extend(wrapped("  ", h, Style::new(), area.width));
        }
    } else {
        lines.push(Line::from(Span::styled(
            "Enter checks the server; nothing is sent but GET /api/status.",
            theme.dim(),
        )));
    }
    if s.start.demo.is_some() {
        lines.push(Line::default());
        lines.push(Line::from(Span::styled(
            "Demo: the sandbox is the first entry; the others are real servers.",
            theme.dim(),
        )));
    }
    frame.render_widget(Paragraph::new(lines), area);
}
