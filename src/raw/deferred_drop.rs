//! [`drop_nested`]: drops values that own values of the same kind (an object holding the
//! ref of the previous one, a million deep) in a loop instead of by recursion.
//!
//! Dropping the last ref of an object drops its value, which may hold the last ref of
//! another object, whose value holds another … Each level is a few stack frames, so a
//! long enough chain overflows the stack and aborts the process. Here each thread counts
//! how deep it is in such drops; past [`LIMIT`] levels a value is not dropped where it is
//! but queued, and the outermost level drops the queue one value at a time (each of those
//! may queue more, which it then drops too) before it returns.
//!
//! ```text
//!  drop_nested(v): depth < LIMIT ─▶ depth+1, drop v, depth−1 ─▶ at depth 0: drain the queue
//!                  depth = LIMIT ─▶ queue v (boxed; its drop function beside it)
//! ```
//!
//! The queue erases the value's type (a pointer and its drop function): a value's
//! lifetimes are alive for as long as the outermost drop of the chain runs, and the queue
//! is empty again before that returns, so no value outlives what it borrows.

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::cell::{Cell, RefCell};
use core::ptr::NonNull;

/// Nested drops a thread makes before it queues instead.
const LIMIT: u32 = 64;

/// A boxed value with its type erased, and the function that drops it.
struct Queued {
    ptr: NonNull<()>,
    drop: unsafe fn(NonNull<()>),
}

/// Drops the `Box<T>` behind `ptr`.
///
/// # Safety
/// `ptr` came from `Box::<T>::into_raw` and is dropped once.
unsafe fn drop_box<T>(ptr: NonNull<()>) {
    // SAFETY: by the caller's contract.
    drop(unsafe { Box::from_raw(ptr.cast::<T>().as_ptr()) });
}

/// A thread's nesting depth in [`drop_nested`] and its queue of values to drop later.
struct Nesting {
    depth: Cell<u32>,
    queue: RefCell<Vec<Queued>>,
}

std::thread_local! {
    static NESTING: Nesting = const { Nesting { depth: Cell::new(0), queue: RefCell::new(Vec::new()) } };
}

/// Drops `value`, in a loop rather than by recursion when it is one link of a long chain.
/// See the [module docs](self).
#[inline]
pub(crate) fn drop_nested<T>(value: T) {
    if !core::mem::needs_drop::<T>() {
        return; // nothing to drop, so nothing nested either
    }
    let mut value = Some(value);
    let _ = NESTING.try_with(|n| {
        let depth = n.depth.get();
        let Some(value) = value.take() else { return };
        if depth >= LIMIT {
            let ptr = NonNull::from(Box::leak(Box::new(value))).cast::<()>();
            n.queue.borrow_mut().push(Queued { ptr, drop: drop_box::<T> });
            return;
        }
        // Restored also if a drop panics (the queue is then drained by the next outermost
        // drop).
        struct Level<'a>(&'a Cell<u32>, u32);
        impl Drop for Level<'_> {
            fn drop(&mut self) {
                self.0.set(self.1);
            }
        }
        let level = Level(&n.depth, depth);
        n.depth.set(depth + 1);
        drop(value);
        drop(level);
        if depth == 0 && !n.queue.borrow().is_empty() {
            drain(n);
        }
    });
    // The thread's locals are being destroyed: a plain drop.
    drop(value);
}

/// Drops the queued values, one at a time, at depth 1 (what they queue is dropped too).
fn drain(n: &Nesting) {
    /// Back at depth 0 after each value, also if its drop panics.
    struct Outermost<'a>(&'a Cell<u32>);
    impl Drop for Outermost<'_> {
        fn drop(&mut self) {
            self.0.set(0);
        }
    }
    loop {
        let Some(next) = n.queue.borrow_mut().pop() else { return };
        let _outermost = Outermost(&n.depth);
        n.depth.set(1);
        // SAFETY: queued by `drop_nested` from `Box::leak` of a `T` with `drop_box::<T>`,
        // and popped once. Its lifetimes are alive: see the module docs.
        unsafe { (next.drop)(next.ptr) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A singly linked list whose drop recurses once per node.
    struct Node(#[allow(dead_code)] Option<Box<Chain>>);
    struct Chain(Node);

    impl Drop for Chain {
        fn drop(&mut self) {
            let next = self.0 .0.take();
            drop_nested(next);
        }
    }

    #[test]
    fn a_million_deep_chain_drops_without_overflowing_the_stack() {
        // Miri: a shorter chain, still far past `LIMIT` (and the small stack below).
        let links = if cfg!(miri) { 3_000 } else { 1_000_000 };
        let mut head = Chain(Node(None));
        for _ in 0..links {
            head = Chain(Node(Some(Box::new(head))));
        }
        // Run on a small stack: recursion would need far more than this.
        std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(move || drop(head))
            .expect("a thread")
            .join()
            .expect("dropped without overflowing");
        assert_eq!(NESTING.with(|n| n.depth.get()), 0);
    }
}
