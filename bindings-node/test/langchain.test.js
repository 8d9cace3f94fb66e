'use strict';
// LangChain and LangGraph through the real packages against the loopback provider: the shared
// framework scenarios of tests/frameworks/ (the Python suite checks the same trees, with
// tests/framework_check.py), content off and on, and one span per model call.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const llmtel = require('..');
const { startProviderServer } = require('../testing/helpers');

// init() before LangChain is loaded: the module hooks patch it as it loads.
llmtel.init({ spool: path.join(os.tmpdir(), 'llmtel-langchain-warmup.jsonl'), dsn: '' });
const { ChatOpenAI, OpenAIEmbeddings } = require('@langchain/openai');
const { ChatAnthropic } = require('@langchain/anthropic');
const { SystemMessage, HumanMessage, AIMessage } = require('@langchain/core/messages');
const { tool } = require('@langchain/core/tools');
const { BaseChatModel } = require('@langchain/core/language_models/chat_models');
const { createAgent } = require('langchain');
const { createReactAgent } = require('@langchain/langgraph/prebuilt');
const { StateGraph, MessagesAnnotation, START, END } = require('@langchain/langgraph');
const OpenAI = require('openai');

const TESTS = path.join(__dirname, '..', '..', 'tests');
const SCENARIOS = fs.readdirSync(path.join(TESTS, 'frameworks')).sort()
  .map((f) => JSON.parse(fs.readFileSync(path.join(TESTS, 'frameworks', f), 'utf8')))
  .filter((s) => (s.framework ?? 'langchain') === 'langchain'); // the AI SDK's: test/aisdk.test.js
const PROMPT = () => [new SystemMessage('You are terse.'), new HumanMessage('Hello!')];
const QUESTION = { messages: [['user', 'Weather in Paris?']] };
const CONFIG = { configurable: { thread_id: 'thread-7' } };

// The JSON schema Python's @tool derives from `city: str`, so both languages send the same
// tool definition.
const schema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };
const getWeather = tool(async ({ city }) => `sunny in ${city}`, { name: 'get_weather', description: 'Get the weather for a city.', schema });
const brokenWeather = tool(async () => {
  const error = new Error('no weather station answers');
  error.name = 'ConnectionError';
  throw error;
}, { name: 'get_weather', description: 'Get the weather for a city.', schema });

/** A tool whose body asks a chat model of its own (the scenario's next answer). */
const askingWeather = (base) => tool(async ({ city }) => (await chatModel('openai', base).invoke(`Weather in ${city}?`)).content, { name: 'get_weather', description: 'Get the weather for a city.', schema });

let provider;
before(async () => {
  provider = await startProviderServer();
});
after(() => provider.server.kill());

function chatModel(kind, base) {
  if (kind === 'anthropic') {
    return new ChatAnthropic({ model: 'claude-sonnet-4-5', anthropicApiUrl: base, apiKey: 'k', temperature: 0.7, maxTokens: 1024, maxRetries: 0 });
  }
  return new ChatOpenAI({ model: 'gpt-4o-mini', configuration: { baseURL: `${base}/v1` }, apiKey: 'k', temperature: 0.7, maxTokens: 100, maxRetries: 0 });
}

const agentModel = (base) => new ChatOpenAI({ model: 'gpt-4o', configuration: { baseURL: `${base}/v1` }, apiKey: 'k', temperature: 0.2, maxRetries: 0 });

async function runProgram(scenario, run, base) {
  const { program, via } = run;
  if (program === 'chat') {
    const model = chatModel(scenario.provider, base);
    if (via === 'stream') {
      let text = '';
      for await (const chunk of await model.stream(PROMPT())) text += chunk.content;
      return text;
    }
    return (await model.invoke(PROMPT())).content;
  }
  if (program === 'agent' || program === 'langgraph_agent') {
    const tools = [run.tool === 'broken' ? brokenWeather : run.tool === 'asks_model' ? askingWeather(base) : getWeather];
    const agent = program === 'agent'
      ? createAgent({ model: agentModel(base), tools, name: 'weather_agent' })
      : createReactAgent({ llm: agentModel(base), tools, name: 'weather_agent' });
    if (via === 'stream') {
      let last;
      for await (const state of await agent.stream(QUESTION, { ...CONFIG, streamMode: 'values' })) last = state;
      return last.messages.at(-1).content;
    }
    return (await agent.invoke(QUESTION, CONFIG)).messages.at(-1).content;
  }
  if (program === 'embeddings') {
    const embeddings = new OpenAIEmbeddings({ model: 'text-embedding-3-small', configuration: { baseURL: `${base}/v1` }, apiKey: 'k', maxRetries: 0 });
    return embeddings.embedQuery('hello');
  }
  if (program === 'direct') {
    await chatModel('openai', base).invoke(PROMPT());
    const client = new OpenAI({ baseURL: `${base}/v1`, apiKey: 'k', maxRetries: 0 });
    const answer = await client.chat.completions.create({
      model: 'gpt-4o-mini', temperature: 0.7, max_tokens: 100,
      messages: [{ role: 'system', content: 'You are terse.' }, { role: 'user', content: 'Hello!' }],
    });
    return answer.choices[0].message.content;
  }
  throw new Error(`no program ${program}`);
}

