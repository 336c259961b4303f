//! A Secret Sync's create body, checked the way the KMS server checks it (secret-syncs.md §3.1,
//! §4): the name's slug rule, the key schema, the initial sync behaviour each destination allows
//! and the `destinationConfig` keys of each destination. Pure: no I/O, no clock.
//!
//! Sources (Infisical/infisical, which the Hanzo fork follows):
//! - `backend/src/services/secret-sync/secret-sync-schemas.ts` — `slugSchema({ field: "Name",
//!   max: 256 })` (so messages begin "Name field …", not "name field …" as the spec wrote),
//!   the key schema refine (allowed characters, `{{secretKey}}` present), `initialSyncBehavior`
//!   required, literal `overwrite-destination` where the destination cannot import.
//! - `backend/src/lib/schemas.ts` (`slugSchema`: trim, min 1, max, `slugify(v) === v`).
//! - `backend/src/services/secret-sync/secret-sync-fns.ts@00ba1a7e` — `getKeyWithSchema` and
//!   `matchesSchema` (prefix/suffix around `{{secretKey}}`), ported in [`apply_key_schema`]
//!   and [`matches_key_schema`].
//! - per destination: `teamcity-sync-schemas.ts`, `octopus-deploy-sync-schemas.ts`,
//!   `bitbucket-sync-schemas.ts`, `northflank-sync-schemas.ts`.

use serde::Serialize;
use serde_json::{Map, Value, json};

use super::{AppSpec, js_text};

/// The four destinations kms-connect syncs to. The API slug is the connection app's slug too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Destination {
    #[serde(rename = "teamcity")]
    TeamCity,
    OctopusDeploy,
    Bitbucket,
    Northflank,
}

impl Destination {
    pub const ALL: [Destination; 4] = [
        Destination::TeamCity,
        Destination::OctopusDeploy,
        Destination::Bitbucket,
        Destination::Northflank,
    ];

    /// `{dest}` in `/api/v1/secret-syncs/{dest}` (secret-sync-enums.ts).
    pub fn slug(self) -> &'static str {
        match self {
            Destination::TeamCity => "teamcity",
            Destination::OctopusDeploy => "octopus-deploy",
            Destination::Bitbucket => "bitbucket",
            Destination::Northflank => "northflank",
        }
    }

    /// How the server names it in messages (secret-sync-maps.ts).
    pub fn name(self) -> &'static str {
        match self {
            Destination::TeamCity => "TeamCity",
            Destination::OctopusDeploy => "Octopus Deploy",
            Destination::Bitbucket => "Bitbucket",
            Destination::Northflank => "Northflank",
        }
    }

    pub fn from_slug(slug: &str) -> Option<Destination> {
        Self::ALL.into_iter().find(|d| d.slug() == slug.trim())
    }

    /// The connection app a sync to this destination uses.
    pub fn app(self) -> &'static AppSpec {
        AppSpec::by_slug(self.slug()).expect("every destination is in the catalog")
    }

    /// `canImportSecrets` of the destination's list option: TeamCity and Northflank only.
    pub fn can_import(self) -> bool {
        matches!(self, Destination::TeamCity | Destination::Northflank)
    }

    /// The initial sync behaviours the server accepts for this destination.
    pub fn initial_choices(self) -> &'static [InitialSync] {
        if self.can_import() {
            &InitialSync::ALL
        } else {
            &InitialSync::ALL[..1]
        }
    }

    /// The `destinationConfig` keys, in the order a form asks for them.
    pub fn keys(self) -> &'static [DestKey] {
        match self {
            Destination::TeamCity => TEAMCITY_KEYS,
            Destination::OctopusDeploy => OCTOPUS_KEYS,
            Destination::Bitbucket => BITBUCKET_KEYS,
            Destination::Northflank => NORTHFLANK_KEYS,
        }
    }

    /// What the first sync does to variables already at the destination, in plain words.
    /// With an import behaviour the server first imports the destination's secrets into KMS,
    /// so nothing at the destination is unmanaged and nothing is deleted (secret-syncs.md §5).
    pub fn first_sync_effect(
        self,
        initial: Option<InitialSync>,
        key_schema: Option<&str>,
        keep_destination: bool,
    ) -> String {
        if keep_destination {
            return "Nothing is deleted at the destination (destination secrets are kept); variables with the same names are overwritten.".into();
        }
        let scope = match key_schema {
            Some(s) => format!("whose names match the key schema {s}"),
            None => "(no key schema: every one)".into(),
        };
        if let Some(
            import @ (InitialSync::ImportPrioritizeSource
            | InitialSync::ImportPrioritizeDestination),
        ) = initial
            && self.can_import()
        {
            let wins = match import {
                InitialSync::ImportPrioritizeSource => "KMS's value wins where both have a secret",
                _ => "the destination's value wins where both have a secret",
            };
            let caveat = match self {
                // TeamCity answers password parameters with "" (spec §4.1 note d).
                Destination::TeamCity => {
                    " TeamCity returns password values empty, so imported secrets KMS lacks arrive empty (names only)."
                }
                _ => "",
            };
            return format!(
                "The first sync imports the destination's variables {scope} into KMS ({wins}), so nothing at the destination is deleted.{caveat}"
            );
        }
        match self {
            Destination::TeamCity => format!(
                "The first sync writes each secret as a password parameter env.<KEY> and deletes the destination's own env.* parameters (the build configuration's when one is chosen, else the project's) {scope} that KMS does not have."
            ),
            Destination::OctopusDeploy => format!(
                "The first sync replaces the project's sensitive variables with KMS's and deletes sensitive variables {scope} that KMS does not have; non-sensitive variables are kept."
            ),
            Destination::Bitbucket => format!(
                "The first sync creates or updates one secured variable per secret and deletes listed variables {scope} that KMS does not have (Bitbucket's server reads only the first page of variables)."
            ),
            Destination::Northflank => format!(
                "The first sync rewrites the secret group's variable map: variables {scope} that KMS does not have are dropped."
            ),
        }
    }
}

