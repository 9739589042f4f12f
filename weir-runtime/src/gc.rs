//! The heap: allocation, the root stack and a tracing, non-moving mark-and-sweep collector.
//!
//! # Design
//!
//! - **Objects** of up to [`SMALL_MAX`] bytes come from size-class free lists (one per multiple
//!   of 8 bytes): a list is refilled by carving a [`CHUNK`]-byte block from the C allocator into
//!   cells, and the sweep pushes dead small objects back onto their list (the first word of a
//!   free cell links to the next). Chunks are kept until the heap is reset, so small-object
//!   memory is bounded by the peak of live small data plus the allocation budget. Bigger objects
//!   are allocated one by one with `malloc` and freed with `free`. Every heap object's address is
//!   kept in `Heap::objects`, the list the sweep walks. Objects never move, so a pointer stays
//!   valid for as long as the object is reachable. All objects are 8-byte aligned.
//! - **Roots** are precise: the slots of the root stack below `weir_root_top` (from its base,
//!   which the runtime allocates with `mmap`, reserved and lazily committed) and the 8-byte cells
//!   registered with `weir_add_global_root`. A zero slot or cell is ignored; any other value is a
//!   pointer to a heap or static object. Compiled code keeps every heap pointer that must survive
//!   a (GC) call in a root slot (`layout.rs`); runtime functions that allocate more than once root
//!   their own arguments and intermediates on the same stack ([`push_root`]).
//!   Roots are *not* found through Cranelift stack maps (`declare_var_needs_stack_map`): the
//!   shadow root stack of `layout.rs` is explicit in the generated code, works the same for the
//!   JIT and AOT, and needs no unwinding of native frames.
//! - **Static objects** (`GC_STATIC`, emitted by codegen as read-only data) are never marked,
//!   traced or freed, and contain no heap pointers.
//! - **Marking** uses an explicit mark stack (`Heap::mark_stack`), never recursion, so a
//!   million-long list is fine. Tracing reads the object's [`Shape`]: strings and plain vectors
//!   hold no pointers, pointer vectors hold `aux` pointer slots, fixed objects the slots whose
//!   `ptr_mask` bit is set.
//! - **Sweep** frees (or returns to its free list) every unmarked object of `objects` and
//!   clears the mark of the others.
//! - **Policy:** a collection runs before an allocation when the bytes allocated since the last
//!   collection would exceed `max(1 MiB, live bytes after the last collection)`, so the heap
//!   stays within about twice the live data plus 1 MiB. With `WEIR_GC_STRESS=1` in the
//!   environment (read at start-up) every allocation collects first.
//!
//! # Invariants
//!
//! - Only the allocation functions (and the (GC) functions of `abi.rs`, through them) collect.
//! - All of this state belongs to the one program thread; `entry.rs` runs one program at a time
//!   and resets the heap when a run ends (its objects are freed while their shapes are valid).
//! - The size of an object is a function of its header and shape ([`object_size`]), so nothing
//!   else is stored per object.

use std::cell::UnsafeCell;

use crate::exports::{weir_root_limit, weir_root_top};
use crate::layout::*;

/// Process-wide runtime state, used only by the program thread (or a test holding the test lock).
pub(crate) struct Global<T>(UnsafeCell<T>);

// SAFETY: the runtime is single-threaded by construction: one program thread at a time uses it
// (see `entry.rs`), and tests serialise themselves with a lock.
unsafe impl<T> Sync for Global<T> {}

impl<T> Global<T> {
    pub(crate) const fn new(v: T) -> Self {
        Global(UnsafeCell::new(v))
    }

    /// A raw pointer to the state; the caller must not create overlapping `&mut`.
    pub(crate) fn ptr(&self) -> *mut T {
        self.0.get()
    }
}

/// A `Shape` in a static (its `ptr_mask` pointer makes it non-`Sync` by default).
#[repr(transparent)]
pub(crate) struct StaticShape(pub(crate) Shape);
// SAFETY: immutable data; the mask pointer is null.
unsafe impl Sync for StaticShape {}

/// Shape of every string the runtime allocates.
pub(crate) static STRING_SHAPE: StaticShape = StaticShape(Shape {
    kind: SHAPE_STRING,
    n_slots: 0,
    ptr_mask: std::ptr::null(),
});
/// Shape of vectors of non-pointer elements.
pub(crate) static VEC_PLAIN_SHAPE: StaticShape = StaticShape(Shape {
    kind: SHAPE_VECTOR_PLAIN,
    n_slots: 0,
    ptr_mask: std::ptr::null(),
});
/// Shape of vectors of heap pointers.
pub(crate) static VEC_PTR_SHAPE: StaticShape = StaticShape(Shape {
    kind: SHAPE_VECTOR_PTR,
    n_slots: 0,
    ptr_mask: std::ptr::null(),
});

