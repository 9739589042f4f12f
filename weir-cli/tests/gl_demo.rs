//! The `demos/weir-gl` library and its `demos/gl-smoke` application, run for real under Xvfb on
//! every execution path (`weir run`, `weir interp`, `weir build` + the executable).
//!
//! Each test copies both demo packages into a temporary folder (never building inside the
//! repository), runs gl-smoke with `--screenshot out.png --screenshot out.ppm` under
//! `xvfb-run`, then decodes both files here (the PNG with its own checker for the stored-deflate
//! encoding weir-gl writes: chunk CRCs, zlib header, block lengths, Adler-32) and checks the
//! scene pixel by pixel: size, background, the rectangles and their exact edges, the text.
//!
//! Needs GLFW, OpenGL (Mesa) and Xvfb. When they are missing the tests FAIL and say what to
//! install; `WEIR_SKIP_GL_TESTS=1` skips them instead, with a notice on stderr. Servers are
//! started one at a time (`xvfb-run -a` picks display numbers racily).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Mutex;

const INSTALL_HINT: &str =
    "install them, e.g. `apt-get install libglfw3-dev libgl-dev xvfb xauth libgl1-mesa-dri`, \
     or set WEIR_SKIP_GL_TESTS=1 to skip the GL tests";

/// One Xvfb server at a time.
static XVFB: Mutex<()> = Mutex::new(());

const WIDTH: usize = 200;
const HEIGHT: usize = 120;
const BACKGROUND: [u8; 3] = [0x1A, 0x2B, 0x3C];
const RED: [u8; 3] = [0xE0, 0x30, 0x30];
const GREEN: [u8; 3] = [0x30, 0xC0, 0x50];
const BLUE: [u8; 3] = [0x30, 0x60, 0xE0];
const ORANGE: [u8; 3] = [0xFF, 0xA5, 0x00];
const WHITE: [u8; 3] = [0xFF, 0xFF, 0xFF];
const GREY: [u8; 3] = [0xC0, 0xC0, 0xC0];

/// An RGB image, rows top to bottom.
#[derive(Debug, PartialEq)]
struct Image {
    width: usize,
    height: usize,
    rgb: Vec<u8>,
}

impl Image {
    fn pixel(&self, x: usize, y: usize) -> [u8; 3] {
        let i = (y * self.width + x) * 3;
        [self.rgb[i], self.rgb[i + 1], self.rgb[i + 2]]
    }
}

// ---- environment -------------------------------------------------------------------------

/// False (after a loud notice) when the GL tests are to be skipped; panics, saying what to
/// install, when something they need is missing.
fn gl_available() -> bool {
    if std::env::var("WEIR_SKIP_GL_TESTS").as_deref() == Ok("1") {
        eprintln!(
            "\n*** WEIR_SKIP_GL_TESTS=1: SKIPPING the weir-gl tests (GLFW/OpenGL under Xvfb); \
             nothing was checked ***\n"
        );
        return false;
    }
    for tool in ["xvfb-run", "Xvfb", "xauth"] {
        assert!(
            on_path(tool),
            "`{tool}` is not on PATH: the weir-gl tests need Xvfb; {INSTALL_HINT}"
        );
    }
    // GLFW's header and the GLFW and GL libraries, as weir-gl will use them.
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("probe.c");
    fs::write(
        &src,
        "#include <GLFW/glfw3.h>\nint main(void) { glfwGetTime(); glClear(0); return 0; }\n",
    )
    .unwrap();
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".to_string());
    let out = Command::new(&cc)
        .arg(&src)
        .arg("-o")
        .arg(dir.path().join("probe"))
        .args(["-lglfw", "-lGL", "-lm"])
        .output()
        .unwrap_or_else(|e| panic!("cannot run the C compiler `{cc}`: {e}"));
    assert!(
        out.status.success(),
        "cannot compile and link a GLFW + OpenGL program (GLFW/glfw3.h, -lglfw, -lGL); \
         {INSTALL_HINT}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    true
}

fn on_path(tool: &str) -> bool {
    std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).any(|dir| dir.join(tool).is_file()))
        .unwrap_or(false)
}

/// Copies of `demos/weir-gl` and `demos/gl-smoke` side by side in a new temporary folder;
/// returns (folder guard, gl-smoke's folder).
fn demo_copy() -> (tempfile::TempDir, PathBuf) {
    let demos = Path::new(env!("CARGO_MANIFEST_DIR")).join("../demos");
    let tmp = tempfile::Builder::new()
        .prefix("weir-gl-demo")
        .tempdir()
        .unwrap();
    for pkg in ["weir-gl", "gl-smoke"] {
        copy_dir(&demos.join(pkg), &tmp.path().join(pkg));
    }
    let smoke = tmp.path().join("gl-smoke");
    (tmp, smoke)
}

