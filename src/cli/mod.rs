//! The scriptable twins of the wizard. Same validation, same credential test and the same
//! error guidance as the TUI.
//!
//! `mod.rs` holds the clap tree, the dispatch, the exit codes and [`Failure`]; each command
//! lives in its room: `connect` (`apps`, `test`, `create`), `connections` (`list`, `get`,
//! `rotate`, `update`, `delete`) and `account` (`login`, `logout`, `status`, `projects`). The
//! helpers they share have one home each: `credential` (the credential flags, read and
//! validated), `secret_input` (a secret from stdin or a variable), `session` (an HTTP client and
//! a signed-in KMS client).

pub mod account;
mod connect;
mod connections;
mod credential;
mod progress;
pub(crate) mod secret_input;
mod session;
mod sync;

use clap::parser::ValueSource;
use clap::{ArgMatches, Parser, Subcommand};

use crate::apps::checks::{Checklist, Status};
use crate::apps::{AppSpec, FieldId, TestOutcome};
use crate::config::Context;
use crate::config::context::{Given, Source};
use crate::kms::{Guidance, KmsError};

/// Exit codes: 0 ok, 1 runtime or server error, 2 invalid input, 3 credential test failed.
pub const EXIT_RUNTIME: i32 = 1;
pub const EXIT_INPUT: i32 = 2;
pub const EXIT_TEST_FAILED: i32 = 3;
/// Stdout's reader went away (`| head`): the status a shell shows for SIGPIPE.
pub const EXIT_BROKEN_PIPE: i32 = 141;

/// The heading the options of every command stand under in `--help`.
const GLOBAL: &str = "Global options";

/// What `--project` does on each command (one global flag, read differently by each). A
/// command not listed reads it as the wizard does.
const PROJECT_HELP: &[(&[&str], &str)] = &[
    (&["apps"], "Not used: apps never calls the KMS server"),
    (&["test"], "Not used: test never calls the KMS server"),
    (
        &["create"],
        "Project (ID or slug) to create the connection in; without it, organization level",
    ),
    (
        &["browse"],
        "Project (ID or slug) whose connections to browse; without it the wizard asks",
    ),
    (
        &["list"],
        "Project (ID or slug) whose connections to list; without it, every one the identity may read",
    ),
    (
        &["get", "rotate", "update", "delete"],
        "Project (ID or slug) a connection's name is looked up in (an ID is found anywhere)",
    ),
    (
        &["sync"],
        "Project (ID or slug) of the Secret Syncs: create needs it, as does a sync given by name; list without it covers every project",
    ),
    (
        &["login"],
        "Project (ID or slug) to check and save in the profile",
    ),
    (
        &["status"],
        "Project (ID or slug) to check that this identity can see",
    ),
    (
        &["logout", "projects", "completions", "man"],
        "Not used by this command",
    ),
];

/// The clap tree with `--project` described per command: parse with this, not
/// `Cli::command()`, so `--help` and the generated man page and completions agree. Each
/// command gets its own copy of the global flag (same name, variable and heading), which clap
/// then does not copy over it.
pub fn command() -> clap::Command {
    use clap::CommandFactory;
    let mut tree = Cli::command();
    let Some(project) = tree
        .get_arguments()
        .find(|a| a.get_id() == "project")
        .cloned()
    else {
        return tree;
    };
    for (names, help) in PROJECT_HELP {
        for name in *names {
            tree = tree.mut_subcommand(*name, |sub| sub.arg(project.clone().help(*help)));
        }
    }
    tree
}

#[derive(Debug, Parser)]
#[command(
    name = "kms-connect",
    version,
    about = "Connect Hanzo KMS to TeamCity, Octopus Deploy, Bitbucket and Northflank"
)]
pub struct Cli {
    /// KMS server URL, with or without /api [default: https://app.kms.hanzo.ai]
    #[arg(long, env = "KMS_API_URL", hide_env_values = true, global = true, help_heading = GLOBAL)]
    pub kms_url: Option<String>,
    /// Project (ID or slug) new connections go to; without it the wizard asks
    #[arg(long, env = "KMS_PROJECT_ID", hide_env_values = true, global = true, help_heading = GLOBAL)]
    pub project: Option<String>,
    /// Run against a built-in sandbox KMS and providers on 127.0.0.1 (nothing leaves this machine)
    #[arg(long, global = true, help_heading = GLOBAL)]
    pub demo: bool,
    /// Saved profile to use (and to save to) [default: default]
    #[arg(long, global = true, help_heading = GLOBAL, value_name = "NAME")]
    pub profile: Option<String>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

impl Cli {
    /// Whether this run draws the wizard (no subcommand, `browse`, an interactive `login`).
    pub fn draws_the_wizard(&self) -> bool {
        match &self.command {
            None | Some(Command::Browse) => true,
            Some(Command::Account(account::AccountCommand::Login(a))) => a.is_interactive(),
            Some(_) => false,
        }
    }

