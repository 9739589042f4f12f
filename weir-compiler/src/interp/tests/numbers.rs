//! Integer and float arithmetic, conversions, float printing and the random generator.

use super::build::*;
use super::*;

#[test]
fn integer_wrapping_per_width() {
    let out = print_all(vec![
        op(Builtin::Add, vec![int(127, IntTy::I8), int(1, IntTy::I8)]),
        op(Builtin::Add, vec![int(255, IntTy::U8), int(1, IntTy::U8)]),
        op(
            Builtin::Mul,
            vec![int(300, IntTy::I16), int(300, IntTy::I16)],
        ),
        op(
            Builtin::Add,
            vec![int(65535, IntTy::U16), int(2, IntTy::U16)],
        ),
        op(
            Builtin::Add,
            vec![int(2147483647, IntTy::I32), int(1, IntTy::I32)],
        ),
        op(Builtin::Sub, vec![int(0, IntTy::U32), int(1, IntTy::U32)]),
        op(Builtin::Sub, vec![int(0, IntTy::U64), int(1, IntTy::U64)]),
        op(
            Builtin::Add,
            vec![int(i64::MAX as i128, IntTy::I64), int(1, IntTy::I64)],
        ),
        op(Builtin::Neg, vec![int(i64::MIN as i128, IntTy::I64)]),
        op(Builtin::Neg, vec![int(1, IntTy::U8)]),
        op(
            Builtin::Div,
            vec![int(i64::MIN as i128, IntTy::I64), int(-1, IntTy::I64)],
        ),
        op(
            Builtin::Mod,
            vec![int(i64::MIN as i128, IntTy::I64), int(-1, IntTy::I64)],
        ),
        op(Builtin::Div, vec![int(-128, IntTy::I8), int(-1, IntTy::I8)]),
        op(Builtin::Mod, vec![int(-7, IntTy::I32), int(3, IntTy::I32)]),
        op(Builtin::Mod, vec![int(7, IntTy::I32), int(-3, IntTy::I32)]),
        op(Builtin::Div, vec![int(-7, IntTy::I32), int(2, IntTy::I32)]),
        op(
            Builtin::Div,
            vec![int(100, IntTy::I64), int(3, IntTy::I64), int(2, IntTy::I64)],
        ),
        op(
            Builtin::Sub,
            vec![int(10, IntTy::I64), int(3, IntTy::I64), int(2, IntTy::I64)],
        ),
        op(Builtin::Abs, vec![int(-128, IntTy::I8)]),
        op(Builtin::Abs, vec![int(-5, IntTy::I32)]),
        op(Builtin::Min, vec![int(200, IntTy::U8), int(3, IntTy::U8)]),
        op(
            Builtin::Max,
            vec![int(-200, IntTy::I64), int(3, IntTy::I64)],
        ),
        cmp(
            Builtin::Lt,
            int(1, IntTy::U64),
            int(u64::MAX as i128, IntTy::U64),
        ),
        int(u64::MAX as i128, IntTy::U64),
    ]);
    assert_eq!(
        lines(&out),
        vec![
            "-128",
            "0",
            "24464",
            "1",
            "-2147483648",
            "4294967295",
            "18446744073709551615",
            "-9223372036854775808",
            "-9223372036854775808",
            "255",
            "-9223372036854775808",
            "0",
            "-128",
            "-1",
            "1",
            "-3",
            "16",
            "5",
            "-128",
            "5",
            "3",
            "3",
            "true",
            "18446744073709551615",
        ]
    );
}

