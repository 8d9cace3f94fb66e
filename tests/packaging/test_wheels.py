"""The Python package as PyPI would ship it (`make wheels`): a manylinux2014 wheel (glibc 2.17,
checked by auditwheel), a musllinux_1_2 wheel (linking only musl's libc: no musl Python here
to run it), and an sdist that builds, with the README as long description. The manylinux wheel, installed into a fresh venv with no Rust toolchain on PATH,
runs the README's Python quick start against the loopback provider and records its spans."""

import json
import os
import pathlib
import subprocess
import sys
import venv
import zipfile

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
WHEELS = ROOT / "target" / "wheels"
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "tests" / "quickstart"))
import provider_server  # noqa: E402
from test_readme_quickstarts import block, check  # noqa: E402


def built(pattern):
    found = sorted(WHEELS.glob(pattern))
    assert len(found) == 1, f"{pattern} in {WHEELS}: {found} (run `make wheels`)"
    return found[0]


def test_the_manylinux_wheel_needs_only_glibc_2_17():
    wheel = built("llmtel-*-cp39-abi3-manylinux2014_x86_64*.whl")
    shown = subprocess.run([sys.executable, "-m", "auditwheel", "show", str(wheel)], capture_output=True,
                           text=True, check=True).stdout
    assert 'consistent with the following platform tag:\n"manylinux_2_17_x86_64"' in shown, shown
    with zipfile.ZipFile(wheel) as z:
        metadata = z.read(next(n for n in z.namelist() if n.endswith("METADATA"))).decode()
        names = z.namelist()
    assert "Description-Content-Type: text/markdown" in metadata
    assert "# llmtel" in metadata, "the README is the long description"
    assert "Project-URL: Repository" in metadata
    assert "llmtel/py.typed" in names and "llmtel/_native.pyi" in names


def test_the_musllinux_wheel_links_only_musl(tmp_path):
    wheel = built("llmtel-*-cp39-abi3-musllinux_1_2_x86_64.whl")
    with zipfile.ZipFile(wheel) as z:
        z.extract("llmtel/_native.abi3.so", tmp_path)
    dynamic = subprocess.run(["readelf", "-d", str(tmp_path / "llmtel" / "_native.abi3.so")], capture_output=True,
                             text=True, check=True).stdout
    needed = sorted(line.split("[")[1].rstrip("]") for line in dynamic.splitlines() if "(NEEDED)" in line)
    assert needed == ["libc.so"], needed


def test_the_sdist_holds_its_sources_and_builds_a_wheel(tmp_path):
    sdist = built("llmtel-*.tar.gz")
    import tarfile
    with tarfile.open(sdist) as tar:
        names = {name.split("/", 1)[1] for name in tar.getnames() if "/" in name}
    for needed in ["README.md", "LICENSE", "Cargo.lock", "pyproject.toml", "core/src/lib.rs", "core/data/prices.txt",
                   "bindings-python/src/lib.rs", "python/llmtel/__init__.py", "python/llmtel/py.typed"]:
        assert needed in names, needed
    # What pip does with an sdist on a platform without a wheel (a Rust toolchain needed).
    # The repository's target directory: the registry crates built for the wheels are reused.
    env = {**os.environ, "CARGO_TARGET_DIR": str(ROOT / "target"),
           "PATH": os.pathsep.join([str(pathlib.Path(sys.executable).parent), os.environ["PATH"]])}
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    "--disable-pip-version-check", "-w", str(tmp_path), str(sdist)], env=env, check=True, timeout=1200)
    assert [w.name.split("-")[:2] for w in tmp_path.glob("*.whl")] == [["llmtel", "0.1.0"]]


@pytest.fixture
def fresh_venv(tmp_path):
    """A venv with the wheel and openai from PyPI, built with no Rust toolchain on PATH."""
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    no_rust = {k: v for k, v in os.environ.items() if not k.startswith(("CARGO", "RUSTUP", "SENTRY_", "OTEL_"))}
    no_rust["PATH"] = os.pathsep.join(p for p in os.environ["PATH"].split(os.pathsep)
                                      if not (pathlib.Path(p) / "cargo").exists() and not (pathlib.Path(p) / "rustc").exists())
    wheel = built("llmtel-*-cp39-abi3-manylinux2014_x86_64*.whl")
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", str(wheel),
                    "openai>=1.100", "anthropic>=0.60"], env=no_rust, check=True, timeout=600)
    return python, no_rust


def test_the_wheel_installs_without_rust_and_runs_the_python_quick_start(fresh_venv, tmp_path):
    python, env = fresh_venv
    server, url = provider_server.start()
    try:
        spool = tmp_path / "spans.jsonl"
        source = tmp_path / "quickstart.py"
        source.write_text(block("Python", "python"))
        env = {**env, "OPENAI_API_KEY": "test", "OPENAI_BASE_URL": f"{url}/openai_chat_plain/v1",
               "ANTHROPIC_API_KEY": "test", "LLMTEL_SPOOL": str(spool)}
        done = subprocess.run([str(python), str(source)], cwd=tmp_path, env=env, capture_output=True, text=True,
                              timeout=120)
        assert done.returncode == 0, done.stderr
        check([json.loads(line) for line in spool.read_text().splitlines()])
    finally:
        server.shutdown()
