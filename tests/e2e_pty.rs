//! End to end: the real binary in a pseudo-terminal, driven by keys, read through a vt100
//! screen, talking to a sandbox started by the test. Waits are for conditions, never fixed.

use std::io::{Read, Write};
use std::num::NonZeroU16;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kms_connect::sandbox::{Sandbox, demo};
use nix::sys::termios::LocalFlags;
use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};
use serde_json::json;

const WAIT: Duration = Duration::from_secs(20);

struct Term {
    child: Box<dyn Child + Send + Sync>,
    master: Box<dyn MasterPty + Send>,
    writer: Box<dyn Write + Send>,
    parser: Arc<Mutex<vt100::Parser>>,
    /// Set by the reader thread when the pty has no more to read (every writer has exited).
    drained: Arc<std::sync::atomic::AtomicBool>,
    /// The config directory of this run (never the user's own).
    config: tempfile::TempDir,
}

impl Term {
    fn spawn(
        sandbox: &Sandbox,
        args: &[&str],
        extra_env: &[(&str, &str)],
        cols: u16,
        rows: u16,
    ) -> Term {
        let pty = native_pty_system()
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("open a pty");
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_kms-connect"));
        cmd.args(args);
        cmd.env_clear();
        cmd.env("PATH", std::env::var("PATH").unwrap_or_default());
        cmd.env("TERM", "xterm-256color");
        cmd.env("KMS_API_URL", &sandbox.kms_url);
        cmd.env("KMS_TOKEN", &sandbox.token);
        cmd.env("KMS_PROJECT_ID", &sandbox.project_id);
        cmd.env("KMS_CONNECT_BITBUCKET_API_URL", &sandbox.bitbucket_api);
        cmd.env("KMS_CONNECT_NORTHFLANK_API_URL", &sandbox.northflank_api);
        let config = tempfile::tempdir().expect("config dir");
        cmd.env("KMS_CONNECT_CONFIG_DIR", config.path());
        for (k, v) in extra_env {
            cmd.env(k, v);
        }
        let child = pty.slave.spawn_command(cmd).expect("spawn kms-connect");
        drop(pty.slave);
        let parser = Arc::new(Mutex::new(vt100::Parser::new(
            NonZeroU16::new(rows).unwrap(),
            NonZeroU16::new(cols).unwrap(),
            0,
        )));
        // Drain the pty all the time: a child blocked on a full pty never sees our keys.
        let mut reader = pty.master.try_clone_reader().expect("reader");
        let sink = parser.clone();
        let drained = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let reader_done = drained.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().process(&buf[..n]);
            }
            reader_done.store(true, std::sync::atomic::Ordering::SeqCst);
        });
        let writer = pty.master.take_writer().expect("writer");
        Term {
            child,
            master: pty.master,
            writer,
            parser,
            drained,
            config,
        }
    }

    fn send(&mut self, bytes: &str) {
        self.writer.write_all(bytes.as_bytes()).unwrap();
        self.writer.flush().unwrap();
        // Give the app a moment to read one key before the next, like a person typing.
        std::thread::sleep(Duration::from_millis(15));
    }

    fn paste(&mut self, text: &str) {
        self.send(&format!("\x1b[200~{text}\x1b[201~"));
    }

    fn screen(&self) -> String {
        self.parser.lock().unwrap().screen().contents()
    }

    fn wait_for(&self, needle: &str) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if s.contains(needle) {
                return s;
            }
            assert!(
                start.elapsed() < WAIT,
                "timed out waiting for {needle:?}; screen:\n{s}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn wait_exit(&mut self) -> u32 {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                // What the app wrote last (the summary, a refusal) may still be in the pty:
                // read on until the reader has taken it all.
                let exited = Instant::now();
                while !self.drained.load(std::sync::atomic::Ordering::SeqCst)
                    && exited.elapsed() < Duration::from_secs(5)
                {
                    std::thread::sleep(Duration::from_millis(10));
                }
                return status.exit_code();
            }
            assert!(
                start.elapsed() < WAIT,
                "the app did not exit; screen:\n{}",
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits until the reader thread has seen everything the child wrote.
    fn settled(&self) -> std::sync::MutexGuard<'_, vt100::Parser> {
        std::thread::sleep(Duration::from_millis(150));
        self.parser.lock().unwrap()
    }

    /// The screen modes and the line discipline are as they were before the app started:
    /// main screen, no bracketed paste, a visible cursor, and echo and line editing back on
    /// (raw mode turns both off).
    fn assert_restored(&self, after: &str) {
        {
            let p = self.settled();
            let screen = p.screen();
            assert!(
                !screen.alternate_screen(),
                "{after}: still on the alternate screen"
            );
            assert!(
                !screen.bracketed_paste(),
                "{after}: bracketed paste left on"
            );
            assert!(!screen.hide_cursor(), "{after}: cursor left hidden");
        }
        let modes = self.master.get_termios().expect("read the pty's modes");
        let local = modes.local_flags;
        assert!(local.contains(LocalFlags::ECHO), "{after}: echo left off");
        assert!(
            local.contains(LocalFlags::ICANON),
            "{after}: line editing left off"
        );
    }

    fn signal(&self, name: &str) {
        let pid = self.child.process_id().expect("pid").to_string();
        let ok = std::process::Command::new("kill")
            .args([&format!("-{name}"), &pid])
            .status()
            .unwrap();
        assert!(ok.success());
    }
}

