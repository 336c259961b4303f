//! Who the signed-in identity is: its organization from `GET /api/v1/identities/details`
//! (identity tokens only; older servers do not have the route), and the expiry written in a
//! pasted token.

use base64::Engine as _;
use serde::Deserialize;

use super::{KmsClient, KmsError};
use crate::http;
use crate::sanitize::clean_short;

/// The identity's organization, cleaned for display.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct Organization {
    pub id: String,
    pub name: String,
    pub slug: String,
}

#[derive(Deserialize)]
struct DetailsEnvelope {
    #[serde(rename = "identityDetails")]
    identity_details: Details,
}

#[derive(Deserialize)]
struct Details {
    organization: Organization,
}

impl KmsClient {
    /// The organization of the identity; `Ok(None)` when the server has no such route.
    pub async fn organization(&self) -> Result<Option<Organization>, KmsError> {
        let sent: Result<DetailsEnvelope, KmsError> = self
            .send(
                reqwest::Method::GET,
                "/v1/identities/details",
                None,
                true,
                http::REQUEST_TIMEOUT,
            )
            .await;
        match sent {
            Ok(env) => {
                let o = env.identity_details.organization;
                Ok(Some(Organization {
                    id: clean_short(&o.id, 64),
                    name: clean_short(&o.name, 64),
                    slug: clean_short(&o.slug, 64),
                }))
            }
            Err(KmsError::RouteMissing { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// The `exp` claim of a JWT, read without checking the signature (only to warn about expiry;
/// the server decides). `None` for anything that is not a JWT or has no `exp`.
pub fn token_expiry(token: &str) -> Option<u64> {
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    claims.get("exp")?.as_u64()
}

/// The organization id in a user's session token (a JWT whose `authTokenType` is
/// `accessToken`), read without checking the signature; `None` for any other token (a
/// machine identity's is `identityAccessToken`). `/api/v1/identities/details` refuses such a
/// token with 403 while every app-connection route accepts it.
pub fn user_session_organization(token: &str) -> Option<String> {
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    if claims.get("authTokenType")?.as_str()? != "accessToken" {
        return None;
    }
    Some(clean_short(claims.get("organizationId")?.as_str()?, 64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_exp_from_a_jwt() {
        let claims =
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(r#"{"exp":1700000000}"#);
        assert_eq!(token_expiry(&format!("h.{claims}.s")), Some(1_700_000_000));
        assert_eq!(token_expiry("not-a-jwt"), None);
    }
}
