//! The browser's twins for scripts: `list`, `get`, `rotate`, `update`, `delete`. Same lookups,
//! same test before a rotation, same error guidance and exit codes as `create`.

use std::io::{BufRead, IsTerminal, Write};

use clap::Args;
use serde_json::Value;

use super::credential::{
    CredentialArgs, app_for, checklist_text, run_checks, target_value, validated,
};
use super::session::{self, Kms};
use super::{CliResult, Failure};
use crate::apps::{self, AppSpec, RawInput};
use crate::config::Context;
use crate::kms::{AppConnection, Changes, ConnectionRef, KmsError};
use crate::sanitize::clean_line;

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only this app's connections (teamcity, octopus-deploy, bitbucket, northflank).
    #[arg(long)]
    pub app: Option<String>,
    /// Print the server's objects as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct GetArgs {
    /// App slug.
    pub app: String,
    /// The connection's ID, or its name (looked up in the project, or at organization level).
    pub connection: String,
    /// Print the server's object as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct RotateArgs {
    #[command(flatten)]
    pub cred: CredentialArgs,
    /// The connection's ID or name.
    pub connection: String,
    /// Save without testing the new credential first.
    #[arg(long)]
    pub skip_test: bool,
}

#[derive(Debug, Args)]
pub struct UpdateArgs {
    /// App slug: teamcity, octopus-deploy, bitbucket or northflank.
    pub app: String,
    /// The connection's ID or name.
    pub connection: String,
    /// New name.
    #[arg(long)]
    pub name: Option<String>,
    /// New description ("" clears it).
    #[arg(long)]
    pub description: Option<String>,
    /// Print the updated object as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct DeleteArgs {
    /// App slug: teamcity, octopus-deploy, bitbucket or northflank.
    pub app: String,
    /// The connection's ID or name.
    pub connection: String,
    /// Do not ask for the name to confirm (needed without a terminal).
    #[arg(long)]
    pub yes: bool,
}

/// Signs in for a command that talks only to the KMS.
async fn signed_in(ctx: &Context) -> Result<Kms<'_>, Failure> {
    let creds = session::credentials(ctx)?;
    let http = session::http_client(ctx, &[], None)?;
    Kms::sign_in(ctx, creds, &http)
        .await
        .map_err(|e| Failure::from_kms(&e, None))
}

/// The connection named or identified by `which` (a name is looked up in the project, or at
/// organization level).
async fn find(
    kms: &mut Kms<'_>,
    app: &'static AppSpec,
    which: &ConnectionRef,
    ctx: &Context,
) -> Result<AppConnection, Failure> {
    let project = session::project_id(kms, ctx, false).await?;
    let project = project.as_deref();
    kms.call(|c| async move { c.get_connection(app, which, project).await })
        .await
        .map_err(|e| Failure::from_kms(&e, Some(app)))
}

/// The text of an ID the server answered 404 for: it may be a name that looks like a UUID.
fn unknown_id<T>(which: &ConnectionRef, result: &Result<T, KmsError>) -> Option<String> {
    match (which, result) {
        (ConnectionRef::Id(id), Err(KmsError::Api(e))) if e.status == 404 => Some(id.clone()),
        _ => None,
    }
}

/// The server's object as it came, with terminal controls escaped (see `sanitize`).
fn print_json(v: &impl serde::Serialize) {
    println!("{}", crate::sanitize::json_pretty(v));
}

