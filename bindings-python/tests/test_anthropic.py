"""The real anthropic client against the loopback provider server, sync and async: every
Anthropic scenario gives exactly its expected span, and the messages.stream() helper gives the
same span as create(stream=True)."""

import asyncio
import copy
import inspect

import anthropic
import pytest

import llmtel
import provider_server
import scenario_check

SCENARIOS = {name: s for name, s in provider_server.load_scenarios(provider_server.HERE / "scenarios").items()
             if s["provider"] == "anthropic"}


def with_extra_body(method, request):
    """Parameters the installed SDK no longer names travel in extra_body."""
    known = inspect.signature(method).parameters
    kwargs = {k: v for k, v in request.items() if k in known}
    extra = {k: v for k, v in request.items() if k not in known}
    if extra:
        kwargs["extra_body"] = extra
    return kwargs


def expected_for(scenario, url):
    expected = copy.deepcopy(scenario)
    host, port = url.split("//", 1)[1].split(":")
    expected["expect"]["attributes"]["server.address"] = host
    expected["expect"]["attributes"]["server.port"] = int(port)
    return expected


def setup(spool, scenario):
    options = scenario["options"]
    return spool(
        content_format=options["content_format"], max_content_bytes=options["max_content_bytes"],
        integrations=[llmtel.AnthropicIntegration(record_inputs=options["record_inputs"], record_outputs=options["record_outputs"])],
    )


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_each_scenario_gives_its_expected_span(provider, spool, name, is_async):
    _, url = provider
    scenario = SCENARIOS[name]
    reader = setup(spool, scenario)
    cls = anthropic.AsyncAnthropic if is_async else anthropic.Anthropic
    client = cls(base_url=f"{url}/{name}", api_key="test", max_retries=0)
    method = client.messages.count_tokens if scenario["api"] == "count_tokens" else client.messages.create
    kwargs = with_extra_body(method, scenario["request"])

    async def run_async():
        result = await method(**kwargs)
        if isinstance(result, anthropic.AsyncStream):
            return [e async for e in result]
        return result

    def run():
        if is_async:
            return asyncio.run(run_async())
        result = method(**kwargs)
        return list(result) if isinstance(result, anthropic.Stream) else result

    response = scenario["response"]
    fails = response.get("status", 200) >= 400 or any(e.get("event") == "error" for e in response.get("events", []))
    if fails:
        with pytest.raises(anthropic.APIStatusError):
            run()
    else:
        run()
    spans = reader.spans()
    assert len(spans) == 1, spans
    assert scenario_check.problems(expected_for(scenario, url), spans[0]) == []


@pytest.mark.parametrize("name", ["anthropic_stream_text", "anthropic_stream_tool_use"])
def test_the_stream_helper_gives_the_same_span(provider, spool, name):
    _, url = provider
    scenario = SCENARIOS[name]
    reader = setup(spool, scenario)
    client = anthropic.Anthropic(base_url=f"{url}/{name}", api_key="test", max_retries=0)
    request = {k: v for k, v in scenario["request"].items() if k != "stream"}
    with client.messages.stream(**with_extra_body(client.messages.stream, request)) as stream:
        assert type(stream).__name__ == "MessageStream"
        final = stream.get_final_message()  # the helper's own methods still work
    assert final.stop_reason == scenario["expect"]["attributes"]["gen_ai.response.finish_reasons"][0]
    (span,) = reader.spans()
    assert scenario_check.problems(expected_for(scenario, url), span) == []


def test_the_async_stream_helper_gives_the_same_span(provider, spool):
    _, url = provider
    scenario = SCENARIOS["anthropic_stream_text"]
    reader = setup(spool, scenario)
    client = anthropic.AsyncAnthropic(base_url=f"{url}/anthropic_stream_text", api_key="test", max_retries=0)
    request = {k: v for k, v in scenario["request"].items() if k != "stream"}

    async def go():
        async with client.messages.stream(**request) as stream:
            return [text async for text in stream.text_stream]

    assert "".join(asyncio.run(go())) == "Hello there"
    (span,) = reader.spans()
    assert scenario_check.problems(expected_for(scenario, url), span) == []
