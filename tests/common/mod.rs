//! Helpers shared by the test files.
#![allow(dead_code)]

pub mod hostile;
pub mod tls;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kms_connect::tui::signin::{Request, SignIn, Start};
use kms_connect::tui::{DemoInfo, Effect, Msg, Scope, Session, State, Step, update};

pub fn session() -> Session {
    Session {
        server: "kms.example.com".into(),
        identity: "access token".into(),
        demo: None,
    }
}

pub fn project() -> Scope {
    Scope::Project {
        id: "7ffbb072-2575-495a-b5b0-127f88caef78".into(),
        name: "Demo project".into(),
    }
}

/// A wizard already past the project choice, on step 1.
pub fn wizard() -> State {
    State::new(session(), Some(project()))
}

pub fn demo_wizard() -> State {
    let demo = DemoInfo {
        values: vec![(
            "teamcity",
            vec![
                ("Instance URL".into(), "http://127.0.0.1:40001".into()),
                ("Access Token".into(), "demo-teamcity-token".into()),
            ],
        )],
    };
    State::new(
        Session {
            demo: Some(demo),
            ..session()
        },
        Some(project()),
    )
}

pub fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

pub fn ctrl(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

pub fn press(state: &mut State, code: KeyCode) -> Vec<Effect> {
    update(state, key(code))
}

pub fn type_text(state: &mut State, text: &str) {
    for c in text.chars() {
        update(state, key(KeyCode::Char(c)));
    }
}

/// Picks the app at `index` on step 1 and goes on to the form.
pub fn to_form(state: &mut State, index: usize) {
    for _ in 0..index {
        press(state, KeyCode::Down);
    }
    press(state, KeyCode::Enter);
    press(state, KeyCode::Enter);
}

/// Fills the TeamCity form with valid values (cursor on the first field).
pub fn fill_teamcity(state: &mut State, token: &str) {
    type_text(state, "ci-teamcity");
    press(state, KeyCode::Tab);
    type_text(state, "Build server");
    press(state, KeyCode::Tab);
    type_text(state, "https://ci.example.com/");
    press(state, KeyCode::Tab);
    update(state, Msg::Paste(token.into()));
}

/// A first run: nothing known, profile "default", saving possible.
pub fn first_run() -> Start {
    Start {
        profile: "default".into(),
        can_save: true,
        ..Start::default()
    }
}

/// The sign-in as it opens when no identity is configured.
pub fn signed_out(start: Start) -> State {
    let mut s = State::new(
        Session {
            server: "app.kms.hanzo.ai".into(),
            identity: "not signed in".into(),
            demo: None,
        },
        None,
    );
    s.signin = SignIn::new(start);
    s.step = Step::SignIn;
    s
}

/// The server check among `effects`: its request id and API base.
pub fn probe_id(effects: &[Effect]) -> (u64, String) {
    match effects {
        [Effect::SignIn(Request::Probe(id, base))] => (*id, base.clone()),
        other => panic!("{other:?}"),
    }
}
