//! Requests to the KMS server. Every call has the client's timeout, reads at most the body cap,
//! and turns a failure into a [`KmsError`].

use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderValue};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::error::KmsError;
use super::types::{
    AppConnection, AppConnectionEnvelope, LoginResponse, Project, ProjectsEnvelope,
};
use crate::apps::ConnectionInput;
use crate::http::{self, TransportFailure};

pub const DEFAULT_KMS_URL: &str = "https://app.kms.hanzo.ai";

/// The well-known servers the sign-in offers by name; "Another server" (a typed URL) comes
/// after them.
pub const KNOWN_SERVERS: [(&str, &str); 4] = [
    ("Hanzo KMS", DEFAULT_KMS_URL),
    ("Hanzo KMS", "https://kms.hanzo.ai"),
    ("Infisical Cloud (US)", "https://app.infisical.com"),
    ("Infisical Cloud (EU)", "https://eu.infisical.com"),
];

/// True when `url` is on one of [`KNOWN_SERVERS`]' hosts: a name that cannot be misspelled,
/// so a failure to resolve it is the network's or the DNS's.
pub fn is_known_server(url: &str) -> bool {
    let host = crate::http::host_of(url);
    KNOWN_SERVERS
        .iter()
        .any(|(_, known)| crate::http::host_of(known) == host)
}

/// A create waits for the server's own check of the provider, which has no time limit of
/// its own and retries 3 times on 429, 5xx and network errors, honouring `Retry-After`
/// (backend/src/lib/config/request.ts): four slow attempts (4 × 35 s) plus three waits of
/// up to 30 s fit in 240 s.
pub const CREATE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(240);

/// Turns what a user typed into the API base: trimmed, no trailing `/`, ending in `/api`.
/// Accepts the value with or without `/api`.
pub fn api_base(kms_url: &str) -> Result<String, String> {
    let v = kms_url.trim().trim_end_matches('/');
    let v = v.strip_suffix("/api").unwrap_or(v).trim_end_matches('/');
    let parsed = url::Url::parse(v)
        .map_err(|_| format!("KMS URL {v:?} is not a valid URL (e.g. {DEFAULT_KMS_URL})."))?;
    // As for instance URLs: a password in the URL would be echoed (status, --help, logs) and
    // sent along. The URL is not repeated here, since it holds the password.
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(format!(
            "The KMS URL must not hold a user name or password (user:password@). Give the server's address only (e.g. {DEFAULT_KMS_URL}), and sign in with kms-connect login."
        ));
    }
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(format!(
            "KMS URL {v:?} must start with https:// or http:// (e.g. {DEFAULT_KMS_URL})."
        ));
    }
    Ok(format!("{v}/api"))
}

/// Plain `http://` to another machine: a client secret or token sent there crosses the
/// network unencrypted. Loopback (a local server, the sandbox) is fine.
pub fn sends_in_clear(api_base: &str) -> bool {
    let Ok(url) = url::Url::parse(api_base) else {
        return false;
    };
    let loopback = match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => true,
    };
    url.scheme() == "http" && !loopback
}

/// Said once the server answers, before any secret is typed or sent.
pub const IN_CLEAR_WARNING: &str = "This server is plain http://: a secret sent to it crosses the network unencrypted. Use https:// if the server offers it.";

#[derive(Clone)]
pub struct KmsClient {
    http: reqwest::Client,
    api: String,
    token: Option<SecretString>,
}

impl std::fmt::Debug for KmsClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KmsClient")
            .field("api", &self.api)
            .field("token", &self.token.as_ref().map(|_| "[REDACTED]"))
            .finish()
    }
}

impl KmsClient {
    /// `api` is a value from [`api_base`].
    pub fn new(http: reqwest::Client, api: String) -> Self {
        KmsClient {
            http,
            api,
            token: None,
        }
    }

    pub fn with_token(mut self, token: SecretString) -> Self {
        crate::sanitize::hold_secret(token.expose_secret());
        self.token = Some(token);
        self
    }

    pub fn api_base(&self) -> &str {
        &self.api
    }

    /// `POST /api/v1/auth/universal-auth/login`: a fresh access token and its lifetime.
    pub async fn login_universal(
        &self,
        client_id: &str,
        client_secret: &SecretString,
    ) -> Result<(SecretString, Option<u64>), KmsError> {
        crate::sanitize::hold_secret(client_secret.expose_secret());
        let body = json!({ "clientId": client_id.trim(), "clientSecret": client_secret.expose_secret().trim() });
        let resp: LoginResponse = self
            .send(
                reqwest::Method::POST,
                "/v1/auth/universal-auth/login",
                Some(&body),
                false,
                http::REQUEST_TIMEOUT,
            )
            .await?;
        crate::sanitize::hold_secret(&resp.access_token);
        Ok((SecretString::from(resp.access_token), resp.expires_in))
    }

