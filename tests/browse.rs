//! The connection browser: every action as `update` transitions, and each of its screens at
//! 80x24 (snapshots in tests/snapshots/, never written by CI).

mod common;

use common::*;
use crossterm::event::KeyCode;
use kms_connect::apps::{FieldId, OutcomeCode, TestOutcome};
use kms_connect::kms::error::Trouble;
use kms_connect::kms::{AppConnection, ConnectionList, Guidance};
use kms_connect::tui::browse::View;
use kms_connect::tui::theme::Theme;
use kms_connect::tui::view::view;
use kms_connect::tui::{Effect, Msg, Scope, State, Step, update};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::{Value, json};

const SECRET: &str = "tok-rotated-secret";

fn conn(id: &str, name: &str, app: &str, credentials: Value) -> AppConnection {
    let raw = json!({
        "id": id,
        "name": name,
        "description": null,
        "app": app,
        "method": match app {
            "teamcity" => "access-token",
            "octopus-deploy" => "api-key",
            _ => "api-token",
        },
        "credentials": credentials,
        "version": 1,
        "orgId": "6f03caa1-a5de-43ce-b127-95a145d3464c",
        "projectId": "7ffbb072-2575-495a-b5b0-127f88caef78",
        "createdAt": "2025-11-02T09:00:00.000Z",
        "updatedAt": format!("2025-11-{:02}T10:30:00.000Z", 10 + name.len() % 10),
        "credentialsHash": format!("{:0>64}", name.len()),
    });
    AppConnection::from_value(&raw).unwrap()
}

fn sample() -> Vec<AppConnection> {
    vec![
        conn(
            "00000000-0000-4000-8000-000000000001",
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
            "00000000-0000-4000-8000-000000000003",
            "bitbucket-pipelines",
            "bitbucket",
            json!({ "email": "dev@example.com" }),
        ),
        conn(
            "00000000-0000-4000-8000-000000000004",
            "northflank-\u{1b}[31mservices",
            "northflank",
            json!({}),
        ),
    ]
}

/// The runtime's clock reading for the browse screens: 2025-11-19 13:45 UTC, hours to days
/// after the sample's updates.
fn clock() -> Msg {
    Msg::Tick(kms_connect::tui::Now {
        elapsed: std::time::Duration::from_secs(5),
        unix: 1_763_559_900,
    })
}

/// The browser opened from step 1 with the sample list loaded.
fn browsing() -> State {
    let mut s = wizard();
    update(&mut s, clock());
    let id = match press(&mut s, KeyCode::Char('b')).as_slice() {
        [Effect::LoadConnections(id, Some(project))] => {
            assert_eq!(project, "7ffbb072-2575-495a-b5b0-127f88caef78");
            *id
        }
        other => panic!("{other:?}"),
    };
    assert_eq!(s.step, Step::Browse);
    update(&mut s, Msg::Connections(id, Ok(sample().into())));
    s
}

fn selected_name(s: &State) -> String {
    s.browse.selected_row().unwrap().name.clone()
}

fn screen(state: &State) -> String {
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    terminal
        .draw(|f| view(state, &Theme { no_color: false }, f))
        .unwrap();
    let text = terminal.backend().to_string();
    assert!(!text.contains(SECRET), "the secret is on screen:\n{text}");
    assert!(!text.contains('\u{1b}'), "a control character is on screen");
    text
}

