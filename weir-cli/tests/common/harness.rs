//! Helpers shared by the program harnesses (`tests/fixtures.rs`, `tests/packages.rs`): the
//! per-command timeout, describing how a process ended, and failure messages that point at the
//! first differing line. Included with `#[path]`.

use std::time::Duration;

/// The time one command may take: `WEIR_FIXTURE_TIMEOUT` seconds, default 120.
pub fn timeout() -> Duration {
    let secs = std::env::var("WEIR_FIXTURE_TIMEOUT")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(120);
    Duration::from_secs(secs)
}

/// Why a finished process has no exit status.
#[cfg(unix)]
pub fn signal_note(status: &std::process::ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match status.signal() {
        Some(sig) => format!("killed by signal {sig}"),
        None => format!("ended without a status ({status})"),
    }
}

/// Why a finished process has no exit status.
#[cfg(not(unix))]
pub fn signal_note(status: &std::process::ExitStatus) -> String {
    format!("ended without a status ({status})")
}

/// `    first difference at line N: expected "…" / actual "…"`.
pub fn first_difference(expected: &[u8], actual: &[u8]) -> String {
    let exp: Vec<&[u8]> = expected.split_inclusive(|&b| b == b'\n').collect();
    let act: Vec<&[u8]> = actual.split_inclusive(|&b| b == b'\n').collect();
    let show = |line: Option<&&[u8]>| match line {
        Some(l) => format!("{:?}", String::from_utf8_lossy(l)),
        None => "<end of output>".to_string(),
    };
    let n = (0..exp.len().max(act.len()))
        .find(|&i| exp.get(i) != act.get(i))
        .unwrap_or(0);
    format!(
        "    first difference at line {}:\n      expected: {}\n      actual:   {}\n    ({} vs {} lines)",
        n + 1,
        show(exp.get(n)),
        show(act.get(n)),
        exp.len(),
        act.len()
    )
}

/// Appends the first 8 lines of `stderr` (if any) to a failure message.
pub fn append_stderr(msg: &mut String, stderr: &[u8]) {
    if stderr.is_empty() {
        return;
    }
    let text = String::from_utf8_lossy(stderr);
    let lines: Vec<&str> = text.lines().take(8).collect();
    msg.push_str("\n    stderr:");
    for line in &lines {
        msg.push_str("\n      | ");
        msg.push_str(line);
    }
    if text.lines().count() > lines.len() {
        msg.push_str("\n      | …");
    }
}

#[test]
fn first_difference_names_the_line() {
    let msg = first_difference(b"a\nb\nc\n", b"a\nB\nc\n");
    assert!(msg.contains("line 2"), "{msg}");
    assert!(msg.contains("expected: \"b\\n\""), "{msg}");
    assert!(msg.contains("actual:   \"B\\n\""), "{msg}");
    let msg = first_difference(b"a\n", b"a\nextra\n");
    assert!(
        msg.contains("line 2") && msg.contains("<end of output>"),
        "{msg}"
    );
    // A missing final newline is a difference too.
    let msg = first_difference(b"a\n", b"a");
    assert!(msg.contains("line 1"), "{msg}");
}
