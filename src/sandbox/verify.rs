//! The live credential check the real KMS makes before storing a connection (spec §8):
//! the same request to the provider, redirects not followed, any non-2xx is a failure.
//! The sandbox skips the server's retries and private-IP block (it lives on 127.0.0.1).

use std::error::Error as _;
use std::time::Duration;

use reqwest::header::ACCEPT;

use super::app_specs::{App, AppSpec};
use super::validate::NewConnection;

/// Where the fixed-host providers live (the real server hard-codes their public hosts).
pub(crate) struct Endpoints {
    pub bitbucket_api: String,
    pub northflank_api: String,
}

/// The HTTP client used for checks: no redirects (axios `maxRedirects: 0`), bounded time,
/// and no proxy from the environment, which would swallow 127.0.0.1 traffic.
pub(crate) fn client() -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(10))
        .no_proxy()
        .build()
}

/// Ok if the provider accepted the credentials; otherwise the server's 400 message.
pub(crate) async fn credentials(
    http: &reqwest::Client,
    spec: &AppSpec,
    conn: &NewConnection,
    endpoints: &Endpoints,
) -> Result<(), String> {
    if matches!(spec.app, App::TeamCity | App::OctopusDeploy) {
        resolves(conn.credential("instanceUrl")).await?;
    }
    let request = match spec.app {
        App::TeamCity => http
            .get(format!(
                "{}/app/rest/server",
                without_trailing_slash(conn.credential("instanceUrl"))
            ))
            .bearer_auth(conn.credential("accessToken")),
        App::OctopusDeploy => {
            let key = conn.credential("apiKey");
            http.get(format!(
                "{}/api/users/me",
                without_trailing_slash(conn.credential("instanceUrl"))
            ))
            .header("X-Octopus-ApiKey", key)
            .header("X-NuGet-ApiKey", key)
        }
        App::Bitbucket => http
            .get(format!("{}/2.0/user", endpoints.bitbucket_api))
            .basic_auth(conn.credential("email"), Some(conn.credential("apiToken"))),
        App::Northflank => http
            .get(format!("{}/v1/projects", endpoints.northflank_api))
            .bearer_auth(conn.credential("apiToken")),
    };
    let reason = match request.header(ACCEPT, "application/json").send().await {
        Ok(response) if response.status().is_success() => return Ok(()),
        Ok(response) => format!(
            "Request failed with status code {}",
            response.status().as_u16()
        ),
        Err(error) => error_text(&error),
    };
    Err(format!("{}: {reason}", failure_prefix(spec.app)))
}

/// The server looks the instance URL's host up before calling it and refuses a name with no
/// address (Infisical `backend/src/lib/validator/validate-url.ts`,
/// `blockLocalAndPrivateIpAddresses`: `dns.lookup(hostname, { all: true })`, then
/// "Could not resolve hostname to any IP address"). The sandbox runs as a development server
/// does, so private addresses are allowed.
async fn resolves(instance_url: &str) -> Result<(), String> {
    const NO_ADDRESS: &str = "Could not resolve hostname to any IP address";
    let Ok(url) = url::Url::parse(instance_url) else {
        return Ok(());
    };
    let Some(url::Host::Domain(host)) = url.host() else {
        return Ok(());
    };
    let lookup = tokio::net::lookup_host((host, 80));
    match tokio::time::timeout(std::time::Duration::from_secs(5), lookup).await {
        Ok(Ok(mut addrs)) => addrs.next().map(drop).ok_or_else(|| NO_ADDRESS.into()),
        _ => Err(NO_ADDRESS.into()),
    }
}

/// Each app's validator words its failure differently on the real server.
fn failure_prefix(app: App) -> &'static str {
    match app {
        App::TeamCity | App::Bitbucket => "Failed to validate credentials",
        App::OctopusDeploy => "Failed to validate Octopus Deploy credentials",
        App::Northflank => "Failed to validate Northflank credentials",
    }
}

/// The real server builds the URL from the trimmed instance URL minus one trailing slash.
fn without_trailing_slash(url: &str) -> &str {
    url.strip_suffix('/').unwrap_or(url)
}

/// reqwest's top-level message ("error sending request for url …") hides the useful part
/// ("Connection refused"), so include the whole cause chain, like axios' `error.message`
/// names the errno.
fn error_text(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