    /// `apps` and `test` never call the KMS: a bad KMS URL or profile must not stop them.
    pub fn uses_kms(&self) -> bool {
        !matches!(self.command, Some(Command::Apps { .. } | Command::Test(_)))
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the apps, their method and fields.
    Apps {
        /// Print the apps as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Test a credential the way the KMS server will, without creating anything.
    Test(connect::TestArgs),
    /// Test a credential, then create the App Connection.
    Create(connect::CreateArgs),
    /// Open the list of existing connections (the wizard's browser).
    Browse,
    /// List existing connections (of the project, or every one the identity can read).
    List(connections::ListArgs),
    /// Show one connection, by ID or by name.
    Get(connections::GetArgs),
    /// Replace a connection's credentials (tested first unless --skip-test).
    Rotate(connections::RotateArgs),
    /// Change a connection's name or description.
    Update(connections::UpdateArgs),
    /// Delete a connection (asks for its name on a terminal; --yes in scripts).
    Delete(connections::DeleteArgs),
    /// Secret Syncs: destinations, create, list, get, run, delete.
    #[command(subcommand)]
    Sync(sync::SyncCommand),
    #[command(flatten)]
    Account(account::AccountCommand),
    /// Print a shell completion script (e.g. kms-connect completions bash > /etc/bash_completion.d/kms-connect).
    Completions {
        /// The shell to complete for
        shell: clap_complete::Shell,
    },
    /// Print a man page in roff: kms-connect's, or a command's (e.g. kms-connect man sync
    /// create > kms-connect-sync-create.1)
    Man {
        /// The command whose page to print (the pages the main page names, one word each)
        command: Vec<String>,
    },
}

/// `completions` and `man`: generated from the one clap definition, printed on `out`; None for
/// any other command. Neither needs a server, a profile or a terminal.
pub fn generated(cmd: &Command, out: &mut dyn std::io::Write) -> Option<CliResult> {
    let mut tree = command();
    match cmd {
        Command::Completions { shell } => {
            // Generated into memory first: clap_complete panics when its writer fails (a
            // closed pipe), and the bash script needs one correction before it is written.
            let mut script = Vec::new();
            clap_complete::generate(*shell, &mut tree, "kms-connect", &mut script);
            let mut script = String::from_utf8_lossy(&script).into_owned();
            if *shell == clap_complete::Shell::Bash {
                // clap_complete 4.6.12 spells the subcommand states of a hyphenated binary two
                // ways (`kms__connect__subcmd__sync` in the loop, `kms__subcmd__connect__…` in
                // the case arms), so nothing after the first word completed
                // (clap-rs/clap#6421). Our subcommand names hold no hyphen: one spelling fixes it.
                script = script.replace("kms__subcmd__connect", "kms__connect");
            }
            Some(
                out.write_all(script.as_bytes())
                    .map_err(|e| Failure::write_failed(&e)),
            )
        }
        Command::Man { command } => Some(man_page(tree, command, out)),
        _ => None,
    }
}

/// The page of `kms-connect` or of the command at `path` (named `kms-connect-sync-create`, as
/// the main page's SEE ALSO names it), with the options it takes, global ones included.
fn man_page(mut tree: clap::Command, path: &[String], out: &mut dyn std::io::Write) -> CliResult {
    tree.build();
    let mut page = tree;
    let mut name = String::from("kms-connect");
    for word in path {
        let Some(sub) = page.find_subcommand(word).cloned() else {
            return Err(Failure::input(format!(
                "kms-connect has no command {:?}: kms-connect man lists them under SUBCOMMANDS.",
                crate::sanitize::clean_line(&path.join(" "))
            )));
        };
        name = format!("{name}-{}", sub.get_name());
        page = sub;
    }
    clap_mangen::Man::new(page.name(name))
        .render(out)
        .map_err(|e| Failure::write_failed(&e))
}

/// `--kms-url` and `--project` as given, and whether each came from the command line or the
/// environment (clap reads both into one field).
pub struct GivenFlags {
    pub kms_url: Option<Given>,
    pub project: Option<Given>,
}

impl GivenFlags {
    pub fn from(m: &ArgMatches) -> GivenFlags {
        let given = |id: &str| {
            let value = find(m, |m| m.get_one::<String>(id).cloned())?;
            let source = match find(m, |m| m.value_source(id)) {
                Some(ValueSource::CommandLine) => Source::Flag,
                _ => Source::Env,
            };
            Some(Given { value, source })
        };
        GivenFlags {
            kms_url: given("kms_url"),
            project: given("project"),
        }
    }
}

/// Looks at the subcommand's matches first (global flags may be given after it).
fn find<T>(m: &ArgMatches, get: impl Fn(&ArgMatches) -> Option<T> + Copy) -> Option<T> {
    m.subcommand()
        .and_then(|(_, sub)| find(sub, get))
        .or_else(|| get(m))
}

/// A failure to report: lines for stderr and the exit code.
#[derive(Debug)]
pub struct Failure {
    pub lines: Vec<String>,
    pub code: i32,
}

impl Failure {
    pub(crate) fn input(line: impl Into<String>) -> Self {
        Failure {
            lines: vec![line.into()],
            code: EXIT_INPUT,
        }
    }

    /// Output could not be written. A reader that went away (`| head`) is no error to
    /// report: quiet, with the status of a process ended by SIGPIPE (128 + 13), as other
    /// command-line tools end.
    pub fn write_failed(e: &std::io::Error) -> Self {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            return Failure {
                lines: Vec::new(),
                code: EXIT_BROKEN_PIPE,
            };
        }
        Failure::runtime(format!("Could not write the output: {e}."))
    }

    pub(crate) fn runtime(line: impl Into<String>) -> Self {
        Failure {
            lines: vec![line.into()],
            code: EXIT_RUNTIME,
        }
    }

    /// At most two lines: what happened (with each field's problem, named by its flag), then
    /// what to do.
    pub(crate) fn from_guidance(g: &Guidance, app: Option<&AppSpec>) -> Self {
        let problems: Vec<(FieldId, String)> = g
            .fields
            .iter()
            .filter(|(_, m)| !g.headline.contains(m.as_str()))
            .cloned()
            .collect();
        let mut first = g.headline.clone();
        if !problems.is_empty() {
            first = format!("{} {}", first, credential::field_problems(app, &problems));
        }
        Failure {
            lines: std::iter::once(first).chain(g.hint.clone()).collect(),
            code: g.exit_code(),
        }
    }

    /// A KMS error, through the one mapping from server errors to guidance.
    pub(crate) fn from_kms(e: &KmsError, app: Option<&AppSpec>) -> Self {
        Self::from_guidance(&e.guidance(app), app)
    }

    /// A KMS error met by an account command (`status`, `projects`): a refused identity is
    /// that command's own failure (exit 3), with how to sign in again.
    pub(crate) fn from_kms_identity(e: &KmsError) -> Self {
        let mut f = Self::from_kms(e, None);
        if crate::config::signin::is_auth(e) {
            f.code = EXIT_TEST_FAILED;
            f.lines.truncate(1);
            f.lines
                .push("Sign in again: kms-connect login (or set a fresh KMS_TOKEN).".into());
        }
        f
    }

    fn from_outcome(o: &TestOutcome) -> Self {
        Failure {
            lines: std::iter::once(format!("✗ {}", o.message))
                .chain(o.hint.clone())
                .collect(),
            code: EXIT_TEST_FAILED,
        }
    }

    /// The server's failure, with the first further line that failed too folded into the
    /// first line (an expiry date explains a rejected token): still at most two lines.
    fn from_checklist(list: &Checklist) -> Self {
        let mut f = Self::from_outcome(&list.server);
        if let Some(line) = list.extra.iter().find(|l| l.status == Status::Fail) {
            let first = &mut f.lines[0];
            if !first.ends_with(['.', '!', '?']) {
                first.push('.');
            }
            first.push(' ');
            first.push_str(&line.message);
        }
        f
    }
}

pub type CliResult = Result<(), Failure>;

/// Runs one subcommand (the wizard's own ones, `browse` and an interactive `login`, are
/// started by `main`).
pub async fn run(cmd: Command, ctx: &Context) -> CliResult {
    match cmd {
        Command::Apps { json } => {
            connect::print_apps(json);
            Ok(())
        }
        Command::Test(args) => connect::test(args, ctx).await,
        Command::Create(args) => connect::create(args, ctx).await,
        Command::Browse => Err(Failure::input("browse needs a terminal.")),
        Command::List(args) => connections::list(args, ctx).await,
        Command::Get(args) => connections::get(args, ctx).await,
        Command::Rotate(args) => connections::rotate(args, ctx).await,
        Command::Update(args) => connections::update(args, ctx).await,
        Command::Delete(args) => connections::delete(args, ctx).await,
        Command::Sync(cmd) => sync::run(cmd, ctx).await,
        Command::Account(cmd) => account::run(cmd, ctx).await,
        Command::Completions { .. } | Command::Man { .. } => {
            generated(&cmd, &mut std::io::stdout().lock()).unwrap_or(Ok(()))
        }
    }
}

/// Prints a failure's lines on stderr; the process's exit code.
pub fn report(result: CliResult) -> i32 {
    match result {
        Ok(()) => 0,
        Err(f) => {
            for line in &f.lines {
                eprintln!("{line}");
            }
            f.code
        }
    }
}