fn tested(ok: bool) -> TestOutcome {
    TestOutcome {
        ok,
        code: if ok {
            OutcomeCode::Ok
        } else {
            OutcomeCode::TokenRejected
        },
        message: if ok {
            "TeamCity accepted the credential: version 2025.07 (build 197398).".into()
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

/// Opens rotation on build-server, types the new secret and submits: the test's id.
fn rotation_tested(s: &mut State) -> u64 {
    assert_eq!(selected_name(s), "bitbucket-pipelines");
    press(s, KeyCode::Down);
    assert_eq!(selected_name(s), "build-server");
    press(s, KeyCode::Char('c'));
    assert_eq!(s.browse.view, View::Rotate);
    type_text(s, SECRET);
    match press(s, KeyCode::Enter).as_slice() {
        [Effect::Test(id, input, _)] => {
            assert_eq!(input.app.slug, "teamcity");
            assert_eq!(input.target.as_deref(), Some("https://ci.example.com"));
            *id
        }
        other => panic!("{other:?}"),
    }
}

fn guidance(trouble: Trouble, headline: &str, fields: Vec<(FieldId, String)>) -> Guidance {
    Guidance {
        trouble,
        headline: headline.into(),
        hint: Some("What to do next.".into()),
        fields,
    }
}

// ---- update transitions ----

#[test]
fn b_on_step_one_opens_the_browser_and_esc_comes_back() {
    let mut s = browsing();
    assert_eq!(s.browse.rows.len(), 4);
    press(&mut s, KeyCode::Esc);
    assert_eq!(s.step, Step::Pick);
    // Coming back does not fetch the list again.
    assert!(press(&mut s, KeyCode::Char('b')).is_empty());
    assert_eq!(s.step, Step::Browse);
}

#[test]
fn without_a_project_browse_asks_for_one_first() {
    let mut s = State::new(session(), None);
    let effects = kms_connect::tui::browse::actions::open(&mut s);
    let [Effect::LoadProjects(pid)] = effects[..] else {
        panic!("{effects:?}")
    };
    update(&mut s, Msg::Projects(pid, Ok(Vec::new())));
    // Only "organization level" is offered.
    let effects = press(&mut s, KeyCode::Enter);
    assert_eq!(s.scope, Some(Scope::Organization));
    assert_eq!(s.step, Step::Browse);
    assert!(matches!(effects[..], [Effect::LoadConnections(_, None)]));
}

#[test]
fn filter_app_filter_and_sort() {
    let mut s = browsing();
    press(&mut s, KeyCode::Char('/'));
    assert!(s.text_focus());
    type_text(&mut s, "example.com");
    assert_eq!(s.browse.visible.len(), 3);
    // q is a letter while filtering.
    type_text(&mut s, "q");
    assert!(!s.quit);
    assert_eq!(s.browse.visible.len(), 0);
    press(&mut s, KeyCode::Backspace);
    press(&mut s, KeyCode::Enter);
    assert!(!s.text_focus());
    press(&mut s, KeyCode::Char('a')); // TeamCity only
    assert_eq!(s.browse.visible.len(), 1);
    assert_eq!(selected_name(&s), "build-server");
    press(&mut s, KeyCode::Esc); // clears both filters
    assert_eq!(s.browse.visible.len(), 4);
    assert_eq!(s.step, Step::Browse);
    press(&mut s, KeyCode::Char('s'));
    assert_eq!(s.browse.sort.label(), "app");
    assert_eq!(selected_name(&s), "bitbucket-pipelines");
}

#[test]
fn r_reloads_and_a_late_answer_is_ignored() {
    let mut s = browsing();
    let first = match press(&mut s, KeyCode::Char('r')).as_slice() {
        [Effect::LoadConnections(id, _)] => *id,
        other => panic!("{other:?}"),
    };
    let second = match press(&mut s, KeyCode::Char('r')).as_slice() {
        [Effect::Cancel(old), Effect::LoadConnections(id, _)] if *old == first => *id,
        other => panic!("{other:?}"),
    };
    update(&mut s, Msg::Connections(first, Ok(Vec::new().into())));
    assert_eq!(s.browse.rows.len(), 4, "a cancelled load must not apply");
    update(
        &mut s,
        Msg::Connections(second, Ok(sample()[..1].to_vec().into())),
    );
    assert_eq!(s.browse.rows.len(), 1);
}

#[test]
fn enter_shows_details_and_y_copies_the_id() {
    let mut s = browsing();
    press(&mut s, KeyCode::Enter);
    assert_eq!(s.browse.view, View::Details);
    let effects = press(&mut s, KeyCode::Char('y'));
    assert!(
        matches!(&effects[..], [Effect::Copy(id)] if id == "00000000-0000-4000-8000-000000000003")
    );
    assert!(
        s.notice
            .as_deref()
            .unwrap()
            .contains("00000000-0000-4000-8000-000000000003")
    );
    press(&mut s, KeyCode::Esc);
    assert_eq!(s.browse.view, View::List);
}

#[test]
fn rotate_tests_then_patches_and_shows_the_new_hash() {
    let mut s = browsing();
    let test = rotation_tested(&mut s);
    update(&mut s, Msg::Tested(test, tested(true)));
    assert!(s.browse.rotate.as_ref().unwrap().outcome.is_some());
    let save = match press(&mut s, KeyCode::Enter).as_slice() {
        [Effect::Rotate(id, conn_id, input)] => {
            assert_eq!(conn_id, "00000000-0000-4000-8000-000000000001");
            assert_eq!(
                input.credentials(),
                json!({ "instanceUrl": "https://ci.example.com", "accessToken": SECRET })
            );
            *id
        }
        other => panic!("{other:?}"),
    };
    let mut after = sample()[0].clone();
    after.credentials_hash = "f".repeat(64);
    update(&mut s, Msg::Changed(save, Ok(after)));
    assert_eq!(s.browse.view, View::Result);
    let result = s.browse.result.as_ref().unwrap();
    assert_eq!(result.conn.credentials_hash, "f".repeat(64));
    assert!(
        s.browse.rotate.is_none(),
        "the typed secret is dropped once saved"
    );
    press(&mut s, KeyCode::Enter);
    assert_eq!(s.browse.view, View::List);
}

#[test]
fn a_failed_rotation_test_offers_save_anyway_and_esc_cancels_a_running_one() {
    let mut s = browsing();
    let test = rotation_tested(&mut s);
    // Esc while testing cancels and keeps the input.
    assert!(matches!(press(&mut s, KeyCode::Esc)[..], [Effect::Cancel(id)] if id == test));
    update(&mut s, Msg::Tested(test, tested(true)));
    assert!(
        s.browse.rotate.as_ref().unwrap().outcome.is_none(),
        "late result ignored"
    );
    let retest = match press(&mut s, KeyCode::Enter).as_slice() {
        [Effect::Test(id, _, _)] => *id,
        other => panic!("{other:?}"),
    };
    update(&mut s, Msg::Tested(retest, tested(false)));
    // Enter goes back to fixing, nothing is sent.
    assert!(press(&mut s, KeyCode::Enter).is_empty());
    let retest = match press(&mut s, KeyCode::Enter).as_slice() {
        [Effect::Test(id, _, _)] => *id,
        other => panic!("{other:?}"),
    };
    update(&mut s, Msg::Tested(retest, tested(false)));
    assert!(matches!(
        press(&mut s, KeyCode::Char('a')).as_slice(),
        [Effect::Rotate(..)]
    ));
}

#[test]
fn esc_from_rotation_keeps_the_draft() {
    let mut s = browsing();
    rotation_tested(&mut s);
    // Back out (cancel the test, then leave the dialog) and come back: the secret is still typed.
    press(&mut s, KeyCode::Esc);
    press(&mut s, KeyCode::Esc);
    assert_eq!(s.browse.view, View::List, "back where rotate started");
    press(&mut s, KeyCode::Char('c'));
    let form = &s.browse.rotate.as_ref().unwrap().form;
    assert_eq!(
        form.display(FieldId::Secret).text.chars().count(),
        SECRET.len()
    );
}

#[test]
fn a_rejected_rotation_shows_the_server_error_and_keeps_the_input() {
    let mut s = browsing();
    let test = rotation_tested(&mut s);
    update(&mut s, Msg::Tested(test, tested(true)));
    let save = match press(&mut s, KeyCode::Enter).as_slice() {
        [Effect::Rotate(id, ..)] => *id,
        other => panic!("{other:?}"),
    };
    let g = guidance(
        Trouble::Credential,
        "The KMS server's credential check failed: Failed to validate credentials",
        Vec::new(),
    );
    update(&mut s, Msg::Changed(save, Err(g)));
    let r = s.browse.rotate.as_ref().unwrap();
    assert!(r.error.is_some());
    assert_eq!(
        r.form.display(FieldId::Secret).text.chars().count(),
        SECRET.len()
    );
    assert_eq!(s.browse.view, View::Rotate);
}

fn tick_at(secs: u64) -> Msg {
    Msg::Tick(kms_connect::tui::Now {
        elapsed: std::time::Duration::from_secs(secs),
        unix: 1_763_559_900,
    })
}

#[test]
fn a_kms_retry_after_on_a_rotation_counts_down_on_the_ticks() {
    let mut s = browsing();
    let test = rotation_tested(&mut s);
    update(&mut s, Msg::Tested(test, tested(true)));
    let save = match press(&mut s, KeyCode::Enter).as_slice() {
        [Effect::Rotate(id, ..)] => *id,
        other => panic!("{other:?}"),
    };
    let g = Guidance {
        hint: Some("Try again in 30 s; nothing was lost.".into()),
        ..guidance(
            Trouble::Server,
            "The KMS server is rate-limiting requests (429).",
            Vec::new(),
        )
    };
    update(
        &mut s,
        Msg::RetryAfter(30, Box::new(Msg::Changed(save, Err(g)))),
    );
    assert_eq!(s.browse.view, View::Rotate);
    assert_eq!(s.rotate_retry_left_secs(), Some(30));
    assert!(s.is_busy(), "ticks keep coming while it counts down");
    update(&mut s, tick_at(23));
    assert_eq!(s.rotate_retry_left_secs(), Some(12));
    insta::assert_snapshot!(screen(&s));
    update(&mut s, tick_at(40));
    assert_eq!(s.rotate_retry_left_secs(), Some(0));
    assert!(!s.is_busy());
    assert!(screen(&s).contains("The wait is over"));
}

#[test]
fn edit_sends_only_what_changed_and_a_taken_name_lands_under_name() {
    let mut s = browsing();
    press(&mut s, KeyCode::Char('e'));
    assert_eq!(s.browse.view, View::Edit);
    assert!(update(&mut s, ctrl('s')).is_empty(), "nothing changed");
    assert_eq!(s.notice.as_deref(), Some("Nothing changed."));
    // Description only.
    press(&mut s, KeyCode::Tab);
    type_text(&mut s, "pipelines");
    let save = match update(&mut s, ctrl('s')).as_slice() {
        [Effect::UpdateDetails(id, app, conn_id, changes)] => {
            assert_eq!(app.slug, "bitbucket");
            assert_eq!(conn_id, "00000000-0000-4000-8000-000000000003");
            assert_eq!(changes.name, None);
            assert_eq!(changes.description, Some(Some("pipelines".into())));
            *id
        }
        other => panic!("{other:?}"),
    };
    let message = "An App Connection with the name \"x\" already exists".to_string();
    let g = guidance(
        Trouble::Input,
        &message,
        vec![(FieldId::Name, message.clone())],
    );
    update(&mut s, Msg::Changed(save, Err(g)));
    let e = s.browse.edit.as_ref().unwrap();
    assert_eq!(e.form.focused(), FieldId::Name);
    assert_eq!(e.form.message(FieldId::Name), Some(message));
    assert_eq!(e.form.display(FieldId::Description).text, "pipelines");
}

#[test]
fn edit_validates_the_name_before_sending() {
    let mut s = browsing();
    press(&mut s, KeyCode::Char('e'));
    type_text(&mut s, "_X");
    assert!(update(&mut s, ctrl('s')).is_empty());
    let e = s.browse.edit.as_ref().unwrap();
    assert!(e.form.message(FieldId::Name).is_some());
}

#[test]
fn delete_needs_the_exact_name_and_explains_a_connection_in_use() {
    let mut s = browsing();
    press(&mut s, KeyCode::Char('d'));
    assert_eq!(s.browse.view, View::Delete);
    type_text(&mut s, "bitbucket");
    assert!(press(&mut s, KeyCode::Enter).is_empty());
    assert_eq!(
        s.notice.as_deref(),
        Some("The name does not match: type bitbucket-pipelines exactly to delete it.")
    );
    type_text(&mut s, "-pipelines");
    let del = match press(&mut s, KeyCode::Enter).as_slice() {
        [Effect::Delete(id, app, conn_id)] => {
            assert_eq!(app.slug, "bitbucket");
            assert_eq!(conn_id, "00000000-0000-4000-8000-000000000003");
            *id
        }
        other => panic!("{other:?}"),
    };
    let g = guidance(
        Trouble::Server,
        "The KMS server refused: this connection is still in use (by a Secret Sync, rotation or data source).",
        Vec::new(),
    );
    update(&mut s, Msg::Deleted(del, Err(g)));
    assert!(s.browse.delete.as_ref().unwrap().error.is_some());
    assert_eq!(s.browse.rows.len(), 4);
    let again = match press(&mut s, KeyCode::Enter).as_slice() {
        [Effect::Delete(id, ..)] => *id,
        other => panic!("{other:?}"),
    };
    update(&mut s, Msg::Deleted(again, Ok(sample()[2].clone())));
    assert_eq!(s.browse.rows.len(), 3);
    assert_eq!(s.browse.view, View::List);
}

#[test]
fn n_starts_a_new_connection_and_ctrl_c_cancels_what_runs() {
    let mut s = browsing();
    press(&mut s, KeyCode::Char('n'));
    assert_eq!(s.step, Step::Pick);
    let mut s = browsing();
    let test = rotation_tested(&mut s);
    let effects = update(&mut s, ctrl('c'));
    assert!(s.quit);
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::Cancel(id) if *id == test))
    );
}

