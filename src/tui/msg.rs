//! The words the wizard's parts speak to each other: the messages `update` takes (keys, the
//! worker's results), the effects it asks the worker for, and the small types both carry.
//! Imports no other file of the wizard, so every part can use it.

use crossterm::event::KeyEvent;

use crate::apps::checks::{CheckInputs, Checklist};
use crate::apps::destinations::{DestinationCheck, Node, Tree};
use crate::apps::sync_spec::Destination;
use crate::apps::{AppSpec, ConnectionInput, TestOutcome};
use crate::kms::sync_lists::SyncList;
use crate::kms::syncs::{Environment, SecretSync};
use crate::kms::{AppConnection, Changes, ConnectionList, Guidance, Project};

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
    /// Setting up a Secret Sync for a connection (see `sync`).
    Sync(SyncStep),
}

/// The five steps of the Secret Sync flow, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SyncStep {
    Source,
    Destination,
    Options,
    Details,
    Review,
}

impl SyncStep {
    pub const ALL: [SyncStep; 5] = [
        SyncStep::Source,
        SyncStep::Destination,
        SyncStep::Options,
        SyncStep::Details,
        SyncStep::Review,
    ];

    /// 1-based, for the header.
    pub fn number(self) -> usize {
        self as usize + 1
    }

    pub fn title(self) -> &'static str {
        match self {
            SyncStep::Source => "Source",
            SyncStep::Destination => "Destination",
            SyncStep::Options => "Options",
            SyncStep::Details => "Name",
            SyncStep::Review => "Review & create",
        }
    }

    pub fn prev(self) -> Option<SyncStep> {
        Self::ALL.get((self as usize).checked_sub(1)?).copied()
    }

    pub fn next(self) -> Option<SyncStep> {
        Self::ALL.get(self as usize + 1).copied()
    }
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
            Step::Sync(s) => return format!("Sync {}/5 · {}", s.number(), s.title()),
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

/// The time as the runtime read it: the state machine has no clock of its own.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Now {
    /// Since the wizard started, from a monotonic clock: for counting seconds up and down.
    pub elapsed: std::time::Duration,
    /// Seconds since the Unix epoch: for how long ago something was updated.
    pub unix: u64,
}

#[derive(Clone)]
pub enum Msg {
    Key(KeyEvent),
    Paste(String),
    /// The terminal's size (also sent once at start).
    Resize(u16, u16),
    /// The clock, read by the runtime: sent once at start and then only while something runs
    /// or counts down. Drives the spinner, the seconds counted while creating, a Retry-After
    /// counting down, and "3 h ago" in the browser.
    Tick(Now),
    Projects(RequestId, Result<Vec<Project>, Guidance>),
    Tested(RequestId, TestOutcome),
    /// The whole checklist (the server's check and the lines after it).
    Checked(RequestId, Checklist),
    Created(RequestId, Result<AppConnection, Guidance>),
    /// A list, with the entries that could not be read counted.
    Connections(RequestId, Result<ConnectionList, Guidance>),
    /// A rotation or an edit of details finished.
    Changed(RequestId, Result<AppConnection, Guidance>),
    Deleted(RequestId, Result<AppConnection, Guidance>),
    /// A create, rotation or edit the KMS server refused with 429 and a Retry-After: the
    /// seconds it named beside the result (`Created` or `Changed`), so the error counts them
    /// down as the test step counts a provider's.
    RetryAfter(u64, Box<Msg>),
    SignIn(SignInReply),
    /// Boxed: a sync row is large, and every key would carry its size.
    Sync(Box<SyncReply>),
    /// The browser's Secret Syncs: a list, one sync after a run or a refresh, or a deletion,
    /// with the worker's clock (Unix seconds) for telling a stuck sync.
    BrowseSyncs(RequestId, i64, Box<BrowseSyncReply>),
}

/// What a Secret Sync request of the browser answered.
#[derive(Debug, Clone)]
pub enum BrowseSyncReply {
    Listed(Result<SyncList, Guidance>),
    /// After `RunSync` or `RefreshSync`: the sync as it is now.
    One(Result<SecretSync, Guidance>),
    Deleted(Result<SecretSync, Guidance>),
}

