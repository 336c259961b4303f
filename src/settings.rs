//! Where to reach the KMS and who to be there: from flags, then the environment.

use crate::apps::ProviderEndpoints;
use crate::kms::auth::Credentials;
use crate::kms::client::{DEFAULT_KMS_URL, api_base};

#[derive(Debug, Clone)]
pub struct Settings {
    /// The API base, ending in `/api`.
    pub api_base: String,
    pub credentials: Option<Credentials>,
    pub project_id: Option<String>,
    pub providers: ProviderEndpoints,
    /// Connect directly, ignoring proxy variables (the sandbox on 127.0.0.1).
    pub direct: bool,
}

impl Settings {
    /// `kms_url` and `project` are the flags (clap has already read `KMS_API_URL` and
    /// `KMS_PROJECT_ID` into them when the flags were absent).
    pub fn resolve(kms_url: Option<&str>, project: Option<&str>) -> Result<Settings, String> {
        let url = kms_url
            .filter(|u| !u.trim().is_empty())
            .unwrap_or(DEFAULT_KMS_URL);
        Ok(Settings {
            api_base: api_base(url)?,
            credentials: Credentials::from_env(),
            project_id: project
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(str::to_owned),
            providers: ProviderEndpoints::from_env(),
            direct: false,
        })
    }

    /// The server as shown in the header: host and path, without `/api`.
    pub fn server_label(&self) -> String {
        let base = self.api_base.trim_end_matches("/api");
        base.split_once("://")
            .map_or(base, |(_, rest)| rest)
            .to_owned()
    }

    /// Whether any URL this process may call is https (then TLS roots are needed).
    pub fn kms_needs_tls(&self) -> bool {
        crate::http::any_https([self.api_base.as_str()])
    }
}

/// Said when no identity is configured.
pub const NO_CREDENTIALS: &str = "No KMS identity: run `kms-connect login`, or set KMS_TOKEN, or KMS_UNIVERSAL_AUTH_CLIENT_ID and KMS_UNIVERSAL_AUTH_CLIENT_SECRET (or try --demo).";
