//! C ABI over `llmtel-core`: opaque handles with `_new` / `_free` pairs, UTF-8 strings as
//! pointer + length, numbered result codes, out-parameters written only on success, and one
//! panic boundary around every export. No logic of its own: it converts and calls the core.
//!
//! Thread safety: a `llmtel_client` may be used from any number of threads at once; so may a
//! `llmtel_span` and a `llmtel_genai_call` (each guards itself). A `llmtel_options` is for one
//! thread at a time.
#![allow(non_camel_case_types)]
#![allow(clippy::missing_safety_doc)] // every export documents its pointer contract in the header

use std::cell::RefCell;
use std::ffi::{c_char, c_void};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Mutex;
use std::time::Duration;

use llmtel_core::genai::{Api, CallError, CallStart, ContentPolicy, GenAiCall, Provider};
use llmtel_core::{
    Client, DropReason, ErrorCode, Options, Span, SpanContext, SpanData, SpanFate, SpanStart,
    Status, Value,
};

/// Result of every call. Numbers are never reused.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum llmtel_result {
    LLMTEL_OK = 0,
    /// A required pointer was NULL (or a string pointer was NULL with a non-zero length).
    LLMTEL_ERROR_NULL_ARGUMENT = 1,
    /// A string was not valid UTF-8.
    LLMTEL_ERROR_INVALID_UTF8 = 2,
    /// An option's name or value was refused; `llmtel_last_error` says which and why.
    LLMTEL_ERROR_INVALID_OPTION = 3,
    /// The wait ended before the work did; the flush thread carries on.
    LLMTEL_ERROR_TIMEOUT = 4,
    /// The span or call was already ended.
    LLMTEL_ERROR_ALREADY_ENDED = 5,
    /// JSON text could not be read. For `llmtel_genai_begin` the call is still created (see
    /// there); elsewhere the call goes on and only that input is lost.
    LLMTEL_ERROR_MALFORMED_JSON = 6,
    /// The provider name is not one llmtel maps.
    LLMTEL_ERROR_UNKNOWN_PROVIDER = 7,
    /// The API name is not one llmtel maps.
    LLMTEL_ERROR_UNKNOWN_API = 8,
    /// An argument was out of range (an unknown status code, …).
    LLMTEL_ERROR_INVALID_ARGUMENT = 9,
    /// The buffer given to `llmtel_last_error` was too small; the needed length was written.
    LLMTEL_ERROR_BUFFER_TOO_SMALL = 10,
    /// The client was closed; nothing new is recorded.
    LLMTEL_ERROR_CLOSED = 11,
    /// The span has no such attribute (or it is not of the type asked for).
    LLMTEL_ERROR_NOT_FOUND = 12,
    /// A bug inside llmtel was caught at the boundary; the host goes on.
    LLMTEL_ERROR_PANIC = 99,
}

use llmtel_result::*;

/// Why spans were dropped (`llmtel_stats.dropped_by_reason` is indexed by these).
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum llmtel_drop_reason {
    LLMTEL_DROP_QUEUE_OVERFLOW = 0,
    LLMTEL_DROP_SAMPLE_RATE = 1,
    LLMTEL_DROP_BEFORE_SEND = 2,
    LLMTEL_DROP_EVENT_PROCESSOR = 3,
    LLMTEL_DROP_RATELIMIT_BACKOFF = 4,
    LLMTEL_DROP_NETWORK_ERROR = 5,
    LLMTEL_DROP_SEND_ERROR = 6,
    LLMTEL_DROP_INTERNAL_SDK_ERROR = 7,
    LLMTEL_DROP_BUFFER_OVERFLOW = 8,
    LLMTEL_DROP_AFTER_CLOSE = 9,
}

/// Number of `llmtel_drop_reason` values.
pub const LLMTEL_DROP_REASON_COUNT: usize = 10;

/// A UTF-8 string that is not NUL-terminated.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct llmtel_str {
    pub data: *const c_char,
    pub len: usize,
}