impl Drop for Term {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

fn runtime_and_sandbox() -> (tokio::runtime::Runtime, Sandbox) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let sandbox = rt.block_on(Sandbox::start()).expect("sandbox");
    (rt, sandbox)
}

const DOWN: &str = "\x1b[B";
const ENTER: &str = "\r";
const TAB: &str = "\t";
const ESC: &str = "\x1b";
const RIGHT: &str = "\x1b[C";

/// Types the form for the app at `index`, from step 1 to the Done screen.
fn create_through_the_keys(
    t: &mut Term,
    index: usize,
    name: &str,
    target: Option<&str>,
    secret: &str,
) {
    t.wait_for("Step 1/5");
    for _ in 0..index {
        t.send(DOWN);
    }
    t.send(ENTER);
    t.wait_for("Step 2/5");
    t.send(ENTER);
    t.wait_for("Step 3/5");
    t.send(name);
    t.send(TAB);
    t.send("made by the e2e test");
    t.send(TAB);
    if let Some(target) = target {
        t.send(target);
        t.send(TAB);
    }
    t.paste(secret);
    let screen = t.wait_for("•");
    assert!(
        !screen.contains(secret),
        "the secret is on screen:\n{screen}"
    );
    t.send(ENTER);
    t.wait_for("accepted the credential");
    t.send(ENTER);
    t.wait_for("Step 5/5");
    t.send(ENTER);
    let done = t.wait_for("connection created");
    assert!(done.contains(name), "{done}");
    assert!(!done.contains(secret));
}

/// On the identity screen: types the sandbox's client ID and secret, ticks "remember" if
/// asked, and signs in.
fn sign_in_with_the_keys(t: &mut Term, sandbox: &Sandbox, remember: bool) {
    sign_in_as(t, sandbox, &sandbox.client_id, remember);
}

/// As [`sign_in_with_the_keys`], with another of the sandbox's identities.
fn sign_in_as(t: &mut Term, sandbox: &Sandbox, client_id: &str, remember: bool) {
    t.wait_for("answers as a KMS");
    t.send(client_id);
    t.send(TAB);
    t.paste(&sandbox.client_secret);
    t.send(TAB);
    if remember {
        t.send(" ");
        t.wait_for("[x] remember");
    }
    let s = t.screen();
    assert!(!s.contains(&sandbox.client_secret), "{s}");
    t.send(ENTER);
}

/// Nothing configured: no server, identity or project in the environment.
const NOTHING: [(&str, &str); 3] = [
    ("KMS_API_URL", ""),
    ("KMS_TOKEN", ""),
    ("KMS_PROJECT_ID", ""),
];

/// A first run: the sign-in opens on the server list, and the sandbox is typed in as
/// "Another server" (after the four listed ones).
fn first_run_to_the_sandbox(sandbox: &Sandbox) -> Term {
    let mut t = Term::spawn(sandbox, &[], &NOTHING, 80, 24);
    t.wait_for("Which KMS server");
    for _ in 0..4 {
        t.send(DOWN);
    }
    t.send(&sandbox.kms_url);
    t.send(ENTER);
    t
}

/// How many universal-auth logins the sandbox has seen.
fn logins(sandbox: &Sandbox) -> usize {
    sandbox
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/universal-auth/login"))
        .count()
}

fn posts(sandbox: &Sandbox) -> Vec<(String, serde_json::Value)> {
    sandbox
        .requests()
        .into_iter()
        .filter(|r| {
            r.service == "kms"
                && r.method == "POST"
                && r.path.starts_with("/api/v1/app-connections/")
        })
        .map(|r| (r.path, r.body.unwrap_or_default()))
        .collect()
}

