//! KMS failures and the one mapping from a failure to what the user should be told. The TUI and
//! the CLI both call [`KmsError::guidance`]; neither words server errors on its own.

use serde_json::Value;

use crate::apps::{AppSpec, FieldId};
use crate::http::{Captured, TransportFailure};
use crate::sanitize::{clean_line, clean_short};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KmsError {
    /// No answer at all.
    Transport {
        url: String,
        failure: TransportFailure,
    },
    /// An answer, but not from an Infisical-compatible API (HTML, not JSON, …).
    NotKmsApi {
        url: String,
        status: u16,
        what: String,
    },
    /// The server has no such route: it predates App Connections (or this app).
    RouteMissing { url: String, status: u16 },
    /// The server's error envelope.
    Api(ApiError),
    /// A create got no answer in time: the server may still have created the connection.
    /// Also any failure after the request left (a reset, a body cut short). `name`: the
    /// connection's, for a create, so the user can be told how to look for it.
    CreateUnconfirmed { url: String, name: Option<String> },
    /// The same for a Secret Sync create: `dest` is the destination's slug.
    SyncCreateUnconfirmed {
        url: String,
        dest: &'static str,
        name: String,
        /// The project it was created in: a sync is found by name only within one.
        project: String,
    },
    /// We answered the server with a 2xx we could not read.
    BadResponse { url: String, why: String },
}

/// `{ reqId, statusCode, message: string | issue[], error, details? }`, cleaned.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ApiError {
    pub status: u16,
    pub error: String,
    pub message: String,
    pub issues: Vec<Issue>,
    pub req_id: Option<String>,
    pub retry_after_secs: Option<u64>,
}

/// One validation issue: where (`["credentials", "instanceUrl"]`) and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    pub path: Vec<String>,
    pub message: String,
}

/// What kind of trouble, for choosing where the user goes next and the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trouble {
    /// Fix a field of the form (validation, duplicate name).
    Input,
    /// The KMS server's own credential check failed.
    Credential,
    /// The KMS token was rejected: sign in again.
    Auth,
    /// Anything else: network, permission, server.
    Server,
}

/// What to tell the user: a headline, maybe a hint, and problems that belong under fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Guidance {
    pub trouble: Trouble,
    pub headline: String,
    pub hint: Option<String>,
    pub fields: Vec<(FieldId, String)>,
}

impl Guidance {
    /// Exit code for the CLI: 2 invalid input (also as the server judged it: a taken name, a
    /// refused field), 3 credential test failed, 1 anything else.
    pub fn exit_code(&self) -> i32 {
        match self.trouble {
            Trouble::Input => 2,
            Trouble::Credential => 3,
            Trouble::Auth | Trouble::Server => 1,
        }
    }
}

