//! The printed form (§10) from type descriptors.

use super::*;
use crate::gc::{alloc_fixed, alloc_vector};
use crate::print::to_bytes;

fn p(d: *const TypeDesc, bits: i64) -> String {
    String::from_utf8(to_bytes(d, bits)).unwrap()
}

#[test]
fn integers_by_width_and_signedness() {
    let _g = setup();
    assert_eq!(p(scalar(T_I64), 42), "42");
    assert_eq!(p(scalar(T_I64), -7), "-7");
    assert_eq!(p(scalar(T_I64), i64::MIN), "-9223372036854775808");
    assert_eq!(p(scalar(T_I8), -128), "-128");
    assert_eq!(p(scalar(T_I16), -300), "-300");
    assert_eq!(p(scalar(T_I32), -5), "-5");
    assert_eq!(p(scalar(T_U8), 255), "255");
    assert_eq!(p(scalar(T_U16), 65535), "65535");
    assert_eq!(p(scalar(T_U32), 4294967295), "4294967295");
    assert_eq!(p(scalar(T_U64), -1), "18446744073709551615");
}

#[test]
fn float_table() {
    let _g = setup();
    let f = |v: f64| p(scalar(T_F64), v.to_bits() as i64);
    let g = |v: f32| p(scalar(T_F32), v.to_bits() as i64);
    let cases: &[(f64, &str)] = &[
        (1.0, "1.0"),
        (100.0, "100.0"),
        (-2.0, "-2.0"),
        (0.1, "0.1"),
        (2.5, "2.5"),
        (0.125, "0.125"),
        (-1.75, "-1.75"),
        (0.1 + 0.2, "0.30000000000000004"),
        (1.0 / 3.0, "0.3333333333333333"),
        (1.5e3, "1500.0"),
        (2.5e-2, "0.025"),
        (1.0e21, "1000000000000000000000.0"),
        (1.0e23, "99999999999999991611392.0"),
        (1.0e-7, "0.0000001"),
        (-0.0, "-0.0"),
        (f64::NAN, "NaN"),
        (-f64::NAN, "NaN"),
        (f64::INFINITY, "inf"),
        (f64::NEG_INFINITY, "-inf"),
        (std::f64::consts::SQRT_2, "1.4142135623730951"),
    ];
    for &(v, want) in cases {
        assert_eq!(f(v), want, "{v:?}");
    }
    assert_eq!(g(0.1), "0.1");
    assert_eq!(g(0.5), "0.5");
    assert_eq!(g(3.0), "3.0");
    assert_eq!(g(f32::NAN), "NaN");
    assert_eq!(g(f32::NEG_INFINITY), "-inf");
}

#[test]
fn scalars() {
    let _g = setup();
    assert_eq!(p(scalar(T_BOOL), 1), "true");
    assert_eq!(p(scalar(T_BOOL), 0), "false");
    assert_eq!(p(scalar(T_UNIT), 0), "()");
    assert_eq!(p(scalar(T_FN), 0x1234), "<fn>");
    assert_eq!(p(scalar(T_PTR), 0), "<ptr 0x0>");
    assert_eq!(p(scalar(T_PTR), 0xDEADBEEF), "<ptr 0xdeadbeef>");
    let s = string(b"hi\0\xff");
    assert_eq!(to_bytes(scalar(T_STR), s as i64), b"hi\0\xff");
}

#[test]
fn vectors_use_natural_slot_widths() {
    let _g = setup();
    let i8v = desc(T_VECTOR, None, &[], &[scalar(T_I8)]);
    let v = alloc_vector(3, false);
    unsafe {
        // Only the low byte is meaningful; the rest of the slot is garbage.
        *slot(v, 0) = 0x7777_7777_7777_77ff;
        *slot(v, 1) = 5;
        *slot(v, 2) = 0x0102_0304_0506_0780;
    }
    assert_eq!(p(i8v, v as i64), "[-1 5 -128]");
    let f32v = desc(T_VECTOR, None, &[], &[scalar(T_F32)]);
    let w = alloc_vector(2, false);
    unsafe {
        *slot(w, 0) = (0.5f32.to_bits() as i64) | (0x5555 << 40);
        *slot(w, 1) = 0.1f32.to_bits() as i64;
    }
    assert_eq!(p(f32v, w as i64), "[0.5 0.1]");
    let empty = alloc_vector(0, true);
    let strs = desc(T_VECTOR, None, &[], &[scalar(T_STR)]);
    assert_eq!(p(strs, empty as i64), "[]");
    let sv = alloc_vector(2, true);
    unsafe {
        *slot(sv, 0) = string(b"a b") as i64;
        *slot(sv, 1) = string(b"") as i64;
    }
    assert_eq!(p(strs, sv as i64), "[a b ]");
}

