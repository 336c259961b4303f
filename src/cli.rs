//! The non-interactive twins of the wizard: `apps`, `test`, `create`. Same validation, same
//! credential test and the same error guidance as the TUI.

mod connections;
pub(crate) mod stdin_secret;

use clap::{Args, Subcommand};
use secrecy::SecretString;
use serde_json::{Value, json};

use crate::apps::checks::{CheckInputs, CheckOptions, Checklist, Status};
use crate::apps::{self, AppSpec, CATALOG, FieldId, RawInput, TestOutcome};
use crate::kms::{Guidance, KmsClient};
use crate::sanitize::clean_line;
use crate::settings::{NO_CREDENTIALS, Settings};

/// Exit codes: 0 ok, 1 runtime or server error, 2 invalid input, 3 credential test failed.
pub const EXIT_RUNTIME: i32 = 1;
pub const EXIT_INPUT: i32 = 2;
pub const EXIT_TEST_FAILED: i32 = 3;

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the apps, their method and fields.
    Apps {
        #[arg(long)]
        json: bool,
    },
    /// Test a credential the way the KMS server will, without creating anything.
    Test(TestArgs),
    /// Test a credential, then create the App Connection.
    Create(CreateArgs),
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
    #[command(flatten)]
    Account(crate::cli_account::AccountCommand),
}

#[derive(Debug, Args)]
pub struct CredentialArgs {
    /// App slug: teamcity, octopus-deploy, bitbucket or northflank.
    pub app: String,
    /// Instance URL (TeamCity, Octopus Deploy).
    #[arg(long)]
    pub instance_url: Option<String>,
    /// Atlassian account email (Bitbucket).
    #[arg(long)]
    pub email: Option<String>,
    /// Read the secret (token / API key) from standard input.
    #[arg(long, conflicts_with = "secret_env")]
    pub secret_stdin: bool,
    /// Read the secret from this environment variable.
    #[arg(long, value_name = "VAR")]
    pub secret_env: Option<String>,
    /// Print JSON for scripts.
    #[arg(long)]
    pub json: bool,
    /// TeamCity: a project id to check "View build configuration settings" and "Edit project"
    /// on; Northflank: a project id to check listing and reading its secret groups on.
    #[arg(long, value_name = "ID")]
    pub check_project: Option<String>,
    /// TeamCity: the name of the token given, so its own expiry and project limits are judged.
    #[arg(long, value_name = "NAME")]
    pub token_name: Option<String>,
    /// Bitbucket: the use to judge the token's scopes for (every use when left out).
    #[arg(long = "use", value_name = "USE", value_parser = use_names())]
    pub use_for: Option<String>,
    /// A PEM file with a CA to trust for the provider (the KMS server must trust it too).
    #[arg(long, value_name = "FILE")]
    pub ca_cert: Option<String>,
}

#[derive(Debug, Args)]
pub struct TestArgs {
    #[command(flatten)]
    pub cred: CredentialArgs,
}

#[derive(Debug, Args)]
pub struct CreateArgs {
    #[command(flatten)]
    pub cred: CredentialArgs,
    /// Connection name: lowercase letters, digits and hyphens.
    #[arg(long)]
    pub name: String,
    #[arg(long)]
    pub description: Option<String>,
    /// Create without testing the credential first.
    #[arg(long)]
    pub skip_test: bool,
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
            first = format!("{} {}", first, field_problems(app, &problems));
        }
        Failure {
            lines: std::iter::once(first).chain(g.hint.clone()).collect(),
            code: g.exit_code(),
        }
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

