/**
 * llmtel for browsers and edge runtimes: the Node package's API (init, startSpan, the
 * instrumented provider clients, beforeSendSpan, sendDefaultPii, tracesSampleRate, the content
 * options) over the wasm build of the core, which does the mapping, privacy, cost and encoding.
 * This file keeps the current span and hands spans to the transport (./transport.mjs); the
 * entry points (../browser.mjs, ../edge.mjs) say how the wasm is loaded and where the current
 * span lives. The provider integrations are the Node package's own, platform-neutral files.
 */
import callbacks from '../callbacks.js';
import optionPairsModule from '../option_pairs.js';
import stainless from '../integrations/stainless.js';
import google from '../integrations/google.js';
import spanApi from '../span_api.js';
import { Transport } from './transport.mjs';

const { adaptHook, adaptSampler, checkOptions } = callbacks;
const { HostSpan, spanRunners, updateSpanName, headerValue } = spanApi;

/** The integrations these entry points have (their clients and the `ai` module are
 * instrumented by hand: nothing here hooks module loading). */
const INTEGRATIONS = ['openai', 'anthropic', 'google_genai', 'vercelai'];

export const openAIIntegration = (options = {}) => ({ name: 'openai', ...options });
export const anthropicAIIntegration = (options = {}) => ({ name: 'anthropic', ...options });
export const googleGenAIIntegration = (options = {}) => ({ name: 'google_genai', ...options });
export const vercelAIIntegration = (options = {}) => ({ name: 'vercelai', ...options });

/** A placement (`{ recordInputs, recordOutputs, origin }`) as the core's PlacementSpec JSON. */
const placementJson = (p = {}) => JSON.stringify({ record_inputs: Boolean(p.recordInputs), record_outputs: Boolean(p.recordOutputs), origin: p.origin });

/** A context store for where no async context exists (a page): the active span of the
 * synchronous call stack. What a callback runs after its first `await` has no active span
 * from here; pass `parentSpan` to place it. */
export function synchronousStore() {
  let current;
  return {
    getStore: () => current,
    run(value, fn) {
      const previous = current;
      current = value;
      try {
        return fn();
      } finally {
        current = previous;
      }
    },
  };
}

/**
 * The SDK for one runtime: `core` is the wasm build's JavaScript glue (the edge build's, or the
 * browser's without the framework entry points), `loadWasm()` returns its compiled wasm module
 * (called once, at the first init), `store` keeps the active span ({ getStore, run }, as
 * AsyncLocalStorage), `onInit(sdk)` hooks the runtime's lifecycle (a page's pagehide), and
 * `aisdk` is lib/integrations/aisdk.js where the build traces the Vercel AI SDK.
 */
