//! Existing App Connections: list, get (by ID or by name), update and delete (spec §5.1–§5.2).

use reqwest::Method;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::client::{CREATE_TIMEOUT, KmsClient};
use super::error::KmsError;
use super::types::{AppConnection, AppConnectionEnvelope};
use crate::apps::{AppSpec, ConnectionInput};
use crate::http::{self, TransportFailure};

/// How a command names a connection: an ID is used as is, anything else is a name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnectionRef {
    Id(String),
    Name(String),
}

impl ConnectionRef {
    pub fn parse(s: &str) -> ConnectionRef {
        let s = s.trim();
        if is_uuid(s) {
            ConnectionRef::Id(s.to_owned())
        } else {
            ConnectionRef::Name(s.to_owned())
        }
    }
}

/// zod's `.uuid()` shape: 8-4-4-4-12 hex digits.
pub fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// What a PATCH changes. `None` leaves a field as it is; `description: Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct Changes {
    pub name: Option<String>,
    pub description: Option<Option<String>>,
}

impl Changes {
    pub fn is_empty(&self) -> bool {
        self.name.is_none() && self.description.is_none()
    }

    fn body(&self) -> Value {
        let mut body = Map::new();
        if let Some(n) = &self.name {
            body.insert("name".into(), Value::String(n.clone()));
        }
        if let Some(d) = &self.description {
            body.insert(
                "description".into(),
                d.clone().map_or(Value::Null, Value::String),
            );
        }
        Value::Object(body)
    }
}

/// At most this many connections are read from one list; the rest are counted, not kept (a
/// hostile list of millions of `{}` would otherwise take gigabytes).
pub const MAX_ROWS: usize = 10_000;

/// A list as read: the connections that could be read, and what could not be shown.
#[derive(Debug, Default)]
pub struct ConnectionList {
    pub rows: Vec<AppConnection>,
    /// Entries that are not a connection this client can read (counted, never silently
    /// dropped).
    pub unreadable: usize,
    /// Entries past [`MAX_ROWS`].
    pub beyond_cap: usize,
}

#[derive(Debug, Deserialize)]
struct ListEnvelope {
    #[serde(rename = "appConnections", default)]
    app_connections: Rows,
}

/// Each entry parsed as it arrives into a typed connection: no `Value` tree of the whole
/// list, and nothing kept past [`MAX_ROWS`].
#[derive(Debug, Default)]
struct Rows(ConnectionList);

impl<'de> Deserialize<'de> for Rows {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Rows, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Rows;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a list of connections")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Rows, A::Error> {
                let mut list = ConnectionList::default();
                loop {
                    if list.rows.len() + list.unreadable >= MAX_ROWS {
                        match seq.next_element::<serde::de::IgnoredAny>()? {
                            Some(_) => list.beyond_cap += 1,
                            None => break,
                        }
                        continue;
                    }
                    let Some(raw) = seq.next_element::<Value>()? else {
                        break;
                    };
                    match (AppConnectionEnvelope {
                        app_connection: raw,
                    })
                    .into_connection()
                    {
                        // Without an ID and an app it is no connection anyone can act on.
                        Ok(c) if !c.id.trim().is_empty() && !c.app.trim().is_empty() => {
                            list.rows.push(c);
                        }
                        _ => list.unreadable += 1,
                    }
                }
                Ok(Rows(list))
            }
        }
        d.deserialize_seq(Visit)
    }
}

impl KmsClient {
    /// `GET /api/v1/app-connections[/{app}]?projectId=`: one project's connections, or with no
    /// project every connection of the organization this identity may read.
    pub async fn list_connections(
        &self,
        app: Option<&AppSpec>,
        project_id: Option<&str>,
    ) -> Result<Vec<AppConnection>, KmsError> {
        Ok(self.list_connections_counted(app, project_id).await?.rows)
    }

    /// As [`KmsClient::list_connections`], with the entries that could not be read and those
    /// past the cap counted, for the caller to report.
    pub async fn list_connections_counted(
        &self,
        app: Option<&AppSpec>,
        project_id: Option<&str>,
    ) -> Result<ConnectionList, KmsError> {
        let mut path = match app {
            Some(a) => format!("/v1/app-connections/{}", a.slug),
            None => "/v1/app-connections".to_owned(),
        };
        if let Some(p) = project_id {
            path.push_str(&format!("?projectId={}", encode(p)));
        }
        let env: ListEnvelope = self
            .send_capped(
                Method::GET,
                &path,
                None,
                true,
                http::REQUEST_TIMEOUT,
                http::LIST_BODY_CAP,
            )
            .await?;
        Ok(env.app_connections.0)
    }

