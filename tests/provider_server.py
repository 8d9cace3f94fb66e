#!/usr/bin/env python3
"""Loopback provider server: serves any scenario in tests/scenarios/ to the real client libraries.

Point a client's base URL at http://127.0.0.1:PORT/<scenario name> (OpenAI clients add /v1), and
every request under that prefix is answered with the scenario's response: a JSON body, an SSE
stream (named events for Anthropic and the Responses API, `data:` lines ending in [DONE] for
OpenAI chat, `data:` lines for Gemini), or an error status with the provider's error body. The fault responses of tests/faults/ are
served the same way (`raw_body` is sent verbatim), and so are the framework scenarios of
tests/frameworks/.

    python3 tests/provider_server.py [--port 0] [--scenarios DIR]

prints `listening on http://127.0.0.1:PORT` as its first line, so a test can read the port.
Every answer allows any origin (CORS, preflights included), for the browser suite. `GET /__requests/<scenario>` returns the requests received for a scenario (method, path,
headers, JSON body); `DELETE /__requests` forgets them (`DELETE /__requests/<scenario>` one
scenario's). A scenario whose `response` is a list is a conversation: the nth request since
then gets the nth answer, the last one repeating. A stream event with `pause_ms` is sent that
long after the events before it (a reader breaking off early has not received it). Standard
library only, so the Node, Python and C suites can all start it.
"""

import argparse
import base64
import copy
import json
import struct
import pathlib
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = pathlib.Path(__file__).resolve().parent

# The path each API is served under, so a client calling the wrong endpoint gets a clear 404.
API_PATHS = {
    "chat_completions": ("/chat/completions",),
    "responses": ("/responses",),
    "embeddings": ("/embeddings",),
    "messages": ("/v1/messages",),
    "count_tokens": ("/v1/messages/count_tokens",),
    "generate_content": (":generateContent", ":streamGenerateContent"),
    "chat_send_message": (":generateContent", ":streamGenerateContent"),
    "embed_content": (":embedContent", ":batchEmbedContents", ":predict"),
}


def load_scenarios(directory: pathlib.Path):
    scenarios = {}
    for path in sorted(directory.glob("*.json")):
        scenario = json.loads(path.read_text())
        scenarios[scenario["name"]] = scenario
    return scenarios


def sse_pieces(response):
    """A response's events in the framing its provider uses, as (pause in seconds, bytes) pieces:
    an event with `pause_ms` starts a piece sent that long after the one before, so a reader that
    breaks off early has received only the events before it, however far its stream reads ahead."""
    pieces = [[0.0, []]]
    for event in response["events"]:
        if event.get("pause_ms"):
            pieces.append([event["pause_ms"] / 1000, []])
        data = event["data"]
        text = data if isinstance(data, str) else json.dumps(data, separators=(",", ":"))
        if "event" in event:
            pieces[-1][1].append(f"event: {event['event']}\n")
        pieces[-1][1].append(f"data: {text}\n\n")
    return [(pause, "".join(out).encode()) for pause, out in pieces]


