"""LangChain and LangGraph through the real packages against the loopback provider: the shared
framework scenarios of tests/frameworks/ (the Node suite checks the same trees), content off
and on, and the model call that must stay one span per call."""

import asyncio
import json
import urllib.request
import warnings

import pytest

pytest.importorskip("langchain", reason="the LangChain tests need langchain (tests/requirements.txt)")

import framework_check  # noqa: E402  (tests/ is on sys.path, see conftest)
import openai  # noqa: E402
from langchain.agents import create_agent  # noqa: E402
from langchain_anthropic import ChatAnthropic  # noqa: E402
from langchain_core.messages import HumanMessage, SystemMessage  # noqa: E402
from langchain_core.tools import tool  # noqa: E402
from langchain_openai import ChatOpenAI, OpenAIEmbeddings  # noqa: E402

import llmtel  # noqa: E402

SCENARIOS = [
    scenario
    for scenario in (framework_check.load(path.stem) for path in sorted((framework_check.HERE / "frameworks").glob("*.json")))
    if scenario.get("framework", "langchain") == "langchain"  # the AI SDK's are Node's alone
]
PROMPT = [SystemMessage("You are terse."), HumanMessage("Hello!")]
QUESTION = {"messages": [("user", "Weather in Paris?")]}
CONFIG = {"configurable": {"thread_id": "thread-7"}}


@tool
def get_weather(city: str) -> str:
    """Get the weather for a city."""
    return f"sunny in {city}"


@tool("get_weather")
def broken_weather(city: str) -> str:
    """Get the weather for a city."""
    raise ConnectionError("no weather station answers")


def asking_weather(base):
    """A tool whose body asks a chat model of its own (the scenario's next answer)."""

    @tool("get_weather")
    def weather(city: str) -> str:
        """Get the weather for a city."""
        return chat_model("openai", base).invoke(f"Weather in {city}?").content

    return weather


def chat_model(provider, base, **options):
    if provider == "anthropic":
        return ChatAnthropic(model="claude-sonnet-4-5", base_url=base, api_key="k", temperature=0.7, max_tokens=1024,
                             max_retries=0, **options)
    return ChatOpenAI(model="gpt-4o-mini", base_url=base + "/v1", api_key="k", temperature=0.7, max_tokens=100,
                      max_retries=0, **options)


def agent_model(base):
    # An async client of its own: langchain-openai shares one across models, which outlives the
    # event loop of an earlier test.
    return ChatOpenAI(model="gpt-4o", base_url=base + "/v1", api_key="k", temperature=0.2, max_retries=0,
                      http_async_client=openai.DefaultAsyncHttpxClient())


def run_program(scenario, run, base):
    program, via = run["program"], run["via"]
    if program == "chat":
        model = chat_model(scenario["provider"], base)
        if via == "stream":
            return "".join(chunk.content for chunk in model.stream(PROMPT))
        return model.invoke(PROMPT).content
    if program in ("agent", "langgraph_agent"):
        tools = [{"broken": broken_weather, "asks_model": asking_weather(base)}.get(run.get("tool"), get_weather)]
        if program == "agent":
            agent = create_agent(agent_model(base), tools, name="weather_agent")
        else:
            from langgraph.prebuilt import create_react_agent

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # moved to langchain.agents; still LangGraph's own
                agent = create_react_agent(agent_model(base), tools, name="weather_agent")
        if via == "stream":
            states = list(agent.stream(QUESTION, config=CONFIG, stream_mode="values"))
            return states[-1]["messages"][-1].content
        if via == "ainvoke":
            return asyncio.run(agent.ainvoke(QUESTION, config=CONFIG))["messages"][-1].content
        if via == "astream":
            async def last_state():
                states = [state async for state in agent.astream(QUESTION, config=CONFIG, stream_mode="values")]
                return states[-1]

            return asyncio.run(last_state())["messages"][-1].content
        return agent.invoke(QUESTION, config=CONFIG)["messages"][-1].content
    if program == "embeddings":
        embeddings = OpenAIEmbeddings(model="text-embedding-3-small", base_url=base + "/v1", api_key="k",
                                      check_embedding_ctx_length=False, max_retries=0)
        return embeddings.embed_query("hello")
    if program == "direct":
        chat_model("openai", base).invoke(PROMPT)
        client = openai.OpenAI(base_url=base + "/v1", api_key="k", max_retries=0)
        return client.chat.completions.create(
            model="gpt-4o-mini", temperature=0.7, max_tokens=100,
            messages=[{"role": "system", "content": "You are terse."}, {"role": "user", "content": "Hello!"}],
        ).choices[0].message.content
    raise AssertionError(f"no program {program!r}")


