//! The credential test: the same request the KMS server makes when it creates the connection,
//! and a reading of the answer that says what is wrong and what to do (providers.md §0.2).

use base64::Engine as _;
use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderValue};
use secrecy::ExposeSecret;
use serde::Serialize;
use serde_json::Value;

use super::front_end::FrontEnd;
use super::{ApiBase, AppSpec, ConnectionInput, ProbeAuth};
use crate::http::{self, Captured, TransportFailure};
use crate::sanitize::clean_short;

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
        for app in super::CATALOG {
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
        match super::AppSpec::by_slug(slug).map(|a| a.api_base) {
            Some(ApiBase::Fixed { env, .. }) => self.with(env, url),
            _ => self,
        }
    }

    /// Every overridden API base, for deciding whether TLS is needed.
    pub fn urls(&self) -> impl Iterator<Item = &str> {
        self.overrides.iter().map(|(_, u)| u.as_str())
    }

    fn override_for(&self, env: &str) -> Option<&str> {
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
}

impl TestOutcome {
    fn fail(code: OutcomeCode, url: &str, message: String, hint: Option<String>) -> Self {
        TestOutcome {
            ok: false,
            code,
            message,
            hint,
            missing: Vec::new(),
            learned: Vec::new(),
            retry_after_secs: None,
            url: url.to_owned(),
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

/// The full URL the test calls.
pub fn probe_url(app: &AppSpec, input: &ConnectionInput, endpoints: &ProviderEndpoints) -> String {
    let base = match app.api_base {
        ApiBase::Instance => input.target.clone().unwrap_or_default(),
        ApiBase::Fixed { default, env } => {
            endpoints.override_for(env).unwrap_or(default).to_owned()
        }
    };
    format!("{}{}", base.trim_end_matches('/'), app.probe_path)
}

/// Runs the test. Never panics, never returns the secret in any string.
pub async fn run(
    client: &reqwest::Client,
    input: &ConnectionInput,
    endpoints: &ProviderEndpoints,
    advice: Advice<'_>,
) -> TestOutcome {
    run_captured(client, input, endpoints, advice).await.0
}

/// The same test, also handing back the provider's answer (when there was one) so further
/// checks can read what it said (Bitbucket's scope headers, the Octopus user id).
pub async fn run_captured(
    client: &reqwest::Client,
    input: &ConnectionInput,
    endpoints: &ProviderEndpoints,
    advice: Advice<'_>,
) -> (TestOutcome, Option<Captured>) {
    let app = input.app;
    let url = probe_url(app, input, endpoints);
    let req = match authorized(client.get(&url), input, &url) {
        Ok(req) => req,
        Err(o) => return (*o, None),
    };
    let (outcome, captured) = match req.send().await {
        Err(e) => (
            transport_outcome(app, &url, &TransportFailure::classify(&e), advice),
            None,
        ),
        Ok(resp) => match http::capture(resp).await {
            Ok(captured) => (classify(app, &url, &captured, advice), Some(captured)),
            Err(e) => (
                transport_outcome(app, &url, &TransportFailure::classify(&e), advice),
                None,
            ),
        },
    };
    (redact(outcome, &secret_forms(input)), captured)
}

/// Adds `Accept: application/json` and the app's credential headers (marked sensitive) to a
/// request; fails with a test outcome when the secret cannot be sent in a header.
pub(crate) fn authorized(
    mut req: reqwest::RequestBuilder,
    input: &ConnectionInput,
    url: &str,
) -> Result<reqwest::RequestBuilder, Box<TestOutcome>> {
    let app = input.app;
    req = req.header(ACCEPT, "application/json");
    let secret = input.secret.expose_secret();
    let auth = match app.probe_auth {
        ProbeAuth::Bearer => Some((AUTHORIZATION.as_str(), format!("Bearer {secret}"))),
        ProbeAuth::BasicEmailToken => {
            let pair = format!("{}:{secret}", input.target.as_deref().unwrap_or(""));
            Some((
                AUTHORIZATION.as_str(),
                format!(
                    "Basic {}",
                    base64::engine::general_purpose::STANDARD.encode(pair)
                ),
            ))
        }
        ProbeAuth::OctopusApiKey => None,
    };
    let mut headers: Vec<(&str, String)> = auth.into_iter().collect();
    if app.probe_auth == ProbeAuth::OctopusApiKey {
        headers.push(("X-Octopus-ApiKey", secret.to_owned()));
        headers.push(("X-NuGet-ApiKey", secret.to_owned()));
    }
    for (name, value) in headers {
        let Ok(mut v) = HeaderValue::from_str(&value) else {
            return Err(Box::new(TestOutcome::fail(
                OutcomeCode::Unexpected,
                url,
                format!(
                    "The {} contains characters that cannot be sent in a header.",
                    app.secret.label
                ),
                Some("Paste it again; it may have picked up a stray character.".into()),
            )));
        };
        v.set_sensitive(true);
        req = req.header(name, v);
    }
    Ok(req)
}

/// Every form in which the secret could be echoed back: as typed, and for Basic auth the
/// base64 of `email:token`.
pub(crate) fn secret_forms(input: &ConnectionInput) -> Vec<String> {
    let secret = input.secret.expose_secret();
    let mut forms = vec![secret.trim().to_owned()];
    if input.app.probe_auth == ProbeAuth::BasicEmailToken {
        let pair = format!("{}:{secret}", input.target.as_deref().unwrap_or(""));
        forms.push(base64::engine::general_purpose::STANDARD.encode(pair));
    }
    forms
}

/// Replaces every form of the secret in `s`.
pub(crate) fn scrub(s: &mut String, secrets: &[String]) {
    for secret in secrets.iter().filter(|s| s.len() >= 4) {
        if s.contains(secret.as_str()) {
            *s = s.replace(secret.as_str(), "[secret]");
        }
    }
}

/// A provider may echo the credential back (in an error, a redirect, a body): it is replaced
/// before the outcome goes anywhere, so messages can be shown and printed safely.
pub(crate) fn redact(mut o: TestOutcome, secrets: &[String]) -> TestOutcome {
    let scrub = |s: &mut String| scrub(s, secrets);
    scrub(&mut o.message);
    scrub(&mut o.url);
    if let Some(h) = o.hint.as_mut() {
        scrub(h);
    }
    for (_, v) in &mut o.learned {
        scrub(v);
    }
    o
}

/// The outcome when the HTTP client itself could not be built (no request was made).
pub fn setup_failed(input: &ConnectionInput, why: &str) -> TestOutcome {
    TestOutcome::fail(
        OutcomeCode::Unexpected,
        "",
        format!("Could not test the {} credential: {why}.", input.app.name),
        None,
    )
}

fn transport_outcome(
    app: &AppSpec,
    url: &str,
    failure: &TransportFailure,
    advice: Advice<'_>,
) -> TestOutcome {
    let host = http::host_of(url);
    let (code, hint) = match failure {
        TransportFailure::HostNotFound => (OutcomeCode::HostNotFound, None),
        TransportFailure::Refused => (OutcomeCode::Refused, None),
        TransportFailure::Timeout => (
            OutcomeCode::Timeout,
            Some(format!(
                "If only the KMS server can reach it, {}.",
                advice.front_end.go_ahead_untested
            )),
        ),
        TransportFailure::TlsUntrusted(_) => {
            (OutcomeCode::TlsUntrusted, Some(tls_hint(app, advice)))
        }
        TransportFailure::Other(_) => (OutcomeCode::Unreachable, None),
    };
    TestOutcome::fail(code, url, failure.describe(&host), hint)
}

/// What to do about an untrusted certificate: the KMS server must trust it too, and from here
/// a CA can be given, unless one was and did not help.
fn tls_hint(app: &AppSpec, advice: Advice<'_>) -> String {
    let kms = format!(
        "The KMS server must trust the {} certificate too: KMS Cloud cannot use a private CA; a self-hosted server needs the CA installed.",
        app.name
    );
    match advice.ca_cert {
        Some(file) => format!(
            "The CA in {} did not make it trusted: give the CA that issued the server's certificate (or its root). {kms}",
            clean_short(file, 50)
        ),
        None => format!(
            "{kms} To test from here, give the CA with {}.",
            advice.front_end.give_ca
        ),
    }
}

/// Reads a provider's answer in the order of providers.md §0.2.
pub fn classify(app: &AppSpec, url: &str, r: &Captured, advice: Advice<'_>) -> TestOutcome {
    let status = r.status;
    if (300..400).contains(&status) {
        return redirected(app, url, r);
    }
    if (200..300).contains(&status) {
        if r.is_html() {
            return not_provider(app, url, r, "a web page");
        }
        return match r.json() {
            Some(body) => {
                let learned = (app.learned)(&body);
                let what = learned
                    .iter()
                    .map(|(k, v)| format!("{k} {v}"))
                    .collect::<Vec<_>>()
                    .join(", ");
                let message = if what.is_empty() {
                    format!("{} accepted the credential.", app.name)
                } else {
                    format!("{} accepted the credential: {what}.", app.name)
                };
                TestOutcome {
                    ok: true,
                    code: OutcomeCode::Ok,
                    message,
                    hint: None,
                    missing: Vec::new(),
                    learned,
                    retry_after_secs: None,
                    url: url.to_owned(),
                }
            }
            None => not_provider(app, url, r, "something that is not JSON"),
        };
    }
    match status {
        401 if app.own_401.is_some_and(|m| !marked(r, &m)) => rejected_in_front(app, url, r),
        403 if let Some(f) = &app.forbidden => forbidden(app, url, f),
        401 | 403 => rejected(app, url, r, advice),
        404 | 405 | 410 => TestOutcome::fail(
            OutcomeCode::NotFound,
            url,
            format!(
                "No {} at {} ({status}).",
                app.api_label,
                clean_short(url, 80)
            ),
            Some(app.not_found_hint.to_owned()),
        ),
        429 => {
            let secs = retry_after(r);
            let when = secs.map_or_else(|| app.rate_limit_wait.to_owned(), |s| format!("in {s} s"));
            let mut o = TestOutcome::fail(
                OutcomeCode::RateLimited,
                url,
                format!("{} is rate-limiting requests (429).", app.name),
                Some(format!("Try again {when}{}.", advice.front_end.after_retry)),
            );
            o.retry_after_secs = secs;
            o
        }
        500..=599 => TestOutcome::fail(
            OutcomeCode::Unavailable,
            url,
            format!(
                "{} answered {status}: it is down, starting up or behind a failing proxy.",
                app.name
            ),
            Some("Try again later.".into()),
        ),
        _ => TestOutcome::fail(
            OutcomeCode::Unexpected,
            url,
            format!(
                "{} answered an unexpected {status}: {}",
                app.name,
                r.first_line()
            ),
            None,
        ),
    }
}

/// A 3xx: where it leads, and since the KMS server will not follow it, what to register. A
/// target that ends with the probe path gives the base URL to use as the instance URL.
fn redirected(app: &AppSpec, url: &str, r: &Captured) -> TestOutcome {
    let status = r.status;
    let to = r
        .header("location")
        .unwrap_or_else(|| "(no Location header)".into());
    let to = absolute(url, &to);
    let base = to
        .split(['?', '#'])
        .next()
        .and_then(|p| p.strip_suffix(app.probe_path))
        .filter(|b| !b.is_empty());
    let hint = match (base, &app.target) {
        (Some(base), Some(target)) if app.api_base == ApiBase::Instance => format!(
            "The KMS server does not follow redirects: use {} as the {}.",
            clean_short(base, 100),
            target.label
        ),
        _ => "The KMS server does not follow redirects: use the final URL instead.".into(),
    };
    TestOutcome::fail(
        OutcomeCode::Redirect,
        url,
        format!(
            "{} redirects ({status}) to {}.",
            clean_short(url, 80),
            clean_short(&to, 100)
        ),
        Some(hint),
    )
}

/// True when the answer carries the provider's own marks (its header, or its realm in a
/// `WWW-Authenticate` challenge).
fn marked(r: &Captured, marks: &super::ProviderMarks) -> bool {
    let realm = format!("realm=\"{}\"", marks.realm.to_ascii_lowercase());
    r.headers.contains_key(marks.header)
        || r.headers
            .get_all("www-authenticate")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .any(|v| v.to_ascii_lowercase().contains(&realm))
}

/// A 401 without the provider's marks: a proxy or sign-on page answered, not the provider.
fn rejected_in_front(app: &AppSpec, url: &str, r: &Captured) -> TestOutcome {
    let what = if r.is_html() {
        " (a web page)".to_owned()
    } else {
        match r.header("www-authenticate") {
            Some(c) => format!(" (it asks for {})", clean_short(&c, 60)),
            None => String::new(),
        }
    };
    TestOutcome::fail(
        OutcomeCode::RejectedInFront,
        url,
        format!(
            "The 401 came from a proxy or sign-on page in front of {}, not from {}{what}.",
            app.name, app.name
        ),
        Some(format!(
            "Use a URL that reaches {} directly, or have the proxy pass the Authorization header on; the KMS server meets the same proxy.",
            app.name
        )),
    )
}

/// A 403 on the probe path where the provider means "accepted, but not allowed".
fn forbidden(app: &AppSpec, url: &str, f: &super::Forbidden) -> TestOutcome {
    let mut o = TestOutcome::fail(
        OutcomeCode::MissingPermission,
        url,
        format!("{} refused the request (403): {}.", app.name, f.meaning),
        Some(f.hint.to_owned()),
    );
    o.missing = f.missing.iter().map(|m| (*m).to_owned()).collect();
    o
}

fn not_provider(app: &AppSpec, url: &str, r: &Captured, what: &str) -> TestOutcome {
    let ct = r.content_type();
    let ct = if ct.is_empty() {
        "no content type".to_owned()
    } else {
        clean_short(&ct, 40)
    };
    TestOutcome::fail(
        OutcomeCode::NotProvider,
        url,
        format!(
            "{} serves {what} ({} {ct}), not the {}.",
            clean_short(url, 70),
            r.status,
            app.api_label
        ),
        Some(app.not_found_hint.to_owned()),
    )
}

fn rejected(app: &AppSpec, url: &str, r: &Captured, advice: Advice<'_>) -> TestOutcome {
    let body = r.json();
    // Bitbucket names the missing scopes in a 403 (providers.md §3.3 B1).
    if let Some(required) = body
        .as_ref()
        .and_then(|b| b.pointer("/error/detail/required"))
        .and_then(Value::as_array)
    {
        let list = |v: &[Value]| {
            v.iter()
                .filter_map(Value::as_str)
                .map(|s| clean_short(s, 40))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let granted = body
            .as_ref()
            .and_then(|b| b.pointer("/error/detail/granted"))
            .and_then(Value::as_array);
        return TestOutcome::fail(
            OutcomeCode::MissingScope,
            url,
            format!("The token is missing scope(s): {}.", list(required)),
            Some(match granted {
                Some(g) if !g.is_empty() => format!(
                    "It has: {}. Make a new token with {}.",
                    list(g),
                    advice.front_end.scope_list
                ),
                _ => format!("Make a new token with {}.", advice.front_end.scope_list),
            }),
        );
    }
    let said = provider_message(body.as_ref()).unwrap_or_else(|| r.first_line());
    let said = if said.is_empty() {
        String::new()
    } else {
        format!(" It said: \"{said}\"")
    };
    TestOutcome::fail(
        OutcomeCode::TokenRejected,
        url,
        format!(
            "{} rejected the {} ({}).{said}",
            app.name,
            app.secret_noun(),
            r.status
        ),
        Some(app.rejected_hint.to_owned()),
    )
}

/// The human message in a provider's JSON error, whatever its envelope.
pub(crate) fn provider_message(body: Option<&Value>) -> Option<String> {
    provider_text(body, 120)
}

/// The same, cut at `max` characters.
pub(crate) fn provider_text(body: Option<&Value>, max: usize) -> Option<String> {
    let b = body?;
    ["/ErrorMessage", "/error/message", "/message", "/error"]
        .iter()
        .find_map(|p| b.pointer(p).and_then(Value::as_str))
        .map(|s| clean_short(s, max))
}

/// Seconds to wait: `Retry-After`, else a reset header that counts seconds (a larger number
/// would be a timestamp, which we cannot turn into a wait without a clock).
pub(crate) fn retry_after(r: &Captured) -> Option<u64> {
    let secs = |h: &str| r.header(h).and_then(|v| v.trim().parse::<u64>().ok());
    secs("retry-after").or_else(|| secs("x-ratelimit-reset").filter(|s| *s <= 86_400))
}

pub(crate) fn absolute(base: &str, location: &str) -> String {
    url::Url::parse(base)
        .and_then(|b| b.join(location))
        .map(|u| u.to_string())
        .unwrap_or_else(|_| location.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apps::front_end::{COMMAND_LINE, WIZARD};
    use reqwest::header::HeaderMap;

    fn cap(status: u16, headers: &[(&'static str, &str)], body: &str) -> Captured {
        let mut h = HeaderMap::new();
        for (k, v) in headers {
            h.insert(*k, v.parse().unwrap());
        }
        Captured {
            status,
            headers: h,
            body: body.as_bytes().to_vec(),
        }
    }

    fn tc() -> &'static AppSpec {
        AppSpec::by_slug("teamcity").unwrap()
    }

    /// The wizard's reading.
    fn classify(app: &AppSpec, url: &str, r: &Captured) -> TestOutcome {
        super::classify(app, url, r, Advice::new(&WIZARD))
    }

    #[test]
    fn a_redirect_to_the_probe_path_names_the_base_url_to_enter() {
        let o = classify(
            tc(),
            "http://ci.example.com/app/rest/server",
            &cap(
                301,
                &[(
                    "location",
                    "https://ci.example.com/teamcity/app/rest/server",
                )],
                "",
            ),
        );
        assert_eq!(
            o.hint.as_deref(),
            Some(
                "The KMS server does not follow redirects: use https://ci.example.com/teamcity as the Instance URL."
            )
        );
        let login = classify(
            tc(),
            "https://ci.example.com/app/rest/server",
            &cap(302, &[("location", "/login.html")], ""),
        );
        assert!(login.hint.unwrap().contains("use the final URL"));
    }

    #[test]
    fn a_teamcity_401_without_its_marks_came_from_a_proxy() {
        let sso = classify(
            tc(),
            "u",
            &cap(
                401,
                &[
                    ("content-type", "text/html"),
                    ("www-authenticate", "Basic realm=\"corp-sso\""),
                ],
                "<html>Sign in</html>",
            ),
        );
        assert_eq!(sso.code, OutcomeCode::RejectedInFront);
        assert_eq!(
            sso.message,
            "The 401 came from a proxy or sign-on page in front of TeamCity, not from TeamCity (a web page)."
        );
        let own = classify(
            tc(),
            "u",
            &cap(
                401,
                &[("www-authenticate", "Bearer realm=\"TeamCity\"")],
                "Authentication required",
            ),
        );
        assert_eq!(own.code, OutcomeCode::TokenRejected);
        let by_node = classify(tc(), "u", &cap(401, &[("teamcity-node-id", "MAIN")], ""));
        assert_eq!(by_node.code, OutcomeCode::TokenRejected);
        assert_eq!(by_node.message, "TeamCity rejected the access token (401).");
    }

    #[test]
    fn a_403_on_the_check_is_a_missing_permission_not_a_rejection() {
        let nf = AppSpec::by_slug("northflank").unwrap();
        let o = classify(
            nf,
            "u",
            &cap(
                403,
                &[],
                r#"{"error":{"status":403,"message":"Forbidden"}}"#,
            ),
        );
        assert_eq!(o.code, OutcomeCode::MissingPermission);
        assert_eq!(
            o.message,
            "Northflank refused the request (403): the token's API role cannot list projects."
        );
        assert_eq!(o.missing, ["Projects -> Manage -> Read"]);
        let t = classify(
            tc(),
            "u",
            &cap(403, &[("teamcity-node-id", "MAIN")], "Access denied."),
        );
        assert_eq!(t.code, OutcomeCode::MissingPermission);
        assert!(!t.message.contains("revoked"), "{}", t.message);
    }

    #[test]
    fn hints_name_each_front_ends_action() {
        let bb = AppSpec::by_slug("bitbucket").unwrap();
        let body = r#"{"type":"error","error":{"detail":{"required":["read:user:bitbucket"],"granted":[]}}}"#;
        let r = cap(403, &[], body);
        let cli = super::classify(bb, "u", &r, Advice::new(&COMMAND_LINE));
        assert!(!cli.hint.as_deref().unwrap().contains("step 2"), "{cli:?}");
        let tui = classify(bb, "u", &r);
        assert!(tui.hint.unwrap().contains("step 2"));
        let wait = super::classify(tc(), "u", &cap(429, &[], ""), Advice::new(&COMMAND_LINE));
        assert_eq!(wait.hint.as_deref(), Some("Try again in a few minutes."));
        let tls = TransportFailure::TlsUntrusted("unknown issuer".into());
        let given = Advice {
            front_end: &COMMAND_LINE,
            ca_cert: Some("ca.pem"),
        };
        let o = transport_outcome(tc(), "https://x/app/rest/server", &tls, given);
        let hint = o.hint.unwrap();
        assert!(
            hint.starts_with("The CA in ca.pem did not make it trusted"),
            "{hint}"
        );
        assert!(!hint.contains("give the CA with"), "{hint}");
        let o = transport_outcome(
            tc(),
            "https://x/app/rest/server",
            &tls,
            Advice::new(&COMMAND_LINE),
        );
        assert!(
            o.hint
                .unwrap()
                .ends_with("give the CA with --ca-cert FILE.")
        );
    }

    #[test]
    fn ok_reports_what_was_learned() {
        let o = classify(
            tc(),
            "u",
            &cap(
                200,
                &[("content-type", "application/json")],
                r#"{"version":"2025.07 (build 1)"}"#,
            ),
        );
        assert!(o.ok);
        assert_eq!(
            o.message,
            "TeamCity accepted the credential: version 2025.07 (build 1)."
        );
    }

    #[test]
    fn html_is_a_web_page_not_the_api() {
        let o = classify(
            tc(),
            "https://x",
            &cap(200, &[("content-type", "text/html")], "<html>"),
        );
        assert_eq!(o.code, OutcomeCode::NotProvider);
        assert!(o.message.contains("web page"), "{}", o.message);
    }

    #[test]
    fn redirect_names_the_target() {
        let o = classify(
            tc(),
            "http://ci.example.com/app/rest/server",
            &cap(
                301,
                &[("location", "https://ci.example.com/app/rest/server")],
                "",
            ),
        );
        assert_eq!(o.code, OutcomeCode::Redirect);
        assert!(o.message.contains("https://ci.example.com/app/rest/server"));
    }

    #[test]
    fn relative_redirect_is_made_absolute() {
        let o = classify(
            tc(),
            "https://ci.example.com/app/rest/server",
            &cap(302, &[("location", "/login.html")], ""),
        );
        assert!(
            o.message.contains("https://ci.example.com/login.html"),
            "{}",
            o.message
        );
    }

    #[test]
    fn rate_limit_reads_retry_after() {
        let o = classify(tc(), "u", &cap(429, &[("retry-after", "30")], ""));
        assert_eq!(
            (o.code, o.retry_after_secs),
            (OutcomeCode::RateLimited, Some(30))
        );
        assert!(o.hint.unwrap().contains("30 s"));
    }

    #[test]
    fn bitbucket_scope_error_lists_the_scopes() {
        let bb = AppSpec::by_slug("bitbucket").unwrap();
        let body = r#"{"type":"error","error":{"message":"Your credentials lack one or more required privilege scopes.","detail":{"required":["read:user:bitbucket"],"granted":["read:repository:bitbucket"]}}}"#;
        let o = classify(
            bb,
            "u",
            &cap(403, &[("content-type", "application/json")], body),
        );
        assert_eq!(o.code, OutcomeCode::MissingScope);
        assert!(o.message.contains("read:user:bitbucket"));
        assert!(o.hint.unwrap().contains("read:repository:bitbucket"));
    }

    #[test]
    fn octopus_error_message_is_quoted_and_cleaned() {
        let oc = AppSpec::by_slug("octopus-deploy").unwrap();
        let o = classify(
            oc,
            "u",
            &cap(401, &[], "{\"ErrorMessage\":\"Invalid key\\u001b[31m\"}"),
        );
        assert_eq!(o.code, OutcomeCode::TokenRejected);
        assert!(o.message.contains("\"Invalid key[31m\""), "{}", o.message);
        assert!(!o.message.contains('\x1b'));
    }
}
