//! The `demos/weir-gl` library and its `demos/gl-smoke` application, run for real under Xvfb on
//! every execution path (`weir run`, `weir interp`, `weir build` + the executable).
//!
//! Each test copies both demo packages into a temporary folder (never building inside the
//! repository), runs gl-smoke with `--screenshot out.png --screenshot out.ppm` under
//! `xvfb-run`, then decodes both files (`common/gl.rs`: the PNG with its own checker for the stored-deflate
//! encoding weir-gl writes: chunk CRCs, zlib header, block lengths, Adler-32) and checks the
//! scene pixel by pixel: size, background, the rectangles and their exact edges, the text.
//!
//! Needs GLFW, OpenGL (Mesa) and Xvfb. When they are missing the tests FAIL and say what to
//! install; `WEIR_SKIP_GL_TESTS=1` skips them instead, with a notice on stderr. Servers are
//! started one at a time (`xvfb-run -a` picks display numbers racily).

#[path = "common/gl.rs"]
mod gl;

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use gl::*;

const WIDTH: usize = 200;
const HEIGHT: usize = 120;
const BACKGROUND: [u8; 3] = [0x1A, 0x2B, 0x3C];
const RED: [u8; 3] = [0xE0, 0x30, 0x30];
const GREEN: [u8; 3] = [0x30, 0xC0, 0x50];
const BLUE: [u8; 3] = [0x30, 0x60, 0xE0];
const ORANGE: [u8; 3] = [0xFF, 0xA5, 0x00];
const WHITE: [u8; 3] = [0xFF, 0xFF, 0xFF];
const GREY: [u8; 3] = [0xC0, 0xC0, 0xC0];

// ---- environment -------------------------------------------------------------------------

const SCREENSHOT_ARGS: [&str; 4] = ["--screenshot", "out.png", "--screenshot", "out.ppm"];

/// Checks gl-smoke's output and both screenshots in `dir`.
fn check_smoke_run(dir: &Path, out: &Output) {
    let stdout = String::from_utf8_lossy(&out.stdout);
    if out.status.code() == Some(3) {
        panic!(
            "gl-smoke could not open a window under Xvfb (no usable OpenGL?); \
             {INSTALL_HINT}\n{}",
            describe(out)
        );
    }
    assert!(out.status.success(), "{}", describe(out));
    assert_eq!(
        stdout,
        "text-width 118\nwrote out.png\nwrote out.ppm\n",
        "{}",
        describe(out)
    );
    let png = decode_png(&fs::read(dir.join("out.png")).unwrap()).unwrap();
    let ppm = decode_ppm(&fs::read(dir.join("out.ppm")).unwrap()).unwrap();
    check_scene(&png).unwrap();
    assert!(png == ppm, "the PNG and the PPM of one frame differ");
}

// ---- the tests ---------------------------------------------------------------------------

#[test]
fn jit_run_draws_the_scene() {
    if !gl_available("weir-gl") {
        return;
    }
    let (_tmp, dir) = copy_demos("weir-gl-demo", &["weir-gl", "gl-smoke"]);
    let mut args = vec!["run", "--"];
    args.extend(SCREENSHOT_ARGS);
    let out = under_xvfb(&dir, Path::new(env!("CARGO_BIN_EXE_weir")), &args);
    check_smoke_run(&dir, &out);
}

#[test]
fn interpreter_draws_the_scene() {
    if !gl_available("weir-gl") {
        return;
    }
    let (_tmp, dir) = copy_demos("weir-gl-demo", &["weir-gl", "gl-smoke"]);
    let mut args = vec!["interp", "--"];
    args.extend(SCREENSHOT_ARGS);
    let out = under_xvfb(&dir, Path::new(env!("CARGO_BIN_EXE_weir")), &args);
    check_smoke_run(&dir, &out);
}

/// Also: a screenshot taken before `end-frame` (of the back buffer being drawn) equals the one
/// taken after (a replay of the finished frame); an unwritable path and a missing display fail.
#[test]
fn executable_draws_the_scene_and_needs_a_display() {
    if !gl_available("weir-gl") {
        return;
    }
    let (_tmp, dir) = copy_demos("weir-gl-demo", &["weir-gl", "gl-smoke"]);
    let build = Command::new(env!("CARGO_BIN_EXE_weir"))
        .arg("build")
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(build.status.success(), "{}", describe(&build));
    let exe = dir.join("target/debug/gl-smoke");
    let out = under_xvfb(&dir, &exe, &SCREENSHOT_ARGS);
    check_smoke_run(&dir, &out);

    let out = under_xvfb(&dir, &exe, &["--mid-frame", "--screenshot", "mid.png"]);
    assert!(out.status.success(), "{}", describe(&out));
    let mid = decode_png(&fs::read(dir.join("mid.png")).unwrap()).unwrap();
    check_scene(&mid).unwrap();
    assert!(fs::read(dir.join("mid.png")).unwrap() == fs::read(dir.join("out.png")).unwrap());

    let out = under_xvfb(&dir, &exe, &["--screenshot", "no/such/folder/x.png"]);
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "text-width 118\ngl-smoke: cannot write no/such/folder/x.png\n"
    );

    // Without a display, open-window is false and gl-smoke says so.
    let out = Command::new(&exe)
        .args(SCREENSHOT_ARGS)
        .current_dir(&dir)
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", describe(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "gl-smoke: cannot open a window (is a display available?)\n"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("weir-gl: GLFW error"));
}