#[test]
fn creates_one_connection_per_app_through_the_keys() {
    let (_rt, sandbox) = runtime_and_sandbox();
    let mut t = Term::spawn(&sandbox, &[], &[], 80, 24);
    let project = sandbox.project_id.clone();
    let tc_url = format!("{}/", sandbox.teamcity_url);
    let apps: [(&str, Option<&str>, &str, serde_json::Value); 4] = [
        (
            "e2e-teamcity",
            Some(&tc_url),
            demo::TEAMCITY_TOKEN,
            json!({"instanceUrl": sandbox.teamcity_url, "accessToken": demo::TEAMCITY_TOKEN}),
        ),
        (
            "e2e-octopus",
            Some(&sandbox.octopus_url),
            demo::OCTOPUS_API_KEY,
            json!({"instanceUrl": sandbox.octopus_url, "apiKey": demo::OCTOPUS_API_KEY}),
        ),
        (
            "e2e-bitbucket",
            Some(demo::BITBUCKET_EMAIL),
            demo::BITBUCKET_TOKEN,
            json!({"email": demo::BITBUCKET_EMAIL, "apiToken": demo::BITBUCKET_TOKEN}),
        ),
        (
            "e2e-northflank",
            None,
            demo::NORTHFLANK_TOKEN,
            json!({"apiToken": demo::NORTHFLANK_TOKEN}),
        ),
    ];
    let slugs = ["teamcity", "octopus-deploy", "bitbucket", "northflank"];
    let methods = ["access-token", "api-key", "api-token", "api-token"];
    for (i, (name, target, secret, creds)) in apps.iter().enumerate() {
        create_through_the_keys(&mut t, i, name, *target, secret);
        let (path, body) = posts(&sandbox).pop().expect("a POST reached the sandbox");
        assert_eq!(path, format!("/api/v1/app-connections/{}", slugs[i]));
        assert_eq!(
            body,
            json!({
                "name": name,
                "method": methods[i],
                "projectId": project,
                "description": "made by the e2e test",
                "credentials": creds,
            })
        );
        t.send("n");
    }
    assert_eq!(posts(&sandbox).len(), 4, "exactly one create per app");
    // Per test the server's check and a few reads (TeamCity 3, Octopus 3, Bitbucket 1,
    // Northflank 1), and one more request by the KMS server's own check.
    let provider_calls = sandbox
        .requests()
        .iter()
        .filter(|r| r.service != "kms")
        .count();
    assert_eq!(provider_calls, 4 + 8 + 4);
    t.wait_for("Step 1/5");
    t.send("q");
    assert_eq!(t.wait_exit(), 0);
    // What was created is left on the normal screen, with the IDs.
    let after = t.screen();
    assert!(
        after.contains("kms-connect changed in this session:"),
        "{after}"
    );
    for line in [
        "Created TeamCity connection e2e-teamcity (ID ",
        "Created Octopus Deploy connection e2e-octopus (ID ",
        "Created Bitbucket connection e2e-bitbucket (ID ",
        "Created Northflank connection e2e-northflank (ID ",
    ] {
        assert!(after.contains(line), "{line}:\n{after}");
    }
}

#[test]
fn a_duplicate_name_returns_to_the_name_field_with_everything_kept() {
    let (_rt, sandbox) = runtime_and_sandbox();
    let mut t = Term::spawn(&sandbox, &[], &[], 80, 24);
    create_through_the_keys(&mut t, 3, "dup-name", None, demo::NORTHFLANK_TOKEN);
    t.send("n");
    t.wait_for("Step 1/5");
    t.send(&DOWN.repeat(3));
    t.send(ENTER);
    t.send(ENTER);
    t.wait_for("Step 3/5");
    t.send("dup-name");
    t.send(TAB);
    t.send(TAB);
    t.paste(demo::NORTHFLANK_TOKEN);
    t.send(ENTER);
    t.wait_for("accepted the credential");
    t.send(ENTER);
    t.wait_for("Step 5/5");
    t.send(ENTER);
    let s = t.wait_for("already exists");
    assert!(s.contains("Step 3/5"), "back on the form:\n{s}");
    assert!(s.contains("▸ Name") && s.contains("dup-name"), "{s}");
    t.send("\x03");
    assert_eq!(t.wait_exit(), 130, "Ctrl-C exits as an interrupt does");
}

#[test]
fn esc_cancels_a_slow_test_and_the_late_answer_never_shows() {
    let (_rt, sandbox) = runtime_and_sandbox();
    let mut t = Term::spawn(&sandbox, &[], &[], 80, 24);
    t.wait_for("Step 1/5");
    t.send(&DOWN.repeat(3));
    t.send(ENTER);
    t.send(ENTER);
    t.wait_for("Step 3/5");
    t.send("slow");
    t.send(TAB);
    t.send(TAB);
    t.paste(demo::SLOW_TOKEN);
    t.send(ENTER);
    t.wait_for("Testing the API token");
    t.send(ESC);
    t.wait_for("Test cancelled");
    // The sandbox answers after 5 s; nothing may change when it does (that Esc acts at once,
    // without waiting for the answer, is the update tests' to show: no clock here).
    std::thread::sleep(Duration::from_secs(6));
    let s = t.screen();
    assert!(s.contains("Step 3/5") && !s.contains("accepted"), "{s}");
    t.send("\x03");
    assert_eq!(t.wait_exit(), 130, "Ctrl-C exits as an interrupt does");
}

#[test]
fn ctrl_c_restores_the_terminal() {
    let (_rt, sandbox) = runtime_and_sandbox();
    let mut t = Term::spawn(&sandbox, &[], &[], 80, 24);
    t.wait_for("Step 1/5");
    assert!(t.parser.lock().unwrap().screen().alternate_screen());
    t.send("\x03");
    assert_eq!(t.wait_exit(), 130, "Ctrl-C exits as an interrupt does");
    t.assert_restored("Ctrl-C");
}

#[test]
fn a_panic_restores_the_terminal_and_leaves_its_message_readable() {
    let (_rt, sandbox) = runtime_and_sandbox();
    let mut t = Term::spawn(&sandbox, &[], &[("KMS_CONNECT_TEST_PANIC", "1")], 80, 24);
    assert_eq!(t.wait_exit(), 101, "a panic's exit status");
    t.assert_restored("a panic");
    let p = t.settled();
    let screen = p.screen();
    let text = screen.contents();
    let row = text
        .lines()
        .position(|l| l.contains("panic requested"))
        .unwrap_or_else(|| panic!("no panic message:\n{text}"));
    // Restoring twice would put the cursor back over the message, and the next prompt
    // would overwrite it.
    assert!(
        usize::from(screen.cursor_position().0) > row,
        "the cursor is back over the panic message:\n{text}"
    );
}

