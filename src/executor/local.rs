//! [`LocalExecutor`]: a single-threaded executor for `no_std` targets (embassy-style).
//!
//! Tasks live in `async-task` cells; the run queue is intrusive (linked through each task
//! header), so waking a task allocates nothing and may happen from an interrupt handler.
//! When a task is woken the executor calls the user's [`Pender`], which on a
//! microcontroller typically signals an event (`SEV`) or pends an interrupt so that a
//! core sleeping in `WFE` resumes and calls [`LocalExecutor::run_until_stalled`] again.
//!
//! ```text
//!   wake(task) ──▶ push on the intrusive stack ──▶ pender.pend()   (any context)
//!   run_until_stalled(): take the whole stack, run each task once (wake order), repeat
//!                        until nothing is runnable; returns the number of polls
//! ```
//!
//! The executor must live in a `static` (or be leaked), because every task's waker
//! refers to it: `spawn` takes `&'static self`.
//!
//! ```
//! use core::sync::atomic::{AtomicUsize, Ordering};
//! use rustyray::executor::LocalExecutor;
//!
//! static PENDS: AtomicUsize = AtomicUsize::new(0);
//! static EXEC: LocalExecutor = LocalExecutor::new(&|| { PENDS.fetch_add(1, Ordering::Relaxed); });
//!
//! let handle = EXEC.spawn(async { 2 + 2 });
//! EXEC.run_until_stalled();
//! assert!(handle.is_finished());
//! assert_eq!(EXEC.block_on(handle, || {}), Ok(4));
//! assert_eq!(PENDS.load(Ordering::Relaxed), 1);
//! ```

use core::future::Future;
use core::pin::pin;
use core::task::{Context, Poll, Waker};

use super::budget;
use super::join_handle::JoinHandle;
use super::task::{self, Runnable};
use crate::raw::intrusive_stack::TaskStack;

/// Wakes the CPU when a task becomes runnable. Called from whatever context woke the
/// task (thread, interrupt handler), so it must be short and must not block.
pub trait Pender: Sync {
    /// A task became runnable: make sure `run_until_stalled` is called again soon.
    fn pend(&self);
}

impl<F: Fn() + Sync> Pender for F {
    fn pend(&self) {
        self()
    }
}

/// A single-threaded executor with an intrusive run queue. See [`executor`](crate::executor).
pub struct LocalExecutor {
    queue: TaskStack,
    pender: &'static dyn Pender,
}

impl core::fmt::Debug for LocalExecutor {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("LocalExecutor").field("idle", &self.queue.is_empty()).finish_non_exhaustive()
    }
}

impl LocalExecutor {
    /// Creates an executor that calls `pender` whenever a task becomes runnable.
    pub const fn new(pender: &'static dyn Pender) -> Self {
        LocalExecutor { queue: TaskStack::new(), pender }
    }

    /// Spawns a task. It first runs at the next [`run_until_stalled`](Self::run_until_stalled).
    pub fn spawn<F>(&'static self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let (runnable, handle) = task::spawn(future, move |r: Runnable| self.schedule(r));
        runnable.schedule();
        handle
    }

    fn schedule(&self, runnable: Runnable) {
        self.queue.push(runnable);
        self.pender.pend();
    }

    /// True if no task is waiting to run.
    pub fn is_idle(&self) -> bool {
        self.queue.is_empty()
    }

    /// Runs tasks until none is runnable; returns how many polls it made. A task woken
    /// while this runs (by another task or by an interrupt) runs in the same call.
    pub fn run_until_stalled(&self) -> usize {
        let mut polls = 0;
        loop {
            let batch = self.queue.take_all();
            let before = polls;
            for runnable in batch {
                budget::scoped(|| runnable.run());
                polls += 1;
            }
            if polls == before {
                return polls;
            }
        }
    }

    /// Runs tasks until `future` completes, calling `idle` whenever nothing is runnable
    /// (on a microcontroller: `cortex_m::asm::wfe`, paired with a pender that does `sev`).
    pub fn block_on<F: Future>(&self, future: F, mut idle: impl FnMut()) -> F::Output {
        let mut future = pin!(future);
        // The main future is polled after every round of tasks; it needs no waker of its
        // own because the only things that can make it ready run in this loop or pend.
        let mut cx = Context::from_waker(Waker::noop());
        loop {
            if let Poll::Ready(v) = budget::scoped(|| future.as_mut().poll(&mut cx)) {
                return v;
            }
            if self.run_until_stalled() == 0 {
                idle();
            }
        }
    }
}
