//! Every screen at 80x24, as text. Snapshots live in tests/snapshots/ and are reviewed like code;
//! CI never writes them.

mod common;

use common::*;
use crossterm::event::KeyCode;
use kms_connect::apps::checks::{CheckKind, CheckLine, Checklist, Status};
use kms_connect::apps::{OutcomeCode, TestOutcome};
use kms_connect::kms::error::Trouble;
use kms_connect::kms::{AppConnection, Guidance, Project};
use kms_connect::tui::theme::Theme;
use kms_connect::tui::view::view;
use kms_connect::tui::{Effect, Msg, Scope, State, update};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::Color;

const SECRET: &str = "tok-snapshot-secret";

fn draw_with(state: &State, theme: Theme, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    terminal.draw(|f| view(state, &theme, f)).unwrap();
    terminal
}

fn screen(state: &State) -> String {
    let terminal = draw_with(state, Theme { no_color: false }, 80, 24);
    let text = terminal.backend().to_string();
    assert!(!text.contains(SECRET), "the secret is on screen:\n{text}");
    text
}

fn submitted(s: &mut State) -> u64 {
    to_form(s, 0);
    fill_teamcity(s, SECRET);
    match update(s, ctrl('s')).as_slice() {
        [Effect::Test(id, ..)] => *id,
        other => panic!("{other:?}"),
    }
}

fn outcome(ok: bool) -> TestOutcome {
    TestOutcome {
        ok,
        code: if ok {
            OutcomeCode::Ok
        } else {
            OutcomeCode::Redirect
        },
        message: if ok {
            "TeamCity accepted the credential: version 2025.07 (build 197398).".into()
        } else {
            "https://ci.example.com/app/rest/server redirects (302) to https://ci.example.com/login.html.".into()
        },
        hint: (!ok)
            .then(|| "The KMS server does not follow redirects: use the final URL instead.".into()),
        missing: Vec::new(),
        learned: Vec::new(),
        retry_after_secs: None,
        url: "https://ci.example.com/app/rest/server".into(),
        cautions: Vec::new(),
    }
}

fn at_review(s: &mut State) -> u64 {
    let id = submitted(s);
    update(s, Msg::Tested(id, outcome(true)));
    press(s, KeyCode::Enter);
    match press(s, KeyCode::Enter).as_slice() {
        [Effect::Create(id, ..)] => *id,
        other => panic!("{other:?}"),
    }
}

#[test]
fn project_loading() {
    let mut s = State::new(session(), None);
    s.start();
    insta::assert_snapshot!(screen(&s));
}

#[test]
fn project_list() {
    let mut s = State::new(session(), None);
    let [Effect::LoadProjects(id)] = s.start()[..] else {
        panic!()
    };
    let projects = vec![
        Project {
            id: "p1".into(),
            name: "Payments".into(),
            slug: "payments".into(),
        },
        Project {
            id: "p2".into(),
            name: "Web \u{1b}[31mshop".into(),
            slug: "web-shop".into(),
        },
    ];
    update(&mut s, Msg::Projects(id, Ok(projects)));
    insta::assert_snapshot!(screen(&s));
}

#[test]
fn project_given_but_not_found() {
    // `--project nope`: the wizard looked for it, and asks instead of sending it.
    let scope = Scope::Project {
        id: "nope\u{1b}]0;x\u{7}".into(),
        name: String::new(),
    };
    let mut s = State::new(session(), Some(scope));
    s.scope_check = true;
    let [Effect::LoadProjects(id)] = s.start()[..] else {
        panic!()
    };
    let projects = vec![Project {
        id: "p1".into(),
        name: "Payments".into(),
        slug: "payments".into(),
    }];
    update(&mut s, Msg::Projects(id, Ok(projects)));
    insta::assert_snapshot!(screen(&s));
}

#[test]
fn project_error() {
    let mut s = State::new(session(), None);
    let [Effect::LoadProjects(id)] = s.start()[..] else {
        panic!()
    };
    let g = Guidance {
        trouble: Trouble::Server,
        headline: "Your KMS token was rejected or has expired: Your token has expired. Please re-authenticate.".into(),
        hint: Some("Sign in again (kms-connect login, or s on the wizard's step 1), or set a fresh KMS_TOKEN.".into()),
        fields: vec![],
    };
    update(&mut s, Msg::Projects(id, Err(g)));
    insta::assert_snapshot!(screen(&s));
}

#[test]
fn pick_an_app() {
    insta::assert_snapshot!(screen(&wizard()));
}

