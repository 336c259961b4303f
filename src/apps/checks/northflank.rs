//! Northflank (providers.md N1, N3, N4): `GET /v1/auth` tells the token's name, role, team or
//! org, expiry and the role's permissions; with a project named, its secret groups are listed
//! and one is read. Everything runs alongside the server's check.

use serde_json::Value;

use super::{
    CheckKind, CheckLine, Ctx, Fetched, Status, answered, expiry_line, json_body, permission_line,
    quoted_list, unknown, when,
};
use crate::apps::{raw_at, text_at};
use crate::sanitize::clean_short;

/// What the sync needs beyond listing projects (the server's check proves that one), as the
/// docs name them, with the words that identify each in the role's permission list.
const LIST: &str = "Config & Secrets -> Secret Groups -> List";
const READ_VALUES: &str = "Config & Secrets -> Secret Groups -> Read Values";

const NEEDED: [(&str, &[&str]); 3] = [
    (LIST, &["secret", "list"]),
    (READ_VALUES, &["secret", "read", "value"]),
    (
        "Config & Secrets -> Secret Groups -> Update",
        &["secret", "update"],
    ),
];

pub(super) async fn checks(ctx: &Ctx<'_>) -> Vec<CheckLine> {
    let project = ctx.opts.inputs.project();
    let (auth, on_project) = tokio::join!(ctx.get("/v1/auth"), async {
        match project {
            Some(p) => Some(secret_groups(ctx, p).await),
            None => None,
        }
    });
    let mut lines = match json_body(&auth, "Northflank") {
        Ok(body) => about_token(ctx, body.get("data").unwrap_or(&body)),
        Err(why) => vec![
            unknown(CheckKind::Expiry, "the token's expiry", &why)
                .hint("See the token under Team → API → Tokens in Northflank."),
        ],
    };
    lines.extend(on_project);
    lines
}

/// N3 and N4 on the named project: list its secret groups, then read the first one's values
/// (both reads; nothing is changed).
async fn secret_groups(ctx: &Ctx<'_>, project: &str) -> CheckLine {
    let p = clean_short(project, 40);
    let id: String = url::form_urlencoded::byte_serialize(project.as_bytes()).collect();
    let list = ctx
        .get(format!("/v1/projects/{id}/secrets?per_page=100"))
        .await;
    let groups = match &list {
        Fetched::Answer(c) if c.status == 404 => {
            return CheckLine::new(
                CheckKind::Permissions,
                Status::Warn,
                format!("Project {p} not found, or not among the API role's projects."),
            )
            .hint(
                "Use the project's id as Northflank shows it, or add the project to the API role.",
            );
        }
        Fetched::Answer(c) if c.status == 403 => return missing_on(&p, LIST),
        _ => match json_body(&list, "Northflank") {
            Ok(body) => body
                .pointer("/data/secrets")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default(),
            Err(why) => return unknown(CheckKind::Permissions, "the project", &why),
        },
    };
    let Some(group) = groups.first().and_then(|g| raw_at(g, "/id")) else {
        return CheckLine::new(
            CheckKind::Permissions,
            Status::Unknown,
            format!(
                "The API role can list secret groups in {p}, but there is none to check Read Values on."
            ),
        );
    };
    let gid: String = url::form_urlencoded::byte_serialize(group.as_bytes()).collect();
    let details = ctx
        .get(format!("/v1/projects/{id}/secrets/{gid}/details"))
        .await;
    match &details {
        Fetched::Answer(c) if c.status == 403 => missing_on(&p, READ_VALUES),
        Fetched::Answer(c) if (200..300).contains(&c.status) => {
            let readable = c.json().is_some_and(|b| {
                b.pointer("/data/secrets/variables")
                    .is_some_and(Value::is_object)
            });
            if readable {
                CheckLine::new(
                    CheckKind::Permissions,
                    Status::Ok,
                    format!("The API role can list secret groups in {p} and read their values."),
                )
            } else {
                // Values left out (or redacted) also means no Read Values.
                missing_on(&p, READ_VALUES)
            }
        }
        Fetched::Answer(c) => unknown(
            CheckKind::Permissions,
            "the secret group's values",
            &answered("Northflank", c),
        ),
        Fetched::Failed(why) => unknown(CheckKind::Permissions, "the secret group's values", why),
    }
}

