//! The real binary against hostile KMS and provider servers (tests/common/hostile.rs): nothing
//! panics, leaks, injects or is lost, whatever the server sends.

mod common;

use common::hostile::{self, ATTACKS, Answer, Hostile, assert_clean, hostile_text};
use serde_json::json;

const PROVIDER_SECRET: &str = "nf-provider-secret-5b1d";
const KMS_TOKEN: &str = "kms-token-9c2e7a";
const CLIENT_SECRET: &str = "client-secret-3f8b1d";

/// A Northflank that accepts the token and says `expires_at` about it.
fn northflank(expires_at: serde_json::Value) -> Hostile {
    Hostile::start(move |r| {
        if r.path.starts_with("/v1/auth") {
            Answer::json(
                200,
                json!({ "data": { "id": "kms", "name": "KMS", "entityType": "team",
                    "entityId": "acme", "role": { "name": "KMS" },
                    "permissions": { "orgScope": [], "teamScope": [], "projectScope": [] },
                    "expiresAt": expires_at } }),
            )
        } else {
            Answer::json(
                200,
                json!({ "data": { "projects": [] }, "pagination": { "hasNextPage": false } }),
            )
        }
    })
}

fn test_northflank(server: &Hostile, extra: &[&str]) -> hostile::Run {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = hostile::binary(dir.path());
    cmd.env("KMS_CONNECT_NORTHFLANK_API_URL", &server.url)
        .args(["test", "northflank", "--secret-stdin"])
        .args(extra);
    hostile::run(cmd, &format!("{PROVIDER_SECRET}\n"))
}

// 1. Provider dates with multi-byte characters: a `?` line, never a panic.
#[test]
fn a_provider_date_with_multi_byte_characters_is_a_question_line_not_a_panic() {
    let date = format!("2026-03-01T23:59:59+1é2{}", ATTACKS[0]);
    let server = northflank(json!(date));
    for extra in [&[][..], &["--json"][..]] {
        let run = test_northflank(&server, extra);
        run.assert_no_panic().assert_clean(&[PROVIDER_SECRET]);
        assert_eq!(run.code, 0, "{run:?}");
        assert!(
            run.stdout.contains("could not read the expiry date"),
            "{run:?}"
        );
    }
}

/// A KMS that logs in with `login` (status, body) and answers every other request with
/// `other(request)`.
fn kms(
    login: impl Fn() -> Answer + Send + Sync + 'static,
    other: impl Fn(&hostile::Seen) -> Answer + Send + Sync + 'static,
) -> Hostile {
    Hostile::start(move |r| {
        if r.path.starts_with("/api/v1/auth/universal-auth/login") {
            login()
        } else if r.path == "/api/status" {
            Answer::json(
                200,
                json!({ "message": "Ok", "date": "2026-01-01T00:00:00Z" }),
            )
        } else if r.path == "/api/v1/projects" || r.path.starts_with("/api/v1/projects?") {
            // The project the commands name (KMS_PROJECT_ID=p1) exists: an unknown one exits 2.
            Answer::json(
                200,
                json!({ "projects": [{ "id": "p1", "name": "P1", "slug": "p1" }] }),
            )
        } else if r.path.starts_with("/api/v1/identities/details") {
            Answer::json(
                200,
                json!({ "identityDetails": { "organization": { "id": "o1", "name": "Acme", "slug": "acme" } } }),
            )
        } else {
            other(r)
        }
    })
}

fn issued(expires_in: serde_json::Value) -> Answer {
    Answer::json(
        200,
        json!({ "accessToken": KMS_TOKEN, "expiresIn": expires_in, "accessTokenMaxTTL": 0, "tokenType": "Bearer" }),
    )
}

fn login(server: &Hostile, dir: &std::path::Path, profile: &str, remember: bool) -> hostile::Run {
    let mut cmd = hostile::binary(dir);
    cmd.env("KMS_API_URL", &server.url).args([
        "login",
        "--profile",
        profile,
        "--client-id",
        &format!("id-{profile}"),
        "--client-secret-stdin",
    ]);
    if remember {
        cmd.arg("--remember");
    }
    hostile::run(cmd, &format!("{CLIENT_SECRET}-{profile}\n"))
}

fn status(dir: &std::path::Path, profile: &str, json: bool) -> hostile::Run {
    let mut cmd = hostile::binary(dir);
    cmd.args(["status", "--profile", profile]);
    if json {
        cmd.arg("--json");
    }
    hostile::run(cmd, "")
}

