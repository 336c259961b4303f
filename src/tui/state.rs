//! The wizard as a pure state machine: `update(&mut State, Msg) -> Vec<Effect>`. No I/O, no
//! clock, no spawning: keys and worker results come in as messages, requests go out as effects.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::form::Form;
use crate::apps::checks::{CheckInputs, CheckLine, Checklist};
use crate::apps::{AppSpec, CATALOG, ConnectionInput, TestOutcome};
use crate::kms::{AppConnection, Changes, Guidance, Project};

/// Identifies one request to the worker, so late or cancelled answers can be ignored.
pub type RequestId = u64;

/// Where the user is. The numbered steps are the five of the docs' flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Server, identity and whether to remember them (see `signin`).
    SignIn,
    Project,
    Pick,
    Instructions,
    Form,
    Test,
    Review,
    Done,
    /// Existing connections (outside the five steps).
    Browse,
}

impl Step {
    /// `Step N/5 · title` for the header.
    pub fn header(self) -> String {
        let (n, title) = match self {
            Step::SignIn => return "Sign in".into(),
            Step::Project => return "Choose a project".into(),
            Step::Pick => (1, "Pick an app"),
            Step::Instructions => (2, "Make the token"),
            Step::Form => (3, "Fill the form"),
            Step::Test => (4, "Test the credentials"),
            Step::Review => (5, "Review & create"),
            Step::Done => return "Done".into(),
            Step::Browse => return "Browse connections".into(),
        };
        format!("Step {n}/5 · {title}")
    }
}

/// Where new connections go: a project, or the organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    Project { id: String, name: String },
    Organization,
}

impl Scope {
    pub fn label(&self) -> String {
        match self {
            Scope::Project { name, id } if name.is_empty() => format!("project {id}"),
            Scope::Project { name, .. } => name.clone(),
            Scope::Organization => "organization level".into(),
        }
    }

    pub fn project_id(&self) -> Option<&str> {
        match self {
            Scope::Project { id, .. } => Some(id),
            Scope::Organization => None,
        }
    }
}

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
    pub filtering: bool,
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
}

#[derive(Debug, Clone, Default)]
pub struct CreateState {
    pub running: Option<RequestId>,
    pub error: Option<Guidance>,
}

/// Everything the screen shows.
#[derive(Debug, Clone)]
pub struct State {
    pub step: Step,
    pub session: Session,
    pub scope: Option<Scope>,
    pub projects: ProjectList,
    pub apps: AppList,
    pub app: Option<&'static AppSpec>,
    pub scroll: u16,
    /// Which of the app's scope sets the instructions show (Bitbucket: sync or scanning).
    pub scope_set: usize,
    pub form: Option<Form>,
    /// The input that passed validation and is being tested / created.
    pub input: Option<ConnectionInput>,
    pub test: TestState,
    pub create: CreateState,
    pub created: Option<AppConnection>,
    /// Names created in this session, so the next form does not suggest one of them.
    pub created_names: Vec<String>,
    pub help: bool,
    pub browse: super::browse::Browse,
    pub signin: super::signin::SignIn,
    /// One line under the body: what just happened.
    pub notice: Option<String>,
    pub spinner: usize,
    pub next_id: RequestId,
    pub quit: bool,
    /// The terminal's size, for keeping scrolling within the text.
    pub size: (u16, u16),
}

#[derive(Clone)]
pub enum Msg {
    Key(KeyEvent),
    Paste(String),
    /// The terminal's size (also sent once at start).
    Resize(u16, u16),
    /// A slow clock for the spinner; only sent while something is running.
    Tick,
    Projects(RequestId, Result<Vec<Project>, Guidance>),
    Tested(RequestId, TestOutcome),
    /// The whole checklist (the server's check and the lines after it).
    Checked(RequestId, Checklist),
    Created(RequestId, Result<AppConnection, Guidance>),
    Connections(RequestId, Result<Vec<AppConnection>, Guidance>),
    /// A rotation or an edit of details finished.
    Changed(RequestId, Result<AppConnection, Guidance>),
    Deleted(RequestId, Result<AppConnection, Guidance>),
    SignIn(super::signin::Reply),
}

impl std::fmt::Debug for Msg {
    // Keys and pastes may be a secret being typed: show only their shape.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Msg::Key(k) => write!(f, "Key({:?})", k.modifiers),
            Msg::Paste(p) => write!(f, "Paste({} chars)", p.chars().count()),
            Msg::Resize(w, h) => write!(f, "Resize({w}, {h})"),
            Msg::Tick => write!(f, "Tick"),
            Msg::Projects(id, r) => write!(f, "Projects({id}, {:?})", r.as_ref().map(Vec::len)),
            Msg::Tested(id, o) => write!(f, "Tested({id}, {:?})", o.code),
            Msg::Checked(id, l) => write!(f, "Checked({id}, {:?})", l.server.code),
            Msg::Created(id, r) => write!(f, "Created({id}, ok: {})", r.is_ok()),
            Msg::Connections(id, r) => {
                write!(f, "Connections({id}, {:?})", r.as_ref().map(Vec::len))
            }
            Msg::Changed(id, r) => write!(f, "Changed({id}, ok: {})", r.is_ok()),
            Msg::Deleted(id, r) => write!(f, "Deleted({id}, ok: {})", r.is_ok()),
            Msg::SignIn(r) => write!(f, "SignIn({r:?})"),
        }
    }
}

