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

/// The sync flow's requests, run by the worker against the sandbox: the project's
/// environments, the Northflank destinations listed with the credential (every cursor page),
/// the checks, the create, and polls until the run ends.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sync_requests_list_check_create_and_poll_until_the_run_succeeds() {
    use kms_connect::apps::sync_spec::{Destination, InitialSync, SyncDraft};
    use kms_connect::kms::syncs::SyncStatus;
    use kms_connect::tui::msg::{SyncCheckInput, SyncReply, SyncRequest};

    let sb = Sandbox::start().await.unwrap();
    let (tx, mut results) = mpsc::unbounded_channel();
    let reach = Reach {
        api_base: format!("{}/api", sb.kms_url),
        credentials: Some(Credentials::Token(SecretString::from(sb.token.clone()))),
        providers: ProviderEndpoints::default().with_app("northflank", &sb.northflank_api),
        direct: true,
    };
    let mut worker = Worker::new(reach, tx);
    let reply = |m: Msg| match m {
        Msg::Sync(r) => *r,
        other => panic!("{other:?}"),
    };
    let app = AppSpec::by_slug("northflank").unwrap();
    let input = apps::validate::connection(
        app,
        &RawInput {
            name: "worker-sync".into(),
            description: String::new(),
            target: String::new(),
            secret: SecretString::from(demo::NORTHFLANK_TOKEN),
        },
    )
    .unwrap();
    worker.run(Effect::Create(
        1,
        input.clone(),
        Some(sb.project_id.clone()),
    ));
    let conn = match next(&mut results).await {
        Msg::Created(1, r) => r.unwrap(),
        other => panic!("{other:?}"),
    };

    worker.run(Effect::Sync(SyncRequest::Environments(
        2,
        sb.project_id.clone(),
    )));
    match reply(next(&mut results).await) {
        SyncReply::Environments(2, r) => {
            let slugs: Vec<String> = r.unwrap().into_iter().map(|e| e.slug).collect();
            assert!(slugs.contains(&"prod".to_owned()), "{slugs:?}");
        }
        other => panic!("{other:?}"),
    }

    worker.run(Effect::Sync(SyncRequest::Destinations(
        3,
        Box::new(input.clone()),
    )));
    let tree = match reply(next(&mut results).await) {
        SyncReply::Destinations(3, r) => r.unwrap(),
        other => panic!("{other:?}"),
    };
    assert!(
        tree.roots.len() > 100,
        "every cursor page: {}",
        tree.roots.len()
    );
    let web = tree.roots.iter().find(|n| n.id == "web").expect("web");
    let group = &web.children[0];

    let mut draft = SyncDraft {
        name: "worker-sync".into(),
        project_id: sb.project_id.clone(),
        connection_id: conn.id.clone(),
        environment: "prod".into(),
        initial: Some(InitialSync::OverwriteDestination),
        key_schema: Some("KMS_{{secretKey}}".into()),
        ..SyncDraft::new(Destination::Northflank)
    };
    draft
        .config
        .insert("projectId".into(), web.id.clone().into());
    draft
        .config
        .insert("secretGroupId".into(), group.id.clone().into());
    let check = SyncCheckInput {
        config: draft.config.clone(),
        key_schema: draft.key_schema.clone(),
        environment: "prod".into(),
    };
    worker.run(Effect::Sync(SyncRequest::Check(
        4,
        Box::new(input),
        Box::new(check),
    )));
    match reply(next(&mut results).await) {
        SyncReply::Checked(4, c) => assert!(c.ok(), "{c:?}"),
        other => panic!("{other:?}"),
    }

    let body = draft.body().unwrap();
    worker.run(Effect::Sync(SyncRequest::Create(
        5,
        Destination::Northflank,
        Box::new(body),
    )));
    let sync = match reply(next(&mut results).await) {
        SyncReply::Created(5, r) => r.unwrap(),
        other => panic!("{other:?}"),
    };
    // Poll as the flow does, each answer asking for the next, until the run ends.
    let mut attempt = 0;
    let status = loop {
        let id = 10 + u64::from(attempt);
        worker.run(Effect::Sync(SyncRequest::Poll(
            id,
            Destination::Northflank,
            sync.id.clone(),
            attempt,
        )));
        match reply(next(&mut results).await) {
            SyncReply::Polled(got, r, took) => {
                assert_eq!(got, id);
                assert!(took >= Duration::from_secs(1), "waited the poll delay");
                let s = r.unwrap();
                if s.sync_status.is_some_and(|st| st.is_done()) {
                    break s.sync_status;
                }
            }
            other => panic!("{other:?}"),
        }
        attempt += 1;
        assert!(attempt < 10, "the sandbox's run ends within seconds");
    };
    assert_eq!(status, Some(SyncStatus::Succeeded));
}
