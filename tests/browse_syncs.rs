//! The Secret Syncs in the browser: the SYNCS column from one list per project, the syncs in
//! the details, running one now (refreshed until it ends, the waiting done by the worker),
//! deleting one (typed name, optional removeSecrets), the connection delete naming them, and
//! hostile text on each of these screens.

mod common;

use common::hostile::{ATTACKS, assert_clean, hostile_text};
use common::*;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kms_connect::apps::sync_spec::Destination;
use kms_connect::kms::error::Trouble;
use kms_connect::kms::sync_lists::SyncList;
use kms_connect::kms::syncs::SecretSync;
use kms_connect::kms::{AppConnection, Guidance};
use kms_connect::tui::browse::View;
use kms_connect::tui::browse::syncs::cell_label;
use kms_connect::tui::msg::BrowseSyncReply;
use kms_connect::tui::theme::Theme;
use kms_connect::tui::view::view;
use kms_connect::tui::{Effect, Msg, Scope, State, Step, update};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::{Value, json};

const PROJECT: &str = "7ffbb072-2575-495a-b5b0-127f88caef78";
const TC: &str = "00000000-0000-4000-8000-000000000001";
const BB: &str = "00000000-0000-4000-8000-000000000003";
/// The worker's clock in these tests: 2026-01-01T00:10:00Z.
const NOW: i64 = 1_767_226_200;

fn conn(id: &str, name: &str, app: &str, credentials: Value) -> AppConnection {
    let raw = json!({
        "id": id, "name": name, "description": null, "app": app,
        "method": if app == "teamcity" { "access-token" } else { "api-token" },
        "credentials": credentials, "version": 1,
        "orgId": "6f03caa1-a5de-43ce-b127-95a145d3464c", "projectId": PROJECT,
        "createdAt": "2025-11-02T09:00:00.000Z", "updatedAt": "2025-11-12T10:30:00.000Z",
        "credentialsHash": "0".repeat(64),
    });
    AppConnection::from_value(&raw).unwrap()
}

fn connections() -> Vec<AppConnection> {
    vec![
        conn(
            TC,
            "build-server",
            "teamcity",
            json!({ "instanceUrl": "https://ci.example.com" }),
        ),
        conn(
            "00000000-0000-4000-8000-000000000002",
            "octopus-releases",
            "octopus-deploy",
            json!({ "instanceUrl": "https://octopus.example.com" }),
        ),
        conn(
            BB,
            "bitbucket-pipelines",
            "bitbucket",
            json!({ "email": "dev@example.com" }),
        ),
    ]
}

/// A sync row as the server sends it.
fn row(n: u32, name: &str, conn: &str, dest: &str, config: Value, status: Value) -> Value {
    json!({
        "id": format!("00000000-0000-4000-8000-00000000a{n:03}"),
        "name": name, "description": null, "destination": dest,
        "destinationConfig": config, "syncOptions": {}, "isAutoSyncEnabled": true,
        "projectId": PROJECT, "connectionId": conn,
        "createdAt": "2026-01-01T00:00:00.000Z", "updatedAt": "2026-01-01T00:08:00.000Z",
        "syncStatus": status, "lastSyncMessage": null, "lastSyncedAt": null,
        "connection": { "app": dest, "name": "c", "id": conn },
        "environment": { "slug": "prod", "name": "Production", "id": "e1" },
        "folder": { "id": "f1", "path": "/" },
    })
}

fn sync(v: Value) -> SecretSync {
    SecretSync::from_value(v).unwrap()
}

fn with(mut v: Value, key: &str, value: Value) -> Value {
    v[key] = value;
    v
}

/// Two TeamCity syncs (one failed with the nested message), one Bitbucket sync running.
fn syncs() -> Vec<SecretSync> {
    let failed = with(
        row(
            2,
            "backend-staging",
            TC,
            "teamcity",
            json!({ "project": "Backend", "buildConfig": "Backend_Locked" }),
            json!("failed"),
        ),
        "lastSyncMessage",
        json!(json!({ "secretKey": "API_URL", "error": json!("Responding with error, status code: 403 (Forbidden).\nDetails: You do not have \"Edit project\" permission in project with internal id: project2").to_string() }).to_string()),
    );
    vec![
        sync(with(
            row(
                1,
                "backend-prod",
                TC,
                "teamcity",
                json!({ "project": "Backend" }),
                json!("succeeded"),
            ),
            "lastSyncedAt",
            json!("2026-01-01T00:05:00.000Z"),
        )),
        sync(failed),
        sync(row(
            3,
            "api-pipelines",
            BB,
            "bitbucket",
            json!({ "workspaceSlug": "acme", "repositorySlug": "api" }),
            json!("running"),
        )),
    ]
}

