//! The wizard as a pure state machine: `update(&mut State, Msg) -> Vec<Effect>`. No I/O, no
//! clock, no spawning: keys and worker results come in as messages, requests go out as effects.
//! This root update dispatches: each step's keys to `flow`, the browser's to `browse`, the
//! sign-in's to `signin`.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::model::{State, cancel_running};
use super::msg::{Effect, Msg, RequestId, Step};
use crate::apps::checks::Checklist;

/// The one entry point: apply a message, return what the worker should do.
pub fn update(state: &mut State, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Key(key) if key.kind == KeyEventKind::Release => Vec::new(),
        Msg::Key(key) => on_key(state, key),
        Msg::Paste(text) => {
            on_paste(state, &text);
            Vec::new()
        }
        Msg::Resize(w, h) => {
            state.size = (w, h);
            Vec::new()
        }
        Msg::Tick(now) => {
            state.spinner = state.spinner.wrapping_add(1);
            state.tick(now);
            Vec::new()
        }
        Msg::Projects(id, result) => super::flow::projects_arrived(state, id, result),
        Msg::Tested(id, outcome) => {
            on_checked(state, id, Checklist::server_only(outcome));
            Vec::new()
        }
        Msg::Checked(id, list) => {
            on_checked(state, id, list);
            Vec::new()
        }
        Msg::Connections(id, result) => {
            super::browse::actions::connections_arrived(state, id, result)
        }
        Msg::Changed(id, result) => {
            super::browse::actions::changed(state, id, result, None);
            Vec::new()
        }
        Msg::Deleted(id, result) => {
            super::browse::actions::deleted(state, id, result);
            Vec::new()
        }
        Msg::Created(id, result) => {
            super::flow::create_finished(state, id, result, None);
            Vec::new()
        }
        Msg::RetryAfter(secs, inner) => {
            match *inner {
                Msg::Created(id, result) => {
                    super::flow::create_finished(state, id, result, Some(secs));
                }
                Msg::Changed(id, result) => {
                    super::browse::actions::changed(state, id, result, Some(secs));
                }
                other => return update(state, other),
            }
            Vec::new()
        }
        Msg::SignIn(reply) => super::signin::on_reply(state, reply),
        Msg::Sync(reply) => super::sync::on_reply(state, *reply),
        Msg::BrowseSyncs(id, now, reply) => super::browse::syncs::arrived(state, id, now, *reply),
    }
}

/// A test result goes to the rotation dialog that asked for it, or to the wizard's step 4.
fn on_checked(state: &mut State, id: RequestId, list: Checklist) {
    if !super::browse::actions::tested(state, id, &list) {
        super::flow::test_finished(state, id, list);
    }
}

fn on_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    if ctrl && key.code == KeyCode::Char('c') {
        // As in a shell: interrupted, exit status 130.
        state.quit = true;
        state.interrupted = true;
        return cancel_running(state);
    }
    if state.confirm_quit {
        // The question asked on `q`: q or y quits, any other key stays (and does nothing).
        state.confirm_quit = false;
        state.notice = None;
        if matches!(key.code, KeyCode::Char('q' | 'y')) && !ctrl {
            state.quit = true;
            return cancel_running(state);
        }
        return Vec::new();
    }
    use super::browse::View;
    let command_keys_only = match state.step {
        Step::Pick
        | Step::Project
        | Step::Instructions
        | Step::Test
        | Step::Review
        | Step::Done
        | Step::Sync(_) => true,
        Step::Browse => matches!(state.browse.view, View::List | View::Details),
        // The sign-in and the form have chords of their own (Ctrl-S).
        Step::SignIn | Step::Form => false,
    };
    let chord = key
        .modifiers
        .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
    // The sync flow's own chords: type the credential again (Ctrl-T), back to the lists (Ctrl-P).
    let screen_chord =
        matches!(state.step, Step::Sync(_)) && ctrl && matches!(key.code, KeyCode::Char('t' | 'p'));
    if chord && command_keys_only && !state.text_focus() && !screen_chord {
        // A chord on a screen of command keys is not its letter: Ctrl-S on step 1 must not
        // open the sign-in as `s` does, nor Alt-B browse. (Chords are for the text fields.)
        return Vec::new();
    }
    if state.too_small() {
        // The user cannot see the screen: no key may create, delete or move on unseen.
        return Vec::new();
    }
    if state.help || state.demo_values {
        // Any key closes help (or the demo values); it never acts on the screen behind it.
        state.help = false;
        state.demo_values = false;
        return Vec::new();
    }
    if key.code == KeyCode::F(1) || (key.code == KeyCode::Char('?') && !state.text_focus()) {
        state.help = true;
        return Vec::new();
    }
    if key.code == KeyCode::Char('q') && !ctrl && !state.text_focus() {
        if state.has_unsaved_work() {
            state.confirm_quit = true;
            state.notice =
                Some("Quit and lose what you typed? y or q quits, any other key stays.".into());
            return Vec::new();
        }
        state.quit = true;
        return cancel_running(state);
    }
    state.notice = None;
    super::flow::on_step_key(state, key)
}

fn on_paste(state: &mut State, text: &str) {
    if state.help || state.demo_values || state.too_small() {
        return;
    }
    match state.step {
        Step::Form => {
            if let Some(form) = state.form.as_mut() {
                form.paste(text);
            }
        }
        Step::SignIn => super::signin::on_paste(state, text),
        Step::Project if state.projects.filtering => {
            super::flow::project_filter(&mut state.projects).paste(text)
        }
        Step::Pick if state.apps.filtering => super::flow::app_filter(&mut state.apps).paste(text),
        Step::Browse => super::browse::keys::on_paste(state, text),
        Step::Sync(_) => super::sync::on_paste(state, text),
        _ => {}
    }
}
