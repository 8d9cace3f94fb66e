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

module.exports = { endCall };
