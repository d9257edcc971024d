//! [`Mailbox`]: the typed, multi-producer, single-consumer queue in front of every actor.
//!
//! ```text
//!            try_send / send                        recv (the actor's task only)
//!  senders ─────────────────────▶ [ queue: FIFO ] ─────────────────────────────▶ actor
//!     ▲  bounded & full: try_send → Full(msg)         │ empty: register waker, Pending
//!     └── send waits on `space` ◀── notify(1) per pop ┘
//!
//!  OPEN ──close()──▶ CLOSED: sends fail with the message handed back;
//!                            recv drains what is queued, then returns None
//! ```
//!
//! * Messages from one sender are received in the order sent (the queues are linearizable
//!   FIFO). Messages from different senders interleave in arrival order.
//! * Kinds: [`Mailbox::unbounded`] (send never waits), [`Mailbox::bounded`] (a FIFO
//!   growing as needed up to its bound; `send` waits for room — backpressure), and [`Mailbox::fixed`] (capacity
//!   in the type, no allocation per message: the form for `no_std`).
//! * Receiving spends the task's cooperative budget, so an actor with a full mailbox still
//!   yields to other tasks every 128 messages.

mod error;
mod queue;

use alloc::boxed::Box;
use core::future::{poll_fn, Future};
use core::pin::Pin;
use core::task::{Context, Poll};

use event_listener::{Event, EventListener};

pub use error::{SendError, TrySendError};
pub(crate) use queue::Spill;
use queue::{Queue, Receiver, Wake};

use crate::executor::poll_proceed;
use crate::raw::waker_slot::WakerSlot;
use crate::sync::atomic::{fence, AtomicBool, AtomicU8, AtomicUsize, Ordering::*};

/// `Mailbox::capacity` of an unbounded mailbox.
const UNBOUNDED: u32 = u32::MAX;

/// Why [`Mailbox::admit`] refused a message.
enum Refusal {
    Closed,
    Full,
}

/// The capacity policy of a mailbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Capacity {
    /// No limit: `send` never waits (memory is the limit).
    Unbounded,
    /// At most this many queued messages; `send` waits for room, `try_send` returns `Full`.
    /// (A bound above 2³² − 2 is lowered to it.)
    Bounded(usize),
}

/// A multi-producer, single-consumer FIFO mailbox. See the [module docs](self).
///
/// `repr(C)`, the queue first: its words are the ones every send writes, and the fields
/// after it are read-mostly (an actor's shared state puts the words its receiver reads for
/// every message further on still, out of the queue's cache line: see `ActorShared`).
/// `std` only, like `ActorShared`'s order: a device's one core has no line to share.
#[cfg_attr(feature = "std", repr(C))]
pub struct Mailbox<T> {
    queue: Queue<T>,
    /// Bounded mailboxes only: messages sent and not yet consumed by the receiver (places
    /// are reserved here before the push, so concurrent senders never overshoot). An
    /// unbounded mailbox counts nothing here: its senders pay no read-modify-write for it.
    len: AtomicUsize,
    /// [`UNBOUNDED`] when unbounded. 32 bits: it shares a word with the two flags below.
    capacity: u32,
    closed: AtomicBool,
    /// Fixed queues only (a growable queue keeps this state under its lock): set by the
    /// receiver just before it returns `Pending` for want of a message (after
    /// registering its waker; the value says which slot holds it), reset to `BUSY` when
    /// it polls again. A sender wakes the receiver only when it sees it idle: a busy
    /// receiver costs its senders no atomic read-modify-write on the waker's line.
    receiver_idle: AtomicU8,
    /// The receiver's waker, in one word: on a std runtime an actor's own (its cell's,
    /// lent when the cell is made: not counted, woken by reference, nothing to store per
    /// wait), and for any other receiving task (the public `recv`, an actor run by
    /// another executor) a general `AtomicWaker`, boxed on first use.
    receiver: WakerSlot,
    space: Event,
}

impl<T> core::fmt::Debug for Mailbox<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Mailbox")
            .field("len", &self.len())
            .field("capacity", &self.capacity())
            .field("closed", &self.is_closed())
            .finish()
    }
}

