//! The `demos/tetris` game (on `demos/weir-gl`), run for real under Xvfb in its scripted mode.
//!
//! Each test copies both packages into a temporary folder (never building inside the
//! repository). `--autoplay 600 --seed 7` lets the game's built-in player play 600 frames: the
//! output (a summary and the well as text) and the PNG and PPM screenshots must be byte-identical
//! on `weir run`, `weir interp` and a built executable, and the image must show the game the
//! text describes: the window and well colours, every cell of the well (empty, or the colour of
//! the piece letter printed for it), the next-piece preview and the score digits. Key scripts
//! (`--keys`) check moves, wall kicks, line clearing, pause, game over, restart and quitting.
//!
//! Needs GLFW, OpenGL (Mesa) and Xvfb. When they are missing the tests FAIL and say what to
//! install; `WEIR_SKIP_GL_TESTS=1` skips them instead, with a notice on stderr (as
//! `gl_demo.rs`). Servers are started one at a time (`xvfb-run -a` picks display numbers racily).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Mutex;

const INSTALL_HINT: &str =
    "install them, e.g. `apt-get install libglfw3-dev libgl-dev xvfb xauth libgl1-mesa-dri`, \
     or set WEIR_SKIP_GL_TESTS=1 to skip the GL tests";

/// One Xvfb server at a time.
static XVFB: Mutex<()> = Mutex::new(());

// The layout of `demos/tetris/src/main.weir`.
const WIDTH: usize = 400;
const HEIGHT: usize = 440;
const COLS: usize = 10;
const ROWS: usize = 20;
const BACKGROUND: [u8; 3] = [40, 40, 56];
const FRAME: [u8; 3] = [120, 120, 140];
const BOARD: [u8; 3] = [16, 16, 32];
const LABEL: [u8; 3] = [160, 160, 180];
const WHITE: [u8; 3] = [255, 255, 255];
const BANNER: [u8; 3] = [0, 0, 0];
/// The piece letters and their colours.
const PIECES: [(char, [u8; 3]); 7] = [
    ('I', [0, 200, 220]),
    ('O', [230, 210, 0]),
    ('T', [170, 60, 200]),
    ('S', [60, 200, 80]),
    ('Z', [220, 50, 50]),
    ('J', [50, 90, 230]),
    ('L', [240, 140, 20]),
];

/// The scripted game every path must play, as `tetris` prints it (then `wrote ...` lines).
const SEED_7_SUMMARY: &str = "pieces 47 lines 17 score 2584 level 1 next Z";
const SEED_7_BOTTOM: [&str; 3] = ["|....S..SLL|", "|....SS.SSL|", "|.OOITSOOSL|"];

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
            "\n*** WEIR_SKIP_GL_TESTS=1: SKIPPING the tetris tests (GLFW/OpenGL under Xvfb); \
             nothing was checked ***\n"
        );
        return false;
    }
    for tool in ["xvfb-run", "Xvfb", "xauth"] {
        assert!(
            on_path(tool),
            "`{tool}` is not on PATH: the tetris tests need Xvfb; {INSTALL_HINT}"
        );
    }
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

/// Copies of `demos/weir-gl` and `demos/tetris` side by side in a new temporary folder;
/// returns (folder guard, tetris's folder).
fn demo_copy() -> (tempfile::TempDir, PathBuf) {
    let demos = Path::new(env!("CARGO_MANIFEST_DIR")).join("../demos");
    let tmp = tempfile::Builder::new()
        .prefix("weir-tetris")
        .tempdir()
        .unwrap();
    for pkg in ["weir-gl", "tetris"] {
        copy_dir(&demos.join(pkg), &tmp.path().join(pkg));
    }
    let game = tmp.path().join("tetris");
    (tmp, game)
}

/// Copies a package folder, leaving out any `target/` build folder and screenshots.
fn copy_dir(from: &Path, to: &Path) {
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

fn weir() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_weir"))
}

/// Builds the copied game with `weir build`; returns the executable.
fn build(dir: &Path) -> PathBuf {
    let out = Command::new(weir())
        .args(["build", "-q"])
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", describe(&out));
    dir.join("target/debug/tetris")
}