/// The checks themselves can fail: a wrong pixel, a bad CRC, a compressed block.
#[test]
fn checker_rejects_wrong_images() {
    let mut rgb = Vec::new();
    for y in 0..HEIGHT {
        for x in 0..WIDTH {
            rgb.extend(expected_at(x, y).unwrap_or(BACKGROUND));
        }
    }
    // Text pixels, so the text checks pass on the synthetic scene.
    for (x0, y0, w, h, colour) in [(10, 60, 2, 14, WHITE), (10, 90, 1, 7, GREY)] {
        for y in y0..y0 + h {
            for x in x0..x0 + w {
                let i = (y * WIDTH + x) * 3;
                rgb[i..i + 3].copy_from_slice(&colour);
            }
        }
    }
    let good = Image {
        width: WIDTH,
        height: HEIGHT,
        rgb,
    };
    check_scene(&good).unwrap();
    let png = encode_stored_png(&good);
    assert_eq!(decode_png(&png).unwrap(), good);

    let mut bad = Image {
        rgb: good.rgb.clone(),
        ..good
    };
    bad.rgb[(15 * WIDTH + 20) * 3] ^= 1; // inside the red rectangle
    assert!(check_scene(&bad).unwrap_err().contains("(20, 15)"));

    let mut corrupt = png.clone();
    let last_idat_byte = corrupt.len() - 12 - 4 - 1;
    corrupt[last_idat_byte] ^= 0xFF;
    assert!(decode_png(&corrupt).unwrap_err().contains("CRC"));

    let compressed = {
        // The same zlib stream but with a fixed-Huffman block: weir-gl never writes one.
        let mut p = png.clone();
        let idat = find_chunk(&p, b"IDAT").unwrap();
        p[idat + 2] = (p[idat + 2] & !0b110) | 0b010;
        fix_crc(&mut p, idat);
        p
    };
    assert!(decode_png(&compressed).unwrap_err().contains("stored"));
    assert!(decode_ppm(b"P3\n1 1\n255\n0 0 0\n").is_err());
}

// ---- the scene ---------------------------------------------------------------------------

/// The colour gl-smoke puts at (x, y), where it is not text.
fn expected_at(x: usize, y: usize) -> Option<[u8; 3]> {
    let inside = |rx: usize, ry: usize, w: usize, h: usize| {
        (rx..rx + w).contains(&x) && (ry..ry + h).contains(&y)
    };
    if inside(10, 10, 40, 30) {
        Some(RED)
    } else if inside(60, 10, 40, 30) {
        Some(GREEN)
    } else if inside(110, 10, 40, 30) {
        Some(BLUE)
    } else if inside(150, 100, 50, 20) {
        Some(ORANGE)
    } else if inside(10, 60, 118, 14) || inside(10, 90, 59, 7) {
        None // text: checked separately
    } else {
        Some(BACKGROUND)
    }
}

fn check_scene(img: &Image) -> Result<(), String> {
    if (img.width, img.height) != (WIDTH, HEIGHT) {
        return Err(format!("size {}x{}", img.width, img.height));
    }
    // Every non-text pixel, which covers the exact edges of each rectangle and the orientation
    // (the orange rectangle touches the bottom-right corner).
    for y in 0..HEIGHT {
        for x in 0..WIDTH {
            if let Some(want) = expected_at(x, y) {
                let got = img.pixel(x, y);
                if got != want {
                    return Err(format!(
                        "pixel ({x}, {y}) is {got:02x?}, expected {want:02x?}"
                    ));
                }
            }
        }
    }
    // The banner "HELLO, GL!" at scale 2 (118 x 14 pixels) and the status line "SMOKE TEST":
    // only text and background colours and a fair share of text.
    for (x0, y0, w, h, colour, what) in [
        (10, 60, 118, 14, WHITE, "banner"),
        (10, 90, 59, 7, GREY, "status line"),
    ] {
        let mut lit = 0;
        for y in y0..y0 + h {
            for x in x0..x0 + w {
                match img.pixel(x, y) {
                    p if p == colour => lit += 1,
                    p if p == BACKGROUND => {}
                    p => return Err(format!("{what}: pixel ({x}, {y}) is {p:02x?}")),
                }
            }
        }
        if lit == 0 || lit * 10 > w * h * 6 {
            return Err(format!("{what}: {lit} of {} pixels lit", w * h));
        }
    }
    // The left stroke of the banner's `H`: 2 x 14 pixels.
    for y in 60..74 {
        for x in 10..12 {
            if img.pixel(x, y) != WHITE {
                return Err(format!("the stroke of `H` misses ({x}, {y})"));
            }
        }
    }
    Ok(())
}
