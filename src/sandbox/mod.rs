//! Built-in sandbox: an in-process imitation of a Hanzo KMS server (Infisical-compatible REST
//! API) and of the four credential providers, each on its own 127.0.0.1 listener.
//!
//! It exists so that `kms-connect --demo` and the test suite work offline. It plays the
//! servers' role, so it deliberately shares no code with the client modules: a bug in the
//! client's understanding of the API must not be mirrored here.

mod app_specs;
mod auth;
pub mod demo_context;
mod destinations;
mod envelope;
mod fixtures;
mod kms;
mod kms_changes;
mod kms_syncs;
mod providers;
mod record;
mod reply;
mod seed;
mod store;
mod validate;
mod verify;

#[cfg(test)]
mod tests;

use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use record::Recorder;

/// Credentials the sandbox providers accept or treat specially (shown to demo users).
pub mod demo {
    pub const TEAMCITY_TOKEN: &str = "demo-teamcity-token";
    pub const OCTOPUS_API_KEY: &str = "API-DEMOKEY";
    pub const BITBUCKET_EMAIL: &str = "demo@example.com";
    pub const BITBUCKET_TOKEN: &str = "demo-bitbucket-token";
    /// Bitbucket answers 403 "missing read:user:bitbucket" for this one.
    pub const BITBUCKET_TOKEN_NO_USER_SCOPE: &str = "demo-noscope-token";
    pub const NORTHFLANK_TOKEN: &str = "demo-northflank-token";
    /// Any provider: answers 200 only after 5 seconds (to exercise cancellation).
    pub const SLOW_TOKEN: &str = "demo-slow-token";
    /// TeamCity, Octopus Deploy, Northflank: accepted, but it expires in 5 days.
    pub const EXPIRING_TOKEN: &str = "demo-expiring-token";
    /// Northflank: rejected, and `/v1/auth` says it expired 3 days ago.
    pub const EXPIRED_TOKEN: &str = "demo-expired-token";
    /// TeamCity: a "Limit per project" token on project `Backend` without *Edit project*.
    pub const TEAMCITY_PROJECT_TOKEN: &str = "demo-project-token";
    /// The TeamCity project the demo tokens can see.
    pub const TEAMCITY_PROJECT: &str = "Backend";
    /// Octopus Deploy: a read-only API key.
    pub const OCTOPUS_READONLY_KEY: &str = "API-DEMOREADONLY";
    /// Octopus Deploy: a `Custom` key (limited to chosen spaces, projects, environments).
    pub const OCTOPUS_CUSTOM_KEY: &str = "API-DEMOCUSTOM";
    /// Octopus Deploy: an older server that records no `LastUsedTimeStamp`; the account has
    /// two keys, the older one expired, so which one is in use cannot be told.
    pub const OCTOPUS_UNTRACKED_KEY: &str = "API-DEMOUNTRACKED";
    /// Bitbucket: accepted, but without the pipeline scopes Secret Sync needs.
    pub const BITBUCKET_TOKEN_NO_PIPELINE: &str = "demo-nopipeline-token";
    /// Bitbucket: may read pipeline variables (`read:pipeline:bitbucket`) but lacks
    /// `admin:pipeline:bitbucket`, so a destination check passes its reads and fails the writes.
    pub const BITBUCKET_TOKEN_READ_PIPELINE: &str = "demo-readpipeline-token";
    /// Northflank: an org-level token instead of a team token.
    pub const NORTHFLANK_ORG_TOKEN: &str = "demo-org-token";
    /// Any provider: 429 with `Retry-After: 30`.
    pub const RATE_LIMITED_TOKEN: &str = "demo-ratelimited-token";
    /// Appended to the TeamCity or Octopus Deploy URL: the server redirects from there.
    pub const REDIRECTING_PATH: &str = "/old";
    /// Appended to the TeamCity URL: a TeamCity older than 2020.2, whose errors are text/plain.
    pub const LEGACY_TEAMCITY_PATH: &str = "/legacy";
    /// Appended to the TeamCity or Octopus Deploy URL: a web page, not the API.
    pub const WEB_PAGE_PATH: &str = "/web";
    /// KMS: a user's session token (a JWT with `authTokenType: "accessToken"` and the demo
    /// organization's id). Every app-connection route accepts it; `/api/v1/identities/details`
    /// answers 403, as it accepts only machine-identity tokens.
    pub const USER_SESSION_TOKEN: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJhdXRoVG9rZW5UeXBlIjoiYWNjZXNzVG9rZW4iLCJ1c2VySWQiOiIwZDJjNWE0ZS03YjFmLTRjOGUtOWEzZC01ZTZmN2E4YjljMGQiLCJ0b2tlblZlcnNpb25JZCI6IjEiLCJhY2Nlc3NWZXJzaW9uIjoxLCJvcmdhbml6YXRpb25JZCI6IjZmMDNjYWExLWE1ZGUtNDNjZS1iMTI3LTk1YTE0NWQzNDY0YyIsImV4cCI6NDEwMjQ0NDgwMH0.demo-signature";
    /// KMS universal auth, with the demo client secret: tokens that last 30 seconds.
    pub const SHORT_LIVED_CLIENT_ID: &str = "demo-short-lived";
    /// Signs in, but is a member of no project; listing organization-level connections is
    /// refused (403 `PermissionDenied`).
    pub const NO_PROJECTS_CLIENT_ID: &str = "demo-no-projects";
    /// Refused: "Access denied due to expired client secret".
    pub const EXPIRED_SECRET_CLIENT_ID: &str = "demo-expired-secret";
    /// A build configuration of project Backend whose syncs succeed.
    pub const TEAMCITY_BUILD: &str = "Backend_Deploy";
    /// Secret Sync runs to these destinations fail, each with the server's nested message
    /// (a TeamCity project other than `Backend` fails with 404 too).
    pub const SYNC_FAIL_TEAMCITY_BUILD: &str = "Backend_Locked";
    pub const SYNC_FAIL_OCTOPUS_PROJECT: &str = "Projects-2";
    pub const SYNC_FAIL_BITBUCKET_REPO: &str = "locked-repo";
    pub const SYNC_FAIL_NORTHFLANK_GROUP: &str = "locked";
    /// Northflank: accepted, but its API role lacks Secret Groups › Update.
    pub const NORTHFLANK_TOKEN_NO_UPDATE: &str = "demo-noupdate-token";
}

