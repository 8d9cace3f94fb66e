"""Joining the traces an application already has: an incoming sentry-trace / traceparent
continued (Sentry envelope received by a loopback sink), get_trace_data() headers that parse
back, an OpenTelemetry active span as the parent of the GenAI span (the real opentelemetry-sdk),
LlmtelSpanProcessor putting the application's spans in the same segment, traces_sampler, and a
Sentry init copied as is."""

import openai
import pytest
from opentelemetry import trace as otel_trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

import llmtel
import sentry_sink as sentry_sink_module  # tests/, on the path through conftest.py

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
CALLER = "00f067aa0ba902b7"
REQUEST = {"model": "gpt-4o-mini", "messages": [{"role": "system", "content": "You are terse."},
                                                {"role": "user", "content": "Hello!"}],
           "temperature": 0.7, "max_tokens": 100}


def chat_client(provider):
    _, url = provider
    return openai.OpenAI(base_url=f"{url}/openai_chat_plain/v1", api_key="test", max_retries=0)


@pytest.fixture
def sentry_sink():
    """A loopback Sentry (tests/sentry_sink.py); llmtel is closed after the test."""
    sink = sentry_sink_module.start()
    yield sink
    sink.shutdown()
    llmtel.close(2)


@pytest.fixture
def otel_provider():
    """A real OpenTelemetry SDK tracer provider, set as the global one for the test."""
    provider = TracerProvider()
    previous = otel_trace._TRACER_PROVIDER
    otel_trace._TRACER_PROVIDER = provider  # set_tracer_provider refuses a second provider
    yield provider
    provider.shutdown()
    otel_trace._TRACER_PROVIDER = previous


def test_an_incoming_sentry_trace_is_continued_with_the_heads_dsc(provider, sentry_sink):
    llmtel.init(dsn=sentry_sink.dsn, spool=False, flush_interval="20ms", default_integrations=False)
    client = llmtel.instrument_client(chat_client(provider))
    baggage = (f"sentry-trace_id={TRACE},sentry-public_key=head,sentry-sample_rate=0.5,sentry-sampled=true,"
               "sentry-environment=prod,vendor=x")
    with llmtel.continue_trace({"Sentry-Trace": f"{TRACE}-{CALLER}-1", "baggage": baggage}):
        assert llmtel.get_active_span() is None, "continuing a trace starts no span"
        client.chat.completions.create(**REQUEST)
    # A declined caller (from a WSGI environ): nothing is recorded.
    with llmtel.continue_trace({"HTTP_SENTRY_TRACE": f"{TRACE.replace('4', '5')}-{CALLER}-0"}):
        client.chat.completions.create(**REQUEST)
    llmtel.flush(5)
    received = sentry_sink.envelopes()
    assert len(received) == 1, "the declined trace sent nothing"
    header, items = received[0]
    assert header["trace"] == {"trace_id": TRACE, "public_key": "head", "sample_rate": "0.5", "sampled": "true",
                               "environment": "prod"}
    [tx] = [payload for item, payload in items if item["type"] == "transaction"]
    assert tx["contexts"]["trace"]["trace_id"] == TRACE
    assert tx["contexts"]["trace"]["parent_span_id"] == CALLER
    assert tx["transaction"] == "chat gpt-4o-mini"