#[test]
fn conversions() {
    let out = print_all(vec![
        bi(
            Builtin::ToInt(IntTy::I8),
            vec![f64(300.0)],
            int_t(IntTy::I8),
        ),
        bi(
            Builtin::ToInt(IntTy::I8),
            vec![f64(-300.0)],
            int_t(IntTy::I8),
        ),
        bi(Builtin::ToInt(IntTy::I32), vec![f64(f64::NAN)], I32),
        bi(Builtin::ToInt(IntTy::I64), vec![f64(-2.9)], I64),
        bi(Builtin::ToInt(IntTy::U8), vec![f64(-1.5)], int_t(IntTy::U8)),
        bi(
            Builtin::ToInt(IntTy::U64),
            vec![int(-1, IntTy::I64)],
            int_t(IntTy::U64),
        ),
        bi(
            Builtin::ToInt(IntTy::I8),
            vec![int(200, IntTy::I32)],
            int_t(IntTy::I8),
        ),
        bi(Builtin::ToInt(IntTy::I64), vec![int(200, IntTy::U8)], I64),
        bi(Builtin::ToInt(IntTy::I64), vec![int(-1, IntTy::I8)], I64),
        bi(
            Builtin::ToInt(IntTy::U16),
            vec![int(-1, IntTy::I8)],
            int_t(IntTy::U16),
        ),
        bi(
            Builtin::ToFloat(FloatTy::F64),
            vec![int(u64::MAX as i128, IntTy::U64)],
            F64,
        ),
        bi(
            Builtin::ToFloat(FloatTy::F64),
            vec![int(7, IntTy::I32)],
            F64,
        ),
        bi(Builtin::ToFloat(FloatTy::F32), vec![f64(0.1)], F32),
        bi(Builtin::ToFloat(FloatTy::F64), vec![f32(0.1)], F64),
        bi(
            Builtin::ToFloat(FloatTy::F32),
            vec![int(16_777_217, IntTy::I64)],
            F32,
        ),
        bi(Builtin::ToInt(IntTy::I32), vec![f32(1e10)], I32),
    ]);
    assert_eq!(
        lines(&out),
        vec![
            "127",
            "-128",
            "0",
            "-2",
            "0",
            "18446744073709551615",
            "-56",
            "200",
            "-1",
            "65535",
            "18446744073709551616.0",
            "7.0",
            "0.1",
            "0.10000000149011612",
            "16777216.0",
            "2147483647",
        ]
    );
}

#[test]
fn float_arithmetic_and_math() {
    let out = print_all(vec![
        op(Builtin::Div, vec![f64(1.0), f64(0.0)]),
        op(Builtin::Div, vec![f64(0.0), f64(0.0)]),
        op(Builtin::Mod, vec![f64(-7.5), f64(2.0)]),
        op(Builtin::Mod, vec![f64(1.0), f64(0.0)]),
        op(Builtin::Min, vec![f64(0.0), f64(-0.0)]),
        op(Builtin::Max, vec![f64(-0.0), f64(0.0)]),
        op(Builtin::Min, vec![f64(f64::NAN), f64(1.0)]),
        op(Builtin::Max, vec![f64(1.0), f64(f64::NAN)]),
        op(Builtin::Min, vec![f64(2.0), f64(1.0)]),
        op(Builtin::Abs, vec![f64(-0.0)]),
        op(Builtin::Neg, vec![f64(0.0)]),
        bi(Builtin::Round, vec![f64(-2.5)], F64),
        bi(Builtin::Round, vec![f64(2.5)], F64),
        bi(Builtin::Floor, vec![f64(-1.5)], F64),
        bi(Builtin::Ceil, vec![f64(-1.5)], F64),
        bi(Builtin::Sqrt, vec![f64(2.0)], F64),
        bi(Builtin::Pow, vec![f64(2.0), f64(10.0)], F64),
        bi(Builtin::Atan2, vec![f64(1.0), f64(1.0)], F64),
        bi(Builtin::Exp, vec![f64(1000.0)], F64),
        bi(Builtin::Log, vec![f64(1.0)], F64),
        op(Builtin::Add, vec![f32(0.1), f32(0.2)]),
        cmp(Builtin::Eq, f64(f64::NAN), f64(f64::NAN)),
        cmp(Builtin::Ne, f64(f64::NAN), f64(f64::NAN)),
        cmp(Builtin::Eq, f64(0.0), f64(-0.0)),
        cmp(Builtin::Lt, f64(f64::NAN), f64(1.0)),
        cmp(Builtin::Ge, f64(f64::NAN), f64(1.0)),
    ]);
    let pi4 = fmt_f64(std::f64::consts::FRAC_PI_4);
    assert_eq!(
        lines(&out),
        vec![
            "inf",
            "NaN",
            "-1.5",
            "NaN",
            "-0.0",
            "0.0",
            "NaN",
            "NaN",
            "1.0",
            "0.0",
            "-0.0",
            "-3.0",
            "3.0",
            "-2.0",
            "-1.0",
            "1.4142135623730951",
            "1024.0",
            &pi4,
            "inf",
            "0.0",
            "0.3",
            "false",
            "true",
            "true",
            "false",
            "false",
        ]
    );
}