// 4. Huge numbers from the KMS: login and every later status carry on, expiry unknown.
#[test]
fn a_huge_expires_in_is_an_unknown_expiry_in_login_and_every_later_status() {
    for huge in [
        json!(1_000_000_000_000u64),
        json!(1u64 << 63),
        json!(u64::MAX),
    ] {
        let server = kms(
            move || issued(huge.clone()),
            |_| Answer::json(200, json!({})),
        );
        let dir = tempfile::tempdir().unwrap();
        let run = login(&server, dir.path(), "default", true);
        run.assert_no_panic()
            .assert_clean(&[KMS_TOKEN, CLIENT_SECRET]);
        assert_eq!(run.code, 0, "{run:?}");
        for json in [false, true] {
            let run = status(dir.path(), "default", json);
            run.assert_no_panic()
                .assert_clean(&[KMS_TOKEN, CLIENT_SECRET]);
            assert!(run.stdout.contains("unknown"), "{run:?}");
        }
    }
}

// 4. A pasted JWT whose `exp` is beyond any clock.
#[test]
fn a_pasted_token_with_a_huge_exp_is_saved_and_read_without_a_crash() {
    use base64::Engine as _;
    for exp in ["1e30", "18446744073709551615", "9223372036854775807"] {
        let claims = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!(
            r#"{{"exp":{exp},"authTokenType":"identityAccessToken"}}"#
        ));
        let jwt = format!("eyJhbGciOiJIUzI1NiJ9.{claims}.c2ln");
        let server = kms(|| issued(json!(3600)), |_| Answer::json(200, json!({})));
        let dir = tempfile::tempdir().unwrap();
        let mut cmd = hostile::binary(dir.path());
        cmd.env("KMS_API_URL", &server.url)
            .args(["login", "--token-stdin"]);
        let run = hostile::run(cmd, &format!("{jwt}\n"));
        run.assert_no_panic().assert_clean(&[&jwt]);
        assert_eq!(run.code, 0, "{exp}: {run:?}");
        for json in [false, true] {
            let run = status(dir.path(), "default", json);
            run.assert_no_panic().assert_clean(&[&jwt]);
            assert_eq!(run.code, 0, "{exp}: {run:?}");
        }
    }
}

// 4. A cached token file holding such a value (written by an older version, or by hand).
#[test]
fn a_cached_token_with_a_huge_expiry_is_read_as_unknown() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("profiles.toml"),
        "[profiles.default]\nserver = \"http://127.0.0.1:9\"\nauth_method = \"token\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("tokens.toml"),
        format!(
            "[default]\naccess_token = \"{KMS_TOKEN}\"\nexpires_at = {}\n",
            i64::MAX
        ),
    )
    .unwrap();
    let run = status(dir.path(), "default", false);
    run.assert_no_panic().assert_clean(&[KMS_TOKEN]);
    assert!(run.stdout.contains("unknown"), "{run:?}");
}

// 2. A bug: one plain line, cleaned of controls and of every secret the process holds.
#[test]
fn a_panic_prints_one_clean_line_without_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = hostile::binary(dir.path());
    cmd.env("KMS_TOKEN", KMS_TOKEN)
        .env("KMS_API_URL", "http://127.0.0.1:9")
        .env("KMS_CONNECT_DEBUG_PANIC", hostile_text(KMS_TOKEN))
        .args(["status"]);
    let run = hostile::run(cmd, "");
    assert_eq!(run.code, 101, "{run:?}");
    run.assert_clean(&[KMS_TOKEN]);
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{run:?}");
    assert!(
        lines[0].starts_with("kms-connect stopped on a bug ("),
        "{run:?}"
    );
    assert!(lines[0].contains("[secret]") && lines[0].contains("src/main.rs:"));
    assert!(lines[0].ends_with("Please report it."), "{run:?}");
}

const CONN_ID: &str = "7ffbb072-2575-495a-b5b0-127f88caef78";

/// A connection as the KMS returns it, with `credentials` and `name` of the test's choosing.
fn connection(name: &str, credentials: serde_json::Value) -> serde_json::Value {
    json!({ "id": CONN_ID, "name": name, "description": null, "app": "teamcity",
        "method": "access-token", "credentials": credentials, "version": 1, "orgId": "o1",
        "projectId": "p1", "createdAt": "2026-01-01T00:00:00Z",
        "updatedAt": "2026-01-01T00:00:00Z", "credentialsHash": "h" })
}

/// The binary with the hostile KMS as server and a KMS token in the environment.
fn against(server: &Hostile, dir: &std::path::Path, args: &[&str]) -> hostile::Run {
    let mut cmd = hostile::binary(dir);
    cmd.env("KMS_API_URL", &server.url)
        .env("KMS_TOKEN", KMS_TOKEN)
        .env("KMS_PROJECT_ID", "p1")
        .args(args);
    hostile::run(cmd, &format!("{PROVIDER_SECRET}\n"))
}