/// Minimum allocation budget between two collections.
const MIN_BUDGET: usize = 1 << 20;

/// Largest object size served by the size-class free lists.
const SMALL_MAX: usize = 256;
/// Number of size classes (sizes 8, 16, ..., `SMALL_MAX`; class `size / 8`).
const N_CLASSES: usize = SMALL_MAX / 8 + 1;
/// Bytes carved into cells when a free list is empty.
const CHUNK: usize = 64 << 10;

/// Root stack size in slots (reserved address space; pages are committed when touched).
const ROOT_SLOTS: usize = 64 << 20;
/// The smallest root stack tried when the address space is limited.
const MIN_ROOT_SLOTS: usize = 1 << 20;

struct Heap {
    /// Every live-or-garbage heap object (never static ones).
    objects: Vec<*mut Header>,
    /// Bytes allocated since the last collection.
    since_gc: usize,
    /// Bytes of all objects in `objects`.
    total: usize,
    /// Collect when `since_gc` would exceed this.
    budget: usize,
    /// `WEIR_GC_STRESS=1`: collect before every allocation.
    stress: bool,
    /// Addresses of registered global cells.
    globals: Vec<*mut usize>,
    mark_stack: Vec<*mut Header>,
    /// Base of the root stack (0 until `init_root_stack`).
    root_base: usize,
    /// Number of collections so far (statistics).
    collections: u64,
    /// Free cell lists per size class (0: empty).
    free: [usize; N_CLASSES],
    /// Blocks carved into cells (freed when the heap is reset).
    chunks: Vec<usize>,
}

static HEAP: Global<Heap> = Global::new(Heap {
    objects: Vec::new(),
    since_gc: 0,
    total: 0,
    budget: MIN_BUDGET,
    stress: false,
    globals: Vec::new(),
    mark_stack: Vec::new(),
    root_base: 0,
    collections: 0,
    free: [0; N_CLASSES],
    chunks: Vec::new(),
});

fn heap() -> *mut Heap {
    HEAP.ptr()
}

#[inline]
pub(crate) fn root_top() -> usize {
    // SAFETY: plain read of a runtime data symbol (see `Global`).
    unsafe { std::ptr::addr_of!(weir_root_top).read() }
}

#[inline]
pub(crate) fn set_root_top(v: usize) {
    // SAFETY: plain write of a runtime data symbol (see `Global`).
    unsafe { std::ptr::addr_of_mut!(weir_root_top).write(v) }
}

/// Pushes `v` onto the root stack (for runtime functions that allocate while holding heap
/// pointers). Restore with `set_root_top(saved)`.
#[inline]
pub(crate) fn push_root(v: usize) {
    let top = root_top();
    // SAFETY: reads a runtime data symbol; the slot is inside the root stack (checked).
    unsafe {
        if top + SLOT_SIZE > std::ptr::addr_of!(weir_root_limit).read() {
            crate::errors::die_kind(E_STACK_OVERFLOW, 0, 0, 0);
        }
        *(top as *mut usize) = v;
    }
    set_root_top(top + SLOT_SIZE);
}

/// Reserves the root stack once per process and resets it to empty.
pub(crate) fn init_root_stack() {
    // SAFETY: single-threaded runtime state (see `Global`); mmap with valid arguments.
    unsafe {
        let h = &mut *heap();
        if h.root_base == 0 {
            // Reserve as much as the system allows (an address-space limit may refuse 512 MiB).
            let mut slots = ROOT_SLOTS;
            loop {
                let bytes = slots * SLOT_SIZE;
                let p = libc::mmap(
                    std::ptr::null_mut(),
                    bytes,
                    libc::PROT_READ | libc::PROT_WRITE,
                    libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
                    -1,
                    0,
                );
                if p != libc::MAP_FAILED {
                    h.root_base = p as usize;
                    std::ptr::addr_of_mut!(weir_root_limit).write(p as usize + bytes);
                    break;
                }
                if slots <= MIN_ROOT_SLOTS {
                    crate::errors::fatal("cannot reserve the root stack");
                }
                slots /= 4;
            }
        }
        set_root_top(h.root_base);
    }
}

