//! What keys and the worker's replies do in the Secret Sync flow. Esc goes back one step and
//! keeps what was typed; every request can be stopped with Esc.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::{Mode, SyncFlow, Target, levels};
use crate::apps::destinations::Node;
use crate::apps::sync_spec::{self, Destination};
use crate::kms::AppConnection;
use crate::sanitize::{clean_line, clean_short};
use crate::tui::model::{State, fresh_id};
use crate::tui::msg::{Effect, RequestId, Step, SyncCheckInput, SyncReply, SyncRequest, SyncStep};

fn req(r: SyncRequest) -> Effect {
    Effect::Sync(r)
}

/// Done's "Set up a Secret Sync": the connection just created, its credential still in memory.
pub fn open_from_done(state: &mut State) -> Vec<Effect> {
    let Some(conn) = state.created.clone() else {
        return Vec::new();
    };
    let credential = state.input.clone();
    open(state, &conn, credential, false)
}

/// Browse's key on an existing connection: no credential in memory, so step 2 offers to type
/// it again or to enter the IDs by hand.
pub fn open_from_browse(state: &mut State, conn: &AppConnection) -> Vec<Effect> {
    open(state, conn, None, true)
}

fn open(
    state: &mut State,
    conn: &AppConnection,
    credential: Option<crate::apps::ConnectionInput>,
    from_browse: bool,
) -> Vec<Effect> {
    let Some(dest) = Destination::from_slug(&conn.app) else {
        state.notice = Some(format!(
            "{} connections have no Secret Sync destination in kms-connect.",
            clean_short(&conn.app, 40)
        ));
        return Vec::new();
    };
    let project = conn.project_id.clone().or_else(|| {
        state
            .scope
            .as_ref()
            .and_then(|s| s.project_id().map(str::to_owned))
    });
    let Some(project_id) = project else {
        state.notice =
            Some("A Secret Sync belongs to a project: choose one first (p on step 1).".into());
        return Vec::new();
    };
    // Coming back to the same connection finds what was typed.
    let same = state
        .sync
        .as_ref()
        .is_some_and(|f| f.target.id == conn.id && f.run.created.is_none());
    if !same {
        // The instance URL or email the credential goes with (Northflank has none).
        let public = ["instanceUrl", "email"]
            .iter()
            .find_map(|k| conn.credentials.get(*k).and_then(|v| v.as_str()))
            .unwrap_or_default()
            .to_owned();
        let target = Target {
            id: conn.id.clone(),
            name: clean_line(&conn.name),
            project_id,
            public,
        };
        state.sync = Some(SyncFlow::new(dest, target, credential));
    }
    let flow = state.sync.as_mut().expect("just set");
    flow.from_browse = from_browse;
    flow.step = SyncStep::Source;
    state.step = Step::Sync(SyncStep::Source);
    if flow.source.envs.is_empty() {
        return vec![load_environments(state)];
    }
    Vec::new()
}

fn flow(state: &mut State) -> Option<&mut SyncFlow> {
    state.sync.as_mut()
}

fn go(state: &mut State, step: SyncStep) {
    if let Some(f) = state.sync.as_mut() {
        f.step = step;
        // A refused create is about what was on Review then: going back to change it clears
        // it, so the next Review does not show an answer to a body no longer there.
        if step != SyncStep::Review && f.run.created.is_none() {
            f.run.error = None;
        }
    }
    state.step = Step::Sync(step);
}

/// Leaves the flow (its state is kept for coming back), to Done or the browser.
fn leave(state: &mut State) -> Vec<Effect> {
    let from_browse = state.sync.as_ref().is_some_and(|f| f.from_browse);
    let cancel: Vec<Effect> = state
        .sync
        .as_mut()
        .map(|f| f.running())
        .unwrap_or_default()
        .into_iter()
        .map(Effect::Cancel)
        .collect();
    if from_browse || state.created.is_none() {
        state.step = Step::Browse;
        return cancel
            .into_iter()
            .chain(crate::tui::browse::syncs::refresh_if_stale(state))
            .collect();
    } else {
        state.step = Step::Done;
    }
    cancel
}

