//! End-to-end tests: a real sandbox on 127.0.0.1, driven over HTTP with reqwest.

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::{Sandbox, demo};

struct Harness {
    sb: Sandbox,
    http: reqwest::Client,
}

impl Harness {
    async fn start() -> Self {
        let sb = Sandbox::start().await.unwrap();
        let http = reqwest::Client::builder().no_proxy().build().unwrap();
        Self { sb, http }
    }

    fn bearer(&self) -> String {
        format!("Bearer {}", self.sb.token)
    }

    async fn get(&self, path: &str) -> (StatusCode, Value) {
        let request = self
            .http
            .get(format!("{}{path}", self.sb.kms_url))
            .header("authorization", self.bearer());
        send(request).await
    }

    async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        let request = self
            .http
            .post(format!("{}{path}", self.sb.kms_url))
            .header("authorization", self.bearer())
            .json(&body);
        send(request).await
    }

    async fn change(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.sb.kms_url))
            .header("authorization", self.bearer());
        if let Some(body) = body {
            request = request.json(&body);
        }
        send(request).await
    }

    async fn create(&self, app: &str, body: Value) -> (StatusCode, Value) {
        self.post(&format!("/api/v1/app-connections/{app}"), body)
            .await
    }

    async fn login(&self, body: Value) -> (StatusCode, Value) {
        let request = self
            .http
            .post(format!(
                "{}/api/v1/auth/universal-auth/login",
                self.sb.kms_url
            ))
            .json(&body);
        send(request).await
    }

    /// A valid create body for each app, using the good demo credentials.
    fn good_body(&self, app: &str, name: &str) -> Value {
        let credentials = match app {
            "teamcity" => json!({ "instanceUrl": format!("{}/", self.sb.teamcity_url),
                                   "accessToken": demo::TEAMCITY_TOKEN }),
            "octopus-deploy" => {
                json!({ "instanceUrl": self.sb.octopus_url, "apiKey": demo::OCTOPUS_API_KEY })
            }
            "bitbucket" => {
                json!({ "email": demo::BITBUCKET_EMAIL, "apiToken": demo::BITBUCKET_TOKEN })
            }
            "northflank" => json!({ "apiToken": demo::NORTHFLANK_TOKEN }),
            other => panic!("no body for {other}"),
        };
        let method = match app {
            "teamcity" => "access-token",
            "octopus-deploy" => "api-key",
            _ => "api-token",
        };
        json!({ "name": name, "method": method, "projectId": self.sb.project_id,
                "credentials": credentials })
    }
}

async fn send(request: reqwest::RequestBuilder) -> (StatusCode, Value) {
    let response = request.send().await.unwrap();
    let status = response.status();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, body)
}

fn assert_envelope(body: &Value, status: u16, error: &str) {
    assert_eq!(body["statusCode"], status, "{body}");
    assert_eq!(body["error"], error, "{body}");
    let req_id = body["reqId"].as_str().unwrap();
    assert!(req_id.starts_with("req-") && req_id.len() == 18, "{req_id}");
}

#[tokio::test]
async fn status_needs_no_auth() {
    let h = Harness::start().await;
    let response = h
        .http
        .get(format!("{}/api/status", h.sb.kms_url))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["message"], "Ok");
    assert_eq!(body["redisConfigured"], true);
    assert!(body["date"].as_str().unwrap().ends_with('Z'));
}

#[tokio::test]
async fn login_ok_wrong_missing_and_lockout() {
    let h = Harness::start().await;
    let good = json!({ "clientId": h.sb.client_id, "clientSecret": h.sb.client_secret });
    let wrong = json!({ "clientId": h.sb.client_id, "clientSecret": "nope" });

    let (status, body) = h.login(good.clone()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["accessToken"], h.sb.token);
    assert_eq!(body["expiresIn"], 2_592_000);
    assert_eq!(body["accessTokenMaxTTL"], 2_592_000);
    assert_eq!(body["tokenType"], "Bearer");

    let (status, body) = h.login(json!({})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_envelope(&body, 422, "ValidationFailure");
    assert_eq!(body["message"][0]["path"], json!(["clientId"]));
    assert_eq!(body["message"][1]["path"], json!(["clientSecret"]));
    assert_eq!(body["message"][1]["message"], "Required");

    // An unknown client id never locks the demo identity.
    let (status, body) = h
        .login(json!({ "clientId": "other", "clientSecret": "x" }))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["message"], "Invalid credentials");

    for _ in 0..3 {
        let (status, body) = h.login(wrong.clone()).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_envelope(&body, 401, "UnauthorizedError");
        assert_eq!(body["message"], "Invalid credentials");
    }
    let (status, body) = h.login(good).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        body["message"],
        "This identity auth method is temporarily locked, please try again later"
    );
}

