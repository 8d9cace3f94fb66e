#!/usr/bin/env bash
# `make demo`: the "Generate Report" task from Node, Python, C, Kotlin and Ruby, a LangChain agent from Node
# and Python, a Vercel AI SDK agent, and an Express and a FastAPI app whose OpenTelemetry spans
# join the GenAI spans, recorded into the local spool
# (.llmtel/spans.jsonl), then `llmtel traces`, `llmtel report` and the HTML report. An edge
# worker in workerd shows the wasm build (its spans go to a local Sentry endpoint it prints).
#
# Each provider whose key is set (OPENAI_API_KEY, ANTHROPIC_API_KEY, GEMINI_API_KEY) is called for
# real; the others are served by the loopback provider server (tests/provider_server.py), which
# this script starts and stops. The Makefile builds everything first and sets LLMTEL_BIN, PY and
# C_QUICKSTART.
set -euo pipefail
cd "$(dirname "$0")/.."

LLMTEL=${LLMTEL_BIN:?run this through make demo}
PY=${PY:-.venv/bin/python}
SPOOL=.llmtel/spans.jsonl

# The demo shows the local default: no Sentry, OTLP or Spotlight from the caller's environment.
unset SENTRY_DSN OTEL_EXPORTER_OTLP_ENDPOINT OTEL_EXPORTER_OTLP_TRACES_ENDPOINT SENTRY_SPOTLIGHT LLMTEL_SPOOL
mkdir -p .llmtel
rm -f "$SPOOL" "$SPOOL".[0-9]*

server_pid=
stop_server() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true; }
trap stop_server EXIT

if [ -n "${OPENAI_API_KEY:-}" ] && [ -n "${ANTHROPIC_API_KEY:-}" ] && [ -n "${GEMINI_API_KEY:-}" ]; then
  echo "== calling the real OpenAI, Anthropic and Gemini APIs"
else
  python3 tests/provider_server.py --port 0 > .llmtel/provider-server.out &
  server_pid=$!
  for _ in $(seq 100); do
    [ -s .llmtel/provider-server.out ] && break
    sleep 0.05
  done
  url=$(sed -n 's/^listening on //p' .llmtel/provider-server.out | head -1)
  [ -n "$url" ] || { echo "demo: the loopback provider server did not start" >&2; exit 1; }
  export LLMTEL_DEMO_PROVIDER_URL=$url
  real=()
  for key in OPENAI_API_KEY ANTHROPIC_API_KEY GEMINI_API_KEY; do
    [ -n "${!key:-}" ] && real+=("$key")
  done
  echo "== providers without a key are answered by the loopback server at $url"
  [ ${#real[@]} -gt 0 ] && echo "   (real APIs for: ${real[*]})"
fi

echo "== Node (examples/node): content off"
node examples/node/generate_report.js
echo "== Python (examples/python): content recorded (send_default_pii=True)"
"$PY" examples/python/generate_report.py
# The loopback server answers a conversation turn by turn: each agent starts it afresh.
restart_conversation() {
  [ -n "${OPENAI_API_KEY:-}" ] && return 0
  python3 -c 'import sys, urllib.request; urllib.request.urlopen(urllib.request.Request(sys.argv[1], method="DELETE"))' \
    "$LLMTEL_DEMO_PROVIDER_URL/__requests/react_agent_one_tool"
}
echo "== LangChain agents (examples/*/langchain_agent.*): invoke_agent, chat and execute_tool spans"
restart_conversation
node examples/node/langchain_agent.js
restart_conversation
"$PY" examples/python/langchain_agent.py
echo "== A Vercel AI SDK agent (examples/node/ai_sdk_agent.mjs, ai 7, ES module): the same span tree"
[ -n "${OPENAI_API_KEY:-}" ] || python3 -c 'import sys, urllib.request; urllib.request.urlopen(urllib.request.Request(sys.argv[1], method="DELETE"))' \
  "$LLMTEL_DEMO_PROVIDER_URL/__requests/ai_sdk_tool_two_steps"
(cd examples/node && LLMTEL_SPOOL="$OLDPWD/$SPOOL" node --import llmtel/register ai_sdk_agent.mjs)
echo "== Joining the application's OpenTelemetry traces: an Express and a FastAPI app (examples/*/*_chat.*)"
echo "   one transaction POST /api/chat holding the HTTP server span, the SQLite query and the chat span"
(cd examples/node && LLMTEL_SPOOL="$OLDPWD/$SPOOL" node express_chat.js)
"$PY" examples/python/fastapi_chat.py
echo "== An edge worker in workerd (examples/edge/worker.mjs): the wasm core, a chat turn and an AI SDK"
echo "   agent, their spans sent as Sentry envelopes to a local endpoint (an edge runtime has no spool)"
PROVIDER_URL="${url:-}" node examples/edge/run.mjs
if [ -n "${C_QUICKSTART:-}" ]; then
  echo "== C (examples/c/quickstart.c)"
  "$C_QUICKSTART"
fi
echo "== Kotlin (examples/kotlin/GenerateReport.kt): OkHttp calls traced by LlmtelInterceptor (uniffi binding)"
bindings-uniffi/kotlin/run examples/kotlin/GenerateReport.kt
echo "== Ruby (examples/ruby/generate_report.rb): Net::HTTP calls recorded by Llmtel.record_call (uniffi binding)"
GEM_HOME=target/uniffi/gems ruby examples/ruby/generate_report.rb

echo
echo "== llmtel traces --last 3"
"$LLMTEL" traces --last 3
echo
echo "== llmtel report"
"$LLMTEL" report --html .llmtel/report.html
echo
echo "The HTML report (charts of tokens, cost and latency): file://$PWD/.llmtel/report.html"
echo "Follow new calls as they land: $LLMTEL tail"
