//! The version resolver for registry dependencies (`../shared/spec/packages.md` §6), built on
//! `pubgrub`.
//!
//! Rules, all deterministic (same index + lock + requirements → same answer and same error text):
//! - Requirements use Cargo's semantics (`semver::VersionReq`). Each one becomes a pubgrub range:
//!   the interval its comparators describe, minus every known version of that package inside the
//!   interval that `VersionReq::matches` rejects. That makes the range exact over the versions
//!   that exist, which is how Cargo's prerelease rule is kept: a prerelease is allowed only when a
//!   comparator names a prerelease of the same `major.minor.patch`.
//! - Yanked versions are not candidates, except the locked version of that package.
//! - For each package the solver takes the locked version when the current range allows it, else
//!   the newest version the range allows.
//! - Dev dependencies of index packages are ignored; the root's dependencies are given by the
//!   caller (it decides whether dev dependencies count).
//! - No solution → a `PkgError` "no solution ..." whose `detail` is pubgrub's explanation, with
//!   ranges written back in requirement syntax (`^1.2.0`, `~1.2.3`, `=1.0.0`, `>=1.0.0, <3.0.0`).

use crate::index::{DepKind, Index, IndexEntry};
use crate::PkgError;
use pubgrub::{
    DefaultStringReporter, Dependencies, DependencyConstraints, DependencyProvider, Derived,
    External, Map, PackageResolutionStatistics, PubGrubError, Ranges, ReportFormatter, Reporter,
    Term, VersionSet,
};
use semver::{Comparator, Op, Prerelease, Version, VersionReq};
use std::cell::RefCell;
use std::cmp::Reverse;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::ops::Bound;
use std::rc::Rc;

/// The chosen registry packages (the root is not included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolution {
    pub packages: BTreeMap<String, (Version, IndexEntry)>,
}

/// Resolves `root_deps` of the root package against `index`, preferring the `locked` versions.
pub fn resolve(
    root_name: &str,
    root_version: &Version,
    root_deps: &[(String, VersionReq)],
    index: &mut dyn Index,
    locked: &BTreeMap<String, Version>,
) -> Result<Resolution, PkgError> {
    let provider = Provider {
        root_name: root_name.to_string(),
        root_version: root_version.clone(),
        root_deps,
        index: RefCell::new(index),
        locked,
        cache: RefCell::new(HashMap::new()),
    };
    match pubgrub::resolve(&provider, root_name.to_string(), root_version.clone()) {
        Ok(selected) => {
            let mut packages = BTreeMap::new();
            for (name, vers) in selected {
                if name == root_name {
                    continue;
                }
                let entry = provider
                    .entries(&name)?
                    .iter()
                    .find(|e| e.vers == vers)
                    .cloned()
                    .ok_or_else(|| {
                        PkgError::msg(format!("internal error: {name} {vers} vanished"))
                    })?;
                packages.insert(name, (vers, entry));
            }
            Ok(Resolution { packages })
        }
        Err(PubGrubError::NoSolution(mut tree)) => {
            // "no versions of log in >0.3.0, <0.4.0" steps are noise; a dependency that nothing
            // can satisfy says so itself (see `Explain::format_external`).
            tree.collapse_no_versions();
            let formatter = Explain {
                provider: &provider,
            };
            let detail = DefaultStringReporter::report_with_formatter(&tree, &formatter);
            Err(PkgError::msg(format!(
                "no solution: the registry dependencies of {root_name} {root_version} cannot all be satisfied"
            ))
            .with_detail(detail))
        }
        Err(PubGrubError::ErrorRetrievingDependencies { source, .. }) => Err(source),
        Err(PubGrubError::ErrorChoosingVersion { source, .. }) => Err(source),
        Err(PubGrubError::ErrorInShouldCancel(e)) => Err(e),
    }
}

/// A set of versions: a pubgrub range that prints in requirement syntax.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionRange(Ranges<Version>);

impl VersionSet for VersionRange {
    type V = Version;
    fn empty() -> Self {
        VersionRange(Ranges::empty())
    }
    fn singleton(v: Version) -> Self {
        VersionRange(Ranges::singleton(v))
    }
    fn complement(&self) -> Self {
        VersionRange(self.0.complement())
    }
    fn intersection(&self, other: &Self) -> Self {
        VersionRange(self.0.intersection(&other.0))
    }
    fn contains(&self, v: &Version) -> bool {
        self.0.contains(v)
    }
    fn full() -> Self {
        VersionRange(Ranges::full())
    }
    fn union(&self, other: &Self) -> Self {
        VersionRange(self.0.union(&other.0))
    }
    fn is_disjoint(&self, other: &Self) -> bool {
        self.0.is_disjoint(&other.0)
    }
    fn subset_of(&self, other: &Self) -> bool {
        self.0.subset_of(&other.0)
    }
}

