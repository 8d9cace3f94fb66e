'use strict';
/**
 * Loads the napi binding: the `llmtel.node` of a build from source (`make node-build`), else
 * the `@llmtel/<platform>` package npm installed for this machine (an optional dependency of the
 * published package, as napi-rs packages ship their binaries). When neither is there, the error
 * names the package this platform needs.
 */
const fs = require('node:fs');
const path = require('node:path');
const { PLATFORMS, platformName } = require('./platform');

function load() {
  const name = platformName();
  const local = path.join(__dirname, '..', 'llmtel.node');
  if (fs.existsSync(local)) return require(local); // built from source
  try {
    return require(`@llmtel/${name}`);
  } catch (error) {
    if (error && error.code !== 'MODULE_NOT_FOUND') throw error;
    const known = Object.prototype.hasOwnProperty.call(PLATFORMS, name);
    throw new Error(known
      ? `llmtel: the binary for this platform is not installed: @llmtel/${name}. It is an optional dependency of llmtel; ` +
        'install it (npm install, without --no-optional / --omit=optional), or build from source with `make node-build`.'
      : `llmtel: no binary is published for ${name} (there are ${Object.keys(PLATFORMS).join(', ')}); build from source with \`make node-build\`.`);
  }
}

const binding = load();

/** Frees a collected handle's slot in the binding, which ends its span if it was still open. */
const released = new FinalizationRegistry((id) => binding.release(id));

/** The attribute setters spans and runs share. */
const attributeMethods = {
  setString(key, value) { binding.setString(this.id, key, value); },
  setNumber(key, value) { binding.setNumber(this.id, key, value); },
  setBool(key, value) { binding.setBool(this.id, key, value); },
  setStringArray(key, value) { binding.setStringArray(this.id, key, value); },
  setNumberArray(key, value) { binding.setNumberArray(this.id, key, value); },
  /** A value with no attribute form: counted, not kept. */
  rejectAttribute(key, why) { binding.rejectAttribute(this.id, key, why); },
};

/**
 * A span, call or run as the binding names it: a number (src/handles.rs says why), its slot
 * released when this object is collected. Any handle's number can be a child's `parent`
 * (`asParent`, which the web build's handles answer with their context).
 */
class NativeHandle {
  constructor(id) {
    this.id = id;
    released.register(this, id);
  }

  /** What a child started under this handle takes as `parent`: its number. */
  get asParent() { return this.id; }
}

/** A user span, with the methods a napi class would have. */
class NativeSpan extends NativeHandle {
  get context() { return binding.spanContext(this.id); }
  get traceId() { return binding.spanTraceId(this.id); }
  get spanId() { return binding.spanSpanId(this.id); }
  get ended() { return binding.spanEnded(this.id); }
  /** False for an unsampled span and once it ended. */
  get recording() { return binding.spanRecording(this.id); }
  removeAttribute(key) { binding.spanRemoveAttribute(this.id, key); }
  setName(name) { binding.spanSetName(this.id, name); }
  setOp(op) { binding.spanSetOp(this.id, op); }
  setStatus(code, message) { binding.spanSetStatus(this.id, code, message); }
  recordUsage(usage) { binding.spanRecordUsage(this.id, usage); }
  /** Ends the span; a second end throws `already_ended`. */
  end() { binding.spanEnd(this.id); }
}

Object.assign(NativeSpan.prototype, attributeMethods);

/** A GenAI call, numbered by the binding as spans are. */
class NativeCall extends NativeHandle {
  /** Why the request could not be read, if it could not. */
  get problem() { return binding.callProblem(this.id); }
  get ended() { return binding.callEnded(this.id); }
  /** Null when the call is not sampled. */
  get context() { return binding.callContext(this.id); }
  chunk(event, data) { binding.callChunk(this.id, event, data); }
  feed(bytes) { binding.callFeed(this.id, bytes); }
  /** Bytes kept and handed over now, which arrived `agoMs` ago (time to first chunk). */
  feedArrived(bytes, agoMs) { binding.callFeedArrived(this.id, bytes, agoMs); }
  markChunk() { binding.callMarkChunk(this.id); }
  finish(responseJson) { binding.callFinish(this.id, responseJson); }
  finishLater(responseJson) { binding.callFinishLater(this.id, responseJson); }
  finishNormalized(responseJson) { binding.callFinishNormalized(this.id, responseJson); }
  finishStream() { binding.callFinishStream(this.id); }
  adopt(provider, api, requestJson, serverAddress, serverPort, stream, conversationId) {
    return binding.callAdopt(this.id, provider, api, requestJson, serverAddress, serverPort, stream, conversationId);
  }
  finishLangchain(resultJson) { binding.callFinishLangchain(this.id, resultJson); }
  finishAisdk(resultJson) { binding.callFinishAisdk(this.id, resultJson); }
  fail(error) { binding.callFail(this.id, error); }
}

