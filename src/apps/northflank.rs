//! Northflank: API token, checked with `GET /v1/projects` (Bearer).

use serde_json::Value;

use super::{ApiBase, AppSpec, FieldKind, FieldSpec, ProbeAuth};

pub static SPEC: AppSpec = AppSpec {
    slug: "northflank",
    name: "Northflank",
    tagline: "Developer platform: secrets into project secret groups",
    method: "api-token",
    method_name: "API Token",
    target: None,
    secret: FieldSpec {
        key: "apiToken",
        label: "API Token",
        placeholder: "paste the API token",
        kind: FieldKind::Secret,
        max_len: None,
        flag: "",
    },
    instructions: include_str!("../../assets/instructions/northflank.md"),
    token_page: "https://app.northflank.com/s/account/api/tokens",
    next_steps: &[
        "Create a Northflank Secret Sync in your project: pick the Northflank project and secret group.",
    ],
    scope_sets: &[],
    probe_path: "/v1/projects",
    probe_auth: ProbeAuth::Bearer,
    api_base: ApiBase::Fixed {
        default: "https://api.northflank.com",
        env: "KMS_CONNECT_NORTHFLANK_API_URL",
    },
    api_label: "Northflank API",
    learned,
    rejected_hint: "The token is invalid, revoked or expired (deleting its API role revokes it too). Make a new one.",
    not_found_hint: "Check KMS_CONNECT_NORTHFLANK_API_URL if you set it; the default is https://api.northflank.com.",
    rate_limit_wait: "later: Northflank counts requests per hour",
    own_401: None,
    forbidden: Some(super::Forbidden {
        meaning: "the token's API role cannot list projects",
        hint: "Add \"Projects -> Manage -> Read\" to the API role under Team → API → Roles; the KMS server lists projects to check the token.",
        missing: &["Projects -> Manage -> Read"],
    }),
};

/// The projects on the answer's page; with `pagination.hasNextPage` there are more than that
/// (the check reads one page, as the KMS server does).
fn learned(body: &Value) -> Vec<(String, String)> {
    let more = body
        .pointer("/pagination/hasNextPage")
        .and_then(Value::as_bool)
        == Some(true);
    match body.pointer("/data/projects").and_then(Value::as_array) {
        Some(p) => vec![(
            "projects visible".to_owned(),
            format!("{}{}", p.len(), if more { "+" } else { "" }),
        )],
        None => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_first_page_of_projects_is_a_lower_bound() {
        let page = serde_json::json!({ "data": { "projects": [{}, {}] }, "pagination": { "hasNextPage": true } });
        assert_eq!(
            learned(&page),
            vec![("projects visible".into(), "2+".into())]
        );
        let all = serde_json::json!({ "data": { "projects": [{}] }, "pagination": { "hasNextPage": false } });
        assert_eq!(learned(&all), vec![("projects visible".into(), "1".into())]);
    }
}
