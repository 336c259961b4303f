//! `kms-connect sync …`: the Secret Sync twins of the wizard (issue 14): list destinations at
//! the provider with the credential, create a sync (checked before sending, optionally after
//! checking the destination), list, get, run and delete, and wait for a run to end.
//! Exit codes: 0 ok (or succeeded), 1 runtime error or still running at the timeout, 2 invalid
//! input, 3 destination check failed, 4 the sync failed (decoded message on stderr).

use std::io::IsTerminal;
use std::time::Duration;

use clap::{Args, Subcommand};
use serde_json::{Value, json};

use super::credential::{app_for, target_or_demo, validated};
use super::session::{self, Kms};
use super::{CliResult, EXIT_RUNTIME, EXIT_TEST_FAILED, Failure};
use crate::apps::destinations::{self, Node};
use crate::apps::sync_spec::{self, Destination, InitialSync, SyncDraft};
use crate::apps::{ConnectionInput, RawInput};
use crate::config::Context;
use crate::kms::syncs::{self, Health, SecretSync, SyncRef};
use crate::kms::{ConnectionRef, KmsClient, KmsError};
use crate::sanitize::{clean_line, json_pretty};

/// The sync failed.
pub const EXIT_SYNC_FAILED: i32 = 4;

#[derive(Debug, Subcommand)]
pub enum SyncCommand {
    /// List the destinations the credential reaches at the provider (all pages).
    Destinations(DestArgs),
    /// Create a Secret Sync for a connection (validated before sending).
    Create(Box<CreateArgs>),
    /// List the project's syncs with their health (without a project: every visible project).
    List(ListArgs),
    /// Show one sync, with its last message decoded.
    Get(GetArgs),
    /// Run a sync now.
    Run(RunArgs),
    /// Delete a sync (optionally removing the synced secrets at the destination).
    Delete(DeleteArgs),
}

/// The provider credential, for listing and checking destinations.
#[derive(Debug, Args)]
pub struct ProviderCred {
    /// Instance URL (TeamCity, Octopus Deploy).
    #[arg(long)]
    pub instance_url: Option<String>,
    /// Atlassian account email (Bitbucket).
    #[arg(long)]
    pub email: Option<String>,
    /// Read the secret from standard input.
    #[arg(long, conflicts_with = "secret_env")]
    pub secret_stdin: bool,
    /// Read the secret from this environment variable.
    #[arg(long, value_name = "VAR")]
    pub secret_env: Option<String>,
}

#[derive(Debug, Args)]
pub struct DestArgs {
    /// teamcity, octopus-deploy, bitbucket or northflank.
    pub app: String,
    #[command(flatten)]
    pub cred: ProviderCred,
    /// Print the destinations as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct CreateArgs {
    /// App slug: teamcity, octopus-deploy, bitbucket or northflank.
    pub app: String,
    /// The connection's ID or name.
    #[arg(long)]
    pub connection: String,
    /// The sync's name.
    #[arg(long)]
    pub name: String,
    /// The source environment's slug.
    #[arg(long)]
    pub environment: String,
    /// The folder of secrets to sync, in the source environment.
    #[arg(long, default_value = "/")]
    pub path: String,
    /// destinationConfig KEY=VALUE (e.g. project=Backend, scopeValues.environments=A,B).
    #[arg(long = "dest", value_name = "KEY=VALUE")]
    pub dest: Vec<String>,
    /// overwrite-destination, import-prioritize-source or import-prioritize-destination.
    #[arg(long)]
    pub initial: Option<String>,
    /// How secret keys are named at the destination, e.g. 'KMS_{{secretKey}}'.
    #[arg(long)]
    pub key_schema: Option<String>,
    /// Never delete at the destination (disableSecretDeletion).
    #[arg(long)]
    pub keep_destination_secrets: bool,
    /// Sync only when run (kms-connect sync run), not on every change.
    #[arg(long)]
    pub no_auto_sync: bool,
    /// What the sync is for.
    #[arg(long)]
    pub description: Option<String>,
    /// Check the destination with the credential first (needs --secret-stdin or --secret-env).
    #[arg(long)]
    pub check: bool,
    #[command(flatten)]
    pub cred: ProviderCred,
    /// Wait until the first run ends (exit 0 succeeded, 4 failed, 1 timeout).
    #[arg(long)]
    pub wait: bool,
    /// How long --wait waits for the run to end.
    #[arg(long, default_value_t = 180, value_name = "SECS")]
    pub wait_timeout: u64,
    /// Print the server's object as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only this app's syncs (teamcity, octopus-deploy, bitbucket, northflank).
    #[arg(long)]
    pub app: Option<String>,
    /// Only the syncs of this connection (ID or name).
    #[arg(long)]
    pub connection: Option<String>,
    /// Print the server's objects as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct GetArgs {
    /// App slug: teamcity, octopus-deploy, bitbucket or northflank.
    pub app: String,
    /// The sync's ID or name.
    pub sync: String,
    /// Print the server's object as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// App slug: teamcity, octopus-deploy, bitbucket or northflank.
    pub app: String,
    /// The sync's ID or name.
    pub sync: String,
    /// Wait until the run ends (exit 0 succeeded, 4 failed, 1 timeout).
    #[arg(long)]
    pub wait: bool,
    /// How long --wait waits for the run to end.
    #[arg(long, default_value_t = 180, value_name = "SECS")]
    pub wait_timeout: u64,
}

