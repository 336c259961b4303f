//! Reading a secret: from standard input or a named environment variable, never from argv. A
//! pipe is read whole (up to a cap); a terminal gets a prompt on stderr and no echo, so a typed
//! or pasted secret never shows on screen.

use std::io::{IsTerminal, Read};

use secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroize;

use super::Failure;
use crate::apps::AppSpec;
use crate::sanitize::clean_line;

/// No credential is anywhere near this long; a larger input is a mistake (a file, a binary).
const MAX_BYTES: u64 = 64 * 1024;

/// An app's secret from `--secret-stdin` or `--secret-env VAR`. An empty one is left to the
/// form's own rule, which names the field.
pub fn credential(stdin: bool, env: Option<&str>, app: &AppSpec) -> Result<SecretString, Failure> {
    if stdin {
        return read(&app.secret_noun());
    }
    if let Some(var) = env {
        return std::env::var(var).map(SecretString::from).map_err(|_| {
            Failure::input(format!(
                "Environment variable {} is not set (it should hold the {}).",
                clean_line(var),
                app.secret.label
            ))
        });
    }
    Err(Failure::input(format!(
        "Give the {} with --secret-stdin or --secret-env VAR (secrets are never taken from the command line).",
        app.secret.label
    )))
}

/// A secret that must not be empty, from standard input (`login`'s client secret or token).
pub fn required(what: &str) -> Result<SecretString, Failure> {
    let secret = read(what)?;
    if secret.expose_secret().is_empty() {
        return Err(Failure::input(format!("Standard input held no {what}.")));
    }
    Ok(secret)
}

/// The secret from standard input, trimmed. `what` names it in messages ("access token").
fn read(what: &str) -> Result<SecretString, Failure> {
    let mut raw = if std::io::stdin().is_terminal() {
        eprint!("Type or paste the {what} (it is not shown), then Enter: ");
        rpassword::read_password().map_err(|e| could_not_read(what, &e))?
    } else {
        let mut s = String::new();
        std::io::stdin()
            .take(MAX_BYTES + 1)
            .read_to_string(&mut s)
            .map_err(|e| could_not_read(what, &e))?;
        if s.len() as u64 > MAX_BYTES {
            s.zeroize();
            let mut failure = Failure::input(format!(
                "Standard input holds more than {} KiB; no {what} is that long.",
                MAX_BYTES / 1024
            ));
            failure.lines.push(format!(
                "Pipe in only the {what}, e.g. printf '%s' \"$TOKEN\" | …"
            ));
            return Err(failure);
        }
        s
    };
    let secret = SecretString::from(raw.trim().to_owned());
    crate::sanitize::hold_secret(raw.trim());
    raw.zeroize();
    Ok(secret)
}

fn could_not_read(what: &str, e: &std::io::Error) -> Failure {
    Failure::input(format!(
        "Could not read the {what} from standard input: {e}."
    ))
}
