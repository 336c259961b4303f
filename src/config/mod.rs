//! What kms-connect remembers between runs, in one directory (the user's config dir, or
//! `KMS_CONNECT_CONFIG_DIR`): `profiles.toml` (no secrets), and — only when the user chose
//! "remember on this machine" — `secrets.toml` and `tokens.toml`. Every file is 0600 and
//! written atomically. Also the sign-in that fills them (`signin`) and the one context every
//! command starts from (`context`, built by `resolve`).

pub mod context;
mod files;
pub mod profile;
pub mod resolve;
pub mod secrets;
pub mod signin;

use std::path::{Path, PathBuf};

use secrecy::{ExposeSecret, SecretString};

pub use context::{Context, NOT_SIGNED_IN, Reach};
pub use files::FILE_MODE;
pub use profile::{AuthMethod, Profile, Profiles};
pub use secrets::{CachedToken, describe_expiry, describe_token_expiry, now_secs};

use secrets::{SECRETS_HEADER, SecretFile, TOKENS_HEADER, TokenFile};

/// Overrides the directory (tests, containers).
pub const CONFIG_DIR_ENV: &str = "KMS_CONNECT_CONFIG_DIR";
/// The profile used without `--profile`; the first one saved gets this name.
pub const DEFAULT_PROFILE: &str = "default";

const PROFILES_FILE: &str = "profiles.toml";
const SECRETS_FILE: &str = "secrets.toml";
const TOKENS_FILE: &str = "tokens.toml";

/// The config directory and the files in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Store {
    dir: PathBuf,
}

impl Store {
    /// `KMS_CONNECT_CONFIG_DIR`, else the platform's config dir (`~/.config/kms-connect` on
    /// Linux). `None` when neither can be found (no home directory).
    pub fn locate() -> Option<Store> {
        if let Some(dir) = std::env::var_os(CONFIG_DIR_ENV).filter(|d| !d.is_empty()) {
            return Some(Store::at(dir));
        }
        directories::ProjectDirs::from("ai", "hanzo", "kms-connect")
            .map(|p| Store::at(p.config_dir()))
    }

