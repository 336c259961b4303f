//! The account commands (`login`, `logout`, `status`, `projects`) run as the real binary
//! against a sandbox, each with its own config directory: exit codes, what is written where
//! (and with which mode), precedence, and that no secret is ever printed or stored unasked.

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use kms_connect::sandbox::{Sandbox, demo};
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_kms-connect");

struct Harness {
    sb: Sandbox,
    _rt: tokio::runtime::Runtime,
    config: tempfile::TempDir,
}

#[derive(Debug)]
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {self:?}"))
    }
}

impl Harness {
    fn new() -> Harness {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let sb = rt.block_on(Sandbox::start()).unwrap();
        Harness {
            sb,
            _rt: rt,
            config: tempfile::tempdir().unwrap(),
        }
    }

    fn file(&self, name: &str) -> PathBuf {
        self.config.path().join(name)
    }

    fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.file(name)).unwrap_or_default()
    }

    /// Runs the binary with only the given environment (plus the config dir), feeding
    /// `stdin`; checks that no secret reaches stdout or stderr.
    fn run(&self, args: &[&str], env: &[(&str, &str)], stdin: Option<&str>) -> Run {
        let mut cmd = Command::new(BIN);
        cmd.args(args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("KMS_CONNECT_CONFIG_DIR", self.config.path())
            .envs(env.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().unwrap();
        let mut input = child.stdin.take().unwrap();
        input.write_all(stdin.unwrap_or("").as_bytes()).unwrap();
        drop(input);
        let out = child.wait_with_output().unwrap();
        let run = Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        };
        for secret in [demo_secret(), self.sb.token.as_str()] {
            assert!(
                !run.stdout.contains(secret) && !run.stderr.contains(secret),
                "a secret was printed: {run:?}"
            );
        }
        run
    }

    /// `login` with universal auth against the sandbox.
    fn login(&self, client_id: &str, secret: &str, extra: &[&str]) -> Run {
        self.login_at(&self.sb.kms_url, client_id, secret, extra)
    }

    /// `login` with universal auth against `url`.
    fn login_at(&self, url: &str, client_id: &str, secret: &str, extra: &[&str]) -> Run {
        let mut args = vec![
            "login",
            "--kms-url",
            url,
            "--client-id",
            client_id,
            "--client-secret-stdin",
        ];
        args.extend_from_slice(extra);
        self.run(&args, &[], Some(&format!("{secret}\n")))
    }

    /// `login --token-stdin` against the sandbox.
    fn login_token(&self, token: &str, extra: &[&str]) -> Run {
        let mut args = vec!["login", "--kms-url", &self.sb.kms_url, "--token-stdin"];
        args.extend_from_slice(extra);
        self.run(&args, &[], Some(token))
    }

    fn logins(&self) -> usize {
        self.sb
            .requests()
            .iter()
            .filter(|r| r.path.starts_with("/api/v1/auth/universal-auth/login"))
            .count()
    }

    /// Every file in the config dir, for "no secret on disk" checks.
    fn all_files(&self) -> String {
        let mut text = String::new();
        for entry in std::fs::read_dir(self.config.path()).unwrap() {
            text.push_str(&std::fs::read_to_string(entry.unwrap().path()).unwrap_or_default());
        }
        text
    }
}

fn demo_secret() -> &'static str {
    "demo-client-secret"
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn login_without_remember_caches_the_token_and_no_secret() {
    let h = Harness::new();
    let run = h.login(&h.sb.client_id, demo_secret(), &[]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("✓ Signed in to 127.0.0.1"), "{run:?}");
    assert!(run.stdout.contains("(Demo org)"), "{run:?}");
    assert!(run.stdout.contains("The access token is cached"), "{run:?}");
    assert!(
        run.stdout.contains("client secret is not stored"),
        "{run:?}"
    );
    let profiles = h.read("profiles.toml");
    assert!(profiles.contains("[profiles.default]"), "{profiles}");
    assert!(profiles.contains(&format!("server = \"{}\"", h.sb.kms_url)));
    assert!(profiles.contains("client_id = \"demo-client-id\""));
    assert_eq!(mode(&h.file("profiles.toml")), 0o600);
    // The short-lived token, 0600 with its expiry; never the client secret.
    assert!(!h.file("secrets.toml").exists());
    assert!(h.read("tokens.toml").contains("expires_at = "));
    assert_eq!(mode(&h.file("tokens.toml")), 0o600);
    assert!(!h.all_files().contains(demo_secret()));
    // The next command works with the cached token, and status says so.
    let run = h.run(&["status"], &[], None);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("cached token"), "{run:?}");
    let run = h.run(&["projects"], &[], None);
    assert_eq!(run.code, 0, "{run:?}");
    // logout removes it.
    assert_eq!(h.run(&["logout"], &[], None).code, 0);
    assert!(!h.file("tokens.toml").exists());
    let run = h.run(&["status"], &[], None);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("kms-connect login"), "{run:?}");
}

