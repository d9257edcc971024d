//! The message queues behind a [`Mailbox`](super::Mailbox): multi-producer FIFO, so
//! messages from one sender arrive in the order sent.
//!
//! The growable queues are an inline slot plus a `VecDeque`, behind a short lock: a
//! message arriving at an empty mailbox takes the slot (no allocation: request/reply and
//! rings, where a mailbox rarely holds two messages, allocate nothing per message), an
//! idle mailbox owns no buffer at all (an actor costs a few words until it gets mail), a
//! send is one uncontended lock (one compare-and-swap, released by a plain store), and the
//! receiver takes *every* queued message with one lock ([`Queue::take_armed`]), so a busy
//! actor pays the lock once per batch, not per message.
//!
//! The receiver's idle state lives under the same lock: the receiver records it when it
//! takes (or finds nothing), a push reads and resets it, so the sender learns under the
//! lock it already holds whether to wake the receiver — no fence, and one wake-up per
//! idle period however many senders. The count and the idle state are mirrored, with a
//! plain store (no read-modify-write), into an atomic the receiver reads without the lock.

use alloc::boxed::Box;
use alloc::collections::VecDeque;

use super::TrySendError;
use crate::raw::fixed_ring::FixedRing;
use crate::raw::ShortLock;
use crate::sync::atomic::{AtomicBool, AtomicUsize, Ordering::*};

/// A fixed-capacity queue that allocates nothing per message, with the capacity in the
/// type ([`FixedRing`]: lock-free; `N` a power of two, at least 2).
pub(crate) trait FixedQueue<T>: Send + Sync {
    fn push(&self, msg: T) -> Result<(), T>;
    fn pop(&self) -> Option<T>;
}

impl<T: Send, const N: usize> FixedQueue<T> for FixedRing<T, N> {
    #[inline]
    fn push(&self, msg: T) -> Result<(), T> {
        FixedRing::push(self, msg)
    }
    #[inline]
    fn pop(&self) -> Option<T> {
        FixedRing::pop(self)
    }
}

/// Messages queued behind others: a `VecDeque` boxed on first use, so a mailbox or an
/// actor's batch that never holds two messages pays one word for it (not a `VecDeque`'s
/// four). Two of them trade contents by swapping their boxes.
#[allow(clippy::box_collection)] // on purpose: one word while unused, see above
pub(crate) struct Spill<T>(Option<Box<VecDeque<T>>>);

impl<T> Spill<T> {
    /// Empty, with no buffer.
    pub(crate) const fn new() -> Self {
        Spill(None)
    }

    #[inline]
    pub(crate) fn push_back(&mut self, msg: T) {
        self.0.get_or_insert_with(Box::default).push_back(msg);
    }

    /// Puts `msg` back in front (a message taken but not handled).
    #[cfg_attr(not(target_has_atomic = "ptr"), allow(dead_code))] // used by actors
    pub(crate) fn push_front(&mut self, msg: T) {
        self.0.get_or_insert_with(Box::default).push_front(msg);
    }

    #[inline]
    pub(crate) fn pop_front(&mut self) -> Option<T> {
        self.0.as_mut()?.pop_front()
    }

    /// The oldest message, left in place.
    #[inline]
    #[cfg_attr(not(target_has_atomic = "ptr"), allow(dead_code))] // used by actors
    pub(crate) fn front(&self) -> Option<&T> {
        self.0.as_ref()?.front()
    }

    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.0.as_ref().is_none_or(|q| q.is_empty())
    }

    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.0.as_ref().map_or(0, |q| q.len())
    }

    /// Moves every message to the back of `out`: O(1) (a swap of boxes, both keeping
    /// their buffers) when `out` is empty.
    #[inline]
    fn move_to(&mut self, out: &mut Spill<T>) {
        if self.is_empty() {
            return;
        }
        match out.0.as_mut() {
            Some(o) if !o.is_empty() => o.append(self.0.as_mut().expect("not empty")),
            _ => core::mem::swap(self, out),
        }
    }
}

/// A growable FIFO: the oldest message inline, the others behind it.
/// Invariant: `rest` is empty whenever `first` is `None`.
pub(crate) struct Slots<T> {
    first: Option<T>,
    rest: Spill<T>,
}

