"""The loopback provider server speaks each provider's real wire format: every shared scenario
is driven through the real Python client library (openai, anthropic, google-genai), which must
parse the response (or raise the right error) as it would from the real API."""

import inspect
import json
import pathlib
import sys

import anthropic
import openai
import pytest
from google import genai
from google.genai import errors as genai_errors
from google.genai import types as genai_types

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
import provider_server  # noqa: E402

SCENARIOS = provider_server.load_scenarios(provider_server.HERE / "scenarios")


@pytest.fixture(scope="module")
def server():
    srv, url = provider_server.start()
    yield srv, url
    srv.shutdown()


def openai_client(url, name, provider):
    if provider == "azure.ai.openai":
        return openai.AzureOpenAI(azure_endpoint=f"{url}/{name}", api_key="test", api_version="2024-10-21", max_retries=0)
    return openai.OpenAI(base_url=f"{url}/{name}/v1", api_key="test", max_retries=0)


def with_extra_body(method, request):
    """Parameters the installed SDK no longer names (anthropic 2.x dropped temperature, top_p and
    top_k) travel in extra_body, as a user of that SDK would send them."""
    known = inspect.signature(method).parameters
    extra = {k: v for k, v in request.items() if k not in known}
    kwargs = {k: v for k, v in request.items() if k in known}
    if extra:
        kwargs["extra_body"] = extra
    return kwargs


def call(scenario, url):
    """Makes the scenario's call with the real client; returns what the client parsed."""
    name, provider, api, request = scenario["name"], scenario["provider"], scenario["api"], dict(scenario["request"])
    if provider in ("openai", "azure.ai.openai"):
        client = openai_client(url, name, provider)
        method = {"chat_completions": client.chat.completions.create, "responses": client.responses.create,
                  "embeddings": client.embeddings.create}[api]
        result = method(**with_extra_body(method, request))
        return list(result) if request.get("stream") else result
    if provider == "anthropic":
        client = anthropic.Anthropic(base_url=f"{url}/{name}", api_key="test", max_retries=0)
        method = client.messages.count_tokens if api == "count_tokens" else client.messages.create
        result = method(**with_extra_body(method, request))
        return list(result) if request.get("stream") else result
    if provider == "gcp.vertex_ai":
        pytest.skip("Vertex AI clients need Google Cloud credentials; the Gemini API scenarios cover the wire format")
    client = genai.Client(api_key="test", http_options=genai_types.HttpOptions(base_url=f"{url}/{name}"))
    if api == "chat_send_message":
        chat = client.chats.create(model=request["model"], history=request.get("history"))
        return chat.send_message(request["message"])
    if api == "embed_content":
        return client.models.embed_content(model=request["model"], contents=request["contents"])
    kwargs = {"model": request["model"], "contents": request["contents"], "config": request.get("config")}
    if scenario["stream"]:
        return list(client.models.generate_content_stream(**kwargs))
    return client.models.generate_content(**kwargs)


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_the_real_client_reads_the_served_response(server, name):
    srv, url = server
    scenario = SCENARIOS[name]
    response = scenario["response"]
    status = response.get("status", 200)
    if status >= 400:
        errors = (openai.APIStatusError, anthropic.APIStatusError, genai_errors.APIError)
        with pytest.raises(errors) as raised:
            call(scenario, url)
        code = getattr(raised.value, "status_code", None) or getattr(raised.value, "code", None)
        assert code == status
        return

    if any(e.get("event") == "error" for e in response.get("events", [])):
        with pytest.raises(anthropic.APIStatusError):
            call(scenario, url)
        return

    result = call(scenario, url)
    received = json.loads(json.dumps(srv.received[name]))
    assert len(received) == 1, "the client made exactly one request"
    assert received[0]["method"] == "POST"

    if "events" in response:
        data_events = [e for e in response["events"] if e["data"] != "[DONE]"]
        if scenario["provider"] == "anthropic":
            # The SDK hides `ping`; every other event reaches the caller.
            expected = [e for e in data_events if e.get("event") != "ping"]
            assert [getattr(e, "type", None) for e in result] == [e["event"] for e in expected]
        else:
            assert len(result) == len(data_events)
        return

    body = response.get("wire_body", response["body"])
    if scenario["provider"] in ("openai", "azure.ai.openai"):
        if scenario["api"] == "embeddings":
            assert [len(d.embedding) for d in result.data] == [len(d["embedding"]) for d in body["data"]]
        else:
            assert result.id == body["id"]
            assert result.model == body["model"]
    elif scenario["provider"] == "anthropic":
        if scenario["api"] == "count_tokens":
            assert result.input_tokens == body["input_tokens"]
        else:
            assert result.id == body["id"] and result.stop_reason == body["stop_reason"]
    else:
        if scenario["api"] == "embed_content":
            assert len(result.embeddings[0].values) == len(body["embeddings"][0]["values"])
        else:
            expected_id = body.get("responseId") or body.get("response_id")
            assert result.response_id == expected_id


def test_an_anthropic_error_event_mid_stream_raises():
    srv, url = provider_server.start()
    try:
        client = anthropic.Anthropic(base_url=f"{url}/anthropic_stream_error_event", api_key="test", max_retries=0)
        request = SCENARIOS["anthropic_stream_error_event"]["request"]
        with pytest.raises(anthropic.APIStatusError):
            list(client.messages.create(**request))
    finally:
        srv.shutdown()


def test_unknown_scenarios_and_wrong_endpoints_get_a_clear_404(server):
    _, url = server
    client = openai.OpenAI(base_url=f"{url}/no_such_scenario/v1", api_key="test", max_retries=0)
    with pytest.raises(openai.NotFoundError, match="no scenario named"):
        client.chat.completions.create(model="m", messages=[])
    client = openai.OpenAI(base_url=f"{url}/openai_embeddings_single/v1", api_key="test", max_retries=0)
    with pytest.raises(openai.NotFoundError, match="serves embeddings"):
        client.chat.completions.create(model="m", messages=[])
