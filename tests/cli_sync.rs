//! `kms-connect sync …` against a sandbox started in the test: every subcommand, the exit
//! codes (0, 1, 2, 3, 4) and `--json`, and that hostile or secret text never reaches the output.

use std::process::{Command, Output};

use kms_connect::sandbox::{Sandbox, demo};
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_kms-connect");

struct Harness {
    sb: Sandbox,
    _rt: tokio::runtime::Runtime,
}

impl Harness {
    fn new() -> Harness {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let sb = rt.block_on(Sandbox::start()).unwrap();
        Harness { sb, _rt: rt }
    }

    fn run(&self, args: &[&str], secret: Option<&str>) -> Output {
        self.run_in(args, secret, true)
    }

    /// As `run`; without `project`, no project is given (organization level).
    fn run_in(&self, args: &[&str], secret: Option<&str>, project: bool) -> Output {
        let home = tempfile::tempdir().unwrap();
        let mut cmd = Command::new(BIN);
        cmd.args(args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", home.path())
            .env("XDG_CONFIG_HOME", home.path())
            .env("KMS_API_URL", &self.sb.kms_url)
            .env("KMS_TOKEN", &self.sb.token)
            .env("KMS_CONNECT_BITBUCKET_API_URL", &self.sb.bitbucket_api)
            .env("KMS_CONNECT_NORTHFLANK_API_URL", &self.sb.northflank_api);
        if project {
            cmd.env("KMS_PROJECT_ID", &self.sb.project_id);
        }
        if let Some(s) = secret {
            cmd.env("PROVIDER_SECRET", s);
        }
        let out = cmd.output().unwrap();
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!all.contains('\u{1b}'), "escape in output: {all}");
        assert!(!all.contains(&self.sb.token), "KMS token in output");
        if let Some(s) = secret {
            assert!(!all.contains(s), "secret in output: {all}");
        }
        out
    }

    /// A TeamCity connection named `ci-tc` (and a Northflank one, `ci-nf`).
    fn connections(&self) {
        let tc = self.run(
            &[
                "create",
                "teamcity",
                "--name",
                "ci-tc",
                "--instance-url",
                &self.sb.teamcity_url,
                "--secret-env",
                "PROVIDER_SECRET",
            ],
            Some(demo::TEAMCITY_TOKEN),
        );
        assert_eq!(tc.status.code(), Some(0), "{}", stderr(&tc));
        let nf = self.run(
            &[
                "create",
                "northflank",
                "--name",
                "ci-nf",
                "--secret-env",
                "PROVIDER_SECRET",
            ],
            Some(demo::NORTHFLANK_TOKEN),
        );
        assert_eq!(nf.status.code(), Some(0), "{}", stderr(&nf));
    }
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn create_wait_succeeds_then_list_get_run_delete() {
    let h = Harness::new();
    h.connections();
    let out = h.run(
        &[
            "sync",
            "create",
            "teamcity",
            "--connection",
            "ci-tc",
            "--name",
            "backend-prod",
            "--environment",
            "prod",
            "--dest",
            "project=Backend",
            "--initial",
            "overwrite-destination",
            "--key-schema",
            "KMS_{{secretKey}}",
            "--wait",
            "--json",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["syncStatus"], "succeeded");
    assert_eq!(v["destinationConfig"]["project"], "Backend");
    assert!(stderr(&out).contains("env.*"), "{}", stderr(&out));

    let list = h.run(&["sync", "list", "--json"], None);
    assert_eq!(list.status.code(), Some(0));
    let rows: Value = serde_json::from_str(&stdout(&list)).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 1);
    let text = h.run(&["sync", "list", "--connection", "ci-tc"], None);
    assert!(stdout(&text).contains("✓ succeeded"), "{}", stdout(&text));

    let get = h.run(&["sync", "get", "teamcity", "backend-prod", "--json"], None);
    assert_eq!(get.status.code(), Some(0));
    let id = serde_json::from_str::<Value>(&stdout(&get)).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let by_id = h.run(&["sync", "get", "teamcity", &id], None);
    assert!(stdout(&by_id).contains("backend-prod"));

    let again = h.run(&["sync", "run", "teamcity", "backend-prod", "--wait"], None);
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));

    let dup = h.run(
        &[
            "sync",
            "create",
            "teamcity",
            "--connection",
            "ci-tc",
            "--name",
            "backend-prod",
            "--environment",
            "prod",
            "--dest",
            "project=Backend",
            "--initial",
            "overwrite-destination",
        ],
        None,
    );
    assert_eq!(dup.status.code(), Some(2), "{}", stderr(&dup));
    assert!(stderr(&dup).contains("already exists"), "{}", stderr(&dup));

    let no = h.run(&["sync", "delete", "teamcity", "backend-prod"], None);
    assert_eq!(no.status.code(), Some(2));
    let del = h.run(
        &["sync", "delete", "teamcity", "backend-prod", "--yes"],
        None,
    );
    assert_eq!(del.status.code(), Some(0), "{}", stderr(&del));
    let gone = h.run(&["sync", "get", "teamcity", &id], None);
    assert_ne!(gone.status.code(), Some(0));
}

