//! What each key does on each step, and what arriving results do. Part of the pure state
//! machine in `state.rs`: no I/O here either.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::form::Form;
use super::line_text::LineText;
use super::model::{State, cancel_running, fresh_id, load_projects};
use super::msg::{Effect, RequestId, Scope, Step};
use crate::apps::checks::Checklist;
use crate::kms::{AppConnection, Guidance, Project, error::Trouble};

pub(super) fn on_step_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    match state.step {
        Step::SignIn => super::signin::on_key(state, key),
        Step::Project => project_key(state, key),
        Step::Pick => pick_key(state, key),
        Step::Instructions => instructions_key(state, key),
        Step::Form => form_key(state, key),
        Step::Test => test_key(state, key),
        Step::Review => review_key(state, key),
        Step::Done => done_key(state, key),
        Step::Browse => super::browse::keys::on_key(state, key),
        Step::Sync(_) => super::sync::on_key(state, key),
    }
}

/// Moves a selection within `len` items for the usual list keys; true if the key was one.
fn list_move(selected: &mut usize, len: usize, code: KeyCode) -> bool {
    let last = len.saturating_sub(1);
    *selected = match code {
        KeyCode::Up | KeyCode::Char('k') => selected.saturating_sub(1),
        KeyCode::Down | KeyCode::Char('j') => (*selected + 1).min(last),
        KeyCode::Home | KeyCode::Char('g') => 0,
        KeyCode::End | KeyCode::Char('G') => last,
        _ => return false,
    };
    true
}

/// A list filter being typed: its text (what the list is matched with), the same text as
/// edited (cursor, undo, the shell keys of every text input), and the selection.
pub(super) struct Filter<'a> {
    pub text: &'a mut String,
    pub line: &'a mut LineText,
    pub filtering: &'a mut bool,
    pub selected: &'a mut usize,
}

impl Filter<'_> {
    /// A key while the filter is typed: edits it as a shell line, moves in the `len` visible
    /// items, Esc clears it. True when Enter asks to choose the selected item.
    fn key(self, len: usize, key: KeyEvent) -> bool {
        match key.code {
            KeyCode::Esc => {
                *self.filtering = false;
                self.clear();
            }
            KeyCode::Enter => {
                *self.filtering = false;
                return true;
            }
            KeyCode::Up | KeyCode::Down => {
                list_move(self.selected, len, key.code);
            }
            _ => {
                if self.line.input(key) {
                    *self.text = self.line.text();
                    *self.selected = 0;
                }
            }
        }
        false
    }

    /// Pasted text, at the cursor, without control characters.
    pub(super) fn paste(self, pasted: &str) {
        if self.line.insert(pasted) {
            *self.text = self.line.text();
            *self.selected = 0;
        }
    }

    fn clear(self) {
        self.line.clear();
        self.text.clear();
        *self.selected = 0;
    }
}

/// The project list's filter.
pub(super) fn project_filter(p: &mut super::model::ProjectList) -> Filter<'_> {
    Filter {
        text: &mut p.filter,
        line: &mut p.filter_text,
        filtering: &mut p.filtering,
        selected: &mut p.selected,
    }
}

/// The app list's filter.
pub(super) fn app_filter(a: &mut super::model::AppList) -> Filter<'_> {
    Filter {
        text: &mut a.filter,
        line: &mut a.filter_text,
        filtering: &mut a.filtering,
        selected: &mut a.selected,
    }
}

fn project_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let p = &mut state.projects;
    // The list is the visible projects plus "organization level" at the end.
    let len = p.visible().len() + 1;
    if p.filtering {
        if project_filter(p).key(len, key) {
            return choose_project(state);
        }
        return Vec::new();
    }
    if let Some(id) = p.loading.filter(|_| key.code == KeyCode::Esc) {
        // Stop waiting. With a scope already chosen, go back to step 1 with it; without one,
        // stay: organization level needs no list and is still there to choose.
        p.loading = None;
        if state.scope.is_some() {
            state.step = Step::Pick;
            state.notice = Some("Stopped loading the projects; the project is unchanged.".into());
        } else {
            p.error = Some(Guidance {
                trouble: Trouble::Server,
                headline: "Stopped loading the projects.".into(),
                hint: None,
                fields: Vec::new(),
            });
        }
        return vec![Effect::Cancel(id)];
    }
    project_list_key(state, key)
}