/** What a second end of a call throws, as the binding's errors are. */
function alreadyEnded() {
  const error = new Error('the call was already ended');
  error.code = 'already_ended';
  return error;
}

/** The binding's own starters (not NativeClient's, which wrap the id). */
const starters = binding.NativeClient.prototype;

/** A stream's bytes a DeferredCall keeps before it makes its call in the binding (which
 * then reads them as they come): a stream is handed over whole when it ends below this. */
const KEPT_BYTES = 256 * 1024;

/** A stream that brought no byte. */
const EMPTY = new Uint8Array(0);

/** The bytes a DeferredCall kept, as one piece. */
const keptBody = (state) => (state.pieces.length === 1 ? state.pieces[0] : Buffer.concat(state.pieces));

/** A LangChain model run's starter arguments (`[start, placement, parent]`) as the binding takes
 * them: the start as JSON, which langchain.js's startModelCall may give as a function of whether
 * a provider call took the run over (`adopted`). */
function langchainArgs(state, adopted) {
  const [start, placement, parent] = state.args;
  return [typeof start === 'function' ? start(adopted) : start, placement, parent];
}

/** A DeferredCall's call made in the binding now, as started when it was: its id, a slot to
 * release. A LangChain model run a provider call took over is taken over again, and the bytes
 * of a stream kept so far are handed over, with when the first arrived. */
function startLate(state) {
  const ago = performance.now() - state.started;
  let id;
  if (state.kind === 'langchain') {
    id = starters.langchainModel.call(state.client, ...langchainArgs(state, false), ago);
    if (state.adopted) {
      try {
        binding.callAdopt(id, ...state.adopted);
      } catch {
        /* the span keeps the framework's request, as callAdopt's callers do */
      }
    }
  } else {
    id = starters[state.kind === 'aisdk' ? 'aisdkModel' : 'call'].call(state.client, ...state.args, ago);
  }
  if (state.pieces.length) {
    try {
      binding.callFeedArrived(id, keptBody(state), performance.now() - state.firstChunk);
    } catch {
      /* an event the core cannot read: the SDK raises on it too, which fails the call */
    }
    state.pieces = [];
  }
  return id;
}

/** A DeferredCall collected unended (asResponse(): the body is the caller's) ends as a
 * NativeCall does: started as it was, ended now. */
const deferred = new FinalizationRegistry((state) => {
  if (state.done) return;
  state.done = true;
  binding.release(startLate(state));
});

/**
 * A GenAI call that usually ends with its response, handed to the binding once then: its
 * starter's arguments are kept and its start timed here, and one crossing makes and ends the
 * span, with no handle (`callFinished` for a provider call, `aisdkModelFinished` for an AI SDK
 * model call, `langchainModelFinished` for a LangChain model run a provider call took over;
 * the core reads what they carry after the call, see `Client::call_done`). A stream's bytes
 * are kept as they come (`feed`, with when the first came) and handed over with its end, up
 * to KEPT_BYTES. A NativeCall costs a crossing to start, one to end and one per read of a
 * stream, and a slot; nothing asks such a call anything before it ends, and it is rarely a
 * parent. Any other use (a failure, parsed chunks, a child) makes the real call then, started
 * when this one was.
 *
 * `kind` is 'provider', 'aisdk' or 'langchain'; `holder` (optional) is kept alive with the call:
 * the object whose slot `parent` numbers, so that the number names the same span when the call
 * is made.
 */
class DeferredCall {
  constructor(client, kind, args, holder) {
    this._state = {
      client, kind, args, holder, started: performance.now(), done: false, adopted: undefined, pieces: [], kept: 0, firstChunk: undefined,
    };
    this._real = undefined;
    deferred.register(this, this._state);
  }

