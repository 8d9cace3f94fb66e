'use strict';
/**
 * What the Stainless-generated SDKs (openai, @anthropic-ai/sdk) share: resource methods that
 * return an APIPromise, and Stream objects that are async iterables. Platform-neutral (no
 * Node-only imports): the caller passes in how to read the current span and the client, so a
 * browser or edge build can reuse this file.
 *
 * The client's behaviour is kept: methods return the SDK's own APIPromise (its parse step
 * hooked, so .withResponse() and .asResponse() work), errors are rethrown unchanged, and a
 * problem inside llmtel only costs the span.
 */

const { errorName } = require('./shared');
const { beginCall, endCall } = require('./calls');

/** [resource, sub-resource, method, API] per SDK. */
const OPENAI_METHODS = [
  ['chat', 'completions', 'create', 'chat_completions'],
  ['responses', null, 'create', 'responses'],
  ['embeddings', null, 'create', 'embeddings'],
];
const ANTHROPIC_METHODS = [
  ['messages', null, 'create', 'messages'],
  ['messages', null, 'countTokens', 'count_tokens'],
];

/** The last base URL read and its [host, port]: parsing a URL costs microseconds per call, and
 * a program's clients mostly share one base URL. */
let lastServer = { baseURL: undefined, server: [undefined, undefined] };

function serverOf(client) {
  const baseURL = client.baseURL;
  if (baseURL === lastServer.baseURL) return lastServer.server;
  let server = [undefined, undefined];
  try {
    const url = new URL(baseURL);
    server = [url.hostname, url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80];
  } catch {
    /* no server attributes */
  }
  lastServer = { baseURL, server };
  return server;
}

function openAiProvider(client) {
  return client && (client.constructor.name === 'AzureOpenAI' || 'deploymentName' in client) ? 'azure.ai.openai' : 'openai';
}

function fail(call, error) {
  try {
    // OpenAI's error.error is the inner error object; Anthropic's is the whole error body.
    let body;
    const inner = error && error.error;
    if (inner && inner.type === 'error' && inner.error) body = JSON.stringify(inner);
    else if (inner !== undefined) body = JSON.stringify({ error: inner });
    call.fail({
      httpStatus: typeof error?.status === 'number' ? error.status : undefined, body,
      exception: errorName(error), message: error?.message,
    });
  } catch {
    endCall(call);
  }
}

/**
 * Hands the core the stream's bytes as they come off the wire: the response body's reads are
 * watched as the SDK makes them (its reader's `read`, or its async iterator's `next`, however
 * the SDK version reads it), and each piece is copied to the call, so the core reads the
 * server-sent events itself (no chunk is re-serialized). The call ends with the body: read to
 * the end, cancelled by the consumer (an early break), or failed. The work is one promise
 * reaction per network read, not per event, none of it in the SDK's iterator, and no stream of
 * ours in between (a ReadableStream wrapped around the body cost about 0.5 us a read). Needs
 * web streams (Node, browsers, workerd); without them the parsed chunks are handed over
 * instead (tapStream).
 */
function tapBody(response, call) {
  const body = response && response.body;
  const type = response && response.headers && typeof response.headers.get === 'function' && response.headers.get('content-type');
  if (!body || typeof body.getReader !== 'function' || typeof ReadableStream !== 'function' || !String(type).includes('text/event-stream')) return;
  // Whether the SDK iterator has a step in flight (tapStream keeps it), and whether the body was
  // closed meanwhile (the call then ends when that step does).
  const tap = { pending: false, closed: false };
  const seen = (piece) => {
    if (piece.done) {
      endCall(call);
    } else {
      try {
        call.feed(piece.value);
      } catch {
        /* an event that is not JSON: the SDK raises on it, which fails the call (tapStream) */
      }
    }
    return piece;
  };
  const failed = (error) => {
    fail(call, error);
    throw error;
  };
  const cancelled = () => {
    // The body is closed before its end: the SDK stopped reading (at the sentinel that ends
    // OpenAI's streams, as the consumer broke off, or as it is about to raise on an event it
    // could not read). With a step of the SDK's iterator in flight, the call ends as that step
    // settles, before the consumer sees it (tapStream): failed with the error it rejects with,
    // else ended with what was read. (Asking the core whether it could read the events would
    // make a call that keeps its bytes until the end, Node's DeferredCall, cross into the
    // binding four times, at every OpenAI stream's sentinel.)
    if (tap.pending) tap.closed = true;
    else endCall(call);
  };
  // A reader's `read` and `cancel`, or an async iterator's `next` and `return`: each step is
  // seen (its arguments passed on: a BYOB reader's read takes a view), the close ends the call.
  const watch = (source, step, close) => {
    const stepOf = source[step];
    const closeOf = source[close];
    source[step] = function (...args) {
      return stepOf.apply(this, args).then(seen, failed);
    };
    if (typeof closeOf === 'function') {
      source[close] = function (...args) {
        cancelled();
        return closeOf.apply(this, args);
      };
    }
    return source;
  };
  const getReader = body.getReader;
  body.getReader = function (...args) {
    return watch(getReader.apply(this, args), 'read', 'cancel');
  };
  const iterate = body[Symbol.asyncIterator];
  if (typeof iterate === 'function') {
    body[Symbol.asyncIterator] = function (...args) {
      return watch(iterate.apply(this, args), 'next', 'return');
    };
  }
  call.__llmtelTap = tap;
}

