//! What each key does in the browser, per view.

use crossterm::event::{KeyCode, KeyEvent};

use super::actions;
use super::{View, list_height};
use crate::tui::model::State;
use crate::tui::msg::{Effect, Step};

pub fn on_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    match state.browse.view {
        View::List => list_key(state, key),
        View::Details => details_key(state, key),
        View::Rotate => actions::rotate_key(state, key),
        View::Edit => actions::edit_key(state, key),
        View::Delete => actions::delete_key(state, key),
        View::DeleteSync => super::syncs::delete_key(state, key),
        View::Result => {
            if matches!(key.code, KeyCode::Enter | KeyCode::Esc | KeyCode::Char(' ')) {
                state.browse.view = View::List;
            }
            Vec::new()
        }
    }
}

/// True when keys go to a text field in the browser.
pub fn text_focus(state: &State) -> bool {
    state.browse.text_focus()
}

pub fn on_paste(state: &mut State, text: &str) {
    let focus = text_focus(state);
    let clean: String = text.chars().filter(|c| !c.is_control()).collect();
    let b = &mut state.browse;
    match b.view {
        View::List if focus => {
            b.filter_text.insert(&clean);
            b.filter = b.filter_text.text();
            b.selected = 0;
            b.offset = 0;
            b.refilter();
        }
        View::Rotate if focus => {
            if let Some(r) = b.rotate.as_mut() {
                r.form.paste(text);
            }
        }
        View::Edit if focus => {
            if let Some(e) = b.edit.as_mut() {
                e.form.paste(text);
            }
        }
        View::Delete if focus => {
            if let Some(d) = b.delete.as_mut() {
                d.typed.paste(&clean);
            }
        }
        View::DeleteSync if focus => {
            if let Some(d) = b.syncs.delete.as_mut() {
                d.typed.paste(&clean);
            }
        }
        _ => {}
    }
}

fn list_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let height = list_height(state.size.1);
    let b = &mut state.browse;
    if b.filtering {
        match key.code {
            KeyCode::Esc => {
                b.filtering = false;
                b.filter.clear();
                b.filter_text.clear();
                b.refilter();
            }
            KeyCode::Enter => b.filtering = false,
            KeyCode::Up | KeyCode::Down => {
                move_selection(b, key.code, height);
            }
            // Edited like a shell line, as every text field is (`line_text`).
            _ => {
                if b.filter_text.input(key) {
                    b.filter = b.filter_text.text();
                    b.selected = 0;
                    b.offset = 0;
                    b.refilter();
                }
            }
        }
        return Vec::new();
    }
    if move_selection(b, key.code, height) {
        return Vec::new();
    }
    match key.code {
        KeyCode::Char('/') => b.filtering = true,
        KeyCode::Char('a') => b.cycle_app_filter(),
        KeyCode::Char('s') => {
            b.cycle_sort();
            b.scroll_into_view(height);
            state.notice = Some(format!("Sorted by {}.", b.sort.label()));
        }
        KeyCode::Char('r') => return actions::load(state),
        KeyCode::Enter | KeyCode::Right | KeyCode::Char('l') if b.selected_row().is_some() => {
            b.view = View::Details;
            b.details_scroll = 0;
        }
        KeyCode::Esc if !b.filter.is_empty() || b.app_filter.is_some() => {
            b.filter.clear();
            b.filter_text.clear();
            b.app_filter = None;
            b.refilter();
        }
        KeyCode::Char('n') | KeyCode::Esc => return leave_to_wizard(state),
        KeyCode::Char('p') => {
            // Choose another project, then come back here.
            b.wanted = true;
            state.step = Step::Project;
            if !state.projects.loaded {
                return vec![crate::tui::model::load_projects(state)];
            }
        }
        _ => return selected_action(state, key),
    }
    Vec::new()
}

fn details_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    if let Some(effects) = super::syncs::details_key(state, key) {
        return effects;
    }
    match key.code {
        KeyCode::Esc | KeyCode::Left | KeyCode::Char('h') => {
            state.browse.view = View::List;
            Vec::new()
        }
        KeyCode::Up | KeyCode::Char('k') | KeyCode::Down | KeyCode::Char('j') => {
            let height = list_height(state.size.1);
            move_selection(&mut state.browse, key.code, height);
            state.browse.details_scroll = 0;
            Vec::new()
        }
        // The page scrolls when long values do not fit (the view stops at the end).
        KeyCode::PageDown | KeyCode::Char(' ') => {
            let b = &mut state.browse;
            b.details_scroll = b.details_scroll.saturating_add(10).min(40);
            Vec::new()
        }
        KeyCode::PageUp => {
            let b = &mut state.browse;
            b.details_scroll = b.details_scroll.saturating_sub(10);
            Vec::new()
        }
        _ => selected_action(state, key),
    }
}

/// Keys that act on the selected connection, from the list or its details.
fn selected_action(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    match key.code {
        KeyCode::Char('c') => actions::open_rotate(state),
        KeyCode::Char('e') => actions::open_edit(state),
        KeyCode::Char('d') => actions::open_delete(state),
        KeyCode::Char('y') => actions::copy_id(state),
        KeyCode::Char('S') => match state.browse.selected_row().map(|r| r.conn.clone()) {
            Some(conn) => crate::tui::sync::open_from_browse(state, &conn),
            None => Vec::new(),
        },
        _ => Vec::new(),
    }
}

/// Back to step 1. A list still loading is cancelled: its late answer must not arrive in a
/// browser nobody is looking at (`b` loads it again).
fn leave_to_wizard(state: &mut State) -> Vec<Effect> {
    state.step = Step::Pick;
    state.notice = Some("New connection: pick an app (b comes back to the list).".into());
    state
        .browse
        .loading
        .take()
        .map(Effect::Cancel)
        .into_iter()
        .collect()
}

/// The usual list keys; true if the key was one.
fn move_selection(b: &mut super::Browse, code: KeyCode, height: usize) -> bool {
    let last = b.visible.len().saturating_sub(1);
    let page = height.max(1);
    b.selected = match code {
        KeyCode::Up | KeyCode::Char('k') => b.selected.saturating_sub(1),
        KeyCode::Down | KeyCode::Char('j') => (b.selected + 1).min(last),
        KeyCode::PageUp => b.selected.saturating_sub(page),
        KeyCode::PageDown => (b.selected + page).min(last),
        KeyCode::Home | KeyCode::Char('g') => 0,
        KeyCode::End | KeyCode::Char('G') => last,
        _ => return false,
    };
    b.scroll_into_view(height);
    true
}
