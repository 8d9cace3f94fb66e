//! Property test of the GenAI hook: arbitrary JSON (and non-JSON) fed to begin / chunk / finish /
//! fail in arbitrary orders, for every provider and API, including real scenario streams cut,
//! shuffled and corrupted. Nothing may panic, every call yields exactly one span, and no
//! attribute grows past what the input and the content cap allow.
//!
//! `PROPTEST_CASES=N cargo test -p llmtel-core --test genai_fuzz --release` runs it longer.

mod support;

use std::time::Duration;

use llmtel_core::genai::{Api, CallError, CallStart, ContentPolicy, Provider};
use llmtel_core::{Client, Value};
use proptest::prelude::*;
use serde_json::Value as Json;

const PROVIDERS: [Provider; 6] = [
    Provider::OpenAi,
    Provider::AzureOpenAi,
    Provider::Anthropic,
    Provider::Gemini,
    Provider::VertexAi,
    Provider::Google,
];
const APIS: [Api; 8] = [
    Api::ChatCompletions,
    Api::Responses,
    Api::Embeddings,
    Api::Messages,
    Api::CountTokens,
    Api::GenerateContent,
    Api::ChatSendMessage,
    Api::EmbedContent,
];
const EVENTS: [&str; 12] = [
    "message_start",
    "content_block_start",
    "content_block_delta",
    "message_delta",
    "error",
    "response.created",
    "response.completed",
    "response.failed",
    "response.output_text.delta",
    "ping",
    "",
    "message_stop",
];
/// Keys the providers read, so generated objects often hit real code paths.
const KEYS: [&str; 24] = [
    "model",
    "messages",
    "content",
    "choices",
    "delta",
    "tool_calls",
    "index",
    "function",
    "arguments",
    "usage",
    "prompt_tokens",
    "input_tokens",
    "output",
    "candidates",
    "parts",
    "text",
    "usageMetadata",
    "response",
    "type",
    "message",
    "finish_reason",
    "error",
    "role",
    "stream",
];
const CAP: usize = 4096;

fn json() -> impl Strategy<Value = Json> {
    let leaf = prop_oneof![
        Just(Json::Null),
        any::<bool>().prop_map(Json::Bool),
        any::<i64>().prop_map(Json::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map_or(Json::Null, Json::Number)),
        ".{0,40}".prop_map(Json::String),
        (0usize..KEYS.len()).prop_map(|i| Json::String(KEYS[i].to_owned())),
    ];
    leaf.prop_recursive(5, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Json::Array),
            prop::collection::vec(((0usize..KEYS.len()), inner), 0..8).prop_map(|entries| {
                Json::Object(
                    entries
                        .into_iter()
                        .map(|(k, v)| (KEYS[k].to_owned(), v))
                        .collect(),
                )
            }),
        ]
    })
}

/// JSON text, sometimes cut short or not JSON at all.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => json().prop_map(|j| j.to_string()),
        1 => (json(), any::<prop::sample::Index>()).prop_map(|(j, cut)| {
            let s = j.to_string();
            let at = cut.index(s.len() + 1);
            s.get(..at).unwrap_or("").to_owned()
        }),
        1 => ".{0,60}",
    ]
}

/// Real scenario events, shuffled, dropped and duplicated.
fn scenario_streams() -> Vec<Vec<(Option<String>, String)>> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/scenarios");
    let mut streams = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let s: Json =
            serde_json::from_str(&std::fs::read_to_string(entry.path()).unwrap()).unwrap();
        if let Some(events) = s["response"]["events"].as_array() {
            streams.push(
                events
                    .iter()
                    .map(|e| {
                        let data = match &e["data"] {
                            Json::String(s) => s.clone(),
                            other => other.to_string(),
                        };
                        (e["event"].as_str().map(str::to_owned), data)
                    })
                    .collect(),
            );
        }
    }
    streams
}

#[derive(Debug, Clone)]
enum Ending {
    Finish(String),
    Stream,
    Fail(Option<u16>, Option<String>),
    Drop,
}

fn ending() -> impl Strategy<Value = Ending> {
    prop_oneof![
        text().prop_map(Ending::Finish),
        Just(Ending::Stream),
        (
            proptest::option::of(100u16..600),
            proptest::option::of(text())
        )
            .prop_map(|(s, b)| Ending::Fail(s, b)),
        Just(Ending::Drop),
    ]
}