impl<T: Send> Mailbox<T> {
    /// A mailbox with the given capacity policy.
    ///
    /// # Panics
    /// If `Capacity::Bounded(0)` (a mailbox must hold at least one message).
    pub fn new(capacity: Capacity) -> Self {
        let capacity = match capacity {
            Capacity::Unbounded => UNBOUNDED,
            Capacity::Bounded(n) => {
                assert!(n > 0, "a bounded mailbox needs a capacity of at least 1");
                u32::try_from(n).unwrap_or(UNBOUNDED).min(UNBOUNDED - 1)
            }
        };
        Self::with_queue(Queue::growable(), capacity)
    }

    /// An unbounded mailbox.
    pub fn unbounded() -> Self {
        Self::new(Capacity::Unbounded)
    }

    /// A bounded mailbox: at most `capacity` queued messages.
    pub fn bounded(capacity: usize) -> Self {
        Self::new(Capacity::Bounded(capacity))
    }
}

impl<T: Send + 'static> Mailbox<T> {
    /// A fixed-capacity mailbox whose capacity `N` is part of the type: one allocation for
    /// the whole buffer, none per message (`N`: a power of two, at least 2; a compile
    /// error otherwise).
    ///
    /// ```
    /// let mb = rustyray::mailbox::Mailbox::<u32>::fixed::<4>();
    /// for i in 0..4 { mb.try_send(i).unwrap(); }
    /// assert!(mb.try_send(9).unwrap_err().is_full());
    /// assert_eq!(mb.try_recv(), Some(0));
    /// ```
    pub fn fixed<const N: usize>() -> Self {
        let capacity = u32::try_from(N).unwrap_or(UNBOUNDED).min(UNBOUNDED - 1);
        Self::with_queue(Queue::Fixed(Box::new(crate::raw::fixed_ring::FixedRing::<T, N>::new())), capacity)
    }
}

impl<T> Mailbox<T> {
    fn with_queue(queue: Queue<T>, capacity: u32) -> Self {
        Mailbox {
            queue,
            len: AtomicUsize::new(0),
            capacity,
            closed: AtomicBool::new(false),
            receiver: WakerSlot::new(),
            receiver_idle: AtomicU8::new(Receiver::Busy.bits() as u8),
            space: Event::new(),
        }
    }

    /// Queues `msg` without waiting. On failure the message is handed back.
    #[inline]
    pub fn try_send(&self, msg: T) -> Result<(), TrySendError<T>> {
        self.try_send_with(move || msg)
    }

    /// As [`try_send`](Self::try_send), with the message built by `make` (run exactly
    /// once, and on success under a growable queue's lock: it must be short and must not
    /// touch this mailbox). Built in place, the message is written once, straight into its
    /// slot: a message built first and then passed down is copied at every call boundary,
    /// each copy a load of bytes just stored, which costs a store-forwarding stall on the
    /// actor's hot path.
    #[inline]
    pub(crate) fn try_send_with(&self, make: impl FnOnce() -> T) -> Result<(), TrySendError<T>> {
        // (The message is built at one place for every refusal: each call of `make` is a
        // copy of its code.)
        if let Err(refusal) = self.admit() {
            let msg = make();
            return Err(match refusal {
                Refusal::Closed => TrySendError::Closed(msg),
                Refusal::Full => TrySendError::Full(msg),
            });
        }
        match self.queue.push_with(make, &self.closed) {
            Ok(wake) => {
                self.wake(wake);
                Ok(())
            }
            Err(refused) => {
                if self.is_bounded() {
                    self.unreserve();
                }
                Err(refused)
            }
        }
    }

    /// Whether a message may be queued: not closed, and (bounded) a place reserved for it.
    #[inline]
    fn admit(&self) -> Result<(), Refusal> {
        if self.closed.load(Acquire) {
            return Err(Refusal::Closed);
        }
        if self.is_bounded() {
            // Reserve a place first, so concurrent senders never overshoot the bound.
            if self.len.fetch_add(1, AcqRel) >= self.capacity as usize {
                self.len.fetch_sub(1, AcqRel);
                return Err(Refusal::Full);
            }
            if self.is_fixed() {
                // A fixed queue is closed without a lock: look again now that the place is
                // reserved. Pairs with `drained_after_close`: either this sees the close, or
                // the receiver sees the reservation and waits for the message.
                fence(SeqCst);
                if self.closed.load(Relaxed) {
                    self.unreserve();
                    return Err(Refusal::Closed);
                }
            }
        }
        Ok(())
    }