/// The browser with the connections loaded; returns the sync list request.
fn loaded(s: &mut State) -> u64 {
    let id = match press(s, KeyCode::Char('b')).as_slice() {
        [Effect::LoadConnections(id, _)] => *id,
        other => panic!("{other:?}"),
    };
    match update(s, Msg::Connections(id, Ok(connections().into()))).as_slice() {
        [Effect::LoadSyncs(id, project)] => {
            assert_eq!(project.as_deref(), Some(PROJECT));
            *id
        }
        other => panic!("one sync list request for the project: {other:?}"),
    }
}

fn listed(id: u64, list: Vec<SecretSync>) -> Msg {
    Msg::BrowseSyncs(
        id,
        NOW,
        Box::new(BrowseSyncReply::Listed(Ok(SyncList {
            syncs: list,
            ..SyncList::default()
        }))),
    )
}

fn one(id: u64, s: SecretSync) -> Msg {
    Msg::BrowseSyncs(id, NOW, Box::new(BrowseSyncReply::One(Ok(s))))
}

fn browsing_with(list: Vec<SecretSync>) -> State {
    let mut s = wizard();
    let id = loaded(&mut s);
    update(&mut s, listed(id, list));
    s
}

fn screen(state: &State) -> String {
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    terminal
        .draw(|f| view(state, &Theme { no_color: false }, f))
        .unwrap();
    let text = terminal.backend().to_string();
    assert_clean("the screen", &text, &[]);
    text
}

/// Selects the connection named `name` in the list.
fn select(s: &mut State, name: &str) {
    press(s, KeyCode::Home);
    while s.browse.selected_row().unwrap().name != name {
        press(s, KeyCode::Down);
    }
}

fn guidance(headline: &str) -> Guidance {
    Guidance {
        trouble: Trouble::Server,
        headline: headline.into(),
        hint: None,
        fields: Vec::new(),
    }
}

#[test]
fn the_cell_says_how_many_and_the_worst_state_in_13_columns() {
    let s = |status: &str| {
        sync(row(
            1,
            "a",
            TC,
            "teamcity",
            json!({ "project": "P" }),
            json!(status),
        ))
    };
    let never = sync(row(
        9,
        "n",
        TC,
        "teamcity",
        json!({ "project": "P" }),
        Value::Null,
    ));
    let cases: Vec<(Vec<SecretSync>, &str)> = vec![
        (vec![s("succeeded"), s("succeeded")], "✓ 2"),
        (vec![s("succeeded"), never.clone()], "✓ 1/2"),
        (
            vec![s("succeeded"), s("failed"), s("running")],
            "✗ 1/3 failed",
        ),
        (vec![s("failed")], "✗ 1 failed"),
        (vec![s("running")], "… running"),
        (vec![s("pending")], "… pending"),
        (vec![s("running"), s("succeeded")], "… 1/2 running"),
        (vec![never.clone()], "never synced"),
    ];
    for (list, want) in cases {
        let got = cell_label(&list, NOW);
        assert_eq!(got, want);
        assert!(got.chars().count() <= 13, "{got}");
    }
    // Pending for over five minutes is called stuck.
    assert_eq!(cell_label(&[s("pending")], NOW + 600), "… 1 stuck?");
}

#[test]
fn connections_then_one_sync_list_and_the_column_follows_it() {
    let mut s = wizard();
    let id = loaded(&mut s);
    assert_eq!(s.browse.syncs.cell(TC), "…");
    // A late answer of another request changes nothing.
    update(&mut s, listed(id + 100, syncs()));
    assert_eq!(s.browse.syncs.cell(TC), "…");
    update(&mut s, listed(id, syncs()));
    assert_eq!(s.browse.syncs.cell(TC), "✗ 1/2 failed");
    assert_eq!(s.browse.syncs.cell(BB), "… running");
    assert_eq!(
        s.browse.syncs.cell("00000000-0000-4000-8000-000000000002"),
        "—"
    );
    let text = screen(&s);
    assert!(text.contains("SYNCS"), "{text}");
    assert!(text.contains("✗ 1/2 failed"), "{text}");
    // r reloads both lists.
    let again = match press(&mut s, KeyCode::Char('r')).as_slice() {
        [Effect::LoadConnections(id, _)] => *id,
        other => panic!("{other:?}"),
    };
    assert!(matches!(
        update(&mut s, Msg::Connections(again, Ok(connections().into()))).as_slice(),
        [Effect::LoadSyncs(..)]
    ));
}