fn load_environments(state: &mut State) -> Effect {
    let id = fresh_id(state);
    let f = state.sync.as_mut().expect("flow open");
    f.source.loading = Some(id);
    f.source.error = None;
    req(SyncRequest::Environments(id, f.target.project_id.clone()))
}

pub fn on_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let Some(f) = state.sync.as_ref() else {
        state.step = Step::Done;
        return Vec::new();
    };
    match f.step {
        SyncStep::Source => source_key(state, key),
        SyncStep::Destination => destination_key(state, key),
        SyncStep::Options => options_key(state, key),
        SyncStep::Details => details_key(state, key),
        SyncStep::Review => review_key(state, key),
    }
}

pub fn on_paste(state: &mut State, text: &str) {
    let Some(f) = flow(state) else { return };
    let target = match f.step {
        SyncStep::Source if f.source.focus == 1 => &mut f.source.path,
        SyncStep::Destination => {
            let d = &mut f.destination;
            if let Some(s) = d.secret.as_mut() {
                s
            } else if d.picker.filtering {
                &mut d.picker.filter
            } else if d.mode == Mode::Manual {
                match d.manual.get_mut(d.manual_focus) {
                    Some(t) => t,
                    None => return,
                }
            } else {
                return;
            }
        }
        SyncStep::Options if f.options.focus == 1 => &mut f.options.key_schema,
        SyncStep::Details if f.details.focus == 0 => {
            f.details.suggested = false;
            &mut f.details.name
        }
        SyncStep::Details => &mut f.details.description,
        _ => return,
    };
    target.insert(text);
    if f.step == SyncStep::Destination {
        f.destination.picker.selected = 0;
    }
}

/// Moves a selection within `len` items for the list keys; true if the key was one.
fn list_move(selected: &mut usize, len: usize, code: KeyCode) -> bool {
    let last = len.saturating_sub(1);
    *selected = match code {
        KeyCode::Up | KeyCode::Char('k') => selected.saturating_sub(1),
        KeyCode::Down | KeyCode::Char('j') => (*selected + 1).min(last),
        KeyCode::Home | KeyCode::Char('g') => 0,
        KeyCode::End | KeyCode::Char('G') => last,
        KeyCode::PageUp => selected.saturating_sub(10),
        KeyCode::PageDown => (*selected + 10).min(last),
        _ => return false,
    };
    true
}

// ---------------------------------------------------------------------------------------------
// Step 1: source

fn source_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let f = state.sync.as_mut().expect("flow open");
    if let Some(id) = f.source.loading {
        if key.code == KeyCode::Esc {
            f.source.loading = None;
            return std::iter::once(Effect::Cancel(id))
                .chain(leave(state))
                .collect();
        }
        return Vec::new();
    }
    match (f.source.focus, key.code) {
        (_, KeyCode::Esc) => return leave(state),
        (_, KeyCode::Tab | KeyCode::BackTab) => f.source.focus = 1 - f.source.focus,
        (1, KeyCode::Up) => f.source.focus = 0,
        (_, KeyCode::Enter) => return source_done(state),
        (0, KeyCode::Char('r')) => return vec![load_environments(state)],
        (0, code) => {
            let len = f.source.envs.len();
            if !list_move(&mut f.source.selected, len, code) && code == KeyCode::Right {
                f.source.focus = 1;
            }
        }
        (_, _) => {
            f.source.path.input(key);
        }
    }
    Vec::new()
}

fn source_done(state: &mut State) -> Vec<Effect> {
    let f = state.sync.as_mut().expect("flow open");
    if f.source.environment().is_none() {
        state.notice = Some("Choose an environment first (r reloads the list).".into());
        return Vec::new();
    }
    let Some(path) = sync_spec::normalize_path(&f.source.path.text()) else {
        state.notice = Some("The secret path is required (/ is the root).".into());
        return Vec::new();
    };
    f.source.path.clear();
    f.source.path.insert(&path);
    go(state, SyncStep::Destination);
    start_listing(state)
}

/// Lists the destinations when there is a credential and no list yet.
fn start_listing(state: &mut State) -> Vec<Effect> {
    let f = state.sync.as_ref().expect("flow open");
    let d = &f.destination;
    if d.mode != Mode::Pick || d.tree.is_some() || d.listing.is_some() {
        return Vec::new();
    }
    let Some(cred) = f.credential.clone() else {
        return Vec::new();
    };
    let id = fresh_id(state);
    let f = state.sync.as_mut().expect("flow open");
    f.destination.listing = Some(id);
    f.destination.list_error = None;
    vec![req(SyncRequest::Destinations(id, Box::new(cred)))]
}

