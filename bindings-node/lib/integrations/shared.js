'use strict';
/**
 * What the framework integrations (LangChain, the AI SDK) share when they hand payloads to the
 * core: JSON that never throws, debug warnings, and an error's class name. Platform-neutral.
 */

/** JSON for the core; a cycle or a BigInt gives `null` (the span keeps what it has). */
function json(value, replacer) {
  try {
    return JSON.stringify(value ?? null, replacer);
  } catch {
    return 'null';
  }
}

/** A problem of llmtel's own, shown only under LLMTEL_DEBUG: never the user's. */
function warn(what, error) {
  if (typeof process !== 'undefined' && process.env && process.env.LLMTEL_DEBUG) process.stderr.write(`llmtel: ${what}: ${error}\n`);
}

/** An error's class name (its `name`, else its constructor's), or undefined. */
const errorName = (error) => (error && (error.name || error.constructor?.name)) || undefined;

module.exports = { json, warn, errorName };
