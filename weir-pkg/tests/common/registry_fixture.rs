//! Test registries built on the fly: package archives made with `tar` + `flate2` directly (also
//! hostile ones, with raw entry names), published into a registry folder by hand (archive at the
//! default `dl` location, one index line with its checksum).

#![allow(dead_code)]

use std::io::Write;
use std::path::Path;

use weir_pkg::fsutil::sha256_hex;
use weir_pkg::index::index_path;

/// One tar entry. Names are written raw into the header (no validation), so tests can build
/// archives with `..`, absolute paths or links.
pub enum Entry<'a> {
    File(&'a str, &'a [u8]),
    Dir(&'a str),
    Symlink(&'a str, &'a str),
    Hardlink(&'a str, &'a str),
    Fifo(&'a str),
}

/// A gzip tarball of `entries`, in order.
pub fn targz(entries: &[Entry<'_>]) -> Vec<u8> {
    let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let mut b = tar::Builder::new(gz);
    for e in entries {
        let (name, kind, data, link): (&str, tar::EntryType, &[u8], Option<&str>) = match e {
            Entry::File(n, d) => (n, tar::EntryType::Regular, d, None),
            Entry::Dir(n) => (n, tar::EntryType::Directory, b"", None),
            Entry::Symlink(n, t) => (n, tar::EntryType::Symlink, b"", Some(t)),
            Entry::Hardlink(n, t) => (n, tar::EntryType::Link, b"", Some(t)),
            Entry::Fifo(n) => (n, tar::EntryType::Fifo, b"", None),
        };
        let mut h = tar::Header::new_gnu();
        {
            let old = h.as_old_mut();
            assert!(
                name.len() < old.name.len(),
                "entry name too long for a test"
            );
            old.name[..name.len()].copy_from_slice(name.as_bytes());
            if let Some(l) = link {
                old.linkname[..l.len()].copy_from_slice(l.as_bytes());
            }
        }
        h.set_entry_type(kind);
        h.set_size(data.len() as u64);
        h.set_mode(if kind == tar::EntryType::Directory {
            0o755
        } else {
            0o644
        });
        h.set_mtime(0);
        h.set_cksum();
        b.append(&h, data).unwrap();
    }
    let gz = b.into_inner().unwrap();
    gz.finish().unwrap()
}

/// The manifest text of a library package.
pub fn manifest(name: &str, version: &str) -> String {
    format!("(package (name \"{name}\") (version \"{version}\"))\n")
}

/// A well-formed archive of NAME VERSION: `NAME-VERSION/` with `weir.pkg`, `lib.weir` and the
/// extra `files`.
pub fn package_archive(name: &str, version: &str, files: &[(&str, &str)]) -> Vec<u8> {
    let top = format!("{name}-{version}");
    let man = manifest(name, version);
    let lib = format!("(def version \"{version}\")\n");
    let mut names: Vec<(String, Vec<u8>)> = vec![
        (format!("{top}/weir.pkg"), man.into_bytes()),
        (format!("{top}/lib.weir"), lib.into_bytes()),
    ];
    for (p, c) in files {
        names.push((format!("{top}/{p}"), c.as_bytes().to_vec()));
    }
    let top_dir = format!("{top}/");
    let mut entries = vec![Entry::Dir(&top_dir)];
    for (n, d) in &names {
        entries.push(Entry::File(n, d));
    }
    targz(&entries)
}

/// Puts `archive` at the default `dl` place of registry folder `reg` and appends an index line
/// for it with `cksum` (the archive's own SHA-256 when `None`). Returns the checksum written.
pub fn publish_with(
    reg: &Path,
    name: &str,
    version: &str,
    deps: &[(&str, &str)],
    archive: &[u8],
    cksum: Option<&str>,
) -> String {
    let dir = reg.join(name);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(format!("{name}-{version}.weirpkg")), archive).unwrap();
    let cksum = cksum.map_or_else(|| sha256_hex(archive), str::to_string);
    let deps: Vec<String> = deps
        .iter()
        .map(|(n, r)| format!("{{\"name\":\"{n}\",\"req\":\"{r}\",\"kind\":\"normal\"}}"))
        .collect();
    let line = format!(
        "{{\"name\":\"{name}\",\"vers\":\"{version}\",\"deps\":[{}],\"cksum\":\"{cksum}\",\"native\":false,\"yanked\":false}}\n",
        deps.join(",")
    );
    let index = reg.join(index_path(name));
    std::fs::create_dir_all(index.parent().unwrap()).unwrap();
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(index)
        .unwrap();
    f.write_all(line.as_bytes()).unwrap();
    cksum
}

/// Publishes a well-formed package; returns its checksum.
pub fn publish(reg: &Path, name: &str, version: &str, deps: &[(&str, &str)]) -> String {
    publish_with(
        reg,
        name,
        version,
        deps,
        &package_archive(name, version, &[]),
        None,
    )
}

/// Every file and folder below `dir`, relative, sorted (`/` separators, folders end in `/`).
pub fn tree(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        let rel = p
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let ft = e.file_type().unwrap();
        if ft.is_dir() {
            out.push(format!("{rel}/"));
            walk(root, &p, out);
        } else {
            out.push(rel);
        }
    }
}
