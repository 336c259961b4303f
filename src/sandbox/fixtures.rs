//! The fixed identity, organization and project the KMS sandbox serves. Deterministic so
//! demo output and test snapshots do not change from run to run.

use serde_json::{Value, json};

pub(crate) const ACCESS_TOKEN: &str = "kms-demo-access-token";
pub(crate) const CLIENT_ID: &str = "demo-client-id";
pub(crate) const CLIENT_SECRET: &str = "demo-client-secret";
/// Same TTL the real server gives a fresh universal-auth identity (30 days).
pub(crate) const TOKEN_TTL_SECONDS: u64 = 2_592_000;
/// Other identities (same secret as the demo one): see `auth.rs`.
pub(crate) const SHORT_LIVED_CLIENT_ID: &str = super::demo::SHORT_LIVED_CLIENT_ID;
pub(crate) const NO_PROJECTS_CLIENT_ID: &str = super::demo::NO_PROJECTS_CLIENT_ID;
pub(crate) const EXPIRED_SECRET_CLIENT_ID: &str = super::demo::EXPIRED_SECRET_CLIENT_ID;
/// Lifetime of the short-lived identity's tokens.
pub(crate) const SHORT_TOKEN_TTL_SECONDS: u64 = 30;

pub(crate) const ORG_ID: &str = "6f03caa1-a5de-43ce-b127-95a145d3464c";
pub(crate) const ORG_NAME: &str = "Demo org";
pub(crate) const ORG_SLUG: &str = "demo-org";

pub(crate) const PROJECT_ID: &str = "7ffbb072-2575-495a-b5b0-127f88caef78";
pub(crate) const PROJECT_NAME: &str = "Demo project";
pub(crate) const PROJECT_SLUG: &str = "demo-project";
const PROJECT_CREATED_AT: &str = "2025-01-15T10:00:00.000Z";

/// Universal-auth lockout, as the real defaults: 3 failures lock the method for 300 s.
pub(crate) const LOCKOUT_THRESHOLD: u32 = 3;
pub(crate) const LOCKOUT_SECONDS: u64 = 300;

/// The project as `GET /api/v1/projects` lists it (spec §10, sanitized schema subset).
pub(crate) fn project() -> Value {
    json!({
        "id": PROJECT_ID,
        "_id": PROJECT_ID,
        "name": PROJECT_NAME,
        "slug": PROJECT_SLUG,
        "description": null,
        "type": "secret-manager",
        "orgId": ORG_ID,
        "createdAt": PROJECT_CREATED_AT,
        "updatedAt": PROJECT_CREATED_AT,
        "environments": [
            { "name": "Development", "slug": "dev", "id": "0c3c6f0e-1d3a-4c55-9a8e-5f0f3b1a2d01" },
            { "name": "Staging", "slug": "staging", "id": "0c3c6f0e-1d3a-4c55-9a8e-5f0f3b1a2d02" },
            { "name": "Production", "slug": "prod", "id": "0c3c6f0e-1d3a-4c55-9a8e-5f0f3b1a2d03" },
        ],
    })
}

/// The caller's organization as `GET /api/v1/identities/details` returns it.
pub(crate) fn organization() -> Value {
    json!({ "id": ORG_ID, "name": ORG_NAME, "slug": ORG_SLUG })
}
