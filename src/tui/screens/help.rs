//! The `?` overlay: the same key list as the footer, one per line.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use crate::tui::keys::hints;
use crate::tui::model::State;
use crate::tui::theme::Theme;

pub fn render(state: &State, theme: &Theme, frame: &mut Frame, area: Rect) {
    let hints = hints(state);
    let height = (hints.len() as u16 + 4).min(area.height);
    // The key column fits its longest entry, so a key never runs into what it does.
    let key_col = hints
        .iter()
        .map(|h| h.key.chars().count())
        .max()
        .unwrap_or(0)
        .max(17)
        + 1;
    let longest = hints
        .iter()
        .map(|h| h.action.chars().count())
        .max()
        .unwrap_or(0);
    let wanted = u16::try_from(key_col + longest + 4).unwrap_or(u16::MAX);
    let width = wanted.clamp(56, 78).min(area.width);
    let r = Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    };
    let mut lines: Vec<Line> = hints
        .iter()
        .map(|h| {
            Line::from(vec![
                Span::styled(format!(" {:<key_col$}", h.key), theme.key()),
                Span::raw(h.action),
            ])
        })
        .collect();
    lines.push(Line::default());
    lines.push(Line::from(Span::styled(
        " any key closes this help",
        theme.dim(),
    )));
    frame.render_widget(Clear, r);
    let title = format!(" Keys · {} ", state.step.header());
    frame.render_widget(
        Paragraph::new(lines).block(Block::default().borders(Borders::ALL).title(title)),
        r,
    );
}
