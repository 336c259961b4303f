//! The wizard's state machine, one transition at a time: keys and results in, effects out.

mod common;

use common::*;
use crossterm::event::KeyCode;
use kms_connect::apps::checks::{CheckInputs, CheckKind, CheckLine, Checklist, Status};
use kms_connect::apps::{AppSpec, FieldId, OutcomeCode, TestOutcome};
use kms_connect::http::Captured;
use kms_connect::kms::KmsError;
use kms_connect::kms::error::Trouble;
use kms_connect::kms::{AppConnection, Guidance, Project};
use kms_connect::tui::{Effect, Msg, Scope, State, Step, update};

fn outcome(ok: bool) -> TestOutcome {
    TestOutcome {
        ok,
        code: if ok {
            OutcomeCode::Ok
        } else {
            OutcomeCode::TokenRejected
        },
        message: if ok {
            "TeamCity accepted the credential.".into()
        } else {
            "TeamCity rejected the access token (401).".into()
        },
        hint: None,
        missing: Vec::new(),
        learned: Vec::new(),
        retry_after_secs: None,
        url: "https://ci.example.com/app/rest/server".into(),
        cautions: Vec::new(),
    }
}

fn test_id(effects: &[Effect]) -> u64 {
    match effects {
        [Effect::Test(id, ..)] => *id,
        other => panic!("expected one Test effect, got {other:?}"),
    }
}

/// Fills TeamCity and submits: returns the test request id.
fn submitted(state: &mut State) -> u64 {
    to_form(state, 0);
    fill_teamcity(state, "tok-123");
    test_id(&update(state, ctrl('s')))
}

#[test]
fn starts_on_step_one_when_the_project_is_known() {
    let mut s = wizard();
    assert_eq!(s.step, Step::Pick);
    assert!(s.start().is_empty());
}

#[test]
fn without_a_project_it_loads_the_list_and_offers_organization_level() {
    let mut s = State::new(session(), None);
    assert_eq!(s.step, Step::Project);
    let effects = s.start();
    let [Effect::LoadProjects(id)] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    let projects = vec![Project {
        id: "p1".into(),
        name: "Payments".into(),
        slug: "payments".into(),
    }];
    update(&mut s, Msg::Projects(*id, Ok(projects)));
    press(&mut s, KeyCode::Down); // past the only project: organization level
    press(&mut s, KeyCode::Enter);
    assert_eq!(s.step, Step::Pick);
    assert_eq!(s.scope, Some(Scope::Organization));
}

#[test]
fn picking_a_project_sets_the_scope_and_esc_on_step_one_goes_back() {
    let mut s = State::new(session(), None);
    let [Effect::LoadProjects(id)] = s.start()[..] else {
        panic!()
    };
    let projects = vec![Project {
        id: "p1".into(),
        name: "Payments".into(),
        slug: "payments".into(),
    }];
    update(&mut s, Msg::Projects(id, Ok(projects)));
    press(&mut s, KeyCode::Enter);
    assert_eq!(
        s.scope,
        Some(Scope::Project {
            id: "p1".into(),
            name: "Payments".into()
        })
    );
    press(&mut s, KeyCode::Esc);
    assert_eq!(s.step, Step::Project);
}

fn payments() -> Vec<Project> {
    vec![Project {
        id: "7ffbb072-2575-495a-b5b0-127f88caef78".into(),
        name: "Payments".into(),
        slug: "payments".into(),
    }]
}

/// A wizard launched with `--project <given>` (flag or environment), its project list asked for.
fn launched_with(given: &str) -> (State, u64) {
    let scope = Scope::Project {
        id: given.into(),
        name: String::new(),
    };
    let mut s = State::new(session(), Some(scope));
    s.scope_check = true;
    let [Effect::LoadProjects(id)] = s.start()[..] else {
        panic!("the given project is looked up first")
    };
    (s, id)
}

#[test]
fn a_given_project_slug_becomes_its_id_and_browse_opens_after() {
    let (mut s, id) = launched_with("payments");
    s.browse.wanted = true;
    let effects = update(&mut s, Msg::Projects(id, Ok(payments())));
    assert_eq!(
        s.scope,
        Some(Scope::Project {
            id: "7ffbb072-2575-495a-b5b0-127f88caef78".into(),
            name: "Payments".into()
        })
    );
    assert_eq!(s.step, Step::Browse);
    assert!(
        matches!(effects.as_slice(), [Effect::LoadConnections(..), ..]),
        "{effects:?}"
    );
}

#[test]
fn a_given_project_the_identity_cannot_see_opens_the_list_saying_so() {
    let (mut s, id) = launched_with("nope");
    update(&mut s, Msg::Projects(id, Ok(payments())));
    assert_eq!(s.step, Step::Project);
    assert_eq!(s.scope, None);
    let notice = s.projects.notice.clone().unwrap();
    assert!(notice.contains("\"nope\" is not among"), "{notice}");
    assert!(notice.contains("kms-connect projects"), "{notice}");
    // Picking one goes on as usual, the line gone.
    press(&mut s, KeyCode::Enter);
    assert_eq!(s.step, Step::Pick);
    assert_eq!(s.projects.notice, None);
    assert!(matches!(&s.scope, Some(Scope::Project { name, .. }) if name == "Payments"));
}

#[test]
fn a_slow_project_list_does_not_pull_the_screen_from_under_the_user() {
    let (mut s, id) = launched_with("nope");
    s.browse.wanted = true;
    press(&mut s, KeyCode::Enter); // on to the instructions before the list came
    let step = s.step;
    assert_ne!(step, Step::Pick);
    let effects = update(&mut s, Msg::Projects(id, Ok(payments())));
    assert_eq!(s.step, step, "no jump");
    assert!(effects.is_empty(), "{effects:?}");
    let notice = s.notice.clone().unwrap();
    assert!(
        notice.contains("\"nope\" is not among") && notice.contains("p on step 1"),
        "{notice}"
    );
}

