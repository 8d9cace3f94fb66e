"""The caller's cost of tracing OpenAI calls, measured without a network (httpx.MockTransport,
or httpx2's for openai 3.x):

  - a non-streamed chat.completions.create: bare, with llmtel, with sentry-sdk's OpenAI
    integration (each inside a root span / transaction, as in a request handler);
  - a 500-chunk stream: the added cost per chunk;
  - a 50 MB answer with prompts and outputs recorded (issue 16: added time at most 1.2x
    sentry-sdk's, with send_default_pii on so that it records them too).

Each variant runs in its own process so patches cannot interfere; the figures compare each
with the bare process of the same round, and the processes run in BENCH_ROUNDS (3) interleaved
rounds, each figure printed being the median over the rounds. llmtel is also measured paired:
every traced call next to an untraced call of a second client in the same process, the added
cost being the median of the differences, which machine noise between processes cannot blur
(sentry-sdk patches the client class, so it has no untraced client to pair with). Goals (issue
11): added per call at most 40 us and half of sentry-sdk's; per chunk at most 1.5 us and half
of sentry-sdk's.

    make bench-python        (or: python bindings-python/bench/bench_openai.py)
"""

import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

CALLS = int(os.environ.get("BENCH_CALLS", "3000"))
CHUNKS = int(os.environ.get("BENCH_CHUNKS", "500"))
STREAMS = int(os.environ.get("BENCH_STREAMS", "100"))
HUGE = int(os.environ.get("BENCH_HUGE", "5"))
HUGE_MB = 50
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))

COMPLETION = json.dumps({
    "id": "chatcmpl-1", "object": "chat.completion", "created": 1764000000, "model": "gpt-4o-mini-2024-07-18",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hi there!"}, "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 12, "completion_tokens": 8, "total_tokens": 20},
}).encode()


def stream_events() -> list:
    """One SSE event per piece, as a network delivers them (a single 100 KB body makes the SDK's
    own line splitting dominate, and its noise hides a per-chunk cost of a microsecond)."""
    lines = []
    for i in range(CHUNKS):
        chunk = {"id": "chatcmpl-s", "object": "chat.completion.chunk", "created": 1764000000, "model": "gpt-4o-mini",
                 "choices": [{"index": 0, "delta": {"content": f" w{i}"}, "finish_reason": "stop" if i == CHUNKS - 1 else None}]}
        lines.append(f"data: {json.dumps(chunk)}\n\n")
    lines.append("data: [DONE]\n\n")
    return [line.encode() for line in lines]


def huge_child(variant: str) -> None:
    """The median time of a call answered with HUGE_MB of text, content recorded."""
    import openai

    try:
        import httpx2 as httpx
    except ImportError:
        import httpx

    text = "All work and no play makes Jack a dull boy. " * ((HUGE_MB << 20) // 44)
    body = COMPLETION.replace(b"Hi there!", text.encode())

    def handler(request):
        return httpx.Response(200, content=body, headers={"content-type": "application/json"})

    client = openai.OpenAI(api_key="test", base_url="http://mock/v1",
                           http_client=httpx.Client(transport=httpx.MockTransport(handler)), max_retries=0)
    if variant == "llmtel":
        import llmtel

        llmtel.init(spool=os.path.join(tempfile.mkdtemp(), "bench.jsonl"), dsn="", default_integrations=False)
        llmtel.instrument_client(client, record_inputs=True, record_outputs=True)
    elif variant == "sentry":
        import sentry_sdk
        from sentry_sdk.integrations.openai import OpenAIIntegration
        from sentry_sdk.transport import Transport

        class Discard(Transport):
            def capture_envelope(self, envelope):
                pass

        sentry_sdk.init(dsn="http://public@127.0.0.1:1/1", transport=Discard, traces_sample_rate=1.0,
                        send_default_pii=True, integrations=[OpenAIIntegration(include_prompts=True)],
                        default_integrations=False)
    samples = []
    for _ in range(HUGE + 1):
        start = time.perf_counter()
        client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "huge"}])
        samples.append(time.perf_counter() - start)
    print(json.dumps({"huge_ms": statistics.median(samples[1:]) * 1e3}))


