//! The KMS server's response bodies for errors, copied from the real Fastify error handler
//! (spec kms-api.md §11 and the recorded/ files), plus a JSON response helper.

use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// The real server answers `application/json; charset=utf-8`; clients may look at it.
pub(crate) fn json(status: StatusCode, body: Value) -> Response {
    let mut response = (status, body.to_string()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    response
}

/// An error answer of the KMS server.
#[derive(Debug)]
pub(crate) enum Failure {
    /// `{reqId, statusCode, message, error}`; `message` is a string, or an array of zod
    /// issues for `ValidationFailure`. `details` only when the server adds it.
    Envelope {
        status: StatusCode,
        error: &'static str,
        message: Value,
        details: Option<Value>,
    },
    /// Fastify's default 404 for a route that does not exist (it has no reqId).
    RouteNotFound { method: Method, url: String },
}

impl Failure {
    pub(crate) fn bad_request(message: impl Into<String>) -> Self {
        Self::text(StatusCode::BAD_REQUEST, "BadRequest", message)
    }

    pub(crate) fn not_found(message: impl Into<String>) -> Self {
        Self::text(StatusCode::NOT_FOUND, "NotFound", message)
    }

    /// A failed insert (a value too long for its column): the server's error handler answers
    /// 500 `DatabaseError` without the database's own text.
    pub(crate) fn database() -> Self {
        Self::text(
            StatusCode::INTERNAL_SERVER_ERROR,
            "DatabaseError",
            "Something went wrong",
        )
    }

    /// A user session on the identity-only route: `ForbiddenRequestError`, whose name is set
    /// to "Forbidden access to <url>".
    pub(crate) fn identity_route_refused() -> Self {
        Self::Envelope {
            status: StatusCode::FORBIDDEN,
            error: "Forbidden access to /api/v1/identities/details",
            message: Value::String("You are not allowed to access this resource".into()),
            details: None,
        }
    }

    pub(crate) fn unauthorized(message: impl Into<String>) -> Self {
        Self::text(StatusCode::UNAUTHORIZED, "UnauthorizedError", message)
    }

    pub(crate) fn malformed_token() -> Self {
        Self::text(
            StatusCode::FORBIDDEN,
            "TokenError",
            "The provided access token is malformed. Please use a valid token or generate a new one and try again.",
        )
    }

    pub(crate) fn token_expired() -> Self {
        Self::text(
            StatusCode::FORBIDDEN,
            "TokenError",
            "Your token has expired. Please re-authenticate.",
        )
    }

    /// A CASL denial: 403 `PermissionDenied` with the rules that matched in `details` (none,
    /// for an identity that was never given the permission).
    pub(crate) fn permission_denied(action: &str, subject: &str) -> Self {
        Self::Envelope {
            status: StatusCode::FORBIDDEN,
            error: "PermissionDenied",
            message: Value::String(format!("You are not allowed to {action} on {subject}")),
            details: Some(Value::Array(Vec::new())),
        }
    }

    /// zod failures: 422 with every issue (the 2024-10 recordings show 401 for these; the
    /// current server, which the spec describes, answers 422).
    pub(crate) fn validation(issues: Vec<Value>) -> Self {
        Self::Envelope {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            error: "ValidationFailure",
            message: Value::Array(issues),
            details: None,
        }
    }

    pub(crate) fn route_not_found(method: &Method, uri: &Uri) -> Self {
        // Fastify prints the raw URL, query string included.
        let url = uri
            .path_and_query()
            .map_or_else(|| uri.path().to_string(), |pq| pq.as_str().to_string());
        Self::RouteNotFound {
            method: method.clone(),
            url,
        }
    }

    fn text(status: StatusCode, error: &'static str, message: impl Into<String>) -> Self {
        Self::Envelope {
            status,
            error,
            message: Value::String(message.into()),
            details: None,
        }
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        match self {
            Failure::Envelope {
                status,
                error,
                message,
                details,
            } => {
                let mut body = json!({
                    "reqId": req_id(),
                    "statusCode": status.as_u16(),
                    "message": message,
                    "error": error,
                });
                if let Some(details) = details {
                    body["details"] = details;
                }
                json(status, body)
            }
            Failure::RouteNotFound { method, url } => json(
                StatusCode::NOT_FOUND,
                json!({
                    "message": format!("Route {method}:{url} not found"),
                    "error": "Not Found",
                    "statusCode": 404,
                }),
            ),
        }
    }
}

/// `req-` + 14 alphanumerics, like the server's `genReqId`. Randomness comes from a v4 uuid
/// (skipping its fixed version/variant bytes) to avoid another dependency.
fn req_id() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let bytes = *uuid::Uuid::new_v4().as_bytes();
    let id: String = bytes
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != 6 && *i != 8)
        .map(|(_, b)| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect();
    format!("req-{id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn req_id_has_the_server_shape() {
        let id = req_id();
        let rest = id.strip_prefix("req-").unwrap();
        assert_eq!(rest.len(), 14);
        assert!(rest.chars().all(|c| c.is_ascii_alphanumeric()));
    }
}