/** With `tap` (the body was tapped, which feeds and ends the call): fails the call when the SDK
 * raises while reading (an event that is not JSON). Without: ends the call on exhaustion, break
 * (return()) or error, and feeds the parsed chunks. */
function tapStream(stream, call, tap) {
  const original = stream[Symbol.asyncIterator].bind(stream);
  if (tap) {
    // The tapped body feeds the bytes and ends the call; only an error the SDK raises while
    // reading (an event that is not JSON) must reach the call, and the end of a step during
    // which the body was closed (tapBody). The SDK's own iterator is kept, and each step costs
    // one promise reaction, not an extra async frame (0.02 to 0.16 us per chunk). The reaction
    // goes on every step, before the caller awaits it, so the span has ended or failed when the
    // caller's code after it runs (a flush there sends it).
    stream[Symbol.asyncIterator] = function () {
      const iterator = original();
      const next = iterator.next;
      const settled = () => {
        tap.pending = false;
        if (tap.closed) endCall(call);
      };
      const failed = (error) => {
        tap.pending = false;
        fail(call, error);
      };
      iterator.next = function (...args) {
        const step = next.apply(this, args);
        tap.pending = true;
        step.then(settled, failed);
        return step;
      };
      return iterator;
    };
    return;
  }
  stream[Symbol.asyncIterator] = function () {
    const iterator = original();
    return {
      async next() {
        let step;
        try {
          step = await iterator.next();
        } catch (error) {
          fail(call, error);
          throw error;
        }
        if (step.done) endCall(call);
        else {
          try { call.chunk(null, JSON.stringify(step.value)); } catch { /* a chunk llmtel cannot read costs only itself */ }
        }
        return step;
      },
      async return(value) {
        endCall(call);
        return iterator.return ? iterator.return(value) : { done: true, value };
      },
      async throw(error) {
        fail(call, error);
        if (iterator.throw) return iterator.throw(error);
        throw error;
      },
      [Symbol.asyncIterator]() { return this; },
    };
  };
}

/** Typed arrays (openai 6.x decodes base64 embeddings into Float32Array) as plain arrays. */
const typedArraysAsArrays = (_key, value) => (ArrayBuffer.isView(value) ? Array.from(value) : value);

/** Bodies this large (or of unknown length) are serialized with their strings cut at the
 * content cap: no attribute holds more of a string, and a 50 MB answer then costs what 64 KiB
 * cost. Smaller ones skip the replacer, which costs microseconds per call. */
const LARGE_BODY = 64 * 1024;

function isLarge(response) {
  const length = response && response.headers && typeof response.headers.get === 'function'
    ? response.headers.get('content-length') : null;
  return length === null || length === undefined || Number(length) >= LARGE_BODY;
}

/** `text` cut to `cap` UTF-16 units (at least `cap` bytes' worth), never inside a surrogate pair. */
function cut(text, cap) {
  const end = text.charCodeAt(cap - 1) >= 0xd800 && text.charCodeAt(cap - 1) <= 0xdbff ? cap - 1 : cap;
  return text.slice(0, end);
}

/** `capOf()` is read only for a large body (a native getter: a cost per call otherwise). */
function serialize(data, api, capOf, large) {
  if (api === 'embeddings') return JSON.stringify(data, typedArraysAsArrays);
  const cap = large ? capOf() : 0;
  if (!cap) return JSON.stringify(data);
  return JSON.stringify(data, (_key, value) => (typeof value === 'string' && value.length > cap ? cut(value, cap) : value));
}

function record(call, data, api, props, capOf) {
  if (data && typeof data[Symbol.asyncIterator] === 'function' && typeof data.controller === 'object') {
    tapStream(data, call, call.__llmtelTap); // a tapped body already hands over the bytes
  } else {
    try {
      // Read on the native binding's flush thread; the caller's thread hands the text over.
      call.finishLater(serialize(data, api, capOf, isLarge(props && props.response)));
    } catch {
      endCall(call);
    }
  }
  return data;
}

/**
 * Wraps `owner[name]` so each call becomes a span. `owner` is a client's resource (one client)
 * or a resource class's prototype (every client); `clientOf(resource)` finds the client.
 * `context(client)` returns { client, parent, recordInputs, recordOutputs, conversationId } for
 * the current call, or undefined when llmtel is not set up (the call then goes through untouched).
 */
