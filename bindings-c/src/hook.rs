//! `before_send_span` for C: a hook the host registers on the options, called with the span
//! lent for one call, read and edited through `llmtel_span_data_*`.

use std::ffi::c_void;

use llmtel_core::{SpanData, SpanFate, Value};

use crate::client::llmtel_options;
use crate::ffi::*;

/// What a `before_send_span` hook returns. Any other value drops the span too: a hook meant to
/// filter must never let a span through by mistake.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum llmtel_span_fate {
    /// Send the span, with whatever the hook changed.
    LLMTEL_SPAN_KEEP = 0,
    /// Drop the span (counted as `LLMTEL_DROP_BEFORE_SEND`).
    LLMTEL_SPAN_DROP = 1,
}

/// A finished span lent to the `before_send_span` hook for the length of one call: read and
/// edit it with the `llmtel_span_data_*` functions. Strings read from it stay valid until the
/// hook returns or the span is edited.
pub struct llmtel_span_data {
    // Never built: a `*mut llmtel_span_data` is the lent `*mut SpanData`, opaque to C.
    _opaque: [u8; 0],
}

/// `before_send_span(span, user_data)`: runs on the thread that ends each span (so it must be
/// safe to call from any thread that records spans), after the privacy filter and before the
/// span is queued; returns a `llmtel_span_fate`. The hook must not call back into the client.
pub type llmtel_before_send_span_fn =
    Option<unsafe extern "C" fn(span: *mut llmtel_span_data, user_data: *mut c_void) -> u32>;

/// The user's pointer, handed back to the hook untouched.
struct UserData(*mut c_void);
// SAFETY: llmtel never dereferences it; the header tells the user that the hook (and so what
// it does with this pointer) runs on whichever thread ends a span.
unsafe impl Send for UserData {}
unsafe impl Sync for UserData {}

impl UserData {
    /// Through a method, so closures capture the whole (Send + Sync) wrapper, not the field.
    fn get(&self) -> *mut c_void {
        self.0
    }
}

/// Sets (or, with a NULL `hook`, clears) the `before_send_span` hook; `user_data` is passed to
/// every call and must outlive the client.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn llmtel_options_set_before_send_span(
    options: *mut llmtel_options,
    hook: llmtel_before_send_span_fn,
    user_data: *mut c_void,
) -> llmtel_result {
    boundary(|| {
        // SAFETY: the handle comes from `llmtel_options_new`.
        let Some(options) = (unsafe { options.as_mut() }) else {
            return fail(LLMTEL_ERROR_NULL_ARGUMENT, "options is NULL");
        };
        options.inner.before_send_span = hook.map(|hook| {
            let user_data = UserData(user_data);
            let hook: llmtel_core::BeforeSendSpan =
                std::sync::Arc::new(move |span: &mut SpanData| {
                    // The span is lent for this call only; the hook's contract is in the header.
                    let data = (span as *mut SpanData).cast::<llmtel_span_data>();
                    match unsafe { hook(data, user_data.get()) } {
                        0 => SpanFate::Keep,
                        _ => SpanFate::Drop,
                    }
                });
            hook
        });
        LLMTEL_OK
    })
}

fn with_data(
    span: *mut llmtel_span_data,
    f: impl FnOnce(&mut SpanData) -> llmtel_result,
) -> llmtel_result {
    // SAFETY: non-NULL pointers are the `SpanData` lent to the running hook.
    match unsafe { span.cast::<SpanData>().as_mut() } {
        Some(data) => f(data),
        None => fail(LLMTEL_ERROR_NULL_ARGUMENT, "span is NULL"),
    }
}

fn lend(text: &str, out: *mut llmtel_str) -> llmtel_result {
    if out.is_null() {
        return fail(LLMTEL_ERROR_NULL_ARGUMENT, "out is NULL");
    }
    // SAFETY: checked non-NULL; the text lives in the lent span.
    unsafe {
        *out = llmtel_str {
            data: text.as_ptr().cast(),
            len: text.len(),
        }
    };
    LLMTEL_OK
}

/// The span's name.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn llmtel_span_data_name(
    span: *mut llmtel_span_data,
    out: *mut llmtel_str,
) -> llmtel_result {
    boundary(|| with_data(span, |data| lend(&data.name, out)))
}

/// The span's op (`gen_ai.chat`, `ai.task`, …); `{NULL, 0}` when it has none.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn llmtel_span_data_op(
    span: *mut llmtel_span_data,
    out: *mut llmtel_str,
) -> llmtel_result {
    boundary(|| {
        with_data(span, |data| match &data.op {
            Some(op) => lend(op, out),
            None if out.is_null() => fail(LLMTEL_ERROR_NULL_ARGUMENT, "out is NULL"),
            None => {
                // SAFETY: checked non-NULL.
                unsafe { *out = llmtel_str::ABSENT };
                LLMTEL_OK
            }
        })
    })
}

/// A string attribute; `LLMTEL_ERROR_NOT_FOUND` when the span has none of that name (or it is
/// not a string).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn llmtel_span_data_get_string(
    span: *mut llmtel_span_data,
    key: llmtel_str,
    out: *mut llmtel_str,
) -> llmtel_result {
    boundary(|| {
        let key = tri!(unsafe { read_str(key, "the key") });
        with_data(span, |data| match data.attributes.get(key) {
            Some(Value::String(text)) => lend(text, out),
            _ => fail(
                LLMTEL_ERROR_NOT_FOUND,
                format!("no string attribute {key:?}"),
            ),
        })
    })
}

/// Sets (or replaces) a string attribute.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn llmtel_span_data_set_string(
    span: *mut llmtel_span_data,
    key: llmtel_str,
    value: llmtel_str,
) -> llmtel_result {
    boundary(|| {
        let key = tri!(unsafe { read_str(key, "the key") });
        let value = tri!(unsafe { read_str(value, "the value") });
        with_data(span, |data| {
            data.attributes.set(key.to_owned(), value.to_owned());
            LLMTEL_OK
        })
    })
}

/// Removes an attribute; removing one the span does not have is not an error.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn llmtel_span_data_remove_attribute(
    span: *mut llmtel_span_data,
    key: llmtel_str,
) -> llmtel_result {
    boundary(|| {
        let key = tri!(unsafe { read_str(key, "the key") });
        with_data(span, |data| {
            data.attributes.remove(key);
            LLMTEL_OK
        })
    })
}

/// Renames the span.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn llmtel_span_data_set_name(
    span: *mut llmtel_span_data,
    name: llmtel_str,
) -> llmtel_result {
    boundary(|| {
        let name = tri!(unsafe { read_str(name, "the name") });
        with_data(span, |data| {
            data.name = name.to_owned().into();
            LLMTEL_OK
        })
    })
}
