//! HTTP tests of the KMS client and of each provider credential test, against the built-in
//! sandbox (the realistic path) and against wiremock (the odd answers a real server or proxy
//! may give). Every assertion names exact codes, messages or fields.

use std::time::Duration;

mod common;

use base64::Engine as _;
use kms_connect::apps::{
    self, AppSpec, ConnectionInput, FieldId, OutcomeCode, ProviderEndpoints, RawInput, TestOutcome,
};
use kms_connect::http::{self, BODY_CAP, TransportFailure};
use kms_connect::kms::auth::Credentials;
use kms_connect::kms::client::api_base;
use kms_connect::kms::error::{ApiError, Trouble};
use kms_connect::kms::{Changes, ConnectionRef, Guidance, KmsClient, KmsError};
use kms_connect::sandbox::{RecordedRequest, Sandbox, demo};
use secrecy::SecretString;
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

const JSON: &str = "application/json; charset=utf-8";
/// The credential test as the wizard words it.
const WIZARD: apps::probe::Advice<'static> = apps::probe::Advice {
    front_end: &apps::front_end::WIZARD,
    ca_cert: None,
};

fn app(slug: &str) -> &'static AppSpec {
    AppSpec::by_slug(slug).unwrap_or_else(|| panic!("no app {slug}"))
}

fn http_client() -> reqwest::Client {
    http::client(false, false).expect("http client")
}

fn kms_at(base: &str) -> KmsClient {
    KmsClient::new(http_client(), api_base(base).expect("api base"))
}

fn signed_in(sb: &Sandbox) -> KmsClient {
    kms_at(&sb.kms_url).with_token(SecretString::from(sb.token.clone()))
}

fn endpoints(sb: &Sandbox) -> ProviderEndpoints {
    ProviderEndpoints::default()
        .with_app("bitbucket", &sb.bitbucket_api)
        .with_app("northflank", &sb.northflank_api)
}

fn input(slug: &str, name: &str, description: &str, target: &str, secret: &str) -> ConnectionInput {
    let raw = RawInput {
        name: name.into(),
        description: description.into(),
        target: target.into(),
        secret: SecretString::from(secret),
    };
    apps::validate::connection(app(slug), &raw)
        .unwrap_or_else(|e| panic!("input for {slug} should validate: {e:?}"))
}

/// The non-secret field the sandbox accepts for each app ("" for Northflank).
fn target_for(sb: &Sandbox, slug: &str) -> String {
    match slug {
        "teamcity" => sb.teamcity_url.clone(),
        "octopus-deploy" => sb.octopus_url.clone(),
        "bitbucket" => demo::BITBUCKET_EMAIL.into(),
        "northflank" => String::new(),
        other => panic!("no app {other}"),
    }
}

fn good_secret(slug: &str) -> &'static str {
    match slug {
        "teamcity" => demo::TEAMCITY_TOKEN,
        "octopus-deploy" => demo::OCTOPUS_API_KEY,
        "bitbucket" => demo::BITBUCKET_TOKEN,
        "northflank" => demo::NORTHFLANK_TOKEN,
        other => panic!("no app {other}"),
    }
}

const SLUGS: [&str; 4] = ["teamcity", "octopus-deploy", "bitbucket", "northflank"];
const BAD_SECRET: &str = "wrong-secret-7f3a9c";

fn has_control(s: &str) -> bool {
    s.chars().any(|c| {
        c.is_control()
            || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}')
    })
}

/// Every string in a guidance is free of the secret and of control characters.
fn assert_guidance_clean(g: &Guidance, secret: &str) {
    let mut texts = vec![g.headline.clone()];
    texts.extend(g.hint.clone());
    texts.extend(g.fields.iter().map(|(_, m)| m.clone()));
    for t in &texts {
        assert!(!t.contains(secret), "secret leaked into guidance: {t:?}");
        assert!(!has_control(t), "control character in guidance: {t:?}");
    }
    assert!(!format!("{g:?}").contains(secret));
}

/// No outcome string (Debug or the JSON the CLI prints) holds the secret or a control char.
fn assert_outcome_clean(o: &TestOutcome, secret: &str) {
    let json = serde_json::to_string(o).unwrap();
    for text in [format!("{o:?}"), json] {
        assert!(!text.contains(secret), "secret leaked into outcome: {text}");
    }
    let mut texts = vec![o.message.clone(), o.url.clone()];
    texts.extend(o.hint.clone());
    for t in &texts {
        assert!(!has_control(t), "control character in outcome: {t:?}");
    }
}

fn api_error(e: &KmsError) -> &ApiError {
    match e {
        KmsError::Api(a) => a,
        other => panic!("expected KmsError::Api, got {other:?}"),
    }
}

fn kms_posts(sb: &Sandbox) -> Vec<RecordedRequest> {
    sb.requests()
        .into_iter()
        .filter(|r| r.service == "kms" && r.method == "POST")
        .collect()
}

fn header<'a>(r: &'a RecordedRequest, name: &str) -> Option<&'a str> {
    r.headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

async fn start() -> Sandbox {
    Sandbox::start().await.expect("sandbox starts")
}

// ---------------------------------------------------------------------------------------------
// KMS client against the sandbox
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn universal_auth_login_gives_a_token_that_lists_projects() {
    let sb = start().await;
    let client = kms_at(&sb.kms_url);
    let (token, expires) = client
        .login_universal(&sb.client_id, &SecretString::from(sb.client_secret.clone()))
        .await
        .expect("login");
    assert_eq!(secrecy::ExposeSecret::expose_secret(&token), sb.token);
    assert_eq!(expires, Some(2_592_000));

    let login = &kms_posts(&sb)[0];
    assert_eq!(login.path, "/api/v1/auth/universal-auth/login");
    assert_eq!(
        login.body,
        Some(json!({"clientId": sb.client_id, "clientSecret": sb.client_secret}))
    );
    assert_eq!(login.authorization, None, "login must not send a token");

    // The same through Credentials::sign_in, then an authenticated call.
    let creds = Credentials::UniversalAuth {
        client_id: sb.client_id.clone(),
        client_secret: SecretString::from(sb.client_secret.clone()),
    };
    assert_eq!(creds.describe(), format!("universal auth {}", sb.client_id));
    let client = creds.sign_in(kms_at(&sb.kms_url)).await.expect("sign in");
    let projects = client.list_projects().await.expect("projects");
    assert_eq!(projects.len(), 1);
    assert_eq!(projects[0].id, sb.project_id);
    assert_eq!(projects[0].name, "Demo project");
    assert_eq!(projects[0].slug, "demo-project");
    let get = sb.requests().into_iter().last().unwrap();
    assert_eq!(
        (get.method.as_str(), get.path.as_str()),
        ("GET", "/api/v1/projects")
    );
    assert_eq!(get.authorization, Some(format!("Bearer {}", sb.token)));
}

/// The demo identity in no project: the organization-level list is refused the way the
/// browser recognises ("this identity cannot read organization-level connections").
#[tokio::test]
async fn the_identity_in_no_project_is_denied_the_org_level_list() {
    let sb = start().await;
    let creds = Credentials::UniversalAuth {
        client_id: demo::NO_PROJECTS_CLIENT_ID.into(),
        client_secret: SecretString::from(sb.client_secret.clone()),
    };
    let client = creds.sign_in(kms_at(&sb.kms_url)).await.expect("sign in");
    assert!(client.list_projects().await.expect("projects").is_empty());
    let err = client.list_connections(None, None).await.unwrap_err();
    let g = err.guidance(None);
    assert_eq!(
        g.headline,
        "Permission denied: You are not allowed to read on app-connections."
    );
}