    /// Gets one connection by ID, or by name in the project (organization level without one).
    /// A valid name may look like a UUID (the slug rule allows `8-4-4-4-12` hex): an ID that
    /// the server does not know is then tried as a name.
    pub async fn get_connection(
        &self,
        app: &AppSpec,
        which: &ConnectionRef,
        project_id: Option<&str>,
    ) -> Result<AppConnection, KmsError> {
        let found = self.get_exactly(app, which, project_id).await;
        match (which, found) {
            (ConnectionRef::Id(id), Err(KmsError::Api(e))) if e.status == 404 => {
                let by_name = ConnectionRef::Name(id.clone());
                self.get_exactly(app, &by_name, project_id)
                    .await
                    .map_err(|_| KmsError::Api(e))
            }
            (_, found) => found,
        }
    }

    async fn get_exactly(
        &self,
        app: &AppSpec,
        which: &ConnectionRef,
        project_id: Option<&str>,
    ) -> Result<AppConnection, KmsError> {
        let path = match which {
            ConnectionRef::Id(id) => format!("/v1/app-connections/{}/{}", app.slug, encode(id)),
            ConnectionRef::Name(name) => {
                let mut p = format!(
                    "/v1/app-connections/{}/connection-name/{}",
                    app.slug,
                    encode(name)
                );
                if let Some(project) = project_id {
                    p.push_str(&format!("?projectId={}", encode(project)));
                }
                p
            }
        };
        self.one(Method::GET, &path, None, http::REQUEST_TIMEOUT)
            .await
    }

    /// `PATCH` with new credentials: the complete object (target and secret), as the server
    /// requires. It re-checks them against the provider, so it gets the create timeout.
    pub async fn rotate_connection(
        &self,
        id: &str,
        input: &ConnectionInput,
    ) -> Result<AppConnection, KmsError> {
        let path = format!("/v1/app-connections/{}/{}", input.app.slug, encode(id));
        let body = json!({ "credentials": input.credentials() });
        self.one(Method::PATCH, &path, Some(&body), CREATE_TIMEOUT)
            .await
    }

    /// `PATCH` of name and/or description, without credentials (the secret stays).
    pub async fn update_connection(
        &self,
        app: &AppSpec,
        id: &str,
        changes: &Changes,
    ) -> Result<AppConnection, KmsError> {
        let path = format!("/v1/app-connections/{}/{}", app.slug, encode(id));
        self.one(
            Method::PATCH,
            &path,
            Some(&changes.body()),
            http::REQUEST_TIMEOUT,
        )
        .await
    }

    /// `DELETE`: the server answers with the deleted connection.
    pub async fn delete_connection(
        &self,
        app: &AppSpec,
        id: &str,
    ) -> Result<AppConnection, KmsError> {
        let path = format!("/v1/app-connections/{}/{}", app.slug, encode(id));
        self.one(Method::DELETE, &path, None, http::REQUEST_TIMEOUT)
            .await
    }

    async fn one(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        timeout: std::time::Duration,
    ) -> Result<AppConnection, KmsError> {
        let sent = self.send(method, path, body, true, timeout).await;
        let env: AppConnectionEnvelope = match sent {
            // A change that timed out may still have been made: say so, as for a create.
            Err(KmsError::Transport {
                url,
                failure: TransportFailure::Timeout,
            }) if body.is_some() => {
                return Err(KmsError::CreateUnconfirmed { url, name: None });
            }
            other => other?,
        };
        env.into_connection().map_err(|e| KmsError::BadResponse {
            url: format!("{}{path}", self.api_base()),
            why: crate::sanitize::clean_short(&e.to_string(), 100),
        })
    }
}

/// Percent-encodes one path segment or query value.
fn encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_uuids_and_anything_else_is_a_name() {
        assert_eq!(
            ConnectionRef::parse(" 3b0c2f1e-9a7d-4c55-8e21-6f0a1d2b3c4d "),
            ConnectionRef::Id("3b0c2f1e-9a7d-4c55-8e21-6f0a1d2b3c4d".into())
        );
        assert_eq!(
            ConnectionRef::parse("ci-teamcity"),
            ConnectionRef::Name("ci-teamcity".into())
        );
    }

    #[test]
    fn changes_send_only_what_changes() {
        let c = Changes {
            name: Some("new".into()),
            description: None,
        };
        assert_eq!(c.body(), json!({ "name": "new" }));
        let clear = Changes {
            name: None,
            description: Some(None),
        };
        assert_eq!(clear.body(), json!({ "description": null }));
        assert!(Changes::default().is_empty());
    }

    #[test]
    fn path_segments_are_encoded() {
        assert_eq!(encode("a b/c?d"), "a%20b%2Fc%3Fd");
    }
}
