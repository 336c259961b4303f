//! The sign-in as pure state transitions: keys and worker replies in, effects out.

mod common;

use common::*;
use crossterm::event::KeyCode;
use kms_connect::config::AuthMethod;
use kms_connect::kms::auth::Credentials;
use kms_connect::kms::error::Trouble;
use kms_connect::kms::{Guidance, Project};
use kms_connect::tui::signin::{IdField, LoggedIn, Reply, Request, SignIn, Stage, Start};
use kms_connect::tui::{Effect, Msg, Scope, State, Step, update};
use secrecy::ExposeSecret;

const SECRET: &str = "cs-update-secret-9";

/// Past the server check of the default server, on the identity stage.
fn at_identity() -> State {
    let mut s = signed_out(first_run());
    let (id, _) = probe_id(&press(&mut s, KeyCode::Enter));
    update(&mut s, Msg::SignIn(Reply::Probed(id, Ok(()))));
    s
}

fn login_effect(effects: &[Effect]) -> (u64, kms_connect::config::signin::Attempt) {
    match effects {
        [Effect::SignIn(Request::LogIn(id, attempt))] => (*id, (**attempt).clone()),
        other => panic!("{other:?}"),
    }
}

fn guidance(headline: &str, hint: &str) -> Guidance {
    Guidance {
        trouble: Trouble::Server,
        headline: headline.into(),
        hint: Some(hint.into()),
        fields: Vec::new(),
    }
}

/// Types a client ID and the secret and moves on to "remember".
fn fill_universal_auth(s: &mut State) {
    type_text(s, "client-123");
    press(s, KeyCode::Tab);
    update(s, Msg::Paste(SECRET.into()));
    press(s, KeyCode::Enter);
    assert_eq!(s.signin.focused(), IdField::Remember);
}

#[test]
fn the_default_server_is_checked_before_going_on() {
    let mut s = signed_out(first_run());
    assert_eq!(s.signin.selected, 0);
    let (id, base) = probe_id(&press(&mut s, KeyCode::Enter));
    assert_eq!(base, "https://app.kms.hanzo.ai/api");
    assert!(s.is_busy());
    // Keys other than Esc wait; Esc cancels.
    assert!(press(&mut s, KeyCode::Down).is_empty());
    assert!(matches!(press(&mut s, KeyCode::Esc).as_slice(), [Effect::Cancel(c)] if *c == id));
    // A late answer to the cancelled check changes nothing.
    update(&mut s, Msg::SignIn(Reply::Probed(id, Ok(()))));
    assert_eq!(s.signin.stage, Stage::Server);
    let (id, _) = probe_id(&press(&mut s, KeyCode::Enter));
    update(&mut s, Msg::SignIn(Reply::Probed(id, Ok(()))));
    assert_eq!(s.signin.stage, Stage::Identity);
    assert_eq!(s.signin.focused(), IdField::ClientId);
}

#[test]
fn a_typed_server_keeps_what_was_typed_when_it_is_wrong() {
    let mut s = signed_out(first_run());
    for _ in 0..4 {
        press(&mut s, KeyCode::Down);
    }
    assert!(s.signin.on_custom() && s.text_focus());
    // `q` is a letter here, not quit.
    type_text(&mut s, "kms.example.q");
    assert!(!s.quit);
    assert!(press(&mut s, KeyCode::Enter).is_empty());
    let err = s.signin.error.clone().unwrap();
    assert!(err.headline.contains("not a valid URL"), "{err:?}");
    assert_eq!(s.signin.custom_view().text, "kms.example.q");
    // Typing clears the message; a full URL is checked with /api added.
    for _ in 0.."kms.example.q".len() {
        press(&mut s, KeyCode::Backspace);
    }
    update(&mut s, Msg::Paste("https://kms.example.com/\n".into()));
    assert!(s.signin.error.is_none());
    let (_, base) = probe_id(&press(&mut s, KeyCode::Enter));
    assert_eq!(base, "https://kms.example.com/api");
}

#[test]
fn a_failed_check_says_why_and_stays_on_the_server_list() {
    let mut s = signed_out(first_run());
    press(&mut s, KeyCode::Down);
    let (id, base) = probe_id(&press(&mut s, KeyCode::Enter));
    assert_eq!(base, "https://kms.hanzo.ai/api");
    let g = guidance(
        "kms.hanzo.ai answered a web page (200) to /api/status: this is not an Infisical-compatible KMS API.",
        "Check the URL.",
    );
    update(&mut s, Msg::SignIn(Reply::Probed(id, Err(g.clone()))));
    assert_eq!(s.signin.stage, Stage::Server);
    assert_eq!(s.signin.error, Some(g));
    assert_eq!(s.signin.selected, 1);
}

