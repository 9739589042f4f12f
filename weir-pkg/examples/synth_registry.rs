//! Writes a synthetic folder registry for the registry benchmark (bench/registry.sh):
//!
//! ```text
//! cargo run --release -p weir-pkg --example synth_registry -- OUT_DIR \
//!     [--packages 1000] [--versions 10] [--max-deps 5] [--seed N] [--check]
//! ```
//!
//! - Packages `p0000`, `p0001`, ... (at least four digits). Package `i` depends only on
//!   packages with lower numbers, so the graph is acyclic.
//! - Versions: the first 60% are `1.0.0`, `1.1.0`, ...; the rest `2.0.0`, `2.1.0`, ...
//! - Version `k` of a package was "published" when its dependency had reached a proportional
//!   version `j`; its requirement is one of `^1.3`, `~1.3`, `>=1.3, <1.6`, `^1`, `=1.3.0`, `*`
//!   around version `j` (always matching `j`). The newest version of every package requires
//!   ranges that contain the newest version of each dependency, so "every package at its newest
//!   version" satisfies every requirement and the registry is always solvable; older versions
//!   pin older ranges, as real registries do.
//! - Every version has a real archive made by `archive::pack` from a package folder (its
//!   `weir.pkg` declares the registry dependencies; `src/lib.weir` imports each dependency and
//!   defines `(pub defn value () : i64 ...)`), published with `publish::publish_to`.
//! - `OUT_DIR/app` is an application with 20 registry dependencies (newest-compatible `^MAJOR`
//!   requirements on packages spread over the range) whose `main.weir` calls `value` of each.
//!
//! - `--check`: afterwards, resolve the app's dependencies against the new registry with
//!   `resolve::resolve` and print how many packages were chosen (fails when there is no solution).
//!
//! Deterministic: the same arguments give byte-identical output. OUT_DIR must be missing or
//! empty. Archives are packed in parallel (rayon) and published in order.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use rayon::prelude::*;
use semver::Version;

use weir_pkg::index::IndexEntry;
use weir_pkg::manifest::Manifest;
use weir_pkg::registry::Location;

struct Config {
    out: PathBuf,
    packages: usize,
    versions: usize,
    max_deps: usize,
    seed: u64,
    check: bool,
}

/// splitmix64: a small, good, dependency-free deterministic generator.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// One version to publish.
struct Spec {
    name: String,
    version: Version,
    /// (dependency name, requirement)
    deps: Vec<(String, String)>,
}

fn main() -> ExitCode {
    let cfg = match parse_args() {
        Ok(c) => c,
        Err(msg) => {
            eprintln!("synth_registry: {msg}");
            eprintln!(
                "usage: synth_registry OUT_DIR [--packages 1000] [--versions 10] [--max-deps 5] [--seed N] [--check]"
            );
            return ExitCode::from(2);
        }
    };
    match run(&cfg) {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("synth_registry: {msg}");
            ExitCode::FAILURE
        }
    }
}

fn parse_args() -> Result<Config, String> {
    let mut args = std::env::args().skip(1);
    let mut out = None;
    let mut cfg = Config {
        out: PathBuf::new(),
        packages: 1000,
        versions: 10,
        max_deps: 5,
        seed: 1,
        check: false,
    };
    while let Some(a) = args.next() {
        let mut num = |flag: &str| -> Result<u64, String> {
            let v = args.next().ok_or(format!("{flag} needs a value"))?;
            v.parse()
                .map_err(|_| format!("{flag}: `{v}` is not a number"))
        };
        match a.as_str() {
            "--packages" => cfg.packages = num("--packages")? as usize,
            "--versions" => cfg.versions = num("--versions")? as usize,
            "--max-deps" => cfg.max_deps = num("--max-deps")? as usize,
            "--seed" => cfg.seed = num("--seed")?,
            "--check" => cfg.check = true,
            s if s.starts_with("--") => return Err(format!("unknown flag `{s}`")),
            s if out.is_none() => out = Some(PathBuf::from(s)),
            s => return Err(format!("unexpected argument `{s}`")),
        }
    }
    cfg.out = out.ok_or("OUT_DIR is missing")?;
    if cfg.packages == 0 || cfg.versions == 0 {
        return Err("--packages and --versions must be at least 1".into());
    }
    Ok(cfg)
}