impl std::fmt::Display for Destination {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// `syncOptions.initialSyncBehavior`: applied while the sync has never succeeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum InitialSync {
    OverwriteDestination,
    ImportPrioritizeSource,
    ImportPrioritizeDestination,
}

impl InitialSync {
    pub const ALL: [InitialSync; 3] = [
        InitialSync::OverwriteDestination,
        InitialSync::ImportPrioritizeSource,
        InitialSync::ImportPrioritizeDestination,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            InitialSync::OverwriteDestination => "overwrite-destination",
            InitialSync::ImportPrioritizeSource => "import-prioritize-source",
            InitialSync::ImportPrioritizeDestination => "import-prioritize-destination",
        }
    }

    pub fn parse(s: &str) -> Option<InitialSync> {
        Self::ALL.into_iter().find(|i| i.as_str() == s.trim())
    }

    /// The choice in a sentence, for pickers.
    pub fn label(self) -> &'static str {
        match self {
            InitialSync::OverwriteDestination => "Overwrite destination",
            InitialSync::ImportPrioritizeSource => {
                "Import destination secrets, KMS wins on conflicts"
            }
            InitialSync::ImportPrioritizeDestination => {
                "Import destination secrets, destination wins on conflicts"
            }
        }
    }
}

/// How a `destinationConfig` value is read from `KEY=VALUE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// A string, trimmed by the server, min 1 when required.
    Trimmed,
    /// A string taken as is (Bitbucket's slugs: no trim, no min in zod; checked here anyway
    /// because `""` passes the server and fails at sync time).
    Raw,
    /// A comma-separated list of IDs (`scopeValues.*`).
    List,
    /// A fixed value (`scope` = `project`), filled in when absent.
    Fixed(&'static str),
}

/// One `destinationConfig` key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DestKey {
    /// The API key; nested ones are dotted (`scopeValues.environments`).
    pub key: &'static str,
    pub required: bool,
    pub kind: KeyKind,
    /// What the value is, for help texts.
    pub help: &'static str,
    /// The server's message when a required value is missing or empty (`Required` when zod
    /// gives no custom one).
    pub missing: &'static str,
}

const fn key(
    key: &'static str,
    required: bool,
    kind: KeyKind,
    help: &'static str,
    missing: &'static str,
) -> DestKey {
    DestKey {
        key,
        required,
        kind,
        help,
        missing,
    }
}

// teamcity-sync-schemas.ts: project trim min(1, "Project required"), buildConfig trim optional.
const TEAMCITY_KEYS: &[DestKey] = &[
    key(
        "project",
        true,
        KeyKind::Trimmed,
        "TeamCity project id (not its name), e.g. Backend",
        "Project required",
    ),
    key(
        "buildConfig",
        false,
        KeyKind::Trimmed,
        "build configuration id; absent = project parameters",
        "",
    ),
];