#[derive(Debug, Clone)]
pub enum Effect {
    LoadProjects(RequestId),
    Test(RequestId, ConnectionInput, CheckInputs),
    Create(RequestId, ConnectionInput, Option<String>),
    /// The connections of a project (or of the organization with `None`).
    LoadConnections(RequestId, Option<String>),
    /// PATCH new credentials into the connection with this ID.
    Rotate(RequestId, String, ConnectionInput),
    UpdateDetails(RequestId, &'static AppSpec, String, Changes),
    Delete(RequestId, &'static AppSpec, String),
    /// Put text on the clipboard (OSC 52).
    Copy(String),
    Cancel(RequestId),
    SignIn(super::signin::Request),
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
            projects: ProjectList::default(),
            apps: AppList::default(),
            app: None,
            scroll: 0,
            scope_set: 0,
            form: None,
            input: None,
            test: TestState::default(),
            create: CreateState::default(),
            created: None,
            created_names: Vec::new(),
            help: false,
            browse: Default::default(),
            signin: Default::default(),
            notice: None,
            spinner: 0,
            next_id: 1,
            quit: false,
            size: (80, 24),
        }
    }

    /// Effects to run at start: the project list, when the scope is not known yet.
    pub fn start(&mut self) -> Vec<Effect> {
        if self.step == Step::Project {
            vec![self.load_projects()]
        } else {
            Vec::new()
        }
    }

    pub fn is_busy(&self) -> bool {
        self.browse.is_busy()
            || self.projects.loading.is_some()
            || self.test.running.is_some()
            || self.create.running.is_some()
            || self.signin.busy()
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
            Step::Browse => super::browse::keys::text_focus(self),
            Step::Project => self.projects.filtering,
            Step::SignIn => self.signin.text_focus(),
            _ => false,
        }
    }

    fn fresh_id(&mut self) -> RequestId {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    fn load_projects(&mut self) -> Effect {
        let id = self.fresh_id();
        self.projects.loading = Some(id);
        self.projects.error = None;
        Effect::LoadProjects(id)
    }
}

/// The smallest window the screens are laid out for; below it only a message is drawn.
pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;

/// The one entry point: apply a message, return what the worker should do.
pub fn update(state: &mut State, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Key(key) if key.kind == KeyEventKind::Release => Vec::new(),
        Msg::Key(key) => on_key(state, key),
        Msg::Paste(text) => {
            on_paste(state, &text);
            Vec::new()
        }
        Msg::Resize(w, h) => {
            state.size = (w, h);
            Vec::new()
        }
        Msg::Tick => {
            state.spinner = state.spinner.wrapping_add(1);
            Vec::new()
        }
        Msg::Projects(id, result) => {
            super::flow::projects_arrived(state, id, result);
            Vec::new()
        }
        Msg::Tested(id, outcome) => {
            on_checked(state, id, Checklist::server_only(outcome));
            Vec::new()
        }
        Msg::Checked(id, list) => {
            on_checked(state, id, list);
            Vec::new()
        }
        Msg::Connections(id, result) => {
            super::browse::actions::connections_arrived(state, id, result);
            Vec::new()
        }
        Msg::Changed(id, result) => {
            super::browse::actions::changed(state, id, result);
            Vec::new()
        }
        Msg::Deleted(id, result) => {
            super::browse::actions::deleted(state, id, result);
            Vec::new()
        }
        Msg::Created(id, result) => {
            super::flow::create_finished(state, id, result);
            Vec::new()
        }
        Msg::SignIn(reply) => super::signin::on_reply(state, reply),
    }
}

/// A test result goes to the rotation dialog that asked for it, or to the wizard's step 4.
fn on_checked(state: &mut State, id: RequestId, list: Checklist) {
    if !super::browse::actions::tested(state, id, &list) {
        super::flow::test_finished(state, id, list);
    }
}

fn on_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    if ctrl && key.code == KeyCode::Char('c') {
        state.quit = true;
        return cancel_running(state);
    }
    if state.too_small() {
        // The user cannot see the screen: no key may create, delete or move on unseen.
        return Vec::new();
    }
    if state.help {
        // Any key closes help; it never acts on the screen behind it.
        state.help = false;
        return Vec::new();
    }
    if key.code == KeyCode::F(1) || (key.code == KeyCode::Char('?') && !state.text_focus()) {
        state.help = true;
        return Vec::new();
    }
    if key.code == KeyCode::Char('q') && !ctrl && !state.text_focus() {
        state.quit = true;
        return cancel_running(state);
    }
    state.notice = None;
    super::flow::on_step_key(state, key)
}

fn on_paste(state: &mut State, text: &str) {
    if state.help || state.too_small() {
        return;
    }
    match state.step {
        Step::Form => {
            if let Some(form) = state.form.as_mut() {
                form.paste(text);
            }
        }
        Step::SignIn => super::signin::on_paste(state, text),
        Step::Project if state.projects.filtering => paste_filter(
            &mut state.projects.filter,
            &mut state.projects.selected,
            text,
        ),
        Step::Pick if state.apps.filtering => {
            paste_filter(&mut state.apps.filter, &mut state.apps.selected, text)
        }
        Step::Browse => super::browse::keys::on_paste(state, text),
        _ => {}
    }
}

/// Pasted text goes into a list filter without control characters.
fn paste_filter(filter: &mut String, selected: &mut usize, text: &str) {
    filter.extend(text.chars().filter(|c| !c.is_control()));
    *selected = 0;
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
    .map(Effect::Cancel)
    .collect()
}

/// Allocates a request id (for flow handlers).
pub(crate) fn fresh_id(state: &mut State) -> RequestId {
    state.fresh_id()
}

pub(crate) fn load_projects(state: &mut State) -> Effect {
    state.load_projects()
}
