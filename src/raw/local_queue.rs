//! A worker's bounded local run queue (single producer, many stealers).
//!
//! The owner pushes at `tail` and pops at `head.real`; stealers take half of the queue
//! from `head.real`. `head` packs two 32-bit indices into one `AtomicU64`:
//!
//! ```text
//!        head (AtomicU64)                       tail (AtomicU32, owner writes)
//!   ┌───────────────┬───────────────┐
//!   │ steal (hi 32) │ real  (lo 32) │
//!   └───────────────┴───────────────┘
//!   slots [steal, real)  : being copied out by one stealer (still reserved)
//!   slots [real,  tail)  : queued tasks, owned by the queue
//!   steal == real        : no steal in progress
//! ```
//!
//! Indices wrap (`u32` arithmetic); a slot is `buffer[index & MASK]`. The owner may write
//! slot `tail` only while `tail - steal < CAPACITY`, so a slot a stealer still copies is
//! never overwritten. At most one steal is in progress at a time (a stealer that sees
//! `steal != real` backs off), which keeps the protocol to two CASes per steal.

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::mem::MaybeUninit;

use crate::sync::atomic::{AtomicU32, AtomicU64, Ordering::*};
use crate::sync::{Arc, UnsafeCell};

/// Capacity of every local queue (a power of two).
#[cfg(not(loom))]
pub(crate) const CAPACITY: usize = 256;
/// Capacity of every local queue (a power of two); small under loom so full-queue
/// models stay cheap.
#[cfg(loom)]
pub(crate) const CAPACITY: usize = 4;
const MASK: u32 = CAPACITY as u32 - 1;

struct Inner<T> {
    head: AtomicU64,
    tail: AtomicU32,
    buffer: Box<[UnsafeCell<MaybeUninit<T>>]>,
}

// SAFETY: slots are handed between threads only through the index protocol above; a
// `T` moves from the owner to exactly one reader (owner pop or one stealer), so sharing
// the queue requires only `T: Send`.
unsafe impl<T: Send> Send for Inner<T> {}
// SAFETY: as above: every slot access is exclusive by the head/tail protocol.
unsafe impl<T: Send> Sync for Inner<T> {}

/// The owner's end: push and pop. One per worker, never shared.
pub(crate) struct Local<T> {
    inner: Arc<Inner<T>>,
}

/// A stealer's end: cheap to clone, shared with every other worker.
pub(crate) struct Steal<T> {
    inner: Arc<Inner<T>>,
}

impl<T> Clone for Steal<T> {
    fn clone(&self) -> Self {
        Steal { inner: self.inner.clone() }
    }
}

impl<T> core::fmt::Debug for Local<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Local").field("len", &self.inner.len()).finish()
    }
}

impl<T> core::fmt::Debug for Steal<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Steal").field("len", &self.inner.len()).finish()
    }
}

#[inline]
fn unpack(v: u64) -> (u32, u32) {
    ((v >> 32) as u32, v as u32)
}

#[inline]
fn pack(steal: u32, real: u32) -> u64 {
    (u64::from(steal) << 32) | u64::from(real)
}

/// Creates a queue, returning the owner's end and a stealer's end.
pub(crate) fn new<T>() -> (Local<T>, Steal<T>) {
    let buffer = (0..CAPACITY).map(|_| UnsafeCell::new(MaybeUninit::uninit())).collect::<Vec<_>>().into_boxed_slice();
    let inner = Arc::new(Inner { head: AtomicU64::new(0), tail: AtomicU32::new(0), buffer });
    (Local { inner: inner.clone() }, Steal { inner })
}

impl<T> Inner<T> {
    fn len(&self) -> usize {
        let (_, real) = unpack(self.head.load(Acquire));
        let tail = self.tail.load(Acquire);
        tail.wrapping_sub(real) as usize
    }
}

impl<T> Local<T> {
    /// Number of queued tasks (a snapshot).
    pub(crate) fn len(&self) -> usize {
        self.inner.len()
    }

    /// True when nothing is queued.
    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Free slots the owner can fill without overflowing.
    pub(crate) fn remaining(&self) -> usize {
        let (steal, _) = unpack(self.inner.head.load(Acquire));
        let tail = self.inner.tail.load(Relaxed);
        CAPACITY - tail.wrapping_sub(steal) as usize
    }

    /// Writes `task` into slot `tail` and publishes it.
    ///
    /// Caller guarantees `tail - steal < CAPACITY` (the slot is free).
    #[inline]
    fn write_and_publish(&mut self, tail: u32, task: T) {
        let slot = &self.inner.buffer[(tail & MASK) as usize];
        // SAFETY: slot `tail` is outside [steal, tail) (checked by the caller), so no
        // stealer or pop reads it, and only the owner (`&mut self`) writes slots.
        slot.with_mut(|p| unsafe { p.write(MaybeUninit::new(task)) });
        self.inner.tail.store(tail.wrapping_add(1), Release);
    }