fn missing_on(project: &str, permission: &str) -> CheckLine {
    CheckLine::new(
        CheckKind::Permissions,
        Status::Warn,
        format!("Missing Northflank permission \"{permission}\" on project {project}."),
    )
    .hint("Add it to the API role under Team → API → Roles, and make sure the role covers this project.")
    .missing(vec![permission.to_owned()])
}

/// N1's lines: the token, its expiry, its role's permissions.
fn about_token(ctx: &Ctx<'_>, data: &Value) -> Vec<CheckLine> {
    vec![
        who(data),
        expiry_line(
            ctx.now(),
            super::Expiry::read(data.get("expiresAt"), when::parse_rfc3339),
            "The token",
        ),
        permissions(data),
    ]
}

/// N1: the token, its role and whether it belongs to a team or the whole organization. An
/// org-level token is not flagged: nothing in Northflank's API definitions says one fails on
/// `/v1/projects`, and the server's check (that very call) has just passed.
fn who(data: &Value) -> CheckLine {
    let name = text_at(data, "/name")
        .or_else(|| text_at(data, "/id"))
        .unwrap_or_else(|| "(unnamed)".into());
    let role = text_at(data, "/role/name").map_or_else(String::new, |r| format!(" (role {r})"));
    let kind = text_at(data, "/entityType").unwrap_or_default();
    let entity = text_at(data, "/entityId")
        .or_else(|| text_at(data, "/entityUid"))
        .unwrap_or_default();
    CheckLine::new(
        CheckKind::Who,
        Status::Ok,
        format!("Token {name}{role} for {kind} {entity}.")
            .replace("  ", " ")
            .replace(" .", "."),
    )
}

/// The role's permissions, matched by words since Northflank does not document their spelling.
fn permissions(data: &Value) -> CheckLine {
    let Some(perms) = data.get("permissions").and_then(Value::as_object) else {
        return CheckLine::new(
            CheckKind::Permissions,
            Status::Unknown,
            "Permissions unknown: Northflank did not list the role's permissions.",
        );
    };
    let all: Vec<String> = perms
        .values()
        .filter_map(Value::as_array)
        .flatten()
        .filter_map(Value::as_str)
        .map(words)
        .collect();
    let missing: Vec<String> = NEEDED
        .iter()
        .filter(|(_, keys)| !all.iter().any(|p| keys.iter().all(|k| p.contains(k))))
        .map(|(name, _)| (*name).to_owned())
        .collect();
    let text = format!(
        "Missing Northflank permission {} in the token's API role.",
        quoted_list(&missing)
    );
    let line = permission_line(
        missing,
        text,
        "The API role can list, read and update secret groups.".into(),
    );
    if line.status == Status::Warn {
        line.hint("Add them to the API role under Team → API → Roles.")
    } else {
        line
    }
}

/// Lowercase words of a permission id, e.g. `Project:Secrets:SecretGroups:ReadValues` →
/// `project secrets secretgroups readvalues`.
fn words(p: &str) -> String {
    p.chars()
        .map(|c| {
            if c.is_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                ' '
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn org_tokens_are_not_warned_about_without_evidence() {
        let line = who(
            &json!({"name": "ci", "entityType": "org", "entityId": "acme",
                               "role": {"name": "Sync"}}),
        );
        assert_eq!(line.status, Status::Ok);
        assert_eq!(line.message, "Token ci (role Sync) for org acme.");
        let uid = who(&json!({"name": "ci", "entityType": "team", "entityUid": "5f0c"}));
        assert_eq!(uid.message, "Token ci for team 5f0c.");
        let team = who(&json!({"name": "ci", "entityType": "team", "entityId": "acme"}));
        assert_eq!(team.message, "Token ci for team acme.");
    }

    #[test]
    fn missing_update_is_named_as_the_docs_spell_it() {
        let line = permissions(&json!({"permissions": {"projectScope": [
            "project:secrets:secret-groups:list", "project:secrets:secret-groups:read-values"]}}));
        assert_eq!(line.status, Status::Warn);
        assert_eq!(
            line.missing,
            ["Config & Secrets -> Secret Groups -> Update"]
        );
    }
}
