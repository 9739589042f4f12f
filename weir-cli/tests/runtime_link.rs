//! The runtime static library embedded in `weir` (`src/runtime_lib.rs`) links into a C program
//! that plays the part of a compiled Weir program: its `main` calls `weir_rt_main` with an
//! `entry` written in C that uses the root stack, allocates, prints through hand-made type
//! descriptors and (on request) raises a runtime error.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

#[path = "../src/runtime_lib.rs"]
mod runtime_lib;

const PROGRAM: &str = r#"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct TypeDesc {
    uint32_t kind, n;
    const char *name;
    const char *const *names;
    const struct TypeDesc *const *children;
};

extern int32_t weir_rt_main(int32_t, char **, void *);
extern void weir_print(const struct TypeDesc *, int64_t);
extern void weir_print_newline(void);
extern void weir_rt_error(int32_t, int64_t, int64_t, const char *);
extern void *weir_alloc_string(int64_t);
extern void *weir_args(void);
extern void weir_exit(int32_t);
extern uintptr_t weir_root_top, weir_root_limit, weir_stack_limit;

static const struct TypeDesc I64 = {3, 0, 0, 0, 0};
static const struct TypeDesc STR = {12, 0, 0, 0, 0};
static const struct TypeDesc *const VEC_CHILDREN[] = {&STR};
static const struct TypeDesc VEC_STR = {15, 0, 0, 0, VEC_CHILDREN};

static int32_t entry(void) {
    char here;
    /* The program thread has a big stack and the limit lies below us. */
    if ((uintptr_t)&here <= weir_stack_limit || (uintptr_t)&here - weir_stack_limit < (512u << 20))
        return 90;
    if (weir_root_top == 0 || weir_root_top >= weir_root_limit)
        return 91;
    /* One root slot, as compiled code would reserve it. */
    uintptr_t *slot = (uintptr_t *)weir_root_top;
    weir_root_top += 8;
    *slot = 0;
    for (int i = 0; i < 1000000; i++) {
        char *s = weir_alloc_string(5);
        memcpy(s + 16, "hello", 5);
        *slot = (uintptr_t)s;
    }
    weir_print(&STR, (int64_t)*slot);
    weir_print_newline();
    weir_print(&I64, -42);
    weir_print_newline();
    *slot = (uintptr_t)weir_args();
    weir_print(&VEC_STR, (int64_t)*slot);
    weir_print_newline();
    weir_root_top -= 8;
    if (getenv("FAIL"))
        weir_rt_error(1, 5, 3, "prog.weir:2:3");
    if (getenv("EXIT"))
        weir_exit(300);
    return 7;
}

int main(int argc, char **argv) { return weir_rt_main(argc, argv, (void *)entry); }
"#;

fn scratch(test: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("runtime-link")
        .join(test);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

/// Writes the embedded library and the C program, links them; returns the executable.
fn build(test: &str) -> PathBuf {
    let dir = scratch(test);
    fs::write(dir.join("libweir_runtime.a"), runtime_lib::RUNTIME_LIB).unwrap();
    fs::write(dir.join("prog.c"), PROGRAM).unwrap();
    let exe = dir.join("prog");
    let out = Command::new("cc")
        .current_dir(&dir)
        .args(["prog.c", "-o", "prog", "-L."])
        .arg("-lweir_runtime")
        .args(runtime_lib::RUNTIME_LINK_LIBS)
        .output()
        .expect("a C compiler (cc) is needed");
    assert!(
        out.status.success(),
        "link failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    exe
}

#[test]
fn program_runs_prints_and_returns_its_status() {
    let exe = build("ok");
    let out = Command::new(&exe).args(["a", "b c"]).output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "hello\n-42\n[a b c]\n",
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(7));
    assert!(out.stderr.is_empty());

    let out = Command::new(&exe).env("EXIT", "1").output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "hello\n-42\n[]\n");
    assert_eq!(out.status.code(), Some(300 & 255));
}

#[test]
fn runtime_error_flushes_stdout_and_exits_1() {
    let exe = build("error");
    let out = Command::new(&exe).env("FAIL", "1").output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "hello\n-42\n[]\n");
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "prog.weir:2:3: runtime error: index 5 out of bounds (len 3)\n"
    );
    assert_eq!(out.status.code(), Some(1));
}
