"""The Python API: options, nesting across threads and asyncio tasks, the decorator, the
wrapped client's behaviour kept intact, streams ended early, hooks that raise, fork, exit."""

import asyncio
import gc
import json
import multiprocessing
import os
import subprocess
import sys
import threading

import openai
import pytest

import llmtel


def test_bad_options_raise_a_value_error_naming_the_option(tmp_path):
    with pytest.raises(ValueError, match="traces_sample_rate"):
        llmtel.init(spool=str(tmp_path / "s.jsonl"), traces_sample_rate=1.5)
    with pytest.raises(llmtel.ConfigError, match="dsn"):
        llmtel.init(dsn="not a dsn")
    with pytest.raises(llmtel.ConfigError, match="unknown option"):
        llmtel.init(spool=str(tmp_path / "s.jsonl"), no_such_option=1)


def test_spans_nest_and_threads_and_tasks_keep_their_parents_apart(spool):
    reader = spool()

    def work(i):
        with llmtel.start_span(f"thread {i}") as outer:
            with llmtel.start_span(f"thread {i} child"):
                pass
        return outer.span_id

    async def task(i):
        async with llmtel.start_span(f"task {i}"):
            await asyncio.sleep(0.01)
            async with llmtel.start_span(f"task {i} child"):
                await asyncio.sleep(0.01)

    async def main():
        await asyncio.gather(*(task(i) for i in range(3)))

    with llmtel.start_span("root", op="ai.task", attributes={"tier": "premium"}) as root:
        threads = [threading.Thread(target=work, args=(i,)) for i in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        asyncio.run(main())
        assert llmtel.get_active_span().span_id == root.span_id
    assert llmtel.get_active_span() is None

    spans = {s["name"]: s for s in reader.spans()}
    assert len(spans) == 13
    assert spans["root"]["attributes"] == {"tier": "premium"}
    for i in range(3):
        # threads start with an empty context; tasks inherit the root
        assert "parent_span_id" not in spans[f"thread {i}"]
        assert spans[f"thread {i} child"]["parent_span_id"] == spans[f"thread {i}"]["span_id"]
        assert spans[f"task {i}"]["parent_span_id"] == root.span_id
        assert spans[f"task {i} child"]["parent_span_id"] == spans[f"task {i}"]["span_id"]


def test_sentry_sdk_span_methods_run_unchanged(spool):
    """Code written for sentry-sdk 2.x (`span.set_data`, `span.set_tag`) runs as it is."""
    reader = spool()
    with llmtel.start_span("sentry style") as span:
        span.set_data("ai.use_case", "support")
        span.set_data("retries", 2)
        span.set_tag("customer.tier", "premium")
        span.set_tag("shard", 7)
    (recorded,) = reader.spans()
    assert recorded["attributes"] == {"ai.use_case": "support", "retries": 2, "customer.tier": "premium",
                                      "shard": "7"}


def test_sentry_sdk_start_transaction_and_get_current_span(spool):
    """`with sentry_sdk.start_transaction(op=..., name=...)`, as Sentry's AI docs write it, and
    get_current_span() inside it."""
    reader = spool()
    assert llmtel.get_current_span() is None
    with llmtel.start_transaction(op="ai-inference", name="The result of the AI inference", source="custom") as t:
        assert llmtel.get_current_span() is t
        with llmtel.start_span("step"):
            pass
    spans = {s["name"]: s for s in reader.spans()}
    root = spans["The result of the AI inference"]
    assert root["op"] == "ai-inference"
    assert "parent_span_id" not in root
    assert spans["step"]["parent_span_id"] == root["span_id"]


def test_sentry_sdk_ai_track_names_the_pipeline_and_its_runs(spool):
    """`@ai_track` as sentry_sdk's AI docs use it: the outermost call is the pipeline, the ones
    inside it runs of that pipeline; `sentry_tags` / `sentry_data` become attributes."""
    reader = spool()

    @llmtel.ai_track("summarise step")
    def step(text, **kwargs):
        assert kwargs == {}, "sentry_tags / sentry_data are not passed on"
        return text.upper()

    @llmtel.ai_track("async step")
    async def async_step():
        return step("b")

    @llmtel.ai_track("My AI pipeline")
    def pipeline():
        return step("a", sentry_data={"chunk": 1}), asyncio.run(async_step())

    assert pipeline(sentry_tags={"tier": "premium", "shard": 7}) == ("A", "B")
    with pytest.raises(ZeroDivisionError):
        llmtel.ai_track("failing")(lambda: 1 / 0)()
    spans = reader.spans()
    by_name = {}
    for s in spans:
        by_name.setdefault(s["name"], []).append(s)
    (root,) = by_name["My AI pipeline"]
    assert root["op"] == "ai.pipeline" and root["attributes"] == {"tier": "premium", "shard": "7"}
    (run,) = by_name["async step"]
    assert run["op"] == "ai.run" and run["parent_span_id"] == root["span_id"]
    assert run["attributes"]["ai.pipeline.name"] == "My AI pipeline"
    steps = by_name["summarise step"]
    assert {s["parent_span_id"] for s in steps} == {root["span_id"], run["span_id"]}
    assert all(s["op"] == "ai.run" for s in steps)
    assert next(s for s in steps if s["parent_span_id"] == root["span_id"])["attributes"]["chunk"] == 1
    (failed,) = by_name["failing"]
    assert failed["op"] == "ai.pipeline" and failed["status"] == "error"


def test_the_decorator_records_sync_and_async_functions_and_errors(spool):
    reader = spool()

    @llmtel.trace(op="ai.step")
    def step(x):
        return x * 2

    @llmtel.trace(name="failing")
    async def failing():
        raise KeyError("missing")

    assert step(21) == 42
    with pytest.raises(KeyError):
        asyncio.run(failing())
    spans = {s["name"]: s for s in reader.spans()}
    assert spans["test_the_decorator_records_sync_and_async_functions_and_errors.<locals>.step"]["op"] == "ai.step"
    assert spans["failing"]["status"] == "error"
    assert spans["failing"]["attributes"]["error.type"] == "KeyError"


def test_the_wrapped_client_keeps_its_behaviour(provider, spool):
    _, url = provider
    reader = spool()
    client = openai.OpenAI(base_url=f"{url}/openai_chat_plain/v1", api_key="test", max_retries=0)
    raw = client.chat.completions.with_raw_response.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "Hi"}])
    assert raw.http_request.method == "POST"
    completion = raw.parse()
    assert completion.choices[0].message.content == "Hi there!"
    assert type(completion).__name__ == "ChatCompletion"  # the pydantic type is intact
    models = client.models  # an uninstrumented resource still works as before
    assert models is not None
    (span,) = reader.spans()
    assert span["attributes"]["gen_ai.response.id"] == "chatcmpl-1"


