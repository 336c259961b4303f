//! TeamCity (providers.md T1–T5): the server's own URL against the one entered, who the token
//! acts as, the user's tokens and their expiry and per-project restrictions, and View / Edit
//! on a project the user named.

use serde_json::Value;

use super::{
    CheckKind, CheckLine, Ctx, Fetched, Status, answered, expiry_line, json_body, permission_line,
    quoted_list, unknown, when,
};
use crate::apps::TestOutcome;
use crate::apps::front_end::FrontEnd;
use crate::apps::{raw_at, text_at};
use crate::http::Captured;
use crate::sanitize::clean_short;

/// Permission names as TeamCity's UI and the docs spell them, by their REST ids.
const VIEW_SETTINGS: (&str, &str) = (
    "view_build_configuration_settings",
    "View build configuration settings",
);
const EDIT_PROJECT: (&str, &str) = ("edit_project", "Edit project");

const TOKENS: &str = "/app/rest/users/current/tokens?fields=count,token(name,creationTime,expirationTime,permissionRestrictions(permissionRestriction(isGlobalScope,project(id,name),permission(id,name))))";
const WHERE_TOKENS: &str = "Check it under Profile → Access Tokens.";

pub(super) async fn checks(ctx: &Ctx<'_>) -> Vec<CheckLine> {
    let project = ctx.opts.inputs.project();
    let user = ctx.get("/app/rest/users/current?fields=id,username,name,email");
    let tokens = ctx.get(TOKENS);
    let scope = async {
        match project {
            Some(p) => {
                let id = url_part(p);
                let (view, edit) = tokio::join!(
                    ctx.get(format!(
                        "/app/rest/projects/id:{id}/parameters?fields=count"
                    )),
                    ctx.get(format!(
                        "/app/rest/projects/id:{id}?fields=id,name,uuid,links(link(type))"
                    )),
                );
                Scope::Project(view, edit)
            }
            None => Scope::All(ctx.get("/app/rest/projects?fields=project(id,name)").await),
        }
    };
    let (user, tokens, scope) = tokio::join!(user, tokens, scope);
    let tokens = read_tokens(&tokens);
    let named = ctx.opts.inputs.token_name();
    let in_use = tokens.as_ref().ok().and_then(|t| in_use(t, named));
    let mut lines = vec![who(&user)];
    lines.push(expiry(ctx.now(), &tokens, named, ctx.front_end()));
    lines.push(permissions(
        project,
        &scope,
        in_use.and_then(|t| t.restrictions.as_ref()),
        ctx.front_end(),
    ));
    lines
}

/// T1: the server's own root URL (`webUrl`) against the URL entered, ignoring a trailing `/`.
pub(super) fn root_url(
    ctx: &Ctx<'_>,
    server: &TestOutcome,
    answer: Option<&Captured>,
) -> Option<CheckLine> {
    let body = answer.filter(|_| server.ok)?.json()?;
    let web_url = raw_at(&body, "/webUrl").filter(|u| !u.is_empty())?;
    let entered = ctx.base.trim_end_matches('/');
    if web_url.trim_end_matches('/').eq_ignore_ascii_case(entered) {
        return None;
    }
    Some(
        CheckLine::new(
            CheckKind::Url,
            Status::Warn,
            format!(
                "TeamCity's configured server URL is {}, not {} as entered.",
                clean_short(&web_url, 80),
                clean_short(entered, 80)
            ),
        )
        .hint("If that is the address the KMS server should use, enter it instead; if it is out of date, an administrator can fix it under Administration → Global Settings."),
    )
}

/// The token in use among the user's: the one named, else a lone token (with several and no
/// name, TeamCity cannot say which).
fn in_use<'t>(tokens: &'t [Token], named: Option<&str>) -> Option<&'t Token> {
    match (named, tokens) {
        (Some(n), _) => tokens.iter().find(|t| t.name == n),
        (None, [one]) => Some(one),
        (None, _) => None,
    }
}