/// Counters of a client, summed over its exporters.
#[repr(C)]
pub struct llmtel_stats {
    /// Sampled spans that ended and entered the queue.
    pub queued: u64,
    /// Spans delivered, summed over exporters.
    pub exported: u64,
    /// Spans dropped (before export, or by an exporter), by `llmtel_drop_reason`.
    pub dropped_by_reason: [u64; LLMTEL_DROP_REASON_COUNT],
}

/// Options for `llmtel_client_new`. Not thread-safe.
pub struct llmtel_options {
    inner: Options,
}

/// A configured pipeline. Thread-safe.
pub struct llmtel_client {
    inner: Client,
}

/// A span being recorded. Thread-safe.
pub struct llmtel_span {
    inner: Mutex<Option<Span>>,
    context: SpanContext,
}

/// A GenAI call being recorded. Thread-safe.
pub struct llmtel_genai_call {
    inner: Mutex<Option<GenAiCall>>,
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
    pub parent: *const llmtel_span,
    pub record_inputs: bool,
    pub record_outputs: bool,
    /// The host called a streaming method.
    pub stream: bool,
}

thread_local! {
    static LAST_ERROR: RefCell<String> = const { RefCell::new(String::new()) };
}

fn fail(code: llmtel_result, message: impl Into<String>) -> llmtel_result {
    LAST_ERROR.with(|e| *e.borrow_mut() = message.into());
    code
}

/// Runs an export body, turning a panic into `LLMTEL_ERROR_PANIC`.
fn boundary(body: impl FnOnce() -> llmtel_result) -> llmtel_result {
    catch_unwind(AssertUnwindSafe(body))
        .unwrap_or_else(|_| fail(LLMTEL_ERROR_PANIC, "a panic inside llmtel was caught"))
}

/// Reads a `{ptr, len}` string; `what` names it in errors.
unsafe fn read_str<'a>(
    data: *const c_char,
    len: usize,
    what: &str,
) -> Result<&'a str, llmtel_result> {
    if data.is_null() {
        return if len == 0 {
            Ok("")
        } else {
            Err(fail(
                LLMTEL_ERROR_NULL_ARGUMENT,
                format!("{what} is NULL with length {len}"),
            ))
        };
    }
    // SAFETY: the caller promises `len` readable bytes at `data`.
    let bytes = unsafe { std::slice::from_raw_parts(data.cast::<u8>(), len) };
    std::str::from_utf8(bytes).map_err(|e| {
        fail(
            LLMTEL_ERROR_INVALID_UTF8,
            format!("{what} is not UTF-8: {e}"),
        )
    })
}

/// An optional string: `{NULL, 0}` is absent.
unsafe fn read_opt<'a>(s: llmtel_str, what: &str) -> Result<Option<&'a str>, llmtel_result> {
    if s.data.is_null() && s.len == 0 {
        return Ok(None);
    }
    unsafe { read_str(s.data, s.len, what) }.map(Some)
}

fn require<'a, T>(ptr: *const T, what: &str) -> Result<&'a T, llmtel_result> {
    // SAFETY: non-NULL handles come from this library and live until their `_free`.
    unsafe { ptr.as_ref() }
        .ok_or_else(|| fail(LLMTEL_ERROR_NULL_ARGUMENT, format!("{what} is NULL")))
}

macro_rules! tri {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(code) => return code,
        }
    };
}

/// The library version, NUL-terminated, static.
#[unsafe(no_mangle)]
pub extern "C" fn llmtel_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