#[test]
fn a_failing_sync_exits_4_with_the_decoded_message() {
    let h = Harness::new();
    h.connections();
    let out = h.run(
        &[
            "sync",
            "create",
            "teamcity",
            "--connection",
            "ci-tc",
            "--name",
            "locked",
            "--environment",
            "dev",
            "--dest",
            "project=Backend",
            "--dest",
            &format!("buildConfig={}", demo::SYNC_FAIL_TEAMCITY_BUILD),
            "--initial",
            "import-prioritize-source",
            "--wait",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("403 (Forbidden)"), "{err}");
    assert!(err.contains("Points at Edit project"), "{err}");
    assert!(!err.contains("\\\""), "still JSON-escaped: {err}");
}

#[test]
fn bad_input_is_refused_before_sending_with_exit_2() {
    let h = Harness::new();
    for args in [
        vec![
            "sync",
            "create",
            "teamcity",
            "--connection",
            "x",
            "--name",
            "Bad Name",
            "--environment",
            "prod",
            "--dest",
            "project=B",
            "--initial",
            "overwrite-destination",
        ],
        vec![
            "sync",
            "create",
            "bitbucket",
            "--connection",
            "x",
            "--name",
            "ok",
            "--environment",
            "prod",
            "--dest",
            "workspace=acme",
        ],
        vec![
            "sync",
            "create",
            "octopus-deploy",
            "--connection",
            "x",
            "--name",
            "ok",
            "--environment",
            "prod",
            "--dest",
            "spaceId=Spaces-1",
            "--initial",
            "import-prioritize-source",
        ],
        vec![
            "sync",
            "create",
            "northflank",
            "--connection",
            "x",
            "--name",
            "ok",
            "--environment",
            "prod",
            "--dest",
            "projectId=web",
            "--dest",
            "secretGroupId=g",
        ],
        vec![
            "sync",
            "create",
            "teamcity",
            "--connection",
            "x",
            "--name",
            "ok",
            "--environment",
            "prod",
            "--dest",
            "project=B",
            "--initial",
            "overwrite-destination",
            "--key-schema",
            "NOPE",
        ],
    ] {
        let out = h.run(&args, None);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
    }
    assert!(
        h.sb.requests()
            .iter()
            .all(|r| !r.path.contains("secret-syncs"))
    );
}

#[test]
fn wrong_connection_and_unknown_folder_are_the_servers_400s() {
    let h = Harness::new();
    h.connections();
    let wrong = h.run(
        &[
            "sync",
            "create",
            "teamcity",
            "--connection",
            "ci-nf",
            "--name",
            "x",
            "--environment",
            "prod",
            "--dest",
            "project=Backend",
            "--initial",
            "overwrite-destination",
        ],
        None,
    );
    // The connection is looked up as a TeamCity one first: the name is not one.
    assert_ne!(wrong.status.code(), Some(0));
    let folder = h.run(
        &[
            "sync",
            "create",
            "teamcity",
            "--connection",
            "ci-tc",
            "--name",
            "x",
            "--environment",
            "qa",
            "--dest",
            "project=Backend",
            "--initial",
            "overwrite-destination",
        ],
        None,
    );
    assert_ne!(folder.status.code(), Some(0));
    assert!(
        stderr(&folder).contains("Could not find folder"),
        "{}",
        stderr(&folder)
    );
}

#[test]
fn destinations_lists_every_page_as_json() {
    let h = Harness::new();
    let out = h.run(
        &[
            "sync",
            "destinations",
            "bitbucket",
            "--email",
            demo::BITBUCKET_EMAIL,
            "--secret-env",
            "PROVIDER_SECRET",
            "--json",
        ],
        Some(demo::BITBUCKET_TOKEN),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let tree: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let repos = tree["roots"][0]["children"].as_array().unwrap();
    assert_eq!(repos.len(), 121);
    // Each repository's deployment environments, for --dest environmentId.
    let envs = repos[0]["children"].as_array().unwrap();
    assert!(!envs.is_empty(), "{}", repos[0]);
    assert!(
        envs.iter()
            .all(|e| e["kind"] == "environmentId" && e["id"].as_str().unwrap().starts_with('{'))
    );
    let text = h.run(
        &[
            "sync",
            "destinations",
            "bitbucket",
            "--email",
            demo::BITBUCKET_EMAIL,
            "--secret-env",
            "PROVIDER_SECRET",
        ],
        Some(demo::BITBUCKET_TOKEN),
    );
    assert_eq!(text.status.code(), Some(0), "{}", stderr(&text));
    let first_env = envs[0]["id"].as_str().unwrap();
    assert!(
        stdout(&text).contains(&format!(
            "    {}  [environmentId {first_env}]",
            envs[0]["name"].as_str().unwrap()
        )),
        "{}",
        stdout(&text)
    );
    let nf = h.run(
        &[
            "sync",
            "destinations",
            "northflank",
            "--secret-env",
            "PROVIDER_SECRET",
        ],
        Some(demo::NORTHFLANK_TOKEN),
    );
    assert_eq!(nf.status.code(), Some(0), "{}", stderr(&nf));
    assert!(stdout(&nf).contains("Group 130"), "{}", stdout(&nf));
    assert!(stdout(&nf).contains("Service 104"));
    let bad = h.run(
        &[
            "sync",
            "destinations",
            "northflank",
            "--secret-env",
            "PROVIDER_SECRET",
        ],
        Some("wrong-token-123"),
    );
    assert_eq!(bad.status.code(), Some(3));
    let no_secret = h.run(&["sync", "destinations", "northflank"], None);
    assert_eq!(no_secret.status.code(), Some(2));
}

#[test]
fn check_names_the_missing_permission_and_creates_nothing() {
    let h = Harness::new();
    h.connections();
    let out = h.run(
        &[
            "sync",
            "create",
            "northflank",
            "--connection",
            "ci-nf",
            "--name",
            "nf",
            "--environment",
            "prod",
            "--dest",
            "projectId=web",
            "--dest",
            "secretGroupId=app-env",
            "--initial",
            "overwrite-destination",
            "--check",
            "--secret-env",
            "PROVIDER_SECRET",
        ],
        Some(demo::NORTHFLANK_TOKEN_NO_UPDATE),
    );
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("Secret Groups › Update"),
        "{}",
        stderr(&out)
    );
    let ok = h.run(
        &[
            "sync",
            "create",
            "northflank",
            "--connection",
            "ci-nf",
            "--name",
            "nf",
            "--environment",
            "prod",
            "--dest",
            "projectId=web",
            "--dest",
            "secretGroupId=app-env",
            "--initial",
            "overwrite-destination",
            "--key-schema",
            "API_{{secretKey}}",
            "--check",
            "--secret-env",
            "PROVIDER_SECRET",
            "--json",
        ],
        Some(demo::NORTHFLANK_TOKEN),
    );
    assert_eq!(ok.status.code(), Some(0), "{}", stderr(&ok));
    assert!(
        stderr(&ok).contains("may delete 1 existing variable"),
        "{}",
        stderr(&ok)
    );
}

#[test]
fn wait_times_out_with_exit_1_and_list_keeps_one_app() {
    let h = Harness::new();
    h.connections();
    let out = h.run(
        &[
            "sync",
            "create",
            "teamcity",
            "--connection",
            "ci-tc",
            "--name",
            "slow",
            "--environment",
            "prod",
            "--dest",
            "project=Backend",
            "--initial",
            "overwrite-destination",
            "--wait",
            "--wait-timeout",
            "0",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("still"), "{}", stderr(&out));
    // `sync run --wait` the same.
    let run = h.run(
        &[
            "sync",
            "run",
            "teamcity",
            "slow",
            "--wait",
            "--wait-timeout",
            "0",
        ],
        None,
    );
    assert_eq!(run.status.code(), Some(1), "{}", stderr(&run));
    assert!(stderr(&run).contains("still"), "{}", stderr(&run));
    // `sync list --app` keeps that app's syncs; an unknown app is invalid input.
    let tc = h.run(&["sync", "list", "--app", "teamcity", "--json"], None);
    let rows: Value = serde_json::from_str(&stdout(&tc)).unwrap();
    assert_eq!(rows.as_array().map(Vec::len), Some(1), "{rows}");
    let nf = h.run(&["sync", "list", "--app", "northflank", "--json"], None);
    let rows: Value = serde_json::from_str(&stdout(&nf)).unwrap();
    assert_eq!(rows.as_array().map(Vec::len), Some(0), "{rows}");
    let bad = h.run(&["sync", "list", "--app", "gitlab"], None);
    assert_eq!(bad.status.code(), Some(2), "{}", stderr(&bad));
    assert!(
        stderr(&bad).contains("Unknown destination"),
        "{}",
        stderr(&bad)
    );
}

/// A sync named with an escape sequence (it reaches the output only cleaned: `run` checks).
fn create_nf_sync(h: &Harness, name: &str) -> Output {
    h.run(
        &[
            "sync",
            "create",
            "northflank",
            "--connection",
            "ci-nf",
            "--name",
            name,
            "--environment",
            "prod",
            "--dest",
            "projectId=web",
            "--dest",
            "secretGroupId=runtime",
            "--initial",
            "overwrite-destination",
            "--json",
        ],
        None,
    )
}

#[test]
fn list_without_a_project_covers_every_visible_project() {
    let h = Harness::new();
    h.connections();
    let made = create_nf_sync(&h, "web-runtime");
    assert_eq!(made.status.code(), Some(0), "{}", stderr(&made));
    let json = h.run_in(&["sync", "list", "--json"], None, false);
    assert_eq!(json.status.code(), Some(0), "{}", stderr(&json));
    let rows: Value = serde_json::from_str(&stdout(&json)).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 1, "{rows}");
    assert_eq!(rows[0]["projectId"], h.sb.project_id.as_str());
    // In text, each row names its project.
    let text = h.run_in(&["sync", "list"], None, false);
    assert_eq!(text.status.code(), Some(0), "{}", stderr(&text));
    let out = stdout(&text);
    assert!(out.contains("web-runtime"), "{out}");
    // A header row, then each row starting with its project.
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines[0].starts_with("PROJECT "), "{out}");
    for word in ["APP", "NAME", "DESTINATION", "SOURCE", "STATUS"] {
        assert!(lines[0].contains(word), "{out}");
    }
    let project_name = "Demo project";
    assert!(lines[1].starts_with(project_name), "{out}");
    // In a project: the same header without PROJECT.
    let one = h.run(&["sync", "list"], None);
    let out = stdout(&one);
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines[0].starts_with("APP "), "{out}");
    assert!(lines[1].contains("web-runtime"), "{out}");
}