function freshSpool(options) {
  const spool = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'llmtel-lc-')), 'spans.jsonl');
  llmtel.init({ spool, dsn: '', flushInterval: 20, ...options });
  return spool;
}

/** The spool's lines of one trace, as written (re-serializing would turn 0.0 into 0). */
async function linesOf(spool, traceId) {
  await llmtel.flush(5000);
  return fs.readFileSync(spool, 'utf8').trim().split('\n').filter((l) => JSON.parse(l).trace_id === traceId);
}

const spansOf = async (spool, traceId) => (await linesOf(spool, traceId)).map((l) => JSON.parse(l));

for (const scenario of SCENARIOS) {
  scenario.runs.forEach((run, index) => {
    if ((run.language ?? 'node') !== 'node') return; // a framework default that differs in Python
    for (const content of [false, true]) {
      test(`${scenario.name} #${index} (${run.program} ${run.via}, content ${content ? 'on' : 'off'})`, async () => {
        const spool = freshSpool({ sendDefaultPii: content });
        await fetch(`${provider.url}/__requests/${scenario.name}`, { method: 'DELETE' });
        const base = `${provider.url}/${scenario.name}`;
        let traceId;
        await llmtel.startSpan({ name: 'root', op: 'test' }, async (root) => {
          traceId = root.traceId;
          if (run.expect_error) await assert.rejects(runProgram(scenario, run, base));
          else assert.ok(await runProgram(scenario, run, base));
        });
        const file = path.join(path.dirname(spool), 'trace.jsonl');
        fs.writeFileSync(file, (await linesOf(spool, traceId)).join('\n'));
        const port = new URL(provider.url).port;
        try {
          execFileSync('python3', [path.join(TESTS, 'framework_check.py'), scenario.name, String(index), content ? 'on' : 'off', port, file], { stdio: 'pipe' });
        } catch (error) {
          assert.fail(`${scenario.name} #${index} differs:\n${error.stdout}`);
        }
      });
    }
  });
}

test('a direct call beside a LangChain call keeps its own span, and the LangChain call has one', async () => {
  const spool = freshSpool({});
  const base = `${provider.url}/chat_system_and_user`;
  const ids = {};
  const throughLangChain = llmtel.startSpan({ name: 'langchain task' }, async (span) => {
    ids.langchain = span.spanId;
    for (let i = 0; i < 5; i++) await chatModel('openai', base).invoke(PROMPT());
  });
  const direct = llmtel.startSpan({ name: 'direct task' }, async (span) => {
    ids.direct = span.spanId;
    const client = new OpenAI({ baseURL: `${base}/v1`, apiKey: 'k', maxRetries: 0 });
    for (let i = 0; i < 5; i++) await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] });
  });
  await Promise.all([throughLangChain, direct]);
  await llmtel.flush(5000);
  const spans = fs.readFileSync(spool, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const under = (parent) => spans.filter((s) => s.parent_span_id === parent).map((s) => s.origin).sort();
  assert.deepEqual(under(ids.langchain), Array(5).fill('auto.ai.langchain'));
  assert.deepEqual(under(ids.direct), Array(5).fill('auto.ai.openai'));
});

test('the handler passed by hand gives the same single span', async () => {
  const spool = freshSpool({});
  let traceId;
  await llmtel.startSpan({ name: 'root' }, async (root) => {
    traceId = root.traceId;
    const handler = new llmtel.LangChainCallbackHandler();
    await chatModel('openai', `${provider.url}/chat_system_and_user`).invoke(PROMPT(), { callbacks: [handler] });
  });
  const names = (await spansOf(spool, traceId)).map((s) => s.name).sort();
  assert.deepEqual(names, ['chat gpt-4o-mini', 'root']);
});