#[tokio::test]
async fn universal_auth_wrong_secret_is_explained() {
    let sb = start().await;
    let secret = "not-the-client-secret-123";
    let err = kms_at(&sb.kms_url)
        .login_universal(&sb.client_id, &SecretString::from(secret))
        .await
        .expect_err("wrong secret must fail");
    let api = api_error(&err);
    assert_eq!(api.status, 401);
    assert_eq!(api.error, "UnauthorizedError");
    assert_eq!(api.message, "Invalid credentials");
    let req_id = api.req_id.clone().expect("sandbox sends a reqId");
    assert!(req_id.starts_with("req-"), "{req_id}");

    let g = err.guidance(None);
    assert_eq!(g.trouble, Trouble::Server);
    assert_eq!(g.exit_code(), 1);
    assert_eq!(
        g.headline,
        "The KMS server refused the sign-in: Invalid credentials."
    );
    assert_eq!(
        g.hint.as_deref(),
        Some("Check KMS_UNIVERSAL_AUTH_CLIENT_ID and KMS_UNIVERSAL_AUTH_CLIENT_SECRET.")
    );
    assert!(g.fields.is_empty());
    assert_guidance_clean(&g, secret);

    // sign_in reports the same failure.
    let creds = Credentials::UniversalAuth {
        client_id: sb.client_id.clone(),
        client_secret: SecretString::from(secret),
    };
    let err = creds.sign_in(kms_at(&sb.kms_url)).await.unwrap_err();
    assert_eq!(api_error(&err).message, "Invalid credentials");

    // Two more wrong secrets lock the identity; the hint says to wait.
    for _ in 0..3 {
        let _ = kms_at(&sb.kms_url)
            .login_universal(&sb.client_id, &SecretString::from(secret))
            .await;
    }
    let err = kms_at(&sb.kms_url)
        .login_universal(&sb.client_id, &SecretString::from(sb.client_secret.clone()))
        .await
        .expect_err("locked");
    assert!(
        err.guidance(None)
            .hint
            .unwrap()
            .contains("wait a few minutes")
    );
}

#[tokio::test]
async fn create_works_for_each_app_with_the_documented_body() {
    let sb = start().await;
    let client = signed_in(&sb);
    for (i, slug) in SLUGS.into_iter().enumerate() {
        let spec = app(slug);
        let name = format!("{slug}-conn");
        // Every other app gets a description, so both shapes of the body are checked.
        let description = if i % 2 == 0 { "Made by the tests" } else { "" };
        let target = target_for(&sb, slug);
        let secret = good_secret(slug);
        let inp = input(slug, &name, description, &target, secret);
        let conn = client
            .create_connection(&inp, Some(&sb.project_id))
            .await
            .unwrap_or_else(|e| panic!("{slug}: {e:?}"));

        assert_eq!(conn.name, name);
        assert_eq!(conn.app, slug);
        assert_eq!(conn.method, spec.method);
        assert_eq!(conn.project_id.as_deref(), Some(sb.project_id.as_str()));
        assert_eq!(
            conn.description.as_deref(),
            (!description.is_empty()).then_some(description)
        );
        assert_eq!(conn.version, Some(1));
        assert_eq!(conn.org_id, "6f03caa1-a5de-43ce-b127-95a145d3464c");
        assert_eq!(conn.id.len(), 36, "id looks like a uuid: {}", conn.id);
        assert_eq!(conn.credentials_hash.len(), 64);
        assert!(conn.credentials_hash.bytes().all(|b| b.is_ascii_hexdigit()));
        assert!(!conn.created_at.is_empty() && !conn.updated_at.is_empty());
        let mut public = serde_json::Map::new();
        if let Some(t) = &spec.target {
            public.insert(t.key.into(), json!(target));
        }
        let public = Value::Object(public);
        assert_eq!(Value::Object(conn.credentials.clone()), public, "{slug}");
        assert_eq!(conn.raw.value()["id"], json!(conn.id));
        assert!(
            !conn.raw.to_string().contains(secret),
            "{slug}: secret in response"
        );
        assert_eq!(
            spec.public_credentials(&conn.credentials),
            spec.target
                .as_ref()
                .map(|t| (t.label.to_owned(), target.clone()))
                .into_iter()
                .collect::<Vec<_>>()
        );

        // Exactly what went over the wire.
        let posts = kms_posts(&sb);
        assert_eq!(posts.len(), i + 1, "one POST per create");
        let post = posts.last().unwrap();
        assert_eq!(post.path, format!("/api/v1/app-connections/{slug}"));
        assert_eq!(post.authorization, Some(format!("Bearer {}", sb.token)));
        let mut creds = serde_json::Map::new();
        if let Some(t) = &spec.target {
            creds.insert(t.key.into(), json!(target));
        }
        creds.insert(spec.secret.key.into(), json!(secret));
        let mut expected = json!({
            "name": name,
            "method": spec.method,
            "projectId": sb.project_id,
            "credentials": creds,
        });
        if !description.is_empty() {
            expected["description"] = json!(description);
        }
        assert_eq!(post.body.as_ref(), Some(&expected), "{slug}");
        let body = post.body.as_ref().unwrap().as_object().unwrap();
        let mut keys: Vec<_> = body.keys().map(String::as_str).collect();
        keys.sort_unstable();
        let mut want = vec!["credentials", "method", "name", "projectId"];
        if !description.is_empty() {
            want.push("description");
        }
        want.sort_unstable();
        assert_eq!(keys, want, "{slug}: body keys");
    }
    assert_eq!(sb.connections().len(), 4);
}

#[tokio::test]
async fn duplicate_name_points_at_the_name_field() {
    let sb = start().await;
    let client = signed_in(&sb);
    let target = target_for(&sb, "northflank");
    let inp = input(
        "northflank",
        "shared-name",
        "",
        &target,
        demo::NORTHFLANK_TOKEN,
    );
    client
        .create_connection(&inp, Some(&sb.project_id))
        .await
        .expect("first create");
    // Names are unique across apps within a project.
    let tc = input(
        "teamcity",
        "shared-name",
        "",
        &sb.teamcity_url,
        demo::TEAMCITY_TOKEN,
    );
    let err = client
        .create_connection(&tc, Some(&sb.project_id))
        .await
        .expect_err("duplicate must fail");
    let api = api_error(&err);
    assert_eq!((api.status, api.error.as_str()), (400, "BadRequest"));
    let g = err.guidance(Some(app("teamcity")));
    assert_eq!(g.trouble, Trouble::Input);
    assert_eq!(g.exit_code(), 2, "a taken name is invalid input");
    assert_eq!(g.fields.len(), 1);
    assert_eq!(g.fields[0].0, FieldId::Name);
    assert_eq!(
        g.fields[0].1,
        "An App Connection with the name \"shared-name\" already exists"
    );
    assert_eq!(
        g.headline,
        "An App Connection with the name \"shared-name\" already exists."
    );
    assert!(g.hint.as_deref().unwrap().starts_with("Pick another name"));
    assert_guidance_clean(&g, demo::TEAMCITY_TOKEN);
    assert_eq!(sb.connections().len(), 1);
}

#[tokio::test]
async fn unknown_project_is_named() {
    let sb = start().await;
    let other = "00000000-0000-4000-8000-000000000000";
    let inp = input("northflank", "nf", "", "", demo::NORTHFLANK_TOKEN);
    let err = signed_in(&sb)
        .create_connection(&inp, Some(other))
        .await
        .expect_err("unknown project");
    let g = err.guidance(Some(app("northflank")));
    assert!(
        g.headline.starts_with("Could not find project"),
        "{}",
        g.headline
    );
    assert_eq!(
        g.headline,
        format!("Could not find project with ID {other}.")
    );
    // The caller's input, as a taken name is: exit 2.
    assert_eq!(g.trouble, Trouble::Input);
    assert_eq!(g.exit_code(), 2);
    assert!(g.hint.as_deref().unwrap().contains("KMS_PROJECT_ID"));
    assert_guidance_clean(&g, demo::NORTHFLANK_TOKEN);
    // The project check comes before the provider check: no provider was called.
    assert!(sb.requests().iter().all(|r| r.service == "kms"));
}

#[tokio::test]
async fn bad_provider_credential_on_create_is_a_credential_failure() {
    let sb = start().await;
    let client = signed_in(&sb);
    for slug in SLUGS {
        let target = target_for(&sb, slug);
        let inp = input(slug, &format!("{slug}-bad"), "", &target, BAD_SECRET);
        let err = client
            .create_connection(&inp, Some(&sb.project_id))
            .await
            .expect_err("bad credential must fail");
        let g = err.guidance(Some(app(slug)));
        assert_eq!(g.exit_code(), 3, "{slug}: {g:?}");
        assert_eq!(g.trouble, Trouble::Credential);
        assert!(
            g.headline
                .starts_with("The KMS server's credential check failed: Failed to validate"),
            "{slug}: {}",
            g.headline
        );
        assert!(
            g.headline.ends_with("Request failed with status code 401"),
            "{}",
            g.headline
        );
        assert_guidance_clean(&g, BAD_SECRET);
    }
    assert!(sb.connections().is_empty());
}

