//! One way to make HTTP requests: no redirects followed (the KMS server follows none either),
//! a timeout on every request, and response bodies read only up to a cap.

use std::time::Duration;

use reqwest::header::HeaderMap;

/// Longest response body we read; anything after it is dropped.
pub const BODY_CAP: usize = 1024 * 1024;
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);
/// A client's default, for provider calls: longer than the KMS server's own check may wait
/// (it has no limit of its own; 30 s in some TeamCity versions). KMS calls set their own.
pub const PROVIDER_TIMEOUT: Duration = Duration::from_secs(35);
/// The KMS server's check has no connect limit of its own either: a provider slow to accept
/// the connection is given as long as the check itself before it is called unreachable.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

/// Builds the client. `needs_tls` is false when every URL this process will call is plain
/// http://; then no TLS roots are loaded, which keeps a scripted create as cheap as curl.
/// `direct` ignores proxy variables (for servers on this machine).
pub fn client(needs_tls: bool, direct: bool) -> reqwest::Result<reqwest::Client> {
    builder(needs_tls, direct).build()
}

/// The same client, also trusting the CA certificates in `pem` (a PEM file's contents), for a
/// provider whose certificate this machine does not trust (`--ca-cert`).
pub fn client_with_ca(direct: bool, pem: &[u8]) -> Result<reqwest::Client, String> {
    let certs = reqwest::Certificate::from_pem_bundle(pem)
        .map_err(|e| crate::sanitize::clean_short(&e.to_string(), 100))?;
    if certs.is_empty() {
        return Err("it holds no PEM certificate".into());
    }
    builder(true, direct)
        .tls_certs_merge(certs)
        .build()
        .map_err(|e| crate::sanitize::clean_short(&e.to_string(), 100))
}

/// Reads a CA file and builds [`client_with_ca`]; the error names the file and what to do.
pub fn client_with_ca_file(direct: bool, path: &str) -> Result<reqwest::Client, String> {
    let shown = crate::sanitize::clean_short(path, 60);
    let pem = std::fs::read(path)
        .map_err(|e| format!("Could not read the CA certificate {shown}: {e}."))?;
    client_with_ca(direct, &pem).map_err(|why| {
        format!("Could not use the CA certificate {shown}: {why}. Give a PEM file (-----BEGIN CERTIFICATE-----).")
    })
}

fn builder(needs_tls: bool, direct: bool) -> reqwest::ClientBuilder {
    let mut b = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(PROVIDER_TIMEOUT)
        .connect_timeout(CONNECT_TIMEOUT)
        .user_agent(concat!("kms-connect/", env!("CARGO_PKG_VERSION")));
    if !needs_tls {
        b = b.tls_certs_only(Vec::new());
    }
    if direct {
        b = b.no_proxy();
    }
    b
}

/// True when any of the URLs is https (or unparsable, to be safe).
pub fn any_https<'a>(urls: impl IntoIterator<Item = &'a str>) -> bool {
    urls.into_iter()
        .any(|u| !u.trim_start().to_ascii_lowercase().starts_with("http://"))
}

/// A response read into memory, at most [`BODY_CAP`] bytes of it.
#[derive(Debug, Clone)]
pub struct Captured {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Captured {
    pub fn content_type(&self) -> String {
        self.header("content-type")
            .unwrap_or_default()
            .to_ascii_lowercase()
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(crate::sanitize::clean_line)
    }

    pub fn is_html(&self) -> bool {
        let ct = self.content_type();
        ct.contains("text/html") || {
            let start =
                String::from_utf8_lossy(&self.body[..self.body.len().min(64)]).to_ascii_lowercase();
            let start = start.trim_start();
            start.starts_with("<!doctype html") || start.starts_with("<html")
        }
    }

    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// The first line of a text body, cleaned, for messages.
    pub fn first_line(&self) -> String {
        let text = String::from_utf8_lossy(&self.body);
        crate::sanitize::clean_short(
            text.lines().find(|l| !l.trim().is_empty()).unwrap_or(""),
            120,
        )
    }
}

/// Reads status, headers and at most [`BODY_CAP`] bytes of the body.
pub async fn capture(resp: reqwest::Response) -> reqwest::Result<Captured> {
    capture_up_to(resp, BODY_CAP).await
}

/// Lists of connections can be far larger than one object: they get their own cap.
pub const LIST_BODY_CAP: usize = 64 * 1024 * 1024;

/// Reads status, headers and at most `cap` bytes of the body.
pub async fn capture_up_to(mut resp: reqwest::Response, cap: usize) -> reqwest::Result<Captured> {
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await? {
        let room = cap - body.len();
        body.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if body.len() >= cap {
            break;
        }
    }
    Ok(Captured {
        status,
        headers,
        body,
    })
}

/// Why a request never got an answer, in the words a user needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransportFailure {
    HostNotFound,
    Refused,
    Timeout,
    TlsUntrusted(String),
    Other(String),
}

