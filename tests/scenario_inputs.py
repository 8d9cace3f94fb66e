"""A shared scenario as files a host's runner reads without a JSON parser of its own: the C
runner (tests/c/scenario_runner.c) and the Kotlin and Ruby runners (bindings-uniffi/) drive the
same call from them, and the span each writes to its spool is checked by scenario_check."""

import json


def write_inputs(scenario, directory):
    """Writes `request.json`, `response` (the JSON body, or one `EVENT<TAB>DATA` line per stream
    chunk) and `inputs.txt` (`key=value` lines) into `directory`; returns the inputs as a dict."""
    response = scenario["response"]
    (directory / "request.json").write_text(json.dumps(scenario["request"]))
    if "events" in response:
        kind = "events"
        lines = []
        for event in response["events"]:
            data = event["data"] if isinstance(event["data"], str) else json.dumps(event["data"])
            lines.append(f"{event.get('event', '')}\t{data}")
        (directory / "response").write_text("\n".join(lines) + "\n")
    else:
        kind = "error" if response.get("status", 200) >= 400 else "json"
        (directory / "response").write_text(json.dumps(response["body"]))
    options = scenario["options"]
    server = scenario.get("server", {})
    inputs = {
        "provider": scenario["provider"],
        "api": scenario["api"],
        "stream": "1" if scenario["stream"] else "0",
        "record_inputs": "1" if options["record_inputs"] else "0",
        "record_outputs": "1" if options["record_outputs"] else "0",
        "kind": kind,
        "status": str(response.get("status", 200)),
        "server_address": server.get("address", ""),
        "server_port": str(server.get("port", 0)),
        "content_format": options["content_format"],
        "max_content_bytes": str(options["max_content_bytes"]),
    }
    (directory / "inputs.txt").write_text("".join(f"{k}={v}\n" for k, v in inputs.items()))
    return inputs