#[test]
fn header_with_a_user_session_token() {
    // The identity route refuses a user's session token (403): the header says what it is and
    // names the organization from its claims instead.
    let token = kms_connect::kms::auth::Credentials::Token(secrecy::SecretString::from(
        kms_connect::sandbox::demo::USER_SESSION_TOKEN,
    ));
    let s = State::new(
        kms_connect::tui::Session {
            identity: token.describe(),
            ..session()
        },
        Some(project()),
    );
    insta::assert_snapshot!(screen(&s));
}

#[test]
fn pick_filtering() {
    let mut s = wizard();
    press(&mut s, KeyCode::Char('/'));
    type_text(&mut s, "oct");
    insta::assert_snapshot!(screen(&s));
}

#[test]
fn instructions_teamcity_demo() {
    let mut s = demo_wizard();
    press(&mut s, KeyCode::Enter);
    insta::assert_snapshot!(screen(&s));
}

#[test]
fn instructions_octopus_scrolled() {
    let mut s = wizard();
    press(&mut s, KeyCode::Down);
    press(&mut s, KeyCode::Enter);
    press(&mut s, KeyCode::PageDown);
    insta::assert_snapshot!(screen(&s));
}

#[test]
fn instructions_bitbucket_scanning_scopes() {
    let mut s = wizard();
    press(&mut s, KeyCode::Down);
    press(&mut s, KeyCode::Down);
    press(&mut s, KeyCode::Enter);
    press(&mut s, KeyCode::Char('s'));
    press(&mut s, KeyCode::PageDown);
    insta::assert_snapshot!(screen(&s));
}

#[test]
fn instructions_bitbucket_sync_scopes() {
    let mut s = wizard();
    press(&mut s, KeyCode::Down);
    press(&mut s, KeyCode::Down);
    press(&mut s, KeyCode::Enter);
    // The choice is named on the first page, before the list.
    assert!(screen(&s).contains("press s to see those for Secret Scanning"));
    press(&mut s, KeyCode::PageDown);
    press(&mut s, KeyCode::PageDown);
    insta::assert_snapshot!(screen(&s));
}

#[test]
fn instructions_northflank() {
    let mut s = wizard();
    to_form(&mut s, 3);
    press(&mut s, KeyCode::Esc);
    insta::assert_snapshot!(screen(&s));
}

#[test]
fn form_empty() {
    let mut s = wizard();
    to_form(&mut s, 0);
    insta::assert_snapshot!(screen(&s));
}

#[test]
fn form_with_errors() {
    let mut s = wizard();
    to_form(&mut s, 2);
    type_text(&mut s, "My Bitbucket");
    press(&mut s, KeyCode::Tab);
    press(&mut s, KeyCode::Tab);
    type_text(&mut s, "jdoe");
    update(&mut s, ctrl('s'));
    insta::assert_snapshot!(screen(&s));
}

#[test]
fn form_filled_secret_masked() {
    let mut s = wizard();
    to_form(&mut s, 0);
    fill_teamcity(&mut s, SECRET);
    insta::assert_snapshot!(screen(&s));
}

#[test]
fn test_running() {
    let mut s = wizard();
    submitted(&mut s);
    insta::assert_snapshot!(screen(&s));
}

#[test]
fn test_passed() {
    let mut s = wizard();
    let id = submitted(&mut s);
    update(&mut s, Msg::Tested(id, outcome(true)));
    insta::assert_snapshot!(screen(&s));
}

#[test]
fn test_failed() {
    let mut s = wizard();
    let id = submitted(&mut s);
    update(&mut s, Msg::Tested(id, outcome(false)));
    insta::assert_snapshot!(screen(&s));
}

#[test]
fn review() {
    let mut s = wizard();
    let id = submitted(&mut s);
    update(&mut s, Msg::Tested(id, outcome(true)));
    press(&mut s, KeyCode::Enter);
    insta::assert_snapshot!(screen(&s));
}

#[test]
fn review_creating() {
    let mut s = wizard();
    at_review(&mut s);
    insta::assert_snapshot!(screen(&s));
}

#[test]
fn review_server_error() {
    let mut s = wizard();
    let id = at_review(&mut s);
    let g = Guidance {
        trouble: Trouble::Server,
        headline: "Permission denied: You are not allowed to create on app-connections.".into(),
        hint: Some("Your identity needs the \"create\" permission on App Connections in this project (or organization).".into()),
        fields: vec![],
    };
    update(&mut s, Msg::Created(id, Err(g)));
    insta::assert_snapshot!(screen(&s));
}

