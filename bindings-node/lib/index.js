'use strict';
/**
 * llmtel for Node: `init()`, then spans for your own work with `startSpan`, nesting through
 * AsyncLocalStorage. The names follow Sentry's JavaScript SDK (init, startSpan, sendDefaultPii,
 * tracesSampleRate, beforeSendSpan, integrations) so moving over is a copy-paste. The Rust core
 * does the work; this file keeps the current span and turns options into the core's names.
 */
const { AsyncLocalStorage } = require('node:async_hooks');
const { createRequire } = require('node:module');
const path = require('node:path');
const native = require('./native');
const otel = require('./otel');
const scope = require('./scope');
const { optionPairs } = require('./options');
const { adaptHook, adaptSampler, checkOptions } = require('./callbacks');
const { HostSpan, spanRunners, updateSpanName, headerValue } = require('./span_api');

const current = new AsyncLocalStorage();
const conversation = new AsyncLocalStorage();
const state = { client: null, shutdownTimeoutMs: 2000, sendDefaultPii: false, exitHooked: false, integrations: {}, lastEventId: '' };

/**
 * Where a span started now goes: under the most recent of llmtel's active span and the
 * application's active OpenTelemetry span. An OpenTelemetry span started inside an llmtel span
 * is the more recent one; the one that was already active when the llmtel span started is not.
 */
function parentContext(theirs = otel.activeSpan(), ours = current.getStore()) {
  if (ours instanceof Suppressed) ours = ours.outer;
  if (theirs !== undefined && (ours === undefined || ours._otelAt !== theirs)) {
    const context = otel.contextOf(theirs);
    if (context !== undefined) return context;
  }
  return ours === undefined ? undefined : ours._parent;
}

/**
 * What suppressTracing leaves active: nothing is traced inside, and what is not a span (an
 * event's link, the headers of getTraceData) still reads the span active outside (`outer`).
 */
class Suppressed {
  constructor(outer) {
    this.outer = outer instanceof Suppressed ? outer.outer : outer;
  }
}

/** The client that traces in this async context (`ours`: the active span): none before init()
 * and inside suppressTracing. */
function tracingClient(ours = current.getStore()) {
  return ours instanceof Suppressed ? null : state.client;
}

/**
 * Sentry's suppressTracing: runs `callback` (and what it starts, to the end of its async
 * context) with nothing traced: no spans, no GenAI calls (provider, LangChain, AI SDK), from
 * llmtel. Returns what `callback` returns. Events (captureException) are still sent, linked to
 * the span active outside. Inside it, `withActiveSpan`, `startNewTrace` and `continueTrace`
 * set a context to trace in again.
 */
function suppressTracing(callback) {
  return current.run(new Suppressed(current.getStore()), callback);
}

/** The current scope's attributes for a span (its tags, the user), or undefined when it has
 * none (the common case: nothing to hand over). */
function scopeAttributes() {
  const active = scope.currentScope();
  return active.isEmpty() ? undefined : active.spanAttributes();
}

/** Integrations: which SDKs are traced automatically, and their content options (which default
 * to sendDefaultPii). Pass them as `init({ integrations: [openAIIntegration({ recordInputs: true })] })`. */
const openAIIntegration = (options = {}) => ({ name: 'openai', ...options });
const anthropicAIIntegration = (options = {}) => ({ name: 'anthropic', ...options });
const googleGenAIIntegration = (options = {}) => ({ name: 'google_genai', ...options });
/** LangChain's model, tool and agent runs; `langGraphIntegration` sets the options of LangGraph
 * agent spans apart. */
const langChainIntegration = (options = {}) => ({ name: 'langchain', ...options });
const langGraphIntegration = (options = {}) => ({ name: 'langgraph', ...options });
/** The Vercel AI SDK's runs, model calls and tools. `force` is accepted for Sentry's shape:
 * every copy of `ai` the application loads is traced either way. */
const vercelAIIntegration = (options = {}) => ({ name: 'vercelai', ...options });

/**
 * Starts llmtel. A bad option throws an Error naming it. Calling init again replaces the setup.
 */
/** The integrations llmtel has, by name. */
const INTEGRATIONS = ['openai', 'anthropic', 'google_genai', 'langchain', 'langgraph', 'vercelai'];

