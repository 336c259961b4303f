//! The verdict: what a provider's answer (or the lack of one) means for the credential, in one
//! clear line and what to do next.

use serde_json::Value;

use super::{Advice, OutcomeCode, TestOutcome};
use crate::apps::{ApiBase, AppSpec};
use crate::http::{self, Captured, TransportFailure};
use crate::sanitize::clean_short;

pub(super) fn transport_outcome(
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

/// One learned fact as words: "version 2025.07", "user svc-kms"; a count of what is visible
/// reads as a count ("1 project visible", "3 projects visible").
pub(crate) fn phrase(key: &str, value: &str) -> String {
    // "50+": the first page of a longer list (the count is only a lower bound).
    let (count, more) = match value.strip_suffix('+') {
        Some(n) => (n, "+"),
        None => (value, ""),
    };
    match (key.strip_suffix(" visible"), count.parse::<u64>()) {
        (Some(plural), Ok(n)) => {
            let noun = if n == 1 && more.is_empty() {
                plural.strip_suffix('s').unwrap_or(plural)
            } else {
                plural
            };
            format!("{n}{more} {noun} visible")
        }
        _ => format!("{key} {value}"),
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
            return not_provider(app, url, r, "a web page", advice);
        }
        return match r.json() {
            Some(body) => {
                let learned = (app.learned)(&body);
                let what = learned
                    .iter()
                    .map(|(k, v)| phrase(k, v))
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
                    cautions: Vec::new(),
                }
            }
            None => not_provider(app, url, r, "something that is not JSON", advice),
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
            format!("{} answered an unexpected {status}: {}", app.name, said(r)),
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
fn marked(r: &Captured, marks: &crate::apps::ProviderMarks) -> bool {
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
fn forbidden(app: &AppSpec, url: &str, f: &crate::apps::Forbidden) -> TestOutcome {
    let mut o = TestOutcome::fail(
        OutcomeCode::MissingPermission,
        url,
        format!("{} refused the request (403): {}.", app.name, f.meaning),
        Some(f.hint.to_owned()),
    );
    o.missing = f.missing.iter().map(|m| (*m).to_owned()).collect();
    o
}

/// A 2xx that is not the provider's API. Refused (it catches wrong URLs), but the KMS server's
/// own check only asks for a 2xx (axios resolves any 2xx; the `*-connection-fns.ts`
/// validators read nothing of the body), so it would accept it: say so, and how to go ahead.
fn not_provider(
    app: &AppSpec,
    url: &str,
    r: &Captured,
    what: &str,
    advice: Advice<'_>,
) -> TestOutcome {
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
        Some(format!(
            "{} The KMS server's own check accepts any 2xx answer, so it would create the connection anyway; to do that, {}.",
            app.not_found_hint, advice.front_end.go_ahead_untested
        )),
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
    let said = said(r);
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
fn provider_message(body: Option<&Value>) -> Option<String> {
    provider_text(body, 120)
}

/// What the provider said: the message of a JSON error, of TeamCity's XML `<errors>`, or the
/// first line of a text body.
fn said(r: &Captured) -> String {
    provider_message(r.json().as_ref())
        .or_else(|| xml_message(r))
        .unwrap_or_else(|| r.first_line())
}

/// `<errors><error><message>…</message></error></errors>`, TeamCity's XML error form.
fn xml_message(r: &Captured) -> Option<String> {
    let text = String::from_utf8_lossy(&r.body);
    let start = text.find("<message>")? + "<message>".len();
    let end = start + text[start..].find("</message>")?;
    Some(clean_short(&text[start..end], 120)).filter(|m| !m.is_empty())
}

/// The same, cut at `max` characters.
pub(crate) fn provider_text(body: Option<&Value>, max: usize) -> Option<String> {
    let b = body?;
    // TeamCity 2020.2+ answers errors as `{"errors": [{"message", "additionalMessage",
    // "statusText"}]}` (JetBrains' REST API docs, "REST API errors"); older versions in text.
    [
        "/ErrorMessage",
        "/errors/0/message",
        "/error/message",
        "/message",
        "/error",
    ]
    .iter()
    .find_map(|p| b.pointer(p).and_then(Value::as_str))
    .map(|s| clean_short(s, max))
}

/// Seconds to wait: `Retry-After`, else a reset header that counts seconds (a larger number
/// would be a timestamp, which we cannot turn into a wait without a clock).
fn retry_after(r: &Captured) -> Option<u64> {
    let secs = |h: &str| r.header(h).and_then(|v| v.trim().parse::<u64>().ok());
    secs("retry-after").or_else(|| secs("x-ratelimit-reset").filter(|s| *s <= 86_400))
}

fn absolute(base: &str, location: &str) -> String {
    url::Url::parse(base)
        .and_then(|b| b.join(location))
        .map(|u| u.to_string())
        .unwrap_or_else(|_| location.to_owned())
}
