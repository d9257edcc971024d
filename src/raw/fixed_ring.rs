//! [`FixedRing`]: the bounded queue of a fixed-capacity mailbox — `N` slots allocated once,
//! nothing per message, lock-free (Vyukov's bounded queue), safe from interrupt handlers.
//!
//! Each slot carries a sequence number saying whose turn it is:
//!
//! ```text
//!  slot i, lap k (position p = k·N + i):
//!    seq == p       free: the producer that claims position p may write it
//!    seq == p + 1   full: the consumer at position p may read it
//!    seq == p + N   read, free for lap k + 1
//!  push: claim tail = p by CAS (only if slot seq == p) ─▶ write ─▶ seq = p + 1 (Release)
//!  pop:  claim head = p by CAS (only if slot seq == p + 1) ─▶ read ─▶ seq = p + N (Release)
//! ```
//!
//! Positions and sequence numbers are `usize` (wrapping): a thread preempted between its
//! look at a slot and its claim would need `2^usize::BITS` operations to pass meanwhile to
//! mistake a later lap for its own. (heapless 0.8's queue, used before, keeps them in
//! `u8` and compares them as `i8`: 256 operations are enough, and a producer preempted that
//! long could overwrite an unread message.)
//!
//! A mailbox reserves a place (its message count) before it pushes, and a single receiver
//! frees slots in order before it releases the place, so a reserved push always finds its
//! slot free: [`push`](FixedRing::push) fails only if more pushes than places are made, or
//! several receivers pop at once and one of them has not yet freed its slot.

use core::mem::MaybeUninit;

use crate::sync::atomic::{AtomicUsize, Ordering::*};
use crate::sync::UnsafeCell;

struct Slot<T> {
    seq: AtomicUsize,
    value: UnsafeCell<MaybeUninit<T>>,
}

/// A bounded multi-producer, multi-consumer FIFO of `N` slots (`N` a power of two, ≥ 2),
/// inline (a mailbox boxes it once).
pub(crate) struct FixedRing<T, const N: usize> {
    slots: [Slot<T>; N],
    /// The next position to push to.
    tail: AtomicUsize,
    /// The next position to pop from.
    head: AtomicUsize,
}

// SAFETY: a value moves from one pusher to one popper through a slot that exactly one
// thread owns at a time (by the sequence protocol above), so `T: Send` suffices.
unsafe impl<T: Send, const N: usize> Send for FixedRing<T, N> {}
// SAFETY: as above.
unsafe impl<T: Send, const N: usize> Sync for FixedRing<T, N> {}

impl<T, const N: usize> FixedRing<T, N> {
    const VALID: () =
        assert!(N >= 2 && N.is_power_of_two(), "a fixed mailbox's capacity is a power of two, at least 2");

    /// An empty ring.
    pub(crate) fn new() -> Self {
        #[allow(clippy::let_unit_value)]
        let () = Self::VALID;
        let slots =
            core::array::from_fn(|i| Slot { seq: AtomicUsize::new(i), value: UnsafeCell::new(MaybeUninit::uninit()) });
        FixedRing { slots, tail: AtomicUsize::new(0), head: AtomicUsize::new(0) }
    }

    #[inline]
    fn slot(&self, pos: usize) -> &Slot<T> {
        &self.slots[pos & (N - 1)]
    }

    /// Queues `value` at the back; gives it back if its slot is not free (see the module
    /// docs for when that can happen).
    pub(crate) fn push(&self, value: T) -> Result<(), T> {
        let mut pos = self.tail.load(Relaxed);
        loop {
            let slot = self.slot(pos);
            let seq = slot.seq.load(Acquire);
            match seq.wrapping_sub(pos) as isize {
                0 => match self.tail.compare_exchange_weak(pos, pos.wrapping_add(1), Relaxed, Relaxed) {
                    Ok(_) => {
                        // SAFETY: the CAS made position `pos` ours, and `seq == pos` says the
                        // slot's previous value was read: nobody else touches it until we
                        // publish `pos + 1`.
                        slot.value.with_mut(|v| unsafe { (*v).write(value) });
                        slot.seq.store(pos.wrapping_add(1), Release);
                        return Ok(());
                    }
                    Err(now) => pos = now,
                },
                // The slot still holds the value of the previous lap: full.
                d if d < 0 => return Err(value),
                // Another producer claimed `pos` meanwhile: look again.
                _ => pos = self.tail.load(Relaxed),
            }
        }
    }

    /// Takes the oldest value, if one is ready (a push that has claimed its position but
    /// not yet written it counts as not ready: its pusher wakes the receiver afterwards).
    pub(crate) fn pop(&self) -> Option<T> {
        let mut pos = self.head.load(Relaxed);
        loop {
            let slot = self.slot(pos);
            let seq = slot.seq.load(Acquire);
            match seq.wrapping_sub(pos.wrapping_add(1)) as isize {
                0 => match self.head.compare_exchange_weak(pos, pos.wrapping_add(1), Relaxed, Relaxed) {
                    Ok(_) => {
                        // SAFETY: the CAS made position `pos` ours, and `seq == pos + 1` says
                        // its value was written (published with Release, read with Acquire).
                        let value = slot.value.with(|v| unsafe { (*v).assume_init_read() });
                        slot.seq.store(pos.wrapping_add(N), Release);
                        return Some(value);
                    }
                    Err(now) => pos = now,
                },
                // Not written yet: empty (as far as this receiver can tell).
                d if d < 0 => return None,
                // Another receiver took `pos` meanwhile: look again.
                _ => pos = self.head.load(Relaxed),
            }
        }
    }
}

impl<T, const N: usize> Drop for FixedRing<T, N> {
    fn drop(&mut self) {
        while self.pop().is_some() {}
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn fifo_wraps_around_many_laps() {
        let ring = FixedRing::<u32, 4>::new();
        let mut next_out = 0;
        for i in 0..1000 {
            ring.push(i).expect("room");
            if i % 3 == 2 {
                while let Some(v) = ring.pop() {
                    assert_eq!(v, next_out);
                    next_out += 1;
                }
            }
        }
        while let Some(v) = ring.pop() {
            assert_eq!(v, next_out);
            next_out += 1;
        }
        assert_eq!(next_out, 1000);
    }

    #[test]
    fn a_full_ring_gives_the_value_back() {
        let ring = FixedRing::<u32, 2>::new();
        ring.push(1).expect("room");
        ring.push(2).expect("room");
        assert_eq!(ring.push(3), Err(3));
        assert_eq!(ring.pop(), Some(1));
        ring.push(3).expect("room again");
        assert_eq!((ring.pop(), ring.pop(), ring.pop()), (Some(2), Some(3), None));
    }

    #[test]
    fn values_left_in_the_ring_are_dropped_once() {
        let token = std::sync::Arc::new(());
        let ring = FixedRing::<_, 8>::new();
        for _ in 0..5 {
            ring.push(token.clone()).expect("room");
        }
        drop(ring.pop());
        drop(ring);
        assert_eq!(std::sync::Arc::strong_count(&token), 1);
    }
}