def forget_requests(url, name):
    urllib.request.urlopen(urllib.request.Request(f"{url}/__requests/{name}", method="DELETE")).read()


CASES = [
    pytest.param(scenario, index, content, id=f"{scenario['name']}-{index}-{'content' if content else 'private'}")
    for scenario in SCENARIOS for index in range(len(scenario["runs"])) for content in (False, True)
    if scenario["runs"][index].get("language", "python") == "python"
]


@pytest.mark.parametrize("scenario,index,content", CASES)
def test_framework_scenario(provider, spool, scenario, index, content):
    server, url = provider
    run = scenario["runs"][index]
    reader = spool(send_default_pii=content)
    forget_requests(url, scenario["name"])
    base = f"{url}/{scenario['name']}"
    with llmtel.start_span(name="root", op="test") as root:
        if run.get("expect_error"):
            with pytest.raises(Exception):
                run_program(scenario, run, base)
        else:
            assert run_program(scenario, run, base)
    spans = [s for s in reader.spans() if s["trace_id"] == root.trace_id]
    port = server.server_address[1]
    assert framework_check.problems(scenario, run, spans, content, port) == []


def test_the_handler_passed_by_hand_gives_the_same_spans_once(provider, spool):
    """A user who passes LangChainCallbackHandler in callbacks (as Sentry's users pass theirs)
    gets the same single span: LangChain keeps one handler of the class."""
    _, url = provider
    reader = spool()
    with llmtel.start_span(name="root") as root:
        chat_model("openai", f"{url}/chat_system_and_user").invoke(
            PROMPT, config={"callbacks": [llmtel.LangChainCallbackHandler()]})
    names = [s["name"] for s in reader.spans() if s["trace_id"] == root.trace_id]
    assert sorted(names) == ["chat gpt-4o-mini", "root"]


def test_a_direct_call_beside_a_langchain_call_keeps_its_own_span(provider, spool):
    """Two asyncio tasks at once: a LangChain invoke and a direct OpenAI call. The LangChain
    call has exactly one model span (the provider's call joined it) and the direct call has
    its own, each under its own task's span."""
    _, url = provider
    reader = spool()
    base = f"{url}/chat_system_and_user"

    async def through_langchain():
        with llmtel.start_span(name="langchain task") as span:
            for _ in range(5):
                await chat_model("openai", base).ainvoke(PROMPT)
            return span.span_id

    async def direct():
        client = openai.AsyncOpenAI(base_url=base + "/v1", api_key="k", max_retries=0)
        with llmtel.start_span(name="direct task") as span:
            for _ in range(5):
                await client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "Hi"}])
            return span.span_id

    async def both():
        return await asyncio.gather(through_langchain(), direct())

    langchain_task, direct_task = asyncio.run(both())
    spans = reader.spans()
    under = lambda parent: sorted(s["origin"] for s in spans if s.get("parent_span_id") == parent)  # noqa: E731
    assert under(langchain_task) == ["auto.ai.langchain"] * 5
    assert under(direct_task) == ["auto.ai.openai"] * 5


