//! Which value wins for each setting — flags, then the environment, then the profile, then
//! the default — and where each one came from, for `kms-connect status`.

use secrecy::SecretString;

use super::context::{Context, Given, IdentityFrom, Reach, Source};
use super::{AuthMethod, CachedToken, DEFAULT_PROFILE, Profile, Store, profile};
use crate::apps::ProviderEndpoints;
use crate::kms::auth::Credentials;
use crate::kms::client::{DEFAULT_KMS_URL, api_base};

/// What `resolve` looks at.
#[derive(Debug, Clone)]
pub struct Request {
    pub kms_url: Option<Given>,
    pub project: Option<Given>,
    /// `--profile`; `None` means [`DEFAULT_PROFILE`].
    pub profile: Option<String>,
    pub store: Option<Store>,
    pub env_credentials: Option<Credentials>,
    /// Unix seconds (passed in so tests can move the clock).
    pub now: u64,
}

/// The context a command starts from: flags, environment, then the saved profile. `apps` and
/// `test` never call the KMS, but `test` judges instance URLs as the KMS server a create would
/// use (the given one, else the profile's) would; a bad KMS URL or profile must not stop them,
/// so then the default server judges.
pub fn for_command(
    kms_url: Option<Given>,
    project: Option<Given>,
    profile: Option<String>,
    uses_kms: bool,
) -> Result<Context, String> {
    let request = |kms_url, store, profile| Request {
        kms_url,
        project: project.clone(),
        profile,
        store,
        env_credentials: Credentials::from_env(),
        now: super::now_secs(),
    };
    resolve(request(kms_url, Store::locate(), profile.clone())).or_else(|e| {
        if uses_kms {
            Err(e)
        } else {
            resolve(request(None, None, None))
        }
    })
}

pub fn resolve(req: Request) -> Result<Context, String> {
    let profile_name = req
        .profile
        .clone()
        .unwrap_or_else(|| DEFAULT_PROFILE.into());
    profile::check_name(&profile_name)?;
    let profile = match &req.store {
        Some(store) => store.profile(&profile_name)?,
        None => None,
    };
    let saved_server = profile
        .as_ref()
        .map(|p| p.server.trim().to_owned())
        .filter(|s| !s.is_empty());
    let (server, server_source) = match (&req.kms_url, &saved_server) {
        (Some(g), _) if !g.value.trim().is_empty() => (g.value.trim().to_owned(), g.source),
        (_, Some(s)) => (s.clone(), Source::Profile),
        _ => (DEFAULT_KMS_URL.to_owned(), Source::Default),
    };
    let base = api_base(&server)?;
    let profile_applies = saved_server.is_some_and(|s| api_base(&s).ok() == Some(base.clone()));
    let usable = profile.as_ref().filter(|_| profile_applies);

    let mut identity = None;
    let mut credentials = None;
    let mut token_expires_at = None;
    let mut relogin = None;
    let mut token_expired = false;
    if let Some(c) = req.env_credentials.clone() {
        identity = Some(match c {
            Credentials::Token(_) => IdentityFrom::EnvToken,
            Credentials::UniversalAuth { .. } => IdentityFrom::EnvUniversalAuth,
        });
        credentials = Some(c);
    } else if let (Some(p), Some(store)) = (usable, &req.store) {
        let stored = stored_login(p, store, &profile_name);
        match store.cached_token(&profile_name) {
            Some(CachedToken { token, expires_at }) if cached_usable(expires_at, req.now) => {
                identity = Some(IdentityFrom::CachedToken);
                credentials = Some(Credentials::Token(token));
                token_expires_at = Some(expires_at);
                relogin = stored;
            }
            cached => {
                if let Some(c) = stored {
                    identity = Some(IdentityFrom::StoredSecret);
                    credentials = Some(c);
                } else {
                    token_expired = cached.is_some();
                }
            }
        }
    }

    let (project_id, project_source, project_name) = match (&req.project, usable) {
        (Some(g), _) if !g.value.trim().is_empty() => {
            (Some(g.value.trim().to_owned()), Some(g.source), None)
        }
        (_, Some(p)) if p.project_id.is_some() => (
            p.project_id.clone(),
            Some(Source::Profile),
            p.project_name.clone(),
        ),
        _ => (None, None, None),
    };
    Ok(Context {
        reach: Reach {
            api_base: base,
            credentials,
            providers: ProviderEndpoints::from_env(),
            direct: false,
        },
        project_id,
        profile_name,
        profile,
        profile_applies,
        server,
        server_source,
        identity,
        project_source,
        project_name,
        token_expires_at,
        relogin,
        token_expired,
        store: req.store,
        demo_targets: Vec::new(),
    })
}

fn cached_usable(expires_at: Option<u64>, now: u64) -> bool {
    CachedToken {
        token: SecretString::from(""),
        expires_at,
    }
    .usable(now)
}

