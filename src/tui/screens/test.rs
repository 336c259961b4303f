//! Step 4: the credential test: a spinner, then one clear line and what to do.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::{spinner, wrapped};
use crate::apps::TestOutcome;
use crate::apps::checks::{CheckLine, Status};
use crate::tui::model::State;
use crate::tui::theme::Theme;
use ratatui::style::Style;

pub fn render(state: &State, theme: &Theme, frame: &mut Frame, area: Rect) {
    let Some(input) = &state.input else { return };
    let app = input.app;
    let mut lines = vec![
        Line::from(format!(
            "kms-connect makes the same request the KMS server will make when it saves the {} connection.",
            app.name
        )),
        Line::default(),
    ];
    if state.test.running.is_some() {
        let target = input.target.clone().unwrap_or_else(|| app.name.to_owned());
        lines.push(Line::from(format!(
            "{} Testing the {} against {}…",
            spinner(state),
            app.secret_noun(),
            target
        )));
        lines.push(Line::from(Span::styled(
            "  Esc cancels and takes you back to the form.",
            theme.dim(),
        )));
    } else if let Some(o) = &state.test.outcome {
        lines.extend(server_line(&counted_down(state, o), theme, area.width));
        if state.test.checks.is_empty() {
            lines.push(Line::default());
        }
        lines.extend(checklist(&state.test.checks, theme, area.width));
        // No URL when no request was made (the CA file could not be read, say).
        if !o.url.is_empty() {
            lines.push(Line::from(Span::styled(
                format!("  Checked: GET {}", o.url),
                theme.dim(),
            )));
        }
        lines.push(Line::default());
        if o.ok {
            lines.push(Line::from(
                "Press Enter to review and create the connection.",
            ));
        } else {
            lines.push(Line::from(
                "Press Enter to fix the form, r to test again, or a to create anyway",
            ));
            lines.push(Line::from(Span::styled(
                "(the KMS server checks again from its own network, which may differ from yours).",
                theme.dim(),
            )));
        }
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), area);
}

/// The outcome with its Retry-After counted down from the ticks, instead of the seconds the
/// provider first named.
fn counted_down(state: &State, o: &TestOutcome) -> TestOutcome {
    let mut o = o.clone();
    match state.retry_left_secs() {
        Some(0) => o.hint = Some("The wait is over: r tests again (your input is kept).".into()),
        Some(n) => {
            o.hint = Some(format!(
                "Try again in {n} s (the provider's Retry-After); r tests again, your input is kept."
            ))
        }
        None => {}
    }
    o
}

/// The server's own check: ✓ or ✗, its sentence, and what to do.
pub fn server_line(o: &TestOutcome, theme: &Theme, width: u16) -> Vec<Line<'static>> {
    let (mark, style) = if o.ok {
        ("✓ ", theme.ok())
    } else {
        ("✗ ", theme.error())
    };
    let mut lines = wrapped(mark, &o.message, style, width);
    if let Some(h) = &o.hint {
        lines.extend(wrapped("  ", h, Style::new(), width));
    }
    lines
}

/// The lines after the server's check: a mark, one sentence, and any hint (a ✓ line's says
/// what else to know).
pub fn checklist(checks: &[CheckLine], theme: &Theme, width: u16) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    for c in checks {
        let style = match c.status {
            Status::Ok => theme.ok(),
            Status::Warn => theme.warn(),
            Status::Fail => theme.error(),
            Status::Unknown => theme.dim(),
        };
        lines.extend(wrapped(
            &format!("{} ", c.status.mark()),
            &c.message,
            style,
            width,
        ));
        if let Some(h) = &c.hint {
            lines.extend(wrapped("  ", h, theme.dim(), width));
        }
    }
    lines
}
