//! The KMS server's validation rules, applied before anything is sent. The TUI shows these
//! messages under each field as the user types; the CLI prints them and exits 2. One copy.

use secrecy::{ExposeSecret, SecretString};
use serde_json::{Map, Value, json};

use super::js_text;
use super::{AppSpec, FieldKind, FieldSpec};

pub const NAME_MAX: usize = 64;
/// The schema allows 256 (`.max(256, "Description cannot exceed 256 characters")` in
/// app-connection-schemas.ts), but the column is `t.string("description")`, i.e. knex's
/// default `varchar(255)` (migration `…_app-connection.ts`, `createTable(TableName.AppConnection`):
/// a 256-unit description passes the schema and fails the insert with a 500.
pub const DESCRIPTION_MAX: usize = 255;

/// A field of the connection form.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FieldId {
    Name,
    Description,
    /// The app's non-secret credential (instance URL or email).
    Target,
    Secret,
    /// Optional, only for the deep checks: a project to check permissions on.
    CheckProject,
    /// Optional, only for the deep checks: the name of the token in use (TeamCity).
    TokenName,
    /// Optional, only for the deep checks: a CA certificate file to trust.
    CaCert,
}

impl FieldId {
    pub fn as_str(self) -> &'static str {
        match self {
            FieldId::Name => "name",
            FieldId::Description => "description",
            FieldId::Target => "target",
            FieldId::Secret => "secret",
            FieldId::CheckProject => "check_project",
            FieldId::TokenName => "token_name",
            FieldId::CaCert => "ca_cert",
        }
    }

    /// Fields that only feed the checks: never required, never sent to the KMS server.
    pub fn is_optional_check(self) -> bool {
        matches!(
            self,
            FieldId::CheckProject | FieldId::TokenName | FieldId::CaCert
        )
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    pub field: FieldId,
    pub message: String,
}

/// What the user typed, untrimmed. The secret is already wrapped.
#[derive(Debug, Clone)]
pub struct RawInput {
    pub name: String,
    pub description: String,
    pub target: String,
    pub secret: SecretString,
}

/// A connection that passed validation: trimmed, normalised, ready to send.
#[derive(Debug, Clone)]
pub struct ConnectionInput {
    pub app: &'static AppSpec,
    pub name: String,
    pub description: Option<String>,
    pub target: Option<String>,
    pub secret: SecretString,
}

pub fn name(raw: &str) -> Result<String, String> {
    let v = js_text::trim(raw);
    if v.is_empty() {
        return Err("Name is required.".into());
    }
    if js_text::len(v) > NAME_MAX {
        return Err(format!("Name must be at most {NAME_MAX} characters."));
    }
    let slug_ok = v.split('-').all(|part| {
        !part.is_empty()
            && part
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    });
    if !slug_ok {
        return Err("Use lowercase letters, digits and single hyphens (e.g. ci-teamcity).".into());
    }
    Ok(v.to_owned())
}

pub fn description(raw: &str) -> Result<Option<String>, String> {
    let v = js_text::trim(raw);
    if js_text::len(v) > DESCRIPTION_MAX {
        return Err(format!(
            "Description must be at most {DESCRIPTION_MAX} characters (now {}).",
            js_text::len(v)
        ));
    }
    Ok((!v.is_empty()).then(|| v.to_owned()))
}

/// An instance URL: http(s), a host, no user:pass@, no trailing slash.
pub fn url(raw: &str, spec: &FieldSpec) -> Result<String, String> {
    let v = js_text::trim(raw);
    if v.is_empty() {
        return Err(format!(
            "{} is required (e.g. {}).",
            spec.label, spec.placeholder
        ));
    }
    if v.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("The URL contains spaces or invisible characters: type it again.".into());
    }
    // A bare host ("ci.example.com", "ci.example.com:8111/tc") is taken as https://, as a
    // browser would, instead of being refused.
    let with_scheme;
    let v = if !v.contains("://") && looks_like_a_host(v) {
        with_scheme = format!("https://{v}");
        with_scheme.as_str()
    } else {
        v
    };
    let parsed = url::Url::parse(v).map_err(|_| {
        format!(
            "Not a valid URL: start with https:// (e.g. {}).",
            spec.placeholder
        )
    })?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err("The URL must start with https:// or http://.".into());
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err("The URL has no host name.".into());
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(
            "Remove the user:password@ part; the server refuses URLs with credentials.".into(),
        );
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        // A pasted browser address (…/app#/Spaces-1, ?tab=…) would put the API path after it.
        return Err("Use the base URL only: remove the part from ? or # on.".into());
    }
    let normalised = v.trim_end_matches('/').to_owned();
    check_len(&normalised, spec)?;
    Ok(normalised)
}