#[tokio::test]
async fn auth_missing_is_401_and_wrong_is_403() {
    let h = Harness::start().await;
    let url = format!("{}/api/v1/projects", h.sb.kms_url);
    let (status, body) = send(h.http.get(&url)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_envelope(&body, 401, "UnauthorizedError");
    assert_eq!(body["message"], "Token missing");

    let (status, body) = send(h.http.get(&url).bearer_auth("not-a-real-token")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_envelope(&body, 403, "TokenError");
    assert_eq!(
        body["message"],
        "The provided access token is malformed. Please use a valid token or generate a new one and try again."
    );

    let (status, _) = send(
        h.http
            .post(format!("{}/api/v1/app-connections/teamcity", h.sb.kms_url)),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn project_and_org_discovery() {
    let h = Harness::start().await;
    let (status, body) = h.get("/api/v1/projects").await;
    assert_eq!(status, StatusCode::OK);
    let project = &body["projects"][0];
    assert_eq!(project["id"], h.sb.project_id);
    assert_eq!(project["_id"], h.sb.project_id);
    assert_eq!(project["name"], h.sb.project_name);
    assert_eq!(project["slug"], "demo-project");
    assert_eq!(project["type"], "secret-manager");
    assert_eq!(project["orgId"], "6f03caa1-a5de-43ce-b127-95a145d3464c");

    let (status, body) = h.get("/api/v1/identities/details").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body["identityDetails"]["organization"],
        json!({ "id": "6f03caa1-a5de-43ce-b127-95a145d3464c", "name": "Demo org", "slug": "demo-org" })
    );
}

#[tokio::test]
async fn create_each_app_with_good_credentials() {
    let h = Harness::start().await;
    let secrets = [
        ("teamcity", demo::TEAMCITY_TOKEN),
        ("octopus-deploy", demo::OCTOPUS_API_KEY),
        ("bitbucket", demo::BITBUCKET_TOKEN),
        ("northflank", demo::NORTHFLANK_TOKEN),
    ];
    for (app, secret) in secrets {
        let name = format!("demo-{app}");
        let mut body = h.good_body(app, &name);
        body["description"] = json!("  Made by a test  ");
        body["unknownKey"] = json!(true);
        let (status, body) = h.create(app, body).await;
        assert_eq!(status, StatusCode::OK, "{app}: {body}");
        let conn = &body["appConnection"];
        let mut keys: Vec<&str> = conn
            .as_object()
            .unwrap()
            .keys()
            .map(|k| k.as_str())
            .collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            [
                "app",
                "createdAt",
                "credentials",
                "credentialsHash",
                "description",
                "gatewayId",
                "id",
                "isPlatformManagedCredentials",
                "method",
                "name",
                "orgId",
                "projectId",
                "updatedAt",
                "version"
            ]
        );
        assert_eq!(conn["app"], app);
        assert_eq!(conn["name"], name);
        assert_eq!(conn["description"], "Made by a test");
        assert_eq!(conn["version"], 1);
        assert_eq!(conn["projectId"], h.sb.project_id);
        assert_eq!(conn["isPlatformManagedCredentials"], false);
        assert_eq!(conn["gatewayId"], Value::Null);
        assert_eq!(conn["credentialsHash"].as_str().unwrap().len(), 64);
        assert!(uuid::Uuid::parse_str(conn["id"].as_str().unwrap()).is_ok());
        let created = conn["createdAt"].as_str().unwrap();
        assert!(humantime::parse_rfc3339(created).is_ok(), "{created}");
        assert_eq!(created.len(), "2025-11-02T09:00:00.000Z".len());
        assert!(
            !body.to_string().contains(secret),
            "{app} echoed its secret"
        );
    }

    let creds = |app: &str| {
        h.sb.connections()
            .into_iter()
            .find(|c| c["app"] == app)
            .unwrap()["credentials"]
            .clone()
    };
    assert_eq!(
        creds("teamcity"),
        json!({ "instanceUrl": format!("{}/", h.sb.teamcity_url) })
    );
    assert_eq!(
        creds("octopus-deploy"),
        json!({ "instanceUrl": h.sb.octopus_url })
    );
    assert_eq!(
        creds("bitbucket"),
        json!({ "email": demo::BITBUCKET_EMAIL })
    );
    assert_eq!(creds("northflank"), json!({}));
}

#[tokio::test]
async fn bad_name_is_a_422_issue_array() {
    let h = Harness::start().await;
    let (status, body) = h
        .create("teamcity", h.good_body("teamcity", "Bad_Name"))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_envelope(&body, 422, "ValidationFailure");
    assert_eq!(
        body["message"],
        json!([{ "code": "custom", "path": ["name"],
                 "message": "name field can only contain lowercase letters, numbers, and hyphens" }])
    );

    // Non-JSON bodies get the same envelope with an empty path.
    let response = h
        .http
        .post(format!(
            "{}/api/v1/app-connections/northflank",
            h.sb.kms_url
        ))
        .header("authorization", h.bearer())
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["message"][0]["path"], json!([]));
    assert!(h.sb.connections().is_empty());
}

#[tokio::test]
async fn duplicate_names_clash_per_scope_across_apps() {
    let h = Harness::start().await;
    let (status, _) = h
        .create("northflank", h.good_body("northflank", "shared"))
        .await;
    assert_eq!(status, StatusCode::OK);

    let (status, body) = h
        .create("bitbucket", h.good_body("bitbucket", "shared"))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_envelope(&body, 400, "BadRequest");
    assert_eq!(
        body["message"],
        "An App Connection with the name \"shared\" already exists"
    );

    // The same name at org level is another scope.
    let mut org_level = h.good_body("bitbucket", "shared");
    org_level.as_object_mut().unwrap().remove("projectId");
    let (status, body) = h.create("bitbucket", org_level).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["appConnection"]["projectId"], Value::Null);
}

