//! Runs the real `kms-connect` binary against a sandbox started in the test, and checks exit
//! codes (0 ok, 1 runtime/server error, 2 invalid input, 3 credential test failed), stdout,
//! stderr and what reached the sandbox servers.
//!
//! Every run also checks that the output holds no secret, no ANSI escape, and that a failure
//! says what is wrong in at most three lines of stderr.

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use kms_connect::apps::{AppSpec, validate};
use kms_connect::config::NOT_SIGNED_IN;
use kms_connect::sandbox::{RecordedRequest, Sandbox, demo};
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_kms-connect");
const USER_AGENT: &str = concat!("kms-connect/", env!("CARGO_PKG_VERSION"));
const BAD_SECRET: &str = "wrong-secret-7f3a9c";
const SLUGS: [&str; 4] = ["teamcity", "octopus-deploy", "bitbucket", "northflank"];
const METHODS: [&str; 4] = ["access-token", "api-key", "api-token", "api-token"];

/// A sandbox kept alive on its own runtime while the test thread runs processes.
struct Harness {
    // Dropped first: the sandbox stops its servers, then the runtime goes.
    sb: Sandbox,
    _rt: tokio::runtime::Runtime,
}

impl Harness {
    fn new() -> Harness {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let sb = rt.block_on(Sandbox::start()).expect("sandbox");
        Harness { sb, _rt: rt }
    }

    /// The binary with the sandbox as KMS server, token, project and provider hosts.
    fn cli(&self) -> Cli {
        Cli::bare()
            .env("KMS_API_URL", &self.sb.kms_url)
            .env("KMS_TOKEN", &self.sb.token)
            .env("KMS_PROJECT_ID", &self.sb.project_id)
            .env("KMS_CONNECT_BITBUCKET_API_URL", &self.sb.bitbucket_api)
            .env("KMS_CONNECT_NORTHFLANK_API_URL", &self.sb.northflank_api)
            .forbid(&self.sb.token)
            .forbid(&self.sb.client_secret)
    }

    fn requests(&self) -> Vec<RecordedRequest> {
        self.sb.requests()
    }

    fn kms_posts(&self) -> Vec<RecordedRequest> {
        self.requests()
            .into_iter()
            .filter(|r| r.service == "kms" && r.method == "POST")
            .collect()
    }

    /// The flags that carry each app's non-secret field, with the sandbox's values.
    fn target_args(&self, slug: &str) -> Vec<String> {
        match slug {
            "teamcity" => vec!["--instance-url".into(), self.sb.teamcity_url.clone()],
            "octopus-deploy" => vec!["--instance-url".into(), self.sb.octopus_url.clone()],
            "bitbucket" => vec!["--email".into(), demo::BITBUCKET_EMAIL.into()],
            "northflank" => Vec::new(),
            other => panic!("no app {other}"),
        }
    }

    /// The `credentials` object the API body must carry.
    fn credentials(&self, slug: &str, secret: &str) -> Value {
        match slug {
            "teamcity" => json!({"instanceUrl": self.sb.teamcity_url, "accessToken": secret}),
            "octopus-deploy" => json!({"instanceUrl": self.sb.octopus_url, "apiKey": secret}),
            "bitbucket" => json!({"email": demo::BITBUCKET_EMAIL, "apiToken": secret}),
            "northflank" => json!({"apiToken": secret}),
            other => panic!("no app {other}"),
        }
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

fn probe_path(slug: &str) -> &'static str {
    match slug {
        "teamcity" => "/app/rest/server",
        "octopus-deploy" => "/api/users/me",
        "bitbucket" => "/2.0/user",
        "northflank" => "/v1/projects",
        other => panic!("no app {other}"),
    }
}

fn header<'a>(r: &'a RecordedRequest, name: &str) -> Option<&'a str> {
    r.headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// A port on 127.0.0.1 where nothing listens (bound, then released).
fn refused_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// One run of the binary, built up like a `Command`.
struct Cli {
    cmd: Command,
    stdin: Option<String>,
    /// Strings that must appear in neither stdout nor stderr.
    forbidden: Vec<String>,
}

#[derive(Debug)]
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn stderr_lines(&self) -> Vec<&str> {
        self.stderr.lines().collect()
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {:?}", self.stdout))
    }
}

impl Cli {
    /// The binary with no KMS_* variables and no proxy inherited from the test's environment.
    fn bare() -> Cli {
        let mut cmd = Command::new(BIN);
        for (k, _) in std::env::vars_os() {
            let k = k.to_string_lossy().into_owned();
            if k.starts_with("KMS_") || k.to_ascii_lowercase().ends_with("_proxy") {
                cmd.env_remove(&k);
            }
        }
        // Never the user's own profiles: a directory that does not exist holds none.
        cmd.env(
            "KMS_CONNECT_CONFIG_DIR",
            std::env::temp_dir().join(format!("kms-connect-cli-tests-{}", std::process::id())),
        );
        Cli {
            cmd,
            stdin: None,
            forbidden: Vec::new(),
        }
    }

    fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        self.cmd.args(args);
        self
    }

    fn env(mut self, k: &str, v: &str) -> Self {
        self.cmd.env(k, v);
        self
    }

    fn env_remove(mut self, k: &str) -> Self {
        self.cmd.env_remove(k);
        self
    }

    fn forbid(mut self, s: &str) -> Self {
        if !s.trim().is_empty() {
            self.forbidden.push(s.to_owned());
        }
        self
    }

    /// Feeds the secret on stdin (with a newline, as `echo` would); it must never be printed.
    fn secret_stdin(mut self, secret: &str) -> Self {
        self.cmd.arg("--secret-stdin");
        self.stdin = Some(format!("{secret}\n"));
        self.forbid(secret)
    }

    /// Passes the secret in an environment variable named on the command line.
    fn secret_env(mut self, var: &str, secret: &str) -> Self {
        self.cmd.args(["--secret-env", var]).env(var, secret);
        self.forbid(secret)
    }

    fn run(mut self) -> Run {
        self.cmd
            .stdin(if self.stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = self.cmd.spawn().expect("spawn kms-connect");
        if let Some(input) = &self.stdin {
            let mut pipe = child.stdin.take().unwrap();
            // The process may exit before it reads (e.g. an unknown app): that is fine.
            if let Err(e) = pipe.write_all(input.as_bytes()) {
                assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "{e}");
            }
        }
        let mut out = child.stdout.take().unwrap();
        let mut err = child.stderr.take().unwrap();
        let out = std::thread::spawn(move || {
            let mut v = Vec::new();
            out.read_to_end(&mut v).map(|_| v)
        });
        let err = std::thread::spawn(move || {
            let mut v = Vec::new();
            err.read_to_end(&mut v).map(|_| v)
        });
        let deadline = Instant::now() + Duration::from_secs(60);
        let status = loop {
            if let Some(s) = child.try_wait().unwrap() {
                break s;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("kms-connect did not finish in 60 s");
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        let run = Run {
            code: status.code().expect("exited normally"),
            stdout: String::from_utf8(out.join().unwrap().unwrap()).expect("utf-8 stdout"),
            stderr: String::from_utf8(err.join().unwrap().unwrap()).expect("utf-8 stderr"),
        };
        for s in &self.forbidden {
            assert!(
                !run.stdout.contains(s.as_str()),
                "secret on stdout: {run:?}"
            );
            assert!(
                !run.stderr.contains(s.as_str()),
                "secret on stderr: {run:?}"
            );
        }
        for (name, text) in [("stdout", &run.stdout), ("stderr", &run.stderr)] {
            assert!(!text.contains('\x1b'), "ANSI escape on {name}: {run:?}");
            assert!(!text.contains('\u{9b}'), "C1 CSI on {name}: {run:?}");
        }
        if run.code != 0 {
            // A warning said before the attempt (plain http://) is not part of the failure.
            let n = run
                .stderr_lines()
                .iter()
                .filter(|l| !l.starts_with("⚠ "))
                .count();
            assert!(
                (1..=2).contains(&n),
                "a failure says why in 1 or 2 lines of stderr, got {n}: {run:?}"
            );
        }
        run
    }
}

// ---------------------------------------------------------------------------------------------
// apps
// ---------------------------------------------------------------------------------------------

#[test]
fn apps_lists_the_four_apps() {
    let run = Cli::bare().args(["apps"]).run();
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stderr, "");
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 5, "a header and four apps: {:?}", run.stdout);
    assert!(lines[0].starts_with("APP"), "{}", lines[0]);
    for (line, slug) in lines[1..].iter().zip(SLUGS) {
        assert_eq!(line.split_whitespace().next(), Some(slug), "{line}");
    }
    assert!(lines[1].contains("access-token") && lines[1].contains("--instance-url"));
    assert!(lines[3].contains("--email"));

    let run = Cli::bare().args(["apps", "--json"]).run();
    assert_eq!(run.code, 0, "{run:?}");
    let list = run.json();
    let list = list.as_array().expect("an array");
    assert_eq!(list.len(), 4);
    let fields = [
        vec!["name", "description", "instanceUrl", "accessToken"],
        vec!["name", "description", "instanceUrl", "apiKey"],
        vec!["name", "description", "email", "apiToken"],
        vec!["name", "description", "apiToken"],
    ];
    for (i, entry) in list.iter().enumerate() {
        assert_eq!(entry["app"], json!(SLUGS[i]));
        assert_eq!(entry["method"], json!(METHODS[i]));
        let f = entry["fields"].as_array().expect("fields array");
        let names: Vec<&str> = f.iter().map(|x| x["name"].as_str().unwrap()).collect();
        assert_eq!(names, fields[i], "{}", SLUGS[i]);
        let secret = f.last().unwrap();
        assert_eq!(secret["secret"], json!(true));
        assert!(f[..f.len() - 1].iter().all(|x| x["secret"] == json!(false)));
    }
}

