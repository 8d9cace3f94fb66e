//! User spans: `llmtel_span_*` over the facade's `SpanHandle`.

use std::ffi::c_char;

use llmtel_core::genai::Usage;
use llmtel_core::{SpanHandle, SpanSpec, Value};

use crate::client::llmtel_client;
use crate::context::{llmtel_context, parent_of, write_context};
use crate::ffi::*;

/// A span being recorded. Thread-safe.
pub struct llmtel_span {
    inner: SpanHandle,
}

/// Starts a span named `name` with operation `op` (`{NULL, 0}` for none) under `parent` (NULL
/// for a local root; a context from `llmtel_continue_trace` joins the caller's trace). Free
/// with `llmtel_span_free`; end it first with `llmtel_span_end`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn llmtel_span_start(
    client: *const llmtel_client,
    name: llmtel_str,
    op: llmtel_str,
    parent: *const llmtel_context,
    out: *mut *mut llmtel_span,
) -> llmtel_result {
    boundary(|| {
        let client = tri!(tri!(require(client, "client")).open());
        let out = tri!(out_param(out));
        let name = tri!(unsafe { read_str(name, "the span name") });
        let op = tri!(unsafe { read_owned(op, "the span op") });
        let parent = parent_of(parent);
        let span = tri!(
            client
                .span(SpanSpec {
                    name: name.to_owned(),
                    op,
                    parent: parent.local,
                    remote_parent: parent.remote,
                    ..SpanSpec::default()
                })
                .map_err(raise)
        );
        hand_out(out, llmtel_span { inner: span })
    })
}

/// The span's context, for children and outgoing headers.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn llmtel_span_context(
    span: *const llmtel_span,
    out: *mut llmtel_context,
) -> llmtel_result {
    boundary(|| {
        let span = tri!(require(span, "span"));
        let out = tri!(out_param(out));
        write_context(out, span.inner.context())
    })
}

/// The body every typed setter shares: read the key, build the value, set it on a live span.
fn set_value(
    span: *const llmtel_span,
    key: llmtel_str,
    value: impl FnOnce() -> Result<Value, llmtel_result>,
) -> llmtel_result {
    boundary(|| {
        let span = tri!(require(span, "span"));
        let key = tri!(unsafe { read_str(key, "the key") });
        let value = tri!(value());
        status(span.inner.set_attribute(key.to_owned(), value))
    })
}

/// Sets a string attribute.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn llmtel_span_set_string(
    span: *const llmtel_span,
    key: llmtel_str,
    value: llmtel_str,
) -> llmtel_result {
    set_value(span, key, || {
        Ok(Value::from(
            unsafe { read_str(value, "the value") }?.to_owned(),
        ))
    })
}

/// Sets an integer attribute.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn llmtel_span_set_int(
    span: *const llmtel_span,
    key: llmtel_str,
    value: i64,
) -> llmtel_result {
    set_value(span, key, || Ok(Value::Int(value)))
}

/// Sets a double attribute.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn llmtel_span_set_double(
    span: *const llmtel_span,
    key: llmtel_str,
    value: f64,
) -> llmtel_result {
    set_value(span, key, || Ok(Value::Double(value)))
}

/// Sets a boolean attribute.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn llmtel_span_set_bool(
    span: *const llmtel_span,
    key: llmtel_str,
    value: bool,
) -> llmtel_result {
    set_value(span, key, || Ok(Value::Bool(value)))
}

/// Sets a string-array attribute from `count` strings (`items` may be NULL when `count` is 0).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn llmtel_span_set_string_array(
    span: *const llmtel_span,
    key: llmtel_str,
    items: *const llmtel_str,
    count: usize,
) -> llmtel_result {
    set_value(span, key, || {
        let items = unsafe { slice(items, count, "items") }?;
        let mut values = Vec::with_capacity(count);
        for item in items {
            values.push(unsafe { read_str(*item, "an array item") }?.to_owned());
        }
        Ok(Value::from(values))
    })
}

/// Sets an integer-array attribute.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn llmtel_span_set_int_array(
    span: *const llmtel_span,
    key: llmtel_str,
    items: *const i64,
    count: usize,
) -> llmtel_result {
    set_value(span, key, || {
        Ok(Value::IntArray(
            unsafe { slice(items, count, "items") }?.to_vec(),
        ))
    })
}

/// Sets a double-array attribute.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn llmtel_span_set_double_array(
    span: *const llmtel_span,
    key: llmtel_str,
    items: *const f64,
    count: usize,
) -> llmtel_result {
    set_value(span, key, || {
        Ok(Value::DoubleArray(
            unsafe { slice(items, count, "items") }?.to_vec(),
        ))
    })
}