/// A static, NUL-terminated name for a result code (`"LLMTEL_OK"`, …).
#[unsafe(no_mangle)]
pub extern "C" fn llmtel_result_name(result: u32) -> *const c_char {
    let name: &'static str = match result {
        0 => "LLMTEL_OK\0",
        1 => "LLMTEL_ERROR_NULL_ARGUMENT\0",
        2 => "LLMTEL_ERROR_INVALID_UTF8\0",
        3 => "LLMTEL_ERROR_INVALID_OPTION\0",
        4 => "LLMTEL_ERROR_TIMEOUT\0",
        5 => "LLMTEL_ERROR_ALREADY_ENDED\0",
        6 => "LLMTEL_ERROR_MALFORMED_JSON\0",
        7 => "LLMTEL_ERROR_UNKNOWN_PROVIDER\0",
        8 => "LLMTEL_ERROR_UNKNOWN_API\0",
        9 => "LLMTEL_ERROR_INVALID_ARGUMENT\0",
        10 => "LLMTEL_ERROR_BUFFER_TOO_SMALL\0",
        11 => "LLMTEL_ERROR_CLOSED\0",
        12 => "LLMTEL_ERROR_NOT_FOUND\0",
        99 => "LLMTEL_ERROR_PANIC\0",
        _ => "LLMTEL_UNKNOWN_RESULT\0",
    };
    name.as_ptr().cast()
}

/// Copies the calling thread's last error message (UTF-8, not NUL-terminated) into `buf`.
/// `*out_len` receives the message's full length; when `cap` is smaller, nothing is copied and
/// `LLMTEL_ERROR_BUFFER_TOO_SMALL` is returned. `buf` may be NULL when `cap` is 0.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn llmtel_last_error(
    buf: *mut c_char,
    cap: usize,
    out_len: *mut usize,
) -> llmtel_result {
    boundary(|| {
        if out_len.is_null() {
            return LLMTEL_ERROR_NULL_ARGUMENT;
        }
        LAST_ERROR.with(|e| {
            let message = e.borrow();
            // SAFETY: checked non-NULL above.
            unsafe { *out_len = message.len() };
            if cap < message.len() {
                return LLMTEL_ERROR_BUFFER_TOO_SMALL;
            }
            if !message.is_empty() {
                if buf.is_null() {
                    return LLMTEL_ERROR_NULL_ARGUMENT;
                }
                // SAFETY: `buf` has room for `cap` >= len bytes.
                unsafe {
                    std::ptr::copy_nonoverlapping(message.as_ptr(), buf.cast(), message.len())
                };
            }
            LLMTEL_OK
        })
    })
}

/// Defaults, with the SDK named as the native binding in envelopes and resources.
fn native_options() -> Options {
    Options {
        sdk_name: "llmtel.native".into(),
        sdk_language: "cpp".into(),
        ..Options::default()
    }
}

/// New options with every default. Free with `llmtel_options_free`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn llmtel_options_new(out: *mut *mut llmtel_options) -> llmtel_result {
    boundary(|| {
        if out.is_null() {
            return fail(LLMTEL_ERROR_NULL_ARGUMENT, "out is NULL");
        }
        let options = native_options();
        // SAFETY: checked non-NULL.
        unsafe { *out = Box::into_raw(Box::new(llmtel_options { inner: options })) };
        LLMTEL_OK
    })
}

/// Sets one option by the names the README lists (`dsn`, `traces_sample_rate`, `spool`, …),
/// from its text form. An unknown name or a bad value gives `LLMTEL_ERROR_INVALID_OPTION`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn llmtel_options_set(
    options: *mut llmtel_options,
    name: *const c_char,
    name_len: usize,
    value: *const c_char,
    value_len: usize,
) -> llmtel_result {
    boundary(|| {
        // SAFETY: the handle comes from `llmtel_options_new`.
        let Some(options) = (unsafe { options.as_mut() }) else {
            return fail(LLMTEL_ERROR_NULL_ARGUMENT, "options is NULL");
        };
        let name = tri!(unsafe { read_str(name, name_len, "the option name") });
        let value = tri!(unsafe { read_str(value, value_len, "the option value") });
        match options.inner.set(name, value) {
            Ok(()) => LLMTEL_OK,
            Err(e) => fail(LLMTEL_ERROR_INVALID_OPTION, e.to_string()),
        }
    })
}

/// Frees options. NULL is accepted.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn llmtel_options_free(options: *mut llmtel_options) {
    let _ = boundary(|| {
        if !options.is_null() {
            // SAFETY: the handle comes from `llmtel_options_new` and is freed once.
            drop(unsafe { Box::from_raw(options) });
        }
        LLMTEL_OK
    });
}

