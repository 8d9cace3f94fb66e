//! A call whose response is read later (`CallHandle::finish_later`, on the flush thread) ends
//! with the span `finish` gives: the same attributes, status and scrubbing; with a
//! `before_send_span` hook, which sees the whole span, and under an agent, which sums the
//! call's usage, the response is read at once.

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use llmtel_core::PlacementSpec;
use llmtel_core::facade::CallSpec;
use llmtel_core::genai::{AgentSpec, CallEnd};
use llmtel_core::{Client, SpanData, SpanFate, Value};
use serde_json::json;

const SECOND: Duration = Duration::from_secs(1);
/// Depends on how long the call took, not on how it ended.
const TIMING: &str = "gen_ai.response.tokens_per_second";

fn client(tweak: impl FnOnce(&mut llmtel_core::Options)) -> (Client, support::Spans) {
    let (mut options, spans) = support::memory_options();
    tweak(&mut options);
    (Client::init(options).unwrap(), spans)
}

fn spec(parent: Option<llmtel_core::SpanContext>) -> CallSpec {
    CallSpec {
        provider: "openai".into(),
        api: "chat_completions".into(),
        request: json!({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]})
            .to_string(),
        server_address: Some("api.openai.com".into()),
        server_port: Some(443),
        record_inputs: true,
        record_outputs: true,
        // A scope attribute that names a credential: the privacy filter removes it.
        scope: vec![
            ("tenant".into(), "acme".into()),
            ("openai.api_key".into(), "sk-proj-0123456789".into()),
        ],
        parent,
        ..CallSpec::default()
    }
}

/// A response whose answer quotes a secret the privacy filter must take out.
fn response() -> String {
    json!({
        "id": "chatcmpl-1", "model": "gpt-4o-mini-2024-07-18",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "use sk-proj-abcdefghijklmnopqrstuvwxyz0123456789"}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 12, "completion_tokens": 8, "total_tokens": 20},
        "system_fingerprint": "fp_1"
    })
    .to_string()
}

fn finished(client: &Client, spans: &support::Spans) -> Vec<SpanData> {
    client.flush(5 * SECOND).unwrap();
    spans.lock().unwrap().clone()
}

/// What a span says, apart from its ids, times and timing-dependent figures.
fn summary(span: &SpanData) -> String {
    let mut attributes: Vec<String> = span
        .attributes
        .iter()
        .filter(|(k, _)| *k != TIMING)
        .map(|(k, v)| format!("{k}={v:?}"))
        .collect();
    attributes.sort();
    format!(
        "{} | {:?} | {:?} | {:?}\n{}",
        span.name,
        span.op,
        span.status,
        span.kind,
        attributes.join("\n")
    )
}

/// One call ended each way, in clients made alike.
fn both_ways(
    response: &str,
    tweak: impl Fn(&mut llmtel_core::Options),
) -> (Vec<SpanData>, Vec<SpanData>) {
    let (now, now_spans) = client(&tweak);
    let (call, _) = now.call(spec(None)).unwrap();
    call.finish(response).ok();
    let (later, later_spans) = client(&tweak);
    let (call, _) = later.call(spec(None)).unwrap();
    call.finish_later(response.to_owned()).unwrap();
    (finished(&now, &now_spans), finished(&later, &later_spans))
}

#[test]
fn a_response_read_on_the_flush_thread_gives_the_span_finish_gives() {
    let (now, later) = both_ways(&response(), |_| {});
    assert_eq!((now.len(), later.len()), (1, 1));
    assert_eq!(summary(&later[0]), summary(&now[0]));
    let span = &later[0];
    assert_eq!(
        span.attributes.get("gen_ai.response.id"),
        Some(&Value::from("chatcmpl-1"))
    );
    assert_eq!(
        span.attributes.get("gen_ai.usage.output_tokens"),
        Some(&Value::from(8_i64))
    );
    assert_eq!(span.attributes.get("tenant"), Some(&Value::from("acme")));
    assert_eq!(span.attributes.get("openai.api_key"), None);
    let output = format!("{:?}", span.attributes.get("gen_ai.output.messages"));
    assert!(output.contains("use "), "{output}");
    assert!(
        !output.contains("abcdefghijklmnop"),
        "not scrubbed: {output}"
    );
    assert!(span.end_time_unix_nano >= span.start_time_unix_nano);
}

