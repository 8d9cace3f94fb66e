//! Fork detection: a generation counter bumped in the child by a `pthread_atfork` handler, so the
//! hot path notices a fork with one relaxed load instead of a `getpid` system call.

use std::sync::Once;
use std::sync::atomic::{AtomicU64, Ordering};

static GENERATION: AtomicU64 = AtomicU64::new(0);
static REGISTER: Once = Once::new();

/// The current fork generation: 0 in the original process, +1 in each forked child.
#[inline]
pub fn generation() -> u64 {
    GENERATION.load(Ordering::Relaxed)
}

/// Installs the child-side handler once per process. Idempotent and cheap after the first call.
pub fn watch() {
    REGISTER.call_once(|| {
        #[cfg(unix)]
        // SAFETY: the handler only performs an atomic add, which is async-signal-safe and so fine
        // in the single-threaded child right after fork.
        unsafe {
            libc::pthread_atfork(None, None, Some(bump_in_child));
        }
    });
}

#[cfg(unix)]
extern "C" fn bump_in_child() {
    GENERATION.fetch_add(1, Ordering::Relaxed);
}