#[test]
fn at_organization_level_the_syncs_of_every_visible_project_are_asked_for() {
    let mut s = State::new(session(), Some(Scope::Organization));
    let id = match press(&mut s, KeyCode::Char('b')).as_slice() {
        [Effect::LoadConnections(id, None)] => *id,
        other => panic!("{other:?}"),
    };
    match update(&mut s, Msg::Connections(id, Ok(connections().into()))).as_slice() {
        [Effect::LoadSyncs(_, None)] => {}
        other => panic!("{other:?}"),
    }
    assert_eq!(s.step, Step::Browse);
}

#[test]
fn a_sync_list_that_fails_shows_a_question_mark_and_says_why_in_the_details() {
    let mut s = wizard();
    let id = loaded(&mut s);
    update(
        &mut s,
        Msg::BrowseSyncs(
            id,
            NOW,
            Box::new(BrowseSyncReply::Listed(Err(guidance(
                "Permission denied: the identity may not read Secret Syncs.",
            )))),
        ),
    );
    assert_eq!(s.browse.syncs.cell(TC), "?");
    assert!(screen(&s).contains("syncs not listed (see details)"));
    select(&mut s, "build-server");
    press(&mut s, KeyCode::Enter);
    let text = screen(&s);
    assert!(
        text.contains("not listed: Permission denied: the identity may not"),
        "{text}"
    );
}

#[test]
fn tab_chooses_a_sync_r_runs_it_and_it_is_read_again_until_it_ends() {
    let mut s = browsing_with(syncs());
    select(&mut s, "build-server");
    press(&mut s, KeyCode::Enter);
    assert_eq!(s.browse.view, View::Details);
    // Two syncs: r needs a choice first.
    assert!(press(&mut s, KeyCode::Char('r')).is_empty());
    assert_eq!(
        s.notice.as_deref(),
        Some("Press Tab to choose a sync first.")
    );
    press(&mut s, KeyCode::Tab);
    press(&mut s, KeyCode::Tab);
    let failed = syncs()[1].clone();
    assert_eq!(s.browse.syncs.selected.as_deref(), Some(failed.id.as_str()));
    let run = match press(&mut s, KeyCode::Char('r')).as_slice() {
        [Effect::RunSync(id, Destination::TeamCity, sync_id)] => {
            assert_eq!(sync_id, &failed.id);
            *id
        }
        other => panic!("{other:?}"),
    };
    // Pressing r again while it is followed sends nothing.
    assert!(press(&mut s, KeyCode::Char('r')).is_empty());
    let status = |st: &str| sync(with(failed.raw.clone(), "syncStatus", json!(st)));
    let first = match update(&mut s, one(run, status("pending"))).as_slice() {
        [Effect::RefreshSync(id, Destination::TeamCity, sync_id, 0)] => {
            assert_eq!(sync_id, &failed.id);
            *id
        }
        other => panic!("{other:?}"),
    };
    assert_eq!(s.browse.syncs.cell(TC), "… 1/2 running");
    let second = match update(&mut s, one(first, status("running"))).as_slice() {
        [Effect::RefreshSync(id, _, _, 1)] => *id,
        other => panic!("{other:?}"),
    };
    assert!(update(&mut s, one(second, status("succeeded"))).is_empty());
    assert_eq!(s.browse.syncs.cell(TC), "✓ 2");
    // The outcome replaces "Running … now…".
    assert_eq!(s.notice.as_deref(), Some("✓ backend-staging succeeded."));
    assert!(s.browse.syncs.watching.is_empty());
}

#[test]
fn a_run_the_server_refuses_says_why_under_the_sync() {
    let mut s = browsing_with(syncs());
    select(&mut s, "bitbucket-pipelines");
    press(&mut s, KeyCode::Enter);
    // The only sync of the connection needs no Tab.
    let run = match press(&mut s, KeyCode::Char('r')).as_slice() {
        [Effect::RunSync(id, Destination::Bitbucket, _)] => *id,
        other => panic!("{other:?}"),
    };
    let refused = "The KMS server refused: A job for this sync is already in progress. Please try again shortly.";
    let effects = update(
        &mut s,
        Msg::BrowseSyncs(
            run,
            NOW,
            Box::new(BrowseSyncReply::One(Err(guidance(refused)))),
        ),
    );
    assert!(effects.is_empty());
    assert_eq!(s.notice.as_deref(), Some(refused));
    assert!(screen(&s).contains("✗ The KMS server refused: A job for this sync"));
}

