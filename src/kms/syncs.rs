//! Secret Syncs: the typed client for `/api/v1/secret-syncs/{dest}` (secret-syncs.md §2), the
//! status lifecycle and health (§3.3), and the decoder for `lastSyncMessage` (§3.4), which is
//! JSON inside a string, nested up to twice, mapped to the permission or setting it points at.
//!
//! Everything here returns typed results and prints nothing: the CLI prints them, the wizard's
//! worker turns them into messages. Display strings are cleaned through [`crate::sanitize`] as
//! they are read; IDs are kept as sent (they go into URLs) and must be cleaned before drawing.
//!
//! Routes: `backend/src/server/routes/v1/secret-sync-routers/secret-sync-endpoints.ts`
//! (Infisical/infisical, identical in hanzoai/kms @8040b54e). Statuses:
//! `secret-sync-enums.ts` (`SecretSyncStatus`). Message format: `parseSyncErrorMessage` in
//! `secret-sync-fns.ts` (`JSON.stringify({secretKey, message, error})`, capped at 1024).

use std::time::Duration;

use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::client::KmsClient;
use super::error::KmsError;
use crate::apps::sync_spec::Destination;
use crate::http;
use crate::sanitize::{clean_line, clean_short};

/// `syncStatus` / `importStatus` / `removeStatus`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SyncStatus {
    Pending,
    Running,
    Succeeded,
    Failed,
    /// A value this client does not know (a newer server).
    #[serde(other)]
    Unknown,
}

impl SyncStatus {
    /// Whether a job in this state has ended.
    pub fn is_done(self) -> bool {
        matches!(self, SyncStatus::Succeeded | SyncStatus::Failed)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SyncStatus::Pending => "pending",
            SyncStatus::Running => "running",
            SyncStatus::Succeeded => "succeeded",
            SyncStatus::Failed => "failed",
            SyncStatus::Unknown => "unknown",
        }
    }
}

/// `connection` of a sync row: `{app, name, id}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SyncConnection {
    pub app: String,
    pub name: String,
    pub id: String,
}

/// `environment`: `{slug, name, id}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SyncEnvironment {
    pub slug: String,
    pub name: String,
    pub id: String,
}

/// `folder`: `{id, path}`; null once the source folder is deleted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SyncFolder {
    pub id: String,
    pub path: String,
}

/// One Secret Sync as the server returns it (§3.2). Holds no credential.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SecretSync {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub destination: String,
    pub destination_config: Value,
    pub sync_options: Value,
    pub is_auto_sync_enabled: bool,
    pub project_id: String,
    pub connection_id: String,
    pub folder_id: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub sync_status: Option<SyncStatus>,
    pub last_sync_job_id: Option<String>,
    pub last_sync_message: Option<String>,
    pub last_synced_at: Option<String>,
    pub import_status: Option<SyncStatus>,
    pub last_import_message: Option<String>,
    pub last_imported_at: Option<String>,
    pub remove_status: Option<SyncStatus>,
    pub last_remove_message: Option<String>,
    pub last_removed_at: Option<String>,
    pub connection: Option<SyncConnection>,
    pub environment: Option<SyncEnvironment>,
    pub folder: Option<SyncFolder>,
    /// The object exactly as the server sent it (for `--json`), unknown fields included.
    #[serde(skip)]
    pub raw: Value,
}

impl SecretSync {
    /// Reads one row and cleans every string meant for display.
    pub fn from_value(raw: Value) -> Result<SecretSync, serde_json::Error> {
        let mut s: SecretSync = serde_json::from_value(raw.clone())?;
        s.raw = raw;
        s.name = clean_line(&s.name);
        s.description = s.description.as_deref().map(clean_line);
        s.destination = clean_line(&s.destination);
        for t in [&mut s.created_at, &mut s.updated_at] {
            *t = clean_short(t, 40);
        }
        for t in [
            &mut s.last_synced_at,
            &mut s.last_imported_at,
            &mut s.last_removed_at,
            &mut s.last_sync_job_id,
        ] {
            if let Some(v) = t.as_mut() {
                *v = clean_short(v, 40);
            }
        }
        if let Some(c) = s.connection.as_mut() {
            c.name = clean_line(&c.name);
            c.app = clean_line(&c.app);
        }
        if let Some(e) = s.environment.as_mut() {
            e.slug = clean_line(&e.slug);
            e.name = clean_line(&e.name);
        }
        if let Some(f) = s.folder.as_mut() {
            f.path = clean_line(&f.path);
        }
        Ok(s)
    }

