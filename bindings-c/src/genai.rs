//! GenAI calls: `llmtel_genai_*` over the facade's `CallHandle`, begun from the provider's
//! request JSON or from a request a framework normalized.

use llmtel_core::facade::spec_from_json;
use llmtel_core::{CallHandle, CallSpec, FailSpec, PlacementSpec};

use crate::client::llmtel_client;
use crate::context::{llmtel_context, parent_of, write_context};
use crate::ffi::*;

/// A GenAI call being recorded. Thread-safe.
pub struct llmtel_genai_call {
    inner: CallHandle,
    /// Why the request could not be read, if it could not.
    problem: Option<String>,
}

/// What `llmtel_genai_begin` needs. Strings may be `{NULL, 0}` when absent.
#[repr(C)]
pub struct llmtel_genai_start {
    /// `openai`, `azure.ai.openai`, `anthropic`, `gcp.gemini`, `gcp.vertex_ai`, `gcp.gen_ai`.
    pub provider: llmtel_str,
    /// `chat_completions`, `responses`, `embeddings`, `messages`, `count_tokens`,
    /// `generate_content`, `chat_send_message`, `embed_content`.
    pub api: llmtel_str,
    /// The request parameters as JSON.
    pub request_json: llmtel_str,
    pub server_address: llmtel_str,
    /// 0 when unknown.
    pub server_port: u16,
    /// May be NULL.
    pub parent: *const llmtel_context,
    pub record_inputs: bool,
    pub record_outputs: bool,
    /// The host called a streaming method.
    pub stream: bool,
    /// The integration's origin (`auto.ai.openai` by default for OpenAI, …).
    pub origin: llmtel_str,
    /// `gen_ai.conversation.id` when the request names none.
    pub conversation_id: llmtel_str,
}

/// Where a framework's span goes and what it may record (`NULL` for the defaults: no content,
/// origin `manual`).
#[repr(C)]
pub struct llmtel_placement {
    pub record_inputs: bool,
    pub record_outputs: bool,
    pub origin: llmtel_str,
}

pub(crate) unsafe fn read_placement(
    placement: *const llmtel_placement,
    parent: *const llmtel_context,
) -> Result<PlacementSpec, llmtel_result> {
    let mut spec = PlacementSpec {
        parent: parent_of(parent).context(),
        ..PlacementSpec::default()
    };
    // SAFETY: NULL or a placement the caller filled.
    if let Some(p) = unsafe { placement.as_ref() } {
        spec.record_inputs = p.record_inputs;
        spec.record_outputs = p.record_outputs;
        spec.origin = unsafe { read_owned(p.origin, "the origin") }?;
    }
    Ok(spec)
}

/// Starts a GenAI call span from the request; `*out` receives the call, which must be ended
/// and freed. A request that cannot be read still gives a call (its request attributes are
/// missing): `llmtel_genai_problem` says why.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn llmtel_genai_begin(
    client: *const llmtel_client,
    start: *const llmtel_genai_start,
    out: *mut *mut llmtel_genai_call,
) -> llmtel_result {
    boundary(|| {
        let client = tri!(tri!(require(client, "client")).open());
        let start = tri!(require(start, "start"));
        let out = tri!(out_param(out));
        let spec = CallSpec {
            provider: tri!(unsafe { read_str(start.provider, "the provider") }).to_owned(),
            api: tri!(unsafe { read_str(start.api, "the API") }).to_owned(),
            request: tri!(unsafe { read_str(start.request_json, "the request") }).to_owned(),
            server_address: tri!(unsafe { read_owned(start.server_address, "the server address") }),
            server_port: (start.server_port != 0).then_some(start.server_port),
            record_inputs: start.record_inputs,
            record_outputs: start.record_outputs,
            stream: start.stream,
            origin: tri!(unsafe { read_owned(start.origin, "the origin") }),
            conversation_id: tri!(unsafe {
                read_owned(start.conversation_id, "the conversation id")
            }),
            // C has no scope: a C application sets its attributes on its own spans.
            scope: Vec::new(),
            parent: parent_of(start.parent).context(),
            started_ago_ns: None,
        };
        let (inner, problem) = tri!(client.call(spec).map_err(raise));
        hand_out(
            out,
            llmtel_genai_call {
                inner,
                problem: problem.map(|e| e.to_string()),
            },
        )
    })
}

/// Starts a call a framework normalized: `request_json` is a NormalizedRequest (model,
/// provider, parameters, messages in the contract's schema). `placement` may be NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn llmtel_genai_begin_normalized(
    client: *const llmtel_client,
    request_json: llmtel_str,
    placement: *const llmtel_placement,
    parent: *const llmtel_context,
    out: *mut *mut llmtel_genai_call,
) -> llmtel_result {
    boundary(|| {
        let client = tri!(tri!(require(client, "client")).open());
        let out = tri!(out_param(out));
        let text = tri!(unsafe { read_str(request_json, "the request") });
        let request = tri!(spec_from_json("request", text).map_err(raise));
        let placement = tri!(unsafe { read_placement(placement, parent) });
        hand_out(
            out,
            llmtel_genai_call {
                inner: client.normalized_call(request, placement),
                problem: None,
            },
        )
    })
}

