//! The deep credential checks (who, expiry, permissions) against the sandbox's providers and
//! against wiremock replaying the shapes providers.md records: plain-text TeamCity errors,
//! Octopus `ErrorMessage`, Bitbucket `detail.granted`, Northflank `expiresAt`.

use std::time::{Duration, SystemTime};

mod common;

use kms_connect::apps::checks::{
    self, CheckInputs, CheckKind, CheckLine, CheckOptions, Checklist, Status,
};
use kms_connect::apps::front_end::WIZARD;
use kms_connect::apps::{self, AppSpec, ConnectionInput, OutcomeCode, ProviderEndpoints, RawInput};
use kms_connect::http;
use kms_connect::sandbox::{Sandbox, demo};
use secrecy::SecretString;
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

const DAY: i64 = 86_400;

fn input(slug: &str, target: &str, secret: &str) -> ConnectionInput {
    let raw = RawInput {
        name: "checks".into(),
        description: String::new(),
        target: target.into(),
        secret: SecretString::from(secret),
    };
    apps::validate::connection(AppSpec::by_slug(slug).unwrap(), &raw)
        .unwrap_or_else(|e| panic!("{slug}: {e:?}"))
}

fn endpoints(sb: &Sandbox) -> ProviderEndpoints {
    ProviderEndpoints::default()
        .with_app("bitbucket", &sb.bitbucket_api)
        .with_app("northflank", &sb.northflank_api)
}

fn target(sb: &Sandbox, slug: &str) -> String {
    match slug {
        "teamcity" => sb.teamcity_url.clone(),
        "octopus-deploy" => sb.octopus_url.clone(),
        "bitbucket" => demo::BITBUCKET_EMAIL.into(),
        _ => String::new(),
    }
}

fn options(inputs: CheckInputs) -> CheckOptions {
    CheckOptions::new(inputs, SystemTime::now(), &WIZARD)
}

/// Runs the checks; asserts no line, hint or JSON holds the secret or a control character.
async fn run(inp: &ConnectionInput, eps: &ProviderEndpoints, opts: &CheckOptions) -> Checklist {
    let list = checks::run_checks(&http::client(false, true).unwrap(), inp, eps, opts).await;
    let secret = secrecy::ExposeSecret::expose_secret(&inp.secret).to_owned();
    let json = serde_json::to_string(&list).unwrap();
    assert!(!json.contains(&secret), "secret in {json}");
    assert!(!format!("{list:?}").contains(&secret));
    for line in list.lines() {
        for text in std::iter::once(&line.message).chain(line.hint.as_ref()) {
            assert!(!text.chars().any(char::is_control), "{text:?}");
        }
    }
    list
}

async fn sandbox_checks(sb: &Sandbox, slug: &str, secret: &str, inputs: CheckInputs) -> Checklist {
    run(
        &input(slug, &target(sb, slug), secret),
        &endpoints(sb),
        &options(inputs),
    )
    .await
}

fn line(list: &Checklist, kind: CheckKind) -> &CheckLine {
    list.extra
        .iter()
        .find(|l| l.check == kind)
        .unwrap_or_else(|| panic!("no {kind:?} line in {list:#?}"))
}

fn kinds_and_status(list: &Checklist) -> Vec<(CheckKind, Status)> {
    list.lines().iter().map(|l| (l.check, l.status)).collect()
}

fn provider_gets(sb: &Sandbox, slug: &str) -> Vec<String> {
    sb.requests()
        .into_iter()
        .filter(|r| r.service == slug)
        .map(|r| {
            assert_eq!(r.method, "GET", "every check is read-only");
            r.path.split('?').next().unwrap().to_owned()
        })
        .collect()
}

fn project(p: &str) -> CheckInputs {
    CheckInputs {
        project: Some(p.into()),
        ..Default::default()
    }
}

