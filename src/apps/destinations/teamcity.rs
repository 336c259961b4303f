//! TeamCity: projects with their build configurations in one call, and the sync's reads
//! (teamcity-sync-fns.ts@1d31f2bf; teamcity-connection-fns.ts@23b0c5ca for the listing).

use serde_json::Value;

use super::{Api, ListError, Node, Tree, enc, line, needs, text};
use crate::apps::checks::{CheckLine, Status};

/// `GET /app/rest/projects?fields=project(id,name,buildTypes(buildType(id,name)))`; `_Root`
/// is left out (the server's helper lists it, but no sync targets it).
pub(super) async fn list(api: &Api<'_>) -> Result<Tree, ListError> {
    let body = api
        .json("/app/rest/projects?fields=project(id,name,buildTypes(buildType(id,name)))")
        .await?;
    let roots = body
        .get("project")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|p| text(p, "id") != "_Root")
        .map(|p| {
            let mut node = Node::new(&text(p, "id"), &text(p, "name"), "project");
            node.children = p
                .pointer("/buildTypes/buildType")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|b| Node::new(&text(b, "id"), &text(b, "name"), "buildConfig"))
                .collect();
            node
        })
        .collect();
    Ok(Tree {
        roots,
        warnings: Vec::new(),
    })
}

/// The parameters list the sync reads (View build configuration settings) and the project's
/// `webEdit` link (Edit project, which every write needs).
pub(super) async fn check(
    api: &Api<'_>,
    project: &str,
    build_config: &str,
) -> (Vec<CheckLine>, Option<Vec<String>>) {
    let target = if build_config.is_empty() {
        format!("/app/rest/projects/id:{}/parameters", enc(project))
    } else {
        format!("/app/rest/buildTypes/{}/parameters", enc(build_config))
    };
    let what = if build_config.is_empty() {
        format!("the parameters of project {project}")
    } else {
        format!("the parameters of build configuration {build_config}")
    };
    let links = format!(
        "/app/rest/projects/id:{}?fields=id,links(link(type))",
        enc(project)
    );
    let (params, project_links) = tokio::join!(api.json(&target), api.json(&links));
    let mut lines = Vec::new();
    let keys = match params {
        Ok(body) => {
            // The sync deletes only its own non-inherited env.* parameters (note b).
            let keys: Vec<String> = body
                .get("property")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter(|p| p.get("inherited").and_then(Value::as_bool) != Some(true))
                .filter_map(|p| text(p, "name").strip_prefix("env.").map(str::to_owned))
                .collect();
            lines.push(line(
                Status::Ok,
                format!(
                    "Reads {what} ({} env.* parameters): View build configuration settings.",
                    keys.len()
                ),
            ));
            Some(keys)
        }
        Err(e) => {
            lines.push(needs(&e, &what, "View build configuration settings"));
            None
        }
    };
    match project_links {
        Ok(body) => {
            let editable = body
                .pointer("/links/link")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .any(|l| text(l, "type") == "webEdit");
            lines.push(if editable {
                line(Status::Ok, format!("May edit project {project}: Edit project."))
            } else {
                let mut l = line(
                    Status::Fail,
                    format!("The token may not edit project {project}: every write of the sync will be refused."),
                )
                .hint("Give the token Edit project on the project (Limit per project), or use Same as current user.");
                l.missing = vec!["Edit project".into()];
                l
            });
        }
        Err(e) => lines.push(needs(&e, &format!("project {project}"), "View project")),
    }
    (lines, keys)
}
