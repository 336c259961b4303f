//! What the wizard shows: the root `State` and the sub-states it is made of. Plain data with
//! small queries; the transitions live in `state` (the root `update`) and the sub-machines.

use super::browse::Browse;
use super::form::Form;
use super::line_text::LineText;
use super::msg::{Effect, Now, RequestId, Scope, Step};
use super::signin::SignIn;
use crate::apps::checks::CheckLine;
use crate::apps::{AppSpec, CATALOG, ConnectionInput, TestOutcome};
use crate::kms::{AppConnection, Guidance, Project};

pub use super::layout::{MIN_HEIGHT, MIN_WIDTH};

/// The sandbox's addresses and credentials, shown on the instructions step in demo mode.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DemoInfo {
    /// Per app slug: lines such as ("Instance URL", "http://127.0.0.1:…").
    pub values: Vec<(&'static str, Vec<(String, String)>)>,
}

impl DemoInfo {
    pub fn for_app(&self, slug: &str) -> &[(String, String)] {
        self.values
            .iter()
            .find(|(s, _)| *s == slug)
            .map_or(&[], |(_, v)| v.as_slice())
    }
}

/// Facts about the session shown in the header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub server: String,
    pub identity: String,
    pub demo: Option<DemoInfo>,
}

#[derive(Debug, Clone, Default)]
pub struct ProjectList {
    pub loading: Option<RequestId>,
    pub items: Vec<Project>,
    pub selected: usize,
    pub error: Option<Guidance>,
    /// True once a list has arrived; Esc on step 1 comes back here.
    pub loaded: bool,
    /// `/` narrows the list by name, slug or ID.
    pub filter: String,
    /// The filter as it is edited (cursor, undo, the shell keys); `filter` follows its text.
    pub filter_text: LineText,
    pub filtering: bool,
    /// Why the list is shown although a project was given (it was not among these).
    pub notice: Option<String>,
}

impl ProjectList {
    /// The projects that match the filter; "organization level" always follows them.
    pub fn visible(&self) -> Vec<&Project> {
        let f = self.filter.to_lowercase();
        self.items
            .iter()
            .filter(|p| {
                f.is_empty()
                    || [&p.name, &p.slug, &p.id]
                        .iter()
                        .any(|s| s.to_lowercase().contains(&f))
            })
            .collect()
    }
}

#[derive(Debug, Clone, Default)]
pub struct AppList {
    pub filter: String,
    /// The filter as it is edited (cursor, undo, the shell keys); `filter` follows its text.
    pub filter_text: LineText,
    pub filtering: bool,
    pub selected: usize,
}

impl AppList {
    /// The apps that match the filter (name, slug or description).
    pub fn visible(&self) -> Vec<&'static AppSpec> {
        let f = self.filter.to_lowercase();
        CATALOG
            .iter()
            .copied()
            .filter(|a| {
                f.is_empty()
                    || [a.name, a.slug, a.tagline]
                        .iter()
                        .any(|s| s.to_lowercase().contains(&f))
            })
            .collect()
    }
}

#[derive(Debug, Clone, Default)]
pub struct TestState {
    pub running: Option<RequestId>,
    pub outcome: Option<TestOutcome>,
    /// The checks after the server's own: who, expiry, permissions.
    pub checks: Vec<CheckLine>,
    /// The user chose to go on although the test failed (or skipped it).
    pub overridden: bool,
    /// When the provider's Retry-After ends, on the clock of [`Now::elapsed`].
    pub retry_ends: Option<std::time::Duration>,
}

#[derive(Debug, Clone, Default)]
pub struct CreateState {
    pub running: Option<RequestId>,
    pub error: Option<Guidance>,
    /// The first tick after the request went out, on the clock of [`Now::elapsed`]: the
    /// seconds waited are counted from it (the key that started it carries no time).
    pub started: Option<std::time::Duration>,
    /// When the KMS server's Retry-After on the error ends, on the clock of [`Now::elapsed`].
    pub retry_ends: Option<std::time::Duration>,
}

