//! [`wait`] / [`wait_ready`]: wait until some of a list of objects are ready.
//!
//! The future registers one shared waker on every pending object. Each completion of one of
//! them bumps a counter and wakes the waiting task, whose poll is then O(1) (the count
//! against the goal) until the goal is met; only then are the refs partitioned, once. Nothing
//! polls in a loop.

use alloc::sync::Arc;
use alloc::task::Wake;
use alloc::vec::Vec;
use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, Waker};

use atomic_waker::AtomicWaker;

use super::cell::WaiterKey;
use super::ObjectRef;
use crate::executor::poll_proceed;
use crate::sync::atomic::{AtomicUsize, Ordering::SeqCst};

/// What waiting returns: `(ready, pending)`, each in the input order.
pub type WaitOutput<T> = (Vec<ObjectRef<T>>, Vec<ObjectRef<T>>);

/// Waits until `num_returns` of `refs` are ready, with no time limit (the form for `no_std`;
/// with `std` see [`wait`]).
///
/// Resolves to `(ready, pending)`: `ready` holds the first `num_returns` ready refs in input
/// order, `pending` every other ref in input order (it may include refs that became ready
/// too, as Ray's `wait` does). `num_returns` is capped at `refs.len()`; `0` resolves at once.
///
/// ```
/// # let rt = rustyray::Runtime::builder().worker_threads(1).build()?;
/// use rustyray::object::wait_ready;
/// let store = rt.store();
/// let a = store.put(1);
/// let (b, _unfulfilled) = store.pending::<i32>();
/// let (ready, pending) = rt.block_on(wait_ready(&[a.clone(), b.clone()], 1));
/// assert_eq!((ready, pending), (vec![a], vec![b]));
/// # Ok::<(), rustyray::Error>(())
/// ```
pub fn wait_ready<T>(refs: &[ObjectRef<T>], num_returns: usize) -> Wait<'_, T> {
    Wait { refs, num_returns: num_returns.min(refs.len()), registered: None }
}

/// Waits until `num_returns` of `refs` are ready, or until `timeout` has passed (`std`
/// only), and returns `(ready, pending)` in input order (see [`wait_ready`] for the exact
/// split). On timeout, `ready` holds what was ready by then (at most `num_returns`).
///
/// `refs` are [`ObjectRef`]s, or `&`[`ObjectRefStream`](crate::stream::ObjectRefStream)s
/// (a stream is ready when its next item, its error or its end is there) — anything
/// [`Waitable`].
///
/// ```
/// use std::time::Duration;
/// # let rt = rustyray::Runtime::builder().worker_threads(1).build()?;
/// rt.block_on(async {
///     let a = rustyray::put(1)?;
///     let (b, _unfulfilled) = rt.store().pending::<i32>();
///     let refs = [a.clone(), b.clone()];
///     let (ready, pending) = rustyray::wait(&refs, 2, Some(Duration::from_millis(10))).await;
///     assert_eq!((ready, pending), (vec![a], vec![b]));
///     Ok::<(), rustyray::Error>(())
/// })?;
/// # Ok::<(), rustyray::Error>(())
/// ```
#[cfg(feature = "std")]
pub async fn wait<W: Waitable>(
    refs: &[W],
    num_returns: usize,
    timeout: Option<core::time::Duration>,
) -> (Vec<W>, Vec<W>) {
    let num_returns = num_returns.min(refs.len());
    let waiting = W::ready(refs, num_returns);
    match timeout {
        None => waiting.await,
        Some(duration) => match crate::time::timeout(duration, waiting).await {
            Ok(output) => output,
            // (The timed-out wait was dropped, withdrawing what it registered.)
            Err(_) => partition(refs, num_returns),
        },
    }
}

/// Only rustyray's types are waitable.
pub(crate) mod sealed {
    pub trait Sealed {}
}

/// What [`wait`] waits on: an [`ObjectRef`], or a reference to an
/// [`ObjectRefStream`](crate::stream::ObjectRefStream). Sealed.
#[allow(private_bounds)]
pub trait Waitable: Clone + sealed::Sealed {
    /// True if it is ready now (an object's value or error is there; a stream's next
    /// item, error or end is).
    fn is_ready(&self) -> bool;

    /// Waits until `num_returns` of `items` are ready, then splits them.
    #[doc(hidden)]
    fn ready(items: &[Self], num_returns: usize) -> impl Future<Output = (Vec<Self>, Vec<Self>)> + Send + '_;
}

