//! Browsing a project with 10,000 connections: every keystroke (move, filter, app filter,
//! sort) must stay well under 2 ms including the redraw, because only visible rows are drawn
//! and filtering never re-fetches. Each connection has two Secret Syncs: the SYNCS cells are
//! counted when the sync list arrives, never while drawing.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kms_connect::kms::AppConnection;
use kms_connect::kms::sync_lists::SyncList;
use kms_connect::kms::syncs::SecretSync;
use kms_connect::tui::msg::BrowseSyncReply;
use kms_connect::tui::theme::Theme;
use kms_connect::tui::view::view;
use kms_connect::tui::{Effect, Msg, Scope, Session, State, update};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::json;

const COUNT: usize = 10_000;

fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn connections() -> Vec<AppConnection> {
    let apps = [
        (
            "teamcity",
            "access-token",
            json!({"instanceUrl": "https://ci.example.com"}),
        ),
        (
            "octopus-deploy",
            "api-key",
            json!({"instanceUrl": "https://octopus.example.com"}),
        ),
        (
            "bitbucket",
            "api-token",
            json!({"email": "dev@example.com"}),
        ),
        ("northflank", "api-token", json!({})),
    ];
    (0..COUNT)
        .map(|i| {
            let (app, method, creds) = &apps[i % apps.len()];
            let raw = json!({
                "id": format!("00000000-0000-4000-8000-{i:012}"),
                "name": format!("{app}-connection-{i:05}"),
                "app": app,
                "method": method,
                "credentials": creds,
                "projectId": "p1",
                "updatedAt": format!("2025-11-{:02}T10:00:00.000Z", 1 + i % 28),
                "credentialsHash": "0".repeat(64),
            });
            serde_json::from_value(raw).unwrap()
        })
        .collect()
}

/// The browser with the 10,000 connections loaded.
fn browsing() -> State {
    let session = Session {
        server: "kms.example.com".into(),
        identity: "access token".into(),
        demo: None,
    };
    let scope = Scope::Project {
        id: "p1".into(),
        name: "Big project".into(),
    };
    let mut state = State::new(session, Some(scope));
    let effects = update(&mut state, key(KeyCode::Char('b')));
    let Some(Effect::LoadConnections(id, _)) = effects.first() else {
        panic!("{effects:?}")
    };
    let effects = update(&mut state, Msg::Connections(*id, Ok(connections().into())));
    let Some(Effect::LoadSyncs(syncs_id, _)) = effects.first() else {
        panic!("{effects:?}")
    };
    // Every connection has syncs: the SYNCS cells are counted once, here, not per draw.
    let list = SyncList {
        syncs: syncs(),
        ..SyncList::default()
    };
    update(
        &mut state,
        Msg::BrowseSyncs(
            *syncs_id,
            1_767_226_200,
            Box::new(BrowseSyncReply::Listed(Ok(list))),
        ),
    );
    state
}

/// Two syncs per connection, one of every fourth failed.
fn syncs() -> Vec<SecretSync> {
    (0..COUNT * 2)
        .map(|i| {
            let conn = format!("00000000-0000-4000-8000-{:012}", i / 2);
            let status = if i % 8 == 1 { "failed" } else { "succeeded" };
            SecretSync::from_value(json!({
                "id": format!("10000000-0000-4000-8000-{i:012}"),
                "name": format!("sync-{i}"),
                "destination": "teamcity",
                "destinationConfig": { "project": "Backend" },
                "projectId": "p1",
                "connectionId": conn,
                "updatedAt": "2026-01-01T00:00:00.000Z",
                "syncStatus": status,
                "lastSyncMessage": if status == "failed" { json!("{\"error\":\"\\\"403\\\"\"}") } else { json!(null) },
                "environment": { "slug": "prod" },
                "folder": { "id": "f", "path": "/" },
            }))
            .unwrap()
        })
        .collect()
}

fn browse(c: &mut Criterion) {
    let theme = Theme { no_color: false };
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    let mut state = browsing();
    assert_eq!(state.browse.visible.len(), COUNT);
    assert_ne!(
        state
            .browse
            .syncs
            .cell("00000000-0000-4000-8000-000000000000"),
        "—"
    );

    c.bench_function("browse 10k: move down + up, draw", |b| {
        b.iter(|| {
            update(&mut state, key(KeyCode::Down));
            update(&mut state, key(KeyCode::Up));
            terminal
                .draw(|f| view(black_box(&state), &theme, f))
                .unwrap();
        })
    });

    update(&mut state, key(KeyCode::Char('/')));
    // One keystroke and one redraw per iteration: a character typed, then (next iteration)
    // erased, so the filter never grows and both directions are in the mean.
    let mut typed = false;
    c.bench_function(
        "browse 10k: one filter keystroke (type or erase), draw",
        |b| {
            b.iter(|| {
                let code = if typed {
                    KeyCode::Backspace
                } else {
                    KeyCode::Char('7')
                };
                typed = !typed;
                update(&mut state, key(code));
                terminal
                    .draw(|f| view(black_box(&state), &theme, f))
                    .unwrap();
            })
        },
    );
    update(&mut state, key(KeyCode::Esc));

    c.bench_function("browse 10k: cycle the app filter, draw", |b| {
        b.iter(|| {
            update(&mut state, key(KeyCode::Char('a')));
            terminal
                .draw(|f| view(black_box(&state), &theme, f))
                .unwrap();
        })
    });

    c.bench_function("browse 10k: change the sort, draw", |b| {
        b.iter(|| {
            update(&mut state, key(KeyCode::Char('s')));
            terminal
                .draw(|f| view(black_box(&state), &theme, f))
                .unwrap();
        })
    });
}

criterion_group!(benches, browse);
criterion_main!(benches);
