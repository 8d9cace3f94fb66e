"""`make bench-cli`: `llmtel report` over a spool of a million spans (half user task spans, half
model calls across four models), printing wall time and peak memory against the goals
(under 5 s, under 200 MB). The spool is generated once under target/ and reused."""

import json
import os
import random
import resource
import subprocess
import sys
import time

SPANS = 1_000_000
MODELS = [
    ("gpt-4o", "openai"),
    ("gpt-4o-mini", "openai"),
    ("claude-sonnet-4-5", "anthropic"),
    ("gemini-2.5-flash", "gcp.gemini"),
]


def line(**fields):
    return json.dumps({"v": 1, **fields}, separators=(",", ":")) + "\n"


def generate(path):
    rng = random.Random(1)
    base = 1_795_500_000_000_000_000
    with open(path + ".tmp", "w") as f:
        for i in range(SPANS // 2):
            trace, task, call = (f"{rng.getrandbits(b):0{b // 4}x}" for b in (128, 64, 64))
            start = base + i * 10**9
            duration = rng.randint(50, 5000) * 10**6
            model, provider = MODELS[i % len(MODELS)]
            common = dict(trace_id=trace, segment_id=task, service="bench", environment="production")
            f.write(line(span_id=task, name="Generate Report", op="ai.task", origin="manual",
                         kind="internal", status="ok", start_time_unix_nano=start,
                         end_time_unix_nano=start + duration + 10**6,
                         attributes={"ai.use_case": "support"}, **common))
            attributes = {
                "gen_ai.operation.name": "chat",
                "gen_ai.provider.name": provider,
                "gen_ai.request.model": model,
                "gen_ai.response.model": model + "-2025",
                "gen_ai.usage.input_tokens": rng.randint(10, 5000),
                "gen_ai.usage.output_tokens": rng.randint(10, 2000),
                "gen_ai.usage.cache_read.input_tokens": rng.randint(0, 500),
                "gen_ai.cost.total_tokens": rng.random() / 100,
                "gen_ai.response.streaming": True,
                "gen_ai.response.time_to_first_chunk": rng.random(),
                "gen_ai.response.tokens_per_second": rng.random() * 100,
                "gen_ai.response.finish_reasons": ["stop"],
            }
            f.write(line(span_id=call, parent_span_id=task, name="chat " + model, op="gen_ai.chat",
                         origin="auto.ai.openai", kind="client",
                         status="error" if i % 50 == 0 else "ok", start_time_unix_nano=start,
                         end_time_unix_nano=start + duration, attributes=attributes, **common))
    os.replace(path + ".tmp", path)


# Runs one command in a child Python, so each figure has its own peak RSS (RUSAGE_CHILDREN is a
# maximum over every child a process ever waited for).
MEASURE = """
import resource, subprocess, sys, time
started = time.perf_counter()
subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print(time.perf_counter() - started, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)
"""


def measure(*command):
    out = subprocess.run([sys.executable, "-c", MEASURE, *command], check=True,
                         capture_output=True, text=True).stdout.split()
    return float(out[0]), float(out[1])


def main():
    binary, spool = sys.argv[1], sys.argv[2]
    if not os.path.exists(spool):
        print(f"generating {SPANS} spans into {spool} ...", flush=True)
        generate(spool)
    size_mb = os.path.getsize(spool) / 1e6
    html = spool + ".html"
    runs = [
        ("llmtel report", [binary, "report", "--spool", spool]),
        ("llmtel report --html", [binary, "report", "--spool", spool, "--html", html]),
        ("llmtel traces --last 2", [binary, "traces", "--spool", spool, "--last", "2"]),
    ]
    for name, command in runs:
        seconds, peak_mb = measure(*command)
        print(f"{name}, {SPANS} spans ({size_mb:.0f} MB): {seconds:.2f} s "
              f"({seconds / 5:.2f} of the 5 s goal), peak RSS {peak_mb:.1f} MB "
              f"({peak_mb / 200:.2f} of the 200 MB goal), {size_mb / seconds:.0f} MB/s")
    print(f"the HTML report is {os.path.getsize(html) / 1e3:.0f} kB")


if __name__ == "__main__":
    main()
