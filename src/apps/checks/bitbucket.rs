//! Bitbucket Cloud (providers.md B1, B2, B5): the account from the server's check, whether it
//! is an app password, the workspaces the token reaches, and its scopes (from
//! `x-oauth-scopes`, or a 403's `detail.granted`) against each use's list. Bitbucket has no
//! API for a token's expiry, so that line says where to look.

use serde_json::Value;

use super::{CheckKind, CheckLine, Ctx, Fetched, Status, permission_line, strings, when};
use crate::apps::TestOutcome;
use crate::apps::probe::OutcomeCode;
use crate::http::Captured;

pub(super) async fn checks(
    ctx: &Ctx<'_>,
    server: &TestOutcome,
    answer: Option<&Captured>,
) -> Vec<CheckLine> {
    let Some(answer) = answer else {
        return Vec::new();
    };
    let mut lines = Vec::new();
    if server.ok
        && let Some(body) = answer.json()
    {
        let (name, user) = crate::apps::bitbucket::account_words(&body);
        let who = match (name, user) {
            (Some(n), Some(u)) if n != u => format!("{n} ({u})"),
            (Some(n), _) | (None, Some(n)) => n,
            (None, None) => "an unnamed account".into(),
        };
        lines.push(CheckLine::new(
            CheckKind::Who,
            Status::Ok,
            format!("The token belongs to Bitbucket account {who}."),
        ));
    }
    lines.push(if server.ok && is_app_password(answer) {
        app_password(ctx)
    } else {
        CheckLine::new(
            CheckKind::Expiry,
            Status::Unknown,
            "Expiry unknown: Bitbucket does not tell when an API token expires.",
        )
        .hint(format!("See {}.", ctx.app().token_page))
    });
    let mut granted = granted_scopes(answer);
    if server.ok {
        // B2: the workspaces the token reaches; B5: without a scope header, a 403 from this
        // call lists the scopes the token has.
        if let Fetched::Answer(c) = ctx.get("/2.0/user/workspaces?pagelen=1").await {
            if granted.is_none() {
                granted = granted_scopes(&c);
            }
            lines.extend(no_workspace(&c));
        }
    }
    let chosen = ctx.opts.inputs.use_name.as_deref();
    let sets = ctx
        .app()
        .scope_sets
        .iter()
        .filter(|s| chosen.is_none_or(|c| c == s.use_name));
    let Some(granted) = granted else {
        // Nothing to compare with: say what each use needs, so it can be checked by eye.
        let needs: Vec<String> = sets
            .map(|s| format!("{} needs {}", s.use_name, s.scopes.join(", ")))
            .collect();
        lines.push(
            CheckLine::new(
                CheckKind::Permissions,
                Status::Unknown,
                "Scopes unknown: Bitbucket did not list the token's scopes.",
            )
            .hint(format!("Compare them by hand: {}.", needs.join("; "))),
        );
        return lines;
    };
    for set in sets {
        let missing: Vec<String> = set
            .scopes
            .iter()
            .filter(|s| !granted.iter().any(|g| g == *s))
            .map(|s| (*s).to_owned())
            .collect();
        let text = format!(
            "For {} the token is missing scope(s): {}.",
            set.use_name,
            missing.join(", ")
        );
        let mut line = permission_line(
            missing,
            text,
            format!("The token has every scope {} needs.", set.use_name),
        );
        if line.status == Status::Warn {
            // Missing read:user:bitbucket already fails the server's check.
            if server.code == OutcomeCode::MissingScope {
                line.status = Status::Fail;
            }
            line = line.hint(format!(
                "Make a new token with {}.",
                ctx.front_end().scope_list
            ));
        }
        lines.push(line);
    }
    lines
}

/// When Bitbucket stops accepting app passwords (providers.md §3.6).
const APP_PASSWORDS_END: &str = "2026-06-09T00:00:00Z";

/// B1's `x-credential-type` names an app password (API tokens say `api_token`).
fn is_app_password(c: &Captured) -> bool {
    c.header("x-credential-type")
        .is_some_and(|t| t.to_ascii_lowercase().replace(['-', ' '], "_") == "app_password")
}

/// App passwords can no longer be made and stop working on a fixed date.
fn app_password(ctx: &Ctx<'_>) -> CheckLine {
    let end = when::parse_rfc3339(APP_PASSWORDS_END).unwrap_or_default();
    let mut line = CheckLine::new(
        CheckKind::Expiry,
        Status::Warn,
        format!(
            "This is a Bitbucket app password, not an API token: Bitbucket stops accepting app passwords on {}.",
            when::date(end)
        ),
    )
    .hint(format!(
        "Make an API token with scopes at {} and use it with the Atlassian account email.",
        ctx.app().token_page
    ));
    line.expires_at = Some(when::rfc3339(end));
    line
}

/// B2: a token that reaches no workspace cannot pick a repository to sync to or scan.
fn no_workspace(c: &Captured) -> Option<CheckLine> {
    if !(200..300).contains(&c.status) {
        return None;
    }
    let body = c.json()?;
    let values = body.get("values").and_then(Value::as_array)?;
    values.is_empty().then(|| {
        CheckLine::new(
            CheckKind::Permissions,
            Status::Warn,
            "The token reaches no Bitbucket workspace.",
        )
        .hint("The account may not be a member of any workspace, or the token may be limited to another one: make it for the workspace to use.")
    })
}

/// The scopes the token has: the `x-oauth-scopes` header, else a 403's `detail.granted`.
fn granted_scopes(c: &Captured) -> Option<Vec<String>> {
    if let Some(h) = c.header("x-oauth-scopes") {
        return Some(
            h.split([',', ' '])
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
        );
    }
    let body = c.json()?;
    body.pointer("/error/detail/granted")
        .filter(|v| v.is_array())
        .map(|v| strings(Some(v)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderMap;

    fn cap(headers: &[(&'static str, &str)], body: &str) -> Captured {
        let mut h = HeaderMap::new();
        for (k, v) in headers {
            h.insert(*k, v.parse().unwrap());
        }
        Captured {
            status: 200,
            headers: h,
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn scopes_come_from_the_header_or_a_403_detail() {
        let c = cap(
            &[(
                "x-oauth-scopes",
                "read:user:bitbucket, read:repository:bitbucket",
            )],
            "{}",
        );
        assert_eq!(
            granted_scopes(&c).unwrap(),
            ["read:user:bitbucket", "read:repository:bitbucket"]
        );
        let c = cap(
            &[],
            r#"{"type":"error","error":{"detail":{"required":["a"],"granted":["b","c"]}}}"#,
        );
        assert_eq!(granted_scopes(&c).unwrap(), ["b", "c"]);
        assert_eq!(granted_scopes(&cap(&[], "{}")), None);
    }
}