/// `(deftype (Option T) (Some T) None)` descriptor.
fn option_of(t: *const TypeDesc) -> *const TypeDesc {
    let some = desc(T_VARIANT, Some("Some"), &[], &[t]);
    let none = desc(T_VARIANT, Some("None"), &[], &[]);
    desc(T_SUM, Some("Option"), &[], &[some, none])
}

fn variant(idx: u32, fields: &[i64]) -> usize {
    let ptrs: Vec<u32> = (0..fields.len() as u32).collect();
    let o = alloc_fixed(shape(fields.len() as u32, &ptrs));
    unsafe {
        (*(o as *mut Header)).aux = idx;
        for (i, &f) in fields.iter().enumerate() {
            *slot(o, i) = f;
        }
    }
    o
}

#[test]
fn structs_and_sum_types() {
    let _g = setup();
    let point = desc(
        T_STRUCT,
        Some("Point"),
        &["x", "y", "label"],
        &[scalar(T_I32), scalar(T_F64), scalar(T_STR)],
    );
    let o = alloc_fixed(shape(3, &[2]));
    unsafe {
        *slot(o, 0) = -3i32 as u32 as i64;
        *slot(o, 1) = 2.5f64.to_bits() as i64;
        *slot(o, 2) = string(b"p") as i64;
    }
    assert_eq!(p(point, o as i64), "(Point :x -3 :y 2.5 :label p)");
    let empty = desc(T_STRUCT, Some("Empty"), &[], &[]);
    let e = alloc_fixed(shape(0, &[]));
    assert_eq!(p(empty, e as i64), "(Empty)");

    let opt = option_of(scalar(T_STR));
    let some = variant(0, &[string(b"x") as i64]);
    let none = variant(1, &[]);
    assert_eq!(p(opt, some as i64), "(Some x)");
    assert_eq!(p(opt, none as i64), "None");
    let vec_opt = desc(T_VECTOR, None, &[], &[option_of(scalar(T_I64))]);
    let v = alloc_vector(2, true);
    unsafe {
        *slot(v, 0) = variant(0, &[1]) as i64;
        *slot(v, 1) = variant(1, &[]) as i64;
    }
    assert_eq!(p(vec_opt, v as i64), "[(Some 1) None]");
    // Nested: (Some (Some [1 2])) with a struct field inside.
    let inner = desc(T_VECTOR, None, &[], &[scalar(T_U8)]);
    let nested = option_of(option_of(inner));
    let iv = alloc_vector(2, false);
    unsafe {
        *slot(iv, 0) = 1;
        *slot(iv, 1) = 2;
    }
    let o2 = variant(0, &[variant(0, &[iv as i64]) as i64]);
    assert_eq!(p(nested, o2 as i64), "(Some (Some [1 2]))");
    let pair = desc(
        T_SUM,
        Some("Pair"),
        &[],
        &[desc(
            T_VARIANT,
            Some("Pair2"),
            &[],
            &[scalar(T_BOOL), scalar(T_UNIT)],
        )],
    );
    assert_eq!(p(pair, variant(0, &[1, 0]) as i64), "(Pair2 true ())");
}

/// `(defstruct Node (v : i64) (next : List)) (deftype List (Cons Node) Nil)`: recursive
/// descriptors pointing at each other.
fn list_desc() -> *const TypeDesc {
    let node = desc(
        T_STRUCT,
        Some("Node"),
        &["v", "next"],
        &[scalar(T_I64), scalar(T_I64)],
    );
    let cons = desc(T_VARIANT, Some("Cons"), &[], &[node]);
    let nil = desc(T_VARIANT, Some("Nil"), &[], &[]);
    let list = desc(T_SUM, Some("List"), &[], &[cons, nil]);
    unsafe {
        let children = (*node).children as *mut *const TypeDesc;
        *children.add(1) = list;
    }
    list
}

#[test]
fn recursive_descriptors_and_a_million_long_list() {
    let _g = setup();
    let list = list_desc();
    let node_shape = shape(2, &[1]);
    let cons_shape = shape(1, &[0]);
    let head = root(variant(1, &[]));
    let n = 1_000_000;
    for i in (0..n).rev() {
        let node = alloc_fixed(node_shape);
        unsafe {
            *slot(node, 0) = i;
            *slot(node, 1) = *head as i64;
        }
        let c = root(node);
        let cons = alloc_fixed(cons_shape);
        unsafe {
            *slot(cons, 0) = node as i64;
            *head = cons;
            crate::gc::set_root_top(c as usize);
        }
    }
    let small = {
        let s = p(list, unsafe { *head } as i64);
        assert!(s.starts_with("(Cons (Node :v 0 :next (Cons (Node :v 1 :next (Cons"));
        assert!(s.ends_with(&format!(
            ":v {} :next Nil){}",
            n - 1,
            ")".repeat(2 * n as usize - 1)
        )));
        s.len()
    };
    assert!(small > 20 * n as usize);
}