#[test]
fn every_signal_that_ends_the_process_restores_the_terminal_and_exits_128_plus_n() {
    let (_rt, sandbox) = runtime_and_sandbox();
    for (sig, number) in [
        ("TERM", 15),
        ("HUP", 1),
        ("INT", 2),
        ("QUIT", 3),
        ("USR1", 10),
        ("USR2", 12),
        ("PIPE", 13),
        ("ALRM", 14),
    ] {
        let mut t = Term::spawn(&sandbox, &[], &[], 80, 24);
        t.wait_for("Step 1/5");
        t.signal(sig);
        // The shell's convention for "stopped by signal n", after a clean restore.
        assert_eq!(t.wait_exit(), 128 + number, "SIG{sig}: exit status");
        t.assert_restored(&format!("SIG{sig}"));
    }
}

#[test]
fn a_small_window_says_so_and_recovers_on_resize() {
    let (_rt, sandbox) = runtime_and_sandbox();
    // That keys typed blind act on nothing is an `update` test: here the resize signal can
    // overtake keys the app has not read yet.
    let mut t = Term::spawn(&sandbox, &[], &[], 60, 20);
    t.wait_for("needs at least 80x24");
    // The reader's screen grows first: the app redraws as soon as it sees the new size, and
    // a frame read at the old width would wrap and never match.
    t.parser
        .lock()
        .unwrap()
        .screen_mut()
        .set_size(NonZeroU16::new(24).unwrap(), NonZeroU16::new(80).unwrap());
    t.master
        .resize(PtySize {
            rows: 24,
            cols: 80,
            pixel_width: 0,
            pixel_height: 0,
        })
        .unwrap();
    t.wait_for("Step 1/5");
    assert!(t.screen().contains("Pick an app"), "{}", t.screen());
    t.send("q");
    assert_eq!(t.wait_exit(), 0);
}

#[test]
fn no_color_sends_no_colour() {
    let (_rt, sandbox) = runtime_and_sandbox();
    let mut t = Term::spawn(&sandbox, &[], &[("NO_COLOR", "1")], 80, 24);
    t.wait_for("Step 1/5");
    t.send(ENTER);
    t.wait_for("Step 2/5");
    let p = t.settled();
    let screen = p.screen();
    for row in 0..24 {
        for col in 0..80 {
            let cell = screen.cell(row, col).unwrap();
            assert_eq!(
                cell.fgcolor(),
                vt100::Color::Default,
                "colour at {row},{col}"
            );
            assert_eq!(
                cell.bgcolor(),
                vt100::Color::Default,
                "colour at {row},{col}"
            );
        }
    }
    // The selection still shows without colour.
    drop(p);
    t.send(ESC);
    let s = t.wait_for("Step 1/5");
    assert!(s.contains("> TeamCity"));
}

#[test]
fn the_demo_runs_the_whole_wizard_on_its_own_sandbox() {
    let (_rt, sandbox) = runtime_and_sandbox();
    // Point the environment somewhere useless: --demo must not use it.
    let mut t = Term::spawn(
        &sandbox,
        &["--demo"],
        &[("KMS_API_URL", "http://127.0.0.1:9"), ("KMS_TOKEN", "x")],
        80,
        24,
    );
    let s = t.wait_for("Step 1/5");
    assert!(s.contains("DEMO"));
    t.send(&DOWN.repeat(3));
    t.send(ENTER);
    let s = t.wait_for("DEMO: type these values");
    assert!(s.contains(demo::NORTHFLANK_TOKEN), "{s}");
    t.send(ENTER);
    t.send("demo-nf");
    t.send(TAB);
    t.send(TAB);
    t.paste(demo::NORTHFLANK_TOKEN);
    t.send(ENTER);
    t.wait_for("accepted the credential");
    t.send(ENTER);
    t.send(ENTER);
    t.wait_for("connection created");
    assert!(
        sandbox.requests().is_empty(),
        "the test's own sandbox saw nothing"
    );
    t.send("q");
    assert_eq!(t.wait_exit(), 0);
}

