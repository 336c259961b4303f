//! The KMS server: routes, auth, universal-auth login with lockout, project discovery and
//! the app-connection list/get/create routes (spec kms-api.md §2–§11).

use std::sync::Arc;
use std::time::SystemTime;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Extension, Path, RawQuery, Request, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::middleware::{Next, from_fn, from_fn_with_state};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};

use super::app_specs::{self, APPS, AppSpec};
use super::auth::{self, Auth, Caller};
use super::envelope::{Failure, json};
use super::fixtures::{self, ACCESS_TOKEN, PROJECT_ID};
use super::store::{AppConnection, Store};
use super::{validate, verify};

pub(super) type Answer = Result<Response, Failure>;

pub(crate) struct Kms {
    pub(super) store: Store,
    auth: Auth,
    pub(super) http: reqwest::Client,
    pub(super) endpoints: verify::Endpoints,
    pub(super) syncs: super::kms_syncs::Syncs,
}

impl Kms {
    pub(crate) fn new(endpoints: verify::Endpoints) -> anyhow::Result<Self> {
        Ok(Self {
            store: Store::default(),
            auth: Auth::default(),
            http: verify::client()?,
            endpoints,
            syncs: Default::default(),
        })
    }

    pub(crate) fn connections(&self) -> Vec<Value> {
        self.store
            .list(None, None)
            .iter()
            .filter_map(|conn| serde_json::to_value(conn).ok())
            .collect()
    }

    pub(crate) fn auth(&self) -> &Auth {
        &self.auth
    }
}

pub(crate) fn router(kms: Arc<Kms>) -> Router {
    let api = Router::new()
        .route("/api/status", get(status))
        .route(
            "/api/v1/auth/universal-auth/login",
            axum::routing::post(login),
        )
        .route("/api/v1/projects", get(projects))
        .route("/api/v1/identities/details", get(identity_details))
        .route("/api/v1/app-connections", get(list_all))
        .route("/api/v1/app-connections/options", get(options))
        .route("/api/v1/app-connections/{app}", get(list_app).post(create))
        .route(
            "/api/v1/app-connections/{app}/{id}",
            get(get_by_id)
                .patch(super::kms_changes::update)
                .delete(super::kms_changes::delete),
        )
        .route(
            "/api/v1/app-connections/{app}/connection-name/{name}",
            get(get_by_name),
        )
        .route("/api/v1/projects/{id}", get(super::kms_syncs::project))
        .route("/api/v1/secret-syncs", get(super::kms_syncs::list_all))
        .route(
            "/api/v1/secret-syncs/{dest}",
            get(super::kms_syncs::list_dest).post(super::kms_syncs::create),
        )
        .route(
            "/api/v1/secret-syncs/{dest}/check-destination",
            axum::routing::post(super::kms_syncs::check_destination),
        )
        .route(
            "/api/v1/secret-syncs/{dest}/{id}",
            get(super::kms_syncs::get_one).delete(super::kms_syncs::delete),
        )
        .route(
            "/api/v1/secret-syncs/{dest}/sync-name/{name}",
            get(super::kms_syncs::get_by_name),
        )
        .route(
            "/api/v1/secret-syncs/{dest}/{id}/sync-secrets",
            axum::routing::post(super::kms_syncs::trigger),
        )
        .method_not_allowed_fallback(not_found)
        .fallback(not_found)
        .layer(from_fn_with_state(kms.clone(), auth::resolve_tokens))
        .with_state(kms);
    // Fastify runs with `ignoreTrailingSlash`; rewrite before the inner router matches.
    Router::new()
        .fallback_service(api)
        .layer(from_fn(strip_trailing_slash))
}

async fn strip_trailing_slash(mut request: Request, next: Next) -> Response {
    let uri = request.uri();
    let path = uri.path();
    if path.len() > 1 && path.ends_with('/') {
        let trimmed = path.trim_end_matches('/');
        let rebuilt = match uri.query() {
            Some(query) => format!("{trimmed}?{query}"),
            None => trimmed.to_string(),
        };
        if let Ok(new_uri) = rebuilt.parse::<Uri>() {
            *request.uri_mut() = new_uri;
        }
    }
    next.run(request).await
}

