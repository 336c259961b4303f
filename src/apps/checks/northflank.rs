//! Northflank (providers.md N1): `GET /v1/auth` tells the token's name, role, team or org,
//! expiry and the role's permissions; it runs alongside the server's check.

use serde_json::Value;

use super::{
    CheckKind, CheckLine, Ctx, Status, expiry_line, json_body, permission_line, quoted_list,
    unknown, when,
};
use crate::apps::text_at;

/// What the sync needs beyond listing projects (the server's check proves that one), as the
/// docs name them, with the words that identify each in the role's permission list.
const NEEDED: [(&str, &[&str]); 3] = [
    (
        "Config & Secrets -> Secret Groups -> List",
        &["secret", "list"],
    ),
    (
        "Config & Secrets -> Secret Groups -> Read Values",
        &["secret", "read", "value"],
    ),
    (
        "Config & Secrets -> Secret Groups -> Update",
        &["secret", "update"],
    ),
];

pub(super) async fn checks(ctx: &Ctx<'_>) -> Vec<CheckLine> {
    let auth = ctx.get("/v1/auth").await;
    let body = match json_body(&auth, "Northflank") {
        Ok(b) => b,
        Err(why) => {
            return vec![
                unknown(CheckKind::Expiry, "the token's expiry", &why)
                    .hint("See the token under Team → API → Tokens in Northflank."),
            ];
        }
    };
    let data = body.get("data").unwrap_or(&body);
    vec![
        who(data),
        expiry_line(
            ctx.now(),
            data.get("expiresAt")
                .and_then(Value::as_str)
                .and_then(when::parse_rfc3339),
            "The token",
        ),
        permissions(data),
    ]
}

/// N1: the token, its role and whether it belongs to a team or the whole organization.
fn who(data: &Value) -> CheckLine {
    let name = text_at(data, "/name")
        .or_else(|| text_at(data, "/id"))
        .unwrap_or_else(|| "(unnamed)".into());
    let role = text_at(data, "/role/name").map_or_else(String::new, |r| format!(" (role {r})"));
    let kind = text_at(data, "/entityType").unwrap_or_default();
    let entity = text_at(data, "/entityId").unwrap_or_default();
    if kind.eq_ignore_ascii_case("org") {
        return CheckLine::new(
            CheckKind::Who,
            Status::Warn,
            format!("Token {name}{role} is org-scoped (org {entity}): create a team API token."),
        )
        .hint("The KMS server calls /v1/projects without a teamId, which needs a team token.");
    }
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
    fn org_tokens_are_warned_about() {
        let line = who(
            &json!({"name": "ci", "entityType": "org", "entityId": "acme",
                               "role": {"name": "Sync"}}),
        );
        assert_eq!(line.status, Status::Warn);
        assert!(line.message.contains("org-scoped"), "{}", line.message);
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
