'use strict';
/**
 * The caller's cost of tracing LangChain in Node, with an in-process fake fetch (no network):
 * `ChatOpenAI.invoke` (one model call), `ChatOpenAI.stream` (one model call, CHUNKS chunks)
 * and a LangChain v1 `createAgent` run with one tool (two model calls and a tool call), bare,
 * with llmtel (its defaults: LangChain's callbacks and the OpenAI integration joined into one
 * span per model call) and with @sentry/node (its LangChain, LangGraph and OpenAI
 * integrations), each inside a root span, each variant in its own process.
 * The processes run in ROUNDS interleaved rounds; a round's added time is the variant's median
 * minus that round's bare median, and the figures quoted are medians over the rounds. Goal
 * (issue 12): llmtel's added time at most half of Sentry's.
 *
 * BENCH_NOOP=1 adds a process with a do-nothing handler on every LangChain run: what LangChain
 * itself spends for any handler placed the way llmtel places its own.
 *
 *   make bench-langchain-node      (or: node bindings-node/bench/langchain.js)
 */
const rounds = require('./rounds');
const os = require('node:os');
const path = require('node:path');

const INVOKES = Number(process.env.BENCH_INVOKES || 2000);
const AGENTS = Number(process.env.BENCH_AGENTS || 300);
const STREAMS = Number(process.env.BENCH_STREAMS || 500);
const CHUNKS = 50;
const ROUNDS = Number(process.env.BENCH_ROUNDS || 3);
// BENCH_NOOP=1 adds a variant with a do-nothing handler on every run: LangChain's own share.
// BENCH_BASELINE=<a bindings-node directory> adds that build of llmtel (another commit's, as in
// bench.js) as a variant in the same rounds.
const VARIANTS = ['bare', 'llmtel', 'sentry', ...(process.env.BENCH_NOOP ? ['noop'] : []), ...(process.env.BENCH_BASELINE ? ['baseline'] : [])];

