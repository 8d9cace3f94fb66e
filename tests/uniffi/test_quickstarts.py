"""The README's Kotlin and Ruby quick starts run as written, the way the README says to run
them (`bindings-uniffi/kotlin/run`, the gem `make ruby` installs), against the loopback
provider, and record the spans the Node and Python quick starts do."""

import pathlib
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "quickstart"))
import test_readme_quickstarts as quickstarts  # noqa: E402

run = quickstarts.run  # the fixture: the provider up, OPENAI_BASE_URL and LLMTEL_SPOOL set


def test_the_kotlin_quick_start_runs_as_written(run):
    assert "bindings-uniffi/kotlin/run Quickstart.kt" in quickstarts.block("Kotlin (JVM)", "sh")
    quickstarts.check(run([str(ROOT / "bindings-uniffi" / "kotlin" / "run")], quickstarts.block("Kotlin (JVM)", "kotlin"),
                          "Quickstart.kt"))


@pytest.fixture
def installed_gem(monkeypatch):
    """The environment the README's command gives: the gem `make ruby` installed, with its own
    copy of the library (set before `run` copies the environment)."""
    gems = ROOT / "target" / "uniffi" / "gems"
    if not gems.is_dir():
        pytest.fail("target/uniffi/gems is missing: `make ruby` installs the gem (make test-uniffi does)")
    monkeypatch.setenv("GEM_HOME", str(gems))
    monkeypatch.delenv("LLMTEL_LIBRARY", raising=False)


def test_the_ruby_quick_start_runs_as_written(installed_gem, run):
    assert "GEM_HOME=target/uniffi/gems ruby quickstart.rb" in quickstarts.block("Ruby", "sh")
    quickstarts.check(run(["ruby"], quickstarts.block("Ruby", "ruby"), "quickstart.rb"))