    pub fn dest(&self) -> Option<Destination> {
        Destination::from_slug(&self.destination)
    }

    /// The environment slug (what `{{environment}}` in the key schema becomes).
    pub fn environment_slug(&self) -> &str {
        self.environment.as_ref().map_or("", |e| e.slug.as_str())
    }

    /// `environment:path`, e.g. `prod:/`; `(source deleted)` when the folder is gone.
    pub fn source(&self) -> String {
        match &self.folder {
            Some(f) => format!("{}:{}", self.environment_slug(), f.path),
            None => format!("{}:(source deleted)", self.environment_slug()),
        }
    }

    /// The destination in a few words: `Backend / Backend_Build`, `acme/api`, ….
    pub fn destination_label(&self) -> String {
        let c = &self.destination_config;
        let s = |k: &str| {
            c.get(k)
                .and_then(Value::as_str)
                .filter(|v| !v.is_empty())
                .map(clean_line)
        };
        let joined = |parts: Vec<Option<String>>, sep: &str| {
            parts.into_iter().flatten().collect::<Vec<_>>().join(sep)
        };
        match self.dest() {
            Some(Destination::TeamCity) => joined(vec![s("project"), s("buildConfig")], " / "),
            Some(Destination::OctopusDeploy) => joined(
                vec![
                    s("spaceName").or(s("spaceId")),
                    s("projectName").or(s("projectId")),
                ],
                " / ",
            ),
            Some(Destination::Bitbucket) => {
                let repo = joined(vec![s("workspaceSlug"), s("repositorySlug")], "/");
                match s("environmentId") {
                    Some(env) => format!("{repo} ({env})"),
                    None => repo,
                }
            }
            Some(Destination::Northflank) => joined(
                vec![
                    s("projectName").or(s("projectId")),
                    s("secretGroupName").or(s("secretGroupId")),
                ],
                " / ",
            ),
            None => clean_short(&c.to_string(), 60),
        }
    }

    /// `lastSyncMessage`, decoded (None when there is none).
    pub fn last_message(&self) -> Option<Decoded> {
        let raw = self.last_sync_message.as_deref()?;
        Some(decode_message(raw, self.dest()))
    }

    /// How the sync is doing at `now` (Unix seconds).
    pub fn health(&self, now: i64) -> Health {
        if self.folder.is_none() && !self.raw.is_null() && self.raw.get("folder").is_some() {
            return Health::SourceGone;
        }
        match self.sync_status {
            Some(SyncStatus::Succeeded) => Health::Ok {
                at: self.last_synced_at.clone(),
            },
            Some(SyncStatus::Failed) => Health::Failed {
                message: self.last_message(),
            },
            Some(SyncStatus::Pending | SyncStatus::Running) => {
                let since = unix_of(&self.updated_at);
                let stuck = since.is_some_and(|t| now - t > STUCK_AFTER.as_secs() as i64);
                Health::InProgress {
                    status: self.sync_status.unwrap_or(SyncStatus::Pending),
                    stuck,
                }
            }
            Some(SyncStatus::Unknown) | None => Health::Never,
        }
    }
}

/// A sync pending or running this long is called stuck (secret-syncs.md §3.3: the queue or
/// Redis may be down; retries run for up to a minute or two).
pub const STUCK_AFTER: Duration = Duration::from_secs(300);

/// What "stuck" usually means, for the line under it.
pub const STUCK_HINT: &str = "A sync that stays pending or running this long usually means the KMS server's job queue (Redis) is down or busy, or another sync of this connection holds the lock; it retries up to 5 times before failing.";

