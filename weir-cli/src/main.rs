//! `weir`: the command-line driver. It owns arguments, file access, rendering and printing; the
//! compiler (`weir-compiler`) only turns text into data.
//!
//! Invariants:
//! - User mistakes (bad arguments, unreadable files, compile errors, runtime errors) end with a
//!   clear message on stderr and a non-zero status, never a panic. A panic anywhere is a bug in weir
//!   and is reported as an internal error with status 101.
//! - stdout carries only what was asked for (a dump, or the program's own output).

mod commands;
mod package;
mod render;
// Used by `weir build` once the AOT path links executables.
#[allow(dead_code)]
mod runtime_lib;
mod shell;
mod source;

use clap::{Parser, Subcommand};

use shell::{ColorChoice, Shell};

const ABOUT: &str = "The Weir programming language: a statically typed Lisp";

const AFTER_HELP: &str = "\
Examples:
  weir interp hello.weir               run a program on the interpreter
  weir run hello.weir                  compile a program with the JIT and run it
  weir build hello.weir -o hello       compile a program to an executable
  weir interp greet.weir -- Ada Grace  pass arguments to (args)
  weir check hello.weir                type-check only (silent on success)
  weir expand hello.weir               show the program after -> / ->> / cond expansion
  weir parse hello.weir                show the parsed syntax tree
  weir new hello                       create a package `hello` (--lib, --template c-lib, gl-app)
  weir init                            make the current folder a package
  weir test                            run the package's tests (tests/*.weir, test-* functions)
  weir add strs --registry DIR         add a registry dependency (or --path ../lib)
  weir update                          move weir.lock to the newest allowed versions
  weir publish --registry DIR          add this package to a folder registry
  weir tree                            show the package's dependency tree
  weir clean                           remove the package's build folder `target/`

The language reference is language.md in the specification (see README.md).";

#[derive(Debug, Parser)]
#[command(
    name = "weir",
    version = weir_compiler::VERSION,
    about = ABOUT,
    after_help = AFTER_HELP,
    arg_required_else_help = true,
    propagate_version = true
)]
struct Cli {
    /// When to colour diagnostics: auto (stderr is a terminal and NO_COLOR is unset), always, never.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    color: ColorChoice,

    /// Say more: with a package, one line per module (`checked MODULE (REASON)` or `cached MODULE`).
    #[arg(short, long, global = true)]
    verbose: bool,

    /// Say nothing but errors (no `Compiling`/`Finished` lines).
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    quiet: bool,

    /// Print the time of each build phase (packages).
    #[arg(long, global = true)]
    timings: bool,

    /// The registry for registry dependencies: a folder, a file:// URL or an http(s):// URL
    /// [default: $WEIR_REGISTRY, else `(registry "...")` in $WEIR_HOME/config.weir].
    #[arg(long, global = true, value_name = "URL_OR_PATH")]
    registry: Option<String>,

    /// Fail instead of writing weir.lock when it is missing or would change.
    #[arg(long, global = true)]
    locked: bool,

