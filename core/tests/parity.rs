//! The parity check, in the spirit of mypy's stubtest: every public operation of the facade's
//! handles (core/src/facade.rs) has a row in tests/parity/facade.json, and every C name a row
//! gives is declared in include/llmtel.h. The Node and Python suites check their own columns.

use std::collections::BTreeSet;
use std::path::PathBuf;

fn repo_file(path: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(path);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `handle.operation` for every `pub fn` of the facade's handle impls (and its Client impl).
fn facade_operations() -> BTreeSet<String> {
    let source = repo_file("core/src/facade.rs");
    let mut ops = BTreeSet::new();
    let mut handle: Option<&str> = None;
    for line in source.lines() {
        if let Some(rest) = line.strip_prefix("impl ") {
            handle = match rest.trim_end_matches(" {") {
                "Client" => Some("client"),
                "SpanHandle" => Some("span"),
                "CallHandle" => Some("call"),
                "RunHandle" => Some("run"),
                _ => None,
            };
        } else if line.starts_with('}') {
            handle = None;
        } else if let (Some(h), Some(rest)) = (handle, line.trim().strip_prefix("pub fn ")) {
            let name = rest.split(['(', '<']).next().unwrap();
            ops.insert(format!("{h}.{name}"));
        }
    }
    assert!(ops.len() > 20, "the facade parser found only {ops:?}");
    ops
}

fn table() -> Vec<serde_json::Value> {
    let json: serde_json::Value =
        serde_json::from_str(&repo_file("tests/parity/facade.json")).unwrap();
    json["operations"].as_array().unwrap().clone()
}

#[test]
fn every_facade_operation_has_a_row() {
    let rows: BTreeSet<String> = table()
        .iter()
        .map(|r| r["op"].as_str().unwrap().to_owned())
        .collect();
    let missing: Vec<String> = facade_operations()
        .into_iter()
        .filter(|op| !rows.contains(op))
        .collect();
    assert!(
        missing.is_empty(),
        "facade operations with no row in tests/parity/facade.json: {missing:?}"
    );
}

#[test]
fn every_row_names_each_binding_or_says_why_not() {
    for row in table() {
        for binding in ["node", "python", "c"] {
            let named = row[binding].is_string();
            let excused =
                row[binding].is_null() && row["why"].as_str().is_some_and(|w| !w.is_empty());
            assert!(
                named || excused,
                "{} has no {binding} name and no why",
                row["op"]
            );
        }
    }
}

#[test]
fn the_c_header_declares_every_c_name() {
    let header = repo_file("include/llmtel.h");
    let missing: Vec<String> = table()
        .iter()
        .filter_map(|r| r["c"].as_str())
        .filter(|name| !header.contains(&format!(" {name}(")))
        .map(str::to_owned)
        .collect();
    assert!(missing.is_empty(), "include/llmtel.h lacks {missing:?}");
}
