'use strict';
/**
 * What a span handle does with the user's values, and how startSpan runs a callback in a span:
 * the same for the native binding (lib/index.js) and the wasm core (lib/web/host.mjs), which
 * hand in their span handle and their context store. Platform-neutral.
 */

/**
 * Sets `value` on the binding's span handle `n` by its type (strings, numbers, booleans and
 * arrays of them; a bigint as its decimal string; a plain object as its JSON). What has no
 * attribute form goes to `n.rejectAttribute(key, why)` where the binding counts it, and is
 * dropped otherwise.
 */
function setAttributeOn(n, key, value) {
  const reject = (why) => { if (typeof n.rejectAttribute === 'function') n.rejectAttribute(key, why); };
  if (typeof value === 'string') n.setString(key, value);
  else if (typeof value === 'number') n.setNumber(key, value);
  else if (typeof value === 'boolean') n.setBool(key, value);
  else if (typeof value === 'bigint') n.setString(key, value.toString());
  else if (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'number')) n.setNumberArray(key, value);
  else if (Array.isArray(value)) n.setStringArray(key, value.map(String));
  else if (value !== null && typeof value === 'object') {
    let json;
    try { json = JSON.stringify(value); } catch { /* circular or a throwing toJSON */ }
    if (typeof json === 'string') n.setString(key, json);
    else reject('an object that is not JSON has no attribute form');
  } else {
    reject(`${value === null ? 'null' : typeof value} has no attribute form (string, number, boolean, arrays of them)`);
  }
}

/** Token counts as the span contract takes them: whole, non-negative, or left out. */
const tokenCount = (v) => (typeof v === 'number' && v >= 0 ? Math.trunc(v) : undefined);

/**
 * `{ code: 'ok' }`, `{ code: 'error', message }`, a status name, or the numeric codes of
 * Sentry's and OpenTelemetry's span APIs (`{ code: 1 }` ok, `{ code: 2, message }` error,
 * `{ code: 0 }` unset), as [code, message]; undefined for unset. Sentry reads the message of a
 * code 2 as the status when it names one (`{ code: 2, message: 'not_found' }`), so it is tried
 * as a status name first (HostSpan.setStatus keeps it as the message when it is not one).
 */
function statusOf(status) {
  const { code, message } = typeof status === 'string' ? { code: status } : status || {};
  if (code === 0) return undefined;
  if (code === 1) return ['ok'];
  if (code === 2) return /^[a-z_]+$/.test(message || '') && message !== 'ok' ? [message] : ['error', message];
  return [code || 'error', message];
}

/**
 * Runs an operation on a span handle; on one that already ended it does nothing, as Sentry's
 * spans do. (One call instead of asking first: the check would double the hot path.)
 */
function unlessEnded(operation) {
  try {
    operation();
  } catch (error) {
    if (!error || error.code !== 'already_ended') throw error;
  }
}

/**
 * What every binding's user-facing span does with the calls Sentry's Span API has, over its
 * binding's span handle (`_native`): values by type, ended spans left alone. A subclass gives
 * the span's context (`_context`: trace id, span id, sampled) and how usage counts reach its
 * binding (`_recordUsage`).
 */
class HostSpan {
  constructor(native) {
    this._native = native;
    this._ctx = undefined;
  }

  /** Never throws for the value (see setAttributeOn). */
  setAttribute(key, value) {
    unlessEnded(() => setAttributeOn(this._native, key, value));
    return this;
  }

  setAttributes(attributes) {
    for (const [key, value] of Object.entries(attributes || {})) this.setAttribute(key, value);
    return this;
  }

  /** Token counts as the span contract defines them: input includes cached, output includes
   * reasoning. */
  recordUsage({ inputTokens, outputTokens, cachedInputTokens, reasoningTokens } = {}) {
    const counts = {
      input: tokenCount(inputTokens), output: tokenCount(outputTokens),
      cacheRead: tokenCount(cachedInputTokens), reasoning: tokenCount(reasoningTokens),
    };
    unlessEnded(() => this._recordUsage(counts));
    return this;
  }