#[test]
fn deleting_a_connection_in_use_names_its_syncs_and_sends_nothing() {
    let h = Harness::new();
    h.connections();
    let made = create_nf_sync(&h, "web-runtime");
    assert_eq!(made.status.code(), Some(0), "{}", stderr(&made));
    let del = h.run(&["delete", "northflank", "ci-nf", "--yes"], None);
    assert_eq!(del.status.code(), Some(1), "{}", stderr(&del));
    let err = stderr(&del);
    assert!(err.contains("is used by 1 Secret Sync(s)"), "{err}");
    assert!(
        err.contains("web-runtime (northflank web / runtime"),
        "{err}"
    );
    assert!(
        err.contains("kms-connect sync delete northflank web-runtime --yes"),
        "{err}"
    );
    // Nothing was sent: the connection is still there.
    let still = h.run(&["get", "northflank", "ci-nf", "--json"], None);
    assert_eq!(still.status.code(), Some(0), "{}", stderr(&still));
    // By ID, with the project given as its slug: the same check, the slug resolved first.
    let v: Value = serde_json::from_str(&stdout(&still)).unwrap();
    let id = v["id"].as_str().unwrap();
    let by_id = h.run(
        &[
            "delete",
            "northflank",
            id,
            "--yes",
            "--project",
            "demo-project",
        ],
        None,
    );
    assert_eq!(by_id.status.code(), Some(1), "{}", stderr(&by_id));
    assert!(stderr(&by_id).contains("web-runtime"), "{}", stderr(&by_id));
    // Once the sync is gone, the delete goes through.
    let gone = h.run(
        &["sync", "delete", "northflank", "web-runtime", "--yes"],
        None,
    );
    assert_eq!(gone.status.code(), Some(0), "{}", stderr(&gone));
    let del = h.run(&["delete", "northflank", "ci-nf", "--yes"], None);
    assert_eq!(del.status.code(), Some(0), "{}", stderr(&del));
}