def test_a_traceparent_is_continued_and_trace_data_leads_back_to_the_span(spool):
    reader = spool(default_integrations=False)
    with llmtel.continue_trace({"traceparent": f"00-{TRACE}-{CALLER}-01", "baggage": "vendor=x"}):
        with llmtel.start_span(name="handle") as span:
            data = llmtel.get_trace_data()
            assert data["traceparent"] == f"00-{TRACE}-{span.span_id}-01"
            assert data["sentry-trace"] == f"{TRACE}-{span.span_id}-1"
            assert llmtel.get_traceparent() == data["sentry-trace"], "Sentry's get_traceparent is sentry-trace"
            assert llmtel.get_baggage() == data["baggage"]
            assert data["baggage"].startswith(f"vendor=x,sentry-trace_id={TRACE},")
    [handle] = reader.spans()
    assert (handle["trace_id"], handle["parent_span_id"]) == (TRACE, CALLER)
    with llmtel.continue_trace({"sentry-trace": data["sentry-trace"], "baggage": data["baggage"]}):
        with llmtel.start_span(name="downstream"):
            pass
    downstream = next(s for s in reader.spans() if s["name"] == "downstream")
    assert (downstream["trace_id"], downstream["parent_span_id"]) == (TRACE, handle["span_id"])
    assert llmtel.get_trace_data() == {} and llmtel.get_traceparent() is None
    # Headers that cannot be read start a new trace; the block runs all the same.
    with llmtel.continue_trace({"traceparent": "garbage"}):
        with llmtel.start_span(name="fresh"):
            pass
    fresh = next(s for s in reader.spans() if s["name"] == "fresh")
    assert fresh["trace_id"] != TRACE and "parent_span_id" not in fresh


def test_the_active_opentelemetry_span_is_the_parent_unless_an_llmtel_span_is_more_recent(provider, spool,
                                                                                          otel_provider):
    exporter = InMemorySpanExporter()
    otel_provider.add_span_processor(SimpleSpanProcessor(exporter))
    reader = spool(default_integrations=False)
    client = llmtel.instrument_client(chat_client(provider))
    tracer = otel_trace.get_tracer("app")
    with tracer.start_as_current_span("POST /api/chat"):
        client.chat.completions.create(**REQUEST)
        with llmtel.start_span(name="report"):
            client.chat.completions.create(**REQUEST)
    [request] = exporter.get_finished_spans()
    spans = reader.spans()
    report = next(s for s in spans if s["name"] == "report")
    direct, nested = [s for s in spans if s["name"] == "chat gpt-4o-mini"]
    assert direct["trace_id"] == format(request.context.trace_id, "032x")
    assert direct["parent_span_id"] == format(request.context.span_id, "016x")
    assert direct["segment_id"] == direct["span_id"], "without the processor: a local root under it"
    assert report["parent_span_id"] == format(request.context.span_id, "016x")
    assert nested["parent_span_id"] == report["span_id"], "the llmtel span is the more recent"


def test_the_span_processor_puts_the_applications_spans_in_the_transaction(provider, sentry_sink, otel_provider):
    llmtel.init(dsn=sentry_sink.dsn, spool=False, flush_interval="20ms", default_integrations=False)
    otel_provider.add_span_processor(llmtel.LlmtelSpanProcessor())
    client = llmtel.instrument_client(chat_client(provider))
    tracer = otel_trace.get_tracer("app")
    server = otel_trace.SpanKind.SERVER
    with tracer.start_as_current_span("POST", kind=server,
                                      attributes={"http.request.method": "POST", "http.route": "/api/chat"}) as request:
        client.chat.completions.create(**REQUEST)
        with tracer.start_as_current_span("SELECT", kind=otel_trace.SpanKind.CLIENT,
                                          attributes={"db.system.name": "sqlite", "db.query.text": "SELECT 1"}):
            pass
    llmtel.flush(5)
    [(_, items)] = sentry_sink.envelopes()
    [tx] = [payload for item, payload in items if item["type"] == "transaction"]
    assert tx["transaction"] == "POST /api/chat"
    assert tx["contexts"]["trace"]["op"] == "http.server"
    assert tx["contexts"]["trace"]["span_id"] == format(request.get_span_context().span_id, "016x")
    assert [(s["op"], s["description"]) for s in tx["spans"]] == [("db", "SELECT 1")]
    [chat] = [payload for item, payload in items if item["type"] == "span"][0]["items"]
    assert chat["parent_span_id"] == tx["contexts"]["trace"]["span_id"]
    assert chat["attributes"]["sentry.segment.id"]["value"] == tx["contexts"]["trace"]["span_id"]


