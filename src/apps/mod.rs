//! The app catalog: everything kms-connect knows about each app, as data. Adding an app means one
//! file beside this one, one instructions asset and one line in [`CATALOG`].

pub(crate) mod bitbucket;
pub mod checks;
pub mod destinations;
pub mod front_end;
pub mod js_text;
mod northflank;
mod octopus_deploy;
pub mod probe;
pub mod sync_spec;
mod teamcity;
pub mod validate;

use serde_json::{Map, Value};

pub use probe::{OutcomeCode, ProviderEndpoints, TestOutcome};
pub use validate::{ConnectionInput, FieldError, FieldId, RawInput};

/// The apps, in the order the wizard lists them.
pub static CATALOG: [&AppSpec; 4] = [
    &teamcity::SPEC,
    &octopus_deploy::SPEC,
    &bitbucket::SPEC,
    &northflank::SPEC,
];

/// What kind of value a field holds; decides validation and masking.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldKind {
    Url,
    Email,
    Secret,
}

/// One credential field, as the KMS API names it and as the form shows it.
#[derive(Debug)]
pub struct FieldSpec {
    /// The key inside `credentials` in the API body.
    pub key: &'static str,
    pub label: &'static str,
    pub placeholder: &'static str,
    pub kind: FieldKind,
    /// The longest value the server accepts, where it sets one.
    pub max_len: Option<usize>,
    /// Command-line flag that carries it (non-secret fields only).
    pub flag: &'static str,
}

/// How the provider's API is reached for the credential test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiBase {
    /// The user's own instance URL (TeamCity, Octopus Deploy).
    Instance,
    /// A fixed public API, overridable by an environment variable.
    Fixed {
        default: &'static str,
        env: &'static str,
    },
}

/// How the credential test authenticates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProbeAuth {
    Bearer,
    OctopusApiKey,
    BasicEmailToken,
}

/// The scopes a token needs for one use of the connection.
#[derive(Debug)]
pub struct ScopeSet {
    pub use_name: &'static str,
    /// How `--use` names it on the command line.
    pub flag_value: &'static str,
    pub scopes: &'static [&'static str],
}

/// Everything about one app. Behaviour that differs between apps is a function pointer, so the
/// wizard, the CLI and the credential test stay generic.
#[derive(Debug)]
pub struct AppSpec {
    /// URL slug in `/api/v1/app-connections/{slug}`.
    pub slug: &'static str,
    pub name: &'static str,
    pub tagline: &'static str,
    /// `method` in the API body, and how the server names it.
    pub method: &'static str,
    pub method_name: &'static str,
    /// The non-secret field (instance URL or email), if the app has one.
    pub target: Option<FieldSpec>,
    pub secret: FieldSpec,
    /// Markdown shown on the instructions step.
    pub instructions: &'static str,
    /// Where the token is made, shown as a URL on the instructions step.
    pub token_page: &'static str,
    /// What to do after the connection exists.
    pub next_steps: &'static [&'static str],
    /// Permission lists by use, where the docs give one per use (Bitbucket). The instructions
    /// replace `{{scopes}}` with the list the user picked and `{{use}}` with which one it is.
    pub scope_sets: &'static [ScopeSet],
    /// The provider's API path the credential test calls (the KMS server's own check).
    pub probe_path: &'static str,
    pub probe_auth: ProbeAuth,
    pub api_base: ApiBase,
    /// Names the API in messages, e.g. "TeamCity REST API".
    pub api_label: &'static str,
    /// Turns a successful probe body into what we learned (version, user).
    pub learned: fn(&Value) -> Vec<(String, String)>,
    /// Said after "rejected the credential" to point at the likely cause.
    pub rejected_hint: &'static str,
    /// Said when the probe path does not exist.
    pub not_found_hint: &'static str,
    /// When to retry after a 429 that names no time ("in a few minutes").
    pub rate_limit_wait: &'static str,
    /// How the provider marks its own 401s, where it does: a 401 without the marks came from
    /// something in front of it (a proxy, a single sign-on page).
    pub own_401: Option<ProviderMarks>,
    /// What a 403 on the probe path means, where it is not a rejected credential.
    pub forbidden: Option<Forbidden>,
}

/// Signs that an answer came from the provider itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProviderMarks {
    /// A header only the provider sends (TeamCity: `TeamCity-Node-Id`).
    pub header: &'static str,
    /// The realm in its `WWW-Authenticate` challenge (TeamCity: `TeamCity`).
    pub realm: &'static str,
}

/// A 403 on the probe path: the credential was accepted but lacks a permission.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Forbidden {
    /// What it means, after "{App} refused the request (403): ".
    pub meaning: &'static str,
    pub hint: &'static str,
    /// The permissions it lacks, spelled as the provider's docs spell them.
    pub missing: &'static [&'static str],
}