#[test]
fn deleting_a_sync_needs_its_name_and_may_remove_the_synced_secrets() {
    let mut s = browsing_with(syncs());
    select(&mut s, "bitbucket-pipelines");
    press(&mut s, KeyCode::Enter);
    press(&mut s, KeyCode::Char('x'));
    assert_eq!(s.browse.view, View::DeleteSync);
    type_text(&mut s, "api");
    assert!(press(&mut s, KeyCode::Enter).is_empty());
    assert_eq!(
        s.notice.as_deref(),
        Some("The name does not match: type api-pipelines exactly to delete it.")
    );
    type_text(&mut s, "-pipelines");
    press(&mut s, KeyCode::Tab);
    assert!(s.browse.syncs.delete.as_ref().unwrap().remove_secrets);
    let target = syncs()[2].clone();
    let del = match press(&mut s, KeyCode::Enter).as_slice() {
        [Effect::DeleteSync(id, Destination::Bitbucket, sync_id, true)] => {
            assert_eq!(sync_id, &target.id);
            *id
        }
        other => panic!("{other:?}"),
    };
    let answer = sync(with(target.raw.clone(), "removeStatus", json!("pending")));
    let follow = update(
        &mut s,
        Msg::BrowseSyncs(
            del,
            NOW,
            Box::new(BrowseSyncReply::Deleted(Ok(answer.clone()))),
        ),
    );
    assert_eq!(s.browse.view, View::Details);
    assert_eq!(
        s.notice.as_deref(),
        Some("Removing the synced secrets of api-pipelines…")
    );
    assert_eq!(s.browse.syncs.cell(BB), "—");
    // The server deletes the row once the secrets are removed: it is read until it is gone.
    let first = match follow.as_slice() {
        [Effect::RefreshSync(id, Destination::Bitbucket, sync_id, 0)] => {
            assert_eq!(sync_id, &target.id);
            *id
        }
        other => panic!("{other:?}"),
    };
    let second = match update(&mut s, one(first, answer)).as_slice() {
        [Effect::RefreshSync(id, Destination::Bitbucket, _, 1)] => *id,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        s.browse.syncs.cell(BB),
        "—",
        "a refresh does not bring it back"
    );
    let gone = guidance(&format!(
        "The KMS server answered 404: Could not find Bitbucket Sync with ID \"{}\".",
        target.id
    ));
    let effects = update(
        &mut s,
        Msg::BrowseSyncs(second, NOW, Box::new(BrowseSyncReply::One(Err(gone)))),
    );
    assert!(effects.is_empty());
    assert_eq!(s.notice.as_deref(), Some("Deleted the sync api-pipelines."));
    assert!(
        s.changes
            .iter()
            .any(|c| c.starts_with("Deleted Secret Sync api-pipelines (ID ")),
        "{:?}",
        s.changes
    );
    assert!(screen(&s).contains("Deleted the sync api-pipelines."));
}

#[test]
fn a_sync_deleted_at_once_is_in_the_summary() {
    let mut s = browsing_with(syncs());
    select(&mut s, "bitbucket-pipelines");
    press(&mut s, KeyCode::Enter);
    press(&mut s, KeyCode::Char('x'));
    type_text(&mut s, "api-pipelines");
    let del = match press(&mut s, KeyCode::Enter).as_slice() {
        [Effect::DeleteSync(id, _, _, false)] => *id,
        other => panic!("{other:?}"),
    };
    let target = syncs()[2].clone();
    let effects = update(
        &mut s,
        Msg::BrowseSyncs(del, NOW, Box::new(BrowseSyncReply::Deleted(Ok(target)))),
    );
    assert!(effects.is_empty());
    assert_eq!(s.notice.as_deref(), Some("Deleted the sync api-pipelines."));
    assert_eq!(s.changes.len(), 1, "{:?}", s.changes);
    assert!(s.changes[0].starts_with("Deleted Secret Sync api-pipelines"));
}

