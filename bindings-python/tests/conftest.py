import json
import pathlib
import sys

import pytest

TESTS = pathlib.Path(__file__).resolve().parents[2] / "tests"
sys.path.insert(0, str(TESTS))
import provider_server  # noqa: E402

import llmtel  # noqa: E402


@pytest.fixture(scope="session")
def httpx():
    """The httpx the installed openai uses: openai 3.x moved to httpx2, the same API under a new
    name (for in-process transports: httpx.MockTransport)."""
    try:
        import httpx2
        return httpx2
    except ImportError:
        import httpx
        return httpx


@pytest.fixture(scope="session")
def provider():
    server, url = provider_server.start()
    yield server, url
    server.shutdown()


class Spool:
    def __init__(self, path):
        self.path = path

    def spans(self):
        llmtel.flush(5)
        if not self.path.exists():
            return []
        return [json.loads(line) for line in self.path.read_text().splitlines()]


@pytest.fixture
def spool(tmp_path):
    """A fresh llmtel setup writing to a spool in tmp_path; `spool.spans()` reads it back."""
    path = tmp_path / "spans.jsonl"

    def start(**options):
        llmtel.init(**{"spool": str(path), "dsn": "", "flush_interval": "20ms", **options})
        return Spool(path)

    yield start
    llmtel.close(2)
