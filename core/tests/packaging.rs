//! One version and one licence for every package: the npm package says the workspace's version,
//! and each package directory ships the root LICENSE unchanged (npm and maturin take the file
//! next to the package; a copy that drifted would ship another text).

use std::path::PathBuf;

fn repo_file(path: &str) -> String {
    let full = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(path);
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()))
}

#[test]
fn the_npm_package_has_the_workspace_version() {
    let package: serde_json::Value =
        serde_json::from_str(&repo_file("bindings-node/package.json")).unwrap();
    assert_eq!(package["version"], llmtel_core::VERSION);
    assert_eq!(package["license"], "MIT");
    // maturin reads the Python package's version from its Cargo.toml, which takes the
    // workspace's.
    assert!(repo_file("bindings-python/pyproject.toml").contains("dynamic = [\"version\"]"));
    assert!(repo_file("bindings-python/Cargo.toml").contains("version.workspace = true"));
}

#[test]
fn every_package_ships_the_root_licence() {
    let root = repo_file("LICENSE");
    assert!(root.starts_with("MIT License"));
    for copy in ["bindings-node/LICENSE", "bindings-python/LICENSE"] {
        assert_eq!(repo_file(copy), root, "{copy} differs from LICENSE");
    }
}

/// The README's Rust quick start is core/examples/quickstart.rs, which `make test-rust` builds
/// and runs: so the block runs as written.
#[test]
fn the_readme_rust_quick_start_is_the_example_make_test_runs() {
    let readme = repo_file("README.md");
    let section = &readme[readme
        .find("## Quick start: Rust")
        .expect("the README has a Rust quick start")..];
    let start = section.find("```rust\n").expect("a rust block") + "```rust\n".len();
    let block = &section[start..start + section[start..].find("```\n").unwrap()];
    assert_eq!(block, repo_file("core/examples/quickstart.rs"));
}
