//! C ABI over `llmtel-core`. Placeholder until the C ABI issue adds the exports.