impl fmt::Display for VersionRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Holes cut out for rejected prereleases are not worth showing: merge across them.
        let mut segs: Vec<(Bound<&Version>, Bound<&Version>)> = Vec::new();
        for (lo, hi) in self.0.iter() {
            let (lo, hi) = (lo.as_ref(), hi.as_ref());
            if let (Some(last), Bound::Excluded(v)) = (segs.last_mut(), lo) {
                if last.1 == Bound::Excluded(v) && !v.pre.is_empty() {
                    last.1 = hi;
                    continue;
                }
            }
            segs.push((lo, hi));
        }
        if segs.is_empty() {
            return write!(f, "(no versions)");
        }
        for (i, (lo, hi)) in segs.iter().enumerate() {
            if i > 0 {
                write!(f, " or ")?;
            }
            write_segment(f, *lo, *hi)?;
        }
        Ok(())
    }
}

fn write_segment(
    f: &mut fmt::Formatter<'_>,
    lo: Bound<&Version>,
    hi: Bound<&Version>,
) -> fmt::Result {
    use Bound::*;
    match (lo, hi) {
        (Unbounded, Unbounded) => write!(f, "*"),
        (Included(a), Included(b)) if a == b => write!(f, "={a}"),
        (Included(a), Excluded(b)) if *b == caret_upper(a) => write!(f, "^{a}"),
        (Included(a), Excluded(b)) if *b == bump_minor(a) => write!(f, "~{a}"),
        _ => {
            let lo = match lo {
                Included(a) => Some(format!(">={a}")),
                Excluded(a) => Some(format!(">{a}")),
                Unbounded => None,
            };
            let hi = match hi {
                Included(b) => Some(format!("<={b}")),
                Excluded(b) => Some(format!("<{b}")),
                Unbounded => None,
            };
            let parts: Vec<String> = lo.into_iter().chain(hi).collect();
            write!(f, "{}", parts.join(", "))
        }
    }
}

fn ver(major: u64, minor: u64, patch: u64) -> Version {
    Version::new(major, minor, patch)
}

fn bump_minor(v: &Version) -> Version {
    ver(v.major, v.minor.saturating_add(1), 0)
}

fn bump_major(v: &Version) -> Version {
    ver(v.major.saturating_add(1), 0, 0)
}

/// The exclusive upper bound of `^v` for a fully written `v`.
fn caret_upper(v: &Version) -> Version {
    if v.major > 0 {
        bump_major(v)
    } else if v.minor > 0 {
        bump_minor(v)
    } else {
        ver(0, 0, v.patch.saturating_add(1))
    }
}

/// The interval a requirement describes (a superset of what it matches: prerelease holes are
/// cut by the caller against the versions that exist).
pub fn req_interval(req: &VersionReq) -> Ranges<Version> {
    req.comparators.iter().fold(Ranges::full(), |acc, c| {
        acc.intersection(&comparator_interval(c))
    })
}

fn comparator_interval(c: &Comparator) -> Ranges<Version> {
    let major = c.major;
    // The lowest version the comparator names, and the first version past its written parts.
    let lo = Version {
        major,
        minor: c.minor.unwrap_or(0),
        patch: c.patch.unwrap_or(0),
        pre: if c.patch.is_some() {
            c.pre.clone()
        } else {
            Prerelease::EMPTY
        },
        build: semver::BuildMetadata::EMPTY,
    };
    let past = match (c.minor, c.patch) {
        (None, _) => ver(major.saturating_add(1), 0, 0),
        (Some(m), None) => ver(major, m.saturating_add(1), 0),
        (Some(m), Some(p)) => ver(major, m, p.saturating_add(1)),
    };
    let full = c.patch.is_some();
    match c.op {
        Op::Exact | Op::Wildcard => {
            if full {
                Ranges::singleton(lo)
            } else {
                Ranges::from_range_bounds(lo..past)
            }
        }
        Op::Greater => {
            if full {
                Ranges::strictly_higher_than(lo)
            } else {
                Ranges::higher_than(past)
            }
        }
        Op::GreaterEq => Ranges::higher_than(lo),
        Op::Less => Ranges::strictly_lower_than(lo),
        Op::LessEq => {
            if full {
                Ranges::lower_than(lo)
            } else {
                Ranges::strictly_lower_than(past)
            }
        }
        Op::Tilde => {
            let hi = match c.minor {
                None => ver(major.saturating_add(1), 0, 0),
                Some(m) => ver(major, m.saturating_add(1), 0),
            };
            Ranges::from_range_bounds(lo..hi)
        }
        Op::Caret => {
            let hi = match (major, c.minor, c.patch) {
                (0, None, _) => ver(1, 0, 0),
                (0, Some(0), None) => ver(0, 1, 0),
                (0, Some(0), Some(p)) => ver(0, 0, p.saturating_add(1)),
                (0, Some(m), _) => ver(0, m.saturating_add(1), 0),
                _ => ver(major.saturating_add(1), 0, 0),
            };
            Ranges::from_range_bounds(lo..hi)
        }
        // `semver::Op` is non-exhaustive; an unknown operator constrains nothing here and the
        // exact `matches` holes still apply.
        _ => Ranges::full(),
    }
}

