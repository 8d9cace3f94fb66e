"""Compares a span read back from the spool with a scenario's expected span, the way
core/tests/scenarios.rs does for the Rust suite, so every language's suite checks the same
contract. `problems(scenario, span)` returns a list of differences (empty when exact)."""

import json
import math


def _close(a, b):
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-15)


def value_problem(expected, actual):
    if expected == "<double>":
        return None if isinstance(actual, float) else f"expected a double, got {actual!r}"
    if isinstance(expected, dict) and "$json_max_bytes" in expected:
        if not isinstance(actual, str):
            return f"expected JSON text, got {actual!r}"
        json.loads(actual)
        size = len(actual.encode())
        low, high = expected.get("$min_bytes", 0), expected["$json_max_bytes"]
        return None if low <= size <= high else f"{size} bytes, expected {low} to {high}"
    if isinstance(expected, (dict, list)) and isinstance(actual, str):
        try:
            parsed = json.loads(actual)
        except ValueError as e:
            return f"not JSON ({e}): {actual!r}"
        return None if parsed == expected else f"expected {expected!r}, got {parsed!r}"
    if isinstance(expected, bool) or isinstance(actual, bool):
        return None if expected is actual else f"expected {expected!r}, got {actual!r}"
    if isinstance(expected, int) and not isinstance(expected, bool):
        ok = isinstance(actual, int) and actual == expected
        return None if ok else f"expected integer {expected!r}, got {actual!r}"
    if isinstance(expected, float):
        ok = isinstance(actual, float) and _close(expected, actual)
        return None if ok else f"expected double {expected!r}, got {actual!r}"
    return None if expected == actual else f"expected {expected!r}, got {actual!r}"


def problems(scenario, span):
    """`span` is one spool line (schema v1) as a dict."""
    expect = scenario["expect"]
    found = []
    status = "error" if span.get("status") == "error" else "ok"
    for field, actual in [("name", span.get("name")), ("op", span.get("op")), ("origin", span.get("origin")),
                          ("kind", span.get("kind")), ("status", status)]:
        if expect[field] != actual:
            found.append(f"{field}: expected {expect[field]!r}, got {actual!r}")
    if "error_code" in expect and expect["error_code"] != span.get("error_code"):
        found.append(f"error_code: expected {expect['error_code']!r}, got {span.get('error_code')!r}")
    attributes = span.get("attributes", {})
    for key, want in expect["attributes"].items():
        if key not in attributes:
            found.append(f"missing {key} (expected {want!r})")
        else:
            problem = value_problem(want, attributes[key])
            if problem:
                found.append(f"{key}: {problem}")
    for key in attributes:
        if key not in expect["attributes"]:
            found.append(f"unexpected {key} = {attributes[key]!r}")
    return found


def main(argv):
    """`scenario_check.py SCENARIO_NAME SPAN_JSON [HOST:PORT]`: prints the differences between a
    spool line and the scenario's expected span (exit 1 when there are any). With HOST:PORT the
    expected server.address / server.port are the loopback server's. For suites in other
    languages (Node)."""
    import pathlib

    here = pathlib.Path(__file__).resolve().parent
    scenario = json.loads((here / "scenarios" / f"{argv[1]}.json").read_text())
    span = json.loads(argv[2])
    if len(argv) > 3:
        host, port = argv[3].rsplit(":", 1)
        scenario["expect"]["attributes"]["server.address"] = host
        scenario["expect"]["attributes"]["server.port"] = int(port)
    found = problems(scenario, span)
    for line in found:
        print(line)
    return 1 if found else 0


if __name__ == "__main__":
    import sys

    sys.exit(main(sys.argv))
