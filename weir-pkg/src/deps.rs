//! Registry dependencies of a build (packages.md §3 step 2, §6): the lock file, the resolver and
//! the fetched archives, turned into package folders for the graph loader.

/// How registry dependencies are found (the CLI's `--registry`, `--locked`, `--offline`).
#[derive(Debug, Clone, Default)]
pub struct DepsOptions {
    /// `--registry URL_OR_PATH`; else `WEIR_REGISTRY`, else `$WEIR_HOME/config.weir`.
    pub registry: Option<String>,
    /// Fail when `weir.lock` is missing or would change.
    pub locked: bool,
    /// Never use the network.
    pub offline: bool,
}