fn project_list_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let p = &mut state.projects;
    let len = p.visible().len() + 1;
    if list_move(&mut p.selected, len, key.code) {
        return Vec::new();
    }
    match key.code {
        KeyCode::Char('/') if p.loading.is_none() => {
            p.filtering = true;
            Vec::new()
        }
        KeyCode::Char('r') => {
            let cancel = state.projects.loading.take().map(Effect::Cancel);
            cancel.into_iter().chain([load_projects(state)]).collect()
        }
        KeyCode::Enter => choose_project(state),
        KeyCode::Esc if !p.filter.is_empty() => {
            project_filter(p).clear();
            Vec::new()
        }
        KeyCode::Esc if state.scope.is_some() && state.browse.wanted => {
            super::browse::actions::open(state)
        }
        KeyCode::Esc if state.scope.is_some() => {
            state.step = Step::Pick;
            Vec::new()
        }
        // No project chosen yet (just signed in): back to the sign-in, as Esc goes back
        // everywhere else; the identity there is kept.
        KeyCode::Esc => super::signin::open(state, Step::Project),
        _ => Vec::new(),
    }
}

fn choose_project(state: &mut State) -> Vec<Effect> {
    if state.projects.loading.is_some() {
        return Vec::new();
    }
    let scope = match state.projects.visible().get(state.projects.selected) {
        Some(p) => Scope::Project {
            id: p.id.clone(),
            name: p.name.clone(),
        },
        None => Scope::Organization,
    };
    state.projects.notice = None;
    state.notice = Some(format!("New connections go to {}.", scope.label()));
    state.scope = Some(scope);
    state.step = Step::Pick;
    let mut effects = super::signin::project_chosen(state);
    if state.browse.wanted {
        effects.extend(super::browse::actions::open(state));
    }
    effects
}

fn pick_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let apps = &mut state.apps;
    if apps.filtering {
        let len = apps.visible().len();
        if app_filter(apps).key(len, key) {
            return pick_selected(state);
        }
        return Vec::new();
    }
    let len = apps.visible().len();
    if list_move(&mut apps.selected, len, key.code) {
        return Vec::new();
    }
    match key.code {
        KeyCode::Char('/') => apps.filtering = true,
        KeyCode::Char('s') => return super::signin::open(state, Step::Pick),
        KeyCode::Enter => return pick_selected(state),
        KeyCode::Char('b') => return super::browse::actions::open(state),
        KeyCode::Esc if !apps.filter.is_empty() => app_filter(apps).clear(),
        KeyCode::Char('p') | KeyCode::Esc if state.projects.loaded => state.step = Step::Project,
        KeyCode::Char('p') => {
            // The project came from a flag or the environment: fetch the list to choose again.
            state.step = Step::Project;
            return vec![load_projects(state)];
        }
        KeyCode::Esc => {
            state.notice =
                Some("This is the first step: p changes the project, s signs in, q quits.".into())
        }
        _ => {}
    }
    Vec::new()
}

fn pick_selected(state: &mut State) -> Vec<Effect> {
    let Some(app) = state.apps.visible().get(state.apps.selected).copied() else {
        state.notice = Some("No app matches the filter: press Esc to clear it.".into());
        return Vec::new();
    };
    // Picking the same app again keeps what was typed; each app keeps its own draft for the
    // session, and an app picked for the first time starts with its own suggested name.
    if state.app.map(|a| a.slug) != Some(app.slug) {
        let taken: Vec<&str> = state
            .created_names
            .iter()
            .map(String::as_str)
            .chain(state.browse.rows.iter().map(|r| r.conn.name.as_str()))
            .collect();
        let draft = state
            .drafts
            .iter()
            .position(|f| f.app.slug == app.slug)
            .map(|i| state.drafts.swap_remove(i));
        let form = draft.unwrap_or_else(|| Form::new(app).avoiding(&taken));
        if let Some(old) = state.form.replace(form) {
            state.drafts.push(old);
        }
        state.test = Default::default();
        state.input = None;
        state.scroll = 0;
        state.scope_set = 0;
    }
    state.app = Some(app);
    state.step = Step::Instructions;
    Vec::new()
}