/// A sync's health, for the SYNCS column and the details.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Health {
    Ok {
        at: Option<String>,
    },
    InProgress {
        status: SyncStatus,
        stuck: bool,
    },
    Failed {
        message: Option<Decoded>,
    },
    /// Never ran (auto-sync off, or not yet queued).
    Never,
    /// The source folder was deleted.
    SourceGone,
}

impl Health {
    /// Worse states sort higher (the column shows the worst).
    pub fn rank(&self) -> u8 {
        match self {
            Health::Ok { .. } => 0,
            Health::Never => 1,
            Health::InProgress { stuck: false, .. } => 2,
            Health::InProgress { stuck: true, .. } => 3,
            Health::SourceGone => 4,
            Health::Failed { .. } => 5,
        }
    }

    /// One short phrase: `✓ succeeded`, `✗ failed`, `… running`, `… running (stuck?)`.
    pub fn label(&self) -> String {
        match self {
            Health::Ok { .. } => "✓ succeeded".into(),
            Health::InProgress { status, stuck } => {
                let s = status.as_str();
                if *stuck {
                    format!("… {s} (stuck?)")
                } else {
                    format!("… {s}")
                }
            }
            Health::Failed { .. } => "✗ failed".into(),
            Health::Never => "never synced".into(),
            Health::SourceGone => "✗ source deleted".into(),
        }
    }
}

/// Counts of a connection's syncs by health, for the SYNCS column.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SyncCounts {
    pub ok: usize,
    pub failed: usize,
    pub in_progress: usize,
    pub never: usize,
    pub total: usize,
}

impl SyncCounts {
    pub fn of<'a>(syncs: impl IntoIterator<Item = &'a SecretSync>, now: i64) -> SyncCounts {
        let mut c = SyncCounts::default();
        for s in syncs {
            c.total += 1;
            match s.health(now) {
                Health::Ok { .. } => c.ok += 1,
                Health::Failed { .. } | Health::SourceGone => c.failed += 1,
                Health::InProgress { .. } => c.in_progress += 1,
                Health::Never => c.never += 1,
            }
        }
        c
    }

    /// `✓ 2 · ✗ 1 failed · … 1 running · 1 never synced`; `—` for none.
    pub fn label(&self) -> String {
        if self.total == 0 {
            return "—".into();
        }
        let mut parts = Vec::new();
        if self.ok > 0 {
            parts.push(format!("✓ {}", self.ok));
        }
        if self.failed > 0 {
            parts.push(format!("✗ {} failed", self.failed));
        }
        if self.in_progress > 0 {
            parts.push(format!("… {} running", self.in_progress));
        }
        if self.never > 0 {
            parts.push(format!("{} never synced", self.never));
        }
        parts.join(" · ")
    }
}

/// The syncs of one connection (there is no server-side filter: §2).
pub fn syncs_of_connection<'a>(
    syncs: &'a [SecretSync],
    connection_id: &str,
) -> Vec<&'a SecretSync> {
    syncs
        .iter()
        .filter(|s| {
            s.connection_id == connection_id
                || s.connection.as_ref().is_some_and(|c| c.id == connection_id)
        })
        .collect()
}

/// Delay before the `attempt`-th poll (0-based) of a watched sync: 1 s, 2 s, 3 s, then 5 s.
/// The job is queued with up to 10 s of random delay and retries from 3 s, so faster polling
/// learns nothing sooner.
pub fn poll_delay(attempt: u32) -> Duration {
    Duration::from_secs(match attempt {
        0 => 1,
        1 => 2,
        2 => 3,
        _ => 5,
    })
}

// ---------------------------------------------------------------------------------------------
// lastSyncMessage

/// A decoded `lastSyncMessage`: clean text, the secret it was about, and where it points.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Decoded {
    /// One line, cleaned, without JSON punctuation.
    pub text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret_key: Option<String>,
    /// The permission or setting the failure points at, when it can be told.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub points_at: Option<Pointer>,
}