#[test]
fn a_project_list_that_fails_keeps_the_given_project_for_the_server_to_judge() {
    let (mut s, id) = launched_with("payments");
    let g = Guidance {
        trouble: Trouble::Server,
        headline: "down".into(),
        hint: None,
        fields: vec![],
    };
    update(&mut s, Msg::Projects(id, Err(g)));
    assert_eq!(s.step, Step::Pick);
    assert!(matches!(&s.scope, Some(Scope::Project { id, .. }) if id == "payments"));
}

#[test]
fn a_failed_project_load_keeps_the_screen_and_r_retries() {
    let mut s = State::new(session(), None);
    let [Effect::LoadProjects(id)] = s.start()[..] else {
        panic!()
    };
    let g = Guidance {
        trouble: Trouble::Server,
        headline: "down".into(),
        hint: None,
        fields: vec![],
    };
    update(&mut s, Msg::Projects(id, Err(g)));
    assert_eq!(
        s.projects.error.as_ref().map(|g| g.headline.as_str()),
        Some("down")
    );
    let effects = press(&mut s, KeyCode::Char('r'));
    assert!(matches!(effects.as_slice(), [Effect::LoadProjects(n)] if *n != id));
}

#[test]
fn arrows_and_jk_move_and_enter_picks() {
    let mut s = wizard();
    press(&mut s, KeyCode::Char('j'));
    press(&mut s, KeyCode::Down);
    press(&mut s, KeyCode::Char('k'));
    press(&mut s, KeyCode::Enter);
    assert_eq!(s.step, Step::Instructions);
    assert_eq!(s.app.unwrap().slug, "octopus-deploy");
}

#[test]
fn slash_filters_the_apps() {
    let mut s = wizard();
    press(&mut s, KeyCode::Char('/'));
    type_text(&mut s, "north");
    assert_eq!(s.apps.visible().len(), 1);
    // While filtering, q is a letter, not quit.
    type_text(&mut s, "q");
    assert!(!s.quit);
    press(&mut s, KeyCode::Backspace);
    press(&mut s, KeyCode::Enter);
    assert_eq!(s.app.unwrap().slug, "northflank");
}

#[test]
fn a_filter_that_matches_nothing_says_so() {
    let mut s = wizard();
    press(&mut s, KeyCode::Char('/'));
    type_text(&mut s, "zzz");
    press(&mut s, KeyCode::Enter);
    assert_eq!(s.step, Step::Pick);
    assert!(s.notice.as_deref().unwrap().contains("No app matches"));
}

#[test]
fn instructions_scroll_and_switch_bitbucket_scope_lists() {
    let mut s = wizard();
    press(&mut s, KeyCode::Down);
    press(&mut s, KeyCode::Down);
    press(&mut s, KeyCode::Enter);
    assert_eq!(s.app.unwrap().slug, "bitbucket");
    press(&mut s, KeyCode::Char('j'));
    assert_eq!(s.scroll, 1);
    press(&mut s, KeyCode::Char('s'));
    assert_eq!(s.scope_set, 1);
    press(&mut s, KeyCode::Char('s'));
    assert_eq!(s.scope_set, 0);
    press(&mut s, KeyCode::Esc);
    assert_eq!(s.step, Step::Pick);
}

#[test]
fn scrolling_stops_at_the_end_of_the_text() {
    let mut s = wizard();
    press(&mut s, KeyCode::Enter);
    for _ in 0..500 {
        press(&mut s, KeyCode::Down);
    }
    let end = s.scroll;
    assert!(end > 0 && end < 200, "{end}");
    press(&mut s, KeyCode::Up);
    assert_eq!(s.scroll, end - 1);
}

#[test]
fn an_invalid_form_is_not_submitted_and_the_first_bad_field_gets_focus() {
    let mut s = wizard();
    to_form(&mut s, 0);
    type_text(&mut s, "ci");
    let effects = update(&mut s, ctrl('s'));
    assert!(effects.is_empty());
    let form = s.form.as_ref().unwrap();
    assert_eq!(form.focused(), FieldId::Target);
    assert!(form.message(FieldId::Target).unwrap().contains("required"));
    assert!(form.message(FieldId::Secret).is_some());
    assert_eq!(s.notice.as_deref(), Some("2 fields need attention."));
}

#[test]
fn enter_moves_to_the_next_field_and_submits_on_the_last() {
    let mut s = wizard();
    to_form(&mut s, 3); // Northflank: name, description, token
    type_text(&mut s, "nf");
    assert!(press(&mut s, KeyCode::Enter).is_empty());
    assert!(press(&mut s, KeyCode::Enter).is_empty());
    assert_eq!(s.form.as_ref().unwrap().focused(), FieldId::Secret);
    type_text(&mut s, "token");
    let effects = press(&mut s, KeyCode::Enter);
    assert_eq!(s.step, Step::Test);
    test_id(&effects);
}

#[test]
fn the_suggested_name_is_taken_with_one_key() {
    let mut s = wizard();
    to_form(&mut s, 3);
    press(&mut s, KeyCode::Right);
    let raw = s.form.as_ref().unwrap().raw();
    assert_eq!(raw.name, "northflank-connection");
}

#[test]
fn q_is_a_letter_in_the_form_and_quits_elsewhere() {
    let mut s = wizard();
    to_form(&mut s, 0);
    type_text(&mut s, "q");
    assert!(!s.quit);
    assert_eq!(s.form.as_ref().unwrap().raw().name, "q");
    press(&mut s, KeyCode::Esc);
    press(&mut s, KeyCode::Char('q'));
    assert!(!s.quit, "something is typed: q asks first");
    press(&mut s, KeyCode::Char('q'));
    assert!(s.quit);
}

#[test]
fn esc_goes_back_without_losing_what_was_typed() {
    let mut s = wizard();
    to_form(&mut s, 0);
    fill_teamcity(&mut s, "tok-123");
    press(&mut s, KeyCode::Esc);
    press(&mut s, KeyCode::Esc);
    assert_eq!(s.step, Step::Pick);
    press(&mut s, KeyCode::Enter); // TeamCity again
    press(&mut s, KeyCode::Enter);
    let raw = s.form.as_ref().unwrap().raw();
    assert_eq!(
        (raw.name.as_str(), raw.target.as_str()),
        ("ci-teamcity", "https://ci.example.com/")
    );
}

