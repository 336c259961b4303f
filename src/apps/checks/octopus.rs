//! Octopus Deploy (providers.md O1–O4): the account from the server's check, the API key's
//! expiry and access level, the spaces the account can reach, and its variable permissions.

use serde_json::Value;

use super::Fetched;
use super::{
    CheckKind, CheckLine, Ctx, Status, expiry_line, json_body, permission_line, quoted_list,
    unknown, when,
};
use crate::apps::TestOutcome;
use crate::apps::{raw_at, text_at};
use crate::http::Captured;

/// What the sync needs on the project (Octopus permission names).
const NEEDED: [&str; 3] = ["ProjectView", "VariableView", "VariableEdit"];

pub(super) async fn checks(
    ctx: &Ctx<'_>,
    server: &TestOutcome,
    answer: Option<&Captured>,
) -> Vec<CheckLine> {
    let me = match answer.filter(|_| server.ok).and_then(Captured::json) {
        Some(me) => me,
        None => return Vec::new(),
    };
    let mut lines = vec![who(&me)];
    let Some(id) = raw_at(&me, "/Id") else {
        return lines;
    };
    let id: String = url::form_urlencoded::byte_serialize(id.as_bytes()).collect();
    let (keys, perms, spaces) = tokio::join!(
        ctx.get(format!("/api/users/{id}/apikeys?take=100")),
        ctx.get(format!("/api/users/{id}/permissions")),
        ctx.get("/api/spaces/all"),
    );
    let key = json_body(&keys, "Octopus Deploy").map(|b| key_in_use(&b));
    lines.push(
        match &key {
            Ok(KeyInUse::Known(k)) => expiry_line(
                ctx.now(),
                super::Expiry::read(k.get("Expires"), when::parse_rfc3339),
                &key_subject(k),
            ),
            Ok(KeyInUse::NoKeys) => CheckLine::new(
                CheckKind::Expiry,
                Status::Unknown,
                "Expiry unknown: Octopus lists no API keys for this account.",
            ),
            Ok(KeyInUse::CannotTell(n)) => CheckLine::new(
                CheckKind::Expiry,
                Status::Unknown,
                format!(
                    "Expiry unknown: the account has {n} API keys and Octopus records no last use, so which one is in use cannot be told."
                ),
            ),
            Err(why) => unknown(CheckKind::Expiry, "the key's expiry", why),
        }
        .hint_if_unknown(
            "See the account's API Keys in Octopus; Subscriptions can warn before keys expire.",
        ),
    );
    let access = match &key {
        Ok(KeyInUse::Known(k)) => k.get("AccessLevel").and_then(Value::as_str),
        _ => None,
    };
    if access == Some("Custom") {
        lines.push(
            CheckLine::new(
                CheckKind::Permissions,
                Status::Warn,
                "The Octopus API key has Custom access, limited to chosen spaces, projects or environments: the permission checks show the account's rights, not the key's.",
            )
            .hint("Make sure the key's limits include the project and environments the sync will write, or use a key with full access."),
        );
    }
    if access == Some("ReadOnly") {
        lines.push(
            CheckLine::new(
                CheckKind::Permissions,
                Status::Warn,
                "The Octopus API key is read-only; the sync needs to write project variables.",
            )
            .hint("Make a key with full access for the service account.")
            .missing(vec!["FullAccess".into()]),
        );
    }
    lines.extend(no_space(&spaces));
    lines.push(match json_body(&perms, "Octopus Deploy") {
        Ok(body) => {
            let missing: Vec<String> = NEEDED
                .iter()
                .filter(|p| !granted(&body, p))
                .map(|p| (*p).to_owned())
                .collect();
            let text = format!(
                "Missing Octopus permission {} for the account.",
                quoted_list(&missing)
            );
            permission_line(
                missing,
                text,
                format!("The account has {}.", NEEDED.join(", ")),
            )
            .hint_if_warn("Add the account to a team with the Project Contributor role.")
        }
        Err(why) => unknown(CheckKind::Permissions, "the account's permissions", &why),
    });
    lines
}