/// What to fix: a provider permission, a destination setting or a server setting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Pointer {
    /// `permission`, `setting`, `credential` or `server`.
    pub kind: &'static str,
    /// The permission or setting, spelled as the provider's docs (seeds) spell it.
    pub what: String,
    pub hint: String,
}

const MAX_DEPTH: usize = 4;

/// Decodes `raw` (§3.4): an object `{secretKey?, message?, error?}` whose `error` is a string
/// that may hold JSON again; a JSON string literal; a provider's own JSON body; or plain text.
pub fn decode_message(raw: &str, dest: Option<Destination>) -> Decoded {
    let mut secret_key = None;
    let mut parts = Vec::new();
    collect(raw, 0, &mut secret_key, &mut parts);
    let mut text = parts
        .into_iter()
        .map(|p| {
            clean_line(&p)
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        })
        .filter(|p| !p.is_empty())
        .fold(Vec::<String>::new(), |mut acc, p| {
            if !acc.iter().any(|a| a.contains(&p)) {
                acc.push(p);
            }
            acc
        })
        .join(" ");
    if text.is_empty() {
        text = clean_short(raw, 300);
    }
    let text = clean_short(&text, 600);
    let secret_key = secret_key.map(|k| clean_short(&k, 80));
    let points_at = point(&text, dest);
    Decoded {
        text,
        secret_key,
        points_at,
    }
}

fn collect(raw: &str, depth: usize, key: &mut Option<String>, out: &mut Vec<String>) {
    let trimmed = raw.trim();
    if depth >= MAX_DEPTH {
        out.push(trimmed.to_owned());
        return;
    }
    match serde_json::from_str::<Value>(trimmed) {
        Ok(v) => collect_value(&v, depth, key, out),
        Err(_) => out.push(trimmed.to_owned()),
    }
}

fn collect_value(v: &Value, depth: usize, key: &mut Option<String>, out: &mut Vec<String>) {
    match v {
        Value::String(s) => collect(s, depth + 1, key, out),
        Value::Object(m) => collect_object(m, depth, key, out),
        Value::Array(items) => {
            for i in items {
                collect_value(i, depth + 1, key, out);
            }
        }
        Value::Null => {}
        other => out.push(other.to_string()),
    }
}

fn collect_object(
    m: &Map<String, Value>,
    depth: usize,
    key: &mut Option<String>,
    out: &mut Vec<String>,
) {
    if key.is_none()
        && let Some(k) = m.get("secretKey").and_then(Value::as_str)
    {
        *key = Some(k.to_owned());
    }
    // The wrapper's and the providers' message fields, most specific last: Octopus
    // `ErrorMessage`/`Errors`, Bitbucket `error.message`/`error.detail`, Northflank
    // `error.message`/`error.details`, TeamCity's text inside `error`.
    for field in [
        "message",
        "ErrorMessage",
        "error",
        "detail",
        "details",
        "Errors",
        "errors",
    ] {
        if let Some(v) = m.get(field) {
            match v {
                Value::Object(inner) if field == "detail" || field == "details" => {
                    // `{required:[…], granted:[…]}` (Bitbucket) or field → reason (Northflank).
                    for (k, val) in inner {
                        let val = match val {
                            Value::String(s) => s.clone(),
                            Value::Array(a) => a
                                .iter()
                                .map(|x| x.as_str().map_or_else(|| x.to_string(), str::to_owned))
                                .collect::<Vec<_>>()
                                .join(", "),
                            other => other.to_string(),
                        };
                        out.push(format!("{k}: {val}."));
                    }
                }
                other => collect_value(other, depth + 1, key, out),
            }
        }
    }
}

