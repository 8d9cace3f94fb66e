'use strict';
/**
 * The Vercel AI SDK (ai 6 and 7) for Node: an agent span per run, a model-call span per
 * provider call, a tool span per tool execution. The core maps what the AI SDK passed and got
 * (`llmtel_core::genai::aisdk`), for every version of its model interface; this file only
 * captures it.
 *
 * Capture: the run functions the `ai` module exports (generateText, streamText, generateObject,
 * streamObject, embed, embedMany) are wrapped as the module loads (require-in-the-middle, or
 * import-in-the-middle under `--import llmtel/register`). Inside a run, the model is seen
 * through a proxy whose doGenerate / doStream / doEmbed start the model-call span with the
 * call options the AI SDK built (the provider's prompt, settings and tools) and end it with the
 * normalized result (or, for a stream, its parts gathered into the same shape), and each tool's
 * execute is wrapped to make its span. Spans nest through explicit parents; a tool runs with its
 * span as the active span, so what it calls (a provider SDK, startSpan) goes beneath it. The
 * AI SDK's own results, streams and errors reach the caller unchanged.
 */
const { json: toJson, warn, errorName } = require('./shared');

/** The run functions, and whether each makes an agent span (embeddings calls do not). */
const RUNS = {
  generateText: 'run', streamText: 'stream', generateObject: 'run', streamObject: 'stream', embed: 'plain', embedMany: 'plain',
};
const PATCHED = Symbol.for('llmtel.aisdk.patched');
const ORIGIN = 'auto.ai.vercel_ai';

/** Bytes (an image or file part's data) are never recorded: a short stand-in instead of
 * JSON.stringify's `{"0": …}` object of every byte. */
const withoutBytes = (_key, value) => (ArrayBuffer.isView(value) || value instanceof ArrayBuffer ? '[bytes]' : value);

/** JSON for the core; `content` (prompts, results) goes through the bytes filter. */
const json = (value, content = false) => toJson(value, content ? withoutBytes : undefined);

/** Runs `fn` and swallows what it throws: llmtel's trouble never reaches the user's call. */
function quietly(what, fn) {
  try {
    return fn();
  } catch (error) {
    warn(what, error);
    return undefined;
  }
}

/**
 * Wraps the run functions of one copy of the `ai` module. An ES module namespace (through
 * import-in-the-middle) takes the wrappers in place; a CommonJS build's exports are getters, so
 * a copy with the wrappers is returned for require() to hand out instead.
 */
function patchModule(exports, host) {
  if (!exports || exports[PATCHED]) return exports;
  const wrappers = {};
  for (const [name, kind] of Object.entries(RUNS)) {
    if (typeof exports[name] === 'function') wrappers[name] = wrapRun(exports[name], name, kind, host);
  }
  if (Object.keys(wrappers).length === 0) return exports;
  try {
    for (const [name, wrapper] of Object.entries(wrappers)) exports[name] = wrapper;
    if (Object.entries(wrappers).every(([name, wrapper]) => exports[name] === wrapper)) return exports;
  } catch {
    /* read-only exports: copy them below */
  }
  const copy = { ...exports, ...wrappers };
  Object.defineProperty(copy, '__esModule', { value: true });
  Object.defineProperty(copy, PATCHED, { value: true });
  return copy;
}

/** What one run records, and where its spans go. */
class RunState {
  constructor(host, run, parent, [recordInputs, recordOutputs]) {
    this.host = host;
    this.run = run;
    this.outer = parent;
    this.recordInputs = recordInputs;
    this.recordOutputs = recordOutputs;
    /** The model streams being read: how to end each one's span. */
    this.streams = new Set();
    this.cancelled = undefined;
    this.streamFailed = undefined;
    /** Whether the run's span was ended here (kept in JS: asking the binding is a crossing). */
    this.ended = false;
  }

  /** The parent of the run's model calls and tools: its agent span, else the caller's span. */
  parent() {
    return this.run ? this.run.asParent : this.outer;
  }

  placement() {
    return { recordInputs: this.recordInputs, recordOutputs: this.recordOutputs, origin: ORIGIN, scope: this.host.scope() };
  }

