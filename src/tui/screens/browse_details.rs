//! Details of one existing connection: every non-secret field, IDs and times.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{field_row, field_rows};
use crate::sanitize::clean_line;
use crate::tui::model::State;
use crate::tui::theme::Theme;

pub fn render(state: &State, theme: &Theme, frame: &mut Frame, area: Rect) {
    let Some(row) = state.browse.selected_row() else {
        return;
    };
    let c = &row.conn;
    let w = 16;
    let room = area.width;
    let mut lines = vec![
        Line::from(Span::styled(
            format!("{} · {}", row.app_name, row.name),
            theme.heading(),
        )),
        Line::default(),
    ];
    // The syncs come first: they are what a connection is for, and what can be acted on here.
    let (syncs, selected) = super::browse_syncs::section(state, theme, &c.id, room);
    let selected = selected.map(|i| i + lines.len());
    lines.extend(syncs);
    lines.push(Line::default());
    lines.push(field_row("ID", clean_line(&c.id), w, room, theme));
    // The details promise every field: long values wrap, and the page scrolls (PgDn/PgUp).
    lines.extend(field_rows("Name", row.name.clone(), w, room, theme));
    lines.extend(field_rows(
        "Description",
        c.description
            .as_deref()
            .map_or_else(|| "—".into(), clean_line),
        w,
        room,
        theme,
    ));
    lines.push(field_row("App", clean_line(&c.app), w, room, theme));
    lines.push(field_row("Method", row.method.clone(), w, room, theme));
    if let Some(app) = row.app {
        for (label, value) in app.public_credentials(&c.credentials) {
            lines.extend(field_rows(&label, value, w, room, theme));
        }
    }
    lines.push(field_row(
        "Scope",
        row.scope(state.scope.as_ref(), &state.projects.items),
        w,
        room,
        theme,
    ));
    if let Some(p) = &c.project_id {
        lines.push(field_row("Project ID", clean_line(p), w, room, theme));
    }
    lines.push(field_row(
        "Organization",
        clean_line(&c.org_id),
        w,
        room,
        theme,
    ));
    // 64 characters: a line of its own so it is never cut.
    lines.push(field_row("credentialsHash", "", w, room, theme));
    lines.push(Line::from(format!(
        "    {}",
        clean_line(&c.credentials_hash)
    )));
    lines.push(field_row(
        "Created",
        clean_line(&c.created_at),
        w,
        room,
        theme,
    ));
    lines.push(field_row(
        "Updated",
        clean_line(&c.updated_at),
        w,
        room,
        theme,
    ));
    // isPlatformManagedCredentials and gatewayId are left out: always false and null for
    // these four apps, and 80x24 has no row to spare for them.
    lines.push(field_row(
        "Version",
        c.version.map_or_else(|| "—".into(), |v| v.to_string()),
        w,
        room,
        theme,
    ));
    lines.push(Line::default());
    lines.push(Line::from(Span::styled(
        "The secret is never shown: the server does not send it back.",
        theme.dim(),
    )));
    let height = usize::from(area.height);
    let max_scroll = lines.len().saturating_sub(height);
    let mut scroll = usize::from(state.browse.details_scroll).min(max_scroll);
    // A sync chosen with Tab stays in view with its next lines.
    if let Some(i) = selected {
        if i < scroll + 1 {
            scroll = i.saturating_sub(1);
        } else if i + 4 > scroll + height {
            scroll = (i + 4).saturating_sub(height).min(max_scroll);
        }
    }
    let mut shown: Vec<Line> = lines.into_iter().skip(scroll).take(height).collect();
    if scroll < max_scroll
        && let Some(last) = shown.last_mut()
    {
        *last = Line::from(Span::styled("  ↓ more below (PgDn)", theme.dim()));
    }
    if scroll > 0
        && let Some(first) = shown.first_mut()
    {
        *first = Line::from(Span::styled("  ↑ more above (PgUp)", theme.dim()));
    }
    frame.render_widget(Paragraph::new(shown), area);
}
