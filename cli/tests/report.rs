//! `llmtel report` over spools written by the real pipeline: group sums equal the per-span sums,
//! percentiles match a reference computation, damaged lines are skipped and counted, and a
//! missing or empty spool is one line and exit code 0.

use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

use llmtel_core::options::Spool;
use llmtel_core::{Client, Options, SpanKind, SpanStart, Status, keys};
use serde_json::Value;

const MODELS: [(&str, &str); 3] = [
    ("gpt-4o", "openai"),
    ("claude-sonnet-4-5", "anthropic"),
    ("gemini-2.5-flash", "gcp.gemini"),
];

/// Writes `n` model calls (each under a user task span) through the pipeline into `path`.
fn record(path: &Path, n: u64) {
    let client = Client::init(Options {
        spool: Some(Spool::Path(path.to_path_buf())),
        dsn: Some(String::new()),
        ..Options::default()
    })
    .unwrap();
    let base = 1_790_000_000_000_000_000u64;
    for i in 0..n {
        let (model, provider) = MODELS[(i % 3) as usize];
        let start = base + i * 1_000_000_000;
        let task = client.start_span(
            SpanStart::new("Generate Report")
                .op("ai.task")
                .start_time_unix_nano(start),
        );
        let mut call = client.start_span(
            SpanStart::new(format!("chat {model}"))
                .op("gen_ai.chat")
                .origin("auto.ai.test")
                .kind(SpanKind::Client)
                .parent(task.context())
                .start_time_unix_nano(start)
                .attribute(keys::GEN_AI_OPERATION_NAME, "chat")
                .attribute(keys::GEN_AI_PROVIDER_NAME, provider)
                .attribute(keys::GEN_AI_REQUEST_MODEL, model),
        );
        // Irregular but deterministic numbers, so sums and ranks are not trivially aligned.
        let mix = (i * 7919) % 1000;
        call.set_attribute(keys::GEN_AI_USAGE_INPUT_TOKENS, (100 + mix) as i64);
        call.set_attribute(keys::GEN_AI_USAGE_OUTPUT_TOKENS, (20 + mix / 3) as i64);
        if i % 4 == 0 {
            call.set_attribute(keys::GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS, (mix / 2) as i64);
        }
        if i % 5 == 0 {
            call.set_attribute(keys::GEN_AI_USAGE_REASONING_OUTPUT_TOKENS, (mix / 7) as i64);
        }
        call.set_attribute(keys::GEN_AI_COST_TOTAL_TOKENS, mix as f64 * 1.25e-6);
        if i % 2 == 0 {
            call.set_attribute(
                keys::GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK,
                mix as f64 / 4000.0,
            );
            call.set_attribute(keys::GEN_AI_RESPONSE_TOKENS_PER_SECOND, 10.0 + mix as f64);
        }
        call.set_status(if i % 11 == 3 {
            Status::error("rate_limited")
        } else {
            Status::Ok
        });
        let duration = 1_000_000 * (5 + (i * 104_729) % 3000);
        call.end_at(start + duration);
        task.end_at(start + duration + 1_000_000);
    }
    client.close(Duration::from_secs(10)).unwrap();
}

fn llmtel(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_llmtel"))
        .args(args)
        .env_remove("LLMTEL_SPOOL")
        .output()
        .unwrap()
}

