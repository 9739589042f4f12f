//! Runtime unit tests: objects are built by hand per `layout.rs` (shapes and descriptors are
//! leaked boxes standing in for codegen's static data). The runtime state is global, so every
//! test takes [`setup`]'s lock, which also resets the heap, the root stack and stdout.

use std::ffi::{c_char, CString};
use std::sync::{Mutex, MutexGuard};

use crate::layout::*;

mod entry;
mod errors;
mod gc;
mod print;
mod strings;

static LOCK: Mutex<()> = Mutex::new(());

/// Takes the runtime lock and resets the runtime.
fn setup() -> MutexGuard<'static, ()> {
    let guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    crate::entry::init(Vec::new());
    crate::gc::set_stress(false);
    guard
}

fn leak_cstr(s: &str) -> *const c_char {
    CString::new(s).unwrap().into_raw()
}

/// A fixed shape with `n` slots and the given pointer slots.
fn shape(n: u32, ptrs: &[u32]) -> *const Shape {
    let mut mask = vec![0u64; (n as usize).div_ceil(64).max(1)];
    for &i in ptrs {
        mask[i as usize / 64] |= 1 << (i % 64);
    }
    let mask = Box::leak(mask.into_boxed_slice()).as_ptr();
    Box::leak(Box::new(Shape {
        kind: SHAPE_FIXED,
        n_slots: n,
        ptr_mask: if ptrs.is_empty() {
            std::ptr::null()
        } else {
            mask
        },
    }))
}

/// A descriptor; `children`/`names` leaked.
fn desc(
    kind: u32,
    name: Option<&str>,
    names: &[&str],
    children: &[*const TypeDesc],
) -> *mut TypeDesc {
    let names: Vec<*const c_char> = names.iter().map(|n| leak_cstr(n)).collect();
    Box::leak(Box::new(TypeDesc {
        kind,
        n: children.len().max(names.len()) as u32,
        name: name.map_or(std::ptr::null(), leak_cstr),
        names: if names.is_empty() {
            std::ptr::null()
        } else {
            Box::leak(names.into_boxed_slice()).as_ptr()
        },
        children: if children.is_empty() {
            std::ptr::null()
        } else {
            Box::leak(children.to_vec().into_boxed_slice()).as_ptr()
        },
    }))
}

fn scalar(kind: u32) -> *const TypeDesc {
    desc(kind, None, &[], &[])
}

/// A new heap string.
fn string(s: &[u8]) -> usize {
    crate::gc::new_string(s)
}

fn bytes_of(s: usize) -> Vec<u8> {
    unsafe { crate::object::str_bytes(s) }.to_vec()
}

/// Pushes a root slot holding `v`; returns its address.
fn root(v: usize) -> *mut usize {
    let top = crate::gc::root_top();
    crate::gc::push_root(v);
    top as *mut usize
}

fn slot(o: usize, i: usize) -> *mut i64 {
    crate::object::slot_addr(o, i) as *mut i64
}
