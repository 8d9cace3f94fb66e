//! pyo3 binding over `llmtel-core`. Placeholder until the Python issue adds the module.
