//! A canned provider response as plain data (status, headers, body, delay), so provider
//! behaviours are table rows rather than code.

use std::time::Duration;

use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

#[derive(Debug, Clone)]
pub(crate) enum Body {
    Json(Value),
    Text(String),
    Html(String),
}

#[derive(Debug, Clone)]
pub(crate) struct Reply {
    pub status: StatusCode,
    pub headers: Vec<(&'static str, String)>,
    pub body: Body,
    /// Waited before answering (to imitate a slow or hanging provider).
    pub delay: Duration,
}

impl Reply {
    pub(crate) fn json(status: StatusCode, body: Value) -> Self {
        Self::new(status, Body::Json(body))
    }

    pub(crate) fn text(status: StatusCode, body: impl Into<String>) -> Self {
        Self::new(status, Body::Text(body.into()))
    }

    pub(crate) fn html(status: StatusCode, body: impl Into<String>) -> Self {
        Self::new(status, Body::Html(body.into()))
    }

    /// Adds a response header (lowercase name).
    pub(crate) fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    pub(crate) fn after(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }

    fn new(status: StatusCode, body: Body) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body,
            delay: Duration::ZERO,
        }
    }

    pub(crate) async fn send(self) -> Response {
        if !self.delay.is_zero() {
            tokio::time::sleep(self.delay).await;
        }
        let (content_type, body) = match self.body {
            Body::Json(value) => ("application/json; charset=utf-8", value.to_string()),
            Body::Text(text) => ("text/plain; charset=utf-8", text),
            Body::Html(html) => ("text/html; charset=utf-8", html),
        };
        let mut headers = HeaderMap::new();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        for (name, value) in self.headers {
            // Rows are written by us; a malformed header is dropped rather than crashing.
            if let (Ok(name), Ok(value)) = (
                HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_str(&value),
            ) {
                headers.append(name, value);
            }
        }
        (self.status, headers, body).into_response()
    }
}
