//! Connections that already exist when the sandbox starts, so `--demo` has something to
//! browse, rotate and delete (one of them in use, so its delete fails as a real one would).

use super::Sandbox;
use super::app_specs;
use super::validate::NewConnection;

impl Sandbox {
    /// Marks a connection as used by a Secret Sync: deleting it then fails with the server's
    /// "existing connections" error.
    pub fn mark_in_use(&self, id: &str) {
        self.kms.store.mark_in_use(id);
    }

    /// Stores a connection without the live check (for demos and tests); returns its ID.
    pub fn seed(
        &self,
        app: &str,
        name: &str,
        project_id: Option<&str>,
        credentials: &[(&'static str, &str)],
    ) -> anyhow::Result<String> {
        let spec = app_specs::find(app).ok_or_else(|| anyhow::anyhow!("unknown app {app:?}"))?;
        let conn = NewConnection {
            name: name.to_owned(),
            description: None,
            project_id: project_id.map(str::to_owned),
            credentials: credentials
                .iter()
                .map(|(k, v)| (*k, (*v).to_owned()))
                .collect(),
        };
        let stored = self
            .kms
            .store
            .insert(spec, conn)
            .map_err(anyhow::Error::msg)?;
        Ok(stored.id)
    }

    /// The demo's existing connections: one per app in the demo project, the first in use.
    pub fn seed_demo(&self) -> anyhow::Result<()> {
        let project = Some(self.project_id.as_str());
        let used = self.seed(
            "teamcity",
            "build-server",
            project,
            &[
                ("instanceUrl", &self.teamcity_url),
                ("accessToken", super::demo::TEAMCITY_TOKEN),
            ],
        )?;
        self.mark_in_use(&used);
        // Syncs that already ran, so the SYNCS column and the details have something to show.
        self.kms.syncs.seed(
            "backend-prod",
            "teamcity",
            ("build-server", &used),
            serde_json::json!({ "project": super::demo::TEAMCITY_PROJECT }),
            true,
        );
        self.seed(
            "octopus-deploy",
            "octopus-releases",
            project,
            &[
                ("instanceUrl", &self.octopus_url),
                ("apiKey", super::demo::OCTOPUS_API_KEY),
            ],
        )?;
        let bitbucket = self.seed(
            "bitbucket",
            "bitbucket-pipelines",
            project,
            &[
                ("email", super::demo::BITBUCKET_EMAIL),
                ("apiToken", super::demo::BITBUCKET_TOKEN),
            ],
        )?;
        self.kms.syncs.seed(
            "api-pipelines",
            "bitbucket",
            ("bitbucket-pipelines", &bitbucket),
            serde_json::json!({ "workspaceSlug": "acme",
                "repositorySlug": super::demo::SYNC_FAIL_BITBUCKET_REPO }),
            false,
        );
        self.seed(
            "northflank",
            "northflank-services",
            project,
            &[("apiToken", super::demo::NORTHFLANK_TOKEN)],
        )?;
        Ok(())
    }
}