/// A project id as one URL path segment.
fn url_part(id: &str) -> String {
    url::form_urlencoded::byte_serialize(id.as_bytes()).collect()
}

enum Scope {
    Project(Fetched, Fetched),
    All(Fetched),
}

fn guest() -> CheckLine {
    CheckLine::new(
        CheckKind::Who,
        Status::Warn,
        "TeamCity answered as guest or without a user: remove /guestAuth from the URL.",
    )
}

/// T2: the user behind the token.
fn who(f: &Fetched) -> CheckLine {
    if let Fetched::Answer(c) = f
        && c.status == 404
        && String::from_utf8_lossy(&c.body).contains("No current user")
    {
        return guest();
    }
    match json_body(f, "TeamCity") {
        Ok(body) => {
            let username = text_at(&body, "/username").unwrap_or_default();
            if username.is_empty() || username.eq_ignore_ascii_case("guest") {
                return guest();
            }
            let who = match text_at(&body, "/name").filter(|n| *n != username) {
                Some(name) => format!("{username} ({name})"),
                None => username,
            };
            CheckLine::new(
                CheckKind::Who,
                Status::Ok,
                format!("The token acts as TeamCity user {who}."),
            )
        }
        Err(why) => unknown(CheckKind::Who, "the user", &why),
    }
}

/// One of the user's tokens, as T3 lists it.
struct Token {
    /// As the server sent it, to match `--token-name`; cleaned where it is shown.
    name: String,
    expires: super::Expiry,
    /// (project name, permission ids) for "Limit per project" tokens; None for "Same as
    /// current user".
    restrictions: Option<Vec<(String, Vec<String>)>>,
}

/// The token list, or why it could not be read.
fn read_tokens(f: &Fetched) -> Result<Vec<Token>, String> {
    if let Fetched::Answer(c) = f
        && matches!(c.status, 403 | 404)
    {
        return Err(format!(
            "this token cannot read the user's token list ({})",
            c.status
        ));
    }
    let body = json_body(f, "TeamCity")?;
    let list = body
        .get("token")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    Ok(list.iter().map(token).collect())
}

fn token(t: &Value) -> Token {
    let restrictions = t
        .pointer("/permissionRestrictions/permissionRestriction")
        .and_then(Value::as_array)
        .map(|rs| {
            let mut by_project: Vec<(String, Vec<String>)> = Vec::new();
            for r in rs {
                let project = text_at(r, "/project/name")
                    .or_else(|| text_at(r, "/project/id"))
                    .unwrap_or_else(|| "every project".into());
                let perm = text_at(r, "/permission/id")
                    .unwrap_or_default()
                    .to_ascii_lowercase();
                match by_project.iter_mut().find(|(p, _)| *p == project) {
                    Some((_, perms)) => perms.push(perm),
                    None => by_project.push((project, vec![perm])),
                }
            }
            by_project
        });
    Token {
        name: raw_at(t, "/name").unwrap_or_else(|| "(no name)".into()),
        expires: super::Expiry::read(t.get("expirationTime"), when::parse_teamcity),
        restrictions,
    }
}

impl Token {
    fn shown(&self) -> String {
        clean_short(&self.name, 60)
    }
}

