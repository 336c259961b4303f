//! What every command that talks to the KMS needs: an HTTP client that loads TLS roots only
//! when some URL needs them, and a signed-in KMS client that logs in again once, by itself,
//! when the profile's cached token is refused and a remembered secret can get a new one.

use std::future::Future;

use super::Failure;
use crate::config::context::IdentityFrom;
use crate::config::{Context, NOT_SIGNED_IN, signin};
use crate::kms::auth::Credentials;
use crate::kms::{KmsClient, KmsError};
use crate::sanitize::clean_line;

/// Says once, on stderr, that credentials are about to go to a plain http:// server on another
/// machine (before they are read or sent).
pub(crate) fn warn_if_in_clear(api_base: &str) {
    static ONCE: std::sync::Once = std::sync::Once::new();
    if crate::kms::client::sends_in_clear(api_base) {
        ONCE.call_once(|| eprintln!("Warning: {}", crate::kms::client::IN_CLEAR_WARNING));
    }
}

/// An HTTP client for the KMS and `extra_urls` (a provider's), trusting `ca_cert` too when
/// given. TLS roots are loaded only when one of the URLs is https: an http:// request does
/// not pay for them.
pub fn http_client(
    ctx: &Context,
    extra_urls: &[&str],
    ca_cert: Option<&str>,
) -> Result<reqwest::Client, Failure> {
    let direct = ctx.reach.direct;
    if let Some(path) = ca_cert {
        return crate::http::client_with_ca_file(direct, path).map_err(Failure::input);
    }
    let needs_tls = ctx.reach.kms_needs_tls() || crate::http::any_https(extra_urls.iter().copied());
    crate::http::client(needs_tls, direct).map_err(|e| {
        Failure::runtime(format!(
            "Could not set up HTTP: {}",
            clean_line(&e.to_string())
        ))
    })
}

/// The identity to sign in with, or the one message that says how to get one.
pub fn credentials(ctx: &Context) -> Result<&Credentials, Failure> {
    ctx.reach
        .credentials
        .as_ref()
        .ok_or_else(|| Failure::input(NOT_SIGNED_IN))
}

/// A KMS client signed in for one command.
pub struct Kms<'a> {
    ctx: &'a Context,
    base: KmsClient,
    client: KmsClient,
    /// When the token in use expires (Unix seconds), when known.
    pub expires_at: Option<u64>,
}

impl<'a> Kms<'a> {
    /// Signs in (a fresh token is cached where the profile keeps one).
    pub async fn sign_in(
        ctx: &'a Context,
        creds: &Credentials,
        http: &reqwest::Client,
    ) -> Result<Kms<'a>, KmsError> {
        warn_if_in_clear(&ctx.reach.api_base);
        let base = KmsClient::new(http.clone(), ctx.reach.api_base.clone());
        let (client, expires_at) = connect(ctx, &base, creds).await?;
        Ok(Kms {
            ctx,
            base,
            client,
            expires_at,
        })
    }

    /// Runs `call`; when the server refuses the profile's cached token and a remembered secret
    /// can log in again, does that (caching the new token) and runs it once more. A refused
    /// request changed nothing, so running it again is safe.
    pub async fn call<T, F, Fut>(&mut self, call: F) -> Result<T, KmsError>
    where
        F: Fn(KmsClient) -> Fut,
        Fut: Future<Output = Result<T, KmsError>>,
    {
        match call(self.client.clone()).await {
            Err(e)
                if signin::is_auth(&e) && self.ctx.identity == Some(IdentityFrom::CachedToken) =>
            {
                let Some(again) = &self.ctx.relogin else {
                    return Err(e);
                };
                let (client, expires_at) = connect(self.ctx, &self.base, again).await?;
                self.client = client;
                self.expires_at = expires_at;
                call(self.client.clone()).await
            }
            other => other,
        }
    }
}

async fn connect(
    ctx: &Context,
    base: &KmsClient,
    creds: &Credentials,
) -> Result<(KmsClient, Option<u64>), KmsError> {
    let home = ctx.token_home();
    let (client, expires) = signin::sign_in_keeping(creds, base.clone(), home.as_ref()).await?;
    Ok((client, expires.or(ctx.token_expires_at.flatten())))
}

/// Signs in and runs one call, for commands that make a single KMS request.
pub async fn signed_in_call<T, F, Fut>(
    ctx: &Context,
    creds: &Credentials,
    http: &reqwest::Client,
    call: F,
) -> Result<(T, Option<u64>), KmsError>
where
    F: Fn(KmsClient) -> Fut,
    Fut: Future<Output = Result<T, KmsError>>,
{
    let mut kms = Kms::sign_in(ctx, creds, http).await?;
    let value = kms.call(call).await?;
    Ok((value, kms.expires_at))
}

/// The project given (flag, environment or profile) as an ID. A slug is resolved once through
/// the project list, as `login` does; with `check`, an ID is confirmed there too. A project the
/// identity cannot see is invalid input (exit 2) that names `kms-connect projects`.
pub async fn project_id(
    kms: &mut Kms<'_>,
    ctx: &Context,
    check: bool,
) -> Result<Option<String>, super::Failure> {
    let Some(wanted) = ctx.project_id.as_deref() else {
        return Ok(None);
    };
    if !check && uuid::Uuid::parse_str(wanted).is_ok() {
        return Ok(Some(wanted.to_owned()));
    }
    let list = kms
        .call(|c| async move { c.list_projects().await })
        .await
        .map_err(|e| super::Failure::from_kms(&e, None))?;
    match list.iter().find(|p| p.id == wanted || p.slug == wanted) {
        Some(p) => Ok(Some(p.id.clone())),
        None => Err(unknown_project(wanted)),
    }
}

/// The failure for a project the identity cannot see.
pub fn unknown_project(wanted: &str) -> super::Failure {
    super::Failure {
        lines: vec![
            format!(
                "Project {:?} is not among the projects this identity can see.",
                crate::sanitize::clean_line(wanted)
            ),
            "Run `kms-connect projects` to list them (by ID or slug), or add the identity to the project."
                .into(),
        ],
        code: super::EXIT_INPUT,
    }
}
