'use strict';
/**
 * LangChain and LangGraph for Node: agent, tool and model-call spans from LangChain's
 * callbacks, or from the model call itself. Either way the core decides what they mean
 * (`llmtel_core::genai::langchain`), so Node and Python give the same spans; this file keeps
 * only the run id -> span bookkeeping.
 *
 * Automatic, on the runs that make spans only: a LangGraph graph run (`Pregel._streamIterator`,
 * behind invoke and stream), a chat model call (`BaseChatModel.generate`, `_streamIterator`) and
 * a tool call (`StructuredTool.call`) each run in a scope of their own (AsyncLocalStorage), and
 * the first callback manager @langchain/core configures inside a scope (that run's own) gets the
 * handler, not inherited: the chains in between (sequences, graph nodes) run without it, as they
 * do without llmtel (a handler on every run costs LangChain JS itself about 3 ms per agent run;
 * `BENCH_NOOP=1 make bench-langchain-node` measures it). A chat model call (one prompt,
 * invoked or streamed) and a tool call take no handler at all: their spans start and end
 * around `_generateUncached` or `_streamIterator` (see startOwnModelCall) and `call` (see
 * startOwnTool), and a graph's where LangGraph configures its run; the handler goes on the
 * model runs LangChain starts itself (a batch of prompts, a cache). A run's children find
 * their parent span through the scopes. Manual: pass `new LangChainCallbackHandler()` in
 * `callbacks` (then LangChain reports every run to it, inherited as usual).
 *
 * One span per model call: the model run's span is put in its scope, and the provider
 * integration's call made inside it (ChatOpenAI -> openai) takes that span over instead of
 * starting its own. Scoped to that model call's async context, never global.
 */
const { AsyncLocalStorage } = require('node:async_hooks');
const { json, warn, errorName } = require('./shared');

/**
 * The LangChain run in progress in this async context: a model call, whose span a provider
 * call may take, or a tool, whose description the handler reads (LangChain JS reports a tool
 * to callbacks without it). One AsyncLocalStorage for both: on Node 20 every live instance
 * costs something on every promise.
 */
const frameworkSlot = new AsyncLocalStorage();

/** A LangChain run's scope: the model call a provider call may take over, the tool running
 * (its arguments, `toolArgs`, and its span, `toolRun`), the span the runs inside go under
 * (`inside`: a graph's agent span; a tool's, asked for only then), and the span this run goes
 * under when LangChain does not say (`parent`: the nearest enclosing one's). */
class FrameworkCall {
  constructor(tool, outer) {
    this.call = undefined;
    this.taken = false;
    this.ended = false; // the call ended without a provider call taking it
    this.tool = tool;
    this.toolArgs = undefined;
    this.toolRun = undefined;
    this.configured = false;
    this.inside = undefined;
    this.parent = outer ? outer.innerParent() : undefined;
  }

  /** Where the runs started inside this one go. */
  innerParent() {
    if (this.inside === undefined && this.toolRun && this.toolRun.handle) this.inside = this.toolRun.handle.asParent;
    return this.inside || this.parent;
  }
}

/** The slot's call for a provider call to take over, once; undefined when there is none. */
function takeFrameworkCall() {
  const slot = frameworkSlot.getStore();
  if (!slot || !slot.call || slot.taken || slot.ended) return undefined;
  slot.taken = true;
  return slot.call;
}

const HANDLER_NAME = 'llmtel';

/** The metadata keys the core reads (see `langchain::ModelStart` / `ChainStart`): only these
 * cross into it, not LangGraph's paths and checkpoints. */
const MODEL_KEYS = ['ls_provider', 'ls_model_name', 'ls_model_type', 'ls_temperature', 'ls_max_tokens', 'ls_stop', 'thread_id'];
const CHAIN_KEYS = ['ls_integration', 'langgraph_node', 'lc_agent_name', 'thread_id'];