  endRun(result) {
    const run = this.run;
    if (!run || this.ended) return;
    this.ended = true;
    quietly('ending an AI SDK run', () => {
      const output = {};
      if (this.recordOutputs && result) {
        if ('object' in result) output.object = result.object;
        else output.text = result.text;
      }
      if (result && typeof result.finishReason === 'string') output.finishReason = result.finishReason;
      run.endAisdkRun(json(output));
    });
  }

  failRun(error) {
    const run = this.run;
    if (!run || this.ended) return;
    this.ended = true;
    quietly('failing an AI SDK run', () => run.fail(errorType(error), error && error.message));
  }
}

const errorType = (error) => errorName(error) || 'Error';

/** The options of a run the agent span reads: its name and, when inputs are recorded, its
 * instructions and prompt. */
function runOptions(options, recordInputs) {
  const telemetry = options.experimental_telemetry || options.telemetry;
  const out = {};
  if (telemetry && telemetry.functionId) out.experimental_telemetry = { functionId: telemetry.functionId };
  if (recordInputs) {
    for (const key of ['system', 'instructions', 'prompt', 'messages']) if (options[key] !== undefined) out[key] = options[key];
  }
  return out;
}

function wrapRun(original, name, kind, host) {
  const wrapped = function (options, ...rest) {
    const client = host.client();
    const telemetry = options && (options.experimental_telemetry || options.telemetry);
    // The AI SDK's per-call switch, as Sentry honours it.
    const off = telemetry && telemetry.isEnabled === false;
    if (!client || off || !host.enabled() || !options || typeof options !== 'object') return original.call(this, options, ...rest);
    const content = host.content();
    const outer = host.parent();
    const model = options.model;
    let run;
    if (kind !== 'plain') {
      const start = {
        operation: name,
        provider: model && typeof model === 'object' ? model.provider : undefined,
        model_id: model && typeof model === 'object' ? model.modelId : typeof model === 'string' ? model : undefined,
        options: runOptions(options, content[0]),
      };
      run = quietly('starting an AI SDK run', () => client.aisdkRun(json(start, content[0]), { recordInputs: content[0], recordOutputs: content[1], origin: ORIGIN, scope: host.scope() }, outer));
    }
    const state = new RunState(host, run, outer, content);
    const patched = { ...options, model: wrapModel(model, state) };
    if (options.tools && typeof options.tools === 'object') patched.tools = wrapTools(options.tools, state);
    if (kind === 'stream') return streamRun(original, this, patched, options, rest, state);
    let result;
    try {
      result = original.call(this, patched, ...rest);
    } catch (error) {
      state.failRun(error);
      throw error;
    }
    return Promise.resolve(result).then(
      (value) => { state.endRun(value); return value; },
      (error) => { state.failRun(error); throw error; },
    );
  };
  Object.defineProperty(wrapped, 'name', { value: name });
  return wrapped;
}

/**
 * streamText / streamObject return at once and run as the stream is read: the agent span ends
 * with the run (the AI SDK's onFinish / onEnd, onError, onAbort, chained to the application's
 * own), or when the consumer breaks off and the model's stream is cancelled.
 */
function streamRun(original, self, patched, options, rest, state) {
  const chain = (key, fn) => {
    const own = options[key];
    patched[key] = function (...args) {
      quietly('an AI SDK stream callback', () => fn(...args));
      if (typeof own === 'function') return own.apply(this, args);
      return undefined;
    };
  };
  // ai 7 calls onEnd, falling back to onFinish; ai 6 calls onFinish.
  chain(options.onEnd ? 'onEnd' : 'onFinish', (event) => state.endRun(event));
  chain('onAbort', () => state.failRun({ name: 'AbortError', message: 'the run was aborted' }));
  const failed = (event) => state.failRun(event && event.error !== undefined ? event.error : event);
  if (typeof options.onError === 'function') {
    chain('onError', failed);
  } else if (options.streamRetries === undefined) {
    // Without an onError of the application's, the AI SDK (6 and 7) logs the error with
    // console.error; ours does the same after failing the span. (With streamRetries, ai 7
    // retries through onError only when the application gave one: then none is added, and the
    // failed model stream fails the run instead.)
    patched.onError = (event) => {
      quietly('an AI SDK stream callback', () => failed(event));
      console.error(event && event.error !== undefined ? event.error : event);
    };
  } else {
    state.streamFailed = failed;
  }
  state.cancelled = () => {
    // The model streams the run was reading stop with it: their spans end with what came.
    for (const finish of state.streams) finish();
    state.endRun(undefined);
  };
  let result;
  try {
    result = original.call(self, patched, ...rest);
  } catch (error) {
    state.failRun(error);
    throw error;
  }
  quietly('watching an AI SDK stream', () => watchConsumers(result, state));
  return result;
}