/// Everything the screen shows.
#[derive(Debug, Clone)]
pub struct State {
    pub step: Step,
    pub session: Session,
    pub scope: Option<Scope>,
    /// The project given at launch (flag, environment) is still to be found in the project
    /// list: a slug becomes its ID, an unknown one opens the project list.
    pub scope_check: bool,
    pub projects: ProjectList,
    pub apps: AppList,
    pub app: Option<&'static AppSpec>,
    pub scroll: u16,
    /// Which of the app's scope sets the instructions show (Bitbucket: sync or scanning).
    pub scope_set: usize,
    pub form: Option<Form>,
    /// The forms of the other apps picked in this session, so that going back to one finds
    /// what was typed there (the secret too: in memory only, never saved).
    pub drafts: Vec<Form>,
    /// The input that passed validation and is being tested / created.
    pub input: Option<ConnectionInput>,
    pub test: TestState,
    pub create: CreateState,
    pub created: Option<AppConnection>,
    /// Names created in this session, so the next form does not suggest one of them.
    pub created_names: Vec<String>,
    /// What this session changed on the server, one line each with the ID: printed on the
    /// normal screen when the wizard ends, so nothing is lost with the alternate screen.
    pub changes: Vec<String>,
    /// `q` was pressed with typed work that quitting would lose: the next `q` or `y` quits.
    pub confirm_quit: bool,
    /// Ctrl-C ended the session (the exit status is then 130, as for SIGINT).
    pub interrupted: bool,
    pub help: bool,
    /// In `--demo`, F2 on the form shows the sandbox's values to type (any key closes it).
    pub demo_values: bool,
    pub browse: Browse,
    pub signin: SignIn,
    /// The Secret Sync flow, once opened (kept when left, so coming back finds it).
    pub sync: Option<super::sync::SyncFlow>,
    /// One line under the body: what just happened.
    pub notice: Option<String>,
    pub spinner: usize,
    pub next_id: RequestId,
    pub quit: bool,
    /// The terminal's size, for keeping scrolling within the text.
    pub size: (u16, u16),
    /// The time of the last tick (the runtime reads the clock; `update` never does).
    pub now: Now,
}

impl State {
    /// A wizard that starts at step 1 when the scope is known, otherwise on the project list
    /// (and then the caller must run [`State::start`]'s effects).
    pub fn new(session: Session, scope: Option<Scope>) -> Self {
        State {
            step: if scope.is_some() {
                Step::Pick
            } else {
                Step::Project
            },
            session,
            scope,
            scope_check: false,
            projects: ProjectList::default(),
            apps: AppList::default(),
            app: None,
            scroll: 0,
            scope_set: 0,
            form: None,
            drafts: Vec::new(),
            input: None,
            test: TestState::default(),
            create: CreateState::default(),
            created: None,
            created_names: Vec::new(),
            changes: Vec::new(),
            confirm_quit: false,
            interrupted: false,
            help: false,
            demo_values: false,
            browse: Default::default(),
            signin: Default::default(),
            sync: None,
            notice: None,
            spinner: 0,
            next_id: 1,
            quit: false,
            size: (80, 24),
            now: Now::default(),
        }
    }

    /// Effects to run at start: the project list, when the scope is not known yet or the
    /// given project is still to be found in it.
    pub fn start(&mut self) -> Vec<Effect> {
        if self.step == Step::Project || self.scope_check {
            vec![self.load_projects()]
        } else {
            Vec::new()
        }
    }

    /// The clock moved on: a create that is waiting starts counting from here.
    pub(crate) fn tick(&mut self, now: Now) {
        self.now = now;
        if self.create.running.is_some() && self.create.started.is_none() {
            self.create.started = Some(now.elapsed);
        }
    }

    /// Whole seconds the create has waited so far (0 until the first tick).
    pub fn create_waited_secs(&self) -> u64 {
        self.create
            .started
            .map_or(0, |t| self.now.elapsed.saturating_sub(t).as_secs())
    }

    /// Seconds left of the test's Retry-After, rounded up; `None` when there is none.
    pub fn retry_left_secs(&self) -> Option<u64> {
        self.secs_left(self.test.retry_ends)
    }

    /// Seconds left until `ends`, rounded up; `None` when there is no wait.
    pub fn secs_left(&self, ends: Option<std::time::Duration>) -> Option<u64> {
        let left = ends?.saturating_sub(self.now.elapsed);
        Some(left.as_secs() + u64::from(left.subsec_nanos() > 0))
    }

    /// When a Retry-After of `secs` that arrives now ends (the last tick was at most one tick
    /// ago: ticks run while a request does).
    pub(crate) fn wait_ends(&self, secs: Option<u64>) -> Option<std::time::Duration> {
        secs.map(|s| self.now.elapsed + std::time::Duration::from_secs(s))
    }

    /// Seconds left of the KMS server's Retry-After on the create error; `None` without one.
    pub fn create_retry_left_secs(&self) -> Option<u64> {
        self.create
            .error
            .as_ref()
            .and_then(|_| self.secs_left(self.create.retry_ends))
    }

    /// True while an error on screen counts a Retry-After down.
    fn counting_down(&self) -> bool {
        let counting = |left: Option<u64>| left.is_some_and(|s| s > 0);
        counting(self.retry_left_secs()) && self.step == Step::Test
            || counting(self.create_retry_left_secs()) && self.step == Step::Review
            || self.step == Step::Browse
                && (counting(self.rotate_retry_left_secs())
                    || counting(self.edit_retry_left_secs()))
    }