#[test]
fn a_refused_sync_delete_keeps_the_dialog_and_esc_goes_back() {
    let mut s = browsing_with(syncs());
    select(&mut s, "bitbucket-pipelines");
    press(&mut s, KeyCode::Enter);
    press(&mut s, KeyCode::Char('x'));
    type_text(&mut s, "api-pipelines");
    let del = match press(&mut s, KeyCode::Enter).as_slice() {
        [Effect::DeleteSync(id, _, _, false)] => *id,
        other => panic!("{other:?}"),
    };
    update(
        &mut s,
        Msg::BrowseSyncs(
            del,
            NOW,
            Box::new(BrowseSyncReply::Deleted(Err(guidance(
                "Permission denied: you are not allowed to delete on secret-syncs.",
            )))),
        ),
    );
    assert_eq!(s.browse.view, View::DeleteSync);
    assert!(screen(&s).contains("✗ Permission denied"));
    press(&mut s, KeyCode::Esc);
    assert_eq!(s.browse.view, View::Details);
    assert_eq!(s.browse.syncs.cell(BB), "… running");
}

#[test]
fn the_connection_delete_dialog_names_the_syncs_that_use_it() {
    let mut s = browsing_with(syncs());
    select(&mut s, "build-server");
    press(&mut s, KeyCode::Char('d'));
    assert_eq!(s.browse.view, View::Delete);
    let d = s.browse.delete.as_ref().unwrap();
    assert_eq!(
        d.used_by,
        [
            "backend-prod (TeamCity Backend)",
            "backend-staging (TeamCity Backend / Backend_Locked)"
        ]
    );
    let text = screen(&s);
    assert!(
        text.contains("2 Secret Syncs use it, so the server will refuse"),
        "{text}"
    );
    // Sent anyway (the list may be out of date); the refusal points at the list above.
    type_text(&mut s, "build-server");
    let del = match press(&mut s, KeyCode::Enter).as_slice() {
        [Effect::Delete(id, _, conn_id)] => {
            assert_eq!(conn_id, TC);
            *id
        }
        other => panic!("{other:?}"),
    };
    let refused = Guidance {
        trouble: Trouble::Server,
        headline: "The KMS server refused: this connection is still in use (by a Secret Sync, rotation or data source).".into(),
        hint: Some("Delete those or point them at another connection first; the server does not say which ones.".into()),
        fields: Vec::new(),
    };
    update(&mut s, Msg::Deleted(del, Err(refused)));
    assert_eq!(s.browse.view, View::Delete);
    let text = screen(&s);
    assert!(!text.contains("does not say which"), "{text}");
    assert!(
        text.contains("Delete the Secret Syncs listed above first: x on each"),
        "{text}"
    );
}

// ---- screens at 80x24 ----

#[test]
fn browse_list_with_syncs() {
    insta::assert_snapshot!(screen(&browsing_with(syncs())));
}

#[test]
fn browse_details_with_syncs() {
    let mut s = browsing_with(syncs());
    select(&mut s, "build-server");
    press(&mut s, KeyCode::Enter);
    press(&mut s, KeyCode::Tab);
    insta::assert_snapshot!(screen(&s));
}

#[test]
fn at_80_columns_the_details_of_a_connection_with_syncs_keep_esc_in_the_footer() {
    let mut s = browsing_with(syncs());
    select(&mut s, "build-server");
    press(&mut s, KeyCode::Enter);
    let text = screen(&s);
    let footer = text.lines().last().unwrap();
    for key in ["Esc back", "Tab sync", "r run", "x del sync", "? help"] {
        assert!(footer.contains(key), "{key:?} missing from {footer}");
    }
    // Copying the ID moved to the help, and still works.
    let help = kms_connect::tui::keys::hints(&s);
    assert!(
        help.iter().any(|h| h.key == "y" && !h.in_footer),
        "{help:?}"
    );
    assert!(matches!(
        press(&mut s, KeyCode::Char('y')).as_slice(),
        [Effect::Copy(_)]
    ));
}

#[test]
fn browse_delete_sync() {
    let mut s = browsing_with(syncs());
    select(&mut s, "bitbucket-pipelines");
    press(&mut s, KeyCode::Enter);
    press(&mut s, KeyCode::Char('x'));
    press(&mut s, KeyCode::Tab);
    type_text(&mut s, "api-pip");
    insta::assert_snapshot!(screen(&s));
}

