"""A LangChain agent in Python: `create_agent` with one tool, traced with no code of llmtel's
beyond init(). The spans: invoke_agent weather_agent, with a chat span per model call (one
each, carrying what the OpenAI integration reads off the wire) and an execute_tool span.

With OPENAI_API_KEY set, the model is the real gpt-4o-mini; without it, LLMTEL_DEMO_PROVIDER_URL
(the loopback server `make demo` starts) answers with a recorded conversation
(tests/frameworks/react_agent_one_tool.json).
"""

import os
import sys

import llmtel as sentry_sdk  # the same calls as sentry_sdk

sentry_sdk.init(traces_sample_rate=1.0)  # spans go to the local spool, .llmtel/spans.jsonl

from langchain.agents import create_agent  # noqa: E402
from langchain_core.tools import tool  # noqa: E402
from langchain_openai import ChatOpenAI  # noqa: E402


@tool
def get_weather(city: str) -> str:
    """Get the weather for a city."""
    return f"sunny in {city}"


def model() -> ChatOpenAI:
    if os.environ.get("OPENAI_API_KEY"):
        return ChatOpenAI(model="gpt-4o-mini", max_retries=0)
    loopback = os.environ.get("LLMTEL_DEMO_PROVIDER_URL") or sys.exit("set OPENAI_API_KEY or LLMTEL_DEMO_PROVIDER_URL")
    return ChatOpenAI(model="gpt-4o", base_url=f"{loopback}/react_agent_one_tool/v1", api_key="loopback", max_retries=0)


if __name__ == "__main__":
    agent = create_agent(model(), [get_weather], name="weather_agent")
    with sentry_sdk.start_span(name="Plan Trip", op="ai.task"):
        state = agent.invoke({"messages": [("user", "What is the weather in Paris?")]},
                             config={"configurable": {"thread_id": "trip-1"}})
    print(f"python: the agent answered: {state['messages'][-1].content}")
    sentry_sdk.flush(5.0)
