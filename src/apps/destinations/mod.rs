//! Destinations listed at the provider with the credential the user just typed (the KMS
//! helper routes accept a browser session only: secret-syncs.md §0.2), the read-only checks of
//! one destination (the calls the server's sync makes to read), and the count of existing
//! variables the first sync may delete.
//!
//! Every string a provider sends is cleaned before it is stored in a display field; IDs are
//! kept as sent (they go into URLs and the sync body) and must be cleaned before drawing.

mod bitbucket;
mod northflank;
mod octopus;
mod teamcity;

use serde::Serialize;
use serde_json::{Map, Value};

use super::checks::{CheckKind, CheckLine, Status};
use super::probe::{self, ProviderEndpoints};
use super::sync_spec::{Destination, matches_key_schema};
use super::{ApiBase, ConnectionInput};
use crate::http::{self, Captured, TransportFailure};
use crate::sanitize::clean_short;

pub use bitbucket::environments as bitbucket_environments;
pub use octopus::scope_values as octopus_scope_values;

/// One destination level: a project, a build configuration, a repository, a secret group….
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Node {
    /// What the sync stores (`destinationConfig` value).
    pub id: String,
    /// What is shown (cleaned).
    pub name: String,
    /// `project`, `buildConfig`, `space`, `workspace`, `repository`, `secretGroup`, ….
    pub kind: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<Node>,
}

impl Node {
    fn new(id: &str, name: &str, kind: &'static str) -> Node {
        Node {
            id: id.to_owned(),
            name: clean_short(if name.is_empty() { id } else { name }, 120),
            kind,
            children: Vec::new(),
        }
    }
}

/// Everything the credential can reach, as a tree.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Tree {
    pub roots: Vec<Node>,
    /// Branches that could not be listed, with why.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// Why a listing failed: the provider's status (None without an answer) and a sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListError {
    pub status: Option<u16>,
    pub message: String,
}

impl std::fmt::Display for ListError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// Lists every destination the credential reaches, all pages fetched (independent pages
/// concurrently where the provider pages by number).
pub async fn list(
    client: &reqwest::Client,
    input: &ConnectionInput,
    endpoints: &ProviderEndpoints,
) -> Result<Tree, ListError> {
    let api = Api::new(client, input, endpoints);
    match Destination::from_slug(input.app.slug) {
        Some(Destination::TeamCity) => teamcity::list(&api).await,
        Some(Destination::OctopusDeploy) => octopus::list(&api).await,
        Some(Destination::Bitbucket) => bitbucket::list(&api).await,
        Some(Destination::Northflank) => northflank::list(&api).await,
        None => Err(ListError {
            status: None,
            message: format!("{} has no Secret Sync destination.", input.app.name),
        }),
    }
}

/// The result of the read-only destination checks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DestinationCheck {
    pub lines: Vec<CheckLine>,
    /// Variables already at the destination, when they could be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub existing: Option<usize>,
    /// Those the key schema matches and KMS may not have: the first sync may delete them.
    pub matching: Vec<String>,
}

impl DestinationCheck {
    /// No line failed.
    pub fn ok(&self) -> bool {
        self.lines.iter().all(|l| l.status != Status::Fail)
    }
}