// 3 and 14. Keys and values of `credentials` in `get`: cleaned, bidi controls too.
#[test]
fn get_cleans_every_credential_key_and_value() {
    let creds = json!({
        "instanceUrl": hostile_text("https://ci.example.com"),
        hostile_text("key"): hostile_text("value"),
        "\u{61c}x\u{1b}]52;c;cHduZWQ=\u{7}": "\u{61c}y",
    });
    let server = kms(
        || issued(json!(3600)),
        move |_| {
            Answer::json(
                200,
                json!({ "appConnection": connection(&hostile_text("n"), creds.clone()) }),
            )
        },
    );
    let dir = tempfile::tempdir().unwrap();
    for json_flag in [false, true] {
        let mut args = vec!["get", "teamcity", CONN_ID];
        if json_flag {
            args.push("--json");
        }
        let run = against(&server, dir.path(), &args);
        run.assert_no_panic().assert_clean(&[KMS_TOKEN]);
        assert_eq!(run.code, 0, "{run:?}");
    }
}

// 8. A KMS error that echoes the KMS token or the provider secret is scrubbed.
#[test]
fn kms_errors_that_echo_secrets_are_scrubbed() {
    let echo = format!("{KMS_TOKEN} {PROVIDER_SECRET} {}", hostile_text(KMS_TOKEN));
    let bodies = [
        (
            400,
            json!({ "statusCode": 400, "error": echo, "message": echo, "reqId": echo }),
        ),
        (
            500,
            json!({ "statusCode": 500, "error": "Internal", "message": echo, "reqId": "r1" }),
        ),
        (
            422,
            json!({ "statusCode": 422, "error": "ValidationError", "reqId": echo,
            "message": [{ "path": ["credentials", "accessToken"], "message": echo }] }),
        ),
    ];
    for (status, body) in bodies {
        let server = kms(
            || issued(json!(3600)),
            move |_| Answer::json(status, body.clone()),
        );
        let dir = tempfile::tempdir().unwrap();
        for args in [
            &["list"][..],
            &["get", "teamcity", CONN_ID][..],
            &[
                "create",
                "teamcity",
                "--name",
                "ci",
                "--instance-url",
                "http://127.0.0.1:9",
                "--skip-test",
                "--secret-stdin",
            ][..],
        ] {
            let run = against(&server, dir.path(), args);
            // Only a create holds the provider secret (the others never read it).
            let held: &[&str] = if args[0] == "create" {
                &[KMS_TOKEN, PROVIDER_SECRET]
            } else {
                &[KMS_TOKEN]
            };
            run.assert_no_panic().assert_clean(held);
            assert_ne!(run.code, 0, "{run:?}");
        }
    }
}

// 8. A login 401 that echoes the client secret.
#[test]
fn a_login_401_echoing_the_client_secret_is_scrubbed() {
    let echo = format!("bad secret {CLIENT_SECRET}-default {}", hostile_text(""));
    let server = kms(
        move || {
            Answer::json(
                401,
                json!({ "statusCode": 401, "error": echo, "message": echo, "reqId": echo }),
            )
        },
        |_| Answer::json(200, json!({})),
    );
    let dir = tempfile::tempdir().unwrap();
    let run = login(&server, dir.path(), "default", true);
    run.assert_no_panic().assert_clean(&[CLIENT_SECRET]);
    assert_ne!(run.code, 0, "{run:?}");
}

// 9. A create whose answer is lost mid-body: the connection may exist, and how to check.
#[test]
fn a_create_whose_answer_was_cut_off_says_it_may_exist() {
    let server = kms(
        || issued(json!(3600)),
        |r| {
            if r.method == "POST" {
                Answer::CutOff(200, "{\"appConnection\": {\"id\": \"".into())
            } else {
                Answer::json(
                    404,
                    json!({ "statusCode": 404, "message": "not found", "error": "NotFound" }),
                )
            }
        },
    );
    let dir = tempfile::tempdir().unwrap();
    let run = against(
        &server,
        dir.path(),
        &[
            "create",
            "teamcity",
            "--name",
            "ci",
            "--instance-url",
            "http://127.0.0.1:9",
            "--skip-test",
            "--secret-stdin",
        ],
    );
    run.assert_no_panic()
        .assert_clean(&[KMS_TOKEN, PROVIDER_SECRET]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.contains("kms-connect get teamcity ci"),
        "{run:?}"
    );
    // Sent once, never retried.
    let posts = server.seen().iter().filter(|r| r.method == "POST").count();
    assert_eq!(posts, 1);
}

