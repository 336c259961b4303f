//! What the KMS server sends back. Unknown fields are ignored; fields a server may leave out
//! default, so an older or newer server still parses.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// An App Connection as the server returns it (spec §4). Never holds a secret: the server
/// strips them, and `credentials` is only shown through [`crate::apps::AppSpec::public_credentials`].
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct AppConnection {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub app: String,
    pub method: String,
    pub credentials: Map<String, Value>,
    pub version: Option<i64>,
    pub org_id: String,
    pub project_id: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub credentials_hash: String,
    /// The object exactly as the server sent it (for `--json`), unknown fields included.
    #[serde(skip)]
    pub raw: Value,
}

#[derive(Debug, Deserialize)]
pub(crate) struct AppConnectionEnvelope {
    #[serde(rename = "appConnection")]
    pub app_connection: Value,
}

impl AppConnectionEnvelope {
    pub fn into_connection(self) -> Result<AppConnection, serde_json::Error> {
        let mut conn: AppConnection = serde_json::from_value(self.app_connection.clone())?;
        conn.raw = self.app_connection;
        Ok(conn)
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(default)]
pub struct Project {
    pub id: String,
    pub name: String,
    pub slug: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct ProjectsEnvelope {
    #[serde(default)]
    pub projects: Vec<Project>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct LoginResponse {
    pub access_token: String,
    #[serde(default)]
    pub expires_in: Option<u64>,
}

impl std::fmt::Debug for LoginResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginResponse")
            .field("access_token", &"[REDACTED]")
            .field("expires_in", &self.expires_in)
            .finish()
    }
}