#[test]
fn universal_auth_log_in_sends_what_was_typed_and_never_shows_the_secret() {
    let mut s = at_identity();
    fill_universal_auth(&mut s);
    press(&mut s, KeyCode::Char(' '));
    assert!(s.signin.remember);
    let effects = press(&mut s, KeyCode::Enter);
    let (_, attempt) = login_effect(&effects);
    assert_eq!(attempt.api_base, "https://app.kms.hanzo.ai/api");
    assert_eq!(attempt.server, "https://app.kms.hanzo.ai");
    assert!(attempt.remember);
    assert_eq!(attempt.profile, "default");
    match &attempt.credentials {
        Credentials::UniversalAuth {
            client_id,
            client_secret,
        } => {
            assert_eq!(client_id, "client-123");
            assert_eq!(client_secret.expose_secret(), SECRET);
        }
        other => panic!("{other:?}"),
    }
    assert!(!format!("{effects:?}").contains(SECRET));
    assert!(!format!("{:?}", s.signin).contains(SECRET));
    assert!(!format!("{:?}", Msg::Paste(SECRET.into())).contains(SECRET));
}

#[test]
fn an_empty_field_is_named_and_focused_without_a_request() {
    let mut s = at_identity();
    type_text(&mut s, "client-123");
    assert!(update(&mut s, ctrl('s')).is_empty());
    assert_eq!(
        s.signin.error.as_ref().unwrap().headline,
        "Type the client secret."
    );
    assert_eq!(s.signin.focused(), IdField::Secret);
}

#[test]
fn a_refused_log_in_keeps_everything_typed() {
    let mut s = at_identity();
    fill_universal_auth(&mut s);
    let (id, _) = login_effect(&press(&mut s, KeyCode::Enter));
    let g = guidance(
        "The KMS server refused the sign-in: Invalid credentials.",
        "Check the client ID and client secret.",
    );
    update(&mut s, Msg::SignIn(Reply::LoggedIn(id, Err(g.clone()))));
    assert_eq!(s.step, Step::SignIn);
    assert_eq!(s.signin.error, Some(g));
    assert_eq!(
        s.signin.focused(),
        IdField::Secret,
        "after a refusal the secret has the focus again"
    );
    assert_eq!(s.signin.view(IdField::ClientId).text, "client-123");
    assert_eq!(
        s.signin.view(IdField::Secret).text.chars().count(),
        SECRET.len()
    );
    // Try again at once: the same request goes out.
    let (again, attempt) = login_effect(&update(&mut s, ctrl('s')));
    assert_ne!(again, id);
    assert!(matches!(
        attempt.credentials,
        Credentials::UniversalAuth { .. }
    ));
}

#[test]
fn esc_cancels_a_log_in_and_a_late_answer_is_ignored() {
    let mut s = at_identity();
    fill_universal_auth(&mut s);
    let (id, _) = login_effect(&press(&mut s, KeyCode::Enter));
    assert!(matches!(press(&mut s, KeyCode::Esc).as_slice(), [Effect::Cancel(c)] if *c == id));
    assert!(s.notice.as_deref().unwrap().contains("kept"));
    let who = LoggedIn {
        identity: "universal auth client-123".into(),
        organization: None,
        save_problem: None,
    };
    update(&mut s, Msg::SignIn(Reply::LoggedIn(id, Ok(who))));
    assert_eq!(s.step, Step::SignIn);
    assert_eq!(s.signin.view(IdField::ClientId).text, "client-123");
}

