//! The four credential providers (spec providers.md §0 and rows T1, O1, B1, N2).
//!
//! Each provider is data: the path of its credential-check route, how a credential is
//! presented, a table of credential → reply rows, the reply for anything else, and a few
//! fixed pages. New states (expiring token, read-only key, redirect, 429 with Retry-After…)
//! are new rows.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::Response;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use super::demo;
use super::reply::Reply;

/// How the check route expects the credential.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Scheme {
    /// `Authorization: Bearer <secret>`.
    Bearer,
    /// `Authorization: Basic base64(user:secret)`.
    Basic,
    /// A custom header carrying the secret as is.
    Header(&'static str),
}

/// A credential as found in a request.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Presented {
    pub user: Option<String>,
    pub secret: String,
}

/// One table row: when the presented credential matches, answer `reply`.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    /// Required user (Basic auth); None matches any user, or none.
    pub user: Option<&'static str>,
    pub secret: &'static str,
    pub reply: Reply,
}

pub(crate) struct Provider {
    pub check_path: &'static str,
    pub scheme: Scheme,
    pub rows: Vec<Row>,
    /// Missing credential, wrong scheme, or no matching row.
    pub rejected: Reply,
    /// Further authenticated read-only routes (the deep checks), each with its own rows; a
    /// credential without a row gets `rejected`.
    pub routes: Vec<(&'static str, Vec<Row>)>,
    /// Other fixed paths (web UI pages, API roots).
    pub pages: Vec<(&'static str, Reply)>,
    pub not_found: Reply,
}

impl Scheme {
    fn read(self, headers: &HeaderMap) -> Option<Presented> {
        let value = |name| headers.get(name).and_then(|v| v.to_str().ok());
        let after_scheme = |scheme: &str| {
            let raw = value(header::AUTHORIZATION.as_str())?;
            let (word, rest) = raw.split_once(' ')?;
            word.eq_ignore_ascii_case(scheme).then(|| rest.trim())
        };
        match self {
            Scheme::Bearer => after_scheme("Bearer").map(|secret| Presented {
                user: None,
                secret: secret.to_string(),
            }),
            Scheme::Basic => {
                let decoded = STANDARD.decode(after_scheme("Basic")?).ok()?;
                let pair = String::from_utf8(decoded).ok()?;
                let (user, secret) = pair.split_once(':')?;
                Some(Presented {
                    user: Some(user.to_string()),
                    secret: secret.to_string(),
                })
            }
            Scheme::Header(name) => value(name).map(|secret| Presented {
                user: None,
                secret: secret.to_string(),
            }),
        }
    }
}

impl Row {
    fn secret(secret: &'static str, reply: Reply) -> Self {
        Self {
            user: None,
            secret,
            reply,
        }
    }

    fn user(user: &'static str, secret: &'static str, reply: Reply) -> Self {
        Self {
            user: Some(user),
            secret,
            reply,
        }
    }

    fn matches(&self, presented: &Presented) -> bool {
        self.secret == presented.secret
            && self
                .user
                .is_none_or(|user| presented.user.as_deref() == Some(user))
    }
}

impl Provider {
    /// The reply for a request (method is ignored: every route here is a GET).
    pub(crate) fn answer(&self, path: &str, headers: &HeaderMap) -> Reply {
        if path == self.check_path {
            let presented = self.scheme.read(headers);
            return presented
                .and_then(|p| self.rows.iter().find(|row| row.matches(&p)))
                .map_or_else(|| self.rejected.clone(), |row| row.reply.clone());
        }
        if let Some((_, rows)) = self.routes.iter().find(|(route, _)| *route == path) {
            let presented = self.scheme.read(headers);
            return presented
                .and_then(|p| rows.iter().find(|row| row.matches(&p)))
                .map_or_else(|| self.rejected.clone(), |row| row.reply.clone());
        }
        self.pages
            .iter()
            .find(|(page, _)| *page == path)
            .map_or_else(|| self.not_found.clone(), |(_, reply)| reply.clone())
    }
}

pub(crate) fn router(provider: Provider) -> Router {
    Router::new().fallback(serve).with_state(Arc::new(provider))
}

async fn serve(State(provider): State<Arc<Provider>>, uri: Uri, headers: HeaderMap) -> Response {
    provider.answer(uri.path(), &headers).send().await
}

/// `demo::SLOW_TOKEN` answers like the good credential, but only after this long.
const SLOW: Duration = Duration::from_secs(5);

/// The good credential's reply, plus the same reply delayed for the slow token.
fn good_rows(good: Row) -> Vec<Row> {
    let slow = Row::secret(demo::SLOW_TOKEN, good.reply.clone().after(SLOW));
    vec![good, slow]
}

/// A route's rows: the good credential's reply (also for the slow token), then special ones.
fn route(
    path: &'static str,
    good: (&'static str, Reply),
    special: Vec<(&'static str, Reply)>,
) -> (&'static str, Vec<Row>) {
    let mut rows = vec![
        Row::secret(good.0, good.1.clone()),
        Row::secret(demo::SLOW_TOKEN, good.1),
    ];
    rows.extend(special.into_iter().map(|(s, r)| Row::secret(s, r)));
    (path, rows)
}

/// A time `days` from now (negative: ago), as RFC 3339 in UTC.
fn in_days(days: i64) -> String {
    let now = std::time::SystemTime::now();
    let shift = Duration::from_secs(days.unsigned_abs() * 86_400);
    let at = if days >= 0 { now + shift } else { now - shift };
    humantime::format_rfc3339_seconds(at).to_string()
}

/// The same time in TeamCity's `yyyyMMdd'T'HHmmss+0000`.
fn teamcity_time(days: i64) -> String {
    in_days(days).replace(['-', ':'], "").replace('Z', "+0000")
}

/// `429 Too Many Requests` with `Retry-After: 30`.
fn rate_limited(body: Reply) -> Row {
    Row::secret(demo::RATE_LIMITED_TOKEN, body.header("retry-after", "30"))
}

/// A redirect to `to` (relative), as proxies and http→https setups answer.
fn moved(to: &str) -> Reply {
    Reply::text(StatusCode::MOVED_PERMANENTLY, "").header("location", to)
}

fn page(title: &str) -> Reply {
    Reply::html(
        StatusCode::OK,
        format!(
            "<!doctype html><html><head><title>{title}</title></head><body><h1>{title}</h1></body></html>"
        ),
    )
}

/// TeamCity: `GET /app/rest/server` with a Bearer access token. Error bodies carry
/// `TeamCity-Node-Id`, the marker clients use to tell TeamCity from a proxy. Current versions
/// answer JSON `{"errors": [{"message", "additionalMessage", "statusText"}]}` (JetBrains'
/// REST API docs, "REST API errors"); versions before 2020.2 answered text/plain, which
/// [`demo::LEGACY_TEAMCITY_PATH`] serves.
pub(crate) fn teamcity(base_url: &str) -> Provider {
    let node = ("teamcity-node-id", "MAIN_SERVER");
    let server = Reply::json(
        StatusCode::OK,
        json!({
            "version": "2025.07 (build 197398)",
            "versionMajor": 2025,
            "versionMinor": 7,
            "buildNumber": "197398",
            "webUrl": base_url,
        }),
    )
    .header(node.0, node.1);
    let json = |body| Reply::json(StatusCode::OK, body).header(node.0, node.1);
    let user = json(
        json!({ "id": 7, "username": "svc-kms", "name": "KMS sync", "email": "ci@example.com" }),
    );
    let restriction = |perm: &str, name: &str| {
        json!({ "isGlobalScope": false, "project": { "id": "Backend", "name": "Backend" },
                "permission": { "id": perm, "name": name } })
    };
    let tokens = |token| json(json!({ "count": 1, "token": [token] }));
    let project_token = tokens(json!({
        "name": "kms-backend", "creationTime": teamcity_time(-30), "expirationTime": teamcity_time(335),
        "permissionRestrictions": { "permissionRestriction": [
            restriction("view_project", "View project"),
            restriction("view_build_configuration_settings", "View build configuration settings"),
        ] },
    }));
    // Shaped as TeamCity answers `GET /app/rest/projects?fields=project(id,name,buildTypes(
    // buildType(id,name)))` and `GET /app/rest/{projects/id:X|buildTypes/X}/parameters`
    // (JetBrains, "TeamCity REST API: Manage Projects" and "Manage Typed Parameters":
    // `{count, href, property:[{name, value, inherited?, type:{rawValue}}]}`; password values
    // come back empty, `inherited` is only present when true).
    let build_types = |ids: &[(&str, &str)]| {
        let list: Vec<_> = ids
            .iter()
            .map(|(id, name)| json!({ "id": id, "name": name, "projectId": "Backend" }))
            .collect();
        json!({ "count": list.len(), "buildType": list })
    };
    let projects = json(json!({ "count": 2, "project": [
        { "id": "_Root", "name": "<Root project>", "buildTypes": build_types(&[]) },
        { "id": "Backend", "name": "Backend", "buildTypes": build_types(&[
            (demo::TEAMCITY_BUILD, "Deploy"),
            (demo::SYNC_FAIL_TEAMCITY_BUILD, "Locked (the sync's writes are refused)"),
        ]) } ] }));
    let password = json!({ "rawValue": "password" });
    let parameters = |href: String, props: Vec<Value>| {
        json(json!({ "count": props.len(), "href": href, "property": props }))
    };
    let project_params = parameters(
        "/app/rest/projects/id:Backend/parameters".into(),
        vec![
            json!({ "name": "env.KMS_API_URL", "value": "", "type": password }),
            json!({ "name": "env.KMS_DB_URL", "value": "", "type": password }),
            json!({ "name": "env.LEGACY_TOKEN", "value": "", "type": password }),
            json!({ "name": "env.ROOT_PROXY", "value": "http://proxy:3128", "inherited": true }),
            json!({ "name": "teamcity.ui.settings.readOnly", "value": "false" }),
        ],
    );
    let build_params = |id: &str| {
        parameters(
            format!("/app/rest/buildTypes/id:{id}/parameters"),
            vec![
                json!({ "name": "env.KMS_API_URL", "value": "", "inherited": true, "type": password }),
                json!({ "name": "env.KMS_DEPLOY_KEY", "value": "", "type": password }),
                json!({ "name": "system.deploy.target", "value": "staging" }),
            ],
        )
    };
    let backend_links = |types: &[&str]| {
        let links: Vec<_> = types.iter().map(|t| json!({ "type": t })).collect();
        json!({ "id": "Backend", "name": "Backend", "links": { "link": links } })
    };
    let mut editable = backend_links(&["webView", "webViewSettings", "webEdit"]);
    editable["uuid"] = json!("8d1c7bd4-0a34-4a5e-9d7c-0d3a3b2f1e11");
    let mut rows = good_rows(Row::secret(demo::TEAMCITY_TOKEN, server.clone()));
    rows.push(Row::secret(demo::EXPIRING_TOKEN, server.clone()));
    rows.push(Row::secret(demo::TEAMCITY_PROJECT_TOKEN, server));
    rows.push(rate_limited(Reply::text(
        StatusCode::TOO_MANY_REQUESTS,
        "Too many requests",
    )));
    let both = |reply: Reply| {
        vec![
            (demo::EXPIRING_TOKEN, reply.clone()),
            (demo::TEAMCITY_PROJECT_TOKEN, reply),
        ]
    };
    Provider {
        check_path: "/app/rest/server",
        scheme: Scheme::Bearer,
        rows,
        routes: vec![
            route(
                "/app/rest/users/current",
                (demo::TEAMCITY_TOKEN, user.clone()),
                both(user),
            ),
            route(
                "/app/rest/users/current/tokens",
                (
                    demo::TEAMCITY_TOKEN,
                    tokens(json!({ "name": "kms-connect", "creationTime": teamcity_time(-30) })),
                ),
                vec![
                    (
                        demo::EXPIRING_TOKEN,
                        tokens(
                            json!({ "name": "kms-connect", "creationTime": teamcity_time(-30), "expirationTime": teamcity_time(5) }),
                        ),
                    ),
                    (demo::TEAMCITY_PROJECT_TOKEN, project_token),
                ],
            ),
            route(
                "/app/rest/projects",
                (demo::TEAMCITY_TOKEN, projects.clone()),
                both(projects),
            ),
            route(
                "/app/rest/projects/id:Backend/parameters",
                (demo::TEAMCITY_TOKEN, project_params.clone()),
                both(project_params),
            ),
            route(
                "/app/rest/buildTypes/Backend_Deploy/parameters",
                (demo::TEAMCITY_TOKEN, build_params(demo::TEAMCITY_BUILD)),
                both(build_params(demo::TEAMCITY_BUILD)),
            ),
            route(
                "/app/rest/buildTypes/Backend_Locked/parameters",
                (demo::TEAMCITY_TOKEN, build_params(demo::SYNC_FAIL_TEAMCITY_BUILD)),
                both(build_params(demo::SYNC_FAIL_TEAMCITY_BUILD)),
            ),
            route(
                "/app/rest/projects/id:Backend",
                (demo::TEAMCITY_TOKEN, json(editable.clone())),
                vec![
                    (demo::EXPIRING_TOKEN, json(editable)),
                    (
                        demo::TEAMCITY_PROJECT_TOKEN,
                        json(backend_links(&["webView", "webViewSettings"])),
                    ),
                ],
            ),
        ],
        rejected: errors(
            StatusCode::UNAUTHORIZED,
            "Authentication required",
            "To login manually go to \"/login.html\" page",
        )
        .header(node.0, node.1)
        .header("www-authenticate", "Bearer realm=\"TeamCity\""),
        pages: vec![
            (
                "/legacy/app/rest/server",
                Reply::text(
                    StatusCode::UNAUTHORIZED,
                    "Authentication required\nTo login manually go to \"/login.html\" page",
                )
                .header(node.0, node.1)
                .header("www-authenticate", "Bearer realm=\"TeamCity\""),
            ),
            ("/", page("TeamCity")),
            ("/old/app/rest/server", moved("/app/rest/server")),
            ("/web/app/rest/server", page("TeamCity")),
        ],
        not_found: errors(
            StatusCode::NOT_FOUND,
            "Could not find the entity requested. Check the reference is correct and the user has permissions to access the entity.",
            "",
        )
        .header(node.0, node.1),
    }
}

/// TeamCity's JSON error body.
fn errors(status: StatusCode, message: &str, additional: &str) -> Reply {
    let status_text = status.canonical_reason().unwrap_or_default();
    Reply::json(
        status,
        json!({ "errors": [{ "message": message, "additionalMessage": additional,
                             "statusText": status_text }] }),
    )
}

/// Octopus Deploy: `GET /api/users/me` with `X-Octopus-ApiKey`. Errors use the top-level
/// `{ErrorMessage, Errors, FullException}` envelope.
pub(crate) fn octopus() -> Provider {
    let error = |status, message: &str| {
        Reply::json(
            status,
            json!({ "ErrorMessage": message, "Errors": [], "FullException": null }),
        )
    };
    let me = Reply::json(
        StatusCode::OK,
        json!({
            "Id": "Users-42",
            "Username": "svc-kms",
            "DisplayName": "KMS sync",
            "EmailAddress": null,
            "IsActive": true,
            "IsService": true,
        }),
    );
    // The API root identifies the server (check O0); clients may probe it.
    let root = Reply::json(
        StatusCode::OK,
        json!({ "Application": "Octopus Deploy", "Version": "2025.3.12345", "ApiVersion": "3.0.0" }),
    );
    // `ApiKeyResource` (@octopusdeploy/message-contracts): `AccessLevel` is FullAccess,
    // ReadOnly or Custom; `LastUsedTimeStamp` is null on servers that do not record it and for
    // keys never used. The list comes newest first (by `Created`).
    let key = |id: &str, purpose: &str, created: i64, expires: i64, access: &str, used: bool| {
        json!({ "Id": id, "Purpose": purpose, "UserId": "Users-42",
                "Created": in_days(created), "Expires": in_days(expires), "AccessLevel": access,
                "ActorType": "User", "IsLastUsedTimestampKnown": used,
                "LastUsedTimeStamp": if used { json!(in_days(0)) } else { Value::Null },
                "ApiKey": { "HasValue": true, "Hint": "API-DEM…" } })
    };
    let list = |items: Vec<Value>| {
        Reply::json(
            StatusCode::OK,
            json!({ "ItemType": "ApiKey", "TotalResults": items.len(), "Items": items }),
        )
    };
    // The key in use, then an older laptop key that was never used (null timestamp).
    let keys = |purpose: &str, expires: i64, access: &str| {
        list(vec![
            key("apikeys-demo", purpose, -30, expires, access, true),
            key("apikeys-laptop", "laptop", -400, -10, "FullAccess", false),
        ])
    };
    let untracked = list(vec![
        key("apikeys-new", "kms-connect", -30, 180, "FullAccess", false),
        key("apikeys-old", "old", -400, -10, "FullAccess", false),
    ]);
    let space = json!([{ "SpaceId": "Spaces-1", "RestrictedToProjectIds": [], "RestrictedToEnvironmentIds": [] }]);
    let permissions = Reply::json(
        StatusCode::OK,
        json!({ "SpacePermissions": { "ProjectView": space, "VariableView": space, "VariableEdit": space },
                "SystemPermissions": [], "Teams": [{ "Id": "Teams-2", "Name": "KMS sync" }],
                "IsPermissionsComplete": true }),
    );
    let spaces = Reply::json(
        StatusCode::OK,
        json!([{ "Id": "Spaces-1", "Name": "Default", "Slug": "default", "IsDefault": true }]),
    );
    let octo_projects = Reply::json(
        StatusCode::OK,
        json!([{ "Id": "Projects-1", "Name": "Web shop", "Slug": "web-shop" },
               { "Id": "Projects-2", "Name": "Locked", "Slug": "locked" }]),
    );
    let octo_vars = Reply::json(
        StatusCode::OK,
        json!({ "Id": "variableset-Projects-1", "OwnerId": "Projects-1", "Version": 3, "SpaceId": "Spaces-1",
            "Variables": [
                { "Id": "v1", "Name": "KMS_OLD", "Value": null, "Type": "Sensitive", "IsSensitive": true },
                { "Id": "v2", "Name": "HAND_MADE", "Value": null, "Type": "Sensitive", "IsSensitive": true },
                { "Id": "v3", "Name": "Region", "Value": "eu", "Type": "String", "IsSensitive": false } ],
            "ScopeValues": { "Environments": [{ "Id": "Environments-1", "Name": "Production" }],
                "Roles": [], "Machines": [],
                // Octopus lists the deployment process and each runbook (`ProcessType`).
                "Processes": [
                    { "ProcessType": "Deployment", "Id": "deploymentprocess-Projects-1", "Name": "Deployment Process" },
                    { "ProcessType": "Runbook", "Id": "Runbooks-1", "Name": "Restart services" } ],
                "Actions": [],
                "Channels": [{ "Id": "Channels-1", "Name": "Default" }] } }),
    );
    let mut rows = good_rows(Row::secret(demo::OCTOPUS_API_KEY, me.clone()));
    rows.push(Row::secret(demo::EXPIRING_TOKEN, me.clone()));
    rows.push(Row::secret(demo::OCTOPUS_READONLY_KEY, me.clone()));
    rows.push(Row::secret(demo::OCTOPUS_CUSTOM_KEY, me.clone()));
    rows.push(Row::secret(demo::OCTOPUS_UNTRACKED_KEY, me));
    rows.push(rate_limited(error(
        StatusCode::TOO_MANY_REQUESTS,
        "Rate limit exceeded. Please try again later.",
    )));
    Provider {
        check_path: "/api/users/me",
        scheme: Scheme::Header("x-octopus-apikey"),
        rows,
        routes: vec![
            route(
                "/api/users/Users-42/apikeys",
                (
                    demo::OCTOPUS_API_KEY,
                    keys("kms-connect", 180, "FullAccess"),
                ),
                vec![
                    (demo::EXPIRING_TOKEN, keys("kms-connect", 5, "FullAccess")),
                    (
                        demo::OCTOPUS_READONLY_KEY,
                        keys("kms-readonly", 180, "ReadOnly"),
                    ),
                    (demo::OCTOPUS_CUSTOM_KEY, keys("kms-custom", 180, "Custom")),
                    (demo::OCTOPUS_UNTRACKED_KEY, untracked),
                ],
            ),
            route(
                "/api/users/Users-42/permissions",
                (demo::OCTOPUS_API_KEY, permissions.clone()),
                vec![
                    (demo::EXPIRING_TOKEN, permissions.clone()),
                    (demo::OCTOPUS_READONLY_KEY, permissions.clone()),
                    (demo::OCTOPUS_CUSTOM_KEY, permissions.clone()),
                    (demo::OCTOPUS_UNTRACKED_KEY, permissions),
                ],
            ),
            route(
                "/api/Spaces-1/projects/all",
                (demo::OCTOPUS_API_KEY, octo_projects.clone()),
                vec![
                    (demo::EXPIRING_TOKEN, octo_projects.clone()),
                    (demo::OCTOPUS_READONLY_KEY, octo_projects),
                ],
            ),
            route(
                "/api/Spaces-1/projects/Projects-1/variables",
                (demo::OCTOPUS_API_KEY, octo_vars.clone()),
                vec![
                    (demo::EXPIRING_TOKEN, octo_vars.clone()),
                    (demo::OCTOPUS_READONLY_KEY, octo_vars),
                ],
            ),
            route(
                "/api/spaces/all",
                (demo::OCTOPUS_API_KEY, spaces.clone()),
                vec![
                    (demo::EXPIRING_TOKEN, spaces.clone()),
                    (demo::OCTOPUS_READONLY_KEY, spaces.clone()),
                    (demo::OCTOPUS_CUSTOM_KEY, spaces.clone()),
                    (demo::OCTOPUS_UNTRACKED_KEY, spaces),
                ],
            ),
        ],
        rejected: error(
            StatusCode::UNAUTHORIZED,
            "Either your API key is invalid, or your account has been disabled. Please contact your Octopus administrator.",
        ),
        pages: vec![
            ("/app", page("Octopus Deploy")),
            ("/old/api/users/me", moved("/api/users/me")),
            ("/web/api/users/me", page("Octopus Deploy")),
            ("/api", root.clone()),
            ("/api/", root),
        ],
        not_found: error(
            StatusCode::NOT_FOUND,
            "The resource you requested was not found.",
        ),
    }
}

/// Scopes of the good demo token: what Secret Sync and Secret Scanning need (Infisical docs).
const BITBUCKET_SCOPES: [&str; 10] = [
    "read:workspace:bitbucket",
    "admin:workspace:bitbucket",
    "read:user:bitbucket",
    "read:repository:bitbucket",
    "read:pipeline:bitbucket",
    "write:pipeline:bitbucket",
    "admin:pipeline:bitbucket",
    "read:webhook:bitbucket",
    "write:webhook:bitbucket",
    "delete:webhook:bitbucket",
];

/// Bitbucket Cloud: `GET /2.0/user` with Basic email:apiToken. Scopes are reported in
/// `x-oauth-scopes`; a missing scope is a 403 naming required and granted scopes.
pub(crate) fn bitbucket() -> Provider {
    let error = |status, error| Reply::json(status, json!({ "type": "error", "error": error }));
    let user = Reply::json(
        StatusCode::OK,
        json!({
            "type": "user",
            "uuid": "{c0ffee00-0000-4000-8000-000000000001}",
            // No `username`: removed from the API for privacy (Bitbucket Cloud swagger).
            "account_id": "557058:demo",
            "display_name": "KMS Demo",
            "nickname": "kms-demo",
        }),
    )
    .header("x-credential-type", "api_token");
    let no_pipeline = user.clone().header(
        "x-oauth-scopes",
        BITBUCKET_SCOPES
            .iter()
            .filter(|s| !s.contains("pipeline"))
            .copied()
            .collect::<Vec<_>>()
            .join(", "),
    );
    let read_pipeline = user.clone().header(
        "x-oauth-scopes",
        BITBUCKET_SCOPES
            .iter()
            .filter(|s| **s != "admin:pipeline:bitbucket")
            .copied()
            .collect::<Vec<_>>()
            .join(", "),
    );
    let user = user.header("x-oauth-scopes", BITBUCKET_SCOPES.join(", "));
    let missing_scope = error(
        StatusCode::FORBIDDEN,
        json!({
            "message": "Your credentials lack one or more required privilege scopes.",
            "detail": {
                "required": ["read:user:bitbucket"],
                "granted": ["read:repository:bitbucket", "read:pipeline:bitbucket"],
            },
        }),
    );
    let mut rows = good_rows(Row::user(
        demo::BITBUCKET_EMAIL,
        demo::BITBUCKET_TOKEN,
        user,
    ));
    rows.push(Row::user(
        demo::BITBUCKET_EMAIL,
        demo::BITBUCKET_TOKEN_NO_USER_SCOPE,
        missing_scope,
    ));
    rows.push(Row::user(
        demo::BITBUCKET_EMAIL,
        demo::BITBUCKET_TOKEN_NO_PIPELINE,
        no_pipeline,
    ));
    rows.push(Row::user(
        demo::BITBUCKET_EMAIL,
        demo::BITBUCKET_TOKEN_READ_PIPELINE,
        read_pipeline,
    ));
    rows.push(rate_limited(error(
        StatusCode::TOO_MANY_REQUESTS,
        json!({ "message": "Rate limit for this resource has been exceeded." }),
    )));
    let workspaces = Reply::json(
        StatusCode::OK,
        json!({ "pagelen": 1, "values": [{ "type": "workspace_membership",
                "workspace": { "type": "workspace", "slug": "kms-demo", "name": "KMS Demo" } }] }),
    );
    Provider {
        check_path: "/2.0/user",
        scheme: Scheme::Basic,
        rows,
        routes: vec![route(
            "/2.0/user/workspaces",
            (demo::BITBUCKET_TOKEN, workspaces.clone()),
            vec![
                (demo::BITBUCKET_TOKEN_NO_PIPELINE, workspaces.clone()),
                (demo::BITBUCKET_TOKEN_READ_PIPELINE, workspaces),
            ],
        )],
        rejected: error(
            StatusCode::UNAUTHORIZED,
            json!({ "message": "Token is invalid, expired, or not supported for this endpoint." }),
        ),
        pages: Vec::new(),
        not_found: error(
            StatusCode::NOT_FOUND,
            json!({ "message": "Resource not found" }),
        ),
    }
}

/// Northflank: `GET /v1/projects` with a Bearer API token; rate-limit headers on success.
pub(crate) fn northflank() -> Provider {
    let error = |status: StatusCode, message: &str, id: &str| {
        Reply::json(
            status,
            json!({ "error": { "status": status.as_u16(), "message": message, "id": id } }),
        )
    };
    let projects = Reply::json(
        StatusCode::OK,
        json!({
            "data": { "projects": [{ "id": "web", "name": "Web", "description": "Demo" }] },
            "pagination": { "hasNextPage": false, "count": 1 },
        }),
    )
    .header("x-ratelimit-limit", "1000")
    .header("x-ratelimit-remaining", "999")
    .header("x-ratelimit-reset", "3600");
    let sync_permissions = json!({ "orgScope": [], "teamScope": [], "projectScope": [
        "Project:Manage:Read", "Project:Secrets:SecretGroups:List",
        "Project:Secrets:SecretGroups:ReadValues", "Project:Secrets:SecretGroups:Update" ] });
    let no_update = json!({ "orgScope": [], "teamScope": [], "projectScope": [
        "Project:Manage:Read", "Project:Secrets:SecretGroups:List",
        "Project:Secrets:SecretGroups:ReadValues" ] });
    let auth_with = |permissions: serde_json::Value| {
        Reply::json(
            StatusCode::OK,
            json!({ "data": {
                "tokenKind": "api", "id": "kms-sync", "name": "KMS sync", "entityType": "team",
                "entityId": "acme", "role": { "name": "KMS read", "roleId": "kms-read", "roleType": "team", "entityType": "team" },
                "permissions": permissions, "createdAt": in_days(-30), "expiresAt": null } }),
        )
    };
    let auth = |entity: &str, expires: Option<String>| {
        Reply::json(
            StatusCode::OK,
            json!({ "data": {
                "tokenKind": "api", "id": "kms-sync", "name": "KMS sync", "entityType": entity,
                "entityId": "acme", "entityUid": "5f0c1d2e3a4b5c6d7e8f9a0b", "role": { "name": "KMS", "roleId": "kms", "roleType": entity, "entityType": entity },
                "permissions": sync_permissions, "createdAt": in_days(-30), "expiresAt": expires } }),
        )
    };
    let mut rows = good_rows(Row::secret(demo::NORTHFLANK_TOKEN, projects.clone()));
    rows.push(Row::secret(demo::EXPIRING_TOKEN, projects.clone()));
    rows.push(Row::secret(demo::NORTHFLANK_ORG_TOKEN, projects.clone()));
    rows.push(Row::secret(demo::NORTHFLANK_TOKEN_NO_UPDATE, projects));
    rows.push(rate_limited(
        error(
            StatusCode::TOO_MANY_REQUESTS,
            "Too many requests",
            "rate-limited",
        )
        .header("x-ratelimit-limit", "1000")
        .header("x-ratelimit-remaining", "0"),
    ));
    // The demo project `web` has one secret group, readable by the good token.
    let groups = Reply::json(
        StatusCode::OK,
        json!({ "data": { "secrets": [{ "id": "app-env", "name": "App env", "type": "secret",
                "secretType": "environment", "priority": 10 }] },
                "pagination": { "hasNextPage": false, "count": 1 } }),
    );
    let details = Reply::json(
        StatusCode::OK,
        json!({ "data": { "id": "app-env", "name": "App env",
                "secrets": { "variables": { "API_URL": "https://api.example.com" }, "files": {} } } }),
    );
    Provider {
        check_path: "/v1/projects",
        scheme: Scheme::Bearer,
        rows,
        routes: vec![
            route(
                "/v1/auth",
                (demo::NORTHFLANK_TOKEN, auth("team", None)),
                vec![
                    (demo::EXPIRING_TOKEN, auth("team", Some(in_days(5)))),
                    (demo::EXPIRED_TOKEN, auth("team", Some(in_days(-3)))),
                    (demo::NORTHFLANK_ORG_TOKEN, auth("org", None)),
                    (demo::NORTHFLANK_TOKEN_NO_UPDATE, auth_with(no_update)),
                ],
            ),
            route(
                "/v1/projects/web/secrets",
                (demo::NORTHFLANK_TOKEN, groups),
                Vec::new(),
            ),
            route(
                "/v1/projects/web/secrets/app-env/details",
                (demo::NORTHFLANK_TOKEN, details.clone()),
                vec![(demo::NORTHFLANK_TOKEN_NO_UPDATE, details)],
            ),
        ],
        rejected: error(
            StatusCode::UNAUTHORIZED,
            "Unauthenticated",
            "unauthenticated",
        ),
        pages: Vec::new(),
        not_found: error(StatusCode::NOT_FOUND, "Not found", "not-found"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, String)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    fn basic(user: &str, secret: &str) -> String {
        format!("Basic {}", STANDARD.encode(format!("{user}:{secret}")))
    }

    #[test]
    fn slow_token_is_the_good_reply_delayed_on_every_provider() {
        let cases = [
            (
                teamcity("http://tc"),
                ("authorization", format!("Bearer {}", demo::SLOW_TOKEN)),
            ),
            (
                octopus(),
                ("x-octopus-apikey", demo::SLOW_TOKEN.to_string()),
            ),
            (
                bitbucket(),
                (
                    "authorization",
                    basic("anyone@example.com", demo::SLOW_TOKEN),
                ),
            ),
            (
                northflank(),
                ("authorization", format!("Bearer {}", demo::SLOW_TOKEN)),
            ),
        ];
        for (provider, header) in cases {
            let reply = provider.answer(provider.check_path, &headers(&[header]));
            assert_eq!(reply.status, StatusCode::OK);
            assert_eq!(reply.delay, SLOW);
        }
    }

    #[test]
    fn bitbucket_matches_email_and_token_and_rejects_bearer() {
        let bb = bitbucket();
        let answer = |value: String| bb.answer("/2.0/user", &headers(&[("authorization", value)]));
        assert_eq!(
            answer(basic(demo::BITBUCKET_EMAIL, demo::BITBUCKET_TOKEN)).status,
            StatusCode::OK
        );
        assert_eq!(
            answer(basic(
                demo::BITBUCKET_EMAIL,
                demo::BITBUCKET_TOKEN_NO_USER_SCOPE
            ))
            .status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            answer(basic("other@example.com", demo::BITBUCKET_TOKEN)).status,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            answer(format!("Bearer {}", demo::BITBUCKET_TOKEN)).status,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            answer("Basic !!!".to_string()).status,
            StatusCode::UNAUTHORIZED
        );
    }

    #[test]
    fn pages_and_unknown_paths() {
        let tc = teamcity("http://tc");
        assert_eq!(tc.answer("/", &HeaderMap::new()).status, StatusCode::OK);
        assert_eq!(
            tc.answer("/nope", &HeaderMap::new()).status,
            StatusCode::NOT_FOUND
        );
        let missing = tc.answer("/app/rest/server", &HeaderMap::new());
        assert_eq!(missing.status, StatusCode::UNAUTHORIZED);
    }
}
