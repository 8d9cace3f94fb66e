'use strict';
/**
 * What the Stainless-generated SDKs (openai, @anthropic-ai/sdk) share: resource methods that
 * return an APIPromise, and Stream objects that are async iterables. Platform-neutral (no
 * Node-only imports): the caller passes in how to read the current span and the client, so a
 * browser or edge build can reuse this file.
 *
 * The client's behaviour is kept: methods still return the SDK's APIPromise (via its
 * _thenUnwrap, so .withResponse() and .asResponse() work), errors are rethrown unchanged, and a
 * problem inside llmtel only costs the span.
 */

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

function serverOf(client) {
  try {
    const url = new URL(client.baseURL);
    const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
    return [url.hostname, port];
  } catch {
    return [undefined, undefined];
  }
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
    call.fail(typeof error?.status === 'number' ? error.status : undefined, body, error?.name || error?.constructor?.name, error?.message);
  } catch {
    call.finishStream();
  }
}

/** Feeds each chunk to the call; ends it on exhaustion, break (return()) or error. */
function tapStream(stream, call) {
  const original = stream[Symbol.asyncIterator].bind(stream);
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
        if (step.done) call.finishStream();
        else {
          try { call.chunk(null, JSON.stringify(step.value)); } catch { /* a chunk llmtel cannot read costs only itself */ }
        }
        return step;
      },
      async return(value) {
        call.finishStream();
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

function record(call, data) {
  if (data && typeof data[Symbol.asyncIterator] === 'function' && typeof data.controller === 'object') {
    tapStream(data, call);
  } else {
    try { call.finish(JSON.stringify(data)); } catch { call.finishStream(); }
  }
  return data;
}

/**
 * Wraps one client's methods in place; `context()` returns
 * { client, parent, recordInputs, recordOutputs, conversationId } for the current call, or
 * undefined when llmtel is not set up (the call then goes through untouched).
 */
function instrument(client, methods, provider, context) {
  for (const [outer, inner, name, api] of methods) {
    const resource = inner ? client[outer]?.[inner] : client[outer];
    if (!resource || typeof resource[name] !== 'function' || resource[name].__llmtel) continue;
    const original = resource[name].bind(resource);
    const wrapped = function (body, options) {
      const ctx = context();
      let call;
      try {
        if (ctx) {
          const [address, port] = serverOf(client);
          call = ctx.client.beginGenaiCall(
            provider(client), api, JSON.stringify(body ?? {}), address, port,
            ctx.parent, Boolean(ctx.recordInputs), Boolean(ctx.recordOutputs),
            Boolean(body && body.stream), ctx.conversationId,
          );
        }
      } catch {
        call = undefined;
      }
      const promise = original(body, options);
      if (!call) return promise;
      if (promise && typeof promise._thenUnwrap === 'function') {
        promise.responsePromise?.then(null, (error) => fail(call, error));
        return promise._thenUnwrap((data) => record(call, data));
      }
      return Promise.resolve(promise).then((data) => record(call, data), (error) => { fail(call, error); throw error; });
    };
    wrapped.__llmtel = true;
    resource[name] = wrapped;
  }
  return client;
}

const instrumentOpenAi = (client, context) => instrument(client, OPENAI_METHODS, openAiProvider, context);
const instrumentAnthropic = (client, context) => instrument(client, ANTHROPIC_METHODS, () => 'anthropic', context);

module.exports = { instrumentOpenAi, instrumentAnthropic };