#[tokio::test]
async fn missing_or_invalid_kms_token_is_explained() {
    let sb = start().await;
    let inp = input("northflank", "nf", "", "", demo::NORTHFLANK_TOKEN);

    // No token at all: 401 "Token missing".
    let err = kms_at(&sb.kms_url).list_projects().await.unwrap_err();
    assert_eq!(api_error(&err).status, 401);
    let g = err.guidance(None);
    assert!(
        g.headline
            .starts_with("Your KMS token was rejected or has expired"),
        "{}",
        g.headline
    );
    assert_eq!(
        g.headline,
        "Your KMS token was rejected or has expired: Token missing"
    );
    assert_eq!(g.exit_code(), 1);
    assert!(sb.requests()[0].authorization.is_none());

    // A wrong token: 403 TokenError, on list and on create.
    let bad_token = "kms-not-a-real-token-42";
    let client = kms_at(&sb.kms_url).with_token(SecretString::from(bad_token));
    let err = client.list_projects().await.unwrap_err();
    let api = api_error(&err);
    assert_eq!((api.status, api.error.as_str()), (403, "TokenError"));
    let g = err.guidance(None);
    assert!(
        g.headline.starts_with(
            "Your KMS token was rejected or has expired: The provided access token is malformed"
        ),
        "{}",
        g.headline
    );
    assert!(g.hint.as_deref().unwrap().contains("KMS_TOKEN"));
    assert_guidance_clean(&g, bad_token);

    let err = client
        .create_connection(&inp, Some(&sb.project_id))
        .await
        .unwrap_err();
    let g = err.guidance(Some(app("northflank")));
    assert!(
        g.headline
            .starts_with("Your KMS token was rejected or has expired"),
        "{}",
        g.headline
    );
    assert_eq!(g.exit_code(), 1);
    assert_guidance_clean(&g, bad_token);
    assert_guidance_clean(&g, demo::NORTHFLANK_TOKEN);
    // Auth fails before the server checks the provider.
    assert!(sb.requests().iter().all(|r| r.service == "kms"));
    assert!(sb.connections().is_empty());
}

// ---------------------------------------------------------------------------------------------
// KMS client against wiremock
// ---------------------------------------------------------------------------------------------

async fn mock(server: &MockServer, verb: &str, route: &str, reply: ResponseTemplate) {
    Mock::given(method(verb))
        .and(path(route))
        .respond_with(reply)
        .mount(server)
        .await;
}

fn json_reply(status: u16, body: &Value) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(body.to_string(), JSON)
}

fn tc_input() -> ConnectionInput {
    input(
        "teamcity",
        "ci",
        "",
        "https://ci.example.com",
        "tc-secret-value-991",
    )
}

fn token_client(server: &MockServer) -> KmsClient {
    kms_at(&server.uri()).with_token(SecretString::from("kms-token-xyz"))
}

#[tokio::test]
async fn html_page_is_not_the_kms_api() {
    let server = MockServer::start().await;
    mock(
        &server,
        "GET",
        "/api/v1/projects",
        ResponseTemplate::new(200).set_body_raw(
            "<!doctype html><html><body>Welcome</body></html>",
            "text/html; charset=utf-8",
        ),
    )
    .await;
    let err = token_client(&server).list_projects().await.unwrap_err();
    assert_eq!(
        err,
        KmsError::NotKmsApi {
            url: format!("{}/api/v1/projects", server.uri()),
            status: 200,
            what: "a web page".into(),
        }
    );
    let g = err.guidance(None);
    assert!(g.headline.contains("not the KMS API"), "{}", g.headline);
    assert!(g.headline.contains("a web page (200)"), "{}", g.headline);
    assert!(g.hint.as_deref().unwrap().contains("KMS_API_URL"));
    assert_eq!(g.exit_code(), 1);
}

#[tokio::test]
async fn fastify_404_means_the_route_is_missing() {
    let server = MockServer::start().await;
    mock(
        &server,
        "POST",
        "/api/v1/app-connections/teamcity",
        json_reply(
            404,
            &json!({"message":"Route POST:/api/v1/app-connections/teamcity not found","error":"Not Found","statusCode":404}),
        ),
    )
    .await;
    let inp = tc_input();
    let err = token_client(&server)
        .create_connection(&inp, Some("p1"))
        .await
        .unwrap_err();
    assert_eq!(
        err,
        KmsError::RouteMissing {
            url: format!("{}/api/v1/app-connections/teamcity", server.uri()),
            status: 404,
        }
    );
    let g = err.guidance(Some(inp.app));
    assert!(
        g.headline.starts_with("This server has no such API route"),
        "{}",
        g.headline
    );
    assert!(g.hint.as_deref().unwrap().contains("older"));
    assert_eq!(g.exit_code(), 1);
    assert_guidance_clean(&g, "tc-secret-value-991");
}

#[tokio::test]
async fn validation_issues_land_under_their_fields() {
    let server = MockServer::start().await;
    mock(
        &server,
        "POST",
        "/api/v1/app-connections/teamcity",
        json_reply(
            422,
            &json!({"reqId":"req-Qw3rTy7uIo9pAs","statusCode":422,"error":"ValidationFailure","message":[
                {"code":"custom","message":"name field can only contain lowercase letters, numbers, and hyphens","path":["name"]},
                {"code":"invalid_string","validation":"url","message":"Invalid Instance URL","path":["credentials","instanceUrl"]},
                {"code":"too_small","message":"Access Token required","path":["credentials","accessToken"]},
                {"code":"too_big","message":"Description cannot exceed 256 characters","path":["description"]}
            ]}),
        ),
    )
    .await;
    let inp = tc_input();
    let err = token_client(&server)
        .create_connection(&inp, None)
        .await
        .unwrap_err();
    let api = api_error(&err);
    assert_eq!(api.status, 422);
    assert_eq!(api.issues.len(), 4);
    assert_eq!(api.issues[1].path, ["credentials", "instanceUrl"]);
    let g = err.guidance(Some(inp.app));
    assert_eq!(g.trouble, Trouble::Input);
    assert_eq!(
        g.fields,
        vec![
            (
                FieldId::Name,
                "name field can only contain lowercase letters, numbers, and hyphens".to_owned()
            ),
            (FieldId::Target, "Invalid Instance URL".to_owned()),
            (FieldId::Secret, "Access Token required".to_owned()),
            (
                FieldId::Description,
                "Description cannot exceed 256 characters".to_owned()
            ),
        ]
    );
    assert_eq!(g.headline, "The KMS server rejected some fields.");

    // An issue that belongs to no field is spelled out in the headline.
    let server = MockServer::start().await;
    mock(
        &server,
        "POST",
        "/api/v1/app-connections/teamcity",
        json_reply(
            422,
            &json!({"statusCode":422,"error":"ValidationFailure","message":[
                {"code":"invalid_type","message":"Expected string, received number","path":["projectId"]},
                {"code":"custom","message":"Invalid Instance URL","path":["credentials","instanceUrl"]}
            ]}),
        ),
    )
    .await;
    let err = token_client(&server)
        .create_connection(&inp, None)
        .await
        .unwrap_err();
    let g = err.guidance(Some(inp.app));
    assert_eq!(
        g.headline,
        "The KMS server rejected the request: projectId: Expected string, received number"
    );
    assert_eq!(
        g.fields,
        vec![(FieldId::Target, "Invalid Instance URL".to_owned())]
    );
}