#[test]
fn the_demo_creates_a_connection_then_its_secret_sync_and_watches_it_succeed() {
    let (_rt, sandbox) = runtime_and_sandbox();
    let mut t = Term::spawn(&sandbox, &["--demo"], &[], 80, 24);
    t.wait_for("Step 1/5");
    t.send(&DOWN.repeat(3));
    t.send(ENTER);
    t.wait_for("DEMO: type these values");
    t.send(ENTER);
    t.send("demo-nf");
    t.send(TAB);
    t.send(TAB);
    t.paste(demo::NORTHFLANK_TOKEN);
    t.send(ENTER);
    t.wait_for("accepted the credential");
    t.send(ENTER);
    t.send(ENTER);
    t.wait_for("s sets up a Secret Sync");
    // Step 1: the demo project's environments; the first is taken.
    t.send("s");
    t.wait_for("Sync 1/5");
    t.wait_for("Production");
    t.send(ENTER);
    // Step 2: listed at the sandbox's Northflank with the credential still in memory.
    t.wait_for("Northflank project");
    t.send(ENTER);
    t.wait_for("Secret group");
    t.send(ENTER);
    let checks = t.wait_for("Press Enter for the options.");
    assert!(!checks.contains(demo::NORTHFLANK_TOKEN), "{checks}");
    t.send(ENTER);
    t.wait_for("Sync 3/5");
    t.send(RIGHT);
    t.wait_for("Overwrite destination");
    t.send(ENTER);
    t.wait_for("Sync 4/5");
    t.send(ENTER);
    let review = t.wait_for("POST /api/v1/secret-syncs/northflank");
    assert!(review.contains("app-env"), "the stored ID: {review}");
    t.send(ENTER);
    let done = t.wait_for("The first sync succeeded");
    assert!(done.contains("Created Northflank sync"), "{done}");
    t.send(ENTER);
    t.wait_for("connection created");
    t.send("q");
    assert_eq!(t.wait_exit(), 0);
}

#[test]
fn without_a_project_it_signs_in_with_universal_auth_and_asks_for_one() {
    let (_rt, sandbox) = runtime_and_sandbox();
    let mut t = Term::spawn(
        &sandbox,
        &[],
        &[
            ("KMS_TOKEN", ""),
            ("KMS_PROJECT_ID", ""),
            ("KMS_UNIVERSAL_AUTH_CLIENT_ID", &sandbox.client_id),
            ("KMS_UNIVERSAL_AUTH_CLIENT_SECRET", &sandbox.client_secret),
        ],
        80,
        24,
    );
    let s = t.wait_for(&sandbox.project_name);
    assert!(
        s.contains("Choose a project") && s.contains("Organization level"),
        "{s}"
    );
    assert!(s.contains("universal auth"), "{s}");
    t.send(ENTER);
    create_through_the_keys(&mut t, 3, "ua-northflank", None, demo::NORTHFLANK_TOKEN);
    let logins = sandbox
        .requests()
        .iter()
        .filter(|r| r.path == "/api/v1/auth/universal-auth/login")
        .count();
    assert_eq!(logins, 1, "signed in once and reused the token");
    let (_, body) = posts(&sandbox).pop().unwrap();
    assert_eq!(body["projectId"], json!(sandbox.project_id));
    t.send("q");
    assert_eq!(t.wait_exit(), 0);
}

/// A sandbox with one TeamCity and one Northflank connection in its project.
fn seeded_sandbox() -> (tokio::runtime::Runtime, Sandbox, String, String) {
    let (rt, sb) = runtime_and_sandbox();
    let project = Some(sb.project_id.clone());
    let tc = sb
        .seed(
            "teamcity",
            "build-server",
            project.as_deref(),
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
            project.as_deref(),
            &[("apiToken", demo::NORTHFLANK_TOKEN)],
        )
        .unwrap();
    (rt, sb, tc, nf)
}

#[test]
fn rotates_a_token_from_the_browser() {
    let (_rt, sb, tc, _) = seeded_sandbox();
    let before: String = sb.connections()[0]["credentialsHash"]
        .as_str()
        .unwrap()
        .into();
    let mut t = Term::spawn(&sb, &[], &[], 80, 24);
    t.wait_for("Step 1/5");
    t.send("b");
    t.wait_for("2 connections in Demo project");
    // Sorted by name: build-server is first.
    t.send(ENTER);
    t.wait_for(&tc);
    t.send("c");
    t.wait_for("Rotate the credentials of build-server");
    t.paste(demo::TEAMCITY_TOKEN);
    let screen = t.wait_for("•");
    assert!(!screen.contains(demo::TEAMCITY_TOKEN), "{screen}");
    t.send(ENTER);
    t.wait_for("TeamCity accepted the credential");
    t.send(ENTER);
    let done = t.wait_for("Credentials of build-server rotated");
    let after: String = sb.connections()[0]["credentialsHash"]
        .as_str()
        .unwrap()
        .into();
    assert_ne!(before, after);
    assert!(done.contains(&after), "the new hash is shown:\n{done}");
    let patches: Vec<_> = sb
        .requests()
        .into_iter()
        .filter(|r| r.service == "kms" && r.method == "PATCH")
        .collect();
    assert_eq!(patches.len(), 1);
    assert_eq!(
        patches[0].path,
        format!("/api/v1/app-connections/teamcity/{tc}")
    );
    assert_eq!(
        patches[0].body,
        Some(json!({"credentials": {
            "instanceUrl": sb.teamcity_url,
            "accessToken": demo::TEAMCITY_TOKEN,
        }}))
    );
    t.send("q");
    assert_eq!(t.wait_exit(), 0);
}