    /// Seconds left of the KMS server's Retry-After on the rotation's error.
    pub fn rotate_retry_left_secs(&self) -> Option<u64> {
        let r = self.browse.rotate.as_ref()?;
        r.error.as_ref().and_then(|_| self.secs_left(r.retry_ends))
    }

    /// Seconds left of the KMS server's Retry-After on the edit's error.
    pub fn edit_retry_left_secs(&self) -> Option<u64> {
        let e = self.browse.edit.as_ref()?;
        e.error.as_ref().and_then(|_| self.secs_left(e.retry_ends))
    }

    /// True while a request runs or a Retry-After counts down: then the runtime sends ticks.
    pub fn is_busy(&self) -> bool {
        self.counting_down()
            || self.browse.is_busy()
            || self.projects.loading.is_some()
            || self.test.running.is_some()
            || self.create.running.is_some()
            || self.signin.busy()
            || self.sync.as_ref().is_some_and(|f| f.is_busy())
    }

    /// The use the token is for when the app has more than one (Bitbucket: Secret Sync or
    /// Secret Scanning): the scopes the instructions list and the test judges follow it.
    pub fn chosen_use(&self) -> Option<&'static crate::apps::ScopeSet> {
        let app = self.app?;
        (app.scope_sets.len() > 1)
            .then(|| app.scope_sets.get(self.scope_set))
            .flatten()
    }

    /// Switches to the app's next use (step 2's `s`, the form's F3).
    pub(crate) fn switch_use(&mut self) {
        let sets = self.app.map_or(0, |a| a.scope_sets.len());
        if sets > 1 {
            self.scope_set = (self.scope_set + 1) % sets;
        }
    }

    /// True when the window is smaller than the screens need: only the size message is shown.
    pub fn too_small(&self) -> bool {
        self.size.0 < MIN_WIDTH || self.size.1 < MIN_HEIGHT
    }

    /// True when keys go to a text field (then `q` and `?` are letters, not commands).
    pub fn text_focus(&self) -> bool {
        match self.step {
            Step::Form => true,
            Step::Pick => self.apps.filtering,
            Step::Browse => self.browse.text_focus(),
            Step::Project => self.projects.filtering,
            Step::SignIn => self.signin.text_focus(),
            Step::Sync(_) => self.sync.as_ref().is_some_and(|f| f.text_focus()),
            _ => false,
        }
    }

    /// Notes one change made on the server, for the summary printed at the end.
    pub(crate) fn record_change(&mut self, verb: &str, conn: &AppConnection) {
        use crate::sanitize::clean_line;
        self.changes.push(format!(
            "{verb} {} connection {} (ID {})",
            AppSpec::by_slug(&conn.app).map_or_else(|| clean_line(&conn.app), |a| a.name.into()),
            clean_line(&conn.name),
            clean_line(&conn.id)
        ));
    }

    /// True when quitting now would throw away something typed: a form with any field filled
    /// (this app's or another's draft), or a dialog in the browser. The form of the connection
    /// just created is saved work, also once the browser or the sync flow is shown.
    pub fn has_unsaved_work(&self) -> bool {
        let filled = |f: &Form| f.fields.iter().any(|&id| !f.is_empty(id));
        (self.step != Step::Done
            && self.created.is_none()
            && self.form.as_ref().is_some_and(filled))
            || self.drafts.iter().any(filled)
            || self
                .browse
                .rotate
                .as_ref()
                .is_some_and(|r| r.form.secret_len() > 0)
            || self.browse.edit.is_some()
            || (matches!(self.step, Step::Sync(_))
                && self.sync.as_ref().is_some_and(|f| f.run.created.is_none()))
    }

    /// The connection just created goes to a Secret Sync destination.
    pub fn can_sync(&self) -> bool {
        self.created
            .as_ref()
            .is_some_and(|c| crate::apps::sync_spec::Destination::from_slug(&c.app).is_some())
    }

    pub(crate) fn fresh_id(&mut self) -> RequestId {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    pub(crate) fn load_projects(&mut self) -> Effect {
        let id = self.fresh_id();
        self.projects.loading = Some(id);
        self.projects.error = None;
        Effect::LoadProjects(id)
    }
}

/// Cancels whatever is in flight (used on quit).
pub(crate) fn cancel_running(state: &mut State) -> Vec<Effect> {
    [
        state.projects.loading.take(),
        state.test.running.take(),
        state.create.running.take(),
    ]
    .into_iter()
    .flatten()
    .chain(state.browse.running())
    .chain(state.signin.take_running())
    .chain(state.sync.as_mut().map(|f| f.running()).unwrap_or_default())
    .map(Effect::Cancel)
    .collect()
}

/// Allocates a request id (for the sub-machines).
pub(crate) fn fresh_id(state: &mut State) -> RequestId {
    state.fresh_id()
}

pub(crate) fn load_projects(state: &mut State) -> Effect {
    state.load_projects()
}