#[test]
fn browse_delete_connection_used_by_syncs() {
    let mut s = browsing_with(syncs());
    select(&mut s, "build-server");
    press(&mut s, KeyCode::Char('d'));
    insta::assert_snapshot!(screen(&s));
}

// ---- hostile answers ----

/// A sync with the attacks in every text field, its message nested twice with attacks inside.
fn hostile_sync() -> SecretSync {
    let inner = json!({ "type": "error", "error": { "message": hostile_text("scope") } });
    let message = json!({ "secretKey": hostile_text("KEY"), "message": hostile_text("m"),
        "error": inner.to_string() });
    let mut v = row(
        7,
        &hostile_text("sync"),
        BB,
        "bitbucket",
        json!({ "workspaceSlug": hostile_text("ws"), "repositorySlug": hostile_text("repo"),
            "environmentId": hostile_text("{env}") }),
        json!("failed"),
    );
    v["lastSyncMessage"] = json!(message.to_string());
    v["lastSyncedAt"] = json!(hostile_text("t"));
    v["environment"]["slug"] = json!(hostile_text("prod"));
    v["folder"]["path"] = json!(hostile_text("/"));
    sync(v)
}

#[test]
fn hostile_sync_names_messages_and_destinations_come_out_clean() {
    assert!(ATTACKS.len() > 5);
    let mut s = browsing_with(vec![hostile_sync()]);
    screen(&s);
    select(&mut s, "bitbucket-pipelines");
    press(&mut s, KeyCode::Enter);
    press(&mut s, KeyCode::Tab);
    let details = screen(&s);
    assert!(details.contains("Secret Syncs (1)"), "{details}");
    // The cell, the decoded message and the names are cleaned where they are read.
    let label = s.browse.syncs.cell(BB).to_owned();
    assert_clean("the cell", &label, &[]);
    let m = hostile_sync().last_message().unwrap();
    assert_clean("the decoded message", &m.text, &[]);
    press(&mut s, KeyCode::Char('x'));
    assert_eq!(s.browse.view, View::DeleteSync);
    screen(&s);
    press(&mut s, KeyCode::Esc);
    press(&mut s, KeyCode::Char('d'));
    assert_eq!(s.browse.view, View::Delete);
    let dialog = screen(&s);
    assert!(dialog.contains("1 Secret Sync uses it"), "{dialog}");
}

#[test]
fn the_sync_delete_name_edits_like_a_shell_line() {
    let mut s = browsing_with(syncs());
    select(&mut s, "bitbucket-pipelines");
    press(&mut s, KeyCode::Enter);
    press(&mut s, KeyCode::Char('x'));
    type_text(&mut s, "api-pipelines oops");
    let ctrl = |c| Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL));
    // Ctrl-W takes the last word (not a letter w), Backspace the space before it.
    update(&mut s, ctrl('w'));
    press(&mut s, KeyCode::Backspace);
    let typed = |s: &kms_connect::tui::State| {
        s.browse
            .syncs
            .delete
            .as_ref()
            .unwrap()
            .typed
            .as_str()
            .to_owned()
    };
    assert_eq!(typed(&s), "api-pipelines");
    update(&mut s, ctrl('a'));
    press(&mut s, KeyCode::Char('x'));
    assert_eq!(typed(&s), "xapi-pipelines", "Ctrl-A moved to the start");
    update(&mut s, ctrl('z'));
    assert_eq!(typed(&s), "api-pipelines", "Ctrl-Z undid the x");
    // A pasted name goes in at the cursor, as typed text does.
    update(&mut s, Msg::Paste("!".into()));
    assert!(typed(&s).contains('!'));
}

#[test]
fn a_failed_run_replaces_the_running_line_with_the_failure() {
    let mut s = browsing_with(syncs());
    select(&mut s, "build-server");
    press(&mut s, KeyCode::Enter);
    press(&mut s, KeyCode::Tab);
    press(&mut s, KeyCode::Tab);
    let failed = syncs()[1].clone();
    let run = match press(&mut s, KeyCode::Char('r')).as_slice() {
        [Effect::RunSync(id, _, _)] => *id,
        other => panic!("{other:?}"),
    };
    assert_eq!(s.notice.as_deref(), Some("Running backend-staging now…"));
    assert!(update(&mut s, one(run, failed)).is_empty());
    let notice = s.notice.clone().unwrap();
    assert!(notice.starts_with("✗ backend-staging failed: "), "{notice}");
    assert!(!screen(&s).contains("Running backend-staging"));
}
