"""A transaction made by llmtel's core passes Relay's own event normaliser with no errors.

The Rust example `sentry_envelope` sends a real envelope to a loopback server started here; the
transaction item is then run through `sentry_relay.processing.StoreNormalizer`, the code Sentry's
ingestion uses.
"""

import gzip
import json
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sentry_relay.processing import StoreNormalizer

ROOT = Path(__file__).resolve().parents[2]


def parse_envelope(body: bytes):
    header_line, _, rest = body.partition(b"\n")
    items = []
    while rest.strip():
        item_header_line, _, rest = rest.partition(b"\n")
        item_header = json.loads(item_header_line)
        length = item_header["length"]
        items.append((item_header, rest[:length]))
        rest = rest[length + 1 :]
    return json.loads(header_line), items


def receive_envelope(*args: str):
    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            if self.headers.get("Content-Encoding") == "gzip":
                body = gzip.decompress(body)
            received.append((self.path, {k.lower(): v for k, v in self.headers.items()}, body))
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"id":"00000000000000000000000000000000"}')

        def log_message(self, *_):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        dsn = f"http://public@127.0.0.1:{server.server_address[1]}/42"
        subprocess.run(
            ["cargo", "run", "--quiet", "-p", "llmtel-core", "--example", "sentry_envelope", "--", dsn, *args],
            cwd=ROOT,
            check=True,
            timeout=600,
        )
    finally:
        server.shutdown()
    return received


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