def as_base64_embeddings(payload):
    """OpenAI answers `encoding_format: "base64"` with little-endian float32 vectors in base64
    (openai-node 6.x asks for it by default and decodes it itself)."""
    payload = copy.deepcopy(payload)
    for item in payload.get("data", []):
        vector = item.get("embedding")
        if isinstance(vector, list):
            item["embedding"] = base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode()
    return payload


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "llmtel-provider-server"

    def log_message(self, *_):
        pass

    def cors(self):
        """Any page may call (the browser suite's pages run on another origin)."""
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Access-Control-Expose-Headers", "*")

    def do_OPTIONS(self):
        """A CORS preflight: whatever method and headers the page asks for."""
        self.send_response(204)
        self.cors()
        self.send_header("Access-Control-Allow-Methods", "GET, POST, DELETE, OPTIONS")
        self.send_header("Access-Control-Allow-Headers", self.headers.get("Access-Control-Request-Headers", "*"))
        self.send_header("Access-Control-Max-Age", "600")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def reply(self, status, body, content_type="application/json", headers=None):
        """Sends `body`: bytes, or (pause in seconds, bytes) pieces sent apart."""
        pieces = [(0.0, body)] if isinstance(body, bytes) else body
        self.send_response(status)
        self.cors()
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(sum(len(piece) for _, piece in pieces)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        for pause, piece in pieces:
            if pause:
                self.wfile.flush()
                time.sleep(pause)
            self.wfile.write(piece)

    def reply_json(self, status, value):
        self.reply(status, json.dumps(value).encode())

    def do_GET(self):
        if self.path.startswith("/__requests/"):
            name = self.path[len("/__requests/"):]
            with self.server.lock:
                self.reply_json(200, self.server.received.get(name, []))
        elif self.path == "/__scenarios":
            self.reply_json(200, sorted(self.server.scenarios))
        else:
            self.serve()

    def do_DELETE(self):
        if self.path == "/__requests":
            with self.server.lock:
                self.server.received.clear()
            self.reply_json(200, {})
        elif self.path.startswith("/__requests/"):
            with self.server.lock:
                self.server.received.pop(self.path[len("/__requests/"):], None)
            self.reply_json(200, {})
        else:
            self.serve()

    def do_POST(self):
        self.serve()

    def serve(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        parts = self.path.split("/", 2)
        name = parts[1] if len(parts) > 1 else ""
        rest = "/" + (parts[2] if len(parts) > 2 else "")
        scenario = self.server.scenarios.get(name)
        if scenario is None:
            self.reply_json(404, {"error": {"message": f"no scenario named {name!r}", "type": "not_found"}})
            return
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", "replace")
        with self.server.lock:
            self.server.received.setdefault(name, []).append(
                {"method": self.command, "path": rest, "headers": dict(self.headers), "body": body}
            )
        path = rest.split("?", 1)[0]
        if not any(path.endswith(suffix) or suffix in path for suffix in API_PATHS.get(scenario["api"], ())):
            self.reply_json(404, {"error": {"message": f"scenario {name} serves {scenario['api']}, not {path}", "type": "not_found"}})
            return
        response = scenario["response"]
        if isinstance(response, list):  # a conversation: the nth request gets the nth answer
            with self.server.lock:
                turn = len(self.server.received[name]) - 1
            response = response[min(turn, len(response) - 1)]
        status = response.get("status", 200)
        if "events" in response:
            self.reply(status, sse_pieces(response), "text/event-stream", {"Cache-Control": "no-cache"})
        elif "raw_body" in response:
            self.reply(status, response["raw_body"].encode())
        else:
            payload = response.get("wire_body", response.get("body"))
            if scenario["api"] == "embeddings" and isinstance(body, dict) and body.get("encoding_format") == "base64":
                payload = as_base64_embeddings(payload)
            self.reply(status, json.dumps(payload).encode())


class ProviderServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A client that goes away mid-answer (a test that stops reading a stream, a process
        # that exits) is not the server's error; anything else is printed as usual.
        if isinstance(sys.exc_info()[1], (ConnectionError, OSError)) or sys.is_finalizing():
            return
        super().handle_error(request, client_address)

    def __init__(self, address, scenarios):
        super().__init__(address, Handler)
        self.scenarios = scenarios
        self.received = {}
        self.lock = threading.Lock()


def extra_scenarios():
    """The fault responses and the framework scenarios, served beside the provider ones."""
    return {**load_scenarios(HERE / "faults"), **load_scenarios(HERE / "frameworks")}


def start(port=0, directory=HERE / "scenarios"):
    """Starts the server on a thread; returns (server, base URL). For Python tests."""
    server = ProviderServer(("127.0.0.1", port), {**extra_scenarios(), **load_scenarios(directory)})
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--scenarios", type=pathlib.Path, default=HERE / "scenarios")
    args = parser.parse_args()
    scenarios = {**extra_scenarios(), **load_scenarios(args.scenarios)}
    server = ProviderServer(("127.0.0.1", args.port), scenarios)
    print(f"listening on http://127.0.0.1:{server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
