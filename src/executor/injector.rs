//! The global injector: the run queue every thread outside a worker pushes to, and where
//! local queues overflow. A lock-free unbounded FIFO (`concurrent-queue`): a thread
//! spawning from outside the runtime and the workers draining it never meet on a lock,
//! and the pusher and the poppers touch different cache lines (tail and head).
//!
//! ```text
//!   open ──close()──▶ closed   (push hands the task back; shutdown drains the rest)
//! ```

use alloc::vec::Vec;

use concurrent_queue::{ConcurrentQueue, PushError};

/// A closable multi-producer, multi-consumer FIFO.
#[derive(Debug)]
pub(crate) struct Injector<T> {
    queue: ConcurrentQueue<T>,
}

impl<T> Injector<T> {
    pub(crate) fn new() -> Self {
        Injector { queue: ConcurrentQueue::unbounded() }
    }

    /// Cheap emptiness check (no lock).
    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    /// Number of queued tasks (a snapshot).
    pub(crate) fn len(&self) -> usize {
        self.queue.len()
    }

    /// Pushes a task; gives it back when the injector is closed.
    pub(crate) fn push(&self, task: T) -> Result<(), T> {
        self.queue.push(task).map_err(PushError::into_inner)
    }

    /// Pushes a batch in order; when the injector is closed part-way, gives back the tasks
    /// not pushed (those pushed before are drained by `close`).
    pub(crate) fn push_batch(&self, batch: Vec<T>) -> Result<(), Vec<T>> {
        let mut tasks = batch.into_iter();
        while let Some(task) = tasks.next() {
            if let Err(refused) = self.queue.push(task) {
                let mut rest = Vec::with_capacity(tasks.len() + 1);
                rest.push(refused.into_inner());
                rest.extend(tasks);
                return Err(rest);
            }
        }
        Ok(())
    }

    /// Pops the oldest task.
    pub(crate) fn pop(&self) -> Option<T> {
        self.queue.pop().ok()
    }

    /// Pops up to `max` tasks (oldest first) into `out`.
    pub(crate) fn pop_batch(&self, max: usize, out: &mut Vec<T>) {
        out.extend(core::iter::from_fn(|| self.pop()).take(max));
    }

    /// Closes the injector and returns what was queued; later pushes are refused.
    /// The caller drops the returned tasks outside any lock.
    pub(crate) fn close(&self) -> Vec<T> {
        self.queue.close();
        core::iter::from_fn(|| self.pop()).collect()
    }
}