function init(options = {}) {
  checkOptions(options, INTEGRATIONS, native.nearestName);
  const { pairs, ignored } = optionPairs(options);
  const hook = typeof options.beforeSendSpan === 'function' ? adaptHook(options.beforeSendSpan, emitHookWarning) : undefined;
  const sampler = typeof options.tracesSampler === 'function' ? adaptSampler(options.tracesSampler) : undefined;
  const client = new native.NativeClient(pairs, hook, sampler);
  if (ignored.length) process.stderr.write(`llmtel: ignoring Sentry options llmtel does not use: ${ignored.join(', ')}\n`);
  const previous = state.client;
  state.client = client;
  state.debug = Boolean(options.debug);
  state.sendDefaultPii = Boolean(options.sendDefaultPii);
  state.shutdownTimeoutMs = typeof options.shutdownTimeout === 'number' ? options.shutdownTimeout : 2000;
  if (previous) previous.closeSync(state.shutdownTimeoutMs);
  const chosen = {};
  if (options.defaultIntegrations !== false) {
    const defaults = [openAIIntegration(), anthropicAIIntegration(), googleGenAIIntegration(), langChainIntegration(), langGraphIntegration(), vercelAIIntegration()];
    for (const integration of defaults) chosen[integration.name] = integration;
  }
  for (const integration of options.integrations || []) chosen[integration.name] = integration;
  state.integrations = chosen;
  if (state.debug) process.stderr.write(`llmtel: ${client.description}; integrations: ${Object.keys(chosen).join(', ') || 'none'}\n`);
  hookExit();
  require('./hooks').install(patchCopy);
  if (require.main === undefined && !state.registered && !state.warnedEsm) {
    // An ES module application: its imports of LangChain and the SDKs bypass require().
    state.warnedEsm = true;
    process.stderr.write('llmtel: this application is an ES module; start it with `node --import llmtel/register` so the ES module builds of LangChain, the AI SDK and the provider SDKs are traced\n');
  }
  // ESM modules are separate instances: patch those too (at once with `--import llmtel/register`).
  patchInstalled((modulePath) => import(modulePath)).catch(() => {});
}

/**
 * Patches one copy of a package the application loaded (CommonJS): `name` is the package,
 * `load` requires from that copy, `exports` is the module that was loaded (for @langchain/core,
 * one of its files: `file` says which).
 */
function patchCopy(name, load, exports, file) {
  if (name === '@langchain/core' || name === '@langchain/langgraph') {
    const stem = file.replace(/\.c?js$/, '');
    const part = stem.endsWith('callbacks/base') ? 'base'
      : stem.endsWith('callbacks/manager') ? 'manager'
        : stem.endsWith('language_models/chat_models') ? 'chatModels'
          : stem.endsWith('tools/index') ? 'tools'
            : stem.endsWith('pregel/index') ? 'pregel' : undefined;
    if (part) require('./integrations/langchain').patchCore({ [part]: exports }, langChainHost);
    return undefined;
  }
  if (name === 'ai') return require('./integrations/aisdk').patchModule(exports, aiSdkHost);
  const stainless = require('./integrations/stainless');
  if (name === 'openai') stainless.patchOpenAi(load, integrationContext('openai'));
  else if (name === '@anthropic-ai/sdk') stainless.patchAnthropic(load, integrationContext('anthropic'));
  else if (name === '@google/genai') require('./integrations/google').patchClass(exports && exports.GoogleGenAI, integrationContext('google_genai'));
  return undefined;
}

/** What the AI SDK integration needs from here. */
const aiSdkHost = {
  client: tracingClient,
  enabled: () => Boolean(state.integrations.vercelai),
  parent: parentContext,
  scope: scopeAttributes,
  content: () => {
    const integration = state.integrations.vercelai || {};
    return [
      Boolean(integration.recordInputs ?? state.sendDefaultPii),
      Boolean(integration.recordOutputs ?? state.sendDefaultPii),
    ];
  },
  /** Runs `fn` with a framework span (a tool's) as the active span. */
  withRun: (run, fn) => current.run(new RunSpan(run), fn),
};

