//! Privacy of what a failed call says: error messages are scrubbed of secrets always, and with
//! content off a provider's quoted passages (where it echoes the prompt) are not kept. The
//! user's own secret patterns apply to content and error messages alike.

mod support;

use std::time::Duration;

use llmtel_core::genai::{Api, CallError, CallStart, ContentPolicy, Provider};
use llmtel_core::{Client, Options, SpanData, SpanStart, Status};

const KEY: &str = "sk-proj-Zq3xV8mN2pL5rT9wK4yH7jB1cF6dG0sA";

fn failed_call(tweak: impl FnOnce(&mut Options), content: bool, body: &str) -> SpanData {
    let (mut options, spans) = support::memory_options();
    tweak(&mut options);
    let client = Client::init(options).unwrap();
    let request =
        r#"{"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "my plan"}]}"#;
    let mut start = CallStart::new(Provider::OpenAi, Api::ChatCompletions, request);
    start.content = ContentPolicy {
        record_inputs: content,
        record_outputs: content,
    };
    let (call, begun) = client.begin_genai_call(start);
    begun.unwrap();
    call.fail(CallError {
        http_status: Some(400),
        body: Some(body),
        exception: Some("BadRequestError"),
        message: None,
    })
    .unwrap();
    client.flush(Duration::from_secs(5)).unwrap();
    spans.lock().unwrap().pop().expect("one span")
}

fn message(span: &SpanData) -> &str {
    match &span.status {
        Status::Error { message, .. } => message.as_deref().unwrap_or(""),
        other => panic!("not an error: {other:?}"),
    }
}

fn error_body(message: &str, kind: &str) -> String {
    serde_json::json!({"error": {"message": message, "type": kind, "code": null}}).to_string()
}

#[test]
fn a_key_echoed_in_an_error_message_is_filtered_even_with_scrubbing_off() {
    let body = error_body(
        &format!(
            "Incorrect API key provided: {KEY}. You can find your API key at https://platform.openai.com."
        ),
        "invalid_request_error",
    );
    for scrub_secrets in [true, false] {
        let span = failed_call(|o| o.scrub_secrets = scrub_secrets, false, &body);
        assert!(!message(&span).contains(KEY), "{}", message(&span));
        assert!(message(&span).starts_with("Incorrect API key provided: [Filtered]"));
        assert_eq!(
            span.attributes.get("error.type").and_then(|v| v.as_str()),
            Some("invalid_request_error"),
            "the provider's error type is always kept"
        );
    }
}

#[test]
fn with_content_off_quoted_passages_of_an_error_are_not_kept() {
    let body = error_body(
        "Invalid prompt: 'my SSN is 078-05-1120' was flagged as potentially violating our usage policy.",
        "invalid_request_error",
    );
    let off = failed_call(|_| {}, false, &body);
    assert_eq!(
        message(&off),
        "Invalid prompt: '[Filtered]' was flagged as potentially violating our usage policy."
    );
    let on = failed_call(|_| {}, true, &body);
    assert!(
        message(&on).contains("my SSN is 078-05-1120"),
        "content on keeps the message"
    );
}

#[test]
fn user_patterns_filter_content_and_error_messages() {
    let body = error_body("employee EMP-123456 is not allowed", "permission_error");
    let span = failed_call(
        |o| o.scrub_patterns = vec!["EMP-[0-9]{6}".into()],
        true,
        &body,
    );
    assert_eq!(message(&span), "employee [Filtered] is not allowed");
}

#[test]
fn a_user_span_error_message_is_scrubbed_of_secrets() {
    let (options, spans) = support::memory_options();
    let client = Client::init(options).unwrap();
    let mut span = client.start_span(SpanStart::new("job"));
    span.set_status(Status::Error {
        code: llmtel_core::ErrorCode::InternalError,
        message: Some(format!("POST failed with Authorization: Bearer {KEY}")),
    });
    span.end();
    client.flush(Duration::from_secs(5)).unwrap();
    let span = spans.lock().unwrap().pop().unwrap();
    assert_eq!(
        message(&span),
        "POST failed with Authorization: Bearer [Filtered]"
    );
}
