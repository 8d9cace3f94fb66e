//! Agent, workflow and tool spans, and calls a framework already normalized: names, ops, kinds,
//! content gating, failures, and token usage summed up the agent tree.

mod support;

use std::time::Duration;

use llmtel_core::genai::{
    AgentSpec, Api, CallError, CallPlacement, CallStart, ContentPolicy, Message, NormalizedRequest,
    NormalizedResponse, Part, Provider, ToolSpec, Usage,
};
use llmtel_core::{Client, SpanData, SpanKind, Status, Value};
use serde_json::json;

const SECOND: Duration = Duration::from_secs(1);

fn client() -> (Client, support::Spans) {
    let (options, spans) = support::memory_options();
    (Client::init(options).unwrap(), spans)
}

fn finished(client: &Client, spans: &support::Spans) -> Vec<SpanData> {
    client.flush(5 * SECOND).unwrap();
    spans.lock().unwrap().clone()
}

fn by_name<'a>(spans: &'a [SpanData], name: &str) -> &'a SpanData {
    spans
        .iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("no span {name:?} in {:?}", names(spans)))
}

fn names(spans: &[SpanData]) -> Vec<String> {
    spans.iter().map(|s| s.name.to_string()).collect()
}

fn int(span: &SpanData, key: &str) -> Option<i64> {
    span.attributes.get(key).and_then(Value::as_i64)
}

fn text<'a>(span: &'a SpanData, key: &str) -> Option<&'a str> {
    span.attributes.get(key).and_then(Value::as_str)
}

const ALL: ContentPolicy = ContentPolicy {
    record_inputs: true,
    record_outputs: true,
};

fn under(parent: llmtel_core::SpanContext, content: ContentPolicy) -> CallPlacement {
    CallPlacement {
        parent: Some(parent),
        content,
        origin: Some("auto.ai.langgraph".into()),
        scope: Vec::new(),
        started_ago: None,
    }
}

/// An OpenAI chat call with the given usage, made through the wire mapping.
fn openai_call(client: &Client, parent: llmtel_core::SpanContext, input: i64, output: i64) {
    let request = r#"{"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}"#;
    let mut start = CallStart::new(Provider::OpenAi, Api::ChatCompletions, request);
    start.parent = Some(parent);
    let (call, begun) = client.begin_genai_call(start);
    begun.unwrap();
    let response = json!({
        "id": "chatcmpl-1", "model": "gpt-4o-mini-2024-07-18",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "hello"}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": input, "completion_tokens": output, "total_tokens": input + output}
    });
    call.finish(&response.to_string()).unwrap();
}