#[test]
fn deletes_a_connection_after_typing_its_name() {
    let (_rt, sb, _, nf) = seeded_sandbox();
    let mut t = Term::spawn(&sb, &["browse"], &[], 80, 24);
    t.wait_for("2 connections in Demo project");
    t.send(DOWN);
    t.send("d");
    t.wait_for("Delete the connection northflank-services?");
    t.send("northflank");
    t.send(ENTER);
    t.wait_for("The name does not match: type northflank-services exactly");
    assert_eq!(
        sb.connections().len(),
        2,
        "nothing deleted on a partial name"
    );
    t.send("-services");
    t.send(ENTER);
    t.wait_for("Deleted northflank-services.");
    t.wait_for("1 connection in Demo project");
    let deletes: Vec<_> = sb
        .requests()
        .into_iter()
        .filter(|r| r.service == "kms" && r.method == "DELETE")
        .collect();
    assert_eq!(deletes.len(), 1);
    assert_eq!(
        deletes[0].path,
        format!("/api/v1/app-connections/northflank/{nf}")
    );
    assert_eq!(sb.connections().len(), 1);
    t.send("q");
    assert_eq!(t.wait_exit(), 0);
}

#[test]
fn cli_delete_on_a_terminal_refuses_a_wrong_name() {
    let (_rt, sb, _, _) = seeded_sandbox();
    let mut t = Term::spawn(
        &sb,
        &["delete", "northflank", "northflank-services"],
        &[],
        80,
        24,
    );
    t.wait_for("Type its name to confirm");
    t.send("northflank");
    t.send(ENTER);
    assert_eq!(t.wait_exit(), 2);
    let s = t.wait_for("Not deleted");
    assert!(s.contains("the name did not match"), "{s}");
    assert_eq!(sb.connections().len(), 2);
    assert!(
        sb.requests()
            .iter()
            .all(|r| !(r.service == "kms" && r.method == "DELETE")),
        "nothing is sent after a wrong name"
    );
}

#[test]
fn cli_sync_delete_on_a_terminal_asks_for_the_syncs_name() {
    let (_rt, sb) = runtime_and_sandbox();
    sb.seed_demo().unwrap();
    let deletes = |sb: &Sandbox| {
        sb.requests()
            .iter()
            .filter(|r| r.service == "kms" && r.method == "DELETE")
            .count()
    };
    let mut t = Term::spawn(
        &sb,
        &["sync", "delete", "teamcity", "backend-prod"],
        &[],
        80,
        24,
    );
    t.wait_for("Type its name to confirm");
    t.send("backend");
    t.send(ENTER);
    assert_eq!(t.wait_exit(), 2);
    t.wait_for("the name did not match");
    assert_eq!(deletes(&sb), 0, "nothing is sent after a wrong name");
    let mut t = Term::spawn(
        &sb,
        &["sync", "delete", "teamcity", "backend-prod"],
        &[],
        80,
        24,
    );
    t.wait_for("Delete backend-prod? This cannot be undone. Type its name to confirm");
    t.send("backend-prod");
    t.send(ENTER);
    assert_eq!(t.wait_exit(), 0);
    t.wait_for("Deleted backend-prod.");
    assert_eq!(deletes(&sb), 1);
}

/// Fills the TeamCity form (URL, token, then the optional project) and starts the test.
fn test_teamcity(t: &mut Term, url: &str, token: &str, project: Option<&str>) -> String {
    t.wait_for("Step 1/5");
    t.send(ENTER);
    t.wait_for("Step 2/5");
    t.send(ENTER);
    t.wait_for("Step 3/5");
    t.send("ci-teamcity");
    t.send(TAB);
    t.send(TAB);
    t.send(url);
    t.send(TAB);
    t.paste(token);
    if let Some(p) = project {
        t.send(TAB);
        t.send(p);
    }
    t.send(ENTER);
    t.wait_for("Checked: GET")
}

#[test]
fn the_test_step_warns_about_expiry_and_a_missing_permission() {
    let (_rt, sandbox) = runtime_and_sandbox();

    let mut t = Term::spawn(&sandbox, &[], &[], 80, 24);
    let screen = test_teamcity(&mut t, &sandbox.teamcity_url, demo::EXPIRING_TOKEN, None);
    assert!(
        screen.contains("✓ TeamCity accepted the credential"),
        "{screen}"
    );
    assert!(
        screen.contains("⚠ The token \"kms-connect\" expires on ")
            && screen.contains("(5 days). Rotate it"),
        "{screen}"
    );
    assert!(screen.contains("Press Enter to review"), "{screen}");
    t.send("\x03");
    assert_eq!(t.wait_exit(), 130, "Ctrl-C exits as an interrupt does");

    let mut t = Term::spawn(&sandbox, &[], &[], 80, 24);
    let screen = test_teamcity(
        &mut t,
        &sandbox.teamcity_url,
        demo::TEAMCITY_PROJECT_TOKEN,
        Some(demo::TEAMCITY_PROJECT),
    );
    assert!(
        screen.contains("⚠ Missing TeamCity permission \"Edit project\" on Backend."),
        "{screen}"
    );
    assert!(!screen.contains(demo::TEAMCITY_PROJECT_TOKEN), "{screen}");
    // A warning does not stop the way to create.
    t.send(ENTER);
    t.wait_for("Step 5/5");
    t.send("\x03");
    assert_eq!(t.wait_exit(), 130, "Ctrl-C exits as an interrupt does");
    let checked_edit = sandbox
        .requests()
        .iter()
        .any(|r| r.path.starts_with("/app/rest/projects/id:Backend?"));
    assert!(checked_edit, "the named project was checked");
}