export function createSdk({ core, loadWasm, store, onInit = () => {}, runtime, aisdk }) {
  const { initSync, WasmClient, WasmContext, optionTable, optionAdvice, nearestName, version: coreVersion } = core;
  const state = { client: null, wasm: null, transport: null, sendDefaultPii: false, debug: false, options: null };
  const ROOT = () => state.wasm.root;

  function loadCore() {
    if (state.wasm) return state.wasm;
    const started = performance.now();
    initSync({ module: loadWasm() });
    const { optionPairs } = optionPairsModule.makeOptionPairs(JSON.parse(optionTable()), (name) => JSON.parse(optionAdvice(name)), ['transportDelay', 'tunnel']);
    state.wasm = { root: WasmContext.root(), optionPairs, loadMs: performance.now() - started };
    return state.wasm;
  }

  /** The parent a span started now goes under: the active span's, else none. */
  function parentContext() {
    let active = store.getStore();
    if (active instanceof Suppressed) active = active.outer;
    return active === undefined ? ROOT() : active._context;
  }

  /** What suppressTracing leaves active, as in Node: nothing traced inside; the span active
   * outside (`outer`) is still the active span. */
  class Suppressed {
    constructor(outer) {
      this.outer = outer instanceof Suppressed ? outer.outer : outer;
    }
  }

  /** Whether spans start here: after init(), outside suppressTracing. */
  const tracing = () => Boolean(state.client) && !(store.getStore() instanceof Suppressed);

  /** Sentry's suppressTracing: runs `callback` with nothing traced by llmtel (as in Node). */
  const suppressTracing = (callback) => store.run(new Suppressed(store.getStore()), callback);

  /** A span of the wasm core (the shared behaviour is lib/span_api.js's HostSpan); what has no
   * attribute form is dropped. Its end lets the transport send within its delay. */
  class Span extends HostSpan {
    get _context() {
      if (this._ctx === undefined) this._ctx = this._native.context();
      return this._ctx;
    }

    _recordUsage({ input, output, cacheRead, reasoning }) {
      this._native.recordUsage(JSON.stringify({
        input_tokens: input, output_tokens: output, cache_read_input_tokens: cacheRead, reasoning_tokens: reasoning,
      }));
    }

    end() {
      super.end();
      state.transport?.schedule();
    }

    get traceId() { return this._context.traceId; }
    get spanId() { return this._context.spanId; }
  }

  /** A framework's span (an AI SDK tool's) as the active span inside it, as in Node: what runs
   * there nests under it; the framework integration ends it. */
  class RunSpan extends Span {
    constructor(run) {
      super(undefined);
      this._run = run;
    }

    get _context() { return this._run.context; }

    setAttribute() { return this; }

    recordUsage() { return this; }

    setStatus() { return this; }

    updateName() { return this; }

    isRecording() { return this._context.sampled; }

    end() {}
  }

  /** What a continued trace leaves active: calls and spans inside nest under the caller's span;
   * not a span of ours, so getActiveSpan() gives undefined there (as in Node). */
  class ContinuedTrace {
    constructor(context) {
      this._context = context;
    }
  }

  /** Continues the trace of an incoming request, as Node's continueTrace (`{ sentryTrace,
   * baggage }` or `{ traceparent, tracestate, baggage }`, e.g. `request.headers.get(…)`): what
   * `callback` starts joins the caller's trace, its sampling decision and its dynamic sampling
   * context. Headers that cannot be read start a new trace (said under `debug`). */
  function continueTrace({ sentryTrace, baggage, traceparent, tracestate } = {}, callback) {
    if (!state.client) return callback();
    let context;
    try {
      context = state.client.continueTrace(headerValue(sentryTrace), headerValue(baggage), headerValue(traceparent), headerValue(tracestate));
    } catch (error) {
      if (state.debug) console.warn(`llmtel: not continuing the incoming trace: ${error.message}`);
    }
    return store.run(context ? new ContinuedTrace(context) : undefined, callback);
  }

  /** The headers that continue the active trace in a request of yours (`fetch(url, { headers:
   * getTraceData() })`): `{ 'sentry-trace', baggage, traceparent }`; empty when nothing is
   * active or before init(). */
  function getTraceData() {
    const context = state.client && parentContext();
    return context && context !== ROOT() ? JSON.parse(state.client.traceData(context)) : {};
  }

  function init(options = {}) {
    checkOptions(options, INTEGRATIONS, (name, candidates) => nearestName(name, candidates) ?? null);
    const core = loadCore();
    const { pairs, ignored } = core.optionPairs(options);
    const warn = (message) => console.warn(message);
    const hook = typeof options.beforeSendSpan === 'function' ? adaptHook(options.beforeSendSpan, warn) : undefined;
    const sampler = typeof options.tracesSampler === 'function' ? adaptSampler(options.tracesSampler) : undefined;
    const client = new WasmClient(JSON.stringify(Object.fromEntries(pairs)), hook, sampler);
    if (ignored.length) warn(`llmtel: ignoring Sentry options llmtel does not use: ${ignored.join(', ')}`);
    // A new setup replaces the old one, which sends what it holds first (as Node's closes).
    state.transport?.send(true);
    state.transport?.close();
    state.client = client;
    state.options = options;
    state.debug = Boolean(options.debug);
    state.sendDefaultPii = Boolean(options.sendDefaultPii);
    state.transport = new Transport(client, {
      tunnel: options.tunnel, delayMs: options.transportDelay, debug: state.debug,
    });
    if (state.debug) console.log(`llmtel ${coreVersion()} (${runtime}): wasm core loaded in ${core.loadMs.toFixed(1)} ms; sending to ${Object.keys(JSON.parse(client.endpoints())).join(', ') || 'nowhere (set dsn, otlpEndpoint or spotlight)'}`);
    onInit(sdk);
  }

  function openSpan({ name, op, attributes, parentSpan, onlyIfParent } = {}) {
    if (!tracing()) return undefined;
    const parent = parentSpan === null ? ROOT() : parentSpan instanceof Span ? parentSpan._context : parentContext();
    if (onlyIfParent && parent === ROOT()) return undefined;
    const span = new Span(state.client.startSpan(String(name), op, parent));
    if (attributes) span.setAttributes(attributes);
    return span;
  }

  const { startSpan, startSpanManual, startInactiveSpan } = spanRunners(store, openSpan);

  function getActiveSpan() {
    let span = store.getStore();
    if (span instanceof Suppressed) span = span.outer;
    return span instanceof Span ? span : undefined;
  }

  /** Runs `callback` with `span` active (null: none), as Sentry's withActiveSpan: in a page,
   * how calls after an `await` find their span. */
  function withActiveSpan(span, callback) {
    return store.run(span instanceof Span ? span : undefined, callback);
  }

  /** Ends a call or a run, then lets the transport send within its delay. */
  function ending(operation) {
    try {
      operation();
    } finally {
      state.transport?.schedule();
    }
  }

  /** A provider call as the integrations make it (lib/integrations/calls.js). */
  class WebCall {
    constructor(native) {
      this._native = native;
    }

    get ended() { return this._native.ended; }

    feed(bytes) { this._native.feed(bytes); }

    chunk(event, data) { this._native.chunk(event ?? undefined, data); }

    finish(json) { ending(() => this._native.finish(json)); }

    /** As Node's: the wasm core has no flush thread to read the response on, so at once. */
    finishLater(json) { this.finish(json); }

    finishStream() { ending(() => this._native.finishStream()); }

    fail({ httpStatus, body, exception, message } = {}) {
      ending(() => this._native.fail(JSON.stringify({ http_status: httpStatus, body, exception, message })));
    }

    markChunk() { this._native.markChunk(); }

    finishAisdk(json) { ending(() => this._native.finishAisdk(json)); }
  }

  /** An agent or tool run as the integrations make it. */
  class WebRun {
    constructor(native) {
      this._native = native;
      this._ctx = undefined;
    }

    get context() {
      if (this._ctx === undefined) this._ctx = this._native.context();
      return this._ctx;
    }

    /** What a child started under this run takes as `parent` (Node's handles give a number). */
    get asParent() { return this.context; }

    get ended() { return this._native.ended; }

    setResult(result) { this._native.setResult(result); }

    end() { ending(() => this._native.end()); }

    endAisdkRun(json) { ending(() => this._native.endAisdkRun(json)); }

    fail(errorType, message) { ending(() => this._native.fail(errorType, message)); }
  }

  /** The client the integrations call (the Node package's native client has the same shape). */
  const integrationClient = {
    get contentCap() { return state.client.contentCap; },
    aisdkModel: (json, placement, parent) => new WebCall(state.client.aisdkModel(json, placementJson(placement), parent ?? ROOT())),
    aisdkRun: (json, placement, parent) => new WebRun(state.client.aisdkRun(json, placementJson(placement), parent ?? ROOT())),
    tool: (json, placement, parent) => new WebRun(state.client.tool(json, placementJson(placement), parent ?? ROOT())),
    call(provider, api, requestJson, parent, serverAddress, serverPort, recordInputs, recordOutputs, stream, conversationId) {
      const native = state.client.call(JSON.stringify({
        provider, api, request: requestJson, server_address: serverAddress, server_port: serverPort,
        record_inputs: recordInputs, record_outputs: recordOutputs, stream, conversation_id: conversationId,
      }), parent ?? ROOT());
      return new WebCall(native);
    },
  };

  /** What an instrumented client's call needs from the current context. */
  const callContext = (recordInputs, recordOutputs) => () => {
    if (!tracing()) return undefined;
    return {
      client: integrationClient,
      parent: parentContext(),
      recordInputs: recordInputs ?? state.sendDefaultPii,
      recordOutputs: recordOutputs ?? state.sendDefaultPii,
    };
  };

  /** The integration's content options, else the instrument call's, else sendDefaultPii. */
  const content = (name, options) => {
    const integration = (state.options?.integrations || []).find((i) => i && i.name === name) || {};
    return callContext(options.recordInputs ?? integration.recordInputs, options.recordOutputs ?? integration.recordOutputs);
  };

  function instrumentOpenAiClient(client, options = {}) {
    return stainless.instrumentOpenAi(client, content('openai', options));
  }

  function instrumentAnthropicAiClient(client, options = {}) {
    return stainless.instrumentAnthropic(client, content('anthropic', options));
  }

  function instrumentGoogleGenAIClient(client, options = {}) {
    return google.instrument(client, content('google_genai', options));
  }

  /** What the AI SDK integration (lib/integrations/aisdk.js) needs from here. */
  const aiSdkHost = {
    client: () => (tracing() ? integrationClient : null),
    enabled: () => true,
    parent: parentContext,
    scope: () => undefined,
    content: () => {
      const integration = (state.options?.integrations || []).find((i) => i && i.name === 'vercelai') || {};
      return [Boolean(integration.recordInputs ?? state.sendDefaultPii), Boolean(integration.recordOutputs ?? state.sendDefaultPii)];
    },
    withRun: (run, fn) => store.run(new RunSpan(run), fn),
  };

  /**
   * The `ai` module with its runs traced (generateText, streamText, generateObject,
   * streamObject, embed, embedMany): `const { generateText } = instrumentVercelAi(ai)` after
   * `import * as ai from 'ai'`. Content follows `vercelAIIntegration({ recordInputs,
   * recordOutputs })`, else sendDefaultPii.
   */
  function instrumentVercelAi(ai) {
    if (aisdk) return aisdk.patchModule(ai, aiSdkHost);
    if (!state.warnedAiSdk) {
      state.warnedAiSdk = true;
      console.warn(`llmtel (${runtime}): the Vercel AI SDK is traced in Node and on edge runtimes; this build leaves it out, so its calls are not traced here`);
    }
    return ai;
  }

  /** Resolves true once every span ended so far was sent (or the timeout passed: false). In an
   * edge handler, pass it to `ctx.waitUntil(flush())`. */
  function flush(timeoutMs = 2000) {
    return state.transport ? state.transport.flush(timeoutMs) : Promise.resolve(true);
  }

  async function close(timeoutMs = 2000) {
    const done = await flush(timeoutMs);
    state.transport?.close();
    state.client = null;
    return done;
  }

  /** Sentry's startNewTrace: what `callback` starts begins a trace of its own. */
  const startNewTrace = (callback) => withActiveSpan(null, callback);

  const isInitialized = () => Boolean(state.client);

  /** Counts: spans queued and dropped before export, and per Sentry answer. */
  function stats() {
    return state.client ? JSON.parse(state.client.stats()) : {};
  }

  const sdk = {
    init, startSpan, startSpanManual, startInactiveSpan, getActiveSpan, withActiveSpan, continueTrace, getTraceData,
    startNewTrace, suppressTracing, updateSpanName, isInitialized, flush, close, stats,
    instrumentOpenAiClient, instrumentAnthropicAiClient, instrumentGoogleGenAIClient, instrumentVercelAi,
    openAIIntegration, anthropicAIIntegration, googleGenAIIntegration, vercelAIIntegration,
    /** Sends everything now, with `keepalive` (a page going away). */
    _sendAll: (keepalive) => state.transport?.send(true, keepalive),
    /** The core's version (loads the wasm core). */
    get version() { loadCore(); return coreVersion(); },
  };
  return sdk;
}