#[test]
fn paging_keeps_the_selection_in_view_over_many_rows() {
    let mut s = wizard();
    let id = match press(&mut s, KeyCode::Char('b')).as_slice() {
        [Effect::LoadConnections(id, _)] => *id,
        other => panic!("{other:?}"),
    };
    let many: Vec<AppConnection> = (0..500)
        .map(|i| {
            conn(
                &format!("00000000-0000-4000-8000-{i:012}"),
                &format!("conn-{i:04}"),
                "northflank",
                json!({}),
            )
        })
        .collect();
    update(&mut s, Msg::Connections(id, Ok(many.into())));
    press(&mut s, KeyCode::PageDown);
    press(&mut s, KeyCode::PageDown);
    let height = kms_connect::tui::browse::list_height(24);
    assert_eq!(s.browse.selected, 2 * height);
    assert!(s.browse.offset <= s.browse.selected);
    assert!(s.browse.selected < s.browse.offset + height);
    press(&mut s, KeyCode::End);
    assert_eq!(selected_name(&s), "conn-0499");
    assert!(screen(&s).contains("conn-0499"));
}

#[test]
fn delete_asks_for_the_new_name_after_a_rename() {
    let mut s = browsing();
    // Start a delete, leave it with something typed.
    press(&mut s, KeyCode::Char('d'));
    type_text(&mut s, "bitbucket");
    press(&mut s, KeyCode::Esc);
    assert_eq!(s.browse.view, View::Details);
    // Rename the connection.
    press(&mut s, KeyCode::Char('e'));
    press(&mut s, KeyCode::End);
    type_text(&mut s, "-2");
    let save = match update(&mut s, ctrl('s')).as_slice() {
        [Effect::UpdateDetails(id, _, _, changes)] => {
            assert_eq!(changes.name.as_deref(), Some("bitbucket-pipelines-2"));
            *id
        }
        other => panic!("{other:?}"),
    };
    update(
        &mut s,
        Msg::Changed(save, Ok(renamed(&sample()[2], "bitbucket-pipelines-2"))),
    );
    press(&mut s, KeyCode::Enter);
    assert_eq!(selected_name(&s), "bitbucket-pipelines-2");
    // The summary printed on quit says what it was called before.
    let said = s.changes.last().unwrap();
    assert!(
        said.contains("bitbucket-pipelines-2")
            && said.ends_with(", renamed from bitbucket-pipelines"),
        "{said}"
    );
    // The delete dialog now asks for the new name, and what was typed for the old one is gone.
    press(&mut s, KeyCode::Char('d'));
    let d = s.browse.delete.as_ref().unwrap();
    assert_eq!(d.name, "bitbucket-pipelines-2");
    assert_eq!(d.typed.as_str(), "");
    assert!(screen(&s).contains("bitbucket-pipelines-2"));
    type_text(&mut s, "bitbucket-pipelines");
    assert!(
        press(&mut s, KeyCode::Enter).is_empty(),
        "the old name deletes nothing"
    );
    type_text(&mut s, "-2");
    assert!(matches!(
        press(&mut s, KeyCode::Enter).as_slice(),
        [Effect::Delete(_, _, id)] if id == "00000000-0000-4000-8000-000000000003"
    ));
}

