'use strict';
/**
 * The caller's cost of tracing LangChain in Node, with an in-process fake fetch (no network):
 * `ChatOpenAI.invoke` (one model call), `ChatOpenAI.stream` (one model call, CHUNKS chunks),
 * a LangChain v1 `createAgent` run with one tool (two model calls and a tool call) and the same
 * agent as LangGraph's prebuilt `createReactAgent`, bare, with llmtel (its defaults: the model,
 * tool and graph runs traced, and the OpenAI integration joined into one span per model call)
 * and with @sentry/node (its LangChain, LangGraph and OpenAI integrations), each inside a root
 * span, each variant in its own process. Each prints the spans an SDK makes a run: for
 * `createAgent` @sentry/node makes only the two model spans, so only `createReactAgent` (four
 * spans from each) sets like work against like.
 * The processes run in ROUNDS interleaved rounds; a round's added time is the variant's median
 * minus that round's bare median ("across processes"), and the figures quoted are medians over
 * the rounds. Goal (issue 12): llmtel's added time at most half of Sentry's.
 *
 * Paired, as bench.js pairs its calls: an agent run costs some 4 ms, and processes differ by
 * more than the added time (a round's figure moved by hundreds of µs), so every traced run is
 * also paired with the same run through an untraced copy of LangChain in the same process (the
 * bench's node_modules again, through a symlink that --preserve-symlinks loads as other
 * modules; loaded before the SDK starts and out of the module cache while it starts, where
 * llmtel looks for copies loaded before init(): no SDK patches it), and the added time is the
 * median of the paired differences. The pairing leaves out what an SDK costs beside its own
 * runs (as in bench.js); the bare process's pairs show the pairing's own bias (two copies, both
 * untraced).
 *
 * BENCH_NOOP=1 adds a process with a do-nothing handler on every LangChain run: what LangChain
 * itself spends for any handler placed the way llmtel places its own.
 *
 *   make bench-langchain-node      (or: node bindings-node/bench/langchain.js)
 */
const rounds = require('./rounds');
const fs = require('node:fs');
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

/**
 * LangChain's exports from a copy of the bench's node_modules no SDK patches: loaded through a
 * symlinked directory (a module of its own under --preserve-symlinks) before any SDK starts,
 * and kept out of the module cache while `start()` starts one (llmtel's init() patches the
 * copies it finds there). Returns what `start()` returns, and the copy.
 */
function untracedLangChain(start) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'llmtel-bench-untraced-'));
  fs.symlinkSync(path.join(__dirname, 'node_modules'), path.join(dir, 'node_modules'));
  const load = (name) => require(require.resolve(name, { paths: [dir] }));
  const copy = {
    ChatOpenAI: load('@langchain/openai').ChatOpenAI, tool: load('@langchain/core/tools').tool, createAgent: load('langchain').createAgent,
    createReactAgent: load('@langchain/langgraph/prebuilt').createReactAgent,
  };
  if (copy.ChatOpenAI === require('@langchain/openai').ChatOpenAI) throw new Error('the untraced copy is the same module: run with --preserve-symlinks');
  const hidden = Object.entries(require.cache).filter(([file]) => file.startsWith(dir));
  for (const [file] of hidden) delete require.cache[file];
  try {
    return { started: start(), copy };
  } finally {
    for (const [file, module] of hidden) require.cache[file] = module;
  }
}

async function child(variant) {
  const { started, copy: untraced } = untracedLangChain(() => startSdk(variant));
  const traced = {
    ChatOpenAI: require('@langchain/openai').ChatOpenAI, tool: require('@langchain/core/tools').tool, createAgent: require('langchain').createAgent,
    createReactAgent: require('@langchain/langgraph/prebuilt').createReactAgent,
  };
  await measure(started, traced, untraced);
}

/**
 * Starts the variant's SDK: `{ root, spans }`, how a run goes inside a root span, and how many
 * spans the SDK made so far (to check that the untraced copy makes none; undefined without one).
 */
