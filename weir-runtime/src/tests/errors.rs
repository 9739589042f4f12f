//! Runtime error messages (pure functions) and the error/exit paths, run in a child process
//! (this test binary re-executed with `WEIR_RT_CHILD=CASE`, running only [`child`]).

use std::process::Command;

use super::*;
use crate::errors::{error_line, kind_message};

#[test]
fn kind_messages() {
    assert_eq!(kind_message(E_DIV_ZERO, 0, 0), "division by zero");
    assert_eq!(kind_message(E_INDEX, 5, 3), "index 5 out of bounds (len 3)");
    assert_eq!(
        kind_message(E_INDEX, -1, 0),
        "index -1 out of bounds (len 0)"
    );
    assert_eq!(
        kind_message(E_STRING_INDEX, 9, 2),
        "string index 9 out of bounds (len 2)"
    );
    assert_eq!(
        kind_message(E_SUBSTRING, -1, 2),
        "substring index out of range"
    );
    assert_eq!(
        kind_message(E_CHAR_CODE, 55296, 0),
        "invalid character code: 55296"
    );
    assert_eq!(
        kind_message(E_RANDOM_INT, 0, 0),
        "random-int requires a positive bound"
    );
    assert_eq!(kind_message(E_NULL_STRING, 0, 0), "null string from C");
    assert_eq!(kind_message(E_STACK_OVERFLOW, 0, 0), "stack overflow");
}

#[test]
fn error_lines() {
    assert_eq!(
        error_line(Some(b"a.weir:3:5"), b"division by zero"),
        b"a.weir:3:5: runtime error: division by zero\n"
    );
    assert_eq!(error_line(None, b"x"), b"runtime error: x\n");
}

#[test]
fn assert_eq_messages() {
    let _g = setup();
    let opt = {
        let some = desc(T_VARIANT, Some("Some"), &[], &[scalar(T_STR)]);
        desc(T_SUM, Some("Option"), &[], &[some])
    };
    let o = crate::gc::alloc_fixed(shape(1, &[0]));
    unsafe { *slot(o, 0) = string(b"x") as i64 };
    assert_eq!(
        crate::errors::assert_eq_message(scalar(T_I64), 1, 2),
        b"assertion failed: left = 1, right = 2"
    );
    assert_eq!(
        crate::errors::assert_eq_message(opt, o as i64, o as i64),
        b"assertion failed: left = (Some x), right = (Some x)"
    );
}

/// The body of the child process for each case.
#[test]
fn child() {
    let Ok(case) = std::env::var("WEIR_RT_CHILD") else {
        return;
    };
    let _g = setup();
    let loc = c"t.weir:1:2".as_ptr() as usize;
    crate::io::write_out(b"before");
    use crate::exports::*;
    match case.as_str() {
        "index" => weir_vec_set(crate::gc::alloc_vector(2, false), 2, 0, 0, loc),
        "string_ref" => weir_string_ref(string(b"abc"), -1, loc) as usize,
        "substring" => weir_substring(string(b"abc"), -1, 2, loc),
        "char" => weir_char_to_string(0xD800, loc),
        "random" => weir_random_int(0, loc) as usize,
        "null" => weir_from_cstr(0, loc),
        "div" => {
            weir_rt_error(E_DIV_ZERO, 0, 0, 0);
            0
        }
        "assert" => {
            weir_assert_fail(string(b"oops"), loc);
            0
        }
        "assert_eq" => {
            weir_assert_eq_fail(scalar(T_F64) as usize, 1.5f64.to_bits() as i64, 0, loc);
            0
        }
        "global" => {
            weir_global_uninit(c"late".as_ptr() as usize, loc);
            0
        }
        "overflow" => {
            weir_stack_overflow(loc);
            0
        }
        "read" => weir_read_file(string(b"/nonexistent/file"), loc),
        "exit" => {
            weir_exit(258);
            0
        }
        _ => panic!("unknown case {case}"),
    };
    unreachable!("the case should have ended the process");
}

/// Runs `case` in a child process: (status, stdout, stderr).
fn run_child(case: &str) -> (i32, String, String) {
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "tests::errors::child",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("WEIR_RT_CHILD", case)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn errors_flush_stdout_and_exit_1() {
    let cases = [
        (
            "index",
            "t.weir:1:2: runtime error: index 2 out of bounds (len 2)\n",
        ),
        (
            "string_ref",
            "t.weir:1:2: runtime error: string index -1 out of bounds (len 3)\n",
        ),
        (
            "substring",
            "t.weir:1:2: runtime error: substring index out of range\n",
        ),
        (
            "char",
            "t.weir:1:2: runtime error: invalid character code: 55296\n",
        ),
        (
            "random",
            "t.weir:1:2: runtime error: random-int requires a positive bound\n",
        ),
        ("null", "t.weir:1:2: runtime error: null string from C\n"),
        ("div", "runtime error: division by zero\n"),
        (
            "assert",
            "t.weir:1:2: runtime error: assertion failed: oops\n",
        ),
        (
            "assert_eq",
            "t.weir:1:2: runtime error: assertion failed: left = 1.5, right = 0.0\n",
        ),
        (
            "global",
            "t.weir:1:2: runtime error: global late used before initialization\n",
        ),
        ("overflow", "t.weir:1:2: runtime error: stack overflow\n"),
        (
            "read",
            "t.weir:1:2: runtime error: read-file failed: No such file or directory (os error 2)\n",
        ),
    ];
    for (case, want) in cases {
        let (status, stdout, stderr) = run_child(case);
        assert_eq!(status, 1, "{case}: {stderr}");
        assert!(
            stdout.contains("before"),
            "{case}: stdout not flushed: {stdout:?}"
        );
        assert!(stderr.ends_with(want), "{case}: {stderr:?}");
    }
    let (status, stdout, _) = run_child("exit");
    assert_eq!(status, 2);
    assert!(stdout.contains("before"));
}