#[tokio::test]
async fn older_server_401_validation_failure_still_maps_to_fields() {
    // Shape from spec/recorded/v2024-10_12_ua_login_missing_fields.json: 401, no reqId.
    let server = MockServer::start().await;
    mock(
        &server,
        "POST",
        "/api/v1/auth/universal-auth/login",
        json_reply(
            401,
            &json!({"statusCode":401,"message":[
                {"code":"invalid_type","expected":"string","received":"undefined","path":["clientId"],"message":"Required"},
                {"code":"invalid_type","expected":"string","received":"undefined","path":["clientSecret"],"message":"Required"}
            ],"error":"ValidationFailure"}),
        ),
    )
    .await;
    mock(
        &server,
        "POST",
        "/api/v1/app-connections/teamcity",
        json_reply(
            401,
            &json!({"statusCode":401,"message":[
                {"code":"custom","message":"name field can only contain lowercase letters, numbers, and hyphens","path":["name"]},
                {"code":"invalid_string","validation":"url","message":"Invalid Instance URL","path":["credentials","instanceUrl"]}
            ],"error":"ValidationFailure"}),
        ),
    )
    .await;

    let err = kms_at(&server.uri())
        .login_universal("id", &SecretString::from("ua-secret-55"))
        .await
        .unwrap_err();
    let api = api_error(&err);
    assert_eq!((api.status, api.req_id.as_deref()), (401, None));
    let g = err.guidance(None);
    assert_eq!(g.trouble, Trouble::Input);
    assert_eq!(
        g.headline,
        "The KMS server rejected the request: clientId: Required; clientSecret: Required"
    );
    assert!(
        !g.headline.contains("KMS token"),
        "a validation 401 is not a token problem"
    );
    assert_guidance_clean(&g, "ua-secret-55");

    let inp = tc_input();
    let err = token_client(&server)
        .create_connection(&inp, None)
        .await
        .unwrap_err();
    let g = err.guidance(Some(inp.app));
    assert_eq!(g.trouble, Trouble::Input);
    assert_eq!(
        g.fields,
        vec![
            (
                FieldId::Name,
                "name field can only contain lowercase letters, numbers, and hyphens".to_owned()
            ),
            (FieldId::Target, "Invalid Instance URL".to_owned()),
        ]
    );
}

#[tokio::test]
async fn permission_denied_names_the_action() {
    let server = MockServer::start().await;
    mock(
        &server,
        "POST",
        "/api/v1/app-connections/teamcity",
        json_reply(
            403,
            &json!({"reqId":"req-Perm1ssion0001","statusCode":403,
                    "message":"You are not allowed to create on app-connections",
                    "error":"PermissionDenied",
                    "details":[{"action":"create","subject":"app-connections"}]}),
        ),
    )
    .await;
    let inp = tc_input();
    let err = token_client(&server)
        .create_connection(&inp, Some("p1"))
        .await
        .unwrap_err();
    let g = err.guidance(Some(inp.app));
    assert_eq!(g.trouble, Trouble::Server);
    assert_eq!(
        g.headline,
        "Permission denied: You are not allowed to create on app-connections."
    );
    assert_eq!(
        g.hint.as_deref(),
        Some(
            "Your identity needs the \"create\" permission on App Connections in this project (or organization)."
        )
    );
    assert_eq!(g.exit_code(), 1);
}

#[tokio::test]
async fn rate_limit_reads_retry_after() {
    let server = MockServer::start().await;
    mock(
        &server,
        "GET",
        "/api/v1/projects",
        json_reply(
            429,
            &json!({"reqId":"req-RateL1m1t00001","statusCode":429,
                    "message":"Rate limit exceeded. Please try again in 37 seconds",
                    "error":"RateLimitExceeded"}),
        )
        .insert_header("retry-after", "37"),
    )
    .await;
    let err = token_client(&server).list_projects().await.unwrap_err();
    assert_eq!(api_error(&err).retry_after_secs, Some(37));
    let g = err.guidance(None);
    assert_eq!(
        g.headline,
        "The KMS server is rate-limiting requests (429)."
    );
    assert_eq!(
        g.hint.as_deref(),
        Some("Try again in 37 s; nothing was lost.")
    );
    assert_eq!(g.exit_code(), 1);
}

#[tokio::test]
async fn server_error_headline_carries_the_request_id() {
    let server = MockServer::start().await;
    mock(
        &server,
        "POST",
        "/api/v1/app-connections/teamcity",
        json_reply(
            500,
            &json!({"reqId":"req-Qw3rTy7uIo9pAs","statusCode":500,
                    "message":"Something went wrong","error":"InternalServerError"}),
        ),
    )
    .await;
    let inp = tc_input();
    let err = token_client(&server)
        .create_connection(&inp, Some("p1"))
        .await
        .unwrap_err();
    let g = err.guidance(Some(inp.app));
    assert!(g.headline.contains("req-Qw3rTy7uIo9pAs"), "{}", g.headline);
    assert_eq!(
        g.headline,
        "The KMS server answered 500: Something went wrong (request ID req-Qw3rTy7uIo9pAs)."
    );
    assert_eq!(g.trouble, Trouble::Server);
    assert_eq!(g.exit_code(), 1);
}

#[tokio::test]
async fn unknown_extra_fields_still_parse() {
    let server = MockServer::start().await;
    let conn = json!({
        "id": "3c90c3cc-0d44-4b50-8888-8dd25736052a",
        "name": "ci",
        "description": null,
        "version": 1,
        "orgId": "org-1",
        "projectId": "p1",
        "createdAt": "2025-01-01T00:00:00.000Z",
        "updatedAt": "2025-01-01T00:00:00.000Z",
        "isPlatformManagedCredentials": false,
        "gatewayId": null,
        "credentialsHash": "abc123",
        "app": "teamcity",
        "method": "access-token",
        "credentials": {"instanceUrl": "https://ci.example.com"},
        "futureField": {"nested": [1, 2, 3]},
        "rotation": "weekly"
    });
    mock(
        &server,
        "POST",
        "/api/v1/app-connections/teamcity",
        json_reply(200, &json!({"appConnection": conn, "somethingNew": true})),
    )
    .await;
    mock(
        &server,
        "GET",
        "/api/v1/projects",
        json_reply(
            200,
            &json!({"projects": [{"id": "p1", "name": "One", "slug": "one",
                                  "type": "secret-manager", "environments": [], "extra": {"a": 1}}],
                    "totalCount": 1}),
        ),
    )
    .await;
    let client = token_client(&server);
    let got = client
        .create_connection(&tc_input(), Some("p1"))
        .await
        .expect("extra fields are ignored");
    assert_eq!(got.id, "3c90c3cc-0d44-4b50-8888-8dd25736052a");
    assert_eq!(got.name, "ci");
    assert_eq!(got.credentials_hash, "abc123");
    assert_eq!(got.project_id.as_deref(), Some("p1"));
    assert_eq!(got.description, None);
    // --json prints the object as received, unknown fields included.
    assert_eq!(got.raw.value(), conn);

    let projects = client.list_projects().await.expect("projects parse");
    assert_eq!(projects.len(), 1);
    assert_eq!(
        (
            projects[0].id.as_str(),
            projects[0].name.as_str(),
            projects[0].slug.as_str()
        ),
        ("p1", "One", "one")
    );
}

#[tokio::test]
async fn bodies_over_one_mebibyte_are_capped() {
    let server = MockServer::start().await;
    // A JSON list that never ends within the cap: 3 MiB of spaces after the opening.
    let mut huge = b"{\"projects\":[".to_vec();
    huge.resize(3 * 1024 * 1024, b' ');
    mock(
        &server,
        "GET",
        "/api/v1/projects",
        ResponseTemplate::new(200).set_body_raw(huge, "application/json"),
    )
    .await;
    mock(
        &server,
        "GET",
        "/raw",
        ResponseTemplate::new(200).set_body_raw(vec![b'x'; 3 * 1024 * 1024], "text/plain"),
    )
    .await;
    mock(
        &server,
        "POST",
        "/api/v1/app-connections/teamcity",
        ResponseTemplate::new(502).set_body_raw(vec![b'y'; 2 * 1024 * 1024], "text/plain"),
    )
    .await;

    let client = token_client(&server);
    let err = tokio::time::timeout(Duration::from_secs(20), client.list_projects())
        .await
        .expect("a huge body must not hang")
        .unwrap_err();
    match &err {
        KmsError::BadResponse { url, why } => {
            assert_eq!(url, &format!("{}/api/v1/projects", server.uri()));
            // serde stopped exactly at the cap.
            assert!(why.contains(&BODY_CAP.to_string()), "{why}");
        }
        other => panic!("expected BadResponse, got {other:?}"),
    }
    assert!(err.guidance(None).headline.len() < 300);

    let err = tokio::time::timeout(
        Duration::from_secs(20),
        client.create_connection(&tc_input(), None),
    )
    .await
    .expect("no hang")
    .unwrap_err();
    assert_eq!(
        err,
        KmsError::NotKmsApi {
            url: format!("{}/api/v1/app-connections/teamcity", server.uri()),
            status: 502,
            what: "text/plain instead of JSON".into(),
        }
    );

    // And the capture itself keeps exactly BODY_CAP bytes.
    let resp = http_client()
        .get(format!("{}/raw", server.uri()))
        .send()
        .await
        .unwrap();
    let captured = tokio::time::timeout(Duration::from_secs(20), http::capture(resp))
        .await
        .expect("no hang")
        .expect("capture");
    assert_eq!(captured.body.len(), BODY_CAP);
    assert_eq!(captured.status, 200);
}

