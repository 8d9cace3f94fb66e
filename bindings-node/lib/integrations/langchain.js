'use strict';
/**
 * LangChain and LangGraph for Node: agent, tool and model-call spans from LangChain's
 * callbacks. The handler forwards each callback to the core, which decides what it means
 * (`llmtel_core::genai::langchain`), so Node and Python give the same spans; this file keeps
 * only the run id -> span bookkeeping.
 *
 * Automatic: every callback manager @langchain/core configures gets the handler (its
 * `CallbackManager._configureSync` is wrapped), so invoke, stream, batch, streamEvents and
 * LangGraph graphs all report. Manual: pass `new LangChainCallbackHandler()` in `callbacks`.
 *
 * One span per model call: `BaseChatModel.generate` and `_streamIterator` run inside a
 * framework slot (AsyncLocalStorage); the model run's span is put there, and the provider
 * integration's call made inside it (ChatOpenAI -> openai) takes that span over instead of
 * starting its own. The slot is scoped to that model call's async context, never global.
 */
const { AsyncLocalStorage } = require('node:async_hooks');

/**
 * The LangChain run in progress in this async context: a model call, whose span a provider
 * call may take, or a tool, whose description the handler reads (LangChain JS reports a tool
 * to callbacks without it). One AsyncLocalStorage for both: on Node 20 every live instance
 * costs something on every promise.
 */
const frameworkSlot = new AsyncLocalStorage();

class FrameworkCall {
  constructor(tool) {
    this.call = undefined;
    this.taken = false;
    this.tool = tool;
  }
}