test('Sentry\'s createLangChainCallbackHandler records content as its options say, whatever init() says', async () => {
  const spool = freshSpool({ defaultIntegrations: false, integrations: [llmtel.openAIIntegration()], sendDefaultPii: false });
  const base = `${provider.url}/chat_system_and_user`;
  const ids = {};
  await llmtel.startSpan({ name: 'root' }, async (root) => {
    ids.trace = root.traceId;
    await llmtel.startSpan({ name: 'with content' }, async (span) => {
      ids.withContent = span.spanId;
      const handler = llmtel.createLangChainCallbackHandler({ recordInputs: true, recordOutputs: true });
      await chatModel('openai', base).invoke(PROMPT(), { callbacks: [handler] });
    });
    await llmtel.startSpan({ name: 'by default' }, async (span) => {
      ids.byDefault = span.spanId;
      await chatModel('openai', base).invoke(PROMPT(), { callbacks: [llmtel.createLangChainCallbackHandler()] });
    });
  });
  const spans = await spansOf(spool, ids.trace);
  const chatUnder = (parent) => spans.filter((s) => s.parent_span_id === parent);
  const [recorded] = chatUnder(ids.withContent);
  const [plain] = chatUnder(ids.byDefault);
  assert.equal(recorded.origin, 'auto.ai.langchain');
  assert.equal(chatUnder(ids.withContent).length, 1, 'one span for the call');
  assert.ok(recorded.attributes['gen_ai.input.messages'], 'the prompt is recorded');
  assert.ok(recorded.attributes['gen_ai.output.messages'], 'the answer is recorded');
  assert.equal(plain.attributes['gen_ai.input.messages'], undefined);
  assert.equal(plain.attributes['gen_ai.output.messages'], undefined);
});

for (const auto of [false, true]) {
test(`Sentry's instrumentLangGraph traces a graph by hand: one agent span per run, whichever way it runs (automatic instrumentation ${auto ? 'on' : 'off'})`, async () => {
  const spool = freshSpool(auto ? {} : { defaultIntegrations: false, integrations: [llmtel.openAIIntegration()] });
  const base = `${provider.url}/chat_system_and_user`;
  const callModel = async (state) => ({ messages: [await chatModel('openai', base).invoke(state.messages)] });
  const build = (call = callModel) => new StateGraph(MessagesAnnotation).addNode('agent', call).addEdge(START, 'agent').addEdge('agent', END);
  // streamEvents makes the model stream: a provider route that answers with server-sent events.
  const streamingModel = async (state) => ({ messages: [await chatModel('openai', `${provider.url}/openai_chat_stream_with_usage`).invoke(state.messages)] });
  const streaming = llmtel.instrumentLangGraph(build(streamingModel).compile({ name: 'my_agent' }));
  // Before compile(), as Sentry's docs show it, and on a compiled graph.
  const beforeCompile = llmtel.instrumentLangGraph(build(), { recordOutputs: true }).compile({ name: 'my_agent' });
  const compiled = llmtel.instrumentLangGraph(build().compile({ name: 'my_agent' }));
  const untraced = build().compile({ name: 'my_agent' });
  const runs = {
    invoke: () => beforeCompile.invoke({ messages: PROMPT() }),
    stream: async () => { for await (const _ of await compiled.stream({ messages: PROMPT() }, { streamMode: 'updates' })) { /* read */ } },
    batch: () => compiled.batch([{ messages: PROMPT() }, { messages: PROMPT() }]),
    streamEvents: async () => { for await (const _ of streaming.streamEvents({ messages: PROMPT() }, { version: 'v2' })) { /* read */ } },
    untraced: () => untraced.invoke({ messages: PROMPT() }),
    // Not given to instrumentLangGraph: the automatic path's, when it is on.
    autoStreamEvents: async () => {
      const graph = build(streamingModel).compile({ name: 'my_agent' });
      for await (const _ of graph.streamEvents({ messages: PROMPT() }, { version: 'v2' })) { /* read */ }
    },
  };
  const roots = {};
  let traceId;
  await llmtel.startSpan({ name: 'root' }, async (root) => {
    traceId = root.traceId;
    for (const [name, run] of Object.entries(runs)) {
      await llmtel.startSpan({ name }, async (span) => {
        roots[name] = span.spanId;
        await run();
      });
    }
  });
  const spans = await spansOf(spool, traceId);
  const under = (id) => spans.filter((s) => s.parent_span_id === id);
  for (const [name, count] of [['invoke', 1], ['stream', 1], ['batch', 2], ['streamEvents', 1]]) {
    const agents = under(roots[name]);
    assert.equal(agents.length, count, `${name}: ${agents.map((s) => s.name)}`);
    for (const agent of agents) {
      assert.equal(agent.name, 'invoke_agent my_agent');
      assert.deepEqual(under(agent.span_id).map((s) => s.name), ['chat gpt-4o-mini'], name);
    }
  }
  assert.ok(under(roots.invoke)[0].attributes['gen_ai.output.messages'], 'recordOutputs: the output is recorded');
  assert.equal(under(roots.stream)[0].attributes['gen_ai.output.messages'], undefined, 'content off by default');
  if (!auto) assert.deepEqual(under(roots.untraced).map((s) => s.origin), ['auto.ai.openai'], 'a graph not instrumented: its provider call only');
  if (auto) {
    const [agent] = under(roots.autoStreamEvents);
    assert.equal(agent?.name, 'invoke_agent my_agent', 'streamEvents through the automatic path');
    assert.deepEqual(under(agent.span_id).map((s) => s.name), ['chat gpt-4o-mini']);
  }
});
}