#[derive(Debug, Args)]
pub struct DeleteArgs {
    /// App slug: teamcity, octopus-deploy, bitbucket or northflank.
    pub app: String,
    /// The sync's ID or name.
    pub sync: String,
    /// Also remove the synced secrets at the destination.
    #[arg(long)]
    pub remove_secrets: bool,
    /// Do not ask (needed without a terminal).
    #[arg(long)]
    pub yes: bool,
}

pub async fn run(cmd: SyncCommand, ctx: &Context) -> CliResult {
    match cmd {
        SyncCommand::Destinations(a) => list_destinations(a, ctx).await,
        SyncCommand::Create(a) => create(*a, ctx).await,
        SyncCommand::List(a) => list(a, ctx).await,
        SyncCommand::Get(a) => get(a, ctx).await,
        SyncCommand::Run(a) => run_now(a, ctx).await,
        SyncCommand::Delete(a) => delete(a, ctx).await,
    }
}

fn dest_for(slug: &str) -> Result<Destination, Failure> {
    Destination::from_slug(slug).ok_or_else(|| {
        Failure::input(format!(
            "Unknown destination {:?}: use teamcity, octopus-deploy, bitbucket or northflank.",
            clean_line(slug)
        ))
    })
}

fn project(ctx: &Context) -> Result<String, Failure> {
    ctx.project_id
        .clone()
        .ok_or_else(|| Failure::input("Give the project with --project or KMS_PROJECT_ID."))
}

/// The credential as a validated connection input (never from argv); in `--demo` the instance
/// URL or email defaults to the sandbox's, as for `test` and `create`.
fn provider_input(
    dest: Destination,
    cred: &ProviderCred,
    ctx: &Context,
) -> Result<ConnectionInput, Failure> {
    let app = app_for(dest.slug())?;
    let args = super::credential::CredentialArgs {
        app: dest.slug().into(),
        instance_url: cred.instance_url.clone(),
        email: cred.email.clone(),
        secret_stdin: cred.secret_stdin,
        secret_env: cred.secret_env.clone(),
        json: false,
        check_project: None,
        token_name: None,
        use_for: None,
        ca_cert: None,
    };
    let secret = args.secret(app)?;
    let target = target_or_demo(&args, app, ctx)?;
    validated(
        app,
        &RawInput {
            name: app.suggested_name(),
            description: String::new(),
            target,
            secret,
        },
    )
}

fn http_for(ctx: &Context, input: &ConnectionInput) -> Result<reqwest::Client, Failure> {
    let url = crate::apps::probe::probe_url(input.app, input, &ctx.reach.providers);
    session::http_client(ctx, &[&url], None)
}

