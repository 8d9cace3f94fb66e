"""Checks the span tree a framework program produced against a scenario of tests/frameworks/,
the same way from every language's suite.

A scenario lists its expected spans in start order, each with its parent (`root`: the span the
test program opened around the work, else the name of an earlier expected span), name, op,
kind, origin, status and attributes, which must be exactly those (values as in
scenario_check.py, plus `<any>` for a value that varies and `<port>` for the loopback server's
port); `content` holds the attributes recorded only with content on, which must be absent
with content off. A run may `override` fields of a span by name, and may name the one
`language` (python, node) whose framework behaves as the scenario says.

    python3 tests/framework_check.py SCENARIO RUN_INDEX CONTENT(on|off) PORT SPOOL_FILE

prints the differences (exit 1 when there are any): for suites in other languages (Node).
"""

import copy
import json
import pathlib
import sys

from scenario_check import value_problem

HERE = pathlib.Path(__file__).resolve().parent
FIELDS = ("name", "op", "kind", "origin", "status")


def load(name):
    return json.loads((HERE / "frameworks" / f"{name}.json").read_text())


def expected_spans(scenario, run):
    spans = copy.deepcopy(scenario["expect"])
    for span in spans:
        span.update(run.get("override", {}).get(span["name"], {}))
    return spans


def problems(scenario, run, spans, content, port):
    """`spans`: the spool lines of the test's trace, the root included (the one without a
    parent). Returns a list of differences, empty when the tree is exact."""
    found = []
    roots = [s for s in spans if not s.get("parent_span_id")]
    if len(roots) != 1:
        return [f"expected one root span, got {len(roots)}"]
    root = roots[0]
    actual = sorted((s for s in spans if s is not root), key=lambda s: s["start_time_unix_nano"])
    expected = expected_spans(scenario, run)
    if [s["name"] for s in actual] != [s["name"] for s in expected]:
        found.append(f"spans: expected {[s['name'] for s in expected]}, got {[s['name'] for s in actual]}")
        return found
    by_name = {"root": root["span_id"]}
    for want, got in zip(expected, actual):
        where = f"{want['name']}"
        by_name.setdefault(want["name"], got["span_id"])
        if got.get("parent_span_id") != by_name.get(want["parent"]):
            parent = next((s["name"] for s in spans if s["span_id"] == got.get("parent_span_id")), None)
            found.append(f"{where}: parent should be {want['parent']}, is {parent}")
        status = "error" if got.get("status") == "error" else "ok"
        for field in FIELDS:
            have = status if field == "status" else got.get(field)
            if want[field] != have:
                found.append(f"{where}: {field} expected {want[field]!r}, got {have!r}")
        attributes = dict(want["attributes"])
        if content:
            attributes.update(want.get("content", {}))
        have = got.get("attributes", {})
        for key, value in attributes.items():
            if key not in have:
                found.append(f"{where}: missing {key} (expected {value!r})")
                continue
            if value == "<any>":
                continue
            if value == "<port>":
                value = port
            problem = value_problem(value, have[key])
            if problem:
                found.append(f"{where}: {key}: {problem}")
        for key in have:
            if key not in attributes:
                found.append(f"{where}: unexpected {key} = {str(have[key])[:200]!r}")
    return found


def main(argv):
    scenario = load(argv[1])
    run = scenario["runs"][int(argv[2])]
    spans = [json.loads(line) for line in pathlib.Path(argv[5]).read_text().splitlines() if line]
    found = problems(scenario, run, spans, argv[3] == "on", int(argv[4]))
    for line in found:
        print(line)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
