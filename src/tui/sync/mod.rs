//! The Secret Sync flow as a sub-state of the wizard (issue 14): source, destination (pickers
//! filled at the provider with the credential still in memory, then the read-only checks),
//! options, name, and review & create, then watching the first run. Pure like the rest of the
//! state machine; `job` is the worker side, `levels` the per-destination picker data.

mod hints;
pub mod job;
pub mod levels;
mod update;

pub use hints::hints;
pub use update::{on_key, on_paste, on_reply, open_from_browse, open_from_done};

use std::time::Duration;

use super::line_text::LineText;
use super::msg::{RequestId, SyncStep};
use crate::apps::ConnectionInput;
use crate::apps::destinations::{self, DestinationCheck, Node, Tree};
use crate::apps::sync_spec::{Destination, InitialSync, SyncDraft};
use crate::kms::Guidance;
use crate::kms::syncs::{Environment, SecretSync};

/// The key schema offered: the server strongly advises one (secret-syncs.md §6).
pub const SUGGESTED_KEY_SCHEMA: &str = "KMS_{{secretKey}}";

/// The connection the sync uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub id: String,
    /// Cleaned, for the screen and the suggested name.
    pub name: String,
    pub project_id: String,
    /// The connection's instance URL or email, for a credential typed again.
    pub public: String,
}

/// Step 1.
#[derive(Debug, Clone, Default)]
pub struct Source {
    pub loading: Option<RequestId>,
    pub error: Option<Guidance>,
    pub envs: Vec<Environment>,
    pub selected: usize,
    pub path: LineText,
    /// 0: the environment list, 1: the path.
    pub focus: usize,
}

impl Source {
    pub fn environment(&self) -> Option<&Environment> {
        self.envs.get(self.selected)
    }
}

/// One list of step 2: the entries of a level, the filter, the selection.
#[derive(Debug, Clone, Default)]
pub struct Picker {
    pub filter: LineText,
    pub filtering: bool,
    pub selected: usize,
}

/// How the destination is given: picked from the provider's lists, or typed by hand.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Mode {
    /// Lists fetched with the credential.
    #[default]
    Pick,
    /// IDs typed by hand (no credential in memory).
    Manual,
}

/// Step 2.
#[derive(Debug, Clone, Default)]
pub struct Dest {
    pub mode: Mode,
    pub listing: Option<RequestId>,
    pub list_error: Option<String>,
    pub tree: Option<Tree>,
    /// The level being chosen (index into `levels::of(dest)`).
    pub level: usize,
    /// Chosen so far, one per level; `None` for an optional level left empty.
    pub chosen: Vec<Option<Node>>,
    /// The entries of a level listed on demand (Bitbucket environments).
    pub lazy: Option<Vec<Node>>,
    pub lazy_loading: Option<RequestId>,
    /// On a level that takes several (Octopus scope values): the entries marked with Space.
    pub marked: Vec<Node>,
    pub picker: Picker,
    /// Manual mode: one text per level.
    pub manual: Vec<LineText>,
    pub manual_focus: usize,
    /// The credential typed on this step (masked), when none is in memory.
    pub secret: Option<LineText>,
    pub checking: Option<RequestId>,
    pub checks: Option<DestinationCheck>,
    /// The key schema the checks matched existing variables with.
    pub checked_schema: Option<String>,
}

/// Step 3.
#[derive(Debug, Clone)]
pub struct Options {
    pub initial: Option<InitialSync>,
    pub key_schema: LineText,
    pub keep_destination: bool,
    pub auto_sync: bool,
    /// 0 initial, 1 key schema, 2 keep, 3 auto-sync.
    pub focus: usize,
}

/// Step 4.
#[derive(Debug, Clone, Default)]
pub struct Details {
    pub name: LineText,
    pub description: LineText,
    pub focus: usize,
    /// The name was suggested, not typed: a new environment suggests a new one.
    pub suggested: bool,
}

/// Step 5 after Enter: the create, then the watch.
#[derive(Debug, Clone, Default)]
pub struct Run {
    pub creating: Option<RequestId>,
    pub error: Option<Guidance>,
    pub created: Option<SecretSync>,
    pub polling: Option<RequestId>,
    pub attempt: u32,
    /// The time waited since the create: summed from the worker's replies, or the clock's
    /// time since `created_at` when that is longer (while not watched, nothing is summed).
    pub elapsed: Duration,
    /// The clock (`Now::elapsed`) when the create's answer arrived.
    pub created_at: Option<Duration>,
    /// The user stopped watching (the sync goes on at the server).
    pub stopped: bool,
    pub poll_error: Option<Guidance>,
}

impl Run {
    /// The last state read ended the run.
    pub fn done(&self) -> bool {
        self.created
            .as_ref()
            .and_then(|s| s.sync_status)
            .is_some_and(|s| s.is_done())
    }

    pub fn stuck(&self) -> bool {
        !self.done() && self.elapsed >= crate::kms::syncs::STUCK_AFTER
    }
}

