//! Bitbucket Cloud (providers.md B1, B2, B5): the account from the server's check, and the
//! token's scopes (from `x-oauth-scopes`, or a 403's `detail.granted`) against each use's list.
//! Bitbucket has no API for a token's expiry, so that line says where to look.

use super::{CheckKind, CheckLine, Ctx, Fetched, Status, permission_line, strings};
use crate::apps::TestOutcome;
use crate::apps::probe::OutcomeCode;
use crate::apps::text_at;
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
        let name = text_at(&body, "/display_name");
        let user = text_at(&body, "/username").or_else(|| text_at(&body, "/nickname"));
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
    lines.push(
        CheckLine::new(
            CheckKind::Expiry,
            Status::Unknown,
            "Expiry unknown: Bitbucket does not tell when an API token expires.",
        )
        .hint(format!("See {}.", ctx.app().token_page)),
    );
    let mut granted = granted_scopes(answer);
    if granted.is_none() && server.ok {
        // B5: no scope header; a 403 from a call that needs another scope lists them.
        if let Fetched::Answer(c) = ctx.get("/2.0/user/workspaces?pagelen=1").await {
            granted = granted_scopes(&c);
        }
    }
    let Some(granted) = granted else {
        lines.push(
            CheckLine::new(
                CheckKind::Permissions,
                Status::Unknown,
                "Scopes unknown: Bitbucket did not list the token's scopes.",
            )
            .hint("Compare the token's scopes with the list in step 2."),
        );
        return lines;
    };
    let chosen = ctx.opts.inputs.use_name.as_deref();
    for set in ctx
        .app()
        .scope_sets
        .iter()
        .filter(|s| chosen.is_none_or(|c| c == s.use_name))
    {
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
            line = line.hint("Make a new token with the scopes listed in step 2.");
        }
        lines.push(line);
    }
    lines
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