/// Validates the options (with their environment fallbacks) and starts the pipeline. `options`
/// may be NULL for all defaults. Free with `llmtel_client_free`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn llmtel_client_new(
    options: *const llmtel_options,
    out: *mut *mut llmtel_client,
) -> llmtel_result {
    boundary(|| {
        if out.is_null() {
            return fail(LLMTEL_ERROR_NULL_ARGUMENT, "out is NULL");
        }
        // SAFETY: NULL or a handle from `llmtel_options_new`.
        let options = match unsafe { options.as_ref() } {
            Some(o) => o.inner.clone(),
            None => native_options(),
        };
        match Client::init(options) {
            Ok(client) => {
                // SAFETY: checked non-NULL.
                unsafe { *out = Box::into_raw(Box::new(llmtel_client { inner: client })) };
                LLMTEL_OK
            }
            Err(e) => fail(LLMTEL_ERROR_INVALID_OPTION, e.to_string()),
        }
    })
}

/// Waits up to `timeout_ms` until everything queued before the call has been attempted.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn llmtel_client_flush(
    client: *const llmtel_client,
    timeout_ms: u32,
) -> llmtel_result {
    boundary(|| {
        let client = tri!(require(client, "client"));
        match client.inner.flush(Duration::from_millis(timeout_ms.into())) {
            Ok(()) => LLMTEL_OK,
            Err(e) => fail(LLMTEL_ERROR_TIMEOUT, e.to_string()),
        }
    })
}

/// Stops intake, exports what is queued and stops the flush thread, waiting up to
/// `timeout_ms`. A second call returns at once.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn llmtel_client_close(
    client: *const llmtel_client,
    timeout_ms: u32,
) -> llmtel_result {
    boundary(|| {
        let client = tri!(require(client, "client"));
        match client.inner.close(Duration::from_millis(timeout_ms.into())) {
            Ok(()) => LLMTEL_OK,
            Err(e) => fail(LLMTEL_ERROR_TIMEOUT, e.to_string()),
        }
    })
}

/// Reads the client's counters into `*out`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn llmtel_client_stats(
    client: *const llmtel_client,
    out: *mut llmtel_stats,
) -> llmtel_result {
    boundary(|| {
        let client = tri!(require(client, "client"));
        if out.is_null() {
            return fail(LLMTEL_ERROR_NULL_ARGUMENT, "out is NULL");
        }
        let stats = client.inner.stats();
        let mut dropped = [0u64; LLMTEL_DROP_REASON_COUNT];
        for (i, reason) in DropReason::ALL.iter().enumerate() {
            dropped[i] = stats.dropped.get(*reason)
                + stats
                    .exporters
                    .iter()
                    .map(|e| e.dropped.get(*reason))
                    .sum::<u64>();
        }
        let value = llmtel_stats {
            queued: stats.queued,
            exported: stats.exporters.iter().map(|e| e.exported).sum(),
            dropped_by_reason: dropped,
        };
        // SAFETY: checked non-NULL.
        unsafe { out.write(value) };
        LLMTEL_OK
    })
}

/// Frees a client handle; the last handle closes the pipeline with the shutdown timeout
/// (2 s by default), delivering what is queued. NULL is accepted.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn llmtel_client_free(client: *mut llmtel_client) {
    let _ = boundary(|| {
        if !client.is_null() {
            // SAFETY: the handle comes from `llmtel_client_new` and is freed once.
            drop(unsafe { Box::from_raw(client) });
        }
        LLMTEL_OK
    });
}

fn parent_context(parent: *const llmtel_span) -> Option<SpanContext> {
    // SAFETY: NULL or a live handle from `llmtel_span_start`.
    unsafe { parent.as_ref() }.map(|p| p.context)
}