pub async fn run(cmd: Command, settings: &Settings) -> CliResult {
    match cmd {
        Command::Apps { json } => {
            print_apps(json);
            Ok(())
        }
        Command::Test(args) => test(args, settings).await,
        Command::Create(args) => create(args, settings).await,
        Command::Browse => Err(Failure::input("browse needs a terminal.")),
        Command::List(args) => connections::list(args, settings).await,
        Command::Get(args) => connections::get(args, settings).await,
        Command::Rotate(args) => connections::rotate(args, settings).await,
        Command::Update(args) => connections::update(args, settings).await,
        Command::Delete(args) => connections::delete(args, settings).await,
        // Needs the resolved profile, not just the settings: `main` runs it.
        Command::Account(_) => Err(Failure::input("Run account commands through kms-connect.")),
    }
}

fn print_apps(json: bool) {
    if json {
        let list: Vec<Value> = CATALOG
            .iter()
            .map(|a| {
                let mut fields = vec![
                    json!({"name": "name", "label": "Name", "required": true, "secret": false}),
                    json!({"name": "description", "label": "Description", "required": false, "secret": false}),
                ];
                if let Some(t) = &a.target {
                    fields.push(json!({"name": t.key, "label": t.label, "required": true, "secret": false, "flag": t.flag}));
                }
                fields.push(json!({"name": a.secret.key, "label": a.secret.label, "required": true, "secret": true,
                                   "flag": "--secret-stdin | --secret-env VAR"}));
                json!({"app": a.slug, "name": a.name, "method": a.method, "methodName": a.method_name,
                       "description": a.tagline, "fields": fields})
            })
            .collect();
        println!("{}", crate::sanitize::json_pretty(&list));
        return;
    }
    println!("{:<16} {:<16} {:<14} FIELDS", "APP", "NAME", "METHOD");
    for a in CATALOG {
        let mut fields = vec!["name".to_owned(), "description?".to_owned()];
        if let Some(t) = &a.target {
            fields.push(format!("{} ({})", t.key, t.flag));
        }
        fields.push(format!("{} (secret)", a.secret.key));
        println!(
            "{:<16} {:<16} {:<14} {}",
            a.slug,
            a.name,
            a.method,
            fields.join(", ")
        );
    }
}

fn app_for(slug: &str) -> Result<&'static AppSpec, Failure> {
    AppSpec::by_slug(slug.trim()).ok_or_else(|| {
        let known: Vec<_> = CATALOG.iter().map(|a| a.slug).collect();
        Failure::input(format!(
            "Unknown app {:?}: use one of {}.",
            clean_line(slug),
            known.join(", ")
        ))
    })
}

/// Reads the secret from stdin or the named variable; never from argv.
fn read_secret(args: &CredentialArgs, app: &AppSpec) -> Result<SecretString, Failure> {
    if args.secret_stdin {
        // Empty is left to the form's own rule, which names the field.
        return stdin_secret::read(&app.secret_noun());
    }
    if let Some(var) = &args.secret_env {
        return std::env::var(var).map(SecretString::from).map_err(|_| {
            Failure::input(format!(
                "Environment variable {} is not set (it should hold the {}).",
                clean_line(var),
                app.secret.label
            ))
        });
    }
    Err(Failure::input(format!(
        "Give the {} with --secret-stdin or --secret-env VAR (secrets are never taken from the command line).",
        app.secret.label
    )))
}

/// The non-secret field from the right flag, refusing the flag of another app.
fn target_value(args: &CredentialArgs, app: &AppSpec) -> Result<String, Failure> {
    let wanted = app.target.as_ref().map(|t| t.flag);
    for (flag, value) in [
        ("--instance-url", &args.instance_url),
        ("--email", &args.email),
    ] {
        if value.is_some() && wanted != Some(flag) {
            let takes = wanted.map_or_else(
                || "neither --instance-url nor --email".to_owned(),
                |w| format!("{w}, not {flag}"),
            );
            return Err(Failure::input(format!("{} takes {takes}.", app.slug)));
        }
    }
    Ok(args
        .instance_url
        .clone()
        .or_else(|| args.email.clone())
        .unwrap_or_default())
}