/// What the receiver is doing, as its senders see it (two bits of a word: the growable
/// queue's mirror, or the fixed mailbox's flag).
///
/// ```text
///  Busy ──last look finds nothing──▶ IdleLent / IdleAtomic ──first push after it──▶ Busy
///  (the idle states say where its waker is; the push that takes it back wakes that one)
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum Receiver {
    /// Running, or about to look again: a push need not wake it.
    Busy = 0,
    /// Asleep; its waker is the actor cell's, lent to the mailbox.
    IdleLent = 1,
    /// Asleep; its waker is in the general `AtomicWaker`.
    IdleAtomic = 2,
}

impl Receiver {
    /// The state's two bits.
    #[inline]
    pub(crate) const fn bits(self) -> usize {
        self as usize
    }

    /// The state stored as `bits` (only `bits()` values are ever stored).
    #[inline]
    pub(crate) const fn from_bits(bits: usize) -> Self {
        match bits & 3 {
            0 => Receiver::Busy,
            1 => Receiver::IdleLent,
            _ => Receiver::IdleAtomic,
        }
    }
}

/// What a sender must do after its push.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Wake {
    /// The receiver was busy (or another sender woke it already).
    Nobody,
    /// The receiver was idle, its waker the actor cell's (lent): wake that.
    Lent,
    /// The receiver was idle, its waker in the general `AtomicWaker`: wake that.
    Atomic,
    /// A fixed queue: the mailbox's flag says (flag-and-fences protocol).
    AskTheFlag,
}

impl From<Receiver> for Wake {
    /// The wake-up a receiver in state `r` needs.
    #[inline]
    fn from(r: Receiver) -> Wake {
        match r {
            Receiver::Busy => Wake::Nobody,
            Receiver::IdleLent => Wake::Lent,
            Receiver::IdleAtomic => Wake::Atomic,
        }
    }
}

/// A [`Slots`] behind its lock, with its length mirrored outside it.
pub(crate) struct Growable<T> {
    slots: ShortLock<Slots<T>>,
    /// `queued << 2 | receiver.bits()`: the number of queued messages and the receiver's
    /// announced state ([`Receiver`]: idle, and where its waker is, set by the receiver
    /// when its last look under the lock finds nothing; taken back to `Busy` by the first
    /// push after it, whose sender then wakes the receiver). Written (never
    /// read-modify-written) only under the lock, after every change: exact whenever the lock
    /// is free, and the one copy of the idle state (the slots keep none, which saves a word
    /// per mailbox). A close changes neither, so it stores nothing here.
    mirror: AtomicUsize,
}

impl<T> Growable<T> {
    /// Runs `f` under the lock on the slots, then mirrors their length again (the
    /// receiver's state carried over as it is).
    #[inline]
    fn with<R>(&self, f: impl FnOnce(&mut Slots<T>) -> R) -> R {
        self.slots.with(|q| {
            // Stored only under this lock: the last holder's store is visible to its
            // successor, so `Relaxed` reads the current value.
            let receiver = self.mirror.load(Relaxed) & 3;
            let out = f(q);
            self.mirror.store(q.len() << 2 | receiver, Release);
            out
        })
    }

    /// Runs `f` under the lock on the slots; `f` says the receiver's new state, mirrored
    /// with the slots' length.
    #[inline]
    fn with_receiver<R>(&self, f: impl FnOnce(&mut Slots<T>) -> (R, Receiver)) -> R {
        self.slots.with(|q| {
            let (out, receiver) = f(q);
            self.mirror.store(q.len() << 2 | receiver.bits(), Release);
            out
        })
    }

    /// Pushes unless `closed` is set (read under the lock that `close` takes): returns how
    /// to wake the receiver, whose idle state goes back to `Busy` (of many senders, only
    /// the first after it went idle wakes it).
    #[inline]
    fn push_with(&self, make: impl FnOnce() -> T, closed: &AtomicBool) -> Result<Wake, TrySendError<T>> {
        self.slots.with(|q| {
            if closed.load(Relaxed) {
                return Err(TrySendError::Closed(make()));
            }
            q.push_with(make);
            let was = Receiver::from_bits(self.mirror.load(Relaxed));
            self.mirror.store(q.len() << 2 | Receiver::Busy.bits(), Release);
            Ok(Wake::from(was))
        })
    }