// ---------------------------------------------------------------------------------------------
// test
// ---------------------------------------------------------------------------------------------

#[test]
fn test_ok_for_each_app() {
    let h = Harness::new();
    // The server's check first, then who, expiry and permissions.
    let messages = [
        "✓ TeamCity accepted the credential: version 2025.07 (build 197398).",
        "✓ Octopus Deploy accepted the credential: user svc-kms (KMS sync).",
        "✓ Bitbucket accepted the credential: user KMS Demo (kms-demo).",
        "✓ Northflank accepted the credential: 1 project visible.",
    ];
    // A ✓ line's hint is printed too (TeamCity: how to name the project to check).
    let line_counts = [5, 4, 6, 4];
    let reads = [4, 4, 2, 2];
    for (i, slug) in SLUGS.into_iter().enumerate() {
        let secret = good_secret(slug);
        let run = h
            .cli()
            .args(["test", slug])
            .args(h.target_args(slug))
            .secret_stdin(secret)
            .run();
        assert_eq!(run.code, 0, "{slug}: {run:?}");
        let lines: Vec<&str> = run.stdout.lines().collect();
        assert_eq!(lines[0], messages[i]);
        assert_eq!(lines.len(), line_counts[i], "{slug}: {run:?}");
        assert!(
            lines
                .iter()
                .all(|l| !l.starts_with('⚠') && !l.starts_with('✗')),
            "{run:?}"
        );
        assert_eq!(run.stderr, "");

        let reqs: Vec<_> = h
            .requests()
            .into_iter()
            .filter(|r| r.service == slug)
            .collect();
        assert_eq!(reqs.len(), reads[i], "{slug}: a handful of reads");
        assert!(reqs.iter().any(|r| r.path == probe_path(slug)));
        assert!(
            reqs.iter()
                .all(|r| r.method == "GET" && header(r, "user-agent") == Some(USER_AGENT))
        );
    }
    // `test` never talks to the KMS server.
    assert!(h.requests().iter().all(|r| r.service != "kms"));
}

#[test]
fn test_with_secret_env_sends_the_secret_from_the_variable() {
    let h = Harness::new();
    let run = h
        .cli()
        .args(["test", "northflank"])
        .secret_env("NF_TOKEN_FOR_TEST", demo::NORTHFLANK_TOKEN)
        .run();
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.stdout.lines().next(),
        Some("✓ Northflank accepted the credential: 1 project visible.")
    );
    let r = h.requests().pop().unwrap();
    assert_eq!(r.service, "northflank");
    assert_eq!(
        r.authorization,
        Some(format!("Bearer {}", demo::NORTHFLANK_TOKEN))
    );

    // A variable that is not set is an input error, and nothing is sent.
    let before = h.requests().len();
    let run = h
        .cli()
        .args([
            "test",
            "northflank",
            "--secret-env",
            "KMS_CONNECT_TEST_UNSET_VAR",
        ])
        .env_remove("KMS_CONNECT_TEST_UNSET_VAR")
        .run();
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr
            .starts_with("Environment variable KMS_CONNECT_TEST_UNSET_VAR is not set"),
        "{run:?}"
    );
    assert_eq!(h.requests().len(), before);
}

#[test]
fn test_bad_token_exits_3_and_says_why() {
    let h = Harness::new();
    let run = h
        .cli()
        .args(["test", "teamcity"])
        .args(h.target_args("teamcity"))
        .secret_stdin(BAD_SECRET)
        .run();
    assert_eq!(run.code, 3, "{run:?}");
    assert_eq!(run.stdout, "");
    let lines = run.stderr_lines();
    assert_eq!(
        lines[0],
        "✗ TeamCity rejected the access token (401). It said: \"Authentication required\""
    );
    assert_eq!(
        lines.get(1).copied(),
        Some("The token is wrong, revoked or expired: check it under Profile → Access Tokens.")
    );
    let r = h.requests().pop().unwrap();
    assert_eq!(r.authorization, Some(format!("Bearer {BAD_SECRET}")));
}

#[test]
fn test_json_output_parses() {
    let h = Harness::new();
    let run = h
        .cli()
        .args(["test", "octopus-deploy", "--json"])
        .args(h.target_args("octopus-deploy"))
        .secret_stdin(demo::OCTOPUS_API_KEY)
        .run();
    assert_eq!(run.code, 0, "{run:?}");
    let v = run.json();
    assert_eq!(v["ok"], json!(true));
    assert_eq!(v["code"], json!("ok"));
    assert_eq!(
        v["message"],
        json!("Octopus Deploy accepted the credential: user svc-kms (KMS sync).")
    );
    assert_eq!(
        v["url"],
        json!(format!("{}/api/users/me", h.sb.octopus_url))
    );
    assert_eq!(v["learned"], json!({"user": "svc-kms (KMS sync)"}));

    let run = h
        .cli()
        .args(["test", "bitbucket", "--json"])
        .args(h.target_args("bitbucket"))
        .secret_stdin(BAD_SECRET)
        .run();
    assert_eq!(run.code, 3, "{run:?}");
    let v = run.json();
    assert_eq!(v["ok"], json!(false));
    assert_eq!(v["code"], json!("token_rejected"));
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .starts_with("Bitbucket rejected the API token (401)."),
        "{v}"
    );
    assert_eq!(v["url"], json!(format!("{}/2.0/user", h.sb.bitbucket_api)));
    assert!(v["hint"].is_string());
    // What the provider saw: Basic base64(email:token).
    let b64 = base64::engine::general_purpose::STANDARD
        .encode(format!("{}:{BAD_SECRET}", demo::BITBUCKET_EMAIL));
    assert_eq!(
        h.requests().pop().unwrap().authorization,
        Some(format!("Basic {b64}"))
    );
}

