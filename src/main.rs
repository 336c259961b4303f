//! `kms-connect`: the wizard with no subcommand, the scriptable twins with one, and `--demo`
//! to run either against the built-in sandbox.

use clap::parser::ValueSource;
use clap::{ArgMatches, CommandFactory, FromArgMatches, Parser};
use kms_connect::apps::{CATALOG, ProviderEndpoints};
use kms_connect::cli::{self, Command, EXIT_INPUT, EXIT_RUNTIME};
use kms_connect::cli_account::{self, AccountCommand};
use kms_connect::config::resolve::{self, Given, IdentityFrom, Resolved, Source};
use kms_connect::config::{DEFAULT_PROFILE, Store, now_secs};
use kms_connect::kms::auth::Credentials;
use kms_connect::sandbox::{Sandbox, demo};
use kms_connect::settings::Settings;
use kms_connect::tui::signin::job::Account;
use kms_connect::tui::signin::{DemoLogin, Start};
use kms_connect::tui::worker::Reach;
use kms_connect::tui::{DemoInfo, Scope, Session, SignInConfig, TuiConfig};
use secrecy::SecretString;

#[derive(Debug, Parser)]
#[command(
    name = "kms-connect",
    version,
    about = "Connect Hanzo KMS to TeamCity, Octopus Deploy, Bitbucket and Northflank"
)]
struct Cli {
    /// KMS server URL, with or without /api [default: https://app.kms.hanzo.ai]
    #[arg(long, env = "KMS_API_URL", global = true)]
    kms_url: Option<String>,
    /// Project ID for new connections (without it the wizard asks)
    #[arg(long, env = "KMS_PROJECT_ID", global = true)]
    project: Option<String>,
    /// Run against a built-in sandbox KMS and providers on 127.0.0.1 (nothing leaves this machine)
    #[arg(long, global = true)]
    demo: bool,
    /// Saved profile to use (and to save to) [default: default]
    #[arg(long, global = true, value_name = "NAME")]
    profile: Option<String>,
    #[command(subcommand)]
    command: Option<Command>,
}

fn main() {
    let matches = Cli::command().get_matches();
    let given = Flags::from(&matches);
    let args = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    // The CLI does one request at a time; the wizard and the sandbox want a second thread.
    // Whatever draws the wizard (browse, an interactive login) must not share its thread with
    // the worker: the panic hook tells the two apart by the thread's name.
    let draws_the_wizard = match &args.command {
        None | Some(Command::Browse) => true,
        Some(Command::Account(AccountCommand::Login(a))) => a.is_interactive(),
        Some(_) => false,
    };
    let runtime = if !draws_the_wizard && !args.demo {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
    };
    let runtime = match runtime {
        Ok(r) => r,
        Err(e) => fail(&[format!("Could not start: {e}")], EXIT_RUNTIME),
    };
    let code = runtime.block_on(run(args, given));
    // Do not wait for background tasks (a cancelled request, the sandbox) to wind down.
    runtime.shutdown_background();
    std::process::exit(code);
}

/// `--kms-url` and `--project` as given, and whether each came from the command line or the
/// environment (clap reads both into one field).
struct Flags {
    kms_url: Option<Given>,
    project: Option<Given>,
}

