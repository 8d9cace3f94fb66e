'use strict';
/**
 * Ending a native call from integration code, where several paths may race to end it (a
 * stream that failed, then its iterator closed): a call ends once, and a second end must never
 * reach the user's code as an error. Platform-neutral, like the integrations that use it.
 */

/** Ends the call with what it gathered, unless something ended it already. */
function endCall(call) {
  if (!call || call.ended) return;
  try {
    call.finishStream();
  } catch {
    /* ended meanwhile, or llmtel failed: never the user's problem */
  }
}

/**
 * Starts a provider call's span, or takes over the framework's model call in progress (a
 * LangChain model run whose provider SDK is making this very call: one span per model call).
 * `ctx` is what the integration's context function returned: { client, parent, holder, scope,
 * traced, frameworkCall() }; `spec` the call's provider, API and options. Returns the call, or
 * undefined when this call is not traced.
 */
function beginCall(ctx, spec, requestJson) {
  const framework = ctx.frameworkCall ? ctx.frameworkCall() : undefined;
  if (framework) {
    try {
      framework.adopt(spec.provider, spec.api, requestJson, spec.serverAddress, spec.serverPort, spec.stream, spec.conversationId);
    } catch {
      /* the span keeps the framework's request */
    }
    return framework;
  }
  if (ctx.traced === false) return undefined;
  // Positional, as the bindings take it (an options object costs the native side a property
  // read per field). The call is handed over once, when it ends, where the binding can
  // (Node's DeferredCall).
  if (typeof ctx.client.deferredCall === 'function') {
    return ctx.client.deferredCall(
      spec.provider, spec.api, requestJson, ctx.parent, spec.serverAddress, spec.serverPort,
      spec.recordInputs, spec.recordOutputs, spec.stream, spec.conversationId, undefined, ctx.scope, ctx.holder,
    );
  }
  return ctx.client.call(
    spec.provider, spec.api, requestJson, ctx.parent, spec.serverAddress, spec.serverPort,
    spec.recordInputs, spec.recordOutputs, spec.stream, spec.conversationId, undefined, ctx.scope,
  );
}

module.exports = { endCall, beginCall };
