//! Reading a secret from standard input. A pipe is read whole (up to a cap); a terminal gets a
//! prompt on stderr and no echo, so a typed or pasted secret never shows on screen.

use std::io::{IsTerminal, Read};

use secrecy::SecretString;
use zeroize::Zeroize;

use super::Failure;

/// No credential is anywhere near this long; a larger input is a mistake (a file, a binary).
const MAX_BYTES: u64 = 64 * 1024;

/// The secret from standard input, trimmed. `what` names it in messages ("access token").
pub fn read(what: &str) -> Result<SecretString, Failure> {
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
    raw.zeroize();
    Ok(secret)
}

fn could_not_read(what: &str, e: &std::io::Error) -> Failure {
    Failure::input(format!(
        "Could not read the {what} from standard input: {e}."
    ))
}
