//! The `#[no_mangle] extern "C"` functions and data symbols named by `abi.rs`: thin wrappers
//! that convert the C-level arguments and call the module that owns each concern (`gc`,
//! `strings`, `vectors`, `print`, `math`, `io`, `errors`, `entry`).
//!
//! Invariants: one wrapper per `abi.rs` entry with exactly its parameter list; functions marked
//! (GC) in `abi.rs` are the only ones that may collect; the error functions never return.

#![allow(clippy::missing_safety_doc)]

use crate::layout::{Shape, TypeDesc};
use crate::{entry, errors, gc, io, math, print, strings, vectors};

/// Next free slot of the root stack.
#[no_mangle]
pub static mut weir_root_top: usize = 0;
/// End of the root stack.
#[no_mangle]
pub static mut weir_root_limit: usize = 0;
/// Lowest native stack address compiled code may use.
#[no_mangle]
pub static mut weir_stack_limit: usize = 0;

#[no_mangle]
pub extern "C" fn weir_rt_main(argc: i32, argv: usize, entry: usize) -> i32 {
    entry::rt_main(argc, argv, entry)
}

#[no_mangle]
pub extern "C" fn weir_alloc_fixed(shape: usize) -> usize {
    gc::alloc_fixed(shape as *const Shape)
}

#[no_mangle]
pub extern "C" fn weir_alloc_string(len: i64) -> usize {
    gc::alloc_string(usize::try_from(len).unwrap_or_else(|_| errors::fatal("negative length")))
}

#[no_mangle]
pub extern "C" fn weir_alloc_vector(len: i64, ptr_elems: i8) -> usize {
    let len = usize::try_from(len).unwrap_or_else(|_| errors::fatal("negative length"));
    gc::alloc_vector(len, ptr_elems != 0)
}

#[no_mangle]
pub extern "C" fn weir_add_global_root(addr: usize) {
    gc::add_global_root(addr)
}

#[no_mangle]
pub extern "C" fn weir_str_concat(a: usize, b: usize) -> usize {
    strings::concat(a, b)
}

#[no_mangle]
pub extern "C" fn weir_str_eq(a: usize, b: usize) -> i8 {
    strings::eq(a, b) as i8
}

#[no_mangle]
pub extern "C" fn weir_str_cmp(a: usize, b: usize) -> i32 {
    strings::cmp(a, b)
}

#[no_mangle]
pub extern "C" fn weir_substring(s: usize, start: i64, end: i64, loc: usize) -> usize {
    strings::substring(s, start, end, loc)
}

#[no_mangle]
pub extern "C" fn weir_string_ref(s: usize, i: i64, loc: usize) -> i64 {
    strings::string_ref(s, i, loc)
}

#[no_mangle]
pub extern "C" fn weir_string_contains(s: usize, t: usize) -> i8 {
    strings::contains(s, t) as i8
}

#[no_mangle]
pub extern "C" fn weir_string_upcase(s: usize) -> usize {
    strings::upcase(s)
}

#[no_mangle]
pub extern "C" fn weir_string_downcase(s: usize) -> usize {
    strings::downcase(s)
}

#[no_mangle]
pub extern "C" fn weir_string_trim(s: usize) -> usize {
    strings::trim(s)
}

#[no_mangle]
pub extern "C" fn weir_char_to_string(c: i64, loc: usize) -> usize {
    strings::char_to_string(c, loc)
}

#[no_mangle]
pub extern "C" fn weir_vec_append(v: usize, bits: i64, ptr_elems: i8) -> usize {
    vectors::append(v, bits, ptr_elems != 0)
}

#[no_mangle]
pub extern "C" fn weir_vec_set(v: usize, i: i64, bits: i64, ptr_elems: i8, loc: usize) -> usize {
    vectors::set(v, i, bits, ptr_elems != 0, loc)
}

#[no_mangle]
pub extern "C" fn weir_print(desc: usize, bits: i64) {
    print::print(desc as *const TypeDesc, bits)
}

#[no_mangle]
pub extern "C" fn weir_print_newline() {
    io::write_out(b"\n")
}

#[no_mangle]
pub extern "C" fn weir_to_str(desc: usize, bits: i64) -> usize {
    print::to_str(desc as *const TypeDesc, bits)
}

#[no_mangle]
pub extern "C" fn weir_round(x: f64) -> f64 {
    math::round(x)
}

#[no_mangle]
pub extern "C" fn weir_fmod(x: f64, y: f64) -> f64 {
    math::fmod(x, y)
}

#[no_mangle]
pub extern "C" fn weir_random() -> f64 {
    math::random()
}

#[no_mangle]
pub extern "C" fn weir_random_int(n: i64, loc: usize) -> i64 {
    math::random_int(n, loc)
}

#[no_mangle]
pub extern "C" fn weir_random_seed(k: i64) {
    math::random_seed(k)
}

#[no_mangle]
pub extern "C" fn weir_read_file(path: usize, loc: usize) -> usize {
    io::read_file(path, loc)
}

#[no_mangle]
pub extern "C" fn weir_write_file(path: usize, text: usize, loc: usize) {
    io::write_file(path, text, loc)
}

#[no_mangle]
pub extern "C" fn weir_time_ms() -> i64 {
    io::time_ms()
}

#[no_mangle]
pub extern "C" fn weir_sleep(ms: i64) {
    io::sleep(ms)
}

#[no_mangle]
pub extern "C" fn weir_args() -> usize {
    io::args()
}

#[no_mangle]
pub extern "C" fn weir_exit(code: i32) {
    io::exit(code)
}

#[no_mangle]
pub extern "C" fn weir_rt_error(kind: i32, a: i64, b: i64, loc: usize) {
    errors::die_kind(kind, a, b, loc)
}

#[no_mangle]
pub extern "C" fn weir_assert_fail(msg: usize, loc: usize) {
    errors::assert_fail(msg, loc)
}

#[no_mangle]
pub extern "C" fn weir_assert_eq_fail(desc: usize, a: i64, b: i64, loc: usize) {
    errors::die(
        &errors::assert_eq_message(desc as *const TypeDesc, a, b),
        loc,
    )
}

#[no_mangle]
pub extern "C" fn weir_global_uninit(name: usize, loc: usize) {
    errors::global_uninit(name, loc)
}

#[no_mangle]
pub extern "C" fn weir_stack_overflow(loc: usize) {
    errors::die_kind(crate::layout::E_STACK_OVERFLOW, 0, 0, loc)
}

#[no_mangle]
pub extern "C" fn weir_cstr(s: usize) -> usize {
    strings::cstr(s)
}

#[no_mangle]
pub extern "C" fn weir_cstr_release() {
    strings::cstr_release()
}

#[no_mangle]
pub extern "C" fn weir_from_cstr(p: usize, loc: usize) -> usize {
    strings::from_cstr(p, loc)
}
