//! The option table is the one truth: the README's table and the TypeScript declarations must
//! say what it says. `LLMTEL_BLESS=1 cargo test -p llmtel-core --test options_table` rewrites
//! the README's table from it. (Each binding's own test sets every option through that
//! binding: bindings-node/test/options.test.js, bindings-python/tests/test_options.py.)

use std::path::PathBuf;

use llmtel_core::options::{OPTIONS, OptionKind, camel_case};

fn repo_file(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(path)
}

#[test]
fn the_readme_table_is_the_option_table() {
    let path = repo_file("README.md");
    let readme = std::fs::read_to_string(&path).unwrap();
    let header = "| option | default | environment | meaning |\n";
    let start = readme.find(header).expect("the README has an option table");
    let end = readme[start..]
        .find("\n\n")
        .map_or(readme.len(), |e| start + e + 1);
    let want = llmtel_core::options::readme_table();
    if std::env::var_os("LLMTEL_BLESS").is_some() {
        let fresh = format!("{}{}{}", &readme[..start], want, &readme[end..]);
        std::fs::write(&path, fresh).unwrap();
        return;
    }
    assert_eq!(
        &readme[start..end],
        want,
        "README.md's option table differs from core/src/option_table.rs; \
         run LLMTEL_BLESS=1 cargo test -p llmtel-core --test options_table"
    );
}

#[test]
fn index_d_ts_declares_every_option_in_camel_case() {
    let dts = std::fs::read_to_string(repo_file("bindings-node/lib/index.d.ts")).unwrap();
    let start = dts
        .find("export interface InitOptions {")
        .expect("index.d.ts declares InitOptions");
    let body = &dts[start..start + dts[start..].find("\n}").unwrap()];
    let missing: Vec<String> = OPTIONS
        .iter()
        .filter(|o| o.public)
        .map(|o| camel_case(o.name))
        .filter(|name| !body.contains(&format!("\n  {name}?:")))
        .collect();
    assert!(
        missing.is_empty(),
        "index.d.ts InitOptions lacks {missing:?}"
    );
    // A Sentry configuration copied as is must compile too.
    let missing: Vec<String> = llmtel_core::options::SENTRY_ONLY
        .iter()
        .map(|name| camel_case(name))
        .filter(|name| !body.contains(&format!("\n  {name}?:")))
        .collect();
    assert!(
        missing.is_empty(),
        "index.d.ts InitOptions lacks the Sentry options {missing:?}"
    );
}

#[test]
fn both_host_layers_convert_every_option_kind() {
    // The kinds are matched by name in both host layers; a kind added here must be handled there.
    let kinds = [
        OptionKind::Text,
        OptionKind::Bool,
        OptionKind::Integer,
        OptionKind::Number,
        OptionKind::Duration,
        OptionKind::Headers,
        OptionKind::Json,
        OptionKind::PathOrOff,
        OptionKind::UrlOrBool,
        OptionKind::Callback,
    ];
    for file in [
        "bindings-node/lib/option_pairs.js",
        "bindings-python/python/llmtel/_options.py",
    ] {
        let text = std::fs::read_to_string(repo_file(file)).unwrap();
        for kind in kinds {
            assert!(
                text.contains(&format!("\n  {}:", kind.as_str()))
                    || text.contains(&format!("\"{}\"", kind.as_str())),
                "{file} does not handle the option kind {}",
                kind.as_str()
            );
        }
    }
}
