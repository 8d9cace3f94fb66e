//! After fork() the child starts its own queue and flush thread; the parent's pending spans are
//! sent once, by the parent. (One test in this binary: forking is safest with few threads.)

use std::path::Path;
use std::time::Duration;

use llmtel_core::options::Spool;
use llmtel_core::{Client, Options, SpanStart};

fn names(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["name"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect()
}

#[test]
fn a_forked_child_exports_its_own_spans_and_never_the_parents() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("spans.jsonl");
    let client = Client::init(Options {
        spool: Some(Spool::Path(path.clone())),
        dsn: Some(String::new()),
        flush_interval: Duration::from_secs(600), // keep the parent's span queued across the fork
        ..Options::default()
    })
    .unwrap();
    client
        .start_span(SpanStart::new("parent before fork"))
        .end();

    // SAFETY: the child only uses llmtel (which restarts its thread) and then _exits.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork failed");
    if pid == 0 {
        client.start_span(SpanStart::new("child")).end();
        let ok = client.flush(Duration::from_secs(5)).is_ok()
            && client.stats().exporter("spool").map(|e| e.exported) == Some(1)
            && client.stats().queued == 1;
        unsafe { libc::_exit(if ok { 0 } else { 1 }) };
    }
    let mut status = 0;
    unsafe { libc::waitpid(pid, &mut status, 0) };
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "child failed: {status}"
    );
    assert_eq!(names(&path), ["child"], "the child sent only its own span");

    client.start_span(SpanStart::new("parent after fork")).end();
    client.flush(Duration::from_secs(5)).unwrap();
    let mut all = names(&path);
    all.sort();
    assert_eq!(all, ["child", "parent after fork", "parent before fork"]);
    assert_eq!(client.stats().exporter("spool").unwrap().exported, 2);
}