#[test]
fn done() {
    let mut s = wizard();
    let id = at_review(&mut s);
    let creds = serde_json::json!({ "instanceUrl": "https://ci.example.com" });
    let conn = AppConnection {
        id: "e5d18aca-86f7-4026-a95e-efb8aeb0d8e6".into(),
        name: "ci-teamcity".into(),
        description: Some("Build server".into()),
        app: "teamcity".into(),
        method: "access-token".into(),
        credentials: creds.as_object().unwrap().clone(),
        project_id: Some("7ffbb072-2575-495a-b5b0-127f88caef78".into()),
        created_at: "2025-04-23T19:46:34.831Z".into(),
        updated_at: "2025-04-23T19:46:34.831Z".into(),
        credentials_hash: "7c2d371dec195f82a6a0d5b41c970a229cfcaf88e894a5b6395e2dbd0280661f".into(),
        ..Default::default()
    };
    update(&mut s, Msg::Created(id, Ok(conn)));
    insta::assert_snapshot!(screen(&s));
}

#[test]
fn help_overlay() {
    let mut s = wizard();
    to_form(&mut s, 0);
    press(&mut s, KeyCode::F(1));
    insta::assert_snapshot!(screen(&s));
}

#[test]
fn too_small_says_so() {
    let terminal = draw_with(&wizard(), Theme { no_color: false }, 60, 20);
    insta::assert_snapshot!(terminal.backend().to_string());
}

#[test]
fn no_color_draws_without_any_colour() {
    let mut s = demo_wizard();
    press(&mut s, KeyCode::Enter);
    for state in [wizard(), s] {
        let terminal = draw_with(&state, Theme { no_color: true }, 80, 24);
        for cell in terminal.backend().buffer().content() {
            assert_eq!(
                (cell.fg, cell.bg),
                (Color::Reset, Color::Reset),
                "coloured cell {cell:?}"
            );
        }
    }
}

#[test]
fn selection_is_marked_without_colour() {
    let terminal = draw_with(&wizard(), Theme { no_color: true }, 80, 24);
    assert!(terminal.backend().to_string().contains("> TeamCity"));
}

#[test]
fn form_with_server_errors() {
    let mut s = wizard();
    let id = at_review(&mut s);
    let g = Guidance {
        trouble: Trouble::Input,
        headline: "The KMS server rejected some fields.".into(),
        hint: None,
        fields: vec![
            (
                kms_connect::apps::FieldId::Name,
                "An App Connection with the name \"ci-teamcity\" already exists".into(),
            ),
            (
                kms_connect::apps::FieldId::Target,
                "Local IPs not allowed as URL".into(),
            ),
        ],
    };
    update(&mut s, Msg::Created(id, Err(g)));
    insta::assert_snapshot!(screen(&s));
}

#[test]
fn done_bitbucket_offers_sync_and_scanning() {
    let mut s = wizard();
    to_form(&mut s, 2);
    type_text(&mut s, "ci-bitbucket");
    press(&mut s, KeyCode::Tab);
    press(&mut s, KeyCode::Tab);
    type_text(&mut s, "ci@example.com");
    press(&mut s, KeyCode::Tab);
    update(&mut s, Msg::Paste(SECRET.into()));
    let [Effect::Test(id, ..)] = update(&mut s, ctrl('s'))[..] else {
        panic!()
    };
    update(&mut s, Msg::Tested(id, outcome(true)));
    press(&mut s, KeyCode::Enter);
    let [Effect::Create(id, ..)] = press(&mut s, KeyCode::Enter)[..] else {
        panic!()
    };
    let creds = serde_json::json!({ "email": "ci@example.com" });
    let conn = AppConnection {
        id: "e5d18aca-86f7-4026-a95e-efb8aeb0d8e6".into(),
        name: "ci-bitbucket".into(),
        app: "bitbucket".into(),
        method: "api-token".into(),
        credentials: creds.as_object().unwrap().clone(),
        project_id: Some("7ffbb072-2575-495a-b5b0-127f88caef78".into()),
        created_at: "2025-04-23T19:46:34.831Z".into(),
        credentials_hash: "7c2d371dec195f82a6a0d5b41c970a229cfcaf88e894a5b6395e2dbd0280661f".into(),
        ..Default::default()
    };
    update(&mut s, Msg::Created(id, Ok(conn)));
    insta::assert_snapshot!(screen(&s));
}

