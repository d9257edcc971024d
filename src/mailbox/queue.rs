//! The message queues behind a [`Mailbox`](super::Mailbox): all multi-producer,
//! linearizable FIFO (so messages from one sender arrive in the order sent).

use alloc::boxed::Box;
use concurrent_queue::{ConcurrentQueue, PushError};

/// A fixed-capacity queue that allocates nothing per message, with the capacity in the
/// type (`heapless`' lock-free MPMC queue; `N` must be a power of two, at most 128 by
/// default).
pub(crate) trait FixedQueue<T>: Send + Sync {
    fn push(&self, msg: T) -> Result<(), T>;
    fn pop(&self) -> Option<T>;
    fn capacity(&self) -> usize;
    fn is_empty(&self) -> bool;
}

impl<T: Send, const N: usize> FixedQueue<T> for heapless::mpmc::MpMcQueue<T, N> {
    fn push(&self, msg: T) -> Result<(), T> {
        self.enqueue(msg)
    }
    fn pop(&self) -> Option<T> {
        self.dequeue()
    }
    fn capacity(&self) -> usize {
        N
    }
    fn is_empty(&self) -> bool {
        // heapless exposes no length; a peek-free check is not available, so report
        // conservatively (used only for diagnostics).
        false
    }
}

/// The storage of a mailbox.
pub(crate) enum Queue<T> {
    /// Grows as needed (a linked list of blocks); `send` never waits.
    Unbounded(ConcurrentQueue<T>),
    /// A ring buffer allocated once; `send` waits for room.
    Bounded(ConcurrentQueue<T>),
    /// A const-generic ring buffer (no_std friendly); `send` waits for room.
    Fixed(Box<dyn FixedQueue<T>>),
}

impl<T> Queue<T> {
    #[inline]
    pub(crate) fn push(&self, msg: T) -> Result<(), T> {
        match self {
            Queue::Unbounded(q) | Queue::Bounded(q) => q.push(msg).map_err(|e| match e {
                PushError::Full(m) | PushError::Closed(m) => m,
            }),
            Queue::Fixed(q) => q.push(msg),
        }
    }

    #[inline]
    pub(crate) fn pop(&self) -> Option<T> {
        match self {
            Queue::Unbounded(q) | Queue::Bounded(q) => q.pop().ok(),
            Queue::Fixed(q) => q.pop(),
        }
    }

    pub(crate) fn len(&self) -> Option<usize> {
        match self {
            Queue::Unbounded(q) | Queue::Bounded(q) => Some(q.len()),
            Queue::Fixed(q) if q.is_empty() => Some(0),
            Queue::Fixed(_) => None,
        }
    }

    pub(crate) fn capacity(&self) -> Option<usize> {
        match self {
            Queue::Unbounded(_) => None,
            Queue::Bounded(q) => q.capacity(),
            Queue::Fixed(q) => Some(q.capacity()),
        }
    }

    pub(crate) fn is_bounded(&self) -> bool {
        !matches!(self, Queue::Unbounded(_))
    }
}