#[test]
fn test_json_lists_every_check_in_a_stable_shape() {
    let h = Harness::new();
    let run = h
        .cli()
        .args(["test", "teamcity", "--json", "--check-project", "Backend"])
        .args(h.target_args("teamcity"))
        .secret_stdin(demo::TEAMCITY_PROJECT_TOKEN)
        .run();
    assert_eq!(run.code, 0, "a warning never fails the test: {run:?}");
    let v = run.json();
    // The server's outcome stays at the top level, as before.
    assert_eq!(v["ok"], json!(true));
    assert_eq!(v["code"], json!("ok"));
    assert_eq!(
        v["url"],
        json!(format!("{}/app/rest/server", h.sb.teamcity_url))
    );
    assert_eq!(v["warnings"], json!(1));
    let checks = v["checks"].as_array().expect("checks array");
    let shape: Vec<(&str, &str)> = checks
        .iter()
        .map(|c| (c["check"].as_str().unwrap(), c["status"].as_str().unwrap()))
        .collect();
    assert_eq!(
        shape,
        [
            ("server", "ok"),
            ("who", "ok"),
            ("expiry", "ok"),
            ("permissions", "warn")
        ]
    );
    assert_eq!(checks[0]["message"], v["message"]);
    assert_eq!(
        checks[3],
        json!({
            "check": "permissions",
            "status": "warn",
            "message": "Missing TeamCity permission \"Edit project\" on Backend.",
            "hint": "Add it to the token (Limit per project) or make a token with the user's rights.",
            "missing": ["Edit project"],
        })
    );
    assert!(
        checks[2]["expires_at"]
            .as_str()
            .is_some_and(|e| e.ends_with('Z')),
        "{v}"
    );
    let project_reads: Vec<_> = h
        .requests()
        .into_iter()
        .filter(|r| r.path.starts_with("/app/rest/projects/id:Backend"))
        .collect();
    assert_eq!(project_reads.len(), 2, "view settings and edit project");

    // The text form: one line per check, what to do under the warning.
    let run = h
        .cli()
        .args(["test", "northflank"])
        .secret_stdin(demo::EXPIRING_TOKEN)
        .run();
    assert_eq!(run.code, 0, "{run:?}");
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(
        lines[2].starts_with("⚠ The token expires on ")
            && lines[2].ends_with("(5 days). Rotate it before then."),
        "{run:?}"
    );
}

#[test]
fn an_expired_token_fails_with_its_date_in_two_lines() {
    let h = Harness::new();
    let run = h
        .cli()
        .args(["test", "northflank"])
        .secret_stdin(demo::EXPIRED_TOKEN)
        .run();
    assert_eq!(run.code, 3, "{run:?}");
    let lines = run.stderr_lines();
    assert_eq!(lines.len(), 2, "{run:?}");
    assert!(lines[0].starts_with("✗ Northflank rejected the API token (401)."));
    assert!(
        lines[0].contains("\"Unauthenticated\". The token expired on "),
        "{run:?}"
    );
}

#[test]
fn use_scanning_judges_bitbucket_on_the_scanning_scopes_only() {
    let h = Harness::new();
    let run = |extra: &[&str]| {
        h.cli()
            .args(["test", "bitbucket"])
            .args(extra)
            .args(h.target_args("bitbucket"))
            .secret_stdin(demo::BITBUCKET_TOKEN_NO_PIPELINE)
            .run()
    };
    // Without --use every use is judged, and Secret Sync lacks the pipeline scopes.
    let every = run(&[]);
    assert_eq!(every.code, 0, "{every:?}");
    assert!(
        every
            .stdout
            .contains("⚠ For Secret Sync the token is missing scope(s)"),
        "{every:?}"
    );
    let scanning = run(&["--use", "scanning"]);
    assert_eq!(scanning.code, 0, "{scanning:?}");
    assert!(
        scanning
            .stdout
            .contains("✓ The token has every scope Secret Scanning needs."),
        "{scanning:?}"
    );
    assert!(!scanning.stdout.contains("Secret Sync"), "{scanning:?}");
    assert!(!scanning.stdout.contains('⚠'), "{scanning:?}");
}

#[test]
fn use_is_refused_for_an_app_with_one_use() {
    let h = Harness::new();
    let run = h
        .cli()
        .args(["test", "teamcity", "--use", "sync"])
        .args(h.target_args("teamcity"))
        .secret_stdin(demo::TEAMCITY_TOKEN)
        .run();
    assert_eq!(run.code, 2, "{run:?}");
    assert_eq!(run.stderr, "teamcity takes no --use.\n");
    assert!(h.requests().is_empty(), "nothing is sent");
}

#[test]
fn token_name_picks_the_teamcity_token_to_judge() {
    let h = Harness::new();
    let run = |name: &str| {
        h.cli()
            .args(["test", "teamcity", "--token-name", name])
            .args(h.target_args("teamcity"))
            .secret_stdin(demo::TEAMCITY_TOKEN)
            .run()
    };
    let named = run("kms-connect");
    assert_eq!(named.code, 0, "{named:?}");
    assert!(
        named
            .stdout
            .contains("✓ The token \"kms-connect\" never expires."),
        "{named:?}"
    );
    let other = run("nightly");
    assert_eq!(other.code, 0, "{other:?}");
    assert!(
        other.stdout.contains(
            "? Expiry unknown: this user has no token named \"nightly\".\n  The user's tokens: \"kms-connect\"."
        ),
        "{other:?}"
    );
}

#[test]
fn ca_cert_that_cannot_be_read_is_an_input_error() {
    let h = Harness::new();
    let run = h
        .cli()
        .args(["test", "teamcity", "--ca-cert", "/nonexistent/ca.pem"])
        .args(h.target_args("teamcity"))
        .secret_stdin(demo::TEAMCITY_TOKEN)
        .run();
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr
            .starts_with("Could not read the CA certificate /nonexistent/ca.pem: "),
        "{run:?}"
    );
    assert!(h.requests().is_empty(), "nothing is sent");
}

#[test]
fn test_rejects_bad_input_with_exit_2_before_sending_anything() {
    let h = Harness::new();

    let run = h
        .cli()
        .args(["test", "teamcity", "--instance-url", "not-a-url"])
        .secret_stdin(demo::TEAMCITY_TOKEN)
        .run();
    assert_eq!(run.code, 2, "{run:?}");
    let spec = AppSpec::by_slug("teamcity")
        .unwrap()
        .target
        .as_ref()
        .unwrap();
    let why = validate::url("not-a-url", spec).unwrap_err();
    assert!(why.starts_with("Not a valid URL"), "{why}");
    assert_eq!(run.stderr, format!("--instance-url: {why}\n"));

    let run = h.cli().args(["test", "northflank"]).run();
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr.contains("--secret-stdin") && run.stderr.contains("--secret-env"),
        "{run:?}"
    );

    let run = h
        .cli()
        .args(["test", "teamcity", "--email", "a@example.com"])
        .secret_stdin(demo::TEAMCITY_TOKEN)
        .run();
    assert_eq!(run.code, 2, "{run:?}");
    assert_eq!(run.stderr, "teamcity takes --instance-url, not --email.\n");

    let run = h
        .cli()
        .args([
            "test",
            "northflank",
            "--instance-url",
            "https://x.example.com",
        ])
        .secret_stdin(demo::NORTHFLANK_TOKEN)
        .run();
    assert_eq!(run.code, 2, "{run:?}");
    assert_eq!(
        run.stderr,
        "northflank takes neither --instance-url nor --email.\n"
    );

    let run = h
        .cli()
        .args(["test", "gitlab"])
        .secret_stdin("whatever-token")
        .run();
    assert_eq!(run.code, 2, "{run:?}");
    assert_eq!(
        run.stderr,
        "Unknown app \"gitlab\": use one of teamcity, octopus-deploy, bitbucket, northflank.\n"
    );

    // An empty secret on stdin is a missing secret.
    let run = h.cli().args(["test", "northflank", "--secret-stdin"]).run();
    assert_eq!(run.code, 2, "{run:?}");
    let nf = AppSpec::by_slug("northflank").unwrap();
    let why = validate::secret(&secrecy::SecretString::from(""), &nf.secret).unwrap_err();
    assert_eq!(run.stderr, format!("secret: {why}\n"));

    // Far more than any token: refused, not read into memory whole.
    let huge = "x".repeat(64 * 1024 + 1);
    let run = h
        .cli()
        .args(["test", "northflank"])
        .secret_stdin(&huge)
        .run();
    assert_eq!(run.code, 2, "{run:?}");
    assert_eq!(run.stderr_lines().len(), 2, "{run:?}");
    assert!(run.stderr.contains("more than 64 KiB"), "{run:?}");

    assert!(h.requests().is_empty(), "{:?}", h.requests());
}

