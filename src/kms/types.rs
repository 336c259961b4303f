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
    /// `project.name`, which newer servers add (anything else there is ignored).
    #[serde(
        rename = "project",
        deserialize_with = "project_name",
        skip_serializing
    )]
    pub project_name: Option<String>,
    /// The object as the server sent it (for `--json`), unknown fields included: kept as
    /// compact JSON text and parsed only when printed, so a list of thousands of rows holds
    /// no `Value` tree per row.
    #[serde(skip)]
    pub raw: RawJson,
}

/// One JSON value kept as its compact text (what `serde_json::to_string` gives of it, so its
/// keys are sorted as a `Value` prints them). Prints as the value it holds.
#[derive(Clone, PartialEq, Eq)]
pub struct RawJson(Box<str>);

impl RawJson {
    /// The value itself, parsed from the text (`Null` if the text is not JSON, which only a
    /// bug could make).
    pub fn value(&self) -> Value {
        serde_json::from_str(&self.0).unwrap_or(Value::Null)
    }
}

fn project_name<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Object(mut o) => match o.remove("name") {
            Some(Value::String(s)) => Some(s),
            _ => None,
        },
        _ => None,
    })
}

impl Default for RawJson {
    fn default() -> RawJson {
        RawJson("null".into())
    }
}

impl From<&Value> for RawJson {
    fn from(v: &Value) -> RawJson {
        RawJson(v.to_string().into_boxed_str())
    }
}

impl From<Value> for RawJson {
    fn from(v: Value) -> RawJson {
        RawJson::from(&v)
    }
}

impl std::fmt::Display for RawJson {
    /// The compact JSON text (not cleaned: for comparisons, never for a terminal).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::fmt::Debug for RawJson {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RawJson({:?})", &*self.0)
    }
}

impl Serialize for RawJson {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.value().serialize(s)
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct AppConnectionEnvelope {
    #[serde(rename = "appConnection")]
    pub app_connection: Value,
}

impl AppConnectionEnvelope {
    pub fn into_connection(self) -> Result<AppConnection, serde_json::Error> {
        AppConnection::from_value(&self.app_connection)
    }
}

impl AppConnection {
    /// The typed connection and its compact text, from one entry as the server sent it.
    pub fn from_value(v: &Value) -> Result<AppConnection, serde_json::Error> {
        let mut conn = AppConnection::deserialize(v)?;
        conn.raw = RawJson::from(v);
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