    pub fn at(dir: impl Into<PathBuf>) -> Store {
        Store { dir: dir.into() }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn profiles_path(&self) -> PathBuf {
        self.dir.join(PROFILES_FILE)
    }

    pub fn secrets_path(&self) -> PathBuf {
        self.dir.join(SECRETS_FILE)
    }

    pub fn tokens_path(&self) -> PathBuf {
        self.dir.join(TOKENS_FILE)
    }

    /// All profiles; no file means none.
    pub fn profiles(&self) -> Result<Profiles, String> {
        match files::read_optional(&self.profiles_path()) {
            Ok(Some(text)) => Profiles::parse(&text)
                .map_err(|e| format!("{} is not valid TOML: {e}", self.profiles_path().display())),
            Ok(None) => Ok(Profiles::default()),
            Err(e) => Err(io_message("read", &self.profiles_path(), &e)),
        }
    }

    pub fn profile(&self, name: &str) -> Result<Option<Profile>, String> {
        Ok(self.profiles()?.profiles.remove(name))
    }

    /// Changes one profile (creating it if needed) and writes the file.
    pub fn update_profile(
        &self,
        name: &str,
        change: impl FnOnce(&mut Profile),
    ) -> Result<(), String> {
        profile::check_name(name)?;
        self.locked(|| {
            let mut all = self.profiles()?;
            change(all.profiles.entry(name.to_owned()).or_default());
            self.write(&self.profiles_path(), &all.render())
        })
    }

    /// Runs `f` holding the config directory's lock: every read-modify-write of the files
    /// goes through here (nested calls reuse the lock), so concurrent logins never lose or
    /// mix each other's changes.
    pub fn locked<T>(&self, f: impl FnOnce() -> Result<T, String>) -> Result<T, String> {
        files::locked(&self.dir, f)
    }

    /// The client secret kept for a profile, if the user asked to remember it.
    pub fn stored_secret(&self, name: &str) -> Option<SecretString> {
        let secret = self.secret_file().remove(name)?.client_secret?;
        crate::sanitize::hold_secret(&secret);
        Some(SecretString::from(secret))
    }

    pub fn cached_token(&self, name: &str) -> Option<CachedToken> {
        let entry = self.token_file().remove(name)?;
        crate::sanitize::hold_secret(&entry.access_token);
        Some(CachedToken {
            token: SecretString::from(entry.access_token),
            expires_at: entry.expires_at,
        })
    }

    pub fn remember_secret(&self, name: &str, secret: &SecretString) -> Result<(), String> {
        self.locked(|| {
            let mut file = self.secret_file();
            file.entry(name.to_owned()).or_default().client_secret =
                Some(secret.expose_secret().to_owned());
            self.write_toml(&self.secrets_path(), SECRETS_HEADER, &file)
        })
    }

    pub fn cache_token(&self, name: &str, token: &CachedToken) -> Result<(), String> {
        self.locked(|| {
            let mut file = self.token_file();
            file.insert(name.to_owned(), token.to_entry());
            self.write_toml(&self.tokens_path(), TOKENS_HEADER, &file)
        })
    }

    /// Deletes the profile's stored secret and cached token. True if anything was there (or
    /// may have been: see [`Store::forget_reporting`]).
    pub fn forget(&self, name: &str) -> Result<bool, String> {
        self.forget_reporting(name)
            .map(|(removed, notes)| removed || !notes.is_empty())
    }

    /// As [`Store::forget`], with what had to be done beyond removing entries: a file that
    /// cannot be parsed is removed whole (it may hold this profile's secret), and said so.
    /// A file that cannot be read at all is an error naming it: never "nothing was stored"
    /// while a secret may remain.
    pub fn forget_reporting(&self, name: &str) -> Result<(bool, Vec<String>), String> {
        self.locked(|| {
            let mut removed = false;
            let mut notes = Vec::new();
            for (path, header) in [
                (self.secrets_path(), SECRETS_HEADER),
                (self.tokens_path(), TOKENS_HEADER),
            ] {
                let text = files::read_optional(&path).map_err(|e| {
                    format!(
                        "Could not read {}: {e}. A secret of profile \"{name}\" may remain there: remove it by hand.",
                        path.display()
                    )
                })?;
                let Some(text) = text else { continue };
                match toml::from_str::<toml::Table>(&text) {
                    Ok(mut map) => {
                        if map.remove(name).is_some() {
                            removed = true;
                            self.rewrite_or_remove(&path, header, &map)?;
                        }
                    }
                    Err(_) => {
                        files::remove_optional(&path).map_err(|e| io_message("remove", &path, &e))?;
                        notes.push(format!(
                            "{} could not be read as TOML: removed it whole (it may have held this profile's secret).",
                            path.display()
                        ));
                    }
                }
            }
            Ok((removed, notes))
        })
    }

    fn secret_file(&self) -> SecretFile {
        self.warn_if_loose(&self.secrets_path());
        read_map(&self.secrets_path())
    }

    fn token_file(&self) -> TokenFile {
        self.warn_if_loose(&self.tokens_path());
        read_map(&self.tokens_path())
    }

    fn warn_if_loose(&self, path: &Path) {
        if path.exists() {
            files::warn_if_loose(&self.dir);
            files::warn_if_loose(path);
        }
    }

    fn rewrite_or_remove<T: serde::Serialize>(
        &self,
        path: &Path,
        header: &str,
        map: &T,
    ) -> Result<(), String> {
        let empty = toml::Table::try_from(map).is_ok_and(|t| t.is_empty());
        if empty {
            files::remove_optional(path).map_err(|e| io_message("remove", path, &e))
        } else {
            self.write_toml(path, header, map)
        }
    }

    fn write_toml<T: serde::Serialize>(
        &self,
        path: &Path,
        header: &str,
        value: &T,
    ) -> Result<(), String> {
        let body = toml::to_string(value).map_err(|e| e.to_string())?;
        self.write(path, &format!("{header}{body}"))
    }

    fn write(&self, path: &Path, text: &str) -> Result<(), String> {
        files::write_private(path, text).map_err(|e| io_message("write", path, &e))
    }
}

/// A `[name]`-keyed TOML file; missing or unreadable counts as empty (it only ever holds
/// what kms-connect itself wrote, and losing it only costs a sign-in).
fn read_map<T: serde::de::DeserializeOwned>(path: &Path) -> std::collections::BTreeMap<String, T> {
    files::read_optional(path)
        .ok()
        .flatten()
        .and_then(|t| toml::from_str(&t).ok())
        .unwrap_or_default()
}

fn io_message(verb: &str, path: &Path, e: &std::io::Error) -> String {
    format!("Could not {verb} {}: {e}.", path.display())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn secrets_and_tokens_live_apart_from_profiles_and_logout_removes_them() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::at(dir.path());
        store
            .update_profile("default", |p| {
                p.server = "https://kms.example.com".into();
                p.client_id = Some("id-1".into());
            })
            .unwrap();
        store
            .remember_secret("default", &SecretString::from("s3cret-value"))
            .unwrap();
        store
            .cache_token(
                "default",
                &CachedToken {
                    token: SecretString::from("tok-value"),
                    expires_at: Some(42),
                },
            )
            .unwrap();
        let profiles = std::fs::read_to_string(store.profiles_path()).unwrap();
        assert!(!profiles.contains("s3cret") && !profiles.contains("tok-value"));
        for path in [
            store.profiles_path(),
            store.secrets_path(),
            store.tokens_path(),
        ] {
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{}", path.display());
        }
        assert_eq!(
            store.stored_secret("default").unwrap().expose_secret(),
            "s3cret-value"
        );
        assert_eq!(store.cached_token("default").unwrap().expires_at, Some(42));
        assert!(store.forget("default").unwrap());
        assert!(store.stored_secret("default").is_none());
        assert!(store.cached_token("default").is_none());
        assert!(!store.secrets_path().exists() && !store.tokens_path().exists());
        // The profile itself stays.
        assert_eq!(
            store
                .profile("default")
                .unwrap()
                .unwrap()
                .client_id
                .as_deref(),
            Some("id-1")
        );
        assert!(!store.forget("default").unwrap());
    }
}