#[tokio::test]
async fn unknown_project_is_400() {
    let h = Harness::start().await;
    let mut body = h.good_body("northflank", "nf");
    body["projectId"] = json!("00000000-0000-0000-0000-000000000000");
    let (status, body) = h.create("northflank", body).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_envelope(&body, 400, "BadRequest");
    assert_eq!(
        body["message"],
        "Could not find project with ID 00000000-0000-0000-0000-000000000000"
    );
}

#[tokio::test]
async fn bad_provider_credentials_are_400_with_the_server_wording() {
    let h = Harness::start().await;
    let cases = [
        (
            "teamcity",
            "accessToken",
            "wrong",
            "Failed to validate credentials: Request failed with status code 401",
        ),
        (
            "octopus-deploy",
            "apiKey",
            "API-WRONG",
            "Failed to validate Octopus Deploy credentials: Request failed with status code 401",
        ),
        (
            "bitbucket",
            "apiToken",
            demo::BITBUCKET_TOKEN_NO_USER_SCOPE,
            "Failed to validate credentials: Request failed with status code 403",
        ),
        (
            "northflank",
            "apiToken",
            "wrong",
            "Failed to validate Northflank credentials: Request failed with status code 401",
        ),
    ];
    for (app, field, value, message) in cases {
        let mut body = h.good_body(app, "bad");
        body["credentials"][field] = json!(value);
        let (status, body) = h.create(app, body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{app}");
        assert_envelope(&body, 400, "BadRequest");
        assert_eq!(body["message"], message, "{app}");
    }

    // Unreachable host: the transport error text replaces "Request failed…".
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let dead_url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let mut body = h.good_body("teamcity", "dead");
    body["credentials"]["instanceUrl"] = json!(dead_url);
    let (status, body) = h.create("teamcity", body).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let message = body["message"].as_str().unwrap();
    assert!(
        message.starts_with("Failed to validate credentials: "),
        "{message}"
    );
    assert!(!message.contains("status code"), "{message}");
    assert!(h.sb.connections().is_empty());
}

#[tokio::test]
async fn list_get_by_id_and_by_name() {
    let h = Harness::start().await;
    let (_, tc) = h.create("teamcity", h.good_body("teamcity", "zeta")).await;
    let (_, nf) = h
        .create(
            "northflank",
            h.good_body("northflank", "Alpha".to_lowercase().as_str()),
        )
        .await;
    let mut org_level = h.good_body("bitbucket", "middle");
    org_level.as_object_mut().unwrap().remove("projectId");
    let (_, bb) = h.create("bitbucket", org_level).await;
    let tc_id = tc["appConnection"]["id"].as_str().unwrap().to_string();

    let names = |body: &Value| -> Vec<String> {
        body["appConnections"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap().to_string())
            .collect()
    };
    let (_, all) = h.get("/api/v1/app-connections").await;
    assert_eq!(names(&all), ["alpha", "middle", "zeta"]);
    let (_, in_project) = h
        .get(&format!(
            "/api/v1/app-connections?projectId={}",
            h.sb.project_id
        ))
        .await;
    assert_eq!(names(&in_project), ["alpha", "zeta"]);
    let (status, tc_only) = h.get("/api/v1/app-connections/teamcity").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(names(&tc_only), ["zeta"]);

    let (status, got) = h
        .get(&format!("/api/v1/app-connections/teamcity/{tc_id}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(got["appConnection"], tc["appConnection"]);

    let (status, body) = h
        .get(&format!("/api/v1/app-connections/bitbucket/{tc_id}"))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["message"],
        format!("App Connection with ID {tc_id} is not for App \"bitbucket\"")
    );
    let missing = "00000000-0000-4000-8000-000000000000";
    let (status, body) = h
        .get(&format!("/api/v1/app-connections/teamcity/{missing}"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_envelope(&body, 404, "NotFound");
    assert_eq!(
        body["message"],
        format!("Could not find App Connection with ID {missing}")
    );
    let (status, _) = h.get("/api/v1/app-connections/teamcity/not-a-uuid").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // By name: project connections need ?projectId=, org-level ones must not have it.
    let (status, body) = h
        .get("/api/v1/app-connections/northflank/connection-name/alpha")
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        body["message"],
        "Could not find App Connection with name alpha in organization scope."
    );
    let (status, body) = h
        .get(&format!(
            "/api/v1/app-connections/northflank/connection-name/alpha?projectId={}",
            h.sb.project_id
        ))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["appConnection"], nf["appConnection"]);
    let (status, body) = h
        .get("/api/v1/app-connections/bitbucket/connection-name/middle")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["appConnection"], bb["appConnection"]);
    let (status, body) = h
        .get(&format!(
            "/api/v1/app-connections/bitbucket/connection-name/nope?projectId={}",
            h.sb.project_id
        ))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        body["message"],
        "Could not find App Connection with name nope in project scope."
    );
}

