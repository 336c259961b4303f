//! Writing files that may hold a secret: readable only by the user (0600) from the moment
//! they exist, and replaced atomically so a crash never leaves half a file behind.

use std::fs::{self, DirBuilder, OpenOptions, Permissions};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

/// The lock file in the config directory: every read-modify-write of its files holds it.
pub const LOCK_FILE: &str = ".lock";

thread_local! {
    /// How deep this thread is in [`locked`]: a nested call (a sign-in that saves the profile,
    /// then forgets and remembers) reuses the lock it already holds.
    static DEPTH: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

/// Runs `f` holding an exclusive lock on `dir` (an advisory `flock` of `dir/.lock`, from
/// std, which is `flock(2)` on Unix), so that two processes never interleave their
/// read-modify-write of the same files: the atomic rename alone keeps every file whole, the
/// lock keeps every change. Every writer of the config files goes through here.
pub fn locked<T>(dir: &Path, f: impl FnOnce() -> Result<T, String>) -> Result<T, String> {
    if DEPTH.with(|d| d.get()) > 0 {
        return f();
    }
    ensure_dir(dir).map_err(|e| format!("Could not create {}: {e}.", dir.display()))?;
    let path = dir.join(LOCK_FILE);
    let file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .mode(FILE_MODE)
        .open(&path)
        .map_err(|e| format!("Could not open {}: {e}.", path.display()))?;
    file.lock()
        .map_err(|e| format!("Could not lock {}: {e}.", path.display()))?;
    DEPTH.with(|d| d.set(d.get() + 1));
    struct Undo;
    impl Drop for Undo {
        fn drop(&mut self) {
            DEPTH.with(|d| d.set(d.get() - 1));
        }
    }
    let _undo = Undo;
    // The lock goes with the file when it is dropped (after `f`, also on a panic).
    let out = f();
    drop(file);
    out
}

/// Creates the directory 0700, and makes an existing one of ours 0700 again if others can
/// reach into it.
fn ensure_dir(dir: &Path) -> io::Result<()> {
    DirBuilder::new()
        .recursive(true)
        .mode(DIR_MODE)
        .create(dir)?;
    // An existing directory others can reach into is made 0700 again (chmod fails, and is
    // left alone, where the directory is not the user's).
    if fs::metadata(dir)?.permissions().mode() & 0o077 != 0 {
        let _ = fs::set_permissions(dir, Permissions::from_mode(DIR_MODE));
    }
    Ok(())
}

/// A warning, once per path and process, when a file that may hold a secret (or its
/// directory) can be read or entered by others.
pub fn warn_if_loose(path: &Path) {
    static WARNED: std::sync::Mutex<Vec<std::path::PathBuf>> = std::sync::Mutex::new(Vec::new());
    let Ok(meta) = fs::metadata(path) else {
        return;
    };
    let mode = meta.permissions().mode() & 0o777;
    let wanted = if meta.is_dir() { DIR_MODE } else { FILE_MODE };
    if mode & 0o077 == 0 {
        return;
    }
    let mut warned = WARNED
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if warned.iter().any(|p| p == path) {
        return;
    }
    warned.push(path.to_owned());
    eprintln!(
        "Warning: {} has mode {mode:04o}: others can read it. kms-connect sets {wanted:04o} when it next writes there; or run chmod {wanted:o} on it.",
        crate::sanitize::clean_line(&path.display().to_string())
    );
}

/// Mode of every file kms-connect writes.
pub const FILE_MODE: u32 = 0o600;
/// Mode of the directory it creates.
pub const DIR_MODE: u32 = 0o700;

/// Writes `contents` to `path` through a temporary file in the same directory, created with
/// mode 0600 before any byte is written, then renamed over the old file.
pub fn write_private(path: &Path, contents: &str) -> io::Result<()> {
    let dir = path
        .parent()
        .ok_or_else(|| io::Error::other("the file has no directory"))?;
    ensure_dir(dir)?;
    let name = path
        .file_name()
        .map_or_else(|| "file".into(), |n| n.to_string_lossy().into_owned());
    let tmp = dir.join(format!(".{name}.{}.tmp", uuid::Uuid::new_v4().simple()));
    let result = (|| {
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(FILE_MODE)
            .open(&tmp)?;
        // The mode above passes through the umask, which can only remove bits; set it again
        // explicitly before the content goes in.
        file.set_permissions(Permissions::from_mode(FILE_MODE))?;
        file.write_all(contents.as_bytes())?;
        file.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Reads a file; a missing file is `None`, not an error. Anything but a regular file (a
/// FIFO would block forever, a device could be endless) is refused, with the path.
pub fn read_optional(path: &Path) -> io::Result<Option<String>> {
    match fs::metadata(path) {
        Ok(m) if !m.is_file() => {
            return Err(io::Error::other(format!(
                "{} is not a regular file",
                path.display()
            )));
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        _ => {}
    }
    match fs::read_to_string(path) {
        Ok(s) => Ok(Some(s)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// Removes a file; a missing file counts as removed.
pub fn remove_optional(path: &Path) -> io::Result<()> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_0600_and_replaced_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join("x.toml");
        write_private(&path, "one").unwrap();
        write_private(&path, "two").unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "two");
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, FILE_MODE);
        let dir_mode = fs::metadata(path.parent().unwrap())
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(dir_mode, DIR_MODE);
        // No temporary file is left behind.
        assert_eq!(fs::read_dir(path.parent().unwrap()).unwrap().count(), 1);
    }

    #[test]
    fn a_loose_directory_is_made_0700_on_write() {
        let dir = tempfile::tempdir().unwrap();
        fs::set_permissions(dir.path(), Permissions::from_mode(0o777)).unwrap();
        write_private(&dir.path().join("x.toml"), "x").unwrap();
        let mode = fs::metadata(dir.path()).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, DIR_MODE);
    }

    #[test]
    fn a_fifo_is_refused_with_its_path_not_waited_on() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("profiles.toml");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if !made.is_ok_and(|s| s.success()) {
            return; // no mkfifo here: nothing to test
        }
        let e = read_optional(&fifo).unwrap_err();
        assert!(e.to_string().contains("profiles.toml"), "{e}");
        assert!(read_optional(dir.path()).is_err());
    }
}