#[test]
fn an_agent_span_sums_the_usage_and_cost_of_the_calls_and_sub_agents_beneath_it() {
    let (client, spans) = client();
    let agent = client
        .start_agent(
            AgentSpec {
                name: Some("Researcher".into()),
                provider: Some("openai".into()),
                model: Some("gpt-4o-mini".into()),
                conversation_id: Some("thread-7".into()),
                ..AgentSpec::default()
            },
            CallPlacement {
                origin: Some("auto.ai.langgraph".into()),
                ..CallPlacement::default()
            },
        )
        .unwrap();
    openai_call(&client, agent.context(), 100, 20);
    // A tool in between: the call under it still counts for the agent.
    let tool = client
        .start_tool(
            ToolSpec {
                name: "search".into(),
                ..ToolSpec::default()
            },
            under(agent.context(), ContentPolicy::default()),
        )
        .unwrap();
    openai_call(&client, tool.context(), 10, 2);
    tool.end();
    let sub = client
        .start_agent(
            AgentSpec {
                name: Some("Summarizer".into()),
                ..AgentSpec::default()
            },
            under(agent.context(), ContentPolicy::default()),
        )
        .unwrap();
    openai_call(&client, sub.context(), 1000, 200);
    sub.end();
    agent.end();
    // A call outside any agent adds to nothing.
    let outside = client.start_span(llmtel_core::SpanStart::new("outside"));
    openai_call(&client, outside.context(), 5, 5);
    outside.end();

    let spans = finished(&client, &spans);
    let top = by_name(&spans, "invoke_agent Researcher");
    assert_eq!(top.op.as_deref(), Some("gen_ai.invoke_agent"));
    assert_eq!(top.kind, SpanKind::Internal);
    assert_eq!(top.origin, "auto.ai.langgraph");
    assert_eq!(top.status, Status::Ok);
    assert_eq!(text(top, "gen_ai.operation.name"), Some("invoke_agent"));
    assert_eq!(text(top, "gen_ai.agent.name"), Some("Researcher"));
    assert_eq!(text(top, "gen_ai.conversation.id"), Some("thread-7"));
    assert_eq!(int(top, "gen_ai.usage.input_tokens"), Some(1110));
    assert_eq!(int(top, "gen_ai.usage.output_tokens"), Some(222));
    assert_eq!(int(top, "gen_ai.usage.total_tokens"), Some(1332));
    let sub = by_name(&spans, "invoke_agent Summarizer");
    assert_eq!(int(sub, "gen_ai.usage.input_tokens"), Some(1000));
    assert_eq!(int(sub, "gen_ai.usage.output_tokens"), Some(200));
    // Cost is the sum of the calls' costs (gpt-4o-mini is in the price table).
    let calls: Vec<&SpanData> = spans
        .iter()
        .filter(|s| s.name == "chat gpt-4o-mini")
        .collect();
    assert_eq!(calls.len(), 4);
    let cost = |s: &SpanData| {
        s.attributes
            .get("gen_ai.cost.total_tokens")
            .and_then(Value::as_f64)
            .unwrap()
    };
    let beneath: f64 = calls
        .iter()
        .filter(|c| c.trace_id == top.trace_id)
        .map(|c| cost(c))
        .sum();
    assert!(
        (cost(top) - beneath).abs() < 1e-12,
        "{} vs {beneath}",
        cost(top)
    );
    let tool = by_name(&spans, "execute_tool search");
    assert_eq!(
        int(tool, "gen_ai.usage.input_tokens"),
        None,
        "tools do not sum"
    );
    let outside = by_name(&spans, "outside");
    assert_eq!(int(outside, "gen_ai.usage.input_tokens"), None);
}

#[test]
fn usage_the_host_set_on_an_agent_wins_over_the_sum() {
    let (client, spans) = client();
    let mut agent = client
        .start_agent(AgentSpec::default(), CallPlacement::default())
        .unwrap();
    openai_call(&client, agent.context(), 100, 20);
    agent
        .span_mut()
        .set_attribute("gen_ai.usage.input_tokens", 7);
    agent.end();
    let spans = finished(&client, &spans);
    let agent = by_name(&spans, "invoke_agent");
    assert_eq!(int(agent, "gen_ai.usage.input_tokens"), Some(7));
    assert_eq!(int(agent, "gen_ai.usage.output_tokens"), Some(20));
}

#[test]
fn tool_arguments_and_results_are_content_gated_scrubbed_and_capped() {
    let (options, spans) = support::memory_options();
    let client = Client::init(llmtel_core::Options {
        max_content_bytes: 64,
        ..options
    })
    .unwrap();
    let spec = || ToolSpec {
        name: "get_weather".into(),
        call_id: Some("call_1".into()),
        description: Some("Current weather".into()),
        arguments: Some(
            json!({"city": "Paris", "key": "sk-proj-abcdefghijklmnopqrstuvwxyz0123456789"}),
        ),
        ..ToolSpec::default()
    };
    let root = client.start_span(llmtel_core::SpanStart::new("root"));
    let mut on = client
        .start_tool(spec(), under(root.context(), ALL))
        .unwrap();
    on.set_result(json!("x".repeat(500)));
    on.end();
    let mut off = client
        .start_tool(spec(), under(root.context(), ContentPolicy::default()))
        .unwrap();
    off.set_result(json!("sunny"));
    off.fail("TimeoutError", Some("took too long"));
    root.end();

    let spans = finished(&client, &spans);
    let tools: Vec<&SpanData> = spans
        .iter()
        .filter(|s| s.name == "execute_tool get_weather")
        .collect();
    assert_eq!(tools.len(), 2);
    let (on, off) = (tools[0], tools[1]);
    for t in [on, off] {
        assert_eq!(t.op.as_deref(), Some("gen_ai.execute_tool"));
        assert_eq!(text(t, "gen_ai.tool.name"), Some("get_weather"));
        assert_eq!(text(t, "gen_ai.tool.type"), Some("function"));
        assert_eq!(text(t, "gen_ai.tool.call.id"), Some("call_1"));
        assert_eq!(text(t, "gen_ai.tool.description"), Some("Current weather"));
    }
    let arguments = text(on, "gen_ai.tool.call.arguments").unwrap();
    assert!(
        arguments.contains("Paris") && arguments.contains("[Filtered]"),
        "{arguments}"
    );
    assert!(!arguments.contains("sk-proj"));
    assert_eq!(text(on, "gen_ai.tool.call.result").unwrap().len(), 64);
    assert_eq!(on.status, Status::Ok);
    assert_eq!(text(off, "gen_ai.tool.call.arguments"), None);
    assert_eq!(text(off, "gen_ai.tool.call.result"), None);
    assert_eq!(text(off, "error.type"), Some("TimeoutError"));
    assert!(matches!(&off.status, Status::Error { message: Some(m), .. } if m == "took too long"));
}

