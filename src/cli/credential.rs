//! The credential flags shared by `test`, `create` and `rotate`, and what is made of them:
//! the target field, the validated input, the options of the extra checks, and the checklist
//! as text. Problems are named by the flag that carries each field.

use clap::Args;

use super::Failure;
use crate::apps::checks::{CheckInputs, CheckOptions, Checklist};
use crate::apps::{self, AppSpec, CATALOG, FieldId, RawInput};
use crate::config::Reach;
use crate::sanitize::clean_line;

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

impl CredentialArgs {
    /// The secret from `--secret-stdin` or `--secret-env`; never from argv.
    pub fn secret(&self, app: &AppSpec) -> Result<secrecy::SecretString, Failure> {
        super::secret_input::credential(self.secret_stdin, self.secret_env.as_deref(), app)
    }
}

pub fn app_for(slug: &str) -> Result<&'static AppSpec, Failure> {
    AppSpec::by_slug(slug.trim()).ok_or_else(|| {
        let known: Vec<_> = CATALOG.iter().map(|a| a.slug).collect();
        Failure::input(format!(
            "Unknown app {:?}: use one of {}.",
            clean_line(slug),
            known.join(", ")
        ))
    })
}

/// The non-secret field from the right flag, refusing the flag of another app.
/// The target as given; in `--demo` the sandbox's when the flag is left out.
pub fn target_or_demo(
    args: &CredentialArgs,
    app: &AppSpec,
    ctx: &crate::config::Context,
) -> Result<String, Failure> {
    let given = target_value(args, app)?;
    if !given.is_empty() {
        return Ok(given);
    }
    Ok(ctx
        .demo_targets
        .iter()
        .find(|(slug, _, _)| *slug == app.slug)
        .map(|(_, v, _)| v.clone())
        .unwrap_or_default())
}

pub fn target_value(args: &CredentialArgs, app: &AppSpec) -> Result<String, Failure> {
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
pub fn field_problems(app: Option<&AppSpec>, problems: &[(FieldId, String)]) -> String {
    problems
        .iter()
        .map(|(field, message)| format!("{}: {message}", flag_for(app, *field)))
        .collect::<Vec<_>>()
        .join(" ")
}

pub fn validated(app: &'static AppSpec, raw: &RawInput) -> Result<apps::ConnectionInput, Failure> {
    apps::validate::connection(app, raw).map_err(|errors| {
        let problems: Vec<_> = errors.into_iter().map(|e| (e.field, e.message)).collect();
        Failure::input(field_problems(Some(app), &problems))
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

/// The instance URL is also judged as the KMS server in `reach` will judge it (its
/// internal-address rule): for `test`, the server a create would use; nothing is sent to it.
pub async fn run_checks(
    http: &reqwest::Client,
    input: &apps::ConnectionInput,
    reach: &Reach,
    args: &CredentialArgs,
) -> Result<Checklist, Failure> {
    let opts = check_options(args, input.app)?.for_kms(&reach.api_base);
    Ok(apps::checks::run_checks(http, input, &reach.providers, &opts).await)
}

/// The checklist as text: one line each, then its hint (what to do, or what else to know).
pub fn checklist_text(list: &Checklist) -> Vec<String> {
    let mut out = Vec::new();
    for line in list.lines() {
        out.push(format!("{} {}", line.status.mark(), line.message));
        if let Some(h) = &line.hint {
            out.push(format!("  {h}"));
        }
    }
    out
}
