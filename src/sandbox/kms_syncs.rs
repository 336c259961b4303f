//! The KMS server's Secret Sync routes (secret-syncs.md §2–§3): create with the server's own
//! validation (422 zod issues, then the folder, the connection and the duplicate name, each a
//! 400/404 worded like the server), list per project, get by ID or name, trigger, delete with
//! `removeSecrets`, `check-destination`, and the project's details with its environments.
//!
//! A job moves each run pending → running → succeeded/failed within about two seconds. Runs
//! fail for the destinations named in [`super::demo`]'s `SYNC_FAIL_*`, with `lastSyncMessage`
//! in the nested format `parseSyncErrorMessage` writes (secret-sync-fns.ts, secret-sync-queue.ts).
//! Deliberately shares no code with the client (`apps::sync_spec`, `kms::syncs`).

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use serde_json::{Map, Value, json};

use crate::apps::js_text;

use super::envelope::{Failure, json};
use super::fixtures::{self, PROJECT_ID};
use super::kms::{Answer, Kms, authorize};

/// Destinations the sandbox knows, with their display names and whether they import.
const DESTS: [(&str, &str, bool); 4] = [
    ("teamcity", "TeamCity", true),
    ("octopus-deploy", "Octopus Deploy", false),
    ("bitbucket", "Bitbucket", false),
    ("northflank", "Northflank", true),
];

/// Folders that exist in every environment.
const FOLDERS: [&str; 3] = ["/", "/app", "/app/db"];

/// How long each step of a job takes.
const STEP: Duration = Duration::from_millis(800);

#[derive(Default)]
pub(crate) struct Syncs {
    rows: Mutex<Vec<Value>>,
}