/// Sets a boolean-array attribute.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn llmtel_span_set_bool_array(
    span: *const llmtel_span,
    key: llmtel_str,
    items: *const bool,
    count: usize,
) -> llmtel_result {
    set_value(span, key, || {
        Ok(Value::BoolArray(
            unsafe { slice(items, count, "items") }?.to_vec(),
        ))
    })
}

/// Removes an attribute; removing one the span does not have is not an error.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn llmtel_span_remove_attribute(
    span: *const llmtel_span,
    key: llmtel_str,
) -> llmtel_result {
    boundary(|| {
        let span = tri!(require(span, "span"));
        let key = tri!(unsafe { read_str(key, "the key") });
        status(span.inner.remove_attribute(key))
    })
}

/// Renames the span.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn llmtel_span_set_name(
    span: *const llmtel_span,
    name: llmtel_str,
) -> llmtel_result {
    boundary(|| {
        let span = tri!(require(span, "span"));
        let name = tri!(unsafe { read_str(name, "the name") });
        status(span.inner.set_name(name.to_owned()))
    })
}

/// Sets the span's op (`ai.task`, …).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn llmtel_span_set_op(
    span: *const llmtel_span,
    op: llmtel_str,
) -> llmtel_result {
    boundary(|| {
        let span = tri!(require(span, "span"));
        let op = tri!(unsafe { read_str(op, "the op") });
        status(span.inner.set_op(op.to_owned()))
    })
}

/// Records token usage as the span contract counts it: `input` includes `cached_input`,
/// `output` includes `reasoning`. A negative value means "not reported" and is left out.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn llmtel_span_record_usage(
    span: *const llmtel_span,
    input: i64,
    output: i64,
    cached_input: i64,
    reasoning: i64,
) -> llmtel_result {
    boundary(|| {
        let span = tri!(require(span, "span"));
        let reported = |n: i64| (n >= 0).then_some(n);
        status(span.inner.record_usage(&Usage {
            input: reported(input),
            output: reported(output),
            cache_read: reported(cached_input),
            reasoning: reported(reasoning),
            ..Usage::default()
        }))
    })
}

/// Marks the span ok.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn llmtel_span_set_status_ok(span: *const llmtel_span) -> llmtel_result {
    boundary(|| {
        let span = tri!(require(span, "span"));
        status(span.inner.set_status("ok", None))
    })
}

/// Marks the span failed. `code` is a Sentry status (`internal_error`, `resource_exhausted`,
/// …; `{NULL, 0}` for `internal_error`); `message` may be `{NULL, 0}`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn llmtel_span_set_status_error(
    span: *const llmtel_span,
    code: llmtel_str,
    message: llmtel_str,
) -> llmtel_result {
    boundary(|| {
        let span = tri!(require(span, "span"));
        let code = tri!(unsafe { read_opt(code, "the status code") }).unwrap_or("internal_error");
        let message = tri!(unsafe { read_owned(message, "the message") });
        status(span.inner.set_status(code, message))
    })
}

/// Writes the span's trace id (32 hex digits) and span id (16) into the buffers, for
/// propagation; no NUL is written.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn llmtel_span_ids(
    span: *const llmtel_span,
    trace_id: *mut c_char,
    span_id: *mut c_char,
) -> llmtel_result {
    boundary(|| {
        let span = tri!(require(span, "span"));
        if trace_id.is_null() || span_id.is_null() {
            return fail(LLMTEL_ERROR_NULL_ARGUMENT, "an id buffer is NULL");
        }
        let context = span.inner.context();
        let (t, s) = (context.trace_id.to_hex(), context.span_id.to_hex());
        // SAFETY: the caller gives 32 and 16 writable bytes.
        unsafe {
            std::ptr::copy_nonoverlapping(t.as_ptr(), trace_id.cast(), 32);
            std::ptr::copy_nonoverlapping(s.as_ptr(), span_id.cast(), 16);
        }
        LLMTEL_OK
    })
}

/// Ends the span now. A second end gives `LLMTEL_ERROR_ALREADY_ENDED`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn llmtel_span_end(span: *const llmtel_span) -> llmtel_result {
    boundary(|| {
        let span = tri!(require(span, "span"));
        status(span.inner.end())
    })
}

/// Frees a span handle, ending the span if it was not ended. NULL is accepted.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn llmtel_span_free(span: *mut llmtel_span) {
    unsafe { free_handle(span) }
}