// ---------------------------------------------------------------------------------------------
// Sandbox: every state the demo offers
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn good_credentials_pass_every_line_with_a_handful_of_reads() {
    let sb = Sandbox::start().await.unwrap();
    let tc = sandbox_checks(&sb, "teamcity", demo::TEAMCITY_TOKEN, project("Backend")).await;
    assert!(tc.ok());
    assert_eq!(
        kinds_and_status(&tc),
        [
            (CheckKind::Server, Status::Ok),
            (CheckKind::Who, Status::Ok),
            (CheckKind::Expiry, Status::Ok),
            (CheckKind::Permissions, Status::Ok),
        ]
    );
    assert_eq!(
        line(&tc, CheckKind::Who).message,
        "The token acts as TeamCity user svc-kms (KMS sync)."
    );
    assert_eq!(
        line(&tc, CheckKind::Expiry).message,
        "The token \"kms-connect\" never expires."
    );
    assert_eq!(
        line(&tc, CheckKind::Permissions).message,
        "The token has \"View build configuration settings\" and \"Edit project\" on Backend."
    );
    let mut gets = provider_gets(&sb, "teamcity");
    gets.sort();
    assert_eq!(
        gets,
        [
            "/app/rest/projects/id:Backend",
            "/app/rest/projects/id:Backend/parameters",
            "/app/rest/server",
            "/app/rest/users/current",
            "/app/rest/users/current/tokens",
        ]
    );

    let oc = sandbox_checks(
        &sb,
        "octopus-deploy",
        demo::OCTOPUS_API_KEY,
        Default::default(),
    )
    .await;
    assert_eq!(
        kinds_and_status(&oc),
        [
            (CheckKind::Server, Status::Ok),
            (CheckKind::Who, Status::Ok),
            (CheckKind::Expiry, Status::Ok),
            (CheckKind::Permissions, Status::Ok),
        ]
    );
    assert_eq!(
        line(&oc, CheckKind::Who).message,
        "The key belongs to Octopus account svc-kms (KMS sync)."
    );
    let expiry = line(&oc, CheckKind::Expiry);
    assert!(
        expiry
            .message
            .starts_with("The API key \"kms-connect\" expires on "),
        "{expiry:?}"
    );
    assert!(expiry.message.ends_with("(180 days)."), "{expiry:?}");
    assert_eq!(
        line(&oc, CheckKind::Permissions).message,
        "The account has ProjectView, VariableView, VariableEdit."
    );
    // users/me, apikeys, permissions and spaces/all.
    assert_eq!(provider_gets(&sb, "octopus-deploy").len(), 4);

    let bb = sandbox_checks(&sb, "bitbucket", demo::BITBUCKET_TOKEN, Default::default()).await;
    assert_eq!(
        kinds_and_status(&bb),
        [
            (CheckKind::Server, Status::Ok),
            (CheckKind::Who, Status::Ok),
            (CheckKind::Expiry, Status::Unknown),
            (CheckKind::Permissions, Status::Ok),
            (CheckKind::Permissions, Status::Ok),
        ]
    );
    let expiry = line(&bb, CheckKind::Expiry);
    assert_eq!(
        expiry.message,
        "Expiry unknown: Bitbucket does not tell when an API token expires."
    );
    assert_eq!(
        expiry.hint.as_deref(),
        Some("See https://id.atlassian.com/manage-profile/security/api-tokens.")
    );
    assert_eq!(
        provider_gets(&sb, "bitbucket"),
        ["/2.0/user", "/2.0/user/workspaces"],
        "scopes come from the server check's headers; one read for the workspaces"
    );

    let nf = sandbox_checks(
        &sb,
        "northflank",
        demo::NORTHFLANK_TOKEN,
        Default::default(),
    )
    .await;
    assert_eq!(
        kinds_and_status(&nf),
        [
            (CheckKind::Server, Status::Ok),
            (CheckKind::Who, Status::Ok),
            (CheckKind::Expiry, Status::Ok),
            (CheckKind::Permissions, Status::Ok),
        ]
    );
    assert_eq!(
        line(&nf, CheckKind::Who).message,
        "Token KMS sync (role KMS) for team acme."
    );
    assert_eq!(
        line(&nf, CheckKind::Expiry).message,
        "The token never expires."
    );
    let mut gets = provider_gets(&sb, "northflank");
    gets.sort();
    assert_eq!(gets, ["/v1/auth", "/v1/projects"]);
    // The checks never touch the KMS server.
    assert!(sb.requests().iter().all(|r| r.service != "kms"));
}

#[tokio::test]
async fn a_token_expiring_in_five_days_is_a_warning_not_a_failure() {
    let sb = Sandbox::start().await.unwrap();
    let subjects = [
        ("teamcity", "The token \"kms-connect\" expires on "),
        ("octopus-deploy", "The API key \"kms-connect\" expires on "),
        ("northflank", "The token expires on "),
    ];
    for (slug, subject) in subjects {
        let list = sandbox_checks(&sb, slug, demo::EXPIRING_TOKEN, Default::default()).await;
        assert!(list.ok(), "{slug}: a warning never fails the test");
        let l = line(&list, CheckKind::Expiry);
        assert_eq!(l.status, Status::Warn, "{slug}: {l:?}");
        assert!(l.message.starts_with(subject), "{slug}: {l:?}");
        assert!(
            l.message.ends_with("(5 days). Rotate it before then."),
            "{slug}: {l:?}"
        );
        assert!(l.expires_at.as_deref().is_some_and(|e| e.ends_with('Z')));
        assert_eq!(list.warnings(), 1, "{slug}: {list:#?}");
    }
}

#[tokio::test]
async fn the_time_is_passed_in_so_expiry_follows_it() {
    let sb = Sandbox::start().await.unwrap();
    let inp = input("octopus-deploy", &sb.octopus_url, demo::OCTOPUS_API_KEY);
    // The same key, judged 200 days from now: its 180 days are over.
    let mut opts = options(Default::default());
    opts.now += 200 * DAY;
    let list = run(&inp, &endpoints(&sb), &opts).await;
    let l = line(&list, CheckKind::Expiry);
    assert_eq!(l.status, Status::Fail);
    assert!(
        l.message
            .starts_with("The API key \"kms-connect\" expired on ")
    );
    assert!(list.ok(), "the server accepted the key, so the test passes");
    // 160 days from now it has 20 left.
    opts.now -= 40 * DAY;
    let list = run(&inp, &endpoints(&sb), &opts).await;
    let l = line(&list, CheckKind::Expiry);
    assert_eq!(l.status, Status::Warn);
    assert!(l.message.contains("(20 days)"), "{l:?}");
}

#[tokio::test]
async fn an_expired_northflank_token_says_when_it_expired() {
    let sb = Sandbox::start().await.unwrap();
    let list = sandbox_checks(&sb, "northflank", demo::EXPIRED_TOKEN, Default::default()).await;
    assert!(!list.ok());
    assert_eq!(list.server.code, OutcomeCode::TokenRejected);
    let l = line(&list, CheckKind::Expiry);
    assert_eq!(l.status, Status::Fail);
    assert!(l.message.starts_with("The token expired on "), "{l:?}");
}

#[tokio::test]
async fn a_per_project_teamcity_token_without_edit_project_is_a_warning() {
    let sb = Sandbox::start().await.unwrap();
    // Without a project named: from the token's own restrictions.
    let list = sandbox_checks(
        &sb,
        "teamcity",
        demo::TEAMCITY_PROJECT_TOKEN,
        Default::default(),
    )
    .await;
    assert!(list.ok());
    let l = line(&list, CheckKind::Permissions);
    assert_eq!(l.status, Status::Warn);
    assert_eq!(
        l.message,
        "Missing TeamCity permission \"Edit project\" on Backend."
    );
    assert_eq!(l.missing, ["Edit project"]);
    // With the project named: from the project's links (no webEdit, no uuid).
    let list = sandbox_checks(
        &sb,
        "teamcity",
        demo::TEAMCITY_PROJECT_TOKEN,
        project("Backend"),
    )
    .await;
    let l = line(&list, CheckKind::Permissions);
    assert_eq!(
        (l.status, l.message.as_str()),
        (
            Status::Warn,
            "Missing TeamCity permission \"Edit project\" on Backend."
        )
    );
    // A project the token cannot see.
    let list = sandbox_checks(&sb, "teamcity", demo::TEAMCITY_TOKEN, project("Nope")).await;
    let l = line(&list, CheckKind::Permissions);
    assert_eq!(
        (l.status, l.message.as_str()),
        (
            Status::Warn,
            "Project Nope not found or not visible to this token."
        )
    );
}

