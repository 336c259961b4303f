//! One file per screen; each draws the body of its step from the state.

pub mod browse;
pub mod browse_details;
pub mod browse_dialogs;
pub mod browse_syncs;
pub mod demo_values;
pub mod done;
pub mod form;
pub mod help;
pub mod instructions;
pub mod pick;
pub mod project;
pub mod review;
pub mod signin_identity;
pub mod signin_server;
pub mod sync_destination;
pub mod sync_details;
pub mod sync_options;
pub mod sync_review;
pub mod sync_source;
pub mod test;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};

use super::model::State;
use super::msg::Step;
use super::theme::Theme;

pub fn render_body(state: &State, theme: &Theme, frame: &mut Frame, area: Rect) {
    match state.step {
        Step::SignIn => match state.signin.stage {
            crate::tui::signin::Stage::Server => signin_server::render(state, theme, frame, area),
            crate::tui::signin::Stage::Identity => {
                signin_identity::render(state, theme, frame, area)
            }
        },
        Step::Project => project::render(state, theme, frame, area),
        Step::Pick => pick::render(state, theme, frame, area),
        Step::Instructions => instructions::render(state, theme, frame, area),
        Step::Form => form::render(state, theme, frame, area),
        Step::Test => test::render(state, theme, frame, area),
        Step::Review => review::render(state, theme, frame, area),
        Step::Done => done::render(state, theme, frame, area),
        Step::Browse => browse::render(state, theme, frame, area),
        Step::Sync(s) => {
            let Some(f) = state.sync.as_ref() else { return };
            match s {
                crate::tui::msg::SyncStep::Source => {
                    sync_source::render(state, f, theme, frame, area)
                }
                crate::tui::msg::SyncStep::Destination => {
                    sync_destination::render(state, f, theme, frame, area)
                }
                crate::tui::msg::SyncStep::Options => sync_options::render(f, theme, frame, area),
                crate::tui::msg::SyncStep::Details => sync_details::render(f, theme, frame, area),
                crate::tui::msg::SyncStep::Review => {
                    sync_review::render(state, f, theme, frame, area)
                }
            }
        }
    }
}

/// Braille spinner frames; advanced by `Msg::Tick` only while a request runs.
pub fn spinner(state: &State) -> &'static str {
    const FRAMES: [&str; 8] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧"];
    FRAMES[state.spinner % FRAMES.len()]
}

/// A message wrapped to `width` with a hanging indent under its first characters, e.g.
/// `✗ ` or two spaces.
/// The hint of a KMS refusal with its Retry-After counted down from the ticks, instead of the
/// seconds the server first named; `left`: seconds left, `None` when there is no wait.
pub fn waiting_hint(hint: Option<&str>, left: Option<u64>) -> Option<String> {
    match left {
        Some(0) => Some("The wait is over: try again now; nothing was lost.".into()),
        Some(n) => Some(format!(
            "Try again in {n} s (the KMS server's Retry-After); nothing was lost."
        )),
        None => hint.map(str::to_owned),
    }
}

pub fn wrapped(prefix: &str, text: &str, style: Style, width: u16) -> Vec<Line<'static>> {
    super::markdown::wrap(
        Span::styled(prefix.to_owned(), style),
        vec![Span::styled(text.to_owned(), style)],
        usize::from(width),
    )
}

/// A `label  value` row with the label padded to `width`, the whole value shown: a long one
/// wraps onto more rows, each indented to the value's column (at a space where there is one
/// within reach, else mid-word, as a URL has none).
pub fn field_rows(
    label: &str,
    value: impl Into<String>,
    width: usize,
    room: u16,
    theme: &Theme,
) -> Vec<Line<'static>> {
    let max = usize::from(room).saturating_sub(width + 3).max(8);
    let value = crate::sanitize::clean_line(&value.into());
    let mut rest: Vec<char> = value.chars().collect();
    let mut lines = Vec::new();
    loop {
        let take = if rest.len() <= max {
            rest.len()
        } else {
            // Break after the last space in reach, unless that leaves most of the row empty.
            match rest[..max].iter().rposition(|c| *c == ' ') {
                Some(i) if i >= max / 2 => i + 1,
                _ => max,
            }
        };
        let chunk: String = rest.drain(..take).collect();
        let head = if lines.is_empty() {
            format!("  {label:<width$} ")
        } else {
            " ".repeat(width + 3)
        };
        lines.push(Line::from(vec![
            Span::styled(head, theme.dim()),
            Span::raw(chunk.trim_end().to_owned()),
        ]));
        if rest.is_empty() {
            return lines;
        }
    }
}

/// A `label  value` row with the label padded to `width`.
/// The value is cut with an ellipsis to fit in `room` columns, so a long URL or description
/// never pushes the rest of the screen out of view.
pub fn field_row(
    label: &str,
    value: impl Into<String>,
    width: usize,
    room: u16,
    theme: &Theme,
) -> Line<'static> {
    let max = usize::from(room).saturating_sub(width + 3).max(8);
    Line::from(vec![
        Span::styled(format!("  {label:<width$} "), theme.dim()),
        Span::raw(crate::sanitize::clean_short(&value.into(), max)),
    ])
}

/// A one-line text input of the sync flow: `> label  text▏` when focused, the text cleaned.
pub fn line_input(
    label: &str,
    text: &crate::tui::line_text::LineText,
    focused: bool,
    width: usize,
    theme: &Theme,
) -> Line<'static> {
    let (before, after) = text.shown_at_cursor();
    let value = if focused {
        format!("{before}▏{after}")
    } else {
        format!("{before}{after}")
    };
    Line::from(vec![
        Span::styled(
            format!("{}{label:<width$} ", if focused { "> " } else { "  " }),
            if focused {
                theme.selected()
            } else {
                theme.dim()
            },
        ),
        Span::styled(crate::sanitize::clean_line(&value), theme.input(focused)),
    ])
}

/// Rows `[start, start + room)` of a list of `len` with `selected` in view.
pub fn window(len: usize, selected: usize, room: usize) -> std::ops::Range<usize> {
    let room = room.max(1);
    let start = selected
        .saturating_sub(room - 1)
        .min(len.saturating_sub(room));
    start..(start + room).min(len)
}