fn call<'a>(call: *const llmtel_genai_call) -> Result<&'a llmtel_genai_call, llmtel_result> {
    require(call, "call")
}

/// Why the request could not be read (lent until the call is freed);
/// `LLMTEL_ERROR_NOT_FOUND` when it was read.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn llmtel_genai_problem(
    genai_call: *const llmtel_genai_call,
    out: *mut llmtel_str,
) -> llmtel_result {
    boundary(|| {
        let c = tri!(call(genai_call));
        let out = tri!(out_param(out));
        match &c.problem {
            Some(problem) => {
                // SAFETY: checked non-NULL; the text lives as long as the handle.
                unsafe {
                    out.write(llmtel_str {
                        data: problem.as_ptr().cast(),
                        len: problem.len(),
                    })
                };
                LLMTEL_OK
            }
            None => fail(LLMTEL_ERROR_NOT_FOUND, "the request was read"),
        }
    })
}

/// The call's context, for tool calls made inside it; `LLMTEL_ERROR_NOT_FOUND` when the call
/// is not sampled.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn llmtel_genai_context(
    genai_call: *const llmtel_genai_call,
    out: *mut llmtel_context,
) -> llmtel_result {
    boundary(|| {
        let c = tri!(call(genai_call));
        let out = tri!(out_param(out));
        match c.inner.context() {
            Some(ctx) => write_context(out, ctx),
            None => fail(LLMTEL_ERROR_NOT_FOUND, "the call is not sampled"),
        }
    })
}

/// Feeds one stream event as received: `event` is the SSE event name (`{NULL, 0}` when none),
/// `data` its data text.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn llmtel_genai_chunk(
    genai_call: *const llmtel_genai_call,
    event: llmtel_str,
    data: llmtel_str,
) -> llmtel_result {
    boundary(|| {
        let c = tri!(call(genai_call));
        let event = tri!(unsafe { read_opt(event, "the event name") });
        let data = tri!(unsafe { read_str(data, "the chunk") });
        status(c.inner.chunk(event, data))
    })
}

/// Feeds the stream's bytes as read off the wire (`len` bytes at `bytes`, in any pieces): the
/// core reads the server-sent events out of them. `bytes` may be NULL when `len` is 0.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn llmtel_genai_feed(
    genai_call: *const llmtel_genai_call,
    bytes: *const u8,
    len: usize,
) -> llmtel_result {
    boundary(|| {
        let c = tri!(call(genai_call));
        let bytes = tri!(unsafe { slice(bytes, len, "bytes") });
        status(c.inner.feed(bytes))
    })
}

/// Notes that a chunk arrived without handing it over (normalized streams: time to first
/// chunk).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn llmtel_genai_mark_chunk(
    genai_call: *const llmtel_genai_call,
) -> llmtel_result {
    boundary(|| status(tri!(call(genai_call)).inner.mark_chunk()))
}

/// Ends the call with its (non-streamed) response JSON.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn llmtel_genai_finish(
    genai_call: *const llmtel_genai_call,
    response: llmtel_str,
) -> llmtel_result {
    boundary(|| {
        let c = tri!(call(genai_call));
        let response = tri!(unsafe { read_str(response, "the response") });
        status(c.inner.finish(response))
    })
}

/// Ends a normalized call: `response_json` is a NormalizedResponse (id, model, messages,
/// finish_reasons, usage).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn llmtel_genai_finish_normalized(
    genai_call: *const llmtel_genai_call,
    response_json: llmtel_str,
) -> llmtel_result {
    boundary(|| {
        let c = tri!(call(genai_call));
        let text = tri!(unsafe { read_str(response_json, "the response") });
        let response = tri!(spec_from_json("response", text).map_err(raise));
        status(c.inner.finish_normalized(response))
    })
}

/// Ends a streamed call (exhausted, stopped early, or abandoned).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn llmtel_genai_finish_stream(
    genai_call: *const llmtel_genai_call,
) -> llmtel_result {
    boundary(|| status(tri!(call(genai_call)).inner.finish_stream()))
}

/// Ends the call as failed: `http_status` 0 when there was none, `body` the provider's error
/// JSON, `exception` the host's error type name and `message` its message (each `{NULL, 0}`
/// when absent).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn llmtel_genai_fail(
    genai_call: *const llmtel_genai_call,
    http_status: u16,
    body: llmtel_str,
    exception: llmtel_str,
    message: llmtel_str,
) -> llmtel_result {
    boundary(|| {
        let c = tri!(call(genai_call));
        let error = FailSpec {
            http_status: (http_status != 0).then_some(http_status),
            body: tri!(unsafe { read_owned(body, "the error body") }),
            exception: tri!(unsafe { read_owned(exception, "the exception name") }),
            message: tri!(unsafe { read_owned(message, "the message") }),
        };
        status(c.inner.fail(&error))
    })
}

/// Frees a call handle, ending the call with what it gathered if it was not ended. NULL is
/// accepted.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn llmtel_genai_call_free(genai_call: *mut llmtel_genai_call) {
    unsafe { free_handle(genai_call) }
}