/// Validates; problems are reported with the flag that carries each field.
/// The flag (or source) that carries a field on the command line.
fn flag_for(app: Option<&AppSpec>, field: FieldId) -> &'static str {
    match field {
        FieldId::Name => "--name",
        FieldId::Description => "--description",
        FieldId::Target => app
            .and_then(|a| a.target.as_ref())
            .map_or("the target", |t| t.flag),
        FieldId::Secret => "secret",
        FieldId::CheckProject => "--check-project",
        FieldId::TokenName => "--token-name",
        FieldId::CaCert => "--ca-cert",
    }
}

/// Field problems on one line, each named by its flag: `--name: … --email: …`.
fn field_problems(app: Option<&AppSpec>, problems: &[(FieldId, String)]) -> String {
    problems
        .iter()
        .map(|(field, message)| format!("{}: {message}", flag_for(app, *field)))
        .collect::<Vec<_>>()
        .join(" ")
}

fn validated(app: &'static AppSpec, raw: &RawInput) -> Result<apps::ConnectionInput, Failure> {
    apps::validate::connection(app, raw).map_err(|errors| {
        let problems: Vec<_> = errors.into_iter().map(|e| (e.field, e.message)).collect();
        Failure::input(field_problems(Some(app), &problems))
    })
}

/// Says once, on stderr, that credentials are about to go to a plain http:// server on another
/// machine (before they are read or sent).
pub(crate) fn warn_if_in_clear(api_base: &str) {
    static ONCE: std::sync::Once = std::sync::Once::new();
    if crate::kms::client::sends_in_clear(api_base) {
        ONCE.call_once(|| eprintln!("Warning: {}", crate::kms::client::IN_CLEAR_WARNING));
    }
}

fn client_for(
    settings: &Settings,
    extra_urls: &[&str],
    ca_cert: Option<&str>,
) -> Result<reqwest::Client, Failure> {
    if let Some(path) = ca_cert {
        return crate::http::client_with_ca_file(settings.direct, path).map_err(Failure::input);
    }
    let needs_tls = settings.kms_needs_tls() || crate::http::any_https(extra_urls.iter().copied());
    crate::http::client(needs_tls, settings.direct).map_err(|e| Failure {
        lines: vec![format!(
            "Could not set up HTTP: {}",
            clean_line(&e.to_string())
        )],
        code: EXIT_RUNTIME,
    })
}

/// Every `--use` value the catalog knows (`sync`, `scanning`).
fn use_names() -> clap::builder::PossibleValuesParser {
    clap::builder::PossibleValuesParser::new(
        CATALOG
            .iter()
            .flat_map(|a| a.scope_sets.iter().map(|s| s.flag_value)),
    )
}

/// The use named by `--use`, as the checks name it; refused for an app without uses.
fn use_name(args: &CredentialArgs, app: &AppSpec) -> Result<Option<String>, Failure> {
    let Some(value) = args.use_for.as_deref() else {
        return Ok(None);
    };
    match app.scope_set_for_flag(value) {
        Some(set) => Ok(Some(set.use_name.to_owned())),
        None if app.scope_sets.is_empty() => {
            Err(Failure::input(format!("{} takes no --use.", app.slug)))
        }
        None => {
            let known: Vec<_> = app.scope_sets.iter().map(|s| s.flag_value).collect();
            Err(Failure::input(format!(
                "{} takes --use {}.",
                app.slug,
                known.join(" or ")
            )))
        }
    }
}

/// What the checks need beyond the credential, from the flags.
fn check_options(args: &CredentialArgs, app: &AppSpec) -> Result<CheckOptions, Failure> {
    Ok(CheckOptions::new(
        CheckInputs {
            project: args.check_project.clone(),
            token_name: args.token_name.clone(),
            use_name: use_name(args, app)?,
            ca_cert: args.ca_cert.clone(),
        },
        std::time::SystemTime::now(),
        &apps::front_end::COMMAND_LINE,
    ))
}