// 9, for a Secret Sync: the answer to its create is lost mid-body.
#[test]
fn a_sync_create_whose_answer_was_cut_off_says_it_may_exist() {
    let server = kms(
        || issued(json!(3600)),
        |r| {
            if r.method == "POST" && r.path.starts_with("/api/v1/secret-syncs") {
                Answer::CutOff(200, "{\"secretSync\": {\"id\": \"".into())
            } else {
                let mut c = connection("ci-bb", json!({}));
                c["app"] = json!("bitbucket");
                Answer::json(200, json!({ "appConnection": c }))
            }
        },
    );
    let dir = tempfile::tempdir().unwrap();
    let run = against(
        &server,
        dir.path(),
        &[
            "sync",
            "create",
            "bitbucket",
            "--connection",
            CONN_ID,
            "--name",
            "bb",
            "--environment",
            "prod",
            "--dest",
            "workspaceSlug=ws",
            "--dest",
            "repositorySlug=repo",
        ],
    );
    run.assert_no_panic().assert_clean(&[KMS_TOKEN]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.contains("may still have created the sync"),
        "{run:?}"
    );
    assert!(
        run.stderr
            .contains("kms-connect sync get bitbucket bb --project p1"),
        "{run:?}"
    );
    // Sent once, never retried.
    let posts = server.seen().iter().filter(|r| r.method == "POST").count();
    assert_eq!(posts, 1);
}

fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

// 6. Twenty logins at once, to twenty profiles: all survive, each with its own ID and secret.
#[test]
fn twenty_parallel_logins_all_survive_each_consistent() {
    let server = std::sync::Arc::new(kms(
        || issued(json!(3600)),
        |_| Answer::json(200, json!({})),
    ));
    let dir = tempfile::tempdir().unwrap();
    let runs: Vec<_> = (0..20)
        .map(|i| {
            let (server, dir) = (server.clone(), dir.path().to_owned());
            std::thread::spawn(move || login(&server, &dir, &format!("p{i}"), true))
        })
        .collect();
    for r in runs {
        let run = r.join().unwrap();
        assert_eq!(run.code, 0, "{run:?}");
    }
    let profiles: toml::Table =
        toml::from_str(&std::fs::read_to_string(dir.path().join("profiles.toml")).unwrap())
            .unwrap();
    let secrets: toml::Table =
        toml::from_str(&std::fs::read_to_string(dir.path().join("secrets.toml")).unwrap()).unwrap();
    let tokens: toml::Table =
        toml::from_str(&std::fs::read_to_string(dir.path().join("tokens.toml")).unwrap()).unwrap();
    let profiles = profiles["profiles"].as_table().unwrap();
    for i in 0..20 {
        let p = format!("p{i}");
        assert_eq!(
            profiles[&p]["client_id"].as_str(),
            Some(format!("id-{p}").as_str())
        );
        assert_eq!(
            secrets[&p]["client_secret"].as_str(),
            Some(format!("{CLIENT_SECRET}-{p}").as_str())
        );
        assert!(tokens.contains_key(&p), "{p}");
    }
}

// 10. Loose modes: a warning once, and 0600 / 0700 when writing.
#[test]
fn loose_modes_are_warned_about_once_and_tightened_on_write() {
    use std::os::unix::fs::PermissionsExt;
    let server = kms(|| issued(json!(3600)), |_| Answer::json(200, json!({})));
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(login(&server, dir.path(), "default", true).code, 0);
    let secrets = dir.path().join("secrets.toml");
    std::fs::set_permissions(&secrets, std::fs::Permissions::from_mode(0o644)).unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let run = status(dir.path(), "default", false);
    assert_eq!(
        run.stderr.matches("secrets.toml has mode 0644").count(),
        1,
        "{run:?}"
    );
    assert_eq!(run.stderr.matches("has mode 0777").count(), 1, "{run:?}");
    assert_eq!(login(&server, dir.path(), "default", true).code, 0);
    assert_eq!(mode(&secrets), 0o600);
    assert_eq!(mode(dir.path()), 0o700);
}