#[tokio::test]
async fn a_read_only_octopus_key_is_a_warning() {
    let sb = Sandbox::start().await.unwrap();
    let list = sandbox_checks(
        &sb,
        "octopus-deploy",
        demo::OCTOPUS_READONLY_KEY,
        Default::default(),
    )
    .await;
    assert!(list.ok());
    let warn: Vec<_> = list
        .extra
        .iter()
        .filter(|l| l.status == Status::Warn)
        .collect();
    assert_eq!(warn.len(), 1, "{list:#?}");
    assert_eq!(warn[0].check, CheckKind::Permissions);
    assert_eq!(
        warn[0].message,
        "The Octopus API key is read-only; the sync needs to write project variables."
    );
}

#[tokio::test]
async fn bitbucket_scopes_are_judged_per_use() {
    let sb = Sandbox::start().await.unwrap();
    let list = sandbox_checks(
        &sb,
        "bitbucket",
        demo::BITBUCKET_TOKEN_NO_PIPELINE,
        Default::default(),
    )
    .await;
    assert!(list.ok());
    let perms: Vec<_> = list
        .extra
        .iter()
        .filter(|l| l.check == CheckKind::Permissions)
        .map(|l| (l.status, l.message.as_str()))
        .collect();
    assert_eq!(
        perms,
        [
            (
                Status::Warn,
                "For Secret Sync the token is missing scope(s): read:pipeline:bitbucket, write:pipeline:bitbucket, admin:pipeline:bitbucket."
            ),
            (
                Status::Ok,
                "The token has every scope Secret Scanning needs."
            ),
        ]
    );
    // The use chosen in the wizard narrows it to one line.
    let scanning = CheckInputs {
        use_name: Some("Secret Scanning".into()),
        ..Default::default()
    };
    let list = sandbox_checks(
        &sb,
        "bitbucket",
        demo::BITBUCKET_TOKEN_NO_PIPELINE,
        scanning,
    )
    .await;
    assert_eq!(list.warnings(), 0, "{list:#?}");

    // Missing read:user:bitbucket fails the server's check, so those lines are ✗.
    let list = sandbox_checks(
        &sb,
        "bitbucket",
        demo::BITBUCKET_TOKEN_NO_USER_SCOPE,
        Default::default(),
    )
    .await;
    assert_eq!(list.server.code, OutcomeCode::MissingScope);
    let sync = list
        .extra
        .iter()
        .find(|l| l.check == CheckKind::Permissions)
        .unwrap();
    assert_eq!(sync.status, Status::Fail);
    assert!(sync.missing.contains(&"read:user:bitbucket".to_owned()));
    assert!(!sync.missing.contains(&"read:pipeline:bitbucket".to_owned()));
}

#[tokio::test]
async fn an_org_level_northflank_token_is_not_warned_about() {
    let sb = Sandbox::start().await.unwrap();
    let list = sandbox_checks(
        &sb,
        "northflank",
        demo::NORTHFLANK_ORG_TOKEN,
        Default::default(),
    )
    .await;
    assert!(list.ok());
    // The server's check (/v1/projects) just passed: nothing says an org token fails there.
    let l = line(&list, CheckKind::Who);
    assert_eq!(l.status, Status::Ok, "{l:?}");
    assert_eq!(l.message, "Token KMS sync (role KMS) for org acme.");
    assert!(
        list.extra.iter().all(|l| l.status != Status::Warn),
        "{list:#?}"
    );
}

#[tokio::test]
async fn a_refused_credential_gets_no_tick_only_not_checked_lines() {
    let sb = Sandbox::start().await.unwrap();
    let list = sandbox_checks(&sb, "northflank", demo::EXPIRED_TOKEN, Default::default()).await;
    assert!(!list.ok());
    assert!(
        list.extra
            .iter()
            .all(|l| l.status == Status::Fail || l.message.contains("not checked")),
        "{list:#?}"
    );
    let who = line(&list, CheckKind::Who);
    assert_eq!(who.status, Status::Unknown, "{who:?}");
    assert!(who.message.contains("not checked"), "{who:?}");
}

#[tokio::test]
async fn a_secret_that_is_a_word_leaves_our_own_sentences_alone() {
    let sb = Sandbox::start().await.unwrap();
    let client = http::client(false, true).unwrap();
    let opts = options(Default::default());
    let tc = input("teamcity", &target(&sb, "teamcity"), "TeamCity");
    let list = checks::run_checks(&client, &tc, &endpoints(&sb), &opts).await;
    assert!(!list.ok());
    assert!(
        list.server
            .message
            .starts_with("TeamCity rejected the access token"),
        "{}",
        list.server.message
    );
    let bb = input("bitbucket", demo::BITBUCKET_EMAIL, "wrong");
    let list = checks::run_checks(&client, &bb, &endpoints(&sb), &opts).await;
    assert!(!list.ok());
    let hint = list.server.hint.unwrap_or_default();
    assert!(hint.starts_with("The token is wrong, expired"), "{hint}");
    assert!(!hint.contains("[secret]"), "{hint}");
}