function startSdk(variant) {
  let root = (fn) => fn();
  let spans; // none for a variant without an SDK
  if (variant === 'llmtel' || variant === 'baseline') {
    const llmtel = require(variant === 'baseline' ? path.resolve(process.env.BENCH_BASELINE) : '..');
    llmtel.init({ spool: path.join(os.tmpdir(), `llmtel-bench-lc-${process.pid}.jsonl`), dsn: '', queueCapacity: 200000 });
    root = (fn) => llmtel.startSpan({ name: 'handler', op: 'http.server' }, fn);
    spans = () => llmtel.stats().queued;
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
    let ended = 0;
    Sentry.getClient().on('spanEnd', () => ended++);
    spans = () => ended;
  }
  return { root, spans };
}

/** Times the three programs, each traced run (in `root`) paired with an untraced one. */
async function measure({ root, spans }, traced, untraced) {
  const event = (delta, finish) => `data: ${JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1764000000, model: 'gpt-4o-mini-2024-07-18', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
  const sse = [event({ role: 'assistant', content: '' }, null), ...Array.from({ length: CHUNKS - 2 }, () => event({ content: 'Hi ' }, null)), event({}, 'stop'), 'data: [DONE]\n\n'].join('');
  const fetch = async (_url, init) => {
    const body = JSON.parse(init.body);
    if (body.stream) return new Response(sse, { status: 200, headers: { 'content-type': 'text/event-stream' } });
    const asksTool = body.tools && !body.messages.some((m) => m.role === 'tool');
    const text = JSON.stringify(asksTool ? TOOL_CALL : ANSWER);
    return new Response(text, { status: 200, headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) } });
  };
  /** The three programs over one copy of LangChain. */
  const programs = ({ ChatOpenAI, tool, createAgent, createReactAgent }) => {
    const model = new ChatOpenAI({ model: 'gpt-4o-mini', apiKey: 'test', maxRetries: 0, configuration: { baseURL: 'http://mock/v1', fetch } });
    // A tool of its own for each agent: @sentry/node's createReactAgent instrumentation wraps
    // the tools it is given, which would trace the other agent's tool runs too.
    const weatherTool = () => tool(async ({ city }) => `sunny in ${city}`, {
      name: 'get_weather', description: 'Get the weather for a city.',
      schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    });
    const agent = createAgent({ model, tools: [weatherTool()], name: 'weather_agent' });
    const reactAgent = createReactAgent({ llm: model, tools: [weatherTool()], name: 'weather_agent' });
    const question = { messages: [['user', 'Weather in Paris?']] };
    return {
      invoke: () => model.invoke('Hello!'),
      stream: async () => {
        for await (const chunk of await model.stream('Hello!')) void chunk;
      },
      agent: () => agent.invoke(question),
      react: () => reactAgent.invoke(question),
    };
  };
  const ours = programs(traced);
  const theirs = programs(untraced);
  const out = {};
  if (spans) {
    const before = spans();
    await theirs.agent();
    await theirs.react();
    await theirs.stream();
    if (spans() !== before) throw new Error(`the untraced copy made ${spans() - before} spans`);
    for (const name of ['invoke', 'stream', 'agent', 'react']) {
      await root(ours[name]); // a first run may make more (@sentry/node's create_agent span)
      const at = spans();
      await root(ours[name]);
      out[`${name}_spans`] = spans() - at - 1; // without the root
    }
  }
  for (const [name, count] of [['invoke', INVOKES], ['stream', STREAMS], ['agent', AGENTS], ['react', AGENTS]]) {
    const { traced: t, untraced: u, added } = await rounds.pairedUs(() => root(ours[name]), theirs[name], count);
    Object.assign(out, { [`${name}_us`]: t, [`${name}_untraced_us`]: u, [`${name}_added_us`]: added });
  }
  process.stdout.write(`${JSON.stringify(out)}\n`);
  process.exit(0);
}

function main() {
  if (process.env.BENCH_BASELINE) rounds.requireRelease(process.env.BENCH_BASELINE);
  const results = rounds.runRounds(__filename, VARIANTS, ROUNDS, ['--preserve-symlinks']);
  console.log(`load: ${os.loadavg()[0].toFixed(2)} (1 min), ${os.cpus().length} cores; ${ROUNDS} rounds, each variant in its own process`);
  for (const [key, label, count] of [['invoke_us', 'ChatOpenAI.invoke', INVOKES], ['stream_us', `ChatOpenAI.stream, ${CHUNKS} chunks`, STREAMS], ['agent_us', 'createAgent run, one tool', AGENTS], ['react_us', "LangGraph's createReactAgent run, one tool", AGENTS]]) {
    const pairedKey = key.replace(/_us$/, '_added_us');
    const list = (values) => values.map((v) => v.toFixed(0)).join(', ');
    const paired = (variant) => results.map((r) => r[variant][pairedKey]);
    const ratioOf = (a, b) => rounds.median(a.map((o, i) => o / b[i])).toFixed(2);
    const spansKey = key.replace(/_us$/, '_spans');
    console.log(`${label} (median of ${count} per round), bare ${rounds.median(results.map((r) => r.bare[key])).toFixed(0)} us; spans a run (without the root): llmtel ${results[0].llmtel[spansKey]}, @sentry/node ${results[0].sentry[spansKey]}:`);
    console.log(`  paired, added llmtel       ${rounds.median(paired('llmtel')).toFixed(1).padStart(8)} us   rounds: ${list(paired('llmtel'))}`);
    console.log(`  paired, added @sentry/node ${rounds.median(paired('sentry')).toFixed(1).padStart(8)} us   rounds: ${list(paired('sentry'))}`);
    console.log(`  paired, bare (two untraced copies: the pairing's own bias) ${rounds.median(paired('bare')).toFixed(1)} us   rounds: ${list(paired('bare'))}`);
    console.log(`  ratio paired llmtel / @sentry/node: ${ratioOf(paired('llmtel'), paired('sentry'))}   (goal <= 0.50)`);
    const ours = results.map((r) => r.llmtel[key] - r.bare[key]);
    const sentry = results.map((r) => r.sentry[key] - r.bare[key]);
    console.log(`  across processes, added llmtel       ${rounds.median(ours).toFixed(1).padStart(8)} us   rounds: ${list(ours)}`);
    console.log(`  across processes, added @sentry/node ${rounds.median(sentry).toFixed(1).padStart(8)} us   rounds: ${list(sentry)}`);
    console.log(`  ratio across processes llmtel / @sentry/node: ${ratioOf(ours, sentry)}   (goal <= 0.50)`);
    if (results[0].noop) {
      const noop = results.map((r) => r.noop[key] - r.bare[key]);
      console.log(`  added by a do-nothing handler on every run (LangChain's own share): paired ${rounds.median(paired('noop')).toFixed(1)} us (rounds: ${list(paired('noop'))}); across processes ${rounds.median(noop).toFixed(1)} us (rounds: ${list(noop)})`);
    }
    if (results[0].baseline) {
      const before = results.map((r) => r.baseline[key] - r.bare[key]);
      console.log(`  across processes, added by the baseline ${process.env.BENCH_BASELINE}: ${rounds.median(before).toFixed(1)} us   rounds: ${list(before)}; ratio llmtel / baseline ${ratioOf(ours, before)}`);
      console.log(`  paired, added by the baseline: ${rounds.median(paired('baseline')).toFixed(1)} us   rounds: ${list(paired('baseline'))}; ratio llmtel / baseline ${ratioOf(paired('llmtel'), paired('baseline'))}`);
    }
  }
}

if (process.argv[2]) child(process.argv[2]);
else main();
