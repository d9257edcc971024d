//! The live tasks of one runtime, so that shutdown can reach tasks that are *waiting*
//! (in no queue): it wakes each one from the shutdown thread, and the wake-up — refused by
//! the closed injector — hands the task to the graveyard, where shutdown drops it. A
//! future is therefore dropped exactly once, never inside somebody else's `wake()` (which
//! may hold a lock the future's drop needs), and its `JoinHandle` resolves to
//! `RuntimeShutdown`.
//!
//! ```text
//!  spawn ──▶ queued (reached by shutdown through the queues)
//!  first poll that returns Pending ──register(waker)──▶ shard slab ──done or dropped──▶ unregister
//!  shutdown: close every shard, wake every registered task
//!            ──▶ schedule ──▶ shut down ──▶ graveyard ──▶ dropped by shutdown
//!  a task that would wait after the close: refused, it wakes itself ──▶ graveyard
//! ```
//!
//! A task is registered only once it *waits*: a task that finishes in its first poll (most
//! remote tasks, most spawned work) never takes a registry lock — it is always in some
//! queue, or being polled, until it is done. Actor cells register at creation (they are
//! long-lived and wait most of the time).
//!
//! Sharded, and each thread spreads its registrations over the shards in turn: a task is
//! usually registered on one thread and removed on another (a driver submitting work that
//! workers run), so per-thread shards would put every remover on the submitter's lock.

use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, Waker};

use slab::Slab;

use super::scheduler::Shared;
use crate::sync::atomic::{AtomicUsize, Ordering::*};
use crate::sync::Lock;

#[derive(Debug, Default)]
struct Shard {
    tasks: Slab<Waker>,
    closed: bool,
}

/// The registry of live tasks.
#[derive(Debug)]
pub(crate) struct OwnedTasks {
    shards: Box<[Lock<Shard>]>,
}

/// Where a task is registered.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TaskKey {
    shard: u32,
    index: u32,
}

impl TaskKey {
    /// Registered nowhere (an actor run by another executor).
    #[cfg_attr(loom, allow(dead_code))]
    pub(crate) const NONE: TaskKey = TaskKey { shard: u32::MAX, index: 0 };
}

/// The shard for this thread's next registration: each thread walks the shards in turn,
/// from its own starting point (`n` is a power of two).
fn next_shard(n: usize) -> usize {
    static NEXT_THREAD: AtomicUsize = AtomicUsize::new(0);
    std::thread_local! {
        static CURSOR: core::cell::Cell<usize> = const { core::cell::Cell::new(usize::MAX) };
    }
    // During thread-local destruction: shard 0 (a placement hint only).
    CURSOR
        .try_with(|c| {
            let mut at = c.get();
            if at == usize::MAX {
                // Threads start far apart, so two spawning threads rarely share a shard.
                at = NEXT_THREAD.fetch_add(1, Relaxed).wrapping_mul(7);
            }
            // Masked so the cursor never reaches the "unset" value.
            c.set(at.wrapping_add(1) & (usize::MAX >> 1));
            at & (n - 1)
        })
        .unwrap_or(0)
}

impl OwnedTasks {
    pub(crate) fn new(num_workers: usize) -> Self {
        let n = (4 * (num_workers + 1)).next_power_of_two().clamp(8, 256);
        OwnedTasks { shards: (0..n).map(|_| Lock::new(Shard::default())).collect() }
    }

    /// Registers a task being spawned: `make` creates it (under the shard lock, so the key
    /// can be baked into the task) and returns its waker alongside. `None` after shutdown.
    pub(crate) fn register<R>(&self, make: impl FnOnce(TaskKey) -> (R, Waker)) -> Option<R> {
        let shard = next_shard(self.shards.len());
        self.shards[shard].with(|s| {
            if s.closed {
                return None;
            }
            let entry = s.tasks.vacant_entry();
            let key = TaskKey { shard: shard as u32, index: entry.key() as u32 };
            let (out, waker) = make(key);
            entry.insert(waker);
            Some(out)
        })
    }

    /// Registers the waker of a task about to wait for the first time; `None` once closed
    /// (shutdown began).
    pub(crate) fn register_waiting(&self, waker: &Waker) -> Option<TaskKey> {
        let shard = next_shard(self.shards.len());
        self.shards[shard].with(|s| {
            if s.closed {
                return None;
            }
            let index = s.tasks.insert(waker.clone());
            Some(TaskKey { shard: shard as u32, index: index as u32 })
        })
    }

    /// Unregisters a task that completed or was dropped (nothing for [`TaskKey::NONE`]).
    pub(crate) fn remove(&self, key: TaskKey) {
        if key.shard == TaskKey::NONE.shard {
            return;
        }
        let waker = self.shards[key.shard as usize].with(|s| s.tasks.try_remove(key.index as usize));
        drop(waker); // outside the lock
    }

    /// Closes every shard and wakes every registered task (from the calling thread).
    pub(crate) fn close_and_wake_all(&self) {
        for shard in self.shards.iter() {
            let wakers: Vec<Waker> = shard.with(|s| {
                s.closed = true;
                s.tasks.drain().collect()
            });
            for w in wakers {
                w.wake();
            }
        }
    }
}

pin_project_lite::pin_project! {
    /// A spawned task's future: registers the task the first time it waits, and
    /// unregisters it when it completes or is dropped.
    #[derive(Debug)]
    pub(crate) struct Tracked<F> {
        #[pin]
        future: F,
        registered: Option<(Arc<Shared>, TaskKey)>,
    }

    impl<F> PinnedDrop for Tracked<F> {
        fn drop(this: Pin<&mut Self>) {
            if let Some((shared, key)) = this.project().registered.take() {
                shared.owned.remove(key);
            }
        }
    }
}

impl<F> Tracked<F> {
    pub(crate) fn new(future: F) -> Self {
        Tracked { future, registered: None }
    }
}

impl<F: Future> Future for Tracked<F> {
    type Output = F::Output;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let out = this.future.poll(cx);
        if out.is_pending() && this.registered.is_none() {
            *this.registered = register_waiting(cx.waker());
        }
        out
    }
}

/// A task about to wait for the first time registers with the runtime polling it (a task
/// is only polled by its own runtime's threads). Refused — shutdown began — it wakes
/// itself instead: the wake-up takes it to the graveyard, where shutdown drops it.
#[cold]
#[inline(never)]
fn register_waiting(waker: &Waker) -> Option<(Arc<Shared>, TaskKey)> {
    let shared = super::context::with_current(|core| core.map(|core| core.shared.clone()))?;
    match shared.owned.register_waiting(waker) {
        Some(key) => Some((shared, key)),
        None => {
            waker.wake_by_ref();
            None
        }
    }
}