/// Maps decoded text to what it points at, per destination (seeds and secret-syncs.md §4).
fn point(text: &str, dest: Option<Destination>) -> Option<Pointer> {
    let t = text.to_ascii_lowercase();
    let p = |kind, what: &str, hint: &str| {
        Some(Pointer {
            kind,
            what: what.to_owned(),
            hint: hint.to_owned(),
        })
    };
    if t.contains("local ips not allowed") {
        return p(
            "server",
            "internal IP connections",
            "The KMS server refuses private and loopback addresses: use a public address, or allow internal IPs on a self-hosted server (ALLOW_INTERNAL_IP_CONNECTIONS=true).",
        );
    }
    if t.contains("folder no longer exists") {
        return p(
            "setting",
            "environment and secret path",
            "The source folder was deleted: point the sync at an existing environment and path.",
        );
    }
    if t.contains("already in progress") || t.contains("failed to run job") {
        return p(
            "server",
            "job lock",
            "Another job of this sync (or 3 of this connection) was running: run it again in a minute.",
        );
    }
    let forbidden = t.contains("403")
        || t.contains("forbidden")
        || t.contains("permission")
        || t.contains("privilege scope")
        || t.contains("not allowed");
    let unauthorized = t.contains("401")
        || t.contains("unauthorized")
        || t.contains("unauthenticated")
        || t.contains("invalid, expired")
        || t.contains("api key is invalid");
    let not_found = t.contains("404") || t.contains("not found") || t.contains("could not find");
    let rotate = "Rotate the connection's credential (kms-connect rotate) with a valid one.";
    match dest? {
        Destination::TeamCity if forbidden => p(
            "permission",
            "Edit project",
            "Give the token Edit project (and View build configuration settings) on the sync's project, or use a token Same as current user.",
        ),
        Destination::TeamCity if not_found => p(
            "setting",
            "project / buildConfig",
            "Check the TeamCity project id and build configuration id (ids, not names).",
        ),
        Destination::OctopusDeploy if forbidden => p(
            "permission",
            "Project Contributor (VariableEdit)",
            "The key needs a team with the Project Contributor role in that space, and must not be a read-only API key.",
        ),
        Destination::OctopusDeploy if not_found => p(
            "setting",
            "spaceId / projectId",
            "Check the space Id and project Id (e.g. Spaces-1, Projects-123).",
        ),
        Destination::Bitbucket if forbidden => p(
            "permission",
            "admin:pipeline:bitbucket",
            "Create an API token with read:pipeline:bitbucket and admin:pipeline:bitbucket, then rotate the connection.",
        ),
        Destination::Bitbucket if not_found => p(
            "setting",
            "workspaceSlug / repositorySlug / environmentId",
            "Check the workspace and repository slugs and the deployment environment uuid (with braces).",
        ),
        Destination::Northflank if forbidden => p(
            "permission",
            "Secret Groups › Update",
            "Give the API role Config & Secrets → Secret Groups → List, Update and Read Values, on the sync's project.",
        ),
        Destination::Northflank if not_found => p(
            "setting",
            "projectId / secretGroupId",
            "Check the Northflank project id and secret group id.",
        ),
        _ if unauthorized => p("credential", "the connection's credential", rotate),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// Requests

/// How a command names a sync: a uuid is an ID, anything else a name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncRef {
    Id(String),
    Name(String),
}

impl SyncRef {
    pub fn parse(s: &str) -> SyncRef {
        let s = s.trim();
        if super::connections::is_uuid(s) {
            SyncRef::Id(s.to_owned())
        } else {
            SyncRef::Name(s.to_owned())
        }
    }
}

/// A project environment (from the project's details).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Environment {
    pub id: String,
    pub name: String,
    pub slug: String,
}

/// `check-destination`'s answer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct DuplicateCheck {
    pub has_duplicate: bool,
    pub duplicate_project_id: Option<String>,
}

#[derive(Deserialize)]
struct ListEnvelope {
    #[serde(rename = "secretSyncs", default)]
    secret_syncs: Vec<Value>,
}

#[derive(Deserialize)]
struct OneEnvelope {
    #[serde(rename = "secretSync")]
    secret_sync: Value,
}

fn encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