#[test]
fn a_first_run_signs_in_picks_a_project_creates_and_the_next_run_remembers() {
    use std::os::unix::fs::PermissionsExt;
    let (_rt, sandbox) = runtime_and_sandbox();
    let mut t = first_run_to_the_sandbox(&sandbox);
    sign_in_with_the_keys(&mut t, &sandbox, true);
    let s = t.wait_for(&sandbox.project_name);
    assert!(
        s.contains("Choose a project") && s.contains("Demo org"),
        "{s}"
    );
    t.send(ENTER);
    create_through_the_keys(&mut t, 3, "first-run-nf", None, demo::NORTHFLANK_TOKEN);
    let (_, body) = posts(&sandbox).pop().unwrap();
    assert_eq!(body["projectId"], json!(sandbox.project_id));
    t.send("q");
    assert_eq!(t.wait_exit(), 0);

    let dir = t.config.path().to_owned();
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).unwrap_or_default();
    let profiles = read("profiles.toml");
    assert!(
        profiles.contains(&format!("server = \"{}\"", sandbox.kms_url)),
        "{profiles}"
    );
    assert!(profiles.contains(&format!("project_id = \"{}\"", sandbox.project_id)));
    assert!(profiles.contains("project_name = \"Demo project\""));
    assert!(!profiles.contains(&sandbox.client_secret) && !profiles.contains(&sandbox.token));
    assert!(read("secrets.toml").contains(&sandbox.client_secret));
    assert!(read("tokens.toml").contains(&sandbox.token));
    for name in ["profiles.toml", "secrets.toml", "tokens.toml"] {
        let mode = std::fs::metadata(dir.join(name))
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o600, "{name}");
    }

    // The next run starts on step 1 with the saved project, and needs no login.
    let logins = || logins(&sandbox);
    let before = logins();
    let dir_text = dir.to_string_lossy().into_owned();
    let mut env = NOTHING.to_vec();
    env.push(("KMS_CONNECT_CONFIG_DIR", &dir_text));
    let mut again = Term::spawn(&sandbox, &[], &env, 80, 24);
    let s = again.wait_for("Step 1/5");
    assert!(s.contains("Demo project"), "{s}");
    create_through_the_keys(&mut again, 3, "second-run-nf", None, demo::NORTHFLANK_TOKEN);
    assert_eq!(logins(), before, "the cached token was used");
    again.send("q");
    assert_eq!(again.wait_exit(), 0);
}

#[test]
fn the_demo_signs_in_against_its_sandbox_with_the_listed_identity() {
    let (_rt, sandbox) = runtime_and_sandbox();
    let mut t = Term::spawn(&sandbox, &["--demo"], &[], 80, 24);
    t.wait_for("Step 1/5");
    t.send("s");
    let s = t.wait_for("Sandbox (demo)");
    assert!(s.contains("Another server"), "{s}");
    t.send(ENTER);
    let s = t.wait_for("Sandbox identities (demo)");
    assert!(s.contains(demo::SHORT_LIVED_CLIENT_ID), "{s}");
    // A wrong secret first: the message says so and the ID stays typed.
    t.send(demo::NO_PROJECTS_CLIENT_ID);
    t.send(TAB);
    t.paste("not-the-secret");
    t.send(ENTER);
    t.send(ENTER);
    let s = t.wait_for("Invalid credentials");
    assert!(s.contains(demo::NO_PROJECTS_CLIENT_ID), "{s}");
    // Fix the secret (the focus is back on it): an identity in no project is told to join one.
    for _ in 0.."not-the-secret".len() {
        t.send("\x7f");
    }
    t.paste("demo-client-secret");
    t.send(ENTER);
    t.send(ENTER);
    t.wait_for("sees no projects: add it to a project");
    t.send(ENTER);
    t.wait_for("Step 1/5");
    t.send("q");
    assert_eq!(t.wait_exit(), 0);
    assert!(
        std::fs::read_dir(t.config.path()).unwrap().next().is_none(),
        "the demo wrote nothing"
    );
}

#[test]
fn login_in_a_terminal_is_the_sign_in_and_ends_with_the_saved_profile() {
    let (_rt, sandbox) = runtime_and_sandbox();
    let env = [
        ("KMS_API_URL", sandbox.kms_url.as_str()),
        ("KMS_TOKEN", ""),
        ("KMS_PROJECT_ID", ""),
    ];
    let mut t = Term::spawn(&sandbox, &["login", "--profile", "work"], &env, 80, 24);
    // The server from the environment is preselected as a typed one.
    t.wait_for("Which KMS server");
    t.send(ENTER);
    sign_in_with_the_keys(&mut t, &sandbox, false);
    t.wait_for(&sandbox.project_name);
    t.send(ENTER);
    assert_eq!(t.wait_exit(), 0);
    let profiles = std::fs::read_to_string(t.config.path().join("profiles.toml")).unwrap();
    assert!(profiles.contains("[profiles.work]"), "{profiles}");
    assert!(
        profiles.contains("project_name = \"Demo project\""),
        "{profiles}"
    );
    assert!(
        !t.config.path().join("secrets.toml").exists(),
        "not remembered"
    );
}

