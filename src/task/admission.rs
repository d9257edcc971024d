//! CPU admission (`num_cpus`): a remote task takes its share of its runtime's CPUs
//! ([`CpuPool`], the host's) before its body first runs, and gives it back when it ends — or
//! while it waits in [`ObjectRef::get`](crate::ObjectRef::get), so that tasks waiting on
//! each other cannot deadlock the pool (Ray: a task blocked in `get` gives its CPU back).
//!
//! ```text
//!  poll_body: share held? ── no ──▶ acquire (FIFO) ── Pending until granted
//!                  │ yes
//!                  ▼
//!  poll the body, watching for waits (object::watch_waits)
//!     Pending after a `get` had to wait ──▶ release the share (re-acquired before the next poll)
//! ```

use alloc::sync::Arc;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

pub(crate) use crate::host::CpuPool;
use crate::Error;

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
        // A `get` that had to wait inside the body: the share goes back until the next poll.
        let (out, waited) = crate::object::watch_waits(|| body.poll(cx));
        if out.is_pending() && waited {
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

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::task::options::to_units;
    use alloc::task::Wake;
    use core::sync::atomic::{AtomicUsize, Ordering::Relaxed};
    use core::task::Waker;

    #[derive(Default)]
    struct Count(AtomicUsize);
    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Relaxed);
        }
    }

    #[test]
    fn fifo_and_no_barging() {
        let pool = Arc::new(CpuPool::new(to_units(2.0)));
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
        assert_eq!(pool.free_and_queued(), (pool.total(), false));
    }

    #[test]
    fn withdrawn_tickets_return_their_units() {
        let pool = Arc::new(CpuPool::new(to_units(1.0)));
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