pub async fn list(args: ListArgs, ctx: &Context) -> CliResult {
    let app = args.app.as_deref().map(app_for).transpose()?;
    let mut kms = signed_in(ctx).await?;
    let project_id = session::project_id(&mut kms, ctx, false).await?;
    let project = project_id.as_deref();
    let list = kms
        .call(|c| async move { c.list_connections_counted(app, project).await })
        .await
        .map_err(|e| Failure::from_kms(&e, app))?;
    let missing = list.shortfall();
    let (conns, unreadable, beyond) = (list.rows, list.unreadable, list.beyond_cap);
    if conns.is_empty() && project.is_some() {
        // Nothing listed: say so only for a project that exists (an unknown ID lists nothing).
        session::project_id(&mut kms, ctx, true).await?;
    }
    // As `ls` does: print what could be read, then say what could not, and exit 1.
    let shortfall = || missing.clone().map_or(Ok(()), |m| Err(Failure::runtime(m)));
    if args.json {
        let mut out = std::io::stdout().lock();
        crate::sanitize::write_json_array(&mut out, conns.iter().map(|c| &c.raw))
            .map_err(|e| Failure::write_failed(&e))?;
        drop(out);
        return shortfall();
    }
    if conns.is_empty() && (unreadable > 0 || beyond > 0) {
        return shortfall();
    }
    if conns.is_empty() && unreadable == 0 && beyond == 0 {
        let scope = ctx.project_id.as_deref().map_or_else(
            || "at organization level".into(),
            |p| format!("in project {}", clean_line(p)),
        );
        eprintln!("No connections {scope}.");
        return Ok(());
    }
    // In one project every row has the same scope: the column is left out (as the browser
    // does), so a row fits 80 columns more often.
    let with_scope = project.is_none();
    let keep = |r: [String; 6]| -> Vec<String> {
        r.into_iter()
            .enumerate()
            .filter(|(i, _)| with_scope || *i != 4)
            .map(|(_, c)| c)
            .collect()
    };
    let header = keep(["APP", "NAME", "METHOD", "TARGET", "SCOPE", "UPDATED"].map(String::from));
    let rows: Vec<Vec<String>> = conns.iter().map(|c| keep(row(c))).collect();
    let mut widths = vec![0usize; header.len()];
    for r in std::iter::once(&header).chain(&rows) {
        for (w, cell) in widths.iter_mut().zip(r) {
            *w = (*w).max(cell.chars().count());
        }
    }
    for r in std::iter::once(&header).chain(&rows) {
        let line: Vec<String> = r
            .iter()
            .zip(&widths)
            .map(|(cell, w)| format!("{cell:<w$}"))
            .collect();
        println!("{}", line.join("  ").trim_end());
    }
    shortfall()
}

/// `2026-12-03T14:35:20.588Z` as `2026-12-03 14:35` (UTC, to the minute); anything else as
/// it came, cleaned.
fn minute(t: &str) -> String {
    let t = clean_line(t);
    match (t.get(..10), t.get(11..16)) {
        (Some(day), Some(hm)) if t.as_bytes().get(10) == Some(&b'T') => format!("{day} {hm}"),
        _ => t,
    }
}

fn row(c: &AppConnection) -> [String; 6] {
    let app = AppSpec::by_slug(&c.app);
    let target = app
        .and_then(|a| a.target.as_ref())
        .and_then(|t| c.credentials.get(t.key))
        .and_then(Value::as_str)
        .map_or_else(|| "-".into(), clean_line);
    // Newer servers add the project object; older ones only its ID, which scripts can use.
    let scope = match c.project_id.as_deref() {
        None => "organization".into(),
        Some(id) => c
            .project_name
            .as_deref()
            .map_or_else(|| clean_line(id), clean_line),
    };
    [
        clean_line(&c.app),
        clean_line(&c.name),
        clean_line(&c.method),
        target,
        scope,
        minute(&c.updated_at),
    ]
}

pub async fn get(args: GetArgs, ctx: &Context) -> CliResult {
    let app = app_for(&args.app)?;
    let mut kms = signed_in(ctx).await?;
    let conn = find(&mut kms, app, &ConnectionRef::parse(&args.connection), ctx).await?;
    if args.json {
        print_json(&conn.raw);
    } else {
        print_details(app, &conn);
    }
    Ok(())
}

fn print_details(app: &AppSpec, c: &AppConnection) {
    let mut facts = vec![
        ("ID".to_owned(), clean_line(&c.id)),
        ("Name".into(), clean_line(&c.name)),
        (
            "Description".into(),
            c.description
                .as_deref()
                .map_or_else(|| "-".into(), clean_line),
        ),
        ("App".into(), clean_line(&c.app)),
        ("Method".into(), clean_line(&c.method)),
    ];
    facts.extend(app.public_credentials(&c.credentials));
    facts.push((
        "Scope".into(),
        c.project_id.as_deref().map_or_else(
            || "organization".into(),
            |p| format!("project {}", clean_line(p)),
        ),
    ));
    facts.push(("Organization ID".into(), clean_line(&c.org_id)));
    facts.push(("credentialsHash".into(), clean_line(&c.credentials_hash)));
    facts.push(("Created".into(), clean_line(&c.created_at)));
    facts.push(("Updated".into(), clean_line(&c.updated_at)));
    facts.push((
        "Version".into(),
        c.version.map_or_else(|| "-".into(), |v| v.to_string()),
    ));
    for (label, value) in facts {
        println!("{label:<16} {value}");
    }
}

