//! How answers are read: one test per kind of answer a provider (or what is in front of it) gives.

use super::verdict::transport_outcome;
use super::*;
use crate::apps::front_end::{COMMAND_LINE, WIZARD};
use crate::http::{Captured, TransportFailure};
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
    let body =
        r#"{"type":"error","error":{"detail":{"required":["read:user:bitbucket"],"granted":[]}}}"#;
    let r = cap(403, &[], body);
    let cli = super::classify(bb, "u", &r, Advice::new(&COMMAND_LINE));
    assert!(!cli.hint.as_deref().unwrap().contains("step 2"), "{cli:?}");
    let tui = classify(bb, "u", &r);
    assert!(
        tui.hint
            .unwrap()
            .contains("the scopes the app's instructions list")
    );
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

#[test]
fn teamcity_errors_are_read_from_json_xml_or_old_plain_text() {
    let node = [("teamcity-node-id", "MAIN")];
    let said = |body: &str| {
        classify(tc(), "u", &cap(401, &node, body))
            .message
            .split_once("It said: ")
            .map(|(_, s)| s.to_owned())
    };
    // 2020.2+: `errors[].message` (JSON), or the same in XML.
    assert_eq!(
        said(r#"{"errors":[{"message":"Authentication required","additionalMessage":"To login manually go to \"/login.html\" page","statusText":"Unauthorized"}]}"#).as_deref(),
        Some("\"Authentication required\"")
    );
    assert_eq!(
        said("<errors><error><message>Authentication required</message></error></errors>")
            .as_deref(),
        Some("\"Authentication required\"")
    );
    // Older servers: text/plain.
    assert_eq!(
        said("Authentication required\nTo login manually go to \"/login.html\" page").as_deref(),
        Some("\"Authentication required\"")
    );
    let odd = classify(
        tc(),
        "u",
        &cap(418, &node, r#"{"errors":[{"message":"Teapot"}]}"#),
    );
    assert!(odd.message.ends_with(": Teapot"), "{odd:?}");
}

#[test]
fn the_test_waits_as_long_as_the_kms_server_and_warns_when_the_provider_is_slow() {
    use std::time::Duration;
    // The server's check has no limit of its own (30 s in some TeamCity versions).
    assert!(PROBE_TIMEOUT >= Duration::from_secs(30));
    let pass = classify(tc(), "u", &cap(200, &[], r#"{"version":"2025.07"}"#));
    let quick = with_server_notes(pass.clone(), tc(), Duration::from_secs(3));
    assert!(quick.cautions.is_empty());
    let slow = with_server_notes(pass, tc(), Duration::from_secs(12));
    assert!(slow.ok);
    assert_eq!(
        slow.cautions,
        ["TeamCity took 12 s to answer: the KMS server may give up."]
    );
    let line = crate::apps::checks::CheckLine::server(&slow);
    assert_eq!(line.status, crate::apps::checks::Status::Warn);
    assert!(
        line.message.ends_with("the KMS server may give up."),
        "{line:?}"
    );
}

#[test]
fn a_429_5xx_or_network_error_says_the_kms_server_retries() {
    use std::time::Duration;
    let limited = classify(tc(), "u", &cap(429, &[("retry-after", "30")], ""));
    let limited = with_server_notes(limited, tc(), Duration::from_secs(1));
    assert!(
        limited
            .hint
            .as_deref()
            .unwrap()
            .contains("retries its own check 3 times"),
        "{limited:?}"
    );
    let down = with_server_notes(
        classify(tc(), "u", &cap(503, &[], "")),
        tc(),
        Duration::from_secs(1),
    );
    assert!(
        down.hint
            .as_deref()
            .unwrap()
            .contains("honouring Retry-After")
    );
    let rejected = with_server_notes(
        classify(tc(), "u", &cap(401, &[("teamcity-node-id", "M")], "")),
        tc(),
        Duration::from_secs(1),
    );
    assert!(!rejected.hint.unwrap_or_default().contains("retries"));
}

#[test]
fn a_count_with_more_pages_reads_as_a_lower_bound() {
    assert_eq!(
        super::verdict::phrase("projects visible", "1"),
        "1 project visible"
    );
    assert_eq!(
        super::verdict::phrase("projects visible", "1+"),
        "1+ projects visible"
    );
    assert_eq!(
        super::verdict::phrase("projects visible", "50+"),
        "50+ projects visible"
    );
}