function pick(metadata, keys) {
  const out = {};
  if (metadata) for (const key of keys) if (metadata[key] !== undefined) out[key] = metadata[key];
  return out;
}

/**
 * A model's invocation parameters as the core reads them: the ones set (ChatOpenAI gives some
 * twenty keys, most undefined), without the tool definitions unless inputs are recorded (they
 * are content). Copied key by key, not spread and deleted from: an object a key was deleted
 * from turns slow, and JSON.stringify took 5 to 10 µs on it where this takes well under one.
 */
function definedParams(params, recordInputs) {
  const out = {};
  if (params) {
    for (const key of Object.keys(params)) {
      const value = params[key];
      if (value !== undefined && (recordInputs || key !== 'tools')) out[key] = value;
    }
  }
  return out;
}

/**
 * Whether a chain can be an agent at all: a graph node's chain (LangGraph marks it with
 * `langgraph_node`) is not, unless it is a create_agent sub-agent bearing its own name. The
 * core decides (`langchain::agent`); this only keeps the many node chains of a graph run from
 * crossing into it.
 */
function mayBeAgent(metadata, name) {
  return !metadata || metadata.langgraph_node === undefined || (metadata.lc_agent_name !== undefined && metadata.lc_agent_name === name);
}

let handlerClass;
let sharedHandler;

/** Marks a graph traced by hand (instrumentLangGraph), which the automatic path leaves alone. */
const BY_HAND = Symbol('llmtel.instrumentLangGraph');

/**
 * The agent span of a chain run, if the core says the run is an agent: `{ handle,
 * recordOutputs }`, `handle` null otherwise. Its input is recorded when inputs are.
 */
function startAgent(host, { name, metadata, id, inputs, parent }) {
  const client = host.client();
  if (!client || !mayBeAgent(metadata, name)) return { handle: null, recordOutputs: false };
  const kind = metadata && metadata.ls_integration === 'langgraph' ? 'langgraph' : 'langchain';
  const [recordInputs, recordOutputs] = host.content(kind);
  const start = { name, metadata: pick(metadata, CHAIN_KEYS) };
  if (id) start.serialized = { id };
  const handle = client.langchainChain(json(start), { recordInputs, recordOutputs, scope: host.scope() }, parent);
  if (handle && recordInputs) handle.setLangchainInput(json(inputs));
  return { handle, recordOutputs };
}

/**
 * A model call's span, started from what LangChain hands a callback (or what
 * `startOwnModelCall` reads itself): the model's serialized id, its run metadata, its
 * invocation parameters, and the messages (or a function giving them) or prompts when inputs
 * are recorded. `details` (startOwnModelCall's), when given, reads the metadata and parameters
 * the model gives the call (`{ metadata, params }`) only when the span needs them: not when a
 * provider call takes the model call over, whose request carries them as sent (LangChain reads
 * them twice itself; a third and fourth time took some 15 µs a call in an agent run). The call
 * goes in the scope's slot (`slot`, else the current one), for the provider call inside it to
 * take over. `{ handle, context, recordOutputs, claim }`, or undefined when nothing is traced.
 */
function startModelCall(host, { id, metadata, params, details, messages, prompts, parent, slot = frameworkSlot.getStore() }) {
  const client = host.client();
  if (!client) return undefined;
  let call;
  let recordOutputs = false;
  try {
    const [recordInputs, outputs] = host.content('langchain');
    recordOutputs = outputs;
    const start = { invocation_params: definedParams(params, recordInputs), metadata: pick(metadata, MODEL_KEYS), serialized: { id } };
    if (recordInputs && messages) start.messages = typeof messages === 'function' ? messages() : messages;
    if (recordInputs && prompts) start.prompts = prompts;
    // The start as JSON, or (with `details`) a function giving it: `adopted`, for a call a
    // provider call took over (see DeferredCall).
    const startJson = !details ? json(start) : (adopted) => {
      if (!adopted) {
        try {
          const more = details();
          start.invocation_params = definedParams(more.params, recordInputs);
          start.metadata = pick(more.metadata, MODEL_KEYS);
        } catch {
          /* a model of an unusual shape: the span keeps what it has */
        }
      }
      return json(start);
    };
    call = client.langchainModel(startJson, { recordInputs, recordOutputs, scope: host.scope() }, parent);
  } catch (error) {
    warn('this LangChain model call is not traced', error);
    return undefined;
  }
  let claim;
  if (slot && !slot.call) {
    slot.call = call;
    claim = slot;
  }
  // The context read only for a child (which makes the call in the binding: see DeferredCall).
  return { handle: call, get context() { return call.asParent; }, recordOutputs, claim };
}