impl KmsClient {
    /// `GET /api/v1/secret-syncs[/{dest}]?projectId=`: one project's syncs (all destinations
    /// without `dest`). A row this client cannot read is skipped.
    pub async fn list_syncs(
        &self,
        dest: Option<Destination>,
        project_id: &str,
    ) -> Result<Vec<SecretSync>, KmsError> {
        let base = match dest {
            Some(d) => format!("/v1/secret-syncs/{}", d.slug()),
            None => "/v1/secret-syncs".to_owned(),
        };
        let path = format!("{base}?projectId={}", encode(project_id.trim()));
        let env: ListEnvelope = self
            .send_capped(
                Method::GET,
                &path,
                None,
                true,
                http::REQUEST_TIMEOUT,
                http::LIST_BODY_CAP,
            )
            .await?;
        Ok(env
            .secret_syncs
            .into_iter()
            .filter_map(|v| SecretSync::from_value(v).ok())
            .collect())
    }

    /// `GET /{dest}/{id}` or `GET /{dest}/sync-name/{name}?projectId=`.
    pub async fn get_sync(
        &self,
        dest: Destination,
        which: &SyncRef,
        project_id: &str,
    ) -> Result<SecretSync, KmsError> {
        let path = match which {
            SyncRef::Id(id) => format!("/v1/secret-syncs/{}/{}", dest.slug(), encode(id)),
            SyncRef::Name(n) => format!(
                "/v1/secret-syncs/{}/sync-name/{}?projectId={}",
                dest.slug(),
                encode(n),
                encode(project_id.trim())
            ),
        };
        self.one_sync(Method::GET, &path, None).await
    }

    /// `POST /{dest}` with a body from [`crate::apps::sync_spec::SyncDraft::body`]. The server
    /// answers 200 with the row (`syncStatus: "pending"` when auto-sync is on); it never calls
    /// the provider here (§0.1).
    pub async fn create_sync(
        &self,
        dest: Destination,
        body: &Value,
    ) -> Result<SecretSync, KmsError> {
        let path = format!("/v1/secret-syncs/{}", dest.slug());
        match self.one_sync(Method::POST, &path, Some(body)).await {
            // Never retried: the server may have created it before the answer was lost.
            Err(KmsError::Transport { url, failure }) if !failure.proves_nothing_sent() => {
                Err(KmsError::SyncCreateUnconfirmed {
                    url,
                    dest: dest.slug(),
                    name: body["name"].as_str().unwrap_or_default().to_owned(),
                    project: body["projectId"].as_str().unwrap_or_default().to_owned(),
                })
            }
            other => other,
        }
    }

    /// `POST /{dest}/{id}/sync-secrets`: queue a run now (status becomes `pending`).
    pub async fn trigger_sync(&self, dest: Destination, id: &str) -> Result<SecretSync, KmsError> {
        let path = format!(
            "/v1/secret-syncs/{}/{}/sync-secrets",
            dest.slug(),
            encode(id)
        );
        self.one_sync(Method::POST, &path, Some(&json!({}))).await
    }

    /// `DELETE /{dest}/{id}?removeSecrets=`: with `remove_secrets` the row comes back with
    /// `removeStatus: "pending"` and is deleted once the removal succeeds.
    pub async fn delete_sync(
        &self,
        dest: Destination,
        id: &str,
        remove_secrets: bool,
    ) -> Result<SecretSync, KmsError> {
        let path = format!(
            "/v1/secret-syncs/{}/{}?removeSecrets={remove_secrets}",
            dest.slug(),
            encode(id)
        );
        self.one_sync(Method::DELETE, &path, None).await
    }

    /// `POST /{dest}/check-destination`: whether another sync in the organization already
    /// targets this exact destination.
    pub async fn check_sync_destination(
        &self,
        dest: Destination,
        project_id: &str,
        destination_config: &Value,
    ) -> Result<DuplicateCheck, KmsError> {
        let path = format!("/v1/secret-syncs/{}/check-destination", dest.slug());
        let body =
            json!({ "projectId": project_id.trim(), "destinationConfig": destination_config });
        let mut d: DuplicateCheck = self
            .send(
                Method::POST,
                &path,
                Some(&body),
                true,
                http::REQUEST_TIMEOUT,
            )
            .await?;
        d.duplicate_project_id = d.duplicate_project_id.as_deref().map(clean_line);
        Ok(d)
    }