  get ended() { return this._real === undefined ? this._state.done : this._real.ended; }

  /** The call made in the binding now, as started when this one was. */
  real() {
    if (this._real === undefined) {
      if (this._state.done) throw alreadyEnded();
      this._state.done = true;
      this._real = new NativeCall(startLate(this._state));
    }
    return this._real;
  }

  /** Takes the framework call over (NativeCall.adopt), kept for the one crossing. */
  adopt(...args) {
    if (this._real !== undefined) return this._real.adopt(...args);
    if (this._state.done) throw alreadyEnded();
    this._state.adopted = args;
    return null;
  }

  /** Whether its end is handed over in one crossing: a provider call, or a LangChain model run
   * a provider call took over, not made in the binding yet. */
  handsOver() {
    const { kind, adopted } = this._state;
    return this._real === undefined && (kind === 'provider' || (kind === 'langchain' && adopted !== undefined));
  }

  /** The one crossing: the call made and ended with `end` (the response's text or a stream's
   * bytes, the first of which came `firstChunkAfter` ms after the start). */
  handOver(end, firstChunkAfter) {
    const state = this._state;
    if (state.done) throw alreadyEnded();
    state.done = true;
    const ago = performance.now() - state.started;
    if (state.kind === 'provider') state.client.callFinished(...state.args, ago, end, firstChunkAfter);
    else state.client.langchainModelFinished(...langchainArgs(state, true), ago, ...state.adopted, end, firstChunkAfter);
  }

  finishLater(responseJson) {
    if (!this.handsOver()) return this.real().finishLater(responseJson);
    return this.handOver(responseJson, undefined);
  }

  finishAisdk(resultJson) {
    const state = this._state;
    if (this._real !== undefined || state.kind !== 'aisdk') return this.real().finishAisdk(resultJson);
    if (state.done) throw alreadyEnded();
    state.done = true;
    state.client.aisdkModelFinished(...state.args, performance.now() - state.started, resultJson);
  }

  /** A stream's bytes as they came off the wire: kept, up to KEPT_BYTES. */
  feed(bytes) {
    const state = this._state;
    if (this._real !== undefined) return this._real.feed(bytes);
    if (state.done) throw alreadyEnded();
    if (state.firstChunk === undefined) state.firstChunk = performance.now();
    state.pieces.push(bytes);
    state.kept += bytes.length;
    if (state.kept > KEPT_BYTES) this.real(); // hands the kept bytes over; the rest as they come
    return undefined;
  }

  /** The stream ended (read to the end, broken off, collected): its bytes handed over. */
  finishStream() {
    if (!this.handsOver()) return this.real().finishStream();
    const state = this._state;
    const first = state.firstChunk === undefined ? undefined : state.firstChunk - state.started;
    const body = state.pieces.length ? keptBody(state) : EMPTY;
    state.pieces = [];
    return this.handOver(body, first);
  }

  get problem() { return this.real().problem; }
  get context() { return this.real().context; }
  get asParent() { return this.real().asParent; }
  fail(error) { this.real().fail(error); }
  finish(responseJson) { this.real().finish(responseJson); }
  finishLangchain(resultJson) { this.real().finishLangchain(resultJson); }
  chunk(event, data) { this.real().chunk(event, data); }
  markChunk() { this.real().markChunk(); }
}

/** An agent, workflow or tool run, numbered by the binding as spans are. */
class NativeRun extends NativeHandle {
  get context() { return binding.runContext(this.id); }
  get ended() { return binding.runEnded(this.id); }
  setOutput(messagesJson) { binding.runSetOutput(this.id, messagesJson); }
  setResult(resultJson) { binding.runSetResult(this.id, resultJson); }
  end() { binding.runEnd(this.id); }
  setLangchainInput(inputsJson) { binding.runSetLangchainInput(this.id, inputsJson); }
  endLangchainAgent(outputsJson) { binding.runEndLangchainAgent(this.id, outputsJson); }
  endLangchainTool(outputJson) { binding.runEndLangchainTool(this.id, outputJson); }
  endAisdkRun(outputJson) { binding.runEndAisdkRun(this.id, outputJson); }
  fail(errorType, message) { binding.runFail(this.id, errorType, message); }
}