fn run(cfg: &Config) -> Result<(), String> {
    if cfg.out.exists()
        && fs::read_dir(&cfg.out)
            .map_err(|e| format!("cannot read `{}`: {e}", cfg.out.display()))?
            .next()
            .is_some()
    {
        return Err(format!(
            "`{}` is not empty: give a new or empty folder",
            cfg.out.display()
        ));
    }
    fs::create_dir_all(&cfg.out).map_err(|e| format!("cannot create the output folder: {e}"))?;
    let out = std::path::absolute(&cfg.out).map_err(|e| e.to_string())?;
    let start = std::time::Instant::now();
    let specs = plan(cfg);
    let work = tempfile::Builder::new()
        .prefix("weir-synth")
        .tempdir()
        .map_err(|e| format!("cannot create a temporary folder: {e}"))?;

    // Pack in parallel (each version in its own folder), then publish in order.
    let packed: Vec<Result<(IndexEntry, Vec<u8>), String>> = specs
        .par_iter()
        .enumerate()
        .map(|(i, spec)| pack_one(&work.path().join(i.to_string()), spec))
        .collect();
    let location = Location::Dir(out.clone());
    for item in packed {
        let (entry, archive) = item?;
        weir_pkg::publish::publish_to(&location, &entry, &archive).map_err(|e| e.to_string())?;
    }
    let _ = fs::remove_file(out.join(".lock"));
    write_app(cfg, &out.join("app"))?;
    eprintln!(
        "synth_registry: {} packages, {} versions, app with {} deps in `{}` ({:.1}s)",
        cfg.packages,
        specs.len(),
        app_deps(cfg).len(),
        out.display(),
        start.elapsed().as_secs_f64()
    );
    if cfg.check {
        check(cfg, &out)?;
    }
    Ok(())
}

/// Resolves the app's dependencies against the registry at `out`.
fn check(cfg: &Config, out: &Path) -> Result<(), String> {
    let start = std::time::Instant::now();
    let deps: Vec<(String, semver::VersionReq)> = app_deps(cfg)
        .into_iter()
        .map(|(n, r)| Ok((n, semver::VersionReq::parse(&r).map_err(|e| e.to_string())?)))
        .collect::<Result<_, String>>()?;
    let mut index = weir_pkg::index::DirIndex::new(out);
    let res = weir_pkg::resolve::resolve(
        "app",
        &Version::new(0, 1, 0),
        &deps,
        &mut index,
        &Default::default(),
    )
    .map_err(|e| format!("the app does not resolve: {e}"))?;
    eprintln!(
        "synth_registry: the app resolves to {} packages ({:.2}s)",
        res.packages.len(),
        start.elapsed().as_secs_f64()
    );
    Ok(())
}

fn name(cfg: &Config, i: usize) -> String {
    let width = (cfg.packages - 1).to_string().len().max(4);
    format!("p{i:0width$}")
}

/// The `k`-th version (0-based) of a package with `n` versions.
fn version(k: usize, n: usize) -> Version {
    let ones = (n * 6).div_ceil(10).max(1);
    if k < ones {
        Version::new(1, k as u64, 0)
    } else {
        Version::new(2, (k - ones) as u64, 0)
    }
}

/// A requirement that matches `v` (and, when `newest`, any later version of its major too, so
/// that the newest versions of everything fit together).
fn requirement(rng: &mut Rng, v: &Version, newest: bool) -> String {
    let (maj, min) = (v.major, v.minor);
    if newest {
        return match rng.below(3) {
            0 => format!("^{maj}"),
            1 => format!("^{maj}.{min}"),
            _ => format!(">={maj}.{min}, <{}", maj + 1),
        };
    }
    match rng.below(10) {
        0..=3 => format!("^{maj}.{min}"),
        4 => format!("~{maj}.{min}"),
        5 | 6 => format!(">={maj}.{}, <{maj}.{}", min.saturating_sub(1), min + 3),
        7 => format!("^{maj}"),
        8 => format!("={v}"),
        _ => "*".to_string(),
    }
}

