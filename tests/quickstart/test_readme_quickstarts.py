"""The README's quick starts run as written: the Node and Python blocks are extracted and run
against the loopback provider (the real `openai` packages, pointed at it by OPENAI_BASE_URL), and
must record the spans they promise (the Python block must also pass `mypy --strict`); the C
block must be examples/c/quickstart.c as is, which `make test-c` builds and runs (the Rust one,
core/examples/quickstart.rs: core/tests/packaging.rs and `make test-rust`)."""

import json
import os
import pathlib
import re
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))
import provider_server  # noqa: E402

README = (ROOT / "README.md").read_text()


def block(section: str, language: str) -> str:
    """The first `language` code block under the `## Quick start: {section}` heading."""
    start = README.index(f"## Quick start: {section}\n")
    end = README.find("\n## ", start + 1)
    match = re.search(rf"```{language}\n(.*?)```\n", README[start:end], re.S)
    assert match, f"no {language} block in the {section} quick start"
    return match.group(1)


@pytest.fixture
def run(tmp_path):
    server, url = provider_server.start()
    spool = tmp_path / "spans.jsonl"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SENTRY_", "OTEL_"))}
    env.update(OPENAI_API_KEY="test", OPENAI_BASE_URL=f"{url}/openai_chat_plain/v1", ANTHROPIC_API_KEY="test",
               LLMTEL_SPOOL=str(spool), NODE_PATH=str(ROOT / "examples" / "node" / "node_modules"))

    def go(command, source, name):
        path = tmp_path / name
        path.write_text(source)
        done = subprocess.run([*command, str(path)], cwd=tmp_path, env=env, capture_output=True, text=True,
                              timeout=120)
        assert done.returncode == 0, done.stderr
        return [json.loads(line) for line in spool.read_text().splitlines()]

    yield go
    server.shutdown()


def check(spans):
    by_name = {}
    for span in spans:
        by_name.setdefault(span["name"], []).append(span)
    report = by_name["Generate Report"][0]
    assert report["attributes"]["customer.tier"] == "premium"
    assert report["attributes"]["report.pages"] == 3
    [child] = by_name["chat gpt-4o-mini"]
    assert child["parent_span_id"] == report["span_id"]
    assert by_name["chat gpt-4o"][0].get("parent_span_id") is None


def test_the_node_quick_start_runs_as_written(run):
    check(run(["node"], block("Node", "js"), "quickstart.js"))


def test_the_python_quick_start_runs_as_written(run):
    check(run([sys.executable], block("Python", "python"), "quickstart.py"))


def test_the_c_quick_start_is_the_program_make_test_runs():
    assert block("C and C++", "c") == (ROOT / "examples" / "c" / "quickstart.c").read_text()


def test_the_python_quick_start_type_checks_with_mypy_strict(tmp_path):
    """The package's stubs (py.typed) type the README's code: start_span gives a Span, trace
    keeps the decorated function's signature."""
    path = tmp_path / "quickstart.py"
    path.write_text(block("Python", "python"))
    done = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-incremental", str(path)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