struct Provider<'a> {
    root_name: String,
    root_version: Version,
    root_deps: &'a [(String, VersionReq)],
    index: RefCell<&'a mut dyn Index>,
    locked: &'a BTreeMap<String, Version>,
    /// Candidates per package (yanked ones dropped unless locked), newest first.
    cache: RefCell<HashMap<String, Rc<Vec<IndexEntry>>>>,
}

impl Provider<'_> {
    fn entries(&self, name: &str) -> Result<Rc<Vec<IndexEntry>>, PkgError> {
        if let Some(e) = self.cache.borrow().get(name) {
            return Ok(e.clone());
        }
        let mut all = self.index.borrow_mut().versions(name)?;
        let locked = self.locked.get(name);
        all.retain(|e| e.name == name && (!e.yanked || Some(&e.vers) == locked));
        all.sort_by(|a, b| b.vers.cmp(&a.vers));
        all.dedup_by(|a, b| a.vers == b.vers);
        let all = Rc::new(all);
        self.cache
            .borrow_mut()
            .insert(name.to_string(), all.clone());
        Ok(all)
    }

    /// The exact range of `req` over the versions of `name` that exist.
    fn range(&self, name: &str, req: &VersionReq) -> Result<VersionRange, PkgError> {
        let mut range = req_interval(req);
        for e in self.entries(name)?.iter() {
            if range.contains(&e.vers) && !req.matches(&e.vers) {
                range = range.intersection(&Ranges::singleton(e.vers.clone()).complement());
            }
        }
        Ok(VersionRange(range))
    }

    fn constraints<'r>(
        &self,
        deps: impl Iterator<Item = (&'r String, &'r VersionReq)>,
    ) -> Result<DependencyConstraints<String, VersionRange>, PkgError> {
        let mut out = DependencyConstraints::default();
        for (name, req) in deps {
            let r = self.range(name, req)?;
            let r = match out.get(name) {
                Some(prev) => VersionRange::intersection(prev, &r),
                None => r,
            };
            out.insert(name.clone(), r);
        }
        Ok(out)
    }
}

impl DependencyProvider for Provider<'_> {
    type P = String;
    type V = Version;
    type VS = VersionRange;
    type M = String;
    type Err = PkgError;
    /// (conflicts seen, fewer candidates first): the most constrained package is decided first.
    type Priority = (u32, Reverse<usize>);

    fn prioritize(
        &self,
        package: &String,
        range: &VersionRange,
        stats: &PackageResolutionStatistics,
    ) -> Self::Priority {
        let n = match self.cache.borrow().get(package) {
            Some(e) => e.iter().filter(|e| range.contains(&e.vers)).count(),
            None => usize::MAX,
        };
        (stats.conflict_count(), Reverse(n))
    }

    fn choose_version(
        &self,
        package: &String,
        range: &VersionRange,
    ) -> Result<Option<Version>, PkgError> {
        if *package == self.root_name {
            return Ok(Some(self.root_version.clone()).filter(|v| range.contains(v)));
        }
        let entries = self.entries(package)?;
        if let Some(l) = self.locked.get(package) {
            if range.contains(l) && entries.iter().any(|e| &e.vers == l) {
                return Ok(Some(l.clone()));
            }
        }
        Ok(entries
            .iter()
            .find(|e| range.contains(&e.vers))
            .map(|e| e.vers.clone()))
    }

    fn get_dependencies(
        &self,
        package: &String,
        version: &Version,
    ) -> Result<Dependencies<String, VersionRange, String>, PkgError> {
        if *package == self.root_name {
            let deps = self.constraints(self.root_deps.iter().map(|(n, r)| (n, r)))?;
            return Ok(Dependencies::Available(deps));
        }
        let entries = self.entries(package)?;
        let Some(entry) = entries.iter().find(|e| &e.vers == version) else {
            return Ok(Dependencies::Unavailable("not in the index".to_string()));
        };
        let deps = self.constraints(
            entry
                .deps
                .iter()
                .filter(|d| d.kind == DepKind::Normal)
                .map(|d| (&d.name, &d.req)),
        )?;
        Ok(Dependencies::Available(deps))
    }
}