impl CheckLine {
    fn hint_if_unknown(self, hint: &str) -> Self {
        if self.status == Status::Unknown {
            self.hint(hint)
        } else {
            self
        }
    }

    fn hint_if_warn(self, hint: &str) -> Self {
        if self.status == Status::Warn {
            self.hint(hint)
        } else {
            self
        }
    }
}

/// O1: the account, flagged when it is a person's rather than a service account (the docs
/// recommend one). Since 2023.2 an admin can stop user accounts from *creating* API keys;
/// keys that exist keep working.
fn who(me: &Value) -> CheckLine {
    let user = text_at(me, "/Username").unwrap_or_else(|| "(unnamed)".into());
    let who = match text_at(me, "/DisplayName").filter(|d| *d != user) {
        Some(d) => format!("{user} ({d})"),
        None => user,
    };
    if me.get("IsService").and_then(Value::as_bool) == Some(false) {
        return CheckLine::new(
            CheckKind::Who,
            Status::Warn,
            format!("The key belongs to {who}, a person's Octopus account."),
        )
        .hint("A service account is recommended: it does not depend on a person, and since Octopus 2023.2 admins can stop user accounts from creating new API keys (existing keys keep working).");
    }
    CheckLine::new(
        CheckKind::Who,
        Status::Ok,
        format!("The key belongs to Octopus account {who}."),
    )
}

/// O3: an account in no team of any space cannot reach a project at all. Said only then: a
/// list of spaces, or an answer that cannot be read, adds nothing the other lines do not say.
fn no_space(spaces: &Fetched) -> Option<CheckLine> {
    let Fetched::Answer(c) = spaces else {
        return None;
    };
    let said = match c.status {
        // Its message names what is missing (SpaceView, or access to a space's data).
        403 => crate::apps::probe::provider_text(c.json().as_ref(), 160)
            .map(|t| format!(" Octopus said: {t}"))
            .unwrap_or_default(),
        200 if c.json()?.as_array().is_some_and(Vec::is_empty) => String::new(),
        _ => return None,
    };
    Some(
        CheckLine::new(
            CheckKind::Permissions,
            Status::Warn,
            format!("The account has no access to any Octopus space.{said}"),
        )
        .hint("Add it to a team with the Project Contributor role in the space the sync will use."),
    )
}

/// Which of the account's keys the credential is, as far as can be told.
#[derive(Debug)]
enum KeyInUse {
    Known(Value),
    /// Several keys and none with a `LastUsedTimeStamp`: never guess (the oldest key's
    /// expiry, even an expired one, is not this key's).
    CannotTell(usize),
    NoKeys,
}

/// Octopus keeps only hashes, so the key used last (greatest `LastUsedTimeStamp`) stands for
/// the key in use; with one key there is no doubt. `LastUsedTimeStamp` is null on servers that
/// do not record it and for keys never used (`ApiKeyResource` in
/// @octopusdeploy/message-contracts); the list comes newest first.
fn key_in_use(body: &Value) -> KeyInUse {
    let Some(items) = body.get("Items").and_then(Value::as_array) else {
        return KeyInUse::NoKeys;
    };
    let used = |k: &&Value| {
        k.get("LastUsedTimeStamp")
            .and_then(Value::as_str)
            .and_then(when::parse_rfc3339)
    };
    match items.as_slice() {
        [] => KeyInUse::NoKeys,
        [only] => KeyInUse::Known(only.clone()),
        _ => items
            .iter()
            .filter_map(|k| used(&k).map(|t| (t, k)))
            // The first of equal timestamps: the newest key.
            .fold(None::<(i64, &Value)>, |best, (t, k)| match best {
                Some((b, _)) if b >= t => best,
                _ => Some((t, k)),
            })
            .map_or(KeyInUse::CannotTell(items.len()), |(_, k)| {
                KeyInUse::Known(k.clone())
            }),
    }
}

fn key_subject(k: &Value) -> String {
    match text_at(k, "/Purpose").filter(|p| !p.is_empty()) {
        Some(p) => format!("The API key \"{p}\""),
        None => "The API key".into(),
    }
}