#[tokio::test]
async fn rate_limits_redirects_and_web_pages_fail_the_server_line_without_noise() {
    let sb = Sandbox::start().await.unwrap();
    for slug in ["teamcity", "octopus-deploy", "bitbucket", "northflank"] {
        let list = sandbox_checks(&sb, slug, demo::RATE_LIMITED_TOKEN, Default::default()).await;
        assert_eq!(list.server.code, OutcomeCode::RateLimited, "{slug}");
        assert_eq!(list.server.retry_after_secs, Some(30), "{slug}");
        assert!(
            list.extra
                .iter()
                .all(|l| l.status != Status::Unknown || l.message.contains("not checked")),
            "{slug}: {list:#?}"
        );
    }
    for (slug, good) in [
        ("teamcity", demo::TEAMCITY_TOKEN),
        ("octopus-deploy", demo::OCTOPUS_API_KEY),
    ] {
        let base = target(&sb, slug);
        let inp = input(slug, &format!("{base}{}", demo::REDIRECTING_PATH), good);
        let list = run(&inp, &endpoints(&sb), &options(Default::default())).await;
        assert_eq!(list.server.code, OutcomeCode::Redirect, "{slug}");
        assert!(
            list.server.message.contains(&format!(
                "{base}{}",
                AppSpec::by_slug(slug).unwrap().probe_path
            )),
            "{slug}: {}",
            list.server.message
        );
        assert!(list.extra.is_empty(), "{slug}: {list:#?}");
        let inp = input(slug, &format!("{base}{}", demo::WEB_PAGE_PATH), good);
        let list = run(&inp, &endpoints(&sb), &options(Default::default())).await;
        assert_eq!(list.server.code, OutcomeCode::NotProvider, "{slug}");
        assert!(list.server.message.contains("a web page"), "{slug}");
        assert!(list.extra.is_empty(), "{slug}: {list:#?}");
    }
}

// ---------------------------------------------------------------------------------------------
// Wiremock: the recorded shapes
// ---------------------------------------------------------------------------------------------

const SECRET: &str = "checks-secret-0042";

async fn mock(server: &MockServer, route: &str, reply: ResponseTemplate) {
    Mock::given(method("GET"))
        .and(path(route))
        .respond_with(reply)
        .mount(server)
        .await;
}

fn json_reply(status: u16, body: Value) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(body)
}

fn text_reply(status: u16, body: &str) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .insert_header("content-type", "text/plain")
        .insert_header("TeamCity-Node-Id", "MAIN_SERVER")
        .set_body_string(body)
}

/// A fixed "now": 2026-02-20T00:00:00Z.
fn fixed(inputs: CheckInputs) -> CheckOptions {
    CheckOptions {
        inputs,
        now: 1_771_545_600,
        timeout: Duration::from_secs(5),
        front_end: &WIZARD,
    }
}

async fn teamcity_server() -> MockServer {
    let server = MockServer::start().await;
    mock(
        &server,
        "/app/rest/server",
        json_reply(200, json!({"version": "2025.07 (build 197398)"})),
    )
    .await;
    server
}

#[tokio::test]
async fn teamcity_plain_text_errors_are_read() {
    let server = teamcity_server().await;
    mock(
        &server,
        "/app/rest/users/current",
        text_reply(404, "Responding with error, status code: 404 (Not Found).\nDetails: jetbrains.buildServer.server.rest.errors.NotFoundException: No current user.\nCould not find the entity requested."),
    )
    .await;
    mock(
        &server,
        "/app/rest/users/current/tokens",
        text_reply(
            403,
            "Responding with error, status code: 403 (Forbidden).\nAccess denied.",
        ),
    )
    .await;
    mock(
        &server,
        "/app/rest/projects/id:Backend/parameters",
        text_reply(403, "Responding with error, status code: 403 (Forbidden).\nDetails: jetbrains.buildServer.server.rest.errors.AuthorizationFailedException: User does not have 'View build configuration settings' permission in project Backend\nAccess denied. Check the user has enough permissions to perform the operation."),
    )
    .await;
    mock(
        &server,
        "/app/rest/projects/id:Backend",
        json_reply(
            200,
            json!({"id": "Backend", "name": "Backend", "links": {"link": [{"type": "webView"}]}}),
        ),
    )
    .await;
    mock(
        &server,
        "/app/rest/projects/id:Gone/parameters",
        text_reply(404, "Responding with error, status code: 404 (Not Found).\nDetails: jetbrains.buildServer.server.rest.errors.NotFoundException: No project found by locator 'id:Gone'. Project cannot be found by external id 'Gone'.\nCould not find the entity requested. Check the reference is correct and the user has permissions to access the entity."),
    )
    .await;
    let inp = input("teamcity", &server.uri(), SECRET);
    let eps = ProviderEndpoints::default();
    let list = run(&inp, &eps, &fixed(project("Backend"))).await;
    assert!(list.ok());
    let who = line(&list, CheckKind::Who);
    assert_eq!(
        (who.status, who.message.as_str()),
        (
            Status::Warn,
            "TeamCity answered as guest or without a user: remove /guestAuth from the URL."
        )
    );
    let expiry = line(&list, CheckKind::Expiry);
    assert_eq!(expiry.status, Status::Unknown);
    assert_eq!(
        expiry.message,
        "Expiry unknown: this token cannot read the user's token list (403)."
    );
    let perms = line(&list, CheckKind::Permissions);
    assert_eq!(perms.status, Status::Warn);
    assert_eq!(
        perms.message,
        "Missing TeamCity permission \"View build configuration settings\" and \"Edit project\" on Backend."
    );
    assert_eq!(
        perms.missing,
        ["View build configuration settings", "Edit project"]
    );
    let list = run(&inp, &eps, &fixed(project("Gone"))).await;
    assert_eq!(
        line(&list, CheckKind::Permissions).message,
        "Project Gone not found or not visible to this token."
    );
}

