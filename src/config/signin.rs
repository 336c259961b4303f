//! Signing in, shared by `kms-connect login` and the sign-in screens: check the server,
//! log in, learn the organization, and remember the answers (secrets only when asked).

use secrecy::SecretString;

use crate::config::{AuthMethod, CachedToken, Store, now_secs};
use crate::kms::auth::Credentials;
use crate::kms::error::Trouble;
use crate::kms::identity::token_expiry;
use crate::kms::status::diagnose;
use crate::kms::{Guidance, KmsClient, KmsError};

/// What a sign-in needs. `server` is the base URL as the user typed it.
#[derive(Debug, Clone)]
pub struct Attempt {
    pub server: String,
    pub api_base: String,
    pub credentials: Credentials,
    /// Keep the client secret on this machine too (0600); the access token always is.
    pub remember: bool,
    pub profile: String,
}

/// Why a sign-in failed: what to tell the user, and whether the server refused the identity
/// (wrong secret, locked, expired: exit code 3) rather than being unreachable or odd.
#[derive(Debug, Clone)]
pub struct LoginFailure {
    pub guidance: Guidance,
    pub refused: bool,
}

/// A successful sign-in.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub client: KmsClient,
    /// `universal auth <client id>` or `access token`, for the header.
    pub identity: String,
    pub organization: Option<String>,
    /// Unix seconds; `None` when it does not expire or is unknown.
    pub expires_at: Option<u64>,
    /// Set when the sign-in worked but the profile could not be written.
    pub save_problem: Option<String>,
}

/// `GET /api/status`, with a plain diagnosis when the server is not a KMS.
pub async fn probe(http: &reqwest::Client, api_base: &str) -> Result<(), Guidance> {
    KmsClient::new(http.clone(), api_base.to_owned())
        .probe_status()
        .await
        .map_err(|e| diagnose(&e))
}

/// Logs in, reads the organization (quietly skipped where the server cannot say), and
/// writes the profile and the access token; the client secret only when `remember` is set.
pub async fn log_in(
    http: &reqwest::Client,
    attempt: &Attempt,
    store: Option<&Store>,
) -> Result<SignedIn, LoginFailure> {
    let base = KmsClient::new(http.clone(), attempt.api_base.clone());
    let (token, expires_at) = match &attempt.credentials {
        Credentials::UniversalAuth {
            client_id,
            client_secret,
        } => {
            let (token, expires_in) = base
                .login_universal(client_id, client_secret)
                .await
                .map_err(|e| login_failure(&e))?;
            (token, expires_at(expires_in))
        }
        Credentials::Token(t) => {
            use secrecy::ExposeSecret;
            (
                t.clone(),
                token_expiry(t.expose_secret().trim()).map(super::secrets::clamp_expiry),
            )
        }
    };
    let client = base.with_token(token.clone());
    let organization = match client.organization().await {
        Ok(org) => org.map(|o| o.name).filter(|n| !n.is_empty()),
        Err(e) if is_auth(&e) => return Err(login_failure(&e)),
        // Another kind of identity or an older server: carry on without the name.
        Err(_) => None,
    };
    if organization.is_none() && matches!(attempt.credentials, Credentials::Token(_)) {
        // Nothing has checked a pasted token yet: the project list does.
        if let Err(e) = client.list_projects().await
            && is_auth(&e)
        {
            return Err(login_failure(&e));
        }
    }
    let save_problem =
        store.and_then(|s| remember(s, attempt, &token, expires_at, organization.as_deref()).err());
    Ok(SignedIn {
        client,
        identity: attempt.credentials.describe(),
        organization,
        expires_at,
        save_problem,
    })
}

/// Records the chosen project (or organization level: no project) in the profile.
pub fn save_project(
    store: &Store,
    profile: &str,
    project: Option<(&str, &str)>,
) -> Result<(), String> {
    store.update_profile(profile, |p| {
        p.project_id = project.map(|(id, _)| id.to_owned());
        p.project_name = project.map(|(_, name)| name.to_owned());
    })
}

/// A lifetime in seconds from now as an absolute time; 0 means it never expires.
pub fn expires_at(expires_in: Option<u64>) -> Option<u64> {
    expires_in
        .filter(|s| *s > 0)
        .map(|s| super::secrets::clamp_expiry(now_secs().saturating_add(s)))
}

