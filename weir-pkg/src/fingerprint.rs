//! Freshness of a built executable (packages.md §4: "`weir build` with nothing changed does no
//! parsing, checking or codegen, and says the target is fresh").
//!
//! A fingerprint file beside the executable records the compiler, the build options, the stamp
//! (size, modification time, inode) of every input file — every manifest, every module, every
//! native source and every file under a package's `include` folders — and the executable's own
//! stamp. The target is fresh when the same set of files exists with the same stamps, the options
//! and compiler are the same, and the executable was not touched since. Nothing is read but
//! metadata, so a no-op build costs one `stat` per file.
//!
//! Invariants: the fingerprint is written only after a successful build, atomically; an
//! unreadable or foreign fingerprint means "not fresh".

use std::path::{Path, PathBuf};

use bincode::Options as _;
use serde::{Deserialize, Serialize};

use crate::compile::Project;
use crate::fsutil::{atomic_write, FileStamp};

const FORMAT: u32 = 1;

#[derive(Serialize, Deserialize, PartialEq)]
struct Record {
    format: u32,
    compiler: String,
    options: String,
    files: Vec<(PathBuf, Stamp)>,
    output: (PathBuf, Stamp),
}

#[derive(Serialize, Deserialize, PartialEq, Clone, Copy)]
struct Stamp {
    size: u64,
    mtime_ns: i128,
    ino: u64,
}

fn stamp(path: &Path) -> Option<Stamp> {
    let s = FileStamp::of(path).ok()?;
    Some(Stamp {
        size: s.size,
        mtime_ns: s.mtime_ns,
        ino: s.ino,
    })
}

/// Every input file of the project's build, in a deterministic order.
pub fn inputs(project: &Project) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for &id in &project.graph.order {
        let m = &project.graph.package(id).manifest;
        files.push(m.path.clone());
        if let Some(native) = &m.native {
            for s in &native.sources {
                files.push(m.root.join(s));
            }
            for inc in &native.include {
                let dir = m.root.join(inc);
                let mut found: Vec<PathBuf> = walkdir::WalkDir::new(&dir)
                    .sort_by_file_name()
                    .into_iter()
                    .filter_map(Result::ok)
                    .filter(|e| e.file_type().is_file())
                    .map(|e| e.into_path())
                    .collect();
                found.sort();
                files.extend(found);
            }
        }
    }
    files.extend(project.modules.iter().map(|m| m.path.clone()));
    files
}

fn record(project: &Project, options: &str, output: &Path) -> Option<Record> {
    let mut files = Vec::new();
    for f in inputs(project) {
        let s = stamp(&f)?;
        files.push((f, s));
    }
    Some(Record {
        format: FORMAT,
        compiler: crate::cache::compiler_id(),
        options: options.to_string(),
        files,
        output: (output.to_path_buf(), stamp(output)?),
    })
}

/// Whether `output` is up to date according to the fingerprint at `path`.
pub fn is_fresh(path: &Path, project: &Project, options: &str, output: &Path) -> bool {
    let Ok(bytes) = std::fs::read(path) else {
        return false;
    };
    let Ok(old) = bincode::DefaultOptions::new()
        .with_limit(bytes.len() as u64)
        .with_fixint_encoding()
        .allow_trailing_bytes()
        .deserialize::<Record>(&bytes)
    else {
        return false;
    };
    record(project, options, output).is_some_and(|now| now == old)
}

/// Records the inputs of a successful build of `output`.
pub fn write(path: &Path, project: &Project, options: &str, output: &Path) {
    if let Some(r) = record(project, options, output) {
        if let Ok(bytes) = bincode::DefaultOptions::new()
            .with_fixint_encoding()
            .serialize(&r)
        {
            let _ = atomic_write(path, &bytes);
        }
    }
}