    /// Pushes `task` at the back. When the queue is full, moves half of it plus `task` to
    /// `overflow` in one batch (or only `task` while a steal is in progress).
    pub(crate) fn push_back_or_overflow(&mut self, mut task: T, overflow: &mut dyn FnMut(Vec<T>)) {
        loop {
            let (steal, real) = unpack(self.inner.head.load(Acquire));
            let tail = self.inner.tail.load(Relaxed);
            if tail.wrapping_sub(steal) < CAPACITY as u32 {
                self.write_and_publish(tail, task);
                return;
            }
            if steal != real {
                // A stealer is emptying the queue right now: room will appear, but don't wait.
                overflow(alloc::vec![task]);
                return;
            }
            match self.push_overflow(task, real, tail, overflow) {
                Ok(()) => return,
                Err(back) => task = back, // lost a race with a stealer: retry the fast path
            }
        }
    }

    fn push_overflow(&mut self, task: T, real: u32, tail: u32, overflow: &mut dyn FnMut(Vec<T>)) -> Result<(), T> {
        const HALF: u32 = (CAPACITY / 2) as u32;
        debug_assert_eq!(tail.wrapping_sub(real), CAPACITY as u32);
        let prev = pack(real, real);
        let next = pack(real.wrapping_add(HALF), real.wrapping_add(HALF));
        if self.inner.head.compare_exchange(prev, next, Release, Relaxed).is_err() {
            return Err(task);
        }
        let mut batch = Vec::with_capacity(HALF as usize + 1);
        for i in 0..HALF {
            let slot = &self.inner.buffer[(real.wrapping_add(i) & MASK) as usize];
            // SAFETY: the CAS above moved `head` past these HALF slots while no steal was in
            // progress, so they are initialized and now exclusively ours to move out.
            batch.push(slot.with(|p| unsafe { p.read().assume_init() }));
        }
        batch.push(task);
        overflow(batch);
        Ok(())
    }

    /// Pushes every task of `tasks`; the caller ensures `tasks.len() <= self.remaining()`.
    pub(crate) fn push_batch(&mut self, tasks: impl ExactSizeIterator<Item = T>) {
        let (steal, _) = unpack(self.inner.head.load(Acquire));
        let mut tail = self.inner.tail.load(Relaxed);
        assert!(tasks.len() <= CAPACITY - tail.wrapping_sub(steal) as usize, "push_batch beyond capacity");
        for task in tasks {
            let slot = &self.inner.buffer[(tail & MASK) as usize];
            // SAFETY: checked above that every slot in [tail, tail + n) is free; only the
            // owner writes slots.
            slot.with_mut(|p| unsafe { p.write(MaybeUninit::new(task)) });
            tail = tail.wrapping_add(1);
        }
        self.inner.tail.store(tail, Release);
    }

    /// Pops the oldest task (FIFO for the owner).
    pub(crate) fn pop(&mut self) -> Option<T> {
        let mut head = self.inner.head.load(Acquire);
        let idx = loop {
            let (steal, real) = unpack(head);
            let tail = self.inner.tail.load(Relaxed);
            if real == tail {
                return None;
            }
            let next_real = real.wrapping_add(1);
            // With no steal in progress both halves advance together.
            let next = if steal == real { pack(next_real, next_real) } else { pack(steal, next_real) };
            match self.inner.head.compare_exchange(head, next, AcqRel, Acquire) {
                Ok(_) => break real,
                Err(actual) => head = actual,
            }
        };
        let slot = &self.inner.buffer[(idx & MASK) as usize];
        // SAFETY: the CAS moved `real` past `idx`, which was in [real, tail): initialized
        // and now owned by this call alone.
        Some(slot.with(|p| unsafe { p.read().assume_init() }))
    }
}

impl<T> Steal<T> {
    /// Number of queued tasks (a snapshot).
    #[cfg_attr(not(feature = "std"), allow(dead_code))]
    pub(crate) fn len(&self) -> usize {
        self.inner.len()
    }

    /// True when the victim has nothing to steal (a snapshot).
    pub(crate) fn is_empty(&self) -> bool {
        self.inner.len() == 0
    }