/// `conn` as the server returns it after a rename.
fn renamed(conn: &AppConnection, name: &str) -> AppConnection {
    let mut c = conn.clone();
    c.name = name.into();
    let mut raw = c.raw.value();
    raw["name"] = json!(name);
    c.raw = raw.into();
    c.updated_at = "2025-11-22T08:00:00.000Z".into();
    c
}

#[test]
fn a_saved_edit_shows_what_was_saved_and_updates_the_row() {
    let mut s = browsing();
    press(&mut s, KeyCode::Char('e'));
    press(&mut s, KeyCode::Tab);
    type_text(&mut s, "pipelines");
    let save = match update(&mut s, ctrl('s')).as_slice() {
        [Effect::UpdateDetails(id, ..)] => *id,
        other => panic!("{other:?}"),
    };
    let mut after = sample()[2].clone();
    after.description = Some("pipelines".into());
    update(&mut s, Msg::Changed(save, Ok(after)));
    assert_eq!(s.browse.view, View::Result);
    let result = s.browse.result.as_ref().unwrap();
    assert_eq!(result.headline, "✓ Details of bitbucket-pipelines saved.");
    assert!(s.browse.edit.is_none(), "the draft is dropped once saved");
    assert!(screen(&s).contains("Details of bitbucket-pipelines saved"));
    press(&mut s, KeyCode::Esc);
    assert_eq!(s.browse.view, View::List);
    let row = s.browse.selected_row().unwrap();
    assert_eq!(row.conn.description.as_deref(), Some("pipelines"));
    // A new edit starts from the saved values.
    press(&mut s, KeyCode::Char('e'));
    let form = &s.browse.edit.as_ref().unwrap().form;
    assert_eq!(form.display(FieldId::Description).text, "pipelines");
}