#[tokio::test]
async fn hostile_control_characters_are_stripped_from_guidance() {
    let server = MockServer::start().await;
    mock(
        &server,
        "GET",
        "/api/v1/projects",
        json_reply(
            400,
            &json!({"reqId":"req-\u{1b}[31mEvil","statusCode":400,"error":"BadRequest",
                    "message":"Bad\u{1b}[2J\u{1b}]0;pwned\u{7} thing\u{9b}31m done\u{202e}!"}),
        ),
    )
    .await;
    mock(
        &server,
        "POST",
        "/api/v1/app-connections/teamcity",
        json_reply(
            400,
            &json!({"statusCode":400,"error":"BadRequest",
                    "message":"An App Connection with the name \"x\u{1b}[8m\" already exists"}),
        ),
    )
    .await;
    mock(
        &server,
        "POST",
        "/api/v1/auth/universal-auth/login",
        json_reply(
            422,
            &json!({"statusCode":422,"error":"ValidationFailure","message":[
                {"message":"Bad \u{1b}[1mname\r\nline two","path":["name\u{1b}"]},
                {"message":"Odd\u{7}","path":["elsewhere\u{1b}[0m"]}
            ]}),
        ),
    )
    .await;

    let client = token_client(&server);
    let g = client.list_projects().await.unwrap_err().guidance(None);
    assert!(!g.headline.contains('\x1b'), "{:?}", g.headline);
    assert_eq!(
        g.headline,
        "The KMS server answered 400: Bad[2J]0;pwned thing31m done! (request ID req-[31mEvil)."
    );
    assert_guidance_clean(&g, "kms-token-xyz");

    let inp = tc_input();
    let g = client
        .create_connection(&inp, None)
        .await
        .unwrap_err()
        .guidance(Some(inp.app));
    assert_eq!(g.fields[0].0, FieldId::Name);
    assert!(!g.headline.contains('\x1b'), "{:?}", g.headline);
    assert_guidance_clean(&g, "tc-secret-value-991");

    let g = client
        .login_universal("id", &SecretString::from("s"))
        .await
        .unwrap_err()
        .guidance(Some(inp.app));
    assert!(!g.headline.contains('\x1b'), "{:?}", g.headline);
    assert!(!g.headline.contains('\n'), "{:?}", g.headline);
    assert_guidance_clean(&g, "tc-secret-value-991");
}

// ---------------------------------------------------------------------------------------------
// Provider credential tests against the sandbox
// ---------------------------------------------------------------------------------------------

fn provider_requests(sb: &Sandbox, slug: &str) -> Vec<RecordedRequest> {
    sb.requests()
        .into_iter()
        .filter(|r| r.service == slug)
        .collect()
}

#[tokio::test]
async fn provider_tests_pass_with_good_credentials_and_send_the_right_auth() {
    let sb = start().await;
    let client = http_client();
    let eps = endpoints(&sb);
    let expected_messages = [
        "TeamCity accepted the credential: version 2025.07 (build 197398).",
        "Octopus Deploy accepted the credential: user svc-kms (KMS sync).",
        "Bitbucket accepted the credential: user KMS Demo (kms-demo).",
        "Northflank accepted the credential: 1 project visible.",
    ];
    let expected_urls = [
        format!("{}/app/rest/server", sb.teamcity_url),
        format!("{}/api/users/me", sb.octopus_url),
        format!("{}/2.0/user", sb.bitbucket_api),
        format!("{}/v1/projects", sb.northflank_api),
    ];
    for (i, slug) in SLUGS.into_iter().enumerate() {
        let secret = good_secret(slug);
        let inp = input(slug, "x", "", &target_for(&sb, slug), secret);
        let o = apps::probe::run(&client, &inp, &eps, WIZARD).await;
        assert_eq!(o.code, OutcomeCode::Ok, "{slug}: {o:?}");
        assert!(o.ok);
        assert_eq!(o.message, expected_messages[i]);
        assert_eq!(o.url, expected_urls[i]);
        assert_eq!(o.hint, None);
        assert_outcome_clean(&o, secret);

        let reqs = provider_requests(&sb, slug);
        assert_eq!(reqs.len(), 1, "{slug}: exactly one provider request");
        let r = &reqs[0];
        assert_eq!(r.method, "GET");
        assert_eq!(r.path, app(slug).probe_path);
        assert_eq!(header(r, "accept"), Some("application/json"));
        assert_eq!(
            header(r, "user-agent"),
            Some(concat!("kms-connect/", env!("CARGO_PKG_VERSION")))
        );
        match slug {
            "teamcity" | "northflank" => {
                assert_eq!(r.authorization, Some(format!("Bearer {secret}")));
            }
            "bitbucket" => {
                let b64 = base64::engine::general_purpose::STANDARD
                    .encode(format!("{}:{secret}", demo::BITBUCKET_EMAIL));
                assert_eq!(r.authorization, Some(format!("Basic {b64}")));
            }
            "octopus-deploy" => {
                assert_eq!(r.authorization, None);
                assert_eq!(header(r, "x-octopus-apikey"), Some(secret));
                assert_eq!(header(r, "x-nuget-apikey"), Some(secret));
            }
            _ => unreachable!(),
        }
    }
    // The provider test never touches the KMS server.
    assert!(sb.requests().iter().all(|r| r.service != "kms"));
}

#[tokio::test]
async fn provider_tests_reject_bad_credentials() {
    let sb = start().await;
    let client = http_client();
    let eps = endpoints(&sb);
    let said = [
        "TeamCity rejected the access token (401). It said: \"Authentication required\"",
        "Octopus Deploy rejected the API key (401). It said: \"Either your API key is invalid, or your account has been disabled. Please contact your Octopus administrator.\"",
        "Bitbucket rejected the API token (401). It said: \"Token is invalid, expired, or not supported for this endpoint.\"",
        "Northflank rejected the API token (401). It said: \"Unauthenticated\"",
    ];
    for (i, slug) in SLUGS.into_iter().enumerate() {
        let inp = input(slug, "x", "", &target_for(&sb, slug), BAD_SECRET);
        let o = apps::probe::run(&client, &inp, &eps, WIZARD).await;
        assert_eq!(o.code, OutcomeCode::TokenRejected, "{slug}: {o:?}");
        assert!(!o.ok);
        assert_eq!(o.message, said[i]);
        assert_eq!(o.hint.as_deref(), Some(app(slug).rejected_hint));
        assert!(o.learned.is_empty());
        assert_outcome_clean(&o, BAD_SECRET);
        let reqs = provider_requests(&sb, slug);
        assert_eq!(reqs.len(), 1);
        assert_eq!(reqs[0].path, app(slug).probe_path);
    }
}