/** The streams a run's result hands its reader (each access tees a new one). */
const CONSUMER_STREAMS = ['textStream', 'fullStream', 'partialObjectStream', 'elementStream', 'partialOutputStream', 'experimental_partialOutputStream'];

/**
 * A reader that breaks off a run's stream (leaves a for-await loop, cancels its reader) leaves
 * the run unfinished inside the AI SDK, which never calls onFinish then: the run's span ends
 * there. Each stream the result hands out gets its own iterator and reader wrapped, on that
 * instance (nothing per chunk); the AI SDK's stream objects are otherwise untouched.
 */
function watchConsumers(result, state) {
  if (!result || typeof result !== 'object') return;
  for (const key of CONSUMER_STREAMS) {
    let owner = result;
    let descriptor;
    while (owner && !(descriptor = Object.getOwnPropertyDescriptor(owner, key))) owner = Object.getPrototypeOf(owner);
    if (!descriptor || typeof descriptor.get !== 'function') continue;
    const get = descriptor.get;
    Object.defineProperty(result, key, {
      configurable: true,
      enumerable: descriptor.enumerable,
      get() {
        const stream = get.call(this);
        quietly('watching an AI SDK stream', () => watchStream(stream, () => state.cancelled()));
        return stream;
      },
    });
  }
}

function watchStream(stream, onBreak) {
  if (!stream || typeof stream.getReader !== 'function') return;
  const iterate = stream[Symbol.asyncIterator];
  if (typeof iterate === 'function') {
    stream[Symbol.asyncIterator] = function (...args) {
      const iterator = iterate.apply(this, args);
      const finish = iterator.return;
      if (typeof finish === 'function') {
        iterator.return = function (...values) {
          onBreak();
          return finish.apply(this, values);
        };
      }
      return iterator;
    };
  }
  const getReader = stream.getReader;
  stream.getReader = function (...args) {
    const reader = getReader.apply(this, args);
    const cancel = reader.cancel;
    reader.cancel = function (...reasons) {
      onBreak();
      return cancel.apply(this, reasons);
    };
    return reader;
  };
}

/**
 * The model as the run sees it: a proxy whose provider calls make spans. A model given by id (a
 * string the AI SDK resolves through its gateway) is left alone.
 */
function wrapModel(model, state) {
  if (!model || typeof model !== 'object') return model;
  const made = {};
  return new Proxy(model, {
    get(target, key) {
      const value = Reflect.get(target, key, target);
      if (typeof value !== 'function') return value;
      if (key === 'doGenerate' || key === 'doStream' || key === 'doEmbed') {
        made[key] ??= modelCall(target, value, key, state);
        return made[key];
      }
      return value.bind(target);
    },
  });
}

/** Where the provider sends calls, when the model's config tells (the AI SDK's providers keep
 * a `url({ path, modelId })` function or a `baseURL` there). */
function serverOf(model) {
  return quietly('reading a model URL', () => {
    const config = model.config;
    if (!config) return undefined;
    const base = typeof config.url === 'function' ? config.url({ path: '', modelId: model.modelId }) : config.baseURL;
    if (typeof base !== 'string') return undefined;
    const url = new URL(base);
    const port = url.port ? Number(url.port) : url.protocol === 'http:' ? 80 : 443;
    return [url.hostname, port];
  });
}

