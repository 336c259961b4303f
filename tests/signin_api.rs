//! The sign-in's requests over HTTP: the `/api/status` probe's diagnosis of servers that are
//! not a KMS (wiremock), and log-in, organization and profile writing against the sandbox.

mod common;

use kms_connect::config::Store;
use kms_connect::config::signin::{self, Attempt};
use kms_connect::http;
use kms_connect::kms::auth::Credentials;
use kms_connect::kms::client::api_base;
use kms_connect::sandbox::{Sandbox, demo};
use secrecy::SecretString;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn client() -> reqwest::Client {
    http::client(false, true).unwrap()
}

async fn probe_with(reply: ResponseTemplate) -> String {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/status"))
        .respond_with(reply)
        .mount(&server)
        .await;
    let g = signin::probe(&client(), &api_base(&server.uri()).unwrap())
        .await
        .expect_err("not a KMS");
    assert!(g.hint.is_some(), "{g:?}");
    g.headline
}

#[tokio::test]
async fn the_probe_says_how_a_server_is_not_a_kms() {
    let html = ResponseTemplate::new(200).set_body_raw("<!doctype html><html></html>", "text/html");
    assert!(probe_with(html).await.contains("answered a web page (200)"));
    let text = ResponseTemplate::new(200).set_body_raw("ok", "text/plain");
    assert!(
        probe_with(text)
            .await
            .contains("something that is not JSON")
    );
    let other_json =
        ResponseTemplate::new(200).set_body_raw(r#"{"status":"up"}"#, "application/json");
    assert!(
        probe_with(other_json)
            .await
            .contains("JSON that is not a KMS status")
    );
    let fastify = ResponseTemplate::new(404).set_body_raw(
        r#"{"message":"Route GET:/api/status not found","error":"Not Found","statusCode":404}"#,
        "application/json",
    );
    assert!(
        probe_with(fastify)
            .await
            .contains("has no /api/status (404)")
    );
    let nginx = ResponseTemplate::new(404).set_body_raw("Not Found", "text/plain");
    let h = probe_with(nginx).await;
    assert!(
        h.contains("(404)") && h.contains("not an Infisical-compatible KMS API"),
        "{h}"
    );
}

#[tokio::test]
async fn an_unknown_host_is_named() {
    let g = signin::probe(&client(), "http://kms.invalid/api")
        .await
        .unwrap_err();
    assert!(g.headline.contains("kms.invalid"), "{g:?}");
}

fn attempt(sb: &Sandbox, client_id: &str, remember: bool) -> Attempt {
    Attempt {
        server: sb.kms_url.clone(),
        api_base: api_base(&sb.kms_url).unwrap(),
        credentials: Credentials::UniversalAuth {
            client_id: client_id.into(),
            client_secret: SecretString::from(sb.client_secret.clone()),
        },
        remember,
        profile: "default".into(),
    }
}

#[tokio::test]
async fn a_log_in_learns_the_organization_and_writes_only_what_it_may() {
    let sb = Sandbox::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = Store::at(dir.path());
    signin::probe(&client(), &api_base(&sb.kms_url).unwrap())
        .await
        .unwrap();
    let done = signin::log_in(&client(), &attempt(&sb, &sb.client_id, false), Some(&store))
        .await
        .unwrap();
    assert_eq!(done.organization.as_deref(), Some("Demo org"));
    assert_eq!(done.identity, "universal auth demo-client-id");
    assert!(done.save_problem.is_none());
    assert!(store.stored_secret("default").is_none());
    // The short-lived access token is cached even without "remember", as `gh auth login` does.
    assert_eq!(
        store.cached_token("default").unwrap().expires_at,
        done.expires_at
    );
    // Remembered: the secret and a token that expires in 30 days.
    let done = signin::log_in(&client(), &attempt(&sb, &sb.client_id, true), Some(&store))
        .await
        .unwrap();
    let cached = store.cached_token("default").unwrap();
    assert_eq!(cached.expires_at, done.expires_at);
    assert!(cached.usable(kms_connect::config::now_secs() + 29 * 86_400));
    assert!(store.stored_secret("default").is_some());
}

#[tokio::test]
async fn refusals_are_marked_as_such() {
    let sb = Sandbox::start().await.unwrap();
    let f = signin::log_in(
        &client(),
        &attempt(&sb, demo::EXPIRED_SECRET_CLIENT_ID, false),
        None,
    )
    .await
    .unwrap_err();
    assert!(f.refused);
    assert!(
        f.guidance.headline.contains("expired client secret"),
        "{f:?}"
    );
    let mut bad = attempt(&sb, &sb.client_id, false);
    bad.credentials = Credentials::Token(SecretString::from("garbage"));
    let f = signin::log_in(&client(), &bad, None).await.unwrap_err();
    assert!(f.refused);
    assert!(
        f.guidance
            .hint
            .unwrap()
            .contains("paste a fresh access token")
    );
    // Nothing listens: not a refusal.
    let mut gone = attempt(&sb, &sb.client_id, false);
    gone.api_base = "http://127.0.0.1:9/api".into();
    let f = signin::log_in(&client(), &gone, None).await.unwrap_err();
    assert!(!f.refused, "{f:?}");
}

#[tokio::test]
async fn a_server_whose_certificate_is_not_trusted_is_named_as_such() {
    let (acceptor, _) = common::tls::self_signed();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let _ = acceptor.accept(stream).await;
            });
        }
    });
    let base = api_base(&format!("https://127.0.0.1:{port}")).unwrap();
    let g = signin::probe(&http::client(true, true).unwrap(), &base)
        .await
        .unwrap_err();
    assert_eq!(
        g.headline,
        format!(
            "The TLS certificate of 127.0.0.1:{port} is not trusted (issued by an unknown authority)."
        )
    );
    assert!(g.hint.as_deref().unwrap().contains("trust store"), "{g:?}");
}

#[tokio::test]
async fn a_pasted_user_session_token_signs_in_as_a_user_session_of_its_organization() {
    // The identity route answers 403 to a user's session token; the header must still say
    // who is signed in: a user session, with the organization from the token's claims.
    let sb = Sandbox::start().await.unwrap();
    let mut pasted = attempt(&sb, &sb.client_id, false);
    pasted.credentials = Credentials::Token(SecretString::from(demo::USER_SESSION_TOKEN));
    let done = signin::log_in(&client(), &pasted, None).await.unwrap();
    assert_eq!(
        done.identity,
        "user session · org 6f03caa1-a5de-43ce-b127-95a145d3464c"
    );
}

#[test]
fn a_dns_failure_on_a_well_known_server_points_at_the_network_not_the_spelling() {
    use kms_connect::http::TransportFailure;
    use kms_connect::kms::KmsError;
    let failed = |url: &str| KmsError::Transport {
        url: url.into(),
        failure: TransportFailure::HostNotFound,
    };
    // Chosen from the sign-in's list: the name is right, this machine cannot resolve it.
    for (_, server) in kms_connect::tui::signin::SERVERS {
        let url = format!("{server}/api/status");
        for g in [
            kms_connect::kms::status::diagnose(&failed(&url)),
            failed(&url).guidance(None),
        ] {
            assert!(
                g.headline.contains("network") && g.headline.contains("DNS"),
                "{server}: {g:?}"
            );
            assert!(!g.headline.contains("spelling"), "{server}: {g:?}");
        }
    }
    // A typed name may be a typo.
    let g = kms_connect::kms::status::diagnose(&failed("https://kms.exmaple.com/api/status"));
    assert!(g.headline.contains("Check the spelling"), "{g:?}");
}
