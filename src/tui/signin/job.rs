//! The worker side of the sign-in: runs its requests and file writes, and tells the worker
//! which identity to use from then on.

use crate::config::Store;
use crate::config::signin;
use crate::kms::KmsClient;
use crate::kms::auth::Credentials;

use super::{LoggedIn, Reply, Request};

/// What the worker signs in with, after a sign-in replaced what it started with.
#[derive(Debug, Clone, Default)]
pub struct Account {
    /// Where profiles are saved (`None` in `--demo` or without a config directory).
    pub store: Option<Store>,
    /// Where a token issued by a later login goes (a remembered identity's profile).
    pub token_home: Option<(Store, String)>,
    /// Server API base and credentials of the last sign-in.
    pub signed_in: Option<(String, Credentials)>,
    /// The remembered universal-auth login to fall back on when the cached token the
    /// session started with is refused.
    pub relogin: Option<Credentials>,
}

impl Account {
    /// The server refused the token: from now on log in with the remembered secret, if any.
    /// True when that changed how the worker signs in (so one more try can succeed).
    pub fn fall_back(&mut self, api_base: &str) -> bool {
        if self.signed_in.is_none()
            && let Some(creds) = self.relogin.take()
        {
            self.signed_in = Some((api_base.to_owned(), creds));
            return true;
        }
        false
    }
}

/// Runs one request. On a successful log-in also returns the signed-in client and the
/// account the worker should use from now on.
pub async fn run(
    request: Request,
    http: &reqwest::Client,
    account: &Account,
) -> (Reply, Option<(KmsClient, Account)>) {
    match request {
        Request::Probe(id, base) => (Reply::Probed(id, signin::probe(http, &base).await), None),
        Request::LogIn(id, attempt) => {
            match signin::log_in(http, &attempt, account.store.as_ref()).await {
                Ok(done) => {
                    let token_home = account
                        .store
                        .clone()
                        .filter(|_| attempt.remember)
                        .map(|s| (s, attempt.profile.clone()));
                    let next = Account {
                        store: account.store.clone(),
                        token_home,
                        signed_in: Some((attempt.api_base.clone(), attempt.credentials.clone())),
                        relogin: None,
                    };
                    let reply = LoggedIn {
                        identity: done.identity,
                        organization: done.organization,
                        save_problem: done.save_problem,
                    };
                    (Reply::LoggedIn(id, Ok(reply)), Some((done.client, next)))
                }
                Err(f) => (Reply::LoggedIn(id, Err(f.guidance)), None),
            }
        }
        Request::SaveProject(id, profile, project) => {
            let result = match &account.store {
                Some(store) => signin::save_project(
                    store,
                    &profile,
                    project.as_ref().map(|(i, n)| (i.as_str(), n.as_str())),
                ),
                None => Ok(()),
            };
            (Reply::Saved(id, result), None)
        }
    }
}

/// The reply that reports a request as failed by an internal error.
pub fn failed(request: &Request, why: &str) -> Reply {
    let g = crate::kms::Guidance {
        trouble: crate::kms::error::Trouble::Server,
        headline: format!("kms-connect hit an internal error ({why}); nothing was sent."),
        hint: Some("Try again; if it repeats, please report it.".into()),
        fields: Vec::new(),
    };
    match request {
        Request::Probe(id, _) => Reply::Probed(*id, Err(g)),
        Request::LogIn(id, _) => Reply::LoggedIn(*id, Err(g)),
        Request::SaveProject(id, ..) => Reply::Saved(*id, Err(why.to_owned())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::SecretString;

    #[test]
    fn a_refused_cached_token_falls_back_to_the_remembered_login_once() {
        let ua = Credentials::UniversalAuth {
            client_id: "id".into(),
            client_secret: SecretString::from("s"),
        };
        let mut account = Account {
            relogin: Some(ua),
            ..Account::default()
        };
        account.fall_back("http://kms/api");
        assert!(matches!(
            &account.signed_in,
            Some((base, Credentials::UniversalAuth { .. })) if base == "http://kms/api"
        ));
        assert!(account.relogin.is_none());
        // Nothing remembered: nothing changes.
        let mut plain = Account::default();
        plain.fall_back("http://kms/api");
        assert!(plain.signed_in.is_none());
    }
}