impl Flags {
    fn from(m: &ArgMatches) -> Flags {
        let given = |id: &str| {
            let value = find(m, |m| m.get_one::<String>(id).cloned())?;
            let source = match find(m, |m| m.value_source(id)) {
                Some(ValueSource::CommandLine) => Source::Flag,
                _ => Source::Env,
            };
            Some(Given { value, source })
        };
        Flags {
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

async fn run(args: Cli, flags: Flags) -> i32 {
    let mut sandbox = None;
    let resolved = if args.demo {
        match Sandbox::start().await {
            Ok(s) => {
                let resolved = demo_resolved(&s, args.project.as_deref(), args.profile.clone());
                // Something to browse, rotate and delete.
                if let Err(e) = s.seed_demo() {
                    fail(&[format!("Could not start the sandbox: {e}")], EXIT_RUNTIME);
                }
                sandbox = Some(s);
                resolved
            }
            Err(e) => fail(&[format!("Could not start the sandbox: {e}")], EXIT_RUNTIME),
        }
    } else {
        // `apps` and `test` never call the KMS: a bad KMS URL or profile must not stop them.
        let uses_kms = !matches!(args.command, Some(Command::Apps { .. } | Command::Test(_)));
        let request = resolve::Request {
            kms_url: flags.kms_url.filter(|_| uses_kms),
            project: flags.project,
            profile: args.profile.clone(),
            store: if uses_kms { Store::locate() } else { None },
            env_credentials: Credentials::from_env(),
            now: now_secs(),
        };
        match resolve::resolve(request) {
            Ok(r) => r,
            Err(e) => fail(&[e], EXIT_INPUT),
        }
    };
    match args.command {
        Some(Command::Account(AccountCommand::Login(a))) if a.is_interactive() => {
            need_terminal(
                "Without a terminal give --client-id with --client-secret-stdin, or --token-stdin.",
            );
            wizard(&resolved, sandbox.as_ref(), true, true, false).await
        }
        Some(Command::Browse) => {
            need_terminal("Browsing needs a terminal. In scripts use kms-connect list.");
            let show = resolved.settings.credentials.is_none();
            wizard(&resolved, sandbox.as_ref(), show, false, true).await
        }
        Some(Command::Account(cmd)) => report(cli_account::run(cmd, &resolved).await),
        Some(cmd) => report(cli::run(cmd, &resolved.settings).await),
        None => {
            need_terminal(
                "The wizard needs a terminal. In scripts use a subcommand: kms-connect --help.",
            );
            // No identity anywhere: the sign-in comes first.
            let show = resolved.settings.credentials.is_none();
            wizard(&resolved, sandbox.as_ref(), show, false, false).await
        }
    }
}

fn report(result: cli::CliResult) -> i32 {
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

fn need_terminal(message: &str) {
    use std::io::IsTerminal;
    if !std::io::stdin().is_terminal() || !std::io::stdout().is_terminal() {
        fail(&[message.into()], EXIT_INPUT);
    }
}

async fn wizard(
    resolved: &Resolved,
    sandbox: Option<&Sandbox>,
    show: bool,
    exit_when_done: bool,
    browse: bool,
) -> i32 {
    let mut config = tui_config(resolved, sandbox, show, exit_when_done);
    config.browse = browse;
    match kms_connect::tui::run(config).await {
        Ok(ended) => ended.exit_code(),
        Err(e) => {
            eprintln!("kms-connect stopped: {e}");
            EXIT_RUNTIME
        }
    }
}

/// The demo's settings with nothing saved: no config directory is read or written.
fn demo_resolved(s: &Sandbox, project: Option<&str>, profile: Option<String>) -> Resolved {
    let settings = demo_settings(s, project);
    Resolved {
        project_source: Some(Source::Demo),
        project_name: Some(s.project_name.clone())
            .filter(|_| project.is_none_or(|p| p == s.project_id)),
        settings,
        profile_name: profile.unwrap_or_else(|| DEFAULT_PROFILE.into()),
        profile: None,
        profile_applies: false,
        server: s.kms_url.clone(),
        server_source: Source::Demo,
        identity: Some(IdentityFrom::Demo),
        token_expires_at: None,
        relogin: None,
        token_expired: false,
        store: None,
    }
}

/// Everything pointed at the sandbox; `--project` still applies (so an unknown project can
/// be tried too).
fn demo_settings(s: &Sandbox, project: Option<&str>) -> Settings {
    Settings {
        api_base: format!("{}/api", s.kms_url),
        credentials: Some(Credentials::Token(SecretString::from(s.token.clone()))),
        project_id: Some(project.unwrap_or(&s.project_id).to_owned()),
        providers: ProviderEndpoints::default()
            .with_app("bitbucket", &s.bitbucket_api)
            .with_app("northflank", &s.northflank_api),
        // The sandbox is on 127.0.0.1: a proxy from the environment must not get in between.
        direct: true,
    }
}

fn tui_config(
    resolved: &Resolved,
    sandbox: Option<&Sandbox>,
    show: bool,
    exit_when_done: bool,
) -> TuiConfig {
    let settings = &resolved.settings;
    let scope = settings.project_id.as_ref().map(|id| Scope::Project {
        id: id.clone(),
        name: resolved.project_name.clone().unwrap_or_default(),
    });
    let identity = resolved.identity_label();
    let store = resolved.store.clone().filter(|_| sandbox.is_none());
    let start = Start {
        profile: resolved.profile_name.clone(),
        server: Some(resolved.server.clone()),
        client_id: resolved.client_id(),
        method: resolved
            .profile
            .as_ref()
            .filter(|_| resolved.profile_applies)
            .map(|p| p.auth_method)
            .unwrap_or_default(),
        demo: sandbox.map(demo_login),
        exit_when_done,
        can_save: store.is_some(),
    };
    TuiConfig {
        session: Session {
            server: settings.server_label(),
            identity,
            demo: sandbox.map(demo_info),
        },
        scope,
        reach: Reach {
            api_base: settings.api_base.clone(),
            credentials: settings.credentials.clone(),
            providers: settings.providers.clone(),
            direct: settings.direct,
        },
        browse: false,
        signin: SignInConfig {
            start,
            show,
            note: resolved.why_sign_in(),
            account: Account {
                token_home: resolved.token_home(),
                store,
                signed_in: None,
                relogin: resolved.relogin.clone(),
            },
        },
    }
}

/// The sandbox's server and identities, listed on the sign-in screens.
fn demo_login(s: &Sandbox) -> DemoLogin {
    DemoLogin {
        server: s.kms_url.clone(),
        rows: vec![
            ("Client ID".into(), s.client_id.clone()),
            (
                "Client secret (all of them)".into(),
                s.client_secret.clone(),
            ),
            ("Access token (to paste)".into(), s.token.clone()),
            (
                "Tokens that last 30 s".into(),
                demo::SHORT_LIVED_CLIENT_ID.into(),
            ),
            (
                "In no project, no org list".into(),
                demo::NO_PROJECTS_CLIENT_ID.into(),
            ),
            (
                "Secret expired".into(),
                demo::EXPIRED_SECRET_CLIENT_ID.into(),
            ),
        ],
    }
}

/// What a demo user types, per app, labelled as the form labels its fields.
fn demo_info(s: &Sandbox) -> DemoInfo {
    let values = CATALOG
        .iter()
        .map(|app| {
            let (target, secret, extra): (Option<&str>, &str, Vec<(&str, &str)>) = match app.slug {
                "teamcity" => (
                    Some(&s.teamcity_url),
                    demo::TEAMCITY_TOKEN,
                    vec![
                        ("Expires in 5 days", demo::EXPIRING_TOKEN),
                        ("Per-project, no Edit project", demo::TEAMCITY_PROJECT_TOKEN),
                        ("Project to check", demo::TEAMCITY_PROJECT),
                    ],
                ),
                "octopus-deploy" => (
                    Some(&s.octopus_url),
                    demo::OCTOPUS_API_KEY,
                    vec![
                        ("Expires in 5 days", demo::EXPIRING_TOKEN),
                        ("Read-only key", demo::OCTOPUS_READONLY_KEY),
                    ],
                ),
                "bitbucket" => (
                    Some(demo::BITBUCKET_EMAIL),
                    demo::BITBUCKET_TOKEN,
                    vec![
                        ("Token missing a scope", demo::BITBUCKET_TOKEN_NO_USER_SCOPE),
                        ("No pipeline scopes", demo::BITBUCKET_TOKEN_NO_PIPELINE),
                    ],
                ),
                _ => (
                    None,
                    demo::NORTHFLANK_TOKEN,
                    vec![
                        ("Expires in 5 days", demo::EXPIRING_TOKEN),
                        ("Expired", demo::EXPIRED_TOKEN),
                        ("Org-level token", demo::NORTHFLANK_ORG_TOKEN),
                    ],
                ),
            };
            let mut rows = Vec::new();
            if let (Some(spec), Some(v)) = (&app.target, target) {
                rows.push((spec.label.to_owned(), v.to_owned()));
            }
            rows.push((app.secret.label.to_owned(), secret.to_owned()));
            rows.push(("Slow (test Esc)".to_owned(), demo::SLOW_TOKEN.to_owned()));
            rows.extend(extra.into_iter().map(|(k, v)| (k.to_owned(), v.to_owned())));
            rows.push((
                "Rate-limited (429)".to_owned(),
                demo::RATE_LIMITED_TOKEN.to_owned(),
            ));
            if let Some(url) = target.filter(|t| t.starts_with("http")) {
                rows.push((
                    "Redirecting URL".to_owned(),
                    format!("{url}{}", demo::REDIRECTING_PATH),
                ));
                rows.push((
                    "Web page URL".to_owned(),
                    format!("{url}{}", demo::WEB_PAGE_PATH),
                ));
            }
            (app.slug, rows)
        })
        .collect();
    DemoInfo { values }
}

fn fail(lines: &[String], code: i32) -> ! {
    for l in lines {
        eprintln!("{l}");
    }
    std::process::exit(code);
}
