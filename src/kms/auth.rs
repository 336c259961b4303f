//! How kms-connect proves who it is to the KMS server: an access token, or a universal-auth
//! client ID and secret exchanged for one.

use secrecy::SecretString;

use super::{KmsClient, KmsError};

#[derive(Debug, Clone)]
pub enum Credentials {
    Token(SecretString),
    UniversalAuth {
        client_id: String,
        client_secret: SecretString,
    },
}

impl Credentials {
    /// `KMS_TOKEN`, or `KMS_UNIVERSAL_AUTH_CLIENT_ID` + `KMS_UNIVERSAL_AUTH_CLIENT_SECRET`.
    pub fn from_env() -> Option<Credentials> {
        let get = |k: &str| {
            let v = std::env::var(k).ok().filter(|v| !v.trim().is_empty());
            if k != "KMS_UNIVERSAL_AUTH_CLIENT_ID" {
                v.as_deref().map(crate::sanitize::hold_secret);
            }
            v
        };
        if let Some(t) = get("KMS_TOKEN") {
            return Some(Credentials::Token(SecretString::from(t.trim())));
        }
        match (
            get("KMS_UNIVERSAL_AUTH_CLIENT_ID"),
            get("KMS_UNIVERSAL_AUTH_CLIENT_SECRET"),
        ) {
            (Some(id), Some(secret)) => Some(Credentials::UniversalAuth {
                client_id: id.trim().to_owned(),
                client_secret: SecretString::from(secret.trim()),
            }),
            _ => None,
        }
    }

    /// Where the identity comes from, for the header line (never the secret). A user's session
    /// token says so, with the organization from its claims: the identity route that would
    /// name the organization refuses such a token.
    pub fn describe(&self) -> String {
        match self {
            Credentials::Token(_) => match self.user_session_organization() {
                Some(org) => format!("user session · org {org}"),
                None => "access token".into(),
            },
            Credentials::UniversalAuth { client_id, .. } => describe_universal_auth(client_id),
        }
    }

    /// The organization of a user's session token, if that is what this credential is.
    pub fn user_session_organization(&self) -> Option<String> {
        match self {
            Credentials::Token(t) => super::identity::user_session_organization(
                secrecy::ExposeSecret::expose_secret(t).trim(),
            ),
            Credentials::UniversalAuth { .. } => None,
        }
    }

    /// A client that is signed in: with the token as is, or after a universal-auth login.
    pub async fn sign_in(&self, client: KmsClient) -> Result<KmsClient, KmsError> {
        match self {
            Credentials::Token(t) => Ok(client.with_token(t.clone())),
            Credentials::UniversalAuth {
                client_id,
                client_secret,
            } => {
                let (token, _) = client.login_universal(client_id, client_secret).await?;
                Ok(client.with_token(token))
            }
        }
    }
}

/// `universal auth <client id>`, as the header and `login` name a machine identity.
pub fn describe_universal_auth(client_id: &str) -> String {
    format!(
        "universal auth {}",
        crate::sanitize::clean_short(client_id, 24)
    )
}