#[derive(Debug, Clone)]
pub struct SyncFlow {
    pub dest: Destination,
    pub step: SyncStep,
    pub target: Target,
    /// The credential, in memory only (never saved, never drawn).
    pub credential: Option<ConnectionInput>,
    pub source: Source,
    pub destination: Dest,
    pub options: Options,
    pub details: Details,
    pub run: Run,
    /// Where Esc on step 1 returns.
    pub from_browse: bool,
}

impl SyncFlow {
    pub fn new(dest: Destination, target: Target, credential: Option<ConnectionInput>) -> Self {
        let mut path = LineText::default();
        path.insert("/");
        let mut key_schema = LineText::default();
        key_schema.insert(SUGGESTED_KEY_SCHEMA);
        let mode = if credential.is_some() {
            Mode::Pick
        } else {
            Mode::Manual
        };
        let levels = levels::of(dest);
        SyncFlow {
            dest,
            step: SyncStep::Source,
            target,
            credential,
            source: Source {
                path,
                ..Source::default()
            },
            destination: Dest {
                mode,
                manual: levels.iter().map(|_| LineText::default()).collect(),
                ..Dest::default()
            },
            options: Options {
                initial: (!dest.can_import()).then_some(InitialSync::OverwriteDestination),
                key_schema,
                keep_destination: false,
                auto_sync: true,
                focus: 0,
            },
            details: Details {
                suggested: true,
                ..Details::default()
            },
            run: Run::default(),
            from_browse: false,
        }
    }

    /// The requests in flight (for cancelling).
    pub fn running(&mut self) -> Vec<RequestId> {
        [
            self.source.loading.take(),
            self.destination.listing.take(),
            self.destination.lazy_loading.take(),
            self.destination.checking.take(),
            self.run.creating.take(),
            self.run.polling.take(),
        ]
        .into_iter()
        .flatten()
        .collect()
    }

    /// A request runs that the spinner should show (the watch waits between polls: no ticks).
    pub fn is_busy(&self) -> bool {
        self.source.loading.is_some()
            || self.destination.listing.is_some()
            || self.destination.lazy_loading.is_some()
            || self.destination.checking.is_some()
            || self.run.creating.is_some()
    }

    /// True when keys go to a text field.
    pub fn text_focus(&self) -> bool {
        match self.step {
            SyncStep::Source => self.source.focus == 1,
            SyncStep::Destination => {
                self.destination.picker.filtering
                    || self.destination.secret.is_some()
                    || (self.destination.mode == Mode::Manual
                        && self.destination.checks.is_none()
                        && self.destination.checking.is_none())
            }
            SyncStep::Options => self.options.focus == 1,
            SyncStep::Details => true,
            SyncStep::Review => false,
        }
    }

    /// The entries of the level being chosen.
    pub fn level_entries(&self) -> &[Node] {
        let d = &self.destination;
        let level = levels::of(self.dest).get(d.level);
        match level {
            Some(l) if l.lazy => d.lazy.as_deref().unwrap_or(&[]),
            Some(_) if d.level == 0 => d.tree.as_ref().map_or(&[], |t| &t.roots),
            Some(_) => d
                .chosen
                .get(d.level - 1)
                .and_then(Option::as_ref)
                .map_or(&[], |n| &n.children),
            None => &[],
        }
    }

    /// The "(none: …)" row of an optional level, shown first while no filter is typed (a
    /// filter is a search among the entries: Enter then takes the first match).
    pub fn none_row(&self) -> Option<&'static str> {
        levels::of(self.dest)
            .get(self.destination.level)
            .and_then(|l| l.none)
            .filter(|_| self.destination.picker.filter.text().is_empty())
    }

    /// The entries the filter lets through.
    pub fn visible(&self) -> Vec<&Node> {
        destinations::filter(self.level_entries(), &self.destination.picker.filter.text())
    }

    /// The destination chosen so far, as `destinationConfig`.
    pub fn config(&self) -> serde_json::Map<String, serde_json::Value> {
        levels::config(self.dest, &self.destination)
    }

    pub fn environment_slug(&self) -> String {
        self.source
            .environment()
            .map(|e| e.slug.clone())
            .unwrap_or_default()
    }

    pub fn key_schema(&self) -> Option<String> {
        let s = self.options.key_schema.text();
        let s = s.trim();
        (!s.is_empty()).then(|| s.to_owned())
    }

    /// Everything typed, as the draft `sync_spec` validates and turns into the body.
    pub fn draft(&self) -> SyncDraft {
        let description = self.details.description.text();
        SyncDraft {
            name: self.details.name.text(),
            description: (!description.trim().is_empty()).then_some(description),
            project_id: self.target.project_id.clone(),
            connection_id: self.target.id.clone(),
            environment: self.environment_slug(),
            secret_path: self.source.path.text(),
            auto_sync: self.options.auto_sync,
            initial: self.options.initial,
            key_schema: self.key_schema(),
            keep_destination_secrets: self.options.keep_destination,
            config: self.config(),
            ..SyncDraft::new(self.dest)
        }
    }
}