/// T3: TeamCity cannot say which token is in use, so we judge the one named, else a lone
/// token, else report the first of the user's that runs out.
fn expiry(
    now: i64,
    tokens: &Result<Vec<Token>, String>,
    named: Option<&str>,
    front_end: &FrontEnd,
) -> CheckLine {
    let tokens = match tokens {
        Ok(t) => t,
        Err(why) => {
            return CheckLine::new(
                CheckKind::Expiry,
                Status::Unknown,
                format!("Expiry unknown: {}.", clean_short(why, 100)),
            )
            .hint(WHERE_TOKENS);
        }
    };
    if let Some(n) = named {
        return match in_use(tokens, Some(n)) {
            Some(t) => expiry_line(now, t.expires, &format!("The token \"{}\"", t.shown())),
            None => {
                let names: Vec<String> = tokens.iter().map(Token::shown).collect();
                let theirs = if names.is_empty() {
                    "TeamCity lists none.".to_owned()
                } else {
                    format!("The user's tokens: {}.", quoted_list(&names))
                };
                CheckLine::new(
                    CheckKind::Expiry,
                    Status::Unknown,
                    format!(
                        "Expiry unknown: this user has no token named \"{}\".",
                        clean_short(n, 60)
                    ),
                )
                .hint(format!("{theirs} {WHERE_TOKENS}"))
            }
        };
    }
    let which = format!(
        "TeamCity cannot say which of the user's {} tokens this is: give its name {} to judge only that one.",
        tokens.len(),
        front_end.name_token
    );
    match tokens.as_slice() {
        [] => CheckLine::new(
            CheckKind::Expiry,
            Status::Unknown,
            "Expiry unknown: TeamCity lists no tokens for this user.",
        )
        .hint(WHERE_TOKENS),
        [one] => expiry_line(now, one.expires, &format!("The token \"{}\"", one.shown())),
        many => {
            // The token in use is valid (the server's check passed), so expired ones are others.
            let soonest = many
                .iter()
                .filter(|t| t.expires.at().is_some_and(|e| e > now))
                .min_by_key(|t| t.expires.at());
            match soonest {
                Some(t)
                    if when::days_left(now, t.expires.at().unwrap_or(now)) <= super::WARN_DAYS =>
                {
                    expiry_line(
                        now,
                        t.expires,
                        &format!("Token \"{}\" of this user", t.shown()),
                    )
                    .hint(which)
                }
                _ => CheckLine::new(
                    CheckKind::Expiry,
                    Status::Ok,
                    format!(
                        "None of this user's {} tokens expires within {} days.",
                        many.len(),
                        super::WARN_DAYS
                    ),
                )
                .hint(which),
            }
        }
    }
}

/// T3's restrictions (of the token in use, when known), T4's project list, T5's view / edit
/// checks on the named project.
fn permissions(
    project: Option<&str>,
    scope: &Scope,
    restricted: Option<&Vec<(String, Vec<String>)>>,
    front_end: &FrontEnd,
) -> CheckLine {
    match scope {
        Scope::Project(view, edit) => on_project(project.unwrap_or(""), view, edit, restricted),
        Scope::All(list) => {
            let mut missing = Vec::new();
            let mut on = Vec::new();
            for (p, perms) in restricted.into_iter().flatten() {
                for (id, name) in [VIEW_SETTINGS, EDIT_PROJECT] {
                    if !perms.iter().any(|x| x == id) {
                        if !missing.contains(&name.to_owned()) {
                            missing.push(name.to_owned());
                        }
                        if !on.contains(p) {
                            on.push(p.clone());
                        }
                    }
                }
            }
            if !missing.is_empty() {
                return missing_line(missing, &on.join(", "));
            }
            match json_body(list, "TeamCity") {
                Ok(body) => {
                    let n = body
                        .get("project")
                        .and_then(Value::as_array)
                        .map_or(0, |ps| {
                            ps.iter()
                                .filter(|p| p.get("id").and_then(Value::as_str) != Some("_Root"))
                                .count()
                        });
                    if n == 0 {
                        CheckLine::new(
                            CheckKind::Permissions,
                            Status::Warn,
                            "The token can see no projects.",
                        )
                        .hint(format!(
                            "Grant \"{}\" and \"{}\" on the target project.",
                            VIEW_SETTINGS.1, EDIT_PROJECT.1
                        ))
                        .missing(vec![VIEW_SETTINGS.1.into(), EDIT_PROJECT.1.into()])
                    } else {
                        CheckLine::new(
                            CheckKind::Permissions,
                            Status::Ok,
                            format!(
                                "The token sees {n} project{}.",
                                if n == 1 { "" } else { "s" }
                            ),
                        )
                        .hint(format!(
                            "Name the target project {} to check View settings and Edit project on it.",
                            front_end.name_project
                        ))
                    }
                }
                Err(why) => unknown(CheckKind::Permissions, "the projects", &why),
            }
        }
    }
}

