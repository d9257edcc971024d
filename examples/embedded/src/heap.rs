//! The heap: embedded-alloc's linked-list allocator in the RAM after `.bss`, wrapped to
//! record its high-water mark (the most bytes ever in use at once).
//!
//! Sampling `used()` between phases would miss short-lived peaks inside a phase (a
//! message in flight, a task's future); the wrapper updates the mark after every
//! allocation instead.
#![allow(unsafe_code)] // implementing `GlobalAlloc` and handing the allocator its memory

use core::alloc::{GlobalAlloc, Layout};
use core::sync::atomic::{AtomicBool, AtomicUsize, Ordering::Relaxed};

use embedded_alloc::LlffHeap;

/// Bytes given to the allocator. The demo's peak is 3,772 bytes (printed at the end of its
/// run; it also passes with a 4 KiB heap); 6 KiB leaves headroom for fragmentation.
pub const HEAP_SIZE: usize = 6 * 1024;

/// The global allocator: embedded-alloc plus a high-water mark.
#[global_allocator]
static HEAP: PeakHeap = PeakHeap { heap: LlffHeap::empty(), peak: AtomicUsize::new(0) };

static INITIALIZED: AtomicBool = AtomicBool::new(false);

struct PeakHeap {
    heap: LlffHeap,
    peak: AtomicUsize,
}

// SAFETY: every method forwards to `LlffHeap`'s `GlobalAlloc` implementation with the
// caller's arguments unchanged, so its guarantees are exactly LlffHeap's; the extra
// bookkeeping only reads `used()` and updates an atomic.
unsafe impl GlobalAlloc for PeakHeap {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's obligations (`layout` has non-zero size).
        let ptr = unsafe { self.heap.alloc(layout) };
        self.peak.fetch_max(self.heap.used(), Relaxed);
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded with the caller's obligations (`ptr` came from `alloc` of this
        // allocator with this `layout`).
        unsafe { self.heap.dealloc(ptr, layout) }
    }
}

/// Hands the allocator its memory: the `HEAP_SIZE` bytes that follow `.bss`. Call it first
/// thing in `main`; later calls do nothing.
pub fn init() {
    if INITIALIZED.swap(true, Relaxed) {
        return;
    }
    let start = cortex_m_rt::heap_start() as usize;
    // SAFETY: runs once (guarded above) and before any allocation. The region
    // [start, start + HEAP_SIZE) lies after `.bss` in RAM, where the linker script puts
    // nothing; the stack grows down from the end of the 64 KiB RAM and the images use far
    // less than 64 KiB - HEAP_SIZE of static RAM and stack, so nothing else touches it.
    unsafe { HEAP.heap.init(start, HEAP_SIZE) }
}

/// Bytes in use now.
pub fn used() -> usize {
    HEAP.heap.used()
}

/// The most bytes that were ever in use at once.
pub fn peak() -> usize {
    HEAP.peak.load(Relaxed)
}
