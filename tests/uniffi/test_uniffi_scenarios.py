"""Every shared scenario through the uniffi bindings, Kotlin (on the JVM) and Ruby: each
language's runner drives the call from the files tests/scenario_inputs.py writes, and the span
it writes to a real spool must be exactly the scenario's expected span, as for C, Node,
Python and Rust. `make test-uniffi` builds what the runners need and passes it in the
environment (LLMTEL_LIBRARY, LLMTEL_KOTLIN_CLASSPATH)."""

import json
import os
import pathlib
import subprocess
import sys

import pytest

TESTS = pathlib.Path(__file__).resolve().parents[1]
ROOT = TESTS.parent
sys.path.insert(0, str(TESTS))
import provider_server  # noqa: E402
import scenario_check  # noqa: E402
import scenario_inputs  # noqa: E402

SCENARIOS = provider_server.load_scenarios(TESTS / "scenarios")
LIBRARY = pathlib.Path(os.environ.get("LLMTEL_LIBRARY", ""))


def kotlin_command(folders):
    classpath = os.environ["LLMTEL_KOTLIN_CLASSPATH"]
    return ["java", f"-Djna.library.path={LIBRARY.parent}", "-cp", classpath, "dev.llmtel.ScenarioRunnerKt", *folders]


def ruby_command(folders):
    return ["ruby", str(ROOT / "bindings-uniffi" / "ruby" / "test" / "scenario_runner.rb"), *folders]


RUNNERS = {"kotlin": kotlin_command, "ruby": ruby_command}


@pytest.fixture(scope="module", params=sorted(RUNNERS))
def spans_by_language(request, tmp_path_factory):
    """Runs one language's runner over every scenario at once (one JVM start, not 45);
    returns that language's name and the spool lines of each scenario."""
    assert LIBRARY.is_file(), "LLMTEL_LIBRARY must name libllmtel_uniffi: `make test-uniffi` sets it"
    language = request.param
    root = tmp_path_factory.mktemp(language)
    folders = {}
    for name, scenario in SCENARIOS.items():
        folder = root / name
        folder.mkdir()
        scenario_inputs.write_inputs(scenario, folder)
        folders[name] = folder
    done = subprocess.run(RUNNERS[language]([str(f) for f in folders.values()]), capture_output=True, text=True,
                          timeout=300, env={**os.environ, "LLMTEL_LIBRARY": str(LIBRARY)})
    assert done.returncode == 0, done.stderr
    spool = {}
    for name, folder in folders.items():
        file = folder / "spans.jsonl"
        spool[name] = file.read_text().splitlines() if file.exists() else []
    return language, spool


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_the_binding_gives_the_expected_span(spans_by_language, name):
    language, spool = spans_by_language
    lines = spool[name]
    assert len(lines) == 1, f"{language}: {lines}"
    assert scenario_check.problems(SCENARIOS[name], json.loads(lines[0])) == [], language
