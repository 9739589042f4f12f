//! String and vector builtins, C strings, random numbers.

use super::*;
use crate::exports::*;

fn s(b: &[u8]) -> usize {
    string(b)
}

#[test]
fn string_functions() {
    let _g = setup();
    assert_eq!(bytes_of(weir_str_concat(s(b"ab"), s(b"cd"))), b"abcd");
    assert_eq!(bytes_of(weir_str_concat(s(b""), s(b"cd"))), b"cd");
    assert_eq!(weir_str_eq(s(b"ab"), s(b"ab")), 1);
    assert_eq!(weir_str_eq(s(b"ab"), s(b"abc")), 0);
    assert_eq!(weir_str_cmp(s(b"ab"), s(b"abc")), -1);
    assert_eq!(weir_str_cmp(s(b"b"), s(b"abc")), 1);
    assert_eq!(weir_str_cmp(s(b"\xff"), s(b"a")), 1);
    assert_eq!(weir_str_cmp(s(b"x"), s(b"x")), 0);
    let hello = s("héllo".as_bytes());
    assert_eq!(bytes_of(weir_substring(hello, 0, 1, 0)), b"h");
    assert_eq!(bytes_of(weir_substring(hello, 1, 3, 0)), "é".as_bytes());
    assert_eq!(bytes_of(weir_substring(hello, 2, 100, 0)), b"\xa9llo");
    assert_eq!(bytes_of(weir_substring(hello, 4, 2, 0)), b"");
    assert_eq!(bytes_of(weir_substring(hello, 100, 200, 0)), b"");
    assert_eq!(weir_string_ref(hello, 1, 0), 0xc3);
    assert_eq!(weir_string_contains(hello, s(b"llo")), 1);
    assert_eq!(weir_string_contains(hello, s(b"")), 1);
    assert_eq!(weir_string_contains(s(b""), s(b"a")), 0);
    assert_eq!(weir_string_contains(hello, s(b"lol")), 0);
    assert_eq!(bytes_of(weir_string_upcase(hello)), "HéLLO".as_bytes());
    assert_eq!(bytes_of(weir_string_downcase(s(b"AbC1"))), b"abc1");
    assert_eq!(bytes_of(weir_string_trim(s(b" \t\r\n x y \n"))), b"x y");
    assert_eq!(bytes_of(weir_string_trim(s(b" \t "))), b"");
    assert_eq!(bytes_of(weir_string_trim(s(b"\x0bz\x0c"))), b"\x0bz\x0c");
    assert_eq!(bytes_of(weir_char_to_string(65, 0)), b"A");
    assert_eq!(bytes_of(weir_char_to_string(0xe9, 0)), "é".as_bytes());
    assert_eq!(bytes_of(weir_char_to_string(0x1F600, 0)), "😀".as_bytes());
    assert_eq!(bytes_of(weir_char_to_string(0, 0)), b"\0");
}

#[test]
fn to_str_and_c_strings() {
    let _g = setup();
    let st = s(b"same");
    assert_eq!(weir_to_str(scalar(T_STR) as usize, st as i64), st);
    assert_eq!(bytes_of(weir_to_str(scalar(T_I32) as usize, -12)), b"-12");
    let c = weir_cstr(s(b"ab\0cd"));
    assert_eq!(
        unsafe { std::ffi::CStr::from_ptr(c as *const c_char) }.to_bytes(),
        b"ab"
    );
    let back = weir_from_cstr(c, 0);
    assert_eq!(bytes_of(back), b"ab");
    weir_cstr_release();
}

#[test]
fn vectors_append_and_set() {
    let _g = setup();
    let v = crate::gc::alloc_vector(0, false);
    let v1 = weir_vec_append(v, 10, 0);
    let v2 = weir_vec_append(v1, -3, 0);
    let v3 = weir_vec_set(v2, 1, 7, 0, 0);
    let d = desc(T_VECTOR, None, &[], &[scalar(T_I64)]);
    let show = |v: usize| String::from_utf8(crate::print::to_bytes(d, v as i64)).unwrap();
    assert_eq!(show(v), "[]");
    assert_eq!(show(v1), "[10]");
    assert_eq!(show(v2), "[10 -3]");
    assert_eq!(show(v3), "[10 7]");
}

#[test]
fn random_sequence_matches_the_spec() {
    let _g = setup();
    let mut s = crate::math::RANDOM_INIT;
    let first = crate::math::xorshift(&mut s);
    let want = (first >> 11) as f64 / (1u64 << 53) as f64;
    assert_eq!(weir_random(), want);
    let r = {
        let x = crate::math::xorshift(&mut s);
        (x >> 11) as f64 / (1u64 << 53) as f64
    };
    assert_eq!(weir_random_int(10, 0), ((r * 10.0) as i64).min(9));
    weir_random_seed(0);
    let mut one = 1u64;
    let x = crate::math::xorshift(&mut one);
    assert_eq!(weir_random(), (x >> 11) as f64 / (1u64 << 53) as f64);
    for _ in 0..1000 {
        let k = weir_random_int(3, 0);
        assert!((0..3).contains(&k));
    }
    assert_eq!(weir_round(-2.5), -3.0);
    assert_eq!(weir_round(2.5), 3.0);
    assert_eq!(weir_round(-0.4).to_bits(), (-0.0f64).to_bits());
    assert_eq!(weir_fmod(-7.0, 3.0), -1.0);
    assert!(weir_fmod(1.0, 0.0).is_nan());
}

#[test]
fn args_vector() {
    let _g = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    crate::entry::init(vec![b"one".to_vec(), b"\xfftwo".to_vec()]);
    crate::gc::set_stress(true);
    let v = weir_args();
    crate::gc::set_stress(false);
    let d = desc(T_VECTOR, None, &[], &[scalar(T_STR)]);
    assert_eq!(crate::print::to_bytes(d, v as i64), b"[one \xfftwo]");
}