/// Starts a span named `name` with operation `op` (`{NULL, 0}` for none) under `parent` (NULL
/// for a local root). Free with `llmtel_span_free`; end it first with `llmtel_span_end`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn llmtel_span_start(
    client: *const llmtel_client,
    name: llmtel_str,
    op: llmtel_str,
    parent: *const llmtel_span,
    out: *mut *mut llmtel_span,
) -> llmtel_result {
    boundary(|| {
        let client = tri!(require(client, "client"));
        if out.is_null() {
            return fail(LLMTEL_ERROR_NULL_ARGUMENT, "out is NULL");
        }
        if client.inner.is_closed() {
            return fail(LLMTEL_ERROR_CLOSED, "the client is closed");
        }
        let name = tri!(unsafe { read_str(name.data, name.len, "the span name") });
        let op = tri!(unsafe { read_opt(op, "the span op") });
        let mut start = SpanStart::new(name.to_owned()).parent_opt(parent_context(parent));
        if let Some(op) = op {
            start = start.op(op.to_owned());
        }
        let span = client.inner.start_span(start);
        let handle = llmtel_span {
            context: span.context(),
            inner: Mutex::new(Some(span)),
        };
        // SAFETY: checked non-NULL.
        unsafe { *out = Box::into_raw(Box::new(handle)) };
        LLMTEL_OK
    })
}

/// Runs `f` on a live span, or answers `LLMTEL_ERROR_ALREADY_ENDED`.
fn with_span(
    span: *const llmtel_span,
    f: impl FnOnce(&mut Span) -> llmtel_result,
) -> llmtel_result {
    let span = tri!(require(span, "span"));
    let mut guard = span.inner.lock().unwrap_or_else(|p| p.into_inner());
    match guard.as_mut() {
        Some(s) => f(s),
        None => fail(LLMTEL_ERROR_ALREADY_ENDED, "the span was already ended"),
    }
}

/// The body every typed setter shares: read the key, build the value, set it on a live span.
fn set_value(
    span: *const llmtel_span,
    key: llmtel_str,
    value: impl FnOnce() -> Result<Value, llmtel_result>,
) -> llmtel_result {
    boundary(|| {
        let key = tri!(unsafe { read_str(key.data, key.len, "the key") });
        let value = tri!(value());
        with_span(span, |s| {
            s.set_attribute(key.to_owned(), value);
            LLMTEL_OK
        })
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
            unsafe { read_str(value.data, value.len, "the value") }?.to_owned(),
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
            values.push(unsafe { read_str(item.data, item.len, "an array item") }?.to_owned());
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

unsafe fn slice<'a, T>(
    items: *const T,
    count: usize,
    what: &str,
) -> Result<&'a [T], llmtel_result> {
    if count == 0 {
        return Ok(&[]);
    }
    if items.is_null() {
        return Err(fail(
            LLMTEL_ERROR_NULL_ARGUMENT,
            format!("{what} is NULL with count {count}"),
        ));
    }
    // SAFETY: the caller promises `count` readable items.
    Ok(unsafe { std::slice::from_raw_parts(items, count) })
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
        with_span(span, |s| {
            use llmtel_core::keys as k;
            for (key, value) in [
                (k::GEN_AI_USAGE_INPUT_TOKENS, input),
                (k::GEN_AI_USAGE_OUTPUT_TOKENS, output),
                (k::GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS, cached_input),
                (k::GEN_AI_USAGE_REASONING_OUTPUT_TOKENS, reasoning),
            ] {
                if value >= 0 {
                    s.set_attribute(key, value);
                }
            }
            if input >= 0 || output >= 0 {
                s.set_attribute(k::GEN_AI_USAGE_TOTAL_TOKENS, input.max(0) + output.max(0));
            }
            LLMTEL_OK
        })
    })
}

/// Marks the span ok.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn llmtel_span_set_status_ok(span: *const llmtel_span) -> llmtel_result {
    boundary(|| {
        with_span(span, |s| {
            s.set_status(Status::Ok);
            LLMTEL_OK
        })
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
        let code = match tri!(unsafe { read_opt(code, "the status code") }) {
            None => ErrorCode::InternalError,
            Some(text) => match ErrorCode::parse(text) {
                Some(c) => c,
                None => {
                    return fail(
                        LLMTEL_ERROR_INVALID_ARGUMENT,
                        format!("{text:?} is not a Sentry status"),
                    );
                }
            },
        };
        let message = tri!(unsafe { read_opt(message, "the message") }).map(str::to_owned);
        with_span(span, |s| {
            s.set_status(Status::Error { code, message });
            LLMTEL_OK
        })
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
        let (t, s) = (
            span.context.trace_id.to_hex(),
            span.context.span_id.to_hex(),
        );
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
        let taken = span.inner.lock().unwrap_or_else(|p| p.into_inner()).take();
        match taken {
            Some(s) => {
                s.end();
                LLMTEL_OK
            }
            None => fail(LLMTEL_ERROR_ALREADY_ENDED, "the span was already ended"),
        }
    })
}

