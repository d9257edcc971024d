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
///
/// The pool is found through the polling thread's runtime (a remote task is only ever
/// polled by its own runtime's threads: its workers, or a `block_on` of it), so a task that
/// takes its share and gives it back within one poll — the common case — never touches the
/// pool's reference count: the submitting thread and the workers would otherwise trade
/// that count's cache line twice per task. The grant keeps a reference only while a share
/// or a ticket outlives a poll (a body that waits holding its CPUs, or a task queued for
/// them), so whoever drops the task can give them back.
#[derive(Debug)]
pub(crate) struct Grant {
    units: u64,
    held: bool,
    ticket: Option<u64>,
    /// Set while `held` or `ticket` outlives a poll.
    kept: Option<Arc<CpuPool>>,
}

impl Grant {
    /// A share of `units` of the polling runtime's pool (0 units: always admitted).
    pub(crate) fn new(units: u64) -> Self {
        Grant { units, held: false, ticket: None, kept: None }
    }

    /// A share of `units` of `pool` itself, polled anywhere (the unit and loom tests poll
    /// outside any runtime).
    #[cfg(any(test, loom))]
    pub(crate) fn on_pool(pool: Arc<CpuPool>, units: u64) -> Self {
        Grant { units, held: false, ticket: None, kept: Some(pool) }
    }

    /// No share: admission does not apply (no std runtime).
    pub(crate) fn none() -> Self {
        Grant::new(0)
    }

    /// Ready once the share is held (at once if it already is).
    pub(crate) fn poll_held(&mut self, cx: &Context<'_>) -> Poll<Result<(), Error>> {
        if self.units == 0 || self.held {
            return Poll::Ready(Ok(()));
        }
        let (units, ticket) = (self.units, &mut self.ticket);
        let r = with_pool(&self.kept, |pool| pool.poll_acquire(units, ticket, cx))
            .unwrap_or(Poll::Ready(Err(Error::NoRuntime)));
        match r {
            Poll::Ready(Ok(())) => self.held = true,
            // Queued: whoever drops the task must withdraw the ticket.
            Poll::Pending => self.keep(),
            Poll::Ready(Err(_)) => {}
        }
        r
    }

    /// The share (or the ticket) outlives this poll: keep the pool.
    fn keep(&mut self) {
        if self.kept.is_none() {
            self.kept = crate::host::with_current(|parts| parts.map(|p| p.cpus.clone()));
        }
    }

    /// Gives the share back (a no-op when not held).
    pub(crate) fn release(&mut self) {
        if self.held {
            self.held = false;
            let units = self.units;
            let _ = with_pool(&self.kept, |pool| pool.release(units));
        }
    }

    /// Polls `body` holding the share; if the body waits in `ObjectRef::get`, the share is
    /// given back until the next poll.
    pub(crate) fn poll_body<F: Future>(
        &mut self,
        body: Pin<&mut F>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<F::Output, Error>> {
        if self.units == 0 {
            return body.poll(cx).map(Ok);
        }
        match self.poll_held(cx) {
            Poll::Ready(Ok(())) => {}
            Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
            Poll::Pending => return Poll::Pending,
        }
        let (out, waited) = crate::object::watch_waits(|| body.poll(cx));
        match &out {
            // Done: the share goes back now (the attempt may retry: it takes it again).
            Poll::Ready(_) => self.release(),
            // A `get` that had to wait inside the body: the share goes back until the next poll.
            Poll::Pending if waited => self.release(),
            // Waiting on something else, holding the share.
            Poll::Pending => self.keep(),
        }
        out.map(Ok)
    }
}

/// Runs `f` with a grant's pool: the one it `kept`, else the polling thread's runtime's.
/// `None` only off a runtime thread, where no remote task is polled.
fn with_pool<R>(kept: &Option<Arc<CpuPool>>, f: impl FnOnce(&Arc<CpuPool>) -> R) -> Option<R> {
    match kept {
        Some(pool) => Some(f(pool)),
        None => crate::host::with_current(|parts| parts.map(|p| f(&p.cpus))),
    }
}

impl Drop for Grant {
    fn drop(&mut self) {
        self.release();
        if let Some(t) = self.ticket.take() {
            let units = self.units;
            let _ = with_pool(&self.kept, |pool| pool.withdraw(units, t));
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
        let mut a = Grant::on_pool(pool.clone(), to_units(2.0));
        let mut b = Grant::on_pool(pool.clone(), to_units(2.0));
        let mut c = Grant::on_pool(pool.clone(), to_units(0.5));
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
        let mut a = Grant::on_pool(pool.clone(), to_units(1.0));
        let mut b = Grant::on_pool(pool.clone(), to_units(1.0));
        assert!(a.poll_held(&cx).is_ready());
        assert!(b.poll_held(&cx).is_pending());
        a.release(); // grants b's ticket
        drop(b); // never saw the grant: the units go back
        assert_eq!(pool.free(), pool.total());
    }
}