function modelCall(model, original, method, state) {
  const stream = method === 'doStream';
  const embedding = method === 'doEmbed';
  return async function (options, ...rest) {
    const client = state.host.client();
    const call = client && quietly('starting an AI SDK model call', () => {
      const [address, port] = serverOf(model) || [];
      const spec = {
        provider: model.provider,
        model_id: model.modelId,
        stream,
        server_address: address,
        server_port: port,
        options: callOptions(options, embedding, state.recordInputs),
      };
      if (embedding) spec.operation = 'embeddings';
      // A call that ends with its result is handed over once then, where the binding can.
      const start = !stream && typeof client.deferredAisdkModel === 'function' ? 'deferredAisdkModel' : 'aisdkModel';
      return client[start](json(spec, state.recordInputs), state.placement(), state.parent());
    });
    let result;
    try {
      result = await original.call(model, options, ...rest);
    } catch (error) {
      if (call) failModelCall(call, error, state);
      throw error;
    }
    if (!call) return result;
    if (stream && result && result.stream) return { ...result, stream: observe(result.stream, call, state) };
    quietly('finishing an AI SDK model call', () => call.finishAisdk(json(resultOf(result, state.recordOutputs), state.recordOutputs)));
    return result;
  };
}

/** The call options the core reads: settings, and the prompt and tools when inputs are recorded
 * (never the abort signal, headers or provider options). */
function callOptions(options, embedding, recordInputs) {
  if (!options) return {};
  if (embedding) return recordInputs ? { values: options.values } : {};
  const out = {};
  for (const key of ['maxOutputTokens', 'maxTokens', 'temperature', 'topP', 'topK', 'presencePenalty', 'frequencyPenalty', 'stopSequences', 'seed', 'responseFormat']) {
    if (options[key] !== undefined) out[key] = options[key];
  }
  if (out.responseFormat) out.responseFormat = { type: out.responseFormat.type };
  if (recordInputs) {
    out.prompt = options.prompt;
    out.tools = options.tools;
  }
  return out;
}

/** A model call's result as the core reads it: content only when outputs are recorded. */
function resultOf(result, recordOutputs) {
  if (!result) return {};
  const anthropic = result.providerMetadata && result.providerMetadata.anthropic;
  const vectors = result.embeddings;
  return {
    dimensions: Array.isArray(vectors) && vectors[0] ? vectors[0].length : undefined,
    content: recordOutputs ? result.content : undefined,
    finishReason: result.finishReason,
    usage: result.usage,
    providerMetadata: anthropic ? { anthropic: { cacheCreationInputTokens: anthropic.cacheCreationInputTokens } } : undefined,
    response: result.response ? { id: result.response.id, modelId: result.response.modelId } : undefined,
  };
}

/** A model call failed: its span fails, and a stream run with no onError to tell its end
 * fails with it. */
function failModelCall(call, error, state) {
  failCall(call, error);
  if (state.streamFailed) state.streamFailed(error);
}

function failCall(call, error) {
  quietly('failing an AI SDK model call', () => call.fail({
    httpStatus: typeof error?.statusCode === 'number' ? error.statusCode : undefined,
    body: typeof error?.responseBody === 'string' ? error.responseBody : undefined,
    exception: errorType(error),
    message: error?.message,
  }));
}

const FIRST_OUTPUT = new Set(['text-delta', 'reasoning-delta', 'tool-input-start', 'tool-call']);

/**
 * The model's stream as the AI SDK reads it: the same parts, observed on the way. The first
 * output part marks the time to first chunk; the text, reasoning and tool calls are gathered
 * (when outputs are recorded) with the finish part's usage and reason into doGenerate's result
 * shape, handed to the core when the stream ends, fails or is cancelled.
 */