#[test]
fn workflows_and_create_agent_follow_the_contract_and_bad_specs_say_what_is_wrong() {
    let (client, spans) = client();
    let spec: AgentSpec =
        serde_json::from_value(json!({"operation": "invoke_workflow", "name": "support_pipeline"}))
            .unwrap();
    client
        .start_agent(spec, CallPlacement::default())
        .unwrap()
        .end();
    let spec = AgentSpec {
        operation: Some("create_agent".into()),
        name: Some("Planner".into()),
        ..AgentSpec::default()
    };
    client
        .start_agent(spec, CallPlacement::default())
        .unwrap()
        .end();
    let e = client
        .start_agent(
            AgentSpec {
                operation: Some("invoke".into()),
                ..AgentSpec::default()
            },
            CallPlacement::default(),
        )
        .err()
        .unwrap();
    assert_eq!(e.field, "operation");
    assert!(e.reason.contains("invoke_workflow"), "{e}");
    let e = client
        .start_tool(ToolSpec::default(), CallPlacement::default())
        .err()
        .unwrap();
    assert_eq!(e.field, "name");
    let e = serde_json::from_value::<AgentSpec>(json!({"nmae": "x"})).unwrap_err();
    assert!(e.to_string().contains("nmae"), "{e}");

    let spans = finished(&client, &spans);
    let workflow = by_name(&spans, "invoke_workflow support_pipeline");
    assert_eq!(workflow.op.as_deref(), Some("gen_ai.invoke_workflow"));
    assert_eq!(
        text(workflow, "gen_ai.agent.name"),
        Some("support_pipeline")
    );
    let create = by_name(&spans, "create_agent Planner");
    assert_eq!(create.op.as_deref(), Some("gen_ai.create_agent"));
}

#[test]
fn a_normalized_call_gives_the_span_the_wire_call_gives() {
    let (client, spans) = client();
    let root = client.start_span(llmtel_core::SpanStart::new("root"));
    // The same exchange, once as OpenAI's wire JSON and once as a framework hands it over.
    let request = json!({
        "model": "gpt-4o", "temperature": 0.5, "max_tokens": 100, "stop": ["END"], "seed": 3,
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Weather in Paris?"}
        ],
        "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Weather"}}]
    });
    let mut start = CallStart::new(Provider::OpenAi, Api::ChatCompletions, "");
    let request_text = request.to_string();
    start.request_json = &request_text;
    start.parent = Some(root.context());
    start.content = ALL;
    let (call, begun) = client.begin_genai_call(start);
    begun.unwrap();
    let response = json!({
        "id": "chatcmpl-9", "model": "gpt-4o-2024-08-06",
        "choices": [{"index": 0, "finish_reason": "tool_calls", "message": {"role": "assistant", "content": null,
            "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\":\"Paris\"}"}}]}}],
        "usage": {"prompt_tokens": 50, "completion_tokens": 10, "total_tokens": 60}
    });
    call.finish(&response.to_string()).unwrap();

    let normalized: NormalizedRequest = serde_json::from_value(json!({
        "provider": "openai", "model": "gpt-4o", "temperature": 0.5, "max_tokens": 100,
        "stop_sequences": ["END"], "seed": 3,
        "system": [{"type": "text", "content": "Be brief."}],
        "messages": [{"role": "user", "parts": [{"type": "text", "content": "Weather in Paris?"}]}],
        "tools": [{"type": "function", "name": "get_weather", "description": "Weather"}]
    }))
    .unwrap();
    let call = client.begin_normalized_call(normalized, under(root.context(), ALL));
    call.finish_normalized(NormalizedResponse {
        id: Some("chatcmpl-9".into()),
        model: Some("gpt-4o-2024-08-06".into()),
        messages: vec![Message {
            role: "assistant".into(),
            parts: vec![Part::tool_call(
                Some("call_1".into()),
                "get_weather".into(),
                r#"{"city":"Paris"}"#,
            )],
            finish_reason: Some("tool_calls".into()),
        }],
        finish_reasons: Vec::new(),
        usage: Usage {
            input: Some(50),
            output: Some(10),
            ..Usage::default()
        },
        ..NormalizedResponse::default()
    });
    root.end();

    let spans = finished(&client, &spans);
    let calls: Vec<&SpanData> = spans.iter().filter(|s| s.name == "chat gpt-4o").collect();
    assert_eq!(calls.len(), 2, "{:?}", names(&spans));
    let (wire, normalized) = (calls[0], calls[1]);
    assert_eq!(normalized.origin, "auto.ai.langgraph");
    assert_eq!(normalized.op, wire.op);
    assert_eq!(normalized.kind, wire.kind);
    assert_eq!(normalized.status, wire.status);
    let skip = ["openai.api.type", "gen_ai.response.tokens_per_second"];
    let keys = |s: &SpanData| {
        let mut keys: Vec<String> = s
            .attributes
            .iter()
            .map(|(k, _)| k.to_owned())
            .filter(|k| !skip.contains(&k.as_str()))
            .collect();
        keys.sort();
        keys
    };
    assert_eq!(keys(normalized), keys(wire));
    for key in keys(wire) {
        assert_eq!(
            normalized.attributes.get(&key),
            wire.attributes.get(&key),
            "{key}"
        );
    }
}