/// One request as received by one of the five sandbox servers.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    /// "kms", "teamcity", "octopus-deploy", "bitbucket" or "northflank".
    pub service: &'static str,
    pub method: String,
    /// Path plus "?query" if any, as sent by the client.
    pub path: String,
    /// The raw Authorization header, so tests can assert exactly what was sent.
    pub authorization: Option<String>,
    /// All headers, lowercase names.
    pub headers: Vec<(String, String)>,
    /// Parsed JSON body; None if empty or not JSON.
    pub body: Option<serde_json::Value>,
}

/// The running sandbox. Dropping it stops the five servers.
pub struct Sandbox {
    /// e.g. `http://127.0.0.1:40123` (no trailing slash, no `/api`).
    pub kms_url: String,
    /// TeamCity instance base URL.
    pub teamcity_url: String,
    /// Octopus Deploy instance base URL.
    pub octopus_url: String,
    /// Bitbucket API base (replaces `https://api.bitbucket.org`).
    pub bitbucket_api: String,
    /// Northflank API base (replaces `https://api.northflank.com`).
    pub northflank_api: String,
    /// KMS access token the sandbox accepts (Bearer).
    pub token: String,
    /// Universal-auth client id the sandbox accepts.
    pub client_id: String,
    /// And its secret.
    pub client_secret: String,
    /// The one project ("Demo project").
    pub project_id: String,
    pub project_name: String,
    recorder: Recorder,
    kms: Arc<kms::Kms>,
    tasks: Vec<JoinHandle<()>>,
}

impl Sandbox {
    /// Binds five listeners on 127.0.0.1:0 and spawns them on the current tokio runtime.
    pub async fn start() -> anyhow::Result<Sandbox> {
        let kms_listener = bind().await?;
        let teamcity_listener = bind().await?;
        let octopus_listener = bind().await?;
        let bitbucket_listener = bind().await?;
        let northflank_listener = bind().await?;

        let kms_url = base_url(&kms_listener)?;
        let teamcity_url = base_url(&teamcity_listener)?;
        let octopus_url = base_url(&octopus_listener)?;
        let bitbucket_api = base_url(&bitbucket_listener)?;
        let northflank_api = base_url(&northflank_listener)?;

        let recorder = Recorder::default();
        let kms = Arc::new(kms::Kms::new(verify::Endpoints {
            bitbucket_api: bitbucket_api.clone(),
            northflank_api: northflank_api.clone(),
        })?);

        let servers = [
            (kms_listener, "kms", kms::router(kms.clone())),
            (
                teamcity_listener,
                "teamcity",
                providers::router(providers::teamcity(&teamcity_url)),
            ),
            (
                octopus_listener,
                "octopus-deploy",
                providers::router(providers::octopus()),
            ),
            (
                bitbucket_listener,
                "bitbucket",
                destinations::bitbucket(providers::router(providers::bitbucket())),
            ),
            (
                northflank_listener,
                "northflank",
                destinations::northflank(
                    providers::northflank(),
                    providers::router(providers::northflank()),
                ),
            ),
        ];
        let tasks = servers
            .into_iter()
            .map(|(listener, service, router)| {
                let app = recorder.wrap(service, router);
                tokio::spawn(async move {
                    // A serve error only happens if the listener dies; there is no one to
                    // report it to, and the tests will notice the refused connections.
                    let _ = axum::serve(listener, app).await;
                })
            })
            .collect();

        Ok(Sandbox {
            kms_url,
            teamcity_url,
            octopus_url,
            bitbucket_api,
            northflank_api,
            token: fixtures::ACCESS_TOKEN.to_string(),
            client_id: fixtures::CLIENT_ID.to_string(),
            client_secret: fixtures::CLIENT_SECRET.to_string(),
            project_id: fixtures::PROJECT_ID.to_string(),
            project_name: fixtures::PROJECT_NAME.to_string(),
            recorder,
            kms,
            tasks,
        })
    }

    /// Every request received so far by any of the five servers, in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.recorder.all()
    }

    /// Makes every access token the sandbox issued expire now (the demo token stays).
    pub fn expire_tokens(&self) {
        self.kms.auth().expire_all();
    }

    /// The connections currently stored (for tests), in the shape the API returns them.
    pub fn connections(&self) -> Vec<serde_json::Value> {
        self.kms.connections()
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        // The servers hold no state worth flushing; stop them so ports are released even
        // when the runtime outlives the sandbox (e.g. a long-running demo session).
        for task in &self.tasks {
            task.abort();
        }
    }
}

async fn bind() -> anyhow::Result<TcpListener> {
    Ok(TcpListener::bind("127.0.0.1:0").await?)
}

fn base_url(listener: &TcpListener) -> anyhow::Result<String> {
    Ok(format!("http://{}", listener.local_addr()?))
}
