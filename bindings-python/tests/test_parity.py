"""The parity check's Python column: every operation tests/parity/facade.json names for Python
exists on llmtel._native (mypy's stubtest then holds the .pyi to the module)."""

import json
import pathlib

from llmtel import _native

TABLE = json.loads((pathlib.Path(__file__).resolve().parents[2] / "tests" / "parity" / "facade.json").read_text())


def _exists(name):
    owner, _, member = name.rpartition(".")
    return hasattr(getattr(_native, owner, None) if owner else _native, member)


def test_the_native_module_has_every_operation_the_parity_table_names_for_python():
    missing = [f"{row['op']} ({row['python']})" for row in TABLE["operations"] if row["python"] and not _exists(row["python"])]
    assert missing == []
    assert len(TABLE["operations"]) > 30