impl std::fmt::Debug for Msg {
    // Keys and pastes may be a secret being typed: show only their shape.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Msg::Key(k) => write!(f, "Key({:?})", k.modifiers),
            Msg::Paste(p) => write!(f, "Paste({} chars)", p.chars().count()),
            Msg::Resize(w, h) => write!(f, "Resize({w}, {h})"),
            Msg::Tick(_) => write!(f, "Tick"),
            Msg::Projects(id, r) => write!(f, "Projects({id}, {:?})", r.as_ref().map(Vec::len)),
            Msg::Tested(id, o) => write!(f, "Tested({id}, {:?})", o.code),
            Msg::Checked(id, l) => write!(f, "Checked({id}, {:?})", l.server.code),
            Msg::Created(id, r) => write!(f, "Created({id}, ok: {})", r.is_ok()),
            Msg::Connections(id, r) => {
                write!(
                    f,
                    "Connections({id}, {:?})",
                    r.as_ref().map(|l| l.rows.len())
                )
            }
            Msg::Changed(id, r) => write!(f, "Changed({id}, ok: {})", r.is_ok()),
            Msg::Deleted(id, r) => write!(f, "Deleted({id}, ok: {})", r.is_ok()),
            Msg::RetryAfter(secs, m) => write!(f, "RetryAfter({secs}, {m:?})"),
            Msg::SignIn(r) => write!(f, "SignIn({r:?})"),
            Msg::BrowseSyncs(id, _, r) => write!(f, "BrowseSyncs({id}, {r:?})"),
            Msg::Sync(r) => write!(f, "Sync({r:?})"),
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
    SignIn(SignInRequest),
    /// The Secret Syncs of a project (or of every visible project with `None`), for the
    /// browser's SYNCS column and details.
    LoadSyncs(RequestId, Option<String>),
    /// Run a sync now (`POST …/sync-secrets`).
    RunSync(RequestId, Destination, String),
    /// Read a sync again after waiting `poll_delay(attempt)` (the worker waits, not `update`).
    RefreshSync(RequestId, Destination, String, u32),
    /// Delete a sync; `true` also removes the synced secrets at the destination.
    DeleteSync(RequestId, Destination, String, bool),
    Sync(SyncRequest),
}

/// A sign-in request for the worker.
#[derive(Debug, Clone)]
pub enum SignInRequest {
    Probe(RequestId, String),
    LogIn(RequestId, Box<crate::config::signin::Attempt>),
    /// Profile name and the project (id, name), or organization level.
    SaveProject(RequestId, String, Option<(String, String)>),
}

impl SignInRequest {
    pub fn id(&self) -> RequestId {
        match self {
            SignInRequest::Probe(id, _)
            | SignInRequest::LogIn(id, _)
            | SignInRequest::SaveProject(id, ..) => *id,
        }
    }
}

/// What a successful log-in tells the screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedIn {
    pub identity: String,
    pub organization: Option<String>,
    pub save_problem: Option<String>,
}

/// The worker's answer to a sign-in request.
#[derive(Debug, Clone)]
pub enum SignInReply {
    Probed(RequestId, Result<(), Guidance>),
    LoggedIn(RequestId, Result<LoggedIn, Guidance>),
    Saved(RequestId, Result<(), String>),
}

/// A Secret Sync request for the worker (the `sync` flow).
#[derive(Debug, Clone)]
pub enum SyncRequest {
    /// The project's environments, from the project's details.
    Environments(RequestId, String),
    /// Every destination the credential reaches at the provider.
    Destinations(RequestId, Box<ConnectionInput>),
    /// The level below a chosen destination listed on demand: a Bitbucket repository's
    /// deployment environments (workspace, repository), an Octopus project's scope values
    /// (space, project).
    Children(RequestId, Box<ConnectionInput>, String, String),
    /// The read-only destination checks: config, key schema, environment slug.
    Check(RequestId, Box<ConnectionInput>, Box<SyncCheckInput>),
    /// `POST /secret-syncs/{dest}` with the exact body shown on the review.
    Create(RequestId, Destination, Box<serde_json::Value>),
    /// Waits `poll_delay(attempt)`, then reads the sync once.
    Poll(RequestId, Destination, String, u32),
}

/// What the destination checks read.
#[derive(Debug, Clone, PartialEq)]
pub struct SyncCheckInput {
    pub config: serde_json::Map<String, serde_json::Value>,
    pub key_schema: Option<String>,
    pub environment: String,
}

impl SyncRequest {
    pub fn id(&self) -> RequestId {
        match self {
            SyncRequest::Environments(id, _)
            | SyncRequest::Destinations(id, _)
            | SyncRequest::Children(id, ..)
            | SyncRequest::Check(id, ..)
            | SyncRequest::Create(id, ..)
            | SyncRequest::Poll(id, ..) => *id,
        }
    }
}

/// The worker's answer to a Secret Sync request.
#[derive(Debug, Clone)]
pub enum SyncReply {
    Environments(RequestId, Result<Vec<Environment>, Guidance>),
    Destinations(RequestId, Result<Tree, String>),
    Children(RequestId, Result<Vec<Node>, String>),
    Checked(RequestId, DestinationCheck),
    Created(RequestId, Result<SecretSync, Guidance>),
    /// One read of the watched sync, and how long the wait plus the read took (the worker's
    /// clock: `update` has none).
    Polled(RequestId, Result<SecretSync, Guidance>, std::time::Duration),
}