// 11. logout never says "no stored secret" while one may remain.
#[test]
fn logout_with_an_unparsable_or_unreadable_secrets_file_never_claims_nothing_was_stored() {
    let dir = tempfile::tempdir().unwrap();
    let secrets = dir.path().join("secrets.toml");
    std::fs::write(
        &secrets,
        format!("[default]\nclient_secret = \"{CLIENT_SECRET}\n"),
    )
    .unwrap();
    let mut cmd = hostile::binary(dir.path());
    cmd.args(["logout"]);
    let run = hostile::run(cmd, "");
    assert_eq!(run.code, 0, "{run:?}");
    assert!(!run.stdout.contains("had no stored secret"), "{run:?}");
    assert!(run.stdout.contains("removed it whole"), "{run:?}");
    assert!(!secrets.exists());
    // Not a file at all: exit 1, naming it.
    std::fs::create_dir(&secrets).unwrap();
    let mut cmd = hostile::binary(dir.path());
    cmd.args(["logout"]);
    let run = hostile::run(cmd, "");
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("secrets.toml"), "{run:?}");
}

// 13. A profiles.toml that is a FIFO: refused with its path, never waited on.
#[test]
fn a_fifo_for_profiles_is_refused_not_waited_on() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("profiles.toml");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        return;
    }
    let run = status(dir.path(), "default", false);
    assert_ne!(run.code, 0, "{run:?}");
    assert!(run.stderr.contains("profiles.toml"), "{run:?}");
    assert!(run.stderr.contains("not a regular file"), "{run:?}");
}

// 15. A password in the KMS URL: refused, and never echoed (status, --help).
#[test]
fn a_password_in_the_kms_url_is_refused_and_never_echoed() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        &["status"][..],
        &["list"][..],
        &["--help"][..],
        &["list", "--help"][..],
    ] {
        let mut cmd = hostile::binary(dir.path());
        cmd.env(
            "KMS_API_URL",
            "https://kmsuser:pw-in-url-8d1c@kms.example.com",
        )
        .env("KMS_TOKEN", KMS_TOKEN)
        .args(args);
        let run = hostile::run(cmd, "");
        run.assert_clean(&["pw-in-url-8d1c", KMS_TOKEN]);
        if args.contains(&"--help") {
            assert_eq!(run.code, 0, "{run:?}");
        } else {
            assert_eq!(run.code, 2, "{run:?}");
            assert!(
                run.stderr.contains("must not hold a user name or password"),
                "{run:?}"
            );
        }
    }
}

/// A KMS holding one TeamCity connection whose instance URL is `instance_url`, accepting
/// rotations.
fn kms_with_teamcity(instance_url: &str) -> Hostile {
    let creds = json!({ "instanceUrl": instance_url });
    kms(
        || issued(json!(3600)),
        move |_| {
            Answer::json(
                200,
                json!({ "appConnection": connection("ci", creds.clone()) }),
            )
        },
    )
}

// 16. Rotate without --instance-url: the URL the KMS returned is validated like typed input,
// and where the new secret goes is said before it is sent.
#[test]
fn rotate_validates_the_kms_instance_url_and_says_where_the_secret_goes() {
    let rotate = [
        "rotate",
        "teamcity",
        CONN_ID,
        "--skip-test",
        "--secret-stdin",
    ];
    let dir = tempfile::tempdir().unwrap();
    for bad in [
        "http://u:pw@ci.example.com",
        "ftp://ci.example.com",
        &hostile_text("https://x"),
    ] {
        let server = kms_with_teamcity(bad);
        let run = against(&server, dir.path(), &rotate);
        run.assert_no_panic()
            .assert_clean(&[KMS_TOKEN, PROVIDER_SECRET]);
        assert_eq!(run.code, 2, "{bad:?}: {run:?}");
        assert!(
            !server.seen().iter().any(|r| r.method == "PATCH"),
            "{bad:?}: the new secret was sent"
        );
    }
    let server = kms_with_teamcity("https://ci.example.com");
    let run = against(&server, dir.path(), &rotate);
    run.assert_no_panic()
        .assert_clean(&[KMS_TOKEN, PROVIDER_SECRET]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stderr
            .contains("will be tested at https://ci.example.com (Instance URL as the KMS has it"),
        "{run:?}"
    );
}

// 7. Entries that cannot be read are counted and reported, and `list` then exits 1 after
// printing the readable ones; past the cap nothing more is kept.
#[test]
fn list_reports_unreadable_entries_and_exits_1_after_printing_the_rest() {
    let good = connection(
        "good-one",
        json!({ "instanceUrl": "https://ci.example.com" }),
    );
    let list = json!({ "appConnections": [good, {}, { "id": 3 }, "text"] });
    let server = kms(
        || issued(json!(3600)),
        move |_| Answer::json(200, list.clone()),
    );
    let dir = tempfile::tempdir().unwrap();
    for json_flag in [false, true] {
        let mut args = vec!["list"];
        if json_flag {
            args.push("--json");
        }
        let run = against(&server, dir.path(), &args);
        run.assert_no_panic().assert_clean(&[KMS_TOKEN]);
        assert_eq!(run.code, 1, "{run:?}");
        assert!(run.stdout.contains("good-one"), "{run:?}");
        assert!(
            run.stderr.contains("3 entries could not be read."),
            "{run:?}"
        );
    }
}