/// True when the permission appears in the account's space or system permissions.
fn granted(body: &Value, name: &str) -> bool {
    let in_space = body
        .get("SpacePermissions")
        .and_then(Value::as_object)
        .and_then(|m| m.get(name))
        .and_then(Value::as_array)
        .is_some_and(|a| !a.is_empty());
    let in_system = body
        .get("SystemPermissions")
        .and_then(Value::as_array)
        .is_some_and(|a| a.iter().any(|p| p.as_str() == Some(name)));
    in_space || in_system
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn answer(status: u16, body: Value) -> Fetched {
        Fetched::Answer(Captured {
            status,
            headers: Default::default(),
            body: serde_json::to_vec(&body).unwrap(),
        })
    }

    #[test]
    fn an_account_in_no_space_is_flagged_with_what_octopus_said() {
        let empty = no_space(&answer(200, json!([]))).unwrap();
        assert_eq!(empty.status, Status::Warn);
        assert_eq!(
            empty.message,
            "The account has no access to any Octopus space."
        );
        // The refusal a stubbed Octopus gives (providers.md O3).
        let refused = no_space(&answer(
            403,
            json!({"ErrorMessage": "You do not have permission to perform this action. Please contact your Octopus administrator. You have to have either SpaceView permission or access to the data within at least one space."}),
        ))
        .unwrap();
        assert!(
            refused
                .message
                .contains("Octopus said: You do not have permission"),
            "{refused:?}"
        );
        assert!(
            refused
                .hint
                .as_deref()
                .unwrap()
                .contains("Project Contributor")
        );
        let one = json!([{"Id": "Spaces-1", "Name": "Default"}]);
        assert!(no_space(&answer(200, one)).is_none());
        assert!(no_space(&Fetched::Failed("timed out".into())).is_none());
    }

    #[test]
    fn a_persons_account_is_flagged() {
        let line = who(&json!({"Username": "jdoe", "IsService": false}));
        assert_eq!(line.status, Status::Warn);
        assert_eq!(
            line.message,
            "The key belongs to jdoe, a person's Octopus account."
        );
        let svc = who(&json!({"Username": "svc", "IsService": true}));
        assert_eq!((svc.status, svc.hint), (Status::Ok, None));
    }

    #[test]
    fn the_key_used_last_stands_for_the_key_in_use() {
        let body = json!({"Items": [
            {"Purpose": "old", "LastUsedTimeStamp": "2025-01-01T00:00:00Z"},
            {"Purpose": "kms", "LastUsedTimeStamp": "2026-01-01T00:00:00Z"},
            {"Purpose": "never"}
        ]});
        let KeyInUse::Known(k) = key_in_use(&body) else {
            panic!()
        };
        assert_eq!(k["Purpose"], "kms");
    }

    #[test]
    fn without_timestamps_the_key_in_use_is_not_guessed() {
        // Newest first; no key records its last use (older servers).
        let body = json!({"Items": [
            {"Purpose": "new", "LastUsedTimeStamp": null, "Expires": "2099-01-01T00:00:00Z"},
            {"Purpose": "old", "LastUsedTimeStamp": null, "Expires": "2020-01-01T00:00:00Z"}
        ]});
        assert!(matches!(key_in_use(&body), KeyInUse::CannotTell(2)));
        let one = json!({"Items": [{"Purpose": "only", "LastUsedTimeStamp": null}]});
        assert!(matches!(key_in_use(&one), KeyInUse::Known(_)));
        assert!(matches!(
            key_in_use(&json!({"Items": []})),
            KeyInUse::NoKeys
        ));
    }

    #[test]
    fn permissions_are_found_in_spaces_or_system() {
        let body = json!({"SpacePermissions": {"ProjectView": [{"SpaceId": "Spaces-1"}], "VariableView": []},
                          "SystemPermissions": ["VariableEdit"]});
        assert!(granted(&body, "ProjectView"));
        assert!(!granted(&body, "VariableView"));
        assert!(granted(&body, "VariableEdit"));
    }
}