async fn list_destinations(a: DestArgs, ctx: &Context) -> CliResult {
    let dest = dest_for(&a.app)?;
    let input = provider_input(dest, &a.cred, ctx)?;
    let http = http_for(ctx, &input)?;
    let mut tree = destinations::list(&http, &input, &ctx.reach.providers)
        .await
        .map_err(|e| Failure {
            lines: vec![format!("✗ {}", clean_line(&e.message))],
            code: EXIT_TEST_FAILED,
        })?;
    if dest == Destination::Bitbucket {
        add_environments(&http, &input, ctx, &mut tree).await;
    }
    if a.json {
        println!("{}", json_pretty(&tree));
        return Ok(());
    }
    fn print(nodes: &[Node], depth: usize) {
        for n in nodes {
            println!(
                "{}{}  [{} {}]",
                "  ".repeat(depth),
                clean_line(&n.name),
                n.kind,
                clean_line(&n.id)
            );
            print(&n.children, depth + 1);
        }
    }
    print(&tree.roots, 0);
    for w in &tree.warnings {
        eprintln!("⚠ {}", clean_line(w));
    }
    Ok(())
}

/// Bitbucket: each repository's deployment environments, as its children (the wizard reads
/// them on demand; a script needs them for `--dest environmentId`). A few at a time; a
/// repository whose environments cannot be read is a warning.
async fn add_environments(
    http: &reqwest::Client,
    input: &ConnectionInput,
    ctx: &Context,
    tree: &mut destinations::Tree,
) {
    use futures::StreamExt;
    let repos: Vec<(usize, usize, String, String)> = tree
        .roots
        .iter()
        .enumerate()
        .flat_map(|(w, ws)| {
            ws.children
                .iter()
                .enumerate()
                .map(move |(r, repo)| (w, r, ws.id.clone(), repo.id.clone()))
        })
        .collect();
    let found: Vec<_> = futures::stream::iter(repos)
        .map(|(w, r, ws, repo)| async move {
            let got =
                destinations::bitbucket_environments(http, input, &ctx.reach.providers, &ws, &repo)
                    .await;
            (w, r, ws, repo, got)
        })
        .buffered(8)
        .collect()
        .await;
    for (w, r, ws, repo, got) in found {
        match got {
            Ok(envs) => tree.roots[w].children[r].children = envs,
            Err(e) => tree.warnings.push(format!(
                "The deployment environments of {ws}/{repo} could not be listed: {}",
                e.message
            )),
        }
    }
}

async fn signed_in(ctx: &Context) -> Result<Kms<'_>, Failure> {
    let creds = session::credentials(ctx)?;
    let http = session::http_client(ctx, &[], None)?;
    Kms::sign_in(ctx, creds, &http)
        .await
        .map_err(|e| Failure::from_kms(&e, None))
}

