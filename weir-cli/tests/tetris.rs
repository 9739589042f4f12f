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

#[path = "common/gl.rs"]
mod gl;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use gl::*;

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

// ---- environment -------------------------------------------------------------------------

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
    if !gl_available("tetris") {
        return;
    }
    let (_tmp, dir) = copy_demos("weir-tetris", &["weir-gl", "tetris"]);
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
    if !gl_available("tetris") {
        return;
    }
    let (_tmp, dir) = copy_demos("weir-tetris", &["weir-gl", "tetris"]);
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
    if !gl_available("tetris") {
        return;
    }
    let (_tmp, dir) = copy_demos("weir-tetris", &["weir-gl", "tetris"]);
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
