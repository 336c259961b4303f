//! TeamCity: access token, checked with `GET {url}/app/rest/server`.

use serde_json::Value;

use super::{ApiBase, AppSpec, FieldKind, FieldSpec, ProbeAuth, text_at};

pub static SPEC: AppSpec = AppSpec {
    slug: "teamcity",
    name: "TeamCity",
    tagline: "CI server: secrets into project and build parameters",
    method: "access-token",
    method_name: "Access Token",
    target: Some(FieldSpec {
        key: "instanceUrl",
        label: "Instance URL",
        placeholder: "https://yourcompany.teamcity.com",
        kind: FieldKind::Url,
        max_len: None,
        flag: "--instance-url",
    }),
    secret: FieldSpec {
        key: "accessToken",
        label: "Access Token",
        placeholder: "paste the access token",
        kind: FieldKind::Secret,
        max_len: None,
        flag: "",
    },
    instructions: include_str!("../../assets/instructions/teamcity.md"),
    token_page: "https://<your-teamcity>/profile.html?item=accessTokens",
    next_steps: &[
        "Create a TeamCity Secret Sync in your project: pick the TeamCity project and, if you want, one build configuration.",
    ],
    scope_sets: &[],
    probe_path: "/app/rest/server",
    probe_auth: ProbeAuth::Bearer,
    api_base: ApiBase::Instance,
    api_label: "TeamCity REST API",
    learned,
    rejected_hint: "The token is wrong, revoked or expired: check it under Profile → Access Tokens.",
    not_found_hint: "Check the host and context path (self-hosted servers often need /teamcity at the end).",
    rate_limit_wait: "in a few minutes",
    own_401: Some(super::ProviderMarks {
        header: "TeamCity-Node-Id",
        realm: "TeamCity",
    }),
    forbidden: Some(super::Forbidden {
        meaning: "the token was accepted but may not read the server's details, which the KMS server reads to check it",
        hint: "A token limited per project may lack this: make one with \"Same as current user\" permissions, or ask a TeamCity admin which permission the token is missing.",
        missing: &[],
    }),
};

fn learned(body: &Value) -> Vec<(String, String)> {
    text_at(body, "/version")
        .map(|v| ("version".to_owned(), v))
        .into_iter()
        .collect()
}