    /// Steals half of the victim's tasks into `dst`; returns one of them to run now.
    pub(crate) fn steal_into(&self, dst: &mut Local<T>) -> Option<T> {
        let dst_tail = dst.inner.tail.load(Relaxed);
        let (dst_steal, _) = unpack(dst.inner.head.load(Acquire));
        if dst_tail.wrapping_sub(dst_steal) > (CAPACITY / 2) as u32 {
            // `dst` has no room for half a queue: it has work of its own anyway.
            return None;
        }
        let n = self.steal_into_claim(dst, dst_tail);
        if n == 0 {
            return None;
        }
        // Hand the last stolen task back to run now; publish the rest.
        let n = n - 1;
        let ret_idx = dst_tail.wrapping_add(n);
        let slot = &dst.inner.buffer[(ret_idx & MASK) as usize];
        // SAFETY: `steal_into_claim` initialized slots [dst_tail, dst_tail + n + 1) of
        // `dst`, which are not yet published (tail unchanged), so only we can see them.
        let task = slot.with(|p| unsafe { p.read().assume_init() });
        if n > 0 {
            dst.inner.tail.store(dst_tail.wrapping_add(n), Release);
        }
        Some(task)
    }

    /// Claims up to half of the source, copies it to `dst` starting at `dst_tail`, and
    /// releases the claim. Returns the number of tasks moved.
    fn steal_into_claim(&self, dst: &mut Local<T>, dst_tail: u32) -> u32 {
        let mut prev = self.inner.head.load(Acquire);
        let (first, n) = loop {
            let (steal, real) = unpack(prev);
            if steal != real {
                return 0; // another worker is stealing from this queue
            }
            let tail = self.inner.tail.load(Acquire);
            let avail = tail.wrapping_sub(real);
            let n = avail - avail / 2;
            if n == 0 {
                return 0;
            }
            let next = pack(steal, real.wrapping_add(n));
            match self.inner.head.compare_exchange(prev, next, AcqRel, Acquire) {
                Ok(_) => break (real, n),
                Err(actual) => prev = actual,
            }
        };
        for i in 0..n {
            let src = &self.inner.buffer[(first.wrapping_add(i) & MASK) as usize];
            let dst_slot = &dst.inner.buffer[(dst_tail.wrapping_add(i) & MASK) as usize];
            // SAFETY: [first, first + n) is claimed by our CAS (steal stays at `first`, so
            // the owner cannot overwrite it); the destination slots are beyond `dst`'s tail
            // with room checked by the caller, and `dst` is owned by this thread.
            let task = src.with(|p| unsafe { p.read().assume_init() });
            // SAFETY: see above.
            dst_slot.with_mut(|p| unsafe { p.write(MaybeUninit::new(task)) });
        }
        // Release the claim: steal catches up with real (real may have moved on by pops).
        let mut prev = pack(first, first.wrapping_add(n));
        loop {
            let (_, real) = unpack(prev);
            match self.inner.head.compare_exchange(prev, pack(real, real), AcqRel, Acquire) {
                Ok(_) => return n,
                Err(actual) => prev = actual,
            }
        }
    }
}

impl<T> Drop for Local<T> {
    fn drop(&mut self) {
        // Drop every task still queued (only the owner drops the queue's contents).
        while self.pop().is_some() {}
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::vec::Vec;

    #[test]
    fn fifo_for_owner() {
        let (mut q, _s) = new::<u32>();
        let mut spill = Vec::new();
        for i in 0..10 {
            q.push_back_or_overflow(i, &mut |b| spill.extend(b));
        }
        assert!(spill.is_empty());
        let got: Vec<_> = core::iter::from_fn(|| q.pop()).collect();
        assert_eq!(got, (0..10).collect::<Vec<_>>());
    }

    #[test]
    fn overflow_moves_half_plus_one() {
        let (mut q, _s) = new::<usize>();
        let mut spill = Vec::new();
        for i in 0..=CAPACITY {
            q.push_back_or_overflow(i, &mut |b| spill.extend(b));
        }
        assert_eq!(spill.len(), CAPACITY / 2 + 1);
        assert_eq!(q.len(), CAPACITY / 2);
        assert_eq!(spill[0], 0);
        assert_eq!(*spill.last().unwrap(), CAPACITY);
    }

    #[test]
    fn steal_takes_half_and_keeps_every_task_once() {
        let (mut a, a_steal) = new::<u32>();
        let (mut b, _) = new::<u32>();
        for i in 0..9 {
            a.push_back_or_overflow(i, &mut |_| unreachable!());
        }
        let first = a_steal.steal_into(&mut b).unwrap();
        let mut all = std::vec![first];
        assert_eq!(b.len(), 4, "5 stolen, one returned to run");
        all.extend(core::iter::from_fn(|| b.pop()));
        all.extend(core::iter::from_fn(|| a.pop()));
        all.sort_unstable();
        assert_eq!(all, (0..9).collect::<Vec<_>>());
    }

    #[test]
    fn queued_tasks_are_dropped_with_the_queue() {
        let counter = std::sync::Arc::new(());
        let (mut q, s) = new();
        for _ in 0..5 {
            q.push_back_or_overflow(counter.clone(), &mut |_| unreachable!());
        }
        drop(s);
        drop(q);
        assert_eq!(std::sync::Arc::strong_count(&counter), 1);
    }
}