#[test]
fn remember_keeps_secret_and_token_0600_and_the_next_run_needs_no_login() {
    let h = Harness::new();
    let run = h.login(&h.sb.client_id, demo_secret(), &["--remember"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("Token expires: "), "{run:?}");
    for name in ["profiles.toml", "secrets.toml", "tokens.toml"] {
        assert_eq!(mode(&h.file(name)), 0o600, "{name}");
    }
    assert!(h.read("secrets.toml").contains(demo_secret()));
    assert!(h.read("tokens.toml").contains(&h.sb.token));
    assert!(h.read("tokens.toml").contains("expires_at = "));
    let profiles = h.read("profiles.toml");
    assert!(!profiles.contains(demo_secret()) && !profiles.contains(&h.sb.token));

    let logins = h.logins();
    let run = h.run(&["status"], &[], None);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout
            .contains("Identity  access token · Demo org  [profile: cached token]"),
        "{run:?}"
    );
    assert!(run.stdout.contains("Token     expires 20"), "{run:?}");
    assert!(
        run.stdout.contains("(in 29 days)") || run.stdout.contains("(in 30 days)"),
        "{run:?}"
    );
    let run = h.run(&["projects"], &[], None);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("Demo project"), "{run:?}");
    assert!(run.stdout.contains(&h.sb.project_id), "{run:?}");
    let run = h.run(&["projects", "--json"], &[], None);
    assert_eq!(run.json()[0]["slug"], "demo-project");
    assert_eq!(
        h.logins(),
        logins,
        "the cached token is used, without a login"
    );
}

#[test]
fn flags_beat_the_environment_beat_the_profile() {
    let h = Harness::new();
    let run = h.login(
        &h.sb.client_id,
        demo_secret(),
        &["--remember", "--project", "demo-project"],
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("Project: Demo project"), "{run:?}");

    let status = |args: &[&str], env: &[(&str, &str)]| {
        let mut all = vec!["status", "--json"];
        all.extend_from_slice(args);
        h.run(&all, env, None).json()
    };
    let v = status(&[], &[]);
    assert_eq!(v["server"]["source"], "profile");
    assert_eq!(v["project"]["source"], "profile");
    assert_eq!(v["project"]["name"], "Demo project");
    assert_eq!(v["identity"]["source"], "profile");
    assert_eq!(v["identity"]["organization"], "Demo org");
    assert!(v["token"]["expiresAt"].as_str().unwrap().ends_with('Z'));

    let v = status(
        &[],
        &[("KMS_PROJECT_ID", "from-env"), ("KMS_TOKEN", &h.sb.token)],
    );
    assert_eq!(v["project"]["source"], "env");
    assert_eq!(v["project"]["id"], "from-env");
    assert_eq!(v["identity"]["source"], "env");

    let v = status(
        &["--project", "from-flag"],
        &[("KMS_PROJECT_ID", "from-env")],
    );
    assert_eq!(v["project"]["source"], "flag");
    assert_eq!(v["project"]["id"], "from-flag");

    // Another server from the environment: the profile's identity and project do not apply.
    let v = status(&[], &[("KMS_API_URL", "http://127.0.0.1:9")]);
    assert_eq!(v["server"]["source"], "env");
    assert_eq!(v["profile"]["applies"], false);
    assert!(v["identity"].is_null() && v["project"].is_null(), "{v}");
    // A named profile that was never saved.
    let v = status(&["--profile", "other"], &[]);
    assert_eq!(v["profile"]["saved"], false);
    assert_eq!(v["server"]["source"], "default");
}

