//! `llmtel traces` over a spool written by the real pipeline: the tree shape, the model-call
//! details on each line, `--last` and `--trace`.

use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

use llmtel_core::options::Spool;
use llmtel_core::{Client, Options, SpanKind, SpanStart, Status, keys};

const MS: u64 = 1_000_000;

/// Records a "Generate Report" task at `start` with a chat call (which made a tool call span)
/// and a failed embeddings call; returns the trace id.
fn record_task(client: &Client, start: u64) -> String {
    let task = client.start_span(
        SpanStart::new("Generate Report")
            .op("ai.task")
            .start_time_unix_nano(start),
    );
    let call = |name: &str, op: &str, provider: &str, model: &str, at: u64| {
        client.start_span(
            SpanStart::new(name.to_owned())
                .op(format!("gen_ai.{op}"))
                .kind(SpanKind::Client)
                .parent(task.context())
                .start_time_unix_nano(at)
                .attribute(keys::GEN_AI_OPERATION_NAME, op.to_owned())
                .attribute(keys::GEN_AI_PROVIDER_NAME, provider.to_owned())
                .attribute(keys::GEN_AI_REQUEST_MODEL, model.to_owned()),
        )
    };
    let mut chat = call("chat gpt-4o", "chat", "openai", "gpt-4o", start + MS);
    chat.set_attribute(keys::GEN_AI_USAGE_INPUT_TOKENS, 150);
    chat.set_attribute(keys::GEN_AI_USAGE_OUTPUT_TOKENS, 300);
    chat.set_attribute(keys::GEN_AI_COST_TOTAL_TOKENS, 0.004875);
    chat.set_status(Status::Ok);
    let tool = client.start_span(
        SpanStart::new("execute_tool get_weather")
            .op("gen_ai.execute_tool")
            .parent(chat.context())
            .start_time_unix_nano(start + 100 * MS),
    );
    tool.end_at(start + 150 * MS);
    chat.end_at(start + 2_300 * MS);
    let mut embed = call(
        "embeddings text-embedding-3-small",
        "embeddings",
        "openai",
        "text-embedding-3-small",
        start + 2_310 * MS,
    );
    embed.set_attribute(keys::GEN_AI_USAGE_INPUT_TOKENS, 12);
    embed.set_status(Status::error("rate limited"));
    embed.end_at(start + 2_360 * MS);
    let id = task.context().trace_id.to_hex();
    task.end_at(start + 2_410 * MS);
    id
}

fn spool_with(path: &Path, tasks: u64) -> Vec<String> {
    let client = Client::init(Options {
        spool: Some(Spool::Path(path.to_path_buf())),
        dsn: Some(String::new()),
        ..Options::default()
    })
    .unwrap();
    let base = 1_795_000_000_000_000_000u64;
    let ids = (0..tasks)
        .map(|i| record_task(&client, base + i * 60_000 * MS))
        .collect();
    client.close(Duration::from_secs(10)).unwrap();
    ids
}

fn traces(spool: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_llmtel"))
        .arg("traces")
        .args(["--spool", spool.to_str().unwrap()])
        .args(args)
        .output()
        .unwrap()
}

fn stdout(out: Output) -> String {
    assert!(out.status.success(), "{out:?}");
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn a_trace_is_drawn_as_a_tree_with_each_calls_details() {
    let dir = tempfile::tempdir().unwrap();
    let spool = dir.path().join("spans.jsonl");
    let ids = spool_with(&spool, 1);
    let text = stdout(traces(&spool, &[]));
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], format!("trace {}", ids[0]));
    let expect = [
        ("Generate Report (ai.task)", "2.41 s", None),
        (
            "├─ chat gpt-4o  openai  150 in / 300 out  $0.0049",
            "2.30 s",
            Some("ok"),
        ),
        (
            "│  └─ execute_tool get_weather (gen_ai.execute_tool)",
            "0.05 s",
            None,
        ),
        (
            "└─ embeddings text-embedding-3-small  openai  12 in",
            "0.05 s",
            Some("error: rate limited"),
        ),
    ];
    assert_eq!(lines.len(), 1 + expect.len(), "{text}");
    let mut columns = Vec::new();
    for (line, (label, secs, status)) in lines[1..].iter().zip(expect) {
        assert!(
            line.starts_with(label),
            "{line:?} should start with {label:?}"
        );
        let rest = line[label.len()..].trim_start();
        match status {
            Some(status) => assert_eq!(rest, format!("{secs}  {status}"), "{line:?}"),
            None => assert_eq!(rest, secs, "{line:?}"),
        }
        // Where the duration ends, in characters: the same column on every line.
        let end = line.len() - rest.len() + secs.len();
        columns.push(line[..end].chars().count());
    }
    assert!(
        columns.windows(2).all(|w| w[0] == w[1]),
        "{columns:?}\n{text}"
    );
}

#[test]
fn last_and_trace_pick_which_traces() {
    let dir = tempfile::tempdir().unwrap();
    let spool = dir.path().join("spans.jsonl");
    let ids = spool_with(&spool, 4);

    let text = stdout(traces(&spool, &["--last", "2"]));
    let shown: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("trace "))
        .collect();
    assert_eq!(shown, [ids[2].as_str(), ids[3].as_str()]);

    let text = stdout(traces(&spool, &["--trace", &ids[1].to_uppercase()]));
    assert_eq!(text.matches("trace ").count(), 1);
    assert!(text.starts_with(&format!("trace {}", ids[1])), "{text}");

    let unknown = "0123456789abcdef0123456789abcdef";
    let text = stdout(traces(&spool, &["--trace", unknown]));
    assert_eq!(
        text.trim(),
        format!("no trace {unknown} in {}", spool.display())
    );

    let out = traces(&spool, &["--trace", "xyz"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8(out.stderr)
            .unwrap()
            .contains("32 hex digits")
    );
}
