//! What the GL demo tests share (`gl_demo.rs`, `tetris.rs`): the environment check, copying
//! demo packages, running under Xvfb, and decoding the PNG and PPM screenshots weir-gl writes.
#![allow(dead_code)] // each test file uses its own subset

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Mutex;

pub const INSTALL_HINT: &str =
    "install them, e.g. `apt-get install libglfw3-dev libgl-dev xvfb xauth libgl1-mesa-dri`, \
     or set WEIR_SKIP_GL_TESTS=1 to skip the GL tests";

/// One Xvfb server at a time.
static XVFB: Mutex<()> = Mutex::new(());

/// An RGB image, rows top to bottom.
#[derive(Debug, PartialEq)]
pub struct Image {
    pub width: usize,
    pub height: usize,
    pub rgb: Vec<u8>,
}

impl Image {
    pub fn pixel(&self, x: usize, y: usize) -> [u8; 3] {
        let i = (y * self.width + x) * 3;
        [self.rgb[i], self.rgb[i + 1], self.rgb[i + 2]]
    }
}

/// False (after a loud notice) when the GL tests are to be skipped; panics, saying what to
/// install, when something they need is missing.
pub fn gl_available(suite: &str) -> bool {
    if std::env::var("WEIR_SKIP_GL_TESTS").as_deref() == Ok("1") {
        eprintln!(
            "\n*** WEIR_SKIP_GL_TESTS=1: SKIPPING the {suite} tests (GLFW/OpenGL under Xvfb); \
             nothing was checked ***\n"
        );
        return false;
    }
    for tool in ["xvfb-run", "Xvfb", "xauth"] {
        assert!(
            on_path(tool),
            "`{tool}` is not on PATH: the {suite} tests need Xvfb; {INSTALL_HINT}"
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

/// Copies of the `demos/` packages `pkgs` side by side in a new temporary folder (named
/// `prefix...`); returns the folder guard and the folder of the last package.
pub fn copy_demos(prefix: &str, pkgs: &[&str]) -> (tempfile::TempDir, PathBuf) {
    let demos = Path::new(env!("CARGO_MANIFEST_DIR")).join("../demos");
    let tmp = tempfile::Builder::new().prefix(prefix).tempdir().unwrap();
    for pkg in pkgs {
        copy_dir(&demos.join(pkg), &tmp.path().join(pkg));
    }
    let last = tmp.path().join(pkgs[pkgs.len() - 1]);
    (tmp, last)
}

/// Copies a package folder, leaving out any `target/` build folder and screenshots.
pub fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap_or_else(|e| panic!("{}: {e}", from.display())) {
        let entry = entry.unwrap();
        let path = entry.path();
        let name = entry.file_name();
        if entry.file_type().unwrap().is_dir() {
            if name != "target" {
                copy_dir(&path, &to.join(&name));
            }
        } else if !name.to_string_lossy().ends_with(".png")
            && !name.to_string_lossy().ends_with(".ppm")
        {
            fs::copy(&path, to.join(&name)).unwrap();
        }
    }
}

/// Runs `program args` in `dir` under a new Xvfb server with a 24-bit screen.
pub fn under_xvfb(dir: &Path, program: &Path, args: &[&str]) -> Output {
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

pub fn describe(out: &Output) -> String {
    format!(
        "status {:?}\n--- stdout\n{}--- stderr\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

// ---- image files -------------------------------------------------------------------------

pub fn decode_ppm(bytes: &[u8]) -> Result<Image, String> {
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

pub const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

pub fn be32(b: &[u8]) -> u32 {
    u32::from_be_bytes([b[0], b[1], b[2], b[3]])
}

pub fn crc32(data: &[u8]) -> u32 {
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

pub fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for &byte in data {
        a = (a + u32::from(byte)) % 65521;
        b = (b + a) % 65521;
    }
    (b << 16) | a
}

/// Decodes an 8-bit RGB, non-interlaced PNG whose zlib stream uses only stored blocks (as
/// weir-gl writes them), checking every CRC, the block lengths and the Adler-32.
pub fn decode_png(bytes: &[u8]) -> Result<Image, String> {
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
pub fn inflate_stored(zlib: &[u8]) -> Result<Vec<u8>, String> {
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
pub fn find_chunk(png: &[u8], kind: &[u8; 4]) -> Option<usize> {
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
pub fn fix_crc(png: &mut [u8], data: usize) {
    let len = be32(&png[data - 8..]) as usize;
    let crc = crc32(&png[data - 4..data + len]);
    png[data + len..data + len + 4].copy_from_slice(&crc.to_be_bytes());
}

/// A PNG written the way weir-gl writes it (for `checker_rejects_wrong_images`).
pub fn encode_stored_png(img: &Image) -> Vec<u8> {
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