/// Unknown `/api` routes get Fastify's 404; anything else is the web UI (an SPA page).
async fn not_found(method: Method, uri: Uri) -> Response {
    if uri.path() == "/api" || uri.path().starts_with("/api/") {
        Failure::route_not_found(&method, &uri).into_response()
    } else {
        Html("<!doctype html><html><head><title>Hanzo KMS</title></head><body><div id=\"root\">Hanzo KMS (sandbox)</div></body></html>").into_response()
    }
}

async fn status() -> Response {
    json(
        StatusCode::OK,
        json!({
            "date": now(),
            "message": "Ok",
            "emailConfigured": false,
            "inviteOnlySignup": false,
            "redisConfigured": true,
            "secretScanningConfigured": false,
        }),
    )
}

async fn login(State(kms): State<Arc<Kms>>, body: Bytes) -> Answer {
    let login = validate::login(&body).map_err(Failure::validation)?;
    let (token, ttl) = kms.auth.login(&login)?;
    Ok(json(
        StatusCode::OK,
        json!({
            "accessToken": token,
            "expiresIn": ttl,
            "accessTokenMaxTTL": ttl,
            "tokenType": "Bearer",
        }),
    ))
}

async fn projects(caller: Option<Extension<Caller>>, headers: HeaderMap) -> Answer {
    authorize(&headers)?;
    let visible: Vec<Value> = match caller {
        Some(Extension(c)) if !c.sees_projects => Vec::new(),
        _ => vec![fixtures::project()],
    };
    Ok(json(StatusCode::OK, json!({ "projects": visible })))
}

async fn identity_details(headers: HeaderMap) -> Answer {
    authorize(&headers)?;
    Ok(json(
        StatusCode::OK,
        json!({ "identityDetails": { "organization": fixtures::organization() } }),
    ))
}

async fn options(headers: HeaderMap) -> Answer {
    authorize(&headers)?;
    let mut options: Vec<Value> = APPS
        .iter()
        .map(|spec| json!({ "name": spec.name, "app": spec.slug, "methods": [spec.method] }))
        .collect();
    options.sort_by_key(|o| o["name"].as_str().unwrap_or_default().to_string());
    Ok(json(
        StatusCode::OK,
        json!({ "appConnectionOptions": options }),
    ))
}

async fn list_all(
    State(kms): State<Arc<Kms>>,
    caller: Option<Extension<Caller>>,
    headers: HeaderMap,
    query: RawQuery,
) -> Answer {
    authorize(&headers)?;
    let project_id = query_param(&query, "projectId");
    may_list(caller, project_id.as_deref())?;
    Ok(connections(kms.store.list(None, project_id.as_deref())))
}

/// Without a project a list needs the org-level read permission (spec §9).
fn may_list(caller: Option<Extension<Caller>>, project_id: Option<&str>) -> Result<(), Failure> {
    if project_id.is_none() && caller.is_some_and(|Extension(c)| !c.reads_org_connections) {
        return Err(Failure::permission_denied("read", "app-connections"));
    }
    Ok(())
}

async fn list_app(
    State(kms): State<Arc<Kms>>,
    Path(app): Path<String>,
    caller: Option<Extension<Caller>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    query: RawQuery,
) -> Answer {
    let spec = known_app(&app, &method, &uri)?;
    authorize(&headers)?;
    let project_id = query_param(&query, "projectId");
    may_list(caller, project_id.as_deref())?;
    Ok(connections(
        kms.store.list(Some(spec.slug), project_id.as_deref()),
    ))
}

