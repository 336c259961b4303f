//! `apps`, `test` and `create`: the wizard's five steps as commands.

use clap::Args;
use serde_json::{Value, json};

use super::credential::{
    CredentialArgs, app_for, checklist_text, run_checks, target_or_demo, validated,
};
use super::session::{self, Kms};
use super::{CliResult, Failure};
use crate::apps::{self, CATALOG, RawInput};
use crate::config::Context;
use crate::sanitize::clean_line;

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
    /// What the connection is for.
    #[arg(long)]
    pub description: Option<String>,
    /// Create without testing the credential first.
    #[arg(long)]
    pub skip_test: bool,
}

pub fn print_apps(json: bool) {
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

pub async fn test(args: TestArgs, ctx: &Context) -> CliResult {
    let app = app_for(&args.cred.app)?;
    let target = target_or_demo(&args.cred, app, ctx)?;
    let secret = args.cred.secret(app)?;
    let raw = RawInput {
        name: app.suggested_name(),
        description: String::new(),
        target,
        secret,
    };
    let input = validated(app, &raw)?;
    warn_if_plain_http(&input);
    let url = apps::probe::probe_url(app, &input, &ctx.reach.providers);
    let http = session::http_client(ctx, &[&url], args.cred.ca_cert.as_deref())?;
    let list = run_checks(&http, &input, &ctx.reach, &args.cred).await?;
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

pub async fn create(args: CreateArgs, ctx: &Context) -> CliResult {
    let app = app_for(&args.cred.app)?;
    let target = target_or_demo(&args.cred, app, ctx)?;
    let secret = args.cred.secret(app)?;
    let raw = RawInput {
        name: args.name.clone(),
        description: args.description.clone().unwrap_or_default(),
        target,
        secret,
    };
    let input = validated(app, &raw)?;
    warn_if_plain_http(&input);
    let creds = session::credentials(ctx)?;
    let probe_url = apps::probe::probe_url(app, &input, &ctx.reach.providers);
    let extra: Vec<&str> = if args.skip_test {
        Vec::new()
    } else {
        vec![probe_url.as_str()]
    };
    let http = session::http_client(ctx, &extra, args.cred.ca_cert.as_deref())?;
    // The checklist goes to stderr (stdout stays the created object), once the connection
    // exists: a failure is then reported alone, in its two lines.
    let mut report = Vec::new();
    if !args.skip_test {
        let list = run_checks(&http, &input, &ctx.reach, &args.cred).await?;
        if !list.ok() {
            return Err(Failure::from_checklist(&list));
        }
        // With or without --json: the warnings must not vanish, and stdout stays pure JSON.
        report = checklist_text(&list);
    }
    let mut kms = Kms::sign_in(ctx, creds, &http)
        .await
        .map_err(|e| Failure::from_kms(&e, None))?;
    let project_id = session::project_id(&mut kms, ctx, false).await?;
    let project = project_id.as_deref();
    let input = &input;
    let created = super::progress::counting(
        "Creating (the KMS server checks the credential too)",
        kms.call(|c| async move { c.create_connection(input, project).await }),
    )
    .await
    .map_err(|e| Failure::from_kms(&e, Some(app)))?;
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

/// An instance URL that is plain http:// to another machine: the secret would cross the
/// network unencrypted (the KMS server sends it there too). Said on stderr, not refused.
fn warn_if_plain_http(input: &apps::ConnectionInput) {
    if let Some(url) = input.target.as_deref()
        && url.to_ascii_lowercase().starts_with("http://")
        && crate::kms::client::sends_in_clear(url)
    {
        eprintln!(
            "⚠ {url} is plain http://: the secret crosses the network unencrypted. Use https:// if the server offers it."
        );
    }
}