// octopus-deploy-sync-schemas.ts@7b3d001d: spaceId min(1, "Space ID is required"),
// scope literal "project", projectId min(1, "Project ID is required"), scopeValues arrays.
const OCTOPUS_KEYS: &[DestKey] = &[
    key(
        "spaceId",
        true,
        KeyKind::Trimmed,
        "space Id, e.g. Spaces-1",
        "Space ID is required",
    ),
    key(
        "spaceName",
        false,
        KeyKind::Trimmed,
        "space name (display only)",
        "",
    ),
    key(
        "scope",
        false,
        KeyKind::Fixed("project"),
        "always project",
        "",
    ),
    key(
        "projectId",
        true,
        KeyKind::Trimmed,
        "project Id, e.g. Projects-123",
        "Project ID is required",
    ),
    key(
        "projectName",
        false,
        KeyKind::Trimmed,
        "project name (display only)",
        "",
    ),
    key(
        "scopeValues.environments",
        false,
        KeyKind::List,
        "environment Ids, comma-separated",
        "",
    ),
    key(
        "scopeValues.roles",
        false,
        KeyKind::List,
        "target tags, comma-separated",
        "",
    ),
    key(
        "scopeValues.machines",
        false,
        KeyKind::List,
        "target (machine) Ids, comma-separated",
        "",
    ),
    key(
        "scopeValues.processes",
        false,
        KeyKind::List,
        "process Ids, comma-separated",
        "",
    ),
    key(
        "scopeValues.actions",
        false,
        KeyKind::List,
        "deployment step Ids, comma-separated",
        "",
    ),
    key(
        "scopeValues.channels",
        false,
        KeyKind::List,
        "channel Ids, comma-separated",
        "",
    ),
];

// bitbucket-sync-schemas.ts: workspaceSlug, repositorySlug z.string(); environmentId optional.
const BITBUCKET_KEYS: &[DestKey] = &[
    key(
        "workspaceSlug",
        true,
        KeyKind::Raw,
        "workspace slug",
        "Workspace slug is required",
    ),
    key(
        "repositorySlug",
        true,
        KeyKind::Raw,
        "repository slug",
        "Repository slug is required",
    ),
    key(
        "environmentId",
        false,
        KeyKind::Raw,
        "deployment environment uuid with braces; absent = repository variables",
        "",
    ),
];

// northflank-sync-schemas.ts: projectId/secretGroupId trim min(1, "… ID is required").
const NORTHFLANK_KEYS: &[DestKey] = &[
    key(
        "projectId",
        true,
        KeyKind::Trimmed,
        "Northflank project id",
        "Project ID is required",
    ),
    key(
        "projectName",
        false,
        KeyKind::Trimmed,
        "project name (display only)",
        "",
    ),
    key(
        "secretGroupId",
        true,
        KeyKind::Trimmed,
        "secret group id",
        "Secret Group ID is required",
    ),
    key(
        "secretGroupName",
        false,
        KeyKind::Trimmed,
        "secret group name (display only)",
        "",
    ),
];

/// One problem, at a dotted path of the body (`destinationConfig.project`), worded like the
/// server's zod issue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Issue {
    pub path: String,
    pub message: String,
}

impl Issue {
    fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        Issue {
            path: path.into(),
            message: message.into(),
        }
    }
}

impl std::fmt::Display for Issue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// `slugify(v, { lowercase: true }) === v`: lowercase letters and digits in groups joined by
/// single hyphens.
pub fn is_slug(v: &str) -> bool {
    !v.is_empty()
        && v.split('-').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

/// `slugSchema({ field, max })`: trimmed, 1..=max characters, a slug.
pub fn slug_rule(field: &str, raw: &str, max: usize) -> Result<String, String> {
    let v = js_text::trim(raw);
    if v.is_empty() {
        return Err(format!(
            "{field} field must be at least 1 lowercase character"
        ));
    }
    if js_text::len(v) > max {
        return Err(format!(
            "{field} field must be at most {max} lowercase characters"
        ));
    }
    if !is_slug(v) {
        return Err(format!(
            "{field} field can only contain lowercase letters, numbers, and hyphens"
        ));
    }
    Ok(v.to_owned())
}

/// The sync's name: a slug of at most 256 characters, unique per project.
pub fn validate_name(raw: &str) -> Result<String, String> {
    slug_rule("Name", raw, 256)
}

/// The key schema message, as the server words it.
pub const KEY_SCHEMA_MESSAGE: &str = "Key schema must include exactly one {{secretKey}} placeholder. It can also include {{environment}} placeholders. Only alphanumeric characters (a-z, A-Z, 0-9), dashes (-), underscores (_), and slashes (/) are allowed besides the placeholders.";

/// The key schema refine: only `a-zA-Z0-9_-/` besides `{{secretKey}}` and `{{environment}}`,
/// and `{{secretKey}}` present. The server tests presence only, despite its message saying
/// "exactly one"; so does this. Trimmed and at most 255 characters (newest Infisical).
pub fn validate_key_schema(raw: &str) -> Result<String, String> {
    let v = js_text::trim(raw);
    if js_text::len(v) > 255 {
        return Err("Key schema cannot exceed 255 characters".into());
    }
    let mut rest = v;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("{{secretKey}}") {
            rest = after;
        } else if let Some(after) = rest.strip_prefix("{{environment}}") {
            rest = after;
        } else {
            let c = rest.chars().next().unwrap_or(' ');
            if !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '/')) {
                return Err(KEY_SCHEMA_MESSAGE.into());
            }
            rest = &rest[c.len_utf8()..];
        }
    }
    if !v.contains("{{secretKey}}") {
        return Err(KEY_SCHEMA_MESSAGE.into());
    }
    Ok(v.to_owned())
}