#[test]
fn secret_stdin_on_a_terminal_prompts_and_does_not_echo() {
    let (_rt, sandbox) = runtime_and_sandbox();
    let mut t = Term::spawn(
        &sandbox,
        &["test", "northflank", "--secret-stdin"],
        &[],
        80,
        24,
    );
    t.wait_for("(it is not shown)");
    t.send(demo::NORTHFLANK_TOKEN);
    t.send(ENTER);
    let s = t.wait_for("accepted");
    assert!(
        !s.contains(demo::NORTHFLANK_TOKEN),
        "the secret was echoed:\n{s}"
    );
    assert_eq!(t.wait_exit(), 0);
}

#[test]
fn a_refused_cached_token_is_replaced_by_a_fresh_login_without_asking() {
    let (_rt, sandbox) = runtime_and_sandbox();
    let mut t = first_run_to_the_sandbox(&sandbox);
    // An identity whose tokens the sandbox can be told to refuse.
    sign_in_as(&mut t, &sandbox, demo::SHORT_LIVED_CLIENT_ID, true);
    t.wait_for(&sandbox.project_name);
    t.send(ENTER);
    t.wait_for("Step 1/5");
    t.send("q");
    assert_eq!(t.wait_exit(), 0);

    let logins = || logins(&sandbox);
    // Locally the cached token still looks good for a year; the server refuses it.
    let tokens = t.config.path().join("tokens.toml");
    let cached = std::fs::read_to_string(&tokens).unwrap();
    let year_on = (std::time::SystemTime::now() + Duration::from_secs(365 * 86_400))
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let far: String = cached
        .lines()
        .map(|l| match l.starts_with("expires_at") {
            true => format!("expires_at = {year_on}\n"),
            false => format!("{l}\n"),
        })
        .collect();
    assert_ne!(far, cached, "{cached}");
    std::fs::write(&tokens, far).unwrap();
    sandbox.expire_tokens();
    let before = logins();
    let dir = t.config.path().to_string_lossy().into_owned();
    let mut env = NOTHING.to_vec();
    env.push(("KMS_CONNECT_CONFIG_DIR", &dir));
    let mut again = Term::spawn(&sandbox, &[], &env, 80, 24);
    again.wait_for("Step 1/5");
    again.send("b");
    let s = again.wait_for("0 connections in Demo project");
    assert!(!s.contains("rejected"), "{s}");
    assert_eq!(logins(), before + 1, "one fresh login, no question asked");
    again.send("q");
    assert_eq!(again.wait_exit(), 0);
}

#[test]
fn a_dumb_terminal_gets_a_message_pointing_at_the_subcommands() {
    let (_rt, sandbox) = runtime_and_sandbox();
    let mut t = Term::spawn(&sandbox, &[], &[("TERM", "dumb")], 80, 24);
    assert_eq!(t.wait_exit(), 2);
    // The process may exit before the reader thread has taken its last bytes from the pty.
    let screen = t.wait_for("cannot show the wizard");
    assert!(screen.contains("kms-connect --help"), "{screen}");
    assert!(!t.parser.lock().unwrap().screen().alternate_screen());
}

#[test]
fn the_demo_browser_shows_sync_health_and_runs_a_sync_until_it_succeeds() {
    let (_rt, sandbox) = runtime_and_sandbox();
    let mut t = Term::spawn(&sandbox, &["--demo"], &[], 80, 24);
    t.wait_for("Step 1/5");
    t.send("b");
    // The demo's two syncs: one failed, one succeeded, in the SYNCS column.
    let s = t.wait_for("✗ 1 failed");
    assert!(s.contains("SYNCS"), "{s}");
    t.wait_for("✓ 1");
    // bitbucket-pipelines is first: its failed sync with the decoded message.
    t.send(ENTER);
    let s = t.wait_for("Secret Syncs (1)");
    assert!(s.contains("api-pipelines"), "{s}");
    t.wait_for("lack one or more required privilege scopes");
    // build-server (next but one, by name): run its only sync and follow it to the end.
    t.send(DOWN);
    t.wait_for("backend-prod");
    t.send("r");
    t.wait_for("Running backend-prod now");
    t.wait_for("… pending");
    t.wait_for("✓ succeeded · last synced");
    t.send("q");
    assert_eq!(t.wait_exit(), 0);
}

#[test]
fn cli_create_on_a_terminal_counts_the_seconds_it_waits() {
    // The sandbox checks the slow token for 5 s before it creates: the progress line on the
    // terminal counts up meanwhile, and is erased when the answer comes.
    let (_rt, sandbox) = runtime_and_sandbox();
    let mut t = Term::spawn(
        &sandbox,
        &[
            "create",
            "northflank",
            "--name",
            "slow-nf",
            "--secret-env",
            "NF_SECRET",
            "--skip-test",
        ],
        &[("NF_SECRET", demo::SLOW_TOKEN)],
        80,
        24,
    );
    t.wait_for("Creating (the KMS server checks the credential too)… 1 s");
    let s = t.wait_for("Created Northflank connection slow-nf");
    assert_eq!(t.wait_exit(), 0);
    assert!(!s.contains("Creating ("), "the progress line stays:\n{s}");
}
