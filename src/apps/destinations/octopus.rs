//! Octopus Deploy: spaces, then every space's projects concurrently, scope values on demand,
//! and the sync's read of the variable set (octopus-deploy-sync-fns.ts@7d034955,
//! octopus-deploy-connection-fns.ts@7d034955). Errors carry `ErrorMessage` at the top level.

use serde_json::Value;

use super::{Api, ListError, Node, Tree, enc, line, needs, text};
use crate::apps::checks::{CheckLine, Status};
use crate::apps::{ConnectionInput, ProviderEndpoints};

pub(super) async fn list(api: &Api<'_>) -> Result<Tree, ListError> {
    let spaces = api.json("/api/spaces/all").await?;
    let spaces: Vec<Node> = spaces
        .as_array()
        .into_iter()
        .flatten()
        .map(|s| Node::new(&text(s, "Id"), &text(s, "Name"), "space"))
        .collect();
    let projects = futures::future::join_all(
        spaces
            .iter()
            .map(|s| api.json_owned(format!("/api/{}/projects/all", enc(&s.id)))),
    )
    .await;
    let mut tree = Tree::default();
    for (mut space, found) in spaces.into_iter().zip(projects) {
        match found {
            Ok(list) => {
                space.children = list
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|p| Node::new(&text(p, "Id"), &text(p, "Name"), "project"))
                    .collect();
            }
            Err(e) => tree.warnings.push(format!("Space {}: {e}", space.name)),
        }
        tree.roots.push(space);
    }
    Ok(tree)
}

impl Api<'_> {
    async fn json_owned(&self, path: String) -> Result<Value, ListError> {
        self.json(&path).await
    }
}

/// The project's scope values (`ScopeValues.{Environments,Roles,Machines,Processes,Actions,
/// Channels}`), as nodes whose kind is the `scopeValues` key they fill.
pub async fn scope_values(
    client: &reqwest::Client,
    input: &ConnectionInput,
    endpoints: &ProviderEndpoints,
    space_id: &str,
    project_id: &str,
) -> Result<Vec<Node>, ListError> {
    let api = Api::new(client, input, endpoints);
    let set = api.json(&variables_path(space_id, project_id)).await?;
    let mut out = Vec::new();
    for (field, kind) in [
        ("Environments", "environments"),
        ("Roles", "roles"),
        ("Machines", "machines"),
        ("Processes", "processes"),
        ("Actions", "actions"),
        ("Channels", "channels"),
    ] {
        let items = set
            .pointer(&format!("/ScopeValues/{field}"))
            .and_then(Value::as_array);
        out.extend(
            items
                .into_iter()
                .flatten()
                .map(|v| Node::new(&text(v, "Id"), &text(v, "Name"), kind)),
        );
    }
    Ok(out)
}

fn variables_path(space: &str, project: &str) -> String {
    format!("/api/{}/projects/{}/variables", enc(space), enc(project))
}

/// The variable set read (VariableView), and whether the key is read-only (the sync's PUT
/// would be refused: providers.md O2).
pub(super) async fn check(
    api: &Api<'_>,
    space: &str,
    project: &str,
) -> (Vec<CheckLine>, Option<Vec<String>>) {
    let set_path = variables_path(space, project);
    let (set, me) = tokio::join!(api.json(&set_path), api.json("/api/users/me"));
    let mut lines = Vec::new();
    let keys = match set {
        Ok(body) => {
            let sensitive: Vec<String> = body
                .get("Variables")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter(|v| {
                    v.get("IsSensitive").and_then(Value::as_bool) == Some(true)
                        || text(v, "Type") == "Sensitive"
                })
                .map(|v| text(v, "Name"))
                .collect();
            lines.push(line(
                Status::Ok,
                format!(
                    "Reads the variable set of {project} ({}): VariableView.",
                    super::count(sensitive.len(), "sensitive variable")
                ),
            ));
            Some(sensitive)
        }
        Err(e) => {
            lines.push(needs(
                &e,
                &format!("the variable set of {project}"),
                "VariableView (team with Project Contributor)",
            ));
            None
        }
    };
    if let Ok(me) = me {
        let id = text(&me, "Id");
        if let Ok(keys) = api.json(&format!("/api/users/{}/apikeys", enc(&id))).await {
            let read_only = keys
                .get("Items")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .any(|k| text(k, "AccessLevel") == "ReadOnly");
            if read_only {
                let mut l = line(
                    Status::Fail,
                    "The API key is read-only: the sync's write of the variable set will be refused.",
                )
                .hint("Create a full-access API key for a user in a team with Project Contributor, then rotate the connection.");
                l.missing = vec!["VariableEdit".into()];
                lines.push(l);
            }
        }
    }
    (lines, keys)
}