def test_a_stream_left_early_still_ends_its_span(provider, spool):
    _, url = provider
    reader = spool()
    client = openai.OpenAI(base_url=f"{url}/openai_chat_stream_no_usage/v1", api_key="test", max_retries=0)
    stream = client.chat.completions.create(model="gpt-4o-mini", messages=[], stream=True)
    assert isinstance(stream, openai.Stream) and type(stream).__name__ == "Stream"
    for _ in stream:
        break  # the span ends here, with what was read
    (span,) = reader.spans()
    assert span["status"] == "ok"
    assert span["attributes"]["gen_ai.request.stream"] is True
    with client.chat.completions.create(model="gpt-4o-mini", messages=[], stream=True) as stream:
        next(iter(stream))
    assert len(reader.spans()) == 2  # the context manager's close() ended it
    unread = client.chat.completions.create(model="gpt-4o-mini", messages=[], stream=True)
    del unread
    gc.collect()  # a stream is in a reference cycle: it goes with the cycle collector
    assert len(reader.spans()) == 3


def _long_stream_client(httpx, events: int, is_async: bool = False, tail: bytes = b""):
    """A client whose streams are `events` chunks of text, then one with the usage (or `tail`),
    each event its own network read (an in-process transport)."""

    def body():
        for i in range(events):
            chunk = {"id": "chatcmpl-long", "object": "chat.completion.chunk", "created": 1, "model": "gpt-4o-mini",
                     "choices": [{"index": 0, "delta": {"content": f"w{i} "}, "finish_reason": None}]}
            yield f"data: {json.dumps(chunk)}\n\n".encode()
        last = {"id": "chatcmpl-long", "object": "chat.completion.chunk", "created": 1, "model": "gpt-4o-mini",
                "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 3, "completion_tokens": events, "total_tokens": events + 3}}
        yield tail or f"data: {json.dumps(last)}\n\ndata: [DONE]\n\n".encode()

    def respond(content):
        return httpx.MockTransport(lambda request: httpx.Response(200, content=content(), headers={"content-type": "text/event-stream"}))

    if is_async:
        async def abody():
            for piece in body():
                yield piece

        return openai.AsyncOpenAI(api_key="test", base_url="http://mock/v1", max_retries=0,
                                  http_client=httpx.AsyncClient(transport=respond(abody)))
    return openai.OpenAI(api_key="test", base_url="http://mock/v1", max_retries=0,
                         http_client=httpx.Client(transport=respond(body)))


def test_a_long_stream_reaches_the_core_whole_however_it_is_read(spool, httpx):
    # 3,000 events (about 500 KB): the body is handed to the core in several batches, the last
    # when the stream ends; read with next() the stream ends without a loop to leave.
    reader = spool(send_default_pii=True)
    client = llmtel.instrument_client(_long_stream_client(httpx, 3000))
    stream = client.chat.completions.create(model="gpt-4o-mini", messages=[], stream=True)
    iterator = iter(stream)
    text = []
    while True:
        try:
            chunk = next(iterator)
        except StopIteration:
            break
        if chunk.choices and chunk.choices[0].delta.content:
            text.append(chunk.choices[0].delta.content)
    (span,) = reader.spans()  # ended when the stream stopped, not when it is collected
    attributes = span["attributes"]
    assert attributes["gen_ai.response.id"] == "chatcmpl-long"
    assert attributes["gen_ai.usage.output_tokens"] == 3000
    assert attributes["gen_ai.response.finish_reasons"] == ["stop"]
    (message,) = json.loads(attributes["gen_ai.output.messages"])
    assert message["parts"][0]["content"] == "".join(text)
    assert attributes["gen_ai.response.time_to_first_chunk"] > 0


def test_a_long_async_stream_reaches_the_core_whole(spool, httpx):
    reader = spool()
    client = llmtel.instrument_client(_long_stream_client(httpx, 3000, is_async=True))

    async def read():
        async for _ in await client.chat.completions.create(model="gpt-4o-mini", messages=[], stream=True):
            pass

    asyncio.run(read())
    (span,) = reader.spans()
    assert span["attributes"]["gen_ai.usage.output_tokens"] == 3000
    assert span["attributes"]["gen_ai.response.finish_reasons"] == ["stop"]


def test_a_long_stream_that_fails_keeps_all_it_read(spool, httpx):
    reader = spool(send_default_pii=True)
    client = llmtel.instrument_client(_long_stream_client(httpx, 3000, tail=b"data: this is not json {\n\n"))
    text = []
    with pytest.raises(Exception) as caught:
        for chunk in client.chat.completions.create(model="gpt-4o-mini", messages=[], stream=True):
            text.append(chunk.choices[0].delta.content)
    (span,) = reader.spans()
    assert span["status"] == "error"
    assert span["attributes"]["error.type"] == type(caught.value).__name__
    (message,) = json.loads(span["attributes"]["gen_ai.output.messages"])
    assert message["parts"][0]["content"] == "".join(text)


def test_each_client_names_its_own_server_however_calls_interleave(spool, httpx):
    answer = {"id": "chatcmpl-s", "object": "chat.completion", "created": 1, "model": "gpt-4o-mini",
              "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}]}
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json=answer))
    reader = spool()

    def client(base_url):
        return llmtel.instrument_client(openai.OpenAI(api_key="x", base_url=base_url, max_retries=0,
                                                      http_client=httpx.Client(transport=transport)))

    a, b = client("https://a.example/v1"), client("http://b.example:8080/v1")
    for c in (a, b, a, b):
        c.chat.completions.create(model="gpt-4o-mini", messages=[])
    a.base_url = "http://moved.example:9000/v1"  # a new URL for the same client
    a.chat.completions.create(model="gpt-4o-mini", messages=[])
    servers = [(s["attributes"]["server.address"], s["attributes"]["server.port"]) for s in reader.spans()]
    assert servers == [("a.example", 443), ("b.example", 8080)] * 2 + [("moved.example", 9000)]