// ---------------------------------------------------------------------------------------------
// Step 2: destination

fn destination_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let f = state.sync.as_mut().expect("flow open");
    let d = &mut f.destination;
    // Esc stops whatever is running on this step.
    if let Some(id) = d.listing.or(d.lazy_loading).or(d.checking) {
        if key.code == KeyCode::Esc {
            let was_list = d.listing.is_some();
            d.listing = None;
            if d.checking.take().is_some() && d.mode == Mode::Pick {
                unchoose_last(d);
            }
            if d.lazy_loading.take().is_some() {
                back_a_level(f);
            }
            if was_list {
                go(state, SyncStep::Source);
                state.notice = Some("Stopped listing the destinations.".into());
            }
            return vec![Effect::Cancel(id)];
        }
        return Vec::new();
    }
    if d.secret.is_some() {
        return secret_key(state, key);
    }
    if d.checks.is_some() {
        return checklist_key(state, key);
    }
    match d.mode {
        Mode::Pick => pick_key(state, key),
        Mode::Manual => manual_key(state, key),
    }
}

/// Takes back the last choice (to change it); several values marked there are marked again.
fn unchoose_last(d: &mut super::Dest) {
    if let Some(Some(last)) = d.chosen.pop()
        && last.kind == "scopeValues"
    {
        d.marked = last.children;
    }
}

fn back_a_level(f: &mut SyncFlow) {
    let d = &mut f.destination;
    d.marked.clear();
    d.level = d.level.saturating_sub(1);
    d.chosen.truncate(d.level);
    d.lazy = None;
    d.picker = Default::default();
}

/// The rows of the current level: an optional level has "none" first.
fn rows(f: &SyncFlow) -> usize {
    f.visible().len() + usize::from(f.none_row().is_some())
}

fn pick_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let f = state.sync.as_mut().expect("flow open");
    let len = rows(f);
    let d = &mut f.destination;
    if d.picker.filtering {
        match key.code {
            KeyCode::Esc => {
                d.picker.filtering = false;
                d.picker.filter.clear();
                d.picker.selected = 0;
            }
            KeyCode::Enter => {
                d.picker.filtering = false;
                return choose(state);
            }
            KeyCode::Up | KeyCode::Down | KeyCode::PageUp | KeyCode::PageDown => {
                list_move(&mut d.picker.selected, len, key.code);
            }
            _ => {
                if d.picker.filter.input(key) {
                    d.picker.selected = 0;
                }
            }
        }
        return Vec::new();
    }
    if list_move(&mut d.picker.selected, len, key.code) {
        return Vec::new();
    }
    match key.code {
        // A listing the provider refused: another credential can be typed (masked).
        KeyCode::Char('t')
            if key.modifiers.contains(KeyModifiers::CONTROL) && d.list_error.is_some() =>
        {
            d.secret = Some(crate::tui::line_text::LineText::masked());
        }
        KeyCode::Char('/') => d.picker.filtering = true,
        KeyCode::Char(' ') => toggle_mark(f),
        KeyCode::Enter => return choose(state),
        KeyCode::Char('m') => {
            d.mode = Mode::Manual;
            d.manual_focus = 0;
        }
        KeyCode::Char('r') if d.list_error.is_some() || d.tree.is_some() => {
            d.tree = None;
            d.level = 0;
            d.chosen.clear();
            d.picker = Default::default();
            return start_listing(state);
        }
        KeyCode::Esc if !d.picker.filter.text().is_empty() => {
            d.picker.filter.clear();
            d.picker.selected = 0;
        }
        KeyCode::Esc if d.level > 0 => back_a_level(f),
        KeyCode::Esc => go(state, SyncStep::Source),
        _ => {}
    }
    Vec::new()
}

