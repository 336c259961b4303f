//! The demo's wiring: a context pointed at the running sandbox, with nothing read from or
//! saved to disk, and what the screens list for a demo user to type.

use secrecy::SecretString;

use super::{Sandbox, demo};
use crate::apps::{CATALOG, ProviderEndpoints};
use crate::config::context::{Given, IdentityFrom, Source};
use crate::config::{Context, DEFAULT_PROFILE, Reach};
use crate::kms::auth::Credentials;
use crate::tui::signin::DemoLogin;
use crate::tui::{DemoInfo, DemoScreens};

/// Starts the sandbox with its demo connections (something to browse, rotate and delete),
/// and the context pointed at it.
pub async fn start(
    project: Option<&Given>,
    profile: Option<String>,
) -> Result<(Sandbox, Context), String> {
    let s = Sandbox::start()
        .await
        .map_err(|e| format!("Could not start the sandbox: {e}"))?;
    s.seed_demo()
        .map_err(|e| format!("Could not start the sandbox: {e}"))?;
    let ctx = context(&s, project, profile);
    Ok((s, ctx))
}

/// What the sign-in and instructions screens list in `--demo`.
pub fn screens(s: &Sandbox) -> DemoScreens {
    DemoScreens {
        login: demo_login(s),
        info: demo_info(s),
    }
}

/// The demo's context with nothing saved: no config directory is read or written.
/// `--project` still applies (so an unknown project can be tried too), and `status` says it
/// came from the flag or the environment.
pub fn context(s: &Sandbox, given: Option<&Given>, profile: Option<String>) -> Context {
    let project = given.map(|g| g.value.as_str());
    Context {
        reach: Reach {
            api_base: format!("{}/api", s.kms_url),
            credentials: Some(Credentials::Token(SecretString::from(s.token.clone()))),
            providers: ProviderEndpoints::default()
                .with_app("bitbucket", &s.bitbucket_api)
                .with_app("northflank", &s.northflank_api),
            // The sandbox is on 127.0.0.1: a proxy from the environment must not get in between.
            direct: true,
        },
        project_id: Some(project.unwrap_or(&s.project_id).to_owned()),
        project_source: Some(given.map_or(Source::Demo, |g| g.source)),
        project_name: Some(s.project_name.clone())
            .filter(|_| project.is_none_or(|p| p == s.project_id)),
        profile_name: profile.unwrap_or_else(|| DEFAULT_PROFILE.into()),
        profile: None,
        profile_applies: false,
        server: s.kms_url.clone(),
        server_source: Source::Demo,
        identity: Some(IdentityFrom::Demo),
        token_expires_at: None,
        relogin: None,
        token_expired: false,
        store: None,
        demo_targets: vec![
            ("teamcity", s.teamcity_url.clone(), demo::TEAMCITY_TOKEN),
            (
                "octopus-deploy",
                s.octopus_url.clone(),
                demo::OCTOPUS_API_KEY,
            ),
            (
                "bitbucket",
                demo::BITBUCKET_EMAIL.to_owned(),
                demo::BITBUCKET_TOKEN,
            ),
            ("northflank", String::new(), demo::NORTHFLANK_TOKEN),
        ],
    }
}

/// The sandbox's server and identities, listed on the sign-in screens.
fn demo_login(s: &Sandbox) -> DemoLogin {
    DemoLogin {
        server: s.kms_url.clone(),
        rows: vec![
            ("Client ID".into(), s.client_id.clone()),
            (
                "Client secret (all of them)".into(),
                s.client_secret.clone(),
            ),
            ("Access token (to paste)".into(), s.token.clone()),
            (
                "Tokens that last 30 s".into(),
                demo::SHORT_LIVED_CLIENT_ID.into(),
            ),
            (
                "In no project, no org list".into(),
                demo::NO_PROJECTS_CLIENT_ID.into(),
            ),
            (
                "Secret expired".into(),
                demo::EXPIRED_SECRET_CLIENT_ID.into(),
            ),
        ],
    }
}

