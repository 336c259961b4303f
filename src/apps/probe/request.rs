//! The request: the provider's URL, the credential in the headers the provider expects, and
//! the secret taken out of everything that comes back.

use base64::Engine as _;
use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderValue};
use secrecy::ExposeSecret;

use super::verdict::transport_outcome;
use super::{Advice, OutcomeCode, ProviderEndpoints, TestOutcome, classify};
use crate::apps::{ApiBase, AppSpec, ConnectionInput, ProbeAuth};
use crate::http::{self, Captured, TransportFailure};

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
            Ok(mut captured) => {
                scrub_captured(&mut captured, &secret_forms(input));
                (classify(app, &url, &captured, advice), Some(captured))
            }
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
    crate::sanitize::hold_secret(secret);
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

/// A provider may echo the credential back (in an error, a redirect, a body): every form of
/// it is replaced in what the provider sent, headers and body, before anything reads it. Our
/// own sentences are never scrubbed: a secret that happens to be a word ("wrong", "TeamCity")
/// must not turn the hint into "The token is [secret], revoked or expired".
pub(crate) fn scrub_captured(c: &mut http::Captured, secrets: &[String]) {
    for secret in secrets.iter().filter(|s| s.len() >= 4) {
        let needle = secret.as_bytes();
        if c.body.windows(needle.len()).any(|w| w == needle) {
            let text = String::from_utf8_lossy(&c.body).replace(secret.as_str(), "[secret]");
            c.body = text.into_bytes();
        }
    }
    for value in c.headers.values_mut() {
        let Ok(text) = value.to_str() else { continue };
        let mut text = text.to_owned();
        let before = text.clone();
        scrub(&mut text, secrets);
        if text != before
            && let Ok(v) = HeaderValue::from_str(&text)
        {
            *value = v;
        }
    }
}

/// What the provider taught us (a version, a user) came from its answer: scrubbed there
/// already, and once more here as it is kept. The message and hint are our sentences.
fn redact(mut o: TestOutcome, secrets: &[String]) -> TestOutcome {
    for (_, v) in &mut o.learned {
        scrub(v, secrets);
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
