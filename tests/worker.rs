//! The wizard's worker against the sandbox: what it sends when the server refuses the cached
//! token it started with and a remembered secret can log in again.

use std::time::Duration;

use kms_connect::apps::{self, AppSpec, ProviderEndpoints, RawInput};
use kms_connect::config::Reach;
use kms_connect::kms::auth::Credentials;
use kms_connect::sandbox::{Sandbox, demo};
use kms_connect::tui::signin::job::Account;
use kms_connect::tui::worker::Worker;
use kms_connect::tui::{Effect, Msg};
use secrecy::SecretString;
use tokio::sync::mpsc;

/// A token for the short-lived identity, then made to expire on the server only.
async fn refused_token(sb: &Sandbox) -> String {
    let answer: serde_json::Value = reqwest::Client::new()
        .post(format!("{}/api/v1/auth/universal-auth/login", sb.kms_url))
        .json(&serde_json::json!({
            "clientId": demo::SHORT_LIVED_CLIENT_ID,
            "clientSecret": sb.client_secret,
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    sb.expire_tokens();
    answer["accessToken"].as_str().unwrap().to_owned()
}

fn logins(sb: &Sandbox) -> usize {
    sb.requests()
        .iter()
        .filter(|r| r.path.ends_with("/universal-auth/login"))
        .count()
}

async fn next(results: &mut mpsc::UnboundedReceiver<Msg>) -> Msg {
    tokio::time::timeout(Duration::from_secs(20), results.recv())
        .await
        .expect("an answer")
        .expect("the worker is alive")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_refused_together_all_retry_on_one_fresh_login_and_a_create_lands_once() {
    let sb = Sandbox::start().await.unwrap();
    let token = refused_token(&sb).await;
    let (tx, mut results) = mpsc::unbounded_channel();
    let reach = Reach {
        api_base: format!("{}/api", sb.kms_url),
        credentials: Some(Credentials::Token(SecretString::from(token))),
        providers: ProviderEndpoints::default(),
        direct: true,
    };
    let mut worker = Worker::new(reach, tx).with_account(Account {
        relogin: Some(Credentials::UniversalAuth {
            client_id: demo::SHORT_LIVED_CLIENT_ID.into(),
            client_secret: SecretString::from(sb.client_secret.clone()),
        }),
        ..Account::default()
    });
    let before = logins(&sb);

    // Two requests at once, both refused on the old token.
    worker.run(Effect::LoadProjects(1));
    worker.run(Effect::LoadConnections(2, Some(sb.project_id.clone())));
    for _ in 0..2 {
        match next(&mut results).await {
            Msg::Projects(1, r) => assert!(r.is_ok(), "{r:?}"),
            Msg::Connections(2, r) => assert!(r.is_ok(), "{r:?}"),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(logins(&sb), before + 1, "one login for both");

    // A write after the fresh token is refused too: it retries once and lands once.
    sb.expire_tokens();
    let app = AppSpec::by_slug("northflank").unwrap();
    let input = apps::validate::connection(
        app,
        &RawInput {
            name: "worker-retry".into(),
            description: String::new(),
            target: String::new(),
            secret: SecretString::from(demo::NORTHFLANK_TOKEN),
        },
    )
    .unwrap();
    let created_before = sb.connections().len();
    worker.run(Effect::Create(3, input, Some(sb.project_id.clone())));
    match next(&mut results).await {
        Msg::Created(3, r) => assert!(r.is_ok(), "{r:?}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(sb.connections().len(), created_before + 1);
    let creates = sb
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path == "/api/v1/app-connections/northflank")
        .count();
    assert_eq!(creates, 2, "the refused POST and its one retry");
    assert_eq!(logins(&sb), before + 2, "the identity logged in again");
}
