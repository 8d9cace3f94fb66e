//! Where a span starts: `llmtel_context`, a plain value read from any handle (span, GenAI call,
//! run) or from incoming trace headers, and the outgoing `traceparent` / `sentry-trace`.

use std::ffi::c_char;

use llmtel_core::SpanContext;
use llmtel_core::propagation::{self, RemoteParent};
use llmtel_core::span::{SpanId, TraceId};

use crate::client::llmtel_client;
use crate::ffi::*;

/// `llmtel_context.flags`: the trace is sampled.
pub const LLMTEL_CONTEXT_SAMPLED: u32 = 1;
/// `llmtel_context.flags`: the span is another process's (from incoming headers).
pub const LLMTEL_CONTEXT_REMOTE: u32 = 2;
/// `llmtel_context.flags`: a remote caller left the sampling decision to us.
pub const LLMTEL_CONTEXT_DEFERRED: u32 = 4;
/// `llmtel_context.flags`: `agent_id` names the enclosing agent span.
pub const LLMTEL_CONTEXT_IN_AGENT: u32 = 8;

/// A span's place in a trace, copied by value: what children start under (`parent`
/// arguments). Read it with `llmtel_span_context`, `llmtel_genai_context`,
/// `llmtel_run_context` or `llmtel_continue_trace`; do not fill it by hand.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct llmtel_context {
    pub trace_id: [u8; 16],
    pub span_id: [u8; 8],
    /// The local root's span id.
    pub segment_id: [u8; 8],
    /// The enclosing agent span (with `LLMTEL_CONTEXT_IN_AGENT`).
    pub agent_id: [u8; 8],
    /// `LLMTEL_CONTEXT_*` bits.
    pub flags: u32,
}

impl llmtel_context {
    pub(crate) fn of(ctx: SpanContext) -> Self {
        let mut flags = 0;
        if ctx.sampled {
            flags |= LLMTEL_CONTEXT_SAMPLED;
        }
        if ctx.remote {
            flags |= LLMTEL_CONTEXT_REMOTE;
        }
        if ctx.agent.is_some() {
            flags |= LLMTEL_CONTEXT_IN_AGENT;
        }
        llmtel_context {
            trace_id: ctx.trace_id.0,
            span_id: ctx.span_id.0,
            segment_id: ctx.segment_id.0,
            agent_id: ctx.agent.map_or([0; 8], |a| a.0),
            flags,
        }
    }

    fn core(&self) -> SpanContext {
        SpanContext {
            trace_id: TraceId(self.trace_id),
            span_id: SpanId(self.span_id),
            segment_id: SpanId(self.segment_id),
            sampled: self.flags & LLMTEL_CONTEXT_SAMPLED != 0,
            remote: self.flags & LLMTEL_CONTEXT_REMOTE != 0,
            agent: (self.flags & LLMTEL_CONTEXT_IN_AGENT != 0).then_some(SpanId(self.agent_id)),
        }
    }
}

/// A `parent` argument: NULL for a local root; a remote context becomes a remote parent.
pub(crate) struct Parent {
    pub local: Option<SpanContext>,
    pub remote: Option<RemoteParent>,
}

impl Parent {
    /// The parent as a context, remote or not (calls and runs under a remote context become
    /// local roots in the caller's trace).
    pub fn context(&self) -> Option<SpanContext> {
        self.local
            .or_else(|| self.remote.as_ref().map(|r| r.context(|| true)))
    }
}

pub(crate) fn parent_of(ptr: *const llmtel_context) -> Parent {
    // SAFETY: NULL or a context the caller read from this library.
    let Some(ctx) = (unsafe { ptr.as_ref() }) else {
        return Parent {
            local: None,
            remote: None,
        };
    };
    let core = ctx.core();
    if !core.remote {
        return Parent {
            local: Some(core),
            remote: None,
        };
    }
    Parent {
        local: None,
        remote: Some(RemoteParent {
            trace_id: core.trace_id,
            span_id: core.span_id,
            sampled: (ctx.flags & LLMTEL_CONTEXT_DEFERRED == 0).then_some(core.sampled),
            trace_state: None,
            baggage: Default::default(),
        }),
    }
}

