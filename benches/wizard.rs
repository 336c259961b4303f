//! Speed goals of the wizard, measured rather than asserted in tests:
//! - the first frame is cheap to build and draw (it must appear within 30 ms of start);
//! - a keystroke in the form costs far less than a frame interval.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kms_connect::tui::theme::Theme;
use kms_connect::tui::view::view;
use kms_connect::tui::{Msg, Scope, Session, State, update};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn session() -> Session {
    Session {
        server: "kms.example.com".into(),
        identity: "access token".into(),
        demo: None,
    }
}

fn scope() -> Option<Scope> {
    Some(Scope::Project {
        id: "7ffbb072-2575-495a-b5b0-127f88caef78".into(),
        name: "Demo project".into(),
    })
}

fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn first_frame(c: &mut Criterion) {
    let theme = Theme { no_color: false };
    c.bench_function("first frame: new state + draw 80x24", |b| {
        b.iter(|| {
            let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
            let state = State::new(session(), scope());
            terminal
                .draw(|f| view(black_box(&state), &theme, f))
                .unwrap();
        })
    });
}

fn keystrokes(c: &mut Criterion) {
    let theme = Theme { no_color: false };
    let mut state = State::new(session(), scope());
    update(&mut state, key(KeyCode::Enter));
    update(&mut state, key(KeyCode::Enter));
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    c.bench_function("form keystroke: update + draw", |b| {
        b.iter(|| {
            update(&mut state, key(KeyCode::Char('a')));
            update(&mut state, key(KeyCode::Backspace));
            terminal.draw(|f| view(&state, &theme, f)).unwrap();
        })
    });
    let mut state = State::new(session(), scope());
    update(&mut state, key(KeyCode::Enter));
    c.bench_function("instructions scroll: update + draw", |b| {
        b.iter(|| {
            update(&mut state, key(KeyCode::Down));
            update(&mut state, key(KeyCode::Up));
            terminal.draw(|f| view(&state, &theme, f)).unwrap();
        })
    });
}

criterion_group!(benches, first_frame, keystrokes);
criterion_main!(benches);