pub async fn rotate(args: RotateArgs, ctx: &Context) -> CliResult {
    let app = app_for(&args.cred.app)?;
    let given_target = target_value(&args.cred, app)?;
    let secret = args.cred.secret(app)?;
    let which = ConnectionRef::parse(&args.connection);
    // Validate what was given before anything is sent.
    if !given_target.is_empty() {
        validated(app, &raw(app, &given_target, secret.clone()))?;
    }
    let mut kms = signed_in(ctx).await?;
    // The ID and the current target: a lookup is needed only for a name, or to keep a target
    // that was not given.
    let needs_lookup = matches!(which, ConnectionRef::Name(_))
        || (app.target.is_some() && given_target.is_empty());
    let (id, current) = match &which {
        ConnectionRef::Id(id) if !needs_lookup => (id.clone(), None),
        _ => {
            let conn = find(&mut kms, app, &which, ctx).await?;
            (conn.id.clone(), Some(conn))
        }
    };
    let from_kms = given_target.is_empty();
    let target = if from_kms {
        current
            .as_ref()
            .and_then(|c| app.target.as_ref().and_then(|t| c.credentials.get(t.key)))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    } else {
        given_target
    };
    // What the KMS returned is checked as if typed, before the new secret goes anywhere.
    let input = validated(app, &raw(app, &target, secret))?;
    if let (true, Some(t)) = (from_kms, app.target.as_ref()) {
        eprintln!(
            "The new {} will be tested at {} ({} as the KMS has it; give {} to use another).",
            app.secret.label.to_lowercase(),
            clean_line(&target),
            t.label,
            t.flag
        );
    }
    if !args.skip_test {
        let url = apps::probe::probe_url(app, &input, &ctx.reach.providers);
        // Its own client: TLS roots are loaded only when the provider's URL needs them.
        let http = session::http_client(ctx, &[&url], args.cred.ca_cert.as_deref())?;
        // The same checklist as `test` and `create`; on stderr, so stdout stays the result.
        let list = run_checks(&http, &input, &ctx.reach, &args.cred).await?;
        if !list.ok() {
            return Err(Failure::from_checklist(&list));
        }
        // With or without --json: the warnings must not vanish, and stdout stays pure JSON.
        for line in checklist_text(&list) {
            eprintln!("{line}");
        }
    }
    let input = &input;
    let mut id = id;
    let mut updated = {
        let id = &id;
        kms.call(|c| async move { c.rotate_connection(id, input).await })
            .await
    };
    // Not an ID the server knows: it may be a name shaped like a UUID.
    if let (Some(name), None) = (unknown_id(&which, &updated), &current) {
        id = find(&mut kms, app, &ConnectionRef::Name(name), ctx)
            .await?
            .id;
        let id = &id;
        updated = kms
            .call(|c| async move { c.rotate_connection(id, input).await })
            .await;
    }
    let updated = updated.map_err(|e| Failure::from_kms(&e, Some(app)))?;
    if args.cred.json {
        print_json(&updated.raw);
    } else {
        println!(
            "Rotated the credentials of {} connection {}.",
            app.name,
            clean_line(&updated.name)
        );
        if let Some(before) = current.as_ref().map(|c| &c.credentials_hash) {
            println!("credentialsHash before {}", clean_line(before));
        }
        println!("credentialsHash {}", clean_line(&updated.credentials_hash));
    }
    Ok(())
}

/// Input for validating credentials only: the name is a placeholder that is never sent.
fn raw(app: &AppSpec, target: &str, secret: secrecy::SecretString) -> RawInput {
    RawInput {
        name: app.suggested_name(),
        description: String::new(),
        target: target.to_owned(),
        secret,
    }
}

pub async fn update(args: UpdateArgs, ctx: &Context) -> CliResult {
    let app = app_for(&args.app)?;
    let mut changes = Changes::default();
    if let Some(n) = &args.name {
        changes.name =
            Some(apps::validate::name(n).map_err(|m| Failure::input(format!("--name: {m}")))?);
    }
    if let Some(d) = &args.description {
        changes.description = Some(
            apps::validate::description(d)
                .map_err(|m| Failure::input(format!("--description: {m}")))?,
        );
    }
    if changes.is_empty() {
        return Err(Failure::input(
            "Nothing to change: give --name and/or --description.",
        ));
    }
    let mut kms = signed_in(ctx).await?;
    let which = ConnectionRef::parse(&args.connection);
    let mut id = match &which {
        ConnectionRef::Id(id) => id.clone(),
        name => find(&mut kms, app, name, ctx).await?.id,
    };
    let changes = &changes;
    let mut updated = {
        let id = &id;
        kms.call(|c| async move { c.update_connection(app, id, changes).await })
            .await
    };
    // Not an ID the server knows: it may be a name shaped like a UUID.
    if let Some(name) = unknown_id(&which, &updated) {
        id = find(&mut kms, app, &ConnectionRef::Name(name), ctx)
            .await?
            .id;
        let id = &id;
        updated = kms
            .call(|c| async move { c.update_connection(app, id, changes).await })
            .await;
    }
    let updated = updated.map_err(|e| Failure::from_kms(&e, Some(app)))?;
    if args.json {
        print_json(&updated.raw);
    } else {
        println!(
            "Updated {} connection {}.",
            app.name,
            clean_line(&updated.name)
        );
    }
    Ok(())
}

