//! Builtin functions (language.md §9).
//!
//! Invariants: integer arithmetic wraps at the operand's width; `/` and `mod` by zero are the
//! runtime error `division by zero`; float operations are IEEE in the operand's own width; the
//! transcendental functions call the platform C math library so that every execution path agrees.

use std::rc::Rc;

use super::eval::int_value;
use super::print::{to_bytes, write_value};
use super::value::{values_cmp, values_eq, Value};
use super::{Ctrl, Interp, Res};
use crate::span::Span;
use crate::tir::{Builtin, Callee, TExpr, TExprKind};
use crate::types::{FloatTy, IntTy};

mod libm {
    #[link(name = "m")]
    extern "C" {
        pub fn sin(x: f64) -> f64;
        pub fn cos(x: f64) -> f64;
        pub fn tan(x: f64) -> f64;
        pub fn asin(x: f64) -> f64;
        pub fn acos(x: f64) -> f64;
        pub fn atan(x: f64) -> f64;
        pub fn exp(x: f64) -> f64;
        pub fn log(x: f64) -> f64;
        pub fn pow(x: f64, y: f64) -> f64;
        pub fn atan2(y: f64, x: f64) -> f64;
    }
}

macro_rules! int_arith {
    ($op:expr, $x:expr, $y:expr) => {
        match $op {
            Builtin::Add => $x.wrapping_add($y),
            Builtin::Sub => $x.wrapping_sub($y),
            Builtin::Mul => $x.wrapping_mul($y),
            Builtin::Div => {
                if $y == 0 {
                    return Err(());
                }
                $x.wrapping_div($y)
            }
            Builtin::Mod => {
                if $y == 0 {
                    return Err(());
                }
                $x.wrapping_rem($y)
            }
            Builtin::Min => std::cmp::min($x, $y),
            Builtin::Max => std::cmp::max($x, $y),
            _ => unreachable!("internal error: not arithmetic: {:?}", $op),
        }
    };
}

macro_rules! float_arith {
    ($op:expr, $x:expr, $y:expr) => {
        match $op {
            Builtin::Add => $x + $y,
            Builtin::Sub => $x - $y,
            Builtin::Mul => $x * $y,
            Builtin::Div => $x / $y,
            // Rust's float `%` is C's fmod.
            Builtin::Mod => $x % $y,
            Builtin::Min => {
                if $x.is_nan() || $y.is_nan() {
                    $x + $y
                } else if $x == $y {
                    if $x.is_sign_negative() {
                        $x
                    } else {
                        $y
                    }
                } else if $x < $y {
                    $x
                } else {
                    $y
                }
            }
            Builtin::Max => {
                if $x.is_nan() || $y.is_nan() {
                    $x + $y
                } else if $x == $y {
                    if $x.is_sign_positive() {
                        $x
                    } else {
                        $y
                    }
                } else if $x > $y {
                    $x
                } else {
                    $y
                }
            }
            _ => unreachable!("internal error: not arithmetic: {:?}", $op),
        }
    };
}

/// A binary arithmetic builtin (`+ - * / mod min max`) on two values of one numeric type;
/// `Err` is an integer division by zero.
pub(crate) fn arith(op: Builtin, a: Value, b: Value) -> Result<Value, ()> {
    use Value::*;
    Ok(match (a, b) {
        (I64(x), I64(y)) => I64(int_arith!(op, x, y)),
        (I32(x), I32(y)) => I32(int_arith!(op, x, y)),
        (I8(x), I8(y)) => I8(int_arith!(op, x, y)),
        (I16(x), I16(y)) => I16(int_arith!(op, x, y)),
        (U8(x), U8(y)) => U8(int_arith!(op, x, y)),
        (U16(x), U16(y)) => U16(int_arith!(op, x, y)),
        (U32(x), U32(y)) => U32(int_arith!(op, x, y)),
        (U64(x), U64(y)) => U64(int_arith!(op, x, y)),
        (F64(x), F64(y)) => F64(float_arith!(op, x, y)),
        (F32(x), F32(y)) => F32(float_arith!(op, x, y)),
        (a, b) => unreachable!("internal error: {op:?} on {a:?} and {b:?}"),
    })
}

fn neg(v: Value) -> Value {
    use Value::*;
    match v {
        I8(x) => I8(x.wrapping_neg()),
        I16(x) => I16(x.wrapping_neg()),
        I32(x) => I32(x.wrapping_neg()),
        I64(x) => I64(x.wrapping_neg()),
        U8(x) => U8(x.wrapping_neg()),
        U16(x) => U16(x.wrapping_neg()),
        U32(x) => U32(x.wrapping_neg()),
        U64(x) => U64(x.wrapping_neg()),
        F32(x) => F32(-x),
        F64(x) => F64(-x),
        v => unreachable!("internal error: negation of {v:?}"),
    }
}

