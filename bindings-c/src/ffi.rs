//! The C conventions in one place: result codes, `{ptr, len}` strings, the thread's last error,
//! the panic boundary, and reading arguments. Every export goes through `boundary`.

use std::cell::RefCell;
use std::ffi::c_char;
use std::panic::{AssertUnwindSafe, catch_unwind};

use llmtel_core::{Error, ErrorKind};

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
    /// JSON text could not be read; the call goes on and only that input is lost.
    LLMTEL_ERROR_MALFORMED_JSON = 6,
    /// The provider name is not one llmtel maps.
    LLMTEL_ERROR_UNKNOWN_PROVIDER = 7,
    /// The API name is not one llmtel maps.
    LLMTEL_ERROR_UNKNOWN_API = 8,
    /// An argument was out of range (an unknown status code, a misspelt spec field, …).
    LLMTEL_ERROR_INVALID_ARGUMENT = 9,
    /// The buffer given to `llmtel_last_error` was too small; the needed length was written.
    LLMTEL_ERROR_BUFFER_TOO_SMALL = 10,
    /// The client was closed; nothing new is recorded.
    LLMTEL_ERROR_CLOSED = 11,
    /// The span has no such attribute (or it is not of the type asked for), or the call has
    /// no problem to report.
    LLMTEL_ERROR_NOT_FOUND = 12,
    /// A bug inside llmtel was caught at the boundary; the host goes on.
    LLMTEL_ERROR_PANIC = 99,
}

pub use llmtel_result::*;

/// A UTF-8 string that is not NUL-terminated.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct llmtel_str {
    pub data: *const c_char,
    pub len: usize,
}

impl llmtel_str {
    pub(crate) const ABSENT: llmtel_str = llmtel_str {
        data: std::ptr::null(),
        len: 0,
    };
}

thread_local! {
    static LAST_ERROR: RefCell<String> = const { RefCell::new(String::new()) };
}

pub(crate) fn fail(code: llmtel_result, message: impl Into<String>) -> llmtel_result {
    LAST_ERROR.with(|e| *e.borrow_mut() = message.into());
    code
}

/// The facade's error as its result code (the numbers are the same) with its message.
pub(crate) fn raise(e: Error) -> llmtel_result {
    let code = match e.kind {
        ErrorKind::InvalidOption => LLMTEL_ERROR_INVALID_OPTION,
        ErrorKind::Timeout => LLMTEL_ERROR_TIMEOUT,
        ErrorKind::AlreadyEnded => LLMTEL_ERROR_ALREADY_ENDED,
        ErrorKind::MalformedJson => LLMTEL_ERROR_MALFORMED_JSON,
        ErrorKind::UnknownProvider => LLMTEL_ERROR_UNKNOWN_PROVIDER,
        ErrorKind::UnknownApi => LLMTEL_ERROR_UNKNOWN_API,
        ErrorKind::InvalidArgument => LLMTEL_ERROR_INVALID_ARGUMENT,
        ErrorKind::Closed => LLMTEL_ERROR_CLOSED,
        ErrorKind::Panic => LLMTEL_ERROR_PANIC,
    };
    debug_assert_eq!(code as u32, e.kind.number());
    fail(code, e.to_string())
}

/// A facade result as a result code.
pub(crate) fn status(result: Result<(), Error>) -> llmtel_result {
    match result {
        Ok(()) => LLMTEL_OK,
        Err(e) => raise(e),
    }
}

/// Runs an export body, turning a panic into `LLMTEL_ERROR_PANIC`.
pub(crate) fn boundary(body: impl FnOnce() -> llmtel_result) -> llmtel_result {
    catch_unwind(AssertUnwindSafe(body))
        .unwrap_or_else(|_| fail(LLMTEL_ERROR_PANIC, "a panic inside llmtel was caught"))
}