/// Space on a level that takes several: marks or unmarks the row ("none" cannot be marked).
fn toggle_mark(f: &mut SyncFlow) {
    let Some(level) = levels::of(f.dest).get(f.destination.level) else {
        return;
    };
    if !level.many {
        return;
    }
    let sel = f.destination.picker.selected;
    let row = sel.checked_sub(usize::from(f.none_row().is_some()));
    let Some(node) = row.and_then(|i| f.visible().get(i).map(|n| (*n).clone())) else {
        return;
    };
    let marked = &mut f.destination.marked;
    match marked
        .iter()
        .position(|m| m.id == node.id && m.kind == node.kind)
    {
        Some(i) => {
            marked.remove(i);
        }
        None => marked.push(node),
    }
}

/// Enter on a picker row: take it (or "none") and open the next level, or check.
fn choose(state: &mut State) -> Vec<Effect> {
    let f = state.sync.as_mut().expect("flow open");
    let all = levels::of(f.dest);
    if all.get(f.destination.level).is_none() {
        return Vec::new();
    }
    let sel = f.destination.picker.selected;
    let marked = std::mem::take(&mut f.destination.marked);
    let picked = match (f.none_row(), sel) {
        _ if !marked.is_empty() => Some(Node {
            id: String::new(),
            name: format!("{} scope values", marked.len()),
            kind: "scopeValues",
            children: marked,
        }),
        (Some(_), 0) => None,
        (Some(_), i) => f.visible().get(i - 1).map(|n| (*n).clone()),
        (None, i) => match f.visible().get(i) {
            Some(n) => Some((*n).clone()),
            None => {
                state.notice = Some(if f.level_entries().is_empty() {
                    "Nothing to choose here: m enters the IDs by hand.".into()
                } else {
                    "Nothing matches the filter: Esc clears it.".into()
                });
                return Vec::new();
            }
        },
    };
    let d = &mut f.destination;
    d.chosen.truncate(d.level);
    d.chosen.push(picked);
    d.picker = Default::default();
    let next = d.level + 1;
    let Some(next_level) = all.get(next) else {
        return start_checks(state);
    };
    d.level = next;
    d.lazy = None;
    if next_level.lazy {
        // A Bitbucket repository's environments, an Octopus project's scope values: listed
        // under the two IDs chosen before.
        let ids: Vec<String> = d
            .chosen
            .iter()
            .map(|c| c.as_ref().map(|n| n.id.clone()).unwrap_or_default())
            .collect();
        let Some(cred) = f.credential.clone() else {
            return Vec::new();
        };
        let id = fresh_id(state);
        let f = state.sync.as_mut().expect("flow open");
        f.destination.lazy_loading = Some(id);
        return vec![req(SyncRequest::Children(
            id,
            Box::new(cred),
            ids.first().cloned().unwrap_or_default(),
            ids.get(1).cloned().unwrap_or_default(),
        ))];
    }
    Vec::new()
}

fn manual_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let f = state.sync.as_mut().expect("flow open");
    let n = f.destination.manual.len();
    let d = &mut f.destination;
    match key.code {
        KeyCode::Tab | KeyCode::Down => d.manual_focus = (d.manual_focus + 1) % n.max(1),
        KeyCode::BackTab | KeyCode::Up => d.manual_focus = (d.manual_focus + n - 1) % n.max(1),
        KeyCode::Esc => go(state, SyncStep::Source),
        KeyCode::Char('p') if key.modifiers.contains(KeyModifiers::CONTROL) => {
            // Back to the pickers (with a credential to list them).
            if f.credential.is_some() {
                f.destination.mode = Mode::Pick;
                return start_listing(state);
            }
        }
        KeyCode::Char('t') if key.modifiers.contains(KeyModifiers::CONTROL) => {
            d.secret = Some(crate::tui::line_text::LineText::masked());
        }
        KeyCode::Enter if d.manual_focus + 1 < n => d.manual_focus += 1,
        KeyCode::Enter => return manual_done(state),
        _ => {
            if let Some(t) = d.manual.get_mut(d.manual_focus) {
                t.input(key);
            }
        }
    }
    Vec::new()
}