function observe(source, call, state) {
  if (typeof source.getReader !== 'function' || typeof ReadableStream !== 'function') return source;
  const reader = source.getReader();
  const recordOutputs = state.recordOutputs;
  const gathered = { text: '', reasoning: '', toolCalls: [], finishReason: undefined, usage: undefined, providerMetadata: undefined, response: {} };
  let first = true;
  let done = false;
  const finish = () => {
    state.streams.delete(finish);
    if (done) return;
    done = true;
    const content = [];
    if (gathered.reasoning) content.push({ type: 'reasoning', text: gathered.reasoning });
    if (gathered.text) content.push({ type: 'text', text: gathered.text });
    content.push(...gathered.toolCalls);
    quietly('finishing an AI SDK stream', () => call.finishAisdk(json(resultOf({ ...gathered, content }, recordOutputs))));
  };
  const see = (part) => {
    const type = part && part.type;
    if (first && FIRST_OUTPUT.has(type)) {
      first = false;
      quietly('marking a first chunk', () => call.markChunk());
    }
    switch (type) {
      case 'text-delta':
        if (recordOutputs) gathered.text += part.delta ?? part.textDelta ?? '';
        break;
      case 'reasoning-delta':
        if (recordOutputs) gathered.reasoning += part.delta ?? '';
        break;
      case 'tool-call':
        if (recordOutputs) gathered.toolCalls.push({ type: 'tool-call', toolCallId: part.toolCallId, toolName: part.toolName, input: part.input ?? part.args });
        break;
      case 'response-metadata':
        if (part.id) gathered.response.id = part.id;
        if (part.modelId) gathered.response.modelId = part.modelId;
        break;
      case 'finish':
        gathered.finishReason = part.finishReason;
        gathered.usage = part.usage;
        gathered.providerMetadata = part.providerMetadata;
        break;
      case 'error':
        if (!done) {
          done = true;
          state.streams.delete(finish);
          failModelCall(call, part.error, state);
        }
        break;
      default:
    }
  };
  state.streams.add(finish);
  return new ReadableStream({
    async pull(controller) {
      let step;
      try {
        step = await reader.read();
      } catch (error) {
        if (!done) {
          done = true;
          state.streams.delete(finish);
          failModelCall(call, error, state);
        }
        controller.error(error);
        return;
      }
      if (step.done) {
        finish();
        controller.close();
        return;
      }
      see(step.value);
      controller.enqueue(step.value);
    },
    cancel(reason) {
      finish();
      if (state.cancelled) state.cancelled();
      return reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
}

/** The run's tools, each with an execute that makes its span. */
function wrapTools(tools, state) {
  const out = {};
  for (const [name, tool] of Object.entries(tools)) {
    out[name] = tool && typeof tool.execute === 'function' ? { ...tool, execute: wrapExecute(name, tool, state) } : tool;
  }
  return out;
}

function wrapExecute(name, tool, state) {
  const original = tool.execute;
  return function (input, options, ...rest) {
    const client = state.host.client();
    const run = client && quietly('starting an AI SDK tool', () => {
      const spec = { name };
      if (state.recordInputs) spec.arguments = input;
      if (options && options.toolCallId) spec.call_id = options.toolCallId;
      if (typeof tool.description === 'string') spec.description = tool.description;
      return client.tool(json(spec, state.recordInputs), state.placement(), state.parent());
    });
    if (!run) return original.call(this, input, options, ...rest);
    const fail = (error) => quietly('failing an AI SDK tool', () => run.fail(errorType(error), error && error.message));
    const end = (value) => quietly('ending an AI SDK tool', () => {
      if (state.recordOutputs) run.setResult(typeof value === 'string' ? value : json(value));
      run.end();
    });
    let result;
    try {
      result = state.host.withRun(run, () => original.call(this, input, options, ...rest));
    } catch (error) {
      fail(error);
      throw error;
    }
    if (result && typeof result.then === 'function') {
      return result.then((value) => { end(value); return value; }, (error) => { fail(error); throw error; });
    }
    if (result && typeof result[Symbol.asyncIterator] === 'function') return iterateTool(result, end, fail);
    end(result);
    return result;
  };
}

/** A tool that streams preliminary results: its span ends with the last one. */
async function* iterateTool(results, end, fail) {
  let last;
  try {
    for await (const value of results) {
      last = value;
      yield value;
    }
  } catch (error) {
    fail(error);
    throw error;
  }
  end(last);
}

module.exports = { patchModule };