/// Runs the calls the server's sync will make to read `config`, and the checks of what it
/// will need to write, each failure naming the permission (seed docs).
pub async fn check(
    client: &reqwest::Client,
    input: &ConnectionInput,
    endpoints: &ProviderEndpoints,
    config: &Map<String, Value>,
    key_schema: Option<&str>,
    environment: &str,
) -> DestinationCheck {
    let api = Api::new(client, input, endpoints);
    let s = |k: &str| {
        config
            .get(k)
            .and_then(Value::as_str)
            .unwrap_or("")
            .trim()
            .to_owned()
    };
    let (lines, keys) = match Destination::from_slug(input.app.slug) {
        Some(Destination::TeamCity) => {
            teamcity::check(&api, &s("project"), &s("buildConfig")).await
        }
        Some(Destination::OctopusDeploy) => {
            octopus::check(&api, &s("spaceId"), &s("projectId")).await
        }
        Some(Destination::Bitbucket) => {
            bitbucket::check(
                &api,
                &s("workspaceSlug"),
                &s("repositorySlug"),
                &s("environmentId"),
                key_schema,
            )
            .await
        }
        Some(Destination::Northflank) => {
            northflank::check(&api, &s("projectId"), &s("secretGroupId")).await
        }
        None => (Vec::new(), None),
    };
    // The provider's answers were scrubbed of the secret as they arrived (Api::get).
    let matching = keys
        .as_ref()
        .map(|k| matching_keys(k, environment, key_schema))
        .unwrap_or_default();
    DestinationCheck {
        lines,
        existing: keys.map(|k| k.len()),
        matching,
    }
}

/// The existing keys the key schema matches (cleaned, for showing).
pub fn matching_keys(keys: &[String], environment: &str, schema: Option<&str>) -> Vec<String> {
    keys.iter()
        .filter(|k| matches_key_schema(k, environment, schema))
        .map(|k| clean_short(k, 120))
        .collect()
}

/// The entries whose name or id contains `query` (case-insensitive), in order: what a picker
/// shows per keystroke. An empty query keeps everything.
pub fn filter<'a>(nodes: &'a [Node], query: &str) -> Vec<&'a Node> {
    let q = query.trim().to_lowercase();
    if q.is_empty() {
        return nodes.iter().collect();
    }
    nodes
        .iter()
        .filter(|n| contains_ci(&n.name, &q) || contains_ci(&n.id, &q))
        .collect()
}

fn contains_ci(hay: &str, lower_needle: &str) -> bool {
    if hay.is_ascii() && lower_needle.is_ascii() {
        let (h, n) = (hay.as_bytes(), lower_needle.as_bytes());
        n.len() <= h.len() && h.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n))
    } else {
        hay.to_lowercase().contains(lower_needle)
    }
}

/// A provider API base with the credential.
pub(crate) struct Api<'a> {
    client: &'a reqwest::Client,
    input: &'a ConnectionInput,
    base: String,
}

impl<'a> Api<'a> {
    fn new(
        client: &'a reqwest::Client,
        input: &'a ConnectionInput,
        endpoints: &ProviderEndpoints,
    ) -> Self {
        let base = match input.app.api_base {
            ApiBase::Instance => input.target.clone().unwrap_or_default(),
            ApiBase::Fixed { default, env } => {
                endpoints.override_for(env).unwrap_or(default).to_owned()
            }
        };
        Api {
            client,
            input,
            base: base.trim().trim_end_matches('/').to_owned(),
        }
    }

    fn url(&self, path: &str) -> String {
        if path.starts_with("http://") || path.starts_with("https://") {
            path.to_owned()
        } else {
            format!("{}{path}", self.base)
        }
    }

    /// GET with the credential; the answer whatever its status.
    async fn get(&self, path: &str) -> Result<Captured, ListError> {
        let url = self.url(path);
        let req =
            probe::authorized(self.client.get(&url), self.input, &url).map_err(|o| ListError {
                status: None,
                message: o.message,
            })?;
        let fail = |e: reqwest::Error| ListError {
            status: None,
            message: TransportFailure::classify(&e).describe(&http::host_of(&url)),
        };
        let resp = req.send().await.map_err(fail)?;
        http::capture_up_to(resp, http::LIST_BODY_CAP)
            .await
            .map_err(fail)
    }

    /// GET expecting 2xx JSON.
    async fn json(&self, path: &str) -> Result<Value, ListError> {
        let c = self.get(path).await?;
        self.read(&c)
    }