async fn get_by_id(
    State(kms): State<Arc<Kms>>,
    Path((app, id)): Path<(String, String)>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Answer {
    let spec = known_app(&app, &method, &uri)?;
    authorize(&headers)?;
    Ok(connection(existing(&kms, spec, &id)?))
}

/// The connection with this ID, checked the way every by-ID route checks it: a uuid (422),
/// known (404), and of this app (400).
pub(super) fn existing(kms: &Kms, spec: &AppSpec, id: &str) -> Result<AppConnection, Failure> {
    uuid_param(id)?;
    let conn = kms
        .store
        .by_id(id)
        .ok_or_else(|| Failure::not_found(format!("Could not find App Connection with ID {id}")))?;
    if conn.app != spec.slug {
        return Err(Failure::bad_request(format!(
            "App Connection with ID {id} is not for App \"{}\"",
            spec.slug
        )));
    }
    Ok(conn)
}

/// The `connectionId` path parameter, as zod checks it before any handler runs (422).
pub(super) fn uuid_param(id: &str) -> Result<(), Failure> {
    if is_uuid(id) {
        return Ok(());
    }
    Err(Failure::validation(vec![json!({
        "validation": "uuid",
        "code": "invalid_string",
        "message": "Invalid uuid",
        "path": ["connectionId"],
    })]))
}

async fn get_by_name(
    State(kms): State<Arc<Kms>>,
    Path((app, name)): Path<(String, String)>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    query: RawQuery,
) -> Answer {
    let spec = known_app(&app, &method, &uri)?;
    authorize(&headers)?;
    let name = crate::apps::js_text::trim(&name);
    let project_id = query_param(&query, "projectId");
    let project_id = project_id.as_deref().map(str::trim);
    let conn = kms.store.by_name(name, project_id).ok_or_else(|| {
        let scope = if project_id.is_some() {
            "project"
        } else {
            "organization"
        };
        Failure::not_found(format!(
            "Could not find App Connection with name {name} in {scope} scope."
        ))
    })?;
    if conn.app != spec.slug {
        return Err(Failure::bad_request(format!(
            "App Connection with name {name} is not for App \"{}\"",
            spec.slug
        )));
    }
    Ok(connection(conn))
}

/// Create: validation, project, live provider check, then the unique insert — the real
/// order, so a duplicate with bad credentials reports the credential error first.
async fn create(
    State(kms): State<Arc<Kms>>,
    Path(app): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    let spec = known_app(&app, &method, &uri)?;
    authorize(&headers)?;
    let conn = validate::create(spec, &body).map_err(Failure::validation)?;
    if let Some(project_id) = conn.project_id.as_deref().filter(|id| *id != PROJECT_ID) {
        return Err(Failure::bad_request(format!(
            "Could not find project with ID {project_id}"
        )));
    }
    verify::credentials(&kms.http, spec, &conn, &kms.endpoints)
        .await
        .map_err(Failure::bad_request)?;
    if !validate::fits_columns(conn.description.as_deref()) {
        return Err(Failure::database());
    }
    let stored = kms.store.insert(spec, conn).map_err(Failure::bad_request)?;
    Ok(connection(stored))
}

/// `Authorization: Bearer <token>`. Like the server, the scheme word is not checked: it
/// takes everything after the first 7 characters.
pub(super) fn authorize(headers: &HeaderMap) -> Result<(), Failure> {
    let value = headers
        .get(header::AUTHORIZATION)
        .map(header::HeaderValue::as_bytes)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| Failure::unauthorized("Token missing"))?;
    if value.get(7..) == Some(ACCESS_TOKEN.as_bytes()) {
        Ok(())
    } else {
        Err(Failure::malformed_token())
    }
}

/// Routes exist only for known apps: anything else is Fastify's 404, before auth runs.
pub(super) fn known_app(
    slug: &str,
    method: &Method,
    uri: &Uri,
) -> Result<&'static AppSpec, Failure> {
    app_specs::find(slug).ok_or_else(|| Failure::route_not_found(method, uri))
}

/// A query parameter; an empty value counts as absent, as `if (projectId)` does in JS.
fn query_param(query: &RawQuery, key: &str) -> Option<String> {
    let raw = query.0.as_deref()?;
    url::form_urlencoded::parse(raw.as_bytes())
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
        .filter(|v| !v.is_empty())
}

pub(super) fn connection(conn: AppConnection) -> Response {
    json(StatusCode::OK, json!({ "appConnection": conn }))
}

fn connections(list: Vec<AppConnection>) -> Response {
    json(StatusCode::OK, json!({ "appConnections": list }))
}

/// zod's `.uuid()`: 8-4-4-4-12 hex digits, any version.
fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        })
}

fn now() -> String {
    humantime::format_rfc3339_millis(SystemTime::now()).to_string()
}
