//! `kms-connect`: the wizard with no subcommand, the scriptable twins with one, and `--demo`
//! to run either against the built-in sandbox.

use clap::Parser;
use kms_connect::apps::{CATALOG, ProviderEndpoints};
use kms_connect::cli::{self, Command, EXIT_INPUT, EXIT_RUNTIME};
use kms_connect::kms::auth::Credentials;
use kms_connect::sandbox::{Sandbox, demo};
use kms_connect::settings::{NO_CREDENTIALS, Settings};
use kms_connect::tui::worker::Reach;
use kms_connect::tui::{DemoInfo, Scope, Session, TuiConfig};
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
    #[command(subcommand)]
    command: Option<Command>,
}

fn main() {
    let args = Cli::parse();
    // The CLI does one request at a time; the wizard and the sandbox want a second thread.
    let runtime =
        if args.command.is_some() && !args.demo && !matches!(args.command, Some(Command::Browse)) {
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
    let code = runtime.block_on(run(args));
    // Do not wait for background tasks (a cancelled request, the sandbox) to wind down.
    runtime.shutdown_background();
    std::process::exit(code);
}

async fn run(args: Cli) -> i32 {
    let mut sandbox = None;
    let settings = if args.demo {
        match Sandbox::start().await {
            Ok(s) => {
                let settings = demo_settings(&s, args.project.as_deref());
                // Something to browse, rotate and delete.
                if let Err(e) = s.seed_demo() {
                    fail(&[format!("Could not start the sandbox: {e}")], EXIT_RUNTIME);
                }
                sandbox = Some(s);
                settings
            }
            Err(e) => fail(&[format!("Could not start the sandbox: {e}")], EXIT_RUNTIME),
        }
    } else {
        // `apps` and `test` never call the KMS: a bad KMS URL must not stop them.
        let uses_kms = !matches!(args.command, Some(Command::Apps { .. } | Command::Test(_)));
        let kms_url = args.kms_url.as_deref().filter(|_| uses_kms);
        match Settings::resolve(kms_url, args.project.as_deref()) {
            Ok(s) => s,
            Err(e) => fail(&[e], EXIT_INPUT),
        }
    };
    let browse = matches!(args.command, Some(Command::Browse));
    match args.command.filter(|_| !browse) {
        Some(cmd) => match cli::run(cmd, &settings).await {
            Ok(()) => 0,
            Err(f) => {
                for line in &f.lines {
                    eprintln!("{line}");
                }
                f.code
            }
        },
        None => {
            use std::io::IsTerminal;
            if !std::io::stdin().is_terminal() || !std::io::stdout().is_terminal() {
                fail(
                    &["The wizard needs a terminal. In scripts use a subcommand: kms-connect --help.".into()],
                    EXIT_INPUT,
                );
            }
            if settings.credentials.is_none() {
                fail(&[NO_CREDENTIALS.into()], EXIT_INPUT);
            }
            let mut config = tui_config(&settings, sandbox.as_ref());
            config.browse = browse;
            match kms_connect::tui::run(config).await {
                Ok(()) => 0,
                Err(e) => {
                    eprintln!("kms-connect stopped: {e}");
                    EXIT_RUNTIME
                }
            }
        }
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

fn tui_config(settings: &Settings, sandbox: Option<&Sandbox>) -> TuiConfig {
    let scope = settings.project_id.as_ref().map(|id| Scope::Project {
        id: id.clone(),
        name: sandbox.map_or_else(String::new, |s| s.project_name.clone()),
    });
    let identity = settings
        .credentials
        .as_ref()
        .map_or_else(|| "not signed in".into(), Credentials::describe);
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