#[tokio::test]
async fn bitbucket_token_without_user_scope_lists_the_missing_scope() {
    let sb = start().await;
    let secret = demo::BITBUCKET_TOKEN_NO_USER_SCOPE;
    let inp = input("bitbucket", "x", "", demo::BITBUCKET_EMAIL, secret);
    let o = apps::probe::run(&http_client(), &inp, &endpoints(&sb), WIZARD).await;
    assert_eq!(o.code, OutcomeCode::MissingScope);
    assert_eq!(
        o.message,
        "The token is missing scope(s): read:user:bitbucket."
    );
    assert_eq!(
        o.hint.as_deref(),
        Some(
            "It has: read:repository:bitbucket, read:pipeline:bitbucket. Make a new token with the scopes the app's instructions list."
        )
    );
    assert_outcome_clean(&o, secret);

    // The right email matters: the same token under another email is simply rejected.
    let inp = input(
        "bitbucket",
        "x",
        "",
        "someone@example.com",
        demo::BITBUCKET_TOKEN,
    );
    let o = apps::probe::run(&http_client(), &inp, &endpoints(&sb), WIZARD).await;
    assert_eq!(o.code, OutcomeCode::TokenRejected);
}

// ---------------------------------------------------------------------------------------------
// Provider credential tests against wiremock and unreachable hosts
// ---------------------------------------------------------------------------------------------

const TC_SECRET: &str = "tc-probe-secret-0042";

fn tc_at(base: &str) -> ConnectionInput {
    input("teamcity", "x", "", base, TC_SECRET)
}

async fn probe_tc(base: &str) -> TestOutcome {
    let o = apps::probe::run(
        &http_client(),
        &tc_at(base),
        &ProviderEndpoints::default(),
        WIZARD,
    )
    .await;
    assert_outcome_clean(&o, TC_SECRET);
    o
}

async fn tc_server(reply: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    mock(&server, "GET", "/app/rest/server", reply).await;
    server
}

#[tokio::test]
async fn redirects_are_reported_with_the_absolute_location() {
    let server = tc_server(
        ResponseTemplate::new(301)
            .insert_header("location", "https://ci.example.com/app/rest/server"),
    )
    .await;
    let url = format!("{}/app/rest/server", server.uri());
    let o = probe_tc(&server.uri()).await;
    assert_eq!(o.code, OutcomeCode::Redirect);
    assert_eq!(
        o.message,
        format!("{url} redirects (301) to https://ci.example.com/app/rest/server.")
    );
    assert!(
        o.hint
            .as_deref()
            .unwrap()
            .contains("does not follow redirects")
    );
    assert_eq!(o.url, url);

    let server =
        tc_server(ResponseTemplate::new(302).insert_header("location", "/login.html?redirect=%2F"))
            .await;
    let o = probe_tc(&server.uri()).await;
    assert_eq!(o.code, OutcomeCode::Redirect);
    assert!(
        o.message.ends_with(&format!(
            "redirects (302) to {}/login.html?redirect=%2F.",
            server.uri()
        )),
        "{}",
        o.message
    );
    // Not followed: wiremock saw only the one request.
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn html_200_is_a_web_page_not_the_provider() {
    let server = tc_server(ResponseTemplate::new(200).set_body_raw(
        "<html><body>Log in</body></html>",
        "text/html;charset=UTF-8",
    ))
    .await;
    let o = probe_tc(&server.uri()).await;
    assert_eq!(o.code, OutcomeCode::NotProvider);
    assert!(o.message.contains("web page"), "{}", o.message);
    assert_eq!(
        o.message,
        format!(
            "{}/app/rest/server serves a web page (200 text/html;charset=utf-8), not the TeamCity REST API.",
            server.uri()
        )
    );
    let hint = o.hint.as_deref().unwrap();
    assert!(hint.starts_with(app("teamcity").not_found_hint), "{hint}");
    // The KMS server's check takes any 2xx: it would accept this; the wizard can create anyway.
    assert!(
        hint.contains("The KMS server's own check accepts any 2xx answer")
            && hint.contains("create anyway"),
        "{hint}"
    );

    // 200 JSON-less text is not the provider either.
    let server = tc_server(ResponseTemplate::new(200).set_body_string("hello")).await;
    let o = probe_tc(&server.uri()).await;
    assert_eq!(o.code, OutcomeCode::NotProvider);
    assert!(o.message.contains("not JSON"), "{}", o.message);
    let hint = o.hint.as_deref().unwrap();
    assert!(hint.contains("accepts any 2xx answer"), "{hint}");

    // Nor is an empty 204; the server would accept it too.
    let server = tc_server(ResponseTemplate::new(204)).await;
    let o = probe_tc(&server.uri()).await;
    assert_eq!(o.code, OutcomeCode::NotProvider, "{o:?}");
    let hint = o.hint.as_deref().unwrap();
    assert!(
        hint.contains("accepts any 2xx answer") && hint.contains("create anyway"),
        "{hint}"
    );
}

#[tokio::test]
async fn not_found_is_reported() {
    let server = tc_server(ResponseTemplate::new(404).set_body_string("Not Found")).await;
    let o = probe_tc(&server.uri()).await;
    assert_eq!(o.code, OutcomeCode::NotFound);
    assert_eq!(
        o.message,
        format!(
            "No TeamCity REST API at {}/app/rest/server (404).",
            server.uri()
        )
    );
    assert_eq!(o.hint.as_deref(), Some(app("teamcity").not_found_hint));
}

#[tokio::test]
async fn rate_limit_reports_retry_after() {
    let server = tc_server(ResponseTemplate::new(429).insert_header("Retry-After", "42")).await;
    let o = probe_tc(&server.uri()).await;
    assert_eq!(o.code, OutcomeCode::RateLimited);
    assert_eq!(o.retry_after_secs, Some(42));
    assert_eq!(o.message, "TeamCity is rate-limiting requests (429).");
    let hint = o.hint.as_deref().unwrap();
    assert!(
        hint.starts_with("Try again in 42 s; your input is kept. ")
            && hint.contains("The KMS server retries its own check 3 times"),
        "{hint}"
    );
    // The JSON for scripts carries it too.
    let v = serde_json::to_value(&o).unwrap();
    assert_eq!(v["retry_after_secs"], json!(42));
    assert_eq!(v["code"], json!("rate_limited"));
}

#[tokio::test]
async fn server_errors_are_unavailable() {
    let server = tc_server(ResponseTemplate::new(503).set_body_string("upstream down")).await;
    let o = probe_tc(&server.uri()).await;
    assert_eq!(o.code, OutcomeCode::Unavailable);
    assert_eq!(
        o.message,
        "TeamCity answered 503: it is down, starting up or behind a failing proxy."
    );
    let hint = o.hint.as_deref().unwrap();
    assert!(
        hint.starts_with("Try again later. ") && hint.contains("honouring Retry-After"),
        "{hint}"
    );
}

/// A port on 127.0.0.1 where nothing listens (bound, then released).
fn refused_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

#[tokio::test]
async fn connection_refused_is_reported() {
    let port = refused_port();
    let o = probe_tc(&format!("http://127.0.0.1:{port}")).await;
    assert_eq!(o.code, OutcomeCode::Refused, "{o:?}");
    assert_eq!(
        o.message,
        format!("Connection refused by 127.0.0.1:{port}: nothing listens there. Check the port.")
    );
}

#[tokio::test]
async fn unknown_host_is_reported() {
    let o = probe_tc("http://does-not-exist.invalid").await;
    assert_eq!(o.code, OutcomeCode::HostNotFound, "{o:?}");
    assert_eq!(
        o.message,
        "Host not found: does-not-exist.invalid does not resolve. Check the spelling."
    );
    assert_eq!(o.url, "http://does-not-exist.invalid/app/rest/server");
}

#[tokio::test]
async fn slow_provider_times_out() {
    let server = tc_server(
        ResponseTemplate::new(200)
            .set_body_raw(r#"{"version":"1"}"#, "application/json")
            .set_delay(Duration::from_secs(3)),
    )
    .await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_millis(500))
        .build()
        .unwrap();
    let o = apps::probe::run(
        &client,
        &tc_at(&server.uri()),
        &ProviderEndpoints::default(),
        WIZARD,
    )
    .await;
    // The answer would have been a pass: a timeout means the client gave up first.
    assert_eq!(o.code, OutcomeCode::Timeout, "{o:?}");
    assert_eq!(
        o.message,
        format!(
            "{} did not answer in time. Check the address, VPN or firewall.",
            http::host_of(&server.uri())
        )
    );
    assert!(o.hint.is_some());
    assert_outcome_clean(&o, TC_SECRET);
}

/// A TLS server on 127.0.0.1 with a fresh self-signed certificate; it completes (or fails)
/// handshakes and answers nothing.
async fn self_signed_tls_server() -> (u16, tokio::task::JoinHandle<()>) {
    let (acceptor, _) = common::tls::self_signed();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let task = tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let _ = acceptor.accept(stream).await;
            });
        }
    });
    (port, task)
}