fn report_json(spool: &Path, by: &str) -> (Value, String) {
    let out = llmtel(&[
        "report",
        "--json",
        "--by",
        by,
        "--spool",
        spool.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{out:?}");
    (
        serde_json::from_slice(&out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// The model-call lines of a spool, read independently of the command.
fn calls(spool: &Path) -> Vec<Value> {
    std::fs::read_to_string(spool)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|s| s["attributes"].get("gen_ai.operation.name").is_some())
        .collect()
}

/// Reference percentile: the smallest observed value that at least p % of values do not exceed.
fn reference_percentile(values: &[f64], p: f64) -> f64 {
    let n = values.len() as f64;
    let mut candidates = values.to_vec();
    candidates.sort_by(f64::total_cmp);
    *candidates
        .iter()
        .find(|&&x| values.iter().filter(|&&v| v <= x).count() as f64 >= p / 100.0 * n - 1e-9)
        .unwrap()
}

fn attr_sum(spans: &[&Value], key: &str) -> f64 {
    spans
        .iter()
        .filter_map(|s| s["attributes"][key].as_f64())
        .sum()
}

#[test]
fn group_sums_and_percentiles_match_the_spans() {
    let dir = tempfile::tempdir().unwrap();
    let spool = dir.path().join("spans.jsonl");
    record(&spool, 600);
    let spans = calls(&spool);
    assert_eq!(spans.len(), 600);

    let (report, stderr) = report_json(&spool, "model");
    assert_eq!(report["skipped_lines"], 0, "{stderr}");
    let groups = report["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 3);
    for group in groups {
        let model = group["key"].as_str().unwrap();
        let mine: Vec<&Value> = spans
            .iter()
            .filter(|s| s["attributes"]["gen_ai.request.model"] == model)
            .collect();
        assert_eq!(group["calls"], mine.len());
        let errors = mine.iter().filter(|s| s["status"] == "error").count();
        assert!(errors > 0);
        assert_eq!(group["errors"], errors);
        for (field, key) in [
            ("input_tokens", keys::GEN_AI_USAGE_INPUT_TOKENS),
            ("output_tokens", keys::GEN_AI_USAGE_OUTPUT_TOKENS),
            ("cached_tokens", keys::GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS),
            (
                "reasoning_tokens",
                keys::GEN_AI_USAGE_REASONING_OUTPUT_TOKENS,
            ),
        ] {
            assert_eq!(
                group[field].as_f64().unwrap(),
                attr_sum(&mine, key),
                "{model} {field}"
            );
        }
        let cost = attr_sum(&mine, keys::GEN_AI_COST_TOTAL_TOKENS);
        assert!((group["cost_usd"].as_f64().unwrap() - cost).abs() < 1e-9);

        let latencies: Vec<f64> = mine
            .iter()
            .map(|s| {
                let ns = s["end_time_unix_nano"].as_u64().unwrap()
                    - s["start_time_unix_nano"].as_u64().unwrap();
                ns as f64 / 1e9
            })
            .collect();
        for p in [50.0, 95.0, 99.0] {
            let got = group[format!("latency_p{p}_s")].as_f64().unwrap();
            let want = reference_percentile(&latencies, p);
            assert!((got - want).abs() < 1e-6, "{model} p{p}: {got} vs {want}");
        }
        let ttfc: Vec<f64> = mine
            .iter()
            .filter_map(|s| s["attributes"][keys::GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK].as_f64())
            .collect();
        let got = group["time_to_first_chunk_p50_s"].as_f64().unwrap();
        assert!((got - reference_percentile(&ttfc, 50.0)).abs() < 1e-6);
    }

    let total = &report["total"];
    assert_eq!(total["calls"], 600);
    let all: Vec<&Value> = spans.iter().collect();
    assert_eq!(
        total["input_tokens"].as_f64().unwrap(),
        attr_sum(&all, keys::GEN_AI_USAGE_INPUT_TOKENS)
    );
    // Grouping another way covers the same calls.
    let (by_provider, _) = report_json(&spool, "provider");
    assert_eq!(by_provider["total"]["calls"], 600);
    assert_eq!(by_provider["groups"].as_array().unwrap().len(), 3);
}

#[test]
fn agent_and_tool_spans_are_not_model_calls_and_their_sums_are_not_counted_twice() {
    let dir = tempfile::tempdir().unwrap();
    let spool = dir.path().join("spans.jsonl");
    let client = Client::init(Options {
        spool: Some(Spool::Path(spool.clone())),
        dsn: Some(String::new()),
        ..Options::default()
    })
    .unwrap();
    let agent = client
        .start_agent(
            llmtel_core::genai::AgentSpec {
                name: Some("weather_agent".into()),
                ..Default::default()
            },
            llmtel_core::genai::CallPlacement::default(),
        )
        .unwrap();
    for input in [60, 90] {
        let mut call = client.start_span(
            SpanStart::new("chat gpt-4o")
                .op("gen_ai.chat")
                .kind(SpanKind::Client)
                .parent(agent.context())
                .attribute(keys::GEN_AI_OPERATION_NAME, "chat")
                .attribute(keys::GEN_AI_REQUEST_MODEL, "gpt-4o"),
        );
        let usage = llmtel_core::genai::Usage {
            input: Some(input),
            output: Some(10),
            ..Default::default()
        };
        call.report_usage(&usage, None);
        usage.record(call.attributes_mut().unwrap());
        call.end();
    }
    let tool = client
        .start_tool(
            llmtel_core::genai::ToolSpec {
                name: "get_weather".into(),
                ..Default::default()
            },
            llmtel_core::genai::CallPlacement {
                parent: Some(agent.context()),
                ..Default::default()
            },
        )
        .unwrap();
    tool.end();
    agent.end();
    client.close(Duration::from_secs(5)).unwrap();
    let written = std::fs::read_to_string(&spool).unwrap();
    assert!(
        written.contains("\"gen_ai.usage.input_tokens\":150"),
        "the agent carries the sum: {written}"
    );

    let (report, _) = report_json(&spool, "model");
    assert_eq!(report["total"]["calls"], 2, "{report}");
    assert_eq!(report["total"]["input_tokens"], 150, "{report}");
    let groups: Vec<&str> = report["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["key"].as_str().unwrap())
        .collect();
    assert_eq!(groups, ["gpt-4o"]);
}

#[test]
fn rotated_files_are_read_and_damaged_lines_are_counted_not_fatal() {
    let dir = tempfile::tempdir().unwrap();
    let spool = dir.path().join("spans.jsonl");
    record(&spool, 30);
    let (clean, _) = report_json(&spool, "model");

    // An older rotated file, non-UTF-8 garbage, and a last line cut off mid-write.
    std::fs::copy(&spool, dir.path().join("spans.jsonl.1")).unwrap();
    let original = std::fs::read(&spool).unwrap();
    let mut bytes = original.clone();
    bytes.extend_from_slice(b"\xff\xfe not a span \xc3\x28\n");
    bytes.extend_from_slice(&original[..40]);
    std::fs::write(&spool, bytes).unwrap();

    let (damaged, stderr) = report_json(&spool, "model");
    assert_eq!(damaged["files"], 2);
    assert_eq!(damaged["skipped_lines"], 2, "{stderr}");
    assert!(stderr.contains("skipped 2 of"), "{stderr}");
    assert_eq!(
        damaged["total"]["calls"].as_u64().unwrap(),
        2 * clean["total"]["calls"].as_u64().unwrap()
    );

    let table = llmtel(&["report", "--spool", spool.to_str().unwrap()]);
    assert!(table.status.success());
    let text = String::from_utf8(table.stdout).unwrap();
    assert!(text.contains("gpt-4o") && text.contains("total"), "{text}");
}

#[test]
fn missing_or_empty_spools_say_so_in_one_line_and_exit_0() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nothing.jsonl");
    let out = llmtel(&["report", "--spool", missing.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("no spool at"), "{stderr}");

    let empty = dir.path().join("empty.jsonl");
    std::fs::write(&empty, "").unwrap();
    let out = llmtel(&["report", "--spool", empty.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        stdout.trim(),
        format!("no model calls in {}", empty.display())
    );

    // --since filters on the end time: these calls ended in 2026-09, long before "1h ago".
    let spool = dir.path().join("old.jsonl");
    record(&spool, 3);
    let out = llmtel(&[
        "report",
        "--since",
        "1h",
        "--spool",
        spool.to_str().unwrap(),
    ]);
    assert!(
        String::from_utf8(out.stdout)
            .unwrap()
            .contains("in that time")
    );

    let out = llmtel(&["report", "--since", "3y"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8(out.stderr)
            .unwrap()
            .contains("unknown unit")
    );
}

#[test]
fn the_html_report_is_one_file_that_fetches_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let spool = dir.path().join("spans.jsonl");
    record(&spool, 90);
    let page = dir.path().join("report.html");
    let out = llmtel(&[
        "report",
        "--spool",
        spool.to_str().unwrap(),
        "--html",
        page.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{out:?}");
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.starts_with("<!doctype html>"));
    // Nothing to fetch, and a policy that would refuse it anyway.
    for outside in ["http:", "https:", "src=", "<script", "<link", "url("] {
        assert!(!html.contains(outside), "the page has {outside:?}");
    }
    assert!(html.contains("Content-Security-Policy\" content=\"default-src 'none'"));
    assert_eq!(html.matches("<svg").count(), 4);
    // A cost bar and a latency box per model; the table's totals row has every call.
    assert_eq!(html.matches("<rect class=\"cost\" x=\"230\"").count(), 3);
    assert_eq!(html.matches("<rect class=\"box\"").count(), 3);
    assert!(html.contains("<tr class=\"total\"><td>total</td><td>90</td>"));

    let out = llmtel(&[
        "report",
        "--spool",
        spool.to_str().unwrap(),
        "--html",
        dir.path().join("no/such/dir/report.html").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("cannot write") && stderr.contains("no/such/dir/report.html"),
        "{stderr}"
    );
}