fn abs(v: Value) -> Value {
    use Value::*;
    match v {
        I8(x) => I8(x.wrapping_abs()),
        I16(x) => I16(x.wrapping_abs()),
        I32(x) => I32(x.wrapping_abs()),
        I64(x) => I64(x.wrapping_abs()),
        F32(x) => F32(x.abs()),
        F64(x) => F64(x.abs()),
        v @ (U8(_) | U16(_) | U32(_) | U64(_)) => v,
        v => unreachable!("internal error: abs of {v:?}"),
    }
}

/// Numeric conversion to an integer type (§9.4): low bits from integers, truncating and
/// saturating from floats (NaN → 0).
pub(crate) fn to_int(it: IntTy, v: &Value) -> Value {
    macro_rules! from_float {
        ($x:expr) => {
            match it {
                IntTy::I8 => Value::I8($x as i8),
                IntTy::I16 => Value::I16($x as i16),
                IntTy::I32 => Value::I32($x as i32),
                IntTy::I64 => Value::I64($x as i64),
                IntTy::U8 => Value::U8($x as u8),
                IntTy::U16 => Value::U16($x as u16),
                IntTy::U32 => Value::U32($x as u32),
                IntTy::U64 => Value::U64($x as u64),
            }
        };
    }
    match *v {
        Value::F32(x) => from_float!(x),
        Value::F64(x) => from_float!(x),
        _ => int_value(it, v.int_i128().expect("numeric")),
    }
}

/// Numeric conversion to a float type (§9.4), rounding to nearest.
pub(crate) fn to_float(ft: FloatTy, v: &Value) -> Value {
    match (ft, v) {
        (FloatTy::F64, Value::F64(x)) => Value::F64(*x),
        (FloatTy::F64, Value::F32(x)) => Value::F64(*x as f64),
        (FloatTy::F32, Value::F64(x)) => Value::F32(*x as f32),
        (FloatTy::F32, Value::F32(x)) => Value::F32(*x),
        (FloatTy::F64, v) => Value::F64(v.int_i128().expect("numeric") as f64),
        (FloatTy::F32, v) => Value::F32(v.int_i128().expect("numeric") as f32),
    }
}

fn f64_of(v: &Value) -> f64 {
    match v {
        Value::F64(x) => *x,
        _ => unreachable!("internal error: not an f64: {v:?}"),
    }
}

/// One xorshift64 step (§9.8).
fn xorshift(s: &mut u64) -> u64 {
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    *s
}

/// An I/O error's reason, as the other execution paths print it (Rust's `io::Error` display,
/// e.g. `No such file or directory (os error 2)`).
fn io_reason(e: &std::io::Error) -> String {
    e.to_string()
}

fn path_of(v: &Value) -> std::path::PathBuf {
    use std::os::unix::ffi::OsStrExt;
    std::path::PathBuf::from(std::ffi::OsStr::from_bytes(v.as_bytes()))
}

impl Interp<'_, '_> {
    /// Evaluates a builtin call `e` (whose arguments are `args`).
    pub(crate) fn builtin(&mut self, b: Builtin, args: &[TExpr], e: &TExpr) -> Res {
        match b {
            Builtin::Add | Builtin::Sub | Builtin::Mul | Builtin::Div | Builtin::Mod => {
                let mut acc = self.operand(&args[0])?;
                for a in &args[1..] {
                    let v = self.operand(a)?;
                    // Fast path: i64 `+ - *`.
                    if let (Value::I64(x), Value::I64(y)) = (&acc, &v) {
                        match b {
                            Builtin::Add => {
                                acc = Value::I64(x.wrapping_add(*y));
                                continue;
                            }
                            Builtin::Sub => {
                                acc = Value::I64(x.wrapping_sub(*y));
                                continue;
                            }
                            Builtin::Mul => {
                                acc = Value::I64(x.wrapping_mul(*y));
                                continue;
                            }
                            _ => {}
                        }
                    }
                    acc = match arith(b, acc, v) {
                        Ok(v) => v,
                        Err(()) => return Err(self.fail("division by zero", e.span)),
                    };
                }
                Ok(acc)
            }
            Builtin::Eq | Builtin::Ne | Builtin::Lt | Builtin::Gt | Builtin::Le | Builtin::Ge => {
                let x = self.operand(&args[0])?;
                let y = self.operand(&args[1])?;
                Ok(Value::Bool(compare(b, &x, &y)))
            }
            _ => self.builtin_other(b, args, e),
        }
    }