#[tokio::test]
async fn self_signed_certificate_is_untrusted() {
    let (port, task) = self_signed_tls_server().await;
    let base = format!("https://127.0.0.1:{port}");
    // With the system roots (what the CLI uses for https) and with none at all.
    for client in [
        http::client(true, false).expect("TLS client"),
        http::client(false, false).unwrap(),
    ] {
        let o = tokio::time::timeout(
            Duration::from_secs(15),
            apps::probe::run(
                &client,
                &tc_at(&base),
                &ProviderEndpoints::default(),
                WIZARD,
            ),
        )
        .await
        .expect("no hang");
        assert_eq!(o.code, OutcomeCode::TlsUntrusted, "{o:?}");
        assert_eq!(
            o.message,
            format!(
                "The TLS certificate of 127.0.0.1:{port} is not trusted (issued by an unknown authority)."
            )
        );
        assert!(
            o.hint
                .as_deref()
                .unwrap()
                .contains("The KMS server must trust the TeamCity certificate too")
        );
        assert_outcome_clean(&o, TC_SECRET);
    }
    task.abort();
}

#[tokio::test]
async fn transport_failures_to_the_kms_are_explained() {
    let port = refused_port();
    let err = kms_at(&format!("http://127.0.0.1:{port}"))
        .list_projects()
        .await
        .unwrap_err();
    assert_eq!(
        err,
        KmsError::Transport {
            url: format!("http://127.0.0.1:{port}/api/v1/projects"),
            failure: TransportFailure::Refused,
        }
    );
    let g = err.guidance(None);
    assert_eq!(
        g.headline,
        format!("Connection refused by 127.0.0.1:{port}: nothing listens there. Check the port.")
    );
    assert_eq!(g.exit_code(), 1);
}

// ---------------------------------------------------------------------------------------------
// Secrets
// ---------------------------------------------------------------------------------------------

/// A provider that echoes the credential back must not get it into what kms-connect shows:
/// `probe::run` promises never to return the secret in any string.
async fn probe_echoing(reply: ResponseTemplate) -> TestOutcome {
    let server = tc_server(reply).await;
    let o = apps::probe::run(
        &http_client(),
        &tc_at(&server.uri()),
        &ProviderEndpoints::default(),
        WIZARD,
    )
    .await;
    assert!(!o.ok);
    o
}

#[tokio::test]
async fn secret_echoed_in_a_provider_error_is_not_repeated() {
    let o = probe_echoing(
        json_reply(
            401,
            &json!({"message": format!("Invalid token {TC_SECRET} for this server")}),
        )
        .insert_header("TeamCity-Node-Id", "MAIN_SERVER"),
    )
    .await;
    assert_eq!(o.code, OutcomeCode::TokenRejected);
    assert_outcome_clean(&o, TC_SECRET);
}

#[tokio::test]
async fn secret_echoed_in_a_redirect_is_not_repeated() {
    let o = probe_echoing(
        ResponseTemplate::new(302)
            .insert_header("location", format!("/login?token={TC_SECRET}").as_str()),
    )
    .await;
    assert_eq!(o.code, OutcomeCode::Redirect);
    assert_outcome_clean(&o, TC_SECRET);
}

#[tokio::test]
async fn secret_echoed_in_an_unexpected_answer_is_not_repeated() {
    let o = probe_echoing(
        ResponseTemplate::new(418).set_body_string(format!("teapot says {TC_SECRET}")),
    )
    .await;
    assert_eq!(o.code, OutcomeCode::Unexpected);
    assert_outcome_clean(&o, TC_SECRET);
}

#[tokio::test]
async fn no_guidance_or_outcome_holds_the_secret_in_the_sandbox_flows() {
    let sb = start().await;
    let client = signed_in(&sb);
    let eps = endpoints(&sb);
    for slug in SLUGS {
        for (i, secret) in [good_secret(slug), BAD_SECRET].into_iter().enumerate() {
            let name = format!("{slug}-{i}");
            let inp = input(slug, &name, "", &target_for(&sb, slug), secret);
            let o = apps::probe::run(&http_client(), &inp, &eps, WIZARD).await;
            assert_outcome_clean(&o, secret);
            let first = client.create_connection(&inp, Some(&sb.project_id)).await;
            match first {
                Ok(conn) => {
                    assert!(!conn.raw.to_string().contains(secret));
                    assert!(!format!("{conn:?}").contains(secret));
                    // A second create fails as a duplicate; its guidance is clean too.
                    let err = client
                        .create_connection(&inp, Some(&sb.project_id))
                        .await
                        .unwrap_err();
                    assert_guidance_clean(&err.guidance(Some(inp.app)), secret);
                }
                Err(err) => {
                    assert!(!format!("{err:?}").contains(secret));
                    assert_guidance_clean(&err.guidance(Some(inp.app)), secret);
                }
            }
        }
    }
    assert!(!format!("{client:?}").contains(&sb.token));
}

// ---------------------------------------------------------------------------------------------
// Existing connections: list, get, rotate, update, delete
// ---------------------------------------------------------------------------------------------

/// A TeamCity connection in the sandbox's project; returns its ID.
fn seed_teamcity(sb: &Sandbox, name: &str) -> String {
    sb.seed(
        "teamcity",
        name,
        Some(&sb.project_id),
        &[
            ("instanceUrl", &sb.teamcity_url),
            ("accessToken", demo::TEAMCITY_TOKEN),
        ],
    )
    .expect("seed")
}

#[tokio::test]
async fn list_and_get_against_the_sandbox() {
    let sb = start().await;
    let tc = seed_teamcity(&sb, "build-server");
    sb.seed("northflank", "org-northflank", None, &[("apiToken", "x")])
        .unwrap();
    let kms = signed_in(&sb);
    let project = kms
        .list_connections(None, Some(&sb.project_id))
        .await
        .unwrap();
    assert_eq!(project.len(), 1);
    assert_eq!(project[0].id, tc);
    assert_eq!(
        project[0].credentials["instanceUrl"],
        json!(sb.teamcity_url)
    );
    let org = kms.list_connections(None, None).await.unwrap();
    assert_eq!(org.len(), 2, "the organization view holds both");
    let only_nf = kms
        .list_connections(Some(app("northflank")), None)
        .await
        .unwrap();
    assert_eq!(only_nf.len(), 1);

    let by_name = kms
        .get_connection(
            app("teamcity"),
            &ConnectionRef::Name("build-server".into()),
            Some(&sb.project_id),
        )
        .await
        .unwrap();
    assert_eq!(by_name.id, tc);
    let by_id = kms
        .get_connection(app("teamcity"), &ConnectionRef::Id(tc.clone()), None)
        .await
        .unwrap();
    assert_eq!(by_id.name, "build-server");
    assert_eq!(
        by_id.raw.value()["credentialsHash"],
        json!(by_id.credentials_hash)
    );
}

#[tokio::test]
async fn get_errors_are_translated() {
    let sb = start().await;
    let tc = seed_teamcity(&sb, "build-server");
    let kms = signed_in(&sb);
    // A project connection is not found by name at organization level.
    let err = kms
        .get_connection(
            app("teamcity"),
            &ConnectionRef::Name("build-server".into()),
            None,
        )
        .await
        .unwrap_err();
    let e = api_error(&err);
    assert_eq!(e.status, 404);
    assert_eq!(
        e.message,
        "Could not find App Connection with name build-server in organization scope."
    );
    let g = err.guidance(Some(app("teamcity")));
    assert_eq!(g.trouble, Trouble::Input);
    assert_eq!(g.headline, e.message);
    assert!(g.hint.unwrap().contains("kms-connect list"));

    let err = kms
        .get_connection(app("bitbucket"), &ConnectionRef::Id(tc.clone()), None)
        .await
        .unwrap_err();
    assert_eq!(api_error(&err).status, 400);
    assert_eq!(
        api_error(&err).message,
        format!("App Connection with ID {tc} is not for App \"bitbucket\"")
    );
    assert_eq!(err.guidance(None).exit_code(), 2);
}