/// Copies a package folder, leaving out any `target/` build folder.
fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap_or_else(|e| panic!("{}: {e}", from.display())) {
        let entry = entry.unwrap();
        let path = entry.path();
        if entry.file_type().unwrap().is_dir() {
            if entry.file_name() != "target" {
                copy_dir(&path, &to.join(entry.file_name()));
            }
        } else {
            fs::copy(&path, to.join(entry.file_name())).unwrap();
        }
    }
}

/// Runs `program args` in `dir` under a new Xvfb server with a 24-bit screen.
fn under_xvfb(dir: &Path, program: &Path, args: &[&str]) -> Output {
    let _one_at_a_time = XVFB.lock().unwrap_or_else(|e| e.into_inner());
    Command::new("xvfb-run")
        .args(["-a", "-s", "-screen 0 640x480x24"])
        .arg(program)
        .args(args)
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .output()
        .unwrap()
}

fn describe(out: &Output) -> String {
    format!(
        "status {:?}\n--- stdout\n{}--- stderr\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

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
    if !gl_available() {
        return;
    }
    let (_tmp, dir) = demo_copy();
    let mut args = vec!["run", "--"];
    args.extend(SCREENSHOT_ARGS);
    let out = under_xvfb(&dir, Path::new(env!("CARGO_BIN_EXE_weir")), &args);
    check_smoke_run(&dir, &out);
}

#[test]
fn interpreter_draws_the_scene() {
    if !gl_available() {
        return;
    }
    let (_tmp, dir) = demo_copy();
    let mut args = vec!["interp", "--"];
    args.extend(SCREENSHOT_ARGS);
    let out = under_xvfb(&dir, Path::new(env!("CARGO_BIN_EXE_weir")), &args);
    check_smoke_run(&dir, &out);
}

/// Also: a screenshot taken before `end-frame` (of the back buffer being drawn) equals the one
/// taken after (a replay of the finished frame); an unwritable path and a missing display fail.
#[test]
fn executable_draws_the_scene_and_needs_a_display() {
    if !gl_available() {
        return;
    }
    let (_tmp, dir) = demo_copy();
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

// ---- image files -------------------------------------------------------------------------

fn decode_ppm(bytes: &[u8]) -> Result<Image, String> {
    // "P6", width, height, maxval, separated by whitespace, then one whitespace byte.
    let mut fields = Vec::new();
    let mut pos = 0;
    while fields.len() < 4 {
        while bytes.get(pos).is_some_and(u8::is_ascii_whitespace) {
            pos += 1;
        }
        let start = pos;
        while bytes.get(pos).is_some_and(|b| !b.is_ascii_whitespace()) {
            pos += 1;
        }
        if start == pos {
            return Err("truncated PPM header".into());
        }
        fields.push(String::from_utf8_lossy(&bytes[start..pos]).into_owned());
    }
    if fields[0] != "P6" || fields[3] != "255" {
        return Err(format!("not an 8-bit P6 PPM: {fields:?}"));
    }
    let width: usize = fields[1].parse().map_err(|_| "bad width")?;
    let height: usize = fields[2].parse().map_err(|_| "bad height")?;
    let rgb = bytes[pos + 1..].to_vec();
    if rgb.len() != width * height * 3 {
        return Err(format!("{} pixel bytes for {width}x{height}", rgb.len()));
    }
    Ok(Image { width, height, rgb })
}

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

fn be32(b: &[u8]) -> u32 {
    u32::from_be_bytes([b[0], b[1], b[2], b[3]])
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                0xEDB8_8320 ^ (crc >> 1)
            } else {
                crc >> 1
            };
        }
    }
    crc ^ 0xFFFF_FFFF
}

fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for &byte in data {
        a = (a + u32::from(byte)) % 65521;
        b = (b + a) % 65521;
    }
    (b << 16) | a
}

