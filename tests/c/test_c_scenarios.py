"""Every shared scenario through the C API (tests/c/scenario_runner.c, linked against
libllmtel): the span it writes to a real spool must be exactly the scenario's expected span."""

import json
import os
import pathlib
import subprocess
import sys

import pytest

TESTS = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(TESTS))
import provider_server  # noqa: E402
import scenario_check  # noqa: E402
import scenario_inputs  # noqa: E402

RUNNER = pathlib.Path(os.environ.get("LLMTEL_C_RUNNER", TESTS.parent / "target" / "c" / "scenario_runner"))
SCENARIOS = provider_server.load_scenarios(TESTS / "scenarios")


@pytest.fixture(scope="module", autouse=True)
def runner_built():
    assert RUNNER.exists(), f"{RUNNER} is missing: `make test-c` builds it"


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_the_c_api_gives_the_expected_span(name, tmp_path):
    scenario = SCENARIOS[name]
    inputs = scenario_inputs.write_inputs(scenario, tmp_path)
    spool = tmp_path / "spans.jsonl"
    args = [
        str(RUNNER), inputs["provider"], inputs["api"], inputs["stream"], inputs["record_inputs"],
        inputs["record_outputs"], str(tmp_path / "request.json"), inputs["kind"], str(tmp_path / "response"),
        inputs["status"], inputs["server_address"], inputs["server_port"],
        f"spool={spool}", "dsn=", f"content_format={inputs['content_format']}",
        f"max_content_bytes={inputs['max_content_bytes']}",
    ]
    done = subprocess.run(args, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    lines = spool.read_text().splitlines()
    assert len(lines) == 1, lines
    assert scenario_check.problems(scenario, json.loads(lines[0])) == []
