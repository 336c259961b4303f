//! The one context every command and the wizard start from: where the KMS is, who to be
//! there, which project, where the providers are, and where each of those came from (for
//! `kms-connect status`). Built by [`super::resolve::resolve`] from flags, the environment and
//! the profile, or by the sandbox for `--demo`.

use serde::Serialize;

use super::{AuthMethod, Profile, Store};
use crate::apps::ProviderEndpoints;
use crate::kms::auth::Credentials;

/// What a request needs: the KMS API base, the identity, and the providers' endpoints.
#[derive(Debug, Clone)]
pub struct Reach {
    /// The API base, ending in `/api`.
    pub api_base: String,
    pub credentials: Option<Credentials>,
    pub providers: ProviderEndpoints,
    /// Connect directly, ignoring proxy variables (the sandbox on 127.0.0.1).
    pub direct: bool,
}

impl Reach {
    /// The server as shown in the header: host and path, without `/api`.
    pub fn server_label(&self) -> String {
        let base = self.api_base.trim_end_matches("/api");
        base.split_once("://")
            .map_or(base, |(_, rest)| rest)
            .to_owned()
    }

    /// Whether the KMS is reached over https (then TLS roots are needed).
    pub fn kms_needs_tls(&self) -> bool {
        crate::http::any_https([self.api_base.as_str()])
    }
}

/// Said when a command needs an identity and none is configured.
pub const NOT_SIGNED_IN: &str = "Not signed in: run `kms-connect login`, or set KMS_TOKEN (or KMS_UNIVERSAL_AUTH_CLIENT_ID and _SECRET), or try --demo.";

/// Where a setting's value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    Flag,
    Env,
    Profile,
    Default,
    Demo,
}

impl Source {
    pub fn label(self) -> &'static str {
        match self {
            Source::Flag => "flag",
            Source::Env => "environment",
            Source::Profile => "profile",
            Source::Default => "default",
            Source::Demo => "--demo",
        }
    }
}

/// A value from the command line or the environment (clap merges the two; it tells which).
#[derive(Debug, Clone)]
pub struct Given {
    pub value: String,
    pub source: Source,
}

/// How the identity in use was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum IdentityFrom {
    /// `KMS_TOKEN`.
    EnvToken,
    /// `KMS_UNIVERSAL_AUTH_CLIENT_ID` and `_SECRET`.
    EnvUniversalAuth,
    /// The profile's cached access token, still valid.
    CachedToken,
    /// The profile's stored client secret (the cached token is missing or expired).
    StoredSecret,
    /// The sandbox's identity (`--demo`).
    Demo,
}

impl IdentityFrom {
    pub fn source(self) -> Source {
        match self {
            IdentityFrom::EnvToken | IdentityFrom::EnvUniversalAuth => Source::Env,
            IdentityFrom::CachedToken | IdentityFrom::StoredSecret => Source::Profile,
            IdentityFrom::Demo => Source::Demo,
        }
    }
}

/// The settings to run with, and where each came from.
#[derive(Debug, Clone)]
pub struct Context {
    pub reach: Reach,
    /// The project new connections go to and names are looked up in (`None`: organization
    /// level, or not chosen yet: the wizard asks).
    pub project_id: Option<String>,
    pub profile_name: String,
    /// The saved profile of that name, if any (even when it does not apply).
    pub profile: Option<Profile>,
    /// False when the server in use is not the profile's: then its identity and project are
    /// not used (a token for one server means nothing to another).
    pub profile_applies: bool,
    pub server: String,
    pub server_source: Source,
    pub identity: Option<IdentityFrom>,
    pub project_source: Option<Source>,
    pub project_name: Option<String>,
    /// Expiry of the cached token in use (`Some(None)`: it does not expire).
    pub token_expires_at: Option<Option<u64>>,
    /// Universal-auth credentials to log in with when the cached token is refused.
    pub relogin: Option<Credentials>,
    /// The profile's cached token has expired and nothing can log in again: ask.
    pub token_expired: bool,
    pub store: Option<Store>,
    /// `--demo`: per app slug, the sandbox's instance URL or email (used when the flag is
    /// left out, so that the README's examples run as pasted) and its good demo secret.
    pub demo_targets: Vec<(&'static str, String, &'static str)>,
}

impl Context {
    /// Running against the built-in sandbox (`--demo`): nothing is read from or saved to disk.
    pub fn is_demo(&self) -> bool {
        self.server_source == Source::Demo
    }

    /// Where a freshly issued token should be cached: only when the identity is the profile's
    /// remembered one (the user chose to remember it).
    pub fn token_home(&self) -> Option<(Store, String)> {
        match (self.identity, &self.store) {
            (Some(IdentityFrom::CachedToken | IdentityFrom::StoredSecret), Some(store)) => {
                Some((store.clone(), self.profile_name.clone()))
            }
            _ => None,
        }
    }

    /// Why the sign-in is shown, when a saved profile could not sign in by itself.
    pub fn why_sign_in(&self) -> Option<String> {
        if self.identity.is_some() || !self.profile_applies {
            return None;
        }
        Some(if self.token_expired {
            format!(
                "The saved sign-in of profile \"{}\" has expired: sign in again.",
                self.profile_name
            )
        } else {
            format!(
                "Profile \"{}\" keeps no secret: sign in to go on.",
                self.profile_name
            )
        })
    }

    /// Who the wizard's header says is signed in. A session that starts from the profile's
    /// cached token still shows the identity and organization the profile remembers.
    pub fn identity_label(&self) -> String {
        let Some(creds) = &self.reach.credentials else {
            return "not signed in".into();
        };
        let from_profile = matches!(
            self.identity,
            Some(IdentityFrom::CachedToken | IdentityFrom::StoredSecret)
        );
        let Some(p) = self.profile.as_ref().filter(|_| from_profile) else {
            return creds.describe();
        };
        let who = match (p.auth_method, p.client_id.as_deref()) {
            (AuthMethod::UniversalAuth, Some(id)) => crate::kms::auth::describe_universal_auth(id),
            _ => creds.describe(),
        };
        crate::config::signin::identity_with_organization(&who, p.organization.as_deref())
    }

    /// The universal-auth client ID in use or saved, for prefilling the sign-in.
    pub fn client_id(&self) -> Option<String> {
        match &self.reach.credentials {
            Some(Credentials::UniversalAuth { client_id, .. }) => Some(client_id.clone()),
            _ => self
                .profile
                .as_ref()
                .filter(|_| self.profile_applies)
                .and_then(|p| p.client_id.clone()),
        }
    }
}