def test_traces_sampler_decides_per_root_and_a_copied_sentry_init_works(spool, capsys):
    seen = []

    def sampler(context):
        seen.append((context["name"], context["parent_sampled"], context["transaction_context"]["name"]))
        return False if context["name"] == "GET /health" else 1.0

    reader = spool(default_integrations=False, profiles_sample_rate=1.0, ignore_errors=[ValueError],
                   traces_sampler=sampler)
    assert "llmtel: ignoring Sentry options llmtel does not use: profiles_sample_rate, ignore_errors" in capsys.readouterr().err
    with llmtel.start_span(name="GET /health"):
        with llmtel.start_span(name="child"):
            pass
    with llmtel.start_span(name="POST /api/chat"):
        pass
    with llmtel.continue_trace({"sentry-trace": f"{TRACE}-{CALLER}-0"}):
        with llmtel.start_span(name="continued"):
            pass
    assert seen == [("GET /health", None, "GET /health"), ("POST /api/chat", None, "POST /api/chat"),
                    ("continued", False, "continued")]
    assert [s["name"] for s in reader.spans()] == ["POST /api/chat", "continued"]
    with pytest.raises(llmtel.ConfigError, match="did you mean traces_sample_rate"):
        llmtel.init(traces_sampel_rate=1.0)


def test_capture_exception_and_message_send_error_events_with_the_scope_that_relay_accepts(sentry_sink):
    from sentry_relay.processing import StoreNormalizer

    llmtel.init(dsn=sentry_sink.dsn, spool=False, flush_interval="20ms", default_integrations=False)

    class QuotaError(Exception):
        pass

    llmtel.set_tag("service", "api")
    with llmtel.new_scope() as scope:
        scope.set_tag("tenant", "acme")
        llmtel.set_user({"id": "42", "email": "ada@example.com"})
        llmtel.set_context("order", {"id": 7})
        with llmtel.start_span(name="checkout") as span:
            try:
                raise QuotaError("over quota for key sk-proj-abcdefghijklmnopqrstuvwxyz0123456789ABCD")
            except QuotaError:
                event_id = llmtel.capture_exception()
    llmtel.capture_message("cache cold", level="warning")
    assert llmtel.capture_exception() is None, "nothing being handled, nothing captured"
    llmtel.flush(5)
    llmtel.set_tag("service", None)
    events = sentry_sink.items("event")
    assert len(events) == 2
    error = next(e for e in events if e["event_id"] == event_id)
    [value] = error["exception"]["values"]
    assert (value["type"], value["value"]) == ("QuotaError", "over quota for key [Filtered]")
    assert value["stacktrace"]["frames"][-1]["function"].startswith("test_capture_exception")
    assert error["contexts"]["trace"]["span_id"] == span.span_id
    assert error["tags"] == {"service": "api", "tenant": "acme"}
    assert error["user"] == {"id": "42", "email": "ada@example.com"}
    assert error["contexts"]["order"] == {"id": 7}
    message = next(e for e in events if "message" in e)
    assert (message["message"]["formatted"], message["level"]) == ("cache cold", "warning")
    assert message["tags"] == {"service": "api"} and "user" not in message, "new_scope kept its data inside"
    [tx] = sentry_sink.items("transaction")
    assert tx["contexts"]["trace"]["data"]["tenant"] == "acme"
    assert tx["contexts"]["trace"]["data"]["user.id"] == "42"
    for event in events:
        normalized = StoreNormalizer(project_id=42).normalize_event(event)
        assert normalized.get("errors") in (None, []), normalized.get("errors")


def test_the_scopes_tags_and_user_land_on_the_genai_spans_started_in_it(provider, spool):
    reader = spool(default_integrations=False)
    client = llmtel.instrument_client(chat_client(provider))
    with llmtel.new_scope() as scope:
        scope.set_tag("tenant", "acme")
        scope.set_user({"id": 42, "username": "ada"})
        client.chat.completions.create(**REQUEST)
    client.chat.completions.create(**REQUEST)
    in_scope, outside = reader.spans()
    assert in_scope["attributes"]["tenant"] == "acme"
    assert (in_scope["attributes"]["user.id"], in_scope["attributes"]["user.name"]) == ("42", "ada")
    assert in_scope["attributes"]["gen_ai.request.model"] == "gpt-4o-mini"
    assert "tenant" not in outside["attributes"]