#[test]
fn wrong_secret_exits_3_then_the_lockout_says_to_wait() {
    let h = Harness::new();
    for _ in 0..3 {
        let run = h.login(&h.sb.client_id, "wrong-secret", &["--remember"]);
        assert_eq!(run.code, 3, "{run:?}");
        assert!(run.stderr.contains("Invalid credentials"), "{run:?}");
        assert!(
            run.stderr.contains("Check the client ID and client secret"),
            "{run:?}"
        );
        assert!(run.stderr.lines().count() <= 2, "{run:?}");
    }
    let run = h.login(&h.sb.client_id, demo_secret(), &["--remember"]);
    assert_eq!(run.code, 3, "{run:?}");
    assert!(run.stderr.contains("temporarily locked"), "{run:?}");
    assert!(run.stderr.contains("wait a few minutes"), "{run:?}");
    assert!(!h.all_files().contains(demo_secret()) && !h.all_files().contains("wrong-secret"));
}

#[test]
fn an_expired_client_secret_says_to_make_a_new_one() {
    let h = Harness::new();
    let run = h.login(demo::EXPIRED_SECRET_CLIENT_ID, demo_secret(), &[]);
    assert_eq!(run.code, 3, "{run:?}");
    assert!(run.stderr.contains("expired client secret"), "{run:?}");
    assert!(run.stderr.contains("make a new one"), "{run:?}");
}

#[test]
fn a_server_that_is_not_a_kms_is_named_as_such() {
    let h = Harness::new();
    // The sandbox serves its web page outside /api: a base URL with a path lands there.
    let page = format!("{}/ui", h.sb.kms_url);
    let run = h.login_at(&page, "x", "s", &[]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr
            .contains("answered a web page (200) to /api/status"),
        "{run:?}"
    );
    assert!(
        run.stderr.contains("not an Infisical-compatible KMS API"),
        "{run:?}"
    );
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    let run = h.login_at(&closed, "x", "s", &[]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("Connection refused"), "{run:?}");
    assert!(!h.file("profiles.toml").exists());
}

#[test]
fn a_refused_cached_token_leads_to_a_fresh_login_that_is_cached_again() {
    let h = Harness::new();
    let run = h.login(demo::SHORT_LIVED_CLIENT_ID, demo_secret(), &["--remember"]);
    assert_eq!(run.code, 0, "{run:?}");
    let first = h.read("tokens.toml");
    h.sb.expire_tokens();
    let before = h.logins();
    let run = h.run(&["projects"], &[], None);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("Demo project"), "{run:?}");
    assert_eq!(h.logins(), before + 1);
    let second = h.read("tokens.toml");
    assert_ne!(first, second, "the new token is cached");
    assert_eq!(mode(&h.file("tokens.toml")), 0o600);
}

#[test]
fn an_expired_cached_token_is_not_sent_a_fresh_login_replaces_it() {
    let h = Harness::new();
    let run = h.login(demo::SHORT_LIVED_CLIENT_ID, demo_secret(), &["--remember"]);
    assert_eq!(run.code, 0, "{run:?}");
    let cached = h.read("tokens.toml");
    let old_token = cached
        .lines()
        .find_map(|l| l.strip_prefix("access_token = \""))
        .map(|t| t.trim_end_matches('"').to_owned())
        .unwrap();
    // Move the expiry into the past, as if the token had run out since.
    let past: String = cached
        .lines()
        .map(|l| {
            if l.starts_with("expires_at") {
                "expires_at = 1000".to_owned()
            } else {
                l.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(h.file("tokens.toml"), past).unwrap();
    let before = h.sb.requests().len();
    let run = h.run(&["status", "--json"], &[], None);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.json()["identity"]["from"], "stored secret");
    let sent: Vec<_> = h.sb.requests().into_iter().skip(before).collect();
    assert!(sent[0].path.ends_with("/universal-auth/login"), "{sent:?}");
    assert!(
        sent.iter()
            .all(|r| r.authorization.as_deref() != Some(&format!("Bearer {old_token}"))),
        "the expired token was sent: {sent:?}"
    );
    assert!(!h.read("tokens.toml").contains(&old_token));
    assert!(!h.read("tokens.toml").contains("expires_at = 1000"));
}

#[test]
fn logout_removes_the_secret_and_token_and_keeps_the_profile() {
    let h = Harness::new();
    assert_eq!(
        h.login(&h.sb.client_id, demo_secret(), &["--remember"])
            .code,
        0
    );
    let run = h.run(&["logout"], &[], None);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout
            .contains("Removed the stored secret and cached token"),
        "{run:?}"
    );
    assert!(!h.file("secrets.toml").exists() && !h.file("tokens.toml").exists());
    assert!(h.read("profiles.toml").contains("client_id"));
    assert!(!h.all_files().contains(demo_secret()));
    assert_eq!(h.run(&["status"], &[], None).code, 2);
    let run = h.run(&["projects"], &[], None);
    assert_eq!(run.code, 2, "{run:?}");
    let run = h.run(&["logout"], &[], None);
    assert_eq!(run.code, 0);
    assert!(run.stdout.contains("had no stored secret"), "{run:?}");
}

#[test]
fn profiles_are_separate() {
    let h = Harness::new();
    assert_eq!(
        h.login(
            &h.sb.client_id,
            demo_secret(),
            &["--remember", "--profile", "ci"]
        )
        .code,
        0
    );
    assert!(h.read("profiles.toml").contains("[profiles.ci]"));
    assert_eq!(
        h.run(&["status"], &[], None).code,
        2,
        "default has no identity"
    );
    assert_eq!(h.run(&["status", "--profile", "ci"], &[], None).code, 0);
    assert_eq!(h.run(&["logout", "--profile", "ci"], &[], None).code, 0);
    assert_eq!(h.run(&["status", "--profile", "ci"], &[], None).code, 2);
    let run = h.run(&["status", "--profile", "no/slash"], &[], None);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("Profile name"), "{run:?}");
}

