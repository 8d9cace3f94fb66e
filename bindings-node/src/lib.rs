//! napi binding over `llmtel-core`. Placeholder until the Node issue adds the exports.
