//! The sign-in screens at 80x24, as text (reviewed like code; CI never writes them).

mod common;

use common::*;
use crossterm::event::KeyCode;
use kms_connect::kms::Guidance;
use kms_connect::kms::error::Trouble;
use kms_connect::tui::signin::{DemoLogin, LoggedIn, Reply, Request, Start};
use kms_connect::tui::theme::Theme;
use kms_connect::tui::view::view;
use kms_connect::tui::{Effect, Msg, State, update};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const SECRET: &str = "cs-snapshot-secret";

fn screen(state: &State) -> String {
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    terminal
        .draw(|f| view(state, &Theme { no_color: true }, f))
        .unwrap();
    let text = terminal.backend().to_string();
    assert!(!text.contains(SECRET), "the secret is on screen:\n{text}");
    text
}

fn probe(s: &mut State) -> u64 {
    probe_id(&press(s, KeyCode::Enter)).0
}

fn at_identity(start: Start) -> State {
    let mut s = signed_out(start);
    let id = probe(&mut s);
    update(&mut s, Msg::SignIn(Reply::Probed(id, Ok(()))));
    s
}

fn filled(start: Start) -> State {
    let mut s = at_identity(start);
    type_text(&mut s, "5566afcc-2898-478b-a268-d0d025289739");
    press(&mut s, KeyCode::Tab);
    update(&mut s, Msg::Paste(SECRET.into()));
    press(&mut s, KeyCode::Tab);
    press(&mut s, KeyCode::Char(' '));
    s
}

fn logging_in(s: &mut State) -> u64 {
    match update(s, ctrl('s')).as_slice() {
        [Effect::SignIn(Request::LogIn(id, _))] => *id,
        other => panic!("{other:?}"),
    }
}

fn refused(headline: &str, hint: &str) -> Guidance {
    Guidance {
        trouble: Trouble::Server,
        headline: headline.into(),
        hint: Some(hint.into()),
        fields: Vec::new(),
    }
}

#[test]
fn signin_server_list() {
    insta::assert_snapshot!(screen(&signed_out(first_run())));
}

#[test]
fn signin_server_typed() {
    let mut s = signed_out(first_run());
    for _ in 0..4 {
        press(&mut s, KeyCode::Down);
    }
    type_text(&mut s, "https://kms.internal.example.com");
    insta::assert_snapshot!(screen(&s));
}

#[test]
fn signin_server_checking() {
    let mut s = signed_out(first_run());
    probe(&mut s);
    insta::assert_snapshot!(screen(&s));
}

#[test]
fn signin_server_not_a_kms() {
    let mut s = signed_out(first_run());
    press(&mut s, KeyCode::Down);
    let id = probe(&mut s);
    let g = refused(
        "kms.hanzo.ai answered a web page (200) to /api/status: this is not an Infisical-compatible KMS API.",
        "Check the URL: it should be the server's base address, as you open it in a browser (e.g. https://app.kms.hanzo.ai).",
    );
    update(&mut s, Msg::SignIn(Reply::Probed(id, Err(g))));
    insta::assert_snapshot!(screen(&s));
}

#[test]
fn signin_identity_empty() {
    insta::assert_snapshot!(screen(&at_identity(first_run())));
}

#[test]
fn signin_identity_filled_secret_masked() {
    insta::assert_snapshot!(screen(&filled(first_run())));
}

#[test]
fn signin_identity_signing_in() {
    let mut s = filled(first_run());
    logging_in(&mut s);
    insta::assert_snapshot!(screen(&s));
}

#[test]
fn signin_identity_locked_out() {
    let mut s = filled(first_run());
    let id = logging_in(&mut s);
    let g = refused(
        "The KMS server refused the sign-in: This identity auth method is temporarily locked, please try again later.",
        "Too many wrong secrets: wait a few minutes (5 by default), then try again.",
    );
    update(&mut s, Msg::SignIn(Reply::LoggedIn(id, Err(g))));
    insta::assert_snapshot!(screen(&s));
}

#[test]
fn signin_identity_token() {
    let mut s = at_identity(first_run());
    press(&mut s, KeyCode::BackTab);
    press(&mut s, KeyCode::Right);
    insta::assert_snapshot!(screen(&s));
}

#[test]
fn signin_identity_demo() {
    let demo = DemoLogin {
        server: "http://127.0.0.1:40100".into(),
        rows: vec![
            ("Client ID".into(), "demo-client-id".into()),
            (
                "Client secret (all of them)".into(),
                "demo-client-secret".into(),
            ),
            (
                "Access token (to paste)".into(),
                "kms-demo-access-token".into(),
            ),
            ("Tokens that last 30 s".into(), "demo-short-lived".into()),
            ("In no project".into(), "demo-no-projects".into()),
            ("Secret expired".into(), "demo-expired-secret".into()),
        ],
    };
    let s = at_identity(Start {
        demo: Some(demo),
        can_save: false,
        ..first_run()
    });
    insta::assert_snapshot!(screen(&s));
}

#[test]
fn signin_then_no_projects_visible() {
    let mut s = filled(first_run());
    let id = logging_in(&mut s);
    let who = LoggedIn {
        identity: "universal auth 5566afcc-2898-478b-a268-d".into(),
        organization: Some("Acme".into()),
        save_problem: None,
    };
    let load = match update(&mut s, Msg::SignIn(Reply::LoggedIn(id, Ok(who)))).as_slice() {
        [Effect::LoadProjects(l)] => *l,
        other => panic!("{other:?}"),
    };
    update(&mut s, Msg::Projects(load, Ok(Vec::new())));
    insta::assert_snapshot!(screen(&s));
}

#[test]
fn signin_project_filter() {
    let mut s = State::new(session(), None);
    let load = match s.start().as_slice() {
        [Effect::LoadProjects(l)] => *l,
        other => panic!("{other:?}"),
    };
    let p = |id: &str, name: &str, slug: &str| kms_connect::kms::Project {
        id: id.into(),
        name: name.into(),
        slug: slug.into(),
    };
    update(
        &mut s,
        Msg::Projects(
            load,
            Ok(vec![
                p("p-1", "Payments", "payments"),
                p("p-2", "Web shop", "web-shop"),
                p("p-3", "Shop admin", "shop-admin"),
            ]),
        ),
    );
    press(&mut s, KeyCode::Char('/'));
    type_text(&mut s, "shop");
    insta::assert_snapshot!(screen(&s));
}

#[test]
fn a_plain_http_server_is_flagged_before_the_secret_is_typed() {
    let mut start = first_run();
    start.server = Some("http://kms.internal.example:8080".into());
    let text = screen(&at_identity(start));
    assert!(text.contains("⚠ This server is plain http://"), "{text}");
    let text = screen(&at_identity(first_run()));
    assert!(!text.contains("plain http://"), "{text}");
}
