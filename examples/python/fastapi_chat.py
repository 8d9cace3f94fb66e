"""The product page's picture from Python: a FastAPI app traced by OpenTelemetry (its FastAPI and
sqlite3 instrumentations), one route that reads SQLite and calls OpenAI. llmtel's
LlmtelSpanProcessor takes the application's OpenTelemetry spans into llmtel's pipeline, so
Sentry shows one transaction `POST /api/chat` holding the HTTP server span, the database span and
the `chat` span. The script serves one request it makes itself (uvicorn on a loopback port),
then exits.

Spans go to the spool (.llmtel/spans.jsonl) and, with SENTRY_DSN set, to Sentry. The OpenAI call
goes to the real API with OPENAI_API_KEY, else to LLMTEL_DEMO_PROVIDER_URL (the loopback server
`make demo` starts).
"""

import json
import os
import sqlite3
import sys
import threading
import time
import urllib.request

import llmtel

llmtel.init(
    dsn=os.environ.get("SENTRY_DSN"),
    spool=os.environ.get("LLMTEL_SPOOL", ".llmtel/spans.jsonl"),
    traces_sample_rate=1.0,
)

# OpenTelemetry as an application already has it, with llmtel's processor added.
from opentelemetry import trace  # noqa: E402
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor  # noqa: E402
from opentelemetry.instrumentation.sqlite3 import SQLite3Instrumentor  # noqa: E402
from opentelemetry.sdk.trace import TracerProvider  # noqa: E402

provider = TracerProvider()
provider.add_span_processor(llmtel.LlmtelSpanProcessor())
trace.set_tracer_provider(provider)
SQLite3Instrumentor().instrument()

import openai  # noqa: E402
import uvicorn  # noqa: E402
from fastapi import FastAPI  # noqa: E402

LOOPBACK = os.environ.get("LLMTEL_DEMO_PROVIDER_URL")
if os.environ.get("OPENAI_API_KEY"):
    client = openai.AsyncOpenAI(max_retries=0)
elif LOOPBACK:
    client = openai.AsyncOpenAI(base_url=f"{LOOPBACK}/openai_chat_plain/v1", api_key="loopback", max_retries=0)
else:
    sys.exit("set OPENAI_API_KEY, or LLMTEL_DEMO_PROVIDER_URL to a loopback provider server")

db = sqlite3.connect(":memory:", check_same_thread=False)
db.execute("CREATE TABLE preferences (user TEXT, tone TEXT)")
db.execute("INSERT INTO preferences VALUES ('ada', 'terse')")

app = FastAPI()


@app.post("/api/chat")
async def chat(body: dict) -> dict:
    cursor = db.cursor()  # the instrumentation traces cursors' queries
    row = cursor.execute("SELECT tone FROM preferences WHERE user = 'ada'").fetchone()
    completion = await client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "system", "content": f"You are {row[0] if row else 'plain'}."},
                  {"role": "user", "content": body["message"]}],
        temperature=0.7,
        max_tokens=100,
    )
    return {"reply": completion.choices[0].message.content}


FastAPIInstrumentor.instrument_app(app)


def main() -> None:
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    request = urllib.request.Request(f"http://127.0.0.1:{port}/api/chat", method="POST",
                                     data=json.dumps({"message": "Hello!"}).encode(),
                                     headers={"content-type": "application/json"})
    with urllib.request.urlopen(request) as response:
        print("POST /api/chat ->", response.status, response.read().decode())
    server.should_exit = True
    thread.join()
    provider.shutdown()  # ends with the processor's flush
    llmtel.close()


if __name__ == "__main__":
    main()
