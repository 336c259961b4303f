//! Northflank: projects and each project's secret groups (cursor paging: one page after the
//! other; the projects' group lists concurrently), and the sync's read of the group
//! (northflank-sync-fns.ts@1db630c3; northflank-connection-fns.ts, newest paginated variant).

use serde_json::Value;

use super::{Api, ListError, Node, Tree, enc, line, needs, text};
use crate::apps::checks::{CheckLine, Status};

const MAX_PAGES: usize = 50;

/// Every item under `data.{field}`, following `pagination.cursor` while `hasNextPage`.
async fn all_pages(api: &Api<'_>, path: &str, field: &str) -> Result<Vec<Value>, ListError> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let mut url = format!("{path}?per_page=100");
        if let Some(c) = &cursor {
            url.push_str(&format!("&cursor={}", enc(c)));
        }
        let page = api.json(&url).await?;
        out.extend(
            page.pointer(&format!("/data/{field}"))
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default(),
        );
        let more = page
            .pointer("/pagination/hasNextPage")
            .and_then(Value::as_bool)
            == Some(true);
        cursor = page
            .pointer("/pagination/cursor")
            .and_then(Value::as_str)
            .map(str::to_owned);
        if !more || cursor.is_none() {
            break;
        }
    }
    Ok(out)
}

pub(super) async fn list(api: &Api<'_>) -> Result<Tree, ListError> {
    let projects: Vec<Node> = all_pages(api, "/v1/projects", "projects")
        .await?
        .iter()
        .map(|p| Node::new(&text(p, "id"), &text(p, "name"), "project"))
        .collect();
    let groups = futures::future::join_all(projects.iter().map(|p| {
        let path = format!("/v1/projects/{}/secrets", enc(&p.id));
        async move { all_pages(api, &path, "secrets").await }
    }))
    .await;
    let mut tree = Tree::default();
    for (mut p, found) in projects.into_iter().zip(groups) {
        match found {
            Ok(list) => {
                p.children = list
                    .iter()
                    .map(|g| Node::new(&text(g, "id"), &text(g, "name"), "secretGroup"))
                    .collect();
            }
            Err(e) => tree.warnings.push(format!("Project {}: {e}", p.name)),
        }
        tree.roots.push(p);
    }
    Ok(tree)
}

/// The group's details (Read Values, the sync's read) and the role's Update permission from
/// `GET /v1/auth` (the write cannot be probed without writing).
pub(super) async fn check(
    api: &Api<'_>,
    project: &str,
    group: &str,
) -> (Vec<CheckLine>, Option<Vec<String>>) {
    let details = format!(
        "/v1/projects/{}/secrets/{}/details",
        enc(project),
        enc(group)
    );
    let (body, auth) = tokio::join!(api.json(&details), api.json("/v1/auth"));
    let mut lines = Vec::new();
    let keys = match body {
        Ok(b) => {
            let keys: Vec<String> = b
                .pointer("/data/secrets/variables")
                .and_then(Value::as_object)
                .map(|m| m.keys().cloned().collect())
                .unwrap_or_default();
            lines.push(line(
                Status::Ok,
                format!(
                    "Reads secret group {group} ({}): Secret Groups › Read Values.",
                    super::count(keys.len(), "variable")
                ),
            ));
            Some(keys)
        }
        Err(e) => {
            lines.push(needs(
                &e,
                &format!("secret group {group}"),
                "Secret Groups › Read Values",
            ));
            None
        }
    };
    if let Ok(a) = auth
        && let Some(perms) = a
            .pointer("/data/permissions/projectScope")
            .and_then(Value::as_array)
    {
        let has = perms
            .iter()
            .any(|p| p.as_str() == Some("Project:Secrets:SecretGroups:Update"));
        lines.push(if has {
            line(Status::Ok, "The role may update secret groups: Secret Groups › Update.")
        } else {
            let mut l = line(
                Status::Fail,
                "The API role lacks Secret Groups › Update: the sync's write will be refused.",
            )
            .hint("Add Config & Secrets → Secret Groups → List, Update and Read Values to the API role.");
            l.missing = vec!["Secret Groups › Update".into()];
            l
        });
    }
    (lines, keys)
}