fn describe(out: &Output) -> String {
    format!(
        "status {:?}\n--- stdout\n{}--- stderr\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The stdout of a successful run, failing loudly when no window could be opened.
fn success(out: &Output) -> String {
    if out.status.code() == Some(3) {
        panic!(
            "tetris could not open a window under Xvfb (no usable OpenGL?); {INSTALL_HINT}\n{}",
            describe(out)
        );
    }
    assert!(out.status.success(), "{}", describe(out));
    String::from_utf8(out.stdout.clone()).unwrap()
}

/// The scripted game's printed state: the summary line and the 20 rows of the well.
struct Report {
    summary: String,
    rows: Vec<String>,
}

fn parse_report(stdout: &str) -> Report {
    let mut lines = stdout.lines();
    let summary = lines.next().expect("no summary line").to_string();
    let rows: Vec<String> = lines.take(ROWS).map(str::to_string).collect();
    assert_eq!(
        rows.len(),
        ROWS,
        "the well has {} rows:\n{stdout}",
        rows.len()
    );
    for row in &rows {
        assert!(
            row.len() == COLS + 2 && row.starts_with('|') && row.ends_with('|'),
            "bad well row {row:?}"
        );
    }
    Report { summary, rows }
}

impl Report {
    /// The letter (or `.` or `@`) of cell (c, r).
    fn cell(&self, c: usize, r: usize) -> char {
        self.rows[r].as_bytes()[c + 1] as char
    }

    /// A `NAME VALUE` field of the summary line.
    fn field(&self, name: &str) -> &str {
        let words: Vec<&str> = self.summary.split(' ').collect();
        let i = words
            .iter()
            .position(|w| *w == name)
            .unwrap_or_else(|| panic!("no `{name}` in {:?}", self.summary));
        words[i + 1]
    }
}

fn colour_of(letter: char) -> [u8; 3] {
    PIECES
        .iter()
        .find(|(l, _)| *l == letter)
        .unwrap_or_else(|| panic!("no piece `{letter}`"))
        .1
}

// ---- the screenshot ----------------------------------------------------------------------

/// The centre pixel of well cell (c, r).
fn cell_centre(c: usize, r: usize) -> (usize, usize) {
    (20 + 20 * c + 9, 20 + 20 * r + 9)
}

/// Checks a screenshot of the game against its printed state.
fn check_screenshot(img: &Image, report: &Report) -> Result<(), String> {
    if (img.width, img.height) != (WIDTH, HEIGHT) {
        return Err(format!("size {}x{}", img.width, img.height));
    }
    let first = img.pixel(0, 0);
    if img.rgb.chunks(3).all(|p| p == first) {
        return Err("the image is one flat colour".into());
    }
    let expect = |x: usize, y: usize, want: [u8; 3], what: &str| {
        let got = img.pixel(x, y);
        if got == want {
            Ok(())
        } else {
            Err(format!(
                "{what}: pixel ({x}, {y}) is {got:02x?}, expected {want:02x?}"
            ))
        }
    };
    expect(5, 5, BACKGROUND, "window background")?;
    expect(WIDTH - 5, HEIGHT - 5, BACKGROUND, "window background")?;
    expect(17, 17, FRAME, "the well's frame")?;
    expect(222, 422, FRAME, "the well's frame")?;
    // Every cell: empty cells show the well's background (a ghost outline leaves the centre
    // empty too); filled ones the colour of their letter; the falling piece one piece colour.
    let mut falling = None;
    let mut filled = 0;
    for r in 0..ROWS {
        for c in 0..COLS {
            let (x, y) = cell_centre(c, r);
            let what = format!("cell ({c}, {r}) `{}`", report.cell(c, r));
            match report.cell(c, r) {
                '.' => expect(x, y, BOARD, &what)?,
                '@' => {
                    let got = img.pixel(x, y);
                    if !PIECES.iter().any(|(_, colour)| *colour == got) {
                        return Err(format!("{what}: {got:02x?} is no piece colour"));
                    }
                    if falling.is_some_and(|f| f != got) {
                        return Err(format!("{what}: the falling piece has two colours"));
                    }
                    falling = Some(got);
                }
                letter => {
                    expect(x, y, colour_of(letter), &what)?;
                    // The corners of the 19 x 19 square, and the 1-pixel gap after it.
                    for (dx, dy) in [(0, 0), (18, 0), (0, 18), (18, 18)] {
                        expect(x - 9 + dx, y - 9 + dy, colour_of(letter), &what)?;
                    }
                    expect(x + 10, y, BOARD, &what)?;
                    filled += 1;
                }
            }
        }
    }
    if filled == 0 {
        return Err("no locked piece in the well".into());
    }
    // The preview shows the next piece (cell (1, 1) of its box is filled for every kind but I,
    // whose row 1 is filled: both at (252 + 16 + 7, 52 + 16 + 7)).
    expect(
        275,
        75,
        colour_of(report.field("next").chars().next().unwrap()),
        "preview",
    )?;
    expect(242, 46, BOARD, "preview background")?;
    // SCORE (label, scale 2) and its value: only text and background colours, some text.
    for (x0, y0, text, colour) in [
        (240, 130, "SCORE".to_string(), LABEL),
        (240, 150, report.field("score").to_string(), WHITE),
    ] {
        let (w, h) = ((6 * text.len() - 1) * 2, 14);
        let mut lit = 0;
        for y in y0..y0 + h {
            for x in x0..x0 + w {
                match img.pixel(x, y) {
                    p if p == colour => lit += 1,
                    p if p == BACKGROUND => {}
                    p => return Err(format!("text {text:?}: pixel ({x}, {y}) is {p:02x?}")),
                }
            }
        }
        if lit * 10 < w * h || lit * 10 > w * h * 7 {
            return Err(format!("text {text:?}: {lit} of {} pixels lit", w * h));
        }
    }
    Ok(())
}

// ---- the tests ---------------------------------------------------------------------------

const SCRIPT_ARGS: [&str; 8] = [
    "--autoplay",
    "600",
    "--seed",
    "7",
    "--screenshot",
    "out.png",
    "--screenshot",
    "out.ppm",
];

/// Checks one scripted run in `dir`: its output and both screenshots. Returns (stdout, PNG
/// bytes, PPM bytes).
fn check_scripted_run(dir: &Path, out: &Output) -> (String, Vec<u8>, Vec<u8>) {
    let stdout = success(out);
    let report = parse_report(&stdout);
    assert_eq!(report.summary, SEED_7_SUMMARY, "{stdout}");
    assert_eq!(report.rows[ROWS - 3..], SEED_7_BOTTOM, "{stdout}");
    assert!(
        stdout.ends_with("wrote out.png\nwrote out.ppm\n"),
        "{stdout}"
    );
    let png_bytes = fs::read(dir.join("out.png")).unwrap();
    let ppm_bytes = fs::read(dir.join("out.ppm")).unwrap();
    let png = decode_png(&png_bytes).unwrap();
    let ppm = decode_ppm(&ppm_bytes).unwrap();
    check_screenshot(&png, &report).unwrap();
    assert!(png == ppm, "the PNG and the PPM of one frame differ");
    (stdout, png_bytes, ppm_bytes)
}

/// The scripted game on all three paths: the same output and byte-identical screenshots.
#[test]
fn scripted_game_is_the_same_on_every_path() {
    if !gl_available() {
        return;
    }
    let (_tmp, dir) = demo_copy();
    let mut runs = Vec::new();
    for mode in ["run", "interp"] {
        let mut args = vec![mode, "-q", "--"];
        args.extend(SCRIPT_ARGS);
        let out = under_xvfb(&dir, weir(), &args);
        runs.push((mode, check_scripted_run(&dir, &out)));
        fs::remove_file(dir.join("out.png")).unwrap();
        fs::remove_file(dir.join("out.ppm")).unwrap();
    }
    let exe = build(&dir);
    let out = under_xvfb(&dir, &exe, &SCRIPT_ARGS);
    runs.push(("build", check_scripted_run(&dir, &out)));
    let (_, first) = &runs[0];
    for (mode, run) in &runs[1..] {
        assert_eq!(
            run.0, first.0,
            "stdout of `weir {mode}` differs from `weir run`"
        );
        assert!(
            run.1 == first.1,
            "the PNG of `weir {mode}` differs from `weir run`'s"
        );
        assert!(
            run.2 == first.2,
            "the PPM of `weir {mode}` differs from `weir run`'s"
        );
    }
}

/// Runs the built game with `--autoplay 30 --seed SEED --keys KEYS [extra]`.
fn keys(dir: &Path, exe: &Path, seed: &str, keys: &str, extra: &[&str]) -> Output {
    let mut args = vec!["--autoplay", "30", "--seed", seed, "--keys", keys];
    args.extend(extra);
    under_xvfb(dir, exe, &args)
}

/// Key scripts through the same key handling as interactive play.
#[test]
fn key_scripts_play_by_the_rules() {
    if !gl_available() {
        return;
    }
    let (_tmp, dir) = demo_copy();
    let exe = build(&dir);
    let empty = "|..........|";

    // Seed 5 deals I first: stand it up, move it to the right wall, rotate it flat again (the
    // wall kicks it one column left) and drop it: 2 points a row.
    let report = parse_report(&success(&keys(&dir, &exe, "5", "^>>>>^_", &[])));
    assert_eq!(report.rows[19], "|......IIII|");
    assert_eq!(report.rows[18], empty);
    assert_eq!(report.summary, "pieces 1 lines 0 score 34 level 0 next I");

    // Seed 4 deals O L I T: O to the left wall, L next to it, I flat, T turned counter-clockwise
    // into the last column: the bottom row is full and cleared; what was above moves down.
    let out = keys(
        &dir,
        &exe,
        "4",
        "<<<<_<_>>_Z>>>>>_",
        &["--screenshot", "clear.png"],
    );
    let report = parse_report(&success(&out));
    assert_eq!(report.summary, "pieces 4 lines 1 score 182 level 0 next S");
    assert_eq!(report.rows[19], "|OO..L...TT|");
    assert_eq!(report.rows[18], "|.........T|");
    assert_eq!(report.rows[17], empty);
    let img = decode_png(&fs::read(dir.join("clear.png")).unwrap()).unwrap();
    check_screenshot(&img, &report).unwrap();

    // Soft drop: 3 rows, 1 point each; the piece is still falling.
    let report = parse_report(&success(&keys(&dir, &exe, "7", "vvv", &[])));
    assert_eq!(report.summary, "pieces 0 lines 0 score 3 level 0 next I");
    assert_eq!(report.rows[4], "|...@@.....|");

    // Paused, a hard drop does nothing; unpaused, it drops.
    let report = parse_report(&success(&keys(&dir, &exe, "7", "P_", &[])));
    assert!(report.summary.starts_with("pieces 0 lines 0 score 0 "));
    let report = parse_report(&success(&keys(&dir, &exe, "7", "PP_", &[])));
    assert!(report.summary.starts_with("pieces 1 lines 0 score 36 "));

    // Hard drops in the middle stack up until a new piece does not fit: game over, with its
    // banner over the well; R deals a new game.
    let out = keys(
        &dir,
        &exe,
        "7",
        "____________",
        &["--screenshot", "over.png"],
    );
    let report = parse_report(&success(&out));
    assert!(
        report.summary.ends_with(" game over") && report.summary.starts_with("pieces 11 "),
        "{}",
        report.summary
    );
    let img = decode_png(&fs::read(dir.join("over.png")).unwrap()).unwrap();
    assert_eq!(img.pixel(25, 175), BANNER, "no GAME OVER banner");
    assert_eq!(img.pixel(215, 245), BANNER, "no GAME OVER banner");
    let report = parse_report(&success(&keys(&dir, &exe, "7", "___________R", &[])));
    assert!(report
        .summary
        .starts_with("pieces 0 lines 0 score 0 level 0 next "));
    assert!(!report.summary.contains("game over"));
    assert!(report.rows[19..].iter().all(|row| row == empty));

    // Q (and Escape) quit: no summary, no screenshot, status 0.
    for quit in ["..Q", "E"] {
        let out = keys(&dir, &exe, "7", quit, &["--screenshot", "quit.png"]);
        assert_eq!(success(&out), "quit\n");
        assert!(!dir.join("quit.png").exists());
    }
}

/// Bad arguments exit with status 2 before any window is opened.
#[test]
fn bad_arguments_are_refused() {
    if !gl_available() {
        return;
    }
    let (_tmp, dir) = demo_copy();
    let exe = build(&dir);
    for (args, message) in [
        (
            &["--autoplay", "ten"][..],
            "--autoplay needs an integer, not ten",
        ),
        (
            &["--autoplay", "0"][..],
            "--autoplay needs a positive number of frames",
        ),
        (&["--seed", "1x"][..], "--seed needs an integer, not 1x"),
        (&["--keys", "_"][..], "--keys needs --autoplay"),
        (&["--fast"][..], "unexpected argument: --fast"),
    ] {
        let out = Command::new(&exe)
            .args(args)
            .current_dir(&dir)
            .env_remove("DISPLAY")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", describe(&out));
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            stdout.starts_with(&format!("tetris: {message}\nusage: tetris ")),
            "{args:?}: {stdout}"
        );
    }
}

/// The screenshot checks can fail: a wrong size, a flat image, a wrong cell, empty score text.
#[test]
fn checker_rejects_wrong_screenshots() {
    let mut rows = vec!["|..........|".to_string(); ROWS];
    rows[0] = "|...@@@@...|".to_string();
    rows[19] = "|OO..L...TT|".to_string();
    let report = Report {
        summary: "pieces 3 lines 0 score 42 level 0 next T".to_string(),
        rows,
    };
    // A synthetic frame drawn by the layout rules.
    let mut img = Image {
        width: WIDTH,
        height: HEIGHT,
        rgb: BACKGROUND.repeat(WIDTH * HEIGHT),
    };
    fn fill(img: &mut Image, x0: usize, y0: usize, w: usize, h: usize, colour: [u8; 3]) {
        for y in y0..y0 + h {
            for x in x0..x0 + w {
                let i = (y * WIDTH + x) * 3;
                img.rgb[i..i + 3].copy_from_slice(&colour);
            }
        }
    }
    fill(&mut img, 16, 16, 208, 408, FRAME);
    fill(&mut img, 20, 20, 200, 400, BOARD);
    for r in 0..ROWS {
        for c in 0..COLS {
            let colour = match report.cell(c, r) {
                '.' => continue,
                '@' => colour_of('I'),
                letter => colour_of(letter),
            };
            fill(&mut img, 20 + 20 * c, 20 + 20 * r, 19, 19, colour);
        }
    }
    fill(&mut img, 240, 44, 100, 64, BOARD);
    fill(&mut img, 268, 68, 15, 15, colour_of('T'));
    fill(&mut img, 240, 130, 20, 14, LABEL); // "SCORE": 58 x 14
    fill(&mut img, 240, 150, 10, 14, WHITE); // "42": 22 x 14
    check_screenshot(&img, &report).unwrap();
    let png = encode_stored_png(&img);
    assert_eq!(decode_png(&png).unwrap(), img);

    let mut bad = Image {
        rgb: img.rgb.clone(),
        ..img
    };
    let (x, y) = cell_centre(5, 10);
    fill(&mut bad, x, y, 1, 1, colour_of('L'));
    assert!(check_screenshot(&bad, &report)
        .unwrap_err()
        .contains("cell (5, 10)"));

    let mut bad = Image {
        rgb: img.rgb.clone(),
        ..img
    };
    let (x, y) = cell_centre(9, 19);
    fill(&mut bad, x, y, 1, 1, colour_of('Z'));
    assert!(check_screenshot(&bad, &report)
        .unwrap_err()
        .contains("cell (9, 19)"));

    let mut bad = Image {
        rgb: img.rgb.clone(),
        ..img
    };
    fill(&mut bad, 240, 150, 10, 14, BACKGROUND);
    assert!(check_screenshot(&bad, &report)
        .unwrap_err()
        .contains("\"42\""));

    let mut bad = Image {
        rgb: img.rgb.clone(),
        ..img
    };
    fill(&mut bad, 268, 68, 15, 15, colour_of('S'));
    assert!(check_screenshot(&bad, &report)
        .unwrap_err()
        .contains("preview"));

    let flat = Image {
        width: WIDTH,
        height: HEIGHT,
        rgb: BOARD.repeat(WIDTH * HEIGHT),
    };
    assert!(check_screenshot(&flat, &report)
        .unwrap_err()
        .contains("flat"));
    let small = Image {
        width: 200,
        height: 120,
        rgb: img.rgb[..200 * 120 * 3].to_vec(),
    };
    assert!(check_screenshot(&small, &report)
        .unwrap_err()
        .contains("size"));
    assert!(decode_ppm(b"P3\n1 1\n255\n0 0 0\n").is_err());
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

/// A PNG written the way weir-gl writes it (for `checker_rejects_wrong_screenshots`).
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