#[tokio::test]
async fn teamcity_token_list_dates_are_judged_against_the_given_time() {
    let server = teamcity_server().await;
    mock(
        &server,
        "/app/rest/users/current",
        json_reply(200, json!({"id": 1, "username": "ci", "name": "CI"})),
    )
    .await;
    mock(
        &server,
        "/app/rest/users/current/tokens",
        json_reply(
            200,
            json!({"count": 1, "token": [{"name": "kms", "creationTime": "20250901T101500+0000",
                   "expirationTime": "20260301T000000+0000"}]}),
        ),
    )
    .await;
    mock(
        &server,
        "/app/rest/projects",
        json_reply(
            200,
            json!({"project": [{"id": "_Root", "name": "<Root project>"}]}),
        ),
    )
    .await;
    let list = run(
        &input("teamcity", &server.uri(), SECRET),
        &ProviderEndpoints::default(),
        &fixed(Default::default()),
    )
    .await;
    let expiry = line(&list, CheckKind::Expiry);
    assert_eq!(
        (expiry.status, expiry.message.as_str()),
        (
            Status::Warn,
            "The token \"kms\" expires on 2026-03-01 (9 days). Rotate it before then."
        )
    );
    assert_eq!(expiry.expires_at.as_deref(), Some("2026-03-01T00:00:00Z"));
    let perms = line(&list, CheckKind::Permissions);
    assert_eq!(
        (perms.status, perms.message.as_str()),
        (Status::Warn, "The token can see no projects.")
    );
}

#[tokio::test]
async fn octopus_error_message_and_key_details_are_read() {
    let server = MockServer::start().await;
    mock(
        &server,
        "/api/users/me",
        json_reply(
            200,
            json!({"Id": "Users-7", "Username": "jane", "DisplayName": "Jane", "IsService": false}),
        ),
    )
    .await;
    mock(
        &server,
        "/api/users/Users-7/apikeys",
        json_reply(403, json!({"ErrorMessage": "You do not have permission to perform this action. Please contact your Octopus administrator. Missing permission: UserView", "Errors": [], "FullException": null})),
    )
    .await;
    mock(
        &server,
        "/api/users/Users-7/permissions",
        json_reply(
            200,
            json!({"SpacePermissions": {"ProjectView": [{"SpaceId": "Spaces-1"}], "VariableView": [{"SpaceId": "Spaces-1"}]},
                   "SystemPermissions": [], "IsPermissionsComplete": true}),
        ),
    )
    .await;
    let list = run(
        &input("octopus-deploy", &server.uri(), SECRET),
        &ProviderEndpoints::default(),
        &fixed(Default::default()),
    )
    .await;
    let who = line(&list, CheckKind::Who);
    assert_eq!(
        (who.status, who.message.as_str()),
        (
            Status::Warn,
            "The key belongs to jane (Jane), a person's Octopus account."
        )
    );
    assert!(
        who.hint
            .as_deref()
            .unwrap()
            .starts_with("A service account is recommended"),
        "{who:?}"
    );
    // Since 2023.2 admins can block *creating* user keys; existing keys keep working.
    let hint = who.hint.as_deref().unwrap();
    assert!(
        hint.contains("stop user accounts from creating new API keys (existing keys keep working)")
            && !hint.contains("disable"),
        "{hint}"
    );
    let expiry = line(&list, CheckKind::Expiry);
    assert_eq!(expiry.status, Status::Unknown);
    assert_eq!(
        expiry.message,
        "Could not check the key's expiry: Octopus Deploy answered 403: You do not have permission to perform this action. Please contact your Octopus administrator. Missing permission: UserView."
    );
    let perms = line(&list, CheckKind::Permissions);
    assert_eq!(
        (perms.status, perms.message.as_str()),
        (
            Status::Warn,
            "Missing Octopus permission \"VariableEdit\" for the account."
        )
    );
    assert_eq!(
        perms.hint.as_deref(),
        Some("Add the account to a team with the Project Contributor role.")
    );
}

#[tokio::test]
async fn bitbucket_scopes_fall_back_to_a_403_detail() {
    let server = MockServer::start().await;
    mock(
        &server,
        "/2.0/user",
        json_reply(
            200,
            json!({"display_name": "Jane Doe", "nickname": "jdoe", "account_id": "557058:jane"}),
        ),
    )
    .await;
    mock(
        &server,
        "/2.0/user/workspaces",
        json_reply(
            403,
            json!({"type": "error", "error": {
                "message": "Your credentials lack one or more required privilege scopes.",
                "detail": {"required": ["read:workspace:bitbucket"],
                           "granted": ["read:user:bitbucket", "read:repository:bitbucket"]}}}),
        ),
    )
    .await;
    let eps = ProviderEndpoints::default().with_app("bitbucket", &server.uri());
    let sync = CheckInputs {
        use_name: Some("Secret Sync".into()),
        ..Default::default()
    };
    let list = run(
        &input("bitbucket", "jane@example.com", SECRET),
        &eps,
        &fixed(sync),
    )
    .await;
    assert!(list.ok());
    let perms = line(&list, CheckKind::Permissions);
    assert_eq!(perms.status, Status::Warn);
    assert_eq!(
        perms.missing,
        [
            "read:workspace:bitbucket",
            "admin:workspace:bitbucket",
            "read:pipeline:bitbucket",
            "write:pipeline:bitbucket",
            "admin:pipeline:bitbucket"
        ]
    );
    assert_eq!(
        line(&list, CheckKind::Who).message,
        "The token belongs to Bitbucket account Jane Doe (jdoe)."
    );
}

#[tokio::test]
async fn a_bitbucket_token_that_reaches_no_workspace_is_a_warning() {
    let server = MockServer::start().await;
    mock(
        &server,
        "/2.0/user",
        json_reply(
            200,
            json!({"display_name": "Jane Doe", "nickname": "jdoe", "account_id": "557058:jane"}),
        )
        .insert_header("x-credential-type", "api_token")
        .insert_header(
            "x-oauth-scopes",
            "read:user:bitbucket, read:workspace:bitbucket",
        ),
    )
    .await;
    mock(
        &server,
        "/2.0/user/workspaces",
        json_reply(200, json!({"pagelen": 1, "values": []})),
    )
    .await;
    let eps = ProviderEndpoints::default().with_app("bitbucket", &server.uri());
    let list = run(
        &input("bitbucket", "jane@example.com", SECRET),
        &eps,
        &fixed(Default::default()),
    )
    .await;
    assert!(list.ok());
    let none = list
        .extra
        .iter()
        .find(|l| l.message == "The token reaches no Bitbucket workspace.")
        .unwrap_or_else(|| panic!("{list:#?}"));
    assert_eq!(none.status, Status::Warn);
    assert_eq!(line(&list, CheckKind::Expiry).status, Status::Unknown);
}

