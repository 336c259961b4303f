//! The worker side of the Secret Sync flow: the same library calls as `kms-connect sync`
//! (project environments, destinations listed at the provider, the destination checks, the
//! create, and one read of the watched sync after the poll delay).

use std::time::Duration;

use crate::apps::destinations;
use crate::apps::sync_spec::Destination;
use crate::kms::syncs::{self, SyncRef};
use crate::tui::msg::{Msg, SyncReply, SyncRequest};
use crate::tui::worker::Shared;

pub(in crate::tui) async fn run(request: SyncRequest, shared: &Shared) -> Msg {
    Msg::Sync(Box::new(reply(request, shared).await))
}

async fn reply(request: SyncRequest, shared: &Shared) -> SyncReply {
    match request {
        SyncRequest::Environments(id, project) => {
            let project = project.as_str();
            let result = shared
                .with_client(
                    None,
                    |c| async move { c.project_environments(project).await },
                )
                .await;
            SyncReply::Environments(id, result)
        }
        SyncRequest::Destinations(id, input) => {
            let result = match shared.http().await {
                Ok(http) => destinations::list(http, &input, &shared.reach.providers)
                    .await
                    .map_err(|e| e.message),
                Err(e) => Err(e),
            };
            SyncReply::Destinations(id, result)
        }
        SyncRequest::Children(id, input, outer, inner) => {
            let providers = &shared.reach.providers;
            let result = match shared.http().await {
                Ok(http) if input.app.slug == Destination::OctopusDeploy.slug() => {
                    destinations::octopus_scope_values(http, &input, providers, &outer, &inner)
                        .await
                        .map(|nodes| nodes.into_iter().map(scope_label).collect())
                        .map_err(|e| e.message)
                }
                Ok(http) => {
                    destinations::bitbucket_environments(http, &input, providers, &outer, &inner)
                        .await
                        .map_err(|e| e.message)
                }
                Err(e) => Err(e),
            };
            SyncReply::Children(id, result)
        }
        SyncRequest::Check(id, input, check) => {
            let checked = match shared.http().await {
                Ok(http) => {
                    destinations::check(
                        http,
                        &input,
                        &shared.reach.providers,
                        &check.config,
                        check.key_schema.as_deref(),
                        check.environment.trim(),
                    )
                    .await
                }
                Err(e) => destinations::DestinationCheck {
                    lines: vec![crate::apps::checks::CheckLine::new(
                        crate::apps::checks::CheckKind::Permissions,
                        crate::apps::checks::Status::Unknown,
                        format!("Could not set up HTTPS: {e}"),
                    )],
                    existing: None,
                    matching: Vec::new(),
                },
            };
            SyncReply::Checked(id, checked)
        }
        SyncRequest::Create(id, dest, body) => {
            let body = &*body;
            let result = shared
                .with_client(None, |c| async move { c.create_sync(dest, body).await })
                .await;
            SyncReply::Created(id, result)
        }
        SyncRequest::Poll(id, dest, sync_id, attempt) => {
            let start = tokio::time::Instant::now();
            tokio::time::sleep(syncs::poll_delay(attempt)).await;
            let which = SyncRef::Id(sync_id);
            let which = &which;
            let result = shared
                .with_client(None, |c| async move { c.get_sync(dest, which, "").await })
                .await;
            SyncReply::Polled(id, result, start.elapsed().max(Duration::ZERO))
        }
    }
}

/// The singular of each `scopeValues` key (a table: "processes" is not "processe").
const SCOPE_LABELS: [(&str, &str); 6] = [
    ("environments", "environment"),
    ("roles", "role"),
    ("machines", "machine"),
    ("processes", "process"),
    ("actions", "action"),
    ("channels", "channel"),
];

/// An Octopus scope value shown with what it scopes: `environment: Production`.
fn scope_label(mut n: destinations::Node) -> destinations::Node {
    let what = SCOPE_LABELS
        .iter()
        .find(|(k, _)| *k == n.kind)
        .map_or(n.kind, |(_, one)| *one);
    n.name = format!("{what}: {}", n.name);
    n
}

/// The reply that reports a request as failed by an internal error.
pub fn failed(request: &SyncRequest) -> SyncReply {
    let g = crate::kms::Guidance {
        trouble: crate::kms::error::Trouble::Server,
        headline: "kms-connect hit an internal error; nothing was sent.".into(),
        hint: Some("Try again; if it repeats, please report it.".into()),
        fields: Vec::new(),
    };
    let why = "kms-connect hit an internal error.".to_owned();
    match request {
        SyncRequest::Environments(id, _) => SyncReply::Environments(*id, Err(g)),
        SyncRequest::Destinations(id, _) => SyncReply::Destinations(*id, Err(why)),
        SyncRequest::Children(id, ..) => SyncReply::Children(*id, Err(why)),
        SyncRequest::Check(id, ..) => SyncReply::Checked(
            *id,
            destinations::DestinationCheck {
                lines: vec![crate::apps::checks::CheckLine::new(
                    crate::apps::checks::CheckKind::Permissions,
                    crate::apps::checks::Status::Unknown,
                    why,
                )],
                existing: None,
                matching: Vec::new(),
            },
        ),
        SyncRequest::Create(id, ..) => SyncReply::Created(*id, Err(g)),
        SyncRequest::Poll(id, ..) => SyncReply::Polled(*id, Err(g), Duration::ZERO),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_labels_are_singular() {
        let label = |kind| {
            let n = destinations::Node {
                id: "Id-1".into(),
                name: "Restart".into(),
                kind,
                children: Vec::new(),
            };
            scope_label(n).name
        };
        assert_eq!(label("processes"), "process: Restart");
        assert_eq!(label("environments"), "environment: Restart");
        assert_eq!(label("channels"), "channel: Restart");
    }
}
