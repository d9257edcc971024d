//! [`alloc`] / [`free`]: the memory of actor cells, recycled between threads in batches.
//!
//! Actors are usually created on one thread (a driver, or the actor that spawns them) and
//! freed on another (the worker that ran their last poll). With the system allocator
//! every such free goes back to the *creator's* arena, under that arena's lock, while the
//! creator takes the same lock to allocate the next one: in a spawn-heavy run most of the
//! kernel's time was futex calls on that lock (measured: ~49k of 52k futex calls over 500k
//! actors). Here a freed block goes to the freeing thread's cache; full caches hand
//! half their blocks, as one batch, to a process-wide list; a thread with an empty cache
//! takes a whole batch from it. One lock per 32 blocks, and none of them the allocator's.
//!
//! ```text
//!  free(block) ─▶ this thread's cache ──(64 blocks: move 32)──▶ global batches ──(full: to malloc)
//!  alloc()     ◀─ this thread's cache ◀─(empty: take a batch)── global batches ◀─(none: malloc)
//! ```
//!
//! A batch's buffer travels with it: the taker leaves its empty one in the global list,
//! and the next spill fills that (so a warm pool calls the allocator for neither blocks
//! nor buffers; before, each spill allocated a buffer on the freeing thread that the
//! taking thread freed: a cross-thread malloc/free pair every 32 blocks).
//!
//! Blocks are grouped by size class: a size is rounded up to the next `16k + 8` bytes (the
//! largest request glibc serves from the same chunk size, so rounding costs no memory),
//! up to 1 KiB and an alignment of 8. Other layouts go straight to the allocator. Every
//! pooled block is allocated with its class's layout, so any of them can also be freed
//! straight to the allocator (what a thread's cache does when the thread exits, and what
//! `free` does once the global list is full: at most [`MAX_BATCHES`] batches per class
//! are kept).

use alloc::vec::Vec;
use core::alloc::Layout;
use core::cell::RefCell;
use core::ptr::NonNull;
use core::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::Mutex;

/// Size classes: `16k + 8` bytes for k in 0..CLASSES (8 ..= 1016 bytes).
const CLASSES: usize = 64;
/// Blocks moved between a thread's cache and the global list at a time.
const BATCH: usize = 32;
/// Batches kept per class in the global list (beyond: freed to the allocator).
const MAX_BATCHES: usize = 128;

/// A free block (owned by whoever holds this).
struct Free(NonNull<u8>);

// SAFETY: a free block is plain memory that no one else references; it may be reused or
// freed from any thread.
unsafe impl Send for Free {}

/// Batches of free blocks, per class.
static GLOBAL: [Mutex<Batches>; CLASSES] =
    [const { Mutex::new(Batches { full: Vec::new(), spare: Vec::new() }) }; CLASSES];

/// The number of full batches of each class in [`GLOBAL`], written under its lock and read
/// without it: a thread with an empty cache looks here first, so an empty global list (a
/// fresh process, where every block is new) costs an allocation one plain load, not a lock
/// and an unlock on a line the freeing threads take too. A stale zero only means one block
/// more from the allocator.
static STOCKED: [AtomicUsize; CLASSES] = [const { AtomicUsize::new(0) }; CLASSES];

/// The process-wide list of one class: batches of free blocks, and the empty buffers of
/// batches taken, which the next spill fills (a batch's buffer goes round between the
/// threads with its blocks: no allocation per batch once the pool is warm).
struct Batches {
    full: Vec<Vec<Free>>,
    spare: Vec<Vec<Free>>,
}

/// This thread's free blocks, per class.
struct Cache {
    classes: [Vec<Free>; CLASSES],
}

impl Drop for Cache {
    /// The thread is exiting: its blocks go back to the allocator.
    fn drop(&mut self) {
        for (class, blocks) in self.classes.iter_mut().enumerate() {
            to_allocator(class, blocks.drain(..));
        }
    }
}

/// Gives free blocks of `class` back to the allocator.
fn to_allocator(class: usize, blocks: impl IntoIterator<Item = Free>) {
    for block in blocks {
        // SAFETY: a pooled block of this class, allocated with its layout, owned here.
        unsafe { alloc::alloc::dealloc(block.0.as_ptr(), class_layout(class)) };
    }
}

std::thread_local! {
    static CACHE: RefCell<Cache> = const { RefCell::new(Cache { classes: [const { Vec::new() }; CLASSES] }) };
}

/// The size class of `layout`, if it is pooled.
#[inline]
fn class_of(layout: Layout) -> Option<usize> {
    if layout.align() > 8 || layout.size() == 0 {
        return None;
    }
    // The smallest `16k + 8` at or above the size.
    let class = layout.size().saturating_sub(8).div_ceil(16);
    (class < CLASSES).then_some(class)
}

/// The layout every block of `class` is allocated with.
#[inline]
fn class_layout(class: usize) -> Layout {
    // In range by construction: at most 1016 bytes, alignment 8.
    Layout::from_size_align(16 * class + 8, 8).unwrap_or_else(|_| unreachable!("a valid class layout"))
}

