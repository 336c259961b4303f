//! Step 3: the form. One row per field (label and input), one row under it for its message.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::apps::FieldId;
use crate::tui::form::{FieldView, Form};
use crate::tui::model::State;
use crate::tui::theme::Theme;

const LABEL_WIDTH: u16 = 26;

pub fn render(state: &State, theme: &Theme, frame: &mut Frame, area: Rect) {
    let Some(form) = &state.form else { return };
    let mut intro = format!(
        "{} connection · method: {}",
        form.app.name, form.app.method_name
    );
    if let Some(u) = state.chosen_use() {
        intro.push_str(&format!(" · for {} (F3 switches)", u.use_name));
    }
    frame.render_widget(
        Paragraph::new(Span::styled(intro, theme.dim())),
        row(area, 0),
    );
    render_fields(form, theme, frame, area, 2);
}

/// Rows each field takes: label and input, then two for its message or help.
const FIELD_ROWS: u16 = 3;

/// The first field to draw so that the focused one, with the two rows under it for its help
/// or error, stays in view when only `capacity` fields fit. Pure, so the view needs no state:
/// the window follows the focus down, and starts at the top while the focus is within it.
pub fn first_visible(focus: usize, len: usize, capacity: usize) -> usize {
    let capacity = capacity.max(1);
    if len <= capacity {
        return 0;
    }
    focus.saturating_sub(capacity - 1).min(len - capacity)
}

/// The form's fields from row `y` down: label, input, and the message or help under it.
/// When not all fit, the form scrolls to keep the focused field in view, and the row above
/// the first field and the last row say that more fields are above or below.
pub fn render_fields(form: &Form, theme: &Theme, frame: &mut Frame, area: Rect, mut y: u16) {
    let len = form.fields.len();
    // The last row is kept for the "more below" marker when the fields do not all fit.
    let all_fit = usize::from(area.height.saturating_sub(y) / FIELD_ROWS) >= len;
    let capacity = if all_fit {
        len
    } else {
        usize::from(area.height.saturating_sub(y + 1) / FIELD_ROWS)
    };
    let start = first_visible(form.focus, len, capacity);
    let end = (start + capacity.max(1)).min(len);
    if start > 0 && y > 0 {
        let text = format!("  ↑ {start} more above");
        frame.render_widget(
            Paragraph::new(Span::styled(text, theme.dim())),
            row(area, y - 1),
        );
    }
    if end < len {
        let text = format!("  ↓ {} more below (Tab)", len - end);
        frame.render_widget(
            Paragraph::new(Span::styled(text, theme.dim())),
            row(area, area.height.saturating_sub(1)),
        );
    }
    for (i, &id) in form.fields.iter().enumerate().take(end).skip(start) {
        if y + 1 >= area.height {
            break;
        }
        let focused = i == form.focus;
        let marker = if focused { "▸ " } else { "  " };
        let label_style = if focused {
            Style::new().add_modifier(Modifier::BOLD)
        } else {
            theme.dim()
        };
        let label = Rect {
            width: LABEL_WIDTH.min(area.width),
            ..row(area, y)
        };
        frame.render_widget(
            Paragraph::new(Span::styled(
                format!("{marker}{}", form.app.field_label(id)),
                label_style,
            )),
            label,
        );
        let input = Rect {
            x: area.x + LABEL_WIDTH,
            width: area.width.saturating_sub(LABEL_WIDTH + 1),
            ..row(area, y)
        };
        frame.buffer_mut().set_style(input, theme.input(focused));
        frame.render_widget(
            Paragraph::new(field_line(&form.display(id), input.width, focused, theme)),
            input,
        );
        // A message may take both rows under its field.
        let note = match form.message(id) {
            Some(m) => super::wrapped("✗ ", &m, theme.error(), input.width),
            None if id == FieldId::Target && in_clear(&form.display(id).text) => {
                super::wrapped("⚠ ", PLAIN_HTTP_WARNING, theme.warn(), input.width)
            }
            None => vec![Line::from(Span::styled(help_text(form, id), theme.dim()))],
        };
        let note_area = Rect {
            x: area.x + LABEL_WIDTH,
            width: input.width,
            height: 2,
            ..row(area, y + 1)
        };
        frame.render_widget(Paragraph::new(note), note_area.intersection(area));
        y += FIELD_ROWS;
    }
}

/// Said under an instance URL that is plain http:// to another machine.
pub const PLAIN_HTTP_WARNING: &str =
    "plain http://: the secret crosses the network unencrypted; use https:// if offered.";

/// Plain http:// to a host that is not this machine.
fn in_clear(url: &str) -> bool {
    url.trim().to_ascii_lowercase().starts_with("http://")
        && crate::kms::client::sends_in_clear(url.trim())
}

/// One line of a text field, scrolled so the cursor stays visible.
pub(crate) fn field_line(
    view: &FieldView,
    width: u16,
    focused: bool,
    theme: &Theme,
) -> Line<'static> {
    let width = usize::from(width.max(1));
    if view.text.is_empty() {
        let mut spans = Vec::new();
        if focused {
            spans.push(Span::styled(" ", theme.selected()));
        }
        spans.push(Span::styled(
            view.placeholder.chars().take(width - 1).collect::<String>(),
            theme.placeholder(),
        ));
        return Line::from(spans);
    }
    let chars: Vec<char> = view.text.chars().collect();
    let offset = view.cursor.saturating_sub(width - 1);
    let shown: String = chars.iter().skip(offset).take(width).collect();
    if !focused {
        return Line::from(shown);
    }
    let at = view.cursor - offset;
    let before: String = shown.chars().take(at).collect();
    let under: String = shown
        .chars()
        .nth(at)
        .map_or_else(|| " ".to_owned(), String::from);
    let after: String = shown.chars().skip(at + 1).collect();
    Line::from(vec![
        Span::raw(before),
        Span::styled(under, theme.selected()),
        Span::raw(after),
    ])
}

fn help_text(form: &Form, id: FieldId) -> String {
    let focused = form.focused() == id;
    match id {
        FieldId::Name if focused && form.is_empty(FieldId::Name) => {
            "→ takes the suggestion · a-z, 0-9 and hyphens".into()
        }
        FieldId::Name if focused => "a-z, 0-9 and hyphens, up to 64".into(),
        FieldId::Description if focused => format!(
            "optional, up to {} characters",
            crate::apps::validate::DESCRIPTION_MAX
        ),
        FieldId::Secret if focused => "hidden as you type; paste works".into(),
        id if focused && id.is_optional_check() => crate::apps::checks::check_fields(form.app)
            .iter()
            .find(|c| c.id == id)
            .map_or("", |c| c.help)
            .into(),
        FieldId::Target if focused => match form.app.target.as_ref().map(|t| t.kind) {
            Some(crate::apps::FieldKind::Email) => {
                "the Atlassian account email that made the token".into()
            }
            _ => "the base URL, as you open it in a browser".into(),
        },
        _ => String::new(),
    }
}

fn row(area: Rect, y: u16) -> Rect {
    Rect {
        x: area.x,
        y: area.y + y.min(area.height.saturating_sub(1)),
        width: area.width,
        height: 1,
    }
}