/// Writes pubgrub's explanation in weir's words: a set of versions of a package that exist is
/// written as those versions (`log 0.3.0`), other sets in requirement syntax (`json ^2.0.0`).
struct Explain<'p, 'a> {
    provider: &'p Provider<'a>,
}

type Ext = External<String, VersionRange, String>;
type Terms = Map<String, Term<VersionRange>>;

impl Explain<'_, '_> {
    /// `name VERSIONS`, listing the known versions in `set` when there are at most three.
    fn versions(&self, name: &str, set: &VersionRange) -> String {
        if name == self.provider.root_name {
            return format!("{name} {}", self.provider.root_version);
        }
        if let Some(v) = set.0.as_singleton() {
            return format!("{name} {v}");
        }
        if let Some(entries) = self.provider.cache.borrow().get(name) {
            let mut inside: Vec<&Version> = entries
                .iter()
                .map(|e| &e.vers)
                .filter(|v| set.contains(v))
                .collect();
            inside.reverse();
            if !inside.is_empty() && inside.len() <= 3 {
                let list: Vec<String> = inside.iter().map(|v| v.to_string()).collect();
                return format!("{name} {}", list.join(" or "));
            }
        }
        format!("{name} {set}")
    }

    fn sorted(terms: &Terms) -> Vec<(&String, &Term<VersionRange>)> {
        let mut list: Vec<_> = terms.iter().collect();
        list.sort_by(|a, b| a.0.cmp(b.0));
        list
    }
}

impl ReportFormatter<String, VersionRange, String> for Explain<'_, '_> {
    type Output = String;

    fn format_external(&self, external: &Ext) -> String {
        match external {
            External::NotRoot(p, v) => format!("{p} {v} is the package being resolved"),
            External::NoVersions(p, set) => {
                let any = self
                    .provider
                    .cache
                    .borrow()
                    .get(p)
                    .is_some_and(|e| !e.is_empty());
                if !any {
                    format!("the registry has no package {p}")
                } else if *set == VersionRange::full() {
                    format!("the registry has no usable version of {p}")
                } else {
                    format!("the registry has no usable version of {p} matching {set}")
                }
            }
            External::FromDependencyOf(p, s1, d, s2) => {
                let why = match self.provider.cache.borrow().get(d) {
                    None => "",
                    Some(e) if e.is_empty() => " (the registry has no package of that name)",
                    Some(e) if !e.iter().any(|e| s2.contains(&e.vers)) => {
                        " (the registry has no usable version matching it)"
                    }
                    Some(_) => "",
                };
                format!("{} depends on {d} {s2}{why}", self.versions(p, s1))
            }
            External::Custom(p, set, m) => format!("{} is unusable: {m}", self.versions(p, set)),
        }
    }

    fn format_terms(&self, terms: &Terms) -> String {
        match Self::sorted(terms).as_slice() {
            [] => "version solving failed".to_string(),
            [(p, Term::Positive(_))] if **p == self.provider.root_name => {
                format!(
                    "{} {} cannot be built",
                    self.provider.root_name, self.provider.root_version
                )
            }
            [(p, Term::Positive(r))] => format!("{} cannot be used", self.versions(p, r)),
            [(p, Term::Negative(r))] => format!("{} is required", self.versions(p, r)),
            [(p1, Term::Positive(r1)), (p2, Term::Negative(r2))]
            | [(p2, Term::Negative(r2)), (p1, Term::Positive(r1))] => {
                format!("{} depends on {p2} {r2}", self.versions(p1, r1))
            }
            slice => {
                let parts: Vec<String> = slice
                    .iter()
                    .map(|(p, t)| match t {
                        Term::Positive(r) => self.versions(p, r),
                        Term::Negative(r) => format!("not {}", self.versions(p, r)),
                    })
                    .collect();
                format!("{} cannot be used together", parts.join(" and "))
            }
        }
    }

