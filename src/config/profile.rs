//! Profiles: the answers of a sign-in that are not secret (server, how to sign in, client ID,
//! project), kept as TOML in `profiles.toml`. Secrets never go in this file.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// How a profile signs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum AuthMethod {
    /// A machine identity's client ID and secret, exchanged for an access token.
    #[default]
    UniversalAuth,
    /// An access token pasted as is.
    Token,
}

impl AuthMethod {
    pub fn label(self) -> &'static str {
        match self {
            AuthMethod::UniversalAuth => "universal auth",
            AuthMethod::Token => "access token",
        }
    }
}

/// One saved profile.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Profile {
    /// The server's base URL as typed (without `/api`).
    pub server: String,
    pub auth_method: AuthMethod,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project_name: Option<String>,
    /// The organization the identity belongs to, as the server named it at sign-in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization: Option<String>,
}

/// The whole `profiles.toml`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Profiles {
    pub profiles: BTreeMap<String, Profile>,
}

/// Written at the top of the file so a reader knows where the secrets are not.
const HEADER: &str = "# kms-connect profiles. No secrets are kept in this file.\n\
# Stored secrets (only if \"remember on this machine\" was chosen) are in secrets.toml.\n\n";

impl Profiles {
    pub fn parse(text: &str) -> Result<Profiles, String> {
        toml::from_str(text).map_err(|e| crate::sanitize::clean_short(&e.to_string(), 200))
    }

    pub fn render(&self) -> String {
        format!("{HEADER}{}", toml::to_string(self).unwrap_or_default())
    }
}

/// A profile name: letters, digits, `-`, `_` and `.`, 1–64 characters.
pub fn check_name(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "Profile name {:?} is not valid: use letters, digits, - _ and . (up to 64).",
            crate::sanitize::clean_short(name, 70)
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_toml() {
        let mut p = Profiles::default();
        p.profiles.insert(
            "default".into(),
            Profile {
                server: "https://app.kms.hanzo.ai".into(),
                auth_method: AuthMethod::UniversalAuth,
                client_id: Some("abc".into()),
                project_id: Some("p1".into()),
                project_name: Some("Payments".into()),
                organization: None,
            },
        );
        let text = p.render();
        assert!(text.contains("[profiles.default]"), "{text}");
        assert!(text.contains("auth_method = \"universal-auth\""), "{text}");
        assert_eq!(Profiles::parse(&text).unwrap(), p);
    }

    #[test]
    fn names_are_checked() {
        assert!(check_name("default").is_ok());
        assert!(check_name("ci.eu_2").is_ok());
        assert!(check_name("").is_err());
        assert!(check_name("a/b").is_err());
    }
}