/// The typed IDs pass the schema's checks: check them with the credential, if there is one,
/// else go on to the options.
fn manual_done(state: &mut State) -> Vec<Effect> {
    let f = state.sync.as_ref().expect("flow open");
    if let Err(issues) = sync_spec::validate_config(f.dest, &f.config()) {
        state.notice = Some(
            issues
                .iter()
                .map(|i| clean_line(&i.to_string()))
                .collect::<Vec<_>>()
                .join("; "),
        );
        return Vec::new();
    }
    if f.credential.is_some() {
        return start_checks(state);
    }
    state.notice = Some(
        "Not checked: no credential in memory (Ctrl-T types it). The server checks nothing either."
            .into(),
    );
    go(state, SyncStep::Options);
    Vec::new()
}

/// The credential typed on step 2 (from the browser), masked; Enter lists with it.
fn secret_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let f = state.sync.as_mut().expect("flow open");
    let d = &mut f.destination;
    match key.code {
        KeyCode::Esc => d.secret = None,
        KeyCode::Enter => {
            let typed = d.secret.take().map(|s| s.text()).unwrap_or_default();
            match typed_credential(f, typed) {
                Ok(input) => {
                    let f = state.sync.as_mut().expect("flow open");
                    f.credential = Some(input);
                    f.destination.mode = Mode::Pick;
                    f.destination.tree = None;
                    return start_listing(state);
                }
                Err(why) => state.notice = Some(why),
            }
        }
        _ => {
            if let Some(s) = d.secret.as_mut() {
                s.input(key);
            }
        }
    }
    Vec::new()
}

/// The connection's public part (instance URL or email) and the typed secret, validated as
/// the connection form validates them.
fn typed_credential(f: &SyncFlow, typed: String) -> Result<crate::apps::ConnectionInput, String> {
    use secrecy::SecretString;
    let app = f.dest.app();
    let raw = crate::apps::RawInput {
        name: app.suggested_name(),
        description: String::new(),
        target: f.target.public.clone(),
        secret: SecretString::from(typed),
    };
    crate::apps::validate::connection(app, &raw).map_err(|errors| {
        errors
            .iter()
            .map(|e| clean_line(&e.message))
            .collect::<Vec<_>>()
            .join(" ")
    })
}

fn start_checks(state: &mut State) -> Vec<Effect> {
    let f = state.sync.as_ref().expect("flow open");
    let Some(cred) = f.credential.clone() else {
        go(state, SyncStep::Options);
        return Vec::new();
    };
    let input = SyncCheckInput {
        config: f.config(),
        key_schema: f.key_schema(),
        environment: f.environment_slug(),
    };
    let id = fresh_id(state);
    let f = state.sync.as_mut().expect("flow open");
    f.destination.checking = Some(id);
    f.destination.checks = None;
    f.destination.checked_schema = input.key_schema.clone();
    vec![req(SyncRequest::Check(id, Box::new(cred), Box::new(input)))]
}

fn checklist_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let f = state.sync.as_mut().expect("flow open");
    let ok = f.destination.checks.as_ref().is_some_and(|c| c.ok());
    match key.code {
        KeyCode::Enter if ok => go(state, SyncStep::Options),
        KeyCode::Char('a') if !ok => go(state, SyncStep::Options),
        KeyCode::Char('r') => return start_checks(state),
        KeyCode::Esc | KeyCode::Enter => {
            // Back to the last choice (or the typed IDs), the checks forgotten.
            let d = &mut f.destination;
            d.checks = None;
            if d.mode == Mode::Pick {
                unchoose_last(d);
            }
        }
        _ => {}
    }
    Vec::new()
}

// ---------------------------------------------------------------------------------------------
// Step 3: options

const OPTION_FIELDS: usize = 4;

fn options_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let f = state.sync.as_mut().expect("flow open");
    let dest = f.dest;
    let o = &mut f.options;
    match key.code {
        KeyCode::Esc => {
            go(state, SyncStep::Destination);
            return Vec::new();
        }
        KeyCode::Tab | KeyCode::Down => o.focus = (o.focus + 1) % OPTION_FIELDS,
        KeyCode::BackTab | KeyCode::Up => o.focus = (o.focus + OPTION_FIELDS - 1) % OPTION_FIELDS,
        KeyCode::Enter => return options_done(state),
        _ => match o.focus {
            0 if matches!(
                key.code,
                KeyCode::Left | KeyCode::Right | KeyCode::Char(' ')
            ) =>
            {
                let choices = dest.initial_choices();
                let at = o.initial.and_then(|i| choices.iter().position(|c| *c == i));
                let n = choices.len();
                let next = match (at, key.code) {
                    (None, KeyCode::Left) => n - 1,
                    (None, _) => 0,
                    (Some(i), KeyCode::Left) => (i + n - 1) % n,
                    (Some(i), _) => (i + 1) % n,
                };
                o.initial = Some(choices[next]);
            }
            1 => {
                o.key_schema.input(key);
            }
            2 if key.code == KeyCode::Char(' ') => o.keep_destination = !o.keep_destination,
            3 if key.code == KeyCode::Char(' ') => o.auto_sync = !o.auto_sync,
            _ => {}
        },
    }
    Vec::new()
}

