//! In-memory app-connection table with the real server's uniqueness rule (spec §7): names
//! are unique per project and, separately, among org-level connections, across all apps.

use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::SystemTime;

use serde::Serialize;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::app_specs::AppSpec;
use super::fixtures::ORG_ID;
use super::validate::{NewConnection, Update};

/// Exactly the §4 fields the server returns; secrets never get in here.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AppConnection {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub version: u32,
    pub org_id: String,
    pub project_id: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub is_platform_managed_credentials: bool,
    pub gateway_id: Option<String>,
    pub credentials_hash: String,
    pub app: &'static str,
    pub method: &'static str,
    pub credentials: Map<String, Value>,
    /// Referenced by something (a Secret Sync): deleting it fails, as the foreign key does.
    #[serde(skip)]
    pub in_use: bool,
}

#[derive(Default)]
pub(crate) struct Store {
    rows: Mutex<Vec<AppConnection>>,
}

impl Store {
    /// Builds and stores a connection, or returns the duplicate-name message.
    pub(crate) fn insert(
        &self,
        spec: &AppSpec,
        conn: NewConnection,
    ) -> Result<AppConnection, String> {
        let mut rows = self.lock();
        if rows
            .iter()
            .any(|row| row.name == conn.name && row.project_id == conn.project_id)
        {
            return Err(format!(
                "An App Connection with the name \"{}\" already exists",
                conn.name
            ));
        }
        let id = uuid::Uuid::new_v4().to_string();
        let now = humantime::format_rfc3339_millis(SystemTime::now()).to_string();
        let public = public_credentials(spec, &conn.credentials);
        let row = AppConnection {
            credentials_hash: credentials_hash(&conn.credentials, &id),
            id,
            name: conn.name,
            description: conn.description,
            version: 1,
            org_id: ORG_ID.to_string(),
            project_id: conn.project_id,
            created_at: now.clone(),
            updated_at: now,
            is_platform_managed_credentials: false,
            gateway_id: None,
            app: spec.slug,
            method: spec.method,
            credentials: public,
            in_use: false,
        };
        rows.push(row.clone());
        Ok(row)
    }

    /// Optionally one app's; without a project the whole org (org- and project-level rows),
    /// with one only that project's. Sorted case-insensitively by name, as the server does.
    pub(crate) fn list(&self, app: Option<&str>, project_id: Option<&str>) -> Vec<AppConnection> {
        let mut rows: Vec<AppConnection> = self
            .lock()
            .iter()
            .filter(|row| app.is_none_or(|app| row.app == app))
            .filter(|row| project_id.is_none_or(|id| row.project_id.as_deref() == Some(id)))
            .cloned()
            .collect();
        rows.sort_by_key(|row| row.name.to_lowercase());
        rows
    }

    pub(crate) fn by_id(&self, id: &str) -> Option<AppConnection> {
        self.lock().iter().find(|row| row.id == id).cloned()
    }

    /// Without a project only org-level connections are searched (spec §5.2).
    pub(crate) fn by_name(&self, name: &str, project_id: Option<&str>) -> Option<AppConnection> {
        self.lock()
            .iter()
            .find(|row| row.name == name && row.project_id.as_deref() == project_id)
            .cloned()
    }

    /// Applies a PATCH: a rename keeps names unique; new credentials get a new hash.
    pub(crate) fn update(
        &self,
        spec: &AppSpec,
        id: &str,
        update: Update,
    ) -> Result<AppConnection, String> {
        let mut rows = self.lock();
        let Some(index) = rows.iter().position(|row| row.id == id) else {
            return Err(format!("Could not find App Connection with ID {id}"));
        };
        if let Some(name) = &update.name {
            let project = rows[index].project_id.clone();
            if rows
                .iter()
                .any(|row| row.id != id && &row.name == name && row.project_id == project)
            {
                return Err(format!(
                    "An App Connection with the name \"{name}\" already exists"
                ));
            }
        }
        let row = &mut rows[index];
        if let Some(name) = update.name {
            row.name = name;
        }
        if let Some(description) = update.description {
            row.description = description;
        }
        if let Some(credentials) = update.credentials {
            row.credentials = public_credentials(spec, &credentials);
            // The real hash covers a fresh encryption: it changes even for the same secret.
            let salt = uuid::Uuid::new_v4().to_string();
            row.credentials_hash = credentials_hash(&credentials, &salt);
        }
        row.updated_at = humantime::format_rfc3339_millis(SystemTime::now()).to_string();
        Ok(row.clone())
    }

    /// Deletes a connection; `Err` when something still uses it.
    pub(crate) fn remove(&self, id: &str) -> Option<Result<AppConnection, String>> {
        let mut rows = self.lock();
        let index = rows.iter().position(|row| row.id == id)?;
        if rows[index].in_use {
            return Some(Err("Cannot delete App Connection with existing connections. Remove all existing connections and try again.".into()));
        }
        Some(Ok(rows.remove(index)))
    }

    pub(crate) fn mark_in_use(&self, id: &str) {
        if let Some(row) = self.lock().iter_mut().find(|row| row.id == id) {
            row.in_use = true;
        }
    }

    fn lock(&self) -> MutexGuard<'_, Vec<AppConnection>> {
        self.rows.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The credentials a response may show: the non-secret fields only.
fn public_credentials(
    spec: &AppSpec,
    credentials: &[(&'static str, String)],
) -> Map<String, Value> {
    spec.fields
        .iter()
        .filter(|field| field.public)
        .filter_map(|field| {
            let (_, value) = credentials.iter().find(|(k, _)| *k == field.key)?;
            Some((field.key.to_string(), Value::from(value.as_str())))
        })
        .collect()
}

/// Opaque change detector, like the server's hash of the encrypted blob: it covers the
/// secret (so a new token changes it) and the id (so equal credentials differ per row).
fn credentials_hash(credentials: &[(&'static str, String)], id: &str) -> String {
    let credentials: Map<String, Value> = credentials
        .iter()
        .map(|(key, value)| (key.to_string(), Value::from(value.as_str())))
        .collect();
    let mut hasher = Sha256::new();
    hasher.update(Value::Object(credentials).to_string());
    hasher.update(id);
    format!("{:x}", hasher.finalize())
}