impl AppSpec {
    /// Looks an app up by its API slug (`teamcity`, `octopus-deploy`, `bitbucket`, `northflank`).
    pub fn by_slug(slug: &str) -> Option<&'static AppSpec> {
        CATALOG.iter().copied().find(|a| a.slug == slug)
    }

    /// The form's fields in order: name, description, the app's non-secret field, the secret.
    pub fn fields(&self) -> Vec<FieldId> {
        let mut f = vec![FieldId::Name, FieldId::Description];
        if self.target.is_some() {
            f.push(FieldId::Target);
        }
        f.push(FieldId::Secret);
        f.extend(checks::check_fields(self).iter().map(|c| c.id));
        f
    }

    pub fn field_label(&self, field: FieldId) -> &'static str {
        match field {
            FieldId::Name => "Name",
            FieldId::Description => "Description (optional)",
            FieldId::Target => self.target.as_ref().map_or("", |t| t.label),
            FieldId::Secret => self.secret.label,
            _ => checks::check_fields(self)
                .iter()
                .find(|c| c.id == field)
                .map_or("", |c| c.label),
        }
    }

    /// The secret's label inside a sentence: lowercase, acronyms kept ("API token").
    pub fn secret_noun(&self) -> String {
        self.secret
            .label
            .split(' ')
            .map(|w| {
                if w.len() > 1 && w.chars().all(|c| c.is_ascii_uppercase()) {
                    w.to_owned()
                } else {
                    w.to_lowercase()
                }
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The scope set `--use VALUE` names.
    pub fn scope_set_for_flag(&self, value: &str) -> Option<&'static ScopeSet> {
        self.scope_sets.iter().find(|s| s.flag_value == value)
    }

    /// A name that fits the slug rule, offered until the user types their own.
    pub fn suggested_name(&self) -> String {
        format!("{}-connection", self.slug)
    }

    /// Maps a key inside `credentials` (as a server reports it) to the form field.
    pub fn field_for_credential_key(&self, key: &str) -> Option<FieldId> {
        if self.secret.key == key {
            Some(FieldId::Secret)
        } else if self.target.as_ref().is_some_and(|t| t.key == key) {
            Some(FieldId::Target)
        } else {
            None
        }
    }

    /// The non-secret credentials, as they would be shown (never the secret).
    pub fn public_credentials(&self, creds: &Map<String, Value>) -> Vec<(String, String)> {
        creds
            .iter()
            .filter(|(k, _)| k.as_str() != self.secret.key)
            .map(|(k, v)| {
                let label = self
                    .target
                    .as_ref()
                    .filter(|t| t.key == k)
                    .map_or(k.as_str(), |t| t.label);
                let value = v.as_str().map_or_else(|| v.to_string(), str::to_owned);
                // Keys and values are the server's choice: cleaned both, and scrubbed of any
                // secret it echoes under another key.
                let clean =
                    |s: &str| crate::sanitize::clean_short(&crate::sanitize::scrub_held(s), 200);
                (clean(label), clean(&value))
            })
            .collect()
    }
}

/// Reads a string at a JSON pointer and cleans it for display.
pub(crate) fn text_at(v: &Value, pointer: &str) -> Option<String> {
    Some(crate::sanitize::clean_short(&raw_at(v, pointer)?, 80))
}

/// Reads a string at a JSON pointer as the server sent it: for IDs that go into a URL and
/// values that are compared. Never draw it without cleaning it first.
pub(crate) fn raw_at(v: &Value, pointer: &str) -> Option<String> {
    match v.pointer(pointer)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_has_the_four_apps_with_their_methods() {
        let pairs: Vec<_> = CATALOG.iter().map(|a| (a.slug, a.method)).collect();
        assert_eq!(
            pairs,
            [
                ("teamcity", "access-token"),
                ("octopus-deploy", "api-key"),
                ("bitbucket", "api-token"),
                ("northflank", "api-token"),
            ]
        );
    }

    #[test]
    fn fields_follow_the_form_order() {
        use FieldId::*;
        let tc = AppSpec::by_slug("teamcity").unwrap();
        assert_eq!(
            tc.fields(),
            [
                Name,
                Description,
                Target,
                Secret,
                CheckProject,
                TokenName,
                CaCert
            ]
        );
        let nf = AppSpec::by_slug("northflank").unwrap();
        assert_eq!(nf.fields(), [Name, Description, Secret, CheckProject]);
        assert_eq!(
            AppSpec::by_slug("bitbucket").unwrap().field_label(Target),
            "Email"
        );
    }

    #[test]
    fn secret_nouns_keep_their_acronyms() {
        let nouns: Vec<_> = CATALOG.iter().map(|a| a.secret_noun()).collect();
        assert_eq!(nouns, ["access token", "API key", "API token", "API token"]);
    }

    #[test]
    fn suggested_names_pass_validation() {
        for app in CATALOG {
            assert!(
                validate::name(&app.suggested_name()).is_ok(),
                "{}",
                app.slug
            );
        }
    }
}