#[test]
fn test_unreachable_host_exits_3() {
    let port = refused_port();
    let run = Cli::bare()
        .args([
            "test",
            "teamcity",
            "--instance-url",
            &format!("http://127.0.0.1:{port}"),
        ])
        .secret_stdin(demo::TEAMCITY_TOKEN)
        .run();
    assert_eq!(run.code, 3, "{run:?}");
    assert_eq!(run.stdout, "");
    assert_eq!(
        run.stderr_lines()[0],
        format!("✗ Connection refused by 127.0.0.1:{port}: nothing listens there. Check the port.")
    );
}

#[test]
fn test_warns_of_an_internal_instance_url_for_a_hosted_kms() {
    // The sandbox TeamCity is on 127.0.0.1: a KMS server elsewhere would refuse it. `test`
    // judges it against the server a create would use, without calling that server.
    let h = Harness::new();
    let run = h
        .cli()
        .env("KMS_API_URL", "https://kms.example.com")
        .args(["test", "teamcity"])
        .args(h.target_args("teamcity"))
        .secret_stdin(demo::TEAMCITY_TOKEN)
        .run();
    assert_eq!(run.code, 0, "a warning, not a failure: {run:?}");
    let first = run.stdout.lines().next().unwrap_or_default();
    assert!(first.starts_with("⚠ "), "{run:?}");
    assert!(
        first.contains("127.0.0.1 is an internal address"),
        "{run:?}"
    );
    assert!(
        h.requests().iter().all(|r| r.service != "kms"),
        "{:?}",
        h.requests()
    );
    // With the KMS itself on loopback (the sandbox, a local server): nothing to say.
    let run = h
        .cli()
        .args(["test", "teamcity"])
        .args(h.target_args("teamcity"))
        .secret_stdin(demo::TEAMCITY_TOKEN)
        .run();
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.starts_with("✓ "), "{run:?}");
    // A KMS URL that cannot be used does not stop `test` (it never calls the server).
    let run = h
        .cli()
        .env("KMS_API_URL", "not a url")
        .args(["test", "teamcity"])
        .args(h.target_args("teamcity"))
        .secret_stdin(demo::TEAMCITY_TOKEN)
        .run();
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.starts_with("⚠ "),
        "judged by the default server: {run:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// create
// ---------------------------------------------------------------------------------------------

#[test]
fn create_json_for_each_app() {
    let h = Harness::new();
    for (i, slug) in SLUGS.into_iter().enumerate() {
        let secret = good_secret(slug);
        let name = format!("{slug}-from-cli");
        let before = h.requests().len();
        let run = h
            .cli()
            .args(["create", slug, "--json", "--name", &name])
            .args(h.target_args(slug))
            .secret_stdin(secret)
            .run();
        assert_eq!(run.code, 0, "{slug}: {run:?}");
        // The check lines go to stderr with --json too; stdout stays the object.
        assert!(run.stderr.contains("✓"), "{slug}: {}", run.stderr);
        let v = run.json();
        assert!(v.is_object(), "{v}");
        assert_eq!(v["name"], json!(name));
        assert_eq!(v["app"], json!(slug));
        assert_eq!(v["projectId"], json!(h.sb.project_id));
        assert_eq!(v["id"].as_str().map(str::len), Some(36), "{v}");
        assert_eq!(v["credentialsHash"].as_str().map(str::len), Some(64), "{v}");
        assert!(!v.to_string().contains(secret));
        // What the server stored is what the CLI printed.
        let stored = h.sb.connections();
        assert_eq!(stored.len(), i + 1);
        assert_eq!(stored.iter().find(|c| c["id"] == v["id"]), Some(&v));

        let posts: Vec<_> = h
            .kms_posts()
            .into_iter()
            .filter(|r| r.path == format!("/api/v1/app-connections/{slug}"))
            .collect();
        assert_eq!(posts.len(), 1, "{slug}: exactly one POST");
        assert_eq!(
            posts[0].body,
            Some(json!({
                "name": name,
                "method": METHODS[i],
                "projectId": h.sb.project_id,
                "credentials": h.credentials(slug, secret),
            })),
            "{slug}"
        );
        assert_eq!(
            posts[0].authorization,
            Some(format!("Bearer {}", h.sb.token))
        );

        // The CLI checked the credential itself first (the server's check and a few reads),
        // then the KMS server checked it once.
        let order: Vec<(&str, bool)> = h.requests()[before..]
            .iter()
            .filter(|r| r.service == slug || r.service == "kms")
            .map(|r| (r.service, header(r, "user-agent") == Some(USER_AGENT)))
            .collect();
        let kms_at = order.iter().position(|(s, _)| *s == "kms").unwrap();
        assert!(
            kms_at >= 1 && order[..kms_at].iter().all(|o| *o == (slug, true)),
            "{slug}: {order:?}"
        );
        assert_eq!(order[kms_at..], [("kms", true), (slug, false)], "{slug}");
    }
    assert_eq!(h.kms_posts().len(), 4);
}

#[test]
fn create_text_output_with_description() {
    let h = Harness::new();
    let run = h
        .cli()
        .args([
            "create",
            "teamcity",
            "--name",
            "ci-teamcity",
            "--description",
            "  Builds for the web app  ",
        ])
        .args(h.target_args("teamcity"))
        .secret_stdin(demo::TEAMCITY_TOKEN)
        .run();
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.stderr,
        "✓ TeamCity accepted the credential: version 2025.07 (build 197398).\n\
         ✓ The token acts as TeamCity user svc-kms (KMS sync).\n\
         ✓ The token \"kms-connect\" never expires.\n\
         ✓ The token sees 1 project.\n  \
         Name the target project with --check-project ID to check View settings and Edit project on it.\n"
    );
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{run:?}");
    assert_eq!(
        lines[0],
        format!(
            "Created TeamCity connection ci-teamcity (project {}).",
            h.sb.project_id
        )
    );
    let stored = &h.sb.connections()[0];
    assert_eq!(lines[1], format!("ID {}", stored["id"].as_str().unwrap()));
    assert_eq!(
        lines[2],
        format!(
            "credentialsHash {}",
            stored["credentialsHash"].as_str().unwrap()
        )
    );
    assert_eq!(stored["description"], json!("Builds for the web app"));
    let posts = h.kms_posts();
    assert_eq!(posts.len(), 1);
    assert_eq!(
        posts[0].body,
        Some(json!({
            "name": "ci-teamcity",
            "method": "access-token",
            "projectId": h.sb.project_id,
            "description": "Builds for the web app",
            "credentials": h.credentials("teamcity", demo::TEAMCITY_TOKEN),
        }))
    );
}

#[test]
fn create_project_flag_overrides_the_environment() {
    let h = Harness::new();
    let run = h
        .cli()
        .env("KMS_PROJECT_ID", "11111111-1111-4111-8111-111111111111")
        .args([
            "create",
            "northflank",
            "--json",
            "--name",
            "nf",
            "--project",
            &h.sb.project_id,
        ])
        .secret_env("NF_SECRET_FOR_TEST", demo::NORTHFLANK_TOKEN)
        .run();
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.json()["projectId"], json!(h.sb.project_id));
    let posts = h.kms_posts();
    assert_eq!(posts.len(), 1);
    assert_eq!(
        posts[0].body.as_ref().unwrap()["projectId"],
        json!(h.sb.project_id)
    );

    // And the other way round: a wrong --project wins over a right KMS_PROJECT_ID.
    let run = h
        .cli()
        .args([
            "create",
            "northflank",
            "--name",
            "nf-two",
            "--project",
            "22222222-2222-4222-8222-222222222222",
        ])
        .secret_stdin(demo::NORTHFLANK_TOKEN)
        .run();
    assert_eq!(run.code, 2, "an unknown project is invalid input: {run:?}");
    assert!(
        run.stderr
            .contains("Could not find project with ID 22222222-2222-4222-8222-222222222222."),
        "{run:?}"
    );
}