/// Writes a context into a checked out-parameter.
pub(crate) fn write_context(out: *mut llmtel_context, ctx: SpanContext) -> llmtel_result {
    // SAFETY: checked non-NULL by the caller through `out_param`.
    unsafe { out.write(llmtel_context::of(ctx)) };
    LLMTEL_OK
}

/// Reads incoming trace headers (`{NULL, 0}` for those absent; `sentry-trace` wins over
/// `traceparent`) into `*out`; `client` keeps the trace's baggage (the dynamic sampling context
/// its head froze) for its envelopes and `llmtel_context_baggage`. `LLMTEL_ERROR_NOT_FOUND`
/// when they carry no trace; `LLMTEL_ERROR_INVALID_ARGUMENT` names a header that cannot be read.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn llmtel_continue_trace(
    client: *const llmtel_client,
    sentry_trace: llmtel_str,
    baggage: llmtel_str,
    traceparent: llmtel_str,
    tracestate: llmtel_str,
    out: *mut llmtel_context,
) -> llmtel_result {
    boundary(|| {
        let client = tri!(require(client, "client"));
        let out = tri!(out_param(out));
        let headers = [
            tri!(unsafe { read_opt(sentry_trace, "sentry-trace") }),
            tri!(unsafe { read_opt(baggage, "baggage") }),
            tri!(unsafe { read_opt(traceparent, "traceparent") }),
            tri!(unsafe { read_opt(tracestate, "tracestate") }),
        ];
        let found = RemoteParent::from_headers(|name| match name {
            "sentry-trace" => headers[0],
            "baggage" => headers[1],
            "traceparent" => headers[2],
            "tracestate" => headers[3],
            _ => None,
        });
        match found {
            Ok(Some(remote)) => {
                let mut ctx = llmtel_context::of(client.inner.continue_trace(&remote));
                if remote.sampled.is_none() {
                    ctx.flags |= LLMTEL_CONTEXT_DEFERRED;
                }
                // SAFETY: checked non-NULL.
                unsafe { out.write(ctx) };
                LLMTEL_OK
            }
            Ok(None) => fail(LLMTEL_ERROR_NOT_FOUND, "the headers carry no trace"),
            Err(e) => raise(e.into()),
        }
    })
}

/// Writes the `baggage` for an outgoing request made inside `ctx` (no NUL): the continued
/// trace's as it came, or `client`'s own dynamic sampling context; `*out_len` gets the length
/// (at most 8192).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn llmtel_context_baggage(
    client: *const llmtel_client,
    ctx: *const llmtel_context,
    buf: *mut c_char,
    cap: usize,
    out_len: *mut usize,
) -> llmtel_result {
    boundary(|| {
        let client = tri!(require(client, "client"));
        let ctx = tri!(require(ctx, "ctx"));
        copy_out(
            &client.inner.trace_data(&ctx.core()).baggage,
            buf,
            cap,
            out_len,
        )
    })
}

/// Writes the W3C `traceparent` for an outgoing request made inside `ctx` (55 bytes, no NUL)
/// into `buf`; `*out_len` gets the length.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn llmtel_context_traceparent(
    ctx: *const llmtel_context,
    buf: *mut c_char,
    cap: usize,
    out_len: *mut usize,
) -> llmtel_result {
    boundary(|| {
        let ctx = tri!(require(ctx, "ctx"));
        copy_out(&propagation::traceparent(&ctx.core()), buf, cap, out_len)
    })
}

/// Writes the Sentry `sentry-trace` header for an outgoing request made inside `ctx` (51
/// bytes, no NUL) into `buf`; `*out_len` gets the length.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn llmtel_context_sentry_trace(
    ctx: *const llmtel_context,
    buf: *mut c_char,
    cap: usize,
    out_len: *mut usize,
) -> llmtel_result {
    boundary(|| {
        let ctx = tri!(require(ctx, "ctx"));
        copy_out(&propagation::sentry_trace(&ctx.core()), buf, cap, out_len)
    })
}
