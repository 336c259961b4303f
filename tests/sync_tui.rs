//! The Secret Sync flow in the wizard: `update` for each step and the watch loop (time comes
//! as messages), the screens at 80x24, and hostile provider/server text on them.

mod common;

use std::time::Duration;

use common::hostile::{assert_clean, hostile_text};
use common::*;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kms_connect::apps::checks::{CheckKind, CheckLine, Status};
use kms_connect::apps::destinations::{DestinationCheck, Node, Tree};
use kms_connect::apps::sync_spec::Destination;
use kms_connect::kms::AppConnection;
use kms_connect::kms::syncs::{Environment, SecretSync};
use kms_connect::tui::msg::{SyncReply, SyncRequest, SyncStep};
use kms_connect::tui::sync::Mode;
use kms_connect::tui::theme::Theme;
use kms_connect::tui::view::view;
use kms_connect::tui::{Effect, Msg, State, Step, update};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::json;

const SECRET: &str = "tok-sync-secret";
const CONN_ID: &str = "e5d18aca-86f7-4026-a95e-efb8aeb0d8e6";
const SYNC_ID: &str = "0f6a1c2e-3b4d-4e5f-8a9b-0c1d2e3f4a5b";

fn screen(state: &State) -> String {
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    terminal
        .draw(|f| view(state, &Theme { no_color: true }, f))
        .unwrap();
    let text = terminal.backend().to_string();
    assert!(!text.contains(SECRET), "the secret is on screen:\n{text}");
    text
}

fn conn(app: &str, name: &str) -> AppConnection {
    let creds = json!({ "instanceUrl": "https://ci.example.com" });
    AppConnection {
        id: CONN_ID.into(),
        name: name.into(),
        app: app.into(),
        method: "access-token".into(),
        credentials: creds.as_object().unwrap().clone(),
        project_id: Some("7ffbb072-2575-495a-b5b0-127f88caef78".into()),
        ..Default::default()
    }
}