/// Caches a token issued by a later login of a remembered identity.
pub fn keep_token(
    store: &Store,
    profile: &str,
    token: &SecretString,
    expires_in: Option<u64>,
) -> Result<(), String> {
    store.cache_token(
        profile,
        &CachedToken {
            token: token.clone(),
            expires_at: expires_at(expires_in),
        },
    )
}

fn remember(
    store: &Store,
    attempt: &Attempt,
    token: &SecretString,
    expires_at: Option<u64>,
    organization: Option<&str>,
) -> Result<(), String> {
    // One lock around the whole change: another login at the same time never leaves this
    // profile with its client ID and that one's secret.
    store.locked(|| remember_locked(store, attempt, token, expires_at, organization))
}

fn remember_locked(
    store: &Store,
    attempt: &Attempt,
    token: &SecretString,
    expires_at: Option<u64>,
    organization: Option<&str>,
) -> Result<(), String> {
    let (method, client_id) = match &attempt.credentials {
        Credentials::UniversalAuth { client_id, .. } => {
            (AuthMethod::UniversalAuth, Some(client_id.trim().to_owned()))
        }
        Credentials::Token(_) => (AuthMethod::Token, None),
    };
    store.update_profile(&attempt.profile, |p| {
        if crate::kms::client::api_base(&p.server).ok().as_deref()
            != Some(attempt.api_base.as_str())
        {
            // Another server: its project means nothing here.
            p.project_id = None;
            p.project_name = None;
        }
        p.server = attempt.server.trim().trim_end_matches('/').to_owned();
        p.auth_method = method;
        p.client_id = client_id;
        p.organization = organization.map(str::to_owned);
    })?;
    // Whatever was remembered before goes: a new sign-in replaces it.
    store.forget(&attempt.profile)?;
    // As `gh auth login` and `aws sso login` do, the short-lived access token is always cached
    // (0600, with its expiry) so that later commands work; the client secret only when asked,
    // so that an expired token is renewed without asking.
    if attempt.remember
        && let Credentials::UniversalAuth { client_secret, .. } = &attempt.credentials
    {
        store.remember_secret(&attempt.profile, client_secret)?;
    }
    store.cache_token(
        &attempt.profile,
        &CachedToken {
            token: token.clone(),
            expires_at,
        },
    )
}

fn login_failure(e: &KmsError) -> LoginFailure {
    LoginFailure {
        guidance: login_guidance(e),
        refused: is_auth(e),
    }
}

/// The server refused the identity or its token (401, or 403 `TokenError`).
pub fn is_auth(e: &KmsError) -> bool {
    matches!(e, KmsError::Api(a) if a.status == 401 || a.error == "TokenError")
}

/// The shared guidance, with a hint about the fields on screen instead of the environment
/// variables (here the user typed the ID and secret).
fn login_guidance(e: &KmsError) -> Guidance {
    let mut g = e.guidance(None);
    if g.hint
        .as_deref()
        .is_some_and(|h| h.contains("KMS_UNIVERSAL_AUTH_CLIENT_ID"))
    {
        g.hint = Some(
            "Check the client ID and client secret (copy them again from the identity's Universal Auth settings)."
                .into(),
        );
    }
    if g.trouble == Trouble::Auth {
        g.hint = Some(
            "The token was refused: paste a fresh access token, or use Universal Auth.".into(),
        );
    }
    g
}

/// Signs in with `creds`; a universal-auth login's token is cached when the identity is a
/// remembered one (`token_home`: store and profile), so the next run starts without a login.
/// Returns the client and, for a login, when its token expires.
pub async fn sign_in_keeping(
    creds: &Credentials,
    base: KmsClient,
    token_home: Option<&(Store, String)>,
) -> Result<(KmsClient, Option<u64>), KmsError> {
    match creds {
        Credentials::Token(t) => Ok((base.with_token(t.clone()), None)),
        Credentials::UniversalAuth {
            client_id,
            client_secret,
        } => {
            let (token, expires_in) = base.login_universal(client_id, client_secret).await?;
            if let Some((store, profile)) = token_home {
                // Best effort: a cache that cannot be written only costs a login next time.
                let _ = keep_token(store, profile, &token, expires_in);
            }
            Ok((base.with_token(token), expires_at(expires_in)))
        }
    }
}

/// The identity as the wizard's header shows it, after its organization when known (so a
/// narrow window cuts the client ID's end, not the organization).
pub fn identity_with_organization(identity: &str, organization: Option<&str>) -> String {
    match organization {
        Some(org) => format!("{} · {identity}", crate::sanitize::clean_short(org, 30)),
        None => identity.to_owned(),
    }
}