#[tokio::test]
async fn unknown_routes_are_fastify_404s() {
    let h = Harness::start().await;
    let (status, body) = h.get("/api/v1/app-connections/github?projectId=x").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        body,
        json!({ "message": "Route GET:/api/v1/app-connections/github?projectId=x not found",
                "error": "Not Found", "statusCode": 404 })
    );
    let (status, body) = h.create("github", json!({})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        body["message"],
        "Route POST:/api/v1/app-connections/github not found"
    );
    let (status, body) = send(
        h.http
            .get(format!("{}/api/v1/auth/universal-auth/login", h.sb.kms_url)),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        body["message"],
        "Route GET:/api/v1/auth/universal-auth/login not found"
    );
    // Trailing slashes are ignored, as with Fastify's ignoreTrailingSlash.
    let (status, _) = h.get("/api/v1/projects/").await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn requests_are_recorded_in_order_with_bodies_and_auth() {
    let h = Harness::start().await;
    let body = h.good_body("bitbucket", "recorded");
    let (status, _) = h.create("bitbucket", body.clone()).await;
    assert_eq!(status, StatusCode::OK);

    let requests = h.sb.requests();
    assert_eq!(requests.len(), 2, "{requests:#?}");
    let post = &requests[0];
    assert_eq!(post.service, "kms");
    assert_eq!(post.method, "POST");
    assert_eq!(post.path, "/api/v1/app-connections/bitbucket");
    assert_eq!(post.authorization.as_deref(), Some(h.bearer().as_str()));
    assert_eq!(post.body.as_ref(), Some(&body));
    assert!(
        post.headers
            .iter()
            .any(|(k, v)| k == "content-type" && v == "application/json")
    );

    // The sandbox's own credential check, exactly as the real server sends it.
    let check = &requests[1];
    assert_eq!(check.service, "bitbucket");
    assert_eq!(check.method, "GET");
    assert_eq!(check.path, "/2.0/user");
    assert_eq!(
        check.authorization.as_deref(),
        Some("Basic ZGVtb0BleGFtcGxlLmNvbTpkZW1vLWJpdGJ1Y2tldC10b2tlbg==")
    );
    assert!(
        check
            .headers
            .iter()
            .any(|(k, v)| k == "accept" && v == "application/json")
    );
    assert_eq!(check.body, None);

    let _ = h.get("/api/v1/app-connections?projectId=abc").await;
    let last = h.sb.requests().pop().unwrap();
    assert_eq!(last.path, "/api/v1/app-connections?projectId=abc");
    assert_eq!(last.body, None);
}