def test_a_raising_before_send_span_does_not_break_the_call(provider, spool):
    _, url = provider

    def hook(span):
        raise RuntimeError("bug in the hook")

    reader = spool(before_send_span=hook)
    client = openai.OpenAI(base_url=f"{url}/openai_chat_plain/v1", api_key="test", max_retries=0)
    result = client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "Hi"}])
    assert result.id == "chatcmpl-1"
    assert reader.spans() == []  # dropped rather than sent unfiltered
    assert llmtel.stats()["dropped"] == {"before_send": 1}


def test_before_send_span_can_edit_attributes(spool):
    def hook(span):
        span["attributes"]["gen_ai.prompt.0.content"] = "[Filtered]"
        return span

    reader = spool(before_send_span=hook)
    with llmtel.start_span("x") as span:
        span.set_attribute("gen_ai.prompt.0.content", "secret")
    (line,) = reader.spans()
    assert line["attributes"]["gen_ai.prompt.0.content"] == "[Filtered]"


def _child(path):
    with llmtel.start_span("in the child"):
        pass
    llmtel.flush(5)


def test_a_forked_child_delivers_its_own_spans(spool):
    reader = spool(flush_interval="60s")
    with llmtel.start_span("parent before fork"):
        pass
    process = multiprocessing.get_context("fork").Process(target=_child, args=(reader.path,))
    process.start()
    process.join(20)
    assert process.exitcode == 0
    names = sorted(s["name"] for s in reader.spans())
    assert names == ["in the child", "parent before fork"]