#[test]
fn float_printing_table() {
    // Every float row of §10.
    let rows: &[(f64, &str)] = &[
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
        (2f64.sqrt(), "1.4142135623730951"),
    ];
    for (v, want) in rows {
        assert_eq!(fmt_f64(*v), *want, "{v:e}");
    }
    assert_eq!(fmt_f32(0.1), "0.1");
    assert_eq!(fmt_f32(0.5), "0.5");
    assert_eq!(fmt_f32(f32::NAN), "NaN");
    assert_eq!(fmt_f32(-0.0), "-0.0");
    // Through the interpreter: literals, arithmetic and (sqrt -1.0), (- 0.0 (exp 1000.0)).
    let out = print_all(vec![
        f32(0.1),
        f32(0.5),
        op(Builtin::Add, vec![f64(0.1), f64(0.2)]),
        op(Builtin::Neg, vec![f64(0.0)]),
        bi(Builtin::Sqrt, vec![f64(-1.0)], F64),
        op(
            Builtin::Sub,
            vec![f64(0.0), bi(Builtin::Exp, vec![f64(1000.0)], F64)],
        ),
        f64(1.0e23),
        bi(
            Builtin::Str,
            vec![s("n="), i32(42), s(" x="), f64(2.5), s(" ok="), b(true)],
            STR,
        ),
        bi(Builtin::Str, vec![], STR),
        bi(Builtin::Str, vec![unit()], STR),
        unit(),
    ]);
    assert_eq!(
        lines(&out),
        vec![
            "0.1",
            "0.5",
            "0.30000000000000004",
            "-0.0",
            "NaN",
            "-inf",
            "99999999999999991611392.0",
            "n=42 x=2.5 ok=true",
            "",
            "()",
            "()",
        ]
    );
}

#[test]
fn random_matches_the_spec_generator() {
    // (roll 10 6) with the default state: "6 1 2 3 2 4 2 4 1 4" (examples/random.out).
    let roll = || {
        op(
            Builtin::Add,
            vec![i64(1), bi(Builtin::RandomInt, vec![i64(6)], I64)],
        )
    };
    let mut es: Vec<TExpr> = (0..10)
        .map(|_| {
            bi(
                Builtin::Print,
                vec![bi(Builtin::Str, vec![roll(), s(" ")], STR)],
                UNIT,
            )
        })
        .collect();
    es.push(bi(Builtin::Println, vec![], UNIT));
    es.push(bi(Builtin::RandomSeed, vec![i64(0)], UNIT));
    es.push(println(bi(Builtin::RandomInt, vec![i64(1_000_000)], I64)));
    es.push(bi(Builtin::RandomSeed, vec![i64(42)], UNIT));
    for _ in 0..10 {
        es.push(bi(
            Builtin::Print,
            vec![bi(Builtin::Str, vec![roll(), s(" ")], STR)],
            UNIT,
        ));
    }
    let out = run_ok(&main_only(0, block(es)));
    assert_eq!(out, "6 1 2 3 2 4 2 4 1 4 \n0\n1 4 4 1 2 4 4 4 4 3 ");
}
