//! Loading the list and the three changes (rotate, edit, delete): their keys, the requests
//! they start and what their results do.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::{ChangeResult, DeleteState, EditState, RotateState, View};
use crate::apps::FieldId;
use crate::apps::checks::Checklist;
use crate::kms::error::Trouble;
use crate::kms::{AppConnection, Changes, ConnectionList, Guidance};
use crate::tui::form::Form;
use crate::tui::model::{State, fresh_id};
use crate::tui::msg::{Effect, RequestId, Scope, Step};

/// Opens the browser; loads the list when there is none yet for this scope.
pub fn open(state: &mut State) -> Vec<Effect> {
    state.browse.wanted = false;
    if state.scope.is_none() {
        // Which connections to list depends on the project: ask first.
        state.browse.wanted = true;
        state.step = Step::Project;
        return if state.projects.loaded || state.projects.loading.is_some() {
            Vec::new()
        } else {
            vec![crate::tui::model::load_projects(state)]
        };
    }
    state.step = Step::Browse;
    if state.browse.loaded && state.browse.scope == state.scope {
        return super::syncs::refresh_if_stale(state);
    }
    load(state)
}

/// (Re)loads the list for the current scope.
pub fn load(state: &mut State) -> Vec<Effect> {
    let mut effects: Vec<Effect> = state
        .browse
        .loading
        .take()
        .map(Effect::Cancel)
        .into_iter()
        .collect();
    let id = fresh_id(state);
    let b = &mut state.browse;
    if b.scope != state.scope {
        // Another project: the old rows, drafts and selection do not apply.
        *b = super::Browse::default();
    }
    b.scope = state.scope.clone();
    b.loading = Some(id);
    b.error = None;
    let project = state
        .scope
        .as_ref()
        .and_then(Scope::project_id)
        .map(str::to_owned);
    effects.push(Effect::LoadConnections(id, project));
    effects
}

/// The list arrived; the syncs of the same scope are asked for next (one request per project).
pub fn connections_arrived(
    state: &mut State,
    id: RequestId,
    result: Result<ConnectionList, Guidance>,
) -> Vec<Effect> {
    let b = &mut state.browse;
    if b.loading != Some(id) {
        return Vec::new();
    }
    b.loading = None;
    match result {
        Ok(list) => {
            // Never dropped silently: the list view says what could not be shown.
            b.shortfall = list.shortfall();
            b.set_rows(list.rows);
            b.loaded = true;
            super::syncs::load(state)
        }
        Err(g) => {
            b.error = Some(g);
            Vec::new()
        }
    }
}

pub fn copy_id(state: &mut State) -> Vec<Effect> {
    let Some(row) = state.browse.selected_row() else {
        return Vec::new();
    };
    let id = row.conn.id.clone();
    // Only what is shown is copied: an ID holding control characters (ESC, BEL, a nested
    // OSC 52) is not the text on screen, and would end up raw in the escape sequence.
    if crate::sanitize::has_controls(&id) {
        state.notice =
            Some("Not copied: this ID holds control characters (see kms-connect get).".into());
        return Vec::new();
    }
    // One line at 80 columns: a uuid leaves room for the caveat; a longer ID is shortened on
    // screen only (the whole ID is copied).
    state.notice = Some(format!(
        "Copied ID {} (if your terminal allows it).",
        crate::sanitize::clean_short(&id, 36)
    ));
    vec![Effect::Copy(id)]
}

pub fn open_rotate(state: &mut State) -> Vec<Effect> {
    let Some(row) = state.browse.selected_row() else {
        return Vec::new();
    };
    let Some(app) = row.app else {
        state.notice = Some(format!(
            "kms-connect does not know the app {:?}; rotate it in the web UI.",
            row.conn.app
        ));
        return Vec::new();
    };
    let id = row.conn.id.clone();
    // A draft for this connection is kept from last time; another connection starts fresh.
    if state.browse.rotate.as_ref().map(|r| &r.conn_id) != Some(&id) {
        let form = Form::for_rotation(app, &row.target);
        state.browse.rotate = Some(RotateState {
            conn_id: id,
            form,
            testing: None,
            outcome: None,
            checks: Vec::new(),
            saving: None,
            error: None,
            input: None,
            return_to: View::List,
            retry_ends: None,
        });
    }
    if let Some(r) = state.browse.rotate.as_mut()
        && state.browse.view != View::Rotate
    {
        r.return_to = state.browse.view;
    }
    state.browse.view = View::Rotate;
    Vec::new()
}

