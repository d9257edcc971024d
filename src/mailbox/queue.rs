//! The message queues behind a [`Mailbox`](super::Mailbox): multi-producer FIFO, so
//! messages from one sender arrive in the order sent.
//!
//! The growable queues are an inline slot plus a `VecDeque`, behind a short lock: a
//! message arriving at an empty mailbox takes the slot (no allocation: request/reply and
//! rings, where a mailbox rarely holds two messages, allocate nothing per message), an
//! idle mailbox owns no buffer at all (an actor costs a few words until it gets mail), a
//! send is one uncontended lock (~20 ns), and the receiver takes *every* queued message
//! with one lock ([`Queue::take`]), so a busy actor pays the lock once per batch, not per
//! message. The number of queued messages is kept under the lock and mirrored, with a plain
//! store (no read-modify-write), into an atomic the receiver reads without the lock.

use alloc::boxed::Box;
use alloc::collections::VecDeque;

use crate::sync::atomic::{AtomicBool, AtomicUsize, Ordering::*};
use crate::sync::Lock;

/// A fixed-capacity queue that allocates nothing per message, with the capacity in the
/// type (`heapless`' lock-free MPMC queue; `N` a power of two, 2 ..= 128).
pub(crate) trait FixedQueue<T>: Send + Sync {
    fn push(&self, msg: T) -> Result<(), T>;
    fn pop(&self) -> Option<T>;
}

impl<T: Send, const N: usize> FixedQueue<T> for heapless::mpmc::MpMcQueue<T, N> {
    fn push(&self, msg: T) -> Result<(), T> {
        self.enqueue(msg)
    }
    fn pop(&self) -> Option<T> {
        self.dequeue()
    }
}

/// A growable FIFO: the oldest message inline, the others behind it.
/// Invariant: `rest` is empty whenever `first` is `None`.
pub(crate) struct Slots<T> {
    first: Option<T>,
    rest: VecDeque<T>,
}

/// A [`Slots`] behind its lock, with its length mirrored outside it.
pub(crate) struct Growable<T> {
    slots: Lock<Slots<T>>,
    /// The number of queued messages, stored (never read-modify-written) under the lock
    /// after every change: exact whenever the lock is free.
    queued: AtomicUsize,
}

impl<T> Growable<T> {
    /// Runs `f` on the slots under the lock and mirrors their new length.
    #[inline]
    fn with<R>(&self, f: impl FnOnce(&mut Slots<T>) -> R) -> R {
        self.slots.with(|q| {
            let out = f(q);
            self.queued.store(q.len(), Release);
            out
        })
    }
}

impl<T> Slots<T> {
    #[inline]
    fn push(&mut self, msg: T) {
        if self.first.is_none() {
            self.first = Some(msg);
        } else {
            self.rest.push_back(msg);
        }
    }

    #[inline]
    fn pop(&mut self) -> Option<T> {
        let first = self.first.take()?;
        self.first = self.rest.pop_front();
        Some(first)
    }

    #[inline]
    fn len(&self) -> usize {
        usize::from(self.first.is_some()) + self.rest.len()
    }
}

/// The storage of a mailbox.
pub(crate) enum Queue<T> {
    /// A growable FIFO (bounded or not: the bound is enforced by the mailbox's count).
    Growable(Growable<T>),
    /// A const-generic ring buffer (no_std friendly).
    Fixed(Box<dyn FixedQueue<T>>),
}

impl<T> Queue<T> {
    pub(crate) fn growable() -> Self {
        Queue::Growable(Growable {
            slots: Lock::new(Slots { first: None, rest: VecDeque::new() }),
            queued: AtomicUsize::new(0),
        })
    }

    /// The number of queued messages, read without the lock (growable queues only). A
    /// push stores the new count before its lock is released, so a zero read after a
    /// `SeqCst` fence that follows a sender's own fence means nothing is queued.
    #[inline]
    pub(crate) fn queued(&self) -> Option<usize> {
        match self {
            Queue::Growable(q) => Some(q.queued.load(Acquire)),
            Queue::Fixed(_) => None,
        }
    }

    /// Pushes unless `closed` is set; for growable queues the flag is read under the same
    /// lock that [`close`](Self::close) takes, so no message lands after the final drain.
    #[inline]
    pub(crate) fn push(&self, msg: T, closed: &AtomicBool) -> Result<(), (T, bool)> {
        match self {
            Queue::Growable(q) => q.with(|q| {
                if closed.load(Relaxed) {
                    return Err((msg, true));
                }
                q.push(msg);
                Ok(())
            }),
            Queue::Fixed(q) => q.push(msg).map_err(|m| (m, false)),
        }
    }

    /// Sets `closed` (under the queue's lock for growable queues).
    pub(crate) fn close(&self, closed: &AtomicBool) -> bool {
        match self {
            Queue::Growable(q) => q.with(|_| !closed.swap(true, AcqRel)),
            Queue::Fixed(_) => !closed.swap(true, AcqRel),
        }
    }

    #[inline]
    pub(crate) fn pop(&self) -> Option<T> {
        match self {
            Queue::Growable(q) => q.with(Slots::pop),
            Queue::Fixed(q) => q.pop(),
        }
    }

    /// Returns the oldest message and moves every other queued one to the back of `out`
    /// (one lock for the whole batch). A fixed queue, lock-free, hands out one message at
    /// a time (so it never fills `out`, which would allocate).
    #[inline]
    #[cfg_attr(not(target_has_atomic = "ptr"), allow(dead_code))] // used by actors
    pub(crate) fn take(&self, out: &mut VecDeque<T>) -> Option<T> {
        match self {
            Queue::Growable(q) => q.with(|q| {
                let first = q.first.take()?;
                if !q.rest.is_empty() {
                    if out.is_empty() {
                        // Swap buffers: O(1), and both buffers keep their capacity.
                        core::mem::swap(&mut q.rest, out);
                    } else {
                        out.append(&mut q.rest);
                    }
                }
                Some(first)
            }),
            Queue::Fixed(q) => q.pop(),
        }
    }
}
