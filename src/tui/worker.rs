//! Runs the state machine's effects: each request in its own task with a cancellation token,
//! its result sent back as a `Msg` tagged with the request id.

use std::collections::HashMap;
use std::sync::{Arc, PoisonError};

use futures::FutureExt;
use tokio::sync::{Mutex, OnceCell, mpsc};
use tokio_util::sync::CancellationToken;

use super::signin::{self, job::Account};
use super::state::{Effect, Msg, RequestId};
use crate::apps::{ProviderEndpoints, probe};
use crate::kms::auth::Credentials;
use crate::kms::error::Trouble;
use crate::kms::{Guidance, KmsClient};
use crate::settings::NO_CREDENTIALS;

/// What the worker needs to reach the KMS and the providers.
#[derive(Debug, Clone)]
pub struct Reach {
    pub api_base: String,
    pub credentials: Option<Credentials>,
    pub providers: ProviderEndpoints,
    /// Ignore proxy variables (the sandbox).
    pub direct: bool,
}

struct Shared {
    reach: Reach,
    /// Built on first use, inside a task, so the first frame never waits for TLS setup.
    http: OnceCell<reqwest::Client>,
    /// Signed in once, then reused; cleared when the server rejects the token.
    signed_in: Mutex<Option<KmsClient>>,
    /// Where profiles and tokens go, and the identity of the last sign-in (which replaces
    /// `reach`'s server and credentials).
    account: std::sync::Mutex<Account>,
}

pub struct Worker {
    shared: Arc<Shared>,
    results: mpsc::UnboundedSender<Msg>,
    running: HashMap<RequestId, CancellationToken>,
}

impl Worker {
    pub fn new(reach: Reach, results: mpsc::UnboundedSender<Msg>) -> Self {
        let shared = Shared {
            reach,
            http: OnceCell::new(),
            signed_in: Mutex::new(None),
            account: std::sync::Mutex::new(Account::default()),
        };
        Worker {
            shared: Arc::new(shared),
            results,
            running: HashMap::new(),
        }
    }

    /// Where the sign-in saves profiles, and where a remembered identity's fresh tokens go.
    pub fn with_account(mut self, account: Account) -> Self {
        if let Some(shared) = Arc::get_mut(&mut self.shared) {
            shared.account = std::sync::Mutex::new(account);
        }
        self
    }

    pub fn run(&mut self, effect: Effect) {
        self.running.retain(|_, token| !token.is_cancelled());
        let (id, job): (RequestId, Job) = match effect {
            Effect::Cancel(id) => {
                if let Some(token) = self.running.remove(&id) {
                    token.cancel();
                }
                return;
            }
            Effect::LoadProjects(id) => (id, Job::Projects),
            Effect::Test(id, input) => (id, Job::Test(Box::new(input))),
            Effect::Create(id, input, project) => (id, Job::Create(Box::new(input), project)),
            Effect::SignIn(request) => (request.id(), Job::SignIn(request)),
        };
        let token = CancellationToken::new();
        self.running.insert(id, token.clone());
        let shared = self.shared.clone();
        let results = self.results.clone();
        let failed = job.failure(id);
        tokio::spawn(async move {
            // A bug in a request must not leave a spinner turning forever: report it instead.
            let guarded = std::panic::AssertUnwindSafe(job.run(id, &shared)).catch_unwind();
            tokio::select! {
                () = token.cancelled() => {}
                result = guarded => {
                    let _ = results.send(result.unwrap_or(failed));
                }
            }
            // Done: the entry in `running` can go.
            token.cancel();
        });
    }

    /// Cancels everything still running (on quit).
    pub fn cancel_all(&mut self) {
        for (_, token) in self.running.drain() {
            token.cancel();
        }
    }
}

enum Job {
    Projects,
    Test(Box<crate::apps::ConnectionInput>),
    Create(Box<crate::apps::ConnectionInput>, Option<String>),
    SignIn(signin::Request),
}