#[test]
fn esc_while_an_edit_is_saved_stops_waiting_and_ignores_the_late_answer() {
    let mut s = browsing();
    press(&mut s, KeyCode::Char('e'));
    press(&mut s, KeyCode::End);
    type_text(&mut s, "-2");
    let save = match update(&mut s, ctrl('s')).as_slice() {
        [Effect::UpdateDetails(id, ..)] => *id,
        other => panic!("{other:?}"),
    };
    assert!(s.is_busy());
    assert!(matches!(press(&mut s, KeyCode::Esc)[..], [Effect::Cancel(id)] if id == save));
    assert!(!s.is_busy());
    assert!(s.notice.as_deref().unwrap().starts_with("Stopped waiting"));
    assert_eq!(
        s.browse.view,
        View::Edit,
        "the form is still there to try again"
    );
    update(
        &mut s,
        Msg::Changed(save, Ok(renamed(&sample()[2], "bitbucket-pipelines-2"))),
    );
    assert_eq!(s.browse.view, View::Edit);
    assert!(s.browse.result.is_none());
    assert!(
        s.browse
            .row_by_id("00000000-0000-4000-8000-000000000003")
            .unwrap()
            .name
            == "bitbucket-pipelines"
    );
}

#[test]
fn esc_while_a_delete_runs_stops_waiting_and_ignores_the_late_answer() {
    let mut s = browsing();
    press(&mut s, KeyCode::Char('d'));
    type_text(&mut s, "bitbucket-pipelines");
    let del = match press(&mut s, KeyCode::Enter).as_slice() {
        [Effect::Delete(id, ..)] => *id,
        other => panic!("{other:?}"),
    };
    assert!(matches!(press(&mut s, KeyCode::Esc)[..], [Effect::Cancel(id)] if id == del));
    assert!(!s.is_busy());
    assert!(s.notice.as_deref().unwrap().contains("may still delete it"));
    update(&mut s, Msg::Deleted(del, Ok(sample()[2].clone())));
    assert_eq!(s.browse.rows.len(), 4, "a cancelled delete must not apply");
    assert_eq!(s.browse.view, View::Delete);
}

#[test]
fn p_chooses_another_project_and_comes_back_to_its_list() {
    let mut s = browsing();
    let pid = match press(&mut s, KeyCode::Char('p')).as_slice() {
        [Effect::LoadProjects(id)] => *id,
        other => panic!("{other:?}"),
    };
    assert_eq!(s.step, Step::Project);
    let other = kms_connect::kms::Project {
        id: "11111111-2222-4333-8444-555555555555".into(),
        name: "Other project".into(),
        slug: "other-project".into(),
    };
    update(&mut s, Msg::Projects(pid, Ok(vec![other])));
    let effects = press(&mut s, KeyCode::Enter);
    assert_eq!(s.step, Step::Browse);
    let load = effects.iter().find_map(|e| match e {
        Effect::LoadConnections(id, project) => Some((*id, project.clone())),
        _ => None,
    });
    let (id, project) = load.unwrap_or_else(|| panic!("{effects:?}"));
    assert_eq!(
        project.as_deref(),
        Some("11111111-2222-4333-8444-555555555555")
    );
    assert!(s.browse.rows.is_empty(), "the old project's rows are gone");
    update(
        &mut s,
        Msg::Connections(id, Ok(sample()[..1].to_vec().into())),
    );
    assert_eq!(s.browse.rows.len(), 1);
    // Esc on the project list goes back to the browser without loading anything.
    let mut s = browsing();
    let pid = match press(&mut s, KeyCode::Char('p')).as_slice() {
        [Effect::LoadProjects(id)] => *id,
        other => panic!("{other:?}"),
    };
    update(&mut s, Msg::Projects(pid, Ok(Vec::new())));
    assert!(press(&mut s, KeyCode::Esc).is_empty());
    assert_eq!(s.step, Step::Browse);
    assert_eq!(s.browse.rows.len(), 4);
}

#[test]
fn esc_while_the_list_loads_cancels_it_and_b_loads_it_again() {
    let mut s = wizard();
    let first = match press(&mut s, KeyCode::Char('b')).as_slice() {
        [Effect::LoadConnections(id, _)] => *id,
        other => panic!("{other:?}"),
    };
    assert!(matches!(press(&mut s, KeyCode::Esc)[..], [Effect::Cancel(id)] if id == first));
    assert_eq!(s.step, Step::Pick);
    assert!(!s.is_busy());
    update(&mut s, Msg::Connections(first, Ok(sample().into())));
    assert!(s.browse.rows.is_empty(), "a cancelled load must not apply");
    let second = match press(&mut s, KeyCode::Char('b')).as_slice() {
        [Effect::LoadConnections(id, _)] => *id,
        other => panic!("{other:?}"),
    };
    assert_ne!(first, second);
    // n leaves the same way.
    assert!(matches!(press(&mut s, KeyCode::Char('n'))[..], [Effect::Cancel(id)] if id == second));
}

#[test]
fn the_summary_and_the_copy_notice_fit_in_80_columns() {
    let mut s = browsing();
    press(&mut s, KeyCode::Char('a'));
    press(&mut s, KeyCode::Char('a'));
    press(&mut s, KeyCode::Char('s'));
    press(&mut s, KeyCode::Char('s'));
    press(&mut s, KeyCode::Char('/'));
    type_text(&mut s, "o");
    let text = screen(&s);
    let summary = text.lines().nth(3).unwrap().trim_matches('"').trim_end();
    assert!(summary.contains("filter: o▏"), "{summary}");
    assert!(
        summary.ends_with('…')
            || !summary.contains("sorted")
            || summary.contains("sorted by last updated"),
        "cut without an ellipsis: {summary}"
    );
    // A filter too long for the line: the line ends with an ellipsis.
    type_text(&mut s, &"x".repeat(70));
    let text = screen(&s);
    let summary = text.lines().nth(3).unwrap().trim_matches('"').trim_end();
    assert!(summary.ends_with('…'), "{summary}");

    let mut s = browsing();
    press(&mut s, KeyCode::Char('y'));
    let text = screen(&s);
    assert!(
        text.contains(
            "Copied ID 00000000-0000-4000-8000-000000000003 (if your terminal allows it)."
        ),
        "{text}"
    );
}