const ANSWER = {
  id: 'chatcmpl-1', object: 'chat.completion', created: 1764000000, model: 'gpt-4o-mini-2024-07-18',
  choices: [{ index: 0, message: { role: 'assistant', content: 'Hi there!' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 12, completion_tokens: 8, total_tokens: 20 },
};
const TOOL_CALL = {
  ...ANSWER,
  choices: [{ index: 0, finish_reason: 'tool_calls', message: { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] } }],
};

async function child(variant) {
  let root = (fn) => fn();
  if (variant === 'llmtel' || variant === 'baseline') {
    const llmtel = require(variant === 'baseline' ? path.resolve(process.env.BENCH_BASELINE) : '..');
    llmtel.init({ spool: path.join(os.tmpdir(), `llmtel-bench-lc-${process.pid}.jsonl`), dsn: '', queueCapacity: 200000 });
    root = (fn) => llmtel.startSpan({ name: 'handler', op: 'http.server' }, fn);
  } else if (variant === 'noop') {
    // What LangChain itself spends when a handler is on every run (as llmtel's is): a handler
    // that does nothing, added the way llmtel adds its own.
    const { CallbackManager } = require('@langchain/core/callbacks/manager');
    const { BaseCallbackHandler } = require('@langchain/core/callbacks/base');
    const noop = new (class extends BaseCallbackHandler {
      constructor() {
        super();
        this.name = 'noop';
        this.awaitHandlers = true;
      }
    })();
    const configure = CallbackManager._configureSync;
    CallbackManager._configureSync = function (inheritable, ...rest) {
      const handlers = inheritable == null ? [noop] : Array.isArray(inheritable) ? [...inheritable, noop] : inheritable;
      return configure.call(this, handlers, ...rest);
    };
  } else if (variant === 'sentry') {
    const Sentry = require('@sentry/node');
    Sentry.init({
      dsn: 'http://public@127.0.0.1:1/1', tracesSampleRate: 1, transport: () => ({ send: async () => ({}), flush: async () => true }),
      integrations: [Sentry.langChainIntegration(), Sentry.langGraphIntegration(), Sentry.openAIIntegration()],
    });
    root = (fn) => Sentry.startSpan({ name: 'handler', op: 'http.server' }, fn);
  }
  const { ChatOpenAI } = require('@langchain/openai');
  const { tool } = require('@langchain/core/tools');
  const { createAgent } = require('langchain');

  const event = (delta, finish) => `data: ${JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1764000000, model: 'gpt-4o-mini-2024-07-18', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
  const sse = [event({ role: 'assistant', content: '' }, null), ...Array.from({ length: CHUNKS - 2 }, () => event({ content: 'Hi ' }, null)), event({}, 'stop'), 'data: [DONE]\n\n'].join('');
  const fetch = async (_url, init) => {
    const body = JSON.parse(init.body);
    if (body.stream) return new Response(sse, { status: 200, headers: { 'content-type': 'text/event-stream' } });
    const asksTool = body.tools && !body.messages.some((m) => m.role === 'tool');
    const text = JSON.stringify(asksTool ? TOOL_CALL : ANSWER);
    return new Response(text, { status: 200, headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) } });
  };
  const model = new ChatOpenAI({ model: 'gpt-4o-mini', apiKey: 'test', maxRetries: 0, configuration: { baseURL: 'http://mock/v1', fetch } });
  const getWeather = tool(async ({ city }) => `sunny in ${city}`, {
    name: 'get_weather', description: 'Get the weather for a city.',
    schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  });
  const agent = createAgent({ model, tools: [getWeather], name: 'weather_agent' });
  const question = { messages: [['user', 'Weather in Paris?']] };

  const medianUs = (fn, count) => rounds.medianUs(root, fn, count);
  const invokeUs = await medianUs(() => model.invoke('Hello!'), INVOKES);
  const streamUs = await medianUs(async () => {
    for await (const chunk of await model.stream('Hello!')) void chunk;
  }, STREAMS);
  const agentUs = await medianUs(() => agent.invoke(question), AGENTS);
  process.stdout.write(`${JSON.stringify({ invoke_us: invokeUs, stream_us: streamUs, agent_us: agentUs })}\n`);
  process.exit(0);
}

function main() {
  if (process.env.BENCH_BASELINE) rounds.requireRelease(process.env.BENCH_BASELINE);
  const results = rounds.runRounds(__filename, VARIANTS, ROUNDS);
  console.log(`load: ${os.loadavg()[0].toFixed(2)} (1 min), ${os.cpus().length} cores; ${ROUNDS} rounds, each variant in its own process`);
  for (const [key, label, count] of [['invoke_us', 'ChatOpenAI.invoke', INVOKES], ['stream_us', `ChatOpenAI.stream, ${CHUNKS} chunks`, STREAMS], ['agent_us', 'createAgent run, one tool', AGENTS]]) {
    const ours = results.map((r) => r.llmtel[key] - r.bare[key]);
    const sentry = results.map((r) => r.sentry[key] - r.bare[key]);
    const ratios = ours.map((o, i) => o / sentry[i]);
    console.log(`${label} (median of ${count} per round), bare ${rounds.median(results.map((r) => r.bare[key])).toFixed(0)} us:`);
    console.log(`  added llmtel       ${rounds.median(ours).toFixed(1).padStart(8)} us   rounds: ${ours.map((v) => v.toFixed(0)).join(', ')}`);
    console.log(`  added @sentry/node ${rounds.median(sentry).toFixed(1).padStart(8)} us   rounds: ${sentry.map((v) => v.toFixed(0)).join(', ')}`);
    console.log(`  ratio llmtel / @sentry/node: ${rounds.median(ratios).toFixed(2)}   (goal <= 0.50)`);
    if (results[0].noop) {
      const noop = results.map((r) => r.noop[key] - r.bare[key]);
      console.log(`  added by a do-nothing handler on every run (LangChain's own share): ${rounds.median(noop).toFixed(1)} us   rounds: ${noop.map((v) => v.toFixed(0)).join(', ')}`);
    }
    if (results[0].baseline) {
      const before = results.map((r) => r.baseline[key] - r.bare[key]);
      console.log(`  added by the baseline ${process.env.BENCH_BASELINE}: ${rounds.median(before).toFixed(1)} us   rounds: ${before.map((v) => v.toFixed(0)).join(', ')}; ratio llmtel / baseline ${rounds.median(ours.map((o, i) => o / before[i])).toFixed(2)}`);
    }
  }
}

if (process.argv[2]) child(process.argv[2]);
else main();
