//! The browser's dialogs: rotate credentials, edit details, delete, and the result of a change.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::{field_row, spinner, wrapped};
use crate::kms::Guidance;
use crate::sanitize::clean_line;
use crate::tui::model::State;
use crate::tui::theme::Theme;

pub fn rotate(state: &State, theme: &Theme, frame: &mut Frame, area: Rect) {
    let Some(r) = &state.browse.rotate else {
        return;
    };
    let name = state
        .browse
        .row_by_id(&r.conn_id)
        .map_or_else(String::new, |row| row.name.clone());
    let mut lines = vec![
        Line::from(Span::styled(
            format!("Rotate the credentials of {name} ({})", r.form.app.name),
            theme.heading(),
        )),
        Line::from(Span::styled(
            "Enter the new secret: it is tested first, then saved with the rest.",
            theme.dim(),
        )),
        Line::default(),
    ];
    let editing = r.testing.is_none() && r.saving.is_none() && r.outcome.is_none();
    if editing && r.error.is_none() {
        frame.render_widget(Paragraph::new(lines), area);
        super::form::render_fields(&r.form, theme, frame, area, 3);
        return;
    }
    if editing {
        // A server error: the form to fix, and the error under it.
        let form_rows = 3 * r.form.fields.len() as u16;
        frame.render_widget(Paragraph::new(lines), area);
        super::form::render_fields(&r.form, theme, frame, area, 3);
        let below = Rect {
            y: area.y + 3 + form_rows,
            height: area.height.saturating_sub(3 + form_rows),
            ..area
        };
        if let Some(g) = &r.error {
            let left = state.rotate_retry_left_secs();
            frame.render_widget(Paragraph::new(guidance(g, left, theme, area.width)), below);
        }
        return;
    }
    // Testing, tested or saving: what is being sent in one line, the results below it.
    let summary: Vec<String> = r
        .form
        .fields
        .iter()
        .map(|&id| (id, r.form.display(id).text))
        .filter(|(_, text)| !text.is_empty())
        .map(|(id, text)| format!("{} {text}", r.form.app.field_label(id)))
        .collect();
    lines.extend(wrapped("  ", &summary.join(" · "), theme.dim(), area.width));
    lines.push(Line::default());
    if r.testing.is_some() {
        lines.push(Line::from(format!(
            "{} Testing the new {}… (Esc cancels)",
            spinner(state),
            r.form.app.secret_noun()
        )));
    } else if r.saving.is_some() {
        lines.push(Line::from(format!(
            "{} Saving; the KMS server checks the credentials too… (Esc stops waiting)",
            spinner(state)
        )));
    } else if let Some(o) = &r.outcome {
        lines.extend(super::test::server_line(o, theme, area.width));
        lines.extend(super::test::checklist(&r.checks, theme, area.width));
        if let Some(g) = &r.error {
            lines.extend(guidance(
                g,
                state.rotate_retry_left_secs(),
                theme,
                area.width,
            ));
        }
        lines.push(Line::default());
        lines.push(Line::from(if o.ok {
            "Press Enter to save the new credentials, or e to edit."
        } else {
            "Press Enter to fix, r to test again, or a to save anyway."
        }));
    }
    frame.render_widget(Paragraph::new(lines), area);
}

pub fn edit(state: &State, theme: &Theme, frame: &mut Frame, area: Rect) {
    let Some(e) = &state.browse.edit else { return };
    frame.render_widget(
        Paragraph::new(vec![
            Line::from(Span::styled(
                "Edit the name and description",
                theme.heading(),
            )),
            Line::from(Span::styled(
                "The credentials stay as they are.",
                theme.dim(),
            )),
        ]),
        Rect { height: 2, ..area },
    );
    super::form::render_fields(&e.form, theme, frame, area, 3);
    let below = Rect {
        y: area.y + 9,
        height: area.height.saturating_sub(9),
        ..area
    };
    let lines = if e.saving.is_some() {
        vec![Line::from(format!("{} Saving…", spinner(state)))]
    } else if let Some(g) = &e.error {
        guidance(g, state.edit_retry_left_secs(), theme, area.width)
    } else {
        Vec::new()
    };
    frame.render_widget(Paragraph::new(lines), below);
}

