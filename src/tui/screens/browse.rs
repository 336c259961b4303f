//! Browse: the list of existing connections. Only the rows in the window are drawn, so a
//! project with thousands of connections costs the same per keystroke as one with ten.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{spinner, wrapped};
use crate::kms::Project;
use crate::sanitize::clean_short;
use crate::tui::browse::{Browse, Row, View, rows_in_body};
use crate::tui::model::State;
use crate::tui::msg::Scope;
use crate::tui::theme::Theme;

pub fn render(state: &State, theme: &Theme, frame: &mut Frame, area: Rect) {
    match state.browse.view {
        View::List => list(state, theme, frame, area),
        View::Details => super::browse_details::render(state, theme, frame, area),
        View::Rotate => super::browse_dialogs::rotate(state, theme, frame, area),
        View::Edit => super::browse_dialogs::edit(state, theme, frame, area),
        View::Delete => super::browse_dialogs::delete(state, theme, frame, area),
        View::DeleteSync => super::browse_syncs::delete(state, theme, frame, area),
        View::Result => super::browse_dialogs::result(state, theme, frame, area),
    }
}

/// Column widths for a body `width` wide: the target column takes what is left. SCOPE is a
/// column only at organization level, where rows differ (in a project every row would repeat
/// the project the header names); the name gets its room.
struct Columns {
    app: usize,
    name: usize,
    method: usize,
    target: usize,
    scope: Option<usize>,
    updated: usize,
    /// How many Secret Syncs use the connection and the worst state (`✗ 1/3 failed`).
    syncs: usize,
}

impl Columns {
    fn for_width(width: u16, with_scope: bool) -> Columns {
        let width = usize::from(width);
        // "12 min ago" and a date both fit in 10.
        let (app, method, updated, syncs) = (10, 12, 10, 13);
        let scope = with_scope.then_some(10);
        // Below 100 columns the target (also in the details, and still searched by the
        // filter) gives way to SYNCS.
        let with_target = width >= 100;
        let columns = 5 + usize::from(with_scope) + usize::from(with_target);
        let fixed = app + method + updated + syncs + scope.unwrap_or(0) + (columns - 1);
        let rest = width.saturating_sub(fixed);
        // The name is what people look for: it gets the larger share, and all of it when
        // there is no target column.
        let (name, target) = if with_target {
            let name = (rest * 3 / 5).max(12);
            (name, rest.saturating_sub(name))
        } else {
            (rest.max(12), 0)
        };
        Columns {
            app,
            name,
            method,
            target,
            scope,
            updated,
            syncs,
        }
    }

