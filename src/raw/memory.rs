//! Where the blocks of actor cells and object cells come from: with `std`, the
//! [`block_pool`](super::block_pool) (recycled between threads in batches); without (or
//! under loom), the global allocator.

#[cfg(all(feature = "std", not(loom)))]
pub(crate) use super::block_pool::{alloc, free};

#[cfg(not(all(feature = "std", not(loom))))]
use core::{alloc::Layout, ptr::NonNull};

/// Memory for a block of `layout` (a non-zero size), from the allocator.
#[cfg(not(all(feature = "std", not(loom))))]
pub(crate) fn alloc(layout: Layout) -> NonNull<u8> {
    // SAFETY: every block has a non-zero size (it starts with its header or counts).
    let ptr = unsafe { alloc::alloc::alloc(layout) };
    NonNull::new(ptr).unwrap_or_else(|| alloc::alloc::handle_alloc_error(layout))
}

/// Gives back a block's memory.
///
/// # Safety
/// `ptr` came from [`alloc`] with this layout and is not used any more.
#[cfg(not(all(feature = "std", not(loom))))]
pub(crate) unsafe fn free(ptr: NonNull<u8>, layout: Layout) {
    // SAFETY: by the caller's contract.
    unsafe { alloc::alloc::dealloc(ptr.as_ptr(), layout) }
}

/// A block's reference count passed `isize::MAX` (a leak loop, never a real program):
/// abort, as `Arc` does (without `std`, panic).
#[cold]
#[inline(never)]
pub(crate) fn refs_overflow() -> ! {
    #[cfg(feature = "std")]
    std::process::abort();
    #[cfg(not(feature = "std"))]
    panic!("reference count overflow");
}