/// Frees every heap object and forgets the global roots (between two runs); reads
/// `WEIR_GC_STRESS`.
pub(crate) fn reset_heap() {
    // SAFETY: single-threaded runtime state; big objects and chunks came from the C allocator.
    unsafe {
        let h = &mut *heap();
        for &o in &h.objects {
            if object_size(o) > SMALL_MAX {
                libc::free(o as *mut libc::c_void);
            }
        }
        for &c in &h.chunks {
            libc::free(c as *mut libc::c_void);
        }
        h.objects.clear();
        h.chunks.clear();
        h.free = [0; N_CLASSES];
        h.globals.clear();
        h.since_gc = 0;
        h.total = 0;
        h.budget = MIN_BUDGET;
        h.stress = std::env::var_os("WEIR_GC_STRESS").is_some_and(|v| v == "1");
    }
}

/// The size in bytes of the heap object at `o` (header included).
///
/// # Safety
/// `o` must be a live object whose shape pointer is valid.
pub(crate) unsafe fn object_size(o: *const Header) -> usize {
    let shape = &*(*o).shape;
    let aux = (*o).aux as usize;
    match shape.kind {
        SHAPE_STRING => HEADER_SIZE + aux.div_ceil(SLOT_SIZE) * SLOT_SIZE,
        SHAPE_VECTOR_PLAIN | SHAPE_VECTOR_PTR => HEADER_SIZE + aux * SLOT_SIZE,
        _ => HEADER_SIZE + shape.n_slots as usize * SLOT_SIZE,
    }
}

/// Allocates `size` bytes for an object with the given shape and aux (zeroed if `zero`).
fn alloc_raw(size: usize, shape: *const Shape, aux: u32, zero: bool) -> *mut Header {
    // SAFETY: single-threaded runtime state; the new block is `size >= HEADER_SIZE` bytes.
    unsafe {
        let due = {
            let h = &*heap();
            h.stress || h.since_gc + size > h.budget
        };
        if due {
            collect();
        }
        let h = &mut *heap();
        let p = if size <= SMALL_MAX {
            let p = h.pop_cell(size);
            if zero {
                std::ptr::write_bytes(p as *mut u8, 0, size);
            }
            p
        } else {
            let p = if zero {
                libc::calloc(1, size)
            } else {
                libc::malloc(size)
            } as *mut Header;
            if p.is_null() {
                crate::errors::fatal("out of memory");
            }
            p
        };
        p.write(Header { shape, gc: 0, aux });
        h.objects.push(p);
        h.since_gc += size;
        h.total += size;
        p
    }
}

impl Heap {
    /// A free cell of `size` bytes (a multiple of 8, at most `SMALL_MAX`).
    ///
    /// # Safety
    /// Single-threaded runtime state.
    #[inline]
    unsafe fn pop_cell(&mut self, size: usize) -> *mut Header {
        let class = size / SLOT_SIZE;
        if self.free[class] == 0 {
            self.refill(size);
        }
        let cell = self.free[class];
        self.free[class] = *(cell as *const usize);
        cell as *mut Header
    }

    /// Carves a new chunk into cells of `size` bytes for its free list.
    #[cold]
    unsafe fn refill(&mut self, size: usize) {
        let chunk = libc::malloc(CHUNK) as usize;
        if chunk == 0 {
            crate::errors::fatal("out of memory");
        }
        self.chunks.push(chunk);
        let class = size / SLOT_SIZE;
        let n = CHUNK / size;
        for i in (0..n).rev() {
            let cell = chunk + i * size;
            *(cell as *mut usize) = self.free[class];
            self.free[class] = cell;
        }
    }
}

/// A fixed object of `shape`, payload zeroed.
pub(crate) fn alloc_fixed(shape: *const Shape) -> usize {
    // SAFETY: codegen passes a valid static shape.
    let n = unsafe { (*shape).n_slots } as usize;
    alloc_raw(HEADER_SIZE + n * SLOT_SIZE, shape, 0, true) as usize
}

/// A string of `len` bytes, payload uninitialised.
pub(crate) fn alloc_string(len: usize) -> usize {
    let aux = u32::try_from(len).unwrap_or_else(|_| crate::errors::fatal("string too long"));
    let size = HEADER_SIZE + len.div_ceil(SLOT_SIZE) * SLOT_SIZE;
    alloc_raw(size, &STRING_SHAPE.0, aux, false) as usize
}

/// A string holding a copy of `bytes` (which must not point into the GC heap unless rooted).
pub(crate) fn new_string(bytes: &[u8]) -> usize {
    let s = alloc_string(bytes.len());
    // SAFETY: `s` has room for `bytes.len()` bytes.
    unsafe {
        std::ptr::copy_nonoverlapping(bytes.as_ptr(), (s + HEADER_SIZE) as *mut u8, bytes.len())
    };
    s
}