#[test]
fn a_failed_normalized_call_takes_the_error_type_the_framework_saw() {
    let (client, spans) = client();
    let call = client.begin_normalized_call(
        NormalizedRequest {
            provider: Some("aws.bedrock".into()),
            model: Some("claude".into()),
            ..NormalizedRequest::default()
        },
        CallPlacement::default(),
    );
    call.fail(CallError {
        http_status: Some(429),
        exception: Some("ThrottlingException"),
        ..CallError::default()
    })
    .unwrap();
    let spans = finished(&client, &spans);
    let span = by_name(&spans, "chat claude");
    assert_eq!(text(span, "gen_ai.provider.name"), Some("aws.bedrock"));
    assert_eq!(text(span, "error.type"), Some("429"));
    assert!(matches!(
        span.status,
        Status::Error {
            code: llmtel_core::ErrorCode::ResourceExhausted,
            ..
        }
    ));
    assert_eq!(span.origin, "manual");
}

#[test]
fn a_normalized_call_to_a_known_provider_reads_its_error_body_as_the_provider_layer_does() {
    // The AI SDK hands over OpenAI's own 429 body: its `code` is the error type, as on a call
    // through the openai SDK (its `type`, `requests`, says less).
    let (client, spans) = client();
    let call = client.begin_normalized_call(
        NormalizedRequest {
            provider: Some("openai".into()),
            model: Some("gpt-4o-mini".into()),
            ..NormalizedRequest::default()
        },
        CallPlacement::default(),
    );
    call.fail(CallError {
        http_status: Some(429),
        body: Some(r#"{"error": {"message": "Rate limit reached", "type": "requests", "code": "rate_limit_exceeded"}}"#),
        exception: Some("AI_APICallError"),
        ..CallError::default()
    })
    .unwrap();
    let spans = finished(&client, &spans);
    let span = by_name(&spans, "chat gpt-4o-mini");
    assert_eq!(text(span, "error.type"), Some("rate_limit_exceeded"));
}

#[test]
fn a_provider_call_inside_a_framework_call_takes_its_span_over() {
    let (client, spans) = client();
    let agent = client
        .start_agent(
            AgentSpec {
                name: Some("planner".into()),
                ..AgentSpec::default()
            },
            CallPlacement::default(),
        )
        .unwrap();
    // The framework's account: its origin, its content policy (inputs only), its parameters.
    let mut call = client.begin_normalized_call(
        NormalizedRequest {
            provider: Some("openai".into()),
            model: Some("gpt-4o".into()),
            temperature: Some(0.2),
            conversation_id: Some("thread-1".into()),
            ..NormalizedRequest::default()
        },
        CallPlacement {
            parent: Some(agent.context()),
            content: ContentPolicy {
                record_inputs: true,
                record_outputs: false,
            },
            origin: Some("auto.ai.langchain".into()),
            scope: Vec::new(),
            started_ago: None,
        },
    );
    let request = json!({"model": "gpt-4o", "temperature": 0.2, "max_tokens": 50,
        "messages": [{"role": "user", "content": "Hi"}]})
    .to_string();
    let mut start = CallStart::new(Provider::OpenAi, Api::ChatCompletions, &request);
    start.server_address = Some("api.openai.com");
    start.server_port = Some(443);
    call.adopt_wire(start).unwrap();
    let again = CallStart::new(Provider::OpenAi, Api::ChatCompletions, &request);
    assert!(
        call.adopt_wire(again).is_err(),
        "a call follows one provider request"
    );
    call.finish(
        &json!({"id": "chatcmpl-9", "model": "gpt-4o-2024-08-06",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hello"}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 10, "completion_tokens": 2, "total_tokens": 12,
                      "prompt_tokens_details": {"cached_tokens": 4}}})
        .to_string(),
    )
    .unwrap();
    agent.end();

    let spans = finished(&client, &spans);
    let mut all = names(&spans);
    all.sort();
    assert_eq!(
        all,
        ["chat gpt-4o", "invoke_agent planner"],
        "one span per call"
    );
    let chat = by_name(&spans, "chat gpt-4o");
    assert_eq!(&*chat.origin, "auto.ai.langchain");
    assert_eq!(chat.kind, SpanKind::Client);
    assert_eq!(text(chat, "gen_ai.response.id"), Some("chatcmpl-9"));
    assert_eq!(text(chat, "server.address"), Some("api.openai.com"));
    assert_eq!(text(chat, "openai.api.type"), Some("chat_completions"));
    assert_eq!(text(chat, "gen_ai.conversation.id"), Some("thread-1"));
    assert_eq!(int(chat, "gen_ai.request.max_tokens"), Some(50));
    assert_eq!(int(chat, "gen_ai.usage.cache_read.input_tokens"), Some(4));
    assert!(
        text(chat, "gen_ai.input.messages").is_some(),
        "inputs: the framework's policy"
    );
    assert!(
        text(chat, "gen_ai.output.messages").is_none(),
        "outputs: the framework's policy"
    );
    let planner = by_name(&spans, "invoke_agent planner");
    assert_eq!(int(planner, "gen_ai.usage.input_tokens"), Some(10));
    assert_eq!(chat.status, Status::Ok);
}