#[test]
fn a_huge_list_of_empty_objects_is_capped_not_held() {
    // 2 million `{}`: without the cap each would be kept as a Value.
    let server = kms(
        || issued(json!(3600)),
        |_| {
            Answer::Stream(Box::new(|out| {
                out.write_all(b"{\"appConnections\":[{}")?;
                let chunk = ",{}".repeat(100_000);
                for _ in 0..20 {
                    out.write_all(chunk.as_bytes())?;
                }
                out.write_all(b"]}")
            }))
        },
    );
    let dir = tempfile::tempdir().unwrap();
    let run = against(&server, dir.path(), &["list"]);
    run.assert_no_panic();
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stdout.is_empty(), "{}", run.stderr);
    assert!(
        run.stderr.contains("10000 entries could not be read."),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("1990001 more not shown"),
        "{}",
        run.stderr
    );
}

// 7, in the browser: the worker reads the list with the same counting reader as `list`, so
// the unreadable entries reach the browse view instead of being dropped.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_browser_gets_the_unreadable_entries_counted() {
    use kms_connect::apps::ProviderEndpoints;
    use kms_connect::config::Reach;
    use kms_connect::kms::auth::Credentials;
    use kms_connect::tui::worker::Worker;
    use kms_connect::tui::{Effect, Msg};
    let good = connection(
        "good-one",
        json!({ "instanceUrl": "https://ci.example.com" }),
    );
    let list = json!({ "appConnections": [good, {}, { "id": 3 }, "text"] });
    let server = kms(
        || issued(json!(3600)),
        move |_| Answer::json(200, list.clone()),
    );
    let (tx, mut results) = tokio::sync::mpsc::unbounded_channel();
    let reach = Reach {
        api_base: format!("{}/api", server.url),
        credentials: Some(Credentials::Token(secrecy::SecretString::from(KMS_TOKEN))),
        providers: ProviderEndpoints::default(),
        direct: true,
    };
    let mut worker = Worker::new(reach, tx);
    worker.run(Effect::LoadConnections(1, None));
    let msg = tokio::time::timeout(std::time::Duration::from_secs(30), results.recv())
        .await
        .expect("an answer")
        .expect("the worker is alive");
    let Msg::Connections(1, Ok(list)) = msg else {
        panic!("{msg:?}");
    };
    assert_eq!(list.rows.len(), 1, "{list:?}");
    assert_eq!(list.rows[0].name, "good-one");
    assert_eq!(list.unreadable, 3, "{list:?}");
    assert_eq!(
        list.shortfall().as_deref(),
        Some("3 entries could not be read.")
    );
}

// 1, in the wizard: the same date from TeamCity is a `?` line, not an internal error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_the_wizard_a_multi_byte_teamcity_date_is_a_question_line() {
    use kms_connect::apps::checks::{CheckInputs, Status};
    use kms_connect::apps::{self, AppSpec, ProviderEndpoints, RawInput};
    use kms_connect::config::Reach;
    use kms_connect::tui::worker::Worker;
    use kms_connect::tui::{Effect, Msg};
    let server = Hostile::start(|r| {
        if r.path.starts_with("/app/rest/server") {
            Answer::json(200, json!({ "version": "2025.07", "buildNumber": "1" }))
        } else if r.path.starts_with("/app/rest/users/current/tokens") {
            Answer::json(
                200,
                json!({ "count": 1, "token": [{ "name": "kms",
                    "expirationTime": format!("20250905T00112é…{}", ATTACKS[2]) }] }),
            )
        } else if r.path.starts_with("/app/rest/users/current") {
            Answer::json(200, json!({ "id": 1, "username": "ci", "name": "CI" }))
        } else {
            Answer::json(200, json!({ "project": [] }))
        }
    });
    let (tx, mut results) = tokio::sync::mpsc::unbounded_channel();
    let reach = Reach {
        api_base: "http://127.0.0.1:9/api".into(),
        credentials: None,
        providers: ProviderEndpoints::default(),
        direct: true,
    };
    let mut worker = Worker::new(reach, tx);
    let input = apps::validate::connection(
        AppSpec::by_slug("teamcity").unwrap(),
        &RawInput {
            name: "ci".into(),
            description: String::new(),
            target: server.url.clone(),
            secret: secrecy::SecretString::from(PROVIDER_SECRET),
        },
    )
    .unwrap();
    worker.run(Effect::Test(1, input, CheckInputs::default()));
    let msg = tokio::time::timeout(std::time::Duration::from_secs(30), results.recv())
        .await
        .expect("an answer")
        .expect("the worker is alive");
    let Msg::Checked(1, list) = msg else {
        panic!("{msg:?}");
    };
    let expiry = list
        .extra
        .iter()
        .find(|l| l.message.contains("could not read the expiry date"))
        .unwrap_or_else(|| panic!("{:?}", list.extra));
    assert_eq!(expiry.status, Status::Unknown);
    for l in &list.extra {
        assert_clean("a check line", &l.message, &[PROVIDER_SECRET]);
    }
}

