//! Who may call the sandbox KMS: its universal-auth identities (each with the real lockout:
//! 3 wrong secrets lock it for 300 s), the access tokens it issued and their expiry.
//!
//! The demo identity gets the fixed demo token (it never expires here, so existing sessions
//! keep working); the others get tokens of their own, tracked so they can expire.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::envelope::Failure;
use super::fixtures::{self, ACCESS_TOKEN, CLIENT_ID, CLIENT_SECRET};
use super::validate;

/// The sandbox's identities; all take the demo client secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Member of the demo project; gets the fixed demo token.
    Demo,
    /// Its tokens last [`fixtures::SHORT_TOKEN_TTL_SECONDS`].
    ShortLived,
    /// Signs in, but is a member of no project and may not read organization-level
    /// connections either.
    NoProjects,
    /// Its client secret has expired.
    ExpiredSecret,
}

fn kind_of(client_id: &str) -> Option<Kind> {
    match client_id {
        CLIENT_ID => Some(Kind::Demo),
        fixtures::SHORT_LIVED_CLIENT_ID => Some(Kind::ShortLived),
        fixtures::NO_PROJECTS_CLIENT_ID => Some(Kind::NoProjects),
        fixtures::EXPIRED_SECRET_CLIENT_ID => Some(Kind::ExpiredSecret),
        _ => None,
    }
}

/// What a handler may ask about the caller (set by [`resolve_tokens`]).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Caller {
    pub sees_projects: bool,
    /// May list connections without a `projectId` (the org-level read permission).
    pub reads_org_connections: bool,
}

#[derive(Default)]
struct Lockout {
    failures: u32,
    until: Option<Instant>,
}

struct Issued {
    kind: Kind,
    expires: Instant,
}

#[derive(Default)]
pub(crate) struct Auth {
    lockouts: Mutex<HashMap<&'static str, Lockout>>,
    issued: Mutex<HashMap<String, Issued>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Auth {
    /// The identity-ua service logic: a lock refuses even the right secret; the 3rd
    /// consecutive failure still says "Invalid credentials" and starts the lock. Returns the
    /// token and its lifetime in seconds.
    pub(crate) fn login(&self, login: &validate::Login) -> Result<(String, u64), Failure> {
        let Some(kind) = kind_of(&login.client_id) else {
            return Err(Failure::unauthorized("Invalid credentials"));
        };
        let key: &'static str = match kind {
            Kind::Demo => CLIENT_ID,
            Kind::ShortLived => fixtures::SHORT_LIVED_CLIENT_ID,
            Kind::NoProjects => fixtures::NO_PROJECTS_CLIENT_ID,
            Kind::ExpiredSecret => fixtures::EXPIRED_SECRET_CLIENT_ID,
        };
        {
            let mut lockouts = lock(&self.lockouts);
            let lockout = lockouts.entry(key).or_default();
            let now = Instant::now();
            match lockout.until {
                Some(until) if until > now => {
                    return Err(Failure::unauthorized(
                        "This identity auth method is temporarily locked, please try again later",
                    ));
                }
                Some(_) => *lockout = Lockout::default(),
                None => {}
            }
            if login.client_secret != CLIENT_SECRET {
                lockout.failures += 1;
                if lockout.failures >= fixtures::LOCKOUT_THRESHOLD {
                    lockout.until = Some(now + Duration::from_secs(fixtures::LOCKOUT_SECONDS));
                }
                return Err(Failure::unauthorized("Invalid credentials"));
            }
            lockout.failures = 0;
        }
        let ttl = match kind {
            Kind::ExpiredSecret => {
                return Err(Failure::unauthorized(
                    "Access denied due to expired client secret",
                ));
            }
            Kind::Demo => return Ok((ACCESS_TOKEN.to_owned(), fixtures::TOKEN_TTL_SECONDS)),
            Kind::ShortLived => fixtures::SHORT_TOKEN_TTL_SECONDS,
            Kind::NoProjects => fixtures::TOKEN_TTL_SECONDS,
        };
        let token = format!("kms-sandbox-{}", uuid::Uuid::new_v4().simple());
        lock(&self.issued).insert(
            token.clone(),
            Issued {
                kind,
                expires: Instant::now() + Duration::from_secs(ttl),
            },
        );
        Ok((token, ttl))
    }

    /// Makes every issued token expire now (for tests of what a client does then).
    pub(crate) fn expire_all(&self) {
        let now = Instant::now();
        for issued in lock(&self.issued).values_mut() {
            issued.expires = now;
        }
    }

    /// A valid issued token's caller; an expired one is the server's `TokenError`.
    fn check(&self, token: &[u8]) -> Option<Result<Caller, Failure>> {
        let token = std::str::from_utf8(token).ok()?;
        let issued = lock(&self.issued);
        let found = issued.get(token)?;
        if found.expires <= Instant::now() {
            return Some(Err(Failure::token_expired()));
        }
        let member = found.kind != Kind::NoProjects;
        Some(Ok(Caller {
            sees_projects: member,
            reads_org_connections: member,
        }))
    }
}

/// Middleware: a request carrying an issued token is checked here; a valid one goes on as
/// the demo identity (so every route accepts it) with a [`Caller`] extension saying what it
/// may see.
pub(crate) async fn resolve_tokens(
    State(auth): State<std::sync::Arc<super::kms::Kms>>,
    mut request: Request,
    next: Next,
) -> Response {
    let presented = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.as_bytes().get(7..));
    if presented == Some(super::demo::USER_SESSION_TOKEN.as_bytes()) {
        // A user session: accepted by the app-connection routes, refused (wrong auth mode,
        // `ForbiddenRequestError`) by the identity-only route.
        if request.uri().path().trim_end_matches('/') == "/api/v1/identities/details" {
            return Failure::identity_route_refused().into_response();
        }
        if let Ok(v) = HeaderValue::from_str(&format!("Bearer {ACCESS_TOKEN}")) {
            request.headers_mut().insert(header::AUTHORIZATION, v);
        }
        return next.run(request).await;
    }
    let checked = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.as_bytes().get(7..))
        .and_then(|token| auth.auth().check(token));
    match checked {
        Some(Err(failure)) => failure.into_response(),
        Some(Ok(caller)) => {
            let demo = HeaderValue::from_str(&format!("Bearer {ACCESS_TOKEN}"));
            if let Ok(v) = demo {
                request.headers_mut().insert(header::AUTHORIZATION, v);
            }
            request.extensions_mut().insert(caller);
            next.run(request).await
        }
        None => next.run(request).await,
    }
}
