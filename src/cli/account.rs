//! The account commands: `login` (non-interactive; the interactive one is the TUI sign-in),
//! `logout`, `status` and `projects`. Same sign-in code and the same error guidance as the
//! sign-in screens.

use clap::{Args, Subcommand};
use serde_json::{Value, json};

use super::session::{self, signed_in_call, warn_if_in_clear};
use super::{CliResult, EXIT_INPUT, EXIT_TEST_FAILED, Failure, secret_input};
use crate::config::context::{IdentityFrom, Source};
use crate::config::signin::{self, Attempt, LoginFailure};
use crate::config::{Context, NOT_SIGNED_IN, describe_expiry, describe_token_expiry, now_secs};
use crate::kms::Project;
use crate::kms::auth::Credentials;
use crate::sanitize::clean_line;

#[derive(Debug, Subcommand)]
pub enum AccountCommand {
    /// Sign in to a KMS server and save the answers in a profile (in a terminal without
    /// --client-id or --token-stdin: the sign-in screens).
    Login(LoginArgs),
    /// Delete the cached access token and any stored secret of the profile.
    Logout,
    /// Server, identity, organization, project and token expiry, and where each came from.
    Status {
        /// Print the same facts as JSON.
        #[arg(long)]
        json: bool,
    },
    /// The projects this identity can see.
    Projects {
        /// Print the projects as JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
pub struct LoginArgs {
    /// Universal-auth client ID of a machine identity (the secret comes from stdin).
    #[arg(long)]
    pub client_id: Option<String>,
    /// Read the client secret from standard input.
    #[arg(long, requires = "client_id", conflicts_with = "token_stdin")]
    pub client_secret_stdin: bool,
    /// Read an access token from standard input instead of using universal auth.
    #[arg(long, conflicts_with = "client_id")]
    pub token_stdin: bool,
    /// Keep the secret and the access token on this machine (files only you can read).
    #[arg(long)]
    pub remember: bool,
}

impl LoginArgs {
    /// No identity given on the command line: the sign-in screens ask for it.
    pub fn is_interactive(&self) -> bool {
        self.client_id.is_none() && !self.token_stdin
    }
}

pub async fn run(cmd: AccountCommand, ctx: &Context) -> CliResult {
    match cmd {
        AccountCommand::Login(args) => login(args, ctx).await,
        AccountCommand::Logout => logout(ctx),
        AccountCommand::Status { json } => status(ctx, json).await,
        AccountCommand::Projects { json } => projects(ctx, json).await,
    }
}

fn login_failed(f: &LoginFailure) -> Failure {
    let mut failure = Failure::from_guidance(&f.guidance, None);
    if f.refused {
        failure.code = EXIT_TEST_FAILED;
    }
    failure
}

async fn login(args: LoginArgs, ctx: &Context) -> CliResult {
    // Before the secret is typed at a prompt, not after it was sent.
    warn_if_in_clear(&ctx.reach.api_base);
    let credentials = if args.token_stdin {
        Credentials::Token(secret_input::required("access token")?)
    } else {
        let client_id = args.client_id.clone().unwrap_or_default();
        if client_id.trim().is_empty() {
            return Err(Failure::input("--client-id is empty."));
        }
        if !args.client_secret_stdin {
            return Err(Failure::input(
                "Give the client secret with --client-secret-stdin (secrets are never taken from the command line).",
            ));
        }
        Credentials::UniversalAuth {
            client_id: client_id.trim().to_owned(),
            client_secret: secret_input::required("client secret")?,
        }
    };
    let store = ctx.store.clone();
    if store.is_none() && !ctx.is_demo() {
        return Err(Failure::input(
            "No config directory: set KMS_CONNECT_CONFIG_DIR (or HOME) so the profile can be saved.",
        ));
    }
    let http = session::http_client(ctx, &[], None)?;
    let api_base = ctx.reach.api_base.clone();
    signin::probe(&http, &api_base)
        .await
        .map_err(|g| Failure::from_guidance(&g, None))?;
    let attempt = Attempt {
        server: ctx.server.clone(),
        api_base,
        credentials,
        remember: args.remember,
        profile: ctx.profile_name.clone(),
    };
    let signed = signin::log_in(&http, &attempt, store.as_ref())
        .await
        .map_err(|f| login_failed(&f))?;
    if let Some(problem) = &signed.save_problem {
        return Err(Failure::runtime(format!(
            "Signed in, but the profile was not saved: {problem}"
        )));
    }
    // A project from a flag or the environment is checked against the list, then saved.
    let mut project_line = None;
    if let (Some(wanted), Some(Source::Flag | Source::Env)) = (&ctx.project_id, ctx.project_source)
    {
        let list = signed
            .client
            .list_projects()
            .await
            .map_err(|e| Failure::from_guidance(&e.guidance(None), None))?;
        let Some(p) = list.iter().find(|p| &p.id == wanted || &p.slug == wanted) else {
            return Err(Failure {
                lines: vec![
                    format!(
                        "Project {:?} is not among the projects this identity can see.",
                        clean_line(wanted)
                    ),
                    "Run `kms-connect projects` to list them, or add the identity to the project."
                        .into(),
                ],
                code: EXIT_INPUT,
            });
        };
        if let Some(store) = &store {
            signin::save_project(store, &ctx.profile_name, Some((&p.id, &p.name)))
                .map_err(Failure::runtime)?;
        }
        project_line = Some(format!("Project: {} ({}).", p.name, p.id));
    }
    let org = signed
        .organization
        .as_deref()
        .map(|o| format!(" ({o})"))
        .unwrap_or_default();
    println!(
        "✓ Signed in to {} as {}{org}.",
        ctx.reach.server_label(),
        signed.identity
    );
    let Some(store) = store else {
        if let Some(line) = project_line {
            println!("{line}");
        }
        println!("Demo: nothing was saved (the sandbox forgets everything when it stops).");
        return Ok(());
    };
    println!(
        "Profile \"{}\" saved in {}.",
        ctx.profile_name,
        store.profiles_path().display()
    );
    if let Some(line) = project_line {
        println!("{line}");
    }
    if args.remember {
        println!(
            "The secret and the access token are kept on this machine (mode 0600) until `kms-connect logout`."
        );
        println!(
            "Token expires: {}.",
            describe_token_expiry(signed.expires_at, args.token_stdin, now_secs())
        );
    } else {
        println!(
            "The access token is cached on this machine (mode 0600) until it expires; the client secret is not stored (log in with --remember to renew the token without asking)."
        );
        println!(
            "Token expires: {}.",
            describe_token_expiry(signed.expires_at, args.token_stdin, now_secs())
        );
    }
    Ok(())
}

fn logout(ctx: &Context) -> CliResult {
    let Some(store) = &ctx.store else {
        if ctx.is_demo() {
            println!("Demo: nothing is stored, so there is nothing to remove.");
        } else {
            println!("No config directory: nothing is stored.");
        }
        return Ok(());
    };
    let (removed, notes) = store
        .forget_reporting(&ctx.profile_name)
        .map_err(Failure::runtime)?;
    for note in &notes {
        println!("{}", clean_line(note));
    }
    if removed || !notes.is_empty() {
        println!(
            "Removed the stored secret and cached token of profile \"{}\".",
            ctx.profile_name
        );
    } else {
        println!(
            "Profile \"{}\" had no stored secret or cached token.",
            ctx.profile_name
        );
    }
    Ok(())
}

async fn projects(ctx: &Context, json: bool) -> CliResult {
    let creds = session::credentials(ctx)?;
    let http = session::http_client(ctx, &[], None)?;
    let (list, _) = signed_in_call(
        ctx,
        creds,
        &http,
        |c| async move { c.list_projects().await },
    )
    .await
    .map_err(|e| Failure::from_kms_identity(&e))?;
    if json {
        println!("{}", crate::sanitize::json_pretty(&list));
    } else if list.is_empty() {
        eprintln!(
            "This identity sees no projects: add it to a project in the KMS (the project's Access Control), or use organization level."
        );
    } else {
        print_projects(&list);
    }
    Ok(())
}

fn print_projects(list: &[Project]) {
    let width = list
        .iter()
        .map(|p| p.name.chars().count())
        .max()
        .unwrap_or(4)
        .max(4);
    println!("{:<36}  {:<width$}  SLUG", "ID", "NAME");
    for p in list {
        println!("{:<36}  {:<width$}  {}", p.id, p.name, p.slug);
    }
}

fn identity_words(ctx: &Context) -> Option<(String, &'static str)> {
    let creds = ctx.reach.credentials.as_ref()?;
    let how = match ctx.identity? {
        IdentityFrom::EnvToken => "KMS_TOKEN",
        IdentityFrom::EnvUniversalAuth => "KMS_UNIVERSAL_AUTH_CLIENT_ID/_SECRET",
        IdentityFrom::CachedToken => "cached token",
        IdentityFrom::StoredSecret => "stored secret",
        IdentityFrom::Demo => "sandbox token",
    };
    Some((creds.describe(), how))
}

async fn status(ctx: &Context, json: bool) -> CliResult {
    let now = now_secs();
    let profile_path = ctx
        .store
        .as_ref()
        .map(|s| s.profiles_path().display().to_string());
    let saved = ctx.profile.is_some();
    // Ask the server who we are (only when there is an identity).
    let mut organization = None;
    let mut problem: Option<Failure> = None;
    let mut expires = ctx.token_expires_at.flatten();
    if let Some(creds) = &ctx.reach.credentials {
        let http = session::http_client(ctx, &[], None)?;
        match signed_in_call(ctx, creds, &http, |c| async move { c.organization().await }).await {
            Ok((org, exp)) => {
                organization = org.map(|o| o.name);
                expires = exp.or(expires);
            }
            // A user's session token: the identity route refuses it (403), the app-connection
            // routes accept it. Say so, with the organization from its claims.
            Err(crate::kms::KmsError::Api(e))
                if e.status == 403 && creds.user_session_organization().is_some() =>
            {
                let org = creds.user_session_organization().unwrap_or_default();
                organization = Some(format!("user session, organization {org}"));
            }
            Err(e) => problem = Some(Failure::from_kms_identity(&e)),
        }
    }
    let identity = identity_words(ctx);
    let mut project = ctx.project_id.as_ref().map(|id| {
        let name = ctx.project_name.clone().unwrap_or_default();
        (id.clone(), name)
    });
    // The project (flag, environment or profile) must be one the identity can see.
    if let (Some(creds), Some((wanted, name)), None) =
        (&ctx.reach.credentials, project.as_mut(), &problem)
    {
        let http = session::http_client(ctx, &[], None)?;
        match signed_in_call(
            ctx,
            creds,
            &http,
            |c| async move { c.list_projects().await },
        )
        .await
        {
            Ok((list, _)) => match list.iter().find(|p| &p.id == wanted || &p.slug == wanted) {
                Some(p) => {
                    *wanted = p.id.clone();
                    *name = p.name.clone();
                }
                None => problem = Some(session::unknown_project(wanted)),
            },
            Err(e) => problem = Some(Failure::from_kms_identity(&e)),
        }
    }
    if json {
        let v = json!({
            "profile": { "name": ctx.profile_name, "saved": saved, "path": profile_path,
                          "applies": ctx.profile_applies },
            "server": { "value": ctx.server, "source": ctx.server_source },
            "identity": identity.as_ref().map(|(what, how)| json!({
                "value": what, "source": ctx.identity.map(IdentityFrom::source),
                "from": how, "organization": organization,
                "ok": problem.is_none(),
                "problem": problem.as_ref().map(|p| p.lines.join(" ")),
            })),
            "project": project.as_ref().map(|(id, name)| json!({
                "id": id, "name": if name.is_empty() { Value::Null } else { Value::from(name.clone()) },
                "source": ctx.project_source,
            })),
            "token": identity.as_ref().map(|_| json!({
                "expiresAt": expires.and_then(crate::config::secrets::rfc3339),
                "expires": expires.map(|t| describe_expiry(Some(t), now)),
            })),
        });
        println!("{}", crate::sanitize::json_pretty(&v));
    } else {
        let from = |s: Source| format!("[{}]", s.label());
        let saved_words = match (&profile_path, saved) {
            (Some(p), true) => format!("saved in {p}"),
            (Some(p), false) => format!("not saved yet; would be in {p}"),
            (None, _) if ctx.is_demo() => "demo: nothing is saved".into(),
            (None, _) => "no config directory".into(),
        };
        println!("Profile   {}  ({saved_words})", ctx.profile_name);
        println!(
            "Server    {}  {}",
            clean_line(&ctx.server),
            from(ctx.server_source)
        );
        match &identity {
            Some((what, how)) => {
                let org = organization
                    .as_deref()
                    .map(|o| format!(" · {o}"))
                    .unwrap_or_default();
                let source = ctx
                    .identity
                    .map(IdentityFrom::source)
                    .unwrap_or(Source::Env);
                println!("Identity  {what}{org}  [{}: {how}]", source.label());
            }
            None if ctx.token_expired => {
                println!("Identity  none: the cached token has expired (run `kms-connect login`)")
            }
            None => println!("Identity  none  (run `kms-connect login`)"),
        }
        match &project {
            Some((id, name)) if !name.is_empty() => println!(
                "Project   {} ({})  {}",
                clean_line(name),
                clean_line(id),
                from(ctx.project_source.unwrap_or(Source::Flag))
            ),
            Some((id, _)) => println!(
                "Project   {}  {}",
                clean_line(id),
                from(ctx.project_source.unwrap_or(Source::Flag))
            ),
            None => println!("Project   not chosen (the wizard asks)"),
        }
        if identity.is_some() {
            let pasted = matches!(ctx.reach.credentials.as_ref(), Some(Credentials::Token(_)));
            let words = describe_token_expiry(expires, pasted, now);
            println!("Token     expires {words}");
        }
        if !ctx.demo_targets.is_empty() {
            // The sandbox's ports are random: what to paste into test and create.
            println!();
            println!(
                "Demo values (test and create use the URL or email when the flag is left out):"
            );
            for (slug, target, secret) in &ctx.demo_targets {
                let target = if target.is_empty() {
                    "(no URL: fixed API)".to_owned()
                } else {
                    target.clone()
                };
                println!("  {slug:<15} {target:<32} secret {secret}");
            }
        }
    }
    if let Some(p) = problem {
        return Err(p);
    }
    if identity.is_none() {
        return Err(Failure::input(NOT_SIGNED_IN));
    }
    Ok(())
}