#[tokio::test]
async fn a_bitbucket_app_password_is_flagged_with_its_end_date() {
    let server = MockServer::start().await;
    mock(
        &server,
        "/2.0/user",
        json_reply(
            200,
            json!({"display_name": "Jane Doe", "nickname": "jdoe", "account_id": "557058:jane"}),
        )
        .insert_header("x-credential-type", "app_password"),
    )
    .await;
    let eps = ProviderEndpoints::default().with_app("bitbucket", &server.uri());
    let list = run(
        &input("bitbucket", "jane@example.com", SECRET),
        &eps,
        &fixed(Default::default()),
    )
    .await;
    let expiry = line(&list, CheckKind::Expiry);
    assert_eq!(expiry.status, Status::Warn);
    assert_eq!(
        expiry.message,
        "This is a Bitbucket app password, not an API token: Bitbucket stops accepting app passwords on 2026-06-09."
    );
    assert_eq!(expiry.expires_at.as_deref(), Some("2026-06-09T00:00:00Z"));
}

#[tokio::test]
async fn a_teamcity_server_url_other_than_the_one_entered_is_a_warning() {
    let server = MockServer::start().await;
    mock(
        &server,
        "/app/rest/server",
        json_reply(
            200,
            json!({"version": "2025.07 (build 197398)", "webUrl": "https://ci.example.com"}),
        ),
    )
    .await;
    let list = run(
        &input("teamcity", &server.uri(), SECRET),
        &ProviderEndpoints::default(),
        &fixed(Default::default()),
    )
    .await;
    assert!(list.ok());
    let url = line(&list, CheckKind::Url);
    assert_eq!(url.status, Status::Warn);
    assert_eq!(
        url.message,
        format!(
            "TeamCity's configured server URL is https://ci.example.com, not {} as entered.",
            server.uri()
        )
    );
    assert_eq!(
        list.extra[0].check,
        CheckKind::Url,
        "right after the server's line"
    );
}

#[tokio::test]
async fn a_named_teamcity_token_is_the_one_judged() {
    let server = teamcity_server().await;
    mock(
        &server,
        "/app/rest/users/current/tokens",
        json_reply(
            200,
            json!({"count": 2, "token": [
                {"name": "old-ci", "expirationTime": "20260225T000000+0000"},
                {"name": "kms", "expirationTime": "20261201T000000+0000",
                 "permissionRestrictions": {"permissionRestriction": [
                    {"project": {"id": "Backend", "name": "Backend"},
                     "permission": {"id": "view_build_configuration_settings"}}]}}]}),
        ),
    )
    .await;
    let named = CheckInputs {
        token_name: Some("kms".into()),
        ..Default::default()
    };
    let list = run(
        &input("teamcity", &server.uri(), SECRET),
        &ProviderEndpoints::default(),
        &fixed(named),
    )
    .await;
    let expiry = line(&list, CheckKind::Expiry);
    assert_eq!(expiry.status, Status::Ok, "{expiry:?}");
    assert!(
        expiry
            .message
            .starts_with("The token \"kms\" expires on 2026-12-01"),
        "{expiry:?}"
    );
    let perms = line(&list, CheckKind::Permissions);
    assert_eq!(
        (perms.status, perms.message.as_str()),
        (
            Status::Warn,
            "Missing TeamCity permission \"Edit project\" on Backend."
        )
    );
    // Without the name, the soonest of the two is reported and the hint says how to choose.
    let list = run(
        &input("teamcity", &server.uri(), SECRET),
        &ProviderEndpoints::default(),
        &fixed(Default::default()),
    )
    .await;
    let expiry = line(&list, CheckKind::Expiry);
    assert!(
        expiry
            .message
            .starts_with("Token \"old-ci\" of this user expires"),
        "{expiry:?}"
    );
    assert!(expiry.hint.as_deref().unwrap().contains("\"Token name\""));
}

#[tokio::test]
async fn edit_project_that_cannot_be_told_is_unknown_not_granted() {
    let server = teamcity_server().await;
    mock(
        &server,
        "/app/rest/projects/id:Backend/parameters",
        json_reply(200, json!({"count": 2})),
    )
    .await;
    // An old server: no links, no uuid; the token has the user's rights (no restrictions).
    mock(
        &server,
        "/app/rest/projects/id:Backend",
        json_reply(200, json!({"id": "Backend", "name": "Backend"})),
    )
    .await;
    mock(
        &server,
        "/app/rest/users/current/tokens",
        json_reply(200, json!({"count": 1, "token": [{"name": "kms"}]})),
    )
    .await;
    let list = run(
        &input("teamcity", &server.uri(), SECRET),
        &ProviderEndpoints::default(),
        &fixed(project("Backend")),
    )
    .await;
    let perms = line(&list, CheckKind::Permissions);
    assert_eq!(perms.status, Status::Unknown, "{perms:?}");
    assert!(
        perms
            .message
            .contains("could not tell whether it has \"Edit project\""),
        "{perms:?}"
    );
}

#[tokio::test]
async fn a_northflank_403_names_the_permission_the_role_lacks() {
    let server = MockServer::start().await;
    mock(
        &server,
        "/v1/projects",
        json_reply(
            403,
            json!({"error": {"status": 403, "message": "Forbidden", "id": "forbidden"}}),
        ),
    )
    .await;
    let eps = ProviderEndpoints::default().with_app("northflank", &server.uri());
    let list = run(
        &input("northflank", "", SECRET),
        &eps,
        &fixed(Default::default()),
    )
    .await;
    assert!(!list.ok());
    assert_eq!(list.server.code, OutcomeCode::MissingPermission);
    assert!(!list.server.message.contains("rejected"), "{list:#?}");
    let json = serde_json::to_value(&list).unwrap();
    assert_eq!(json["code"], "missing_permission");
    assert_eq!(json["missing"], json!(["Projects -> Manage -> Read"]));
    assert_eq!(
        json["checks"][0]["missing"],
        json!(["Projects -> Manage -> Read"])
    );
}