Object.assign(NativeRun.prototype, attributeMethods);

/** A DeferredRun's state collected unended: its run made now (then released: ended), as a
 * NativeRun collected unended is released. */
const deferredRuns = new FinalizationRegistry((state) => {
  if (state.made) return;
  binding.release(makeRun(state));
});

/** A DeferredRun's run made in the binding now, started when the DeferredRun was. */
function makeRun(state) {
  state.made = true;
  return starters.langchainTool.call(state.client, ...state.args, performance.now() - state.started);
}

/**
 * A LangChain tool run made in the binding when it ends: its start is timed here and the run
 * made then, as started when this one was, its end right after (two crossings back to back:
 * a tool run in the middle of a framework's work paid for a cold crossing at either end). A
 * child asking for it as a parent (a model called inside the tool) makes it at once.
 */
class DeferredRun {
  constructor(client, args) {
    this._state = { client, args, started: performance.now(), made: false };
    this._real = undefined;
    deferredRuns.register(this, this._state);
  }

  /** The run made in the binding now (once). */
  real() {
    if (this._real === undefined) this._real = new NativeRun(makeRun(this._state));
    return this._real;
  }

  get asParent() { return this.real().asParent; }
  get context() { return this.real().context; }
  endLangchainTool(outputJson) { this.real().endLangchainTool(outputJson); }
  fail(errorType, message) { this.real().fail(errorType, message); }
}

/** The binding's client, whose starters give a NativeSpan, NativeCalls and NativeRuns. */
class NativeClient extends binding.NativeClient {
  startSpan(name, op, parent, origin, kind) {
    return new NativeSpan(super.startSpan(name, op, parent, origin, kind));
  }

  call(provider, api, requestJson, parent, serverAddress, serverPort, recordInputs, recordOutputs, stream, conversationId, origin, scope) {
    return new NativeCall(super.call(provider, api, requestJson, parent, serverAddress, serverPort, recordInputs, recordOutputs, stream, conversationId, origin, scope));
  }

  /** `call`'s arguments, for a call handed over when it ends (see DeferredCall); `holder` the
   * object whose slot `parent` numbers, if any. */
  deferredCall(provider, api, requestJson, parent, serverAddress, serverPort, recordInputs, recordOutputs, stream, conversationId, origin, scope, holder) {
    return new DeferredCall(this, 'provider', [provider, api, requestJson, parent, serverAddress, serverPort, recordInputs, recordOutputs, stream, conversationId, origin, scope], holder);
  }

  normalizedCall(requestJson, placement, parent) {
    return new NativeCall(super.normalizedCall(requestJson, placement, parent));
  }

  /** A LangChain model run's call, made in the binding when it ends (see DeferredCall). */
  langchainModel(startJson, placement, parent, holder) {
    return new DeferredCall(this, 'langchain', [startJson, placement, parent], holder);
  }

  aisdkModel(callJson, placement, parent) {
    return new NativeCall(super.aisdkModel(callJson, placement, parent));
  }

  /** An AI SDK model call made in the binding when it ends (see DeferredCall). */
  deferredAisdkModel(callJson, placement, parent, holder) {
    return new DeferredCall(this, 'aisdk', [callJson, placement, parent], holder);
  }

  agent(specJson, placement, parent) {
    return new NativeRun(super.agent(specJson, placement, parent));
  }

  tool(specJson, placement, parent) {
    return new NativeRun(super.tool(specJson, placement, parent));
  }

  /** Null when the chain is no agent. */
  langchainChain(startJson, placement, parent) {
    const id = super.langchainChain(startJson, placement, parent);
    return id === null ? null : new NativeRun(id);
  }

  /** A LangChain tool run, made in the binding when it ends (see DeferredRun). */
  langchainTool(startJson, placement, parent) {
    return new DeferredRun(this, [startJson, placement, parent]);
  }

  aisdkRun(startJson, placement, parent) {
    return new NativeRun(super.aisdkRun(startJson, placement, parent));
  }
}

module.exports = { ...binding, NativeClient, NativeSpan, NativeCall, NativeRun, DeferredCall, DeferredRun };
