//! With nothing configured, spans go to `.llmtel/spans.jsonl` under the working directory and
//! one line on stderr says so. Runs itself as a child process to own its working directory,
//! environment and stderr.

use std::process::Command;
use std::time::Duration;

use llmtel_core::{Client, Options, SpanStart};

const CHILD: &str = "LLMTEL_DEFAULT_SPOOL_CHILD";

#[test]
fn nothing_configured_writes_the_default_spool_and_says_so_once() {
    if std::env::var_os(CHILD).is_some() {
        let client = Client::init(Options::default()).unwrap();
        let root = client.start_span(SpanStart::new("root"));
        client
            .start_span(SpanStart::new("child").parent(root.context()))
            .end();
        root.end();
        client.close(Duration::from_secs(5)).unwrap();
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "nothing_configured_writes_the_default_spool_and_says_so_once",
            "--nocapture",
        ])
        .current_dir(dir.path())
        .env(CHILD, "1")
        .env_remove("SENTRY_DSN")
        .env_remove("OTEL_EXPORTER_OTLP_ENDPOINT")
        .env_remove("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
        .env_remove("LLMTEL_SPOOL")
        .env_remove("SENTRY_SPOTLIGHT")
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let notices: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("llmtel:"))
        .collect();
    assert_eq!(notices.len(), 1, "{stderr}");
    assert!(notices[0].contains(".llmtel/spans.jsonl"), "{}", notices[0]);
    let spool = std::fs::read_to_string(dir.path().join(".llmtel/spans.jsonl")).unwrap();
    assert_eq!(spool.lines().count(), 2);
}
