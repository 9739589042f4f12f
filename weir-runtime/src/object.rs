//! Reading objects laid out per `layout.rs`: payload addresses, string bytes, vector slots, and
//! the conversion of a slot's natural-width value to the 64-bit "bits" form of a [`TypeDesc`].
//!
//! Invariants: these helpers never allocate and never collect; they accept heap and static
//! objects alike (the `GC_STATIC` bit is irrelevant to readers). A pointer given to them must be a
//! valid object of the expected kind (compiled code guarantees it after type checking).

use crate::layout::*;

/// The header of the object at `p`.
///
/// # Safety
/// `p` must point to a live object.
#[inline]
pub(crate) unsafe fn header<'a>(p: usize) -> &'a Header {
    &*(p as *const Header)
}

/// Address of payload slot `i` of the object at `p`.
#[inline]
pub(crate) fn slot_addr(p: usize, i: usize) -> usize {
    p + HEADER_SIZE + i * SLOT_SIZE
}

/// The `aux` field (string length, vector length, variant index) of the object at `p`.
///
/// # Safety
/// `p` must point to a live object.
#[inline]
pub(crate) unsafe fn aux(p: usize) -> usize {
    header(p).aux as usize
}

/// The bytes of the string object at `p`.
///
/// # Safety
/// `p` must point to a live string; the slice is valid while the string is.
#[inline]
pub(crate) unsafe fn str_bytes<'a>(p: usize) -> &'a [u8] {
    std::slice::from_raw_parts((p + HEADER_SIZE) as *const u8, aux(p))
}

/// Reads the value of type `kind` stored with its natural width at `addr` and returns it in the
/// "bits" form of `layout.rs` (sign- or zero-extended; floats bit-cast).
///
/// # Safety
/// `addr` must be the start of a slot holding a value of that type.
pub(crate) unsafe fn load_bits(kind: u32, addr: usize) -> i64 {
    match kind {
        T_I8 => *(addr as *const i8) as i64,
        T_I16 => *(addr as *const i16) as i64,
        T_I32 => *(addr as *const i32) as i64,
        T_U8 | T_BOOL | T_UNIT => *(addr as *const u8) as i64,
        T_U16 => *(addr as *const u16) as i64,
        T_U32 | T_F32 => *(addr as *const u32) as i64,
        _ => *(addr as *const i64),
    }
}