    /// `GET /api/v1/projects/{id}` → `{project: {environments: [{id, name, slug}]}}`
    /// (kms-api.md §10).
    pub async fn project_environments(
        &self,
        project_id: &str,
    ) -> Result<Vec<Environment>, KmsError> {
        #[derive(Deserialize)]
        struct Env {
            project: Project,
        }
        #[derive(Deserialize)]
        struct Project {
            #[serde(default)]
            environments: Vec<Environment>,
        }
        let path = format!("/v1/projects/{}", encode(project_id.trim()));
        let env: Env = self
            .send(Method::GET, &path, None, true, http::REQUEST_TIMEOUT)
            .await?;
        Ok(env
            .project
            .environments
            .into_iter()
            .map(|e| Environment {
                id: e.id,
                name: clean_line(&e.name),
                slug: clean_line(&e.slug),
            })
            .collect())
    }

    async fn one_sync(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<SecretSync, KmsError> {
        let env: OneEnvelope = self
            .send(method, path, body, true, http::REQUEST_TIMEOUT)
            .await?;
        SecretSync::from_value(env.secret_sync).map_err(|e| KmsError::BadResponse {
            url: format!("{}{path}", self.api_base()),
            why: clean_short(&e.to_string(), 100),
        })
    }
}

/// Unix seconds of an RFC 3339 time, when it parses.
pub fn unix_of(t: &str) -> Option<i64> {
    let at = humantime::parse_rfc3339_weak(t.trim().trim_end_matches('Z')).ok()?;
    at.duration_since(std::time::UNIX_EPOCH)
        .ok()
        .and_then(|d| i64::try_from(d.as_secs()).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn teamcity_message_nested_twice_is_plain_text_pointing_at_edit_project() {
        // The shape parseSyncErrorMessage writes for an axios text body inside SecretSyncError.
        let inner = serde_json::to_string(
            "Responding with error, status code: 403 (Forbidden).\nDetails: jetbrains.buildServer.server.rest.errors.AuthorizationFailedException: You do not have \"Edit project\" permission in project with internal id: project2",
        )
        .unwrap();
        let raw = json!({ "secretKey": "DB_URL", "error": inner }).to_string();
        let d = decode_message(&raw, Some(Destination::TeamCity));
        assert_eq!(d.secret_key.as_deref(), Some("DB_URL"));
        assert!(
            d.text
                .starts_with("Responding with error, status code: 403 (Forbidden). Details:"),
            "{}",
            d.text
        );
        assert!(
            !d.text.contains('"') || d.text.contains("\"Edit project\""),
            "{}",
            d.text
        );
        assert!(!d.text.contains('\\'), "{}", d.text);
        assert_eq!(d.points_at.unwrap().what, "Edit project");
    }

    #[test]
    fn northflank_and_bitbucket_bodies_are_unwrapped() {
        let nf_inner = json!({ "error": { "status": 403, "message": "Forbidden: missing permission", "id": "forbidden" } }).to_string();
        let nf = json!({ "message": "Failed to update Northflank secrets. Northflank API returned an error.", "error": nf_inner }).to_string();
        let d = decode_message(&nf, Some(Destination::Northflank));
        assert_eq!(
            d.text,
            "Failed to update Northflank secrets. Northflank API returned an error. Forbidden: missing permission"
        );
        assert_eq!(d.points_at.unwrap().what, "Secret Groups › Update");

        let bb_inner = json!({ "type": "error", "error": { "message": "Your credentials lack one or more required privilege scopes.",
            "detail": { "required": ["admin:pipeline:bitbucket"], "granted": ["read:pipeline:bitbucket"] } } }).to_string();
        let bb = json!({ "error": bb_inner }).to_string();
        let d = decode_message(&bb, Some(Destination::Bitbucket));
        assert!(
            d.text.contains("required: admin:pipeline:bitbucket."),
            "{}",
            d.text
        );
        assert_eq!(d.points_at.unwrap().what, "admin:pipeline:bitbucket");
    }

    #[test]
    fn octopus_raw_body_and_plain_texts() {
        let oc = json!({ "ErrorMessage": "You do not have permission to perform this action. Please contact your Octopus administrator. Missing permission: VariableEdit", "Errors": [] }).to_string();
        let d = decode_message(&oc, Some(Destination::OctopusDeploy));
        assert!(
            d.text.starts_with("You do not have permission"),
            "{}",
            d.text
        );
        assert_eq!(d.points_at.unwrap().kind, "permission");

        let plain = decode_message("Local IPs not allowed as URL", Some(Destination::TeamCity));
        assert_eq!(plain.text, "Local IPs not allowed as URL");
        assert_eq!(plain.points_at.unwrap().kind, "server");

        let plain401 = decode_message(
            "Request failed with status code 401",
            Some(Destination::Bitbucket),
        );
        assert_eq!(plain401.points_at.unwrap().kind, "credential");
        assert_eq!(decode_message("", None).text, "");
    }

    #[test]
    fn hostile_messages_come_out_clean() {
        let raw = json!({ "error": "\"\\u001b]0;pwned\\u0007evil\\u001b[2J\\u202e\"" }).to_string();
        let d = decode_message(&raw, None);
        assert!(
            d.text.chars().all(|c| !c.is_control() && c != '\u{202e}'),
            "{:?}",
            d.text
        );
        assert!(d.text.contains("evil"));
    }

    fn row(status: Option<&str>, updated: &str, message: Option<&str>) -> SecretSync {
        SecretSync::from_value(json!({
            "id": "3b0c2f1e-9a7d-4c55-8e21-6f0a1d2b3c4d", "name": "s\u{1b}[31m", "destination": "teamcity",
            "destinationConfig": { "project": "Backend" }, "syncStatus": status, "updatedAt": updated,
            "lastSyncMessage": message, "folder": { "id": "f", "path": "/" },
            "environment": { "slug": "prod", "name": "Production", "id": "e" },
            "connection": { "app": "teamcity", "name": "ci", "id": "c1" }, "connectionId": "c1",
        }))
        .unwrap()
    }

    #[test]
    fn health_and_counts_follow_the_lifecycle() {
        let now = unix_of("2026-01-01T00:10:00.000Z").unwrap();
        let ok = row(Some("succeeded"), "2026-01-01T00:00:00.000Z", None);
        assert_eq!(ok.name, "s[31m");
        assert!(matches!(ok.health(now), Health::Ok { .. }));
        let running = row(Some("running"), "2026-01-01T00:09:00.000Z", None);
        assert_eq!(
            running.health(now),
            Health::InProgress {
                status: SyncStatus::Running,
                stuck: false
            }
        );
        let stuck = row(Some("pending"), "2026-01-01T00:00:00.000Z", None);
        assert_eq!(stuck.health(now).label(), "… pending (stuck?)");
        let failed = row(
            Some("failed"),
            "2026-01-01T00:00:00.000Z",
            Some("Request failed with status code 401"),
        );
        assert_eq!(failed.health(now).rank(), 5);
        let never = row(None, "2026-01-01T00:00:00.000Z", None);
        assert_eq!(never.health(now), Health::Never);
        let all = [ok, running, stuck, failed, never];
        let counts = SyncCounts::of(&all, now);
        assert_eq!(
            counts.label(),
            "✓ 1 · ✗ 1 failed · … 2 running · 1 never synced"
        );
        assert_eq!(SyncCounts::default().label(), "—");
        assert_eq!(syncs_of_connection(&all, "c1").len(), 5);
        assert_eq!(all[0].source(), "prod:/");
        assert_eq!(all[0].destination_label(), "Backend");
        let unknown = SecretSync::from_value(json!({ "syncStatus": "exploded" })).unwrap();
        assert_eq!(unknown.sync_status, Some(SyncStatus::Unknown));
    }

    #[test]
    fn polling_backs_off_to_five_seconds() {
        let d: Vec<u64> = (0..6).map(|a| poll_delay(a).as_secs()).collect();
        assert_eq!(d, [1, 2, 3, 5, 5, 5]);
        assert_eq!(
            SyncRef::parse("backend-ci"),
            SyncRef::Name("backend-ci".into())
        );
    }
}
