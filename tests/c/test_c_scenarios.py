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

RUNNER = pathlib.Path(os.environ.get("LLMTEL_C_RUNNER", TESTS.parent / "target" / "c" / "scenario_runner"))
SCENARIOS = provider_server.load_scenarios(TESTS / "scenarios")


@pytest.fixture(scope="module", autouse=True)
def runner_built():
    assert RUNNER.exists(), f"{RUNNER} is missing: `make test-c` builds it"


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_the_c_api_gives_the_expected_span(name, tmp_path):
    scenario = SCENARIOS[name]
    response = scenario["response"]
    request_file = tmp_path / "request.json"
    request_file.write_text(json.dumps(scenario["request"]))
    response_file = tmp_path / "response"
    if "events" in response:
        kind = "events"
        lines = []
        for event in response["events"]:
            data = event["data"] if isinstance(event["data"], str) else json.dumps(event["data"])
            lines.append(f"{event.get('event', '')}\t{data}")
        response_file.write_text("\n".join(lines) + "\n")
    else:
        kind = "error" if response.get("status", 200) >= 400 else "json"
        response_file.write_text(json.dumps(response["body"]))
    spool = tmp_path / "spans.jsonl"
    options = scenario["options"]
    server = scenario.get("server", {})
    flag = lambda b: "1" if b else "0"
    args = [
        str(RUNNER), scenario["provider"], scenario["api"], flag(scenario["stream"]),
        flag(options["record_inputs"]), flag(options["record_outputs"]), str(request_file), kind,
        str(response_file), str(response.get("status", 200)), server.get("address", ""), str(server.get("port", 0)),
        f"spool={spool}", "dsn=", f"content_format={options['content_format']}",
        f"max_content_bytes={options['max_content_bytes']}",
    ]
    done = subprocess.run(args, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    lines = spool.read_text().splitlines()
    assert len(lines) == 1, lines
    assert scenario_check.problems(scenario, json.loads(lines[0])) == []
