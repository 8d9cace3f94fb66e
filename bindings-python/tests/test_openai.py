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
