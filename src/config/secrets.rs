//! What is kept only when the user asked ("remember on this machine"): the universal-auth
//! client secret, in `secrets.toml`, and the access token (issued or pasted) with its expiry,
//! in `tokens.toml`.
//! Both files are 0600. Nothing here implements `Debug` with the secret in it.

use std::collections::BTreeMap;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

/// A token this close to its expiry counts as expired (requests take time).
pub const EXPIRY_MARGIN_SECS: u64 = 60;

/// One profile's entry in `secrets.toml`.
#[derive(Default, Serialize, Deserialize)]
#[serde(default)]
pub(super) struct SecretEntry {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
}

/// One profile's entry in `tokens.toml`.
#[derive(Default, Serialize, Deserialize)]
#[serde(default)]
pub(super) struct TokenEntry {
    pub access_token: String,
    /// Unix seconds; absent when the token does not expire.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<u64>,
}

pub(super) type SecretFile = BTreeMap<String, SecretEntry>;
pub(super) type TokenFile = BTreeMap<String, TokenEntry>;

pub(super) const SECRETS_HEADER: &str = "# Secrets kms-connect was asked to remember. Readable only by you (0600).\n\
# `kms-connect logout --profile NAME` removes a profile's entry.\n\n";
pub(super) const TOKENS_HEADER: &str =
    "# Access tokens cached by kms-connect, with their expiry. Readable only by you (0600).\n\n";

/// A cached access token.
#[derive(Clone)]
pub struct CachedToken {
    pub token: SecretString,
    pub expires_at: Option<u64>,
}

impl std::fmt::Debug for CachedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CachedToken")
            .field("token", &"[REDACTED]")
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

impl CachedToken {
    /// Still good at `now` (unix seconds), with a margin.
    pub fn usable(&self, now: u64) -> bool {
        self.expires_at
            .is_none_or(|t| t > now.saturating_add(EXPIRY_MARGIN_SECS))
    }

    pub(super) fn to_entry(&self) -> TokenEntry {
        TokenEntry {
            access_token: self.token.expose_secret().to_owned(),
            expires_at: self.expires_at,
        }
    }
}

/// Seconds since the Unix epoch, now.
pub fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The last second humantime (and any reader) can write: 9999-12-31T23:59:59Z. An expiry
/// the server set past it (`expiresIn` of 2^63, a JWT `exp` of u64::MAX) is "unknown".
pub const LATEST_EXPIRY: u64 = 253_402_300_799;

/// An expiry as kept: anything past [`LATEST_EXPIRY`] becomes one second past it, which
/// still reads as "unknown" and fits TOML's signed 64-bit integers (u64::MAX does not).
pub fn clamp_expiry(at: u64) -> u64 {
    at.min(LATEST_EXPIRY + 1)
}

/// `YYYY-MM-DDTHH:MM:SSZ` of a Unix time, or `None` past [`LATEST_EXPIRY`] (where adding it to
/// the epoch, or formatting it, would panic).
pub fn rfc3339(at: u64) -> Option<String> {
    (at <= LATEST_EXPIRY).then(|| {
        let when = std::time::UNIX_EPOCH + std::time::Duration::from_secs(at);
        humantime::format_rfc3339_seconds(when).to_string()
    })
}

/// As [`describe_expiry`], but a pasted token without an expiry may well expire: it just
/// does not say when (universal-auth logins always tell).
pub fn describe_token_expiry(expires_at: Option<u64>, pasted: bool, now: u64) -> String {
    match expires_at {
        None if pasted => "unknown (the token does not say)".into(),
        at => describe_expiry(at, now),
    }
}

/// An expiry in words: `2026-12-22 09:00 UTC (in 29 days)` or `expired 3 minutes ago`.
pub fn describe_expiry(expires_at: Option<u64>, now: u64) -> String {
    let Some(at) = expires_at else {
        return "does not expire".into();
    };
    let Some(stamp) = rfc3339(at) else {
        return "unknown (the server gave a time past the year 9999)".into();
    };
    let stamp = stamp.replacen('T', " ", 1).replace('Z', " UTC");
    let rough = |secs: u64| {
        let (n, unit) = match secs {
            s if s < 120 => (s, "second"),
            s if s < 7200 => (s / 60, "minute"),
            s if s < 172_800 => (s / 3600, "hour"),
            s => (s / 86_400, "day"),
        };
        format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
    };
    if at > now {
        format!("{stamp} (in {})", rough(at - now))
    } else {
        format!("{stamp} (expired {} ago)", rough(now - at))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usable_keeps_a_margin() {
        let t = |exp| CachedToken {
            token: SecretString::from("tok-zz9"),
            expires_at: exp,
        };
        assert!(t(None).usable(1000));
        assert!(t(Some(2000)).usable(1000));
        assert!(!t(Some(1030)).usable(1000));
        assert!(!t(Some(10)).usable(1000));
        assert!(!format!("{:?}", t(None)).contains("tok-zz9"));
    }

    #[test]
    fn expiry_in_words() {
        assert_eq!(describe_expiry(None, 0), "does not expire");
        let s = describe_expiry(Some(86_400 * 3), 0);
        assert_eq!(s, "1970-01-04 00:00:00 UTC (in 3 days)");
        assert!(describe_expiry(Some(0), 300).ends_with("(expired 5 minutes ago)"));
    }

    #[test]
    fn huge_expiries_from_the_server_are_unknown_not_a_panic() {
        let now = now_secs();
        for secs in [1_000_000_000_000, 1 << 63, u64::MAX] {
            let at = now.saturating_add(secs);
            assert!(
                describe_expiry(Some(at), now).starts_with("unknown"),
                "{secs}"
            );
            assert!(describe_token_expiry(Some(at), true, now).starts_with("unknown"));
            assert_eq!(rfc3339(at), None);
        }
        assert_eq!(
            rfc3339(LATEST_EXPIRY).as_deref(),
            Some("9999-12-31T23:59:59Z")
        );
    }
}
