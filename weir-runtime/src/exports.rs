//! `#[no_mangle] extern "C"` implementations of the runtime functions listed in `abi.rs`. STUBS:
//! each aborts until implemented.

#![allow(unused_variables, clippy::missing_safety_doc)]

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
pub extern "C" fn weir_rt_main(a0: i32, a1: usize, a2: usize) -> i32 {
    unimplemented!("weir_rt_main")
}

#[no_mangle]
pub extern "C" fn weir_alloc_fixed(a0: usize) -> usize {
    unimplemented!("weir_alloc_fixed")
}

#[no_mangle]
pub extern "C" fn weir_alloc_string(a0: i64) -> usize {
    unimplemented!("weir_alloc_string")
}

#[no_mangle]
pub extern "C" fn weir_alloc_vector(a0: i64, a1: i8) -> usize {
    unimplemented!("weir_alloc_vector")
}

#[no_mangle]
pub extern "C" fn weir_add_global_root(a0: usize) {
    unimplemented!("weir_add_global_root")
}

#[no_mangle]
pub extern "C" fn weir_str_concat(a0: usize, a1: usize) -> usize {
    unimplemented!("weir_str_concat")
}

#[no_mangle]
pub extern "C" fn weir_str_eq(a0: usize, a1: usize) -> i8 {
    unimplemented!("weir_str_eq")
}

#[no_mangle]
pub extern "C" fn weir_str_cmp(a0: usize, a1: usize) -> i32 {
    unimplemented!("weir_str_cmp")
}

#[no_mangle]
pub extern "C" fn weir_substring(a0: usize, a1: i64, a2: i64, a3: usize) -> usize {
    unimplemented!("weir_substring")
}

#[no_mangle]
pub extern "C" fn weir_string_ref(a0: usize, a1: i64, a2: usize) -> i64 {
    unimplemented!("weir_string_ref")
}

#[no_mangle]
pub extern "C" fn weir_string_contains(a0: usize, a1: usize) -> i8 {
    unimplemented!("weir_string_contains")
}

#[no_mangle]
pub extern "C" fn weir_string_upcase(a0: usize) -> usize {
    unimplemented!("weir_string_upcase")
}

#[no_mangle]
pub extern "C" fn weir_string_downcase(a0: usize) -> usize {
    unimplemented!("weir_string_downcase")
}

#[no_mangle]
pub extern "C" fn weir_string_trim(a0: usize) -> usize {
    unimplemented!("weir_string_trim")
}

#[no_mangle]
pub extern "C" fn weir_char_to_string(a0: i64, a1: usize) -> usize {
    unimplemented!("weir_char_to_string")
}

#[no_mangle]
pub extern "C" fn weir_vec_append(a0: usize, a1: i64, a2: i8) -> usize {
    unimplemented!("weir_vec_append")
}

#[no_mangle]
pub extern "C" fn weir_vec_set(a0: usize, a1: i64, a2: i64, a3: i8, a4: usize) -> usize {
    unimplemented!("weir_vec_set")
}

#[no_mangle]
pub extern "C" fn weir_print(a0: usize, a1: i64) {
    unimplemented!("weir_print")
}

#[no_mangle]
pub extern "C" fn weir_print_newline() {
    unimplemented!("weir_print_newline")
}

#[no_mangle]
pub extern "C" fn weir_to_str(a0: usize, a1: i64) -> usize {
    unimplemented!("weir_to_str")
}

#[no_mangle]
pub extern "C" fn weir_round(a0: f64) -> f64 {
    unimplemented!("weir_round")
}

#[no_mangle]
pub extern "C" fn weir_fmod(a0: f64, a1: f64) -> f64 {
    unimplemented!("weir_fmod")
}

#[no_mangle]
pub extern "C" fn weir_random() -> f64 {
    unimplemented!("weir_random")
}

#[no_mangle]
pub extern "C" fn weir_random_int(a0: i64, a1: usize) -> i64 {
    unimplemented!("weir_random_int")
}

#[no_mangle]
pub extern "C" fn weir_random_seed(a0: i64) {
    unimplemented!("weir_random_seed")
}

#[no_mangle]
pub extern "C" fn weir_read_file(a0: usize, a1: usize) -> usize {
    unimplemented!("weir_read_file")
}

#[no_mangle]
pub extern "C" fn weir_write_file(a0: usize, a1: usize, a2: usize) {
    unimplemented!("weir_write_file")
}

#[no_mangle]
pub extern "C" fn weir_time_ms() -> i64 {
    unimplemented!("weir_time_ms")
}

#[no_mangle]
pub extern "C" fn weir_sleep(a0: i64) {
    unimplemented!("weir_sleep")
}

#[no_mangle]
pub extern "C" fn weir_args() -> usize {
    unimplemented!("weir_args")
}

#[no_mangle]
pub extern "C" fn weir_exit(a0: i32) {
    unimplemented!("weir_exit")
}

#[no_mangle]
pub extern "C" fn weir_rt_error(a0: i32, a1: i64, a2: i64, a3: usize) {
    unimplemented!("weir_rt_error")
}

#[no_mangle]
pub extern "C" fn weir_assert_fail(a0: usize, a1: usize) {
    unimplemented!("weir_assert_fail")
}

#[no_mangle]
pub extern "C" fn weir_assert_eq_fail(a0: usize, a1: i64, a2: i64, a3: usize) {
    unimplemented!("weir_assert_eq_fail")
}

#[no_mangle]
pub extern "C" fn weir_global_uninit(a0: usize, a1: usize) {
    unimplemented!("weir_global_uninit")
}

#[no_mangle]
pub extern "C" fn weir_stack_overflow(a0: usize) {
    unimplemented!("weir_stack_overflow")
}

#[no_mangle]
pub extern "C" fn weir_cstr(a0: usize) -> usize {
    unimplemented!("weir_cstr")
}

#[no_mangle]
pub extern "C" fn weir_cstr_release() {
    unimplemented!("weir_cstr_release")
}

#[no_mangle]
pub extern "C" fn weir_from_cstr(a0: usize, a1: usize) -> usize {
    unimplemented!("weir_from_cstr")
}
