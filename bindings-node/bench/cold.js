'use strict';
/**
 * What a crossing into the native binding costs when the caller's caches are cold, as they are
 * in the middle of a framework's work: each native call below is timed right after the process
 * touched PRESSURE_MB of other memory, and in a tight loop, where the same call is warm; then
 * every crossing of a LangChain `createAgent` run with one tool (root span, agent, two model
 * calls, tool, ends) is timed in place, inside the run. In place they take several times what
 * they take warm: most of llmtel's own time in such a run is its crossings being cold, not the
 * work behind them (fewer crossings, not less work in each, is what would shorten it).
 *
 *   make profile-node   (its last step; or: node bindings-node/bench/cold.js)
 *
 * PRESSURE_MB (default: 0, 4 and 32) sets the memory touched before each call.
 */
const path = require('node:path');
const os = require('node:os');
const rounds = require('./rounds');

rounds.requireRelease();
const llmtel = require('..');

llmtel.init({ spool: path.join(os.tmpdir(), `llmtel-bench-cold-${process.pid}.jsonl`), dsn: '', queueCapacity: 2000000, defaultIntegrations: false });
const client = llmtel._client();
const toolStart = JSON.stringify({ name: 'get_weather', serialized: { name: 'get_weather', description: 'Get the weather for a city.' }, tool_call_id: 'call_1' });
const chainStart = JSON.stringify({ name: 'weather_agent', metadata: { ls_integration: 'langgraph' } });
const placement = { recordInputs: false, recordOutputs: false, scope: undefined };

/** Each native call measured, with how its handle (if any) is ended untimed. */
const CALLS = {
  'a getter (contentCap)': () => client.contentCap,
  'startSpan': () => client.startSpan('handler', 'http.server', undefined),
  'langchainChain (an agent span)': () => client.langchainChain(chainStart, placement, undefined),
  'langchainTool, made (DeferredRun.real)': () => client.langchainTool(toolStart, placement, undefined).real(),
};
const endOf = (handle) => {
  if (handle && typeof handle.end === 'function') handle.end();
  else if (handle && typeof handle.endLangchainAgent === 'function') handle.endLangchainAgent('null');
  else if (handle && typeof handle.endLangchainTool === 'function') handle.endLangchainTool('null');
};

const sizes = process.env.PRESSURE_MB ? [Number(process.env.PRESSURE_MB)] : [0, 4, 32];
const COUNT = Number(process.env.BENCH_CALLS || 2000);

/** Touches `mb` MB of memory (a line in every 64 bytes) and allocates some objects. */
function pressure(memory, junk) {
  let sum = 0;
  for (let i = 0; i < memory.length; i += 8) sum += memory[i]++;
  for (let i = 0; i < 2000; i++) junk[i % 500] = { a: i, b: String(i), c: [i] };
  return sum;
}

console.log(`load: ${os.loadavg()[0].toFixed(2)} (1 min), ${os.cpus().length} cores; median µs of ${COUNT} calls each`);
for (const mb of sizes) {
  const memory = new Float64Array((mb * 1024 * 1024) / 8);
  const junk = [];
  const samples = Object.fromEntries(Object.keys(CALLS).map((name) => [name, []]));
  for (let i = 0; i < COUNT; i++) {
    for (const [name, call] of Object.entries(CALLS)) {
      pressure(memory, junk);
      const start = process.hrtime.bigint();
      const handle = call();
      samples[name].push(Number(process.hrtime.bigint() - start) / 1e3);
      endOf(handle);
    }
  }
  console.log(`after ${mb} MB touched: ${Object.entries(samples).map(([name, xs]) => `${name} ${rounds.median(xs).toFixed(2)}`).join('; ')}`);
}
const warm = Object.entries(CALLS).map(([name, call]) => {
  for (let i = 0; i < 1000; i++) endOf(call());
  const xs = [];
  for (let i = 0; i < COUNT; i++) {
    const start = process.hrtime.bigint();
    const handle = call();
    xs.push(Number(process.hrtime.bigint() - start) / 1e3);
    endOf(handle);
  }
  return `${name} ${rounds.median(xs).toFixed(2)}`;
});
console.log(`warm (each in a tight loop): ${warm.join('; ')}`);

/** Every binding function and NativeClient method, timed where it is called. */
function timeCrossings() {
  const binding = require('../llmtel.node');
  const times = {};
  for (const owner of [binding, binding.NativeClient.prototype]) {
    for (const key of Object.getOwnPropertyNames(owner)) {
      const original = Object.getOwnPropertyDescriptor(owner, key).value; // not the getters
      if (typeof original !== 'function' || key === 'constructor' || key === 'NativeClient') continue;
      owner[key] = function (...args) {
        const start = process.hrtime.bigint();
        try {
          return original.apply(this, args);
        } finally {
          (times[key] ||= []).push(Number(process.hrtime.bigint() - start) / 1e3);
        }
      };
    }
  }
  return times;
}

async function inAgentRun() {
  const { ChatOpenAI } = require('@langchain/openai');
  const { tool } = require('@langchain/core/tools');
  const { createAgent } = require('langchain');
  const answer = { id: 'chatcmpl-1', object: 'chat.completion', created: 1764000000, model: 'gpt-4o-mini', choices: [{ index: 0, message: { role: 'assistant', content: 'Hi there!' }, finish_reason: 'stop' }], usage: { prompt_tokens: 12, completion_tokens: 8, total_tokens: 20 } };
  const toolCall = { ...answer, choices: [{ index: 0, finish_reason: 'tool_calls', message: { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] } }] };
  const fetch = async (_url, init) => {
    const body = JSON.parse(init.body);
    const text = JSON.stringify(body.tools && !body.messages.some((m) => m.role === 'tool') ? toolCall : answer);
    return new Response(text, { headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) } });
  };
  llmtel.init({ spool: path.join(os.tmpdir(), `llmtel-bench-cold-${process.pid}-agent.jsonl`), dsn: '', queueCapacity: 2000000 });
  const model = new ChatOpenAI({ model: 'gpt-4o-mini', apiKey: 'test', maxRetries: 0, configuration: { baseURL: 'http://mock/v1', fetch } });
  const getWeather = tool(async ({ city }) => `sunny in ${city}`, { name: 'get_weather', description: 'Get the weather for a city.', schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } });
  const agent = createAgent({ model, tools: [getWeather], name: 'weather_agent' });
  const run = () => llmtel.startSpan({ name: 'handler', op: 'http.server' }, () => agent.invoke({ messages: [['user', 'Weather in Paris?']] }));
  for (let i = 0; i < 300; i++) await run();
  const times = timeCrossings();
  const RUNS = 1000;
  for (let i = 0; i < RUNS; i++) await run();
  let total = 0;
  const rows = Object.entries(times).map(([name, xs]) => {
    const each = rounds.median(xs);
    total += (each * xs.length) / RUNS;
    return `${name} ${(xs.length / RUNS).toFixed(0)}x ${each.toFixed(2)}`;
  });
  console.log(`in a createAgent run (median µs each, over ${RUNS} runs): ${rows.join('; ')}; ${total.toFixed(1)} µs a run`);
}

inAgentRun().then(() => process.exit(0), (error) => {
  console.error(error);
  process.exit(1);
});
