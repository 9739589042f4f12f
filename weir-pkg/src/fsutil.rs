//! File-system helpers shared by the build cache, the lock and native compilation: atomic writes,
//! the build-folder lock, SHA-256 hashing and cheap change stamps.
//!
//! Invariants:
//! - [`atomic_write`] never leaves a partially written destination: readers see either the old
//!   file or the complete new one. The temporary file lives in the destination's folder (so the
//!   final `rename` never crosses file systems) and is removed when anything fails. There is no
//!   `fsync`: the write is atomic against concurrent readers and crashes of the process, not
//!   against power loss, and every reader of our files treats a corrupt file as a cache miss.
//! - [`DirLock`] is an advisory `flock` on `DIR/.lock`, one per open file description, released
//!   when the value is dropped (or the process dies). The lock file is never deleted: deleting it
//!   would let two processes lock two different files of the same name. Only Unix locks; elsewhere
//!   the lock is a no-op.
//! - [`Hasher`] hashes *fields*: every field is tagged and length-prefixed, so the field sequences
//!   `("ab", "c")` and `("a", "bc")` never hash alike.
//! - [`FileStamp`] is read from metadata only (size, mtime in nanoseconds, inode). Equal stamps do
//!   not prove equal contents (a rewrite within one timestamp tick keeps the mtime), so callers
//!   that must be exact confirm with a hash; see `native.rs` for the rule used there.

use std::fs::{self, File, OpenOptions};
use std::hash::{BuildHasher, Hasher as _};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use sha2::{Digest, Sha256};

/// Writes `bytes` to `path` atomically: a uniquely named temporary file in the same folder
/// (pid + counter + random suffix) is written, then renamed over `path`. Never leaves a partial
/// `path`; removes the temporary file on error. Creates the parent folders.
pub fn atomic_write(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let file_name = path.file_name().ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("`{}` does not name a file", path.display()),
        )
    })?;
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    fs::create_dir_all(dir)?;
    let (tmp, mut file) = create_unique(dir, file_name.to_string_lossy().as_ref())?;
    let res = file
        .write_all(bytes)
        .and_then(|()| file.flush())
        .and_then(|()| {
            drop(file);
            fs::rename(&tmp, path)
        });
    if res.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    res
}

/// Returns a path in `dir`, unused until now, for a temporary file derived from `name` (the file
/// is not created). Used where another program writes the file (a compiler's `-o`).
pub(crate) fn temp_path(dir: &Path, name: &str) -> PathBuf {
    dir.join(temp_name(name))
}

/// Creates a new, uniquely named file in `dir` (`O_EXCL`, retrying on a name clash).
fn create_unique(dir: &Path, name: &str) -> io::Result<(PathBuf, File)> {
    let mut attempts = 0;
    loop {
        let tmp = dir.join(temp_name(name));
        match OpenOptions::new().write(true).create_new(true).open(&tmp) {
            Ok(file) => return Ok((tmp, file)),
            Err(err) if err.kind() == io::ErrorKind::AlreadyExists && attempts < 100 => {
                attempts += 1;
            }
            Err(err) => return Err(err),
        }
    }
}

/// `.NAME.tmp.PID.COUNTER.RANDOM`: hidden, and unique within the process by the counter and
/// across processes by the pid (the random part guards against pid reuse by a crashed writer).
fn temp_name(name: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!(
        ".{name}.tmp.{}.{n}.{:08x}",
        std::process::id(),
        random_u64() as u32
    )
}

/// A random-ish number from the standard library's per-process random hash keys.
pub(crate) fn random_u64() -> u64 {
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
    );
    hasher.finish()
}

/// An exclusive advisory lock (`flock`) on `DIR/.lock`, held until dropped.
#[derive(Debug)]
pub struct DirLock {
    /// Kept open: the lock belongs to this open file description.
    file: File,
    path: PathBuf,
}

impl DirLock {
    /// Creates `dir` and takes the lock. If another process (or another open file description in
    /// this process) holds it, calls `on_wait()` once (the CLI prints "Blocking: waiting for file
    /// lock on build folder") and then blocks until the lock is free.
    pub fn acquire(dir: &Path, on_wait: impl FnOnce()) -> io::Result<DirLock> {
        fs::create_dir_all(dir)?;
        let path = dir.join(".lock");
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)?;
        lock_exclusive(&file, on_wait)?;
        Ok(DirLock { file, path })
    }

    /// The lock file, `DIR/.lock`.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for DirLock {
    fn drop(&mut self) {
        unlock(&self.file);
    }
}

#[cfg(unix)]
fn lock_exclusive(file: &File, on_wait: impl FnOnce()) -> io::Result<()> {
    use std::os::unix::io::AsRawFd;
    let fd = file.as_raw_fd();
    loop {
        // SAFETY: `fd` is an open descriptor owned by `file` for the duration of the call.
        if unsafe { libc::flock(fd, libc::LOCK_EX | libc::LOCK_NB) } == 0 {
            return Ok(());
        }
        let err = io::Error::last_os_error();
        if err.raw_os_error() == Some(libc::EWOULDBLOCK) {
            break;
        }
        if err.kind() != io::ErrorKind::Interrupted {
            return Err(err);
        }
    }
    on_wait();
    loop {
        // SAFETY: as above.
        if unsafe { libc::flock(fd, libc::LOCK_EX) } == 0 {
            return Ok(());
        }
        let err = io::Error::last_os_error();
        if err.kind() != io::ErrorKind::Interrupted {
            return Err(err);
        }
    }
}