fn instructions_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    match key.code {
        KeyCode::Up | KeyCode::Char('k') => state.scroll = clamp_scroll(state).saturating_sub(1),
        KeyCode::Down | KeyCode::Char('j') => state.scroll = state.scroll.saturating_add(1),
        KeyCode::PageUp => state.scroll = clamp_scroll(state).saturating_sub(10),
        KeyCode::PageDown | KeyCode::Char(' ') => state.scroll = state.scroll.saturating_add(10),
        KeyCode::Home | KeyCode::Char('g') => state.scroll = 0,
        KeyCode::Char('s') => state.switch_use(),
        KeyCode::Enter | KeyCode::Right | KeyCode::Char('l') => state.step = Step::Form,
        KeyCode::Esc | KeyCode::Left | KeyCode::Char('h') => state.step = Step::Pick,
        _ => {}
    }
    state.scroll = clamp_scroll(state);
    Vec::new()
}

/// The scroll position limited to the text's length in the current window.
fn clamp_scroll(state: &State) -> u16 {
    let Some(app) = state.app else { return 0 };
    let theme = super::theme::Theme { no_color: true };
    let body =
        super::layout::body_area(ratatui::layout::Rect::new(0, 0, state.size.0, state.size.1));
    let area = super::screens::instructions::text_area(body);
    let lines =
        super::screens::instructions::lines(app, state.scope_set, state, &theme, area.width);
    state
        .scroll
        .min(super::screens::instructions::max_scroll(&lines, area))
}

fn form_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    // `s` is a letter here: F3 switches the use (Bitbucket: sync or scanning).
    if key.code == KeyCode::F(3) && state.chosen_use().is_some() {
        state.switch_use();
        if let Some(u) = state.chosen_use() {
            state.notice = Some(format!(
                "For {}: the test judges the token's scopes for this use.",
                u.use_name
            ));
        }
        return Vec::new();
    }
    let Some(form) = state.form.as_mut() else {
        state.step = Step::Pick;
        return Vec::new();
    };
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    match key.code {
        KeyCode::Esc => state.step = Step::Instructions,
        // The sandbox's values, listed on step 2, are needed here where they are typed.
        KeyCode::F(2) if state.session.demo.is_some() => state.demo_values = true,
        KeyCode::Tab | KeyCode::Down => form.next(),
        KeyCode::BackTab | KeyCode::Up => form.prev(),
        KeyCode::Char('s') if ctrl => return submit_form(state),
        KeyCode::Enter if form.is_last() => return submit_form(state),
        KeyCode::Enter => {
            form.accept_suggestion();
            form.next();
        }
        KeyCode::Right if form.accept_suggestion() => {}
        _ => form.edit(key),
    }
    Vec::new()
}

/// Validates the form; when it passes, starts the credential test.
fn submit_form(state: &mut State) -> Vec<Effect> {
    let Some(form) = state.form.as_mut() else {
        return Vec::new();
    };
    match form.submit() {
        Err(errors) => {
            state.notice = Some(match errors.len() {
                1 => "One field needs attention.".into(),
                n => format!("{n} fields need attention."),
            });
            Vec::new()
        }
        Ok(input) => {
            state.input = Some(input);
            start_test(state)
        }
    }
}