#[tokio::test]
async fn providers_answer_with_their_markers() {
    let h = Harness::start().await;

    let tc = format!("{}/app/rest/server", h.sb.teamcity_url);
    let ok = h
        .http
        .get(&tc)
        .bearer_auth(demo::TEAMCITY_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), StatusCode::OK);
    assert_eq!(ok.headers()["teamcity-node-id"], "MAIN_SERVER");
    let body: Value = ok.json().await.unwrap();
    assert_eq!(body["webUrl"], h.sb.teamcity_url);
    let denied = h.http.get(&tc).send().await.unwrap();
    assert_eq!(denied.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        denied.headers()["www-authenticate"],
        "Bearer realm=\"TeamCity\""
    );
    let body: Value = denied.json().await.unwrap();
    assert_eq!(body["errors"][0]["message"], "Authentication required");
    let legacy = h
        .http
        .get(format!(
            "{}{}/app/rest/server",
            h.sb.teamcity_url,
            demo::LEGACY_TEAMCITY_PATH
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(legacy.status(), StatusCode::UNAUTHORIZED);
    assert!(
        legacy
            .text()
            .await
            .unwrap()
            .starts_with("Authentication required\n")
    );

    let bb = h
        .http
        .get(format!("{}/2.0/user", h.sb.bitbucket_api))
        .basic_auth(demo::BITBUCKET_EMAIL, Some(demo::BITBUCKET_TOKEN))
        .send()
        .await
        .unwrap();
    assert_eq!(bb.headers()["x-credential-type"], "api_token");
    let scopes = bb.headers()["x-oauth-scopes"].to_str().unwrap().to_string();
    assert_eq!(scopes.split(',').count(), 10);
    assert!(scopes.contains("read:user:bitbucket"));

    let nf = h
        .http
        .get(format!("{}/v1/projects", h.sb.northflank_api))
        .bearer_auth(demo::NORTHFLANK_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(nf.headers()["x-ratelimit-remaining"], "999");
    let body: Value = nf.json().await.unwrap();
    assert_eq!(body["data"]["projects"][0]["id"], "web");

    let octo = h
        .http
        .get(format!("{}/api/users/me", h.sb.octopus_url))
        .header("X-Octopus-ApiKey", "API-NOPE")
        .send()
        .await
        .unwrap();
    assert_eq!(octo.status(), StatusCode::UNAUTHORIZED);
    let body: Value = octo.json().await.unwrap();
    assert_eq!(body["Errors"], json!([]));
    let portal = h
        .http
        .get(format!("{}/app", h.sb.octopus_url))
        .send()
        .await
        .unwrap();
    assert!(
        portal.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );

    let services: Vec<&str> = h.sb.requests().iter().map(|r| r.service).collect();
    assert_eq!(
        services,
        [
            "teamcity",
            "teamcity",
            "teamcity",
            "bitbucket",
            "northflank",
            "octopus-deploy",
            "octopus-deploy"
        ]
    );
}

#[tokio::test]
async fn patch_delete_and_get_by_name_check_the_connection_with_the_server_wording() {
    let h = Harness::start().await;
    let (_, tc) = h.create("teamcity", h.good_body("teamcity", "zeta")).await;
    let tc_id = tc["appConnection"]["id"].as_str().unwrap().to_string();
    let missing = "00000000-0000-4000-8000-000000000000";
    let rename = Some(json!({ "name": "renamed" }));

    let (status, body) = h
        .change(
            reqwest::Method::PATCH,
            &format!("/api/v1/app-connections/teamcity/{missing}"),
            rename.clone(),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_envelope(&body, 404, "NotFound");
    assert_eq!(
        body["message"],
        format!("Could not find App Connection with ID {missing}")
    );

    let wrong_app = format!("App Connection with ID {tc_id} is not for App \"bitbucket\"");
    let (status, body) = h
        .change(
            reqwest::Method::PATCH,
            &format!("/api/v1/app-connections/bitbucket/{tc_id}"),
            rename,
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_envelope(&body, 400, "BadRequest");
    assert_eq!(body["message"], wrong_app);

    let (status, body) = h
        .change(
            reqwest::Method::DELETE,
            &format!("/api/v1/app-connections/bitbucket/{tc_id}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_envelope(&body, 400, "BadRequest");
    assert_eq!(body["message"], wrong_app);

    let (status, body) = h
        .get(&format!(
            "/api/v1/app-connections/bitbucket/connection-name/zeta?projectId={}",
            h.sb.project_id
        ))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_envelope(&body, 400, "BadRequest");
    assert_eq!(
        body["message"],
        "App Connection with name zeta is not for App \"bitbucket\""
    );

    // Nothing was changed or removed on the way.
    let (status, got) = h
        .get(&format!("/api/v1/app-connections/teamcity/{tc_id}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(got["appConnection"], tc["appConnection"]);
}

#[tokio::test]
async fn patch_validates_the_body_before_looking_up_the_connection() {
    let h = Harness::start().await;
    let missing = "00000000-0000-4000-8000-000000000000";
    let harness = &h;
    let patch = |id: &str, body: Value| {
        let path = format!("/api/v1/app-connections/teamcity/{id}");
        async move {
            harness
                .change(reqwest::Method::PATCH, &path, Some(body))
                .await
        }
    };

    // A bad body is a 422 even for an ID that does not exist.
    let (status, body) = patch(missing, json!({ "name": "Not Valid!" })).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_envelope(&body, 422, "ValidationFailure");
    assert_eq!(body["message"][0]["path"], json!(["name"]));
    // The path is checked before the body.
    let (status, body) = patch("not-a-uuid", json!({ "name": "Not Valid!" })).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["message"][0]["path"], json!(["connectionId"]));
    // The credential format is the service's check, after the lookup.
    let (status, body) = patch(missing, json!({ "credentials": { "accessToken": 1 } })).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
}

#[tokio::test]
async fn an_identity_in_no_project_may_not_list_org_level_connections() {
    let h = Harness::start().await;
    let (status, login) = h
        .login(
            json!({ "clientId": demo::NO_PROJECTS_CLIENT_ID, "clientSecret": h.sb.client_secret }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let token = login["accessToken"].as_str().unwrap();
    for path in [
        "/api/v1/app-connections",
        "/api/v1/app-connections/teamcity",
    ] {
        let url = format!("{}{path}", h.sb.kms_url);
        let (status, body) = send(h.http.get(&url).bearer_auth(token)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}: {body}");
        assert_envelope(&body, 403, "PermissionDenied");
        assert_eq!(
            body["message"],
            "You are not allowed to read on app-connections"
        );
        assert_eq!(body["details"], json!([]));
    }
    // The demo identity still may; and the projects route is unchanged for this one.
    let (status, _) = h.get("/api/v1/app-connections").await;
    assert_eq!(status, StatusCode::OK);
    let url = format!("{}/api/v1/projects", h.sb.kms_url);
    let (status, body) = send(h.http.get(&url).bearer_auth(token)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["projects"], json!([]));
}

#[tokio::test]
async fn descriptions_fit_the_varchar_255_column_and_names_are_trimmed_like_javascript() {
    let h = Harness::start().await;
    // 256 units pass the schema (`max(256)`) and fail the insert: the real server's 500.
    let mut body = h.good_body("teamcity", "long");
    body["description"] = json!("x".repeat(256));
    let (status, answer) = h.create("teamcity", body).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{answer}");
    assert_envelope(&answer, 500, "DatabaseError");
    // 128 emoji are 256 UTF-16 units: the same failure, though only 128 chars.
    let mut body = h.good_body("teamcity", "emoji");
    body["description"] = json!("🔑".repeat(128));
    assert_eq!(h.create("teamcity", body).await.0, 500);
    // A BOM and a no-break space around the name: String.prototype.trim strips both.
    let body = h.good_body("teamcity", "\u{FEFF}ci-bom\u{00A0}");
    let (status, answer) = h.create("teamcity", body).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["appConnection"]["name"], "ci-bom");
}
