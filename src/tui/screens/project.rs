//! Before step 1: where new connections go (a project, or the organization).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{spinner, wrapped};
use crate::sanitize::clean_line;
use crate::tui::model::State;
use crate::tui::theme::Theme;

pub fn render(state: &State, theme: &Theme, frame: &mut Frame, area: Rect) {
    let p = &state.projects;
    let mut lines = vec![
        Line::from("Where should new connections live? Pick a project, or the organization."),
        Line::default(),
    ];
    if let Some(n) = &p.notice {
        lines.extend(wrapped("⚠ ", n, theme.warn(), area.width));
        lines.push(Line::default());
    }
    if p.loading.is_some() {
        lines.push(Line::from(format!(
            "{} Loading projects… (Esc stops, r retries)",
            spinner(state)
        )));
    } else if let Some(g) = &p.error {
        lines.extend(wrapped("✗ ", &g.headline, theme.error(), area.width));
        if let Some(h) = &g.hint {
            lines.extend(wrapped("  ", h, Style::new(), area.width));
        }
        lines.push(Line::from(
            "  Press r to try again, or choose organization level below.",
        ));
        lines.push(Line::default());
    } else if p.items.is_empty() {
        lines.extend(wrapped(
            "",
            "This identity sees no projects: add it to a project (in the KMS, the project's Access Control → Machine Identities), or use organization level.",
            theme.warn(),
            area.width,
        ));
        lines.push(Line::default());
    }
    let visible = p.visible();
    if p.filtering || !p.filter.is_empty() {
        let text = if p.filtering {
            let (before, after) = p.filter_text.split_at_cursor();
            format!("{}▏{}", clean_line(&before), clean_line(&after))
        } else {
            clean_line(&p.filter)
        };
        lines.push(Line::from(vec![
            Span::styled("Filter: ", theme.dim()),
            Span::raw(text),
            Span::styled(
                format!("  ({} of {})", visible.len(), p.items.len()),
                theme.dim(),
            ),
        ]));
    }
    let visible_rows = usize::from(area.height)
        .saturating_sub(lines.len() + 1)
        .max(1);
    let total = visible.len() + 1;
    let first = p
        .selected
        .saturating_sub(visible_rows - 1)
        .min(total.saturating_sub(visible_rows));
    for i in first..total.min(first + visible_rows) {
        let label = match visible.get(i) {
            Some(proj) => format!("{}  ({})", clean_line(&proj.name), clean_line(&proj.slug)),
            None => "Organization level (no project)".to_owned(),
        };
        let selected = i == p.selected && p.loading.is_none();
        let marker = if selected { "> " } else { "  " };
        let style = if selected {
            theme.selected()
        } else {
            ratatui::style::Style::new()
        };
        lines.push(Line::from(Span::styled(format!("{marker}{label}"), style)));
    }
    frame.render_widget(Paragraph::new(lines), area);
}