test('a model without a traced provider gets its span from LangChain', async () => {
  class ChatEcho extends BaseChatModel {
    _llmType() {
      return 'echo';
    }

    async _generate() {
      const message = new AIMessage({
        content: 'pong',
        response_metadata: { model_name: 'echo-1-2026', finish_reason: 'stop' },
        usage_metadata: { input_tokens: 7, output_tokens: 2, total_tokens: 9, input_token_details: { cache_read: 3 }, output_token_details: { reasoning: 1 } },
      });
      return { generations: [{ text: 'pong', message }] };
    }
  }
  const spool = freshSpool({ sendDefaultPii: true });
  let rootId;
  await llmtel.startSpan({ name: 'root' }, async (root) => {
    rootId = root.spanId;
    await new ChatEcho({}).invoke([new SystemMessage('Be brief.'), new HumanMessage('ping')]);
  });
  await llmtel.flush(5000);
  const [span] = fs.readFileSync(spool, 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((s) => s.parent_span_id === rootId);
  const a = span.attributes;
  assert.equal(span.origin, 'auto.ai.langchain');
  assert.equal(a['gen_ai.response.model'], 'echo-1-2026');
  assert.deepEqual(a['gen_ai.response.finish_reasons'], ['stop']);
  assert.equal(a['gen_ai.response.id'], undefined);
  assert.deepEqual([a['gen_ai.usage.input_tokens'], a['gen_ai.usage.output_tokens']], [7, 2]);
  assert.equal(a['gen_ai.usage.cache_read.input_tokens'], 3);
  assert.equal(a['gen_ai.usage.reasoning.output_tokens'], 1);
  assert.deepEqual(JSON.parse(a['gen_ai.system_instructions']), [{ type: 'text', content: 'Be brief.' }]);
  assert.deepEqual(JSON.parse(a['gen_ai.input.messages']), [{ role: 'user', parts: [{ type: 'text', content: 'ping' }] }]);
  assert.deepEqual(JSON.parse(a['gen_ai.output.messages']), [{ role: 'assistant', parts: [{ type: 'text', content: 'pong' }], finish_reason: 'stop' }]);
});

test('a model run handed over when it ends is timed from its start, with or without a provider call taking it', async () => {
  // A LangChain model run crosses into the binding once it ends (with the provider's response,
  // or made then to take LangChain's result): its span must still start when the run did.
  const answer = JSON.stringify({
    id: 'chatcmpl-slow', object: 'chat.completion', created: 1, model: 'gpt-4o-mini',
    choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 3, completion_tokens: 5, total_tokens: 8 },
  });
  const slowly = () => new Promise((resolve) => setTimeout(resolve, 120));
  const fetch = async () => {
    await slowly();
    return new Response(answer, { headers: { 'content-type': 'application/json' } });
  };
  class ChatSlowEcho extends BaseChatModel {
    _llmType() {
      return 'slow-echo';
    }

    async _generate() {
      await slowly();
      return { generations: [{ text: 'pong', message: new AIMessage({ content: 'pong', response_metadata: { model_name: 'echo-1' } }) }] };
    }
  }
  const spool = freshSpool();
  let traceId;
  await llmtel.startSpan({ name: 'root' }, async (root) => {
    traceId = root.traceId;
    await new ChatOpenAI({ model: 'gpt-4o-mini', apiKey: 'test', maxRetries: 0, configuration: { baseURL: 'http://slow.test/v1', fetch } }).invoke('Hello!');
    await new ChatSlowEcho({}).invoke('ping');
  });
  const spans = (await linesOf(spool, traceId)).map((l) => JSON.parse(l));
  const root = spans.find((s) => s.name === 'root');
  const calls = spans.filter((s) => s.parent_span_id === root.span_id);
  assert.deepEqual(calls.map((s) => s.attributes['gen_ai.response.model'] ?? s.attributes['gen_ai.response.id']), ['gpt-4o-mini', 'echo-1']);
  assert.equal(calls[0].attributes['gen_ai.response.id'], 'chatcmpl-slow', "the provider's detail");
  for (const call of calls) {
    assert.ok(call.end_time_unix_nano - call.start_time_unix_nano >= 100e6, `${call.name} lasted its 120 ms: ${(call.end_time_unix_nano - call.start_time_unix_nano) / 1e6} ms`);
  }
  assert.ok(calls[1].start_time_unix_nano >= calls[0].end_time_unix_nano, 'one after the other');
});