    /// Evaluates a Bool expression; comparisons of i64 skip building a `Value`.
    #[inline]
    pub(crate) fn eval_bool(&mut self, e: &TExpr) -> Result<bool, Ctrl> {
        if let TExprKind::Call {
            callee: Callee::Builtin(b),
            args,
            ..
        } = &e.kind
        {
            if matches!(
                b,
                Builtin::Eq | Builtin::Ne | Builtin::Lt | Builtin::Gt | Builtin::Le | Builtin::Ge
            ) {
                let x = self.operand(&args[0])?;
                let y = self.operand(&args[1])?;
                return Ok(compare(*b, &x, &y));
            }
        }
        Ok(self.eval(e)?.as_bool())
    }

    #[inline(never)]
    fn builtin_other(&mut self, b: Builtin, args: &[TExpr], e: &TExpr) -> Res {
        let span = e.span;
        match b {
            Builtin::Min | Builtin::Max => {
                let x = self.eval(&args[0])?;
                let y = self.eval(&args[1])?;
                Ok(arith(b, x, y).expect("min/max cannot fail"))
            }
            Builtin::Neg => Ok(neg(self.eval(&args[0])?)),
            Builtin::Abs => Ok(abs(self.eval(&args[0])?)),
            Builtin::Not => Ok(Value::Bool(!self.eval(&args[0])?.as_bool())),
            Builtin::Sqrt
            | Builtin::Floor
            | Builtin::Ceil
            | Builtin::Round
            | Builtin::Sin
            | Builtin::Cos
            | Builtin::Tan
            | Builtin::Asin
            | Builtin::Acos
            | Builtin::Atan
            | Builtin::Exp
            | Builtin::Log => {
                let x = f64_of(&self.eval(&args[0])?);
                Ok(Value::F64(math1(b, x)))
            }
            Builtin::Pow | Builtin::Atan2 => {
                let x = f64_of(&self.eval(&args[0])?);
                let y = f64_of(&self.eval(&args[1])?);
                // SAFETY: pure libm functions.
                Ok(Value::F64(unsafe {
                    if b == Builtin::Pow {
                        libm::pow(x, y)
                    } else {
                        libm::atan2(x, y)
                    }
                }))
            }
            Builtin::ToInt(it) => Ok(to_int(it, &self.eval(&args[0])?)),
            Builtin::ToFloat(ft) => Ok(to_float(ft, &self.eval(&args[0])?)),
            Builtin::Add
            | Builtin::Sub
            | Builtin::Mul
            | Builtin::Div
            | Builtin::Mod
            | Builtin::Eq
            | Builtin::Ne
            | Builtin::Lt
            | Builtin::Gt
            | Builtin::Le
            | Builtin::Ge => unreachable!("internal error: {b:?} handled by builtin"),
            _ => self.builtin_data(b, args, span),
        }
    }

