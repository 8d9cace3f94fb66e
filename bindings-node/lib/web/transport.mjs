/**
 * Sending what the wasm core encodes, with `fetch`: Sentry envelopes (the key in the query
 * string, as Sentry's browser SDKs send them, or to a `tunnel` URL of the application's own,
 * with the DSN in each envelope's header), Spotlight's copies, and
 * OTLP/HTTP JSON. The core keeps the rate limits and client reports (its Courier, as on the
 * native runtime); this file batches, sends and hands each answer back.
 *
 * Spans are sent `delayMs` after the first one ends (a local root's children wait for it, as
 * in the native pipeline), on flush(), and, in a page, on pagehide with `keepalive`. Nothing
 * is sent, and no request made, before a span ends.
 */

/** `Retry-After` in seconds: a number of seconds or an HTTP date. */
function retryAfter(response) {
  const value = response.headers.get('retry-after');
  if (value === null) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return seconds;
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, (at - Date.now()) / 1000) : undefined;
}

/** Browsers refuse `keepalive` bodies over 64 KiB in all (Sentry's fetch transport keeps to
 * 60,000 bytes). */
const KEEPALIVE_BUDGET = 60000;

export class Transport {
  /** `client` is a WasmClient; `tunnel` a URL every Sentry envelope goes to instead. */
  constructor(client, { tunnel, delayMs = 1000, debug = false } = {}) {
    this.client = client;
    this.endpoints = JSON.parse(client.endpoints());
    if (tunnel && this.endpoints.sentry) client.useTunnel();
    this.sentryUrl = this.endpoints.sentry && (tunnel || this.endpoints.sentry);
    this.delayMs = delayMs;
    this.debug = debug;
    this.timer = undefined;
    this.inFlight = new Set();
    this.closed = false;
  }

  /** A span ended: send within `delayMs`. */
  schedule() {
    if (this.timer !== undefined || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.send(false);
    }, this.delayMs);
  }

  /** Sends what is ready (`all`: every span ended, children without their root too); resolves
   * when every request of this send was answered or failed. Never rejects. */
  send(all, keepalive = false) {
    if (this.closed) return Promise.resolve();
    if (all && this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const jobs = [];
    const budget = { left: keepalive ? KEEPALIVE_BUDGET : 0 };
    const batch = this.client.take(all);
    try {
      if (batch.items > 0) {
        if (this.sentryUrl) {
          for (const envelope of this.client.sentryEnvelopes(batch)) jobs.push(this.sentry(envelope, budget));
        }
        if (this.endpoints.spotlight) {
          for (const body of this.client.spotlightEnvelopes(batch)) {
            jobs.push(this.post(this.endpoints.spotlight, body, { 'Content-Type': 'application/x-sentry-envelope' }, budget).catch(() => {}));
          }
        }
        if (this.endpoints.otlp) {
          const body = this.client.otlpJson(batch);
          const { url, headers } = this.endpoints.otlp;
          if (body) jobs.push(this.post(url, body, { 'Content-Type': 'application/json', ...headers }, budget).catch((error) => this.say('OTLP', error)));
        }
      }
      if (all && this.sentryUrl) {
        const report = this.client.clientReportEnvelope();
        if (report) jobs.push(this.sentry(report, budget));
      }
    } finally {
      batch.free();
    }
    if (!all && this.client.openSpans > 0) this.schedule(); // children still wait for their root
    const done = Promise.all(jobs).then(() => {});
    this.inFlight.add(done);
    done.then(() => this.inFlight.delete(done));
    return done;
  }

  /** One envelope to Sentry, its answer back to the core (rate limits, client reports). */
  sentry(envelope, budget) {
    // No Content-Type: a text body makes a simple CORS request, as Sentry's browser SDK's.
    return this.post(this.sentryUrl, envelope.body, {}, budget).then(
      (response) => {
        if (this.debug && !response.ok) this.say('Sentry', `answered ${response.status}`);
        this.client.settleSentry(envelope, response.status, response.headers.get('x-sentry-rate-limits') ?? undefined, retryAfter(response));
      },
      (error) => {
        this.say('Sentry', error);
        this.client.settleSentry(envelope, 0, undefined, undefined);
      },
    );
  }

  post(url, body, headers, budget) {
    const keepalive = budget.left > body.length;
    if (keepalive) budget.left -= body.length;
    return fetch(url, { method: 'POST', body, headers, keepalive });
  }

  say(what, error) {
    if (this.debug) console.warn(`llmtel: ${what}: ${error && error.message ? error.message : error}`);
  }

  /** Resolves true when everything ended so far was sent within `timeoutMs`. */
  async flush(timeoutMs) {
    let timer;
    const timeout = new Promise((resolve) => { timer = setTimeout(() => resolve(false), timeoutMs); });
    const sent = (async () => {
      await this.send(true);
      await Promise.all([...this.inFlight]);
      return true;
    })();
    try {
      return await Promise.race([sent, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  close() {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.closed = true;
  }
}
