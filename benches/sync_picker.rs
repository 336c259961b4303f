//! The TUI's destination picker with 1,000 entries: one keystroke typed into its `/` filter
//! through `update`, and the frame drawn after it, must stay well under 2 ms (issue 14).

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kms_connect::apps::destinations::{Node, Tree};
use kms_connect::kms::AppConnection;
use kms_connect::kms::syncs::Environment;
use kms_connect::tui::msg::SyncReply;
use kms_connect::tui::sync::Mode;
use kms_connect::tui::theme::Theme;
use kms_connect::tui::{Msg, Scope, Session, State, update};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn key(c: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(c, KeyModifiers::NONE))
}

/// A Bitbucket picker on its repository level, 1,000 repositories listed.
fn picker() -> State {
    let session = Session {
        server: "kms.example.com".into(),
        identity: "bench".into(),
        demo: None,
    };
    let scope = Scope::Project {
        id: "p".into(),
        name: "p".into(),
    };
    let mut s = State::new(session, Some(scope));
    let conn = AppConnection {
        id: "e5d18aca-86f7-4026-a95e-efb8aeb0d8e6".into(),
        name: "bb".into(),
        app: "bitbucket".into(),
        project_id: Some("p".into()),
        ..Default::default()
    };
    let effects = kms_connect::tui::sync::open_from_browse(&mut s, &conn);
    let id = match effects.as_slice() {
        [kms_connect::tui::Effect::Sync(r)] => r.id(),
        _ => panic!("no environments request"),
    };
    let env = Environment {
        id: "e".into(),
        name: "Production".into(),
        slug: "prod".into(),
    };
    update(
        &mut s,
        Msg::Sync(Box::new(SyncReply::Environments(id, Ok(vec![env])))),
    );
    update(&mut s, key(KeyCode::Enter));
    let repos = (0..1_000)
        .map(|i| Node {
            id: format!("service-{i:04}"),
            name: format!(
                "acme/service-{i:04}-{}",
                ["api", "web", "worker", "infra"][i % 4]
            ),
            kind: "repository",
            children: Vec::new(),
        })
        .collect();
    let f = s.sync.as_mut().expect("flow open");
    f.destination.mode = Mode::Pick;
    f.destination.tree = Some(Tree {
        roots: vec![Node {
            id: "acme".into(),
            name: "Acme".into(),
            kind: "workspace",
            children: repos,
        }],
        warnings: Vec::new(),
    });
    update(&mut s, key(KeyCode::Enter)); // the workspace: its 1,000 repositories
    update(&mut s, key(KeyCode::Char('/')));
    s
}

fn bench(c: &mut Criterion) {
    let theme = Theme { no_color: true };
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    let mut s = picker();
    c.bench_function(
        "sync picker: one keystroke in the filter of 1,000 entries, drawn",
        |b| {
            b.iter(|| {
                update(&mut s, key(KeyCode::Char('w')));
                terminal
                    .draw(|f| kms_connect::tui::view::view(black_box(&s), &theme, f))
                    .unwrap();
                update(&mut s, key(KeyCode::Backspace));
            })
        },
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