fn check(kind: CheckKind, status: Status, message: &str, hint: Option<&str>) -> CheckLine {
    let line = CheckLine::new(kind, status, message);
    match hint {
        Some(h) => line.hint(h),
        None => line,
    }
}

/// The Test step after a passing server check with these lines after it.
fn checklist_screen(extra: Vec<CheckLine>) -> State {
    let mut s = wizard();
    let id = submitted(&mut s);
    let list = Checklist {
        server: outcome(true),
        extra,
    };
    update(&mut s, Msg::Checked(id, list));
    s
}

#[test]
fn test_checklist_shows_the_hint_of_a_passing_line() {
    let s = checklist_screen(vec![check(
        CheckKind::Permissions,
        Status::Ok,
        "The token sees 3 projects.",
        Some(
            "Name the target project in \"Project to check\" to check View settings and Edit project on it.",
        ),
    )]);
    let text = screen(&s);
    assert!(text.contains("Name the target project"), "{text}");
}

#[test]
fn test_checklist_with_warnings() {
    let s = checklist_screen(vec![
        check(
            CheckKind::Who,
            Status::Ok,
            "The token acts as TeamCity user svc-kms (KMS sync).",
            None,
        ),
        check(
            CheckKind::Expiry,
            Status::Warn,
            "The token \"kms-connect\" expires on 2026-11-27 (5 days). Rotate it before then.",
            None,
        ),
        check(
            CheckKind::Permissions,
            Status::Warn,
            "Missing TeamCity permission \"Edit project\" on Backend.",
            Some("Add it to the token (Limit per project) or make a token with the user's rights."),
        ),
    ]);
    insta::assert_snapshot!(screen(&s));
}

#[test]
fn test_checklist_unknown_expiry_and_private_ca() {
    let s = checklist_screen(vec![
        check(
            CheckKind::Expiry,
            Status::Unknown,
            "Expiry unknown: this token cannot read the user's token list (403).",
            Some("Check it under Profile → Access Tokens."),
        ),
        check(
            CheckKind::Tls,
            Status::Warn,
            "TLS was trusted through the CA in /etc/ssl/corp-ca.pem: the KMS server must trust that CA too.",
            Some(
                "Self-hosted: install the CA on the KMS server (its CA store or NODE_EXTRA_CA_CERTS); KMS Cloud cannot use a private CA.",
            ),
        ),
    ]);
    insta::assert_snapshot!(screen(&s));
}

#[test]
fn form_teamcity_optional_check_fields() {
    let mut s = wizard();
    to_form(&mut s, 0);
    fill_teamcity(&mut s, SECRET);
    press(&mut s, KeyCode::Tab);
    type_text(&mut s, "Backend");
    press(&mut s, KeyCode::Tab);
    insta::assert_snapshot!(screen(&s));
}

#[test]
fn the_suggestion_hint_goes_once_a_name_is_typed() {
    let mut s = wizard();
    to_form(&mut s, 0);
    assert!(screen(&s).contains("→ takes the suggestion"));
    type_text(&mut s, "ci");
    let text = screen(&s);
    assert!(!text.contains("takes the suggestion"), "{text}");
    assert!(text.contains("a-z, 0-9 and hyphens, up to 64"), "{text}");
}

#[test]
fn help_on_the_instructions_lists_the_paging_keys_the_footer_has_no_room_for() {
    let mut s = wizard();
    press(&mut s, KeyCode::Enter);
    let footer = screen(&s);
    assert!(!footer.contains("page up"), "{footer}");
    press(&mut s, KeyCode::Char('?'));
    let help = screen(&s);
    for key in ["Space", "PgUp", "Home/g"] {
        assert!(help.contains(key), "{key} missing:\n{help}");
    }
}

#[test]
fn review_after_a_test_with_a_warning() {
    let mut s = wizard();
    let id = submitted(&mut s);
    let list = Checklist {
        server: outcome(true),
        extra: vec![CheckLine::new(
            CheckKind::Permissions,
            Status::Warn,
            "Missing TeamCity permission \"Edit project\" on Backend.",
        )],
    };
    update(&mut s, Msg::Checked(id, list));
    press(&mut s, KeyCode::Enter);
    let text = screen(&s);
    assert!(
        text.contains("✓ passed, with 1 warning (see step 4)"),
        "{text}"
    );
}

#[test]
fn form_teamcity_scrolls_to_the_ca_certificate() {
    let mut s = wizard();
    to_form(&mut s, 0);
    fill_teamcity(&mut s, SECRET);
    for _ in 0..3 {
        press(&mut s, KeyCode::Tab);
    }
    insta::assert_snapshot!(screen(&s));
}