/** What the LangChain handler needs from here. */
const langChainHost = {
  client: tracingClient,
  enabled: () => Boolean(state.integrations.langchain || state.integrations.langgraph),
  parent: parentContext,
  scope: scopeAttributes,
  content: (kind) => {
    const integration = state.integrations[kind] || state.integrations.langchain || {};
    return [
      Boolean(integration.recordInputs ?? state.sendDefaultPii),
      Boolean(integration.recordOutputs ?? state.sendDefaultPii),
    ];
  },
};

/** Patches the installed SDKs' resource classes, so every client is traced. */
function patchInstalled(load) {
  const stainless = require('./integrations/stainless');
  const google = require('./integrations/google');
  const patchGoogle = (module) => google.patchClass(module && module.GoogleGenAI, integrationContext('google_genai'));
  let googleModule;
  try {
    googleModule = load('@google/genai');
  } catch {
    googleModule = undefined; // not installed
  }
  return Promise.all([
    stainless.patchOpenAi(load, integrationContext('openai')),
    stainless.patchAnthropic(load, integrationContext('anthropic')),
    googleModule && typeof googleModule.then === 'function'
      ? googleModule.then(patchGoogle, () => {})
      : patchGoogle(googleModule),
  ]);
}

/**
 * The context of a call on an automatically traced client: the integration's options. A call
 * made inside a framework's model call (LangChain) is traced even when its own integration is
 * off: it takes that model call's span over (`frameworkCall`).
 */
function integrationContext(name) {
  const { frameworkSlot, takeFrameworkCall } = require('./integrations/langchain');
  return () => {
    const integration = state.integrations[name];
    const ours = current.getStore();
    if (!tracingClient(ours) || (!integration && !frameworkSlot.getStore())) return undefined;
    return {
      client: state.client,
      traced: Boolean(integration),
      frameworkCall: takeFrameworkCall,
      parent: parentContext(undefined, ours),
      holder: ours, // what the parent's number names, kept while a call needs it
      scope: scopeAttributes(),
      recordInputs: integration ? integration.recordInputs ?? state.sendDefaultPii : false,
      recordOutputs: integration ? integration.recordOutputs ?? state.sendDefaultPii : false,
      conversationId: conversation.getStore(),
    };
  };
}

const emitHookWarning = (message) => process.emitWarning(message, { code: 'LLMTEL_BEFORE_SEND_SPAN' });

/** Spans are flushed when the process ends by itself and on process.exit(), within the
 * shutdown timeout; the hooks never keep the event loop alive. */
function hookExit() {
  if (state.exitHooked) return;
  state.exitHooked = true;
  process.on('exit', () => {
    if (state.client) state.client.closeSync(state.shutdownTimeoutMs);
  });
}

/** A span of the native binding (the shared behaviour is lib/span_api.js's HostSpan). A value
 * with no attribute form is counted in stats().invalidAttributes (named on stderr under debug). */
class Span extends HostSpan {
  /** `otelAt`: the application's OpenTelemetry span active now, when the caller read it. */
  constructor(nativeSpan, otelAt = otel.activeSpan()) {
    super(nativeSpan);
    /** The application's OpenTelemetry span active when this one started (see parentContext). */
    this._otelAt = otelAt;
  }

  /** This span's NativeContext, made on first use (making one costs microseconds). */
  get _context() {
    if (this._ctx === undefined) this._ctx = this._native.context;
    return this._ctx;
  }

  /** Where children start, as the binding takes it: the handle's number (no context made). */
  get _parent() { return this._native.asParent; }

  _recordUsage({ input, output, cacheRead, reasoning }) {
    this._native.recordUsage({ inputTokens: input, outputTokens: output, cacheReadInputTokens: cacheRead, reasoningTokens: reasoning });
  }

  get traceId() { return this._native.traceId; }
  get spanId() { return this._native.spanId; }
}

/**
 * A framework's span (an AI SDK tool's) as the active span inside it: what runs there nests
 * under it, and attributes set on it land on it. The framework integration sets its status and
 * ends it.
 */
class RunSpan extends Span {
  recordUsage() { return this; }

  setStatus() { return this; }

  updateName() { return this; }

  isRecording() { return this._context.sampled; }

  end() {}

  get traceId() { return this._context.traceId; }
  get spanId() { return this._context.spanId; }
}

/** A new span for `options` (Sentry's: name, op, attributes, parentSpan, onlyIfParent), or
 * undefined when none is recorded (no init, or onlyIfParent without a parent). */