    /// Gives back a place reserved by a send that did not queue its message, and wakes the
    /// receiver: after a close it may be waiting for the reservations to drain.
    #[cold]
    fn unreserve(&self) {
        self.len.fetch_sub(1, AcqRel);
        // Pairs with the fence in `drained_after_close`: either the receiver sees the place
        // given back, or this sees its waker (registered before its fence). Found by loom.
        fence(SeqCst);
        if self.closed.load(Acquire) {
            self.wake_receiver();
            self.wake_actor();
        }
    }

    /// After a close: true once every send that got past the close check has queued its
    /// message (or given up), so a drain after this finds everything that will ever come.
    #[cfg(feature = "std")]
    pub(crate) fn sends_settled(&self) -> bool {
        self.drained_after_close()
    }

    /// The mailbox is closed and the receiver found it empty: is it drained for good? A
    /// growable queue checks the flag under its lock, so nothing lands after that. A fixed
    /// queue is drained once no place is reserved: a send that reserved one before it saw
    /// the close is still pushing (it wakes the receiver when it has; see `try_send`).
    #[inline]
    fn drained_after_close(&self) -> bool {
        if !self.is_fixed() {
            return true;
        }
        fence(SeqCst);
        self.len.load(Relaxed) == 0
    }

    /// Queues `msg`, waiting for room if the mailbox is bounded and full. Fails (handing
    /// the message back) only if the mailbox is closed.
    pub async fn send(&self, msg: T) -> Result<(), SendError<T>> {
        let mut slot = Some(msg);
        let mut waiting = None;
        poll_fn(|cx| self.poll_send(&mut slot, &mut waiting, cx)).await
    }

    /// Polls a send of the message in `slot` (taken on success or close). `waiting`
    /// holds the registration for room between polls; start with `None`.
    pub(crate) fn poll_send(
        &self,
        slot: &mut Option<T>,
        waiting: &mut Option<EventListener>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), SendError<T>>> {
        loop {
            let Some(msg) = slot.take() else {
                return Poll::Ready(Ok(()));
            };
            match self.try_send(msg) {
                Ok(()) => return Poll::Ready(Ok(())),
                Err(TrySendError::Closed(m)) => return Poll::Ready(Err(SendError(m))),
                Err(TrySendError::Full(m)) => *slot = Some(m),
            }
            match waiting {
                // Registered before the last attempt: wait for a pop (or close).
                Some(listener) => {
                    if Pin::new(listener).poll(cx).is_pending() {
                        return Poll::Pending;
                    }
                    *waiting = None;
                }
                // Register, then try again so a pop in between is not missed.
                None => *waiting = Some(self.space.listen()),
            }
        }
    }

    /// After a push: wakes the receiver as the queue says (a growable queue reports the
    /// idle state it saw under its lock; a fixed queue leaves it to the flag).
    ///
    /// Fixed queues, store-buffer pairing with [`Self::go_idle`]: the sender writes the
    /// queue, fences, reads the flag; the receiver writes the flag, fences, reads the
    /// queue. With both fences `SeqCst`, at least one of them sees the other's write: the
    /// sender sees the receiver idle (and wakes it), or the receiver sees the message (and
    /// takes it instead of sleeping). (The flag is stored with `Release` and read with
    /// `Acquire`, so a sender that reads `IdleLent` also sees the lent waker.)
    #[inline]
    fn wake(&self, wake: Wake) {
        match wake {
            Wake::Nobody => {}
            Wake::Lent => self.wake_actor(),
            Wake::Atomic => self.wake_receiver(),
            Wake::AskTheFlag => {
                debug_assert!(self.is_fixed(), "growable queues report idleness from push");
                fence(SeqCst);
                match Receiver::from_bits(usize::from(self.receiver_idle.load(Acquire))) {
                    Receiver::Busy => {}
                    Receiver::IdleLent => self.wake_actor(),
                    Receiver::IdleAtomic => self.wake_receiver(),
                }
            }
        }
    }