/// Frees a span handle, ending the span if it was not ended. NULL is accepted.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn llmtel_span_free(span: *mut llmtel_span) {
    let _ = boundary(|| {
        if !span.is_null() {
            // SAFETY: the handle comes from `llmtel_span_start` and is freed once.
            drop(unsafe { Box::from_raw(span) });
        }
        LLMTEL_OK
    });
}

/// Starts a GenAI call span from the request. On `LLMTEL_OK` and on
/// `LLMTEL_ERROR_MALFORMED_JSON` (the request could not be read; its attributes are missing)
/// `*out` receives the call, which must be ended and freed. Other errors write nothing.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn llmtel_genai_begin(
    client: *const llmtel_client,
    start: *const llmtel_genai_start,
    out: *mut *mut llmtel_genai_call,
) -> llmtel_result {
    boundary(|| {
        let client = tri!(require(client, "client"));
        let start = tri!(require(start, "start"));
        if out.is_null() {
            return fail(LLMTEL_ERROR_NULL_ARGUMENT, "out is NULL");
        }
        if client.inner.is_closed() {
            return fail(LLMTEL_ERROR_CLOSED, "the client is closed");
        }
        let provider_name =
            tri!(unsafe { read_str(start.provider.data, start.provider.len, "the provider") });
        let Some(provider) = Provider::parse(provider_name) else {
            return fail(
                LLMTEL_ERROR_UNKNOWN_PROVIDER,
                format!("unknown provider {provider_name:?}"),
            );
        };
        let api_name = tri!(unsafe { read_str(start.api.data, start.api.len, "the API") });
        let Some(api) = Api::parse(api_name) else {
            return fail(
                LLMTEL_ERROR_UNKNOWN_API,
                format!("unknown API {api_name:?}"),
            );
        };
        let request = tri!(unsafe {
            read_str(
                start.request_json.data,
                start.request_json.len,
                "the request",
            )
        });
        let address = tri!(unsafe { read_opt(start.server_address, "the server address") });
        let mut call_start = CallStart::new(provider, api, request);
        call_start.server_address = address;
        call_start.server_port = (start.server_port != 0).then_some(start.server_port);
        call_start.parent = parent_context(start.parent);
        call_start.content = ContentPolicy {
            record_inputs: start.record_inputs,
            record_outputs: start.record_outputs,
        };
        call_start.stream = start.stream;
        let (call, begun) = client.inner.begin_genai_call(call_start);
        // SAFETY: checked non-NULL.
        unsafe {
            *out = Box::into_raw(Box::new(llmtel_genai_call {
                inner: Mutex::new(Some(call)),
            }))
        };
        match begun {
            Ok(()) => LLMTEL_OK,
            Err(e) => fail(LLMTEL_ERROR_MALFORMED_JSON, e.to_string()),
        }
    })
}

fn with_call<T>(
    call: *const llmtel_genai_call,
    f: impl FnOnce(&mut Option<GenAiCall>) -> T,
) -> Result<T, llmtel_result> {
    let call = require(call, "call")?;
    let mut guard = call.inner.lock().unwrap_or_else(|p| p.into_inner());
    if guard.is_none() {
        return Err(fail(
            LLMTEL_ERROR_ALREADY_ENDED,
            "the call was already ended",
        ));
    }
    Ok(f(&mut guard))
}

fn mapped(result: Result<(), llmtel_core::genai::MappingError>) -> llmtel_result {
    match result {
        Ok(()) => LLMTEL_OK,
        Err(e) => fail(LLMTEL_ERROR_MALFORMED_JSON, e.to_string()),
    }
}

