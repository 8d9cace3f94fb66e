"""Arize Phoenix run for real (`phoenix serve`, from its own venv: tests/backends/.phoenix) and
read back through its client: an AI task traced by the Python package and sent over OTLP/HTTP
must arrive as LLM spans with the model, the token counts, the messages, the error of a
rate-limited call, and the trace tree. Run by `make test-backends`."""

import json
import os
import pathlib
import socket
import subprocess
import sys
import time
import urllib.request

import openai
import pytest

import llmtel

HERE = pathlib.Path(__file__).resolve().parent
PHOENIX = HERE / ".phoenix" / "bin"
sys.path.insert(0, str(HERE.parent))
import provider_server  # noqa: E402


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def phoenix(tmp_path_factory):
    assert (PHOENIX / "phoenix").exists(), "no tests/backends/.phoenix: run `make test-backends`"
    port, grpc = free_port(), free_port()
    env = {**os.environ, "PHOENIX_PORT": str(port), "PHOENIX_GRPC_PORT": str(grpc), "PHOENIX_HOST": "127.0.0.1",
           "PHOENIX_WORKING_DIR": str(tmp_path_factory.mktemp("phoenix"))}
    server = subprocess.Popen([str(PHOENIX / "phoenix"), "serve"], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(240):  # it migrates its database first: about 20 s here
            try:
                urllib.request.urlopen(url, timeout=1)
                break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("phoenix serve did not answer within 120 s")
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_phoenix_reads_back_llm_spans_tokens_messages_errors_and_the_tree(phoenix):
    server, provider = provider_server.start()
    try:
        llmtel.init(otlp_endpoint=phoenix, service_name="phoenix-roundtrip", send_default_pii=True, spool=False)
        ok = openai.OpenAI(base_url=f"{provider}/openai_chat_content_on/v1", api_key="test", max_retries=0)
        limited = openai.OpenAI(base_url=f"{provider}/openai_chat_error_429/v1", api_key="test", max_retries=0)
        with llmtel.start_span(name="Generate Report", op="ai.task") as task:
            ok.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "Summarise Q3"}])
            with pytest.raises(openai.RateLimitError):
                limited.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "Hi"}])
        assert llmtel.flush(10)
    finally:
        llmtel.close()
        server.shutdown()
    spans = {}
    for _ in range(40):  # Phoenix writes what it received in the background
        read = subprocess.run([str(PHOENIX / "python"), str(HERE / "phoenix_read.py"), phoenix, task.trace_id],
                              capture_output=True, text=True, check=True)
        spans = {s["name"]: s for s in map(json.loads, read.stdout.splitlines())}
        if len(spans) == 3:
            break
        time.sleep(0.5)
    assert sorted(spans) == ["Generate Report", "chat gpt-4o", "chat gpt-4o-mini"]
    root = spans["Generate Report"]
    assert root["parent_id"] is None and root["span_id"] == task.span_id
    chat = spans["chat gpt-4o-mini"]
    assert chat["span_kind"] == "LLM" and chat["status_code"] == "OK"
    assert chat["parent_id"] == root["span_id"]
    a = chat["attributes"]
    assert a["llm.model_name"] == "gpt-4o-mini" and a["llm.provider"] == "openai"
    assert (a["llm.token_count.prompt"], a["llm.token_count.completion"], a["llm.token_count.total"]) == (12, 8, 20)
    assert a["llm.input_messages.0.message.content"] == "Summarise Q3"
    assert a["llm.output_messages.0.message.content"] == "Hi there!"
    failed = spans["chat gpt-4o"]
    assert failed["span_kind"] == "LLM" and failed["status_code"] == "ERROR"
    assert failed["parent_id"] == root["span_id"]
    assert failed["attributes"]["error.type"] == "rate_limit_exceeded"
    assert "Rate limit" in failed["status_message"]