fn start_test(state: &mut State) -> Vec<Effect> {
    let Some(input) = state.input.clone() else {
        return Vec::new();
    };
    let mut inputs = state
        .form
        .as_ref()
        .map(|f| f.check_inputs())
        .unwrap_or_default();
    // Scopes are judged for the use the instructions showed (Bitbucket: sync or scanning).
    inputs.use_name = input
        .app
        .scope_sets
        .get(state.scope_set)
        .map(|s| s.use_name.to_owned());
    let mut effects: Vec<Effect> = state
        .test
        .running
        .take()
        .map(Effect::Cancel)
        .into_iter()
        .collect();
    let id = fresh_id(state);
    state.test = Default::default();
    // A new test starts a new attempt: an old create error no longer applies.
    state.create = Default::default();
    state.test.running = Some(id);
    state.step = Step::Test;
    effects.push(Effect::Test(id, input, inputs));
    effects
}

fn test_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    if let Some(id) = state.test.running {
        if key.code == KeyCode::Esc {
            state.test.running = None;
            state.step = Step::Form;
            state.notice = Some("Test cancelled. Your input is kept.".into());
            return vec![Effect::Cancel(id)];
        }
        return Vec::new();
    }
    let passed = state.test.outcome.as_ref().is_some_and(|o| o.ok);
    match key.code {
        KeyCode::Enter if passed => state.step = Step::Review,
        KeyCode::Char('a') if !passed => {
            state.test.overridden = true;
            state.step = Step::Review;
        }
        KeyCode::Char('r') => return start_test(state),
        KeyCode::Enter | KeyCode::Esc | KeyCode::Char('e') => {
            state.step = Step::Form;
            // To the field the failure points at (the URL for a refused connection, the
            // secret for a rejected token); a field the app lacks leaves the focus as it was.
            let field = state
                .test
                .outcome
                .as_ref()
                .filter(|o| !o.ok)
                .and_then(|o| o.code.field());
            if let (Some(id), Some(form)) = (field, state.form.as_mut()) {
                // A network failure points at the URL, not at an email (Bitbucket's host is
                // fixed): then the focus stays where it was.
                let url_field = form
                    .app
                    .target
                    .as_ref()
                    .is_some_and(|t| t.kind == crate::apps::FieldKind::Url);
                if id != crate::apps::FieldId::Target || url_field {
                    form.focus_on(id);
                }
            }
        }
        _ => {}
    }
    Vec::new()
}

fn review_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    if let Some(id) = state.create.running {
        if key.code == KeyCode::Esc {
            state.create.running = None;
            state.notice = Some(
                "Stopped waiting. The server may still create it: check before trying again."
                    .into(),
            );
            return vec![Effect::Cancel(id)];
        }
        return Vec::new();
    }
    match key.code {
        KeyCode::Enter | KeyCode::Char('c') => {
            let (Some(input), Some(scope)) = (state.input.clone(), state.scope.as_ref()) else {
                state.step = Step::Form;
                return Vec::new();
            };
            let project = scope.project_id().map(str::to_owned);
            let id = fresh_id(state);
            state.create = Default::default();
            state.create.running = Some(id);
            vec![Effect::Create(id, input, project)]
        }
        KeyCode::Esc | KeyCode::Char('e') => {
            state.step = Step::Form;
            Vec::new()
        }
        _ => Vec::new(),
    }
}

fn done_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    match key.code {
        KeyCode::Char('y') => {
            let Some(id) = state.created.as_ref().map(|c| c.id.clone()) else {
                return Vec::new();
            };
            // As in the browser: an ID with control characters is not what the screen shows.
            if crate::sanitize::has_controls(&id) {
                state.notice = Some(
                    "Not copied: this ID holds control characters (see kms-connect get).".into(),
                );
                return Vec::new();
            }
            state.notice = Some(format!(
                "Copied ID {} (if your terminal allows it).",
                crate::sanitize::clean_short(&id, 36)
            ));
            return vec![Effect::Copy(id)];
        }
        KeyCode::Char('s') => return super::sync::open_from_done(state),
        KeyCode::Char('b') => {
            // The new connection is on the list: it is loaded afresh.
            state.browse.scope = None;
            return super::browse::actions::open(state);
        }
        KeyCode::Char('n') => {
            state.app = None;
            state.form = None;
            state.input = None;
            state.test = Default::default();
            state.create = Default::default();
            state.created = None;
            state.apps = Default::default();
            state.step = Step::Pick;
        }
        KeyCode::Enter => {
            state.quit = true;
            return cancel_running(state);
        }
        _ => {}
    }
    Vec::new()
}

