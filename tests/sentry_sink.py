"""A loopback Sentry for the Python suites: it accepts envelopes (gzipped or not) on any path,
answers 200, and keeps what it received.

    sink = sentry_sink.start()          # sink.dsn: http://public@127.0.0.1:PORT/42
    ...                                 # send to it
    sink.requests                       # [(path, headers with lowercase names, body)]
    sink.items("transaction")           # the JSON payloads of every item of that type
    sink.shutdown()
"""

import gzip
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def parse_envelope(body: bytes):
    """(header, [(item header, raw payload)]) of one envelope."""
    header_line, _, rest = body.partition(b"\n")
    items = []
    while rest.strip():
        item_header_line, _, rest = rest.partition(b"\n")
        item_header = json.loads(item_header_line)
        length = item_header["length"]
        items.append((item_header, rest[:length]))
        rest = rest[length + 1:]
    return json.loads(header_line), items


class Sink:
    def __init__(self) -> None:
        self.requests = []
        received = self.requests

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

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        self.dsn = f"http://public@127.0.0.1:{self._server.server_address[1]}/42"

    def envelopes(self):
        """Every envelope received: (header, [(item header, JSON payload)])."""
        out = []
        for _, _, body in self.requests:
            header, items = parse_envelope(body)
            out.append((header, [(h, json.loads(p)) for h, p in items]))
        return out

    def items(self, kind: str):
        """The JSON payloads of every item of type `kind`, in the order received."""
        return [payload for _, items in self.envelopes() for h, payload in items if h["type"] == kind]

    def shutdown(self) -> None:
        self._server.shutdown()


def start() -> Sink:
    return Sink()