def test_spans_are_flushed_at_exit(tmp_path):
    path = tmp_path / "exit.jsonl"
    code = (
        "import llmtel\n"
        f"llmtel.init(spool={str(path)!r}, dsn='', flush_interval='60s')\n"
        "with llmtel.start_span('last words'):\n    pass\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert [json.loads(l)["name"] for l in path.read_text().splitlines()] == ["last words"]


def test_instrument_client_traces_one_client_with_its_own_content_options(provider, spool):
    _, url = provider
    reader = spool(default_integrations=False)
    plain = openai.OpenAI(base_url=f"{url}/openai_chat_plain/v1", api_key="test", max_retries=0)
    plain.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "Hi"}])
    assert reader.spans() == []  # no integration: not traced
    traced = llmtel.instrument_client(
        openai.OpenAI(base_url=f"{url}/openai_chat_plain/v1", api_key="test", max_retries=0),
        record_inputs=True, record_outputs=False,
    )
    traced.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "Hi"}])
    (span,) = reader.spans()
    assert "gen_ai.input.messages" in span["attributes"]
    assert "gen_ai.output.messages" not in span["attributes"]
    with pytest.raises(TypeError):
        llmtel.instrument_client(object())


def test_with_streaming_response_still_hands_the_caller_its_body(provider, spool):
    _, url = provider
    reader = spool()
    client = openai.OpenAI(base_url=f"{url}/openai_chat_plain/v1", api_key="test", max_retries=0)
    with client.chat.completions.with_streaming_response.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "Hi"}]
    ) as response:
        assert response.parse().id == "chatcmpl-1"
    (span,) = reader.spans()
    assert span["attributes"]["gen_ai.request.model"] == "gpt-4o-mini"


def test_instrument_client_covers_google_clients(provider, spool):
    from google import genai
    from google.genai import types

    _, url = provider
    reader = spool(default_integrations=False)
    client = llmtel.instrument_client(
        genai.Client(api_key="test", http_options=types.HttpOptions(base_url=f"{url}/gemini_text")),
        record_inputs=True,
    )
    client.models.generate_content(model="gemini-2.5-flash", contents="Why is the sky blue?")
    (span,) = reader.spans()
    assert span["attributes"]["gen_ai.provider.name"] == "gcp.gemini"
    assert "gen_ai.input.messages" in span["attributes"]


class _Opaque:
    pass


def test_attribute_values_never_raise_into_the_callers_code(spool, capfd):
    reader = spool(debug=True)
    odd = {
        "none": None, "object": _Opaque(), "set": {1, 2}, "undecodable": b"\xff\xfe",
        "function": print,
    }
    kept = {
        "big": 2**70, "surrogate": "a\ud800b", "utf8 bytes": "héllo".encode(), "dict": {"a": [1, 2.5]},
        "negative big": -(2**80),
    }
    ran = False
    with llmtel.start_span("odd values", attributes={"n": None, "ok": 1}) as span:
        ran = True
        for key, value in {**odd, **kept}.items():
            span.set_attribute(key, value)
    assert ran, "the with body ran"
    (line,) = reader.spans()
    attributes = line["attributes"]
    assert attributes == {
        "ok": 1,
        "big": str(2**70),
        "negative big": str(-(2**80)),
        "surrogate": "a\ufffdb",
        "utf8 bytes": "héllo",
        "dict": '{"a": [1, 2.5]}',
    }
    assert llmtel.stats()["invalid_attributes"] == len(odd) + 1
    err = capfd.readouterr().err
    assert 'attribute "none" of span "odd values" dropped' in err
    assert "NoneType" in err