    /// Vectors, strings, I/O, random numbers, assertions, process.
    #[inline(never)]
    fn builtin_data(&mut self, b: Builtin, args: &[TExpr], span: Span) -> Res {
        match b {
            Builtin::VecLen => match self.eval(&args[0])? {
                Value::Vector(v) => Ok(Value::I64(v.len() as i64)),
                v => unreachable!("internal error: len of {v:?}"),
            },
            Builtin::StrLen => Ok(Value::I64(self.eval(&args[0])?.as_bytes().len() as i64)),
            Builtin::Nth => {
                let v = self.eval(&args[0])?;
                let i = self.eval(&args[1])?.as_i64();
                let Value::Vector(items) = v else {
                    unreachable!("internal error: nth of {v:?}")
                };
                let idx = self.check_index(i, items.len(), span)?;
                Ok(items[idx].clone())
            }
            Builtin::Append => {
                let v = self.eval(&args[0])?;
                let x = self.eval(&args[1])?;
                let Value::Vector(mut items) = v else {
                    unreachable!("internal error: append to {v:?}")
                };
                Rc::make_mut(&mut items).push(x);
                Ok(Value::Vector(items))
            }
            Builtin::SetNth => {
                let v = self.eval(&args[0])?;
                let i = self.eval(&args[1])?.as_i64();
                let x = self.eval(&args[2])?;
                let Value::Vector(mut items) = v else {
                    unreachable!("internal error: set-nth of {v:?}")
                };
                let idx = self.check_index(i, items.len(), span)?;
                Rc::make_mut(&mut items)[idx] = x;
                Ok(Value::Vector(items))
            }
            Builtin::Str => {
                let mut out = Vec::new();
                for a in args {
                    let v = self.eval(a)?;
                    write_value(&mut out, &v, &self.prog.adts);
                }
                Ok(Value::str(out))
            }
            Builtin::Substring => {
                let s = self.eval(&args[0])?;
                let start = self.eval(&args[1])?.as_i64();
                let end = self.eval(&args[2])?.as_i64();
                if start < 0 || end < 0 {
                    return Err(self.fail("substring index out of range", span));
                }
                let bytes = s.as_bytes();
                let end = (end as u64).min(bytes.len() as u64) as usize;
                let start = start as u64;
                if start >= end as u64 {
                    Ok(Value::str(Vec::new()))
                } else {
                    Ok(Value::str(bytes[start as usize..end].to_vec()))
                }
            }
            Builtin::StringRef => {
                let s = self.eval(&args[0])?;
                let i = self.eval(&args[1])?.as_i64();
                let bytes = s.as_bytes();
                if i < 0 || i as u64 >= bytes.len() as u64 {
                    return Err(self.fail(
                        format!("string index {i} out of bounds (len {})", bytes.len()),
                        span,
                    ));
                }
                Ok(Value::I64(bytes[i as usize] as i64))
            }
            Builtin::StringContains => {
                let s = self.eval(&args[0])?;
                let t = self.eval(&args[1])?;
                let (s, t) = (s.as_bytes(), t.as_bytes());
                let found = t.is_empty() || s.windows(t.len()).any(|w| w == t);
                Ok(Value::Bool(found))
            }
            Builtin::StringUpcase => {
                let s = self.eval(&args[0])?;
                Ok(Value::str(s.as_bytes().to_ascii_uppercase()))
            }
            Builtin::StringDowncase => {
                let s = self.eval(&args[0])?;
                Ok(Value::str(s.as_bytes().to_ascii_lowercase()))
            }
            Builtin::StringTrim => {
                let s = self.eval(&args[0])?;
                let ws = |c: &u8| matches!(c, b' ' | b'\t' | b'\n' | b'\r');
                let bytes = s.as_bytes();
                let start = bytes.iter().position(|c| !ws(c)).unwrap_or(bytes.len());
                let end = bytes.iter().rposition(|c| !ws(c)).map_or(start, |i| i + 1);
                Ok(Value::str(bytes[start..end.max(start)].to_vec()))
            }
            Builtin::CharToString => {
                let c = self.eval(&args[0])?.as_i64();
                match u32::try_from(c).ok().and_then(char::from_u32) {
                    Some(ch) => Ok(Value::str(ch.to_string().into_bytes())),
                    None => Err(self.fail(format!("invalid character code: {c}"), span)),
                }
            }
            Builtin::Println | Builtin::Print => {
                if let Some(a) = args.first() {
                    let v = self.eval(a)?;
                    if let Value::Str(s) = &v {
                        self.write_out(s);
                    } else {
                        let bytes = to_bytes(&v, &self.prog.adts);
                        self.write_out(&bytes);
                    }
                }
                if b == Builtin::Println {
                    self.write_out(b"\n");
                }
                if let Some(e) = &self.out_error {
                    // Output can no longer be delivered (e.g. `weir interp p.weir | head`).
                    let message = format!("cannot write to stdout: {e}");
                    return Err(self.fail(message, span));
                }
                Ok(Value::Unit)
            }
            Builtin::Random => Ok(Value::F64(self.random())),
            Builtin::RandomInt => {
                let n = self.eval(&args[0])?.as_i64();
                if n <= 0 {
                    return Err(self.fail("random-int requires a positive bound", span));
                }
                let r = self.random();
                Ok(Value::I64(((r * n as f64) as i64).min(n - 1)))
            }
            Builtin::RandomSeed => {
                let k = self.eval(&args[0])?.as_i64();
                self.rng = if k == 0 { 1 } else { k as u64 };
                Ok(Value::Unit)
            }
            Builtin::ReadFile => {
                let path = self.eval(&args[0])?;
                match std::fs::read(path_of(&path)) {
                    Ok(bytes) => Ok(Value::str(bytes)),
                    Err(err) => {
                        Err(self.fail(format!("read-file failed: {}", io_reason(&err)), span))
                    }
                }
            }
            Builtin::WriteFile => {
                let path = self.eval(&args[0])?;
                let text = self.eval(&args[1])?;
                match std::fs::write(path_of(&path), text.as_bytes()) {
                    Ok(()) => Ok(Value::Unit),
                    Err(err) => {
                        Err(self.fail(format!("write-file failed: {}", io_reason(&err)), span))
                    }
                }
            }
            Builtin::TimeMs => Ok(Value::I64(self.start.elapsed().as_millis() as i64)),
            Builtin::Sleep => {
                let ms = self.eval(&args[0])?.as_i64();
                self.flush();
                if ms > 0 {
                    std::thread::sleep(std::time::Duration::from_millis(ms as u64));
                }
                Ok(Value::Unit)
            }
            Builtin::Assert => {
                let c = self.eval(&args[0])?.as_bool();
                let msg = match args.get(1) {
                    Some(m) => Some(self.eval(m)?),
                    None => None,
                };
                if c {
                    return Ok(Value::Unit);
                }
                let mut text = b"assertion failed".to_vec();
                if let Some(m) = msg {
                    text.extend_from_slice(b": ");
                    text.extend_from_slice(m.as_bytes());
                }
                Err(self.fail(String::from_utf8_lossy(&text), span))
            }
            Builtin::AssertEq => {
                let x = self.eval(&args[0])?;
                let y = self.eval(&args[1])?;
                if values_eq(&x, &y) {
                    return Ok(Value::Unit);
                }
                let mut text = b"assertion failed: left = ".to_vec();
                write_value(&mut text, &x, &self.prog.adts);
                text.extend_from_slice(b", right = ");
                write_value(&mut text, &y, &self.prog.adts);
                Err(self.fail(String::from_utf8_lossy(&text), span))
            }
            Builtin::Args => {
                let items = self
                    .args
                    .iter()
                    .map(|a| Value::str(a.as_bytes().to_vec()))
                    .collect();
                Ok(Value::Vector(Rc::new(items)))
            }
            Builtin::Exit => {
                let code = match self.eval(&args[0])? {
                    Value::I32(c) => c,
                    v => v.int_i128().expect("integer exit code") as i32,
                };
                self.flush();
                Err(Ctrl::Exit(code & 255))
            }
            _ => unreachable!("internal error: {b:?} is not a data builtin"),
        }
    }