#[test]
fn an_identity_in_no_project_is_told_to_join_one() {
    let h = Harness::new();
    assert_eq!(
        h.login(demo::NO_PROJECTS_CLIENT_ID, demo_secret(), &["--remember"])
            .code,
        0
    );
    let run = h.run(&["projects"], &[], None);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stderr.contains("add it to a project"), "{run:?}");
    let run = h.run(&["projects", "--json"], &[], None);
    assert_eq!(run.json(), serde_json::json!([]));
}

#[test]
fn a_pasted_token_from_stdin_works_and_an_unknown_project_is_refused() {
    let h = Harness::new();
    let run = h.login_token(&h.sb.token, &["--remember"]);
    assert_eq!(run.code, 0, "{run:?}");
    // The sandbox's token carries no expiry: that is not the same as never expiring.
    assert!(
        run.stdout
            .contains("Token expires: unknown (the token does not say)."),
        "{run:?}"
    );
    assert!(h.read("profiles.toml").contains("auth_method = \"token\""));
    assert_eq!(h.run(&["projects"], &[], None).code, 0);
    let run = h.login_token(&h.sb.token, &["--project", "nope"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("not among the projects"), "{run:?}");
    let run = h.login_token("garbage", &[]);
    assert_eq!(run.code, 3, "{run:?}");
}

#[test]
fn secrets_never_come_from_argv_and_login_without_a_terminal_says_how() {
    let h = Harness::new();
    let run = h.run(
        &["login", "--kms-url", &h.sb.kms_url, "--client-id", "x"],
        &[],
        None,
    );
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("--client-secret-stdin"), "{run:?}");
    let run = h.run(&["login"], &[], None);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("--token-stdin"), "{run:?}");
    assert!(h.sb.requests().is_empty());
}

#[test]
fn an_expired_pasted_token_cannot_log_in_again_so_status_asks() {
    let h = Harness::new();
    let run = h.login_token(&h.sb.token, &["--remember"]);
    assert_eq!(run.code, 0, "{run:?}");
    let cached = h.read("tokens.toml");
    std::fs::write(
        h.file("tokens.toml"),
        format!("{cached}expires_at = 1000\n"),
    )
    .unwrap();
    let before = h.sb.requests().len();
    let run = h.run(&["status"], &[], None);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stdout.contains("the cached token has expired"),
        "{run:?}"
    );
    assert_eq!(h.sb.requests().len(), before, "nothing was sent");
}