#[test]
fn the_hosts_scope_lands_on_agent_tool_and_call_spans_and_their_own_attributes_win() {
    let (client, spans) = client();
    let scope = vec![
        ("tenant".to_owned(), "acme".to_owned()),
        ("user.id".to_owned(), "42".to_owned()),
        // A tag that clashes with the mapping loses to it.
        ("gen_ai.operation.name".to_owned(), "mine".to_owned()),
    ];
    let placement = |parent: Option<llmtel_core::SpanContext>| CallPlacement {
        parent,
        scope: scope.clone(),
        ..CallPlacement::default()
    };
    let agent = client
        .start_agent(
            AgentSpec {
                name: Some("planner".into()),
                ..AgentSpec::default()
            },
            placement(None),
        )
        .unwrap();
    let tool = client
        .start_tool(
            ToolSpec {
                name: "search".into(),
                ..ToolSpec::default()
            },
            placement(Some(agent.context())),
        )
        .unwrap();
    tool.end();
    let call = client.begin_normalized_call(
        NormalizedRequest {
            provider: Some("openai".into()),
            model: Some("gpt-4o".into()),
            ..NormalizedRequest::default()
        },
        placement(Some(agent.context())),
    );
    call.finish_normalized(NormalizedResponse::default());
    agent.end();
    let spans = finished(&client, &spans);
    for name in ["invoke_agent planner", "execute_tool search", "chat gpt-4o"] {
        let span = by_name(&spans, name);
        assert_eq!(text(span, "tenant"), Some("acme"), "{name}");
        assert_eq!(text(span, "user.id"), Some("42"), "{name}");
        assert_ne!(text(span, "gen_ai.operation.name"), Some("mine"), "{name}");
    }
}