/// Every field of every app, focused in turn at 80x24: its marked label and the rows under it
/// are on screen, and a marker says when fields are hidden above or below.
#[test]
fn every_focused_field_is_in_view_at_80x24() {
    for (index, app) in kms_connect::apps::CATALOG.iter().enumerate() {
        let mut s = wizard();
        to_form(&mut s, index);
        let fields = app.fields();
        for (i, &id) in fields.iter().enumerate() {
            let text = screen(&s);
            let label = format!("▸ {}", app.field_label(id));
            assert!(text.contains(&label), "{} {label}:\n{text}", app.slug);
            let label_row = text.lines().position(|l| l.contains(&label)).unwrap();
            // Two rows for its help or error, above the footer's two rows.
            assert!(
                label_row + 2 < 24 - 2,
                "{} {label} at {label_row}:\n{text}",
                app.slug
            );
            if i + 1 < fields.len() && !text.contains(app.field_label(fields[fields.len() - 1])) {
                assert!(text.contains("more below"), "{}:\n{text}", app.slug);
            }
            if !text.contains("▸ Name") && !text.contains("  Name  ") {
                assert!(text.contains("more above"), "{}:\n{text}", app.slug);
            }
            press(&mut s, KeyCode::Tab);
        }
    }
}

#[test]
fn no_checked_line_when_no_request_was_made() {
    let mut s = wizard();
    let id = submitted(&mut s);
    let unreadable = kms_connect::apps::checks::ca_unusable(
        "The CA certificate file ca.pem could not be read: no such file.".into(),
    );
    update(&mut s, Msg::Tested(id, unreadable));
    let text = screen(&s);
    assert!(text.contains("could not be read"), "{text}");
    assert!(!text.contains("Checked: GET"), "{text}");
}

#[test]
fn review_wraps_long_values() {
    let mut s = wizard();
    to_form(&mut s, 0);
    type_text(
        &mut s,
        "ci-teamcity-for-the-backend-services-of-the-whole-organization",
    );
    press(&mut s, KeyCode::Tab);
    type_text(
        &mut s,
        "Builds every backend service and deploys them to staging; the end of this is here",
    );
    press(&mut s, KeyCode::Tab);
    type_text(&mut s, "https://ci.example.com/");
    press(&mut s, KeyCode::Tab);
    type_text(&mut s, SECRET);
    let id = match update(&mut s, ctrl('s')).as_slice() {
        [Effect::Test(id, ..)] => *id,
        other => panic!("{other:?}"),
    };
    update(&mut s, Msg::Tested(id, outcome(true)));
    press(&mut s, KeyCode::Enter);
    let text = screen(&s);
    assert!(!text.contains('…'), "{text}");
    assert!(text.contains("the end of this is here"), "{text}");
    assert!(text.contains("of-the-whole-organizatio"), "{text}");
    insta::assert_snapshot!(text);
}

#[test]
fn step_one_footer_shows_q() {
    let s = wizard();
    let text = screen(&s);
    let footer = text.lines().last().unwrap();
    assert!(footer.contains("q quit"), "{footer}");
    assert!(footer.contains("s sign in"), "{footer}");
}

#[test]
fn a_plain_http_instance_url_is_warned_and_a_bare_host_becomes_https() {
    let mut s = wizard();
    to_form(&mut s, 0);
    type_text(&mut s, "ci-teamcity");
    press(&mut s, KeyCode::Tab);
    press(&mut s, KeyCode::Tab);
    type_text(&mut s, "http://ci.example.com");
    let text = screen(&s);
    assert!(text.contains("⚠ plain http://"), "{text}");
    // Loopback is fine (a local server, the sandbox).
    for _ in 0.."http://ci.example.com".len() {
        press(&mut s, KeyCode::Backspace);
    }
    type_text(&mut s, "http://127.0.0.1:8111");
    assert!(!screen(&s).contains("plain http://"));
    for _ in 0.."http://127.0.0.1:8111".len() {
        press(&mut s, KeyCode::Backspace);
    }
    type_text(&mut s, "ci.example.com");
    press(&mut s, KeyCode::Tab);
    type_text(&mut s, SECRET);
    let id = match update(&mut s, ctrl('s')).as_slice() {
        [Effect::Test(id, input, _)] => {
            assert_eq!(input.target.as_deref(), Some("https://ci.example.com"));
            *id
        }
        other => panic!("{other:?}"),
    };
    update(&mut s, Msg::Tested(id, outcome(true)));
    press(&mut s, KeyCode::Enter);
    assert!(screen(&s).contains("https://ci.example.com"));
}

