//! Secret Syncs across every project the identity can see. The server lists syncs per project
//! only (`GET /api/v1/secret-syncs?projectId=` requires the project, secret-syncs.md §2), so
//! an organization-level view asks once per visible project and says which projects it could
//! not read instead of leaving them out silently.

use futures::{StreamExt, stream};

use super::KmsClient;
use super::error::KmsError;
use super::syncs::SecretSync;
use crate::apps::sync_spec::Destination;
use crate::sanitize::clean_short;

/// Projects asked at the same time: enough to hide latency, few enough not to flood a server.
const AT_ONCE: usize = 4;

/// The syncs of one project or of every visible project.
#[derive(Debug, Clone, Default)]
pub struct SyncList {
    pub syncs: Vec<SecretSync>,
    /// `(project id, project name)` of every project asked, in the server's order.
    pub projects: Vec<(String, String)>,
    /// Projects whose syncs could not be listed: `(project name, why)`, cleaned.
    pub unread: Vec<(String, String)>,
}

impl SyncList {
    /// The project's name for a sync row (its ID when the project was not asked).
    pub fn project_name(&self, project_id: &str) -> String {
        self.projects
            .iter()
            .find(|(id, _)| id == project_id)
            .map_or_else(|| clean_short(project_id, 40), |(_, n)| n.clone())
    }

    /// What could not be listed, as one sentence; `None` when every project was read.
    pub fn shortfall(&self) -> Option<String> {
        match self.unread.as_slice() {
            [] => None,
            [(name, why)] => Some(format!(
                "The syncs of project {name} could not be listed: {why}"
            )),
            many => Some(format!(
                "The syncs of {} projects could not be listed (first: {}: {}).",
                many.len(),
                many[0].0,
                many[0].1
            )),
        }
    }
}

impl KmsClient {
    /// One project's syncs (`Some`), or every visible project's (`None`): the project list
    /// first, then one sync list per project. Fails only when the project list itself fails.
    pub async fn list_syncs_in(
        &self,
        dest: Option<Destination>,
        project_id: Option<&str>,
    ) -> Result<SyncList, KmsError> {
        if let Some(p) = project_id {
            let syncs = self.list_syncs(dest, p).await?;
            return Ok(SyncList {
                syncs,
                projects: vec![(p.to_owned(), clean_short(p, 40))],
                unread: Vec::new(),
            });
        }
        let projects: Vec<(String, String)> = self
            .list_projects()
            .await?
            .into_iter()
            .map(|p| (p.id, clean_short(&p.name, 60)))
            .collect();
        let answers: Vec<_> = stream::iter(projects.iter().cloned())
            .map(|(id, name)| async move { (name, self.list_syncs(dest, &id).await) })
            .buffered(AT_ONCE)
            .collect()
            .await;
        let mut list = SyncList {
            projects,
            ..SyncList::default()
        };
        for (name, answer) in answers {
            match answer {
                Ok(rows) => list.syncs.extend(rows),
                Err(e) => list
                    .unread
                    .push((name, clean_short(&e.guidance(None).headline, 120))),
            }
        }
        Ok(list)
    }
}