/// What a demo user types, per app, labelled as the form labels its fields.
fn demo_info(s: &Sandbox) -> DemoInfo {
    let values = CATALOG
        .iter()
        .map(|app| {
            let (target, secret, extra): (Option<&str>, &str, Vec<(&str, &str)>) = match app.slug {
                "teamcity" => (
                    Some(&s.teamcity_url),
                    demo::TEAMCITY_TOKEN,
                    vec![
                        ("Expires in 5 days", demo::EXPIRING_TOKEN),
                        ("Per-project, no Edit project", demo::TEAMCITY_PROJECT_TOKEN),
                        ("Project to check", demo::TEAMCITY_PROJECT),
                        (
                            "Build config whose sync fails",
                            demo::SYNC_FAIL_TEAMCITY_BUILD,
                        ),
                    ],
                ),
                "octopus-deploy" => (
                    Some(&s.octopus_url),
                    demo::OCTOPUS_API_KEY,
                    vec![
                        ("Expires in 5 days", demo::EXPIRING_TOKEN),
                        ("Read-only key", demo::OCTOPUS_READONLY_KEY),
                        ("Project whose sync fails", demo::SYNC_FAIL_OCTOPUS_PROJECT),
                    ],
                ),
                "bitbucket" => (
                    Some(demo::BITBUCKET_EMAIL),
                    demo::BITBUCKET_TOKEN,
                    vec![
                        ("Token missing a scope", demo::BITBUCKET_TOKEN_NO_USER_SCOPE),
                        ("No pipeline scopes", demo::BITBUCKET_TOKEN_NO_PIPELINE),
                        (
                            "Reads pipelines, cannot write",
                            demo::BITBUCKET_TOKEN_READ_PIPELINE,
                        ),
                        (
                            "Repository whose sync fails",
                            demo::SYNC_FAIL_BITBUCKET_REPO,
                        ),
                    ],
                ),
                _ => (
                    None,
                    demo::NORTHFLANK_TOKEN,
                    vec![
                        ("Expires in 5 days", demo::EXPIRING_TOKEN),
                        ("Expired", demo::EXPIRED_TOKEN),
                        ("Org-level token", demo::NORTHFLANK_ORG_TOKEN),
                        (
                            "No Secret Groups › Update",
                            demo::NORTHFLANK_TOKEN_NO_UPDATE,
                        ),
                        (
                            "Secret group whose sync fails",
                            demo::SYNC_FAIL_NORTHFLANK_GROUP,
                        ),
                    ],
                ),
            };
            let mut rows = Vec::new();
            if let (Some(spec), Some(v)) = (&app.target, target) {
                rows.push((spec.label.to_owned(), v.to_owned()));
            }
            rows.push((app.secret.label.to_owned(), secret.to_owned()));
            rows.push(("Slow (test Esc)".to_owned(), demo::SLOW_TOKEN.to_owned()));
            rows.extend(extra.into_iter().map(|(k, v)| (k.to_owned(), v.to_owned())));
            rows.push((
                "Rate-limited (429)".to_owned(),
                demo::RATE_LIMITED_TOKEN.to_owned(),
            ));
            if let Some(url) = target.filter(|t| t.starts_with("http")) {
                rows.push((
                    "Redirecting URL".to_owned(),
                    format!("{url}{}", demo::REDIRECTING_PATH),
                ));
                rows.push((
                    "Web page URL".to_owned(),
                    format!("{url}{}", demo::WEB_PAGE_PATH),
                ));
            }
            (app.slug, rows)
        })
        .collect();
    DemoInfo { values }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every failing Secret Sync fixture is named where a demo user looks.
    #[tokio::test]
    async fn the_demo_values_name_the_failing_sync_fixtures() {
        let s = Sandbox::start().await.unwrap();
        let info = demo_info(&s);
        let all: Vec<&str> = info
            .values
            .iter()
            .flat_map(|(_, rows)| rows.iter().map(|(_, v)| v.as_str()))
            .collect();
        for v in [
            demo::SYNC_FAIL_TEAMCITY_BUILD,
            demo::SYNC_FAIL_OCTOPUS_PROJECT,
            demo::SYNC_FAIL_BITBUCKET_REPO,
            demo::SYNC_FAIL_NORTHFLANK_GROUP,
            demo::NORTHFLANK_TOKEN_NO_UPDATE,
            demo::BITBUCKET_TOKEN_READ_PIPELINE,
        ] {
            assert!(all.contains(&v), "{v} is not listed: {all:?}");
        }
    }
}
