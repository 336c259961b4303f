//! What keys and worker answers do to the sign-in. Pure: effects go out, nothing is done here.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use secrecy::SecretString;

use super::{IdField, LoggedIn, Reply, Request, Stage, text};
use crate::config::AuthMethod;
use crate::kms::auth::Credentials;
use crate::kms::client::api_base;
use crate::kms::error::{Guidance, Trouble};
use crate::tui::model::{ProjectList, State, fresh_id, load_projects};
use crate::tui::msg::{Effect, Scope, Step};

/// Opens the sign-in from the wizard (Esc on the server list comes back to `from`).
pub fn open(state: &mut State, from: Step) -> Vec<Effect> {
    let s = &mut state.signin;
    s.stage = Stage::Server;
    s.error = None;
    s.return_to = Some(from);
    state.step = Step::SignIn;
    Vec::new()
}

fn input_problem(headline: impl Into<String>) -> Guidance {
    Guidance {
        trouble: Trouble::Input,
        headline: headline.into(),
        hint: None,
        fields: Vec::new(),
    }
}

pub fn on_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    match state.signin.stage {
        Stage::Server => server_key(state, key),
        Stage::Identity => identity_key(state, key),
    }
}

pub fn on_paste(state: &mut State, pasted: &str) {
    let s = &mut state.signin;
    let one_line: String = pasted.chars().filter(|c| !c.is_control()).collect();
    let target = match s.stage {
        // A URL pasted on the list is a server of one's own.
        Stage::Server => {
            s.selected = s.servers.len();
            &mut s.custom
        }
        Stage::Identity => match s.focused() {
            IdField::ClientId => &mut s.client_id,
            IdField::Secret => &mut s.secret,
            IdField::Token => &mut s.token,
            _ => return,
        },
    };
    target.insert_str(one_line.trim());
    s.error = None;
}

fn server_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let s = &mut state.signin;
    if let Some(id) = s.probing {
        if key.code == KeyCode::Esc {
            s.probing = None;
            state.notice = Some("Check cancelled.".into());
            return vec![Effect::Cancel(id)];
        }
        return Vec::new();
    }
    let last = s.servers.len();
    match key.code {
        KeyCode::Up => s.selected = s.selected.saturating_sub(1),
        KeyCode::Down | KeyCode::Tab => s.selected = (s.selected + 1).min(last),
        KeyCode::Char('k') if !s.on_custom() => s.selected = s.selected.saturating_sub(1),
        KeyCode::Char('j') if !s.on_custom() => s.selected = (s.selected + 1).min(last),
        KeyCode::Home | KeyCode::Char('g') if !s.on_custom() => s.selected = 0,
        KeyCode::End | KeyCode::Char('G') if !s.on_custom() => s.selected = last,
        KeyCode::Enter => return check_server(state),
        KeyCode::Esc => match s.return_to {
            Some(step) => state.step = step,
            None => {
                state.notice =
                    Some("Choose a server to sign in to, or press Ctrl-C to quit.".into())
            }
        },
        _ if s.on_custom() && crate::tui::line_text::edit(&mut s.custom, key) => s.error = None,
        _ => {}
    }
    Vec::new()
}

fn check_server(state: &mut State) -> Vec<Effect> {
    let url = state.signin.server_url();
    if url.is_empty() {
        state.signin.error = Some(input_problem(
            "Type the server's address, e.g. https://kms.example.com.",
        ));
        return Vec::new();
    }
    let base = match api_base(&url) {
        Ok(b) => b,
        Err(e) => {
            state.signin.error = Some(input_problem(e));
            return Vec::new();
        }
    };
    let id = fresh_id(state);
    let s = &mut state.signin;
    s.error = None;
    s.probing = Some(id);
    s.checked = Some((url, base.clone()));
    vec![Effect::SignIn(Request::Probe(id, base))]
}

fn identity_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let s = &mut state.signin;
    if let Some(id) = s.logging_in {
        if key.code == KeyCode::Esc {
            s.logging_in = None;
            state.notice = Some("Sign-in cancelled. What you typed is kept.".into());
            return vec![Effect::Cancel(id)];
        }
        return Vec::new();
    }
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    let count = s.fields().len();
    let field = s.focused();
    match key.code {
        KeyCode::Char('s') if ctrl => return log_in(state),
        KeyCode::Esc => {
            s.stage = Stage::Server;
            s.error = None;
        }
        KeyCode::Tab | KeyCode::Down => s.focus = (s.focus + 1) % count,
        KeyCode::BackTab | KeyCode::Up => s.focus = (s.focus + count - 1) % count,
        KeyCode::Enter if s.focus + 1 == count => return log_in(state),
        KeyCode::Enter => s.focus += 1,
        KeyCode::Left | KeyCode::Right | KeyCode::Char(' ') if field == IdField::Method => {
            s.method = match s.method {
                AuthMethod::UniversalAuth => AuthMethod::Token,
                AuthMethod::Token => AuthMethod::UniversalAuth,
            };
            s.error = None;
        }
        KeyCode::Char(' ') if field == IdField::Remember => s.remember = !s.remember,
        _ => {
            let target = match field {
                IdField::ClientId => &mut s.client_id,
                IdField::Secret => &mut s.secret,
                IdField::Token => &mut s.token,
                IdField::Method | IdField::Remember => return Vec::new(),
            };
            if crate::tui::line_text::edit(target, key) {
                s.error = None;
            }
        }
    }
    Vec::new()
}