impl Job {
    /// The message that reports this job as failed by an internal error.
    fn failure(&self, id: RequestId) -> Msg {
        let g = Guidance {
            trouble: Trouble::Server,
            headline: "kms-connect hit an internal error; nothing was sent.".into(),
            hint: Some("Try again; if it repeats, please report it.".into()),
            fields: Vec::new(),
        };
        match self {
            Job::Projects => Msg::Projects(id, Err(g)),
            Job::Test(input) => Msg::Tested(id, probe::setup_failed(input, "internal error")),
            Job::Create(..) => Msg::Created(id, Err(g)),
            Job::SignIn(request) => Msg::SignIn(signin::job::failed(request, "internal error")),
        }
    }

    async fn run(self, id: RequestId, shared: &Shared) -> Msg {
        match self {
            Job::Projects => {
                let result = match shared.client().await {
                    Ok(c) => c.list_projects().await.map_err(|e| shared.fail(&e, None)),
                    Err(g) => Err(g),
                };
                Msg::Projects(id, result)
            }
            Job::Test(input) => {
                let http = match shared.http().await {
                    Ok(h) => h,
                    Err(e) => return Msg::Tested(id, probe::setup_failed(&input, &e)),
                };
                Msg::Tested(id, probe::run(http, &input, &shared.reach.providers).await)
            }
            Job::Create(input, project) => {
                let result = match shared.client().await {
                    Ok(c) => c
                        .create_connection(&input, project.as_deref())
                        .await
                        .map_err(|e| shared.fail(&e, Some(input.app))),
                    Err(g) => Err(g),
                };
                Msg::Created(id, result)
            }
            Job::SignIn(request) => {
                let http = match shared.http().await {
                    Ok(h) => h,
                    Err(e) => return Msg::SignIn(signin::job::failed(&request, &e)),
                };
                let account = shared.account();
                let (reply, adopted) = signin::job::run(request, http, &account).await;
                if let Some((client, next)) = adopted {
                    *shared.signed_in.lock().await = Some(client);
                    *shared
                        .account
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner) = next;
                }
                Msg::SignIn(reply)
            }
        }
    }
}

impl Shared {
    async fn http(&self) -> Result<&reqwest::Client, String> {
        self.http
            .get_or_try_init(|| async { crate::http::client(true, self.reach.direct) })
            .await
            .map_err(|e| crate::sanitize::clean_short(&e.to_string(), 120))
    }

    /// A signed-in KMS client, logging in with universal auth the first time.
    async fn client(&self) -> Result<KmsClient, Guidance> {
        let mut slot = self.signed_in.lock().await;
        if let Some(c) = slot.as_ref() {
            return Ok(c.clone());
        }
        let account = self.account();
        let (api_base, creds) = match &account.signed_in {
            Some((base, creds)) => (base.clone(), Some(creds)),
            None => (self.reach.api_base.clone(), self.reach.credentials.as_ref()),
        };
        let Some(creds) = creds else {
            return Err(Guidance {
                trouble: Trouble::Server,
                headline: NO_CREDENTIALS.into(),
                hint: None,
                fields: Vec::new(),
            });
        };
        let http = self.http().await.map_err(|e| Guidance {
            trouble: Trouble::Server,
            headline: format!("Could not set up HTTPS: {e}"),
            hint: None,
            fields: Vec::new(),
        })?;
        let base = KmsClient::new(http.clone(), api_base);
        let (client, _) = crate::signin::sign_in_keeping(creds, base, account.token_home.as_ref())
            .await
            .map_err(|e| e.guidance(None))?;
        *slot = Some(client.clone());
        Ok(client)
    }

    fn account(&self) -> Account {
        self.account
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Translates a failure; a rejected token is forgotten so the next try signs in again.
    fn fail(
        &self,
        err: &crate::kms::KmsError,
        app: Option<&'static crate::apps::AppSpec>,
    ) -> Guidance {
        let g = err.guidance(app);
        if g.trouble == Trouble::Auth
            && let Ok(mut slot) = self.signed_in.try_lock()
        {
            *slot = None;
        }
        if g.trouble == Trouble::Auth {
            self.account
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .fall_back(&self.reach.api_base);
        }
        g
    }
}
