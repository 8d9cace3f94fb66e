"""The real google-genai client against the loopback provider server, sync and async: every
Gemini API scenario gives exactly its expected span; a chat call gives one span, not two."""

import asyncio
import copy

import pytest
from google import genai
from google.genai import errors as genai_errors
from google.genai import types

import llmtel
import provider_server
import scenario_check

SCENARIOS = {name: s for name, s in provider_server.load_scenarios(provider_server.HERE / "scenarios").items()
             if s["provider"] == "gcp.gemini"}


def expected_for(scenario, url):
    expected = copy.deepcopy(scenario)
    host, port = url.split("//", 1)[1].split(":")
    expected["expect"]["attributes"]["server.address"] = host
    expected["expect"]["attributes"]["server.port"] = int(port)
    return expected


async def run_async(client, scenario):
    request, api = scenario["request"], scenario["api"]
    if api == "chat_send_message":
        chat = client.aio.chats.create(model=request["model"], history=request.get("history"))
        return await chat.send_message(request["message"])
    kwargs = {"model": request["model"], "contents": request["contents"], "config": request.get("config")}
    if scenario["stream"]:
        return [c async for c in await client.aio.models.generate_content_stream(**kwargs)]
    return await client.aio.models.generate_content(**kwargs)


def run_sync(client, scenario):
    request, api = scenario["request"], scenario["api"]
    if api == "chat_send_message":
        chat = client.chats.create(model=request["model"], history=request.get("history"))
        return chat.send_message(request["message"])
    kwargs = {"model": request["model"], "contents": request["contents"], "config": request.get("config")}
    if scenario["stream"]:
        return list(client.models.generate_content_stream(**kwargs))
    return client.models.generate_content(**kwargs)


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_each_scenario_gives_its_expected_span(provider, spool, name, is_async):
    _, url = provider
    scenario = SCENARIOS[name]
    options = scenario["options"]
    reader = spool(
        content_format=options["content_format"], max_content_bytes=options["max_content_bytes"],
        integrations=[llmtel.GoogleGenAIIntegration(record_inputs=options["record_inputs"], record_outputs=options["record_outputs"])],
    )
    client = genai.Client(api_key="test", http_options=types.HttpOptions(base_url=f"{url}/{name}"))
    run = (lambda: asyncio.run(run_async(client, scenario))) if is_async else (lambda: run_sync(client, scenario))
    if scenario["response"].get("status", 200) >= 400:
        with pytest.raises(genai_errors.APIError):
            run()
    else:
        run()
    spans = reader.spans()
    assert len(spans) == 1, [s["name"] for s in spans]
    assert scenario_check.problems(expected_for(scenario, url), spans[0]) == []


def test_a_stream_whose_events_are_not_json_fails_its_span_with_the_callers_error(provider, spool):
    _, url = provider
    reader = spool()
    client = genai.Client(api_key="test", http_options=types.HttpOptions(base_url=f"{url}/fault_gemini_stream_not_json"))
    seen = []
    with pytest.raises(Exception) as raised:
        for chunk in client.models.generate_content_stream(model="gemini-2.5-flash", contents="Why?"):
            seen.append(chunk)
    (span,) = reader.spans()
    assert span["status"] == "error"
    assert span["attributes"]["error.type"] == type(raised.value).__name__
    assert span["attributes"]["gen_ai.response.id"] == "g1", "what it gathered is kept"
