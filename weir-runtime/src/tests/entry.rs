//! `run_entry` (the JIT's way in): the program thread, its stack limit, arguments, a fresh heap
//! per run, the status.

use std::sync::atomic::{AtomicUsize, Ordering};

use super::*;
use crate::exports::{weir_root_limit, weir_root_top, weir_stack_limit};

static SEEN: AtomicUsize = AtomicUsize::new(0);

extern "C" fn entry() -> i32 {
    let marker = 0u8;
    let here = std::ptr::addr_of!(marker) as usize;
    let limit = unsafe { std::ptr::addr_of!(weir_stack_limit).read() };
    if limit == 0 || here <= limit || here - limit < 512 << 20 {
        return 90;
    }
    let (top, end) = unsafe {
        (
            std::ptr::addr_of!(weir_root_top).read(),
            std::ptr::addr_of!(weir_root_limit).read(),
        )
    };
    if top == 0 || top >= end {
        return 91;
    }
    if crate::gc::stats().objects != 0 {
        return 92;
    }
    // One root slot, as compiled code reserves it.
    let r = root(0);
    for i in 0..300_000 {
        unsafe { *r = string(format!("{i}").as_bytes()) };
    }
    let args = crate::exports::weir_args();
    unsafe { *r = args };
    SEEN.store(unsafe { crate::object::aux(args) }, Ordering::SeqCst);
    unsafe { std::ptr::addr_of_mut!(weir_root_top).write(top) };
    if crate::gc::stats().bytes > 3 << 20 {
        return 93;
    }
    42
}

#[test]
fn run_entry_runs_on_a_big_stack_with_a_fresh_heap() {
    let _g = setup();
    for n in [2, 3] {
        let args = (0..n).map(|i| format!("arg{i}")).collect();
        assert_eq!(crate::run_entry(entry, args), 42);
        assert_eq!(SEEN.load(Ordering::SeqCst), n);
        assert_eq!(
            crate::gc::stats().objects,
            0,
            "objects are freed when the run ends"
        );
    }
}
