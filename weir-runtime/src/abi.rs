//! The one table of runtime functions and data symbols that compiled code uses: codegen declares
//! its imports from [`RUNTIME_FNS`] / [`RUNTIME_DATA`], the JIT registers the addresses from
//! [`symbols`], and the static library exports the same `#[no_mangle]` names for AOT executables.
//! Every name is written once, in the `runtime_abi!` invocation below.
//!
//! Types: `P` is a pointer-sized integer (I64: heap object, C pointer, descriptor, location
//! string), `I8`/`I32`/`I64` integers, `F64` a double. All functions use the platform C calling
//! convention. "loc" arguments are NUL-terminated `PATH:LINE:COL` strings emitted by codegen,
//! used in runtime error messages (`PATH:LINE:COL: runtime error: MESSAGE`, exit status 1, stdout
//! flushed first). Functions marked (GC) may collect: the caller must have every live heap
//! pointer in a root slot (see `layout.rs`).

/// A machine type in a runtime signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AbiTy {
    I8,
    I32,
    I64,
    F64,
    /// A pointer (I64 on the 64-bit targets Weir supports).
    P,
}

/// One runtime function: its symbol, parameters and results.
#[derive(Clone, Copy, Debug)]
pub struct RuntimeFn {
    pub name: &'static str,
    pub params: &'static [AbiTy],
    pub returns: &'static [AbiTy],
}

macro_rules! runtime_abi {
    (
        fns { $( $(#[$doc:meta])* fn $name:ident ( $($p:ident),* ) $(-> $r:ident)? ; )* }
        data { $( $(#[$ddoc:meta])* static $dname:ident ; )* }
    ) => {
        /// Every runtime function compiled code may call.
        pub const RUNTIME_FNS: &[RuntimeFn] = &[
            $( RuntimeFn {
                name: stringify!($name),
                params: &[$(AbiTy::$p),*],
                returns: &[$(AbiTy::$r)?],
            }, )*
        ];

        /// Every runtime data symbol compiled code may read or write (8 bytes each).
        pub const RUNTIME_DATA: &[&str] = &[ $( stringify!($dname), )* ];

        /// Name and address of every runtime function and data symbol, for the JIT.
        pub fn symbols() -> Vec<(&'static str, *const u8)> {
            let mut out: Vec<(&'static str, *const u8)> =
                vec![ $( (stringify!($name), crate::exports::$name as *const u8), )* ];
            $( out.push((stringify!($dname), std::ptr::addr_of!(crate::exports::$dname) as *const u8)); )*
            out
        }
    };
}

runtime_abi! {
    fns {
        // --- entry -------------------------------------------------------------------------
        /// AOT `main`: `(argc, argv, entry)` where `entry: extern "C" fn() -> i32` runs global
        /// initialisers and `main`; sets up the heap, arguments and stdout, runs `entry` on a
        /// thread with a large stack, flushes and returns the exit status.
        fn weir_rt_main(I32, P, P) -> I32;

        // --- allocation (GC) ---------------------------------------------------------------
        /// A fixed object of the given shape (`Shape` pointer), payload zeroed; `aux` set by the
        /// caller if needed (variant index).
        fn weir_alloc_fixed(P) -> P;
        /// A string of `len` bytes, uninitialised payload.
        fn weir_alloc_string(I64) -> P;
        /// A vector of `len` slots, zeroed; `ptr_elems` (I8): 1 if the elements are heap pointers.
        fn weir_alloc_vector(I64, I8) -> P;
        /// Registers the address of a global variable's storage slot holding a heap pointer.
        fn weir_add_global_root(P);

        // --- strings (GC) ------------------------------------------------------------------
        /// Concatenation of two strings.
        fn weir_str_concat(P, P) -> P;
        /// Byte-wise equality (I8 0/1).
        fn weir_str_eq(P, P) -> I8;
        /// Lexicographic byte comparison: -1, 0, 1.
        fn weir_str_cmp(P, P) -> I32;
        /// `(substring s start end)` with §9.6 clamping; loc for the negative-index error.
        fn weir_substring(P, I64, I64, P) -> P;
        /// `(string-ref s i)`; loc for the bounds error.
        fn weir_string_ref(P, I64, P) -> I64;
        fn weir_string_contains(P, P) -> I8;
        fn weir_string_upcase(P) -> P;
        fn weir_string_downcase(P) -> P;
        fn weir_string_trim(P) -> P;
        /// `(char-to-string c)`; loc for the invalid-code error.
        fn weir_char_to_string(I64, P) -> P;

        // --- vectors (GC) ------------------------------------------------------------------
        /// A copy of vector `v` with one more element (`bits`); `ptr_elems` as for allocation.
        fn weir_vec_append(P, I64, I8) -> P;
        /// A copy of vector `v` with element `i` replaced by `bits`; loc for the bounds error.
        fn weir_vec_set(P, I64, I64, I8, P) -> P;

        // --- printing (§10) ----------------------------------------------------------------
        /// Writes the printed form of a value (`TypeDesc`, bits) to the stdout buffer.
        fn weir_print(P, I64);
        /// Writes a newline.
        fn weir_print_newline();
        /// The printed form of a value as a new string (GC).
        fn weir_to_str(P, I64) -> P;

        // --- math ----------------------------------------------------------------------------
        /// Round half away from zero.
        fn weir_round(F64) -> F64;
        /// C `fmod`.
        fn weir_fmod(F64, F64) -> F64;

        // --- random (§9.8) -------------------------------------------------------------------
        fn weir_random() -> F64;
        /// loc for the non-positive-bound error.
        fn weir_random_int(I64, P) -> I64;
        fn weir_random_seed(I64);

        // --- files, time, process ----------------------------------------------------------
        /// loc for `read-file failed: REASON` (GC).
        fn weir_read_file(P, P) -> P;
        fn weir_write_file(P, P, P);
        fn weir_time_ms() -> I64;
        fn weir_sleep(I64);
        /// The program's arguments as a `(Vector String)` (GC).
        fn weir_args() -> P;
        /// Flushes stdout and exits with `code & 255`.
        fn weir_exit(I32);

        // --- errors ----------------------------------------------------------------------------
        /// Runtime error `kind` (`layout::E_*`) with operands `a`, `b`, at loc. Does not return.
        fn weir_rt_error(I32, I64, I64, P);
        /// `assertion failed` (msg: a Weir string or 0). Does not return.
        fn weir_assert_fail(P, P);
        /// `assertion failed: left = A, right = B` (TypeDesc, bits, bits, loc). Does not return.
        fn weir_assert_eq_fail(P, I64, I64, P);
        /// `global NAME used before initialization` (NAME: NUL-terminated). Does not return.
        fn weir_global_uninit(P, P);
        /// `stack overflow` at loc. Does not return.
        fn weir_stack_overflow(P);

        // --- C strings for `extern "C"` ----------------------------------------------------
        /// A NUL-terminated copy of a Weir string (cut at its first NUL), valid until
        /// `weir_cstr_release` is called after the C call returns.
        fn weir_cstr(P) -> P;
        fn weir_cstr_release();
        /// A new Weir string from a C string; NULL is the runtime error `null string from C` (GC).
        fn weir_from_cstr(P, P) -> P;
    }
    data {
        /// Next free slot of the root stack.
        static weir_root_top;
        /// End of the root stack.
        static weir_root_limit;
        /// Lowest native stack address compiled code may use (checked in every prologue).
        static weir_stack_limit;
    }
}
