//! Every key that does something on a screen is listed in that screen's `?` help: each
//! candidate key is pressed on a copy of the screen, and a key that changed what is drawn or
//! asked the worker for something must be one the help names.

mod common;

use common::*;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kms_connect::apps::{OutcomeCode, TestOutcome};
use kms_connect::kms::AppConnection;
use kms_connect::tui::keys::hints;
use kms_connect::tui::theme::Theme;
use kms_connect::tui::view::view;
use kms_connect::tui::{Effect, Msg, State, update};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn screen(state: &State) -> String {
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    terminal
        .draw(|f| view(state, &Theme { no_color: true }, f))
        .unwrap();
    terminal.backend().to_string()
}

/// The keys a help label names: "↑↓/jk" is Up, Down, j and k; "e/Esc" is e and Esc.
fn named(label: &str) -> Vec<KeyEvent> {
    let plain = |code| KeyEvent::new(code, KeyModifiers::NONE);
    if label == "/" {
        return vec![plain(KeyCode::Char('/'))];
    }
    let mut keys = Vec::new();
    for part in label.split(['/', ' ']) {
        let code = match part {
            "Enter" => KeyCode::Enter,
            "Esc" => KeyCode::Esc,
            "Tab" => KeyCode::Tab,
            "Shift-Tab" => KeyCode::BackTab,
            "PgUp" => KeyCode::PageUp,
            "PgDn" => KeyCode::PageDown,
            "Home" => KeyCode::Home,
            "End" => KeyCode::End,
            "Space" => KeyCode::Char(' '),
            "F1" => KeyCode::F(1),
            "F2" => KeyCode::F(2),
            "F3" => KeyCode::F(3),
            "→" => KeyCode::Right,
            "←" => KeyCode::Left,
            "←→" => {
                keys.extend([plain(KeyCode::Left), plain(KeyCode::Right)]);
                continue;
            }
            "↑↓" => {
                keys.extend([plain(KeyCode::Up), plain(KeyCode::Down)]);
                continue;
            }
            p if p.starts_with("Ctrl-") => {
                let c = p.trim_start_matches("Ctrl-").to_ascii_lowercase();
                if let Some(c) = c.chars().next() {
                    keys.push(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL));
                }
                continue;
            }
            // "jk", "q", "?": each character is a key.
            p => {
                keys.extend(p.chars().map(|c| plain(KeyCode::Char(c))));
                continue;
            }
        };
        keys.push(plain(code));
    }
    keys
}

/// The keys to try: every letter and digit, the punctuation keys, and the named ones.
fn candidates() -> Vec<KeyEvent> {
    let plain = |code| KeyEvent::new(code, KeyModifiers::NONE);
    let mut keys: Vec<KeyEvent> = ('a'..='z')
        .chain('A'..='Z')
        .chain('0'..='9')
        .chain("/?- ".chars())
        .map(|c| plain(KeyCode::Char(c)))
        .collect();
    keys.extend(
        [
            KeyCode::Enter,
            KeyCode::Esc,
            KeyCode::Tab,
            KeyCode::BackTab,
            KeyCode::Up,
            KeyCode::Down,
            KeyCode::Left,
            KeyCode::Right,
            KeyCode::PageUp,
            KeyCode::PageDown,
            KeyCode::Home,
            KeyCode::End,
            KeyCode::F(1),
            KeyCode::F(2),
            KeyCode::F(3),
        ]
        .map(plain),
    );
    keys.push(KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL));
    keys
}

/// The screen without its notice line: a key whose only effect is a note saying what it
/// would do (or why not) explains itself.
fn drawn(state: &State) -> String {
    let mut s = state.clone();
    s.notice = None;
    screen(&s)
}

/// The keys on `state` that did something the help does not name.
fn unlisted(state: &State) -> Vec<String> {
    let listed: Vec<KeyEvent> = hints(state).iter().flat_map(|h| named(h.key)).collect();
    let before = drawn(state);
    let mut out = Vec::new();
    for key in candidates() {
        // In a text field a letter is text: only the other keys are commands there.
        if state.text_focus()
            && matches!(key.code, KeyCode::Char(_))
            && !key.modifiers.contains(KeyModifiers::CONTROL)
        {
            continue;
        }
        let mut s = state.clone();
        let effects = update(&mut s, Msg::Key(key));
        let acted = !effects.is_empty() || s.quit || drawn(&s) != before;
        if acted && !listed.contains(&key) {
            out.push(format!("{:?} {:?}", key.modifiers, key.code));
        }
    }
    out
}