async fn run_checks(
    http: &reqwest::Client,
    input: &apps::ConnectionInput,
    settings: &Settings,
    args: &CredentialArgs,
) -> Result<Checklist, Failure> {
    let opts = check_options(args, input.app)?;
    Ok(apps::checks::run_checks(http, input, &settings.providers, &opts).await)
}

/// The checklist as text: one line each, then its hint (what to do, or what else to know).
fn checklist_text(list: &Checklist) -> Vec<String> {
    let mut out = Vec::new();
    for line in list.lines() {
        out.push(format!("{} {}", line.status.mark(), line.message));
        if let Some(h) = &line.hint {
            out.push(format!("  {h}"));
        }
    }
    out
}

async fn test(args: TestArgs, settings: &Settings) -> CliResult {
    let app = app_for(&args.cred.app)?;
    let target = target_value(&args.cred, app)?;
    let secret = read_secret(&args.cred, app)?;
    let raw = RawInput {
        name: app.suggested_name(),
        description: String::new(),
        target,
        secret,
    };
    let input = validated(app, &raw)?;
    let url = apps::probe::probe_url(app, &input, &settings.providers);
    let http = client_for(settings, &[&url], args.cred.ca_cert.as_deref())?;
    let list = run_checks(&http, &input, settings, &args.cred).await?;
    if args.cred.json {
        println!("{}", crate::sanitize::json_pretty(&list));
    }
    if !list.ok() {
        return Err(Failure::from_checklist(&list));
    }
    if !args.cred.json {
        for line in checklist_text(&list) {
            println!("{line}");
        }
    }
    Ok(())
}

async fn create(args: CreateArgs, settings: &Settings) -> CliResult {
    let app = app_for(&args.cred.app)?;
    let target = target_value(&args.cred, app)?;
    let secret = read_secret(&args.cred, app)?;
    let raw = RawInput {
        name: args.name.clone(),
        description: args.description.clone().unwrap_or_default(),
        target,
        secret,
    };
    let input = validated(app, &raw)?;
    let Some(creds) = &settings.credentials else {
        return Err(Failure::input(NO_CREDENTIALS));
    };
    let probe_url = apps::probe::probe_url(app, &input, &settings.providers);
    let extra: Vec<&str> = if args.skip_test {
        Vec::new()
    } else {
        vec![probe_url.as_str()]
    };
    let http = client_for(settings, &extra, args.cred.ca_cert.as_deref())?;
    // The checklist goes to stderr (stdout stays the created object), once the connection
    // exists: a failure is then reported alone, in its two lines.
    let mut report = Vec::new();
    if !args.skip_test {
        let list = run_checks(&http, &input, settings, &args.cred).await?;
        if !list.ok() {
            return Err(Failure::from_checklist(&list));
        }
        if !args.cred.json {
            report = checklist_text(&list);
        }
    }
    warn_if_in_clear(&settings.api_base);
    let client = creds
        .sign_in(KmsClient::new(http, settings.api_base.clone()))
        .await
        .map_err(|e| Failure::from_guidance(&e.guidance(None), None))?;
    let created = client
        .create_connection(&input, settings.project_id.as_deref())
        .await
        .map_err(|e| Failure::from_guidance(&e.guidance(Some(app)), Some(app)))?;
    for line in report {
        eprintln!("{line}");
    }
    if args.cred.json {
        println!("{}", crate::sanitize::json_pretty(&created.raw));
    } else {
        let scope = created.project_id.as_deref().map_or_else(
            || "organization level".into(),
            |p| format!("project {}", clean_line(p)),
        );
        println!(
            "Created {} connection {} ({scope}).",
            app.name,
            clean_line(&created.name)
        );
        println!("ID {}", clean_line(&created.id));
        println!("credentialsHash {}", clean_line(&created.credentials_hash));
    }
    Ok(())
}
