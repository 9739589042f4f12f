//! The collector: bounded memory, deep structures, static objects, global roots.

use super::*;
use crate::gc::{alloc_fixed, alloc_vector, collect, stats};
use crate::object::aux;

#[test]
fn garbage_is_reclaimed_and_memory_stays_bounded() {
    let _g = setup();
    let roots: Vec<*mut usize> = (0..10).map(|_| root(0)).collect();
    let before = stats().collections;
    for i in 0..2_000_000usize {
        let s = string(format!("string number {i:>10}").as_bytes());
        let r = roots[i % 10];
        unsafe { *r = s };
        let st = stats();
        assert!(st.bytes <= 3 << 20, "heap grew to {} bytes", st.bytes);
    }
    assert!(stats().collections > before + 10);
    // Dead cells are reused: small-object chunks stay within the budget plus the live data.
    assert!(stats().chunk_bytes <= 4 << 20, "{:?}", stats());
    collect();
    assert_eq!(stats().objects, 10);
    for (k, r) in roots.iter().enumerate() {
        let i = 2_000_000 - 10 + k;
        assert_eq!(
            bytes_of(unsafe { **r }),
            format!("string number {i:>10}").as_bytes()
        );
    }
}

/// Builds a list of `n` nodes `(value, next)` held by `head`, values n-1 down to 0.
fn build_list(n: i64, head: *mut usize, node: *const Shape) {
    for i in 0..n {
        let o = alloc_fixed(node);
        unsafe {
            *slot(o, 0) = i;
            *slot(o, 1) = *head as i64;
            *head = o;
        }
    }
}

fn check_list(n: i64, head: usize) {
    let mut p = head;
    let mut expect = n - 1;
    while p != 0 {
        assert_eq!(unsafe { *slot(p, 0) }, expect);
        expect -= 1;
        p = unsafe { *slot(p, 1) } as usize;
    }
    assert_eq!(expect, -1);
}

#[test]
fn million_long_list_survives_and_is_freed() {
    let _g = setup();
    let node = shape(2, &[1]);
    let head = root(0);
    build_list(1_000_000, head, node);
    collect();
    assert_eq!(stats().objects, 1_000_000);
    check_list(1_000_000, unsafe { *head });
    unsafe { *head = 0 };
    collect();
    assert_eq!(stats().objects, 0);
    assert_eq!(stats().bytes, 0);
}

#[test]
fn list_survives_stress_mode() {
    let _g = setup();
    crate::gc::set_stress(true);
    let node = shape(2, &[1]);
    let head = root(0);
    let before = stats().collections;
    build_list(3000, head, node);
    assert!(stats().collections >= before + 3000);
    check_list(3000, unsafe { *head });
    assert_eq!(stats().objects, 3000);
    crate::gc::set_stress(false);
}

#[test]
fn non_pointer_slots_are_not_traced() {
    let _g = setup();
    // Slot 0 holds an integer that looks like an address; only slot 1 is traced.
    let sh = shape(2, &[1]);
    let o = alloc_fixed(sh);
    let r = root(o);
    unsafe { *slot(o, 0) = 0x10 };
    let s = string(b"kept");
    unsafe { *slot(o, 1) = s as i64 };
    let garbage = string(b"garbage");
    let _ = garbage;
    collect();
    assert_eq!(stats().objects, 2);
    assert_eq!(bytes_of(unsafe { *slot(*r, 1) } as usize), b"kept");
}

/// A static object as codegen would emit it.
#[repr(C, align(16))]
struct StaticStr {
    header: Header,
    bytes: [u8; 8],
}

#[test]
fn static_objects_are_never_marked_or_freed() {
    let _g = setup();
    let st = Box::leak(Box::new(StaticStr {
        header: Header {
            shape: &crate::gc::STRING_SHAPE.0,
            gc: GC_STATIC,
            aux: 5,
        },
        bytes: *b"hello\0\0\0",
    }));
    let sp = st as *mut StaticStr as usize;
    let v = alloc_vector(2, true);
    let r = root(v);
    unsafe {
        *slot(v, 0) = sp as i64;
        *slot(v, 1) = string(b"heap") as i64;
    }
    root(sp);
    collect();
    collect();
    assert_eq!(st.header.gc, GC_STATIC);
    assert_eq!(stats().objects, 2);
    assert_eq!(bytes_of(unsafe { *slot(*r, 0) } as usize), b"hello");
    assert_eq!(bytes_of(unsafe { *slot(*r, 1) } as usize), b"heap");
}