fn value_bytes(v: &Value) -> usize {
    match v {
        Value::String(s) => s.len(),
        Value::StringArray(a) => a.iter().map(|s| s.len() + 3).sum(),
        _ => 16,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn any_input_in_any_order_ends_one_span_without_panicking(
        provider in 0usize..PROVIDERS.len(),
        api in 0usize..APIS.len(),
        request in text(),
        content in any::<(bool, bool)>(),
        chunks in prop::collection::vec((proptest::option::of(0usize..EVENTS.len()), text()), 0..12),
        replay in proptest::option::of((any::<prop::sample::Index>(), prop::collection::vec(any::<prop::sample::Index>(), 0..40))),
        end in ending(),
    ) {
        let (mut options, spans) = support::memory_options();
        options.max_content_bytes = CAP;
        let client = Client::init(options).unwrap();

        let mut start = CallStart::new(PROVIDERS[provider], APIS[api], &request);
        start.content = ContentPolicy { record_inputs: content.0, record_outputs: content.1 };
        let (mut call, _) = client.begin_genai_call(start);
        let mut input_bytes = request.len();
        for (event, data) in &chunks {
            input_bytes += data.len();
            let _ = call.chunk(event.map(|e| EVENTS[e]), data);
        }
        if let Some((which, picks)) = replay {
            let streams = scenario_streams();
            let stream = which.get(&streams);
            for pick in picks {
                let (event, data) = pick.get(stream);
                input_bytes += data.len();
                let _ = call.chunk(event.as_deref(), data);
            }
        }
        match end {
            Ending::Finish(body) => { input_bytes += body.len(); let _ = call.finish(&body); }
            Ending::Stream => call.finish_stream(),
            Ending::Fail(status, body) => {
                input_bytes += body.as_ref().map_or(0, String::len);
                let _ = call.fail(CallError { http_status: status, body: body.as_deref(), ..Default::default() });
            }
            Ending::Drop => drop(call),
        }
        client.flush(Duration::from_secs(5)).unwrap();
        let spans = spans.lock().unwrap();
        prop_assert_eq!(spans.len(), 1);
        let span = &spans[0];
        // Content attributes stay under the cap (JSON escaping may add a little on crop);
        // everything else is bounded by what came in.
        for (key, value) in span.attributes.iter() {
            let size = value_bytes(value);
            let bound = if key.starts_with("gen_ai.input") || key.starts_with("gen_ai.output") || key.starts_with("gen_ai.system")
                || key.starts_with("gen_ai.tool.definitions") || key.starts_with("gen_ai.embeddings.input") { CAP } else { input_bytes * 2 + 64 };
            prop_assert!(size <= bound, "{} is {} bytes (bound {})", key, size, bound);
        }
    }
}

/// Found by the property test: token counts near `i64::MAX` (or floats far past it) made the
/// sums of the contract (input + output, Anthropic's input + cache, Gemini's candidates +
/// thoughts, an embedding batch's counts) overflow. They saturate instead.
#[test]
fn absurd_token_counts_saturate_instead_of_overflowing() {
    let huge = "1.7e182";
    let cases = [
        (
            Provider::OpenAi,
            Api::ChatCompletions,
            format!(r#"{{"usage":{{"prompt_tokens":{huge},"completion_tokens":{huge}}}}}"#),
        ),
        (
            Provider::Anthropic,
            Api::Messages,
            format!(
                r#"{{"usage":{{"input_tokens":{huge},"cache_read_input_tokens":{huge},"output_tokens":{huge}}}}}"#
            ),
        ),
        (
            Provider::Gemini,
            Api::GenerateContent,
            format!(
                r#"{{"usageMetadata":{{"promptTokenCount":{huge},"candidatesTokenCount":{huge},"thoughtsTokenCount":{huge}}}}}"#
            ),
        ),
        (
            Provider::Gemini,
            Api::EmbedContent,
            format!(
                r#"{{"embeddings":[{{"statistics":{{"tokenCount":{huge}}}}},{{"statistics":{{"tokenCount":{huge}}}}}]}}"#
            ),
        ),
    ];
    for (provider, api, response) in cases {
        let (options, spans) = support::memory_options();
        let client = Client::init(options).unwrap();
        let (call, _) = client.begin_genai_call(CallStart::new(provider, api, r#"{"model":"m"}"#));
        call.finish(&response).unwrap();
        client.flush(Duration::from_secs(5)).unwrap();
        let spans = spans.lock().unwrap();
        assert_eq!(spans.len(), 1, "{provider:?} {api:?}");
        // Saturated, and kept apart from the counts reports sum.
        assert_eq!(
            spans[0]
                .attributes
                .get("llmtel.usage.unbelievable.input_tokens"),
            Some(&Value::Int(i64::MAX)),
            "{provider:?} {api:?}: {:?}",
            spans[0].attributes
        );
        assert_eq!(spans[0].attributes.get("gen_ai.usage.input_tokens"), None);
    }
}