function openSpan({ name, op, attributes, parentSpan, onlyIfParent } = {}) {
  const client = tracingClient();
  if (!client) return undefined;
  // `parentSpan: null` starts a new trace; a span given is the parent; else the active one.
  const theirs = otel.activeSpan(); // read once: for the parent and for the span itself
  const parent = parentSpan === null ? undefined
    : parentSpan instanceof Span ? parentSpan._parent : parentContext(theirs);
  if (onlyIfParent && parent === undefined) return undefined;
  const span = new Span(client.startSpan(String(name), op, parent), theirs);
  const scoped = scopeAttributes();
  if (scoped) span.setAttributes(scoped);
  if (attributes) span.setAttributes(attributes);
  return span;
}

const { startSpan, startSpanManual, startInactiveSpan } = spanRunners(current, openSpan);

/**
 * The active span of a continued trace (see continueTrace): spans and calls nest under the
 * caller's span, but there is no span of ours to return from getActiveSpan.
 */
class ContinuedTrace {
  constructor(context) {
    this._parent = context;
    this._otelAt = otel.activeSpan();
  }
}

/**
 * Continues the trace of an incoming request (`{ sentryTrace, baggage }` as Sentry's SDK takes
 * them, or `{ traceparent, tracestate, baggage }`): spans and GenAI calls made in `callback`
 * join the caller's trace, with its sampling decision and its dynamic sampling context. Headers
 * that cannot be read start a new trace (said under `debug`); the callback always runs.
 */
function continueTrace({ sentryTrace, baggage, traceparent, tracestate } = {}, callback) {
  const client = state.client;
  if (!client) return callback();
  let context;
  try {
    context = client.continueTrace({
      sentryTrace: headerValue(sentryTrace), baggage: headerValue(baggage), traceparent: headerValue(traceparent), tracestate: headerValue(tracestate),
    });
  } catch (error) {
    if (state.debug) process.stderr.write(`llmtel: not continuing the incoming trace: ${error.message}\n`);
    context = null;
  }
  return context ? current.run(new ContinuedTrace(context), callback) : current.run(undefined, callback);
}

/**
 * The headers that continue the active trace in another service: `{ 'sentry-trace', baggage,
 * traceparent }`, from the active span (llmtel's or OpenTelemetry's) or the continued trace.
 * Empty when nothing is active or init() was not called.
 */
function getTraceData() {
  const client = state.client;
  const context = client && parentContext();
  if (context === undefined) return {};
  const data = client.traceData(context);
  if (!data) return {};
  return { 'sentry-trace': data.sentryTrace, baggage: data.baggage, traceparent: data.traceparent };
}

/** Sends `value` (an Error, or anything) as an error event linked to the active span, with
 * the current scope's tags, user and contexts; returns the event id ('' before init). Never
 * throws: an event llmtel cannot record is said under `debug`. */
function captureException(value) {
  return capture(scope.exceptionEvent(value, scope.currentScope()));
}

/** Sends `message` as an event (`level`: 'fatal', 'error', 'warning', 'info' (default) or
 * 'debug'), linked to the active span, with the current scope. */
function captureMessage(message, level) {
  return capture(scope.eventOf(scope.currentScope(), { message: String(message), level: typeof level === 'string' ? level : undefined }));
}

function capture(event) {
  const client = state.client;
  if (!client) return '';
  try {
    state.lastEventId = client.captureEvent(JSON.stringify(event), parentContext());
    return state.lastEventId;
  } catch (error) {
    if (state.debug) process.stderr.write(`llmtel: an event was not recorded: ${error.message}\n`);
    return '';
  }
}

/** The W3C `traceparent` of the active span, or '' when nothing is active. */
function getTraceparent() {
  return getTraceData().traceparent || '';
}

function getActiveSpan() {
  let span = current.getStore();
  if (span instanceof Suppressed) span = span.outer;
  return span instanceof Span ? span : undefined;
}

/** Runs `callback` with `span` active (null: none), as Sentry's withActiveSpan. */
function withActiveSpan(span, callback) {
  return current.run(span instanceof Span ? span : undefined, callback);
}

/** Sentry's startNewTrace: what `callback` starts begins a trace of its own. */
function startNewTrace(callback) {
  return withActiveSpan(null, callback);
}

