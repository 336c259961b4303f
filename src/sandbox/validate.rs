//! A small imitation of the server's zod schemas: it reports *every* problem as a zod issue
//! (`{code, message, path, ...}`), in schema order, because clients show the whole list.
//! Rules and messages: spec kms-api.md §3.2, §6 and §8.

use serde_json::{Map, Value, json};

use super::app_specs::{AppSpec, Field, Kind};

use crate::apps::js_text;

/// The `description` column: knex's `t.string("description")` is `varchar(255)` (the
/// app_connections create-table migration), while the schema allows 256.
pub(crate) const DESCRIPTION_COLUMN: usize = 255;

/// Whether the row fits its columns; the insert fails (a 500) when it does not.
pub(crate) fn fits_columns(description: Option<&str>) -> bool {
    description.is_none_or(|d| js_text::len(d) <= DESCRIPTION_COLUMN)
}

/// A create body that passed validation, with every string already trimmed.
#[derive(Debug)]
pub(crate) struct NewConnection {
    pub name: String,
    pub description: Option<String>,
    /// None for an organization-level connection (absent or empty, as JS treats "" as falsy).
    pub project_id: Option<String>,
    /// Every credential field, in schema order, secrets included.
    pub credentials: Vec<(&'static str, String)>,
}

impl NewConnection {
    pub(crate) fn credential(&self, key: &str) -> &str {
        self.credentials
            .iter()
            .find(|(k, _)| *k == key)
            .map_or("", |(_, v)| v.as_str())
    }
}

/// A universal-auth login body.
#[derive(Debug)]
pub(crate) struct Login {
    pub client_id: String,
    pub client_secret: String,
}

type Issues = Vec<Value>;

pub(crate) fn login(body: &[u8]) -> Result<Login, Issues> {
    let object = parse_object(body)?;
    let mut issues = Vec::new();
    let client_id = string(object.get("clientId"), &["clientId"], &mut issues);
    let client_secret = string(object.get("clientSecret"), &["clientSecret"], &mut issues);
    match (client_id, client_secret) {
        (Some(id), Some(secret)) if issues.is_empty() => Ok(Login {
            client_id: js_text::trim(id).to_string(),
            client_secret: js_text::trim(secret).to_string(),
        }),
        _ => Err(issues),
    }
}

/// `Validate<App>ConnectionCredentialsSchema.and(GenericCreateAppConnectionFieldsSchema)`:
/// the discriminated union (method, credentials) is checked first, then the generic fields.
pub(crate) fn create(spec: &AppSpec, body: &[u8]) -> Result<NewConnection, Issues> {
    let object = parse_object(body)?;
    let mut issues = Vec::new();

    let credentials = if object.get("method") == Some(&Value::from(spec.method)) {
        credentials(spec, object.get("credentials"), &mut issues)
    } else {
        // A failed discriminator stops the union: credentials are not looked at.
        issues.push(json!({
            "code": "invalid_union_discriminator",
            "options": [spec.method],
            "message": format!("Invalid discriminator value. Expected '{}'", spec.method),
            "path": ["method"],
        }));
        Vec::new()
    };

    let name = name(object.get("name"), &mut issues);
    let description = description(object.get("description"), &mut issues);
    let project_id = optional_string(object.get("projectId"), &["projectId"], &mut issues);
    unsupported_fields(spec, &object, &mut issues);

    match name {
        Some(name) if issues.is_empty() => Ok(NewConnection {
            name,
            description,
            project_id: project_id.filter(|id| !id.is_empty()),
            credentials,
        }),
        _ => Err(issues),
    }
}

/// A PATCH body that passed validation: only what it changes.
#[derive(Debug, Default)]
pub(crate) struct Update {
    pub name: Option<String>,
    /// `Some(None)` clears the description (`null`).
    pub description: Option<Option<String>>,
    pub credentials: Option<Vec<(&'static str, String)>>,
}

/// `GenericUpdateAppConnectionFieldsSchema`: every field optional; credentials, when sent, are
/// checked as a whole against the method's schema and refused with a 400 (not a 422).
pub(crate) fn update(spec: &AppSpec, body: &[u8]) -> Result<Update, Result<Issues, String>> {
    let object = parse_object(body).map_err(Ok)?;
    let mut issues = Vec::new();
    let name = object.get("name").and_then(|v| name(Some(v), &mut issues));
    let description = match object.get("description") {
        None => None,
        Some(Value::Null) => Some(None),
        Some(v) => Some(description(Some(v), &mut issues)),
    };
    unsupported_fields(spec, &object, &mut issues);
    if !issues.is_empty() {
        return Err(Ok(issues));
    }
    let credentials = match object.get("credentials") {
        None => None,
        Some(value) => {
            let mut problems = Vec::new();
            let creds = credentials(spec, Some(value), &mut problems);
            if !problems.is_empty() {
                return Err(Err(format!(
                    "Invalid credential format for {} Connection with method {}",
                    spec.name, spec.method_name
                )));
            }
            Some(creds)
        }
    };
    Ok(Update {
        name,
        description,
        credentials,
    })
}

/// Non-JSON, empty or non-object bodies fail at the top level (path []).
fn parse_object(body: &[u8]) -> Result<Map<String, Value>, Issues> {
    let value = if body.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        // Unparseable text is what the server's zod sees as a string.
        Some(serde_json::from_slice(body).unwrap_or(Value::String(String::new())))
    };
    match value {
        Some(Value::Object(object)) => Ok(object),
        other => Err(vec![invalid_type(&[], "object", other.as_ref())]),
    }
}

fn name(value: Option<&Value>, issues: &mut Issues) -> Option<String> {
    let raw = string(value, &["name"], issues)?;
    let name = js_text::trim(raw);
    let len = utf16_len(name);
    if len < 1 {
        issues.push(too_small(
            &["name"],
            1,
            "name field must be at least 1 lowercase character",
        ));
    }
    if len > 64 {
        issues.push(too_big(
            &["name"],
            64,
            "name field must be at most 64 lowercase characters",
        ));
    }
    // slugify("") == "", so the refinement passes on an empty name.
    if !name.is_empty() && !is_slug(name) {
        issues.push(custom(
            &["name"],
            "name field can only contain lowercase letters, numbers, and hyphens",
        ));
    }
    Some(name.to_string())
}

fn description(value: Option<&Value>, issues: &mut Issues) -> Option<String> {
    match value {
        None | Some(Value::Null) => None,
        Some(Value::String(raw)) => {
            let text = js_text::trim(raw);
            if utf16_len(text) > 256 {
                issues.push(too_big(
                    &["description"],
                    256,
                    "Description cannot exceed 256 characters",
                ));
            }
            Some(text.to_string())
        }
        Some(other) => {
            issues.push(invalid_type(&["description"], "string", Some(other)));
            None
        }
    }
}

/// `isPlatformManagedCredentials` must be absent or false, `gatewayId` absent or null.
fn unsupported_fields(spec: &AppSpec, object: &Map<String, Value>, issues: &mut Issues) {
    let message = format!("Not supported for {} Connections", spec.name);
    match object.get("isPlatformManagedCredentials") {
        None | Some(Value::Bool(false)) => {}
        Some(other) => issues.push(json!({
            "code": "invalid_literal",
            "expected": false,
            "received": other,
            "message": message,
            "path": ["isPlatformManagedCredentials"],
        })),
    }
    match object.get("gatewayId") {
        None | Some(Value::Null) => {}
        // `z.undefined(...).or(z.null(...))`: zod reports the union, not the inner messages.
        Some(_) => issues.push(json!({
            "code": "invalid_union",
            "message": "Invalid input",
            "path": ["gatewayId"],
        })),
    }
}

fn credentials(
    spec: &AppSpec,
    value: Option<&Value>,
    issues: &mut Issues,
) -> Vec<(&'static str, String)> {
    let Some(Value::Object(object)) = value else {
        issues.push(invalid_type(&["credentials"], "object", value));
        return Vec::new();
    };
    spec.fields
        .iter()
        .filter_map(|field| {
            let path = ["credentials", field.key];
            let raw = string(object.get(field.key), &path, issues)?;
            Some((field.key, credential(field, raw, &path, issues)))
        })
        .collect()
}

/// One credential string: format check, then `min(1)`, then `max(n)`, as zod chains them.
fn credential(field: &Field, raw: &str, path: &[&str], issues: &mut Issues) -> String {
    let value = js_text::trim(raw);
    match field.kind {
        Kind::Email if !is_email(raw) => {
            issues.push(invalid_string(path, "email", "Invalid email"));
        }
        Kind::Url if !is_http_url(value) => {
            issues.push(invalid_string(path, "url", "Invalid Instance URL"));
        }
        _ => {}
    }
    let len = utf16_len(value);
    if len < 1 {
        issues.push(too_small(path, 1, field.required));
    }
    if let Some(max) = field.max.filter(|max| len > *max) {
        let message = format!("String must contain at most {max} character(s)");
        issues.push(too_big(path, max, &message));
    }
    value.to_string()
}

/// A required string: reports "Required" when absent, "Expected string, received …" else.
fn string<'a>(value: Option<&'a Value>, path: &[&str], issues: &mut Issues) -> Option<&'a str> {
    match value {
        Some(Value::String(s)) => Some(s),
        other => {
            issues.push(invalid_type(path, "string", other));
            None
        }
    }
}

