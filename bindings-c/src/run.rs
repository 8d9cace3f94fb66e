//! Agent, workflow and tool runs: `llmtel_agent_start`, `llmtel_tool_start` and `llmtel_run_*`
//! over the facade's `RunHandle`.

use llmtel_core::facade::spec_from_json;
use llmtel_core::{PlacementSpec, RunHandle};

use crate::client::llmtel_client;
use crate::context::{llmtel_context, write_context};
use crate::ffi::*;
use crate::genai::{llmtel_placement, read_placement};

/// An agent, workflow or tool run. Thread-safe.
pub struct llmtel_run {
    inner: RunHandle,
}

/// The body both starts share: read the spec JSON and the placement, start, hand out.
unsafe fn start<S: for<'de> serde::Deserialize<'de>>(
    client: *const llmtel_client,
    what: &str,
    spec_json: llmtel_str,
    placement: *const llmtel_placement,
    parent: *const llmtel_context,
    out: *mut *mut llmtel_run,
    begin: impl FnOnce(&llmtel_core::Client, S, PlacementSpec) -> Result<RunHandle, llmtel_core::Error>,
) -> llmtel_result {
    let client = tri!(tri!(require(client, "client")).open());
    let out = tri!(out_param(out));
    let text = tri!(unsafe { read_str(spec_json, "the spec") });
    let spec = tri!(spec_from_json(what, text).map_err(raise));
    let placement = tri!(unsafe { read_placement(placement, parent) });
    let run = tri!(begin(client, spec, placement).map_err(raise));
    hand_out(out, llmtel_run { inner: run })
}

/// Starts an `invoke_agent` / `create_agent` / `invoke_workflow` span: `spec_json` is an
/// AgentSpec (`{"name": …, "operation": …, "model": …}`). The model calls beneath it add their
/// token usage and cost to it. `placement` may be NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn llmtel_agent_start(
    client: *const llmtel_client,
    spec_json: llmtel_str,
    placement: *const llmtel_placement,
    parent: *const llmtel_context,
    out: *mut *mut llmtel_run,
) -> llmtel_result {
    boundary(|| unsafe {
        start(
            client,
            "agent",
            spec_json,
            placement,
            parent,
            out,
            |c, s, p| c.agent(s, p),
        )
    })
}

/// Starts an `execute_tool` span: `spec_json` is a ToolSpec (`{"name": …, "call_id": …,
/// "arguments": …}`). `placement` may be NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn llmtel_tool_start(
    client: *const llmtel_client,
    spec_json: llmtel_str,
    placement: *const llmtel_placement,
    parent: *const llmtel_context,
    out: *mut *mut llmtel_run,
) -> llmtel_result {
    boundary(|| unsafe {
        start(
            client,
            "tool",
            spec_json,
            placement,
            parent,
            out,
            |c, s, p| c.tool(s, p),
        )
    })
}

fn run<'a>(run: *const llmtel_run) -> Result<&'a llmtel_run, llmtel_result> {
    require(run, "run")
}

/// The run's context, for the calls and tools beneath it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn llmtel_run_context(
    handle: *const llmtel_run,
    out: *mut llmtel_context,
) -> llmtel_result {
    boundary(|| {
        let r = tri!(run(handle));
        let out = tri!(out_param(out));
        write_context(out, r.inner.context())
    })
}

/// An agent's output messages (a JSON array of messages), recorded when outputs are.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn llmtel_run_set_output(
    handle: *const llmtel_run,
    messages_json: llmtel_str,
) -> llmtel_result {
    boundary(|| {
        let r = tri!(run(handle));
        let text = tri!(unsafe { read_str(messages_json, "the messages") });
        let messages = tri!(spec_from_json("messages", text).map_err(raise));
        status(r.inner.set_output(messages))
    })
}

/// A tool's result (JSON, or text as it came), recorded when outputs are.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn llmtel_run_set_result(
    handle: *const llmtel_run,
    result: llmtel_str,
) -> llmtel_result {
    boundary(|| {
        let r = tri!(run(handle));
        let text = tri!(unsafe { read_str(result, "the result") });
        status(r.inner.set_result(text))
    })
}

/// Ends the run as succeeded. A second end gives `LLMTEL_ERROR_ALREADY_ENDED`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn llmtel_run_end(handle: *const llmtel_run) -> llmtel_result {
    boundary(|| status(tri!(run(handle)).inner.end()))
}

/// Ends the run as failed: `error_type` is the error's class or code, `message` may be
/// `{NULL, 0}`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn llmtel_run_fail(
    handle: *const llmtel_run,
    error_type: llmtel_str,
    message: llmtel_str,
) -> llmtel_result {
    boundary(|| {
        let r = tri!(run(handle));
        let error_type = tri!(unsafe { read_str(error_type, "the error type") });
        let message = tri!(unsafe { read_opt(message, "the message") });
        status(r.inner.fail(error_type, message))
    })
}

/// Frees a run handle, ending the run if it was not ended. NULL is accepted.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn llmtel_run_free(handle: *mut llmtel_run) {
    unsafe { free_handle(handle) }
}
