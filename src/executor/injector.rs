//! The global injector: the run queue every thread outside a worker pushes to, and where
//! local queues overflow. A FIFO in one growable ring buffer behind a short lock (the
//! mailboxes' spin lock: one compare-and-swap to take, a plain store to release), with its
//! length mirrored in an atomic that idle checks read without the lock (tokio's injector
//! is a locked list the same way).
//!
//! Tasks come and go in batches: a full local queue moves half of itself here with one
//! lock, and a worker takes its share with one lock. The buffer is reused as it empties
//! and refills: pushing a task allocates nothing. (A lock-free linked queue of segments
//! allocated a segment per 31 tasks on the pushing thread and freed it on the popping
//! one: with a million tasks queued, tens of thousands of cross-thread frees that
//! contended on the allocator's arena lock with the pusher's own allocations — most of
//! the futex calls of a batch of remote tasks.)
//!
//! ```text
//!   open ──close()──▶ closed   (push hands the task back; shutdown drains the rest)
//! ```

use alloc::collections::VecDeque;
use alloc::vec::Vec;

use crate::sync::atomic::{AtomicUsize, Ordering::*};

/// The lock around the queue: the spin lock; under loom a modelled mutex (a spin loop
/// has no bound loom can explore with three threads; the spin lock's own exclusion is
/// checked by its model).
#[cfg(not(loom))]
type Guarded<T> = crate::raw::spin_lock::SpinLock<T>;
#[cfg(loom)]
type Guarded<T> = crate::sync::Mutex<T>;

/// A buffer this large is given back to the allocator once the injector empties (a burst's
/// buffer is not kept for the rest of the process).
const KEEP_CAPACITY: usize = 4096;

/// A closable multi-producer, multi-consumer FIFO.
///
/// On cache lines of its own (128 bytes: two lines, as adjacent-line prefetchers pair
/// them): every idle check reads `len` and every push and pop writes it, and the
/// runtime's other shared state (the idle workers' count, the shutdown flag, the `Arc`'s
/// own counts) must not share those lines. (Without the alignment, a million tells took
/// about 1.5x as long, interleaved fresh processes: the small injector let those fields
/// fall onto one line with its own.)
#[derive(Debug)]
#[repr(align(128))]
pub(crate) struct Injector<T> {
    /// The number of queued tasks: stored under the lock after every change, so exact
    /// whenever the lock is free.
    len: AtomicUsize,
    inner: Guarded<Inner<T>>,
}

#[derive(Debug)]
struct Inner<T> {
    queue: VecDeque<T>,
    closed: bool,
}

impl<T> Inner<T> {
    /// Mirrors the length into `len` (under the lock).
    #[inline]
    fn publish(&mut self, len: &AtomicUsize) {
        // `Release`: a thread that reads the new length (and then takes the lock) finds
        // the tasks. A `SeqCst` fence after a push orders it before the pusher's look at
        // the idle workers (see `Shared::inject`).
        len.store(self.queue.len(), Release);
    }

    /// After taking tasks out: once nothing is queued, a large buffer is handed back, for
    /// the caller to free after the lock (a burst's buffer is not kept).
    #[inline]
    fn trim(&mut self) -> Option<VecDeque<T>> {
        (self.queue.is_empty() && self.queue.capacity() > KEEP_CAPACITY).then(|| core::mem::take(&mut self.queue))
    }
}

impl<T> Injector<T> {
    /// Runs `f` under the lock.
    #[inline]
    fn with<R>(&self, f: impl FnOnce(&mut Inner<T>) -> R) -> R {
        #[cfg(not(loom))]
        return self.inner.with(f);
        #[cfg(loom)]
        return f(&mut crate::sync::lock(&self.inner));
    }

    pub(crate) fn new() -> Self {
        Injector { len: AtomicUsize::new(0), inner: Guarded::new(Inner { queue: VecDeque::new(), closed: false }) }
    }

    /// Cheap emptiness check (no lock).
    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Number of queued tasks (a snapshot, without the lock).
    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.len.load(Acquire)
    }

    /// Pushes a task; gives it back when the injector is closed.
    pub(crate) fn push(&self, task: T) -> Result<(), T> {
        self.with(|inner| {
            if inner.closed {
                return Err(task);
            }
            inner.queue.push_back(task);
            inner.publish(&self.len);
            Ok(())
        })
    }

    /// Pushes a batch in order, all or nothing: when the injector is closed the whole
    /// batch comes back.
    pub(crate) fn push_batch(&self, batch: Vec<T>) -> Result<(), Vec<T>> {
        self.with(|inner| {
            if inner.closed {
                return Err(batch);
            }
            inner.queue.extend(batch);
            inner.publish(&self.len);
            Ok(())
        })
    }

    /// Pops the oldest task.
    pub(crate) fn pop(&self) -> Option<T> {
        self.take(VecDeque::pop_front)
    }

    /// Pops up to `max` tasks (oldest first) into `out`, with one lock.
    pub(crate) fn pop_batch(&self, max: usize, out: &mut Vec<T>) {
        self.take(|queue| out.extend(queue.drain(..max.min(queue.len()))));
    }

    /// Runs `take` on the queue under the lock, unless the mirrored length shows it empty
    /// (then `R`'s default: nothing taken); mirrors the new length, and frees an emptied
    /// burst's buffer after the lock.
    #[inline]
    fn take<R: Default>(&self, take: impl FnOnce(&mut VecDeque<T>) -> R) -> R {
        if self.is_empty() {
            return R::default();
        }
        let (taken, emptied) = self.with(|inner| {
            let taken = take(&mut inner.queue);
            let emptied = inner.trim();
            inner.publish(&self.len);
            (taken, emptied)
        });
        drop(emptied);
        taken
    }

    /// Closes the injector and returns what was queued; later pushes are refused.
    /// The caller drops the returned tasks outside any lock.
    pub(crate) fn close(&self) -> Vec<T> {
        self.with(|inner| {
            inner.closed = true;
            let rest = core::mem::take(&mut inner.queue).into();
            inner.publish(&self.len);
            rest
        })
    }
}