pub async fn delete(args: DeleteArgs, ctx: &Context) -> CliResult {
    let app = app_for(&args.app)?;
    let interactive = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    if !args.yes && !interactive {
        return Err(Failure::input(
            "Not deleting without confirmation: add --yes (there is no terminal to ask on).",
        ));
    }
    let mut kms = signed_in(ctx).await?;
    let which = ConnectionRef::parse(&args.connection);
    let (id, name, project) = match &which {
        ConnectionRef::Id(id) if args.yes => (
            id.clone(),
            None,
            session::project_id(&mut kms, ctx, false).await?,
        ),
        _ => {
            let conn = find(&mut kms, app, &which, ctx).await?;
            // An organization-level connection can serve syncs in any project.
            (conn.id, Some(conn.name), conn.project_id)
        }
    };
    // Said before asking, and nothing sent: the server cannot delete it while syncs use it.
    if let Some(using) = syncs_using(&mut kms, &id, project.as_deref()).await {
        return Err(in_use(name.as_deref().unwrap_or(&id), &using));
    }
    if !args.yes {
        let name = name.clone().unwrap_or_default();
        if !confirmed(&name)? {
            return Err(Failure::input("Not deleted: the name did not match."));
        }
    }
    let mut deleted = {
        let id = &id;
        kms.call(|c| async move { c.delete_connection(app, id).await })
            .await
    };
    // Not an ID the server knows: it may be a name shaped like a UUID.
    if let (Some(name), None) = (unknown_id(&which, &deleted), &name) {
        let id = find(&mut kms, app, &ConnectionRef::Name(name), ctx)
            .await?
            .id;
        let id = &id;
        deleted = kms
            .call(|c| async move { c.delete_connection(app, id).await })
            .await;
    }
    let deleted = deleted.map_err(|e| Failure::from_kms(&e, Some(app)))?;
    println!(
        "Deleted {} connection {} ({}).",
        app.name,
        clean_line(&deleted.name),
        clean_line(&deleted.id)
    );
    Ok(())
}

/// The Secret Syncs that use connection `id`, looked up in `project` (every visible project
/// without one); `None` when there are none or they cannot be listed (the server decides then).
///
/// The server refuses such a delete: `deleteAppConnection` in Infisical/infisical
/// `backend/src/services/app-connection/app-connection-service.ts` (@11a65b36; the same in
/// hanzoai/kms @8fca3735) deletes the row and turns the database's foreign-key violation from
/// `secret_syncs.connectionId` into 400 "Cannot delete App Connection with existing
/// connections. Remove all existing connections and try again." It does not say which syncs:
/// this does.
async fn syncs_using(
    kms: &mut Kms<'_>,
    id: &str,
    project: Option<&str>,
) -> Option<Vec<crate::kms::syncs::SecretSync>> {
    let list = kms
        .call(|c| async move { c.list_syncs_in(None, project).await })
        .await
        .ok()?;
    let using: Vec<_> = crate::kms::syncs::syncs_of_connection(&list.syncs, id)
        .into_iter()
        .cloned()
        .collect();
    (!using.is_empty()).then_some(using)
}

fn in_use(name: &str, using: &[crate::kms::syncs::SecretSync]) -> Failure {
    let mut lines = vec![format!(
        "✗ Not deleted: {} is used by {} Secret Sync(s), and the KMS server refuses to delete a connection that syncs use:",
        clean_line(name),
        using.len()
    )];
    for s in using {
        lines.push(format!(
            "  {} ({} {}, from {})",
            clean_line(&s.name),
            clean_line(&s.destination),
            s.destination_label(),
            s.source()
        ));
    }
    if let Some(s) = using.first() {
        lines.push(format!(
            "Delete them first, e.g. kms-connect sync delete {} {} --yes [--remove-secrets].",
            clean_line(&s.destination),
            clean_line(&s.name)
        ));
    }
    Failure {
        lines,
        code: super::EXIT_RUNTIME,
    }
}

/// Asks on the terminal for the name of what is deleted (a connection, a sync).
pub(super) fn confirmed(name: &str) -> Result<bool, Failure> {
    let mut err = std::io::stderr();
    let _ = write!(
        err,
        "Delete {}? This cannot be undone. Type its name to confirm: ",
        clean_line(name)
    );
    let _ = err.flush();
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| Failure::input(format!("Could not read the confirmation: {e}.")))?;
    Ok(line.trim() == name)
}
