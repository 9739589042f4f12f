//! Vector builtins that allocate (language.md §9.5): `append` and `set-nth` copy the vector.
//!
//! Invariants: elements are copied as whole 8-byte slots (a value sits at its slot's start with
//! its natural width, so copying the slot copies the value). The source vector and, for pointer
//! vectors, the new element are rooted while the copy is allocated (GC).

use crate::gc;
use crate::layout::*;
use crate::object::{aux, slot_addr};

/// A copy of `v` with `n` slots (`n >= len(v)`), rest zeroed, `v` and `extra` rooted meanwhile.
fn copy_with_len(v: usize, n: usize, ptr_elems: bool, extra: usize) -> usize {
    let saved = gc::root_top();
    gc::push_root(v);
    if ptr_elems {
        gc::push_root(extra);
    }
    let res = gc::alloc_vector(n, ptr_elems);
    gc::set_root_top(saved);
    // SAFETY: both vectors have at least `len(v)` slots.
    unsafe {
        let len = aux(v);
        std::ptr::copy_nonoverlapping(
            slot_addr(v, 0) as *const u8,
            slot_addr(res, 0) as *mut u8,
            len * SLOT_SIZE,
        );
    }
    res
}

/// `(append v x)` (GC).
pub(crate) fn append(v: usize, bits: i64, ptr_elems: bool) -> usize {
    // SAFETY: `v` is a Weir vector.
    let len = unsafe { aux(v) };
    let res = copy_with_len(v, len + 1, ptr_elems, bits as usize);
    // SAFETY: `res` has `len + 1` slots.
    unsafe { *(slot_addr(res, len) as *mut i64) = bits };
    res
}

/// `(set-nth v i x)`; out-of-range `i` is a runtime error (GC).
pub(crate) fn set(v: usize, i: i64, bits: i64, ptr_elems: bool, loc: usize) -> usize {
    // SAFETY: `v` is a Weir vector.
    let len = unsafe { aux(v) };
    if i < 0 || i as u64 >= len as u64 {
        crate::errors::die_kind(E_INDEX, i, len as i64, loc);
    }
    let res = copy_with_len(v, len, ptr_elems, bits as usize);
    // SAFETY: `i < len`.
    unsafe { *(slot_addr(res, i as usize) as *mut i64) = bits };
    res
}