pub fn rotate_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let Some(r) = state.browse.rotate.as_mut() else {
        state.browse.view = View::List;
        return Vec::new();
    };
    if let Some(id) = r.testing {
        if key.code == KeyCode::Esc {
            r.testing = None;
            state.notice = Some("Test cancelled. Your input is kept.".into());
            return vec![Effect::Cancel(id)];
        }
        return Vec::new();
    }
    if let Some(id) = r.saving {
        if key.code == KeyCode::Esc {
            r.saving = None;
            state.notice = Some(
                "Stopped waiting. The server may still apply the change: press r in the list to check."
                    .into(),
            );
            return vec![Effect::Cancel(id)];
        }
        return Vec::new();
    }
    if let Some(outcome) = &r.outcome {
        let passed = outcome.ok;
        match key.code {
            KeyCode::Enter if passed => return save_rotation(state),
            KeyCode::Char('a') if !passed => return save_rotation(state),
            KeyCode::Char('r') => return start_rotation_test(state),
            KeyCode::Enter | KeyCode::Esc | KeyCode::Char('e') => {
                r.outcome = None;
                r.checks.clear();
                r.error = None;
            }
            _ => {}
        }
        return Vec::new();
    }
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    match key.code {
        KeyCode::Esc => state.browse.view = r.return_to,
        // In --demo, the sandbox's values for this app, as on the wizard's form.
        KeyCode::F(2) if state.session.demo.is_some() => state.demo_values = true,
        KeyCode::Tab | KeyCode::Down => r.form.next(),
        KeyCode::BackTab | KeyCode::Up => r.form.prev(),
        KeyCode::Char('s') if ctrl => return submit_rotation(state),
        KeyCode::Enter if r.form.is_last() => return submit_rotation(state),
        KeyCode::Enter => r.form.next(),
        _ => r.form.edit(key),
    }
    Vec::new()
}

fn submit_rotation(state: &mut State) -> Vec<Effect> {
    let Some(r) = state.browse.rotate.as_mut() else {
        return Vec::new();
    };
    match r.form.submit() {
        Ok(input) => {
            r.input = Some(input);
            start_rotation_test(state)
        }
        Err(_) => {
            state.notice = Some("Fix the field marked ✗ first.".into());
            Vec::new()
        }
    }
}

/// The same test as the wizard's step 4, before anything is sent to the KMS.
fn start_rotation_test(state: &mut State) -> Vec<Effect> {
    let id = fresh_id(state);
    let Some(r) = state.browse.rotate.as_mut() else {
        return Vec::new();
    };
    let Some(input) = r.input.clone() else {
        return Vec::new();
    };
    r.outcome = None;
    r.checks.clear();
    r.error = None;
    r.testing = Some(id);
    let inputs = r.form.check_inputs();
    vec![Effect::Test(id, input, inputs)]
}

fn save_rotation(state: &mut State) -> Vec<Effect> {
    let id = fresh_id(state);
    let Some(r) = state.browse.rotate.as_mut() else {
        return Vec::new();
    };
    let Some(input) = r.input.clone() else {
        return Vec::new();
    };
    r.saving = Some(id);
    r.error = None;
    vec![Effect::Rotate(id, r.conn_id.clone(), input)]
}

/// A test result for the rotation dialog; false if it was not ours.
pub fn tested(state: &mut State, id: RequestId, list: &Checklist) -> bool {
    let Some(r) = state.browse.rotate.as_mut() else {
        return false;
    };
    if r.testing != Some(id) {
        return false;
    }
    r.testing = None;
    r.outcome = Some(list.server.clone());
    r.checks = list.extra.clone();
    true
}

