//! Object layouts, shapes and type descriptors: the memory contract between compiled Weir code
//! (`weir-compiler/src/codegen/`) and this runtime. Changing anything here changes both sides.
//!
//! # Machine values
//!
//! | Weir type | Cranelift type | notes |
//! |---|---|---|
//! | `i8`/`u8`, `i16`/`u16`, `i32`/`u32`, `i64`/`u64` | I8, I16, I32, I64 | |
//! | `f32`, `f64` | F32, F64 | |
//! | `Bool` | I8 | 0 or 1 |
//! | `Unit` | I8 | always 0 |
//! | `Ptr` | I64 | a C pointer, never traced |
//! | `String`, `(Vector T)`, structs, sum types, `(Fn ...)` | I64 | pointer to a heap or static object |
//!
//! Inside compiled code, a value of a small all-scalar struct type may live unboxed, one machine
//! value per field (see `weir-compiler/src/codegen/mod.rs`, "Flat structs"); it is always a
//! regular struct object (below) when it reaches memory or the runtime.
//!
//! When a value is passed to a runtime function as "bits" (`i64`), integers are sign-extended
//! (signed types) or zero-extended (unsigned types, Bool, Unit) to 64 bits, f64 is bit-cast,
//! f32 is bit-cast to its 32 bits, zero-extended. The accompanying [`TypeDesc`] says which.
//!
//! # Heap objects
//!
//! Every object starts with a 16-byte [`Header`]; the payload follows at offset 16 and is made of
//! 8-byte *slots* (strings excepted). A value stored in a slot is written with its natural width at
//! the slot's start (little-endian); the rest of the slot is unspecified.
//!
//! | object | `Header::aux` | payload |
//! |---|---|---|
//! | string | byte length | the bytes (not NUL-terminated), padded to 8 |
//! | vector | element count | one slot per element |
//! | struct | 0 | one slot per field, declaration order |
//! | sum-type value | variant index | one slot per field of that variant |
//! | closure | 0 | slot 0: code pointer (never traced); slots 1..: captured values |
//!
//! Static objects (string literals, nullary constructors, closures of top-level functions) are
//! emitted by codegen as read-only data with [`GC_STATIC`] set in `Header::gc`; the collector
//! never marks, frees or traces into them (they contain no heap pointers).
//!
//! A closure's code has the signature `(env: I64, params...) -> ret` with the Tail calling
//! convention, `env` being the closure object itself.
//!
//! # Roots (shadow stack)
//!
//! The collector is precise. Heap pointers held by compiled code are roots only while they are
//! stored in the *root stack*: a runtime-owned array of 8-byte slots. `weir_root_top` is the
//! address of the next free slot and `weir_root_limit` the end of the array (both exported data
//! symbols). A function that needs `n` root slots reserves them on entry (`sp = top; top = sp +
//! 8n`, after checking `sp + 8n <= limit`, else `weir_stack_overflow`), zeroes them, keeps every
//! heap-typed variable and every heap-typed temporary that must survive a call in one of them,
//! and restores `top = sp` before it returns or makes a tail call. Heap-typed `mut` globals and
//! globals are registered once with `weir_add_global_root`.

use std::ffi::c_char;

/// The header of every heap and static object.
#[repr(C)]
pub struct Header {
    /// Layout of the payload (for the collector).
    pub shape: *const Shape,
    /// Collector bits ([`GC_MARK`], [`GC_STATIC`]); 0 when allocated.
    pub gc: u32,
    /// Length, element count or variant index (see the module docs).
    pub aux: u32,
}

pub const HEADER_SIZE: usize = 16;
pub const SLOT_SIZE: usize = 8;

/// Set on objects that live outside the heap (emitted by codegen); never collected.
pub const GC_STATIC: u32 = 1;
/// Mark bit (runtime-private).
pub const GC_MARK: u32 = 2;

/// Shape kinds.
pub const SHAPE_STRING: u32 = 0;
/// A vector whose slots hold no heap pointers.
pub const SHAPE_VECTOR_PLAIN: u32 = 1;
/// A vector whose slots all hold heap pointers.
pub const SHAPE_VECTOR_PTR: u32 = 2;
/// Structs, sum-type values with fields, closures: `n_slots` slots, `ptr_mask` says which hold heap
/// pointers.
pub const SHAPE_FIXED: u32 = 3;

/// How the collector sees an object's payload. Shapes of fixed objects are static data emitted by
/// codegen; the runtime owns the string and vector shapes.
#[repr(C)]
pub struct Shape {
    pub kind: u32,
    /// SHAPE_FIXED: number of payload slots.
    pub n_slots: u32,
    /// SHAPE_FIXED: bit set of pointer slots, `ceil(n_slots / 64)` words (bit `i % 64` of word
    /// `i / 64` for slot `i`); may be null when no slot holds a pointer.
    pub ptr_mask: *const u64,
}

/// Type descriptor kinds.
pub const T_I8: u32 = 0;
pub const T_I16: u32 = 1;
pub const T_I32: u32 = 2;
pub const T_I64: u32 = 3;
pub const T_U8: u32 = 4;
pub const T_U16: u32 = 5;
pub const T_U32: u32 = 6;
pub const T_U64: u32 = 7;
pub const T_F32: u32 = 8;
pub const T_F64: u32 = 9;
pub const T_BOOL: u32 = 10;
pub const T_UNIT: u32 = 11;
pub const T_STR: u32 = 12;
pub const T_PTR: u32 = 13;
pub const T_FN: u32 = 14;
/// `children[0]` is the element type.
pub const T_VECTOR: u32 = 15;
/// `name`, `n` fields, `names[i]` and `children[i]` per field.
pub const T_STRUCT: u32 = 16;
/// `name`, `n` variants; `children[v]` is a [`T_VARIANT`] descriptor per variant.
pub const T_SUM: u32 = 17;
/// One variant of a sum type: `name`, `n` fields, `children[i]` per field.
pub const T_VARIANT: u32 = 18;

/// A concrete (monomorphised) Weir type, for printing (§10) and `assert-eq` messages. Emitted by
/// codegen as static data; descriptors of recursive types point at each other.
#[repr(C)]
pub struct TypeDesc {
    pub kind: u32,
    pub n: u32,
    /// NUL-terminated type or variant name (null for other kinds).
    pub name: *const c_char,
    /// NUL-terminated field names (T_STRUCT), else null.
    pub names: *const *const c_char,
    /// Child descriptors (see the kinds), else null.
    pub children: *const *const TypeDesc,
}

/// Runtime error kinds for `weir_rt_error(kind, a, b, loc)` (§11); `a`/`b` fill the message.
pub const E_DIV_ZERO: i32 = 0;
/// `index A out of bounds (len B)`
pub const E_INDEX: i32 = 1;
/// `string index A out of bounds (len B)`
pub const E_STRING_INDEX: i32 = 2;
/// `substring index out of range`
pub const E_SUBSTRING: i32 = 3;
/// `invalid character code: A`
pub const E_CHAR_CODE: i32 = 4;
/// `random-int requires a positive bound`
pub const E_RANDOM_INT: i32 = 5;
/// `null string from C`
pub const E_NULL_STRING: i32 = 6;
/// `stack overflow`
pub const E_STACK_OVERFLOW: i32 = 7;