/// Checks the fields are filled, then asks the worker to log in.
fn log_in(state: &mut State) -> Vec<Effect> {
    let s = &mut state.signin;
    let Some((server, base)) = s.checked.clone() else {
        s.stage = Stage::Server;
        return Vec::new();
    };
    let missing = |field, what: &str| (field, format!("Type the {what}."));
    let problem = match s.method {
        AuthMethod::UniversalAuth if text(&s.client_id).trim().is_empty() => {
            Some(missing(IdField::ClientId, "client ID"))
        }
        AuthMethod::UniversalAuth if text(&s.secret).trim().is_empty() => {
            Some(missing(IdField::Secret, "client secret"))
        }
        AuthMethod::Token if text(&s.token).trim().is_empty() => {
            Some((IdField::Token, "Paste the access token.".to_owned()))
        }
        _ => None,
    };
    if let Some((field, message)) = problem {
        s.focus = s.fields().iter().position(|f| *f == field).unwrap_or(0);
        s.error = Some(input_problem(message));
        return Vec::new();
    }
    let credentials = match s.method {
        AuthMethod::UniversalAuth => Credentials::UniversalAuth {
            client_id: text(&s.client_id).trim().to_owned(),
            client_secret: SecretString::from(text(&s.secret).trim().to_owned()),
        },
        AuthMethod::Token => {
            Credentials::Token(SecretString::from(text(&s.token).trim().to_owned()))
        }
    };
    let attempt = crate::config::signin::Attempt {
        server,
        api_base: base,
        credentials,
        remember: s.remember,
        profile: s.start.profile.clone(),
    };
    let id = fresh_id(state);
    state.signin.error = None;
    state.signin.logging_in = Some(id);
    vec![Effect::SignIn(Request::LogIn(id, Box::new(attempt)))]
}

pub fn on_reply(state: &mut State, reply: Reply) -> Vec<Effect> {
    match reply {
        Reply::Probed(id, result) => {
            let s = &mut state.signin;
            if s.probing != Some(id) {
                return Vec::new();
            }
            s.probing = None;
            match result {
                Ok(()) => {
                    s.stage = Stage::Identity;
                    // Start where typing is needed: the secret when the ID is known.
                    let first_empty = s.fields().iter().position(|f| match f {
                        IdField::ClientId => text(&s.client_id).is_empty(),
                        IdField::Secret => text(&s.secret).is_empty(),
                        IdField::Token => text(&s.token).is_empty(),
                        _ => false,
                    });
                    s.focus = first_empty.unwrap_or(0);
                }
                Err(g) => s.error = Some(g),
            }
            Vec::new()
        }
        Reply::LoggedIn(id, result) => {
            if state.signin.logging_in != Some(id) {
                return Vec::new();
            }
            state.signin.logging_in = None;
            match result {
                Ok(who) => signed_in(state, who),
                Err(g) => {
                    let s = &mut state.signin;
                    {
                        // The secret (or token) is what is most often typed again: the
                        // focus goes back there, everything typed is kept.
                        let again = match s.method {
                            AuthMethod::UniversalAuth => IdField::Secret,
                            AuthMethod::Token => IdField::Token,
                        };
                        if let Some(i) = s.fields().iter().position(|f| *f == again) {
                            s.focus = i;
                        }
                    }
                    s.error = Some(g);
                    Vec::new()
                }
            }
        }
        Reply::Saved(id, result) => {
            if state.signin.saving != Some(id) {
                return Vec::new();
            }
            state.signin.saving = None;
            match result {
                Ok(()) if state.signin.start.exit_when_done => state.quit = true,
                Ok(()) => {}
                Err(e) => state.notice = Some(format!("The profile was not saved: {e}")),
            }
            Vec::new()
        }
    }
}

/// Signed in: the header shows who, the secret fields are emptied, and the project list
/// loads with the new identity.
fn signed_in(state: &mut State, who: LoggedIn) -> Vec<Effect> {
    let s = &mut state.signin;
    s.secret.clear();
    s.token.clear();
    s.error = None;
    s.stage = Stage::Server;
    s.save_project = s.start.can_save;
    if let Some((server, _)) = &s.checked {
        state.session.server = label(server);
    }
    state.session.identity = crate::config::signin::identity_with_organization(
        &who.identity,
        who.organization.as_deref(),
    );
    state.notice = Some(match (&who.save_problem, &who.organization) {
        (Some(p), _) => format!("Signed in, but the profile was not saved: {p}"),
        (None, Some(org)) => format!("Signed in to {org}. Now choose the project."),
        (None, None) => "Signed in. Now choose the project.".into(),
    });
    state.scope = None;
    state.projects = ProjectList::default();
    // The list of connections belonged to the old identity; keep only the wish to browse.
    let wanted = state.browse.wanted;
    state.browse = Default::default();
    state.browse.wanted = wanted;
    state.step = Step::Project;
    vec![load_projects(state)]
}

/// The server as the header shows it: host and path.
fn label(server: &str) -> String {
    let s = server.trim().trim_end_matches('/');
    let s = s.strip_suffix("/api").unwrap_or(s);
    s.split_once("://").map_or(s, |(_, rest)| rest).to_owned()
}

/// Called when the project step chose a scope: saves it to the profile after a sign-in.
pub fn project_chosen(state: &mut State) -> Vec<Effect> {
    if !state.signin.save_project {
        if state.signin.start.exit_when_done && state.signin.checked.is_some() {
            state.quit = true;
        }
        return Vec::new();
    }
    state.signin.save_project = false;
    let project = match &state.scope {
        Some(Scope::Project { id, name }) => Some((id.clone(), name.clone())),
        _ => None,
    };
    let id = fresh_id(state);
    state.signin.saving = Some(id);
    vec![Effect::SignIn(Request::SaveProject(
        id,
        state.signin.start.profile.clone(),
        project,
    ))]
}