#[tokio::test]
async fn a_teamcity_401_from_a_sign_on_page_is_not_blamed_on_the_token() {
    let server = MockServer::start().await;
    mock(
        &server,
        "/app/rest/server",
        ResponseTemplate::new(401)
            .insert_header("content-type", "text/html")
            .insert_header("www-authenticate", "Basic realm=\"corp-sso\"")
            .set_body_string("<html><body>Sign in to Corp</body></html>"),
    )
    .await;
    let list = run(
        &input("teamcity", &server.uri(), SECRET),
        &ProviderEndpoints::default(),
        &fixed(Default::default()),
    )
    .await;
    assert_eq!(list.server.code, OutcomeCode::RejectedInFront);
    assert_eq!(
        list.server.message,
        "The 401 came from a proxy or sign-on page in front of TeamCity, not from TeamCity (a web page)."
    );
}

#[tokio::test]
async fn a_named_northflank_project_is_checked_for_listing_and_reading_secret_groups() {
    let sb = Sandbox::start().await.unwrap();
    let web = sandbox_checks(&sb, "northflank", demo::NORTHFLANK_TOKEN, project("web")).await;
    let last = web.extra.last().unwrap();
    assert_eq!(
        (last.status, last.message.as_str()),
        (
            Status::Ok,
            "The API role can list secret groups in web and read their values."
        )
    );
    let elsewhere = sandbox_checks(&sb, "northflank", demo::NORTHFLANK_TOKEN, project("api")).await;
    let last = elsewhere.extra.last().unwrap();
    assert_eq!(
        (last.status, last.message.as_str()),
        (
            Status::Warn,
            "Project api not found, or not among the API role's projects."
        )
    );

    // A role that may list but not read values: 403 on the details.
    let server = northflank_server(json_reply(404, json!({}))).await;
    mock(
        &server,
        "/v1/projects/web/secrets",
        json_reply(
            200,
            json!({"data": {"secrets": [{"id": "app-env", "name": "App env"}]}}),
        ),
    )
    .await;
    mock(
        &server,
        "/v1/projects/web/secrets/app-env/details",
        json_reply(
            403,
            json!({"error": {"status": 403, "message": "Forbidden"}}),
        ),
    )
    .await;
    let list = northflank_checks(&server, &fixed(project("web"))).await;
    let last = list.extra.last().unwrap();
    assert_eq!(last.status, Status::Warn);
    assert_eq!(
        last.missing,
        ["Config & Secrets -> Secret Groups -> Read Values"]
    );
}

async fn northflank_server(auth: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    mock(
        &server,
        "/v1/projects",
        json_reply(200, json!({"data": {"projects": []}})),
    )
    .await;
    mock(&server, "/v1/auth", auth).await;
    server
}

async fn northflank_checks(server: &MockServer, opts: &CheckOptions) -> Checklist {
    let eps = ProviderEndpoints::default().with_app("northflank", &server.uri());
    run(&input("northflank", "", SECRET), &eps, opts).await
}

#[tokio::test]
async fn northflank_expires_at_and_permissions_are_read() {
    let server = northflank_server(json_reply(
        200,
        json!({"data": {"tokenKind": "api", "id": "sync", "name": "Sync", "entityType": "team",
               "entityId": "acme", "role": {"name": "Infisical", "roleId": "infisical"},
               "permissions": {"teamScope": [], "projectScope": ["project:secrets:secret-groups:list", "project:secrets:secret-groups:read-values"]},
               "createdAt": "2025-09-01T10:00:00.000Z", "expiresAt": "2026-03-01T10:00:00.000Z"}}),
    ))
    .await;
    let list = northflank_checks(&server, &fixed(Default::default())).await;
    let expiry = line(&list, CheckKind::Expiry);
    assert_eq!(
        (expiry.status, expiry.message.as_str()),
        (
            Status::Warn,
            "The token expires on 2026-03-01 (10 days). Rotate it before then."
        )
    );
    let perms = line(&list, CheckKind::Permissions);
    assert_eq!(
        perms.message,
        "Missing Northflank permission \"Config & Secrets -> Secret Groups -> Update\" in the token's API role."
    );
    // Judged after the date, the same answer is an expired token.
    let mut later = fixed(Default::default());
    later.now += 30 * DAY;
    let list = northflank_checks(&server, &later).await;
    assert_eq!(line(&list, CheckKind::Expiry).status, Status::Fail);
    assert!(list.ok());
}

#[tokio::test]
async fn a_check_that_cannot_run_is_unknown_never_a_failure() {
    // An older API without /v1/auth.
    let server = northflank_server(json_reply(
        404,
        json!({"error": {"status": 404, "message": "Not found", "id": "not-found"}}),
    ))
    .await;
    let list = northflank_checks(&server, &fixed(Default::default())).await;
    assert!(list.ok());
    assert_eq!(
        kinds_and_status(&list),
        [
            (CheckKind::Server, Status::Ok),
            (CheckKind::Expiry, Status::Unknown)
        ]
    );
    assert_eq!(
        list.extra[0].message,
        "Could not check the token's expiry: Northflank answered 404: Not found."
    );

    // A check that does not answer in its own time.
    let server =
        northflank_server(json_reply(200, json!({"data": {}})).set_delay(Duration::from_secs(5)))
            .await;
    let mut opts = fixed(Default::default());
    opts.timeout = Duration::from_secs(1);
    let list = northflank_checks(&server, &opts).await;
    assert!(list.ok());
    assert_eq!(
        list.extra[0].message,
        "Could not check the token's expiry: no answer within 1 s."
    );

    // A provider echoing the token in an error: it never reaches a line.
    let server = northflank_server(json_reply(
        500,
        json!({"error": {"status": 500, "message": format!("bad token {SECRET}")}}),
    ))
    .await;
    let list = northflank_checks(&server, &fixed(Default::default())).await;
    assert_eq!(
        list.extra[0].message,
        "Could not check the token's expiry: Northflank answered 500: bad token [secret]."
    );
}

