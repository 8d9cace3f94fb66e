"""The product page's picture, from the examples as a user runs them: the Express app
(examples/node/express_chat.js) and the FastAPI app (examples/python/fastapi_chat.py), each traced
by OpenTelemetry with llmtel's LlmtelSpanProcessor, send one transaction `POST /api/chat` holding
the HTTP server span, the database span and the `chat` span to a loopback Sentry; Relay's own
normaliser accepts the transaction, and the spool holds the same spans."""

import json
import os
import pathlib
import subprocess
import sys

import pytest
from sentry_relay.processing import StoreNormalizer

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))
import provider_server  # noqa: E402
import sentry_sink  # noqa: E402

EXAMPLES = {
    "express": (["node", "express_chat.js"], ROOT / "examples" / "node"),
    "fastapi": ([sys.executable, "fastapi_chat.py"], ROOT / "examples" / "python"),
}


@pytest.fixture
def sentry():
    sink = sentry_sink.start()
    yield sink
    sink.shutdown()


@pytest.mark.parametrize("example", sorted(EXAMPLES))
def test_the_example_sends_one_transaction_with_the_http_database_and_chat_spans(example, sentry, tmp_path):
    command, cwd = EXAMPLES[example]
    dsn = sentry.dsn
    provider, url = provider_server.start()
    spool = tmp_path / "spans.jsonl"
    env = {**os.environ, "SENTRY_DSN": dsn, "LLMTEL_SPOOL": str(spool), "LLMTEL_DEMO_PROVIDER_URL": url}
    env.pop("OPENAI_API_KEY", None)
    try:
        run = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)
    finally:
        provider.shutdown()
    assert run.returncode == 0, run.stderr
    assert "POST /api/chat -> 200" in run.stdout

    envelopes = sentry.envelopes()
    transactions = [(header, items) for header, items in envelopes if items[0][0]["type"] == "transaction"]
    assert len(transactions) == 1, [i[0]["type"] for _, items in envelopes for i in items]
    header, items = transactions[0]
    tx = items[0][1]
    root = tx["contexts"]["trace"]
    assert tx["transaction"] == "POST /api/chat"
    assert root["op"] == "http.server"
    assert header["trace"]["trace_id"] == root["trace_id"]
    db = [s for s in tx["spans"] if s.get("op") == "db"]
    assert [s["description"] for s in db] == ["SELECT tone FROM preferences WHERE user = 'ada'"]
    [chat] = [s for _, payload in items[1:] for s in payload["items"] if s["name"] == "chat gpt-4o-mini"]
    assert chat["trace_id"] == root["trace_id"]
    assert chat["attributes"]["sentry.segment.id"]["value"] == root["span_id"]
    assert chat["attributes"]["gen_ai.usage.input_tokens"]["value"] > 0

    normalized = StoreNormalizer(project_id=42).normalize_event(tx)
    assert normalized.get("errors") in (None, []), normalized.get("errors")
    assert '"err"' not in json.dumps(normalized.get("_meta", {}))
    assert normalized["transaction"] == "POST /api/chat"

    spans = [json.loads(line) for line in spool.read_text().splitlines()]
    assert {s["segment_id"] for s in spans} == {root["span_id"]}, "the spool holds the same one segment"
    assert {"POST /api/chat", "chat gpt-4o-mini"} <= {s["name"] for s in spans}
