//! Weir packages (`../shared/spec/packages.md`): manifests, the package and module graphs, the
//! per-module build cache and native C sources.

pub mod fsutil;
pub mod graph;
pub mod manifest;
pub mod modules;
pub mod native;
