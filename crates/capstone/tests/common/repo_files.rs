//! The repository's files, for the tests that read artifacts rather than
//! run code (`deploy_config`, `observability_config`), each a test binary
//! of its own that includes this module.

use std::path::PathBuf;

/// `relative` to the repository root.
pub(crate) fn path(relative: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(relative)
}

pub(crate) fn read(relative: &str) -> String {
    std::fs::read_to_string(path(relative)).unwrap_or_else(|error| panic!("{relative}: {error}"))
}
