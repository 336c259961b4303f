//! Done: the connection as the server returned it, and what to do next.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::{field_row, wrapped};
use crate::apps::AppSpec;
use crate::sanitize::clean_line;
use crate::tui::markdown;
use crate::tui::model::State;
use crate::tui::theme::Theme;

pub fn render(state: &State, theme: &Theme, frame: &mut Frame, area: Rect) {
    let Some(c) = &state.created else { return };
    // The app we asked for, if the server's answer leaves it out.
    let app = AppSpec::by_slug(&c.app).or_else(|| state.input.as_ref().map(|i| i.app));
    let name = app.map_or_else(|| clean_line(&c.app), |a| a.name.to_owned());
    let w = 16;
    let mut lines = vec![
        Line::from(Span::styled(
            format!("✓ {name} connection created."),
            theme.ok(),
        )),
        Line::default(),
        field_row("ID", clean_line(&c.id), w, area.width, theme),
        field_row("Name", clean_line(&c.name), w, area.width, theme),
        field_row("App", clean_line(&c.app), w, area.width, theme),
        field_row("Method", clean_line(&c.method), w, area.width, theme),
    ];
    if let Some(a) = app {
        for (label, value) in a.public_credentials(&c.credentials) {
            lines.push(field_row(&label, value, w, area.width, theme));
        }
    }
    // The hash is 64 characters: it gets a line of its own so it is never cut.
    lines.push(field_row("credentialsHash", "", w, area.width, theme));
    lines.push(Line::from(format!(
        "    {}",
        clean_line(&c.credentials_hash)
    )));
    lines.push(field_row(
        "Created",
        clean_line(&c.created_at),
        w,
        area.width,
        theme,
    ));
    let scope = match (c.project_id.as_deref(), &state.scope) {
        (None, _) => "organization level".to_owned(),
        (Some(p), Some(s)) if s.project_id() == Some(p) => {
            format!("{} ({})", s.label(), clean_line(p))
        }
        (Some(p), _) => format!("project {}", clean_line(p)),
    };
    lines.push(field_row("Scope", scope, w, area.width, theme));
    lines.push(Line::default());
    // A sync already made for this connection in this session is named, not offered again.
    let made = state
        .sync
        .as_ref()
        .filter(|f| state.created.as_ref().is_some_and(|c| c.id == f.target.id))
        .and_then(|f| f.run.created.as_ref());
    let steps: String = app
        .map_or(&[][..], |a| a.next_steps)
        .iter()
        .filter(|s| made.is_none() || !s.contains("Secret Sync"))
        .map(|s| format!("- {s}\n"))
        .collect();
    if !steps.is_empty() {
        lines.push(Line::from(Span::styled("Next", theme.heading())));
        lines.extend(markdown::render(&steps, theme, area.width));
        lines.push(Line::default());
    }
    match made {
        Some(sync) if state.can_sync() => lines.extend(wrapped(
            "✓ ",
            &format!(
                "Secret Sync {} was created for it; s sets up another.",
                clean_line(&sync.name)
            ),
            theme.heading(),
            area.width,
        )),
        _ if state.can_sync() => lines.push(Line::from(Span::styled(
            "s sets up a Secret Sync now, while the credential is still in memory.",
            theme.heading(),
        ))),
        _ => {}
    }
    lines.push(Line::from(
        "y copies the ID · b browses the connections · n creates another · q quits.",
    ));
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), area);
}
