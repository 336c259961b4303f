//! Is this server an Infisical-compatible KMS? `GET /api/status` (no auth) answers
//! `{ "message": "Ok", … }` on the real thing; anything else gets a plain diagnosis.

use serde_json::Value;

use super::error::Trouble;
use super::{Guidance, KmsClient, KmsError};
use crate::http::{self, host_of};

impl KmsClient {
    /// `GET /api/status`; Ok when the answer looks like the KMS's status object.
    pub async fn probe_status(&self) -> Result<(), KmsError> {
        let body: Value = self
            .send(
                reqwest::Method::GET,
                "/status",
                None,
                false,
                http::REQUEST_TIMEOUT,
            )
            .await?;
        if body.get("message").and_then(Value::as_str).is_some() {
            Ok(())
        } else {
            Err(KmsError::NotKmsApi {
                url: format!("{}/status", self.api_base()),
                status: 200,
                what: "JSON that is not a KMS status".into(),
            })
        }
    }
}

/// What a failed probe means, for the sign-in screen and `kms-connect login`.
pub fn diagnose(err: &KmsError) -> Guidance {
    let guidance = |headline: String, hint: &str| Guidance {
        trouble: Trouble::Server,
        headline,
        hint: Some(hint.to_owned()),
        fields: Vec::new(),
    };
    let not_kms = "Check the URL: it should be the server's base address, as you open it in a browser (e.g. https://app.kms.hanzo.ai).";
    match err {
        KmsError::Transport { url, failure } => guidance(
            failure.describe_host(&host_of(url), super::client::is_known_server(url)),
            super::error::transport_hint(
                failure,
                "Check the address and your network, or pick another server.",
            ),
        ),
        KmsError::NotKmsApi { url, status, what } => guidance(
            format!(
                "{} answered {what} ({status}) to /api/status: this is not an Infisical-compatible KMS API.",
                host_of(url)
            ),
            not_kms,
        ),
        KmsError::RouteMissing { url, .. } => guidance(
            format!(
                "{} has no /api/status (404): this is not an Infisical-compatible KMS API.",
                host_of(url)
            ),
            not_kms,
        ),
        KmsError::Api(e) if e.status == 404 => guidance(
            "The server has no /api/status (404): this is not an Infisical-compatible KMS API."
                .into(),
            not_kms,
        ),
        KmsError::BadResponse { url, .. } => guidance(
            format!(
                "{} answered /api/status with something that is not JSON: this is not an Infisical-compatible KMS API.",
                host_of(url)
            ),
            not_kms,
        ),
        other => other.guidance(None),
    }
}
