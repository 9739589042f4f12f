//! `weir_pkg::fsutil`: atomic writes, the build-folder lock, hashing and stamps.

use std::fs;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::Duration;

use weir_pkg::fsutil::{atomic_write, sha256, sha256_hex, DirLock, FileStamp, Hasher};

fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn atomic_write_creates_replaces_and_leaves_no_temp_files() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("a/b/file.txt");
    atomic_write(&path, b"first").unwrap();
    assert_eq!(fs::read(&path).unwrap(), b"first");
    let before = FileStamp::of(&path).unwrap();
    atomic_write(&path, b"second, longer").unwrap();
    assert_eq!(fs::read(&path).unwrap(), b"second, longer");
    assert_ne!(
        FileStamp::of(&path).unwrap().ino,
        before.ino,
        "replaced in place instead of renamed"
    );
    assert_eq!(names(&tmp.path().join("a/b")), vec!["file.txt"]);
}

#[test]
fn a_failed_atomic_write_cleans_up() {
    let tmp = tempfile::tempdir().unwrap();
    let dir_in_the_way = tmp.path().join("target");
    fs::create_dir_all(dir_in_the_way.join("inside")).unwrap();
    assert!(atomic_write(&dir_in_the_way, b"x").is_err());
    assert_eq!(names(tmp.path()), vec!["target"]);
    assert!(atomic_write(Path::new("/"), b"x").is_err());
}

#[test]
fn readers_never_see_a_partial_file() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("cache.bin");
    let small = vec![b'a'; 64 * 1024];
    let big = vec![b'b'; 512 * 1024];
    atomic_write(&path, &small).unwrap();
    let done = Arc::new(AtomicBool::new(false));
    let reader = {
        let (path, done, small, big) = (path.clone(), done.clone(), small.clone(), big.clone());
        thread::spawn(move || {
            let mut reads = 0;
            while !done.load(Ordering::Relaxed) || reads == 0 {
                let bytes = fs::read(&path).unwrap();
                assert!(
                    bytes == small || bytes == big,
                    "partial read of {} bytes",
                    bytes.len()
                );
                reads += 1;
            }
        })
    };
    for i in 0..200 {
        atomic_write(&path, if i % 2 == 0 { &big } else { &small }).unwrap();
    }
    done.store(true, Ordering::Relaxed);
    reader.join().unwrap();
    assert_eq!(names(tmp.path()), vec!["cache.bin"]);
}

#[test]
fn a_second_lock_waits_says_so_once_and_proceeds_after_release() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("target");
    let no_wait = AtomicUsize::new(0);
    let first = DirLock::acquire(&dir, || {
        no_wait.fetch_add(1, Ordering::SeqCst);
    })
    .unwrap();
    assert_eq!(
        no_wait.load(Ordering::SeqCst),
        0,
        "an uncontended lock waited"
    );
    assert!(dir.join(".lock").is_file());

    let waits = Arc::new(AtomicUsize::new(0));
    let acquired = Arc::new(AtomicBool::new(false));
    let (tx, rx) = mpsc::channel();
    let second = {
        let (dir, waits, acquired) = (dir.clone(), waits.clone(), acquired.clone());
        thread::spawn(move || {
            let lock = DirLock::acquire(&dir, || {
                waits.fetch_add(1, Ordering::SeqCst);
                tx.send(()).unwrap();
            })
            .unwrap();
            acquired.store(true, Ordering::SeqCst);
            drop(lock);
        })
    };
    rx.recv_timeout(Duration::from_secs(30))
        .expect("the second acquire did not report waiting");
    // Give a broken lock the chance to go through while the first is still held.
    thread::sleep(Duration::from_millis(100));
    assert!(!acquired.load(Ordering::SeqCst), "took a held lock");
    drop(first);
    second.join().unwrap();
    assert!(acquired.load(Ordering::SeqCst));
    assert_eq!(waits.load(Ordering::SeqCst), 1);

    // Released: a third acquire does not wait.
    let third_waits = AtomicUsize::new(0);
    let _third = DirLock::acquire(&dir, || {
        third_waits.fetch_add(1, Ordering::SeqCst);
    })
    .unwrap();
    assert_eq!(third_waits.load(Ordering::SeqCst), 0);
}

#[test]
fn hasher_fields_do_not_run_together() {
    let hash = |fields: &[&str]| {
        let mut h = Hasher::new();
        for f in fields {
            h.update_str(f);
        }
        h.finish_hex()
    };
    assert_ne!(hash(&["ab", "c"]), hash(&["a", "bc"]));
    assert_ne!(hash(&["abc"]), hash(&["ab", "c"]));
    assert_ne!(hash(&[]), hash(&[""]));
    assert_ne!(hash(&[""]), hash(&["", ""]));
    assert_eq!(hash(&["ab", "c"]), hash(&["ab", "c"]));
    assert_eq!(hash(&["x"]).len(), 64);

    let mut a = Hasher::new();
    a.update_u64(1);
    let mut b = Hasher::new();
    b.update(&1u64.to_le_bytes());
    assert_ne!(a.finish_hex(), b.finish_hex());

    let mut a = Hasher::new();
    a.update(b"xy");
    let mut b = Hasher::new();
    b.update_str("xy");
    assert_eq!(a.finish_hex(), b.finish_hex());
}

#[test]
fn sha256_known_answers() {
    assert_eq!(
        sha256_hex(b"abc"),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    assert_eq!(sha256(b"abc")[..4], [0xba, 0x78, 0x16, 0xbf]);
}

#[test]
fn file_stamps_follow_changes() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("f");
    fs::write(&path, "one").unwrap();
    let a = FileStamp::of(&path).unwrap();
    assert_eq!(a, FileStamp::of(&path).unwrap());
    assert_eq!(a.size, 3);
    fs::write(&path, "three").unwrap();
    let b = FileStamp::of(&path).unwrap();
    assert_ne!(a, b);
    assert_eq!(b.size, 5);
    assert!(FileStamp::of(&tmp.path().join("missing")).is_err());
}

/// Two processes (this test binary runs itself again as the second): the child reports that it
/// waits, stays blocked while the parent holds the lock, and proceeds once it is released.
#[test]
fn the_lock_excludes_another_process() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};

    if let Some(dir) = std::env::var_os("WEIR_FSUTIL_LOCK_CHILD") {
        let _lock = DirLock::acquire(Path::new(&dir), || println!("CHILD WAITING")).unwrap();
        println!("CHILD ACQUIRED");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("target");
    let lock = DirLock::acquire(&dir, || {}).unwrap();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "the_lock_excludes_another_process",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("WEIR_FSUTIL_LOCK_CHILD", &dir)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut seen = Vec::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        seen.push(line.clone());
        if line.contains("CHILD") {
            break;
        }
    }
    assert!(
        seen.last().is_some_and(|l| l.ends_with("CHILD WAITING")),
        "{seen:?}"
    );
    thread::sleep(Duration::from_millis(100));
    assert!(
        child.try_wait().unwrap().is_none(),
        "the child took a held lock"
    );
    drop(lock);
    let rest: Vec<String> = lines.map(|l| l.unwrap()).collect();
    assert!(child.wait().unwrap().success(), "{rest:?}");
    let child_lines: Vec<&str> = rest
        .iter()
        .filter(|l| l.contains("CHILD"))
        .map(|l| l.trim())
        .collect();
    assert_eq!(child_lines, ["CHILD ACQUIRED"], "{rest:?}");
}