#[test]
fn a_response_that_cannot_be_read_ends_the_span_as_finish_does() {
    let (now, later) = both_ways("{not json", |_| {});
    assert_eq!(summary(&later[0]), summary(&now[0]));
    assert_eq!(
        later[0].attributes.get("gen_ai.request.model"),
        Some(&Value::from("gpt-4o-mini"))
    );
    assert_eq!(later[0].attributes.get("gen_ai.response.id"), None);
}

#[test]
fn a_before_send_span_hook_sees_the_response() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let hook_seen = seen.clone();
    let (now, later) = both_ways(&response(), move |o| {
        let seen = hook_seen.clone();
        o.before_send_span = Some(Arc::new(move |span| {
            seen.lock()
                .unwrap()
                .push(span.attributes.get("gen_ai.response.id").cloned());
            SpanFate::Keep
        }));
    });
    assert_eq!(summary(&later[0]), summary(&now[0]));
    assert_eq!(
        *seen.lock().unwrap(),
        vec![Some(Value::from("chatcmpl-1")); 2]
    );
}

#[test]
fn a_call_under_an_agent_adds_its_usage_to_the_agent() {
    let (client, spans) = client(|_| {});
    let agent = client
        .agent(AgentSpec::default(), PlacementSpec::default())
        .unwrap();
    let (call, _) = client.call(spec(Some(agent.context()))).unwrap();
    call.finish_later(response()).unwrap();
    agent.end().unwrap();
    let spans = finished(&client, &spans);
    let agent = spans
        .iter()
        .find(|s| s.name.starts_with("invoke_agent"))
        .unwrap();
    assert_eq!(
        agent.attributes.get("gen_ai.usage.output_tokens"),
        Some(&Value::from(8_i64)),
        "{}",
        summary(agent)
    );
}

#[test]
fn an_agent_sums_the_calls_read_on_the_flush_thread_and_hands_them_to_the_agent_above() {
    let (client, spans) = client(|_| {});
    let outer = client
        .agent(
            AgentSpec {
                name: Some("outer".into()),
                ..AgentSpec::default()
            },
            PlacementSpec::default(),
        )
        .unwrap();
    let inner = client
        .agent(
            AgentSpec {
                name: Some("inner".into()),
                ..AgentSpec::default()
            },
            PlacementSpec {
                parent: Some(outer.context()),
                ..PlacementSpec::default()
            },
        )
        .unwrap();
    for parent in [inner.context(), inner.context(), outer.context()] {
        let (call, _) = client.call(spec(Some(parent))).unwrap();
        call.finish_later(response()).unwrap();
    }
    inner.end().unwrap();
    // Ended after its agent: counted nowhere, as with `finish`.
    let (late, _) = client.call(spec(Some(inner.context()))).unwrap();
    outer.end().unwrap();
    late.finish_later(response()).unwrap();
    let spans = finished(&client, &spans);
    let tokens = |name: &str| {
        let span = spans.iter().find(|s| s.name == name).unwrap();
        span.attributes.get("gen_ai.usage.output_tokens").cloned()
    };
    assert_eq!(tokens("invoke_agent inner"), Some(Value::from(16_i64)));
    assert_eq!(tokens("invoke_agent outer"), Some(Value::from(24_i64)));
}

#[test]
fn a_second_end_is_already_ended() {
    let (client, _spans) = client(|_| {});
    let (call, _) = client.call(spec(None)).unwrap();
    call.finish_later(response()).unwrap();
    let error = call.finish_later(response()).unwrap_err();
    assert_eq!(error.code(), "already_ended");
    assert!(call.finish("{}").is_err());
}