/// Universal-auth credentials from the profile's client ID and remembered secret.
fn stored_login(p: &Profile, store: &Store, name: &str) -> Option<Credentials> {
    if p.auth_method != AuthMethod::UniversalAuth {
        return None;
    }
    let client_id = p.client_id.clone().filter(|c| !c.trim().is_empty())?;
    let client_secret = store.stored_secret(name)?;
    Some(Credentials::UniversalAuth {
        client_id,
        client_secret,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn given(v: &str, source: Source) -> Option<Given> {
        Some(Given {
            value: v.into(),
            source,
        })
    }

    fn request(store: &Store) -> Request {
        Request {
            kms_url: None,
            project: None,
            profile: None,
            store: Some(store.clone()),
            env_credentials: None,
            now: 1_000,
        }
    }

    fn saved(dir: &std::path::Path) -> Store {
        let store = Store::at(dir);
        store
            .update_profile("default", |p| {
                p.server = "https://kms.example.com".into();
                p.client_id = Some("cid".into());
                p.project_id = Some("proj-1".into());
                p.project_name = Some("Payments".into());
            })
            .unwrap();
        store
    }

    #[test]
    fn profile_fills_what_flags_and_env_leave_open() {
        let dir = tempfile::tempdir().unwrap();
        let store = saved(dir.path());
        let r = resolve(request(&store)).unwrap();
        assert_eq!(r.reach.api_base, "https://kms.example.com/api");
        assert_eq!(r.server_source, Source::Profile);
        assert_eq!(r.project_id.as_deref(), Some("proj-1"));
        assert_eq!(r.project_source, Some(Source::Profile));
        assert_eq!(r.project_name.as_deref(), Some("Payments"));
        // Nothing remembered: no identity.
        assert!(r.identity.is_none() && r.reach.credentials.is_none());
    }

    #[test]
    fn flags_beat_env_beat_profile() {
        let dir = tempfile::tempdir().unwrap();
        let store = saved(dir.path());
        let mut req = request(&store);
        req.kms_url = given("https://kms.example.com/api/", Source::Env);
        req.project = given("proj-flag", Source::Flag);
        req.env_credentials = Some(Credentials::Token(SecretString::from("env-token")));
        let r = resolve(req).unwrap();
        assert_eq!(r.server_source, Source::Env);
        // Same server (with /api): the profile still applies.
        assert!(r.profile_applies);
        assert_eq!(r.project_id.as_deref(), Some("proj-flag"));
        assert_eq!(r.project_source, Some(Source::Flag));
        assert_eq!(r.identity, Some(IdentityFrom::EnvToken));
    }

    #[test]
    fn another_server_ignores_the_profile_identity_and_project() {
        let dir = tempfile::tempdir().unwrap();
        let store = saved(dir.path());
        store
            .remember_secret("default", &SecretString::from("sec"))
            .unwrap();
        let mut req = request(&store);
        req.kms_url = given("https://other.example.com", Source::Flag);
        let r = resolve(req).unwrap();
        assert!(!r.profile_applies);
        assert!(r.identity.is_none());
        assert!(r.project_id.is_none());
    }

    #[test]
    fn a_fresh_cached_token_is_used_and_an_expired_one_falls_back_to_the_secret() {
        let dir = tempfile::tempdir().unwrap();
        let store = saved(dir.path());
        store
            .remember_secret("default", &SecretString::from("sec"))
            .unwrap();
        let cache = |exp| CachedToken {
            token: SecretString::from("cached"),
            expires_at: Some(exp),
        };
        store.cache_token("default", &cache(5_000)).unwrap();
        store
            .update_profile("default", |p| p.organization = Some("Acme".into()))
            .unwrap();
        let r = resolve(request(&store)).unwrap();
        assert_eq!(r.identity, Some(IdentityFrom::CachedToken));
        // The header names the remembered identity, not just "access token".
        assert_eq!(r.identity_label(), "Acme · universal auth cid");
        assert!(r.relogin.is_some());
        assert_eq!(r.token_expires_at, Some(Some(5_000)));
        assert!(r.token_home().is_some());

        store.cache_token("default", &cache(900)).unwrap();
        let r = resolve(request(&store)).unwrap();
        assert_eq!(r.identity, Some(IdentityFrom::StoredSecret));
        assert!(matches!(
            r.reach.credentials,
            Some(Credentials::UniversalAuth { ref client_id, .. }) if client_id == "cid"
        ));
        assert!(r.why_sign_in().is_none());
        // Without the secret an expired token means asking.
        store.forget("default").unwrap();
        store.cache_token("default", &cache(900)).unwrap();
        let r = resolve(request(&store)).unwrap();
        assert!(r.identity.is_none() && r.token_expired);
        assert!(r.why_sign_in().unwrap().contains("has expired"));
    }

    #[test]
    fn no_profile_means_the_default_server() {
        let dir = tempfile::tempdir().unwrap();
        let r = resolve(request(&Store::at(dir.path()))).unwrap();
        assert_eq!(r.server, DEFAULT_KMS_URL);
        assert_eq!(r.server_source, Source::Default);
        assert!(r.profile.is_none());
        let mut req = request(&Store::at(dir.path()));
        req.profile = Some("bad/name".into());
        assert!(resolve(req).is_err());
    }
}