    fn explain_both_external(&self, e1: &Ext, e2: &Ext, current: &Terms) -> String {
        format!(
            "Because {} and {}, {}.",
            self.format_external(e1),
            self.format_external(e2),
            self.format_terms(current)
        )
    }

    fn explain_both_ref(
        &self,
        id1: usize,
        d1: &Derived<String, VersionRange, String>,
        id2: usize,
        d2: &Derived<String, VersionRange, String>,
        current: &Terms,
    ) -> String {
        format!(
            "Because {} ({id1}) and {} ({id2}), {}.",
            self.format_terms(&d1.terms),
            self.format_terms(&d2.terms),
            self.format_terms(current)
        )
    }

    fn explain_ref_and_external(
        &self,
        id: usize,
        d: &Derived<String, VersionRange, String>,
        e: &Ext,
        current: &Terms,
    ) -> String {
        format!(
            "Because {} ({id}) and {}, {}.",
            self.format_terms(&d.terms),
            self.format_external(e),
            self.format_terms(current)
        )
    }

    fn and_explain_external(&self, e: &Ext, current: &Terms) -> String {
        format!(
            "And because {}, {}.",
            self.format_external(e),
            self.format_terms(current)
        )
    }

    fn and_explain_ref(
        &self,
        id: usize,
        d: &Derived<String, VersionRange, String>,
        current: &Terms,
    ) -> String {
        format!(
            "And because {} ({id}), {}.",
            self.format_terms(&d.terms),
            self.format_terms(current)
        )
    }

    fn and_explain_prior_and_external(&self, prior: &Ext, e: &Ext, current: &Terms) -> String {
        format!(
            "And because {} and {}, {}.",
            self.format_external(prior),
            self.format_external(e),
            self.format_terms(current)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::IndexDep;

    /// An in-memory index over a map.
    struct MapIndex(HashMap<String, Vec<IndexEntry>>);

    impl Index for MapIndex {
        fn versions(&mut self, name: &str) -> Result<Vec<IndexEntry>, PkgError> {
            Ok(self.0.get(name).cloned().unwrap_or_default())
        }
    }

    /// 1,000 packages × 10 versions; each version depends on up to 3 later packages with caret
    /// requirements (acyclic), chosen by a fixed LCG.
    fn synthetic_index() -> MapIndex {
        let mut seed: u64 = 0x5eed;
        let mut next = move || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            seed >> 33
        };
        let n = 1000;
        let mut map = HashMap::new();
        for i in 0..n {
            let name = format!("pkg{i}");
            let mut versions = Vec::new();
            for v in 0..10u64 {
                let vers = Version::new(1 + v / 5, v % 5, 0);
                let mut deps = Vec::new();
                if i + 1 < n {
                    for _ in 0..3 {
                        let j = i + 1 + (next() as usize) % ((n - i - 1).min(50));
                        let minor = next() % 3;
                        deps.push(IndexDep {
                            name: format!("pkg{j}"),
                            req: VersionReq::parse(&format!("^1.{minor}")).unwrap(),
                            kind: DepKind::Normal,
                        });
                    }
                }
                versions.push(IndexEntry {
                    name: name.clone(),
                    vers,
                    deps,
                    cksum: String::new(),
                    native: false,
                    yanked: false,
                });
            }
            map.insert(name, versions);
        }
        MapIndex(map)
    }

    #[test]
    fn synthetic_index_resolves() {
        let mut index = synthetic_index();
        let root_deps: Vec<(String, VersionReq)> = (0..20)
            .map(|k| (format!("pkg{}", k * 37), VersionReq::parse("^1.1").unwrap()))
            .collect();
        let locked = BTreeMap::new();
        let root = Version::new(0, 1, 0);
        // Warm-up (a warm index in a real run is a file cache; here it only warms allocators).
        resolve("app", &root, &root_deps, &mut index, &locked).unwrap();
        let start = std::time::Instant::now();
        let res = resolve("app", &root, &root_deps, &mut index, &locked).unwrap();
        let elapsed = start.elapsed();
        eprintln!(
            "synthetic resolution: {} packages chosen in {:.2?}",
            res.packages.len(),
            elapsed
        );
        assert!(res.packages.len() >= 20);
    }
}