#[test]
fn demo_login_status_and_logout_work_and_save_nothing() {
    let h = Harness::new();
    let run = h.run(
        &[
            "--demo",
            "login",
            "--client-id",
            &h.sb.client_id,
            "--client-secret-stdin",
            "--remember",
        ],
        &[],
        Some(&format!("{}\n", demo_secret())),
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("✓ Signed in"), "{run:?}");
    assert!(run.stdout.contains("Demo: nothing was saved"), "{run:?}");
    let run = h.run(
        &[
            "--demo",
            "login",
            "--client-id",
            "nobody",
            "--client-secret-stdin",
        ],
        &[],
        Some("wrong-secret\n"),
    );
    assert_eq!(
        run.code, 3,
        "a wrong secret is refused in the demo too: {run:?}"
    );
    let run = h.run(&["--demo", "status"], &[], None);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("demo: nothing is saved"), "{run:?}");
    let run = h.run(&["--demo", "logout"], &[], None);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.starts_with("Demo: nothing is stored"), "{run:?}");
    assert_eq!(std::fs::read_dir(h.config.path()).unwrap().count(), 0);
}

#[test]
fn login_to_a_plain_http_server_elsewhere_warns_before_anything_is_sent() {
    let h = Harness::new();
    let run = h.login_at("http://kms.invalid", "some-id", demo_secret(), &[]);
    assert_ne!(run.code, 0, "{run:?}");
    assert!(
        run.stderr
            .starts_with("Warning: This server is plain http://"),
        "{run:?}"
    );
    // The sandbox on 127.0.0.1 is plain http too, but on this machine: no warning.
    let run = h.login(&h.sb.client_id, demo_secret(), &[]);
    assert!(!run.stderr.contains("Warning"), "{run:?}");
}

#[test]
fn status_with_a_user_session_token_shows_the_session_and_its_organization() {
    // /api/v1/identities/details answers 403 to a user's session token (it accepts only
    // machine-identity tokens); the app-connection routes accept it: status must not fail.
    let h = Harness::new();
    let env = [
        ("KMS_API_URL", h.sb.kms_url.as_str()),
        ("KMS_TOKEN", demo::USER_SESSION_TOKEN),
    ];
    let run = h.run(&["status"], &env, None);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout
            .contains("user session, organization 6f03caa1-a5de-43ce-b127-95a145d3464c"),
        "{run:?}"
    );
    let v = h.run(&["status", "--json"], &env, None).json();
    assert_eq!(v["identity"]["ok"], true, "{v}");
}

#[test]
fn a_profile_project_that_is_gone_exits_2_naming_projects() {
    // The profile saved a project (by ID, after login resolved the slug); the project is then
    // removed or the identity loses access. Every command that uses it says so.
    let h = Harness::new();
    let run = h.login(
        &h.sb.client_id,
        demo_secret(),
        &["--remember", "--project", "demo-project"],
    );
    assert_eq!(run.code, 0, "{run:?}");
    let profiles = h.read("profiles.toml");
    assert!(profiles.contains(&h.sb.project_id), "{profiles}");
    let gone = profiles.replace(&h.sb.project_id, "00000000-0000-4000-8000-00000000dead");
    std::fs::write(h.file("profiles.toml"), gone).unwrap();
    for args in [
        &["list"][..],
        &["sync", "list"][..],
        &[
            "create",
            "northflank",
            "--name",
            "nf",
            "--skip-test",
            "--secret-env",
            "NF_TOKEN",
        ][..],
    ] {
        let run = h.run(args, &[("NF_TOKEN", demo::NORTHFLANK_TOKEN)], None);
        assert_eq!(run.code, 2, "{args:?}: {run:?}");
        assert!(
            run.stderr.contains("kms-connect projects"),
            "{args:?}: {run:?}"
        );
    }
}

#[test]
fn test_judges_internal_addresses_for_the_profiles_server() {
    // The profile's server is on this machine (as a self-hosted one can be): an instance URL
    // on 127.0.0.1 draws no warning, since that server is the one a create would use.
    let h = Harness::new();
    let run = h.login(&h.sb.client_id, demo_secret(), &[]);
    assert_eq!(run.code, 0, "{run:?}");
    let args = [
        "test",
        "teamcity",
        "--instance-url",
        &h.sb.teamcity_url,
        "--secret-env",
        "TC_TOKEN",
    ];
    let run = h.run(&args, &[("TC_TOKEN", demo::TEAMCITY_TOKEN)], None);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.starts_with("✓ "), "{run:?}");
    // Without a profile the default (hosted) server judges: a warning.
    let fresh = Harness::new();
    let run = fresh.run(&args, &[("TC_TOKEN", demo::TEAMCITY_TOKEN)], None);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.starts_with("⚠ "), "{run:?}");
}
