//! Sign-in, second screen: who to be (universal auth, or a pasted access token) and whether
//! to remember it on this machine.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::form::field_line;
use super::{spinner, wrapped};
use crate::config::AuthMethod;
use crate::tui::model::State;
use crate::tui::signin::IdField;
use crate::tui::theme::Theme;

const LABEL: usize = 16;

pub fn render(state: &State, theme: &Theme, frame: &mut Frame, area: Rect) {
    let s = &state.signin;
    let server = s.checked.as_ref().map_or("", |(url, _)| url.as_str());
    let mut lines = vec![Line::from(vec![
        Span::styled("Server ", theme.dim()),
        Span::raw(crate::sanitize::clean_short(server, 50)),
        Span::styled("  ✓ answers as a KMS", theme.ok()),
    ])];
    // Before anything secret is typed, not after it was sent.
    if s.checked
        .as_ref()
        .is_some_and(|(_, base)| crate::kms::client::sends_in_clear(base))
    {
        lines.extend(wrapped(
            "⚠ ",
            crate::kms::client::IN_CLEAR_WARNING,
            theme.warn(),
            area.width,
        ));
    }
    lines.push(Line::default());
    let room = area.width.saturating_sub(LABEL as u16 + 4);
    for &field in s.fields() {
        let focused = s.focused() == field && s.logging_in.is_none();
        let marker = if focused { "▸ " } else { "  " };
        let label_style = if focused {
            Style::new().add_modifier(Modifier::BOLD)
        } else {
            theme.dim()
        };
        let (label, value): (&str, Vec<Span<'static>>) = match field {
            IdField::Method => {
                let words = match s.method {
                    AuthMethod::UniversalAuth => "Universal Auth (client ID + secret)",
                    AuthMethod::Token => "Access token (pasted)",
                };
                (
                    "Method",
                    vec![Span::styled(
                        format!("‹ {words} ›"),
                        if focused {
                            theme.selected()
                        } else {
                            Style::new()
                        },
                    )],
                )
            }
            IdField::ClientId => (
                "Client ID",
                field_line(&s.view(field), room, focused, theme).spans,
            ),
            IdField::Secret => (
                "Client secret",
                field_line(&s.view(field), room, focused, theme).spans,
            ),
            IdField::Token => (
                "Access token",
                field_line(&s.view(field), room, focused, theme).spans,
            ),
            IdField::Remember => {
                let mark = if s.remember { "[x]" } else { "[ ]" };
                (
                    "Remember",
                    vec![Span::styled(
                        format!("{mark} remember on this machine"),
                        if focused {
                            theme.selected()
                        } else {
                            Style::new()
                        },
                    )],
                )
            }
        };
        let mut spans = vec![
            Span::styled(format!("{marker}{label:<LABEL$}"), label_style),
            Span::raw(" "),
        ];
        spans.extend(value);
        lines.push(Line::from(spans));
    }
    let keep = if !s.start.can_save {
        "Demo: nothing is written to disk.".to_owned()
    } else if s.remember {
        format!(
            "Saved as profile \"{}\", with the secret and token (a 0600 file).",
            s.start.profile
        )
    } else {
        let what = match s.method {
            AuthMethod::UniversalAuth => "server and client ID",
            AuthMethod::Token => "the server",
        };
        format!(
            "Saved as profile \"{}\": {what} only, no secret.",
            s.start.profile
        )
    };
    lines.push(Line::from(Span::styled(format!("  {keep}"), theme.dim())));
    lines.push(Line::default());
    if s.logging_in.is_some() {
        lines.push(Line::from(format!(
            "{} Signing in… (Esc cancels)",
            spinner(state)
        )));
    } else if let Some(g) = &s.error {
        lines.extend(wrapped("✗ ", &g.headline, theme.error(), area.width));
        if let Some(h) = &g.hint {
            lines.extend(wrapped("  ", h, Style::new(), area.width));
        }
    }
    if let Some(demo) = &s.start.demo {
        lines.push(Line::default());
        lines.push(Line::from(Span::styled(
            "Sandbox identities (demo):",
            theme.heading(),
        )));
        for (k, v) in &demo.rows {
            lines.push(Line::from(vec![
                Span::styled(format!("  {k:<28} "), theme.dim()),
                Span::styled(v.clone(), theme.code()),
            ]));
        }
    }
    frame.render_widget(Paragraph::new(lines), area);
}