    /// Never use the network: HTTP registries are read from the cache in $WEIR_HOME only.
    #[arg(long, global = true)]
    offline: bool,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check a program, then run it on the interpreter
    #[command(
        long_about = "Check a program, then run it on the tree-walking interpreter.\n\n\
            The program's output goes to stdout. The exit status is 0 when `main` returns, the \
            code given to `(exit code)`, or 1 after a compile error or a runtime error (reported \
            on stderr as `PATH:LINE:COL: runtime error: MESSAGE`).",
        after_help = "Examples:\n  weir interp hello.weir\n  weir interp greet.weir -- Ada Grace\n  \
            weir interp ffi.weir --load ./libshapes.so"
    )]
    Interp(commands::interp::Args),
    /// Check a program, then compile it with the JIT and run it
    #[command(
        long_about = "Check a program, compile it with the Cranelift JIT and run it.\n\n\
            The program's output goes to stdout. The exit status is 0 when `main` returns, the \
            code given to `(exit code)`, or 1 after a compile error or a runtime error.",
        after_help = "Examples:\n  weir run hello.weir\n  weir run greet.weir -- Ada Grace\n  \
            weir run ffi.weir --load ./libshapes.so"
    )]
    Run(commands::run::Args),
    /// Check a program and compile it to an executable
    #[command(
        long_about = "Check a program, compile it ahead of time with Cranelift and link it with \
            `cc` (and the embedded runtime library) into an executable.\n\n\
            The default output is the file's stem in the current folder.",
        after_help = "Examples:\n  weir build hello.weir\n  weir build game.weir -o game --release\n  \
            weir build ffi.weir -l shapes --cc-arg -L."
    )]
    Build(commands::build::Args),
    /// Type-check a program without running it (prints nothing on success)
    #[command(
        long_about = "Read, expand, parse and type-check a program without running it.\n\n\
            Prints nothing and exits with status 0 when the program is valid; otherwise prints \
            every diagnostic (`PATH:LINE:COL: error: MESSAGE` followed by a source snippet) on \
            stderr and exits with status 1."
    )]
    Check(commands::check::Args),
    /// Run the package's tests (test-* functions in tests/*.weir)
    #[command(after_help = "Examples:\n  weir test\n  weir test parse")]
    Test(commands::test::Args),
    /// Print the program after expansion of ->, ->> and cond
    Expand(commands::expand::Args),
    /// Print the parsed syntax tree of a program
    Parse(commands::parse::Args),
    /// Create a package in a new folder from a template
    #[command(
        after_help = "Examples:\n  weir new hello\n  weir new geometry --lib\n  \
            weir new fast-math --template c-lib\n  weir new game --template gl-app --path games/game"
    )]
    New(commands::new::NewArgs),
    /// Make the current folder a package (never overwrites a file)
    #[command(after_help = "Examples:\n  weir init\n  weir init --lib --name geometry")]
    Init(commands::new::InitArgs),
    /// Print the package's dependency tree
    Tree(commands::tree::Args),
    /// Remove the package's build folder `target/`
    Clean(commands::clean::Args),
    /// Add a dependency to weir.pkg (keeping its comments and layout)
    #[command(
        after_help = "Examples:\n  weir add strs\n  weir add strs@^1.2\n  weir add util --path ../util\n  \
            weir add check --dev"
    )]
    Add(commands::add::AddArgs),
    /// Remove a dependency from weir.pkg (keeping its comments and layout)
    Remove(commands::add::RemoveArgs),
    /// Pack the package and add it to a registry
    #[command(
        after_help = "Examples:\n  weir publish --registry ../registry-index\n  weir publish --dry-run"
    )]
    Publish(commands::publish::Args),
    /// Mark a published version yanked (or not, with --undo)
    #[command(after_help = "Examples:\n  weir yank strs@1.0.1\n  weir yank strs@1.0.1 --undo")]
    Yank(commands::yank::Args),
    /// Resolve registry dependencies again (newest allowed versions) and rewrite weir.lock
    Update(commands::update::Args),
}

/// The global registry flags, for the commands that need them.
pub fn deps_options() -> weir_pkg::deps::DepsOptions {
    DEPS_OPTIONS.get().cloned().unwrap_or_default()
}

static DEPS_OPTIONS: std::sync::OnceLock<weir_pkg::deps::DepsOptions> = std::sync::OnceLock::new();

fn main() {
    install_panic_hook();
    let cli = Cli::parse();
    let shell = Shell::new(cli.color).with_verbosity(cli.verbose, cli.quiet, cli.timings);
    let _ = DEPS_OPTIONS.set(weir_pkg::deps::DepsOptions {
        registry: cli.registry.clone(),
        locked: cli.locked,
        offline: cli.offline,
    });
    let status = std::panic::catch_unwind(move || match cli.command {
        Command::Interp(args) => commands::interp::run(shell, args),
        Command::Run(args) => commands::run::run(shell, args),
        Command::Build(args) => commands::build::run(shell, args),
        Command::Check(args) => commands::check::run(shell, args),
        Command::Expand(args) => commands::expand::run(shell, args),
        Command::Parse(args) => commands::parse::run(shell, args),
        Command::New(args) => commands::new::run_new(shell, args),
        Command::Init(args) => commands::new::run_init(shell, args),
        Command::Tree(args) => commands::tree::run(shell, args),
        Command::Clean(args) => commands::clean::run(shell, args),
        Command::Add(args) => commands::add::run_add(shell, args),
        Command::Remove(args) => commands::add::run_remove(shell, args),
        Command::Publish(args) => commands::publish::run(shell, args),
        Command::Yank(args) => commands::yank::run(shell, args),
        Command::Test(args) => commands::test::run(shell, args),
        Command::Update(args) => commands::update::run(shell, args),
    })
    .unwrap_or(commands::INTERNAL_ERROR);
    std::process::exit(status);
}

/// Reports a panic as an internal error (the hook runs on the panicking thread, before unwinding;
/// `main` then exits with status 101).
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let payload = info.payload();
        let message = payload
            .downcast_ref::<&str>()
            .copied()
            .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
            .unwrap_or("unknown panic");
        let place = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let backtrace = std::backtrace::Backtrace::capture();
        let backtrace = match backtrace.status() {
            std::backtrace::BacktraceStatus::Captured => format!("\n{backtrace}"),
            _ => "\nnote: run with RUST_BACKTRACE=1 for a backtrace".to_string(),
        };
        eprintln!(
            "error: internal compiler error: {message}{place}\n\
             note: this is a bug in weir, not in your program; please report it with the \
             program that triggered it{backtrace}"
        );
    }));
}