/// Every version to publish, in publishing order (packages by number, versions ascending).
fn plan(cfg: &Config) -> Vec<Spec> {
    let mut rng = Rng(cfg.seed ^ 0x5745_4952);
    let n = cfg.versions;
    let mut specs = Vec::with_capacity(cfg.packages * n);
    for i in 0..cfg.packages {
        // Dependencies: distinct lower-numbered packages, half of them "popular" low numbers.
        let want = if i == 0 {
            0
        } else {
            rng.below(cfg.max_deps.min(i) + 1)
        };
        let mut deps: Vec<usize> = Vec::new();
        while deps.len() < want {
            let d = if rng.below(2) == 0 {
                rng.below(i.min(20))
            } else {
                rng.below(i)
            };
            if !deps.contains(&d) {
                deps.push(d);
            }
        }
        deps.sort_unstable();
        for k in 0..n {
            let newest = k == n - 1;
            // The first version has only the first half of the dependencies.
            let used = if k == 0 { deps.len() / 2 } else { deps.len() };
            let mut list = Vec::new();
            for &d in &deps[..used] {
                // Both packages have `n` versions: the dependency was at about version `k`.
                let j = if newest {
                    n - 1
                } else {
                    k.saturating_sub(rng.below(2))
                };
                list.push((name(cfg, d), requirement(&mut rng, &version(j, n), newest)));
            }
            specs.push(Spec {
                name: name(cfg, i),
                version: version(k, n),
                deps: list,
            });
        }
    }
    specs
}

fn pack_one(dir: &Path, spec: &Spec) -> Result<(IndexEntry, Vec<u8>), String> {
    let err = |e: std::io::Error| format!("cannot write `{}`: {e}", dir.display());
    fs::create_dir_all(dir.join("src")).map_err(err)?;
    let mut manifest = format!(
        "(package\n  (name \"{}\")\n  (version \"{}\")\n  (description \"synthetic package for the registry benchmark\")",
        spec.name, spec.version
    );
    let mut lib = String::new();
    if !spec.deps.is_empty() {
        manifest.push_str("\n  (deps");
        for (d, req) in &spec.deps {
            manifest.push_str(&format!("\n    ({d} (version \"{req}\"))"));
        }
        manifest.push(')');
        for (k, (d, _)) in spec.deps.iter().enumerate() {
            lib.push_str(&format!("(import {d} :as d{k})\n"));
        }
        let refs: Vec<String> = (0..spec.deps.len())
            .map(|k| format!("d{k}.value"))
            .collect();
        lib.push_str(&format!(
            "\n(pub defn deps () : (Vector (Fn [] i64))\n  [{}])\n",
            refs.join(" ")
        ));
    }
    manifest.push_str(")\n");
    lib.push_str(&format!(
        "\n(pub defn value () : i64\n  \"A number that identifies {} {}.\"\n  {})\n",
        spec.name,
        spec.version,
        spec.version.major * 1000 + spec.version.minor
    ));
    fs::write(dir.join("weir.pkg"), manifest).map_err(err)?;
    fs::write(dir.join("src/lib.weir"), lib).map_err(err)?;
    let m = Manifest::load(&dir.join("weir.pkg")).map_err(|e| e.to_string())?;
    let archive = weir_pkg::archive::pack(&m).map_err(|e| e.to_string())?;
    let entry = weir_pkg::publish::index_entry(&m, &weir_pkg::fsutil::sha256_hex(&archive))
        .map_err(|e| e.to_string())?;
    fs::remove_dir_all(dir).map_err(err)?;
    Ok((entry, archive))
}

/// 20 packages spread over the range (fewer when there are fewer packages), each required as
/// `^MAJOR` of its newest version.
fn app_deps(cfg: &Config) -> Vec<(String, String)> {
    let count = cfg.packages.min(20);
    let newest = version(cfg.versions - 1, cfg.versions);
    let mut out: Vec<(String, String)> = (0..count)
        .map(|k| {
            let i = cfg.packages - 1 - k * cfg.packages / count;
            (name(cfg, i), format!("^{}", newest.major))
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

fn write_app(cfg: &Config, dir: &Path) -> Result<(), String> {
    let deps = app_deps(cfg);
    let mut manifest = String::from(
        "(package\n  (name \"app\")\n  (version \"0.1.0\")\n  (main \"main.weir\")\n  (deps",
    );
    let mut main = String::new();
    for (k, (d, req)) in deps.iter().enumerate() {
        manifest.push_str(&format!("\n    ({d} (version \"{req}\"))"));
        main.push_str(&format!("(import {d} :as a{k})\n"));
    }
    manifest.push_str("))\n");
    let calls: Vec<String> = (0..deps.len()).map(|k| format!("(a{k}.value)")).collect();
    main.push_str(&format!(
        "\n(defn main ()\n  (println (+ {})))\n",
        calls.join("\n              ")
    ));
    let err = |e: std::io::Error| format!("cannot write the app in `{}`: {e}", dir.display());
    fs::create_dir_all(dir).map_err(err)?;
    fs::write(dir.join("weir.pkg"), manifest).map_err(err)?;
    fs::write(dir.join("main.weir"), main).map_err(err)?;
    Ok(())
}
