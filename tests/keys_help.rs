//! Every key that does something on a screen is listed in that screen's `?` help: each
//! candidate key is pressed on a copy of the screen, and a key that changed what is drawn, the
//! state (a moving highlight may draw the same text) or asked the worker for something must be
//! one the help names. And every key a help names is in the README's keys tables.

mod common;

use common::*;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kms_connect::apps::checks::{CheckKind, CheckLine, Status};
use kms_connect::apps::destinations::{DestinationCheck, Node, Tree};
use kms_connect::apps::{OutcomeCode, TestOutcome};
use kms_connect::kms::AppConnection;
use kms_connect::kms::sync_lists::SyncList;
use kms_connect::kms::syncs::{Environment, SecretSync};
use kms_connect::tui::browse::View;
use kms_connect::tui::keys::hints;
use kms_connect::tui::msg::{BrowseSyncReply, SyncReply, SyncRequest, SyncStep};
use kms_connect::tui::signin::{IdField, Reply};
use kms_connect::tui::theme::Theme;
use kms_connect::tui::view::view;
use kms_connect::tui::{Effect, Msg, State, Step, update};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::layout::Position;
use serde_json::json;

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
            "↑" => KeyCode::Up,
            "↓" => KeyCode::Down,
            "←" => KeyCode::Left,
            "←→" => {
                keys.extend([plain(KeyCode::Left), plain(KeyCode::Right)]);
                continue;
            }
            "↑↓" => {
                keys.extend([plain(KeyCode::Up), plain(KeyCode::Down)]);
                continue;
            }
            p if p.starts_with("Ctrl-") || p.starts_with("Alt-") => {
                let (modifier, c) = match p.split_once('-') {
                    Some(("Ctrl", c)) => (KeyModifiers::CONTROL, c),
                    Some((_, c)) => (KeyModifiers::ALT, c),
                    None => unreachable!(),
                };
                if let Some(c) = c.to_ascii_lowercase().chars().next() {
                    keys.push(KeyEvent::new(KeyCode::Char(c), modifier));
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
    // The chords: the line-editing ones, the screens' own, and quitting.
    keys.extend(
        "aeuwkzyrtpsc"
            .chars()
            .map(|c| KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)),
    );
    keys.extend(
        "bf".chars()
            .map(|c| KeyEvent::new(KeyCode::Char(c), KeyModifiers::ALT)),
    );
    keys
}

/// The screen and the state without the notice line: a key whose only effect is a note
/// saying what it would do (or why not) explains itself. The state's Debug form (secrets
/// redacted) and the drawn cells with their styles and the cursor catch what the text may not
/// show: a highlight that moved between rows drawn alike, a cursor moved within a field, a focus
/// that moved to a field off screen.
fn drawn(state: &State) -> (Buffer, Position, String) {
    let mut s = state.clone();
    s.notice = None;
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    terminal
        .draw(|f| view(&s, &Theme { no_color: true }, f))
        .unwrap();
    let cursor = terminal.get_cursor_position().unwrap();
    (
        terminal.backend().buffer().clone(),
        cursor,
        format!("{s:?}"),
    )
}

/// Presses `key` on a copy of `state`: whether it did anything, and what came of it.
/// Whether `key` on `state` did anything: asked for work, quit, or changed what is drawn.
fn acts(state: &State, key: KeyEvent) -> bool {
    let before = drawn(state);
    let mut s = state.clone();
    let effects = update(&mut s, Msg::Key(key));
    let (buffer, cursor, debug) = drawn(&s);
    !effects.is_empty() || s.quit || (&buffer, &cursor, &debug) != (&before.0, &before.1, &before.2)
}