test('a tool run made in the binding when it ends is timed from its start, by itself and with a handler passed by hand', async () => {
  const slowTool = tool(async ({ city }) => {
    await new Promise((resolve) => setTimeout(resolve, 120));
    return `sunny in ${city}`;
  }, { name: 'get_weather', description: 'Get the weather for a city.', schema });
  const spool = freshSpool();
  let traceId;
  await llmtel.startSpan({ name: 'root' }, async (root) => {
    traceId = root.traceId;
    await slowTool.invoke({ city: 'Paris' });
    await slowTool.invoke({ city: 'Rome' }, { callbacks: [new llmtel.LangChainCallbackHandler()] });
  });
  const spans = await spansOf(spool, traceId);
  const root = spans.find((s) => s.name === 'root');
  const tools = spans.filter((s) => s.name === 'execute_tool get_weather');
  assert.equal(tools.length, 2, spans.map((s) => s.name).join(', '));
  for (const run of tools) {
    assert.equal(run.parent_span_id, root.span_id);
    assert.ok(run.end_time_unix_nano - run.start_time_unix_nano >= 100e6, `it lasted its 120 ms: ${(run.end_time_unix_nano - run.start_time_unix_nano) / 1e6} ms`);
  }
  assert.ok(tools[1].start_time_unix_nano >= tools[0].end_time_unix_nano, 'one after the other');
});