    /// Wakes the task registered in the general waker, if any.
    #[inline]
    fn wake_receiver(&self) {
        self.receiver.wake_atomic();
    }

    /// Wakes the actor's cell by reference, if one lent its waker.
    #[inline]
    fn wake_actor(&self) {
        self.receiver.wake_lent();
    }

    /// The receiver is about to sleep unless its last look finds a message: announces it
    /// (after registering its waker where `how` says), see [`Self::wake`].
    #[inline]
    fn go_idle(&self, how: Receiver) {
        self.receiver_idle.store(how.bits() as u8, Release);
        fence(SeqCst);
    }

    /// The receiver is polling: senders need not wake it.
    #[inline]
    fn busy(&self) {
        if self.receiver_idle.load(Relaxed) != Receiver::Busy.bits() as u8 {
            self.receiver_idle.store(Receiver::Busy.bits() as u8, Relaxed);
        }
    }

    /// An actor's receiver registers `waker`: nothing to store if it is the lent cell
    /// waker (a comparison), else in the `AtomicWaker`. Returns the idle state that names
    /// where.
    #[inline]
    fn register_actor(&self, waker: &core::task::Waker) -> Receiver {
        if self.receiver.is_lent(waker) {
            Receiver::IdleLent
        } else {
            self.receiver.atomic().register(waker);
            Receiver::IdleAtomic
        }
    }

    /// The actor's waker slot, for its cell to lend its own waker to (std runtimes).
    #[cfg(feature = "std")]
    pub(crate) fn actor_waker_slot(&self) -> &WakerSlot {
        &self.receiver
    }

    /// The receiver took `n` messages: free their places.
    #[inline]
    fn taken(&self, n: usize) {
        if n == 0 || !self.is_bounded() {
            return;
        }
        self.len.fetch_sub(n, AcqRel);
        self.space.notify_additional(n);
    }

    /// Takes the next message if one is queued.
    #[inline]
    pub fn try_recv(&self) -> Option<T> {
        let m = self.queue.pop()?;
        self.taken(1);
        Some(m)
    }

    /// Polls for the next message: `Ready(None)` once closed and drained. Only one task
    /// may receive (the waker slot holds one waker).
    pub fn poll_recv(&self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        if poll_proceed(cx).is_pending() {
            return Poll::Pending;
        }
        self.busy();
        if let Some(m) = self.try_recv() {
            return Poll::Ready(Some(m));
        }
        self.receiver.atomic().register(cx.waker());
        // Read `closed` before the last look: a send that succeeded did so before the close.
        let closed = self.closed.load(Acquire);
        // The last look, by the queue's protocol: under the lock (growable), or after the
        // flag and its fence (fixed).
        let found = match &self.queue {
            Queue::Growable(q) => q.pop_or_idle(Receiver::IdleAtomic),
            Queue::Fixed(q) => {
                self.go_idle(Receiver::IdleAtomic);
                q.pop()
            }
        };
        if let Some(m) = found {
            self.busy();
            self.taken(1);
            return Poll::Ready(Some(m));
        }
        if closed && self.drained_after_close() {
            return Poll::Ready(None);
        }
        Poll::Pending
    }