fn options_done(state: &mut State) -> Vec<Effect> {
    let f = state.sync.as_mut().expect("flow open");
    if f.options.initial.is_none() {
        f.options.focus = 0;
        state.notice = Some("Choose the initial sync behaviour (← →).".into());
        return Vec::new();
    }
    if let Some(s) = f.key_schema()
        && let Err(m) = sync_spec::validate_key_schema(&s)
    {
        f.options.focus = 1;
        state.notice = Some(clean_short(&m, 200));
        return Vec::new();
    }
    if f.details.suggested {
        let name = sync_spec::suggest_name(&f.target.name, &f.environment_slug());
        f.details.name.clear();
        f.details.name.insert(&name);
    }
    // Which existing variables match depends on the key schema: a changed one is checked
    // again, the answer arriving while the name is typed.
    let recheck = f.destination.checks.is_some() && f.destination.checked_schema != f.key_schema();
    go(state, SyncStep::Details);
    if recheck {
        return start_checks(state);
    }
    Vec::new()
}

// ---------------------------------------------------------------------------------------------
// Step 4: name and description

fn details_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let f = state.sync.as_mut().expect("flow open");
    let d = &mut f.details;
    match key.code {
        KeyCode::Esc => go(state, SyncStep::Options),
        KeyCode::Tab | KeyCode::BackTab | KeyCode::Up | KeyCode::Down => d.focus = 1 - d.focus,
        KeyCode::Enter => {
            if let Err(m) = sync_spec::validate_name(&d.name.text()) {
                d.focus = 0;
                state.notice = Some(m);
                return Vec::new();
            }
            if let Err(issues) = f.draft().body() {
                state.notice = issues.first().map(|i| clean_line(&i.to_string()));
                return Vec::new();
            }
            go(state, SyncStep::Review);
        }
        _ if d.focus == 0 => {
            if d.name.input(key) {
                d.suggested = false;
            }
        }
        _ => {
            d.description.input(key);
        }
    }
    Vec::new()
}

// ---------------------------------------------------------------------------------------------
// Step 5: review, create, watch

fn review_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let f = state.sync.as_mut().expect("flow open");
    let run = &mut f.run;
    if let Some(id) = run.creating {
        if key.code == KeyCode::Esc {
            run.creating = None;
            state.notice = Some(
                "Stopped waiting. The server may still create the sync: check before trying again."
                    .into(),
            );
            return vec![Effect::Cancel(id)];
        }
        return Vec::new();
    }
    if run.created.is_some() {
        if let Some(id) = run.polling.filter(|_| key.code == KeyCode::Esc) {
            run.polling = None;
            run.stopped = true;
            state.notice = Some(
                "Stopped watching. The sync goes on at the server (kms-connect sync get).".into(),
            );
            return vec![Effect::Cancel(id)];
        }
        return match key.code {
            KeyCode::Char('w') if run.polling.is_none() && !run.done() => {
                run.stopped = false;
                run.poll_error = None;
                poll(state, 1)
            }
            KeyCode::Enter | KeyCode::Esc if run.polling.is_none() => leave(state),
            _ => Vec::new(),
        };
    }
    match key.code {
        KeyCode::Enter | KeyCode::Char('c') => match f.draft().body() {
            Ok(body) => {
                let dest = f.dest;
                let id = fresh_id(state);
                let f = state.sync.as_mut().expect("flow open");
                f.run = Default::default();
                f.run.creating = Some(id);
                vec![req(SyncRequest::Create(id, dest, Box::new(body)))]
            }
            Err(issues) => {
                state.notice = issues.first().map(|i| clean_line(&i.to_string()));
                Vec::new()
            }
        },
        KeyCode::Esc | KeyCode::Char('e') => {
            go(state, SyncStep::Details);
            Vec::new()
        }
        _ => Vec::new(),
    }
}