#[test]
fn a_call_or_run_the_host_timed_starts_when_the_host_says() {
    // A host that hands a call over only once it ended (Node's one crossing per call) gives its
    // start as how long ago it was: the span starts then, and tokens per second count the
    // whole call.
    let (client, spans) = client(|_| {});
    let ago = Duration::from_millis(250);
    let nanos = ago.as_nanos() as u64;
    let (call, _) = client
        .call(CallSpec {
            started_ago_ns: Some(nanos),
            ..spec(None)
        })
        .unwrap();
    call.finish_later(response()).unwrap();
    let placement = || PlacementSpec {
        started_ago_ns: Some(nanos),
        ..PlacementSpec::default()
    };
    let normalized = client.normalized_call(
        llmtel_core::genai::NormalizedRequest {
            provider: Some("openai".into()),
            model: Some("gpt-4o-mini".into()),
            ..Default::default()
        },
        placement(),
    );
    normalized.finish_stream().unwrap();
    let agent = client.agent(AgentSpec::default(), placement()).unwrap();
    agent.end().unwrap();
    let untimed = client
        .agent(AgentSpec::default(), PlacementSpec::default())
        .unwrap();
    untimed.end().unwrap();
    let spans = finished(&client, &spans);
    assert_eq!(spans.len(), 4);
    let lasted = |span: &SpanData| span.end_time_unix_nano - span.start_time_unix_nano;
    for span in &spans[..3] {
        assert!(lasted(span) >= nanos, "{}: {} ns", span.name, lasted(span));
    }
    assert!(
        lasted(&spans[3]) < nanos,
        "started now: {} ns",
        lasted(&spans[3])
    );
    let per_second = spans[0].attributes.get(TIMING).cloned();
    assert!(
        matches!(per_second, Some(Value::Double(v)) if v <= 8.0 / 0.25),
        "8 tokens over the whole 250 ms: {per_second:?}"
    );
}

const LANGCHAIN_START: &str = r#"{"invocation_params":{"model":"gpt-4o-mini","temperature":0.5},"metadata":{"ls_provider":"openai","ls_model_name":"gpt-4o-mini","ls_model_type":"chat"},"serialized":{"id":["langchain","chat_models","openai","ChatOpenAI"]},"messages":[{"lc":1,"type":"constructor","id":["langchain_core","messages","HumanMessage"],"kwargs":{"content":"hi"}}]}"#;
const AISDK_CALL: &str = r#"{"provider":"openai.chat","model_id":"gpt-4o","stream":false,"server_address":"api.openai.com","server_port":443,"options":{"temperature":0.2,"maxOutputTokens":64,"prompt":[{"role":"user","content":[{"type":"text","text":"hi"}]}]}}"#;
const AISDK_RESULT: &str = r#"{"content":[{"type":"text","text":"use sk-proj-abcdefghijklmnopqrstuvwxyz0123456789"}],"finishReason":"stop","usage":{"inputTokens":5,"outputTokens":7},"response":{"id":"resp-1","modelId":"gpt-4o-2024-08-06"}}"#;

#[test]
fn a_call_handed_over_once_it_ended_gives_the_span_of_its_steps() {
    // One step (`*_done`: the request read with the response, on the flush thread where
    // nothing reads the span first) against the steps a host takes when it starts a call as it
    // begins; with a sampler, which reads a span as it starts, the one step takes the steps.
    let content = || PlacementSpec {
        record_inputs: true,
        record_outputs: true,
        ..PlacementSpec::default()
    };
    for sampler in [false, true] {
        let tweak = |o: &mut llmtel_core::Options| {
            if sampler {
                o.traces_sampler = Some(Arc::new(|_| Some(1.0)));
            }
        };
        let (steps, steps_spans) = client(tweak);
        let (call, _) = steps.call(spec(None)).unwrap();
        call.finish_later(response()).unwrap();
        let model = steps.langchain_model(LANGCHAIN_START, content()).unwrap();
        model.adopt(&spec(None)).unwrap();
        model.finish_later(response()).unwrap();
        let model = steps.aisdk_model(AISDK_CALL, content()).unwrap();
        model.finish_aisdk(AISDK_RESULT.into()).unwrap();

        let (done, done_spans) = client(tweak);
        done.call_done(spec(None), CallEnd::Response(response()))
            .unwrap();
        done.langchain_model_done(
            LANGCHAIN_START.into(),
            content(),
            spec(None),
            CallEnd::Response(response()),
        )
        .unwrap();
        done.aisdk_model_done(AISDK_CALL.into(), content(), AISDK_RESULT.into())
            .unwrap();

        let steps = finished(&steps, &steps_spans);
        let done = finished(&done, &done_spans);
        assert_eq!(steps.len(), 3);
        let summaries = |spans: &[SpanData]| spans.iter().map(summary).collect::<Vec<_>>();
        assert_eq!(summaries(&done), summaries(&steps), "sampler: {sampler}");
        let origins =
            |spans: &[SpanData]| spans.iter().map(|s| s.origin.clone()).collect::<Vec<_>>();
        assert_eq!(origins(&done), origins(&steps));
    }
}