/// What to do when the KMS server could not be reached: a certificate this machine does not
/// trust needs its own advice; anything else gets `otherwise`.
pub fn transport_hint(failure: &TransportFailure, otherwise: &'static str) -> &'static str {
    match failure {
        TransportFailure::TlsUntrusted(_) => {
            "Add the CA that signed the server's certificate to this machine's trust store, or use the server's public https address."
        }
        _ => otherwise,
    }
}

impl KmsError {
    /// The seconds the server's 429 asked to wait (its `Retry-After`), for a wait that counts
    /// down; `None` for any other error.
    pub fn retry_after_secs(&self) -> Option<u64> {
        match self {
            KmsError::Api(e) if e.status == 429 => e.retry_after_secs,
            _ => None,
        }
    }

    /// Reads a non-2xx answer.
    pub fn from_response(url: &str, r: &Captured) -> KmsError {
        // A server may echo what it was sent (the token, a client or provider secret) in its
        // message, reqId or issues: scrubbed before anything is read out of it, as provider
        // answers are.
        let scrubbed = Captured {
            body: crate::sanitize::scrub_held(&String::from_utf8_lossy(&r.body)).into_bytes(),
            ..r.clone()
        };
        let r = &scrubbed;
        let Some(body) = r.json().filter(Value::is_object) else {
            let what = if r.is_html() {
                "a web page".to_owned()
            } else {
                describe_body(r)
            };
            return KmsError::NotKmsApi {
                url: url.to_owned(),
                status: r.status,
                what,
            };
        };
        let text = |k: &str| body.get(k).and_then(Value::as_str).map(clean_line);
        let (message, issues) = match body.get("message") {
            Some(Value::Array(items)) => {
                let issues: Vec<Issue> = items.iter().map(issue).collect();
                let joined = issues
                    .iter()
                    .map(Issue::to_string)
                    .collect::<Vec<_>>()
                    .join("; ");
                (joined, issues)
            }
            Some(Value::String(s)) => (clean_short(s, 300), Vec::new()),
            _ => (String::new(), Vec::new()),
        };
        let error = text("error").unwrap_or_default();
        // Fastify's own 404 for a route it does not have: no reqId, "Route X:/path not found".
        if r.status == 404 && message.starts_with("Route ") && message.ends_with("not found") {
            return KmsError::RouteMissing {
                url: url.to_owned(),
                status: r.status,
            };
        }
        if message.is_empty() && error.is_empty() {
            return KmsError::NotKmsApi {
                url: url.to_owned(),
                status: r.status,
                what: describe_body(r),
            };
        }
        KmsError::Api(ApiError {
            status: r.status,
            error,
            message,
            issues,
            req_id: text("reqId").map(|s| clean_short(&s, 40)),
            retry_after_secs: r.header("retry-after").and_then(|v| v.trim().parse().ok()),
        })
    }

    /// The single translation into words. `app` lets validation issues land under the right field.
    pub fn guidance(&self, app: Option<&AppSpec>) -> Guidance {
        let server = |headline: String, hint: Option<&str>| Guidance {
            trouble: Trouble::Server,
            headline,
            hint: hint.map(str::to_owned),
            fields: Vec::new(),
        };
        match self {
            KmsError::Transport { url, failure } => server(
                failure.describe_host(
                    &crate::http::host_of(url),
                    super::client::is_known_server(url),
                ),
                Some(transport_hint(
                    failure,
                    "Check the KMS address (--kms-url or KMS_API_URL) and your network.",
                )),
            ),
            KmsError::CreateUnconfirmed { name, .. } => {
                let check = match (app, name) {
                    (Some(a), Some(n)) => format!(
                        "Check with `kms-connect get {} {}` before trying again (a retry may say the name is taken).",
                        a.slug,
                        clean_short(n, 60)
                    ),
                    _ => "Check the server's App Connections before trying again (a retry may say the name is taken).".into(),
                };
                Guidance {
                    trouble: Trouble::Server,
                    headline: "The KMS server's answer was lost or came too late; it may still have made the change."
                        .into(),
                    hint: Some(check),
                    fields: Vec::new(),
                }
            }
            KmsError::SyncCreateUnconfirmed {
                dest,
                name,
                project,
                ..
            } => Guidance {
                trouble: Trouble::Server,
                headline: "The KMS server's answer was lost or came too late; it may still have created the sync."
                    .into(),
                hint: Some(format!(
                    "Check with `kms-connect sync get {dest} {} --project {}` before trying again (a retry may say the name is taken).",
                    clean_short(name, 60),
                    clean_short(project, 64)
                )),
                fields: Vec::new(),
            },
            KmsError::NotKmsApi { url, status, what } => server(
                format!(
                    "{} answered {what} ({status}), not the KMS API.",
                    clean_short(url, 60)
                ),
                Some(
                    "Check the KMS address (--kms-url or KMS_API_URL): it should be the server's base URL.",
                ),
            ),
            KmsError::RouteMissing { url, .. } => server(
                format!(
                    "This server has no such API route ({}).",
                    clean_short(url, 70)
                ),
                Some(
                    "It may be an older Infisical-compatible server without App Connections: upgrade it or use another.",
                ),
            ),
            KmsError::BadResponse { url, why } => server(
                format!(
                    "Could not read the answer from {}: {why}.",
                    clean_short(url, 60)
                ),
                None,
            ),
            KmsError::Api(e) => e.guidance(app),
        }
    }
}

impl ApiError {
    fn guidance(&self, app: Option<&AppSpec>) -> Guidance {
        let reference = self
            .req_id
            .as_ref()
            .map(|id| format!(" (request ID {id})"))
            .unwrap_or_default();
        let mut g = Guidance {
            trouble: Trouble::Server,
            headline: String::new(),
            hint: None,
            fields: Vec::new(),
        };
        let msg = &self.message;
        let lower = msg.to_ascii_lowercase();
        if self.error == "ValidationFailure" || !self.issues.is_empty() {
            g.trouble = Trouble::Input;
            let mut unplaced = Vec::new();
            for issue in &self.issues {
                match app.and_then(|a| issue.field(a)) {
                    Some(field) => g.fields.push((field, issue.message.clone())),
                    None => unplaced.push(issue.to_string()),
                }
            }
            g.headline = if unplaced.is_empty() {
                "The KMS server rejected some fields.".into()
            } else {
                format!(
                    "The KMS server rejected the request: {}",
                    unplaced.join("; ")
                )
            };
            return g;
        }
        if lower.contains("already exists") {
            g.trouble = Trouble::Input;
            g.fields.push((FieldId::Name, msg.clone()));
            g.headline = format!("{msg}.");
            g.hint =
                Some("Pick another name: names are unique per project, across all apps.".into());
            return g;
        }
        if let Some(hint) = login_hint(&lower) {
            g.headline = format!("The KMS server refused the sign-in: {msg}.");
            g.hint = Some(hint.into());
            return g;
        }
        if self.error == "TokenError" || (self.status == 401 && lower.contains("token")) {
            g.trouble = Trouble::Auth;
            g.headline = format!("Your KMS token was rejected or has expired: {msg}");
            // Said by the CLI and the wizard alike: name both ways to sign in again.
            g.hint = Some(
                "Sign in again (kms-connect login, or s on the wizard's step 1), or set a fresh KMS_TOKEN."
                    .into(),
            );
            return g;
        }
        if self.error == "PermissionDenied" {
            let action = lower
                .strip_prefix("you are not allowed to ")
                .and_then(|rest| rest.split(' ').next())
                .unwrap_or("manage");
            g.headline = format!("Permission denied: {msg}.");
            g.hint = Some(format!(
                "Your identity needs the \"{action}\" permission on App Connections in this project (or organization)."
            ));
            return g;
        }
        if self.status == 403 && self.error.starts_with("Forbidden") {
            g.headline = "This kind of KMS token cannot manage App Connections.".into();
            g.hint =
                Some("Use a machine identity (universal auth) or a user session token.".into());
            return g;
        }
        if lower.starts_with("failed to validate") || lower.starts_with("unable to validate") {
            g.trouble = Trouble::Credential;
            g.headline = format!("The KMS server's credential check failed: {msg}");
            g.hint = Some(check_failed_hint(&lower, app));
            return g;
        }
        // The server's own lookup of the instance URL's host found no address (its URL
        // validator, `blockLocalAndPrivateIpAddresses` in backend/src/lib/validator/): the
        // credential check failed on the URL, not on the secret.
        if lower.contains("could not resolve hostname to any ip address") {
            g.trouble = Trouble::Credential;
            let url_field = app.is_some_and(|a| {
                a.target
                    .as_ref()
                    .is_some_and(|t| t.kind == crate::apps::FieldKind::Url)
            });
            if url_field {
                g.fields.push((FieldId::Target, msg.clone()));
            }
            g.headline =
                format!("The KMS server could not resolve the instance URL's host name: {msg}.");
            g.hint = Some("Check the host in --instance-url (the Instance URL field in the wizard): the KMS server looks it up from its own network, where internal names may not resolve.".into());
            return g;
        }
        if lower.contains("local ips not allowed") || lower.contains("user credentials") {
            g.trouble = Trouble::Input;
            g.fields.push((FieldId::Target, msg.clone()));
            g.headline = format!("{msg}.");
            g.hint = Some("The server refuses private addresses unless it runs with ALLOW_INTERNAL_IP_CONNECTIONS=true.".into());
            return g;
        }
        if lower.starts_with("could not find folder") {
            // A Secret Sync's source: the environment and path were the caller's input.
            g.trouble = Trouble::Input;
            g.headline = format!("{msg}.");
            g.hint = Some("Check the source environment and secret path (step 1 of the Secret Sync; --environment and --path on the command line).".into());
            return g;
        }
        // Connections say "Could not find project with ID …"; the sync routes say "Project
        // with ID '…' not found".
        if lower.starts_with("could not find project")
            || (lower.starts_with("project with id") && lower.contains("not found"))
        {
            // The project ID was the caller's input (a flag, a variable, a stale profile).
            g.trouble = Trouble::Input;
            g.headline = format!("{msg}.");
            g.hint = Some("Check --project or KMS_PROJECT_ID (`kms-connect projects` lists the ones this identity can see), or pick the project again.".into());
            return g;
        }
        if let Some((headline, hint)) = connection_hint(&lower, msg) {
            // A connection that is not there is a wrong name or ID: the caller's input.
            if self.status == 404 || lower.contains("is not for app") {
                g.trouble = Trouble::Input;
            }
            g.headline = headline;
            g.hint = Some(hint.into());
            return g;
        }
        if self.status == 429 {
            let when = self
                .retry_after_secs
                .map_or("in a minute".to_owned(), |s| format!("in {s} s"));
            g.headline = "The KMS server is rate-limiting requests (429).".into();
            g.hint = Some(format!("Try again {when}; nothing was lost."));
            return g;
        }
        let what = if msg.is_empty() {
            self.error.clone()
        } else {
            msg.clone()
        };
        g.headline = format!(
            "The KMS server answered {}: {what}{reference}.",
            self.status
        );
        g
    }
}

/// What to do when the server's own call to the provider failed. A 429 or a 5xx is not the
/// credential: the server already retried 3 times (honouring Retry-After), so say to wait,
/// as the test step does, instead of "fix the credential".
fn check_failed_hint(lower: &str, app: Option<&AppSpec>) -> String {
    let name = app.map_or("The provider", |a| a.name);
    let status = lower
        .rsplit_once("status code ")
        .and_then(|(_, rest)| rest.get(..3))
        .and_then(|code| code.parse::<u16>().ok());
    match status {
        Some(429) => format!(
            "{name} is rate-limiting the KMS server's requests (429); the server already retried 3 times, honouring Retry-After. Nothing was created: try again {}.",
            app.map_or("in a few minutes", |a| a.rate_limit_wait)
        ),
        Some(500..=599) => format!(
            "{name} answered with a server error; the KMS server already retried 3 times. Nothing was created: try again later."
        ),
        _ => {
            "It called the provider from its own network; fix the credential or URL and try again."
                .into()
        }
    }
}

/// Errors about an existing connection (spec §5.2), with what to do about each.
fn connection_hint(lower: &str, msg: &str) -> Option<(String, &'static str)> {
    if lower.starts_with("cannot delete app connection with existing connections") {
        Some((
            "The KMS server refused: this connection is still in use (by a Secret Sync, rotation or data source).".into(),
            "Delete those or point them at another connection first; the server does not say which ones.",
        ))
    } else if lower.starts_with("could not find app connection") {
        Some((
            sentence(msg),
            "Check the name or ID (kms-connect list shows them); a name is looked up in the current project.",
        ))
    } else if lower.contains("is not for app") {
        Some((
            sentence(msg),
            "Give the app the connection belongs to (kms-connect list shows it).",
        ))
    } else if lower.starts_with("invalid credential format") {
        Some((
            sentence(msg),
            "Give the complete credentials: the secret and the app's other field.",
        ))
    } else {
        None
    }
}

/// The message with a full stop, unless it already ends in one.
fn sentence(msg: &str) -> String {
    if msg.ends_with(['.', '!', '?']) {
        msg.to_owned()
    } else {
        format!("{msg}.")
    }
}

/// What to do about a universal-auth login failure (spec §3.2), if it is one.
fn login_hint(lower: &str) -> Option<&'static str> {
    if lower == "invalid credentials" {
        Some("Check KMS_UNIVERSAL_AUTH_CLIENT_ID and KMS_UNIVERSAL_AUTH_CLIENT_SECRET.")
    } else if lower.contains("temporarily locked") {
        Some("Too many wrong secrets: wait a few minutes (5 by default), then try again.")
    } else if lower.contains("expired client secret") {
        Some("The client secret has expired: make a new one for the identity.")
    } else if lower.contains("usage limit") {
        Some("The client secret has been used as often as allowed: make a new one.")
    } else {
        None
    }
}