/// The wizard on Done after creating a TeamCity connection with `SECRET`.
fn at_done() -> State {
    let mut s = wizard();
    to_form(&mut s, 0);
    fill_teamcity(&mut s, SECRET);
    let test = match update(&mut s, ctrl('s')).as_slice() {
        [Effect::Test(id, ..)] => *id,
        other => panic!("{other:?}"),
    };
    let ok = kms_connect::apps::TestOutcome {
        ok: true,
        code: kms_connect::apps::OutcomeCode::Ok,
        message: "TeamCity accepted the credential.".into(),
        hint: None,
        missing: Vec::new(),
        learned: Vec::new(),
        retry_after_secs: None,
        url: "https://ci.example.com/app/rest/server".into(),
        cautions: Vec::new(),
    };
    update(&mut s, Msg::Tested(test, ok));
    press(&mut s, KeyCode::Enter);
    let create = match press(&mut s, KeyCode::Enter).as_slice() {
        [Effect::Create(id, ..)] => *id,
        other => panic!("{other:?}"),
    };
    update(
        &mut s,
        Msg::Created(create, Ok(conn("teamcity", "ci-teamcity"))),
    );
    assert_eq!(s.step, Step::Done);
    s
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

fn envs() -> Vec<Environment> {
    ["Development:dev", "Staging:staging", "Production:prod"]
        .iter()
        .map(|p| {
            let (name, slug) = p.split_once(':').unwrap();
            Environment {
                id: format!("env-{slug}"),
                name: name.into(),
                slug: slug.into(),
            }
        })
        .collect()
}

fn node(id: &str, name: &str, kind: &'static str, children: Vec<Node>) -> Node {
    Node {
        id: id.into(),
        name: name.into(),
        kind,
        children,
    }
}

fn teamcity_tree() -> Tree {
    Tree {
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
    }
}

fn passing_checks(matching: &[&str]) -> DestinationCheck {
    DestinationCheck {
        lines: vec![
            CheckLine::new(
                CheckKind::Permissions,
                Status::Ok,
                "Reads the parameters of project Backend (3 env.* parameters): View build configuration settings.",
            ),
            CheckLine::new(
                CheckKind::Permissions,
                Status::Ok,
                "May edit project Backend: Edit project.",
            ),
        ],
        existing: Some(3),
        matching: matching.iter().map(|s| s.to_string()).collect(),
    }
}

/// From Done to step 2 with the environments and the destinations listed.
fn at_destination() -> State {
    let mut s = at_done();
    let id = match sync_req(&press(&mut s, KeyCode::Char('s'))) {
        SyncRequest::Environments(id, project) => {
            assert_eq!(project, "7ffbb072-2575-495a-b5b0-127f88caef78");
            *id
        }
        other => panic!("{other:?}"),
    };
    assert_eq!(s.step, Step::Sync(SyncStep::Source));
    reply(&mut s, SyncReply::Environments(id, Ok(envs())));
    press(&mut s, KeyCode::Down); // staging
    let list = match sync_req(&press(&mut s, KeyCode::Enter)) {
        SyncRequest::Destinations(id, input) => {
            assert_eq!(input.app.slug, "teamcity");
            *id
        }
        other => panic!("{other:?}"),
    };
    assert_eq!(s.step, Step::Sync(SyncStep::Destination));
    reply(&mut s, SyncReply::Destinations(list, Ok(teamcity_tree())));
    s
}

/// Picks Backend › Build and answers the checks.
fn checked(s: &mut State, checks: DestinationCheck) {
    assert!(press(s, KeyCode::Enter).is_empty(), "project chosen");
    press(s, KeyCode::Down); // past "none"
    let id = match sync_req(&press(s, KeyCode::Enter)) {
        SyncRequest::Check(id, _, input) => {
            assert_eq!(input.config["project"], "Backend");
            assert_eq!(input.config["buildConfig"], "Backend_Build");
            assert_eq!(input.environment, "staging");
            assert_eq!(input.key_schema.as_deref(), Some("KMS_{{secretKey}}"));
            *id
        }
        other => panic!("{other:?}"),
    };
    reply(s, SyncReply::Checked(id, checks));
}

/// All the way to the review, initial behaviour chosen.
fn at_review() -> State {
    let mut s = at_destination();
    checked(&mut s, passing_checks(&["KMS_OLD"]));
    press(&mut s, KeyCode::Enter);
    assert_eq!(s.step, Step::Sync(SyncStep::Options));
    press(&mut s, KeyCode::Right); // overwrite-destination
    press(&mut s, KeyCode::Enter);
    assert_eq!(s.step, Step::Sync(SyncStep::Details));
    press(&mut s, KeyCode::Enter);
    assert_eq!(s.step, Step::Sync(SyncStep::Review));
    s
}

fn sync_row(status: Option<&str>, message: Option<&str>) -> SecretSync {
    SecretSync::from_value(json!({
        "id": SYNC_ID,
        "name": "ci-teamcity-staging-sync",
        "destination": "teamcity",
        "isAutoSyncEnabled": true,
        "projectId": "7ffbb072-2575-495a-b5b0-127f88caef78",
        "connectionId": CONN_ID,
        "syncStatus": status,
        "lastSyncMessage": message,
        "destinationConfig": {"project": "Backend", "buildConfig": "Backend_Build"},
        "folder": {"id": "f1", "path": "/"},
        "environment": {"slug": "staging", "name": "Staging", "id": "env-staging"},
    }))
    .unwrap()
}

/// Creates from the review; returns the first poll's id.
fn created(s: &mut State) -> u64 {
    let id = match sync_req(&press(s, KeyCode::Enter)) {
        SyncRequest::Create(id, dest, _) => {
            assert_eq!(*dest, Destination::TeamCity);
            *id
        }
        other => panic!("{other:?}"),
    };
    match sync_req(&reply(
        s,
        SyncReply::Created(id, Ok(sync_row(Some("pending"), None))),
    )) {
        SyncRequest::Poll(id, _, sync, 0) => {
            assert_eq!(sync, SYNC_ID);
            *id
        }
        other => panic!("{other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// update

#[test]
fn done_offers_the_sync_and_its_key_is_in_the_help() {
    let mut s = at_done();
    let text = screen(&s);
    assert!(text.contains("s sets up a Secret Sync"), "{text}");
    press(&mut s, KeyCode::Char('?'));
    let help = screen(&s);
    assert!(
        help.lines()
            .any(|l| l.contains(" s ") && l.contains("sync")),
        "{help}"
    );
}

#[test]
fn step_one_lists_the_environments_and_keeps_the_path() {
    let mut s = at_done();
    let id = sync_req(&press(&mut s, KeyCode::Char('s'))).id();
    assert!(s.is_busy(), "loading shows progress");
    reply(&mut s, SyncReply::Environments(id, Ok(envs())));
    press(&mut s, KeyCode::Tab);
    type_text(&mut s, "app");
    assert!(s.text_focus(), "q is a letter in the path");
    let f = s.sync.as_ref().unwrap();
    assert_eq!(f.source.path.text(), "/app");
    // Enter normalizes the path and lists the destinations with the credential.
    let effects = press(&mut s, KeyCode::Enter);
    assert!(matches!(sync_req(&effects), SyncRequest::Destinations(..)));
    // Esc comes back with everything kept.
    let cancel = press(&mut s, KeyCode::Esc);
    assert!(matches!(cancel.as_slice(), [Effect::Cancel(_)]));
    assert_eq!(s.step, Step::Sync(SyncStep::Source));
    assert_eq!(s.sync.as_ref().unwrap().source.path.text(), "/app");
}

#[test]
fn esc_while_the_environments_load_cancels_and_returns_to_done() {
    let mut s = at_done();
    let id = sync_req(&press(&mut s, KeyCode::Char('s'))).id();
    let effects = press(&mut s, KeyCode::Esc);
    assert!(matches!(effects.as_slice(), [Effect::Cancel(c)] if *c == id));
    assert_eq!(s.step, Step::Done);
    // A late answer changes nothing.
    reply(&mut s, SyncReply::Environments(id, Ok(envs())));
    assert!(s.sync.as_ref().unwrap().source.envs.is_empty());
}

#[test]
fn the_picker_filters_shows_names_and_stores_ids() {
    let mut s = at_destination();
    press(&mut s, KeyCode::Char('/'));
    type_text(&mut s, "front");
    let f = s.sync.as_ref().unwrap();
    assert_eq!(f.visible().len(), 1);
    assert_eq!(f.visible()[0].id, "Web");
    // Enter picks the one match; Web has no build configuration: "none" is offered.
    press(&mut s, KeyCode::Enter);
    let effects = press(&mut s, KeyCode::Enter);
    match sync_req(&effects) {
        SyncRequest::Check(_, _, input) => {
            assert_eq!(input.config["project"], "Web");
            assert!(input.config.get("buildConfig").is_none());
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_filter_on_an_optional_level_then_enter_takes_the_match_not_none() {
    let mut s = at_destination();
    press(&mut s, KeyCode::Enter); // Backend: its build configurations, "none" first
    assert!(screen(&s).contains("(none: the project's own parameters)"));
    press(&mut s, KeyCode::Char('/'));
    type_text(&mut s, "buil");
    // While a filter is typed the list is a search: "none" is not among the rows.
    assert!(!screen(&s).contains("(none:"), "{}", screen(&s));
    let effects = press(&mut s, KeyCode::Enter);
    match sync_req(&effects) {
        SyncRequest::Check(_, _, input) => {
            assert_eq!(input.config["project"], "Backend");
            assert_eq!(input.config["buildConfig"], "Backend_Build");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn esc_in_the_picker_goes_up_a_level_then_back_to_the_source() {
    let mut s = at_destination();
    press(&mut s, KeyCode::Enter);
    assert_eq!(s.sync.as_ref().unwrap().destination.level, 1);
    press(&mut s, KeyCode::Esc);
    let d = &s.sync.as_ref().unwrap().destination;
    assert_eq!((d.level, d.chosen.len()), (0, 0));
    press(&mut s, KeyCode::Esc);
    assert_eq!(s.step, Step::Sync(SyncStep::Source));
    // Forward again: the list is kept, nothing is fetched twice.
    assert!(press(&mut s, KeyCode::Enter).is_empty());
    assert!(s.sync.as_ref().unwrap().destination.tree.is_some());
}

#[test]
fn a_failed_check_names_the_permission_and_needs_a_to_go_on() {
    let mut s = at_destination();
    let mut failing = passing_checks(&[]);
    failing.lines[1] = CheckLine::new(
        CheckKind::Permissions,
        Status::Fail,
        "The token may not edit project Backend: every write of the sync will be refused.",
    )
    .hint("Give the token Edit project on the project.");
    checked(&mut s, failing);
    let text = screen(&s);
    assert!(text.contains("Edit project"), "{text}");
    press(&mut s, KeyCode::Char('r'));
    let id = s
        .sync
        .as_ref()
        .unwrap()
        .destination
        .checking
        .expect("checks again");
    reply(
        &mut s,
        SyncReply::Checked(id, {
            let mut c = passing_checks(&[]);
            c.lines[1].status = Status::Fail;
            c
        }),
    );
    assert!(press(&mut s, KeyCode::Char('x')).is_empty());
    assert_eq!(s.step, Step::Sync(SyncStep::Destination));
    press(&mut s, KeyCode::Char('a'));
    assert_eq!(s.step, Step::Sync(SyncStep::Options));
}

#[test]
fn options_need_an_initial_choice_on_teamcity_and_validate_the_key_schema() {
    let mut s = at_destination();
    checked(&mut s, passing_checks(&[]));
    press(&mut s, KeyCode::Enter);
    press(&mut s, KeyCode::Enter);
    assert_eq!(
        s.step,
        Step::Sync(SyncStep::Options),
        "no initial choice yet"
    );
    assert!(s.notice.as_deref().unwrap().contains("initial sync"));
    for _ in 0..3 {
        press(&mut s, KeyCode::Right);
    }
    let f = s.sync.as_ref().unwrap();
    assert_eq!(
        f.options.initial.map(|i| i.as_str()),
        Some("import-prioritize-destination")
    );
    assert!(
        screen(&s).contains("password parameters back empty"),
        "TeamCity's caveat"
    );
    // A bad key schema is refused as the server words it.
    press(&mut s, KeyCode::Tab);
    type_text(&mut s, "!");
    press(&mut s, KeyCode::Enter);
    assert_eq!(s.step, Step::Sync(SyncStep::Options));
    assert!(s.notice.as_deref().unwrap().contains("{{secretKey}}"));
    press(&mut s, KeyCode::Backspace);
    // Space toggles keep and auto-sync.
    press(&mut s, KeyCode::Tab);
    press(&mut s, KeyCode::Char(' '));
    press(&mut s, KeyCode::Tab);
    press(&mut s, KeyCode::Char(' '));
    let o = &s.sync.as_ref().unwrap().options;
    assert!(o.keep_destination && !o.auto_sync);
    press(&mut s, KeyCode::Enter);
    assert_eq!(s.step, Step::Sync(SyncStep::Details));
}

#[test]
fn a_changed_key_schema_checks_the_destination_again_for_what_matches() {
    let mut s = at_destination();
    checked(&mut s, passing_checks(&["KMS_OLD"]));
    press(&mut s, KeyCode::Enter);
    press(&mut s, KeyCode::Right);
    press(&mut s, KeyCode::Tab);
    type_text(&mut s, "_X");
    let effects = press(&mut s, KeyCode::Enter);
    assert_eq!(s.step, Step::Sync(SyncStep::Details));
    match sync_req(&effects) {
        SyncRequest::Check(_, _, input) => {
            assert_eq!(input.key_schema.as_deref(), Some("KMS_{{secretKey}}_X"))
        }
        other => panic!("{other:?}"),
    }
    // Unchanged: no second check.
    let id = s.sync.as_ref().unwrap().destination.checking.unwrap();
    reply(&mut s, SyncReply::Checked(id, passing_checks(&[])));
    press(&mut s, KeyCode::Esc);
    assert!(press(&mut s, KeyCode::Enter).is_empty());
}

#[test]
fn the_name_is_suggested_and_checked_with_the_slug_rules() {
    let mut s = at_review();
    press(&mut s, KeyCode::Esc);
    assert_eq!(s.step, Step::Sync(SyncStep::Details));
    let f = s.sync.as_ref().unwrap();
    assert_eq!(f.details.name.text(), "ci-teamcity-staging-sync");
    type_text(&mut s, "_X");
    press(&mut s, KeyCode::Enter);
    assert_eq!(s.step, Step::Sync(SyncStep::Details));
    assert!(s.notice.as_deref().unwrap().contains("lowercase"));
    press(&mut s, KeyCode::Backspace);
    press(&mut s, KeyCode::Backspace);
    press(&mut s, KeyCode::Tab);
    type_text(&mut s, "to staging");
    press(&mut s, KeyCode::Enter);
    assert_eq!(s.step, Step::Sync(SyncStep::Review));
}

#[test]
fn create_sends_the_body_on_screen_and_the_watch_polls_with_backoff_until_done() {
    let mut s = at_review();
    let text = screen(&s);
    assert!(text.contains("KMS_OLD"), "what may be deleted: {text}");
    let body = match sync_req(&press(&mut s, KeyCode::Enter)) {
        SyncRequest::Create(id, _, body) => {
            let b = (**body).clone();
            reply(
                &mut s,
                SyncReply::Created(*id, Ok(sync_row(Some("pending"), None))),
            );
            b
        }
        other => panic!("{other:?}"),
    };
    assert_eq!(body["connectionId"], CONN_ID);
    assert_eq!(body["environment"], "staging");
    assert_eq!(body["secretPath"], "/");
    assert_eq!(
        body["syncOptions"]["initialSyncBehavior"],
        "overwrite-destination"
    );
    assert_eq!(body["syncOptions"]["keySchema"], "KMS_{{secretKey}}");
    assert_eq!(body["destinationConfig"]["buildConfig"], "Backend_Build");
    assert_eq!(body["isAutoSyncEnabled"], true);
    // The create asked for the first poll (attempt 0); each answer asks for the next.
    let f = s.sync.as_ref().unwrap();
    let first = f.run.polling.expect("polling");
    assert!(!s.is_busy(), "waiting between polls runs no spinner clock");
    let next = reply(
        &mut s,
        SyncReply::Polled(
            first,
            Ok(sync_row(Some("running"), None)),
            Duration::from_secs(1),
        ),
    );
    let second = match sync_req(&next) {
        SyncRequest::Poll(id, _, _, 1) => *id,
        other => panic!("{other:?}"),
    };
    assert!(screen(&s).contains("running · 1 s"));
    let done = reply(
        &mut s,
        SyncReply::Polled(
            second,
            Ok(sync_row(Some("succeeded"), None)),
            Duration::from_secs(2),
        ),
    );
    assert!(done.is_empty(), "no poll after the end");
    let text = screen(&s);
    assert!(text.contains("succeeded after 3 s"), "{text}");
    assert!(s.changes.iter().any(|c| c.contains("Secret Sync")));
    press(&mut s, KeyCode::Enter);
    assert_eq!(s.step, Step::Done);
}

#[test]
fn esc_stops_watching_not_the_sync_and_w_watches_again() {
    let mut s = at_review();
    let poll = created(&mut s);
    let effects = press(&mut s, KeyCode::Esc);
    assert!(matches!(effects.as_slice(), [Effect::Cancel(id)] if *id == poll));
    assert_eq!(s.step, Step::Sync(SyncStep::Review), "still on the watch");
    assert!(
        s.notice
            .as_deref()
            .unwrap()
            .contains("goes on at the server")
    );
    // A late answer is ignored.
    assert!(
        reply(
            &mut s,
            SyncReply::Polled(
                poll,
                Ok(sync_row(Some("running"), None)),
                Duration::from_secs(1)
            )
        )
        .is_empty()
    );
    // A minute later, `w` watches again; the time counts from the create, not from `w`.
    let later = |secs| {
        Msg::Tick(kms_connect::tui::Now {
            elapsed: Duration::from_secs(secs),
            unix: 0,
        })
    };
    update(&mut s, later(60));
    let again = press(&mut s, KeyCode::Char('w'));
    let SyncRequest::Poll(poll, ..) = sync_req(&again) else {
        panic!("{again:?}")
    };
    let poll = *poll;
    update(&mut s, later(62));
    reply(
        &mut s,
        SyncReply::Polled(
            poll,
            Ok(sync_row(Some("failed"), None)),
            Duration::from_secs(2),
        ),
    );
    assert!(s.sync.as_ref().unwrap().run.elapsed >= Duration::from_secs(62));
    assert!(screen(&s).contains("failed after 62 s"), "{}", screen(&s));
}

#[test]
fn a_sync_running_for_minutes_is_called_stuck() {
    let mut s = at_review();
    let poll = created(&mut s);
    reply(
        &mut s,
        SyncReply::Polled(
            poll,
            Ok(sync_row(Some("running"), None)),
            Duration::from_secs(301),
        ),
    );
    assert!(s.sync.as_ref().unwrap().run.stuck());
    let text = screen(&s);
    assert!(text.contains("Stuck"), "{text}");
    assert!(text.contains("Redis"), "{text}");
}

#[test]
fn a_failure_shows_the_decoded_message_and_what_it_points_at() {
    let mut s = at_review();
    let poll = created(&mut s);
    let inner = serde_json::to_string(
        "Responding with error, status code: 403 (Forbidden).\nDetails: You do not have \"Edit project\" permission in project with internal id: project2",
    )
    .unwrap();
    let raw = json!({ "secretKey": "DB_URL", "error": inner }).to_string();
    reply(
        &mut s,
        SyncReply::Polled(
            poll,
            Ok(sync_row(Some("failed"), Some(&raw))),
            Duration::from_secs(4),
        ),
    );
    let text = screen(&s);
    assert!(text.contains("failed after 4 s"), "{text}");
    assert!(text.contains("secret DB_URL"), "{text}");
    assert!(text.contains("Edit project"), "{text}");
    assert!(!text.contains("\\\""), "no JSON escapes left: {text}");
}

#[test]
fn from_browse_there_is_no_credential_so_the_ids_are_typed() {
    let mut s = wizard();
    let effects = kms_connect::tui::sync::open_from_browse(&mut s, &conn("northflank", "nf"));
    let id = sync_req(&effects).id();
    reply(&mut s, SyncReply::Environments(id, Ok(envs())));
    assert!(
        press(&mut s, KeyCode::Enter).is_empty(),
        "nothing to list with"
    );
    let f = s.sync.as_ref().unwrap();
    assert_eq!(f.destination.mode, Mode::Manual);
    assert!(f.credential.is_none());
    // Enter on the last field with one empty: refused as the server words it.
    type_text(&mut s, "my-project");
    press(&mut s, KeyCode::Enter);
    press(&mut s, KeyCode::Enter);
    assert!(
        s.notice.as_deref().unwrap().contains("secretGroupId"),
        "{:?}",
        s.notice
    );
    type_text(&mut s, "my-group");
    press(&mut s, KeyCode::Enter);
    assert_eq!(s.step, Step::Sync(SyncStep::Options));
    let config = s.sync.as_ref().unwrap().config();
    assert_eq!(config["projectId"], "my-project");
    assert_eq!(config["secretGroupId"], "my-group");
}

#[test]
fn from_browse_a_typed_credential_is_masked_and_lists_the_destinations() {
    let mut s = wizard();
    let effects = kms_connect::tui::sync::open_from_browse(&mut s, &conn("teamcity", "ci"));
    let id = sync_req(&effects).id();
    reply(&mut s, SyncReply::Environments(id, Ok(envs())));
    press(&mut s, KeyCode::Enter);
    update(
        &mut s,
        Msg::Key(KeyEvent::new(KeyCode::Char('t'), KeyModifiers::CONTROL)),
    );
    update(&mut s, Msg::Paste(SECRET.into()));
    let text = screen(&s);
    assert!(text.contains("•••"), "{text}");
    assert!(!format!("{:?}", s.sync).contains(SECRET), "not in Debug");
    match sync_req(&press(&mut s, KeyCode::Enter)) {
        SyncRequest::Destinations(_, input) => {
            assert_eq!(input.target.as_deref(), Some("https://ci.example.com"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_refused_credential_can_be_typed_again_with_ctrl_t() {
    let mut s = wizard();
    let effects = kms_connect::tui::sync::open_from_browse(&mut s, &conn("teamcity", "ci"));
    let id = sync_req(&effects).id();
    reply(&mut s, SyncReply::Environments(id, Ok(envs())));
    press(&mut s, KeyCode::Enter);
    let ctrl_t = || Msg::Key(KeyEvent::new(KeyCode::Char('t'), KeyModifiers::CONTROL));
    update(&mut s, ctrl_t());
    update(&mut s, Msg::Paste("wrong-token".into()));
    let list = sync_req(&press(&mut s, KeyCode::Enter)).id();
    reply(
        &mut s,
        SyncReply::Destinations(
            list,
            Err("TeamCity rejected the access token (401).".into()),
        ),
    );
    assert!(
        screen(&s).contains("Ctrl-T types another credential"),
        "{}",
        screen(&s)
    );
    update(&mut s, ctrl_t());
    update(&mut s, Msg::Paste(SECRET.into()));
    match sync_req(&press(&mut s, KeyCode::Enter)) {
        SyncRequest::Destinations(_, input) => {
            use secrecy::ExposeSecret;
            assert_eq!(
                input.secret.expose_secret(),
                SECRET,
                "the new one, not the refused one"
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_bitbucket_repository_lists_its_environments_on_demand() {
    let mut s = wizard();
    let mut c = conn("bitbucket", "bb");
    c.credentials = json!({"email": "me@example.com"})
        .as_object()
        .unwrap()
        .clone();
    let effects = kms_connect::tui::sync::open_from_browse(&mut s, &c);
    let id = sync_req(&effects).id();
    reply(&mut s, SyncReply::Environments(id, Ok(envs())));
    press(&mut s, KeyCode::Enter);
    // With a credential in memory, as after Done.
    let f = s.sync.as_mut().unwrap();
    f.credential = Some(
        kms_connect::apps::validate::connection(
            Destination::Bitbucket.app(),
            &kms_connect::apps::RawInput {
                name: "bb".into(),
                description: String::new(),
                target: "me@example.com".into(),
                secret: SECRET.to_string().into(),
            },
        )
        .unwrap(),
    );
    f.destination.mode = Mode::Pick;
    f.destination.tree = Some(Tree {
        roots: vec![node(
            "acme",
            "Acme",
            "workspace",
            vec![node("api", "acme/api", "repository", vec![])],
        )],
        warnings: Vec::new(),
    });
    press(&mut s, KeyCode::Enter);
    let lazy = match sync_req(&press(&mut s, KeyCode::Enter)) {
        SyncRequest::Children(id, _, ws, repo) => {
            assert_eq!((ws.as_str(), repo.as_str()), ("acme", "api"));
            *id
        }
        other => panic!("{other:?}"),
    };
    reply(
        &mut s,
        SyncReply::Children(
            lazy,
            Ok(vec![node("{9b7c}", "Production", "environmentId", vec![])]),
        ),
    );
    press(&mut s, KeyCode::Down);
    match sync_req(&press(&mut s, KeyCode::Enter)) {
        SyncRequest::Check(_, _, input) => {
            assert_eq!(input.config["workspaceSlug"], "acme");
            assert_eq!(input.config["repositorySlug"], "api");
            assert_eq!(input.config["environmentId"], "{9b7c}");
        }
        other => panic!("{other:?}"),
    }
}

fn with_credential(s: &mut State, dest: Destination, target: &str, tree: Tree) {
    let f = s.sync.as_mut().unwrap();
    f.credential = Some(
        kms_connect::apps::validate::connection(
            dest.app(),
            &kms_connect::apps::RawInput {
                name: "c".into(),
                description: String::new(),
                target: target.into(),
                secret: SECRET.to_string().into(),
            },
        )
        .unwrap(),
    );
    f.destination.mode = Mode::Pick;
    f.destination.tree = Some(tree);
}

#[test]
fn an_octopus_project_offers_its_scope_values_and_one_goes_in_scope_values() {
    let mut s = wizard();
    let effects = kms_connect::tui::sync::open_from_browse(&mut s, &conn("octopus-deploy", "oct"));
    let id = sync_req(&effects).id();
    reply(&mut s, SyncReply::Environments(id, Ok(envs())));
    press(&mut s, KeyCode::Enter);
    let tree = Tree {
        roots: vec![node(
            "Spaces-1",
            "Default",
            "space",
            vec![node("Projects-1", "Api", "project", vec![])],
        )],
        warnings: Vec::new(),
    };
    with_credential(
        &mut s,
        Destination::OctopusDeploy,
        "https://octopus.example.com",
        tree,
    );
    press(&mut s, KeyCode::Enter);
    let lazy = match sync_req(&press(&mut s, KeyCode::Enter)) {
        SyncRequest::Children(id, _, space, project) => {
            assert_eq!(
                (space.as_str(), project.as_str()),
                ("Spaces-1", "Projects-1")
            );
            *id
        }
        other => panic!("{other:?}"),
    };
    reply(
        &mut s,
        SyncReply::Children(
            lazy,
            Ok(vec![
                node(
                    "Environments-1",
                    "environment: Production",
                    "environments",
                    vec![],
                ),
                node("Channels-1", "channel: Default", "channels", vec![]),
            ]),
        ),
    );
    // Space marks several, across kinds; "none" cannot be marked.
    press(&mut s, KeyCode::Char(' '));
    press(&mut s, KeyCode::Down);
    press(&mut s, KeyCode::Char(' '));
    press(&mut s, KeyCode::Down);
    press(&mut s, KeyCode::Char(' '));
    assert!(screen(&s).contains("[x] channel: Default"));
    match sync_req(&press(&mut s, KeyCode::Enter)) {
        SyncRequest::Check(_, _, input) => {
            assert_eq!(input.config["spaceId"], "Spaces-1");
            assert_eq!(input.config["spaceName"], "Default");
            assert_eq!(input.config["projectId"], "Projects-1");
            assert_eq!(input.config["scope"], "project");
            assert_eq!(
                input.config["scopeValues"],
                json!({"environments": ["Environments-1"], "channels": ["Channels-1"]})
            );
        }
        other => panic!("{other:?}"),
    }
    // Esc to change the choice: the marks are still there, and Enter sends them again.
    press(&mut s, KeyCode::Esc);
    let f = s.sync.as_ref().unwrap();
    assert_eq!(f.destination.marked.len(), 2, "{:?}", f.destination.marked);
    assert!(screen(&s).contains("[x] channel: Default"));
    let id = match sync_req(&press(&mut s, KeyCode::Enter)) {
        SyncRequest::Check(id, _, input) => {
            assert_eq!(
                input.config["scopeValues"],
                json!({"environments": ["Environments-1"], "channels": ["Channels-1"]})
            );
            *id
        }
        other => panic!("{other:?}"),
    };
    // And Esc from the finished checklist, to change the choice: the marks again.
    reply(&mut s, SyncReply::Checked(id, passing_checks(&[])));
    press(&mut s, KeyCode::Esc);
    assert_eq!(s.sync.as_ref().unwrap().destination.marked.len(), 2);
}

#[test]
fn s_in_the_browser_opens_the_flow_for_the_selected_connection_and_esc_returns() {
    let mut s = wizard();
    s.step = Step::Browse;
    s.browse.set_rows(vec![conn("northflank", "nf-prod")]);
    let effects = press(&mut s, KeyCode::Char('S'));
    assert!(matches!(sync_req(&effects), SyncRequest::Environments(..)));
    assert_eq!(s.step, Step::Sync(SyncStep::Source));
    assert_eq!(s.sync.as_ref().unwrap().target.name, "nf-prod");
    let effects = press(&mut s, KeyCode::Esc);
    assert_eq!(s.step, Step::Browse);
    assert!(
        !effects.iter().any(|e| matches!(e, Effect::LoadSyncs(..))),
        "nothing created: nothing read again {effects:?}"
    );
}

/// The review with the browser's lists read earlier in the session (for the scope).
fn at_review_having_browsed() -> State {
    let mut s = at_review();
    s.browse.set_rows(vec![conn("teamcity", "ci-teamcity")]);
    s.browse.loaded = true;
    s.browse.scope = s.scope.clone();
    s
}

/// The one sync list request among `effects`, for the project.
fn reads_the_syncs_again(effects: &[Effect]) {
    assert!(
        matches!(
            effects,
            [Effect::LoadSyncs(_, Some(p))] if p == "7ffbb072-2575-495a-b5b0-127f88caef78"
        ),
        "the project's syncs are read again: {effects:?}"
    );
}

#[test]
fn a_sync_created_from_done_is_counted_when_the_browser_shows_again() {
    let mut s = at_review_having_browsed();
    created(&mut s);
    press(&mut s, KeyCode::Esc); // stop watching
    press(&mut s, KeyCode::Enter);
    assert_eq!(s.step, Step::Done);
    // Done names the sync made for this connection instead of offering the first one again.
    let done = screen(&s);
    assert!(
        done.contains("Secret Sync ci-teamcity-staging-sync was created for it"),
        "{done}"
    );
    assert!(
        !done.contains("while the credential is still in memory"),
        "{done}"
    );
    assert!(
        !done.contains("Create a TeamCity Secret Sync"),
        "done already: {done}"
    );
    // Done's `b` reads the list afresh (the new connection is on it), then its syncs.
    let list = match press(&mut s, KeyCode::Char('b')).as_slice() {
        [Effect::LoadConnections(id, _)] => *id,
        other => panic!("{other:?}"),
    };
    assert_eq!(s.step, Step::Browse);
    let rows = vec![conn("teamcity", "ci-teamcity")];
    reads_the_syncs_again(&update(&mut s, Msg::Connections(list, Ok(rows.into()))));
    // Once read again, nothing is stale.
    assert!(!s.browse.syncs.stale);
}

#[test]
fn a_sync_created_from_the_browser_is_counted_when_the_flow_returns_to_it() {
    let mut s = at_review_having_browsed();
    s.sync.as_mut().unwrap().from_browse = true;
    created(&mut s);
    press(&mut s, KeyCode::Esc); // stop watching
    reads_the_syncs_again(&press(&mut s, KeyCode::Enter));
    assert_eq!(s.step, Step::Browse);
}

#[test]
fn a_failed_sync_create_reads_nothing_again() {
    let mut s = at_review_having_browsed();
    s.sync.as_mut().unwrap().from_browse = true;
    let id = match sync_req(&press(&mut s, KeyCode::Enter)) {
        SyncRequest::Create(id, ..) => *id,
        other => panic!("{other:?}"),
    };
    let g = kms_connect::kms::Guidance {
        trouble: kms_connect::kms::error::Trouble::Input,
        headline: "A Secret Sync with this name already exists.".into(),
        hint: None,
        fields: Vec::new(),
    };
    reply(&mut s, SyncReply::Created(id, Err(g)));
    assert!(!s.browse.syncs.stale);
}

#[test]
fn a_refused_create_is_cleared_when_going_back_to_change_it() {
    let mut s = at_review();
    let id = match sync_req(&press(&mut s, KeyCode::Enter)) {
        SyncRequest::Create(id, ..) => *id,
        other => panic!("{other:?}"),
    };
    let g = kms_connect::kms::Guidance {
        trouble: kms_connect::kms::error::Trouble::Input,
        headline: "Could not find folder with path \"/nope\".".into(),
        hint: None,
        fields: Vec::new(),
    };
    reply(&mut s, SyncReply::Created(id, Err(g)));
    assert!(screen(&s).contains("/nope"));
    press(&mut s, KeyCode::Esc);
    assert_ne!(s.step, Step::Sync(SyncStep::Review));
    assert!(s.sync.as_ref().unwrap().run.error.is_none());
}

// ---------------------------------------------------------------------------------------------
// Snapshots at 80x24

#[test]
fn snapshot_sync_source() {
    let mut s = at_done();
    let id = sync_req(&press(&mut s, KeyCode::Char('s'))).id();
    reply(&mut s, SyncReply::Environments(id, Ok(envs())));
    insta::assert_snapshot!(screen(&s));
}

#[test]
fn snapshot_sync_destination_picker() {
    let s = at_destination();
    insta::assert_snapshot!(screen(&s));
}

#[test]
fn snapshot_sync_destination_filtering() {
    let mut s = at_destination();
    press(&mut s, KeyCode::Char('/'));
    type_text(&mut s, "back");
    insta::assert_snapshot!(screen(&s));
}

#[test]
fn snapshot_sync_destination_help() {
    // The longest key ("jk g/G/Home/End PgUp/PgDn") keeps a space before what it does.
    let mut s = at_destination();
    press(&mut s, KeyCode::Char('?'));
    let shown = screen(&s);
    assert!(shown.contains("PgUp/PgDn move"), "{shown}");
    insta::assert_snapshot!(shown);
}

#[test]
fn snapshot_sync_destination_checks() {
    let mut s = at_destination();
    checked(&mut s, passing_checks(&["KMS_OLD"]));
    insta::assert_snapshot!(screen(&s));
}

#[test]
fn snapshot_sync_destination_manual() {
    let mut s = wizard();
    let effects = kms_connect::tui::sync::open_from_browse(&mut s, &conn("teamcity", "ci"));
    let id = sync_req(&effects).id();
    reply(&mut s, SyncReply::Environments(id, Ok(envs())));
    press(&mut s, KeyCode::Enter);
    insta::assert_snapshot!(screen(&s));
}

#[test]
fn snapshot_sync_options() {
    let mut s = at_destination();
    checked(&mut s, passing_checks(&[]));
    press(&mut s, KeyCode::Enter);
    insta::assert_snapshot!(screen(&s));
}

#[test]
fn snapshot_sync_details() {
    let mut s = at_review();
    press(&mut s, KeyCode::Esc);
    insta::assert_snapshot!(screen(&s));
}

#[test]
fn snapshot_sync_review() {
    let s = at_review();
    insta::assert_snapshot!(screen(&s));
}

#[test]
fn snapshot_sync_watch_running() {
    let mut s = at_review();
    let poll = created(&mut s);
    reply(
        &mut s,
        SyncReply::Polled(
            poll,
            Ok(sync_row(Some("running"), None)),
            Duration::from_secs(3),
        ),
    );
    insta::assert_snapshot!(screen(&s));
}

#[test]
fn snapshot_sync_watch_succeeded() {
    let mut s = at_review();
    let poll = created(&mut s);
    reply(
        &mut s,
        SyncReply::Polled(
            poll,
            Ok(sync_row(Some("succeeded"), None)),
            Duration::from_secs(4),
        ),
    );
    let shown = screen(&s);
    assert!(shown.contains("succeeded"), "{shown}");
    insta::assert_snapshot!(shown);
}

#[test]
fn snapshot_sync_watch_failed() {
    let mut s = at_review();
    let poll = created(&mut s);
    let raw = json!({
        "secretKey": "API_KEY",
        "error": "\"Responding with error, status code: 403 (Forbidden).\""
    })
    .to_string();
    reply(
        &mut s,
        SyncReply::Polled(
            poll,
            Ok(sync_row(Some("failed"), Some(&raw))),
            Duration::from_secs(9),
        ),
    );
    insta::assert_snapshot!(screen(&s));
}

#[test]
fn snapshot_sync_destination_typed_credential() {
    let mut s = wizard();
    let effects = kms_connect::tui::sync::open_from_browse(&mut s, &conn("teamcity", "ci"));
    let id = sync_req(&effects).id();
    reply(&mut s, SyncReply::Environments(id, Ok(envs())));
    press(&mut s, KeyCode::Enter);
    update(
        &mut s,
        Msg::Key(KeyEvent::new(KeyCode::Char('t'), KeyModifiers::CONTROL)),
    );
    update(&mut s, Msg::Paste(SECRET.into()));
    insta::assert_snapshot!(screen(&s));
}

#[test]
fn snapshot_sync_watch_stuck() {
    let mut s = at_review();
    let poll = created(&mut s);
    reply(
        &mut s,
        SyncReply::Polled(
            poll,
            Ok(sync_row(Some("pending"), None)),
            Duration::from_secs(330),
        ),
    );
    insta::assert_snapshot!(screen(&s));
}

#[test]
fn q_during_the_flow_asks_before_losing_what_was_typed() {
    let mut s = at_destination();
    press(&mut s, KeyCode::Char('q'));
    assert!(!s.quit);
    assert!(s.confirm_quit);
}

// ---------------------------------------------------------------------------------------------
// Hostile answers

#[test]
fn hostile_provider_and_server_text_comes_out_clean_on_every_sync_screen() {
    let evil = hostile_text("x");
    let mut s = at_done();
    let id = sync_req(&press(&mut s, KeyCode::Char('s'))).id();
    let mut bad_envs = envs();
    bad_envs[1].name = evil.clone();
    bad_envs[1].slug = "staging".into();
    reply(&mut s, SyncReply::Environments(id, Ok(bad_envs)));
    assert_clean("source", &screen(&s), &[SECRET]);
    press(&mut s, KeyCode::Down);
    let list = sync_req(&press(&mut s, KeyCode::Enter)).id();
    let tree = Tree {
        roots: vec![node(
            &evil,
            &evil,
            "project",
            vec![node(&evil, &evil, "buildConfig", vec![])],
        )],
        warnings: vec![evil.clone()],
    };
    reply(&mut s, SyncReply::Destinations(list, Ok(tree)));
    assert_clean("picker", &screen(&s), &[SECRET]);
    press(&mut s, KeyCode::Enter);
    assert_clean("second level", &screen(&s), &[SECRET]);
    press(&mut s, KeyCode::Down);
    let check = sync_req(&press(&mut s, KeyCode::Enter)).id();
    let mut checks = passing_checks(&[evil.as_str()]);
    checks.lines[0].message = evil.clone();
    checks.lines[1] =
        CheckLine::new(CheckKind::Permissions, Status::Fail, evil.clone()).hint(evil.clone());
    reply(&mut s, SyncReply::Checked(check, checks));
    assert_clean("checks", &screen(&s), &[SECRET]);
    press(&mut s, KeyCode::Char('a'));
    press(&mut s, KeyCode::Right);
    assert_clean("options", &screen(&s), &[SECRET]);
    press(&mut s, KeyCode::Enter);
    assert_clean("details", &screen(&s), &[SECRET]);
    press(&mut s, KeyCode::Enter);
    assert_clean("review", &screen(&s), &[SECRET]);
    let create = sync_req(&press(&mut s, KeyCode::Enter)).id();
    let g = kms_connect::kms::Guidance {
        trouble: kms_connect::kms::error::Trouble::Server,
        headline: evil.clone(),
        hint: Some(evil.clone()),
        fields: Vec::new(),
    };
    reply(&mut s, SyncReply::Created(create, Err(g)));
    assert_clean("create error", &screen(&s), &[SECRET]);
    let create = sync_req(&press(&mut s, KeyCode::Enter)).id();
    let mut row = sync_row(Some("pending"), None);
    row.name = evil.clone();
    let poll = sync_req(&reply(&mut s, SyncReply::Created(create, Ok(row)))).id();
    let raw =
        json!({ "secretKey": evil, "message": evil, "error": json!({"error": evil}).to_string() })
            .to_string();
    let mut failed = sync_row(Some("failed"), Some(&raw));
    failed.name = evil.clone();
    reply(
        &mut s,
        SyncReply::Polled(poll, Ok(failed), Duration::from_secs(1)),
    );
    let text = screen(&s);
    assert!(text.contains("failed"), "{text}");
    assert_clean("watch", &text, &[SECRET]);
}