impl Syncs {
    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Value>> {
        self.rows.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A sync that already ran when the sandbox starts (for `--demo`): `ok` succeeded,
    /// otherwise failed with the message a run of this destination writes.
    pub(super) fn seed(&self, name: &str, dest: &str, conn: (&str, &str), config: Value, ok: bool) {
        let (conn_name, conn_id) = conn;
        let at = now();
        let mut row = json!({
            "id": uuid::Uuid::new_v4().to_string(), "name": name, "description": null,
            "destination": dest, "destinationConfig": config,
            "syncOptions": { "initialSyncBehavior": "overwrite-destination", "keySchema": "KMS_{{secretKey}}" },
            "isAutoSyncEnabled": true, "version": 1, "projectId": PROJECT_ID,
            "connectionId": conn_id, "folderId": "5a1f0c2e-0000-4000-8000-00000000f01d",
            "createdAt": at, "updatedAt": at, "syncStatus": if ok { "succeeded" } else { "failed" },
            "lastSyncJobId": uuid::Uuid::new_v4().to_string(), "lastSyncMessage": null,
            "lastSyncedAt": if ok { json!(at) } else { Value::Null },
            "importStatus": null, "removeStatus": null,
            "connection": { "app": dest, "name": conn_name, "id": conn_id },
            "environment": { "name": "Production", "slug": "prod", "id": "0c3c6f0e-1d3a-4c55-9a8e-5f0f3b1a2d03" },
            "folder": { "id": "5a1f0c2e-0000-4000-8000-00000000f01d", "path": "/" },
        });
        if !ok {
            row["lastSyncMessage"] = failure(&row).map_or(Value::Null, Value::String);
        }
        self.lock().push(row);
    }

    /// Whether a sync uses the connection: its row then cannot go, as the real server's
    /// foreign key from `secret_syncs.connectionId` refuses (`deleteAppConnection`).
    pub(super) fn use_connection(&self, connection_id: &str) -> bool {
        self.lock()
            .iter()
            .any(|r| r["connectionId"] == connection_id)
    }
}

fn dest_of(
    slug: &str,
    method: &Method,
    uri: &Uri,
) -> Result<(&'static str, &'static str, bool), Failure> {
    DESTS
        .into_iter()
        .find(|(s, _, _)| *s == slug)
        .ok_or_else(|| Failure::route_not_found(method, uri))
}

fn now() -> String {
    humantime::format_rfc3339_millis(SystemTime::now()).to_string()
}

fn issue(path: &[&str], message: &str, code: &str) -> Value {
    json!({ "code": code, "message": message, "path": path })
}

fn is_slug(v: &str) -> bool {
    !v.is_empty()
        && v.split('-').all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

fn slug_issue(
    field: &str,
    key: &str,
    v: Option<&Value>,
    max: usize,
    out: &mut Vec<Value>,
) -> String {
    let Some(s) = v.and_then(Value::as_str) else {
        out.push(issue(&[key], "Required", "invalid_type"));
        return String::new();
    };
    let s = js_text::trim(s);
    if s.is_empty() {
        out.push(issue(
            &[key],
            &format!("{field} field must be at least 1 lowercase character"),
            "too_small",
        ));
    } else if js_text::len(s) > max {
        out.push(issue(
            &[key],
            &format!("{field} field must be at most {max} lowercase characters"),
            "too_big",
        ));
    } else if !is_slug(s) {
        out.push(issue(
            &[key],
            &format!("{field} field can only contain lowercase letters, numbers, and hyphens"),
            "custom",
        ));
    }
    s.to_owned()
}

fn key_schema_ok(v: &str) -> bool {
    let mut rest = v;
    while !rest.is_empty() {
        if let Some(r) = rest
            .strip_prefix("{{secretKey}}")
            .or_else(|| rest.strip_prefix("{{environment}}"))
        {
            rest = r;
            continue;
        }
        let c = rest.chars().next().unwrap_or(' ');
        if !(c.is_ascii_alphanumeric() || "_-/".contains(c)) {
            return false;
        }
        rest = &rest[c.len_utf8()..];
    }
    v.contains("{{secretKey}}")
}

/// The per-destination `destinationConfig` schema; returns the config as stored.
fn dest_config(dest: &str, v: Option<&Value>, out: &mut Vec<Value>) -> Value {
    let Some(Value::Object(c)) = v else {
        out.push(issue(&["destinationConfig"], "Required", "invalid_type"));
        return Value::Null;
    };
    let mut stored = Map::new();
    let mut string = |key: &str,
                      required: Option<&str>,
                      trim: bool,
                      stored: &mut Map<String, Value>| match c.get(key) {
        None | Some(Value::Null) => {
            if required.is_some() {
                out.push(issue(
                    &["destinationConfig", key],
                    "Required",
                    "invalid_type",
                ));
            }
        }
        Some(Value::String(s)) => {
            let s = if trim { js_text::trim(s) } else { s.as_str() };
            if let Some(msg) = required.filter(|m| !m.is_empty() && s.is_empty()) {
                out.push(issue(&["destinationConfig", key], msg, "too_small"));
            }
            stored.insert(key.into(), Value::String(s.into()));
        }
        Some(_) => out.push(issue(
            &["destinationConfig", key],
            "Expected string, received number",
            "invalid_type",
        )),
    };
    match dest {
        "teamcity" => {
            string("project", Some("Project required"), true, &mut stored);
            string("buildConfig", None, true, &mut stored);
        }
        "octopus-deploy" => {
            string("spaceId", Some("Space ID is required"), false, &mut stored);
            string("spaceName", None, false, &mut stored);
            string(
                "projectId",
                Some("Project ID is required"),
                false,
                &mut stored,
            );
            string("projectName", None, false, &mut stored);
            match c.get("scope").and_then(Value::as_str) {
                Some("project") => {
                    stored.insert("scope".into(), json!("project"));
                }
                _ => out.push(issue(
                    &["destinationConfig", "scope"],
                    "Invalid discriminator value. Expected 'project'",
                    "invalid_union_discriminator",
                )),
            }
            if let Some(Value::Object(sv)) = c.get("scopeValues") {
                stored.insert("scopeValues".into(), Value::Object(sv.clone()));
            }
        }
        // z.string() without min: "" passes here and fails at sync time.
        "bitbucket" => {
            string("workspaceSlug", Some(""), false, &mut stored);
            string("repositorySlug", Some(""), false, &mut stored);
            string("environmentId", None, false, &mut stored);
        }
        _ => {
            string(
                "projectId",
                Some("Project ID is required"),
                true,
                &mut stored,
            );
            string("projectName", None, true, &mut stored);
            string(
                "secretGroupId",
                Some("Secret Group ID is required"),
                true,
                &mut stored,
            );
            string("secretGroupName", None, true, &mut stored);
        }
    }
    Value::Object(stored)
}

/// Create: zod first (422), then the folder (400), the connection (404/400), the name (400).
pub(super) async fn create(
    State(kms): State<Arc<Kms>>,
    Path(dest): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    let (dest, dest_name, can_import) = dest_of(&dest, &method, &uri)?;
    authorize(&headers)?;
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let mut issues = Vec::new();
    let name = slug_issue("Name", "name", body.get("name"), 256, &mut issues);
    let project_id = body
        .get("projectId")
        .and_then(Value::as_str)
        .map(str::trim)
        .unwrap_or("")
        .to_owned();
    if project_id.is_empty() {
        issues.push(issue(&["projectId"], "Project ID required", "too_small"));
    }
    let connection_id = body
        .get("connectionId")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    if uuid::Uuid::parse_str(&connection_id).is_err() || connection_id.len() != 36 {
        issues.push(issue(&["connectionId"], "Invalid uuid", "invalid_string"));
    }
    let environment = slug_issue(
        "Environment",
        "environment",
        body.get("environment"),
        64,
        &mut issues,
    );
    let path = body
        .get("secretPath")
        .and_then(Value::as_str)
        .map(str::trim)
        .unwrap_or("");
    if path.is_empty() {
        issues.push(issue(&["secretPath"], "Secret path required", "too_small"));
    }
    let path = match path.trim_end_matches('/') {
        "" => "/".to_owned(),
        p => p.to_owned(),
    };
    let description = body
        .get("description")
        .and_then(Value::as_str)
        .map(|d| js_text::trim(d).to_owned());
    if description.as_ref().is_some_and(|d| js_text::len(d) > 256) {
        issues.push(issue(
            &["description"],
            "Description cannot exceed 256 characters",
            "too_big",
        ));
    }
    let options = body.get("syncOptions").cloned().unwrap_or(Value::Null);
    if !options.is_object() {
        issues.push(issue(&["syncOptions"], "Required", "invalid_type"));
    } else {
        match options.get("initialSyncBehavior").and_then(Value::as_str) {
            None => issues.push(issue(&["syncOptions", "initialSyncBehavior"], "Required", "invalid_type")),
            Some("overwrite-destination") => {}
            Some("import-prioritize-source" | "import-prioritize-destination") if can_import => {}
            Some(_) if !can_import => issues.push(issue(
                &["syncOptions", "initialSyncBehavior"],
                "Invalid literal value, expected \"overwrite-destination\"",
                "invalid_literal",
            )),
            Some(other) => issues.push(issue(
                &["syncOptions", "initialSyncBehavior"],
                &format!("Invalid enum value. Expected 'overwrite-destination' | 'import-prioritize-source' | 'import-prioritize-destination', received '{other}'"),
                "invalid_enum_value",
            )),
        }
        // Newest INF trims the key schema and caps it at 255 (spec §3.1).
        if let Some(s) = options.get("keySchema").and_then(Value::as_str)
            && js_text::len(js_text::trim(s)) > 255
        {
            issues.push(issue(
                &["syncOptions", "keySchema"],
                "String must contain at most 255 character(s)",
                "too_big",
            ));
        } else if let Some(s) = options.get("keySchema").and_then(Value::as_str)
            && !key_schema_ok(js_text::trim(s))
        {
            issues.push(issue(
                &["syncOptions", "keySchema"],
                "Key schema must include exactly one {{secretKey}} placeholder. It can also include {{environment}} placeholders. Only alphanumeric characters (a-z, A-Z, 0-9), dashes (-), underscores (_), and slashes (/) are allowed besides the placeholders.",
                "custom",
            ));
        }
    }
    let config = dest_config(dest, body.get("destinationConfig"), &mut issues);
    if !issues.is_empty() {
        return Err(Failure::validation(issues));
    }
    let env = fixtures::project()["environments"]
        .as_array()
        .and_then(|envs| {
            envs.iter()
                .find(|e| e["slug"] == environment.as_str())
                .cloned()
        });
    let (Some(env), true) = (env, FOLDERS.contains(&path.as_str())) else {
        return Err(Failure::bad_request(format!(
            "Could not find folder with path \"{path}\" in environment \"{environment}\" for project with ID \"{project_id}\""
        )));
    };
    if project_id != PROJECT_ID {
        return Err(Failure::permission_denied("create", "secret-syncs"));
    }
    let conn = kms.store.by_id(&connection_id).ok_or_else(|| {
        Failure::not_found(format!(
            "Could not find App Connection with ID {connection_id}"
        ))
    })?;
    if conn.app != dest {
        let actual = DESTS
            .iter()
            .find(|d| d.0 == conn.app)
            .map_or(conn.app, |d| d.1);
        return Err(Failure::bad_request(format!(
            "{actual} Connection with ID {connection_id} cannot be used to connect to {dest_name}"
        )));
    }
    let auto = body
        .get("isAutoSyncEnabled")
        .and_then(Value::as_bool)
        .unwrap_or(true);
    let row = {
        let mut rows = kms.syncs.lock();
        if rows
            .iter()
            .any(|r| r["name"] == name.as_str() && r["projectId"] == project_id.as_str())
        {
            return Err(Failure::bad_request(format!(
                "A Secret Sync with the name \"{name}\" already exists for the project with ID \"{project_id}\""
            )));
        }
        let id = uuid::Uuid::new_v4().to_string();
        let at = now();
        let row = json!({
            "id": id, "name": name, "description": description, "destination": dest,
            "destinationConfig": config, "syncOptions": options, "isAutoSyncEnabled": auto,
            "version": 1, "projectId": project_id, "connectionId": connection_id,
            "folderId": "5a1f0c2e-0000-4000-8000-00000000f01d", "createdAt": at, "updatedAt": at,
            "syncStatus": if auto { json!("pending") } else { Value::Null },
            "lastSyncJobId": null, "lastSyncMessage": null, "lastSyncedAt": null,
            "importStatus": null, "lastImportJobId": null, "lastImportMessage": null, "lastImportedAt": null,
            "removeStatus": null, "lastRemoveJobId": null, "lastRemoveMessage": null, "lastRemovedAt": null,
            "connection": { "app": conn.app, "name": conn.name, "id": conn.id },
            "environment": env,
            "folder": { "id": "5a1f0c2e-0000-4000-8000-00000000f01d", "path": path },
        });
        rows.push(row.clone());
        row
    };
    // No flag on the connection: its delete looks at the sync rows (`use_connection`), so
    // deleting the last sync frees it, as the real foreign key does.
    if auto {
        spawn_job(
            kms.clone(),
            row["id"].as_str().unwrap_or_default().to_owned(),
        );
    }
    Ok(one(row))
}

fn one(row: Value) -> axum::response::Response {
    json(StatusCode::OK, json!({ "secretSync": row }))
}

/// Runs one job: running after a step, then the outcome after another.
fn spawn_job(kms: Arc<Kms>, id: String) {
    tokio::spawn(async move {
        tokio::time::sleep(STEP).await;
        set(&kms, &id, |r| {
            r["syncStatus"] = json!("running");
            r["updatedAt"] = json!(now());
        });
        tokio::time::sleep(STEP).await;
        set(&kms, &id, |r| {
            let job = uuid::Uuid::new_v4().to_string();
            r["lastSyncJobId"] = json!(job);
            r["updatedAt"] = json!(now());
            match failure(r) {
                Some(message) => {
                    r["syncStatus"] = json!("failed");
                    r["lastSyncMessage"] = json!(message);
                }
                None => {
                    r["syncStatus"] = json!("succeeded");
                    r["lastSyncMessage"] = Value::Null;
                    r["lastSyncedAt"] = json!(now());
                }
            }
        });
    });
}

fn set(kms: &Kms, id: &str, f: impl FnOnce(&mut Value)) {
    if let Some(r) = kms.syncs.lock().iter_mut().find(|r| r["id"] == id) {
        f(r);
    }
}

/// The message a run writes for the failing demo destinations, nested as the server nests it:
/// `JSON.stringify({secretKey?, message?, error?})` with `error` itself a JSON string.
fn failure(row: &Value) -> Option<String> {
    let c = &row["destinationConfig"];
    let s = |k: &str| c.get(k).and_then(Value::as_str).unwrap_or("");
    let stringify = |v: &Value| v.to_string();
    match row["destination"].as_str()? {
        "teamcity" if s("project") != super::demo::TEAMCITY_PROJECT => Some(stringify(&json!({
            "secretKey": "API_URL",
            "error": stringify(&json!(format!(
                "Responding with error, status code: 404 (Not Found).\nDetails: jetbrains.buildServer.server.rest.errors.NotFoundException: No project found by locator 'id:{}'.",
                s("project")
            ))),
        }))),
        "teamcity" if s("buildConfig") == super::demo::SYNC_FAIL_TEAMCITY_BUILD => {
            Some(stringify(&json!({
                "secretKey": "API_URL",
                "error": stringify(&json!("Responding with error, status code: 403 (Forbidden).\nDetails: jetbrains.buildServer.server.rest.errors.AuthorizationFailedException: You do not have \"Edit project\" permission in project with internal id: project2")),
            })))
        }
        "octopus-deploy" if s("projectId") == super::demo::SYNC_FAIL_OCTOPUS_PROJECT => {
            Some(stringify(&json!({
                "ErrorMessage": "You do not have permission to perform this action. Please contact your Octopus administrator. Missing permission: VariableEdit",
                "Errors": [],
            })))
        }
        "bitbucket"
            if s("repositorySlug") == super::demo::SYNC_FAIL_BITBUCKET_REPO
                || s("workspaceSlug").is_empty()
                || s("repositorySlug").is_empty() =>
        {
            Some(stringify(&json!({
                "error": stringify(&json!({ "type": "error", "error": {
                    "message": "Your credentials lack one or more required privilege scopes.",
                    "detail": { "required": ["admin:pipeline:bitbucket"], "granted": ["read:pipeline:bitbucket"] } } })),
            })))
        }
        "northflank" if s("secretGroupId") == super::demo::SYNC_FAIL_NORTHFLANK_GROUP => {
            Some(stringify(&json!({
                "message": "Failed to update Northflank secrets. Northflank API returned an error. Forbidden",
                "error": stringify(&json!({ "error": { "status": 403, "message": "Your API role does not have the permission Project:Secrets:SecretGroups:Update", "id": "forbidden" } })),
            })))
        }
        _ => None,
    }
}

fn query(q: &RawQuery, key: &str) -> Option<String> {
    url::form_urlencoded::parse(q.0.as_deref()?.as_bytes())
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

fn project_param(q: &RawQuery) -> Result<String, Failure> {
    query(q, "projectId")
        .ok_or_else(|| Failure::validation(vec![issue(&["projectId"], "Required", "invalid_type")]))
}

pub(super) async fn list_all(
    State(kms): State<Arc<Kms>>,
    headers: HeaderMap,
    q: RawQuery,
) -> Answer {
    authorize(&headers)?;
    let project = project_param(&q)?;
    let rows: Vec<Value> = kms
        .syncs
        .lock()
        .iter()
        .filter(|r| r["projectId"] == project.as_str())
        .cloned()
        .collect();
    Ok(json(StatusCode::OK, json!({ "secretSyncs": rows })))
}

pub(super) async fn list_dest(
    State(kms): State<Arc<Kms>>,
    Path(dest): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    q: RawQuery,
) -> Answer {
    let (dest, _, _) = dest_of(&dest, &method, &uri)?;
    authorize(&headers)?;
    let project = project_param(&q)?;
    let rows: Vec<Value> = kms
        .syncs
        .lock()
        .iter()
        .filter(|r| r["projectId"] == project.as_str() && r["destination"] == dest)
        .cloned()
        .collect();
    Ok(json(StatusCode::OK, json!({ "secretSyncs": rows })))
}

fn by_id(kms: &Kms, dest: &str, name: &str, id: &str) -> Result<Value, Failure> {
    if uuid::Uuid::parse_str(id).is_err() {
        return Err(Failure::validation(vec![issue(
            &["syncId"],
            "Invalid uuid",
            "invalid_string",
        )]));
    }
    let row = kms
        .syncs
        .lock()
        .iter()
        .find(|r| r["id"] == id)
        .cloned()
        .ok_or_else(|| {
            Failure::not_found(format!("Could not find {name} Sync with ID \"{id}\""))
        })?;
    if row["destination"] != dest {
        return Err(Failure::bad_request(format!(
            "Secret sync with ID \"{id}\" is not configured for {name}"
        )));
    }
    Ok(row)
}

pub(super) async fn get_one(
    State(kms): State<Arc<Kms>>,
    Path((dest, id)): Path<(String, String)>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Answer {
    let (dest, name, _) = dest_of(&dest, &method, &uri)?;
    authorize(&headers)?;
    Ok(one(by_id(&kms, dest, name, &id)?))
}

pub(super) async fn get_by_name(
    State(kms): State<Arc<Kms>>,
    Path((dest, sync_name)): Path<(String, String)>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    q: RawQuery,
) -> Answer {
    let (dest, name, _) = dest_of(&dest, &method, &uri)?;
    authorize(&headers)?;
    let project = project_param(&q)?;
    let row = kms
        .syncs
        .lock()
        .iter()
        .find(|r| {
            r["name"] == sync_name.as_str()
                && r["projectId"] == project.as_str()
                && r["destination"] == dest
        })
        .cloned()
        .ok_or_else(|| {
            Failure::not_found(format!(
                "Could not find {name} Sync with name \"{sync_name}\""
            ))
        })?;
    Ok(one(row))
}

pub(super) async fn trigger(
    State(kms): State<Arc<Kms>>,
    Path((dest, id)): Path<(String, String)>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Answer {
    let (dest, name, _) = dest_of(&dest, &method, &uri)?;
    authorize(&headers)?;
    let row = by_id(&kms, dest, name, &id)?;
    if row["syncStatus"] == "running" {
        return Err(Failure::bad_request(
            "A job for this sync is already in progress. Please try again shortly.",
        ));
    }
    set(&kms, &id, |r| {
        r["syncStatus"] = json!("pending");
        r["updatedAt"] = json!(now());
    });
    spawn_job(kms.clone(), id.clone());
    Ok(one(by_id(&kms, dest, name, &id)?))
}

pub(super) async fn delete(
    State(kms): State<Arc<Kms>>,
    Path((dest, id)): Path<(String, String)>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    q: RawQuery,
) -> Answer {
    let (dest, name, _) = dest_of(&dest, &method, &uri)?;
    authorize(&headers)?;
    let mut row = by_id(&kms, dest, name, &id)?;
    let remove = match query(&q, "removeSecrets").as_deref() {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => {
            return Err(Failure::validation(vec![issue(
                &["removeSecrets"],
                "Invalid enum value. Expected 'true' | 'false'",
                "invalid_enum_value",
            )]));
        }
    };
    if remove {
        // The row goes once the removal job succeeds.
        set(&kms, &id, |r| r["removeStatus"] = json!("pending"));
        row["removeStatus"] = json!("pending");
        let (k, i) = (kms.clone(), id.clone());
        tokio::spawn(async move {
            tokio::time::sleep(STEP).await;
            k.syncs.lock().retain(|r| r["id"] != i.as_str());
        });
    } else {
        kms.syncs.lock().retain(|r| r["id"] != id.as_str());
    }
    Ok(one(row))
}

pub(super) async fn check_destination(
    State(kms): State<Arc<Kms>>,
    Path(dest): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    let (dest, _, _) = dest_of(&dest, &method, &uri)?;
    authorize(&headers)?;
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let config = body
        .get("destinationConfig")
        .cloned()
        .unwrap_or(Value::Null);
    let dup = kms
        .syncs
        .lock()
        .iter()
        .find(|r| r["destination"] == dest && r["destinationConfig"] == config)
        .map(|r| r["projectId"].clone());
    Ok(json(
        StatusCode::OK,
        json!({ "hasDuplicate": dup.is_some(), "duplicateProjectId": dup }),
    ))
}

/// `GET /api/v1/projects/{id}`: the project with its environments.
pub(super) async fn project(Path(id): Path<String>, headers: HeaderMap) -> Answer {
    authorize(&headers)?;
    if id != PROJECT_ID {
        return Err(Failure::not_found(format!(
            "Project with ID '{id}' not found"
        )));
    }
    Ok(json(
        StatusCode::OK,
        json!({ "project": fixtures::project() }),
    ))
}
