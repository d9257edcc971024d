//! The global injector: the run queue every thread outside a worker pushes to, and where
//! local queues overflow. A mutex-protected FIFO with an atomic length, so the common
//! "is there anything?" question never takes the lock.
//!
//! ```text
//!   open ──close()──▶ closed   (push hands the task back; shutdown drains the rest)
//! ```

use alloc::collections::VecDeque;
use alloc::vec::Vec;

use crate::sync::atomic::{AtomicUsize, Ordering::*};
use crate::sync::{lock, Mutex};

#[derive(Debug)]
struct State<T> {
    queue: VecDeque<T>,
    closed: bool,
}

/// A closable multi-producer, multi-consumer FIFO.
#[derive(Debug)]
pub(crate) struct Injector<T> {
    state: Mutex<State<T>>,
    len: AtomicUsize,
}

impl<T> Injector<T> {
    pub(crate) fn new() -> Self {
        Injector { state: Mutex::new(State { queue: VecDeque::new(), closed: false }), len: AtomicUsize::new(0) }
    }

    /// Cheap emptiness check (no lock).
    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.len.load(Acquire) == 0
    }

    /// Number of queued tasks (a snapshot).
    pub(crate) fn len(&self) -> usize {
        self.len.load(Acquire)
    }

    /// Pushes a task; gives it back when the injector is closed.
    pub(crate) fn push(&self, task: T) -> Result<(), T> {
        let mut s = lock(&self.state);
        if s.closed {
            return Err(task);
        }
        s.queue.push_back(task);
        self.len.store(s.queue.len(), Release);
        Ok(())
    }

    /// Pushes a batch in order; gives it back when the injector is closed.
    pub(crate) fn push_batch(&self, batch: Vec<T>) -> Result<(), Vec<T>> {
        let mut s = lock(&self.state);
        if s.closed {
            return Err(batch);
        }
        s.queue.extend(batch);
        self.len.store(s.queue.len(), Release);
        Ok(())
    }

    /// Pops the oldest task.
    pub(crate) fn pop(&self) -> Option<T> {
        if self.is_empty() {
            return None;
        }
        let mut s = lock(&self.state);
        let t = s.queue.pop_front();
        self.len.store(s.queue.len(), Release);
        t
    }

    /// Pops up to `max` tasks (oldest first) into `out`, under one lock acquisition.
    pub(crate) fn pop_batch(&self, max: usize, out: &mut Vec<T>) {
        if max == 0 || self.is_empty() {
            return;
        }
        let mut s = lock(&self.state);
        let n = max.min(s.queue.len());
        out.extend(s.queue.drain(..n));
        self.len.store(s.queue.len(), Release);
    }

    /// Closes the injector and returns what was queued; later pushes are refused.
    /// The caller drops the returned tasks outside the lock.
    pub(crate) fn close(&self) -> VecDeque<T> {
        let mut s = lock(&self.state);
        s.closed = true;
        self.len.store(0, Release);
        core::mem::take(&mut s.queue)
    }
}
