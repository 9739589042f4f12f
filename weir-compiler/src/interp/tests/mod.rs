//! Interpreter tests over hand-built typed IR (see `build.rs`).

mod build;
mod calls;
mod data;
mod errors;
mod ffi;
mod numbers;

use std::rc::Rc;

use build::*;

use super::print::{fmt_f32, fmt_f64, to_bytes};
use super::value::{AdtVal, Value};
use super::{run, Config, RunError};
use crate::tir::*;
use crate::types::*;

fn run_with(prog: &Program, config: &Config) -> (Result<i32, RunError>, String) {
    let mut out = Vec::new();
    let res = run(prog, config, &mut out);
    (res, String::from_utf8(out).expect("utf-8 output"))
}

/// Runs on the current thread; expects success and returns stdout.
fn run_ok(prog: &Program) -> String {
    let (res, out) = run_with(prog, &Config::default());
    assert_eq!(res, Ok(0), "stdout so far: {out}");
    out
}

/// Expects a runtime error; returns its message and stdout.
fn run_err(prog: &Program) -> (String, String) {
    let (res, out) = run_with(prog, &Config::default());
    match res {
        Err(RunError::Runtime { message, .. }) => (message, out),
        other => panic!("expected a runtime error, got {other:?} (stdout: {out})"),
    }
}

/// Prints each expression on its own line from `main` and returns the output.
fn print_all(es: Vec<TExpr>) -> String {
    run_ok(&main_only(0, block(es.into_iter().map(println).collect())))
}

fn lines(out: &str) -> Vec<&str> {
    out.lines().collect()
}

fn fib_func() -> Func {
    // (defn fib ((n : i64)) : i64 (if (< n 2) n (+ (fib (- n 1)) (fib (- n 2)))))
    let n = || local(0, I64);
    func(
        "fib",
        vec![I64],
        I64,
        1,
        if_(
            cmp(Builtin::Lt, n(), i64(2)),
            n(),
            op(
                Builtin::Add,
                vec![
                    call(0, vec![op(Builtin::Sub, vec![n(), i64(1)])], I64),
                    call(0, vec![op(Builtin::Sub, vec![n(), i64(2)])], I64),
                ],
            ),
        ),
    )
}

/// (defn sum ((n : i64)) : i64 (if (= n 0) 0 (+ n (sum (- n 1)))))
fn sum_func() -> Func {
    let n = || local(0, I64);
    func(
        "sum",
        vec![I64],
        I64,
        1,
        if_(
            cmp(Builtin::Eq, n(), i64(0)),
            i64(0),
            op(
                Builtin::Add,
                vec![n(), call(0, vec![op(Builtin::Sub, vec![n(), i64(1)])], I64)],
            ),
        ),
    )
}