    /// `GET /api/v1/projects`: the projects this identity can see.
    pub async fn list_projects(&self) -> Result<Vec<Project>, KmsError> {
        let env: ProjectsEnvelope = self
            .send(
                reqwest::Method::GET,
                "/v1/projects",
                None,
                true,
                http::REQUEST_TIMEOUT,
            )
            .await?;
        Ok(env
            .projects
            .into_iter()
            .map(|p| Project {
                id: crate::sanitize::clean_line(&p.id),
                name: crate::sanitize::clean_line(&p.name),
                slug: crate::sanitize::clean_line(&p.slug),
            })
            .collect())
    }

    /// `POST /api/v1/app-connections/{app}` with the documented body.
    pub async fn create_connection(
        &self,
        input: &ConnectionInput,
        project_id: Option<&str>,
    ) -> Result<AppConnection, KmsError> {
        crate::sanitize::hold_secret(input.secret.expose_secret());
        let body = input.create_body(project_id);
        let path = format!("/v1/app-connections/{}", input.app.slug);
        let sent = self
            .send(
                reqwest::Method::POST,
                &path,
                Some(&body),
                true,
                CREATE_TIMEOUT,
            )
            .await;
        let env: AppConnectionEnvelope = match sent {
            Err(KmsError::Transport { url, failure }) if !failure.proves_nothing_sent() => {
                return Err(KmsError::CreateUnconfirmed {
                    url,
                    name: Some(input.name.clone()),
                });
            }
            other => other?,
        };
        env.into_connection().map_err(|e| KmsError::BadResponse {
            url: format!("{}{path}", self.api),
            why: crate::sanitize::clean_short(&e.to_string(), 100),
        })
    }

    pub(super) async fn send<T: DeserializeOwned>(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
        authed: bool,
        timeout: std::time::Duration,
    ) -> Result<T, KmsError> {
        self.send_capped(method, path, body, authed, timeout, http::BODY_CAP)
            .await
    }

    pub(super) async fn send_capped<T: DeserializeOwned>(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
        authed: bool,
        timeout: std::time::Duration,
        cap: usize,
    ) -> Result<T, KmsError> {
        let url = format!("{}{path}", self.api);
        let mut req = self
            .http
            .request(method, &url)
            .timeout(timeout)
            .header(ACCEPT, "application/json");
        if authed && let Some(token) = &self.token {
            let mut v = HeaderValue::from_str(&format!("Bearer {}", token.expose_secret()))
                .map_err(|_| KmsError::Transport {
                    url: url.clone(),
                    failure: TransportFailure::Other(
                        "the KMS token contains characters a header cannot hold".into(),
                    ),
                })?;
            v.set_sensitive(true);
            req = req.header(AUTHORIZATION, v);
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        let transport = |e: reqwest::Error| KmsError::Transport {
            url: url.clone(),
            failure: TransportFailure::classify(&e),
        };
        let resp = req.send().await.map_err(transport)?;
        let captured = http::capture_up_to(resp, cap).await.map_err(transport)?;
        if !(200..300).contains(&captured.status) {
            return Err(KmsError::from_response(&url, &captured));
        }
        if captured.is_html() {
            return Err(KmsError::NotKmsApi {
                url,
                status: captured.status,
                what: "a web page".into(),
            });
        }
        serde_json::from_slice(&captured.body).map_err(|e| KmsError::BadResponse {
            url: url.clone(),
            why: crate::sanitize::clean_short(&e.to_string(), 100),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_waits_out_the_servers_retries() {
        // Four attempts of up to 35 s each and three waits of up to 30 s (Retry-After).
        let attempt = crate::apps::probe::PROBE_TIMEOUT.as_secs();
        assert!(CREATE_TIMEOUT.as_secs() >= 4 * attempt + 3 * 30);
    }

    #[test]
    fn only_plain_http_to_another_machine_is_in_clear() {
        assert!(sends_in_clear("http://kms.example.com/api"));
        assert!(sends_in_clear("http://10.0.0.5:8080/api"));
        assert!(!sends_in_clear("https://kms.example.com/api"));
        assert!(!sends_in_clear("http://127.0.0.1:8080/api"));
        assert!(!sends_in_clear("http://localhost:8080/api"));
        assert!(!sends_in_clear("http://[::1]:8080/api"));
    }

    #[test]
    fn api_base_accepts_with_or_without_api() {
        assert_eq!(
            api_base("https://app.kms.hanzo.ai").unwrap(),
            "https://app.kms.hanzo.ai/api"
        );
        assert_eq!(
            api_base(" https://kms.example.com/api/ ").unwrap(),
            "https://kms.example.com/api"
        );
        assert_eq!(
            api_base("http://127.0.0.1:8080/").unwrap(),
            "http://127.0.0.1:8080/api"
        );
        assert!(api_base("kms.example.com").is_err());
    }

    #[test]
    fn debug_hides_the_token() {
        let c = KmsClient::new(reqwest::Client::new(), "http://x/api".into())
            .with_token(SecretString::from("tok-123"));
        assert!(!format!("{c:?}").contains("tok-123"));
    }
}