test('a model call traced without a LangChain callback gives the caller what it gets without llmtel', async () => {
  // Content off, one prompt, no handler of the user's: the span comes from the model's own
  // call (not LangChain's callbacks), and LangChain makes no run, so a message the model left
  // without an id keeps none (a run would name it `run-…`).
  class ChatEcho extends BaseChatModel {
    _llmType() {
      return 'echo';
    }

    invocationParams() {
      return { model: 'echo-1', temperature: 0.25 };
    }

    getLsParams(options) {
      return { ...super.getLsParams(options), ls_provider: 'echo', ls_model_name: 'echo-1' };
    }

    async _generate() {
      const message = new AIMessage({
        content: 'pong',
        response_metadata: { model_name: 'echo-1-2026', finish_reason: 'stop' },
        usage_metadata: { input_tokens: 7, output_tokens: 2, total_tokens: 9 },
      });
      return { generations: [{ text: 'pong', message }] };
    }
  }
  const spool = freshSpool({ sendDefaultPii: false });
  let rootId;
  let traced;
  await llmtel.startSpan({ name: 'root' }, async (root) => {
    rootId = root.spanId;
    traced = await new ChatEcho({}).invoke('ping');
  });
  await llmtel.flush(5000);
  assert.equal(traced.id, undefined);
  assert.equal(traced.content, 'pong');
  const [span] = fs.readFileSync(spool, 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((s) => s.parent_span_id === rootId);
  const a = span.attributes;
  assert.equal(span.name, 'chat echo-1');
  assert.equal(span.origin, 'auto.ai.langchain');
  assert.equal(a['gen_ai.provider.name'], 'echo');
  assert.equal(a['gen_ai.request.temperature'], 0.25);
  assert.equal(a['gen_ai.response.model'], 'echo-1-2026');
  assert.deepEqual(a['gen_ai.response.finish_reasons'], ['stop']);
  assert.deepEqual([a['gen_ai.usage.input_tokens'], a['gen_ai.usage.output_tokens']], [7, 2]);
  assert.equal(a['gen_ai.input.messages'], undefined);
  assert.equal(a['gen_ai.output.messages'], undefined);
});

test('prompts in a batch and cached calls go through LangChain\'s callbacks: one span per model run', async () => {
  const { InMemoryCache } = require('@langchain/core/caches');
  class ChatEcho extends BaseChatModel {
    _llmType() {
      return 'echo';
    }

    async _generate(messages) {
      const text = `echo ${messages.at(-1).content}`;
      return { generations: [{ text, message: new AIMessage({ content: text, response_metadata: { finish_reason: 'stop' } }) }] };
    }
  }
  const spool = freshSpool({ sendDefaultPii: true });
  let rootId;
  await llmtel.startSpan({ name: 'root' }, async (root) => {
    rootId = root.spanId;
    await new ChatEcho({}).generate([[new HumanMessage('one')], [new HumanMessage('two')]]); // two runs
    const cached = new ChatEcho({ cache: new InMemoryCache() });
    await cached.invoke('three'); // a miss
    await cached.invoke('three'); // a hit: no model call, a run all the same
  });
  await llmtel.flush(5000);
  const spans = fs.readFileSync(spool, 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((s) => s.parent_span_id === rootId);
  const outputs = spans.map((s) => JSON.parse(s.attributes['gen_ai.output.messages'])[0].parts[0].content).sort();
  assert.deepEqual(outputs, ['echo one', 'echo three', 'echo three', 'echo two']);
});

test('a model streamed without a traced provider: chunks gathered, time to first chunk, and a broken-off stream still ends its span', async () => {
  const { AIMessageChunk } = require('@langchain/core/messages');
  const { ChatGenerationChunk } = require('@langchain/core/outputs');
  // A model whose second piece comes only when `later` settles: a reader that breaks off after
  // the first has then been given only that, however far the runtime's streams read ahead
  // (LangChain's stream pulls a piece ahead of its reader, and how soon depends on the runtime:
  // without the wait, Node 24 had the second piece when the reader broke off, Node 20 not).
  class ChatEchoStream extends BaseChatModel {
    constructor(later = Promise.resolve()) {
      super({});
      this.later = later;
    }

    _llmType() {
      return 'echo';
    }

    async _generate() {
      throw new Error('streamed only');
    }

    async *_streamResponseChunks() {
      yield new ChatGenerationChunk({ text: 'po', message: new AIMessageChunk({ content: 'po' }) });
      await this.later;
      const message = new AIMessageChunk({ content: 'ng', response_metadata: { model_name: 'echo-1-2026', finish_reason: 'stop' }, usage_metadata: { input_tokens: 4, output_tokens: 2, total_tokens: 6 } });
      yield new ChatGenerationChunk({ text: message.content, message });
    }
  }
  const spool = freshSpool({ sendDefaultPii: true });
  let rootId;
  const ids = [];
  await llmtel.startSpan({ name: 'root' }, async (root) => {
    rootId = root.spanId;
    for await (const chunk of await new ChatEchoStream().stream('ping')) ids.push(chunk.id);
    const later = new Promise((resolve) => { setTimeout(resolve, 200); });
    for await (const chunk of await new ChatEchoStream(later).stream('ping again')) { // broken off
      ids.push(chunk.id);
      break;
    }
  });
  await llmtel.flush(5000);
  assert.deepEqual(ids, [undefined, undefined, undefined]); // no LangChain run names them
  const spans = fs.readFileSync(spool, 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((s) => s.parent_span_id === rootId);
  assert.equal(spans.length, 2);
  const [whole, broken] = spans.sort((x, y) => x.start_timestamp - y.start_timestamp).map((s) => s.attributes);
  assert.deepEqual(JSON.parse(whole['gen_ai.output.messages']), [{ role: 'assistant', parts: [{ type: 'text', content: 'pong' }], finish_reason: 'stop' }]);
  assert.deepEqual(whole['gen_ai.response.finish_reasons'], ['stop']);
  assert.deepEqual([whole['gen_ai.usage.input_tokens'], whole['gen_ai.usage.output_tokens']], [4, 2]);
  assert.equal(typeof whole['gen_ai.response.time_to_first_chunk'], 'number');
  assert.deepEqual(JSON.parse(whole['gen_ai.input.messages']), [{ role: 'user', parts: [{ type: 'text', content: 'ping' }] }]);
  assert.deepEqual(JSON.parse(broken['gen_ai.output.messages']), [{ role: 'assistant', parts: [{ type: 'text', content: 'po' }] }]);
});

test('recorded image inputs are the same with or without LangChain callbacks (URL kept, base64 never recorded)', async () => {
  // init()'s own path reads the model's messages; a handler passed by hand gets them as
  // LangChain formats them for tracing (URL and base64 blocks as OpenAI image blocks).
  class ChatEcho extends BaseChatModel {
    _llmType() {
      return 'echo';
    }

    async _generate() {
      return { generations: [{ text: 'a cat', message: new AIMessage('a cat') }] };
    }
  }
  const question = () => [new HumanMessage({
    content: [
      { type: 'text', text: 'What is in these?' },
      { type: 'image', source_type: 'url', url: 'https://example.com/cat.png' },
      { type: 'image', source_type: 'base64', mime_type: 'image/png', data: 'iVBORw0KGgo=' },
    ],
  })];
  const inputsOf = async (callbacks) => {
    const spool = freshSpool({ sendDefaultPii: true });
    let rootId;
    await llmtel.startSpan({ name: 'root' }, async (root) => {
      rootId = root.spanId;
      await new ChatEcho({}).invoke(question(), { callbacks });
    });
    await llmtel.flush(5000);
    const spans = fs.readFileSync(spool, 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((s) => s.parent_span_id === rootId);
    assert.equal(spans.length, 1);
    return JSON.parse(spans[0].attributes['gen_ai.input.messages']);
  };
  const own = await inputsOf(undefined);
  assert.deepEqual(own, [{
    role: 'user',
    parts: [
      { type: 'text', content: 'What is in these?' },
      { type: 'uri', modality: 'image', uri: 'https://example.com/cat.png' },
      { type: 'blob', modality: 'image', mime_type: 'image/png', content: own[0].parts[2].content },
    ],
  }]);
  assert.doesNotMatch(JSON.stringify(own), /iVBORw0KGgo/);
  assert.deepEqual(await inputsOf([new llmtel.LangChainCallbackHandler()]), own);
});

test('an ES module application started with --import llmtel/register gets the same agent spans', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'llmtel-lc-esm-'));
  const spool = path.join(dir, 'spans.jsonl');
  await fetch(`${provider.url}/__requests/react_agent_one_tool`, { method: 'DELETE' });
  const pkg = path.join(__dirname, '..');
  execFileSync(process.execPath, ['--import', path.join(pkg, 'lib', 'register.mjs'), path.join(pkg, 'testing', 'esm-langchain-runner.mjs'), provider.url, spool],
    { stdio: 'pipe', timeout: 120000, cwd: pkg });
  const port = new URL(provider.url).port;
  try {
    execFileSync('python3', [path.join(TESTS, 'framework_check.py'), 'react_agent_one_tool', '0', 'off', port, spool], { stdio: 'pipe' });
  } catch (error) {
    assert.fail(`the ES module agent differs:\n${error.stdout}`);
  }
});

test('an ES module application started without the register hook is told what to add, once', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'llmtel-lc-esm-'));
  const app = path.join(dir, 'app.mjs');
  fs.writeFileSync(app, `import llmtel from ${JSON.stringify(path.join(__dirname, '..', 'lib', 'index.js'))};
llmtel.init({ spool: ${JSON.stringify(path.join(dir, 'spans.jsonl'))}, dsn: '' });
llmtel.init({ spool: ${JSON.stringify(path.join(dir, 'spans.jsonl'))}, dsn: '' });
`);
  const { spawnSync } = require('node:child_process');
  const run = spawnSync(process.execPath, [app], { encoding: 'utf8', timeout: 60000 });
  assert.equal(run.status, 0, run.stderr);
  const lines = run.stderr.split('\n').filter((l) => l.includes('--import llmtel/register'));
  assert.equal(lines.length, 1, run.stderr);
});