// ---- screens at 80x24 ----

#[test]
fn browse_list() {
    // In a project: no SCOPE column (every row would repeat the project), the name gets the
    // room and UPDATED says how long ago (TARGET comes at 100 columns: see the wide test).
    let text = screen(&browsing());
    assert!(!text.contains("SCOPE"), "{text}");
    assert!(text.contains("bitbucket-pipelines"), "{text}");
    assert!(
        text.contains("3 h ago") && text.contains("7 d ago"),
        "{text}"
    );
    insta::assert_snapshot!(text);
}

#[test]
fn a_wide_window_shows_targets_with_a_dash_for_none() {
    // TARGET appears from 100 columns; Northflank has no instance URL or email: a dash.
    let mut s = browsing();
    s.size = (110, 24);
    let mut terminal = Terminal::new(TestBackend::new(110, 24)).unwrap();
    terminal
        .draw(|f| view(&s, &Theme { no_color: false }, f))
        .unwrap();
    let text = terminal.backend().to_string();
    assert!(text.contains("TARGET"), "{text}");
    let northflank = text
        .lines()
        .find(|l| l.contains("Northflank"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(northflank.contains(" - "), "{northflank}");
    let teamcity = text.lines().find(|l| l.contains("TeamCity ")).unwrap();
    assert!(teamcity.contains("https://"), "{teamcity}");
}

#[test]
fn browse_loading() {
    let mut s = wizard();
    press(&mut s, KeyCode::Char('b'));
    insta::assert_snapshot!(screen(&s));
}

#[test]
fn browse_empty() {
    let mut s = wizard();
    let id = match press(&mut s, KeyCode::Char('b')).as_slice() {
        [Effect::LoadConnections(id, _)] => *id,
        other => panic!("{other:?}"),
    };
    update(&mut s, Msg::Connections(id, Ok(Vec::new().into())));
    let text = screen(&s);
    // Only keys that work on an empty list.
    for dead in [
        "Enter details",
        "c rotate",
        "e edit",
        "d delete",
        "y copy ID",
        "/ filter",
    ] {
        assert!(!text.contains(dead), "{dead:?} offered:\n{text}");
    }
    insta::assert_snapshot!(text);
}

#[test]
fn browse_no_match() {
    let mut s = browsing();
    press(&mut s, KeyCode::Char('/'));
    type_text(&mut s, "nothing-like-this");
    insta::assert_snapshot!(screen(&s));
}

#[test]
fn browse_org_level_denied() {
    let mut s = State::new(session(), Some(Scope::Organization));
    let id = match press(&mut s, KeyCode::Char('b')).as_slice() {
        [Effect::LoadConnections(id, None)] => *id,
        other => panic!("{other:?}"),
    };
    let g = guidance(
        Trouble::Server,
        "Permission denied: You are not allowed to read on app-connections.",
        Vec::new(),
    );
    update(&mut s, Msg::Connections(id, Err(g)));
    insta::assert_snapshot!(screen(&s));
}

/// The browser opened with `list` loaded as `conns` plus `unreadable` entries it could not
/// read.
fn browsing_with_unreadable(conns: Vec<AppConnection>, unreadable: usize) -> State {
    let mut s = wizard();
    let id = match press(&mut s, KeyCode::Char('b')).as_slice() {
        [Effect::LoadConnections(id, _)] => *id,
        other => panic!("{other:?}"),
    };
    let list = ConnectionList {
        rows: conns,
        unreadable,
        beyond_cap: 0,
    };
    update(&mut s, Msg::Connections(id, Ok(list)));
    s
}

#[test]
fn unreadable_entries_are_said_in_the_list_not_dropped() {
    let mut s = browsing_with_unreadable(sample(), 3);
    assert_eq!(
        s.browse.shortfall.as_deref(),
        Some("3 entries could not be read.")
    );
    assert_eq!(s.browse.rows.len(), 4);
    // Still said while filtering, and gone once a reload reads every entry.
    press(&mut s, KeyCode::Char('/'));
    type_text(&mut s, "build");
    assert!(
        screen(&s).contains("3 entries could not be read"),
        "{}",
        screen(&s)
    );
    press(&mut s, KeyCode::Enter);
    let id = press(&mut s, KeyCode::Char('r'))
        .iter()
        .find_map(|e| match e {
            Effect::LoadConnections(id, _) => Some(*id),
            _ => None,
        })
        .expect("r reloads");
    update(&mut s, Msg::Connections(id, Ok(sample().into())));
    assert_eq!(s.browse.shortfall, None);
    assert!(!screen(&s).contains("could not be read"));
}

#[test]
fn a_list_of_only_unreadable_entries_is_not_called_empty() {
    let s = browsing_with_unreadable(Vec::new(), 1);
    let text = screen(&s);
    assert!(text.contains("1 entry could not be read"), "{text}");
    assert!(!text.contains("No connections yet"), "{text}");
}

#[test]
fn browse_unreadable_entries() {
    insta::assert_snapshot!(screen(&browsing_with_unreadable(sample(), 3)));
}

#[test]
fn browse_details() {
    let mut s = browsing();
    press(&mut s, KeyCode::Down);
    press(&mut s, KeyCode::Enter);
    let text = screen(&s);
    assert!(text.contains("Version          1"), "{text}");
    insta::assert_snapshot!(text);
}

/// At organization level, a project's connection is named after the project from the list
/// loaded on the project step (older servers send only its ID).
#[test]
fn browse_org_level_names_projects() {
    let mut s = State::new(session(), None);
    update(&mut s, clock());
    let effects = kms_connect::tui::browse::actions::open(&mut s);
    let [Effect::LoadProjects(pid)] = effects[..] else {
        panic!("{effects:?}")
    };
    let demo = kms_connect::kms::Project {
        id: "7ffbb072-2575-495a-b5b0-127f88caef78".into(),
        name: "Demo project".into(),
        slug: "demo-project".into(),
    };
    update(&mut s, Msg::Projects(pid, Ok(vec![demo])));
    press(&mut s, KeyCode::Down); // organization level
    let effects = press(&mut s, KeyCode::Enter);
    assert_eq!(s.scope, Some(Scope::Organization));
    let id = effects
        .iter()
        .find_map(|e| match e {
            Effect::LoadConnections(id, None) => Some(*id),
            _ => None,
        })
        .unwrap_or_else(|| panic!("{effects:?}"));
    let mut conns = sample();
    conns[3].project_id = None;
    let mut raw = conns[3].raw.value();
    raw["projectId"] = Value::Null;
    conns[3].raw = raw.into();
    update(&mut s, Msg::Connections(id, Ok(conns.into())));
    let scopes: Vec<String> = s
        .browse
        .visible
        .iter()
        .map(|&i| s.browse.rows[i].scope(s.scope.as_ref(), &s.projects.items))
        .collect();
    assert_eq!(
        scopes,
        [
            "Demo project",
            "Demo project",
            "organization",
            "Demo project"
        ]
    );
    let text = screen(&s);
    assert!(!text.contains("project 7ffbb"), "{text}");
    // Rows differ in scope here: the column is there.
    assert!(text.contains("SCOPE"), "{text}");
    insta::assert_snapshot!(text);
}

#[test]
fn browse_rotate_form() {
    let mut s = browsing();
    press(&mut s, KeyCode::Down);
    press(&mut s, KeyCode::Char('c'));
    type_text(&mut s, SECRET);
    insta::assert_snapshot!(screen(&s));
}

#[test]
fn f2_on_the_rotate_form_lists_the_demo_values_in_demo() {
    let mut s = browsing();
    s.session.demo = demo_wizard().session.demo;
    while s.browse.selected_row().unwrap().conn.app != "teamcity" {
        press(&mut s, KeyCode::Down);
    }
    press(&mut s, KeyCode::Char('c'));
    press(&mut s, KeyCode::F(2));
    let text = screen(&s);
    assert!(text.contains("demo-teamcity-token"), "{text}");
    press(&mut s, KeyCode::Char('x'));
    assert!(
        !screen(&s).contains("demo-teamcity-token"),
        "any key closes it"
    );
    assert_eq!(
        s.browse.rotate.as_ref().unwrap().form.secret_len(),
        0,
        "nothing typed"
    );
}

#[test]
fn browse_rotate_tested() {
    let mut s = browsing();
    let id = rotation_tested(&mut s);
    update(&mut s, Msg::Tested(id, tested(true)));
    insta::assert_snapshot!(screen(&s));
}

#[test]
fn browse_rotate_result() {
    let mut s = browsing();
    let id = rotation_tested(&mut s);
    update(&mut s, Msg::Tested(id, tested(true)));
    let save = match press(&mut s, KeyCode::Enter).as_slice() {
        [Effect::Rotate(id, ..)] => *id,
        other => panic!("{other:?}"),
    };
    let mut after = sample()[0].clone();
    after.credentials_hash = "f".repeat(64);
    after.updated_at = "2025-11-22T08:00:00.000Z".into();
    update(&mut s, Msg::Changed(save, Ok(after)));
    insta::assert_snapshot!(screen(&s));
}

#[test]
fn browse_edit_taken_name() {
    let mut s = browsing();
    press(&mut s, KeyCode::Char('e'));
    press(&mut s, KeyCode::End);
    type_text(&mut s, "-2");
    let save = match update(&mut s, ctrl('s')).as_slice() {
        [Effect::UpdateDetails(id, ..)] => *id,
        other => panic!("{other:?}"),
    };
    let message = "An App Connection with the name \"bitbucket-pipelines-2\" already exists";
    let g = guidance(
        Trouble::Input,
        message,
        vec![(FieldId::Name, message.to_string())],
    );
    update(&mut s, Msg::Changed(save, Err(g)));
    insta::assert_snapshot!(screen(&s));
}

#[test]
fn browse_delete_in_use() {
    let mut s = browsing();
    press(&mut s, KeyCode::Char('d'));
    type_text(&mut s, "bitbucket-pipelines");
    let del = match press(&mut s, KeyCode::Enter).as_slice() {
        [Effect::Delete(id, ..)] => *id,
        other => panic!("{other:?}"),
    };
    let g = Guidance {
        trouble: Trouble::Server,
        headline: "The KMS server refused: this connection is still in use (by a Secret Sync, rotation or data source).".into(),
        hint: Some("Delete those or point them at another connection first; the server does not say which ones.".into()),
        fields: Vec::new(),
    };
    update(&mut s, Msg::Deleted(del, Err(g)));
    insta::assert_snapshot!(screen(&s));
}

#[test]
fn browse_help() {
    let mut s = browsing();
    press(&mut s, KeyCode::Char('?'));
    insta::assert_snapshot!(screen(&s));
}

#[test]
fn a_filter_that_matches_nothing_offers_esc_first_in_the_footer() {
    let mut s = browsing();
    press(&mut s, KeyCode::Char('/'));
    type_text(&mut s, "zzz");
    press(&mut s, KeyCode::Enter);
    let text = screen(&s);
    let footer = text.lines().last().unwrap();
    assert!(footer.contains("Esc clear the filters"), "{footer}");
    press(&mut s, KeyCode::Esc);
    assert_eq!(s.browse.filter, "");
}

#[test]
fn details_show_a_long_description_whole_and_scroll() {
    let mut s = wizard();
    let id = match press(&mut s, KeyCode::Char('b')).as_slice() {
        [Effect::LoadConnections(id, _)] => *id,
        other => panic!("{other:?}"),
    };
    let long = format!("{} the end", "word ".repeat(45));
    let mut c = conn(
        "00000000-0000-4000-8000-000000000009",
        "a-connection-with-a-rather-long-name-that-fills-most-of-the-row-x",
        "teamcity",
        json!({ "instanceUrl": "https://ci.example.com" }),
    );
    c.description = Some(long);
    update(&mut s, Msg::Connections(id, Ok(vec![c].into())));
    press(&mut s, KeyCode::Enter);
    let text = screen(&s);
    assert!(!text.contains('…'), "{text}");
    assert!(
        text.contains("rather-long-name-that-fills-most-of-the-row-x"),
        "{text}"
    );
    assert!(text.contains("more below"), "{text}");
    press(&mut s, KeyCode::PageDown);
    let text = screen(&s);
    assert!(text.contains("the end"), "{text}");
    assert!(text.contains("Version"), "{text}");
    assert!(text.contains("more above"), "{text}");
    insta::assert_snapshot!(text);
}

#[test]
fn the_filter_edits_like_a_shell_line() {
    let mut s = browsing();
    press(&mut s, KeyCode::Char('/'));
    type_text(&mut s, "build server");
    update(&mut s, ctrl('w'));
    assert_eq!(s.browse.filter, "build ");
    update(&mut s, ctrl('u'));
    assert_eq!(s.browse.filter, "");
    update(&mut s, ctrl('z'));
    assert_eq!(s.browse.filter, "build ");
    update(&mut s, ctrl('a'));
    type_text(&mut s, "x");
    assert_eq!(s.browse.filter, "xbuild ");
    assert!(screen(&s).contains("filter: x▏build"), "{}", screen(&s));
}

#[test]
fn esc_from_rotate_returns_to_where_it_started() {
    let mut s = browsing();
    press(&mut s, KeyCode::Char('c'));
    assert_eq!(s.browse.view, View::Rotate);
    press(&mut s, KeyCode::Esc);
    assert_eq!(s.browse.view, View::List);
    press(&mut s, KeyCode::Enter);
    assert_eq!(s.browse.view, View::Details);
    press(&mut s, KeyCode::Char('c'));
    press(&mut s, KeyCode::Esc);
    assert_eq!(s.browse.view, View::Details);
}

// ---- hostile IDs ----

#[test]
fn an_id_with_control_characters_is_not_copied_and_the_notice_says_so() {
    for hostile in [
        "id\u{1b}]52;c;\u{1b}]52;c;eA==\u{7}\u{7}",
        "id\u{7}",
        "id\nnext",
        "id\u{9b}31m",
    ] {
        let mut s = wizard();
        let id = match press(&mut s, KeyCode::Char('b')).as_slice() {
            [Effect::LoadConnections(id, _)] => *id,
            other => panic!("{other:?}"),
        };
        let c = conn(hostile, "evil", "northflank", json!({}));
        update(&mut s, Msg::Connections(id, Ok(vec![c].into())));
        let effects = press(&mut s, KeyCode::Char('y'));
        assert!(
            !effects.iter().any(|e| matches!(e, Effect::Copy(_))),
            "{hostile:?}: {effects:?}"
        );
        assert!(screen(&s).contains("Not copied"), "{hostile:?}");
    }
}

#[test]
fn the_delete_name_edits_like_a_shell_line() {
    use crossterm::event::{KeyEvent, KeyModifiers as M};
    let chord = |c: char, m: M| Msg::Key(KeyEvent::new(KeyCode::Char(c), m));
    let mut s = browsing();
    press(&mut s, KeyCode::Char('d'));
    type_text(&mut s, "bitbucket-pipelines oops");
    update(&mut s, chord('w', M::CONTROL));
    update(&mut s, Msg::Key(KeyEvent::new(KeyCode::Backspace, M::NONE)));
    assert_eq!(
        s.browse.delete.as_ref().unwrap().typed.as_str(),
        "bitbucket-pipelines"
    );
    update(&mut s, chord('u', M::CONTROL));
    assert_eq!(s.browse.delete.as_ref().unwrap().typed.as_str(), "");
    update(&mut s, chord('z', M::CONTROL));
    assert!(matches!(
        press(&mut s, KeyCode::Enter).as_slice(),
        [Effect::Delete(..)]
    ));
}

#[test]
fn q_in_the_browser_after_a_create_quits_at_once() {
    let mut s = wizard();
    to_form(&mut s, 0);
    fill_teamcity(&mut s, "ci-token-123");
    // As after a create: the form's work is saved, and Done opens the browser with b.
    s.created = Some(AppConnection {
        id: "c1".into(),
        name: "ci-teamcity".into(),
        app: "teamcity".into(),
        ..Default::default()
    });
    s.step = Step::Done;
    let id = match press(&mut s, KeyCode::Char('b')).as_slice() {
        [Effect::LoadConnections(id, _), ..] => *id,
        other => panic!("{other:?}"),
    };
    update(&mut s, Msg::Connections(id, Ok(sample().into())));
    assert_eq!(s.step, Step::Browse);
    press(&mut s, KeyCode::Char('q'));
    assert!(s.quit, "nothing typed would be lost: {:?}", s.notice);
}

#[test]
fn q_in_the_browser_with_a_draft_typed_still_asks() {
    let mut s = wizard();
    to_form(&mut s, 0);
    fill_teamcity(&mut s, "ci-token-123");
    press(&mut s, KeyCode::Esc);
    press(&mut s, KeyCode::Esc);
    assert_eq!(s.step, Step::Pick);
    press(&mut s, KeyCode::Char('b'));
    assert_eq!(s.step, Step::Browse);
    press(&mut s, KeyCode::Char('q'));
    assert!(!s.quit);
    assert!(s.notice.as_deref().unwrap().contains("lose what you typed"));
}
