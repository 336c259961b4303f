//! Provider listing endpoints for Secret Sync destinations, with enough items to need paging:
//! 120 Bitbucket repositories (numbered pages, `next`), Northflank projects and secret groups
//! behind cursors, and the variable reads a sync makes. Credentials are matched as in
//! `providers.rs`; the listing routes sit in front of each provider's table.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use base64::Engine as _;
use serde_json::{Value, json};

use super::demo;
use super::providers::Provider;

pub(crate) const BITBUCKET_REPOS: usize = 120;
pub(crate) const NORTHFLANK_EXTRA_PROJECTS: usize = 104;
pub(crate) const NORTHFLANK_GROUPS: usize = 130;

fn reply(status: StatusCode, body: Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

fn q(raw: &RawQuery, key: &str) -> Option<String> {
    url::form_urlencoded::parse(raw.0.as_deref()?.as_bytes())
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}

fn basic_token(headers: &HeaderMap) -> Option<String> {
    let raw = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let b64 = raw.strip_prefix("Basic ")?;
    let pair =
        String::from_utf8(base64::engine::general_purpose::STANDARD.decode(b64).ok()?).ok()?;
    let (user, token) = pair.split_once(':')?;
    (user == demo::BITBUCKET_EMAIL).then(|| token.to_owned())
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    let raw = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    raw.strip_prefix("Bearer ").map(str::to_owned)
}

fn bb_error(status: StatusCode, message: &str) -> Response {
    reply(
        status,
        json!({ "type": "error", "error": { "message": message } }),
    )
}

/// Bitbucket: which tokens may read what.
/// None when the token may; otherwise the refusal.
fn bb_refusal(headers: &HeaderMap, pipeline: bool) -> Option<Response> {
    match basic_token(headers).as_deref() {
        Some(demo::BITBUCKET_TOKEN | demo::SLOW_TOKEN | demo::BITBUCKET_TOKEN_READ_PIPELINE) => {
            None
        }
        Some(demo::BITBUCKET_TOKEN_NO_PIPELINE) if !pipeline => None,
        Some(demo::BITBUCKET_TOKEN_NO_PIPELINE) => Some(reply(
            StatusCode::FORBIDDEN,
            json!({ "type": "error", "error": { "message": "Your credentials lack one or more required privilege scopes.",
                "detail": { "required": ["read:pipeline:bitbucket"], "granted": ["read:repository:bitbucket", "read:workspace:bitbucket"] } } }),
        )),
        _ => Some(bb_error(
            StatusCode::UNAUTHORIZED,
            "Token is invalid, expired, or not supported for this endpoint.",
        )),
    }
}

/// A numbered page of `items`, with `size`, `page`, `pagelen` and `next` like Bitbucket.
fn bb_page(uri: &Uri, raw: &RawQuery, items: Vec<Value>) -> Response {
    let pagelen = q(raw, "pagelen")
        .and_then(|v| v.parse().ok())
        .unwrap_or(10usize)
        .clamp(1, 100);
    let page = q(raw, "page")
        .and_then(|v| v.parse().ok())
        .unwrap_or(1usize)
        .max(1);
    let size = items.len();
    let values: Vec<Value> = items
        .into_iter()
        .skip((page - 1) * pagelen)
        .take(pagelen)
        .collect();
    let mut body = json!({ "size": size, "page": page, "pagelen": pagelen, "values": values });
    if page * pagelen < size {
        body["next"] = json!(format!(
            "{}?pagelen={pagelen}&page={}",
            uri.path(),
            page + 1
        ));
    }
    reply(StatusCode::OK, body)
}

async fn bb_repos(Path(ws): Path<String>, uri: Uri, raw: RawQuery, headers: HeaderMap) -> Response {
    if let Some(r) = bb_refusal(&headers, false) {
        return r;
    }
    if ws != "kms-demo" {
        return bb_error(StatusCode::NOT_FOUND, "Resource not found");
    }
    let repos = (1..=BITBUCKET_REPOS)
        .map(|i| {
            let slug = if i == 1 { "api".to_owned() } else { format!("repo-{i:03}") };
            json!({ "type": "repository", "slug": slug, "name": slug, "full_name": format!("kms-demo/{slug}") })
        })
        .chain(std::iter::once(json!({ "type": "repository", "slug": demo::SYNC_FAIL_BITBUCKET_REPO,
            "name": "Locked", "full_name": format!("kms-demo/{}", demo::SYNC_FAIL_BITBUCKET_REPO) })))
        .collect();
    bb_page(&uri, &raw, repos)
}

async fn bb_environments(
    Path((_ws, _repo)): Path<(String, String)>,
    uri: Uri,
    raw: RawQuery,
    headers: HeaderMap,
) -> Response {
    if let Some(r) = bb_refusal(&headers, true) {
        return r;
    }
    let envs = ["Test", "Staging", "Production"]
        .iter()
        .enumerate()
        .map(|(i, n)| {
            json!({ "type": "deployment_environment", "name": n, "slug": n.to_lowercase(),
            "uuid": format!("{{9b7c0000-0000-4000-8000-00000000000{i}}}") })
        })
        .collect();
    bb_page(&uri, &raw, envs)
}

/// The variables list as the server reads it: 12 variables, Bitbucket's default page of 10.
async fn bb_variables(uri: Uri, raw: RawQuery, headers: HeaderMap) -> Response {
    if let Some(r) = bb_refusal(&headers, true) {
        return r;
    }
    let vars = (1..=12)
        .map(|i| {
            let key = if i <= 4 { format!("KMS_OLD_{i}") } else { format!("LOCAL_{i}") };
            json!({ "type": "pipeline_variable", "uuid": format!("{{var-{i}}}"), "key": key, "secured": true })
        })
        .collect();
    bb_page(&uri, &raw, vars)
}

pub(crate) fn bitbucket(provider: Router) -> Router {
    Router::new()
        .route("/2.0/repositories/{ws}", get(bb_repos))
        .route(
            "/2.0/repositories/{ws}/{repo}/environments",
            get(bb_environments),
        )
        .route(
            "/2.0/repositories/{ws}/{repo}/pipelines_config/variables/",
            get(bb_variables),
        )
        .route(
            "/2.0/repositories/{ws}/{repo}/pipelines_config/variables",
            get(bb_variables),
        )
        .route(
            "/2.0/repositories/{ws}/{repo}/deployments_config/environments/{env}/variables/",
            get(bb_variables),
        )
        .merge(provider)
}

/// Northflank: a cursor page of `items` (`per_page`, `cursor` = the next index).
fn nf_page(raw: &RawQuery, field: &str, items: Vec<Value>) -> Response {
    let per = q(raw, "per_page")
        .and_then(|v| v.parse().ok())
        .unwrap_or(50usize)
        .clamp(1, 100);
    let start = q(raw, "cursor")
        .and_then(|c| c.strip_prefix("next-").and_then(|n| n.parse().ok()))
        .unwrap_or(0usize);
    let count = items.len();
    let page: Vec<Value> = items.into_iter().skip(start).take(per).collect();
    let more = start + per < count;
    let mut pagination = json!({ "hasNextPage": more, "count": page.len() });
    if more {
        pagination["cursor"] = json!(format!("next-{}", start + per));
    }
    reply(
        StatusCode::OK,
        json!({ "data": { field: page }, "pagination": pagination }),
    )
}

fn nf_ok(headers: &HeaderMap) -> bool {
    matches!(
        bearer(headers).as_deref(),
        Some(
            demo::NORTHFLANK_TOKEN
                | demo::SLOW_TOKEN
                | demo::NORTHFLANK_TOKEN_NO_UPDATE
                | demo::EXPIRING_TOKEN
                | demo::NORTHFLANK_ORG_TOKEN
        )
    )
}

/// With `per_page` it is a listing; without, the credential check (the provider's table).
async fn nf_projects(
    State(table): State<Arc<Provider>>,
    uri: Uri,
    raw: RawQuery,
    headers: HeaderMap,
) -> Response {
    if q(&raw, "per_page").is_none() || !nf_ok(&headers) {
        return table.answer(uri.path(), &headers).send().await;
    }
    let projects = std::iter::once(json!({ "id": "web", "name": "Web", "description": "Demo" }))
        .chain(
            (1..=NORTHFLANK_EXTRA_PROJECTS)
                .map(|i| json!({ "id": format!("svc-{i:03}"), "name": format!("Service {i:03}") })),
        )
        .collect();
    nf_page(&raw, "projects", projects)
}

async fn nf_groups(
    State(table): State<Arc<Provider>>,
    Path(project): Path<String>,
    uri: Uri,
    raw: RawQuery,
    headers: HeaderMap,
) -> Response {
    // A project the listing does not hold is the table's 404, as for the credential check.
    let known = project == "web"
        || project
            .strip_prefix("svc-")
            .and_then(|n| n.parse::<usize>().ok())
            .is_some_and(|n| (1..=NORTHFLANK_EXTRA_PROJECTS).contains(&n));
    if q(&raw, "per_page").is_none() || !nf_ok(&headers) || !known {
        return table.answer(uri.path(), &headers).send().await;
    }
    let groups: Vec<Value> =
        if project == "web" {
            std::iter::once(json!({ "id": "app-env", "name": "App env" }))
                .chain(std::iter::once(
                    json!({ "id": demo::SYNC_FAIL_NORTHFLANK_GROUP, "name": "Locked" }),
                ))
                .chain((3..=NORTHFLANK_GROUPS).map(
                    |i| json!({ "id": format!("group-{i:03}"), "name": format!("Group {i:03}") }),
                ))
                .collect()
        } else {
            vec![json!({ "id": "env", "name": "Env" })]
        };
    nf_page(&raw, "secrets", groups)
}

pub(crate) fn northflank(table: Provider, provider: Router) -> Router {
    Router::new()
        .route("/v1/projects", get(nf_projects))
        .route("/v1/projects/{project}/secrets", get(nf_groups))
        .with_state(Arc::new(table))
        .merge(provider)
}