fn missing_line(missing: Vec<String>, on: &str) -> CheckLine {
    let text = format!(
        "Missing TeamCity permission {} on {}.",
        quoted_list(&missing),
        clean_short(on, 60)
    );
    permission_line(missing, text, String::new())
        .hint("Add it to the token (Limit per project) or make a token with the user's rights.")
}

fn on_project(
    project: &str,
    view: &Fetched,
    edit: &Fetched,
    restricted: Option<&Vec<(String, Vec<String>)>>,
) -> CheckLine {
    let p = clean_short(project, 40);
    if let Fetched::Answer(c) = view
        && c.status == 404
    {
        return CheckLine::new(
            CheckKind::Permissions,
            Status::Warn,
            format!("Project {p} not found or not visible to this token."),
        )
        .hint("Use the project id from the TeamCity project's settings page.");
    }
    let mut missing = Vec::new();
    match view {
        Fetched::Answer(c) if (200..300).contains(&c.status) => {}
        Fetched::Answer(c)
            if c.status == 403 && String::from_utf8_lossy(&c.body).contains(VIEW_SETTINGS.1) =>
        {
            missing.push(VIEW_SETTINGS.1.to_owned());
        }
        Fetched::Answer(c) => {
            return unknown(
                CheckKind::Permissions,
                "the project",
                &answered("TeamCity", c),
            );
        }
        Fetched::Failed(why) => return unknown(CheckKind::Permissions, "the project", why),
    }
    // T5b: `webEdit` links and the `uuid` appear only with Edit project for this token.
    match json_body(edit, "TeamCity") {
        Ok(body) => {
            let links: Vec<String> = body
                .pointer("/links/link")
                .and_then(Value::as_array)
                .map(|ls| {
                    ls.iter()
                        .filter_map(|l| l.get("type").and_then(Value::as_str))
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default();
            let can_edit = links.iter().any(|l| l == "webEdit") || body.get("uuid").is_some();
            let decided = can_edit || !links.is_empty();
            let edit_by_restriction = restricted.map(|r| {
                r.iter()
                    .any(|(_, perms)| perms.iter().any(|x| x == EDIT_PROJECT.0))
            });
            match if decided {
                Some(can_edit)
            } else {
                edit_by_restriction
            } {
                Some(true) => {}
                Some(false) => missing.push(EDIT_PROJECT.1.to_owned()),
                // Old servers send no links, and a token with the user's rights lists no
                // restrictions: nothing says either way.
                None if missing.is_empty() => {
                    return CheckLine::new(
                        CheckKind::Permissions,
                        Status::Unknown,
                        format!(
                            "The token has \"{}\" on {p}; could not tell whether it has \"{}\" (TeamCity showed no edit links).",
                            VIEW_SETTINGS.1, EDIT_PROJECT.1
                        ),
                    )
                    .hint(format!(
                        "Check the token's permissions under Profile → Access Tokens, and the user's role on {p}."
                    ));
                }
                None => {}
            }
        }
        Err(_) if !missing.is_empty() => {}
        Err(why) => return unknown(CheckKind::Permissions, "Edit project", &why),
    }
    if missing.is_empty() {
        CheckLine::new(
            CheckKind::Permissions,
            Status::Ok,
            format!(
                "The token has \"{}\" and \"{}\" on {p}.",
                VIEW_SETTINGS.1, EDIT_PROJECT.1
            ),
        )
    } else {
        missing_line(missing, &p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apps::front_end::{COMMAND_LINE, WIZARD};
    use serde_json::json;

    fn tokens(v: Value) -> Result<Vec<Token>, String> {
        Ok(v.as_array().unwrap().iter().map(token).collect())
    }

    #[test]
    fn one_token_is_judged_by_its_own_date() {
        let now = when::parse_rfc3339("2026-02-20T00:00:00Z").unwrap();
        let t = tokens(json!([{"name": "kms", "expirationTime": "20260301T000000+0000"}]));
        let line = expiry(now, &t, None, &WIZARD);
        assert_eq!(line.status, Status::Warn);
        assert_eq!(
            line.message,
            "The token \"kms\" expires on 2026-03-01 (9 days). Rotate it before then."
        );
        let never = expiry(now, &tokens(json!([{"name": "kms"}])), None, &WIZARD);
        assert_eq!(never.message, "The token \"kms\" never expires.");
    }

    #[test]
    fn with_several_tokens_the_soonest_is_named() {
        let now = when::parse_rfc3339("2026-02-20T00:00:00Z").unwrap();
        let t = tokens(json!([
            {"name": "old", "expirationTime": "20250101T000000+0000"},
            {"name": "ci", "expirationTime": "20260225T000000+0000"},
            {"name": "kms"}
        ]));
        let line = expiry(now, &t, None, &COMMAND_LINE);
        assert_eq!(line.status, Status::Warn);
        assert!(
            line.message
                .starts_with("Token \"ci\" of this user expires on 2026-02-25")
        );
        let hint = line.hint.unwrap();
        assert!(hint.contains("3 tokens"), "{hint}");
        assert!(hint.contains("--token-name NAME"), "{hint}");
    }

    #[test]
    fn a_named_token_is_judged_alone() {
        let now = when::parse_rfc3339("2026-02-20T00:00:00Z").unwrap();
        let t = tokens(json!([
            {"name": "ci", "expirationTime": "20260225T000000+0000"},
            {"name": "kms", "expirationTime": "20261225T000000+0000"}
        ]));
        let line = expiry(now, &t, Some("kms"), &WIZARD);
        assert_eq!(line.status, Status::Ok);
        assert!(
            line.message
                .starts_with("The token \"kms\" expires on 2026-12-25"),
            "{}",
            line.message
        );
        let gone = expiry(now, &t, Some("old"), &WIZARD);
        assert_eq!(gone.status, Status::Unknown);
        assert_eq!(
            gone.message,
            "Expiry unknown: this user has no token named \"old\"."
        );
        assert!(
            gone.hint
                .unwrap()
                .starts_with("The user's tokens: \"ci\" and \"kms\".")
        );
    }

    #[test]
    fn the_named_tokens_restrictions_are_the_ones_judged() {
        let t = tokens(json!([
            { "name": "wide" },
            { "name": "kms", "permissionRestrictions": { "permissionRestriction": [
              { "project": { "id": "Backend", "name": "Backend" },
                "permission": { "id": "view_build_configuration_settings" } } ] } }
        ]))
        .unwrap();
        let restricted = in_use(&t, Some("kms")).and_then(|t| t.restrictions.as_ref());
        let line = permissions(
            None,
            &Scope::All(Fetched::Failed("x".into())),
            restricted,
            &WIZARD,
        );
        assert_eq!(line.missing, ["Edit project"]);
        assert!(
            in_use(&t, None).is_none(),
            "two tokens and no name: unknown"
        );
    }

    #[test]
    fn per_project_token_without_edit_project_is_a_warning() {
        let t = tokens(
            json!([{ "name": "kms", "permissionRestrictions": { "permissionRestriction": [
            { "isGlobalScope": false, "project": { "id": "Backend", "name": "Backend" },
              "permission": { "id": "view_build_configuration_settings", "name": "View build configuration settings" } } ] } }]),
        );
        let t = t.unwrap();
        let restricted = in_use(&t, None).and_then(|t| t.restrictions.as_ref());
        let line = permissions(
            None,
            &Scope::All(Fetched::Failed("x".into())),
            restricted,
            &WIZARD,
        );
        assert_eq!(line.status, Status::Warn);
        assert_eq!(
            line.message,
            "Missing TeamCity permission \"Edit project\" on Backend."
        );
        assert_eq!(line.missing, ["Edit project"]);
    }
}
