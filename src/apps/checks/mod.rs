//! The deep credential checks: beyond the KMS server's own check (the first line, unchanged),
//! who the credential belongs to, when it expires, and whether it has the permissions the
//! chosen use needs (providers.md T1–T5, O1–O4, B1–B5, N1–N2).
//!
//! Every extra check is a read-only GET, runs alongside the others, has its own timeout, and
//! can only add ⚠ or unknown lines: the list passes exactly when the server's check passes.

mod bitbucket;
mod northflank;
mod octopus;
mod private_address;
mod teamcity;
pub mod when;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Serialize;
use serde_json::Value;

use super::front_end::FrontEnd;
use super::probe::{self, Advice, TestOutcome};
use super::{ApiBase, AppSpec, ConnectionInput, FieldId, ProviderEndpoints};
use crate::http::{self, Captured, TransportFailure};
use crate::sanitize::clean_short;

/// A credential expiring within this many days gets a ⚠.
pub const WARN_DAYS: i64 = 30;
/// How long each extra check may take before it is reported as unknown.
pub const CHECK_TIMEOUT: Duration = Duration::from_secs(10);

/// How one line of the checklist came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Ok,
    Warn,
    Fail,
    /// The provider cannot say, or the check could not run.
    Unknown,
}

impl Status {
    /// The mark drawn in front of the line.
    pub fn mark(self) -> &'static str {
        match self {
            Status::Ok => "✓",
            Status::Warn => "⚠",
            Status::Fail => "✗",
            Status::Unknown => "?",
        }
    }
}

/// What a line is about; stable names for scripts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckKind {
    /// The KMS server's own check: reachable, really that provider, credential accepted.
    Server,
    Who,
    Expiry,
    Permissions,
    /// Trust that depends on a CA the user added.
    Tls,
    /// The URL entered against the one the provider says is its own.
    Url,
}

/// One line: a mark, one sentence, maybe what to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckLine {
    pub check: CheckKind,
    pub status: Status,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    /// Missing permissions or scopes, spelled as the provider's docs spell them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub missing: Vec<String>,
    /// When the credential expires (UTC, RFC 3339), where the provider said.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
}

impl CheckLine {
    pub fn new(check: CheckKind, status: Status, message: impl Into<String>) -> Self {
        CheckLine {
            check,
            status,
            message: message.into(),
            hint: None,
            missing: Vec::new(),
            expires_at: None,
        }
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    fn missing(mut self, missing: Vec<String>) -> Self {
        self.missing = missing;
        self
    }

    /// The line for the server's own check.
    pub fn server(o: &TestOutcome) -> Self {
        let status = match (o.ok, o.cautions.is_empty()) {
            (true, true) => Status::Ok,
            (true, false) => Status::Warn,
            (false, _) => Status::Fail,
        };
        let message = std::iter::once(o.message.as_str())
            .chain(o.cautions.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join(" ");
        CheckLine {
            hint: o.hint.clone(),
            missing: o.missing.clone(),
            ..CheckLine::new(CheckKind::Server, status, message)
        }
    }
}

/// What the user told us beyond the credential, for the permission checks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CheckInputs {
    /// A project the connection will sync to (TeamCity or Northflank project id), to check
    /// permissions on.
    pub project: Option<String>,
    /// The name of the token in use (TeamCity), to judge its own expiry and restrictions.
    pub token_name: Option<String>,
    /// The use to judge scopes for (a scope set's `use_name`); None judges every use.
    pub use_name: Option<String>,
    /// A CA certificate file added to the trusted roots.
    pub ca_cert: Option<String>,
}

impl CheckInputs {
    /// The project to check, if one was given (blank counts as none).
    pub fn project(&self) -> Option<&str> {
        given(&self.project)
    }

    /// The token's name, if one was given (blank counts as none).
    pub fn token_name(&self) -> Option<&str> {
        given(&self.token_name)
    }
}

fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// Inputs plus the time and the timeout: the checks never read the clock themselves.
#[derive(Debug, Clone)]
pub struct CheckOptions {
    pub inputs: CheckInputs,
    /// Now, as Unix seconds.
    pub now: i64,
    pub timeout: Duration,
    /// The front end's words for the actions hints point at.
    pub front_end: &'static FrontEnd,
    /// The KMS server's API base, to judge the instance URL as it will: a ⚠ when it would
    /// refuse an internal address. None: not judged.
    pub kms_api: Option<String>,
}

impl CheckOptions {
    pub fn new(inputs: CheckInputs, now: SystemTime, front_end: &'static FrontEnd) -> Self {
        let now = now
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
        CheckOptions {
            inputs,
            now,
            timeout: CHECK_TIMEOUT,
            front_end,
            kms_api: None,
        }
    }

