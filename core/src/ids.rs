//! Random ids without a lock: a per-thread wyrand generator seeded from the OS, reseeded after fork
//! so a child never repeats its parent's ids.

use std::cell::Cell;

#[cfg(feature = "runtime")]
use crate::fork;

thread_local! {
    // (fork generation the state belongs to, generator state); state 0 means "not seeded yet".
    static STATE: Cell<(u64, u64)> = const { Cell::new((u64::MAX, 0)) };
}

/// Which process the generator state belongs to: a forked child reseeds.
fn fork_generation() -> u64 {
    #[cfg(feature = "runtime")]
    return fork::generation();
    #[cfg(not(feature = "runtime"))]
    return 0;
}

/// A seed the host gives where the platform has no randomness of its own (wasm: JavaScript's
/// `crypto.getRandomValues`); 0 until then.
static HOST_SEED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Registers the host's random seed (the wasm binding does, once, at load).
pub fn set_host_seed(seed: u64) {
    HOST_SEED.store(seed | 1, std::sync::atomic::Ordering::Relaxed);
}

fn os_seed() -> u64 {
    #[cfg_attr(not(feature = "runtime"), allow(unused_mut))]
    let mut seed = [0u8; 8];
    let host = HOST_SEED.load(std::sync::atomic::Ordering::Relaxed);
    #[cfg(feature = "runtime")]
    let filled = getrandom::fill(&mut seed).is_ok();
    #[cfg(not(feature = "runtime"))]
    let filled = false;
    if !filled && host != 0 {
        return host;
    }
    if !filled {
        // No OS randomness: fall back to time and stack-address entropy, distinct per thread.
        let local = 0u8;
        let address = (&local as *const u8 as u64).rotate_left(32);
        return (crate::span::now_unix_nano() ^ address) | 1;
    }
    u64::from_le_bytes(seed) | 1
}

#[inline]
fn next_u64() -> u64 {
    STATE.with(|cell| {
        let (generation, mut state) = cell.get();
        let current = fork_generation();
        if generation != current || state == 0 {
            state = os_seed();
        }
        // wyrand: passes BigCrush, one multiply per draw.
        state = state.wrapping_add(0xa076_1d64_78bd_642f);
        let t = (state as u128).wrapping_mul((state ^ 0xe703_7ed1_a0b4_28db) as u128);
        cell.set((current, state));
        ((t >> 64) as u64) ^ (t as u64)
    })
}

/// Fills `out` with random bytes, never all zero (an all-zero id is invalid everywhere).
pub fn fill_nonzero(out: &mut [u8]) {
    loop {
        for chunk in out.chunks_mut(8) {
            let bytes = next_u64().to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
        if out.iter().any(|&b| b != 0) {
            return;
        }
    }
}

/// A uniform float in [0, 1), for sampling decisions.
pub fn unit_f64() -> f64 {
    (next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}