fn optional_string(value: Option<&Value>, path: &[&str], issues: &mut Issues) -> Option<String> {
    value.and_then(|v| string(Some(v), path, issues).map(str::to_string))
}

/// `^[a-z0-9]+(-[a-z0-9]+)*$`.
fn is_slug(name: &str) -> bool {
    name.split('-').all(|part| {
        !part.is_empty()
            && part
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    })
}

/// zod's `.email()` pattern: `^(?!\.)(?!.*\.\.)([A-Z0-9_'+\-\.]*)[A-Z0-9_+-]@([A-Z0-9][A-Z0-9\-]*\.)+[A-Z]{2,}$`i.
fn is_email(s: &str) -> bool {
    if s.starts_with('.') || s.contains("..") {
        return false;
    }
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    let local_ok = local
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "_'+-.".contains(c))
        && local
            .chars()
            .last()
            .is_some_and(|c| c.is_ascii_alphanumeric() || "_+-".contains(c));
    let mut labels: Vec<&str> = domain.split('.').collect();
    let tld = labels.pop().unwrap_or_default();
    let labels_ok = !labels.is_empty()
        && labels.iter().all(|label| {
            label.starts_with(|c: char| c.is_ascii_alphanumeric())
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    let tld_ok = tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic());
    local_ok && labels_ok && tld_ok
}