/// Decodes an 8-bit RGB, non-interlaced PNG whose zlib stream uses only stored blocks (as
/// weir-gl writes them), checking every CRC, the block lengths and the Adler-32.
fn decode_png(bytes: &[u8]) -> Result<Image, String> {
    if !bytes.starts_with(PNG_SIGNATURE) {
        return Err("no PNG signature".into());
    }
    let mut pos = PNG_SIGNATURE.len();
    let mut header = None;
    let mut zlib = Vec::new();
    let mut ended = false;
    while pos < bytes.len() {
        if ended {
            return Err("data after IEND".into());
        }
        let rest = &bytes[pos..];
        if rest.len() < 12 {
            return Err("truncated chunk".into());
        }
        let len = be32(rest) as usize;
        if rest.len() < 12 + len {
            return Err("truncated chunk".into());
        }
        let kind = &rest[4..8];
        let data = &rest[8..8 + len];
        if crc32(&rest[4..8 + len]) != be32(&rest[8 + len..]) {
            return Err(format!("bad CRC in {}", String::from_utf8_lossy(kind)));
        }
        match kind {
            b"IHDR" if header.is_none() && pos == PNG_SIGNATURE.len() => {
                if data.len() != 13 || data[8..] != [8, 2, 0, 0, 0] {
                    return Err(format!("unexpected IHDR {data:?}"));
                }
                header = Some((be32(data) as usize, be32(&data[4..]) as usize));
            }
            b"IDAT" if header.is_some() => zlib.extend_from_slice(data),
            b"IEND" => ended = true,
            _ => {
                return Err(format!(
                    "unexpected chunk {}",
                    String::from_utf8_lossy(kind)
                ))
            }
        }
        pos += 12 + len;
    }
    let (width, height) = header.ok_or("no IHDR")?;
    if !ended {
        return Err("no IEND".into());
    }
    let raw = inflate_stored(&zlib)?;
    let row = width * 3 + 1;
    if raw.len() != row * height {
        return Err(format!(
            "{} bytes of scanlines for {width}x{height}",
            raw.len()
        ));
    }
    let mut rgb = Vec::with_capacity(width * height * 3);
    for line in raw.chunks(row) {
        if line[0] != 0 {
            return Err(format!("filter type {} (weir-gl writes 0)", line[0]));
        }
        rgb.extend_from_slice(&line[1..]);
    }
    Ok(Image { width, height, rgb })
}

/// The payload of a zlib stream made of stored deflate blocks.
fn inflate_stored(zlib: &[u8]) -> Result<Vec<u8>, String> {
    if zlib.len() < 6
        || zlib[0] & 0x0F != 8
        || (u16::from(zlib[0]) * 256 + u16::from(zlib[1])) % 31 != 0
    {
        return Err("bad zlib header".into());
    }
    if zlib[1] & 0x20 != 0 {
        return Err("zlib preset dictionary".into());
    }
    let mut out = Vec::new();
    let mut pos = 2;
    loop {
        let head = zlib.get(pos..pos + 5).ok_or("truncated deflate block")?;
        if head[0] & 0b110 != 0 {
            return Err(format!(
                "deflate block type {} is not stored",
                (head[0] >> 1) & 3
            ));
        }
        let len = usize::from(u16::from_le_bytes([head[1], head[2]]));
        let nlen = u16::from_le_bytes([head[3], head[4]]);
        if nlen != !(len as u16) {
            return Err("stored block LEN/NLEN mismatch".into());
        }
        let data = zlib
            .get(pos + 5..pos + 5 + len)
            .ok_or("truncated stored block")?;
        out.extend_from_slice(data);
        pos += 5 + len;
        if head[0] & 1 != 0 {
            break;
        }
    }
    if zlib.len() != pos + 4 {
        return Err("zlib stream length".into());
    }
    if be32(&zlib[pos..]) != adler32(&out) {
        return Err("bad Adler-32".into());
    }
    Ok(out)
}

/// The byte offset of the data of the first chunk of `kind`.
fn find_chunk(png: &[u8], kind: &[u8; 4]) -> Option<usize> {
    let mut pos = PNG_SIGNATURE.len();
    while pos + 12 <= png.len() {
        let len = be32(&png[pos..]) as usize;
        if &png[pos + 4..pos + 8] == kind {
            return Some(pos + 8);
        }
        pos += 12 + len;
    }
    None
}

/// Recomputes the CRC of the chunk whose data starts at `data`.
fn fix_crc(png: &mut [u8], data: usize) {
    let len = be32(&png[data - 8..]) as usize;
    let crc = crc32(&png[data - 4..data + len]);
    png[data + len..data + len + 4].copy_from_slice(&crc.to_be_bytes());
}

/// A PNG written the way weir-gl writes it (for `checker_rejects_wrong_images`).
fn encode_stored_png(img: &Image) -> Vec<u8> {
    let mut raw = Vec::new();
    for line in img.rgb.chunks(img.width * 3) {
        raw.push(0);
        raw.extend_from_slice(line);
    }
    let mut zlib = vec![0x78, 0x01];
    let blocks: Vec<&[u8]> = raw.chunks(65535).collect();
    for (i, block) in blocks.iter().enumerate() {
        zlib.push(u8::from(i + 1 == blocks.len()));
        let len = block.len() as u16;
        zlib.extend_from_slice(&len.to_le_bytes());
        zlib.extend_from_slice(&(!len).to_le_bytes());
        zlib.extend_from_slice(block);
    }
    zlib.extend_from_slice(&adler32(&raw).to_be_bytes());
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&(img.width as u32).to_be_bytes());
    ihdr.extend_from_slice(&(img.height as u32).to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    let mut png = PNG_SIGNATURE.to_vec();
    for (kind, data) in [(b"IHDR", ihdr), (b"IDAT", zlib), (b"IEND", Vec::new())] {
        png.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let start = png.len();
        png.extend_from_slice(kind);
        png.extend_from_slice(&data);
        let crc = crc32(&png[start..]);
        png.extend_from_slice(&crc.to_be_bytes());
    }
    png
}