impl Issue {
    /// The form field an issue's path points at.
    pub fn field(&self, app: &AppSpec) -> Option<FieldId> {
        match self.path.as_slice() {
            [first, ..] if first == "name" => Some(FieldId::Name),
            [first, ..] if first == "description" => Some(FieldId::Description),
            [first, key, ..] if first == "credentials" => app.field_for_credential_key(key),
            _ => None,
        }
    }
}

impl std::fmt::Display for Issue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", self.path.join("."), self.message)
        }
    }
}

fn issue(v: &Value) -> Issue {
    let path = v
        .get("path")
        .and_then(Value::as_array)
        .map(|p| {
            p.iter()
                .map(|s| {
                    s.as_str()
                        .map_or_else(|| s.to_string(), |s| clean_short(s, 40))
                })
                .collect()
        })
        .unwrap_or_default();
    let message = v
        .get("message")
        .and_then(Value::as_str)
        .map_or_else(|| "invalid".to_owned(), |m| clean_short(m, 160));
    Issue { path, message }
}

fn describe_body(r: &Captured) -> String {
    let ct = r.content_type();
    if r.body.is_empty() {
        "an empty body".into()
    } else if ct.is_empty() {
        "something that is not JSON".into()
    } else {
        format!(
            "{} instead of JSON",
            clean_short(ct.split(';').next().unwrap_or(&ct), 40)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderMap;

    fn cap(status: u16, body: &str) -> Captured {
        let mut h = HeaderMap::new();
        h.insert(
            "content-type",
            "application/json; charset=utf-8".parse().unwrap(),
        );
        Captured {
            status,
            headers: h,
            body: body.as_bytes().to_vec(),
        }
    }

    fn tc() -> &'static AppSpec {
        AppSpec::by_slug("teamcity").unwrap()
    }

    #[test]
    fn validation_issues_land_under_their_fields_even_on_a_401() {
        // Older servers answer validation failures with 401 (spec/recorded).
        let body = r#"{"statusCode":401,"error":"ValidationFailure","message":[
            {"code":"custom","message":"name field can only contain lowercase letters, numbers, and hyphens","path":["name"]},
            {"code":"invalid_string","message":"Invalid Instance URL","path":["credentials","instanceUrl"]}]}"#;
        let g = KmsError::from_response("u", &cap(401, body)).guidance(Some(tc()));
        assert_eq!(g.trouble, Trouble::Input);
        assert_eq!(g.fields[0].0, FieldId::Name);
        assert_eq!(
            g.fields[1],
            (FieldId::Target, "Invalid Instance URL".to_owned())
        );
    }

    #[test]
    fn duplicate_name_points_at_the_name_field() {
        let body = r#"{"reqId":"req-AbC123dEf456Gh","statusCode":400,"message":"An App Connection with the name \"ci\" already exists","error":"BadRequest"}"#;
        let g = KmsError::from_response("u", &cap(400, body)).guidance(Some(tc()));
        assert_eq!(g.fields[0].0, FieldId::Name);
        assert!(g.headline.contains("already exists"));
    }

    #[test]
    fn token_errors_say_the_kms_token_was_rejected() {
        let body = r#"{"statusCode":403,"message":"The provided access token is malformed.","error":"TokenError"}"#;
        let g = KmsError::from_response("u", &cap(403, body)).guidance(None);
        assert!(
            g.headline
                .starts_with("Your KMS token was rejected or has expired"),
            "{}",
            g.headline
        );
    }

    #[test]
    fn permission_denied_names_the_permission() {
        let body = r#"{"statusCode":403,"message":"You are not allowed to create on app-connections","error":"PermissionDenied"}"#;
        let g = KmsError::from_response("u", &cap(403, body)).guidance(None);
        assert!(g.hint.unwrap().contains("\"create\" permission"));
    }

    #[test]
    fn other_errors_keep_the_message_and_request_id() {
        let body = r#"{"reqId":"req-Qw3rTy7uIo9pAs","statusCode":500,"message":"Something went wrong","error":"InternalServerError"}"#;
        let g = KmsError::from_response("u", &cap(500, body)).guidance(None);
        assert_eq!(
            g.headline,
            "The KMS server answered 500: Something went wrong (request ID req-Qw3rTy7uIo9pAs)."
        );
    }

    #[test]
    fn html_and_missing_routes_are_recognised() {
        let mut html = cap(200, "<!DOCTYPE html><html>");
        html.headers
            .insert("content-type", "text/html".parse().unwrap());
        assert!(matches!(
            KmsError::from_response("u", &html),
            KmsError::NotKmsApi { .. }
        ));
        let body = r#"{"message":"Route POST:/api/v1/app-connections/teamcity not found","error":"Not Found","statusCode":404}"#;
        assert!(matches!(
            KmsError::from_response("u", &cap(404, body)),
            KmsError::RouteMissing { .. }
        ));
    }

    #[test]
    fn provider_check_failure_is_a_credential_problem() {
        let body = r#"{"statusCode":400,"message":"Failed to validate credentials: Request failed with status code 401","error":"BadRequest"}"#;
        let g = KmsError::from_response("u", &cap(400, body)).guidance(Some(tc()));
        assert_eq!(g.exit_code(), 3);
    }

    #[test]
    fn an_unresolvable_instance_host_points_at_the_url() {
        let body = r#"{"reqId":"req-1","statusCode":400,"message":"Could not resolve hostname to any IP address","error":"BadRequest"}"#;
        let g = KmsError::from_response("u", &cap(400, body)).guidance(Some(tc()));
        assert_eq!(g.exit_code(), 3);
        assert_eq!(g.fields.first().map(|f| f.0), Some(FieldId::Target));
        assert!(
            g.hint.as_deref().unwrap().contains("--instance-url"),
            "{g:?}"
        );
        assert!(!g.headline.contains("answered 400"), "{g:?}");
    }
}
