//! `llmtel tail` following a spool the real pipeline writes: calls appear as they are flushed,
//! across a rotation, and a half-written line waits for its end.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use llmtel_core::options::Spool;
use llmtel_core::{Client, Options, SpanKind, SpanStart, Status, keys};

struct Tail {
    child: Child,
    lines: Receiver<String>,
}

impl Tail {
    fn start(spool: &Path) -> Tail {
        let mut child = Command::new(env!("CARGO_BIN_EXE_llmtel"))
            .args(["tail", "--spool", spool.to_str().unwrap()])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Tail { child, lines }
    }

    /// The next `n` lines; fails the test when they do not come within 10 s.
    fn take(&self, n: usize) -> Vec<String> {
        let deadline = Instant::now() + Duration::from_secs(10);
        (0..n)
            .map(|i| {
                let left = deadline.saturating_duration_since(Instant::now());
                self.lines
                    .recv_timeout(left)
                    .unwrap_or_else(|e| panic!("line {} of {n} did not come: {e:?}", i + 1))
            })
            .collect()
    }

    /// Asserts that nothing is printed for a while (longer than a few polls).
    fn quiet(&self) {
        match self.lines.recv_timeout(Duration::from_millis(800)) {
            Err(RecvTimeoutError::Timeout) => {}
            other => panic!("expected no line, got {other:?}"),
        }
    }
}

impl Drop for Tail {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn client(spool: &Path, max_bytes: u64) -> Client {
    let mut options = Options {
        spool: Some(Spool::Path(spool.to_path_buf())),
        dsn: Some(String::new()),
        ..Options::default()
    };
    options.spool_max_bytes = max_bytes;
    Client::init(options).unwrap()
}

/// A chat call on `model` under a user span; `failed` calls end with a rate-limit error.
fn record(client: &Client, model: &str, input: i64, failed: bool) {
    let task = client.start_span(SpanStart::new("Generate Report").op("ai.task"));
    let mut call = client.start_span(
        SpanStart::new(format!("chat {model}"))
            .op("gen_ai.chat")
            .kind(SpanKind::Client)
            .parent(task.context())
            .attribute(keys::GEN_AI_OPERATION_NAME, "chat")
            .attribute(keys::GEN_AI_PROVIDER_NAME, "openai")
            .attribute(keys::GEN_AI_REQUEST_MODEL, model.to_owned()),
    );
    call.set_attribute(keys::GEN_AI_USAGE_INPUT_TOKENS, input);
    if failed {
        call.set_status(Status::error("rate limited"));
    } else {
        call.set_attribute(keys::GEN_AI_USAGE_OUTPUT_TOKENS, 2 * input);
        call.set_status(Status::Ok);
    }
    call.end();
    task.end();
}

fn flush(client: &Client) {
    client.flush(Duration::from_secs(10)).unwrap();
}

#[test]
fn calls_are_printed_as_they_land_and_user_spans_are_not() {
    let dir = tempfile::tempdir().unwrap();
    let spool = dir.path().join("spans.jsonl");
    // Started before anything is recorded: it waits for the spool to appear.
    let tail = Tail::start(&spool);
    std::thread::sleep(Duration::from_millis(300));

    let client = client(&spool, 64 << 20);
    record(&client, "gpt-4o", 150, false);
    flush(&client);
    let first = tail.take(1);
    assert!(
        first[0].contains("chat gpt-4o  openai  150 in / 300 out"),
        "{first:?}"
    );
    assert!(first[0].ends_with(" s  ok"), "{first:?}");
    assert_eq!(
        first[0].as_bytes()[2],
        b':',
        "starts with the time: {first:?}"
    );

    record(&client, "gpt-4o-mini", 10, true);
    flush(&client);
    let second = tail.take(1);
    assert!(
        second[0].contains("chat gpt-4o-mini  openai  10 in")
            && second[0].ends_with("error: rate limited"),
        "{second:?}"
    );
    // The "Generate Report" spans are in the spool too; only model calls are printed.
    tail.quiet();
    client.close(Duration::from_secs(10)).unwrap();
}

#[test]
fn a_rotation_loses_no_call() {
    let dir = tempfile::tempdir().unwrap();
    let spool = dir.path().join("spans.jsonl");
    std::fs::write(&spool, "").unwrap();
    let tail = Tail::start(&spool);
    std::thread::sleep(Duration::from_millis(300));

    // Two tasks (four lines of some 400 bytes) fill a 2 KB file: rotations happen as we go,
    // one per flush, slower than the tail's polls.
    let client = client(&spool, 2_000);
    let mut printed = Vec::new();
    for i in 0..8 {
        record(&client, &format!("model-{i}"), 1 + i, false);
        flush(&client);
        printed.extend(tail.take(1));
        std::thread::sleep(Duration::from_millis(250));
    }
    client.close(Duration::from_secs(10)).unwrap();
    assert!(
        dir.path().join("spans.jsonl.1").exists(),
        "the spool did rotate"
    );
    for (i, line) in printed.iter().enumerate() {
        assert!(line.contains(&format!("chat model-{i}  ")), "{printed:#?}");
    }
    tail.quiet();
}

#[test]
fn a_half_written_line_waits_for_its_end_and_garbage_is_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let recorded = dir.path().join("recorded.jsonl");
    let client = client(&recorded, 64 << 20);
    record(&client, "claude-sonnet-4-5", 42, false);
    client.close(Duration::from_secs(10)).unwrap();
    let text = std::fs::read_to_string(&recorded).unwrap();
    let call = text
        .lines()
        .find(|l| l.contains("\"gen_ai.operation.name\""))
        .unwrap();

    let spool = dir.path().join("spans.jsonl");
    std::fs::write(&spool, "").unwrap();
    let tail = Tail::start(&spool);
    std::thread::sleep(Duration::from_millis(300));
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(&spool)
        .unwrap();
    let (head, rest) = call.split_at(call.len() / 2);
    file.write_all(head.as_bytes()).unwrap();
    file.flush().unwrap();
    tail.quiet();
    file.write_all(rest.as_bytes()).unwrap();
    file.write_all(b"\n\xff\xfe not json\n").unwrap();
    file.flush().unwrap();
    let line = tail.take(1);
    assert!(
        line[0].contains("chat claude-sonnet-4-5  openai  42 in / 84 out"),
        "{line:?}"
    );
    tail.quiet();
}
