"""The real openai client against the loopback provider server, sync and async: every OpenAI
scenario gives exactly its expected span (read back from a real spool), the same span the Rust
and C suites get."""

import asyncio
import copy
import json

import openai
import pytest

import llmtel
import provider_server
import scenario_check

SCENARIOS = {
    name: s for name, s in provider_server.load_scenarios(provider_server.HERE / "scenarios").items()
    if s["provider"] in ("openai", "azure.ai.openai")
}


def make_client(url, scenario, is_async):
    name = scenario["name"]
    if scenario["provider"] == "azure.ai.openai":
        cls = openai.AsyncAzureOpenAI if is_async else openai.AzureOpenAI
        return cls(azure_endpoint=f"{url}/{name}", api_key="test", api_version="2024-10-21", max_retries=0)
    cls = openai.AsyncOpenAI if is_async else openai.OpenAI
    return cls(base_url=f"{url}/{name}/v1", api_key="test", max_retries=0)


def method(client, api):
    return {"chat_completions": client.chat.completions.create, "responses": client.responses.create,
            "embeddings": client.embeddings.create}[api]


async def consume_async(result):
    if isinstance(result, openai.AsyncStream):
        return [item async for item in result]
    return result


def expected_for(scenario, url):
    """The client talks to the loopback server, so server.address/port are its."""
    expected = copy.deepcopy(scenario)
    host, port = url.split("//", 1)[1].split(":")
    expected["expect"]["attributes"]["server.address"] = host
    expected["expect"]["attributes"]["server.port"] = int(port)
    return expected


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_each_scenario_gives_its_expected_span(provider, spool, name, is_async):
    _, url = provider
    scenario = SCENARIOS[name]
    options = scenario["options"]
    reader = spool(
        content_format=options["content_format"], max_content_bytes=options["max_content_bytes"],
        integrations=[llmtel.OpenAIIntegration(record_inputs=options["record_inputs"], record_outputs=options["record_outputs"])],
    )
    client = make_client(url, scenario, is_async)
    create = method(client, scenario["api"])
    status = scenario["response"].get("status", 200)

    async def run_async():
        return await consume_async(await create(**scenario["request"]))

    def run():
        if is_async:
            return asyncio.run(run_async())
        result = create(**scenario["request"])
        return list(result) if isinstance(result, openai.Stream) else result

    if status >= 400:
        with pytest.raises(openai.APIStatusError) as raised:
            run()
        assert raised.value.status_code == status  # re-raised unchanged
    else:
        run()
    spans = reader.spans()
    assert len(spans) == 1, spans
    assert scenario_check.problems(expected_for(scenario, url), spans[0]) == []


def test_a_stream_whose_events_are_not_json_fails_its_span_with_the_callers_error(provider, spool):
    _, url = provider
    reader = spool()
    client = openai.OpenAI(base_url=f"{url}/fault_openai_chat_stream_not_json/v1", api_key="test", max_retries=0)
    seen = []
    with pytest.raises(json.JSONDecodeError):
        for chunk in client.chat.completions.create(model="gpt-4o-mini", messages=[], stream=True):
            seen.append(chunk)
    assert len(seen) == 1
    (span,) = reader.spans()
    assert span["status"] == "error"
    assert span["attributes"]["error.type"] == "JSONDecodeError"
    assert span["attributes"]["gen_ai.response.id"] == "chatcmpl-2", "what it gathered is kept"


def test_an_async_stream_whose_events_are_not_json_fails_its_span(provider, spool):
    _, url = provider
    reader = spool()
    client = openai.AsyncOpenAI(base_url=f"{url}/fault_openai_chat_stream_not_json/v1", api_key="test", max_retries=0)

    async def consume():
        async for _ in await client.chat.completions.create(model="gpt-4o-mini", messages=[], stream=True):
            pass

    with pytest.raises(json.JSONDecodeError):
        asyncio.run(consume())
    (span,) = reader.spans()
    assert span["attributes"]["error.type"] == "JSONDecodeError"


def test_a_200_with_malformed_json_fails_its_span_with_the_callers_error(provider, spool):
    _, url = provider
    reader = spool()
    client = openai.OpenAI(base_url=f"{url}/fault_openai_chat_malformed_json/v1", api_key="test", max_retries=0)
    with pytest.raises(Exception) as raised:
        client.chat.completions.create(model="gpt-4o-mini", messages=[])
    (span,) = reader.spans()
    assert span["status"] == "error"
    assert span["attributes"]["error.type"] == type(raised.value).__name__