    /// The cells in column order; the target and scope cells are dropped when those columns
    /// are not shown.
    fn line(&self, [app, name, method, target, scope, updated, syncs]: [&str; 7]) -> String {
        let mut cells = vec![(app, self.app), (name, self.name), (method, self.method)];
        if self.target > 0 {
            cells.push((target, self.target));
        }
        if let Some(w) = self.scope {
            cells.push((scope, w));
        }
        cells.push((updated, self.updated));
        cells.push((syncs, self.syncs));
        cells
            .into_iter()
            .map(|(c, w)| fit(c, w))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Pads or cuts (with an ellipsis) to exactly `width` characters.
fn fit(s: &str, width: usize) -> String {
    let n = s.chars().count();
    if n <= width {
        format!("{s:<width$}")
    } else if width == 0 {
        String::new()
    } else {
        let cut: String = s.chars().take(width - 1).collect();
        format!("{cut}…")
    }
}

fn list(state: &State, theme: &Theme, frame: &mut Frame, area: Rect) {
    let b = &state.browse;
    let mut lines = vec![Line::from(summary(state, b, usize::from(area.width)))];
    let at_org = matches!(state.scope, Some(Scope::Organization));
    let cols = Columns::for_width(area.width, at_org);
    lines.push(Line::from(Span::styled(
        cols.line([
            "APP", "NAME", "METHOD", "TARGET", "SCOPE", "UPDATED", "SYNCS",
        ]),
        theme.heading(),
    )));
    if let Some(reason) = empty_reason(state, b) {
        lines.push(Line::default());
        for (i, text) in reason.into_iter().enumerate() {
            let style = if i == 0 { theme.warn() } else { Style::new() };
            lines.extend(wrapped("  ", &text, style, area.width));
        }
        frame.render_widget(Paragraph::new(lines), area);
        return;
    }
    let height = rows_in_body(area.height);
    let (scope, known) = (state.scope.as_ref(), &state.projects.items[..]);
    for (pos, &i) in b.visible.iter().enumerate().skip(b.offset).take(height) {
        let row = &b.rows[i];
        let text = cols.line(
            cells(
                row,
                scope,
                known,
                state.now.unix,
                b.syncs.cell(&row.conn.id),
            )
            .each_ref()
            .map(String::as_str),
        );
        let style = if pos == b.selected {
            theme.selected()
        } else {
            Style::new()
        };
        lines.push(Line::from(Span::styled(text, style)));
    }
    frame.render_widget(Paragraph::new(lines), area);
}

/// The row's cells: a dash where the app has no target (Northflank), how long ago it was
/// updated by the runtime's clock (the date while no clock reading has come, or for a time
/// the server wrote in another form), and the health of its syncs.
fn cells(
    row: &Row,
    scope: Option<&Scope>,
    known: &[Project],
    now_unix: u64,
    syncs: &str,
) -> [String; 7] {
    let updated = crate::apps::checks::when::ago_text(
        &row.conn.updated_at,
        i64::try_from(now_unix).unwrap_or(i64::MAX),
    )
    .unwrap_or_else(|| row.updated.chars().take(10).collect());
    [
        row.app_name.clone(),
        row.name.clone(),
        row.method.clone(),
        if row.target.is_empty() {
            "-".into()
        } else {
            row.target.clone()
        },
        row.scope(scope, known),
        updated,
        syncs.to_owned(),
    ]
}

/// One line of at most `width` columns: how many, which filters, the sort, or that it is
/// loading.
fn summary(state: &State, b: &Browse, width: usize) -> String {
    let scope = match &state.scope {
        Some(Scope::Organization) => "at organization level".to_owned(),
        Some(s) => format!("in {}", s.label()),
        None => String::new(),
    };
    if b.loading.is_some() {
        let line = format!("{} Loading the connections {scope}…", spinner(state));
        return clean_short(&line, width);
    }
    if b.error.is_some() {
        return clean_short(&format!("Connections {scope}"), width);
    }
    let noun = if b.rows.len() == 1 {
        "connection"
    } else {
        "connections"
    };
    let count = if b.visible.len() == b.rows.len() {
        format!("{} {noun} {scope}", b.rows.len())
    } else {
        format!("{} of {} {noun} {scope}", b.visible.len(), b.rows.len())
    };
    let mut filters = Vec::new();
    // What could not be read stays in view with the filters (the sort gives way first).
    if let Some(missing) = &b.shortfall {
        filters.push(missing.trim_end_matches('.').to_owned());
    }
    // Why the SYNCS column shows `?` or misses projects (the details say it in full).
    if b.syncs.error.is_some() {
        filters.push("syncs not listed (see details)".into());
    } else if b.syncs.shortfall.is_some() {
        filters.push("some projects' syncs not listed".into());
    }
    if let Some(app) = b.app_filter {
        filters.push(format!("app: {}", app.name));
    }
    if b.filtering || !b.filter.is_empty() {
        if b.filtering {
            let (before, after) = b.filter_text.split_at_cursor();
            filters.push(format!("filter: {before}▏{after}"));
        } else {
            filters.push(format!("filter: {}", b.filter));
        }
    }
    fit_summary(
        count,
        filters,
        format!("sorted by {}", b.sort.label()),
        width,
    )
}

/// Joins the summary's parts in `width` columns. What gives way first: the sort (the `s`
/// notice says it), then the count and scope (shortened), so the filter being typed stays in
/// view; a line still too long is cut with "…".
fn fit_summary(count: String, filters: Vec<String>, sort: String, width: usize) -> String {
    const SEP: &str = " · ";
    let len = |s: &str| s.chars().count();
    let filters = filters.join(SEP);
    let with = |first: &str, last: &[&str]| {
        std::iter::once(first)
            .chain(std::iter::once(filters.as_str()).filter(|f| !f.is_empty()))
            .chain(last.iter().copied())
            .collect::<Vec<_>>()
            .join(SEP)
    };
    let full = with(&count, &[&sort]);
    if len(&full) <= width {
        return full;
    }
    let unsorted = with(&count, &[]);
    if len(&unsorted) <= width {
        return unsorted;
    }
    // Room for the count: what the filters leave, if that is enough to read a number.
    let rest = if filters.is_empty() {
        0
    } else {
        len(&filters) + len(SEP)
    };
    match width.checked_sub(rest) {
        Some(room) if room >= 12 => with(&clean_short(&count, room), &[]),
        _ => clean_short(&unsorted, width),
    }
}

/// Why nothing is listed, and what to do; `None` when there are rows to show.
fn empty_reason(state: &State, b: &Browse) -> Option<Vec<String>> {
    if let Some(g) = &b.error {
        let org = matches!(state.scope, Some(Scope::Organization));
        if org && g.headline.starts_with("Permission denied") {
            return Some(vec![
                "This identity cannot read organization-level connections.".into(),
                "Press p to choose a project instead, or give the identity read access to App Connections in the organization.".into(),
            ]);
        }
        let mut v = vec![format!("✗ {}", g.headline)];
        v.extend(g.hint.clone());
        v.push("Press r to try again.".into());
        return Some(v);
    }
    if !b.loaded || !b.visible.is_empty() {
        return None;
    }
    if let (true, Some(missing)) = (b.rows.is_empty(), &b.shortfall) {
        return Some(vec![
            format!("No connection here could be read. {missing}"),
            "Press r to load the list again.".into(),
        ]);
    }
    if b.rows.is_empty() {
        return Some(vec![
            "No connections yet here.".into(),
            "Press n to create one with the wizard.".into(),
        ]);
    }
    Some(vec![
        "No connections match the filter.".into(),
        "Press Esc to clear it, or a to change the app filter.".into(),
    ])
}
