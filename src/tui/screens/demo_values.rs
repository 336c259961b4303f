//! In `--demo`, the sandbox's values to type for an app: listed on the instructions step and,
//! on F2, over the form and the browser's rotate form (where they are needed).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use crate::apps::AppSpec;
use crate::tui::model::{DemoInfo, State};
use crate::tui::theme::Theme;

/// One line per value: its label, aligned, then the value.
pub fn rows(demo: &DemoInfo, app: &AppSpec, theme: &Theme) -> Vec<Line<'static>> {
    let rows = demo.for_app(app.slug);
    let width = rows
        .iter()
        .map(|(l, _)| l.chars().count())
        .max()
        .unwrap_or(0);
    rows.iter()
        .map(|(label, value)| {
            Line::from(vec![
                Span::styled(format!("  {label:<width$}  "), theme.dim()),
                Span::raw(value.clone()),
            ])
        })
        .collect()
}

/// The overlay over the form; any key closes it.
pub fn render(state: &State, theme: &Theme, frame: &mut Frame, area: Rect) {
    // The wizard's app, or the connection being rotated in the browser.
    let app = match state.step {
        crate::tui::msg::Step::Browse => state.browse.rotate.as_ref().map(|r| r.form.app),
        _ => state.app,
    };
    let (Some(demo), Some(app)) = (&state.session.demo, app) else {
        return;
    };
    let mut lines = rows(demo, app, theme);
    lines.push(Line::default());
    lines.push(Line::from(Span::styled(
        " any key closes this list",
        theme.dim(),
    )));
    let height = (lines.len() as u16 + 2).min(area.height);
    let width = 72.min(area.width);
    let r = Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    };
    frame.render_widget(Clear, r);
    let title = format!(" DEMO · values to type for {} ", app.name);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(Block::default().borders(Borders::ALL).title(title)),
        r,
    );
}