/// Warnings that do not stop the server but may stop the destination (Bitbucket variable
/// names allow letters, digits and underscores only: UNCONFIRMED, secret-syncs.md §4.3).
pub fn key_schema_warning(dest: Destination, schema: &str) -> Option<String> {
    (dest == Destination::Bitbucket && schema.contains(['-', '/'])).then(|| {
        "Bitbucket variable names take letters, digits and underscores: a - or / in the key schema may make the sync fail.".to_owned()
    })
}

/// `getKeyWithSchema`: the destination key for a KMS key.
pub fn apply_key_schema(schema: Option<&str>, key: &str, environment: &str) -> String {
    match schema {
        None => key.to_owned(),
        Some(s) => s
            .replace("{{environment}}", environment)
            .replace("{{secretKey}}", key),
    }
}

/// `matchesSchema`: whether a destination key is one the sync manages (and so may delete).
/// Without a schema every key matches.
pub fn matches_key_schema(key: &str, environment: &str, schema: Option<&str>) -> bool {
    let Some(schema) = schema else {
        return true;
    };
    let compiled = schema.replace("{{environment}}", environment);
    if !compiled.contains("{{secretKey}}") {
        return key == compiled;
    }
    let parts: Vec<&str> = compiled.split("{{secretKey}}").collect();
    let prefix = parts[0];
    let suffix = parts[parts.len() - 1];
    if prefix.is_empty() && suffix.is_empty() {
        return true;
    }
    if !key.starts_with(prefix) || !key.ends_with(suffix) {
        return false;
    }
    if key.len() < prefix.len() + suffix.len() {
        return false;
    }
    let portion = &key[prefix.len()..key.len() - suffix.len()];
    !((prefix.contains('/') || suffix.contains('/')) && portion.contains('/'))
}

/// A suggested sync name from the connection's name and the environment, fitted to the rule.
pub fn suggest_name(connection_name: &str, environment: &str) -> String {
    let raw = format!("{connection_name}-{environment}-sync");
    let mut out = String::new();
    for c in raw.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let mut out: String = out.trim_matches('-').chars().take(256).collect();
    while out.ends_with('-') {
        out.pop();
    }
    if out.is_empty() {
        "secret-sync".into()
    } else {
        out
    }
}

/// Parses `--dest KEY=VALUE` pairs into a `destinationConfig`, checking each key belongs to
/// the destination. Values are validated by [`validate_config`].
pub fn config_from_pairs(
    dest: Destination,
    pairs: &[String],
) -> Result<Map<String, Value>, Vec<Issue>> {
    let mut config = Map::new();
    let mut issues = Vec::new();
    for pair in pairs {
        let Some((k, v)) = pair.split_once('=') else {
            issues.push(Issue::new(
                "destinationConfig",
                format!("{pair:?} is not KEY=VALUE"),
            ));
            continue;
        };
        let k = k.trim();
        let Some(spec) = dest.keys().iter().find(|s| s.key == k) else {
            let known: Vec<&str> = dest.keys().iter().map(|s| s.key).collect();
            issues.push(Issue::new(
                format!("destinationConfig.{k}"),
                format!(
                    "{} has no key {k:?}; its keys are {}",
                    dest.name(),
                    known.join(", ")
                ),
            ));
            continue;
        };
        let value = match spec.kind {
            KeyKind::List => Value::Array(
                v.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(|s| Value::String(s.to_owned()))
                    .collect(),
            ),
            _ => Value::String(v.to_owned()),
        };
        match k.split_once('.') {
            Some((outer, inner)) => {
                let entry = config
                    .entry(outer.to_owned())
                    .or_insert_with(|| Value::Object(Map::new()));
                if let Value::Object(m) = entry {
                    m.insert(inner.to_owned(), value);
                }
            }
            None => {
                config.insert(k.to_owned(), value);
            }
        }
    }
    if issues.is_empty() {
        Ok(config)
    } else {
        Err(issues)
    }
}

