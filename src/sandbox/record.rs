//! Records every request a sandbox server receives, so tests can assert what the client
//! (and the KMS sandbox itself, when it checks provider credentials) actually sent.

use std::sync::{Arc, Mutex, PoisonError};

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::Response;

use super::RecordedRequest;

/// Bodies larger than this are not recorded (nor forwarded); no sandbox route needs them.
const MAX_BODY: usize = 1024 * 1024;

/// Shared, ordered log of requests across the five servers.
#[derive(Clone, Default)]
pub(crate) struct Recorder {
    log: Arc<Mutex<Vec<RecordedRequest>>>,
}

#[derive(Clone)]
struct Tap {
    service: &'static str,
    recorder: Recorder,
}

impl Recorder {
    pub(crate) fn all(&self) -> Vec<RecordedRequest> {
        self.lock().clone()
    }

    fn push(&self, request: RecordedRequest) {
        self.lock().push(request);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<RecordedRequest>> {
        // A panicking test thread must not hide the log from the other assertions.
        self.log.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Puts `router` behind the recording middleware. The router is mounted as the fallback
    /// of an empty outer router so the middleware sees the request before any routing
    /// (it records unknown paths too, exactly as sent).
    pub(crate) fn wrap(&self, service: &'static str, router: Router) -> Router {
        let tap = Tap {
            service,
            recorder: self.clone(),
        };
        Router::new()
            .fallback_service(router)
            .layer(from_fn_with_state(tap, record))
    }
}

async fn record(State(tap): State<Tap>, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    // An oversized or broken body is treated as empty: the handlers then answer as they
    // would for a missing body, which is good enough for a sandbox.
    let bytes = to_bytes(body, MAX_BODY).await.unwrap_or_default();

    let header = |name: &str| {
        parts
            .headers
            .get(name)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
    };
    let headers = parts
        .headers
        .iter()
        .map(|(name, value)| {
            (
                name.as_str().to_ascii_lowercase(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        })
        .collect();
    let path = parts.uri.path_and_query().map_or_else(
        || parts.uri.path().to_string(),
        |pq| pq.as_str().to_string(),
    );

    tap.recorder.push(RecordedRequest {
        service: tap.service,
        method: parts.method.as_str().to_string(),
        path,
        authorization: header("authorization"),
        headers,
        body: serde_json::from_slice(&bytes).ok(),
    });

    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}