#[tokio::test]
async fn rotate_patches_the_complete_credentials_and_changes_the_hash() {
    let sb = start().await;
    let tc = seed_teamcity(&sb, "build-server");
    let kms = signed_in(&sb);
    let before = kms
        .get_connection(app("teamcity"), &ConnectionRef::Id(tc.clone()), None)
        .await
        .unwrap();
    let new = input(
        "teamcity",
        "unused-name",
        "",
        &sb.teamcity_url,
        demo::TEAMCITY_TOKEN,
    );
    let after = kms.rotate_connection(&tc, &new).await.unwrap();
    assert_ne!(after.credentials_hash, before.credentials_hash);
    assert_eq!(after.name, "build-server", "the name is not touched");
    let patch = sb
        .requests()
        .into_iter()
        .find(|r| r.method == "PATCH")
        .unwrap();
    assert_eq!(
        patch.body,
        Some(
            json!({"credentials": {"instanceUrl": sb.teamcity_url, "accessToken": demo::TEAMCITY_TOKEN}})
        )
    );

    // The server re-checks the provider: a rejected token is refused and nothing changes.
    let bad = input("teamcity", "x", "", &sb.teamcity_url, "wrong-token-5521");
    let err = kms.rotate_connection(&tc, &bad).await.unwrap_err();
    let g = err.guidance(Some(app("teamcity")));
    assert_eq!(g.trouble, Trouble::Credential, "{g:?}");
    assert_guidance_clean(&g, "wrong-token-5521");
    let now = kms
        .get_connection(app("teamcity"), &ConnectionRef::Id(tc), None)
        .await
        .unwrap();
    assert_eq!(now.credentials_hash, after.credentials_hash);
}

#[tokio::test]
async fn the_sandbox_refuses_incomplete_credentials_on_update() {
    let sb = start().await;
    let tc = seed_teamcity(&sb, "build-server");
    // Only the token: the server wants the complete object.
    let resp = http_client()
        .patch(format!(
            "{}/api/v1/app-connections/teamcity/{tc}",
            sb.kms_url
        ))
        .bearer_auth(&sb.token)
        .json(&json!({"credentials": {"accessToken": "t"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(
        body["message"],
        json!("Invalid credential format for TeamCity Connection with method Access Token")
    );
}

#[tokio::test]
async fn update_renames_clears_and_refuses_a_taken_name() {
    let sb = start().await;
    let tc = seed_teamcity(&sb, "build-server");
    seed_teamcity(&sb, "other");
    let kms = signed_in(&sb);
    let changes = Changes {
        name: Some("ci-main".into()),
        description: Some(Some("main CI".into())),
    };
    let after = kms
        .update_connection(app("teamcity"), &tc, &changes)
        .await
        .unwrap();
    assert_eq!(after.name, "ci-main");
    assert_eq!(after.description.as_deref(), Some("main CI"));
    let clear = Changes {
        name: None,
        description: Some(None),
    };
    let after = kms
        .update_connection(app("teamcity"), &tc, &clear)
        .await
        .unwrap();
    assert_eq!(after.description, None);
    assert_eq!(after.name, "ci-main");

    let taken = Changes {
        name: Some("other".into()),
        description: None,
    };
    let err = kms
        .update_connection(app("teamcity"), &tc, &taken)
        .await
        .unwrap_err();
    assert_eq!(
        api_error(&err).message,
        "An App Connection with the name \"other\" already exists"
    );
    let g = err.guidance(Some(app("teamcity")));
    assert_eq!(g.fields[0].0, FieldId::Name);
}

#[tokio::test]
async fn delete_removes_and_a_connection_in_use_stays() {
    let sb = start().await;
    let used = seed_teamcity(&sb, "used");
    let spare = seed_teamcity(&sb, "spare");
    sb.mark_in_use(&used);
    let kms = signed_in(&sb);
    let gone = kms
        .delete_connection(app("teamcity"), &spare)
        .await
        .unwrap();
    assert_eq!(gone.name, "spare");
    let err = kms
        .delete_connection(app("teamcity"), &used)
        .await
        .unwrap_err();
    assert_eq!(
        api_error(&err).message,
        "Cannot delete App Connection with existing connections. Remove all existing connections and try again."
    );
    let g = err.guidance(None);
    assert!(g.headline.contains("still in use"), "{}", g.headline);
    assert_eq!(g.exit_code(), 1);
    let err = kms
        .delete_connection(app("teamcity"), &spare)
        .await
        .unwrap_err();
    assert_eq!(api_error(&err).status, 404);
    assert_eq!(sb.connections().len(), 1);
}

#[tokio::test]
async fn org_level_list_denied_and_odd_list_entries() {
    let server = MockServer::start().await;
    mock(
        &server,
        "GET",
        "/api/v1/app-connections",
        json_reply(
            403,
            &json!({"reqId":"req-1","statusCode":403,"error":"PermissionDenied",
                    "message":"You are not allowed to read on app-connections","details":[]}),
        ),
    )
    .await;
    mock(
        &server,
        "GET",
        "/api/v1/app-connections/northflank",
        json_reply(
            200,
            &json!({"appConnections": [
                {"id":"a","name":"ok","app":"northflank","method":"api-token","credentials":{},
                 "futureField":{"x":1}},
                {"id": 7, "name": ["not", "a", "string"]},
            ]}),
        ),
    )
    .await;
    let kms = token_client(&server);
    let err = kms.list_connections(None, None).await.unwrap_err();
    let g = err.guidance(None);
    assert!(
        g.headline.starts_with("Permission denied"),
        "{}",
        g.headline
    );
    let list = kms
        .list_connections(Some(app("northflank")), None)
        .await
        .unwrap();
    assert_eq!(
        list.len(),
        1,
        "an unreadable entry is skipped, unknown fields ignored"
    );
    assert_eq!(list[0].raw.value()["futureField"], json!({"x":1}));
}

#[tokio::test]
async fn a_rate_limited_get_says_when_to_retry() {
    let server = MockServer::start().await;
    mock(
        &server,
        "GET",
        "/api/v1/app-connections/teamcity/00000000-0000-4000-8000-000000000001",
        json_reply(
            429,
            &json!({"reqId":"r","statusCode":429,"error":"RateLimitExceeded",
            "message":"Rate limit exceeded. Please try again in 30 seconds"}),
        )
        .insert_header("retry-after", "30"),
    )
    .await;
    let kms = token_client(&server);
    let err = kms
        .get_connection(
            app("teamcity"),
            &ConnectionRef::Id("00000000-0000-4000-8000-000000000001".into()),
            None,
        )
        .await
        .unwrap_err();
    let g = err.guidance(None);
    assert!(g.headline.contains("429"), "{}", g.headline);
    assert!(g.hint.unwrap().contains("in 30 s"));
}

#[tokio::test]
async fn a_rate_limited_provider_on_create_says_to_wait_not_to_fix_the_credential() {
    // The server's own check met a 429 (and retried it): the hint is the test step's kind,
    // when to try again, not "fix the credential".
    let sb = start().await;
    let client = signed_in(&sb);
    for slug in SLUGS {
        let target = target_for(&sb, slug);
        let inp = input(
            slug,
            &format!("{slug}-429"),
            "",
            &target,
            demo::RATE_LIMITED_TOKEN,
        );
        let err = client
            .create_connection(&inp, Some(&sb.project_id))
            .await
            .expect_err("a 429 must fail");
        let g = err.guidance(Some(app(slug)));
        let hint = g.hint.clone().unwrap_or_default();
        assert!(
            hint.contains("rate-limiting") && hint.contains("try again ") && !hint.contains("fix"),
            "{slug}: {g:?}"
        );
        assert!(hint.contains(app(slug).rate_limit_wait), "{slug}: {hint}");
        assert_guidance_clean(&g, demo::RATE_LIMITED_TOKEN);
    }
    assert!(sb.connections().is_empty());
}