/**
 * Whether LangChain's side ends this model call: not when the provider call inside took it
 * (that call ends the span). From now on no provider call takes it (kept in JS, not read from
 * the binding).
 */
function endsHere(run) {
  if (!run || (run.claim && run.claim.taken)) return false;
  if (run.claim) run.claim.ended = true;
  return true;
}

/** Ends a model call's span with LangChain's result, unless the provider call inside took it. */
function endModelCall(run, output) {
  if (!endsHere(run)) return;
  try {
    run.handle.finishLangchain(json(output));
  } catch (error) {
    warn('the LangChain model result was not recorded', error);
  }
}

/** A chunk of a model call's stream that no provider integration reads (its time to first chunk). */
function markModelChunk(run) {
  if (!run || (run.claim && run.claim.taken)) return;
  try {
    run.handle.markChunk();
  } catch {
    /* ended meanwhile */
  }
}

/** Fails a model call's span with LangChain's error, unless the provider call inside took it. */
function failModelCall(run, error) {
  if (!endsHere(run)) return;
  try {
    run.handle.fail({
      httpStatus: typeof error?.status === 'number' ? error.status : undefined,
      exception: errorName(error), message: error?.message,
    });
  } catch (problem) {
    warn('the LangChain model error was not recorded', problem);
  }
}

/**
 * A tool run's span, from what LangChain hands handleToolStart (the tool's `serialized` form,
 * its input, run name and tool call id) and the tool object running (`tool`), or from the tool
 * call itself (startOwnTool): `{ handle, recordOutputs }`, `handle` null when not traced.
 */
function startTool(host, { tool, serialized, input, runName, toolCallId, parent }) {
  const client = host.client();
  if (!client) return { handle: null, recordOutputs: false };
  try {
    const [recordInputs, recordOutputs] = host.content('langchain');
    // The tool object's own name first: a run name may be its graph node's, which LangChain
    // hands down when no callback manager takes it (`tools`).
    const start = {
      name: tool?.name ?? serialized?.name ?? runName ?? null,
      serialized: { name: serialized ? serialized.name ?? null : tool?.name ?? null, description: serialized?.description ?? tool?.description ?? null },
      tool_call_id: toolCallId ?? null,
    };
    if (recordInputs) start.input = input;
    return { handle: client.langchainTool(json(start), { recordInputs, recordOutputs, scope: host.scope() }, parent), recordOutputs };
  } catch (error) {
    warn('this LangChain tool run is not traced', error);
    return { handle: null, recordOutputs: false };
  }
}

/** Ends a tool's or a chain's span (`end`: the handle's method) with its output, JSON only
 * when outputs are recorded. */
function endRunWith(run, end, output) {
  if (!run || !run.handle) return;
  try {
    run.handle[end](run.recordOutputs ? json(output) : 'null');
  } catch (error) {
    warn(`the LangChain run's end was not recorded (${end})`, error);
  }
}

/** Fails a tool's or a chain's span with the error it threw. */
function failRunWith(run, error) {
  if (!run || !run.handle) return;
  try {
    run.handle.fail(errorName(error) || 'Error', error?.message);
  } catch (problem) {
    warn("the LangChain run's error was not recorded", problem);
  }
}

