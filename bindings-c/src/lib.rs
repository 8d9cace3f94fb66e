//! C ABI over the core's facade (`llmtel_core::facade`), one to one: opaque handles with
//! `_new` / `_start` / `_begin` and `_free` pairs, UTF-8 strings as pointer + length, numbered
//! result codes (the facade's error numbers), out-parameters written only on success, and one
//! panic boundary around every export. No logic of its own: it converts and calls the core.
//!
//! Thread safety: a `llmtel_client` may be used from any number of threads at once; so may a
//! `llmtel_span`, a `llmtel_genai_call` and a `llmtel_run` (each guards itself). A
//! `llmtel_options` is for one thread at a time. `llmtel_context` is a plain value.
#![allow(non_camel_case_types)]
#![allow(clippy::missing_safety_doc)] // every export documents its pointer contract in the header

mod client;
mod context;
mod ffi;
mod genai;
mod hook;
mod run;
mod span;

pub use client::*;
pub use context::*;
pub use ffi::{llmtel_last_error, llmtel_result, llmtel_result_name, llmtel_str, llmtel_version};
pub use genai::*;
pub use hook::*;
pub use run::*;
pub use span::*;
