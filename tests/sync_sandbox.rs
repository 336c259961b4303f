//! The sandbox's Secret Sync routes and provider listings, driven through the library client
//! (`kms::syncs`, `apps::destinations`): each route, each documented failure, the job's
//! lifecycle with the nested `lastSyncMessage`, paging, and the failing fixtures.

use kms_connect::apps::destinations::{self, DestinationCheck};
use kms_connect::apps::sync_spec::{Destination, InitialSync, SyncDraft, config_from_pairs};
use kms_connect::apps::{AppSpec, ConnectionInput, ProviderEndpoints, RawInput, validate};
use kms_connect::kms::syncs::{SecretSync, SyncRef, SyncStatus};
use kms_connect::kms::{KmsClient, KmsError};
use kms_connect::sandbox::{Sandbox, demo};
use secrecy::SecretString;
use serde_json::{Value, json};

fn http() -> reqwest::Client {
    kms_connect::http::client(false, true).unwrap()
}

fn kms(sb: &Sandbox) -> KmsClient {
    KmsClient::new(http(), format!("{}/api", sb.kms_url))
        .with_token(SecretString::from(sb.token.clone()))
}

fn endpoints(sb: &Sandbox) -> ProviderEndpoints {
    ProviderEndpoints::default()
        .with_app("bitbucket", &sb.bitbucket_api)
        .with_app("northflank", &sb.northflank_api)
}

fn input(sb: &Sandbox, dest: Destination, secret: &str) -> ConnectionInput {
    let app = AppSpec::by_slug(dest.slug()).unwrap();
    let target = match dest {
        Destination::TeamCity => sb.teamcity_url.clone(),
        Destination::OctopusDeploy => sb.octopus_url.clone(),
        Destination::Bitbucket => demo::BITBUCKET_EMAIL.into(),
        Destination::Northflank => String::new(),
    };
    let raw = RawInput {
        name: format!("{}-conn", dest.slug()),
        description: String::new(),
        target,
        secret: SecretString::from(secret.to_owned()),
    };
    validate::connection(app, &raw).unwrap()
}

fn good(dest: Destination) -> &'static str {
    match dest {
        Destination::TeamCity => demo::TEAMCITY_TOKEN,
        Destination::OctopusDeploy => demo::OCTOPUS_API_KEY,
        Destination::Bitbucket => demo::BITBUCKET_TOKEN,
        Destination::Northflank => demo::NORTHFLANK_TOKEN,
    }
}

async fn connection(sb: &Sandbox, dest: Destination) -> String {
    kms(sb)
        .create_connection(&input(sb, dest, good(dest)), Some(&sb.project_id))
        .await
        .unwrap()
        .id
}

fn draft(sb: &Sandbox, dest: Destination, conn: &str, name: &str, pairs: &[&str]) -> SyncDraft {
    let pairs: Vec<String> = pairs.iter().map(|s| s.to_string()).collect();
    SyncDraft {
        name: name.into(),
        project_id: sb.project_id.clone(),
        connection_id: conn.into(),
        environment: "prod".into(),
        initial: Some(InitialSync::OverwriteDestination),
        config: config_from_pairs(dest, &pairs).unwrap(),
        ..SyncDraft::new(dest)
    }
}