async fn create(a: CreateArgs, ctx: &Context) -> CliResult {
    let dest = dest_for(&a.app)?;
    if a.no_auto_sync && a.wait {
        return Err(Failure::input(
            "--wait waits for the first run, but with --no-auto-sync none is queued: drop one, or run it later with `sync run --wait`.",
        ));
    }
    let project_id = project(ctx)?;
    // Everything the server would refuse is refused here, before any request.
    let config = sync_spec::config_from_pairs(dest, &a.dest).map_err(issues)?;
    let initial = match a.initial.as_deref() {
        Some(s) => Some(InitialSync::parse(s).ok_or_else(|| {
            Failure::input(format!("--initial {:?} is not one of overwrite-destination, import-prioritize-source, import-prioritize-destination.", clean_line(s)))
        })?),
        None if dest.can_import() => {
            return Err(Failure::input(format!(
                "{} needs --initial (overwrite-destination, import-prioritize-source or import-prioritize-destination).",
                dest.name()
            )));
        }
        None => Some(InitialSync::OverwriteDestination),
    };
    if !dest.can_import() && initial != Some(InitialSync::OverwriteDestination) {
        return Err(Failure::input(format!(
            "{} cannot import: use overwrite-destination.",
            dest.name()
        )));
    }
    let mut draft = SyncDraft {
        name: a.name.clone(),
        description: a.description.clone(),
        project_id: project_id.clone(),
        connection_id: "00000000-0000-4000-8000-000000000000".into(),
        environment: a.environment.clone(),
        secret_path: a.path.clone(),
        auto_sync: !a.no_auto_sync,
        initial,
        key_schema: a.key_schema.clone(),
        keep_destination_secrets: a.keep_destination_secrets,
        config,
        ..SyncDraft::new(dest)
    };
    draft.body().map_err(issues)?;
    if let Some(w) = a
        .key_schema
        .as_deref()
        .and_then(|s| sync_spec::key_schema_warning(dest, s))
    {
        eprintln!("⚠ {w}");
    }
    // The connection first: checking a destination is of no use when it does not exist.
    let mut kms = signed_in(ctx).await?;
    // A slug becomes the project's ID (an ID is sent as given: the server judges it).
    let project_id = session::project_id(&mut kms, ctx, false)
        .await?
        .unwrap_or(project_id);
    draft.project_id = project_id.clone();
    let app = dest.app();
    let which = ConnectionRef::parse(&a.connection);
    let p = project_id.clone();
    let conn = kms
        .call(|c| {
            let (which, p) = (which.clone(), p.clone());
            async move { c.get_connection(app, &which, Some(&p)).await }
        })
        .await
        .map_err(|e| Failure::from_kms(&e, Some(app)))?;
    draft.connection_id = conn.id.clone();
    if a.check {
        let input = provider_input(dest, &a.cred, ctx)?;
        let http = http_for(ctx, &input)?;
        let checked = destinations::check(
            &http,
            &input,
            &ctx.reach.providers,
            &draft.config,
            draft.key_schema.as_deref(),
            draft.environment.trim(),
        )
        .await;
        for l in &checked.lines {
            eprintln!("{} {}", l.status.mark(), clean_line(&l.message));
            if let Some(h) = &l.hint {
                eprintln!("  {}", clean_line(h));
            }
        }
        if !checked.matching.is_empty() && !draft.keep_destination_secrets {
            eprintln!(
                "The first sync may delete {} existing variable(s) the key schema matches: {}",
                checked.matching.len(),
                checked.matching.join(", ")
            );
        }
        if !checked.ok() {
            return Err(Failure {
                lines: vec!["✗ The destination check failed; nothing was created.".into()],
                code: EXIT_TEST_FAILED,
            });
        }
    }
    eprintln!(
        "{}",
        dest.first_sync_effect(
            draft.initial,
            draft.key_schema.as_deref(),
            draft.keep_destination_secrets
        )
    );
    let body = draft.body().map_err(issues)?;
    let sync = kms
        .call(|c| {
            let body = body.clone();
            async move { c.create_sync(dest, &body).await }
        })
        .await
        .map_err(|e| Failure::from_kms(&e, None))?;
    if !a.wait {
        show(&sync, a.json);
        return Ok(());
    }
    eprintln!(
        "Created {}; waiting for the first run…",
        clean_line(&sync.name)
    );
    let done = wait(&mut kms, dest, &sync.id, a.wait_timeout).await?;
    finish(&done, a.json)
}

/// A sync that is not there is a wrong name or ID: invalid input (exit 2), with where to look.
fn find_failure(e: &KmsError) -> Failure {
    match e {
        KmsError::Api(api) if api.status == 404 => Failure {
            lines: vec![
                format!("{}.", clean_line(api.message.trim_end_matches('.'))),
                "Check the name or ID: kms-connect sync list shows them (a name is looked up in the current project).".into(),
            ],
            code: super::EXIT_INPUT,
        },
        _ => Failure::from_kms(e, None),
    }
}

fn issues(list: Vec<sync_spec::Issue>) -> Failure {
    let mut lines: Vec<String> = list.iter().map(|i| clean_line(&i.to_string())).collect();
    // A missing destination key is given with --dest; say so once, with the keys missing.
    let missing: Vec<&str> = list
        .iter()
        .filter(|i| i.message == "Required")
        .filter_map(|i| i.path.strip_prefix("destinationConfig."))
        .collect();
    if !missing.is_empty() {
        let flags: Vec<String> = missing.iter().map(|k| format!("--dest {k}=…")).collect();
        lines.push(format!(
            "Give {} (kms-connect sync destinations lists the IDs).",
            flags.join(" ")
        ));
    }
    Failure {
        lines,
        code: super::EXIT_INPUT,
    }
}