/// Memory for a value of `layout` (never null: allocation failure aborts as `Box` does).
/// Free it with [`free`] and the same layout.
pub(crate) fn alloc(layout: Layout) -> NonNull<u8> {
    let (layout, reused) = match class_of(layout) {
        Some(class) => (class_layout(class), take(class)),
        None => (layout, None),
    };
    if let Some(block) = reused {
        return block.0;
    }
    // SAFETY: `layout` has a non-zero size (a cell block holds at least its header).
    let ptr = unsafe { alloc::alloc::alloc(layout) };
    NonNull::new(ptr).unwrap_or_else(|| alloc::alloc::handle_alloc_error(layout))
}

/// Gives back memory from [`alloc`].
///
/// # Safety
/// `ptr` came from [`alloc`] with this `layout`, and nothing uses it any more.
pub(crate) unsafe fn free(ptr: NonNull<u8>, layout: Layout) {
    let Some(class) = class_of(layout) else {
        // SAFETY: not pooled: `alloc` allocated it with exactly this layout.
        unsafe { alloc::alloc::dealloc(ptr.as_ptr(), layout) };
        return;
    };
    let overflow = CACHE.try_with(|cache| {
        let mut cache = cache.borrow_mut();
        let blocks = &mut cache.classes[class];
        blocks.push(Free(ptr));
        if blocks.len() < 2 * BATCH {
            return None;
        }
        // Half the cache goes to the global list, in a spare buffer (one taken earlier).
        let mut global = GLOBAL[class].lock().unwrap_or_else(|e| e.into_inner());
        if global.full.len() < MAX_BATCHES {
            let mut batch = global.spare.pop().unwrap_or_else(|| Vec::with_capacity(BATCH));
            batch.extend(blocks.drain(BATCH..));
            global.full.push(batch);
            STOCKED[class].store(global.full.len(), Relaxed);
            return None;
        }
        drop(global);
        Some(blocks.split_off(BATCH))
    });
    match overflow {
        Ok(None) => {}
        // The global list is full: the half goes back to the allocator.
        Ok(Some(batch)) => to_allocator(class, batch),
        // The thread is exiting (its cache is gone): straight to the allocator.
        Err(_) => to_allocator(class, [Free(ptr)]),
    }
}

/// A free block of `class` from this thread's cache, refilled from the global list.
#[inline]
fn take(class: usize) -> Option<Free> {
    CACHE
        .try_with(|cache| {
            let mut cache = cache.borrow_mut();
            let blocks = &mut cache.classes[class];
            if blocks.is_empty() {
                if STOCKED[class].load(Relaxed) == 0 {
                    return None;
                }
                let mut global = GLOBAL[class].lock().unwrap_or_else(|e| e.into_inner());
                let mut batch = global.full.pop()?;
                STOCKED[class].store(global.full.len(), Relaxed);
                // This cache's empty buffer is kept for the next spill.
                core::mem::swap(blocks, &mut batch);
                if global.spare.len() < MAX_BATCHES && batch.capacity() >= BATCH {
                    global.spare.push(batch);
                }
            }
            let block = blocks.pop();
            // The block handed out next: most blocks were freed on another thread (a
            // call's result cell, by the actor's), so its lines sit in that core's cache.
            // Asked for now, they are here, writable, when the next allocation writes its
            // header (and stores queued behind that write do not wait for the transfer).
            if let Some(next) = blocks.last() {
                super::prefetch::prefetch_write(next.0.as_ptr());
            }
            block
        })
        .ok()
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_round_up_to_the_allocators_chunk_sizes() {
        let class = |size| class_of(Layout::from_size_align(size, 8).unwrap());
        assert_eq!(class(1), Some(0));
        assert_eq!(class(8), Some(0));
        assert_eq!(class(9), Some(1));
        assert_eq!(class(216), Some(13));
        assert_eq!(class_layout(13).size(), 216);
        assert_eq!(class(217), Some(14));
        assert_eq!(class(1016), Some(63));
        assert_eq!(class(1017), None);
        assert_eq!(class_of(Layout::from_size_align(64, 16).unwrap()), None, "over-aligned");
    }

    #[test]
    fn a_freed_block_is_reused_and_overflow_goes_through_the_global_list() {
        // A class no test's actor uses (tests run in parallel and share the global list).
        let layout = Layout::from_size_align(1016, 8).unwrap();
        let a = alloc(layout);
        // SAFETY: from `alloc` with this layout, unused.
        unsafe { free(a, layout) };
        assert_eq!(alloc(layout), a, "this thread's cache hands the block back");
        // SAFETY: as above.
        unsafe { free(a, layout) };

        // Blocks freed on another thread, past its cache, are taken by this one.
        let blocks: Vec<Free> = (0..3 * BATCH).map(|_| Free(alloc(layout))).collect();
        let addresses: Vec<usize> = blocks.iter().map(|b| b.0.as_ptr().addr()).collect();
        std::thread::spawn(move || {
            for b in blocks {
                // SAFETY: from `alloc` with this layout, unused.
                unsafe { free(b.0, layout) };
            }
        })
        .join()
        .unwrap();
        let again: Vec<NonNull<u8>> = (0..2 * BATCH).map(|_| alloc(layout)).collect();
        assert!(
            again.iter().any(|b| addresses.contains(&b.as_ptr().addr())),
            "a batch freed by the other thread was handed to this one"
        );
        for b in again {
            // SAFETY: from `alloc` with this layout, unused.
            unsafe { free(b, layout) };
        }
    }
}
