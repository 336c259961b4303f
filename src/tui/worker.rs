//! Runs the state machine's effects: each request in its own task with a cancellation token,
//! its result sent back as a `Msg` tagged with the request id.

use std::collections::HashMap;
use std::sync::{Arc, PoisonError};

use futures::FutureExt;
use tokio::sync::{Mutex, OnceCell, mpsc};
use tokio_util::sync::CancellationToken;

use super::msg::{BrowseSyncReply, Effect, Msg, RequestId};
use super::signin::{self, job::Account};
use crate::apps::checks::{self, CheckInputs, CheckOptions};
use crate::apps::probe;
use crate::apps::sync_spec::Destination;
use crate::config::{NOT_SIGNED_IN, Reach};
use crate::kms::auth::Credentials;
use crate::kms::error::Trouble;
use crate::kms::{Guidance, KmsClient};

pub(in crate::tui) struct Shared {
    pub(in crate::tui) reach: Reach,
    /// Built on first use, inside a task, so the first frame never waits for TLS setup.
    http: OnceCell<reqwest::Client>,
    /// Signed in once, then reused; cleared when the server rejects the token. The number
    /// counts sign-ins (a new login, a switch to the remembered secret), so a request refused
    /// with an older client knows a newer one exists.
    signed_in: Mutex<(Option<KmsClient>, u64)>,
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
            signed_in: Mutex::new((None, 0)),
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
            Effect::Copy(text) => {
                super::clipboard::copy(&text);
                return;
            }
            Effect::LoadProjects(id) => (id, Job::Projects),
            Effect::LoadConnections(id, project) => (id, Job::Connections(project)),
            Effect::Rotate(id, conn_id, input) => (id, Job::Rotate(conn_id, Box::new(input))),
            Effect::UpdateDetails(id, app, conn_id, changes) => {
                (id, Job::Update(app, conn_id, changes))
            }
            Effect::Delete(id, app, conn_id) => (id, Job::Delete(app, conn_id)),
            Effect::Test(id, input, inputs) => (id, Job::Test(Box::new(input), inputs)),
            Effect::Create(id, input, project) => (id, Job::Create(Box::new(input), project)),
            Effect::SignIn(request) => (request.id(), Job::SignIn(request)),
            Effect::Sync(request) => (request.id(), Job::Sync(request)),
            Effect::LoadSyncs(id, project) => (id, Job::Syncs(SyncJob::List(project))),
            Effect::RunSync(id, dest, sync) => (id, Job::Syncs(SyncJob::Run(dest, sync))),
            Effect::RefreshSync(id, dest, sync, attempt) => {
                (id, Job::Syncs(SyncJob::Refresh(dest, sync, attempt)))
            }
            Effect::DeleteSync(id, dest, sync, remove) => {
                (id, Job::Syncs(SyncJob::Delete(dest, sync, remove)))
            }
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
    Test(Box<crate::apps::ConnectionInput>, CheckInputs),
    Create(Box<crate::apps::ConnectionInput>, Option<String>),
    Connections(Option<String>),
    Rotate(String, Box<crate::apps::ConnectionInput>),
    Update(&'static crate::apps::AppSpec, String, crate::kms::Changes),
    Delete(&'static crate::apps::AppSpec, String),
    SignIn(signin::Request),
    Sync(super::msg::SyncRequest),
    Syncs(SyncJob),
}

/// The browser's Secret Sync requests.
enum SyncJob {
    List(Option<String>),
    Run(Destination, String),
    Refresh(Destination, String, u32),
    Delete(Destination, String, bool),
}

/// The result as its message; a refusal whose Retry-After named seconds carries them beside it.
fn waited<T>(
    result: Result<T, (Guidance, Option<u64>)>,
    msg: impl FnOnce(Result<T, Guidance>) -> Msg,
) -> Msg {
    match result {
        Err((g, Some(secs))) => Msg::RetryAfter(secs, Box::new(msg(Err(g)))),
        other => msg(other.map_err(|(g, _)| g)),
    }
}

/// Unix seconds now: the clock lives here, and reaches `update` as part of a message.
fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0))
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
            Job::Test(input, _) => Msg::Tested(id, probe::setup_failed(input, "internal error")),
            Job::Create(..) => Msg::Created(id, Err(g)),
            Job::Connections(_) => Msg::Connections(id, Err(g)),
            Job::Rotate(..) | Job::Update(..) => Msg::Changed(id, Err(g)),
            Job::Delete(..) => Msg::Deleted(id, Err(g)),
            Job::SignIn(request) => Msg::SignIn(signin::job::failed(request, "internal error")),
            Job::Sync(request) => Msg::Sync(Box::new(super::sync::job::failed(request))),
            Job::Syncs(job) => Msg::BrowseSyncs(
                id,
                unix_now(),
                Box::new(match job {
                    SyncJob::List(_) => BrowseSyncReply::Listed(Err(g)),
                    SyncJob::Run(..) | SyncJob::Refresh(..) => BrowseSyncReply::One(Err(g)),
                    SyncJob::Delete(..) => BrowseSyncReply::Deleted(Err(g)),
                }),
            ),
        }
    }

    async fn run(self, id: RequestId, shared: &Shared) -> Msg {
        match self {
            Job::Projects => {
                let result = shared
                    .with_client(None, |c| async move { c.list_projects().await })
                    .await;
                Msg::Projects(id, result)
            }
            Job::Test(input, inputs) => {
                // A CA the user named gets a client of its own; the shared one stays as it is.
                let own;
                let http = match inputs.ca_cert.as_deref() {
                    Some(path) => match crate::http::client_with_ca_file(shared.reach.direct, path)
                    {
                        Ok(c) => {
                            own = c;
                            &own
                        }
                        Err(e) => return Msg::Tested(id, checks::ca_unusable(e)),
                    },
                    None => match shared.http().await {
                        Ok(h) => h,
                        Err(e) => return Msg::Tested(id, probe::setup_failed(&input, &e)),
                    },
                };
                let opts = CheckOptions::new(
                    inputs,
                    std::time::SystemTime::now(),
                    &crate::apps::front_end::WIZARD,
                )
                .for_kms(&shared.reach.api_base);
                let list = checks::run_checks(http, &input, &shared.reach.providers, &opts).await;
                Msg::Checked(id, list)
            }
            Job::Create(input, project) => {
                let (input, project) = (&*input, project.as_deref());
                let result = shared
                    .with_client_waits(Some(input.app), |c| async move {
                        c.create_connection(input, project).await
                    })
                    .await;
                waited(result, |r| Msg::Created(id, r))
            }
            Job::Connections(project) => {
                let project = project.as_deref();
                let result = shared
                    .with_client(None, |c| async move {
                        c.list_connections_counted(None, project).await
                    })
                    .await;
                Msg::Connections(id, result)
            }
            Job::Rotate(conn_id, input) => {
                let (conn_id, input) = (conn_id.as_str(), &*input);
                let result = shared
                    .with_client_waits(Some(input.app), |c| async move {
                        c.rotate_connection(conn_id, input).await
                    })
                    .await;
                waited(result, |r| Msg::Changed(id, r))
            }
            Job::Update(app, conn_id, changes) => {
                let (conn_id, changes) = (conn_id.as_str(), &changes);
                let result = shared
                    .with_client_waits(Some(app), |c| async move {
                        c.update_connection(app, conn_id, changes).await
                    })
                    .await;
                waited(result, |r| Msg::Changed(id, r))
            }
            Job::Delete(app, conn_id) => {
                let conn_id = conn_id.as_str();
                let result = shared
                    .with_client(Some(app), |c| async move {
                        c.delete_connection(app, conn_id).await
                    })
                    .await;
                Msg::Deleted(id, result)
            }
            Job::Sync(request) => super::sync::job::run(request, shared).await,
            Job::SignIn(request) => {
                let http = match shared.http().await {
                    Ok(h) => h,
                    Err(e) => return Msg::SignIn(signin::job::failed(&request, &e)),
                };
                let account = shared.account();
                let (reply, adopted) = signin::job::run(request, http, &account).await;
                if let Some((client, next)) = adopted {
                    let mut slot = shared.signed_in.lock().await;
                    *slot = (Some(client), slot.1 + 1);
                    *shared
                        .account
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner) = next;
                }
                Msg::SignIn(reply)
            }
            Job::Syncs(job) => {
                let reply = job.run(shared).await;
                Msg::BrowseSyncs(id, unix_now(), Box::new(reply))
            }
        }
    }
}