/// An OpenAI chat stream as it comes off the wire, with usage, split mid-event.
fn stream_body() -> (Vec<u8>, usize) {
    let event = |delta: serde_json::Value, finish: Option<&str>| {
        let chunk = json!({"id": "chatcmpl-s", "object": "chat.completion.chunk", "model": "gpt-4o-mini-2024-07-18", "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]});
        format!("data: {chunk}\n\n")
    };
    let usage = json!({"id": "chatcmpl-s", "object": "chat.completion.chunk", "model": "gpt-4o-mini-2024-07-18", "choices": [], "usage": {"prompt_tokens": 4, "completion_tokens": 3, "total_tokens": 7}});
    let body = [
        event(json!({"role": "assistant", "content": "Hel"}), None),
        event(json!({"content": "lo"}), None),
        event(json!({}), Some("stop")),
        format!("data: {usage}\n\ndata: [DONE]\n\n"),
    ]
    .concat();
    let split = body.len() / 3;
    (body.into_bytes(), split)
}

#[test]
fn a_stream_handed_over_once_it_ended_gives_the_span_of_its_steps() {
    let streaming = || {
        CallSpec {
        request: json!({"model": "gpt-4o-mini", "stream": true, "stream_options": {"include_usage": true}, "messages": [{"role": "user", "content": "hi"}]}).to_string(),
        ..spec(None)
    }
    };
    let (body, split) = stream_body();
    for sampler in [false, true] {
        let tweak = |o: &mut llmtel_core::Options| {
            if sampler {
                o.traces_sampler = Some(Arc::new(|_| Some(1.0)));
            }
        };
        let (steps, steps_spans) = client(tweak);
        let (call, _) = steps.call(streaming()).unwrap();
        call.feed(&body[..split]).unwrap();
        call.feed(&body[split..]).unwrap();
        call.finish_stream().unwrap();
        let (done, done_spans) = client(tweak);
        let end = CallEnd::Stream {
            body: body.clone(),
            first_chunk_after: Some(Duration::from_millis(40)),
        };
        done.call_done(streaming(), end).unwrap();
        // And a call made late that is handed what it kept.
        let (late, _) = done
            .call(CallSpec {
                started_ago_ns: Some(100_000_000),
                ..streaming()
            })
            .unwrap();
        late.feed_arrived(&body, Duration::from_millis(40)).unwrap();
        late.finish_stream().unwrap();

        let steps = finished(&steps, &steps_spans);
        let done = finished(&done, &done_spans);
        assert_eq!(done.len(), 2);
        let comparable = |span: &SpanData| {
            // The time to first chunk is the host's here; the rest is the same.
            let mut span = span.clone();
            span.attributes
                .remove("gen_ai.response.time_to_first_chunk");
            summary(&span)
        };
        assert_eq!(
            comparable(&done[0]),
            comparable(&steps[0]),
            "sampler: {sampler}"
        );
        assert_eq!(
            comparable(&done[1]),
            comparable(&steps[0]),
            "sampler: {sampler}"
        );
        assert_eq!(
            done[0].attributes.get("gen_ai.usage.output_tokens"),
            Some(&Value::from(3_i64))
        );
        for span in &done {
            let first = span.attributes.get("gen_ai.response.time_to_first_chunk");
            assert!(
                matches!(first, Some(Value::Double(v)) if *v >= 0.04 && *v < 1.0),
                "the host's time to first chunk: {first:?}"
            );
        }
    }
}