pub fn open_edit(state: &mut State) -> Vec<Effect> {
    let Some(row) = state.browse.selected_row() else {
        return Vec::new();
    };
    let Some(app) = row.app else {
        return Vec::new();
    };
    let id = row.conn.id.clone();
    if state.browse.edit.as_ref().map(|e| &e.conn_id) != Some(&id) {
        let description = row.conn.description.clone().unwrap_or_default();
        let form = Form::for_details(app, &row.name, &crate::sanitize::clean_line(&description));
        state.browse.edit = Some(EditState {
            conn_id: id,
            form,
            saving: None,
            error: None,
            retry_ends: None,
        });
    }
    state.browse.view = View::Edit;
    Vec::new()
}

pub fn edit_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let Some(e) = state.browse.edit.as_mut() else {
        state.browse.view = View::List;
        return Vec::new();
    };
    if let Some(id) = e.saving {
        if key.code == KeyCode::Esc {
            e.saving = None;
            state.notice = Some("Stopped waiting. The server may still apply the change.".into());
            return vec![Effect::Cancel(id)];
        }
        return Vec::new();
    }
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    match key.code {
        KeyCode::Esc => state.browse.view = View::Details,
        KeyCode::Tab | KeyCode::Down => e.form.next(),
        KeyCode::BackTab | KeyCode::Up => e.form.prev(),
        KeyCode::Char('s') if ctrl => return save_edit(state),
        KeyCode::Enter if e.form.is_last() => return save_edit(state),
        KeyCode::Enter => e.form.next(),
        _ => e.form.edit(key),
    }
    Vec::new()
}

fn save_edit(state: &mut State) -> Vec<Effect> {
    let id = fresh_id(state);
    let b = &mut state.browse;
    let Some(e) = b.edit.as_mut() else {
        return Vec::new();
    };
    let (name, description) = match e.form.submit_details() {
        Ok(v) => v,
        Err(_) => {
            state.notice = Some("Fix the field marked ✗ first.".into());
            return Vec::new();
        }
    };
    let Some(row) = b.rows.iter().find(|r| r.conn.id == e.conn_id) else {
        return Vec::new();
    };
    let Some(app) = row.app else {
        return Vec::new();
    };
    // Send only what changed: an unchanged name must not collide with itself on old servers.
    let changes = Changes {
        name: (name != row.conn.name).then_some(name),
        description: (description != row.conn.description).then_some(description),
    };
    if changes.is_empty() {
        state.notice = Some("Nothing changed.".into());
        return Vec::new();
    }
    e.saving = Some(id);
    e.error = None;
    vec![Effect::UpdateDetails(id, app, e.conn_id.clone(), changes)]
}

pub fn open_delete(state: &mut State) -> Vec<Effect> {
    let Some(row) = state.browse.selected_row() else {
        return Vec::new();
    };
    if row.app.is_none() {
        return Vec::new();
    }
    let id = row.conn.id.clone();
    let name = row.conn.name.clone();
    let used_by = super::syncs::names_using(state, &id);
    match state.browse.delete.as_mut() {
        // Reopening the same connection keeps what was typed, but the name to type is always
        // the current one: the connection may have been renamed or refreshed since.
        Some(d) if d.conn_id == id => {
            if d.name != name {
                d.typed.clear();
            }
            d.name = name;
            d.used_by = used_by;
        }
        _ => {
            state.browse.delete = Some(DeleteState {
                conn_id: id,
                name,
                typed: Default::default(),
                running: None,
                error: None,
                used_by,
            });
        }
    }
    state.browse.view = View::Delete;
    Vec::new()
}

pub fn delete_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let Some(d) = state.browse.delete.as_mut() else {
        state.browse.view = View::List;
        return Vec::new();
    };
    if let Some(id) = d.running {
        if key.code == KeyCode::Esc {
            d.running = None;
            state.notice = Some("Stopped waiting. The server may still delete it.".into());
            return vec![Effect::Cancel(id)];
        }
        return Vec::new();
    }
    match key.code {
        KeyCode::Esc => state.browse.view = View::Details,
        KeyCode::Enter if d.typed.matches(&d.name) => return start_delete(state),
        KeyCode::Enter => state.notice = Some(d.typed.refusal("connection's", &d.name)),
        _ => d.typed.input(key),
    }
    Vec::new()
}