async fn until_done(k: &KmsClient, dest: Destination, id: &str) -> (SecretSync, Vec<SyncStatus>) {
    let mut seen = Vec::new();
    for _ in 0..200 {
        let s = k.get_sync(dest, &SyncRef::Id(id.into()), "").await.unwrap();
        let st = s.sync_status.unwrap();
        if seen.last() != Some(&st) {
            seen.push(st);
        }
        if st.is_done() {
            return (s, seen);
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("never finished: {seen:?}");
}

fn api_message(e: KmsError) -> (u16, String) {
    match e {
        KmsError::Api(a) => (a.status, a.message),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_sync_moves_pending_running_succeeded() {
    let sb = Sandbox::start().await.unwrap();
    let k = kms(&sb);
    let conn = connection(&sb, Destination::TeamCity).await;
    let body = draft(
        &sb,
        Destination::TeamCity,
        &conn,
        "tc",
        &["project=Backend"],
    )
    .body()
    .unwrap();
    let created = k.create_sync(Destination::TeamCity, &body).await.unwrap();
    assert_eq!(created.sync_status, Some(SyncStatus::Pending));
    let (done, seen) = until_done(&k, Destination::TeamCity, &created.id).await;
    assert_eq!(seen.last(), Some(&SyncStatus::Succeeded), "{seen:?}");
    assert!(done.last_synced_at.is_some());
    // Run again, get by name, list per destination and for all.
    let again = k
        .trigger_sync(Destination::TeamCity, &done.id)
        .await
        .unwrap();
    assert_eq!(again.sync_status, Some(SyncStatus::Pending));
    let by_name = k
        .get_sync(
            Destination::TeamCity,
            &SyncRef::Name("tc".into()),
            &sb.project_id,
        )
        .await
        .unwrap();
    assert_eq!(by_name.id, done.id);
    assert_eq!(
        k.list_syncs(Some(Destination::TeamCity), &sb.project_id)
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        k.list_syncs(Some(Destination::Northflank), &sb.project_id)
            .await
            .unwrap()
            .len(),
        0
    );
    assert_eq!(k.list_syncs(None, &sb.project_id).await.unwrap().len(), 1);
    let dup = k
        .check_sync_destination(
            Destination::TeamCity,
            &sb.project_id,
            &body["destinationConfig"],
        )
        .await
        .unwrap();
    assert!(dup.has_duplicate);
    let envs = k.project_environments(&sb.project_id).await.unwrap();
    assert_eq!(
        envs.iter().map(|e| e.slug.as_str()).collect::<Vec<_>>(),
        ["dev", "staging", "prod"]
    );
    // Delete with removeSecrets: the row answers removeStatus pending, then goes.
    until_done(&k, Destination::TeamCity, &done.id).await;
    let gone = k
        .delete_sync(Destination::TeamCity, &done.id, true)
        .await
        .unwrap();
    assert_eq!(gone.remove_status, Some(SyncStatus::Pending));
    for _ in 0..50 {
        if k.list_syncs(None, &sb.project_id).await.unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let (status, msg) = api_message(
        k.get_sync(Destination::TeamCity, &SyncRef::Id(done.id.clone()), "")
            .await
            .unwrap_err(),
    );
    assert_eq!(status, 404);
    assert_eq!(
        msg,
        format!("Could not find TeamCity Sync with ID \"{}\"", done.id)
    );
}

#[tokio::test]
async fn each_failing_fixture_fails_with_the_nested_message_decoded() {
    let sb = Sandbox::start().await.unwrap();
    let k = kms(&sb);
    let cases = [
        (
            Destination::TeamCity,
            vec!["project=Backend", "buildConfig=Backend_Locked"],
            "Edit project",
        ),
        (
            Destination::OctopusDeploy,
            vec!["spaceId=Spaces-1", "projectId=Projects-2"],
            "Project Contributor (VariableEdit)",
        ),
        (
            Destination::Bitbucket,
            vec!["workspaceSlug=kms-demo", "repositorySlug=locked-repo"],
            "admin:pipeline:bitbucket",
        ),
        (
            Destination::Northflank,
            vec!["projectId=web", "secretGroupId=locked"],
            "Secret Groups › Update",
        ),
    ];
    for (dest, pairs, points) in cases {
        let conn = connection(&sb, dest).await;
        let body = draft(&sb, dest, &conn, &format!("{}-fail", dest.slug()), &pairs)
            .body()
            .unwrap();
        let s = k.create_sync(dest, &body).await.unwrap();
        let (done, _) = until_done(&k, dest, &s.id).await;
        assert_eq!(done.sync_status, Some(SyncStatus::Failed), "{dest}");
        let raw = done.last_sync_message.clone().unwrap();
        assert!(raw.starts_with('{'), "{raw}");
        let d = done.last_message().unwrap();
        assert!(
            !d.text.contains("\\\"") && !d.text.contains('{'),
            "{dest}: {}",
            d.text
        );
        assert_eq!(d.points_at.unwrap().what, points, "{dest}");
    }
}

async fn raw_post(sb: &Sandbox, dest: &str, body: Value) -> (u16, Value) {
    let r = http()
        .post(format!("{}/api/v1/secret-syncs/{dest}", sb.kms_url))
        .bearer_auth(&sb.token)
        .json(&body)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

#[tokio::test]
async fn create_refuses_like_the_server() {
    let sb = Sandbox::start().await.unwrap();
    let tc = connection(&sb, Destination::TeamCity).await;
    let nf = connection(&sb, Destination::Northflank).await;
    // 422: zod issues in `message`, worded as the server words them.
    let (status, body) = raw_post(
        &sb,
        "octopus-deploy",
        json!({ "name": "Bad Name", "projectId": sb.project_id,
        "connectionId": "nope", "environment": "prod", "secretPath": "/",
        "syncOptions": { "initialSyncBehavior": "import-prioritize-source", "keySchema": "x" },
        "destinationConfig": { "spaceId": "", "projectId": "Projects-1" } }),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(body["error"], "ValidationFailure");
    let messages: Vec<&str> = body["message"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["message"].as_str().unwrap())
        .collect();
    assert!(
        messages.contains(&"Name field can only contain lowercase letters, numbers, and hyphens"),
        "{messages:?}"
    );
    assert!(messages.contains(&"Invalid uuid"));
    assert!(messages.contains(&"Invalid literal value, expected \"overwrite-destination\""));
    assert!(messages.contains(&"Space ID is required"));
    assert!(messages.contains(&"Invalid discriminator value. Expected 'project'"));
    assert!(
        messages
            .iter()
            .any(|m| m.starts_with("Key schema must include"))
    );
    let (status, body) = raw_post(&sb, "teamcity", json!({ "name": "a", "projectId": sb.project_id, "connectionId": tc,
        "environment": "prod", "secretPath": "/", "syncOptions": {}, "destinationConfig": { "project": "Backend" } })).await;
    assert_eq!(
        (status, body["message"][0]["message"].as_str()),
        (422, Some("Required"))
    );

    let k = kms(&sb);
    let ok = draft(&sb, Destination::TeamCity, &tc, "tc", &["project=Backend"]);
    k.create_sync(Destination::TeamCity, &ok.body().unwrap())
        .await
        .unwrap();
    let (s, m) = api_message(
        k.create_sync(Destination::TeamCity, &ok.body().unwrap())
            .await
            .unwrap_err(),
    );
    assert_eq!(
        (s, m.as_str()),
        (
            400,
            format!(
                "A Secret Sync with the name \"tc\" already exists for the project with ID \"{}\"",
                sb.project_id
            )
            .as_str()
        )
    );
    let wrong = draft(
        &sb,
        Destination::TeamCity,
        &nf,
        "wrong",
        &["project=Backend"],
    );
    let (s, m) = api_message(
        k.create_sync(Destination::TeamCity, &wrong.body().unwrap())
            .await
            .unwrap_err(),
    );
    assert_eq!(
        (s, m),
        (
            400,
            format!("Northflank Connection with ID {nf} cannot be used to connect to TeamCity")
        )
    );
    let mut folder = draft(
        &sb,
        Destination::TeamCity,
        &tc,
        "folder",
        &["project=Backend"],
    );
    folder.secret_path = "/nope".into();
    let (s, m) = api_message(
        k.create_sync(Destination::TeamCity, &folder.body().unwrap())
            .await
            .unwrap_err(),
    );
    assert_eq!(
        (s, m),
        (
            400,
            format!(
                "Could not find folder with path \"/nope\" in environment \"prod\" for project with ID \"{}\"",
                sb.project_id
            )
        )
    );
    let unknown = draft(
        &sb,
        Destination::TeamCity,
        "3b0c2f1e-9a7d-4c55-8e21-6f0a1d2b3c4d",
        "unknown",
        &["project=Backend"],
    );
    let (s, m) = api_message(
        k.create_sync(Destination::TeamCity, &unknown.body().unwrap())
            .await
            .unwrap_err(),
    );
    assert_eq!(
        (s, m.as_str()),
        (
            404,
            "Could not find App Connection with ID 3b0c2f1e-9a7d-4c55-8e21-6f0a1d2b3c4d"
        )
    );
}

#[tokio::test]
async fn destinations_are_listed_through_every_page() {
    let sb = Sandbox::start().await.unwrap();
    let (c, e) = (http(), endpoints(&sb));
    let tc = destinations::list(
        &c,
        &input(&sb, Destination::TeamCity, demo::TEAMCITY_TOKEN),
        &e,
    )
    .await
    .unwrap();
    assert_eq!(
        tc.roots.iter().map(|n| n.id.as_str()).collect::<Vec<_>>(),
        ["Backend"]
    );
    let oc = destinations::list(
        &c,
        &input(&sb, Destination::OctopusDeploy, demo::OCTOPUS_API_KEY),
        &e,
    )
    .await
    .unwrap();
    assert_eq!(oc.roots[0].children.len(), 2);
    let scope = destinations::octopus_scope_values(
        &c,
        &input(&sb, Destination::OctopusDeploy, demo::OCTOPUS_API_KEY),
        &e,
        "Spaces-1",
        "Projects-1",
    )
    .await
    .unwrap();
    assert!(
        scope
            .iter()
            .any(|n| n.kind == "environments" && n.id == "Environments-1")
    );
    assert_eq!(
        scope
            .iter()
            .filter(|n| n.kind == "processes")
            .map(|n| n.id.as_str())
            .collect::<Vec<_>>(),
        ["deploymentprocess-Projects-1", "Runbooks-1"]
    );
    let bb_in = input(&sb, Destination::Bitbucket, demo::BITBUCKET_TOKEN);
    let bb = destinations::list(&c, &bb_in, &e).await.unwrap();
    assert_eq!(bb.roots[0].children.len(), 121);
    let envs = destinations::bitbucket_environments(&c, &bb_in, &e, "kms-demo", "api")
        .await
        .unwrap();
    assert_eq!(envs.len(), 3);
    assert!(envs[0].id.starts_with('{'));
    // Pages 2 and 3 were asked for by number (concurrently), not by following `next`.
    let pages: Vec<String> = sb
        .requests()
        .into_iter()
        .filter(|r| r.path.starts_with("/2.0/repositories/kms-demo?"))
        .map(|r| r.path)
        .collect();
    assert_eq!(pages.len(), 2, "{pages:?}");
    let nf = destinations::list(
        &c,
        &input(&sb, Destination::Northflank, demo::NORTHFLANK_TOKEN),
        &e,
    )
    .await
    .unwrap();
    assert_eq!(nf.roots.len(), 105);
    assert_eq!(nf.roots[0].children.len(), 130);
    let bad = destinations::list(
        &c,
        &input(&sb, Destination::Northflank, "wrong-token-123"),
        &e,
    )
    .await
    .unwrap_err();
    assert_eq!(bad.status, Some(401));
}

async fn check(
    sb: &Sandbox,
    dest: Destination,
    secret: &str,
    pairs: &[&str],
    schema: Option<&str>,
) -> DestinationCheck {
    let pairs: Vec<String> = pairs.iter().map(|s| s.to_string()).collect();
    let config = config_from_pairs(dest, &pairs).unwrap();
    destinations::check(
        &http(),
        &input(sb, dest, secret),
        &endpoints(sb),
        &config,
        schema,
        "prod",
    )
    .await
}

fn missing(c: &DestinationCheck) -> Vec<String> {
    c.lines.iter().flat_map(|l| l.missing.clone()).collect()
}

#[tokio::test]
async fn destination_checks_name_the_missing_permission() {
    let sb = Sandbox::start().await.unwrap();
    let ok = check(
        &sb,
        Destination::TeamCity,
        demo::TEAMCITY_TOKEN,
        &["project=Backend"],
        None,
    )
    .await;
    assert!(ok.ok(), "{ok:?}");
    let tc = check(
        &sb,
        Destination::TeamCity,
        demo::TEAMCITY_PROJECT_TOKEN,
        &["project=Backend"],
        None,
    )
    .await;
    assert_eq!(missing(&tc), ["Edit project"]);
    let oc_ok = check(
        &sb,
        Destination::OctopusDeploy,
        demo::OCTOPUS_API_KEY,
        &["spaceId=Spaces-1", "projectId=Projects-1"],
        Some("KMS_{{secretKey}}"),
    )
    .await;
    assert!(oc_ok.ok(), "{oc_ok:?}");
    assert_eq!(
        (oc_ok.existing, oc_ok.matching.clone()),
        (Some(2), vec!["KMS_OLD".to_owned()])
    );
    let oc = check(
        &sb,
        Destination::OctopusDeploy,
        demo::OCTOPUS_READONLY_KEY,
        &["spaceId=Spaces-1", "projectId=Projects-1"],
        None,
    )
    .await;
    assert_eq!(missing(&oc), ["VariableEdit"]);
    let bb_ok = check(
        &sb,
        Destination::Bitbucket,
        demo::BITBUCKET_TOKEN,
        &["workspaceSlug=kms-demo", "repositorySlug=api"],
        Some("KMS_{{secretKey}}"),
    )
    .await;
    assert!(bb_ok.ok());
    assert_eq!(bb_ok.matching.len(), 4);
    let paged = bb_ok
        .lines
        .iter()
        .find(|l| l.message.contains("only the first page"))
        .unwrap_or_else(|| panic!("{bb_ok:?}"));
    // A key schema is given: the hint does not ask for one.
    assert!(
        paged
            .hint
            .as_deref()
            .unwrap()
            .starts_with("The key schema keeps"),
        "{paged:?}"
    );
    let unscoped = check(
        &sb,
        Destination::Bitbucket,
        demo::BITBUCKET_TOKEN,
        &["workspaceSlug=kms-demo", "repositorySlug=api"],
        None,
    )
    .await;
    assert!(
        unscoped.lines.iter().any(|l| l.hint.as_deref()
            == Some("Use a key schema so the sync manages only its own variables.")),
        "{unscoped:?}"
    );
    let bb = check(
        &sb,
        Destination::Bitbucket,
        demo::BITBUCKET_TOKEN_NO_PIPELINE,
        &["workspaceSlug=kms-demo", "repositorySlug=api"],
        None,
    )
    .await;
    assert_eq!(
        missing(&bb),
        ["read:pipeline:bitbucket", "admin:pipeline:bitbucket"]
    );
    let bb_read = check(
        &sb,
        Destination::Bitbucket,
        demo::BITBUCKET_TOKEN_READ_PIPELINE,
        &["workspaceSlug=kms-demo", "repositorySlug=api"],
        None,
    )
    .await;
    assert_eq!(bb_read.existing, Some(10), "the reads pass: {bb_read:?}");
    assert_eq!(missing(&bb_read), ["admin:pipeline:bitbucket"]);
    assert!(!bb_read.ok());
    let nf = check(
        &sb,
        Destination::Northflank,
        demo::NORTHFLANK_TOKEN_NO_UPDATE,
        &["projectId=web", "secretGroupId=app-env"],
        None,
    )
    .await;
    assert_eq!(missing(&nf), ["Secret Groups › Update"]);
    let nf_missing = check(
        &sb,
        Destination::Northflank,
        demo::NORTHFLANK_TOKEN,
        &["projectId=web", "secretGroupId=nope"],
        None,
    )
    .await;
    // A group that is not there is first a wrong ID, not a missing permission.
    assert!(!nf_missing.ok());
    assert!(missing(&nf_missing).is_empty(), "{nf_missing:?}");
    assert!(
        nf_missing.lines.iter().any(|l| l
            .hint
            .as_deref()
            .is_some_and(|h| h.starts_with("Check the destination's ID")
                && h.contains("Secret Groups › Read Values"))),
        "{nf_missing:?}"
    );
}

#[tokio::test]
async fn a_connection_a_sync_uses_cannot_be_deleted_until_the_sync_is_gone() {
    let sb = Sandbox::start().await.unwrap();
    let k = kms(&sb);
    let conn = connection(&sb, Destination::Northflank).await;
    let app = AppSpec::by_slug("northflank").unwrap();
    let body = draft(
        &sb,
        Destination::Northflank,
        &conn,
        "nf",
        &["projectId=web", "secretGroupId=runtime"],
    )
    .body()
    .unwrap();
    let sync = k.create_sync(Destination::Northflank, &body).await.unwrap();
    // The real server's foreign key: 400 with its wording, and the connection stays.
    let (status, msg) = api_message(k.delete_connection(app, &conn).await.unwrap_err());
    assert_eq!(status, 400);
    assert!(
        msg.starts_with("Cannot delete App Connection with existing connections."),
        "{msg}"
    );
    // Organization level: every visible project is asked, and the sync is found in its own.
    let everywhere = k.list_syncs_in(None, None).await.unwrap();
    assert!(everywhere.unread.is_empty(), "{:?}", everywhere.unread);
    assert!(
        everywhere
            .projects
            .iter()
            .any(|(id, _)| *id == sb.project_id),
        "{:?}",
        everywhere.projects
    );
    assert_eq!(
        kms_connect::kms::syncs::syncs_of_connection(&everywhere.syncs, &conn).len(),
        1
    );
    until_done(&k, Destination::Northflank, &sync.id).await;
    k.delete_sync(Destination::Northflank, &sync.id, false)
        .await
        .unwrap();
    let deleted = k.delete_connection(app, &conn).await.unwrap();
    assert_eq!(deleted.id, conn);
}

#[tokio::test]
async fn teamcity_lists_build_types_and_reads_non_inherited_env_parameters() {
    let sb = Sandbox::start().await.unwrap();
    let tc = destinations::list(
        &http(),
        &input(&sb, Destination::TeamCity, demo::TEAMCITY_TOKEN),
        &endpoints(&sb),
    )
    .await
    .unwrap();
    let builds: Vec<&str> = tc.roots[0].children.iter().map(|n| n.id.as_str()).collect();
    assert_eq!(
        builds,
        [demo::TEAMCITY_BUILD, demo::SYNC_FAIL_TEAMCITY_BUILD]
    );
    // Project: env.KMS_API_URL, env.KMS_DB_URL, env.LEGACY_TOKEN; the inherited env.ROOT_PROXY
    // and the non-env parameter are not the sync's to delete.
    let project = check(
        &sb,
        Destination::TeamCity,
        demo::TEAMCITY_TOKEN,
        &["project=Backend"],
        Some("KMS_{{secretKey}}"),
    )
    .await;
    assert!(project.ok(), "{project:?}");
    assert_eq!(project.existing, Some(3));
    assert_eq!(project.matching, ["KMS_API_URL", "KMS_DB_URL"]);
    // The failing build configuration reads like any other: only its writes are refused.
    let locked = format!("buildConfig={}", demo::SYNC_FAIL_TEAMCITY_BUILD);
    let build = check(
        &sb,
        Destination::TeamCity,
        demo::TEAMCITY_TOKEN,
        &["project=Backend", &locked],
        None,
    )
    .await;
    assert!(build.ok(), "{build:?}");
    assert_eq!(build.existing, Some(1));
    assert_eq!(build.matching, ["KMS_DEPLOY_KEY"]);
    let k = kms(&sb);
    let conn = connection(&sb, Destination::TeamCity).await;
    let d = draft(
        &sb,
        Destination::TeamCity,
        &conn,
        "locked-build",
        &["project=Backend", &locked],
    )
    .body()
    .unwrap();
    let made = k.create_sync(Destination::TeamCity, &d).await.unwrap();
    let (done, _) = until_done(&k, Destination::TeamCity, &made.id).await;
    assert_eq!(done.sync_status, Some(SyncStatus::Failed));
}

async fn raw(sb: &Sandbox, method: reqwest::Method, path: &str) -> (u16, Value) {
    let r = http()
        .request(method, format!("{}/api/v1/secret-syncs{path}", sb.kms_url))
        .bearer_auth(&sb.token)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

fn first_message(body: &Value) -> String {
    match &body["message"] {
        Value::Array(issues) => issues[0]["message"].as_str().unwrap().to_owned(),
        m => m.as_str().unwrap().to_owned(),
    }
}

#[tokio::test]
async fn routes_refuse_like_the_server() {
    use reqwest::Method;
    let sb = Sandbox::start().await.unwrap();
    let k = kms(&sb);
    let tc = connection(&sb, Destination::TeamCity).await;
    let body = draft(&sb, Destination::TeamCity, &tc, "tc", &["project=Backend"])
        .body()
        .unwrap();
    let id = k
        .create_sync(Destination::TeamCity, &body)
        .await
        .unwrap()
        .id;

    // Triggering while the job runs: the server's 400. The window is the job's running step,
    // so a trigger that lands outside it (accepted: pending again) is simply tried again.
    let mut refused = None;
    for _ in 0..20 {
        assert!(until_running(&k, &id).await, "never running");
        let (status, answer) =
            raw(&sb, Method::POST, &format!("/teamcity/{id}/sync-secrets")).await;
        if status == 400 {
            refused = Some(first_message(&answer));
            break;
        }
        assert_eq!(status, 200, "{answer}");
    }
    assert_eq!(
        refused.as_deref(),
        Some("A job for this sync is already in progress. Please try again shortly.")
    );

    let (status, answer) = raw(&sb, Method::GET, &format!("/northflank/{id}")).await;
    assert_eq!(status, 400, "{answer}");
    assert_eq!(
        first_message(&answer),
        format!("Secret sync with ID \"{id}\" is not configured for Northflank")
    );
    let (status, answer) = raw(
        &sb,
        Method::GET,
        &format!("/teamcity/sync-name/nope?projectId={}", sb.project_id),
    )
    .await;
    assert_eq!(status, 404, "{answer}");
    assert!(
        first_message(&answer).contains("with name \"nope\""),
        "{answer}"
    );
    let (status, answer) = raw(
        &sb,
        Method::DELETE,
        &format!("/teamcity/{id}?removeSecrets=yes"),
    )
    .await;
    assert_eq!(status, 422, "{answer}");
    assert_eq!(answer["error"], "ValidationFailure");
    assert_eq!(answer["message"][0]["path"], json!(["removeSecrets"]));
    let (status, answer) = raw(&sb, Method::GET, "").await;
    assert_eq!(status, 422, "{answer}");
    assert_eq!(answer["message"][0]["path"], json!(["projectId"]));
    // The sync is still there: the refused delete deleted nothing.
    assert!(
        k.get_sync(Destination::TeamCity, &SyncRef::Id(id.clone()), "")
            .await
            .is_ok()
    );
}

/// Polls until the sync is `running`; true when seen.
async fn until_running(k: &KmsClient, id: &str) -> bool {
    for _ in 0..1000 {
        let s = k
            .get_sync(Destination::TeamCity, &SyncRef::Id(id.into()), "")
            .await
            .unwrap();
        let st = s.sync_status.unwrap();
        if st == SyncStatus::Running {
            return true;
        }
        if st.is_done() {
            // Finished between polls: run it again and look for the next running step.
            k.trigger_sync(Destination::TeamCity, id).await.unwrap();
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    false
}

#[tokio::test]
async fn create_caps_the_key_schema_and_words_the_description_limit() {
    let sb = Sandbox::start().await.unwrap();
    let tc = connection(&sb, Destination::TeamCity).await;
    let long_schema = format!("{}{{{{secretKey}}}}", "K".repeat(250));
    let (status, body) = raw_post(
        &sb,
        "teamcity",
        json!({ "name": "a", "projectId": sb.project_id, "connectionId": tc,
        "environment": "prod", "secretPath": "/", "description": "d".repeat(257),
        "syncOptions": { "initialSyncBehavior": "overwrite-destination", "keySchema": long_schema },
        "destinationConfig": { "project": "Backend" } }),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    let issues: Vec<(String, &str)> = body["message"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["path"].to_string(), i["message"].as_str().unwrap()))
        .collect();
    assert!(
        issues.contains(&(
            "[\"description\"]".into(),
            "Description cannot exceed 256 characters"
        )),
        "{issues:?}"
    );
    assert!(
        issues.contains(&(
            "[\"syncOptions\",\"keySchema\"]".into(),
            "String must contain at most 255 character(s)"
        )),
        "{issues:?}"
    );
}

#[tokio::test]
async fn sync_fields_are_trimmed_and_counted_as_javascript_does() {
    // zod's trim is String.prototype.trim (U+FEFF and U+00A0 are spaces to it) and its max
    // counts UTF-16 code units (an emoji is 2): Infisical secret-sync-schemas.ts.
    let sb = Sandbox::start().await.unwrap();
    let tc = connection(&sb, Destination::TeamCity).await;
    let body = |name: &str, description: String| {
        json!({ "name": name, "projectId": sb.project_id, "connectionId": tc,
        "environment": "prod", "secretPath": "/", "description": description,
        "syncOptions": { "initialSyncBehavior": "overwrite-destination" },
        "destinationConfig": { "project": "Backend" } })
    };
    // 129 emoji are 258 code units: over the 256 limit though only 129 characters.
    let (status, got) = raw_post(&sb, "teamcity", body("emoji", "🔑".repeat(129))).await;
    assert_eq!(status, 422, "{got}");
    assert_eq!(
        got["message"][0]["message"],
        "Description cannot exceed 256 characters"
    );
    let mut d = SyncDraft {
        description: Some("🔑".repeat(129)),
        ..draft(
            &sb,
            Destination::TeamCity,
            &tc,
            "emoji",
            &["project=Backend"],
        )
    };
    assert!(d.body().is_err(), "the client counts as the server does");
    d.description = Some("🔑".repeat(128));
    d.name = "\u{feff}web-sync\u{a0}".into();
    let made = kms(&sb)
        .create_sync(Destination::TeamCity, &d.body().unwrap())
        .await
        .unwrap();
    assert_eq!(made.name, "web-sync");
    let (status, got) = raw_post(&sb, "teamcity", body("\u{feff}other\u{a0}", String::new())).await;
    assert_eq!(
        (status, &got["secretSync"]["name"]),
        (200, &json!("other")),
        "{got}"
    );
}