/// The keys on `state` that did something the help does not name.
fn unlisted(state: &State) -> Vec<String> {
    let listed: Vec<KeyEvent> = hints(state).iter().flat_map(|h| named(h.key)).collect();
    let mut out = Vec::new();
    for key in candidates() {
        // In a text field a letter is text: only the other keys are commands there.
        if state.text_focus()
            && matches!(key.code, KeyCode::Char(_))
            && key.modifiers == KeyModifiers::NONE
        {
            continue;
        }
        if !acts(state, key) || listed.contains(&key) {
            continue;
        }
        out.push(format!("{:?} {:?}", key.modifiers, key.code));
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
    press(&mut s, KeyCode::Char('/'));
    out.push(("pick filtering", s));
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

const PROJECT: &str = "7ffbb072-2575-495a-b5b0-127f88caef78";
const NOW: i64 = 1_767_226_200;

/// The sign-in's server list, its own-server line, and the identity form on each kind of field.
fn signin_screens() -> Vec<(&'static str, State)> {
    let mut out = Vec::new();
    let mut s = wizard();
    press(&mut s, KeyCode::Char('s'));
    assert_eq!(s.step, Step::SignIn);
    out.push(("sign-in servers", s.clone()));
    press(&mut s, KeyCode::End);
    assert!(s.signin.on_custom());
    out.push(("sign-in own server", s));
    let mut s = signed_out(first_run());
    out.push(("sign-in servers (first run)", s.clone()));
    let (id, _) = probe_id(&press(&mut s, KeyCode::Enter));
    update(&mut s, Msg::SignIn(Reply::Probed(id, Ok(()))));
    assert_eq!(s.signin.focused(), IdField::ClientId);
    out.push(("sign-in client ID", s.clone()));
    press(&mut s, KeyCode::BackTab);
    assert_eq!(s.signin.focused(), IdField::Method);
    out.push(("sign-in method", s.clone()));
    press(&mut s, KeyCode::BackTab);
    assert_eq!(s.signin.focused(), IdField::Remember);
    out.push(("sign-in remember", s));
    out
}

fn sync_row(n: u32, conn: &str) -> SecretSync {
    SecretSync::from_value(json!({
        "id": format!("00000000-0000-4000-8000-00000000a{n:03}"),
        "name": format!("sync-{n}"), "description": null, "destination": "teamcity",
        "destinationConfig": { "project": "Backend" }, "syncOptions": {},
        "isAutoSyncEnabled": true, "projectId": PROJECT, "connectionId": conn,
        "createdAt": "2026-01-01T00:00:00.000Z", "updatedAt": "2026-01-01T00:08:00.000Z",
        "syncStatus": "succeeded", "lastSyncMessage": null, "lastSyncedAt": null,
        "connection": { "app": "teamcity", "name": "c", "id": conn },
        "environment": { "slug": "prod", "name": "Production", "id": "e1" },
        "folder": { "id": "f1", "path": "/" },
    }))
    .unwrap()
}

/// The browser with two connections that have syncs: details, the dialogs, the sync delete.
fn browse_screens() -> Vec<(&'static str, State)> {
    let mut out = Vec::new();
    let mut s = wizard();
    let [Effect::LoadConnections(id, _)] = press(&mut s, KeyCode::Char('b'))[..] else {
        panic!()
    };
    let conn = |n: u32, name: &str| AppConnection {
        id: format!("00000000-0000-4000-8000-00000000000{n}"),
        name: name.into(),
        app: "teamcity".into(),
        method: "access-token".into(),
        credentials: json!({ "instanceUrl": "https://ci.example.com" })
            .as_object()
            .unwrap()
            .clone(),
        project_id: Some(PROJECT.into()),
        ..Default::default()
    };
    let list = vec![conn(1, "build"), conn(2, "nightly")];
    let effects = update(&mut s, Msg::Connections(id, Ok(list.into())));
    let [Effect::LoadSyncs(id, _)] = effects[..] else {
        panic!("{effects:?}")
    };
    let syncs = vec![
        sync_row(1, "00000000-0000-4000-8000-000000000001"),
        sync_row(2, "00000000-0000-4000-8000-000000000002"),
    ];
    let listed = BrowseSyncReply::Listed(Ok(SyncList {
        syncs,
        ..SyncList::default()
    }));
    update(&mut s, Msg::BrowseSyncs(id, NOW, Box::new(listed)));
    out.push(("browse list with syncs", s.clone()));
    let mut f = s.clone();
    press(&mut f, KeyCode::Char('/'));
    out.push(("browse filtering", f));
    for (key, name) in [
        ('c', "browse rotate"),
        ('e', "browse edit"),
        ('d', "browse delete"),
    ] {
        let mut d = s.clone();
        press(&mut d, KeyCode::Char(key));
        out.push((name, d));
    }
    press(&mut s, KeyCode::Enter);
    assert_eq!(s.browse.view, View::Details);
    out.push(("browse details with syncs", s.clone()));
    press(&mut s, KeyCode::Char('x'));
    assert_eq!(s.browse.view, View::DeleteSync);
    out.push(("browse delete sync", s));
    out
}

fn sync_req(effects: &[Effect]) -> &SyncRequest {
    match effects {
        [Effect::Sync(r)] => r,
        other => panic!("expected one sync request, got {other:?}"),
    }
}

fn reply(s: &mut State, r: SyncReply) -> Vec<Effect> {
    update(s, Msg::Sync(Box::new(r)))
}

fn node(id: &str, name: &str, kind: &'static str, children: Vec<Node>) -> Node {
    Node {
        id: id.into(),
        name: name.into(),
        kind,
        children,
    }
}

/// The sync flow's five steps from Done (and the destination's states), then from the
/// browser, where the credential is typed again.
fn sync_screens() -> Vec<(&'static str, State)> {
    let mut out = Vec::new();
    let mut s = wizard();
    to_form(&mut s, 0);
    fill_teamcity(&mut s, "tok-123");
    let [Effect::Test(id, ..)] = update(&mut s, ctrl('s'))[..] else {
        panic!()
    };
    update(&mut s, Msg::Tested(id, outcome(true)));
    press(&mut s, KeyCode::Enter);
    let [Effect::Create(id, ..)] = press(&mut s, KeyCode::Enter)[..] else {
        panic!()
    };
    let conn = AppConnection {
        id: "e5d18aca-86f7-4026-a95e-efb8aeb0d8e6".into(),
        name: "ci-teamcity".into(),
        app: "teamcity".into(),
        method: "access-token".into(),
        project_id: Some(PROJECT.into()),
        ..Default::default()
    };
    update(&mut s, Msg::Created(id, Ok(conn)));
    let SyncRequest::Environments(id, _) = *sync_req(&press(&mut s, KeyCode::Char('s'))) else {
        panic!()
    };
    let envs = ["dev", "staging", "prod"].map(|slug| Environment {
        id: format!("env-{slug}"),
        name: slug.into(),
        slug: slug.into(),
    });
    reply(&mut s, SyncReply::Environments(id, Ok(envs.to_vec())));
    out.push(("sync source", s.clone()));
    let mut p = s.clone();
    press(&mut p, KeyCode::Tab);
    out.push(("sync source path", p));
    let SyncRequest::Destinations(id, _) = *sync_req(&press(&mut s, KeyCode::Enter)) else {
        panic!()
    };
    let tree = Tree {
        roots: vec![
            node(
                "Backend",
                "Backend",
                "project",
                vec![node("Backend_Build", "Build", "buildConfig", vec![])],
            ),
            node("Web", "Web front", "project", vec![]),
        ],
        warnings: Vec::new(),
    };
    reply(&mut s, SyncReply::Destinations(id, Ok(tree)));
    out.push(("sync destination", s.clone()));
    let mut p = s.clone();
    press(&mut p, KeyCode::Char('/'));
    out.push(("sync destination filtering", p));
    let mut p = s.clone();
    press(&mut p, KeyCode::Char('m'));
    out.push(("sync destination IDs", p));
    press(&mut s, KeyCode::Enter);
    press(&mut s, KeyCode::Down);
    let SyncRequest::Check(id, ..) = *sync_req(&press(&mut s, KeyCode::Enter)) else {
        panic!()
    };
    let checks = |status| DestinationCheck {
        lines: vec![CheckLine::new(
            CheckKind::Permissions,
            status,
            "May edit project Backend: Edit project.",
        )],
        existing: Some(3),
        matching: Vec::new(),
    };
    let mut p = s.clone();
    reply(&mut p, SyncReply::Checked(id, checks(Status::Fail)));
    out.push(("sync checks failed", p));
    reply(&mut s, SyncReply::Checked(id, checks(Status::Ok)));
    out.push(("sync checks passed", s.clone()));
    press(&mut s, KeyCode::Enter);
    out.push(("sync options", s.clone()));
    press(&mut s, KeyCode::Right);
    press(&mut s, KeyCode::Enter);
    out.push(("sync details", s.clone()));
    press(&mut s, KeyCode::Enter);
    assert_eq!(s.step, Step::Sync(SyncStep::Review));
    out.push(("sync review", s.clone()));
    let SyncRequest::Create(id, ..) = *sync_req(&press(&mut s, KeyCode::Enter)) else {
        panic!()
    };
    let created = sync_row(1, "e5d18aca-86f7-4026-a95e-efb8aeb0d8e6");
    reply(&mut s, SyncReply::Created(id, Ok(created)));
    out.push(("sync watching", s.clone()));
    press(&mut s, KeyCode::Esc);
    out.push(("sync watch stopped", s));
    // From the browser: no credential in memory, so the IDs or the credential are typed.
    let (_, browse) = browse_screens().swap_remove(0);
    let mut s = browse;
    let SyncRequest::Environments(id, _) = *sync_req(&press(&mut s, KeyCode::Char('S'))) else {
        panic!()
    };
    reply(&mut s, SyncReply::Environments(id, Ok(envs.to_vec())));
    press(&mut s, KeyCode::Enter);
    assert_eq!(s.step, Step::Sync(SyncStep::Destination));
    out.push(("sync destination from the browser", s.clone()));
    update(&mut s, ctrl('t'));
    out.push(("sync typed credential", s));
    out
}

#[test]
fn every_key_that_acts_is_in_the_help() {
    let mut missing = Vec::new();
    let all = screens()
        .into_iter()
        .chain(signin_screens())
        .chain(browse_screens())
        .chain(sync_screens());
    for (name, state) in all {
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

/// The keys the README's keys tables name: the first column of every `| key | does |` table,
/// each token that is a key (words such as "in the details:" are not).
fn readme_keys() -> Vec<KeyEvent> {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let mut keys = Vec::new();
    let mut in_table = false;
    for line in readme.lines() {
        if line.starts_with("| key |") {
            in_table = true;
            continue;
        }
        if !line.starts_with('|') {
            in_table = false;
        }
        if !in_table || line.starts_with("| ---") {
            continue;
        }
        let cell = line.split('|').nth(1).unwrap_or_default();
        let cell = cell
            .replace("`/`", " slash ")
            .replace(['`', '·', '(', ')', ',', ';'], " ");
        for token in cell.split([' ', '/']).filter(|t| !t.is_empty()) {
            let is_key = token == "slash"
                || token.chars().count() == 1
                || token.chars().all(|c| "←→↑↓".contains(c))
                || token.starts_with("Ctrl-")
                || token.starts_with("Alt-")
                || [
                    "Enter",
                    "Esc",
                    "Tab",
                    "Shift-Tab",
                    "PgUp",
                    "PgDn",
                    "Home",
                    "End",
                    "Space",
                    "F1",
                    "F2",
                    "F3",
                ]
                .contains(&token);
            if is_key {
                keys.extend(named(if token == "slash" { "/" } else { token }));
            }
        }
    }
    keys
}

#[test]
fn every_key_in_a_help_is_in_the_readme_keys_tables() {
    let documented = readme_keys();
    assert!(
        documented.len() > 20,
        "the README's keys tables were not found"
    );
    let all = screens()
        .into_iter()
        .chain(signin_screens())
        .chain(browse_screens())
        .chain(sync_screens());
    let mut missing = Vec::new();
    for (name, state) in all {
        for h in hints(&state) {
            for key in named(h.key) {
                // "type" is what a filter or field says of letters, not a key.
                if h.key == "type" {
                    continue;
                }
                if !documented.contains(&key) && !missing.iter().any(|(k, _)| *k == key) {
                    let line = format!(
                        "{:?} {:?} ({} {:?}) on {name}",
                        key.modifiers, key.code, h.key, h.action
                    );
                    missing.push((key, line));
                }
            }
        }
    }
    let missing: Vec<String> = missing.into_iter().map(|(_, line)| line).collect();
    assert!(
        missing.is_empty(),
        "keys in ? but not in the README: {missing:#?}"
    );
}