#[test]
fn global_roots_and_pointer_vectors() {
    let _g = setup();
    let cell: &'static mut usize = Box::leak(Box::new(0usize));
    crate::exports::weir_add_global_root(cell as *mut usize as usize);
    let v = alloc_vector(100, true);
    *cell = v;
    for i in 0..100 {
        let s = string(format!("{i}").as_bytes());
        unsafe { *slot(v, i) = s as i64 };
    }
    collect();
    assert_eq!(stats().objects, 101);
    assert_eq!(unsafe { aux(*cell) }, 100);
    assert_eq!(bytes_of(unsafe { *slot(*cell, 42) } as usize), b"42");
    *cell = 0;
    collect();
    assert_eq!(stats().objects, 0);
}

#[test]
fn plain_vectors_are_not_traced() {
    let _g = setup();
    let v = alloc_vector(3, false);
    root(v);
    let s = string(b"x");
    unsafe { *slot(v, 0) = s as i64 };
    collect();
    assert_eq!(stats().objects, 1);
}

#[test]
fn root_stack_is_a_root_only_below_top() {
    let _g = setup();
    let saved = crate::gc::root_top();
    root(string(b"a"));
    root(0);
    root(string(b"b"));
    collect();
    assert_eq!(stats().objects, 2);
    crate::gc::set_root_top(saved + 8);
    collect();
    assert_eq!(stats().objects, 1);
    crate::gc::set_root_top(saved);
    collect();
    assert_eq!(stats().objects, 0);
}

#[test]
fn runtime_functions_keep_their_arguments_alive_under_stress() {
    let _g = setup();
    crate::gc::set_stress(true);
    // Each argument is held only by the runtime call itself (the caller roots what it keeps
    // across its own allocations, as compiled code does).
    let a = root(string(b"foo"));
    let bar = string(b"bar");
    let b = root(crate::exports::weir_str_concat(unsafe { *a }, bar));
    assert_eq!(bytes_of(unsafe { *b }), b"foobar");
    let v = root(alloc_vector(0, true));
    for item in [b"x", b"y"] {
        let x = string(item);
        unsafe { *v = crate::exports::weir_vec_append(*v, x as i64, 1) };
    }
    let z = string(b"z");
    unsafe { *v = crate::exports::weir_vec_set(*v, 0, z as i64, 1, 0) };
    let up = crate::exports::weir_string_upcase(unsafe { *b });
    assert_eq!(bytes_of(up), b"FOOBAR");
    assert_eq!(bytes_of(unsafe { *slot(*v, 0) } as usize), b"z");
    assert_eq!(bytes_of(unsafe { *slot(*v, 1) } as usize), b"y");
    crate::gc::set_stress(false);
}

#[test]
fn heap_stays_proportional_to_a_large_live_set() {
    let _g = setup();
    // About 8 MiB live (a pointer vector of 200k strings of 24 bytes + headers)...
    let n = 200_000;
    let v = root(alloc_vector(n, true));
    for i in 0..n {
        let s = string(b"live live live live live");
        unsafe { *slot(*v, i) = s as i64 };
    }
    collect();
    let live = stats().bytes;
    assert!(live > 8 << 20);
    // ...then lots of garbage: the heap never exceeds twice the live data plus a little.
    let mut peak = 0;
    for i in 0..1_000_000 {
        let _ = string(format!("garbage {i}").as_bytes());
        peak = peak.max(stats().bytes);
    }
    assert!(peak <= 2 * live + 64, "peak {peak}, live {live}");
    assert_eq!(
        bytes_of(unsafe { *slot(*v, n - 1) } as usize),
        b"live live live live live"
    );
}