test('without the LangChain integration only a handler passed by hand records', async () => {
  const spool = freshSpool({ defaultIntegrations: false, integrations: [llmtel.openAIIntegration()] });
  const base = `${provider.url}/chat_system_and_user`;
  const ids = {};
  await llmtel.startSpan({ name: 'root' }, async (root) => {
    ids.auto = root.spanId;
    await chatModel('openai', base).invoke(PROMPT());
  });
  await llmtel.startSpan({ name: 'root by hand' }, async (root) => {
    ids.byHand = root.spanId;
    await chatModel('openai', base).invoke(PROMPT(), { callbacks: [new llmtel.LangChainCallbackHandler()] });
  });
  await llmtel.flush(5000);
  const spans = fs.readFileSync(spool, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const origins = (parent) => spans.filter((s) => s.parent_span_id === parent).map((s) => s.origin);
  assert.deepEqual(origins(ids.auto), ['auto.ai.openai']);
  assert.deepEqual(origins(ids.byHand), ['auto.ai.langchain']);
});

test("init()'s handler sees no run of a createAgent run (its agent, model and tool spans come all the same)", async () => {
  const spool = freshSpool({});
  const proto = llmtel.LangChainCallbackHandler.prototype;
  const seen = [];
  const originals = {};
  for (const method of ['handleChainStart', 'handleChatModelStart', 'handleLLMStart', 'handleToolStart']) {
    originals[method] = proto[method];
    proto[method] = function () {
      seen.push(method);
      return originals[method].apply(this, arguments);
    };
  }
  let traceId;
  try {
    await fetch(`${provider.url}/__requests/react_agent_one_tool`, { method: 'DELETE' });
    const agent = createAgent({ model: agentModel(`${provider.url}/react_agent_one_tool`), tools: [getWeather], name: 'weather_agent' });
    await llmtel.startSpan({ name: 'root' }, async (root) => {
      traceId = root.traceId;
      await agent.invoke(QUESTION, CONFIG);
    });
  } finally {
    Object.assign(proto, originals);
  }
  // LangChain reports a handler on every run about ten chains here (nodes, sequences, lambdas),
  // and a handler on a tool run costs it about 100 µs: the graph's run starts its agent span
  // where LangGraph configures it, the model and tool calls theirs from the calls themselves.
  assert.deepEqual(seen, []);
  const names = (await spansOf(spool, traceId)).map((s) => s.name).sort();
  assert.deepEqual(names, ['chat gpt-4o', 'chat gpt-4o', 'execute_tool get_weather', 'invoke_agent weather_agent', 'root']);
});

for (const auto of [true, false]) {
  test(`an agent run with the handler passed by hand has one agent span (automatic instrumentation ${auto ? 'on' : 'off'})`, async () => {
    const spool = freshSpool(auto ? {} : { defaultIntegrations: false, integrations: [llmtel.openAIIntegration()] });
    await fetch(`${provider.url}/__requests/react_agent_one_tool`, { method: 'DELETE' });
    const agent = createAgent({ model: agentModel(`${provider.url}/react_agent_one_tool`), tools: [getWeather], name: 'weather_agent' });
    let traceId;
    await llmtel.startSpan({ name: 'root' }, async (root) => {
      traceId = root.traceId;
      await agent.invoke(QUESTION, { ...CONFIG, callbacks: [new llmtel.LangChainCallbackHandler()] });
    });
    const spans = await spansOf(spool, traceId);
    const agents = spans.filter((s) => s.name === 'invoke_agent weather_agent');
    assert.equal(agents.length, 1, spans.map((s) => s.name).join(', '));
    const children = spans.filter((s) => s.parent_span_id === agents[0].span_id).map((s) => s.name).sort();
    assert.deepEqual(children, ['chat gpt-4o', 'chat gpt-4o', 'execute_tool get_weather']);
  });
}

test("Sentry's suppressTracing: nothing inside it is traced (an agent run, a direct call, a span), what runs beside it is", async () => {
  const spool = freshSpool({});
  const base = `${provider.url}/react_agent_one_tool`;
  await fetch(`${provider.url}/__requests/react_agent_one_tool`, { method: 'DELETE' });
  const agent = createAgent({ model: agentModel(base), tools: [getWeather], name: 'weather_agent' });
  const client = new OpenAI({ baseURL: `${provider.url}/chat_system_and_user/v1`, apiKey: 'k', maxRetries: 0 });
  const ids = {};
  await llmtel.startSpan({ name: 'root' }, async (root) => {
    ids.root = root.spanId;
    const quiet = llmtel.suppressTracing(async () => {
      assert.equal(llmtel.getActiveSpan(), root, 'the active span is still the one outside');
      const inner = llmtel.startSpan({ name: 'not recorded' }, (span) => span);
      assert.equal(inner.isRecording(), false);
      await agent.invoke(QUESTION, CONFIG);
      await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] });
      return 'kept';
    });
    const beside = llmtel.startSpan({ name: 'beside' }, () => client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] }));
    assert.equal(await quiet, 'kept', "the callback's result is returned");
    await beside;
    // After it, in the same context: traced again (the loopback conversation starts over).
    await fetch(`${provider.url}/__requests/react_agent_one_tool`, { method: 'DELETE' });
    await agent.invoke(QUESTION, CONFIG);
  });
  await llmtel.flush(5000);
  const spans = fs.readFileSync(spool, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const names = spans.map((s) => s.name).sort();
  assert.deepEqual(names, ['beside', 'chat gpt-4o', 'chat gpt-4o', 'chat gpt-4o-mini', 'execute_tool get_weather', 'invoke_agent weather_agent', 'root']);
  assert.equal(spans.find((s) => s.name === 'invoke_agent weather_agent').parent_span_id, ids.root);
});