impl SyncJob {
    async fn run(self, shared: &Shared) -> BrowseSyncReply {
        match self {
            SyncJob::List(project) => {
                let project = project.as_deref();
                let result = shared
                    .with_client(
                        None,
                        |c| async move { c.list_syncs_in(None, project).await },
                    )
                    .await;
                BrowseSyncReply::Listed(result)
            }
            SyncJob::Run(dest, sync) => {
                let sync = sync.as_str();
                let result = shared
                    .with_client(None, |c| async move { c.trigger_sync(dest, sync).await })
                    .await;
                BrowseSyncReply::One(result)
            }
            SyncJob::Refresh(dest, sync, attempt) => {
                // The wait is a timer, not a loop: no CPU while the job runs on the server.
                tokio::time::sleep(crate::kms::syncs::poll_delay(attempt)).await;
                let which = crate::kms::syncs::SyncRef::Id(sync);
                let which = &which;
                let result = shared
                    .with_client(None, |c| async move { c.get_sync(dest, which, "").await })
                    .await;
                BrowseSyncReply::One(result)
            }
            SyncJob::Delete(dest, sync, remove) => {
                let sync = sync.as_str();
                let result = shared
                    .with_client(
                        None,
                        |c| async move { c.delete_sync(dest, sync, remove).await },
                    )
                    .await;
                BrowseSyncReply::Deleted(result)
            }
        }
    }
}

