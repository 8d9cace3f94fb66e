"""Every option of the core's table can be set from Python by keyword with a Python value, and
values reach the wire as given (an OTLP header with '+' and ',' in it)."""

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import unquote

import pytest

import llmtel
from llmtel._options import option_examples


def _py_value(kind, text):
    if kind == "bool":
        return text == "true"
    if kind == "integer":
        return int(text)
    if kind in ("number", "duration"):
        return float(text)  # durations in seconds, as Python APIs take them
    if kind == "headers":
        return {k: unquote(v) for k, v in (e.split("=", 1) for e in text.split(","))}
    if kind == "json":
        return json.loads(text)
    if kind in ("path_or_off", "url_or_bool") and text == "false":
        return False
    return text


def test_every_option_of_the_core_table_is_accepted_by_init():
    examples = option_examples()
    assert {"otlp_traces_endpoint", "spool_max_files", "sentry_ai_spans_in_transaction"} <= {n for n, _, _ in examples}
    try:
        for name, text, kind in examples:
            llmtel.init(**{"spool": False, "default_integrations": False, name: _py_value(kind, text)})
    finally:
        llmtel.close(2.0)


def test_an_unknown_option_names_itself_in_a_config_error():
    with pytest.raises(llmtel.ConfigError) as info:
        llmtel.init(spool=False, traces_sample_rat=1.0)
    assert isinstance(info.value, ValueError)
    assert info.value.option == "traces_sample_rat"
    assert "traces_sample_rate" in info.value.reason
    with pytest.raises(llmtel.ConfigError) as info:
        llmtel.init(spool=False, queue_capacity=0)
    assert info.value.option == "queue_capacity"


def test_otlp_header_values_keep_plus_and_comma_as_given():
    seen = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            seen.append(self.headers["authorization"])
            self.rfile.read(int(self.headers.get("content-length", 0)))
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    token = "Basic dXNl+cjpw/YXNz=,x"
    try:
        llmtel.init(otlp_endpoint=f"http://127.0.0.1:{server.server_port}", otlp_protocol="http/json",
                    otlp_headers={"authorization": token}, spool=False, default_integrations=False,
                    flush_interval=0.02)
        with llmtel.start_span("headers"):
            pass
        assert llmtel.flush(5.0)
        assert seen == [token]
    finally:
        llmtel.close(2.0)
        server.shutdown()


def test_first_run_feedback_callbacks_integrations_and_the_debug_line(capsys):
    import llmtel
    from llmtel.integrations.openai import OpenAIIntegration

    with pytest.raises(llmtel.ConfigError, match="before_send_span.*must be callable, got str"):
        llmtel.init(spool=False, before_send_span="drop")
    with pytest.raises(llmtel.ConfigError, match="traces_sampler.*got float"):
        llmtel.init(spool=False, traces_sampler=0.5)
    with pytest.raises(llmtel.ConfigError, match=r"pass an instance, OpenAIIntegration\(\), not the class"):
        llmtel.init(spool=False, integrations=[OpenAIIntegration])

    class OpenAIIntegrations:
        pass

    with pytest.raises(llmtel.ConfigError, match="OpenAIIntegrations is not an llmtel integration; did you mean OpenAIIntegration"):
        llmtel.init(spool=False, integrations=[OpenAIIntegrations()])
    capsys.readouterr()
    llmtel.init(spool=False, dsn="https://public:secret@o1.ingest.sentry.io/42", debug=True, traces_sample_rate=0.5,
                default_integrations=False, integrations=[OpenAIIntegration()])
    lines = [line for line in capsys.readouterr().err.splitlines() if line.startswith("llmtel: exporters")]
    assert lines == ["llmtel: exporters: sentry (o1.ingest.sentry.io, project 42); traces_sample_rate 0.5; "
                     "send_default_pii false; integrations: openai"]
    llmtel.close(1)