/** The slot's call for a provider call to take over, once; undefined when there is none. */
function takeFrameworkCall() {
  const slot = frameworkSlot.getStore();
  if (!slot || !slot.call || slot.taken || slot.call.ended) return undefined;
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

/**
 * The handler class, made from the application's @langchain/core (its BaseCallbackHandler)
 * the first time LangChain is seen. `host` gives { client(), parent(), content(kind),
 * enabled() } (enabled: a LangChain or LangGraph integration is chosen, so init()'s handler
 * goes on every run; a handler passed by hand records either way).
 */
function makeHandlerClass(BaseCallbackHandler, host) {
  const json = (value) => {
    try {
      return JSON.stringify(value ?? null);
    } catch {
      return 'null'; // a cycle or a BigInt: the span keeps what it has
    }
  };
  const warn = (what, error) => {
    if (process.env.LLMTEL_DEBUG) process.stderr.write(`llmtel: ${what}: ${error}\n`);
  };

  return class LangChainCallbackHandler extends BaseCallbackHandler {
    constructor(input) {
      super(input);
      this.name = HANDLER_NAME;
      this.awaitHandlers = true; // inline: the span starts when the run does, in its context
      this.runs = new Map();
    }

    parentOf(parentRunId) {
      const run = parentRunId !== undefined ? this.runs.get(parentRunId) : undefined;
      return run ? run.context : host.parent();
    }

    handleChainStart(chain, inputs, runId, parentRunId, tags, metadata, runType, runName) {
      const parent = this.parentOf(parentRunId);
      const client = host.client();
      let handle = null;
      let recordOutputs = false;
      const name = runName ?? chain?.name ?? null;
      if (client && mayBeAgent(metadata, name)) {
        try {
          const kind = metadata && metadata.ls_integration === 'langgraph' ? 'langgraph' : 'langchain';
          const [recordInputs, outputs] = host.content(kind);
          recordOutputs = outputs;
          const start = { name, metadata: pick(metadata, CHAIN_KEYS) };
          if (chain && chain.id) start.serialized = { id: chain.id };
          handle = client.langchainChain(json(start), { recordInputs, recordOutputs }, parent);
          if (handle && recordInputs) handle.setLangchainInput(json(inputs));
        } catch (error) {
          warn('this LangChain chain is not traced', error);
        }
      }
      this.runs.set(runId, { handle, context: handle ? handle.context : parent, recordOutputs });
    }

    handleChainEnd(outputs, runId) {
      const run = this.runs.get(runId);
      this.runs.delete(runId);
      if (!run || !run.handle) return;
      try {
        run.handle.endLangchainAgent(run.recordOutputs ? json(outputs) : 'null');
      } catch (error) {
        warn("the LangChain agent's end was not recorded", error);
      }
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
      const client = host.client();
      if (!client) return;
      let call;
      let recordOutputs = false;
      try {
        const [recordInputs, outputs] = host.content('langchain');
        recordOutputs = outputs;
        const params = { ...(extraParams && extraParams.invocation_params) };
        if (!recordInputs) delete params.tools; // tool definitions are content
        const start = { invocation_params: params, metadata: pick(metadata, MODEL_KEYS), serialized: { id: llm && llm.id } };
        if (recordInputs && messages) start.messages = messages;
        if (recordInputs && prompts) start.prompts = prompts;
        call = client.langchainModel(json(start), { recordInputs, recordOutputs }, this.parentOf(parentRunId));
      } catch (error) {
        warn('this LangChain model call is not traced', error);
        return;
      }
      const slot = frameworkSlot.getStore();
      let claim;
      if (slot && !slot.call) {
        slot.call = call;
        claim = slot;
      }
      this.runs.set(runId, { handle: call, context: call.context, recordOutputs, claim });
    }

    handleLLMNewToken(token, idx, runId) {
      const run = this.runs.get(runId);
      if (run && (!run.claim || !run.claim.taken)) {
        try {
          run.handle.markChunk(); // a stream no provider integration reads
        } catch {
          /* ended meanwhile */
        }
      }
    }

    handleLLMEnd(output, runId) {
      const run = this.runs.get(runId);
      this.runs.delete(runId);
      if (!run || run.handle.ended) return; // the provider call inside it ended the span
      try {
        run.handle.finishLangchain(json(output));
      } catch (error) {
        warn('the LangChain model result was not recorded', error);
      }
    }

    handleLLMError(error, runId) {
      const run = this.runs.get(runId);
      this.runs.delete(runId);
      if (!run || run.handle.ended) return;
      try {
        run.handle.fail({
          httpStatus: typeof error?.status === 'number' ? error.status : undefined,
          exception: error?.name || error?.constructor?.name, message: error?.message,
        });
      } catch (problem) {
        warn('the LangChain model error was not recorded', problem);
      }
    }

    handleToolStart(tool, input, runId, parentRunId, tags, metadata, runName, toolCallId) {
      const parent = this.parentOf(parentRunId);
      const client = host.client();
      let handle = null;
      let recordOutputs = false;
      if (client) {
        try {
          const [recordInputs, outputs] = host.content('langchain');
          recordOutputs = outputs;
          const start = {
            name: runName ?? tool?.name ?? null,
            serialized: { name: tool?.name ?? null, description: tool?.description ?? frameworkSlot.getStore()?.tool?.description ?? null },
            tool_call_id: toolCallId ?? null,
          };
          if (recordInputs) start.input = input;
          handle = client.langchainTool(json(start), { recordInputs, recordOutputs }, parent);
        } catch (error) {
          warn('this LangChain tool run is not traced', error);
        }
      }
      this.runs.set(runId, { handle, context: handle ? handle.context : parent, recordOutputs });
    }

    handleToolEnd(output, runId) {
      const run = this.runs.get(runId);
      this.runs.delete(runId);
      if (!run || !run.handle) return;
      try {
        run.handle.endLangchainTool(run.recordOutputs ? json(output) : 'null');
      } catch (error) {
        warn('the LangChain tool result was not recorded', error);
      }
    }

    handleToolError(error, runId) {
      this.failRun(runId, error);
    }

    failRun(runId, error) {
      const run = this.runs.get(runId);
      this.runs.delete(runId);
      if (!run || !run.handle) return;
      try {
        run.handle.fail(error?.name || error?.constructor?.name || 'Error', error?.message);
      } catch (problem) {
        warn("the LangChain run's error was not recorded", problem);
      }
    }
  };
}

/** Runs `fn` inside a fresh framework slot. */
const inSlot = (fn) => frameworkSlot.run(new FrameworkCall(), fn);

/**
 * Patches one copy of @langchain/core, one module at a time as it loads: `base` is its
 * callbacks/base module, `manager` callbacks/manager, `chatModels` language_models/chat_models,
 * `tools` tools/index.
 */
function patchCore({ manager, chatModels, base, tools }, host) {
  const toolProto = tools && tools.StructuredTool && tools.StructuredTool.prototype;
  if (toolProto && !Object.prototype.hasOwnProperty.call(toolProto, '__llmtelPatched')) {
    const call = toolProto.call;
    toolProto.call = function (...args) {
      return frameworkSlot.run(new FrameworkCall(this), () => call.apply(this, args));
    };
    Object.defineProperty(toolProto, '__llmtelPatched', { value: true });
  }
  if (base && base.BaseCallbackHandler && !handlerClass) {
    handlerClass = makeHandlerClass(base.BaseCallbackHandler, host);
    sharedHandler = new handlerClass();
  }
  const CallbackManager = manager && manager.CallbackManager;
  if (CallbackManager && !Object.prototype.hasOwnProperty.call(CallbackManager, '__llmtelPatched')) {
    const configure = CallbackManager._configureSync;
    // The handler goes in with the inheritable handlers, so LangChain builds the manager with
    // it (with no handlers at all it builds none, and drops the run's metadata).
    CallbackManager._configureSync = function (inheritable, ...rest) {
      if (!sharedHandler || !host.client() || !host.enabled()) return configure.call(this, inheritable, ...rest);
      const has = (handlers) => handlers.some((h) => h && h.name === HANDLER_NAME);
      let handlers = inheritable;
      if (handlers === undefined || handlers === null) handlers = [sharedHandler];
      else if (Array.isArray(handlers) && !has(handlers)) handlers = [...handlers, sharedHandler];
      const configured = configure.call(this, handlers, ...rest);
      try {
        if (configured && !has(configured.handlers)) configured.addHandler(sharedHandler, true);
      } catch {
        /* LangChain's own manager is used as it was */
      }
      return configured;
    };
    Object.defineProperty(CallbackManager, '__llmtelPatched', { value: true });
  }
  const proto = chatModels && chatModels.BaseChatModel && chatModels.BaseChatModel.prototype;
  if (proto && !Object.prototype.hasOwnProperty.call(proto, '__llmtelPatched')) {
    const generate = proto.generate;
    proto.generate = function (...args) {
      return inSlot(() => generate.apply(this, args));
    };
    const streamIterator = proto._streamIterator;
    proto._streamIterator = function (...args) {
      const slot = new FrameworkCall();
      const iterator = frameworkSlot.run(slot, () => streamIterator.apply(this, args));
      const step = (method) => (value) => frameworkSlot.run(slot, () => iterator[method](value));
      return {
        next: step('next'),
        return: step('return'),
        throw: step('throw'),
        [Symbol.asyncIterator]() {
          return this;
        },
      };
    };
    Object.defineProperty(proto, '__llmtelPatched', { value: true });
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

module.exports = { frameworkSlot, takeFrameworkCall, patchCore, handlerClassFor, HANDLER_NAME };
