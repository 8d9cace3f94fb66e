"""'Generate Report' in Python: one user span around four model calls made with the real client
libraries, streamed and not, one of them failing. Here content is recorded (send_default_pii),
so the spans carry the prompts and the answers too; the Node example leaves it off.

With OPENAI_API_KEY / ANTHROPIC_API_KEY / GEMINI_API_KEY set, the calls go to the real APIs.
Without one, they go to LLMTEL_DEMO_PROVIDER_URL (the loopback server `make demo` starts,
tests/provider_server.py), which answers each request path with a recorded scenario.
"""

import os
import sys

import llmtel as sentry_sdk  # the same calls as sentry_sdk

sentry_sdk.init(
    # No dsn, otlp_endpoint or spotlight: spans go to the local spool, .llmtel/spans.jsonl.
    traces_sample_rate=1.0,
    send_default_pii=True,  # record prompts and responses
)

# Imported after init, so the integrations trace them with no wrapper call.
import anthropic  # noqa: E402
import openai  # noqa: E402
from google import genai  # noqa: E402
from google.genai import types  # noqa: E402

LOOPBACK = os.environ.get("LLMTEL_DEMO_PROVIDER_URL")


def real(key: str) -> bool:
    return bool(os.environ.get(key))


def need_loopback(key: str) -> str:
    if not LOOPBACK:
        sys.exit(f"set {key}, or LLMTEL_DEMO_PROVIDER_URL to a loopback provider server")
    return LOOPBACK


def openai_client(scenario: str) -> openai.OpenAI:
    if real("OPENAI_API_KEY"):
        return openai.OpenAI(max_retries=0)
    return openai.OpenAI(base_url=f"{need_loopback('OPENAI_API_KEY')}/{scenario}/v1", api_key="loopback", max_retries=0)


def anthropic_client(scenario: str) -> anthropic.Anthropic:
    if real("ANTHROPIC_API_KEY"):
        return anthropic.Anthropic(max_retries=0)
    return anthropic.Anthropic(base_url=f"{need_loopback('ANTHROPIC_API_KEY')}/{scenario}", api_key="loopback", max_retries=0)


def gemini_client(scenario: str) -> genai.Client:
    if real("GEMINI_API_KEY"):
        return genai.Client(api_key=os.environ["GEMINI_API_KEY"])
    return genai.Client(api_key="loopback", http_options=types.HttpOptions(base_url=f"{need_loopback('GEMINI_API_KEY')}/{scenario}"))


def generate_report() -> str:
    with sentry_sdk.start_span(name="Generate Report", op="ai.task", attributes={"report.kind": "weekly"}):
        draft = ""
        stream = openai_client("openai_chat_stream_with_usage").chat.completions.create(
            model="gpt-4o-mini",
            messages=[{"role": "user", "content": "Say hello world"}],
            stream=True,
            stream_options={"include_usage": True},
        )
        for chunk in stream:
            if chunk.choices and chunk.choices[0].delta.content:
                draft += chunk.choices[0].delta.content

        summary = anthropic_client("anthropic_text").messages.create(
            model="claude-sonnet-4-6",
            max_tokens=1024,
            messages=[{"role": "user", "content": "Hello, Claude"}],
        )

        review = ""
        gemini = gemini_client("gemini_stream")  # held: a collected Client closes its connection
        for chunk in gemini.models.generate_content_stream(
            model="gemini-2.5-flash",
            contents=[types.Content(role="user", parts=[types.Part(text="Say hello")])],
        ):
            review += chunk.text or ""

        # This one fails: a rate limit on the loopback server, an unknown model on the real API.
        try:
            anthropic_client("anthropic_error_429").messages.create(
                model="claude-no-such-model" if real("ANTHROPIC_API_KEY") else "claude-sonnet-4-6",
                max_tokens=100,
                messages=[{"role": "user", "content": "Hi"}],
            )
        except anthropic.APIStatusError as error:
            print(f"python: the failing call failed as planned ({error.status_code})")

        return draft + summary.content[0].text + review


if __name__ == "__main__":
    report = generate_report()
    print(f"python: report written ({len(report)} characters)")
    sentry_sdk.flush(5.0)
