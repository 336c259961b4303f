//! Bitbucket Cloud: Atlassian account email + API token, checked with `GET /2.0/user` (Basic).

use serde_json::Value;

use super::{ApiBase, AppSpec, FieldKind, FieldSpec, ProbeAuth, ScopeSet, text_at};

/// Scopes the docs ask for, by use.
pub const SYNC_SCOPES: &[&str] = &[
    "read:workspace:bitbucket",
    "admin:workspace:bitbucket",
    "read:user:bitbucket",
    "read:repository:bitbucket",
    "read:pipeline:bitbucket",
    "write:pipeline:bitbucket",
    "admin:pipeline:bitbucket",
];
pub const SCANNING_SCOPES: &[&str] = &[
    "read:workspace:bitbucket",
    "read:user:bitbucket",
    "read:webhook:bitbucket",
    "write:webhook:bitbucket",
    "delete:webhook:bitbucket",
    "read:repository:bitbucket",
];

static SCOPE_SETS: &[ScopeSet] = &[
    ScopeSet {
        use_name: "Secret Sync",
        flag_value: "sync",
        scopes: SYNC_SCOPES,
    },
    ScopeSet {
        use_name: "Secret Scanning",
        flag_value: "scanning",
        scopes: SCANNING_SCOPES,
    },
];

pub static SPEC: AppSpec = AppSpec {
    slug: "bitbucket",
    name: "Bitbucket",
    tagline: "Bitbucket Cloud: pipeline variables, or secret scanning",
    method: "api-token",
    method_name: "API Token",
    target: Some(FieldSpec {
        key: "email",
        label: "Email",
        placeholder: "user@example.com",
        kind: FieldKind::Email,
        max_len: Some(255),
        flag: "--email",
    }),
    secret: FieldSpec {
        key: "apiToken",
        label: "API Token",
        placeholder: "ATATT…",
        kind: FieldKind::Secret,
        max_len: Some(255),
        flag: "",
    },
    instructions: include_str!("../../assets/instructions/bitbucket.md"),
    token_page: "https://id.atlassian.com/manage-profile/security/api-tokens",
    next_steps: &[
        "Create a Bitbucket Secret Sync in your project: pick the workspace, repository and optionally a deployment environment.",
        "Or add this connection as a Bitbucket Secret Scanning data source.",
    ],
    scope_sets: SCOPE_SETS,
    probe_path: "/2.0/user",
    probe_auth: ProbeAuth::BasicEmailToken,
    api_base: ApiBase::Fixed {
        default: "https://api.bitbucket.org",
        env: "KMS_CONNECT_BITBUCKET_API_URL",
    },
    api_label: "Bitbucket API",
    learned,
    rejected_hint: "The token is wrong, expired or revoked, or the email is not the Atlassian account email that made it.",
    not_found_hint: "Check KMS_CONNECT_BITBUCKET_API_URL if you set it; the default is https://api.bitbucket.org.",
    rate_limit_wait: "later: Bitbucket counts requests over a rolling hour",
    own_401: None,
    forbidden: None,
};

/// `GET /2.0/user` has no `username` since Atlassian's 2019 privacy change: the account is
/// `display_name`, `nickname` and `account_id` (Bitbucket Cloud swagger, `account`/`user`).
pub(crate) fn account_words(body: &Value) -> (Option<String>, Option<String>) {
    let name = text_at(body, "/display_name");
    let user = text_at(body, "/nickname").or_else(|| text_at(body, "/account_id"));
    (name, user)
}

fn learned(body: &Value) -> Vec<(String, String)> {
    let (name, user) = account_words(body);
    match (name, user) {
        (Some(n), Some(u)) => vec![("user".to_owned(), format!("{n} ({u})"))],
        (Some(n), None) | (None, Some(n)) => vec![("user".to_owned(), n)],
        (None, None) => Vec::new(),
    }
}