#[test]
fn create_duplicate_name_exits_2() {
    let h = Harness::new();
    let create = |name: &str| {
        h.cli()
            .args(["create", "bitbucket", "--name", name])
            .args(h.target_args("bitbucket"))
            .secret_stdin(demo::BITBUCKET_TOKEN)
            .run()
    };
    assert_eq!(create("bb").code, 0);
    let run = create("bb");
    assert_eq!(run.code, 2, "a taken name is invalid input: {run:?}");
    assert_eq!(run.stdout, "");
    assert!(run.stderr.contains("already exists"), "{run:?}");
    assert!(
        run.stderr
            .contains("An App Connection with the name \"bb\" already exists."),
        "{run:?}"
    );
    assert_eq!(h.sb.connections().len(), 1);
}

#[test]
fn create_with_a_bad_credential_stops_at_the_test() {
    let h = Harness::new();
    let run = h
        .cli()
        .args(["create", "octopus-deploy", "--name", "octo"])
        .args(h.target_args("octopus-deploy"))
        .secret_stdin(BAD_SECRET)
        .run();
    assert_eq!(run.code, 3, "{run:?}");
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr
            .starts_with("✗ Octopus Deploy rejected the API key (401)."),
        "{run:?}"
    );
    // Nothing was sent to the KMS server.
    assert!(h.requests().iter().all(|r| r.service == "octopus-deploy"));
    assert_eq!(h.requests().len(), 1);
}

#[test]
fn create_skip_test_leaves_the_check_to_the_kms_server() {
    let h = Harness::new();
    let run = h
        .cli()
        .args(["create", "teamcity", "--skip-test", "--name", "ci"])
        .args(h.target_args("teamcity"))
        .secret_stdin(BAD_SECRET)
        .run();
    assert_eq!(run.code, 3, "{run:?}");
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr.starts_with(
            "The KMS server's credential check failed: Failed to validate credentials: Request failed with status code 401"
        ),
        "{run:?}"
    );
    let reqs = h.requests();
    // The CLI itself made no provider request: the only one came from the KMS server's own
    // verification, after the POST, without the CLI's user agent.
    let kms_post = reqs
        .iter()
        .position(|r| r.service == "kms" && r.method == "POST")
        .expect("a KMS POST");
    let provider: Vec<(usize, &RecordedRequest)> = reqs
        .iter()
        .enumerate()
        .filter(|(_, r)| r.service != "kms")
        .collect();
    assert_eq!(provider.len(), 1, "{reqs:?}");
    let (at, tc) = provider[0];
    assert!(at > kms_post, "the provider call came after the KMS POST");
    assert_eq!(tc.service, "teamcity");
    assert_ne!(header(tc, "user-agent"), Some(USER_AGENT));
    assert_eq!(tc.authorization, Some(format!("Bearer {BAD_SECRET}")));
    assert_eq!(header(&reqs[kms_post], "user-agent"), Some(USER_AGENT));
    assert!(h.sb.connections().is_empty());

    // With a good credential, --skip-test creates without the CLI's own probe.
    let run = h
        .cli()
        .args([
            "create",
            "teamcity",
            "--skip-test",
            "--name",
            "ci",
            "--json",
        ])
        .args(h.target_args("teamcity"))
        .secret_stdin(demo::TEAMCITY_TOKEN)
        .run();
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        h.requests()
            .iter()
            .filter(|r| r.service == "teamcity")
            .all(|r| header(r, "user-agent") != Some(USER_AGENT))
    );
}

#[test]
fn create_invalid_name_sends_nothing() {
    let h = Harness::new();
    let run = h
        .cli()
        .args(["create", "teamcity", "--name", "Bad Name"])
        .args(h.target_args("teamcity"))
        .secret_stdin(demo::TEAMCITY_TOKEN)
        .run();
    assert_eq!(run.code, 2, "{run:?}");
    // The CLI words it exactly as the shared validation does (one copy of the rules).
    let why = validate::name("Bad Name").unwrap_err();
    assert_eq!(run.stderr, format!("--name: {why}\n"));
    assert!(h.requests().is_empty(), "{:?}", h.requests());

    // Several problems at once, on one line, in form order.
    let run = h
        .cli()
        .args([
            "create",
            "bitbucket",
            "--name",
            "x-",
            "--email",
            "not-an-email",
        ])
        .secret_stdin("   ")
        .run();
    assert_eq!(run.code, 2, "{run:?}");
    let lines = run.stderr_lines();
    assert_eq!(lines.len(), 1, "{run:?}");
    let bb = AppSpec::by_slug("bitbucket").unwrap();
    let name_why = validate::name("x-").unwrap_err();
    let email_why = validate::email("not-an-email", bb.target.as_ref().unwrap()).unwrap_err();
    let secret_why = validate::secret(&secrecy::SecretString::from("   "), &bb.secret).unwrap_err();
    assert_eq!(
        lines[0],
        format!("--name: {name_why} --email: {email_why} secret: {secret_why}")
    );
    assert!(h.requests().is_empty());
}

#[test]
fn create_without_kms_credentials_exits_2() {
    let h = Harness::new();
    let run = h
        .cli()
        .env_remove("KMS_TOKEN")
        .args(["create", "northflank", "--name", "nf"])
        .secret_stdin(demo::NORTHFLANK_TOKEN)
        .run();
    assert_eq!(run.code, 2, "{run:?}");
    assert_eq!(run.stderr, format!("{NOT_SIGNED_IN}\n"));
    assert!(h.requests().is_empty(), "{:?}", h.requests());

    // Half of a universal-auth pair is no identity either.
    let run = h
        .cli()
        .env_remove("KMS_TOKEN")
        .env("KMS_UNIVERSAL_AUTH_CLIENT_ID", &h.sb.client_id)
        .args(["create", "northflank", "--name", "nf"])
        .secret_stdin(demo::NORTHFLANK_TOKEN)
        .run();
    assert_eq!(run.code, 2, "{run:?}");
    assert_eq!(run.stderr, format!("{NOT_SIGNED_IN}\n"));
    assert!(h.requests().is_empty());
}

#[test]
fn create_with_universal_auth() {
    let h = Harness::new();
    let run = h
        .cli()
        .env_remove("KMS_TOKEN")
        .env("KMS_UNIVERSAL_AUTH_CLIENT_ID", &h.sb.client_id)
        .env("KMS_UNIVERSAL_AUTH_CLIENT_SECRET", &h.sb.client_secret)
        .args(["create", "northflank", "--name", "nf", "--json"])
        .secret_stdin(demo::NORTHFLANK_TOKEN)
        .run();
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.json()["name"], json!("nf"));
    let posts = h.kms_posts();
    assert_eq!(posts.len(), 2);
    assert_eq!(posts[0].path, "/api/v1/auth/universal-auth/login");
    assert_eq!(posts[1].path, "/api/v1/app-connections/northflank");
    assert_eq!(
        posts[1].authorization,
        Some(format!("Bearer {}", h.sb.token))
    );

    // A wrong client secret is a server-side refusal: exit 1, nothing created.
    let run = h
        .cli()
        .env_remove("KMS_TOKEN")
        .env("KMS_UNIVERSAL_AUTH_CLIENT_ID", &h.sb.client_id)
        .env("KMS_UNIVERSAL_AUTH_CLIENT_SECRET", "not-the-secret-31337")
        .forbid("not-the-secret-31337")
        .args(["create", "northflank", "--name", "nf-two"])
        .secret_stdin(demo::NORTHFLANK_TOKEN)
        .run();
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("Invalid credentials"), "{run:?}");
    assert_eq!(h.sb.connections().len(), 1);
}