/// A Secret Sync row with hostile text wherever the server puts text, and a failure message
/// nested as `parseSyncErrorMessage` nests it, the attacks inside the inner JSON too.
fn hostile_sync() -> serde_json::Value {
    let inner = json!({ "type": "error", "error": { "message": hostile_text("scope") } });
    let message = json!({ "secretKey": hostile_text("KEY"), "error": inner.to_string() });
    json!({
        "id": "00000000-0000-4000-8000-00000000a001",
        "name": hostile_text("sync"),
        "description": hostile_text("d"),
        "destination": "bitbucket",
        "destinationConfig": { "workspaceSlug": hostile_text("ws"), "repositorySlug": hostile_text("repo"),
            "environmentId": hostile_text("{env}") },
        "syncOptions": {}, "isAutoSyncEnabled": true, "projectId": "p1",
        "connectionId": CONN_ID, "createdAt": "2026-01-01T00:00:00Z",
        "updatedAt": hostile_text("2026"), "syncStatus": "failed",
        "lastSyncMessage": message.to_string(), "lastSyncedAt": hostile_text("t"),
        "connection": { "app": "teamcity", "name": hostile_text("c"), "id": CONN_ID },
        "environment": { "slug": hostile_text("prod"), "name": "Prod", "id": "e1" },
        "folder": { "id": "f1", "path": hostile_text("/") },
    })
}

// Secret Syncs: names, messages and destinations with escape sequences come out clean in
// `sync list` (text and JSON) and in the refusal to delete the connection they use.
#[test]
fn sync_list_and_a_connection_delete_they_block_print_clean_text() {
    let server = kms(
        || issued(json!(3600)),
        |r| {
            if r.path.starts_with("/api/v1/secret-syncs") {
                Answer::json(200, json!({ "secretSyncs": [hostile_sync()] }))
            } else {
                Answer::json(
                    200,
                    json!({ "appConnection": connection(&hostile_text("n"), json!({})) }),
                )
            }
        },
    );
    let dir = tempfile::tempdir().unwrap();
    for args in [&["sync", "list"][..], &["sync", "list", "--json"][..]] {
        let run = against(&server, dir.path(), args);
        run.assert_no_panic().assert_clean(&[KMS_TOKEN]);
        assert_eq!(run.code, 0, "{run:?}");
        assert!(run.stdout.contains("sync"), "{run:?}");
    }
    let run = against(
        &server,
        dir.path(),
        &["delete", "teamcity", CONN_ID, "--yes"],
    );
    run.assert_no_panic().assert_clean(&[KMS_TOKEN]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.contains("is used by 1 Secret Sync(s)"),
        "{run:?}"
    );
}

/// A KMS (and, on the same port, a Northflank) whose every text is hostile: syncs, a
/// Bitbucket connection, projects and secret groups, variable names, a refusal message.
fn hostile_kms_and_northflank(refuse_details: bool) -> Hostile {
    kms(
        || issued(json!(3600)),
        move |r| {
            if r.path.starts_with("/api/v1/secret-syncs") {
                // One body for every sync route: get, create, the polls of --wait.
                Answer::json(
                    200,
                    json!({ "secretSync": hostile_sync(), "secretSyncs": [hostile_sync()] }),
                )
            } else if r.path.starts_with("/api/") {
                let mut c = connection(&hostile_text("n"), json!({}));
                c["app"] = json!("bitbucket");
                Answer::json(200, json!({ "appConnection": c }))
            } else if r.path.starts_with("/v1/auth") {
                Answer::json(
                    200,
                    json!({ "data": { "id": hostile_text("id"), "name": hostile_text("role"),
                    "permissions": { "projectScope": [hostile_text("perm")] } } }),
                )
            } else if r.path.contains("/details") && refuse_details {
                Answer::json(
                    403,
                    json!({ "error": { "status": 403, "message": hostile_text("forbidden"), "id": "forbidden" } }),
                )
            } else if r.path.contains("/details") {
                Answer::json(
                    200,
                    json!({ "data": { "secrets": { "variables": { hostile_text("VAR"): "v" } } } }),
                )
            } else if r.path.starts_with("/v1/projects/") {
                Answer::json(
                    200,
                    json!({ "data": { "secrets": [{ "id": hostile_text("gid"), "name": hostile_text("group") }] },
                        "pagination": { "hasNextPage": false } }),
                )
            } else {
                Answer::json(
                    200,
                    json!({ "data": { "projects": [{ "id": "web", "name": hostile_text("project") }] },
                        "pagination": { "hasNextPage": false } }),
                )
            }
        },
    )
}

