//! Browse connections: the list (filtered, sorted, only the visible rows drawn), the details of
//! one, and the dialogs that act on it (rotate credentials, edit details, delete). Part of the
//! pure state machine: keys and results come in, effects go out.

pub mod actions;
pub mod hints;
pub mod keys;
pub mod syncs;
pub mod typed_name;

use crate::apps::{AppSpec, CATALOG, TestOutcome};
use crate::kms::{AppConnection, Guidance, Project};
use crate::sanitize::clean_line;

use super::form::Form;
use super::msg::{RequestId, Scope};

/// What the browser shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum View {
    #[default]
    List,
    Details,
    Rotate,
    Edit,
    Delete,
    /// Deleting one Secret Sync of the connection shown in the details.
    DeleteSync,
    /// What the last change did (the new credentialsHash after a rotation).
    Result,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortBy {
    #[default]
    Name,
    App,
    /// Most recently updated first.
    Updated,
}

impl SortBy {
    pub fn next(self) -> SortBy {
        match self {
            SortBy::Name => SortBy::App,
            SortBy::App => SortBy::Updated,
            SortBy::Updated => SortBy::Name,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            SortBy::Name => "name",
            SortBy::App => "app",
            SortBy::Updated => "last updated",
        }
    }
}

/// One connection with what the list shows and searches, computed once when it arrives.
#[derive(Debug, Clone)]
pub struct Row {
    pub conn: AppConnection,
    pub app: Option<&'static AppSpec>,
    /// App name, or the server's slug for an app this version does not know.
    pub app_name: String,
    pub name: String,
    pub method: String,
    /// The non-secret credential: instance URL or email (empty for Northflank).
    pub target: String,
    /// `YYYY-MM-DD HH:MM` of the last update.
    pub updated: String,
    /// Lower-case name, for sorting without allocating.
    name_lower: String,
    /// Lower-case name, app, URL and email, for the filter.
    haystack: String,
}

impl Row {
    pub fn new(conn: AppConnection) -> Row {
        let app = AppSpec::by_slug(&conn.app);
        let target = app
            .and_then(|a| {
                a.target
                    .as_ref()
                    .and_then(|t| conn.credentials.get(t.key))
                    .and_then(|v| v.as_str())
            })
            .map(clean_line)
            .unwrap_or_default();
        let app_name = app.map_or_else(|| clean_line(&conn.app), |a| a.name.to_owned());
        let name = clean_line(&conn.name);
        let haystack = format!("{name}\n{app_name}\n{}\n{target}", conn.app).to_lowercase();
        Row {
            name_lower: name.to_lowercase(),
            app,
            app_name,
            method: clean_line(&conn.method),
            updated: short_time(&conn.updated_at),
            name,
            target,
            haystack,
            conn,
        }
    }

    pub fn matches(&self, filter_lower: &str) -> bool {
        filter_lower.is_empty() || self.haystack.contains(filter_lower)
    }

    /// "organization" or the project's name when we know it: from the current scope, the
    /// `project` object newer servers add, or the project list already loaded.
    pub fn scope(&self, current: Option<&Scope>, known: &[Project]) -> String {
        match (self.conn.project_id.as_deref(), current) {
            (None, _) => "organization".into(),
            (Some(p), Some(s)) if s.project_id() == Some(p) => s.label(),
            (Some(p), _) => self
                .conn
                .project_name
                .as_deref()
                .or_else(|| known.iter().find(|k| k.id == p).map(|k| k.name.as_str()))
                .map_or_else(|| format!("project {}", clean_line(p)), clean_line),
        }
    }
}

/// `2025-11-02T09:00:00.000Z` → `2025-11-02 09:00`; anything else is shown cleaned as is.
fn short_time(iso: &str) -> String {
    let clean = clean_line(iso);
    match (clean.get(..10), clean.get(11..16)) {
        (Some(day), Some(time)) if clean.as_bytes().get(10) == Some(&b'T') => {
            format!("{day} {time}")
        }
        _ => clean,
    }
}