impl TransportFailure {
    /// Only a failure to connect proves a request never reached the server. Any other (a
    /// timeout, a reset mid-body, an answer cut short) may have come after the server acted.
    pub fn proves_nothing_sent(&self) -> bool {
        matches!(
            self,
            TransportFailure::HostNotFound
                | TransportFailure::Refused
                | TransportFailure::TlsUntrusted(_)
        )
    }

    pub fn classify(err: &reqwest::Error) -> Self {
        if err.is_timeout() {
            return TransportFailure::Timeout;
        }
        // Only the causes: the top-level message holds the URL, whose host or path may contain
        // words like "tls" that would mislead the matching below.
        let chain = match std::error::Error::source(err) {
            Some(cause) => error_chain(cause),
            None => err.to_string(),
        };
        Self::from_chain(&chain)
    }

    /// Classifies the text of an error's causes (separate so it can be tested on real texts).
    pub fn from_chain(chain: &str) -> Self {
        let lower = chain.to_ascii_lowercase();
        if lower.contains("dns error")
            || lower.contains("failed to lookup address")
            || lower.contains("name or service not known")
            || lower.contains("no such host")
            || lower.contains("temporary failure in name resolution")
        {
            TransportFailure::HostNotFound
        } else if lower.contains("connection refused") {
            TransportFailure::Refused
        } else if lower.contains("certificate")
            || lower.contains("unknownissuer")
            || lower.contains("tls")
        {
            TransportFailure::TlsUntrusted(crate::sanitize::clean_short(&tls_reason(chain), 100))
        } else if lower.contains("timed out") {
            TransportFailure::Timeout
        } else {
            TransportFailure::Other(crate::sanitize::clean_short(
                &crate::sanitize::scrub_held(chain),
                160,
            ))
        }
    }

    /// One sentence: what happened to `host`, a name that was typed (so a failure to resolve
    /// it may well be a typo).
    pub fn describe(&self, host: &str) -> String {
        self.describe_host(host, false)
    }

    /// As [`TransportFailure::describe`], for a host chosen from a list of well-known servers:
    /// it cannot be misspelled, so not resolving it points at the network or the DNS.
    pub fn describe_host(&self, host: &str, well_known: bool) -> String {
        match self {
            TransportFailure::HostNotFound if well_known => format!(
                "Host not found: {host} does not resolve from this machine. Check the network connection and DNS (a VPN or proxy may be needed)."
            ),
            TransportFailure::HostNotFound => {
                format!("Host not found: {host} does not resolve. Check the spelling.")
            }
            TransportFailure::Refused => {
                format!("Connection refused by {host}: nothing listens there. Check the port.")
            }
            TransportFailure::Timeout => {
                format!("{host} did not answer in time. Check the address, VPN or firewall.")
            }
            TransportFailure::TlsUntrusted(why) => {
                format!("The TLS certificate of {host} is not trusted ({why}).")
            }
            TransportFailure::Other(why) => format!("Could not reach {host}: {why}."),
        }
    }
}

fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![err.to_string()];
    let mut cur = err.source();
    while let Some(e) = cur {
        parts.push(e.to_string());
        cur = e.source();
    }
    parts.join(": ")
}

fn tls_reason(chain: &str) -> String {
    let lower = chain.to_ascii_lowercase();
    if lower.contains("unknownissuer") || lower.contains("unknown issuer") {
        "issued by an unknown authority".into()
    } else if lower.contains("notvalidforname") || lower.contains("not valid for name") {
        "issued for another host name".into()
    } else if lower.contains("expired") {
        "expired".into()
    } else if lower.contains("self") {
        "self-signed".into()
    } else {
        chain.rsplit(": ").next().unwrap_or(chain).to_owned()
    }
}

/// The host[:port] of a URL, for messages.
pub fn host_of(url: &str) -> String {
    url::Url::parse(url)
        .ok()
        .and_then(|u| {
            u.host_str().map(|h| match u.port() {
                Some(p) => format!("{h}:{p}"),
                None => h.to_owned(),
            })
        })
        .unwrap_or_else(|| crate::sanitize::clean_short(url, 60))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_https_spots_tls_urls() {
        assert!(!any_https(["http://127.0.0.1:1", "HTTP://x"]));
        assert!(any_https(["http://a", "https://b"]));
    }

    #[test]
    fn causes_are_classified() {
        use TransportFailure::*;
        let dns = "client error (Connect): dns error: failed to lookup address information: Name or service not known";
        assert_eq!(TransportFailure::from_chain(dns), HostNotFound);
        let refused =
            "client error (Connect): tcp connect error: Connection refused (os error 111)";
        assert_eq!(TransportFailure::from_chain(refused), Refused);
        let tls = "client error (Connect): invalid peer certificate: UnknownIssuer";
        assert!(
            matches!(TransportFailure::from_chain(tls), TlsUntrusted(why) if why.contains("unknown authority"))
        );
    }

    #[test]
    fn host_of_keeps_the_port() {
        assert_eq!(host_of("http://127.0.0.1:8080/api"), "127.0.0.1:8080");
        assert_eq!(host_of("https://kms.example.com/x"), "kms.example.com");
    }
}