// ---------------------------------------------------------------------------------------------
// --ca-cert: a provider whose certificate this machine does not trust
// ---------------------------------------------------------------------------------------------

/// A TLS server on 127.0.0.1 with a self-signed certificate (returned as PEM) that answers
/// every request with a TeamCity server JSON.
async fn private_ca_server() -> (u16, String, tokio::task::JoinHandle<()>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (acceptor, pem) = common::tls::self_signed();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let task = tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(stream).await else {
                    return;
                };
                let mut buf = [0u8; 4096];
                let _ = tls.read(&mut buf).await;
                let body = r#"{"version":"2025.07 (build 197398)"}"#;
                let reply = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = tls.write_all(reply.as_bytes()).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    (port, pem, task)
}

#[tokio::test]
async fn a_ca_file_makes_a_private_certificate_trusted_and_says_the_kms_must_trust_it() {
    let (port, pem, task) = private_ca_server().await;
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, &pem).unwrap();
    let ca = ca.to_str().unwrap().to_owned();
    let inp = input("teamcity", &format!("https://127.0.0.1:{port}"), SECRET);
    let eps = ProviderEndpoints::default();
    let inputs = CheckInputs {
        ca_cert: Some(ca.clone()),
        ..Default::default()
    };

    // Without the CA: not trusted.
    let plain = http::client(true, true).unwrap();
    let list = checks::run_checks(&plain, &inp, &eps, &fixed(Default::default())).await;
    assert_eq!(list.server.code, OutcomeCode::TlsUntrusted);

    // With it: trusted, and the TLS line says the KMS server must trust it too.
    let with_ca = http::client_with_ca_file(true, &ca).expect("CA client");
    let list = checks::run_checks(&with_ca, &inp, &eps, &fixed(inputs)).await;
    assert!(list.ok(), "{list:#?}");
    let tls = line(&list, CheckKind::Tls);
    assert_eq!(tls.status, Status::Warn);
    assert_eq!(
        tls.message,
        format!("TLS was trusted through the CA in {ca}: the KMS server must trust that CA too.")
    );

    // A file that is not a certificate is refused before anything is sent.
    let bad = dir.path().join("bad.pem");
    std::fs::write(&bad, "not a certificate").unwrap();
    let err = http::client_with_ca_file(true, bad.to_str().unwrap()).unwrap_err();
    assert!(
        err.starts_with("Could not use the CA certificate "),
        "{err}"
    );
    let err = http::client_with_ca_file(true, "/nonexistent/ca.pem").unwrap_err();
    assert!(
        err.starts_with("Could not read the CA certificate /nonexistent/ca.pem"),
        "{err}"
    );
    task.abort();
}

// ---------------------------------------------------------------------------------------------
// Octopus: which key is in use, Custom keys (the sandbox lists keys newest first, as Octopus
// does, with null `LastUsedTimeStamp` where the server records none)
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn octopus_never_reports_an_unrelated_key_as_the_one_in_use() {
    let sb = Sandbox::start().await.unwrap();
    // Two keys, no timestamps, the older one expired: which one is in use cannot be told.
    let list = sandbox_checks(
        &sb,
        "octopus-deploy",
        demo::OCTOPUS_UNTRACKED_KEY,
        Default::default(),
    )
    .await;
    let expiry = line(&list, CheckKind::Expiry);
    assert_eq!(expiry.status, Status::Unknown, "{expiry:?}");
    assert!(
        expiry
            .message
            .contains("which one is in use cannot be told"),
        "{expiry:?}"
    );
    // With a timestamp on the key in use, the never-used expired laptop key is ignored.
    let list = sandbox_checks(
        &sb,
        "octopus-deploy",
        demo::OCTOPUS_API_KEY,
        Default::default(),
    )
    .await;
    let expiry = line(&list, CheckKind::Expiry);
    assert_eq!(expiry.status, Status::Ok, "{expiry:?}");
    assert!(expiry.message.contains("\"kms-connect\""), "{expiry:?}");
}

#[tokio::test]
async fn a_custom_octopus_key_is_flagged_and_the_permission_line_says_whose_rights() {
    let sb = Sandbox::start().await.unwrap();
    let list = sandbox_checks(
        &sb,
        "octopus-deploy",
        demo::OCTOPUS_CUSTOM_KEY,
        Default::default(),
    )
    .await;
    let warn: Vec<_> = list
        .extra
        .iter()
        .filter(|l| l.status == Status::Warn)
        .collect();
    assert_eq!(warn.len(), 1, "{list:#?}");
    assert!(
        warn[0].message.contains("Custom access")
            && warn[0]
                .message
                .contains("the account's rights, not the key's"),
        "{:?}",
        warn[0]
    );
}

#[tokio::test]
async fn a_bitbucket_account_without_a_nickname_is_named_by_its_account_id() {
    // `/2.0/user` has no `username` (removed for privacy): display_name, nickname, account_id.
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/2.0/user"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"type": "user", "account_id": "557058:abc", "display_name": "CI Bot"}),
        ))
        .mount(&server)
        .await;
    let eps = ProviderEndpoints::default().with_app("bitbucket", &server.uri());
    let list = run(
        &input("bitbucket", demo::BITBUCKET_EMAIL, "bb-secret-xyz"),
        &eps,
        &options(Default::default()),
    )
    .await;
    assert_eq!(
        line(&list, CheckKind::Who).message,
        "The token belongs to Bitbucket account CI Bot (557058:abc)."
    );
}