fn start_delete(state: &mut State) -> Vec<Effect> {
    let request = fresh_id(state);
    let b = &mut state.browse;
    let Some(d) = b.delete.as_mut() else {
        return Vec::new();
    };
    let Some(app) = b
        .rows
        .iter()
        .find(|r| r.conn.id == d.conn_id)
        .and_then(|r| r.app)
    else {
        return Vec::new();
    };
    d.running = Some(request);
    d.error = None;
    vec![Effect::Delete(request, app, d.conn_id.clone())]
}

/// A rotation or an edit came back.
/// `retry_after`: the seconds a 429 asked to wait, counted down under the error.
pub fn changed(
    state: &mut State,
    id: RequestId,
    result: Result<AppConnection, Guidance>,
    retry_after: Option<u64>,
) {
    let retry_ends = state.wait_ends(retry_after);
    let b = &mut state.browse;
    if b.rotate.as_ref().is_some_and(|r| r.saving == Some(id)) {
        match result {
            Ok(conn) => {
                let previous = b
                    .row_by_id(&conn.id)
                    .map(|row| row.conn.credentials_hash.clone());
                b.rotate = None;
                b.replace(conn.clone());
                state.record_change("Rotated the credentials of the", &conn);
                let b = &mut state.browse;
                b.result = Some(ChangeResult {
                    headline: format!(
                        "✓ Credentials of {} rotated.",
                        crate::sanitize::clean_line(&conn.name)
                    ),
                    conn,
                    previous_hash: previous,
                });
                b.view = View::Result;
            }
            Err(g) => {
                if let Some(r) = b.rotate.as_mut() {
                    r.saving = None;
                    if g.trouble == Trouble::Input {
                        r.form.set_server_errors(g.fields.clone());
                        r.outcome = None;
                    }
                    r.error = Some(g);
                    r.retry_ends = retry_ends;
                }
            }
        }
        return;
    }
    if let Some(e) = b.edit.as_mut().filter(|e| e.saving == Some(id)) {
        e.saving = None;
        match result {
            Ok(conn) => {
                b.edit = None;
                let before = b
                    .row_by_id(&conn.id)
                    .filter(|r| r.conn.name != conn.name)
                    .map(|r| r.conn.name.clone());
                b.replace(conn.clone());
                state.record_change("Saved the details of the", &conn);
                // The summary on quit says what the connection was called before.
                if let (Some(old), Some(line)) = (before, state.changes.last_mut()) {
                    line.push_str(&format!(
                        ", renamed from {}",
                        crate::sanitize::clean_line(&old)
                    ));
                }
                let b = &mut state.browse;
                b.result = Some(ChangeResult {
                    headline: format!(
                        "✓ Details of {} saved.",
                        crate::sanitize::clean_line(&conn.name)
                    ),
                    conn,
                    previous_hash: None,
                });
                b.view = View::Result;
            }
            Err(g) => {
                if g.trouble == Trouble::Input {
                    // A taken name goes under the Name field, the rest of the form kept.
                    e.form.set_server_errors(g.fields.clone());
                    if let Some((field, _)) = g.fields.first() {
                        e.form.focus_on(*field);
                    } else {
                        e.form.focus_on(FieldId::Name);
                    }
                }
                e.error = Some(g);
                e.retry_ends = retry_ends;
            }
        }
    }
}

pub fn deleted(state: &mut State, id: RequestId, result: Result<AppConnection, Guidance>) {
    let b = &mut state.browse;
    let Some(d) = b.delete.as_mut().filter(|d| d.running == Some(id)) else {
        return;
    };
    d.running = None;
    match result {
        Ok(conn) => {
            let conn_id = d.conn_id.clone();
            b.delete = None;
            b.remove(&conn_id);
            b.view = View::List;
            state.record_change("Deleted the", &conn);
            state.notice = Some(format!(
                "Deleted {}.",
                crate::sanitize::clean_line(&conn.name)
            ));
        }
        Err(mut g) => {
            // The dialog lists the syncs: the server's "does not say which ones" would
            // contradict the list right above it.
            if !d.used_by.is_empty() && g.headline.contains("still in use") {
                g.hint = Some(IN_USE_HINT.into());
            }
            d.error = Some(g);
        }
    }
}

/// What to do when the server refuses to delete a connection whose syncs the dialog lists.
pub const IN_USE_HINT: &str =
    "Delete the Secret Syncs listed above first: x on each in the connection's details.";