/// Rotating one connection's credentials: the form, then the test, then the PATCH.
#[derive(Debug, Clone)]
pub struct RotateState {
    pub conn_id: String,
    pub form: Form,
    pub testing: Option<RequestId>,
    pub outcome: Option<TestOutcome>,
    /// The checks after the server's own (who, expiry, permissions).
    pub checks: Vec<crate::apps::checks::CheckLine>,
    pub saving: Option<RequestId>,
    pub error: Option<Guidance>,
    /// The validated input being tested and saved.
    pub input: Option<crate::apps::ConnectionInput>,
    /// Where rotate was started (the list or the details): Esc goes back there.
    pub return_to: View,
    /// When the KMS server's Retry-After on the error ends (on the clock of `Now::elapsed`).
    pub retry_ends: Option<std::time::Duration>,
}

/// Editing one connection's name and description.
#[derive(Debug, Clone)]
pub struct EditState {
    pub conn_id: String,
    pub form: Form,
    pub saving: Option<RequestId>,
    pub error: Option<Guidance>,
    /// When the KMS server's Retry-After on the error ends (on the clock of `Now::elapsed`).
    pub retry_ends: Option<std::time::Duration>,
}

/// Deleting one connection: the user types its name to confirm.
#[derive(Debug, Clone)]
pub struct DeleteState {
    pub conn_id: String,
    pub name: String,
    pub typed: typed_name::TypedName,
    pub running: Option<RequestId>,
    pub error: Option<Guidance>,
    /// The Secret Syncs known to use it: the server refuses to delete it while any exist.
    pub used_by: Vec<String>,
}

