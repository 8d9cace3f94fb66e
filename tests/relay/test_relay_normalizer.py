"""A transaction made by llmtel's core passes Relay's own event normaliser with no errors.

The Rust example `sentry_envelope` sends a real envelope to a loopback server started here; the
transaction item is then run through `sentry_relay.processing.StoreNormalizer`, the code Sentry's
ingestion uses.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from sentry_relay.processing import StoreNormalizer

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))
import sentry_sink  # noqa: E402
from sentry_sink import parse_envelope  # noqa: E402


def receive_envelope(*args: str):
    sink = sentry_sink.start()
    try:
        subprocess.run(
            ["cargo", "run", "--quiet", "-p", "llmtel-core", "--example", "sentry_envelope", "--", sink.dsn, *args],
            cwd=ROOT,
            check=True,
            timeout=600,
        )
    finally:
        sink.shutdown()
    return sink.requests


def assert_no_relay_errors(normalized):
    assert normalized.get("errors") in (None, []), normalized.get("errors")
    meta = json.dumps(normalized.get("_meta", {}))
    assert '"err"' not in meta, meta


@pytest.mark.parametrize("mode", ["span-items", "in-transaction"])
def test_transaction_passes_relay_normalizer(mode):
    received = receive_envelope(*(["in-transaction"] if mode == "in-transaction" else []))
    assert len(received) == 2, "the trace, and an error event for the failed call"
    envelopes = []
    for path, headers, body in received:
        assert path == "/api/42/envelope/"
        assert headers["content-type"] == "application/x-sentry-envelope"
        envelopes.append(parse_envelope(body))
    (envelope_header, items), = [e for e in envelopes if e[1][0][0]["type"] == "transaction"]
    (event_header, event_items), = [e for e in envelopes if e[1][0][0]["type"] == "event"]
    types = [h["type"] for h, _ in items]
    assert types == (["transaction"] if mode == "in-transaction" else ["transaction", "span"])

    transaction = json.loads(items[0][1])
    normalized = StoreNormalizer(project_id=42).normalize_event(transaction)
    assert_no_relay_errors(normalized)
    assert normalized["type"] == "transaction"
    assert normalized["transaction"] == "Generate Report"
    assert normalized["event_id"] == envelope_header["event_id"]
    trace = normalized["contexts"]["trace"]
    assert trace["op"] == "ai.task" and trace["status"] == "ok"
    spans = normalized["spans"]
    assert len(spans) == (3 if mode == "in-transaction" else 1)
    if mode == "in-transaction":
        failed = next(s for s in spans if s["description"].startswith("chat claude"))
        assert failed["status"] == "resource_exhausted"
        chat = next(s for s in spans if s["description"] == "chat gpt-4o")
        assert chat["data"]["gen_ai.system"] == "openai"
    else:
        container = json.loads(items[1][1])
        assert items[1][0]["item_count"] == len(container["items"]) == 2
        assert {s["status"] for s in container["items"]} == {"ok", "error"}


def test_error_event_passes_relay_normalizer():
    received = receive_envelope()
    (header, items), = [parse_envelope(body) for _, _, body in received if b'"type":"event"' in body]
    event = json.loads(items[0][1])
    normalized = StoreNormalizer(project_id=42).normalize_event(event)
    assert_no_relay_errors(normalized)
    assert normalized["level"] == "error"
    assert normalized["exception"]["values"][0]["type"] == "rate_limit_error"
    assert normalized["contexts"]["trace"]["trace_id"] == header["trace"]["trace_id"]
