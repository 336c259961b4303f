//! The real binary against hostile KMS and provider servers (tests/common/hostile.rs): nothing
//! panics, leaks, injects or is lost, whatever the server sends.

mod common;

use common::hostile::{self, ATTACKS, Answer, Hostile};
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