/// What a finished change reports.
#[derive(Debug, Clone)]
pub struct ChangeResult {
    pub headline: String,
    pub conn: AppConnection,
    /// The hash before a rotation, to show that it changed.
    pub previous_hash: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Browse {
    pub view: View,
    pub loading: Option<RequestId>,
    pub error: Option<Guidance>,
    pub loaded: bool,
    /// Every connection, in the order the server sent them.
    pub rows: Vec<Row>,
    /// Indices into `rows` in the current sort order (sorting moves indices, not rows).
    order: Vec<usize>,
    /// Indices into `rows` that pass the filters, in sort order.
    pub visible: Vec<usize>,
    /// Index into `visible`.
    pub selected: usize,
    /// First visible row drawn (kept so the list scrolls instead of jumping).
    pub offset: usize,
    /// How far the details page is scrolled (long values wrap onto more rows).
    pub details_scroll: u16,
    pub filter: String,
    /// The filter as it is edited (cursor, undo); `filter` follows its text.
    pub filter_text: crate::tui::line_text::LineText,
    /// The text and app filters `visible` was computed with (a longer text with the same
    /// app only narrows it).
    applied_filter: Option<(String, Option<&'static str>)>,
    pub filtering: bool,
    pub app_filter: Option<&'static AppSpec>,
    pub sort: SortBy,
    /// Drafts survive Esc: going back never throws typed data away.
    pub rotate: Option<RotateState>,
    pub edit: Option<EditState>,
    pub delete: Option<DeleteState>,
    pub result: Option<ChangeResult>,
    /// The scope the list was loaded for (a new scope means a new list).
    pub scope: Option<Scope>,
    /// `browse` was asked for before the scope was known: open it once it is.
    pub wanted: bool,
    /// What the last list could not show ("3 entries could not be read."), if anything.
    pub shortfall: Option<String>,
    /// The Secret Syncs of the scope, for the SYNCS column and the details.
    pub syncs: syncs::BrowseSyncs,
}

impl Browse {
    /// True when keys go to a text field (the filter, a dialog's fields).
    pub fn text_focus(&self) -> bool {
        match self.view {
            View::List => self.filtering,
            View::Rotate => self
                .rotate
                .as_ref()
                .is_some_and(|r| r.testing.is_none() && r.outcome.is_none() && r.saving.is_none()),
            View::Edit => self.edit.as_ref().is_some_and(|e| e.saving.is_none()),
            View::Delete => self.delete.as_ref().is_some_and(|d| d.running.is_none()),
            View::DeleteSync => self
                .syncs
                .delete
                .as_ref()
                .is_some_and(|d| d.running.is_none()),
            View::Details | View::Result => false,
        }
    }

    /// Replaces the list with what the server sent, keeping the selection on the same
    /// connection when it is still there.
    pub fn set_rows(&mut self, conns: Vec<AppConnection>) {
        let keep = self.selected_row().map(|r| r.conn.id.clone());
        self.rows = conns.into_iter().map(Row::new).collect();
        self.sort_rows();
        self.refilter();
        if let Some(id) = keep {
            self.select_id(&id);
        }
    }

    pub fn selected_row(&self) -> Option<&Row> {
        self.visible
            .get(self.selected)
            .and_then(|&i| self.rows.get(i))
    }

    pub fn row_by_id(&self, id: &str) -> Option<&Row> {
        self.rows.iter().find(|r| r.conn.id == id)
    }

    fn select_id(&mut self, id: &str) {
        if let Some(pos) = self
            .visible
            .iter()
            .position(|&i| self.rows[i].conn.id == id)
        {
            self.selected = pos;
        }
    }

    /// Recomputes which rows pass the text and app filters. Linear in the rows and nothing
    /// else: no request, no sorting.
    pub fn refilter(&mut self) {
        let f = self.filter.to_lowercase();
        let app = self.app_filter.map(|a| a.slug);
        // Typing one more character only narrows the list: search what is visible now.
        let narrowing = self
            .applied_filter
            .as_ref()
            .is_some_and(|(old, old_app)| *old_app == app && f.starts_with(old.as_str()));
        let candidates = if narrowing {
            std::mem::take(&mut self.visible)
        } else {
            self.order.clone()
        };
        self.applied_filter = Some((f.clone(), app));
        self.visible = candidates
            .into_iter()
            .filter(|&i| {
                let r = &self.rows[i];
                app.is_none_or(|slug| r.conn.app == slug) && r.matches(&f)
            })
            .collect();
        self.selected = self.selected.min(self.visible.len().saturating_sub(1));
        self.offset = self.offset.min(self.selected);
    }

    pub fn sort_rows(&mut self) {
        self.applied_filter = None;
        let rows = &self.rows;
        self.order = (0..rows.len()).collect();
        let by_name = |a: &Row, b: &Row| a.name_lower.cmp(&b.name_lower);
        match self.sort {
            SortBy::Name => self.order.sort_by(|&a, &b| by_name(&rows[a], &rows[b])),
            SortBy::App => self.order.sort_by(|&a, &b| {
                let (a, b) = (&rows[a], &rows[b]);
                a.app_name.cmp(&b.app_name).then_with(|| by_name(a, b))
            }),
            SortBy::Updated => self.order.sort_by(|&a, &b| {
                let (a, b) = (&rows[a], &rows[b]);
                b.conn
                    .updated_at
                    .cmp(&a.conn.updated_at)
                    .then_with(|| by_name(a, b))
            }),
        }
    }

    /// Next app filter: none, then each app in catalog order.
    pub fn cycle_app_filter(&mut self) {
        self.applied_filter = None;
        self.app_filter = match self.app_filter {
            None => CATALOG.first().copied(),
            Some(a) => CATALOG
                .iter()
                .position(|c| c.slug == a.slug)
                .and_then(|i| CATALOG.get(i + 1).copied()),
        };
        self.selected = 0;
        self.offset = 0;
        self.refilter();
    }

    pub fn cycle_sort(&mut self) {
        let keep = self.selected_row().map(|r| r.conn.id.clone());
        self.sort = self.sort.next();
        self.sort_rows();
        self.refilter();
        if let Some(id) = keep {
            self.select_id(&id);
        }
    }

    /// Keeps the selection inside a window of `height` rows starting at `offset`.
    pub fn scroll_into_view(&mut self, height: usize) {
        let height = height.max(1);
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + height {
            self.offset = self.selected + 1 - height;
        }
    }

    /// Puts a changed connection in place of the old one.
    pub fn replace(&mut self, conn: AppConnection) {
        let id = conn.id.clone();
        if let Some(row) = self.rows.iter_mut().find(|r| r.conn.id == conn.id) {
            *row = Row::new(conn);
        }
        // A new name or time may move it: re-sort, and keep it selected.
        self.sort_rows();
        self.refilter();
        self.select_id(&id);
    }

    pub fn remove(&mut self, id: &str) {
        self.rows.retain(|r| r.conn.id != id);
        self.sort_rows();
        self.refilter();
    }

    pub fn is_busy(&self) -> bool {
        self.loading.is_some()
            || self
                .rotate
                .as_ref()
                .is_some_and(|r| r.testing.is_some() || r.saving.is_some())
            || self.edit.as_ref().is_some_and(|e| e.saving.is_some())
            || self.delete.as_ref().is_some_and(|d| d.running.is_some())
            || self
                .syncs
                .delete
                .as_ref()
                .is_some_and(|d| d.running.is_some())
    }

    /// Every request in flight (to cancel on quit).
    pub fn running(&mut self) -> Vec<RequestId> {
        let mut ids: Vec<RequestId> = self.loading.take().into_iter().collect();
        if let Some(r) = self.rotate.as_mut() {
            ids.extend(r.testing.take());
            ids.extend(r.saving.take());
        }
        if let Some(e) = self.edit.as_mut() {
            ids.extend(e.saving.take());
        }
        if let Some(d) = self.delete.as_mut() {
            ids.extend(d.running.take());
        }
        ids.extend(self.syncs.running());
        ids
    }
}

/// Rows of connections that fit in the body: the summary and the column heading take two.
pub fn rows_in_body(body_height: u16) -> usize {
    usize::from(body_height.saturating_sub(2))
}

/// Rows of connections that fit in a window `window_height` lines tall.
pub fn list_height(window_height: u16) -> usize {
    let body = super::layout::body_area(ratatui::layout::Rect::new(0, 0, 80, window_height));
    rows_in_body(body.height)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn conn(name: &str, app: &str, updated: &str) -> AppConnection {
        let mut c = AppConnection {
            id: format!("id-{name}"),
            name: name.into(),
            app: app.into(),
            method: "api-token".into(),
            updated_at: updated.into(),
            ..Default::default()
        };
        if app == "bitbucket" {
            c.credentials
                .insert("email".into(), json!("Dev@Example.com"));
        }
        c
    }

    fn browse() -> Browse {
        let mut b = Browse::default();
        b.set_rows(vec![
            conn("zeta", "northflank", "2025-01-01T00:00:00.000Z"),
            conn("alpha", "bitbucket", "2025-03-01T00:00:00.000Z"),
            conn("mid", "teamcity", "2025-02-01T00:00:00.000Z"),
        ]);
        b
    }

    fn names(b: &Browse) -> Vec<&str> {
        b.visible.iter().map(|&i| b.rows[i].name.as_str()).collect()
    }

    #[test]
    fn filter_matches_name_app_and_email_case_insensitively() {
        let mut b = browse();
        b.filter = "dev@example".into();
        b.refilter();
        assert_eq!(names(&b), ["alpha"]);
        b.filter = "TeamCity".into();
        b.refilter();
        assert_eq!(names(&b), ["mid"]);
    }

    #[test]
    fn sort_cycles_and_keeps_the_selection() {
        let mut b = browse();
        assert_eq!(names(&b), ["alpha", "mid", "zeta"]);
        b.selected = 2; // zeta
        b.cycle_sort(); // app: Bitbucket, Northflank, TeamCity
        assert_eq!(names(&b), ["alpha", "zeta", "mid"]);
        assert_eq!(b.selected_row().unwrap().name, "zeta");
        b.cycle_sort(); // updated, newest first
        assert_eq!(names(&b), ["alpha", "mid", "zeta"]);
    }

    #[test]
    fn app_filter_cycles_through_the_catalog_and_back_to_all() {
        let mut b = browse();
        let mut seen = Vec::new();
        for _ in 0..=CATALOG.len() {
            b.cycle_app_filter();
            seen.push(names(&b).len());
        }
        assert_eq!(seen, [1, 0, 1, 1, 3]);
    }

    #[test]
    fn the_window_follows_the_selection() {
        let mut b = Browse {
            selected: 30,
            ..Default::default()
        };
        b.scroll_into_view(10);
        assert_eq!(b.offset, 21);
        b.selected = 5;
        b.scroll_into_view(10);
        assert_eq!(b.offset, 5);
    }

    #[test]
    fn times_are_shortened() {
        assert_eq!(short_time("2025-11-02T09:00:00.000Z"), "2025-11-02 09:00");
        assert_eq!(short_time("yesterday"), "yesterday");
    }
}