def test_a_before_send_span_returning_anything_but_a_dict_drops_it_with_one_warning(spool, capfd):
    async def coroutine_hook(span):
        return span

    returns = {"a number": lambda s: 42, "a string": lambda s: "keep", "a list": lambda s: [s],
               "a coroutine": coroutine_hook}

    def hook(span):
        if span["name"] in returns:
            return returns[span["name"]](span)
        del span["attributes"]
        span["op"] = "edited.op"
        return span

    reader = spool(before_send_span=hook)
    for name in [*returns, "kept"]:
        with llmtel.start_span(name, op="ai.task", attributes={"prompt": "secret"}):
            pass
    (kept,) = reader.spans()
    assert kept["name"] == "kept"
    assert kept["attributes"] == {}, "a hook that deleted the attributes sends none"
    assert kept["op"] == "edited.op"
    assert llmtel.stats()["dropped"]["before_send"] == len(returns)
    err = capfd.readouterr().err
    assert err.count("before_send_span returned") == 1, err
    assert "before_send_span returned int, not a span dict" in err


def test_scrub_patterns_take_compiled_patterns_and_scrub_error_messages(spool):
    import re

    reader = spool(scrub_patterns=[re.compile(r"EMP-\d{6}")])
    with pytest.raises(RuntimeError):
        with llmtel.start_span("job"):
            raise RuntimeError("employee EMP-123456 failed")
    (span,) = reader.spans()
    assert span["status_message"] == "employee [Filtered] failed"


_CHILDREN_SCRIPT = """
import multiprocessing, sys
import llmtel

def task(name):
    with llmtel.start_span(name):
        pass
    return name

if __name__ == "__main__":
    ctx = multiprocessing.get_context("fork")
    llmtel.init(spool=sys.argv[1], dsn="", flush_interval="60s")
    processes = [ctx.Process(target=task, args=(f"process {i}",)) for i in range(5)]
    for p in processes:
        p.start()
    for p in processes:
        p.join()
    pool = ctx.Pool(2)
    pool.map(task, [f"pool {i}" for i in range(5)])
    pool.close()
    pool.join()
    with ctx.Pool(2) as pool:  # leaves through terminate(): SIGTERM to the workers
        pool.map(task, [f"terminated pool {i}" for i in range(5)])
"""


def test_multiprocessing_children_deliver_their_spans_without_a_flush(tmp_path):
    path = tmp_path / "children.jsonl"
    script = tmp_path / "children.py"
    script.write_text(_CHILDREN_SCRIPT)
    done = subprocess.run([sys.executable, str(script), str(path)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    names = sorted(json.loads(line)["name"] for line in path.read_text().splitlines()) if path.exists() else []
    expected = sorted([f"process {i}" for i in range(5)] + [f"pool {i}" for i in range(5)]
                      + [f"terminated pool {i}" for i in range(5)])
    assert names == expected


def test_init_imports_no_provider_sdk_and_patches_each_when_the_application_imports_it(provider, tmp_path):
    _, url = provider
    path = tmp_path / "lazy.jsonl"
    code = (
        "import sys, llmtel\n"
        f"llmtel.init(spool={str(path)!r}, dsn='')\n"
        "loaded = [m for m in ('openai', 'anthropic', 'google.genai', 'opentelemetry') if m in sys.modules]\n"
        "assert loaded == [], loaded\n"
        "import openai\n"
        f"client = openai.OpenAI(base_url={url + '/openai_chat_plain/v1'!r}, api_key='test', max_retries=0)\n"
        "client.chat.completions.create(model='gpt-4o-mini', messages=[])\n"
        "assert 'anthropic' not in sys.modules\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert [json.loads(line)["name"] for line in path.read_text().splitlines()] == ["chat gpt-4o-mini"]


def test_start_span_before_init_gives_a_span_that_records_nothing():
    """As Sentry's NoOpSpan: code written for a recorded span runs unchanged before init."""
    code = (
        "import llmtel\n"
        "with llmtel.start_span(name='early', op='ai.task') as span:\n"
        "    span.set_attribute('k', 1); span.record_usage(input_tokens=3); span.set_status('ok')\n"
        "    assert llmtel.get_active_span() is None\n"
        "print(span.trace_id, span.span_id)\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SENTRY_", "OTEL_", "LLMTEL_"))}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["0" * 32, "0" * 16]
