'use strict';
/**
 * Sentry's scope, for the calls people copy: setTag / setTags / setUser / setContext on the
 * current scope (the process's, or withScope's copy inside its callback), captureException /
 * captureMessage, whose events carry the scope and link to the active span. Spans started with
 * startSpan & co. carry the scope's tags and user as attributes.
 */
const { AsyncLocalStorage } = require('node:async_hooks');

class Scope {
  constructor(from) {
    this._tags = from ? { ...from._tags } : {};
    this._user = from ? from._user : undefined;
    this._contexts = from ? { ...from._contexts } : {};
  }

  /** A tag; undefined or null removes it. */
  setTag(key, value) {
    if (value === undefined || value === null) delete this._tags[String(key)];
    else this._tags[String(key)] = String(value);
    return this;
  }

  setTags(tags) {
    for (const [key, value] of Object.entries(tags || {})) this.setTag(key, value);
    return this;
  }

  /** `{ id, email, username, ip_address, … }`, or null to forget the user. */
  setUser(user) {
    this._user = user ? { ...user } : undefined;
    return this;
  }

  /** A named context (`{ … }`), or null to remove it. */
  setContext(name, context) {
    if (context) this._contexts[String(name)] = { ...context };
    else delete this._contexts[String(name)];
    return this;
  }

  /** The attributes a span started in this scope carries: its tags, and the user's id, email,
   * name and IP address under OpenTelemetry's `user.*` keys. */
  spanAttributes() {
    const attributes = { ...this._tags };
    const user = this._user;
    if (user) {
      for (const [from, to] of [['id', 'user.id'], ['email', 'user.email'], ['username', 'user.name'], ['ip_address', 'user.ip_address']]) {
        if (user[from] !== undefined && user[from] !== null) attributes[to] = String(user[from]);
      }
    }
    return attributes;
  }

  isEmpty() {
    return this._user === undefined && Object.keys(this._tags).length === 0;
  }
}

const processScope = new Scope();
const scopes = new AsyncLocalStorage();

function currentScope() {
  return scopes.getStore() || processScope;
}

/** Runs `callback(scope)` with a copy of the current scope: what it sets stays inside. */
function withScope(callback) {
  const scope = new Scope(currentScope());
  return scopes.run(scope, () => callback(scope));
}

/** Frames of a V8 stack, oldest call first, as Sentry wants them. */
function frames(stack) {
  const out = [];
  for (const line of String(stack || '').split('\n')) {
    const m = /^\s*at (?:(.+?) \()?(.+?):(\d+):(\d+)\)?$/.exec(line);
    if (!m) continue;
    const filename = m[2].replace(/^file:\/\//, '');
    out.push({
      function: m[1] || undefined,
      filename,
      lineno: Number(m[3]),
      colno: Number(m[4]),
      in_app: !filename.includes('/node_modules/') && !filename.startsWith('node:'),
    });
  }
  return out.reverse();
}

/** The event spec of a captured value: an Error's class, message and frames; anything else
 * as an Error with its text. */
function exceptionEvent(value, scope) {
  const isError = value instanceof Error || (value && typeof value === 'object' && typeof value.message === 'string' && typeof value.stack === 'string');
  let text;
  if (!isError) {
    try {
      text = typeof value === 'string' ? value : JSON.stringify(value);
    } catch {
      text = undefined;
    }
  }
  const exception = isError
    ? { type: value.name || (value.constructor && value.constructor.name) || 'Error', value: String(value.message), stacktrace: frames(value.stack) }
    : { type: 'Error', value: text === undefined ? String(value) : text };
  return eventOf(scope, { exception });
}

function eventOf(scope, fields) {
  const event = { ...fields, tags: scope._tags, contexts: scope._contexts };
  if (scope._user) event.user = scope._user;
  return event;
}

module.exports = { Scope, currentScope, withScope, exceptionEvent, eventOf };