  /** `{ code: 'ok' }`, `{ code: 'error', message }`, a Sentry status such as
   * 'resource_exhausted', or Sentry's numeric form (`{ code: 2, message: 'internal_error' }`). */
  setStatus(status) {
    const parts = statusOf(status);
    if (!parts) return this;
    unlessEnded(() => {
      try {
        this._native.setStatus(...parts);
      } catch (error) {
        // A code 2 whose message names no status: an error with that message.
        if (!(error && error.code === 'invalid_argument' && status && status.code === 2)) throw error;
        this._native.setStatus('error', status.message);
      }
    });
    return this;
  }

  /** Sentry's updateName: the span's name from now on. */
  updateName(name) {
    unlessEnded(() => this._native.setName(String(name)));
    return this;
  }

  /** False for a span that is not sampled and once it ended, as Sentry's and OpenTelemetry's. */
  isRecording() {
    return this._native.recording;
  }

  /** `{ traceId, spanId, traceFlags }` (1: sampled), as Sentry's and OpenTelemetry's. */
  spanContext() {
    return { traceId: this.traceId, spanId: this.spanId, traceFlags: this._context.sampled ? 1 : 0 };
  }

  end() {
    unlessEnded(() => this._native.end());
  }
}

/**
 * The span callbacks get when nothing is recorded (before init, or `onlyIfParent` without a
 * parent), as Sentry's non-recording span: code written for a recorded span runs unchanged.
 */
const NOOP_SPAN = Object.freeze({
  setAttribute() { return this; },
  setAttributes() { return this; },
  recordUsage() { return this; },
  setStatus() { return this; },
  updateName() { return this; },
  isRecording() { return false; },
  spanContext() { return { traceId: this.traceId, spanId: this.spanId, traceFlags: 0 }; },
  end() {},
  traceId: '0'.repeat(32),
  spanId: '0'.repeat(16),
});

/**
 * startSpan, startSpanManual and startInactiveSpan over a binding: `openSpan(options)` makes a
 * span (or undefined when none is recorded: the callback then gets NOOP_SPAN), `store.run(span,
 * fn)` makes it active for `fn`.
 */
function spanRunners(store, openSpan) {
  function failSpan(span, error) {
    span.setAttribute('error.type', (error && error.name) || 'Error');
    span.setStatus({ code: 'error', message: error && error.message });
  }

  /** Runs `callback` with `span` active; a thrown error or a rejected Promise marks the span
   * failed. `end` decides whether the span ends when the callback is done. */
  function runIn(span, callback, end) {
    let result;
    try {
      result = store.run(span, () => callback(span));
    } catch (error) {
      failSpan(span, error);
      if (end) span.end();
      throw error;
    }
    if (result && typeof result.then === 'function') {
      return result.then(
        (value) => { if (end) span.end(); return value; },
        (error) => { failSpan(span, error); if (end) span.end(); throw error; },
      );
    }
    if (end) span.end();
    return result;
  }

  return {
    /** Runs `callback(span)` inside a new span and returns what it returns (a Promise is
     * awaited before the span ends). Nested calls become children. */
    startSpan(options, callback) {
      const span = openSpan(options);
      return span ? runIn(span, callback, true) : callback(NOOP_SPAN);
    },
    /** Like startSpan, but the span stays open until `span.end()` (or `finish()`). */
    startSpanManual(options, callback) {
      const span = openSpan(options);
      if (!span) return callback(NOOP_SPAN, () => {});
      return runIn(span, (s) => callback(s, () => s.end()), false);
    },
    /** A span that is not made active: calls do not nest under it unless given it as
     * `parentSpan`. End it yourself. */
    startInactiveSpan: (options) => openSpan(options) || NOOP_SPAN,
  };
}

/** An incoming header as the core reads it: absent (undefined or null, as
 * `request.headers.get` gives) as undefined, several values joined by commas. */
const headerValue = (v) => (v === undefined || v === null ? undefined : Array.isArray(v) ? v.join(',') : String(v));

/** Sentry's updateSpanName(span, name). */
function updateSpanName(span, name) {
  if (span && typeof span.updateName === 'function') span.updateName(name);
}

module.exports = { HostSpan, setAttributeOn, unlessEnded, spanRunners, updateSpanName, headerValue, NOOP_SPAN };