    fn check_index(&mut self, i: i64, len: usize, span: Span) -> Result<usize, Ctrl> {
        if i < 0 || i as u64 >= len as u64 {
            return Err(self.fail(format!("index {i} out of bounds (len {len})"), span));
        }
        Ok(i as usize)
    }

    fn random(&mut self) -> f64 {
        let s = xorshift(&mut self.rng);
        (s >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// `= != < > <= >=` on two values of one type.
#[inline(always)]
fn compare(op: Builtin, x: &Value, y: &Value) -> bool {
    use std::cmp::Ordering::*;
    match op {
        _ if matches!((x, y), (Value::I64(_), Value::I64(_))) => {
            // Fast path for the common i64 case.
            let (Value::I64(a), Value::I64(b)) = (x, y) else {
                unreachable!()
            };
            match op {
                Builtin::Eq => a == b,
                Builtin::Ne => a != b,
                Builtin::Lt => a < b,
                Builtin::Gt => a > b,
                Builtin::Le => a <= b,
                _ => a >= b,
            }
        }
        Builtin::Eq => values_eq(x, y),
        Builtin::Ne => !values_eq(x, y),
        _ => {
            let ord = values_cmp(x, y);
            match op {
                Builtin::Lt => ord == Some(Less),
                Builtin::Gt => ord == Some(Greater),
                Builtin::Le => matches!(ord, Some(Less | Equal)),
                _ => matches!(ord, Some(Greater | Equal)),
            }
        }
    }
}

/// The one-argument math builtins.
fn math1(b: Builtin, x: f64) -> f64 {
    // SAFETY: pure libm functions.
    unsafe {
        match b {
            Builtin::Sqrt => x.sqrt(),
            Builtin::Floor => x.floor(),
            Builtin::Ceil => x.ceil(),
            Builtin::Round => x.round(),
            Builtin::Sin => libm::sin(x),
            Builtin::Cos => libm::cos(x),
            Builtin::Tan => libm::tan(x),
            Builtin::Asin => libm::asin(x),
            Builtin::Acos => libm::acos(x),
            Builtin::Atan => libm::atan(x),
            Builtin::Exp => libm::exp(x),
            Builtin::Log => libm::log(x),
            _ => unreachable!("internal error: not a math builtin: {b:?}"),
        }
    }
}