    /// The same options, judging the instance URL as the KMS server at `api_base` will.
    pub fn for_kms(mut self, api_base: &str) -> Self {
        self.kms_api = Some(api_base.to_owned());
        self
    }

    fn advice(&self) -> Advice<'_> {
        Advice {
            front_end: self.front_end,
            ca_cert: self.inputs.ca_cert.as_deref(),
        }
    }
}

/// The result of a test: the server's check and the lines after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checklist {
    pub server: TestOutcome,
    pub extra: Vec<CheckLine>,
}

impl Checklist {
    /// Just the server's check (when nothing else ran).
    pub fn server_only(server: TestOutcome) -> Self {
        Checklist {
            server,
            extra: Vec::new(),
        }
    }

    /// Passes exactly when the server's check passes; extra lines never fail it.
    pub fn ok(&self) -> bool {
        self.server.ok
    }

    /// Every line, the server's first.
    pub fn lines(&self) -> Vec<CheckLine> {
        std::iter::once(CheckLine::server(&self.server))
            .chain(self.extra.iter().cloned())
            .collect()
    }

    pub fn warnings(&self) -> usize {
        count_warnings(&self.extra)
    }
}

/// The ⚠ and ✗ lines among the checks after the server's own.
pub fn count_warnings(extra: &[CheckLine]) -> usize {
    extra
        .iter()
        .filter(|l| matches!(l.status, Status::Warn | Status::Fail))
        .count()
}

impl Serialize for Checklist {
    /// The server's outcome at the top level (`ok`, `code`, `message`, …), then `warnings` and
    /// `checks`, every line with the server's first.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct View<'a> {
            #[serde(flatten)]
            server: &'a TestOutcome,
            warnings: usize,
            checks: Vec<CheckLine>,
        }
        View {
            server: &self.server,
            warnings: self.warnings(),
            checks: self.lines(),
        }
        .serialize(s)
    }
}

/// An optional form field that only feeds the checks (never sent to the KMS server).
#[derive(Debug)]
pub struct CheckField {
    pub id: FieldId,
    pub label: &'static str,
    pub placeholder: &'static str,
    pub help: &'static str,
}

const PROJECT_FIELD: CheckField = CheckField {
    id: FieldId::CheckProject,
    label: "Project to check",
    placeholder: "optional: a project id, e.g. Backend",
    help: "checks View settings and Edit project on it",
};
const NORTHFLANK_PROJECT_FIELD: CheckField = CheckField {
    id: FieldId::CheckProject,
    label: "Project to check",
    placeholder: "optional: a project id, e.g. web",
    help: "checks the API role can list and read its secret groups",
};
const TOKEN_NAME_FIELD: CheckField = CheckField {
    id: FieldId::TokenName,
    label: "Token name",
    placeholder: "optional: the token's name, e.g. kms",
    help: "judges that token's expiry and project limits",
};
const CA_FIELD: CheckField = CheckField {
    id: FieldId::CaCert,
    label: "CA certificate",
    placeholder: "optional: path to a PEM file",
    help: "adds a CA to trust; the KMS server needs it too",
};

/// The optional check fields each app's form shows, after the secret.
pub fn check_fields(app: &AppSpec) -> &'static [CheckField] {
    match app.slug {
        "teamcity" => &[PROJECT_FIELD, TOKEN_NAME_FIELD, CA_FIELD],
        "octopus-deploy" => &[CA_FIELD],
        "northflank" => &[NORTHFLANK_PROJECT_FIELD],
        _ => &[],
    }
}