/// A vector of `len` zeroed slots.
pub(crate) fn alloc_vector(len: usize, ptr_elems: bool) -> usize {
    let aux = u32::try_from(len).unwrap_or_else(|_| crate::errors::fatal("vector too long"));
    let shape = if ptr_elems {
        &VEC_PTR_SHAPE.0
    } else {
        &VEC_PLAIN_SHAPE.0
    };
    alloc_raw(HEADER_SIZE + len * SLOT_SIZE, shape, aux, true) as usize
}

/// Registers a global cell as a root.
pub(crate) fn add_global_root(addr: usize) {
    // SAFETY: single-threaded runtime state.
    unsafe { (*heap()).globals.push(addr as *mut usize) }
}

/// Marks `p` (a heap or static object pointer, or 0) and queues it for tracing.
#[inline]
unsafe fn mark(stack: &mut Vec<*mut Header>, p: usize) {
    if p == 0 {
        return;
    }
    let o = p as *mut Header;
    if (*o).gc & (GC_STATIC | GC_MARK) != 0 {
        return;
    }
    (*o).gc |= GC_MARK;
    stack.push(o);
}

/// Marks everything reachable from an object's pointer slots.
unsafe fn trace(stack: &mut Vec<*mut Header>, o: *mut Header) {
    let shape = &*(*o).shape;
    let base = o as usize;
    match shape.kind {
        SHAPE_VECTOR_PTR => {
            for i in 0..(*o).aux as usize {
                mark(stack, *(crate::object::slot_addr(base, i) as *const usize));
            }
        }
        SHAPE_FIXED if !shape.ptr_mask.is_null() => {
            let n = shape.n_slots as usize;
            for w in 0..n.div_ceil(64) {
                let mut bits = *shape.ptr_mask.add(w);
                while bits != 0 {
                    let i = w * 64 + bits.trailing_zeros() as usize;
                    bits &= bits - 1;
                    if i < n {
                        mark(stack, *(crate::object::slot_addr(base, i) as *const usize));
                    }
                }
            }
        }
        _ => {}
    }
}

/// Runs a full collection now.
pub(crate) fn collect() {
    // SAFETY: single-threaded runtime state; roots hold valid object pointers or 0 (the root
    // protocol of `layout.rs`).
    unsafe {
        let h = &mut *heap();
        let mut stack = std::mem::take(&mut h.mark_stack);
        if h.root_base != 0 {
            let mut slot = h.root_base;
            let top = root_top();
            while slot < top {
                mark(&mut stack, *(slot as *const usize));
                slot += SLOT_SIZE;
            }
        }
        for &cell in &h.globals {
            mark(&mut stack, *cell);
        }
        while let Some(o) = stack.pop() {
            trace(&mut stack, o);
        }
        h.mark_stack = stack;
        let mut live = 0;
        let free = &mut h.free;
        h.objects.retain(|&o| {
            let size = object_size(o);
            if (*o).gc & GC_MARK != 0 {
                (*o).gc &= !GC_MARK;
                live += size;
                true
            } else {
                if size <= SMALL_MAX {
                    let class = size / SLOT_SIZE;
                    if cfg!(debug_assertions) {
                        // Poison dead cells so that a missing root shows up quickly.
                        std::ptr::write_bytes(o as *mut u8, 0xdb, size);
                    }
                    *(o as *mut usize) = free[class];
                    free[class] = o as usize;
                } else {
                    libc::free(o as *mut libc::c_void);
                }
                false
            }
        });
        h.total = live;
        h.since_gc = 0;
        h.budget = live.max(MIN_BUDGET);
        h.collections += 1;
    }
}

/// Heap statistics (for tests and diagnostics).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HeapStats {
    /// Heap objects currently allocated (live or not yet collected).
    pub objects: usize,
    /// Their total size in bytes.
    pub bytes: usize,
    /// Collections run since the process started.
    pub collections: u64,
    /// Bytes of the chunks carved into small-object cells.
    pub chunk_bytes: usize,
}

/// The current heap statistics.
pub fn stats() -> HeapStats {
    // SAFETY: single-threaded runtime state.
    unsafe {
        let h = &*heap();
        HeapStats {
            objects: h.objects.len(),
            bytes: h.total,
            collections: h.collections,
            chunk_bytes: h.chunks.len() * CHUNK,
        }
    }
}

/// Turns stress mode (collect before every allocation) on or off.
pub fn set_stress(on: bool) {
    // SAFETY: single-threaded runtime state.
    unsafe { (*heap()).stress = on }
}
