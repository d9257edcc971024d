//! [`CpuPool`]: the CPUs a runtime shares out to remote tasks (`num_cpus`), counted in units
//! of 1/10,000 CPU (Ray's resource granularity). A FIFO-fair asynchronous semaphore:
//!
//! ```text
//!   state: AtomicU64 = free units (bits 0..62) | QUEUED (bit 63)
//!
//!   acquire, QUEUED clear and enough free ──CAS──▶ admitted          (no lock: the hot path)
//!   acquire otherwise ──lock──▶ re-check under the lock ──▶ admitted, or queued (FIFO) + QUEUED set
//!   release, QUEUED clear ──CAS──▶ units returned                    (no lock)
//!   release, QUEUED set ──lock──▶ units returned; grant queue heads in order while they fit
//!                                  (granted waiters are woken, outside the lock); queue empty ⇒ QUEUED cleared
//! ```
//!
//! While QUEUED is set every change of the word happens under the lock, so a newcomer never
//! overtakes a queued task (FIFO), and a release never misses a waiter: the acquirer sets
//! QUEUED with a compare-and-swap on the very value it found insufficient. How a task holds
//! its share, and gives it back while it waits, is the task layer's (`task::admission`).

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::vec::Vec;
use core::task::{Context, Poll, Waker};

use crate::sync::atomic::{
    AtomicBool, AtomicU64, Ordering::AcqRel, Ordering::Acquire, Ordering::Relaxed, Ordering::Release,
};
use crate::sync::{lock, Mutex};
use crate::Error;

const QUEUED: u64 = 1 << 63;
const FREE: u64 = QUEUED - 1;

/// The CPU units of one runtime. See the module docs.
#[derive(Debug)]
pub(crate) struct CpuPool {
    total: u64,
    /// On a cache line of its own: every task start and end writes it, while every
    /// submission reads `total` (sharing a line, each submission missed in its cache).
    state: Padded<AtomicU64>,
    queue: Mutex<Queue>,
    /// Set when the runtime shuts down: queued tasks are woken and give up.
    closed: AtomicBool,
}

/// A value alone on its cache line (128 bytes: adjacent-line prefetch pairs lines).
#[derive(Debug)]
#[repr(align(128))]
struct Padded<T>(T);

impl<T> core::ops::Deref for Padded<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

#[derive(Debug, Default)]
struct Queue {
    next: u64,
    /// Waiting acquirers in arrival order: ticket → (units, waker).
    waiting: BTreeMap<u64, (u64, Waker)>,
    /// Tickets granted (their units already taken) that their owner has not seen yet.
    granted: BTreeSet<u64>,
}

impl CpuPool {
    /// A pool of `total` units (a CPU is `task::options::UNITS_PER_CPU` units).
    pub(crate) fn new(total: u64) -> Self {
        CpuPool {
            total,
            state: Padded(AtomicU64::new(total)),
            queue: Mutex::new(Queue::default()),
            closed: AtomicBool::new(false),
        }
    }

    /// Total units.
    pub(crate) fn total(&self) -> u64 {
        self.total
    }

    /// True once the runtime has shut down.
    pub(crate) fn is_closed(&self) -> bool {
        self.closed.load(Acquire)
    }

    /// Marks the pool closed and wakes every queued task (it then fails with
    /// `RuntimeShutdown`, or is dropped by the stopping scheduler).
    pub(crate) fn close(&self) {
        self.closed.store(true, Release);
        let wakers: Vec<Waker> = {
            let q = lock(&self.queue);
            q.waiting.values().map(|(_, w)| w.clone()).collect()
        };
        for w in wakers {
            w.wake();
        }
    }

    /// True if some units are free and nobody is queued for them (a snapshot).
    #[inline]
    pub(crate) fn has_free(&self) -> bool {
        let s = self.state.load(Relaxed);
        s & QUEUED == 0 && s & FREE > 0
    }

    fn try_acquire_fast(&self, need: u64) -> bool {
        let mut s = self.state.load(Acquire);
        loop {
            if s & QUEUED != 0 || s < need {
                return false;
            }
            match self.state.compare_exchange_weak(s, s - need, AcqRel, Acquire) {
                Ok(_) => return true,
                Err(now) => s = now,
            }
        }
    }

