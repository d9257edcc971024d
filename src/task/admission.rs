//! CPU admission (`num_cpus`): each runtime has a pool of CPU units; a task takes its share
//! before its body runs and gives it back when it finishes, or while it waits in
//! [`ObjectRef::get`](crate::ObjectRef::get).
//!
//! Shares are counted in units of 1/10,000 CPU (Ray's resource granularity). The pool is a
//! FIFO-fair asynchronous semaphore:
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
//! QUEUED with a compare-and-swap on the very value it found insufficient.
//!
//! **Blocked in `get`.** While a task's body is polled, a thread-local marks the thread as
//! "running a task that holds a share". The `get` future of the object store calls
//! [`blocked_in_get`] when it has to wait; if the body then returns `Pending`, the task
//! releases its share. Before the body is polled again the share is re-acquired (queued
//! FIFO like any newcomer). Outside a task body the check is one thread-local read.

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::cell::Cell;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, Waker};

use super::options::to_units;
use crate::sync::atomic::{AtomicBool, AtomicU64, Ordering::AcqRel, Ordering::Acquire, Ordering::Release};
use crate::sync::{lock, Mutex};
use crate::Error;

const QUEUED: u64 = 1 << 63;
const FREE: u64 = QUEUED - 1;

/// The CPU units of one runtime. See the module docs.
#[derive(Debug)]
pub(crate) struct CpuPool {
    total: u64,
    state: AtomicU64,
    queue: Mutex<Queue>,
    /// Set when the runtime shuts down: queued tasks are woken and give up.
    closed: AtomicBool,
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
    /// A pool of `cpus` CPUs (validated by the builder).
    pub(crate) fn new(cpus: f64) -> Self {
        let total = to_units(cpus);
        CpuPool {
            total,
            state: AtomicU64::new(total),
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

    /// Takes `need` units, or queues `ticket` (FIFO) and registers the waker.
    fn poll_acquire(&self, need: u64, ticket: &mut Option<u64>, cx: &Context<'_>) -> Poll<Result<(), Error>> {
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
    fn release(&self, units: u64) {
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
    fn withdraw(&self, need: u64, ticket: u64) {
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
    fn free(&self) -> u64 {
        self.state.load(Acquire) & FREE
    }

    /// The free units and whether QUEUED is set (the loom model checks the pool at rest).
    #[cfg(loom)]
    pub(crate) fn free_and_queued(&self) -> (u64, bool) {
        let s = self.state.load(Acquire);
        (s & FREE, s & QUEUED != 0)
    }
}

/// One task's share of its runtime's CPUs: not held, being acquired, or held.
#[derive(Debug)]
pub(crate) struct Grant {
    pool: Option<Arc<CpuPool>>,
    units: u64,
    held: bool,
    ticket: Option<u64>,
}

impl Grant {
    /// A share of `units` of `pool`; `None` (no std runtime) or 0 units: always admitted.
    pub(crate) fn new(pool: Option<Arc<CpuPool>>, units: u64) -> Self {
        let pool = if units == 0 { None } else { pool };
        Grant { pool, units, held: false, ticket: None }
    }

    /// No share: admission does not apply (no std runtime).
    pub(crate) fn none() -> Self {
        Grant::new(None, 0)
    }

    /// Ready once the share is held (at once if it already is).
    pub(crate) fn poll_held(&mut self, cx: &Context<'_>) -> Poll<Result<(), Error>> {
        let Some(pool) = &self.pool else { return Poll::Ready(Ok(())) };
        if self.held {
            return Poll::Ready(Ok(()));
        }
        let r = pool.poll_acquire(self.units, &mut self.ticket, cx);
        if let Poll::Ready(Ok(())) = r {
            self.held = true;
        }
        r
    }

    /// Gives the share back (a no-op when not held).
    pub(crate) fn release(&mut self) {
        if let (true, Some(pool)) = (self.held, &self.pool) {
            self.held = false;
            pool.release(self.units);
        }
    }

    /// Polls `body` holding the share; if the body waits in `ObjectRef::get`, the share is
    /// given back until the next poll.
    pub(crate) fn poll_body<F: Future>(
        &mut self,
        body: Pin<&mut F>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<F::Output, Error>> {
        if self.pool.is_none() {
            return body.poll(cx).map(Ok);
        }
        match self.poll_held(cx) {
            Poll::Ready(Ok(())) => {}
            Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
            Poll::Pending => return Poll::Pending,
        }
        let previous = BODY.try_with(|b| b.replace(RUNNING)).unwrap_or(IDLE);
        let out = body.poll(cx);
        let state = BODY.try_with(|b| b.replace(previous)).unwrap_or(IDLE);
        if out.is_pending() && state == BLOCKED_IN_GET {
            self.release();
        }
        out.map(Ok)
    }
}

impl Drop for Grant {
    fn drop(&mut self) {
        self.release();
        if let (Some(t), Some(pool)) = (self.ticket.take(), &self.pool) {
            pool.withdraw(self.units, t);
        }
    }
}

/// No task body with a share is being polled on this thread.
const IDLE: u8 = 0;
/// A task body holding a CPU share is being polled.
const RUNNING: u8 = 1;
/// ... and an `ObjectRef::get` inside it had to wait.
const BLOCKED_IN_GET: u8 = 2;

std::thread_local! {
    static BODY: Cell<u8> = const { Cell::new(IDLE) };
}

/// Called by the object store's `get` future when the object is not ready: if a task body
/// holding a CPU share is being polled on this thread, it gives its share back when the
/// poll returns `Pending`.
#[inline]
pub(crate) fn blocked_in_get() {
    let _ = BODY.try_with(|b| {
        if b.get() == RUNNING {
            b.set(BLOCKED_IN_GET);
        }
    });
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use alloc::task::Wake;
    use core::sync::atomic::{AtomicUsize, Ordering::Relaxed};

    #[derive(Default)]
    struct Count(AtomicUsize);
    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Relaxed);
        }
    }

    #[test]
    fn fifo_and_no_barging() {
        let pool = Arc::new(CpuPool::new(2.0));
        let count = Arc::new(Count::default());
        let waker = Waker::from(count.clone());
        let cx = Context::from_waker(&waker);
        let mut a = Grant::new(Some(pool.clone()), to_units(2.0));
        let mut b = Grant::new(Some(pool.clone()), to_units(2.0));
        let mut c = Grant::new(Some(pool.clone()), to_units(0.5));
        assert!(a.poll_held(&cx).is_ready());
        assert!(b.poll_held(&cx).is_pending());
        // c would fit after a releases, but b is first in line.
        assert!(c.poll_held(&cx).is_pending());
        a.release();
        assert_eq!(count.0.load(Relaxed), 1);
        assert!(b.poll_held(&cx).is_ready());
        assert!(c.poll_held(&cx).is_pending());
        drop(b);
        assert!(c.poll_held(&cx).is_ready());
        drop(c);
        drop(a);
        assert_eq!(pool.free(), pool.total());
        assert_eq!(pool.state.load(Relaxed) & QUEUED, 0);
    }

    #[test]
    fn withdrawn_tickets_return_their_units() {
        let pool = Arc::new(CpuPool::new(1.0));
        let waker = Waker::from(Arc::new(Count::default()));
        let cx = Context::from_waker(&waker);
        let mut a = Grant::new(Some(pool.clone()), to_units(1.0));
        let mut b = Grant::new(Some(pool.clone()), to_units(1.0));
        assert!(a.poll_held(&cx).is_ready());
        assert!(b.poll_held(&cx).is_pending());
        a.release(); // grants b's ticket
        drop(b); // never saw the grant: the units go back
        assert_eq!(pool.free(), pool.total());
    }
}