#[cfg(unix)]
fn unlock(file: &File) {
    use std::os::unix::io::AsRawFd;
    // SAFETY: the descriptor is open; closing it would release the lock anyway.
    unsafe {
        libc::flock(file.as_raw_fd(), libc::LOCK_UN);
    }
}

#[cfg(not(unix))]
fn lock_exclusive(_file: &File, _on_wait: impl FnOnce()) -> io::Result<()> {
    Ok(())
}

#[cfg(not(unix))]
fn unlock(_file: &File) {}

/// The SHA-256 digest of `bytes`.
pub fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// The SHA-256 digest of `bytes` as 64 lowercase hex digits.
pub fn sha256_hex(bytes: &[u8]) -> String {
    to_hex(&sha256(bytes))
}

/// Lowercase hex of `bytes`.
pub(crate) fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 0xf)] as char);
    }
    out
}

/// An incremental SHA-256 over a sequence of fields. Each field is tagged with its kind and
/// (for byte strings) prefixed with its length, so adjacent fields cannot run together.
#[derive(Clone, Debug, Default)]
pub struct Hasher(Sha256);

impl Hasher {
    /// An empty hasher.
    pub fn new() -> Self {
        Hasher(Sha256::new())
    }

    /// Adds a byte-string field.
    pub fn update(&mut self, bytes: &[u8]) {
        self.0.update(b"b");
        self.0.update((bytes.len() as u64).to_le_bytes());
        self.0.update(bytes);
    }

    /// Adds a string field (same encoding as [`Hasher::update`] of its UTF-8 bytes).
    pub fn update_str(&mut self, s: &str) {
        self.update(s.as_bytes());
    }

    /// Adds an integer field.
    pub fn update_u64(&mut self, n: u64) {
        self.0.update(b"u");
        self.0.update(n.to_le_bytes());
    }

    /// The digest of the fields so far, as 64 lowercase hex digits.
    pub fn finish_hex(self) -> String {
        to_hex(&self.0.finalize())
    }
}

/// Cheap change detection without reading the file: size, modification time (nanoseconds since
/// the Unix epoch, negative before it) and inode number (0 where there is none).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FileStamp {
    pub size: u64,
    pub mtime_ns: i128,
    pub ino: u64,
}

impl FileStamp {
    /// The stamp of `path` (following symbolic links).
    pub fn of(path: &Path) -> io::Result<FileStamp> {
        Ok(FileStamp::from_metadata(&fs::metadata(path)?))
    }

    /// The stamp described by `meta`.
    #[cfg(unix)]
    pub fn from_metadata(meta: &fs::Metadata) -> FileStamp {
        use std::os::unix::fs::MetadataExt;
        FileStamp {
            size: meta.size(),
            mtime_ns: i128::from(meta.mtime()) * 1_000_000_000 + i128::from(meta.mtime_nsec()),
            ino: meta.ino(),
        }
    }

    /// The stamp described by `meta`.
    #[cfg(not(unix))]
    pub fn from_metadata(meta: &fs::Metadata) -> FileStamp {
        let mtime_ns = match meta.modified() {
            Ok(t) => match t.duration_since(std::time::UNIX_EPOCH) {
                Ok(d) => d.as_nanos() as i128,
                Err(e) => -(e.duration().as_nanos() as i128),
            },
            Err(_) => 0,
        };
        FileStamp {
            size: meta.len(),
            mtime_ns,
            ino: 0,
        }
    }
}

/// `path` relative to the current folder when it lies below it (for messages); otherwise `path`
/// unchanged. The current folder itself is shown as `.`.
pub fn display_path(path: &Path) -> PathBuf {
    if !path.is_absolute() {
        // `./src/x.weir` reads better as `src/x.weir`.
        let clean: PathBuf = path
            .components()
            .filter(|c| !matches!(c, std::path::Component::CurDir))
            .collect();
        return if clean.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            clean
        };
    }
    let Ok(cwd) = std::env::current_dir() else {
        return path.to_path_buf();
    };
    match path.strip_prefix(&cwd) {
        Ok(rel) if rel.as_os_str().is_empty() => PathBuf::from("."),
        Ok(rel) => rel.to_path_buf(),
        Err(_) => path.to_path_buf(),
    }
}

/// Makes `path` absolute by joining it to the current folder (no symlink resolution, no `..`
/// folding). Falls back to `path` itself if the current folder cannot be read.
pub(crate) fn absolute(path: &Path) -> PathBuf {
    if path.is_absolute() {
        return path.to_path_buf();
    }
    match std::env::current_dir() {
        Ok(cwd) => cwd.join(path),
        Err(_) => path.to_path_buf(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_digest_of_empty_input() {
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(to_hex(&sha256(b"abc")), sha256_hex(b"abc"));
    }

    #[test]
    fn temp_names_are_unique_and_hidden() {
        let a = temp_name("x");
        let b = temp_name("x");
        assert_ne!(a, b);
        assert!(a.starts_with(".x.tmp."));
    }

    #[test]
    fn display_path_strips_the_current_folder() {
        let cwd = std::env::current_dir().unwrap();
        assert_eq!(display_path(&cwd.join("a/b.c")), PathBuf::from("a/b.c"));
        assert_eq!(display_path(&cwd), PathBuf::from("."));
        assert_eq!(display_path(Path::new("rel/x")), PathBuf::from("rel/x"));
        let outside = Path::new("/definitely-not-below-cwd/x");
        if !outside.starts_with(&cwd) {
            assert_eq!(display_path(outside), outside.to_path_buf());
        }
    }
}
