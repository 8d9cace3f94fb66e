'use strict';
/**
 * The user's callbacks as the core calls them (JSON in, JSON or a number out), and the init
 * checks on them. Platform-neutral: Node (lib/index.js) and the web entry points share it.
 */

/** An init error naming the option, as optionPairs throws them. */
function invalidOption(option, message) {
  const error = new TypeError(`llmtel: ${message}`);
  error.code = 'invalid_option';
  error.option = option;
  return error;
}

/** Callbacks that are not functions and integrations llmtel does not have are init errors
 * (they would otherwise drop or skip things silently). */
function checkOptions(options, integrations, nearestName) {
  for (const key of ['beforeSendSpan', 'tracesSampler']) {
    const value = options[key];
    if (value !== undefined && value !== null && typeof value !== 'function') {
      throw invalidOption(key, `${key} must be a function, got ${Array.isArray(value) ? 'an array' : typeof value}`);
    }
  }
  for (const integration of options.integrations || []) {
    const name = integration && integration.name;
    if (!integrations.includes(name)) {
      const near = typeof name === 'string' ? nearestName(name, integrations) : null;
      throw invalidOption('integrations', `unknown integration ${JSON.stringify(name)}; ${near ? `did you mean ${near}?` : `llmtel has ${integrations.join(', ')}`}`);
    }
  }
}

/**
 * beforeSendSpan(span) -> span | null, where span is { name, op, origin, traceId, spanId,
 * parentSpanId, attributes }. It runs before the span is queued; a hook that throws drops the
 * span (it may be a privacy filter) and never breaks the call. So does one that returns
 * anything but a span object (a Promise, a number, an array), with one warning per process: a
 * filter whose result cannot be read must not let the span through unfiltered. `warn(message)`
 * says so once.
 */
function adaptHook(beforeSendSpan, warn) {
  let warned = false;
  const refuse = (what) => {
    if (!warned) {
      warned = true;
      warn(what === 'a Promise'
        ? 'llmtel: beforeSendSpan returned a Promise; it must return the span (or null) synchronously. Such spans are dropped.'
        : `llmtel: beforeSendSpan returned ${what}, not a span object; such spans are dropped.`);
    }
    return null;
  };
  return (json) => {
    try {
      const result = beforeSendSpan(JSON.parse(json));
      if (result === null || result === undefined) return null;
      if (typeof result.then === 'function') {
        Promise.resolve(result).catch(() => {}); // its rejection is not the application's
        return refuse('a Promise');
      }
      if (typeof result !== 'object' || Array.isArray(result)) {
        return refuse(Array.isArray(result) ? 'an array' : `a ${typeof result}`);
      }
      return JSON.stringify(result);
    } catch {
      return null;
    }
  };
}

/**
 * tracesSampler({ name, attributes, parentSampled, inheritOrSampleWith }) -> number | boolean,
 * as Sentry's: called for each span that takes a sampling decision (a new trace, or the first
 * span of a continued one). A rate from 0 to 1 or a boolean decides; anything else (or a throw)
 * leaves the default (the parent's decision, else tracesSampleRate).
 */
function adaptSampler(tracesSampler) {
  return (json) => {
    try {
      const context = JSON.parse(json);
      context.inheritOrSampleWith = (fallback) => (typeof context.parentSampled === 'boolean' ? Number(context.parentSampled) : fallback);
      const rate = tracesSampler(context);
      if (typeof rate === 'boolean') return rate ? 1 : 0;
      return typeof rate === 'number' && Number.isFinite(rate) ? rate : null;
    } catch {
      return null;
    }
  };
}

module.exports = { adaptHook, adaptSampler, checkOptions, invalidOption };