/// The README's `--demo` sync lines, backslash continuations joined.
fn readme_demo_lines() -> Vec<String> {
    let readme = include_str!("../README.md");
    let joined = readme.replace("\\\n", " ");
    joined
        .lines()
        .filter(|l| l.contains("kms-connect --demo sync "))
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_readmes_demo_sync_examples_run_as_pasted() {
    let lines = readme_demo_lines();
    for app in ["teamcity", "octopus-deploy", "bitbucket"] {
        for cmd in ["destinations", "create"] {
            assert!(
                lines
                    .iter()
                    .any(|l| l.contains(&format!("sync {cmd} {app} "))),
                "no README demo line for sync {cmd} {app}"
            );
        }
    }
    let bin_dir = std::path::Path::new(BIN).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    for line in lines {
        let home = tempfile::tempdir().unwrap();
        let out = Command::new("sh")
            .args(["-c", &line])
            .env_clear()
            .env("PATH", &path)
            .env("HOME", home.path())
            .env("XDG_CONFIG_HOME", home.path())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{line}\n{}", stderr(&out));
    }
}

#[test]
fn create_check_looks_up_the_connection_before_the_provider() {
    let h = Harness::new();
    let out = h.run(
        &[
            "sync",
            "create",
            "teamcity",
            "--connection",
            "nope",
            "--name",
            "x",
            "--environment",
            "prod",
            "--dest",
            "project=Backend",
            "--initial",
            "overwrite-destination",
            "--check",
            "--instance-url",
            &h.sb.teamcity_url,
            "--secret-env",
            "PROVIDER_SECRET",
        ],
        Some(demo::TEAMCITY_TOKEN),
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("nope"), "{}", stderr(&out));
    // No destination check ran: its lines start with a mark.
    assert!(
        !stderr(&out).contains("✓") && !stderr(&out).contains("✗ Reads"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_sync_that_does_not_exist_is_exit_2_with_where_to_look() {
    let h = Harness::new();
    for args in [
        &["sync", "get", "bitbucket", "nope"][..],
        &["sync", "delete", "teamcity", "nope", "--yes"][..],
        &["sync", "run", "teamcity", "nope"][..],
    ] {
        let out = h.run(args, None);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        let err = stderr(&out);
        let lines: Vec<&str> = err.lines().collect();
        assert!(lines[0].starts_with("Could not find "), "{err}");
        assert!(!err.contains("answered 404"), "{err}");
        assert!(lines[1].contains("kms-connect sync list"), "{err}");
    }
}

#[test]
fn a_wrong_environment_or_path_is_exit_2_with_a_hint() {
    let h = Harness::new();
    h.connections();
    for (env, path) in [("nope", "/"), ("prod", "/no/such/folder")] {
        let out = h.run(
            &[
                "sync",
                "create",
                "teamcity",
                "--connection",
                "ci-tc",
                "--name",
                "x",
                "--environment",
                env,
                "--path",
                path,
                "--dest",
                "project=Backend",
                "--initial",
                "overwrite-destination",
            ],
            None,
        );
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(
            stderr(&out).contains("--environment and --path"),
            "{}",
            stderr(&out)
        );
    }
}

#[test]
fn octopus_import_is_refused_in_plain_words_before_sending() {
    let h = Harness::new();
    let out = h.run(
        &[
            "sync",
            "create",
            "octopus-deploy",
            "--connection",
            "any",
            "--name",
            "x",
            "--environment",
            "prod",
            "--dest",
            "spaceId=Spaces-1",
            "--dest",
            "projectId=Projects-1",
            "--initial",
            "import-prioritize-source",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out).trim(),
        "Octopus Deploy cannot import: use overwrite-destination."
    );
    assert!(h.sb.requests().iter().all(|r| r.service != "kms"));
}

#[test]
fn sync_delete_without_yes_and_without_a_terminal_sends_nothing() {
    let h = Harness::new();
    let out = h.run(&["sync", "delete", "teamcity", "anything"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("add --yes"), "{}", stderr(&out));
}

#[test]
fn create_sends_keep_auto_sync_and_description_then_run_and_remove_secrets() {
    let h = Harness::new();
    h.connections();
    let made = h.run(
        &[
            "sync",
            "create",
            "northflank",
            "--connection",
            "ci-nf",
            "--name",
            "kept",
            "--description",
            "Runtime variables for web",
            "--environment",
            "prod",
            "--dest",
            "projectId=web",
            "--dest",
            "secretGroupId=runtime",
            "--initial",
            "overwrite-destination",
            "--keep-destination-secrets",
            "--no-auto-sync",
            "--json",
        ],
        None,
    );
    assert_eq!(made.status.code(), Some(0), "{}", stderr(&made));
    let v: Value = serde_json::from_str(&stdout(&made)).unwrap();
    assert_eq!(v["syncOptions"]["disableSecretDeletion"], true, "{v}");
    assert_eq!(v["isAutoSyncEnabled"], false, "{v}");
    assert_eq!(v["description"], "Runtime variables for web", "{v}");
    // Auto-sync off: nothing was queued.
    assert_eq!(v["syncStatus"], Value::Null, "{v}");
    assert!(
        stderr(&made).contains("Nothing is deleted at the destination"),
        "{}",
        stderr(&made)
    );

    // `sync run` without --wait queues and returns at once.
    let run = h.run(&["sync", "run", "northflank", "kept"], None);
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    assert!(stderr(&run).contains("Queued kept."), "{}", stderr(&run));
    let got = h.run(&["sync", "get", "northflank", "kept", "--json"], None);
    let g: Value = serde_json::from_str(&stdout(&got)).unwrap();
    assert!(
        ["pending", "running", "succeeded"].contains(&g["syncStatus"].as_str().unwrap_or("")),
        "{g}"
    );

    let del = h.run(
        &[
            "sync",
            "delete",
            "northflank",
            "kept",
            "--yes",
            "--remove-secrets",
        ],
        None,
    );
    assert_eq!(del.status.code(), Some(0), "{}", stderr(&del));
    assert!(
        stderr(&del).contains("Removing the synced secrets, then deleting kept."),
        "{}",
        stderr(&del)
    );
}

#[test]
fn run_wait_on_a_failing_sync_exits_4_and_get_json_decodes_in_camel_case() {
    let h = Harness::new();
    h.connections();
    let locked = format!("buildConfig={}", demo::SYNC_FAIL_TEAMCITY_BUILD);
    let made = h.run(
        &[
            "sync",
            "create",
            "teamcity",
            "--connection",
            "ci-tc",
            "--name",
            "locked",
            "--environment",
            "dev",
            "--dest",
            "project=Backend",
            "--dest",
            &locked,
            "--initial",
            "overwrite-destination",
            "--wait",
        ],
        None,
    );
    assert_eq!(made.status.code(), Some(4), "{}", stderr(&made));
    let run = h.run(&["sync", "run", "teamcity", "locked", "--wait"], None);
    assert_eq!(run.status.code(), Some(4), "{}", stderr(&run));
    assert!(
        stderr(&run).contains("✗ Sync locked failed."),
        "{}",
        stderr(&run)
    );
    assert!(
        stderr(&run).contains("Points at Edit project"),
        "{}",
        stderr(&run)
    );
    assert!(
        !stdout(&run).contains("last message"),
        "the failure is told once, on stderr: {}",
        stdout(&run)
    );
    let text = h.run(&["sync", "get", "teamcity", "locked"], None);
    assert!(
        stdout(&text).contains("points at    Edit project"),
        "the text output names it too: {}",
        stdout(&text)
    );
    let got = h.run(&["sync", "get", "teamcity", "locked", "--json"], None);
    assert_eq!(got.status.code(), Some(0), "{}", stderr(&got));
    let v: Value = serde_json::from_str(&stdout(&got)).unwrap();
    let d = &v["lastSyncMessageDecoded"];
    assert_eq!(d["secretKey"], "API_URL", "{d}");
    assert_eq!(d["pointsAt"]["what"], "Edit project", "{d}");
    assert!(
        d.get("points_at").is_none() && d.get("secret_key").is_none(),
        "{d}"
    );
}

#[test]
fn sync_destinations_reads_the_credential_from_stdin() {
    use std::io::Write;
    let h = Harness::new();
    let home = tempfile::tempdir().unwrap();
    let mut child = Command::new(BIN)
        .args(["sync", "destinations", "northflank", "--secret-stdin"])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path())
        .env("KMS_API_URL", &h.sb.kms_url)
        .env("KMS_TOKEN", &h.sb.token)
        .env("KMS_PROJECT_ID", &h.sb.project_id)
        .env("KMS_CONNECT_NORTHFLANK_API_URL", &h.sb.northflank_api)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(demo::NORTHFLANK_TOKEN.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let all = format!("{}{}", stdout(&out), stderr(&out));
    assert!(all.contains("Group 130"), "{all}");
    assert!(!all.contains(demo::NORTHFLANK_TOKEN), "secret in output");
}

#[test]
fn no_auto_sync_with_wait_is_refused_with_exit_2() {
    let h = Harness::new();
    h.connections();
    let out = h.run(
        &[
            "sync",
            "create",
            "northflank",
            "--connection",
            "ci-nf",
            "--name",
            "never",
            "--environment",
            "prod",
            "--dest",
            "projectId=web",
            "--dest",
            "secretGroupId=runtime",
            "--initial",
            "overwrite-destination",
            "--no-auto-sync",
            "--wait",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("none is queued"), "{}", stderr(&out));
    let list = h.run(&["sync", "list", "--json"], None);
    let rows: Value = serde_json::from_str(&stdout(&list)).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 0, "{rows}");
}

#[test]
fn a_project_slug_works_everywhere_and_an_unknown_project_is_exit_2() {
    let h = Harness::new();
    h.connections();
    let slug = "demo-project";
    let made = h.run(
        &[
            "sync",
            "create",
            "northflank",
            "--project",
            slug,
            "--connection",
            "ci-nf",
            "--name",
            "by-slug",
            "--environment",
            "prod",
            "--dest",
            "projectId=web",
            "--dest",
            "secretGroupId=runtime",
            "--initial",
            "overwrite-destination",
            "--json",
        ],
        None,
    );
    assert_eq!(made.status.code(), Some(0), "{}", stderr(&made));
    let v: Value = serde_json::from_str(&stdout(&made)).unwrap();
    assert_eq!(v["projectId"], h.sb.project_id.as_str(), "{v}");
    let got = h.run(
        &["sync", "get", "northflank", "by-slug", "--project", slug],
        None,
    );
    assert_eq!(got.status.code(), Some(0), "{}", stderr(&got));
    let list = h.run(&["sync", "list", "--project", slug, "--json"], None);
    assert_eq!(list.status.code(), Some(0), "{}", stderr(&list));
    let rows: Value = serde_json::from_str(&stdout(&list)).unwrap();
    assert_eq!(rows.as_array().map(Vec::len), Some(1), "{rows}");

    for unknown in ["nope", "0b1e0e4e-0000-4000-8000-000000000000"] {
        let out = h.run(&["sync", "list", "--project", unknown], None);
        assert_eq!(out.status.code(), Some(2), "{unknown}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("kms-connect projects"),
            "{}",
            stderr(&out)
        );
    }
    let out = h.run(
        &["sync", "get", "northflank", "by-slug", "--project", "nope"],
        None,
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("kms-connect projects"),
        "{}",
        stderr(&out)
    );
    // A sync given by ID is found anywhere: the project is not looked up for it.
    let id = v["id"].as_str().unwrap();
    let out = h.run(
        &["sync", "get", "northflank", id, "--project", "nope"],
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn output_to_a_reader_that_went_away_ends_quietly() {
    // `| head`: the reader closes its end; the command ends as SIGPIPE would end it (141),
    // never with a "stopped on a bug" line or an error about writing.
    use std::io::Write;
    for args in [
        &[
            "--demo",
            "sync",
            "destinations",
            "northflank",
            "--secret-stdin",
        ][..],
        &["man"][..],
        &["completions", "bash"][..],
    ] {
        let home = tempfile::tempdir().unwrap();
        // The reader is gone before the command starts, so even output that would fit in
        // the pipe's buffer meets a closed pipe.
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let mut child = Command::new(BIN)
            .args(args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", home.path())
            .env("XDG_CONFIG_HOME", home.path())
            .stdin(std::process::Stdio::piped())
            .stdout(writer)
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let _ = stdin.write_all(demo::NORTHFLANK_TOKEN.as_bytes());
        drop(stdin);
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(141), "{args:?}: {}", stderr(&out));
        assert_eq!(stderr(&out), "", "{args:?}");
    }
}

#[test]
fn missing_destination_keys_say_how_to_give_them() {
    let h = Harness::new();
    let out = h.run(
        &[
            "sync",
            "create",
            "octopus-deploy",
            "--connection",
            "any",
            "--name",
            "x",
            "--environment",
            "dev",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("destinationConfig.spaceId: Required"), "{err}");
    assert!(
        err.contains("Give --dest spaceId=… --dest projectId=…"),
        "{err}"
    );
    assert!(
        h.sb.requests().iter().all(|r| r.service != "kms"),
        "nothing sent"
    );
}