/// Checks a `destinationConfig` as the server's schema does, and normalizes it as it would
/// (trimmed values, `scope` filled in, empty optional values dropped). Stricter in one place:
/// Bitbucket's slugs must not be empty (the server accepts `""` and fails at sync time).
pub fn validate_config(
    dest: Destination,
    config: &Map<String, Value>,
) -> Result<Map<String, Value>, Vec<Issue>> {
    let mut out = Map::new();
    let mut issues = Vec::new();
    for spec in dest.keys() {
        let path = format!("destinationConfig.{}", spec.key);
        let raw = match spec.key.split_once('.') {
            Some((outer, inner)) => config.get(outer).and_then(|o| o.get(inner)),
            None => config.get(spec.key),
        };
        let value = match (spec.kind, raw) {
            (KeyKind::Fixed(fixed), None) => Some(Value::String(fixed.into())),
            (KeyKind::Fixed(fixed), Some(Value::String(s))) if s == fixed => {
                Some(Value::String(fixed.into()))
            }
            (KeyKind::Fixed(fixed), Some(_)) => {
                issues.push(Issue::new(
                    path,
                    format!("Invalid discriminator value. Expected '{fixed}'"),
                ));
                continue;
            }
            (KeyKind::List, None) => None,
            (KeyKind::List, Some(Value::Array(items))) => {
                if items.iter().all(Value::is_string) {
                    (!items.is_empty()).then(|| Value::Array(items.clone()))
                } else {
                    issues.push(Issue::new(path, "Expected string, received number"));
                    continue;
                }
            }
            (KeyKind::List, Some(_)) => {
                issues.push(Issue::new(path, "Expected array"));
                continue;
            }
            (_, None) | (_, Some(Value::Null)) => None,
            (kind, Some(Value::String(s))) => {
                let v = if kind == KeyKind::Trimmed {
                    js_text::trim(s)
                } else {
                    s.as_str()
                };
                (!js_text::trim(v).is_empty()).then(|| Value::String(v.to_owned()))
            }
            (_, Some(_)) => {
                issues.push(Issue::new(path, "Expected string"));
                continue;
            }
        };
        match value {
            Some(v) => match spec.key.split_once('.') {
                Some((outer, inner)) => {
                    if let Value::Object(m) = out
                        .entry(outer.to_owned())
                        .or_insert_with(|| Value::Object(Map::new()))
                    {
                        m.insert(inner.to_owned(), v);
                    }
                }
                None => {
                    out.insert(spec.key.to_owned(), v);
                }
            },
            None if spec.required => {
                let message = if raw.is_none() {
                    "Required"
                } else {
                    spec.missing
                };
                issues.push(Issue::new(path, message));
            }
            None => {}
        }
    }
    for k in config.keys() {
        if !dest
            .keys()
            .iter()
            .any(|s| s.key == k || s.key.starts_with(&format!("{k}.")))
        {
            // The server strips unknown keys silently; the client says so instead.
            issues.push(Issue::new(
                format!("destinationConfig.{k}"),
                format!("{} has no key {k:?}", dest.name()),
            ));
        }
    }
    if issues.is_empty() {
        Ok(out)
    } else {
        Err(issues)
    }
}

/// Everything a create sends, before validation.
#[derive(Debug, Clone, PartialEq)]
pub struct SyncDraft {
    pub destination: Destination,
    pub name: String,
    pub description: Option<String>,
    pub project_id: String,
    pub connection_id: String,
    pub environment: String,
    pub secret_path: String,
    pub auto_sync: bool,
    pub initial: Option<InitialSync>,
    pub key_schema: Option<String>,
    pub keep_destination_secrets: bool,
    pub config: Map<String, Value>,
}

impl SyncDraft {
    /// A draft with the defaults the web UI uses: path `/`, auto-sync on, overwrite where the
    /// destination cannot import (otherwise no choice yet: the server requires one).
    pub fn new(destination: Destination) -> Self {
        SyncDraft {
            destination,
            name: String::new(),
            description: None,
            project_id: String::new(),
            connection_id: String::new(),
            environment: String::new(),
            secret_path: "/".into(),
            auto_sync: true,
            initial: (!destination.can_import()).then_some(InitialSync::OverwriteDestination),
            key_schema: None,
            keep_destination_secrets: false,
            config: Map::new(),
        }
    }