impl<T: Send + Sync> sealed::Sealed for ObjectRef<T> {}

impl<T: Send + Sync> Waitable for ObjectRef<T> {
    fn is_ready(&self) -> bool {
        ObjectRef::is_ready(self)
    }

    fn ready(items: &[Self], num_returns: usize) -> impl Future<Output = (Vec<Self>, Vec<Self>)> + Send + '_ {
        wait_ready(items, num_returns)
    }
}

/// `(ready, pending)` now: the first `num_returns` ready items in input order, and the
/// rest in input order.
#[cfg(feature = "std")]
pub(crate) fn partition<W: Waitable>(items: &[W], num_returns: usize) -> (Vec<W>, Vec<W>) {
    partition_by(items, num_returns, W::is_ready)
}

fn partition_by<W: Clone>(items: &[W], num_returns: usize, is_ready: impl Fn(&W) -> bool) -> (Vec<W>, Vec<W>) {
    let mut ready = Vec::with_capacity(num_returns);
    let mut pending = Vec::with_capacity(items.len().saturating_sub(num_returns));
    for item in items {
        if ready.len() < num_returns && is_ready(item) {
            ready.push(item.clone());
        } else {
            pending.push(item.clone());
        }
    }
    (ready, pending)
}

/// Future of [`wait_ready`].
#[must_use = "futures do nothing unless awaited"]
pub struct Wait<'a, T> {
    refs: &'a [ObjectRef<T>],
    num_returns: usize,
    /// Set once the future had to wait: the shared waker and where it is registered.
    registered: Option<Registered>,
}

struct Registered {
    signal: Arc<Signal>,
    /// Refs already ready when registering.
    ready_before: usize,
    /// Per ref: the waiter key of the shared waker in its cell, while registered.
    keys: Vec<Option<WaiterKey>>,
}

/// The shared waker registered on each pending object.
struct Signal {
    /// Registered objects that completed since registration (each wakes its waiters once).
    completed: AtomicUsize,
    task: AtomicWaker,
}

impl Wake for Signal {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.completed.fetch_add(1, SeqCst);
        self.task.wake();
    }
}

impl<T> Wait<'_, T> {
    /// Splits the refs by readiness now, withdrawing every registration.
    fn partition(&mut self) -> WaitOutput<T> {
        self.deregister();
        partition_by(self.refs, self.num_returns, ObjectRef::is_ready)
    }

    fn deregister(&mut self) {
        if let Some(registered) = self.registered.take() {
            for (r, key) in self.refs.iter().zip(registered.keys) {
                if let Some(key) = key {
                    r.cell().deregister(key);
                }
            }
        }
    }

    /// Registers the shared waker on every pending ref; returns how many were ready.
    fn register(&mut self, cx: &Context<'_>) -> usize {
        let signal = Arc::new(Signal { completed: AtomicUsize::new(0), task: AtomicWaker::new() });
        signal.task.register(cx.waker());
        let waker = Waker::from(Arc::clone(&signal));
        let mut keys = alloc::vec![None; self.refs.len()];
        let mut ready_before = 0;
        for (r, key) in self.refs.iter().zip(&mut keys) {
            if r.cell().ready_or_register(&waker, key) {
                ready_before += 1;
            }
        }
        self.registered = Some(Registered { signal, ready_before, keys });
        ready_before
    }
}

impl<T> Future for Wait<'_, T> {
    type Output = WaitOutput<T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if poll_proceed(cx).is_pending() {
            return Poll::Pending;
        }
        let ready = match &self.registered {
            Some(registered) => {
                registered.signal.task.register(cx.waker());
                registered.ready_before + registered.signal.completed.load(SeqCst)
            }
            None => {
                let ready_now = self.refs.iter().filter(|r| r.is_ready()).count();
                if ready_now >= self.num_returns {
                    ready_now
                } else {
                    self.register(cx)
                }
            }
        };
        if ready >= self.num_returns {
            Poll::Ready(self.partition())
        } else {
            Poll::Pending
        }
    }
}

impl<T> Drop for Wait<'_, T> {
    fn drop(&mut self) {
        self.deregister();
    }
}

impl<T> fmt::Debug for Wait<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Wait")
            .field("refs", &self.refs.len())
            .field("num_returns", &self.num_returns)
            .field("waiting", &self.registered.is_some())
            .finish()
    }
}
