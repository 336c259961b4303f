//! The sign-in screens as a sub-state of the wizard: choose the server (checked with
//! `GET /api/status`), then the identity (universal auth or a pasted token) and whether to
//! remember it; the project is then chosen on the wizard's project step. Pure like the rest
//! of the state machine; `job` is the worker side.

pub mod job;
mod keys;
mod update;

use ratatui_textarea::TextArea;

pub use keys::hints;
pub use update::{on_key, on_paste, on_reply, open, project_chosen};

use super::form::{FieldView, MASK, field_view};
pub use super::msg::{LoggedIn, SignInReply as Reply, SignInRequest as Request};
use super::msg::{RequestId, Step};
use crate::config::AuthMethod;
use crate::kms::Guidance;

/// The servers offered; "Another server" (a typed URL) comes after them.
pub const SERVERS: [(&str, &str); 4] = crate::kms::client::KNOWN_SERVERS;

/// What the sign-in starts from: the profile it saves to and what is already known.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Start {
    pub profile: String,
    /// The server to preselect (a profile's, a flag's), as typed.
    pub server: Option<String>,
    pub client_id: Option<String>,
    pub method: AuthMethod,
    /// The sandbox's address and identities, listed on screen in `--demo`.
    pub demo: Option<DemoLogin>,
    /// `kms-connect login`: quit once the profile is saved.
    pub exit_when_done: bool,
    /// False when nothing can be saved (`--demo`, or no config directory).
    pub can_save: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DemoLogin {
    pub server: String,
    /// ("Client ID", "demo-client-id"), …
    pub rows: Vec<(String, String)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Stage {
    #[default]
    Server,
    Identity,
}

/// The fields of the identity stage, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdField {
    Method,
    ClientId,
    Secret,
    Token,
    Remember,
}

/// One server in the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerChoice {
    pub label: String,
    pub url: String,
}

#[derive(Clone, Default)]
pub struct SignIn {
    pub start: Start,
    pub stage: Stage,
    pub servers: Vec<ServerChoice>,
    /// Index into `servers`; `servers.len()` is "Another server".
    pub selected: usize,
    pub custom: TextArea<'static>,
    pub probing: Option<RequestId>,
    /// The server (as typed) whose probe passed, and its API base.
    pub checked: Option<(String, String)>,
    pub method: AuthMethod,
    pub client_id: TextArea<'static>,
    pub secret: TextArea<'static>,
    pub token: TextArea<'static>,
    pub focus: usize,
    pub remember: bool,
    pub logging_in: Option<RequestId>,
    pub saving: Option<RequestId>,
    /// What went wrong last, on the current stage.
    pub error: Option<Guidance>,
    /// Where Esc on the server list goes (opened from the wizard), if anywhere.
    pub return_to: Option<Step>,
    /// Signed in: the project choice that follows is saved to the profile.
    pub save_project: bool,
}

impl std::fmt::Debug for SignIn {
    // The secret and token fields hold what was typed: show only their lengths.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignIn")
            .field("stage", &self.stage)
            .field("selected", &self.selected)
            .field("method", &self.method)
            .field("client_id", &text(&self.client_id))
            .field("secret_len", &text(&self.secret).chars().count())
            .field("token_len", &text(&self.token).chars().count())
            .field("remember", &self.remember)
            .finish_non_exhaustive()
    }
}

/// The one line of a text area.
pub(crate) fn text(ta: &TextArea<'_>) -> String {
    ta.lines().join("")
}

fn masked(placeholder: &str) -> TextArea<'static> {
    let mut ta = TextArea::default();
    ta.set_placeholder_text(placeholder);
    ta.set_mask_char(MASK);
    // No undo history: it would keep old copies of the secret around.
    ta.set_max_histories(0);
    ta
}

fn plain(placeholder: &str, value: Option<&str>) -> TextArea<'static> {
    let mut ta = TextArea::default();
    ta.set_placeholder_text(placeholder);
    if let Some(v) = value {
        ta.insert_str(v);
    }
    ta
}

impl SignIn {
    pub fn new(start: Start) -> Self {
        let mut servers: Vec<ServerChoice> = Vec::new();
        if let Some(demo) = &start.demo {
            servers.push(ServerChoice {
                label: "Sandbox (demo)".into(),
                url: demo.server.clone(),
            });
        }
        servers.extend(SERVERS.iter().map(|(label, url)| ServerChoice {
            label: (*label).into(),
            url: (*url).into(),
        }));
        let known = |s: &str| {
            let norm = |u: &str| {
                u.trim()
                    .trim_end_matches('/')
                    .trim_end_matches("/api")
                    .to_owned()
            };
            servers.iter().position(|c| norm(&c.url) == norm(s))
        };
        let (selected, custom) = match start.server.as_deref() {
            Some(s) => match known(s) {
                Some(i) => (i, None),
                None => (servers.len(), Some(s)),
            },
            None => (0, None),
        };
        SignIn {
            stage: Stage::Server,
            selected,
            custom: plain("https://kms.example.com", custom),
            method: start.method,
            client_id: plain(
                "the machine identity's client ID",
                start.client_id.as_deref(),
            ),
            secret: masked("the client secret (hidden; paste works)"),
            token: masked("an access token (hidden; paste works)"),
            servers,
            start,
            ..SignIn::default()
        }
    }

    /// The identity fields for the chosen method.
    pub fn fields(&self) -> &'static [IdField] {
        match self.method {
            AuthMethod::UniversalAuth => &[
                IdField::Method,
                IdField::ClientId,
                IdField::Secret,
                IdField::Remember,
            ],
            AuthMethod::Token => &[IdField::Method, IdField::Token, IdField::Remember],
        }
    }

    pub fn focused(&self) -> IdField {
        let fields = self.fields();
        fields[self.focus.min(fields.len() - 1)]
    }

    pub fn on_custom(&self) -> bool {
        self.selected == self.servers.len()
    }

    pub fn busy(&self) -> bool {
        self.probing.is_some() || self.logging_in.is_some() || self.saving.is_some()
    }

    /// True when keys go to a text field.
    pub fn text_focus(&self) -> bool {
        match self.stage {
            Stage::Server => self.on_custom(),
            Stage::Identity => matches!(
                self.focused(),
                IdField::ClientId | IdField::Secret | IdField::Token
            ),
        }
    }

    /// The URL to check: the chosen one, or what was typed.
    pub fn server_url(&self) -> String {
        match self.servers.get(self.selected) {
            Some(c) => c.url.clone(),
            None => text(&self.custom).trim().to_owned(),
        }
    }

    /// What to draw for a text field.
    pub fn view(&self, field: IdField) -> FieldView {
        match field {
            IdField::ClientId => field_view(&self.client_id),
            IdField::Secret => field_view(&self.secret),
            IdField::Token => field_view(&self.token),
            IdField::Method | IdField::Remember => FieldView::default(),
        }
    }

    pub fn custom_view(&self) -> FieldView {
        field_view(&self.custom)
    }

    /// Running requests, for cancelling on quit.
    pub fn take_running(&mut self) -> Vec<RequestId> {
        [
            self.probing.take(),
            self.logging_in.take(),
            self.saving.take(),
        ]
        .into_iter()
        .flatten()
        .collect()
    }
}