function wrapMethod(owner, name, api, provider, clientOf, context) {
  let original = owner[name];
  if (typeof original !== 'function') return;
  if (original.__llmtel) {
    if (Object.prototype.hasOwnProperty.call(owner, name)) return; // already wrapped here
    original = original.__llmtelOriginal; // wrapped on the prototype: wrap what that wraps, so one span
  }
  const wrapped = function (body, options) {
    let call;
    let capOf;
    try {
      const client = clientOf(this);
      const ctx = context(client);
      if (ctx) {
        capOf = () => ctx.client.contentCap;
        const [address, port] = serverOf(client);
        call = beginCall(ctx, {
          provider: provider(client), api, serverAddress: address, serverPort: port,
          recordInputs: Boolean(ctx.recordInputs), recordOutputs: Boolean(ctx.recordOutputs),
          stream: Boolean(body && body.stream), conversationId: ctx.conversationId,
        }, JSON.stringify(body ?? {}));
      }
    } catch {
      call = undefined;
    }
    const promise = original.call(this, body, options);
    if (!call) return promise;
    if (promise && typeof promise.parseResponse === 'function' && promise.responsePromise) {
      // The SDK's own APIPromise goes back to the caller, its parse step hooked: a stream's
      // body is tapped before the SDK reads it, and the call ends with what the SDK parsed or
      // fails with the error it raised (a 200 with malformed JSON), which the caller then sees
      // unchanged. Nothing is parsed that the caller did not ask for (asResponse() leaves the
      // body to them). An HTTP error rejects the response itself.
      promise.responsePromise.then(undefined, (error) => fail(call, error));
      const parse = promise.parseResponse;
      promise.parseResponse = function (client, props) {
        if (body && body.stream) tapBody(props && props.response, call);
        let parsed;
        try {
          parsed = parse.call(this, client, props);
        } catch (error) {
          fail(call, error);
          throw error;
        }
        const done = (data) => record(call, data, api, props, capOf);
        if (parsed && typeof parsed.then === 'function') parsed.then(done, (error) => fail(call, error));
        else done(parsed);
        return parsed;
      };
      return promise;
    }
    return Promise.resolve(promise).then((data) => record(call, data, api, undefined, capOf), (error) => { fail(call, error); throw error; });
  };
  wrapped.__llmtel = true;
  wrapped.__llmtelOriginal = original;
  owner[name] = wrapped;
}

/** One client, in place (its own resources get the wrappers); returns the client. */
function instrument(client, methods, provider, context) {
  for (const [outer, inner, name, api] of methods) {
    const resource = inner ? client[outer]?.[inner] : client[outer];
    if (resource) wrapMethod(resource, name, api, provider, () => client, context);
  }
  return client;
}

/**
 * Every client of an SDK: `resources` maps a resource module path to [class name, method,
 * API]; `load(path)` loads a module (require for CommonJS, import for ESM, which are separate
 * module instances with separate classes).
 */
function patchSdk(resources, provider, load, context) {
  const patch = (module, className, method, api) => {
    const cls = module && module[className];
    if (cls && cls.prototype) wrapMethod(cls.prototype, method, api, provider, (resource) => resource._client, context);
  };
  const pending = [];
  for (const [modulePath, className, method, api] of resources) {
    let module;
    try {
      module = load(modulePath);
    } catch {
      continue; // not installed, or an SDK version without this API
    }
    // require() patches at once; import() when the module has loaded.
    if (module && typeof module.then === 'function') {
      pending.push(module.then((m) => patch(m, className, method, api), () => {}));
    } else {
      patch(module, className, method, api);
    }
  }
  return Promise.all(pending);
}

/** [module, class, method, API] for automatic instrumentation. */
const OPENAI_RESOURCES = [
  ['openai/resources/chat/completions/completions', 'Completions', 'create', 'chat_completions'],
  ['openai/resources/responses/responses', 'Responses', 'create', 'responses'],
  ['openai/resources/embeddings', 'Embeddings', 'create', 'embeddings'],
];
const ANTHROPIC_RESOURCES = [
  ['@anthropic-ai/sdk/resources/messages/messages', 'Messages', 'create', 'messages'],
  ['@anthropic-ai/sdk/resources/messages/messages', 'Messages', 'countTokens', 'count_tokens'],
];

const anthropicProvider = () => 'anthropic';
const instrumentOpenAi = (client, context) => instrument(client, OPENAI_METHODS, openAiProvider, context);
const instrumentAnthropic = (client, context) => instrument(client, ANTHROPIC_METHODS, anthropicProvider, context);
const patchOpenAi = (load, context) => patchSdk(OPENAI_RESOURCES, openAiProvider, load, context);
const patchAnthropic = (load, context) => patchSdk(ANTHROPIC_RESOURCES, anthropicProvider, load, context);

module.exports = { instrumentOpenAi, instrumentAnthropic, patchOpenAi, patchAnthropic, cut };