/// Reads a `{ptr, len}` string; `what` names it in errors.
pub(crate) unsafe fn read_str<'a>(s: llmtel_str, what: &str) -> Result<&'a str, llmtel_result> {
    if s.data.is_null() {
        return if s.len == 0 {
            Ok("")
        } else {
            Err(fail(
                LLMTEL_ERROR_NULL_ARGUMENT,
                format!("{what} is NULL with length {}", s.len),
            ))
        };
    }
    // SAFETY: the caller promises `len` readable bytes at `data`.
    let bytes = unsafe { std::slice::from_raw_parts(s.data.cast::<u8>(), s.len) };
    std::str::from_utf8(bytes).map_err(|e| {
        fail(
            LLMTEL_ERROR_INVALID_UTF8,
            format!("{what} is not UTF-8: {e}"),
        )
    })
}

/// An optional string: `{NULL, 0}` is absent.
pub(crate) unsafe fn read_opt<'a>(
    s: llmtel_str,
    what: &str,
) -> Result<Option<&'a str>, llmtel_result> {
    if s.data.is_null() && s.len == 0 {
        return Ok(None);
    }
    unsafe { read_str(s, what) }.map(Some)
}

/// An optional owned string.
pub(crate) unsafe fn read_owned(
    s: llmtel_str,
    what: &str,
) -> Result<Option<String>, llmtel_result> {
    Ok(unsafe { read_opt(s, what) }?.map(str::to_owned))
}

pub(crate) fn require<'a, T>(ptr: *const T, what: &str) -> Result<&'a T, llmtel_result> {
    // SAFETY: non-NULL handles come from this library and live until their `_free`.
    unsafe { ptr.as_ref() }
        .ok_or_else(|| fail(LLMTEL_ERROR_NULL_ARGUMENT, format!("{what} is NULL")))
}

/// Checks an out-parameter before any work, so that nothing is done for a call that cannot
/// report its result.
pub(crate) fn out_param<T>(out: *mut T) -> Result<*mut T, llmtel_result> {
    if out.is_null() {
        Err(fail(LLMTEL_ERROR_NULL_ARGUMENT, "out is NULL"))
    } else {
        Ok(out)
    }
}

/// Writes a new handle into a checked out-parameter.
pub(crate) fn hand_out<T>(out: *mut *mut T, value: T) -> llmtel_result {
    // SAFETY: `out` was checked non-NULL by `out_param`.
    unsafe { *out = Box::into_raw(Box::new(value)) };
    LLMTEL_OK
}

/// Frees a handle made by `hand_out`; NULL is accepted.
pub(crate) unsafe fn free_handle<T>(handle: *mut T) {
    let _ = boundary(|| {
        if !handle.is_null() {
            // SAFETY: the handle comes from this library and is freed once.
            drop(unsafe { Box::from_raw(handle) });
        }
        LLMTEL_OK
    });
}

pub(crate) unsafe fn slice<'a, T>(
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

/// Writes `text` (no NUL) into a caller's buffer of `cap` bytes; `*out_len` gets the length.
pub(crate) fn copy_out(
    text: &str,
    buf: *mut c_char,
    cap: usize,
    out_len: *mut usize,
) -> llmtel_result {
    if out_len.is_null() {
        return fail(LLMTEL_ERROR_NULL_ARGUMENT, "out_len is NULL");
    }
    // SAFETY: checked non-NULL.
    unsafe { *out_len = text.len() };
    if cap < text.len() {
        return LLMTEL_ERROR_BUFFER_TOO_SMALL;
    }
    if !text.is_empty() {
        if buf.is_null() {
            return fail(LLMTEL_ERROR_NULL_ARGUMENT, "buf is NULL");
        }
        // SAFETY: `buf` has room for `cap` >= len bytes.
        unsafe { std::ptr::copy_nonoverlapping(text.as_ptr(), buf.cast(), text.len()) };
    }
    LLMTEL_OK
}

macro_rules! tri {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(code) => return code,
        }
    };
}
pub(crate) use tri;

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
        // A copy: copy_out may record a new last error.
        let message = LAST_ERROR.with(|e| e.borrow().clone());
        copy_out(&message, buf, cap, out_len)
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

    #[test]
    fn every_facade_error_keeps_its_c_number() {
        for kind in ErrorKind::ALL {
            assert_eq!(
                raise(Error::new(kind, None, "x")) as u32,
                kind.number(),
                "{kind:?}"
            );
        }
    }
}