pub(super) fn projects_arrived(
    state: &mut State,
    id: RequestId,
    result: Result<Vec<Project>, Guidance>,
) -> Vec<Effect> {
    if state.projects.loading != Some(id) {
        return Vec::new();
    }
    state.projects.loading = None;
    match result {
        Ok(items) => {
            state.projects.items = items;
            state.projects.selected = 0;
            state.projects.loaded = true;
        }
        Err(g) => state.projects.error = Some(g),
    }
    if std::mem::take(&mut state.scope_check) {
        return given_project_checked(state);
    }
    Vec::new()
}

/// The project given at launch against the list that just arrived: a slug becomes its ID
/// (as `login` and the CLI resolve it), one the identity cannot see opens the project list
/// with a line saying so. When the list could not be read, the given value is kept and the
/// server judges it.
fn given_project_checked(state: &mut State) -> Vec<Effect> {
    if let (Some(Scope::Project { id: wanted, .. }), true) = (&state.scope, state.projects.loaded) {
        let found = state
            .projects
            .items
            .iter()
            .find(|p| &p.id == wanted || &p.slug == wanted);
        match found {
            Some(p) => {
                state.scope = Some(Scope::Project {
                    id: p.id.clone(),
                    name: p.name.clone(),
                });
            }
            None => {
                let wanted = crate::sanitize::clean_line(wanted);
                state.projects.notice = Some(format!(
                    "Project {wanted:?} is not among the projects this identity can see: pick one here (`kms-connect projects` lists them).",
                ));
                // Moved on meanwhile (the list was slow): no jump under the user's keys; the
                // line says where to change it.
                if state.step != Step::Pick {
                    state.notice = Some(format!(
                        "Project {wanted:?} is not among the projects this identity can see: p on step 1 chooses another."
                    ));
                    return Vec::new();
                }
                state.scope = None;
                state.step = Step::Project;
                return Vec::new();
            }
        }
    }
    // Opening the browser only from where the launch left the user.
    if state.browse.wanted && state.step == Step::Pick {
        return super::browse::actions::open(state);
    }
    Vec::new()
}

pub(super) fn test_finished(state: &mut State, id: RequestId, list: Checklist) {
    if state.test.running != Some(id) {
        return; // cancelled or superseded
    }
    state.test.running = None;
    // The last tick was at most one tick ago (ticks run while the test does).
    state.test.retry_ends = list
        .server
        .retry_after_secs
        .map(|s| state.now.elapsed + std::time::Duration::from_secs(s));
    state.test.outcome = Some(list.server);
    state.test.checks = list.extra;
}

pub(super) fn create_finished(
    state: &mut State,
    id: RequestId,
    result: Result<AppConnection, Guidance>,
    retry_after: Option<u64>,
) {
    if state.create.running != Some(id) {
        return;
    }
    state.create.running = None;
    state.create.retry_ends = state.wait_ends(retry_after);
    match result {
        Ok(conn) => {
            state.record_change("Created", &conn);
            state.created_names.push(conn.name.clone());
            state.created = Some(conn);
            state.step = Step::Done;
        }
        Err(g) => {
            // Back to the form only for what the form can fix; an unknown project stays here
            // with its hint (p on step 1 picks another).
            if g.trouble == Trouble::Input
                && !g.fields.is_empty()
                && let Some(form) = state.form.as_mut()
            {
                // Back to the form, each problem under its field, everything typed kept.
                form.set_server_errors(g.fields.clone());
                if let Some((field, _)) = g.fields.first() {
                    form.focus_on(*field);
                }
                state.step = Step::Form;
                state.notice = Some(g.headline.clone());
            }
            state.create.error = Some(g);
        }
    }
}