/// Runs the server's check and the app's extra checks, in parallel where they do not depend
/// on each other. Never returns the secret in any string.
pub async fn run_checks(
    client: &reqwest::Client,
    input: &ConnectionInput,
    endpoints: &ProviderEndpoints,
    opts: &CheckOptions,
) -> Checklist {
    let probe_url = probe::probe_url(input.app, input, endpoints);
    let ctx = Ctx {
        client,
        input,
        opts,
        base: probe_url
            .strip_suffix(input.app.probe_path)
            .unwrap_or(&probe_url)
            .to_owned(),
    };
    let probe = probe::run_captured(client, input, endpoints, opts.advice());
    let (server, mut extra) = match input.app.slug {
        "teamcity" => {
            let ((server, answer), lines) = tokio::join!(probe, teamcity::checks(&ctx));
            let url = teamcity::root_url(&ctx, &server, answer.as_ref());
            (server, url.into_iter().chain(lines).collect())
        }
        "northflank" => tokio::join!(async { probe.await.0 }, northflank::checks(&ctx)),
        "octopus-deploy" => {
            let (server, answer) = probe.await;
            let lines = octopus::checks(&ctx, &server, answer.as_ref()).await;
            (server, lines)
        }
        "bitbucket" => {
            let (server, answer) = probe.await;
            let lines = bitbucket::checks(&ctx, &server, answer.as_ref()).await;
            (server, lines)
        }
        _ => (probe.await.0, Vec::new()),
    };
    let mut server = server;
    if let (true, Some(kms), ApiBase::Instance, Some(target)) = (
        server.ok,
        opts.kms_api.as_deref(),
        input.app.api_base,
        input.target.as_deref(),
    ) && let Some(caution) = private_address::caution(kms, target).await
    {
        server.cautions.push(caution);
    }
    if let Some(line) = ca_line(&ctx, &server) {
        extra.push(line);
    }
    if !server.ok {
        extra = after_a_failed_server_check(extra);
    }
    Checklist { server, extra }
}

/// The extra lines when the server's own check failed. A ✓ or ⚠ next to a refused credential
/// would say the opposite of the verdict, so those checks are shown as not checked (one line
/// per kind); a ✗ stays, as it explains the refusal (an expired token says when it expired);
/// checks that could not run only add noise and go.
fn after_a_failed_server_check(extra: Vec<CheckLine>) -> Vec<CheckLine> {
    let mut out: Vec<CheckLine> = Vec::new();
    for line in extra {
        match line.status {
            Status::Fail => out.push(line),
            Status::Unknown => {}
            Status::Ok | Status::Warn => {
                if !out.iter().any(|l| l.check == line.check) {
                    out.push(not_checked(line.check));
                }
            }
        }
    }
    out
}

/// A check shown as not run because the server's own check failed.
pub fn not_checked(kind: CheckKind) -> CheckLine {
    let what = match kind {
        CheckKind::Server => "The server's check",
        CheckKind::Who => "Who the credential belongs to",
        CheckKind::Expiry => "When the credential expires",
        CheckKind::Permissions => "Permissions",
        CheckKind::Tls => "Trust through the added CA",
        CheckKind::Url => "The provider's own URL",
    };
    CheckLine::new(
        kind,
        Status::Unknown,
        format!("{what}: not checked, as the server's check failed."),
    )
}

/// The outcome when the CA certificate the user named cannot be used (nothing was sent).
pub fn ca_unusable(why: String) -> TestOutcome {
    TestOutcome {
        ok: false,
        code: probe::OutcomeCode::Unexpected,
        message: why,
        hint: Some("Fix the CA certificate field, or empty it to use this machine's CAs.".into()),
        missing: Vec::new(),
        learned: Vec::new(),
        retry_after_secs: None,
        url: String::new(),
        cautions: Vec::new(),
    }
}

/// Said plainly whenever the answer was trusted only through a CA the user added.
fn ca_line(ctx: &Ctx<'_>, server: &TestOutcome) -> Option<CheckLine> {
    let file = ctx.opts.inputs.ca_cert.as_deref()?;
    if !ctx.base.to_ascii_lowercase().starts_with("https://") {
        return None;
    }
    let status = if server.ok {
        Status::Warn
    } else {
        Status::Unknown
    };
    Some(
        CheckLine::new(
            CheckKind::Tls,
            status,
            format!(
                "TLS was trusted through the CA in {}: the KMS server must trust that CA too.",
                clean_short(file, 50)
            ),
        )
        .hint(
            "Self-hosted: install the CA on the KMS server (its CA store or NODE_EXTRA_CA_CERTS); KMS Cloud cannot use a private CA.",
        ),
    )
}

/// What one extra request needs.
pub(crate) struct Ctx<'a> {
    client: &'a reqwest::Client,
    input: &'a ConnectionInput,
    opts: &'a CheckOptions,
    /// The provider's API base, without the probe path.
    base: String,
}

/// An extra request's result: the provider's answer, or why there was none.
pub(crate) enum Fetched {
    Answer(Captured),
    Failed(String),
}