/// The next read of the watched sync, after `poll_delay(attempt)` at the worker.
fn poll(state: &mut State, attempt: u32) -> Vec<Effect> {
    let Some((dest, sync_id)) = state
        .sync
        .as_ref()
        .and_then(|f| Some((f.dest, f.run.created.as_ref()?.id.clone())))
    else {
        return Vec::new();
    };
    let id = fresh_id(state);
    let f = state.sync.as_mut().expect("flow open");
    f.run.polling = Some(id);
    f.run.attempt = attempt;
    vec![req(SyncRequest::Poll(id, dest, sync_id, attempt))]
}

// ---------------------------------------------------------------------------------------------
// Replies

pub fn on_reply(state: &mut State, reply: SyncReply) -> Vec<Effect> {
    let Some(f) = state.sync.as_mut() else {
        return Vec::new();
    };
    let mine = |slot: &mut Option<RequestId>, id: RequestId| {
        if *slot == Some(id) {
            *slot = None;
            true
        } else {
            false
        }
    };
    match reply {
        SyncReply::Environments(id, result) => {
            if !mine(&mut f.source.loading, id) {
                return Vec::new();
            }
            match result {
                Ok(envs) => {
                    f.source.envs = envs;
                    f.source.selected = 0;
                }
                Err(g) => f.source.error = Some(g),
            }
        }
        SyncReply::Destinations(id, result) => {
            if !mine(&mut f.destination.listing, id) {
                return Vec::new();
            }
            match result {
                Ok(tree) => {
                    f.destination.tree = Some(tree);
                    f.destination.level = 0;
                    f.destination.chosen.clear();
                }
                Err(e) => f.destination.list_error = Some(clean_short(&e, 300)),
            }
        }
        SyncReply::Children(id, result) => {
            if !mine(&mut f.destination.lazy_loading, id) {
                return Vec::new();
            }
            match result {
                Ok(nodes) => f.destination.lazy = Some(nodes),
                Err(e) => {
                    // The level is optional: say why it is empty and offer "none".
                    f.destination.lazy = Some(Vec::new());
                    state.notice = Some(clean_short(&e, 200));
                }
            }
        }
        SyncReply::Checked(id, checks) => {
            if !mine(&mut f.destination.checking, id) {
                return Vec::new();
            }
            f.destination.checks = Some(checks);
        }
        SyncReply::Created(id, result) => {
            if !mine(&mut f.run.creating, id) {
                return Vec::new();
            }
            match result {
                Ok(sync) => {
                    f.run.created_at = Some(state.now.elapsed);
                    // The browser's counts no longer hold: read again when it shows.
                    state.browse.syncs.stale = true;
                    state.changes.push(format!(
                        "Created {} Secret Sync {} (ID {})",
                        f.dest.name(),
                        clean_line(&sync.name),
                        clean_line(&sync.id)
                    ));
                    let watch = !sync.sync_status.is_some_and(|s| s.is_done())
                        && (sync.is_auto_sync_enabled || sync.sync_status.is_some());
                    f.run.created = Some(sync);
                    if watch {
                        return poll(state, 0);
                    }
                }
                Err(g) => f.run.error = Some(g),
            }
        }
        SyncReply::Polled(id, result, took) => {
            if !mine(&mut f.run.polling, id) {
                return Vec::new();
            }
            // Watching again after Esc counts from the create, not from `w`.
            let since = f.run.created_at.map_or(std::time::Duration::ZERO, |t| {
                state.now.elapsed.saturating_sub(t)
            });
            f.run.elapsed = (f.run.elapsed + took).max(since);
            match result {
                Ok(sync) => {
                    let done = sync.sync_status.is_some_and(|s| s.is_done());
                    f.run.created = Some(sync);
                    if !done {
                        let next = f.run.attempt + 1;
                        return poll(state, next);
                    }
                }
                Err(g) => f.run.poll_error = Some(g),
            }
        }
    }
    Vec::new()
}
