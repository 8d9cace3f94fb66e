"""The caller's cost of tracing LangChain and LangGraph, without a network (the OpenAI client
under ChatOpenAI answers from an httpx MockTransport):

  - `ChatOpenAI.invoke`: one model call (one chat span);
  - a LangChain v1 `create_agent` run with one tool: two model calls and a tool call (an
    invoke_agent span with two chat spans and an execute_tool span).

Each is measured bare, with llmtel (default integrations: LangChain's callbacks and the OpenAI
integration joined into one span per model call) and with sentry-sdk (its LangChain,
LangGraph and OpenAI integrations), each inside a root span / transaction, each variant in its
own process. The processes run in ROUNDS interleaved rounds; each round's added time is the
variant's median minus that round's bare median, and the figures quoted are the medians over
the rounds. Goal (issue 12): llmtel's added time at most half of sentry-sdk's.

BENCH_NOOP=1 adds a process with a do-nothing handler on every LangChain run: what LangChain
itself spends for any handler placed the way llmtel places its own.

    make bench-langchain-python      (or: python bindings-python/bench/bench_langchain.py)
"""

import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

INVOKES = int(os.environ.get("BENCH_INVOKES", "1000"))
AGENTS = int(os.environ.get("BENCH_AGENTS", "200"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
# BENCH_NOOP=1 adds a variant with a do-nothing handler on every run: LangChain's own share.
VARIANTS = ("bare", "llmtel", "sentry") + (("noop",) if os.environ.get("BENCH_NOOP") else ())

ANSWER = {"id": "chatcmpl-1", "object": "chat.completion", "created": 1764000000, "model": "gpt-4o-mini-2024-07-18",
          "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hi there!"}, "finish_reason": "stop"}],
          "usage": {"prompt_tokens": 12, "completion_tokens": 8, "total_tokens": 20}}
TOOL_CALL = {**ANSWER, "choices": [{"index": 0, "finish_reason": "tool_calls", "message": {
    "role": "assistant", "content": None,
    "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\": \"Paris\"}"}}]}}]}


def child(variant: str) -> None:
    try:  # openai 3.x moved to httpx2, the same API under a new name
        import httpx2 as httpx
    except ImportError:
        import httpx

    def handler(request):
        body = json.loads(request.content)
        asks_tool = body.get("tools") and not any(m.get("role") == "tool" for m in body["messages"])
        answer = TOOL_CALL if asks_tool else ANSWER
        return httpx.Response(200, content=json.dumps(answer).encode(), headers={"content-type": "application/json"})

    root = contextlib.nullcontext
    if variant == "llmtel":
        import llmtel

        llmtel.init(spool=os.path.join(tempfile.mkdtemp(), "bench.jsonl"), dsn="", queue_capacity=200000)
        root = lambda: llmtel.start_span("handler", op="http.server")  # noqa: E731
    elif variant == "noop":
        # What LangChain itself spends when a handler is on every run (as llmtel's is): one
        # that does nothing, registered the way llmtel registers its own.
        from contextvars import ContextVar

        from langchain_core.callbacks import BaseCallbackHandler
        from langchain_core.tracers.context import register_configure_hook

        class Noop(BaseCallbackHandler):
            run_inline = True

        register_configure_hook(ContextVar("noop_handler", default=Noop()), True, Noop)
    elif variant == "sentry":
        import sentry_sdk
        from sentry_sdk.integrations.langchain import LangchainIntegration
        from sentry_sdk.integrations.langgraph import LanggraphIntegration
        from sentry_sdk.integrations.openai import OpenAIIntegration
        from sentry_sdk.transport import Transport

        class Discard(Transport):
            def capture_envelope(self, envelope):
                pass

        sentry_sdk.init(dsn="http://public@127.0.0.1:1/1", transport=Discard, traces_sample_rate=1.0,
                        integrations=[LangchainIntegration(), LanggraphIntegration(), OpenAIIntegration()],
                        default_integrations=False)
        root = lambda: sentry_sdk.start_transaction(name="handler", op="http.server")  # noqa: E731

    from langchain.agents import create_agent
    from langchain_core.tools import tool
    from langchain_openai import ChatOpenAI

    @tool
    def get_weather(city: str) -> str:
        """Get the weather for a city."""
        return f"sunny in {city}"

    model = ChatOpenAI(model="gpt-4o-mini", api_key="test", base_url="http://mock/v1", max_retries=0,
                       http_client=httpx.Client(transport=httpx.MockTransport(handler)))
    agent = create_agent(model, [get_weather], name="weather_agent")
    question = {"messages": [("user", "Weather in Paris?")]}

    def median_us(fn, count):
        for _ in range(max(20, count // 10)):  # warm up
            with root():
                fn()
        samples = []
        for _ in range(count):
            start = time.perf_counter()
            with root():
                fn()
            samples.append(time.perf_counter() - start)
        return statistics.median(samples) * 1e6

    invoke_us = median_us(lambda: model.invoke("Hello!"), INVOKES)
    agent_us = median_us(lambda: agent.invoke(question), AGENTS)
    print(json.dumps({"invoke_us": invoke_us, "agent_us": agent_us}))


def main() -> None:
    rounds = []
    for _ in range(ROUNDS):
        result = {}
        for variant in VARIANTS:
            done = subprocess.run([sys.executable, __file__, variant], capture_output=True, text=True, timeout=900)
            if done.returncode != 0:
                print(f"{variant}: failed\n{done.stderr}", file=sys.stderr)
                sys.exit(1)
            result[variant] = json.loads(done.stdout.strip().splitlines()[-1])
        rounds.append(result)
    print(f"load: {os.getloadavg()[0]:.2f} (1 min), {os.cpu_count()} cores; {ROUNDS} rounds, each variant in its own process")
    for key, label, count in (("invoke_us", "ChatOpenAI.invoke", INVOKES), ("agent_us", "create_agent run, one tool", AGENTS)):
        ours = [r["llmtel"][key] - r["bare"][key] for r in rounds]
        sentry = [r["sentry"][key] - r["bare"][key] for r in rounds]
        ratios = [o / s for o, s in zip(ours, sentry)]
        bare = statistics.median(r["bare"][key] for r in rounds)
        print(f"{label} (median of {count} per round), bare {bare:.0f} us:")
        print(f"  added llmtel     {statistics.median(ours):8.1f} us   rounds: {', '.join(f'{v:.0f}' for v in ours)}")
        print(f"  added sentry-sdk {statistics.median(sentry):8.1f} us   rounds: {', '.join(f'{v:.0f}' for v in sentry)}")
        print(f"  ratio llmtel / sentry-sdk: {statistics.median(ratios):.2f}   (goal <= 0.50)")
        if "noop" in rounds[0]:
            noop = [r["noop"][key] - r["bare"][key] for r in rounds]
            print(f"  added by a do-nothing handler on every run (LangChain's own share): {statistics.median(noop):.1f} us"
                  f"   rounds: {', '.join(f'{v:.0f}' for v in noop)}")


if __name__ == "__main__":
    if len(sys.argv) > 1:
        child(sys.argv[1])
    else:
        main()
