//! Every shared scenario in `tests/scenarios/` through the core: the request, the response (or
//! stream, or error) and the options go in, and the span that comes out must be exactly the
//! expected one: name, op, kind, origin, status, and the complete set of attributes.
//!
//! Expected values: JSON scalars and arrays compare to the attribute's typed value (integers
//! to integers, numbers with a fraction or an exponent to doubles, within 1e-9 relative); an
//! object or array expected for a string attribute means the attribute holds that JSON;
//! `"<double>"` means any double (timings); `{"$json_max_bytes": N, "$min_bytes": M}` means a
//! JSON string of M to N bytes.

mod support;

use std::path::{Path, PathBuf};
use std::time::Duration;

use llmtel_core::genai::{Api, CallError, CallStart, ContentPolicy, Provider};
use llmtel_core::{Client, SpanData, SpanKind, Status, Value};
use serde_json::Value as Json;

pub fn scenario_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/scenarios")
}

fn data_text(data: &Json) -> String {
    match data {
        Json::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// How a stream reaches the core.
#[derive(Clone, Copy)]
enum Feed {
    /// One `chunk(event, data)` per event, as the Python layer hands them.
    Events,
    /// The raw bytes of the SSE stream, cut into pieces of this size (the Node layer).
    Bytes(usize),
}

/// The SSE bytes a provider sends for these events.
fn sse_bytes(events: &[Json]) -> Vec<u8> {
    let mut out = String::new();
    for event in events {
        if let Some(name) = event["event"].as_str() {
            out.push_str(&format!("event: {name}\n"));
        }
        for line in data_text(&event["data"]).split('\n') {
            out.push_str(&format!("data: {line}\n"));
        }
        out.push('\n');
    }
    out.into_bytes()
}

/// Runs one scenario through the core and returns the span it produced.
fn run(scenario: &Json) -> SpanData {
    run_with(scenario, Feed::Events)
}

fn run_with(scenario: &Json, feed: Feed) -> SpanData {
    let (mut options, spans) = support::memory_options();
    let opts = &scenario["options"];
    if let Some(format) = opts["content_format"].as_str() {
        options.set("content_format", format).unwrap();
    }
    if let Some(cap) = opts["max_content_bytes"].as_u64() {
        options.max_content_bytes = cap as usize;
    }
    let client = Client::init(options).unwrap();

    let request = scenario["request"].to_string();
    let mut start = CallStart::new(
        Provider::parse(scenario["provider"].as_str().unwrap()).expect("a known provider"),
        Api::parse(scenario["api"].as_str().unwrap()).expect("a known API"),
        &request,
    );
    start.content = ContentPolicy {
        record_inputs: opts["record_inputs"].as_bool().unwrap_or(false),
        record_outputs: opts["record_outputs"].as_bool().unwrap_or(false),
    };
    start.stream = scenario["stream"].as_bool().unwrap_or(false);
    start.server_address = scenario["server"]["address"].as_str();
    start.server_port = scenario["server"]["port"].as_u64().map(|p| p as u16);
    let (mut call, begun) = client.begin_genai_call(start);
    begun.unwrap();

    let response = &scenario["response"];
    let status = response["status"].as_u64().unwrap_or(200) as u16;
    if let Some(events) = response["events"].as_array() {
        match feed {
            Feed::Events => {
                for event in events {
                    call.chunk(event["event"].as_str(), &data_text(&event["data"]))
                        .unwrap();
                }
            }
            Feed::Bytes(piece) => {
                for bytes in sse_bytes(events).chunks(piece) {
                    call.feed(bytes).unwrap();
                }
            }
        }
        call.finish_stream();
    } else if status >= 400 {
        let body = response["body"].to_string();
        call.fail(CallError {
            http_status: Some(status),
            body: Some(&body),
            ..Default::default()
        })
        .unwrap();
    } else {
        call.finish(&response["body"].to_string()).unwrap();
    }
    client.flush(Duration::from_secs(5)).unwrap();
    let mut spans = spans.lock().unwrap();
    assert_eq!(spans.len(), 1, "one span per call");
    spans.pop().unwrap()
}

fn matches(expected: &Json, actual: &Value) -> Result<(), String> {
    let fail = || Err(format!("expected {expected}, got {actual:?}"));
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1e-12);
    match (expected, actual) {
        (Json::String(s), Value::Double(_)) if s == "<double>" => Ok(()),
        (Json::String(e), Value::String(a)) if e == a.as_ref() => Ok(()),
        (Json::Bool(e), Value::Bool(a)) if e == a => Ok(()),
        (Json::Number(n), Value::Int(a)) if n.is_i64() && n.as_i64() == Some(*a) => Ok(()),
        (Json::Number(n), Value::Double(a)) if !n.is_i64() && close(n.as_f64().unwrap(), *a) => {
            Ok(())
        }
        (Json::Object(o), Value::String(a)) if o.contains_key("$json_max_bytes") => {
            let max = o["$json_max_bytes"].as_u64().unwrap() as usize;
            let min = o["$min_bytes"].as_u64().unwrap_or(0) as usize;
            serde_json::from_str::<Json>(a).map_err(|e| format!("not JSON: {e}"))?;
            if (min..=max).contains(&a.len()) {
                Ok(())
            } else {
                Err(format!("{} bytes, expected {min} to {max}", a.len()))
            }
        }
        (Json::Object(_) | Json::Array(_), Value::String(a)) => {
            let parsed: Json =
                serde_json::from_str(a).map_err(|e| format!("not JSON ({e}): {a}"))?;
            if &parsed == expected {
                Ok(())
            } else {
                Err(format!("expected {expected}\n      got {parsed}"))
            }
        }
        (Json::Array(items), Value::StringArray(a)) => {
            let a: Vec<Json> = a.iter().map(|s| Json::String(s.to_string())).collect();
            if *items == a { Ok(()) } else { fail() }
        }
        (Json::Array(items), Value::IntArray(a)) => {
            let a: Vec<Json> = a.iter().map(|n| Json::from(*n)).collect();
            if *items == a { Ok(()) } else { fail() }
        }
        _ => fail(),
    }
}

fn check(scenario: &Json, span: &SpanData) -> Vec<String> {
    let expect = &scenario["expect"];
    let mut problems = Vec::new();
    let mut same = |what: &str, expected: &Json, actual: &str| {
        if expected.as_str() != Some(actual) {
            problems.push(format!("{what}: expected {expected}, got {actual:?}"));
        }
    };
    same("name", &expect["name"], &span.name);
    same("op", &expect["op"], span.op.as_deref().unwrap_or(""));
    same("origin", &expect["origin"], &span.origin);
    same("kind", &expect["kind"], span.kind.as_str());
    let (status, code) = match &span.status {
        Status::Error { code, .. } => ("error", Some(code.as_str())),
        _ => ("ok", None),
    };
    same("status", &expect["status"], status);
    if let Some(expected_code) = expect.get("error_code") {
        same("error_code", expected_code, code.unwrap_or(""));
    }
    assert_eq!(span.kind, SpanKind::Client);

    let expected = expect["attributes"].as_object().unwrap();
    for (key, want) in expected {
        match span.attributes.get(key) {
            None => problems.push(format!("missing {key} (expected {want})")),
            Some(got) => {
                if let Err(e) = matches(want, got) {
                    problems.push(format!("{key}: {e}"));
                }
            }
        }
    }
    for (key, value) in span.attributes.iter() {
        if !expected.contains_key(key) {
            problems.push(format!("unexpected {key} = {value:?}"));
        }
    }
    problems
}

#[test]
fn every_scenario_gives_exactly_its_expected_span() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(scenario_dir())
        .expect("tests/scenarios exists")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert!(files.len() >= 40, "{} scenarios", files.len());
    let mut failures = Vec::new();
    for file in &files {
        let scenario: Json =
            serde_json::from_str(&std::fs::read_to_string(file).unwrap()).expect("valid JSON");
        let span = run(&scenario);
        let mut problems = check(&scenario, &span);
        // A streamed scenario gives the same span from its raw SSE bytes, however they are cut.
        if scenario["response"]["events"].is_array() {
            for piece in [7, 4096] {
                for problem in check(&scenario, &run_with(&scenario, Feed::Bytes(piece))) {
                    problems.push(format!("fed in {piece}-byte pieces: {problem}"));
                }
            }
        }
        if !problems.is_empty() {
            failures.push(format!(
                "{}:\n  {}",
                file.file_name().unwrap().to_string_lossy(),
                problems.join("\n  ")
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} scenarios differ:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}