/** Whether init() set llmtel up (Sentry's isInitialized). */
const isInitialized = () => Boolean(state.client);

/** The id of the last event captureException / captureMessage sent (Sentry's lastEventId). */
const lastEventId = () => state.lastEventId || undefined;

/** Tags GenAI calls made within `callback` with gen_ai.conversation.id. */
function withConversationId(id, callback) {
  return conversation.run(id, callback);
}

/** Tags GenAI calls made from here on, in this async context, with gen_ai.conversation.id. */
function setConversationId(id) {
  conversation.enterWith(id);
}

/** Resolves true once queued spans were attempted (waits off the main thread). */
function flush(timeoutMs = 2000) {
  return state.client ? state.client.flush(timeoutMs) : Promise.resolve(true);
}

function close(timeoutMs) {
  return state.client ? state.client.close(timeoutMs === undefined ? state.shutdownTimeoutMs : timeoutMs) : Promise.resolve(true);
}

function stats() {
  return state.client ? state.client.stats() : {};
}

/** What an instrumented client's call needs from the current context. */
function callContext(recordInputs, recordOutputs) {
  const { takeFrameworkCall } = require('./integrations/langchain'); // once, not per call
  return () => {
    const ours = current.getStore();
    if (!tracingClient(ours)) return undefined;
    return {
      client: state.client,
      frameworkCall: takeFrameworkCall,
      parent: parentContext(undefined, ours),
      holder: ours, // what the parent's number names, kept while a call needs it
      scope: scopeAttributes(),
      recordInputs: recordInputs ?? state.sendDefaultPii,
      recordOutputs: recordOutputs ?? state.sendDefaultPii,
      conversationId: conversation.getStore(),
    };
  };
}

/**
 * Traces one OpenAI (or AzureOpenAI) client's calls, in place; returns the same client.
 * `recordInputs` / `recordOutputs` default to `sendDefaultPii`.
 */
function instrumentOpenAiClient(client, { recordInputs, recordOutputs } = {}) {
  return require('./integrations/stainless').instrumentOpenAi(client, callContext(recordInputs, recordOutputs));
}

/** The same for an Anthropic client: messages.create (and so messages.stream), countTokens. */
function instrumentAnthropicAiClient(client, { recordInputs, recordOutputs } = {}) {
  return require('./integrations/stainless').instrumentAnthropic(client, callContext(recordInputs, recordOutputs));
}

/** The same for a GoogleGenAI client: models and chats (a chat call is one span). */
function instrumentGoogleGenAIClient(client, { recordInputs, recordOutputs } = {}) {
  return require('./integrations/google').instrument(client, callContext(recordInputs, recordOutputs));
}

/**
 * The `ai` module with its runs traced, for an `ai` that `init()` could not patch (a bundled
 * one, or ESM without `--import llmtel/register`): `const { generateText } =
 * instrumentVercelAi(await import('ai'))`. Content follows vercelAIIntegration, else
 * sendDefaultPii.
 */
function instrumentVercelAi(ai) {
  // Asked for by hand: traced whether or not the integration is among init()'s.
  return require('./integrations/aisdk').patchModule(ai, { ...aiSdkHost, enabled: () => Boolean(state.client) });
}

/**
 * `LangChainCallbackHandler`: pass `new LangChainCallbackHandler()` in a LangChain call's
 * `callbacks` to trace it by hand (`init()` adds it to every call already). Made from the
 * application's @langchain/core, so reading it loads that package.
 */
function langChainHandlerClass() {
  return require('./integrations/langchain').handlerClassFor(langChainHost, createRequire(path.join(process.cwd(), 'package.json')));
}

/**
 * Sentry's createLangChainCallbackHandler: a handler to pass in a LangChain call's `callbacks`,
 * recording prompts and outputs as `recordInputs` / `recordOutputs` say (else as
 * sendDefaultPii, read when a run starts), whichever integrations init() was given.
 */
function createLangChainCallbackHandler({ recordInputs, recordOutputs } = {}) {
  const Handler = langChainHandlerClass();
  return new Handler(undefined, () => [
    Boolean(recordInputs ?? state.sendDefaultPii), Boolean(recordOutputs ?? state.sendDefaultPii),
  ]);
}

