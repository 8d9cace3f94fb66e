'use strict';
/**
 * init()'s options to the core's [name, text] pairs, driven by the core's option table
 * (core/src/option_table.rs): every option it lists is accepted here in camelCase, converted by
 * its kind. Nothing is spelled twice, so no binding can fall behind the core again.
 * Platform-neutral: Node (lib/options.js) and the web entry points (lib/web/host.mjs) hand it
 * their binding's table.
 */

/** Options of the JavaScript layer itself, not of the core. */
const HOST_OPTIONS = new Set(['integrations', 'defaultIntegrations']);

const CONVERT = {
  text: String,
  bool: (v) => (typeof v === 'boolean' ? (v ? 'true' : 'false') : String(v)),
  integer: String,
  number: String,
  // JavaScript gives durations in milliseconds.
  duration: (v) => (typeof v === 'number' ? `${v}ms` : String(v)),
  // The OTEL_EXPORTER_OTLP_HEADERS form; the core percent-decodes the values.
  headers: (v) => (typeof v === 'object'
    ? Object.entries(v).map(([k, x]) => `${k}=${encodeURIComponent(String(x))}`).join(',')
    : String(v)),
  // A RegExp (in scrubPatterns) goes as its source.
  json: (v) => (typeof v === 'object' ? JSON.stringify(v, (_, x) => (x instanceof RegExp ? x.source : x)) : String(v)),
  path_or_off: (v) => (v === false ? 'false' : String(v)),
  url_or_bool: (v) => (typeof v === 'boolean' ? (v ? 'true' : 'false') : String(v)),
  callback: null, // passed to the native client as a function, never as text
};

/**
 * `optionPairs(options)` for a binding: `rows` is the core's option table, `advice(name)` what
 * the core makes of an unknown option ({ sentryOnly, didYouMean }); `hostOptions` are the
 * binding's own. optionPairs returns the [snake_name, text] pairs for the core, and the names
 * of Sentry options llmtel does not use (`ignored`: a configuration copied from Sentry passes
 * them); it throws a TypeError naming an unknown option, with the option meant when it looks
 * misspelt.
 */
function makeOptionPairs(rows, advise, hostOptions = []) {
  /** camelCase name -> { name, kind } */
  const TABLE = new Map(rows.filter((o) => o.public).map((o) => [o.camelName, o]));
  const HOST = new Set([...HOST_OPTIONS, ...hostOptions]);
  const optionPairs = (options) => {
    const pairs = [];
    const ignored = [];
    for (const [key, value] of Object.entries(options)) {
      if (value === undefined || value === null || HOST.has(key)) continue;
      const spec = TABLE.get(key);
      if (!spec) {
        const advice = advise(key);
        if (advice.sentryOnly) {
          ignored.push(key);
          continue;
        }
        const hint = advice.didYouMean ? `did you mean ${advice.didYouMean}?` : `known options are ${[...TABLE.keys(), ...HOST].join(', ')}`;
        const error = new TypeError(`llmtel: unknown option ${key}; ${hint}`);
        error.code = 'invalid_option';
        error.option = key;
        throw error;
      }
      const convert = CONVERT[spec.kind];
      if (convert === null) continue;
      if (!convert) throw new TypeError(`llmtel: option ${key} has a kind this package does not know (${spec.kind})`);
      pairs.push([spec.name, convert(value)]);
    }
    return { pairs, ignored };
  };
  /** Every option with a valid example value, in camelCase (for tests and tools). */
  const optionExamples = () => [...TABLE.values()].filter((o) => o.kind !== 'callback').map((o) => [o.camelName, o.example, o.kind]);
  return { optionPairs, optionExamples };
}

module.exports = { makeOptionPairs };