/// zod's `.url()` accepts anything `new URL()` parses; the providers are only reachable over
/// http(s), so the sandbox also insists on those schemes and on a host.
fn is_http_url(s: &str) -> bool {
    url::Url::parse(s)
        .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
}

/// zod measures JavaScript string length, i.e. UTF-16 code units.
fn utf16_len(s: &str) -> usize {
    js_text::len(s)
}

/// zod's `ZodParsedType` names.
fn type_name(value: Option<&Value>) -> &'static str {
    match value {
        None => "undefined",
        Some(Value::Null) => "null",
        Some(Value::Bool(_)) => "boolean",
        Some(Value::Number(_)) => "number",
        Some(Value::String(_)) => "string",
        Some(Value::Array(_)) => "array",
        Some(Value::Object(_)) => "object",
    }
}

fn invalid_type(path: &[&str], expected: &str, received: Option<&Value>) -> Value {
    let received = type_name(received);
    let message = if received == "undefined" {
        "Required".to_string()
    } else {
        format!("Expected {expected}, received {received}")
    };
    json!({
        "code": "invalid_type",
        "expected": expected,
        "received": received,
        "path": path,
        "message": message,
    })
}

fn invalid_string(path: &[&str], validation: &str, message: &str) -> Value {
    json!({ "validation": validation, "code": "invalid_string", "message": message, "path": path })
}

fn too_small(path: &[&str], minimum: usize, message: &str) -> Value {
    json!({
        "code": "too_small",
        "minimum": minimum,
        "type": "string",
        "inclusive": true,
        "exact": false,
        "message": message,
        "path": path,
    })
}

fn too_big(path: &[&str], maximum: usize, message: &str) -> Value {
    json!({
        "code": "too_big",
        "maximum": maximum,
        "type": "string",
        "inclusive": true,
        "exact": false,
        "message": message,
        "path": path,
    })
}

fn custom(path: &[&str], message: &str) -> Value {
    json!({ "code": "custom", "message": message, "path": path })
}

#[cfg(test)]
mod tests {
    use super::super::app_specs::find;
    use super::*;