#[test]
fn the_name_example_is_the_apps_own_and_organization_level_has_no_project_label() {
    let mut s = wizard();
    to_form(&mut s, 3); // Northflank
    type_text(&mut s, "X");
    let text = screen(&s);
    assert!(text.contains("e.g. northflank"), "{text}");
    assert!(!text.contains("ci-teamcity"), "{text}");
    let mut s = State::new(session(), Some(kms_connect::tui::Scope::Organization));
    let text = screen(&s);
    assert!(!text.contains("Project organization level"), "{text}");
    assert!(text.contains("organization level"), "{text}");
    s.step = kms_connect::tui::Step::Pick;
}

#[test]
fn test_rate_limited_counts_down() {
    let mut s = wizard();
    let id = submitted(&mut s);
    update(&mut s, tick(0));
    let mut o = outcome(false);
    o.code = OutcomeCode::RateLimited;
    o.message = "TeamCity is rate-limiting requests (429).".into();
    o.hint = Some("Try again in 30 s; your input is kept.".into());
    o.retry_after_secs = Some(30);
    update(&mut s, Msg::Tested(id, o));
    update(&mut s, tick(18));
    insta::assert_snapshot!(screen(&s));
}

#[test]
fn review_kms_rate_limited_counts_down() {
    let mut s = wizard();
    let id = at_review(&mut s);
    update(&mut s, tick(2));
    let g = Guidance {
        trouble: Trouble::Server,
        headline: "The KMS server is rate-limiting requests (429).".into(),
        hint: Some("Try again in 30 s; nothing was lost.".into()),
        fields: vec![],
    };
    update(
        &mut s,
        Msg::RetryAfter(30, Box::new(Msg::Created(id, Err(g)))),
    );
    update(&mut s, tick(20));
    insta::assert_snapshot!(screen(&s));
}

#[test]
fn review_creating_counts_the_seconds() {
    let mut s = wizard();
    at_review(&mut s);
    update(&mut s, tick(3));
    update(&mut s, tick(45));
    insta::assert_snapshot!(screen(&s));
}

fn tick(secs: u64) -> Msg {
    Msg::Tick(kms_connect::tui::Now {
        elapsed: std::time::Duration::from_secs(secs),
        unix: 1_700_000_000 + secs,
    })
}

#[test]
fn form_demo_values_on_f2() {
    let mut s = demo_wizard();
    to_form(&mut s, 0);
    let footer = screen(&s);
    assert!(footer.contains("F2 demo values"), "{footer}");
    press(&mut s, KeyCode::F(2));
    insta::assert_snapshot!(screen(&s));
}

/// The Bitbucket form filled, for the use `switches` presses of F3 away from Secret Sync.
fn bitbucket_form(switches: usize) -> State {
    let mut s = wizard();
    to_form(&mut s, 2);
    type_text(&mut s, "ci-bitbucket");
    press(&mut s, KeyCode::Tab);
    press(&mut s, KeyCode::Tab);
    type_text(&mut s, "ci@example.com");
    press(&mut s, KeyCode::Tab);
    update(&mut s, Msg::Paste(SECRET.into()));
    for _ in 0..switches {
        press(&mut s, KeyCode::F(3));
    }
    s
}

fn bitbucket_review(switches: usize) -> State {
    let mut s = bitbucket_form(switches);
    let [Effect::Test(id, ..)] = update(&mut s, ctrl('s'))[..] else {
        panic!()
    };
    update(&mut s, Msg::Tested(id, outcome(true)));
    press(&mut s, KeyCode::Enter);
    s
}

#[test]
fn form_bitbucket_for_sync() {
    insta::assert_snapshot!(screen(&bitbucket_form(0)));
}

#[test]
fn form_bitbucket_for_scanning() {
    let text = screen(&bitbucket_form(1));
    assert!(text.contains("for Secret Scanning"), "{text}");
    insta::assert_snapshot!(text);
}

#[test]
fn review_bitbucket_for_sync() {
    insta::assert_snapshot!(screen(&bitbucket_review(0)));
}

#[test]
fn review_bitbucket_for_scanning() {
    let text = screen(&bitbucket_review(1));
    assert!(
        text.contains("Secret Scanning (the test judged its 6 scopes"),
        "{text}"
    );
    insta::assert_snapshot!(text);
}
