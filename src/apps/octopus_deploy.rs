//! Octopus Deploy: API key, checked with `GET {url}/api/users/me`.

use serde_json::Value;

use super::{ApiBase, AppSpec, FieldKind, FieldSpec, ProbeAuth, text_at};

pub static SPEC: AppSpec = AppSpec {
    slug: "octopus-deploy",
    name: "Octopus Deploy",
    tagline: "Deployments: secrets into sensitive project variables",
    method: "api-key",
    method_name: "API Key",
    target: Some(FieldSpec {
        key: "instanceUrl",
        label: "Instance URL",
        placeholder: "https://your-instance.octopus.app",
        kind: FieldKind::Url,
        max_len: Some(255),
        flag: "--instance-url",
    }),
    secret: FieldSpec {
        key: "apiKey",
        label: "API Key",
        placeholder: "API-…",
        kind: FieldKind::Secret,
        max_len: None,
        flag: "",
    },
    instructions: include_str!("../../assets/instructions/octopus-deploy.md"),
    token_page: "https://<your-instance>.octopus.app/app#/configuration/users",
    next_steps: &[
        "Create an Octopus Deploy Secret Sync in your project: pick the space and project, and optionally scopes.",
    ],
    scope_sets: &[],
    probe_path: "/api/users/me",
    probe_auth: ProbeAuth::OctopusApiKey,
    api_base: ApiBase::Instance,
    api_label: "Octopus Deploy API",
    learned,
    rejected_hint: "The key is invalid, revoked or expired, or its user is disabled: make a new one under the user's API Keys.",
    not_found_hint: "Use the server's base URL, without portal paths such as /app#/… .",
    rate_limit_wait: "in a minute",
    own_401: None,
    forbidden: None,
};

fn learned(body: &Value) -> Vec<(String, String)> {
    let user = text_at(body, "/Username");
    let display = text_at(body, "/DisplayName");
    match (user, display) {
        (Some(u), Some(d)) if u != d => vec![("user".to_owned(), format!("{u} ({d})"))],
        (Some(u), _) => vec![("user".to_owned(), u)],
        (None, Some(d)) => vec![("user".to_owned(), d)],
        (None, None) => Vec::new(),
    }
}