test('a model call a provider call takes over asks the model for nothing more than LangChain does untraced', async () => {
  // The span takes the parameters from the provider's request: the model's invocation
  // parameters (and getLsParams, which reads them again) are read only for a span LangChain ends.
  freshSpool({});
  const model = chatModel('openai', `${provider.url}/chat_system_and_user`);
  const counts = { params: 0, ls: 0 };
  const proto = Object.getPrototypeOf(model);
  const { _getInvocationParamsForTracing: params, getLsParams: ls } = proto;
  proto._getInvocationParamsForTracing = function () { counts.params++; return params.apply(this, arguments); };
  proto.getLsParams = function () { counts.ls++; return ls.apply(this, arguments); };
  const countOne = async (run) => {
    counts.params = 0;
    counts.ls = 0;
    await run(() => model.invoke(PROMPT()));
    return { ...counts };
  };
  try {
    const untraced = await countOne((fn) => llmtel.suppressTracing(fn));
    const traced = await countOne((fn) => llmtel.startSpan({ name: 'root' }, fn));
    assert.ok(untraced.params > 0, 'LangChain reads them itself');
    assert.deepEqual(traced, untraced);
  } finally {
    Object.assign(proto, { _getInvocationParamsForTracing: params, getLsParams: ls });
  }
});