/** `config` with `handler` among its callbacks (an array, a CallbackManager, or none). */
function withHandler(config, handler) {
  const callbacks = config && config.callbacks;
  if (callbacks === undefined || callbacks === null) return { ...config, callbacks: [handler] };
  if (Array.isArray(callbacks)) return callbacks.includes(handler) ? config : { ...config, callbacks: [...callbacks, handler] };
  if (typeof callbacks.copy === 'function' && typeof callbacks.addHandler === 'function') {
    const manager = callbacks.copy();
    manager.addHandler(handler, true);
    return { ...config, callbacks: manager };
  }
  return config;
}

/**
 * Sentry's instrumentLangGraph: traces a LangGraph graph's runs (invoke, stream, streamEvents,
 * batch) through a handler of its own with these content options (see
 * createLangChainCallbackHandler), where the module hooks do not reach it (an ES module
 * application started without `--import llmtel/register`). Given a StateGraph before
 * compile(), the graphs it compiles; given a compiled graph, that graph. Returns its argument.
 */
function instrumentLangGraph(graph, options = {}) {
  if (!graph || typeof graph !== 'object') return graph;
  if (typeof graph.invoke !== 'function' && typeof graph.compile === 'function') {
    const compile = graph.compile;
    graph.compile = function (...args) {
      return instrumentLangGraph(compile.apply(this, args), options);
    };
    return graph;
  }
  const handler = createLangChainCallbackHandler(options);
  Object.defineProperty(graph, require('./integrations/langchain').BY_HAND, { value: true });
  for (const name of ['invoke', 'stream', 'streamEvents', 'batch']) {
    const run = graph[name];
    if (typeof run !== 'function' || run.__llmtel) continue;
    const traced = function (input, config, ...rest) {
      const configs = name === 'batch' && Array.isArray(config)
        ? config.map((c) => withHandler(c, handler)) : withHandler(config, handler);
      return run.call(this, input, configs, ...rest);
    };
    Object.defineProperty(traced, '__llmtel', { value: true });
    graph[name] = traced;
  }
  return graph;
}

/** An OpenTelemetry span processor feeding llmtel's pipeline (see lib/otel.js). */
class LlmtelSpanProcessor extends otel.LlmtelSpanProcessor {
  constructor() {
    super(() => state.client);
  }
}

function setTag(key, value) {
  scope.currentScope().setTag(key, value);
}

function setTags(tags) {
  scope.currentScope().setTags(tags);
}

function setUser(user) {
  scope.currentScope().setUser(user);
}

function setContext(name, context) {
  scope.currentScope().setContext(name, context);
}

const { withScope, currentScope: getCurrentScope } = scope;

/** For lib/register.mjs: one ES module file of a package as it loads. */
function _patchModule(name, exports, file) {
  try {
    patchCopy(name, undefined, exports, String(file).split(path.sep).join('/'));
  } catch {
    /* a copy llmtel cannot patch costs only its spans */
  }
}

/** For lib/register.mjs: it ran. */
function _registered() {
  state.registered = true;
}

/** The native client, for integrations built on the facade (LangChain, the AI SDK). */
function _client() {
  return state.client;
}

const version = native.version();

// Identifiers only: Node's ES module loader finds the names of a CommonJS module's exports by
// reading this literal (cjs-module-lexer), and stops at the first value that is not a name.
module.exports = {
  init, startSpan, startSpanManual, startInactiveSpan, continueTrace, getTraceData, getTraceparent, LlmtelSpanProcessor,
  captureException, captureMessage, withScope, getCurrentScope, setTag, setTags, setUser, setContext,
  getActiveSpan, withActiveSpan, startNewTrace, suppressTracing, updateSpanName, isInitialized, lastEventId, withConversationId,
  setConversationId, flush, close, stats, Span, instrumentOpenAiClient, instrumentAnthropicAiClient,
  instrumentGoogleGenAIClient, instrumentVercelAi,
  openAIIntegration, anthropicAIIntegration, googleGenAIIntegration, langChainIntegration, langGraphIntegration, vercelAIIntegration,
  createLangChainCallbackHandler, instrumentLangGraph, _patchInstalled: patchInstalled, _patchModule, _registered, _client, version,
};
Object.defineProperty(module.exports, 'LangChainCallbackHandler', { enumerable: true, get: langChainHandlerClass });
