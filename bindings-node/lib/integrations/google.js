'use strict';
/**
 * Google GenAI (@google/genai): models.generateContent(Stream), models.embedContent, and chats
 * sendMessage(Stream), on the Gemini API and Vertex AI. Platform-neutral like stainless.js.
 *
 * A chat sends through the client's models object; each chat created through an instrumented
 * client gets a models object whose methods are the untraced originals, so a chat call is one
 * span, not two.
 */

const { beginCall, endCall } = require('./calls');

function serverOf(ai) {
  try {
    const url = new URL(ai.apiClient.getBaseUrl());
    return [url.hostname, url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80];
  } catch {
    return [undefined, undefined];
  }
}

function fail(call, error) {
  try {
    // ApiError carries the error body as JSON in its message.
    let body;
    const text = error && typeof error.message === 'string' ? error.message.slice(error.message.indexOf('{')) : '';
    try { if (JSON.parse(text).error) body = text; } catch { /* not JSON */ }
    call.fail({ httpStatus: typeof error?.status === 'number' ? error.status : undefined, body, exception: error?.name, message: error?.message });
  } catch {
    endCall(call);
  }
}

function begin(ai, api, request, stream, context) {
  const ctx = context();
  if (!ctx) return undefined;
  try {
    const [address, port] = serverOf(ai);
    return beginCall(ctx, {
      provider: ai.vertexai ? 'gcp.vertex_ai' : 'gcp.gemini', api, serverAddress: address, serverPort: port,
      recordInputs: Boolean(ctx.recordInputs), recordOutputs: Boolean(ctx.recordOutputs), stream, conversationId: ctx.conversationId,
    }, JSON.stringify(request ?? {}));
  } catch {
    return undefined;
  }
}

async function* traced(generator, call) {
  try {
    for await (const chunk of generator) {
      try { call.chunk(null, JSON.stringify(chunk)); } catch { /* costs only this chunk */ }
      yield chunk;
    }
  } catch (error) {
    fail(call, error);
    throw error;
  } finally {
    endCall(call); // exhausted, left with break, or failed (then already ended)
  }
}

/** Wraps `owner[name]` so each call becomes a span; `request(args)` gives the request JSON. */
function wrap(owner, name, ai, api, stream, request, context) {
  let original = owner[name];
  if (typeof original !== 'function') return;
  if (original.__llmtel) original = original.__llmtelOriginal; // re-wrapped with a newer context
  const wrapped = async function (...args) {
    const call = begin(ai, api, request.call(this, ...args), stream, context);
    if (!call) return original.apply(this, args);
    let result;
    try {
      result = await original.apply(this, args);
    } catch (error) {
      fail(call, error);
      throw error;
    }
    if (stream) return traced(result, call);
    try { call.finishLater(JSON.stringify(result)); } catch { endCall(call); }
    return result;
  };
  wrapped.__llmtel = true;
  wrapped.__llmtelOriginal = original;
  owner[name] = wrapped;
}

const unwrapped = (fn) => (fn && fn.__llmtel ? fn.__llmtelOriginal : fn);

function instrument(ai, context) {
  const models = ai.models;
  const untraced = Object.create(models, {
    generateContent: { value: unwrapped(models.generateContent), writable: true },
    generateContentStream: { value: unwrapped(models.generateContentStream), writable: true },
  });
  wrap(models, 'generateContent', ai, 'generate_content', false, (params) => params, context);
  wrap(models, 'generateContentStream', ai, 'generate_content', true, (params) => params, context);
  wrap(models, 'embedContent', ai, 'embed_content', false, (params) => params, context);

  const chats = ai.chats;
  const create = unwrapped(chats.create).bind(chats);
  {
    chats.create = function (...args) {
      const chat = create(...args);
      chat.modelsModule = untraced;
      const request = function (params) {
        return {
          model: this.model,
          history: this.getHistory(true),
          message: params && params.message,
          config: params && params.config ? { ...this.config, ...params.config } : this.config,
        };
      };
      wrap(chat, 'sendMessage', ai, 'chat_send_message', false, request, context);
      wrap(chat, 'sendMessageStream', ai, 'chat_send_message', true, request, context);
      return chat;
    };
    chats.create.__llmtel = true;
    chats.create.__llmtelOriginal = unwrapped(create);
  }
  return ai;
}

/**
 * Every client of the GoogleGenAI class: its constructor assigns `models` and then `chats`, so
 * accessors on the prototype see each new client and instrument it once both exist.
 */
function patchClass(GoogleGenAI, context) {
  const proto = GoogleGenAI && GoogleGenAI.prototype;
  if (!proto || Object.prototype.hasOwnProperty.call(proto, '__llmtelPatched')) return;
  for (const prop of ['models', 'chats']) {
    Object.defineProperty(proto, prop, {
      configurable: true,
      get() { return undefined; },
      set(value) {
        Object.defineProperty(this, prop, { value, writable: true, configurable: true, enumerable: true });
        if (prop === 'chats' && this.models) {
          try { instrument(this, context); } catch { /* the client still works, untraced */ }
        }
      },
    });
  }
  Object.defineProperty(proto, '__llmtelPatched', { value: true });
}

module.exports = { instrument, patchClass };