fn against_both(server: &Hostile, dir: &std::path::Path, args: &[&str]) -> hostile::Run {
    let mut cmd = hostile::binary(dir);
    cmd.env("KMS_API_URL", &server.url)
        .env("KMS_TOKEN", KMS_TOKEN)
        .env("KMS_PROJECT_ID", "p1")
        .env("KMS_CONNECT_NORTHFLANK_API_URL", &server.url)
        .args(args);
    hostile::run(cmd, &format!("{PROVIDER_SECRET}\n"))
}

// Secret Syncs: `sync get` (text and JSON) and the failure `sync create --wait` prints.
#[test]
fn sync_get_and_a_failed_create_wait_print_clean_text() {
    let server = hostile_kms_and_northflank(false);
    let dir = tempfile::tempdir().unwrap();
    let id = "00000000-0000-4000-8000-00000000a001";
    for args in [
        &["sync", "get", "bitbucket", id][..],
        &["sync", "get", "bitbucket", id, "--json"][..],
    ] {
        let run = against_both(&server, dir.path(), args);
        run.assert_no_panic().assert_clean(&[KMS_TOKEN]);
        assert_eq!(run.code, 0, "{run:?}");
        assert!(run.stdout.contains("scope"), "{run:?}");
    }
    let run = against_both(
        &server,
        dir.path(),
        &[
            "sync",
            "create",
            "bitbucket",
            "--connection",
            CONN_ID,
            "--name",
            "bb",
            "--environment",
            "prod",
            "--dest",
            "workspaceSlug=ws",
            "--dest",
            "repositorySlug=repo",
            "--wait",
        ],
    );
    run.assert_no_panic().assert_clean(&[KMS_TOKEN]);
    assert_eq!(run.code, 4, "{run:?}");
    assert!(run.stderr.contains("failed"), "{run:?}");
    assert!(run.stderr.contains("scope"), "{run:?}");
}

// Provider text in `sync destinations` and in the `--check` lines (read and refused).
#[test]
fn sync_destinations_and_check_lines_print_clean_provider_text() {
    let dir = tempfile::tempdir().unwrap();
    let server = hostile_kms_and_northflank(false);
    for args in [
        &["sync", "destinations", "northflank", "--secret-stdin"][..],
        &[
            "sync",
            "destinations",
            "northflank",
            "--secret-stdin",
            "--json",
        ][..],
    ] {
        let run = against_both(&server, dir.path(), args);
        run.assert_no_panic()
            .assert_clean(&[KMS_TOKEN, PROVIDER_SECRET]);
        assert_eq!(run.code, 0, "{run:?}");
        assert!(run.stdout.contains("group"), "{run:?}");
    }
    let check = |server: &Hostile| {
        against_both(
            server,
            dir.path(),
            &[
                "sync",
                "create",
                "northflank",
                "--connection",
                CONN_ID,
                "--name",
                "nf",
                "--environment",
                "prod",
                "--dest",
                "projectId=web",
                "--dest",
                "secretGroupId=g1",
                "--initial",
                "overwrite-destination",
                "--check",
                "--secret-stdin",
            ],
        )
    };
    // The role lacks Update (its only permission is hostile text): exit 3, the variable names
    // it would delete printed clean.
    let run = check(&server);
    run.assert_no_panic()
        .assert_clean(&[KMS_TOKEN, PROVIDER_SECRET]);
    assert_eq!(run.code, 3, "{run:?}");
    assert!(run.stderr.contains("VAR"), "{run:?}");
    let refused = hostile_kms_and_northflank(true);
    let run = check(&refused);
    run.assert_no_panic()
        .assert_clean(&[KMS_TOKEN, PROVIDER_SECRET]);
    assert_eq!(run.code, 3, "{run:?}");
    assert!(run.stderr.contains("forbidden"), "{run:?}");
}
