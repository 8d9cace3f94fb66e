"""Runs a command with the loopback provider (tests/provider_server.py) up and its URL in
LLMTEL_PROVIDER_URL, for suites that are not Python (the Kotlin binding's); exits with the
command's status."""

import os
import pathlib
import subprocess
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
import provider_server  # noqa: E402

server, url = provider_server.start()
try:
    sys.exit(subprocess.run(sys.argv[1:], env={**os.environ, "LLMTEL_PROVIDER_URL": url}).returncode)
finally:
    server.shutdown()
