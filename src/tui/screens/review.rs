//! Step 5: everything that will be sent (the secret masked), then create.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::{field_row, field_rows, spinner, wrapped};
use crate::tui::model::State;
use crate::tui::theme::Theme;
use ratatui::style::Style;

pub fn render(state: &State, theme: &Theme, frame: &mut Frame, area: Rect) {
    let (Some(input), Some(scope)) = (&state.input, &state.scope) else {
        return;
    };
    let app = input.app;
    let w = 14;
    let mut lines = vec![
        Line::from(format!(
            "This is what kms-connect will send to POST /api/v1/app-connections/{}:",
            app.slug
        )),
        Line::default(),
        field_row(
            "App",
            format!("{} ({})", app.name, app.slug),
            w,
            area.width,
            theme,
        ),
        field_row(
            "Method",
            format!("{} ({})", app.method_name, app.method),
            w,
            area.width,
            theme,
        ),
        field_row(
            "Scope",
            match scope.project_id() {
                Some(id) => format!("{} ({id})", scope.label()),
                None => "organization level (no projectId)".into(),
            },
            w,
            area.width,
            theme,
        ),
    ];
    // Review promises every field: long values wrap instead of ending in "…".
    lines.extend(field_rows("Name", input.name.clone(), w, area.width, theme));
    lines.extend(field_rows(
        "Description",
        input.description.clone().unwrap_or_else(|| "(none)".into()),
        w,
        area.width,
        theme,
    ));
    if let (Some(spec), Some(v)) = (&app.target, &input.target) {
        lines.extend(field_rows(spec.label, v.clone(), w, area.width, theme));
    }
    lines.push(field_row(
        app.secret.label,
        "•••••••• (hidden)",
        w,
        area.width,
        theme,
    ));
    // Counted as `test --json` counts them: warnings never fail the test, but say so here.
    let warnings = crate::apps::checks::count_warnings(&state.test.checks);
    let test = match &state.test.outcome {
        Some(o) if o.ok && warnings > 0 => Span::styled(
            format!(
                "✓ passed, with {warnings} warning{} (see step 4)",
                if warnings == 1 { "" } else { "s" }
            ),
            theme.warn(),
        ),
        Some(o) if o.ok => Span::styled("✓ passed", theme.ok()),
        Some(_) => Span::styled("✗ failed — creating anyway", theme.warn()),
        None => Span::styled("not run", theme.warn()),
    };
    lines.push(Line::from(vec![
        Span::styled(format!("  {:<w$} ", "Test"), theme.dim()),
        test,
    ]));
    // Not part of the request: the use decides which scopes the test judged.
    if let Some(u) = state.chosen_use() {
        lines.extend(field_rows(
            "Use",
            format!(
                "{} (the test judged its {} scopes; not sent)",
                u.use_name,
                u.scopes.len()
            ),
            w,
            area.width,
            theme,
        ));
    }
    lines.push(Line::default());
    if state.create.running.is_some() {
        // The server checks the credential too and retries that check up to 3 times (up to
        // CREATE_TIMEOUT in all): the seconds counting up show it is still waiting.
        lines.extend(wrapped(
            &format!("{} ", spinner(state)),
            &format!(
                "Creating… {} s. The KMS server checks the credential too, retrying up to 3 times if the provider is slow or busy. Esc stops waiting.",
                state.create_waited_secs()
            ),
            Style::new(),
            area.width,
        ));
    } else if let Some(g) = &state.create.error {
        lines.extend(wrapped("✗ ", &g.headline, theme.error(), area.width));
        let hint = super::waiting_hint(g.hint.as_deref(), state.create_retry_left_secs());
        if let Some(h) = hint {
            lines.extend(wrapped("  ", &h, Style::new(), area.width));
        }
        lines.push(Line::from("Press Enter to try again, or e to edit."));
    } else {
        lines.push(Line::from(
            "Press Enter to create the connection, or e to edit.",
        ));
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), area);
}