#[test]
fn create_with_a_rejected_kms_token_exits_1() {
    let h = Harness::new();
    let run = h
        .cli()
        .env("KMS_TOKEN", "kms-not-a-real-token-42")
        .forbid("kms-not-a-real-token-42")
        .args(["create", "northflank", "--name", "nf"])
        .secret_stdin(demo::NORTHFLANK_TOKEN)
        .run();
    assert_eq!(run.code, 1, "{run:?}");
    let lines = run.stderr_lines();
    // The failure alone: the passing checklist is only printed once a connection exists.
    assert!(
        lines[0].starts_with("Your KMS token was rejected or has expired"),
        "{run:?}"
    );
    assert!(!run.stderr.contains('✓'), "{run:?}");
    // The CLI's own checks did run first.
    assert!(h.requests().iter().any(|r| r.path == "/v1/auth"));
    assert!(h.sb.connections().is_empty());
}

#[test]
fn create_with_the_kms_server_down_exits_1() {
    let h = Harness::new();
    let port = refused_port();
    let run = h
        .cli()
        .env("KMS_API_URL", &format!("http://127.0.0.1:{port}"))
        .args(["create", "teamcity", "--name", "ci"])
        .args(h.target_args("teamcity"))
        .secret_stdin(demo::TEAMCITY_TOKEN)
        .run();
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr.contains(&format!(
            "Connection refused by 127.0.0.1:{port}: nothing listens there."
        )),
        "{run:?}"
    );
    assert!(run.stderr.contains("KMS_API_URL"), "{run:?}");
    // The provider was reached (the test passed); the sandbox KMS got nothing.
    assert!(h.requests().iter().all(|r| r.service == "teamcity"));
}

#[test]
fn invalid_kms_url_is_an_input_error() {
    let run = Cli::bare()
        .env("KMS_API_URL", "ftp://kms.example.com")
        .env("KMS_TOKEN", "t-123-secret")
        .forbid("t-123-secret")
        .args(["create", "northflank", "--name", "nf"])
        .secret_stdin(demo::NORTHFLANK_TOKEN)
        .run();
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr
            .starts_with("KMS URL \"ftp://kms.example.com\" must start with https://"),
        "{run:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// list, get, rotate, update, delete
// ---------------------------------------------------------------------------------------------

impl Harness {
    /// Two connections in the sandbox's project and one at organization level.
    fn seeded(&self) -> [String; 3] {
        let sb = &self.sb;
        let project = Some(sb.project_id.as_str());
        let tc = sb
            .seed(
                "teamcity",
                "build-server",
                project,
                &[
                    ("instanceUrl", &sb.teamcity_url),
                    ("accessToken", demo::TEAMCITY_TOKEN),
                ],
            )
            .unwrap();
        let nf = sb
            .seed(
                "northflank",
                "northflank-services",
                project,
                &[("apiToken", demo::NORTHFLANK_TOKEN)],
            )
            .unwrap();
        let org = sb
            .seed(
                "bitbucket",
                "org-bitbucket",
                None,
                &[
                    ("email", demo::BITBUCKET_EMAIL),
                    ("apiToken", demo::BITBUCKET_TOKEN),
                ],
            )
            .unwrap();
        [tc, nf, org]
    }

    fn kms_requests(&self, method: &str) -> Vec<RecordedRequest> {
        self.requests()
            .into_iter()
            .filter(|r| r.service == "kms" && r.method == method)
            .collect()
    }

    fn hash_of(&self, id: &str) -> String {
        self.sb
            .connections()
            .into_iter()
            .find(|c| c["id"] == json!(id))
            .map(|c| c["credentialsHash"].as_str().unwrap().to_owned())
            .expect("connection exists")
    }
}

#[test]
fn list_shows_the_project_or_the_whole_organization() {
    let h = Harness::new();
    let [tc, ..] = h.seeded();
    let run = h.cli().args(["list"]).run();
    assert_eq!(run.code, 0, "{run:?}");
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{:?}", run.stdout);
    assert!(lines[0].starts_with("APP") && lines[0].contains("UPDATED"));
    // In one project, no SCOPE column; the time to the minute.
    assert!(!lines[0].contains("SCOPE"), "{lines:?}");
    let updated = lines[1].rsplit("  ").next().unwrap();
    assert_eq!(updated.len(), 16, "{updated:?}");
    assert_eq!(&updated[10..11], " ", "{updated:?}");
    assert!(lines[1].starts_with("teamcity") && lines[1].contains("build-server"));
    assert!(lines[1].contains(&h.sb.teamcity_url));
    assert!(lines[2].starts_with("northflank"));

    let run = h.cli().args(["list", "--app", "teamcity", "--json"]).run();
    assert_eq!(run.code, 0, "{run:?}");
    let list = run.json();
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["id"], json!(tc));
    assert_eq!(
        list[0]["credentials"],
        json!({"instanceUrl": h.sb.teamcity_url})
    );

    // Without a project: every connection of the organization.
    let run = h.cli().env_remove("KMS_PROJECT_ID").args(["list"]).run();
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stdout.lines().count(), 4, "{:?}", run.stdout);
    assert!(run.stdout.contains("organization"));
    assert!(
        run.stdout.lines().next().unwrap().contains("SCOPE"),
        "rows differ in scope here"
    );
    let last = h.requests().pop().unwrap();
    assert_eq!(last.path, "/api/v1/app-connections");
}

#[test]
fn list_json_escapes_terminal_controls_in_what_the_server_sent() {
    let h = Harness::new();
    // DEL, a C1 CSI, a right-to-left override and an isolate: serde_json writes all of them
    // raw, and a terminal would act on them.
    let hostile = "evil\u{7f}\u{9b}2J\u{202e}eman\u{2066}x";
    h.sb.seed(
        "northflank",
        hostile,
        Some(&h.sb.project_id),
        &[("apiToken", demo::NORTHFLANK_TOKEN)],
    )
    .unwrap();
    let run = h.cli().args(["list", "--json"]).run();
    assert_eq!(run.code, 0, "{run:?}");
    for c in ['\u{7f}', '\u{9b}', '\u{202e}', '\u{2066}'] {
        assert!(!run.stdout.contains(c), "{c:?} raw on stdout: {run:?}");
    }
    assert!(
        run.stdout.contains(r"evil\u007f\u009b2J\u202eeman\u2066x"),
        "{run:?}"
    );
    // Still the server's JSON: the name parses back exactly.
    assert_eq!(run.json()[0]["name"], json!(hostile));
}

#[test]
fn list_of_nothing_says_so_and_an_unknown_app_exits_2() {
    let h = Harness::new();
    let run = h.cli().args(["list"]).run();
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr.starts_with("No connections in project"),
        "{run:?}"
    );
    let run = h.cli().args(["list", "--app", "jenkins"]).run();
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("Unknown app"), "{run:?}");
}

#[test]
fn get_by_name_or_id_and_what_is_not_there() {
    let h = Harness::new();
    let [tc, ..] = h.seeded();
    let run = h.cli().args(["get", "teamcity", "build-server"]).run();
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.contains(&format!("ID               {tc}")),
        "{run:?}"
    );
    assert!(run.stdout.contains("credentialsHash"), "{run:?}");
    assert!(
        run.stdout
            .contains("Organization ID  6f03caa1-a5de-43ce-b127-95a145d3464c"),
        "{run:?}"
    );
    assert!(run.stdout.contains("Version          1\n"), "{run:?}");
    let by_name = h.requests().pop().unwrap();
    assert_eq!(
        by_name.path,
        format!(
            "/api/v1/app-connections/teamcity/connection-name/build-server?projectId={}",
            h.sb.project_id
        )
    );

    let run = h.cli().args(["get", "teamcity", &tc, "--json"]).run();
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.json()["name"], json!("build-server"));
    assert_eq!(
        h.requests().pop().unwrap().path,
        format!("/api/v1/app-connections/teamcity/{tc}")
    );

    let run = h.cli().args(["get", "teamcity", "no-such-thing"]).run();
    assert_eq!(run.code, 2, "{run:?}");
    assert_eq!(
        run.stderr_lines()[0],
        "Could not find App Connection with name no-such-thing in project scope."
    );
    let run = h.cli().args(["get", "northflank", &tc]).run();
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr.contains("is not for App \"northflank\""),
        "{run:?}"
    );
}