impl Shared {
    pub(in crate::tui) async fn http(&self) -> Result<&reqwest::Client, String> {
        self.http
            .get_or_try_init(|| async { crate::http::client(true, self.reach.direct) })
            .await
            .map_err(|e| crate::sanitize::clean_short(&e.to_string(), 120))
    }

    /// A signed-in KMS client, logging in with universal auth the first time, and which
    /// sign-in it belongs to.
    async fn client(&self) -> Result<(KmsClient, u64), Guidance> {
        let mut slot = self.signed_in.lock().await;
        if let (Some(c), generation) = &*slot {
            return Ok((c.clone(), *generation));
        }
        let account = self.account();
        let (api_base, creds) = match &account.signed_in {
            Some((base, creds)) => (base.clone(), Some(creds)),
            None => (self.reach.api_base.clone(), self.reach.credentials.as_ref()),
        };
        let Some(creds) = creds else {
            return Err(Guidance {
                trouble: Trouble::Server,
                headline: NOT_SIGNED_IN.into(),
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
        let (client, _) =
            crate::config::signin::sign_in_keeping(creds, base, account.token_home.as_ref())
                .await
                .map_err(|e| e.guidance(None))?;
        slot.0 = Some(client.clone());
        Ok((client, slot.1))
    }

    fn account(&self) -> Account {
        self.account
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Runs one KMS call signed in. When the server refuses the cached token the session
    /// started with and a remembered secret can log in again, logs in and tries once more, as
    /// the CLI does: a refused token means the server did nothing, so a write is safe to repeat.
    /// Requests refused at the same time all retry on the one fresh login.
    pub(in crate::tui) async fn with_client<T, Fut>(
        &self,
        app: Option<&'static crate::apps::AppSpec>,
        call: impl Fn(KmsClient) -> Fut,
    ) -> Result<T, Guidance>
    where
        Fut: Future<Output = Result<T, crate::kms::KmsError>>,
    {
        self.with_client_waits(app, call).await.map_err(|(g, _)| g)
    }

    /// As [`Shared::with_client`], with the seconds a 429's Retry-After named beside the
    /// words, so the screen can count them down.
    async fn with_client_waits<T, Fut>(
        &self,
        app: Option<&'static crate::apps::AppSpec>,
        call: impl Fn(KmsClient) -> Fut,
    ) -> Result<T, (Guidance, Option<u64>)>
    where
        Fut: Future<Output = Result<T, crate::kms::KmsError>>,
    {
        let (client, used) = self.client().await.map_err(|g| (g, None))?;
        let err = match call(client).await {
            Ok(v) => return Ok(v),
            Err(e) => e,
        };
        let g = err.guidance(app);
        if g.trouble != Trouble::Auth || !self.refused(used).await {
            return Err((g, err.retry_after_secs()));
        }
        let (client, used) = self.client().await.map_err(|g| (g, None))?;
        match call(client).await {
            Ok(v) => Ok(v),
            Err(e) => {
                let g = e.guidance(app);
                if g.trouble == Trouble::Auth {
                    self.refused(used).await;
                }
                Err((g, e.retry_after_secs()))
            }
        }
    }

    /// The server refused the token of sign-in `used`. Forgets it and, the first time, falls
    /// back on the remembered secret. True when a newer sign-in exists or the next one gets a
    /// new token (a universal-auth login), so one more try can succeed; a pasted token that
    /// was refused stays refused.
    async fn refused(&self, used: u64) -> bool {
        let mut slot = self.signed_in.lock().await;
        if slot.1 != used {
            // Another request already replaced it.
            return true;
        }
        slot.0 = None;
        let mut account = self.account.lock().unwrap_or_else(PoisonError::into_inner);
        account.fall_back(&self.reach.api_base);
        let creds = match &account.signed_in {
            Some((_, creds)) => Some(creds),
            None => self.reach.credentials.as_ref(),
        };
        let can_log_in = matches!(creds, Some(Credentials::UniversalAuth { .. }));
        if can_log_in {
            slot.1 += 1;
        }
        can_log_in
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused() -> Guidance {
        Guidance {
            trouble: Trouble::Server,
            headline: "The KMS server is rate-limiting requests (429).".into(),
            hint: None,
            fields: Vec::new(),
        }
    }

    #[test]
    fn a_retry_after_travels_beside_the_refusal_and_nothing_else_is_wrapped() {
        let msg = waited::<()>(Err((refused(), Some(30))), |r| {
            Msg::Created(7, r.map(|()| unreachable!()))
        });
        assert!(
            matches!(&msg, Msg::RetryAfter(30, inner) if matches!(**inner, Msg::Created(7, Err(_)))),
            "{msg:?}"
        );
        let msg = waited::<()>(Err((refused(), None)), |r| {
            Msg::Created(7, r.map(|()| unreachable!()))
        });
        assert!(matches!(msg, Msg::Created(7, Err(_))), "{msg:?}");
    }
}