/**
 * The handler class, made from the application's @langchain/core (its BaseCallbackHandler)
 * the first time LangChain is seen. `host` gives { client(), parent(), content(kind),
 * enabled() } (enabled: a LangChain or LangGraph integration is chosen, so init()'s handler
 * goes on every run; a handler passed by hand records either way).
 */
function makeHandlerClass(BaseCallbackHandler, host) {
  return class LangChainCallbackHandler extends BaseCallbackHandler {
    /** `content`: () => [recordInputs, recordOutputs] for this handler's spans (Sentry's
     * createLangChainCallbackHandler options), else the integrations' choice. */
    constructor(input, content) {
      super(input);
      this._host = content ? { ...host, content } : host;
      this.name = HANDLER_NAME;
      this.awaitHandlers = true; // inline: the span starts when the run does, in its context
      this.runs = new Map();
    }

    parentOf(parentRunId) {
      const run = parentRunId !== undefined ? this.runs.get(parentRunId) : undefined;
      if (run) return run.context;
      const scope = frameworkSlot.getStore();
      return (scope && scope.parent) || this._host.parent();
    }

    handleChainStart(chain, inputs, runId, parentRunId, tags, metadata, runType, runName) {
      const parent = this.parentOf(parentRunId);
      const scope = frameworkSlot.getStore();
      if (scope && scope.graph && scope.graph.started && !scope.graph.rootSeen) {
        // A handler passed by hand, told of a graph run whose agent span is started already.
        scope.graph.rootSeen = true;
        this.runs.set(runId, { handle: null, context: scope.inside || parent, recordOutputs: false });
        return;
      }
      let handle = null;
      let recordOutputs = false;
      try {
        ({ handle, recordOutputs } = startAgent(this._host, { name: runName ?? chain?.name ?? null, metadata, id: chain && chain.id, inputs, parent }));
      } catch (error) {
        warn('this LangChain chain is not traced', error);
      }
      if (handle) {
        const scope = frameworkSlot.getStore();
        if (scope && !scope.inside) scope.inside = handle.asParent; // what runs inside goes under it
      }
      this.runs.set(runId, { handle, context: handle ? handle.asParent : parent, recordOutputs });
    }

    handleChainEnd(outputs, runId) {
      this.endRun(runId, 'endLangchainAgent', outputs);
    }

    /** Ends a chain's or a tool's span with its output (JSON only when outputs are recorded). */
    endRun(runId, end, output) {
      const run = this.runs.get(runId);
      this.runs.delete(runId);
      endRunWith(run, end, output);
    }

    handleChainError(error, runId) {
      this.failRun(runId, error);
    }

    handleChatModelStart(llm, messages, runId, parentRunId, extraParams, tags, metadata) {
      this.startModel(runId, parentRunId, llm, metadata, extraParams, { messages: messages && messages[0] });
    }

    handleLLMStart(llm, prompts, runId, parentRunId, extraParams, tags, metadata) {
      this.startModel(runId, parentRunId, llm, metadata, extraParams, { prompts });
    }

    startModel(runId, parentRunId, llm, metadata, extraParams, { messages, prompts }) {
      const params = extraParams && extraParams.invocation_params;
      const run = startModelCall(this._host, { id: llm && llm.id, metadata, params, messages, prompts, parent: this.parentOf(parentRunId) });
      if (run) this.runs.set(runId, run);
    }

    handleLLMNewToken(token, idx, runId) {
      markModelChunk(this.runs.get(runId));
    }

    handleLLMEnd(output, runId) {
      const run = this.runs.get(runId);
      this.runs.delete(runId);
      endModelCall(run, output);
    }

    handleLLMError(error, runId) {
      const run = this.runs.get(runId);
      this.runs.delete(runId);
      failModelCall(run, error);
    }

    handleToolStart(tool, input, runId, parentRunId, tags, metadata, runName, toolCallId) {
      const parent = this.parentOf(parentRunId);
      const { handle, recordOutputs } = startTool(this._host, { tool: frameworkSlot.getStore()?.tool, serialized: tool, input, runName, toolCallId, parent });
      // The context asked for only by a child: the tool's run is made in the binding then.
      this.runs.set(runId, { handle, get context() { return handle ? handle.asParent : parent; }, recordOutputs });
    }

    handleToolEnd(output, runId) {
      this.endRun(runId, 'endLangchainTool', output);
    }

    handleToolError(error, runId) {
      this.failRun(runId, error);
    }

    failRun(runId, error) {
      const run = this.runs.get(runId);
      this.runs.delete(runId);
      failRunWith(run, error);
    }
  };
}