/// Polls with backoff until the run ends or `timeout` seconds pass.
async fn wait(
    kms: &mut Kms<'_>,
    dest: Destination,
    id: &str,
    timeout: u64,
) -> Result<SecretSync, Failure> {
    let start = tokio::time::Instant::now();
    let limit = Duration::from_secs(timeout);
    let mut attempt = 0;
    loop {
        let delay = syncs::poll_delay(attempt);
        attempt += 1;
        let left = limit.saturating_sub(start.elapsed());
        tokio::time::sleep(delay.min(left)).await;
        let which = SyncRef::Id(id.to_owned());
        let s = kms
            .call(|c: KmsClient| {
                let which = which.clone();
                async move { c.get_sync(dest, &which, "").await }
            })
            .await
            .map_err(|e| Failure::from_kms(&e, None))?;
        if s.sync_status.is_some_and(|st| st.is_done()) {
            return Ok(s);
        }
        if start.elapsed() >= limit {
            return Err(Failure {
                lines: vec![
                    format!(
                        "The sync is still {} after {timeout} s.",
                        s.sync_status.map_or("not started", |st| st.as_str())
                    ),
                    syncs::STUCK_HINT.into(),
                ],
                code: EXIT_RUNTIME,
            });
        }
    }
}

fn finish(s: &SecretSync, json: bool) -> CliResult {
    // A failure's message and what it points at go to stderr below: not twice.
    match s.health(0) {
        Health::Failed { .. } if !json => show_without_message(s),
        _ => show(s, json),
    }
    match s.health(0) {
        Health::Failed { message } => {
            let mut lines = vec![format!("✗ Sync {} failed.", clean_line(&s.name))];
            if let Some(m) = message {
                lines.push(describe(&m));
                if let Some(p) = m.points_at {
                    lines.push(format!("Points at {}: {}", p.what, p.hint));
                }
            }
            Err(Failure {
                lines,
                code: EXIT_SYNC_FAILED,
            })
        }
        _ => Ok(()),
    }
}

fn describe(m: &syncs::Decoded) -> String {
    match &m.secret_key {
        Some(k) => format!("{} (secret {k})", m.text),
        None => m.text.clone(),
    }
}

fn view(s: &SecretSync) -> Value {
    let mut v = s.raw.clone();
    if let Some(m) = s.last_message() {
        v["lastSyncMessageDecoded"] = json!(m);
    }
    v
}

fn show(s: &SecretSync, json_out: bool) {
    if json_out {
        println!("{}", json_pretty(&view(s)));
        return;
    }
    show_without_message(s);
    if let Some(m) = s.last_message() {
        println!("  last message {}", describe(&m));
        if let Some(p) = &m.points_at {
            println!("  points at    {}: {}", p.what, p.hint);
        }
    }
}

