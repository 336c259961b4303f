//! What the KMS server knows about each of the four apps: URL slug, method literal,
//! credential fields with their zod rules (spec kms-api.md §8), and how to name it in
//! messages. Field order matters: zod reports issues in schema order.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum App {
    TeamCity,
    OctopusDeploy,
    Bitbucket,
    Northflank,
}

/// How a credential string is checked (all are trimmed first, except as noted).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `.trim().url(...)`: must parse as an http(s) URL.
    Url,
    /// `.email().trim()`: the email format is checked *before* trimming.
    Email,
    /// `.trim()`: any non-empty string.
    Secret,
}

pub(crate) struct Field {
    pub key: &'static str,
    pub kind: Kind,
    /// The `min(1, ...)` message.
    pub required: &'static str,
    /// `max(n)` in UTF-16 units, with zod's default message.
    pub max: Option<usize>,
    /// Returned in the `credentials` object of responses (secrets never are).
    pub public: bool,
}

pub(crate) struct AppSpec {
    pub app: App,
    /// URL slug and `app` field value.
    pub slug: &'static str,
    /// Display name used in server messages ("Not supported for TeamCity Connections").
    pub name: &'static str,
    /// The only `method` literal each of these apps supports.
    pub method: &'static str,
    /// The method's display name, as server messages spell it ("Access Token").
    pub method_name: &'static str,
    pub fields: &'static [Field],
}

const INSTANCE_URL: &str = "Instance URL required";

pub(crate) static APPS: [AppSpec; 4] = [
    AppSpec {
        app: App::TeamCity,
        slug: "teamcity",
        name: "TeamCity",
        method: "access-token",
        method_name: "Access Token",
        fields: &[
            Field {
                key: "accessToken",
                kind: Kind::Secret,
                required: "Access Token required",
                max: None,
                public: false,
            },
            Field {
                key: "instanceUrl",
                kind: Kind::Url,
                required: INSTANCE_URL,
                max: None,
                public: true,
            },
        ],
    },
    AppSpec {
        app: App::OctopusDeploy,
        slug: "octopus-deploy",
        name: "Octopus Deploy",
        method: "api-key",
        method_name: "API Key",
        fields: &[
            Field {
                key: "instanceUrl",
                kind: Kind::Url,
                required: INSTANCE_URL,
                max: Some(255),
                public: true,
            },
            Field {
                key: "apiKey",
                kind: Kind::Secret,
                required: "API key required",
                max: None,
                public: false,
            },
        ],
    },
    AppSpec {
        app: App::Bitbucket,
        slug: "bitbucket",
        name: "Bitbucket",
        method: "api-token",
        method_name: "API Token",
        fields: &[
            Field {
                key: "email",
                kind: Kind::Email,
                required: "Email required",
                max: Some(255),
                public: true,
            },
            Field {
                key: "apiToken",
                kind: Kind::Secret,
                required: "API Token required",
                max: Some(255),
                public: false,
            },
        ],
    },
    AppSpec {
        app: App::Northflank,
        slug: "northflank",
        name: "Northflank",
        method: "api-token",
        method_name: "API Token",
        fields: &[Field {
            key: "apiToken",
            kind: Kind::Secret,
            required: "API Token required",
            max: None,
            public: false,
        }],
    },
];

/// The app behind a URL slug; None means the route does not exist (Fastify 404).
pub(crate) fn find(slug: &str) -> Option<&'static AppSpec> {
    APPS.iter().find(|spec| spec.slug == slug)
}