    /// The body to POST, or every issue the server would report (plus the client's own:
    /// empty Bitbucket slugs, unknown keys).
    pub fn body(&self) -> Result<Value, Vec<Issue>> {
        let mut issues = Vec::new();
        let name = validate_name(&self.name)
            .map_err(|m| issues.push(Issue::new("name", m)))
            .ok();
        let description = self
            .description
            .as_deref()
            .map(js_text::trim)
            .filter(|d| !d.is_empty());
        if description.is_some_and(|d| js_text::len(d) > 256) {
            issues.push(Issue::new(
                "description",
                "Description cannot exceed 256 characters",
            ));
        }
        if js_text::trim(&self.project_id).is_empty() {
            issues.push(Issue::new("projectId", "Project ID required"));
        }
        if !is_uuid(self.connection_id.trim()) {
            issues.push(Issue::new("connectionId", "Invalid uuid"));
        }
        let environment = slug_rule("Environment", &self.environment, 64)
            .map_err(|m| issues.push(Issue::new("environment", m)))
            .ok();
        let path = normalize_path(&self.secret_path);
        if path.is_none() {
            issues.push(Issue::new("secretPath", "Secret path required"));
        }
        match self.initial {
            None => issues.push(Issue::new("syncOptions.initialSyncBehavior", "Required")),
            Some(i) if !self.destination.initial_choices().contains(&i) => issues.push(Issue::new(
                "syncOptions.initialSyncBehavior",
                "Invalid literal value, expected \"overwrite-destination\"",
            )),
            Some(_) => {}
        }
        let key_schema = match self.key_schema.as_deref().map(js_text::trim) {
            None | Some("") => None,
            Some(s) => validate_key_schema(s)
                .map_err(|m| issues.push(Issue::new("syncOptions.keySchema", m)))
                .ok(),
        };
        let config = validate_config(self.destination, &self.config)
            .map_err(|mut i| issues.append(&mut i))
            .ok();
        if !issues.is_empty() {
            return Err(issues);
        }
        let mut options = json!({
            "initialSyncBehavior": self.initial.map(InitialSync::as_str),
        });
        if let Some(s) = key_schema {
            options["keySchema"] = Value::String(s);
        }
        if self.keep_destination_secrets {
            options["disableSecretDeletion"] = Value::Bool(true);
        }
        let mut body = json!({
            "name": name,
            "projectId": js_text::trim(&self.project_id),
            "connectionId": self.connection_id.trim(),
            "environment": environment,
            "secretPath": path,
            "isAutoSyncEnabled": self.auto_sync,
            "syncOptions": options,
            "destinationConfig": config,
        });
        if let Some(d) = description {
            body["description"] = Value::String(d.to_owned());
        }
        Ok(body)
    }
}

/// `secretPath`: trimmed, not empty, trailing `/` removed (root stays `/`), leading `/` added.
pub fn normalize_path(raw: &str) -> Option<String> {
    let v = js_text::trim(raw);
    if v.is_empty() {
        return None;
    }
    let v = v.trim_end_matches('/');
    if v.is_empty() {
        return Some("/".into());
    }
    Some(if v.starts_with('/') {
        v.to_owned()
    } else {
        format!("/{v}")
    })
}

fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONN: &str = "3b0c2f1e-9a7d-4c55-8e21-6f0a1d2b3c4d";

    fn draft(dest: Destination, pairs: &[&str]) -> SyncDraft {
        let pairs: Vec<String> = pairs.iter().map(|s| s.to_string()).collect();
        SyncDraft {
            name: "backend-ci".into(),
            project_id: "p1".into(),
            connection_id: CONN.into(),
            environment: "prod".into(),
            initial: Some(InitialSync::OverwriteDestination),
            config: config_from_pairs(dest, &pairs).unwrap(),
            ..SyncDraft::new(dest)
        }
    }

    fn paths(issues: &[Issue]) -> Vec<&str> {
        issues.iter().map(|i| i.path.as_str()).collect()
    }

    #[test]
    fn names_follow_the_slug_rule_with_the_servers_words() {
        assert_eq!(validate_name(" backend-ci ").unwrap(), "backend-ci");
        for bad in ["Backend", "a--b", "-a", "a_b", "a b"] {
            assert_eq!(
                validate_name(bad).unwrap_err(),
                "Name field can only contain lowercase letters, numbers, and hyphens",
                "{bad}"
            );
        }
        assert!(validate_name(&"a".repeat(256)).is_ok());
        assert_eq!(
            validate_name(&"a".repeat(257)).unwrap_err(),
            "Name field must be at most 256 lowercase characters"
        );
        assert!(validate_name("  ").is_err());
    }

    #[test]
    fn key_schemas_need_the_placeholder_and_allowed_characters() {
        assert!(validate_key_schema("KMS_{{secretKey}}").is_ok());
        assert!(validate_key_schema("{{environment}}/{{secretKey}}-x").is_ok());
        assert_eq!(validate_key_schema("KMS_").unwrap_err(), KEY_SCHEMA_MESSAGE);
        assert_eq!(
            validate_key_schema("KMS.{{secretKey}}").unwrap_err(),
            KEY_SCHEMA_MESSAGE
        );
        assert_eq!(
            validate_key_schema("{{ secretKey }}").unwrap_err(),
            KEY_SCHEMA_MESSAGE
        );
        assert!(key_schema_warning(Destination::Bitbucket, "kms-{{secretKey}}").is_some());
        assert!(key_schema_warning(Destination::TeamCity, "kms-{{secretKey}}").is_none());
    }

    #[test]
    fn schema_matching_is_the_servers_prefix_and_suffix() {
        let s = Some("KMS_{{secretKey}}");
        assert!(matches_key_schema("KMS_DB_URL", "prod", s));
        assert!(!matches_key_schema("DB_URL", "prod", s));
        assert!(matches_key_schema("ANYTHING", "prod", None));
        let env = Some("{{environment}}_{{secretKey}}_V");
        assert!(matches_key_schema("prod_X_V", "prod", env));
        assert!(!matches_key_schema("dev_X_V", "prod", env));
        let path = Some("/app/{{secretKey}}");
        assert!(matches_key_schema("/app/X", "prod", path));
        assert!(!matches_key_schema("/app/a/X", "prod", path));
        assert_eq!(apply_key_schema(env, "DB", "prod"), "prod_DB_V");
        assert_eq!(apply_key_schema(None, "DB", "prod"), "DB");
    }

    #[test]
    fn a_teamcity_body_is_the_documented_one() {
        let mut d = draft(
            Destination::TeamCity,
            &["project= Backend ", "buildConfig=Backend_Build"],
        );
        d.key_schema = Some("KMS_{{secretKey}}".into());
        let body = d.body().unwrap();
        assert_eq!(
            body,
            json!({ "name": "backend-ci", "projectId": "p1", "connectionId": CONN,
                "environment": "prod", "secretPath": "/", "isAutoSyncEnabled": true,
                "syncOptions": { "initialSyncBehavior": "overwrite-destination", "keySchema": "KMS_{{secretKey}}" },
                "destinationConfig": { "project": "Backend", "buildConfig": "Backend_Build" } })
        );
    }

    #[test]
    fn octopus_gets_its_scope_and_lists() {
        let d = draft(
            Destination::OctopusDeploy,
            &[
                "spaceId=Spaces-1",
                "projectId=Projects-123",
                "scopeValues.environments=Environments-1, Environments-2",
                "scopeValues.channels=Channels-1",
            ],
        );
        let body = d.body().unwrap();
        assert_eq!(
            body["destinationConfig"],
            json!({ "spaceId": "Spaces-1", "scope": "project", "projectId": "Projects-123",
                "scopeValues": { "environments": ["Environments-1", "Environments-2"], "channels": ["Channels-1"] } })
        );
    }

    #[test]
    fn destinations_that_cannot_import_refuse_import_behaviours() {
        let mut d = draft(
            Destination::Bitbucket,
            &["workspaceSlug=acme", "repositorySlug=api"],
        );
        d.initial = Some(InitialSync::ImportPrioritizeSource);
        let issues = d.body().unwrap_err();
        assert_eq!(
            issues,
            [Issue::new(
                "syncOptions.initialSyncBehavior",
                "Invalid literal value, expected \"overwrite-destination\""
            )]
        );
        let mut tc = draft(Destination::TeamCity, &["project=Backend"]);
        tc.initial = Some(InitialSync::ImportPrioritizeDestination);
        assert!(tc.body().is_ok());
        tc.initial = None;
        assert_eq!(
            paths(&tc.body().unwrap_err()),
            ["syncOptions.initialSyncBehavior"]
        );
        assert_eq!(
            SyncDraft::new(Destination::OctopusDeploy).initial,
            Some(InitialSync::OverwriteDestination)
        );
        assert_eq!(SyncDraft::new(Destination::Northflank).initial, None);
    }

    #[test]
    fn missing_and_empty_required_keys_are_reported_per_destination() {
        let d = draft(Destination::Northflank, &["projectId= "]);
        let issues = d.body().unwrap_err();
        assert_eq!(
            issues,
            [
                Issue::new("destinationConfig.projectId", "Project ID is required"),
                Issue::new("destinationConfig.secretGroupId", "Required"),
            ]
        );
        let bb = draft(
            Destination::Bitbucket,
            &["workspaceSlug=", "repositorySlug=api"],
        );
        assert_eq!(
            paths(&bb.body().unwrap_err()),
            ["destinationConfig.workspaceSlug"]
        );
    }

    #[test]
    fn unknown_and_malformed_pairs_are_refused_before_sending() {
        let err = config_from_pairs(
            Destination::TeamCity,
            &["projectId=x".into(), "oops".into()],
        )
        .unwrap_err();
        assert_eq!(err.len(), 2);
        assert!(
            err[0].message.contains("its keys are project, buildConfig"),
            "{err:?}"
        );
        let mut bad_scope = Map::new();
        bad_scope.insert("scope".into(), json!("space"));
        bad_scope.insert("spaceId".into(), json!("Spaces-1"));
        bad_scope.insert("projectId".into(), json!("Projects-1"));
        let issues = validate_config(Destination::OctopusDeploy, &bad_scope).unwrap_err();
        assert_eq!(paths(&issues), ["destinationConfig.scope"]);
    }

    #[test]
    fn generic_fields_are_checked_too() {
        let mut d = draft(Destination::TeamCity, &["project=Backend"]);
        d.name = "Backend CI".into();
        d.connection_id = "nope".into();
        d.environment = "Prod".into();
        d.secret_path = " ".into();
        d.description = Some("x".repeat(257));
        d.key_schema = Some("no-placeholder".into());
        assert_eq!(
            paths(&d.body().unwrap_err()),
            [
                "name",
                "description",
                "connectionId",
                "environment",
                "secretPath",
                "syncOptions.keySchema"
            ]
        );
    }

    #[test]
    fn paths_and_suggested_names_are_normalized() {
        assert_eq!(normalize_path("/").as_deref(), Some("/"));
        assert_eq!(normalize_path("/app/").as_deref(), Some("/app"));
        assert_eq!(normalize_path("app").as_deref(), Some("/app"));
        assert_eq!(normalize_path(""), None);
        assert_eq!(suggest_name("CI TeamCity", "prod"), "ci-teamcity-prod-sync");
        assert!(validate_name(&suggest_name("--", "")).is_ok());
        for d in Destination::ALL {
            assert_eq!(Destination::from_slug(d.slug()), Some(d));
            assert_eq!(d.app().slug, d.slug());
        }
    }

    #[test]
    fn first_sync_effect_names_the_blast_radius() {
        let over = Some(InitialSync::OverwriteDestination);
        let none = Destination::OctopusDeploy.first_sync_effect(over, None, false);
        assert!(none.contains("every one"), "{none}");
        let kept = Destination::Northflank.first_sync_effect(over, None, true);
        assert!(kept.contains("Nothing is deleted"), "{kept}");
    }

    #[test]
    fn first_sync_effect_with_an_import_deletes_nothing() {
        for d in [Destination::TeamCity, Destination::Northflank] {
            for i in &InitialSync::ALL[1..] {
                let said = d.first_sync_effect(Some(*i), None, false);
                assert!(
                    said.contains("nothing at the destination is deleted"),
                    "{said}"
                );
                assert!(!said.contains("deletes"), "{said}");
            }
            let over = d.first_sync_effect(Some(InitialSync::OverwriteDestination), None, false);
            assert!(!over.contains("nothing at the destination"), "{over}");
        }
        let tc = Destination::TeamCity.first_sync_effect(
            Some(InitialSync::ImportPrioritizeDestination),
            Some("KMS_{{secretKey}}"),
            false,
        );
        assert!(
            tc.contains("empty") && tc.contains("KMS_{{secretKey}}"),
            "{tc}"
        );
        assert!(tc.contains("destination's value wins"), "{tc}");
    }

    #[test]
    fn a_long_description_is_refused_as_the_server_words_it() {
        let d = SyncDraft {
            description: Some("d".repeat(257)),
            ..SyncDraft::new(Destination::Northflank)
        };
        let issues = d.body().unwrap_err();
        assert!(
            issues.iter().any(|i| i.path == "description"
                && i.message == "Description cannot exceed 256 characters"),
            "{issues:?}"
        );
    }

    #[test]
    fn names_and_paths_are_trimmed_and_counted_as_javascript_does() {
        // U+FEFF and U+00A0 are spaces to String.prototype.trim, not to Rust's.
        assert_eq!(validate_name("\u{feff}web\u{a0}").as_deref(), Ok("web"));
        assert_eq!(
            normalize_path("\u{feff}/app/\u{a0}").as_deref(),
            Some("/app")
        );
        // 33 two-unit characters are 66 code units: over the environment's 64.
        let long = "🔑".repeat(33);
        assert!(
            slug_rule("Environment", &long, 64)
                .unwrap_err()
                .contains("at most 64")
        );
        // 135 characters, 257 code units: too long for the server.
        let schema = format!("{}{{{{secretKey}}}}", "🔑".repeat(122));
        assert_eq!(
            validate_key_schema(&schema).unwrap_err(),
            "Key schema cannot exceed 255 characters"
        );
    }
}
