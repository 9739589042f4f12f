//! Math helpers and the random number generator (language.md §9.3, §9.8).
//!
//! Invariants: one xorshift64 state per program run, initially `0x123456789ABCDEF0`, reset by
//! `entry.rs` at the start of every run.

use crate::gc::Global;
use crate::layout::E_RANDOM_INT;

/// The initial generator state (§9.8).
pub const RANDOM_INIT: u64 = 0x1234_5678_9ABC_DEF0;

static STATE: Global<u64> = Global::new(RANDOM_INIT);

pub(crate) fn reset() {
    // SAFETY: single-threaded runtime state.
    unsafe { *STATE.ptr() = RANDOM_INIT }
}

/// One xorshift64 step; returns the new state.
pub fn xorshift(s: &mut u64) -> u64 {
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    *s
}

/// `(random)`: a step, then `(s >> 11) / 2^53`.
pub(crate) fn random() -> f64 {
    // SAFETY: single-threaded runtime state.
    let s = xorshift(unsafe { &mut *STATE.ptr() });
    (s >> 11) as f64 / (1u64 << 53) as f64
}

/// `(random-int n)`.
pub(crate) fn random_int(n: i64, loc: usize) -> i64 {
    if n <= 0 {
        crate::errors::die_kind(E_RANDOM_INT, n, 0, loc);
    }
    let r = random();
    ((r * n as f64) as i64).min(n - 1)
}

/// `(random-seed k)`: the state becomes `k`, or 1 when `k` is 0.
pub(crate) fn random_seed(k: i64) {
    // SAFETY: single-threaded runtime state.
    unsafe { *STATE.ptr() = if k == 0 { 1 } else { k as u64 } }
}

/// `(round x)`: half away from zero.
pub(crate) fn round(x: f64) -> f64 {
    x.round()
}

/// C `fmod` (Rust's `%` on floats).
pub(crate) fn fmod(x: f64, y: f64) -> f64 {
    x % y
}
