//! Bitbucket Cloud: workspaces, repositories (every page; after the first, the remaining page
//! numbers are fetched concurrently), deployment environments on demand, and the sync's read
//! of the variables (bitbucket-sync-fns.ts@328f929a: one page, no `pagelen`;
//! bitbucket-connection-fns.ts@dbdb0f9e for the listing).

use serde_json::Value;

use super::{Api, ListError, Node, Tree, enc, line, needs, text};
use crate::apps::checks::{CheckLine, Status};
use crate::apps::{ConnectionInput, ProviderEndpoints};

const PAGELEN: usize = 100;
/// The helper stops after this many pages; so does this client.
const MAX_PAGES: usize = 50;

/// Every `values` of a paged list. Page 1 says `size`; pages 2.. are then fetched together.
/// Without `size`, `next` is followed one page at a time.
async fn all_pages(api: &Api<'_>, path: &str) -> Result<Vec<Value>, ListError> {
    let sep = if path.contains('?') { '&' } else { '?' };
    let first = api.json(&format!("{path}{sep}pagelen={PAGELEN}")).await?;
    let mut values = values(&first);
    if let Some(size) = first.get("size").and_then(Value::as_u64) {
        let pages = (size as usize).div_ceil(PAGELEN).min(MAX_PAGES);
        let rest = futures::future::join_all(
            (2..=pages).map(|p| api.json_path(format!("{path}{sep}pagelen={PAGELEN}&page={p}"))),
        )
        .await;
        for page in rest {
            values.extend(self::values(&page?));
        }
        return Ok(values);
    }
    let mut next = first.get("next").and_then(Value::as_str).map(str::to_owned);
    let mut count = 1;
    while let Some(url) = next.filter(|_| count < MAX_PAGES) {
        let page = api.json(&url).await?;
        values.extend(self::values(&page));
        next = page.get("next").and_then(Value::as_str).map(str::to_owned);
        count += 1;
    }
    Ok(values)
}

impl Api<'_> {
    async fn json_path(&self, path: String) -> Result<Value, ListError> {
        self.json(&path).await
    }
}

fn values(page: &Value) -> Vec<Value> {
    page.get("values")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

pub(super) async fn list(api: &Api<'_>) -> Result<Tree, ListError> {
    let workspaces: Vec<Node> = all_pages(api, "/2.0/user/workspaces")
        .await?
        .iter()
        .filter_map(|m| m.get("workspace"))
        .map(|w| Node::new(&text(w, "slug"), &text(w, "name"), "workspace"))
        .collect();
    let repos = futures::future::join_all(workspaces.iter().map(|w| {
        let path = format!("/2.0/repositories/{}?sort=slug", enc(&w.id));
        async move { all_pages(api, &path).await }
    }))
    .await;
    let mut tree = Tree::default();
    for (mut ws, found) in workspaces.into_iter().zip(repos) {
        match found {
            Ok(list) => {
                ws.children = list
                    .iter()
                    .map(|r| Node::new(&text(r, "slug"), &text(r, "full_name"), "repository"))
                    .collect();
            }
            Err(e) => tree.warnings.push(format!("Workspace {}: {e}", ws.name)),
        }
        tree.roots.push(ws);
    }
    Ok(tree)
}

/// A repository's deployment environments (`uuid` with braces is what the sync stores).
pub async fn environments(
    client: &reqwest::Client,
    input: &ConnectionInput,
    endpoints: &ProviderEndpoints,
    workspace: &str,
    repository: &str,
) -> Result<Vec<Node>, ListError> {
    let api = Api::new(client, input, endpoints);
    let path = format!(
        "/2.0/repositories/{}/{}/environments",
        enc(workspace),
        enc(repository)
    );
    Ok(all_pages(&api, &path)
        .await?
        .iter()
        .map(|e| Node::new(&text(e, "uuid"), &text(e, "name"), "environmentId"))
        .collect())
}

/// The variables list as the server reads it (first page only) and whether the token has
/// `admin:pipeline:bitbucket`, which every write needs (seed "Secret Sync" scopes).
pub(super) async fn check(
    api: &Api<'_>,
    workspace: &str,
    repository: &str,
    environment: &str,
    key_schema: Option<&str>,
) -> (Vec<CheckLine>, Option<Vec<String>>) {
    let repo = format!("/2.0/repositories/{}/{}", enc(workspace), enc(repository));
    let target = if environment.is_empty() {
        format!("{repo}/pipelines_config/variables/")
    } else {
        format!(
            "{repo}/deployments_config/environments/{}/variables/",
            enc(environment)
        )
    };
    let (vars, user) = tokio::join!(api.json(&target), api.get("/2.0/user"));
    let mut lines = Vec::new();
    let keys = match vars {
        Ok(body) => {
            let keys: Vec<String> = values(&body).iter().map(|v| text(v, "key")).collect();
            let total = body
                .get("size")
                .and_then(Value::as_u64)
                .unwrap_or(keys.len() as u64);
            lines.push(line(
                Status::Ok,
                format!("Reads the variables of {workspace}/{repository} ({total}): read:pipeline:bitbucket."),
            ));
            if total as usize > keys.len() {
                lines.push(
                    line(
                        Status::Warn,
                        format!(
                            "There are {total} variables but the KMS server reads only the first page ({}): it may re-create existing keys or miss stale ones.",
                            keys.len()
                        ),
                    )
                    .hint(match key_schema.filter(|k| !k.trim().is_empty()) {
                        Some(_) => "The key schema keeps the sync to the variables it names; others are left alone.",
                        None => "Use a key schema so the sync manages only its own variables.",
                    }),
                );
            }
            Some(keys)
        }
        Err(e) => {
            lines.push(needs(
                &e,
                &format!("the variables of {workspace}/{repository}"),
                "read:pipeline:bitbucket",
            ));
            None
        }
    };
    if let Ok(c) = user {
        match c.header("x-oauth-scopes") {
            Some(scopes) if scopes.split(',').any(|s| s.trim() == "admin:pipeline:bitbucket") => {
                lines.push(line(Status::Ok, "The token may write variables: admin:pipeline:bitbucket."));
            }
            Some(_) => {
                let mut l = line(
                    Status::Fail,
                    "The token lacks admin:pipeline:bitbucket: every write of the sync will be refused.",
                )
                .hint("Create an API token with read:pipeline:bitbucket and admin:pipeline:bitbucket, then rotate the connection.");
                l.missing = vec!["admin:pipeline:bitbucket".into()];
                lines.push(l);
            }
            None => lines.push(line(
                Status::Unknown,
                "Bitbucket did not list the token's scopes: admin:pipeline:bitbucket cannot be checked.",
            )),
        }
    }
    (lines, keys)
}