#[test]
fn a_valid_form_starts_the_test_with_the_normalised_input() {
    let mut s = wizard();
    to_form(&mut s, 0);
    fill_teamcity(&mut s, "  tok-123 \n");
    let effects = update(&mut s, ctrl('s'));
    let [Effect::Test(_, input, _)] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(input.target.as_deref(), Some("https://ci.example.com"));
    assert_eq!(input.description.as_deref(), Some("Build server"));
    assert_eq!(s.step, Step::Test);
    assert!(s.test.running.is_some());
}

#[test]
fn esc_cancels_a_running_test_and_keeps_the_form() {
    let mut s = wizard();
    let id = submitted(&mut s);
    let effects = press(&mut s, KeyCode::Esc);
    assert!(matches!(effects.as_slice(), [Effect::Cancel(c)] if *c == id));
    assert_eq!(s.step, Step::Form);
    assert_eq!(s.form.as_ref().unwrap().raw().name, "ci-teamcity");
    // A late answer for the cancelled test is ignored.
    update(&mut s, Msg::Tested(id, outcome(true)));
    assert!(s.test.outcome.is_none());
}

#[test]
fn a_passing_test_leads_to_review_then_create_with_the_project() {
    let mut s = wizard();
    let id = submitted(&mut s);
    update(&mut s, Msg::Tested(id, outcome(true)));
    press(&mut s, KeyCode::Enter);
    assert_eq!(s.step, Step::Review);
    let effects = press(&mut s, KeyCode::Enter);
    let [Effect::Create(_, input, project)] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(input.name, "ci-teamcity");
    assert_eq!(
        project.as_deref(),
        Some("7ffbb072-2575-495a-b5b0-127f88caef78")
    );
}

#[test]
fn fixing_a_refused_connection_puts_the_cursor_on_the_url() {
    let mut s = wizard();
    let id = submitted(&mut s);
    let refused = TestOutcome {
        code: OutcomeCode::Refused,
        message: "Connection refused by 127.0.0.1:9: nothing listens there. Check the port.".into(),
        ..outcome(false)
    };
    update(&mut s, Msg::Tested(id, refused));
    press(&mut s, KeyCode::Enter);
    assert_eq!(s.step, Step::Form);
    assert_eq!(s.form.as_ref().unwrap().focused(), FieldId::Target);
}

#[test]
fn a_network_failure_on_bitbucket_leaves_the_focus_off_the_email() {
    let mut s = wizard();
    to_form(&mut s, 2); // Bitbucket: its target is an email, its API host fixed
    assert_eq!(s.app.unwrap().slug, "bitbucket");
    let form = s.form.as_mut().unwrap();
    form.focus_on(FieldId::Target);
    form.paste("ci@example.com");
    form.focus_on(FieldId::Secret);
    form.paste("bb-token-123456");
    let id = test_id(&update(&mut s, ctrl('s')));
    let timeout = TestOutcome {
        code: OutcomeCode::Timeout,
        message: "api.bitbucket.org did not answer in time.".into(),
        ..outcome(false)
    };
    update(&mut s, Msg::Tested(id, timeout));
    if s.step == Step::Test {
        press(&mut s, KeyCode::Enter);
    }
    assert_eq!(s.step, Step::Form);
    assert_ne!(s.form.as_ref().unwrap().focused(), FieldId::Target);
}

#[test]
fn a_failing_test_offers_fix_or_create_anyway() {
    let mut s = wizard();
    let id = submitted(&mut s);
    update(&mut s, Msg::Tested(id, outcome(false)));
    press(&mut s, KeyCode::Enter);
    assert_eq!(s.step, Step::Form, "Enter after a failure goes back to fix");
    // A rejected token: the cursor is on the token.
    assert_eq!(s.form.as_ref().unwrap().focused(), FieldId::Secret);
    let id = test_id(&update(&mut s, ctrl('s')));
    update(&mut s, Msg::Tested(id, outcome(false)));
    press(&mut s, KeyCode::Char('a'));
    assert_eq!(s.step, Step::Review);
    assert!(s.test.overridden);
}