fn outcome(ok: bool) -> TestOutcome {
    TestOutcome {
        ok,
        code: if ok {
            OutcomeCode::Ok
        } else {
            OutcomeCode::TokenRejected
        },
        message: "TeamCity answered.".into(),
        hint: None,
        missing: Vec::new(),
        learned: Vec::new(),
        retry_after_secs: None,
        url: "https://ci.example.com/app/rest/server".into(),
        cautions: Vec::new(),
    }
}

/// One state per screen of the wizard that takes command keys.
fn screens() -> Vec<(&'static str, State)> {
    let mut out = Vec::new();
    out.push(("pick", wizard()));
    let mut s = wizard();
    press(&mut s, KeyCode::Enter);
    out.push(("instructions", s));
    let mut s = wizard();
    press(&mut s, KeyCode::Down);
    press(&mut s, KeyCode::Down);
    press(&mut s, KeyCode::Enter);
    out.push(("instructions bitbucket", s));
    let mut s = demo_wizard();
    to_form(&mut s, 0);
    out.push(("form (demo)", s));
    let mut s = wizard();
    to_form(&mut s, 2);
    out.push(("form bitbucket", s));
    for ok in [true, false] {
        let mut s = wizard();
        to_form(&mut s, 0);
        fill_teamcity(&mut s, "tok-123");
        let [Effect::Test(id, ..)] = update(&mut s, ctrl('s'))[..] else {
            panic!()
        };
        update(&mut s, Msg::Tested(id, outcome(ok)));
        out.push((if ok { "test passed" } else { "test failed" }, s.clone()));
        if ok {
            press(&mut s, KeyCode::Enter);
            out.push(("review", s.clone()));
            let [Effect::Create(id, ..)] = press(&mut s, KeyCode::Enter)[..] else {
                panic!()
            };
            let conn = AppConnection {
                id: "e5d18aca-86f7-4026-a95e-efb8aeb0d8e6".into(),
                name: "ci-teamcity".into(),
                app: "teamcity".into(),
                method: "access-token".into(),
                ..Default::default()
            };
            update(&mut s, Msg::Created(id, Ok(conn)));
            out.push(("done", s));
        }
    }
    // The project list, loaded.
    let mut s = State::new(session(), None);
    let effects = s.start();
    let [Effect::LoadProjects(id)] = effects[..] else {
        panic!("{effects:?}")
    };
    let project = |name: &str| kms_connect::kms::Project {
        id: format!("id-{name}"),
        name: name.into(),
        slug: name.into(),
    };
    update(
        &mut s,
        Msg::Projects(id, Ok(vec![project("payments"), project("web")])),
    );
    out.push(("project list", s));
    // The browser's list and a connection's details.
    let mut s = wizard();
    let [Effect::LoadConnections(id, _)] = press(&mut s, KeyCode::Char('b'))[..] else {
        panic!()
    };
    let conn = |n: &str, app: &str| AppConnection {
        id: format!("00000000-0000-4000-8000-00000000000{}", n.len() % 10),
        name: n.into(),
        app: app.into(),
        method: "access-token".into(),
        project_id: Some("7ffbb072-2575-495a-b5b0-127f88caef78".into()),
        ..Default::default()
    };
    let list = vec![conn("build", "teamcity"), conn("deploys", "octopus-deploy")];
    update(&mut s, Msg::Connections(id, Ok(list.into())));
    out.push(("browse list", s.clone()));
    press(&mut s, KeyCode::Enter);
    out.push(("browse details", s));
    out
}

#[test]
fn every_key_that_acts_is_in_the_help() {
    let mut missing = Vec::new();
    for (name, state) in screens() {
        // The help is one box on an 80x24 screen: every line of it must fit.
        assert!(
            hints(&state).len() + 4 <= 24,
            "{name}: the help does not fit"
        );
        for key in unlisted(&state) {
            missing.push(format!("{name}: {key}"));
        }
    }
    assert!(missing.is_empty(), "keys not in ?: {missing:#?}");
}
