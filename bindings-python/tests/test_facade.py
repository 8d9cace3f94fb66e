"""The native facade as the integration layer uses it: handles that end once with a typed
exception, stable error codes on every exception, agent / tool / normalized-call spans, trace
continuation, and a flush that raises FlushTimeout."""

import json
import socket

import pytest

import llmtel
from llmtel import _native


def _client(**options):
    pairs = [("spool", "false"), ("dsn", "")] + [(k, str(v)) for k, v in options.items()]
    return _native.Client(pairs)


def test_a_second_end_raises_span_ended_with_its_code():
    span = _client().start_span("once")
    span.end()
    with pytest.raises(llmtel.SpanEnded) as info:
        span.end()
    assert isinstance(info.value, RuntimeError)
    assert info.value.code == "already_ended"
    with pytest.raises(llmtel.SpanEnded):
        span.set_attribute("k", "v")
    call, _ = _client().call("openai", "chat_completions", '{"model": "m"}')
    call.finish_stream()
    with pytest.raises(llmtel.SpanEnded):
        call.finish("{}")


def test_errors_subclass_the_right_builtin_and_carry_code_and_field():
    client = _client()
    with pytest.raises(llmtel.InvalidArgument) as info:
        client.call("nope", "chat_completions", "{}")
    assert isinstance(info.value, ValueError)
    assert (info.value.code, info.value.field) == ("unknown_provider", "provider")
    with pytest.raises(llmtel.InvalidArgument) as info:
        client.agent('{"operation": "dance"}')
    assert (info.value.code, info.value.field) == ("invalid_argument", "operation")
    with pytest.raises(llmtel.InvalidArgument, match="nmae"):
        client.tool('{"nmae": "x"}')
    with pytest.raises(llmtel.ConfigError) as info:
        _client(queue_capacity=0)
    assert (info.value.code, info.value.option) == ("invalid_option", "queue_capacity")
    call, problem = client.call("openai", "chat_completions", "{not json")
    assert "cannot read the request JSON" in problem
    with pytest.raises(llmtel.MappingError) as info:
        call.chunk(None, "{oops")
    assert info.value.code == "malformed_json"
    call.finish_stream()


def test_a_flush_that_runs_out_of_time_raises_flush_timeout():
    # A backend that accepts the connection and never answers.
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen()
    try:
        client = _client(otlp_endpoint=f"http://127.0.0.1:{silent.getsockname()[1]}", flush_interval="10ms",
                         export_timeout="5s")
        client.start_span("waits").end()
        with pytest.raises(llmtel.FlushTimeout) as info:
            client.flush(0.2)
        assert isinstance(info.value, TimeoutError)
        assert info.value.code == "timeout"
    finally:
        silent.close()


def test_agent_tool_and_normalized_calls_from_python_sum_usage_onto_the_agent(spool):
    reader = spool(default_integrations=False)
    client = llmtel._state.client
    agent = client.agent(json.dumps({"name": "Researcher", "conversation_id": "thread-1"}), origin="auto.ai.langgraph")
    call = client.normalized_call(json.dumps({"provider": "anthropic", "model": "claude-sonnet-4-5"}),
                                  parent=agent.context, origin="auto.ai.langchain")
    call.finish_normalized(json.dumps({"usage": {"input_tokens": 30, "output_tokens": 4}, "finish_reasons": ["end_turn"]}))
    tool = client.tool(json.dumps({"name": "search", "arguments": {"q": "x"}}), parent=agent.context,
                       record_inputs=True, record_outputs=True)
    tool.set_result('{"hits": 3}')
    tool.fail("TimeoutError", "slow")
    agent.end()
    spans = {s["name"]: s for s in reader.spans()}
    top = spans["invoke_agent Researcher"]
    assert top["op"] == "gen_ai.invoke_agent"
    assert top["attributes"]["gen_ai.usage.input_tokens"] == 30
    assert top["attributes"]["gen_ai.usage.output_tokens"] == 4
    chat = spans["chat claude-sonnet-4-5"]
    assert chat["parent_span_id"] == top["span_id"]
    assert chat["attributes"]["gen_ai.provider.name"] == "anthropic"
    assert spans["execute_tool search"]["attributes"]["gen_ai.tool.call.result"] == '{"hits":3}'
    assert spans["execute_tool search"]["attributes"]["error.type"] == "TimeoutError"


def test_continue_trace_joins_the_callers_trace_and_writes_outgoing_headers(spool):
    reader = spool(default_integrations=False)
    client = llmtel._state.client
    trace = "4bf92f3577b34da6a3ce929d0e0e4736"
    remote = client.continue_trace(traceparent=f"00-{trace}-00f067aa0ba902b7-01")
    assert remote.remote and remote.sampled
    root = client.start_span("POST /api/chat", parent=remote)
    assert root.trace_id == trace
    assert root.context.traceparent() == f"00-{trace}-{root.span_id}-01"
    assert root.context.sentry_trace() == f"{trace}-{root.span_id}-1"
    root.end()
    declined = client.start_span("declined", parent=client.continue_trace(sentry_trace=f"{trace}-00f067aa0ba902b7-0"))
    assert not declined.sampled
    declined.end()
    assert client.continue_trace() is None
    with pytest.raises(llmtel.InvalidArgument) as info:
        client.continue_trace(traceparent="garbage")
    assert info.value.field == "traceparent"
    [span] = reader.spans()
    assert span["name"] == "POST /api/chat"
    assert span["parent_span_id"] == "00f067aa0ba902b7"


def test_before_send_span_sees_op_and_status_and_may_change_the_op(spool):
    seen = []

    def hook(span):
        seen.append(dict(span))
        span["op"] = "ai.checked"
        return span

    reader = spool(default_integrations=False, before_send_span=hook)
    with llmtel.start_span("typed", op="ai.task") as span:
        span.set_status("ok")
    [out] = reader.spans()
    assert seen[0]["op"] == "ai.task" and seen[0]["status"] == "ok"
    assert out["op"] == "ai.checked"