#[test]
fn r_runs_the_test_again() {
    let mut s = wizard();
    let id = submitted(&mut s);
    update(&mut s, Msg::Tested(id, outcome(false)));
    let again = test_id(&press(&mut s, KeyCode::Char('r')));
    assert_ne!(again, id);
    assert!(s.test.outcome.is_none());
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
fn a_created_connection_shows_done_and_n_starts_again() {
    let mut s = wizard();
    let id = at_review(&mut s);
    let conn = AppConnection {
        id: "c1".into(),
        name: "ci-teamcity".into(),
        app: "teamcity".into(),
        ..Default::default()
    };
    update(&mut s, Msg::Created(id, Ok(conn)));
    assert_eq!(s.step, Step::Done);
    assert_eq!(s.created.as_ref().unwrap().id, "c1");
    press(&mut s, KeyCode::Char('n'));
    assert_eq!(s.step, Step::Pick);
    assert!(s.form.is_none() && s.created.is_none());
}

#[test]
fn the_next_suggestion_skips_names_created_in_this_session() {
    let mut s = wizard();
    let id = at_review(&mut s);
    let conn = AppConnection {
        name: "teamcity-connection".into(),
        app: "teamcity".into(),
        ..Default::default()
    };
    update(&mut s, Msg::Created(id, Ok(conn)));
    press(&mut s, KeyCode::Char('n'));
    to_form(&mut s, 0);
    press(&mut s, KeyCode::Right);
    assert_eq!(s.form.as_ref().unwrap().raw().name, "teamcity-connection-2");
}

#[test]
fn a_duplicate_name_goes_back_to_name_with_the_server_message() {
    let mut s = wizard();
    let id = at_review(&mut s);
    let g = Guidance {
        trouble: Trouble::Input,
        headline: "An App Connection with the name \"ci-teamcity\" already exists.".into(),
        hint: None,
        fields: vec![(
            FieldId::Name,
            "An App Connection with the name \"ci-teamcity\" already exists".into(),
        )],
    };
    update(&mut s, Msg::Created(id, Err(g)));
    assert_eq!(s.step, Step::Form);
    let form = s.form.as_ref().unwrap();
    assert_eq!(form.focused(), FieldId::Name);
    assert!(
        form.message(FieldId::Name)
            .unwrap()
            .contains("already exists")
    );
    assert_eq!(form.raw().target, "https://ci.example.com/");
    // Submitting again without changing the name keeps the server's objection.
    assert!(update(&mut s, ctrl('s')).is_empty());
}

#[test]
fn a_server_error_stays_on_review_and_enter_retries() {
    let mut s = wizard();
    let id = at_review(&mut s);
    let g = Guidance {
        trouble: Trouble::Server,
        headline: "Your KMS token was rejected".into(),
        hint: None,
        fields: vec![],
    };
    update(&mut s, Msg::Created(id, Err(g)));
    assert_eq!(s.step, Step::Review);
    assert!(s.create.error.is_some());
    assert!(matches!(
        press(&mut s, KeyCode::Enter).as_slice(),
        [Effect::Create(..)]
    ));
}

#[test]
fn esc_while_creating_stops_waiting() {
    let mut s = wizard();
    let id = at_review(&mut s);
    let effects = press(&mut s, KeyCode::Esc);
    assert!(matches!(effects.as_slice(), [Effect::Cancel(c)] if *c == id));
    assert!(s.notice.as_deref().unwrap().contains("may still create"));
}

#[test]
fn ctrl_c_quits_from_anywhere_and_cancels_work() {
    let mut s = wizard();
    let id = submitted(&mut s);
    let effects = update(&mut s, ctrl('c'));
    assert!(s.quit);
    assert!(s.interrupted, "Ctrl-C ends as an interrupt (exit 130)");
    assert!(matches!(effects.as_slice(), [Effect::Cancel(c)] if *c == id));
}

fn created_teamcity(s: &mut State) {
    let id = at_review(s);
    let conn = AppConnection {
        id: "c1".into(),
        name: "ci-teamcity".into(),
        app: "teamcity".into(),
        ..Default::default()
    };
    update(s, Msg::Created(id, Ok(conn)));
    assert_eq!(s.step, Step::Done);
}

#[test]
fn done_offers_copy_browse_and_another() {
    let mut s = wizard();
    created_teamcity(&mut s);
    assert_eq!(
        s.changes,
        ["Created TeamCity connection ci-teamcity (ID c1)"],
        "kept for the summary printed on exit"
    );
    let effects = press(&mut s, KeyCode::Char('y'));
    assert!(
        matches!(effects.as_slice(), [Effect::Copy(id)] if id == "c1"),
        "{effects:?}"
    );
    assert!(s.notice.as_deref().unwrap().contains("Copied ID c1"));
    let effects = press(&mut s, KeyCode::Char('b'));
    assert_eq!(s.step, Step::Browse);
    assert!(
        matches!(effects.as_slice(), [Effect::LoadConnections(..)]),
        "{effects:?}"
    );
}

#[test]
fn q_with_typed_work_asks_first() {
    let mut s = wizard();
    press(&mut s, KeyCode::Char('q'));
    assert!(s.quit, "nothing typed: q quits at once");

    let mut s = wizard();
    to_form(&mut s, 0);
    type_text(&mut s, "ci");
    press(&mut s, KeyCode::Esc); // to the instructions, where q is a command
    press(&mut s, KeyCode::Char('q'));
    assert!(!s.quit);
    assert!(s.notice.as_deref().unwrap().contains("lose what you typed"));
    press(&mut s, KeyCode::Char('x'));
    assert!(!s.quit, "any other key stays");
    assert_eq!(s.step, Step::Instructions);
    press(&mut s, KeyCode::Char('q'));
    press(&mut s, KeyCode::Char('y'));
    assert!(s.quit);

    // After the create, the form's work is saved: q quits at once.
    let mut s = wizard();
    created_teamcity(&mut s);
    press(&mut s, KeyCode::Char('q'));
    assert!(s.quit);
}

#[test]
fn help_opens_with_question_mark_or_f1_and_any_key_closes_it() {
    let mut s = wizard();
    press(&mut s, KeyCode::Char('?'));
    assert!(s.help);
    press(&mut s, KeyCode::Enter);
    assert!(!s.help);
    assert_eq!(
        s.step,
        Step::Pick,
        "the key that closes help does nothing else"
    );
    to_form(&mut s, 0);
    type_text(&mut s, "?");
    assert!(!s.help, "? is a letter in a text field");
    press(&mut s, KeyCode::F(1));
    assert!(s.help);
}

#[test]
fn ticks_only_advance_the_spinner() {
    let mut s = wizard();
    submitted(&mut s);
    let before = s.clone();
    assert!(update(&mut s, Msg::Tick(Default::default())).is_empty());
    assert_eq!(s.spinner, before.spinner + 1);
    assert_eq!(s.step, before.step);
}

#[test]
fn debug_output_of_messages_never_holds_typed_or_pasted_text() {
    let shown = format!(
        "{:?} {:?}",
        key(KeyCode::Char('x')),
        Msg::Paste("pasted-secret".into())
    );
    assert!(
        !shown.contains("pasted-secret") && !shown.contains("'x'"),
        "{shown}"
    );
    let mut s = wizard();
    submitted_with(&mut s, "typed-secret");
    assert!(!format!("{s:?}").contains("typed-secret"));
}

fn submitted_with(state: &mut State, token: &str) {
    to_form(state, 0);
    fill_teamcity(state, token);
    update(state, ctrl('s'));
}

#[test]
fn a_new_attempt_does_not_show_the_last_create_error() {
    let mut s = wizard();
    let id = at_review(&mut s);
    let g = Guidance {
        trouble: Trouble::Input,
        headline: "taken".into(),
        hint: None,
        fields: vec![(FieldId::Name, "taken".into())],
    };
    update(&mut s, Msg::Created(id, Err(g)));
    type_text(&mut s, "-2");
    let test = test_id(&update(&mut s, ctrl('s')));
    assert!(
        s.create.error.is_none(),
        "the old error would show on the next review"
    );
    update(&mut s, Msg::Tested(test, outcome(true)));
    press(&mut s, KeyCode::Enter);
    assert_eq!(s.step, Step::Review);
    assert!(s.create.error.is_none());
}

/// Back from one app's form to step 1 (form → instructions → step 1).
fn back_to_pick(s: &mut State) {
    press(s, KeyCode::Esc);
    press(s, KeyCode::Esc);
    assert_eq!(s.step, Step::Pick);
}

#[test]
fn each_app_keeps_its_own_draft() {
    let mut s = wizard();
    to_form(&mut s, 1); // Octopus Deploy
    assert_eq!(s.app.unwrap().slug, "octopus-deploy");
    type_text(&mut s, "deploy-octo");
    press(&mut s, KeyCode::Tab);
    type_text(&mut s, "Releases");
    press(&mut s, KeyCode::Tab);
    type_text(&mut s, "https://octo.example.com");
    press(&mut s, KeyCode::Tab);
    type_text(&mut s, "API-KEY123");
    back_to_pick(&mut s);
    // Bitbucket starts with its own suggestion and nothing typed.
    press(&mut s, KeyCode::Down);
    press(&mut s, KeyCode::Enter);
    press(&mut s, KeyCode::Enter);
    assert_eq!(s.app.unwrap().slug, "bitbucket");
    let raw = s.form.as_ref().unwrap().raw();
    assert_eq!((raw.name.as_str(), raw.description.as_str()), ("", ""));
    let shown = s.form.as_ref().unwrap().display(FieldId::Name).placeholder;
    assert!(shown.contains("bitbucket"), "{shown}");
    type_text(&mut s, "bb-sync");
    back_to_pick(&mut s);
    // Octopus again: everything typed there, the key too.
    press(&mut s, KeyCode::Up);
    press(&mut s, KeyCode::Enter);
    press(&mut s, KeyCode::Enter);
    let form = s.form.as_ref().unwrap();
    let raw = form.raw();
    assert_eq!(
        (
            raw.name.as_str(),
            raw.description.as_str(),
            raw.target.as_str()
        ),
        ("deploy-octo", "Releases", "https://octo.example.com")
    );
    assert_eq!(form.secret_len(), "API-KEY123".len());
    back_to_pick(&mut s);
    press(&mut s, KeyCode::Down);
    press(&mut s, KeyCode::Enter);
    press(&mut s, KeyCode::Enter);
    assert_eq!(s.form.as_ref().unwrap().raw().name, "bb-sync");
}

#[test]
fn a_paste_while_help_is_open_changes_nothing() {
    let mut s = wizard();
    to_form(&mut s, 0);
    press(&mut s, KeyCode::F(1));
    update(&mut s, Msg::Paste("pasted".into()));
    assert_eq!(s.form.as_ref().unwrap().raw().name, "");
}

#[test]
fn p_on_step_one_fetches_the_projects_when_the_project_came_from_a_flag() {
    let mut s = wizard();
    let effects = press(&mut s, KeyCode::Char('p'));
    assert!(matches!(effects.as_slice(), [Effect::LoadProjects(_)]));
    assert_eq!(s.step, Step::Project);
    press(&mut s, KeyCode::Esc);
    assert_eq!(s.step, Step::Pick, "Esc keeps the project that was set");
}

#[test]
fn enter_on_done_quits() {
    let mut s = wizard();
    let id = at_review(&mut s);
    update(
        &mut s,
        Msg::Created(
            id,
            Ok(AppConnection {
                app: "teamcity".into(),
                ..Default::default()
            }),
        ),
    );
    press(&mut s, KeyCode::Enter);
    assert!(s.quit);
}

#[test]
fn pasted_control_characters_never_reach_a_field() {
    let mut s = wizard();
    to_form(&mut s, 0);
    update(&mut s, Msg::Paste("ci\t-\x1bteam\ncity".into()));
    assert_eq!(s.form.as_ref().unwrap().raw().name, "ci-teamcity");
}

// ---------------------------------------------------------------------------------------------
// The checklist
// ---------------------------------------------------------------------------------------------

fn checklist(ok: bool, extra: Vec<CheckLine>) -> Checklist {
    Checklist {
        server: outcome(ok),
        extra,
    }
}

fn warn_line() -> CheckLine {
    CheckLine::new(
        CheckKind::Permissions,
        Status::Warn,
        "Missing TeamCity permission \"Edit project\" on Backend.",
    )
}

#[test]
fn enter_on_the_token_submits_though_optional_check_fields_follow() {
    let mut s = wizard();
    to_form(&mut s, 0);
    fill_teamcity(&mut s, "tok-123");
    let form = s.form.as_ref().unwrap();
    assert_eq!(form.focused(), FieldId::Secret);
    assert!(
        form.fields
            .ends_with(&[FieldId::CheckProject, FieldId::TokenName, FieldId::CaCert])
    );
    let effects = press(&mut s, KeyCode::Enter);
    let [Effect::Test(_, _, inputs)] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(*inputs, CheckInputs::default());
}

#[test]
fn the_project_token_name_and_ca_fields_go_to_the_checks_not_to_the_server() {
    let mut s = wizard();
    to_form(&mut s, 0);
    fill_teamcity(&mut s, "tok-123");
    press(&mut s, KeyCode::Tab);
    type_text(&mut s, " Backend ");
    press(&mut s, KeyCode::Tab);
    type_text(&mut s, "kms-sync");
    press(&mut s, KeyCode::Tab);
    type_text(&mut s, "/etc/ssl/corp-ca.pem");
    // On the last field Enter submits.
    let effects = press(&mut s, KeyCode::Enter);
    let [Effect::Test(_, input, inputs)] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(inputs.project.as_deref(), Some("Backend"));
    assert_eq!(inputs.token_name.as_deref(), Some("kms-sync"));
    assert_eq!(inputs.ca_cert.as_deref(), Some("/etc/ssl/corp-ca.pem"));
    assert_eq!(inputs.use_name, None, "TeamCity has one use");
    let body = input.create_body(None);
    assert!(!body.to_string().contains("Backend"), "{body}");
    assert!(!body.to_string().contains("corp-ca"), "{body}");
    assert!(!body.to_string().contains("kms-sync"), "{body}");
}

#[test]
fn bitbucket_scopes_are_checked_for_the_use_shown_in_the_instructions() {
    let mut s = wizard();
    press(&mut s, KeyCode::Down);
    press(&mut s, KeyCode::Down);
    press(&mut s, KeyCode::Enter);
    press(&mut s, KeyCode::Char('s'));
    press(&mut s, KeyCode::Enter);
    type_text(&mut s, "bb");
    press(&mut s, KeyCode::Tab);
    press(&mut s, KeyCode::Tab);
    type_text(&mut s, "jane@example.com");
    press(&mut s, KeyCode::Tab);
    update(&mut s, Msg::Paste("tok".into()));
    let effects = press(&mut s, KeyCode::Enter);
    let [Effect::Test(_, _, inputs)] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(inputs.use_name.as_deref(), Some("Secret Scanning"));
}

#[test]
fn a_checklist_with_warnings_still_passes_to_review() {
    let mut s = wizard();
    let id = submitted(&mut s);
    update(&mut s, Msg::Checked(id, checklist(true, vec![warn_line()])));
    assert!(s.test.running.is_none());
    assert_eq!(s.test.checks, [warn_line()]);
    press(&mut s, KeyCode::Enter);
    assert_eq!(s.step, Step::Review);
    assert!(!s.test.overridden, "a warning is not a failure");
}

#[test]
fn a_late_checklist_is_ignored_and_a_new_test_clears_the_old_lines() {
    let mut s = wizard();
    let first = submitted(&mut s);
    update(
        &mut s,
        Msg::Checked(first, checklist(false, vec![warn_line()])),
    );
    let again = test_id(&press(&mut s, KeyCode::Char('r')));
    assert!(s.test.checks.is_empty(), "old lines go with a new test");
    update(
        &mut s,
        Msg::Checked(first, checklist(true, vec![warn_line()])),
    );
    assert!(s.test.outcome.is_none() && s.test.checks.is_empty());
    update(&mut s, Msg::Checked(again, checklist(true, Vec::new())));
    assert!(s.test.outcome.as_ref().is_some_and(|o| o.ok));
}

#[test]
fn esc_stops_loading_the_projects_and_organization_level_stays_available() {
    let mut s = State::new(session(), None);
    let [Effect::LoadProjects(id)] = s.start()[..] else {
        panic!()
    };
    let effects = press(&mut s, KeyCode::Esc);
    assert!(
        matches!(effects.as_slice(), [Effect::Cancel(n)] if *n == id),
        "{effects:?}"
    );
    assert_eq!(s.projects.loading, None);
    assert!(s.projects.error.is_some(), "the screen says it stopped");
    // A late answer to the cancelled request changes nothing.
    update(&mut s, Msg::Projects(id, Ok(vec![])));
    assert!(s.projects.error.is_some());
    // The only entry is organization level, and Enter takes it.
    press(&mut s, KeyCode::Enter);
    assert_eq!(s.scope, Some(Scope::Organization));
    assert_eq!(s.step, Step::Pick);
}

#[test]
fn keys_do_nothing_while_the_window_is_too_small_but_ctrl_c_quits() {
    let mut s = wizard();
    update(&mut s, Msg::Resize(70, 20));
    for code in [KeyCode::Enter, KeyCode::Enter, KeyCode::Char('q')] {
        assert!(press(&mut s, code).is_empty());
    }
    update(&mut s, Msg::Paste("pasted".into()));
    assert_eq!(
        s.step,
        Step::Pick,
        "a key acted on a screen nobody could see"
    );
    assert!(!s.quit);
    update(&mut s, Msg::Resize(80, 24));
    press(&mut s, KeyCode::Enter);
    assert_eq!(s.step, Step::Instructions);
    update(&mut s, Msg::Resize(79, 24));
    update(&mut s, ctrl('c'));
    assert!(s.quit);
}

#[test]
fn esc_while_reloading_the_projects_cancels_and_keeps_the_chosen_scope() {
    let mut s = wizard();
    let id = match press(&mut s, KeyCode::Char('p')).as_slice() {
        [Effect::LoadProjects(id)] => *id,
        other => panic!("{other:?}"),
    };
    let effects = press(&mut s, KeyCode::Esc);
    assert!(
        matches!(effects.as_slice(), [Effect::Cancel(n)] if *n == id),
        "{effects:?}"
    );
    assert_eq!(s.step, Step::Pick);
    assert!(s.scope.is_some());
    assert!(!s.is_busy(), "no spinner left turning");
}

#[test]
fn shift_tab_and_up_move_back_through_the_fields() {
    let mut s = wizard();
    to_form(&mut s, 0); // TeamCity: name, description, URL, token, …
    let focused = |s: &State| s.form.as_ref().unwrap().focused();
    assert_eq!(focused(&s), FieldId::Name);
    press(&mut s, KeyCode::Tab);
    press(&mut s, KeyCode::Tab);
    assert_eq!(focused(&s), FieldId::Target);
    press(&mut s, KeyCode::BackTab);
    assert_eq!(focused(&s), FieldId::Description);
    press(&mut s, KeyCode::Up);
    assert_eq!(focused(&s), FieldId::Name);
    press(&mut s, KeyCode::Down);
    assert_eq!(focused(&s), FieldId::Description);
}

#[test]
fn a_422_validation_failure_on_create_lands_under_each_field() {
    // The server's own envelope, read by the same code as a live answer.
    let body = serde_json::json!({
        "reqId": "req-AbC123dEf456Gh",
        "statusCode": 422,
        "error": "ValidationFailure",
        "message": [
            { "code": "too_big", "path": ["description"], "message": "Description cannot exceed 256 characters" },
            { "code": "invalid_string", "path": ["credentials", "instanceUrl"], "message": "Invalid Instance URL" }
        ]
    });
    let captured = Captured {
        status: 422,
        headers: Default::default(),
        body: serde_json::to_vec(&body).unwrap(),
    };
    let teamcity = AppSpec::by_slug("teamcity").unwrap();
    let g = KmsError::from_response(
        "https://kms.example.com/api/v1/app-connections/teamcity",
        &captured,
    )
    .guidance(Some(teamcity));
    assert_eq!(g.trouble, Trouble::Input);

    let mut s = wizard();
    let id = at_review(&mut s);
    update(&mut s, Msg::Created(id, Err(g)));
    assert_eq!(s.step, Step::Form);
    let form = s.form.as_ref().unwrap();
    assert_eq!(
        form.focused(),
        FieldId::Description,
        "the first problem's field"
    );
    assert_eq!(
        form.message(FieldId::Description).as_deref(),
        Some("Description cannot exceed 256 characters")
    );
    assert_eq!(
        form.message(FieldId::Target).as_deref(),
        Some("Invalid Instance URL")
    );
    // Everything typed is still there.
    assert_eq!(form.raw().target, "https://ci.example.com/");
}

#[test]
fn an_unknown_project_on_create_stays_on_review_with_its_hint() {
    let mut s = wizard();
    let id = at_review(&mut s);
    let g = Guidance {
        trouble: Trouble::Input,
        headline: "Could not find project with ID nope.".into(),
        hint: Some("Check --project or KMS_PROJECT_ID, or pick the project again.".into()),
        fields: vec![],
    };
    update(&mut s, Msg::Created(id, Err(g)));
    assert_eq!(s.step, Step::Review, "the form cannot fix the project");
    assert!(s.create.error.is_some());
}

#[test]
fn form_fields_edit_like_a_shell_line() {
    let alt = |c: char| {
        Msg::Key(crossterm::event::KeyEvent::new(
            KeyCode::Char(c),
            crossterm::event::KeyModifiers::ALT,
        ))
    };
    let mut s = wizard();
    to_form(&mut s, 0);
    type_text(&mut s, "ci team city");
    update(&mut s, ctrl('w'));
    assert_eq!(s.form.as_ref().unwrap().raw().name, "ci team ");
    update(&mut s, ctrl('a'));
    update(&mut s, alt('f'));
    update(&mut s, ctrl('k'));
    assert_eq!(s.form.as_ref().unwrap().raw().name, "ci");
    update(&mut s, ctrl('z'));
    assert_eq!(s.form.as_ref().unwrap().raw().name, "ci team ");
    update(&mut s, ctrl('e'));
    update(&mut s, alt('b'));
    update(&mut s, ctrl('u'));
    assert_eq!(s.form.as_ref().unwrap().raw().name, "team ");
    // The secret edits the same way.
    for _ in 0..3 {
        press(&mut s, KeyCode::Tab);
    }
    type_text(&mut s, "abc def");
    update(&mut s, ctrl('w'));
    assert_eq!(s.form.as_ref().unwrap().secret_len(), 4);
    update(&mut s, ctrl('u'));
    assert_eq!(s.form.as_ref().unwrap().secret_len(), 0);
}

#[test]
fn the_help_lists_the_line_editing_keys_on_a_form() {
    let mut s = wizard();
    to_form(&mut s, 0);
    let keys: Vec<&str> = kms_connect::tui::keys::hints(&s)
        .iter()
        .map(|h| h.key)
        .collect();
    for k in [
        "Ctrl-A / Ctrl-E",
        "Ctrl-W",
        "Ctrl-U / Ctrl-K",
        "Alt-B / Alt-F",
        "Ctrl-Z / Ctrl-R",
    ] {
        assert!(keys.contains(&k), "{k}: {keys:?}");
    }
}

#[test]
fn esc_on_the_project_list_without_a_project_goes_back_to_the_sign_in() {
    let mut s = State::new(session(), None);
    let id = match s.start().as_slice() {
        [Effect::LoadProjects(id)] => *id,
        other => panic!("{other:?}"),
    };
    update(&mut s, Msg::Projects(id, Ok(Vec::new())));
    press(&mut s, KeyCode::Esc);
    assert_eq!(s.step, Step::SignIn);
    // And Esc on the server list comes back to the project list.
    press(&mut s, KeyCode::Esc);
    assert_eq!(s.step, Step::Project);
}

fn tick_at(secs: u64) -> Msg {
    Msg::Tick(kms_connect::tui::Now {
        elapsed: std::time::Duration::from_secs(secs),
        unix: 1_700_000_000 + secs,
    })
}

#[test]
fn create_counts_the_seconds_it_waits_from_the_ticks() {
    let mut s = wizard();
    update(&mut s, tick_at(100)); // long before: the key that starts create carries no time
    let id = submitted(&mut s);
    update(&mut s, Msg::Tested(id, outcome(true)));
    press(&mut s, KeyCode::Enter);
    assert!(matches!(
        press(&mut s, KeyCode::Enter).as_slice(),
        [Effect::Create(..)]
    ));
    assert_eq!(s.create_waited_secs(), 0);
    update(&mut s, tick_at(500));
    assert_eq!(s.create_waited_secs(), 0, "counted from the first tick");
    update(&mut s, tick_at(537));
    assert_eq!(s.create_waited_secs(), 37);
    assert!(s.is_busy());
}

#[test]
fn a_retry_after_counts_down_on_the_ticks_and_stops_the_ticks_at_zero() {
    let mut s = wizard();
    let id = submitted(&mut s);
    update(&mut s, tick_at(10));
    let mut limited = outcome(false);
    limited.code = OutcomeCode::RateLimited;
    limited.retry_after_secs = Some(30);
    update(&mut s, Msg::Tested(id, limited));
    assert_eq!(s.retry_left_secs(), Some(30));
    assert!(s.is_busy(), "ticks keep coming while it counts down");
    update(&mut s, tick_at(25));
    assert_eq!(s.retry_left_secs(), Some(15));
    update(&mut s, tick_at(41));
    assert_eq!(s.retry_left_secs(), Some(0));
    assert!(!s.is_busy());
    // Testing again starts afresh.
    press(&mut s, KeyCode::Char('r'));
    assert_eq!(s.retry_left_secs(), None);
}

/// The KMS server's own 429 with a Retry-After, as the worker reads it: the words and the
/// seconds it carries beside them.
fn kms_rate_limited(secs: u64) -> (Guidance, u64) {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("retry-after", secs.to_string().parse().unwrap());
    let captured = Captured {
        status: 429,
        headers,
        body: br#"{"statusCode":429,"error":"Too Many Requests","message":"Rate limit exceeded"}"#
            .to_vec(),
    };
    let err = KmsError::from_response(
        "https://kms.example.com/api/v1/app-connections/teamcity",
        &captured,
    );
    let teamcity = AppSpec::by_slug("teamcity").unwrap();
    (
        err.guidance(Some(teamcity)),
        err.retry_after_secs().unwrap(),
    )
}

#[test]
fn a_kms_retry_after_on_create_counts_down_on_the_ticks_and_stops_the_ticks_at_zero() {
    let mut s = wizard();
    let id = at_review(&mut s);
    update(&mut s, tick_at(10));
    let (g, secs) = kms_rate_limited(30);
    assert_eq!(secs, 30);
    update(
        &mut s,
        Msg::RetryAfter(secs, Box::new(Msg::Created(id, Err(g)))),
    );
    assert_eq!(s.step, Step::Review);
    assert!(s.create.error.is_some());
    assert_eq!(s.create_retry_left_secs(), Some(30));
    assert!(s.is_busy(), "ticks keep coming while it counts down");
    update(&mut s, tick_at(25));
    assert_eq!(s.create_retry_left_secs(), Some(15));
    update(&mut s, tick_at(41));
    assert_eq!(s.create_retry_left_secs(), Some(0));
    assert!(!s.is_busy());
    // Trying again starts afresh, and an error without a Retry-After does not count.
    let Some(Effect::Create(again, ..)) = press(&mut s, KeyCode::Enter).into_iter().next() else {
        panic!("Enter retries");
    };
    let (g, _) = kms_rate_limited(30);
    update(&mut s, Msg::Created(again, Err(g)));
    assert_eq!(s.create_retry_left_secs(), None);
}

#[test]
fn f2_on_the_demo_form_shows_the_demo_values_and_any_key_closes_them() {
    let mut s = demo_wizard();
    to_form(&mut s, 0);
    let before = s.form.as_ref().unwrap().display(FieldId::Name).text;
    press(&mut s, KeyCode::F(2));
    assert!(s.demo_values);
    // The key that closes the list is not typed into the field behind it.
    press(&mut s, KeyCode::Char('x'));
    assert!(!s.demo_values);
    assert_eq!(s.form.as_ref().unwrap().display(FieldId::Name).text, before);
    assert_eq!(s.step, Step::Form);
    // Outside --demo there are no values, and F2 does nothing.
    let mut s = wizard();
    to_form(&mut s, 0);
    press(&mut s, KeyCode::F(2));
    assert!(!s.demo_values);
}

#[test]
fn f3_on_the_bitbucket_form_switches_the_use_the_test_judges() {
    let mut s = wizard();
    to_form(&mut s, 2);
    assert_eq!(s.chosen_use().map(|u| u.flag_value), Some("sync"));
    press(&mut s, KeyCode::F(3));
    assert_eq!(s.chosen_use().map(|u| u.flag_value), Some("scanning"));
    type_text(&mut s, "ci-bitbucket");
    press(&mut s, KeyCode::Tab);
    press(&mut s, KeyCode::Tab);
    type_text(&mut s, "ci@example.com");
    press(&mut s, KeyCode::Tab);
    update(&mut s, Msg::Paste("tok".into()));
    let effects = update(&mut s, ctrl('s'));
    let [Effect::Test(_, _, inputs)] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(inputs.use_name.as_deref(), Some("Secret Scanning"));
    // An app with one use has none to switch: F3 does nothing there.
    let mut s = wizard();
    to_form(&mut s, 0);
    press(&mut s, KeyCode::F(3));
    assert!(s.chosen_use().is_none() && s.notice.is_none());
}

fn with(code: KeyCode, modifiers: crossterm::event::KeyModifiers) -> Msg {
    Msg::Key(crossterm::event::KeyEvent::new(code, modifiers))
}

#[test]
fn the_app_filter_edits_like_a_shell_line() {
    use crossterm::event::KeyModifiers as M;
    let mut s = wizard();
    press(&mut s, KeyCode::Char('/'));
    type_text(&mut s, "team city");
    update(&mut s, with(KeyCode::Char('w'), M::CONTROL));
    assert_eq!(s.apps.filter, "team ");
    update(&mut s, with(KeyCode::Char('z'), M::CONTROL));
    assert_eq!(s.apps.filter, "team city", "Ctrl-Z undoes");
    update(&mut s, with(KeyCode::Char('a'), M::CONTROL));
    type_text(&mut s, "x");
    assert_eq!(s.apps.filter, "xteam city", "typed at the cursor");
    update(&mut s, with(KeyCode::Char('e'), M::CONTROL));
    update(&mut s, with(KeyCode::Char('b'), M::ALT));
    update(&mut s, with(KeyCode::Char('k'), M::CONTROL));
    assert_eq!(s.apps.filter, "xteam ");
    update(&mut s, with(KeyCode::Char('u'), M::CONTROL));
    assert_eq!(s.apps.filter, "");
    type_text(&mut s, "octo");
    assert_eq!(s.apps.visible()[0].slug, "octopus-deploy");
    press(&mut s, KeyCode::Esc);
    assert!(s.apps.filter.is_empty() && s.apps.filter_text.text().is_empty());
}

#[test]
fn the_project_filter_edits_like_a_shell_line() {
    use crossterm::event::KeyModifiers as M;
    let mut s = State::new(session(), None);
    let effects = s.start();
    let [Effect::LoadProjects(id)] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    let project = |name: &str| Project {
        id: format!("id-{name}"),
        name: name.into(),
        slug: name.into(),
    };
    update(
        &mut s,
        Msg::Projects(*id, Ok(vec![project("payments"), project("web")])),
    );
    press(&mut s, KeyCode::Char('/'));
    type_text(&mut s, "pay web");
    update(&mut s, with(KeyCode::Char('a'), M::CONTROL));
    update(&mut s, with(KeyCode::Char('f'), M::ALT));
    update(&mut s, with(KeyCode::Char('k'), M::CONTROL));
    assert_eq!(s.projects.filter, "pay");
    update(&mut s, Msg::Paste("ments\n".into()));
    assert_eq!(s.projects.filter, "payments");
    assert_eq!(s.projects.visible().len(), 1);
    update(&mut s, with(KeyCode::Char('w'), M::CONTROL));
    assert_eq!(s.projects.filter, "");
    assert_eq!(s.projects.visible().len(), 2);
}