/// A host name with a dot (or localhost), maybe a port and a path: what a browser would open.
fn looks_like_a_host(v: &str) -> bool {
    let host = v.split(['/', ':']).next().unwrap_or("");
    (host.contains('.') || host.eq_ignore_ascii_case("localhost"))
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
        && !host.starts_with('.')
        && !v.contains('@')
}

pub fn email(raw: &str, spec: &FieldSpec) -> Result<String, String> {
    let v = js_text::trim(raw);
    if v.is_empty() {
        return Err("Email is required: the Atlassian account email that made the token.".into());
    }
    if !email_shape(v) {
        return Err("Not an email: use the Atlassian account email, not the username.".into());
    }
    check_len(v, spec)?;
    Ok(v.to_owned())
}

/// The server's rule (zod's email check): a local part of letters, digits and `_'+-.` that
/// neither starts with a dot nor has two in a row and ends in a letter, digit or `_+-`; then
/// `@`; then dot-separated labels of letters, digits and hyphens (not starting with a hyphen)
/// ending in a top-level domain of two or more letters.
fn email_shape(v: &str) -> bool {
    let Some((local, domain)) = v.split_once('@') else {
        return false;
    };
    let local_ok = !local.is_empty()
        && !local.starts_with('.')
        && !local.contains("..")
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_'+-.".contains(c))
        && local
            .chars()
            .last()
            .is_some_and(|c| c.is_ascii_alphanumeric() || "_+-".contains(c));
    let labels: Vec<&str> = domain.split('.').collect();
    let Some((tld, hosts)) = labels.split_last() else {
        return false;
    };
    let hosts_ok = !hosts.is_empty()
        && hosts.iter().all(|l| {
            l.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    let tld_ok = tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic());
    local_ok && hosts_ok && tld_ok
}

pub fn secret(raw: &SecretString, spec: &FieldSpec) -> Result<SecretString, String> {
    let v = js_text::trim(raw.expose_secret());
    if v.is_empty() {
        return Err(format!("{} is required.", spec.label));
    }
    check_len(v, spec)?;
    Ok(SecretString::from(v))
}

fn check_len(v: &str, spec: &FieldSpec) -> Result<(), String> {
    match spec.max_len {
        Some(max) if js_text::len(v) > max => {
            Err(format!("{} must be at most {max} characters.", spec.label))
        }
        _ => Ok(()),
    }
}

/// Checks one field; `Ok` carries nothing because only the message matters while typing.
pub fn field(app: &AppSpec, id: FieldId, raw: &RawInput) -> Result<(), String> {
    match id {
        FieldId::Name => name(&raw.name).map(drop),
        FieldId::Description => description(&raw.description).map(drop),
        FieldId::Target => match &app.target {
            Some(spec) => target(&raw.target, spec).map(drop),
            None => Ok(()),
        },
        FieldId::Secret => secret(&raw.secret, &app.secret).map(drop),
        // Checked when the test runs (a file that cannot be read is reported there).
        FieldId::CheckProject | FieldId::TokenName | FieldId::CaCert => Ok(()),
    }
}

fn target(raw: &str, spec: &FieldSpec) -> Result<String, String> {
    match spec.kind {
        FieldKind::Url => url(raw, spec),
        FieldKind::Email => email(raw, spec),
        FieldKind::Secret => Err("internal: a secret cannot be a target".into()),
    }
}

/// Validates the whole form; on failure lists every problem in form order.
pub fn connection(
    app: &'static AppSpec,
    raw: &RawInput,
) -> Result<ConnectionInput, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut note = |field: FieldId, r: Result<(), String>| {
        if let Err(message) = r {
            errors.push(FieldError { field, message });
        }
    };
    for id in app.fields() {
        note(id, field(app, id, raw));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    // Every field passed, so these cannot fail.
    Ok(ConnectionInput {
        app,
        name: name(&raw.name).unwrap_or_default(),
        description: description(&raw.description).unwrap_or_default(),
        target: app
            .target
            .as_ref()
            .and_then(|spec| target(&raw.target, spec).ok()),
        secret: secret(&raw.secret, &app.secret).unwrap_or_default(),
    })
}

impl ConnectionInput {
    /// The `credentials` object exactly as the docs show it.
    pub fn credentials(&self) -> Value {
        let mut creds = Map::new();
        if let (Some(spec), Some(value)) = (&self.app.target, &self.target) {
            creds.insert(spec.key.into(), Value::String(value.clone()));
        }
        creds.insert(
            self.app.secret.key.into(),
            Value::String(self.secret.expose_secret().to_owned()),
        );
        Value::Object(creds)
    }

    /// The create body: `name`, `method`, `projectId` (when project-level), `description`,
    /// `credentials`. Holds the secret: send it, never print it.
    pub fn create_body(&self, project_id: Option<&str>) -> Value {
        let mut body = json!({
            "name": self.name,
            "method": self.app.method,
            "credentials": self.credentials(),
        });
        if let Some(p) = project_id {
            body["projectId"] = Value::String(p.to_owned());
        }
        if let Some(d) = &self.description {
            body["description"] = Value::String(d.clone());
        }
        body
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tc() -> &'static AppSpec {
        AppSpec::by_slug("teamcity").unwrap()
    }

    #[test]
    fn name_follows_the_slug_rule() {
        assert_eq!(name("  ci-teamcity ").unwrap(), "ci-teamcity");
        for bad in ["", "  ", "Ci", "a_b", "-a", "a-", "a--b", "a b"] {
            assert!(name(bad).is_err(), "{bad:?} should fail");
        }
        assert!(name(&"a".repeat(64)).is_ok());
        assert!(name(&"a".repeat(65)).is_err());
    }

    #[test]
    fn description_is_optional_and_capped() {
        assert_eq!(description("  ").unwrap(), None);
        assert_eq!(description(" build ").unwrap().as_deref(), Some("build"));
        assert!(description(&"x".repeat(255)).is_ok());
        // The column is varchar(255): 256 passes the server's schema and fails its insert.
        assert!(description(&"x".repeat(256)).is_err());
    }

    #[test]
    fn lengths_are_counted_in_utf16_units_as_zod_counts() {
        // 128 emoji are 256 UTF-16 units (but 128 chars).
        assert!(description(&"🔑".repeat(128)).is_err());
        assert!(description(&"🔑".repeat(127)).is_ok());
        assert!(name(&"a".repeat(64)).is_ok());
        let bb = AppSpec::by_slug("bitbucket").unwrap();
        assert!(secret(&SecretString::from("🔑".repeat(128)), &bb.secret).is_err());
        let octo = AppSpec::by_slug("octopus-deploy").unwrap();
        let octo = octo.target.as_ref().unwrap();
        assert!(url(&format!("https://x.io/{}", "🔑".repeat(121)), octo).is_ok());
        assert!(url(&format!("https://x.io/{}", "🔑".repeat(122)), octo).is_err());
    }

    #[test]
    fn fields_are_trimmed_as_javascript_trims() {
        // U+FEFF (a pasted BOM) and U+00A0 are stripped by the server's trim().
        assert_eq!(name("\u{FEFF}ci-teamcity\u{00A0}").unwrap(), "ci-teamcity");
        assert_eq!(
            description("\u{2003}build\u{FEFF}").unwrap().as_deref(),
            Some("build")
        );
        let spec = tc().target.as_ref().unwrap();
        assert_eq!(
            url("\u{FEFF}https://ci.example.com\u{3000}", spec).unwrap(),
            "https://ci.example.com"
        );
        let tok = secret(&SecretString::from("\u{FEFF}tok\u{2028}"), &tc().secret).unwrap();
        assert_eq!(tok.expose_secret(), "tok");
    }

    #[test]
    fn urls_are_trimmed_and_lose_the_trailing_slash() {
        let spec = tc().target.as_ref().unwrap();
        assert_eq!(
            url(" https://ci.example.com/ ", spec).unwrap(),
            "https://ci.example.com"
        );
        assert_eq!(
            url("https://x.io/teamcity//", spec).unwrap(),
            "https://x.io/teamcity"
        );
        for bad in [
            "",
            "ci",
            "ftp://x.io",
            "https://u:p@x.io",
            "https://",
            "https://x.octopus.app/app#/Spaces-1",
            "https://ci.example.com/?tab=x",
            "https://ci.exa\tmple.com",
            "https://ci.example .com",
        ] {
            assert!(url(bad, spec).is_err(), "{bad:?} should fail");
        }
    }

    #[test]
    fn a_bare_host_is_taken_as_https() {
        let spec = tc().target.as_ref().unwrap();
        for (given, taken) in [
            ("ci.example.com", "https://ci.example.com"),
            ("ci.example.com:8111/tc/", "https://ci.example.com:8111/tc"),
            ("localhost:8111", "https://localhost:8111"),
        ] {
            assert_eq!(url(given, spec).unwrap(), taken, "{given}");
        }
        assert!(url("me@ci.example.com", spec).is_err());
    }

    #[test]
    fn octopus_url_is_capped_at_255() {
        let spec = AppSpec::by_slug("octopus-deploy")
            .unwrap()
            .target
            .as_ref()
            .unwrap();
        let long = format!("https://x.io/{}", "a".repeat(250));
        assert!(url(&long, spec).is_err());
    }

    #[test]
    fn emails_must_look_like_emails() {
        let spec = AppSpec::by_slug("bitbucket")
            .unwrap()
            .target
            .as_ref()
            .unwrap();
        assert_eq!(email(" a@b.co ", spec).unwrap(), "a@b.co");
        assert!(email("first.last+ci@mail.example.com", spec).is_ok());
        assert!(email("o'neil_x-y@ex-ample.io", spec).is_ok());
        for bad in [
            "",
            "jdoe",
            "a@b",
            "a @b.co",
            "@b.co",
            "a@@b.co",
            "a@b.c",
            "a..b@x.co",
            "a.@b.co",
            ".a@b.co",
            "a@b..co",
            "a@-b.co",
            "é@b.co",
            "a@b.c0",
        ] {
            assert!(email(bad, spec).is_err(), "{bad:?} should fail");
        }
    }

    #[test]
    fn the_whole_form_reports_every_field_in_order() {
        let raw = RawInput {
            name: "Bad Name".into(),
            description: String::new(),
            target: "nope".into(),
            secret: SecretString::from("  "),
        };
        let errs = connection(tc(), &raw).unwrap_err();
        let fields: Vec<_> = errs.iter().map(|e| e.field).collect();
        assert_eq!(fields, [FieldId::Name, FieldId::Target, FieldId::Secret]);
    }

    #[test]
    fn create_body_has_exactly_the_documented_keys() {
        let raw = RawInput {
            name: "ci".into(),
            description: "".into(),
            target: "https://ci.example.com/".into(),
            secret: SecretString::from(" tok "),
        };
        let input = connection(tc(), &raw).unwrap();
        let body = input.create_body(Some("p1"));
        assert_eq!(
            body,
            json!({"name": "ci", "method": "access-token", "projectId": "p1",
                   "credentials": {"instanceUrl": "https://ci.example.com", "accessToken": "tok"}})
        );
        let org = input.create_body(None);
        assert!(org.get("projectId").is_none());
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let raw = RawInput {
            name: "ci".into(),
            description: "".into(),
            target: "https://ci.example.com".into(),
            secret: SecretString::from("hunter2-token"),
        };
        let input = connection(tc(), &raw).unwrap();
        assert!(!format!("{input:?} {raw:?}").contains("hunter2"));
    }
}