    /// The number of queued messages, read without the lock. A push stores the new count
    /// before its lock is released, so a zero read after a `SeqCst` fence that follows a
    /// sender's own fence means nothing is queued.
    #[inline]
    pub(crate) fn queued(&self) -> usize {
        self.mirror.load(Acquire) >> 2
    }

    /// A receiver's last look before it sleeps (the public `recv`): under the lock, pops
    /// the oldest message or, when nothing is queued, records the receiver idle as `how`:
    /// a push then can neither slip in unseen nor miss that it must wake.
    #[inline]
    pub(crate) fn pop_or_idle(&self, how: Receiver) -> Option<T> {
        self.with_receiver(|q| {
            let found = q.pop();
            let receiver = if found.is_some() { Receiver::Busy } else { how };
            (found, receiver)
        })
    }

    /// An actor's receiver: moves the oldest message into `slot` (empty on entry) and every
    /// other queued one to the back of `out`, and — the queue being empty after that —
    /// records the receiver idle as `how`, so the next push wakes it even if it is still
    /// busy with this batch (an early wake-up costs one extra poll; a late one would be
    /// lost). `slot` still empty: nothing queued, idle recorded; when the mirror already
    /// shows exactly that, without the lock.
    ///
    /// A push since the record either happened before this poll's wake-up (then its
    /// mirror store is visible here and the lock is taken) or will wake the receiver again.
    #[inline]
    #[cfg_attr(not(target_has_atomic = "ptr"), allow(dead_code))] // used by actors
    pub(crate) fn take_armed(&self, slot: &mut Option<T>, out: &mut Spill<T>, how: Receiver) {
        if self.mirror.load(Acquire) != how.bits() {
            self.with_receiver(|q| {
                q.take(slot, out);
                ((), how)
            });
        }
    }
}

impl<T> Slots<T> {
    /// Queues the message `make` builds, written straight into its place.
    #[inline]
    fn push_with(&mut self, make: impl FnOnce() -> T) {
        if self.first.is_none() {
            self.first = Some(make());
        } else {
            self.rest.push_back(make());
        }
    }

    #[inline]
    fn pop(&mut self) -> Option<T> {
        let first = self.first.take()?;
        self.first = self.rest.pop_front();
        Some(first)
    }

    /// Moves the oldest message into `slot` and the others to the back of `out`.
    #[inline]
    fn take(&mut self, slot: &mut Option<T>, out: &mut Spill<T>) {
        debug_assert!(slot.is_none(), "the receiver's slot is empty on entry");
        if self.first.is_none() {
            return;
        }
        // Written, not swapped: the slot is known empty, and a swap would load it back
        // right after the receiver emptied it (a store-forwarding stall).
        *slot = self.first.take();
        self.rest.move_to(out);
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
            slots: ShortLock::new(Slots { first: None, rest: Spill::new() }),
            mirror: AtomicUsize::new(0),
        })
    }

    /// Pushes unless `closed` is set; for growable queues the flag is read under the same
    /// lock that [`close`](Self::close) takes, so no message lands after the final drain.
    ///
    /// Returns what the sender must wake: a growable queue hands over the receiver's idle
    /// state (taking it back to `Busy`, so of many senders only the first wakes it); a
    /// fixed queue leaves it to the mailbox's flag. A refused message comes back in the
    /// mailbox's own error (`Closed`, or `Full` when a fixed queue has no free slot), so the
    /// mailbox hands it on as it is.
    #[inline]
    pub(crate) fn push_with(&self, make: impl FnOnce() -> T, closed: &AtomicBool) -> Result<Wake, TrySendError<T>> {
        match self {
            Queue::Growable(q) => q.push_with(make, closed),
            Queue::Fixed(q) => q.push(make()).map(|()| Wake::AskTheFlag).map_err(TrySendError::Full),
        }
    }

    /// Sets `closed` (under the queue's lock for growable queues).
    pub(crate) fn close(&self, closed: &AtomicBool) -> bool {
        match self {
            Queue::Growable(q) => q.slots.with(|_| !closed.swap(true, AcqRel)),
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
}