#[test]
fn rotate_tests_then_patches_the_complete_credentials() {
    let h = Harness::new();
    let [tc, ..] = h.seeded();
    let before = h.hash_of(&tc);
    let run = h
        .cli()
        .args(["rotate", "teamcity", "build-server"])
        .secret_env("NEW_TOKEN", demo::TEAMCITY_TOKEN)
        .run();
    assert_eq!(run.code, 0, "{run:?}");
    // First where the new secret is tested (the KMS's instance URL), then the checks.
    let lines = run.stderr_lines();
    assert!(
        lines[0].starts_with(&format!(
            "The new access token will be tested at {} ",
            h.sb.teamcity_url
        )),
        "{run:?}"
    );
    assert!(lines[1].starts_with("✓ TeamCity accepted"), "{run:?}");
    let after = h.hash_of(&tc);
    assert_ne!(before, after);
    assert!(
        run.stdout
            .contains(&format!("credentialsHash before {before}"))
    );
    assert!(run.stdout.contains(&format!("credentialsHash {after}")));
    let patches = h.kms_requests("PATCH");
    assert_eq!(patches.len(), 1);
    assert_eq!(
        patches[0].path,
        format!("/api/v1/app-connections/teamcity/{tc}")
    );
    assert_eq!(
        patches[0].body,
        Some(json!({"credentials": {
            "instanceUrl": h.sb.teamcity_url,
            "accessToken": demo::TEAMCITY_TOKEN,
        }}))
    );
}

#[test]
fn json_keeps_the_warnings_on_stderr_for_create_and_rotate() {
    let h = Harness::new();
    let run = h
        .cli()
        .args(["create", "northflank", "--json", "--name", "nf-expiring"])
        .secret_stdin(demo::EXPIRING_TOKEN)
        .run();
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stderr.contains("⚠"), "{}", run.stderr);
    let v = run.json();
    let id = v["id"].as_str().unwrap().to_owned();
    let run = h
        .cli()
        .args(["rotate", "northflank", &id, "--json"])
        .secret_stdin(demo::EXPIRING_TOKEN)
        .run();
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stderr.contains("⚠"), "{}", run.stderr);
    assert_eq!(run.json()["id"], json!(id), "stdout is still pure JSON");
}

#[test]
fn rotate_by_id_with_everything_given_needs_no_lookup() {
    let h = Harness::new();
    let [_, nf, _] = h.seeded();
    let run = h
        .cli()
        .args(["rotate", "northflank", &nf, "--skip-test", "--json"])
        .secret_stdin(demo::NORTHFLANK_TOKEN)
        .run();
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.json()["id"], json!(nf));
    let kms: Vec<_> = h
        .requests()
        .into_iter()
        .filter(|r| r.service == "kms")
        .collect();
    assert_eq!(kms.len(), 1, "only the PATCH: {kms:?}");
    assert_eq!(kms[0].method, "PATCH");
}

#[test]
fn rotate_with_a_rejected_token_exits_3_and_sends_nothing() {
    let h = Harness::new();
    h.seeded();
    let run = h
        .cli()
        .args(["rotate", "northflank", "northflank-services"])
        .secret_env("NEW_TOKEN", BAD_SECRET)
        .run();
    assert_eq!(run.code, 3, "{run:?}");
    assert!(run.stderr.starts_with("✗ Northflank rejected"), "{run:?}");
    assert!(h.kms_requests("PATCH").is_empty());

    // Skipping our test: the KMS server's own check refuses it, also exit 3.
    let run = h
        .cli()
        .args(["rotate", "northflank", "northflank-services", "--skip-test"])
        .secret_env("NEW_TOKEN", BAD_SECRET)
        .run();
    assert_eq!(run.code, 3, "{run:?}");
    assert_eq!(h.kms_requests("PATCH").len(), 1);
}

#[test]
fn rotate_refuses_a_bad_target_before_sending() {
    let h = Harness::new();
    h.seeded();
    let run = h
        .cli()
        .args([
            "rotate",
            "teamcity",
            "build-server",
            "--instance-url",
            "not a url",
        ])
        .secret_env("NEW_TOKEN", demo::TEAMCITY_TOKEN)
        .run();
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.starts_with("--instance-url:"), "{run:?}");
    assert!(h.requests().is_empty());
}

#[test]
fn update_renames_and_explains_a_taken_name() {
    let h = Harness::new();
    let [tc, ..] = h.seeded();
    let run = h
        .cli()
        .args(["update", "teamcity", "build-server", "--name", "ci-main"])
        .args(["--description", "main CI"])
        .run();
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stdout, "Updated TeamCity connection ci-main.\n");
    let patch = h.kms_requests("PATCH").pop().unwrap();
    assert_eq!(patch.path, format!("/api/v1/app-connections/teamcity/{tc}"));
    assert_eq!(
        patch.body,
        Some(json!({"name": "ci-main", "description": "main CI"}))
    );

    let run = h
        .cli()
        .args(["update", "teamcity", &tc, "--name", "northflank-services"])
        .run();
    assert_eq!(run.code, 2, "{run:?}");
    assert_eq!(
        run.stderr_lines()[0],
        "An App Connection with the name \"northflank-services\" already exists."
    );

    // An empty description clears it.
    let run = h
        .cli()
        .args(["update", "teamcity", &tc, "--description", "", "--json"])
        .run();
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.json()["description"], Value::Null);
}

#[test]
fn update_checks_its_input_before_sending() {
    let h = Harness::new();
    let run = h.cli().args(["update", "teamcity", "build-server"]).run();
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("Nothing to change"), "{run:?}");
    let run = h
        .cli()
        .args([
            "update",
            "teamcity",
            "build-server",
            "--name",
            "Build Server",
        ])
        .run();
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.starts_with("--name:"), "{run:?}");
    assert!(h.requests().is_empty());
}

#[test]
fn delete_needs_yes_without_a_terminal() {
    let h = Harness::new();
    let [tc, ..] = h.seeded();
    let run = h.cli().args(["delete", "teamcity", "build-server"]).run();
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("--yes"), "{run:?}");
    assert!(h.requests().is_empty());

    let run = h.cli().args(["delete", "teamcity", &tc, "--yes"]).run();
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.stdout,
        format!("Deleted TeamCity connection build-server ({tc}).\n")
    );
    let deletes = h.kms_requests("DELETE");
    assert_eq!(deletes.len(), 1);
    assert_eq!(
        deletes[0].path,
        format!("/api/v1/app-connections/teamcity/{tc}")
    );
    assert_eq!(h.sb.connections().len(), 2);
}

#[test]
fn delete_of_a_connection_in_use_is_explained() {
    let h = Harness::new();
    let [_, nf, _] = h.seeded();
    h.sb.mark_in_use(&nf);
    let run = h
        .cli()
        .args(["delete", "northflank", "northflank-services", "--yes"])
        .run();
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr_lines()[0].contains("still in use"), "{run:?}");
    assert!(run.stderr_lines()[1].contains("first"), "{run:?}");
    assert_eq!(h.sb.connections().len(), 3);
}

#[test]
fn browse_commands_with_a_rejected_token_exit_1() {
    let h = Harness::new();
    h.seeded();
    let run = h
        .cli()
        .env("KMS_TOKEN", "expired-token")
        .args(["list"])
        .run();
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("rejected or has expired"), "{run:?}");
}

#[test]
fn create_on_an_instance_host_the_kms_server_cannot_resolve_exits_3_pointing_at_the_url() {
    // The server looks the host up first ("Could not resolve hostname to any IP address").
    let h = Harness::new();
    let run = h
        .cli()
        .args(["create", "teamcity", "--skip-test", "--name", "ci"])
        .args(["--instance-url", "http://ci.does-not-exist.invalid"])
        .secret_stdin(demo::TEAMCITY_TOKEN)
        .run();
    assert_eq!(run.code, 3, "{run:?}");
    assert!(
        run.stderr
            .contains("could not resolve the instance URL's host name")
            && run.stderr.contains("--instance-url")
            && !run.stderr.contains("answered 400"),
        "{run:?}"
    );
}