impl Ctx<'_> {
    /// GET `path` (with query) on the provider's API, authenticated like the server's check.
    async fn get(&self, path: impl std::fmt::Display) -> Fetched {
        let url = format!("{}{path}", self.base);
        let req = match probe::authorized(self.client.get(&url), self.input, &url) {
            Ok(req) => req,
            Err(o) => return Fetched::Failed(o.message),
        };
        let send = async {
            let resp = req.send().await?;
            http::capture(resp).await
        };
        match tokio::time::timeout(self.opts.timeout, send).await {
            Err(_) => Fetched::Failed(format!(
                "no answer within {} s",
                self.opts.timeout.as_secs()
            )),
            Ok(Err(e)) => Fetched::Failed(
                TransportFailure::classify(&e)
                    .describe(&http::host_of(&url))
                    .trim_end_matches('.')
                    .to_owned(),
            ),
            Ok(Ok(mut c)) => {
                // What the provider sent is scrubbed of the secret before any line quotes it.
                probe::scrub_captured(&mut c, &probe::secret_forms(self.input));
                Fetched::Answer(c)
            }
        }
    }

    fn front_end(&self) -> &'static FrontEnd {
        self.opts.front_end
    }

    fn app(&self) -> &'static AppSpec {
        self.input.app
    }

    fn now(&self) -> i64 {
        self.opts.now
    }
}

/// A 2xx JSON body, or why not (for an unknown line).
fn json_body(f: &Fetched, name: &str) -> Result<Value, String> {
    match f {
        Fetched::Failed(why) => Err(why.clone()),
        Fetched::Answer(c) if (200..300).contains(&c.status) && !c.is_html() => c
            .json()
            .ok_or_else(|| format!("{name} answered something that is not JSON")),
        Fetched::Answer(c) => Err(answered(name, c)),
    }
}

/// "{Provider} answered 403: …", for lines that could not be decided.
fn answered(name: &str, c: &Captured) -> String {
    let said = probe::provider_text(c.json().as_ref(), 160).unwrap_or_else(|| c.first_line());
    if said.is_empty() {
        format!("{name} answered {}", c.status)
    } else {
        format!("{name} answered {}: {said}", c.status)
    }
}

/// "Could not check …" with the reason.
fn unknown(check: CheckKind, what: &str, why: &str) -> CheckLine {
    let why = clean_short(why, 200);
    let stop = if why.ends_with(['.', '…']) { "" } else { "." };
    CheckLine::new(
        check,
        Status::Unknown,
        format!("Could not check {what}: {why}{stop}"),
    )
}

/// What a provider's expiry field says: nothing (never expires), a time, or something that
/// is no date we can read (a `?` line, never a guess and never a crash).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expiry {
    Never,
    At(i64),
    Unreadable,
}

impl Expiry {
    /// Reads the field: absent, null or empty is "never"; a string `parse` cannot read, or
    /// any other JSON, is unreadable.
    pub fn read(field: Option<&Value>, parse: fn(&str) -> Option<i64>) -> Expiry {
        match field {
            None | Some(Value::Null) => Expiry::Never,
            Some(Value::String(s)) if s.trim().is_empty() => Expiry::Never,
            Some(v) => v
                .as_str()
                .and_then(parse)
                .map_or(Expiry::Unreadable, Expiry::At),
        }
    }

    pub fn at(self) -> Option<i64> {
        match self {
            Expiry::At(t) => Some(t),
            _ => None,
        }
    }
}

impl From<Option<i64>> for Expiry {
    fn from(v: Option<i64>) -> Expiry {
        v.map_or(Expiry::Never, Expiry::At)
    }
}

/// The expiry line for a credential that expires at `expires` (never, a time, or a date that
/// could not be read), said of `subject` ("The token", "The API key \"ci\"").
pub fn expiry_line(now: i64, expires: impl Into<Expiry>, subject: &str) -> CheckLine {
    let at = match expires.into() {
        Expiry::At(at) => at,
        Expiry::Never => {
            return CheckLine::new(
                CheckKind::Expiry,
                Status::Ok,
                format!("{subject} never expires."),
            );
        }
        Expiry::Unreadable => {
            return CheckLine::new(
                CheckKind::Expiry,
                Status::Unknown,
                format!("{subject}: could not read the expiry date the provider gave."),
            );
        }
    };
    let date = when::date(at);
    let days = when::days_left(now, at);
    let n = match days {
        1 => "1 day".to_owned(),
        n => format!("{n} days"),
    };
    let mut line = if at <= now {
        CheckLine::new(
            CheckKind::Expiry,
            Status::Fail,
            format!("{subject} expired on {date}."),
        )
        .hint("Make a new one, then update the connection.")
    } else if days <= WARN_DAYS {
        CheckLine::new(
            CheckKind::Expiry,
            Status::Warn,
            format!("{subject} expires on {date} ({n}). Rotate it before then."),
        )
    } else {
        CheckLine::new(
            CheckKind::Expiry,
            Status::Ok,
            format!("{subject} expires on {date} ({n})."),
        )
    };
    line.expires_at = Some(when::rfc3339(at));
    line
}