    /// Polls for a batch: puts the oldest message in `slot` (empty on entry) and moves the
    /// other queued ones to `out` (one lock for all of them; `out` is empty on entry), and
    /// returns `Ready(true)`; `Ready(false)` once closed and drained. Before it returns
    /// `Pending` it frees `out`'s buffer: an idle receiver owns no buffer. Places in a
    /// bounded mailbox are freed only when the receiver reports each message consumed with
    /// [`consumed`](Self::consumed), so `out` counts against the bound.
    ///
    /// The message is written straight into the caller's `slot` rather than returned:
    /// each by-value return of an enum through another enum is one more copy, and such
    /// copies show up as store-forwarding stalls on the actor's hot path.
    #[cfg_attr(not(target_has_atomic = "ptr"), allow(dead_code))] // used by actors
    pub(crate) fn poll_recv_batch(&self, cx: &mut Context<'_>, slot: &mut Option<T>, out: &mut Spill<T>) -> Poll<bool> {
        let how = self.register_actor(cx.waker());
        // Read `closed` before the last look: a send that succeeded did so before the close.
        let closed = self.closed.load(Acquire);
        match &self.queue {
            // Taken (or found empty) with the receiver recorded idle under the lock, so a
            // later push wakes it.
            Queue::Growable(q) => q.take_armed(slot, out, how),
            // The flag-and-fences protocol.
            Queue::Fixed(_) => {
                self.busy();
                *slot = self.pop_counted();
                if slot.is_none() {
                    // A send that does not see us idle has its count and message visible here.
                    self.go_idle(how);
                    *slot = self.pop_counted();
                    if slot.is_some() {
                        self.busy();
                    }
                }
            }
        }
        if slot.is_some() {
            return Poll::Ready(true);
        }
        if closed && self.drained_after_close() {
            return Poll::Ready(false);
        }
        *out = Spill::new();
        Poll::Pending
    }

    /// A fixed queue's next message, skipped when `len` counts none (a sender counts its
    /// message before queueing it and the count drops only when the receiver consumes
    /// it), so an actor going idle pays no pop attempt.
    #[inline]
    #[cfg_attr(not(target_has_atomic = "ptr"), allow(dead_code))] // used by actors
    fn pop_counted(&self) -> Option<T> {
        if self.len.load(Acquire) == 0 {
            return None;
        }
        self.queue.pop()
    }

    /// The receiver consumed one message taken by [`poll_recv_batch`](Self::poll_recv_batch).
    #[inline]
    #[cfg_attr(not(target_has_atomic = "ptr"), allow(dead_code))] // used by actors
    pub(crate) fn consumed(&self) {
        self.taken(1);
    }

    /// Registers `waker` as the receiver's, so `close` (and sends) wake it: an actor
    /// waiting inside a method (on a std runtime its waker is the lent one: nothing to
    /// store).
    #[cfg_attr(not(target_has_atomic = "ptr"), allow(dead_code))] // used by actors
    pub(crate) fn register_receiver(&self, waker: &core::task::Waker) {
        let _where = self.register_actor(waker);
    }

    /// Receives the next message; `None` once the mailbox is closed and drained.
    pub async fn recv(&self) -> Option<T> {
        poll_fn(|cx| self.poll_recv(cx)).await
    }

    /// Closes the mailbox: later sends fail, the receiver drains what is queued. Returns
    /// true if this call closed it.
    pub fn close(&self) -> bool {
        let first = self.queue.close(&self.closed);
        self.wake_receiver();
        self.wake_actor();
        // Only a bounded mailbox's senders ever wait for room. (`notify` allocates the
        // event's list on first use: an unbounded mailbox would pay a heap block to close.)
        if self.is_bounded() {
            self.space.notify(usize::MAX);
        }
        first
    }

    /// True once [`close`](Self::close) was called.
    pub fn is_closed(&self) -> bool {
        self.closed.load(Acquire)
    }

    /// Number of messages waiting: queued, and for a bounded mailbox also those an actor
    /// has taken into its current batch but not yet handled (they hold their places).
    pub fn len(&self) -> usize {
        match &self.queue {
            _ if self.is_bounded() => self.len.load(Acquire),
            Queue::Growable(q) => q.queued(),
            Queue::Fixed(_) => 0, // (a fixed mailbox is always bounded)
        }
    }

    /// True if no message is waiting.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The capacity (`None` when unbounded).
    pub fn capacity(&self) -> Option<usize> {
        self.is_bounded().then_some(self.capacity as usize)
    }

    /// True for a fixed-capacity queue (its own wake-up and close protocol: flag and
    /// fences, reservations), false for a growable one (both under its lock).
    #[inline]
    fn is_fixed(&self) -> bool {
        matches!(self.queue, Queue::Fixed(_))
    }

    /// True unless the mailbox is unbounded (only bounded ones count `len` and notify
    /// `space`).
    #[inline]
    fn is_bounded(&self) -> bool {
        self.capacity != UNBOUNDED
    }
}