fn show_without_message(s: &SecretSync) {
    let now = now();
    println!("{}  {}", clean_line(&s.name), clean_line(&s.id));
    println!("  destination  {} {}", s.destination, s.destination_label());
    println!("  source       {}", s.source());
    println!("  status       {}", s.health(now).label());
    if let Some(at) = &s.last_synced_at {
        println!("  last synced  {}", clean_line(at));
    }
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

async fn list(a: ListArgs, ctx: &Context) -> CliResult {
    let dest = a.app.as_deref().map(dest_for).transpose()?;
    // Without a project: every project the identity can see, one list request each (the
    // server lists syncs per project only).
    let mut kms = signed_in(ctx).await?;
    let project_id = session::project_id(&mut kms, ctx, false).await?;
    let p = project_id.clone();
    let found = kms
        .call(|c| {
            let p = p.clone();
            async move { c.list_syncs_in(dest, p.as_deref()).await }
        })
        .await
        .map_err(|e| Failure::from_kms(&e, None))?;
    if found.syncs.is_empty() && project_id.is_some() {
        // Nothing listed: say so only for a project that exists (an unknown ID lists nothing).
        session::project_id(&mut kms, ctx, true).await?;
    }
    let mut rows = found.syncs.clone();
    if let Some(conn) = &a.connection {
        let conn = conn.trim();
        rows.retain(|s| {
            s.connection_id == conn
                || s.connection
                    .as_ref()
                    .is_some_and(|c| c.name == conn || c.id == conn)
        });
    }
    for (name, why) in &found.unread {
        eprintln!(
            "⚠ The syncs of project {} could not be listed: {}",
            clean_line(name),
            clean_line(why)
        );
    }
    if a.json {
        println!(
            "{}",
            json_pretty(&Value::Array(rows.iter().map(view).collect()))
        );
        return Ok(());
    }
    if project_id.is_none() && found.projects.is_empty() {
        eprintln!(
            "This identity sees no projects, so there are no Secret Syncs to list (syncs belong to projects; give it access to one, or pass --project)."
        );
        return Ok(());
    }
    if rows.is_empty() {
        match &project_id {
            Some(p) => eprintln!("No Secret Syncs in project {}.", clean_line(p)),
            None => eprintln!(
                "No Secret Syncs in the {} project(s) this identity can see.",
                found.projects.len()
            ),
        }
        return Ok(());
    }
    let now = now();
    let project_head = match project_id {
        Some(_) => String::new(),
        None => format!("{:<20} ", "PROJECT"),
    };
    println!(
        "{project_head}{:<14} {:<24} {:<28} {:<12} STATUS",
        "APP", "NAME", "DESTINATION", "SOURCE"
    );
    for s in &rows {
        // At organization level each row says which project it belongs to.
        let project = match project_id {
            Some(_) => String::new(),
            None => format!("{:<20} ", clean_line(&found.project_name(&s.project_id))),
        };
        println!(
            "{project}{:<14} {:<24} {:<28} {:<12} {}",
            s.destination,
            clean_line(&s.name),
            s.destination_label(),
            s.source(),
            s.health(now).label()
        );
    }
    Ok(())
}

async fn find(
    kms: &mut Kms<'_>,
    ctx: &Context,
    dest: Destination,
    which: &str,
) -> Result<SecretSync, Failure> {
    let which = SyncRef::parse(which);
    // Only a name is looked up in a project (an ID is found anywhere).
    let p = match which {
        SyncRef::Name(_) => session::project_id(kms, ctx, false)
            .await?
            .unwrap_or_default(),
        _ => String::new(),
    };
    if matches!(which, SyncRef::Name(_)) && p.is_empty() {
        return Err(Failure::input(
            "Give the project with --project to find a sync by name.",
        ));
    }
    kms.call(|c| {
        let (which, p) = (which.clone(), p.clone());
        async move { c.get_sync(dest, &which, &p).await }
    })
    .await
    .map_err(|e| find_failure(&e))
}

async fn get(a: GetArgs, ctx: &Context) -> CliResult {
    let dest = dest_for(&a.app)?;
    let mut kms = signed_in(ctx).await?;
    let s = find(&mut kms, ctx, dest, &a.sync).await?;
    show(&s, a.json);
    Ok(())
}

async fn run_now(a: RunArgs, ctx: &Context) -> CliResult {
    let dest = dest_for(&a.app)?;
    let mut kms = signed_in(ctx).await?;
    let s = find(&mut kms, ctx, dest, &a.sync).await?;
    let id = s.id.clone();
    kms.call(|c| {
        let id = id.clone();
        async move { c.trigger_sync(dest, &id).await }
    })
    .await
    .map_err(|e| Failure::from_kms(&e, None))?;
    if !a.wait {
        eprintln!("Queued {}.", clean_line(&s.name));
        return Ok(());
    }
    let done = wait(&mut kms, dest, &id, a.wait_timeout).await?;
    finish(&done, false)
}

async fn delete(a: DeleteArgs, ctx: &Context) -> CliResult {
    let dest = dest_for(&a.app)?;
    let interactive = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    if !a.yes && !interactive {
        return Err(Failure::input(
            "Not deleting without confirmation: add --yes (there is no terminal to ask on).",
        ));
    }
    let mut kms = signed_in(ctx).await?;
    let s = find(&mut kms, ctx, dest, &a.sync).await?;
    // As for a connection: the name typed on the terminal, before anything is sent.
    if !a.yes && !super::connections::confirmed(&s.name)? {
        return Err(Failure::input("Not deleted: the name did not match."));
    }
    let id = s.id.clone();
    let remove = a.remove_secrets;
    let gone = kms
        .call(|c| {
            let id = id.clone();
            async move { c.delete_sync(dest, &id, remove).await }
        })
        .await
        .map_err(|e| Failure::from_kms(&e, None))?;
    if remove {
        eprintln!(
            "Removing the synced secrets, then deleting {}.",
            clean_line(&gone.name)
        );
    } else {
        eprintln!("Deleted {}.", clean_line(&gone.name));
    }
    Ok(())
}