/// The permission line: ⚠ naming what is missing, else ✓ with what was confirmed.
fn permission_line(missing: Vec<String>, missing_text: String, ok_text: String) -> CheckLine {
    if missing.is_empty() {
        CheckLine::new(CheckKind::Permissions, Status::Ok, ok_text)
    } else {
        CheckLine::new(CheckKind::Permissions, Status::Warn, missing_text).missing(missing)
    }
}

/// Strings of a JSON array, cleaned.
fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(|s| clean_short(s, 60))
                .collect()
        })
        .unwrap_or_default()
}

/// `"A", "B" and "C"` for messages.
fn quoted_list(items: &[String]) -> String {
    let q: Vec<String> = items.iter().map(|i| format!("\"{i}\"")).collect();
    match q.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use when::DAY;

    #[test]
    fn an_expiry_that_cannot_be_read_is_a_question_not_never() {
        let hostile = json!("20250905T00112\u{e9}\u{2026}\u{1b}]0;x\u{7}");
        for parse in [
            when::parse_teamcity as fn(&str) -> Option<i64>,
            when::parse_rfc3339,
        ] {
            assert_eq!(Expiry::read(Some(&hostile), parse), Expiry::Unreadable);
            assert_eq!(Expiry::read(Some(&json!(12)), parse), Expiry::Unreadable);
            assert_eq!(Expiry::read(Some(&Value::Null), parse), Expiry::Never);
            assert_eq!(Expiry::read(None, parse), Expiry::Never);
        }
        let line = expiry_line(0, Expiry::Unreadable, "The token");
        assert_eq!(line.status, Status::Unknown);
        assert!(line.message.contains("could not read the expiry date"));
    }

    #[test]
    fn expiry_warns_within_thirty_days_and_fails_once_expired() {
        let now = 1_800_000_000;
        let far = expiry_line(now, Some(now + 90 * DAY), "The token");
        assert_eq!(far.status, Status::Ok);
        assert!(far.message.ends_with("(90 days)."), "{}", far.message);
        let soon = expiry_line(now, Some(now + 5 * DAY), "The token");
        assert_eq!(soon.status, Status::Warn);
        assert_eq!(
            soon.message,
            "The token expires on 2027-01-20 (5 days). Rotate it before then."
        );
        assert_eq!(soon.expires_at.as_deref(), Some("2027-01-20T08:00:00Z"));
        let edge = expiry_line(now, Some(now + 30 * DAY), "The token");
        assert_eq!(edge.status, Status::Warn);
        let past = expiry_line(now, Some(now - DAY), "The token");
        assert_eq!(past.status, Status::Fail);
        assert_eq!(past.message, "The token expired on 2027-01-14.");
        let never = expiry_line(now, None, "The token");
        assert_eq!(
            (never.status, never.message.as_str()),
            (Status::Ok, "The token never expires.")
        );
    }

    #[test]
    fn warnings_never_fail_the_list() {
        let server = TestOutcome {
            ok: true,
            code: probe::OutcomeCode::Ok,
            message: "ok".into(),
            hint: None,
            missing: Vec::new(),
            learned: Vec::new(),
            retry_after_secs: None,
            url: "u".into(),
            cautions: Vec::new(),
        };
        let list = Checklist {
            server,
            extra: vec![CheckLine::new(CheckKind::Expiry, Status::Fail, "expired")],
        };
        assert!(list.ok());
        assert_eq!(list.warnings(), 1);
        let json = serde_json::to_value(&list).unwrap();
        assert_eq!(json["ok"], true);
        assert_eq!(json["checks"][0]["check"], "server");
        assert_eq!(json["checks"][1]["status"], "fail");
    }

    #[test]
    fn lists_read_naturally() {
        let l = |v: &[&str]| quoted_list(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(l(&["A"]), "\"A\"");
        assert_eq!(l(&["A", "B", "C"]), "\"A\", \"B\" and \"C\"");
    }
}