def test_a_model_without_a_traced_provider_gets_its_span_from_langchain(spool):
    """A chat model whose provider llmtel does not instrument is traced from the callbacks
    alone: the request LangChain describes and the result it returns (usage_metadata)."""
    from langchain_core.language_models import BaseChatModel
    from langchain_core.messages import AIMessage
    from langchain_core.outputs import ChatGeneration, ChatResult

    class ChatEcho(BaseChatModel):
        model_name: str = "echo-1"

        @property
        def _llm_type(self) -> str:
            return "echo"

        def _generate(self, messages, stop=None, run_manager=None, **kwargs):
            message = AIMessage("pong", response_metadata={"model_name": "echo-1-2026", "finish_reason": "stop"},
                                usage_metadata={"input_tokens": 7, "output_tokens": 2, "total_tokens": 9,
                                                "input_token_details": {"cache_read": 3},
                                                "output_token_details": {"reasoning": 1}})
            return ChatResult(generations=[ChatGeneration(message=message)])

    reader = spool(send_default_pii=True)
    with llmtel.start_span(name="root") as root:
        ChatEcho().invoke([SystemMessage("Be brief."), HumanMessage("ping")], temperature=0.3)
    [span] = [s for s in reader.spans() if s.get("parent_span_id") == root.span_id]
    attributes = span["attributes"]
    assert (span["name"], span["origin"], span["status"]) == ("chat echo-1", "auto.ai.langchain", "ok")
    assert attributes["gen_ai.provider.name"] == "echo"
    assert attributes["gen_ai.response.model"] == "echo-1-2026"
    assert attributes["gen_ai.response.finish_reasons"] == ["stop"]
    assert "gen_ai.response.id" not in attributes  # LangChain's own run id is not the provider's
    assert (attributes["gen_ai.usage.input_tokens"], attributes["gen_ai.usage.output_tokens"]) == (7, 2)
    assert attributes["gen_ai.usage.cache_read.input_tokens"] == 3
    assert attributes["gen_ai.usage.reasoning.output_tokens"] == 1
    assert json.loads(attributes["gen_ai.system_instructions"]) == [{"type": "text", "content": "Be brief."}]
    assert json.loads(attributes["gen_ai.input.messages"]) == [{"role": "user", "parts": [{"type": "text", "content": "ping"}]}]
    assert json.loads(attributes["gen_ai.output.messages"]) == [
        {"role": "assistant", "parts": [{"type": "text", "content": "pong"}], "finish_reason": "stop"}]


def test_anthropic_with_raw_response_records_the_response(provider, spool):
    """anthropic 2 returns an APIResponse from with_raw_response (langchain-anthropic's path):
    the span still has the response's id, usage and finish reason."""
    import anthropic

    _, url = provider
    reader = spool()
    client = anthropic.Anthropic(base_url=f"{url}/anthropic_text", api_key="k", max_retries=0)
    raw = client.messages.with_raw_response.create(model="claude-sonnet-4-5", max_tokens=10,
                                                   messages=[{"role": "user", "content": "Hi"}])
    assert raw.parse().id
    [span] = reader.spans()
    assert span["attributes"]["gen_ai.response.id"] == raw.parse().id
    assert "gen_ai.usage.input_tokens" in span["attributes"]


def test_without_the_langchain_integration_only_a_handler_passed_by_hand_records(provider, spool):
    """default_integrations=False with only OpenAI chosen: LangChain runs have no spans of their
    own (the OpenAI call keeps its own), unless the handler is passed by hand."""
    _, url = provider
    reader = spool(default_integrations=False, integrations=[llmtel.OpenAIIntegration()])
    with llmtel.start_span(name="root") as root:
        chat_model("openai", f"{url}/chat_system_and_user").invoke(PROMPT)
    with llmtel.start_span(name="root by hand") as by_hand:
        chat_model("openai", f"{url}/chat_system_and_user").invoke(
            PROMPT, config={"callbacks": [llmtel.LangChainCallbackHandler()]})
    spans = reader.spans()
    origins = lambda root_span: [s["origin"] for s in spans if s.get("parent_span_id") == root_span.span_id]  # noqa: E731
    assert origins(root) == ["auto.ai.openai"]
    assert origins(by_hand) == ["auto.ai.langchain"]