/** Runs `fn` inside a fresh scope. */
const inScope = (fn) => frameworkSlot.run(new FrameworkCall(undefined, frameworkSlot.getStore()), fn);

/**
 * An iterator whose every step runs inside `scope`; `around(name, step)` may wrap each step
 * (`step()` runs it). Once `plain.next` is set, `next` steps go to the iterator as they are
 * (no scope, no wrapper): a consumer such as `for await` keeps the `next` it read first.
 */
function iterateIn(scope, iterator, around = (_name, step) => step(), plain = { next: false }) {
  const step = (name) => (value) => around(name, () => frameworkSlot.run(scope, () => iterator[name](value)));
  const wrapped = step('next');
  return {
    next: (value) => (plain.next ? iterator.next(value) : wrapped(value)),
    return: step('return'),
    throw: step('throw'),
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

/** Whether LangChain's callbacks for a run include a LangChainCallbackHandler passed by hand
 * (`callbacks`: a list of handlers or a callback manager). */
function handledByHand(callbacks) {
  const handlers = Array.isArray(callbacks) ? callbacks : callbacks && callbacks.handlers;
  return Array.isArray(handlers) && handlers.some((h) => h && h.name === HANDLER_NAME);
}

/** The id LangChain's `toJSON()` gives a model: its namespace and class name. */
function serializedId(model) {
  const Class = model.constructor;
  const parent = Object.getPrototypeOf(Class);
  const own = typeof Class.lc_name === 'function' && (typeof parent.lc_name !== 'function' || Class.lc_name() !== parent.lc_name());
  return [...model.lc_namespace, own ? Class.lc_name() : Class.name];
}

/**
 * A chat model call's span started from the model itself, without a LangChain callback, when
 * nothing else asks LangChain for callbacks of ours on this run (the scope's first run, no
 * handler passed by hand). Handing LangChain a handler for a model run costs LangChain JS about
 * 80 µs per call and 7 µs per streamed chunk (the model serialized by `toJSON()`, a callback
 * manager, run ids, a callback per token), more than the span itself; and without one the
 * caller's result is what it is without llmtel (LangChain names a message the provider left
 * without an id after its run only when there is a run). `config` and `callOptions` are the
 * run's as LangChain separates them; `messages` the model's own messages (LangChain hands
 * callbacks URL and base64 blocks rewritten as OpenAI image blocks; the core maps both forms
 * alike). Undefined when the call goes through LangChain's callbacks instead (then the scope's
 * callback manager gets the handler, as for any run) or is not traced.
 */
function startOwnModelCall(host, model, scope, { config, callOptions, messages }) {
  if (!scope || scope.configured || !sharedHandler || !host.client() || !host.enabled() ||
      handledByHand(config && config.callbacks) || handledByHand(model.callbacks)) {
    return undefined;
  }
  let start;
  try {
    const metadata = { ...(config && config.metadata), ...model.metadata };
    const details = () => ({
      metadata: { ...(config && config.metadata), ...model.getLsParams(callOptions), ...model.metadata },
      params: typeof model._getInvocationParamsForTracing === 'function' ? model._getInvocationParamsForTracing(callOptions) : model.invocationParams(callOptions),
    });
    start = { id: serializedId(model), metadata, details, messages, parent: scope.parent || host.parent(), slot: scope };
  } catch {
    return undefined; // a model of an unusual shape: LangChain's callbacks say what it does
  }
  scope.configured = true; // a callback manager LangChain builds for this run gets no handler of ours
  return startModelCall(host, start);
}

/**
 * `BaseChatModel._generateUncached`, where a chat model call runs: its span starts and ends
 * here (startOwnModelCall). Through LangChain's callbacks instead: a batch of prompts, and a
 * cache (it starts the runs itself).
 */
function modelCall(host, generateUncached) {
  return function (messages, parsedOptions, handledOptions, startedRunManagers) {
    const scope = frameworkSlot.getStore();
    const run = startedRunManagers === undefined && Array.isArray(messages) && messages.length === 1
      ? startOwnModelCall(host, this, scope, { config: handledOptions, callOptions: parsedOptions, messages: messages[0] })
      : undefined;
    if (!run) return generateUncached.apply(this, arguments);
    let result;
    try {
      result = generateUncached.apply(this, arguments);
    } catch (error) {
      failModelCall(run, error);
      throw error;
    }
    return Promise.resolve(result).then(
      (output) => {
        endModelCall(run, { generations: output && output.generations ? output.generations.slice(0, 1) : [], llmOutput: output && output.llmOutput });
        return output;
      },
      (error) => {
        failModelCall(run, error);
        throw error;
      },
    );
  };
}

/**
 * `BaseChatModel._streamIterator` (behind stream), in a scope of its own: the call's span
 * starts at the first step (startOwnModelCall) and ends with the stream, or when it is broken
 * off; a stream no provider integration reads marks its chunks and ends with them gathered.
 * A model without streaming of its own is streamed through invoke (that call's span).
 * `ownChunks` is BaseChatModel's `_streamResponseChunks`, which such a model keeps.
 */
function modelStream(host, streamIterator, ownChunks) {
  return function (input, options) {
    const scope = new FrameworkCall(undefined, frameworkSlot.getStore());
    const iterator = frameworkSlot.run(scope, () => streamIterator.call(this, input, options));
    if (this._streamResponseChunks === ownChunks || this.disableStreaming) return iterateIn(scope, iterator);
    const model = this;
    let run;
    let started = false;
    const pieces = [];
    const end = () => {
      let message;
      try {
        message = pieces.length ? pieces.reduce((all, piece) => all.concat(piece)) : undefined;
      } catch {
        /* pieces that do not gather: the span ends without them */
      }
      endModelCall(run, { generations: [message ? [{ text: typeof message.content === 'string' ? message.content : undefined, message }] : []] });
      run = undefined;
    };
    // Once a provider call took the model call over, it reads and ends the call itself: the
    // steps after that need neither the scope (its call is taken) nor this wrapper.
    const plain = { next: false };
    return iterateIn(scope, iterator, async (name, step) => {
      if (!started) {
        started = true;
        try {
          const [config, callOptions] = model._separateRunnableConfigFromCallOptionsCompat(options);
          const messages = () => model.constructor._convertInputToPromptValue(input).toChatMessages();
          run = startOwnModelCall(host, model, scope, { config, callOptions, messages });
        } catch {
          /* LangChain's callbacks say what it does */
        }
      }
      // A reader that breaks off ends the call then, with what it was given: a piece the
      // stream was still reading ahead for (its return waits for it) is not the reader's.
      if (name === 'return' && run) end();
      let result;
      try {
        result = await step();
      } catch (error) {
        failModelCall(run, error);
        run = undefined;
        throw error;
      }
      if (!run) return result;
      if (result.done) end();
      else if (!run.claim || !run.claim.taken) {
        pieces.push(result.value);
        markModelChunk(run);
      } else {
        plain.next = true;
      }
      return result;
    }, plain);
  };
}

/**
 * `StructuredTool.call` (behind a tool's invoke), in a scope of its own that knows the tool and
 * its arguments: the tool's span starts where LangChain would report the run, once the input
 * passed the tool's schema (see startOwnTool), and ends with the call.
 */
function toolCall(call) {
  return function (arg, configArg) {
    const scope = new FrameworkCall(this, frameworkSlot.getStore());
    scope.toolArgs = [arg, configArg];
    const result = frameworkSlot.run(scope, () => call.apply(this, arguments));
    if (!result || typeof result.then !== 'function') return result;
    return result.then(
      (output) => {
        endRunWith(scope.toolRun, 'endLangchainTool', output);
        return output;
      },
      (error) => {
        failRunWith(scope.toolRun, error);
        throw error;
      },
    );
  };
}

/**
 * A tool run's span started from the tool call itself (LangChain configures the run's callbacks
 * right after the input passed the schema: `inheritable` and `local` are its callbacks), without
 * a LangChain callback, when no handler was passed by hand. A handler on a tool run costs
 * LangChain JS about 100 µs (the tool serialized by `toJSON()`, run ids, a callback manager);
 * what the handler is told is read here the way LangChain reads it in `call`. Whether it
 * started (else the run goes through LangChain's callbacks).
 */
function startOwnTool(host, scope, inheritable, local) {
  if (!sharedHandler || handledByHand(inheritable) || handledByHand(local)) return false;
  const [arg, configArg] = scope.toolArgs;
  // LangChain's parseCallbackConfigArg: handlers (a list, or a manager) or a run's config.
  const config = configArg && !Array.isArray(configArg) && !('name' in configArg) ? configArg : {};
  const isToolCall = Boolean(arg && typeof arg === 'object' && arg.type === 'tool_call');
  const input = isToolCall ? arg.args : arg;
  let toolCallId = isToolCall ? arg.id : undefined;
  if (!toolCallId && config.toolCall && typeof config.toolCall.id === 'string') toolCallId = config.toolCall.id;
  const callbackInput = input !== null && typeof input === 'object' && !Array.isArray(input) ? input : typeof arg === 'string' ? arg : json(arg);
  scope.toolRun = startTool(host, { tool: scope.tool, input: callbackInput, runName: config.runName, toolCallId, parent: scope.parent || host.parent() });
  return true;
}

/**
 * LangGraph's `Pregel._streamIterator` (behind invoke and stream), in a scope of its own: the
 * graph's agent span starts where LangGraph configures the run (see patchCore) and ends with
 * the iteration (its output the last state, for the `values` stream mode invoke uses); failed
 * when the graph throws.
 */
function graphIterator(method) {
  return function (input, options) {
    // A graph given to instrumentLangGraph: its own handler makes its spans, as its options say.
    if (this && this[BY_HAND]) return method.call(this, input, options);
    const scope = new FrameworkCall(undefined, frameworkSlot.getStore());
    const mode = options && options.streamMode;
    scope.graph = { graph: this, input, runName: options && options.runName, values: mode === undefined || mode === 'values' };
    const iterator = frameworkSlot.run(scope, () => method.call(this, input, options));
    let last;
    const finish = (error) => {
      const run = scope.agentRun;
      if (!run) return;
      scope.agentRun = undefined; // ends once (known here: asking the binding is a crossing)
      try {
        if (error) run.handle.fail(errorName(error) || 'Error', error?.message);
        else run.handle.endLangchainAgent(run.recordOutputs && last !== undefined ? json(last) : 'null');
      } catch (problem) {
        warn("the LangGraph agent's end was not recorded", problem);
      }
    };
    return iterateIn(scope, iterator, async (name, step) => {
      let result;
      try {
        result = await step();
      } catch (error) {
        finish(error);
        throw error;
      }
      if (result.done || name === 'return') finish();
      else if (scope.graph.values) last = result.value;
      return result;
    });
  };
}

/** Patches `proto[name]` once with `wrap(original)`. */
function patchOnce(proto, name, wrap) {
  if (!proto || typeof proto[name] !== 'function' || Object.prototype.hasOwnProperty.call(proto[name], '__llmtel')) return;
  const wrapped = wrap(proto[name]);
  Object.defineProperty(wrapped, '__llmtel', { value: true });
  proto[name] = wrapped;
}

/**
 * Patches one copy of @langchain/core (or @langchain/langgraph), one module at a time as it
 * loads: `base` is its callbacks/base module, `manager` callbacks/manager, `chatModels`
 * language_models/chat_models, `tools` tools/index, `pregel` LangGraph's pregel/index.
 */
function patchCore({ manager, chatModels, base, tools, pregel }, host) {
  if (base && base.BaseCallbackHandler && !handlerClass) {
    handlerClass = makeHandlerClass(base.BaseCallbackHandler, host);
    sharedHandler = new handlerClass();
  }
  patchOnce(tools && tools.StructuredTool && tools.StructuredTool.prototype, 'call', toolCall);
  const chatModel = chatModels && chatModels.BaseChatModel && chatModels.BaseChatModel.prototype;
  patchOnce(chatModel, 'generate', (generate) => function (...args) {
    return inScope(() => generate.apply(this, args));
  });
  patchOnce(chatModel, '_streamIterator', (original) => modelStream(host, original, chatModel._streamResponseChunks));
  patchOnce(chatModel, '_generateUncached', (original) => modelCall(host, original));
  patchOnce(pregel && pregel.Pregel && pregel.Pregel.prototype, '_streamIterator', graphIterator);
  const CallbackManager = manager && manager.CallbackManager;
  if (CallbackManager) {
    // The first run configured in a scope is the scope's own. A model's or a tool's gets the
    // handler as one of its local handlers: LangChain then reports that run to it, and not its
    // children. A graph's gets no handler (a manager on the root would be handed to every node
    // run): its agent span starts here, from the run's configuration.
    patchOnce(CallbackManager, '_configureSync', (configure) => function (inheritable, local, ...rest) {
      const scope = frameworkSlot.getStore();
      if (!sharedHandler || !scope || scope.configured || !host.client() || !host.enabled()) {
        return configure.call(this, inheritable, local, ...rest);
      }
      scope.configured = true;
      if (scope.toolArgs && startOwnTool(host, scope, inheritable, local)) {
        return configure.call(this, inheritable, local, ...rest);
      }
      if (scope.graph) {
        const [, , inheritableMetadata, localMetadata] = rest;
        const { graph, runName, input } = scope.graph;
        scope.graph.started = true;
        try {
          const name = runName ?? (typeof graph.getName === 'function' ? graph.getName() : graph.name) ?? null;
          const metadata = { ...inheritableMetadata, ...localMetadata };
          const run = startAgent(host, { name, metadata, inputs: input, parent: scope.parent || host.parent() });
          if (run.handle) {
            scope.agentRun = run;
            scope.inside = run.handle.asParent;
          }
        } catch (error) {
          warn('this LangGraph run is not traced', error);
        }
        return configure.call(this, inheritable, local, ...rest);
      }
      const configured = configure.call(this, inheritable, local, ...rest);
      // With no handler at all LangChain builds no manager (and drops the run's metadata):
      // then it is built with ours.
      if (!configured) return configure.call(this, inheritable, [sharedHandler], ...rest);
      try {
        // A handler passed by hand is already there (LangChain reports every run to it).
        if (!configured.handlers.some((h) => h && h.name === HANDLER_NAME)) configured.addHandler(sharedHandler, false);
      } catch {
        /* LangChain's own manager is used as it was */
      }
      return configured;
    });
  }
}

/** `LangChainCallbackHandler`, once @langchain/core has been seen (else it is loaded now). */
function handlerClassFor(host, load) {
  if (!handlerClass) {
    const base = load('@langchain/core/callbacks/base');
    patchCore({ base }, host);
  }
  return handlerClass;
}

module.exports = { frameworkSlot, takeFrameworkCall, patchCore, handlerClassFor, HANDLER_NAME, BY_HAND };
