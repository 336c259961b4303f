//! Sync step 5: the exact body, what the first sync will do at the destination, then the
//! create and the watch of the first run (elapsed time, stuck, the decoded failure).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::{spinner, wrapped};
use crate::kms::syncs::{Health, STUCK_HINT, SyncStatus};
use crate::sanitize::{clean_line, clean_short};
use crate::tui::model::State;
use crate::tui::sync::SyncFlow;
use crate::tui::theme::Theme;

pub fn render(state: &State, f: &SyncFlow, theme: &Theme, frame: &mut Frame, area: Rect) {
    let w = area.width;
    let mut lines = Vec::new();
    if f.run.created.is_some() {
        watch(f, theme, w, &mut lines);
    } else {
        review(state, f, theme, w, &mut lines);
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), area);
}

fn review(state: &State, f: &SyncFlow, theme: &Theme, w: u16, lines: &mut Vec<Line<'static>>) {
    lines.push(Line::from(Span::styled(
        format!("POST /api/v1/secret-syncs/{}", f.dest.slug()),
        theme.heading(),
    )));
    match f.draft().body() {
        Ok(body) => {
            // The exact body, compact so it fits, with a space after each `,` and `:` so it
            // wraps between values, not inside a key; cleaned like any text drawn.
            let text = clean_line(&spaced(&body.to_string()));
            lines.extend(wrapped("", &text, theme.code(), w));
        }
        Err(issues) => {
            for i in issues.iter().take(3) {
                lines.extend(wrapped("✗ ", &i.to_string(), theme.error(), w));
            }
        }
    }
    lines.push(Line::default());
    lines.push(Line::from(Span::styled(
        "At the destination",
        theme.heading(),
    )));
    let schema = f.key_schema();
    lines.extend(wrapped(
        "",
        &f.dest.first_sync_effect(
            f.options.initial,
            schema.as_deref(),
            f.options.keep_destination,
        ),
        Style::new(),
        w,
    ));
    match &f.destination.checks {
        _ if f.destination.checking.is_some() => lines.push(Line::from(format!(
            "{} Reading the destination's variables again for the new key schema…",
            spinner(state)
        ))),
        Some(c) if !f.options.keep_destination && !c.matching.is_empty() => {
            let names: Vec<String> = c.matching.iter().map(|k| clean_short(k, 40)).collect();
            let shown = names.iter().take(6).cloned().collect::<Vec<_>>().join(", ");
            let more = names.len().saturating_sub(6);
            let more = if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            };
            lines.extend(wrapped(
                "⚠ ",
                &format!(
                    "{} existing variable(s) match and may be deleted unless KMS has them: {shown}{more}.",
                    names.len()
                ),
                theme.warn(),
                w,
            ));
        }
        Some(c) if c.existing.is_some() => lines.extend(wrapped(
            "✓ ",
            "No existing variable at the destination matches: nothing there will be deleted.",
            theme.ok(),
            w,
        )),
        _ => lines.extend(wrapped(
            "  ",
            "The destination's variables were not read (not checked), so kms-connect cannot list what may be deleted.",
            theme.dim(),
            w,
        )),
    }
    lines.push(Line::default());
    if f.run.creating.is_some() {
        lines.push(Line::from(format!("{} Creating the sync…", spinner(state))));
    } else if let Some(g) = &f.run.error {
        lines.extend(wrapped("✗ ", &clean_line(&g.headline), theme.error(), w));
        if let Some(h) = &g.hint {
            lines.extend(wrapped("  ", &clean_line(h), theme.dim(), w));
        }
        lines.push(Line::from("Enter tries again; e goes back to change it."));
    } else {
        lines.push(Line::from(
            "Press Enter to create the sync, e or Esc to change it.",
        ));
    }
}

fn watch(f: &SyncFlow, theme: &Theme, w: u16, lines: &mut Vec<Line<'static>>) {
    let Some(s) = &f.run.created else { return };
    lines.push(Line::from(Span::styled(
        format!(
            "✓ Created {} sync {}.",
            f.dest.name(),
            clean_short(&s.name, 60)
        ),
        theme.ok(),
    )));
    lines.push(Line::from(Span::styled(
        format!("  ID {}", clean_short(&s.id, 40)),
        theme.dim(),
    )));
    lines.push(Line::default());
    let secs = f.run.elapsed.as_secs();
    let status = s.sync_status;
    match s.health(0) {
        Health::Ok { .. } => {
            lines.push(Line::from(Span::styled(
                format!("✓ The first sync succeeded after {secs} s."),
                theme.ok(),
            )));
        }
        Health::Failed { message } => {
            lines.push(Line::from(Span::styled(
                format!("✗ The first sync failed after {secs} s."),
                theme.error(),
            )));
            if let Some(m) = message {
                let text = match &m.secret_key {
                    Some(k) => format!("secret {}: {}", clean_short(k, 40), m.text),
                    None => m.text.clone(),
                };
                lines.extend(wrapped("  ", &clean_short(&text, 400), Style::new(), w));
                if let Some(p) = &m.points_at {
                    lines.extend(wrapped(
                        "→ ",
                        &format!("{}: {}", clean_line(&p.what), clean_line(&p.hint)),
                        theme.warn(),
                        w,
                    ));
                }
            }
        }
        _ if status.is_none() && !s.is_auto_sync_enabled => {
            lines.push(Line::from(
                "Auto-sync is off: the sync runs when triggered (kms-connect sync run).",
            ));
        }
        _ => {
            let word = status.unwrap_or(SyncStatus::Pending).as_str();
            let mark = if f.run.polling.is_some() { "…" } else { "·" };
            lines.push(Line::from(format!("{mark} {word} · {secs} s")));
            lines.extend(wrapped(
                "  ",
                "pending → running → succeeded or failed; a failing sync stays running through its retries.",
                theme.dim(),
                w,
            ));
            if f.run.stuck() {
                lines.extend(wrapped(
                    "⚠ ",
                    &format!("Stuck: still {word} after {} min. {STUCK_HINT}", secs / 60),
                    theme.warn(),
                    w,
                ));
            }
        }
    }
    if let Some(g) = &f.run.poll_error {
        lines.extend(wrapped("✗ ", &clean_line(&g.headline), theme.error(), w));
    }
    lines.push(Line::default());
    lines.push(Line::from(if f.run.polling.is_some() {
        "Esc stops watching (the sync goes on at the server)."
    } else if f.run.done() {
        "Press Enter to finish."
    } else {
        "w watches again; Enter finishes (the sync goes on at the server)."
    }));
}

/// Compact JSON with a space after every `,` and `:` that is not inside a string.
fn spaced(compact: &str) -> String {
    let mut out = String::with_capacity(compact.len() + compact.len() / 8);
    let (mut in_string, mut escaped) = (false, false);
    for c in compact.chars() {
        out.push(c);
        if in_string {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
        } else if c == '"' {
            in_string = true;
        } else if c == ',' || c == ':' {
            out.push(' ');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn spaces_go_between_values_never_into_strings() {
        let body = serde_json::json!({"a": "x,y:z\"q", "b": [1, 2], "c": {"d": null}});
        let text = super::spaced(&body.to_string());
        assert_eq!(text, r#"{"a": "x,y:z\"q", "b": [1, 2], "c": {"d": null}}"#);
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, body);
    }
}
