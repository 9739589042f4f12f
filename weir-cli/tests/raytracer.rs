//! The ray tracer demo (`demos/raytracer`) renders the same PPM bytes on the interpreter, the JIT
//! and an AOT executable, and the image is the scene it claims to be: a valid header for the
//! requested size, many colours, sky above, a red sphere in the middle and a floor pixel in the
//! shadow of two spheres lit by the ambient term only. The demo is copied to a temporary folder
//! first, so no `target/` appears in the repository.

use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use tempfile::TempDir;

const WIDTH: usize = 64;
const HEIGHT: usize = 48;

fn weir_in(dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_weir"));
    cmd.env_remove("NO_COLOR").current_dir(dir);
    cmd
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if name == "target" {
            continue;
        }
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &to.join(&name));
        } else {
            fs::copy(entry.path(), to.join(&name)).unwrap();
        }
    }
}

/// A copy of the demo package in a temporary folder; returns (folder guard, package).
fn demo_copy() -> (TempDir, PathBuf) {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../demos/raytracer");
    let tmp = tempfile::Builder::new()
        .prefix("weir-raytracer")
        .tempdir()
        .unwrap();
    let dir = tmp.path().join("raytracer");
    copy_dir(&src, &dir);
    (tmp, dir)
}

/// The pixels of a plain PPM (P3) file of WIDTH x HEIGHT with maximum value 255, row by row.
fn parse_ppm(bytes: &[u8]) -> Vec<[u8; 3]> {
    let text = std::str::from_utf8(bytes).expect("a P3 file is ASCII");
    let header = format!("P3\n{WIDTH} {HEIGHT}\n255\n");
    let body = text.strip_prefix(&header).unwrap_or_else(|| {
        panic!(
            "header is not {header:?}: {:?}",
            &text[..20.min(text.len())]
        )
    });
    let values: Vec<u8> = body
        .split_ascii_whitespace()
        .map(|v| v.parse().unwrap_or_else(|_| panic!("bad sample {v:?}")))
        .collect();
    assert_eq!(values.len(), WIDTH * HEIGHT * 3, "sample count");
    values.chunks(3).map(|c| [c[0], c[1], c[2]]).collect()
}

fn at(pixels: &[[u8; 3]], x: usize, y: usize) -> [u8; 3] {
    pixels[y * WIDTH + x]
}

fn brightness(p: [u8; 3]) -> u32 {
    p.iter().map(|&c| u32::from(c)).sum()
}

#[test]
fn same_image_on_every_path() {
    let (_tmp, dir) = demo_copy();
    let (w, h) = (WIDTH.to_string(), HEIGHT.to_string());
    let wrote = |file: &str| format!("wrote {file} ({WIDTH}x{HEIGHT})\n");

    weir_in(&dir)
        .args(["interp", "--", &w, &h, "interp.ppm"])
        .assert()
        .success()
        .stdout(wrote("interp.ppm"));
    weir_in(&dir)
        .args(["run", "--", &w, &h, "jit.ppm"])
        .assert()
        .success()
        .stdout(wrote("jit.ppm"));
    weir_in(&dir).arg("build").assert().success();
    let exe = dir.join("target/debug/raytracer");
    Command::new(&exe)
        .current_dir(&dir)
        .args([&w, &h, "aot.ppm"])
        .assert()
        .success()
        .stdout(wrote("aot.ppm"));

    let interp = fs::read(dir.join("interp.ppm")).unwrap();
    let jit = fs::read(dir.join("jit.ppm")).unwrap();
    let aot = fs::read(dir.join("aot.ppm")).unwrap();
    assert!(interp == jit, "interpreter and JIT images differ");
    assert!(interp == aot, "interpreter and AOT images differ");

    let pixels = parse_ppm(&interp);
    let mut colours = pixels.clone();
    colours.sort_unstable();
    colours.dedup();
    assert!(
        colours.len() >= 200,
        "only {} distinct colours",
        colours.len()
    );

    // Sky in the top corners: blue dominates.
    for x in [0, WIDTH - 1] {
        let [r, g, b] = at(&pixels, x, 0);
        assert!(b > r && b > g && b >= 200, "sky at ({x}, 0): {r} {g} {b}");
    }
    // The red sphere in the middle.
    let [r, g, b] = at(&pixels, 32, 20);
    assert!(
        r > 150 && r > 2 * g && r > 2 * b,
        "red sphere at (32, 20): {r} {g} {b}"
    );
    // The floor behind the red sphere: (30, 31), on a light square, is hidden from both lights,
    // so only the ambient term is left (0.12 x the colour 0.85, gamma 2); (24, 31), also on a
    // light square, is lit.
    let ambient_only = ((0.12f64 * 0.85).sqrt() * 255.0 + 0.5) as u8;
    let shadow = at(&pixels, 30, 31);
    let lit = at(&pixels, 24, 31);
    assert_eq!(
        shadow, [ambient_only; 3],
        "floor in full shadow at (30, 31)"
    );
    assert!(
        brightness(lit) > 2 * brightness(shadow),
        "lit floor {lit:?} should be much brighter than the shadow {shadow:?}"
    );
}

#[test]
fn bad_arguments_print_usage() {
    let (_tmp, dir) = demo_copy();
    let usage = "usage: raytracer [WIDTH HEIGHT [OUT.ppm]]\n";
    for args in [
        &["64"][..],
        &["64", "x48"],
        &["0", "48"],
        &["1", "2", "a.ppm", "more"],
    ] {
        weir_in(&dir)
            .arg("interp")
            .arg("--")
            .args(args)
            .assert()
            .code(2)
            .stdout(usage);
    }
    assert!(!dir.join("out.ppm").exists());
}
