//! Time, from the platform where it has a clock and from the host where it has none
//! (wasm32-unknown-unknown, whose `SystemTime::now` and `Instant::now` panic): the wasm binding
//! registers the JavaScript clock once with `set_host_clock`.

#[cfg(target_arch = "wasm32")]
use std::sync::OnceLock;

#[cfg(target_arch = "wasm32")]
static HOST_CLOCK: OnceLock<fn() -> f64> = OnceLock::new();

/// Registers the host's wall clock: milliseconds since the Unix epoch, fractional
/// (`performance.timeOrigin + performance.now()` in JavaScript). The first call wins. Where the
/// platform has a clock (every target but wasm32) it is used and this is ignored.
pub fn set_host_clock(now_ms: fn() -> f64) {
    #[cfg(target_arch = "wasm32")]
    let _ = HOST_CLOCK.set(now_ms);
    #[cfg(not(target_arch = "wasm32"))]
    let _ = now_ms;
}

/// Nanoseconds since the Unix epoch (0 when there is no clock at all).
#[cfg(not(target_arch = "wasm32"))]
pub fn now_unix_nano() -> u64 {
    use std::time::{SystemTime, UNIX_EPOCH};
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0)
}

#[cfg(target_arch = "wasm32")]
pub fn now_unix_nano() -> u64 {
    HOST_CLOCK.get().map_or(0, |now| (now() * 1e6) as u64)
}

/// The wall clock as a `SystemTime` (whose own `now` panics on wasm32).
pub fn now_system_time() -> std::time::SystemTime {
    std::time::UNIX_EPOCH + std::time::Duration::from_nanos(now_unix_nano())
}

/// Measures a duration: monotonic where the platform has a monotonic clock.
#[derive(Clone, Copy, Debug)]
pub struct Stopwatch {
    #[cfg(not(target_arch = "wasm32"))]
    started: std::time::Instant,
    #[cfg(target_arch = "wasm32")]
    started: u64,
}

impl Stopwatch {
    pub fn start() -> Self {
        Stopwatch {
            #[cfg(not(target_arch = "wasm32"))]
            started: std::time::Instant::now(),
            #[cfg(target_arch = "wasm32")]
            started: now_unix_nano(),
        }
    }

    /// A stopwatch that started `ago` before now (the host timed the start itself).
    pub fn started_ago(ago: std::time::Duration) -> Self {
        #[cfg(not(target_arch = "wasm32"))]
        let now = std::time::Instant::now();
        Stopwatch {
            #[cfg(not(target_arch = "wasm32"))]
            started: now.checked_sub(ago).unwrap_or(now),
            #[cfg(target_arch = "wasm32")]
            started: now_unix_nano().saturating_sub(ago.as_nanos() as u64),
        }
    }

    pub fn elapsed(&self) -> std::time::Duration {
        #[cfg(not(target_arch = "wasm32"))]
        return self.started.elapsed();
        #[cfg(target_arch = "wasm32")]
        return std::time::Duration::from_nanos(now_unix_nano().saturating_sub(self.started));
    }
}