#[test]
fn signed_in_it_lists_projects_and_saves_the_choice() {
    let mut s = at_identity();
    fill_universal_auth(&mut s);
    let (id, _) = login_effect(&press(&mut s, KeyCode::Enter));
    let who = LoggedIn {
        identity: "universal auth client-123".into(),
        organization: Some("Acme".into()),
        save_problem: None,
    };
    let effects = update(&mut s, Msg::SignIn(Reply::LoggedIn(id, Ok(who))));
    let load = match effects.as_slice() {
        [Effect::LoadProjects(load)] => *load,
        other => panic!("{other:?}"),
    };
    assert_eq!(s.step, Step::Project);
    assert_eq!(s.session.identity, "Acme · universal auth client-123");
    assert_eq!(s.session.server, "app.kms.hanzo.ai");
    // The secret is not kept once it has been used.
    assert_eq!(s.signin.view(IdField::Secret).text, "");
    let projects = vec![
        Project {
            id: "p-1".into(),
            name: "Payments".into(),
            slug: "payments".into(),
        },
        Project {
            id: "p-2".into(),
            name: "Web shop".into(),
            slug: "web-shop".into(),
        },
    ];
    update(&mut s, Msg::Projects(load, Ok(projects)));
    // `/` filters the list; Enter takes the first match.
    press(&mut s, KeyCode::Char('/'));
    assert!(s.text_focus());
    type_text(&mut s, "shop");
    assert_eq!(s.projects.visible().len(), 1);
    let effects = press(&mut s, KeyCode::Enter);
    assert_eq!(
        s.scope,
        Some(Scope::Project {
            id: "p-2".into(),
            name: "Web shop".into()
        })
    );
    assert_eq!(s.step, Step::Pick);
    match effects.as_slice() {
        [Effect::SignIn(Request::SaveProject(_, profile, Some((pid, name))))] => {
            assert_eq!(
                (profile.as_str(), pid.as_str(), name.as_str()),
                ("default", "p-2", "Web shop")
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_token_method_asks_for_the_token_only() {
    let mut s = at_identity();
    press(&mut s, KeyCode::BackTab);
    assert_eq!(s.signin.focused(), IdField::Method);
    press(&mut s, KeyCode::Right);
    assert_eq!(s.signin.method, AuthMethod::Token);
    assert_eq!(
        s.signin.fields(),
        [IdField::Method, IdField::Token, IdField::Remember]
    );
    press(&mut s, KeyCode::Tab);
    update(&mut s, Msg::Paste("tok-abc".into()));
    let (_, attempt) = login_effect(&update(&mut s, ctrl('s')));
    assert!(
        matches!(&attempt.credentials, Credentials::Token(t) if t.expose_secret() == "tok-abc")
    );
    assert!(!attempt.remember);
}

#[test]
fn s_on_the_first_step_opens_the_sign_in_and_esc_comes_back() {
    let mut s = wizard();
    s.signin = SignIn::new(Start {
        profile: "default".into(),
        server: Some("https://kms.example.com".into()),
        client_id: Some("known-id".into()),
        ..Start::default()
    });
    press(&mut s, KeyCode::Char('s'));
    assert_eq!(s.step, Step::SignIn);
    // An unknown server is preselected as a typed one.
    assert!(s.signin.on_custom());
    assert_eq!(s.signin.custom_view().text, "https://kms.example.com");
    press(&mut s, KeyCode::Esc);
    assert_eq!(s.step, Step::Pick);
    // Typing `s` in the filter is a letter.
    press(&mut s, KeyCode::Char('/'));
    press(&mut s, KeyCode::Char('s'));
    assert_eq!(s.step, Step::Pick);
    assert_eq!(s.apps.filter, "s");
}

#[test]
fn the_known_client_id_means_the_secret_comes_first() {
    let mut s = signed_out(first_run());
    s.signin = SignIn::new(Start {
        client_id: Some("known-id".into()),
        ..Start::default()
    });
    let (id, _) = probe_id(&press(&mut s, KeyCode::Enter));
    update(&mut s, Msg::SignIn(Reply::Probed(id, Ok(()))));
    assert_eq!(s.signin.focused(), IdField::Secret);
}

#[test]
fn quitting_cancels_a_running_sign_in() {
    let mut s = at_identity();
    fill_universal_auth(&mut s);
    let (id, _) = login_effect(&press(&mut s, KeyCode::Enter));
    let effects = update(&mut s, ctrl('c'));
    assert!(s.quit);
    assert!(matches!(effects.as_slice(), [Effect::Cancel(c)] if *c == id));
}

#[test]
fn login_command_quits_once_the_profile_is_saved() {
    let mut s = at_identity();
    s.signin.start.exit_when_done = true;
    fill_universal_auth(&mut s);
    let (id, _) = login_effect(&press(&mut s, KeyCode::Enter));
    let who = LoggedIn {
        identity: "universal auth client-123".into(),
        organization: None,
        save_problem: None,
    };
    let load = match update(&mut s, Msg::SignIn(Reply::LoggedIn(id, Ok(who)))).as_slice() {
        [Effect::LoadProjects(l)] => *l,
        other => panic!("{other:?}"),
    };
    update(&mut s, Msg::Projects(load, Ok(Vec::new())));
    // No projects: organization level is what is left.
    let save = match press(&mut s, KeyCode::Enter).as_slice() {
        [Effect::SignIn(Request::SaveProject(save, _, None))] => *save,
        other => panic!("{other:?}"),
    };
    assert_eq!(s.scope, Some(Scope::Organization));
    assert!(!s.quit);
    update(
        &mut s,
        Msg::SignIn(Reply::Saved(save, Err("disk full".into()))),
    );
    assert!(s.notice.as_deref().unwrap().contains("disk full"));
    assert!(!s.quit);
    s.signin.saving = Some(save);
    update(&mut s, Msg::SignIn(Reply::Saved(save, Ok(()))));
    assert!(s.quit);
}

#[test]
fn a_url_pasted_on_the_list_becomes_the_typed_server() {
    let mut s = signed_out(first_run());
    update(&mut s, Msg::Paste(" https://kms.example.org \n".into()));
    assert!(s.signin.on_custom());
    assert_eq!(s.signin.custom_view().text, "https://kms.example.org");
}