def test_a_long_answer_is_cut_at_the_cap_before_it_is_serialized(spool, httpx):
    text = "All work and no play makes Jack a dull boy. " * 30000  # 1.3 MB
    body = json.dumps({"id": "chatcmpl-long", "object": "chat.completion", "created": 1, "model": "gpt-4o-mini",
                       "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
                       "usage": {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3}}).encode()
    transport = httpx.MockTransport(lambda request: httpx.Response(200, content=body, headers={"content-type": "application/json"}))
    reader = spool(max_content_bytes=2048)
    client = openai.OpenAI(api_key="test", base_url="http://mock/v1", http_client=httpx.Client(transport=transport), max_retries=0)
    llmtel.instrument_client(client, record_outputs=True)
    answer = client.chat.completions.create(model="gpt-4o-mini", messages=[])
    assert answer.choices[0].message.content == text, "the caller's answer is whole"
    (span,) = reader.spans()
    output = span["attributes"]["gen_ai.output.messages"]
    assert len(output.encode()) <= 2048
    assert json.loads(output)[0]["parts"][0]["content"].startswith("All work and no play")
    assert span["attributes"]["gen_ai.response.id"] == "chatcmpl-long"
    assert span["attributes"]["gen_ai.usage.output_tokens"] == 2


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
def test_the_core_reads_the_body_the_sdk_read_not_the_model_dumped_again(provider, spool, monkeypatch, is_async):
    from llmtel.integrations import _stainless

    dumped = []
    monkeypatch.setattr(_stainless, "response_json", lambda value, api="": dumped.append(api) or value.model_dump_json())
    _, url = provider
    reader = spool()
    messages = [{"role": "user", "content": "hi"}]

    def calls():
        """A plain call and a with_raw_response one, on a new client; the plain call's answer."""
        cls = openai.AsyncOpenAI if is_async else openai.OpenAI
        client = cls(base_url=f"{url}/openai_chat_plain/v1", api_key="test", max_retries=0)
        if not is_async:
            client.chat.completions.with_raw_response.create(model="gpt-4o-mini", messages=messages)
            return client.chat.completions.create(model="gpt-4o-mini", messages=messages)

        async def both():
            await client.chat.completions.with_raw_response.create(model="gpt-4o-mini", messages=messages)
            return await client.chat.completions.create(model="gpt-4o-mini", messages=messages)

        return asyncio.run(both())

    answer = calls()
    # Both bodies came from the wire (with_raw_response's parse() read it before the span ended).
    assert dumped == []
    # A body over the limit is cropped from the model instead (the spy sees it).
    monkeypatch.setattr(_stainless, "_WIRE_LIMIT", 10)
    calls()
    assert dumped == ["chat_completions", "chat_completions"]
    spans = reader.spans()
    assert len(spans) == 4 and {s["attributes"]["gen_ai.response.id"] for s in spans} == {answer.id}
    assert {s["attributes"]["gen_ai.usage.input_tokens"] for s in spans} == {answer.usage.prompt_tokens}


def test_serializing_a_response_never_warns_into_the_hosts_stderr(spool):
    import warnings

    from openai.types.chat import ChatCompletion

    from llmtel.integrations._stainless import response_json

    spool()
    # A response the SDK built without validation, with a field of the wrong type: pydantic's
    # serializer warns about such values unless told not to.
    odd = ChatCompletion.model_construct(id="c", object="chat.completion", created="yesterday", model="m", choices=[])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert json.loads(response_json(odd))["id"] == "c"
    assert [str(w.message) for w in caught] == []


def test_parse_helpers_are_traced_like_create(provider, spool):
    _, url = provider
    reader = spool()
    chat = openai.OpenAI(base_url=f"{url}/openai_chat_plain/v1", api_key="test", max_retries=0)
    parsed = chat.chat.completions.parse(model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}])
    responses = openai.OpenAI(base_url=f"{url}/openai_responses_plain/v1", api_key="test", max_retries=0)
    responses.responses.parse(model="gpt-4o-mini", input="hi")
    spans = reader.spans()
    assert sorted(s["attributes"]["openai.api.type"] for s in spans) == ["chat_completions", "responses"]
    chat_span = next(s for s in spans if s["attributes"]["openai.api.type"] == "chat_completions")
    assert chat_span["attributes"]["gen_ai.response.id"] == parsed.id


def test_a_response_format_given_as_a_class_does_not_stop_the_request_json():
    import pydantic

    from llmtel.integrations import to_json

    class Answer(pydantic.BaseModel):
        text: str

    assert json.loads(to_json({"model": "m", "response_format": Answer})) == {"model": "m", "response_format": "Answer"}