/// Feeds one stream chunk: `event` is the SSE event name (`{NULL, 0}` when none), `data` its JSON.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn llmtel_genai_chunk(
    call: *const llmtel_genai_call,
    event: llmtel_str,
    data: llmtel_str,
) -> llmtel_result {
    boundary(|| {
        let event = tri!(unsafe { read_opt(event, "the event name") });
        let data = tri!(unsafe { read_str(data.data, data.len, "the chunk") });
        let result = tri!(with_call(call, |c| c
            .as_mut()
            .expect("checked live")
            .chunk(event, data)));
        mapped(result)
    })
}

/// Ends the call with its (non-streamed) response JSON.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn llmtel_genai_finish(
    call: *const llmtel_genai_call,
    response: llmtel_str,
) -> llmtel_result {
    boundary(|| {
        let response = tri!(unsafe { read_str(response.data, response.len, "the response") });
        let result = tri!(with_call(call, |c| c
            .take()
            .expect("checked live")
            .finish(response)));
        mapped(result)
    })
}

/// Ends a streamed call (exhausted, stopped early, or abandoned).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn llmtel_genai_finish_stream(
    call: *const llmtel_genai_call,
) -> llmtel_result {
    boundary(|| {
        tri!(with_call(call, |c| c
            .take()
            .expect("checked live")
            .finish_stream()));
        LLMTEL_OK
    })
}

/// Ends the call as failed: `http_status` 0 when there was none, `body` the provider's error
/// JSON and `exception` the host's error type name (each `{NULL, 0}` when absent).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn llmtel_genai_fail(
    call: *const llmtel_genai_call,
    http_status: u16,
    body: llmtel_str,
    exception: llmtel_str,
) -> llmtel_result {
    boundary(|| {
        let body = tri!(unsafe { read_opt(body, "the error body") });
        let exception = tri!(unsafe { read_opt(exception, "the exception name") });
        let error = CallError {
            http_status: (http_status != 0).then_some(http_status),
            body,
            exception,
            message: None,
        };
        let result = tri!(with_call(call, |c| c
            .take()
            .expect("checked live")
            .fail(error)));
        mapped(result)
    })
}

/// Frees a call handle, ending the call with what it gathered if it was not ended. NULL is
/// accepted.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn llmtel_genai_call_free(call: *mut llmtel_genai_call) {
    let _ = boundary(|| {
        if !call.is_null() {
            // SAFETY: the handle comes from `llmtel_genai_begin` and is freed once.
            drop(unsafe { Box::from_raw(call) });
        }
        LLMTEL_OK
    });
}

// ---- before_send_span ------------------------------------------------------------------------

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
                unsafe {
                    *out = llmtel_str {
                        data: std::ptr::null(),
                        len: 0,
                    }
                };
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
        let key = tri!(unsafe { read_str(key.data, key.len, "the key") });
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
        let key = tri!(unsafe { read_str(key.data, key.len, "the key") });
        let value = tri!(unsafe { read_str(value.data, value.len, "the value") });
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
        let key = tri!(unsafe { read_str(key.data, key.len, "the key") });
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
        let name = tri!(unsafe { read_str(name.data, name.len, "the name") });
        with_data(span, |data| {
            data.name = name.to_owned().into();
            LLMTEL_OK
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_at_the_boundary_becomes_an_error_code_with_a_message() {
        let result = boundary(|| panic!("a bug"));
        assert_eq!(result, LLMTEL_ERROR_PANIC);
        let mut buf = [0 as c_char; 128];
        let mut len = 0usize;
        let read = unsafe { llmtel_last_error(buf.as_mut_ptr(), buf.len(), &mut len) };
        assert_eq!(read, LLMTEL_OK);
        let message = unsafe { std::slice::from_raw_parts(buf.as_ptr().cast::<u8>(), len) };
        assert_eq!(
            std::str::from_utf8(message).unwrap(),
            "a panic inside llmtel was caught"
        );
    }
}
