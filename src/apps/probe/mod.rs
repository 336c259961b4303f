//! The credential test: the same request the KMS server makes when it creates the connection
//! (`request`), and a reading of the answer that says what is wrong and what to do (`verdict`,
//! providers.md §0.2). The types both halves share live here.

mod request;
mod verdict;

pub use request::{
    PROBE_TIMEOUT, SLOW_PROVIDER, probe_url, run, run_captured, setup_failed, with_server_notes,
};
pub(crate) use request::{authorized, scrub_captured, secret_forms};
pub use verdict::classify;
pub(crate) use verdict::provider_text;

use serde::Serialize;

use super::front_end::FrontEnd;
use super::{ApiBase, AppSpec};

/// Where the fixed-host providers live, keyed by the environment variable that overrides each
/// (`KMS_CONNECT_BITBUCKET_API_URL`, …, as the catalog names them); for proxies and tests.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProviderEndpoints {
    overrides: Vec<(&'static str, String)>,
}

impl ProviderEndpoints {
    /// Reads the override variable of every fixed-host app in the catalog.
    pub fn from_env() -> Self {
        let mut endpoints = ProviderEndpoints::default();
        for app in crate::apps::CATALOG {
            if let ApiBase::Fixed { env, .. } = app.api_base
                && let Ok(url) = std::env::var(env)
                && !url.trim().is_empty()
            {
                endpoints = endpoints.with(env, url.trim());
            }
        }
        endpoints
    }

    /// The same endpoints with `env`'s API at `url`.
    pub fn with(mut self, env: &'static str, url: &str) -> Self {
        self.overrides.retain(|(e, _)| *e != env);
        self.overrides.push((env, url.to_owned()));
        self
    }

    /// The same endpoints with the fixed-host app `slug`'s API at `url` (ignored for apps that
    /// use the user's instance URL).
    pub fn with_app(self, slug: &str, url: &str) -> Self {
        match AppSpec::by_slug(slug).map(|a| a.api_base) {
            Some(ApiBase::Fixed { env, .. }) => self.with(env, url),
            _ => self,
        }
    }

    /// Every overridden API base, for deciding whether TLS is needed.
    pub fn urls(&self) -> impl Iterator<Item = &str> {
        self.overrides.iter().map(|(_, u)| u.as_str())
    }

    pub(super) fn override_for(&self, env: &str) -> Option<&str> {
        self.overrides
            .iter()
            .find(|(e, _)| *e == env)
            .map(|(_, u)| u.as_str())
    }
}

/// What a test concluded, as a stable code for scripts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeCode {
    Ok,
    HostNotFound,
    Refused,
    Timeout,
    TlsUntrusted,
    Unreachable,
    Redirect,
    NotProvider,
    NotFound,
    TokenRejected,
    /// A 401 that came from a proxy or sign-on page in front of the provider.
    RejectedInFront,
    MissingScope,
    MissingPermission,
    RateLimited,
    Unavailable,
    Unexpected,
}

impl OutcomeCode {
    /// The form field a failure points at: where "fix the form" puts the cursor.
    pub fn field(self) -> Option<super::FieldId> {
        use super::FieldId;
        match self {
            OutcomeCode::HostNotFound
            | OutcomeCode::Refused
            | OutcomeCode::Timeout
            | OutcomeCode::TlsUntrusted
            | OutcomeCode::Unreachable
            | OutcomeCode::Redirect
            | OutcomeCode::NotProvider
            | OutcomeCode::NotFound => Some(FieldId::Target),
            OutcomeCode::TokenRejected
            | OutcomeCode::MissingScope
            | OutcomeCode::MissingPermission => Some(FieldId::Secret),
            _ => None,
        }
    }
}

/// The result of a credential test: one clear line, maybe a second with what to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TestOutcome {
    pub ok: bool,
    pub code: OutcomeCode,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    /// Missing permissions, spelled as the provider's docs spell them (a 403 that names them).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub missing: Vec<String>,
    /// What the provider told us about the credential (server version, user, …); a JSON
    /// object in `--json` output.
    #[serde(skip_serializing_if = "Vec::is_empty", serialize_with = "as_object")]
    pub learned: Vec<(String, String)>,
    /// Seconds to wait before trying again, when the provider said.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after_secs: Option<u64>,
    /// The URL that was called (never holds the secret).
    pub url: String,
    /// Said with a pass (a ⚠ on the server-check line): the provider was slow, or the
    /// instance resolves to an address the KMS server refuses.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cautions: Vec<String>,
}

impl TestOutcome {
    pub(super) fn fail(
        code: OutcomeCode,
        url: &str,
        message: String,
        hint: Option<String>,
    ) -> Self {
        TestOutcome {
            ok: false,
            code,
            message,
            hint,
            missing: Vec::new(),
            learned: Vec::new(),
            retry_after_secs: None,
            url: url.to_owned(),
            cautions: Vec::new(),
        }
    }
}

/// What the front end running the test adds to its advice.
#[derive(Debug, Clone, Copy)]
pub struct Advice<'a> {
    pub front_end: &'a FrontEnd,
    /// The CA file the user gave, if any: the TLS advice then says it did not help.
    pub ca_cert: Option<&'a str>,
}

impl<'a> Advice<'a> {
    pub fn new(front_end: &'a FrontEnd) -> Self {
        Advice {
            front_end,
            ca_cert: None,
        }
    }
}

fn as_object<S: serde::Serializer>(pairs: &[(String, String)], s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut map = s.serialize_map(Some(pairs.len()))?;
    for (k, v) in pairs {
        map.serialize_entry(k, v)?;
    }
    map.end()
}

#[cfg(test)]
mod tests;