    fn messages(issues: &[Value]) -> Vec<(String, String)> {
        issues
            .iter()
            .map(|i| {
                (
                    i["path"].to_string(),
                    i["message"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    }

    fn create_issues(app: &str, body: Value) -> Vec<(String, String)> {
        let err = create(find(app).unwrap(), body.to_string().as_bytes()).unwrap_err();
        messages(&err)
    }

    #[test]
    fn slug_rule() {
        for ok in ["a", "ci-teamcity", "a1-b2-c3", "007"] {
            assert!(is_slug(ok), "{ok}");
        }
        for bad in ["", "-a", "a-", "a--b", "A", "a_b", "a b", "é"] {
            assert!(!is_slug(bad), "{bad}");
        }
    }

    #[test]
    fn email_rule() {
        for ok in ["demo@example.com", "a.b+c@sub.example.io", "x_y-z@a-b.co"] {
            assert!(is_email(ok), "{ok}");
        }
        for bad in [
            "",
            "user",
            "@example.com",
            "a@b",
            "a@b.c",
            ".a@b.co",
            "a..b@c.co",
            " a@b.co",
            "a.@b.co",
            "a@-b.co",
            "a@@b.co",
        ] {
            assert!(!is_email(bad), "{bad}");
        }
    }

    #[test]
    fn every_problem_is_reported_in_schema_order() {
        let issues = create_issues(
            "teamcity",
            json!({
                "name": "Bad Name",
                "description": "x".repeat(300),
                "method": "access-token",
                "credentials": { "accessToken": "  ", "instanceUrl": "ci.example.com" },
            }),
        );
        assert_eq!(
            issues,
            vec![
                (
                    r#"["credentials","accessToken"]"#.into(),
                    "Access Token required".into()
                ),
                (
                    r#"["credentials","instanceUrl"]"#.into(),
                    "Invalid Instance URL".into()
                ),
                (
                    r#"["name"]"#.into(),
                    "name field can only contain lowercase letters, numbers, and hyphens".into()
                ),
                (
                    r#"["description"]"#.into(),
                    "Description cannot exceed 256 characters".into()
                ),
            ]
        );
    }

    #[test]
    fn wrong_method_skips_credentials() {
        let issues = create_issues(
            "octopus-deploy",
            json!({ "name": "ok", "method": "access-token", "credentials": {} }),
        );
        assert_eq!(
            issues,
            vec![(
                r#"["method"]"#.into(),
                "Invalid discriminator value. Expected 'api-key'".into()
            )]
        );
    }

    #[test]
    fn name_length_limits() {
        let issues = create_issues(
            "northflank",
            json!({ "name": "  ", "method": "api-token", "credentials": { "apiToken": "t" } }),
        );
        assert_eq!(
            issues,
            vec![(
                r#"["name"]"#.into(),
                "name field must be at least 1 lowercase character".into()
            )]
        );
        let issues = create_issues(
            "northflank",
            json!({ "name": "a".repeat(65), "method": "api-token", "credentials": { "apiToken": "t" } }),
        );
        assert_eq!(
            issues,
            vec![(
                r#"["name"]"#.into(),
                "name field must be at most 64 lowercase characters".into()
            )]
        );
    }

    #[test]
    fn bitbucket_email_checked_before_trim_and_lengths_capped() {
        let issues = create_issues(
            "bitbucket",
            json!({
                "name": "bb",
                "method": "api-token",
                "credentials": { "email": " demo@example.com", "apiToken": "t".repeat(256) },
            }),
        );
        assert_eq!(
            issues,
            vec![
                (r#"["credentials","email"]"#.into(), "Invalid email".into()),
                (
                    r#"["credentials","apiToken"]"#.into(),
                    "String must contain at most 255 character(s)".into()
                ),
            ]
        );
    }

    #[test]
    fn missing_and_mistyped_fields() {
        let issues = create_issues(
            "teamcity",
            json!({ "method": "access-token", "projectId": 5, "gatewayId": "g",
                    "isPlatformManagedCredentials": true }),
        );
        assert_eq!(
            issues,
            vec![
                (r#"["credentials"]"#.into(), "Required".into()),
                (r#"["name"]"#.into(), "Required".into()),
                (
                    r#"["projectId"]"#.into(),
                    "Expected string, received number".into()
                ),
                (
                    r#"["isPlatformManagedCredentials"]"#.into(),
                    "Not supported for TeamCity Connections".into()
                ),
                (r#"["gatewayId"]"#.into(), "Invalid input".into()),
            ]
        );
    }

    #[test]
    fn top_level_body_must_be_an_object() {
        let spec = find("teamcity").unwrap();
        for (body, received) in [
            (&b""[..], "undefined"),
            (b"name=x", "string"),
            (b"[1]", "array"),
            (b"null", "null"),
        ] {
            let issues = create(spec, body).unwrap_err();
            assert_eq!(issues.len(), 1);
            assert_eq!(issues[0]["path"], json!([]));
            assert_eq!(issues[0]["received"], received);
        }
    }

    #[test]
    fn valid_body_is_trimmed_and_unknown_keys_ignored() {
        let spec = find("octopus-deploy").unwrap();
        let body = json!({
            "name": " octo ",
            "method": "api-key",
            "projectId": "",
            "description": null,
            "whatever": 1,
            "credentials": { "instanceUrl": " https://acme.octopus.app/ ", "apiKey": " API-X " },
        });
        let conn = create(spec, body.to_string().as_bytes()).unwrap();
        assert_eq!(conn.name, "octo");
        assert_eq!(conn.project_id, None);
        assert_eq!(conn.description, None);
        assert_eq!(conn.credential("instanceUrl"), "https://acme.octopus.app/");
        assert_eq!(conn.credential("apiKey"), "API-X");
    }

    #[test]
    fn login_requires_both_fields() {
        let issues = login(b"{}").unwrap_err();
        assert_eq!(
            messages(&issues),
            vec![
                (r#"["clientId"]"#.into(), "Required".into()),
                (r#"["clientSecret"]"#.into(), "Required".into()),
            ]
        );
        let ok = login(br#"{"clientId":" a ","clientSecret":"b"}"#).unwrap();
        assert_eq!(
            (ok.client_id.as_str(), ok.client_secret.as_str()),
            ("a", "b")
        );
    }
}