    fn read(&self, c: &Captured) -> Result<Value, ListError> {
        if !(200..300).contains(&c.status) || c.is_html() {
            return Err(self.refused(c));
        }
        c.json().ok_or_else(|| ListError {
            status: Some(c.status),
            message: format!(
                "{} answered something that is not JSON.",
                self.input.app.name
            ),
        })
    }

    fn refused(&self, c: &Captured) -> ListError {
        let said = probe::provider_text(c.json().as_ref(), 200).unwrap_or_else(|| c.first_line());
        let mut message = format!("{} answered {}", self.input.app.name, c.status);
        if !said.is_empty() {
            message.push_str(": ");
            message.push_str(&said);
        }
        ListError {
            status: Some(c.status),
            message,
        }
    }
}

fn line(status: Status, message: impl Into<String>) -> CheckLine {
    CheckLine::new(CheckKind::Permissions, status, message)
}

/// A failed read, naming the permission it needs.
fn needs(e: &ListError, what: &str, permission: &str) -> CheckLine {
    let status = if matches!(e.status, Some(401 | 403 | 404)) {
        Status::Fail
    } else {
        Status::Unknown
    };
    let mut l = line(
        status,
        format!(
            "Could not read {what}: {}.",
            e.message.trim_end_matches('.')
        ),
    );
    if e.status == Some(404) {
        // Most often a wrong ID; some providers also answer 404 for what a token may not see.
        l = l.hint(format!(
            "Check the destination's ID (it was not found), or that the credential can see it: it needs {permission}."
        ));
    } else if status == Status::Fail {
        l = l.hint(format!("The credential needs {permission}."));
        l.missing = vec![permission.to_owned()];
    }
    l
}

/// "1 variable", "3 variables".
fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

fn text(v: &Value, k: &str) -> String {
    match v.get(k) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_matches_names_and_ids_ignoring_case() {
        let nodes = vec![
            Node::new("Backend", "Backend", "project"),
            Node::new("Web_Front", "Web front", "project"),
            Node::new("x", "Ünïcode", "project"),
        ];
        let names = |q| {
            filter(&nodes, q)
                .iter()
                .map(|n| n.id.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(names("back"), ["Backend"]);
        assert_eq!(names("FRONT"), ["Web_Front"]);
        assert_eq!(names("ünï"), ["x"]);
        assert_eq!(names("").len(), 3);
        assert!(names("zzz").is_empty());
    }

    #[test]
    fn names_are_cleaned_and_fall_back_to_ids() {
        let n = Node::new("id-1", "evil\u{1b}[2J", "project");
        assert_eq!(n.name, "evil[2J");
        assert_eq!(Node::new("id-1", "", "project").name, "id-1");
    }

    #[test]
    fn matching_keys_use_the_servers_rule() {
        let keys = vec!["KMS_A".to_owned(), "OTHER".to_owned()];
        assert_eq!(
            matching_keys(&keys, "prod", Some("KMS_{{secretKey}}")),
            ["KMS_A"]
        );
        assert_eq!(matching_keys(&keys, "prod", None).len(), 2);
    }

    #[test]
    fn a_404_asks_for_the_id_and_a_403_names_the_permission() {
        let refused = |status| ListError {
            status: Some(status),
            message: format!("TeamCity answered {status}"),
        };
        let gone = needs(&refused(404), "the project's parameters", "Edit project");
        assert_eq!(gone.status, Status::Fail);
        assert!(
            gone.hint
                .as_deref()
                .unwrap()
                .starts_with("Check the destination's ID")
        );
        assert!(
            gone.missing.is_empty(),
            "a wrong ID is not a missing permission"
        );
        let denied = needs(&refused(403), "the project's parameters", "Edit project");
        assert_eq!(
            denied.hint.as_deref(),
            Some("The credential needs Edit project.")
        );
        assert_eq!(denied.missing, vec!["Edit project".to_owned()]);
        let odd = needs(&refused(502), "the project's parameters", "Edit project");
        assert_eq!((odd.status, odd.hint.as_deref()), (Status::Unknown, None));
    }
}