def child(variant: str) -> None:
    import openai

    try:  # openai 3.x moved to httpx2, the same API under a new name
        import httpx2 as httpx
    except ImportError:
        import httpx

    events = stream_events()

    def handler(request: httpx.Request) -> httpx.Response:
        if b'"stream":true' in request.content or b'"stream": true' in request.content:
            return httpx.Response(200, content=iter(events), headers={"content-type": "text/event-stream"})
        return httpx.Response(200, content=COMPLETION, headers={"content-type": "application/json"})

    root = contextlib.nullcontext
    if variant == "llmtel":
        import llmtel

        spool = os.path.join(tempfile.mkdtemp(), "bench.jsonl")
        # Explicit instrumentation only, so the paired client stays untraced.
        llmtel.init(spool=spool, dsn="", queue_capacity=200000, default_integrations=False)
        root = lambda: llmtel.start_span("handler", op="http.server")  # noqa: E731
    elif variant == "sentry":
        import sentry_sdk
        from sentry_sdk.integrations.openai import OpenAIIntegration
        from sentry_sdk.transport import Transport

        class Discard(Transport):
            def capture_envelope(self, envelope):
                pass

        sentry_sdk.init(dsn="http://public@127.0.0.1:1/1", transport=Discard, traces_sample_rate=1.0,
                        integrations=[OpenAIIntegration()], default_integrations=False)
        root = lambda: sentry_sdk.start_transaction(name="handler", op="http.server")  # noqa: E731

    def new_client():
        return openai.OpenAI(api_key="test", base_url="http://mock/v1",
                             http_client=httpx.Client(transport=httpx.MockTransport(handler)), max_retries=0)

    client = new_client()
    untraced = new_client()
    if variant == "llmtel":
        llmtel.instrument_client(client)
    messages = [{"role": "user", "content": "Hello!"}]
    for _ in range(200):  # warm up
        with root():
            client.chat.completions.create(model="gpt-4o-mini", messages=messages)
    samples = []
    for _ in range(CALLS):
        start = time.perf_counter()
        with root():
            client.chat.completions.create(model="gpt-4o-mini", messages=messages)
        samples.append(time.perf_counter() - start)
    stream_samples = []
    for _ in range(STREAMS):
        start = time.perf_counter()
        with root():
            for _ in client.chat.completions.create(model="gpt-4o-mini", messages=messages, stream=True):
                pass
        stream_samples.append(time.perf_counter() - start)
    paired = {}
    if variant == "llmtel":
        def timed(fn):
            start = time.perf_counter()
            fn()
            return time.perf_counter() - start

        def call(c, wrap):
            with wrap():
                c.chat.completions.create(model="gpt-4o-mini", messages=messages)

        def read_stream(c, wrap):
            with wrap():
                for _ in c.chat.completions.create(model="gpt-4o-mini", messages=messages, stream=True):
                    pass

        plain = contextlib.nullcontext
        added = [timed(lambda: call(client, root)) - timed(lambda: call(untraced, plain)) for _ in range(CALLS)]
        chunk = [(timed(lambda: read_stream(client, root)) - timed(lambda: read_stream(untraced, plain))) / CHUNKS
                 for _ in range(STREAMS)]
        paired = {"paired_call_us": statistics.median(added) * 1e6, "paired_chunk_us": statistics.median(chunk) * 1e6}
    print(json.dumps({"call_us": statistics.median(samples) * 1e6,
                      "stream_us": statistics.median(stream_samples) * 1e6, **paired}))


def _child(*args: str) -> dict:
    """Runs this file as a child process with `args`; its last line of output, as JSON."""
    done = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        print(f"{' '.join(args)}: failed\n{done.stderr}", file=sys.stderr)
        sys.exit(1)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    rounds = []  # one {variant: figures} per round, the variants run back to back
    for _ in range(ROUNDS):
        result = {variant: _child(variant) for variant in ("bare", "llmtel", "sentry")}
        result["huge"] = {variant: _child("huge", variant)["huge_ms"] for variant in ("bare", "llmtel", "sentry")}
        rounds.append(result)

    def figures(fn) -> tuple:
        """The median over the rounds of fn(round), and the rounds' values."""
        values = [fn(r) for r in rounds]
        return statistics.median(values), ", ".join(f"{v:.2f}" for v in values)

    def added(variant: str, key: str, per: float = 1.0):
        return lambda r: (r[variant][key] - r["bare"][key]) / per

    print(f"load: {os.getloadavg()[0]:.2f} (1 min), {os.cpu_count()} cores; {ROUNDS} rounds, each variant in its own"
          " process; medians over the rounds (a ratio: of each round's ratio)")
    ours, ours_rounds = figures(added("llmtel", "call_us"))
    sentry, sentry_rounds = figures(added("sentry", "call_us"))
    ratio, _ = figures(lambda r: added("llmtel", "call_us")(r) / added("sentry", "call_us")(r))
    print(f"chat.completions.create, median of {CALLS} calls per round (httpx.MockTransport):")
    print(f"  bare        {figures(lambda r: r['bare']['call_us'])[0]:8.1f} us")
    print(f"  llmtel      added {ours:7.1f} us   rounds: {ours_rounds}")
    print(f"  sentry-sdk  added {sentry:7.1f} us   rounds: {sentry_rounds}")
    print(f"  ratio llmtel added / sentry-sdk added: {ratio:.2f}   (goal <= 0.50)")
    ours, ours_rounds = figures(added("llmtel", "stream_us", CHUNKS))
    sentry, sentry_rounds = figures(added("sentry", "stream_us", CHUNKS))
    print(f"{CHUNKS}-chunk stream, median of {STREAMS} per round, added per chunk:")
    print(f"  llmtel {ours:.2f} us (rounds: {ours_rounds}), sentry-sdk {sentry:.2f} us (rounds: {sentry_rounds})")
    print("llmtel paired in its own process (median of traced minus untraced):")
    call, call_rounds = figures(lambda r: r["llmtel"]["paired_call_us"])
    chunk, chunk_rounds = figures(lambda r: r["llmtel"]["paired_chunk_us"])
    print(f"  added per call {call:.1f} us (goal <= 40; rounds: {call_rounds})")
    print(f"  added per chunk {chunk:.2f} us (goal <= 1.50; rounds: {chunk_rounds})")
    ours, _ = figures(lambda r: r["huge"]["llmtel"] - r["huge"]["bare"])
    sentry, _ = figures(lambda r: r["huge"]["sentry"] - r["huge"]["bare"])
    ratio, _ = figures(lambda r: (r["huge"]["llmtel"] - r["huge"]["bare"]) / (r["huge"]["sentry"] - r["huge"]["bare"]))
    print(f"{HUGE_MB} MB answer, prompts and outputs recorded, median of {HUGE} per round:"
          f" bare {figures(lambda r: r['huge']['bare'])[0]:.0f} ms, added llmtel {ours:.0f} ms, sentry-sdk {sentry:.0f} ms")
    print(f"  ratio llmtel added / sentry-sdk added: {ratio:.2f}   (goal <= 1.20)")


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "huge":
        huge_child(sys.argv[2])
    elif len(sys.argv) > 1:
        child(sys.argv[1])
    else:
        main()