pub fn delete(state: &State, theme: &Theme, frame: &mut Frame, area: Rect) {
    let Some(d) = &state.browse.delete else {
        return;
    };
    let name = clean_line(&d.name);
    let mut lines = vec![
        Line::from(Span::styled(
            format!("Delete the connection {name}?"),
            theme.heading(),
        )),
        Line::default(),
        Line::from("This cannot be undone."),
    ];
    lines.extend(super::browse_syncs::used_by(&d.used_by, theme, area.width));
    lines.extend(typed_name(state, theme, &d.name, &d.typed, d.running));
    if let (None, Some(g)) = (d.running, &d.error) {
        lines.extend(guidance(g, None, theme, area.width));
    }
    // Long names wrap rather than hide the end of the instruction.
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), area);
}

/// The end of a delete dialog: what to type, the name as typed (green once it matches), and
/// the progress while the delete runs.
pub(super) fn typed_name<'a>(
    state: &State,
    theme: &Theme,
    name: &str,
    typed: &crate::tui::browse::typed_name::TypedName,
    running: Option<crate::tui::msg::RequestId>,
) -> Vec<Line<'a>> {
    let typed_style = if typed.matches(name) {
        theme.ok()
    } else {
        Style::new()
    };
    let mut lines = vec![
        Line::from(format!(
            "Type its name ({}) and press Enter to delete it.",
            clean_line(name)
        )),
        Line::default(),
        Line::from(vec![
            Span::styled("  Name: ", theme.dim()),
            Span::styled(clean_line(typed.as_str()), typed_style),
            Span::styled(" ", theme.selected()),
        ]),
        Line::default(),
    ];
    if running.is_some() {
        lines.push(Line::from(format!("{} Deleting…", spinner(state))));
    }
    lines
}

pub fn result(state: &State, theme: &Theme, frame: &mut Frame, area: Rect) {
    let Some(r) = &state.browse.result else {
        return;
    };
    let c = &r.conn;
    let w = 16;
    let mut lines = vec![
        Line::from(Span::styled(r.headline.clone(), theme.ok())),
        Line::default(),
        field_row("ID", clean_line(&c.id), w, area.width, theme),
        field_row("Name", clean_line(&c.name), w, area.width, theme),
        field_row("Updated", clean_line(&c.updated_at), w, area.width, theme),
    ];
    if let Some(before) = &r.previous_hash {
        lines.push(field_row("Hash before", "", w, area.width, theme));
        lines.push(Line::from(Span::styled(
            format!("    {}", clean_line(before)),
            theme.dim(),
        )));
        lines.push(field_row("credentialsHash", "", w, area.width, theme));
        lines.push(Line::from(format!(
            "    {}",
            clean_line(&c.credentials_hash)
        )));
        if *before == c.credentials_hash {
            lines.push(Line::from(Span::styled(
                "  The hash did not change: the server may not have stored new credentials.",
                theme.warn(),
            )));
        }
    }
    lines.push(Line::default());
    lines.push(Line::from("Press Enter to go back to the list."));
    frame.render_widget(Paragraph::new(lines), area);
}

/// `left`: the seconds left of the server's Retry-After, if it named one.
fn guidance(g: &Guidance, left: Option<u64>, theme: &Theme, width: u16) -> Vec<Line<'static>> {
    let mut lines = wrapped("✗ ", &g.headline, theme.error(), width);
    if let Some(h) = super::waiting_hint(g.hint.as_deref(), left) {
        lines.extend(wrapped("  ", &h, Style::new(), width));
    }
    lines
}
