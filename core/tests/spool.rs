//! The JSONL spool: the line schema, rotation under a size cap, and sharing with other writers.

mod support;

use std::fs;
use std::path::Path;
use std::time::Duration;

use llmtel_core::export::spool::rotated_path;
use llmtel_core::options::Spool;
use llmtel_core::{Client, ErrorCode, SpanKind, SpanStart, Status};
use serde_json::{Value as Json, json};
use support::*;

const SECOND: Duration = Duration::from_secs(1);

fn spool_client(path: &Path, tweak: impl FnOnce(&mut llmtel_core::Options)) -> Client {
    let mut o = quiet_options();
    o.spool = Some(Spool::Path(path.to_owned()));
    o.service_name = Some("svc".into());
    o.environment = Some("dev".into());
    tweak(&mut o);
    Client::init(o).unwrap()
}

fn lines(path: &Path) -> Vec<Json> {
    fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is one JSON object"))
        .collect()
}

#[test]
fn each_span_is_one_self_describing_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested/dir/spans.jsonl");
    let client = spool_client(&path, |_| {});
    let (trace, [root_id, _, chat_id]) = record_ai_task(&client);
    let mut failed = client.start_span(SpanStart::new("chat claude").kind(SpanKind::Client));
    failed.set_status(Status::Error {
        code: ErrorCode::ResourceExhausted,
        message: Some("rate_limit_error".into()),
    });
    failed.end();
    client.flush(5 * SECOND).unwrap();

    let all = lines(&path);
    assert_eq!(all.len(), 4);
    let chat = all.iter().find(|l| l["span_id"] == chat_id).unwrap();
    let start = chat["start_time_unix_nano"].as_u64().unwrap();
    let end = chat["end_time_unix_nano"].as_u64().unwrap();
    assert!(start > 1_700_000_000_000_000_000 && end >= start);
    let expected = json!({
        "v": 1,
        "trace_id": trace,
        "span_id": chat_id,
        "parent_span_id": root_id,
        "segment_id": root_id,
        "name": "chat gpt-4o",
        "op": "gen_ai.chat",
        "origin": "auto.ai.openai",
        "kind": "client",
        "status": "unset",
        "start_time_unix_nano": start,
        "end_time_unix_nano": end,
        "attributes": {
            "gen_ai.operation.name": "chat",
            "gen_ai.provider.name": "openai",
            "gen_ai.request.model": "gpt-4o",
            "gen_ai.usage.input_tokens": 150,
            "gen_ai.usage.output_tokens": 300,
            "gen_ai.usage.cache_read.input_tokens": 100,
            "gen_ai.request.temperature": 0.5,
            "gen_ai.response.finish_reasons": ["stop"],
            "gen_ai.request.stream": true,
        },
        "service": "svc",
        "environment": "dev",
    });
    assert_eq!(chat, &expected);
    let root = all.iter().find(|l| l["span_id"] == root_id).unwrap();
    assert!(root.get("parent_span_id").is_none());
    assert_eq!(root["segment_id"], root_id);
    let failed = all.iter().find(|l| l["name"] == "chat claude").unwrap();
    assert_eq!(failed["status"], "error");
    assert_eq!(failed["error_code"], "resource_exhausted");
    assert_eq!(failed["status_message"], "rate_limit_error");
    // Doubles keep their type on a round trip even when whole.
    let mut span = client.start_span(SpanStart::new("whole"));
    span.set_attribute("d", 2.0);
    span.end();
    client.flush(5 * SECOND).unwrap();
    let raw = fs::read_to_string(&path).unwrap();
    assert!(raw.lines().last().unwrap().contains(r#""d":2.0"#));
}

#[test]
fn the_spool_rotates_before_it_passes_the_cap_and_keeps_a_bounded_number_of_files() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("spans.jsonl");
    let client = spool_client(&path, |o| {
        o.spool_max_bytes = 8 * 1024;
        o.spool_max_files = 2;
    });
    let blob = "y".repeat(1000);
    for i in 0..200 {
        let mut span = client.start_span(SpanStart::new(format!("span {i}")));
        span.set_attribute("blob", blob.clone());
        span.end();
        if i % 10 == 9 {
            client.flush(5 * SECOND).unwrap();
        }
    }
    client.flush(5 * SECOND).unwrap();
    // The lock file writers share is not a spool file.
    let files: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .filter(|f| f.file_name() != "spans.jsonl.lock")
        .collect();
    assert_eq!(files.len(), 3, "the live file and two rotated ones");
    assert!(!rotated_path(&path, 3).exists());
    for f in &files {
        let len = f.metadata().unwrap().len();
        assert!(len <= 8 * 1024, "{:?} is {len} bytes", f.path());
    }
    // The newest spans are in the live file, the older ones in .1 then .2.
    let newest = lines(&path);
    assert_eq!(newest.last().unwrap()["name"], "span 199");
    let older = lines(&rotated_path(&path, 1));
    assert!(!older.is_empty());
    let n = |l: &Json| l["name"].as_str().unwrap()[5..].parse::<u32>().unwrap();
    assert!(n(older.last().unwrap()) < n(&newest[0]));
    assert_eq!(client.stats().exporter("spool").unwrap().exported, 200);
}

#[test]
fn a_spool_rotated_or_removed_by_another_process_is_reopened() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("spans.jsonl");
    let client = spool_client(&path, |_| {});
    client.start_span(SpanStart::new("first")).end();
    client.flush(5 * SECOND).unwrap();
    fs::rename(&path, dir.path().join("moved.jsonl")).unwrap();
    client.start_span(SpanStart::new("second")).end();
    client.flush(5 * SECOND).unwrap();
    assert_eq!(lines(&path).len(), 1);
    assert_eq!(lines(&path)[0]["name"], "second");
    assert_eq!(lines(&dir.path().join("moved.jsonl"))[0]["name"], "first");
}

#[test]
fn an_unusable_spool_path_is_an_error_at_init_naming_the_option() {
    let dir = tempfile::tempdir().unwrap();
    let mut o = quiet_options();
    o.spool = Some(Spool::Path(dir.path().to_owned()));
    let err = Client::init(o)
        .err()
        .expect("a directory is not a spool file");
    assert_eq!(err.option, "spool");
    assert!(err.reason.contains("directory"), "{err}");

    let file = dir.path().join("plain-file");
    fs::write(&file, "x").unwrap();
    let mut o = quiet_options();
    o.spool = Some(Spool::Path(file.join("spans.jsonl")));
    let err = Client::init(o).err().expect("a file cannot be a folder");
    assert_eq!(err.option, "spool");
}
