//! Usage and cost edge cases from the wire: a versioned model the price table lacks, and token
//! counts too large to be true.

mod support;

use std::time::Duration;

use llmtel_core::genai::{Api, CallStart, Provider};
use llmtel_core::{Client, SpanData, Value};

fn finished_call(provider: Provider, api: Api, request: &str, response: &str) -> SpanData {
    let (options, spans) = support::memory_options();
    let client = Client::init(options).unwrap();
    let (call, begun) = client.begin_genai_call(CallStart::new(provider, api, request));
    begun.unwrap();
    call.finish(response).unwrap();
    client.flush(Duration::from_secs(5)).unwrap();
    spans.lock().unwrap().pop().expect("one span")
}

fn double(span: &SpanData, key: &str) -> Option<f64> {
    span.attributes.get(key).and_then(Value::as_f64)
}

fn int(span: &SpanData, key: &str) -> Option<i64> {
    span.attributes.get(key).and_then(Value::as_i64)
}

#[test]
fn a_versioned_gemini_model_is_priced_as_the_model_asked_for() {
    let span = finished_call(
        Provider::Google,
        Api::GenerateContent,
        r#"{"model": "gemini-2.5-flash", "contents": "Why is the sky blue?"}"#,
        r#"{"candidates": [{"content": {"parts": [{"text": "Rayleigh."}], "role": "model"}, "finishReason": "STOP"}],
            "modelVersion": "gemini-2.5-flash-001", "usageMetadata": {"promptTokenCount": 1000, "candidatesTokenCount": 2000}}"#,
    );
    assert_eq!(
        span.attributes
            .get("gen_ai.response.model")
            .and_then(Value::as_str),
        Some("gemini-2.5-flash-001")
    );
    assert!(
        double(&span, "gen_ai.cost.total_tokens").is_some_and(|c| c > 0.0),
        "{:?}",
        span.attributes
    );
}

#[test]
fn counts_too_large_to_be_true_are_kept_apart_and_never_priced() {
    let span = finished_call(
        Provider::OpenAi,
        Api::ChatCompletions,
        r#"{"model": "gpt-4o-mini", "messages": []}"#,
        r#"{"id": "c1", "object": "chat.completion", "model": "gpt-4o-mini", "choices": [],
            "usage": {"prompt_tokens": 18000000000000000000, "completion_tokens": 20}}"#,
    );
    assert_eq!(int(&span, "gen_ai.usage.input_tokens"), None);
    assert_eq!(int(&span, "gen_ai.usage.output_tokens"), Some(20));
    assert!(
        int(&span, "llmtel.usage.unbelievable.input_tokens").is_some_and(|n| n > 1_000_000_000)
    );
    assert_eq!(
        int(&span, "gen_ai.usage.total_tokens"),
        None,
        "no total from a partial sum"
    );
    assert_eq!(
        double(&span, "gen_ai.cost.total_tokens"),
        None,
        "no partial cost"
    );
}
