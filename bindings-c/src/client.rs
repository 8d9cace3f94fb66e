//! Options and the client: `llmtel_options_*`, `llmtel_client_*`.

use std::ffi::c_char;
use std::time::Duration;

use llmtel_core::{Client, Options};

use crate::ffi::*;

/// Number of `llmtel_drop_reason` values.
pub const LLMTEL_DROP_REASON_COUNT: usize = 10;

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
    pub(crate) inner: Options,
}

/// A configured pipeline. Thread-safe.
pub struct llmtel_client {
    pub(crate) inner: Client,
}

impl llmtel_client {
    /// A closed client records nothing new.
    pub(crate) fn open(&self) -> Result<&Client, llmtel_result> {
        if self.inner.is_closed() {
            Err(fail(LLMTEL_ERROR_CLOSED, "the client is closed"))
        } else {
            Ok(&self.inner)
        }
    }
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
        let out = tri!(out_param(out));
        hand_out(
            out,
            llmtel_options {
                inner: native_options(),
            },
        )
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
        let name = tri!(unsafe {
            read_str(
                llmtel_str {
                    data: name,
                    len: name_len,
                },
                "the option name",
            )
        });
        let value = tri!(unsafe {
            read_str(
                llmtel_str {
                    data: value,
                    len: value_len,
                },
                "the option value",
            )
        });
        status(options.inner.set(name, value).map_err(Into::into))
    })
}

/// Frees options. NULL is accepted.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn llmtel_options_free(options: *mut llmtel_options) {
    unsafe { free_handle(options) }
}

/// Validates the options (with their environment fallbacks) and starts the pipeline. `options`
/// may be NULL for all defaults. Free with `llmtel_client_free`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn llmtel_client_new(
    options: *const llmtel_options,
    out: *mut *mut llmtel_client,
) -> llmtel_result {
    boundary(|| {
        let out = tri!(out_param(out));
        // SAFETY: NULL or a handle from `llmtel_options_new`.
        let options = match unsafe { options.as_ref() } {
            Some(o) => o.inner.clone(),
            None => native_options(),
        };
        match Client::init(options) {
            Ok(client) => hand_out(out, llmtel_client { inner: client }),
            Err(e) => raise(e.into()),
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
        status(
            client
                .inner
                .flush_within(Duration::from_millis(timeout_ms.into())),
        )
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
        status(
            client
                .inner
                .close_within(Duration::from_millis(timeout_ms.into())),
        )
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
        let out = tri!(out_param(out));
        let stats = client.inner.stats();
        let dropped = stats.dropped_total();
        let value = llmtel_stats {
            queued: stats.queued,
            exported: stats.exported_total(),
            dropped_by_reason: std::array::from_fn(|i| {
                dropped.get(llmtel_core::DropReason::ALL[i])
            }),
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
    unsafe { free_handle(client) }
}