    /// Takes `need` units, or queues `ticket` (FIFO) and registers the waker; ready once
    /// `ticket` was granted.
    pub(crate) fn poll_acquire(
        &self,
        need: u64,
        ticket: &mut Option<u64>,
        cx: &Context<'_>,
    ) -> Poll<Result<(), Error>> {
        if let Some(t) = *ticket {
            let mut q = lock(&self.queue);
            if q.granted.remove(&t) {
                *ticket = None;
                return Poll::Ready(Ok(()));
            }
            if self.is_closed() {
                q.waiting.remove(&t);
                *ticket = None;
                drop(q);
                return Poll::Ready(Err(Error::RuntimeShutdown));
            }
            let replaced = match q.waiting.get_mut(&t) {
                Some((_, w)) if !w.will_wake(cx.waker()) => Some(core::mem::replace(w, cx.waker().clone())),
                _ => None,
            };
            drop(q);
            drop(replaced);
            return Poll::Pending;
        }
        if self.is_closed() {
            return Poll::Ready(Err(Error::RuntimeShutdown));
        }
        if self.try_acquire_fast(need) {
            return Poll::Ready(Ok(()));
        }
        let mut q = lock(&self.queue);
        let mut s = self.state.load(Acquire);
        loop {
            if q.waiting.is_empty() && (s & FREE) >= need {
                // QUEUED is clear (it is set only while someone waits).
                match self.state.compare_exchange_weak(s, s - need, AcqRel, Acquire) {
                    Ok(_) => return Poll::Ready(Ok(())),
                    Err(now) => s = now,
                }
            } else {
                match self.state.compare_exchange_weak(s, s | QUEUED, AcqRel, Acquire) {
                    Ok(_) => {
                        let t = q.next;
                        q.next += 1;
                        q.waiting.insert(t, (need, cx.waker().clone()));
                        *ticket = Some(t);
                        return Poll::Pending;
                    }
                    Err(now) => s = now,
                }
            }
        }
    }

    /// Gives `units` back and admits queued tasks that now fit.
    pub(crate) fn release(&self, units: u64) {
        let mut s = self.state.load(Acquire);
        loop {
            if s & QUEUED != 0 {
                break;
            }
            match self.state.compare_exchange_weak(s, s + units, AcqRel, Acquire) {
                Ok(_) => return,
                Err(now) => s = now,
            }
        }
        let wakers = {
            let mut q = lock(&self.queue);
            self.state.fetch_add(units, AcqRel);
            self.grant(&mut q)
        };
        for w in wakers {
            w.wake();
        }
    }

    /// Withdraws a queued ticket (its task stopped waiting), or returns the units of a
    /// ticket granted but never seen.
    pub(crate) fn withdraw(&self, need: u64, ticket: u64) {
        let wakers = {
            let mut q = lock(&self.queue);
            if q.granted.remove(&ticket) {
                self.state.fetch_add(need, AcqRel);
            } else {
                q.waiting.remove(&ticket);
            }
            // The head may have changed (or units came back): admit what fits now.
            self.grant(&mut q)
        };
        for w in wakers {
            w.wake();
        }
    }

    /// Under the lock: admits queue heads, in order, while they fit; clears QUEUED when the
    /// queue empties. Returns the wakers to wake once the lock is released.
    fn grant(&self, q: &mut Queue) -> Vec<Waker> {
        let mut wake = Vec::new();
        loop {
            let Some(entry) = q.waiting.first_entry() else {
                self.state.fetch_and(!QUEUED, AcqRel);
                break;
            };
            let need = entry.get().0;
            // QUEUED is set: nobody changes the word outside this lock.
            if self.state.load(Acquire) & FREE < need {
                break;
            }
            self.state.fetch_sub(need, AcqRel);
            let (t, (_, w)) = entry.remove_entry();
            q.granted.insert(t);
            wake.push(w);
        }
        wake
    }

    #[cfg(test)]
    pub(crate) fn free(&self) -> u64 {
        self.state.load(Acquire) & FREE
    }

    /// The free units and whether QUEUED is set (tests check the pool at rest).
    #[cfg(any(test, loom))]
    pub(crate) fn free_and_queued(&self) -> (u64, bool) {
        let s = self.state.load(Acquire);
        (s & FREE, s & QUEUED != 0)
    }
}