#[test]
fn a_name_shaped_like_a_uuid_is_found_by_get_update_rotate_and_delete() {
    // The slug rule allows it; the server takes it for an ID, which 404s: try the name next.
    let h = Harness::new();
    let name = "0b1c2d3e-1111-4222-8333-444455556666";
    let run = h
        .cli()
        .args(["create", "teamcity", "--name", name])
        .args(h.target_args("teamcity"))
        .secret_stdin(demo::TEAMCITY_TOKEN)
        .run();
    assert_eq!(run.code, 0, "{run:?}");
    let run = h.cli().args(["get", "teamcity", name]).run();
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains(name), "{run:?}");
    let run = h
        .cli()
        .args(["update", "teamcity", name, "--description", "uuid-like"])
        .run();
    assert_eq!(run.code, 0, "{run:?}");
    let run = h
        .cli()
        .args(["rotate", "teamcity", name, "--skip-test"])
        .secret_stdin(demo::TEAMCITY_TOKEN)
        .run();
    assert_eq!(run.code, 0, "rotate finds it by name too: {run:?}");
    let run = h.cli().args(["delete", "teamcity", name, "--yes"]).run();
    assert_eq!(run.code, 0, "{run:?}");
    assert!(h.sb.connections().is_empty());
    // A UUID that is neither an ID nor a name is still "not found".
    let run = h.cli().args(["get", "teamcity", name]).run();
    assert_ne!(run.code, 0, "{run:?}");
}

#[test]
fn completions_and_the_man_page_come_from_the_clap_definition() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let run = Cli::bare().args(["completions", shell]).run();
        assert_eq!(run.code, 0, "{shell}: {run:?}");
        assert!(run.stdout.contains("kms-connect"), "{shell}");
        assert!(
            run.stdout.contains("rotate"),
            "{shell}: every subcommand is completed"
        );
    }
    let run = Cli::bare().args(["man"]).run();
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.starts_with(".ie") || run.stdout.contains(".TH"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("kms\\-connect"), "{}", run.stdout);
    // Each page the main page names can be printed, with that command's options.
    assert!(
        run.stdout.contains("kms\\-connect\\-sync(1)"),
        "{}",
        run.stdout
    );
    let run = Cli::bare().args(["man", "sync", "create"]).run();
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.contains(".TH kms-connect-sync-create 1"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("\\-\\-connection"), "{}", run.stdout);
    let run = Cli::bare().args(["man", "nope"]).run();
    assert_eq!(run.code, 2, "{run:?}");
}

/// What bash offers after `words` (the last one being completed), with the generated script.
fn bash_completes(script: &std::path::Path, words: &[&str]) -> String {
    let line = words
        .iter()
        .map(|w| format!("'{w}'"))
        .collect::<Vec<_>>()
        .join(" ");
    let code = format!(
        "source '{}'; COMP_WORDS=({line}); COMP_CWORD={}; _kms__connect kms-connect '{}' '{}'; echo \"${{COMPREPLY[*]}}\"",
        script.display(),
        words.len() - 1,
        words[words.len() - 1],
        words[words.len() - 2],
    );
    let out = Command::new("bash").args(["-c", &code]).output().unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn bash_completes_past_the_first_word() {
    // clap_complete's bash script for a hyphenated name completed only the first word.
    let run = Cli::bare().args(["completions", "bash"]).run();
    assert_eq!(run.code, 0, "{run:?}");
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("kms-connect.bash");
    std::fs::write(&script, &run.stdout).unwrap();
    let sync = bash_completes(&script, &["kms-connect", "sync", ""]);
    assert!(sync.contains("destinations"), "{sync}");
    let create = bash_completes(&script, &["kms-connect", "sync", "create", "--"]);
    assert!(create.contains("--connection"), "{create}");
    let test = bash_completes(&script, &["kms-connect", "test", "--"]);
    assert!(test.contains("--instance-url"), "{test}");
}

#[test]
fn the_demo_twins_default_the_instance_url_and_status_lists_the_values() {
    for (slug, secret) in [
        ("teamcity", demo::TEAMCITY_TOKEN),
        ("octopus-deploy", demo::OCTOPUS_API_KEY),
        ("bitbucket", demo::BITBUCKET_TOKEN),
    ] {
        let run = Cli::bare()
            .args(["--demo", "test", slug])
            .secret_stdin(secret)
            .run();
        assert_eq!(run.code, 0, "{slug}: {run:?}");
        let run = Cli::bare()
            .args(["--demo", "create", slug, "--name", "from-the-readme"])
            .secret_stdin(secret)
            .run();
        assert_eq!(run.code, 0, "{slug}: {run:?}");
    }
    let run = Cli::bare().args(["--demo", "status"]).run();
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.contains("teamcity        http://127.0.0.1:"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains(demo::TEAMCITY_TOKEN), "{}", run.stdout);
    assert!(
        run.stdout.contains(demo::NORTHFLANK_TOKEN),
        "{}",
        run.stdout
    );
}

#[test]
fn an_unknown_project_exits_2_naming_projects_and_a_slug_works_like_an_id() {
    let h = Harness::new();
    h.seeded();
    let run = h.cli().args(["list", "--project", "nope"]).run();
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("kms-connect projects"), "{run:?}");
    let run = h
        .cli()
        .args(["list", "--project", "00000000-0000-4000-8000-00000000dead"])
        .run();
    assert_eq!(run.code, 2, "an unknown ID too: {run:?}");
    let run = h.cli().env("KMS_PROJECT_ID", "nope").args(["status"]).run();
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("kms-connect projects"), "{run:?}");
    let by_slug = h
        .cli()
        .args(["list", "--project", "demo-project", "--json"])
        .run();
    assert_eq!(by_slug.code, 0, "{by_slug:?}");
    let by_id = h
        .cli()
        .args(["list", "--project", &h.sb.project_id, "--json"])
        .run();
    assert_eq!(by_slug.json(), by_id.json());
}

#[test]
fn a_plain_http_instance_url_is_warned_on_stderr() {
    let run = Cli::bare()
        .args(["test", "teamcity", "--instance-url", "http://ci.invalid"])
        .secret_stdin("tok-plain-http")
        .run();
    assert!(
        run.stderr.contains("⚠ http://ci.invalid is plain http://"),
        "{run:?}"
    );
}

#[test]
fn create_in_a_pipe_prints_no_progress_line() {
    // The seconds counting up are for a terminal only: a pipe or CI log gets just the result.
    let h = Harness::new();
    let run = h
        .cli()
        .args(["create", "northflank", "--name", "piped-nf"])
        .secret_stdin(demo::NORTHFLANK_TOKEN)
        .run();
    assert_eq!(run.code, 0, "{run:?}");
    assert!(!run.stderr.contains("Creating"), "{run:?}");
    assert!(!run.stderr.contains('\r'), "{run:?}");
}

#[test]
fn demo_status_says_where_a_given_project_came_from() {
    let run = Cli::bare()
        .args(["--demo", "--project", "demo-project", "status"])
        .run();
    assert_eq!(run.code, 0, "{run:?}");
    let line = run
        .stdout
        .lines()
        .find(|l| l.starts_with("Project"))
        .unwrap_or_default()
        .to_owned();
    assert!(
        line.contains("Demo project") && line.ends_with("[flag]"),
        "{line}"
    );
    let run = Cli::bare()
        .env("KMS_PROJECT_ID", "demo-project")
        .args(["--demo", "status"])
        .run();
    assert!(run.stdout.contains("[environment]"), "{run:?}");
}

#[test]
fn a_bad_profile_name_does_not_stop_apps_or_test() {
    // Neither calls the KMS: a profile that cannot be used is no reason to refuse.
    let run = Cli::bare().args(["--profile", "my prof", "apps"]).run();
    assert_eq!(run.code, 0, "{run:?}");
    let run = Cli::bare().args(["--profile", "my prof", "list"]).run();
    assert_eq!(run.code, 2, "a command that uses it says so: {run:?}");
}
